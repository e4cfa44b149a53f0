"""The booklet as a reader sees it: text blocks on their page's side, contents, headings.

Every check reads the built PDF back: words and their boxes from `pdftotext -bbox`,
the header rule from the page's drawing, and fonts, sizes and colours of every run
of text from pypdf.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from functools import cached_property
from itertools import pairwise
from pathlib import Path
from typing import Any

import pytest
from PIL import Image
from pypdf import PdfReader

from qexport.exporters.pdf.booklet import BOTTOM, INNER, OUTER, TOP
from qexport.loader import load
from qexport.model import Question
from qexport.render import render_plain, shared_parser
from qexport.themes import load_theme

from conftest import CONTENT, GOOD, export_pdf
from pdf_reading import (
    Box,
    Line,
    Page,
    Word,
    drawings,
    letters,
    lines_of,
    outline_titles,
    pages,
    text_lines,
)

pytestmark = pytest.mark.skipif(
    shutil.which("pdftotext") is None and not os.environ.get("CI"),
    reason="needs poppler-utils (pdftotext)",
)
QUESTIONS = load(CONTENT).question_set.questions
BOOKLETS = [(paper, theme) for paper in ("a4", "letter") for theme in ("default", "print")]
# reportlab sets a few lines that mix type faces up to about 1.2 pt wider than asked
SLACK = 1.5
NEAR_EMPTY = 1 / 3  # a last contents page filled less than this, then a blank: a wasted spread


# Reading the drawing and the runs of text ----------------------------------------


def _times(a: list[float], b: list[float]) -> list[float]:
    """The PDF matrix product a x b (a applied first)."""
    return [
        a[0] * b[0] + a[1] * b[2],
        a[0] * b[1] + a[1] * b[3],
        a[2] * b[0] + a[3] * b[2],
        a[2] * b[1] + a[3] * b[3],
        a[4] * b[0] + a[5] * b[2] + b[4],
        a[4] * b[1] + a[5] * b[3] + b[5],
    ]


@dataclass(frozen=True)
class Run:
    """One run of text as drawn: its font, size, fill colour and baseline (from the top)."""

    page: int  # 0-based
    font: str
    size: float
    fill: tuple[float, ...]
    baseline: float
    text: str


def runs(reader: PdfReader, indexes: range) -> list[Run]:
    return [run for index in indexes for run in page_runs(reader, index)]


def page_runs(reader: PdfReader, index: int) -> list[Run]:
    """Every run of text on page `index`, with the fill colour it is drawn in."""
    page = reader.pages[index]
    height = float(page.mediabox.height)
    found: list[Run] = []
    fill: tuple[float, ...] = (0.0, 0.0, 0.0)
    saved: list[tuple[float, ...]] = []

    def before(operator: bytes, operands: list[Any], _cm: Any, _tm: Any) -> None:
        nonlocal fill
        if operator == b"q":
            saved.append(fill)
        elif operator == b"Q" and saved:
            fill = saved.pop()
        elif operator == b"rg":
            fill = tuple(round(float(v), 3) for v in operands)
        elif operator == b"g":
            fill = (round(float(operands[0]), 3),) * 3

    def text(value: str, cm: Any, tm: Any, font: Any, size: float) -> None:
        if value.strip() and font is not None:
            matrix = _times([float(v) for v in tm], [float(v) for v in cm])
            name = str(font.get("/BaseFont", "")).split("+")[-1]
            size = round(size * abs(matrix[3]), 2)
            found.append(Run(index, name, size, fill, height - matrix[5], value))

    page.extract_text(visitor_operand_before=before, visitor_text=text)
    return found


def hex_fill(value: str) -> tuple[float, ...]:
    return tuple(round(int(value[i : i + 2], 16) / 255, 3) for i in (1, 3, 5))


def code_spans(question: Question) -> list[str]:
    return code_spans_of(question.question)


def code_spans_of(markdown: str) -> list[str]:
    return [
        child.content
        for token in shared_parser().parseInline(markdown)
        for child in token.children or []
        if child.type == "code_inline"
    ]


def squeeze(text: str) -> str:
    return "".join(text.split())


# The booklets, each built once ----------------------------------------------------


@dataclass
class Booklet:
    pdf: Path

    @cached_property
    def pages(self) -> list[Page]:
        return pages(self.pdf)

    @cached_property
    def reader(self) -> PdfReader:
        return PdfReader(self.pdf)

    @cached_property
    def drawings(self) -> list[list[Box]]:
        return drawings(self.pdf)

    def section_page(self, title: str) -> int:
        """The 0-based page a top-level outline entry lands on."""
        for item in self.reader.outline:
            if not isinstance(item, list) and item.title == title:
                return self.reader.get_destination_page_number(item)
        raise AssertionError(title)

    @property
    def contents(self) -> range:
        """The 0-based pages from the contents to the page before the first level."""
        return range(self.section_page("Contents"), self.section_page("Basic"))


@pytest.fixture
def booklet(built_pdf: Callable[..., Path]) -> Callable[..., Booklet]:
    def get(paper: str = "a4", theme: str = "default") -> Booklet:
        return Booklet(built_pdf(CONTENT, "--paper", paper, "--theme", theme))

    return get


SMALL_EXTRA = """
{#double-tick topic=data-types}
## How is `` a`b `` written, and what is `__name__`?

Read on.

### Headingword about `names`

Plainword text below the heading.

{#five topic=data-types}
## Is this the fifth question?

Yes.
"""


@pytest.fixture(scope="module")
def small_bank(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Five questions: the good fixture bank and two more, one with a heading in its answer."""
    bank = tmp_path_factory.mktemp("small") / "content"
    shutil.copytree(GOOD, bank)
    with (bank / "basic.md").open("a", encoding="utf-8") as level_file:
        level_file.write(SMALL_EXTRA)
    assert len(load(bank).question_set.questions) == 5
    return bank


# 1. The text block follows its page's side ---------------------------------------


def body_words(page: Page, rule_y: float) -> list[Word]:
    """Words between the header rule and the footer (below the frame's foot)."""
    return [w for w in page.words if w.y0 > rule_y and w.y0 < page.height - BOTTOM]


def header_rule(booklet: Booklet, index: int) -> tuple[float, float, float]:
    """(x0, x1, y from the top) of the page's header rule."""
    rules = [b for b in booklet.drawings[index] if b.is_horizontal_line and b.y0 < TOP]
    assert len(rules) == 1, (index + 1, rules)
    return rules[0].x0, rules[0].x1, rules[0].y0


def text_pages(booklet: Booklet) -> Iterator[tuple[int, Page]]:
    """Every page after the cover that holds any word; blank filler pages hold none."""
    for index, page in enumerate(booklet.pages[1:], 1):
        if page.words:
            yield index, page


def test_one_sided_booklet_has_no_blank_pages_and_one_text_block(
    small_bank: Path, tmp_path: Path
) -> None:
    one = Booklet(export_pdf(small_bank, tmp_path / "one", "--sides", "one"))
    two = Booklet(export_pdf(small_bank, tmp_path / "two"))
    assert all(page.words for page in one.pages)
    assert len(one.pages) < len(two.pages)
    edges, rule_edges = set(), set()
    for index, page in text_pages(one):
        x0, x1, y = header_rule(one, index)
        rule_edges.add((round(x0, 1), round(x1, 1)))
        words = body_words(page, y)
        assert all(x0 - SLACK <= w.x0 and w.x1 <= x1 + SLACK for w in words), index + 1
        edges.add(round(min(w.x0 for w in words), 1))
        footer = [w for w in page.words if w.y0 >= page.height - BOTTOM]
        assert footer[-1].x1 == pytest.approx(x1, abs=1.5)  # "Page X of Y" on the right
        header = [w for w in page.words if w.y1 < y]
        assert header[-1].x1 == pytest.approx(x1, abs=1.5)  # so is the running header
    assert len(edges) == 1, edges
    assert rule_edges == {(round(INNER, 1), round(one.pages[0].width - OUTER, 1))}


# 3. Contents entries: wrapped, never cut; one link each ---------------------------


@dataclass(frozen=True)
class Entry:
    page: int  # 0-based
    target: int  # 0-based page the link lands on
    lines: list[list[Word]]


def contents_entries(built: Booklet) -> list[Entry]:
    entries = []
    for index in built.contents:
        page = built.pages[index]
        for annotation in built.reader.pages[index].get("/Annots", []):
            link = annotation.get_object()
            target = built.reader.get_page_number(link["/Dest"][0].get_object())
            x0, y0, x1, y1 = (float(v) for v in link["/Rect"])
            inside = [
                w
                for w in page.words
                if page.height - y1 <= (w.y0 + w.y1) / 2 <= page.height - y0
                and x0 - 1 <= w.x0
                and w.x1 <= x1 + 1
            ]
            entries.append(Entry(index, target, [line.words for line in lines_of(inside)]))
    return entries


@pytest.mark.parametrize(("paper", "theme"), BOOKLETS)
def test_contents_entries_wrap_with_a_hanging_indent_and_link_to_their_page(
    booklet: Callable[..., Booklet], paper: str, theme: str
) -> None:
    built = booklet(paper, theme)
    contents_text = " ".join(built.pages[i].text for i in built.contents)
    assert "…" not in contents_text  # no entry is cut short
    entries = contents_entries(built)
    by_number = {str(q.number): q for q in QUESTIONS}
    numbers_x: dict[int, set[float]] = {}
    wrapped = 0
    seen = set()
    for entry in entries:
        first, last = entry.lines[0], entry.lines[-1]
        page_number = last[-1].text
        assert page_number == str(entry.target + 1)  # the printed page is where the link goes
        numbers_x.setdefault(entry.page, set()).add(round(last[-1].x1, 1))
        head = first[0].text.rstrip(".")
        if head not in by_number:
            continue  # a level, or the topic index
        question = by_number[head]
        seen.add(question.number)
        words = [w.text for line in entry.lines for w in line if set(w.text) != {"."}]
        assert letters(" ".join(words[1:-1])) == letters(render_plain(question.question))
        if len(entry.lines) > 1:
            wrapped += 1
            for line in entry.lines[1:]:  # under the text, past the number
                assert line[0].x0 == pytest.approx(first[1].x0, abs=0.5), question.number
        destination = letters(built.pages[entry.target].text)
        start = " ".join(render_plain(question.question).split()[:4])
        assert letters(f"{question.number}. {start}") in destination, question.id
    assert seen == {q.number for q in QUESTIONS}
    assert wrapped > 0  # the bundled bank has entries longer than a line
    for page, xs in numbers_x.items():
        assert max(xs) - min(xs) < 0.5, (page + 1, xs)  # page numbers right-aligned at one x


# 5. The contents do not leave a near-empty spread ---------------------------------


@pytest.mark.parametrize(("paper", "theme"), BOOKLETS)
def test_contents_never_end_on_a_near_empty_spread(
    booklet: Callable[..., Booklet], paper: str, theme: str
) -> None:
    built = booklet(paper, theme)
    filled = [i for i in built.contents if built.pages[i].words]
    last = built.pages[filled[-1]]
    frame_height = last.height - TOP - BOTTOM
    lowest = max(w.y1 for w in last.words if w.y0 < last.height - BOTTOM)
    fill = (lowest - TOP) / frame_height
    blank_after = filled[-1] + 1 in built.contents
    assert not (fill < NEAR_EMPTY and blank_after), (filled[-1] + 1, round(fill, 2))
    # However tight, lines stay legible: baselines at least 1.15 times the type size apart.
    found = runs(built.reader, built.contents)
    (size,) = {r.size for r in found if re.match(r"\d+\. ", r.text)}  # a question's entry
    entry_runs = [r for r in found if "Serif-Regular" in r.font and r.size == size]
    for page in {r.page for r in entry_runs}:
        baselines = sorted({round(r.baseline, 1) for r in entry_runs if r.page == page})
        pitch = min(b - a for a, b in pairwise(baselines))
        assert pitch >= 1.15 * size - 0.1, (page + 1, pitch, size)


# 4. Code in questions: mono in the contents and headings; backticks in outlines ----


def test_code_in_questions_is_mono_in_the_contents_and_in_the_headings(
    booklet: Callable[..., Booklet],
) -> None:
    built = booklet()
    with_code = {str(q.number): q for q in QUESTIONS if code_spans(q)}
    assert len(with_code) > 10
    heading_size = load_theme("default").sizes["body"] * 1.12
    for where, pages_range, size in (
        ("contents", built.contents, None),
        ("headings", range(built.section_page("Basic"), len(built.pages)), heading_size),
    ):
        found: dict[str, list[Run]] = {}
        current: list[Run] | None = None
        for run in runs(built.reader, pages_range):
            starts = re.match(r"(\d+)\. ", run.text)
            entry_font = "Serif-Bold" if size else "Serif-Regular"
            if starts and entry_font in run.font and (size is None or abs(run.size - size) < 0.01):
                current = found.setdefault(starts.group(1), [run])
            elif current is not None and ("Mono" in run.font or entry_font in run.font):
                current.append(run)
            else:
                current = None
        for number, question in with_code.items():
            line = found[number]
            mono = [r for r in line if "Mono" in r.font]
            assert squeeze("".join(r.text for r in mono)) == squeeze("".join(code_spans(question)))
            text_size = line[0].size
            for run in mono:  # the code keeps its line's size (not shrunk from a heading's)
                assert run.size >= 0.85 * text_size, (where, number, run)


def test_outline_titles_keep_the_backticks_of_code(
    booklet: Callable[..., Booklet], small_bank: Path, tmp_path: Path
) -> None:
    titles = {t for d, t in outline_titles(booklet().reader) if d == 1}
    for question in QUESTIONS:
        assert f"{question.number}. {question.question}" in titles  # as the author wrote it
    small = load(small_bank).question_set.questions
    assert any("`" in span for q in small for span in code_spans(q))  # `` a`b ``: a backtick
    for layout in ("booklet", "cheatsheet", "cards"):
        pdf = export_pdf(small_bank, tmp_path / layout, "--layout", layout)
        titles = {t for _, t in outline_titles(PdfReader(pdf))}
        for question in small:
            (title,) = [t for t in titles if t.startswith(f"{question.number}. ")]
            as_markdown = title.removeprefix(f"{question.number}. ")
            # The marks read back as the same code, and the same text around it.
            assert code_spans_of(as_markdown) == code_spans(question), (layout, title)
            assert render_plain(as_markdown) == render_plain(question.question), layout


# 6. Headings inside answers rank below the question ---------------------------------


@pytest.mark.parametrize("layout", ["booklet", "cards"])  # the cheat sheet: key answers
def test_answer_headings_rank_below_their_question(
    small_bank: Path, tmp_path: Path, layout: str
) -> None:
    reader = PdfReader(export_pdf(small_bank, tmp_path, "--layout", layout))
    found = runs(reader, range(len(reader.pages)))
    (heading,) = [r for r in found if "Headingword" in r.text]
    (question,) = [r for r in found if "How is" in r.text and "Bold" in r.font]
    (body,) = [r for r in found if "Plainword" in r.text]
    palette = load_theme("default").palette
    assert heading.size < question.size
    assert heading.size <= body.size + 0.01  # no larger than the text it heads
    assert heading.fill != hex_fill(palette["accent"])
    assert heading.fill == hex_fill(palette["text"])
    assert "Bold" in heading.font


# A question never ends a page without the start of its answer -----------------------

FILLER = "Filler paragraph number {n} with some words to take up a line or two of room here."
LONG_LINE = "x = [" + ", ".join(f"'item_{n}'" for n in range(60)) + "]"


def _bank_of_page_ends(tmp_path: Path) -> Path:
    """Questions whose answers start with what cannot be cut short, at many heights on a page.

    Each answer of filler moves the next question a little further down the page;
    that question's answer starts with a picture, or a code line that wraps.
    """
    bank = tmp_path / "content"
    shutil.copytree(GOOD, bank)
    (bank / "images").mkdir()
    Image.new("RGB", (600, 900), "gray").save(bank / "images" / "tall.png")
    parts = []
    for n in range(1, 31):
        filler = "\n\n".join(FILLER.format(n=i) for i in range(n % 7 + 1))
        start = "![A tall picture](images/tall.png)" if n % 2 else f"```python\n{LONG_LINE}\n```"
        parts += [
            f"{{#filler-{n} topic=data-types}}\n## Filler {n}?\n\n{filler}\n",
            f"{{#starts-{n} topic=data-types}}\n## Starts big {n}?\n\n{start}\n\nThe end.\n",
        ]
    (bank / "basic.md").write_text("# Basic\n\n" + "\n".join(parts), encoding="utf-8")
    return bank


@pytest.mark.parametrize("layout", ["booklet"])  # the cheat sheet: tests/test_pdf_cheatsheet.py
@pytest.mark.parametrize("paper", ["a4", "letter"])
def test_a_question_is_never_parted_from_the_start_of_its_answer(
    layout: str, paper: str, tmp_path: Path
) -> None:
    pdf = export_pdf(
        _bank_of_page_ends(tmp_path), tmp_path / "out", "--layout", layout, "--paper", paper
    )
    all_pages = pages(pdf)
    heading_pages = {}
    for number, page in enumerate(all_pages, 1):
        text = page.text
        for n in range(1, 31):
            if f"Starts big {n}?" in text:
                heading_pages[n] = number
    assert len(heading_pages) == 30
    listed = subprocess.run(
        ["pdfimages", "-list", str(pdf)], capture_output=True, text=True, check=True
    ).stdout.splitlines()[2:]
    picture_pages = [int(row.split()[0]) for row in listed]
    assert [heading_pages[n] for n in range(1, 31, 2)] == picture_pages
    for n in range(2, 31, 2):  # the code line's first words sit on the heading's page
        page = all_pages[heading_pages[n] - 1]
        heading = next(w for w in page.words if w.text == f"{n}?")
        below = [w for w in page.words if w.y0 > heading.y1 and w.text.startswith("['item_0',")]
        assert below, f"question {n}: its code starts on the next page"


def test_outline_titles_leave_out_invisible_characters(tmp_path: Path) -> None:
    """Bidi isolates around right-to-left text steer its order; no outline can show them."""
    bank = tmp_path / "content"
    shutil.copytree(GOOD, bank)
    basic = bank / "basic.md"
    text = basic.read_text(encoding="utf-8")
    basic.write_text(text.replace("## Do dicts keep", "## Is \u2067abc\u2069 kept? Do dicts keep"))
    for layout in ("booklet", "cheatsheet", "cards"):
        pdf = export_pdf(bank, tmp_path / layout, "--layout", layout)
        titles = [title for _, title in outline_titles(PdfReader(pdf))]
        assert any("Is abc kept?" in title for title in titles), titles
        assert not any(set(title) & {"\u2066", "\u2067", "\u2068", "\u2069"} for title in titles)


def _line_after(pdf: Path, first_words: tuple[str, str]) -> tuple[Line, Line]:
    """The line that starts with `first_words`, and the line below it in its column."""
    for page, boxes in zip(pages(pdf), drawings(pdf), strict=True):
        dividers = [box.x0 for box in boxes if box.is_vertical_line]  # the cheat sheet's
        for column in text_lines(page, dividers).values():
            for line, below in pairwise(column):
                if tuple(w.text for w in line.words[:2]) == first_words:
                    return line, below
    raise AssertionError(first_words)


def test_a_long_question_heading_wraps_under_its_own_text(tmp_path: Path) -> None:
    bank = tmp_path / "content"
    shutil.copytree(GOOD, bank)
    long = "Do dicts keep " + "their insertion order " * 8
    basic = bank / "basic.md"
    basic.write_text(basic.read_text(encoding="utf-8").replace("Do dicts keep ", long))
    for layout in ("booklet", "cheatsheet"):
        heading, second = _line_after(
            export_pdf(bank, tmp_path / layout, "--layout", layout), ("2.", "Do")
        )
        assert second.words[0].text in long.split()
        assert second.x0 == pytest.approx(heading.words[1].x0, abs=0.5)


@pytest.mark.parametrize(
    ("sides", "duplex"), [("two", "/DuplexFlipLongEdge"), ("one", "/Simplex")]
)
def test_the_booklet_asks_the_printer_for_its_sides(
    sides: str, duplex: str, tmp_path: Path
) -> None:
    pdf = export_pdf(GOOD, tmp_path, "--sides", sides)
    assert PdfReader(pdf).trailer["/Root"]["/ViewerPreferences"]["/Duplex"] == duplex
