"""`qexport import` of real decks, then the deck qexport builds imported over the original,
in the real Anki engine: no new notes, no conflicts, every note matched by its guid, and
the learner's reviews kept.

The decks are made in the test: one by Anki itself (Basic, reversed, cloze, an image,
reviews), exported as Anki writes packages today and as older versions did, and one
by genanki, as other tools make them.
"""

from __future__ import annotations

import struct
import zlib
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from qexport.loader import load

from anki_learner import (
    build_deck,
    export_notes_as_text,
    export_package,
    import_package,
    later,
    review,
    revlog_count,
)
from conftest import Run


def _png() -> bytes:
    """A 2 x 1 PNG."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    pixels = zlib.compress(b"\x00\xff\x00\x00\x00\x00\xff")
    header = struct.pack(">IIBBBBB", 2, 1, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", pixels)
        + chunk(b"IEND", b"")
    )


def _authors_collection(path: Path) -> Any:
    """An author's collection: two subdecks, three note types, an image, some reviews."""
    from anki.collection import Collection

    col = Collection(str(path))
    basic = col.models.by_name("Basic")
    reverse = col.models.by_name("Basic (and reversed card)")
    cloze = col.models.by_name("Cloze")
    sql, python = col.decks.id("Data Science::SQL"), col.decks.id("Data Science::Python")
    col.media.write_data("join.png", _png())
    rows = [
        (
            basic,
            sql,
            "What does <b>JOIN</b> do?",
            'Combines rows.<br><img src="join.png">',
            "easy",
        ),
        (basic, sql, "H<sub>2</sub>O in SQL?", "<script>alert(1)</script>Not a thing.", "hard"),
        (reverse, python, "GIL", "Global interpreter lock", "easy python"),
        (
            basic,
            python,
            "What is <i>PEP 8</i>?",
            "The style guide: https://peps.python.org/pep-0008/",
            "",
        ),
    ]
    for notetype, deck, front, back, tags in rows:
        note = col.new_note(notetype)
        note["Front"], note["Back"] = front, back
        note.tags = tags.split()
        col.add_note(note, deck)
    note = col.new_note(cloze)
    note["Text"] = "{{c1::SELECT}} picks columns; {{c2::WHERE}} filters rows."
    col.add_note(note, sql)
    for card_id in col.find_cards("")[:4]:
        review(col, card_id)
    return col


@pytest.mark.parametrize("legacy", [False, True], ids=["anki21b", "legacy"])
def test_a_deck_exported_by_anki_round_trips_without_losing_progress(
    tmp_path: Path, run: Callable[..., Run], monkeypatch: pytest.MonkeyPatch, legacy: bool
) -> None:
    from anki.collection import Collection

    author = _authors_collection(tmp_path / "author.anki2")
    apkg = export_package(author, tmp_path / "deck.apkg", legacy)
    author.close()
    learner = Collection(str(tmp_path / "learner.anki2"))
    import_package(learner, apkg)
    for card_id in learner.find_cards("")[:3]:
        review(learner, card_id)
    reviews, notes = revlog_count(learner), learner.note_count()

    content = tmp_path / "content"
    result = run("import", str(apkg), "--content", str(content))
    assert result.exit_code == 0, result.stderr
    assert "a cloze note ('Cloze') cannot stay in its note type" in result.stderr
    question_set = load(content).question_set
    assert len(question_set.questions) == 5
    assert (content / "images" / "join.png").read_bytes() == _png()
    assert [t.id for t in question_set.topics] == ["python", "sql"]
    assert {q.level for q in question_set.questions} == {"basic", "advanced", "all"}

    monkeypatch.setenv("SOURCE_DATE_EPOCH", later())
    log = import_package(learner, build_deck(run, content, tmp_path / "dist"))
    assert len(log.conflicting) == 0
    assert len(log.new) == 1  # the cloze note, as the report said
    assert len(log.updated) == 4
    assert learner.note_count() == notes + 1
    assert revlog_count(learner) == reviews
    learner.close()


