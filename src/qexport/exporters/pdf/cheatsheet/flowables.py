"""The cheat sheet's flowables: a question as one unbreakable stack, its key code line
in a slim band, and the marks that tell the running head which section a page shows."""

from __future__ import annotations

from collections.abc import Sequence

from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.platypus import Flowable

from qexport.exporters.pdf.code_flowable import CONTINUATION, PADDING_EMS, CodeFlowable
from qexport.exporters.pdf.code_flowable import LEADING as LEADING_CODE
from qexport.exporters.pdf.styles import CodeRun

BAND = 0.2  # ems above and below a key code line


class Stack(Flowable):
    """Flowables one under another, each after its own gap: one piece, never split.

    `above` is the space over the whole stack: its share of the column's spare
    room, and none at the top of a column.
    """

    def __init__(self, parts: Sequence[tuple[float, Flowable]], above: float = 0.0) -> None:
        super().__init__()
        self.parts = list(parts)
        self.above = above
        self.heights: list[float] = []

    def wrap(self, avail_width: float, avail_height: float) -> tuple[float, float]:
        self.heights = [part.wrap(avail_width, avail_height)[1] for _, part in self.parts]
        self.width = avail_width
        self.height = self.above + sum(gap for gap, _ in self.parts) + sum(self.heights)
        return self.width, self.height

    def placed(self, above: float) -> Stack:
        return Stack(self.parts, above)

    def draw(self) -> None:
        y = self.height - self.above
        for (gap, part), height in zip(self.parts, self.heights, strict=True):
            y -= gap + height
            part.drawOn(self.canv, 0, y)

    def pieces(self, width: float, height: float) -> list[Stack]:
        """This stack cut into pieces no taller than `height`: only a question taller
        than a whole column (a key answer of hundreds of words) is ever cut."""
        self.wrap(width, height)
        if self.height <= height or not self.parts:
            return [self]
        room = height
        for index, ((gap, part), part_height) in enumerate(
            zip(self.parts, self.heights, strict=True)
        ):
            if gap + part_height <= room:
                room -= gap + part_height
                continue
            split = part.split(width, room - gap) if room > gap else []
            head = [*self.parts[:index], *([(gap, split[0])] if split else [])]
            tail = [(0.0, split[1] if split else part), *self.parts[index + 1 :]]
            if not any(h > 0 for h in self.heights[:index]) and not split:
                head, tail = [(gap, part)], self.parts[index + 1 :]  # too tall even alone
            if not tail:
                return [Stack(head)]
            marks = [(0.0, part) for _, part in self.parts if isinstance(part, Seen)]
            return [Stack(head), *Stack([*marks, *tail]).pieces(width, height)]
        return [self]


class KeyLine(CodeFlowable):
    """The key code line, in a band that hugs it: a sheet of them stays short.

    Sized, wrapped and shaded as any code block is (shrunk down to the theme's
    floor to fit, then wrapped at a space with a hanging indent); only the
    shading above and below it is less, and its corners tighter.
    """

    band = BAND
    corner = 0.3

    def draw(self) -> None:
        # Run by run, each its own text (the code blocks use one text object per block).
        canvas, size, styles = self.canv, self.size, self.styles
        canvas.saveState()
        self.shade()
        mark = CodeRun(styles.code_font.regular, styles.color("muted"))
        y = self.height - (self.band + 0.8) * size
        for continuation, runs in self.visual:
            x = PADDING_EMS * size
            for piece, run in [(CONTINUATION, mark), *runs] if continuation else runs:
                canvas.setFont(run.font, size)
                canvas.setFillColor(run.color)
                canvas.drawString(x, y, piece)
                x += stringWidth(piece, run.font, size)
            y -= LEADING_CODE * size
        canvas.restoreState()


class Seen(Flowable):
    """Tells the running head which section the question that follows belongs to."""

    def __init__(self, head: RunningHead, section: str) -> None:
        super().__init__()
        self.head, self.section = head, section
        self.width = self.height = 0

    def wrap(self, avail_width: float, avail_height: float) -> tuple[float, float]:
        return 0, 0

    def draw(self) -> None:
        self.head.meet(self.section)


class RunningHead:
    """The section a page's head names: the first one met on the page."""

    def __init__(self) -> None:
        self.section = ""
        self.named = False

    def page_begins(self) -> None:
        self.named = False

    def meet(self, section: str) -> None:
        if not self.named:
            self.section, self.named = section, True
