"""Flowables shared by the PDF layouts: marks, fillers, deferred numbers, paragraphs, indents."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import Flowable, FrameBreak, Paragraph
from reportlab.platypus.paragraph import textTransformFrags  # type: ignore[attr-defined]
from reportlab.platypus.paraparser import ParaParser, _ExValidate

from qexport.exporters.pdf.pages import NumberingCanvas
from qexport.fonts import printable


class Anchor(Flowable):
    """An invisible mark: a link target, an outline entry, and its page recorded."""

    def __init__(self, key: str, title: str, level: int, closed: bool = False) -> None:
        super().__init__()
        self.key, self.title, self.level, self.closed = key, title, level, closed
        self.width = self.height = 0

    def wrap(self, avail_width: float, avail_height: float) -> tuple[float, float]:
        return 0, 0

    def draw(self) -> None:
        canvas = self.canv
        canvas.bookmarkPage(self.key, fit="XYZ", top=canvas.absolutePosition(0, 12)[1])
        if self.title:
            canvas.addOutlineEntry(self.title, self.key, self.level, self.closed)
        if isinstance(canvas, NumberingCanvas):
            canvas.anchor_pages[self.key] = canvas.getPageNumber()


class SectionMark(Flowable):
    """Names the section that the running header shows from this page on."""

    def __init__(self, title: str) -> None:
        super().__init__()
        self.title = title
        self.width = self.height = 0

    def wrap(self, avail_width: float, avail_height: float) -> tuple[float, float]:
        return 0, 0

    def draw(self) -> None:
        if isinstance(self.canv, NumberingCanvas):
            self.canv.section = printable(self.title)


class RightHandFiller(Flowable):
    """After a page break: if the new page is a left-hand (even) one, fill it blank.

    So the next section starts on a right-hand page, as in printed books.
    """

    def __init__(self, current_page: Callable[[], int]) -> None:
        super().__init__()
        self.current_page = current_page
        self.blank = False

    def wrap(self, avail_width: float, avail_height: float) -> tuple[float, float]:
        self.blank = self.current_page() % 2 == 0
        self.width = avail_width
        self.height = avail_height if self.blank else 0
        return self.width, self.height

    def draw(self) -> None:
        if self.blank and isinstance(self.canv, NumberingCanvas):
            self.canv.blank_page = True


class KeepStart(Flowable):
    """Moves `head` on when the frame cannot also hold the start of what follows it.

    Used so a question never ends a page without the first lines of its answer,
    and a section heading never sits alone at the foot of a page. (reportlab's
    keepWithNext does not hold on to a following KeepTogether.)
    """

    locChanger = 1  # tells the frame this flowable may move what follows

    def __init__(self, head: Sequence[Flowable], follower: Flowable | None, lines: float) -> None:
        super().__init__()
        self.width = self.height = 0
        self.head = list(head)
        self.follower = follower
        self.lines = lines  # how much of the follower must fit, in points

    def wrap(self, avail_width: float, avail_height: float) -> tuple[float, float]:
        frame = self._doctemplateAttr("frame")  # type: ignore[attr-defined]  # not in the stubs
        # At the top of a fresh frame there is nothing better to move to.
        if frame is None or getattr(frame, "_atTop", True):
            return 0, 0
        if not self._starts_here(avail_width, avail_height):
            frame.add_generated_content(FrameBreak)
        return 0, 0

    def _starts_here(self, avail_width: float, avail_height: float) -> bool:
        """Whether the head, and the follower's start, fit in the room left.

        The follower's start is `lines` points of it, and a piece it can really
        be split into there: a picture, or a code line wrapped into several,
        cannot start with a few points of itself.
        """
        room = avail_height
        for flowable in self.head:
            room -= flowable.wrap(avail_width, avail_height)[1] + flowable.getSpaceBefore()
            room -= flowable.getSpaceAfter()
        if self.follower is None:
            return room >= 0
        room -= self.follower.getSpaceBefore()
        height = self.follower.wrap(avail_width, avail_height)[1]
        if room < min(height, self.lines):
            return False
        return height <= room or bool(self.follower.split(avail_width, room))

    def draw(self) -> None:
        pass


class Deferred(Flowable):
    """Stands for flowables made only when layout reaches them.

    A 10,000-question story built up front holds every parsed paragraph at
    once; deferred, only the page being laid out is in memory.
    """

    def __init__(self, make: Callable[[], Sequence[Flowable]]) -> None:
        super().__init__()
        self.make = make
        self.width = self.height = 0

    def wrap(self, avail_width: float, avail_height: float) -> tuple[float, float]:
        frame = self._doctemplateAttr("frame")  # type: ignore[attr-defined]  # not in the stubs
        if self.make is not None and frame is not None:
            frame.add_generated_content(*self.make())
            self.make = None  # type: ignore[assignment]  # made once, then forgotten
        return 0, 0

    def draw(self) -> None:
        pass


class _Parser(ParaParser):
    """reportlab's paragraph parser, converting each distinct tag's attributes once.

    A colour (`color="#0f766e"`) costs a CSS parse, and a bank's inline code and
    numbers repeat the same few tags thousands of times. A conversion is pure
    (reportlab's validators, which read the parser's state, are never cached).
    """

    def getAttributes(self, attr: dict[str, str], attrMap: dict[str, Any]) -> dict[str, Any]:
        key = (id(attrMap), self.caseSensitive, *attr.items())
        found = _ATTRIBUTES.get(key)
        if found is None:
            found = super().getAttributes(attr, attrMap)  # type: ignore[no-untyped-call]
            names = [name if self.caseSensitive else name.lower() for name in attr]
            if all(_pure(attrMap.get(name)) for name in names):
                if len(_ATTRIBUTES) >= _ATTRIBUTES_KEPT:
                    _ATTRIBUTES.clear()
                _ATTRIBUTES[key] = found
        return dict(found)  # the parser completes it (a font's face, bold and italic)


_ATTRIBUTES: dict[tuple[Any, ...], dict[str, Any]] = {}
_ATTRIBUTES_KEPT = 4096


def _pure(mapping: tuple[str, Any] | None) -> bool:
    """Whether an attribute's conversion depends on its value alone."""
    return mapping is not None and not isinstance(mapping[1], _ExValidate)


