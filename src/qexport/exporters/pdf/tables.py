"""GFM tables as reportlab tables that always fit their frame.

Column widths are chosen when the table learns its width (a card, a
booklet column, a list item's indent), the way a browser lays out a table:
every column as wide as its longest line where that fits, else each gets
its longest word and the rest of the room goes to the columns with the most
text, else a word wider than an even share of the room breaks. A table
of more columns than have room for a letter or two each is drawn smaller.
A table taller than the room left splits between rows (a row taller than a
whole frame, inside it), and the header row repeats on every page or card.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Literal

from reportlab.lib.enums import TA_CENTER, TA_LEFT, TA_RIGHT
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import Flowable, Paragraph, Table, TableStyle

from qexport.exporters.pdf.styles import Styles

Alignment = Literal[0, 1, 2]  # TA_LEFT, TA_CENTER, TA_RIGHT
ALIGNMENTS: dict[str, Alignment] = {"left": TA_LEFT, "center": TA_CENTER, "right": TA_RIGHT}
PAD_EMS = 0.4  # a cell's padding at each side, in units of the body size
FLOOR_EMS = 1.0  # the narrowest a column's text gets: a letter or two
RULE_WIDTH = 0.5  # points
FAR = 1e6  # points: a width no line reaches, to measure a cell on one line
SLACK = 0.01  # points: a word measured this wide still fits after float rounding

Cell = Sequence[Flowable]  # a cell's blocks: its text, then any picture in it


def alignment(style_attr: str) -> Alignment:
    """The reportlab alignment for markdown-it's `text-align:x` cell style ('' is left)."""
    return ALIGNMENTS.get(style_attr.partition(":")[2].strip(), TA_LEFT)


class GridTable(Flowable):
    """Rows of cells (the first the header) laid out in a grid as wide as the frame at most.

    Each column gets at least FLOOR_EMS of text besides its padding: a table of more
    columns than that leaves room for is laid out wider and drawn smaller, to fit.
    """

    def __init__(self, rows: Sequence[Sequence[Cell]], styles: Styles) -> None:
        super().__init__()
        self.rows = [list(row) for row in rows]
        self.columns = max(len(row) for row in self.rows)
        self.styles = styles
        self.pad = styles.size * PAD_EMS
        self._layout: tuple[Table, float] | None = None  # the table and the scale it is drawn at
        self._made_for: float | None = None

    def layout(self, avail_width: float) -> tuple[Table, float]:
        """The reportlab table for `avail_width` and its scale, made again for a new width."""
        if self._layout is None or avail_width != self._made_for:
            room = max(avail_width, 1.0)
            narrowest = self.columns * (self.styles.size * FLOOR_EMS + 2 * self.pad)
            scale = min(1.0, room / narrowest)
            room /= scale
            least, most = self._extents(room)
            text = column_widths(least, most, room - 2 * self.pad * self.columns)
            table = Table(
                [[list(cell) for cell in row] for row in self.rows],
                colWidths=[width + 2 * self.pad for width in text],
                repeatRows=1,
                splitByRow=1,
                splitInRow=1,  # a row taller than a frame breaks inside, never runs off it
                style=self._style(),
                hAlign="LEFT",
            )
            self._layout, self._made_for = (table, scale), avail_width
        return self._layout

    def _extents(self, avail_width: float) -> tuple[list[float], list[float]]:
        """Each column's text's narrowest sensible width (its longest word) and natural one."""
        least, most = [SLACK] * self.columns, [SLACK] * self.columns
        for row in self.rows:
            for index, cell in enumerate(row):
                low, high = _cell_extent(cell, avail_width)
                least[index] = max(least[index], low + SLACK)
                most[index] = max(most[index], least[index], high + SLACK)
        return least, most

    def _style(self) -> TableStyle:
        styles, pad = self.styles, self.pad
        commands: list[tuple[Any, ...]] = [
            ("GRID", (0, 0), (-1, -1), RULE_WIDTH, styles.color("rule")),
            ("VALIGN", (0, 0), (-1, -1), "TOP"),
            ("LEFTPADDING", (0, 0), (-1, -1), pad),
            ("RIGHTPADDING", (0, 0), (-1, -1), pad),
            ("TOPPADDING", (0, 0), (-1, -1), pad * 0.5),
            ("BOTTOMPADDING", (0, 0), (-1, -1), pad * 0.75),
        ]
        palette = styles.theme.palette
        if palette["code_background"] != palette["background"]:  # the page's colour: no fill
            commands.append(("BACKGROUND", (0, 0), (-1, 0), styles.color("code_background")))
        return TableStyle(commands)

    def wrap(self, avail_width: float, avail_height: float) -> tuple[float, float]:
        table, scale = self.layout(avail_width)
        width, height = table.wrap(avail_width / scale, avail_height / scale)
        self.width, self.height = width * scale, height * scale
        return self.width, self.height

    def split(self, avail_width: float, avail_height: float) -> list[Flowable]:
        table, scale = self.layout(avail_width)
        parts = table.split(avail_width / scale, avail_height / scale)
        return list(parts) if scale == 1 else [Scaled(part, scale) for part in parts]

    def getSpaceBefore(self) -> float:
        return self.styles.size * 0.3

    def getSpaceAfter(self) -> float:
        return self.styles.size * 0.6

    def draw(self) -> None:
        assert self._layout is not None  # the frame wraps a flowable before it draws it
        _draw_scaled(self.canv, *self._layout)


