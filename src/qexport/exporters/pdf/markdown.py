"""Answer Markdown as reportlab flowables, from markdown-it-py tokens.

Every piece of user text is escaped before it becomes reportlab markup, so
`List<int>` prints as written and can never inject a tag.

A paragraph is laid out again on every page it reaches, whole, so a huge one
would cost time quadratic in its length: one longer than PIECE characters of
markup is set as several paragraphs that follow on without a gap.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from functools import lru_cache
from html import escape
from pathlib import Path

from markdown_it.tree import SyntaxTreeNode
from reportlab.lib.styles import ParagraphStyle
from reportlab.platypus import Flowable, Image, Spacer

from qexport.codeblocks import language_of
from qexport.exporters.pdf.bounds import LeastPara, Nothing
from qexport.exporters.pdf.code_flowable import CodeFlowable, highlighted_lines
from qexport.exporters.pdf.flowables import Indented, Para
from qexport.exporters.pdf.styles import Styles
from qexport.exporters.pdf.tables import Alignment, GridTable, alignment
from qexport.fonts import printable
from qexport.html_subset import TAG_KEY, Tag
from qexport.model import Question
from qexport.render import html_src, shared_parser

SAFE_SCHEMES = ("http://", "https://", "mailto:")
PIECE = 4_000  # characters of markup; the longest paragraph of the bundled bank has 1,450
CODE_SHARE = 0.9  # inline code's size, as a share of the text around it


def _text(value: str) -> str:
    return escape(value, quote=False)


@lru_cache(maxsize=16)
def _tree(markdown: str) -> SyntaxTreeNode:
    # Cards render one answer at several scales in a row; rendering only reads the tree.
    return SyntaxTreeNode(shared_parser().parse(markdown))


@lru_cache(maxsize=2048)
def _inline_tree(markdown: str) -> SyntaxTreeNode:
    # A question or key answer is set at several scales, and in the contents and its heading
    # (a booklet sets every contents entry first: a thousand questions are met again).
    return SyntaxTreeNode(shared_parser().parseInline(markdown))


class FlowableRenderer:
    """Renders Markdown to flowables at one set of styles."""

    def __init__(
        self,
        styles: Styles,
        image_path: Callable[[str], Path] | None = None,
        frame_height: float = 0.0,
        least: bool = False,
    ) -> None:
        """`frame_height`: the height of the layout's text frame, which sizes images.

        `least`: every paragraph as the fewest lines it could take (`LeastPara`), and
        pictures and tables as nothing: a floor under the answer's height, found
        without breaking a line.
        """
        self.styles = styles
        self.image_path = image_path
        self.frame_height = frame_height
        self.least = least
        self.para: Callable[..., Flowable] = LeastPara if least else Para
        self._code = (styles.code_font.regular, styles.size * CODE_SHARE)  # face, size
        self._cell_styles: dict[tuple[bool, Alignment], ParagraphStyle] = {}  # (header, alignment)

    def render(self, markdown: str) -> list[Flowable]:
        return list(self.blocks(markdown))

    def blocks(self, markdown: str) -> Iterator[Flowable]:
        """The flowables of `render`, made as they are asked for: a card that is full
        after a few blocks never sets the rest."""
        for node in _tree(markdown).children:
            yield from self._block(node, depth=0)

    def paragraphs(
        self, markup: str, style: ParagraphStyle, bullet: str | None = None
    ) -> list[Flowable]:
        """`markup` as paragraphs (`paragraphs`), or their floors when `least`."""
        return paragraphs(markup, style, bullet, self.para)

    def numbered_question(self, question: Question) -> str:
        """The question as paragraph markup, after its number in the accent colour."""
        accent = self.styles.theme.palette["accent"]
        number = f'<font color="{accent}">{question.number}.</font>'
        return f"{number} {self.inline(question.question)}"

    def inline(self, markdown: str, style: ParagraphStyle | None = None) -> str:
        """One line of Markdown (a question) as markup for `style`, the question's by default."""
        return self._styled(_inline_tree(markdown), style or self.styles.question)

    def _styled(self, node: SyntaxTreeNode, style: ParagraphStyle) -> str:
        """`node`'s inline children as markup for a paragraph in `style`.

        Code keeps the same share of the line's size as in the body, bold in a
        bold line: a heading's code does not shrink out of the heading.
        """
        code = self.styles.code_font
        face = code.bold if style.fontName == self.styles.body_font.bold else code.regular
        previous, self._code = self._code, (face, style.fontSize * CODE_SHARE)
        try:
            return self._inline_children(node)
        finally:
            self._code = previous

    # Blocks ---------------------------------------------------------------
    def _block(self, node: SyntaxTreeNode, depth: int) -> list[Flowable]:
        styles = self.styles
        if node.type == "paragraph":
            return self._paragraph(node, styles.body)
        if node.type in ("fence", "code_block"):
            language = language_of(node.info) if node.type == "fence" else ""
            code = printable(node.content)  # drawn glyph by glyph: no font draws these
            return [CodeFlowable(highlighted_lines(code, language, styles), styles)]
        if node.type in ("bullet_list", "ordered_list"):
            return self._list(node, depth + 1)
        if node.type == "heading":  # inside an answer: below the question's own heading
            return [
                *self.paragraphs(self._styled(node, styles.answer_heading), styles.answer_heading),
                *self._images(node),
            ]
        if node.type == "blockquote":
            return self._quote(node, depth)
        if node.type == "hr":
            return [Spacer(1, styles.size)]
        if node.type == "table":
            return [Nothing() if self.least else self._table(node)]
        return self.paragraphs(_text(node.content), styles.body) if node.content else []

    def _paragraph(self, node: SyntaxTreeNode, style: ParagraphStyle) -> list[Flowable]:
        images = self._images(node)
        if images and _pictures_only(node):
            return images  # a picture on its own: its alt text is for screen readers
        return [*self.paragraphs(self._inline_children(node), style), *images]

    def _table(self, node: SyntaxTreeNode) -> GridTable:
        """A GFM table: its header row in bold, each column aligned as its `:--:` row says."""
        rows = [row for part in node.children for row in part.children]  # thead, tbody
        cells = [[self._cell(cell) for cell in row.children] for row in rows]
        return GridTable(cells, self.styles)

    def _cell(self, cell: SyntaxTreeNode) -> list[Flowable]:
        """A cell's text (code in it bold in the header, as the text), then any picture in it."""
        header, align = cell.type == "th", alignment(str(cell.attrs.get("style", "")))
        style = self._cell_styles.get((header, align))
        if style is None:
            font = self.styles.body_font
            style = self._cell_styles[header, align] = ParagraphStyle(
                f"qx-cell-{'head' if header else 'body'}-{align}",
                parent=self.styles.body,
                fontName=font.bold if header else font.regular,
                alignment=align,
                spaceBefore=0,
                spaceAfter=0,
            )
        images = self._images(cell)
        if images and _pictures_only(cell):
            return images
        return [*self.paragraphs(self._styled(cell, style), style), *images]

    def _quote(self, node: SyntaxTreeNode, depth: int) -> list[Flowable]:
        """Every block of a quote, indented; its paragraphs in the quote's type."""
        inner: list[Flowable] = []
        for child in node.children:
            if child.type == "paragraph":
                inner.extend(self._paragraph(child, self.styles.quote_text))
            else:
                inner.extend(self._block(child, depth))
        return [Indented.by(flowable, self.styles.quote_indent) for flowable in inner]

    def _list(self, node: SyntaxTreeNode, depth: int) -> list[Flowable]:
        """Every item's blocks: its text after the bullet, every other block under that text.

        A nested list keeps its own indent; any other block is laid out as at
        the top (a list in it counts from there) and set in by the item's indent.
        An item that starts with such a block has its bullet on a line of its own.
        """
        ordered = node.type == "ordered_list"
        start = int(str(node.attrs.get("start", 1))) if ordered else 1
        style = self.styles.list_item(depth)
        flowables: list[Flowable] = []
        for number, item in enumerate(node.children, start):
            bullet: str | None = f"{number}." if ordered else "•"
            for child in item.children:
                under: list[Flowable] = []  # set under the item's text
                if child.type == "paragraph":
                    under = self._images(child)
                    # A picture on its own: the bullet on a line of its own, then the picture.
                    alone = under and _pictures_only(child)
                    if not alone or bullet is not None:
                        text = "&nbsp;" if alone else self._inline_children(child)
                        flowables.extend(self.paragraphs(text, style, bullet))
                else:
                    if bullet is not None:
                        flowables.extend(self.paragraphs("&nbsp;", style, bullet))
                    if child.type in ("bullet_list", "ordered_list"):
                        flowables.extend(self._list(child, depth + 1))
                    else:
                        under = self._block(child, depth=0)
                bullet = None
                flowables.extend(Indented.by(block, style.leftIndent) for block in under)
        return flowables

    def _images(self, node: SyntaxTreeNode) -> list[Flowable]:
        """Every picture `node` shows (Markdown's and the HTML subset's), sized to print."""
        from qexport.exporters.pdf.images import FitImage, print_source

        pictures = [child for child in node.walk() if _picture(child) is not None]
        if self.least:  # as many as there are, for the same blocks around them
            return [Nothing() for _ in pictures]
        if self.image_path is None:
            return []
        images: list[Flowable] = []
        for child in pictures:
            src, width, height = _picture(child) or ("", None, None)
            path = self.image_path(src)
            image = Image(print_source(path))  # turned upright, in 8 bits
            image.hAlign = "LEFT"
            room = (self.frame_height, self.styles.body.leading)
            images.append(FitImage(image, path, (width, height), room))
        return images

    # Inline ---------------------------------------------------------------
    def _inline_children(self, node: SyntaxTreeNode) -> str:
        return "".join(self._inline(child) for child in node.children)

    def _inline(self, node: SyntaxTreeNode) -> str:
        styles = self.styles
        kind = node.type
        if kind == "inline":
            return self._inline_children(node)
        if kind == "text":
            return _text(node.content)
        if kind == "code_inline":
            return f"{self._code_font()}{_text(node.content)}</font>"
        if kind == "strong":
            return f"<b>{self._inline_children(node)}</b>"
        if kind == "em":
            return f"<i>{self._inline_children(node)}</i>"
        if kind == "s":  # ~~struck~~
            return f"<strike>{self._inline_children(node)}</strike>"
        if kind == "link":
            href = str(node.attrs.get("href", ""))
            inner = self._inline_children(node)
            if not href.startswith(SAFE_SCHEMES):
                return inner
            color = styles.theme.palette["accent"]
            return f'<a href="{escape(href)}" color="{color}">{inner}</a>'
        if kind == "image":
            return _text(str(node.attrs.get("alt", "") or node.content))
        if kind == "softbreak":
            return " "
        if kind == "hardbreak":
            return "<br/>"
        if kind == "html_inline":  # only the subset's tags: any other HTML is text
            return self._html_tag(node.meta.get(TAG_KEY))
        return _text(node.content)

    def _html_tag(self, tag: Tag | None) -> str:
        """A tag of the HTML subset as paragraph markup; a picture prints below, as its alt."""
        if tag is None:
            return ""
        if tag.name == "img":
            return "" if tag.closing else _text(tag.get("alt") or "")
        if tag.name == "br":
            return "<br/>"
        if tag.name in ("code", "kbd"):
            return "</font>" if tag.closing else self._code_font()
        name = _PARA_TAGS[tag.name]
        return f"</{name}>" if tag.closing else f"<{name}>"

    def _code_font(self) -> str:
        """The opening `<font>` of inline code, at this line's size."""
        palette = self.styles.theme.palette
        face, size = self._code
        shade = ""  # the page's own colour needs no drawing
        if palette["code_background"] != palette["background"]:
            shade = f' backColor="{palette["code_background"]}"'
        return f'<font face="{face}" size="{size:.2f}"{shade}>'


