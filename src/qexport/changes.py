"""When each piece of content last changed, kept in a lock file beside it.

Anki applies an incoming note only if its modification time is newer than
the copy in the learner's collection. So a note's time must be the time its
content last changed: not the build time (every release would touch every
note) and not a constant (no edit would ever arrive). The lock file records,
for each key, a hash of the content and the time that hash first appeared::

    {
      "format": 1,
      "entries": {
        "note:list-vs-tuple": {"changed": 1764000000, "hash": "3f2a..."},
        ...
      }
    }

Commit it with the content: the same content and lock file give the same
bytes, on any machine.
"""

from __future__ import annotations

import hashlib
import json
import os
import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

from qexport.errors import ContentError, QexportError
from qexport.output import replace_text

LOCK_FILE = "qexport.lock.json"
FORMAT = 1


def content_hash(parts: Iterable[str]) -> str:
    """A hash of `parts` that no re-grouping of the same text can fake."""
    digest = hashlib.sha256()
    for part in parts:
        encoded = part.encode("utf-8")
        digest.update(len(encoded).to_bytes(8, "big"))
        digest.update(encoded)
    return digest.hexdigest()


def now() -> int:
    """The current time, or SOURCE_DATE_EPOCH when a reproducible build sets it."""
    epoch = os.environ.get("SOURCE_DATE_EPOCH")
    if epoch is None:
        return int(time.time())
    if not epoch.isdigit():
        raise QexportError(f"SOURCE_DATE_EPOCH must be a whole number of seconds, not {epoch!r}")
    return int(epoch)


@dataclass(frozen=True)
class Entry:
    changed: int
    hash: str


@dataclass(frozen=True)
class Stamped:
    """Change times for the keys asked about, and what to write back."""

    changed: Mapping[str, int]
    entries: Mapping[str, Entry]
    dirty: bool

    @property
    def latest(self) -> int:
        return max(self.changed.values(), default=0)


def read(path: Path) -> dict[str, Entry]:
    """The entries of the lock file at `path` ({} if there is none yet)."""
    if not path.exists():
        return {}
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        if data.get("format") != FORMAT:
            raise ValueError(f"unknown format {data.get('format')!r}")
        return {
            str(key): Entry(int(value["changed"]), str(value["hash"]))
            for key, value in data["entries"].items()
        }
    except (ValueError, KeyError, TypeError, AttributeError, UnicodeDecodeError) as exc:
        raise ContentError(
            f"the lock file is damaged ({exc}); restore it from version control, or delete it "
            "to start over (learners then get every note as updated once)",
            path,
        ) from None


def stamp(
    previous: Mapping[str, Entry],
    hashes: Mapping[str, str],
    at: int,
    prune: str | None = None,
) -> Stamped:
    """Give each key its last change time, recording a change at `at` where its hash moved.

    A new change time is always later than the old one, so Anki sees an update
    even when the clock (or SOURCE_DATE_EPOCH) lags behind the lock file.
    Keys starting with `prune` that are no longer asked about are dropped.
    """
    entries = {
        key: entry
        for key, entry in previous.items()
        if prune is None or not key.startswith(prune) or key in hashes
    }
    changed = {}
    for key, digest in hashes.items():
        old = previous.get(key)
        if old is not None and old.hash == digest:
            entry = old
        else:
            entry = Entry(max(at, old.changed + 1) if old else at, digest)
        entries[key] = entry
        changed[key] = entry.changed
    return Stamped(changed, entries, dirty=entries != dict(previous))


def write(path: Path, entries: Mapping[str, Entry]) -> None:
    """Replace the lock file atomically, in a stable, diff-friendly layout."""
    body = {
        "format": FORMAT,
        "entries": {
            key: {"changed": entry.changed, "hash": entry.hash}
            for key, entry in sorted(entries.items())
        },
    }
    text = json.dumps(body, indent=2, sort_keys=True) + "\n"
    try:
        replace_text(path, text)  # readable by all: it is a shared, committed file
    except OSError as exc:
        raise QexportError(f"cannot update {path}: {exc.strerror or exc}") from None
