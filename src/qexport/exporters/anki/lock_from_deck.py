"""Rebuilding the lock file from a deck that learners already have.

The lock file's change times are what keeps learners' own edits: Anki
applies an incoming note only if it is newer than their copy. Without the
lock, every note would get a new time and overwrite those edits. A previous
release's deck recorded the same times, so a note that shows learners the
same in that deck as what qexport renders now keeps the deck's time; the note
type likewise (its name, CSS and templates). Anything else gets a new time
later than the deck's, so learners receive it.

Notes are compared by what learners see, not by their HTML: another Pygments
marks up the same code differently, and counting that as a change would
overwrite every learner's edits to notes with code. Such a styling difference
reaches learners with the note's next real change.

The deck is untrusted input (a zip holding an SQLite file): every way it can
be wrong is a clean QexportError.
"""

from __future__ import annotations

import hashlib
import itertools
import json
import lzma
import re
import shutil
import sqlite3
import sys
import tempfile
import unicodedata
import zipfile
import zlib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from html import unescape
from pathlib import Path, PurePosixPath
from typing import Any

from qexport import anki_ids, changes
from qexport.changes import NOTE_KEY
from qexport.errors import QexportError
from qexport.exporters.anki import notetype
from qexport.exporters.anki.deck import NOTETYPE_KEY, NoteContent, image_digests, note_fields
from qexport.model import QuestionSet
from qexport.untrusted_sqlite import open_untrusted

COLLECTION = "collection.anki2"
MAX_COLLECTION = 1 << 30  # bytes; far above any deck within qexport's limits
# A collection may be this many times its .apkg's size (or MIN_COLLECTION_CAP): decks
# compress about 10 times, so only a zip bomb goes past it.
MAX_RATIO = 100
MIN_COLLECTION_CAP = 64 << 20
MAX_VALUE = 16 << 20  # characters in one note's fields or tags, or in the note types
MAX_MEDIA_LIST = 16 << 20  # bytes of the deck's list of media file names
TABLES = ("notes", "col")  # the only tables read
NOTETYPE = "notetype"  # the note type's identity among the deck's guids


@dataclass(frozen=True)
class InDeck:
    """What a deck holds for one note (or the note type), and when it changed."""

    changed: int
    content: tuple[str, ...]


@dataclass(frozen=True)
class Rebuilt:
    """Lock entries rebuilt from a deck, and how many notes each way went."""

    entries: dict[str, changes.Entry]
    kept: int
    changed: int
    new: int
    notetype_kept: bool

    def summary(self) -> str:
        kept = "kept" if self.notetype_kept else "updated"
        unchanged = (
            "1 unchanged note keeps its time"
            if self.kept == 1
            else f"{self.kept} unchanged notes keep their times"
        )
        return (
            f"{unchanged}, {self.changed} changed and {self.new} new get a new one; "
            f"the note type is {kept}"
        )


def note_content(
    fields: Sequence[str], tags: Iterable[str], media: Mapping[str, str]
) -> tuple[str, ...]:
    """What a learner sees of a note: each field's text and images, and its tags.

    `media` gives the sha256 of each media file by its name: an image replaced
    under the same name is a change.
    """
    parts = []
    for field in fields:
        text, images, live = visible(field)
        pixels = [media.get(unicodedata.normalize("NFC", image), "") for image in images]
        parts += [text, "\x1f".join(images), "\x1f".join(pixels), live]
    return (*parts, " ".join(sorted(tags)))


# A tag never spans a "<", so finding them all is linear even in a hostile deck.
_HTML_TAG = re.compile(r"<[^<>]*>")
_PRE = re.compile(r"</?pre\b", re.IGNORECASE)
_IMG = re.compile(r"<img\b", re.IGNORECASE)
_WHITESPACE = re.compile(r"\s")


