"""The booklet: cover, contents, one section per level, and a topic index.

Sections start on right-hand pages; margins mirror with a binding gutter;
each page has the section as a running header and "Page X of Y" below.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from html import escape
from pathlib import Path

from reportlab.lib.units import mm
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import Flowable, Frame, PageBreak, PageTemplate, Spacer

from qexport.exporters.pdf_document import Document, document, level_key, numbered_title
from qexport.exporters.pdf_markdown import FlowableRenderer
from qexport.exporters.pdf_pages import (
    LEFT,
    RIGHT,
    Anchor,
    Deferred,
    KeepStart,
    NumberingCanvas,
    Para,
    RightHandFiller,
    SectionMark,
)
from qexport.exporters.pdf_styles import Styles
from qexport.model import Question, QuestionSet

INNER, OUTER, TOP, BOTTOM = 22 * mm, 15 * mm, 22 * mm, 20 * mm
CONTENTS_KEY, INDEX_KEY = "contents", "topic-index"


class TocLine(Flowable):
    """One line of the contents: text, dot leaders, and the page, all one link."""

    def __init__(self, text: str, key: str, styles: Styles, bold: bool, indent: float) -> None:
        super().__init__()
        self.text, self.key, self.styles, self.bold, self.indent = text, key, styles, bold, indent
        self.font = styles.body_font.bold if bold else styles.body_font.regular
        self.size = styles.size * (1.0 if bold else 0.92)
        self.space = styles.size * (0.8 if bold else 0.1)

    def wrap(self, avail_width: float, avail_height: float) -> tuple[float, float]:
        self.width, self.height = avail_width, self.size * 1.35 + self.space
        return self.width, self.height

    def draw(self) -> None:
        canvas = self.canv
        number_room = stringWidth("0000", self.font, self.size)
        room = self.width - self.indent - number_room - self.size
        text = self.text
        text_width = stringWidth(text, self.font, self.size)
        if text_width > room:
            while text and stringWidth(text + "…", self.font, self.size) > room:
                text = text[:-1]
            text = text.rstrip() + "…"
            text_width = stringWidth(text, self.font, self.size)
        baseline = self.size * 0.3
        canvas.setFont(self.font, self.size)
        canvas.setFillColor(self.styles.color("text"))
        canvas.drawString(self.indent, baseline, text)
        start = self.indent + text_width + self.size * 0.4
        end = self.width - number_room - self.size * 0.4
        if end > start:
            canvas.setFillColor(self.styles.color("muted"))
            dots = "." * int((end - start) / stringWidth(". ", self.font, self.size))
            canvas.drawRightString(end, baseline, " ".join(dots))
        if isinstance(canvas, NumberingCanvas):
            canvas.setFillColor(self.styles.color("text"))
            canvas.place_page_of(self.key, self.width, baseline)
        canvas.linkRect("", self.key, (0, 0, self.width, self.size * 1.35), relative=1)


def _furniture(styles: Styles, paper: tuple[float, float]) -> Callable[..., None]:
    width, height = paper

    def draw(canvas: Canvas, _doc: object) -> None:
        assert isinstance(canvas, NumberingCanvas)
        if canvas.blank_page:
            canvas.blank_page = False
            return
        right_hand = canvas.getPageNumber() % 2 == 1
        left_edge = INNER if right_hand else OUTER
        right_edge = width - (OUTER if right_hand else INNER)
        canvas.saveState()
        canvas.setFont(styles.body_font.italic, styles.size * 0.8)
        canvas.setFillColor(styles.color("muted"))
        header_y = height - TOP + 6 * mm
        if right_hand:
            canvas.drawRightString(right_edge, header_y, canvas.section)
        else:
            canvas.drawString(left_edge, header_y, canvas.section)
        canvas.setStrokeColor(styles.color("rule"))
        canvas.setLineWidth(0.4)
        canvas.line(left_edge, header_y - 2.5 * mm, right_edge, header_y - 2.5 * mm)
        footer_y = BOTTOM - 10 * mm
        canvas.setFont(styles.body_font.regular, styles.size * 0.8)
        if right_hand:
            canvas.place_page_x_of_y(right_edge, footer_y, RIGHT)
        else:
            canvas.place_page_x_of_y(left_edge, footer_y, LEFT)
        canvas.restoreState()

    return draw


def _templates(styles: Styles, paper: tuple[float, float]) -> list[PageTemplate]:
    width, height = paper
    frame_width, frame_height = width - INNER - OUTER, height - TOP - BOTTOM

    def frame(x: float, name: str) -> Frame:
        return Frame(x, BOTTOM, frame_width, frame_height, 0, 0, 0, 0, id=name)

    furniture = _furniture(styles, paper)

    def cover(canvas: Canvas, _doc: object) -> None:
        canvas.showOutline()

    return [
        PageTemplate("cover", [frame(INNER, "cover")], onPage=cover, autoNextPageTemplate="even"),
        PageTemplate(
            "odd", [frame(INNER, "odd")], onPageEnd=furniture, autoNextPageTemplate="even"
        ),
        PageTemplate(
            "even", [frame(OUTER, "even")], onPageEnd=furniture, autoNextPageTemplate="odd"
        ),
    ]


def _cover(question_set: QuestionSet, styles: Styles) -> list[Flowable]:
    meta = question_set.meta
    counts = question_set.counts_by_level()
    levels = " · ".join(
        f"{counts[level.id]} {escape(level.label.lower())}" for level in question_set.levels
    )
    total = len(question_set.questions)
    lines = [
        Spacer(1, 60 * mm),
        Para(escape(meta.title), styles.title),
        Para(escape(meta.description), styles.centered),
        Spacer(1, 12 * mm),
        Para(f"{total} questions: {levels}", styles.centered),
        Spacer(1, 30 * mm),
        Para(f"Version {escape(meta.version)}", styles.centered),
    ]
    if meta.author:
        lines.append(Para(escape(meta.author), styles.centered))
    return lines


def _new_section(doc: Document, title: str, key: str) -> list[Flowable]:
    return [
        PageBreak(),
        RightHandFiller(lambda: doc.page),
        SectionMark(title),
        Anchor(key, title, 0),
    ]


def _question(
    question: Question,
    question_set: QuestionSet,
    styles: Styles,
    renderer: FlowableRenderer,
    lead: list[Flowable],
) -> list[Flowable]:
    topic = question_set.topic(question.topic).label
    label = Para(escape(topic), styles.label)
    text = Para(renderer.numbered_question(question), styles.question)
    answer = renderer.render(question.answer)
    head = [*lead, text, label]
    anchor = Anchor(question.id, numbered_title(question), 1)
    keep = KeepStart(head, answer[0] if answer else None, styles.size * 1.32 * 3)
    return [keep, anchor, *head, *answer, Spacer(1, styles.size * 0.6)]


def build_booklet(
    question_set: QuestionSet,
    styles: Styles,
    paper: tuple[float, float],
    path: Path,
    image_path: Callable[[str], Path],
) -> None:
    doc = document(path, question_set, styles, paper)
    doc.addPageTemplates(_templates(styles, paper))
    renderer = FlowableRenderer(styles, image_path)
    story: list[Flowable] = _cover(question_set, styles)

    story += _new_section(doc, "Contents", CONTENTS_KEY)
    story.append(Para("Contents", styles.section))
    for level in question_set.levels:
        if not question_set.in_level(level.id):
            continue
        story.append(TocLine(level.label, level_key(level.id), styles, True, 0))
        for question in question_set.in_level(level.id):
            text = numbered_title(question)
            story.append(TocLine(text, question.id, styles, False, styles.size))
    story.append(TocLine("Topic index", INDEX_KEY, styles, True, 0))

    for level in question_set.levels:
        questions = question_set.in_level(level.id)
        if not questions:
            continue
        story += _new_section(doc, level.label, level_key(level.id))
        lead: list[Flowable] = [Para(escape(level.label), styles.section)]
        for question in questions:
            story.append(
                Deferred(partial(_question, question, question_set, styles, renderer, lead))
            )
            lead = []

    story += _new_section(doc, "Topic index", INDEX_KEY)
    story.append(Para("Topic index", styles.section))
    accent = styles.theme.palette["accent"]
    for topic in question_set.topics:
        numbers = [q for q in question_set.questions if q.topic == topic.id]
        if numbers:
            links = ", ".join(
                f'<a href="#{q.id}" color="{accent}">{q.number}</a>' for q in numbers
            )
            story.append(Para(f"<b>{escape(topic.label)}</b>: {links}", styles.body))
    doc.build_story(story)
