"""Every PDF measured the way a reader sees it: where each word lands on the page.

For every layout, paper and theme, the bundled bank and the worst-case bank
are built once, read back with `pdftotext -bbox` (words) and the content
stream (rules and cut lines), and checked: no word outside its page's text
frame, right-hand pages the mirror of left-hand ones, card text clear of
the cut lines, code wrapped at spaces with its indentation kept, contents
entries never cut short. The first pages are rendered to PNG beside the
PDFs (pytest's temporary folder), to look at.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import pytest
from PIL import Image

from qexport.fonts import printable
from qexport.loader import load
from qexport.render import shared_parser

from conftest import CONTENT, FIXTURES
from pdf_reading import Box, Line, Page, drawings, pages, text_lines

pytestmark = pytest.mark.skipif(shutil.which("pdftotext") is None, reason="needs poppler-utils")

BANKS = {"bundled": CONTENT, "worst": FIXTURES / "worst" / "content"}
LAYOUTS = ("booklet", "cheatsheet", "cards")
PAPERS = ("a4", "letter")
THEMES = ("default", "print")
CUT_CLEARANCE = 8.0  # points between a card's text and its cut lines
SLACK = 0.5  # points: rounding in poppler's boxes
INF = float("inf")


@dataclass(frozen=True)
class Printed:
    pdf: Path
    pages: list[Page]
    drawings: list[list[Box]]


@pytest.fixture
def printed(built_pdf: Callable[..., Path]) -> Callable[..., Printed]:
    """The PDF of (bank, layout, paper, theme), read back once per test run."""

    def get(bank: str, layout: str, paper: str, theme: str) -> Printed:
        pdf = built_pdf(BANKS[bank], "--layout", layout, "--paper", paper, "--theme", theme)
        if pdf not in READ:
            words = pages(pdf)
            _render_first_pages(pdf, words)
            READ[pdf] = Printed(pdf, words, drawings(pdf))
        return READ[pdf]

    return get


READ: dict[Path, Printed] = {}


def _render_first_pages(pdf: Path, words: list[Page]) -> None:
    """PNGs of the first pages beside the PDF, to look at: each shows ink iff it has words."""
    subprocess.run(
        ["pdftoppm", "-r", "60", "-f", "1", "-l", "4", "-png", str(pdf), str(pdf.with_suffix(""))],
        check=True,
    )
    for png in sorted(pdf.parent.glob("*.png")):
        number = int(png.stem.rsplit("-", 1)[1])
        with Image.open(png) as image:
            inked = image.convert("L").getextrema()[0] < 128
        assert inked == bool(words[number - 1].words), f"{png.name}"


MATRIX = [
    pytest.param((bank, layout, paper, theme), id=f"{bank}-{layout}-{paper}-{theme}")
    for bank in BANKS
    for layout in LAYOUTS
    for paper in PAPERS
    for theme in THEMES
]
BOOKLETS = [param for param in MATRIX if param.values[0][1] == "booklet"]


@pytest.fixture(params=MATRIX)
def case(request: pytest.FixtureRequest, printed: Callable[..., Printed]) -> Case:
    bank, layout, paper, theme = request.param
    return Case(bank, layout, printed(bank, layout, paper, theme))


@pytest.fixture(params=BOOKLETS)
def booklet(request: pytest.FixtureRequest, printed: Callable[..., Printed]) -> Case:
    bank, layout, paper, theme = request.param
    return Case(bank, layout, printed(bank, layout, paper, theme))


@dataclass(frozen=True)
class Case:
    bank: str
    layout: str
    result: Printed


def test_every_word_lies_in_its_page_s_frame(case: Case) -> None:
    check = {"booklet": _booklet_frames, "cheatsheet": _cheatsheet_frames, "cards": _card_frames}
    check[case.layout](case.result)


def test_no_contents_entry_is_cut_short(booklet: Case) -> None:
    """Contents pages run from the "Contents" page to the page before the first level."""
    texts = [page.text for page in booklet.result.pages]
    question_set = load(BANKS[booklet.bank]).question_set
    first = next(i for i, text in enumerate(texts) if text.startswith("Contents"))
    level = question_set.levels[0].label
    last = next(i for i, text in enumerate(texts) if i > first and text.startswith(level))
    contents = " ".join(texts[first:last])
    assert "…" not in contents
    numbers = {f"{q.number}." for q in question_set.questions}
    assert numbers <= set(contents.split())  # every entry is there


def test_code_wraps_at_spaces_and_keeps_its_indentation(case: Case) -> None:
    sources = _code_lines(BANKS[case.bank])
    continued = 0
    for page, boxes in zip(case.result.pages, case.result.drawings, strict=True):
        for chain in _wrapped_lines(page, _areas(case.layout, boxes)):
            continued += 1
            _check_wrapped(chain, sources)
    if case.bank == "worst" and case.layout != "cheatsheet":  # which prints no examples
        assert continued, "the worst-case bank's long lines must wrap"


# Frames -----------------------------------------------------------------------


def _header_rule(boxes: list[Box]) -> Box | None:
    rules = [box for box in boxes if box.is_horizontal_line]
    return min(rules, key=lambda box: box.y0) if rules else None


def _outside(page: Page, left: float, right: float) -> list[str]:
    return [w.text for w in page.words if w.x0 < left - SLACK or w.x1 > right + SLACK]


def _booklet_frames(result: Printed) -> None:
    """Words inside the header rule's extent; rectos and versos mirror each other."""
    edges: dict[bool, set[tuple[float, float]]] = {True: set(), False: set()}
    text_edges: dict[bool, list[float]] = {True: [], False: []}
    for number, (page, boxes) in enumerate(zip(result.pages, result.drawings, strict=True), 1):
        rule = _header_rule(boxes)
        if number == 1 or not page.words:
            continue  # the cover has no header; a blank page nothing to check
        assert rule is not None, f"page {number} has words but no header rule"
        assert _outside(page, rule.x0, rule.x1) == [], f"page {number}"
        right_hand = number % 2 == 1
        edges[right_hand].add((round(rule.x0, 1), round(rule.x1, 1)))
        body = [w for w in page.words if rule.y0 < w.y0 < page.height - 60]
        if body:
            text_edges[right_hand].append(min(w.x0 for w in body))
    width = result.pages[0].width
    (recto,), (verso,) = edges[True], edges[False]
    assert recto[0] > verso[0], "the gutter is on the binding side"
    assert recto[0] == pytest.approx(width - verso[1], abs=0.2)
    assert recto[1] == pytest.approx(width - verso[0], abs=0.2)
    # Each side has one left text edge, its rule's: no text starts left of it, and almost
    # every page has a line starting there (a page may hold only a list or a code block).
    for right_hand, rule_edge in ((True, recto[0]), (False, verso[0])):
        starts = text_edges[right_hand]
        assert all(x >= rule_edge - SLACK for x in starts), (right_hand, sorted(starts))
        at_edge = [x for x in starts if abs(x - rule_edge) <= SLACK]
        assert len(at_edge) >= 0.9 * len(starts), (right_hand, sorted(starts))


