"""What the block tokens of a level file mean: one definition for every reader of them."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from markdown_it.token import Token


def is_question_heading(token: Token) -> bool:
    """A `##` heading at the top level: it opens a question."""
    return token.type == "heading_open" and token.tag == "h2" and token.level == 0


def line_attributes(token: Token) -> set[str]:
    """The attributes an attribute line gave `token`; a list's own `start` (`3. item`
    starts a list at 3) is not one."""
    attrs = set(token.attrs)
    if token.type == "ordered_list_open":
        attrs.discard("start")
    return attrs
