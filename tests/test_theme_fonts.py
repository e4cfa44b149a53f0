"""A theme's [fonts]: fontpkg families or TrueType files in its folder; mistakes at their line."""

from __future__ import annotations

import hashlib
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest

from qexport.errors import ContentError
from qexport.manifest import inputs
from qexport.themes import load_theme

from conftest import GOOD, Run, clean_failure
from font_building import ITAL, WGHT, build_font

PALETTE = """description = "A theme of the project's own."

[palette]
text = "#000000"
background = "#ffffff"
muted = "#555555"
accent = "#000000"
code_text = "#000000"
code_background = "#ffffff"
rule = "#999999"
"""  # 10 lines: [fonts] below starts on line 11


def _project(tmp_path: Path, fonts: str, name: str = "mine") -> tuple[Path, Path]:
    """A bank, and its theme `name` beside it whose [fonts] part is `fonts`: (content, folder)."""
    content = tmp_path / "content"
    if not content.exists():
        shutil.copytree(GOOD, content)
    folder = tmp_path / "themes" / name
    folder.mkdir(parents=True)
    (folder / "theme.toml").write_text(PALETTE + fonts, encoding="utf-8")
    return content, folder


FILES = """
[fonts.body]
regular = "Tiny.ttf"
italic = {italic}
"""


@pytest.mark.parametrize(
    ("written", "message"),
    [
        ('"/etc/hostname"', "must be a path inside the theme's folder"),
        ('"../Tiny.ttf"', "must be a path inside the theme's folder"),
        ('"fonts/../../Tiny.ttf"', "must be a path inside the theme's folder"),
        ('"C:/Windows/Fonts/arial.ttf"', "must be a path inside the theme's folder"),
        ('"fonts\\\\Tiny.ttf"', "must be a path inside the theme's folder"),
        ('""', "must be a path inside the theme's folder"),
        ('"Tiny\\u0000.ttf"', "must be a path inside the theme's folder"),
        (f'"{"x" * 300}.ttf"', "cannot read it"),
        ('"Loop.ttf"', "font file 'Loop.ttf'"),  # a link to itself: no traceback
        ('"Link.ttf"', "links out of"),
        ('"Missing.ttf"', "no font file 'Missing.ttf' in"),
        ("3", "'italic' in [fonts.body] must be a file name"),
    ],
)
def test_a_font_file_must_be_in_the_themes_folder(
    tmp_path: Path, written: str, message: str
) -> None:
    content, folder = _project(tmp_path, FILES.format(italic=written))
    build_font(folder / "Tiny.ttf")
    build_font(tmp_path / "Tiny.ttf")  # beside the theme folder: out of it
    (folder / "Link.ttf").symlink_to(tmp_path / "Tiny.ttf")
    (folder / "Loop.ttf").symlink_to(folder / "Loop.ttf")
    with pytest.raises(ContentError) as caught:
        load_theme("mine", content)
    assert caught.value.path == folder / "theme.toml"
    assert caught.value.line == 14  # italic = ...
    assert message in caught.value.message


def test_a_link_inside_the_themes_folder_is_fine(tmp_path: Path) -> None:
    content, folder = _project(tmp_path, FILES.format(italic='"fonts/Italic.ttf"'))
    build_font(folder / "Tiny.ttf")
    (folder / "fonts").mkdir()
    (folder / "fonts" / "Italic.ttf").symlink_to(folder / "Tiny.ttf")
    theme = load_theme("mine", content)
    assert [f.path for f in theme.fonts["body"].files] == [
        folder / "Tiny.ttf",
        folder / "fonts" / "Italic.ttf",
    ]


@pytest.mark.parametrize(
    ("fonts", "line", "message"),
    [
        ('[fonts.body]\nbold = "Tiny.ttf"\n', 12, '[fonts.body] needs regular = "FILE.ttf"'),
        (
            '[fonts.body]\nregular = "Tiny.ttf"\noblique = "Tiny.ttf"\n',
            14,
            "unknown key 'oblique' in [fonts.body]",
        ),
        ("[fonts]\nbody = 3\n", 13, "'body' in [fonts] must be a font family"),
        ('[fonts]\nbody = ""\n', 13, "'body' in [fonts] must be a font family"),
        ('[fonts]\ncode = "  "\n', 13, "'code' in [fonts] must be a font family"),
        ('[fonts]\nbody = "IBM\\u0000Plex"\n', 13, "'body' in [fonts] must be a font family"),
        ('[fonts]\nbody = ["IBM Plex Serif"]\n', 13, "'body' in [fonts] must be a font family"),
        ("[fonts]\nbody = {}\n", 13, '[fonts.body] needs regular = "FILE.ttf"'),
        ('[fonts]\nbody = { regular = "" }\n', 13, "font file '' must be a path inside"),
        ('[fonts]\nbody = "Tiny.ttf"\nheading = "X"\n', 14, "unknown key 'heading' in [fonts]"),
    ],
)
def test_fonts_table_mistakes_point_at_their_line(
    tmp_path: Path, fonts: str, line: int, message: str
) -> None:
    content, folder = _project(tmp_path, "\n" + fonts)
    build_font(folder / "Tiny.ttf", (WGHT, ITAL))
    with pytest.raises(ContentError) as caught:
        load_theme("mine", content)
    assert (caught.value.path, caught.value.line) == (folder / "theme.toml", line)
    assert caught.value.message.startswith(message)