def _cheatsheet_frames(result: Printed) -> None:
    for number, (page, boxes) in enumerate(zip(result.pages, result.drawings, strict=True), 1):
        rule = _header_rule(boxes)
        assert rule is not None
        assert _outside(page, rule.x0, rule.x1) == [], f"page {number}"
        dividers = [box for box in boxes if box.is_vertical_line]
        assert dividers, f"page {number}: no column dividers"
        for divider in dividers:  # the running head runs above them
            crossing = [
                w.text
                for w in page.words
                if w.x0 < divider.x0 < w.x1 and w.y1 > divider.y0 and w.y0 < divider.y1
            ]
            assert crossing == [], f"page {number}: words across the column divider"


def _card_frames(result: Printed) -> None:
    """Every word inside one card, clear of its cut lines; backs mirror fronts."""
    for number, (page, boxes) in enumerate(zip(result.pages, result.drawings, strict=True), 1):
        xs = sorted({round(b.x0, 2) for b in boxes if b.is_vertical_line})
        ys = sorted({round(b.y0, 2) for b in boxes if b.is_horizontal_line})
        assert len(xs) >= 2, f"page {number}: no cut lines"
        assert len(ys) >= 2, f"page {number}: no cut lines"
        for word in page.words:
            # A side with no cut line beyond the word gives a gap of -inf: a failure.
            left = max((x for x in xs if x <= word.x0), default=INF)
            right = min((x for x in xs if x >= word.x1), default=-INF)
            top = max((y for y in ys if y <= word.y0), default=INF)
            bottom = min((y for y in ys if y >= word.y1), default=-INF)
            gap = min(word.x0 - left, right - word.x1, word.y0 - top, bottom - word.y1)
            assert gap >= CUT_CLEARANCE - SLACK, f"page {number}: {word.text!r} {gap:.1f} pt"
    for front, back in zip(result.pages[::2], result.pages[1::2], strict=True):
        width = front.width
        assert _cells(front, width, mirrored=True) == _cells(back, width, mirrored=False)


