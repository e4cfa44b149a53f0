"""Key answers in print: a bold lead line under the question in the booklet, and the first
thing on a flash card's back, with the details only while they fit."""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest
from pypdf import PdfReader
from test_pdf_cards import cards_of

from qexport.exporters.pdf.cards import COLUMNS, MARGIN, ROWS
from qexport.loader import load
from qexport.render import render_plain

from conftest import CONTENT, export_pdf
from pdf_reading import Page, letters, lines_of, pages

pytestmark = pytest.mark.skipif(
    shutil.which("pdftotext") is None and not os.environ.get("CI"),
    reason="needs poppler-utils (pdftotext)",
)

LONG_DETAILS = "\n\n".join(
    f"Paragraph {n} of the details, " + "padding words " * 30 for n in range(12)
)


def _bank(bank: Path, details: str) -> Path:
    (bank / "basic.md").write_text(
        "{#q1 topic=data-types}\n## What is a tuple?\n\n{.key}\n"
        "An immutable sequence, hashable when its items are.\n\n" + details + "\n",
        encoding="utf-8",
    )
    return bank


def _bold_runs(pdf: Path, page: int) -> list[str]:
    """The text the page sets in a bold face, run by run (pypdf's view of the content)."""
    runs: list[str] = []

    def visit(text: str, _cm: object, _tm: object, font: object, _size: object) -> None:
        name = str((font or {}).get("/BaseFont", "")) if isinstance(font, dict) else ""
        if "Bold" in name and text.strip():
            runs.append(text)

    PdfReader(pdf).pages[page].extract_text(visitor_text=visit)
    return runs


def test_the_booklet_sets_the_key_answer_in_bold_between_question_and_details(
    bank: Path, tmp_path: Path
) -> None:
    _bank(bank, "The details start here.")
    pdf = export_pdf(bank, tmp_path / "out", "--layout", "booklet")
    texts = [page.text for page in pages(pdf)]
    (index,) = [n for n, text in enumerate(texts) if "hashable when" in text]
    text = letters(texts[index])
    question = text.index(letters("What is a tuple?"))
    key = text.index(letters("An immutable sequence, hashable when its items are."))
    details = text.index(letters("The details start here."))
    assert question < key < details
    bold = letters(" ".join(_bold_runs(pdf, index)))
    assert letters("An immutable sequence, hashable when its items are.") in bold
    assert letters("The details start here.") not in bold


def _backs(pdf: Path) -> list[Page]:
    return pages(pdf)[1::2]


def test_a_card_back_leads_with_the_key_answer_and_keeps_short_details(
    bank: Path, tmp_path: Path
) -> None:
    _bank(bank, "The details start here.")
    pdf = export_pdf(bank, tmp_path / "out", "--layout", "cards")
    back = letters(_backs(pdf)[0].text)
    key = back.index(letters("An immutable sequence"))
    assert key < back.index(letters("The details start here."))
    assert letters("More detail in the booklet.") not in back


def test_long_details_stop_where_the_card_ends_with_a_line_saying_so(
    bank: Path, tmp_path: Path
) -> None:
    _bank(bank, LONG_DETAILS)
    pdf = export_pdf(bank, tmp_path / "out", "--layout", "cards")
    reader = PdfReader(pdf)
    # One card per question: no follow-on cards for a question with a key answer.
    fronts = [letters(page.text) for page in pages(pdf)[0::2]]
    assert sum(letters("What is a tuple?") in front for front in fronts) == 1
    back = next(
        page for page in _backs(pdf) if letters("An immutable sequence") in letters(page.text)
    )
    card_height = (back.height - 2 * MARGIN) / ROWS
    card_width = (back.width - 2 * MARGIN) / COLUMNS
    # The question's card is the first slot: its back sits top right (columns mirror).
    own = [w for w in back.words if w.y0 < MARGIN + card_height and w.x0 > MARGIN + card_width]
    lines = [line.text for line in lines_of(own)]
    assert lines[1].startswith("An immutable sequence")  # after the number and label line
    assert lines[-1] == "More detail in the booklet."
    assert "Paragraph 0 of the details" in " ".join(lines)
    assert "Paragraph 11 of the details" not in " ".join(lines)
    assert all(w.y1 <= MARGIN + card_height for w in own)
    assert len(reader.pages) == 2


def test_every_bundled_card_back_leads_with_its_key_answer(
    built_pdf: Callable[..., Path],
) -> None:
    questions = {q.number: q for q in load(CONTENT).question_set.questions}
    for paper in ("a4", "letter"):
        backs = cards_of(pages(built_pdf(CONTENT, "--layout", "cards", "--paper", paper)), "back")
        # One card for each question: no follow-on cards, and each back leads with its key.
        assert sorted(int(card.header[0].text) for card in backs) == sorted(questions)
        for card in backs:
            question = questions[int(card.header[0].text)]
            key = letters(render_plain(question.key))
            body = letters(" ".join(w.text for line in card.lines for w in line))
            assert body.startswith(key), question.id
            assert all(w.y1 <= card.bottom for line in card.lines for w in line)


@pytest.mark.parametrize("paper", ["a4", "letter"])
@pytest.mark.parametrize("letter", ["W", "W ", "漢"])
def test_a_key_answer_the_checks_skip_for_its_length_always_fits_a_back(
    bank: Path, paper: str, letter: str
) -> None:
    """The checks lay out only key answers longer than KEY_SURELY_FITS: one of that length
    in the widest letters must fit a card's back at full size, with the booklet line."""
    from dataclasses import replace

    from qexport.exporters.pdf.cards import KEY_SURELY_FITS, CardMaker, card_box
    from qexport.exporters.pdf.styles import PAPERS, styles_for
    from qexport.themes import load_theme

    question_set = load(bank).question_set
    key = (letter * KEY_SURELY_FITS)[:KEY_SURELY_FITS]
    question = replace(question_set.questions[0], key=key)
    for theme in ("default", "print"):
        styles = styles_for(load_theme(theme), "card")
        maker = CardMaker(question_set, styles, card_box(PAPERS[paper]), lambda src: bank / src)
        assert maker.key_fits(question)
