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
from typing import TYPE_CHECKING, Any

from markdown_it import MarkdownIt
from markdown_it.common.utils import escapeHtml
from markdown_it.renderer import RendererHTML
from markdown_it.token import Token
from markdown_it.utils import EnvType, OptionsDict
from pygments import highlight
from pygments.formatters import HtmlFormatter
from pygments.lexer import Lexer
from pygments.lexers import get_lexer_by_name
from pygments.util import ClassNotFound

from qexport.codeblocks import language_of
from qexport.html_subset import ALLOWED_TAGS, TAG_KEY, Tag, plain

if TYPE_CHECKING:
    from qexport.lengths import Length

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


def markdown_parser(highlight: Callable[[str, str, str], str] | None = None) -> MarkdownIt:
    """The one Markdown dialect every output renders.

    CommonMark, GFM_RULES, bare URLs as links (`linkify`), `{width=…}` after an
    image, and the raw HTML of `html_subset`: inline tags only (no HTML blocks),
    each either in the subset or turned into text, shown as written.
    """
    from mdit_py_plugins.attrs import attrs_plugin

    from qexport import html_subset

    options = {"html": True, "linkify": True, "highlight": highlight}
    md = MarkdownIt("commonmark", options).enable([*GFM_RULES, "linkify"]).disable("html_block")
    md.linkify = _bare_urls()
    md.use(attrs_plugin, after=("image",), allowed=("width",))
    html_subset.use(md)
    return md


def _bare_urls() -> Any:
    """A linkify-it that links what GitHub links: `http(s)://…`, `www.…` and e-mail
    addresses, never a bare name with a dot (`main.py`, `os.path`)."""
    from linkify_it import LinkifyIt  # type: ignore[import-untyped]

    class BareUrls(LinkifyIt):  # type: ignore[misc]
        def match(self, text: str) -> list[Any] | None:
            found = [
                link
                for link in super().match(text) or []
                if link.schema or link.raw[:4].lower() == "www."
            ]
            return found or None

    schemas = dict.fromkeys(("ftp:", "//"))  # None: not recognised
    return BareUrls(schemas)


class HtmlRenderer:
    """Markdown to HTML fragments, for cards and previews.

    `image_src` maps each image's path as written to the URL to put in the
    HTML, e.g. to the bare file name Anki's flat media folder uses.
    """

    def __init__(self, image_src: Callable[[str], str] | None = None) -> None:
        self._md = markdown_parser(highlight=_highlight)
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
            width, height = (token.attrs.get(name) for name in ("width", "height"))
            src = str(token.attrGet("src") or "")
            # Only what an image needs: `{…}` may have added anything else.
            kept: dict[str, str | int | float] = {"src": image_src(src) if image_src else src}
            kept["alt"] = ""
            if "title" in token.attrs:
                kept["title"] = token.attrs["title"]
            token.attrs = kept
            style = size_style(_str_or_none(width), _str_or_none(height))
            if style:
                token.attrSet("style", style)
            return str(default_image(tokens, idx, options, env))

        def html_inline(
            _renderer: RendererHTML,
            tokens: Sequence[Token],
            idx: int,
            options: OptionsDict,
            env: EnvType,
        ) -> str:
            tag = tokens[idx].meta.get(TAG_KEY)
            if tag is None:  # not the subset's: shown as written
                return escapeHtml(tokens[idx].content)
            if tag.name == "img":
                return image(_renderer, [html_image(tag)], 0, options, env)
            if tag.name == "br":
                return "<br />"
            return f"</{tag.name}>" if tag.closing else f"<{tag.name}>"

        self._md.add_render_rule("image", image)
        self._md.add_render_rule("html_inline", html_inline)

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


def html_image(tag: Tag) -> Token:
    """The subset's `<img>` as a Markdown image's token: one path for both."""
    attrs: dict[str, str | int | float] = {"src": html_src(tag.get("src")), "alt": ""}
    for name in ("width", "height"):
        if (value := tag.get(name)) is not None:
            attrs[name] = value
    token = Token("image", "img", 0, attrs=attrs)
    token.children = [Token("text", "", 0, content=tag.get("alt") or "")]
    return token


def html_src(src: str | None) -> str:
    """An `<img>`'s src as a Markdown image's is stored: percent-encoded, as markdown-it does."""
    return str(shared_parser().normalizeLink(src or ""))


def size_style(width: str | None, height: str | None) -> str:
    """The inline style that sizes an image as written, never wider than the screen."""
    from qexport.lengths import image_lengths

    wide, high = image_lengths(width, height)
    if wide is not None:
        return f"width: {_css(wide)}; max-width: 100%; height: auto"
    if high is not None:
        return f"height: {_css(high)}; max-width: 100%; width: auto; object-fit: contain"
    return ""


def _str_or_none(value: object) -> str | None:
    return None if value is None else str(value)


def _css(length: Length) -> str:
    return f"{length.value:g}{length.unit}"


# Anki's backend finds its tags in the field's HTML source with regular
# expressions that start at a literal `[`; written as &#91; it shows the same
# and matches none of them (the LaTeX one ignores case, so all do here).
_ANKI_TAG = re.compile(r"\[(?=sound:|/?anki:|/?latex\]|/?\$)", re.IGNORECASE)
# MathJax reads the page's text, where entities are already decoded, but it
# never matches a delimiter across an element: an empty <span> splits `\(`.
_MATHJAX_DELIMITER = re.compile(r"\\(?=[()\[\]])")
_TAG = re.compile(r"(<[^>]*>)")  # markdown-it and Pygments escape < and > in text and values


# What may render differently since raw HTML, bare URLs and image sizes came in: a tag of
# the subset, a URL or e-mail address, or attributes after an image. Run on every build's
# lock hashes, so it matches only those, not any `<` or `@` (`<class 'int'>`, `@property`).
_NEWER_MARKUP = re.compile(
    rf"</?(?:{'|'.join(sorted(ALLOWED_TAGS))})\b|https?://|www\.|\S@\S*\.|[)\]]\{{",
    re.IGNORECASE,  # as HTML and linkify read them: `<B>`, `HTTPS://`
)


def holds_newer_markup(markdown: str) -> bool:
    """Whether `markdown` renders otherwise than before the HTML subset, bare URLs as links
    and image sizes: it holds a kept tag, a bare URL made a link, or an image's size."""
    if not _NEWER_MARKUP.search(markdown):
        return False  # the common case: no parse
    for token in shared_parser().parse(markdown):
        for child in token.children or []:
            if child.type == "html_inline" and TAG_KEY in child.meta:
                return True
            if child.type == "link_open" and child.markup == "linkify":
                return True
            if child.type == "image" and "width" in child.attrs:
                return True
    return False


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
        " "
        if child.type in ("softbreak", "hardbreak")
        else plain(child)
        if child.type == "html_inline"
        else child.content
        for token in tokens
        for child in token.children or []
        if child.type in ("text", "code_inline", "image", "softbreak", "hardbreak", "html_inline")
    ]
    return " ".join("".join(parts).split())
