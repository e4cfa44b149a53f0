"""The user's cache folder: what is worth remembering between runs, never needed.

Anything in it may be deleted at any time. A missing, damaged or unwritable
cache only means qexport works the answer out again.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

CACHE_ENV = "QEXPORT_CACHE_DIR"


def cache_dir() -> Path:
    """$QEXPORT_CACHE_DIR, else $XDG_CACHE_HOME/qexport, else ~/.cache/qexport."""
    configured = os.environ.get(CACHE_ENV)
    if configured:
        return Path(configured)
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "qexport"


def read_cached(name: str) -> str | None:
    """The text cached as `name`, or None when absent or unreadable."""
    try:
        # surrogateescape: paths that are not UTF-8 come back as they went in
        return (cache_dir() / name).read_text(encoding="utf-8", errors="surrogateescape")
    except OSError:
        return None


def write_cached(name: str, text: str) -> None:
    """Cache `text` as `name`, atomically; silently skipped where the cache is not writable."""
    from qexport.files import replace_text  # only on a cache miss, so not at start-up

    folder = cache_dir()
    try:
        folder.mkdir(parents=True, exist_ok=True)
        replace_text(folder / name, text, mode=0o600)
    except OSError:
        pass


def read_json(name: str) -> Any:
    """The JSON value cached as `name`, or None when absent or unreadable."""
    import json

    text = read_cached(name)
    try:
        return None if text is None else json.loads(text)
    except (ValueError, RecursionError):  # RecursionError: a damaged file, deeply nested
        return None


def write_json(name: str, value: Any) -> None:
    import json

    write_cached(name, json.dumps(value))


def read_map(name: str) -> dict[str, Any]:
    """The JSON object cached as `name`, or an empty one when absent or damaged."""
    value = read_json(name)
    return value if isinstance(value, dict) else {}


def update_map(name: str, updates: dict[str, Any], limit: int) -> None:
    """Merge `updates` into the JSON object cached as `name`, keeping its `limit` newest keys."""
    if not updates:
        return
    with locked_entry(name):
        known = read_map(name)
        for key, value in updates.items():
            known.pop(key, None)
            known[key] = value  # last in the file: the most recent
        write_json(name, dict(list(known.items())[-limit:]))


@contextmanager
def locked_entry(name: str) -> Iterator[None]:
    """Hold the lock on the cache file `name` while reading, changing and writing it.

    Runs at once would otherwise each write back what they read, losing the
    others' records. A cache that cannot be locked is updated unlocked: at
    worst a record is lost, which only costs work.
    """
    if name in _held:  # flock is per open file: a second open here would wait forever
        yield
        return
    handle = None
    try:
        folder = cache_dir()
        folder.mkdir(parents=True, exist_ok=True)
        handle = (folder / f".{name}.lock").open("a")
        if sys.platform != "win32":
            import fcntl

            fcntl.flock(handle.fileno(), fcntl.LOCK_EX)
    except OSError:
        pass
    _held.add(name)
    try:
        yield
    finally:
        _held.discard(name)
        if handle is not None:
            handle.close()


_held: set[str] = set()  # cache files this process holds the lock on
