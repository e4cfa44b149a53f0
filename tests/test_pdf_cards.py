"""Flash cards read back from the PDF: wrapped code stays on one card, follow-on cards
are spent only on what does not fit, the outline lists levels then questions, and every
card keeps clear of its cut lines, with its back exactly behind its front."""

from __future__ import annotations

import os
import re
import shutil
from collections.abc import Callable
from dataclasses import dataclass
from itertools import pairwise
from pathlib import Path

import pytest
from pypdf import PdfReader
from pypdf.generic import Destination

from qexport.exporters.pdf.cards import COLUMNS, MARGIN, PADDING, ROWS
from qexport.exporters.pdf.code_flowable import CONTINUATION
from qexport.exporters.pdf.document import numbered_title
from qexport.loader import load

from conftest import CONTENT, WORST, answer_code_blocks
from pdf_reading import Page, Word, pages, text_lines

pytestmark = pytest.mark.skipif(
    shutil.which("pdftotext") is None and not os.environ.get("CI"),
    reason="needs poppler-utils (pdftotext)",
)
BANKS = {"bundled": CONTENT, "worst": WORST}
MARK = CONTINUATION.strip()
CLEAR = 8.0  # points: no word this close to a card's cut line
CARDS = [
    pytest.param(bank, paper, id=f"{bank}-{paper}") for bank in BANKS for paper in ("a4", "letter")
]
# A back with a key answer is one card: follow-on cards are met without key answers.
FOLLOW_ON = [
    pytest.param(bank, paper, id=f"{bank}-{paper}")
    for bank in ("keyless", "worst")
    for paper in ("a4", "letter")
]


@dataclass(frozen=True)
class Card:
    page: int  # 0-based index of the page it is drawn on
    row: int
    column: int
    left: float  # the slot's edges, y from the top of the page
    top: float
    right: float
    bottom: float
    header: list[Word]  # the number and the label
    lines: list[list[Word]]  # the body, top to bottom

    @property
    def label(self) -> str:
        return " ".join(w.text for w in self.header)


@pytest.fixture
def cards_pdf(built_pdf: Callable[..., Path], keyless_bank: Path) -> Callable[[str, str], Path]:
    def get(bank: str, paper: str) -> Path:
        content = keyless_bank if bank == "keyless" else BANKS[bank]
        return built_pdf(content, "--layout", "cards", "--paper", paper)

    return get


def _slot(page: Page, row: int, column: int) -> tuple[float, float, float, float]:
    width = (page.width - 2 * MARGIN) / COLUMNS
    height = (page.height - 2 * MARGIN) / ROWS
    left, top = MARGIN + column * width, MARGIN + row * height
    return left, top, left + width, top + height


def lines_by_slot(page: Page) -> dict[tuple[int, int], list[list[Word]]]:
    """Each card's lines of words, top to bottom, by its (row, column) on the sheet."""
    width = (page.width - 2 * MARGIN) / COLUMNS
    height = (page.height - 2 * MARGIN) / ROWS
    columns = [MARGIN + column * width for column in range(1, COLUMNS)]
    rows = [MARGIN + row * height for row in range(1, ROWS)]
    return {
        slot: [line.words for line in lines]
        for slot, lines in text_lines(page, columns, rows).items()
    }


def cards_of(all_pages: list[Page], side: str) -> list[Card]:
    """Every card on the fronts (or backs), in the order the cards were dealt."""
    cards = []
    first = 0 if side == "front" else 1
    for index in range(first, len(all_pages), 2):
        page = all_pages[index]
        slots = lines_by_slot(page)
        for slot in range(COLUMNS * ROWS):
            row, column = divmod(slot, COLUMNS)
            if side == "back":
                column = COLUMNS - 1 - column
            lines = slots.get((row, column))
            if lines:
                left, top, right, bottom = _slot(page, row, column)
                header, *body = lines
                cards.append(Card(index, row, column, left, top, right, bottom, header, body))
    return cards


def _part(card: Card) -> tuple[int, int]:
    found = re.search(r"answer (\d+)/(\d+)", card.label)
    return (int(found[1]), int(found[2])) if found else (1, 1)


@pytest.mark.parametrize(("bank", "paper"), FOLLOW_ON)
def test_a_wrapped_code_line_never_straddles_two_cards(
    cards_pdf: Callable[[str, str], Path], bank: str, paper: str
) -> None:
    backs = cards_of(pages(cards_pdf(bank, paper)), "back")
    assert any(_part(card)[0] > 1 for card in backs)  # there are follow-on cards
    straddling = [card.label for card in backs if card.lines and card.lines[0][0].text == MARK]
    assert straddling == []


# A follow-on card is spent only on lines that could not fit on the card before ----------


def _code_blocks(content: Path) -> list[list[str]]:
    """Every code block of the bank, as its lines without spaces."""
    questions = load(content).question_set.questions
    return [
        ["".join(line.split()) for line in block.code.splitlines()]
        for question in questions
        for block in answer_code_blocks(question)
    ]


def _logical(lines: list[list[Word]], last: bool) -> tuple[str, int]:
    """The first (or last) line of code on a card, without spaces, and its visual lines."""
    if last:
        start = len(lines) - 1
        while start > 0 and lines[start][0].text == MARK:
            start -= 1
        group = lines[start:]
    else:
        end = 1
        while end < len(lines) and lines[end][0].text == MARK:
            end += 1
        group = lines[:end]
    words = [w.text for line in group for w in line if w.text != MARK]
    return "".join(words), len(group)


