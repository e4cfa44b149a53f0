"""`qexport import` of qexport's own plain CSV: a round trip gives the same bank.

With the old set's id (`--set-id`), every note's guid derives as before, so
learners who import the new deck over the old one lose nothing: checked in
the real Anki engine.
"""

from __future__ import annotations

import csv
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from qexport import anki_ids
from qexport.loader import load

from anki_learner import build_deck, import_package, later, review, revlog_count
from conftest import Run, clean_failure


def _fields(question: Any) -> tuple[Any, ...]:
    return (
        question.id,
        question.level,
        question.topic,
        question.tags,
        question.question,
        question.key,
        question.answer,
        question.key_code,
    )


def _plain_csv(run: Callable[..., Run], content: Path, out: Path) -> Path:
    result = run("csv", "--dialect", "plain", "--out", str(out), content=content)
    assert result.exit_code == 0, result.stderr
    (path,) = out.glob("*.csv")
    return path


def test_the_bundled_bank_round_trips_through_its_plain_csv(
    content: Path, tmp_path: Path, run: Callable[..., Run]
) -> None:
    original = load(content).question_set
    plain = _plain_csv(run, content, tmp_path / "csv")
    target = tmp_path / "imported"
    result = run("import", str(plain), "--content", str(target), "--set-id", original.meta.id)
    assert result.exit_code == 0, result.stderr
    assert f"Wrote {target}: 100 questions in 3 levels" in result.stdout
    assert result.stderr == ""  # nothing to report
    imported = load(target).question_set
    assert [_fields(q) for q in imported.questions] == [_fields(q) for q in original.questions]
    assert imported.meta.id == original.meta.id
    assert imported.meta.tag_prefix == original.meta.tag_prefix
    assert [level.id for level in imported.levels] == [level.id for level in original.levels]
    guids = [anki_ids.note_guid(imported, q) for q in imported.questions]
    assert guids == [anki_ids.note_guid(original, q) for q in original.questions]
    assert not any(q.guid or q.notetype for q in imported.questions)  # derived, not written
    assert "guid=" not in (target / "basic.md").read_text(encoding="utf-8")


def test_cells_made_safe_for_spreadsheets_come_back_as_written(
    bank: Path, tmp_path: Path, run: Callable[..., Run]
) -> None:
    level = bank / "basic.md"
    text = level.read_text(encoding="utf-8")
    risky = "=1+1 and 'quoted' and @home"
    level.write_text(text.replace("Yes, since Python 3.7.\n\nYes", f"{risky}\n\nYes", 1), "utf-8")
    plain = _plain_csv(run, bank, tmp_path / "csv")
    cells = [row for row in csv.reader(plain.open(encoding="utf-8", newline=""))]
    assert any(cell == "'" + risky for row in cells for cell in row)
    target = tmp_path / "imported"
    assert run("import", str(plain), "--content", str(target)).exit_code == 0
    imported = load(target).question_set
    assert any(q.key == risky for q in imported.questions)


def test_without_the_set_id_the_report_says_how_to_keep_progress(
    bank: Path, tmp_path: Path, run: Callable[..., Run]
) -> None:
    plain = _plain_csv(run, bank, tmp_path / "csv")
    result = run("import", str(plain), "--content", str(tmp_path / "imported"))
    assert result.exit_code == 0
    assert "--set-id" in result.stderr
    assert run("import", str(plain), "--content", str(tmp_path / "q"), "--quiet").stderr == ""


def test_an_existing_folder_is_never_written_into(
    bank: Path, tmp_path: Path, run: Callable[..., Run]
) -> None:
    plain = _plain_csv(run, bank, tmp_path / "csv")
    before = {p: p.read_bytes() for p in bank.rglob("*") if p.is_file()}
    result = run("import", str(plain), "--content", str(bank))
    clean_failure(result, "already exists; import into a new folder")
    assert {p: p.read_bytes() for p in bank.rglob("*") if p.is_file()} == before
    assert not list(tmp_path.glob(".*importing*"))


def test_a_malformed_plain_csv_is_a_clean_error(tmp_path: Path, run: Callable[..., Run]) -> None:
    bad = tmp_path / "bad.csv"
    bad.write_bytes(b"id,number,level,topic,tags,question,key,answer\n\xff\xfe\n")
    result = run("import", str(bad), "--content", str(tmp_path / "out"))
    clean_failure(result, "bad.csv")
    assert not (tmp_path / "out").exists()
    assert not list(tmp_path.glob(".*importing*"))


def test_a_bad_mapping_or_set_id_is_a_usage_error(
    bank: Path, tmp_path: Path, run: Callable[..., Run]
) -> None:
    plain = _plain_csv(run, bank, tmp_path / "csv")
    out = str(tmp_path / "out")
    assert run("import", str(plain), "--content", out, "--set-id", "nope").exit_code == 2
    assert run("import", str(plain), "--content", out, "--level", "easy").exit_code == 2
    assert run("import", str(plain), "--content", out, "--topic", "x=Not A Slug").exit_code == 2
    assert not Path(out).exists()


def test_learners_keep_their_progress_after_a_plain_csv_round_trip(
    content: Path, tmp_path: Path, run: Callable[..., Run], monkeypatch: pytest.MonkeyPatch
) -> None:
    from anki.collection import Collection

    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700000000")
    old_deck = build_deck(run, content, tmp_path / "old")
    col = Collection(str(tmp_path / "learner.anki2"))
    import_package(col, old_deck)
    reviewed = col.find_cards("")[:3]
    for card_id in reviewed:
        review(col, card_id)
    set_id = load(content).question_set.meta.id
    plain = _plain_csv(run, content, tmp_path / "csv")
    target = tmp_path / "imported"
    assert run("import", str(plain), "--content", str(target), "--set-id", set_id).exit_code == 0
    monkeypatch.setenv("SOURCE_DATE_EPOCH", later())
    log = import_package(col, build_deck(run, target, tmp_path / "new"))
    assert (len(log.new), len(log.conflicting)) == (0, 0)
    assert len(log.updated) + len(log.duplicate) == 100
    assert col.note_count() == 100
    assert revlog_count(col) == len(reviewed)
    col.close()
