"""The PDFs, read back from the files: pypdf for structure, poppler for text and fonts."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from collections.abc import Callable
from functools import partial
from pathlib import Path

import pytest
from pypdf import PdfReader
from reportlab.lib.pagesizes import A4, LETTER
from reportlab.lib.units import mm

from qexport.exporters.pdf.cards import COLUMNS, MARGIN, ROWS
from qexport.loader import load
from qexport.registry import exporter_names
from qexport.render import render_plain

from conftest import CONTENT, FIXTURES, Run, export_pdf
from pdf_reading import Page, fonts, letters, outline_titles, pages, squash

# CI installs poppler-utils (.ci/run); elsewhere, without it, these tests are skipped.
pytestmark = pytest.mark.skipif(
    shutil.which("pdftotext") is None and not os.environ.get("CI"),
    reason="needs poppler-utils (pdftotext, pdffonts)",
)
WORST = FIXTURES / "worst" / "content"
QUESTIONS = load(CONTENT).question_set.questions
EDGE = 20.0  # points: no word may come closer to the paper's edge (about 7 mm)


@pytest.fixture
def built(built_pdf: Callable[..., Path]) -> Callable[..., Path]:
    """Each PDF of the bundled bank, built once per test run."""
    return partial(built_pdf, CONTENT)


def _first_words(question_text: str, count: int = 6) -> str:
    return " ".join(render_plain(question_text).split()[:count])


# The booklet -----------------------------------------------------------------


def test_booklet_page_size_metadata_and_outline(built: Callable[..., Path]) -> None:
    pdf = built("--layout", "booklet")
    assert pdf.name == "python-interview-questions-booklet-a4.pdf"
    reader = PdfReader(pdf)
    box = reader.pages[0].mediabox
    assert (round(float(box.width), 1), round(float(box.height), 1)) == (595.3, 841.9)
    info = reader.metadata
    assert info is not None
    assert info.title == "Python Interview Questions"
    assert info.author == "The qexport authors"
    assert info.subject is not None
    assert info.subject.startswith("100 Python interview questions")
    assert "python-interview::topic::concurrency" in str(info["/Keywords"])
    assert reader.trailer["/Root"]["/Lang"] == "en"
    assert reader.trailer["/Root"]["/PageMode"] == "/UseOutlines"
    titles = outline_titles(reader)
    assert [t for d, t in titles if d == 0] == [
        "Contents",
        "Basic",
        "Intermediate",
        "Advanced",
        "Topic index",
    ]
    assert [t for d, t in titles if d == 1] == [  # code keeps its backticks, as written
        f"{q.number}. {q.question}" for q in QUESTIONS
    ]


def test_booklet_has_every_question_in_order(built: Callable[..., Path]) -> None:
    text = letters(" ".join(page.text for page in pages(built("--layout", "booklet"))))
    position = text.index("Basic", text.index("Topicindex"))  # after the contents
    for question in QUESTIONS:
        found = text.find(
            letters(f"{question.number}. {_first_words(question.question)}"), position
        )
        assert found > position, question.id
        position = found


def test_sections_start_on_right_hand_pages(built: Callable[..., Path]) -> None:
    reader = PdfReader(built("--layout", "booklet"))
    for item in reader.outline:
        if not isinstance(item, list) and item.title in (
            "Basic",
            "Intermediate",
            "Advanced",
            "Topic index",
        ):
            assert reader.get_destination_page_number(item) % 2 == 0, item.title  # 0-based


def test_contents_links_land_on_their_pages_and_say_so(built: Callable[..., Path]) -> None:
    pdf = built("--layout", "booklet")
    reader = PdfReader(pdf)
    text_pages = pages(pdf)
    by_number = {q.number: q for q in QUESTIONS}
    checked = 0
    for index in range(2, 6):  # the contents pages
        page = text_pages[index]
        for annotation in reader.pages[index].get("/Annots", []):
            link = annotation.get_object()
            target = reader.get_page_number(link["/Dest"][0].get_object()) + 1
            _x0, y0, _x1, y1 = (float(v) for v in link["/Rect"])
            line = [
                w for w in page.words if page.height - y1 <= (w.y0 + w.y1) / 2 <= page.height - y0
            ]
            assert line, (index, link["/Rect"])
            assert line[-1].text == str(target)  # the printed page number is the link's page
            head = line[0].text.rstrip(".")
            if head.isdigit():
                question = by_number[int(head)]
                destination = letters(text_pages[target - 1].text)
                assert letters(_first_words(question.question, 4)) in destination, question.id
                checked += 1
    assert checked == 100


def test_topic_index_links_reach_their_questions(built: Callable[..., Path]) -> None:
    pdf = built("--layout", "booklet")
    reader = PdfReader(pdf)
    text_pages = pages(pdf)
    index = text_pages[-1]
    assert index.words[0].text == "Topic"
    by_number = {q.number: q for q in QUESTIONS}
    linked = set()
    for annotation in reader.pages[-1].get("/Annots", []):
        link = annotation.get_object()
        target = reader.get_page_number(link["/Dest"][0].get_object())
        x0, y0, x1, y1 = (float(v) for v in link["/Rect"])
        (word,) = [
            w
            for w in index.words
            if x0 - 1 <= w.x0
            and w.x1 <= x1 + 3
            and index.height - y1 <= w.y0 + 1
            and w.y1 <= index.height - y0 + 1
        ]
        number = int(word.text.rstrip(","))
        assert letters(_first_words(by_number[number].question, 4)) in letters(
            text_pages[target].text
        )
        linked.add(number)
    assert linked == set(by_number)


def test_page_x_of_y_and_running_header(built: Callable[..., Path]) -> None:
    all_pages = pages(built("--layout", "booklet"))
    total = len(all_pages)
    page = all_pages[8]  # a page inside the Basic section
    assert f"Page 9 of {total}" in page.text
    assert page.words[0].text == "Basic"


def test_every_font_is_embedded_and_none_is_a_base14_font(built: Callable[..., Path]) -> None:
    for layout in ("booklet", "cheatsheet", "cards"):
        rows = fonts(built("--layout", layout))
        assert rows
        assert all(embedded == "yes" for _, embedded in rows), rows
        names = " ".join(name for name, _ in rows)
        for base14 in ("Helvetica", "Courier", "Times", "Symbol"):
            assert base14 not in names
        assert "IBMPlexSerif" in names
        assert "IBMPlexMono" in names


# Every layout -----------------------------------------------------------------


def _inside_paper(page: Page) -> list[str]:
    return [
        w.text
        for w in page.words
        if w.x0 < EDGE or w.y0 < EDGE or w.x1 > page.width - EDGE or w.y1 > page.height - EDGE
    ]


@pytest.mark.parametrize("layout", ["booklet", "cheatsheet", "cards"])
@pytest.mark.parametrize("paper", ["a4", "letter"])
def test_worst_case_content_stays_on_the_page(layout: str, paper: str, tmp_path: Path) -> None:
    pdf = export_pdf(WORST, tmp_path, "--layout", layout, "--paper", paper)
    size = A4 if paper == "a4" else LETTER
    if layout == "cheatsheet":  # printed landscape
        size = (size[1], size[0])
    reader = PdfReader(pdf)
    assert (float(reader.pages[0].mediabox.width), float(reader.pages[0].mediabox.height)) == (
        pytest.approx(size[0]),
        pytest.approx(size[1]),
    )
    all_pages = pages(pdf)
    for page in all_pages:
        assert _inside_paper(page) == []
    if layout == "booklet":  # nothing crosses the text frame's sides (15 mm outer margin)
        for page in all_pages:
            assert all(
                15 * mm - 1 <= w.x0 and w.x1 <= page.width - 15 * mm + 1 for w in page.words
            )
    text = " ".join(page.text for page in all_pages)
    assert "List<int>" in text
    if layout == "cheatsheet":  # no answers but key answers: tests/test_pdf_cheatsheet.py
        return
    assert "<span>raw" in text  # HTML beyond the small subset prints as written
    assert "<b>" not in text  # the subset renders
    assert "Привет," in text
    assert "↪" in text  # the 200-character line wrapped with a visible mark


@pytest.mark.parametrize("layout", ["booklet", "cheatsheet", "cards"])
def test_rebuilds_are_byte_identical(layout: str, tmp_path: Path) -> None:
    first = export_pdf(WORST, tmp_path / "one", "--layout", layout)
    second = export_pdf(WORST, tmp_path / "two", "--layout", layout)
    assert first.read_bytes() == second.read_bytes()


def test_cheatsheet_is_dense_and_has_an_outline(built: Callable[..., Path]) -> None:
    booklet = PdfReader(built("--layout", "booklet"))
    cheatsheet = PdfReader(built("--layout", "cheatsheet"))
    assert len(cheatsheet.pages) * 2.5 < len(booklet.pages)
    titles = outline_titles(cheatsheet)
    assert [t for d, t in titles if d == 0] == ["Basic", "Intermediate", "Advanced"]
    assert len([t for d, t in titles if d == 2]) == 100
    assert "Contents" not in " ".join(
        page.text for page in pages(built("--layout", "cheatsheet"))[:1]
    )


# Flash cards --------------------------------------------------------------------


def _slot_number(page: Page, row: int, column: int) -> str:
    """The first word in a card slot's top band: the question number."""
    width = (page.width - 2 * MARGIN) / COLUMNS
    height = (page.height - 2 * MARGIN) / ROWS
    left, top = MARGIN + column * width, MARGIN + row * height
    band = [
        w for w in page.words if left <= w.x0 < left + width and top <= w.y0 < top + height * 0.15
    ]
    band.sort(key=lambda w: (round(w.y0), w.x0))
    return band[0].text if band else ""


