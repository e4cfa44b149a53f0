"""Highlighted code blocks that never run off the page.

A block is set at the code size. If its longest line is wider than the frame,
it shrinks, down to the theme's floor (about 6.5 pt); a line still too wide
is then wrapped, each continuation starting with a visible mark. Widths are
measured with the real font metrics, not trusted to the layout engine.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache

from reportlab.lib import colors
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.platypus import Flowable

from qexport.exporters.pdf_styles import CodeRun, Styles, code_runs
from qexport.fonts import FontFamily

CONTINUATION = "↪ "
PADDING = 0.6  # in units of the font size
LEADING = 1.3

Run = tuple[str, CodeRun]  # text and how to draw it
Line = Sequence[Run]


@lru_cache(maxsize=4096)
def _tokens(code: str, language: str) -> tuple[tuple[object, str], ...]:
    """Pygments tokens of `code` (pure, so cached: the same snippet may recur)."""
    from pygments.token import Text

    from qexport.render import lexer_for

    lexer = lexer_for(language)
    return ((Text, code),) if lexer is None else tuple(lexer.get_tokens(code))


def highlighted_lines(code: str, language: str, styles: Styles) -> tuple[Line, ...]:
    """`code` as lines of styled runs."""
    theme = styles.theme
    return _lines(code, language, theme.code_style, styles.code_font, theme.palette["code_text"])


@lru_cache(maxsize=4096)
def _lines(
    code: str, language: str, code_style: str, font: FontFamily, default_color: str
) -> tuple[Line, ...]:
    # Independent of the size: cards trying several scales highlight a snippet once.
    runs = code_runs(code_style, font, default_color)
    default = CodeRun(font.regular, colors.HexColor(default_color))
    lines: list[list[Run]] = [[]]
    for token_type, text in _tokens(code.rstrip("\n"), language):
        style = default
        kind = token_type
        while kind is not None:
            if kind in runs:
                style = runs[kind]
                break
            kind = getattr(kind, "parent", None)
        for index, piece in enumerate(str(text).split("\n")):
            if index:
                lines.append([])
            if piece:
                lines[-1].append((piece, style))
    return tuple(tuple(line) for line in lines)


def _line_width(line: Line, size: float) -> float:
    return _unit_width(line) * size


@lru_cache(maxsize=4096)
def _text_width(text: str, font: str) -> float:
    return stringWidth(text, font, 1.0)


@lru_cache(maxsize=8192)
def _unit_width(line: Line) -> float:
    # Widths grow linearly with the size, so a line is measured once, at 1 pt.
    return sum(stringWidth(text, run.font, 1.0) for text, run in line)


class CodeBlock(Flowable):
    """A shaded, highlighted block of code that fits its frame's width."""

    def __init__(self, lines: Sequence[Line], styles: Styles) -> None:
        super().__init__()
        self.lines = list(lines)
        self.styles = styles
        self.size = styles.code_size
        self.visual: list[tuple[bool, Line]] = []  # (is a continuation, runs)
        self._laid_out_for: float | None = None

    # Layout ---------------------------------------------------------------
    def _layout(self, avail_width: float) -> None:
        if avail_width == self._laid_out_for:
            return  # asked again (to keep it with a question, then to place it)
        self._laid_out_for = avail_width
        size = self.styles.code_size
        inner = avail_width - 2 * PADDING * size
        widest = max((_line_width(line, size) for line in self.lines), default=0.0)
        if widest > inner > 0:
            # Shrinking also shrinks the padding, so solve for the size that fits.
            size = max(self.styles.code_floor, size * avail_width / (widest + 2 * PADDING * size))
        self.size = size
        inner = avail_width - 2 * PADDING * size
        self.visual = [part for line in self.lines for part in self._wrap(line, inner)]
        self.width = avail_width
        self.height = (len(self.visual) * LEADING + 2 * PADDING - (LEADING - 1)) * size

    def _wrap(self, line: Line, inner: float) -> list[tuple[bool, Line]]:
        """`line` cut into pieces that fit `inner`; all but the first carry the mark."""
        size = self.size
        if _line_width(line, size) <= inner:
            return [(False, line)]
        limit = inner
        mark = _text_width(CONTINUATION, self.styles.code_font.regular) * size
        pieces: list[list[Run]] = []
        current: list[Run] = []
        used = 0.0
        for text, run in line:
            start = 0  # where the part of `text` not yet placed begins
            for index, char in enumerate(text):
                width = _text_width(char, run.font) * size
                if (current or index > start) and used + width > limit:
                    if index > start:
                        current.append((text[start:index], run))
                    pieces.append(current)
                    current, used, limit, start = [], 0.0, inner - mark, index
                used += width
            if start < len(text):
                current.append((text[start:], run))
        pieces.append(current)
        return [(index > 0, piece) for index, piece in enumerate(pieces)]

    def wrap(self, avail_width: float, avail_height: float) -> tuple[float, float]:
        self._layout(avail_width)
        return self.width, self.height

    def split(self, avail_width: float, avail_height: float) -> list[Flowable]:
        self._layout(avail_width)
        per_line = LEADING * self.size
        room = int((avail_height - 2 * PADDING * self.size + (LEADING - 1) * self.size) / per_line)
        if room < 2 or len(self.visual) < 4:
            return []  # keep at least two lines on each side of a break
        room = min(room, len(self.visual) - 2)
        first, rest = self.visual[:room], self.visual[room:]
        return [_Fixed(first, self), _Fixed(rest, self)]

    # Drawing --------------------------------------------------------------
    def draw(self) -> None:
        canvas = self.canv
        size = self.size
        canvas.saveState()
        canvas.setFillColor(self.styles.color("code_background"))
        canvas.setStrokeColor(self.styles.color("code_background"))
        canvas.roundRect(0, 0, self.width, self.height, size * 0.4, stroke=0, fill=1)
        y = self.height - PADDING * size - size * 0.8
        mark = CodeRun(self.styles.code_font.regular, self.styles.color("muted"))
        # One text object for the block: setting font and colour only when they
        # change, instead of a text object per token run.
        text = canvas.beginText()
        font: str | None = None
        color: colors.Color | None = None
        for continuation, runs in self.visual:
            text.setTextOrigin(PADDING * size, y)
            for piece, run in [(CONTINUATION, mark), *runs] if continuation else runs:
                if run.font != font:
                    font = run.font
                    text.setFont(font, size)
                if run.color != color:
                    color = run.color
                    text.setFillColor(color)
                text.textOut(piece)
            y -= LEADING * size
        canvas.drawText(text)
        canvas.restoreState()


class _Fixed(CodeBlock):
    """A piece of a split block: its visual lines are already laid out."""

    def __init__(self, visual: list[tuple[bool, Line]], whole: CodeBlock) -> None:
        super().__init__([], whole.styles)
        self.visual = visual
        self.size = whole.size

    def _layout(self, avail_width: float) -> None:
        self.width = avail_width
        self.height = (len(self.visual) * LEADING + 2 * PADDING - (LEADING - 1)) * self.size
