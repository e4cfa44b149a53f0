"""The deck behind `qexport anki`: note fields, change hashes, the .apkg and previews.

Kept apart from the exporter class so that listing the commands imports none of it.
"""

from __future__ import annotations

import itertools
import json
import sqlite3
import tempfile
import zipfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timezone
from functools import cache
from html import escape
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import unquote

from qexport import anki_ids, changes
from qexport.changes import NOTE_KEY
from qexport.errors import QexportError
from qexport.exporters.anki import notetype
from qexport.model import Question, QuestionSet
from qexport.render_cache import RenderCache
from qexport.tags import tags_for
from qexport.themes import Theme

if TYPE_CHECKING:
    import genanki

# Bump when the card HTML for the same Markdown changes enough that learners
# should receive it: every note then counts as changed once.
# 2: key answers, code lines that wrap on phones, GFM tables and strikethrough.
RENDER_VERSION = "2"
ZIP_EPOCH = 315532800  # 1980-01-01, the earliest time a zip entry can hold
# Anki has one note type per set, whatever the theme: one change time for it, which
# moves whenever the note type shipped differs from the last one shipped.
NOTETYPE_KEY = "notetype"
CARD_HTML = "card-html"  # the render cache's kind for a card's front and back
THEME_NOTETYPE_KEY = "notetype:"  # lock files before that kept notetype:<theme> keys


@dataclass(frozen=True)
class NoteContent:
    """One note's fields as HTML, ready for the deck or a preview."""

    question: Question
    fields: Mapping[str, str]
    tags: tuple[str, ...]
    deck: str


def notes_for(question_set: QuestionSet, cache: RenderCache | None = None) -> list[NoteContent]:
    """Every note's fields; the HTML of questions rendered before comes from `cache`
    (by default the user's, on disk)."""
    from qexport.render import defuse_anki_markup

    rendered = card_html(question_set.questions, cache or RenderCache.user())
    cards = []
    for question in question_set.questions:
        front, back = rendered[question.id]
        values = {
            "Question": front,
            "Answer": back,
            "Id": escape(question.id),
            "Level": defuse_anki_markup(escape(question_set.level(question.level).label)),
            "Topic": defuse_anki_markup(escape(question_set.topic(question.topic).label)),
        }
        deck = anki_ids.deck_name(question_set, question.level)
        cards.append(NoteContent(question, values, tags_for(question, question_set.meta), deck))
    return cards


def card_html(questions: Sequence[Question], cache: RenderCache) -> dict[str, list[str]]:
    """Each question's front and back HTML, by id: from `cache`, or rendered and cached."""
    keys = {q.id: RenderCache.key(CARD_HTML, [q.question, q.key, q.answer]) for q in questions}
    known = cache.get_many(list(keys.values()))
    missing = [q for q in questions if not _is_card_html(known.get(keys[q.id]))]
    if missing:
        from qexport.media import card_file_name
        from qexport.render import HtmlRenderer  # Pygments: only on a miss

        renderer = HtmlRenderer(image_src=lambda src: card_file_name(unquote(src)))
        made = {
            keys[q.id]: [
                renderer.render_inline(q.question),
                renderer.render_answer(q.key, q.answer),
            ]
            for q in missing
        }
        cache.put_many(made)
        cache.flush()
        known.update(made)
    return {q.id: known[keys[q.id]] for q in questions}


def _is_card_html(value: object) -> bool:
    """Whether a cached value has the shape card_html stores: a damaged entry is a miss."""
    return isinstance(value, list) and len(value) == 2 and all(isinstance(v, str) for v in value)


def _note_hash(question_set: QuestionSet, q: Question, images: Mapping[str, str]) -> str:
    # The source, not the HTML: a newer Pygments must not mark every note as changed
    # (and recording what changed renders nothing). An image's bytes, not just its
    # name: a redrawn diagram must reach learners.
    from qexport.render import holds_newer_markup, may_hold_anki_markup

    level, topic = question_set.level(q.level).label, question_set.topic(q.topic).label
    tags = tags_for(q, question_set.meta)
    parts = [RENDER_VERSION, q.id, q.question, q.key, q.answer, level, topic, *tags, *q.images]
    parts += [images[image] for image in q.images]
    if q.guid or q.notetype:  # moved from another deck (only then: other hashes stay)
        parts += ["kept", q.guid, q.notetype]
    if any(may_hold_anki_markup(part) for part in (q.question, q.key, q.answer, level, topic)):
        # Anki markup is shown as text since render 1 + this marker: re-deliver just these notes.
        parts.append("anki-markup-defused")
    if any(holds_newer_markup(part) for part in (q.question, q.key, q.answer)):
        # Raw HTML tags, bare URLs and image sizes render since this marker: the same.
        parts.append("html-subset-linkify")
    return changes.digest_of(parts)


