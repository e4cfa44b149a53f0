"""The print theme's code style: every colour the default theme uses has a gray look of its own."""

from __future__ import annotations

import itertools
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner
from pygments.token import String, _TokenType

from qexport.cli import cli
from qexport.codeblocks import language_of
from qexport.exporters.pdf.code_flowable import highlighted_lines
from qexport.exporters.pdf.styles import CodeRun, styles_for
from qexport.loader import load
from qexport.render import lexer_for, shared_parser
from qexport.themes import load_theme

from conftest import CONTENT, FIXTURES
from pdf_reading import drawings

# Both mark the parts of a string that are not literal text; three grays and
# four faces give twelve looks, one short of the default style's colours.
SHARED = {frozenset({String.Interpol, String.Escape})}


def _code_blocks() -> Iterator[tuple[str, str]]:
    """(code, language) of every code block of the bundled and worst-case banks."""
    for bank in (CONTENT, FIXTURES / "worst" / "content"):
        for question in load(bank).question_set.questions:
            for token in shared_parser().parse(question.answer):
                if token.type == "fence":
                    yield token.content, language_of(token.info)


def _looks(theme_name: str) -> dict[_TokenType, CodeRun]:
    """The face and colour the PDFs draw each token type of the banks' code in."""
    styles = styles_for(load_theme(theme_name), "body")
    looks: dict[_TokenType, CodeRun] = {}
    for code, language in _code_blocks():
        lexer = lexer_for(language)
        if lexer is None:
            continue
        drawn = iter([run for line in highlighted_lines(code, language, styles) for run in line])
        # The PDF splits tokens at line ends and drops empty pieces: pair them up the same way.
        for token_type, text in lexer.get_tokens(code.rstrip("\n")):
            for piece in str(text).split("\n"):
                if piece:
                    drawn_text, run = next(drawn)
                    assert drawn_text == piece
                    if piece.strip():
                        looks[token_type] = run
    return looks


def test_every_colour_of_the_default_theme_is_a_look_of_its_own_in_print() -> None:
    default, printed = _looks("default"), _looks("print")
    assert len(default) > 20  # the banks' code uses many token types
    clashes = []
    for first, second in itertools.combinations(sorted(default), 2):
        if default[first].color == default[second].color:
            continue
        if frozenset({first, second}) in SHARED:
            continue
        if printed[first] == printed[second]:
            clashes.append((str(first), str(second)))
    assert clashes == []


@pytest.mark.parametrize("token_type", [String.Double, String.Doc])
def test_strings_and_comments_differ_in_print(token_type: _TokenType) -> None:
    from pygments.token import Comment

    printed = _looks("print")
    assert printed.get(token_type, printed[String.Double]) != printed[Comment.Single]


def test_print_is_grayscale() -> None:
    for run in _looks("print").values():
        red, green, blue = run.color.red, run.color.green, run.color.blue
        assert red == green == blue, run


@pytest.mark.skipif(shutil.which("pdftotext") is None, reason="needs poppler-utils")
def test_print_code_blocks_are_outlined_not_filled(tmp_path: Path) -> None:
    """The default theme shades code; print draws a hairline instead, and fills nothing."""
    counts = {}
    for theme in ("default", "print"):
        out = tmp_path / theme
        argv = ["--content", str(CONTENT), "pdf", "--level", "basic", "--theme", theme]
        result = CliRunner().invoke(cli, [*argv, "--out", str(out)])
        assert result.exit_code == 0, result.output
        (pdf,) = out.glob("*.pdf")
        boxes = [box for page in drawings(pdf) for box in page]
        outlines = [b for b in boxes if not b.filled and b.x1 - b.x0 > 50 and b.y1 - b.y0 > 5]
        counts[theme] = (sum(box.filled for box in boxes), len(outlines))
    filled, outlined = counts["default"]
    assert filled > 20
    assert outlined == 0
    filled, outlined = counts["print"]
    assert filled == 0
    assert outlined > 20
