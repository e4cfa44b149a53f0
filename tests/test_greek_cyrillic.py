"""A Greek, Russian and Ukrainian bank prints with a theme from the project's themes/ folder.

tests/fixtures/greek-cyrillic holds the bank and two themes beside it: `dejavu`
names TrueType files in its folder, `noto` a variable-only fontpkg family
(Noto Serif, instanced to static faces) and DejaVu Sans Mono files for code.
The DejaVu files come from Debian's fonts-dejavu-core and fonts-dejavu-extra,
copied in by the test.
"""

from __future__ import annotations

import json
import re
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest

from qexport.cache import cache_dir
from qexport.font_files import CACHE_FOLDER
from qexport.themes import load_theme

from conftest import FIXTURES, Run, clean_failure
from pdf_reading import fonts, letters, pages

EXAMPLE = FIXTURES / "greek-cyrillic"
DEJAVU = Path("/usr/share/fonts/truetype/dejavu")
LAYOUTS = ("booklet", "cheatsheet", "cards")
THEME_FONTS = {
    "dejavu": ("DejaVuSerif", "DejaVuSansMono"),
    "noto": ("NotoSerif", "DejaVuSansMono"),
}


def _theme_files(theme: Path) -> list[str]:
    return re.findall(r'^\w+ = "(DejaVu[\w-]+\.ttf)"', theme.read_text(encoding="utf-8"), re.M)


