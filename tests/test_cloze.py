"""Cloze notes as a question and an answer."""

from __future__ import annotations

import pytest

from qexport.importers.cloze import HIDDEN, cloze_numbers, cloze_sides
from qexport.importers.html_markdown import to_markdown


@pytest.mark.parametrize(
    ("text", "front", "back", "numbers"),
    [
        (
            "{{c1::Paris}} is in France",
            f"{HIDDEN} is in France",
            "<b>Paris</b> is in France",
            (1,),
        ),
        ("{{c1::Paris::a city}} is nice", "[a city] is nice", "<b>Paris</b> is nice", (1,)),
        (
            "{{c2::a}} {{c1::b}} {{c2::c}}",
            f"{HIDDEN} {HIDDEN} {HIDDEN}",
            "<b>a</b> <b>b</b> <b>c</b>",
            (1, 2),
        ),
        ("{{c1,3::both}}", HIDDEN, "<b>both</b>", (1, 3)),
        ("{{c1::a::b::c}}", "[b::c]", "<b>a</b>", (1,)),  # the first :: starts the hint
        ("{{c1::out {{c2::in}} end}}", HIDDEN, "<b>out in end</b>", (1, 2)),
        ("no cloze", "no cloze", "no cloze", ()),
        ("{{c1::<i>html</i>}}", HIDDEN, "<b><i>html</i></b>", (1,)),
    ],
)
def test_sides(text: str, front: str, back: str, numbers: tuple[int, ...]) -> None:
    assert cloze_sides(text) == (front, back, numbers)


def test_one_card_hides_only_its_clozes() -> None:
    text = "{{c1::Paris::city}} is in {{c2::France}}"
    assert cloze_sides(text, card=2)[:2] == (
        f"Paris is in {HIDDEN}",
        "Paris is in <b>France</b>",
    )
    nested = "{{c1::out {{c2::in}} end}}"
    assert cloze_sides(nested, card=2)[:2] == (f"out {HIDDEN} end", "out <b>in</b> end")


@pytest.mark.parametrize(
    "text",
    [
        "open {{c1::never closed",
        "stray }} here",
        "{{c::no number}}",
        "{{c1:one colon}}",
        "{{c1::a {{c2::b}} left open",
    ],
)
def test_malformed_clozes_keep_their_text(text: str) -> None:
    front, back, _ = cloze_sides(text)
    assert front == back == text


def test_deep_nesting_stops_as_anki_does() -> None:
    text = "{{c1::" * 12 + "x" + "}}" * 12
    front, back, numbers = cloze_sides(text)
    assert numbers == (1,)
    assert front == HIDDEN + "}}" * 2
    assert back.startswith("<b>{{c1::{{c1::x")


def test_cloze_numbers_and_markdown() -> None:
    assert cloze_numbers("{{c3::a}} {{c1::b}} {{c3::c}}") == (1, 3)
    front, back, _ = cloze_sides("{{c1::Paris}} {{c2::x::hint}}")
    assert to_markdown(front).markdown == "\\[…\\] \\[hint\\]"
    assert to_markdown(back).markdown == "**Paris** **x**"