def visible(html: str) -> tuple[str, tuple[str, ...], str]:
    """One field as a learner sees it: its markup and text, its images, any live Anki markup.

    Links, emphasis and inline code are what a learner sees and follows, so
    outside code blocks the markup counts. Inside <pre> only the text counts,
    with its indentation: the highlighting spans there are Pygments', and a
    newer Pygments must not count as a change. Whitespace elsewhere is
    collapsed. Anki markup such as [sound:x] in the source plays instead of
    showing (qexport writes it defused).
    """
    from qexport.render import may_hold_anki_markup

    text: list[str] = []
    images: list[str] = []
    live = False
    preformatted = 0
    tags = _HTML_TAG.finditer(html)
    for piece, markup in itertools.zip_longest(_HTML_TAG.split(html), tags):
        live = live or may_hold_anki_markup(piece)
        piece = unescape(piece)
        if preformatted:  # kept exactly: only whitespace outside <pre> is collapsed below
            piece = _WHITESPACE.sub(lambda m: f"\0{ord(m.group()):x};", piece)
        text.append(piece)
        if markup is None:
            continue
        tag = markup.group()
        if _PRE.match(tag):
            preformatted = max(0, preformatted + (-1 if tag[1] == "/" else 1))
            text.append(" ")  # whether a line break sits beside a code block is not seen
        elif not preformatted:
            text.append(_seen(tag))
        if _IMG.match(tag):
            images.append(_seen_attributes(tag).get("src", ""))
    return " ".join("".join(text).split()), tuple(images), "live" if live else ""


_TAG_NAME = re.compile(r"</?\s*([A-Za-z][A-Za-z0-9]*)")
_SEEN_ATTRIBUTE = re.compile(
    r"""\s(href|src|alt)\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s"'>]+))""", re.IGNORECASE
)


def _seen(tag: str) -> str:
    """A tag as far as a learner meets it: its name, where it links, what it shows.

    Classes and other attributes are qexport's own styling, not the content.
    """
    name = _TAG_NAME.match(tag)
    if name is None:
        return tag
    kept = "".join(f" {key}={value!r}" for key, value in _seen_attributes(tag).items())
    return f"<{'/' if tag[1:2] == '/' else ''}{name.group(1).lower()}{kept}>"


def _seen_attributes(tag: str) -> dict[str, str]:
    """The href, src and alt of `tag`, decoded, by lower-case name (the first of each)."""
    found: dict[str, str] = {}
    for match in _SEEN_ATTRIBUTE.finditer(tag):
        value = next(v for v in match.groups()[1:] if v is not None)
        found.setdefault(match.group(1).lower(), unescape(value))
    return found


def notetype_content(
    name: str, css: str, templates: Sequence[Mapping[str, Any]]
) -> tuple[str, ...]:
    parts = [name, css]
    for template in templates:
        parts += [str(template.get(k)) for k in ("name", "qfmt", "afmt")]
    return tuple(parts)


def expected(
    question_set: QuestionSet, cards: Sequence[NoteContent], css: str
) -> dict[str, tuple[str, tuple[str, ...]]]:
    """For each lock key: its identity in a deck, and the content qexport writes now."""
    media = {
        unicodedata.normalize("NFC", PurePosixPath(image).name): digest
        for image, digest in image_digests(question_set, [c.question for c in cards]).items()
    }
    wanted = {
        NOTE_KEY + card.question.id: (
            anki_ids.note_guid(question_set, card.question),
            note_content(note_fields(question_set, card), card.tags, media),
        )
        for card in cards
    }
    name = anki_ids.notetype_name(question_set)
    wanted[NOTETYPE_KEY] = (
        NOTETYPE,
        notetype_content(name, css, notetype.templates()),
    )
    return wanted


def rebuild(
    recorded: Mapping[str, InDeck],
    wanted: Mapping[str, tuple[str, tuple[str, ...]]],
    hashes: Mapping[str, str],
) -> Rebuilt:
    """Lock entries: the deck's time where the content is the same, a stale entry where not.

    A stale entry keeps the deck's time with a hash that never matches, so
    changes.stamp gives it a time later than the deck's, even if the clock lags.
    """
    entries: dict[str, changes.Entry] = {}
    kept = moved = new = 0
    for key, (identity, content) in wanted.items():
        old = recorded.get(identity)
        if old is None:
            new += key.startswith(NOTE_KEY)
            continue
        same = old.content == content
        entries[key] = changes.Entry(old.changed, hashes[key] if same else changes.DIFFERS)
        if key.startswith(NOTE_KEY):
            kept, moved = kept + same, moved + (not same)
    kept_notetype = entries.get(NOTETYPE_KEY)
    notetype_kept = kept_notetype is not None and kept_notetype.hash != changes.DIFFERS
    return Rebuilt(entries, kept, moved, new, notetype_kept)


