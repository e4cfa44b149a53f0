"""Where an imported note goes: its level, its topic and its extra tags.

In order, the first that applies:

1. The user's mapping (`--level NAME=LEVEL`, `--topic NAME=TOPIC`): NAME is one
   of the note's tags, or its deck or a deck above it (`Data Science::SQL`).
2. qexport's own tag scheme (`PREFIX::level::basic`, `PREFIX::topic::sql`), as
   every deck and CSV qexport writes carries it: a round trip keeps everything.
3. A level word among its tags or deck names (`easy`, `hard`, `advanced` ...).
   Otherwise the one level `all`.
4. The topic is its deck below the deck that holds every note (`SQL` under
   `Data Science`), or `general` for notes in that deck itself.

Every tag that did not give a level or topic stays, as an extra tag.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from qexport.metadata import SLUG
from qexport.tags import SEPARATOR, tag_problem

LEVEL_WORDS = {
    "basic": "basic",
    "basics": "basic",
    "beginner": "basic",
    "easy": "basic",
    "intermediate": "intermediate",
    "medium": "intermediate",
    "advanced": "advanced",
    "hard": "advanced",
    "expert": "advanced",
}
LEVEL_ORDER = ("basic", "intermediate", "advanced")
DEFAULT_LEVEL = ("all", "All questions")
DEFAULT_TOPIC = ("general", "General")
MAX_SLUG = 40


@dataclass(frozen=True)
class Placed:
    level: str
    topic: str
    tags: tuple[str, ...]
    topic_label: str = ""  # '' where the topic's label comes from elsewhere
    tag_prefix: str = ""  # the qexport prefix its tags used, if they did
    dropped_tags: tuple[str, ...] = ()  # tags no bank may hold, with why


@dataclass(frozen=True)
class UserMapping:
    """`--level NAME=LEVEL` and `--topic NAME=TOPIC`, by NAME case-folded."""

    levels: Mapping[str, str]
    topics: Mapping[str, str]


def slug(text: str, fallback: str) -> str:
    """`text` as an id: ASCII letters and digits, '-' between words; `fallback` if empty."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    words = re.findall(r"[a-z0-9]+", ascii_text.lower())
    made = "-".join(words)[:MAX_SLUG].strip("-")
    return made or fallback


def common_root(decks: Sequence[str]) -> tuple[str, ...]:
    """The deck path that holds every note's deck, as parts (may be empty)."""
    paths = [tuple(deck.split(SEPARATOR)) for deck in decks if deck]
    if not paths:
        return ()
    root = paths[0]
    for path in paths[1:]:
        common = 0
        while common < min(len(root), len(path)) and root[common] == path[common]:
            common += 1
        root = root[:common]
    return root


def place(tags: Sequence[str], deck: str, root: tuple[str, ...], mapping: UserMapping) -> Placed:
    """Where a note with `tags` in `deck` goes (see the module's rules)."""
    level, topic = _mapped(tags, deck, mapping)
    used: set[str] = set()
    prefix, scheme_level, scheme_topic, extra = _scheme(tags)
    if prefix:
        used |= {t for t in tags if t.startswith(prefix + SEPARATOR)}
        level = level or scheme_level
        topic = topic or scheme_topic
    topic_label = ""
    if not level:
        level, word = _level_word(tags, deck)
        used |= {word} if word else set()
    if not topic:
        topic, topic_label = _deck_topic(deck, root)
    kept, dropped = _kept_tags([*extra, *(t for t in tags if t not in used)], mapping)
    return Placed(level, topic, kept, topic_label, prefix, dropped)


def _mapped(tags: Sequence[str], deck: str, mapping: UserMapping) -> tuple[str, str]:
    parts = deck.split(SEPARATOR) if deck else []
    names = [t.casefold() for t in tags]
    names += [SEPARATOR.join(parts[:n]).casefold() for n in range(len(parts), 0, -1)]
    level = next((mapping.levels[n] for n in names if n in mapping.levels), "")
    topic = next((mapping.topics[n] for n in names if n in mapping.topics), "")
    return level, topic


def _scheme(tags: Sequence[str]) -> tuple[str, str, str, list[str]]:
    """qexport's tags: (prefix, level, topic, extra tags), or ('', '', '', [])."""
    for tag in tags:
        parts = tag.split(SEPARATOR)
        if len(parts) == 3 and parts[1] == "level":
            prefix = parts[0]
            found = {
                kind: [
                    t.split(SEPARATOR, 2)[2] for t in tags if t.startswith(f"{prefix}::{kind}::")
                ]
                for kind in ("level", "topic", "tag")
            }
            ids = [*found["level"], *found["topic"]]
            if len(ids) == 2 and all(SLUG.fullmatch(i) for i in ids):  # they name files
                return prefix, found["level"][0], found["topic"][0], found["tag"]
    return "", "", "", []


def _level_word(tags: Sequence[str], deck: str) -> tuple[str, str]:
    """A level from a tag or deck name that is a level word, and that tag ('' if a deck)."""
    for tag in tags:
        word = tag.split(SEPARATOR)[-1].casefold()
        if word in LEVEL_WORDS:
            return LEVEL_WORDS[word], tag
    for part in reversed(deck.split(SEPARATOR) if deck else []):
        if part.casefold() in LEVEL_WORDS:
            return LEVEL_WORDS[part.casefold()], ""
    return DEFAULT_LEVEL[0], ""


def _deck_topic(deck: str, root: tuple[str, ...]) -> tuple[str, str]:
    parts = deck.split(SEPARATOR)[len(root) :] if deck else []
    parts = [p for p in parts if p.casefold() not in LEVEL_WORDS]
    if not parts:
        return DEFAULT_TOPIC
    label = " / ".join(parts)
    return slug(label, "topic"), label


def _kept_tags(
    tags: Sequence[str], mapping: UserMapping
) -> tuple[tuple[str, ...], tuple[str, ...]]:
    kept, dropped = [], []
    for tag in dict.fromkeys(tags):
        if tag.casefold() in mapping.levels or tag.casefold() in mapping.topics:
            continue
        problem = tag_problem(unicodedata.normalize("NFC", tag))
        if problem is None:
            kept.append(unicodedata.normalize("NFC", tag))
        else:
            dropped.append(f"'{tag}' {problem}")
    return tuple(sorted(set(kept))), tuple(dropped)


def level_label(level: str) -> str:
    """A level's label from its id: 'all' is "All questions", 'data-types' "Data types"."""
    return DEFAULT_LEVEL[1] if level == DEFAULT_LEVEL[0] else _words(level)


def topic_label(topic: str) -> str:
    """A topic's label from its id: 'general' is "General"."""
    return DEFAULT_TOPIC[1] if topic == DEFAULT_TOPIC[0] else _words(topic)


def _words(slug_id: str) -> str:
    return slug_id.replace("-", " ").capitalize()


def ordered_levels(levels: Sequence[str]) -> list[str]:
    """Levels in a learner's order: basic, intermediate, advanced, then the rest by name."""
    known = [level for level in LEVEL_ORDER if level in levels]
    return known + sorted(set(levels) - set(known))
