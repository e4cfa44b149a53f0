"""set.toml: every string is checked, and nothing in it can reshape Anki's decks or CSV.

A title or label reaches Anki as a deck name (where '::' nests decks and
control characters are dropped) and as a CSV header line (where a line break
starts a new header). Each mistake is an error at its line, never a crash.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

import pytest

from conftest import Run


def _set_toml(bank: Path, old: str, new: str) -> Path:
    path = bank / "set.toml"
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    return path


def _line_of(path: Path, needle: str) -> int:
    lines = path.read_text(encoding="utf-8").split("\n")
    return next(n for n, line in enumerate(lines, 1) if needle in line)


SET_ID = "0b5f3a52-7a51-4bd4-9d43-2f1c0c1e6a10"  # the good fixture bank's
BAD_STRINGS = {
    "newline in the title": (
        'title = "Tiny Test Set"',
        'title = "Tiny\\n#deck:Junk"',
        "contains a line break (only the description may)",
    ),
    "tab in the title": ('title = "Tiny Test Set"', 'title = "Tiny\\tSet"', "U+0009"),
    "line separator in the author": (
        'author = "qexport tests"',
        'author = "qexport\u2028tests"',
        "U+2028",
    ),
    "escape in the description": (
        'description = "A small',
        'description = "\\u001b[31mA small',
        "U+001B",
    ),
    "control character in a level label": ('basic = "Basic"', 'basic = "Ba\\u0007sic"', "U+0007"),
    "newline in a topic label": (
        'data-types = "Data types"',
        'data-types = """Data\ntypes"""',
        "contains a line break",
    ),
    "right-to-left override in the title": (
        'title = "Tiny Test Set"',
        'title = "Tiny \\u202eteS tseT"',
        "U+202E (RIGHT-TO-LEFT OVERRIDE), which is not text",
    ),
    "left-to-right embedding in a level label": (
        'basic = "Basic"',
        'basic = "\u202aBasic"',
        "U+202A (LEFT-TO-RIGHT EMBEDDING)",
    ),
    "noncharacter in a topic label": (
        'data-types = "Data types"',
        'data-types = "Data \\uffff types"',
        "U+FFFF (a noncharacter)",
    ),
    "'::' in the title": ('title = "Tiny Test Set"', 'title = "Tiny::Test"', "'::'"),
    "title ending with ':'": ('title = "Tiny Test Set"', 'title = "Tiny:"', "end with ':'"),
    "'::' in a level label": ('basic = "Basic"', 'basic = "Basic::Easy"', "'::'"),
    "id not a UUID": (f'id = "{SET_ID}"', 'id = "not a uuid at all"', "must be a UUID such as"),
    # The same UUID spelled another way would give every note a new guid: a twin.
    "id in upper case": (f'id = "{SET_ID}"', f'id = "{SET_ID.upper()}"', f"as {SET_ID}"),
    "id in braces": (f'id = "{SET_ID}"', f'id = "{{{SET_ID}}}"', f"as {SET_ID}"),
    "id without hyphens": (
        f'id = "{SET_ID}"',
        f'id = "{SET_ID.replace("-", "")}"',
        f"as {SET_ID}",
    ),
    "id as a URN": (f'id = "{SET_ID}"', f'id = "urn:uuid:{SET_ID}"', f"as {SET_ID}"),
    "space in the tag prefix": (
        'tag_prefix = "tiny"',
        'tag_prefix = "tiny set"',
        "tag_prefix 'tiny set' contains U+0020 (SPACE): tags are separated by spaces",
    ),
    "empty level in the tag prefix": (
        'tag_prefix = "tiny"',
        'tag_prefix = "courses::::tiny"',
        "Anki would name it 'blank'",
    ),
    "quote in the tag prefix": ('tag_prefix = "tiny"', "tag_prefix = 'ti\"ny'", "24.11"),
    "topic id beyond ASCII": (
        'data-types = "Data types"',
        '"données" = "Data types"',
        "must be a lowercase slug like 'data-types' (ids are ASCII, as they name links and "
        "files; labels and tags may use any script)",
    ),
}


@pytest.mark.parametrize("kind", sorted(BAD_STRINGS))
def test_bad_metadata_string_is_an_error_at_its_line(
    kind: str, bank: Path, run: Callable[..., Run]
) -> None:
    old, new, words = BAD_STRINGS[kind]
    path = _set_toml(bank, old, new)
    result = run("validate", content=bank)
    assert result.exit_code == 1
    line = _line_of(path, new.split(" = ")[0] + " = ")
    (message,) = [m for m in result.stderr.splitlines() if m.startswith(f"{path}:")]
    assert message.startswith(f"{path}:{line}: ")
    assert words in message
    assert "internal error" not in result.stderr


def test_labels_with_colons_and_hashes_are_fine(bank: Path, run: Callable[..., Run]) -> None:
    _set_toml(bank, 'title = "Tiny Test Set"', 'title = "C#: #deck:x, a: b"')
    _set_toml(bank, 'basic = "Basic"', 'basic = ":Basic: one"')
    assert run("validate", content=bank).exit_code == 0


def test_a_number_of_thousands_of_digits_is_an_error_at_its_line(
    bank: Path, run: Callable[..., Run]
) -> None:
    path = _set_toml(bank, 'version = "0.1.0"', "version = " + "1" * 5000)
    result = run("validate", content=bank)
    assert result.exit_code == 1
    assert f"{path}:{_line_of(path, 'version = ')}: a number is too long" in result.stderr
    assert "internal error" not in result.stderr


@pytest.mark.parametrize("brackets", ["[]", "{}"])
def test_values_nested_deep_are_an_error(
    brackets: str, bank: Path, run: Callable[..., Run]
) -> None:
    opening, closing = brackets
    inner = "1" if opening == "[" else ""
    nested = (opening if opening == "[" else "{a=") * 100_000 + inner + closing * 100_000
    path = _set_toml(bank, 'version = "0.1.0"', 'version = "0.1.0"\nextra = ' + nested)
    result = run("validate", content=bank)
    assert result.exit_code == 1
    assert re.search(rf"{re.escape(str(path))}:\d+: values are nested too deep", result.stderr)
    assert "internal error" not in result.stderr


@pytest.mark.parametrize("title", ["x" * 300, "\u65e5\u672c" * 60])
def test_a_title_too_long_for_file_names_is_an_error_at_its_line(
    title: str, bank: Path, run: Callable[..., Run], tmp_path: Path
) -> None:
    path = _set_toml(bank, 'title = "Tiny Test Set"', f'title = "{title}"')
    result = run("csv", "--out", str(tmp_path / "dist"), content=bank)
    assert result.exit_code == 1
    line = _line_of(path, "title = ")
    assert f"{path}:{line}: the title is too long to name files" in result.stderr


def test_a_set_toml_that_links_out_of_the_content_folder_is_not_read(
    run: Callable[..., Run], bank: Path, tmp_path: Path
) -> None:
    outside = tmp_path / "elsewhere.toml"
    outside.write_text((bank / "set.toml").read_text(encoding="utf-8"), encoding="utf-8")
    (bank / "set.toml").unlink()
    (bank / "set.toml").symlink_to(outside)
    result = run("validate", content=bank)
    assert result.exit_code == 1
    assert f"{bank / 'set.toml'}: the file is a link that leads out of the content folder" in (
        result.stderr
    )


def test_a_description_may_run_over_several_lines(run: Callable[..., Run], bank: Path) -> None:
    old = 'description = "A small bank for qexport\'s tests."'
    _set_toml(bank, old, 'description = """A small bank,\nover two lines."""')
    result = run("validate", content=bank)
    assert result.exit_code == 0, result.stderr
