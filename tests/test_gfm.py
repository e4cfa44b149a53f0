"""GitHub's tables and strikethrough in every output, and warnings for what none renders.

The HTML is parsed back (the Anki CSV's fields) and laid out in headless Chromium with
the note type's CSS; the PDFs are read back with `pdftotext -bbox`, their drawing and
pypdf's fonts. `qexport validate` runs through the CLI.
"""

from __future__ import annotations

import csv
import io
import json
import os
import re
import shutil
import subprocess
import tempfile
from collections.abc import Callable, Sequence
from html import escape, unescape
from html.parser import HTMLParser
from itertools import pairwise
from pathlib import Path
from typing import Any

import pytest
from PIL import Image
from pypdf import PdfReader
from test_pdf_images import drawn_images

from qexport.exporters.anki.notetype import css
from qexport.exporters.pdf.booklet import INNER, OUTER
from qexport.exporters.pdf.cards import COLUMNS, MARGIN, PADDING, ROWS, card_box
from qexport.loader import load
from qexport.render import HtmlRenderer
from qexport.themes import load_theme

from conftest import CONTENT, Run, export_pdf
from pdf_reading import Box, Page, Word, drawings, pages

needs_poppler = pytest.mark.skipif(
    shutil.which("pdftotext") is None and not os.environ.get("CI"),
    reason="needs poppler-utils (pdftotext)",
)
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
SLACK = 1.0  # points: reportlab's rounding, far below what a reader sees

TABLE = """\
| Kindhead | Mutablehead | Examplehead |
|:---------|:-----------:|------------:|
| `listcode` | yesyes | rightone |
| alphatwo | ~~struckcell~~ | `righttwo` |
| alphathree | centrethree | right three wraps in its cell when the column is narrow |
"""
KEY = "Lists are ~~immutablewrong~~ mutable."


def add_question(bank: Path, question_id: str, details: str, key: str = KEY) -> None:
    """A question at the end of the bank's first level, with a key answer unless `key` is ''."""
    lead = f"{{.key}}\n{key}\n\n" if key else ""
    with (bank / "basic.md").open("a", encoding="utf-8") as level_file:
        level_file.write(
            f"\n{{#{question_id} topic=data-types}}\n## How do {question_id} compare?\n\n"
            f"{lead}{details}\n"
        )


# HTML ---------------------------------------------------------------------------------


class _Html(HTMLParser):
    """Every table's rows (each cell as tag, style, text, and whether it holds code) and the
    text of every <s>."""

    def __init__(self) -> None:
        super().__init__()
        self.tables: list[list[list[tuple[str, str, str, bool]]]] = []
        self.struck: list[str] = []
        self._cell: list[Any] | None = None
        self._open_s = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "table":
            self.tables.append([])
        elif tag == "tr":
            self.tables[-1].append([])
        elif tag in ("th", "td"):
            self._cell = [tag, dict(attrs).get("style") or "", "", False]
        elif tag == "code" and self._cell is not None:
            self._cell[3] = True
        elif tag == "s":
            self._open_s += 1
            self.struck.append("")

    def handle_endtag(self, tag: str) -> None:
        if tag in ("th", "td") and self._cell is not None:
            self.tables[-1][-1].append(tuple(self._cell))  # type: ignore[arg-type]
            self._cell = None
        elif tag == "s":
            self._open_s -= 1

    def handle_data(self, data: str) -> None:
        if self._cell is not None:
            self._cell[2] += data
        if self._open_s:
            self.struck[-1] += data


def parsed(html: str) -> _Html:
    parser = _Html()
    parser.feed(html)
    parser.close()
    return parser


def test_a_table_and_strikethrough_are_html_in_the_anki_csv(
    bank: Path, run: Callable[..., Run], tmp_path: Path
) -> None:
    add_question(bank, "containers", TABLE)
    result = run("csv", "--out", str(tmp_path / "out"), content=bank)
    assert result.exit_code == 0, result.stderr
    (written,) = (tmp_path / "out").glob("*.csv")
    body = "".join(line for line in io.StringIO(written.read_text("utf-8")) if line[0] != "#")
    (row,) = [r for r in csv.reader(io.StringIO(body)) if r[2] == "containers"]
    html = parsed(row[1])  # the Answer field: the key answer, then the details
    ((head, *rows),) = html.tables
    assert [(tag, text) for tag, _, text, _ in head] == [
        ("th", "Kindhead"),
        ("th", "Mutablehead"),
        ("th", "Examplehead"),
    ]
    aligned = ["text-align:left", "text-align:center", "text-align:right"]
    assert [[style for _, style, _, _ in r] for r in [head, *rows]] == [aligned] * 4
    assert [[text for _, _, text, _ in r] for r in rows] == [
        ["listcode", "yesyes", "rightone"],
        ["alphatwo", "struckcell", "righttwo"],
        ["alphathree", "centrethree", "right three wraps in its cell when the column is narrow"],
    ]
    assert rows[0][0][3]  # inline code in cells stays code
    assert rows[1][2][3]
    assert html.struck == ["immutablewrong", "struckcell"]
    assert parsed(row[-1]).struck == ["immutablewrong"]  # the key answer's own column