def _notetype_hash(question_set: QuestionSet, css: str) -> str:
    parts = [anki_ids.notetype_name(question_set), css, notetype.FRONT, notetype.BACK]
    for kept in question_set.meta.notetypes:  # they ship the same CSS, at the same time
        parts += [str(kept.id), kept.name, *kept.fields, "", *kept.templates, ""]
        parts += [side for template in notetype.kept_templates(kept) for side in template.values()]
    return changes.digest_of(parts)


def deck_inputs(
    question_set: QuestionSet, theme: Theme
) -> tuple[list[NoteContent], str, dict[str, str]]:
    """What a deck is made of, for the build and for a lock rebuilt from a deck alike:
    its cards, the note type's CSS, and the lock file's hashes."""
    css = notetype.css(theme)
    return notes_for(question_set), css, lock_hashes(question_set, css)


def lock_hashes(question_set: QuestionSet, css: str) -> dict[str, str]:
    """The lock file's keys and hashes for this deck: one per note, one for the note type
    (its `css`). From the source alone: nothing is rendered."""
    questions = question_set.questions
    images = image_digests(question_set, questions)
    hashes = {NOTE_KEY + q.id: _note_hash(question_set, q, images) for q in questions}
    hashes[NOTETYPE_KEY] = _notetype_hash(question_set, css)
    return hashes


def image_digests(question_set: QuestionSet, questions: Sequence[Question]) -> dict[str, str]:
    """The sha256 of each image the questions' answers show, by its path in the content."""
    from qexport.files import sha256_file

    digests = {}
    for image in sorted({image for question in questions for image in question.images}):
        path = question_set.content_dir / image
        try:
            digests[image] = sha256_file(path)
        except OSError as exc:  # checked when loaded, but it may have gone since
            raise QexportError(f"cannot read {path}: {exc.strerror or exc}") from None
    return digests


def upgrade_lock(entries: Mapping[str, changes.Entry], theme: Theme) -> dict[str, changes.Entry]:
    """`entries` with the note type's times per theme (older lock files) made one.

    Learners have the note type shipped last, the one with the latest time. It
    keeps its time if it is this theme's (its hash is the same as now); if it
    may be another theme's, the note type gets a newer time, so learners get it.
    """
    by_theme = {k: e for k, e in entries.items() if k.startswith(THEME_NOTETYPE_KEY)}
    upgraded = {k: e for k, e in entries.items() if k not in by_theme}
    if not by_theme or NOTETYPE_KEY in upgraded:
        return upgraded
    latest = max(entry.changed for entry in by_theme.values())
    mine = by_theme.get(THEME_NOTETYPE_KEY + theme.name)
    shipped = {e.hash for e in by_theme.values() if e.changed == latest}
    same = mine is not None and mine.changed == latest and shipped == {mine.hash}
    upgraded[NOTETYPE_KEY] = changes.Entry(latest, mine.hash if same and mine else changes.DIFFERS)
    return upgraded


def stamp_lock(
    previous: Mapping[str, changes.Entry], hashes: Mapping[str, str], theme: Theme, full: bool
) -> changes.Stamped:
    """This deck's change times, from the lock file's entries in any layout qexport wrote."""
    upgraded = upgrade_lock(previous, theme)
    # Only a full export knows which questions are gone.
    stamped = changes.stamp(upgraded, hashes, changes.now(), prune=NOTE_KEY if full else None)
    if upgraded != previous:  # an older lock file's layout: write the current one
        stamped = replace(stamped, dirty=True)
    return stamped


