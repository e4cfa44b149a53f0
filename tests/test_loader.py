"""Loading a good bank: the normalized, frozen model."""

from __future__ import annotations

import dataclasses
import json
import re
import unicodedata
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from qexport.errors import ContentErrors
from qexport.loader import load
from qexport.model import Selection

from conftest import GOOD, Run


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
        f.write(
            "\n{#gil-again topic=concurrency}\n## What is the GIL ?\n\n{.key}\nThe same thing.\n"
        )
    loaded = load(bank)
    assert [str(w) for w in loaded.warnings] == [
        f"{bank / 'advanced.md'}:17: warning: question 'gil-again' nearly repeats 'gil' "
        f"at {bank / 'advanced.md'}:4"
    ]


def test_code_warnings(bank: Path) -> None:
    with (bank / "advanced.md").open("a", encoding="utf-8") as f:
        f.write(
            "\n{#more topic=concurrency}\n## Another question?\n\n{.key}\nA short one.\n\n"
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
    assert lines == [24, 27, 31]


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
        f"{bank / 'advanced.md'}:16: a '#' heading inside an answer"
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
        ("\u202a", "LEFT-TO-RIGHT EMBEDDING"),
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


@pytest.mark.parametrize("reference", ["&#x202E;", "&#8238;", "&#X202e;"])
def test_a_bidi_override_written_as_a_reference_is_refused(bank: Path, reference: str) -> None:
    # Rendered, the reference is the character: "Q &#x202E;gnp.exe" would show as "Q exe.png".
    path = bank / "basic.md"
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace("## Do dicts", f"## Do {reference}dicts"), encoding="utf-8")
    with pytest.raises(ContentErrors) as caught:
        load(bank)
    (error,) = caught.value.errors
    assert error.message == (
        f"U+202E (RIGHT-TO-LEFT OVERRIDE), written as {reference}, at column 7 is not text; "
        "remove it"
    )


def test_references_to_ordinary_characters_are_text(bank: Path) -> None:
    path = bank / "basic.md"
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace("## Do dicts", "## Do &#x2066;&#233;&#x200F;dicts"), "utf-8")
    load(bank)


def test_nesting_as_deep_as_the_renderers_go_is_kept(bank: Path) -> None:
    from qexport.render import HtmlRenderer

    items = "\n".join("  " * depth + f"- depth{depth + 1}" for depth in range(9))
    quote = "> " * 19 + "quote19"
    with (bank / "basic.md").open("a", encoding="utf-8") as level_file:
        level_file.write(f"\n{{#deep topic=data-types}}\n## How deep?\n\n{items}\n\n{quote}\n")
    (deep,) = [q for q in load(bank).question_set.questions if q.id == "deep"]
    html = HtmlRenderer().render(deep.answer)
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


# reference definitions hold for the whole file -------------------------

REFERENCES_FILE = """\
# Tiny set: advanced

{#gil topic=concurrency}
## What does [PEP 8][pep8] say about the GIL?

See the [style guide][pep8] and this diagram:

![A diagram][diag]

{#last topic=concurrency}
## Where are the docs?

Also the [docs][py].

[pep8]: https://peps.python.org/pep-0008/ "Style & more"
[diag]: images/d.png
[py]: https://docs.python.org/
"""


def _png() -> bytes:
    from io import BytesIO

    from PIL import Image

    buffer = BytesIO()
    Image.new("RGB", (40, 30), "red").save(buffer, format="PNG")
    return buffer.getvalue()


def _references_bank(bank: Path, diagram: str = "images/d.png") -> Path:
    (bank / "images").mkdir()
    (bank / "images" / "d.png").write_bytes(_png())
    text = REFERENCES_FILE.replace("[diag]: images/d.png", f"[diag]: {diagram}")
    (bank / "advanced.md").write_text(text, encoding="utf-8")
    return bank


