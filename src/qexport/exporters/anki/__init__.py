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
from qexport.errors import ContentError, ContentWarning, QexportError
from qexport.exporters import theme_option

if TYPE_CHECKING:
    from qexport.exporter import Artifact, Recorded
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

    record_options = ("theme",)  # one note type per set: a release records one theme's

    def check(
        self, question_set: QuestionSet, options: Mapping[str, Any]
    ) -> list[ContentError | ContentWarning]:
        """No content problem of its own; an unsafe --preview folder is refused up front,
        before the lock file is recorded."""
        if options.get("preview") is not None:
            from qexport.exporters.anki.preview import preview_folder, previous_pages

            preview = Path(options["preview"])
            previous_pages(preview_folder(preview, question_set.content_dir), preview)
        return []

    def record(
        self,
        question_set: QuestionSet,
        options: Mapping[str, Any],
        *,
        previous_release: Path | None,
        check: bool = False,
        partial: bool = False,
    ) -> Recorded:
        """Record what changed since the last release in the lock file (see lock_update)."""
        from qexport.exporters.anki.lock_update import update_lock
        from qexport.themes import load_theme

        theme = load_theme(str(options.get("theme") or DEFAULT_THEME), question_set.content_dir)
        return update_lock(question_set, theme, previous_release, check, partial)

    def export(
        self, question_set: QuestionSet, options: Mapping[str, Any], out_dir: Path
    ) -> list[Artifact]:
        # Everything heavy is imported here, so that `qexport --help` stays fast.
        from qexport import changes
        from qexport.exporter import Artifact
        from qexport.exporters.anki.deck import NOTETYPE_KEY, deck_inputs, stamp_lock, write_apkg
        from qexport.exporters.anki.lock_update import OUT_OF_DATE
        from qexport.exporters.anki.preview import write_preview
        from qexport.themes import load_theme

        theme = load_theme(str(options.get("theme") or DEFAULT_THEME), question_set.content_dir)
        cards, css, hashes = deck_inputs(question_set, theme)
        lock_path = question_set.content_dir / changes.LOCK_FILE
        path = out_dir / question_set.file_name(theme.file_part, extension="apkg")
        # The lock file as `record` left it; none only for a part of a set never released.
        lock_existed = lock_path.exists()
        previous = changes.read(lock_path) if lock_existed else {}
        full = question_set.selection.is_everything
        stamped = stamp_lock(previous, hashes, theme, full)
        if stamped.dirty and lock_existed:
            raise QexportError(OUT_OF_DATE.format(lock=lock_path))
        write_apkg(path, question_set, cards, css, stamped, stamped.changed[NOTETYPE_KEY])
        if options.get("preview") is not None:
            write_preview(Path(options["preview"]), question_set, cards, css, theme)
        recorded = {"theme": theme.name, "selection": question_set.selection.slug() or "all"}
        return [Artifact(path, self.name, recorded)]
