"""Images referenced from answers.

An image is a file inside the content folder, referenced by a path relative
to the Markdown file: `![A diagram of the MRO](images/mro.png)`. Remote URLs
are refused (a card must work offline and must not phone home), and so is
any path that leads out of the content folder. Anki keeps media in one flat
folder, so two images may not share a file name, even one that differs only
in case or Unicode normalization. An image must be a PNG, JPEG or GIF file
of at most MAX_IMAGE_PIXELS pixels, so the deck and the PDFs show it as
checked here.
"""

from __future__ import annotations

import posixpath
import unicodedata
import warnings
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import NamedTuple
from urllib.parse import unquote, urlsplit

from markdown_it.token import Token

from qexport.errors import ContentError

IMAGE_FORMATS = ("PNG", "JPEG", "GIF")
# 25 megapixels: a 5000 x 5000 photo. Decoded for the PDF that is 100 MB; a
# small file can claim far more (a decompression bomb), so it is refused.
MAX_IMAGE_PIXELS = 25_000_000


def image_sources(markdown: str) -> Iterator[tuple[str, int]]:
    """(src, line within `markdown`, from 0) of every image the renderers can show.

    The whole text is parsed as the renderers parse it, so reference-style
    images (`![x][r]` with `[r]: path`) resolve, and images nested in another
    image's alt text are found too (the PDFs walk into them).
    """
    if "![" not in markdown:
        return  # the cheap common case: no parse needed
    from qexport.render import shared_parser  # Pygments: only when needed

    for token in shared_parser().parse(markdown):
        if token.type == "inline" and token.map is not None:
            for src in _sources(token.children or []):
                yield src, token.map[0]


def _sources(tokens: Sequence[Token]) -> Iterator[str]:
    for token in tokens:
        if token.type == "image":
            yield str(token.attrGet("src") or "")
        if token.children:
            yield from _sources(token.children)


def content_path(src: str, relative_dir: str = "") -> str:
    """`src` as a POSIX path relative to the content folder; ValueError if it may not be.

    Only the text is checked here; `resolve` also checks the file.
    """
    parts = urlsplit(src)
    if parts.scheme or parts.netloc or src.startswith("//"):
        raise ValueError(f"image '{src}' is not a file in the content folder")
    if parts.query or parts.fragment or "?" in src or "#" in src:
        raise ValueError(f"image '{src}' has a '?' or '#' part; write the file's path alone")
    path = unquote(parts.path)
    joined = posixpath.normpath(posixpath.join(relative_dir, path))
    if joined.startswith("../") or joined == ".." or posixpath.isabs(joined):
        raise ValueError(f"image '{src}' leads out of the content folder")
    if ".." in path.split("/") or "\\" in path or "\x00" in path:
        # Each output finds the file its own way: only a plain path means one file to all.
        raise ValueError(f"image '{src}' must be a plain path, without '..' or '\\'")
    return joined


def resolve(src: str, document: Path, content_dir: Path) -> str:
    """`src` as a POSIX path relative to `content_dir`; ValueError if it may not be used."""
    joined = content_path(src, document.parent.relative_to(content_dir).as_posix())
    target = content_dir / joined
    if not target.is_file():
        raise ValueError(f"image '{src}' not found")
    if not target.resolve().is_relative_to(content_dir.resolve()):
        raise ValueError(f"image '{src}' links out of the content folder")
    return joined


def check_file(src: str, target: Path) -> None:
    """ValueError unless `target` is a readable image the deck and the PDFs can show.

    Pillow reads the header only, so a huge image is refused before it is decoded.
    """
    from PIL import Image, UnidentifiedImageError

    too_big = f"image '{src}' has more than {MAX_IMAGE_PIXELS:,} pixels"
    try:
        if target.stat().st_size == 0:
            raise ValueError(f"image '{src}' is an empty file")
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            with Image.open(target) as image:
                width, height = image.size
                if width * height > MAX_IMAGE_PIXELS:
                    raise ValueError(f"{too_big} ({width:,} x {height:,})")
                if image.format not in IMAGE_FORMATS:
                    raise UnidentifiedImageError
                image.verify()  # reads the data through without decoding it
    except UnidentifiedImageError:
        svg = " (SVG is not supported)" if target.suffix.lower() == ".svg" else ""
        raise ValueError(f"image '{src}' is not a PNG, JPEG or GIF file{svg}") from None
    except Image.DecompressionBombError:
        raise ValueError(too_big) from None
    except OSError as problem:
        raise ValueError(f"cannot read image '{src}': {problem.strerror or problem}") from None
    except ValueError:
        raise
    except Exception:  # Pillow reports damaged data in many ways (SyntaxError, struct.error...)
        raise ValueError(f"image '{src}' is damaged") from None


class ImageRef(NamedTuple):
    """Where an answer shows an image (relative to the content folder)."""

    image: str
    path: Path
    line: int


def check_files(images: Sequence[ImageRef], content_dir: Path, errors: list[ContentError]) -> None:
    """Each image file checked once (`check_file`), reported where it is first shown."""
    checked: set[str] = set()
    for image, path, line in images:
        if image not in checked:
            checked.add(image)
            try:
                check_file(image, content_dir / image)
            except ValueError as problem:
                errors.append(ContentError(str(problem), path, line))


def media_name(image: str) -> str:
    """What Anki's flat media folder compares: the file name, normalized and case-folded."""
    return unicodedata.normalize("NFC", posixpath.basename(image)).casefold()


def check_unique_names(images: Sequence[ImageRef], errors: list[ContentError]) -> None:
    """Anki stores media by file name alone, and some systems ignore case: no two may share one."""
    first: dict[str, str] = {}
    for image, path, line in images:
        seen = first.setdefault(media_name(image), image)
        if seen != image:
            errors.append(
                ContentError(
                    f"two images are named '{posixpath.basename(image)}' ({seen} and {image}); "
                    "Anki keeps media by file name, so rename one",
                    path,
                    line,
                )
            )
