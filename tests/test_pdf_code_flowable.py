"""Code blocks in the PDFs: long lines wrap where a reader expects, keeping their indentation.

Unit tests lay out crafted lines at a fixed narrow width (or at many widths), and check
that joining the pieces with one space at each wrap at a space gives back the line; the
PDF test reads the size of every continuation mark in the cheat sheet and the flash cards.
"""

from __future__ import annotations

import os
import shutil
import time
from collections.abc import Callable, Sequence
from itertools import pairwise
from pathlib import Path

import pytest
from pypdf import PdfReader
from reportlab.pdfbase.pdfmetrics import stringWidth

from qexport.exporters.pdf.code_flowable import (
    CONTINUATION,
    PADDING_EMS,
    CodeFlowable,
    highlighted_lines,
)
from qexport.exporters.pdf.styles import Styles, styles_for
from qexport.themes import load_theme

from conftest import CONTENT, FIXTURES

pytestmark = pytest.mark.skipif(
    shutil.which("pdftotext") is None and not os.environ.get("CI"),
    reason="needs poppler-utils (pdftotext)",
)
WORST = FIXTURES / "worst" / "content"
BANKS = {"bundled": CONTENT, "worst": WORST}
MARK = CONTINUATION.strip()


# Laying out crafted lines ----------------------------------------------------------


def _styles() -> Styles:
    return styles_for(load_theme("default"), "card")


def _laid_out(code: str, width: float, language: str = "") -> CodeFlowable:
    block = CodeFlowable(highlighted_lines(code, language, _styles()), _styles())
    block.wrap(width, 10_000)
    return block


def _text(runs: Sequence[tuple[str, object]]) -> str:
    return "".join(text for text, _ in runs)


def _pieces(code: str, width: float, language: str = "") -> list[str]:
    """The visual lines of a one-line block, continuations with their hanging indent."""
    block = _laid_out(code, width, language)
    return [_text(runs) for _, runs in block.visual]


def _rejoined(line: str, pieces: list[str]) -> tuple[str, list[str]]:
    """The pieces put back together, and how each break was made ('space' or 'none').

    A wrap at a space takes exactly one space: the pieces join with one space there,
    with nothing elsewhere.
    """
    indent = line[: len(line) - len(line.lstrip(" "))]
    text, kinds = pieces[0], []
    for piece in pieces[1:]:
        assert piece.startswith(indent), (piece, indent)  # the hanging indent
        rest = piece[len(indent) :]
        kind = "none" if line.startswith(text + rest) else "space"
        text += rest if kind == "none" else " " + rest
        assert line.startswith(text), (text, rest)
        kinds.append(kind)
    return text, kinds


def _is_word(char: str) -> bool:
    return char.isalnum() or char == "_"


WIDTH = 150.0  # points: about 33 characters at the 6.5 pt floor


def _fits(block: CodeFlowable) -> None:
    inner = block.width - 2 * PADDING_EMS * block.size
    mark = stringWidth(CONTINUATION, _styles().code_font.regular, block.size)
    for continuation, runs in block.visual:
        width = sum(stringWidth(text, run.font, block.size) for text, run in runs)
        assert width + (mark if continuation else 0) <= inner + 1e-6, _text(runs)


def test_a_long_line_breaks_at_the_last_space_that_fits() -> None:
    line = "    total = alpha + beta + gamma + delta + epsilon + zeta + eta + theta"
    block = _laid_out(line, WIDTH)
    pieces = [_text(runs) for _, runs in block.visual]
    assert len(pieces) > 2
    text, kinds = _rejoined(line, pieces)
    assert text == line
    assert set(kinds) == {"space"}
    _fits(block)
    # The last space that fits: the next word would not have fitted on the piece.
    inner = block.width - 2 * PADDING_EMS * block.size
    mark = stringWidth(CONTINUATION, _styles().code_font.regular, block.size)
    for index, (piece, following) in enumerate(pairwise(pieces)):
        longer = piece + " " + following[4:].split(" ")[0]
        used = stringWidth(longer, _styles().code_font.regular, block.size)
        assert used + (mark if index else 0) > inner, (piece, following)


def test_a_line_without_spaces_breaks_after_punctuation() -> None:
    line = "    result=compute(first_argument,second_argument,third_argument,fourth)"
    pieces = _pieces(line, WIDTH)
    text, kinds = _rejoined(line, pieces)
    assert text == line
    assert set(kinds) == {"none"}
    for piece, following in pairwise(pieces):
        assert not _is_word(piece[-1]), piece  # ends on punctuation
        assert _is_word(following.strip()[0]), following  # before a word
    assert "result=compute(" in pieces[0]


