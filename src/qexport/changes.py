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
from typing import TYPE_CHECKING

from qexport.errors import ContentError, QexportError
from qexport.files import replace_text
from qexport.metadata import METADATA_FILE
from qexport.normalize import MAX_FILE_BYTES, check_inside

if TYPE_CHECKING:
    from qexport.model import QuestionSet

LOCK_FILE = "qexport.lock.json"
NOTE_KEY = "note:"  # the key of a question's note: note:<question id>
FORMAT = 1
DIFFERS = ""  # the hash of an entry whose content is known to have moved: it never matches


def digest_of(parts: Iterable[str]) -> str:
    """A hash of `parts` that no re-grouping of the same text can fake."""
    digest = hashlib.sha256()
    for part in parts:
        encoded = part.encode("utf-8")
        digest.update(len(encoded).to_bytes(8, "big"))
        digest.update(encoded)
    return digest.hexdigest()


# How far ahead of this machine's clock a change time may be. Anki applies a
# note only if it is newer than the learner's copy, so a time years ahead
# would freeze that note in every collection until then.
MAX_AHEAD = 86_400
DAMAGED_ADVICE = (
    "restore it from version control, or rebuild it from the deck learners last got: "
    "qexport lock --from LAST-RELEASE.apkg (deleting it instead makes every note update "
    "once, overwriting learners' own edits)"
)


def latest_allowed() -> int:
    """The latest change time qexport accepts: the clock, plus a day of slack."""
    return int(time.time()) + MAX_AHEAD


def time_problem(value: object) -> str | None:
    """Why `value` cannot be a change time (seconds since 1970), or None if it can."""
    if type(value) is not int:
        return f"a change time must be a whole number of seconds, not {value!r:.40}"
    if value < 0:
        return f"a change time cannot be negative ({value})"
    if value > latest_allowed():
        return (
            f"the change time {value} is in the future (after {latest_allowed()}); learners "
            "would never get a later change to that note; check the clock"
        )
    return None


def now() -> int:
    """The current time, or SOURCE_DATE_EPOCH when a reproducible build sets it."""
    epoch = source_date_epoch()
    return int(time.time()) if epoch is None else epoch


def source_date_epoch() -> int | None:
    """SOURCE_DATE_EPOCH, checked, or None when it is not set."""
    epoch = os.environ.get("SOURCE_DATE_EPOCH")
    if epoch is None:
        return None
    # isdecimal alone accepts digits of every script; 12 digits outlast the year 9999.
    if not (epoch.isascii() and epoch.isdecimal() and len(epoch) <= 12):
        raise QexportError(
            f"SOURCE_DATE_EPOCH must be a whole number of seconds, not {epoch[:40]!r}"
        )
    problem = time_problem(int(epoch))
    if problem is not None:
        raise QexportError(f"SOURCE_DATE_EPOCH: {problem}")
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
    check_inside(path, path.parent)  # a link to a file elsewhere is not this bank's lock
    try:
        if path.stat().st_size > MAX_FILE_BYTES:
            raise ValueError(f"over {MAX_FILE_BYTES // 1024 // 1024} MB")
        # utf-8-sig: an editor may have saved it with a byte order mark.
        text = path.read_text(encoding="utf-8-sig")
        data = json.loads(text, parse_int=_parse_int)
        if not isinstance(data, dict) or data.get("format") != FORMAT:
            found = data.get("format") if isinstance(data, dict) else data
            raise ValueError(f"unknown format {found!r:.40}")
        if not isinstance(data.get("entries"), dict):
            raise ValueError("no entries")
    except OSError as exc:
        raise ContentError(f"cannot read the lock file: {exc.strerror or exc}", path) from None
    except json.JSONDecodeError as exc:
        message = f"the lock file is damaged ({exc.msg}); {DAMAGED_ADVICE}"
        raise ContentError(message, path, exc.lineno) from None
    # RecursionError: brackets nested too deep for the parser.
    except (ValueError, RecursionError, UnicodeDecodeError) as exc:
        raise ContentError(f"the lock file is damaged ({exc}); {DAMAGED_ADVICE}", path) from None
    return {key: _entry(key, value, path, text) for key, value in data["entries"].items()}


def _parse_int(digits: str) -> int | str:
    # A number of thousands of digits would make int() raise: keep it as text, then refuse it.
    return int(digits) if len(digits) <= 20 else digits


def _entry(key: str, value: object, path: Path, text: str) -> Entry:
    """One entry, checked, or a ContentError at the line that holds it."""
    if isinstance(value, dict) and isinstance(value.get("hash"), str):
        problem = time_problem(value.get("changed"))
        if problem is None:
            return Entry(value["changed"], value["hash"])
    else:
        problem = "needs a 'changed' time and a 'hash'"
    line = text.count("\n", 0, max(_key_offset(text, key), 0)) + 1
    raise ContentError(
        f"the lock file is damaged: entry {key!r:.80}: {problem}; {DAMAGED_ADVICE}", path, line
    )


def _key_offset(text: str, key: str) -> int:
    """Where `key` is written in `text`, as is or with \\u escapes as qexport writes it; or -1."""
    for written in (json.dumps(key, ensure_ascii=False), json.dumps(key)):
        found = text.find(written)
        if found != -1:
            return found
    return -1


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


def content_date(question_set: QuestionSet) -> int:
    """When the content of `question_set` last changed, to date documents reproducibly.

    SOURCE_DATE_EPOCH when a build sets it; else the latest change the lock
    file records for these questions (the time their notes carry in the
    deck); else, before any is recorded, the newest modification time of
    the files they come from: set.toml, their level files and images.
    """
    epoch = source_date_epoch()
    if epoch is not None:
        return epoch
    entries = read(question_set.content_dir / LOCK_FILE)
    recorded = [entries.get(NOTE_KEY + q.id) for q in question_set.questions]
    times = [entry.changed for entry in recorded if entry is not None]
    if times:
        return max(times)
    content_dir = question_set.content_dir
    files = {q.path for q in question_set.questions}
    files |= {content_dir / image for q in question_set.questions for image in q.images}
    files.add(content_dir / METADATA_FILE)
    return max((int(path.stat().st_mtime) for path in files if path.exists()), default=0)
