"""Images as a reader sees them on paper, and blocks nested in list items.

Each test adds a question to a copy of the small good bank, builds the PDF and
reads it back: `pdfimages` for the pixels and resolution each image prints
at, the content stream for where it is drawn, `pdftotext -bbox` for the text.
"""

from __future__ import annotations

import re
import subprocess
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from PIL import Image
from pypdf import PdfReader
from pypdf.generic import ContentStream

from conftest import Run, export_pdf, start_qexport
from pdf_reading import Word, pages

MM = 25.4 / 72  # millimetres in a point


def add_question(bank: Path, markdown: str) -> None:
    """One question, its answer `markdown`, at the end of the bank's first level."""
    with (bank / "basic.md").open("a", encoding="utf-8") as level_file:
        level_file.write(
            f"\n{{#added topic=data-types}}\n## What does it print?\n\n{{.key}}\nIt.\n\n"
            f"{markdown}\n"
        )


def listed_images(pdf: Path) -> list[dict[str, str]]:
    """`pdfimages -list`: each image's page, type, width, height, x-ppi..., in order."""
    rows = subprocess.run(
        ["pdfimages", "-list", str(pdf)], capture_output=True, text=True, check=True
    ).stdout.splitlines()
    header = rows[0].split()  # "object ID" is two words over two values
    return [dict(zip(header, row.split(), strict=True)) for row in rows[2:]]


def extracted_images(pdf: Path, folder: Path) -> list[Image.Image]:
    """Every image (and soft mask) as stored in the PDF, in `pdfimages -list` order."""
    folder.mkdir()
    subprocess.run(["pdfimages", "-png", str(pdf), str(folder / "i")], check=True)
    return [Image.open(path) for path in sorted(folder.glob("i-*.png"))]


def image_streams(page: Any) -> list[tuple[str, Any]]:
    """(name, stream) of every image XObject a page uses."""
    xobjects = page["/Resources"].get_object().get("/XObject", {})
    found = (
        [(name, ref.get_object()) for name, ref in xobjects.get_object().items()]
        if xobjects
        else []
    )
    return [(name, stream) for name, stream in found if stream["/Subtype"] == "/Image"]


def drawn_images(pdf: Path) -> list[tuple[int, float, float, float]]:
    """(page, left x, top y from the page's top, width) of every image drawn, in points."""
    reader = PdfReader(pdf)
    found = []
    for number, page in enumerate(reader.pages, 1):
        images = {name for name, _ in image_streams(page)}
        height = float(page.mediabox.height)
        ctm = (1.0, 0.0, 0.0, 1.0, 0.0, 0.0)
        stack = []
        for operands, operator in ContentStream(page.get_contents(), reader).operations:
            if operator == b"q":
                stack.append(ctm)
            elif operator == b"Q":
                ctm = stack.pop()
            elif operator == b"cm":
                a, b, c, d, e, f = (float(value) for value in operands)
                m = ctm
                ctm = (
                    a * m[0] + b * m[2],
                    a * m[1] + b * m[3],
                    c * m[0] + d * m[2],
                    c * m[1] + d * m[3],
                    e * m[0] + f * m[2] + m[4],
                    e * m[1] + f * m[3] + m[5],
                )
            elif operator == b"Do" and operands[0] in images:
                found.append((number, ctm[4], height - ctm[5] - ctm[3], ctm[0]))
    return found


def gray_row(image: Image.Image, y: int = 0) -> list[int]:
    return [int(image.convert("L").getpixel((x, y))) for x in range(image.width)]  # type: ignore[arg-type]


def built_twice_the_same(bank: Path, pdf: Path, tmp_path: Path) -> bool:
    """Whether a build in a process of its own writes the same bytes as `pdf`."""
    out = tmp_path / "again"
    process = start_qexport("--content", str(bank), "pdf", "--out", str(out), env={})
    assert process.wait(timeout=120) == 0, process.communicate()[1]
    return (out / pdf.name).read_bytes() == pdf.read_bytes()


# 1. Images of more than 8 bits a sample -------------------------------------------


