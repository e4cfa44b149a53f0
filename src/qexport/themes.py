"""Themes: one definition of palette and code colours for every output.

A theme is a folder `themes/<name>/` holding `theme.toml`::

    description = "Clean, high-contrast colours"

    [palette]             # day colours; [night] overrides them in night mode
    text = "#1f2328"
    ...

    [code]
    style = "default"     # a Pygments style for day mode
    night_style = "github-dark"
"""

from __future__ import annotations

import importlib.resources
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

from qexport import DEFAULT_THEME
from qexport.errors import ContentError, QexportError, did_you_mean
from qexport.metadata import key_line, parse_toml
from qexport.normalize import read_text

THEME_FILE = "theme.toml"
PALETTE_KEYS = ("text", "background", "muted", "accent", "code_text", "code_background", "rule")
CODE_KEYS = ("style", "night_style")
FONT_KEYS = ("body", "code")
DEFAULT_FONTS = {"body": "IBM Plex Serif", "code": "IBM Plex Mono"}
# Point sizes for print: body and code text, the smallest code may shrink to, and
# the body size of the dense layouts.
DEFAULT_SIZES = {"body": 10.0, "code": 8.5, "code_floor": 6.5, "cheatsheet": 7.5, "card": 9.5}
TOP_KEYS = ("description", "palette", "night", "code", "fonts", "sizes")
DAY_SELECTOR = ".highlight"
# Anki desktop and AnkiMobile mark night mode with .nightMode, AnkiDroid with .night_mode.
NIGHT_SELECTORS = (".nightMode .highlight", ".night_mode .highlight")
# Colours reach CSS and PDF markup as written, so only plain hex colours are allowed.
COLOUR = re.compile(r"#(?:[0-9a-fA-F]{3}|[0-9a-fA-F]{6})")
THEME_NAME = re.compile(r"[a-z0-9]+(?:[-_][a-z0-9]+)*")


@dataclass(frozen=True)
class Theme:
    name: str
    description: str
    palette: Mapping[str, str]
    night: Mapping[str, str]
    code_style: str
    night_code_style: str
    path: Path
    fonts: Mapping[str, str] = field(default_factory=lambda: dict(DEFAULT_FONTS))
    sizes: Mapping[str, float] = field(default_factory=lambda: dict(DEFAULT_SIZES))

    @property
    def file_part(self) -> str:
        """What a file built with this theme adds to its name: nothing for the default."""
        return "" if self.name == DEFAULT_THEME else self.name

    def code_css(self) -> str:
        """CSS for highlighted `.highlight` code, in day and night mode.

        Token colours come from the Pygments styles; the block's own colours
        from the palette, so code sits on the theme's background.
        """
        from pygments.formatters import HtmlFormatter

        night = list(NIGHT_SELECTORS)
        day_tokens: list[str] = HtmlFormatter(style=self.code_style).get_token_style_defs(  # type: ignore[no-untyped-call]
            DAY_SELECTOR
        )
        night_tokens: list[str] = HtmlFormatter(  # type: ignore[no-untyped-call]
            style=self.night_code_style
        ).get_token_style_defs(night)
        rules = [
            _block_rule(DAY_SELECTOR, self.palette),
            *day_tokens,
            _block_rule(", ".join(night), self.night),
            *night_tokens,
        ]
        return "\n".join(rules) + "\n"


def _block_rule(selector: str, palette: Mapping[str, str]) -> str:
    colours = f"color: {palette['code_text']}; background: {palette['code_background']}"
    if palette["code_background"] == palette["background"]:
        # No shade to tell code from the card: a hairline, as the PDFs draw.
        colours += f"; border: 1px solid {palette['rule']}"
    return f"{selector} {{ {colours}; }}"


def theme_dirs() -> list[Path]:
    """Where themes live: inside the installed package, or in a source checkout."""
    dirs = []
    packaged = importlib.resources.files("qexport") / "themes"
    if packaged.is_dir():
        dirs.append(Path(str(packaged)))
    checkout = Path(__file__).resolve().parents[2] / "themes"
    if checkout.is_dir() and checkout not in dirs:
        dirs.append(checkout)
    return dirs


