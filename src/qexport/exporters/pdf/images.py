"""How large each image prints, and what the PDF reads for it.

An image prints at the size its author gives it (`{width=…}` after a
Markdown image, `width` or `height` on `<img>`: `%` of the width the text
has there, or `px`, `cm`, `mm`, `in`; a pixel is 1/96 inch, as in a browser),
or else at the size its file says (its DPI), or else as a browser shows it
(96 pixels an inch). It keeps its proportions and is never wider than the
text there, nor taller than MAX_LINES lines of body text or MAX_HEIGHT_SHARE
of the frame, whichever is less (`checks` warns of those that print blurred).

An image prints as a browser shows it: turned upright by its EXIF
orientation, and a 16-bit one scaled to 8 bits (reportlab would clip its
values, printing it almost white). Only such images are encoded again; every
other file goes into the PDF as it is.
"""

from __future__ import annotations

from functools import lru_cache
from io import BytesIO
from pathlib import Path
from typing import TYPE_CHECKING, NamedTuple

from reportlab.platypus import Flowable

from qexport.lengths import Length, image_lengths

if TYPE_CHECKING:
    from PIL.Image import Image as PilImage
    from reportlab.platypus import Image


MAX_HEIGHT_SHARE = 0.9  # of the frame: room for the caption line that may follow
MAX_LINES = 24  # of body text: an image never prints taller than this many lines
DEFAULT_DPI = 96.0  # a file that gives none prints as a browser shows it
DPI_RANGE = (10.0, 10_000.0)  # a file's DPI outside it means nothing ("1" is aspect only)
POINTS = {"px": 72 / 96, "in": 72.0, "cm": 72 / 2.54, "mm": 72 / 25.4}  # points per unit
ORIENTATION = 0x0112  # the EXIF tag; 1 is upright, 2 to 8 turn or mirror the pixels
TURNED = (5, 6, 7, 8)  # orientations that swap width and height
DEEP_MODES = ("I;16", "I;16L", "I;16B", "I;16N", "I", "F")  # more than 8 bits a sample
JPEG_QUALITY = 95  # a turned photo is encoded again: keep it close to the original


class Printed(NamedTuple):
    """An image's size on paper, in points, and whether a limit made it smaller."""

    width: float
    height: float
    shrunk: bool


def height_cap(frame_height: float, leading: float) -> float:
    """The tallest an image prints: MAX_LINES lines of body text, or less in a short frame."""
    cap = MAX_LINES * leading
    return min(cap, frame_height * MAX_HEIGHT_SHARE) if frame_height else cap


def print_size(
    pixels: tuple[float, float],
    dpi: float | None,
    lengths: tuple[Length | None, Length | None],
    room: tuple[float, float],
) -> Printed:
    """The size an image of `pixels` prints at, asked `lengths` (width, height), in `room`
    (the width the text has there, the tallest it may be)."""
    aspect = pixels[1] / pixels[0]
    wide, high = lengths
    if wide is not None:
        width = wide.value * (room[0] / 100 if wide.unit == "%" else POINTS[wide.unit])
    elif high is not None:
        width = high.value * POINTS[high.unit] / aspect
    else:
        width = pixels[0] * 72 / (dpi or DEFAULT_DPI)
    scale = min(1.0, room[0] / width, room[1] / (width * aspect))
    return Printed(width * scale, width * scale * aspect, scale < 1)


def image_dpi(path: Path) -> float | None:
    """The horizontal DPI the file at `path` gives, if it gives a meaningful one."""
    stat = path.stat()
    return _dpi(path, stat.st_mtime_ns, stat.st_size)


@lru_cache(maxsize=1024)
def _dpi(path: Path, _mtime: int, _size: int) -> float | None:
    from PIL import Image

    with Image.open(path) as opened:
        dpi = opened.info.get("dpi")
    try:
        value = float(dpi[0])
    except (TypeError, ValueError, IndexError):
        return None
    return value if DPI_RANGE[0] <= value <= DPI_RANGE[1] else None


class FitImage(Flowable):
    """An image at its print size (`print_size`) in the width it is given.

    Its size depends on the frame, never on the room left on the page: one
    that does not fit there moves on whole, rather than printing smaller.
    """

    def __init__(
        self,
        image: Image,
        path: Path,
        lengths: tuple[str | None, str | None],
        room: tuple[float, float],
    ) -> None:
        """`lengths`: width and height as written; `room`: frame height, body leading."""
        super().__init__()
        self.image = image
        self.dpi = image_dpi(path)
        self.lengths = image_lengths(*lengths)
        self.frame_height, self.leading = room

    def wrap(self, avail_width: float, avail_height: float) -> tuple[float, float]:
        pixels = (self.image.imageWidth, self.image.imageHeight)
        cap = height_cap(self.frame_height or avail_height, self.leading)
        size = print_size(pixels, self.dpi, self.lengths, (avail_width, cap))
        self.image.drawWidth, self.image.drawHeight = size.width, size.height
        self.width, self.height = size.width, size.height
        return self.width, self.height

    def draw(self) -> None:
        self.image.drawOn(self.canv, 0, 0)


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