class Scaled(Flowable):
    """A part of a split table that is drawn smaller than it is laid out."""

    def __init__(self, inner: Flowable, scale: float) -> None:
        super().__init__()
        self.inner, self.scale = inner, scale

    def wrap(self, avail_width: float, avail_height: float) -> tuple[float, float]:
        width, height = self.inner.wrap(avail_width / self.scale, avail_height / self.scale)
        self.width, self.height = width * self.scale, height * self.scale
        return self.width, self.height

    def split(self, avail_width: float, avail_height: float) -> list[Flowable]:
        parts = self.inner.split(avail_width / self.scale, avail_height / self.scale)
        return [Scaled(part, self.scale) for part in parts]

    def draw(self) -> None:
        _draw_scaled(self.canv, self.inner, self.scale)


def _draw_scaled(canvas: Canvas, flowable: Flowable, scale: float) -> None:
    canvas.saveState()
    canvas.scale(scale, scale)
    flowable.drawOn(canvas, 0, 0)
    canvas.restoreState()


def _cell_extent(cell: Cell, avail_width: float) -> tuple[float, float]:
    """The widths of `cell`'s longest word and of its longest line unbroken."""
    low = high = 0.0
    for flowable in cell:
        if isinstance(flowable, Paragraph):
            low = max(low, float(flowable.minWidth()))
            flowable.wrap(FAR, FAR)
            high = max(high, max(flowable.getActualLineWidths0(), default=0.0))
        else:  # a picture: it shrinks to any column, and wants its width on the frame
            high = max(high, flowable.wrap(avail_width, FAR)[0])
    return low, high


def column_widths(least: Sequence[float], most: Sequence[float], room: float) -> list[float]:
    """Widths that add up to `room` at most: `most` if it fits; else `least` (no more than an
    even share of `room`) and the rest of the room shared in proportion to what each column
    wants more."""
    want, need = sum(most), sum(least)
    if want <= room:
        return list(most)
    if need > room:
        # A word wider than an even share of the room breaks, as a browser breaks a long
        # URL, rather than squeezing the other columns to a letter a line.
        even = room / len(least)
        least = [min(low, even) for low in least]
        need = sum(least)
    share = (room - need) / (want - need)  # want > room >= need, so want > need
    return [low + (high - low) * share for low, high in zip(least, most, strict=True)]
