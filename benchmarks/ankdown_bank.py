"""Write a bank from make_bank.py as ankdown cards, the same Markdown on the same sides.

    python benchmarks/ankdown_bank.py BANK OUT

ankdown reads `.md` files of cards: the front, a line `%`, the back, an
optional line `%` and a tags line, and a line `---` between cards. Each
question becomes one card: its question on the front; its key answer, then its
details, on the back; its tags (`PREFIX::level::LEVEL`, `PREFIX::topic::TOPIC`,
`PREFIX::tag::TAG`, as qexport's deck has them) on the tags line. One file per
level. A fence's info string keeps its language only: `python norun` is
qexport's, not ankdown's.

This reads only what make_bank.py writes (an attribute line, a `##` question,
a `{.key}` paragraph, the details up to the next attribute line), not any bank.
"""

from __future__ import annotations

import argparse
import re
import sys
from dataclasses import dataclass
from pathlib import Path

if sys.version_info >= (3, 11):
    import tomllib
else:
    import tomli as tomllib

ATTRIBUTES = re.compile(r"^\{#(?P<id>[a-z0-9-]+)(?P<rest>[^}]*)\}$")
TOPIC = re.compile(r"\btopic=(?P<topic>[a-z0-9-]+)")
TAGS = re.compile(r'\btags="(?P<tags>[^"]*)"')
FENCE = re.compile(r"^(```+)\s*(\S+).*$", re.MULTILINE)


@dataclass(frozen=True)
class Card:
    question: str
    back: str
    tags: tuple[str, ...]


def read_cards(text: str, level: str, prefix: str) -> list[Card]:
    """The questions of one level file, as ankdown cards."""
    cards = []
    chunks = re.split(r"^(?=\{#)", text, flags=re.MULTILINE)[1:]
    for chunk in chunks:
        head, heading, body = chunk.split("\n", 2)
        found = ATTRIBUTES.match(head)
        if not found or not heading.startswith("## "):
            raise ValueError(f"not a make_bank.py question: {head!r}")
        topic = TOPIC.search(found["rest"])
        extra = TAGS.search(found["rest"])
        tags = [f"{prefix}::level::{level}"]
        tags += [f"{prefix}::topic::{topic['topic']}"] if topic else []
        tags += [f"{prefix}::tag::{tag}" for tag in extra["tags"].split()] if extra else []
        back = body.strip().removeprefix("{.key}\n")
        cards.append(Card(heading[3:].strip(), FENCE.sub(r"\1\2", back), tuple(tags)))
    return cards


def card_text(card: Card) -> str:
    return f"{card.question}\n\n%\n\n{card.back}\n\n%\n\n{' '.join(card.tags)}\n"


def convert(bank: Path, out: Path) -> int:
    """Write `bank`'s levels as ankdown files into `out`; the number of cards written."""
    meta = tomllib.loads((bank / "set.toml").read_text(encoding="utf-8"))
    prefix = meta["set"]["tag_prefix"]
    out.mkdir(parents=True, exist_ok=True)
    written = 0
    for level in meta["levels"]:
        cards = read_cards((bank / f"{level}.md").read_text(encoding="utf-8"), level, prefix)
        (out / f"{level}.md").write_text(
            "\n---\n\n".join(card_text(card) for card in cards), encoding="utf-8"
        )
        written += len(cards)
    return written


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("bank", type=Path)
    parser.add_argument("out", type=Path)
    args = parser.parse_args()
    print(convert(args.bank, args.out))


if __name__ == "__main__":
    main()
