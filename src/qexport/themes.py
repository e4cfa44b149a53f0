"""Themes: one definition of palette, code colours and print fonts for every output.

A theme is a folder `themes/<name>/` holding `theme.toml`, either beside the
content folder (the project's own themes) or built into qexport; a project
theme wins over a built-in one of the same name::

    description = "Clean, high-contrast colours"

    [palette]             # day colours; [night] overrides them in night mode
    text = "#1f2328"
    ...

    [code]
    style = "default"     # a Pygments style for day mode
    night_style = "github-dark"

    [fonts]
    body = "IBM Plex Serif"   # a fontpkg family...

    [fonts.code]              # ...or TrueType files in the theme's folder
    regular = "DejaVuSansMono.ttf"
    bold = "DejaVuSansMono-Bold.ttf"
    italic = "DejaVuSansMono-Oblique.ttf"
    bold_italic = "DejaVuSansMono-BoldOblique.ttf"
"""

from __future__ import annotations

import hashlib
import importlib.resources
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path, PurePosixPath, PureWindowsPath
from typing import Any

from qexport import DEFAULT_THEME
from qexport.errors import ContentError, QexportError, did_you_mean
from qexport.exporters import THEME_NAME
from qexport.font_files import FACES, file_sha256
from qexport.fonts import FontSource, NamedFile, family_release
from qexport.metadata import parse_toml
from qexport.normalize import read_text
from qexport.toml_lines import key_line

THEME_FILE = "theme.toml"
PROJECT_THEMES = "themes"  # beside the content folder
PALETTE_KEYS = ("text", "background", "muted", "accent", "code_text", "code_background", "rule")
CODE_KEYS = ("style", "night_style")
FONT_KEYS = ("body", "code")
DEFAULT_FONTS = {"body": "IBM Plex Serif", "code": "IBM Plex Mono"}
# Point sizes for print: body and code text, the smallest code may shrink to, and
# the body size of the dense layouts.
DEFAULT_SIZES = {"body": 10.0, "code": 8.5, "code_floor": 6.5, "cheatsheet": 7.0, "card": 9.5}
TOP_KEYS = ("description", "palette", "night", "code", "fonts", "sizes")
DAY_SELECTOR = ".highlight"
# Anki desktop and AnkiMobile mark night mode with .nightMode, AnkiDroid with .night_mode.
NIGHT_SELECTORS = (".nightMode .highlight", ".night_mode .highlight")
# Colours reach CSS and PDF markup as written, so only plain hex colours are allowed.
COLOUR = re.compile(r"#(?:[0-9a-fA-F]{3}|[0-9a-fA-F]{6})")


@dataclass(frozen=True)
class Theme:
    name: str
    description: str
    palette: Mapping[str, str]
    night: Mapping[str, str]
    code_style: str
    night_code_style: str
    path: Path
    fonts: Mapping[str, FontSource] = field(
        default_factory=lambda: {
            role: FontSource(role, label) for role, label in DEFAULT_FONTS.items()
        }
    )
    sizes: Mapping[str, float] = field(default_factory=lambda: dict(DEFAULT_SIZES))
    builtin: bool = True  # shipped with qexport, not the project's own

    def digest(self) -> str:
        """What the manifest records as theme_sha256: the sha256 of all that shapes output.

        That is theme.toml, the font files it names and the package and version
        of each fontpkg family it names, the same for a built-in theme and a
        project's own (which may be a copy of one). Files are hashed on every
        call, so an edited font rebuilds the PDFs.
        """
        parts = []
        for role, source in sorted(self.fonts.items()):
            parts += [f"{role} {f.face} {f.written} {file_sha256(f.path)}" for f in source.files]
            if source.family:
                parts.append(f"{role} {source.family} {family_release(source.family)}")
        own = file_sha256(self.path)
        if not parts:
            return own
        return hashlib.sha256("\n".join([f"{THEME_FILE} {own}", *parts]).encode()).hexdigest()

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
    colours = f"color: {palette['code_text']}; background: {_scroll_cue(palette)}"
    if palette["code_background"] == palette["background"]:
        # No shade to tell code from the card: a hairline, as the PDFs draw.
        colours += f"; border: 1px solid {palette['rule']}"
    return f"{selector} {{ {colours}; }}"