class Indented(Flowable):
    """Another flowable, set `indent` points in from the left (in a quote, in a list item)."""

    def __init__(self, inner: Flowable, indent: float) -> None:
        super().__init__()
        self.inner = inner
        self.indent = indent
        held: Any = inner
        self.keepWithNext = bool(held.getKeepWithNext())  # a heading stays with what follows

    @classmethod
    def by(cls, flowable: Flowable, indent: float) -> Indented:
        """`flowable` set `indent` further in: one Indented however deep, as the cards
        look one level in for the code blocks they size."""
        if isinstance(flowable, Indented):
            return cls(flowable.inner, flowable.indent + indent)
        return cls(flowable, indent)

    def wrap(self, avail_width: float, avail_height: float) -> tuple[float, float]:
        width, height = self.inner.wrap(avail_width - self.indent, avail_height)
        self.width, self.height = width + self.indent, height
        return self.width, self.height

    def split(self, avail_width: float, avail_height: float) -> list[Flowable]:
        # The frame that asks is set on this flowable only; a code block looks for it
        # to know whether it starts the frame (and so must break where it can).
        inner: Any = self.inner
        inner._frame = getattr(self, "_frame", None)
        try:
            parts = inner.split(avail_width - self.indent, avail_height)
        finally:
            del inner._frame
        return [Indented(part, self.indent) for part in parts]

    def getSpaceBefore(self) -> float:
        return float(self.inner.getSpaceBefore())

    def getSpaceAfter(self) -> float:
        return float(self.inner.getSpaceAfter())

    def drawOn(self, canvas: Canvas, x: float, y: float, _sW: float = 0) -> None:
        self.inner.drawOn(canvas, x + self.indent, y)  # the inner width is what it asked for


class Para(Paragraph):
    """A Paragraph that keeps its line breaks while the width stays the same.

    Layout asks a paragraph for its size more than once (to keep a question
    with its answer, then to place it); breaking lines is the costly part.
    reportlab's parser makes a fragment of every entity (`&amp;`), and each
    costs as much as a word: runs of one style are joined back into one.
    """

    _wrapped_for: float | None = None

    def _setup(self, text: Any, style: Any, bullet: Any, frags: Any, cleaner: Any) -> None:
        if frags is None:  # parsed as Paragraph._setup does, by a parser that remembers
            text = cleaner(printable(text))  # tags and attributes are ASCII: only text changes
            parser = _Parser()
            parser.caseSensitive = self.caseSensitive
            style, frags, bullet_frags = parser.parse(text, style)  # type: ignore[no-untyped-call]
            if frags is None:  # reportlab's words
                error, start = parser.errors[0], text[:30]
                raise ValueError(f"xml parser error ({error}) in paragraph beginning\n'{start}'")
            textTransformFrags(frags, style)
            bullet = bullet_frags or bullet
            frags = joined_frags(frags)
        super()._setup(text, style, bullet, frags, cleaner)  # type: ignore[misc]

    def wrap(self, avail_width: float, avail_height: float) -> tuple[float, float]:
        # split() may drop blPara (its line breaks), so check it is still there.
        if avail_width != self._wrapped_for or "blPara" not in self.__dict__:
            super().wrap(avail_width, avail_height)
            self._wrapped_for = avail_width
        return self.width, self.height


# Fragments that stand for something other than styled text: never joined.
_SPECIAL_FRAGS = ("cbDefn", "lineBreak", "_selfClosingTag")


def joined_frags(frags: Sequence[Any]) -> list[Any]:
    """`frags` with neighbours of the same style joined into one (linear)."""
    result: list[Any] = []
    run: list[Any] = []
    for frag in frags:
        if not (run and _same_style(run[0], frag)):
            _flush(run, result)
            run = []
        run.append(frag)
    _flush(run, result)
    return result


def _same_style(first: Any, second: Any) -> bool:
    if any(hasattr(f, name) for f in (first, second) for name in _SPECIAL_FRAGS):
        return False
    style = {k: v for k, v in vars(first).items() if k != "text"}
    return style == {k: v for k, v in vars(second).items() if k != "text"}


def _flush(run: list[Any], result: list[Any]) -> None:
    if len(run) > 1:
        run[0].text = "".join(frag.text for frag in run)
    result.extend(run[:1])
