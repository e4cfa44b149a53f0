"""The Anki deck, proven by importing it into the real Anki engine (the `anki` package).

Each test imports the generated .apkg into a fresh collection, with Anki's
default import options, and reads back notes, cards, decks, tags and guids.
"""

from __future__ import annotations

import json
import re
import shutil
import sqlite3
import subprocess
import sys
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest
from anki.collection import Collection, ImportAnkiPackageOptions, ImportAnkiPackageRequest

from qexport import anki_ids, changes
from qexport.exporter import Exporter
from qexport.exporters.anki import deck as anki_deck
from qexport.exporters.anki import notetype as anki_notetype
from qexport.loader import load
from qexport.registry import exporter_names, load_exporter
from qexport.tags import tags_for
from qexport.themes import load_theme

from conftest import CONTENT, FIXTURES, Run

DECK = "python-interview-questions.apkg"
T0 = 1_700_000_000  # SOURCE_DATE_EPOCH of the first release in these tests


@dataclass(frozen=True)
class Counts:
    new: int
    updated: int
    duplicate: int
    conflicting: int


def import_deck(col: Collection, apkg: Path) -> Counts:
    request = ImportAnkiPackageRequest(package_path=str(apkg), options=ImportAnkiPackageOptions())
    log = col.import_anki_package(request).log
    col.models._clear_cache()  # pylib caches note types across imports
    return Counts(len(log.new), len(log.updated), len(log.duplicate), len(log.conflicting))


