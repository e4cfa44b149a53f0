"""`qexport all --quiet` prints errors only: no warning, no note, on success or failure."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from conftest import Run, clean_failure

PLACEHOLDER = "\n{#ph topic=data-types}\n## What is still to be written?\n\nAnswer here\n"


def _with_warnings(bank: Path) -> Path:
    """`bank` with a question that draws two warnings: no key answer, a placeholder."""
    level = bank / "basic.md"
    with level.open("a", encoding="utf-8") as f:
        f.write(PLACEHOLDER)
    return level


def test_a_bank_with_warnings_builds_in_silence(
    release_run: Callable[..., Run], bank: Path
) -> None:
    level = _with_warnings(bank)
    loud = release_run("--only", "csv")
    assert loud.exit_code == 0, loud.stderr
    assert f"{level}:" in loud.stderr
    assert "warning: the answer is a placeholder" in loud.stderr
    quiet = release_run("--only", "csv", "--quiet")
    assert (quiet.exit_code, quiet.stdout, quiet.stderr) == (0, "", "")


def test_quiet_leaves_out_the_notes_too(
    release_run: Callable[..., Run], bank: Path, tmp_path: Path
) -> None:
    # Without a release to carry them over from, --only says what the release goes
    # without; a new lock file says to commit it. Neither is an error.
    (bank / "qexport.lock.json").unlink(missing_ok=True)
    loud = release_run("--only", "anki", out=tmp_path / "loud")
    assert "will hold nothing of" in loud.stderr
    assert "commit it with the content" in loud.stderr
    (bank / "qexport.lock.json").unlink()
    quiet = release_run("--only", "anki", "--quiet", out=tmp_path / "quiet")
    assert (quiet.exit_code, quiet.stdout, quiet.stderr) == (0, "", "")


def test_quiet_still_prints_every_error_at_its_line(
    release_run: Callable[..., Run], bank: Path
) -> None:
    level = _with_warnings(bank)
    lines = level.read_text(encoding="utf-8").split("\n")
    with level.open("a", encoding="utf-8") as f:
        f.write("\n```python\ndef broken(:\n```\n")
    fence = len(lines) + 1
    result = release_run("--only", "csv", "--quiet")
    clean_failure(result, f"{level}:{fence + 1}: python code does not compile")
    assert result.stdout == ""
    assert "warning" not in result.stderr
    assert result.stderr.splitlines()[-1] == "qexport: 1 error in the content"
    loud = release_run("--only", "csv")
    heading = lines.index("## What is still to be written?") + 1
    clean_failure(loud, f"{level}:{heading}: warning: no key answer")
