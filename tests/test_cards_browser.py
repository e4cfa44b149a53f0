"""The Anki cards in a real browser: headless Chromium draws every card of the bundled bank
as Anki shows its back, on a phone (390 x 844) and a desktop (1000 x 800), by day and by
night, and the tests check what it drew (see tests/browser.py).

Besides the bank, a probe card holds what the bank may one day lack: a drawing wider than
any screen (a `text` block, which scrolls) and a long indented Python line with a result
(which wraps). Screenshots of a long and a short card are kept in build/test-artifacts/cards/
($QEXPORT_TEST_ARTIFACTS/cards/ if set) for a person to look at.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from itertools import pairwise
from pathlib import Path
from typing import Any

import pytest

from qexport.exporters.anki import notetype
from qexport.exporters.anki.deck import deck_inputs
from qexport.loader import load
from qexport.render import HtmlRenderer
from qexport.themes import load_theme

import browser
from browser import DAY, DESKTOP, NIGHT, PHONE, Frame
from conftest import CONTENT

# CI installs chromium (.ci/run); elsewhere, without it, these tests are skipped.
pytestmark = pytest.mark.skipif(
    browser.CHROMIUM is None and not os.environ.get("CI"),
    reason="needs Debian's chromium",
)

SIZES = {"phone": PHONE, "desktop": DESKTOP}
MODES = {"day": DAY, "night": NIGHT}
MIN_CONTRAST = 4.5  # WCAG 2 AA, for text of body size
SHADE = 12  # how far (of 255) the scroll cue's pixels must be from the code's background
SLACK = 0.5  # px: subpixel layout
PROBE = "Probe"  # not a question id, which is lower case
PROBE_CODE = (
    "def report(words):\n"
    "    for word in words:\n"
    "        print(collections.OrderedDict.fromkeys(sorted(set(word))).keys())"
    "  # -> odict_keys(['a', 'b'])\n"
)
# A box wider than any screen, empty inside: its middle row shows the background (and the
# scroll cue) at any x.
PROBE_DRAWING = "\n".join(["+" + "-" * 118 + "+", "|" + " " * 118 + "|", "+" + "-" * 118 + "+"])
PROBE_ANSWER = f"""\
A drawing wider than any screen keeps its layout and scrolls:

```text
{PROBE_DRAWING}
```

A long line wraps after its indentation, its result in view:

