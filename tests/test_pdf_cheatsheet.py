"""The cheat sheet, read back from the PDF: what is on it, and where.

Landscape pages of three columns under a running head; each question in
bold with its key answer and marked key code line under it, in one column;
at most four pages for the bundled bank and for a synthetic bank whose every
question has a 30-35-word key answer and a 50-character key line, on A4 and
on Letter. Pages are rendered to PNG beside the PDFs, to look at.
"""

from __future__ import annotations

import os
import re
import shutil
import statistics
import subprocess
from collections.abc import Callable
from dataclasses import dataclass
from itertools import pairwise
from pathlib import Path
from typing import Any

import pytest
from pypdf import PdfReader
from reportlab.lib.pagesizes import A4, LETTER

from qexport.loader import load
from qexport.model import Question, QuestionSet
from qexport.render import render_plain
from qexport.themes import load_theme

from conftest import CONTENT, WORST, export_pdf
from pdf_reading import Box, Line, Page, drawings, letters, lines_of, outline_titles, pages

pytestmark = pytest.mark.skipif(
    shutil.which("pdftotext") is None and not os.environ.get("CI"),
    reason="needs poppler-utils (pdftotext, pdftoppm)",
)

PAPERS = {"a4": A4, "letter": LETTER}
EDGE = 20.0  # points: no word comes closer to the paper's edge
SLACK = 0.5  # points: rounding in poppler's word boxes
DESCENT = 1.0  # points a last line's descenders may reach past its frame, as poppler boxes them
CODE_LINE = "results = compute(items, key=lambda item: item[0])"  # 50 characters
MARK = "↪"


# The PDFs -----------------------------------------------------------------------


@dataclass(frozen=True)
class Sheet:
    """A cheat sheet as printed: its words, its rules and dividers, its text runs."""

    pdf: Path
    question_set: QuestionSet
    pages: list[Page]
    boxes: list[list[Box]]

    def rule(self, index: int) -> Box:
        """The running head's rule: the topmost horizontal line."""
        return min((b for b in self.boxes[index] if b.is_horizontal_line), key=lambda b: b.y0)

    def dividers(self, index: int) -> list[Box]:
        return sorted((b for b in self.boxes[index] if b.is_vertical_line), key=lambda b: b.x0)

    def head(self, index: int) -> str:
        rule = self.rule(index)
        return " ".join(
            w.text for w in sorted(self.pages[index].words, key=lambda w: w.x0) if w.y1 < rule.y0
        )

    def columns(self, index: int) -> list[list[Line]]:
        """The body's lines in each column, left to right, each top to bottom."""
        rule, edges = self.rule(index), [d.x0 for d in self.dividers(index)]
        found: list[list[Any]] = [[] for _ in range(len(edges) + 1)]
        for word in self.pages[index].words:
            if word.y0 > rule.y0:
                found[sum(word.x0 > x for x in edges)].append(word)
        return [lines_of(words) for words in found]

    def column_texts(self) -> list[tuple[int, int, str]]:
        """(page, column, the column's letters in reading order) for every column."""
        return [
            (index, number, letters(" ".join(line.text for line in column)))
            for index in range(len(self.pages))
            for number, column in enumerate(self.columns(index))
        ]


def build(content: Path, out: Path, paper: str = "a4", theme: str = "default") -> Sheet:
    pdf = export_pdf(content, out, "--layout", "cheatsheet", "--paper", paper, "--theme", theme)
    subprocess.run(
        ["pdftoppm", "-r", "60", "-png", str(pdf), str(pdf.with_suffix(""))], check=True
    )
    return Sheet(pdf, load(content).question_set, pages(pdf), drawings(pdf))


