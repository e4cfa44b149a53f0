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

[release.pdf]       # optional: what `qexport all` builds (see release_table)
paper = ["a4", "letter"]
```
"""

from __future__ import annotations

import re
import sys
import unicodedata
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from qexport import key_answers
from qexport.errors import ContentError, did_you_mean
from qexport.kept_notetypes import read_notetypes
from qexport.model import Level, SetMeta, Topic
from qexport.normalize import check_characters, read_text
from qexport.release_table import read_release
from qexport.tags import tag_problem
from qexport.toml_lines import key_line, shown

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - exercised on Python 3.10 only
    import tomli as tomllib

METADATA_FILE = "set.toml"
SLUG = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")
TABLES = ("set", "levels", "topics")
# What `qexport all` builds (release_table); note types kept from an imported deck
# (kept_notetypes).
OPTIONAL_TABLES = ("release", "anki")
REQUIRED_SET_KEYS = ("id", "title", "version", "tag_prefix")
OPTIONAL_SET_KEYS = {
    "description": "",
    "author": "",
    "language": "en",
    "key_answers": key_answers.OPTIONAL,
}
LONG_NUMBER = re.compile(r"[0-9_]{4000,}")
MAX_NESTING = 50
MAX_SLUG_BYTES = 100

# error(message, table, key): report a problem at the line where `key` is set.
ErrorAtKey = Callable[[str, "str | None", "str | None"], None]


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
    except ValueError:  # tomllib lets int() refuse a number of thousands of digits
        raise ContentError("a number is too long", path, _long_number_line(text)) from None
    except RecursionError:
        line = _deep_nesting_line(text)
        raise ContentError("values are nested too deep", path, line) from None


def _long_number_line(text: str) -> int:
    found = LONG_NUMBER.search(text)
    return text.count("\n", 0, found.start()) + 1 if found else 1


def _deep_nesting_line(text: str) -> int:
    """The line where brackets first open MAX_NESTING deep (strings are not skipped)."""
    depth = 0
    for index, char in enumerate(text):
        depth += (char in "[{") - (char in "]}")
        if depth > MAX_NESTING:
            return text.count("\n", 0, index) + 1
    return 1


def _one_line(key: str, value: str) -> str:
    return value.replace("\n", " ") if key == "description" else value


def slug_hint(value: str) -> str:
    """Why an id with letters beyond ASCII is refused: for the end of a slug error, or ''."""
    if value.isascii():
        return ""
    return " (ids are ASCII, as they name links and files; labels and tags may use any script)"


def text_problem(value: str) -> str | None:
    """Why `value` cannot be a set.toml string, or None.

    Line breaks and controls would reshape Anki's decks; beyond those, a title or
    label may hold nothing that content may not (such as bidi overrides).
    """
    for char in value:
        if char == "\n":
            return "contains a line break (only the description may)"
        if unicodedata.category(char) in ("Cc", "Zl", "Zp"):
            return f"contains the control character U+{ord(char):04X}"
    if not check_characters(value, Path(METADATA_FILE)):
        return None  # the common case: one pass over the value
    # Only format characters and noncharacters are left that content refuses.
    for char in value:
        if unicodedata.category(char) in ("Cf", "Cn") and check_characters(char, Path()):
            name = unicodedata.name(char, "a noncharacter")
            return f"contains U+{ord(char):04X} ({name}), which is not text; remove it"
    return "contains a character that is not text"


def id_problem(set_id: str) -> str | None:
    """Why `set_id` cannot be a set's id, or None.

    Every guid derives from the id exactly as written, so a second spelling of
    the same UUID (upper case, braces) would give every note a twin: only the
    one canonical form is accepted, never silently rewritten.
    """
    try:
        canonical = str(uuid.UUID(set_id))
    except ValueError:
        return (
            "must be a UUID such as 4ced9ee6-299b-4e27-a720-9dd2ca4652fb; make one with: "
            'python -c "import uuid; print(uuid.uuid4())"'
        )
    if set_id != canonical:
        return f"must be written in lower case with hyphens, as {canonical}"
    return None


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
        text = read_text(path, within=content_dir)
        data = parse_toml(text, path)
    except ContentError as unreadable:
        errors.append(unreadable)
        return None

    def error(message: str, table: str | None, key: str | None) -> None:
        line = key_line(text, table, key) if key is not None else None
        errors.append(
            ContentError(message, path, line or (key_line(text, None, table or "") or 1))
        )

    known_tables = (*TABLES, *OPTIONAL_TABLES)
    for key in data:
        if key not in known_tables:
            error(f"unknown table [{shown(key)}]{did_you_mean(key, known_tables)}", None, key)
    tables: dict[str, dict[str, Any]] = {}
    for name in TABLES:
        value = data.get(name)
        if not isinstance(value, dict):
            what = "missing" if value is None else "not a table"
            error(f"[{name}] is {what}", None, name if value is not None else None)
            tables[name] = {}
        else:
            tables[name] = value

    release = read_release(data.get("release"), text, path, errors)
    notetypes = read_notetypes(data.get("anki"), text, path, errors, SLUG, text_problem)
    before = len(errors)
    fields = _set_fields(tables["set"], error)
    meta = (
        SetMeta(**fields, release=release, notetypes=notetypes) if len(errors) == before else None
    )
    if meta is not None and len(meta.slug.encode()) > MAX_SLUG_BYTES:
        # Every artifact's file name starts with the title; most disks stop at 255 bytes.
        size = len(meta.slug.encode())
        error(
            f"the title is too long to name files ({size} bytes; at most {MAX_SLUG_BYTES})",
            "set",
            "title",
        )
        meta = None
    before = len(errors)
    level_labels = _labels(tables["levels"], "levels", error)
    levels = tuple(Level(i, label, n) for n, (i, label) in enumerate(level_labels, 1))
    before, levels_ok = len(errors), len(errors) == before
    topics = tuple(Topic(i, label) for i, label in _labels(tables["topics"], "topics", error))
    topics_ok = len(errors) == before
    return Metadata(meta, levels if levels_ok else None, topics if topics_ok else None, path, text)


def _set_fields(table: dict[str, Any], error: ErrorAtKey) -> dict[str, str]:
    known = (*REQUIRED_SET_KEYS, *OPTIONAL_SET_KEYS)
    fields: dict[str, str] = dict(OPTIONAL_SET_KEYS)
    for key, value in table.items():
        if key not in known:
            error(f"unknown key '{shown(key)}' in [set]{did_you_mean(key, known)}", "set", key)
        elif not isinstance(value, str) or not value.strip():
            error(f"'{key}' in [set] must be a non-empty string", "set", key)
        # The description is a paragraph on the cover: it may run over several lines.
        elif (problem := text_problem(_one_line(key, value))) is not None:
            error(f"'{key}' in [set] {problem}", "set", key)
        else:
            fields[key] = value.strip()
    if fields["key_answers"] not in key_answers.POLICIES:
        choices = " or ".join(f'"{p}"' for p in key_answers.POLICIES)
        error(f"'key_answers' in [set] must be {choices}", "set", "key_answers")
    set_id = fields.get("id")
    if set_id is not None and (problem := id_problem(set_id)) is not None:
        error(f"'id' in [set] {problem}", "set", "id")
    title = fields.get("title", "")
    # Anki splits deck names at '::': the title must stay one level of the deck tree.
    if "::" in title or title.endswith(":"):
        error(
            "the title cannot contain '::' or end with ':' (Anki would nest decks)", "set", "title"
        )
    for key in REQUIRED_SET_KEYS:
        if key not in table:
            error(f"[set] has no '{key}'", "set", None)
    prefix = fields.get("tag_prefix")
    if prefix is not None and (problem := tag_problem(prefix)) is not None:
        error(f"tag_prefix '{prefix}' {problem}", "set", "tag_prefix")
    return fields


def _labels(table: dict[str, Any], name: str, error: ErrorAtKey) -> list[tuple[str, str]]:
    labels: list[tuple[str, str]] = []
    for key, value in table.items():
        if not SLUG.fullmatch(key):
            written, hint = shown(key), slug_hint(key)
            slug = f"[{name}] id '{written}' must be a lowercase slug like 'data-types'{hint}"
            error(slug, name, key)
        elif not isinstance(value, str) or not value.strip():
            error(f"[{name}] '{key}' needs a label: {key} = \"Label\"", name, key)
        elif (problem := text_problem(value)) is not None:
            error(f"[{name}] '{key}' {problem}", name, key)
        elif name == "levels" and "::" in value:
            error(f"[levels] '{key}' cannot contain '::' (Anki would nest decks)", name, key)
        else:
            labels.append((key, value.strip()))
    if not table:
        error(f"[{name}] lists nothing: add at least one", name, None)
    return labels
