"""What a PDF could not print, found before anything is built.

`qexport validate`, `qexport all` and `qexport pdf` run these first, so the
content is checked once, with every problem reported together: characters
the theme's fonts lack in any face (one line per character and file, both
fonts in one run), questions too long for a flash card, images that would
print blurred.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from qexport.errors import ContentError, ContentWarning
from qexport.exporters.pdf.wording import has_wording, known_languages, wording
from qexport.metadata import METADATA_FILE
from qexport.toml_lines import key_line

if TYPE_CHECKING:
    from qexport.exporters.pdf.cards import CardMaker
    from qexport.exporters.pdf.images import Printed
    from qexport.exporters.pdf.styles import Styles
    from qexport.fonts import FontFamily
    from qexport.model import Question, QuestionSet

SHARP_DPI = 150
PAPER_LABELS = {"a4": "A4", "letter": "Letter"}
SHOWN_LINES = 5  # of a missing character's lines, in its one message
FACE_WORDS = {
    "regular": "regular",
    "bold": "bold",
    "italic": "italic",
    "bold_italic": "bold italic",
}
SET_FIELDS = ("title", "description", "author", "version")  # what the PDFs print of [set]


@dataclass
class _Missing:
    """Where one character, missing from one font, occurs in one file."""

    font: FontFamily
    count: int = 0
    lines: list[int] = field(default_factory=list)


def pdf_problems(
    question_set: QuestionSet,
    styles: Styles,
    layout: str,
    paper: str,
    image_path: Callable[[str], Path],
) -> list[ContentError | ContentWarning]:
    """Every problem printing `question_set` in `layout` on `paper` (its name) would meet."""
    from qexport.exporters.pdf.styles import PAPERS

    problems: list[ContentError | ContentWarning] = []
    problems += missing_glyphs(question_set, styles)
    problems += language_without_wording(question_set)
    if layout == "cards":
        problems += _questions_too_long_for_a_card(question_set, styles, PAPERS[paper], image_path)
    if layout != "cheatsheet":  # it prints no images
        problems += blurred_images(question_set, styles, layout, paper, image_path)
    return problems


# A release checks every layout and paper of a theme: they print the same characters in
# the same fonts, so each set is read once per theme and pair of fonts (the set itself is
# kept with its result, so that another set at the same address is never taken for it).
_GLYPHS: dict[tuple[int, str, str, str], tuple[QuestionSet, list[ContentError]]] = {}
_GLYPHS_KEPT = 8


def missing_glyphs(question_set: QuestionSet, styles: Styles) -> list[ContentError]:
    """One error per character a font of `styles` lacks, per file: its count and first lines."""
    body, code = styles.body_font, styles.code_font
    key = (id(question_set), str(styles.theme.path), body.regular, code.regular)
    cached = _GLYPHS.get(key)
    if cached is not None and cached[0] is question_set:
        return list(cached[1])
    errors = _missing_glyphs(question_set, styles, body, code)
    if len(_GLYPHS) >= _GLYPHS_KEPT:
        _GLYPHS.clear()
    _GLYPHS[key] = (question_set, errors)
    return list(errors)


def _missing_glyphs(
    question_set: QuestionSet, styles: Styles, body: FontFamily, code: FontFamily
) -> list[ContentError]:
    found: dict[tuple[Path, str, str], _Missing] = {}

    def note(path: Path, font: FontFamily, text: str, line: int | None) -> None:
        for char in font.missing(text):
            missing = found.setdefault((path, font.label, char), _Missing(font))
            missing.count += text.count(char)
            if line is not None and line not in missing.lines:
                missing.lines.append(line)

    metadata = question_set.content_dir / METADATA_FILE
    for text, line in _set_texts(question_set):
        note(metadata, body, text, line)
    both = body.codepoints & code.codepoints
    for question in question_set.questions:
        printed = (question.question, question.key, question.answer)
        if all(_all_in(both, text) for text in printed):
            continue  # the common case: no need to tell code from prose
        for text, is_code, line in _texts(question):
            note(question.path, code if is_code else body, text, line)
    errors = _wording_glyphs(question_set, body)
    errors += [_glyph_error(path, char, missing) for (path, _, char), missing in found.items()]
    if errors:
        last = errors[-1]
        hint = _hint(styles, body, code, question_set.content_dir)
        errors[-1] = ContentError(f"{last.message}\n  hint: {hint}", last.path, last.line)
    return errors


def _wording_glyphs(question_set: QuestionSet, body: FontFamily) -> list[ContentError]:
    """One error for all the characters of the PDFs' own words that the body font lacks.

    They are the table's, not the author's: one line says it, not one per character.
    """
    words = wording(question_set.meta.language)
    lacking = body.missing(words.printed())
    if not lacking:
        return []
    shown = ", ".join(f"'{char}'" for char in lacking[:SHOWN_LINES])
    more = f" and {len(lacking) - SHOWN_LINES} more" if len(lacking) > SHOWN_LINES else ""
    message = (
        f"the PDFs print their own words (such as '{words('contents')}') in the language "
        f"'{question_set.meta.language}', but the font {body.label} lacks {len(lacking)} of "
        f"their characters ({shown}{more})"
    )
    path = question_set.content_dir / METADATA_FILE
    return [ContentError(message, path, _language_line(question_set))]


def language_without_wording(question_set: QuestionSet) -> list[ContentWarning]:
    """A warning if the PDFs have no words in the set's language (they fall back to English)."""
    language = question_set.meta.language
    if has_wording(language):
        return []
    message = (
        f"the PDFs have no wording in the language '{language}', so they print their own words "
        f"(Contents, Page X of Y...) in English; there is wording for {known_languages()}: "
        "a language is added to WORDING in qexport/exporters/pdf/wording.py"
    )
    path = question_set.content_dir / METADATA_FILE
    return [ContentWarning(message, path, _language_line(question_set))]


