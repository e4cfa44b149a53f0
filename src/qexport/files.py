"""Files written whole or not at all, and their digests: shared by every writer."""

from __future__ import annotations

import hashlib
import os
import shutil
import tempfile
from pathlib import Path


def replace_text(path: Path, text: str, mode: int = 0o644) -> None:
    """Replace the file at `path` with `text` in UTF-8, as `replace_bytes` does."""
    # surrogateescape: file names that are not UTF-8 are written back as they were read
    replace_bytes(path, text.encode("utf-8", errors="surrogateescape"), mode)


def replace_bytes(path: Path, data: bytes, mode: int = 0o644) -> None:
    """Replace the file at `path` with `data`: readers see the old file or the new, never half.

    Raises OSError; the temporary file beside `path` is removed first.
    """
    handle, temporary = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(handle, "wb") as out:
            out.write(data)
        os.chmod(temporary, mode)  # mkstemp makes files private
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def sha256_file(path: Path) -> str:
    """The sha256 of the file at `path`, read in blocks: artifacts may be large."""
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def private_folder(parent: Path, prefix: str) -> Path:
    """A new folder in `parent` named `<prefix><this process's id>-…`, so that
    `remove_abandoned` can tell whether the process that made it is still there."""
    return Path(tempfile.mkdtemp(prefix=f"{prefix}{os.getpid()}-", dir=parent))


def remove_abandoned(parent: Path, prefix: str) -> None:
    """The folders `private_folder` made in `parent` for processes that are gone (killed
    before they could remove their own)."""
    for folder in parent.glob(f"{prefix}*-*"):
        pid = folder.name[len(prefix) :].split("-", 1)[0]
        if pid.isdigit() and not _running(int(pid)) and not folder.is_symlink():
            shutil.rmtree(folder, ignore_errors=True)


def _running(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:  # another user's process: it is running
        return True
    return True
