"""Loading a good bank: the normalized, frozen model."""

from __future__ import annotations

import dataclasses
import unicodedata
from pathlib import Path

import pytest

from qexport.errors import ContentErrors
from qexport.loader import load
from qexport.model import Selection

from conftest import GOOD


def test_good_bank_loads_in_order() -> None:
    loaded = load(GOOD)
    qs = loaded.question_set
    assert loaded.warnings == ()
    assert [q.id for q in qs.questions] == ["list-vs-tuple", "dict-order", "gil"]
    assert [q.number for q in qs.questions] == [1, 2, 3]
    assert [q.level for q in qs.questions] == ["basic", "basic", "advanced"]
    assert [level.id for level in qs.levels] == ["basic", "advanced"]
    assert [level.position for level in qs.levels] == [1, 2]
    first = qs.questions[0]
    assert first.question == "What is the difference between a `list` and a `tuple`?"
    assert first.topic == "data-types"
    assert first.tags == ("comparison",)
    assert first.path == GOOD / "basic.md"
    assert first.line == 6
    assert first.answer.startswith("Lists are mutable;")
    assert first.answer.endswith("```")
    assert qs.meta.title == "Tiny Test Set"
    assert qs.meta.slug == "tiny-test-set"
    assert qs.questions[2].tags == ("pitfall", "recent-python")


def test_model_is_frozen() -> None:
    qs = load(GOOD).question_set
    with pytest.raises(dataclasses.FrozenInstanceError):
        qs.questions[0].answer = "changed"  # type: ignore[misc]
    with pytest.raises(dataclasses.FrozenInstanceError):
        qs.meta.title = "changed"  # type: ignore[misc]
    assert isinstance(qs.questions, tuple)


def test_select_keeps_numbers_and_does_not_touch_the_set() -> None:
    qs = load(GOOD).question_set
    advanced = qs.select(Selection(levels=frozenset({"advanced"})))
    assert [(q.id, q.number) for q in advanced.questions] == [("gil", 3)]
    assert len(qs.questions) == 3
    by_tag = qs.select(Selection(tags=frozenset({"comparison"})))
    assert [q.id for q in by_tag.questions] == ["list-vs-tuple"]
    by_scheme_tag = qs.select(Selection(tags=frozenset({"tiny::topic::concurrency"})))
    assert [q.id for q in by_scheme_tag.questions] == ["gil"]
    assert Selection(levels=frozenset({"basic"})).slug() == "level-basic"


def _write(bank: Path, name: str, text: str) -> None:
    (bank / name).write_bytes(text.encode("utf-8"))


def test_normalizes_line_endings_unicode_white_space_and_tabs(bank: Path) -> None:
    decomposed = unicodedata.normalize("NFD", "Café")
    _write(
        bank,
        "advanced.md",
        "\ufeff# Advanced\r\n\r\n{#gil topic=concurrency}\r\n"
        f"## What   is the\tGIL in {decomposed}?   \r\n\r\n\r\n\r\n"
        "First paragraph.   \r\n\r\n\r\n\r\nSecond paragraph.\r\n\r\n"
        "```python\r\ndef f():\r\n\treturn 1\r\n\r\n\r\nprint(f())\r\n```\r\n\r\n\r\n",
    )
    question = load(bank).question_set.questions[-1]
    assert question.question == "What is the GIL in Café?"
    assert question.question == unicodedata.normalize("NFC", question.question)
    assert question.answer == (
        "First paragraph.\n\nSecond paragraph.\n\n"
        "```python\ndef f():\n    return 1\n\n\nprint(f())\n```"
    )
    assert question.line == 4


def test_lone_carriage_returns_count_as_lines(bank: Path) -> None:
    _write(bank, "advanced.md", "# A\r\r{#gil topic=concurrency}\r## Q?\r\rA.\r")
    question = load(bank).question_set.questions[-1]
    assert (question.line, question.answer) == (4, "A.")


def test_readme_in_content_is_not_a_level(bank: Path) -> None:
    _write(bank, "README.md", "# How to write questions\n\nSee the docs.\n")
    assert len(load(bank).question_set.questions) == 3


def test_near_duplicate_question_is_a_warning(bank: Path) -> None:
    with (bank / "advanced.md").open("a", encoding="utf-8") as f:
        f.write("\n{#gil-again topic=concurrency}\n## What is the GIL ?\n\nThe same thing.\n")
    loaded = load(bank)
    assert [str(w) for w in loaded.warnings] == [
        f"{bank / 'advanced.md'}:14: warning: question 'gil-again' nearly repeats 'gil' "
        f"at {bank / 'advanced.md'}:4"
    ]