def _language_line(question_set: QuestionSet) -> int | None:
    from qexport.normalize import read_text

    path = question_set.content_dir / METADATA_FILE
    return key_line(read_text(path), "set", "language") if path.is_file() else None


def _set_texts(question_set: QuestionSet) -> Iterator[tuple[str, int | None]]:
    """(text, line) for each part of set.toml the PDFs print, at the line that sets it."""
    from qexport.normalize import read_text

    path = question_set.content_dir / METADATA_FILE
    text = read_text(path) if path.is_file() else ""
    meta = question_set.meta
    values = [("set", key, getattr(meta, key)) for key in SET_FIELDS]
    values += [("levels", level.id, level.label) for level in question_set.levels]
    values += [("topics", topic.id, topic.label) for topic in question_set.topics]
    raw = text.split("\n")
    for table, key, value in values:
        line = key_line(text, table, key) if text else None
        if line is None or "\n" not in value:
            yield value, line
            continue
        # A multi-line string (the description): each of its lines where it is written.
        at = line
        for part in value.split("\n"):
            written = part.strip()
            found = next((n for n in range(at, len(raw) + 1) if written in raw[n - 1]), None)
            at = found or at
            yield part, found or line


def _glyph_error(path: Path, char: str, missing: _Missing) -> ContentError:
    from qexport.fonts import describe

    times = f"{missing.count} time{'s' if missing.count != 1 else ''}"
    where = ""
    if missing.lines:
        shown = ", ".join(str(line) for line in missing.lines[:SHOWN_LINES])
        more = len(missing.lines) - SHOWN_LINES
        where = f", on line{'s' if len(missing.lines) > 1 else ''} {shown}"
        where += f" and {more} more" if more > 0 else ""
    absent, shown_in = _not_in(missing.font, char)
    message = f"{describe(char)} is not in {absent}, so the PDF cannot show it{shown_in}"
    message += f" ({times}{where})"
    return ContentError(message, path, missing.lines[0] if missing.lines else None)


def _not_in(font: FontFamily, char: str) -> tuple[str, str]:
    """What lacks `char`: the font, or some of its faces; and then in what text it cannot print."""
    lacking = font.faces_without(char)
    if not lacking:  # no face has it
        return f"the font {font.label}", ""
    words = [FACE_WORDS[face] for face, _ in lacking]
    faces = words[0] if len(words) == 1 else f"{', '.join(words[:-1])} and {words[-1]}"
    files = ", ".join(dict.fromkeys(name for _, name in lacking))
    plural = "s" if len(words) > 1 else ""
    if "bold" in words and "italic" in words and "bold italic" in words:
        words.remove("bold italic")  # "bold or italic text" says it already
    return f"the {faces} face{plural} of the font {font.label} ({files})", (
        f" in {' or '.join(words)} text"
    )


def _hint(styles: Styles, body: FontFamily, code: FontFamily, content_dir: Path) -> str:
    """Which fonts lack the characters, and where a theme with fonts that have them goes."""
    from qexport.themes import THEME_FILE, project_themes

    theme = styles.theme
    fonts = f"the theme '{theme.name}' prints text in {body.label} and code in {code.label}"
    if not theme.builtin:  # the project's own: its author changes its fonts
        return (
            f"{fonts}; name fonts that cover these characters in [fonts] of {theme.path}: "
            "a fontpkg family, or TrueType files in its folder (see Themes in the README)"
        )
    theme_file = project_themes(content_dir) / "NAME" / THEME_FILE
    return (
        f"{fonts}; for these characters, add a theme whose fonts have them as {theme_file} "
        "(a fontpkg family, or TrueType files in its folder) and choose it with --theme NAME "
        "(see Themes in the README)"
    )


def _all_in(codepoints: frozenset[int], text: str) -> bool:
    """Whether `codepoints` hold every character of `text`; never when it has an entity (&...;)."""
    return "&" not in text and all(ord(char) in codepoints for char in set(text) - _CONTROL)


_CONTROL = set("\n\r\t")


