"""What `qexport all` builds, as set.toml's [release] and `--set` say (`release_config`)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import click
import pytest

from qexport.errors import ContentErrors, QexportError
from qexport.exporters.pdf import PdfExporter
from qexport.loader import load
from qexport.model import QuestionSet
from qexport.registry import exporter_names, load_exporter, release_options
from qexport.release_config import release_runs

from conftest import CONTENT, FIXTURES, GOOD

SITE = FIXTURES / "release-config" / "site"  # the plugins `twin` and `broken`


def with_release(tmp_path: Path, release: str) -> tuple[Path, str]:
    """A copy of the good bank whose set.toml ends with `release`; and that set.toml's text."""
    bank = tmp_path / "content"
    shutil.copytree(GOOD, bank)
    text = (bank / "set.toml").read_text(encoding="utf-8") + release
    (bank / "set.toml").write_text(text, encoding="utf-8")
    return bank, text


def loaded(tmp_path: Path, release: str) -> tuple[QuestionSet, str]:
    bank, text = with_release(tmp_path, release)
    return load(bank).question_set, text


def line_of(text: str, start: str) -> int:
    return next(n for n, line in enumerate(text.split("\n"), 1) if line.startswith(start))


def pdfs(runs: list[tuple[str, dict[str, Any]]]) -> list[tuple[str, ...]]:
    return [(o["layout"], o["paper"], o["theme"], o["sides"]) for n, o in runs if n == "pdf"]


PAPERS_AND_THEMES = """
[release.pdf]
paper = ["a4", "letter"]
theme = ["default", "print"]
"""


def test_without_a_release_table_a_release_is_what_it_always_was() -> None:
    question_set = load(CONTENT).question_set
    assert "[release" not in (CONTENT / "set.toml").read_text(encoding="utf-8")
    before = [
        (name, options)
        for name in exporter_names()
        for options in release_options(load_exporter(name))
    ]
    assert release_runs(question_set) == before
    assert [name for name, _ in before] == ["anki", "csv", "csv", "pdf", "pdf", "pdf"]


def test_the_configured_values_give_the_product_over_the_exporters_own_variants(
    tmp_path: Path,
) -> None:
    question_set, _ = loaded(
        tmp_path, '\n[release]\nexporters = ["pdf", "csv"]\n' + PAPERS_AND_THEMES
    )
    runs = release_runs(question_set)
    assert [name for name, _ in runs] == ["pdf"] * 12 + ["csv"] * 2
    assert pdfs(runs) == [
        (layout, paper, theme, "two")
        for layout in ("booklet", "cheatsheet", "cards")  # pdf's own variants, not set here
        for paper in ("a4", "letter")
        for theme in ("default", "print")
    ]
    assert [o["dialect"] for n, o in runs if n == "csv"] == ["anki", "plain"]


def test_a_value_replaces_a_variant_and_duplicates_go(tmp_path: Path) -> None:
    question_set, _ = loaded(
        tmp_path,
        '\n[release.csv]\ndialect = "plain"\n[release.pdf]\nlayout = ["cards", "cards"]\n',
    )
    runs = release_runs(question_set)
    assert [o for n, o in runs if n == "csv"] == [{"dialect": "plain", "bom": False}]
    assert pdfs(runs) == [("cards", "a4", "default", "two")]


def test_tables_of_an_array_each_give_their_own_option_sets(tmp_path: Path) -> None:
    # A one-sided booklet beside the other layouts: `sides` only for the booklet.
    question_set, _ = loaded(
        tmp_path,
        '\n[[release.pdf]]\nlayout = "booklet"\nsides = ["one", "two"]\n'
        '[[release.pdf]]\nlayout = ["cheatsheet", "cards"]\n',
    )
    assert pdfs(release_runs(question_set)) == [
        ("booklet", "a4", "default", "one"),
        ("booklet", "a4", "default", "two"),
        ("cheatsheet", "a4", "default", "two"),
        ("cards", "a4", "default", "two"),
    ]


