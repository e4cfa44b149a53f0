"""A question moved from another deck keeps its guid and note type (`guid=`, `notetype=`).

Checked in the real Anki engine: a deck built from such content, imported over
the deck the notes came from, updates each note in place and keeps its reviews.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

import pytest

from qexport import anki_ids
from qexport.errors import ContentErrors
from qexport.loader import load

from anki_learner import build_deck, import_package, later, review
from conftest import Run

NOTETYPE_TABLE = """
[anki.notetypes.basic]
id = {id}
name = "Basic"
fields = ["Front", "Back"]
templates = ["Card 1"]
"""


def _keep(bank: Path, guids: dict[str, str], notetype_id: int = 1_600_000_000_001) -> None:
    """Give questions of `bank` kept guids (by question id) and the kept note type."""
    metadata = bank / "set.toml"
    metadata.write_text(
        metadata.read_text(encoding="utf-8") + NOTETYPE_TABLE.format(id=notetype_id),
        encoding="utf-8",
    )
    for level in bank.glob("*.md"):
        text = level.read_text(encoding="utf-8")
        for question_id, guid in guids.items():
            written = anki_ids.written_guid(guid)
            text = text.replace(
                f"{{#{question_id} ", f'{{#{question_id} guid="{written}" notetype=basic '
            )
        level.write_text(text, encoding="utf-8")


def _first_ids(bank: Path, count: int) -> list[str]:
    ids = re.findall(r"^\{#([a-z0-9-]+) ", (bank / "basic.md").read_text(), re.MULTILINE)
    return ids[:count]


@pytest.mark.parametrize("guid", ["abc", "a{b}c", 'q"u\\o%te', "e%(Bk5I;6a", "~`|{}"])
def test_a_kept_guid_is_read_back_exactly(bank: Path, guid: str) -> None:
    (first,) = _first_ids(bank, 1)
    _keep(bank, {first: guid})
    question_set = load(bank).question_set
    question = next(q for q in question_set.questions if q.id == first)
    assert question.guid == guid
    assert question.notetype == "basic"
    assert anki_ids.note_guid(question_set, question) == guid
    other = next(q for q in question_set.questions if q.id != first)
    assert anki_ids.note_guid(question_set, other) == anki_ids.derived_guid(
        question_set.meta.id, other.id
    )


def _errors(bank: Path) -> list[str]:
    with pytest.raises(ContentErrors) as raised:
        load(bank)
    return [str(error) for error in raised.value.errors]


@pytest.mark.parametrize(
    ("written", "expected"),
    [
        ("a b", "must be 1 to 100 printable ASCII"),
        ("x" * 101, "must be 1 to 100 printable ASCII"),
        ("50%", "write '%' itself as %25"),
        ("%zz", "write '%' itself as %25"),
        ("%80", "must be 1 to 100 printable ASCII"),
        ("é", "must be 1 to 100 printable ASCII"),
    ],
)
def test_a_malformed_guid_is_an_error_at_its_question(
    bank: Path, written: str, expected: str
) -> None:
    level = bank / "basic.md"
    text = level.read_text(encoding="utf-8")
    (first,) = _first_ids(bank, 1)
    level.write_text(text.replace(f"{{#{first} ", f'{{#{first} guid="{written}" '), "utf-8")
    line = text[: text.index(f"{{#{first} ")].count("\n") + 2  # the heading's line
    (error,) = _errors(bank)
    assert error.startswith(f"{level}:{line}: ")
    assert expected in error


def test_two_questions_with_one_guid_are_an_error(bank: Path) -> None:
    first, second = _first_ids(bank, 2)
    _keep(bank, {first: "same", second: "same"})
    (error,) = _errors(bank)
    assert "guid 'same' is also the note guid of" in error
    assert f"'{first}'" in error


def test_a_kept_guid_may_not_be_another_questions_derived_guid(bank: Path) -> None:
    first, second = _first_ids(bank, 2)
    set_id = load(bank).question_set.meta.id
    _keep(bank, {second: anki_ids.derived_guid(set_id, first)})
    (error,) = _errors(bank)
    assert f"is also the note guid of '{first}'" in error


def test_an_unknown_notetype_is_an_error(bank: Path) -> None:
    (first,) = _first_ids(bank, 1)
    level = bank / "basic.md"
    text = level.read_text(encoding="utf-8")
    level.write_text(text.replace(f"{{#{first} ", f"{{#{first} notetype=cloze "), "utf-8")
    (error,) = _errors(bank)
    assert "notetype 'cloze' is not in set.toml's [anki.notetypes] (defined: none)" in error


@pytest.mark.parametrize(
    ("table", "expected"),
    [
        ('id = 0\nname = "B"\nfields = ["F", "B"]\ntemplates = ["C"]', "'id'"),
        ('id = 5\nname = ""\nfields = ["F", "B"]\ntemplates = ["C"]', "'name'"),
        ('id = 5\nname = "B"\nfields = ["F"]\ntemplates = ["C"]', "2 to 100 field names"),
        ('id = 5\nname = "B"\nfields = ["F", "f"]\ntemplates = ["C"]', "names a field twice"),
        ('id = 5\nname = "B"\nfields = ["F", "{B}"]\ntemplates = ["C"]', "Anki allows"),
        ('id = 5\nname = "B"\nfields = ["F", "B"]\ntemplates = []', "1 to 50 template"),
        ('id = 5\nname = "B"\nfields = ["F", "B"]', "has no 'templates'"),
        ('id = 5\nname = "B"\nfields = ["F", "B"]\ntemplates = ["C"]\ncss = ""', "unknown key"),
    ],
)
def test_a_bad_notetype_table_is_an_error_at_its_line(
    bank: Path, table: str, expected: str
) -> None:
    metadata = bank / "set.toml"
    before = metadata.read_text(encoding="utf-8")
    metadata.write_text(before + "\n[anki.notetypes.basic]\n" + table + "\n", "utf-8")
    errors = _errors(bank)
    assert any(expected in error for error in errors), errors
    header = before.count("\n") + 2
    assert all(int(error.split(":")[1]) >= header for error in errors if "set.toml" in error), (
        errors
    )


def test_two_notetype_tables_with_one_id_are_an_error(bank: Path) -> None:
    metadata = bank / "set.toml"
    text = metadata.read_text(encoding="utf-8") + NOTETYPE_TABLE.format(id=7)
    metadata.write_text(text + NOTETYPE_TABLE.format(id=7).replace(".basic]", ".other]"), "utf-8")
    assert any("is also [anki.notetypes.basic]'s" in e for e in _errors(bank))


# The real engine: notes made in Anki, then moved into qexport content by hand.


def test_a_deck_with_kept_notes_updates_anki_notes_in_place(
    bank: Path, tmp_path: Path, run: Callable[..., Run], monkeypatch: pytest.MonkeyPatch
) -> None:
    from anki.collection import Collection

    col = Collection(str(tmp_path / "learner.anki2"))
    basic = col.models.by_name("Basic")
    notes = []
    for number in range(2):
        note = col.new_note(basic)
        note["Front"], note["Back"] = f"Old question {number}", f"Old answer {number}"
        col.add_note(note, col.decks.id("Old deck"))
        notes.append(note)
    review(col, notes[0].cards()[0].id)
    first, second = _first_ids(bank, 2)
    _keep(bank, {first: notes[0].guid, second: notes[1].guid}, notetype_id=basic["id"])
    monkeypatch.setenv("SOURCE_DATE_EPOCH", later())
    log = import_package(col, build_deck(run, bank, tmp_path / "dist"))
    total = load(bank).question_set.questions
    assert (len(log.conflicting), len(log.updated)) == (0, 2)
    assert len(log.new) == len(total) - 2  # the others are new questions
    for note in notes:
        again = col.get_note(note.id)
        assert again.guid == note.guid
        assert again.note_type()["id"] == basic["id"]
        assert not again["Front"].startswith("Old question")
    assert col.db.scalar("select count() from revlog where cid = ?", notes[0].cards()[0].id) == 1
    template = col.models.get(basic["id"])["tmpls"][0]
    assert '<div class="qx-question">{{Front}}</div>' in template["qfmt"]
    assert ".qx-key" in col.models.get(basic["id"])["css"]
    col.close()


def test_the_anki_csv_updates_kept_notes_in_their_note_type(
    bank: Path, tmp_path: Path, run: Callable[..., Run], monkeypatch: pytest.MonkeyPatch
) -> None:
    from anki.collection import Collection
    from test_csv import import_csv

    col = Collection(str(tmp_path / "learner.anki2"))
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700000000")
    import_package(col, build_deck(run, bank, tmp_path / "first"))  # qexport's own notes
    basic = col.models.by_name("Basic")
    note = col.new_note(basic)
    note["Front"], note["Back"] = "Old question", "Old answer"
    col.add_note(note, col.decks.id("Old deck"))
    review(col, note.cards()[0].id)
    (first,) = _first_ids(bank, 1)
    _keep(bank, {first: note.guid}, notetype_id=basic["id"])
    result = run("csv", "--out", str(tmp_path / "csv"), content=bank)
    assert result.exit_code == 0, result.stderr
    (path,) = (tmp_path / "csv").glob("*.csv")
    assert "#notetype column:" in path.read_text(encoding="utf-8")
    new, updated, duplicate, conflicting = import_csv(col, path)
    assert (new, conflicting) == (0, 0)
    assert updated + duplicate == len(load(bank).question_set.questions)
    again = col.get_note(note.id)
    assert again.note_type()["id"] == basic["id"]
    assert again["Front"] != "Old question"
    assert col.db.scalar("select count() from revlog where cid = ?", note.cards()[0].id) == 1
    col.close()


def test_a_kept_note_type_may_not_have_the_sets_own_id(bank: Path) -> None:
    question_set = load(bank).question_set
    own = anki_ids.stable_id(question_set.meta.id, "notetype")
    line = (bank / "set.toml").read_text(encoding="utf-8").count("\n") + 2
    _keep(bank, {_first_ids(bank, 1)[0]: "g"}, notetype_id=own)
    (error,) = _errors(bank)
    assert error.startswith(f"{bank / 'set.toml'}:{line}: [anki.notetypes.basic] has the id")
