"""`qexport-print`: a code style for grayscale print, registered with Pygments.

Every token class of Python code that Pygments' default style tells apart
by colour gets a look of its own here, from three grays and four faces, so
code keeps its structure on a black-and-white printer. Strings are black italic and
comments gray italic; keywords are bold, builtins gray. An escape and an
interpolation in a string share one look: both mark what is not literal text.
"""

from __future__ import annotations

from typing import ClassVar

from pygments.style import Style
from pygments.token import (
    Comment,
    Error,
    Generic,
    Keyword,
    Name,
    Number,
    Operator,
    String,
    Token,
    _TokenType,
)

BLACK, DARK, MID = "#000000", "#555555", "#808080"


class PrintStyle(Style):
    name = "qexport-print"
    background_color = "#ffffff"
    highlight_color = "#e6e6e6"
    line_number_color = MID

    styles: ClassVar[dict[_TokenType, str]] = {
        Token: BLACK,
        Comment: f"italic {MID}",
        Keyword: f"bold {BLACK}",
        Operator: DARK,
        Operator.Word: f"bold italic {BLACK}",
        Name.Builtin: MID,
        Name.Function: f"bold {DARK}",
        Name.Class: f"bold {DARK}",
        Name.Namespace: f"bold {DARK}",
        Name.Exception: f"bold italic {DARK}",
        Name.Decorator: f"bold italic {BLACK}",
        Name.Variable: f"italic {DARK}",
        String: f"italic {BLACK}",
        String.Interpol: f"bold italic {MID}",
        String.Escape: f"bold italic {MID}",
        Number: DARK,
        Generic.Prompt: f"bold {MID}",
        Generic.Output: MID,
        Generic.Traceback: MID,
        Generic.Emph: "italic",
        Generic.Strong: "bold",
        Error: f"bold {BLACK}",
    }
