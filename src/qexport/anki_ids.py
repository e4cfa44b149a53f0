"""Stable Anki identities derived from the set's id, shared by the deck and the CSV.

Anki matches notes by guid, note types by id and decks by name. Every one of
them is derived from the set identity and the question ids, never from the
text, so a corrected typo updates a note instead of adding a twin.
"""

from __future__ import annotations

import hashlib

from qexport.model import Question, QuestionSet

GUID_NAMESPACE = "qexport"
# Anki's base91 alphabet for guids, as in genanki.guid_for (which the tests compare against).
_BASE91 = (
    "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789!#$%&()*+,-./:;<=>?@[]^_`{|}~"
)


def guid_for(*values: str) -> str:
    """genanki.guid_for, without importing genanki: base91 of a SHA-256 prefix."""
    digest = hashlib.sha256("__".join(values).encode("utf-8")).digest()
    number = int.from_bytes(digest[:8], "big")
    chars = []
    while number > 0:
        number, index = divmod(number, len(_BASE91))
        chars.append(_BASE91[index])
    return "".join(reversed(chars))


def note_guid(question_set: QuestionSet, question: Question) -> str:
    return guid_for(GUID_NAMESPACE, question_set.meta.id, question.id)


def stable_id(set_id: str, kind: str, name: str = "") -> int:
    """A positive id below 2**53 (safe in Anki's JavaScript) for a note type or deck."""
    digest = hashlib.sha256(f"{GUID_NAMESPACE}:{set_id}:{kind}:{name}".encode()).digest()
    return (1 << 48) | int.from_bytes(digest[:6], "big") >> 1


def notetype_name(question_set: QuestionSet) -> str:
    return f"{question_set.meta.title} (qexport)"


def deck_name(question_set: QuestionSet, level_id: str) -> str:
    """One subdeck per level, numbered so Anki sorts them in level order."""
    level = question_set.level(level_id)
    return f"{question_set.meta.title}::{level.position} {level.label}"
