"""Reference definitions (`[label]: target`), which hold for a whole level file.

`[text][label]` and `![alt][label]` resolve against `[label]: target`
anywhere in the file, as on GitHub, but every output renders one answer, or
one question line, alone. The loader makes each self-contained with these.
"""

from __future__ import annotations

import re
from bisect import bisect_left, bisect_right
from collections.abc import Callable, Collection, Mapping, Sequence
from functools import lru_cache
from pathlib import Path
from typing import Any

from markdown_it import MarkdownIt
from markdown_it.token import Token

from qexport.errors import ContentError
from qexport.render import markdown_parser, shared_parser

References = Mapping[str, Mapping[str, Any]]  # markdown-it's env["references"], by label
_PUNCTUATION = re.compile(r"([!-/:-@\[-`{-~])")  # ASCII punctuation: backslash-escapable


class _Lookups(dict[str, Any]):
    """A reference table that records which labels the inline rules find.

    markdown-it's link and image rules look a label up with `get`; a rule
    wrapped by `_recording` pushes a frame, so its own lookup is told from
    that of a link nested in its text.
    """

    def __init__(self, references: References, source: str = "") -> None:
        super().__init__(references)
        self.references, self.source = references, source
        self.used: dict[str, None] = {}
        self.frames: list[list[Mapping[str, Any]]] = []
        self.spans: list[tuple[int, int, int, int, bool, Mapping[str, Any]]] = []

    def get(self, label: str, default: Any = None) -> Any:
        found = super().get(label, default)
        if found is not None:
            self.used[label] = None
            if self.frames and not self.frames[-1]:
                self.frames[-1].append(found)
        return found


def labels_used(markdown: str, references: References) -> list[str]:
    """The labels of `references` that `markdown`'s links and images use, parsed as rendered."""
    if "[" not in markdown or not references:
        return []
    lookups = _Lookups(references)  # first: a later definition in `markdown` does not win
    shared_parser().parse(markdown, {"references": lookups})
    return list(lookups.used)


def definitions(labels: Sequence[str], references: References) -> str:
    """Reference definition lines for `labels`, which resolve as `references` do."""
    return "\n".join(
        f"[{label}]: {_destination(references[label])}{_title(references[label])}"
        for label in labels
    )


def with_inline_links(line: str, references: References) -> str:
    """`line` (inline Markdown) with its reference links and images written inline."""
    if "[" not in line or not references:
        return line
    lookups = _Lookups(references, line)
    _recording_parser().parseInline(line, {"references": lookups})
    return _rewritten(lookups, sorted(lookups.spans), 0, len(line)) if lookups.spans else line


def _rewritten(lookups: _Lookups, spans: Sequence[tuple[Any, ...]], start: int, end: int) -> str:
    line, parts, position = lookups.source, [], start
    for first, text_start, text_end, last, image, ref in spans:
        if first < position or last > end:
            continue  # inside a span already written, or outside this one
        if image:  # markdown-it parses an image's text apart: so must this
            text = with_inline_links(line[text_start:text_end], lookups.references)
        else:
            inner = [span for span in spans if text_start <= span[0] and span[3] <= text_end]
            text = _rewritten(lookups, inner, text_start, text_end)
        opener = "![" if image else "["
        parts += [line[position:first], f"{opener}{text}]({_destination(ref)}{_title(ref)})"]
        position = last
    return "".join([*parts, line[position:end]])


def _destination(ref: Mapping[str, Any]) -> str:
    # markdown-it stores the target percent-encoded; `<>` and entities must not change it.
    return "<" + re.sub(r"([\\<>&])", r"\\\1", str(ref["href"])) + ">"


def _title(ref: Mapping[str, Any]) -> str:
    title = " ".join(str(ref.get("title") or "").split("\n"))
    return ' "' + _PUNCTUATION.sub(r"\\\1", title) + '"' if title else ""


@lru_cache(maxsize=1)
def _recording_parser() -> MarkdownIt:
    """The renderers' parser, whose link and image rules record the references they resolve."""
    from markdown_it.rules_inline import image, link

    md = markdown_parser()
    md.inline.ruler.at("link", _recording(link, image=False))
    md.inline.ruler.at("image", _recording(image, image=True))
    return md


def _recording(rule: Callable[[Any, bool], bool], image: bool) -> Callable[[Any, bool], bool]:
    def recorded(state: Any, silent: bool) -> bool:
        lookups = state.env["references"]
        start, frame = state.pos, list[Mapping[str, Any]]()
        lookups.frames.append(frame)
        try:
            found = rule(state, silent)
        finally:
            lookups.frames.pop()
        if found and frame and not silent and state.src is lookups.source:
            opener = start + (1 if image else 0)  # the '[' of the text
            text_end = state.md.helpers.parseLinkLabel(state, opener, not image)
            lookups.spans.append((start, opener + 1, text_end, state.pos, image, frame[0]))
        return bool(found)

    return recorded


