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

    content = tmp_path / "content"
    shutil.copytree(CONTENT, content)
    result = run("anki", "--out", str(tmp_path / "build"), content=content)
    assert result.exit_code == 0, result.stderr
    (deck,) = (tmp_path / "build").glob("*.apkg")
    upgrade = import_deck(collection, deck)
    assert (upgrade.new, upgrade.conflicting) == (0, 0)
    assert upgrade.updated + upgrade.duplicate == 100  # each note met again, in place
    assert collection.note_count() == collection.card_count() == 100
    assert sorted(m.name for m in collection.models.all_names_and_ids()) == notetypes
    assert collection.db.scalar("select count() from revlog") == history
    assert _schedule(collection) == schedule
    # The new content arrived in place: every note leads with its key answer, and the
    # note type that shows it was updated, not copied.
    assert upgrade.updated == 100
    answers = [collection.get_note(n)["Answer"] for n in collection.find_notes("")]
    assert all(answer.startswith('<div class="qx-key"') for answer in answers)
    (notetype,) = {
        collection.get_note(n).note_type()["id"]: collection.get_note(n).note_type()
        for n in collection.find_notes("")
    }.values()
    assert ".qx-key" in notetype["css"]
    assert [field["name"] for field in notetype["flds"]] == [
        "Question",
        "Answer",
        "Id",
        "Level",
        "Topic",
    ]
