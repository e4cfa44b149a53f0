"""Attribute lines as mdit-py-plugins' `attrs_block_plugin` reads them, the common ones fast.

Every question has two attribute lines, `{#id topic=... tags="..."}` and
`{.key}`. The plugin reads each with a parser that steps through it a
character at a time: at 10,000 questions, about a sixth of loading. `use` puts
a rule in front of the plugin's that reads the plain forms (ids, classes,
`key=value` and `key="value"` with no escapes) with one regular expression,
into the very token the plugin makes; any other line is left to the plugin,
so every line still means what the plugin says it means.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from markdown_it import MarkdownIt
    from markdown_it.rules_block import StateBlock

# Characters every version of the plugin reads the same way in names, keys and bare values.
_NAME = r"[A-Za-z0-9_:-]+"
# A quoted value's text, without what the plugin treats specially there: escapes, braces,
# line ends.
_QUOTED = r'[^"\\{}\n]*'
_ITEM = re.compile(
    rf"#(?P<id>{_NAME})|\.(?P<cls>{_NAME})"
    rf'|(?P<key>{_NAME})=(?:(?P<bare>{_NAME})|"(?P<quoted>{_QUOTED})")'
)
_ONE = rf'(?:#{_NAME}|\.{_NAME}|{_NAME}=(?:{_NAME}|"{_QUOTED}"))'
PLAIN_LINE = re.compile(rf"\{{[ \t]*(?:{_ONE}[ \t]+)*{_ONE}[ \t]*\}}")


def attributes(line: str) -> dict[str, str]:
    """The attributes of a `PLAIN_LINE`, in the plugin's order: the last id and each value
    win, at the place of the first; the classes, joined by spaces, come last."""
    found: dict[str, str] = {}
    classes = []
    for item in _ITEM.finditer(line):
        key, value = item["key"], item["bare"] if item["bare"] is not None else item["quoted"]
        if item["id"] is not None:
            found["id"] = item["id"]
        elif item["cls"] is not None:
            classes.append(item["cls"])
        elif key == "class":
            classes.append(value)
        else:
            found[key] = value
    if classes:
        found["class"] = " ".join(classes)
    return found


def plain_attribute_line(state: StateBlock, start: int, end: int, silent: bool) -> bool:
    """A block rule: the plugin's `attrs_block` token for a plain attribute line."""
    pos = state.bMarks[start] + state.tShift[start]
    if not state.src.startswith("{", pos) or state.is_code_block(start):
        return False
    line = state.src[pos : state.eMarks[start]].rstrip(" \t")
    if not line.endswith("}") or PLAIN_LINE.fullmatch(line) is None:
        return False  # the plugin's own rule reads it
    if silent:
        return True
    token = state.push("attrs_block", "", 0)
    token.attrs.update(attributes(line))
    token.map = [start, start + 1]
    state.line = start + 1
    return True


def use(md: MarkdownIt) -> None:
    """Read plain attribute lines before `attrs_block_plugin` (already in `md`) does."""
    md.block.ruler.before("attr", "plain_attr", plain_attribute_line)
