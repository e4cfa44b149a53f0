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
from qexport.registry import Artifact, record_content_written

if TYPE_CHECKING:
    from qexport.changes import Entry
    from qexport.exporters.anki.lock_from_deck import Rebuilt
    from qexport.model import QuestionSet

NO_LOCK = (
    "{lock}: there was no lock file, and no previous deck to rebuild it from, so every note "
    "gets a new change time. That is right for a bank never released before. If this bank "
    "was released before, learners who import this deck get every note as updated, and "
    "their own edits to those notes are overwritten: before releasing, restore the lock file "
    "from version control, or run `qexport lock --from LAST-RELEASE.apkg` with the deck "
    "learners last got."
)


PARTIAL_LOCK = (
    "{lock}: not written: this build holds only some notes, and a lock file of some notes "
    "would give every other note a new change time in the next full build, overwriting "
    "learners' own edits. Run `qexport anki` without --level, --topic or --tag to write it."
)


class AnkiExporter:
    name = "anki"
    description = "An Anki deck (.apkg) that updates cleanly when re-imported."
    records_changes = True  # it writes the lock file
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
        from qexport.exporters.anki import lock_from_deck
        from qexport.exporters.anki.deck import NOTETYPE_KEY, deck_inputs, stamp_lock, write_apkg
        from qexport.exporters.anki.preview import write_preview
        from qexport.themes import load_theme

        theme = load_theme(str(options.get("theme") or DEFAULT_THEME))
        cards, css, hashes = deck_inputs(question_set, theme)

        lock_path = question_set.content_dir / changes.LOCK_FILE
        path = out_dir / question_set.file_name(theme.file_part, extension="apkg")
        lock_existed = lock_path.exists()
        if lock_existed:
            previous, notes = changes.read(lock_path), list[str]()
        else:
            wanted = lock_from_deck.expected(question_set, cards, css)
            previous_dir = options.get("previous_dir")  # the release this build replaces
            folder = Path(previous_dir) if previous_dir else None
            previous, notes = _without_lock(
                lock_path, folder, path.name, question_set, wanted, hashes
            )
        stamped = stamp_lock(previous, hashes, theme, question_set.selection.is_everything)

        notetype_changed = stamped.changed[NOTETYPE_KEY]
        write_apkg(path, question_set, cards, css, stamped, notetype_changed)
        if options.get("preview") is not None:
            language = question_set.meta.language
            preview = Path(options["preview"])
            write_preview(preview, question_set.content_dir, cards, css, theme, language)
        from qexport.manifest import sha256_file

        wrote: dict[str, str] = {}  # reported, so `qexport all` tells it from an edit
        if not lock_existed and not question_set.selection.is_everything:
            notes.append(PARTIAL_LOCK.format(lock=lock_path))
        elif stamped.dirty or not lock_existed:
            if not options.get("record_changes", True):
                raise QexportError(
                    f"{lock_path} does not match the content; run qexport all (or qexport anki) "
                    "and commit the updated lock file"
                )
            changes.write(lock_path, stamped.entries)
            wrote[changes.LOCK_FILE] = sha256_file(lock_path)
            if "record_changes" in options:  # a release's job: it may fail before returning
                record_content_written(out_dir, wrote, question_set.content_dir)
            moved = sum(previous.get(k) != e for k, e in stamped.entries.items())
            count = f"{moved} change{'s' if moved != 1 else ''}"
            done = f"recorded {count}" if lock_existed else f"wrote it with {count}"
            notes.append(f"{lock_path}: {done}; commit it with the content")
        recorded = {"theme": theme.name, "selection": question_set.selection.slug() or "all"}
        return [Artifact(path, self.name, recorded, tuple(notes), content_written=wrote)]


def _without_lock(
    lock_path: Path,
    previous_dir: Path | None,
    name: str,
    question_set: QuestionSet,
    wanted: Mapping[str, tuple[str, tuple[str, ...]]],
    hashes: Mapping[str, str],
) -> tuple[dict[str, Entry], list[str]]:
    """Lock entries rebuilt from the deck this build replaces, and a note saying so."""
    from qexport.exporters.anki import lock_from_deck

    if previous_dir is None:
        return {}, [NO_LOCK.format(lock=lock_path)]
    deck = previous_dir / name
    if deck.is_file():
        rebuilt = lock_from_deck.from_deck(deck, question_set, wanted, hashes)
    else:  # the title, and with it the file name, changed since that release
        found = _deck_of_this_set(previous_dir, question_set, wanted, hashes)
        if found is None:
            return {}, [NO_LOCK.format(lock=lock_path)]
        deck, rebuilt = found
    note = (
        f"{lock_path}: there was no lock file; rebuilt it from {deck}, the release this "
        f"deck replaces: {rebuilt.summary()}"
    )
    return rebuilt.entries, [note]


def _deck_of_this_set(
    previous_dir: Path,
    question_set: QuestionSet,
    wanted: Mapping[str, tuple[str, tuple[str, ...]]],
    hashes: Mapping[str, str],
) -> tuple[Path, Rebuilt] | None:
    """The previous release's deck holding the most notes of this set, under any name.

    Only a deck a qexport release lists as the anki exporter's counts: an old
    copy lying in some folder may hold older times. A filtered deck holds fewer
    notes, a deck of another set none; one that cannot be read safely is passed over.
    """
    from qexport import manifest
    from qexport.exporters.anki import lock_from_deck

    listed = manifest.read(previous_dir) or ()
    names = {str(a["path"]) for a in listed if a["exporter"] == "anki"}
    best: tuple[Path, Rebuilt] | None = None
    for name in sorted(names):  # sorted: ties go the same way each time
        deck = previous_dir / name
        if deck.suffix != ".apkg" or deck.is_symlink() or not deck.is_file():
            continue
        try:
            rebuilt = lock_from_deck.from_deck(deck, question_set, wanted, hashes)
        except QexportError:
            continue
        held = rebuilt.kept + rebuilt.changed
        if held and (best is None or held > best[1].kept + best[1].changed):
            best = deck, rebuilt
    return best