def test_operators_stay_whole_at_a_break() -> None:
    line = "  x" + "->y==z" * 20
    for piece in _pieces(line, WIDTH)[:-1]:
        assert not piece.endswith(("-", "=")), piece  # breaks after `->y` or `==z`, not inside


def test_a_word_is_cut_only_when_nothing_else_fits() -> None:
    line = "        " + "x" * 150
    block = _laid_out(line, WIDTH)
    pieces = [_text(runs) for _, runs in block.visual]
    text, kinds = _rejoined(line, pieces)
    assert text == line
    assert set(kinds) == {"none"}
    _fits(block)
    # A word is cut only because a whole piece of it does not fit: every piece is full.
    inner = block.width - 2 * PADDING_EMS * block.size
    char = stringWidth("x", _styles().code_font.regular, block.size)
    for continuation, runs in block.visual[:-1]:
        mark = stringWidth(CONTINUATION, _styles().code_font.regular, block.size)
        used = sum(stringWidth(t, r.font, block.size) for t, r in runs)
        used += mark if continuation else 0
        assert used + char > inner


def test_a_space_inside_the_indentation_is_no_place_to_break() -> None:
    line = "            " + "y" * 60 + " tail"
    pieces = _pieces(line, WIDTH)
    assert pieces[0].strip(), pieces  # the first piece holds more than the indentation


def test_continuations_carry_the_mark_and_the_lines_indentation() -> None:
    code = "def f():\n        return first_value + second_value + third_value + fourth_value\n"
    block = _laid_out(code, WIDTH, "python")
    assert [flag for flag, _ in block.visual][:2] == [False, False]
    continuations = [runs for flag, runs in block.visual if flag]
    assert continuations
    for runs in continuations:
        assert _text(runs).startswith("        ")
        assert _text(runs)[8] != " "


def _logical(block: CodeFlowable) -> list[list[tuple[bool, Sequence[tuple[str, object]]]]]:
    """The block's visual lines, grouped by the line of code they show."""
    groups: list[list[tuple[bool, Sequence[tuple[str, object]]]]] = []
    for continuation, runs in block.visual:
        if continuation:
            groups[-1].append((continuation, runs))
        else:
            groups.append([(continuation, runs)])
    return groups


def test_wrapping_keeps_every_character_and_its_style() -> None:
    code = (
        "print(f\"{name!r} owes {total:,.2f}\")  # -> 'Ada' owes 1,234.50 and a long tail\n"
        "    value = some.module.function(argument_one, [1, 2, 3], {'key': 'value'}, x=42)\n"
        '        raise ValueError("a message that is long enough to need two pieces or more")\n'
    )
    lines = highlighted_lines(code, "python", _styles())
    groups = _logical(_laid_out(code, WIDTH, "python"))
    assert len(groups) == len(lines)
    assert all(len(group) > 1 for group in groups)
    for line, group in zip(lines, groups, strict=True):
        source = _text(line)
        text, _ = _rejoined(source, [_text(runs) for _, runs in group])
        assert text == source
        indent = len(source) - len(source.lstrip(" "))
        original = [(char, run) for piece, run in line for char in piece if char != " "]
        drawn = [
            (char, run)
            for continuation, runs in group
            for piece, run in runs
            for char in piece
            if char != " "
        ]
        assert drawn == original  # every character, in its own colour and face
        assert all(_text(runs)[:indent].strip() == "" for _, runs in group)


def test_wrapping_time_grows_linearly_with_the_line() -> None:
    def seconds(characters: int) -> float:
        best = float("inf")
        for tries in range(3):
            line = ("word, " * characters)[:characters] + f"{tries}"  # a fresh line each time
            start = time.process_time()
            _laid_out(line, WIDTH)
            best = min(best, time.process_time() - start)
        return best

    seconds(100)
    n = 5_000
    small = seconds(n)
    while small < 0.02 and n < 200_000:
        n *= 2
        small = seconds(n)
    assert seconds(4 * n) / small < 8  # linear: about 4; quadratic: 16


# Shrinking, punctuation and runs of spaces -----------------------------------------

SHRUNK = (  # two of the bundled bank's blocks that shrink on the cards
    'd = {"b": 1, "a": 2}\n'
    'd["c"] = 3\n'
    "print(list(d))           # -> ['b', 'a', 'c']\n"
    'print(d.get("zzz", 0))   # -> 0\n'
    "print(d | {\"a\": 20})     # -> {'b': 1, 'a': 20, 'c': 3}\n"
    'print({1: "int", 1.0: "float"})  # -> {1: \'float\'}\n',
    "x = 42\n"
    'x = "now a str"          # names can be rebound to any type\n'
    "try:\n"
    '    "1" + 1              # but types are never silently coerced\n'
    "except TypeError:\n"
    '    print("TypeError")   # -> TypeError\n',
)


