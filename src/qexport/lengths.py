"""Image widths and heights as authors write them: `50%`, `300px`, `300`, `4cm`, `30mm`, `2in`.

A bare number counts pixels, and a pixel is 1/96 inch, as in a browser.
"""

from __future__ import annotations

import re
from typing import NamedTuple


class Length(NamedTuple):
    """A width or height as written: `50%`, `300px`, `300` (pixels), `4cm`, `30mm`, `2in`."""

    value: float
    unit: str  # one of UNITS


UNITS = ("px", "%", "cm", "mm", "in")
_LENGTH = re.compile(r"(\d{1,5}(?:\.\d{1,4})?)(px|%|cm|mm|in)?")


def parse_length(text: str, percent: bool = True) -> Length:
    """`text` as a Length, or a ValueError that says what is allowed."""
    match = _LENGTH.fullmatch(text.strip())
    units = "px, %, cm, mm or in" if percent else "px, cm, mm or in"
    if match is None or (match.group(2) == "%" and not percent):
        raise ValueError(f"'{text}' is not a length: write a number with {units}, as in 300px")
    length = Length(float(match.group(1)), match.group(2) or "px")
    if length.value <= 0 or (length.unit == "%" and length.value > 100):
        raise ValueError(f"'{text}' must be above 0" + (", and at most 100%" if percent else ""))
    return length


def image_lengths(width: str | None, height: str | None) -> tuple[Length | None, Length | None]:
    """The width and height an image asks for; one the loader refused counts as not given."""
    lengths: list[Length | None] = []
    for value, percent in ((width, True), (height, False)):
        try:
            lengths.append(None if value is None else parse_length(value, percent))
        except ValueError:
            lengths.append(None)
    return lengths[0], lengths[1]