def test_code_warnings(bank: Path) -> None:
    with (bank / "advanced.md").open("a", encoding="utf-8") as f:
        f.write(
            "\n{#more topic=concurrency}\n## Another question?\n\nAnswer.\n\n"
            '```python\nimport re\nre.compile("\\d+")\n```\n\n'
            "```\nno language\n```\n\n    indented code\n"
        )
    messages = [w.message for w in load(bank).warnings]
    assert messages[0].startswith("python: invalid escape sequence")
    assert messages[1:] == [
        "code block has no language",
        "indented code block: use a fenced block with a language, so it is highlighted "
        "and checked",
    ]
    lines = [w.line for w in load(bank).warnings]
    assert lines == [20, 23, 27]


def test_requires_newer_python_skips_compile(bank: Path) -> None:
    with (bank / "advanced.md").open("a", encoding="utf-8") as f:
        f.write(
            "\n{#future topic=concurrency}\n## Future syntax?\n\nAnswer.\n\n"
            "```python requires=9.99\nthis is not python yet\n```\n"
        )
    assert load(bank).question_set.questions[-1].id == "future"


def test_heading_inside_answer_is_an_error(bank: Path) -> None:
    with (bank / "advanced.md").open("a", encoding="utf-8") as f:
        f.write("\n# A stray title\n\nText.\n")
    with pytest.raises(ContentErrors) as caught:
        load(bank)
    assert [str(e) for e in caught.value.errors] == [
        f"{bank / 'advanced.md'}:13: a '#' heading inside an answer"
    ]


def test_attributes_away_from_a_heading_are_an_error(bank: Path) -> None:
    _write(bank, "advanced.md", "# A\n\n{#stray topic=concurrency}\nJust a paragraph.\n")
    with pytest.raises(ContentErrors) as caught:
        load(bank)
    messages = [str(e) for e in caught.value.errors]
    assert (
        f"{bank / 'advanced.md'}:3: attributes must stand directly above a '## ' question heading"
        in messages
    )


def test_unreadable_file_is_reported(bank: Path) -> None:
    (bank / "advanced.md").unlink()
    (bank / "advanced.md").mkdir()
    with pytest.raises(ContentErrors):
        load(bank)


# Characters that are not text, nesting the renderers drop, reference definitions


@pytest.mark.parametrize(
    ("char", "name"),
    [
        ("\x00", "a control character"),
        ("\x1b", "a control character"),
        ("\x7f", "a control character"),
        ("\x85", "a control character"),
        ("\u202e", "RIGHT-TO-LEFT OVERRIDE"),
        ("\u2066", "LEFT-TO-RIGHT ISOLATE"),
        ("\uffff", "a noncharacter"),
    ],
)
def test_characters_that_are_not_text_are_refused_at_their_place(
    bank: Path, char: str, name: str
) -> None:
    path = bank / "basic.md"
    lines = path.read_text(encoding="utf-8").split("\n")
    lines[7] = f"Lists{char} are mutable; in a code span: `a{char}b`."
    path.write_text("\n".join(lines), encoding="utf-8")
    with pytest.raises(ContentErrors) as caught:
        load(bank)
    (error,) = caught.value.errors
    assert (error.path, error.line) == (path, 8)
    assert error.message == f"U+{ord(char):04X} ({name}) at column 6 is not text; remove it"


def test_nesting_as_deep_as_the_renderers_go_is_kept(bank: Path) -> None:
    from qexport.render import render_html

    items = "\n".join("  " * depth + f"- depth{depth + 1}" for depth in range(9))
    quote = "> " * 19 + "quote19"
    with (bank / "basic.md").open("a", encoding="utf-8") as level_file:
        level_file.write(f"\n{{#deep topic=data-types}}\n## How deep?\n\n{items}\n\n{quote}\n")
    (deep,) = [q for q in load(bank).question_set.questions if q.id == "deep"]
    html = render_html(deep.answer)
    assert "depth9" in html
    assert "quote19" in html


def test_an_answer_keeps_reference_definitions_after_its_last_block(bank: Path) -> None:
    with (bank / "basic.md").open("a", encoding="utf-8") as level_file:
        level_file.write(
            "\n{#refs topic=data-types}\n## Where?\n\nSee [the docs][d].\n\n"
            "[d]: https://docs.python.org/3/\n\n"
        )
    (refs,) = [q for q in load(bank).question_set.questions if q.id == "refs"]
    assert refs.answer == "See [the docs][d].\n\n[d]: https://docs.python.org/3/"
