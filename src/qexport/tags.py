"""The one tag scheme that every output shares.

A question's tags are derived from its level and topic, plus the extra tags
written in the content, all under the set's prefix in Anki's hierarchical
form::

    python-interview::level::basic
    python-interview::topic::concurrency
    python-interview::tag::pitfall
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from qexport.model import Question, SetMeta

SEPARATOR = "::"


def level_tag(prefix: str, level: str) -> str:
    return SEPARATOR.join((prefix, "level", level))


def topic_tag(prefix: str, topic: str) -> str:
    return SEPARATOR.join((prefix, "topic", topic))


def extra_tag(prefix: str, tag: str) -> str:
    return SEPARATOR.join((prefix, "tag", tag))


def tags_for(question: Question, meta: SetMeta) -> tuple[str, ...]:
    """The tags of `question`, in a fixed order: level, topic, extra tags."""
    prefix = meta.tag_prefix
    return (
        level_tag(prefix, question.level),
        topic_tag(prefix, question.topic),
        *(extra_tag(prefix, tag) for tag in question.tags),
    )
