"""A release's manifest.json and SHA256SUMS, and the input hashes that allow reuse.

manifest.json records the qexport version, the content hash, question
counts per level and, for each artifact, its path, size, sha256, the
exporter and options that made it, and the hash of all its inputs. It
holds no times, so the same content always gives the same manifest.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING, Any

from qexport.model import QuestionSet

if TYPE_CHECKING:
    from qexport.release import Job

MANIFEST = "manifest.json"
SUMS = "SHA256SUMS"
FORMAT = 1


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def content_hash(content_dir: Path) -> str:
    """One hash over every file of the content folder, names included."""
    digest = hashlib.sha256()
    for path in sorted(p for p in content_dir.rglob("*") if p.is_file()):
        name = path.relative_to(content_dir).as_posix().encode()
        digest.update(len(name).to_bytes(8, "big") + name)
        digest.update(bytes.fromhex(sha256_file(path)))
    return digest.hexdigest()


def jsonable(options: Mapping[str, Any]) -> dict[str, Any]:
    """Options as plain JSON values (paths become strings), in a stable order."""
    clean: dict[str, Any] = {}
    for key in sorted(options):
        value = options[key]
        clean[key] = (
            value if value is None or isinstance(value, bool | int | float | str) else str(value)
        )
    return clean


def inputs(exporter: str, exporter_version: str, options: Mapping[str, Any]) -> dict[str, Any]:
    """What an artifact depends on besides the content: recorded in the manifest."""
    from qexport import __version__
    from qexport.themes import load_theme

    theme = options.get("theme")
    return {
        "qexport_version": str(__version__),
        "exporter": exporter,
        "exporter_version": exporter_version,
        "options": dict(options),
        "theme_sha256": sha256_file(load_theme(str(theme)).path) if theme else "",
    }


def inputs_key(
    content: str, exporter: str, exporter_version: str, options: Mapping[str, Any]
) -> str:
    """The hash of everything an artifact depends on; equal keys give equal files."""
    described = {"content": content, **inputs(exporter, exporter_version, options)}
    return hashlib.sha256(json.dumps(described, sort_keys=True).encode()).hexdigest()


def entry(folder: Path, name: str, job: Job, key: str, version: str) -> dict[str, Any]:
    path = folder / name
    described = inputs(job.exporter, version, job.options)
    return {
        "path": name,
        "size": path.stat().st_size,
        "sha256": sha256_file(path),
        "exporter": job.exporter,
        "exporter_version": described["exporter_version"],
        "options": job.options,
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
    lines = [f"{e['sha256']}  {e['path']}\n" for e in ordered]
    lines.append(f"{sha256_file(folder / MANIFEST)}  {MANIFEST}\n")
    (folder / SUMS).write_text("".join(lines), encoding="utf-8")


@dataclass(frozen=True)
class Manifest:
    """The previous release, as far as it can be trusted for reuse."""

    folder: Path
    artifacts: tuple[Mapping[str, Any], ...]

    def files_for(self, key: str) -> tuple[str, ...] | None:
        """The files an identical job produced last time, if all are intact."""
        files = [a for a in self.artifacts if a.get("inputs") == key]
        if not files:
            return None
        for artifact in files:
            name = PurePosixPath(str(artifact["path"]))
            if name.is_absolute() or ".." in name.parts:
                return None  # a tampered manifest must not reach outside the release
            path = self.folder / str(artifact["path"])
            if not path.is_file() or sha256_file(path) != artifact.get("sha256"):
                return None
        return tuple(str(a["path"]) for a in files)


def read(folder: Path) -> Manifest | None:
    """The manifest in `folder`; None when missing or damaged (then nothing is reused)."""
    try:
        data = json.loads((folder / MANIFEST).read_text(encoding="utf-8"))
        artifacts = tuple(a for a in data["artifacts"] if isinstance(a, dict) and "path" in a)
    except (OSError, ValueError, KeyError, TypeError):
        return None
    return Manifest(folder, artifacts)
