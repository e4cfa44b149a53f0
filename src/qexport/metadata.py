"""The set's metadata file, `content/set.toml`.

```toml
[set]
id = "4ced9ee6-299b-4e27-a720-9dd2ca4652fb"   # never change it
title = "Python Interview Questions"
description = "..."
author = "..."
version = "1.0.0"
tag_prefix = "python-interview"
language = "en"

[levels]            # in order; each level's questions are in <id>.md
basic = "Basic"

[topics]
data-types = "Data types and collections"
```
"""

from __future__ import annotations

import re
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from qexport.errors import ContentError, did_you_mean
from qexport.model import Level, SetMeta, Topic
from qexport.normalize import read_text

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - exercised on Python 3.10 only
    import tomli as tomllib

METADATA_FILE = "set.toml"
SLUG = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")
TAG_PREFIX = re.compile(r"[a-z0-9]+(?:[-_.][a-z0-9]+)*")
TABLES = ("set", "levels", "topics")
REQUIRED_SET_KEYS = ("id", "title", "version", "tag_prefix")
OPTIONAL_SET_KEYS = {"description": "", "author": "", "language": "en"}

# error(message, table, key): report a problem at the line where `key` is set.
Report = Callable[[str, "str | None", "str | None"], None]


@dataclass(frozen=True)
class Metadata:
    """What could be read of set.toml; a part is None where it has errors."""

    meta: SetMeta | None
    levels: tuple[Level, ...] | None
    topics: tuple[Topic, ...] | None
    path: Path
    text: str

    def level_line(self, level_id: str) -> int | None:
        return key_line(self.text, "levels", level_id)


def parse_toml(text: str, path: Path) -> dict[str, Any]:
    """`text` as TOML, or a ContentError at the line TOML complains about."""
    try:
        data: dict[str, Any] = tomllib.loads(text)
        return data
    except tomllib.TOMLDecodeError as exc:
        message, line = _split_toml_error(exc)
        raise ContentError(f"malformed TOML: {message}", path, line) from None


def _split_toml_error(exc: tomllib.TOMLDecodeError) -> tuple[str, int | None]:
    line: int | None = getattr(exc, "lineno", None)
    message: str = getattr(exc, "msg", None) or str(exc)
    # Before Python 3.14 the position exists only in the text: "... (at line 3, column 9)".
    head, sep, tail = message.rpartition(" (at ")
    if sep:
        message = head
        if line is None and tail.startswith("line "):
            number = tail[len("line ") :].split(",")[0]
            line = int(number) if number.isdigit() else None
    elif message.endswith(" (at end of document)"):
        message = message.removesuffix(" (at end of document)")
    return message, line


def key_line(text: str, table: str | None, key: str) -> int | None:
    """The line where `key` is set in `[table]` (or at the top level), if any.

    tomllib keeps no positions, so this scans the text for error messages.
    """
    current: str | None = None
    for number, raw in enumerate(text.split("\n"), start=1):
        line = raw.strip()
        if line.startswith("["):
            current = line.strip("[] ").strip('"')
            if table is None and current == key:
                return number
            continue
        name = line.split("=", 1)[0].strip().strip('"')
        if current == table and "=" in line and name == key:
            return number
    return None


def load_metadata(content_dir: Path, errors: list[ContentError]) -> Metadata | None:
    """What is usable of the metadata, appending to `errors` what is wrong with it.

    The parts without errors are kept, so the questions can still be checked
    against the levels and topics when, say, only [set] has a typo.
    """
    path = content_dir / METADATA_FILE
    if not path.is_file():
        errors.append(ContentError(f"no {METADATA_FILE}: every set needs one", path))
        return None
    try:
        text = read_text(path)
        data = parse_toml(text, path)
    except ContentError as unreadable:
        errors.append(unreadable)
        return None

    def error(message: str, table: str | None, key: str | None) -> None:
        line = key_line(text, table, key) if key is not None else None
        errors.append(
            ContentError(message, path, line or (key_line(text, None, table or "") or 1))
        )

    for key in data:
        if key not in TABLES:
            error(f"unknown table [{key}]{did_you_mean(key, TABLES)}", None, key)
    tables: dict[str, dict[str, Any]] = {}
    for name in TABLES:
        value = data.get(name)
        if not isinstance(value, dict):
            what = "missing" if value is None else "not a table"
            error(f"[{name}] is {what}", None, name if value is not None else None)
            tables[name] = {}
        else:
            tables[name] = value

    before = len(errors)
    fields = _set_fields(tables["set"], error)
    meta = SetMeta(**fields) if len(errors) == before else None
    before = len(errors)
    level_labels = _labels(tables["levels"], "levels", error)
    levels = tuple(Level(i, label, n) for n, (i, label) in enumerate(level_labels, 1))
    before, levels_ok = len(errors), len(errors) == before
    topics = tuple(Topic(i, label) for i, label in _labels(tables["topics"], "topics", error))
    topics_ok = len(errors) == before
    return Metadata(meta, levels if levels_ok else None, topics if topics_ok else None, path, text)


def _set_fields(table: dict[str, Any], error: Report) -> dict[str, str]:
    known = (*REQUIRED_SET_KEYS, *OPTIONAL_SET_KEYS)
    fields: dict[str, str] = dict(OPTIONAL_SET_KEYS)
    for key, value in table.items():
        if key not in known:
            error(f"unknown key '{key}' in [set]{did_you_mean(key, known)}", "set", key)
        elif not isinstance(value, str) or not value.strip():
            error(f"'{key}' in [set] must be a non-empty string", "set", key)
        else:
            fields[key] = value.strip()
    for key in REQUIRED_SET_KEYS:
        if key not in table:
            error(f"[set] has no '{key}'", "set", None)
    prefix = fields.get("tag_prefix")
    if prefix is not None and not TAG_PREFIX.fullmatch(prefix):
        error(
            f"tag_prefix '{prefix}' must be lowercase letters, digits, '-', '_' or '.'",
            "set",
            "tag_prefix",
        )
    return fields


def _labels(table: dict[str, Any], name: str, error: Report) -> list[tuple[str, str]]:
    labels: list[tuple[str, str]] = []
    for key, value in table.items():
        if not SLUG.fullmatch(key):
            error(f"[{name}] id '{key}' must be a lowercase slug like 'data-types'", name, key)
        elif not isinstance(value, str) or not value.strip():
            error(f"[{name}] '{key}' needs a label: {key} = \"Label\"", name, key)
        else:
            labels.append((key, value.strip()))
    if not table:
        error(f"[{name}] lists nothing: add at least one", name, None)
    return labels
