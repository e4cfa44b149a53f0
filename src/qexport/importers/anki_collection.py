"""Notes, note types, decks and cards from an Anki collection (an SQLite file).

Two schemas are read: the old one (Anki 2.1.49 and older, genanki, and a
legacy export), which keeps note types and decks as JSON in the `col` row,
and the new one (schema 15+), which keeps them in tables with protobuf
configs. The file comes from an untrusted package, so it is opened read-only
from the caller's private copy, queries are cut off after a time limit (a view
can loop), and every value is checked for its type before use.
"""

from __future__ import annotations

import json
import sqlite3
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from qexport.errors import ContentError
from qexport.importers import protowire
from qexport.importers.source import MAX_FIELD_CHARS, MAX_NOTES, SourceNote, SourceNotetype
from qexport.untrusted_sqlite import open_untrusted

MAX_SECONDS = 60.0
PROGRESS_STEPS = 10_000  # SQLite instructions between looks at the clock
_REQUIRED = ("col", "notes", "cards")


@dataclass
class _Cards:
    """What the reader needs from a note's cards."""

    first_ord: int
    deck_id: int
    count: int = 0
    reviewed: bool = False


def read_collection(db_path: Path, package: Path) -> tuple[list[SourceNote], list[str]]:
    """The notes of the collection at `db_path` (a private copy), and what was skipped.

    Errors name `package`, the file the user gave.
    """
    problems: list[str] = []
    try:
        con = open_untrusted(db_path)
    except sqlite3.Error as problem:
        raise ContentError(f"the collection cannot be read: {_why(problem)}", package) from None
    try:
        _configure(con)
        notes = _read(con, package, problems)
    except sqlite3.Error as problem:
        raise ContentError(f"the collection cannot be read: {_why(problem)}", package) from None
    finally:
        con.close()
    return notes, problems


def _why(problem: sqlite3.Error) -> str:
    text = str(problem)
    if "interrupted" in text:
        return f"reading it took more than {MAX_SECONDS:.0f} seconds"
    return text


def _configure(con: sqlite3.Connection) -> None:
    # Anki's tables sort names with its own collation; queries need one by that name.
    con.create_collation("unicase", _unicase)
    deadline = time.monotonic() + MAX_SECONDS
    con.set_progress_handler(lambda: int(time.monotonic() > deadline), PROGRESS_STEPS)


def _unicase(a: str, b: str) -> int:
    a, b = a.casefold(), b.casefold()
    return (a > b) - (a < b)


def _read(con: sqlite3.Connection, package: Path, problems: list[str]) -> list[SourceNote]:
    tables = {row[0] for row in con.execute("SELECT name FROM sqlite_master WHERE type='table'")}
    missing = [name for name in _REQUIRED if name not in tables]
    if missing:
        raise ContentError(f"not an Anki collection: no '{missing[0]}' table", package)
    col = _col_row(con, package)
    if {"notetypes", "fields", "templates"} <= tables:
        notetypes = _new_notetypes(con, problems)
    else:
        notetypes = _old_notetypes(_json(col.get("models"), "models", package))
    if "decks" in tables:
        decks = {_int(i): _text(n).replace("\x1f", "::") for i, n in con.execute(_DECKS)}
    else:
        decks = _old_decks(_json(col.get("decks"), "decks", package))
    reviewed = _reviewed_cards(con) if "revlog" in tables else set()
    cards = _cards_by_note(con, reviewed)
    return list(_notes(con, package, notetypes, decks, cards, problems))


_DECKS = "SELECT id, name FROM decks"


def _col_row(con: sqlite3.Connection, package: Path) -> dict[str, Any]:
    cursor = con.execute("SELECT * FROM col LIMIT 1")
    row = cursor.fetchone()
    if row is None:
        raise ContentError("not an Anki collection: its 'col' table is empty", package)
    return {d[0]: value for d, value in zip(cursor.description, row, strict=True)}


def _json(value: object, what: str, package: Path) -> dict[str, Any]:
    try:
        data = json.loads(_text(value) or "{}")
    except (ValueError, RecursionError):
        raise ContentError(f"the collection's {what} are not valid JSON", package) from None
    if not isinstance(data, dict):
        raise ContentError(f"the collection's {what} are not a JSON object", package)
    return data


def _text(value: object) -> str:
    if isinstance(value, bytes):
        return value.decode("utf-8", "replace")
    return "" if value is None else str(value)


def _int(value: object) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, str)):
        return 0
    try:
        return int(value)
    except ValueError:
        return 0


def _names(items: object) -> tuple[str, ...]:
    """The `name`s of a JSON list of {name, ord} objects, in `ord` order."""
    if not isinstance(items, list):
        return ()
    named = [item for item in items if isinstance(item, dict)]
    named.sort(key=lambda item: _int(item.get("ord")))
    return tuple(_text(item.get("name")) for item in named)


