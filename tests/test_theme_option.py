"""--theme and `theme` in set.toml take a theme's name, never an empty or malformed one
(`qexport.exporters.theme_option`); a manifest's inputs cover the theme an exporter uses."""

from __future__ import annotations

import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from qexport.exporters import MAX_THEME_NAME
from qexport.manifest import inputs, inputs_key
from qexport.themes import load_theme

from conftest import GOOD, Run


@pytest.mark.parametrize(
    ("name", "shown"),
    [
        ("", "''"),
        ("Print", "'Print'"),
        ("../print", "'../print'"),
        ("pr\x1bint", "'pr\\x1bint'"),
        ("p" * (MAX_THEME_NAME + 1), f"at most {MAX_THEME_NAME} characters"),
    ],
)
def test_a_theme_that_is_no_name_is_a_usage_error(
    run: Callable[..., Run], bank: Path, tmp_path: Path, name: str, shown: str
) -> None:
    for command in ("pdf", "anki"):
        result = run(command, "--theme", name, "--out", str(tmp_path / "build"), content=bank)
        assert result.exit_code == 2, result.stderr
        assert "Invalid value for '--theme': " in result.stderr
        assert shown in result.stderr
        assert "\x1b" not in result.stderr
    assert not (tmp_path / "build").exists()


def test_an_empty_theme_in_set_toml_is_refused_at_its_line(
    run: Callable[..., Run], bank: Path
) -> None:
    text = (bank / "set.toml").read_text(encoding="utf-8") + '\n[release.pdf]\ntheme = ""\n'
    (bank / "set.toml").write_text(text, encoding="utf-8")
    line = text.split("\n").index('theme = ""') + 1
    for command in ("validate", "all"):
        result = run(command, content=bank)
        assert result.exit_code == 1, result.stderr
        assert f"set.toml:{line}: 'theme' in [release.pdf]: '' is not a theme's name" in (
            result.stderr
        )


def test_an_empty_theme_is_hashed_as_the_theme_the_exporters_use(tmp_path: Path) -> None:
    # The project's own `default` wins over the built-in one: an edit to it must rebuild.
    content = tmp_path / "content"
    shutil.copytree(GOOD, content)
    own = tmp_path / "themes" / "default" / "theme.toml"
    own.parent.mkdir(parents=True)
    shutil.copy(load_theme("default").path, own)
    for options in ({"theme": ""}, {"theme": None}):
        before = inputs_key("content", "pdf", "1", options, content)
        own.write_text(own.read_text(encoding="utf-8") + "\n# edited\n", encoding="utf-8")
        assert inputs_key("content", "pdf", "1", options, content) != before
        described = inputs("pdf", "1", options, content)
        assert described["theme_sha256"] == load_theme("default", content).digest()
    assert inputs("csv", "1", {"dialect": "plain"}, content)["theme_sha256"] == ""


def test_declaring_the_theme_option_loads_no_theme() -> None:
    # --help lists every exporter's options: it must not import the theme machinery.
    code = (
        "import sys, qexport.exporters as e; e.theme_option(); "
        "sys.exit('qexport.themes' in sys.modules or 'qexport.fonts' in sys.modules)"
    )
    assert subprocess.run([sys.executable, "-c", code], check=False).returncode == 0