# The HTML subset's inline tags in reportlab's paragraph markup.
_PARA_TAGS = {"b": "b", "strong": "b", "i": "i", "em": "i", "sub": "sub", "sup": "super"}


def _picture(node: SyntaxTreeNode) -> tuple[str, str | None, str | None] | None:
    """(src, width, height) of a Markdown image or the subset's `<img>`; None for others."""
    if node.type == "image":
        width = node.attrs.get("width")
        return str(node.attrs.get("src", "")), None if width is None else str(width), None
    tag = node.meta.get(TAG_KEY) if node.type == "html_inline" else None
    if tag is None or tag.name != "img":
        return None
    return html_src(tag.get("src")), tag.get("width"), tag.get("height")


def _pictures_only(paragraph: SyntaxTreeNode) -> bool:
    """Whether `paragraph` holds nothing but images (and the spaces between them)."""
    return all(
        _picture(child) is not None
        or (child.type in ("text", "softbreak") and not child.content.strip())
        or getattr(child.meta.get(TAG_KEY), "name", "") == "br"
        for inline in paragraph.children
        for child in inline.children
    )


_MARKUP = re.compile(r"(<[^>]*>|&[^;<&\s]*;)")  # a tag or an entity; text between
_TAG_NAME = re.compile(r"<(\w+)")


