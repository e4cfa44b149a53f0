"""A release's option sets, checked together before anything is built (`release_option_sets`):
the themes they name, what a deck records, file names, and how many there may be."""

from __future__ import annotations

import shutil
import time
from collections.abc import Callable
from pathlib import Path

import click
import pytest

from qexport.errors import ContentErrors
from qexport.exporters import MAX_THEME_NAME
from qexport.loader import load
from qexport.model import QuestionSet
from qexport.release_config import release_runs
from qexport.release_option_sets import MAX_NAME_BYTES, MAX_OPTION_SETS
from qexport.themes import load_theme

from conftest import FIXTURES, GOOD, Run

SITE = FIXTURES / "release-limits" / "site"  # the plugin `named`


def loaded(tmp_path: Path, release: str) -> tuple[QuestionSet, str]:
    """The good bank, its set.toml ending with `release`; and that set.toml's text."""
    bank = tmp_path / "content"
    if not bank.exists():
        shutil.copytree(GOOD, bank)
    text = (GOOD / "set.toml").read_text(encoding="utf-8") + release
    (bank / "set.toml").write_text(text, encoding="utf-8")
    return load(bank).question_set, text


def line_of(text: str, start: str, nth: int = 0) -> int:
    lines = [n for n, line in enumerate(text.split("\n"), 1) if line.startswith(start)]
    return lines[nth]


def problems(question_set: QuestionSet, overrides: tuple[str, ...] = ()) -> list[tuple[int, str]]:
    with pytest.raises(ContentErrors) as caught:
        release_runs(question_set, overrides)
    assert {e.path for e in caught.value.errors} == {question_set.content_dir / "set.toml"}
    return [(error.line or 0, error.message) for error in caught.value.errors]


def usage_error(question_set: QuestionSet, *overrides: str) -> str:
    with pytest.raises(click.BadParameter) as caught:
        release_runs(question_set, overrides)
    assert caught.value.exit_code == 2
    return caught.value.format_message()


def project_theme(tmp_path: Path, name: str, text: str | None = None) -> None:
    """A theme `name` beside the bank: a copy of the default one, or `text`."""
    folder = tmp_path / "themes" / name
    folder.mkdir(parents=True)
    default = load_theme("default").path.read_text(encoding="utf-8")
    (folder / "theme.toml").write_text(default if text is None else text, encoding="utf-8")


