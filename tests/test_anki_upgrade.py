"""Learners who imported the last release's deck import the next one without noticing.

`fixtures/anki/bundled-release-before-key-answers.apkg` is the bundled bank's deck
as `main` released it before key answers were added (commit 99b972a, `qexport all`
with the lock file of that commit; its sha256 below). Every later release
must import over it, in the real Anki engine, with nothing new, nothing conflicting,
changed notes updated in place, every review kept and one note type.
"""

from __future__ import annotations

import hashlib
import shutil
from collections.abc import Callable
from pathlib import Path

from anki.collection import Collection
from test_anki import import_deck

from qexport.loader import load

from conftest import CONTENT, Run

FIXTURE = Path(__file__).parent / "fixtures" / "anki" / "bundled-release-before-key-answers.apkg"
FIXTURE_SHA256 = "ee586d3bf09e959946fbb286efa8bf660becf15d1647bd1097f4b92475ecff61"


def _review(collection: Collection, count: int) -> None:
    """Answer `count` cards as a learner would ('Good'), so the collection has history."""
    deck = min(
        collection.decks.all_names_and_ids(), key=lambda d: len(d.name) if d.id != 1 else 999
    )
    collection.decks.select(deck.id)  # the imported deck, not Default
    for _ in range(count):
        card = collection.sched.getCard()
        assert card is not None
        collection.sched.answerCard(card, 3)


def _schedule(collection: Collection) -> dict[int, tuple[int, int, int, int]]:
    """Each card's scheduling: interval, due, repetitions and lapses, by card id."""
    cards = (collection.get_card(card_id) for card_id in collection.find_cards(""))
    return {card.id: (card.ivl, card.due, card.reps, card.lapses) for card in cards}


def test_the_next_release_imports_over_the_last_without_disruption(
    collection: Collection, run: Callable[..., Run], tmp_path: Path
) -> None:
    assert hashlib.sha256(FIXTURE.read_bytes()).hexdigest() == FIXTURE_SHA256
    first = import_deck(collection, FIXTURE)
    assert (first.new, first.conflicting) == (100, 0)
    _review(collection, 12)
    history = collection.db.scalar("select count() from revlog")
    assert history == 12
    schedule = _schedule(collection)
    notetypes = sorted(m.name for m in collection.models.all_names_and_ids())

    before = _ids(collection)

    content = tmp_path / "content"
    shutil.copytree(CONTENT, content)
    result = run("anki", "--out", str(tmp_path / "build"), content=content)
    assert result.exit_code == 0, result.stderr
    (deck,) = (tmp_path / "build").glob("*.apkg")
    upgrade = import_deck(collection, deck)
    # Every note of the last release still in the bank is met again and updated in place;
    # the only new notes are questions new in this release (range-vs-xrange made way for
    # exception-groups), and a question that left the bank keeps its note and its reviews.
    now = {q.id for q in load(content).question_set.questions}
    assert (upgrade.new, upgrade.conflicting) == (len(now - before), 0)
    assert now - before == {"exception-groups"}
    assert upgrade.updated == len(now & before) == 99
    assert collection.note_count() == collection.card_count() == len(now | before)
    assert sorted(m.name for m in collection.models.all_names_and_ids()) == notetypes
    assert collection.db.scalar("select count() from revlog") == history
    new_cards = set(_schedule(collection)) - set(schedule)
    assert {card: _schedule(collection)[card] for card in schedule} == schedule
    assert len(new_cards) == len(now - before)
    # The new content arrived in place: every note of the bank leads with its key answer,
    # and the note type that shows it was updated, not copied.
    notes = [collection.get_note(n) for n in collection.find_notes("")]
    answers = [note["Answer"] for note in notes if note["Id"] in now]
    assert len(answers) == len(now)
    assert all(answer.startswith('<div class="qx-key"') for answer in answers)
    (notetype,) = {note.note_type()["id"]: note.note_type() for note in notes}.values()
    assert ".qx-key" in notetype["css"]
    assert [field["name"] for field in notetype["flds"]] == [
        "Question",
        "Answer",
        "Id",
        "Level",
        "Topic",
    ]


def _ids(collection: Collection) -> set[str]:
    return {collection.get_note(n)["Id"] for n in collection.find_notes("")}