@pytest.fixture
def build(
    run: Callable[..., Run], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Callable[..., Path]:
    """Export a deck from `content` at time `at`, into a fresh folder; returns the .apkg."""
    counter = iter(range(1000))

    def export(content: Path, at: int, *args: str) -> Path:
        monkeypatch.setenv("SOURCE_DATE_EPOCH", str(at))
        out = tmp_path / f"dist{next(counter)}"
        result = run("anki", "--out", str(out), *args, content=content)
        assert result.exit_code == 0, result.stderr
        (apkg,) = out.glob("*.apkg")
        return apkg

    return export


def _notes(col: Collection) -> dict[str, object]:
    return {col.get_note(nid).guid: col.get_note(nid) for nid in col.find_notes("")}


def _edit_answer(content: Path, question_id: str, extra: str) -> None:
    for path in content.glob("*.md"):
        text = path.read_text(encoding="utf-8")
        marker = f"{{#{question_id} "
        if marker in text:
            start = text.index(marker)
            end = text.find("\n{#", start + 1)
            end = len(text) if end == -1 else end
            body = text[start:end].rstrip("\n") + f"\n\n{extra}\n"
            path.write_text(text[:start] + body + text[end:], encoding="utf-8")
            return
    raise AssertionError(question_id)


def test_first_import(collection: Collection, content: Path, build: Callable[..., Path]) -> None:
    counts = import_deck(collection, build(content, T0))
    assert counts == Counts(100, 0, 0, 0)
    assert collection.note_count() == 100
    assert collection.card_count() == 100
    title = "Python Interview Questions"
    sizes = {
        name: len(collection.find_cards(f'"deck:{name}" -"deck:{name}::*"'))
        for name in (f"{title}::1 Basic", f"{title}::2 Intermediate", f"{title}::3 Advanced")
    }
    assert list(sizes.values()) == [30, 40, 30]

    question_set = load(content).question_set
    notes = _notes(collection)
    expected = {
        anki_ids.note_guid(question_set, q): tags_for(q, question_set.meta)
        for q in question_set.questions
    }
    assert set(notes) == set(expected)
    for guid, note in notes.items():
        assert sorted(note.tags) == sorted(expected[guid])  # type: ignore[attr-defined]
    ours = [m for m in collection.models.all_names_and_ids() if "(qexport)" in m.name]
    assert len(ours) == 1
    assert {n.mid for n in notes.values()} == {ours[0].id}  # type: ignore[attr-defined]


def test_same_release_again_changes_nothing(
    collection: Collection, content: Path, build: Callable[..., Path]
) -> None:
    apkg = build(content, T0)
    import_deck(collection, apkg)
    again = import_deck(collection, apkg)
    assert (again.new, again.updated, again.conflicting) == (0, 0, 0)


def test_rebuild_later_without_changes_changes_nothing(
    collection: Collection, content: Path, build: Callable[..., Path]
) -> None:
    first = build(content, T0)
    import_deck(collection, first)
    later = build(content, T0 + 86_400)
    assert later.read_bytes() == first.read_bytes()
    assert import_deck(collection, later) == Counts(0, 0, 100, 0)


def test_release_with_k_changed_answers_updates_exactly_those(
    collection: Collection, content: Path, build: Callable[..., Path]
) -> None:
    import_deck(collection, build(content, T0))
    question_set = load(content).question_set
    by_id = {q.id: q for q in question_set.questions}
    learner_guid = anki_ids.note_guid(question_set, by_id["slots"])
    learner_note = _notes(collection)[learner_guid]
    learner_note["Answer"] += "<p>My own mnemonic.</p>"  # type: ignore[index]
    collection.update_note(learner_note)  # type: ignore[arg-type]

    changed = ["gil-basics", "list-vs-tuple", "namespace-packages"]
    for question_id in changed:
        _edit_answer(content, question_id, "Corrected in the next release.")
    counts = import_deck(collection, build(content, T0 + 3600))
    assert counts == Counts(0, 3, 97, 0)

    notes = _notes(collection)
    for question_id in changed:
        note = notes[anki_ids.note_guid(question_set, by_id[question_id])]
        assert "Corrected in the next release." in note["Answer"]  # type: ignore[index]
    assert "My own mnemonic." in notes[learner_guid]["Answer"]  # type: ignore[index]


def test_new_question_is_one_new_note(
    collection: Collection, content: Path, build: Callable[..., Path]
) -> None:
    import_deck(collection, build(content, T0))
    with (content / "advanced.md").open("a", encoding="utf-8") as f:
        f.write(
            "\n{#exception-notes topic=errors}\n## What does `add_note` do to an exception?\n\n"
            "{.key}\nIt adds a line that the traceback prints after the message (3.11+).\n"
        )
    counts = import_deck(collection, build(content, T0 + 60))
    assert (counts.new, counts.updated, counts.conflicting) == (1, 0, 0)
    assert collection.note_count() == 101


def test_reworded_question_updates_the_same_note(
    collection: Collection, content: Path, build: Callable[..., Path]
) -> None:
    import_deck(collection, build(content, T0))
    question_set = load(content).question_set
    guid = anki_ids.note_guid(
        question_set, next(q for q in question_set.questions if q.id == "eq-vs-is")
    )
    note_id = _notes(collection)[guid].id  # type: ignore[attr-defined]
    basic = content / "basic.md"
    old = "## What is the difference between `==` and `is`?"
    text = basic.read_text(encoding="utf-8")
    assert old in text
    basic.write_text(text.replace(old, "## How do `==` and `is` differ?"), encoding="utf-8")

    counts = import_deck(collection, build(content, T0 + 60))
    assert (counts.new, counts.updated, counts.conflicting) == (0, 1, 0)
    note = _notes(collection)[guid]
    assert note.id == note_id  # type: ignore[attr-defined]
    assert note["Question"] == "How do <code>==</code> and <code>is</code> differ?"  # type: ignore[index]


def test_builds_are_byte_identical_and_follow_source_date_epoch(
    content: Path, build: Callable[..., Path], tmp_path: Path
) -> None:
    first = build(content, T0)
    second = build(content, T0)
    assert first.read_bytes() == second.read_bytes()
    with zipfile.ZipFile(first) as archive:
        assert {info.date_time for info in archive.infolist()} == {(2023, 11, 14, 22, 13, 20)}
        (tmp_path / "collection.anki2").write_bytes(archive.read("collection.anki2"))
    db = sqlite3.connect(tmp_path / "collection.anki2")
    assert {mod for (mod,) in db.execute("select mod from notes")} == {T0}
    db.close()


def test_filtered_deck_says_so_in_its_name(
    collection: Collection, content: Path, build: Callable[..., Path]
) -> None:
    apkg = build(content, T0, "--level", "basic")
    assert apkg.name == "python-interview-questions-level-basic.apkg"
    assert import_deck(collection, apkg).new == 30


def test_css_change_updates_the_note_type_in_place(
    collection: Collection,
    content: Path,
    build: Callable[..., Path],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import_deck(collection, build(content, T0))
    original = anki_notetype.css
    monkeypatch.setattr(anki_notetype, "css", lambda theme: original(theme) + "/* v2 */\n")
    counts = import_deck(collection, build(content, T0 + 60))
    assert (counts.new, counts.updated, counts.conflicting) == (0, 0, 0)
    ours = [m for m in collection.models.all() if "(qexport)" in m["name"]]
    assert len(ours) == 1
    assert ours[0]["css"].endswith("/* v2 */\n")


def test_note_type_is_frozen(content: Path, build: Callable[..., Path], tmp_path: Path) -> None:
    """Fields and templates must never change: Anki would refuse every update."""
    with zipfile.ZipFile(build(content, T0)) as archive:
        (tmp_path / "c.anki2").write_bytes(archive.read("collection.anki2"))
    db = sqlite3.connect(tmp_path / "c.anki2")
    (models,) = db.execute("select models from col").fetchone()
    db.close()
    (model,) = json.loads(models).values()
    frozen = {
        "id": model["id"],
        "fields": [f["name"] for f in model["flds"]],
        "templates": [t["name"] for t in model["tmpls"]],
        "sort_field": model["sortf"],
        "type": model["type"],
    }
    golden = json.loads((FIXTURES / "anki" / "notetype.json").read_text(encoding="utf-8"))
    assert frozen == golden


def test_cards_render_highlighted_code_for_day_and_night(
    collection: Collection, content: Path, build: Callable[..., Path]
) -> None:
    import_deck(collection, build(content, T0))
    answers = [collection.get_note(nid)["Answer"] for nid in collection.find_notes("")]
    assert sum('<pre class="highlight language-python wrap"' in a for a in answers) >= 80
    assert all(a.startswith('<div class="qx-key"') for a in answers)
    assert not any("<script" in a for a in answers)
    (model,) = [m for m in collection.models.all() if "(qexport)" in m["name"]]
    css = model["css"]
    for needle in (".nightMode .highlight .k", ".night_mode .highlight .k", "overflow-x: auto"):
        assert needle in css
    card = collection.get_card(collection.find_cards("")[0])
    assert 'class="qx-question"' in card.question()
    assert 'class="qx-answer"' in card.answer()


def test_damaged_lock_file_is_a_clean_error(
    run: Callable[..., Run], content: Path, tmp_path: Path
) -> None:
    (content / changes.LOCK_FILE).write_text("{not json", encoding="utf-8")
    result = run("anki", "--out", str(tmp_path / "dist"), content=content)
    assert result.exit_code == 1
    assert "the lock file is damaged" in result.stderr
    assert not (tmp_path / "dist" / DECK).exists()


PNG = bytes.fromhex(  # a valid 1x1 RGBA PNG (every chunk's CRC checks out)
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000d49444154789c63f8cfc0f01f00050001ff89993d1d0000000049454e44ae426082"
)


def test_images_in_answers_become_media(
    collection: Collection, bank: Path, build: Callable[..., Path]
) -> None:
    (bank / "images").mkdir()
    (bank / "images" / "gil diagram.png").write_bytes(PNG)
    with (bank / "advanced.md").open("a", encoding="utf-8") as f:
        f.write("\n![How threads take turns](<images/gil diagram.png>)\n")
    apkg = build(bank, T0)
    with zipfile.ZipFile(apkg) as archive:
        assert json.loads(archive.read("media")) == {"0": "gil diagram.png"}
        assert archive.read("0") == PNG
    assert import_deck(collection, apkg).new == 3
    (gil,) = [collection.get_note(n) for n in collection.find_notes("Id:gil")]
    assert '<img src="gil diagram.png" alt="How threads take turns" />' in gil["Answer"]
    assert (Path(collection.media.dir()) / "gil diagram.png").read_bytes() == PNG


def png(colour: tuple[int, int, int]) -> bytes:
    """A small PNG of one colour."""
    import io

    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (4, 4), colour).save(buffer, "PNG")
    return buffer.getvalue()


def test_a_replaced_image_reaches_learners(
    collection: Collection, bank: Path, build: Callable[..., Path]
) -> None:
    """Same file name, new pixels: the note is updated and Anki shows the new image."""
    red, blue = png((255, 0, 0)), png((0, 0, 255))
    (bank / "images").mkdir()
    (bank / "images" / "d.png").write_bytes(red)
    with (bank / "advanced.md").open("a", encoding="utf-8") as f:
        f.write("\n![The diagram](images/d.png)\n")
    assert import_deck(collection, build(bank, 1_700_000_000)) == Counts(3, 0, 0, 0)

    (bank / "images" / "d.png").write_bytes(blue)
    assert import_deck(collection, build(bank, 1_700_005_000)) == Counts(0, 1, 2, 0)
    (gil,) = [collection.get_note(n) for n in collection.find_notes("Id:gil")]
    (source,) = re.findall(r'<img src="([^"]+)"', gil["Answer"])
    assert (Path(collection.media.dir()) / source).read_bytes() == blue


def test_bundled_lock_file_is_current() -> None:
    """Content edits must come with their lock file: run `qexport anki` and commit both."""
    question_set = load(CONTENT).question_set
    theme = load_theme()
    hashes = anki_deck.lock_hashes(question_set, anki_notetype.css(theme))
    lock = changes.read(CONTENT / changes.LOCK_FILE)
    stale = sorted(
        key
        for key, digest in hashes.items()
        if lock.get(key, None) is None or lock[key].hash != digest
    )
    assert stale == []
    assert not changes.stamp(lock, hashes, changes.now(), prune=anki_deck.NOTE_KEY).dirty


def test_anki_is_a_registered_exporter_that_imports_genanki_lazily() -> None:
    assert "anki" in exporter_names()
    assert isinstance(load_exporter("anki"), Exporter)
    probe = "import sys, qexport.cli, qexport.exporters.anki; print('genanki' in sys.modules)"
    result = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == "False"


PREVIOUS_RELEASE = FIXTURES / "anki" / "previous-release.apkg"  # built by qexport 0.x, see below


def test_upgrade_from_the_previous_release_deck(
    collection: Collection, bank: Path, build: Callable[..., Path]
) -> None:
    """Decks now number notes differently; learners who have the old deck see no change.

    previous-release.apkg and its lock file were built from tests/fixtures/good/content
    with SOURCE_DATE_EPOCH=1700000000 by the code before note ids had a floor.
    """
    assert import_deck(collection, PREVIOUS_RELEASE) == Counts(3, 0, 0, 0)
    shutil.copy(FIXTURES / "anki" / "previous-release.lock.json", bank / changes.LOCK_FILE)
    counts = import_deck(collection, build(bank, T0 + 3600))
    assert (counts.new, counts.conflicting, counts.updated + counts.duplicate) == (0, 0, 3)
    question_set = load(bank).question_set
    assert set(_notes(collection)) == {
        anki_ids.note_guid(question_set, q) for q in question_set.questions
    }
    assert (collection.note_count(), collection.card_count()) == (3, 3)


def _check_database(collection: Collection) -> None:
    """Every card shows, and Anki's Check Database finds nothing to fix."""
    assert min(collection.find_notes("")) > 0
    assert min(collection.find_cards("")) > 0
    for card_id in collection.find_cards(""):
        assert collection.get_card(card_id).question()
    message, ok = collection.fix_integrity()
    assert ok
    assert len(message.splitlines()) == 1, message  # only "Database rebuilt and optimized."


def test_source_date_epoch_zero_gives_a_deck_anki_accepts(
    collection: Collection, bank: Path, build: Callable[..., Path]
) -> None:
    assert import_deck(collection, build(bank, 0)).new == 3
    _check_database(collection)


def test_lock_times_of_zero_give_a_deck_anki_accepts(
    collection: Collection, bank: Path, build: Callable[..., Path]
) -> None:
    build(bank, T0)
    lock = bank / changes.LOCK_FILE
    changes.write(lock, {k: changes.Entry(0, e.hash) for k, e in changes.read(lock).items()})
    apkg = build(bank, T0)
    with zipfile.ZipFile(apkg) as archive:
        database = bank.parent / "zero.anki2"
        database.write_bytes(archive.read("collection.anki2"))
    db = sqlite3.connect(database)
    assert {mod for (mod,) in db.execute("select mod from notes")} == {0}
    db.close()
    assert import_deck(collection, apkg).new == 3
    _check_database(collection)


@pytest.mark.parametrize("where", ["collection", "zip"])
def test_a_full_disk_is_a_clean_error(
    where: str,
    run: Callable[..., Run],
    bank: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import errno

    import genanki

    def full_database(*args: object, **kwargs: object) -> None:
        raise sqlite3.OperationalError("database or disk is full")

    def full_disk(*args: object, **kwargs: object) -> None:
        raise OSError(errno.ENOSPC, "No space left on device")

    if where == "collection":
        monkeypatch.setattr(genanki.Package, "write_to_db", full_database)
    else:
        monkeypatch.setattr(zipfile.ZipFile, "writestr", full_disk)
    out = tmp_path / "dist"
    result = run("anki", "--out", str(out), content=bank)
    assert result.exit_code == 1, result.stderr
    assert "cannot write" in result.stderr
    assert ("disk is full" if where == "collection" else "No space left") in result.stderr
    assert "internal error" not in result.stderr
    assert not list(out.glob("*.apkg"))


def _lock_without_markers(content: Path) -> dict[str, changes.Entry]:
    """The lock file as a release before any re-delivery marker wrote it: each note's hash
    from its source alone, its time kept. Written back; returned."""
    question_set = load(content).question_set
    lock_path = content / changes.LOCK_FILE
    entries = changes.read(lock_path)
    for card in anki_deck.notes_for(question_set):
        q = card.question
        level, topic = question_set.level(q.level).label, question_set.topic(q.topic).label
        parts = [anki_deck.RENDER_VERSION, q.id, q.question, q.key, q.answer, level, topic]
        old_hash = changes.digest_of([*parts, *card.tags, *q.images])
        key = anki_deck.NOTE_KEY + q.id
        entries[key] = changes.Entry(entries[key].changed, old_hash)
    changes.write(lock_path, entries)
    return entries


def test_notes_with_anki_markup_are_delivered_again_once_defused(
    collection: Collection, content: Path, build: Callable[..., Path]
) -> None:
    # Releases before the markup was defused gave learners a live [sound:] tag: the lock
    # file of such a release holds hashes without the marker, and only that note moves.
    _edit_answer(content, "list-vs-tuple", "Hear it: [sound:list.mp3]")
    import_deck(collection, build(content, T0))
    question_set = load(content).question_set
    entries = _lock_without_markers(content)
    css = anki_notetype.css(load_theme("default"))
    assert anki_deck.lock_hashes(question_set, css) != {k: e.hash for k, e in entries.items()}
    counts = import_deck(collection, build(content, T0 + 100))
    assert (counts.new, counts.updated, counts.conflicting) == (0, 1, 0)
    (card,) = [c for c in collection.find_cards("Id:list-vs-tuple")]
    assert collection.get_card(card).answer_av_tags() == []


def test_notes_with_html_bare_urls_or_image_sizes_are_delivered_again_once(
    collection: Collection, content: Path, build: Callable[..., Path]
) -> None:
    # Releases before the HTML subset showed `<sub>` as text and a bare URL unlinked: a
    # lock file of such a release holds hashes without the marker, and only those notes move.
    _edit_answer(content, "list-vs-tuple", "Water is H<sub>2</sub>O.")
    _edit_answer(content, "python-overview", "See https://docs.python.org/3/.")
    _edit_answer(content, "memory-management", "A <span>span</span> stays text, as before.")
    import_deck(collection, build(content, T0))
    _lock_without_markers(content)
    counts = import_deck(collection, build(content, T0 + 100))
    assert (counts.new, counts.updated, counts.conflicting) == (0, 2, 0)
    (card,) = collection.find_cards("Id:list-vs-tuple")
    assert "H<sub>2</sub>O" in collection.get_card(card).note()["Answer"]


def _our_css(collection: Collection) -> str:
    (model,) = [m for m in collection.models.all() if "(qexport)" in m["name"]]
    return str(model["css"])


def test_switching_the_theme_and_back_gives_learners_the_last_one(
    collection: Collection, bank: Path, build: Callable[..., Path]
) -> None:
    """Anki has one note type for the set: its time moves whenever its theme does."""
    decks = [build(bank, T0), build(bank, T0 + 1000, "--theme", "print"), build(bank, T0 + 2000)]
    for deck in decks:
        import_deck(collection, deck)
    assert _our_css(collection) == anki_notetype.css(load_theme("default"))
    lock = changes.read(bank / changes.LOCK_FILE)
    assert lock[anki_deck.NOTETYPE_KEY].changed == T0 + 2000
    assert {e.changed for k, e in lock.items() if k.startswith(anki_deck.NOTE_KEY)} == {T0}


def _one_time_per_theme(lock: Path, times: dict[str, int]) -> None:
    """Rewrite `lock` as qexport wrote it before: a note type time per theme."""
    question_set = load(lock.parent).question_set
    entries = {k: e for k, e in changes.read(lock).items() if not k.startswith("notetype")}
    for name, changed in times.items():
        css = anki_notetype.css(load_theme(name))
        digest = anki_deck.lock_hashes(question_set, css)[anki_deck.NOTETYPE_KEY]
        entries[f"notetype:{name}"] = changes.Entry(changed, digest)
    changes.write(lock, entries)


def test_an_older_lock_of_this_theme_keeps_every_time(
    bank: Path, build: Callable[..., Path]
) -> None:
    first = build(bank, T0)
    lock = bank / changes.LOCK_FILE
    current = lock.read_text(encoding="utf-8")
    _one_time_per_theme(lock, {"default": T0})
    again = build(bank, T0 + 1000)
    assert again.read_bytes() == first.read_bytes()
    assert lock.read_text(encoding="utf-8") == current  # written in the current layout


def test_an_older_lock_with_another_theme_shipped_last_updates_the_note_type(
    collection: Collection, bank: Path, build: Callable[..., Path]
) -> None:
    import_deck(collection, build(bank, T0))
    import_deck(collection, build(bank, T0 + 1000, "--theme", "print"))
    lock = bank / changes.LOCK_FILE
    _one_time_per_theme(lock, {"default": T0, "print": T0 + 1000})
    import_deck(collection, build(bank, T0 + 2000))
    assert _our_css(collection) == anki_notetype.css(load_theme("default"))
    assert set(changes.read(lock)) >= {anki_deck.NOTETYPE_KEY}
    assert not [key for key in changes.read(lock) if key.startswith("notetype:")]


@pytest.mark.parametrize(
    ("before", "after"),
    [
        ("See [the docs](https://docs.python.org/3/).", "See [the docs](https://example.org/)."),
        ("It is **not** thread-safe.", "It is not thread-safe."),
        ("Call `eval` on it.", "Call eval on it."),
    ],
    ids=["link target", "emphasis", "inline code"],
)
def test_a_lock_rebuilt_from_a_deck_sees_what_learners_see_change(
    content: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    run: Callable[..., Run],
    before: str,
    after: str,
) -> None:
    # Same text, other link or formatting: learners must still get it.
    _edit_answer(content, "gil-basics", before)
    monkeypatch.setenv("SOURCE_DATE_EPOCH", str(T0))
    assert run("anki", "--out", str(tmp_path / "r1"), content=content).exit_code == 0
    (content / changes.LOCK_FILE).unlink()
    for path in content.glob("*.md"):
        path.write_text(path.read_text(encoding="utf-8").replace(before, after), encoding="utf-8")
    result = run("lock", "--from", str(tmp_path / "r1" / DECK), content=content)
    assert result.exit_code == 0, result.stderr
    assert "99 unchanged notes keep their times, 1 changed and 0 new" in result.stdout
