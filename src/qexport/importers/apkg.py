"""An Anki package (.apkg) as a `Source`: its notes, with their cards' decks and
progress, and its media files.

A package is a zip holding a collection and its media. Anki 2.1.50 and newer
write `collection.anki21b` (zstd-compressed SQLite) and also a dummy
`collection.anki2` whose one note asks the user to update Anki, so the newest
collection present is read. Older Anki, a legacy export and genanki write
`collection.anki21` or `collection.anki2`. The `media` member maps zip member
names ("0", "1", ...) to file names: JSON in old packages, a zstd-compressed
protobuf `MediaEntries` list in new ones, whose media members are zstd too.

Everything in a package is untrusted: sizes are capped while streaming
(`zip_safety`), the collection is read from a private temporary copy, opened
read-only, and a media file whose name is not a safe bare file name is
reported in `Source.problems` and skipped.
"""

from __future__ import annotations

import json
import tempfile
import unicodedata
import zipfile
from pathlib import Path

from qexport.errors import ContentError
from qexport.importers import protowire
from qexport.importers.anki_collection import read_collection
from qexport.importers.source import Source, SourceMedia
from qexport.importers.zip_safety import (
    Budget,
    copy_member,
    has_member,
    media_name_problem,
    open_zip,
    read_member,
)

# Newest first: a new package's collection.anki2 is a dummy.
COLLECTIONS = ("collection.anki21b", "collection.anki21", "collection.anki2")
_KNOWN_VERSIONS = (1, 2, 3)  # PackageMetadata.Version: legacy 1, legacy 2, latest
_SQLITE_MAGIC = b"SQLite format 3\x00"
MAX_MEDIA_LIST_BYTES = 64 * 1024 * 1024


def read_apkg(path: Path) -> Source:
    """The notes and media of the package at `path`; a clean `ContentError` if it is not
    a readable Anki package."""
    path = Path(path)
    with open_zip(path) as archive:
        budget = Budget(path)
        member = _collection_member(archive, path)
        zstd = member == COLLECTIONS[0]
        with tempfile.TemporaryDirectory(prefix="qexport-apkg-") as private:
            copy = Path(private) / "collection.sqlite"
            with copy.open("wb") as out:
                copy_member(archive, member, out, budget, zstd=zstd)
            _check_sqlite(copy, path, member)
            notes, problems = read_collection(copy, path)
        media, media_problems = _read_media(archive, budget, zstd, path)
    return Source(
        kind="apkg",
        name=path.stem,
        notes=tuple(notes),
        media=tuple(media),
        problems=(*problems, *media_problems),
    )


def _collection_member(archive: zipfile.ZipFile, path: Path) -> str:
    if has_member(archive, "meta"):
        meta = read_member(archive, "meta", Budget(path))
        try:
            version = protowire.first_int(meta, 1)
        except protowire.WireError:
            raise ContentError("not an Anki package: its 'meta' cannot be read", path) from None
        if version not in _KNOWN_VERSIONS:
            raise ContentError(
                f"the package is in a format this qexport does not know (version {version}); "
                "export it from Anki with 'Support older Anki versions' ticked",
                path,
            )
    for name in COLLECTIONS:
        if has_member(archive, name):
            return name
    raise ContentError(
        "not an Anki package: it holds no collection (" + ", ".join(COLLECTIONS) + ")", path
    )


def _check_sqlite(copy: Path, path: Path, member: str) -> None:
    with copy.open("rb") as db:
        if db.read(len(_SQLITE_MAGIC)) != _SQLITE_MAGIC:
            raise ContentError(f"'{member}' is not an SQLite database", path)


def _read_media(
    archive: zipfile.ZipFile, budget: Budget, zstd: bool, path: Path
) -> tuple[list[SourceMedia], list[str]]:
    """The media files, each under a safe bare name, and what was skipped."""
    if not has_member(archive, "media"):
        return [], []
    problems: list[str] = []
    media: list[SourceMedia] = []
    taken: dict[str, str] = {}  # case-folded name -> the name first given it
    for member, raw_name in _media_list(archive, budget, zstd, path):
        name = unicodedata.normalize("NFC", raw_name)
        shown = repr(name if len(name) <= 80 else name[:80] + "...")
        problem = media_name_problem(name)
        if problem is None and name.casefold() in taken:
            problem = f"its name clashes with {taken[name.casefold()]!r} (case is ignored)"
        if problem is None and not has_member(archive, member):
            problem = f"the package lacks its file ('{member}')"
        if problem is not None:
            problems.append(f"media file {shown}: skipped, {problem}")
            continue
        taken[name.casefold()] = name
        data = read_member(archive, member, budget, zstd=zstd)
        media.append(SourceMedia(name=name, data=data))
    return media, problems


def _media_list(
    archive: zipfile.ZipFile, budget: Budget, zstd: bool, path: Path
) -> list[tuple[str, str]]:
    """(zip member, file name) pairs of the `media` member."""
    info = archive.getinfo("media")
    if info.file_size > MAX_MEDIA_LIST_BYTES:
        raise ContentError("the package's media list is too large", path)
    data = read_member(archive, "media", budget, zstd=zstd)
    if zstd:
        try:
            return [(str(i), name) for i, name in enumerate(protowire.media_names(data))]
        except protowire.WireError as problem:
            raise ContentError(
                f"the package's media list cannot be read: {problem}", path
            ) from None
    return _legacy_media_list(data, path)


def _legacy_media_list(data: bytes, path: Path) -> list[tuple[str, str]]:
    try:
        mapping = json.loads(data.decode("utf-8") or "{}")
    except (ValueError, RecursionError):
        raise ContentError("the package's media list is not valid JSON", path) from None
    if not isinstance(mapping, dict):
        raise ContentError("the package's media list is not a JSON object", path)
    pairs = [(str(k), v if isinstance(v, str) else "") for k, v in mapping.items()]
    # Members are numbered; sorting by number keeps the order the package was made in.
    return sorted(pairs, key=lambda pair: (len(pair[0]), pair[0]))
