"""Checks across the whole set: duplicate ids, near-duplicate questions, unused topics."""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from collections.abc import Sequence
from itertools import chain
from pathlib import Path

from qexport.errors import ContentError, ContentWarning
from qexport.model import Question, Topic

# Two questions whose word sets overlap this much ask the same thing.
NEAR_DUPLICATE_JACCARD = 0.8
# Words in more questions than this say nothing about similarity ("what", "python").
COMMON_WORD_SHARE = 0.05
MIN_COMMON_WORD_COUNT = 20


def duplicate_ids(questions: Sequence[Question], errors: list[ContentError]) -> None:
    first: dict[str, Question] = {}
    for question in questions:
        seen = first.setdefault(question.id, question)
        if seen is not question:
            errors.append(
                ContentError(
                    f"duplicate id '{question.id}' (first used at {seen.location})",
                    question.path,
                    question.line,
                )
            )


WORD = re.compile(r"\w+")


def _words(text: str) -> frozenset[str]:
    return frozenset(WORD.findall(text.casefold()))


def near_duplicates(questions: Sequence[Question]) -> list[ContentWarning]:
    """A warning for each question that nearly repeats an earlier one.

    Compares word sets (Jaccard). Candidates are found through an index of the
    less common words, so large banks are not compared pair by pair.
    """
    words = [_words(q.question) for q in questions]
    frequency = Counter(chain.from_iterable(words))
    too_common = max(MIN_COMMON_WORD_COUNT, int(len(questions) * COMMON_WORD_SHARE))
    index: defaultdict[str, list[int]] = defaultdict(list)
    same_words: dict[frozenset[str], int] = {}
    warnings = []
    for i, (question, ws) in enumerate(zip(questions, words, strict=True)):
        shared: set[int] = set()  # the earlier questions with a less common word of this one
        twin = same_words.setdefault(ws, i)
        if twin != i:
            shared.add(twin)
        for word in ws:
            if frequency[word] <= too_common:
                shared.update(index[word])
                index[word].append(i)
        for j in sorted(shared):
            union = len(ws | words[j])
            if union and len(ws & words[j]) / union >= NEAR_DUPLICATE_JACCARD:
                earlier = questions[j]
                warnings.append(
                    ContentWarning(
                        f"question '{question.id}' nearly repeats '{earlier.id}' "
                        f"at {earlier.location}",
                        question.path,
                        question.line,
                    )
                )
                break
    return warnings


def unused_topics(
    topics: Sequence[Topic], questions: Sequence[Question], path: Path, text: str
) -> list[ContentWarning]:
    """A warning for each topic in the metadata that no question uses."""
    from qexport.toml_lines import key_line

    used = {q.topic for q in questions}
    return [
        ContentWarning(f"topic '{t.id}' has no questions", path, key_line(text, "topics", t.id))
        for t in topics
        if t.id not in used
    ]