def _genanki_deck(path: Path, media: Path) -> tuple[Path, list[str]]:
    """A deck as another tool makes it with genanki: its own note type, guids, an image."""
    import genanki

    model = genanki.Model(
        1_607_392_319,
        "Interview card",
        fields=[{"name": "Prompt"}, {"name": "Response"}, {"name": "Source"}],
        templates=[
            {"name": "Card", "qfmt": "{{Prompt}}", "afmt": "{{FrontSide}}<hr>{{Response}}"}
        ],
    )
    deck = genanki.Deck(2_059_400_110, "Interview::Statistics")
    (media / "curve.png").write_bytes(_png())
    rows = [
        ("What is the <strong>M</strong>ean?", "The average.<br>Sum over count.", "book"),
        ("Median vs mean?", 'The middle value. <img src="curve.png">', ""),
        ("Variance?", "<ul><li>spread</li><li>squared</li></ul>", "web"),
    ]
    guids = []
    for number, fields in enumerate(rows):
        note = genanki.Note(model=model, fields=list(fields), tags=["stats"])
        note.guid = genanki.guid_for("interview", number)
        guids.append(note.guid)
        deck.add_note(note)
    genanki.Package(deck, media_files=[str(media / "curve.png")]).write_to_file(str(path))
    return path, guids


def test_a_deck_made_with_genanki_round_trips_without_losing_progress(
    tmp_path: Path, run: Callable[..., Run], monkeypatch: pytest.MonkeyPatch
) -> None:
    from anki.collection import Collection

    apkg, guids = _genanki_deck(tmp_path / "genanki.apkg", tmp_path)
    learner = Collection(str(tmp_path / "learner.anki2"))
    import_package(learner, apkg)
    for card_id in learner.find_cards(""):
        review(learner, card_id)
    content = tmp_path / "content"
    assert run("import", str(apkg), "--content", str(content)).exit_code == 0
    question_set = load(content).question_set
    assert sorted(q.guid for q in question_set.questions) == sorted(guids)
    mean = next(q for q in question_set.questions if "**M**ean" in q.question)
    assert mean.question == "What is the **M**ean?"
    assert "**Source:** book" in mean.answer
    assert any(q.images == ("images/curve.png",) for q in question_set.questions)

    monkeypatch.setenv("SOURCE_DATE_EPOCH", later())
    log = import_package(learner, build_deck(run, content, tmp_path / "dist"))
    assert (len(log.new), len(log.conflicting), len(log.updated)) == (0, 0, 3)
    assert sorted(n.guid for n in map(learner.get_note, learner.find_notes(""))) == sorted(guids)
    assert revlog_count(learner) == 3
    learner.close()


def test_anki_csv_written_by_qexport_round_trips_without_losing_progress(
    content: Path, tmp_path: Path, run: Callable[..., Run], monkeypatch: pytest.MonkeyPatch
) -> None:
    """The bundled bank's Anki CSV, imported into a new set (no --set-id): its notes stay
    in the old set's note type, whose id the CSV gives, so they update in place."""
    from anki.collection import Collection

    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700000000")
    learner = Collection(str(tmp_path / "learner.anki2"))
    import_package(learner, build_deck(run, content, tmp_path / "old"))
    for card_id in learner.find_cards("")[:5]:
        review(learner, card_id)
    result = run("csv", "--out", str(tmp_path / "csv"), content=content)
    assert result.exit_code == 0, result.stderr
    (csv_file,) = (tmp_path / "csv").glob("*.csv")
    target = tmp_path / "imported"
    result = run("import", str(csv_file), "--content", str(target))
    assert result.exit_code == 0, result.stderr
    original, imported = load(content).question_set, load(target).question_set
    assert [q.id for q in imported.questions] == [q.id for q in original.questions]
    assert [q.topic for q in imported.questions] == [q.topic for q in original.questions]
    assert [q.level for q in imported.questions] == [q.level for q in original.questions]
    assert [q.tags for q in imported.questions] == [q.tags for q in original.questions]

    monkeypatch.setenv("SOURCE_DATE_EPOCH", later())
    log = import_package(learner, build_deck(run, target, tmp_path / "new"))
    assert (len(log.new), len(log.conflicting)) == (0, 0)
    assert len(log.updated) == 100
    assert learner.note_count() == 100
    assert revlog_count(learner) == 5
    learner.close()


def test_anki_csv_exported_by_anki_says_what_it_cannot_keep(
    tmp_path: Path, run: Callable[..., Run]
) -> None:
    """Anki's own "Notes in Plain Text" names note types, not their ids: the notes are
    imported as new ones, and the report says why."""

    author = _authors_collection(tmp_path / "author.anki2")
    path = export_notes_as_text(author, tmp_path / "notes.txt")
    author.close()
    content = tmp_path / "content"
    result = run("import", str(path), "--content", str(content))
    assert result.exit_code == 0, result.stderr
    assert "does not give their note type's id" in result.stderr
    question_set = load(content).question_set
    assert len(question_set.questions) == 5
    assert [t.id for t in question_set.topics] == ["python", "sql"]
    assert not any(q.guid for q in question_set.questions)
