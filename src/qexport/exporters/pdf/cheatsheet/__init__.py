"""The cheat sheet: every question and its key answer, on a few landscape pages.

Three columns, grouped by level then topic. Each question shows its number
and text in bold, its key answer under it, and the one code line its author
marked as key (`key=N` on the example's fence); nothing else of the answer,
which the booklet has. A question without a key answer says so, muted.

A question is never split between columns: the sheet measures every
question, packs whole questions into columns itself (in order, each column
as full as it goes), and gives the last page's columns one height, the
least that holds them. In a column, the room left at its foot is shared out
between its questions, up to a limit, so that columns end level. The running
head names the first section (level and topic) on the page, whether it
starts there or continues from the page before.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from html import escape
from pathlib import Path

from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import Flowable, Frame, FrameBreak, PageTemplate

from qexport.exporters.pdf.cheatsheet.columns import laid_out, spread
from qexport.exporters.pdf.cheatsheet.flowables import KeyLine, RunningHead, Seen, Stack
from qexport.exporters.pdf.code_flowable import highlighted_lines
from qexport.exporters.pdf.document import document, level_key, numbered_title, question_heading
from qexport.exporters.pdf.flowables import Anchor, Para
from qexport.exporters.pdf.markdown import CODE_SHARE, FlowableRenderer, paragraphs
from qexport.exporters.pdf.styles import Styles
from qexport.exporters.pdf.wording import SEPARATOR, wording
from qexport.fonts import printable
from qexport.model import Question, QuestionSet

COLUMNS = 3
MARGIN, GAP = 10 * mm, 5 * mm  # at the paper's left, right and bottom edges; between columns
TOP = 13.5 * mm  # above the columns: the running head
HEAD_BASELINE, HEAD_RULE = 10.5 * mm, 12 * mm  # below the paper's top edge
LEADING = 1.2  # of the type size
MOST_SPREAD = 1.5  # body lines at most added between two questions to end a column level
FIT = 0.01  # points a column stays short of its frame, so that rounding never moves a question


def landscape(paper: tuple[float, float]) -> tuple[float, float]:
    """`paper` turned on its side: the longer edge across."""
    return max(paper), min(paper)


def text_frame(paper: tuple[float, float]) -> tuple[float, float]:
    """The width and height of one column, in points, on `paper` (either way up)."""
    width, height = landscape(paper)
    return (width - 2 * MARGIN - (COLUMNS - 1) * GAP) / COLUMNS, height - TOP - MARGIN


# Look -------------------------------------------------------------------------


@dataclass(frozen=True)
class Look:
    """The sheet's paragraph styles, and the code styles of its key lines."""

    level: ParagraphStyle
    topic: ParagraphStyle
    question: ParagraphStyle
    key: ParagraphStyle
    missing: ParagraphStyle
    code: Styles
    size: float  # the body size: every gap is a share of it

    @classmethod
    def of(cls, styles: Styles) -> Look:
        size = styles.size
        font, accent = styles.body_font, styles.color("accent")

        def style(name: str, scale: float = 1.0, **overrides: object) -> ParagraphStyle:
            return styles.paragraph(
                f"qx-sheet-{name}",
                fontSize=size * scale,
                leading=size * scale * LEADING,
                spaceBefore=0,
                spaceAfter=0,
                **overrides,
            )

        return cls(
            level=style("level", 1.5, fontName=font.bold, textColor=accent),
            topic=style("topic", 1.15, fontName=font.bold, textColor=accent),
            question=style("question", fontName=font.bold),
            key=style("key"),
            missing=style("missing", fontName=font.italic, textColor=styles.color("muted")),
            # Key lines at the body size; shrunk, down to the theme's floor, only to fit.
            code=replace(styles, code_size=max(styles.code_floor, size)),
            size=size,
        )


# Questions ----------------------------------------------------------------------