@pytest.fixture
def plugin(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.syspath_prepend(str(SITE))


# --- B: every option called `theme`, of any exporter, names a theme that loads


def test_a_deck_theme_that_does_not_exist_is_refused_at_its_line(tmp_path: Path) -> None:
    question_set, text = loaded(tmp_path, '\n[release.anki]\ntheme = "nope"\n')
    ((line, message),) = problems(question_set)
    assert line == line_of(text, "theme")
    assert message.startswith("'theme' in [release.anki]: unknown theme 'nope' (built in: ")
    assert "unknown theme 'nope'" in usage_error(loaded(tmp_path, "")[0], "anki.theme=nope")


def test_a_broken_theme_file_is_refused_at_the_line_that_names_it(tmp_path: Path) -> None:
    project_theme(tmp_path, "broken", '[palette]\ntext = "red"\n')
    question_set, text = loaded(tmp_path, '\n[release.anki]\ntheme = ["broken"]\n')
    ((line, message),) = problems(question_set)
    assert line == line_of(text, "theme")
    theme_file = tmp_path / "themes" / "broken" / "theme.toml"
    assert message.startswith(f"'theme' in [release.anki]: {theme_file}:2: 'text' in [palette]")


# --- C: an exporter that records what changed records one thing per release


def test_two_deck_themes_are_refused_at_their_line_with_every_other_problem(
    tmp_path: Path,
) -> None:
    question_set, text = loaded(
        tmp_path,
        '\n[release.anki]\ntheme = ["default", "print"]\n[release.pdf]\npaper = "a5"\n',
    )
    found = problems(question_set)
    assert [line for line, _ in found] == [line_of(text, "theme"), line_of(text, "paper")]
    assert found[0][1] == (
        "'theme' in [release.anki]: the anki exporter records what changed in the content "
        "folder once per release, and its option sets would record different things "
        "(theme: default and print): a release builds it with one theme"
    )


def test_tables_that_give_the_deck_different_themes(tmp_path: Path) -> None:
    question_set, text = loaded(
        tmp_path, '\n[[release.anki]]\n[[release.anki]]\ntheme = "print"\n'
    )
    ((line, message),) = problems(question_set)
    assert line == line_of(text, "theme")
    assert "(theme: default and print)" in message
    question_set, text = loaded(
        tmp_path, '\n[[release.anki]]\ntheme = "print"\n[[release.anki]]\n'
    )
    ((line, message),) = problems(question_set)
    assert line == line_of(text, "[[release.anki]]", nth=1)  # the table that gives the other
    assert "(theme: print and default)" in message


def test_one_deck_theme_whichever_it_is_and_an_override_of_two(tmp_path: Path) -> None:
    question_set, _ = loaded(tmp_path, '\n[release.anki]\ntheme = ["print", "print"]\n')
    assert [o for n, o in release_runs(question_set) if n == "anki"] == [
        {"theme": "print", "preview": None}
    ]
    assert usage_error(question_set, "anki.theme=default,print").startswith(
        "Invalid value for '--set': anki.theme=default,print: the anki exporter records"
    )


# --- D: every file name fits the file system


@pytest.mark.usefixtures("plugin")
def test_a_file_name_longer_than_file_systems_take_is_refused(tmp_path: Path) -> None:
    question_set, text = loaded(
        tmp_path, '\n[release]\nexporters = ["named"]\n[release.named]\nwords = [1, 60]\n'
    )
    ((line, message),) = problems(question_set)
    assert line == line_of(text, "[release.named]")
    size = len("tiny-test-set-ids-plain.txt") + 5 * 60
    assert message.startswith(
        f"named with label=ids, tone=plain, words=60 would write a file whose name is {size} "
        f"bytes long (tiny-test-set-ids-plain-word-word-word-w...): most file systems take "
        f"at most {MAX_NAME_BYTES}"
    )
    assert "would write" in usage_error(loaded(tmp_path, "")[0], "named.words=60")


def test_a_theme_name_longer_than_file_names_allow_is_refused(tmp_path: Path) -> None:
    # A project's theme of 200 characters loads, but names files too long to write.
    long_name = "t" * 200
    project_theme(tmp_path, long_name)
    assert load_theme(long_name, tmp_path / "content").name == long_name
    for exporter in ("pdf", "anki"):
        question_set, text = loaded(tmp_path, f'\n[release.{exporter}]\ntheme = "{long_name}"\n')
        ((line, message),) = problems(question_set)
        assert line == line_of(text, "theme")
        assert message == (
            f"'theme' in [release.{exporter}]: a theme's name has at most {MAX_THEME_NAME} "
            "characters, not 200"
        )


# --- F: duplicates go before the product; a release has at most MAX_OPTION_SETS


@pytest.mark.usefixtures("plugin")
def test_too_many_option_sets_are_refused_before_any_is_made(tmp_path: Path) -> None:
    labels = ", ".join(f'"l{n}"' for n in range(200))
    question_set, text = loaded(
        tmp_path,
        f'\n[release]\nexporters = ["named"]\n[release.named]\nlabel = [{labels}]\n'
        f"tone = [{labels}]\nwords = [{', '.join(str(n) for n in range(1, 101))}]\n",
    )
    started = time.perf_counter()
    ((line, message),) = problems(question_set)
    assert time.perf_counter() - started < 5  # counted, not made: 4,000,000 of them
    assert line == line_of(text, "[release.named]")
    assert message == (
        "[release.named] gives 4,000,000 option sets (the product of 200 label values, "
        f"200 tone values, 100 words values): a release has at most {MAX_OPTION_SETS} "
        "(each is a build); give fewer values"
    )


@pytest.mark.usefixtures("plugin")
def test_the_limit_counts_every_table_of_the_release(tmp_path: Path) -> None:
    labels = ", ".join(f'"l{n}"' for n in range(300))
    tones = ", ".join(f'"t{n}"' for n in range(201))
    question_set, text = loaded(
        tmp_path,
        f'\n[release]\nexporters = ["named"]\n[[release.named]]\nlabel = [{labels}]\n'
        f"[[release.named]]\ntone = [{tones}]\n",
    )
    assert MAX_OPTION_SETS == 500  # 300 + 201 is one too many
    ((line, message),) = problems(question_set)
    assert line == line_of(text, "[[release.named]]")  # the table that gives the most
    assert message.startswith(
        "[release.named] gives 300 option sets (the product of 300 label values), "
        "and the release 501 in all: a release has at most 500"
    )
    many = ",".join(f"l{n}" for n in range(501))
    assert "gives 501 option sets" in usage_error(loaded(tmp_path, "")[0], f"named.label={many}")


def test_a_value_given_many_times_is_built_once_and_checked_once(tmp_path: Path) -> None:
    papers = ", ".join(['"a4"'] * 200_000)
    question_set, _ = loaded(tmp_path, f"\n[release.pdf]\npaper = [{papers}]\n")
    started = time.perf_counter()
    runs = release_runs(question_set)
    assert time.perf_counter() - started < 5
    assert runs == release_runs(loaded(tmp_path, '\n[release.pdf]\npaper = "a4"\n')[0])
    overridden = release_runs(question_set, ["pdf.paper=a4,letter,a4"])
    assert [o["paper"] for n, o in overridden if n == "pdf"] == ["a4", "letter"] * 3


# --- from the command line: set.toml's problems exit 1 at their line, a bad --set exits 2


def test_the_deck_theme_from_the_command_line(
    run: Callable[..., Run], bank: Path, tmp_path: Path
) -> None:
    dist = str(tmp_path / "dist")
    for override in ("anki.theme=nope", "anki.theme=default,print"):
        result = run("all", "--out", dist, "--set", override, content=bank)
        assert result.exit_code == 2, result.stderr
        assert f"Invalid value for '--set': {override}: " in result.stderr
    text = (bank / "set.toml").read_text(encoding="utf-8") + '\n[release.anki]\ntheme = "nope"\n'
    (bank / "set.toml").write_text(text, encoding="utf-8")
    for command in (["validate"], ["all", "--out", dist]):
        result = run(*command, content=bank)
        assert result.exit_code == 1, result.stderr
        assert f"set.toml:{line_of(text, 'theme')}: 'theme' in [release.anki]: unknown" in (
            result.stderr
        )
    assert not (tmp_path / "dist").exists()


@pytest.mark.usefixtures("plugin")
def test_validate_finds_a_name_too_long_before_all_fails_to_write_it(
    run: Callable[..., Run], bank: Path, tmp_path: Path
) -> None:
    release = '\n[release]\nexporters = ["named"]\n[release.named]\nwords = 60\n'
    text = (bank / "set.toml").read_text(encoding="utf-8") + release
    (bank / "set.toml").write_text(text, encoding="utf-8")
    for command in (["validate"], ["all", "--out", str(tmp_path / "dist")]):
        result = run(*command, content=bank)
        assert result.exit_code == 1, result.stderr
        assert f"set.toml:{line_of(text, '[release.named]')}: named with " in result.stderr
        assert "File name too long" not in result.stderr
