"""Answers that only hold the place of one ("Answer here", "TODO", "...") are warned about
at their line; real short answers, and a key answer alone, are not."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from qexport.key_answers import is_placeholder
from qexport.loader import load

from conftest import Run

QUESTION = """\
{{#q1 topic=data-types}}
## What is a tuple?

{body}
"""


def _write(bank: Path, body: str) -> Path:
    path = bank / "basic.md"
    path.write_text(QUESTION.format(body=body), encoding="utf-8")
    return path


def _warnings(bank: Path) -> list[str]:
    return [str(w) for w in load(bank).warnings]


@pytest.mark.parametrize(
    "text",
    [
        "Answer here",
        "answer here.",
        "**Answer here**",
        "Your answer here:",
        "_Your answer_",
        "TODO",
        "TODO: explain the MRO.",
        "- TBD",
        "FIXME",
        "...",
        "…",
        "?",
        "Lorem ipsum dolor sit amet, consectetur adipiscing elit.",
        "> Placeholder",
    ],
)
def test_placeholders_are_recognised_in_any_case_and_dress(text: str) -> None:
    assert is_placeholder(text)


@pytest.mark.parametrize(
    "text",
    [
        "Yes, since Python 3.7.",
        "42",
        "`...`",  # Python's Ellipsis
        "To do that, call `sorted()`.",
        "The answer here depends on the interpreter.",
        "```python\n...\n```",
        "",
    ],
)
def test_real_answers_are_not_placeholders(text: str) -> None:
    assert not is_placeholder(text)


def test_a_placeholder_key_answer_is_a_warning_at_its_line(bank: Path) -> None:
    path = _write(bank, "{.key}\nAnswer here\n\nA tuple is an immutable sequence.\n")
    assert _warnings(bank) == [
        f"{path}:5: warning: the key answer is a placeholder ('Answer here'): write the answer"
    ]


def test_placeholder_details_are_a_warning_at_their_line(bank: Path) -> None:
    path = _write(bank, "{.key}\nAn immutable sequence.\n\n\n*TODO*\n")
    assert _warnings(bank) == [
        f"{path}:8: warning: the details are a placeholder ('*TODO*'): write them, or "
        "delete them: a key answer alone is an answer"
    ]


def test_a_placeholder_answer_without_a_key_answer_is_one_warning_more(bank: Path) -> None:
    path = _write(bank, "Your answer here.\n")
    assert _warnings(bank) == [
        f"{path}:2: warning: no key answer: put {{.key}} on the line above the answer's "
        "first paragraph",
        f"{path}:4: warning: the answer is a placeholder ('Your answer here.'): write the answer",
    ]


def test_both_placeholders_are_reported(bank: Path) -> None:
    path = _write(bank, "{.key}\nTBD\n\nLorem ipsum dolor sit amet.\n")
    assert [w.split(": warning: ")[0] for w in _warnings(bank)] == [f"{path}:5", f"{path}:7"]


def test_a_key_answer_alone_is_not_a_placeholder(bank: Path) -> None:
    # A short fact needs no details: an answer that is its key answer alone is whole.
    _write(bank, "{.key}\nAn immutable sequence.\n")
    assert _warnings(bank) == []


def test_the_bundled_bank_has_no_placeholder() -> None:
    from conftest import CONTENT

    questions = load(CONTENT).question_set.questions
    assert [q.id for q in questions if is_placeholder(q.key) or is_placeholder(q.answer)] == []


def test_validate_prints_the_warning_and_succeeds(run: Callable[..., Run], bank: Path) -> None:
    path = _write(bank, "{.key}\nAnswer here\n")
    result = run("validate", content=bank)
    assert result.exit_code == 0
    assert f"{path}:5: warning: the key answer is a placeholder" in result.stderr


@pytest.mark.parametrize(
    "text", ["TODO lists keep work in view.", "XXX is a classic marker.", "→", "😀", "`...`"]
)
def test_text_that_only_starts_like_a_placeholder_is_an_answer(text: str) -> None:
    assert not is_placeholder(text)
