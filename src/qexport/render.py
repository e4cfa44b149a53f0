"""Rendering answer Markdown, shared by every exporter.

Raw HTML in the content is escaped, never passed through, and links with
unsafe schemes (`javascript:`, `data:` ...) are not made into links. Code
blocks are highlighted by Pygments into CSS classes (`.highlight .k` ...);
the colours come from the theme's stylesheet, so the same HTML reads well
in day and night mode.

Anki gives meaning to some text in a field: `[sound:x.mp3]` plays a file
from the learner's media folder, `[anki:tts]`, `[latex]` and `[$]` are
read by its backend, and MathJax typesets `\\(...\\)` and `\\[...\\]`. The
HTML made here shows all of them as the text that was written
(`defuse_anki_markup`).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from functools import lru_cache
from html import escape

from markdown_it import MarkdownIt
from markdown_it.renderer import RendererHTML
from markdown_it.token import Token
from markdown_it.utils import EnvType, OptionsDict
from pygments import highlight
from pygments.formatters import HtmlFormatter
from pygments.lexer import Lexer
from pygments.lexers import get_lexer_by_name
from pygments.util import ClassNotFound

from qexport.codeblocks import language_of

CODE_CSS_CLASS = "highlight"


@lru_cache(maxsize=64)
def lexer_for(language: str) -> Lexer | None:
    """The Pygments lexer for `language`, or None; looking one up costs ~1 ms, so once."""
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
    lexer = lexer_for(language)
    body = escape(code, quote=False) if lexer is None else highlight(code, lexer, _FORMATTER)
    css_language = f" language-{escape(language)}" if language else ""
    return f'<pre class="{CODE_CSS_CLASS}{css_language}"><code>{body}</code></pre>\n'


def _highlight(code: str, language: str, _attrs: str) -> str:
    return highlight_code(code, language)


def markdown_parser(highlight: Callable[[str, str, str], str] | None = None) -> MarkdownIt:
    """The one Markdown dialect every output renders: CommonMark, raw HTML off.

    html=False shows raw HTML in the content as text; it is never interpreted.
    """
    return MarkdownIt("commonmark", {"html": False, "highlight": highlight})


class HtmlRenderer:
    """Markdown to HTML fragments, for cards and previews.

    `image_src` maps each image's path as written to the URL to put in the
    HTML, e.g. to the bare file name Anki's flat media folder uses.
    """

    def __init__(self, image_src: Callable[[str], str] | None = None) -> None:
        self._md = markdown_parser(highlight=_highlight)
        if image_src is not None:
            renderer = self._md.renderer
            assert isinstance(renderer, RendererHTML)
            default_image = renderer.rules["image"]

            def image(
                _renderer: RendererHTML,
                tokens: Sequence[Token],
                idx: int,
                options: OptionsDict,
                env: EnvType,
            ) -> str:
                token = tokens[idx]
                token.attrSet("src", image_src(str(token.attrGet("src") or "")))
                return str(default_image(tokens, idx, options, env))

            self._md.add_render_rule("image", image)

    def render(self, markdown: str) -> str:
        return defuse_anki_markup(str(self._md.render(markdown)))

    def render_inline(self, markdown: str) -> str:
        """One line of Markdown (a question) without the wrapping `<p>`."""
        return defuse_anki_markup(str(self._md.renderInline(markdown)))


# Anki's backend finds its tags in the field's HTML source with regular
# expressions that start at a literal `[`; written as &#91; it shows the same
# and matches none of them (the LaTeX one ignores case, so all do here).
_ANKI_TAG = re.compile(r"\[(?=sound:|/?anki:|/?latex\]|/?\$)", re.IGNORECASE)
# MathJax reads the page's text, where entities are already decoded, but it
# never matches a delimiter across an element: an empty <span> splits `\(`.
_MATHJAX_DELIMITER = re.compile(r"\\(?=[()\[\]])")
_TAG = re.compile(r"(<[^>]*>)")  # markdown-it and Pygments escape < and > in text and values


def may_hold_anki_markup(markdown: str) -> bool:
    """Whether `markdown` may render to text that `defuse_anki_markup` changes."""
    return bool(_ANKI_TAG.search(markdown) or _MATHJAX_DELIMITER.search(markdown))


def defuse_anki_markup(html: str) -> str:
    """`html` that Anki shows as written: no sound, speech, LaTeX or MathJax from text."""
    if "[" not in html and "\\" not in html:
        return html  # the common case
    parts = _TAG.split(html)
    for index in range(0, len(parts), 2):  # text between tags; odd indexes are tags
        parts[index] = _MATHJAX_DELIMITER.sub(r"\\<span></span>", parts[index])
    return _ANKI_TAG.sub("&#91;", "".join(parts))


@lru_cache(maxsize=1)
def shared_parser() -> MarkdownIt:
    """One parser for everyone who only parses: building one costs ~80 µs.

    Callers must not change it (no rules, no options); HtmlRenderer builds its own.
    """
    return markdown_parser()


def render_plain(markdown: str) -> str:
    """One line of inline Markdown as plain text (for outlines, contents, CSV)."""
    tokens = shared_parser().parseInline(markdown)
    parts = [
        " " if child.type == "softbreak" else child.content
        for token in tokens
        for child in token.children or []
        if child.type in ("text", "code_inline", "image", "softbreak")
    ]
    return " ".join("".join(parts).split())
