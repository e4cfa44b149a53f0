"""Images referenced from answers.

An image is a file inside the content folder, referenced by a path relative
to the Markdown file: `![A diagram of the MRO](images/mro.png)`, or
`<img src="images/mro.png">` (`html_subset`), checked the same way, with
its width (`{width="50%"}`, `width=`, `height=`: `lengths`). Remote URLs
are refused (a card must work offline and must not phone home), and so is
any path that leads out of the content folder. The file is found whether its
name is stored composed (NFC, as the Markdown is) or decomposed (NFD, as
macOS stores names). Anki keeps media in one flat folder, so two images may
not share a file name, even one that differs only in case or Unicode
normalization, and a name must be one Anki keeps as it is (`anki_name_problem`).
An image must be a PNG, JPEG or GIF file of at most MAX_IMAGE_PIXELS pixels,
so the deck and the PDFs show it as checked here.
"""

from __future__ import annotations

import os
import posixpath
import re
import unicodedata
import warnings
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import NamedTuple
from urllib.parse import unquote, urlsplit

from markdown_it.token import Token

from qexport.errors import ContentError
from qexport.lengths import parse_length

IMAGE_FORMATS = ("PNG", "JPEG", "GIF")
# 25 megapixels: a 5000 x 5000 photo. Decoded for the PDF that is 100 MB; a
# small file can claim far more (a decompression bomb), so it is refused.
MAX_IMAGE_PIXELS = 25_000_000


class Shown(NamedTuple):
    """An image an answer shows: its `src`, its line in the answer (from 0) and its size.

    `width` and `height` are as written (`{width=…}`, `<img width=…>`); `problem`
    says why its attributes were not understood, or is empty.
    """

    src: str
    line: int
    width: str | None = None
    height: str | None = None
    problem: str = ""


def may_show_image(markdown: str) -> bool:
    """Whether `markdown` may show an image: a cheap test before any parsing."""
    return "![" in markdown or "<img" in markdown.lower()


def image_sources(markdown: str) -> Iterator[tuple[str, int]]:
    """(src, line within `markdown`, from 0) of every image the renderers can show."""
    for shown in shown_images(markdown):
        yield shown.src, shown.line


def shown_images(markdown: str) -> Iterator[Shown]:
    """Every image the renderers can show: Markdown images and the HTML subset's `<img>`.

    The whole text is parsed as the renderers parse it, so reference-style
    images (`![x][r]` with `[r]: path`) resolve, and images nested in another
    image's alt text are found too (the PDFs walk into them).
    """
    if not may_show_image(markdown):
        return  # the cheap common case: no parse needed
    from qexport.render import shared_parser  # Pygments: only when needed

    for token in shared_parser().parse(markdown):
        if token.type == "inline" and token.map is not None:
            for shown in _shown(token.children or []):
                yield shown._replace(line=token.map[0])


def _shown(tokens: Sequence[Token]) -> Iterator[Shown]:
    from qexport.html_subset import TAG_KEY
    from qexport.render import html_src

    for index, token in enumerate(tokens):
        if token.type == "image":
            after = tokens[index + 1] if index + 1 < len(tokens) else None
            yield Shown(
                str(token.attrGet("src") or ""),
                0,
                width=_attr(token, "width"),
                problem=_attribute_problem(token, after),
            )
        elif token.type == "html_inline" and TAG_KEY in token.meta:
            tag = token.meta[TAG_KEY]
            if tag.name == "img":
                yield Shown(html_src(tag.get("src")), 0, tag.get("width"), tag.get("height"))
        if token.children:
            yield from _shown(token.children)


def _attr(token: Token, name: str) -> str | None:
    value = token.attrGet(name)
    return None if value is None else str(value)


def _attribute_problem(image: Token, after: Token | None) -> str:
    """Why the `{…}` after a Markdown image was not understood, or ""."""
    ignored = image.meta.get("insecure_attrs")
    if ignored:
        names = ", ".join(sorted(ignored))
        return f"an image takes only {{width=…}}; remove {names}"
    if after is not None and after.type == "text" and after.content.startswith("{"):
        return (
            'the {…} after this image was not understood; write it as {width="50%"} '
            "(quote a value with '%' or '.')"
        )
    return ""


def content_path(src: str, relative_dir: str = "") -> str:
    """`src` as a POSIX path relative to the content folder; ValueError if it may not be.

    Only the text is checked here; `resolve` also checks the file.
    """
    shown = shown_name(src)
    parts = urlsplit(src)
    if parts.scheme or parts.netloc or src.startswith("//"):
        raise ValueError(f"image '{shown}' is not a file in the content folder")
    if parts.query or parts.fragment or "?" in src or "#" in src:
        raise ValueError(f"image '{shown}' has a '?' or '#' part; write the file's path alone")
    path = unquote(parts.path)
    joined = posixpath.normpath(posixpath.join(relative_dir, path))
    if joined.startswith("../") or joined == ".." or posixpath.isabs(joined):
        raise ValueError(f"image '{shown}' leads out of the content folder")
    if ".." in path.split("/") or "\\" in path or "\x00" in path:
        # Each output finds the file its own way: only a plain path means one file to all.
        raise ValueError(f"image '{shown}' must be a plain path, without '..' or '\\'")
    return joined


def shown_name(src: str) -> str:
    """`src` as the author wrote it: markdown-it percent-encodes what it parses."""
    return unicodedata.normalize("NFC", unquote(src))


