"""The lock file as it was before a release, put back if the release publishes nothing.

The anki job records new change times in the lock file during the build. If
the release then fails, keeping them would stamp the next build's notes as
changed since what learners have, and their own edits would be overwritten.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import click

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
    keep: bool = True  # False: nothing was saved to put back
    ours: tuple[str, int] | None = None  # the sha256 and inode of the file this run wrote

    @classmethod
    def of(cls, content_dir: Path) -> LockFileGuard:
        path = content_dir / LOCK_FILE
        if not path.is_file():  # none; or not a file, which the anki job refuses to replace
            return cls(path, None, 0o644)
        status = path.stat()
        if status.st_size > MAX_FILE_BYTES:  # the anki job refuses it unread: nothing to keep
            return cls(path, None, 0o644, keep=False)
        return cls(path, path.read_bytes(), status.st_mode & 0o7777)

    def remember(self, jobs_dir: Path) -> None:
        """Read what the jobs under `jobs_dir` recorded writing, before that folder goes."""
        self.ours = _recorded_write(jobs_dir)

    def restore(self, jobs_dir: Path) -> None:
        """Put the lock file back, only if it is still exactly the file this run wrote.

        Not another run's, even with the same bytes (that one may be released),
        nor one edited meanwhile. A job that failed or was stopped before it
        returned left its record in its folder under `jobs_dir`.
        """
        ours = self.ours or _recorded_write(jobs_dir)
        try:
            if not self.keep or ours is None or not self.path.is_file():
                return
            if self.path.stat().st_ino != ours[1] or sha256_file(self.path) != ours[0]:
                return  # not the file this run wrote: never overwritten
            if self.saved is None:
                self.path.unlink()
            else:
                replace_bytes(self.path, self.saved, self.mode)
            click.echo(f"{self.path}: put back as it was, since nothing was published", err=True)
        except OSError as exc:
            click.echo(f"cannot restore {self.path}: {exc.strerror or exc}", err=True)


def _recorded_write(jobs_dir: Path) -> tuple[str, int] | None:
    """The sha256 and inode of the lock file a job of this run recorded writing, if one did."""
    for record in sorted(jobs_dir.glob(f"*/{CONTENT_WRITTEN_RECORD}")):
        try:
            written = json.loads(record.read_text(encoding="utf-8")).get(LOCK_FILE)
        except (OSError, ValueError, AttributeError):
            continue
        if (
            isinstance(written, list)
            and len(written) == 2
            and isinstance(written[0], str)
            and isinstance(written[1], int)
        ):
            return written[0], written[1]
    return None
