"""The files of the content folder a release is built from, and their one hash.

That is set.toml, the level files (*.md but README.md), the lock file and
the images the questions use: never hidden files or folders (editor swap
files, .git/, the lock file's temporary copy), nor anything else lying there.

Before loading, only what is small and certainly content is read: set.toml,
the lock file and the level files are hashed, so an edit saved from then on
shows. One larger than the loader accepts is described by its stat instead
(the loader refuses it, so it is never in a release). Every other file is
only looked at (its stat): a video, an unused image or a stray file beside
the bank is never read. Once the set is loaded, the images its questions use
are hashed, and refused if their stat moved since that first look. Text files
are hashed with their line ends made "\n", as the loader reads them, so a
checkout with CRLF line ends is the same content.
"""

from __future__ import annotations

import hashlib
import os
import stat
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from qexport.changes import LOCK_FILE
from qexport.errors import QexportError
from qexport.files import sha256_file
from qexport.loader import IGNORED_FILES
from qexport.metadata import METADATA_FILE
from qexport.model import QuestionSet
from qexport.normalize import MAX_FILE_BYTES

# size, mtime_ns, ctime_ns, inode: any write moves one, even one that puts the old mtime back.
Signature = tuple[int, int, int, int]


@dataclass(frozen=True)
class FirstLook:
    """The content folder as first seen, before loading."""

    digests: dict[str, str]  # set.toml, the lock file, the level files: by relative path
    stats: dict[str, Signature]  # every other file, looked at but not read


def candidates(content_dir: Path) -> FirstLook:
    """The content folder before loading: the files that are content hashed, the rest seen."""
    digests: dict[str, str] = {}
    stats: dict[str, Signature] = {}
    for name in _walk(content_dir):
        if _is_structure(name):
            digest = _structure_digest(content_dir / name)
            if digest is not None:
                digests[name] = digest
        else:
            seen = _signature(content_dir / name)
            if seen is not None:
                stats[name] = seen
    return FirstLook(digests, stats)


def of_set(first: FirstLook, question_set: QuestionSet) -> dict[str, str]:
    """The digests of the files `question_set` was built from.

    The images it uses are hashed now, and refused if one changed since
    `first`: the set may have been loaded from other bytes than are hashed.
    An image the first look could not see (a hidden name, a folder reached
    through a link) has nothing to compare with: it is hashed as it is now.
    """
    content_dir = question_set.content_dir
    digests = dict(first.digests)
    for image in sorted(_images(question_set) - digests.keys()):
        digests[image] = _file_digest(content_dir, image)
        seen = first.stats.get(image)
        if seen is not None and _signature(content_dir / image) != seen:
            raise QexportError(
                f"{content_dir / image}: changed while the content was being read; "
                "nothing was published: run qexport all again"
            )
    return digests


def current(content_dir: Path, question_set: QuestionSet) -> dict[str, str]:
    """The digests of the content files now: the set's images, and any level file there."""
    try:
        top = [p.name for p in content_dir.iterdir() if not p.name.startswith(".")]
    except OSError as exc:
        raise QexportError(f"{content_dir}: cannot read: {exc.strerror}") from None
    names = {name for name in top if _is_structure(name)} | _images(question_set)
    return _digests(content_dir, (n for n in sorted(names) if (content_dir / n).is_file()))


def combine(digests: Mapping[str, str]) -> str:
    """One hash over the content's file digests, names included."""
    digest = hashlib.sha256()
    for name in sorted(digests):
        encoded = os.fsencode(name)  # names that are not UTF-8 come back as they were read
        digest.update(len(encoded).to_bytes(8, "big") + encoded)
        digest.update(bytes.fromhex(digests[name]))
    return digest.hexdigest()


def changed(
    before: Mapping[str, str], after: Mapping[str, str], wrote: Mapping[str, str]
) -> list[str]:
    """Content files that changed since `before` other than to exactly what this run wrote."""
    return sorted(
        name
        for name in before.keys() | after.keys() | wrote.keys()
        if after.get(name) != wrote.get(name, before.get(name))
    )


def _walk(content_dir: Path) -> list[str]:
    """Every file under `content_dir` but hidden ones, by relative POSIX path."""
    names = []
    try:
        for top, dirs, files in os.walk(content_dir, onerror=_raise):
            dirs[:] = sorted(d for d in dirs if not d.startswith("."))
            relative = Path(top).relative_to(content_dir)
            names += [(relative / f).as_posix() for f in files if not f.startswith(".")]
    except OSError as exc:
        raise QexportError(f"{exc.filename or content_dir}: cannot read: {exc.strerror}") from None
    return names


def _images(question_set: QuestionSet) -> set[str]:
    return {image for question in question_set.questions for image in question.images}


def _is_structure(name: str) -> bool:
    """set.toml, the lock file and the level files: content whatever the questions say."""
    pure = PurePosixPath(name)
    if len(pure.parts) != 1:
        return False
    return (
        name in (METADATA_FILE, LOCK_FILE)
        or (pure.suffix == ".md" and name.lower() not in IGNORED_FILES)
    ) and not name.startswith(".")


def _signature(path: Path) -> Signature | None:
    """What a look at `path` tells without reading it; None unless it is a file."""
    try:
        info = path.stat()
    except OSError:  # a link to nowhere: the loader reports it if a question uses it
        return None
    if not stat.S_ISREG(info.st_mode):
        return None
    return (info.st_size, info.st_mtime_ns, info.st_ctime_ns, info.st_ino)


def _unread(signature: Signature) -> str:
    """A digest for a file too large to be content, made from its stat alone."""
    return hashlib.sha256(f"not read: {signature}".encode()).hexdigest()


def _digests(content_dir: Path, names: Iterable[str]) -> dict[str, str]:
    digests = {}
    for name in names:
        if not _is_structure(name):
            digests[name] = _file_digest(content_dir, name)
            continue
        digest = _structure_digest(content_dir / name)
        if digest is not None:
            digests[name] = digest
    return digests


def _file_digest(content_dir: Path, name: str) -> str:
    try:
        return sha256_file(content_dir / name)
    except OSError as exc:
        raise QexportError(f"{content_dir / name}: cannot read: {exc.strerror or exc}") from None


def _structure_digest(path: Path) -> str | None:
    """The sha256 of a text file as the loader reads it: no byte order mark, "\n" line ends.

    None unless it is a file; a file larger than the loader accepts is not read.
    """
    seen = _signature(path)
    if seen is None:
        return None
    if seen[0] > MAX_FILE_BYTES:
        return _unread(seen)
    try:
        with path.open("rb") as handle:
            data = handle.read(MAX_FILE_BYTES + 1)  # it may have grown since
    except OSError as exc:
        raise QexportError(f"{path}: cannot read: {exc.strerror or exc}") from None
    if len(data) > MAX_FILE_BYTES:
        return _unread(_signature(path) or seen)
    data = data.removeprefix(b"\xef\xbb\xbf").replace(b"\r\n", b"\n").replace(b"\r", b"\n")
    return hashlib.sha256(data).hexdigest()


def _raise(error: OSError) -> None:
    raise error