def _scroll_cue(palette: Mapping[str, str]) -> str:
    """The block's background, with a shadow at each edge that has more code past it.

    Covers in the code's colour scroll with the text and hide each shadow once
    that end is reached, so a block that fits shows none.
    """
    ground, shade = palette["code_background"], palette["muted"]
    clear, shadow = _rgba(ground, 0), _rgba(shade, 0.55)
    return (
        f"linear-gradient(90deg, {ground} 30%, {clear}) 0 0 / 2em 100% no-repeat local, "
        f"linear-gradient(270deg, {ground} 30%, {clear}) 100% 0 / 2em 100% no-repeat local, "
        f"radial-gradient(farthest-side at 0 50%, {shadow}, {_rgba(shade, 0)}) "
        "0 0 / 0.8em 100% no-repeat scroll, "
        f"radial-gradient(farthest-side at 100% 50%, {shadow}, {_rgba(shade, 0)}) "
        f"100% 0 / 0.8em 100% no-repeat scroll, {ground}"
    )


def _rgba(colour: str, alpha: float) -> str:
    """A `COLOUR` (#rgb or #rrggbb) as rgba() with `alpha`."""
    digits = colour.lstrip("#")
    if len(digits) == 3:
        digits = "".join(c * 2 for c in digits)
    red, green, blue = (int(digits[i : i + 2], 16) for i in (0, 2, 4))
    return f"rgba({red}, {green}, {blue}, {alpha})"


def theme_dirs() -> list[Path]:
    """Where the built-in themes live: inside the installed package, or in a source checkout."""
    dirs = []
    packaged = importlib.resources.files("qexport") / "themes"
    if packaged.is_dir():
        dirs.append(Path(str(packaged)))
    checkout = Path(__file__).resolve().parents[2] / "themes"
    if checkout.is_dir() and checkout not in dirs:
        dirs.append(checkout)
    return dirs


def project_themes(content_dir: Path) -> Path:
    """The project's own themes folder: `themes/` beside the content folder."""
    return Path(os.path.abspath(content_dir)).parent / PROJECT_THEMES


def _own_themes(content_dir: Path | None) -> list[Path]:
    """The project's themes folder, unless it is the built-in one (in qexport's checkout)."""
    if content_dir is None:
        return []
    folder = project_themes(content_dir)
    builtin = {directory.resolve() for directory in theme_dirs()}
    return [] if folder.resolve() in builtin else [folder]


def _names(directory: Path) -> set[str]:
    found = directory.glob(f"*/{THEME_FILE}") if directory.is_dir() else ()
    return {p.parent.name for p in found if THEME_NAME.fullmatch(p.parent.name)}


def available_themes(content_dir: Path | None = None) -> list[str]:
    """Every theme `--theme` accepts: the project's and the built-in ones."""
    directories = [*_own_themes(content_dir), *theme_dirs()]
    return sorted({name for directory in directories for name in _names(directory)})


def load_theme(name: str = DEFAULT_THEME, content_dir: Path | None = None) -> Theme:
    """The theme called `name`: the project's own (beside `content_dir`), else a built-in one.

    Anything else is a QexportError naming the themes of both places.
    """
    # A name is a folder in themes/, never a path to one elsewhere.
    project = _own_themes(content_dir)
    for directory in [*project, *theme_dirs()] if THEME_NAME.fullmatch(name) else ():
        path = directory / name / THEME_FILE
        if path.is_file():
            stat = path.stat()
            return _load(name, path, directory not in project, stat.st_mtime_ns, stat.st_size)
    raise QexportError(_unknown(name, content_dir))


def _unknown(name: str, content_dir: Path | None) -> str:
    builtin = sorted({n for directory in theme_dirs() for n in _names(directory)})
    where = f"built in: {', '.join(builtin)}"
    known = list(builtin)
    for folder in _own_themes(content_dir):
        own = sorted(_names(folder))
        known += own
        where = (
            f"in {folder}: {', '.join(own)}; {where}"
            if own
            else f"{where}; a project theme goes in {folder / 'NAME' / THEME_FILE}"
        )
    return f"unknown theme '{name}'{did_you_mean(name, known)} ({where})"


@lru_cache(maxsize=16)
def _load(name: str, path: Path, builtin: bool, _mtime_ns: int, _size: int) -> Theme:
    return _parse(name, path, builtin)