```python
{PROBE_CODE}```
"""


# What authors write on GitHub, now rendered: the HTML subset and a bare URL far wider than
# a phone, which must wrap rather than widen the card.
PROBE_HTML = "probe-html"
PROBE_HTML_KEY = "Water is H<sub>2</sub>O; copy with <kbd>Ctrl</kbd>+<kbd>C</kbd>."
PROBE_HTML_ANSWER = (
    "Raw <b>bold</b>, <i>italic</i>, x<sup>2</sup>,<br>a line break, and a link: "
    "https://example.org/" + "a-very-long-path-segment/" * 8 + "end"
)


@dataclass(frozen=True)
class Deck:
    css: str
    backs: Mapping[str, str]  # each card's back as Anki renders it, by question id


def back_of(fields: Mapping[str, str]) -> str:
    front = notetype.render_card(notetype.FRONT, fields)
    return notetype.render_card(notetype.BACK, fields, front=front)


@pytest.fixture(scope="module")
def deck(tmp_path_factory: pytest.TempPathFactory) -> Deck:
    """The bundled bank's cards (from a copy: the bank may change while tests run), and
    the probe card."""
    content = tmp_path_factory.mktemp("bank") / "content"
    shutil.copytree(CONTENT, content)
    cards, css, _ = deck_inputs(load(content).question_set, load_theme())
    backs = {card.question.id: back_of(card.fields) for card in cards}
    probe = {
        "Question": "What does a card show when code is wider than the screen?",
        "Answer": HtmlRenderer().render(PROBE_ANSWER),
        "Id": PROBE,
        "Level": "Basic",
        "Topic": "Probe",
    }
    html_probe = {
        "Question": "What do a few HTML tags and a bare URL look like?",
        "Answer": HtmlRenderer().render_answer(PROBE_HTML_KEY, PROBE_HTML_ANSWER),
        "Id": PROBE_HTML,
        "Level": "Basic",
        "Topic": "Probe",
    }
    return Deck(css, {**backs, PROBE: back_of(probe), PROBE_HTML: back_of(html_probe)})


def frames_of(name: str, css: str, body: str) -> list[Frame]:
    return [
        Frame(f"{name}/{size}/{mode}", browser.card_page(css, body, body_class), width, height)
        for size, (width, height) in SIZES.items()
        for mode, body_class in MODES.items()
    ]


@pytest.fixture(scope="module")
def measured(deck: Deck) -> dict[str, dict[str, Any]]:
    """Every back, at both sizes, day and night: one browser run."""
    return browser.measure(
        frame for card, body in deck.backs.items() for frame in frames_of(card, deck.css, body)
    )


def pages(
    measured: Mapping[str, dict[str, Any]], size: str | None = None
) -> Iterator[tuple[str, str, dict[str, Any]]]:
    """(page name, card id, measurements) of every page, or of those of one size."""
    for name, page in measured.items():
        card, page_size, _ = name.rsplit("/", 2)
        if size in (None, page_size):
            yield name, card, page


def blocks(
    measured: Mapping[str, dict[str, Any]], size: str | None = None
) -> Iterator[tuple[str, dict[str, Any]]]:
    for name, _, page in pages(measured, size):
        for block in page["blocks"]:
            yield name, block


def probe_block(
    measured: Mapping[str, dict[str, Any]], where: str, language: str
) -> dict[str, Any]:
    """The probe card's code block in `language`, as measured `where` ("phone/day")."""
    (block,) = [
        block
        for block in measured[f"{PROBE}/{where}"]["blocks"]
        if f"language-{language}" in block["classes"].split()
    ]
    return block


def report(problems: Mapping[str, list[str]]) -> str:
    return f"{len(problems)} pages:\n{browser.failures(problems)}"


def test_every_card_shows_its_key_answer_above_the_fold(
    measured: dict[str, dict[str, Any]],
) -> None:
    problems: dict[str, list[str]] = {}
    for name, card, page in pages(measured):
        if card == PROBE:
            continue
        if page["key"] is None:
            problems[name] = ["no key answer (.qx-key)"]
        elif page["key"][3] > page["height"]:
            bottom = page["key"][3]
            problems[name] = [f"the key answer ends {bottom:.0f} px down, below the fold"]
    assert not problems, report(problems)


def test_no_card_scrolls_sideways(measured: dict[str, dict[str, Any]]) -> None:
    problems = {
        name: [f"the page is {page['pageWidth']} px wide in a {page['width']} px window"]
        for name, _, page in pages(measured)
        if page["pageWidth"] > page["width"]
    }
    assert not problems, report(problems)


def scroll_cue_problems(block: Mapping[str, Any]) -> list[str]:
    """What is wrong with a block wider than its box: it must scroll, not wrap, and carry
    the cue (covers that scroll with the code over shadows that stay at the edges)."""
    problems = []
    if "wrap" in block["classes"].split():
        problems.append("a wrapping block is wider than its box")
    if block["overflowX"] not in ("auto", "scroll"):
        problems.append(f"overflow-x is {block['overflowX']}")
    layers = block["backgroundImage"]
    attachments = [a.strip() for a in block["backgroundAttachment"].split(",")]
    if layers.count("radial-gradient") < 2 or layers.count("linear-gradient") < 2:
        problems.append(f"no scroll cue in its background ({layers})")
    elif "local" not in attachments or "scroll" not in attachments:
        problems.append(f"the cue does not follow the scrolling ({attachments})")
    return problems


