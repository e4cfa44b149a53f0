"""Embedded TrueType fonts for print: fontpkg families, or files in a theme's folder.

A theme names, for its body text and its code, either a font family
("IBM Plex Serif", in any case and spacing), which is a fontpkg package
(`fontpkg-ibm-plex-serif`) from PyPI, or TrueType files in its own folder. qexport registers the
regular, bold, italic and bold italic faces with reportlab, so every PDF
embeds them: nothing depends on the fonts of the machine that builds it.
Variable fonts are instanced to static faces (`font_files`).
"""

from __future__ import annotations

import io
import unicodedata
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

from qexport.entry_points import Registered, registered
from qexport.errors import ContentError, QexportError, did_you_mean
from qexport.font_files import FACES, Face, complete_faces, face_data, file_sha256, read_font

FONTPKG_GROUP = "fontpkg.family"
# How a theme's author prints a face the font lacks as another one: by saying so.
FALLBACKS = {
    "bold": "",
    "italic": " (to print italics upright, name the regular file again)",
    "bold_italic": " (to print bold italics upright, name the bold file again)",
}


@dataclass(frozen=True)
class NamedFile:
    """A font file a theme names for one face, inside the theme's folder."""

    face: str  # a key of FACES
    path: Path
    written: str  # as theme.toml writes it, for messages
    line: int | None


@dataclass(frozen=True)
class FontSource:
    """Where a theme's font for one role comes from: a fontpkg family, or its own files."""

    role: str  # "body" or "code"
    family: str = ""  # a fontpkg family label; "" when `files` are given
    files: tuple[NamedFile, ...] = ()
    where: Path | None = None  # the theme.toml that names it, for messages
    line: int | None = None

    @property
    def label(self) -> str:
        """What messages call the font: the family, or the regular face's file."""
        regular = [f.written for f in self.files if f.face == "regular"]
        return self.family or (regular[0] if regular else f"the {self.role} font")

    def fail(self, message: str, line: int | None) -> QexportError:
        if self.where is None:
            return QexportError(message)
        return ContentError(message, self.where, line or self.line)


@dataclass(frozen=True)
class FontFamily:
    """A registered family: reportlab font names for each face, and what it can show.

    A PDF prints a character in any face (questions and headings in bold,
    emphasis in italics, highlighted code in all four), so it can show only
    what every face has: `codepoints`.
    """

    label: str
    regular: str
    bold: str
    italic: str
    bold_italic: str
    codepoints: frozenset[int]  # in every face
    # (face, its file's name, its characters), to say which faces lack one.
    coverage: tuple[tuple[str, str, frozenset[int]], ...] = field(default=(), compare=False)

    def missing(self, text: str) -> list[str]:
        """The characters of `text` some face has no glyph for, in order, once each.

        Invisible ones do not count: the PDFs leave them out (`printable`).
        """
        seen: dict[str, None] = {}
        for char in text:
            if ord(char) not in self.codepoints and char not in "\n\r\t" and char not in seen:
                seen[char] = None
        return [char for char in seen if _PRINTED[ord(char)] == char]

    def faces_without(self, char: str) -> list[tuple[str, str]]:
        """The faces that lack `char` when only some do, with their files' names; else []."""
        lacking = [(face, name) for face, name, has in self.coverage if ord(char) not in has]
        return [] if len(lacking) == len(self.coverage) else lacking


class _Printed(dict[int, "str | None"]):
    """For str.translate: nothing for a format character (Cf: joiners, zero-width
    space, direction marks and isolates), a space for a line or paragraph separator,
    any other character itself. Filled as characters are met."""

    def __missing__(self, codepoint: int) -> str | None:
        char = chr(codepoint)
        category = unicodedata.category(char)
        printed = None if category == "Cf" else " " if category in ("Zl", "Zp") else char
        self[codepoint] = printed
        return printed


_PRINTED = _Printed()


def printable(text: str) -> str:
    """`text` without the invisible characters that no font draws (a PDF shows none)."""
    return text if text.isascii() else text.translate(_PRINTED)


def describe(char: str) -> str:
    """'λ' (U+03BB GREEK SMALL LETTER LAMDA), for messages."""
    name = unicodedata.name(char, "unnamed character")
    return f"'{char}' (U+{ord(char):04X} {name})"


def _family_key(label: str) -> str:
    """How family names compare: case and runs of spaces do not count ('noto  serif')."""
    return " ".join(label.split()).casefold()


def _installed(label: str) -> tuple[Registered, Any] | None:
    """The fontpkg package and module of the family `label` names, or None."""
    key = _family_key(label)
    for entry_point in registered(FONTPKG_GROUP):
        module = entry_point.load()
        name = getattr(module, "FAMILY", None)
        if isinstance(name, str) and _family_key(name) == key:
            return entry_point, module
    return None


