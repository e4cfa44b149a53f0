"""`qexport lock --from DECK`: rebuild the lock file from the deck learners last got."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import click

from qexport import changes
from qexport.errors import QexportError

if TYPE_CHECKING:
    from qexport.model import QuestionSet


def rebuild_lock(question_set: QuestionSet, deck: Path, theme: str, replace: bool) -> None:
    """Notes that are the same in `deck` keep its change times; the others get a new one."""
    from qexport.exporters.anki import lock_from_deck
    from qexport.exporters.anki.deck import deck_inputs, stamp_lock
    from qexport.themes import load_theme

    lock_path = question_set.content_dir / changes.LOCK_FILE
    if not deck.is_file():  # a device or a pipe would be read for ever
        why = "it is not a file" if deck.exists() else "there is no such file"
        raise QexportError(
            f"cannot rebuild the lock file from {deck}: {why}; name the .apkg of the last release"
        )
    if lock_path.exists() and not replace:
        try:
            changes.read(lock_path)
        except QexportError:
            pass  # damaged: what this command is for
        else:
            raise QexportError(
                f"{lock_path} is there and reads fine, so nothing is lost; to replace its "
                "times with the deck's all the same, run again with --replace"
            )
    loaded = load_theme(theme, question_set.content_dir)
    cards, css, hashes = deck_inputs(question_set, loaded)
    wanted = lock_from_deck.expected(question_set, cards, css)
    rebuilt = lock_from_deck.from_deck(deck, question_set, wanted, hashes)
    if not rebuilt.entries:
        raise QexportError(
            f"{deck} holds no note of this set (set id {question_set.meta.id}): "
            "is it the deck of another bank?"
        )
    stamped = stamp_lock(rebuilt.entries, hashes, loaded, full=True)
    changes.write(lock_path, stamped.entries)
    click.echo(f"{lock_path}: rebuilt from {deck}: {rebuilt.summary()}")
    click.echo("Commit it with the content.")
