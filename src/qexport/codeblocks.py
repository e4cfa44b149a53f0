"""Fenced code blocks in answers, and the check that Python ones compile.

The info string names the language, then optional flags::

    ```python                      compiled by `qexport validate`, run by the tests
    ```python compile-only         compiled, never run: it needs a server or a package
    ```python norun                highlighted only: a fragment, or a quoted mistake
    ```python requires=3.12        compiled and run only on Python 3.12 or newer
    ```python key=3                line 3 is the one the cheat sheet prints (any language)
"""

from __future__ import annotations

import re
import sys
import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from markdown_it.token import Token

from qexport.errors import ContentError, ContentWarning, did_you_mean

PYTHON_NAMES = frozenset({"python", "py", "python3"})
NORUN = "norun"
COMPILE_ONLY = "compile-only"
REQUIRES = "requires"
KEY = "key"
FLAGS = (NORUN, COMPILE_ONLY, f"{REQUIRES}=3.12", f"{KEY}=1")
# What a compile error suggests to an author whose block is not meant to be Python that runs.
OPT_OUT = (
    "if it is not meant to compile, mark the block `python norun` (highlighted, never "
    "compiled) or name another language"
)


@dataclass(frozen=True)
class CodeBlock:
    language: str
    code: str
    runnable: bool  # the tests run it
    requires: tuple[int, int] | None  # the oldest Python that can compile it
    path: Path
    line: int  # the line of the opening fence
    key_line: int | None = None  # 1-based line of `code` marked key=N, if valid
    compiled: bool = True  # `qexport validate` compiles it (a python block not marked norun)

    @property
    def is_python(self) -> bool:
        return self.language in PYTHON_NAMES

    @property
    def supported_here(self) -> bool:
        return self.requires is None or sys.version_info[:2] >= self.requires


def language_of(info: str) -> str:
    """The language named by a fence's info string, lowercased ('' if none)."""
    words = info.split()
    return words[0].lower() if words else ""


def blocks_from_tokens(
    tokens: Sequence[Token],
    lines: Sequence[str],
    path: Path,
    first_line: int,
    errors: list[ContentError],
    notes: list[ContentWarning],
) -> list[CodeBlock]:
    """The fenced blocks among `tokens`, parsed from `lines`.

    `first_line` is the file line of `lines[0]`, so locations point into the file.
    """
    blocks: list[CodeBlock] = []
    for token in tokens:
        if token.map is None:
            continue
        line = token.map[0] + first_line
        if token.type == "code_block":
            notes.append(
                ContentWarning(
                    "indented code block: use a fenced block with a language, "
                    "so it is highlighted and checked",
                    path,
                    line,
                )
            )
            continue
        if token.type != "fence":
            continue
        # An unclosed fence silently swallows every later question, so say so.
        last = token.map[1] - 1
        closing = lines[last].lstrip(" >") if last > token.map[0] and last < len(lines) else ""
        if not closing.startswith(token.markup):
            errors.append(ContentError("code block is never closed", path, line))
            continue
        language, flags = language_of(token.info), token.info.split()[1:]
        if not language:
            notes.append(ContentWarning("code block has no language", path, line))
        runnable, compiled, requires, key_line = True, True, None, None
        if language in PYTHON_NAMES and NORUN in flags and COMPILE_ONLY in flags:
            message = f"'{NORUN}' (never compiled) and '{COMPILE_ONLY}' contradict: keep one"
            errors.append(ContentError(message, path, line))
        for flag in flags:
            if flag.startswith(f"{KEY}=") and key_line is not None:
                message = f"'{flag}': a code block marks one key line at most"
                errors.append(ContentError(message, path, line))
            elif flag.startswith(f"{KEY}="):
                key_line = _key_line(flag, token.content, path, line, errors)
            elif language not in PYTHON_NAMES:
                continue  # other languages' flags are theirs (`console` sessions ...)
            elif flag == NORUN:
                runnable, compiled = False, False
            elif flag == COMPILE_ONLY:
                runnable = False
            elif flag.startswith(f"{REQUIRES}=") and _version(flag) is not None:
                requires = _version(flag)
            else:
                hint = did_you_mean(flag, FLAGS)
                errors.append(ContentError(f"unknown code block flag '{flag}'{hint}", path, line))
        blocks.append(
            CodeBlock(language, token.content, runnable, requires, path, line, key_line, compiled)
        )
    return blocks


