"""The PDFs' own words follow the set's `language`, read back from real PDFs.

German and Greek copies of the small fixture bank are printed in all three
layouts; their words (on the page, in the outline and in the document's
title) must be the language's, and none of the English ones may be left.
"""

from __future__ import annotations

import os
import re
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest
from pypdf import PdfReader

from qexport.exporters.pdf.wording import WORDING, primary_language, wording

from conftest import GOOD, Run, clean_failure, export_pdf
from pdf_reading import outline_titles, pages

pytestmark = pytest.mark.skipif(
    shutil.which("pdftotext") is None and not os.environ.get("CI"),
    reason="needs poppler-utils (pdftotext)",
)
LAYOUTS = ("booklet", "cheatsheet", "cards")
LONG_ANSWER = "\n\n".join(
    f"Paragraph {n}: a long text that cannot fit on one flash card, so it goes on."
    for n in range(60)
)
# What the English PDFs print that no translation may leave behind ("Version" is German too).
ENGLISH = ("Contents", "Topic index", "Page", "questions", "answer", "continued", "booklet")


def bank_in(tmp_path: Path, language: str | None, long_answer: bool = True) -> Path:
    """A copy of the fixture bank in `language` (no `language` key if None), two answers long:
    one without a key answer (it goes on to follow-on cards), one with (its back says that
    the booklet has more)."""
    content = tmp_path / f"bank-{language}" / "content"
    shutil.copytree(GOOD, content)
    if language is not None:
        metadata = content / "set.toml"
        text = metadata.read_text(encoding="utf-8")
        metadata.write_text(
            text.replace(
                'tag_prefix = "tiny"\n', f'tag_prefix = "tiny"\nlanguage = "{language}"\n'
            ),
            encoding="utf-8",
        )
    if long_answer:
        basic = content / "basic.md"
        text = basic.read_text(encoding="utf-8").replace("{.key}\nYes, since Python 3.7.\n\n", "")
        basic.write_text(
            text.replace("Yes, since Python 3.7.", f"Yes, since Python 3.7.\n\n{LONG_ANSWER}"),
            encoding="utf-8",
        )
        advanced = content / "advanced.md"
        text = advanced.read_text(encoding="utf-8")
        advanced.write_text(text.replace("```python norun", f"{LONG_ANSWER}\n\n```python norun"))
    return content


def printed(pdf: Path) -> str:
    return "\n".join(page.text for page in pages(pdf))


def language_line(content: Path) -> int:
    lines = (content / "set.toml").read_text(encoding="utf-8").split("\n")
    return next(n for n, line in enumerate(lines, 1) if line.startswith("language"))


