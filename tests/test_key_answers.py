"""Key answers in the source: `{.key}` above the answer's first paragraph, `key=N` on code."""

from __future__ import annotations

from pathlib import Path

import pytest

from qexport.errors import ContentErrors
from qexport.key_answers import MAX_KEY_WORDS, word_count
from qexport.loader import load

QUESTION = """\
{{#q1 topic=data-types}}
## What is a tuple?

{body}
"""


def _write(bank: Path, body: str, *, policy: str | None = None) -> Path:
    """`bank` with basic.md holding one question whose answer is `body`, no advanced.md."""
    (bank / "basic.md").write_text(QUESTION.format(body=body), encoding="utf-8")
    (bank / "advanced.md").write_text(
        "{#q2 topic=concurrency}\n## What is the GIL?\n\n{.key}\nA lock.\n", encoding="utf-8"
    )
    if policy is not None:
        toml = bank / "set.toml"
        toml.write_text(
            toml.read_text().replace('tag_prefix = "tiny"', f'tag_prefix = "tiny"\n{policy}'),
            encoding="utf-8",
        )
    return bank / "basic.md"


def _messages(bank: Path) -> list[str]:
    try:
        loaded = load(bank)
    except ContentErrors as failure:
        return [str(line) for line in (*failure.warnings, *failure.errors)]
    return [str(line) for line in loaded.warnings]


def test_the_key_answer_is_apart_from_the_details(bank: Path) -> None:
    path = _write(
        bank,
        "{.key}\nAn immutable sequence,\nhashable when its items are.\n\n"
        "Details here.\n\n```python key=2\nt = (1, 2)\nd = {t: 1}\n```\n",
    )
    loaded = load(bank)
    assert loaded.warnings == ()
    question = loaded.question_set.questions[0]
    assert question.key == "An immutable sequence,\nhashable when its items are."
    assert question.key_line == 5
    assert question.answer.startswith("Details here.")
    assert "{.key}" not in question.answer
    assert "immutable" not in question.answer
    assert question.answer_line == 8
    assert question.key_code == "d = {t: 1}"
    assert path.read_text().count("{.key}") == 1


def test_a_key_answer_alone_is_a_whole_answer(bank: Path) -> None:
    _write(bank, "{.key}\nAn immutable sequence.\n")
    question = load(bank).question_set.questions[0]
    assert (question.key, question.answer) == ("An immutable sequence.", "")


def test_a_missing_key_answer_is_a_warning_at_the_question(bank: Path) -> None:
    path = _write(bank, "Just details.\n")
    assert _messages(bank) == [
        f"{path}:2: warning: no key answer: put {{.key}} on the line above the answer's "
        "first paragraph"
    ]


def test_a_set_that_requires_key_answers_makes_a_missing_one_an_error(bank: Path) -> None:
    path = _write(bank, "Just details.\n", policy='key_answers = "required"')
    with pytest.raises(ContentErrors) as failure:
        load(bank)
    assert [str(e) for e in failure.value.errors] == [
        f"{path}:2: no key answer (put {{.key}} on the line above the answer's first "
        "paragraph); set.toml requires one"
    ]


def test_an_unknown_policy_is_an_error_at_its_line(bank: Path) -> None:
    _write(bank, "{.key}\nOk.\n", policy='key_answers = "always"')
    messages = _messages(bank)
    assert messages == [
        f'{bank / "set.toml"}:8: \'key_answers\' in [set] must be "optional" or "required"'
    ]


def test_an_over_long_key_answer_is_a_warning_at_its_line(bank: Path) -> None:
    words = " ".join(["word"] * (MAX_KEY_WORDS + 1))
    path = _write(bank, f"{{.key}}\n{words}\n\nDetails.\n")
    assert _messages(bank) == [
        f"{path}:5: warning: the key answer has {MAX_KEY_WORDS + 1} words; keep it to "
        f"{MAX_KEY_WORDS} or fewer and move the rest to the details"
    ]


def test_a_key_answer_of_exactly_the_limit_is_fine(bank: Path) -> None:
    _write(bank, "{.key}\n" + " ".join(["word"] * MAX_KEY_WORDS) + "\n")
    assert _messages(bank) == []


def test_a_key_answer_below_the_details_is_an_error_at_its_attribute_line(bank: Path) -> None:
    path = _write(bank, "Details first.\n\n{.key}\nThen the key.\n")
    messages = _messages(bank)
    assert (
        f"{path}:6: a key answer must be the answer's first paragraph, right under the question"
        in messages
    )


