"""Print fonts: fontpkg families and theme files, variable ones instanced, and what they lack."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import pytest

import qexport.font_files as font_files
from qexport.cache import cache_dir
from qexport.errors import ContentError, QexportError
from qexport.font_files import face_data
from qexport.fonts import FontSource, NamedFile, describe, faces, family, family_release

from font_building import CHARACTERS, ITAL, WGHT, Axis, build_font

THEME = Path("/project/themes/mine/theme.toml")  # where messages say the font was named


def _files(tmp_path: Path, **faces: Path) -> FontSource:
    """A theme's [fonts.body] naming `faces`, each named on its own line from 10 on."""
    named = tuple(
        NamedFile(face, path, path.name, 10 + number)
        for number, (face, path) in enumerate(faces.items())
    )
    return FontSource("body", files=named, where=tmp_path / "theme.toml", line=9)


def _static_font(data: Path | bytes) -> Any:
    from fontTools.ttLib import TTFont

    return TTFont(io.BytesIO(data) if isinstance(data, bytes) else str(data))


def _read_back(source: FontSource) -> dict[str, Any]:
    """Each face of `source` as reportlab gets it, read back with fontTools."""
    return {
        face: _static_font(face_data(spec, source.fail)) for face, spec in faces(source).items()
    }


def test_plex_families_register_four_faces() -> None:
    serif = family(FontSource("body", "IBM Plex Serif"))
    assert len({serif.regular, serif.bold, serif.italic, serif.bold_italic}) == 4
    assert serif.missing("Hello, café → Привет") == []
    assert serif.missing("λx: 日本 λ") == ["λ", "日", "本"]


def test_describe_names_the_character() -> None:
    assert describe("λ") == "'λ' (U+03BB GREEK SMALL LETTER LAMDA)"


def test_missing_font_package_says_how_to_install_it_at_the_themes_line() -> None:
    with pytest.raises(ContentError) as caught:
        family(FontSource("body", "No Such Face", where=THEME, line=7))
    assert (caught.value.path, caught.value.line) == (THEME, 7)
    assert "pip install fontpkg-no-such-face" in caught.value.message
    with pytest.raises(QexportError, match="pip install fontpkg-no-such-face"):
        family(FontSource("body", "No Such Face"))  # no theme file: no place to name


def test_a_family_is_found_whatever_its_case_and_spacing() -> None:
    exact = family(FontSource("body", "IBM Plex Serif"))
    loose = family(FontSource("body", " ibm  plex SERIF", where=THEME, line=7))
    assert loose.label == "IBM Plex Serif"  # as its package spells it, in messages too
    faces = ("regular", "bold", "italic", "bold_italic")
    assert [getattr(loose, face) for face in faces] == [getattr(exact, face) for face in faces]
    release = family_release("IBM Plex Serif")
    assert release.startswith("fontpkg-ibm-plex-serif ")
    assert family_release("ibm plex  serif") == release


def test_a_misspelt_family_names_the_installed_one_it_is_close_to() -> None:
    with pytest.raises(ContentError) as caught:
        family(FontSource("body", "IBM Plex Serf", where=THEME, line=7))
    assert caught.value.message == (
        "font 'IBM Plex Serf' is not installed; install it with: pip install "
        "fontpkg-ibm-plex-serf (did you mean 'IBM Plex Serif'?)"
    )


def test_a_variable_file_gives_every_face_at_its_weight_and_slant(tmp_path: Path) -> None:
    regular = build_font(tmp_path / "Tiny[ital,wght].ttf", (WGHT, ITAL))
    source = _files(tmp_path, regular=regular)
    read = _read_back(source)
    for face, font in read.items():
        assert "fvar" not in font, face  # static: reportlab embeds it
        assert "gvar" not in font, face
    weights = {face: font["OS/2"].usWeightClass for face, font in read.items()}
    assert weights == {"regular": 400, "bold": 700, "italic": 400, "bold_italic": 700}
    # The outlines moved: each glyph widens toward wght 900 (normalized 0.6 at 700).
    widths = {face: font["glyf"]["u0041"].xMax for face, font in read.items()}
    assert widths["bold"] == widths["regular"] + 24 == widths["bold_italic"]
    names = {face: font["name"].getDebugName(6) for face, font in read.items()}
    assert names == {
        "regular": "Tiny-Regular",
        "bold": "Tiny-Bold",
        "italic": "Tiny-Italic",
        "bold_italic": "Tiny-BoldItalic",
    }
    assert dict(faces(source)["italic"].location or ()) == {"ital": 1.0, "wght": 400.0}
    registered = family(source)
    assert len({registered.regular, registered.bold, registered.italic}) == 3
    assert registered.missing("\u03c3\u03bb\u0436\u044f\u65e5") == ["\u65e5"]


def test_an_italic_from_a_slant_axis_and_a_bold_italic_from_an_italic_file(
    tmp_path: Path,
) -> None:
    slanted = build_font(tmp_path / "Slanted.ttf", (WGHT, ("slnt", -12, 0, 0)))
    made = faces(_files(tmp_path, regular=slanted))
    assert dict(made["italic"].location or ()) == {"wght": 400.0, "slnt": -12.0}
    upright = build_font(tmp_path / "Up.ttf")
    italic = build_font(tmp_path / "Up-Italic.ttf", name="UpItalic")
    made = faces(_files(tmp_path, regular=upright, italic=italic))
    assert made["bold_italic"].file.path == italic
    assert dict(made["bold_italic"].location or ()) == {"wght": 700.0}


