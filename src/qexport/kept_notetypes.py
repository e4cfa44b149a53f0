"""set.toml's `[anki.notetypes]`: note types kept from a deck the bank was imported from.

```toml
[anki.notetypes.basic]          # a question moved from that deck says notetype=basic
id = 1342697561                 # the note type's id in the learners' collections
name = "Basic"
fields = ["Front", "Back"]      # its field names, in order: question, answer, others
templates = ["Card 1"]          # its card template names, in order
```

`qexport import` writes these. Anki updates a learner's note in place only if
the incoming note has the note type it already has, with the same field and
template names; otherwise it reports a conflict and keeps the old note. So a
moved question stays in its note type, which qexport fills with its own
templates and CSS. Questions written later never need one.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from qexport.errors import ContentError, did_you_mean
from qexport.model import KeptNotetype
from qexport.toml_lines import KeyPath, defined_lines, shown

TABLE = "anki"
NOTETYPES = "notetypes"
KEYS = ("id", "name", "fields", "templates")
MAX_ID = 2**63 - 1  # Anki's ids are signed 64-bit
MAX_FIELDS = 100
MAX_TEMPLATES = 50
# Anki refuses these in a field name (templates read `{{Name}}`, `{{#Name}}`, `{{/Name}}`).
FIELD_NAME_STARTS = ("#", "/", "^")
FIELD_NAME_CHARACTERS = (":", "{", "}", '"')


# Why a set.toml string cannot be a name, or None (metadata.text_problem).
TextProblem = Callable[[str], "str | None"]


def read_notetypes(
    value: Any,
    text: str,
    path: Path,
    errors: list[ContentError],
    slug: re.Pattern[str],
    text_problem: TextProblem,
) -> tuple[KeptNotetype, ...]:
    """The `[anki]` table `value` (None if absent), appending its problems to `errors`.

    `slug` and `text_problem` are set.toml's own rules for keys and names."""
    if value is None:
        return ()
    lines = defined_lines(text)

    def error(message: str, at: KeyPath) -> None:
        while at and at not in lines:
            at = at[:-1]
        errors.append(ContentError(message, path, lines.get(at, 1)))

    if not isinstance(value, dict):
        error(f"[{TABLE}] is not a table", (TABLE,))
        return ()
    for key in value:
        if key != NOTETYPES:
            message = (
                f"unknown key '{shown(key)}' in [{TABLE}]: it holds [{TABLE}.{NOTETYPES}.<key>]"
            )
            error(message, (TABLE, key))
    tables = value.get(NOTETYPES, {})
    if not isinstance(tables, dict):
        error(f"[{TABLE}.{NOTETYPES}] is not a table", (TABLE, NOTETYPES))
        return ()
    kept: list[KeptNotetype] = []
    for key, table in tables.items():
        at: KeyPath = (TABLE, NOTETYPES, key)

        def error_in(message: str, item: str | None, at: KeyPath = at) -> None:
            error(message, at + ((item,) if item else ()))

        if not slug.fullmatch(key):
            error_in(
                f"[{TABLE}.{NOTETYPES}.{shown(key)}]: the key must be a slug like 'basic'", None
            )
            continue
        notetype = _notetype(key, table, lines.get(at, 1), error_in, text_problem)
        if notetype is not None:
            kept.append(notetype)
    _check_unique_ids(kept, error)
    return tuple(kept)


def _notetype(
    key: str,
    table: Any,
    line: int,
    error: Callable[[str, str | None], None],
    text_problem: TextProblem,
) -> KeptNotetype | None:
    name = f"[{TABLE}.{NOTETYPES}.{key}]"
    if not isinstance(table, dict):
        error(f"{name} is not a table", None)
        return None
    problems: list[str] = []
    for item in table:
        if item not in KEYS:
            error(f"unknown key '{shown(item)}' in {name}{did_you_mean(item, KEYS)}", item)
            problems.append(item)
    for item in KEYS:
        if item not in table:
            error(f"{name} has no '{item}'", None)
            problems.append(item)
    if problems:
        return None
    found = value_problems(table, text_problem)
    for item, problem in found:
        error(f"'{item}' in {name} {problem}", item)
    if found:
        return None
    return KeptNotetype(
        key,
        table["id"],
        table["name"],
        tuple(table["fields"]),
        tuple(table["templates"]),
        line,
    )


def value_problems(table: Mapping[str, Any], text_problem: TextProblem) -> list[tuple[str, str]]:
    """What is wrong with a note type's `id`, `name`, `fields` and `templates`, by key."""
    checks = (
        ("id", _id_problem(table["id"])),
        ("name", _name_problem(table["name"], text_problem)),
        ("fields", _names_problem(table["fields"], 2, MAX_FIELDS, "field", _field_problem)),
        ("templates", _names_problem(table["templates"], 1, MAX_TEMPLATES, "template", None)),
    )
    return [(item, problem) for item, problem in checks if problem is not None]


def _id_problem(value: Any) -> str | None:
    if isinstance(value, bool) or not isinstance(value, int) or not 0 < value <= MAX_ID:
        return "must be the note type's id in Anki: a whole number above 0"
    return None


def _name_problem(value: Any, text_problem: TextProblem) -> str | None:
    if not isinstance(value, str) or not value.strip():
        return "must be a non-empty string"
    return text_problem(value)


def _field_problem(name: str) -> str | None:
    if name.startswith(FIELD_NAME_STARTS) or any(c in name for c in FIELD_NAME_CHARACTERS):
        return f"'{name}' is not a name Anki allows for a field"
    return None


def _names_problem(
    value: Any,
    least: int,
    most: int,
    what: str,
    problem: Callable[[str], str | None] | None,
) -> str | None:
    if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
        return f"must be a list of {what} names"
    if not least <= len(value) <= most:
        return f"must list {least} to {most} {what} names"
    if len({v.casefold() for v in value}) < len(value):
        return f"names a {what} twice"
    for name in value:
        if problem is not None and (found := problem(name)) is not None:
            return found
    return None


def _check_unique_ids(kept: list[KeptNotetype], error: Callable[[str, KeyPath], None]) -> None:
    seen: dict[int, str] = {}
    for notetype in kept:
        if notetype.id in seen:
            error(
                f"'id' in [{TABLE}.{NOTETYPES}.{notetype.key}] is also "
                f"[{TABLE}.{NOTETYPES}.{seen[notetype.id]}]'s",
                (TABLE, NOTETYPES, notetype.key, "id"),
            )
        seen.setdefault(notetype.id, notetype.key)
