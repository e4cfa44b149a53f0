"""The lock file as it was before a release, put back if the release publishes nothing.

The release records new change times in the lock file before it builds. If
the release then fails, keeping them would stamp the next build's notes as
changed since what learners have, and their own edits would be overwritten.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import click

from qexport.changes import LOCK_FILE
from qexport.files import replace_bytes, sha256_file
from qexport.normalize import MAX_FILE_BYTES


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
        if not path.is_file():  # none; or not a file, which recording refuses to replace
            return cls(path, None, 0o644)
        status = path.stat()
        if status.st_size > MAX_FILE_BYTES:  # recording refuses it unread: nothing to keep
            return cls(path, None, 0o644, keep=False)
        return cls(path, path.read_bytes(), status.st_mode & 0o7777)

    def remember(self, written: dict[str, str]) -> None:
        """Note the lock file this run just wrote (`written`: sha256 by name), if it did."""
        digest = written.get(LOCK_FILE)
        if digest is not None:
            self.ours = digest, self.path.stat().st_ino

    def restore(self) -> None:
        """Put the lock file back, only if it is still exactly the file this run wrote.

        Not another run's, even with the same bytes (that one may be released),
        nor one edited meanwhile.
        """
        try:
            if not self.keep or self.ours is None or not self.path.is_file():
                return
            if self.path.stat().st_ino != self.ours[1] or sha256_file(self.path) != self.ours[0]:
                return  # not the file this run wrote: never overwritten
            if self.saved is None:
                self.path.unlink()
            else:
                replace_bytes(self.path, self.saved, self.mode)
            click.echo(f"{self.path}: put back as it was, since nothing was published", err=True)
        except OSError as exc:
            click.echo(f"cannot restore {self.path}: {exc.strerror or exc}", err=True)