@pytest.mark.parametrize(
    ("axes", "face", "why"),
    [
        ((("wdth", 75, 100, 100),), "bold", "is variable but has no wght axis to make it from"),
        ((("wght", 100, 400, 400),), "bold", "the wght axis of tiny.ttf stops at 400"),
        ((WGHT,), "italic", "has no ital or slnt axis to make it from"),
        ((), "bold", "tiny.ttf is a static font"),
    ],
)
def test_a_face_that_cannot_be_made_is_an_error_at_the_files_line(
    tmp_path: Path, axes: tuple[Axis, ...], face: str, why: str
) -> None:
    source = _files(tmp_path, regular=build_font(tmp_path / "tiny.ttf", axes))
    with pytest.raises(ContentError) as caught:
        family(source)
    assert caught.value.line == 10  # regular = "tiny.ttf"
    assert caught.value.message.startswith(f"no {face} face: ")
    assert why in caught.value.message
    assert f'name one in [fonts.body] with {face} = "FILE.ttf"' in caught.value.message


def test_a_static_font_without_italics_prints_them_upright_only_when_told(tmp_path: Path) -> None:
    regular = build_font(tmp_path / "Plain.ttf", ())
    bold = build_font(tmp_path / "Plain-Bold.ttf", (), name="PlainBold")
    with pytest.raises(ContentError, match="to print italics upright, name the regular file"):
        family(_files(tmp_path, regular=regular, bold=bold))
    told = family(_files(tmp_path, regular=regular, bold=bold, italic=regular, bold_italic=bold))
    assert told.italic != told.regular  # its own name, the same glyphs
    assert told.missing("\u03c3") == []  # sigma


def test_a_character_some_face_lacks_is_missing_and_names_those_faces(tmp_path: Path) -> None:
    full = build_font(tmp_path / "Full.ttf", (), "Full")
    bold = build_font(tmp_path / "Bold.ttf", (), "Bold", CHARACTERS.replace("\u03bb", ""))
    font = family(_files(tmp_path, regular=full, bold=bold, italic=full, bold_italic=bold))
    # Questions print in bold: a character the bold face lacks cannot be shown.
    assert font.missing("\u03c3\u03bb\u65e5") == ["\u03bb", "\u65e5"]  # sigma, lambda, CJK
    assert font.faces_without("\u03bb") == [("bold", "Bold.ttf"), ("bold_italic", "Bold.ttf")]
    assert font.faces_without("\u65e5") == []  # no face has it: the font lacks it
    assert font.faces_without("\u03c3") == []


@pytest.mark.parametrize(
    ("start", "why"),
    [
        (b"OTTO", "has PostScript (CFF) outlines, which reportlab cannot embed"),
        (b"ttcf", "is a font collection"),
        (b"wOF2", "is a web font (WOFF2)"),
        (b"%PDF", "is not a TrueType font (.ttf)"),
        (b"\x00\x01\x00\x00", "is not a font qexport can read"),
    ],
)
def test_a_file_that_is_no_usable_font_says_what_it_is(
    tmp_path: Path, start: bytes, why: str
) -> None:
    path = tmp_path / "Broken.ttf"
    path.write_bytes(start + b"\x00" * 60)
    with pytest.raises(ContentError) as caught:
        family(_files(tmp_path, regular=path))
    assert caught.value.line == 10
    assert caught.value.message.startswith(f"Broken.ttf {why}")


def test_instances_are_cached_checked_and_the_same_bytes_every_time(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    source = _files(tmp_path, regular=build_font(tmp_path / "Tiny.ttf", (WGHT, ITAL)))
    bold = faces(source)["bold"]
    first = face_data(bold, source.fail)
    (cached,) = (cache_dir() / font_files.CACHE_FOLDER).glob("*.ttf")
    assert cached.read_bytes() == first

    def no_instancing(*args: object) -> bytes:
        raise AssertionError("instanced again")

    with monkeypatch.context() as patched:
        patched.setattr(font_files, "_instance", no_instancing)
        assert face_data(bold, source.fail) == first  # from the cache
    cached.write_bytes(first[:-1] + b"\x01")  # damaged: no longer its digest
    assert face_data(bold, source.fail) == first  # instanced again, byte for byte
    assert cached.read_bytes() == first
    monkeypatch.setenv("QEXPORT_CACHE_DIR", str(cached))  # a file: nothing can be written
    assert face_data(bold, source.fail) == first


def test_two_files_never_share_a_reportlab_name(tmp_path: Path) -> None:
    one = family(
        _files(tmp_path, regular=build_font(tmp_path / "a" / "Same.ttf", (WGHT, ITAL), "One"))
    )
    two = family(
        _files(tmp_path, regular=build_font(tmp_path / "b" / "Same.ttf", (WGHT, ITAL), "Two"))
    )
    assert {one.regular, one.bold}.isdisjoint({two.regular, two.bold})
    serif = family(FontSource("body", "IBM Plex Serif"))
    assert serif.regular not in (one.regular, two.regular)
