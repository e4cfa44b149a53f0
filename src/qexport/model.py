"""The normalized question set that every exporter reads.

Everything here is frozen: the loader builds a `QuestionSet` once and nothing
changes it afterwards. Selecting a subset returns a new set.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from pathlib import Path

from qexport.tags import tags_for


@dataclass(frozen=True)
class Level:
    id: str
    label: str
    position: int  # 1-based, in the order the metadata lists the levels


@dataclass(frozen=True)
class Topic:
    id: str
    label: str


# A value set.toml gives an exporter's option (click converts it when a release is planned).
OptionValue = str | int | float | bool


@dataclass(frozen=True)
class ReleaseOption:
    """One `name = value` or `name = [values]` of a release table, as written."""

    name: str
    values: tuple[OptionValue, ...]  # never empty
    line: int


@dataclass(frozen=True)
class ReleaseTable:
    """One `[release.<exporter>]` table, or one of several `[[release.<exporter>]]`."""

    exporter: str
    options: tuple[ReleaseOption, ...]
    line: int


@dataclass(frozen=True)
class ReleaseConfig:
    """set.toml's `[release]`: what `qexport all` builds, as written.

    Its shape is checked when the set loads; which exporters and options
    exist is checked against the installed ones by `release_config`.
    """

    exporters: tuple[str, ...] | None = None  # None: every registered exporter
    exporters_line: int | None = None
    tables: tuple[ReleaseTable, ...] = ()


@dataclass(frozen=True)
class KeptNotetype:
    """A note type of a deck the bank was imported from: `[anki.notetypes.<key>]`.

    Anki updates a note in place only if it keeps its note type (same id, same
    field and template names), so questions moved from that deck are written
    into it, with qexport's templates and CSS, and learners keep their reviews.
    """

    key: str  # what a question's `notetype=` names
    id: int
    name: str
    fields: tuple[str, ...]  # the first holds the question, the second the answer
    templates: tuple[str, ...]
    line: int  # where set.toml defines it


@dataclass(frozen=True)
class SetMeta:
    id: str  # stable identity: derives Anki deck, note type and note ids
    title: str
    description: str
    author: str
    version: str
    tag_prefix: str
    language: str = "en"
    key_answers: str = "optional"  # or "required": then a question without one is an error
    release: ReleaseConfig = field(default_factory=ReleaseConfig)
    notetypes: tuple[KeptNotetype, ...] = ()

    def notetype(self, key: str) -> KeptNotetype:
        return next(kept for kept in self.notetypes if kept.key == key)

    @property
    def slug(self) -> str:
        """The title as a file-name stem, e.g. 'python-interview-questions'."""
        return _hyphenated(self.title.lower()) or "questions"


@dataclass(frozen=True)
class Question:
    id: str  # stable forever: it is the note's identity in Anki
    number: int  # 1-based position in the whole set, stable under selection
    level: str
    topic: str
    tags: tuple[str, ...]  # the extra tags written in the content
    question: str  # inline Markdown
    answer: str  # Markdown: the details, after the key answer
    path: Path
    line: int  # the line of the question heading
    answer_line: int  # the file line where `answer` starts
    images: tuple[str, ...] = ()  # paths relative to the content folder, in order
    key: str = ""  # the key answer (`{.key}`): inline Markdown, '' if none
    key_line: int = 0  # the file line where `key` starts
    key_code: str = ""  # the example's line marked `key=N`, unindented, '' if none
    key_code_language: str = ""  # the language of the example it comes from
    # Only for questions moved from another deck: its note's guid (else derived from the
    # set id and the question id) and the `KeptNotetype` it stays in (else qexport's).
    guid: str = ""
    notetype: str = ""

    @property
    def location(self) -> str:
        return f"{self.path}:{self.line}"


@dataclass(frozen=True)
class Selection:
    """Which questions to export: empty means "all" for each criterion."""

    levels: frozenset[str] = field(default_factory=frozenset)
    topics: frozenset[str] = field(default_factory=frozenset)
    tags: frozenset[str] = field(default_factory=frozenset)

    @property
    def is_everything(self) -> bool:
        return not (self.levels or self.topics or self.tags)

    def matches(self, question: Question, scheme_tags: Iterable[str]) -> bool:
        if self.levels and question.level not in self.levels:
            return False
        if self.topics and question.topic not in self.topics:
            return False
        if not self.tags:
            return True
        # As Anki's tag search: case does not count ('Async' finds 'async').
        wanted = {tag.casefold() for tag in self.tags}
        return bool(wanted & {tag.casefold() for tag in (*question.tags, *scheme_tags)})

    def slug(self) -> str:
        """A file-name suffix naming the filters, e.g. 'level-basic', or ''."""
        parts = [
            f"{kind}-{'+'.join(sorted({_file_safe(value) for value in values}))}"
            for kind, values in (
                ("level", self.levels),
                ("topic", self.topics),
                ("tag", self.tags),
            )
            if values
        ]
        return "_".join(parts)


@dataclass(frozen=True)
class QuestionSet:
    meta: SetMeta
    levels: tuple[Level, ...]
    topics: tuple[Topic, ...]
    questions: tuple[Question, ...]
    content_dir: Path = Path("content")
    selection: Selection = field(default_factory=Selection)

    def level(self, level_id: str) -> Level:
        return next(level for level in self.levels if level.id == level_id)

    def topic(self, topic_id: str) -> Topic:
        return next(topic for topic in self.topics if topic.id == topic_id)

    def in_level(self, level_id: str) -> tuple[Question, ...]:
        return tuple(q for q in self.questions if q.level == level_id)

    def by_level_and_topic(self) -> list[tuple[Level, list[tuple[Topic, list[Question]]]]]:
        """The questions under each level, then each topic, both in the set's order;
        levels and topics without questions left out."""
        groups: dict[tuple[str, str], list[Question]] = {}
        for question in self.questions:
            groups.setdefault((question.level, question.topic), []).append(question)
        grouped = []
        for level in self.levels:
            topics = [
                (t, groups[level.id, t.id]) for t in self.topics if (level.id, t.id) in groups
            ]
            if topics:
                grouped.append((level, topics))
        return grouped

    def counts_by_level(self) -> dict[str, int]:
        counts = {level.id: 0 for level in self.levels}
        for question in self.questions:
            counts[question.level] += 1
        return counts

    def file_name(self, *parts: str, extension: str) -> str:
        """`<slug>[-part...][-filters].<extension>`: the name says what the file holds."""
        words = [self.meta.slug, *parts, self.selection.slug()]
        return "-".join(word for word in words if word) + f".{extension}"

    def select(self, selection: Selection) -> QuestionSet:
        """The questions that match `selection`, numbered as in the whole set."""
        kept = tuple(q for q in self.questions if selection.matches(q, tags_for(q, self.meta)))
        return replace(self, questions=kept, selection=selection)


def _file_safe(value: str) -> str:
    """`value` for a file name: letters and digits of any script, lowercase; '-' for the rest
    ('/' or '::' in a tag would name folders, or be refused by some file systems).

    Where that drops something, a short hash of the value follows, so that 'c++' and
    'c' never name the same file.
    """
    import hashlib

    folded = value.casefold()
    safe = _hyphenated(folded)
    if safe == folded:
        return safe
    return f"{safe}-{hashlib.sha256(folded.encode()).hexdigest()[:6]}".lstrip("-")


def _hyphenated(text: str) -> str:
    """The letters and digits of `text` (any script), each run of anything else one '-'."""
    return "-".join("".join(c if c.isalnum() else " " for c in text).split())
