"""Where `qexport import` puts a note: level, topic and extra tags, from its tags and deck."""

from __future__ import annotations

import pytest

from qexport.importers.placing import UserMapping, common_root, ordered_levels, place, slug

NONE = UserMapping({}, {})
ROOT = ("Data Science",)


@pytest.mark.parametrize(
    ("tags", "deck", "mapping", "expected"),
    [
        # A level word among the tags, or in the deck path; else the one level `all`.
        (["easy", "sql"], "Data Science::SQL", NONE, ("basic", "sql", ("sql",))),
        (["difficulty::Hard"], "Data Science::SQL", NONE, ("advanced", "sql", ())),
        ([], "Data Science::Advanced::SQL", NONE, ("advanced", "sql", ())),
        ([], "Data Science", NONE, ("all", "general", ())),
        # Subdecks below the root name the topic.
        ([], "Data Science::SQL::Joins", NONE, ("all", "sql-joins", ())),
        # qexport's scheme, as its decks and CSVs carry it, wins over words.
        (
            ["py::level::intermediate", "py::topic::async", "py::tag::pitfall", "easy"],
            "Python::2 Intermediate",
            NONE,
            ("intermediate", "async", ("easy", "pitfall")),
        ),
        # The user's mapping wins over everything: a tag, a deck, or a deck above it.
        (
            ["easy"],
            "Data Science::SQL",
            UserMapping({"easy": "advanced"}, {}),
            ("advanced", "sql", ()),
        ),
        (
            [],
            "Data Science::SQL::Joins",
            UserMapping({"data science::sql": "intermediate"}, {"data science::sql": "queries"}),
            ("intermediate", "queries", ()),
        ),
    ],
)
def test_place(
    tags: list[str],
    deck: str,
    mapping: UserMapping,
    expected: tuple[str, str, tuple[str, ...]],
) -> None:
    placed = place(tags, deck, ROOT, mapping)
    assert (placed.level, placed.topic, placed.tags) == expected


def test_a_tag_no_bank_may_hold_is_dropped_and_said() -> None:
    placed = place(["ok", "bad::", "::x"], "Data Science", ROOT, NONE)
    assert placed.tags == ("ok",)
    assert len(placed.dropped_tags) == 2
    assert all("empty level" in why for why in placed.dropped_tags)


def test_the_scheme_prefix_is_remembered() -> None:
    placed = place(["qx::level::basic", "qx::topic::io"], "", (), NONE)
    assert placed.tag_prefix == "qx"


@pytest.mark.parametrize(
    ("decks", "root"),
    [
        (["A::B", "A::C::D"], ("A",)),
        (["A::B", "A::B"], ("A", "B")),
        (["A", "B"], ()),
        (["", "A"], ("A",)),
        ([], ()),
    ],
)
def test_common_root(decks: list[str], root: tuple[str, ...]) -> None:
    assert common_root(decks) == root


@pytest.mark.parametrize(
    ("text", "expected"),
    [("Data Science / SQL", "data-science-sql"), ("Größe", "groe"), ("日本", "x"), ("", "x")],
)
def test_slug(text: str, expected: str) -> None:
    assert slug(text, "x") == expected


def test_levels_in_a_learners_order() -> None:
    assert ordered_levels(["all", "advanced", "basic", "extra"]) == [
        "basic",
        "advanced",
        "all",
        "extra",
    ]
