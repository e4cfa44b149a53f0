"""`qexport serve` in a process of its own on a free port of 127.0.0.1, always stopped."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

START_TIMEOUT = 60.0


@dataclass
class Served:
    """A running server: its address, and what it printed once stopped."""

    url: str
    process: subprocess.Popen[str]
    stderr: str = ""
    events: list[tuple[str, dict[str, Any]]] = field(default_factory=list)

    def get(self, path: str, host: str | None = None) -> tuple[int, bytes, str]:
        """Status, body and content type of GET `path` (a raw path, sent as written)."""
        import http.client

        address = self.url.removeprefix("http://").rstrip("/")
        connection = http.client.HTTPConnection(address, timeout=30)
        try:
            connection.putrequest("GET", path, skip_host=host is not None)
            if host is not None:
                connection.putheader("Host", host)
            connection.endheaders()
            response = connection.getresponse()
            return response.status, response.read(), response.getheader("Content-Type") or ""
        finally:
            connection.close()

    def listen(self) -> threading.Event:
        """Collect the server's events in `events` from now on; set once connected."""
        connected = threading.Event()

        def read() -> None:
            with urllib.request.urlopen(self.url + "events", timeout=120) as stream:
                name = ""
                for raw in stream:
                    line = raw.decode().rstrip("\n")
                    if line.startswith("event: "):
                        name = line[len("event: ") :]
                    elif line.startswith("data: "):
                        self.events.append((name, json.loads(line[len("data: ") :])))
                        connected.set()

        threading.Thread(target=read, daemon=True).start()
        return connected

    def wait_event(self, name: str, test: Any, seconds: float = 30.0) -> dict[str, Any]:
        """The first `name` event whose data passes `test`, waiting for it."""
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            for event, data in list(self.events):
                if event == name and test(data):
                    return data
            time.sleep(0.02)
        raise AssertionError(f"no such {name} event in {seconds} s: {self.events[-3:]}")


@contextmanager
def serving(content: Path, *args: str) -> Iterator[Served]:
    """Start `qexport serve` on a free port; stop it with Ctrl-C's signal, whatever happens."""
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "qexport",
            "--content",
            str(content),
            "serve",
            "--port",
            "0",
            *args,
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    try:
        assert process.stdout is not None
        line = process.stdout.readline()
        assert line.startswith("Serving http://127.0.0.1:"), line + process.stderr.read()
        served = Served(line.split()[1], process)
        yield served
    finally:
        if process.poll() is None:
            process.send_signal(signal.SIGINT)
        try:
            _, served_stderr = process.communicate(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            _, served_stderr = process.communicate()
        if "served" in locals():
            served.stderr = served_stderr
