"""Each bad fixture bank gives exactly the messages in its expected.txt, and exit 1.

Fixtures live in tests/fixtures/bad/<kind>/: a `content/` folder with one
kind of mistake, and `expected.txt` with what `qexport validate` must print.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path

import pytest

from qexport.errors import ContentErrors
from qexport.loader import load

from conftest import FIXTURES, GOOD, Run

BAD = sorted(p for p in (FIXTURES / "bad").iterdir() if p.is_dir())


def test_every_kind_of_error_has_a_fixture() -> None:
    kinds = {p.name for p in BAD}
    assert {
        "duplicate-id",
        "unknown-level",
        "unknown-topic",
        "unknown-metadata-key",
        "no-answer",
        "empty-set",
        "python-syntax",
        "not-utf8",
        "malformed-toml",
        "release-table",
    } <= kinds


@pytest.mark.parametrize("fixture", BAD, ids=[p.name for p in BAD])
def test_bad_bank_reports_exact_messages(
    fixture: Path, run: Callable[..., Run], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(fixture)
    result = run("validate")
    assert result.exit_code == 1
    assert result.stdout == ""
    assert result.stderr == (fixture / "expected.txt").read_text(encoding="utf-8")
    assert "Traceback" not in result.stderr


@pytest.mark.parametrize("fixture", BAD, ids=[p.name for p in BAD])
def test_every_error_points_at_a_file_and_line(
    fixture: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(fixture)
    with pytest.raises(ContentErrors) as caught:
        load(Path("content"))
    for error in caught.value.errors:
        assert error.path.parts[0] == "content"
        if fixture.name != "no-metadata":
            assert error.line is not None
            assert error.line >= 1


def test_all_errors_come_out_in_one_run(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(FIXTURES / "bad" / "many-errors")
    with pytest.raises(ContentErrors) as caught:
        load(Path("content"))
    messages = [e.message for e in caught.value.errors]
    assert len(messages) == 5
    assert any(m.startswith("unknown topic") for m in messages)
    assert any(m.startswith("duplicate id") for m in messages)
    assert any(m.startswith("unknown key 'auther'") for m in messages)
    assert any(m.startswith("python code does not compile") for m in messages)
    assert "no answer" in messages


def test_missing_content_directory(run: Callable[..., Run], tmp_path: Path) -> None:
    result = run("validate", content=tmp_path / "nowhere")
    assert result.exit_code == 1
    assert "no such content directory" in result.stderr
    assert "Traceback" not in result.stderr


def test_a_question_id_beyond_ascii_says_why(bank: Path, run: Callable[..., Run]) -> None:
    basic = bank / "basic.md"
    text = basic.read_text(encoding="utf-8")
    basic.write_text(text.replace("{#dict-order ", "{#λεξικό "), encoding="utf-8")
    result = run("validate", content=bank)
    assert result.exit_code == 1
    assert (
        "id 'λεξικό' must be a lowercase slug like 'list-vs-tuple' (ids are ASCII, as they "
        "name links and files; labels and tags may use any script)"
    ) in result.stderr


@pytest.mark.parametrize("preamble", ["0. a list from zero", "3. a list from three\n4. on"])
def test_a_numbered_list_in_the_preamble_is_prose(tmp_path: Path, preamble: str) -> None:
    """A list's own start number is not an attribute line (found by test_fuzz)."""
    bank = tmp_path / "content"
    shutil.copytree(GOOD, bank)
    level = bank / "basic.md"
    level.write_text(preamble + "\n\n" + level.read_text(encoding="utf-8"), encoding="utf-8")
    assert load(bank).question_set.questions