def test_card_backs_mirror_their_fronts(built: Callable[..., Path]) -> None:
    pdf = built("--layout", "cards")
    reader = PdfReader(pdf)
    preferences = reader.trailer["/Root"]["/ViewerPreferences"]
    assert preferences["/Duplex"] == "/DuplexFlipLongEdge"
    assert preferences["/PrintScaling"] == "/None"
    all_pages = pages(pdf)
    assert len(all_pages) % 2 == 0
    seen = set()
    for front, back in zip(all_pages[::2], all_pages[1::2], strict=True):
        for row in range(ROWS):
            for column in range(COLUMNS):
                number = _slot_number(front, row, column)
                if not number:
                    continue
                assert _slot_number(back, row, COLUMNS - 1 - column) == number
                seen.add(int(number))
    assert seen == set(range(1, 101))


def test_long_answer_continues_on_follow_on_cards(tmp_path: Path) -> None:
    all_pages = pages(export_pdf(WORST, tmp_path, "--layout", "cards"))
    text = squash(" ".join(page.text for page in all_pages))
    assert "(continued, 2 of" in text
    assert "answer 1/" in text


# Errors -------------------------------------------------------------------------


@pytest.mark.parametrize(
    "added",
    [
        "\n{#lambda topic=concurrency}\n## What is λ?\n\n{.key}\nAn anonymous function 😀.\n",
        # Markdown turns &lambda; and &#x1F600; into the characters themselves.
        "\n{#lambda topic=concurrency}\n## What is &lambda;?\n\n"
        "{.key}\nAn anonymous one &#x1F600;.\n",
    ],
    ids=["as-written", "as-entities"],
)
def test_characters_the_fonts_lack_are_reported_at_their_line(
    run: Callable[..., Run], bank: Path, tmp_path: Path, added: str
) -> None:
    with (bank / "advanced.md").open("a", encoding="utf-8") as f:
        f.write(added)
    result = run("pdf", "--out", str(tmp_path / "dist"), content=bank)
    assert result.exit_code == 1
    assert result.stderr.splitlines()[:-1] == [
        f"{bank / 'advanced.md'}:17: 'λ' (U+03BB GREEK SMALL LETTER LAMDA) is not in the font "
        "IBM Plex Serif, so the PDF cannot show it (1 time, on line 17)",
        f"{bank / 'advanced.md'}:20: '😀' (U+1F600 GRINNING FACE) is not in the font "
        "IBM Plex Serif, so the PDF cannot show it (1 time, on line 20)",
        "  hint: the theme 'default' prints text in IBM Plex Serif and code in IBM Plex Mono; "
        "for these characters, add a theme whose fonts have them as "
        f"{tmp_path / 'themes' / 'NAME' / 'theme.toml'} (a fontpkg family, or TrueType files "
        "in its folder) and choose it with --theme NAME (see Themes in the README)",
    ]
    assert result.stderr.splitlines()[-1] == "qexport: 2 errors in the content"
    assert not (tmp_path / "dist").exists() or not list((tmp_path / "dist").iterdir())


