"""Embedded TrueType fonts for print, installed from PyPI as fontpkg packages.

A theme names font families ("IBM Plex Serif"); each is a fontpkg package
(`fontpkg-ibm-plex-serif`) that ships static TTF files. qexport registers the
regular, bold, italic and bold italic faces with reportlab, so every PDF
embeds them: nothing depends on the fonts of the machine that builds it.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from qexport.entry_points import registered
from qexport.errors import QexportError

FONTPKG_GROUP = "fontpkg.family"
FACES = {"regular": "Regular", "bold": "Bold", "italic": "Italic", "bold_italic": "BoldItalic"}


@dataclass(frozen=True)
class FontFamily:
    """A registered family: reportlab font names for each face, and what it can show."""

    label: str
    regular: str
    bold: str
    italic: str
    bold_italic: str
    codepoints: frozenset[int]

    def missing(self, text: str) -> list[str]:
        """The characters of `text` this family has no glyph for, in order, once each.

        Invisible ones do not count: the PDFs leave them out (`printable`).
        """
        seen: dict[str, None] = {}
        for char in text:
            if ord(char) not in self.codepoints and char not in "\n\r\t" and char not in seen:
                seen[char] = None
        return [char for char in seen if _PRINTED[ord(char)] == char]


class _Printed(dict[int, "str | None"]):
    """For str.translate: nothing for a format character (Cf: joiners, zero-width
    space, direction marks and isolates), a space for a line or paragraph separator,
    any other character itself. Filled as characters are met."""

    def __missing__(self, codepoint: int) -> str | None:
        char = chr(codepoint)
        category = unicodedata.category(char)
        printed = None if category == "Cf" else " " if category in ("Zl", "Zp") else char
        self[codepoint] = printed
        return printed


_PRINTED = _Printed()


def printable(text: str) -> str:
    """`text` without the invisible characters that no font draws (a PDF shows none)."""
    return text if text.isascii() else text.translate(_PRINTED)


def describe(char: str) -> str:
    """'λ' (U+03BB GREEK SMALL LETTER LAMDA), for messages."""
    name = unicodedata.name(char, "unnamed character")
    return f"'{char}' (U+{ord(char):04X} {name})"


def _package_root(label: str) -> Path:
    for entry_point in registered(FONTPKG_GROUP):
        module = entry_point.load()
        if getattr(module, "FAMILY", None) == label:
            return Path(module.ROOT) / "files"
    package = "fontpkg-" + "-".join(label.lower().split())
    raise QexportError(f"font '{label}' is not installed; install it with: pip install {package}")


@lru_cache(maxsize=8)
def family(label: str) -> FontFamily:
    """The family called `label`, registered with reportlab (once per process)."""
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFont

    root = _package_root(label)
    names: dict[str, str] = {}
    codepoints: frozenset[int] = frozenset()
    for face, suffix in FACES.items():
        files = sorted(root.glob(f"*-{suffix}.ttf"))
        if not files:
            raise QexportError(f"font '{label}' has no static {suffix} face in {root}")
        name = f"qx-{'-'.join(label.split())}-{suffix}"
        font = TTFont(name, str(files[0]))
        pdfmetrics.registerFont(font)
        names[face] = name
        if face == "regular":
            codepoints = frozenset(font.face.charToGlyph)
    pdfmetrics.registerFontFamily(
        names["regular"],
        normal=names["regular"],
        bold=names["bold"],
        italic=names["italic"],
        boldItalic=names["bold_italic"],
    )
    return FontFamily(label, codepoints=codepoints, **names)
