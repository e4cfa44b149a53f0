"""The PDFs `qexport serve` links to, rebuilt in the background after each good save.

Each layout is built by `qexport pdf` in a process of its own, at a lower
priority than the page's own rebuilds, into a folder the server made and
removes when it stops: nothing goes into the content or a release. A save
during a build stops it and starts again from the new content.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
import threading
from collections.abc import Callable
from dataclasses import dataclass
from html import escape
from pathlib import Path

from qexport.files import private_folder, remove_abandoned

LAYOUTS = {"booklet": "Booklet", "cheatsheet": "Cheat sheet", "cards": "Cards"}
NICENESS = 10
FOLDER_PREFIX = "qexport-serve-"  # then the server's process id: its folder outlives a kill -9


@dataclass(frozen=True)
class Built:
    """One layout's state: building, ready (its file) or failed (the error printed)."""

    state: str
    path: Path | None = None
    error: str = ""
    version: int = 0


class PdfBuilder:
    """Builds every layout for the newest version asked for; tells `on_change` each step."""

    def __init__(self, content_dir: Path, on_change: Callable[[], None]) -> None:
        self.content_dir = content_dir
        remove_abandoned(Path(tempfile.gettempdir()), FOLDER_PREFIX)  # killed servers'
        self.folder = private_folder(Path(tempfile.gettempdir()), FOLDER_PREFIX)
        self.states: dict[str, Built] = {name: Built("waiting") for name in LAYOUTS}
        self._on_change = on_change
        self._wanted = 0
        self._condition = threading.Condition()
        self._process: subprocess.Popen[str] | None = None
        self._stopped = False
        self._thread = threading.Thread(target=self._run, name="qexport-pdfs", daemon=True)
        self._thread.start()

    def request(self, version: int) -> None:
        """Build for `version`: a build of an older one stops."""
        with self._condition:
            self._wanted = version
            if self._process is not None:
                self._process.terminate()
            self._condition.notify()

    def file(self, name: str) -> Path | None:
        """The built PDF served as `name` (`<layout>.pdf`), if it is ready."""
        layout = name.removesuffix(".pdf")
        built = self.states.get(layout) if name.endswith(".pdf") else None
        return built.path if built is not None and built.state == "ready" else None

    def stop(self) -> None:
        with self._condition:
            self._stopped = True
            if self._process is not None:
                self._process.kill()
            self._condition.notify()
        self._thread.join(timeout=5)
        shutil.rmtree(self.folder, ignore_errors=True)

    def _run(self) -> None:
        done = 0
        while True:
            with self._condition:
                while self._wanted == done and not self._stopped:
                    self._condition.wait()
                if self._stopped:
                    return
                version = self._wanted
            for layout in LAYOUTS:
                if not self._build(layout, version):
                    break
            done = version

    def _build(self, layout: str, version: int) -> bool:
        """Build one layout for `version`; False if a newer version or a stop came first."""
        out = self.folder / f"{version}-{layout}"
        command = [
            *(sys.executable, "-m", "qexport", "--content", str(self.content_dir)),
            *("pdf", "--layout", layout, "--out", str(out)),
        ]
        with self._condition:
            if self._stopped or self._wanted != version:
                return False
            old = self.states[layout]
            self.states[layout] = Built("building", old.path, version=old.version)
            self._process = subprocess.Popen(
                command,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                text=True,
                preexec_fn=_lower_priority if os.name == "posix" else None,
            )
            process = self._process
        self._on_change()
        stdout, stderr = process.communicate()
        with self._condition:
            self._process = None
            if self._stopped or self._wanted != version:
                return False
            written = [Path(line) for line in stdout.splitlines() if line.endswith(".pdf")]
            if process.returncode == 0 and written:  # `qexport pdf` prints the file it wrote
                self.states[layout] = Built("ready", written[-1], version=version)
                _remove_older(self.folder, layout, version)
            else:
                error = stderr.strip() or f"qexport pdf exited with {process.returncode}"
                self.states[layout] = Built("failed", None, error, version)
        self._on_change()
        return True

    def links(self) -> str:
        """The PDFs' links and states, for the page's bar."""
        parts = []
        for layout, label in LAYOUTS.items():
            built = self.states[layout]
            if built.path is not None and built.state in ("ready", "building"):
                link = f'<a href="/pdf/{layout}.pdf?v={built.version}">{label}</a>'
            else:
                link = f"<span>{label}</span>"
            if built.state == "failed":
                error = escape(built.error.splitlines()[0] if built.error else "failed")
                note = f' <span class="qx-pdf-failed" title="{escape(built.error)}">{error}</span>'
            elif built.state != "ready":
                note = f' <span class="qx-pdf-state">({built.state}…)</span>'
            else:
                note = ""
            parts.append(f'<span class="qx-pdf" data-layout="{layout}">{link}{note}</span>')
        return "".join(parts)


def _lower_priority() -> None:
    os.nice(NICENESS)


def _remove_older(folder: Path, layout: str, version: int) -> None:
    for old in folder.glob(f"*-{layout}"):
        number = old.name.split("-", 1)[0]
        if number.isdigit() and int(number) < version:
            shutil.rmtree(old, ignore_errors=True)