def test_print_theme_builds_in_grayscale_fonts_embedded(tmp_path: Path) -> None:
    pdf = export_pdf(WORST, tmp_path, "--theme", "print")
    assert all(embedded == "yes" for _, embedded in fonts(pdf))


def test_pdf_is_registered_and_imports_reportlab_lazily() -> None:
    probe = (
        "import sys, qexport.cli, qexport.exporters.pdf; "
        "print('reportlab' in sys.modules, 'genanki' in sys.modules)"
    )
    result = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == "False False"
    assert "pdf" in exporter_names()


# Blocks inside quotes (every layout prints them, indented) --------------------

QUOTED = """\
Plainline before the quote.

> Quotedpara opens the quote.
>
> ```python
> quoted_code = "in a quote"
> ```
>
> - Listone quoted item
> - Listtwo quoted item
>
> > Nestedquote line
>
> 1. Orderedone quoted item
"""


@pytest.mark.parametrize("layout", ["booklet", "cards"])  # the cheat sheet: key answers
def test_every_block_inside_a_quote_is_printed(layout: str, bank: Path, tmp_path: Path) -> None:
    with (bank / "basic.md").open("a", encoding="utf-8") as level_file:
        level_file.write(f"\n{{#quoted topic=data-types}}\n## What is in the quote?\n\n{QUOTED}")
    pdf = export_pdf(bank, tmp_path / "out", "--layout", layout)
    found = pages(pdf)
    text = squash(" ".join(page.text for page in found))
    for expected in (
        "Quotedpara opens the quote.",
        'quoted_code = "in a quote"',
        "Listone quoted item",
        "Listtwo quoted item",
        "Nestedquote line",
        "Orderedone quoted item",
    ):
        assert squash(expected) in text, expected
    x = {w.text: w.x0 for page in found for w in page.words}
    for word in ("Quotedpara", "quoted_code", "Listone", "Orderedone"):
        assert x[word] > x["Plainline"] + 5, word  # every block of the quote is indented
    assert x["Nestedquote"] > x["Quotedpara"] + 5  # and a quote in it, once more


