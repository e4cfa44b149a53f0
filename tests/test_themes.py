"""Themes: the project's own and the built-in ones, CSS for day and night mode, clear errors."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path

import pytest

import qexport.themes as themes
from qexport.errors import ContentError, QexportError
from qexport.manifest import inputs
from qexport.themes import available_themes, load_theme

from conftest import CONTENT, GOOD, Run, clean_failure


def test_default_theme_loads() -> None:
    theme = load_theme("default")
    assert theme.name == "default"
    assert theme.palette["background"] == "#ffffff"
    assert theme.night["background"] != theme.palette["background"]
    assert "default" in available_themes()


def test_code_css_covers_day_and_both_night_mode_classes() -> None:
    css = load_theme("default").code_css()
    assert ".highlight .k " in css
    assert ".nightMode .highlight .k" in css
    assert ".night_mode .highlight .k" in css
    assert "pre {" not in css  # nothing leaks beyond .highlight


def test_unknown_theme_names_the_known_ones() -> None:
    with pytest.raises(QexportError, match=r"unknown theme 'defualt'; did you mean 'default'\?"):
        load_theme("defualt")


def _theme_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, text: str) -> None:
    """A theme 'broken', the only one qexport knows."""
    (tmp_path / "broken").mkdir()
    (tmp_path / "broken" / "theme.toml").write_text(text, encoding="utf-8")
    monkeypatch.setattr(themes, "theme_dirs", lambda: [tmp_path])


def test_theme_typo_points_at_the_line(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    default = (load_theme("default").path).read_text(encoding="utf-8")
    _theme_dir(tmp_path, monkeypatch, default.replace("night_style", "nigth_style"))
    with pytest.raises(ContentError) as caught:
        load_theme("broken")
    assert (
        caught.value.message == "unknown key 'nigth_style' in [code]; did you mean 'night_style'?"
    )
    assert caught.value.line == 23


def test_unknown_pygments_style(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    default = (load_theme("default").path).read_text(encoding="utf-8")
    _theme_dir(tmp_path, monkeypatch, default.replace('"github-dark"', '"monokay"'))
    with pytest.raises(
        ContentError, match="unknown Pygments style 'monokay'; did you mean 'monokai'"
    ):
        load_theme("broken")


def test_print_theme_is_grayscale_with_print_fonts_and_sizes() -> None:
    theme = load_theme("print")
    for colour in theme.palette.values():
        red, green, blue = colour[1:3], colour[3:5], colour[5:7]
        assert red == green == blue, colour
    assert theme.code_style == "qexport-print"
    assert theme.night_code_style == "bw"  # night mode on a screen: the text colour, no grays
    assert {role: font.family for role, font in theme.fonts.items()} == {
        "body": "IBM Plex Serif",
        "code": "IBM Plex Mono",
    }
    assert theme.sizes["code_floor"] == 6.5


def test_size_out_of_range(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    default = (load_theme("default").path).read_text(encoding="utf-8")
    _theme_dir(tmp_path, monkeypatch, default.replace("code_floor = 6.5", "code_floor = 1"))
    with pytest.raises(ContentError, match=r"'code_floor' in \[sizes\] must be a point size"):
        load_theme("broken")


@pytest.mark.parametrize(
    "colour", ["nocolour", "red; } body { display: none", "#12345", "#ggg", "url(x)", ""]
)
def test_a_colour_that_is_not_hex_is_refused_at_its_line(
    colour: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Colours go into the card CSS and the PDF markup as written.
    default = (load_theme("default").path).read_text(encoding="utf-8")
    _theme_dir(
        tmp_path, monkeypatch, default.replace('accent = "#4493f8"', f"accent = {colour!r}")
    )
    with pytest.raises(ContentError) as caught:
        load_theme("broken")
    assert caught.value.message.startswith("'accent' in [night] must be a hex colour")
    assert caught.value.line == 16


@pytest.mark.parametrize("name", ["../default", "default/../print", "/etc", ".", "Default", ""])
def test_a_theme_name_is_a_folder_name_never_a_path(name: str) -> None:
    with pytest.raises(QexportError, match="unknown theme"):
        load_theme(name)


def test_code_without_a_shade_of_its_own_is_outlined_in_the_deck() -> None:
    """The print theme shades no code (no toner): a hairline marks it, as in its PDFs."""
    printed = load_theme("print")
    day = printed.code_css().splitlines()[0]
    assert f"border: 1px solid {printed.palette['rule']}" in day
    css = load_theme("default").code_css().splitlines()
    blocks = [line for line in css if line.split(" {")[0].endswith("highlight")]
    assert len(blocks) == 2  # day and night
    assert not [line for line in blocks if "border" in line]  # shaded code needs no line


def _project_theme(tmp_path: Path, name: str, description: str) -> Path:
    """A bank with a theme `name` beside it (a copy of the default one); its content folder."""
    content = tmp_path / "content"
    if not content.exists():
        shutil.copytree(GOOD, content)
    default = load_theme("default").path.read_text(encoding="utf-8")
    folder = tmp_path / "themes" / name
    folder.mkdir(parents=True)
    text = default.replace(default.splitlines()[0], f'description = "{description}"')
    (folder / "theme.toml").write_text(text, encoding="utf-8")
    return content


def test_a_project_theme_is_found_beside_the_content_and_wins_over_a_builtin(
    tmp_path: Path,
) -> None:
    content = _project_theme(tmp_path, "print", "The project's own print theme")
    _project_theme(tmp_path, "handout", "Another one")
    (tmp_path / "themes" / "Not A Name").mkdir()  # not a theme name: never listed
    (tmp_path / "themes" / "Not A Name" / "theme.toml").write_text("", encoding="utf-8")
    own = load_theme("print", content)
    assert own.path == tmp_path / "themes" / "print" / "theme.toml"
    assert own.description == "The project's own print theme"
    assert not own.builtin
    assert load_theme("print").builtin  # without a project, the built-in one
    assert load_theme("default", content).builtin  # the project has none of that name
    assert available_themes(content) == ["default", "handout", "print"]
    assert available_themes() == ["default", "print"]


def test_an_unknown_theme_names_the_themes_of_both_places(
    run: Callable[..., Run], tmp_path: Path
) -> None:
    content = tmp_path / "content"
    shutil.copytree(GOOD, content)
    folder = tmp_path / "themes"
    result = run("pdf", "--theme", "handuot", "--out", str(tmp_path / "build"), content=content)
    clean_failure(
        result,
        "unknown theme 'handuot' (built in: default, print; a project theme goes in "
        f"{folder / 'NAME' / 'theme.toml'})",
    )
    _project_theme(tmp_path, "handout", "Ours")
    result = run("anki", "--theme", "handuot", "--out", str(tmp_path / "build"), content=content)
    clean_failure(
        result,
        f"unknown theme 'handuot'; did you mean 'handout'? (in {folder}: handout; "
        "built in: default, print)",
    )


@pytest.mark.parametrize("name", ["../themes/handout", "handout/", "./handout", "Handout"])
def test_a_project_theme_is_named_by_its_folder_never_a_path(tmp_path: Path, name: str) -> None:
    content = _project_theme(tmp_path, "handout", "Ours")
    with pytest.raises(QexportError, match="unknown theme"):
        load_theme(name, content)


def test_a_copy_of_a_builtin_theme_has_the_builtins_digest(tmp_path: Path) -> None:
    """qexport's own content/ sits beside a copy of its built-in themes/ (installed or
    not): a release records the same theme, whichever of the two is found."""
    for name in ("default", "print"):
        builtin = load_theme(name)
        assert load_theme(name, CONTENT).digest() == builtin.digest()
        assert inputs("pdf", "1", {"theme": name}, CONTENT)["theme_sha256"] == builtin.digest()
        project = tmp_path / name
        (project / "themes" / name).mkdir(parents=True)
        shutil.copy(builtin.path, project / "themes" / name / "theme.toml")
        copy = load_theme(name, project / "content")
        assert not copy.builtin
        assert copy.digest() == builtin.digest()
