"""Edit one question of a bank the way an author does: a word added to its answer.

    python benchmarks/edit_bank.py BANK   # prints the edited file and question id

The question is the middle one of the bank's largest level file; the word goes
at the end of the first prose paragraph of its details (before its closing
punctuation). Every call adds a new random word, so that no cache anywhere
has seen the result: each edit is a real one, also across benchmark runs.
"""

from __future__ import annotations

import argparse
import re
import secrets
from pathlib import Path
from typing import NamedTuple

ATTRIBUTES = re.compile(r"^\{#([^\s}]+)[^}]*\}[ \t]*$", re.MULTILINE)


class Edit(NamedTuple):
    path: Path
    question_id: str
    word: str


def middle_question(bank: Path) -> tuple[Path, re.Match[str], int]:
    """The largest level file, its middle question's attribute line, where that question ends."""
    files = [p for p in bank.glob("*.md") if p.name != "README.md"]
    path = max(files, key=lambda p: (len(ATTRIBUTES.findall(p.read_text(encoding="utf-8"))), p))
    text = path.read_text(encoding="utf-8")
    starts = list(ATTRIBUTES.finditer(text))
    if not starts:
        raise ValueError(f"{path}: no question")
    at = len(starts) // 2
    end = starts[at + 1].start() if at + 1 < len(starts) else len(text)
    return path, starts[at], end


def details_paragraph_end(text: str, start: int, end: int) -> int:
    """Where the first prose paragraph after the key answer ends, in text[start:end]."""
    offset, in_fence, seen_key, blank_before = start, False, False, False
    found: int | None = None
    for line in text[start:end].split("\n"):
        stripped = line.strip()
        if found is not None:
            if not stripped:
                return found
            found = offset + len(line.rstrip())
        elif stripped.startswith(("```", "~~~")):
            in_fence = not in_fence
        elif stripped == "{.key}":
            seen_key = True
        elif seen_key and blank_before and not in_fence and stripped[:1].isalnum():
            found = offset + len(line.rstrip())
        blank_before = not stripped
        offset += len(line) + 1
    if found is None:
        raise ValueError("no details paragraph to edit")
    return found


def planned_edit(bank: Path, word: str | None = None) -> tuple[Edit, str]:
    """The edit that adds `word` (a new random one by default), and its file's new text."""
    word = word or f"w{secrets.token_hex(4)}"
    path, attributes, end = middle_question(bank)
    text = path.read_text(encoding="utf-8")
    at = details_paragraph_end(text, attributes.end(), end)
    if text[at - 1] in ".!?":
        at -= 1
    return Edit(path, attributes[1], word), f"{text[:at]} {word}{text[at:]}"


def edit_question(bank: Path, word: str | None = None) -> Edit:
    """Add `word` (a new random one by default) to one question's details; what was edited."""
    edit, text = planned_edit(bank, word)
    edit.path.write_text(text, encoding="utf-8")
    return edit


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("bank", type=Path)
    args = parser.parse_args()
    edit = edit_question(args.bank)
    print(edit.path, edit.question_id, edit.word)


if __name__ == "__main__":
    main()
