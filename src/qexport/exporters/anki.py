"""`qexport anki`: an Anki deck that learners can re-import after every release.

What makes a re-import clean (measured against Anki itself, see tests/test_anki.py):
- each note's guid comes from the set id and the question id, never the text;
- each note's modification time is when its content last changed, kept in
  the content's lock file, so unchanged notes stay untouched and changed ones
  update (Anki applies only newer notes);
- the note type has a fixed id, and its fields never change;
- the same content and lock file give a byte-identical .apkg.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from qexport import DEFAULT_THEME
from qexport.errors import QexportError
from qexport.exporters import theme_option
from qexport.registry import Artifact

if TYPE_CHECKING:
    from qexport.model import QuestionSet


class AnkiExporter:
    name = "anki"
    description = "An Anki deck (.apkg) that updates cleanly when re-imported."
    options: Sequence[click.Option] = (
        theme_option(),
        click.Option(
            ["--preview"],
            type=click.Path(path_type=Path, file_okay=False),
            default=None,
            help="Also write every card's front and back, day and night, as HTML pages here.",
        ),
    )

    def export(
        self, question_set: QuestionSet, options: Mapping[str, Any], out_dir: Path
    ) -> list[Artifact]:
        # Everything heavy is imported here, so that `qexport --help` stays fast.
        from qexport import changes
        from qexport.exporters import anki_notetype as notetype
        from qexport.exporters.anki_deck import (
            NOTE_KEY,
            NOTETYPE_KEY,
            cards_for,
            content_hashes,
            write_apkg,
            write_preview,
        )
        from qexport.themes import load_theme

        theme = load_theme(str(options.get("theme") or DEFAULT_THEME))
        css = notetype.css(theme)
        cards = cards_for(question_set)

        lock_path = question_set.content_dir / changes.LOCK_FILE
        previous = changes.read(lock_path)
        hashes = content_hashes(question_set, cards, theme, css)
        # Only a full export knows which questions are gone; themes are never forgotten.
        prune = NOTE_KEY if question_set.selection.is_everything else None
        stamped = changes.stamp(previous, hashes, changes.now(), prune=prune)

        path = out_dir / question_set.file_name(extension="apkg")
        notetype_changed = stamped.changed[NOTETYPE_KEY + theme.name]
        write_apkg(path, question_set, cards, css, stamped, notetype_changed)
        if options.get("preview") is not None:
            language = question_set.meta.language
            write_preview(Path(options["preview"]), cards, css, theme, language)
        notes: tuple[str, ...] = ()
        if stamped.dirty:
            if not options.get("record_changes", True):
                raise QexportError(
                    f"{lock_path} does not match the content; run qexport all (or qexport anki) "
                    "and commit the updated lock file"
                )
            changes.write(lock_path, stamped.entries)
            moved = sum(previous.get(k) != e for k, e in stamped.entries.items())
            notes = (
                f"{lock_path}: recorded {moved} change{'s' if moved != 1 else ''}; "
                "commit it with the content",
            )
        recorded = {"theme": theme.name, "selection": question_set.selection.slug() or "all"}
        return [Artifact(path, self.name, recorded, notes)]