HARNESS = """\
<!doctype html>
<html><head><meta charset="utf-8"></head><body>
<iframe width="{width}" height="{height}" srcdoc="{page}"></iframe>
<pre id="results"></pre>
<script>
window.addEventListener("load", () => {{
  const doc = document.querySelector("iframe").contentDocument;
  const size = (selector) => getComputedStyle(doc.querySelector(selector)).fontSize;
  const table = doc.querySelector(".qx-answer table");
  const cell = table && table.querySelector("th");
  document.getElementById("results").textContent = JSON.stringify({{
    pageWidth: doc.documentElement.scrollWidth,
    table: table && [table.clientWidth, table.scrollWidth, table.getBoundingClientRect().right],
    cellBorder: cell && getComputedStyle(cell).borderTopWidth,
    heading: size(".qx-answer h3"),
    paragraph: size(".qx-answer p"),
  }});
}});
</script>
</body></html>
"""


def laid_out(page: str, width: int, height: int) -> dict[str, Any]:
    """`page` laid out by headless Chromium in a window of `width` x `height`: measurements."""
    assert CHROMIUM, "needs chromium"
    harness = HARNESS.format(width=width, height=height, page=escape(page))
    with tempfile.TemporaryDirectory(prefix="qexport-gfm-") as scratch:
        path = Path(scratch) / "harness.html"
        path.write_text(harness, encoding="utf-8")
        done = subprocess.run(
            [
                CHROMIUM,
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--hide-scrollbars",
                f"--user-data-dir={Path(scratch) / 'profile'}",
                "--dump-dom",
                path.as_uri(),
            ],
            capture_output=True,
            text=True,
            timeout=120,
            check=True,
        )
    found = re.search(r'<pre id="results">(.*?)</pre>', done.stdout, re.S)
    assert found, done.stdout[-2000:]
    results: dict[str, Any] = json.loads(unescape(found.group(1)))
    return results


WIDE = (
    "| H0 | H1 | H2 | H3 |\n|---|---|---|---|\n"
    + "| "
    + " | ".join(f"`a_very_long_identifier_that_cannot_wrap_{n}`" for n in range(4))
    + " |\n"
)


@pytest.mark.skipif(CHROMIUM is None and not os.environ.get("CI"), reason="needs chromium")
def test_on_a_phone_a_wide_table_scrolls_in_its_box_and_headings_rank_below_the_question() -> None:
    details = f"Some text.\n\n### A heading\n\nMore text.\n\n{WIDE}"
    answer = HtmlRenderer().render_answer(KEY, details)
    page = (
        '<!doctype html><html><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<style>{css(load_theme('default'))}</style></head>"
        f'<body class="card card1"><div class="qx-answer">{answer}</div></body></html>'
    )
    found = laid_out(page, 390, 844)
    client, scrolled, right = found["table"]
    assert found["pageWidth"] <= 390  # the card never scrolls sideways
    assert scrolled > client  # the table does, inside its own box
    assert right <= 390
    assert found["cellBorder"] == "1px"
    assert found["heading"] == found["paragraph"]  # was 1.17em: as large as the question


# PDF ----------------------------------------------------------------------------------


def _words(pdf: Path) -> list[tuple[int, Word]]:
    return [(number, word) for number, page in enumerate(pages(pdf)) for word in page.words]


def _one(pdf: Path, text: str) -> tuple[int, Word]:
    (found,) = [(number, word) for number, word in _words(pdf) if word.text == text]
    return found


def _fonts(pdf: Path, page: int) -> dict[str, str]:
    """The font of each word drawn on `page` (from 0), by its text."""
    fonts: dict[str, str] = {}

    def visit(text: str, _cm: Any, _tm: Any, font: Any, _size: Any) -> None:
        for word in text.split():
            fonts.setdefault(word, str(font.get("/BaseFont", "")) if font else "")

    PdfReader(pdf).pages[page].extract_text(visitor_text=visit)
    return fonts


