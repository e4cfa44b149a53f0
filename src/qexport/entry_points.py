"""The installed entry points of a group, remembered between runs.

Asking `importlib.metadata` costs more than the rest of `qexport --help`
(importing it alone is ~12 ms, then it reads every installed package's
metadata). The answer only changes when packages are installed, removed or
re-registered, so it is kept in the user's cache folder under a fingerprint
of `sys.path`: the package metadata folders on it and the modification time
of each one's `entry_points.txt`. Any change to those rescans; a missing,
unreadable or unwritable cache only means scanning as before.
"""

from __future__ import annotations

import os
import re
import sys
from typing import Any, NamedTuple

from qexport.cache import read_cached, write_cached

METADATA_SUFFIXES = (".dist-info", ".egg-info")
_SAFE = re.compile(r"[^A-Za-z0-9.-]+")


class Registered(NamedTuple):
    """One entry point, and the package that declares it (a tuple: cheap at start-up)."""

    name: str
    value: str  # "module:attribute"
    group: str
    package: str
    version: str

    def load(self) -> Any:
        """The object the entry point names, as EntryPoint.load does ("module:attr.attr")."""
        from importlib import import_module

        # Any "[extras]" name requirements, not part of the object's path.
        module, _, attributes = self.value.partition("[")[0].strip().partition(":")
        found = import_module(module.strip())
        for attribute in filter(None, attributes.strip().split(".")):
            found = getattr(found, attribute)
        return found


def registered(group: str) -> list[Registered]:
    """Every entry point of `group` on `sys.path`, in the order importlib.metadata gives."""
    fingerprint = path_fingerprint(group, sys.path)
    # One file per environment (named after it), so reinstalling overwrites it.
    name = f"entry-points-{group}-{_SAFE.sub('_', sys.prefix).strip('_')[-80:]}.txt"
    cached = _parse(read_cached(name), fingerprint)
    if cached is not None:
        return cached
    found = _scan(group)
    write_cached(name, _format(fingerprint, found))
    return found


def path_fingerprint(group: str, search_path: list[str]) -> str:
    """What the answer depends on: the metadata folders on the path, in order, and their stamps.

    Path entries without package metadata (such as the working directory of
    `python -m`) do not count, so they do not cause a rescan.
    """
    parts: list[str] = [group, sys.version]
    for entry in search_path:
        try:
            with os.scandir(entry or ".") as listing:
                names = sorted(e.name for e in listing if e.name.endswith(METADATA_SUFFIXES))
        except NotADirectoryError:  # a zip file: its stamp stands for its contents
            parts.append(f"{entry} {os.stat(entry).st_mtime_ns}")
            continue
        except OSError:
            continue  # gone: nothing to find there
        if names:
            parts.append(f"path {entry}")
        for name in names:
            try:
                stamp = os.stat(os.path.join(entry, name, "entry_points.txt")).st_mtime_ns
            except OSError:
                stamp = -1
            parts.append(f"{name} {stamp}")
    return "\n".join(parts)


def _scan(group: str) -> list[Registered]:
    from importlib.metadata import entry_points

    found = []
    for point in entry_points(group=group):
        dist = getattr(point, "dist", None)
        package = str(getattr(dist, "name", "") or "")
        version = str(getattr(dist, "version", "") or "")
        found.append(Registered(point.name, point.value, group, package, version))
    return found


# The cache is lines of tab-separated fields, the fingerprint first; plain text
# rather than JSON, as importing json costs --help more than reading this.
_FIELDS = len(Registered._fields)


def _format(fingerprint: str, found: list[Registered]) -> str:
    lines = [fingerprint.replace("\n", "\0")]
    lines += ["\t".join(entry) for entry in found]
    return "\n".join(lines) + "\n"


def _parse(text: str | None, fingerprint: str) -> list[Registered] | None:
    if text is None:
        return None
    first, _, rest = text.partition("\n")
    if first != fingerprint.replace("\n", "\0"):
        return None  # something was installed or removed since: scan again
    *lines, end = rest.split("\n")
    if end:
        return None  # cut short: scan again
    found = []
    for line in lines:
        values = line.split("\t")
        if len(values) != _FIELDS:
            return None  # damaged: scan again
        found.append(Registered(*values))
    return found
