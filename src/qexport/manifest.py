"""A release's manifest.json and SHA256SUMS, and the input hashes that allow reuse.

manifest.json records the qexport version, the content hash, question
counts per level and, for each artifact, its path, size, sha256, the
exporter and options that made it, and the hash of all its inputs. It
holds no times, so the same content always gives the same manifest.

A folder is trusted as a qexport release (to be replaced, or reused from)
only when its manifest parses as qexport's, every file in it is accounted
for and every hash matches: it may be anybody's folder.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Any

from qexport.dependencies import dependency_versions
from qexport.files import sha256_file
from qexport.model import QuestionSet

MANIFEST = "manifest.json"
SUMS = "SHA256SUMS"
FORMAT = 1
MAX_MANIFEST = 64 << 20  # a manifest larger than this is not one qexport wrote
_ARTIFACT_FIELDS = {
    "path": str,
    "size": int,
    "sha256": str,
    "exporter": str,
    "options": dict,
    "inputs": str,
}
_SHA256 = re.compile(r"[0-9a-f]{64}")
ENTRY_FIELDS = (  # in the order `entry` writes them
    "path",
    "size",
    "sha256",
    "exporter",
    "exporter_version",
    "options",
    "theme_sha256",
    "inputs",
)
# Files operating systems drop into any folder they show: never the user's work.
CLUTTER = frozenset({".ds_store", "thumbs.db", "desktop.ini"})


def jsonable(options: Mapping[str, Any]) -> dict[str, Any]:
    """Options as plain JSON values (paths become strings), in a stable order."""
    clean: dict[str, Any] = {}
    for key in sorted(options):
        value = options[key]
        clean[key] = (
            value if value is None or isinstance(value, bool | int | float | str) else str(value)
        )
    return clean


def inputs(
    exporter: str,
    exporter_version: str,
    options: Mapping[str, Any],
    content_dir: Path,
) -> dict[str, Any]:
    """What an artifact depends on besides the content: recorded in the manifest.

    The theme is looked up as the exporters do, the project's own (beside
    `content_dir`) first, an empty one as the default; its digest covers its
    font files too. Only options without a theme have none.
    """
    from qexport import DEFAULT_THEME, __version__
    from qexport.themes import load_theme

    theme = options.get("theme")
    return {
        "qexport_version": str(__version__),
        "exporter": exporter,
        "exporter_version": exporter_version,
        "options": dict(options),
        "theme_sha256": (
            load_theme(str(theme or DEFAULT_THEME), content_dir).digest()
            if "theme" in options
            else ""
        ),
    }


def inputs_key(
    content: str,
    exporter: str,
    exporter_version: str,
    options: Mapping[str, Any],
    content_dir: Path,
) -> str:
    """The hash of everything an artifact depends on; equal keys give equal files.

    That includes the version of every installed package the exporter's
    package requires, recursively (Pygments, reportlab, genanki, the fonts...).
    """
    described = {
        "content": content,
        **inputs(exporter, exporter_version, options, content_dir),
        "dependencies": dependency_versions(exporter),
    }
    return hashlib.sha256(json.dumps(described, sort_keys=True).encode()).hexdigest()


def entry(
    folder: Path,
    name: str,
    exporter: str,
    options: Mapping[str, Any],
    key: str,
    version: str,
    content_dir: Path,
) -> dict[str, Any]:
    """The manifest's entry for the file `name` in `folder`, built by `exporter`."""
    path = folder / name
    described = inputs(exporter, version, options, content_dir)
    return {
        "path": name,
        "size": path.stat().st_size,
        "sha256": sha256_file(path),
        "exporter": exporter,
        "exporter_version": described["exporter_version"],
        "options": dict(options),
        "theme_sha256": described["theme_sha256"],
        "inputs": key,
    }


def write(
    folder: Path,
    version: str,
    content: str,
    question_set: QuestionSet,
    entries: Sequence[Mapping[str, Any]],
) -> None:
    ordered = sorted(entries, key=lambda e: str(e["path"]))
    data = {
        "format": FORMAT,
        "qexport_version": version,
        "set": {
            "id": question_set.meta.id,
            "title": question_set.meta.title,
            "version": question_set.meta.version,
        },
        "content_hash": content,
        "questions": {
            "total": len(question_set.questions),
            "by_level": question_set.counts_by_level(),
        },
        "artifacts": ordered,
    }
    text = json.dumps(data, indent=2, ensure_ascii=False) + "\n"
    (folder / MANIFEST).write_text(text, encoding="utf-8")
    (folder / SUMS).write_text(_sums(ordered, sha256_file(folder / MANIFEST)), encoding="utf-8")


def _sums(artifacts: Sequence[Mapping[str, Any]], manifest_sha256: str) -> str:
    lines = [f"{a['sha256']}  {a['path']}\n" for a in artifacts]
    return "".join([*lines, f"{manifest_sha256}  {MANIFEST}\n"])