def paragraphs(
    markup: str,
    style: ParagraphStyle,
    bullet: str | None = None,
    make: Callable[..., Flowable] = Para,
) -> list[Flowable]:
    """`markup` as one paragraph, or as several following on if it is longer than PIECE;
    each made by `make` (a Para)."""
    pieces = split_markup(markup, PIECE)
    if len(pieces) == 1:
        return [make(markup, style, bulletText=bullet)]
    first = ParagraphStyle(f"{style.name}-first", parent=style, spaceAfter=0)
    middle = ParagraphStyle(f"{style.name}-middle", parent=first, spaceBefore=0)
    last = ParagraphStyle(f"{style.name}-last", parent=style, spaceBefore=0)
    styles = [first, *[middle] * (len(pieces) - 2), last]
    return [
        make(piece, piece_style, bulletText=bullet if index == 0 else None)
        for index, (piece, piece_style) in enumerate(zip(pieces, styles, strict=True))
    ]


def split_markup(markup: str, size: int) -> list[str]:
    """`markup` cut into pieces of about `size` characters, each with its tags balanced.

    Cuts fall in text, at a space where there is one, and never inside a tag
    or an entity; tags open at a cut are closed before it and opened again
    after it. One pass: linear in the length.
    """
    if len(markup) <= size:
        return [markup]
    pieces: list[str] = []
    current: list[str] = []
    opened: list[tuple[str, str]] = []  # (name, opening tag) still open
    length = 0

    def cut() -> int:
        pieces.append("".join(current) + "".join(f"</{name}>" for name, _ in reversed(opened)))
        current[:] = [tag for _, tag in opened]
        return sum(len(tag) for tag in current)

    for index, part in enumerate(_MARKUP.split(markup)):
        if index % 2 and part.startswith("<"):
            if part.startswith("</"):
                opened.pop()
            elif not part.endswith("/>"):
                match = _TAG_NAME.match(part)
                opened.append((match.group(1) if match else "", part))
            current.append(part)
            length += len(part)
            continue
        start = 0  # text or an entity: cut before it once the piece is full
        while len(part) - start > size - length:
            end = start + max(size - length, 0)
            space = part.rfind(" ", start, end)
            end = space + 1 if space > start else end
            current.append(part[start:end])
            start = end
            length = cut()
        current.append(part[start:])
        length += len(part) - start
    pieces.append("".join(current))
    return pieces
