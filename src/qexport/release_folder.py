"""The --out folder of a release: trusted only if qexport wrote it, swapped in whole.

A release is built in a staging folder beside `--out` and replaces it with
two renames. A swap cut short leaves the previous release saved beside
`--out`; `recover` puts it back or tidies it, checking first and deleting last.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import signal
import stat
import tempfile
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from pathlib import Path

from qexport import manifest
from qexport.errors import QexportError
from qexport.output import locked, written_files

STAGING_PREFIX = ".qexport-staging-"


def recover(out_dir: Path) -> None:
    """Undo what a killed run on `out_dir` left: a swap half done, its staging folders.

    Check first, delete last: the saved previous release is deleted only when
    `out_dir` is a complete release, and restored only when it is one itself.
    """
    backup = _backup(out_dir)
    if backup.is_symlink() or backup.exists():
        if not _is_complete(backup, out_dir):
            raise QexportError(
                f"{backup} is not a complete qexport release; qexport keeps its previous "
                f"release there while replacing {out_dir}. Move it away, then run again"
            )
        if _is_empty_folder(out_dir):  # made by hand, or by a single export: holds nothing
            out_dir.rmdir()
        if not (out_dir.is_symlink() or out_dir.exists()):
            os.rename(backup, out_dir)  # the swap was cut short between its two renames
        elif _is_complete(out_dir, out_dir):
            _discard(backup, out_dir)
        else:
            raise QexportError(
                f"{out_dir} is not a complete qexport release, and the previous release is "
                f"saved in {backup}: a release was cut short. Move {out_dir} away to get the "
                "previous release back, or move the saved one away to keep both; then run again"
            )
    for stale in own_staging(out_dir):
        shutil.rmtree(stale, ignore_errors=True)


@contextmanager
def beside_releases(out_dir: Path) -> Iterator[None]:
    """For a single exporter writing into `out_dir`: never while `qexport all` replaces it.

    A release folder (or one whose swap was cut short, then first restored) is
    written under its lock, so a running release cannot replace it meanwhile
    and lose the new files. Other folders need no lock, and get no lock file.
    """
    if not (interrupted(out_dir) or (out_dir / manifest.MANIFEST).exists()):
        yield
        return
    with locked(out_dir, wait=True):
        if interrupted(out_dir):
            recover(out_dir)
        yield


def interrupted(out_dir: Path) -> bool:
    """Whether a release swap into `out_dir` was cut short (its previous release is saved)."""
    backup = _backup(out_dir)
    return backup.is_symlink() or backup.exists()


def _is_complete(folder: Path, out_dir: Path) -> bool:
    """Whether `folder` is a whole release: a qexport manifest, and every file intact.

    An empty folder is not one, though nothing in it is foreign or missing.
    """
    if folder.is_symlink() or not folder.is_dir():
        return False
    found = manifest.verify(folder, written_files(out_dir))
    return found.release is not None and found.complete


def _is_empty_folder(path: Path) -> bool:
    return not path.is_symlink() and path.is_dir() and not any(path.iterdir())


def _backup(out_dir: Path) -> Path:
    return out_dir.parent / f".{out_dir.name}.previous"


def staging_prefix(out_dir: Path) -> str:
    """The name every staging folder of `out_dir` starts with, and no other folder's.

    A hash of the name, as `--out a` must not take `a-b`'s or `ab`'s staging.
    """
    digest = hashlib.sha256(os.fsencode(out_dir.name)).hexdigest()[:16]
    return f"{STAGING_PREFIX}{digest}-"


def own_staging(out_dir: Path) -> list[Path]:
    """Staging folders of runs into `out_dir`: all dead while this run holds its lock."""
    prefix = staging_prefix(out_dir)
    return [
        path
        for path in out_dir.parent.glob(f"{prefix}*")  # the prefix holds no glob characters
        if path.name.startswith(prefix) and path.is_dir() and not path.is_symlink()
    ]


def replaceable(out_dir: Path) -> manifest.Verified | None:
    """What is in `out_dir`; refused unless qexport wrote every file in it."""
    found = _looked_at(out_dir)
    if found is not None and found.foreign:
        listing = ", ".join(found.foreign)
        damaged = (
            f" (its {manifest.MANIFEST} is not a qexport manifest, or is damaged)"
            if manifest.MANIFEST in found.foreign
            else ""
        )
        raise QexportError(
            f"{out_dir} is not a qexport release{damaged}: it holds files qexport did not "
            f"write, or that changed since ({listing}). qexport all replaces its --out folder "
            "whole, so choose another one, or move those files away (delete the folder "
            "yourself if it is an old release)"
        )
    return found


def verify_again(out_dir: Path) -> manifest.Verified | None:
    """`out_dir` just before the swap: anything that appeared in it during the build is kept.

    It was verified when the build started; a file saved there since would be
    deleted with the folder.
    """
    try:
        found = _looked_at(out_dir)
        listing = ", ".join(found.foreign) if found else ""
    except QexportError:  # no longer a folder
        listing = out_dir.name
    if listing:
        raise QexportError(
            f"{out_dir} changed while the release was being built: it now holds files qexport "
            f"did not write ({listing}); nothing was published and they are kept. Move them "
            "away, then run qexport all again"
        )
    return found


def _looked_at(out_dir: Path) -> manifest.Verified | None:
    """`out_dir` checked file by file (None if there is none yet); a file or link is refused."""
    if out_dir.is_symlink() or (out_dir.exists() and not out_dir.is_dir()):
        raise QexportError(f"{out_dir} is a file, not a folder")
    if not out_dir.exists():
        return None
    return manifest.verify(out_dir, written_files(out_dir))


def swap_in(staging: Path, out_dir: Path, swapped: Callable[[], None] = lambda: None) -> None:
    """Swap the finished release in: two renames, recovered by `recover` if cut short.

    Ctrl-C and SIGTERM wait until both renames are done (or undone): `out_dir`
    is never left missing. `swapped` is called once the new release is in
    place, before a held Ctrl-C arrives, so the run can say which one is there.
    """
    shutil.rmtree(staging / ".jobs", ignore_errors=True)
    staging.chmod(_mode(out_dir))  # the folder's mode is the user's choice, kept
    backup = _backup(out_dir)
    with _signals_held():
        saved = out_dir.exists()
        if saved:
            os.rename(out_dir, backup)
        try:
            os.rename(staging, out_dir)
        except BaseException:
            if saved:
                os.rename(backup, out_dir)  # the old release back in place, as it was
            raise
        swapped()
    if saved:  # last: the new release is in place; if this fails, the next run tidies up
        with suppress(OSError):
            _discard(backup, out_dir)


def _mode(out_dir: Path) -> int:
    """The permissions of `out_dir`; for a new folder, what the umask allows."""
    try:
        return stat.S_IMODE(out_dir.stat().st_mode)
    except FileNotFoundError:
        umask = os.umask(0o022)
        os.umask(umask)
        return 0o777 & ~umask


@contextmanager
def _signals_held() -> Iterator[None]:
    """Delay SIGINT and SIGTERM until the block ends (only the main thread can)."""
    held = {signal.SIGINT, signal.SIGTERM}
    if not hasattr(signal, "pthread_sigmask") or threading.current_thread() is not (
        threading.main_thread()
    ):
        yield
        return
    previous = signal.pthread_sigmask(signal.SIG_BLOCK, held)
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, previous)


def _discard(old: Path, out_dir: Path) -> None:
    """Delete a replaced release: renamed first, so a kill midway leaves only staging debris.

    A half-deleted `.<out>.previous` could never be verified, and so never tidied.
    """
    doomed = Path(tempfile.mkdtemp(prefix=staging_prefix(out_dir), dir=out_dir.parent))
    os.rename(old, doomed)  # onto the empty folder: atomic
    shutil.rmtree(doomed, ignore_errors=True)


def new_staging(out_dir: Path) -> Path:
    """A private folder beside `out_dir`; `swap_in` gives it `out_dir`'s permissions."""
    return Path(tempfile.mkdtemp(prefix=staging_prefix(out_dir), dir=out_dir.parent))
