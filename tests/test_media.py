"""Images: `qexport validate` checks every image the outputs would show, at its place.

Each test writes one question into a copy of the small good bank and runs the
CLI; an image the check refuses must never reach a deck or a PDF.
"""

from __future__ import annotations

import os
import struct
import unicodedata
import zlib
from collections.abc import Callable
from dataclasses import replace
from io import BytesIO
from pathlib import Path
from typing import Any

import pytest
from pypdf import PdfReader

from qexport.errors import QexportError
from qexport.exporters.pdf import PdfExporter
from qexport.loader import load

from conftest import Run


def png(width: int = 4, height: int = 3) -> bytes:
    from PIL import Image

    buffer = BytesIO()
    Image.new("RGB", (width, height), "red").save(buffer, format="PNG")
    return buffer.getvalue()


def png_header_only(width: int, height: int) -> bytes:
    """A valid PNG that claims `width` x `height` pixels: a decompression bomb's header."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    pixels = zlib.compress(b"\0" * (width + 1) * 64)  # the first rows; the rest are missing
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", pixels)
        + chunk(b"IEND", b"")
    )


def add_question(bank: Path, answer: str, question: str = "Which image is this?") -> int:
    """Append a question to basic.md; returns the file line where its details start."""
    path = bank / "basic.md"
    text = path.read_text(encoding="utf-8").rstrip("\n")
    text += f"\n\n{{#image-question topic=data-types}}\n## {question}\n\n{{.key}}\nA picture.\n\n"
    line = text.count("\n") + 1
    path.write_text(text + answer + "\n", encoding="utf-8")
    return line


@pytest.fixture
def validate(run: Callable[..., Run], bank: Path) -> Callable[[], Run]:
    def invoke() -> Run:
        result = run("validate", content=bank)
        assert "Traceback" not in result.stderr
        return result

    return invoke


def errors_of(result: Run) -> list[str]:
    assert result.exit_code == 1, result.stderr
    return result.stderr.splitlines()[:-1]  # the last line is the summary


# Item 9: reference-style images resolve, as the renderers resolve them ------------


@pytest.mark.parametrize("target", ["/ABS", "../outside.png", "%2e%2e/outside.png"])
def test_reference_image_cannot_leave_the_content_folder(
    bank: Path, validate: Callable[[], Run], target: str
) -> None:
    outside = bank.parent / "outside.png"
    outside.write_bytes(png())
    target = target.replace("/ABS", str(outside))
    line = add_question(bank, f"A picture:\n\n![x][r]\n\n[r]: {target}")
    (message,) = errors_of(validate())
    assert message.startswith(f"{bank / 'basic.md'}:{line + 2}: image '")
    assert "leads out of the content folder" in message


@pytest.mark.parametrize(
    ("src", "problem"),
    [
        ("pic.png?v=1", "has a '?' or '#' part"),
        ("pic.png#frag", "has a '?' or '#' part"),
        ("sub/../pic.png", "must be a plain path, without '..'"),
        ("empty.png", "is an empty file"),
        ("text.png", "is not a PNG, JPEG or GIF file"),
        ("drawing.svg", "is not a PNG, JPEG or GIF file (SVG is not supported)"),
        ("bomb.png", "has more than 25,000,000 pixels"),
        ("big.png", "has more than 25,000,000 pixels (6,000 x 5,000)"),
        ("broken.png", "is damaged"),
    ],
)
def test_images_the_outputs_cannot_show_are_refused_at_their_line(
    bank: Path, validate: Callable[[], Run], src: str, problem: str
) -> None:
    (bank / "sub").mkdir()
    (bank / "pic.png").write_bytes(png())
    (bank / "empty.png").write_bytes(b"")
    (bank / "text.png").write_text("not an image\n", encoding="utf-8")
    (bank / "drawing.svg").write_text('<svg xmlns="http://www.w3.org/2000/svg"/>\n')
    (bank / "bomb.png").write_bytes(png_header_only(30_000, 30_000))
    (bank / "big.png").write_bytes(png_header_only(6_000, 5_000))
    whole = png()  # below: a byte of the pixel data flipped, so its checksum fails
    (bank / "broken.png").write_bytes(whole[:-14] + bytes([whole[-14] ^ 0xFF]) + whole[-13:])
    line = add_question(bank, f"- a list\n- with ![a picture][p] inside\n\n[p]: {src}")
    (message,) = errors_of(validate())
    assert message.startswith(f"{bank / 'basic.md'}:{line + 1}: ")
    assert problem in message


def test_a_decompression_bomb_is_a_clean_error_in_every_command(
    bank: Path, run: Callable[..., Run], tmp_path: Path
) -> None:
    (bank / "bomb.png").write_bytes(png_header_only(30_000, 30_000))
    line = add_question(bank, "![bomb](bomb.png)")
    for command in (["validate"], ["pdf", "--out", str(tmp_path / "pdf")]):
        result = run(*command, content=bank)
        assert result.exit_code == 1, result.stderr
        assert f"basic.md:{line}: image 'bomb.png' has more than" in result.stderr
        assert "internal error" not in result.stderr


def test_every_accepted_image_reaches_every_pdf(
    bank: Path, run: Callable[..., Run], tmp_path: Path
) -> None:
    """Wherever the answer shows it: a paragraph, a list, a quote, a heading, a reference."""
    for number in range(5):
        (bank / f"pic{number}.png").write_bytes(png(4 + number, 3))
    answer = (
        "Text ![zero](pic0.png).\n\n- item ![one](pic1.png)\n\n> quoted ![two](pic2.png)\n\n"
        "### Heading ![three](pic3.png)\n\nBy reference: ![four][r]\n\n[r]: pic4.png"
    )
    add_question(bank, answer)
    (question,) = [q for q in load(bank).question_set.questions if q.id == "image-question"]
    assert question.images == tuple(f"pic{number}.png" for number in range(5))
    for layout in ("booklet", "cards"):  # the cheat sheet prints key answers: no images
        out = tmp_path / layout
        result = run("pdf", "--layout", layout, "--out", str(out), content=bank)
        assert result.exit_code == 0, result.stderr
        assert _image_count(next(out.glob("*.pdf"))) == 5, layout


def _image_count(pdf: Path) -> int:
    return sum(len(page.images) for page in PdfReader(pdf).pages)


@pytest.mark.parametrize("layout", ["booklet", "cards"])  # the cheat sheet prints none
def test_the_pdf_prints_no_image_the_check_did_not_accept(
    bank: Path, tmp_path: Path, layout: str
) -> None:
    """Defence in depth: even a model whose answer names a file the loader never saw."""
    outside = tmp_path / "secret.png"
    outside.write_bytes(png())
    question_set = load(bank).question_set
    first, *others = question_set.questions
    sneaky = replace(first, answer=f"![x][r]\n\n[r]: {outside}")
    question_set = replace(question_set, questions=(sneaky, *others))
    out = tmp_path / "out"
    out.mkdir()
    with pytest.raises(QexportError, match="cannot print image"):
        PdfExporter().export(question_set, {"layout": layout}, out)


# Item 8: names Anki would take for the same file; images in questions ------------


@pytest.mark.parametrize(
    ("first", "second", "second_src"),
    [
        ("café.png", unicodedata.normalize("NFD", "café.png"), "cafe%CC%81.png"),
        ("a/Pic.png", "b/pic.png", "b/pic.png"),
    ],
)
def test_names_anki_cannot_tell_apart_are_refused(
    bank: Path, validate: Callable[[], Run], first: str, second: str, second_src: str
) -> None:
    for name in (first, second):
        (bank / name).parent.mkdir(exist_ok=True)
        (bank / name).write_bytes(png())
    line = add_question(bank, f"![one]({first})\n\n![two]({second_src})")
    (message,) = errors_of(validate())
    assert message.startswith(f"{bank / 'basic.md'}:{line + 2}: two images are named")


@pytest.mark.parametrize("src", ["/etc/passwd", "pic.png"])
def test_a_question_cannot_show_an_image(
    bank: Path, validate: Callable[[], Run], src: str
) -> None:
    (bank / "pic.png").write_bytes(png())
    line = add_question(bank, "An answer.", question=f"What is ![x]({src})?")  # details line
    (message,) = errors_of(validate())
    assert message == (
        f"{bank / 'basic.md'}:{line - 5}: a question cannot show an image "
        "(it is printed as text); put it in the answer"
    )


def test_image_lines_count_from_the_file_after_blank_line_runs(
    bank: Path, validate: Callable[[], Run]
) -> None:
    line = add_question(bank, "Text.\n\n\n\n\nMore text.\n\n\n![x](missing.png)")
    (message,) = errors_of(validate())
    assert message == f"{bank / 'basic.md'}:{line + 8}: image 'missing.png' not found"


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads every file")
def test_an_unreadable_image_is_a_clean_error(bank: Path, validate: Callable[[], Run]) -> None:
    (bank / "pic.png").write_bytes(png())
    (bank / "pic.png").chmod(0)
    line = add_question(bank, "![x](pic.png)")
    (message,) = errors_of(validate())
    assert message == f"{bank / 'basic.md'}:{line}: cannot read image 'pic.png': Permission denied"


# names the real Anki engine stores under another name -----------------

ANKI_CHANGES = [
    "x*y.png",
    "a[1].png",
    "a^b.png",
    "a|b.png",
    'a"b.png',
    "con.png",
    "nul.txt.png",
    "a\u00a0b.png",
    "\U0001f972.png",  # newer than the Unicode tables Anki uses
    "x" * 130 + ".png",
]
ANKI_KEEPS = ["café.png", "a b.png", "日本語.png", "a;b(1).png", "x" * 116 + ".png"]


@pytest.mark.parametrize("name", ANKI_CHANGES + ANKI_KEEPS)
def test_an_image_is_refused_exactly_when_anki_would_rename_it(
    bank: Path, validate: Callable[[], Run], collection: Any, name: str
) -> None:
    stored = collection.media.write_data(name, png())  # what a learner's Anki keeps
    (bank / "images").mkdir()
    (bank / "images" / name).write_bytes(png())
    line = add_question(bank, f"![x](<images/{name}>)")
    result = validate()
    if stored == name:
        assert name in ANKI_KEEPS
        assert result.exit_code == 0, result.stderr
    else:
        assert name in ANKI_CHANGES
        (message,) = errors_of(result)
        assert message.startswith(f"{bank / 'basic.md'}:{line}: image 'images/{name}': Anki ")
        assert message.endswith("; rename it")


def test_two_images_anki_stores_under_one_name_are_refused(
    bank: Path, validate: Callable[[], Run], collection: Any
) -> None:
    first, second = png(4, 3), png(5, 3)
    # The real engine: the first takes the second's name, and the second is renamed.
    assert collection.media.write_data("x*y.png", first) == "xy.png"
    assert collection.media.write_data("xy.png", second) != "xy.png"
    (bank / "x*y.png").write_bytes(first)
    (bank / "xy.png").write_bytes(second)
    line = add_question(bank, "![one](<x*y.png>)\n\n![two](xy.png)")
    (message,) = errors_of(validate())
    assert message.startswith(f"{bank / 'basic.md'}:{line}: image 'x*y.png': Anki removes '*'")


# an image whose file name is stored decomposed (NFD, as on macOS) ----


def test_an_image_named_decomposed_on_disk_is_found_and_reaches_every_output(
    bank: Path,
    run: Callable[..., Run],
    validate: Callable[[], Run],
    tmp_path: Path,
    collection: Any,
) -> None:
    from test_anki import import_deck

    folder, name = "imágenes", "café.png"
    nfd = unicodedata.normalize("NFD", f"{folder}/{name}")
    (bank / nfd).parent.mkdir()
    (bank / nfd).write_bytes(png(6, 4))
    add_question(bank, f"![A café]({folder}/{name})")
    assert validate().exit_code == 0
    (question,) = [q for q in load(bank).question_set.questions if q.id == "image-question"]
    assert question.images == (nfd,)  # the file as it is named on disk

    out = tmp_path / "out"
    assert run("anki", "--out", str(out), content=bank).exit_code == 0
    import_deck(collection, next(out.glob("*.apkg")))
    (note,) = [collection.get_note(n) for n in collection.find_notes("Id:image-question")]
    assert f'<img src="{name}"' in note["Answer"]
    assert (Path(collection.media.dir()) / name).read_bytes() == png(6, 4)
    for layout in ("booklet", "cards"):
        result = run("pdf", "--layout", layout, "--out", str(out / layout), content=bank)
        assert result.exit_code == 0, result.stderr
        assert _image_count(next((out / layout).glob("*.pdf"))) == 1


def test_a_missing_image_is_named_as_written(bank: Path, validate: Callable[[], Run]) -> None:
    line = add_question(bank, "![x](images/café.png)")
    (message,) = errors_of(validate())
    assert message == f"{bank / 'basic.md'}:{line}: image 'images/café.png' not found"