def _frames(layout: str, page: Page, number: int) -> list[tuple[float, float, float, float]]:
    """The text frames of page `number` (from 0): left, top, right, bottom, from the top."""
    if layout == "booklet":  # odd pages (from 1) are right-hand ones: the inner margin left
        left = INNER if number % 2 == 0 else OUTER
        return [(left, 0, page.width - (OUTER + INNER - left), page.height)]
    card_width, card_height = card_box((page.width, page.height))
    return [
        (
            MARGIN + column * card_width + PADDING,
            MARGIN + row * card_height + PADDING,
            MARGIN + (column + 1) * card_width - PADDING,
            MARGIN + (row + 1) * card_height - PADDING,
        )
        for row in range(ROWS)
        for column in range(COLUMNS)
    ]


def _inside(word: Word, frames: Sequence[tuple[float, float, float, float]]) -> bool:
    return any(
        left - SLACK <= word.x0 and word.x1 <= right + SLACK and top <= word.y0 <= bottom
        for left, top, right, bottom in frames
    )


def _same_line(words: Sequence[Word]) -> bool:
    return max(w.y0 for w in words) - min(w.y0 for w in words) < SLACK


def _vertical_rule_between(rules: Sequence[Box], left: Word, right: Word) -> bool:
    """Whether a vertical line stands between `left` and `right`, the whole height of both."""
    return any(
        rule.is_vertical_line
        and left.x1 <= rule.x0 <= right.x0
        and rule.y0 <= min(left.y0, right.y0)
        and rule.y1 >= max(left.y1, right.y1)
        for rule in rules
    )


def _struck(rules: Sequence[Box], word: Word) -> bool:
    """Whether a horizontal line runs through the middle of `word`, end to end."""
    return any(
        rule.is_horizontal_line
        and word.y0 + (word.y1 - word.y0) * 0.3 < rule.y0 < word.y1 - (word.y1 - word.y0) * 0.3
        and abs(rule.x0 - word.x0) < SLACK
        and abs(rule.x1 - word.x1) < SLACK
        for rule in rules
    )


@needs_poppler
@pytest.mark.parametrize("layout", ["booklet", "cards"])
def test_a_table_prints_as_a_grid_with_its_header_first(
    layout: str, bank: Path, tmp_path: Path
) -> None:
    add_question(bank, "containers", TABLE)
    pdf = export_pdf(bank, tmp_path / "out", "--layout", layout)
    number, _ = _one(pdf, "Kindhead")
    grid = [
        ["Kindhead", "Mutablehead", "Examplehead"],
        ["listcode", "yesyes", "rightone"],
        ["alphatwo", "struckcell", "righttwo"],
        ["alphathree", "centrethree", "right"],
    ]
    words = [[_one(pdf, text) for text in row] for row in grid]
    assert {page for row in words for page, _ in row} == {number}
    cells = [[word for _, word in row] for row in words]
    for row in cells:
        assert _same_line(row)
        assert row[0].x1 < row[1].x0
        assert row[1].x1 < row[2].x0
    assert [row[0].y0 for row in cells] == sorted(row[0].y0 for row in cells)  # header first
    lefts = [row[0].x0 for row in cells]
    centres = [(row[1].x0 + row[1].x1) / 2 for row in cells]
    assert max(lefts) - min(lefts) < SLACK  # :--- left
    assert max(centres) - min(centres) < SLACK  # :---: centred
    assert abs(cells[1][2].x1 - cells[2][2].x1) < SLACK  # ---: right, where one line
    rules = drawings(pdf)[number]
    for row in cells:
        assert _vertical_rule_between(rules, row[0], row[1])
        assert _vertical_rule_between(rules, row[1], row[2])
    fonts = _fonts(pdf, number)
    assert all("Bold" in fonts[text] for text in grid[0])
    assert "Bold" not in fonts["alphatwo"]
    assert "Mono" in fonts["listcode"]
    page = pages(pdf)[number]
    assert all(_inside(word, _frames(layout, page, number)) for word in page.words)
    assert "|" not in page.text
    assert "~~" not in page.text
    assert _struck(rules, cells[2][1])
    _, wrong = _one(pdf, "immutablewrong")  # in the key answer
    assert _struck(drawings(pdf)[_one(pdf, "immutablewrong")[0]], wrong)