def test_a_code_block_wider_than_its_box_shows_a_scroll_cue(
    measured: dict[str, dict[str, Any]],
) -> None:
    problems: dict[str, list[str]] = {}
    for name, block in blocks(measured):
        if block["scrollWidth"] > block["clientWidth"]:
            wide = f"{block['scrollWidth']} px of code in {block['clientWidth']} px"
            found = scroll_cue_problems(block)
            if found:
                problems.setdefault(name, []).append(f"{wide}: {', '.join(found)}")
    assert not problems, report(problems)
    # The probe's drawing is wider than both screens, so this checked something.
    for size in SIZES:
        drawing = probe_block(measured, f"{size}/day", "text")
        assert drawing["scrollWidth"] > drawing["clientWidth"], drawing


def test_every_result_is_in_view_on_a_phone(measured: dict[str, dict[str, Any]]) -> None:
    """Each `# -> result` ends inside its block's box: seen without scrolling sideways."""
    problems: dict[str, list[str]] = {}
    results = 0
    for size in SIZES:
        for name, block in blocks(measured, size):
            for line in block["lines"]:
                if line["resultRight"] is None:
                    continue
                results += 1
                past = line["resultRight"] - block["clientRight"]
                if past > SLACK:
                    problems.setdefault(name, []).append(f"{line['text']!r}: {past:.0f} px out")
    assert not problems, report(problems)
    assert results > 100  # the bank's results, and the probe's


def hanging_problems(block: Mapping[str, Any]) -> list[str]:
    """Lines that wrap where their continuation rows do not start right of their first glyph."""
    problems = []
    for line in block["lines"]:
        if len(line["rows"]) < 2:
            continue
        continued = min(row[0] for row in line["rows"][1:])
        if continued <= line["firstGlyph"] + SLACK:
            first = line["firstGlyph"]
            shown = f"continues at x={continued:.0f}, its first glyph at x={first:.0f}"
            problems.append(f"{line['text']!r} {shown}")
    return problems


def test_a_wrapped_line_continues_right_of_its_first_glyph(
    measured: dict[str, dict[str, Any]],
) -> None:
    problems: dict[str, list[str]] = {}
    for name, block in blocks(measured):
        if "wrap" in block["classes"].split():
            found = hanging_problems(block)
            if found:
                problems.setdefault(name, []).extend(found)
    assert not problems, report(problems)
    # The probe's long line wraps on a phone, so this checked something.
    long_line = probe_block(measured, "phone/day", "python")["lines"][2]
    assert len(long_line["rows"]) > 1, long_line


def test_code_copies_exactly_as_written(measured: dict[str, dict[str, Any]]) -> None:
    """Whatever the stylesheet adds to wrap lines, a learner who copies a block gets its code."""
    problems: dict[str, list[str]] = {}
    for name, block in blocks(measured):
        code = "\n".join(line["text"] for line in block["lines"])
        if block["copied"] != code.rstrip("\n"):
            problems.setdefault(name, []).append(f"copies as {block['copied'][:80]!r}")
    assert not problems, report(problems)
    assert probe_block(measured, "phone/night", "python")["copied"] == PROBE_CODE.rstrip("\n")


@pytest.mark.parametrize("mode", MODES)
def test_text_and_code_contrast(measured: dict[str, dict[str, Any]], mode: str) -> None:
    """Body text, key answer, code and every code token stand out from what is behind them."""
    problems: dict[str, list[str]] = {}
    samples = 0
    for name, _, page in pages(measured):
        if not name.endswith(f"/{mode}"):
            continue
        for sample in page["colours"]:
            samples += 1
            ratio = browser.contrast(sample["colour"], sample["background"])
            if ratio < MIN_CONTRAST:
                what = f"{sample['what']} {sample['text']!r}"
                shown = f"{sample['colour']} on {sample['background']}: {ratio:.2f}"
                problems.setdefault(name, []).append(f"{what} {shown}")
    assert not problems, report(problems)
    assert samples > 1000


def code_lines(page: Mapping[str, Any]) -> int:
    return sum(len(block["lines"]) for block in page["blocks"])


