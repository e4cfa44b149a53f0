"""Where a key or table is set in a TOML file, for `path:line` error messages.

tomllib keeps no positions, so the text is scanned line by line. Table headers
(`[release.pdf]`, `[[release.pdf]]`), dotted and quoted keys and comments are
understood; the lines inside a multi-line string or array are skipped, so a
`[` or `=` there is not taken for a table or a key.
"""

from __future__ import annotations

import re
from collections import Counter

# A part of a path: a table's or key's name, or the index of one of `[[name]]`'s tables.
Part = str | int
KeyPath = tuple[Part, ...]

HEADER = re.compile(r"(\[\[?)\s*(?P<path>[^\[\]#]+?)\s*\]\]?\s*(?:#.*)?")
STRING = re.compile(r'"(?:[^"\\]|\\.)*"|\'[^\']*\'')
MULTI_LINE_QUOTES = ('"""', "'''")


def key_line(text: str, table: str | None, key: str) -> int | None:
    """The line where `key` is set in `[table]` (or at the top level), if any.

    `table` may be dotted, as its header is written ("release.pdf").
    """
    return defined_lines(text).get((*(table.split(".") if table else ()), key))


def defined_lines(text: str) -> dict[KeyPath, int]:
    """The first line that defines each table and key, by its path.

    A path is its names from the top: ("release", "pdf", "paper"). The n-th of
    several `[[release.pdf]]` tables is ("release", "pdf", n). A header or a
    dotted key also defines the tables above it (`[release.pdf]` defines "release").
    """
    lines: dict[KeyPath, int] = {}
    current: KeyPath = ()
    arrays: Counter[KeyPath] = Counter()
    closing = ""  # the quotes that end the multi-line string being read
    depth = 0  # brackets still open in a multi-line array or inline table
    for number, raw in enumerate(text.split("\n"), start=1):
        line = raw.strip()
        if closing:
            closing = "" if closing in line else closing
            continue
        if depth > 0:
            depth += _open_brackets(line)
            continue
        header = HEADER.fullmatch(line)
        if header is not None:
            current = _dotted(header["path"])
            if header.group(1) == "[[":
                arrays[current] += 1
                current = (*current, arrays[current] - 1)
            _define(lines, current, number)
            continue
        key, equals, value = line.partition("=")
        if not equals or line.startswith("#"):
            continue
        _define(lines, (*current, *_dotted(key)), number)
        value = value.strip()
        opening = value[:3]
        if opening in MULTI_LINE_QUOTES and value.count(opening) == 1:
            closing = opening
        else:
            depth = _open_brackets(value)
    return lines


def shown(name: str) -> str:
    """A key or value from a TOML file, safe to print on one line (control characters
    escaped: a message must not move the terminal's cursor or start a line of its own)."""
    return name if name.isprintable() else repr(name)[1:-1]


def _define(lines: dict[KeyPath, int], path: KeyPath, number: int) -> None:
    for end in range(1, len(path) + 1):
        lines.setdefault(path[:end], number)


def _dotted(name: str) -> tuple[str, ...]:
    """The parts of a dotted name, unquoted: 'release . "pdf"' -> ('release', 'pdf')."""
    parts = []
    for found in re.finditer(r'\s*("(?:[^"\\]|\\.)*"|\'[^\']*\'|[^.]+?)\s*(?:\.|$)', name):
        part = found.group(1)
        parts.append(part[1:-1] if part[:1] in "\"'" and len(part) > 1 else part)
    return tuple(parts)


def _open_brackets(value: str) -> int:
    """How many brackets `value` leaves open (strings and a comment left out)."""
    code = STRING.sub("", value).split("#", 1)[0]
    return code.count("[") + code.count("{") - code.count("]") - code.count("}")
