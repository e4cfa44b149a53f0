"""validate finds first what the PDFs would reject, with the very messages they give."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path

import pytest

from conftest import GOOD, Run

SIGMA = "\u03c3"  # written so: it looks like a Latin o
GREEK_SOURCE = """# Basic

{#sigma topic=data-types}
## What does @ mean in `@ = 1`?

Σ is a sum; @ a deviation, and ⌈x⌉ the ceiling.

```python
@ = 1  # ⌈@⌉
```

{#more topic=data-types}
## Is λ written like @?

λ and @ and @ again.
"""
GREEK = GREEK_SOURCE.replace("@", SIGMA)


def _bank(tmp_path: Path, basic: str) -> Path:
    bank = tmp_path / "content"
    shutil.copytree(GOOD, bank)
    (bank / "basic.md").write_text(basic, encoding="utf-8")
    return bank


def _errors(result: Run) -> list[str]:
    return [line for line in result.stderr.splitlines() if "warning:" not in line]


def test_missing_glyphs_are_one_line_per_character_and_file_both_fonts_at_once(
    run: Callable[..., Run], tmp_path: Path
) -> None:
    bank = _bank(tmp_path, GREEK)
    result = run("validate", content=bank)
    assert result.exit_code == 1
    lines = _errors(result)
    basic = bank / "basic.md"
    serif, mono = "IBM Plex Serif", "IBM Plex Mono"
    expected = [
        f"{basic}:4: '{SIGMA}' (U+03C3 GREEK SMALL LETTER SIGMA) is not in the font {serif}, "
        "so the PDF cannot show it (5 times, on lines 4, 6, 13, 15)",
        f"{basic}:4: '{SIGMA}' (U+03C3 GREEK SMALL LETTER SIGMA) is not in the font {mono}, "
        "so the PDF cannot show it (3 times, on lines 4, 8)",
        f"{basic}:6: 'Σ' (U+03A3 GREEK CAPITAL LETTER SIGMA) is not in the font {serif}, so "
        "the PDF cannot show it (1 time, on line 6)",
        f"{basic}:6: '⌈' (U+2308 LEFT CEILING) is not in the font {serif}, so the PDF cannot "
        "show it (1 time, on line 6)",
    ]
    for line in expected:
        assert line in lines, "\n".join(lines)
    # One line per character, font and file, whatever the number of places.
    assert sum(f"'{SIGMA}'" in line for line in lines) == 2
    assert lines[-2].startswith("  hint: the theme 'default' prints text in IBM Plex Serif")
    assert "--theme NAME" in lines[-2]
    assert lines[-1].startswith("qexport: ")


# Under the loader's 1,000 characters, but too wide for a card at any size.
WIDE = " ".join(["WWWWWWWWW"] * 99)
LONG_QUESTION = f"# Basic\n\n{{#long topic=data-types}}\n## {WIDE}?\n\nAn answer.\n"


@pytest.mark.parametrize(
    ("basic", "layout"),
    [(GREEK, "booklet"), (GREEK, "cards"), (LONG_QUESTION, "cards")],
    ids=["glyphs-booklet", "glyphs-cards", "question-too-long-for-a-card"],
)
def test_validate_fails_first_with_the_messages_the_export_gives(
    basic: str, layout: str, run: Callable[..., Run], tmp_path: Path
) -> None:
    bank = _bank(tmp_path, basic)
    validate = run("validate", content=bank)
    out = tmp_path / "out"
    export = run("pdf", "--layout", layout, "--out", str(out), content=bank)
    release = run("all", "--out", str(tmp_path / "dist"), content=bank)
    for result in (validate, export, release):
        assert result.exit_code == 1, result.stderr
        assert "Traceback" not in result.stderr
    assert _errors(export)
    assert set(_errors(export)) <= set(_errors(validate))
    assert _errors(release) == _errors(validate)
    assert not out.exists()  # found before anything was written
    assert not (tmp_path / "dist").exists()


def test_a_question_too_long_for_a_card_is_reported_at_its_line(
    run: Callable[..., Run], tmp_path: Path
) -> None:
    bank = _bank(tmp_path, LONG_QUESTION)
    result = run("validate", content=bank)
    assert result.exit_code == 1
    assert f"{bank / 'basic.md'}:4: this question is too long to fit on a flash card" in (
        result.stderr
    )
