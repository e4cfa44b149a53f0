"""qexport's own exporters, registered through the `qexport.exporters` entry points.

Each module imports its heavy library (genanki, reportlab) inside `export`,
so that listing the commands stays fast.
"""

from __future__ import annotations

import re
from typing import Any

import click

from qexport import DEFAULT_THEME

# A theme's name is the name of its folder, themes/NAME/: never a path elsewhere.
THEME_NAME = re.compile(r"[a-z0-9]+(?:[-_][a-z0-9]+)*")
# A theme's name goes into file names, after the title (at most 100 bytes) and the
# layout, sides and paper: at this length, every name stays within the 255 bytes
# that most file systems allow.
MAX_THEME_NAME = 64


def theme_name_problem(name: str) -> str | None:
    """Why `name` cannot name a theme, or None; found without loading any theme."""
    if len(name) > MAX_THEME_NAME:
        return f"a theme's name has at most {MAX_THEME_NAME} characters, not {len(name)}"
    if not THEME_NAME.fullmatch(name):
        return (
            f"{name!r} is not a theme's name: the name of its folder, themes/NAME/, in "
            "lower-case letters and digits, with '-' or '_' between them"
        )
    return None


class ThemeName(click.types.StringParamType):
    """A theme's name, checked as a name only: which themes exist is known when one loads
    (qexport.themes), and --help must not import the theme machinery."""

    name = "theme"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> str:
        name = super().convert(value, param, ctx)
        problem = theme_name_problem(name)
        if problem is not None:
            self.fail(problem, param, ctx)
        return name


def theme_option() -> click.Option:
    """--theme, shared by the exporters that draw with a theme."""
    return click.Option(
        ["--theme"],
        type=ThemeName(),
        default=DEFAULT_THEME,
        show_default=True,
        metavar="NAME",
        help="The theme: themes/NAME/ beside the content folder (the project's own, which wins "
        "over a built-in one of that name), else a built-in one (default, print).",
    )