def synthetic_bank(target: Path) -> Path:
    """The bundled questions, each with a 30-35-word key answer and a 50-character key line."""
    bundled = load(CONTENT).question_set
    target.mkdir(parents=True)
    shutil.copyfile(CONTENT / "set.toml", target / "set.toml")
    words = re.split(
        r"\s+",
        "a list keeps its items in order while a tuple is fixed so `hash` works "
        "and dict keys stay stable across calls when **every** item is hashable too",
    )
    assert len(CODE_LINE) == 50
    for level in bundled.levels:
        parts = [f"# {level.label}\n"]
        for number, question in enumerate(bundled.in_level(level.id)):
            key = " ".join(words[(number + i) % len(words)] for i in range(30 + number % 6))
            parts.append(
                f"{{#{question.id} topic={question.topic}}}\n## {question.question}\n\n"
                f"{{.key}}\n{key}\n\nThe details.\n\n```python key=1\n{CODE_LINE}\n```\n"
            )
        (target / f"{level.id}.md").write_text("\n".join(parts), encoding="utf-8")
    return target


BANKS = ("bundled", "synthetic")
CASES = [(bank, paper) for bank in BANKS for paper in PAPERS]
BUILT: dict[tuple[str, str], Sheet] = {}


@pytest.fixture
def sheet(tmp_path_factory: pytest.TempPathFactory) -> Callable[[str, str], Sheet]:
    """The cheat sheet of a bank on a paper, built once per test run (from copies)."""

    def get(bank: str, paper: str) -> Sheet:
        if (bank, paper) not in BUILT:
            folder = tmp_path_factory.mktemp(f"{bank}-{paper}")
            if bank == "bundled":
                content = folder / "content"
                shutil.copytree(CONTENT, content)  # never the project's own content folder
            else:
                content = synthetic_bank(folder / "content")
            BUILT[bank, paper] = build(content, folder / "out", paper)
        return BUILT[bank, paper]

    return get


@dataclass(frozen=True)
class Run:
    """One run of text as drawn: its font, its size on the page, its fill colour."""

    page: int
    font: str
    size: float
    fill: tuple[float, ...]
    text: str


def runs(pdf: Path) -> list[Run]:
    """Every run of text in `pdf`, read from its content streams with pypdf."""
    found: list[Run] = []
    for index, page in enumerate(PdfReader(pdf).pages):
        found += _page_runs(page, index)
    return found


def _page_runs(page: Any, index: int) -> list[Run]:
    found: list[Run] = []
    fill: list[tuple[float, ...]] = [(0.0,)]  # the fill colour, saved with q and restored by Q

    def before(operator: bytes, operands: list[Any], _cm: Any, _tm: Any) -> None:
        if operator == b"q":
            fill.append(fill[-1])
        elif operator == b"Q" and len(fill) > 1:
            fill.pop()
        elif operator in (b"rg", b"g"):
            fill[-1] = tuple(round(float(v), 3) for v in operands)

    def text(value: str, cm: Any, tm: Any, font: Any, size: float) -> None:
        if value.strip() and font is not None:
            scale = abs(float(tm[3]) * float(cm[3]))  # reportlab only translates
            name = str(font.get("/BaseFont", "")).split("+")[-1]
            found.append(Run(index, name, round(size * scale, 3), fill[-1], value))

    page.extract_text(visitor_operand_before=before, visitor_text=text)
    return found


def _rgb(hex_colour: str) -> tuple[float, ...]:
    return tuple(round(int(hex_colour[i : i + 2], 16) / 255, 3) for i in (1, 3, 5))


# Size, pages, every question ------------------------------------------------------


@pytest.mark.parametrize(("bank", "paper"), CASES)
def test_at_most_four_landscape_pages_with_every_question(
    sheet: Callable[[str, str], Sheet], bank: str, paper: str
) -> None:
    printed = sheet(bank, paper)
    reader = PdfReader(printed.pdf)
    assert 1 <= len(reader.pages) <= 4, len(reader.pages)
    width, height = PAPERS[paper]
    for page in reader.pages:
        assert (float(page.mediabox.width), float(page.mediabox.height)) == (
            pytest.approx(height),  # on its side: the longer edge across
            pytest.approx(width),
        )
    text = letters("".join(page.extract_text() for page in reader.pages))
    questions = printed.question_set.questions
    assert len(questions) == 100
    for question in questions:
        assert letters(f"{question.number}. {render_plain(question.question)}") in text
    if bank == "synthetic":
        from qexport.key_answers import MAX_KEY_WORDS, word_count

        assert all(30 <= word_count(q.key) <= MAX_KEY_WORDS for q in questions)
        assert {q.key_code for q in questions} == {CODE_LINE}