def test_reference_definitions_elsewhere_in_the_file_reach_every_output(
    bank: Path, run: Callable[..., Run], tmp_path: Path, collection: Any
) -> None:
    from pypdf import PdfReader
    from test_anki import import_deck

    from pdf_reading import pages

    _references_bank(bank)
    gil, last = [q for q in load(bank).question_set.questions if q.level == "advanced"]
    assert gil.images == ("images/d.png",)
    # the definition it uses stays as written; those of other answers are not its own
    assert last.answer == "Also the [docs][py].\n\n[py]: https://docs.python.org/"

    out = tmp_path / "out"
    assert run("anki", "--out", str(out), content=bank).exit_code == 0
    assert import_deck(collection, next(out.glob("*.apkg"))).new == 4
    (note,) = [collection.get_note(n) for n in collection.find_notes("Id:gil")]
    pep8 = '<a href="https://peps.python.org/pep-0008/" title="Style &amp; more">'
    assert f"{pep8}PEP 8</a>" in note["Question"]
    assert f"{pep8}style guide</a>" in note["Answer"]
    assert '<img src="d.png" alt="A diagram" />' in note["Answer"]
    assert "[pep8]" not in note["Answer"] + note["Question"]
    assert (Path(collection.media.dir()) / "d.png").read_bytes() == _png()

    for layout in ("booklet", "cheatsheet", "cards"):
        result = run("pdf", "--layout", layout, "--out", str(out / layout), content=bank)
        assert result.exit_code == 0, result.stderr
        pdf = next((out / layout).glob("*.pdf"))
        images = sum(len(page.images) for page in PdfReader(pdf).pages)
        assert images == (0 if layout == "cheatsheet" else 1), layout  # it prints key answers
        text = " ".join(page.text for page in pages(pdf))
        assert "[style" not in text, layout
        assert "][" not in text, layout
    csv_out = tmp_path / "csv"
    assert run("csv", "--out", str(csv_out), content=bank).exit_code == 0
    assert "[pep8]" not in "".join(p.read_text(encoding="utf-8") for p in csv_out.glob("*.csv"))


def test_an_image_defined_elsewhere_in_the_file_is_checked_where_it_is_shown(
    bank: Path, run: Callable[..., Run]
) -> None:
    _references_bank(bank, diagram="images/missing.png")
    result = run("validate", content=bank)
    assert result.exit_code == 1
    line = REFERENCES_FILE.split("\n").index("![A diagram][diag]") + 1
    assert f"advanced.md:{line}: image 'images/missing.png' not found" in result.stderr


def test_a_reference_defined_again_differently_is_refused_at_its_line(
    bank: Path, run: Callable[..., Run]
) -> None:
    text = REFERENCES_FILE + "[PEP8]: https://example.com/\n[py]: https://docs.python.org/\n"
    _references_bank(bank)
    (bank / "advanced.md").write_text(text, encoding="utf-8")
    result = run("validate", content=bank)
    assert result.exit_code == 1
    (message,) = [m for m in result.stderr.splitlines()[:-1] if ": warning: " not in m]
    line = text.split("\n").index("[PEP8]: https://example.com/") + 1
    first = text.split("\n").index('[pep8]: https://peps.python.org/pep-0008/ "Style & more"') + 1
    assert message.startswith(f"{bank / 'advanced.md'}:{line}: ")
    assert f"another target (first at line {first})" in message


def test_copies_of_definitions_are_bounded_by_the_file_size(
    bank: Path, run: Callable[..., Run]
) -> None:
    """A long definition used by many answers cannot multiply into gigabytes of cards."""
    questions = "".join(
        f"{{#q{n} topic=concurrency}}\n## Question {n}?\n\n[a][long]\n\n" for n in range(40)
    )
    long = "https://example.com/" + "x" * 2_000
    (bank / "advanced.md").write_text(f"{questions}[long]: {long}\n", encoding="utf-8")
    result = run("validate", content=bank)
    assert result.exit_code == 1
    (message,) = [m for m in result.stderr.splitlines()[:-1] if ": warning: " not in m]
    assert "would be longer than the file itself" in message


