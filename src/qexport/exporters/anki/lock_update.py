"""Recording what changed since the last release in the lock file: the deck's one write.

Runs once, on the whole set, before any exporter starts (`AnkiExporter.record`):
each note and the note type get their last change time, kept in
`content/qexport.lock.json`. Building the deck then only reads it, so every
exporter of a release sees the same lock file, and a build never writes into
the content folder.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from qexport import changes
from qexport.errors import QexportError
from qexport.exporter import Recorded
from qexport.files import sha256_file

if TYPE_CHECKING:
    from qexport.exporters.anki.lock_from_deck import Rebuilt
    from qexport.model import QuestionSet
    from qexport.themes import Theme

NO_LOCK = (
    "{lock}: there was no lock file, and no previous deck to rebuild it from, so every note "
    "gets a new change time. That is right for a bank never released before. If this bank "
    "was released before, learners who import this deck get every note as updated, and "
    "their own edits to those notes are overwritten: before releasing, restore the lock file "
    "from version control, or run `qexport lock --from LAST-RELEASE.apkg` with the deck "
    "learners last got."
)
PARTIAL_LOCK = (
    "{lock}: not written: this build holds only some notes, and there is no previous deck "
    "to rebuild the lock file from; a lock file written now would give every note a new "
    "change time, overwriting learners' own edits. Run `qexport anki` without --level, "
    "--topic or --tag to write it."
)
OUT_OF_DATE = (
    "{lock} does not match the content; run qexport all (or qexport anki) and commit the "
    "updated lock file"
)


@dataclass(frozen=True)
class Expected:
    """What the deck is made of, as the lock file's hashes see it."""

    hashes: Mapping[str, str]
    wanted: Mapping[str, tuple[str, tuple[str, ...]]]  # visible text and tags, by note key


def update_lock(
    question_set: QuestionSet,
    theme: Theme,
    previous_release: Path | None,
    check: bool,
    partial: bool = False,
) -> Recorded:
    """Record each note's and the note type's last change in the lock file.

    `question_set` is the whole set; `partial` says the build that follows
    holds only some notes (it never starts a lock file from nothing then).
    Without a lock file, the times are rebuilt from the deck of
    `previous_release` that learners last got. With `check`, nothing is
    written: a lock file that would change is a QexportError.
    """
    from qexport.exporters.anki import lock_from_deck, notetype
    from qexport.exporters.anki.deck import lock_hashes, notes_for, stamp_lock

    lock_path = question_set.content_dir / changes.LOCK_FILE
    deck_name = question_set.file_name(theme.file_part, extension="apkg")
    css = notetype.css(theme)
    hashes = lock_hashes(question_set, css)  # from the source: nothing is rendered
    existed = lock_path.exists()
    if existed:
        previous, notes = changes.read(lock_path), list[str]()
    else:  # rebuilt from the deck learners have: compared by what they see
        wanted = lock_from_deck.expected(question_set, notes_for(question_set), css)
        previous, notes, rebuilt = _without_lock(
            lock_path, previous_release, deck_name, question_set, Expected(hashes, wanted)
        )
        if partial and not rebuilt:
            return Recorded((PARTIAL_LOCK.format(lock=lock_path),))
    stamped = stamp_lock(previous, hashes, theme, full=True)
    if not stamped.dirty and existed:
        return Recorded(tuple(notes))
    if check:
        raise QexportError(OUT_OF_DATE.format(lock=lock_path))
    changes.write(lock_path, stamped.entries)
    moved = sum(previous.get(k) != e for k, e in stamped.entries.items())
    count = f"{moved} change{'s' if moved != 1 else ''}"
    done = f"recorded {count}" if existed else f"wrote it with {count}"
    notes.append(f"{lock_path}: {done}; commit it with the content")
    return Recorded(tuple(notes), {changes.LOCK_FILE: sha256_file(lock_path)})


def _without_lock(
    lock_path: Path,
    previous_release: Path | None,
    name: str,
    question_set: QuestionSet,
    expected: Expected,
) -> tuple[dict[str, changes.Entry], list[str], bool]:
    """Lock entries rebuilt from the deck learners last got, a note saying so, and whether
    there was such a deck."""
    from qexport.exporters.anki import lock_from_deck

    nothing: tuple[dict[str, changes.Entry], list[str], bool] = (
        {},
        [NO_LOCK.format(lock=lock_path)],
        False,
    )
    if previous_release is None:
        return nothing
    deck = previous_release / name
    if deck.is_file():
        rebuilt = lock_from_deck.from_deck(deck, question_set, expected.wanted, expected.hashes)
    else:  # the title, and with it the file name, changed since that release
        found = _deck_of_this_set(previous_release, question_set, expected)
        if found is None:
            return nothing
        deck, rebuilt = found
    note = (
        f"{lock_path}: there was no lock file; rebuilt it from {deck}, the release this "
        f"deck replaces: {rebuilt.summary()}"
    )
    return rebuilt.entries, [note], True


def _deck_of_this_set(
    previous_release: Path, question_set: QuestionSet, expected: Expected
) -> tuple[Path, Rebuilt] | None:
    """The previous release's deck holding the most notes of this set, under any name.

    Only a deck a qexport release lists as the anki exporter's counts: an old
    copy lying in some folder may hold older times. A filtered deck holds fewer
    notes, a deck of another set none; one that cannot be read safely is passed over.
    """
    from qexport import manifest
    from qexport.exporters.anki import lock_from_deck

    listed = manifest.read(previous_release) or ()
    names = {str(a["path"]) for a in listed if a["exporter"] == "anki"}
    best: tuple[Path, Rebuilt] | None = None
    for name in sorted(names):  # sorted: ties go the same way each time
        deck = previous_release / name
        if deck.suffix != ".apkg" or deck.is_symlink() or not deck.is_file():
            continue
        try:
            rebuilt = lock_from_deck.from_deck(
                deck, question_set, expected.wanted, expected.hashes
            )
        except QexportError:
            continue
        held = rebuilt.kept + rebuilt.changed
        if held and (best is None or held > best[1].kept + best[1].changed):
            best = deck, rebuilt
    return best