def resolve(src: str, document: Path, content_dir: Path) -> str:
    """`src` as a POSIX path relative to `content_dir`, as named on disk, or a ValueError."""
    joined = content_path(src, document.parent.relative_to(content_dir).as_posix())
    found = _on_disk(content_dir, joined)
    if found is None:
        raise ValueError(f"image '{shown_name(src)}' not found")
    if not (content_dir / found).resolve().is_relative_to(content_dir.resolve()):
        raise ValueError(f"image '{shown_name(src)}' links out of the content folder")
    return found


def _on_disk(content_dir: Path, joined: str) -> str | None:
    """The file `joined` names, each part as written (NFC) or decomposed (NFD, as macOS
    stores names); None if there is no such file."""
    parts: list[str] = []
    for part in joined.split("/"):
        for name in dict.fromkeys((part, unicodedata.normalize("NFD", part))):
            if os.path.lexists(content_dir.joinpath(*parts, name)):
                parts.append(name)
                break
        else:
            return None
    found = "/".join(parts)
    return found if (content_dir / found).is_file() else None


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


def shows_image(question: str) -> bool:
    """Whether the inline Markdown `question` shows an image."""
    from qexport.render import shared_parser

    tokens = shared_parser().parseInline(question) if may_show_image(question) else []
    return any(True for t in tokens for _ in _shown(t.children or []))


def answer_images(
    answer: str,
    file_lines: Sequence[int],
    path: Path,
    errors: list[ContentError],
    image_refs: list[ImageRef],
) -> tuple[str, ...]:
    """The images an answer shows, relative to the content folder.

    Found in the answer parsed as the renderers parse it; `file_lines` maps
    each answer line to its line in the file.
    """
    found: dict[str, None] = {}
    for shown in shown_images(answer):
        line = file_lines[shown.line]
        try:
            image = resolve(shown.src, path, path.parent)
            size_problem(shown)
        except ValueError as problem:
            errors.append(ContentError(str(problem), path, line))
            continue
        found[image] = None
        image_refs.append(ImageRef(image, path, line))
    return tuple(found)


def size_problem(shown: Shown) -> None:
    """A ValueError if `shown`'s width or height cannot be used."""
    if shown.problem:
        raise ValueError(shown.problem)
    for name, value in (("width", shown.width), ("height", shown.height)):
        if value is not None:
            try:
                parse_length(value, percent=name == "width")
            except ValueError as problem:
                raise ValueError(f"image '{shown_name(shown.src)}': {name} {problem}") from None


def check_files(images: Sequence[ImageRef], content_dir: Path, errors: list[ContentError]) -> None:
    """Each image file checked once (`check_file`), reported where it is first shown."""
    checked: set[str] = set()
    for image, path, line in images:
        if image not in checked:
            checked.add(image)
            try:
                check_file(unicodedata.normalize("NFC", image), content_dir / image)
            except ValueError as problem:
                errors.append(ContentError(str(problem), path, line))


def card_file_name(image: str) -> str:
    """The name a card shows `image` by, as Anki's flat media folder holds it: its file
    name, in NFC as the loader reads the Markdown."""
    return unicodedata.normalize("NFC", posixpath.basename(image))


def media_name(image: str) -> str:
    """What Anki's flat media folder compares: the file name, normalized and case-folded."""
    return card_file_name(image).casefold()


# Anki stores a media file under another name when its name has one of these
# (rslib/src/media/files.rs, normalize_filename): the card would then show
# nothing, or another image of that name.
_ANKI_REMOVES = re.compile(r'[\[\]<>:"/?*^\\|\x00-\x1f\x7f]')
_WINDOWS_DEVICE = re.compile(r"(?i)(CON|PRN|AUX|NUL|COM[1-9]|LPT[1-9])(\.|$)")
ANKI_MAX_NAME_BYTES = 120


def anki_name_problem(name: str) -> str | None:
    """Why Anki would store a media file called `name` (NFC) under another name, or None."""
    removed = _ANKI_REMOVES.search(name)
    if removed:
        return f"Anki removes {removed.group()!r} from media file names"
    if "\xa0" in name:
        return "Anki turns its no-break space into a space"
    # Anki drops characters its Unicode tables (version 10) do not know. Unicode
    # 3.2's are a subset, frozen in every Python, so the answer never depends on it.
    unknown = next((c for c in name if unicodedata.ucd_3_2_0.category(c) == "Cn"), None)
    if unknown is not None:
        return f"Anki may drop {unknown!r} (U+{ord(unknown):04X}), a character newer than it knows"
    if _WINDOWS_DEVICE.match(name) or name.endswith((" ", ".")):
        return "Anki renames it (a Windows device name, or a name ending in a space or '.')"
    size = len(name.encode("utf-8"))
    if size > ANKI_MAX_NAME_BYTES:
        return f"Anki cuts media file names at {ANKI_MAX_NAME_BYTES} bytes; it has {size}"
    return None


def check_names(images: Sequence[ImageRef], errors: list[ContentError]) -> None:
    """Each image keeps its file name in Anki's flat media folder, shared with no other.

    Names are compared as Anki compares them: normalized, ignoring case.
    """
    first: dict[str, str] = {}
    checked: set[str] = set()
    for image, path, line in images:
        shown, key = unicodedata.normalize("NFC", image), media_name(image)
        seen = first.setdefault(key, image)
        if key not in checked:  # its first use: is its name one Anki keeps?
            checked.add(key)
            problem = anki_name_problem(posixpath.basename(shown))
            if problem is not None:
                errors.append(ContentError(f"image '{shown}': {problem}; rename it", path, line))
        elif seen != image:
            errors.append(
                ContentError(
                    f"two images are named '{posixpath.basename(shown)}' "
                    f"({unicodedata.normalize('NFC', seen)} and {shown}); "
                    "Anki keeps media by file name, so rename one",
                    path,
                    line,
                )
            )
