"""Bounds on a paragraph's lines, found without breaking them.

A flash card tries its answer at a few sizes, and most tries fail: the answer
runs over the card. Laying out the text (parsing its markup, breaking its
lines) is what a try costs. A paragraph's lines are never wider than its
frame and never fewer than one, so its glyphs and the spaces between its
words give a number of lines it cannot go below (`least_lines`). Code
blocks, being cheap to lay out, are laid out; pictures and tables count as
nothing. When even these floors run over the card, the real try would too,
and is never made.

The other way round, a paragraph whose every glyph and space fits its first
line is one line (`one_line`): the booklet's contents entries are measured
so without being set.

Each run of text is measured in the face and at the size reportlab sets it in,
found from the tags around it as reportlab's parser finds them (its own
`ps2tt` and `tt2ps`); text inside a tag qexport never writes is not measured
(a floor counts it as nothing, and `one_line` gives up).
"""

from __future__ import annotations

import math
import re
from functools import lru_cache
from html import unescape
from typing import Any, Literal

from reportlab.lib.fonts import ps2tt, tt2ps
from reportlab.lib.styles import ParagraphStyle
from reportlab.pdfbase.pdfmetrics import getFont
from reportlab.platypus import Flowable

from qexport.fonts import printable

SLACK = 1e-6  # lines, or points: float rounding, never a line's worth

_PIECES = re.compile(r"(<[^>]*>|&[^;<&\s]*;)")  # a tag or an entity; text between
_TAG = re.compile(r"<(\w+)")
_SIZE = re.compile(r'\ssize="([^"]*)"')
_FACE = re.compile(r'\s(?:face|name)="([^"]*)"')
_NUMBER = re.compile(r"[0-9]+(?:\.[0-9]*)?")
_WORDS = re.compile(r"(?:^|[ \t\n\r\f\v])[^ \t\n\r\f\v]*[A-Za-z0-9]")  # a word with one
_ALNUM = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
_PLAIN = {"strike", "u", "a"}  # tags that leave the face and size as they are
_BOLD, _ITALIC = {"b", "strong"}, {"i", "em"}

# What text is set in: (size, family, bold, italic), or None inside a tag not known here.
Flag = Literal[0, 1]
Font = tuple[float, str, Flag, Flag] | None


class LeastPara(Flowable):
    """Stands for a paragraph: as tall as the fewest lines its text could take.

    Its spaces above and below are the paragraph's, from the same style.
    """

    def __init__(self, markup: str, style: ParagraphStyle, bulletText: object = None) -> None:
        super().__init__()
        self.markup, self.style = markup, style

    def wrap(self, avail_width: float, avail_height: float) -> tuple[float, float]:
        lines = least_lines(self.markup, self.style, avail_width)
        self.width, self.height = avail_width, lines * self.style.leading
        return self.width, self.height


class Nothing(Flowable):
    """Stands for a picture or a table: no height at all, which none of them is below."""

    def wrap(self, avail_width: float, avail_height: float) -> tuple[float, float]:
        return 0, 0


def least_lines(markup: str, style: ParagraphStyle, width: float) -> int:
    """The fewest lines `markup` could be broken into at `width`, in `style`.

    A line holds words, with a space between each two, and is at most the widest
    line's width (a word too long for a line is cut), unless one glyph is wider
    still. Only the spaces within a run of text before a word with a letter or
    digit are counted, and a line break takes one of them: n lines of width w
    hold the glyphs and all those spaces but n - 1, so n >= (glyphs + spaces +
    widest space) / (w + widest space). Entities (`&amp;`) count as nothing; a
    paragraph with any other glyph takes a line.
    """
    room = width - style.leftIndent - style.rightIndent - min(0.0, style.firstLineIndent)
    glyphs, spaces, widest, glyph, seen = 0.0, 0.0, 0.0, 0.0, False
    fonts = [_first(style)]
    for index, piece in enumerate(_PIECES.split(markup)):
        if index % 2:
            _follow(piece, fonts)
            continue
        text = printable(piece)
        shown = "".join(text.split())
        seen = seen or bool(shown)
        face = _face(fonts[-1])
        if shown and face is not None:
            size = fonts[-1][0]  # type: ignore[index]  # known: it has a face
            glyphs += size * _width(shown, face)
            glyph = max(glyph, size * _widest(face))
            gaps = max(0, len(_WORDS.findall(text)) - 1)
            if gaps and _space(face):
                spaces += gaps * size * _space(face)
                widest = max(widest, size * _space(face))
    if not seen:
        return 0
    if glyph > room:  # a glyph wider than a line takes a line to itself, and runs over
        return 1
    return max(1, math.ceil((glyphs + spaces + widest) / (room + widest) - SLACK))