@pytest.mark.parametrize("kind", ["card", "body"])  # the cheat sheet's code is at the floor
@pytest.mark.parametrize("code", SHRUNK, ids=["dict", "types"])
def test_a_block_shrunk_to_fit_its_frame_is_never_wrapped(code: str, kind: str) -> None:
    styles = styles_for(load_theme("default"), kind)
    lines = highlighted_lines(code, "python", styles)
    unit = max(sum(stringWidth(t, r.font, 1.0) for t, r in line) for line in lines)
    shrunk = 0
    for step in range(2_000):
        width = 150.0 + 150.0 * ((step * 0.6180339887) % 1.0)  # 150 to 300 pt, spread out
        block = CodeFlowable(lines, styles)
        block.wrap(width, 10_000)
        if block.size > styles.code_floor:
            assert not any(flag for flag, _ in block.visual), (width, block.size)
            shrunk += block.size < styles.code_size
        elif any(flag for flag, _ in block.visual):  # then the widest line really is too wide
            assert unit * block.size > width - 2 * PADDING_EMS * block.size
    assert shrunk > 100  # the widths did make the block shrink


def _mark_sizes(pdf: Path) -> list[float]:
    """The font size of every continuation mark drawn in `pdf`."""
    sizes: list[float] = []

    def visit(text: str, cm: object, tm: Sequence[float], font: object, size: float) -> None:
        sizes.extend([size * tm[0]] * text.count(MARK))

    for page in PdfReader(pdf).pages:
        page.extract_text(visitor_text=visit)
    return sizes


@pytest.mark.parametrize("layout", ["cards"])  # the cheat sheet: tests/test_pdf_cheatsheet.py
@pytest.mark.parametrize("paper", ["a4", "letter"])
def test_only_lines_too_wide_at_the_floor_size_wrap_in_the_pdf(
    built_pdf: Callable[..., Path], layout: str, paper: str
) -> None:
    # The worst-case bank: a back with a key answer shows only the blocks that fit whole,
    # so the bundled bank's cards may have no line too wide at the floor.
    pdf = built_pdf(WORST, "--layout", layout, "--paper", paper)
    sizes = _mark_sizes(pdf)
    assert sizes  # the worst-case bank has lines too wide even at the floor
    floor = load_theme("default").sizes["code_floor"]
    assert [size for size in sizes if abs(size - floor) > 1e-3] == []


def _available(block: CodeFlowable, continuation: bool, hang: str) -> float:
    """The width a piece of `block` may take: a continuation's after its mark and indent."""
    font = _styles().code_font.regular
    inner = block.width - 2 * PADDING_EMS * block.size
    if not continuation:
        return inner
    return inner - stringWidth(CONTINUATION + hang, font, block.size)


@pytest.mark.parametrize(
    "line",
    [
        '        x = "a_string_with_no_spaces_at_all_that_goes_on_and_on_and_on_and_on'
        '_and_on_and_on_and_on"',
        "    call(" + "(" * 3 + "a_long_argument_name_that_does_not_fit" * 3 + ")))",
        '    items = ["' + '","'.join(["an_entry_of_some_length"] * 6) + '"]',
    ],
)
def test_a_break_after_punctuation_never_leaves_a_nearly_empty_piece(line: str) -> None:
    block = _laid_out(line, WIDTH)
    pieces = [_text(runs) for _, runs in block.visual]
    text, kinds = _rejoined(line, pieces)
    assert text == line
    _fits(block)
    hang = line[: len(line) - len(line.lstrip(" "))]
    font = _styles().code_font.regular
    for index, kind in enumerate(kinds):
        if kind == "space":
            continue  # a space is the preferred break, however short the piece
        piece = pieces[index][len(hang) if index else 0 :]
        used = stringWidth(piece, font, block.size)
        assert used >= _available(block, index > 0, hang) / 2, pieces


def test_a_piece_with_a_space_still_breaks_at_the_space() -> None:
    line = '        x = "' + "s" * 120 + '"'
    pieces = _pieces(line, WIDTH)
    assert pieces[0] == "        x ="  # not `x = "ssss…`, cut inside the string
    assert pieces[1].lstrip(" ").startswith('"s')


@pytest.mark.parametrize("run", [2, 6, 13])
def test_a_wrap_takes_exactly_one_space_of_a_run(run: int) -> None:
    gap = " " * run
    line = '    print("' + gap.join(f"column_{c}" for c in "abcdefgh") + '")'
    block = _laid_out(line, WIDTH, "python")
    pieces = [_text(runs) for _, runs in block.visual]
    assert len(pieces) > 2
    text, kinds = _rejoined(line, pieces)
    assert text == line  # joined with one space at each break: every space is back
    assert "space" in kinds
    assert not any(piece.endswith(" ") for piece in pieces), pieces
    for piece, kind in zip(pieces[1:], kinds, strict=True):
        if kind == "space":  # the rest of the run starts the continuation
            assert piece[4:].startswith(" " * (run - 1) + "column_"), pieces
    _fits(block)


