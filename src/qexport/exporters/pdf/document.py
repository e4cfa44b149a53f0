"""The PDF document every layout builds on: metadata, fonts, reproducibility."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from reportlab.lib.styles import ParagraphStyle
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import BaseDocTemplate, Flowable

from qexport.changes import content_date
from qexport.exporters.pdf.flowables import Para
from qexport.exporters.pdf.pages import canvas_maker
from qexport.exporters.pdf.styles import Styles
from qexport.exporters.pdf.wording import Wording, wording
from qexport.fonts import printable
from qexport.html_subset import plain
from qexport.model import Question, QuestionSet
from qexport.render import shared_parser
from qexport.tags import tags_for

if TYPE_CHECKING:
    from qexport.exporters.pdf.markdown import FlowableRenderer


def question_heading(markup: str, number: int, style: ParagraphStyle) -> Para:
    """A question's heading; a line after its first starts under its text, past the number."""
    hang = stringWidth(f"{number}. ", style.fontName, style.fontSize)
    hung = ParagraphStyle(
        f"{style.name}-hung", parent=style, leftIndent=hang, firstLineIndent=-hang
    )
    return Para(markup, hung)


def key_answer(question: Question, renderer: FlowableRenderer) -> list[Flowable]:
    """The key answer as a bold lead line, or nothing where the question has none."""
    if not question.key:
        return []
    style = renderer.styles.key
    return [renderer.para(renderer.inline(question.key, style), style)]


def level_key(level_id: str) -> str:
    """The link target and outline key of a level's first page."""
    return f"level-{level_id}"


def pdf_keywords(question_set: QuestionSet) -> list[str]:
    """The document's keywords: the level and topic tags of the scheme that occur."""
    meta = question_set.meta
    return sorted({tag for q in question_set.questions for tag in tags_for(q, meta)[:2]})


def numbered_title(question: Question) -> str:
    """ "12. What does `is` test?": the question in outlines, as one line of plain text.

    Its code keeps the backticks the author wrote it in: an outline cannot
    change font, and the marks are the one way it can tell `is` the operator
    from the word.
    """
    parts = []
    for token in shared_parser().parseInline(question.question):
        for child in token.children or []:
            if child.type == "code_inline":
                pad = " " if child.content[:1] == "`" or child.content[-1:] == "`" else ""
                parts.append(f"{child.markup}{pad}{child.content}{pad}{child.markup}")
            elif child.type in ("softbreak", "hardbreak"):
                parts.append(" ")
            elif child.type == "html_inline":
                parts.append(plain(child))
            elif child.type in ("text", "image"):
                parts.append(child.content)
    # Without the invisible characters no PDF shows (a viewer's outline would draw boxes).
    text = " ".join(printable("".join(parts)).split())
    return f"{question.number}. {text}"


AnyCanvas = TypeVar("AnyCanvas", bound=Canvas)


@contextmanager
def dated(at: int) -> Iterator[None]:
    """While a PDF's canvas is made, it is dated `at` (seconds since 1970, UTC).

    reportlab reads the date from SOURCE_DATE_EPOCH as the canvas is made
    (and seeds the document's /ID with it), so the variable says `at` for
    that moment. qexport runs its exporters without threads: nothing else
    reads the variable meanwhile.
    """
    saved = os.environ.get("SOURCE_DATE_EPOCH")
    os.environ["SOURCE_DATE_EPOCH"] = str(at)
    try:
        yield
    finally:
        if saved is None:
            del os.environ["SOURCE_DATE_EPOCH"]
        else:
            os.environ["SOURCE_DATE_EPOCH"] = saved


def with_date(make: Callable[..., AnyCanvas], at: int) -> Callable[..., AnyCanvas]:
    """`make`, a canvas maker, with every canvas it makes dated `at`."""

    def make_dated(*args: Any, **kwargs: Any) -> AnyCanvas:
        with dated(at):
            return make(*args, **kwargs)

    return make_dated


class Document(BaseDocTemplate):
    """A reproducible document: no clock, no random ids, embedded fonts only."""

    def __init__(self, path: Path, styles: Styles, at: int, words: Wording, **kwargs: Any) -> None:
        super().__init__(str(path), **kwargs)
        self.styles = styles
        self.at = at
        self.words = words  # the fixed words it prints, in the set's language

    def build_story(self, story: Sequence[Flowable]) -> None:
        number_font = (self.styles.body_font.regular, self.styles.size * 0.8)
        make = canvas_maker(number_font, self.words.page_of)
        self.build(list(story), canvasmaker=with_date(make, self.at))


def document(
    path: Path,
    question_set: QuestionSet,
    styles: Styles,
    paper: tuple[float, float],
    title: str = "",
    **kwargs: Any,
) -> Document:
    """A document for `question_set`, titled `title` (the set's title by default)."""
    meta = question_set.meta
    return Document(
        path,
        styles,
        content_date(question_set),
        wording(meta.language),
        pagesize=paper,
        title=title or meta.title,
        author=meta.author,
        subject=meta.description,
        keywords=pdf_keywords(question_set),
        creator="qexport",
        producer="qexport",
        lang=meta.language,
        invariant=1,
        pageCompression=1,
        initialFontName=styles.body_font.regular,
        initialFontSize=styles.size,
        **kwargs,
    )