@pytest.mark.parametrize(("bank", "paper"), CASES)
def test_body_text_is_at_least_7_pt_and_code_at_least_the_floor(
    sheet: Callable[[str, str], Sheet], bank: str, paper: str
) -> None:
    found = runs(sheet(bank, paper).pdf)
    code = [run.size for run in found if "Mono" in run.font]
    text = [run.size for run in found if "Mono" not in run.font]
    floor = load_theme("default").sizes["code_floor"]
    assert code
    assert text
    assert min(text) >= 7 - 1e-3, min(text)
    assert min(code) >= floor - 1e-3, min(code)
    if bank == "synthetic":  # a 50-character key line fits a column at 7 pt: never shrunk
        lines = [run for run in found if run.text.strip() == "results"]
        assert lines
        assert {run.size for run in lines} == {7.0}


@pytest.mark.parametrize(("bank", "paper"), CASES)
def test_every_word_lies_inside_its_page_s_frame_and_column(
    sheet: Callable[[str, str], Sheet], bank: str, paper: str
) -> None:
    printed = sheet(bank, paper)
    for index, page in enumerate(printed.pages):
        rule, dividers = printed.rule(index), printed.dividers(index)
        assert len(dividers) + 1 in (3, 4), f"page {index + 1}: {len(dividers) + 1} columns"
        for word in page.words:
            assert min(word.x0, word.y0, page.width - word.x1, page.height - word.y1) >= EDGE
            assert rule.x0 - SLACK <= word.x0, word
            assert word.x1 <= rule.x1 + SLACK, word
            if word.y0 > rule.y0:  # the body: inside the columns' height, no divider crossed
                assert word.y1 <= dividers[0].y1 + DESCENT, word
                assert not any(word.x0 < d.x0 < word.x1 for d in dividers), word
        tops = {d.y0 for d in dividers}
        assert all(top > rule.y0 for top in tops)


# Each question: its text, its key answer, its key line, one column ----------------


@pytest.mark.parametrize(("bank", "paper"), CASES)
def test_a_question_and_its_key_answer_share_one_column(
    sheet: Callable[[str, str], Sheet], bank: str, paper: str
) -> None:
    """In each column's reading order: number and question, key answer, key line, together."""
    printed = sheet(bank, paper)
    columns = printed.column_texts()
    for question in printed.question_set.questions:
        whole = letters(
            f"{question.number}. {render_plain(question.question)} "
            f"{render_plain(question.key)} {question.key_code}"
        )
        where = [(page, column) for page, column, text in columns if whole in text]
        assert len(where) == 1, (question.number, where)


def test_nothing_else_of_the_answer_is_printed(bank: Path, tmp_path: Path) -> None:
    with (bank / "basic.md").open("a", encoding="utf-8") as level_file:
        level_file.write(
            "\n{#left-out topic=data-types}\n## What does the sheet leave out?\n\n"
            "{.key}\nKeyword only in the key.\n\nDetailword only in the details.\n\n"
            "- Listword item\n\n```python key=2\ncodeword_unmarked = 1\ncodeword_marked = 2\n```\n"
        )
    text = " ".join(page.text for page in build(bank, tmp_path / "out").pages)
    for shown in ("Keyword", "codeword_marked = 2", "What does the sheet leave out?"):
        assert shown in text
    for left_out in ("Detailword", "Listword", "codeword_unmarked"):
        assert left_out not in text
    assert 'print({point: "ok"}[point]) # -> ok' in text  # the fixture's marked line
    assert "point = (1, 2)" not in text