def test_every_problem_comes_out_at_its_line_in_one_run(tmp_path: Path) -> None:
    question_set, text = loaded(
        tmp_path,
        """
[release]
exporters = ["pdf", "csvv"]

[release.pdf]
papr = "a4"
paper = ["a5", "letter"]
layout = 3
theme = ["default", "prnt"]

[release.csv]
dialect = "plain"

[release.epub]
paper = "a4"
""",
    )
    with pytest.raises(ContentErrors) as caught:
        release_runs(question_set)
    found = [(error.line, error.message) for error in caught.value.errors]
    assert {error.path for error in caught.value.errors} == {question_set.content_dir / "set.toml"}
    expected = [
        ("exporters", "'exporters' in [release]: 'csvv' is not an installed exporter; "
         "did you mean 'csv'?"),
        ("papr", "unknown option 'papr' in [release.pdf]; did you mean 'paper'? "
         "(known: layout, paper, sides, theme)"),
        ("paper", "'paper' in [release.pdf]: 'a5' is not one of 'a4', 'letter'"),
        ("layout", "'layout' in [release.pdf] must be a string, not 3"),
        ("theme", "'theme' in [release.pdf]: unknown theme 'prnt'; did you mean 'print'?"),
        ("[release.csv]", "[release.csv] sets options of csv, which 'exporters' in [release] "
         "leaves out"),
        ("[release.epub]", "[release.epub]: 'epub' is not an installed exporter"),
    ]  # fmt: skip
    assert len(found) == len(expected)
    for (line, message), (start, wanted) in zip(found, expected, strict=True):
        assert line == line_of(text, start)
        assert message.startswith(wanted)


def test_options_a_release_cannot_set(tmp_path: Path) -> None:
    question_set, text = loaded(tmp_path, '\n[release.anki]\npreview = "cards"\n')
    with pytest.raises(ContentErrors) as caught:
        release_runs(question_set)
    (error,) = caught.value.errors
    assert error.line == line_of(text, "preview")
    assert error.message == (
        "'preview' in [release.anki] names a file or folder: a release writes only into its own"
    )


def test_options_that_do_not_go_together_are_caught_before_any_build(tmp_path: Path) -> None:
    # One-sided is for the booklet: with the cheat sheet and cards, pdf would fail mid-release.
    question_set, text = loaded(tmp_path, '\n[release.pdf]\nsides = ["one", "two"]\n')
    with pytest.raises(ContentErrors) as caught:
        release_runs(question_set)
    (error,) = caught.value.errors  # once for the table, not once per option set
    assert error.line == line_of(text, "[release.pdf]")
    assert error.message.startswith(
        "pdf with layout=cheatsheet, paper=a4, sides=one, theme=default: "
        "--sides one is for the booklet"
    )
    assert "[[release.pdf]] table of their own" in error.message


