"""The four faces of a print font, from the TrueType files a theme or a fontpkg family gives.

reportlab embeds static TrueType fonts only. A face given by a static file is
used as it is. Most fonts that cover Greek, Cyrillic or CJK ship only as
variable fonts, so a variable file is instanced to static faces with
fontTools: regular at wght 400, bold at 700, italic from an Italic file or
from the file's ital or slnt axis, every other axis at its default.
Instances are kept in the user's cache folder, keyed by the source file's
sha256, the face and the fontTools version; the same source always gives
the same bytes, so builds stay reproducible with or without the cache.
"""

from __future__ import annotations

import hashlib
import io
import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path

from qexport.errors import QexportError
from qexport.files import replace_bytes, sha256_file

FACES = {"regular": "Regular", "bold": "Bold", "italic": "Italic", "bold_italic": "BoldItalic"}
WEIGHTS = {"regular": 400.0, "bold": 700.0, "italic": 400.0, "bold_italic": 700.0}
ITALIC_FACES = frozenset({"italic", "bold_italic"})
# Which face a face not named comes from, when that one is a variable file.
DERIVED_FROM = {"bold": "regular", "italic": "regular", "bold_italic": "italic"}
INSTANCE_FORMAT = 1  # bump when instancing changes what it writes
CACHE_FOLDER = "fonts"
# What a file's first four bytes say it is, when it is not a TrueType font qexport can use.
NOT_TRUETYPE = {
    b"OTTO": "has PostScript (CFF) outlines, which reportlab cannot embed; "
    "use the TrueType (.ttf) build of the font",
    b"ttcf": "is a font collection; name a single font (.ttf) instead",
    b"wOFF": "is a web font (WOFF); use the TrueType (.ttf) build of the font",
    b"wOF2": "is a web font (WOFF2); use the TrueType (.ttf) build of the font",
}
TRUETYPE = (b"\x00\x01\x00\x00", b"true")

# A message and the theme.toml line it belongs to -> the error to raise.
Fail = Callable[[str, "int | None"], QexportError]


@dataclass(frozen=True)
class FontFile:
    """A TrueType font file: its variation axes (none when static) and PostScript name."""

    path: Path
    axes: tuple[tuple[str, float, float, float], ...]  # (tag, minimum, default, maximum)
    ps_name: str

    def axis(self, tag: str) -> tuple[float, float, float] | None:
        found = [(low, default, high) for name, low, default, high in self.axes if name == tag]
        return found[0] if found else None

    def slants(self) -> bool:
        """Whether an axis gives an italic: ital, or slnt leaning right (negative)."""
        ital, slnt = self.axis("ital"), self.axis("slnt")
        return bool((ital and ital[2] > 0) or (slnt and slnt[0] < 0))


@dataclass(frozen=True)
class Face:
    """One face to register: its file, and where to instance it (None: static, as it is)."""

    face: str
    file: FontFile
    location: tuple[tuple[str, float], ...] | None
    line: int | None


_digests: dict[tuple[str, int, int, int], str] = {}


def file_sha256(path: Path) -> str:
    """The sha256 of `path`, remembered while the file's size and time stay the same."""
    stat = path.stat()
    key = (str(path), stat.st_mtime_ns, stat.st_size, stat.st_ino)
    if key not in _digests:
        _digests[key] = sha256_file(path)
    return _digests[key]


def read_font(path: Path, line: int | None, fail: Fail) -> FontFile:
    """`path` as a TrueType font qexport can embed or instance, or a clear error."""
    from fontTools.ttLib import TTFont, TTLibError

    try:
        with path.open("rb") as handle:
            magic = handle.read(4)
    except OSError as exc:
        raise fail(f"cannot read {path.name}: {exc.strerror}", line) from None
    if magic in NOT_TRUETYPE:
        raise fail(f"{path.name} {NOT_TRUETYPE[magic]}", line)
    if magic not in TRUETYPE:
        raise fail(f"{path.name} is not a TrueType font (.ttf)", line)
    try:
        with TTFont(str(path), lazy=True) as font:
            if "CFF2" in font or "CFF " in font:
                raise fail(f"{path.name} {NOT_TRUETYPE[b'OTTO']}", line)
            if "glyf" not in font:
                raise fail(f"{path.name} is not a font qexport can read (no glyf table)", line)
            axes = tuple(
                (a.axisTag, float(a.minValue), float(a.defaultValue), float(a.maxValue))
                for a in (font["fvar"].axes if "fvar" in font else ())
            )
            ps_name = str(font["name"].getDebugName(6) or path.stem) if "name" in font else ""
    except (TTLibError, KeyError, ValueError, AssertionError) as exc:
        raise fail(f"{path.name} is not a font qexport can read ({exc})", line) from None
    return FontFile(path, axes, ps_name or path.stem)


