"""A lost lock file is rebuilt from the last release's deck, so learners' edits survive.

Proven with the real Anki engine: import release 1, the learner edits a note,
the lock file is lost, the next build rebuilds it from release 1's deck, and
the re-import updates only what really changed.
"""

from __future__ import annotations

import json
import re
import shutil
import sqlite3
import time
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from anki.collection import Collection
from test_anki import DECK, T0, Counts, _edit_answer, _notes, import_deck, png

from qexport import anki_ids, changes
from qexport.errors import QexportError
from qexport.loader import load
from qexport.output import write_artifacts
from qexport.registry import load_exporter

from conftest import CONTENT, GOOD, Run

MNEMONIC = "<p>My own mnemonic.</p>"
LATER = int(time.time()) + 60


def export(
    content: Path, out: Path, previous_dir: str | None = None, **options: object
) -> tuple[Path, tuple[str, ...]]:
    """The anki exporter as `qexport anki --out` and `qexport all` run it: record, then build."""
    question_set = load(content).question_set
    exporter = load_exporter("anki")
    previous = Path(previous_dir) if previous_dir else None
    recorded = exporter.record(question_set, options, previous_release=previous)  # type: ignore[attr-defined]
    (artifact,) = write_artifacts(
        out, lambda staging: exporter.export(question_set, options, staging)
    )
    return artifact.path, (*recorded.notes, *artifact.notes)


def _learner_edits(collection: Collection, content: Path, question_id: str) -> str:
    question_set = load(content).question_set
    (question,) = [q for q in question_set.questions if q.id == question_id]
    guid = anki_ids.note_guid(question_set, question)
    note = _notes(collection)[guid]
    note["Answer"] += MNEMONIC  # type: ignore[index]
    collection.update_note(note)  # type: ignore[arg-type]
    return guid


