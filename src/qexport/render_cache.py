"""Rendered pieces of single questions, remembered by a hash of everything they came from.

Rendering the same question twice is waste: `qexport serve` keeps what it
rendered in memory, and CLI builds keep it in the user's cache folder
(`render.sqlite3`), so a build after one edit renders one question. A key
is a hash of the inputs and of the code that renders them (qexport's
version and sources, Markdown and Pygments versions): an entry can only be
right or missing. A damaged, locked or unwritable file only means a rebuild;
what is built is byte for byte the same with or without the cache.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager, suppress
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from qexport.cache import cache_dir
from qexport.changes import digest_of

if TYPE_CHECKING:
    import sqlite3

FILE_NAME = "render.sqlite3"
SCHEMA = "1"
LIMIT = 200_000  # entries kept on disk, the newest; 10,000 questions' cards fill 5% of it
BATCH = 500  # keys per query: under SQLite's limit on parameters
LOCK_WAIT = 2.0  # seconds to wait for another run's write; then give up on caching


@lru_cache(maxsize=1)
def code_version() -> str:
    """What renders: qexport's version and the rendering modules' source, and the versions
    of markdown-it-py and Pygments. An editable install changes code, not its version."""
    from importlib import metadata

    import markdown_it
    import pygments

    import qexport
    from qexport import codeblocks, html_subset, lengths, media, render

    sources = []
    for module in (render, codeblocks, media, html_subset, lengths):
        try:
            sources.append(Path(str(module.__file__)).read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError):  # no source (a frozen build): the version serves
            sources.append("")
    versions = [qexport.__version__, markdown_it.__version__, pygments.__version__]
    for package in ("mdit-py-plugins", "linkify-it-py", "nh3"):  # what parses and sanitises
        try:
            versions.append(metadata.version(package))
        except metadata.PackageNotFoundError:
            versions.append("")
    return digest_of([SCHEMA, *versions, *sources])


class RenderCache:
    """Values by key: in memory, and in `file` when given (read on demand, written by flush)."""

    def __init__(self, file: Path | None = None) -> None:
        self.file = file
        self._memory: dict[str, Any] = {}
        self._new: dict[str, str] = {}
        self._broken = False

    @classmethod
    def user(cls) -> RenderCache:
        """The cache CLI builds share, in the user's cache folder."""
        return cls(cache_dir() / FILE_NAME)

    @staticmethod
    def key(kind: str, parts: Iterable[str]) -> str:
        """The key of what `kind` makes of `parts` with this code."""
        return digest_of([code_version(), kind, *parts])

    def get_many(self, keys: Sequence[str]) -> dict[str, Any]:
        """The cached values of `keys`, by key; missing keys are left out."""
        found = {key: self._memory[key] for key in keys if key in self._memory}
        wanted = [key for key in keys if key not in found]
        if wanted and self.file is not None and not self._broken:
            for key, value in self._read(wanted).items():
                self._memory[key] = found[key] = value
        return found

    def put_many(self, values: Mapping[str, Any]) -> None:
        """Remember `values` (JSON-serialisable), by key; on disk once flushed."""
        self._memory.update(values)
        if self.file is not None:
            self._new.update((key, json.dumps(value)) for key, value in values.items())

    def flush(self) -> None:
        """Write what was put since the last flush; a cache that cannot be written is left."""
        new, self._new = self._new, {}
        if new and self.file is not None and not self._write(new):
            with suppress(OSError):  # no cache of ours: start a new one
                self.file.unlink()
                self._write(new)

    def _write(self, new: Mapping[str, str]) -> bool:
        """Write `new` into the file; False if the file is damaged (not merely busy)."""
        import sqlite3

        assert self.file is not None
        try:
            self.file.parent.mkdir(parents=True, exist_ok=True)
            with _connect(self.file) as connection:
                connection.executemany(
                    "INSERT OR REPLACE INTO entries (key, value) VALUES (?, ?)", new.items()
                )
                _prune(connection)
        except sqlite3.Error as exc:
            return not _damaged(exc)
        except OSError:
            pass  # a full disk, a folder that cannot be made: only work is lost
        return True

    def _read(self, keys: Sequence[str]) -> dict[str, Any]:
        import sqlite3

        assert self.file is not None
        if not self.file.exists():
            return {}
        found: dict[str, Any] = {}
        try:
            with _connect(self.file) as connection:
                for start in range(0, len(keys), BATCH):
                    chunk = keys[start : start + BATCH]
                    marks = ",".join("?" * len(chunk))
                    rows = connection.execute(
                        f"SELECT key, value FROM entries WHERE key IN ({marks})", chunk
                    )
                    found.update((key, json.loads(value)) for key, value in rows)
        except (sqlite3.Error, OSError, ValueError, RecursionError):
            self._broken = True  # this run renders; flush replaces a damaged file
            return found
        return found


@contextmanager
def _connect(file: Path) -> Iterator[sqlite3.Connection]:
    """A connection to the cache file, committed and closed on the way out."""
    import sqlite3

    file.touch(mode=0o600)  # private, as the rest of the cache folder: cards are read from it
    connection = sqlite3.connect(file, timeout=LOCK_WAIT)
    try:
        connection.execute(
            "CREATE TABLE IF NOT EXISTS entries (key TEXT PRIMARY KEY, value TEXT NOT NULL)"
        )
        yield connection
        connection.commit()
    finally:
        connection.close()


def _damaged(exc: Exception) -> bool:
    """Whether `exc` says the file is no cache of ours, rather than busy with another run."""
    import sqlite3

    transient = ("locked", "busy", "disk i/o", "readonly", "unable to open")
    if isinstance(exc, sqlite3.OperationalError):
        return not any(word in str(exc).lower() for word in transient)
    return isinstance(exc, sqlite3.DatabaseError)


def _prune(connection: sqlite3.Connection) -> None:
    """Keep the LIMIT entries written last (by rowid: INSERT OR REPLACE gives a new one)."""
    (count,) = connection.execute("SELECT count(*) FROM entries").fetchone()
    if count > LIMIT:
        connection.execute(
            "DELETE FROM entries WHERE rowid IN "
            "(SELECT rowid FROM entries ORDER BY rowid LIMIT ?)",
            (count - LIMIT,),
        )
