"""`qexport pdf`: print-ready PDFs with embedded fonts, in three layouts.

- booklet: cover, contents, a section per level, topic index (the default);
- cheatsheet: each question and its key answer, on a few landscape pages in three columns;
- cards: duplex flash cards, fronts and mirrored backs on alternate pages.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from qexport import DEFAULT_THEME
from qexport.errors import ContentError, ContentErrors, ContentWarning, QexportError
from qexport.exporters import theme_option

if TYPE_CHECKING:
    from qexport.exporter import Artifact
    from qexport.exporters.pdf.styles import Styles
    from qexport.model import QuestionSet
    from qexport.themes import Theme

LAYOUTS = ("booklet", "cheatsheet", "cards")
PAPER_NAMES = ("a4", "letter")
SIDES = ("two", "one")
SIZE_FOR_LAYOUT = {"booklet": "body", "cheatsheet": "cheatsheet", "cards": "card"}


def _nfc(text: str) -> str:
    import unicodedata

    return unicodedata.normalize("NFC", text)


def _image_loader(question_set: QuestionSet) -> Callable[[str], Path]:
    """The file behind an image's `src`: only one the content check accepted, or an error.

    The loader already refused every other image; this holds even if a
    renderer finds an image the check did not see.
    """
    from qexport.media import content_path, shown_name

    # By the name as written (NFC); the file may be named decomposed on disk.
    accepted = {_nfc(image): image for q in question_set.questions for image in q.images}

    def image_path(src: str) -> Path:
        try:
            image = accepted.get(_nfc(content_path(src)))
        except ValueError as problem:
            raise QexportError(f"cannot print {problem}") from None
        if image is None:
            raise QexportError(
                f"cannot print image '{shown_name(src)}': the content check did not accept it"
            )
        return question_set.content_dir / image

    return image_path


def _layout_paper_styles(options: Mapping[str, Any], content_dir: Path) -> tuple[str, str, Styles]:
    """The layout, the paper's name and the styles that `options` ask for."""
    from qexport.exporters.pdf.styles import styles_for
    from qexport.themes import load_theme

    layout = str(options.get("layout") or "booklet")
    theme = load_theme(str(options.get("theme") or DEFAULT_THEME), content_dir)
    return layout, str(options.get("paper") or "a4"), styles_for(theme, SIZE_FOR_LAYOUT[layout])


def _one_sided(layout: str, options: Mapping[str, Any]) -> bool:
    """Whether `options` ask for a one-sided booklet (an error for another layout)."""
    one_sided = options.get("sides") == "one"
    if one_sided and layout != "booklet":
        raise QexportError(
            "--sides one is for the booklet: the cheat sheet is one-sided already, "
            "and flash cards need both sides"
        )
    return one_sided


def _pdf_name(
    question_set: QuestionSet, layout: str, paper_name: str, one_sided: bool, theme: Theme
) -> str:
    parts = (layout, "one-sided" if one_sided else "", paper_name, theme.file_part)
    return question_set.file_name(*parts, extension="pdf")


class PdfExporter:
    name = "pdf"
    description = "Print-ready PDF: a booklet, a key-answer cheat sheet, or duplex flash cards."
    options: Sequence[click.Option] = (
        click.Option(
            ["--layout"],
            type=click.Choice(LAYOUTS),
            default="booklet",
            show_default=True,
            help="What to print.",
        ),
        click.Option(
            ["--paper"],
            type=click.Choice(PAPER_NAMES),
            default="a4",
            show_default=True,
            help="Paper size.",
        ),
        click.Option(
            ["--sides"],
            type=click.Choice(SIDES),
            default="two",
            show_default=True,
            help="Booklet: printed on both sides (mirrored margins, sections on right-hand "
            "pages), or on one side only.",
        ),
        theme_option(),
    )
    release: Sequence[Mapping[str, Any]] = tuple({"layout": layout} for layout in LAYOUTS)

    def check(
        self, question_set: QuestionSet, options: Mapping[str, Any]
    ) -> list[ContentError | ContentWarning]:
        """What printing would meet, found before anything is built (`pdf_checks`)."""
        from qexport.exporters.pdf.checks import pdf_problems

        layout, paper, styles = _layout_paper_styles(options, question_set.content_dir)
        return pdf_problems(question_set, styles, layout, paper, _image_loader(question_set))

    def artifact_names(self, question_set: QuestionSet, options: Mapping[str, Any]) -> list[str]:
        """What `export` would write for `options`, found without building it: a release
        checks up front that its option sets go together and write distinct files."""
        from qexport.themes import load_theme  # the theme's name part; no fonts registered

        layout = str(options.get("layout") or "booklet")
        paper_name = str(options.get("paper") or "a4")
        theme = load_theme(str(options.get("theme") or DEFAULT_THEME), question_set.content_dir)
        return [_pdf_name(question_set, layout, paper_name, _one_sided(layout, options), theme)]

    def export(
        self, question_set: QuestionSet, options: Mapping[str, Any], out_dir: Path
    ) -> list[Artifact]:
        from qexport.exporter import Artifact  # here: `qexport --help` imports this module
        from qexport.exporters.pdf.checks import missing_glyphs
        from qexport.exporters.pdf.styles import PAPERS as PAPER_SIZES

        layout, paper_name, styles = _layout_paper_styles(options, question_set.content_dir)
        theme = styles.theme
        one_sided = _one_sided(layout, options)
        # Checked again here, cheaply: a caller may not have run `check` first.
        glyphs = missing_glyphs(question_set, styles)
        if glyphs:
            raise ContentErrors(glyphs)

        path = out_dir / _pdf_name(question_set, layout, paper_name, one_sided, theme)
        paper = PAPER_SIZES[paper_name]

        image_path = _image_loader(question_set)

        if layout == "booklet":
            from qexport.exporters.pdf.booklet import build_booklet

            build_booklet(question_set, styles, paper, path, image_path, 1 if one_sided else 2)
        elif layout == "cheatsheet":
            from qexport.exporters.pdf.cheatsheet import build_cheatsheet

            build_cheatsheet(question_set, styles, paper, path)
        else:
            from qexport.exporters.pdf.card_sheets import build_cards

            build_cards(question_set, styles, paper, path, image_path)
        selection = question_set.selection.slug() or "all"
        recorded = {"layout": layout, "paper": paper_name, "theme": theme.name}
        if one_sided:
            recorded["sides"] = "one"
        return [Artifact(path, self.name, {**recorded, "selection": selection})]
