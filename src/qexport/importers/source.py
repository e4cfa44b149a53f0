"""What an importer reads from another tool's file, before it becomes qexport's content.

Readers (`apkg`, `anki_csv`) give a `Source`: notes as the other tool stores
them, fields as HTML. `qexport import` maps them to questions (`convert`),
then writes a content folder (`writer`). qexport's own plain CSV is already
Markdown: its reader gives `Question`-like rows directly (`plain_csv`).
"""

from __future__ import annotations

from dataclasses import dataclass, field

# What any importer reads at most: a file this large, or a note this long, is not a bank.
MAX_NOTES = 100_000
MAX_FIELD_CHARS = 1_000_000  # about 1 MB: a field with an inline image, not a question
MAX_CSV_BYTES = 64 * 1024 * 1024


@dataclass(frozen=True)
class SourceNotetype:
    """A note type of the source deck, as Anki identifies it."""

    id: int  # Anki matches note types by id; 0 where the source names none (a CSV)
    name: str
    fields: tuple[str, ...]  # field names, in order
    templates: tuple[str, ...]  # card template names, in order ('' for a CSV)
    is_cloze: bool = False


@dataclass(frozen=True)
class SourceNote:
    """One note: its fields as stored (HTML), in its note type's field order."""

    guid: str  # Anki's note guid, '' where the source has none
    notetype: SourceNotetype
    fields: tuple[str, ...]
    tags: tuple[str, ...] = ()
    deck: str = ""  # the deck of its first card, Anki's '::' between subdecks; '' if none
    where: str = ""  # where a report points: 'note 12' in a package, 'line 40' in a CSV
    card_count: int = 1
    reviewed: bool = False  # whether any of its cards has review history


@dataclass(frozen=True)
class SourceMedia:
    """A media file the notes may show, by the bare name the fields use."""

    name: str
    data: bytes


@dataclass(frozen=True)
class Source:
    kind: str  # 'apkg' or 'anki-csv'
    name: str  # the file's stem, a default title
    notes: tuple[SourceNote, ...]
    media: tuple[SourceMedia, ...] = ()
    # What the reader skipped or could not read, each a sentence naming where.
    problems: tuple[str, ...] = field(default_factory=tuple)