def test_trailing_spaces_never_make_a_continuation() -> None:
    for line in ["tail = 1" + " " * 80, "    " + "word " * 12 + " " * 40]:
        block = _laid_out(line, WIDTH)
        pieces = [_text(runs) for _, runs in block.visual]
        assert all(piece.strip() for piece in pieces), pieces  # never the mark alone
        text, _ = _rejoined(line, pieces)
        assert text == line.rstrip(" ")
        _fits(block)


# Splitting a block between frames --------------------------------------------------

BLOCK = "\n".join(
    f"line_{n} = compute(alpha, beta, gamma, delta, epsilon, zeta)" if n % 3 else f"short_{n}"
    for n in range(12)
)


def _split(keep: int, height: float) -> list[CodeFlowable]:
    block = _laid_out(BLOCK, WIDTH)
    block.keep = keep
    return block.split(WIDTH, height)  # type: ignore[return-value]


def _height(lines: int, size: float = 6.5) -> float:
    """The height a block of `lines` visual lines takes (at the 6.5 pt floor)."""
    return (lines * 1.3 + 2 * PADDING_EMS - 0.3) * size + 0.01


@pytest.mark.parametrize("keep", [1, 2])
def test_a_block_splits_only_between_logical_lines(keep: int) -> None:
    whole = _laid_out(BLOCK, WIDTH).visual
    assert any(flag for flag, _ in whole)  # some lines are wrapped
    splits = 0
    for lines in range(1, len(whole)):
        pieces = _split(keep, _height(lines))
        if not pieces:
            continue
        first, rest = pieces
        assert not rest.visual[0][0], lines  # the second piece starts a logical line
        assert len(first.visual) <= lines
        assert first.visual + rest.visual == whole
        assert min(len(first.visual), len(rest.visual)) >= keep
        splits += 1
    assert splits


def test_on_a_card_a_block_fills_the_room_it_has() -> None:
    whole = _laid_out(BLOCK, WIDTH).visual
    starts = [index for index, (flag, _) in enumerate(whole) if not flag]
    for lines in range(1, len(whole)):
        pieces = _split(1, _height(lines))
        best = max((start for start in starts if 0 < start <= lines), default=0)
        if best == 0:
            assert pieces == []
        else:
            assert len(pieces[0].visual) == best  # as many whole lines as fit


def test_blank_lines_at_a_break_are_dropped() -> None:
    code = "first = 1\nsecond = 2\n\n\nthird = 3\nfourth = 4\n"
    block = _laid_out(code, WIDTH)
    block.keep = 1
    for lines in (2, 3, 4):
        first, rest = block.split(WIDTH, _height(lines, block.size))
        assert [_text(runs) for _, runs in first.visual] == ["first = 1", "second = 2"]
        assert [_text(runs) for _, runs in rest.visual] == ["third = 3", "fourth = 4"]
    first, rest = block.split(WIDTH, _height(5, block.size))  # the blank lines go with `third` now
    assert [_text(runs) for _, runs in first.visual][-1] == "third = 3"


def test_a_line_taller_than_a_card_is_still_dealt_onto_cards() -> None:
    from qexport.exporters.pdf.cards import _pack
    from qexport.exporters.pdf.markdown import FlowableRenderer

    styles = _styles().scaled(0.684)
    answer = "```\n" + "word " * 3_000 + "\n```\n"
    cards = _pack(FlowableRenderer(styles).render(answer), WIDTH, 200.0)
    assert len(cards) > 3
    for card in cards:
        assert sum(flowable.wrap(WIDTH, 200.0)[1] for flowable in card) <= 200.0


def test_deep_indentation_hangs_at_most_half_the_width() -> None:
    line = " " * 24 + "deep = call(alpha, beta, gamma, delta, epsilon, zeta, eta)"
    block = _laid_out(line, WIDTH)
    _fits(block)
    for continuation, runs in block.visual[1:]:
        text = _text(runs)
        assert continuation
        assert len(text) - len(text.lstrip(" ")) < 20  # about half of 33 characters
        assert text.strip()


@pytest.mark.parametrize("language", ["console", "python", "text", "toml"])
def test_every_line_of_a_block_is_printed_whatever_its_language(language: str) -> None:
    # A console lexer given no final newline never emitted the session's last output line.
    code = "$ pip install x\nCollecting x\n$ python -m x\nhello\n"
    lines = highlighted_lines(code, language, _styles())
    assert ["".join(text for text, _ in line) for line in lines] == code.splitlines()
    assert highlighted_lines(code.rstrip("\n"), language, _styles()) == lines