@needs_poppler
@pytest.mark.parametrize("layout", ["booklet", "cards"])
def test_a_wide_table_fits_the_frame(layout: str, bank: Path, tmp_path: Path) -> None:
    columns = 8
    table = (
        "| " + " | ".join(f"H{n}" for n in range(columns)) + " |\n"
        "|" + "---|" * columns + "\n"
        "| "
        + " | ".join(f"`averyveryverylongidentifierwithoutanybreak{n}`" for n in range(columns))
        + " |\n| "
        + " | ".join(f"c{n}" for n in range(columns))
        + " |\n"
    )
    add_question(bank, "wide", table)
    pdf = export_pdf(bank, tmp_path / "out", "--layout", layout)
    number, _ = _one(pdf, "H0")
    page = pages(pdf)[number]
    heads = [_one(pdf, f"H{n}")[1] for n in range(columns)]
    last = [_one(pdf, f"c{n}")[1] for n in range(columns)]
    rules = drawings(pdf)[number]
    for row in (heads, last):
        assert _same_line(row)
        assert all(_vertical_rule_between(rules, a, b) for a, b in pairwise(row))
    assert all(_inside(word, _frames(layout, page, number)) for word in page.words)
    table_rules = [r for r in rules if r.is_vertical_line and r.y0 >= heads[0].y0 - 10]
    frames = _frames(layout, page, number)
    assert all(any(f[0] - SLACK <= r.x0 <= f[2] + SLACK for f in frames) for r in table_rules)


@needs_poppler
@pytest.mark.parametrize("layout", ["booklet", "cards"])
def test_a_word_wider_than_the_frame_leaves_the_other_columns_room_for_their_words(
    layout: str, bank: Path, tmp_path: Path
) -> None:
    prose = "Runs a blocking function in a thread pool so the event loop keeps serving"
    url = "https://docs.python.org/3/library/asyncio-eventloop.html" + "#run" * 20
    add_question(bank, "urls", f"| Where | What |\n|---|---|\n| `{url}` | {prose} |\n")
    pdf = export_pdf(bank, tmp_path / "out", "--layout", layout)
    number, _ = _one(pdf, "Where")
    page = pages(pdf)[number]
    words = {word.text for word in page.words}
    assert set(prose.split()) <= words  # whole words: none broken a letter or two a line
    assert all(_inside(word, _frames(layout, page, number)) for word in page.words)


@needs_poppler
@pytest.mark.parametrize("layout", ["booklet", "cards"])
def test_a_table_of_more_columns_than_the_frame_has_room_for_still_fits(
    layout: str, bank: Path, tmp_path: Path
) -> None:
    columns = 40  # too many for a letter each, on a card or a page: drawn smaller
    rows = "\n".join(["|" + "y|" * columns] * 120)  # and split
    table = "|" + "xx|" * columns + "\n|" + "-|" * columns + f"\n{rows}\n"
    add_question(bank, "many", table, key="")
    pdf = export_pdf(bank, tmp_path / "out", "--layout", layout)
    read, drawn = pages(pdf), drawings(pdf)
    holding = []  # (page, frame) of every page or card with rows of the table
    for number in sorted({n for n, word in _words(pdf) if word.text == "y"}):
        page = read[number]
        frames = _frames(layout, page, number)
        assert all(_inside(word, frames) for word in page.words)
        holding += [(number, f) for f in frames if any(_inside(w, [f]) for w in page.words)]
        rules = {  # the table's: the cards' cut guides start in the page's margin
            round(r.x0, 1) for r in drawn[number] if r.is_vertical_line and r.y0 > MARGIN
        }
        assert len(rules) > columns  # a rule at each side of every column
        assert all(any(f[0] - SLACK <= x <= f[2] + SLACK for f in frames) for x in rules)
    assert len(holding) >= 2


@needs_poppler
@pytest.mark.parametrize("layout", ["booklet", "cards"])
def test_a_long_table_repeats_its_header_on_every_page_or_card(
    layout: str, bank: Path, tmp_path: Path
) -> None:
    rows = "\n".join(f"| row{n} | value{n} |" for n in range(90))
    add_question(bank, "long", f"| Namehead | Valuehead |\n|---|---|\n{rows}\n", key="")
    pdf = export_pdf(bank, tmp_path / "out", "--layout", layout)
    read = pages(pdf)
    holding = sorted(
        {number for number, word in _words(pdf) if re.fullmatch(r"row\d+", word.text)}
    )
    assert len(holding) >= 2
    for number in holding:
        page = read[number]
        frames = _frames(layout, page, number)
        for frame in frames:  # on a page of cards, each card with rows has its own header
            inside = [w for w in page.words if _inside(w, [frame])]
            first_row = min(
                (w.y0 for w in inside if re.fullmatch(r"row\d+", w.text)), default=None
            )
            if first_row is None:
                continue
            heads = [w for w in inside if w.text == "Namehead"]
            assert len(heads) == 1
            assert heads[0].y0 < first_row