def _refuse(path: Path, reason: str) -> QexportError:
    return QexportError(f"cannot rebuild the lock file from {path}: {reason}")


def read_deck(path: Path, model_id: int) -> dict[str, InDeck]:
    """What the deck at `path` recorded: notes by guid, and our note type as NOTETYPE."""
    with tempfile.TemporaryDirectory() as scratch:
        database = Path(scratch) / COLLECTION
        media = _extract(path, database)
        try:
            return _read_collection(path, database, model_id, media)
        except sqlite3.Error as exc:
            raise _refuse(path, f"its collection cannot be read ({exc})") from None


def _extract(path: Path, database: Path) -> dict[str, str]:
    """Unpack the deck's collection to `database`; return the sha256 of its media files."""
    try:
        with zipfile.ZipFile(path) as archive:
            # Anki's own exports keep the real collection in .anki21 beside a stub .anki2.
            names = set(archive.namelist())
            name = next((n for n in (COLLECTION + "1", COLLECTION) if n in names), None)
            if name is None:
                raise _refuse(path, f"it holds no {COLLECTION}: not an Anki deck")
            info = archive.getinfo(name)
            cap = collection_cap(path.stat().st_size)
            if info.file_size > cap:
                raise _refuse(
                    path, f"its {COLLECTION} is over {cap} bytes: not a deck qexport wrote"
                )
            # A member never yields more than its stated size, so this is bounded.
            with archive.open(info) as source, database.open("wb") as target:
                shutil.copyfileobj(source, target)
            return _media_digests(archive, cap)
    except QexportError:
        raise
    except OSError as exc:
        raise _refuse(path, exc.strerror or str(exc)) from None
    except (
        zipfile.BadZipFile,
        zlib.error,
        lzma.LZMAError,
        EOFError,
        ValueError,
        RuntimeError,
        NotImplementedError,
    ) as exc:
        # RuntimeError: an encrypted member; NotImplementedError: an unknown compression.
        # (A damaged bzip2 member raises OSError, caught above.)
        raise _refuse(path, f"not a readable .apkg ({exc})") from None


def _media_digests(archive: zipfile.ZipFile, cap: int) -> dict[str, str]:
    """The sha256 of each media file in the deck, by the name notes refer to it by.

    A media list that cannot be read (another format, damage, over `cap` bytes in
    all) gives {}: notes with images then count as changed, so learners get them.
    """
    names = set(archive.namelist())
    if "media" not in names or archive.getinfo("media").file_size > MAX_MEDIA_LIST:
        return {}
    try:
        listed = json.loads(archive.read("media"))
    except (ValueError, RecursionError):
        return {}
    if not isinstance(listed, dict):
        return {}
    members = [
        (unicodedata.normalize("NFC", name), archive.getinfo(member))
        for member, name in listed.items()
        if isinstance(name, str) and member in names
    ]
    if sum(info.file_size for _, info in members) > cap:
        return {}
    digests = {}
    for name, info in members:
        digest = hashlib.sha256()
        with archive.open(info) as source:  # bounded by its stated size, like the collection
            for block in iter(lambda: source.read(1 << 20), b""):
                digest.update(block)
        digests[name] = digest.hexdigest()
    return digests


def collection_cap(apkg_size: int) -> int:
    """The largest collection an .apkg of `apkg_size` bytes may unpack to."""
    return min(MAX_COLLECTION, max(MIN_COLLECTION_CAP, MAX_RATIO * apkg_size))