def _old_notetypes(models: dict[str, Any]) -> dict[int, SourceNotetype]:
    found = {}
    for key, model in models.items():
        if not isinstance(model, dict):
            continue
        mid = _int(model.get("id", key)) or _int(key)
        found[mid] = SourceNotetype(
            id=mid,
            name=_text(model.get("name")),
            fields=_names(model.get("flds")),
            templates=_names(model.get("tmpls")),
            is_cloze=_int(model.get("type")) == 1,
        )
    return found


def _old_decks(decks: dict[str, Any]) -> dict[int, str]:
    return {
        _int(deck.get("id", key)) or _int(key): _text(deck.get("name"))
        for key, deck in decks.items()
        if isinstance(deck, dict)
    }


def _new_notetypes(con: sqlite3.Connection, problems: list[str]) -> dict[int, SourceNotetype]:
    def ordered(table: str) -> dict[int, list[str]]:
        names: dict[int, list[str]] = {}
        for ntid, name in con.execute(f"SELECT ntid, name FROM {table} ORDER BY ntid, ord"):
            names.setdefault(_int(ntid), []).append(_text(name))
        return names

    fields, templates = ordered("fields"), ordered("templates")
    found = {}
    for ntid, name, config in con.execute("SELECT id, name, config FROM notetypes"):
        mid, kind = _int(ntid), 0
        try:
            kind = protowire.first_int(config if isinstance(config, bytes) else b"", 1)
        except protowire.WireError:
            problems.append(f"note type '{_text(name)}': its config cannot be read")
        found[mid] = SourceNotetype(
            id=mid,
            name=_text(name),
            fields=tuple(fields.get(mid, ())),
            templates=tuple(templates.get(mid, ())),
            is_cloze=kind == 1,
        )
    return found


def _reviewed_cards(con: sqlite3.Connection) -> set[int]:
    return {_int(cid) for (cid,) in con.execute("SELECT DISTINCT cid FROM revlog")}


def _cards_by_note(con: sqlite3.Connection, reviewed: set[int]) -> dict[int, _Cards]:
    cards: dict[int, _Cards] = {}
    query = "SELECT id, nid, ord, did, odid, type, reps FROM cards ORDER BY nid, ord, id"
    for cid, nid, ord_, did, odid, kind, reps in con.execute(query):
        # A card in a filtered deck remembers its home deck in `odid`.
        home = _int(odid) or _int(did)
        entry = cards.setdefault(_int(nid), _Cards(first_ord=_int(ord_), deck_id=home))
        entry.count += 1
        entry.reviewed |= _int(cid) in reviewed or _int(kind) != 0 or _int(reps) > 0
    return cards


def _notes(
    con: sqlite3.Connection,
    package: Path,
    notetypes: dict[int, SourceNotetype],
    decks: dict[int, str],
    cards: dict[int, _Cards],
    problems: list[str],
) -> Iterator[SourceNote]:
    (count,) = con.execute("SELECT count(*) FROM notes").fetchone()
    if _int(count) > MAX_NOTES:
        raise ContentError(
            f"the collection has {_int(count):,} notes; at most {MAX_NOTES:,}", package
        )
    query = "SELECT id, guid, mid, tags, flds FROM notes ORDER BY id"
    for n, (nid, guid, mid, tags, flds) in enumerate(con.execute(query), start=1):
        where = f"note {n} (nid:{_int(nid)})"
        notetype = notetypes.get(_int(mid))
        if notetype is None:
            problems.append(f"{where}: skipped, its note type ({_int(mid)}) is missing")
            continue
        values = _text(flds).split("\x1f")
        if any(len(value) > MAX_FIELD_CHARS for value in values):
            problems.append(f"{where}: skipped, a field is over {MAX_FIELD_CHARS:,} characters")
            continue
        values = _fit(values, notetype, where, problems.append)
        card = cards.get(_int(nid))
        if card is None:
            problems.append(f"{where}: has no cards")
        yield SourceNote(
            guid=_text(guid),
            notetype=notetype,
            fields=tuple(values),
            tags=tuple(_text(tags).split()),
            deck=decks.get(card.deck_id, "") if card else "",
            where=where,
            card_count=card.count if card else 0,
            reviewed=card.reviewed if card else False,
        )


def _fit(
    values: list[str], notetype: SourceNotetype, where: str, report: Callable[[str], None]
) -> list[str]:
    """`values` as many as the note type has fields: Anki pads short notes the same way."""
    wanted = len(notetype.fields)
    if len(values) < wanted:
        return values + [""] * (wanted - len(values))
    if len(values) > wanted:
        extra = [value for value in values[wanted:] if value.strip()]
        if extra:
            report(f"{where}: {len(values)} fields, its note type {wanted}; extra text dropped")
        return values[:wanted]
    return values
