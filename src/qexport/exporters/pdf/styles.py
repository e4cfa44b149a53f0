"""Type, colours and paper for the PDFs, all from the theme.

Every style is built here from the theme's embedded fonts; nothing falls back
to reportlab's defaults (Helvetica and Courier are never embedded).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from functools import cached_property, lru_cache

from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER, TA_LEFT
from reportlab.lib.pagesizes import A4, LETTER
from reportlab.lib.styles import ParagraphStyle

from qexport.fonts import FontFamily, family
from qexport.themes import Theme

PAPERS = {"a4": A4, "letter": LETTER}


CONTENTS_LEADING = 1.35  # of a contents entry's type size, before any tightening


@dataclass(frozen=True)
class _Leaders:
    """Dot leaders as reportlab's endDots reads them."""

    text: str
    fontName: str  # the names reportlab looks for
    fontSize: float
    textColor: colors.Color


@dataclass(frozen=True)
class CodeRun:
    """How one kind of code token looks: its font face and colour."""

    font: str
    color: colors.Color


@dataclass(frozen=True)
class Styles:
    """Paragraph and code styles at one body size (cards shrink it)."""

    theme: Theme
    body_font: FontFamily
    code_font: FontFamily
    size: float
    code_size: float
    code_floor: float

    def color(self, key: str) -> colors.Color:
        return _hex_color(self.theme.palette[key])

    def scaled(self, factor: float) -> Styles:
        return replace(
            self,
            size=self.size * factor,
            code_size=max(self.code_floor, self.code_size * factor),
        )

    def paragraph(self, name: str, **overrides: object) -> ParagraphStyle:
        base = {
            "fontName": self.body_font.regular,
            "fontSize": self.size,
            "leading": self.size * 1.32,
            "textColor": self.color("text"),
            "alignment": TA_LEFT,
            "spaceAfter": self.size * 0.45,
            "bulletFontName": self.body_font.regular,
            "bulletFontSize": self.size,
            "splitLongWords": 1,
            # reportlab lets a line run 5% of its spaces past the frame, meant for
            # justified text; left-aligned lines are never squeezed back in.
            "spaceShrinkage": 0,
            "allowWidows": 0,
            "allowOrphans": 0,
            "hyphenationLang": "",
            "embeddedHyphenation": 0,
        }
        base.update(overrides)
        return ParagraphStyle(name, **base)  # type: ignore[arg-type]

    @cached_property
    def body(self) -> ParagraphStyle:
        return self.paragraph("qx-body")

    @cached_property
    def question(self) -> ParagraphStyle:
        return self.paragraph(
            "qx-question",
            fontName=self.body_font.bold,
            fontSize=self.size * 1.12,
            leading=self.size * 1.12 * 1.28,
            spaceBefore=self.size * 0.9,
            spaceAfter=self.size * 0.4,
        )

    @cached_property
    def key(self) -> ParagraphStyle:
        """The key answer: a bold lead line under the question, before the details."""
        return self.paragraph(
            "qx-key",
            fontName=self.body_font.bold,
            spaceBefore=self.size * 0.2,
            spaceAfter=self.size * 0.7,
        )

    @cached_property
    def label(self) -> ParagraphStyle:
        return self.paragraph(
            "qx-label",
            fontSize=self.size * 0.78,
            leading=self.size * 0.78 * 1.25,
            textColor=self.color("muted"),
            spaceAfter=self.size * 0.15,
        )

    @cached_property
    def section(self) -> ParagraphStyle:
        return self.paragraph(
            "qx-section",
            fontName=self.body_font.bold,
            fontSize=self.size * 2.0,
            leading=self.size * 2.4,
            spaceAfter=self.size * 1.2,
            textColor=self.color("accent"),
        )

    @cached_property
    def subsection(self) -> ParagraphStyle:
        return self.paragraph(
            "qx-subsection",
            fontName=self.body_font.bold,
            fontSize=self.size * 1.3,
            leading=self.size * 1.6,
            spaceBefore=self.size * 0.8,
            spaceAfter=self.size * 0.4,
            textColor=self.color("accent"),
        )

    @cached_property
    def answer_heading(self) -> ParagraphStyle:
        """A heading inside an answer: ranks below the question that owns it (bold, body size)."""
        return self.paragraph(
            "qx-answer-heading",
            fontName=self.body_font.bold,
            spaceBefore=self.size * 0.7,
            spaceAfter=self.size * 0.3,
            keepWithNext=1,
        )

    def contents(self, bold: bool, spacing: float) -> ParagraphStyle:
        """A contents entry: a level (bold) or a question, its leading scaled by `spacing`.

        Dot leaders fill its last line; the booklet gives each entry its hanging indent.
        """
        size = self.size * (1.0 if bold else 0.92)
        return self.paragraph(
            f"qx-contents-{'level' if bold else 'question'}",
            fontName=self.body_font.bold if bold else self.body_font.regular,
            fontSize=size,
            leading=size * CONTENTS_LEADING * spacing,
            spaceAfter=0,
            endDots=_Leaders(" .", self.body_font.regular, size, self.color("muted")),
        )

    @cached_property
    def title(self) -> ParagraphStyle:
        return self.paragraph(
            "qx-title",
            fontName=self.body_font.bold,
            fontSize=self.size * 3.0,
            leading=self.size * 3.5,
            alignment=TA_CENTER,
            spaceAfter=self.size * 2,
        )

    @cached_property
    def centered(self) -> ParagraphStyle:
        return self.paragraph("qx-centered", alignment=TA_CENTER)

    def list_item(self, depth: int) -> ParagraphStyle:
        indent = self.size * 1.4 * depth
        return self.paragraph(
            f"qx-list-{depth}",
            leftIndent=indent,
            bulletIndent=indent - self.size * 1.1,
            spaceAfter=self.size * 0.2,
        )

    @cached_property
    def quote_text(self) -> ParagraphStyle:
        """A quote's paragraphs; the quote indents them, and every other block in it."""
        return self.paragraph(
            "qx-quote",
            fontName=self.body_font.italic,
            textColor=self.color("muted"),
        )

    @property
    def quote_indent(self) -> float:
        return self.size * 1.2


@lru_cache(maxsize=8)
def code_runs(code_style: str, font: FontFamily, default_color: str) -> dict[object, CodeRun]:
    """Pygments token type -> face and colour; independent of the size, so made once."""
    from pygments.styles import get_style_by_name

    default = colors.HexColor(default_color)
    runs: dict[object, CodeRun] = {}
    for token_type, spec in get_style_by_name(code_style):
        face = (
            font.bold_italic
            if spec["bold"] and spec["italic"]
            else font.bold
            if spec["bold"]
            else font.italic
            if spec["italic"]
            else font.regular
        )
        color = colors.HexColor("#" + spec["color"]) if spec["color"] else default
        runs[token_type] = CodeRun(face, color)
    return runs


@lru_cache(maxsize=64)
def _hex_color(value: str) -> colors.Color:
    # Parsed once: every code block and contents line asks for its colours.
    return colors.HexColor(value)


def styles_for(theme: Theme, size_key: str) -> Styles:
    """Styles at the theme's size for a layout: 'body', 'cheatsheet' or 'card'."""
    size = theme.sizes[size_key]
    code = theme.sizes["code"] * size / theme.sizes["body"]
    return Styles(
        theme=theme,
        body_font=family(theme.fonts["body"]),
        code_font=family(theme.fonts["code"]),
        size=size,
        code_size=max(theme.sizes["code_floor"], code),
        code_floor=theme.sizes["code_floor"],
    )
