"""Answer Markdown as reportlab flowables, from markdown-it-py tokens.

Every piece of user text is escaped before it becomes reportlab markup, so
`List<int>` prints as written and can never inject a tag.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import lru_cache
from html import escape
from pathlib import Path

from markdown_it.tree import SyntaxTreeNode
from reportlab.platypus import Flowable, Image, Spacer

from qexport.codeblocks import language_of
from qexport.exporters.pdf_code import CodeBlock, highlighted_lines
from qexport.exporters.pdf_pages import Para
from qexport.exporters.pdf_styles import Styles
from qexport.model import Question
from qexport.render import shared_parser

SAFE_SCHEMES = ("http://", "https://", "mailto:")


def _text(value: str) -> str:
    return escape(value, quote=False)


@lru_cache(maxsize=16)
def _tree(markdown: str) -> SyntaxTreeNode:
    # Cards render one answer at several scales in a row; rendering only reads the tree.
    return SyntaxTreeNode(shared_parser().parse(markdown))


class FlowableRenderer:
    """Renders Markdown to flowables at one set of styles."""

    def __init__(self, styles: Styles, image_path: Callable[[str], Path] | None = None) -> None:
        self.styles = styles
        self.image_path = image_path
        self._md = shared_parser()  # shared: cards make a renderer for every scale they try

    def render(self, markdown: str) -> list[Flowable]:
        flowables: list[Flowable] = []
        for node in _tree(markdown).children:
            flowables.extend(self._block(node, depth=0))
        return flowables

    def numbered_question(self, question: Question) -> str:
        """The question as paragraph markup, after its number in the accent colour."""
        accent = self.styles.theme.palette["accent"]
        number = f'<font color="{accent}">{question.number}.</font>'
        return f"{number} {self.inline(question.question)}"

    def inline(self, markdown: str) -> str:
        """One line of Markdown (a question) as paragraph markup."""
        tree = SyntaxTreeNode(self._md.parseInline(markdown))
        return "".join(self._inline(node) for node in tree.children)

    # Blocks ---------------------------------------------------------------
    def _block(self, node: SyntaxTreeNode, depth: int) -> list[Flowable]:
        styles = self.styles
        if node.type == "paragraph":
            images = self._images(node)
            if images and all(
                child.type == "image" or (child.type == "text" and not child.content.strip())
                for inline in node.children
                for child in inline.children
            ):
                return images  # a picture on its own: its alt text is for screen readers
            return [Para(self._inline_children(node), styles.body), *images]
        if node.type in ("fence", "code_block"):
            language = language_of(node.info) if node.type == "fence" else ""
            return [CodeBlock(highlighted_lines(node.content, language, styles), styles)]
        if node.type in ("bullet_list", "ordered_list"):
            return self._list(node, depth + 1)
        if node.type == "heading":
            return [Para(self._inline_children(node), styles.subsection)]
        if node.type == "blockquote":
            return [
                Para(self._inline_children(child), styles.quote())
                for child in node.children
                if child.type == "paragraph"
            ]
        if node.type == "hr":
            return [Spacer(1, styles.size)]
        return [Para(_text(node.content), styles.body)] if node.content else []

    def _list(self, node: SyntaxTreeNode, depth: int) -> list[Flowable]:
        ordered = node.type == "ordered_list"
        start = int(str(node.attrs.get("start", 1))) if ordered else 1
        flowables: list[Flowable] = []
        for number, item in enumerate(node.children, start):
            bullet = f"{number}." if ordered else "•"
            first = True
            for child in item.children:
                if child.type == "paragraph":
                    style = self.styles.list_item(depth)
                    text = self._inline_children(child)
                    flowables.append(Para(text, style, bulletText=bullet if first else None))
                    flowables.extend(self._images(child))
                    first = False
                else:
                    flowables.extend(self._block(child, depth))
        return flowables

    def _images(self, node: SyntaxTreeNode) -> list[Flowable]:
        if self.image_path is None:
            return []
        images: list[Flowable] = []
        for child in node.walk():
            if child.type == "image":
                path = self.image_path(str(child.attrs.get("src", "")))
                image = Image(str(path))
                image.hAlign = "LEFT"
                images.append(_FitImage(image))
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
            background = styles.theme.palette["code_background"]
            return (
                f'<font face="{styles.code_font.regular}" size="{styles.size * 0.9:.2f}" '
                f'backColor="{background}">{_text(node.content)}</font>'
            )
        if kind == "strong":
            return f"<b>{self._inline_children(node)}</b>"
        if kind == "em":
            return f"<i>{self._inline_children(node)}</i>"
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
        return _text(node.content)


class _FitImage(Flowable):
    """An image scaled down to the frame (never up), keeping its proportions."""

    def __init__(self, image: Image) -> None:
        super().__init__()
        self.image = image

    def wrap(self, avail_width: float, avail_height: float) -> tuple[float, float]:
        width, height = self.image.imageWidth, self.image.imageHeight
        scale = min(1.0, avail_width / width, (avail_height * 0.9) / height)
        self.image.drawWidth, self.image.drawHeight = width * scale, height * scale
        self.width, self.height = self.image.drawWidth, self.image.drawHeight
        return self.width, self.height

    def draw(self) -> None:
        self.image.drawOn(self.canv, 0, 0)