def test_inline_markdown_of_a_key_answer_prints_as_the_booklet_sets_it(
    bank: Path, tmp_path: Path
) -> None:
    basic = bank / "basic.md"
    basic.write_text(
        basic.read_text(encoding="utf-8").replace(
            "A `list` is mutable; a `tuple` is not,",
            "A `list` is **mutable**; a `tuple` is *notably* not,",
        ),
        encoding="utf-8",
    )
    found = runs(build(bank, tmp_path / "out").pdf)
    faces = {run.text.strip(): run.font for run in found}
    body = load_theme("default")
    question = [run for run in found if "difference between" in run.text]
    assert question
    assert all(run.font.endswith("-Bold") for run in question)
    assert question[0].text.startswith("1. ")  # numbered as in the booklet
    assert "Mono" in faces["list"]
    assert "Mono" in faces["tuple"]
    assert faces["mutable"].endswith("-Bold")
    assert "Mono" not in faces["mutable"]
    assert faces["notably"].endswith("-Italic")
    assert "Mono" not in faces["notably"]
    assert body.sizes["code_floor"] <= min(r.size for r in found if r.text.strip() == "list")


def test_a_question_without_a_key_answer_says_so_muted(bank: Path, tmp_path: Path) -> None:
    basic = bank / "basic.md"
    basic.write_text(
        basic.read_text(encoding="utf-8").replace("{.key}\nYes, since Python 3.7.\n\n", ""),
        encoding="utf-8",
    )
    printed = build(bank, tmp_path / "out")
    assert "(no key answer)" in " ".join(page.text for page in printed.pages)
    columns = printed.column_texts()
    assert any(
        letters("2. Do dicts keep insertion order? (no key answer)") in t for *_, t in columns
    )
    (shown,) = [run for run in runs(printed.pdf) if "no key answer" in run.text]
    assert shown.font.endswith("-Italic")
    assert shown.fill == _rgb(load_theme("default").palette["muted"])


# Key lines: shrunk to fit, then wrapped at a space ------------------------------------

SHRINKS = "total = sum(price * count for price, count in basket_items)  #"  # 61 characters
WRAPS = (
    "total = sum(price * quantity for price, quantity in basket_items "
    "if quantity > minimum_quantity)  # -> 42"
)


def _with_key_line(bank: Path, line: str) -> None:
    basic = bank / "basic.md"
    text = basic.read_text(encoding="utf-8")
    basic.write_text(
        text.replace(
            "```python key=2\npoint = (1, 2)\n", f"```python key=2\npoint = (1, 2)\n{line}\n"
        ),
        encoding="utf-8",
    )


def test_a_key_line_a_little_too_wide_shrinks_toward_the_floor_and_stays_one_line(
    bank: Path, tmp_path: Path
) -> None:
    _with_key_line(bank, SHRINKS)
    printed = build(bank, tmp_path / "out", "a4")
    floor = load_theme("default").sizes["code_floor"]
    (size,) = {run.size for run in runs(printed.pdf) if run.text.strip() == "total"}
    assert floor <= size < 7.0  # shrunk, but no further than it had to
    assert MARK not in " ".join(page.text for page in printed.pages)
    assert any(letters(SHRINKS) in text for *_, text in printed.column_texts())


@pytest.mark.parametrize("paper", PAPERS)
def test_a_key_line_too_wide_at_the_floor_wraps_at_a_space_with_a_hanging_mark(
    bank: Path, tmp_path: Path, paper: str
) -> None:
    _with_key_line(bank, WRAPS)
    printed = build(bank, tmp_path / "out", paper)
    floor = load_theme("default").sizes["code_floor"]
    marks = [run for run in runs(printed.pdf) if MARK in run.text]
    assert marks
    assert {run.size for run in marks} == {floor}
    for index in range(len(printed.pages)):
        for column in printed.columns(index):
            starts = [n for n, line in enumerate(column) if line.text.startswith("total =")]
            if not starts:
                continue
            pieces = [column[starts[0]].text]
            for line in column[starts[0] + 1 :]:
                if not line.text.startswith(MARK):
                    break
                pieces.append(line.text.removeprefix(MARK).strip())
                assert line.words[1].x0 > column[starts[0]].x0  # hung past the mark
            assert len(pieces) > 1
            assert " ".join(pieces) == " ".join(WRAPS.split())  # wrapped at spaces only
            return
    raise AssertionError("the key line is not on the sheet")


# The running head and the last page ---------------------------------------------------