def _read_collection(
    path: Path, database: Path, model_id: int, media: Mapping[str, str]
) -> dict[str, InDeck]:
    connection = open_untrusted(database)
    try:
        if sys.version_info >= (3, 11):  # no value, even a computed one, may grow past this
            connection.setlimit(sqlite3.SQLITE_LIMIT_LENGTH, MAX_VALUE)
        _check_schema(path, connection)
        recorded = {}
        for guid, mod, fields, tags in connection.execute(
            "SELECT guid, mod, flds, tags FROM notes"
        ):
            if not (isinstance(guid, str) and isinstance(fields, str) and isinstance(tags, str)):
                raise _refuse(path, "a note's guid, fields or tags are not text")
            recorded[guid] = InDeck(
                _time(path, mod), note_content(fields.split("\x1f"), tags.split(), media)
            )
        row = connection.execute("SELECT models FROM col").fetchone()
        model = _model(path, row[0] if row else None, model_id)
        if model is not None:
            recorded[NOTETYPE] = model
        return recorded
    finally:
        connection.close()


def _check_schema(path: Path, connection: sqlite3.Connection) -> None:
    """Refuse a collection whose reading would run code: only plain stored tables.

    A view, a virtual table or a generated column computes its values when read
    (a few bytes of SQL can make gigabytes); triggers have no place in a deck.
    """
    kinds = dict(connection.execute("SELECT name, type FROM sqlite_master"))
    if kinds.get("notes") != "table" or kinds.get("col") != "table":
        raise _refuse(path, "its collection has no notes or col table")
    if any(kind in ("view", "trigger") for kind in kinds.values()):
        raise _refuse(path, "its collection has views or triggers: not an Anki deck")
    for table in TABLES:
        (sql,) = connection.execute(
            "SELECT sql FROM sqlite_master WHERE type = 'table' AND name = ?", (table,)
        ).fetchone()
        columns = connection.execute(f"PRAGMA table_xinfo({table})").fetchall()
        # table_xinfo's last column, hidden, is 0 for a plain stored column.
        if not str(sql).upper().startswith("CREATE TABLE") or any(c[-1] != 0 for c in columns):
            raise _refuse(path, f"its {table} table computes its values: not an Anki deck")
    too_long = connection.execute(
        "SELECT (SELECT count(*) FROM notes WHERE length(guid) > :cap OR length(flds) > :cap "
        "OR length(tags) > :cap) + (SELECT count(*) FROM col WHERE length(models) > :cap)",
        {"cap": MAX_VALUE},
    ).fetchone()[0]
    if too_long:
        raise _refuse(
            path, f"it holds a value over {MAX_VALUE} characters: not a deck qexport wrote"
        )


def _time(path: Path, value: object) -> int:
    problem = changes.time_problem(value)
    if problem is not None:
        raise _refuse(path, problem)
    assert isinstance(value, int)
    return value


def _model(path: Path, models_json: object, model_id: int) -> InDeck | None:
    """The deck's copy of this set's note type, if it has one."""
    try:
        models = json.loads(models_json) if isinstance(models_json, str) else None
    except (ValueError, RecursionError) as exc:
        raise _refuse(path, f"its note types are damaged ({exc})") from None
    if not isinstance(models, dict):
        raise _refuse(path, "its note types are damaged")
    model = models.get(str(model_id))
    if model is None:
        return None
    try:
        templates = [dict(t) for t in model["tmpls"]]
        content = notetype_content(str(model["name"]), str(model["css"]), templates)
        return InDeck(_time(path, model["mod"]), content)
    except (KeyError, TypeError, ValueError) as exc:
        raise _refuse(path, f"its note type is damaged ({exc})") from None


def from_deck(
    path: Path,
    question_set: QuestionSet,
    wanted: Mapping[str, tuple[str, tuple[str, ...]]],
    hashes: Mapping[str, str],
) -> Rebuilt:
    """Lock entries rebuilt from the deck at `path`, for the content qexport has now."""
    recorded = read_deck(path, anki_ids.stable_id(question_set.meta.id, "notetype"))
    return rebuild(recorded, wanted, hashes)