def _release_one(
    collection: Collection, content: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> tuple[Path, str]:
    """Release 1 imported, a learner's edit, and the lock file lost; returns the release."""
    monkeypatch.setenv("SOURCE_DATE_EPOCH", str(T0))
    release = tmp_path / "release-1"
    deck, _ = export(content, release)
    assert import_deck(collection, deck).new == 100
    guid = _learner_edits(collection, content, "slots")
    (content / changes.LOCK_FILE).unlink()
    # Release 2 is built after the learner's edit, as in life.
    monkeypatch.setenv("SOURCE_DATE_EPOCH", str(LATER))
    return release, guid


def test_lost_lock_is_rebuilt_from_the_deck_it_replaces(
    collection: Collection, content: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    release, guid = _release_one(collection, content, tmp_path, monkeypatch)
    _edit_answer(content, "gil-basics", "Corrected in release 2.")

    deck, notes = export(content, tmp_path / "release-2", previous_dir=str(release))
    assert any(f"rebuilt it from {release / DECK}" in note for note in notes)
    assert any("99 unchanged notes keep their times, 1 changed" in note for note in notes)
    assert import_deck(collection, deck) == Counts(0, 1, 99, 0)
    assert MNEMONIC in _notes(collection)[guid]["Answer"]  # type: ignore[index]
    rebuilt = changes.read(content / changes.LOCK_FILE)
    assert {e.changed for e in rebuilt.values()} == {T0, LATER}


def test_lock_command_rebuilds_the_lock_from_a_deck(
    collection: Collection,
    content: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    run: Callable[..., Run],
) -> None:
    release, guid = _release_one(collection, content, tmp_path, monkeypatch)
    result = run("lock", "--from", str(release / DECK), content=content)
    assert result.exit_code == 0, result.stderr
    assert "100 unchanged notes keep their times, 0 changed and 0 new" in result.stdout

    deck, notes = export(content, tmp_path / "release-2")
    assert notes == ()  # the lock file already matches the content
    assert import_deck(collection, deck) == Counts(0, 0, 100, 0)
    assert MNEMONIC in _notes(collection)[guid]["Answer"]  # type: ignore[index]


def test_lock_command_keeps_a_sound_lock_unless_told(
    content: Path, tmp_path: Path, run: Callable[..., Run]
) -> None:
    deck, _ = export(content, tmp_path / "release-1")
    lock = content / changes.LOCK_FILE
    before = lock.read_bytes()
    kept = run("lock", "--from", str(deck), content=content)
    assert kept.exit_code == 1
    assert "reads fine, so nothing is lost" in kept.stderr
    assert lock.read_bytes() == before
    assert run("lock", "--from", str(deck), "--replace", content=content).exit_code == 0


def test_lock_command_refuses_what_is_not_a_file(content: Path, run: Callable[..., Run]) -> None:
    result = run("lock", "--from", "/dev/zero", content=content)  # once read for ever
    assert result.exit_code == 1
    assert "from /dev/zero: it is not a file" in result.stderr


def _other_pygments(monkeypatch: pytest.MonkeyPatch) -> None:
    """Code highlighted as another Pygments might: other classes, other spans, same text."""
    from qexport import render

    real = render.highlight_code

    def highlight_code(code: str, info: str) -> str:
        html = real(code, info)
        return re.sub(r'<span class="([^"]*)">', r'<span></span><span class="tok-\1">', html)

    monkeypatch.setattr(render, "highlight_code", highlight_code)
    # Another Pygments has another version: cards rendered with this one are not reused.
    import pygments

    from qexport import render_cache

    monkeypatch.setattr(pygments, "__version__", pygments.__version__ + ".other")
    render_cache.code_version.cache_clear()
    monkeypatch.setattr(render_cache, "code_version", _uncached(render_cache.code_version))


def _uncached(function: Any) -> Any:
    """`function` without its lru_cache, so a later test sees the real version again."""
    return function.__wrapped__


def _answers(deck: Path) -> list[str]:
    with zipfile.ZipFile(deck) as archive:
        database = deck.with_suffix(".anki2")
        database.write_bytes(archive.read("collection.anki2"))
    connection = sqlite3.connect(database)
    try:
        return [
            fields.split("\x1f")[1] for (fields,) in connection.execute("SELECT flds FROM notes")
        ]
    finally:
        connection.close()


def test_another_pygments_keeps_learners_edits_to_notes_with_code(
    collection: Collection, content: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    release, guid = _release_one(collection, content, tmp_path, monkeypatch)
    assert "<pre" in _notes(collection)[guid]["Answer"]  # type: ignore[index]
    _other_pygments(monkeypatch)

    deck, notes = export(content, tmp_path / "release-2", previous_dir=str(release))
    assert sum('class="tok-' in answer for answer in _answers(deck)) >= 80
    assert any("100 unchanged notes keep their times, 0 changed" in note for note in notes)
    assert import_deck(collection, deck) == Counts(0, 0, 100, 0)
    assert MNEMONIC in _notes(collection)[guid]["Answer"]  # type: ignore[index]


def test_a_deck_with_live_anki_markup_is_changed_though_its_text_is_the_same(
    content: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    run: Callable[..., Run],
) -> None:
    """A deck from before Anki markup was defused played [sound:]; its note must move."""
    from qexport import render

    _edit_answer(content, "list-vs-tuple", "Hear it: [sound:list.mp3]")
    monkeypatch.setenv("SOURCE_DATE_EPOCH", str(T0))
    with monkeypatch.context() as old_render:
        old_render.setattr(render, "defuse_anki_markup", lambda html: html)
        old_render.setenv("QEXPORT_CACHE_DIR", str(tmp_path / "old-cache"))  # old code, own cache
        release, _ = export(content, tmp_path / "release-1")
    assert any("[sound:list.mp3]" in answer for answer in _answers(release))
    (content / changes.LOCK_FILE).unlink()
    result = run("lock", "--from", str(release), content=content)
    assert result.exit_code == 0, result.stderr
    assert "99 unchanged notes keep their times, 1 changed and 0 new" in result.stdout


def test_the_summary_counts_one_note_as_one(
    bank: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, run: Callable[..., Run]
) -> None:
    monkeypatch.setenv("SOURCE_DATE_EPOCH", str(T0))
    release, _ = export(bank, tmp_path / "release-1")
    for question_id in ("list-vs-tuple", "dict-order"):
        _edit_answer(bank, question_id, "Corrected in release 2.")
    (bank / changes.LOCK_FILE).unlink()
    result = run("lock", "--from", str(release), content=bank)
    assert result.exit_code == 0, result.stderr
    assert "1 unchanged note keeps its time, 2 changed and 0 new" in result.stdout


RED, BLUE = png((255, 0, 0)), png((0, 0, 255))


def _release_with_image(bank: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Release 1 of the small bank, whose gil answer shows images/d.png (red)."""
    (bank / "images").mkdir()
    (bank / "images" / "d.png").write_bytes(RED)
    with (bank / "advanced.md").open("a", encoding="utf-8") as f:
        f.write("\n![The diagram](images/d.png)\n")
    monkeypatch.setenv("SOURCE_DATE_EPOCH", str(T0))
    deck, _ = export(bank, tmp_path / "release-1")
    monkeypatch.setenv("SOURCE_DATE_EPOCH", str(LATER))
    return deck


def test_an_image_replaced_while_the_lock_was_lost_reaches_learners(
    collection: Collection,
    bank: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    run: Callable[..., Run],
) -> None:
    """The rebuild compares the deck's media with the content's images, byte for byte."""
    deck = _release_with_image(bank, tmp_path, monkeypatch)
    assert import_deck(collection, deck).new == 3
    (bank / changes.LOCK_FILE).unlink()
    result = run("lock", "--from", str(deck), content=bank)  # the same image: kept
    assert "3 unchanged notes keep their times, 0 changed" in result.stdout, result.stderr

    (bank / "images" / "d.png").write_bytes(BLUE)
    (bank / changes.LOCK_FILE).unlink()
    deck, notes = export(bank, tmp_path / "release-2", previous_dir=str(deck.parent))
    assert any("2 unchanged notes keep their times, 1 changed" in note for note in notes)
    assert import_deck(collection, deck) == Counts(0, 1, 2, 0)
    (gil,) = [collection.get_note(n) for n in collection.find_notes("Id:gil")]
    (source,) = re.findall(r'<img src="([^"]+)"', gil["Answer"])
    assert (Path(collection.media.dir()) / source).read_bytes() == BLUE


UNREADABLE_MEDIA: dict[str, Callable[[dict[str, bytes]], None]] = {
    "not json": lambda members: members.update(media=b"{not json"),
    "a list": lambda members: members.update(media=b"[]"),
    "names that are not text": lambda members: members.update(media=b'{"0": 5}'),
    "over the size cap": lambda members: members.update({"0": bytes(80 << 20)}),
}


@pytest.mark.parametrize("kind", sorted(UNREADABLE_MEDIA))
def test_a_deck_whose_media_cannot_be_read_gives_learners_its_images_again(
    kind: str, bank: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, run: Callable[..., Run]
) -> None:
    deck = _release_with_image(bank, tmp_path, monkeypatch)
    with zipfile.ZipFile(deck) as archive:
        members = {name: archive.read(name) for name in archive.namelist()}
    UNREADABLE_MEDIA[kind](members)
    with zipfile.ZipFile(deck, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    (bank / changes.LOCK_FILE).unlink()
    result = run("lock", "--from", str(deck), content=bank)
    assert result.exit_code == 0, result.stderr
    assert "2 unchanged notes keep their times, 1 changed" in result.stdout


def test_without_lock_or_deck_the_note_says_what_learners_lose(
    collection: Collection, content: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _, guid = _release_one(collection, content, tmp_path, monkeypatch)
    deck, notes = export(content, tmp_path / "release-2", previous_dir=str(tmp_path / "none"))
    (warning, recorded) = notes
    for words in ("never released before", "their own edits", "qexport lock --from"):
        assert words in warning
    assert "wrote it with 101 changes" in recorded
    # What the note warns of: every note updated, the learner's edit overwritten.
    assert import_deck(collection, deck) == Counts(0, 100, 0, 0)
    assert MNEMONIC not in _notes(collection)[guid]["Answer"]  # type: ignore[index]


def test_a_filtered_build_never_writes_a_partial_lock(
    collection: Collection,
    content: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    run: Callable[..., Run],
) -> None:
    release, guid = _release_one(collection, content, tmp_path, monkeypatch)
    result = run("anki", "--level", "basic", "--out", str(tmp_path / "basic"), content=content)
    assert result.exit_code == 0, result.stderr
    assert "not written: this build holds only some notes" in result.stdout + result.stderr
    assert not (content / changes.LOCK_FILE).exists()

    # So the next full build still rebuilds the lock from the deck learners have.
    deck, _ = export(content, tmp_path / "release-2", previous_dir=str(release))
    assert import_deck(collection, deck) == Counts(0, 0, 100, 0)
    assert MNEMONIC in _notes(collection)[guid]["Answer"]  # type: ignore[index]


def test_damaged_lock_message_no_longer_says_delete_it(
    content: Path, run: Callable[..., Run], tmp_path: Path
) -> None:
    (content / changes.LOCK_FILE).write_text("{", encoding="utf-8")
    result = run("anki", "--out", str(tmp_path / "dist"), content=content)
    assert result.exit_code == 1
    assert "qexport lock --from" in result.stderr
    assert "delete it to start over" not in result.stderr


def test_a_deck_of_another_set_is_refused(
    content: Path, run: Callable[..., Run], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SOURCE_DATE_EPOCH", str(T0))
    other = Path(__file__).parent / "fixtures" / "anki" / "previous-release.apkg"
    result = run("lock", "--from", str(other), content=content)
    assert result.exit_code == 1
    assert "holds no note of this set" in result.stderr
    assert not (content / changes.LOCK_FILE).exists()


# --- the deck is hostile input -------------------------------------------------------------


def _deck_with(tmp_path: Path, build: Callable[[sqlite3.Connection], None]) -> Path:
    database = tmp_path / "collection.anki2"
    database.unlink(missing_ok=True)
    connection = sqlite3.connect(database)
    build(connection)
    connection.commit()
    connection.close()
    deck = tmp_path / "hostile.apkg"
    with zipfile.ZipFile(deck, "w") as archive:
        archive.write(database, "collection.anki2")
    return deck


def _tables(connection: sqlite3.Connection, mod: object = T0, models: str = "{}") -> None:
    connection.execute("CREATE TABLE notes (guid, mod, flds, tags)")
    connection.execute("CREATE TABLE col (models)")
    connection.execute("INSERT INTO notes VALUES ('g', ?, 'a\x1fb', '')", (mod,))
    connection.execute("INSERT INTO col VALUES (?)", (models,))


HOSTILE: dict[str, Callable[[Path], Path]] = {
    "not a zip": lambda d: _file(d / "x.apkg", b"PK\x03\x04 junk"),
    "missing": lambda d: d / "gone.apkg",
    "no collection": lambda d: _zip(d, {"media": b"{}"}),
    "not sqlite": lambda d: _zip(d, {"collection.anki2": b"SQLite format 3\x00" + b"\xff" * 200}),
    "no notes table": lambda d: _deck_with(d, lambda c: c.execute("CREATE TABLE col (m)")),
    "notes is a view": lambda d: _deck_with(
        d,
        lambda c: c.executescript(
            "CREATE TABLE col (models); CREATE VIEW notes AS "
            "WITH RECURSIVE r(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM r) "
            "SELECT n AS guid, n AS mod, '' AS flds, '' AS tags FROM r"
        ),
    ),
    "mod is SQLite's largest integer": lambda d: _deck_with(
        d, lambda c: _tables(c, mod=2**63 - 1)
    ),
    "mod is infinite": lambda d: _deck_with(d, lambda c: _tables(c, mod=float("inf"))),
    "mod is negative": lambda d: _deck_with(d, lambda c: _tables(c, mod=-1)),
    "mod in the year 2107": lambda d: _deck_with(d, lambda c: _tables(c, mod=4_354_819_200)),
    "mod is text": lambda d: _deck_with(d, lambda c: _tables(c, mod="soon")),
    "models nested deep": lambda d: _deck_with(
        d, lambda c: _tables(c, models="[" * 100_000 + "]" * 100_000)
    ),
    "models with a huge number": lambda d: _deck_with(d, lambda c: _tables(c, models="1" * 5000)),
    "note type damaged": lambda d: _deck_with(
        d, lambda c: _tables(c, models=json.dumps({_model_id(): {"tmpls": 5}}))
    ),
    "damaged LZMA member": lambda d: _damaged_lzma(d),
    # A few bytes of SQL that would make a gigabyte string for each note when read.
    "generated fields": lambda d: _deck_with(
        d,
        lambda c: c.executescript(
            "CREATE TABLE col (models); INSERT INTO col VALUES ('{}'); "
            "CREATE TABLE notes (guid, mod, tags, flds GENERATED ALWAYS AS "
            "(printf('%.*c', 1000000, 'x')) VIRTUAL); INSERT INTO notes VALUES ('g', 1, '')"
        ),
    ),
    "notes is a virtual table": lambda d: _deck_with(
        d,
        lambda c: c.executescript(
            "CREATE TABLE col (models); INSERT INTO col VALUES ('{}'); "
            "CREATE VIRTUAL TABLE notes USING fts5(guid, mod, flds, tags); "
            "INSERT INTO notes VALUES ('g', 1, 'a', '')"
        ),
    ),
    "a note over 16 MiB": lambda d: _deck_with(
        d,
        lambda c: (
            _tables(c),
            c.execute("INSERT INTO notes VALUES ('h', 1, ?, '')", ("x" * (17 << 20),)),
        ),
    ),
    "a trigger": lambda d: _deck_with(
        d,
        lambda c: (
            _tables(c),
            c.execute("CREATE TRIGGER t AFTER INSERT ON col BEGIN DELETE FROM notes; END"),
        ),
    ),
}


def test_a_zip_bomb_is_refused_before_it_is_unpacked(
    content: Path, run: Callable[..., Run], tmp_path: Path
) -> None:
    """A small .apkg may unpack only to a bounded multiple of its size."""
    deck = _deck_with(tmp_path, _tables)
    padded = (tmp_path / "collection.anki2").read_bytes().ljust(80 << 20, b"\0")
    with zipfile.ZipFile(deck, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("collection.anki2", padded)
    assert deck.stat().st_size < 200_000
    result = run("lock", "--from", str(deck), content=content)
    assert result.exit_code == 1, result.stderr
    assert f"its collection.anki2 is over {64 << 20} bytes" in result.stderr
    assert not (content / changes.LOCK_FILE).exists()


def _damaged_lzma(directory: Path) -> Path:
    """An .apkg whose collection is LZMA-compressed, with its compressed bytes garbled."""
    deck = _deck_with(directory, _tables)
    data = (directory / "collection.anki2").read_bytes()
    with zipfile.ZipFile(deck, "w", compression=zipfile.ZIP_LZMA) as archive:
        archive.writestr("collection.anki2", data)
    raw = bytearray(deck.read_bytes())
    start = 30 + len("collection.anki2") + 4 + 5  # local header, name, LZMA header, props
    raw[start + 10 : start + 200] = bytes(range(190))
    deck.write_bytes(bytes(raw))
    return deck


def _model_id() -> str:
    return str(anki_ids.stable_id(load(CONTENT).question_set.meta.id, "notetype"))


def _file(path: Path, data: bytes) -> Path:
    path.write_bytes(data)
    return path


def _zip(directory: Path, members: dict[str, bytes]) -> Path:
    deck = directory / "z.apkg"
    with zipfile.ZipFile(deck, "w") as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return deck


@pytest.mark.parametrize("kind", sorted(HOSTILE))
def test_hostile_deck_is_a_clean_error(
    kind: str, content: Path, run: Callable[..., Run], tmp_path: Path
) -> None:
    deck = HOSTILE[kind](tmp_path)
    result = run("lock", "--from", str(deck), content=content)
    assert result.exit_code == 1, result.stderr
    assert result.stderr.startswith(f"qexport: cannot rebuild the lock file from {deck}: ")
    assert "internal error" not in result.stderr
    assert not (content / changes.LOCK_FILE).exists()


@pytest.mark.parametrize("kind", ["not sqlite", "damaged LZMA member", "generated fields"])
def test_a_hostile_previous_deck_stops_the_build_cleanly(
    kind: str, content: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SOURCE_DATE_EPOCH", str(T0))
    previous = tmp_path / "previous"
    previous.mkdir()
    HOSTILE[kind](tmp_path).rename(previous / DECK)
    with pytest.raises(QexportError, match="cannot rebuild the lock file"):
        export(content, tmp_path / "dist", previous_dir=str(previous))
    assert not (content / changes.LOCK_FILE).exists()


def _all(run: Callable[..., Run], content: Path, out: Path) -> Run:
    return run("all", "--out", str(out), "--jobs", "1", content=content)


def test_a_failed_release_keeps_learners_edits_once_the_content_is_restored(
    collection: Collection,
    content: Path,
    tmp_path: Path,
    run: Callable[..., Run],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    out = tmp_path / "dist"
    monkeypatch.setenv("SOURCE_DATE_EPOCH", str(T0))
    assert _all(run, content, out).exit_code == 0
    assert import_deck(collection, out / DECK).new == 100
    guid = _learner_edits(collection, content, "slots")
    lock = content / changes.LOCK_FILE
    released = lock.read_bytes()
    monkeypatch.setenv("SOURCE_DATE_EPOCH", str(LATER))  # a later day
    files = {p: p.read_bytes() for p in content.glob("*.md")}
    _edit_answer(content, "gil-basics", "例")  # the PDF fonts cannot show it
    failed = _all(run, content, out)
    assert failed.exit_code == 1
    assert "cannot show it" in failed.stderr
    assert lock.read_bytes() == released
    for path, data in files.items():
        path.write_bytes(data)
    again = _all(run, content, out)
    assert again.exit_code == 0, again.stderr
    assert "changes" not in again.stderr  # not a single change to record
    assert lock.read_bytes() == released
    assert import_deck(collection, out / DECK).updated == 0
    assert MNEMONIC in _notes(collection)[guid]["Answer"]  # type: ignore[index]


def test_a_lost_lock_is_rebuilt_from_the_deck_released_under_the_old_title(
    content: Path, tmp_path: Path, run: Callable[..., Run], monkeypatch: pytest.MonkeyPatch
) -> None:
    out = tmp_path / "dist"
    monkeypatch.setenv("SOURCE_DATE_EPOCH", str(T0))
    assert _all(run, content, out).exit_code == 0
    lock = content / changes.LOCK_FILE
    released = changes.read(lock)
    metadata = content / "set.toml"
    text = metadata.read_text(encoding="utf-8")
    title = 'title = "Python Interview Questions"'
    metadata.write_text(text.replace(title, 'title = "Python Questions"'), encoding="utf-8")
    lock.unlink()
    monkeypatch.setenv("SOURCE_DATE_EPOCH", str(LATER))
    result = _all(run, content, out)
    assert result.exit_code == 0, result.stderr
    assert f"rebuilt it from {out / DECK}" in result.stderr
    assert (out / "python-questions.apkg").is_file()
    rebuilt = changes.read(lock)
    notes = [key for key in released if key.startswith("note:")]
    assert len(notes) == 100
    assert {key: rebuilt[key].changed for key in notes} == {
        key: released[key].changed for key in notes
    }


def test_a_deck_of_another_set_is_never_taken_for_the_last_release(
    content: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SOURCE_DATE_EPOCH", str(T0))
    other = tmp_path / "other-set"
    shutil.copytree(GOOD, other)
    previous = tmp_path / "previous"
    export(other, previous)  # the small bank's deck, under a name this set never had
    _, notes = export(content, tmp_path / "new", previous_dir=str(previous))
    assert "no previous deck to rebuild it from" in notes[0]


def test_the_markup_compared_is_what_learners_meet_not_qexports_styling() -> None:
    from qexport.exporters.anki.lock_from_deck import visible

    assert visible('<p class="lead">Hi <code class="x">a</code></p>') == visible(
        "<p>Hi <code>a</code></p>"
    )
    assert visible('<a href="https://a.org/">docs</a>') != visible(
        '<a href="https://b.org/">docs</a>'
    )
    assert visible('<img src="a.png" alt="A">') != visible('<img src="a.png" alt="B">')


def test_an_old_deck_in_an_ordinary_folder_is_not_taken_for_the_last_release(
    bank: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, run: Callable[..., Run]
) -> None:
    # Only a release lists its deck; a copy lying in some folder may hold older times.
    monkeypatch.setenv("SOURCE_DATE_EPOCH", str(T0))
    downloads = tmp_path / "downloads"
    assert run("anki", "--out", str(downloads), content=bank).exit_code == 0
    (bank / changes.LOCK_FILE).unlink()
    text = (bank / "set.toml").read_text(encoding="utf-8")
    (bank / "set.toml").write_text(text.replace("Tiny Test Set", "Tiny Set"), encoding="utf-8")
    result = run("anki", "--out", str(downloads), content=bank)
    assert result.exit_code == 0, result.stderr
    assert "no previous deck to rebuild it from" in result.stderr


def test_a_single_deck_export_rebuilds_a_lost_lock_from_the_release_beside_the_content(
    content: Path, tmp_path: Path, run: Callable[..., Run], monkeypatch: pytest.MonkeyPatch
) -> None:
    """`qexport anki` writes into build/, and still finds the last release in dist/."""
    assert _all(run, content, tmp_path / "dist").exit_code == 0
    released = changes.read(content / changes.LOCK_FILE)
    (content / changes.LOCK_FILE).unlink()
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("SOURCE_DATE_EPOCH", str(LATER))
    result = run("anki", content=content)
    assert result.exit_code == 0, result.stderr
    assert (tmp_path / "build" / "python-interview-questions.apkg").is_file()
    assert f"rebuilt it from {tmp_path / 'dist'}" in result.stderr.replace("\n", " ")
    rebuilt = changes.read(content / changes.LOCK_FILE)
    assert {k: e.changed for k, e in rebuilt.items() if k.startswith("note:")} == {
        k: e.changed for k, e in released.items() if k.startswith("note:")
    }


def test_content_given_as_dot_still_finds_the_last_release(
    content: Path, run: Callable[..., Run], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """From inside the content folder, the release beside it is `../dist`, not `./dist`."""
    monkeypatch.setenv("SOURCE_DATE_EPOCH", str(T0))
    released = run("all", "--out", str(tmp_path / "dist"), "--jobs", "1", content=content)
    assert released.exit_code == 0, released.stderr
    (content / changes.LOCK_FILE).unlink()
    monkeypatch.chdir(content)
    result = run("anki", "--out", str(tmp_path / "build"), content=Path("."))
    assert result.exit_code == 0, result.stderr
    assert f"rebuilt it from {tmp_path / 'dist' / DECK}" in result.stderr
