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
# Languages whose layout is their meaning (drawings, tables of output): these scroll
# sideways, with a cue, where every other block wraps its long lines.
KEEP_LAYOUT = frozenset({"", "text", "txt", "plain", "output"})
WRAP_CLASS = "wrap"
KEY_CLASS = "qx-key"
# Inline, for note types without qexport's stylesheet (Anki's Basic centres text).
PRE_STYLE = "text-align: left; overflow-x: auto"


@lru_cache(maxsize=4096)
def highlight_code(code: str, info: str) -> str:
    """`code` as `<pre>` HTML with Pygments token classes (pure, so cached).

    Each line is a span that knows its indentation (`--i`), so a stylesheet can
    wrap a long line with a hanging indent; without one the spans change nothing.
    The inline styles keep indentation where a note type centres text, and a long
    line inside the screen (Anki's Basic, for the CSV imported without qexport's
    note type).
    """
    language = language_of(info)
    lexer = lexer_for(language)
    body = escape(code, quote=False) if lexer is None else highlight(code, lexer, _FORMATTER)
    classes = [CODE_CSS_CLASS]
    if language:
        classes.append(f"language-{escape(language)}")
    if language not in KEEP_LAYOUT:
        classes.append(WRAP_CLASS)
    lines = _line_spans(body, code.split("\n"))
    return f'<pre class="{" ".join(classes)}" style="{PRE_STYLE}"><code>{lines}</code></pre>\n'


def _line_spans(body: str, raw_lines: Sequence[str]) -> str:
    """Each line of highlighted `body` in a span, its newline inside: Pygments closes
    its own spans at every line's end, so each span holds whole tags."""
    html_lines = body.split("\n")
    ends_with_newline = html_lines[-1] == ""
    if ends_with_newline:
        html_lines.pop()
    spans = []
    for n, html in enumerate(html_lines):
        raw = raw_lines[n] if n < len(raw_lines) else ""
        indent = len(raw) - len(raw.lstrip(" "))
        style = f' style="--i: {indent}"' if indent else ""
        newline = "\n" if n < len(html_lines) - 1 or ends_with_newline else ""
        spans.append(f'<span class="ln"{style}>{html}{newline}</span>')
    return "".join(spans)


def _highlight(code: str, language: str, _attrs: str) -> str:
    return highlight_code(code, language)


# GitHub's tables and strikethrough (`~~x~~`, as <s>); every output renders both.
GFM_RULES = ("table", "strikethrough")


def markdown_parser(
    highlight: Callable[[str, str, str], str] | None = None, *, html: bool = False
) -> MarkdownIt:
    """The one Markdown dialect every output renders: CommonMark, GFM_RULES, raw HTML off.

    html=False shows raw HTML in the content as text; it is never interpreted.
    html=True only finds that raw HTML, for validate's warnings; nothing renders with it.
    """
    options = {"html": html, "highlight": highlight}
    return MarkdownIt("commonmark", options).enable(list(GFM_RULES))


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

    def render_answer(self, key: str, details: str) -> str:
        """The key answer, set apart, then the details: how every HTML output shows an answer.

        The key's inline style makes it stand out where no qexport stylesheet applies.
        """
        if not key:
            return self.render(details)
        lead = (
            f'<div class="{KEY_CLASS}" style="font-weight: 600">{self.render_inline(key)}</div>\n'
        )
        return lead + self.render(details)


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
