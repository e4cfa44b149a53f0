"""Reading the PDFs the way a checker would: pypdf for structure, poppler for text."""

from __future__ import annotations

import html
import re
import subprocess
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from pypdf import PdfReader


@dataclass(frozen=True)
class Word:
    text: str
    x0: float
    y0: float  # from the top of the page, as poppler reports it
    x1: float
    y1: float


@dataclass(frozen=True)
class Page:
    width: float
    height: float
    words: list[Word]

    @property
    def text(self) -> str:
        return " ".join(w.text for w in self.words)


def pages(pdf: Path) -> list[Page]:
    """Every page's words with their boxes (`pdftotext -bbox`)."""
    xml = subprocess.run(
        ["pdftotext", "-bbox", str(pdf), "-"], capture_output=True, text=True, check=True
    ).stdout
    result = []
    for width, height, body in re.findall(
        r'<page width="([\d.]+)" height="([\d.]+)">(.*?)</page>', xml, re.S
    ):
        words = [
            Word(html.unescape(text), float(a), float(b), float(c), float(d))
            for a, b, c, d, text in re.findall(
                r'<word xMin="([\d.-]+)" yMin="([\d.-]+)" xMax="([\d.-]+)" yMax="([\d.-]+)">'
                r"(.*?)</word>",
                body,
            )
        ]
        result.append(Page(float(width), float(height), words))
    return result


def squash(text: str) -> str:
    return " ".join(text.split())


def letters(text: str) -> str:
    """Only letters and digits: text compared this way ignores where words were split."""
    return "".join(char for char in text if char.isalnum())


def outline_titles(reader: PdfReader) -> list[tuple[int, str]]:
    def walk(items: list[object], depth: int) -> list[tuple[int, str]]:
        found: list[tuple[int, str]] = []
        for item in items:
            if isinstance(item, list):
                found += walk(item, depth + 1)
            else:
                found.append((depth, str(item.title)))  # type: ignore[attr-defined]
        return found

    return walk(reader.outline, 0)


def fonts(pdf: Path) -> list[tuple[str, str]]:
    """(font name, embedded yes/no) for every font, from `pdffonts`."""
    lines = subprocess.run(
        ["pdffonts", str(pdf)], capture_output=True, text=True, check=True
    ).stdout.splitlines()[2:]
    rows = []
    for line in lines:
        parts = line.split()
        # name type... encoding emb sub uni object ID: emb is the 5th field from the end
        rows.append((parts[0], parts[-5]))
    return rows


@dataclass(frozen=True)
class Box:
    """A stroked or filled path's bounding box, y from the top as poppler gives words."""

    x0: float
    y0: float
    x1: float
    y1: float
    filled: bool
    color: tuple[float, ...] = (0.0,)  # the fill's (if filled) or the stroke's, as set

    @property
    def is_horizontal_line(self) -> bool:
        return not self.filled and abs(self.y1 - self.y0) < 0.01 and self.x1 - self.x0 > 1

    @property
    def is_vertical_line(self) -> bool:
        return not self.filled and abs(self.x1 - self.x0) < 0.01 and self.y1 - self.y0 > 1


Matrix = tuple[float, float, float, float, float, float]
PAINT = {b"S": False, b"s": False, b"f": True, b"F": True, b"f*": True, b"B": True, b"b": True}


def drawings(pdf: Path) -> list[list[Box]]:
    """Every page's painted paths (rules, cut lines, code-block fills) as boxes.

    A small reading of the content stream: the transformation matrix (q, Q,
    cm) and the path operators; text and images are left to the other readers.
    """
    from pypdf.generic import ContentStream

    reader = PdfReader(pdf)
    result = []
    for page in reader.pages:
        height = float(page.mediabox.height)
        ctm: Matrix = (1, 0, 0, 1, 0, 0)
        fill: tuple[float, ...] = (0.0,)
        stroke: tuple[float, ...] = (0.0,)
        stack: list[tuple[Matrix, tuple[float, ...], tuple[float, ...]]] = []
        path: list[tuple[float, float]] = []
        boxes: list[Box] = []
        for operands, operator in ContentStream(page.get_contents(), reader).operations:
            values = [float(v) for v in operands if isinstance(v, (int, float))]
            if operator == b"q":
                stack.append((ctm, fill, stroke))
            elif operator == b"Q":
                ctm, fill, stroke = stack.pop()
            elif operator in (b"rg", b"g", b"k"):
                fill = _as_rgb(values)
            elif operator in (b"RG", b"G", b"K"):
                stroke = _as_rgb(values)
            elif operator == b"cm":
                ctm = _multiply(
                    (values[0], values[1], values[2], values[3], values[4], values[5]), ctm
                )
            elif operator in (b"m", b"l", b"c", b"v", b"y"):
                path += [_apply(ctm, values[i], values[i + 1]) for i in range(0, len(values), 2)]
            elif operator == b"re":
                x, y, w, h = values
                path += [_apply(ctm, x, y), _apply(ctm, x + w, y + h)]
            elif operator in PAINT or operator == b"n":
                if path and operator in PAINT:
                    xs, ys = [p[0] for p in path], [height - p[1] for p in path]
                    filled = PAINT[operator]
                    color = fill if filled else stroke
                    boxes.append(Box(min(xs), min(ys), max(xs), max(ys), filled, color))
                path = []
        result.append(boxes)
    return result


def _as_rgb(values: list[float]) -> tuple[float, ...]:
    if len(values) == 4:  # CMYK
        c, m, y, k = values
        return ((1 - c) * (1 - k), (1 - m) * (1 - k), (1 - y) * (1 - k))
    return tuple(values)


def _multiply(m: Matrix, n: Matrix) -> Matrix:
    a, b, c, d, e, f = m
    a2, b2, c2, d2, e2, f2 = n
    return (
        a * a2 + b * c2,
        a * b2 + b * d2,
        c * a2 + d * c2,
        c * b2 + d * d2,
        e * a2 + f * c2 + e2,
        e * b2 + f * d2 + f2,
    )


def _apply(m: Matrix, x: float, y: float) -> tuple[float, float]:
    return m[0] * x + m[2] * y + m[4], m[1] * x + m[3] * y + m[5]


@dataclass(frozen=True)
class Line:
    """Words that share a baseline in one column, left to right."""

    words: list[Word]

    @property
    def x0(self) -> float:
        return self.words[0].x0

    @property
    def text(self) -> str:
        return " ".join(w.text for w in self.words)


def lines_of(words: Sequence[Word]) -> list[Line]:
    """`words` as lines, top to bottom, each left to right.

    Words share a line when their feet are close: type of two sizes on one
    line (mono in serif) have other tops, but nearly the same baseline.
    """
    lines: list[list[Word]] = []
    for word in sorted(words, key=lambda w: (w.y1, w.x0)):
        if lines and word.y1 - lines[-1][0].y1 < 3:
            lines[-1].append(word)
        else:
            lines.append([word])
    return [Line(sorted(line, key=lambda w: w.x0)) for line in lines]


def text_lines(
    page: Page, split_x: Sequence[float] = (), split_y: Sequence[float] = ()
) -> dict[tuple[int, int], list[Line]]:
    """The page's lines of words in each area between the splits, by (row, column).

    The area below the row-th of `split_y` and right of the column-th of
    `split_x`: the cards on a sheet, a page's columns.
    """
    areas: dict[tuple[int, int], list[Word]] = {}
    for word in page.words:
        key = (sum(word.y0 >= y for y in split_y), sum(word.x0 >= x for x in split_x))
        areas.setdefault(key, []).append(word)
    return {key: lines_of(words) for key, words in sorted(areas.items())}
