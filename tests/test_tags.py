"""Golden tests for the one tag scheme every output shares."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from pathlib import Path

import pytest
from anki.collection import Collection

from qexport.loader import load
from qexport.model import Question
from qexport.tags import merged_tags, tag_problem, tags_for

from conftest import GOOD, Run


def test_tags_of_the_fixture_bank() -> None:
    qs = load(GOOD).question_set
    assert {q.id: tags_for(q, qs.meta) for q in qs.questions} == {
        "list-vs-tuple": (
            "tiny::level::basic",
            "tiny::topic::data-types",
            "tiny::tag::comparison",
        ),
        "dict-order": ("tiny::level::basic", "tiny::topic::data-types"),
        "gil": (
            "tiny::level::advanced",
            "tiny::topic::concurrency",
            "tiny::tag::pitfall",
            "tiny::tag::recent-python",
        ),
    }


def test_prefix_comes_from_the_metadata() -> None:
    qs = load(GOOD).question_set
    meta = dataclasses.replace(qs.meta, tag_prefix="python-interview")
    assert tags_for(qs.questions[1], meta) == (
        "python-interview::level::basic",
        "python-interview::topic::data-types",
    )


def test_tags_are_valid_anki_tags() -> None:
    qs = load(GOOD).question_set
    for question in qs.questions:
        for tag in tags_for(question, qs.meta):
            assert tag == tag.strip()
            assert " " not in tag
            assert '"' not in tag


# Tags Anki keeps exactly as written: every script, case, '::' levels, ':' inside a level.
KEPT = [
    "λάμδα",
    "Ελληνικά",
    "кириллица",
    "漢字",
    "straße",
    "café",
    "Pitfall",
    "İstanbul",
    "python::async",
    "1.0:beta",
    "x_y",
    "st*r",
    "back\\slash",
    "-x",
    "qu'ote",
    "emoji😀",
]
# Tags Anki would change: qexport refuses each, saying why.
CHANGED_BY_ANKI = {
    "a::": "empty level",
    "::a": "empty level",
    "a::::b": "empty level",
    "a\u3000b": "U+3000 (IDEOGRAPHIC SPACE)",
    "a\tb": "control character U+0009",
}
# Tags Anki keeps, but that qexport refuses for a reason it names.
REFUSED_BY_QEXPORT = {
    'qu"ote': "before version 24.11",
    "x:::y": "starts or ends with ':'",
    "a:": "starts or ends with ':'",
    "a\u00a0b": "U+00A0 (NO-BREAK SPACE)",
    "a\u200bb": "U+200B (ZERO WIDTH SPACE), which is not visible text",
    "comparison\u3164": "U+3164 (HANGUL FILLER), which is not visible text",
    "comparison\u2800": "U+2800 (BRAILLE PATTERN BLANK), which is not visible text",
    "a\ufe0fb": "U+FE0F (VARIATION SELECTOR-16), which is not visible text",
    "a,b": "separates the tags given to --tag",
    "": "is empty",
}


def _added(collection: Collection, tag: str) -> list[str]:
    """The tags Anki gives a new note that is given `tag`."""
    note = collection.new_note(collection.models.by_name("Basic"))
    note["Front"] = repr(tag)
    note.tags = [tag]
    collection.add_note(note, collection.decks.id("Default"))
    return list(collection.get_note(note.id).tags)


@pytest.mark.parametrize("tag", KEPT)
def test_a_tag_anki_keeps_as_written_is_accepted(tag: str, collection: Collection) -> None:
    assert tag_problem(tag) is None
    assert tag_problem(f"prefix::{tag}") is None  # a prefix follows the same rule
    assert _added(collection, tag) == [tag]


@pytest.mark.parametrize(("tag", "reason"), CHANGED_BY_ANKI.items())
def test_a_tag_anki_would_change_is_refused(tag: str, reason: str, collection: Collection) -> None:
    problem = tag_problem(tag)
    assert problem is not None
    assert reason in problem
    assert _added(collection, tag) != [tag]


@pytest.mark.parametrize(("tag", "reason"), REFUSED_BY_QEXPORT.items())
def test_a_tag_that_would_mislead_is_refused(tag: str, reason: str) -> None:
    problem = tag_problem(tag)
    assert problem is not None
    assert reason in problem


CASE_PAIRS = [("Async", "async"), ("straße", "STRASSE"), ("ﬁx", "fix"), ("Σοφός", "ΣΟΦΌΣ")]


@pytest.mark.parametrize(("first", "second"), CASE_PAIRS)
def test_tags_differing_only_in_case_are_refused_as_anki_merges_them(
    first: str, second: str, collection: Collection
) -> None:
    assert _added(collection, first) == [first]
    assert _added(collection, second) == [first]  # Anki spells it as it first met it
    (error,) = merged_tags([_question("one", (first,)), _question("two", (second,))])
    assert (error.path, error.line) == (Path("content/basic.md"), 20)
    assert error.message == (
        f"tag '{second}' is written '{first}' at content/basic.md:10: Anki ignores case in "
        "tags ('straße' is 'STRASSE'), so it would take them for one; write them the same way"
    )


def test_a_level_of_the_hierarchy_differing_only_in_case_is_refused(
    collection: Collection,
) -> None:
    _added(collection, "Web::django")
    _added(collection, "web::flask")
    tops = [node.name for node in collection.tags.tree().children]
    assert tops == ["Web"]  # one parent for both in Anki's tag tree
    errors = merged_tags(
        [_question("one", ("Web::django",)), _question("two", ("web", "web::flask"))]
    )
    assert [error.message.split(": Anki")[0] for error in errors] == [
        "tag 'web' is written 'Web' in tag 'Web::django' at content/basic.md:10",
        "'web' in tag 'web::flask' is written 'Web' in tag 'Web::django' at content/basic.md:10",
    ]
    assert merged_tags([_question("one", ("Web::django", "Web::flask", "web-dev"))]) == []


def _question(question_id: str, tags: tuple[str, ...]) -> Question:
    line = 10 if question_id == "one" else 20
    return Question(
        id=question_id,
        number=line // 10,
        level="basic",
        topic="data-types",
        tags=tuple(sorted(tags)),
        question="Q?",
        answer="A.",
        path=Path("content/basic.md"),
        line=line,
        answer_line=line + 2,
    )


def _tag_line(bank: Path, file: str, old: str, new: str) -> tuple[Path, int]:
    """Replace attribute line `old` of `file` by `new`; its file and the heading's line."""
    path = bank / file
    lines = path.read_text(encoding="utf-8").split("\n")
    number = lines.index(old)
    lines[number] = new
    path.write_text("\n".join(lines), encoding="utf-8")
    return path, number + 2  # 1-based, and the heading below it


