"""A learner's Anki collection, in the real engine: notes made, reviewed, decks imported."""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from conftest import Run


def review(col: Any, card_id: int) -> None:
    """Answer the card Good, as a learner would: one review in its history."""
    from anki.scheduler.v3 import CardAnswer

    card = col.get_card(card_id)
    card.start_timer()
    states = col._backend.get_scheduling_states(card.id)
    col.sched.answer_card(col.sched.build_answer(card=card, states=states, rating=CardAnswer.GOOD))


def import_package(col: Any, apkg: Path) -> Any:
    """Import `apkg` with Anki's default options; the import log."""
    from anki.collection import ImportAnkiPackageOptions, ImportAnkiPackageRequest

    request = ImportAnkiPackageRequest(package_path=str(apkg), options=ImportAnkiPackageOptions())
    log = col.import_anki_package(request).log
    col.models._clear_cache()  # pylib caches note types across imports
    return log


def later() -> str:
    """A SOURCE_DATE_EPOCH after every note the test made: Anki updates a note only from a
    newer one, and a real release comes after the import it follows."""
    return str(int(time.time()) + 3600)


def build_deck(run: Callable[..., Run], content: Path, out: Path) -> Path:
    """`qexport anki` of `content` into `out`; the deck."""
    result = run("anki", "--out", str(out), content=content)
    assert result.exit_code == 0, result.stderr
    (apkg,) = out.glob("*.apkg")
    return apkg


def revlog_count(col: Any) -> int:
    return int(col.db.scalar("select count() from revlog"))


def export_package(col: Any, out: Path, legacy: bool) -> Path:
    """The whole collection as Anki exports a package: today's format, or the legacy one."""
    from anki.collection import ExportAnkiPackageOptions

    options = ExportAnkiPackageOptions(
        with_scheduling=True, with_deck_configs=False, with_media=True, legacy=legacy
    )
    col.export_anki_package(out_path=str(out), options=options, limit=None)
    return out


def export_notes_as_text(col: Any, out: Path) -> Path:
    """The whole collection as Anki's "Notes in Plain Text", with every column it offers."""
    col.export_note_csv(
        out_path=str(out),
        limit=None,
        with_html=True,
        with_tags=True,
        with_deck=True,
        with_notetype=True,
        with_guid=True,
    )
    return out
