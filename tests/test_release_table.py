"""set.toml's [release] table, as the loader reads it: its shape, with lines.

Which exporters and options exist is checked when a release is planned
(tests/test_release_config.py); the loader checks only what any set.toml must be.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from qexport.errors import ContentErrors
from qexport.loader import load
from qexport.model import ReleaseConfig, ReleaseOption, ReleaseTable

from conftest import GOOD


def with_release(tmp_path: Path, release: str) -> tuple[Path, str]:
    """A copy of the good bank whose set.toml ends with `release` (starts, for a top-level
    key); and that set.toml's text."""
    bank = tmp_path / "content"
    shutil.copytree(GOOD, bank)
    text = (bank / "set.toml").read_text(encoding="utf-8")
    text = release.lstrip() + text if release.lstrip().startswith("release =") else text + release
    (bank / "set.toml").write_text(text, encoding="utf-8")
    return bank, text


def line_of(text: str, start: str) -> int:
    return next(n for n, line in enumerate(text.split("\n"), 1) if line.startswith(start))


def test_a_set_without_release_table_has_the_empty_one() -> None:
    assert load(GOOD).question_set.meta.release == ReleaseConfig()


def test_the_table_is_kept_as_written_with_its_lines(tmp_path: Path) -> None:
    bank, text = with_release(
        tmp_path,
        """
[release]
exporters = ["pdf", "csv"]
anki = { theme = "print" }

[release.pdf]
paper = ["a4", "letter"]
copies = 2

[[release.csv]]
dialect = "plain"
bom = true
[[release.csv]]
dialect = "anki"
""",
    )
    release = load(bank).question_set.meta.release
    anki = line_of(text, "anki =")
    pdf, csv_tables = line_of(text, "[release.pdf]"), line_of(text, "[[release.csv]]")
    assert release == ReleaseConfig(
        exporters=("pdf", "csv"),
        exporters_line=line_of(text, "exporters ="),
        tables=(
            ReleaseTable("anki", (ReleaseOption("theme", ("print",), anki),), anki),
            ReleaseTable(
                "pdf",
                (
                    ReleaseOption("paper", ("a4", "letter"), line_of(text, "paper =")),
                    ReleaseOption("copies", (2,), line_of(text, "copies =")),
                ),
                pdf,
            ),
            ReleaseTable(
                "csv",
                (
                    ReleaseOption("dialect", ("plain",), csv_tables + 1),
                    ReleaseOption("bom", (True,), csv_tables + 2),
                ),
                csv_tables,
            ),
            ReleaseTable(
                "csv", (ReleaseOption("dialect", ("anki",), csv_tables + 4),), csv_tables + 3
            ),
        ),
    )
    assert release.exporters_line is not None
    hash(release)  # frozen all the way down


@pytest.mark.parametrize(
    ("release", "message", "start"),
    [
        ("\nrelease = 3\n", "[release] is not a table", "release ="),
        ("\n[release]\nexporters = [1]\n", "'exporters' in [release] must be a list", "exp"),
        ("\n[release]\nexporters = []\n", "'exporters' in [release] is empty", "exporters"),
        (
            '\n[release]\nexporters = ["pdf", "csv", "pdf"]\n',
            "'exporters' in [release] lists pdf more than once",
            "exporters",
        ),
        (
            '\n[release]\npaper = "a4"\n',
            "unknown key 'paper' in [release] ([release] holds 'exporters', and a table",
            "paper",
        ),
        ("\n[release]\npdf = []\n", "unknown key 'pdf' in [release]", "pdf ="),
        ("\n[release.pdf]\npaper = []\n", "'paper' in [release.pdf] is an empty list", "pa"),
        (
            "\n[release.pdf]\nrelease_date = 2024-01-01\n",
            "'release_date' in [release.pdf] must be a value (a string, number, true or false)",
            "release_date",
        ),
        ('\n[release.pdf]\npaper = ["a4", ["letter"]]\n', "must be a value", "paper"),
        ('\n[release.pdf]\npaper = { size = "a4" }\n', "must be a value", "paper"),
        ('\n[[release.csv]]\n[[release.csv]]\nbom = ["x", {}]\n', "must be a value", "bom"),
    ],
)
def test_a_table_of_the_wrong_shape_fails_to_load_at_its_line(
    tmp_path: Path, release: str, message: str, start: str
) -> None:
    bank, text = with_release(tmp_path, release)
    with pytest.raises(ContentErrors) as caught:
        load(bank)
    (error,) = caught.value.errors
    assert message in error.message
    assert error.path == bank / "set.toml"
    assert error.line == line_of(text, start)


def test_every_shape_problem_comes_out_in_one_run(tmp_path: Path) -> None:
    bank, text = with_release(
        tmp_path,
        '\n[release]\nexporters = []\nformat = "a4"\n[release.pdf]\npaper = []\ntheme = {}\n',
    )
    with pytest.raises(ContentErrors) as caught:
        load(bank)
    lines = [error.line for error in caught.value.errors]
    assert lines == [line_of(text, key) for key in ("exporters", "format", "paper", "theme")]
