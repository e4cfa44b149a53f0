"""Time `qexport serve` from a saved edit to the page's update event.

    python benchmarks/serve.py BANK [--edits 10] [--settle 1.0]

Starts `qexport --content BANK serve --port 0` (BANK is edited: give it a
copy), waits for its `Serving http://127.0.0.1:PORT/` line, and listens to
GET /events, the page's server-sent events. Then, `--edits` times, it adds a
word to one question (edit_bank.py) and measures from just before the file
is written to the arrival of the `update` event whose "changed" holds that
question's id. One edit first, untimed, warms the server up; `--settle`
seconds pass between edits, as between an author's saves (the PDFs the
server rebuilds in the background after each save keep running meanwhile).
The server is stopped with Ctrl-C (SIGINT) at the end, as a user stops it.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import queue
import re
import signal
import statistics
import subprocess
import sys
import threading
import time
from dataclasses import dataclass
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from edit_bank import planned_edit  # noqa: E402

SERVING = re.compile(r"Serving http://127\.0\.0\.1:(\d+)/")
START_TIMEOUT = 120.0  # seconds for the server to load the bank and listen
EVENT_TIMEOUT = 60.0  # seconds for one edit's update event


@dataclass(frozen=True)
class Served:
    seconds: list[float]  # one per timed edit, in order
    peak_mb: float  # the server's peak memory (max RSS)


@dataclass(frozen=True)
class Event:
    arrived: float  # time.perf_counter() when it was read
    name: str
    data: dict[str, object]


def start(bank: Path) -> tuple[subprocess.Popen[str], int]:
    """The server process on a free port, once it listens, and that port."""
    command = [sys.executable, "-m", "qexport", "--content", str(bank), "serve", "--port", "0"]
    process = subprocess.Popen(
        command, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True
    )
    assert process.stdout is not None
    lines: queue.Queue[str] = queue.Queue()
    threading.Thread(target=_drain, args=(process.stdout, lines), daemon=True).start()
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        try:
            line = lines.get(timeout=0.5)
        except queue.Empty:
            if process.poll() is not None:
                break
            continue
        if found := SERVING.search(line):
            return process, int(found.group(1))
    stop(process)
    raise SystemExit(f"qexport serve did not start on {bank}")


def _drain(stream: object, lines: queue.Queue[str]) -> None:
    """Read the server's output to its end, so that a full pipe never blocks it."""
    for line in stream:  # type: ignore[attr-defined]
        lines.put(line)


def listen(port: int, events: queue.Queue[Event]) -> None:
    """Put each server-sent event of GET /events into `events`, as it arrives."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=None)
    connection.request("GET", "/events")
    response = connection.getresponse()
    name, data = "message", ""
    while line := response.fp.readline():
        text = line.decode("utf-8").rstrip("\r\n")
        if text.startswith("event:"):
            name = text[6:].strip()
        elif text.startswith("data:"):
            data += text[5:].strip()
        elif not text and data:
            events.put(Event(time.perf_counter(), name, json.loads(data)))
            name, data = "message", ""


def wait_for_update(events: queue.Queue[Event], question_id: str, after: float) -> float:
    """When the first update event since `after` that holds `question_id` arrived."""
    deadline = time.monotonic() + EVENT_TIMEOUT
    while (left := deadline - time.monotonic()) > 0:
        try:
            event = events.get(timeout=left)
        except queue.Empty:
            break
        changed = event.data.get("changed")
        ours = isinstance(changed, list) and question_id in changed
        if event.name == "update" and event.arrived >= after and ours:
            return event.arrived
    raise SystemExit(f"no update event for '{question_id}' within {EVENT_TIMEOUT:.0f} s")


def edit_and_wait(bank: Path, events: queue.Queue[Event]) -> float:
    """Seconds from one edit's file write to its update event."""
    edit, text = planned_edit(bank)
    written = time.perf_counter()  # the file is written from here
    edit.path.write_text(text, encoding="utf-8")
    return wait_for_update(events, edit.question_id, written) - written


def stop(process: subprocess.Popen[str]) -> float:
    """Stop the server as a user does (Ctrl-C); its peak memory in MB."""
    if process.poll() is None:
        process.send_signal(signal.SIGINT)
    try:
        _, status, usage = os.wait4(process.pid, 0)
    except ChildProcessError:  # already reaped
        return 0.0
    process.returncode = os.waitstatus_to_exitcode(status)
    return usage.ru_maxrss / 1024  # KiB on Linux


def measure(bank: Path, edits: int = 10, settle: float = 1.0) -> Served:
    """Edit-to-update seconds of `edits` edits of `bank` (which is changed)."""
    process, port = start(bank)
    try:
        events: queue.Queue[Event] = queue.Queue()
        threading.Thread(target=listen, args=(port, events), daemon=True).start()
        time.sleep(settle)  # the stream is open, the first build's events are in
        edit_and_wait(bank, events)  # untimed: the first rebuild warms the server up
        seconds = []
        for _ in range(edits):
            time.sleep(settle)
            seconds.append(edit_and_wait(bank, events))
    finally:
        peak = stop(process)
    return Served(seconds, peak)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("bank", type=Path, help="a bank to edit (a copy: it is changed)")
    parser.add_argument("--edits", type=int, default=10)
    parser.add_argument("--settle", type=float, default=1.0)
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    args = parser.parse_args()
    served = measure(args.bank, args.edits, args.settle)
    if args.json:
        print(json.dumps({"seconds": served.seconds, "peak_mb": served.peak_mb}))
        return
    print(" ".join(f"{s:.3f}" for s in served.seconds))
    print(
        f"median {statistics.median(served.seconds):.3f} s, max {max(served.seconds):.3f} s, "
        f"server peak {served.peak_mb:.0f} MB"
    )


if __name__ == "__main__":
    main()
