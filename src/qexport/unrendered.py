"""Markdown that no output shows as its author means it: `qexport validate` warns at its line.

Every output renders CommonMark with GitHub's tables and strikethrough, bare
URLs as links and a small subset of inline HTML (`render.markdown_parser`).
Some other things people write on GitHub are shown as the text that was
written, so each gets a warning:

- footnotes (`[^1]` and `[^1]: the note`): an answer stands alone on a card,
  so a note belongs in its text;
- raw HTML outside the small subset every output renders (`html_subset`:
  `<br>`, `<b>`, `<sub>`, `<kbd>` … and `<img>` of a file in the content
  folder), and a tag of the subset left unpaired (`<b>` without its `</b>`
  in the same paragraph): shown as text, never interpreted. Only real HTML
  elements and comments count: `<lambda>` in prose is meant as text, and
  shown as text;
- task list boxes (`- [ ] item`): no output draws check boxes;
- a table marked `{.key}`: a key answer is shown as one paragraph.

The preamble before the first question is printed nowhere, so it is not checked.
Each check first looks for the characters its construct needs, so a bank
without any costs a few scans of the text (14 ms for 10,000 questions).
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from itertools import pairwise
from pathlib import Path
from typing import TYPE_CHECKING

from qexport.errors import ContentWarning
from qexport.key_answers import is_key
from qexport.level_tokens import is_question_heading

if TYPE_CHECKING:
    from markdown_it.token import Token

# A footnote's definition opens a line, after any quote or list marker.
_FOOTNOTE = re.compile(r"[ \t>]*(?:(?:[-+*]|\d{1,9}[.)])[ \t]+)?\[\^([^\]\s]+)\]:")
_TAG_START = re.compile(r"<[A-Za-z/!]")
_BRACKETS = re.compile(r"\[(?:\^|[ xX]\])")  # `[^` of a footnote, `[ ]` of a task box
_TASK_BOX = re.compile(r"\[[ xX]\](?:\s|$)")
_DELIMITER_ROW = re.compile(
    r"^[ \t]*\|?[ \t]*:?-+:?[ \t]*(?:\|[ \t]*:?-+:?[ \t]*)*\|?[ \t]*$", re.M
)
_TAG_NAME = re.compile(r"</?([A-Za-z][A-Za-z0-9-]*)")
# HTML's elements (those CommonMark knows as blocks, and the inline ones): a tag with
# another name (`<lambda>`, `<module>`, `<T>`) is text a Python author means as text.
_ELEMENT_NAMES = (
    "a abbr b bdi bdo big br cite code data del dfn em font i img input ins kbd label "
    "mark meter object picture progress q rp rt ruby s samp select small span strike "
    "strong sub sup svg textarea time tt u var video audio wbr "
    "address article aside base basefont blockquote body caption center col colgroup "
    "dd details dialog dir div dl dt fieldset figcaption figure footer form frame "
    "frameset h1 h2 h3 h4 h5 h6 head header hr html iframe legend li link main menu "
    "menuitem nav noframes ol optgroup option p param search section summary table "
    "tbody td tfoot th thead title tr track ul script style pre"
)
HTML_ELEMENTS = frozenset(_ELEMENT_NAMES.split())
SUBSET = "<br>, <b>, <strong>, <i>, <em>, <sub>, <sup>, <code>, <kbd> and <img src=…> of a file"


def warnings(text: str, tokens: Sequence[Token], path: Path) -> list[ContentWarning]:
    """Warnings for what a level file's questions and answers hold that no output renders.

    `tokens` are the loader's block tokens of `text` (inline parsing off).
    """
    first = next((i for i, t in enumerate(tokens) if is_question_heading(t)), len(tokens))
    tokens = tokens[first:]
    if not tokens:
        return []
    found: list[tuple[int, str]] = []  # (line, message)
    brackets = _BRACKETS.search(text) is not None  # one scan for footnotes and boxes alike
    if brackets and "[^" in text:
        found += _footnotes(text, tokens, (tokens[0].map or [0])[0])
    if _TAG_START.search(text):
        found += _raw_html(tokens)
    if brackets:
        found += _task_boxes(tokens)
    if "{.key}" in text and "|" in text:
        found += _key_tables(tokens)
    return [ContentWarning(message, path, line) for line, message in found]


def _footnotes(text: str, tokens: Sequence[Token], start: int) -> Iterator[tuple[int, str]]:
    """Footnote definitions from line `start` (from 0) on, outside code blocks."""
    code = {
        index
        for token in tokens
        if token.type in ("fence", "code_block") and token.map
        for index in range(*token.map)
    }
    for index, line in enumerate(text.split("\n")[start:], start):
        if index not in code and (match := _FOOTNOTE.match(line)):
            yield (
                index + 1,
                f"footnote [^{match.group(1)}] is shown as text: no output renders footnotes; "
                "write the note into the answer",
            )


def _raw_html(tokens: Sequence[Token]) -> Iterator[tuple[int, str]]:
    """HTML elements and comments shown as text (never in code), one warning a line."""
    for token in tokens:
        if token.type != "inline" or not token.map or not _TAG_START.search(token.content):
            continue
        seen: set[int] = set()
        for offset, html in _html_in(token.content):
            line = token.map[0] + 1 + offset
            if line in seen:
                continue
            seen.add(line)
            yield line, _html_message(html)


def _html_message(html: str) -> str:
    from qexport.html_subset import allowed_tag

    if html.startswith("<!--"):
        return "an HTML comment is shown as text in every output; delete it"
    if allowed_tag(html) is not None:
        return (
            f"{html} is shown as text: it is not paired with its opening or closing tag in "
            "the same paragraph, inside the same emphasis or link"
        )
    return (
        f"raw HTML is shown as text, never interpreted: {html}; only {SUBSET} are rendered; "
        "write it in Markdown, or in backticks to show the tag"
    )


def _html_in(inline: str) -> Iterator[tuple[int, str]]:
    """(line within `inline`, tag) of each HTML element's tag or comment shown as text."""
    from qexport.html_subset import SHOWN_AS_TEXT
    from qexport.render import shared_parser

    line = 0
    for token in shared_parser().parseInline(inline):
        for child in token.children or []:
            if child.type in ("softbreak", "hardbreak"):
                line += 1
                continue
            if child.meta.get(SHOWN_AS_TEXT):
                name = _TAG_NAME.match(child.content)
                if child.content.startswith("<!--") or (
                    name and name.group(1).lower() in HTML_ELEMENTS
                ):
                    yield line, " ".join(child.content.split())
            if child.type in ("text", "html_inline"):
                line += child.content.count("\n")


def _task_boxes(tokens: Sequence[Token]) -> Iterator[tuple[int, str]]:
    """List items that open with `[ ]` or `[x]`, GitHub's task list boxes."""
    for item, paragraph, inline in zip(tokens, tokens[1:], tokens[2:], strict=False):
        if (
            item.type == "list_item_open"
            and paragraph.type == "paragraph_open"
            and inline.map
            and _TASK_BOX.match(inline.content)
        ):
            yield (
                inline.map[0] + 1,
                f"a task list box {inline.content[:3]} is shown as text: no output draws "
                "check boxes; write the item without it",
            )


def _key_tables(tokens: Sequence[Token]) -> Iterator[tuple[int, str]]:
    """A `{.key}` paragraph that is a table: the key answer is shown as one paragraph."""
    for paragraph, inline in pairwise(tokens):
        if is_key(paragraph) and inline.map and _DELIMITER_ROW.search(inline.content):
            from qexport.render import shared_parser

            if any(t.type == "table_open" for t in shared_parser().parse(inline.content)):
                yield (
                    inline.map[0] + 1,
                    "a key answer is shown as one paragraph, so this table is shown as text; "
                    "put the table in the details",
                )
