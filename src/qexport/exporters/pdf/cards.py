"""Duplex flash cards: what each card holds, and at what size (`card_sheets` draws them).

Cards sit in a grid (2 x 3 on A4 and Letter, about 95 x 92 mm). On each back page the columns
are mirrored, so long-edge duplex printing puts every answer behind its
question. A back leads with the key answer at full size; the details follow
while whole blocks fit, a little smaller if need be, and a line says where the
rest is. Without a key answer, an answer too long for one card shrinks to a
legible floor and then continues on follow-on cards; nothing is ever clipped.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from html import escape
from itertools import chain
from pathlib import Path

from reportlab.lib.units import mm
from reportlab.platypus import Flowable

from qexport.errors import ContentError
from qexport.exporters.pdf.code_flowable import CodeFlowable
from qexport.exporters.pdf.document import key_answer
from qexport.exporters.pdf.flowables import Para
from qexport.exporters.pdf.markdown import FlowableRenderer
from qexport.exporters.pdf.styles import Styles
from qexport.exporters.pdf.wording import wording
from qexport.key_answers import MAX_KEY_WORDS, word_count
from qexport.model import Question, QuestionSet

COLUMNS, ROWS = 2, 3
MARGIN = 10 * mm
PADDING = 4 * mm
SCALES = (1.0, 0.92, 0.85, 0.78, 0.72, 0.68, 0.64)
KEY_SCALES = SCALES[:3]  # a back with a key answer shrinks this far to keep every detail
SURELY_FITS = 200  # characters of a question: five lines of the widest letters on a front
KEY_SURELY_FITS = 300  # characters of a key answer: a dozen lines of the widest on a back


@dataclass(frozen=True)
class Card:
    question: Question
    part: int  # 1-based
    parts: int
    back: Sequence[Flowable]
    styles: Styles  # the scale this card's answer was set at


def _height(flowables: Sequence[Flowable], width: float) -> float:
    """The stack's height as drawn: spaces between flowables, none after the last."""
    total = 0.0
    for index, flowable in enumerate(flowables):
        total += flowable.wrap(width, 10_000)[1]
        if index:
            total += flowable.getSpaceBefore() + flowables[index - 1].getSpaceAfter()
    return total


class _Stack:
    """Flowables one under another, measured as they are added: `height` sums what
    `_height` sums, in its order, so it is the very same number."""

    def __init__(self, width: float, room: float) -> None:
        self.width, self.room = width, room
        self.flowables: list[Flowable] = []
        self.heights: list[float] = []  # the stack's height after each flowable
        self.height = 0.0
        self.fits = True

    def fill(self, flowables: Iterable[Flowable], whole: bool = False) -> bool:
        """Adds `flowables`; whether they `fit` in `room`. Unless `whole`, it stops once
        the stack runs over: nothing added after that could make it short enough, so
        the rest is never made."""
        for flowable in flowables:
            self.height = self.with_last(len(self.flowables), flowable)
            self.flowables.append(flowable)
            self.heights.append(self.height)
            self.fits = self.fits and self.height <= self.room
            if not (self.fits or whole):
                break
        return self.fits

    def with_last(self, count: int, flowable: Flowable) -> float:
        """The height of the first `count` flowables with `flowable` under them."""
        total = self.heights[count - 1] if count else 0.0
        total += flowable.wrap(self.width, 10_000)[1]
        if count:
            total += flowable.getSpaceBefore() + self.flowables[count - 1].getSpaceAfter()
        return total


def _fill_cards(flowables: Sequence[Flowable], height: float) -> list[Flowable]:
    """`flowables`, their code blocks (also those in quotes) told they sit on cards.

    A card's code breaks before any logical line, keeping no two-line minimum:
    that rule suits a page's column, but on a card it sends lines that fit to a
    follow-on card. An empty card is `height` tall.
    """
    for flowable in flowables:
        inner = getattr(flowable, "inner", flowable)  # a quote indents its blocks
        if isinstance(inner, CodeFlowable):
            inner.keep, inner.frame_height = 1, height
    return list(flowables)


