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

from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from html import escape
from pathlib import Path

from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import Flowable, Frame, FrameBreak, PageTemplate

from qexport.codeblocks import KEY, language_of
from qexport.exporters.pdf.code_flowable import (
    CONTINUATION,
    HAIRLINE,
    PADDING_EMS,
    CodeFlowable,
    highlighted_lines,
)
from qexport.exporters.pdf.code_flowable import LEADING as LEADING_CODE
from qexport.exporters.pdf.columns import laid_out, spread
from qexport.exporters.pdf.document import document, level_key, numbered_title, question_heading
from qexport.exporters.pdf.flowables import Anchor, Para
from qexport.exporters.pdf.markdown import CODE_SHARE, FlowableRenderer, paragraphs
from qexport.exporters.pdf.styles import CodeRun, Styles
from qexport.exporters.pdf.wording import SEPARATOR, wording
from qexport.fonts import printable
from qexport.model import Question, QuestionSet
from qexport.render import shared_parser

COLUMNS = 3
MARGIN, GAP = 10 * mm, 5 * mm  # at the paper's left, right and bottom edges; between columns
TOP = 13.5 * mm  # above the columns: the running head
HEAD_BASELINE, HEAD_RULE = 10.5 * mm, 12 * mm  # below the paper's top edge
LEADING = 1.2  # of the type size
BAND = 0.2  # ems above and below a key code line
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


# A question as one piece ------------------------------------------------------


class Stack(Flowable):
    """Flowables one under another, each after its own gap: one piece, never split.

    `above` is the space over the whole stack: its share of the column's spare
    room, and none at the top of a column.
    """

    def __init__(self, parts: Sequence[tuple[float, Flowable]], above: float = 0.0) -> None:
        super().__init__()
        self.parts = list(parts)
        self.above = above
        self.heights: list[float] = []

    def wrap(self, avail_width: float, avail_height: float) -> tuple[float, float]:
        self.heights = [part.wrap(avail_width, avail_height)[1] for _, part in self.parts]
        self.width = avail_width
        self.height = self.above + sum(gap for gap, _ in self.parts) + sum(self.heights)
        return self.width, self.height

    def placed(self, above: float) -> Stack:
        return Stack(self.parts, above)

    def draw(self) -> None:
        y = self.height - self.above
        for (gap, part), height in zip(self.parts, self.heights, strict=True):
            y -= gap + height
            part.drawOn(self.canv, 0, y)

    def pieces(self, width: float, height: float) -> list[Stack]:
        """This stack cut into pieces no taller than `height`: only a question taller
        than a whole column (a key answer of hundreds of words) is ever cut."""
        self.wrap(width, height)
        if self.height <= height or not self.parts:
            return [self]
        room = height
        for index, ((gap, part), part_height) in enumerate(
            zip(self.parts, self.heights, strict=True)
        ):
            if gap + part_height <= room:
                room -= gap + part_height
                continue
            split = part.split(width, room - gap) if room > gap else []
            head = [*self.parts[:index], *([(gap, split[0])] if split else [])]
            tail = [(0.0, split[1] if split else part), *self.parts[index + 1 :]]
            if not any(h > 0 for h in self.heights[:index]) and not split:
                head, tail = [(gap, part)], self.parts[index + 1 :]  # too tall even alone
            if not tail:
                return [Stack(head)]
            marks = [(0.0, part) for _, part in self.parts if isinstance(part, Seen)]
            return [Stack(head), *Stack([*marks, *tail]).pieces(width, height)]
        return [self]


class KeyLine(CodeFlowable):
    """The key code line, in a band that hugs it: a sheet of them stays short.

    Sized and wrapped as any code block is (shrunk down to the theme's floor
    to fit, then wrapped at a space with a hanging indent); only the padding
    above and below is less.
    """

    def wrap(self, avail_width: float, avail_height: float) -> tuple[float, float]:
        self._layout(avail_width)
        lines = len(self.visual) * LEADING_CODE - (LEADING_CODE - 1)
        self.height = (lines + 2 * BAND) * self.size
        return self.width, self.height

    def draw(self) -> None:
        canvas, size, styles = self.canv, self.size, self.styles
        palette = styles.theme.palette
        canvas.saveState()
        if palette["code_background"] != palette["background"]:
            canvas.setFillColor(styles.color("code_background"))
            canvas.roundRect(0, 0, self.width, self.height, size * 0.3, stroke=0, fill=1)
        else:  # no fill, which costs toner: a hairline, as around code blocks
            canvas.setStrokeColor(styles.color("rule"))
            canvas.setLineWidth(HAIRLINE)
            canvas.roundRect(0, 0, self.width, self.height, size * 0.3, stroke=1, fill=0)
        mark = CodeRun(styles.code_font.regular, styles.color("muted"))
        y = self.height - (BAND + 0.8) * size
        for continuation, runs in self.visual:
            x = PADDING_EMS * size
            for piece, run in [(CONTINUATION, mark), *runs] if continuation else runs:
                canvas.setFont(run.font, size)
                canvas.setFillColor(run.color)
                canvas.drawString(x, y, piece)
                x += stringWidth(piece, run.font, size)
            y -= LEADING_CODE * size
        canvas.restoreState()


class Seen(Flowable):
    """Tells the running head which section the question that follows belongs to."""

    def __init__(self, head: RunningHead, section: str) -> None:
        super().__init__()
        self.head, self.section = head, section
        self.width = self.height = 0

    def wrap(self, avail_width: float, avail_height: float) -> tuple[float, float]:
        return 0, 0

    def draw(self) -> None:
        self.head.meet(self.section)


class RunningHead:
    """The section a page's head names: the first one met on the page."""

    def __init__(self) -> None:
        self.section = ""
        self.named = False

    def page_begins(self) -> None:
        self.named = False

    def meet(self, section: str) -> None:
        if not self.named:
            self.section, self.named = section, True


# Questions ----------------------------------------------------------------------


@dataclass
class Block:
    """One question (with the headings it opens) and the space it wants above it."""

    stack: Stack
    lead: float  # above it, unless it starts a column
    height: float = 0.0


def key_code_language(question: Question) -> str:
    """The language of the example whose fence marks the question's key line."""
    for token in shared_parser().parse(question.answer):
        if token.type == "fence" and any(
            flag.startswith(f"{KEY}=") for flag in token.info.split()[1:]
        ):
            return language_of(token.info)
    return ""


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
        lines = highlighted_lines(code, key_code_language(question), look.code)
        if "".join(text for line in lines for text, _ in line) != code:
            # Some lexers (console sessions) drop a last line that has no newline.
            lines = highlighted_lines(code, "", look.code)
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
