"""The content folder, watched: each burst of saves calls back once."""

from __future__ import annotations

import threading
from collections.abc import Callable
from pathlib import Path

import click

STEP_MS = 30  # a burst of changes (an editor's write, rename and chmod) ends after this quiet
DEBOUNCE_MS = 400  # a longer burst is still reported after this
TIMEOUT_MS = 200  # the watcher wakes this often, so its first wake says it is watching


class Watcher:
    """Calls `on_change` in a thread of its own after each burst of changes in `folder`."""

    def __init__(self, folder: Path, on_change: Callable[[], None]) -> None:
        self.folder = folder
        self._on_change = on_change
        self._stop = threading.Event()
        self._watching = threading.Event()
        self._thread = threading.Thread(target=self._run, name="qexport-watch", daemon=True)

    def start(self) -> None:
        """Start watching; returns once changes are seen, so none saved after it is missed."""
        self._thread.start()
        self._watching.wait(timeout=10)

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=5)

    def _run(self) -> None:
        import watchfiles

        try:
            for changes in watchfiles.watch(
                self.folder,
                step=STEP_MS,
                debounce=DEBOUNCE_MS,
                rust_timeout=TIMEOUT_MS,
                yield_on_timeout=True,
                stop_event=self._stop,
                raise_interrupt=False,
            ):
                self._watching.set()
                if changes:
                    self._on_change()
        except Exception as exc:  # a folder deleted or unmounted: say so, keep serving
            click.echo(f"qexport serve: stopped watching {self.folder}: {exc}", err=True)
        finally:
            self._watching.set()
