"""How large each image prints, and what the PDF reads for it.

An image prints at one point per pixel (72 dpi), shrunk to fit its frame
and never enlarged (`checks` warns of those that would print blurred).

An image prints as a browser shows it: turned upright by its EXIF
orientation, and a 16-bit one scaled to 8 bits (reportlab would clip its
values, printing it almost white). Only such images are encoded again; every
other file goes into the PDF as it is.
"""

from __future__ import annotations

from functools import lru_cache
from io import BytesIO
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from PIL.Image import Image as PilImage


MAX_HEIGHT_SHARE = 0.9  # of the frame: room for the caption line that may follow
ORIENTATION = 0x0112  # the EXIF tag; 1 is upright, 2 to 8 turn or mirror the pixels
TURNED = (5, 6, 7, 8)  # orientations that swap width and height
DEEP_MODES = ("I;16", "I;16L", "I;16B", "I;16N", "I", "F")  # more than 8 bits a sample
JPEG_QUALITY = 95  # a turned photo is encoded again: keep it close to the original


def fit(pixels: tuple[float, float], frame: tuple[float, float]) -> float:
    """The scale an image of `pixels` prints at in `frame` (points): at most 1."""
    width, height = pixels
    return min(1.0, frame[0] / width, frame[1] * MAX_HEIGHT_SHARE / height)


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