# Definitions at the end of a file are no one answer's own ------------------------

DEFINITION = re.compile(r"^\[([^\]]+)\]:", re.MULTILINE)


def _defined(answer: str) -> set[str]:
    """The labels `answer` defines, compared as Markdown compares them."""
    return {label.casefold() for label in DEFINITION.findall(answer)}


def _with_unused_definitions(bank: Path) -> Path:
    """The references bank, with a definition no answer uses in an answer and at the end."""
    _references_bank(bank)
    text = REFERENCES_FILE.replace(
        "![A diagram][diag]\n", "![A diagram][diag]\n\n[nobody]: https://example.com/nobody\n"
    )
    text += "[NOBODY-ELSE]: <https://example.com/nobody-else>\n"
    (bank / "advanced.md").write_text(text, encoding="utf-8")
    return bank


def test_changing_a_definition_changes_only_the_answers_that_use_it(
    bank: Path, run: Callable[..., Run], tmp_path: Path
) -> None:
    """Else the last answer changes with every definition, and its Anki note is re-stamped."""
    from qexport.changes import LOCK_FILE

    _references_bank(bank)
    before = {q.id: q.answer for q in load(bank).question_set.questions}
    assert run("anki", "--out", str(tmp_path / "v1"), content=bank).exit_code == 0
    lock_before = json.loads((bank / LOCK_FILE).read_text(encoding="utf-8"))["entries"]
    path = bank / "advanced.md"
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace("/pep-0008/", "/pep-0020/"), encoding="utf-8")

    after = {q.id: q.answer for q in load(bank).question_set.questions}
    assert "/pep-0020/" in after["gil"]
    assert after["last"] == before["last"]
    assert run("anki", "--out", str(tmp_path / "v2"), content=bank).exit_code == 0
    lock_after = json.loads((bank / LOCK_FILE).read_text(encoding="utf-8"))["entries"]
    assert lock_after["note:gil"]["hash"] != lock_before["note:gil"]["hash"]
    assert lock_after["note:last"] == lock_before["note:last"]


def test_a_definition_nobody_uses_is_in_no_answer(bank: Path) -> None:
    questions = load(_with_unused_definitions(bank)).question_set.questions
    assert not [q.id for q in questions if "nobody" in q.answer.lower()]
    assert {q.id: _defined(q.answer) for q in questions} == {
        "list-vs-tuple": set(),
        "dict-order": set(),
        "gil": {"pep8", "diag"},
        "last": {"py"},
    }
    gil = next(q for q in questions if q.id == "gil")
    assert "![A diagram][diag]\n\n[" in gil.answer  # the definition left no gap
    assert gil.images == ("images/d.png",)


def test_the_plain_csv_shows_in_each_answer_only_the_definitions_it_uses(
    bank: Path, run: Callable[..., Run], tmp_path: Path
) -> None:
    import csv

    _with_unused_definitions(bank)
    out = tmp_path / "csv"
    result = run("csv", "--dialect", "plain", "--out", str(out), content=bank)
    assert result.exit_code == 0, result.stderr
    (path,) = out.glob("*.csv")
    with path.open(encoding="utf-8", newline="") as file:
        rows = list(csv.DictReader(file))
    assert {row["id"]: _defined(row["answer"]) for row in rows} == {
        "list-vs-tuple": set(),
        "dict-order": set(),
        "gil": {"pep8", "diag"},
        "last": {"py"},
    }
    assert "nobody" not in path.read_text(encoding="utf-8").lower()


# a level file that is a link out of the content folder ---------------


