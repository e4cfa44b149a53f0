"""The lock file as it was before a release, put back if the release publishes nothing.

The anki job records new change times in the lock file during the build. If
the release then fails, keeping them would stamp the next build's notes as
changed since what learners have, and their own edits would be overwritten.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

import click

from qexport import release
from qexport.changes import LOCK_FILE
from qexport.manifest import sha256_file
from qexport.normalize import MAX_FILE_BYTES
from qexport.output import replace_bytes
from qexport.registry import CONTENT_WRITTEN_RECORD


@dataclass
class LockFileGuard:
    """What the lock file held before the release, and what this run wrote into it."""

    path: Path
    saved: bytes | None  # None: there was no lock file
    mode: int
    wrote: dict[str, str] = field(default_factory=dict)  # this run's writes, by content name
    keep: bool = True  # False: nothing was saved to put back

    @classmethod
    def of(cls, content_dir: Path) -> LockFileGuard:
        path = content_dir / LOCK_FILE
        if not path.is_file():  # none; or not a file, which the anki job refuses to replace
            return cls(path, None, 0o644)
        status = path.stat()
        if status.st_size > MAX_FILE_BYTES:  # the anki job refuses it unread: nothing to keep
            return cls(path, None, 0o644, keep=False)
        return cls(path, path.read_bytes(), status.st_mode & 0o7777)

    def watch(self, report: release.Report) -> release.Report:
        """`report`, noting what each job wrote into the content as it finishes."""

        def noting(built: release.Built, folder: Path) -> None:
            self.wrote.update(built.content_written)
            report(built, folder)

        return noting

    def restore(self, jobs_dir: Path) -> None:
        """Put the lock file back, only if it still holds exactly what this run wrote.

        A job that failed or was stopped before it returned left its record in
        its folder under `jobs_dir`.
        """
        ours = self.wrote.get(LOCK_FILE) or _recorded_write(jobs_dir)
        try:
            if not self.keep or ours is None or not self.path.is_file():
                return
            if sha256_file(self.path) != ours:
                return  # unchanged, or an edit made meanwhile: never overwritten
            if self.saved is None:
                self.path.unlink()
            else:
                replace_bytes(self.path, self.saved, self.mode)
        except OSError as exc:
            click.echo(f"cannot restore {self.path}: {exc.strerror or exc}", err=True)


def _recorded_write(jobs_dir: Path) -> str | None:
    """The lock file's digest as a job of this run recorded writing it, if one did."""
    for record in sorted(jobs_dir.glob(f"*/{CONTENT_WRITTEN_RECORD}")):
        try:
            digest = json.loads(record.read_text(encoding="utf-8")).get(LOCK_FILE)
        except (OSError, ValueError, AttributeError):
            continue
        if isinstance(digest, str):
            return digest
    return None