def complete_faces(
    named: Mapping[str, tuple[FontFile, int | None]], fail: Fail, advice: Callable[[str], str]
) -> dict[str, Face]:
    """All four faces: those named, the others made from a variable file's axes.

    A face neither named nor derivable is an error: italics carry emphasis and
    code comments, so they never silently print upright. `advice(face)` ends
    the message: what the theme's author can do.
    """
    faces: dict[str, Face] = {}
    for face in FACES:
        if face in named:
            file, line = named[face]
            faces[face] = Face(face, file, _location(face, file), line)
            continue
        base = faces[DERIVED_FROM[face]]
        reason = _cannot_derive(face, base.file)
        if reason:
            name = face.replace("_", " ")
            raise fail(f"no {name} face: {reason}; {advice(face)}", base.line)
        faces[face] = Face(face, base.file, _location(face, base.file), base.line)
    return faces


def _cannot_derive(face: str, file: FontFile) -> str:
    """Why `face` cannot be made from `file`, or '' when it can."""
    name = file.path.name
    if not file.axes:
        return f"{name} is a static font"
    if face in ("bold", "bold_italic"):
        wght = file.axis("wght")
        if wght is None:
            return f"{name} is variable but has no wght axis to make it from"
        if _clamp(WEIGHTS[face], wght) <= _clamp(WEIGHTS["regular"], wght):
            return f"the wght axis of {name} stops at {wght[2]:g}"
    # Bold italic comes from the italic face, which slants already.
    if face == "italic" and not file.slants():
        return f"{name} has no ital or slnt axis to make it from"
    return ""


def _clamp(value: float, axis: tuple[float, float, float]) -> float:
    return min(max(value, axis[0]), axis[2])


def _location(face: str, file: FontFile) -> tuple[tuple[str, float], ...] | None:
    """Every axis pinned: the face's weight, its slant, the rest at their defaults."""
    if not file.axes:
        return None
    location = []
    for tag, low, default, high in file.axes:
        value = default
        if tag == "wght":
            value = _clamp(WEIGHTS[face], (low, default, high))
        elif tag == "ital" and face in ITALIC_FACES:
            value = high
        elif tag == "slnt" and face in ITALIC_FACES and low < 0:
            value = low
        location.append((tag, value))
    return tuple(location)


def face_data(face: Face, fail: Fail) -> Path | bytes:
    """What reportlab reads for `face`: a static file as it is, or the instanced bytes."""
    if face.location is None:
        return face.file.path
    key = _instance_key(face)
    cached = _cached(key)
    if cached is not None:
        return cached
    data = _instance(face, fail)
    _store(key, data)
    return data


def _instance_key(face: Face) -> str:
    from fontTools import version

    described = [INSTANCE_FORMAT, version, file_sha256(face.file.path), face.face, face.location]
    return hashlib.sha256(json.dumps(described).encode()).hexdigest()[:40]


def _instance(face: Face, fail: Fail) -> bytes:
    from fontTools.ttLib import TTFont
    from fontTools.varLib import instancer

    name = face.file.path.name
    try:
        font = TTFont(str(face.file.path), recalcTimestamp=False)
        instancer.instantiateVariableFont(font, dict(face.location or ()), inplace=True)
    except Exception as exc:  # fontTools raises many kinds; each means the same to a user
        message = f"cannot make a static {face.face.replace('_', ' ')} face from {name}: {exc}"
        raise fail(message, face.line) from None
    # Each face keeps a PostScript name of its own: the PDF's font list shows it.
    stem = face.file.ps_name.split("-")[0]
    font["name"].removeNames(nameID=6)
    font["name"].setName(f"{stem}-{FACES[face.face]}", 6, 3, 1, 0x409)
    out = io.BytesIO()
    font.save(out)
    return out.getvalue()


def _cached(key: str) -> bytes | None:
    """A cached instance whose bytes still match the digest in its name, or None."""
    from qexport.cache import cache_dir

    for path in sorted((cache_dir() / CACHE_FOLDER).glob(f"{key}-*.ttf")):
        try:
            data = path.read_bytes()
        except OSError:
            continue
        if hashlib.sha256(data).hexdigest()[:16] == path.stem.rsplit("-", 1)[1]:
            return data
    return None


def _store(key: str, data: bytes) -> None:
    """Keep `data` in the cache, atomically; skipped where the cache is not writable."""
    from qexport.cache import cache_dir

    folder = cache_dir() / CACHE_FOLDER
    name = f"{key}-{hashlib.sha256(data).hexdigest()[:16]}.ttf"
    try:
        folder.mkdir(parents=True, exist_ok=True)
        replace_bytes(folder / name, data, mode=0o600)  # private, as the rest of the cache
    except OSError:
        pass
