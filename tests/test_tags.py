"""Golden tests for the one tag scheme every output shares."""

from __future__ import annotations

import dataclasses

from qexport.loader import load
from qexport.tags import tags_for

from conftest import GOOD


def test_tags_of_the_fixture_bank() -> None:
    qs = load(GOOD).question_set
    assert {q.id: tags_for(q, qs.meta) for q in qs.questions} == {
        "list-vs-tuple": (
            "tiny::level::basic",
            "tiny::topic::data-types",
            "tiny::tag::comparison",
        ),
        "dict-order": ("tiny::level::basic", "tiny::topic::data-types"),
        "gil": (
            "tiny::level::advanced",
            "tiny::topic::concurrency",
            "tiny::tag::pitfall",
            "tiny::tag::recent-python",
        ),
    }


def test_prefix_comes_from_the_metadata() -> None:
    qs = load(GOOD).question_set
    meta = dataclasses.replace(qs.meta, tag_prefix="python-interview")
    assert tags_for(qs.questions[1], meta) == (
        "python-interview::level::basic",
        "python-interview::topic::data-types",
    )


def test_tags_are_valid_anki_tags() -> None:
    qs = load(GOOD).question_set
    for question in qs.questions:
        for tag in tags_for(question, qs.meta):
            assert tag == tag.strip()
            assert " " not in tag
            assert '"' not in tag