@pytest.fixture
def plugins(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.syspath_prepend(str(SITE))


@pytest.mark.usefixtures("plugins")
def test_option_sets_that_would_write_one_file_twice_are_refused(tmp_path: Path) -> None:
    question_set, text = loaded(
        tmp_path,
        '\n[release]\nexporters = ["twin"]\n[release.twin]\ncase = ["upper", "lower"]\n'
        "shout = [true, false]\ncopies = 2\n",
    )
    with pytest.raises(ContentErrors) as caught:
        release_runs(question_set)
    messages = [(error.line, error.message) for error in caught.value.errors]
    assert messages == [
        (
            line_of(text, "[release.twin]"),
            f"twin would write tiny-test-set-ids-{case}.txt twice: with case={case}, "
            f"shout=True, copies=2, and with case={case}, shout=False, copies=2",
        )
        for case in ("upper", "lower")
    ]


@pytest.mark.usefixtures("plugins")
def test_a_plugins_own_option_types_check_its_values(tmp_path: Path) -> None:
    question_set, text = loaded(
        tmp_path,
        '\n[release]\nexporters = ["twin"]\n[release.twin]\nshout = "yes"\ncopies = [1, 4, 2.5]\n',
    )
    with pytest.raises(ContentErrors) as caught:
        release_runs(question_set)
    assert [(error.line, error.message) for error in caught.value.errors] == [
        (line_of(text, "shout"), "'shout' in [release.twin] must be true or false, not \"yes\""),
        (line_of(text, "copies"), "'copies' in [release.twin]: 4 is not in the range 1<=x<=3"),
        (line_of(text, "copies"), "'copies' in [release.twin] must be a whole number, not 2.5"),
    ]


@pytest.mark.usefixtures("plugins")
def test_a_plugin_that_fails_to_load(tmp_path: Path) -> None:
    # Named in set.toml: at its line, with the rest. Not named: it fails the release, as before.
    question_set, text = loaded(tmp_path, '\n[release]\nexporters = ["pdf", "broken"]\n')
    with pytest.raises(ContentErrors) as caught:
        release_runs(question_set)
    (error,) = caught.value.errors
    assert error.line == line_of(text, "exporters")
    assert error.message.startswith("exporter plugin 'broken' (")
    assert "No module named 'weasyprint'" in error.message
    with pytest.raises(QexportError, match="exporter plugin 'broken'"):
        release_runs(load(GOOD).question_set)


def test_overrides_replace_the_configured_values(tmp_path: Path) -> None:
    question_set, _ = loaded(tmp_path, PAPERS_AND_THEMES)
    runs = release_runs(question_set, ["pdf.paper=letter", "pdf.layout = booklet,cards"])
    assert pdfs(runs) == [
        (layout, "letter", theme, "two")
        for layout in ("booklet", "cards")
        for theme in ("default", "print")
    ]
    assert [o["dialect"] for n, o in runs if n == "csv"] == ["anki", "plain"]  # untouched
    csv_plain = release_runs(question_set, ["csv.dialect=plain", "csv.bom=true"])
    assert [o for n, o in csv_plain if n == "csv"] == [{"dialect": "plain", "bom": True}]


def test_overrides_of_every_table_of_an_array(tmp_path: Path) -> None:
    question_set, _ = loaded(
        tmp_path,
        '\n[[release.pdf]]\nlayout = "booklet"\nsides = ["one", "two"]\n'
        '[[release.pdf]]\nlayout = "cards"\n',
    )
    assert pdfs(release_runs(question_set, ["pdf.paper=letter"])) == [
        ("booklet", "letter", "default", "one"),
        ("booklet", "letter", "default", "two"),
        ("cards", "letter", "default", "two"),
    ]


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        (["pdf.paper"], "pdf.paper: give EXPORTER.OPTION=VALUE[,VALUE...]"),
        (["paper=a4"], "paper=a4: give EXPORTER.OPTION=VALUE[,VALUE...]"),
        (["pdf.paper="], "pdf.paper=: give a value after '='"),
        (["pdf.paper=a4,,letter"], "pdf.paper=a4,,letter: give a value after '='"),
        (["pdff.paper=a4"], "pdff.paper=a4: 'pdff' is not an installed exporter; did you mean"),
        (["csv.dialect=plain"], "csv.dialect=plain: csv is not in this release, which builds pdf"),
        (["pdf.papr=a4"], "pdf.papr=a4: unknown option 'papr' of pdf; did you mean 'paper'?"),
        (["pdf.paper=a5"], "pdf.paper=a5: 'paper' of pdf: 'a5' is not one of 'a4', 'letter'"),
        (["pdf.theme=prnt"], "pdf.theme=prnt: unknown theme 'prnt'; did you mean 'print'?"),
        (["pdf.sides=one"], "pdf.sides=one: pdf with layout=cheatsheet, paper=a4, sides=one"),
        (
            ["pdf.paper=a4", "pdf.paper=letter"],
            "pdf.paper=letter: pdf.paper is set twice: give its values once, comma-separated",
        ),
    ],
)
def test_a_bad_override_is_a_usage_error_that_names_it(
    tmp_path: Path, overrides: list[str], message: str
) -> None:
    question_set, _ = loaded(tmp_path, '\n[release]\nexporters = ["pdf"]\n')
    with pytest.raises(click.BadParameter) as caught:
        release_runs(question_set, overrides)
    assert caught.value.exit_code == 2
    assert caught.value.format_message().startswith(f"Invalid value for '--set': {message}")


def test_set_toml_problems_come_before_an_override_is_looked_at(tmp_path: Path) -> None:
    question_set, _ = loaded(tmp_path, '\n[release.pdf]\npaper = "a5"\n')
    with pytest.raises(ContentErrors):
        release_runs(question_set, ["pdf.papr=a4"])


def test_a_bad_value_of_one_exporter_hides_no_problem_of_another(tmp_path: Path) -> None:
    # csv's value is wrong alone; pdf's option sets are wrong together: both at once.
    question_set, text = loaded(
        tmp_path, '\n[release.pdf]\nsides = ["one", "two"]\n[release.csv]\ndialect = "tsv"\n'
    )
    with pytest.raises(ContentErrors) as caught:
        release_runs(question_set)
    found = [(error.line, error.message[:40]) for error in caught.value.errors]
    assert found == [
        (line_of(text, "[release.pdf]"), "pdf with layout=cheatsheet, paper=a4, si"),
        (line_of(text, "dialect"), "'dialect' in [release.csv]: 'tsv' is not"),
    ]


