"""The PDFs' own words, in the set's language (`language` in set.toml).

Everything a PDF prints that is not content, such as "Contents" or
"Page 3 of 40", comes from `WORDING`. To add a language, add one entry: its
primary language subtag (ISO 639, lower case, as in `language = "fr"`) with
every key of the English entry, keeping the placeholders in braces
(`{page}`, `{count}`...) as they are. A set whose language is a longer tag
(`de-AT`, `el_GR`) uses its primary language; one without an entry gets
English, and `qexport validate` warns of it.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType

ENGLISH = "en"
SEPARATOR = " · "  # between level counts on the cover, and level and topic on a card

# The placeholders: count; levels (every level's count, joined with ' · '); level or
# level_lower (a level's label as written, or in lower case, as running English text
# has it); page and pages; part and parts (of an answer on follow-on cards); title (the
# set's); version. "one_question" is used for a count of 1.
WORDING: dict[str, dict[str, str]] = {
    "en": {
        "contents": "Contents",
        "topic_index": "Topic index",
        "page_of": "Page {page} of {pages}",
        "questions": "{count} questions: {levels}",
        "one_question": "{count} question: {levels}",
        "level_count": "{count} {level_lower}",
        "version": "Version {version}",
        "cheat_sheet": "{title}: cheat sheet",
        "flash_cards": "{title}: flash cards",
        "continued": "(continued, {part} of {parts})",
        "answer": "answer",
        "answer_part": "answer {part}/{parts}",
        "more_details": "More detail in the booklet.",
        "no_key_answer": "(no key answer)",
    },
    "de": {
        "contents": "Inhalt",
        "topic_index": "Themenverzeichnis",
        "page_of": "Seite {page} von {pages}",
        "questions": "{count} Fragen: {levels}",
        "one_question": "{count} Frage: {levels}",
        "level_count": "{count} {level}",  # nouns keep their capital
        "version": "Version {version}",
        "cheat_sheet": "{title}: Spickzettel",
        "flash_cards": "{title}: Lernkarten",
        "continued": "(Fortsetzung, {part} von {parts})",
        "answer": "Antwort",
        "answer_part": "Antwort {part}/{parts}",
        "more_details": "Mehr dazu im Heft.",
        "no_key_answer": "(keine Kernantwort)",
    },
    "el": {
        "contents": "Περιεχόμενα",
        "topic_index": "Ευρετήριο θεμάτων",
        "page_of": "Σελίδα {page} από {pages}",
        "questions": "{count} ερωτήσεις: {levels}",
        "one_question": "{count} ερώτηση: {levels}",
        "level_count": "{count} {level_lower}",
        "version": "Έκδοση {version}",
        "cheat_sheet": "{title}: σύνοψη",
        "flash_cards": "{title}: κάρτες μελέτης",
        "continued": "(συνέχεια, {part} από {parts})",
        "answer": "απάντηση",
        "answer_part": "απάντηση {part}/{parts}",
        "more_details": "Περισσότερα στο βιβλιαράκι.",
        "no_key_answer": "(χωρίς βασική απάντηση)",
    },
}
_PLACEHOLDER = re.compile(r"\{[a-z_]+\}")


def primary_language(language: str) -> str:
    """'de' for 'de-AT', 'DE' or 'de_AT': the part of a language tag the table is keyed by."""
    return re.split(r"[-_]", language.strip(), maxsplit=1)[0].lower()


def has_wording(language: str) -> bool:
    return primary_language(language) in WORDING


@dataclass(frozen=True)
class Wording:
    """The words of one language; `self(key, **values)` fills in a phrase."""

    language: str  # a key of WORDING
    words: Mapping[str, str]

    def __call__(self, key: str, **values: object) -> str:
        return self.words[key].format(**values)

    def page_of(self, page: int, pages: int) -> str:
        return self("page_of", page=page, pages=pages)

    def questions(self, count: int, levels: str) -> str:
        return self("one_question" if count == 1 else "questions", count=count, levels=levels)

    def level_count(self, count: int, label: str) -> str:
        return self("level_count", count=count, level=label, level_lower=label.lower())

    def printed(self) -> str:
        """Every word the PDFs may print, without the placeholders: what the fonts must show."""
        words = [_PLACEHOLDER.sub("", text) for text in self.words.values()]
        return "\n".join([*words, SEPARATOR])


def wording(language: str) -> Wording:
    """The wording for `language` (a BCP 47 tag such as 'el' or 'de-AT'); English if none."""
    primary = primary_language(language)
    key = primary if primary in WORDING else ENGLISH
    return Wording(key, MappingProxyType(WORDING[key]))


def known_languages() -> str:
    """'de, el, en': the languages that have wording, for messages."""
    return ", ".join(sorted(WORDING))
