"""Duplex flash cards: a page of fronts, then a page of their backs.

Cards sit in a grid (2 x 3 on A4 and Letter, about 95 x 92 mm). On each back page the columns
are mirrored, so long-edge duplex printing puts every answer behind its
question. A back leads with the key answer at full size; the details follow
while whole blocks fit, a little smaller if need be, and a line says where the
rest is. Without a key answer, an answer too long for one card shrinks to a
legible floor and then continues on follow-on cards; nothing is ever clipped.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from html import escape
from itertools import islice
from pathlib import Path

from reportlab.lib.units import mm
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import Flowable

from qexport.changes import content_date
from qexport.errors import ContentError
from qexport.exporters.pdf.code_flowable import CodeFlowable
from qexport.exporters.pdf.document import (
    dated,
    key_answer,
    level_key,
    numbered_title,
    pdf_keywords,
)
from qexport.exporters.pdf.flowables import Para
from qexport.exporters.pdf.markdown import FlowableRenderer
from qexport.exporters.pdf.styles import Styles
from qexport.exporters.pdf.wording import SEPARATOR, Wording, wording
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

    def _answer(self, question: Question, styles: Styles) -> list[Flowable]:
        room = self.inner[1] - header_height(styles)
        return FlowableRenderer(styles, self.image_path, room).render(question.answer)

    def _key_card(self, question: Question) -> Card:
        """The key answer first; then the details, whole blocks while they fit."""
        width, height = self.inner
        for scale in KEY_SCALES:
            styles = self.styles.scaled(scale)
            room = height - header_height(styles)
            renderer = FlowableRenderer(styles, self.image_path, room)
            back = [*key_answer(question, renderer), *renderer.render(question.answer)]
            if _height(back, width) <= room:
                return Card(question, 1, 1, back, styles)
        styles = self.styles
        room = height - header_height(styles)
        renderer = FlowableRenderer(styles, self.image_path, room)
        more = self._more(styles)
        back = key_answer(question, renderer)
        if _height([*back, more], width) > room:  # it would run over the cut line
            raise ContentError(
                f"this key answer ({word_count(question.key)} words) is too long to fit on a "
                f"flash card; keep it to {MAX_KEY_WORDS} words or fewer, the rest in the details",
                question.path,
                question.key_line,
            )
        for block in renderer.render(question.answer):
            if _height([*back, block, more], width) > room:
                break
            back.append(block)
        return Card(question, 1, 1, [*back, more], styles)

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
        measurement predicts the scale to try next; each try renders the
        answer afresh, which is the costly part.
        """
        if question.key:
            return [self._key_card(question)]
        width, height = self.inner
        floor = max(self.styles.code_floor / self.styles.size, SCALES[-1])
        tried: dict[float, tuple[Styles, list[Flowable]]] = {}

        def attempt(scale: float) -> bool:
            styles = self.styles.scaled(scale)
            answer = self._answer(question, styles)
            tried[scale] = (styles, answer)
            return _height(answer, width) <= height - header_height(styles)

        candidates = [scale for scale in SCALES if scale >= floor]
        if attempt(candidates[0]):
            styles, answer = tried[candidates[0]]
            return [Card(question, 1, 1, answer, styles)]
        needed = _height(tried[candidates[0]][1], width) / (height - header_height(self.styles))
        guess = 1 / needed**0.5
        index = next((i for i, scale in enumerate(candidates) if scale <= guess), len(candidates))
        index = min(max(index, 1), len(candidates) - 1)
        if attempt(candidates[index]):
            # It fits: the largest fitting scale may still be a step or two larger.
            while index > 1 and attempt(candidates[index - 1]):
                index -= 1
            styles, answer = tried[candidates[index]]
            return [Card(question, 1, 1, answer, styles)]
        for smaller in candidates[index + 1 :]:
            if attempt(smaller):
                styles, answer = tried[smaller]
                return [Card(question, 1, 1, answer, styles)]
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


def _slot_origin(
    index: int, mirrored: bool, card_size: tuple[float, float], paper: tuple[float, float]
) -> tuple[float, float]:
    row, column = divmod(index, COLUMNS)
    if mirrored:
        column = COLUMNS - 1 - column
    x = MARGIN + column * card_size[0]
    y = paper[1] - MARGIN - (row + 1) * card_size[1]
    return x, y