def _pack(flowables: Sequence[Flowable], width: float, height: float) -> list[list[Flowable]]:
    """Flowables dealt onto as many cards as they need, splitting where they allow."""
    queue = _fill_cards(flowables, height)
    cards: list[list[Flowable]] = []
    while queue:
        card: list[Flowable] = []
        room = height
        while queue:
            flowable = queue[0]
            needed = flowable.wrap(width, room)[1] + (flowable.getSpaceBefore() if card else 0)
            if needed <= room:
                card.append(queue.pop(0))
                room -= needed + flowable.getSpaceAfter()
                continue
            pieces = flowable.split(width, room - (flowable.getSpaceBefore() if card else 0))
            if pieces:
                queue[:1] = pieces
                card.append(queue.pop(0))
            elif not card:
                card.append(queue.pop(0))  # cannot split and alone: it still must print
            break
        cards.append(card)
    return cards


def card_box(paper: tuple[float, float]) -> tuple[float, float]:
    """The width and height of one card, in points."""
    return (paper[0] - 2 * MARGIN) / COLUMNS, (paper[1] - 2 * MARGIN) / ROWS


def header_height(styles: Styles) -> float:
    """The room a card's number and label take above its text."""
    return styles.size * 1.6


def text_frame(paper: tuple[float, float], styles: Styles) -> tuple[float, float]:
    """The width and height an answer gets on a card at `styles`, in points."""
    width, height = card_box(paper)
    return width - 2 * PADDING, height - 2 * PADDING - header_height(styles)


