"""Reading text: strict UTF-8 with located errors, and normalization."""

from __future__ import annotations

from pathlib import Path

import pytest

from qexport.errors import ContentError
from qexport.normalize import decode, normalize, squeeze_blank_lines


def test_invalid_utf8_names_line_column_and_byte() -> None:
    with pytest.raises(ContentError) as caught:
        decode(b"one\ntwo\nth\xffree\n", Path("a.md"))
    assert str(caught.value) == (
        "a.md:3: not valid UTF-8: byte 0xff at column 3; save the file as UTF-8"
    )


def test_byte_order_mark_is_dropped() -> None:
    assert decode("\ufeffhi".encode(), Path("a.md")) == "hi"


def test_normalize_keeps_the_line_count() -> None:
    text = "a\r\nb\rc\n\td  \n"
    assert normalize(text) == "a\nb\nc\n    d\n"
    assert normalize(text).count("\n") == 4


def test_normalize_composes_unicode() -> None:
    assert normalize("e\u0301") == "\u00e9"


def test_squeeze_blank_lines_spares_code() -> None:
    lines = ["", "text", "", "", "```", "a", "", "", "b", "```", "", ""]
    code = {5, 6, 7, 8}
    assert squeeze_blank_lines(lines, code) == ["text", "", "```", "a", "", "", "b", "```"]
