"""The raw HTML every output renders: a few inline tags, and pictures from the content folder.

An author may write `<br>`, `<b>`, `<strong>`, `<i>`, `<em>`, `<sub>`, `<sup>`,
`<code>` and `<kbd>`, without attributes, and `<img src="images/x.png">`
(with `alt`, `width` and `height`) where `src` is a path, as a Markdown image's
is. Each tag is parsed by Python's HTML tokenizer and must pass nh3 (ammonia)
unchanged under these rules: a tag it would alter (an event attribute, a
`javascript:` source, `style`) is not in the subset. Everything else,
including an opening tag without its closing one, stays text, escaped as
written, so a card never gets markup its author did not see.

Tags pair within one run of inline Markdown: `<b>` in a paragraph needs its
`</b>` in the same paragraph, inside the same emphasis or link, so no output
has an unbalanced element.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache
from html.parser import HTMLParser
from typing import TYPE_CHECKING, NamedTuple

if TYPE_CHECKING:
    from markdown_it import MarkdownIt
    from markdown_it.rules_core import StateCore
    from markdown_it.token import Token

INLINE_TAGS = frozenset({"b", "strong", "i", "em", "sub", "sup", "code", "kbd"})
VOID_TAGS = frozenset({"br", "img"})
ALLOWED_TAGS = INLINE_TAGS | VOID_TAGS
IMG_ATTRIBUTES = frozenset({"src", "alt", "width", "height"})
TAG_KEY = "qx_tag"  # where a kept html_inline token carries its Tag (token.meta)
SHOWN_AS_TEXT = "qx_html_text"  # meta flag of HTML turned into text


class Tag(NamedTuple):
    """One tag of the subset as parsed: `<name attr="value">` or `</name>`."""

    name: str
    closing: bool
    attrs: tuple[tuple[str, str], ...] = ()

    def get(self, attribute: str) -> str | None:
        return next((value for name, value in self.attrs if name == attribute), None)


class _OneTag(HTMLParser):
    """What Python's HTML tokenizer makes of one tag: [(name, closing, self-closing, attrs)]."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.found: list[tuple[str, bool, bool, list[tuple[str, str | None]]]] = []
        self.other = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.found.append((tag, False, False, attrs))

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.found.append((tag, False, True, attrs))

    def handle_endtag(self, tag: str) -> None:
        self.found.append((tag, True, False, []))

    def unknown_decl(self, data: str) -> None:
        self.other = True

    def handle_data(self, data: str) -> None:
        self.other = True


@lru_cache(maxsize=1024)
def allowed_tag(raw: str) -> Tag | None:
    """The tag `raw` (one html_inline token) is, if the subset has it; None if it is text."""
    parser = _OneTag()
    parser.feed(raw)
    parser.close()
    if parser.other or len(parser.found) != 1:
        return None  # a comment, a declaration, or not one whole tag
    name, closing, self_closing, pairs = parser.found[0]
    attrs = tuple((key, value or "") for key, value in pairs)
    if name not in ALLOWED_TAGS or len({key for key, _ in attrs}) != len(attrs):
        return None  # HTML keeps the first of two same attributes: say it as written
    void = name in VOID_TAGS
    if (closing and void) or (self_closing and not void):
        return None  # `</br>`, `<b/>`: browsers read them otherwise than they look
    if attrs if name != "img" else not _local_picture(attrs):
        return None
    element = _serialised(name, attrs) + ("" if void else f"</{name}>")
    if _sanitised(element) != element:
        return None
    return Tag(name, closing, attrs)


def _local_picture(attrs: Sequence[tuple[str, str]]) -> bool:
    """Whether `<img>` with `attrs` shows a path (what a Markdown image may show)."""
    from urllib.parse import urlsplit

    found = dict(attrs)
    src = found.get("src", "")
    if not src.strip() or set(found) - IMG_ATTRIBUTES:
        return False
    parts = urlsplit(src.strip())
    return not (parts.scheme or parts.netloc or src.strip().startswith(("//", "\\\\", "/\\")))


def _serialised(name: str, attrs: Sequence[tuple[str, str]]) -> str:
    """The tag as an HTML5 serialiser writes it, which is how nh3 answers."""
    escapes = (("&", "&amp;"), ("\xa0", "&nbsp;"), ('"', "&quot;"), ("<", "&lt;"), (">", "&gt;"))
    values = []
    for key, value in attrs:
        for char, entity in escapes:
            value = value.replace(char, entity)
        values.append(f' {key}="{value}"')
    return f"<{name}{''.join(values)}>"


def _sanitised(element: str) -> str:
    import nh3

    return nh3.clean(
        element,
        tags=set(ALLOWED_TAGS),
        attributes={"img": set(IMG_ATTRIBUTES)},
        url_schemes=set(),  # no scheme at all: a picture is a file in the content folder
        link_rel=None,
        strip_comments=True,
    )


def kept_tags(tokens: Sequence[Token]) -> dict[int, Tag]:
    """The html_inline tokens of one inline run (by index) that are shown as HTML.

    A void tag stands alone; `<b>` is kept with the `</b>` that closes it
    within the same nesting (emphasis, link); tags left open by a closing
    one are text, as is a closing tag that closes nothing.
    """
    kept: dict[int, Tag] = {}
    frames: list[list[tuple[int, Tag]]] = [[]]  # open tags, one list a nesting level
    for index, token in enumerate(tokens):
        if token.nesting == 1:
            frames.append([])
        elif token.nesting == -1 and len(frames) > 1:
            frames.pop()
        if token.type != "html_inline" or (tag := allowed_tag(token.content)) is None:
            continue
        if tag.name in VOID_TAGS:
            kept[index] = tag
        elif not tag.closing:
            frames[-1].append((index, tag))
        else:
            opened = frames[-1]
            match = next(
                (n for n in range(len(opened) - 1, -1, -1) if opened[n][1].name == tag.name), None
            )
            if match is not None:
                kept[opened[match][0]] = opened[match][1]
                kept[index] = tag
                del opened[match:]
    return kept


def use(md: MarkdownIt) -> None:
    """Make `md` keep the subset's tags (meta TAG_KEY) and turn other raw HTML into text."""
    md.core.ruler.push("qx_html_subset", _mark)


def _mark(state: StateCore) -> None:
    for token in state.tokens:
        if token.type == "inline" and token.children:
            _mark_run(token.children)


def _mark_run(tokens: Sequence[Token]) -> None:
    kept = kept_tags(tokens)
    for index, token in enumerate(tokens):
        if token.type == "html_inline":
            if index in kept:
                token.meta[TAG_KEY] = kept[index]
            else:
                token.type = "text"  # every renderer escapes text: shown as written
                token.meta[SHOWN_AS_TEXT] = True
        if token.children:  # an image's alt text is a run of its own
            _mark_run(token.children)


def plain(token: Token) -> str:
    """What a kept tag reads as in plain text: a space for a break, a picture's alt text."""
    tag: Tag | None = token.meta.get(TAG_KEY)
    if tag is None or tag.closing:
        return ""
    if tag.name == "br":
        return " "
    return tag.get("alt") or "" if tag.name == "img" else ""
