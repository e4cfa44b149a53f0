"""Print fonts come from fontpkg packages and say what they cannot show."""

from __future__ import annotations

import pytest

from qexport.errors import QexportError
from qexport.fonts import describe, family


def test_plex_families_register_four_faces() -> None:
    serif = family("IBM Plex Serif")
    assert serif.regular != serif.bold != serif.italic != serif.bold_italic
    assert serif.missing("Hello, café → Привет") == []
    assert serif.missing("λx: 日本 λ") == ["λ", "日", "本"]


def test_describe_names_the_character() -> None:
    assert describe("λ") == "'λ' (U+03BB GREEK SMALL LETTER LAMDA)"


def test_missing_font_package_says_how_to_install_it() -> None:
    with pytest.raises(QexportError, match="pip install fontpkg-no-such-face"):
        family("No Such Face")
