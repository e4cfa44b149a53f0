"""The booklet: cover, contents, one section per level, and a topic index.

Two-sided (the default), sections start on right-hand pages and margins mirror
with a binding gutter; one-sided, every page is laid out as a right-hand page
and none is left blank. Each page has the section as a running header and
"Page X of Y" below.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from functools import partial
from html import escape
from pathlib import Path

from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import Flowable, Frame, PageBreak, PageTemplate, Spacer

from qexport.exporters.pdf.bounds import one_line
from qexport.exporters.pdf.document import (
    Document,
    document,
    key_answer,
    level_key,
    numbered_title,
    question_heading,
)
from qexport.exporters.pdf.flowables import (
    Anchor,
    Deferred,
    KeepStart,
    Para,
    RightHandFiller,
    SectionMark,
)
from qexport.exporters.pdf.markdown import FlowableRenderer
from qexport.exporters.pdf.pages import LEFT, RIGHT, NumberingCanvas, SidedTemplate, right_hand
from qexport.exporters.pdf.styles import CONTENTS_LEADING, Styles
from qexport.exporters.pdf.wording import SEPARATOR, Wording
from qexport.model import Question, QuestionSet

INNER, OUTER, TOP, BOTTOM = 22 * mm, 15 * mm, 22 * mm, 20 * mm
CONTENTS_KEY, INDEX_KEY = "contents", "topic-index"
NEAR_EMPTY = 1 / 3  # a last contents page filled less than this is not worth its paper
TIGHTEST = 1.15 / CONTENTS_LEADING  # contents lines never closer than 1.15 times their size
KEPT_SET = 2_000  # contents entries held set from measuring to drawing: about 20 MB


class TocEntry(Flowable):
    """One contents entry: its text, dot leaders and page number, all one link.

    A long entry wraps under its own text (a hanging indent past its number);
    the leaders and the page number end its last line. Its paragraph is set
    when it is measured or laid out, and let go once drawn: a contents of
    10,000 entries is measured ahead, but only its first KEPT_SET entries (the
    whole contents of most banks) are held set from then until drawn, and a
    page of the others.
    """

    def __init__(
        self,
        markup: str,
        key: str,
        base: ParagraphStyle,
        hanging: tuple[float, float],
        space: float,
    ) -> None:
        super().__init__()
        self.markup, self.key, self.base = markup, key, base
        self.indent, self.hang = hanging  # where its lines start; the first, `hang` less
        self.space = space  # the gap above the entry
        self.para: Para | None = None

    def _style(self) -> ParagraphStyle:
        base = self.base
        number_room = stringWidth("0000", base.fontName, base.fontSize) + base.fontSize * 0.4
        return ParagraphStyle(
            f"{base.name}-entry",
            parent=base,
            leftIndent=self.indent + self.hang,
            firstLineIndent=-self.hang,
            rightIndent=number_room,
        )

    def wrap(self, avail_width: float, avail_height: float) -> tuple[float, float]:
        if self.para is None:
            self.para = Para(self.markup, self._style())
        height = self.para.wrap(avail_width, avail_height)[1]
        self.width, self.height = avail_width, height + self.space
        return self.width, self.height

    def measure(self, width: float, height: float, keep: bool = False) -> float:
        """The entry's height at `width`; its set paragraph is held on to if `keep`, to
        be laid out without being set again. One that surely takes one line (`one_line`,
        most of them) is not even set."""
        style = self._style()
        if one_line(self.markup, style, width):
            return style.leading + self.space  # a paragraph of one line is its leading tall
        measured = self.wrap(width, height)[1]
        if not keep:
            self.para = None
        return measured

    def draw(self) -> None:
        canvas, para = self.canv, self.para
        assert para is not None  # wrap() comes first
        style = para.style
        para.drawOn(canvas, 0, 0)
        if isinstance(canvas, NumberingCanvas):
            canvas.setFillColor(style.textColor)
            # reportlab sets a paragraph's last baseline its leading less its size above its foot
            canvas.place_page_of(self.key, self.width, style.leading - style.fontSize)
        canvas.linkRect("", self.key, (0, 0, self.width, para.height), relative=1)
        self.para = None


def _entries(
    question_set: QuestionSet,
    styles: Styles,
    renderer: FlowableRenderer,
    spacing: float,
    words: Wording,
) -> list[TocEntry]:
    """Every entry, its lines `spacing` times as far apart as the style sets them."""
    level_style, question_style = styles.contents(True, spacing), styles.contents(False, spacing)
    level_space, question_space = styles.size * 0.8 * spacing, styles.size * 0.1 * spacing

    def level_entry(label: str, key: str) -> TocEntry:
        return TocEntry(escape(label), key, level_style, (0.0, 0.0), level_space)

    entries = []
    for level in question_set.levels:
        questions = question_set.in_level(level.id)
        if not questions:
            continue
        entries.append(level_entry(level.label, level_key(level.id)))
        for question in questions:
            number = f"{question.number}. "  # its lines wrap to the text after it
            hang = stringWidth(number, question_style.fontName, question_style.fontSize)
            markup = number + renderer.inline(question.question, question_style)
            hanging, space = (styles.size, hang), question_space
            entries.append(TocEntry(markup, question.id, question_style, hanging, space))
    entries.append(level_entry(words("topic_index"), INDEX_KEY))
    return entries


def _pages(top: float, heights: Sequence[float], frame_height: float) -> tuple[int, float]:
    """(pages, how full the last one is) for entries of `heights` below a heading `top` high.

    As reportlab's frame fills them: an entry that does not fit goes on, whole.
    """
    count, room = 1, frame_height - top
    for height in heights:
        if height > room + 1e-6:
            count, room = count + 1, frame_height
        room -= height
    return count, 1 - room / frame_height


def _contents(
    question_set: QuestionSet,
    styles: Styles,
    renderer: FlowableRenderer,
    frame: tuple[float, float],
    sides: int,
    words: Wording,
) -> list[Flowable]:
    """The contents, its lines tightened (to TIGHTEST at most) if that saves a near-empty page.

    Two-sided, only an odd last page is worth it: it costs a spread, with the blank after it.
    Every entry's height scales with the spacing, so the spacing that saves the page is
    found from one measurement, and checked once.
    """
    width, height = frame
    heading = Para(escape(words("contents")), styles.section)
    top = heading.wrap(width, height)[1] + heading.getSpaceAfter()
    entries = _entries(question_set, styles, renderer, 1.0, words)
    heights = _measured(entries, frame)
    count, fill = _pages(top, heights, height)
    if count > 1 and fill < NEAR_EMPTY and (sides == 1 or count % 2 == 1):
        for step in range(1, int((1 - TIGHTEST) * 100) + 1):
            spacing = 1 - step / 100
            if _pages(top, [h * spacing for h in heights], height)[0] < count:
                tight = _entries(question_set, styles, renderer, spacing, words)
                if _pages(top, _measured(tight, frame), height)[0] < count:
                    entries = tight
                    break
    return [heading, *entries]


def _measured(entries: Sequence[TocEntry], frame: tuple[float, float]) -> list[float]:
    """Every entry's height in `frame`; the first KEPT_SET of them stay set."""
    width, height = frame
    return [entry.measure(width, height, n < KEPT_SET) for n, entry in enumerate(entries)]