class FileDefinitions:
    """The reference definitions of one level file (`[r]: images/x.png`).

    They hold for the whole file, as on GitHub, but every output renders one
    answer alone. So an answer holds its own blocks and exactly the
    definitions they use: a definition standing (outside any block) in its
    part of the file stays only if it uses it, and it gets a copy of each one
    it uses from elsewhere. Definitions at the end of the file thus belong to
    no one answer, and changing one changes only the answers that use it. A
    question gets its reference links written inline. Copies may add at most
    the file's own length.
    """

    def __init__(self, references: References, budget: int) -> None:
        self.references = references
        self.budget, self.told = budget, False
        self.lines: dict[str, list[int]] = {k: [v["map"][0]] for k, v in references.items()}
        # (first line, end line, label) of each definition outside any block, in file order
        self.standing: list[tuple[int, int, str]] = []
        self.starts: list[int] = []  # the first lines of `standing`, to find a region's

    @classmethod
    def of(
        cls,
        env: Mapping[str, Any],
        tokens: Sequence[Token],
        length: int,
        path: Path,
        errors: list[ContentError],
    ) -> FileDefinitions:
        """The definitions markdown-it found (`env`); a second, different one is an error."""
        found = cls(env.get("references", {}), length)
        for again in env.get("duplicate_refs", ()):
            first = found.references[again["label"]]
            found.lines[again["label"]].append(again["map"][0])
            if (again["href"], again["title"]) != (first["href"], first["title"]):
                errors.append(
                    ContentError(
                        f"this defines a reference label again, with another target (first at "
                        f"line {first['map'][0] + 1}); links use the first: remove or rename one",
                        path,
                        again["map"][0] + 1,
                    )
                )
        for lines in found.lines.values():
            lines.sort()
        found.standing = _standing(env, tokens)
        found.starts = [start for start, _, _ in found.standing]
        return found

    def standing_lines(self, region: range, unless: Collection[str] = ()) -> set[int]:
        """Lines of the definitions standing in `region`, but the first of each `unless` label."""
        first, stop = bisect_left(self.starts, region.start), bisect_left(self.starts, region.stop)
        lines: set[int] = set()
        kept: set[str] = set()
        for index in range(first, stop):
            start, end, label = self.standing[index]
            if label in unless and label not in kept:
                kept.add(label)
            else:
                lines.update(range(start, end))
        return lines

    def used_by(self, markdown: str) -> list[str]:
        """The labels `markdown` uses, in order of first use."""
        return labels_used(markdown, self.references)

    def add_copies(
        self, answer: str, file_lines: list[int], used: Sequence[str], region: range
    ) -> str:
        """`answer` with a copy of each label in `used` defined outside `region`.

        `file_lines` gains the line of each copy's definition, as `answer` gains the copy.
        """
        missing = [label for label in used if not self._defined_in(label, region)]
        if not missing:
            return answer
        file_lines += [self.lines[label][0] + 1 for label in missing[:1] + missing]
        complete = "\n".join(
            [answer, "", *(definitions([label], self.references) for label in missing)]
        )
        self.budget -= len(complete) - len(answer)
        return complete

    def inline(self, question: str) -> str:
        """`question` with its reference links written inline."""
        inline = with_inline_links(question, self.references)
        self.budget -= len(inline) - len(question)
        return inline

    def over_budget(self) -> bool:
        """Whether the copies went past the budget; true once per file, to say it once."""
        if self.budget >= 0 or self.told:
            return False
        self.told = True
        return True

    def _defined_in(self, label: str, region: range) -> bool:
        lines = self.lines[label]
        index = bisect_left(lines, region.start)
        return index < len(lines) and lines[index] < region.stop


def _standing(env: Mapping[str, Any], tokens: Sequence[Token]) -> list[tuple[int, int, str]]:
    """(first line, end line, label) of each definition in `env` outside the blocks of `tokens`.

    One inside a block (a quote, a list item) is part of that block's text.
    """
    blocks = [t.map for t in tokens if t.level == 0 and t.nesting >= 0 and t.map]
    starts = [block[0] for block in blocks]

    def inside(line: int) -> bool:
        index = bisect_right(starts, line) - 1
        return index >= 0 and line < blocks[index][1]

    found = [(ref["map"][0], ref["map"][1], label) for label, ref in env["references"].items()]
    found += [
        (ref["map"][0], ref["map"][1], ref["label"]) for ref in env.get("duplicate_refs", ())
    ]
    return sorted(definition for definition in found if not inside(definition[0]))