def test_a_level_file_linked_from_outside_the_content_folder_is_not_read(
    bank: Path, run: Callable[..., Run], tmp_path: Path
) -> None:
    secret = tmp_path / "outside" / "secret.md"
    secret.parent.mkdir()
    secret.write_text(
        "{#secret topic=concurrency}\n## A secret?\n\nSECRET-TEXT\n", encoding="utf-8"
    )
    (bank / "advanced.md").unlink()
    (bank / "advanced.md").symlink_to(secret)
    result = run("validate", content=bank)
    assert result.exit_code == 1
    assert "SECRET-TEXT" not in result.stdout + result.stderr
    (message,) = [m for m in result.stderr.splitlines()[:-1] if ": warning: " not in m]
    assert message == (
        f"{bank / 'advanced.md'}: the file is a link that leads out of the content folder"
    )
    out = tmp_path / "out"
    assert run("csv", "--out", str(out), content=bank).exit_code == 1
    assert not out.exists() or not any(out.iterdir())


def test_a_level_file_linked_inside_the_content_folder_is_read(bank: Path) -> None:
    (bank / "levels").mkdir()
    (bank / "advanced.md").rename(bank / "levels" / "advanced.md")
    (bank / "advanced.md").symlink_to(Path("levels") / "advanced.md")
    assert [q.id for q in load(bank).question_set.questions][-1] == "gil"


# the bidi isolates embed right-to-left text without reordering the rest


def test_bidi_isolates_are_text(bank: Path) -> None:
    path = bank / "basic.md"
    lines = path.read_text(encoding="utf-8").split("\n")
    embedded = "\u2067\u05e9\u05dc\u05d5\u05dd\u2069 \u2066abc\u2069 \u2068x\u2069"
    lines[7] = f"Lists say {embedded}; in a code span: `{embedded}`."
    path.write_text("\n".join(lines), encoding="utf-8")
    first = load(bank).question_set.questions[0]
    assert embedded in first.answer


# a coding line Python cannot obey when it runs the block -------------


@pytest.mark.parametrize(
    ("head", "line", "accepted"),
    [
        ("# -*- coding: unknown-xyz -*-\n", 1, False),
        ("#!/usr/bin/env python\n# vim: set fileencoding=nope :\n", 2, False),
        ("# -*- coding: ascii -*-\n", 1, False),  # the block's text is not ASCII
        ("# -*- coding: utf-8 -*-\n", 0, True),
        ("x = 1  # coding: unknown-xyz, past line 2\n\n", 0, True),
    ],
)
def test_a_python_block_whose_coding_line_fails_from_a_file_is_refused(
    bank: Path, tmp_path: Path, head: str, line: int, accepted: bool
) -> None:
    import subprocess
    import sys

    code = f"{head}name = 'café'\nprint(name)\n"
    script = tmp_path / "example.py"
    script.write_text(code, encoding="utf-8")  # as the tests run each block, and a reader would
    ran = subprocess.run([sys.executable, "-I", str(script)], capture_output=True, check=False)
    assert (ran.returncode == 0) == accepted
    path = bank / "advanced.md"
    text = path.read_text(encoding="utf-8") + "\n{#coding topic=concurrency}\n## Which one?\n\n"
    fence_line = text.count("\n") + 1
    path.write_text(f"{text}```python\n{code}```\n", encoding="utf-8")
    if accepted:
        assert load(bank).question_set.questions[-1].id == "coding"
        return
    with pytest.raises(ContentErrors) as caught:
        load(bank)
    (error,) = caught.value.errors
    assert error.message.startswith("python code does not compile: ")
    assert (error.path, error.line) == (bank / "advanced.md", fence_line + line)


def test_a_reference_shown_as_written_in_code_is_text(bank: Path) -> None:
    # In code, Markdown shows "&#x202E;" as those eight characters: nothing is reordered.
    with (bank / "basic.md").open("a", encoding="utf-8") as level_file:
        level_file.write(
            "\n{#entity-code topic=data-types}\n## How is U+202E written in HTML?\n\n"
            "As `&#x202E;` or, in a block:\n\n```html\n<p>&#8238;txt.exe</p>\n```\n"
        )
    load(bank)