def test_16_bit_gray_images_print_their_grays(bank: Path, tmp_path: Path) -> None:
    gradient = Image.new("I;16", (256, 8))
    gradient.putdata([x * 257 for _ in range(8) for x in range(256)])  # 0 .. 65535
    gradient.save(bank / "gradient.png")
    Image.new("I;16", (40, 40), 30000).save(bank / "flat.png")
    see_through = Image.new("I;16", (4, 4), 1000)
    see_through.putpixel((0, 0), 50000)
    see_through.save(bank / "see-through.png", transparency=1000)
    add_question(bank, "![g](gradient.png)\n\n![f](flat.png)\n\n![t](see-through.png)")
    pdf = export_pdf(bank, tmp_path / "out")

    listed = listed_images(pdf)
    assert [(row["type"], row["width"], row["color"]) for row in listed] == [
        ("image", "256", "gray"),
        ("image", "40", "gray"),
        ("image", "4", "gray"),
        ("smask", "4", "gray"),
    ]
    printed, flat, gray, mask = extracted_images(pdf, tmp_path / "images")
    assert gray_row(printed) == list(range(256))  # clipped, it was 0 then 255 from x=1
    assert set(gray_row(flat)) == {round(30000 / 257)}  # clipped, it was white
    assert gray_row(gray)[0] == round(50000 / 257)
    assert gray_row(mask) == [255, 0, 0, 0]  # only the pixel of another gray shows
    assert built_twice_the_same(bank, pdf, tmp_path)


# 2. EXIF orientation --------------------------------------------------------------


