"""A cloze note's text as a question and an answer (`cloze_sides`).

Anki's cloze syntax: `{{c1::answer}}` or `{{c1::answer::hint}}`; `{{c1,2::x}}`
belongs to cards 1 and 2, and clozes may nest (Anki 2.1.56+). The text is
read as Anki's own tokenizer reads it (rslib/src/cloze.rs): an opening
`{{cN::`, a closing `}}`, text between; the first `::` in a cloze's text
starts its hint. Where Anki drops text (a cloze never closed), it is kept here
as written, and a stray `}}` is text, as in Anki.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

HIDDEN = "[…]"
MAX_NESTING = 10  # as Anki: deeper openings are text
_TOKEN = re.compile(r"\{\{c(?P<ords>[\d,]+)::|\}\}")


@dataclass
class _Cloze:
    ordinals: frozenset[int]
    opening: str  # as written, for a cloze never closed
    nodes: list[str | _Cloze] = field(default_factory=list)
    hint: str | None = None

    def add_text(self, text: str) -> None:
        head, colons, hint = text.partition("::")
        if colons:
            self.hint = hint
        self.nodes.append(head)

    def answer(self) -> str:
        return "".join(node if isinstance(node, str) else node.answer() for node in self.nodes)

    def written(self) -> str:
        """The cloze as it was written, for one left open."""
        hint = "" if self.hint is None else "::" + self.hint
        inner = "".join(n if isinstance(n, str) else n.written() + "}}" for n in self.nodes)
        return self.opening + inner + hint


def parse(text: str) -> list[str | _Cloze]:
    """`text` as plain runs and clozes, as Anki's tokenizer reads it."""
    output: list[str | _Cloze] = []
    open_clozes: list[_Cloze] = []
    pos = 0
    for match in _TOKEN.finditer(text):
        _add_text(text[pos : match.start()], open_clozes, output)
        pos = match.end()
        token = match.group()
        if token == "}}":
            if open_clozes:
                closed = open_clozes.pop()
                (open_clozes[-1].nodes if open_clozes else output).append(closed)
            else:
                _add_text(token, open_clozes, output)
            continue
        ordinals = frozenset(int(n) for n in match["ords"].split(",") if n)
        if not ordinals or len(open_clozes) >= MAX_NESTING:
            (open_clozes[-1].nodes if open_clozes else output).append(token)  # as text
            continue
        open_clozes.append(_Cloze(ordinals, token))
    _add_text(text[pos:], open_clozes, output)
    # Clozes never closed are kept as the text they were written as.
    while open_clozes:
        left = open_clozes.pop()
        (open_clozes[-1].nodes if open_clozes else output).append(left.written())
    return output


def _add_text(text: str, open_clozes: list[_Cloze], output: list[str | _Cloze]) -> None:
    if not text:
        return
    if open_clozes:
        open_clozes[-1].add_text(text)
    else:
        output.append(text)


def cloze_numbers(text_html: str) -> tuple[int, ...]:
    """The card numbers of `text_html`'s clozes, in order."""
    found: set[int] = set()

    def walk(nodes: list[str | _Cloze]) -> None:
        for node in nodes:
            if isinstance(node, _Cloze):
                found.update(node.ordinals)
                walk(node.nodes)

    walk(parse(text_html))
    return tuple(sorted(found))


def cloze_sides(text_html: str, card: int | None = None) -> tuple[str, str, tuple[int, ...]]:
    """The front and back of `text_html`, and its cloze numbers.

    The front shows each cloze of `card` (every cloze, if None) as its hint in
    brackets or `[…]`, the others as their text; the back shows them in bold.
    """
    nodes = parse(text_html)
    front = "".join(_side(node, card, question=True) for node in nodes)
    back = "".join(_side(node, card, question=False) for node in nodes)
    return front, back, cloze_numbers(text_html)


def _side(node: str | _Cloze, card: int | None, *, question: bool) -> str:
    if isinstance(node, str):
        return node
    if card is None or card in node.ordinals:
        if question:
            return f"[{node.hint}]" if node.hint else HIDDEN
        return f"<b>{node.answer()}</b>"
    return "".join(_side(child, card, question=question) for child in node.nodes)
