"""qexport's own exporters, registered through the `qexport.exporters` entry points.

Each module imports its heavy library (genanki, reportlab) inside `export`,
so that listing the commands stays fast.
"""

from __future__ import annotations

import click

from qexport import DEFAULT_THEME


def theme_option() -> click.Option:
    """--theme, shared by the exporters that draw with a theme."""
    return click.Option(
        ["--theme"],
        default=DEFAULT_THEME,
        show_default=True,
        metavar="NAME",
        help="The theme: themes/NAME/ beside the content folder (the project's own, which wins "
        "over a built-in one of that name), else a built-in one (default, print).",
    )
