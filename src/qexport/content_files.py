"""The files of the content folder a release is built from, and their one hash.

That is set.toml, the level files (*.md but README.md), the lock file and
the images the questions use: never hidden files or folders (editor swap
files, .git/, the lock file's temporary copy), nor anything else lying there.
Before loading, every file that may be content is hashed (the text files and
anything named like an image: a video beside the bank is never read), so an
edit saved from then on shows; once the set is loaded, only the content
files are kept. Text files are hashed with their line ends made "\n", as
the loader reads them, so a checkout with CRLF line ends is the same content.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Iterable, Mapping
from pathlib import Path, PurePosixPath

from qexport.changes import LOCK_FILE
from qexport.errors import QexportError
from qexport.loader import IGNORED_FILES
from qexport.manifest import sha256_file
from qexport.metadata import METADATA_FILE
from qexport.model import QuestionSet
from qexport.normalize import MAX_FILE_BYTES

# What an image in the content may be called; an image named otherwise is hashed once loaded.
IMAGE_SUFFIXES = frozenset({".png", ".jpg", ".jpeg", ".gif"})


def candidates(content_dir: Path) -> dict[str, str]:
    """The sha256 of every file that may be content, by relative path, before loading."""
    names = []
    try:
        for top, dirs, files in os.walk(content_dir, onerror=_raise):
            dirs[:] = sorted(d for d in dirs if not d.startswith("."))
            relative = Path(top).relative_to(content_dir)
            names += [(relative / f).as_posix() for f in files if not f.startswith(".")]
    except OSError as exc:
        raise QexportError(f"{exc.filename or content_dir}: cannot read: {exc.strerror}") from None
    maybe = [name for name in names if _is_structure(name) or _looks_like_image(name)]
    return _digests(content_dir, (name for name in maybe if (content_dir / name).is_file()))


def of_set(digests: Mapping[str, str], question_set: QuestionSet) -> dict[str, str]:
    """Of `digests`, only the files `question_set` was built from.

    An image named unlike one was not hashed before loading: it is hashed now.
    """
    images = {image for question in question_set.questions for image in question.images}
    kept = {name: d for name, d in digests.items() if _is_structure(name) or name in images}
    return {**kept, **_digests(question_set.content_dir, sorted(images - kept.keys()))}


def now(content_dir: Path, question_set: QuestionSet) -> dict[str, str]:
    """The digests of the content files now: the set's images, and any level file there."""
    images = {image for question in question_set.questions for image in question.images}
    try:
        top = [p.name for p in content_dir.iterdir() if not p.name.startswith(".")]
    except OSError as exc:
        raise QexportError(f"{content_dir}: cannot read: {exc.strerror}") from None
    names = {name for name in top if _is_structure(name)} | images
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


def _looks_like_image(name: str) -> bool:
    return PurePosixPath(name).suffix.lower() in IMAGE_SUFFIXES


def _is_structure(name: str) -> bool:
    """set.toml, the lock file and the level files: content whatever the questions say."""
    pure = PurePosixPath(name)
    if len(pure.parts) != 1:
        return False
    return (
        name in (METADATA_FILE, LOCK_FILE)
        or (pure.suffix == ".md" and name.lower() not in IGNORED_FILES)
    ) and not name.startswith(".")


def _digests(content_dir: Path, names: Iterable[str]) -> dict[str, str]:
    digests = {}
    for name in names:
        try:
            path = content_dir / name
            digests[name] = _text_digest(path) if _is_structure(name) else sha256_file(path)
        except OSError as exc:
            raise QexportError(
                f"{content_dir / name}: cannot read: {exc.strerror or exc}"
            ) from None
    return digests


def _text_digest(path: Path) -> str:
    """The sha256 of a text file as the loader reads it: no byte order mark, "\n" line ends."""
    if path.stat().st_size > MAX_FILE_BYTES:  # the loader refuses it: no need to read it all
        return sha256_file(path)
    data = path.read_bytes()
    data = data.removeprefix(b"\xef\xbb\xbf").replace(b"\r\n", b"\n").replace(b"\r", b"\n")
    return hashlib.sha256(data).hexdigest()


def _raise(error: OSError) -> None:
    raise error