@pytest.fixture(scope="session")
def noto_instances(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Noto Serif's four static faces, instanced once per test run (seconds each)."""
    from qexport.fonts import FontSource, family

    folder = tmp_path_factory.mktemp("noto-cache")
    with pytest.MonkeyPatch.context() as patched:
        patched.setenv("QEXPORT_CACHE_DIR", str(folder))
        family(FontSource("body", "Noto Serif"))
    return folder / CACHE_FOLDER


@pytest.fixture
def example(tmp_path: Path, noto_instances: Path) -> Path:
    """A copy of the example project, its DejaVu files in place; its content folder."""
    project = tmp_path / "project"
    shutil.copytree(EXAMPLE, project)
    for theme in (project / "themes").glob("*/theme.toml"):
        for name in _theme_files(theme):
            if not (DEJAVU / name).is_file():
                pytest.fail(
                    f"no {DEJAVU / name}: apt-get install fonts-dejavu-core fonts-dejavu-extra"
                )
            shutil.copyfile(DEJAVU / name, theme.parent / name)
    shutil.copytree(noto_instances, cache_dir() / CACHE_FOLDER)  # this test's own cache
    return project / "content"


def _printed_words(content: Path, code: bool = True) -> set[str]:
    """Every Greek and Cyrillic word of the questions and (if `code`) their code, from the bank."""
    words: set[str] = set()
    for level in content.glob("*.md"):
        in_code = False
        for line in level.read_text(encoding="utf-8").splitlines():
            in_code ^= line.startswith("```")
            if (in_code and code) or line.startswith("## "):
                words |= {w for w in re.findall(r"[^\W\d_]{3,}", line) if not w.isascii()}
    return words


def test_validate_checks_the_release_theme_and_finds_nothing(
    run: Callable[..., Run], example: Path
) -> None:
    result = run("validate", content=example)
    assert result.exit_code == 0, result.stderr
    assert result.stdout.startswith("ok: ")
    assert "4 questions" in result.stdout


def test_the_default_theme_cannot_print_it_and_says_how_to_choose_one(
    run: Callable[..., Run], example: Path, tmp_path: Path
) -> None:
    result = run("pdf", "--out", str(tmp_path / "build"), content=example)
    assert result.exit_code == 1
    assert "Traceback" not in result.stderr
    hint = next(line for line in result.stderr.splitlines() if line.startswith("  hint: "))
    themes = example.parent / "themes"
    assert hint == (
        "  hint: the theme 'default' prints text in IBM Plex Serif and code in IBM Plex Mono; "
        "for these characters, add a theme whose fonts have them as "
        f"{themes / 'NAME' / 'theme.toml'} (a fontpkg family, or TrueType files in its folder) "
        "and choose it with --theme NAME (see Themes in the README)"
    )


def test_a_project_theme_that_lacks_a_character_says_which_file_to_change(
    run: Callable[..., Run], example: Path, tmp_path: Path
) -> None:
    basic = example / "basic.md"
    basic.write_text(basic.read_text(encoding="utf-8") + "\n\u65e5\u672c\n", encoding="utf-8")
    result = run("pdf", "--theme", "dejavu", "--out", str(tmp_path / "build"), content=example)
    assert result.exit_code == 1
    assert "is not in the font DejaVuSerif.ttf, so the PDF cannot show it" in result.stderr
    hint = next(line for line in result.stderr.splitlines() if line.startswith("  hint: "))
    theme = example.parent / "themes" / "dejavu" / "theme.toml"
    assert hint == (
        "  hint: the theme 'dejavu' prints text in DejaVuSerif.ttf and code in "
        f"DejaVuSansMono.ttf; name fonts that cover these characters in [fonts] of {theme}: "
        "a fontpkg family, or TrueType files in its folder (see Themes in the README)"
    )


def test_a_character_the_bold_and_italic_faces_lack_is_found_before_printing(
    run: Callable[..., Run], example: Path, tmp_path: Path
) -> None:
    # DejaVu Serif has U+211D upright only: questions print in bold, *emphasis* in italics.
    basic = example / "basic.md"
    before = basic.read_text(encoding="utf-8")
    reals = "\n{#reals topic=strings}\n## What is the set \u211d?\n\nThe reals, *\u211d*.\n"
    basic.write_text(before + reals, encoding="utf-8")
    line = before.count("\n") + 3  # the question's
    expected = (
        f"{basic}:{line}: '\u211d' (U+211D DOUBLE-STRUCK CAPITAL R) is not in the bold, italic "
        "and bold italic faces of the font DejaVuSerif.ttf (DejaVuSerif-Bold.ttf, "
        "DejaVuSerif-Italic.ttf, DejaVuSerif-BoldItalic.ttf), so the PDF cannot show it in "
        f"bold or italic text (2 times, on lines {line}, {line + 2})"
    )
    validated = run("validate", content=example)  # the release prints with dejavu
    out = tmp_path / "build"
    printed = run("pdf", "--theme", "dejavu", "--out", str(out), content=example)
    for result in (validated, printed):
        clean_failure(result, expected)
        assert result.stderr.count("\u211d") == 1, result.stderr
    assert not out.exists()


@pytest.mark.parametrize("layout", LAYOUTS)
@pytest.mark.parametrize("theme", sorted(THEME_FONTS))
def test_every_layout_prints_greek_and_cyrillic_with_a_project_theme(
    run: Callable[..., Run], example: Path, tmp_path: Path, theme: str, layout: str
) -> None:
    out = tmp_path / "build"
    result = run("pdf", "--theme", theme, "--layout", layout, "--out", str(out), content=example)
    assert result.exit_code == 0, result.stderr
    assert "is not in the font" not in result.stderr
    (pdf,) = out.glob("*.pdf")
    assert pdf.name.endswith(f"-{layout}-a4-{theme}.pdf")
    text = letters(" ".join(page.text for page in pages(pdf)))
    words = _printed_words(example, code=layout != "cheatsheet")  # it has no key lines
    assert len(words) > 10
    assert sorted(w for w in words if letters(w) not in text) == []
    embedded = fonts(pdf)
    assert embedded
    assert all(emb == "yes" for _, emb in embedded), embedded
    body, code = THEME_FONTS[theme]
    names = {name.split("+")[-1] for name, _ in embedded}
    shown = [code] if layout != "cheatsheet" else []  # code (the sheet has no key lines here)
    assert {f"{body}-Bold", *shown} <= names  # questions
    assert all(name.startswith((body, code)) for name in names), names


def test_a_release_prints_with_the_project_theme_and_rebuilds_when_its_font_changes(
    run: Callable[..., Run], example: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700000000")
    dist = tmp_path / "dist"

    def pdfs() -> dict[str, dict[str, str]]:
        result = run("all", "--out", str(dist), "--jobs", "1", content=example)
        assert result.exit_code == 0, result.stderr
        manifest = json.loads((dist / "manifest.json").read_text(encoding="utf-8"))
        return {a["path"]: a for a in manifest["artifacts"] if a["exporter"] == "pdf"}

    first = pdfs()
    assert len(first) == len(LAYOUTS)
    theme = load_theme("dejavu", example)
    assert {a["options"]["theme"] for a in first.values()} == {"dejavu"}
    assert {a["theme_sha256"] for a in first.values()} == {theme.digest()}
    italic = theme.path.parent / "DejaVuSerif-Italic.ttf"
    shutil.copyfile(DEJAVU / "DejaVuSerif-BoldItalic.ttf", italic)  # theme.toml unchanged
    second = pdfs()
    assert set(second) == set(first)
    assert {a["theme_sha256"] for a in second.values()} == {theme.digest()}
    for name, artifact in second.items():
        assert artifact["theme_sha256"] != first[name]["theme_sha256"]
        assert artifact["sha256"] != first[name]["sha256"], name  # rebuilt, not reused
