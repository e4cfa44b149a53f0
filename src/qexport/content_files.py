"""The files of the content folder a release is built from, and their one hash.

That is set.toml, the level files (*.md but README.md), the lock file and
the images the questions use: never hidden files or folders (editor swap
files, .git/, the lock file's temporary copy), nor anything else lying there.
Before loading, every candidate is hashed, so an edit saved from then on
shows; once the set is loaded, only the content files are kept.
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
    return _digests(content_dir, (name for name in names if (content_dir / name).is_file()))


def of_set(digests: Mapping[str, str], question_set: QuestionSet) -> dict[str, str]:
    """Of `digests`, only the files `question_set` was built from."""
    images = {image for question in question_set.questions for image in question.images}
    return {name: d for name, d in digests.items() if _is_structure(name) or name in images}


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
            digests[name] = sha256_file(content_dir / name)
        except OSError as exc:
            raise QexportError(
                f"{content_dir / name}: cannot read: {exc.strerror or exc}"
            ) from None
    return digests


def _raise(error: OSError) -> None:
    raise error