def _texts(question: Question) -> Iterator[tuple[str, bool, int]]:
    """(text, is code, file line) for everything of `question` that gets printed."""
    from qexport.render import shared_parser

    parser = shared_parser()
    # Parsed, not raw: Markdown turns entities such as &lambda; into the characters printed.
    for text, line in ((question.question, question.line), (question.key, question.key_line)):
        for token in parser.parseInline(text) if text else ():
            for child in token.children or []:
                yield child.content, child.type == "code_inline", line
    for token in parser.parse(question.answer):
        line = question.answer_line + (token.map[0] if token.map else 0)
        if token.type in ("fence", "code_block"):
            yield token.content, True, line
        for child in token.children or []:
            yield child.content, child.type == "code_inline", line


def _questions_too_long_for_a_card(
    question_set: QuestionSet,
    styles: Styles,
    paper: tuple[float, float],
    image_path: Callable[[str], Path],
) -> list[ContentError]:
    from qexport.exporters.pdf.cards import CardMaker, card_box, front_problem

    maker = CardMaker(question_set, styles, card_box(paper), image_path)
    problems = (
        check(maker, question)
        for question in question_set.questions
        for check in (front_problem, _key_problem)
    )
    return [problem for problem in problems if problem is not None]


def _key_problem(maker: CardMaker, question: Question) -> ContentError | None:
    """Why `question`'s key answer cannot fit a card's back, or None. Only a key answer
    too long to fit at full size is laid out with its details, as the cards do."""
    from qexport.exporters.pdf.cards import KEY_SURELY_FITS

    if len(question.key) <= KEY_SURELY_FITS or maker.key_fits(question):
        return None
    try:
        maker.cards_for(question)
    except ContentError as problem:
        return problem
    return None


def image_frame(layout: str, paper: tuple[float, float], styles: Styles) -> tuple[float, float]:
    """The widest and tallest room an answer's image gets in `layout` at `styles`, in points."""
    from qexport.exporters.pdf import booklet, cards, cheatsheet

    if layout == "booklet":
        return booklet.text_frame(paper)
    if layout == "cheatsheet":
        return cheatsheet.text_frame(paper)
    return cards.text_frame(paper, styles)


def blurred_images(
    question_set: QuestionSet,
    styles: Styles,
    layout: str,
    paper: str,
    image_path: Callable[[str], Path],
) -> list[ContentWarning]:
    """A warning for each image shown where it would print below SHARP_DPI.

    In `layout`, at its `styles`, on `paper` (its name); `image_path` finds the
    file behind an image's `src`, as the PDF does.
    """
    from PIL import Image

    from qexport.exporters.pdf.images import height_cap, image_dpi, print_size, upright_size
    from qexport.exporters.pdf.styles import PAPERS
    from qexport.lengths import image_lengths
    from qexport.media import shown_images, shown_name

    frame = image_frame(layout, PAPERS[paper], styles)
    room = (frame[0], height_cap(frame[1], styles.body.leading))
    where = f"the {layout} ({PAPER_LABELS.get(paper, paper)})"
    sizes: dict[Path, tuple[int, int]] = {}
    warnings = []
    for question in question_set.questions:
        for shown in shown_images(question.answer):
            path = image_path(shown.src)
            if path not in sizes:
                with Image.open(path) as opened:
                    sizes[path] = upright_size(opened)
            lengths = image_lengths(shown.width, shown.height)
            printed = print_size(sizes[path], image_dpi(path), lengths, room)
            dpi = sizes[path][0] * 72 / printed.width
            if dpi < SHARP_DPI:
                sized = lengths != (None, None)
                name = shown_name(shown.src)
                message = _blurred_message(name, sizes[path], printed, sized, where)
                line = question.answer_line + shown.line
                warnings.append(ContentWarning(message, question.path, line))
    return warnings


def _blurred_message(
    image: str, pixels: tuple[int, int], printed: Printed, sized: bool, where: str
) -> str:
    """What is blurred, and the advice that makes it sharp (a test checks that it does)."""
    width_mm = printed.width * 25.4 / 72
    dpi = pixels[0] * 72 / printed.width
    blurred = (
        f"image '{image}' ({pixels[0]} x {pixels[1]} px) prints {width_mm:.0f} mm wide in "
        f"{where} at {dpi:.0f} dpi, blurred on paper"
    )
    needed = math.ceil(printed.width * SHARP_DPI / 72)
    if printed.shrunk or sized:  # its size is set: only pixels can help
        why = "shrunk to fit" if printed.shrunk else "at the width it is given"
        return f"{blurred}: {why}, so at that size one at least {needed:,} px wide prints sharp"
    sharp_mm = f"{math.floor(pixels[0] / SHARP_DPI * 254) / 10:g}"  # down to 0.1 mm
    return (
        f'{blurred}: give it a width of at most {sharp_mm} mm ({{width="{sharp_mm}mm"}}), '
        f"or one at least {needed:,} px wide with a DPI of {SHARP_DPI} or more"
    )
