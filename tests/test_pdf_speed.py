"""What makes the PDFs quick changes nothing in them.

Floors under a paragraph's lines never exceed the lines it takes; a flash card
picks the scale it picks when every try is laid out; a contents entry measured
without being set measures as set; and the conversions remembered in a process
give the same PDF warm as in a fresh process.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from qexport.exporters.pdf import _image_loader, booklet, bounds, cards, flowables
from qexport.exporters.pdf.flowables import Para
from qexport.exporters.pdf.markdown import FlowableRenderer
from qexport.exporters.pdf.styles import PAPERS, Styles, styles_for
from qexport.exporters.pdf.wording import wording
from qexport.loader import load
from qexport.model import QuestionSet
from qexport.themes import load_theme

from conftest import CONTENT, WORST, export_pdf

WIDTHS = (90.0, 240.0, 490.0)  # points: a list item on a card, a card, a booklet page


def _paragraphs(question_set: QuestionSet, styles: Styles) -> list[tuple[str, Any]]:
    """(markup, style) of every paragraph the renderer makes for `question_set`."""
    made: list[tuple[str, Any]] = []
    renderer = FlowableRenderer(styles, None, 400)

    def record(markup: str, style: Any, bulletText: str | None = None) -> Para:
        made.append((markup, style))
        return Para(markup, style, bulletText=bulletText)

    renderer.para = record
    for question in question_set.questions:
        renderer.render(question.answer)
        made.append((renderer.inline(question.question, styles.question), styles.question))
        if question.key:
            made.append((renderer.inline(question.key, styles.key), styles.key))
    return made


def _lines(markup: str, style: Any, width: float) -> int:
    return round(Para(markup, style).wrap(width, 1e6)[1] / style.leading)


@pytest.mark.parametrize("theme", ["default", "print"])
@pytest.mark.parametrize("bank", [CONTENT, WORST], ids=["bundled", "worst"])
def test_floors_never_exceed_the_lines_a_paragraph_takes(bank: Path, theme: str) -> None:
    question_set = load(bank).question_set
    styles = styles_for(load_theme(theme), "card").scaled(0.85)
    tight = real = single = 0
    for markup, style in _paragraphs(question_set, styles):
        for width in WIDTHS:
            lines = _lines(markup, style, width)
            least = bounds.least_lines(markup, style, width)
            assert least <= lines, (markup, width)
            tight, real = tight + least, real + lines
            if bounds.one_line(markup, style, width):
                assert lines == 1, (markup, width)
                single += 1
    assert single > 0  # the test saw paragraphs it could tell fit one line
    assert tight > 0.7 * real  # and floors close enough to spare most failing tries


def _runs() -> st.SearchStrategy[str]:
    """Paragraph markup as the renderer writes it: words, bold, italic, code, entities."""
    styles = styles_for(load_theme("default"), "card")
    code = styles.code_font.regular
    word = st.text(st.sampled_from("abcxyzWM019_-.(é€λ"), min_size=1, max_size=30)
    run = st.one_of(
        word,
        word.map(lambda text: f"<b>{text}</b>"),
        word.map(lambda text: f"<i>{text}</i>"),
        word.map(lambda text: f'<font face="{code}" size="7.65">{text}</font>'),
        st.sampled_from(["&amp;", "&lt;", "&nbsp;", " ", "  "]),
    )
    return st.lists(run, min_size=1, max_size=40).map(" ".join)


@settings(max_examples=200, deadline=None)
@given(markup=_runs(), width=st.floats(min_value=20, max_value=500), kind=st.integers(0, 3))
def test_floors_hold_for_any_runs_and_width(markup: str, width: float, kind: int) -> None:
    styles = styles_for(load_theme("default"), "card")
    # A nested list item leaves less room than one glyph at the narrowest widths.
    style = (styles.body, styles.key, styles.quote_text, styles.list_item(2))[kind]
    lines = _lines(markup, style, width)
    assert bounds.least_lines(markup, style, width) <= lines
    assert not bounds.one_line(markup, style, width) or lines == 1


def test_a_line_narrower_than_a_glyph_is_floored_at_one_line() -> None:
    style = styles_for(load_theme("default"), "card").list_item(2)
    for room in (0.5, 2.0, 6.0):  # each glyph runs over a line of its own
        width = style.leftIndent + room
        lines = _lines("abcdefghij klmnop", style, width)
        assert bounds.least_lines("abcdefghij klmnop", style, width) <= lines


def test_floors_count_entities_and_tags_as_no_glyphs() -> None:
    body = styles_for(load_theme("default"), "card").body
    assert bounds.least_lines("&nbsp;", body, 200) == 0
    assert bounds.least_lines("<b></b>", body, 200) == 0
    assert bounds.least_lines("<b>x</b>", body, 200) == 1
    long = " ".join(["word"] * 200)
    assert bounds.least_lines(long, body, 200) >= 10
    assert not bounds.one_line(long, body, 200)
    assert bounds.one_line("a b", body, 200)
    assert not bounds.one_line("a<br/>b", body, 200)
    assert not bounds.one_line("<super>a</super>", body, 200)  # a tag qexport never writes


def _chosen(maker: cards.CardMaker, question_set: QuestionSet) -> list[tuple[Any, ...]]:
    """Every card's scale, part and blocks (each by kind, text and height)."""
    width = maker.inner[0]
    return [
        (
            card.styles.size,
            card.part,
            card.parts,
            [
                (type(f).__name__, getattr(f, "text", ""), f.wrap(width, 10_000)[1])
                for f in card.back
            ],
        )
        for question in question_set.questions
        for card in maker.cards_for(question)
    ]


