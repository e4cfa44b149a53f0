"""How large images print: from their DPI or the width written, inside the frame, capped.

Each test builds the PDF and reads back where and how wide each image is drawn.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from PIL import Image
from test_pdf_images import add_question, drawn_images

from qexport.exporters.pdf import booklet, cards
from qexport.exporters.pdf.images import MAX_LINES
from qexport.exporters.pdf.styles import PAPERS
from qexport.render import HtmlRenderer

from conftest import Run, export_pdf

CM = 72 / 2.54
A4 = PAPERS["a4"]
BOOKLET_LEADING = 10.0 * 1.32  # the booklet's body size and leading (styles.paragraph)


def picture(bank: Path, name: str, size: tuple[int, int], dpi: float | None = None) -> None:
    image = Image.new("RGB", size, "red")
    image.save(bank / name, **({"dpi": (dpi, dpi)} if dpi else {}))


def widths(bank: Path, tmp_path: Path, layout: str = "booklet") -> list[float]:
    pdf = export_pdf(bank, tmp_path / layout, "--layout", layout)
    return [width for _, _, _, width in drawn_images(pdf)]


def test_an_image_prints_at_its_dpi_or_as_a_browser_shows_it(bank: Path, tmp_path: Path) -> None:
    picture(bank, "print.png", (300, 150), dpi=300)  # one inch wide
    picture(bank, "screen.png", (192, 96))  # no DPI: 96 pixels an inch, two inches
    add_question(bank, "![p](print.png)\n\n![s](screen.png)")
    assert widths(bank, tmp_path) == pytest.approx([72.0, 144.0], abs=0.01)


def test_the_width_written_wins(bank: Path, tmp_path: Path) -> None:
    for name in ("a", "b", "c", "d", "e"):
        picture(bank, f"{name}.png", (400, 200), dpi=300)
    add_question(
        bank,
        '![a](a.png){width="50%"}\n\n![b](b.png){width=3cm}\n\n<img src="c.png" width="120">\n\n'
        '<img src="d.png" width="25mm">\n\n<img src="e.png" height="1in">',
    )
    frame_width = booklet.text_frame(A4)[0]
    expected = [frame_width / 2, 3 * CM, 120 * 0.75, 25 * CM / 10, 144.0]
    assert widths(bank, tmp_path) == pytest.approx(expected, abs=0.01)


@pytest.mark.parametrize("layout", ["booklet", "cards"])
@pytest.mark.parametrize("shape", ["wide", "tall"])
def test_no_image_prints_wider_than_the_frame_or_taller_than_the_cap(
    layout: str, shape: str, bank: Path, tmp_path: Path
) -> None:
    size = (4000, 400) if shape == "wide" else (200, 3000)
    picture(bank, "pic.png", size)
    add_question(bank, '![w](pic.png){width="100cm"}' if shape == "wide" else "![t](pic.png)")
    pdf = export_pdf(bank, tmp_path / layout, "--layout", layout)
    if layout == "booklet":
        frame_width, frame_height = booklet.text_frame(A4)
        cap = MAX_LINES * BOOKLET_LEADING
    else:
        from qexport.exporters.pdf import SIZE_FOR_LAYOUT
        from qexport.exporters.pdf.styles import styles_for
        from qexport.themes import load_theme

        styles = styles_for(load_theme("default", bank), SIZE_FOR_LAYOUT["cards"])
        frame_width, frame_height = cards.text_frame(A4, styles)
        cap = min(MAX_LINES * styles.body.leading, 0.9 * frame_height)
    ((_, _, _, width),) = drawn_images(pdf)
    if shape == "wide":
        assert width == pytest.approx(frame_width, abs=0.01)
    else:
        assert width * size[1] / size[0] == pytest.approx(cap, abs=0.01)  # its height


@pytest.mark.parametrize(
    ("attributes", "message"),
    [
        ("{width=50%}", 'write it as {width="50%"}'),
        ('{width="0"}', "width '0' must be above 0"),
        ('{width="150%"}', "at most 100%"),
        ('{width="3pt"}', "width '3pt' is not a length"),
        ('{onclick="alert(1)" width=3cm}', "an image takes only {width=…}; remove onclick"),
    ],
)
def test_a_malformed_width_is_an_error_at_its_line(
    attributes: str, message: str, bank: Path, run: Callable[..., Run]
) -> None:
    picture(bank, "pic.png", (40, 20))
    add_question(bank, f"![p](pic.png){attributes}")
    result = run("validate", content=bank)
    assert result.exit_code == 1
    assert "Traceback" not in result.stderr
    text = (bank / "basic.md").read_text(encoding="utf-8").split("\n")
    line = next(n for n, written in enumerate(text, 1) if "pic.png" in written)
    assert f"basic.md:{line}: " in result.stderr
    assert message in result.stderr


@pytest.mark.parametrize(
    ("markdown", "style"),
    [
        ('![p](pic.png){width="50%"}', "width: 50%; max-width: 100%; height: auto"),
        ("![p](pic.png){width=3cm}", "width: 3cm; max-width: 100%; height: auto"),
        ('<img src="pic.png" width="600">', "width: 600px; max-width: 100%; height: auto"),
    ],
)
def test_a_card_sizes_the_image_and_never_overflows(markdown: str, style: str) -> None:
    html = HtmlRenderer().render(markdown)
    assert f'style="{style}"' in html
    assert HtmlRenderer().render("![p](pic.png)") == '<p><img src="pic.png" alt="p" /></p>\n'