def test_a_misplaced_key_answer_is_an_error_at_its_attribute_line_across_blank_lines(
    bank: Path,
) -> None:
    path = _write(bank, "{.key}\nOk.\n\nDetails.\n\n{.key}\n\n\nThen the key.\n")
    message = "a key answer must be the answer's first paragraph, right under the question"
    assert f"{path}:9: {message}" in _messages(bank)


@pytest.mark.parametrize(
    ("body", "line", "message"),
    [
        (  # `---` right under the key answer makes it a `##` heading: a question
            "{.key}\nA lock.\n---\n",
            5,
            "{.key} stands above a question heading here: put it on the line above the "
            "answer's first paragraph (text with a line of --- under it is a heading)",
        ),
        (
            "{.key}\nOk.\n\n{.note}\n{#q3 topic=data-types}\n## Next?\n\nYes.",
            9,
            "unknown attribute '.note'",
        ),
    ],
)
def test_a_class_above_a_question_is_reported_as_written(
    bank: Path, body: str, line: int, message: str
) -> None:
    path = _write(bank, body)
    assert f"{path}:{line}: {message}" in _messages(bank)


def test_a_key_answer_cannot_show_an_image(bank: Path) -> None:
    path = _write(bank, "{.key}\nSee ![x](images/x.png).\n")
    assert f"{path}:5: a key answer cannot show an image; put it in the details" in _messages(bank)


def test_other_attribute_lines_are_warned_about_as_shown_text(bank: Path) -> None:
    path = _write(bank, "{.key}\nOk.\n\n{.note}\nA note.\n")
    assert _messages(bank) == [
        f"{path}:7: warning: this attribute line is shown as text: only {{#id ...}} above a "
        "question and {.key} above an answer's first paragraph are understood"
    ]


def test_a_numbered_list_that_starts_late_is_not_an_attribute(bank: Path) -> None:
    _write(bank, "{.key}\nOk.\n\n3. three\n4. four\n")
    assert _messages(bank) == []


@pytest.mark.parametrize(
    ("info", "message"),
    [
        ("python key=3", "'key=3': key=N marks one line of this block, N from 1 to 2"),
        ("python key=0", "'key=0': key=N marks one line of this block, N from 1 to 2"),
        ("python key=x", "'key=x': key=N marks one line of this block, N from 1 to 2"),
        ("text key=3", "'key=3': key=N marks one line of this block, N from 1 to 2"),
        # Digits that str.isdigit takes but that are no line number written in ASCII.
        ("python key=\u00b2", "'key=\u00b2': key=N marks one line of this block, N from 1 to 2"),
        ("python key=\u0661", "'key=\u0661': key=N marks one line of this block, N from 1 to 2"),
        ("python key=1 key=2", "'key=2': a code block marks one key line at most"),
    ],
)
def test_a_key_line_outside_its_block_is_an_error_at_the_fence(
    bank: Path, info: str, message: str
) -> None:
    path = _write(bank, f"{{.key}}\nOk.\n\n```{info}\nx = 1\ny = 2\n```\n")
    assert f"{path}:7: {message}" in _messages(bank)


def test_a_key_line_that_is_blank_is_an_error_at_that_line(bank: Path) -> None:
    path = _write(bank, "{.key}\nOk.\n\n```python key=2\nx = 1\n\ny = 2\n```\n")
    assert f"{path}:9: 'key=2' marks a blank line" in _messages(bank)


def test_one_key_code_line_per_question(bank: Path) -> None:
    path = _write(
        bank, "{.key}\nOk.\n\n```python key=1\nx = 1\n```\n\n```python key=1\ny = 1\n```\n"
    )
    assert (
        f"{path}:11: a question marks one key code line at most (the cheat sheet prints one)"
        in _messages(bank)
    )


def test_key_lines_in_any_language_and_with_other_flags(bank: Path) -> None:
    _write(bank, "{.key}\nOk.\n\n```console key=2\n$ ls\n    $ pip install x\n```\n")
    question = load(bank).question_set.questions[0]
    assert (question.key_code, question.key_code_language) == ("$ pip install x", "console")
    _write(bank, "{.key}\nOk.\n\n```python norun key=1\nimport missing_module\n```\n")
    assert load(bank).question_set.questions[0].key_code == "import missing_module"


@pytest.mark.parametrize(
    ("text", "words"),
    [("A list is mutable.", 4), ('`"1" + 1` raises', 3), ("-- : a b", 2), ("", 0)],
)
def test_words_are_counted_as_a_reader_counts_them(text: str, words: int) -> None:
    assert word_count(text) == words