def _key_line(
    flag: str, code: str, path: Path, fence_line: int, errors: list[ContentError]
) -> int | None:
    """The line that `key=N` marks, counted from 1 inside the block, if it is one."""
    value = flag.partition("=")[2]
    lines = code.split("\n")[: code.count("\n")]  # the block's content ends with a newline
    # ASCII digits only: `isdigit` also takes superscripts (which int() refuses) and other
    # scripts' digits (which it reads), neither a line number as the README writes one.
    if not (value.isascii() and value.isdigit()) or not 1 <= int(value) <= len(lines):
        errors.append(
            ContentError(
                f"'{flag}': key=N marks one line of this block, N from 1 to {len(lines)}",
                path,
                fence_line,
            )
        )
        return None
    if not lines[int(value) - 1].strip():
        errors.append(ContentError(f"'{flag}' marks a blank line", path, fence_line + int(value)))
        return None
    return int(value)


def key_code(block: CodeBlock) -> str:
    """The line the block marks as key, without its indentation ('' if none)."""
    if block.key_line is None:
        return ""
    return block.code.split("\n")[block.key_line - 1].strip()


def _version(flag: str) -> tuple[int, int] | None:
    major, _, minor = flag.partition("=")[2].partition(".")
    if major.isdigit() and minor.isdigit() and len(major) == 1 and len(minor) <= 2:
        return int(major), int(minor)
    return None


def check_python(
    block: CodeBlock, errors: list[ContentError], notes: list[ContentWarning]
) -> None:
    """Report the first line of `block` that does not compile, and its warnings."""
    if not block.is_python or not block.compiled or not block.supported_here:
        return
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            # Not the real file name: CPython would re-read that file to place the column.
            compile(
                block.code, f"<code block at {block.path}:{block.line}>", "exec", dont_inherit=True
            )
        except SyntaxError as exc:
            where = f" (column {exc.offset})" if exc.offset else ""
            errors.append(
                ContentError(
                    f"python code does not compile: {exc.msg}{where}; {OPT_OUT}",
                    block.path,
                    block.line + (exc.lineno or 1),
                )
            )
        except (ValueError, RecursionError, MemoryError, OverflowError) as exc:
            reason = str(exc) or type(exc).__name__
            errors.append(
                ContentError(
                    f"python code does not compile: {reason}; {OPT_OUT}", block.path, block.line
                )
            )
        else:
            _check_coding_line(block, errors)
    for warning in caught:
        offset = getattr(warning.message, "lineno", None) or warning.lineno or 1
        notes.append(ContentWarning(f"python: {warning.message}", block.path, block.line + offset))


# PEP 263: a comment on line 1 or 2 may name the file's encoding.
_CODING_LINE = re.compile(r"[ \t\f]*#.*?coding[:=]")


def _check_coding_line(block: CodeBlock, errors: list[ContentError]) -> None:
    """An error if the block's coding line names an encoding its UTF-8 text is not in.

    compile() ignores that line in text; run from a file (UTF-8, as saved from
    a card), Python obeys it, and an unknown name is a SyntaxError.
    """
    first_two = block.code.split("\n", 2)[:2]
    coding = [n for n, text in enumerate(first_two, 1) if _CODING_LINE.match(text)]
    if not coding:
        return  # the common case
    try:
        compile(block.code.encode("utf-8"), "<code block>", "exec", dont_inherit=True)
    except (SyntaxError, ValueError) as exc:
        line = block.line + (getattr(exc, "lineno", None) or coding[0])
        message = f"{getattr(exc, 'msg', None) or exc} (its coding line; saved, it is UTF-8)"
        errors.append(
            ContentError(f"python code does not compile: {message}; {OPT_OUT}", block.path, line)
        )
