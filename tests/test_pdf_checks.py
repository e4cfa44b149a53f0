"""validate finds first what the PDFs would reject, with the very messages they give."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path

import pytest

from conftest import GOOD, ROOT, Run

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
# Only a warning for the loader, but more than a card's back holds at any size.
LONG_KEY = "# Basic\n\n{#long topic=data-types}\n## Why?\n\n{.key}\n" + "Because " * 400 + "\n"


@pytest.mark.parametrize(
    ("basic", "layout"),
    [(GREEK, "booklet"), (GREEK, "cards"), (LONG_QUESTION, "cards"), (LONG_KEY, "cards")],
    ids=[
        "glyphs-booklet",
        "glyphs-cards",
        "question-too-long-for-a-card",
        "key-answer-too-long-for-a-card",
    ],
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


def test_a_key_answer_too_long_for_a_card_is_reported_at_its_line(
    run: Callable[..., Run], tmp_path: Path
) -> None:
    bank = _bank(tmp_path, LONG_KEY)
    result = run("validate", content=bank)
    assert result.exit_code == 1
    assert (
        f"{bank / 'basic.md'}:7: this key answer (400 words) is too long to fit on a flash card"
        in result.stderr
    )


LAMBDA_SOURCE = """# Basic

{#lam topic=data-types}
## What is a λ?

A λ is a function without a name; *λ* again.
"""
FACE_NAMES = ("regular", "bold", "italic", "bold_italic")


def _theme_with_faces(content: Path, lacking: tuple[str, ...]) -> Path:
    """The release's theme `faces` beside `content`: its text font's faces in `lacking` lack λ."""
    from font_building import TEXT, build_font

    folder = content.parent / "themes" / "faces"
    folder.mkdir(parents=True)
    build_font(folder / "Full.ttf", (), "Full", TEXT)
    build_font(folder / "NoLambda.ttf", (), "NoLambda", TEXT.replace("λ", ""))
    palette = (ROOT / "themes" / "default" / "theme.toml").read_text(encoding="utf-8")
    palette = palette.split("[fonts]")[0]  # the default theme's colours, not its fonts
    files = [f'{face} = "{"NoLambda" if face in lacking else "Full"}.ttf"' for face in FACE_NAMES]
    theme = folder / "theme.toml"
    theme.write_text(palette + "[fonts.body]\n" + "\n".join(files) + "\n", encoding="utf-8")
    with (content / "set.toml").open("a", encoding="utf-8") as metadata:
        metadata.write('\n[release.pdf]\ntheme = "faces"\n')  # what validate checks
    return theme


@pytest.mark.parametrize(
    ("lacking", "what"),
    [
        ((), ""),
        (
            ("bold",),
            "the bold face of the font Full.ttf (NoLambda.ttf), "
            "so the PDF cannot show it in bold text",
        ),
        (
            ("italic", "bold_italic"),
            "the italic and bold italic faces of the font Full.ttf (NoLambda.ttf), "
            "so the PDF cannot show it in italic or bold italic text",
        ),
        (
            ("bold", "italic", "bold_italic"),
            "the bold, italic and bold italic faces of the font Full.ttf (NoLambda.ttf), "
            "so the PDF cannot show it in bold or italic text",
        ),
        (
            ("regular",),
            "the regular face of the font NoLambda.ttf (NoLambda.ttf), "
            "so the PDF cannot show it in regular text",
        ),
        (FACE_NAMES, "the font NoLambda.ttf, so the PDF cannot show it"),  # as before
    ],
    ids=["none", "bold", "italics", "all-but-regular", "regular", "every-face"],
)
def test_a_character_any_face_lacks_is_reported_at_its_line_before_printing(
    lacking: tuple[str, ...], what: str, run: Callable[..., Run], tmp_path: Path
) -> None:
    bank = _bank(tmp_path, LAMBDA_SOURCE)
    _theme_with_faces(bank, lacking)
    validate = run("validate", content=bank)
    out = tmp_path / "build"
    printed = run("pdf", "--theme", "faces", "--out", str(out), content=bank)
    if not lacking:  # the fonts have everything else: only λ can be missing
        assert validate.exit_code == 0, validate.stderr
        assert printed.exit_code == 0, printed.stderr
        assert len(list(out.glob("*.pdf"))) == 1
        return
    line = (
        f"{bank / 'basic.md'}:4: 'λ' (U+03BB GREEK SMALL LETTER LAMDA) is not in {what} "
        "(3 times, on lines 4, 6)"
    )
    for result in (validate, printed):
        assert result.exit_code == 1, result.stderr
        assert _errors(result)[0] == line, result.stderr
        assert sum("'λ'" in error for error in _errors(result)) == 1
    assert not out.exists()


SET_TOML = """[set]
id = "0b5f3a52-7a51-4bd4-9d43-2f1c0c1e6a10"
title = "Tiny \u03a3et"
description = \"\"\"
A small bank,
@ on its second line.\"\"\"
author = "qexport \\u03bbests"  # an escape: not in the raw text
version = "0.1.0"
tag_prefix = "tiny"

[levels]
basic = "\u0392asic"
advanced = "Advanced"

[topics]
data-types = "Data @ types"
concurrency = "Concurrency"
""".replace("@", SIGMA)


def test_characters_of_set_toml_are_reported_at_the_lines_that_set_them(
    run: Callable[..., Run], tmp_path: Path
) -> None:
    bank = _bank(tmp_path, (GOOD / "basic.md").read_text(encoding="utf-8"))
    metadata = bank / "set.toml"
    metadata.write_text(SET_TOML, encoding="utf-8")
    result = run("validate", content=bank)
    assert result.exit_code == 1
    serif = "is not in the font IBM Plex Serif, so the PDF cannot show it"
    assert _errors(result)[:4] == [
        f"{metadata}:3: 'Σ' (U+03A3 GREEK CAPITAL LETTER SIGMA) {serif} (1 time, on line 3)",
        f"{metadata}:6: '{SIGMA}' (U+03C3 GREEK SMALL LETTER SIGMA) {serif} "
        "(2 times, on lines 6, 16)",  # the description's second line, a topic
        f"{metadata}:7: 'λ' (U+03BB GREEK SMALL LETTER LAMDA) {serif} (1 time, on line 7)",
        f"{metadata}:12: '\u0392' (U+0392 GREEK CAPITAL LETTER BETA) {serif} (1 time, on line 12)",
    ]


def test_the_separator_the_pdfs_print_is_checked_like_their_words(
    run: Callable[..., Run], tmp_path: Path
) -> None:
    """The cover and the cards print ' · ' between levels, and level and topic."""
    from font_building import TEXT, build_font

    bank = _bank(tmp_path, LAMBDA_SOURCE.replace("λ", "l"))
    folder = bank.parent / "themes" / "dots"
    build_font(folder / "NoDot.ttf", (), "NoDot", TEXT.replace("\u00b7", ""))
    palette = (ROOT / "themes" / "default" / "theme.toml").read_text(encoding="utf-8")
    faces = "\n".join(f'{face} = "NoDot.ttf"' for face in FACE_NAMES)
    (folder / "theme.toml").write_text(
        palette.split("[fonts]")[0] + "[fonts.body]\n" + faces + "\n", encoding="utf-8"
    )
    result = run("pdf", "--theme", "dots", "--out", str(tmp_path / "build"), content=bank)
    assert result.exit_code == 1, result.stderr
    assert "'·'" in _errors(result)[0], result.stderr
    assert not (tmp_path / "build").exists()