@pytest.fixture(scope="module")
def pictures(deck: Deck, measured: dict[str, dict[str, Any]]) -> dict[str, Any]:
    """Screenshots of the card with the most code, the shortest card and the probe, by the
    name of their measurements; kept for a person to look at."""
    on_phone = {card: page for _, card, page in pages(measured, "phone") if card != PROBE}
    longest = max(sorted(on_phone), key=lambda card: code_lines(on_phone[card]))
    shortest = min(sorted(on_phone), key=lambda card: on_phone[card]["pageHeight"])
    frames = [
        frame
        for card in (longest, shortest, PROBE)
        for frame in frames_of(card, deck.css, deck.backs[card])
        if card != PROBE or "/phone/" in frame.name
    ]
    folder = browser.artifacts_dir() / "cards"
    for old in folder.glob("*.png"):  # a previous run's, perhaps of other cards
        old.unlink()
    named = [Frame(f.name.replace("/", "-"), f.page, f.width, f.height) for f in frames]
    written = browser.screenshots(named, folder)
    return {f.name: browser.pixels(written[n.name]) for f, n in zip(frames, named, strict=True)}


def rgb(colour: str) -> tuple[int, int, int]:
    digits = colour.lstrip("#")
    return (int(digits[0:2], 16), int(digits[2:4], 16), int(digits[4:6], 16))


def near(pixel: tuple[int, int, int], colour: tuple[int, int, int], within: int = 3) -> bool:
    return max(abs(p - c) for p, c in zip(pixel, colour, strict=True)) <= within


def test_the_pictures_show_each_key_answer_above_the_fold(
    pictures: dict[str, Any], measured: dict[str, dict[str, Any]]
) -> None:
    """The key answer's bar, in the accent colour, is drawn where it was measured."""
    theme = load_theme()
    accents = {"day": rgb(theme.palette["accent"]), "night": rgb(theme.night["accent"])}
    cards = {name for name in pictures if not name.startswith(f"{PROBE}/")}
    assert len(cards) == 8, sorted(pictures)  # two cards, at both sizes, day and night
    for name in sorted(cards):
        picture, page = pictures[name], measured[name]
        assert picture.size == (page["width"], page["height"])
        assert page["key"] is not None, f"{name}: no key answer"
        left, top, _, bottom = page["key"]
        bar = picture.getpixel((int(left) + 1, int((top + bottom) / 2)))
        assert near(bar, accents[name.split("/")[2]]), f"{name}: {bar} at the key's bar"