@pytest.fixture(scope="module")
def german(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """The German copy (as a regional tag, de-AT), printed in every layout."""
    content = bank_in(tmp_path_factory.mktemp("de"), "de-AT")
    return {
        layout: export_pdf(content, tmp_path_factory.mktemp(layout), "--layout", layout)
        for layout in LAYOUTS
    }


def test_german_booklet(german: dict[str, Path]) -> None:
    text = printed(german["booklet"])
    pdf_pages = pages(german["booklet"])
    assert "3 Fragen: 2 Basic · 1 Advanced" in text  # German nouns keep their capital
    assert "Version 0.1.0" in text
    assert "Inhalt" in pdf_pages[2].text  # the cover, its blank back, then the contents
    assert "Themenverzeichnis" in pdf_pages[-1].text
    total = len(pdf_pages)
    assert f"Seite 3 von {total}" in pdf_pages[2].text
    assert f"Seite {total} von {total}" in pdf_pages[-1].text
    titles = [title for _, title in outline_titles(PdfReader(german["booklet"]))]
    assert (titles[0], titles[-1]) == ("Inhalt", "Themenverzeichnis")
    for word in ENGLISH:
        assert word not in text, word
        assert all(word not in title for title in titles), word


def test_german_cheat_sheet(german: dict[str, Path]) -> None:
    text = printed(german["cheatsheet"])
    total = len(pages(german["cheatsheet"]))
    assert "Tiny Test Set: Spickzettel" in text
    assert f"Seite 1 von {total}" in text
    assert PdfReader(german["cheatsheet"]).metadata.title == "Tiny Test Set: Spickzettel"
    for word in (*ENGLISH, "cheat sheet"):
        assert word not in text, word


def test_german_cards(german: dict[str, Path]) -> None:
    text = printed(german["cards"])
    parts = int(re.findall(r"Antwort 1/(\d+)", text)[0])
    assert parts > 1  # the long answer went on to follow-on cards
    assert f"(Fortsetzung, 2 von {parts})" in text
    assert f"Antwort {parts}/{parts}" in text
    assert re.search(r"\bAntwort\b(?! \d)", text)  # a card whose answer fits on one
    assert "Mehr dazu im Heft." in text  # a key answer's card, its details cut short
    assert PdfReader(german["cards"]).metadata.title == "Tiny Test Set: Lernkarten"
    for word in (*ENGLISH, "flash cards"):
        assert word not in text, word


def test_english_by_default(tmp_path: Path) -> None:
    """No `language` key: English, as it always was."""
    content = bank_in(tmp_path, None)
    booklet = printed(export_pdf(content, tmp_path / "booklet"))
    assert "3 questions: 2 basic · 1 advanced" in booklet
    for words in ("Contents", "Topic index", "Version 0.1.0"):
        assert words in booklet
    assert re.search(r"Page 3 of \d+", booklet)
    cards = printed(export_pdf(content, tmp_path / "cards", "--layout", "cards"))
    assert "(continued, 2 of" in cards
    assert "answer 1/" in cards
    assert "More detail in the booklet." in cards
    sheet = export_pdf(content, tmp_path / "sheet", "--layout", "cheatsheet")
    assert PdfReader(sheet).metadata.title == "Tiny Test Set: cheat sheet"


def test_a_single_question_is_counted_in_the_singular(tmp_path: Path) -> None:
    content = bank_in(tmp_path, "de", long_answer=False)
    (content / "advanced.md").unlink()
    basic = content / "basic.md"
    text = basic.read_text(encoding="utf-8")
    basic.write_text(text[: text.index("{#dict-order")], encoding="utf-8")
    metadata = content / "set.toml"
    text = metadata.read_text(encoding="utf-8").replace('advanced = "Advanced"\n', "")
    metadata.write_text(text.replace('concurrency = "Concurrency"\n', ""), encoding="utf-8")
    assert "1 Frage: 1 Basic" in printed(export_pdf(content, tmp_path / "de"))


def test_unknown_language_prints_english_and_warns_once(
    tmp_path: Path, run: Callable[..., Run]
) -> None:
    content = bank_in(tmp_path, "fr-CA", long_answer=False)
    result = run("validate", content=content)
    assert result.exit_code == 0, result.stderr
    warnings = [line for line in result.stderr.splitlines() if "wording" in line]
    assert warnings == [
        f"{content / 'set.toml'}:{language_line(content)}: warning: the PDFs have no wording in "
        "the language 'fr-CA', so they print their own words (Contents, Page X of Y...) in "
        "English; there is wording for de, el, en: a language is added to WORDING in "
        "qexport/exporters/pdf/wording.py"
    ]
    assert "Contents" in printed(export_pdf(content, tmp_path / "out"))


def test_greek_words_the_default_fonts_lack_fail_validate_first(
    tmp_path: Path, run: Callable[..., Run]
) -> None:
    """IBM Plex Serif has no Greek: one error at the `language` line, before anything is built."""
    content = bank_in(tmp_path, "el", long_answer=False)
    validate = run("validate", content=content)
    clean_failure(
        validate,
        f"{content / 'set.toml'}:{language_line(content)}: the PDFs print their own words "
        "(such as 'Περιεχόμενα') in the language 'el', but the font IBM Plex Serif lacks",
        "hint: the theme 'default' prints text in IBM Plex Serif",
    )
    assert validate.stderr.count("\n") == 3  # the error, its hint, the summary
    out = tmp_path / "out"
    pdf = run("pdf", "--out", str(out), content=content)
    clean_failure(pdf, "lacks")
    assert not out.exists() or not any(out.iterdir())


GREEK_THEME = """\
description = "The default look, with a serif that has Greek."
[palette]
text = "#1f2328"
background = "#ffffff"
muted = "#59636e"
accent = "#0969da"
code_text = "#1f2328"
code_background = "#f6f8fa"
rule = "#d1d9e0"
[night]
text = "#e6edf3"
background = "#0d1117"
muted = "#9198a1"
accent = "#4493f8"
code_text = "#e6edf3"
code_background = "#151b23"
rule = "#3d444d"
[code]
style = "default"
night_style = "github-dark"
[fonts]
body = "Noto Serif"
code = "IBM Plex Mono"
[sizes]
body = 10
code = 8.5
code_floor = 6.5
cheatsheet = 7.5
card = 9.5
"""


@pytest.fixture(scope="module")
def greek(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """The Greek copy, printed with a project theme whose serif has Greek."""
    content = bank_in(tmp_path_factory.mktemp("el"), "el-GR")
    theme = content.parent / "themes" / "greek"
    theme.mkdir(parents=True)
    (theme / "theme.toml").write_text(GREEK_THEME, encoding="utf-8")
    return {
        layout: export_pdf(
            content, tmp_path_factory.mktemp(layout), "--layout", layout, "--theme", "greek"
        )
        for layout in LAYOUTS
    }


def test_greek_pdfs(greek: dict[str, Path]) -> None:
    booklet = printed(greek["booklet"])
    total = len(pages(greek["booklet"]))
    assert "3 ερωτήσεις: 2 basic · 1 advanced" in booklet
    for words in ("Περιεχόμενα", "Ευρετήριο θεμάτων", "Έκδοση 0.1.0", f"Σελίδα 3 από {total}"):
        assert words in booklet
    titles = [title for _, title in outline_titles(PdfReader(greek["booklet"]))]
    assert (titles[0], titles[-1]) == ("Περιεχόμενα", "Ευρετήριο θεμάτων")
    sheet = printed(greek["cheatsheet"])
    assert "Tiny Test Set: σύνοψη" in sheet
    cards = printed(greek["cards"])
    assert "(συνέχεια, 2 από" in cards
    assert "απάντηση 1/" in cards
    assert "Περισσότερα στο βιβλιαράκι." in cards
    assert PdfReader(greek["cards"]).metadata.title == "Tiny Test Set: κάρτες μελέτης"
    for text in (booklet, sheet, cards):
        for word in (*ENGLISH, "Version"):
            assert word not in text, word


def test_every_language_has_every_phrase_with_the_same_placeholders() -> None:
    def shape(words: dict[str, str]) -> dict[str, set[str]]:
        # A level's label may be given as written or in lower case: either is the label.
        return {
            key: {name.removesuffix("_lower") for name in re.findall(r"\{(\w+)\}", text)}
            for key, text in words.items()
        }

    english = shape(WORDING["en"])
    for language, words in WORDING.items():
        assert language == primary_language(language)
        assert shape(words) == english, language


@pytest.mark.parametrize(
    ("language", "table"),
    [("de", "de"), ("de-AT", "de"), ("DE", "de"), ("el_GR", "el"), ("en-GB", "en"), ("fr", "en")],
)
def test_a_language_tag_uses_its_primary_language(language: str, table: str) -> None:
    assert wording(language).language == table
