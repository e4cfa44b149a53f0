"""Images referenced from answers.

An image is a file inside the content folder, referenced by a path relative
to the Markdown file: `![A diagram of the MRO](images/mro.png)`. Remote URLs
are refused (a card must work offline and must not phone home), and so is
any path that leads out of the content folder. Anki keeps media in one flat
folder, so two images may not share a file name.
"""

from __future__ import annotations

import posixpath
from collections.abc import Sequence
from pathlib import Path
from typing import NamedTuple
from urllib.parse import unquote, urlsplit

from markdown_it import MarkdownIt
from markdown_it.token import Token

from qexport.errors import ContentError

_INLINE = MarkdownIt("commonmark", {"html": False})


def image_sources(block: Token) -> list[str]:
    """The `src` of every image in an inline block token, in order."""
    if "![" not in block.content:
        return []  # the cheap common case: no inline parse needed
    sources = []
    for token in _INLINE.parseInline(block.content):
        for child in token.children or []:
            if child.type == "image":
                sources.append(str(child.attrGet("src") or ""))
    return sources


def resolve(src: str, document: Path, content_dir: Path) -> str:
    """`src` as a POSIX path relative to `content_dir`; ValueError if it may not be used."""
    parts = urlsplit(src)
    if parts.scheme or parts.netloc or src.startswith("//"):
        raise ValueError(f"image '{src}' is not a file in the content folder")
    relative_dir = document.parent.relative_to(content_dir).as_posix()
    joined = posixpath.normpath(posixpath.join(relative_dir, unquote(parts.path)))
    if joined.startswith("../") or joined == ".." or posixpath.isabs(joined):
        raise ValueError(f"image '{src}' leads out of the content folder")
    target = content_dir / joined
    if not target.is_file():
        raise ValueError(f"image '{src}' not found")
    if not target.resolve().is_relative_to(content_dir.resolve()):
        raise ValueError(f"image '{src}' links out of the content folder")
    return joined


class ImageRef(NamedTuple):
    """Where an answer shows an image (relative to the content folder)."""

    image: str
    path: Path
    line: int


def check_unique_names(images: Sequence[ImageRef], errors: list[ContentError]) -> None:
    """Anki stores media by file name alone, so two files may not share one."""
    first: dict[str, str] = {}
    for image, path, line in images:
        name = posixpath.basename(image)
        seen = first.setdefault(name, image)
        if seen != image:
            errors.append(
                ContentError(
                    f"two images are named '{name}' ({seen} and {image}); "
                    "Anki keeps media by file name, so rename one",
                    path,
                    line,
                )
            )