@pytest.mark.parametrize("mode", MODES)
def test_the_scroll_cue_is_drawn_at_the_edge_with_more_code(
    pictures: dict[str, Any], measured: dict[str, dict[str, Any]], mode: str
) -> None:
    """In the probe's drawing, scrolled to its start: a shadow at the right edge, where
    more code is hidden, none at the left. Read on the drawing's empty middle row."""
    palette = load_theme().palette if mode == "day" else load_theme().night
    ground = rgb(palette["code_background"])
    name = f"{PROBE}/phone/{mode}"
    drawing = probe_block(measured, f"phone/{mode}", "text")
    assert drawing["scrollWidth"] > drawing["clientWidth"]
    left, right = int(drawing["clientLeft"]), int(drawing["clientRight"])
    y = int((drawing["clientTop"] + drawing["clientBottom"]) / 2)
    picture = pictures[name]
    middle = picture.getpixel(((left + right) // 2, y))
    left_edge, right_edge = picture.getpixel((left + 3, y)), picture.getpixel((right - 3, y))
    assert near(middle, ground), f"the code's background is {middle}, not {ground}"
    assert near(left_edge, ground), (
        f"a shadow at the left edge ({left_edge}), where no code is hidden"
    )
    assert not near(right_edge, ground, within=SHADE - 1), (
        f"no shadow at the right edge: {right_edge}"
    )
    if mode == "day":
        assert sum(right_edge) < sum(ground), f"the shadow is not darker: {right_edge}"


def alignment_problems(block: Mapping[str, Any]) -> list[str]:
    """Code lines that are not left-aligned with their indentation kept: every line of the
    same indentation starts at the same x, and more indentation starts further right."""
    starts: dict[int, list[float]] = {}
    for line in block["lines"]:
        if line["firstGlyph"] is not None:
            indent = len(line["text"]) - len(line["text"].lstrip(" "))
            starts.setdefault(indent, []).append(line["firstGlyph"])
    problems = [
        f"lines indented by {indent} start at x={min(xs):.0f} to {max(xs):.0f}"
        for indent, xs in sorted(starts.items())
        if max(xs) - min(xs) > SLACK
    ]
    levels = sorted(starts)
    for less, more in pairwise(levels):
        if min(starts[more]) <= max(starts[less]) + SLACK:
            problems.append(f"lines indented by {more} start no further right than by {less}")
    return problems


def basic_pages(collection: Any, content: Path, export: Any) -> dict[str, str]:
    """The Anki CSV imported where qexport's note type is missing (so into Basic, which
    centres text): each card's back as Anki renders it, as a page, by question id."""
    from anki.collection import ImportCsvRequest

    from qexport.anki_ids import note_guid

    path = export(content, "csv", "--dialect", "anki")
    metadata = collection.get_csv_metadata(str(path), None)
    collection.import_csv(ImportCsvRequest(path=str(path), metadata=metadata))
    question_set = load(content).question_set
    ids = {note_guid(question_set, q): q.id for q in question_set.questions}
    backs = {}
    for card_id in collection.find_cards(""):
        card = collection.get_card(card_id)
        assert card.note_type()["name"] == "Basic"
        output = card.render_output()
        assert "text-align: center" in output.css  # what the code must withstand
        backs[ids[card.note().guid]] = browser.card_page(output.css, output.answer_text)
    assert len(backs) == len(ids)
    return backs


def test_csv_in_anki_basic_keeps_code_left_aligned_and_indented(
    collection: Any, content: Path, export: Any
) -> None:
    """The code's own inline style keeps it left-aligned, its indentation kept."""
    backs = basic_pages(collection, content, export)
    frames = [
        Frame(f"{card}/{size}/day", page, width, height)
        for card, page in sorted(backs.items())
        for size, (width, height) in SIZES.items()
    ]
    measured = browser.measure(frames)
    problems: dict[str, list[str]] = {}
    indented: dict[str, int] = {}
    for name, block in blocks(measured):
        lines = sum(line["text"].startswith(" ") for line in block["lines"])
        indented[name] = indented.get(name, 0) + lines
        found = alignment_problems(block)
        if found:
            problems.setdefault(name, []).extend(found)
    assert not problems, report(problems)
    assert sum(map(bool, indented.values())) > 50  # pages with indented code, so checked
    # Kept for a person to look at: the card with the most indented code, in Basic.
    most = max(sorted(indented), key=indented.__getitem__)
    folder = browser.artifacts_dir() / "cards" / "csv-basic"
    for old in folder.glob("*.png"):
        old.unlink()
    card = most.split("/")[0]
    shots = [Frame(f"{card}-{size}", backs[card], *SIZES[size]) for size in SIZES]
    browser.screenshots(shots, folder)


def test_the_html_subset_renders_and_a_long_url_wraps_on_a_phone(deck: Deck) -> None:
    back = deck.backs[PROBE_HTML]
    for tag in ("<sub>2</sub>", "<kbd>Ctrl</kbd>", "<b>bold</b>", "<sup>2</sup>", "<br"):
        assert tag in back
    assert '<a href="https://example.org/a-very-long-path-segment/' in back
    found = browser.measure(frames_of(PROBE_HTML, deck.css, back))
    for name, page in found.items():
        assert page["pageWidth"] <= page["width"], name
        assert page["key"] is not None, name
        assert page["key"][3] <= page["height"], name  # the key answer above the fold