# Layout time grows linearly with the answer, whatever its characters ---------

GROWTH = {
    "ampersands": "&",
    "angle brackets": "<",
    "one long word": "a",
    "entities": "&amp;",
    "links": "[a](https://x.org) ",
    "inline code": "`a` ",
}


def _layout_seconds(answer: str, layout: str) -> float:
    """CPU time to lay out `answer` as the booklet and cheat sheet do, or as cards."""
    import io
    import time

    from reportlab.platypus import SimpleDocTemplate

    from qexport.exporters.pdf.cards import _pack
    from qexport.exporters.pdf.markdown import FlowableRenderer
    from qexport.exporters.pdf.styles import PAPERS, styles_for
    from qexport.themes import load_theme

    start = time.process_time()
    if layout == "cards":  # at the smallest scale, dealt onto follow-on cards
        styles = styles_for(load_theme("default"), "card").scaled(0.64)
        _pack(FlowableRenderer(styles).render(answer), 80 * mm, 80 * mm)
    else:
        styles = styles_for(load_theme("default"), "body")
        document = SimpleDocTemplate(io.BytesIO(), pagesize=PAPERS["a4"])
        document.build(FlowableRenderer(styles).render(answer))
    return time.process_time() - start


@pytest.mark.parametrize("layout", ["pages", "cards"])
@pytest.mark.parametrize("unit", GROWTH.values(), ids=GROWTH.keys())
def test_layout_time_is_linear_in_the_answer(unit: str, layout: str) -> None:
    def seconds(characters: int, tries: int) -> float:  # the least noisy of a few runs
        answer = unit * (characters // len(unit))
        return min(_layout_seconds(answer, layout) for _ in range(tries))

    seconds(10, 1)  # warm up fonts and caches
    n = 4_000
    small = seconds(n, 3)
    while small < 0.05 and n < 64_000:  # too short a time is mostly noise
        n *= 2
        small = seconds(n, 3)
    large = seconds(4 * n, 3)
    assert large / small < 8, (n, small, large)  # linear: about 4; quadratic: 16


def test_split_markup_keeps_text_and_balances_tags() -> None:
    from qexport.exporters.pdf.markdown import split_markup

    markup = '<b>bold &amp; <font face="x">' + "word " * 50 + "</font></b> tail" + "z" * 90
    pieces = split_markup(markup, 60)
    assert len(pieces) > 3
    for piece in pieces:
        assert piece.count("<b>") == piece.count("</b>")
        assert piece.count("<font") == piece.count("</font>")
        assert "&amp" not in piece.replace("&amp;", "")  # never cut inside an entity
    text = "".join(re.sub(r"<[^>]*>", "", piece) for piece in pieces)
    assert text == re.sub(r"<[^>]*>", "", markup)


# invisible format characters are left out of the PDFs, not refused ----

INVISIBLE = {
    "\u200d": "ZERO WIDTH JOINER",
    "\u200b": "ZERO WIDTH SPACE",
    "\u200e": "LEFT-TO-RIGHT MARK",
    "\u200f": "RIGHT-TO-LEFT MARK",
    "\u2066": "LEFT-TO-RIGHT ISOLATE",
    "\u2069": "POP DIRECTIONAL ISOLATE",
}


@pytest.mark.parametrize("layout", ["booklet", "cards"])  # the cheat sheet: key answers
def test_invisible_characters_are_left_out_of_every_pdf(
    layout: str, bank: Path, tmp_path: Path
) -> None:
    marks = "".join(INVISIBLE)
    with (bank / "basic.md").open("a", encoding="utf-8") as level_file:
        level_file.write(
            f"\n{{#invisible topic=data-types}}\n## Which marks{marks}hide here?\n\n"
            f"Zero{marks}width and a line\u2028separator, `co{marks}de`.\n\n"
            f"```python\nname = 'in{marks}visible'\n```\n"
        )
    pdf = export_pdf(bank, tmp_path / "out", "--layout", layout)
    text = " ".join(page.text for page in pages(pdf))
    for expected in ("markshide", "Zerowidth", "line separator", "code", "'invisible'"):
        assert expected in text, expected
    assert not set(text) & {*INVISIBLE, "\u2028"}


# a picture alone in a list item prints without its alt text ----------


@pytest.mark.parametrize("layout", ["booklet", "cards"])  # the cheat sheet: key answers
def test_a_picture_alone_in_a_list_item_prints_without_its_alt_text(
    layout: str, bank: Path, tmp_path: Path
) -> None:
    from PIL import Image

    Image.new("RGB", (40, 30), "red").save(bank / "pic.png")
    Image.new("RGB", (30, 40), "blue").save(bank / "pic2.png")
    with (bank / "basic.md").open("a", encoding="utf-8") as level_file:
        level_file.write(
            "\n{#pictures topic=data-types}\n## Which pictures?\n\n"
            "1. ![Altwords for screen readers](pic.png)\n"
            "2. Textitem beside ![Inlinealt](pic2.png)\n"
        )
    pdf = export_pdf(bank, tmp_path / "out", "--layout", layout)
    text = " ".join(page.text for page in pages(pdf))
    assert "Altwords" not in text
    assert "1." in text.split()
    assert "Textitem" in text
    assert "Inlinealt" in text
    assert sum(len(page.images) for page in PdfReader(pdf).pages) == 2