def _furniture(styles: Styles, paper: tuple[float, float], sides: int) -> Callable[..., None]:
    width, height = paper

    def draw(canvas: Canvas, _doc: object) -> None:
        assert isinstance(canvas, NumberingCanvas)
        if canvas.blank_page:
            canvas.blank_page = False
            return
        right = right_hand(canvas.getPageNumber(), sides)
        left_edge = INNER if right else OUTER
        right_edge = width - (OUTER if right else INNER)
        canvas.saveState()
        canvas.setFont(styles.body_font.italic, styles.size * 0.8)
        canvas.setFillColor(styles.color("muted"))
        header_y = height - TOP + 6 * mm
        if right:
            canvas.drawRightString(right_edge, header_y, canvas.section)
        else:
            canvas.drawString(left_edge, header_y, canvas.section)
        canvas.setStrokeColor(styles.color("rule"))
        canvas.setLineWidth(0.4)
        canvas.line(left_edge, header_y - 2.5 * mm, right_edge, header_y - 2.5 * mm)
        footer_y = BOTTOM - 10 * mm
        canvas.setFont(styles.body_font.regular, styles.size * 0.8)
        if right:
            canvas.place_page_x_of_y(right_edge, footer_y, RIGHT)
        else:
            canvas.place_page_x_of_y(left_edge, footer_y, LEFT)
        canvas.restoreState()

    return draw