def photo(path: Path, size: tuple[int, int], orientation: int) -> None:
    """A white JPEG with a red band down its left quarter, tagged with `orientation`."""
    image = Image.new("RGB", size, "white")
    image.paste((255, 0, 0), (0, 0, size[0] // 4, size[1]))
    exif = Image.Exif()
    exif[0x0112] = orientation
    image.save(path, quality=95, exif=exif.tobytes())


def red(image: Image.Image, box: tuple[float, float, float, float]) -> bool:
    """Whether the part of `image` in `box` (shares of its width and height) is red."""
    w, h = image.size
    part = image.convert("RGB").crop(
        (int(box[0] * w), int(box[1] * h), int(box[2] * w), int(box[3] * h))
    )
    r, g, b = (
        sum(band.get_flattened_data()) / (part.width * part.height) for band in part.split()
    )
    return r > 200 and g < 60 and b < 60


@pytest.mark.parametrize(
    ("orientation", "band"),
    [(6, (0.0, 0.0, 1.0, 0.2)), (8, (0.0, 0.8, 1.0, 1.0)), (3, (0.8, 0.0, 1.0, 1.0))],
)
def test_photos_print_upright_as_their_orientation_says(
    orientation: int, band: tuple[float, float, float, float], bank: Path, tmp_path: Path
) -> None:
    photo(bank / "turned.jpg", (1600, 400), orientation)
    photo(bank / "upright.jpg", (600, 300), 1)
    add_question(bank, "![t](turned.jpg)\n\n![u](upright.jpg)")
    pdf = export_pdf(bank, tmp_path / "out")

    turned, upright = listed_images(pdf)
    swapped = orientation in (5, 6, 7, 8)
    assert (turned["width"], turned["height"]) == (("400", "1600") if swapped else ("1600", "400"))
    (printed, _) = extracted_images(pdf, tmp_path / "images")
    assert red(printed, band)  # where a browser shows the band
    assert not red(printed, (0.4, 0.4, 0.6, 0.6))
    # An upright photo goes into the PDF as it is, not encoded again.
    assert upright["enc"] == "jpeg"
    streams = [
        stream.get_data() for page in PdfReader(pdf).pages for _, stream in image_streams(page)
    ]
    assert (bank / "upright.jpg").read_bytes() in streams
    assert (bank / "turned.jpg").read_bytes() not in streams
    assert built_twice_the_same(bank, pdf, tmp_path)


def test_the_blurred_image_warning_reads_a_photo_upright(
    run: Callable[..., Run], bank: Path, tmp_path: Path
) -> None:
    # 480 x 240 as stored; upright it is 240 x 480, shrunk to the booklet's height cap.
    photo(bank / "turned.jpg", (480, 240), 6)
    add_question(bank, "![t](turned.jpg)")
    result = run("validate", content=bank)
    assert result.exit_code == 0, result.stderr
    (warning,) = [line for line in result.stderr.splitlines() if "warning:" in line]
    assert "'turned.jpg' (240 x 480 px)" in warning
    (listed,) = listed_images(export_pdf(bank, tmp_path / "out"))
    assert (listed["width"], listed["height"]) == ("240", "480")
    assert f"at {listed['x-ppi']} dpi" in warning


# 3. The blurred-image warning's advice --------------------------------------------


def advice(run: Callable[..., Run], bank: Path, name: str) -> str:
    """The warning `qexport validate` gives of image `name`."""
    result = run("validate", content=bank)
    assert result.exit_code == 0, result.stderr
    (warning,) = [line for line in result.stderr.splitlines() if f"'{name}'" in line]
    return warning


def number_after(text: str, before: str, after: str) -> int:
    """The number written between `before` and `after` in `text`."""
    return int(text.split(before, 1)[1].split(after, 1)[0].replace(",", ""))


def replace_image(bank: Path, old: str, new: str, attributes: str = "") -> None:
    """Show image `new` where the bank showed `old`, with `attributes` after it."""
    (bank / old).unlink()
    text = (bank / "basic.md").read_text(encoding="utf-8")
    (bank / "basic.md").write_text(text.replace(f"({old})", f"({new}){attributes}"), "utf-8")


@pytest.mark.parametrize("size", [(2, 2), (400, 50), (300, 420)])
def test_the_advice_for_an_image_printed_at_its_own_size_holds(
    size: tuple[int, int], run: Callable[..., Run], bank: Path, tmp_path: Path
) -> None:
    Image.new("RGB", size, "red").save(bank / "small.png")  # no DPI: 96, as a browser
    add_question(bank, "![s](small.png)")
    warning = advice(run, bank, "small.png")
    assert "at 96 dpi" in warning
    width = warning.split('{width="', 1)[1].split('"}', 1)[0]
    needed = number_after(warning, "or one at least ", " px wide")
    wide_mm = number_after(warning, "px) prints ", " mm wide")

    # The width it advises: sharp, and exactly that wide.
    Image.new("RGB", size, "red").save(bank / "sized.png")
    replace_image(bank, "small.png", "sized.png", f'{{width="{width}"}}')
    assert "warning" not in run("validate", content=bank).stderr
    pdf = export_pdf(bank, tmp_path / "out")
    ((_, _, _, drawn),) = drawn_images(pdf)
    assert drawn == pytest.approx(float(width.removesuffix("mm")) / MM, abs=0.01)

    # Or the pixels it advises at 150 dpi: sharp, as large as the blurred one printed.
    height = max(1, round(needed * size[1] / size[0]))
    Image.new("RGB", (needed, height), "red").save(bank / "large.png", dpi=(150, 150))
    text = (bank / "basic.md").read_text(encoding="utf-8")
    (bank / "basic.md").write_text(text.replace(f'{{width="{width}"}}', ""), "utf-8")
    replace_image(bank, "sized.png", "large.png")
    assert "warning" not in run("validate", content=bank).stderr
    pdf = export_pdf(bank, tmp_path / "out2")
    (listed,) = listed_images(pdf)
    assert int(listed["x-ppi"]) >= 150
    ((_, _, _, drawn),) = drawn_images(pdf)
    assert round(drawn * MM) == wide_mm


def test_the_advice_for_an_image_shrunk_to_fit_holds(
    run: Callable[..., Run], bank: Path, tmp_path: Path
) -> None:
    # 225 x 397 points at 96 dpi: shrunk to the booklet's cap of 24 lines, at 121 dpi.
    Image.new("RGB", (300, 530), "red").save(bank / "tall.png")
    add_question(bank, "![t](tall.png)")
    warning = advice(run, bank, "tall.png")
    assert "shrunk to fit" in warning
    needed = number_after(warning, "at that size one at least ", " px wide")
    width_mm = number_after(warning, "(300 x 530 px) prints ", " mm wide")
    (bank / "tall.png").unlink()
    Image.new("RGB", (needed, round(needed * 530 / 300)), "red").save(bank / "tall.png")
    assert "warning" not in run("validate", content=bank).stderr
    pdf = export_pdf(bank, tmp_path / "out")
    (listed,) = listed_images(pdf)
    assert int(listed["x-ppi"]) >= 150
    ((_, _, _, width),) = drawn_images(pdf)
    assert round(width * MM) == width_mm  # at that size: the same size as before


# 4. Blocks inside list items ------------------------------------------------------

NESTED = """\
- outer 0
  - innerzero with more words
    > quotezero in list 0

    ```python
    codezero = 1
    ```

    ![pic](dot.png)

    ### headzero

    - deeperzero
"""


def word(pdf: Path, text: str) -> tuple[int, Word]:
    """The page (from 1) and box of the one word `text` in `pdf`."""
    (found,) = [
        (number, w)
        for number, page in enumerate(pages(pdf), 1)
        for w in page.words
        if w.text == text
    ]
    return found


@pytest.mark.parametrize("layout", ["booklet", "cards"])  # the cheat sheet: key answers
def test_blocks_in_a_list_item_print_under_its_text(
    layout: str, bank: Path, tmp_path: Path
) -> None:
    Image.new("RGB", (60, 40), "red").save(bank / "dot.png")
    add_question(bank, NESTED)
    pdf = export_pdf(bank, tmp_path / "out", "--layout", layout)
    page, outer = word(pdf, "outer")
    _, inner = word(pdf, "innerzero")
    quote_page, quote = word(pdf, "quotezero")
    _, code = word(pdf, "codezero")
    _, heading = word(pdf, "headzero")
    _, deeper = word(pdf, "deeperzero")
    assert inner.x0 > outer.x0 + 5  # the nested list keeps its own indent
    assert quote.x0 > inner.x0 + 5  # a quote is set in from the item's text (was 54.5 < 59.5)
    assert inner.x0 < code.x0 < inner.x0 + 10  # the block's padding
    assert abs(heading.x0 - inner.x0) < 0.5
    assert deeper.x0 > inner.x0 + 5
    ((image_page, image_x, _, _),) = drawn_images(pdf)
    assert (image_page, quote_page) == (page, page)
    assert abs(image_x - inner.x0) < 0.5


def test_an_item_that_starts_with_a_block_keeps_its_number(bank: Path, tmp_path: Path) -> None:
    add_question(bank, "1. ```python\n   startcode = 1\n   ```\n2. seconditem")
    pdf = export_pdf(bank, tmp_path / "out")
    page, code = word(pdf, "startcode")
    _, second = word(pdf, "seconditem")
    words = pages(pdf)[page - 1].words
    one = max((w for w in words if w.text == "1." and w.y0 < code.y0), key=lambda w: w.y0)
    (two,) = [w for w in words if w.text == "2." and abs(w.y0 - second.y0) < 1]
    assert one.y0 < code.y0  # its number on a line of its own, the code under it
    assert abs(one.x0 - two.x0) < 1
    assert code.x0 > one.x1


def test_a_long_code_block_in_a_list_item_splits_under_its_text(
    bank: Path, tmp_path: Path
) -> None:
    lines = "\n".join(f"    listline_{n} = {n}" for n in range(150))
    long_line = " ".join(f"w{n}" for n in range(3000))  # wraps to more lines than a page has
    add_question(
        bank,
        f"- itemtext\n\n    ```python\n{lines}\n    ```\n\n"
        f"  - inneritem\n\n    > ```python\n    > wrapped = '{long_line}'\n    > ```\n",
    )
    # One-sided: every page's text block starts at the same x.
    pdf = export_pdf(bank, tmp_path / "out", "--sides", "one")
    _, item = word(pdf, "itemtext")
    _, inner = word(pdf, "inneritem")
    code_x: dict[int, float] = {}
    for number, page in enumerate(pages(pdf), 1):
        for w in page.words:
            if w.text.startswith("listline_"):
                code_x[number] = min(code_x.get(number, w.x0), w.x0)
    assert len(code_x) >= 2, code_x  # split across pages
    assert all(item.x0 < x < item.x0 + 10 for x in code_x.values()), (item.x0, code_x)
    wrapped = [w for page in pages(pdf) for w in page.words if re.fullmatch(r"'?w\d+'?", w.text)]
    assert {w.text.strip("'") for w in wrapped} == set(long_line.split())  # all of it prints
    assert min(w.x0 for w in wrapped) > inner.x0  # in the quote, under the inner item
