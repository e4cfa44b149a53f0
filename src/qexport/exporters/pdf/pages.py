"""Pages shared by the PDF layouts: the canvas that numbers them, the sided template.

Page numbers that are only known at the end ("of Y", the page of each
contents entry) are drawn as PDF form XObjects: every page refers to the
form by name while it is laid out, and the canvas defines the forms just
before saving. One layout pass is enough; nothing is laid out twice.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import BaseDocTemplate, Frame, PageTemplate

from qexport.fonts import printable

LEFT, RIGHT, CENTER = "left", "right", "center"


class NumberingCanvas(Canvas):
    """A canvas that remembers where anchors landed and fills in page numbers last."""

    def __init__(
        self,
        *args: Any,
        number_font: tuple[str, float],
        page_of: Callable[[int, int], str],
        **kwargs: Any,
    ):
        super().__init__(*args, **kwargs)
        self.number_font = number_font
        self.page_of = page_of  # "Page X of Y", in the set's language
        self.anchor_pages: dict[str, int] = {}
        self.later: dict[str, tuple[str, str, int]] = {}  # form -> (kind, align, page)
        self.section = ""
        self.blank_page = False

    def drawString(self, x: float, y: float, text: str, *args: Any, **kwargs: Any) -> None:
        super().drawString(x, y, printable(text), *args, **kwargs)

    def drawRightString(self, x: float, y: float, text: str, *args: Any, **kwargs: Any) -> None:
        super().drawRightString(x, y, printable(text), *args, **kwargs)

    def drawCentredString(self, x: float, y: float, text: str, *args: Any, **kwargs: Any) -> None:
        super().drawCentredString(x, y, printable(text), *args, **kwargs)

    def place_page_of(self, key: str, x: float, y: float) -> None:
        """The page number where anchor `key` lands, right-aligned at x."""
        self._place(f"qx-page-{key}", ("anchor", RIGHT, 0), x, y)

    def place_page_x_of_y(self, x: float, y: float, align: str) -> None:
        """ "Page X of Y" for the current page, aligned at x."""
        page = self.getPageNumber()
        self._place(f"qx-footer-{page}-{align}", ("footer", align, page), x, y)

    def _place(self, name: str, spec: tuple[str, str, int], x: float, y: float) -> None:
        self.later[name] = spec
        self.saveState()
        self.translate(x, y)
        self.doForm(name)
        self.restoreState()

    def save(self) -> None:
        total = self.getPageNumber() - 1  # save() follows the last showPage()
        for name, (kind, align, page) in self.later.items():
            if kind == "footer":
                text = self.page_of(page, total)
            else:
                anchored = self.anchor_pages.get(name.removeprefix("qx-page-"))
                text = str(anchored) if anchored is not None else "\u2013"  # en dash
            self._text_form(name, text, align)
        super().save()

    def _text_form(self, name: str, text: str, align: str) -> None:
        font, size = self.number_font
        width = int(self.stringWidth(text, font, size)) + 2
        left = {LEFT: -2, RIGHT: -width, CENTER: -width // 2 - 1}[align]
        self.beginForm(name, left, -int(size) - 1, left + width + 2, int(size * 1.5) + 1)
        self.setFont(font, size)
        draw = {LEFT: self.drawString, RIGHT: self.drawRightString, CENTER: self.drawCentredString}
        draw[align](0, 0, text)
        self.endForm()


def canvas_maker(
    number_font: tuple[str, float], page_of: Callable[[int, int], str]
) -> Callable[..., NumberingCanvas]:
    def make(*args: Any, **kwargs: Any) -> NumberingCanvas:
        return NumberingCanvas(*args, number_font=number_font, page_of=page_of, **kwargs)

    return make


def right_hand(page: int, sides: int) -> bool:
    """Whether page `page` (1-based) is laid out as a right-hand page: all are, one-sided."""
    return sides == 1 or page % 2 == 1


class SidedTemplate(PageTemplate):
    """One page template whose frame follows the side of the page it lays out.

    The frame is picked from the page's own number as the page begins, never
    chained from the page before: page breaks and blank filler pages cannot
    put a text block on the wrong side of the gutter.
    """

    def __init__(self, name: str, right: Frame, left: Frame, sides: int, **kwargs: Any) -> None:
        super().__init__(name, [right], **kwargs)
        self.sided = {True: right, False: left}
        self.sides = sides

    def beforeDrawPage(self, canv: Canvas, doc: BaseDocTemplate) -> None:
        self.frames = [self.sided[right_hand(doc.page, self.sides)]]
