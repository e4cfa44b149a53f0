"""Text for the Markdown a converted field becomes: escaped so it stays text, and its
line structure (`BR`, `BLOCK` marks made during the walk) resolved as a browser shows it."""

from __future__ import annotations

import re

BR, BLOCK = "\x01", "\x02"  # a <br>, a block's edge: resolved into Markdown at the end
SAFE_SCHEMES = ("http", "https", "mailto")
DROPPED = ("script", "style", "template", "iframe", "object", "embed", "applet", "frame",
           "frameset", "noscript", "svg", "math", "canvas", "audio", "video", "head", "title",
           "select", "button", "input", "textarea", "form")  # fmt: skip

_ALWAYS = re.compile(r"([\\`*_\[\]<>&~|])")
_AT_LINE_START = re.compile(
    r"(^|\s)(?:(?P<mark>#{1,6}|[-+=]+)(?=\s|$)|(?P<brace>\{)|(?P<num>\d{1,9})(?=[.)](?:\s|$)))"
)
UNESCAPED_PIPE = re.compile(r"(?<!\\)\|")
SPACE = re.compile(r"[ \t\r\n\f]+")
_RUN = re.compile(r"[ \n\x01\x02]*[\x01\x02][ \n\x01\x02]*")
LANGUAGE = re.compile(r"(?:language|lang)-([a-z0-9+#-]{1,20})$")


def escape_text(text: str) -> str:
    """Plain text as Markdown that shows exactly it, wherever a line may start."""

    def line_start(match: re.Match[str]) -> str:
        lead = match.group(1)
        if match["mark"]:
            return lead + "\\" + match["mark"]
        if match["brace"]:
            return lead + "\\{"
        return lead + match["num"] + "\\"

    text = _ALWAYS.sub(r"\\\1", text)
    return _AT_LINE_START.sub(line_start, text)


def resolve_breaks(text: str, line_break: str, paragraph: str) -> str:
    """Turn the BR and BLOCK marks into Markdown as a browser shows them: a <br> ends a
    line, even an empty one; a block's edge ends a line only if it has text."""

    def one(match: re.Match[str]) -> str:
        if match.start() == 0 or match.end() == len(text):
            return ""
        run, ended, open_line = match.group(), 0, True
        for mark in run:
            if mark == BR or (mark == BLOCK and open_line):
                ended, open_line = ended + 1, False
        if ended >= 2 or run.count("\n") >= 2:
            return paragraph
        return line_break

    return _RUN.sub(one, text)


def emphasis(text: str, marker: str, tag: str) -> str:
    """`text` emphasised: in Markdown where it reads back as such, else as the HTML tag."""
    lead = " " if text[:1].isspace() else ""
    trail = " " if text[-1:].isspace() else ""
    inner = text.strip()
    if not inner:
        return lead or trail
    if BR in inner or BLOCK in inner or "\n" in inner:
        return text  # emphasis cannot span lines in Markdown
    if inner[0].isalnum() and inner[-1].isalnum():
        return f"{lead}{marker}{inner}{marker}{trail}"
    return f"{lead}<{tag}>{inner}</{tag}>{trail}"


def fence(code: str) -> str:
    longest = max((len(run) for run in re.findall(r"`{3,}", code)), default=2)
    return "`" * (longest + 1)
