"""Stable Anki identities derived from the set's id, shared by the deck and the CSV.

Anki matches notes by guid, note types by id and decks by name. Every one of
them is derived from the set identity and the question ids, never from the
text, so a corrected typo updates a note instead of adding a twin.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Mapping, Sequence
from pathlib import Path
from urllib.parse import quote, unquote

from qexport.errors import ContentError
from qexport.metadata import SLUG
from qexport.model import Question, QuestionSet, SetMeta

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
    """The note's guid: the one it brought from another deck, else derived from its id."""
    return question.guid or derived_guid(question_set.meta.id, question.id)


def derived_guid(set_id: str, question_id: str) -> str:
    return guid_for(GUID_NAMESPACE, set_id, question_id)


# A guid kept from another deck (`guid="..."`): printable ASCII, no spaces. It is written
# percent-encoded where it holds what an attribute line cannot ('{', '}', '"', '\\') or '%'.
MAX_GUID_LENGTH = 100
_GUID = re.compile(rf"[!-~]{{1,{MAX_GUID_LENGTH}}}")
_ESCAPE = re.compile(r"%(?![0-9A-Fa-f]{2})")
GUID_UNSAFE = '%{}"\\'


def written_guid(guid: str) -> str:
    """`guid` as an attribute line holds it (read back by `read_guid`)."""
    return quote(guid, safe="".join(c for c in map(chr, range(33, 127)) if c not in GUID_UNSAFE))


def read_guid(written: str) -> tuple[str, str | None]:
    """The guid a `guid="..."` attribute gives, and why it is refused (or None)."""
    if _ESCAPE.search(written):
        return "", f"guid '{written}' has a '%' that is not %XX; write '%' itself as %25"
    try:
        guid = unquote(written, errors="strict") if "%" in written else written
    except UnicodeDecodeError:
        guid = ""
    if not _GUID.fullmatch(guid):
        return "", (
            f"guid '{written}' must be 1 to {MAX_GUID_LENGTH} printable ASCII characters "
            "without spaces (Anki's guid of the note, as `qexport import` writes it)"
        )
    return guid, None


def kept_identity(attrs: Mapping[str, str]) -> tuple[str, str, list[str]]:
    """A question's `guid=` and `notetype=` (each '' if not given), and what is wrong."""
    guid, problem = read_guid(attrs["guid"]) if "guid" in attrs else ("", None)
    problems = [problem] if problem is not None else []
    notetype = attrs.get("notetype", "")
    if "notetype" in attrs and not SLUG.fullmatch(notetype):
        problems.append(
            f"notetype '{notetype}' must name an [anki.notetypes.<key>] table of set.toml"
        )
    return guid, notetype, problems


def identity_errors(
    questions: Sequence[Question], meta: SetMeta, metadata_path: Path
) -> list[ContentError]:
    """Kept guids that are not unique (among themselves and the derived ones), `notetype=`
    values that name no `[anki.notetypes]` table, and a kept note type with the id of the
    set's own (one id would name two note types in one deck)."""
    own = stable_id(meta.id, "notetype")
    errors = [
        ContentError(
            f"[anki.notetypes.{kept.key}] has the id of this set's own note type ({own}); "
            "a kept note type needs its own id",
            metadata_path,
            kept.line,
        )
        for kept in meta.notetypes
        if kept.id == own
    ]
    owners: dict[str, Question] = {}
    kept = {notetype.key for notetype in meta.notetypes}
    for question in questions:
        guid = question.guid or derived_guid(meta.id, question.id)
        other = owners.setdefault(guid, question)
        # Two derived guids meet only where two questions share an id: reported as such.
        if other is not question and (question.guid or other.guid):
            errors.append(
                ContentError(
                    f"guid '{written_guid(guid)}' is also the note guid of '{other.id}' "
                    f"({other.location}): each note needs its own",
                    question.path,
                    question.line,
                )
            )
        if question.notetype and question.notetype not in kept:
            known = ", ".join(sorted(kept)) or "none"
            errors.append(
                ContentError(
                    f"notetype '{question.notetype}' is not in set.toml's [anki.notetypes] "
                    f"(defined: {known})",
                    question.path,
                    question.line,
                )
            )
    return errors


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
