"""Key answers: the one to three lines a learner must recall, marked in the source.

A key answer is the answer's first paragraph with `{.key}` on the line above
it, the attribute syntax of the question's own `{#id ...}` line::

    ## What is the difference between a list and a tuple?

    {.key}
    A list is mutable; a tuple is not, so a tuple of hashable items can be a dict key.

    A list is mutable: you can append, ... (the details)

Every output shows it first and apart from the details; the cheat sheet shows
nothing else. set.toml's `key_answers = "required"` makes a missing one an error.
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING

from qexport.codeblocks import CodeBlock, key_code
from qexport.errors import ContentError, ContentWarning
from qexport.level_tokens import is_question_heading, line_attributes

if TYPE_CHECKING:
    from markdown_it.token import Token

    from qexport.model import Question

KEY_CLASS = "key"
OPTIONAL, REQUIRED = "optional", "required"
POLICIES = (OPTIONAL, REQUIRED)
# What a learner recalls and grades in seconds: one to three short lines.
MAX_KEY_WORDS = 35
SYNTAX_HINT = "put {.key} on the line above the answer's first paragraph"
# What an author, a template or a converter writes where the answer is still to come,
# compared as words in lower case: "**TODO.**" and "Your answer here:" are placeholders.
PLACEHOLDERS = frozenset(
    {
        "answer",
        "answer here",
        "answer goes here",
        "your answer",
        "your answer here",
        "write the answer here",
        "write your answer here",
        "insert answer here",
        "add answer",
        "add answer here",
        "add the answer here",
        "placeholder",
        "coming soon",
        "to be written",
        "to be done",
    }
)
# A first word that says the rest is a note to self: "TODO: explain the MRO".
PLACEHOLDER_OPENINGS = frozenset({"todo", "tbd", "tba", "fixme", "xxx", "wip"})
_WORD = re.compile(r"[^\W_]+")  # letters and digits: Markdown's `*_#>` and punctuation go
# "TODO", "TODO: explain", "TBD." mark a gap; "TODO lists are ..." or "XXX is ..." are text.
_MARKER = re.compile(
    r"(?:[\s*_#>(\[+-]|\d+[.)])*"  # list, quote and emphasis marks
    r"[A-Za-z]+[\s*_)\]]*(?:$|[:.!(\-\u2013\u2014\u2026])"  # the word, then an end or a mark
)
PLACEHOLDER_MARKS = frozenset(".?!-\u2013\u2014\u2026*_ \n")  # and en/em dash, ellipsis


def word_count(markdown: str) -> int:
    """Words as a reader counts them: tokens with a letter or digit (`"1" + 1` is two)."""
    # isalnum() first: most words are letters only, and it asks in C what any() asks per character.
    return sum(1 for word in markdown.split() if word.isalnum() or any(map(str.isalnum, word)))


def is_key(token: Token) -> bool:
    return token.type == "paragraph_open" and token.attrs == {"class": KEY_CLASS}


def key_paragraph(
    body: Sequence[Token], lines: Sequence[str], path: Path, errors: list[ContentError]
) -> tuple[str, int, int]:
    """(key Markdown, its first file line, the 0-based line after it), or ('', 0, 0).

    `body` is the answer's top-level block tokens. Only its first block can be the key.
    """
    misplaced = [t for t in body[1:] if is_key(t)]
    for token in misplaced:
        errors.append(
            ContentError(
                "a key answer must be the answer's first paragraph, right under the question",
                path,
                _attribute_line(lines, (token.map or [0])[0]),
            )
        )
    if not body or not is_key(body[0]) or body[0].map is None:
        return "", 0, 0
    start, end = body[0].map
    # lstrip: a line's two trailing spaces, kept by normalize, are a hard line break.
    text = "\n".join(line.lstrip() for line in lines[start:end])
    return text, start + 1, end


def _attribute_line(lines: Sequence[str], start: int) -> int:
    """The file line of the `{.key}` above the paragraph at 0-based `start`: blank lines
    may stand between them."""
    above = start - 1
    while above > 0 and not lines[above].strip():
        above -= 1
    return above + 1


def check(
    questions: Sequence[Question], policy: str
) -> tuple[list[ContentError], list[ContentWarning]]:
    """Missing key answers (errors where `policy` requires them) and over-long ones."""
    errors: list[ContentError] = []
    notes: list[ContentWarning] = []
    for question in questions:
        notes.extend(placeholders(question))
        if not question.key:
            if policy == REQUIRED:
                message = f"no key answer ({SYNTAX_HINT}); set.toml requires one"
                errors.append(ContentError(message, question.path, question.line))
            else:
                notes.append(ContentWarning(f"no key answer: {SYNTAX_HINT}", *_at(question)))
        elif (words := word_count(question.key)) > MAX_KEY_WORDS:
            notes.append(
                ContentWarning(
                    f"the key answer has {words} words; keep it to {MAX_KEY_WORDS} or fewer "
                    "and move the rest to the details",
                    question.path,
                    question.key_line,
                )
            )
    return errors, notes


def is_placeholder(markdown: str) -> bool:
    """Whether `markdown` only holds the place of an answer: 'Answer here', 'TODO: ...',
    'Lorem ipsum ...', or nothing but punctuation ('...', '?', '-')."""
    words = _WORD.findall(markdown.casefold())
    if not words:  # dots, dashes or a '?' (but code is content: `...` is Python's Ellipsis)
        return bool(markdown.strip()) and set(markdown) <= PLACEHOLDER_MARKS
    return (
        " ".join(words) in PLACEHOLDERS
        or (words[0] in PLACEHOLDER_OPENINGS and _MARKER.match(markdown) is not None)
        or words[:2] == ["lorem", "ipsum"]
    )


def placeholders(question: Question) -> list[ContentWarning]:
    """A warning for a key answer, or details, that only hold the place of an answer.

    An answer that is its key answer alone is not one: a short fact needs no details.
    """
    notes = []
    if question.key and is_placeholder(question.key):
        notes.append(
            ContentWarning(
                f"the key answer is a placeholder ({_quoted(question.key)}): write the answer",
                question.path,
                question.key_line,
            )
        )
    if question.answer and is_placeholder(question.answer):
        what = "the details are" if question.key else "the answer is"
        advice = "write them, or delete them: a key answer alone is an answer"
        notes.append(
            ContentWarning(
                f"{what} a placeholder ({_quoted(question.answer)}): "
                + (advice if question.key else "write the answer"),
                question.path,
                question.answer_line or question.line,
            )
        )
    return notes


def _quoted(markdown: str) -> str:
    text = " ".join(markdown.split())
    return repr(text if len(text) <= 40 else text[:39] + "…")


def _at(question: Question) -> tuple[Path, int]:
    return question.path, question.line


def stray_attributes(tokens: Sequence[Token], path: Path) -> list[ContentWarning]:
    """Attribute lines that no output understands: each would print as text."""
    notes = []
    for token in tokens:
        if (
            not line_attributes(token)
            or token.map is None
            or (token.level == 0 and _understood(token))
        ):
            continue
        notes.append(
            ContentWarning(
                "this attribute line is shown as text: only {#id ...} above a question and "
                "{.key} above an answer's first paragraph are understood",
                path,
                token.map[0],  # the attribute line, just above the block
            )
        )
    return notes


def _understood(token: Token) -> bool:
    return is_question_heading(token) or is_key(token)


def class_on_question(classes: str) -> str:
    """What is wrong with `{.name}` above a question heading: it is written as the author
    wrote it, never as markdown-it's 'class' attribute."""
    if KEY_CLASS in classes.split():
        return (
            "{.key} stands above a question heading here: put it on the line above the "
            "answer's first paragraph (text with a line of --- under it is a heading)"
        )
    written = " ".join(f".{name}" for name in classes.split())
    return f"unknown attribute '{written}'"


def with_key_code(
    questions: list[Question],
    blocks: Sequence[CodeBlock],
    headings: Sequence[int],  # the file's question heading lines, in order
    errors: list[ContentError],
) -> list[Question]:
    """Each question with the code line its example marks `key=N`: one at most."""
    own: dict[int, CodeBlock] = {}  # by the line of the question it belongs to
    for block in (b for b in blocks if b.key_line is not None):
        at = bisect.bisect_left(headings, block.line) - 1
        if at < 0:
            continue  # before the first question
        if headings[at] in own:
            message = "a question marks one key code line at most (the cheat sheet prints one)"
            errors.append(ContentError(message, block.path, block.line))
        else:
            own[headings[at]] = block
    return [
        replace(q, key_code=key_code(own[q.line]), key_code_language=own[q.line].language)
        if q.line in own
        else q
        for q in questions
    ]