def write_apkg(
    path: Path,
    question_set: QuestionSet,
    cards: Sequence[NoteContent],
    css: str,
    stamped: changes.Stamped,
    notetype_changed: int,
) -> None:
    import genanki

    TimedNote, TimedModel = _timed_classes()
    set_id = question_set.meta.id
    model = TimedModel(
        notetype_changed,
        model_id=anki_ids.stable_id(set_id, "notetype"),
        name=anki_ids.notetype_name(question_set),
        fields=[{"name": name} for name in notetype.FIELDS],
        templates=notetype.templates(),
        css=css,
        sort_field_index=notetype.FIELDS.index(notetype.SORT_FIELD),
    )
    # Note types kept from a deck the bank was imported from: same ids and names, our look.
    models = {
        kept.key: TimedModel(
            notetype_changed,
            model_id=kept.id,
            name=kept.name,
            fields=[{"name": name} for name in kept.fields],
            templates=notetype.kept_templates(kept),
            css=css,
        )
        for kept in question_set.meta.notetypes
    }
    decks: dict[str, genanki.Deck] = {}
    for card in cards:
        if card.deck not in decks:
            deck_id = anki_ids.stable_id(set_id, "deck", card.question.level)
            decks[card.deck] = genanki.Deck(deck_id, card.deck)
        note = TimedNote(
            stamped.changed[NOTE_KEY + card.question.id],
            model=models.get(card.question.notetype, model),
            fields=note_fields(question_set, card),
            tags=list(card.tags),
            guid=anki_ids.note_guid(question_set, card.question),
            due=card.question.number,
        )
        decks[card.deck].add_note(note)
    images = sorted({image for card in cards for image in card.question.images})
    media = [question_set.content_dir / image for image in images]
    package = genanki.Package(list(decks.values()), media_files=[str(m) for m in media])
    _write_package(path, package, media, stamped.latest)


@cache
def _timed_classes() -> tuple[Any, Any]:
    """genanki's Note and Model, stamped with the time their own content last changed."""
    import genanki

    class TimedNote(genanki.Note):  # type: ignore[misc]
        def __init__(self, changed: int, **kwargs: Any) -> None:
            super().__init__(**kwargs)
            self.changed = changed

        def write_to_db(self, cursor: Any, timestamp: float, deck_id: int, id_gen: Any) -> None:
            super().write_to_db(cursor, self.changed, deck_id, id_gen)

    class TimedModel(genanki.Model):  # type: ignore[misc]
        def __init__(self, changed: int, **kwargs: Any) -> None:
            super().__init__(**kwargs)
            self.changed = changed

        def to_json(self, timestamp: float, deck_id: int) -> dict[str, Any]:
            return dict(super().to_json(self.changed, deck_id))

    return TimedNote, TimedModel


def note_fields(question_set: QuestionSet, card: NoteContent) -> list[str]:
    """The note's fields in its note type's order.

    A note moved from another deck keeps its note type: question, answer, the rest
    emptied (`qexport import` moved what they held into the answer).
    """
    if not card.question.notetype:
        return [card.fields[name] for name in notetype.FIELDS]
    kept = question_set.meta.notetype(card.question.notetype)
    question, answer = card.fields["Question"], card.fields["Answer"]
    return [question, answer] + [""] * (len(kept.fields) - 2)


def _write_package(path: Path, package: genanki.Package, media: Sequence[Path], at: int) -> None:
    """genanki's Package.write_to_file, made reproducible, or a QexportError if it cannot."""
    try:
        _write_package_files(path, package, media, at)
    except (OSError, sqlite3.Error) as exc:  # a full disk, a file that vanished, ...
        reason = getattr(exc, "strerror", None) or exc
        raise QexportError(f"cannot write {path.name}: {reason}") from None


def first_id(at: int) -> int:
    """The first note id of a deck whose latest change is at `at`; card ids follow.

    Anki reads ids as creation times in milliseconds, and an id of 0 breaks a
    collection (the card cannot be shown; Check Database fails), so ids never
    start before ZIP_EPOCH, however early SOURCE_DATE_EPOCH or the lock file says.
    """
    return max(at, ZIP_EPOCH) * 1000


def _write_package_files(
    path: Path, package: genanki.Package, media: Sequence[Path], at: int
) -> None:
    """Fixed ids (consecutive from first_id), order and zip times."""
    with tempfile.TemporaryDirectory(dir=path.parent) as scratch:
        database = Path(scratch) / "collection.anki2"
        connection = sqlite3.connect(database)
        try:
            ids = itertools.count(first_id(at))
            package.write_to_db(connection.cursor(), at, ids)
            connection.commit()
        finally:
            connection.close()
        entries = [("collection.anki2", database.read_bytes())]
        names = {str(index): m.name for index, m in enumerate(media)}
        entries.append(("media", json.dumps(names, sort_keys=True).encode()))
        entries += [(str(index), m.read_bytes()) for index, m in enumerate(media)]
        stamp = datetime.fromtimestamp(max(at, ZIP_EPOCH), tz=timezone.utc).timetuple()[:6]
        with zipfile.ZipFile(path, "w") as archive:
            for name, data in entries:
                info = zipfile.ZipInfo(name, date_time=stamp)
                info.compress_type = zipfile.ZIP_DEFLATED
                info.create_system = 3  # Unix, wherever the deck is built
                info.external_attr = 0o644 << 16
                archive.writestr(info, data)