@dataclass
class Block:
    """One question (with the headings it opens) and the space it wants above it."""

    stack: Stack
    lead: float  # above it, unless it starts a column
    height: float = 0.0


def inline(renderer: FlowableRenderer, markdown: str, style: ParagraphStyle) -> str:
    """`markdown` as markup for `style`, its inline code never below the theme's floor.

    The renderer sets inline code at CODE_SHARE of the size of the style it is
    given (only that size and the font's weight are read): at the sheet's small
    size that would fall below the floor, so it is given a larger size.
    """
    floor = renderer.styles.code_floor / CODE_SHARE
    sizing = ParagraphStyle(
        f"{style.name}-code", parent=style, fontSize=max(style.fontSize, floor)
    )
    return renderer.inline(markdown, sizing)


def question_parts(
    question: Question, look: Look, renderer: FlowableRenderer, no_key: str, above: float
) -> list[tuple[float, Flowable]]:
    """The question's number and text (`above` under a heading), its key answer, its key line."""
    accent = look.code.theme.palette["accent"]
    markup = f'<font color="{accent}">{question.number}.</font> '
    markup += inline(renderer, question.question, look.question)
    parts: list[tuple[float, Flowable]] = [
        (0.0, Anchor(question.id, numbered_title(question), 2)),
        (above, question_heading(markup, question.number, look.question)),
    ]
    gap = look.size * 0.15
    if question.key:
        key = paragraphs(inline(renderer, question.key, look.key), look.key)
        parts += [(gap if index == 0 else 0.0, para) for index, para in enumerate(key)]
    else:
        parts.append((gap, Para(escape(no_key), look.missing)))
    if question.key_code:
        code = printable(question.key_code)  # drawn glyph by glyph: no font draws these
        lines = highlighted_lines(code, question.key_code_language, look.code)
        parts.append((look.size * 0.25, KeyLine(lines, look.code)))
    return parts


def blocks(question_set: QuestionSet, look: Look, head: RunningHead, no_key: str) -> list[Block]:
    """Every question as a block, in order; the first of a level or topic opens its headings."""
    renderer = FlowableRenderer(look.code)
    size = look.size
    result: list[Block] = []
    for level in question_set.levels:
        questions = question_set.in_level(level.id)
        opening: list[tuple[float, Flowable]] = [
            (0.0, Anchor(level_key(level.id), level.label, 0)),
            (0.0, Para(escape(level.label), look.level)),
        ]
        for topic in question_set.topics:
            in_topic = [q for q in questions if q.topic == topic.id]
            if not in_topic:
                continue
            section = f"{level.label}{SEPARATOR}{topic.label}"
            heads = [
                *opening,
                (0.0, Anchor(f"{level_key(level.id)}-topic-{topic.id}", topic.label, 1, True)),
                (size * 0.2 if opening else 0.0, Para(escape(topic.label), look.topic)),
            ]
            lead = size * (1.6 if opening else 1.0)
            for question in in_topic:
                own = question_parts(question, look, renderer, no_key, size * 0.3 if heads else 0)
                result.append(Block(Stack([(0.0, Seen(head, section)), *heads, *own]), lead))
                heads, opening, lead = [], [], size * 0.55
    return result


# Pages -------------------------------------------------------------------------


def template(
    styles: Styles,
    paper: tuple[float, float],
    title: str,
    head: RunningHead,
    page_label: Callable[[int], str],
) -> PageTemplate:
    """COLUMNS frames under a running head."""
    width, height = landscape(paper)
    column, column_height = text_frame(paper)
    frames = [
        Frame(MARGIN + i * (column + GAP), MARGIN, column, column_height, 0, 0, 0, 0, id=f"c{i}")
        for i in range(COLUMNS)
    ]

    def begin(canvas: Canvas, _doc: object) -> None:
        head.page_begins()
        if canvas.getPageNumber() == 1:
            canvas.showOutline()
            # One-sided, and at full size: the type is as small as it may print.
            canvas.setViewerPreference("Duplex", "Simplex")
            canvas.setViewerPreference("PrintScaling", "None")

    def end(canvas: Canvas, _doc: object) -> None:
        page = page_label(canvas.getPageNumber())
        furniture(canvas, styles, (width, height), (title, head.section, page))

    return PageTemplate("columns", frames, onPage=begin, onPageEnd=end, pagesize=(width, height))


