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
from collections.abc import Callable, Mapping, Sequence
from functools import lru_cache
from html import escape
from pathlib import Path
from typing import Any, Protocol, TypeVar

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
from qexport.errors import ContentError

CODE_CSS_CLASS = "highlight"
Output_co = TypeVar("Output_co", covariant=True)


class Renderer(Protocol[Output_co]):
    """Turns a piece of Markdown into one output format (HTML text, PDF flowables...)."""

    def render(self, markdown: str) -> Output_co: ...


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


_DEFAULT = HtmlRenderer()


def render_html(markdown: str) -> str:
    return _DEFAULT.render(markdown)


def render_inline_html(markdown: str) -> str:
    return _DEFAULT.render_inline(markdown)


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


# Reference definitions -----------------------------------------------------
# `[text][label]` and `![alt][label]` resolve against `[label]: target`
# anywhere in the file, but every output renders one answer, or one question
# line, alone. The loader makes each self-contained with these.

References = Mapping[str, Mapping[str, Any]]  # markdown-it's env["references"], by label
_PUNCTUATION = re.compile(r"([!-/:-@\[-`{-~])")  # ASCII punctuation: backslash-escapable


class _Lookups(dict[str, Any]):
    """A reference table that records which labels the inline rules find.

    markdown-it's link and image rules look a label up with `get`; a rule
    wrapped by `_recording` pushes a frame, so its own lookup is told from
    that of a link nested in its text.
    """

    def __init__(self, references: References, source: str = "") -> None:
        super().__init__(references)
        self.references, self.source = references, source
        self.used: dict[str, None] = {}
        self.frames: list[list[Mapping[str, Any]]] = []
        self.spans: list[tuple[int, int, int, int, bool, Mapping[str, Any]]] = []

    def get(self, label: str, default: Any = None) -> Any:
        found = super().get(label, default)
        if found is not None:
            self.used[label] = None
            if self.frames and not self.frames[-1]:
                self.frames[-1].append(found)
        return found


def labels_used(markdown: str, references: References) -> list[str]:
    """The labels of `references` that `markdown`'s links and images use, parsed as rendered."""
    if "[" not in markdown or not references:
        return []
    lookups = _Lookups(references)  # first: a later definition in `markdown` does not win
    shared_parser().parse(markdown, {"references": lookups})
    return list(lookups.used)


def definitions(labels: Sequence[str], references: References) -> str:
    """Reference definition lines for `labels`, which resolve as `references` do."""
    return "\n".join(
        f"[{label}]: {_destination(references[label])}{_title(references[label])}"
        for label in labels
    )


def with_inline_links(line: str, references: References) -> str:
    """`line` (inline Markdown) with its reference links and images written inline."""
    if "[" not in line or not references:
        return line
    lookups = _Lookups(references, line)
    _recording_parser().parseInline(line, {"references": lookups})
    return _rewritten(lookups, sorted(lookups.spans), 0, len(line)) if lookups.spans else line


def _rewritten(lookups: _Lookups, spans: Sequence[tuple[Any, ...]], start: int, end: int) -> str:
    line, parts, position = lookups.source, [], start
    for first, text_start, text_end, last, image, ref in spans:
        if first < position or last > end:
            continue  # inside a span already written, or outside this one
        if image:  # markdown-it parses an image's text apart: so must this
            text = with_inline_links(line[text_start:text_end], lookups.references)
        else:
            inner = [span for span in spans if text_start <= span[0] and span[3] <= text_end]
            text = _rewritten(lookups, inner, text_start, text_end)
        opener = "![" if image else "["
        parts += [line[position:first], f"{opener}{text}]({_destination(ref)}{_title(ref)})"]
        position = last
    return "".join([*parts, line[position:end]])


def _destination(ref: Mapping[str, Any]) -> str:
    # markdown-it stores the target percent-encoded; `<>` and entities must not change it.
    return "<" + re.sub(r"([\\<>&])", r"\\\1", str(ref["href"])) + ">"


def _title(ref: Mapping[str, Any]) -> str:
    title = " ".join(str(ref.get("title") or "").split("\n"))
    return ' "' + _PUNCTUATION.sub(r"\\\1", title) + '"' if title else ""


@lru_cache(maxsize=1)
def _recording_parser() -> MarkdownIt:
    """The renderers' parser, whose link and image rules record the references they resolve."""
    from markdown_it.rules_inline import image, link

    md = markdown_parser()
    md.inline.ruler.at("link", _recording(link, image=False))
    md.inline.ruler.at("image", _recording(image, image=True))
    return md


def _recording(rule: Callable[[Any, bool], bool], image: bool) -> Callable[[Any, bool], bool]:
    def recorded(state: Any, silent: bool) -> bool:
        lookups = state.env["references"]
        start, frame = state.pos, list[Mapping[str, Any]]()
        lookups.frames.append(frame)
        try:
            found = rule(state, silent)
        finally:
            lookups.frames.pop()
        if found and frame and not silent and state.src is lookups.source:
            opener = start + (1 if image else 0)  # the '[' of the text
            text_end = state.md.helpers.parseLinkLabel(state, opener, not image)
            lookups.spans.append((start, opener + 1, text_end, state.pos, image, frame[0]))
        return bool(found)

    return recorded


class FileDefinitions:
    """The reference definitions of one level file (`[r]: images/x.png`).

    They hold for the whole file, as on GitHub, but every output renders one
    answer alone: an answer gets a copy of each definition it uses from
    elsewhere, a question its reference links written inline. Questions that
    use none stay as written. Copies may add at most the file's own length.
    """

    def __init__(self, references: References, budget: int) -> None:
        self.references = references
        self.budget, self.told = budget, False
        self.lines: dict[str, list[int]] = {k: [v["map"][0]] for k, v in references.items()}

    @classmethod
    def of(
        cls, env: Mapping[str, Any], length: int, path: Path, errors: list[ContentError]
    ) -> FileDefinitions:
        """The definitions markdown-it found (`env`); a second, different one is an error."""
        found = cls(env.get("references", {}), length)
        for again in env.get("duplicate_refs", ()):
            first = found.references[again["label"]]
            found.lines[again["label"]].append(again["map"][0])
            if (again["href"], again["title"]) != (first["href"], first["title"]):
                errors.append(
                    ContentError(
                        f"this defines a reference label again, with another target (first at "
                        f"line {first['map'][0] + 1}); links use the first: remove or rename one",
                        path,
                        again["map"][0] + 1,
                    )
                )
        return found

    def complete(
        self, answer: str, question: str, region: range, file_lines: list[int]
    ) -> tuple[str, str]:
        """`answer` and `question` with what they use of the file's definitions."""
        missing = [
            label
            for label in labels_used(answer, self.references)
            if not any(line in region for line in self.lines.get(label, [region.start]))
        ]
        added = [""] + [definitions([label], self.references) for label in missing]
        file_lines += [self.lines[label][0] + 1 for label in missing[:1] + missing]
        inline = with_inline_links(question, self.references)
        complete = "\n".join([answer, *added]) if missing else answer
        self.budget -= len(complete) - len(answer) + len(inline) - len(question)
        return complete, inline

    def over_budget(self) -> bool:
        """Whether the copies went past the budget; true once per file, to say it once."""
        if self.budget >= 0 or self.told:
            return False
        self.told = True
        return True