def test_bad_tags_are_errors_at_their_question(bank: Path, run: Callable[..., Run]) -> None:
    basic, line = _tag_line(
        bank,
        "basic.md",
        "{#dict-order topic=data-types}",
        '{#dict-order topic=data-types tags="python:: a\u00a0b"}',
    )
    result = run("validate", content=bank)
    assert result.exit_code == 1
    assert result.stderr.splitlines() == [
        f"{basic}:{line}: tag 'a\u00a0b' contains U+00A0 (NO-BREAK SPACE): tags are separated "
        "by spaces and cannot hold one (Anki splits them at U+3000 too)",
        f"{basic}:{line}: tag 'python::' has an empty level ('::' at its start or end, or "
        "'::::'): Anki would name it 'blank'",
        "qexport: 2 errors in the content",
    ]


def test_tags_differing_in_case_across_files_are_an_error(
    bank: Path, run: Callable[..., Run]
) -> None:
    basic, first = _tag_line(
        bank,
        "basic.md",
        '{#list-vs-tuple topic=data-types tags="comparison"}',
        '{#list-vs-tuple topic=data-types tags="comparison Σύγκριση"}',
    )
    advanced, second = _tag_line(
        bank,
        "advanced.md",
        '{#gil topic=concurrency tags="pitfall recent-python"}',
        '{#gil topic=concurrency tags="pitfall ΣΎΓΚΡΙΣΗ"}',
    )
    result = run("validate", content=bank)
    assert result.exit_code == 1
    assert result.stderr.splitlines() == [
        f"{advanced}:{second}: tag 'ΣΎΓΚΡΙΣΗ' is written 'Σύγκριση' at {basic}:{first}: Anki "
        "ignores case in tags ('straße' is 'STRASSE'), so it would take them for one; write "
        "them the same way",
        "qexport: 1 error in the content",
    ]


def test_a_unicode_prefix_and_tags_validate(bank: Path, run: Callable[..., Run]) -> None:
    metadata = bank / "set.toml"
    text = metadata.read_text(encoding="utf-8")
    metadata.write_text(text.replace('"tiny"', '"Κατάρτιση::python"'), encoding="utf-8")
    _tag_line(
        bank,
        "basic.md",
        '{#list-vs-tuple topic=data-types tags="comparison"}',
        '{#list-vs-tuple topic=data-types tags="Σύγκριση 漢字 Кириллица ß::straße x_y*z"}',
    )
    result = run("validate", content=bank)
    assert result.exit_code == 0, result.stderr
    (question, *_) = load(bank).question_set.questions
    assert tags_for(question, load(bank).question_set.meta)[-1] == "Κατάρτιση::python::tag::漢字"
