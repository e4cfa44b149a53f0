"""The PDF document every layout builds on: metadata, fonts, reproducibility."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TypeVar

from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import BaseDocTemplate, Flowable

from qexport.exporters.pdf_pages import canvas_maker
from qexport.exporters.pdf_styles import Styles
from qexport.model import Question, QuestionSet
from qexport.render import render_plain
from qexport.tags import tags_for


def plain_question(question: Question) -> str:
    return render_plain(question.question)


def level_key(level_id: str) -> str:
    """The link target and outline key of a level's first page."""
    return f"level-{level_id}"


def pdf_keywords(question_set: QuestionSet) -> list[str]:
    """The document's keywords: the level and topic tags of the scheme that occur."""
    meta = question_set.meta
    return sorted({tag for q in question_set.questions for tag in tags_for(q, meta)[:2]})


def numbered_title(question: Question) -> str:
    """ "12. What is the GIL?": the question in outlines and contents."""
    return f"{question.number}. {plain_question(question)}"


AnyCanvas = TypeVar("AnyCanvas", bound=Canvas)


@contextmanager
def fixed_date() -> Iterator[None]:
    """While a PDF's canvas is made, the environment cannot date it.

    With invariant=1 reportlab dates every PDF 2000-01-01 00:00 UTC, and
    seeds the document's /ID with that date. SOURCE_DATE_EPOCH, read once
    as the canvas is made, overrides it (and one that is not a number stops
    reportlab): the same content would give other bytes elsewhere, and a
    release would fail `qexport all --check` there. PDFs hold no time, so
    they ignore it. qexport runs its exporters without threads: nothing else
    reads the variable while it is away.
    """
    saved = os.environ.pop("SOURCE_DATE_EPOCH", None)
    try:
        yield
    finally:
        if saved is not None:
            os.environ["SOURCE_DATE_EPOCH"] = saved


def with_fixed_date(make: Callable[..., AnyCanvas]) -> Callable[..., AnyCanvas]:
    """`make`, a canvas maker, with every canvas it makes carrying the fixed date."""

    def make_fixed(*args: Any, **kwargs: Any) -> AnyCanvas:
        with fixed_date():
            return make(*args, **kwargs)

    return make_fixed


class Document(BaseDocTemplate):
    """A reproducible document: no clock, no random ids, embedded fonts only."""

    def __init__(self, path: Path, styles: Styles, **kwargs: Any) -> None:
        super().__init__(str(path), **kwargs)
        self.styles = styles

    def build_story(self, story: Sequence[Flowable]) -> None:
        number_font = (self.styles.body_font.regular, self.styles.size * 0.8)
        self.build(list(story), canvasmaker=with_fixed_date(canvas_maker(number_font)))


def document(
    path: Path,
    question_set: QuestionSet,
    styles: Styles,
    paper: tuple[float, float],
    **kwargs: Any,
) -> Document:
    meta = question_set.meta
    return Document(
        path,
        styles,
        pagesize=paper,
        title=meta.title,
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