@dataclass(frozen=True)
class Manifest:
    """A release qexport wrote, every file verified: safe to replace and to reuse from."""

    folder: Path
    artifacts: tuple[Mapping[str, Any], ...]
    lost: tuple[Mapping[str, Any], ...] = ()  # listed, but gone or changed since

    def recorded(self, name: str) -> dict[str, Any]:
        """The manifest's entry for `name`, only its known fields (carried into a release)."""
        artifact = next(a for a in self.artifacts if a["path"] == name)
        return {
            field: artifact[field]
            for field in ENTRY_FIELDS
            if field in artifact
            and (field in _ARTIFACT_FIELDS or isinstance(artifact[field], str))
        }

    def files_for(self, key: str) -> tuple[str, ...] | None:
        """The files an identical job produced last time (their hashes were verified)."""
        files = tuple(str(a["path"]) for a in self.artifacts if a["inputs"] == key)
        return files or None

    def sha256(self, name: str) -> str:
        return next(str(a["sha256"]) for a in self.artifacts if a["path"] == name)


def read(folder: Path) -> tuple[Mapping[str, Any], ...] | None:
    """The artifacts of the manifest in `folder`, if it parses as qexport's; else None."""
    path = folder / MANIFEST
    try:
        if path.is_symlink() or path.stat().st_size > MAX_MANIFEST:
            return None
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError, RecursionError):  # RecursionError: hostile nesting
        return None
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        return None
    artifacts = data.get("artifacts")
    if not isinstance(artifacts, list) or not all(_is_artifact(a) for a in artifacts):
        return None
    if len({a["path"] for a in artifacts}) != len(artifacts):
        return None
    return tuple(artifacts)


def _is_artifact(value: object) -> bool:
    if not isinstance(value, dict):
        return False
    for field, kind in _ARTIFACT_FIELDS.items():
        if not isinstance(value.get(field), kind) or isinstance(value.get(field), bool):
            return False
    name = value["path"]
    pure = PurePosixPath(name)
    return bool(
        _SHA256.fullmatch(value["sha256"])
        and name
        and pure.as_posix() == name
        and not pure.is_absolute()
        and ".." not in pure.parts
        and "\\" not in name
        and not any(c in name for c in "\0\n\r")
        and name not in (MANIFEST, SUMS)
    )


@dataclass(frozen=True)
class Verified:
    """What is in a folder: its intact release (if any), and what stops trusting it."""

    release: Manifest | None  # only the artifacts whose files are there and intact
    foreign: tuple[str, ...]  # files qexport did not write (or that changed since)
    missing: tuple[str, ...]  # artifacts the manifest lists that are gone or changed
    written: tuple[str, ...] = ()  # files single exporters wrote, not the release's own
    clutter: tuple[str, ...] = ()  # files the operating system left (see CLUTTER)

    @property
    def complete(self) -> bool:
        return not self.foreign and not self.missing


def verify(folder: Path, written: Mapping[str, str], limit: int = 5) -> Verified:
    """Check every file of `folder` against its manifest and `written`.

    `written` holds the sha256 of files single exporters wrote there, by name.
    Files are hashed only when a record names them, so a big foreign folder
    costs a directory walk, stopped after `limit` foreign entries.
    """
    artifacts = read(folder)
    listed = {str(a["path"]): a for a in artifacts or ()}
    foreign: list[str] = []
    intact: set[str] = set()
    extra: list[str] = []
    clutter: list[str] = []
    if artifacts is None and (folder / MANIFEST).exists():
        foreign.append(MANIFEST)
    for name in _walk(folder, foreign, limit):
        path = folder / name
        if name == MANIFEST:
            continue  # counted above when it is not qexport's
        if artifacts is not None and name == SUMS:
            expected = _sums(artifacts, sha256_file(folder / MANIFEST)).encode("utf-8")
            if path.stat().st_size != len(expected) or path.read_bytes() != expected:
                foreign.append(name)
            continue
        if name not in listed and name not in written:
            (clutter if is_clutter(name) else foreign).append(name)
            continue
        digest = sha256_file(path)
        if name in listed and digest == listed[name]["sha256"]:
            intact.add(name)
        elif written.get(name) == digest:
            extra.append(name)
        else:
            foreign.append(name)
    if artifacts is not None and not (folder / SUMS).is_file():
        foreign.append(SUMS)  # not a release as qexport writes one
    kept = tuple(a for a in artifacts or () if a["path"] in intact)
    lost = tuple(a for a in artifacts or () if a["path"] not in intact)
    missing = tuple(sorted(set(listed) - intact))
    release = Manifest(folder, kept, lost) if artifacts is not None else None
    return Verified(release, tuple(foreign[:limit]), missing, tuple(extra), tuple(clutter))


def is_clutter(name: str) -> bool:
    """Whether `name` is a file an operating system leaves in folders (.DS_Store, ._x...)."""
    base = PurePosixPath(name).name
    return base.lower() in CLUTTER or base.startswith("._")


def _walk(folder: Path, foreign: list[str], limit: int) -> list[str]:
    """Every regular file under `folder`, relative; anything else counts as foreign."""
    files = []
    for top, dirs, names in os.walk(folder, onerror=_raise):
        relative = Path(top).relative_to(folder)
        if top != str(folder) and not dirs and not names:
            foreign.append(relative.as_posix())  # an empty folder: qexport writes none
        for name in [*dirs, *names]:
            path = Path(top) / name
            if path.is_symlink() or not (path.is_dir() or path.is_file()):
                foreign.append((relative / name).as_posix())  # qexport writes no links
            elif path.is_file():
                files.append((relative / name).as_posix())
        dirs[:] = [d for d in dirs if not (Path(top) / d).is_symlink()]
        if len(foreign) >= limit:
            break
    return sorted(files)


def _raise(error: OSError) -> None:
    raise error