def _section(question: Question, question_set: QuestionSet) -> str:
    topic = next(t.label for t in question_set.topics if t.id == question.topic)
    return f"{question_set.level(question.level).label} · {topic}"


def _first_questions(printed: Sheet, index: int) -> list[Question]:
    """The questions that start on page `index`, in reading order (by their number lines)."""
    by_number = {q.number: q for q in printed.question_set.questions}
    found = []
    for column in printed.columns(index):
        for line in column:
            first = line.words[0].text
            number = int(first[:-1]) if re.fullmatch(r"\d+\.", first) else 0
            question = by_number.get(number)
            if question is not None and letters(line.text).startswith(
                letters(f"{number}. {render_plain(question.question)}")[:12]
            ):
                found.append(question)
    return found


@pytest.mark.parametrize(("bank", "paper"), CASES)
def test_the_running_head_names_the_first_section_on_the_page(
    sheet: Callable[[str, str], Sheet], bank: str, paper: str
) -> None:
    printed = sheet(bank, paper)
    several = 0
    for index in range(len(printed.pages)):
        sections = [_section(q, printed.question_set) for q in _first_questions(printed, index)]
        head = printed.head(index)
        assert head.startswith("Python Interview Questions: cheat sheet")
        assert head.endswith(f"Page {index + 1} of {len(printed.pages)}")
        assert sections[0] in head, (index + 1, head, sections[0])
        for later in set(sections) - {sections[0]}:
            assert later not in head, (index + 1, head)
        several += len(set(sections)) > 1
    assert several, "no page holds two sections: the head's choice is untested"


def test_the_running_head_names_a_section_continued_from_the_page_before(
    bank: Path, tmp_path: Path
) -> None:
    """Sixty questions of one topic run on over pages that start with no heading of theirs."""
    key = "{.key}\n" + "A key answer of some thirty words that takes a few lines of a column. " * 3
    questions = [
        f"{{#many-{n} topic=data-types}}\n## Question number {n} of many?\n\n{key}\n"
        for n in range(60)
    ]
    (bank / "basic.md").write_text("# Basic\n\n" + "\n".join(questions), encoding="utf-8")
    printed = build(bank, tmp_path / "out")
    assert len(printed.pages) > 1
    for index in range(1, len(printed.pages)):
        first = _first_questions(printed, index)[0]
        assert printed.columns(index)[0][0].text.startswith(f"{first.number}. ")  # no heading
        head = printed.head(index)
        shown = _section(first, printed.question_set)
        assert shown == "Basic · Data types"
        assert shown in head


@pytest.mark.parametrize(("bank", "paper"), CASES)
def test_the_last_page_s_columns_end_level(
    sheet: Callable[[str, str], Sheet], bank: str, paper: str
) -> None:
    printed = sheet(bank, paper)
    columns = printed.columns(len(printed.pages) - 1)
    assert len(columns) >= 3
    assert all(columns), "a column of the last page is empty"
    bottoms = [column[-1].words[0].y1 for column in columns]
    pitch = statistics.median(
        below.words[0].y1 - above.words[0].y1
        for column in columns
        for above, below in pairwise(column)
    )
    assert max(bottoms) - min(bottoms) <= 2 * pitch, (bottoms, pitch)


def test_the_outline_keeps_levels_topics_and_questions(
    sheet: Callable[[str, str], Sheet],
) -> None:
    printed = sheet("bundled", "a4")
    titles = outline_titles(PdfReader(printed.pdf))
    assert [t for d, t in titles if d == 0] == ["Basic", "Intermediate", "Advanced"]
    assert len([t for d, t in titles if d == 2]) == 100


# Content taller than a column, and rebuilds ------------------------------------------


def _keyed_worst_bank(target: Path) -> Path:
    """The worst-case bank with a key answer of 2,000 words and a 200-character key line."""
    shutil.copytree(WORST, target)
    basic = target / "basic.md"
    head, rest = basic.read_text(encoding="utf-8").split("answer?\n\n", 1)
    answer, tail = rest.split("\n\n{#long-code-line", 1)
    one_paragraph = answer.replace("\n\n", "\n")
    text = f"{head}answer?\n\n{{.key}}\n{one_paragraph}\n\n{{#long-code-line{tail}"
    text = text.replace("```python\nmessage", "```python key=1\nmessage", 1)
    text = text.replace("`List<int>`?\n\n", "`List<int>`?\n\n{.key}\n", 1)
    basic.write_text(text, encoding="utf-8")
    return target