def _parse(name: str, path: Path, builtin: bool = False) -> Theme:
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
    fonts = _fonts(data.get("fonts", {}), path, text, fail)
    sizes = _sizes(data.get("sizes", {}), fail)
    return Theme(
        name=name,
        description=str(data.get("description", "")),
        palette=palette,
        night={**palette, **night},
        code_style=code.get("style", "default"),
        night_code_style=code.get("night_style", "github-dark"),
        path=path,
        fonts={**{r: FontSource(r, f, where=path) for r, f in DEFAULT_FONTS.items()}, **fonts},
        sizes={**DEFAULT_SIZES, **sizes},
        builtin=builtin,
    )


def _fonts(table: Any, path: Path, text: str, fail: Any) -> dict[str, FontSource]:
    """[fonts]: each role a fontpkg family name, or a table of files by face."""
    if not isinstance(table, dict):
        raise fail("[fonts] must be a table", None, "fonts")
    _check_keys(table, FONT_KEYS, "fonts", fail)
    fonts = {}
    for role, value in table.items():
        line = key_line(text, "fonts", role) or key_line(text, None, f"fonts.{role}")
        if isinstance(value, str) and value.strip() and value.isprintable():
            fonts[role] = FontSource(role, value, where=path, line=line)
        elif isinstance(value, dict):
            files = _font_files(value, role, path, text, line, fail)
            fonts[role] = FontSource(role, files=files, where=path, line=line)
        else:
            message = (
                f"'{role}' in [fonts] must be a font family (\"Noto Serif\") or a table "
                f'of files ([fonts.{role}] with regular = "FILE.ttf")'
            )
            raise ContentError(message, path, line or 1)
    return fonts


def _font_files(
    table: dict[str, Any], role: str, path: Path, text: str, line: int | None, fail: Any
) -> tuple[NamedFile, ...]:
    table_name = f"fonts.{role}"
    _check_keys(table, tuple(FACES), table_name, fail)
    if "regular" not in table:
        message = f'[{table_name}] needs regular = "FILE.ttf" (a TrueType file in {path.parent})'
        raise ContentError(message, path, line or 1)
    files = []
    for face, written in table.items():
        at = key_line(text, table_name, face) or line or 1
        if not isinstance(written, str):
            raise ContentError(f"'{face}' in [{table_name}] must be a file name", path, at)
        files.append(NamedFile(face, _theme_file(path.parent, written, path, at), written, at))
    return tuple(files)


def _theme_file(folder: Path, written: str, path: Path, line: int) -> Path:
    """The file `written` names, which must be inside the theme's `folder`, links resolved."""
    pure = PurePosixPath(written)
    if (
        not written
        or "\\" in written
        or "\0" in written
        or pure.is_absolute()
        or PureWindowsPath(written).drive
        or ".." in pure.parts
    ):
        message = (
            f"font file {written!r} must be a path inside the theme's folder, "
            'like "DejaVuSerif.ttf" (no absolute path, no ..)'
        )
        raise ContentError(message, path, line)
    file = folder / pure
    try:
        inside = file.resolve().is_relative_to(folder.resolve())
        found = file.is_file()
    except (OSError, RuntimeError) as exc:  # RuntimeError: a link loop (Python < 3.13)
        raise ContentError(f"font file {written!r}: cannot read it ({exc})", path, line) from None
    if not inside:
        raise ContentError(f"font file {written!r} links out of {folder}", path, line)
    if not found:
        raise ContentError(f"no font file {written!r} in {folder}", path, line)
    return file


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


STYLE_NAME = re.compile(r"[A-Za-z0-9_-]+")


def _check_pygments_style(style: str, key: str, fail: Any) -> None:
    from pygments.styles import get_style_by_name
    from pygments.util import ClassNotFound

    try:  # by name first: listing every style scans the installed packages' plugins
        if not STYLE_NAME.fullmatch(style):  # Pygments imports a module by this name
            raise ClassNotFound(style)
        get_style_by_name(style)
    except ClassNotFound:
        from pygments.styles import get_all_styles

        styles = sorted(get_all_styles())
        raise fail(
            f"unknown Pygments style '{style}'{did_you_mean(style, styles)}", "code", key
        ) from None
