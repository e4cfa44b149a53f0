"""Reading content files as clean text.

Every file is decoded as strict UTF-8 and normalized before it is parsed, so
the model never depends on the author's editor: Unicode NFC, `\\n` line
endings, no trailing white space, no tabs. None of these steps adds or removes
a line, so line numbers still point into the file as the author sees it.

One kind of trailing white space is text: in Markdown, two or more spaces at
the end of a line that the paragraph continues after are a hard line break
(CommonMark). Those lines keep exactly two; see `_keeps_hard_break`.
"""

from __future__ import annotations

import re
import unicodedata
from pathlib import Path

from qexport.errors import ContentError

TAB_WIDTH = 4
# A content file larger than this is a mistake (or an attack), not a question bank.
MAX_FILE_BYTES = 16 * 1024 * 1024


def decode(data: bytes, path: Path) -> str:
    """`data` as text, or a ContentError at the line of the first bad byte."""
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        column = exc.start - (data.rfind(b"\n", 0, exc.start) + 1) + 1
        byte = data[exc.start]
        raise ContentError(
            f"not valid UTF-8: byte 0x{byte:02x} at column {column}; save the file as UTF-8",
            path,
            line,
        ) from None
    return text.removeprefix("\ufeff")


def normalize(text: str, markdown: bool = False) -> str:
    """NFC, `\\n` line endings, tabs expanded, trailing white space removed.

    In `markdown`, a hard line break's trailing spaces are kept, as two.
    """
    text = unicodedata.normalize("NFC", text)
    raw = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    lines = [line.expandtabs(TAB_WIDTH).rstrip() for line in raw]
    if markdown and any(line.endswith(HARD_BREAK) for line in raw):
        for index in _hard_breaks(raw):
            lines[index] += HARD_BREAK
    return "\n".join(lines)


HARD_BREAK = "  "  # CommonMark: two or more spaces before a line end
# A line that opens or closes a fenced code block, in a list or quote too.
_ANY_FENCE = re.compile(r"[ >]*(`{3,}|~{3,})")
# Lines a paragraph never runs into or out of: a heading, an attribute line, a rule.
_NOT_PARAGRAPH = re.compile(r" {0,3}(?:#{1,6}(?:\s|$)|\{.*\}\s*$|(?:[-*_]\s*){3,}$)")


def _hard_breaks(raw: list[str]) -> list[int]:
    """The indexes of the lines of `raw` that end in a hard line break.

    Outside code, a line with text that ends in two spaces breaks only if its
    paragraph goes on: the next line has text that is not a fence, a heading or
    an attribute line. Elsewhere (a paragraph's last line, a blank line, a
    heading, code) the spaces mean nothing, and they go.
    """
    found = []
    fence = ""  # the marker of the code block the line is in, if any
    for index, line in enumerate(raw):
        marker = _ANY_FENCE.match(line)
        if marker and (not fence or marker.group(1).startswith(fence)):
            fence = "" if fence else marker.group(1)
            continue
        after = raw[index + 1] if index + 1 < len(raw) else ""
        if not fence and _keeps_hard_break(line, after):
            found.append(index)
    return found


def _keeps_hard_break(line: str, after: str) -> bool:
    return (
        line.endswith(HARD_BREAK)
        and bool(line.strip())
        and not _NOT_PARAGRAPH.match(line)
        and bool(after.strip())
        and not _ANY_FENCE.match(after)
        and not _NOT_PARAGRAPH.match(after)
    )


def check_inside(path: Path, folder: Path) -> None:
    """A ContentError unless `path`, links followed, is a file inside `folder`.

    A content file that is a link to a file elsewhere (another project, a
    secret) must not be read into decks that are then shared.
    """
    try:
        inside = path.resolve().is_relative_to(folder.resolve())
    except (OSError, RuntimeError) as exc:  # RuntimeError: a link loop, before Python 3.13
        raise ContentError(f"cannot read the file: {exc}", path) from None
    if not inside:
        raise ContentError("the file is a link that leads out of the content folder", path)


def read_text(path: Path, within: Path | None = None) -> str:
    """The normalized text of the file at `path`, which must lie `within` that folder if given."""
    if within is not None:
        check_inside(path, within)
    try:
        size = path.stat().st_size
        if size > MAX_FILE_BYTES:
            raise ContentError(
                f"the file is {size / 1024 / 1024:.1f} MB; content files may be at most "
                f"{MAX_FILE_BYTES // 1024 // 1024} MB (split it)",
                path,
            )
        data = path.read_bytes()
    except OSError as exc:
        raise ContentError(f"cannot read the file: {exc.strerror or exc}", path) from None
    return normalize(decode(data, path), markdown=path.suffix.lower() == ".md")