@pytest.mark.parametrize("paper", ["a4", "letter"])
@pytest.mark.parametrize("bank", ["bundled", "keyless", "worst"])
def test_cards_pick_what_laying_out_every_try_picks(
    bank: str, paper: str, keyless_bank: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    content = {"bundled": CONTENT, "keyless": keyless_bank, "worst": WORST}[bank]
    question_set = load(content).question_set
    styles = styles_for(load_theme("default"), "card")

    def maker() -> cards.CardMaker:
        size = cards.card_box(PAPERS[paper])
        return cards.CardMaker(question_set, styles, size, _image_loader(question_set))

    quick = _chosen(maker(), question_set)
    skipped: list[bool] = []
    may_fit = cards.CardMaker._may_fit

    def every_try(self: cards.CardMaker, *args: Any) -> bool:
        skipped.append(not may_fit(self, *args))
        return True  # lay the try out, whatever its floor says

    monkeypatch.setattr(cards.CardMaker, "_may_fit", every_try)
    assert _chosen(maker(), question_set) == quick
    if bank != "worst":  # a bank of long answers: the floors spare some tries
        assert any(skipped)


@pytest.mark.parametrize("paper", ["a4", "letter"])
def test_contents_entries_measure_as_set(paper: str) -> None:
    question_set = load(CONTENT).question_set
    styles = styles_for(load_theme("default"), "body")
    renderer = FlowableRenderer(styles)
    width, height = booklet.text_frame(PAPERS[paper])
    entries = booklet._entries(question_set, styles, renderer, 1.0, wording("en"))
    shortcuts = 0
    for entry in entries:
        measured = entry.measure(width, height)
        assert entry.para is None  # nothing held between measuring and laying out
        assert measured == entry.wrap(width, height)[1]
        shortcuts += bounds.one_line(entry.markup, entry._style(), width)
    assert shortcuts > len(entries) / 2
    held = 0
    for entry in entries:
        measured = entry.measure(width, height, keep=True)
        para = entry.para
        if para is not None:  # set to be measured (not one line for sure): held
            assert entry.wrap(width, height)[1] == measured
            assert entry.para is para  # laid out without being set again
            held += 1
    assert held > 0


def test_tag_attributes_are_converted_once_and_validators_never_kept() -> None:
    styles = styles_for(load_theme("default"), "body")
    markup = '<font color="#123456">a</font> <u width="0.5*F">b</u> c'
    flowables._ATTRIBUTES.clear()
    fresh = [vars(frag) for frag in Para(markup, styles.body).frags]
    kept = [key for key in flowables._ATTRIBUTES if ("color", "#123456") in key]
    assert kept
    assert not any(("width", "0.5*F") in key for key in flowables._ATTRIBUTES)
    assert [vars(frag) for frag in Para(markup, styles.body).frags] == fresh


@pytest.mark.parametrize(
    ("bank", "layout"),
    [(CONTENT, "cards"), (WORST, "booklet"), (WORST, "cheatsheet"), (WORST, "cards")],
    ids=["bundled-cards", "worst-booklet", "worst-cheatsheet", "worst-cards"],
)
def test_a_warm_process_prints_what_a_fresh_one_does(
    bank: Path, layout: str, tmp_path: Path
) -> None:
    warm = [export_pdf(bank, tmp_path / f"warm{n}", "--layout", layout) for n in (1, 2)]
    out = tmp_path / "fresh"
    command = [sys.executable, "-m", "qexport", "--content", str(bank), "pdf"]
    command += ["--layout", layout, "--out", str(out)]
    subprocess.run(command, check=True, capture_output=True)
    (fresh,) = out.glob("*.pdf")
    assert warm[0].read_bytes() == warm[1].read_bytes() == fresh.read_bytes()