@needs_poppler
def test_a_picture_in_a_table_prints_in_its_cell(bank: Path, tmp_path: Path) -> None:
    Image.new("RGB", (60, 40), "red").save(bank / "dot.png")
    table = "| lefthead | righthead |\n|---|---|\n| ![dot](dot.png) | besidecell |"
    add_question(bank, "pictured", table)
    pdf = export_pdf(bank, tmp_path / "out")
    number, beside = _one(pdf, "besidecell")
    _, left = _one(pdf, "lefthead")
    _, right = _one(pdf, "righthead")
    ((page, x, top, width),) = drawn_images(pdf)
    assert page == number + 1
    assert left.x0 - SLACK <= x  # in the first column
    assert x + width < right.x0
    assert abs(top - beside.y0) < 5  # on the row's first line


# validate -----------------------------------------------------------------------------

PROBLEMS = """\

{#problems topic=data-types}
## What is <kbd>Tab</kbd> for? <u>Really</u>?

{.key}
| a | b |
|---|---|
| 1 | 2 |

A name is `<lambda>` in code and <lambda> in prose; `<b>` is code.
Press <kbd>Tab</kbd> <span title="x">
then <br> and <b>bold</b> on one line, <b>open, with a note[^1] and an[^undefined].

<!-- a comment -->

- [ ] a task
- [x] done
- [link](https://example.com) is no box

> [^q]: quoted note

### A heading shows as a heading

```python
x = "[^2]: not a footnote <b>"
```

[^1]: The note.
"""


def test_validate_warns_about_what_no_output_renders(bank: Path, run: Callable[..., Run]) -> None:
    (bank / "basic.md").write_text(
        "<!-- the preamble is printed nowhere -->\n" + (bank / "basic.md").read_text("utf-8")
    )
    start = len((bank / "basic.md").read_text("utf-8").split("\n"))
    with (bank / "basic.md").open("a", encoding="utf-8") as level_file:
        level_file.write(PROBLEMS)
    result = run("validate", content=bank)
    assert result.exit_code == 0, result.stderr
    path = bank / "basic.md"
    found = {
        (int(line), message)
        for line, message in re.findall(
            rf"^{re.escape(str(path))}:(\d+): warning: (.*)$", result.stderr, re.M
        )
    }
    at = {line - start: message for line, message in found if line >= start}
    html = (
        "raw HTML is shown as text, never interpreted: {}; only <br>, <b>, <strong>, <i>, "
        "<em>, <sub>, <sup>, <code>, <kbd> and <img src=…> of a file are rendered; write it "
        "in Markdown, or in backticks to show the tag"
    )
    unpaired = (
        "{} is shown as text: it is not paired with its opening or closing tag in the same "
        "paragraph, inside the same emphasis or link"
    )
    box = (
        "a task list box {} is shown as text: no output draws check boxes; write the item "
        "without it"
    )
    footnote = (
        "footnote [^{}] is shown as text: no output renders footnotes; write the note "
        "into the answer"
    )
    assert at == {
        2: html.format("<u>"),  # <kbd> is rendered
        5: "a key answer is shown as one paragraph, so this table is shown as text; put the "
        "table in the details",
        10: html.format('<span title="x">'),
        11: unpaired.format("<b>"),  # <br> and the paired <b> are rendered
        13: "an HTML comment is shown as text in every output; delete it",
        15: box.format("[ ]"),
        16: box.format("[x]"),
        19: footnote.format("q"),
        27: footnote.format("1"),
    }
    assert not [m for line, m in found if line < start and ("HTML" in m or "footnote" in m)]


def test_the_bundled_bank_has_nothing_unrendered_and_one_tag_is_found(content: Path) -> None:
    kinds = ("raw HTML", "HTML comment", "footnote", "task list box", "shown as one paragraph")

    def unrendered(bank: Path) -> list[tuple[int | None, str]]:
        notes = load(bank).warnings
        return [(n.line, n.message) for n in notes if any(kind in n.message for kind in kinds)]

    assert unrendered(CONTENT) == []
    path = content / "basic.md"
    lines = path.read_text("utf-8").split("\n")
    at = max(i for i, line in enumerate(lines) if line == "{.key}") + 1  # the last key answer
    lines[at] += " Press <kbd>Tab</kbd>, or <u>Tab</u>."
    path.write_text("\n".join(lines), encoding="utf-8")
    ((line, message),) = unrendered(content)
    assert line == at + 1
    assert "<u>" in message
    assert message.startswith("raw HTML is shown as text, never interpreted: <u>;")
