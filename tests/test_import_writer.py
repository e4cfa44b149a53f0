"""The content folder `qexport import` writes: valid, complete or absent, never half-written."""

from __future__ import annotations

from pathlib import Path

import pytest
from test_import_round_trip import _png

from qexport.errors import QexportError
from qexport.importers.bank import ImportedBank, ImportedMedia, ImportedQuestion
from qexport.importers.writer import write_bank
from qexport.loader import load
from qexport.model import KeptNotetype


def _question(number: int, **changes: object) -> ImportedQuestion:
    values: dict[str, object] = {
        "id": f"q-{number}",
        "level": "all",
        "topic": "general",
        "tags": ("t",),
        "question": f"Question {number}?",
        "answer": f"Answer {number}.",
        "where": f"note {number}",
        **changes,
    }
    return ImportedQuestion(**values)  # type: ignore[arg-type]


def _bank(*questions: ImportedQuestion, **changes: object) -> ImportedBank:
    values: dict[str, object] = {
        "title": 'A "quoted" title \\ with a backslash',
        "set_id": "0b5f3a52-7a51-4bd4-9d43-2f1c0c1e6a10",
        "tag_prefix": "imported",
        "levels": (("all", "All questions"),),
        "topics": (("general", "General"),),
        "questions": questions,
        **changes,
    }
    return ImportedBank(**values)  # type: ignore[arg-type]


def test_the_folder_loads_as_written(tmp_path: Path) -> None:
    kept = KeptNotetype("basic", 42, "Basic", ("Front", "Back"), ("Card 1",), 0)
    bank = _bank(
        _question(1, guid='g{1}"%', notetype="basic", key="The key."),
        _question(2, answer="![a dot](images/dot.png)"),
        notetypes=(kept,),
        media=(ImportedMedia("dot.png", _png()),),
    )
    written = write_bank(bank, tmp_path / "content")
    assert written == bank
    question_set = load(tmp_path / "content").question_set
    assert question_set.meta.title == bank.title
    assert question_set.meta.notetypes == (
        KeptNotetype("basic", 42, "Basic", ("Front", "Back"), ("Card 1",), 18),
    )
    first, second = question_set.questions
    assert (first.guid, first.notetype, first.key) == ('g{1}"%', "basic", "The key.")
    assert second.images == ("images/dot.png",)
    assert not list(tmp_path.glob(".content.importing-*"))


def test_a_question_the_loader_refuses_is_left_out_and_reported(tmp_path: Path) -> None:
    bad = _question(2, answer="# A heading the answer may not hold")
    written = write_bank(_bank(_question(1), bad, _question(3)), tmp_path / "content")
    assert [q.id for q in written.questions] == ["q-1", "q-3"]
    (report,) = written.reports
    assert report.startswith("note 2: left out: a '#' heading inside an answer")
    assert [q.id for q in load(tmp_path / "content").question_set.questions] == ["q-1", "q-3"]


def test_an_empty_folder_may_be_the_target_but_not_a_full_one(tmp_path: Path) -> None:
    (tmp_path / "empty").mkdir()
    write_bank(_bank(_question(1)), tmp_path / "empty")
    assert load(tmp_path / "empty").question_set.questions
    with pytest.raises(QexportError, match="already exists"):
        write_bank(_bank(_question(1)), tmp_path / "empty")


def test_nothing_is_left_when_no_question_can_be_written(tmp_path: Path) -> None:
    bank = _bank(_question(1, answer="# heading"))
    with pytest.raises(QexportError, match="no question could be written"):
        write_bank(bank, tmp_path / "content")
    assert sorted(p.name for p in tmp_path.iterdir()) == []


def test_the_folder_of_a_killed_import_is_removed_by_the_next(tmp_path: Path) -> None:
    import os
    import subprocess
    import sys

    gone = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    killed = tmp_path / f".content.importing-{gone}-x1"
    running = tmp_path / f".content.importing-{os.getpid()}-x2"  # an import still under way
    for folder in (killed, running):
        folder.mkdir()
        (folder / "set.toml").write_text("half")
    write_bank(_bank(_question(1)), tmp_path / "content")
    assert not killed.exists()
    assert running.exists()
    assert load(tmp_path / "content").question_set.questions
