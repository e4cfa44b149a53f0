"""What `qexport serve` shows: the last good cards, and the errors of the last load.

A rebuild loads the content again and renders only the questions whose
source changed (the rest come from the render cache, kept in memory). A
load that fails keeps the last good cards and records the errors, which the
page shows above them until a save fixes them.
"""

from __future__ import annotations

import threading
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING

from qexport.errors import ContentError, ContentErrors, ContentWarning, QexportError
from qexport.render_cache import RenderCache

if TYPE_CHECKING:
    from qexport.exporters.anki.deck import NoteContent
    from qexport.model import QuestionSet


CONTEXT = 1  # lines shown each side of the line an error names


@dataclass(frozen=True)
class Problem:
    """One error or warning, where it is: its message, and the line of the file it names."""

    text: str  # as the CLI prints it: path:line: message
    source: tuple[tuple[int, str], ...] = ()  # the named line and one each side, numbered
    line: int | None = None
    is_warning: bool = False


@dataclass(frozen=True)
class Snapshot:
    """A load that succeeded: the set, its cards by id, the note type's CSS, and the
    images the cards show, by the names the cards use."""

    question_set: QuestionSet
    cards: Mapping[str, NoteContent]
    css: str
    media: Mapping[str, Path]
    warnings: tuple[Problem, ...] = ()

    @property
    def order(self) -> list[str]:
        return [q.id for q in self.question_set.questions]

    @cached_property
    def digests(self) -> dict[str, str]:
        """Each card's `card_digest`, by id: made once, for the next rebuild's comparison."""
        return {qid: card_digest(card) for qid, card in self.cards.items()}


@dataclass(frozen=True)
class Update:
    """What one rebuild changed, as the page needs it."""

    version: int
    changed: tuple[str, ...]  # questions whose card differs, or new ones, in the set's order
    moved: tuple[str, ...]  # questions whose card is the same but number or line moved
    structure: bool  # questions added, removed or reordered, or the set's own text changed
    errors: tuple[Problem, ...]


@dataclass
class Preview:
    """The state the server shows; `rebuild` replaces it, one rebuild at a time."""

    content_dir: Path
    theme_name: str
    snapshot: Snapshot | None = None
    errors: tuple[Problem, ...] = ()
    version: int = 0
    # In memory; backed by the user's cache folder, so the first load is quick too.
    cache: RenderCache = field(default_factory=RenderCache.user)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def rebuild(self) -> Update:
        """Load the content again; what changed since the last good load."""
        with self._lock:
            try:
                fresh = self._load()
            except ContentErrors as exc:
                found: list[ContentError | ContentWarning] = [*exc.errors, *exc.warnings]
                self.errors = tuple(problem(e) for e in found)
                fresh = None
            except ContentError as exc:  # one, found after loading (an image's name)
                self.errors = (problem(exc),)
                fresh = None
            except QexportError as exc:
                self.errors = (Problem(f"qexport: {exc}"),)
                fresh = None
            old, self.version = self.snapshot, self.version + 1
            if fresh is None:
                return Update(self.version, (), (), False, self.errors)
            self.snapshot, self.errors = fresh, ()
            return _difference(old, fresh, self.version)

    def _load(self) -> Snapshot:
        from qexport.exporters.anki import notetype
        from qexport.exporters.anki.deck import notes_for
        from qexport.exporters.anki.preview import media_files
        from qexport.loader import load
        from qexport.themes import load_theme

        loaded = load(self.content_dir)
        question_set = loaded.question_set
        theme = load_theme(self.theme_name, self.content_dir)
        cards = notes_for(question_set, self.cache)
        media = media_files(question_set.content_dir, cards)  # a name no page can take: an error
        warnings = tuple(problem(w) for w in loaded.warnings)
        by_id = {card.question.id: card for card in cards}
        return Snapshot(question_set, by_id, notetype.css(theme), media, warnings)


def _difference(old: Snapshot | None, new: Snapshot, version: int) -> Update:
    """What differs between two good loads, for the page."""
    if old is None:
        return Update(version, tuple(new.order), (), True, ())
    structure = (
        old.order != new.order
        or old.css != new.css
        or old.question_set.meta != new.question_set.meta
        or old.question_set.levels != new.question_set.levels
        or old.question_set.topics != new.question_set.topics
        or old.warnings != new.warnings
    )
    changed, moved = [], []
    for qid, card in new.cards.items():
        before = old.cards.get(qid)
        if before is None or old.digests[qid] != new.digests[qid]:
            changed.append(qid)
        elif before.question != card.question:  # the same card, at another line
            moved.append(qid)
    return Update(version, tuple(changed), tuple(moved), structure, ())


def card_digest(card: NoteContent) -> str:
    """A hash of what a card shows: the page reloads a card only when this changes."""
    from qexport.changes import digest_of

    fields = [value for pair in sorted(card.fields.items()) for value in pair]
    return digest_of([*fields, *card.tags, card.deck])[:16]


def problem(found: ContentError | ContentWarning) -> Problem:
    """An error or warning with the lines around the one it names, read from its file."""
    is_warning = isinstance(found, ContentWarning)
    return Problem(str(found), _source(found.path, found.line), found.line, is_warning)


def _source(path: Path, line: int | None) -> tuple[tuple[int, str], ...]:
    import itertools

    if line is None or line < 1:
        return ()
    first = max(line - CONTEXT, 1)
    try:
        with path.open(encoding="utf-8", errors="replace") as handle:
            window = itertools.islice(handle, first - 1, line + CONTEXT)
            return tuple((first + n, text.rstrip("\r\n")) for n, text in enumerate(window))
    except OSError:
        return ()
