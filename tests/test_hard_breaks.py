"""Hard line breaks (two trailing spaces, or a backslash) survive the clean-up and break
the line on cards and in the PDFs; trailing spaces that mean nothing still go."""

from __future__ import annotations

from pathlib import Path

import pytest

from qexport.loader import load
from qexport.normalize import normalize, read_text

from conftest import export_pdf
from pdf_reading import pages

QUESTION = """\
{{#q1 topic=data-types}}
## Which colours make up the flag?

{{.key}}
{key}

{details}
"""


def _write(bank: Path, key: str, details: str) -> Path:
    path = bank / "basic.md"
    path.write_text(QUESTION.format(key=key, details=details), encoding="utf-8")
    return path


def test_a_paragraph_keeps_its_hard_breaks_as_two_spaces_and_its_line_count() -> None:
    text = "Roses are red,   \nviolets are blue.  \n\nNext.\t\t\n"
    assert normalize(text, markdown=True) == "Roses are red,  \nviolets are blue.\n\nNext.\n"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("last line  \n\nnext\n", "last line\n\nnext\n"),  # a paragraph's end
        ("a\n   \nb\n", "a\n\nb\n"),  # a blank line
        ("end of file  ", "end of file"),
        ("## A heading  \nText\n", "## A heading\nText\n"),
        ("{#q topic=x}  \n## Q\n", "{#q topic=x}\n## Q\n"),  # an attribute line
        ("{.key}  \nKey.\n", "{.key}\nKey.\n"),
        (
            "Before a fence  \n```python\nx = 1  \ny = 2\n```\n",
            "Before a fence\n```python\nx = 1\ny = 2\n```\n",
        ),
        ("- item  \n  ```\n  code  \n  more\n  ```\n", "- item\n  ```\n  code\n  more\n  ```\n"),
        ("text\t\t\nmore\n", "text\nmore\n"),  # tabs are not a hard break in CommonMark
        ("text \u00a0\nmore\n", "text\nmore\n"),  # nor a no-break space
    ],
)
def test_trailing_spaces_that_mean_nothing_still_go(text: str, expected: str) -> None:
    assert normalize(text, markdown=True) == expected
    assert normalize(text, markdown=True).count("\n") == text.count("\n")


def test_hard_breaks_in_lists_and_quotes_are_kept() -> None:
    text = "- one  \n  two\n\n> three  \n> four\n"
    assert normalize(text, markdown=True) == text


def test_only_markdown_files_keep_them(tmp_path: Path) -> None:
    toml = tmp_path / "set.toml"
    toml.write_text('description = """two  \nlines"""\n', encoding="utf-8")
    assert read_text(toml) == 'description = """two\nlines"""\n'
    level = tmp_path / "basic.md"
    level.write_text("two  \nlines\n", encoding="utf-8")
    assert read_text(level) == "two  \nlines\n"


def test_cards_show_both_kinds_of_hard_break(bank: Path) -> None:
    from qexport.exporters.anki.deck import notes_for

    _write(bank, "Red,  \nwhite\\\nand blue.", "Stars  \nand stripes   \nand more.   \n")
    (question,) = [q for q in load(bank).question_set.questions if q.id == "q1"]
    assert question.key == "Red,  \nwhite\\\nand blue."
    assert question.answer == "Stars  \nand stripes  \nand more."
    (note,) = [n for n in notes_for(load(bank).question_set) if n.question.id == "q1"]
    back = note.fields["Answer"]
    assert "Red,<br" in back
    assert "white<br" in back
    assert "Stars<br" in back
    assert "stripes<br" in back
    assert "more.<br" not in back


def _rows(pdf: Path, *words: str) -> list[float]:
    """The top of the line each of `words` is printed on, on the first page with them."""
    for page in pages(pdf):
        found = {w.text: w.y0 for w in page.words if w.text in words}
        if set(found) == set(words):
            return [round(found[word]) for word in words]
    raise AssertionError(f"{words} not on one page of {pdf}")


@pytest.mark.parametrize("layout", ["booklet", "cards"])
def test_the_pdfs_break_the_line_there(bank: Path, tmp_path: Path, layout: str) -> None:
    _write(bank, "Red,  \nwhite\\\nand blue.", "Stars  \nand stripes\nglitter.")
    pdf = export_pdf(bank, tmp_path / "hard", "--layout", layout)
    red, white, blue = _rows(pdf, "Red,", "white", "blue.")
    assert red < white < blue
    stars, stripes, glitter = _rows(pdf, "Stars", "stripes", "glitter.")
    assert stars < stripes == glitter  # the soft break runs on
    _write(bank, "Red,\nwhite\nand blue.", "Stars\nand stripes\nglitter.")
    soft = export_pdf(bank, tmp_path / "soft", "--layout", layout)
    red, white, blue = _rows(soft, "Red,", "white", "blue.")
    assert red == white == blue