def one_line(markup: str, style: ParagraphStyle, width: float) -> bool:
    """Whether `markup` in `style` surely takes exactly one line at `width`.

    It does if it has a glyph and no line break, and its glyphs (entities too)
    and the widest of its spaces for each space it has fit the first line
    together: reportlab then never breaks it.
    """
    if "<br" in markup:
        return False
    room = width - (style.leftIndent + style.firstLineIndent) - style.rightIndent
    glyphs, count, widest = 0.0, 0, 0.0
    fonts = [_first(style)]
    for index, piece in enumerate(_PIECES.split(markup)):
        if index % 2 and piece.startswith("<"):
            _follow(piece, fonts)
            continue
        face = _face(fonts[-1])
        if face is None:
            return False
        size = fonts[-1][0]  # type: ignore[index]  # known: it has a face
        widest = max(widest, size * _width(" ", face))
        text = piece if index % 2 else printable(piece)
        shown = "".join(text.split())
        count += len(text) - len(shown)
        if shown:  # an entity as written, or as meant
            glyphs += size * max(_width(shown, face), _width(printable(unescape(shown)), face))
    return glyphs > 0 and glyphs + count * widest < room - SLACK


def _first(style: ParagraphStyle) -> Font:
    """What a paragraph in `style` starts in, as reportlab's parser finds it."""
    try:
        family, bold, italic = ps2tt(style.fontName)
    except ValueError:
        return None
    return float(style.fontSize), family, bold, italic


def _follow(piece: str, fonts: list[Font]) -> None:
    """`fonts` after `piece`, a tag (or an entity, which changes nothing)."""
    if not piece.startswith("<") or piece.endswith("/>"):
        return
    if piece.startswith("</"):
        if len(fonts) > 1:
            fonts.pop()
        return
    font, tag = fonts[-1], _TAG.match(piece)
    name = tag.group(1).lower() if tag else ""
    if font is not None and name in _BOLD:
        font = (font[0], font[1], 1, font[3])
    elif font is not None and name in _ITALIC:
        font = (font[0], font[1], font[2], 1)
    elif font is not None and name == "font":
        font = _set(piece, font)
    elif name not in _PLAIN or _SIZE.search(piece) or _FACE.search(piece):
        font = None
    fonts.append(font)


def _set(tag: str, font: tuple[float, str, Flag, Flag]) -> Font:
    """`font` with the size and face `tag` names, if any."""
    size, family, bold, italic = font
    sized, named = _SIZE.search(tag), _FACE.search(tag)
    if sized:
        if not _NUMBER.fullmatch(sized.group(1)):
            return None  # relative or in percent: not measured here
        size = float(sized.group(1))
    if named:
        try:
            family, bold, italic = ps2tt(named.group(1))
        except ValueError:
            return None
    return size, family, bold, italic


def _face(font: Font) -> str | None:
    """The face reportlab sets `font`'s text in (None where not known)."""
    if font is None:
        return None
    try:
        return str(tt2ps(font[1], font[2], font[3]))
    except ValueError:
        return None


def _width(text: str, face: str) -> float:
    """`text`'s width at 1 pt in `face`, as stringWidth measures it."""
    return float(getFont(face).stringWidth(text, 1.0))


def _widest(face: str) -> float:
    """The widest glyph of `face` at 1 pt (its missing-glyph box too)."""
    return _widest_of(getFont(face))


def _space(face: str) -> float:
    """A space's width at 1 pt in `face`; none if a letter or digit there has no width
    (then a word of one might take no space before it)."""
    return _space_of(getFont(face))


# By the font itself, not its name: a name registered again is another font.
@lru_cache(maxsize=64)
def _widest_of(font: Any) -> float:
    metrics = font.face
    return float(max([metrics.defaultWidth, *metrics.charWidths.values()])) / 1000


@lru_cache(maxsize=64)
def _space_of(font: Any) -> float:
    widths = [float(font.stringWidth(char, 1.0)) for char in _ALNUM]
    return float(font.stringWidth(" ", 1.0)) if min(widths) > 0 else 0.0