def _blank_lines_between(blocks: list[list[str]], before: str, after: str) -> int | None:
    """How many blank lines lie between two lines of one code block; None if they do not."""
    for block in blocks:
        for index, line in enumerate(block):
            if line != before:
                continue
            following = index + 1
            while following < len(block) and block[following] == "":
                following += 1
            if following < len(block) and block[following] == after:
                return following - index - 1
    return None


@pytest.mark.parametrize(("bank", "paper"), FOLLOW_ON)
def test_no_follow_on_card_holds_code_that_fits_on_the_card_before(
    cards_pdf: Callable[[str, str], Path], keyless_bank: Path, bank: str, paper: str
) -> None:
    """Where a block of code goes on from one card to the next, the line that starts the
    follow-on card (with any blank lines before it) would not have fitted below the last
    line of the card before: the room left there, down to the card's padding, is less
    than its lines' height plus the block's own bottom padding (about half a line)."""
    blocks = _code_blocks(keyless_bank if bank == "keyless" else BANKS[bank])
    backs = cards_of(pages(cards_pdf(bank, paper)), "back")
    continued = []
    for before, card in pairwise(backs):
        if _part(card)[0] == 1 or not card.lines or card.lines[0][0].text == MARK:
            continue  # not a follow-on card, or a straddle (the test above)
        last, _ = _logical(before.lines, last=True)
        first, count = _logical(card.lines, last=False)
        blanks = _blank_lines_between(blocks, last, first)
        if blanks is None:
            continue  # the follow-on card starts a new block or paragraph
        pitch = card.lines[0][0].y1 - card.lines[0][0].y0  # a code line's height, 1.3 em
        room = before.bottom - PADDING - max(w.y1 for w in before.lines[-1])
        needed = (count + blanks) * pitch + 0.5 * pitch
        continued.append((card.label, round(room, 1), round(needed, 1)))
    if bank == "keyless":
        assert continued  # many of its answers go on, in code, to a follow-on card
    assert [entry for entry in continued if entry[1] >= entry[2]] == []


# The outline ------------------------------------------------------------------------


def test_cards_outline_lists_levels_then_their_questions(
    cards_pdf: Callable[[str, str], Path],
) -> None:
    pdf = cards_pdf("bundled", "a4")
    reader = PdfReader(pdf)
    question_set = load(CONTENT).question_set
    outline = reader.outline
    levels = [item for item in outline if isinstance(item, Destination)]
    nested = [item for item in outline if isinstance(item, list)]
    assert [str(item.title) for item in levels] == [level.label for level in question_set.levels]
    assert len(nested) == len(levels)
    fronts = pages(pdf)

    def page_of(entry: object) -> int:
        assert isinstance(entry, Destination)  # an entry, not a nested list
        number = reader.get_destination_page_number(entry)
        assert number is not None
        return number

    for level, entries, questions in zip(levels, nested, question_set.levels, strict=True):
        expected = question_set.in_level(questions.id)
        titles = [str(entry.title) for entry in entries if isinstance(entry, Destination)]
        assert titles == [numbered_title(q) for q in expected]
        assert page_of(level) == page_of(entries[0])  # the level's first card
        assert page_of(level) % 2 == 0  # a front page
    for entry in (entry for entries in nested for entry in entries):
        assert isinstance(entry, Destination)  # questions are not nested any deeper
        number = str(entry.title).split(".")[0]
        assert number in fronts[page_of(entry)].text.split()  # the page with its card


# Geometry ---------------------------------------------------------------------------


@pytest.mark.parametrize(("bank", "paper"), CARDS)
def test_no_word_comes_near_a_cut_line(
    cards_pdf: Callable[[str, str], Path], bank: str, paper: str
) -> None:
    all_pages = pages(cards_pdf(bank, paper))
    near = []
    for side in ("front", "back"):
        for card in cards_of(all_pages, side):
            for word in [*card.header, *(w for line in card.lines for w in line)]:
                gaps = (
                    word.x0 - card.left,
                    card.right - word.x1,
                    word.y0 - card.top,
                    card.bottom - word.y1,
                )
                if min(gaps) < CLEAR:
                    near.append((side, card.label, word.text, round(min(gaps), 1)))
    assert near == []


@pytest.mark.parametrize(("bank", "paper"), CARDS)
def test_each_back_sits_exactly_behind_its_front(
    cards_pdf: Callable[[str, str], Path], bank: str, paper: str
) -> None:
    """Turned over on the long edge, a back's slot is its front's slot mirrored, and its
    text block starts at the same distance from the slot's edge (the card's padding)."""
    all_pages = pages(cards_pdf(bank, paper))
    fronts, backs = cards_of(all_pages, "front"), cards_of(all_pages, "back")
    assert len(fronts) == len(backs)
    for front, back in zip(fronts, backs, strict=True):
        width = all_pages[front.page].width
        assert back.page == front.page + 1
        assert back.row == front.row
        assert back.left == pytest.approx(width - front.right)
        assert back.header[0].text == front.header[0].text  # the question number
        assert back.header[0].x0 - back.left == pytest.approx(PADDING, abs=0.5)
        assert front.header[0].x0 - front.left == pytest.approx(PADDING, abs=0.5)
        assert back.header[-1].x1 == pytest.approx(back.right - PADDING, abs=0.5)
        for line in back.lines:
            assert back.left + PADDING - 1 <= line[0].x0  # poppler boxes: glyph bounds
            assert line[-1].x1 <= back.right - PADDING + 1
