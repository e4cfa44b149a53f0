"""The render cache: a hit saves the work, a miss renders, a damaged or stale cache only
means rendering again, and what is built is byte for byte the same with or without it."""

from __future__ import annotations

import hashlib
import os
import sqlite3
from collections.abc import Callable
from pathlib import Path

import pytest

from qexport import render_cache
from qexport.exporters.anki import deck
from qexport.loader import load
from qexport.model import QuestionSet
from qexport.render_cache import RenderCache

from conftest import GOOD, Run


@pytest.fixture
def question_set() -> QuestionSet:
    return load(GOOD).question_set


@pytest.fixture
def renders(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The answers rendered (not taken from a cache) from now on, in order."""
    from qexport.render import HtmlRenderer

    rendered: list[str] = []
    original = HtmlRenderer.render_answer

    def counting(self: HtmlRenderer, key: str, details: str) -> str:
        rendered.append(details)
        return original(self, key, details)

    monkeypatch.setattr(HtmlRenderer, "render_answer", counting)
    return rendered


def _file() -> Path:
    return render_cache.cache_dir() / render_cache.FILE_NAME


def test_a_miss_renders_and_a_hit_renders_nothing(
    question_set: QuestionSet, renders: list[str]
) -> None:
    first = deck.notes_for(question_set)
    assert len(renders) == len(question_set.questions)
    assert _file().exists()
    assert _file().stat().st_mode & 0o077 == 0  # private to the user
    renders.clear()
    again = deck.notes_for(question_set, RenderCache.user())  # a new run, same file
    assert renders == []
    assert [card.fields for card in again] == [card.fields for card in first]


def test_an_edited_question_is_the_only_one_rendered_again(
    question_set: QuestionSet, renders: list[str]
) -> None:
    from dataclasses import replace

    deck.notes_for(question_set)
    renders.clear()
    edited = question_set.questions[1]
    questions = list(question_set.questions)
    questions[1] = replace(edited, answer=edited.answer + "\n\nOne more line.\n")
    cards = deck.notes_for(replace(question_set, questions=tuple(questions)))
    assert renders == [questions[1].answer]
    assert "One more line." in cards[1].fields["Answer"]


def test_memory_only_cache_writes_no_file(question_set: QuestionSet, renders: list[str]) -> None:
    cache = RenderCache()
    deck.notes_for(question_set, cache)
    renders.clear()
    deck.notes_for(question_set, cache)
    assert renders == []
    assert not _file().exists()


@pytest.mark.parametrize(
    "damage",
    [
        pytest.param(lambda path: path.write_bytes(b"not a database at all" * 100), id="garbage"),
        pytest.param(lambda path: path.write_bytes(path.read_bytes()[:1000]), id="truncated"),
        pytest.param(lambda path: _sql(path, "UPDATE entries SET value = '[1, 2'"), id="bad-json"),
        pytest.param(lambda path: _sql(path, "UPDATE entries SET value = '[\"x\"]'"), id="shape"),
        pytest.param(
            lambda path: _sql(path, "DROP TABLE entries; CREATE TABLE entries (a, b)"),
            id="other-table",
        ),
    ],
)
def test_a_damaged_cache_means_rendering_again(
    question_set: QuestionSet, renders: list[str], damage: Callable[[Path], None]
) -> None:
    clean = [card.fields for card in deck.notes_for(question_set)]  # fills the cache
    damage(_file())
    renders.clear()
    cards = deck.notes_for(question_set)
    assert [card.fields for card in cards] == clean
    assert len(renders) == len(question_set.questions)
    renders.clear()  # and the next run has a working cache again
    deck.notes_for(question_set)
    assert renders == []


def test_another_qexport_version_is_a_miss(
    question_set: QuestionSet, renders: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    import qexport

    deck.notes_for(question_set)
    renders.clear()
    render_cache.code_version.cache_clear()
    monkeypatch.setattr(qexport, "__version__", "99.0.0", raising=False)
    try:
        deck.notes_for(question_set)
    finally:
        render_cache.code_version.cache_clear()
    assert len(renders) == len(question_set.questions)


def test_changed_rendering_code_is_a_miss(
    question_set: QuestionSet, renders: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """An editable install changes code without changing its version."""
    deck.notes_for(question_set)
    renders.clear()
    before = render_cache.code_version()
    render_cache.code_version.cache_clear()
    real_read_text = Path.read_text

    def edited(path: Path, *args: object, **kwargs: object) -> str:
        text = real_read_text(path, *args, **kwargs)  # type: ignore[arg-type]
        return text + "\n# edited" if path.name == "render.py" else text

    monkeypatch.setattr(Path, "read_text", edited)
    try:
        assert render_cache.code_version() != before
        deck.notes_for(question_set)
    finally:
        render_cache.code_version.cache_clear()
    assert len(renders) == len(question_set.questions)


def test_an_unwritable_cache_folder_only_costs_work(
    question_set: QuestionSet, renders: list[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    blocked = tmp_path / "a-file"
    blocked.write_text("not a folder")
    monkeypatch.setenv("QEXPORT_CACHE_DIR", str(blocked / "cache"))
    first = deck.notes_for(question_set)
    second = deck.notes_for(question_set)
    assert [c.fields for c in first] == [c.fields for c in second]
    assert len(renders) == 2 * len(question_set.questions)


def test_artifacts_are_the_same_bytes_with_and_without_the_cache(
    run: Callable[..., Run], bank: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A cold cache, a warm one, and none at all (an unwritable folder) build the same."""
    digests = []
    blocked = tmp_path / "no-cache"
    blocked.write_text("a file: no cache folder can be made below it")
    for label, cache in (("cold", "cold"), ("warm", "cold"), ("none", "no-cache/x")):
        monkeypatch.setenv("QEXPORT_CACHE_DIR", str(tmp_path / cache))
        out = tmp_path / f"out-{label}"
        for command in (["anki"], ["csv"], ["csv", "--dialect", "plain"]):
            result = run("--content", str(bank), *command, "--out", str(out))
            assert result.exit_code == 0, result.stderr
        digests.append(
            {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(out.iterdir())}
        )
    assert (tmp_path / "cold" / render_cache.FILE_NAME).exists()
    assert not os.path.exists(tmp_path / "no-cache" / "x")
    assert digests[0] == digests[1] == digests[2]
    assert len(digests[0]) >= 3


def test_only_the_newest_entries_are_kept(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(render_cache, "LIMIT", 5)
    cache = RenderCache.user()
    for n in range(8):
        cache.put_many({f"key-{n}": n})
        cache.flush()
    fresh = RenderCache.user()
    assert fresh.get_many([f"key-{n}" for n in range(8)]) == {f"key-{n}": n for n in range(3, 8)}


def _sql(path: Path, script: str) -> None:
    connection = sqlite3.connect(path)
    try:
        connection.executescript(script)
        connection.commit()
    finally:
        connection.close()