def _cut_guides(
    canvas: Canvas, styles: Styles, card_size: tuple[float, float], paper: tuple[float, float]
) -> None:
    canvas.saveState()
    canvas.setStrokeColor(styles.color("rule"))
    canvas.setLineWidth(0.3)
    canvas.setDash(2, 2)
    width, height = COLUMNS * card_size[0], ROWS * card_size[1]
    top = paper[1] - MARGIN
    for column in range(COLUMNS + 1):
        x = MARGIN + column * card_size[0]
        canvas.line(x, top - height - MARGIN * 0.6, x, top + MARGIN * 0.6)
    for row in range(ROWS + 1):
        y = top - row * card_size[1]
        canvas.line(MARGIN * 0.4, y, MARGIN + width + MARGIN * 0.6, y)
    canvas.restoreState()


def _draw_stack(
    canvas: Canvas, flowables: Sequence[Flowable], x: float, top: float, width: float
) -> None:
    y = top
    for index, flowable in enumerate(flowables):
        if index:
            y -= flowable.getSpaceBefore()
        _, height = flowable.wrap(width, 10_000)
        y -= height
        flowable.drawOn(canvas, x, y)
        y -= flowable.getSpaceAfter()


def _back_label(words: Wording, card: Card) -> str:
    """What the back of `card` says it is: "answer", or "answer 2/3" on follow-on cards."""
    if card.parts == 1:
        return words("answer")
    return words("answer_part", part=card.part, parts=card.parts)


def _corner(
    canvas: Canvas, styles: Styles, card: Card, x: float, y_top: float, width: float, side: str
) -> None:
    """The question number (on both sides) and a small label at the card's top."""
    canvas.saveState()
    canvas.setFont(styles.body_font.bold, styles.size * 0.85)
    canvas.setFillColor(styles.color("accent"))
    canvas.drawString(x, y_top - styles.size, f"{card.question.number}")
    canvas.setFont(styles.body_font.regular, styles.size * 0.75)
    canvas.setFillColor(styles.color("muted"))
    canvas.drawRightString(x + width, y_top - styles.size, side)
    canvas.restoreState()


def _outline(
    canvas: Canvas, question_set: QuestionSet, question: Question, levels: set[str]
) -> None:
    """Outline entries for a question's first card: its level first, if it is new."""
    if question.level not in levels:
        levels.add(question.level)
        key = level_key(question.level)
        canvas.bookmarkPage(key)
        canvas.addOutlineEntry(question_set.level(question.level).label, key, 0)
    canvas.bookmarkPage(question.id)
    canvas.addOutlineEntry(numbered_title(question), question.id, 1)


def build_cards(
    question_set: QuestionSet,
    styles: Styles,
    paper: tuple[float, float],
    path: Path,
    image_path: Callable[[str], Path],
) -> None:
    card_size = card_box(paper)
    maker = CardMaker(question_set, styles, card_size, image_path)
    # Cards are made a sheet at a time: a whole bank of laid-out answers would not fit memory.
    cards = (card for question in question_set.questions for card in maker.cards_for(question))
    meta = question_set.meta
    with dated(content_date(question_set)):
        canvas = Canvas(
            str(path),
            pagesize=paper,
            invariant=1,
            pageCompression=1,
            initialFontName=styles.body_font.regular,  # type: ignore[arg-type]  # stubs: float
            lang=meta.language,
        )
    canvas.setTitle(maker.words("flash_cards", title=meta.title))
    canvas.setAuthor(meta.author)
    canvas.setSubject(meta.description)
    canvas.setKeywords(", ".join(pdf_keywords(question_set)))
    canvas.setCreator("qexport")
    canvas.setProducer("qexport")
    canvas.setViewerPreference("Duplex", "DuplexFlipLongEdge")
    canvas.setViewerPreference("PrintScaling", "None")
    canvas.showOutline()
    per_sheet = COLUMNS * ROWS
    outlined: set[str] = set()  # the levels already in the outline
    inner_width = card_size[0] - 2 * PADDING
    while sheet := list(islice(cards, per_sheet)):
        for side in ("front", "back"):
            _cut_guides(canvas, styles, card_size, paper)
            for index, card in enumerate(sheet):
                x, y = _slot_origin(index, side == "back", card_size, paper)
                left, top = x + PADDING, y + card_size[1] - PADDING
                if side == "front":
                    level = question_set.level(card.question.level).label
                    topic = question_set.topic(card.question.topic).label
                    _corner(
                        canvas, styles, card, left, top, inner_width, f"{level}{SEPARATOR}{topic}"
                    )
                    if card.part == 1:
                        _outline(canvas, question_set, card.question, outlined)
                    front = maker.front(card)
                    body_top = top - header_height(styles) * 1.5
                    _draw_stack(canvas, front, left, body_top, inner_width)
                else:
                    label = _back_label(maker.words, card)
                    _corner(canvas, card.styles, card, left, top, inner_width, label)
                    body_top = top - header_height(card.styles)
                    _draw_stack(canvas, card.back, left, body_top, inner_width)
            canvas.showPage()
    canvas.save()
