"""Lines of keys and tables in TOML, as error messages point at them."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from qexport.errors import ContentErrors
from qexport.loader import load
from qexport.toml_lines import defined_lines, key_line

from conftest import GOOD

TEXT = """\
# The set.
[set]  # its identity
id = "x"
description = \"\"\"
[topics]
basics = "not a key: this is the description"
\"\"\"
title = "T"

[ release . "pdf" ]
paper = [
  "a4",
  ["not", "a table"],
]
theme = "print"

[release]
csv.dialect = "plain"

[[release.twin]]
case = "lower"
[[release.twin]]
case = "upper"

[topics]
basics = "Basics"
"""


def line_of(text: str, start: str) -> int:
    """The number of the line of `text` that starts with `start` (the last one, if several)."""
    lines = text.split("\n")
    return max(n for n, line in enumerate(lines, 1) if line.startswith(start))


@pytest.mark.parametrize(
    ("table", "key", "start"),
    [
        ("set", "id", "id ="),  # under a header with a comment
        ("set", "title", "title ="),  # after a multi-line string
        ("topics", "basics", 'basics = "Basics"'),  # not the one inside the string
        ("release.pdf", "theme", "theme ="),  # spaced and quoted; after a multi-line array
        ("release.csv", "dialect", "csv.dialect"),  # a dotted key
        (None, "release", "[ release"),  # a table first defined by a sub-table's header
    ],
)
def test_key_lines(table: str | None, key: str, start: str) -> None:
    assert key_line(TEXT, table, key) == line_of(TEXT, start)


def test_each_of_an_array_of_tables_has_its_own_lines() -> None:
    lines = defined_lines(TEXT)
    assert lines["release", "twin", 0, "case"] == line_of(TEXT, 'case = "lower"')
    assert lines["release", "twin", 1] == line_of(TEXT, "[[release.twin]]")
    assert lines["release", "twin", 1, "case"] == line_of(TEXT, 'case = "upper"')


def test_nothing_inside_a_string_or_an_array_counts() -> None:
    lines = defined_lines(TEXT)
    assert ("not",) not in lines
    assert lines["topics",] == line_of(TEXT, "[topics]")
    assert lines["topics", "basics"] == line_of(TEXT, 'basics = "Basics"')


def test_an_error_under_a_commented_header_points_at_its_key(tmp_path: Path) -> None:
    bank = tmp_path / "content"
    shutil.copytree(GOOD, bank)
    toml = bank / "set.toml"
    text = toml.read_text(encoding="utf-8").replace("[set]", "[set]  # who we are")
    toml.write_text(text.replace("author =", "auther ="), encoding="utf-8")
    with pytest.raises(ContentErrors) as caught:
        load(bank)
    (error,) = caught.value.errors
    assert "unknown key 'auther' in [set]" in error.message
    assert error.line == line_of(text, "author =")