@pytest.mark.parametrize(
    ("release", "shown"),
    [
        (
            '\n[release]\nexporters = ["pd\\u001bf", "x\\ny"]\n',
            ["'pd\\x1bf' is not an installed exporter", "'x\\ny' is not an installed exporter"],
        ),
        ('\n[release."pd\\nf"]\npaper = "a4"\n', ["[release.pd\\nf]: 'pd\\nf' is not an"]),
        ('\n[release.pdf]\n"pa\\rper" = "a4"\n', ["unknown option 'pa\\rper' in [release.pdf]"]),
    ],
)
def test_names_from_set_toml_reach_the_terminal_escaped(
    tmp_path: Path, release: str, shown: list[str]
) -> None:
    question_set, _ = loaded(tmp_path, release)
    with pytest.raises(ContentErrors) as caught:
        release_runs(question_set)
    messages = [error.message for error in caught.value.errors]
    assert all(message.isprintable() for message in messages)
    assert [any(part in m for m in messages) for part in shown] == [True] * len(shown)
    with pytest.raises(click.BadParameter) as usage:
        release_runs(load(GOOD).question_set, ["pd\x1bf.paper=a4"])
    assert usage.value.format_message().isprintable()


@pytest.mark.parametrize(
    "options",
    [
        {"layout": "booklet", "paper": "a4", "theme": "default", "sides": "two"},
        {"layout": "booklet", "paper": "letter", "theme": "print", "sides": "one"},
        {"layout": "cards", "paper": "letter", "theme": "default", "sides": "two"},
    ],
)
def test_the_pdf_names_its_file_as_its_export_writes_it(
    built_pdf: Any, options: dict[str, str]
) -> None:
    pdf = built_pdf(GOOD, *(arg for key, value in options.items() for arg in (f"--{key}", value)))
    named = PdfExporter().artifact_names(load(GOOD).question_set, options)
    assert named == [pdf.name]


# --- needs the CLI wiring: `qexport all --set` and `release_runs` called by `all` and
# --- `validate`. These run the real command in a subprocess.


def qexport(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "qexport", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        env={**os.environ, "SOURCE_DATE_EPOCH": "1700000000"},
        check=False,
    )


def test_a_configured_release_is_built_and_overridden_from_the_command_line(
    tmp_path: Path,
) -> None:
    with_release(tmp_path, '\n[release]\nexporters = ["pdf", "csv"]\n' + PAPERS_AND_THEMES)
    built = qexport("all", "--jobs", "2", cwd=tmp_path)
    assert built.returncode == 0, built.stderr
    names = sorted(p.name for p in (tmp_path / "dist").glob("*.pdf"))
    assert names == sorted(
        f"tiny-test-set-{layout}-{paper}{'-print' if theme == 'print' else ''}.pdf"
        for layout in ("booklet", "cheatsheet", "cards")
        for paper in ("a4", "letter")
        for theme in ("default", "print")
    )
    assert not list((tmp_path / "dist").glob("*.apkg"))  # anki is not in this release
    letter = qexport(
        "all", "--out", "letter", "--set", "pdf.paper=letter", "--set", "pdf.layout=booklet",
        cwd=tmp_path,
    )  # fmt: skip
    assert letter.returncode == 0, letter.stderr
    assert sorted(p.name for p in (tmp_path / "letter").glob("*.pdf")) == [
        "tiny-test-set-booklet-letter-print.pdf",
        "tiny-test-set-booklet-letter.pdf",
    ]
    for name in ("tiny-test-set-booklet-letter.pdf", "tiny-test-set-booklet-letter-print.pdf"):
        assert (tmp_path / "letter" / name).read_bytes() == (tmp_path / "dist" / name).read_bytes()


def test_release_problems_from_the_command_line(tmp_path: Path) -> None:
    _, text = with_release(tmp_path, '\n[release.pdf]\npaper = ["a4", "a5"]\n')
    for command in (["validate"], ["all"]):
        failed = qexport(*command, cwd=tmp_path)
        assert failed.returncode == 1, failed.stderr
        assert "Traceback" not in failed.stderr
        line = line_of(text, "paper")
        assert f"set.toml:{line}: 'paper' in [release.pdf]: 'a5' is not one of" in failed.stderr
    (tmp_path / "content" / "set.toml").write_text(text.replace(', "a5"', ""), encoding="utf-8")
    usage = qexport("all", "--set", "pdf.paper=a5", cwd=tmp_path)
    assert usage.returncode == 2
    assert "'--set': pdf.paper=a5: 'paper' of pdf: 'a5' is not one of" in usage.stderr
    assert not (tmp_path / "dist").exists()