# Never text: C0 and C1 controls (normalize has already made line ends "\n" and
# tabs spaces), the bidirectional embeddings and overrides that make text show
# in another order than it is stored, and the two noncharacters. The renderers
# would drop them, turn them into U+FFFD, or reorder what the learner reads.
# The isolates (U+2066-U+2069), the way to embed right-to-left text, are text:
# they cannot reorder anything outside themselves.
NOT_TEXT = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\ufffe\uffff]")
MAX_CHARACTER_ERRORS = 20
# A numeric character reference such as &#x202E; is that character once rendered.
# (Markdown turns controls and noncharacters written so into U+FFFD; not these.)
_REFERENCE = re.compile(r"&#(?:[xX]([0-9a-fA-F]{1,6})|([0-9]{1,7}));")
# In code, a reference shows as written: it is not checked there.
_FENCE = re.compile(r" {0,3}(`{3,}|~{3,})")
_BACKTICKS = re.compile(r"`+")
_OVERRIDES = range(0x202A, 0x202F)


def check_characters(text: str, path: Path) -> list[ContentError]:
    """A located error for each line of `text` with a character that is not text."""
    if not NOT_TEXT.search(text) and "&#" not in text:
        return []  # the common case: one pass over the text
    errors = []
    fence = ""  # the marker of the code block the line is in, if any
    for number, line in enumerate(text.split("\n"), 1):
        marker = _FENCE.match(line)
        if marker and (not fence or marker.group(1).startswith(fence)):
            fence = "" if fence else marker.group(1)
        found = _not_text(line, in_code=bool(fence) or bool(marker))
        if found:
            char, column, written = found
            name = unicodedata.name(
                char, "a noncharacter" if char > "\ufffd" else "a control character"
            )
            errors.append(
                ContentError(
                    f"U+{ord(char):04X} ({name}){written} at column {column} is not text; "
                    "remove it",
                    path,
                    number,
                )
            )
            if len(errors) == MAX_CHARACTER_ERRORS:
                break
    return errors


def _without_code_spans(line: str) -> str:
    """`line` with its code spans blanked out, so columns still count as written.

    A span runs from a run of backticks to the next run of the same length;
    one pass over the runs, so a line of a million backticks costs no more.
    """
    spans = []
    opened: dict[int, int] = {}  # run length -> where the first open run of it starts
    for run in _BACKTICKS.finditer(line):
        length = len(run.group())
        if length in opened:
            spans.append((opened[length], run.end()))
            opened.clear()  # runs inside a span are code, not openers
        else:
            opened[length] = run.start()
    pieces, done = [], 0
    for start, end in spans:
        pieces += [line[done:start], " " * (end - start)]
        done = end
    return "".join([*pieces, line[done:]])


def _not_text(line: str, in_code: bool) -> tuple[str, int, str] | None:
    """The first character of `line` that is not text: itself, its column, how written."""
    found = NOT_TEXT.search(line)
    if found:
        return found.group(), found.start() + 1, ""
    if in_code or "&#" not in line:
        return None
    for reference in _REFERENCE.finditer(_without_code_spans(line)):
        hexadecimal, decimal = reference.groups()
        code = int(hexadecimal, 16) if hexadecimal else int(decimal)
        if code in _OVERRIDES:
            return chr(code), reference.start() + 1, f", written as {reference.group()},"
    return None


def squeeze_blank_lines(lines: list[str], keep: set[int]) -> list[str]:
    """`lines` without leading, trailing or repeated blank lines.

    Lines whose index is in `keep` (the inside of code blocks) are left alone.
    """
    return [lines[index] for index in kept_lines(lines, keep)]


def kept_lines(lines: list[str], keep: set[int]) -> list[int]:
    """The indexes of the lines `squeeze_blank_lines` keeps, so each maps back to its file line."""
    result: list[int] = []
    for index, line in enumerate(lines):
        if not line and index not in keep and (not result or not lines[result[-1]]):
            continue
        result.append(index)
    while result and not lines[result[-1]]:
        result.pop()
    return result
