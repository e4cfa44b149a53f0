"""Rendering answer Markdown, shared by every exporter.

Raw HTML in the content is escaped, never passed through, and links with
unsafe schemes (`javascript:`, `data:` ...) are not made into links. Code
blocks are highlighted by Pygments into CSS classes (`.highlight .k` ...);
the colours come from the theme's stylesheet, so the same HTML reads well
in day and night mode.
"""

from __future__ import annotations

from functools import lru_cache
from html import escape
from typing import Protocol

from markdown_it import MarkdownIt
from pygments import highlight
from pygments.formatters import HtmlFormatter
from pygments.lexer import Lexer
from pygments.lexers import get_lexer_by_name
from pygments.util import ClassNotFound

from qexport.codeblocks import language_of

CODE_CSS_CLASS = "highlight"


class Renderer(Protocol):
    """Turns a piece of Markdown into one output format."""

    def render(self, markdown: str) -> str: ...


@lru_cache(maxsize=64)
def _lexer(language: str) -> Lexer | None:
    if not language:
        return None
    try:
        return get_lexer_by_name(language, stripnl=False, ensurenl=False)
    except ClassNotFound:
        return None


_FORMATTER = HtmlFormatter(nowrap=True)


@lru_cache(maxsize=4096)
def highlight_code(code: str, info: str) -> str:
    """`code` as `<pre>` HTML with Pygments token classes (pure, so cached)."""
    language = language_of(info)
    lexer = _lexer(language)
    body = escape(code, quote=False) if lexer is None else highlight(code, lexer, _FORMATTER)
    css_language = f" language-{escape(language)}" if language else ""
    return f'<pre class="{CODE_CSS_CLASS}{css_language}"><code>{body}</code></pre>\n'


def _highlight(code: str, language: str, _attrs: str) -> str:
    return highlight_code(code, language)


def _markdown() -> MarkdownIt:
    # html=False: raw HTML in the content is shown as text, never interpreted.
    md = MarkdownIt("commonmark", {"html": False, "highlight": _highlight})
    return md


class HtmlRenderer:
    """Markdown to HTML fragments, for cards and previews."""

    def __init__(self) -> None:
        self._md = _markdown()

    def render(self, markdown: str) -> str:
        return str(self._md.render(markdown))

    def render_inline(self, markdown: str) -> str:
        """One line of Markdown (a question) without the wrapping `<p>`."""
        return str(self._md.renderInline(markdown))


_DEFAULT = HtmlRenderer()


def render_html(markdown: str) -> str:
    return _DEFAULT.render(markdown)


def render_inline_html(markdown: str) -> str:
    return _DEFAULT.render_inline(markdown)
