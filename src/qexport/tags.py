"""The one tag scheme that every output shares.

A question's tags are derived from its level and topic, plus the extra tags
written in the content, all under the set's prefix in Anki's hierarchical
form::

    python-interview::level::basic
    python-interview::topic::concurrency
    python-interview::tag::pitfall

It also holds what a tag may be: any tag, in any script, that Anki keeps
exactly as written and tells apart from the bank's other tags. Anki splits tags
at spaces (and U+3000), drops control characters (and '"', before Anki 24.11),
names an empty level of the hierarchy 'blank', stores tags in NFC (as qexport
reads all content), and compares tags ignoring case, with full Unicode case
folding ('straße' is 'STRASSE'): two tags that differ only so become one,
spelled as Anki first met it. Beyond Anki's rules, a tag holds no invisible
character and no ',' (which separates the tags given to --tag).
"""

from __future__ import annotations

import unicodedata
from collections.abc import Sequence
from pathlib import Path
from typing import Protocol

from qexport.errors import ContentError

SEPARATOR = "::"
# Letters and marks that draw nothing, though Unicode does not class them as format
# characters: Hangul fillers, the blank Braille pattern, the combining grapheme joiner,
# Khmer inherent vowels and variation selectors. A tag holding one looks like another.
BLANK_LOOKING = frozenset(
    [
        *(0x115F, 0x1160, 0x3164, 0xFFA0, 0x2800, 0x034F, 0x17B4, 0x17B5),
        *range(0xFE00, 0xFE10),
        *range(0xE0100, 0xE01F0),
    ]
)


class Tagged(Protocol):
    """What the tag scheme reads of a question (`qexport.model.Question`)."""

    @property
    def level(self) -> str: ...
    @property
    def topic(self) -> str: ...
    @property
    def tags(self) -> tuple[str, ...]: ...
    @property
    def path(self) -> Path: ...
    @property
    def line(self) -> int: ...
    @property
    def location(self) -> str: ...


class Prefixed(Protocol):
    """What the tag scheme reads of a set (`qexport.model.SetMeta`)."""

    @property
    def tag_prefix(self) -> str: ...


def level_tag(prefix: str, level: str) -> str:
    return SEPARATOR.join((prefix, "level", level))


def topic_tag(prefix: str, topic: str) -> str:
    return SEPARATOR.join((prefix, "topic", topic))


def extra_tag(prefix: str, tag: str) -> str:
    return SEPARATOR.join((prefix, "tag", tag))


def tags_for(question: Tagged, meta: Prefixed) -> tuple[str, ...]:
    """The tags of `question`, in a fixed order: level, topic, extra tags."""
    prefix = meta.tag_prefix
    return (
        level_tag(prefix, question.level),
        topic_tag(prefix, question.topic),
        *(extra_tag(prefix, tag) for tag in question.tags),
    )


def tag_problem(tag: str) -> str | None:
    """Why `tag` (a tag prefix, or an extra tag) cannot be a tag as written, or None.

    Said as the end of a sentence about it ("tag 'x' ..."). `tag` is NFC already,
    as everything qexport reads is.
    """
    if not tag:
        return "is empty"
    for char in tag:
        if (problem := _char_problem(char)) is not None:
            return problem
    for level in tag.split(SEPARATOR):
        if not level:
            return (
                "has an empty level ('::' at its start or end, or '::::'): Anki would "
                "name it 'blank'"
            )
        if level.startswith(":") or level.endswith(":"):
            return (
                "has a level that starts or ends with ':' (as in ':::'): Anki's tag tree "
                "would split it elsewhere; ':' is allowed only inside a level, '::' "
                "separates levels"
            )
    return None


def _char_problem(char: str) -> str | None:
    category = unicodedata.category(char)
    if char == '"':
        return "contains '\"', which Anki before version 24.11 drops from tags"
    if char == ",":
        return "contains ',', which separates the tags given to --tag"
    if category in ("Zs", "Zl", "Zp"):
        return (
            f"contains {_named(char)}: tags are separated by spaces and cannot hold one "
            "(Anki splits them at U+3000 too)"
        )
    if category == "Cc":
        return f"contains the control character U+{ord(char):04X}, which Anki drops"
    if category in ("Cf", "Cs") or ord(char) in BLANK_LOOKING:
        return (
            f"contains {_named(char)}, which is not visible text: the tag would look like another"
        )
    return None


def _named(char: str) -> str:
    return f"U+{ord(char):04X} ({unicodedata.name(char, 'unnamed')})"


def merged_tags(questions: Sequence[Tagged]) -> list[ContentError]:
    """An error for each extra tag Anki would merge with one written differently in case.

    Anki compares tags and each level of their hierarchy ignoring case:
    'Web::django' and 'web::flask' would share one parent, named as it first
    met it. So every level of every tag must be written one way in the bank.
    """
    first: dict[str, tuple[str, str, Tagged]] = {}  # folded level -> (as written, tag, where)
    errors = []
    for question in questions:
        for tag in question.tags:
            levels = tag.split(SEPARATOR)
            for depth in range(1, len(levels) + 1):
                written = SEPARATOR.join(levels[:depth])
                seen, seen_tag, where = first.setdefault(
                    written.casefold(), (written, tag, question)
                )
                if seen != written:
                    message = _merged_message(tag, written, seen_tag, seen, where)
                    errors.append(ContentError(message, question.path, question.line))
                    break
    return errors


def _merged_message(tag: str, written: str, other_tag: str, other: str, where: Tagged) -> str:
    subject = f"tag '{tag}'" if written == tag else f"'{written}' in tag '{tag}'"
    place = f"at {where.location}"
    if other != other_tag:
        place = f"in tag '{other_tag}' {place}"
    return (
        f"{subject} is written '{other}' {place}: Anki ignores case in tags ('straße' is "
        "'STRASSE'), so it would take them for one; write them the same way"
    )
