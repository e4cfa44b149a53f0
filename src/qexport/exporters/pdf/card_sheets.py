"""Flash cards drawn on sheets: a page of fronts, then a page of their backs.

The cards are laid out by `cards` (`CardMaker`); here they are placed in the
grid, with cut guides, each back mirrored behind its front.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from itertools import islice
from pathlib import Path

from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import Flowable

from qexport.changes import content_date
from qexport.exporters.pdf.cards import (
    COLUMNS,
    MARGIN,
    PADDING,
    ROWS,
    Card,
    CardMaker,
    card_box,
    header_height,
)
from qexport.exporters.pdf.document import dated, level_key, numbered_title, pdf_keywords
from qexport.exporters.pdf.styles import Styles
from qexport.exporters.pdf.wording import SEPARATOR, Wording
from qexport.model import Question, QuestionSet


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
