"""A note field's HTML as qexport Markdown (`to_markdown`).

markdownify does the walk (BeautifulSoup, one converter per tag); the tags are
converted here as an Anki field uses them:
- Anki's editor writes a line as a `<div>` and a blank line as `<div><br></div>`
  or `<br><br>`: lines become hard breaks (`\\` at the end), a blank line starts
  a paragraph. `&nbsp;` is a plain space.
- Bold and italics become `**`/`*` where Markdown reads them back as written,
  else stay as `<b>`/`<i>`; `sub`, `sup` and `kbd` stay as HTML, as qexport
  renders those. Headings become bold lines (a `#` would start a question).
- Links keep only http, https and mailto targets; images only files from the
  package by a bare name, which are returned for the writer to copy.
- Everything else becomes its text; scripts, styles, frames and media players
  are dropped with their text. What is lost is returned, one phrase each.
Text is escaped so that it stays text: no `*`, `#`, `[`, `<`, `{` ... in a
field starts Markdown, an HTML tag, or a qexport attribute line.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any, NamedTuple

from qexport.importers.markdown_text import escape_text
from qexport.normalize import NOT_TEXT


class Converted(NamedTuple):
    markdown: str
    images: tuple[str, ...]  # bare media file names the Markdown shows, in order
    lost: tuple[str, ...]  # what could not be kept, one phrase each


MAX_DEPTH = 60  # deeper HTML is kept as its text: the walk is recursive
SPACE = re.compile(r"[ \t\r\n\f]+")
_SHOWN_AS_TEXT = (
    (re.compile(r"\[sound:[^\]]*\]"), "a sound ({}) shown as text"),
    (re.compile(r"\[/?(?:latex|\$\$?)\]", re.I), "LaTeX ({}) shown as text"),
    (re.compile(r"\\[(\[]"), "MathJax ({}) shown as text"),
)


def to_markdown(html: str, image_src: Callable[[str], str] | None = None) -> Converted:
    """`html` from a note field as Markdown; `image_src` maps an image's file name to the
    path the Markdown should use (the name itself by default)."""
    from bs4 import BeautifulSoup

    from qexport.importers.field_converter import FieldConverter

    converter = FieldConverter(image_src=image_src or (lambda name: name))
    text = NOT_TEXT.sub("", html)  # what content may not hold: controls, bidi overrides
    if text != html:
        converter.lost.append("control characters removed")
    soup = BeautifulSoup(text, "html.parser")
    if _depth(soup) > MAX_DEPTH:
        converter.lost.append(f"HTML nested over {MAX_DEPTH} deep, kept as plain text")
        markdown = escape_text(SPACE.sub(" ", soup.get_text().replace("\xa0", " ")).strip())
    else:
        markdown = converter.convert_soup(soup)
    for pattern, phrase in _SHOWN_AS_TEXT:
        found = pattern.search(soup.get_text())
        if found:
            converter.lost.append(phrase.format(found.group()))
    if NOT_TEXT.search(markdown):  # written as references (`&#x202e;`), decoded by the parse
        markdown = NOT_TEXT.sub("", markdown)
        converter.lost.append("control characters removed")
    images = tuple(dict.fromkeys(converter.images))
    return Converted(markdown, images, tuple(dict.fromkeys(converter.lost)))


def _depth(soup: Any) -> int:
    deepest, stack = 0, [(soup, 0)]
    while stack:
        node, depth = stack.pop()
        deepest = max(deepest, depth)
        if deepest > MAX_DEPTH:
            break
        stack.extend((child, depth + 1) for child in getattr(node, "contents", ()))
    return deepest
