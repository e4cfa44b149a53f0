"""What an example's `# ->` comments claim it prints, checked against what it printed.

Two ways to write a claim, as the bundled bank does:

    print(len(xs))  # -> 3             this line prints 3 (a loop's lines: `# -> 0 1 2`)

    for x in xs:
        print(x)
    # -> 1                             the code above prints these lines, in order
    # -> 2

A claim compares with the printed text whatever its spacing and line breaks, and
`...` in a claim stands for any text: an address, a timing (`# -> took ... s`).
A remark after the claim goes in a comment of its own: `# -> True  # on 3.13`.
A line written by code inside a function counts for the claim on that line if it
has one, else for the claim on the module-level line that called it, else for the
comment claims below that call.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field

# The claim runs to the end of the line, or to a comment of its own: `# -> 3  # why`.
CLAIM = re.compile(r"#\s*->\s?(.*?)(?:\s+#\s.*)?$")
ELLIPSIS = "..."


@dataclass
class Claim:
    first: int  # 1-based lines of the example: a code line, or a run of comment lines
    last: int
    texts: list[str]
    region: range | None = None  # a comment claim's: the code lines whose output it shows
    printed: list[str] = field(default_factory=list)

    @property
    def expected(self) -> str:
        return " ".join(" ".join(self.texts).split())

    @property
    def actual(self) -> str:
        return " ".join("".join(self.printed).split())

    def holds(self) -> bool:
        pattern = ".*?".join(re.escape(part) for part in self.expected.split(ELLIPSIS))
        return bool(self.printed) and re.fullmatch(pattern, self.actual, re.S) is not None


def claims(code: str) -> list[Claim]:
    """The claims of `code`, in order; comment claims know the code lines they follow."""
    found: list[Claim] = []
    previous = 0  # the last line of the claim before
    for number, line in enumerate(code.split("\n"), 1):
        match = CLAIM.search(line)
        if match is None:
            continue
        text = match.group(1)
        if line[: match.start()].strip():
            found.append(Claim(number, number, [text]))
        elif found and found[-1].region is not None and found[-1].last == number - 1:
            found[-1].texts.append(text)  # the next line of a comment claim
            found[-1].last = number
        else:
            found.append(Claim(number, number, [text], range(previous + 1, number)))
        previous = number
    return found


def attribute(found: Sequence[Claim], printed: Sequence[tuple[int, int, str]]) -> list[str]:
    """Give each printed text to its claim; the texts no claim covers, for the record."""
    inline = {claim.first: claim for claim in found if claim.region is None}
    unclaimed = []
    for inner, outer, text in printed:
        claim = (
            inline.get(inner)
            or inline.get(outer)
            or _comment_claim(found, outer)
            or _comment_claim(found, inner)
        )
        if claim is None:
            unclaimed.append(text)
        else:
            claim.printed.append(text)
    return unclaimed


def _comment_claim(found: Sequence[Claim], line: int) -> Claim | None:
    return next((c for c in found if c.region is not None and line in c.region), None)