def _package(source: FontSource) -> tuple[str, Path]:
    """The family's name as its package spells it, and the folder of its files."""
    found = _installed(source.family)
    if found is not None:
        return str(found[1].FAMILY), Path(found[1].ROOT) / "files"
    label = source.family
    package = "fontpkg-" + "-".join(label.lower().split())
    message = f"font '{label}' is not installed; install it with: pip install {package}"
    names = [str(getattr(e.load(), "FAMILY", "")) for e in registered(FONTPKG_GROUP)]
    close = did_you_mean(label, [name for name in names if name])
    raise source.fail(message + (f" ({close.removeprefix('; ')})" if close else ""), source.line)


def family_release(label: str) -> str:
    """The package and version that installed the family `label` ('' if none did)."""
    found = _installed(label)
    return f"{found[0].package} {found[0].version}" if found else ""


def _package_files(source: FontSource) -> dict[str, Path]:
    """A family's files by face: its static faces, else its variable upright and italic."""
    _, root = _package(source)
    found = {
        face: files[0]
        for face, suffix in FACES.items()
        if (files := sorted(root.glob(f"*-{suffix}.ttf")))
    }
    if "regular" not in found:
        variable = sorted(root.glob("*[[]*].ttf"))  # Name[wght].ttf, Name-Italic[wght].ttf
        upright = [p for p in variable if "italic" not in p.name.lower()]
        italic = [p for p in variable if "italic" in p.name.lower()]
        found = {"regular": upright[0]} if upright else {}
        found |= {"italic": italic[0]} if italic and upright else {}
    if "regular" not in found:
        message = f"font '{source.family}' has no regular face (no *-Regular.ttf) in {root}"
        raise source.fail(message, source.line)
    return found


def faces(source: FontSource) -> dict[str, Face]:
    """The four faces of `source`, each a static file or a variable one to instance."""
    if source.family:
        files = _package_files(source)
        named = {
            face: (read_font(path, source.line, source.fail), source.line)
            for face, path in files.items()
        }

        def advice(face: str) -> str:
            return (
                f"font '{source.family}' has none; choose a family that has one, or copy "
                f"TrueType files into the theme's folder and name them in [fonts.{source.role}]"
            )
    else:
        named = {f.face: (read_font(f.path, f.line, source.fail), f.line) for f in source.files}
        if "regular" not in named:  # themes refuse it; a source made elsewhere may not
            message = (
                f"no regular face: name a family, or a file in [fonts.{source.role}] "
                'with regular = "FILE.ttf"'
            )
            raise source.fail(message, source.line)

        def advice(face: str) -> str:
            return f'name one in [fonts.{source.role}] with {face} = "FILE.ttf"' + FALLBACKS[face]

    return complete_faces(named, source.fail, advice)


def family(source: FontSource) -> FontFamily:
    """The font of `source`, registered with reportlab (once per process and file state)."""
    states = []
    for named in source.files:
        try:
            stat = named.path.stat()
        except OSError as exc:  # gone since the theme was read
            raise source.fail(f"cannot read {named.written}: {exc.strerror}", named.line) from None
        states.append((named.path, stat.st_mtime_ns, stat.st_size))
    return _registered(source, tuple(states))


@lru_cache(maxsize=16)
def _registered(source: FontSource, _files: tuple[object, ...]) -> FontFamily:
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFError, TTFont

    # The family as its package spells it, however the theme wrote it: one name, one font.
    label = _package(source)[0] if source.family else source.label
    names: dict[str, str] = {}
    coverage: list[tuple[str, str, frozenset[int]]] = []
    for face, spec in faces(source).items():
        name = _reportlab_name(label, source, spec)
        data = face_data(spec, source.fail)
        try:
            font = TTFont(name, str(data) if isinstance(data, Path) else io.BytesIO(data))
        except (TTFError, ValueError, KeyError, IndexError) as exc:
            message = f"{spec.file.path.name}: reportlab cannot use it for print ({exc})"
            raise source.fail(message, spec.line) from None
        pdfmetrics.registerFont(font)
        names[face] = name
        coverage.append((face, spec.file.path.name, frozenset(font.face.charToGlyph)))
    pdfmetrics.registerFontFamily(
        names["regular"],
        normal=names["regular"],
        bold=names["bold"],
        italic=names["italic"],
        boldItalic=names["bold_italic"],
    )
    codepoints = coverage[0][2].intersection(*(has for _, _, has in coverage[1:]))
    return FontFamily(label, codepoints=codepoints, coverage=tuple(coverage), **names)


def _reportlab_name(label: str, source: FontSource, face: Face) -> str:
    """A name no other font or face takes: the family's, or the file's content digest."""
    suffix = FACES[face.face]
    if source.family:
        return f"qx-{'-'.join(label.split())}-{suffix}"
    return f"qxf-{file_sha256(face.file.path)[:20]}-{suffix}"
