"""How large, and how sharp, each image prints.

An image prints at one point per pixel (72 dpi), shrunk to fit its frame
and never enlarged, so it prints sharp (SHARP_DPI or more) only once it is
shrunk to about half its size. `qexport validate` warns of every image that
would print blurred, at the line that shows it.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from qexport import DEFAULT_THEME
from qexport.errors import ContentWarning
from qexport.model import QuestionSet

if TYPE_CHECKING:
    from qexport.themes import Theme

SHARP_DPI = 150
PAPER_LABELS = {"a4": "A4", "letter": "Letter"}
MAX_HEIGHT_SHARE = 0.9  # of the frame: room for the caption line that may follow


def fit(pixels: tuple[float, float], frame: tuple[float, float]) -> float:
    """The scale an image of `pixels` prints at in `frame` (points): at most 1."""
    width, height = pixels
    return min(1.0, frame[0] / width, frame[1] * MAX_HEIGHT_SHARE / height)


def image_frame(layout: str, paper: tuple[float, float], theme: Theme) -> tuple[float, float]:
    """The widest and tallest room an answer's image gets in `layout`, in points."""
    if layout == "booklet":
        from qexport.exporters import pdf_booklet

        return pdf_booklet.text_frame(paper)
    if layout == "cheatsheet":
        from qexport.exporters import pdf_cheatsheet

        return pdf_cheatsheet.text_frame(paper)
    from qexport.exporters import pdf_cards
    from qexport.exporters.pdf_styles import styles_for

    return pdf_cards.text_frame(paper, styles_for(theme, "card"))


def blurred_images(
    question_set: QuestionSet,
    options: Mapping[str, Any],
    image_path: Callable[[str], Path],
) -> list[ContentWarning]:
    """A warning for each image shown where it would print below SHARP_DPI.

    `image_path` finds the file behind an image's `src`, as the PDF does.
    """
    from PIL import Image

    from qexport.exporters.pdf_styles import PAPERS
    from qexport.media import image_sources, shown_name
    from qexport.themes import load_theme

    layout, paper = str(options.get("layout")), str(options.get("paper"))
    theme = load_theme(str(options.get("theme") or DEFAULT_THEME))
    frame = image_frame(layout, PAPERS[paper], theme)
    where = f"the {layout} ({PAPER_LABELS.get(paper, paper)})"
    sizes: dict[Path, tuple[int, int]] = {}
    warnings = []
    for question in question_set.questions:
        for src, line in image_sources(question.answer):
            path = image_path(src)
            if path not in sizes:
                with Image.open(path) as opened:
                    sizes[path] = opened.size
            scale = fit(sizes[path], frame)
            if 72 / scale < SHARP_DPI:
                message = _message(shown_name(src), sizes[path], scale, where, frame)
                warnings.append(
                    ContentWarning(message, question.path, question.answer_line + line)
                )
    return warnings


def _message(
    image: str,
    pixels: tuple[int, int],
    scale: float,
    where: str,
    frame: tuple[float, float],
) -> str:
    width_mm = pixels[0] * scale * 25.4 / 72
    # The widest this shape can print; shrunk to that, this many pixels print sharp.
    largest = min(frame[0], frame[1] * MAX_HEIGHT_SHARE * pixels[0] / pixels[1])
    needed = math.ceil(largest * SHARP_DPI / 72)
    return (
        f"image '{image}' ({pixels[0]} x {pixels[1]} px) prints {width_mm:.0f} mm wide in "
        f"{where} at {72 / scale:.0f} dpi, blurred on paper: images print at one point per "
        f"pixel, shrunk to fit, so one of this shape at least {needed:,} px wide prints "
        f"sharp ({SHARP_DPI} dpi)"
    )
