"""How large, and how sharp, each image prints, and what the PDF reads for it.

An image prints at one point per pixel (72 dpi), shrunk to fit its frame
and never enlarged, so it prints sharp (SHARP_DPI or more) only once it is
shrunk to about half its size. `qexport validate` warns of every image that
would print blurred, at the line that shows it.

An image prints as a browser shows it: turned upright by its EXIF
orientation, and a 16-bit one scaled to 8 bits (reportlab would clip its
values, printing it almost white). Only such images are encoded again; every
other file goes into the PDF as it is.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from functools import lru_cache
from io import BytesIO
from pathlib import Path
from typing import TYPE_CHECKING

from qexport.errors import ContentWarning
from qexport.model import QuestionSet

if TYPE_CHECKING:
    from PIL.Image import Image as PilImage

    from qexport.exporters.pdf_styles import Styles

SHARP_DPI = 150
PAPER_LABELS = {"a4": "A4", "letter": "Letter"}
MAX_HEIGHT_SHARE = 0.9  # of the frame: room for the caption line that may follow
ORIENTATION = 0x0112  # the EXIF tag; 1 is upright, 2 to 8 turn or mirror the pixels
TURNED = (5, 6, 7, 8)  # orientations that swap width and height
DEEP_MODES = ("I;16", "I;16L", "I;16B", "I;16N", "I", "F")  # more than 8 bits a sample
JPEG_QUALITY = 95  # a turned photo is encoded again: keep it close to the original


def fit(pixels: tuple[float, float], frame: tuple[float, float]) -> float:
    """The scale an image of `pixels` prints at in `frame` (points): at most 1."""
    width, height = pixels
    return min(1.0, frame[0] / width, frame[1] * MAX_HEIGHT_SHARE / height)


def image_frame(layout: str, paper: tuple[float, float], styles: Styles) -> tuple[float, float]:
    """The widest and tallest room an answer's image gets in `layout` at `styles`, in points."""
    if layout == "booklet":
        from qexport.exporters import pdf_booklet

        return pdf_booklet.text_frame(paper)
    if layout == "cheatsheet":
        from qexport.exporters import pdf_cheatsheet

        return pdf_cheatsheet.text_frame(paper)
    from qexport.exporters import pdf_cards

    return pdf_cards.text_frame(paper, styles)


def blurred_images(
    question_set: QuestionSet,
    styles: Styles,
    layout: str,
    paper: str,
    image_path: Callable[[str], Path],
) -> list[ContentWarning]:
    """A warning for each image shown where it would print below SHARP_DPI.

    In `layout`, at its `styles`, on `paper` (its name); `image_path` finds the
    file behind an image's `src`, as the PDF does.
    """
    from PIL import Image

    from qexport.exporters.pdf_styles import PAPERS
    from qexport.media import image_sources, shown_name

    frame = image_frame(layout, PAPERS[paper], styles)
    where = f"the {layout} ({PAPER_LABELS.get(paper, paper)})"
    sizes: dict[Path, tuple[int, int]] = {}
    warnings = []
    for question in question_set.questions:
        for src, line in image_sources(question.answer):
            path = image_path(src)
            if path not in sizes:
                with Image.open(path) as opened:
                    sizes[path] = upright_size(opened)
            scale = fit(sizes[path], frame)
            if 72 / scale < SHARP_DPI:
                message = _message(shown_name(src), sizes[path], scale, where, frame)
                warnings.append(
                    ContentWarning(message, question.path, question.answer_line + line)
                )
    return warnings


def _message(
    image: str,
    pixels: tuple[int, int],
    scale: float,
    where: str,
    frame: tuple[float, float],
) -> str:
    width_mm = pixels[0] * scale * 25.4 / 72
    # The widest this shape can print; shrunk to that, this many pixels print sharp.
    largest = min(frame[0], frame[1] * MAX_HEIGHT_SHARE * pixels[0] / pixels[1])
    needed = math.ceil(largest * SHARP_DPI / 72)
    blurred = (
        f"image '{image}' ({pixels[0]} x {pixels[1]} px) prints {width_mm:.0f} mm wide in "
        f"{where} at {72 / scale:.0f} dpi, blurred on paper"
    )
    if scale < 1:  # shrunk to fit: it prints as large as it can, so only pixels can help
        return (
            f"{blurred}: shrunk to fit, so at that size one at least {needed:,} px wide "
            f"prints sharp ({SHARP_DPI} dpi)"
        )
    # Not shrunk: more pixels make it print larger, up to the largest size that fits.
    return (
        f"{blurred}: images print at one point per pixel, so a sharp print ({SHARP_DPI} dpi) "
        f"needs at least {needed:,} px wide and then prints as large as fits "
        f"({largest * 25.4 / 72:.0f} mm wide); sizing images is not available yet"
    )


def upright_size(image: PilImage) -> tuple[int, int]:
    """An opened image's width and height in pixels as it prints: turned upright."""
    width, height = image.size
    return (height, width) if _orientation(image) in TURNED else (width, height)


def print_source(path: Path) -> str | BytesIO:
    """What the PDF reads for the image at `path`: the file's name, or a printable copy.

    Both answers are kept for a file as it is now (cards lay an answer out at
    several sizes), and the same file always makes the same bytes.
    """
    stat = path.stat()
    if not _needs_copy(path, stat.st_mtime_ns, stat.st_size):
        return str(path)
    return BytesIO(_printable_copy(path, stat.st_mtime_ns, stat.st_size))


@lru_cache(maxsize=1024)
def _needs_copy(path: Path, _mtime: int, _size: int) -> bool:
    """Whether the image at `path` would print wrong as it is: turned, or over 8 bits."""
    from PIL import Image

    with Image.open(path) as opened:
        return _orientation(opened) != 1 or opened.mode in DEEP_MODES


@lru_cache(maxsize=4)  # a few copies only: one of a large photo takes megabytes
def _printable_copy(path: Path, _mtime: int, _size: int) -> bytes:
    """The image at `path` turned upright and in 8 bits, encoded again."""
    from PIL import Image, ImageOps

    with Image.open(path) as opened:
        kind = opened.format
        image = ImageOps.exif_transpose(opened)
    if image.mode in DEEP_MODES:
        image = _eight_bit(image)
    buffer = BytesIO()
    if kind == "JPEG":  # a photo stays a photo: a lossless copy would be many times larger
        icc = image.info.get("icc_profile")
        image.save(buffer, "JPEG", quality=JPEG_QUALITY, subsampling=0, icc_profile=icc)
    else:
        image.save(buffer, "PNG")
    return buffer.getvalue()


def _orientation(image: PilImage) -> int:
    """The EXIF orientation as `ImageOps.exif_transpose` reads it; 1 if none or unknown."""
    value = image.getexif().get(ORIENTATION, 1)
    return value if value in range(2, 9) else 1


def _eight_bit(image: PilImage) -> PilImage:
    """A 16-bit (or wider) grayscale image scaled to 8 bits, as a browser shows it.

    A transparent gray (PNG's tRNS) becomes an alpha channel: as an 8-bit
    value it would no longer match.
    """
    from PIL import ImageMath

    wide = image.convert("I") if image.mode != "F" else image
    gray = wide.point(lambda value: value / 257 + 0.5).convert("L")  # 65535 -> 255, rounded
    transparent = image.info.get("transparency")
    gray.info.pop("transparency", None)
    if not isinstance(transparent, int):
        return gray
    alpha = ImageMath.lambda_eval(lambda v: (v["image"] != transparent) * 255, image=wide)
    gray.putalpha(alpha.convert("L"))
    return gray
