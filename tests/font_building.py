"""Tiny TrueType fonts made on the spot, static or variable, for the font tests.

Real variable fonts take seconds to instance; these take milliseconds, and
have exactly the axes a test needs.
"""

from __future__ import annotations

from pathlib import Path

CHARACTERS = "Aa\u03c3\u03bb\u0436\u044f"  # and Greek sigma, lambda; Cyrillic zhe, ya
# Enough to print an ASCII bank (and qexport's own English words) with nothing missing.
TEXT = "".join(chr(c) for c in range(0x21, 0x7F)) + "\u00b7\u2013\u2014\u2026" + CHARACTERS[2:]
Axis = tuple[str, float, float, float]  # tag, minimum, default, maximum
WGHT: Axis = ("wght", 100, 400, 900)
ITAL: Axis = ("ital", 0, 0, 1)


def _square(size: int) -> object:
    from fontTools.pens.ttGlyphPen import TTGlyphPen

    pen = TTGlyphPen(None)
    pen.moveTo((50, 0))
    pen.lineTo((50, size))
    pen.lineTo((size, size))
    pen.lineTo((size, 0))
    pen.closePath()
    return pen.glyph()


def build_font(
    path: Path,
    axes: tuple[Axis, ...] = (WGHT,),
    name: str = "Tiny",
    characters: str = CHARACTERS,
) -> Path:
    """A font at `path` covering `characters` and space; variable along `axes` (none: static)."""
    from fontTools.fontBuilder import FontBuilder
    from fontTools.ttLib.tables.TupleVariation import TupleVariation

    glyphs = {ord(char): f"u{ord(char):04X}" for char in characters if char != " "}
    order = [".notdef", "space", *glyphs.values()]
    builder = FontBuilder(1000, isTTF=True)
    builder.setupGlyphOrder(order)
    builder.setupCharacterMap({32: "space", **glyphs})
    builder.setupGlyf({glyph: _square(500) for glyph in order})
    builder.setupHorizontalMetrics({glyph: (600, 50) for glyph in order})
    builder.setupHorizontalHeader(ascent=800, descent=-200)
    builder.setupNameTable(
        {"familyName": name, "styleName": "Regular", "psName": f"{name}-Regular"}
    )
    builder.setupOS2(sTypoAscender=800, usWinAscent=800, usWinDescent=200)
    builder.setupPost()
    if axes:
        builder.setupFvar([(tag, low, default, high, tag) for tag, low, default, high in axes], [])
        # Each glyph widens along the first axis: 4 outline points, then 4 phantom ones.
        deltas = [(40, 0)] * 4 + [(0, 0)] * 4
        peak = {axes[0][0]: (0.0, 1.0, 1.0)}
        builder.setupGvar({glyph: [TupleVariation(peak, deltas)] for glyph in order})
    path.parent.mkdir(parents=True, exist_ok=True)
    builder.save(str(path))
    return path