def available_themes() -> list[str]:
    return sorted({p.parent.name for d in theme_dirs() for p in d.glob(f"*/{THEME_FILE}")})


@lru_cache(maxsize=16)
def load_theme(name: str = DEFAULT_THEME) -> Theme:
    """The theme called `name`, or a QexportError naming the ones that exist."""
    # A name is a folder in themes/, never a path to one elsewhere.
    for directory in theme_dirs() if THEME_NAME.fullmatch(name) else ():
        path = directory / name / THEME_FILE
        if path.is_file():
            return _parse(name, path)
    known = available_themes()
    raise QexportError(
        f"unknown theme '{name}'{did_you_mean(name, known)} (available: {', '.join(known)})"
    )


def _parse(name: str, path: Path) -> Theme:
    text = read_text(path)
    data = parse_toml(text, path)

    def fail(message: str, table: str | None, key: str) -> ContentError:
        return ContentError(message, path, key_line(text, table, key) or 1)

    _check_keys(data, TOP_KEYS, None, fail)
    palette = _colours(data.get("palette", {}), "palette", fail)
    missing = [key for key in PALETTE_KEYS if key not in palette]
    if missing:
        raise ContentError(f"[palette] lacks {', '.join(missing)}", path, 1)
    night = _colours(data.get("night", {}), "night", fail)
    code = _strings(data.get("code", {}), CODE_KEYS, "code", fail)
    for key in CODE_KEYS:
        _check_pygments_style(code.get(key, "default"), key, fail)
    fonts = _strings(data.get("fonts", {}), FONT_KEYS, "fonts", fail)
    sizes = _sizes(data.get("sizes", {}), fail)
    return Theme(
        name=name,
        description=str(data.get("description", "")),
        palette=palette,
        night={**palette, **night},
        code_style=code.get("style", "default"),
        night_code_style=code.get("night_style", "github-dark"),
        path=path,
        fonts={**DEFAULT_FONTS, **fonts},
        sizes={**DEFAULT_SIZES, **sizes},
    )


def _sizes(table: Any, fail: Any) -> dict[str, float]:
    if not isinstance(table, dict):
        raise fail("[sizes] must be a table", None, "sizes")
    _check_keys(table, tuple(DEFAULT_SIZES), "sizes", fail)
    for key, value in table.items():
        if isinstance(value, bool) or not isinstance(value, int | float) or not 4 <= value <= 30:
            raise fail(f"'{key}' in [sizes] must be a point size from 4 to 30", "sizes", key)
    return {key: float(value) for key, value in table.items()}


def _check_keys(
    table: Mapping[str, Any], known: tuple[str, ...], name: str | None, fail: Any
) -> None:
    for key in table:
        if key not in known:
            where = f" in [{name}]" if name else ""
            raise fail(f"unknown key '{key}'{where}{did_you_mean(key, known)}", name, key)


def _strings(table: Any, known: tuple[str, ...], name: str, fail: Any) -> dict[str, str]:
    if not isinstance(table, dict):
        raise fail(f"[{name}] must be a table", None, name)
    _check_keys(table, known, name, fail)
    for key, value in table.items():
        if not isinstance(value, str):
            raise fail(f"'{key}' in [{name}] must be a string", name, key)
    return dict(table)


def _colours(table: Any, name: str, fail: Any) -> dict[str, str]:
    colours = _strings(table, PALETTE_KEYS, name, fail)
    for key, value in colours.items():
        if not COLOUR.fullmatch(value):
            message = f"'{key}' in [{name}] must be a hex colour like \"#1f2328\", not {value!r}"
            raise fail(message, name, key)
    return colours


def _check_pygments_style(style: str, key: str, fail: Any) -> None:
    from pygments.styles import get_all_styles

    styles = sorted(get_all_styles())
    if style not in styles:
        raise fail(f"unknown Pygments style '{style}'{did_you_mean(style, styles)}", "code", key)