def _cells(page: Page, width: float, mirrored: bool) -> set[tuple[int, int]]:
    """The (row, column) of every card with text, counted from the right if `mirrored`."""
    cells = set()
    for word in page.words:
        column = int((width - word.x1 if mirrored else word.x0) // (width / 2))
        cells.add((int(word.y0 // (page.height / 3)), column))
    return cells


# Code wraps -------------------------------------------------------------------

MARK = "↪"


@cache
def _code_lines(bank: Path) -> dict[str, str]:
    """Every code line of `bank` as printed, by its text with all white space removed."""
    lines: dict[str, str] = {}
    for question in load(bank).question_set.questions:
        for token in shared_parser().parse(question.answer):
            if token.type in ("fence", "code_block"):
                for line in printable(token.content).splitlines():
                    lines.setdefault(re.sub(r"\s", "", line), line.expandtabs())
    return lines


def _areas(layout: str, boxes: list[Box]) -> tuple[list[float], list[float]]:
    """Where the page's text areas part: columns, and the cards' rows."""
    if layout == "booklet":
        return [], []
    columns = sorted({box.x0 for box in boxes if box.is_vertical_line})
    rows = sorted({box.y0 for box in boxes if box.is_horizontal_line})
    return columns, rows if layout == "cards" else []


def _wrapped_lines(page: Page, areas: tuple[list[float], list[float]]) -> Iterator[list[Line]]:
    """Each wrapped code line: its first printed line, then its continuations."""
    for lines in text_lines(page, *areas).values():
        chain: list[Line] = []
        for previous, line in zip([None, *lines], [*lines, None], strict=True):
            if line is not None and line.words[0].text.startswith(MARK):
                assert previous is not None, f"a card or column starts with {line.text!r}"
                chain = chain or [previous]
                chain.append(line)
            elif chain:
                yield chain
                chain = []


def _content(line: Line) -> str:
    return line.text.removeprefix(MARK).strip()


def _word_char(char: str) -> bool:
    return char.isalnum() or char == "_"


def _piece_end(source: str, start: int, piece: str) -> int:
    """Where in `source` the printed `piece`, starting at `start`, ends (spaces aside)."""
    position, taken, wanted = start, 0, len(re.sub(r"\s", "", piece))
    while taken < wanted:
        taken += not source[position].isspace()
        position += 1
    return position


def _check_wrapped(chain: list[Line], sources: dict[str, str]) -> None:
    head, continuations = chain[0], chain[1:]
    pieces = [head.text, *(_content(line) for line in continuations)]
    source = sources.get(re.sub(r"\s", "", "".join(pieces)))
    assert source is not None, f"no code line reads {pieces!r}"
    indent = len(source) - len(source.lstrip())
    start = 0  # in `source`, where the current piece starts
    carried: list[int] = []  # spaces a continuation starts with: a wrap takes one
    for piece in pieces[:-1]:
        end = _piece_end(source, start, piece)
        run = len(source[end:]) - len(source[end:].lstrip(" "))
        carried.append(max(run - 1, 0))
        before, after = source[end - 1], source[end : end + 1]
        inside_word = _word_char(before) and _word_char(after)
        # A space inside this piece (past the indentation) was a better place to break.
        has_space = " " in source[max(start, indent) : end].strip()
        assert not (inside_word and has_space), (
            f"{source.strip()!r} wraps inside a word at {source[start:end].strip()[-12:]!r}"
        )
        start = end
    # A continuation starts after the mark and the line's own indentation: in a
    # monospaced face, two characters (the mark and a space) right of its line,
    # and then the rest of the run of spaces it was wrapped at.
    first = head.words[0]
    for line, spaces in zip(continuations, carried, strict=True):
        mark, content = line.words[0], line.words[1]
        character = mark.x1 - mark.x0
        assert content.x0 - first.x0 == pytest.approx((2 + spaces) * character, abs=0.6), (
            f"{line.text!r} does not keep the indentation of {head.text!r}"
        )