def test_an_empty_fonts_table_keeps_the_default_fonts(tmp_path: Path) -> None:
    content, _ = _project(tmp_path, "\n[fonts]\n")
    fonts = load_theme("mine", content).fonts
    assert {role: source.family for role, source in fonts.items()} == {
        "body": "IBM Plex Serif",
        "code": "IBM Plex Mono",
    }


def test_an_empty_family_name_fails_validate_and_pdf_at_its_line(
    run: Callable[..., Run], tmp_path: Path
) -> None:
    content, folder = _project(tmp_path, '\n[fonts]\nbody = ""\n')
    with (content / "set.toml").open("a", encoding="utf-8") as metadata:
        metadata.write('\n[release.pdf]\ntheme = "mine"\n')
    message = f"{folder / 'theme.toml'}:13: 'body' in [fonts] must be a font family"
    clean_failure(run("validate", content=content), message)
    out = tmp_path / "build"
    clean_failure(run("pdf", "--theme", "mine", "--out", str(out), content=content), message)
    assert not out.exists()


def test_a_font_that_cannot_print_fails_the_pdf_cleanly_at_its_line(
    run: Callable[..., Run], tmp_path: Path
) -> None:
    content, folder = _project(tmp_path, '\n[fonts.code]\nregular = "Broken.ttf"\n')
    (folder / "Broken.ttf").write_bytes(b"<html>not a font</html>")
    result = run("pdf", "--theme", "mine", "--out", str(tmp_path / "build"), content=content)
    clean_failure(result, f"{folder / 'theme.toml'}:13: Broken.ttf is not a TrueType font (.ttf)")


def test_validate_finds_a_broken_font_of_the_release_theme_as_pdf_does(
    run: Callable[..., Run], tmp_path: Path
) -> None:
    content, folder = _project(tmp_path, '\n[fonts.code]\nregular = "Broken.ttf"\n')
    (folder / "Broken.ttf").write_bytes(b"<html>not a font</html>")
    with (content / "set.toml").open("a", encoding="utf-8") as metadata:
        metadata.write('\n[release.pdf]\ntheme = "mine"\n')
    validated = run("validate", content=content)
    printed = run("pdf", "--theme", "mine", "--out", str(tmp_path / "build"), content=content)
    message = f"{folder / 'theme.toml'}:13: Broken.ttf is not a TrueType font (.ttf)"
    clean_failure(validated, message)
    clean_failure(printed, message)


def test_a_variable_font_without_a_weight_axis_fails_at_its_line(
    run: Callable[..., Run], tmp_path: Path
) -> None:
    content, folder = _project(tmp_path, '\n[fonts.code]\nregular = "Narrow[wdth].ttf"\n')
    build_font(folder / "Narrow[wdth].ttf", (("wdth", 75, 100, 100),))
    result = run("pdf", "--theme", "mine", "--out", str(tmp_path / "build"), content=content)
    clean_failure(
        result,
        f"{folder / 'theme.toml'}:13: no bold face: Narrow[wdth].ttf is variable but has no "
        "wght axis to make it from",
    )


def test_a_family_that_is_not_installed_fails_at_its_line(
    run: Callable[..., Run], tmp_path: Path
) -> None:
    content, folder = _project(tmp_path, '\n[fonts]\ncode = "No Such Mono"\n')
    result = run("pdf", "--theme", "mine", "--out", str(tmp_path / "build"), content=content)
    clean_failure(
        result,
        f"{folder / 'theme.toml'}:13: font 'No Such Mono' is not installed; "
        "install it with: pip install fontpkg-no-such-mono",
    )


def test_a_family_name_matches_whatever_its_case_and_spacing(
    run: Callable[..., Run], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700000000")
    content, _ = _project(tmp_path, '\n[fonts]\nbody = "ibm  plex SERIF"\n', "loose")
    _project(tmp_path, '\n[fonts]\nbody = "IBM Plex Serif"\n', "exact")
    built = {}
    for theme in ("loose", "exact"):
        out = tmp_path / theme
        result = run("pdf", "--theme", theme, "--out", str(out), content=content)
        assert result.exit_code == 0, result.stderr
        (built[theme],) = out.glob("*.pdf")
    assert built["loose"].read_bytes() == built["exact"].read_bytes()  # the same font


def test_the_digest_covers_theme_toml_and_every_font_file(tmp_path: Path) -> None:
    default = load_theme("default")  # its fontpkg families count by their packages' versions
    assert default.digest() != hashlib.sha256(default.path.read_bytes()).hexdigest()
    content, folder = _project(tmp_path, FILES.format(italic='"Tiny.ttf"'))
    build_font(folder / "Tiny.ttf", (WGHT, ITAL))
    theme = load_theme("mine", content)
    before = inputs("pdf", "1", {"theme": "mine"}, content)["theme_sha256"]
    assert before == theme.digest() != hashlib.sha256(theme.path.read_bytes()).hexdigest()
    build_font(folder / "Tiny.ttf", (WGHT, ITAL), name="Edited")  # the same theme.toml
    assert inputs("pdf", "1", {"theme": "mine"}, content)["theme_sha256"] != before
    # A fontpkg family a project theme names counts by its package's version.
    families, _ = _project(tmp_path, '\n[fonts]\nbody = "IBM Plex Serif"\n', "families")
    named = load_theme("families", families)
    assert named.digest() != hashlib.sha256(named.path.read_bytes()).hexdigest()
