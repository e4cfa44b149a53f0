"""What shapes an artifact besides the content: the packages its exporter runs on.

An artifact is reused only while the installed version of every package
its exporter's package requires, recursively, is the same: a new Pygments
or reportlab may draw it differently. Requirements are followed as pip
would: environment markers evaluated, extras only where asked for. A
package installed editable changes without a new version, so its source
counts too.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
from collections.abc import Sequence
from functools import lru_cache
from pathlib import Path
from typing import Any


def dependency_versions(exporter: str) -> dict[str, str]:
    """Installed versions of the exporter's package and all it requires."""
    import sys

    return dict(_dependency_versions(exporter, tuple(sys.path)))


CACHE = "dependencies.json"  # in the user's cache: the scan reads every package's metadata


@lru_cache(maxsize=16)
def _dependency_versions(exporter: str, path: tuple[str, ...]) -> tuple[tuple[str, str], ...]:
    """The versions for `exporter`: scanned once per set of installed packages.

    The scan parses every package's metadata (about 0.1 s), so its result is
    kept in the user's cache while no package on `path` is added, removed or
    upgraded. An editable package's source is hashed on every run.
    """
    from qexport.cache import read_json, write_json
    from qexport.entry_points import path_fingerprint

    fingerprint = path_fingerprint(CACHE, list(path))
    cached = read_json(CACHE)
    known: dict[str, Any] = {}
    if isinstance(cached, dict) and cached.get("fingerprint") == fingerprint:
        exporters = cached.get("exporters")
        known = exporters if isinstance(exporters, dict) else {}
    entries = _entries(known.get(exporter))
    if entries is None:
        entries = list(_scan(exporter, path))
        write_json(CACHE, {"fingerprint": fingerprint, "exporters": {**known, exporter: entries}})
    return tuple(
        sorted(
            (key, version + _editable_suffix(key, editable)) for key, version, editable in entries
        )
    )


def _entries(value: object) -> list[tuple[str, str, bool]] | None:
    """Cached (name, version, editable) entries, or None if the cache holds none that fit."""
    if not isinstance(value, list):
        return None
    entries = []
    for entry in value:
        if not (isinstance(entry, list) and len(entry) == 3):
            return None
        key, version, editable = entry
        if not (isinstance(key, str) and isinstance(version, str) and isinstance(editable, bool)):
            return None
        entries.append((key, version, editable))
    return entries


def _editable_suffix(key: str, editable: bool) -> str:
    if not editable:
        return ""
    from importlib import metadata

    try:
        return _source_suffix(metadata.distribution(key.split("[")[0]))
    except (metadata.PackageNotFoundError, ValueError):
        return ""


def _scan(exporter: str, path: tuple[str, ...]) -> tuple[tuple[str, str, bool], ...]:
    from importlib import metadata

    from qexport.registry import ENTRY_POINT_GROUP

    points = sorted(
        (p for p in metadata.entry_points(group=ENTRY_POINT_GROUP) if p.name == exporter),
        key=lambda p: p.value,
    )  # the registry's choice: the first by value
    dist = getattr(points[0], "dist", None) if points else None
    if dist is None:
        return ()
    return _package_versions(str(dist.metadata["Name"]), path)


@lru_cache(maxsize=16)
def _package_versions(package: str, _path: tuple[str, ...]) -> tuple[tuple[str, str, bool], ...]:
    """`package` and all it requires: (name, version, installed editable), once per package."""
    from importlib import metadata

    found: dict[str, tuple[str, bool]] = {}
    todo = [(package, frozenset[str]())]
    while todo:
        name, extras = todo.pop()
        try:
            found_dist = metadata.distribution(name)
        except (metadata.PackageNotFoundError, ValueError):
            continue  # not installed here (an optional or platform-only requirement)
        key = _normal(name) + (f"[{','.join(sorted(extras))}]" if extras else "")
        if key in found:
            continue
        found[key] = (str(found_dist.version), _is_editable(found_dist))
        todo += _requirements(found_dist.requires or [], extras)
    return tuple(sorted((key, version, editable) for key, (version, editable) in found.items()))


def _is_editable(dist: Any) -> bool:
    try:
        described = json.loads(dist.read_text("direct_url.json") or "{}")
    except (ValueError, RecursionError):
        return False
    info = described.get("dir_info") if isinstance(described, dict) else None
    return isinstance(info, dict) and info.get("editable") is True


def _source_suffix(dist: Any) -> str:
    """For a distribution installed editable, a hash of its source: its code changes freely.

    Its version stays the same while its files are edited (the README's
    Developing setup), so the version alone would reuse stale artifacts.
    """
    digest = hashlib.sha256()
    for root in _source_roots(dist):
        for path in sorted(root.rglob("*") if root.is_dir() else [root]):
            if path.is_file() and "__pycache__" not in path.parts and path.suffix != ".pyc":
                digest.update(os.fsencode(path.relative_to(root.parent)) + b"\0")
                digest.update(hashlib.sha256(path.read_bytes()).digest())  # small source files
    return f"+source.{digest.hexdigest()[:16]}"


def _source_roots(dist: Any) -> list[Path]:
    """The top-level packages (or modules) that a distribution's entry points load."""
    import importlib.util

    roots = set()
    for point in dist.entry_points:
        top = point.value.split(":")[0].split(".")[0].strip()
        try:
            spec = importlib.util.find_spec(top)
        except (ImportError, ValueError):
            continue
        if spec is None or not spec.origin or not spec.has_location:
            continue
        origin = Path(spec.origin)
        roots.add(origin.parent if spec.submodule_search_locations is not None else origin)
    return sorted(roots)


def _requirements(
    lines: Sequence[str], extras: frozenset[str]
) -> list[tuple[str, frozenset[str]]]:
    """The requirements that apply here: markers evaluated, with the extras asked for.

    A requirement whose marker is false here (`tomli; python_version < '3.11'`
    on 3.11, or an extra nobody asked for) is not a dependency here, even if
    something else installed it.
    """
    from packaging.requirements import InvalidRequirement, Requirement

    wanted = []
    for line in lines:
        try:
            requirement = Requirement(line)
        except InvalidRequirement:
            continue  # a damaged METADATA line: not a requirement qexport can follow
        marker = requirement.marker
        if marker is not None and not any(
            marker.evaluate({"extra": extra}) for extra in sorted(extras) or [""]
        ):
            continue
        wanted.append((requirement.name, frozenset(requirement.extras)))
    return wanted


def _normal(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()