class CardMaker:
    def __init__(
        self,
        question_set: QuestionSet,
        styles: Styles,
        card_size: tuple[float, float],
        image_path: Callable[[str], Path],
    ) -> None:
        self.question_set = question_set
        self.words = wording(question_set.meta.language)
        self.styles = styles
        self.inner = (card_size[0] - 2 * PADDING, card_size[1] - 2 * PADDING)
        self.image_path = image_path
        self._scales: dict[float, Styles] = {}

    def _answer(self, question: Question, styles: Styles) -> list[Flowable]:
        room = self.inner[1] - header_height(styles)
        return FlowableRenderer(styles, self.image_path, room).render(question.answer)

    def _scaled(self, scale: float) -> Styles:
        """The styles at `scale`, made once per maker: their paragraph styles are shared."""
        styles = self._scales.get(scale)
        if styles is None:
            styles = self._scales[scale] = self.styles.scaled(scale)
        return styles

    def _set(
        self, question: Question, styles: Styles, least: bool = False, whole: bool = False
    ) -> _Stack:
        """The back at `styles`: the key answer, if any, then the answer, set until it runs
        over the card (or `whole`); with `least`, only their floors (`bounds.py`)."""
        room = self.inner[1] - header_height(styles)
        renderer = FlowableRenderer(styles, self.image_path, room, least=least)
        back = _Stack(self.inner[0], room)
        back.fill(chain(key_answer(question, renderer), renderer.blocks(question.answer)), whole)
        return back

    def _may_fit(self, question: Question, styles: Styles) -> bool:
        """Whether the back's floor fits at `styles`: if not, the back cannot."""
        return self._set(question, styles, least=True).fits

    def _key_card(self, question: Question) -> Card:
        """The key answer first; then the details, whole blocks while they fit.

        A scale is tried only if the back's floor fits there; the try at full size
        holds what `_cut_short` needs, and is made for it if it was skipped.
        """
        full: _Stack | None = None
        for scale in KEY_SCALES:
            styles = self._scaled(scale)
            if not self._may_fit(question, styles):
                continue
            back = self._set(question, styles)
            if back.fits:
                return Card(question, 1, 1, back.flowables, styles)
            if scale == 1.0:
                full = back
        return self._cut_short(question, full or self._set(question, self.styles))

    def _cut_short(self, question: Question, full: _Stack) -> Card:
        """At full size: the key answer, the details' first blocks while they fit, then
        the line that points to the booklet. `full` is the back as far as it was set."""
        styles = self.styles
        room = self.inner[1] - header_height(styles)
        more = self._more(styles)
        kept = 1  # the key answer's paragraph
        if full.with_last(kept, more) > room:  # it would run over the cut line
            raise ContentError(
                f"this key answer ({word_count(question.key)} words) is too long to fit on a "
                f"flash card; keep it to {MAX_KEY_WORDS} words or fewer, the rest in the details",
                question.path,
                question.key_line,
            )
        # `full` ran over: the block that did so, or one before it, is the first left out.
        while kept < len(full.flowables) and full.with_last(kept + 1, more) <= room:
            kept += 1
        return Card(question, 1, 1, [*full.flowables[:kept], more], styles)

    def _more(self, styles: Styles) -> Para:
        return Para(f"<i>{escape(self.words('more_details'))}</i>", styles.label)

    def key_fits(self, question: Question) -> bool:
        """Whether the key answer and the line that points to the booklet fit at full size:
        then `_key_card` never runs out of room."""
        width, height = self.inner
        room = height - header_height(self.styles)
        renderer = FlowableRenderer(self.styles, self.image_path, room)
        return _height([*key_answer(question, renderer), self._more(self.styles)], width) <= room

    def cards_for(self, question: Question) -> list[Card]:
        """One card with the key answer first (`_key_card`), where the question has one.

        Otherwise the largest scale at which the answer fits one card, or follow-on
        cards at the floor.

        Text height grows roughly with the square of the scale, so the first
        measurement predicts the scale to try next; each later try sets the
        answer only until it runs over, which is the costly part.
        """
        if question.key:
            return [self._key_card(question)]
        height = self.inner[1]
        floor = max(self.styles.code_floor / self.styles.size, SCALES[-1])
        tried: dict[float, tuple[Styles, _Stack]] = {}

        def attempt(scale: float, whole: bool = False) -> bool:
            """Whether the answer fits at `scale`: set whole, or only if its floor fits
            and until it runs over."""
            styles = self._scaled(scale)
            if not (whole or self._may_fit(question, styles)):
                return False
            answer = self._set(question, styles, whole=whole)
            tried[scale] = (styles, answer)
            return answer.fits

        candidates = [scale for scale in SCALES if scale >= floor]
        if attempt(candidates[0], whole=True):  # its height guides the next try
            styles, answer = tried[candidates[0]]
            return [Card(question, 1, 1, answer.flowables, styles)]
        needed = tried[candidates[0]][1].height / (height - header_height(self.styles))
        guess = 1 / needed**0.5
        index = next((i for i, scale in enumerate(candidates) if scale <= guess), len(candidates))
        index = min(max(index, 1), len(candidates) - 1)
        if attempt(candidates[index]):
            # It fits: the largest fitting scale may still be a step or two larger.
            while index > 1 and attempt(candidates[index - 1]):
                index -= 1
            styles, answer = tried[candidates[index]]
            return [Card(question, 1, 1, answer.flowables, styles)]
        for smaller in candidates[index + 1 :]:
            if attempt(smaller):
                styles, answer = tried[smaller]
                return [Card(question, 1, 1, answer.flowables, styles)]
        styles = self.styles.scaled(floor)
        parts = self._parts(question, styles)
        return [Card(question, n, len(parts), part, styles) for n, part in enumerate(parts, 1)]

    def _parts(self, question: Question, styles: Styles) -> list[list[Flowable]]:
        """The answer at `styles`, dealt onto as many cards as it needs."""
        width, height = self.inner
        return _pack(self._answer(question, styles), width, height - header_height(styles))

    def front(self, card: Card) -> list[Flowable]:
        """The question, fitted to the card by shrinking; never clipped."""
        width, height = self.inner
        question = card.question
        for scale in (*SCALES, 0.6, 0.55):
            styles = self.styles.scaled(scale * 1.15)
            renderer = FlowableRenderer(styles)
            if card.part > 1:
                continued = self.words("continued", part=card.part, parts=card.parts)
                continued = f"<i>{escape(continued)}</i>"
                markup = renderer.inline(question.question, styles.body)
                text = Para(f"{continued} {markup}", styles.body)
            else:
                text = Para(renderer.inline(question.question), styles.question)
            if _height([text], width) <= height - header_height(self.styles) * 2:
                return [text]
        raise ContentError(
            "this question is too long to fit on a flash card; shorten it",
            question.path,
            question.line,
        )


def front_problem(maker: CardMaker, question: Question) -> ContentError | None:
    """Why `question` cannot fit a card's front, or None (checked before any card is drawn).

    A question this short fits at the smallest scale whatever its characters: only a
    longer one is laid out to know.
    """
    if len(question.question) <= SURELY_FITS:
        return None
    try:
        maker.front(Card(question, 1, 1, (), maker.styles))
    except ContentError as problem:
        return problem
    return None