def furniture(
    canvas: Canvas, styles: Styles, paper: tuple[float, float], head: tuple[str, str, str]
) -> None:
    """The title and the section at the top left, the page number at the right, the rules."""
    width, height = paper
    title, section, page = head
    size, font = styles.size, styles.body_font
    baseline, column = height - HEAD_BASELINE, text_frame(paper)[0]
    canvas.saveState()
    canvas.setFillColor(styles.color("muted"))
    canvas.setFont(font.regular, size)
    canvas.drawRightString(width - MARGIN, baseline, page)
    room = width - 2 * MARGIN - stringWidth(page, font.regular, size) - 2 * size
    title = clipped(title, font.bold, size, room / 2 if section else room)
    canvas.setFont(font.bold, size)
    canvas.drawString(MARGIN, baseline, title)
    if section:
        x = MARGIN + stringWidth(title, font.bold, size) + 2 * size
        canvas.setFont(font.italic, size)
        canvas.drawString(x, baseline, clipped(section, font.italic, size, MARGIN + room - x))
    canvas.setStrokeColor(styles.color("rule"))
    canvas.setLineWidth(0.4)
    canvas.line(MARGIN, height - HEAD_RULE, width - MARGIN, height - HEAD_RULE)
    for index in range(1, COLUMNS):
        middle = MARGIN + index * (column + GAP) - GAP / 2
        canvas.line(middle, MARGIN, middle, height - TOP)
    canvas.restoreState()


def clipped(text: str, font: str, size: float, room: float) -> str:
    """`text`, cut short with an ellipsis if it is wider than `room`."""
    if stringWidth(text, font, size) <= room:
        return text
    while text and stringWidth(text + "…", font, size) > room:
        text = text[:-1]
    return text.rstrip() + "…"


def build_cheatsheet(
    question_set: QuestionSet, styles: Styles, paper: tuple[float, float], path: Path
) -> None:
    meta = question_set.meta
    words = wording(meta.language)
    title = words("cheat_sheet", title=meta.title)
    look, head = Look.of(styles), RunningHead()
    width, limit = text_frame(paper)
    limit -= FIT
    found = [
        piece
        for block in blocks(question_set, look, head, words("no_key_answer"))
        for piece in pieces(block, width, limit)
    ]
    heights, leads = [b.height for b in found], [b.lead for b in found]
    columns = laid_out(heights, leads, limit, COLUMNS)
    most = MOST_SPREAD * look.size * LEADING
    extras = spread(columns, heights, leads, limit, COLUMNS, most)
    pages = -(-len(columns) // COLUMNS)
    doc = document(path, question_set, styles, landscape(paper), title=title)
    doc.addPageTemplates([template(styles, paper, title, head, lambda n: words.page_of(n, pages))])
    story: list[Flowable] = []
    for number, (column, extra) in enumerate(zip(columns, extras, strict=True)):
        if number:
            story.append(FrameBreak())
        story += [
            found[index].stack.placed(found[index].lead + extra if place else 0.0)
            for place, index in enumerate(column)
        ]
    doc.build_story(story)


def pieces(block: Block, width: float, limit: float) -> list[Block]:
    """`block` measured at `width`: whole, or in pieces if it is taller than a column."""
    stacks = block.stack.pieces(width, limit)
    return [
        Block(stack, block.lead if index == 0 else 0.0, stack.wrap(width, limit)[1])
        for index, stack in enumerate(stacks)
    ]
