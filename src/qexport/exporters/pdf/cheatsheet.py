"""The cheat sheet: every question and answer, dense, in two columns.

Grouped by level, then topic; small but legible type; an outline to jump
around, and no contents pages, so it stays far shorter than the booklet.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from html import escape
from pathlib import Path

from reportlab.lib.units import mm
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import Flowable, Frame, PageTemplate, Spacer

from qexport.exporters.pdf.document import document, level_key, numbered_title, question_heading
from qexport.exporters.pdf.flowables import Anchor, Deferred, KeepStart, Para, SectionMark
from qexport.exporters.pdf.markdown import FlowableRenderer
from qexport.exporters.pdf.pages import RIGHT, NumberingCanvas
from qexport.exporters.pdf.styles import Styles
from qexport.exporters.pdf.wording import wording
from qexport.model import Question, QuestionSet

MARGIN, GAP, TOP, BOTTOM = 10 * mm, 6 * mm, 16 * mm, 17 * mm


def text_frame(paper: tuple[float, float]) -> tuple[float, float]:
    """The width and height of one column, in points."""
    return (paper[0] - 2 * MARGIN - GAP) / 2, paper[1] - TOP - BOTTOM


def _template(styles: Styles, paper: tuple[float, float], title: str) -> PageTemplate:
    width, height = paper
    column, column_height = text_frame(paper)
    frames = [
        Frame(
            MARGIN + index * (column + GAP),
            BOTTOM,
            column,
            column_height,
            0,
            0,
            0,
            0,
            id=f"column-{index}",
        )
        for index in range(2)
    ]

    def furniture(canvas: Canvas, _doc: object) -> None:
        assert isinstance(canvas, NumberingCanvas)
        canvas.saveState()
        canvas.setFillColor(styles.color("muted"))
        canvas.setFont(styles.body_font.bold, styles.size)
        canvas.drawString(MARGIN, height - TOP + 5 * mm, title)
        canvas.setFont(styles.body_font.italic, styles.size)
        canvas.drawRightString(width - MARGIN, height - TOP + 5 * mm, canvas.section)
        canvas.setStrokeColor(styles.color("rule"))
        canvas.setLineWidth(0.4)
        canvas.line(MARGIN, height - TOP + 3 * mm, width - MARGIN, height - TOP + 3 * mm)
        middle = MARGIN + column + GAP / 2
        canvas.line(middle, BOTTOM, middle, height - TOP)
        canvas.setFont(styles.body_font.regular, styles.size)
        canvas.place_page_x_of_y(width - MARGIN, BOTTOM - 7 * mm, RIGHT)
        canvas.restoreState()

    def first(canvas: Canvas, _doc: object) -> None:
        canvas.showOutline()

    return PageTemplate("columns", frames, onPage=first, onPageEnd=furniture)


def _question(
    question: Question, styles: Styles, renderer: FlowableRenderer, lead: list[Flowable]
) -> list[Flowable]:
    text = question_heading(renderer.numbered_question(question), question.number, styles.question)
    answer = renderer.render(question.answer)
    anchor = Anchor(question.id, numbered_title(question), 2)
    keep = KeepStart([*lead, text], answer[0] if answer else None, styles.size * 4)
    return [keep, *lead, anchor, text, *answer, Spacer(1, styles.size * 0.3)]


def build_cheatsheet(
    question_set: QuestionSet,
    styles: Styles,
    paper: tuple[float, float],
    path: Path,
    image_path: Callable[[str], Path],
) -> None:
    meta = question_set.meta
    title = wording(meta.language)("cheat_sheet", title=meta.title)
    doc = document(path, question_set, styles, paper, title=title)
    doc.addPageTemplates([_template(styles, paper, title)])
    renderer = FlowableRenderer(styles, image_path, text_frame(paper)[1])
    story: list[Flowable] = []
    for level in question_set.levels:
        questions = question_set.in_level(level.id)
        if not questions:
            continue
        # Headings and their anchors travel with the first question under them.
        lead: list[Flowable] = [
            SectionMark(level.label),
            Anchor(level_key(level.id), level.label, 0),
            Para(escape(level.label), styles.section),
        ]
        for topic in question_set.topics:
            in_topic = [q for q in questions if q.topic == topic.id]
            if not in_topic:
                continue
            lead += [
                Anchor(f"{level_key(level.id)}-topic-{topic.id}", topic.label, 1, closed=True),
                Para(escape(topic.label), styles.subsection),
            ]
            for question in in_topic:
                story.append(Deferred(partial(_question, question, styles, renderer, lead)))
                lead = []
    doc.build_story(story)