def text_frame(paper: tuple[float, float]) -> tuple[float, float]:
    """The width and height of a page's text block, in points."""
    return paper[0] - INNER - OUTER, paper[1] - TOP - BOTTOM


def _templates(styles: Styles, paper: tuple[float, float], sides: int) -> list[PageTemplate]:
    """The cover, then one template for every other page: its frame follows the page's side."""
    frame_width, frame_height = text_frame(paper)

    def frame(x: float, name: str) -> Frame:
        return Frame(x, BOTTOM, frame_width, frame_height, 0, 0, 0, 0, id=name)

    def cover(canvas: Canvas, _doc: object) -> None:
        canvas.showOutline()
        # Ask the printer for the sides the layout is made for.
        canvas.setViewerPreference("Duplex", "DuplexFlipLongEdge" if sides == 2 else "Simplex")

    right, left = frame(INNER, "right-hand"), frame(OUTER, "left-hand")
    return [
        PageTemplate("cover", [frame(INNER, "cover")], onPage=cover, autoNextPageTemplate="page"),
        SidedTemplate("page", right, left, sides, onPageEnd=_furniture(styles, paper, sides)),
    ]


def _cover(question_set: QuestionSet, styles: Styles, words: Wording) -> list[Flowable]:
    meta = question_set.meta
    counts = question_set.counts_by_level()
    levels = SEPARATOR.join(
        words.level_count(counts[level.id], level.label) for level in question_set.levels
    )
    total = len(question_set.questions)
    lines = [
        Spacer(1, 60 * mm),
        Para(escape(meta.title), styles.title),
        Para(escape(meta.description), styles.centered),
        Spacer(1, 12 * mm),
        Para(escape(words.questions(total, levels)), styles.centered),
        Spacer(1, 30 * mm),
        Para(escape(words("version", version=meta.version)), styles.centered),
    ]
    if meta.author:
        lines.append(Para(escape(meta.author), styles.centered))
    return lines


def _new_section(doc: Document, title: str, key: str, sides: int) -> list[Flowable]:
    """A new page for a section; two-sided, a right-hand one, after a blank if need be."""
    filler = [RightHandFiller(lambda: doc.page)] if sides == 2 else []
    return [PageBreak(), *filler, SectionMark(title), Anchor(key, title, 0)]


def _question(
    question: Question,
    question_set: QuestionSet,
    styles: Styles,
    renderer: FlowableRenderer,
    lead: list[Flowable],
) -> list[Flowable]:
    topic = question_set.topic(question.topic).label
    label = Para(escape(topic), styles.label)
    text = question_heading(renderer.numbered_question(question), question.number, styles.question)
    answer = [*key_answer(question, renderer), *renderer.render(question.answer)]
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
    sides: int = 2,
) -> None:
    """The booklet at `path`, to print on both sides of the paper (sides=2) or on one."""
    if sides not in (1, 2):
        raise ValueError(f"a booklet is printed on 1 or 2 sides, not {sides}")
    doc = document(path, question_set, styles, paper)
    doc.addPageTemplates(_templates(styles, paper, sides))
    renderer = FlowableRenderer(styles, image_path, text_frame(paper)[1])
    words = doc.words
    story: list[Flowable] = _cover(question_set, styles, words)

    story += _new_section(doc, words("contents"), CONTENTS_KEY, sides)
    story += _contents(question_set, styles, renderer, text_frame(paper), sides, words)

    for level in question_set.levels:
        questions = question_set.in_level(level.id)
        if not questions:
            continue
        story += _new_section(doc, level.label, level_key(level.id), sides)
        lead: list[Flowable] = [Para(escape(level.label), styles.section)]
        for question in questions:
            story.append(
                Deferred(partial(_question, question, question_set, styles, renderer, lead))
            )
            lead = []

    story += _new_section(doc, words("topic_index"), INDEX_KEY, sides)
    story.append(Para(escape(words("topic_index")), styles.section))
    accent = styles.theme.palette["accent"]
    for topic in question_set.topics:
        numbers = [q for q in question_set.questions if q.topic == topic.id]
        if numbers:
            links = ", ".join(
                f'<a href="#{q.id}" color="{accent}">{q.number}</a>' for q in numbers
            )
            story.append(Para(f"<b>{escape(topic.label)}</b>: {links}", styles.body))
    doc.build_story(story)
