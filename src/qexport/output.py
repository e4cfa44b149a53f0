"""Writing artifacts into the output directory without ever half-replacing one.

An exporter writes into a private staging directory beside `out_dir`; only
when it has finished are its files moved into place, each with an atomic
rename. A failed or interrupted export leaves `out_dir` as it was.
"""

from __future__ import annotations

import os
import shutil
import sys
import tempfile
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import replace
from pathlib import Path
from typing import Any

from qexport.errors import QexportError
from qexport.exporter import Artifact

EXPORT_STAGING_PREFIX = ".qexport-export-"  # not the release's: `qexport all` tidies only its own
WRITTEN_CACHE = "written.json"  # what single exporters wrote where: see record_written
WRITTEN_LIMIT = 200  # folders remembered; the oldest are forgotten first


def write_artifacts(out_dir: Path, build: Callable[[Path], Sequence[Artifact]]) -> list[Artifact]:
    """Run `build(staging_dir)`, then move what it wrote into `out_dir`."""
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
        # Beside the real folder: through a link, on its file system, where renames work.
        staging = Path(
            tempfile.mkdtemp(prefix=EXPORT_STAGING_PREFIX, dir=out_dir.resolve().parent)
        )
    except OSError as exc:
        raise QexportError(f"cannot write to {out_dir}: {exc.strerror or exc}") from None
    try:
        built = build(staging)
        published = []
        for artifact in built:
            relative = artifact.path.relative_to(staging)
            target = out_dir / relative
            target.parent.mkdir(parents=True, exist_ok=True)
            os.replace(artifact.path, target)
            published.append(replace(artifact, path=target))
        return published
    except OSError as exc:
        raise QexportError(f"cannot write to {out_dir}: {exc.strerror or exc}") from None
    finally:
        shutil.rmtree(staging, ignore_errors=True)


def record_written(out_dir: Path, artifacts: Sequence[Artifact]) -> None:
    """Remember the sha256 of files a single exporter wrote into `out_dir`.

    `qexport all` replaces its --out whole, so it deletes only files it can
    prove qexport wrote: a release's own, and these. A lost record only
    means `qexport all` refuses the folder with a clear message.
    """
    from qexport.cache import locked_entry, read_map, update_map
    from qexport.files import sha256_file

    folder = str(out_dir.resolve())
    digests = {}
    for artifact in artifacts:
        try:
            name = artifact.path.resolve().relative_to(folder).as_posix()
            digests[name] = sha256_file(artifact.path)
        except (OSError, ValueError):
            continue
    with locked_entry(WRITTEN_CACHE):  # read, merge and write as one: runs at once keep all
        files = {**_files(read_map(WRITTEN_CACHE).get(folder)), **digests}
        update_map(WRITTEN_CACHE, {folder: files}, WRITTEN_LIMIT)


def written_files(out_dir: Path) -> dict[str, str]:
    """The sha256 of each file single exporters wrote into `out_dir`, by relative name."""
    from qexport.cache import read_map

    return _files(read_map(WRITTEN_CACHE).get(str(out_dir.resolve())))


def forget_written(out_dir: Path) -> None:
    """`out_dir` was replaced whole: what single exporters wrote there is gone."""
    from qexport.cache import locked_entry, read_map, write_json

    with locked_entry(WRITTEN_CACHE):
        known = read_map(WRITTEN_CACHE)
        if known.pop(str(out_dir.resolve()), None) is not None:
            write_json(WRITTEN_CACHE, known)


def _files(record: object) -> dict[str, str]:
    """One folder's record from the cache, leaving out anything damaged."""
    if not isinstance(record, dict):
        return {}
    return {str(name): digest for name, digest in record.items() if isinstance(digest, str)}


def resolve_out(
    out_dir: Path, content_dir: Path, option: str = "--out", suggested: str = "dist"
) -> Path:
    """`out_dir` as a real path; refused when it holds, or lies inside, the content.

    `option` is how the user named the folder, and `suggested` the folder beside
    the content that the messages propose instead (`dist` for a release).
    """
    try:
        out = out_dir.resolve()
        content = content_dir.resolve()
    except (OSError, RuntimeError) as exc:  # RuntimeError: a loop of symbolic links
        raise QexportError(f"{option} {out_dir}: cannot resolve the path: {exc}") from None
    if out.parent == out:
        raise QexportError(f"{option} {out_dir}: the root folder cannot be an output folder")
    longest = _name_max(out.parent) - len(".previous") - 1  # its longest side file's name
    if len(os.fsencode(out.name)) > longest:
        raise QexportError(
            f"{option} {out_dir}: the folder's name is too long for the files qexport keeps "
            f"beside it (.NAME.previous and .NAME.lock); use at most {longest} bytes"
        )
    if os.path.ismount(out):
        raise QexportError(
            f"{option} {out_dir} is a mount point: qexport replaces its output folder by "
            "renaming, which a mount point cannot be; use a folder inside it"
        )
    # A folder beside the content, named as the user would type it from here.
    beside = os.path.relpath(content.parent / suggested)
    if out == content or out.is_relative_to(content):
        raise QexportError(
            f"{option} {out_dir} is inside the content folder {content_dir}; choose a folder "
            f"outside it, such as {beside}"
        )
    if content.is_relative_to(out):
        raise QexportError(
            f"{option} {out_dir} holds the content folder {content_dir}; choose a folder "
            f"beside it, such as {beside}"
        )
    return out


def _name_max(folder: Path) -> int:
    """The longest file name `folder`'s file system takes (of its nearest existing parent)."""
    for parent in (folder, *folder.parents):
        try:
            return os.pathconf(parent, "PC_NAME_MAX")
        except (OSError, ValueError, AttributeError):  # missing; or not known here
            continue
    return 255


@contextmanager
def locked(out_dir: Path, wait: bool) -> Iterator[None]:
    """Hold the lock on `out_dir` for one release; a second run waits or stops."""
    path = out_dir.parent / f".{out_dir.name}.lock"
    try:
        out_dir.parent.mkdir(parents=True, exist_ok=True)
        handle = path.open("a+")
    except OSError as exc:
        raise QexportError(f"cannot write next to {out_dir}: {exc.strerror or exc}") from None
    try:
        if not _lock(handle, wait):
            raise QexportError(
                f"another qexport all is writing {out_dir}; wait for it to finish "
                "(or run with --wait)"
            )
        yield
    finally:
        handle.close()  # closing releases the lock, also when the process is killed


@contextmanager
def observing(out_dir: Path, wait: bool) -> Iterator[None]:
    """For --check: wait out a run writing `out_dir`, writing nothing (no lock file made)."""
    path = out_dir.parent / f".{out_dir.name}.lock"
    try:
        handle = path.open("r")
    except OSError:
        handle = None  # no run ever wrote here, or none can: nothing to wait for
    if handle is None:
        yield
        return
    try:
        if not _lock(handle, wait, shared=True):
            raise QexportError(
                f"another qexport all is writing {out_dir}; wait for it to finish "
                "(or run with --wait)"
            )
        yield
    finally:
        handle.close()


def _lock(handle: Any, wait: bool, shared: bool = False) -> bool:
    if sys.platform == "win32":  # pragma: no cover
        import msvcrt

        try:
            msvcrt.locking(handle.fileno(), msvcrt.LK_LOCK if wait else msvcrt.LK_NBLCK, 1)
        except OSError:
            return False
        return True
    import fcntl

    try:
        kind = fcntl.LOCK_SH if shared else fcntl.LOCK_EX
        fcntl.flock(handle.fileno(), kind | (0 if wait else fcntl.LOCK_NB))
    except BlockingIOError:
        return False
    return True
