"""Stable Anki identities: the same as genanki's, and derived from ids alone."""

from __future__ import annotations

import dataclasses

import genanki
from hypothesis import given
from hypothesis import strategies as st

from qexport import anki_ids
from qexport.loader import load

from conftest import GOOD


@given(st.lists(st.text(), min_size=1, max_size=3))
def test_guid_matches_genanki(values: list[str]) -> None:
    assert anki_ids.guid_for(*values) == genanki.guid_for(*values)


def test_note_guid_ignores_text_level_and_topic() -> None:
    qs = load(GOOD).question_set
    question = qs.questions[0]
    moved = dataclasses.replace(question, question="Reworded?", level="advanced", topic="x")
    assert anki_ids.note_guid(qs, moved) == anki_ids.note_guid(qs, question)
    other_set = dataclasses.replace(qs, meta=dataclasses.replace(qs.meta, id="another-set"))
    assert anki_ids.note_guid(other_set, question) != anki_ids.note_guid(qs, question)


def test_ids_are_stable_positive_and_safe_in_javascript() -> None:
    first = anki_ids.stable_id("set", "notetype")
    assert first == anki_ids.stable_id("set", "notetype")
    assert 0 < first < 2**53
    assert first != anki_ids.stable_id("set", "deck", "basic")
    assert anki_ids.stable_id("set", "deck", "basic") != anki_ids.stable_id(
        "set", "deck", "advanced"
    )


def test_deck_names_sort_in_level_order() -> None:
    qs = load(GOOD).question_set
    names = [anki_ids.deck_name(qs, level.id) for level in qs.levels]
    assert names == ["Tiny Test Set::1 Basic", "Tiny Test Set::2 Advanced"]
    assert sorted(names) == names