@pytest.mark.parametrize("paper", PAPERS)
def test_a_key_answer_taller_than_a_column_flows_on_and_stays_in_the_frames(
    tmp_path: Path, paper: str
) -> None:
    printed = build(_keyed_worst_bank(tmp_path / "content"), tmp_path / "out", paper)
    (long,) = [q for q in printed.question_set.questions if q.id == "two-thousand-words"]
    assert len(long.key.split()) > 1500
    text = letters(" ".join(t for *_, t in printed.column_texts()))
    assert letters(render_plain(long.key)) in text  # every word, in order, across columns
    assert letters("Привет, мир") in text
    assert letters("List<int>") in text
    for index, page in enumerate(printed.pages):
        rule = printed.rule(index)
        for word in page.words:
            assert rule.x0 - SLACK <= word.x0, word
            assert word.x1 <= rule.x1 + SLACK, word
            assert min(word.x0, word.y0, page.width - word.x1, page.height - word.y1) >= EDGE


def test_rebuilds_are_byte_identical(tmp_path: Path) -> None:
    content = _keyed_worst_bank(tmp_path / "content")
    first = export_pdf(content, tmp_path / "one", "--layout", "cheatsheet")
    second = export_pdf(content, tmp_path / "two", "--layout", "cheatsheet")
    assert first.read_bytes() == second.read_bytes()


def test_a_page_that_starts_inside_a_long_key_answer_is_headed_by_its_section(
    bank: Path, tmp_path: Path
) -> None:
    words = " ".join(f"word{n % 97}" for n in range(4_000))
    (bank / "basic.md").write_text(
        "# Basic\n\n{#long-key topic=data-types}\n## What has a very long key answer?\n\n"
        f"{{.key}}\n{words}\n\n{{#after topic=concurrency}}\n## What comes after it?\n\n"
        "{.key}\nA short key answer.\n",
        encoding="utf-8",
    )
    printed = build(bank, tmp_path / "out")
    (index,) = [
        index
        for index in range(len(printed.pages))
        if 2 in [q.number for q in _first_questions(printed, index)]
    ]
    assert index >= 1
    assert printed.columns(index)[0][0].text.startswith("word")  # it starts in the key answer
    head = printed.head(index)
    assert "Basic · Data types" in head  # the section that continues at the page's top
    assert "Basic · Concurrency" not in head  # not the one that starts below it


@pytest.mark.parametrize("seed", range(20))
def test_balanced_columns_are_never_less_even_than_packed_ones(seed: int) -> None:
    import random

    from qexport.exporters.pdf.cheatsheet.columns import balanced, column_height, packed

    chance = random.Random(seed)
    heights = [chance.uniform(20, 80) for _ in range(chance.randint(1, 30))]
    leads = [chance.uniform(2, 10) for _ in heights]
    limit = 520.0
    greedy = packed(heights, leads, limit)
    if len(greedy) > 3:
        return  # more than a page: only the last page is balanced
    even = balanced(heights, leads, limit, 3)
    assert [i for column in even for i in column] == list(range(len(heights)))  # in order
    assert len(even) == min(3, len(heights))
    assert all(even)

    def spread(columns: list[list[int]]) -> float:
        spans = [column_height(c, heights, leads) for c in columns] + [0.0] * (3 - len(columns))
        return max(spans) - min(spans)

    spans = [column_height(c, heights, leads) for c in even]
    assert max(spans) <= limit
    assert spread(even) <= spread(greedy) + 1e-9


def test_the_sheet_asks_for_one_side_at_full_size(sheet: Callable[[str, str], Sheet]) -> None:
    preferences = PdfReader(sheet("bundled", "letter").pdf).trailer["/Root"]["/ViewerPreferences"]
    assert preferences["/Duplex"] == "/Simplex"
    assert preferences["/PrintScaling"] == "/None"
