"""Highlighted code blocks that never run off the page.

A block is set at the code size. If its longest line is wider than the frame,
it shrinks, down to the theme's floor (about 6.5 pt), to the size at which
that line just fits: it is then never wrapped. A line still too wide at the
floor is wrapped: at a space where it has one, else after punctuation (when
that leaves at least half a line), and in a word only as a last resort. A
wrap at a space takes exactly one space, the first of its run: the rest of
the run starts the continuation, so joining the pieces with one space gives
back the line, and a reader can count the spaces in a string. Each
continuation starts with a visible mark and the line's own indentation.
Widths are measured with the real font metrics, not trusted to the layout
engine.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections.abc import Sequence
from functools import lru_cache

from reportlab.lib import colors
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.platypus import Flowable

from qexport.exporters.pdf.styles import CodeRun, Styles, code_runs
from qexport.fonts import FontFamily

CONTINUATION = "↪ "
PADDING_EMS = 0.6  # in units of the font size
LEADING = 1.3
HAIRLINE = 0.3  # points
SLACK = 1e-6  # points: float rounding, far below what any printer shows

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
    # One final newline, as in a Markdown block: without it a console session's last
    # output line is never emitted by its lexer.
    for token_type, text in _tokens(code.rstrip("\n") + "\n", language):
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
    return tuple(tuple(line) for line in lines[:-1])  # the last is after the final newline


def _line_width(line: Line, size: float) -> float:
    return _unit_width(line) * size


@lru_cache(maxsize=4096)
def _text_width(text: str, font: str) -> float:
    return stringWidth(text, font, 1.0)


@lru_cache(maxsize=8192)
def _unit_width(line: Line) -> float:
    # Widths grow linearly with the size, so a line is measured once, at 1 pt.
    return sum(stringWidth(text, run.font, 1.0) for text, run in line)


def _is_word(char: str) -> bool:
    return char.isalnum() or char == "_"


def _slice(line: Line, starts: Sequence[int], begin: int, end: int) -> list[Run]:
    """The runs of `line` between character offsets `begin` and `end`."""
    runs: list[Run] = []
    index = bisect_right(starts, begin) - 1
    while index < len(line) and starts[index] < end:
        text, run = line[index]
        low, high = max(begin - starts[index], 0), min(end - starts[index], len(text))
        if high > low:
            runs.append((text[low:high], run))
        index += 1
    return runs


def _break(text: str, start: int, end: int, indent: int, least: int) -> tuple[int, int]:
    """Where a piece from `start` that fits up to `end` ends, and where the next begins.

    Preferably at the last space after the piece's first character that is not
    indentation: the break takes exactly one space, the first of that space's run,
    and the next piece starts with the rest of the run. Else after a punctuation
    mark that a word follows (so `->`, `==` and `),` stay whole), at offset `least`
    or later, so that the piece is not left nearly empty; else in the middle of a
    word, filling the piece.
    """
    lead = max(start, indent)
    while lead < end and text[lead] == " ":
        lead += 1  # a continuation's own leading spaces are no place to break
    space = text.rfind(" ", lead, end + 1)
    if space > lead:
        while text[space - 1] == " ":
            space -= 1  # the first space of the run: text[lead] is not a space
        return space, space + 1
    for cut in range(end, max(start, indent, least - 1), -1):
        if not _is_word(text[cut - 1]) and not text[cut - 1].isspace() and _is_word(text[cut]):
            return cut, cut
    return end, end


def _blank(line: tuple[bool, Line]) -> bool:
    """Whether a visual line is an empty line of the code (not a continuation)."""
    return not line[0] and not "".join(text for text, _ in line[1]).strip()


def _hung(hanging: Line, line: Line, starts: Sequence[int], begin: int, end: int) -> Line:
    """A piece of `line`; a continuation (`begin` > 0) after the hanging indentation."""
    runs = _slice(line, starts, begin, end)
    return tuple(runs) if begin == 0 else (*hanging, *runs)


@lru_cache(maxsize=1024)
def _offsets(line: Line) -> tuple[tuple[int, ...], tuple[float, ...]]:
    """Where each run starts, and the width (at 1 pt) of every prefix of the line."""
    starts: list[int] = []
    edges = [0.0]
    for text, run in line:
        starts.append(len(edges) - 1)
        for char in text:
            edges.append(edges[-1] + _text_width(char, run.font))
    return tuple(starts), tuple(edges)


class CodeFlowable(Flowable):
    """A shaded, highlighted block of code that fits its frame's width."""

    band = PADDING_EMS  # ems of shading above the first line and below the last
    corner = 0.4  # ems: the radius of the shading's corners

    def __init__(self, lines: Sequence[Line], styles: Styles) -> None:
        super().__init__()
        self.lines = list(lines)
        self.styles = styles
        self.size = styles.code_size
        self.visual: list[tuple[bool, Line]] = []  # (is a continuation, runs)
        self._laid_out_for: float | None = None
        self.keep = 2  # least lines on each side of a break (cards set 1)
        self.frame_height: float | None = None  # an empty card's height, where known

    # Layout ---------------------------------------------------------------
    def _layout(self, avail_width: float) -> None:
        if avail_width == self._laid_out_for:
            return  # asked again (to keep it with a question, then to place it)
        self._laid_out_for = avail_width
        size = self.styles.code_size
        inner = avail_width - 2 * PADDING_EMS * size
        widest = max((_line_width(line, size) for line in self.lines), default=0.0)
        if widest > inner > 0:
            # Shrinking also shrinks the padding, so solve for the size that fits.
            size = max(
                self.styles.code_floor, size * avail_width / (widest + 2 * PADDING_EMS * size)
            )
        self.size = size
        inner = avail_width - 2 * PADDING_EMS * size
        self.visual = [part for line in self.lines for part in self._wrap(line, inner)]
        self.width = avail_width
        self.height = (len(self.visual) * LEADING + 2 * self.band - (LEADING - 1)) * size

    def _wrap(self, line: Line, inner: float) -> list[tuple[bool, Line]]:
        """`line` cut into pieces that fit `inner`; all but the first carry the mark.

        A continuation hangs: after the mark it repeats the line's indentation (at
        most half the width), so Python's nesting stays visible. A wrap at a space
        takes exactly one space and any other wrap none: joining the pieces (without
        their hanging indentation) with one space at each space wrap gives back the
        line, but for a wrapped line's trailing spaces, which are not drawn.
        """
        size = self.size
        if _line_width(line, size) <= inner + SLACK:  # the widest line after shrinking
            return [(False, line)]
        text = "".join(piece for piece, _ in line)
        starts, edges = _offsets(line)  # edges[i]: width of text[:i] at 1 pt
        indent = len(text) - len(text.lstrip(" \t"))
        mark = _text_width(CONTINUATION, self.styles.code_font.regular)
        room = inner / size
        hang = min(indent, max(bisect_right(edges, room / 2 - mark) - 1, 0))
        hanging = _slice(line, starts, 0, hang)
        tail = len(text.rstrip(" \t"))  # trailing spaces print as nothing: never wrapped
        slack = SLACK / size
        pieces: list[tuple[bool, Line]] = []
        start, limit = 0, room
        while True:
            end = max(bisect_right(edges, edges[start] + limit + slack) - 1, start + 1)
            continuation = bool(pieces)
            if end >= tail:
                pieces.append((continuation, _hung(hanging, line, starts, start, tail)))
                return pieces
            least = bisect_left(edges, edges[start] + limit / 2)  # half a piece at least
            stop, start_next = _break(text, start, end, indent, least)
            pieces.append((continuation, _hung(hanging, line, starts, start, stop)))
            start, limit = start_next, room - mark - edges[hang]

    def wrap(self, avail_width: float, avail_height: float) -> tuple[float, float]:
        self._layout(avail_width)
        return self.width, self.height

    def split(self, avail_width: float, avail_height: float) -> list[Flowable]:
        """Two pieces, broken between logical lines: a wrapped line stays whole.

        Each piece keeps at least `keep` lines: two on pages (no lone line at the
        foot or head of a column), one on cards (a card is filled before a follow-on
        card is spent). Blank lines at the break are dropped: they would only take
        room. A line is broken inside only at the top of a frame, where nothing
        smaller could come first: it is taller than the whole frame.
        """
        self._layout(avail_width)
        room = int(
            (avail_height - 2 * self.band * self.size + (LEADING - 1) * self.size)
            / (LEADING * self.size)
            + 1e-6  # a piece that fits exactly is not lost to rounding
        )
        visual, total = self.visual, len(self.visual)
        highest = room
        while highest < total and _blank(visual[highest]):
            highest += 1  # blank lines after the room may go with the break
        for cut in range(min(highest, total - self.keep), self.keep - 1, -1):
            if visual[cut][0] or _blank(visual[cut]):
                continue  # inside a wrapped line, or no line to start a piece with
            end = cut
            while end > 0 and _blank(visual[end - 1]):
                end -= 1
            if self.keep <= end <= room and total - cut >= self.keep:
                return [_Fixed(visual[:end], self), _Fixed(visual[cut:], self)]
        if self._at_top(avail_height) and 1 <= room < total:
            return [_Fixed(visual[:room], self), _Fixed(visual[room:], self)]
        return []

    def _at_top(self, avail_height: float) -> bool:
        """Whether the block is first in its frame (or on its card)."""
        frame = getattr(self, "_frame", None)  # set by the frame that asks to split
        if frame is not None:
            return bool(getattr(frame, "_atTop", False))
        return self.frame_height is not None and avail_height >= self.frame_height

    # Drawing --------------------------------------------------------------
    def shade(self) -> None:
        """The block's shading, or where the theme's code has none, a hairline around it."""
        canvas, radius = self.canv, self.size * self.corner
        palette = self.styles.theme.palette
        if palette["code_background"] != palette["background"]:
            canvas.setFillColor(self.styles.color("code_background"))
            canvas.roundRect(0, 0, self.width, self.height, radius, stroke=0, fill=1)
        else:  # no fill, which costs toner: a hairline shows where the code is
            canvas.setStrokeColor(self.styles.color("rule"))
            canvas.setLineWidth(HAIRLINE)
            canvas.roundRect(0, 0, self.width, self.height, radius, stroke=1, fill=0)

    def draw(self) -> None:
        canvas = self.canv
        size = self.size
        canvas.saveState()
        self.shade()
        y = self.height - self.band * size - size * 0.8
        mark = CodeRun(self.styles.code_font.regular, self.styles.color("muted"))
        # One text object for the block: setting font and colour only when they
        # change, instead of a text object per token run.
        text = canvas.beginText()
        font: str | None = None
        color: colors.Color | None = None
        for continuation, runs in self.visual:
            text.setTextOrigin(PADDING_EMS * size, y)
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


class _Fixed(CodeFlowable):
    """A piece of a split block: its visual lines are already laid out."""

    def __init__(self, visual: list[tuple[bool, Line]], whole: CodeFlowable) -> None:
        super().__init__([], whole.styles)
        self.visual = visual
        self.size = whole.size
        self.keep, self.frame_height = whole.keep, whole.frame_height
        self.band, self.corner = whole.band, whole.corner

    def _layout(self, avail_width: float) -> None:
        self.width = avail_width
        self.height = (len(self.visual) * LEADING + 2 * self.band - (LEADING - 1)) * self.size
