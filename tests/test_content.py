"""The bundled question bank: its shape, and every Python example in it.

Every `python` block compiles (the loader checks that) and runs on its own
in a fresh interpreter. Blocks marked `compile-only` are only compiled; blocks
marked `requires=3.N` run only on that Python or newer. The bank marks none
`norun` (never compiled): every example it prints is checked.
"""

from __future__ import annotations

import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest

from qexport.codeblocks import CodeBlock
from qexport.loader import load
from qexport.tags import tags_for

from conftest import CONTENT, answer_code_blocks

LOADED = load(CONTENT)
QUESTIONS = LOADED.question_set.questions
BLOCKS = [
    (question.id, block)
    for question in QUESTIONS
    for block in answer_code_blocks(question)
    if block.is_python
]
RUN_TIMEOUT_SECONDS = 20
RUNNER = Path(__file__).parent / "example_runner.py"


def test_bank_has_100_questions_30_40_30() -> None:
    assert len(QUESTIONS) == 100
    assert LOADED.question_set.counts_by_level() == {
        "basic": 30,
        "intermediate": 40,
        "advanced": 30,
    }
    assert [q.number for q in QUESTIONS] == list(range(1, 101))


def test_bank_validates_without_warnings() -> None:
    assert [str(w) for w in LOADED.warnings] == []


def test_every_question_leads_with_a_short_key_answer_and_the_bank_requires_them() -> None:
    from qexport.key_answers import MAX_KEY_WORDS, REQUIRED, word_count

    assert LOADED.question_set.meta.key_answers == REQUIRED
    lengths = sorted(word_count(q.key) for q in QUESTIONS)
    assert lengths[0] >= 8  # a key answer says something
    assert lengths[-1] <= MAX_KEY_WORDS
    # A key answer is one thought, never a copy of the details' opening.
    for question in QUESTIONS:
        assert " ".join(question.key.split()) not in " ".join(question.answer.split())


def test_key_code_lines_are_short_and_say_something() -> None:
    marked = [q for q in QUESTIONS if q.key_code]
    assert len(marked) >= 30
    for question in marked:
        assert len(question.key_code) <= 60, question.id
        assert not question.key_code.startswith("print("), question.id


def test_the_bank_says_which_python_it_is_current_with() -> None:
    # The booklet's cover prints the description; the README's opening says the same.
    current = "up to date with Python 3.15"
    assert current in LOADED.question_set.meta.description
    assert current in (CONTENT.parent / "README.md").read_text(encoding="utf-8")


def test_ids_are_unique() -> None:
    assert len({q.id for q in QUESTIONS}) == 100


def test_questions_are_distinct() -> None:
    texts = Counter(" ".join(q.question.casefold().split()) for q in QUESTIONS)
    assert texts.most_common(1)[0][1] == 1


def test_every_topic_is_used_and_none_dominates() -> None:
    counts = Counter(q.topic for q in QUESTIONS)
    assert set(counts) == {t.id for t in LOADED.question_set.topics}
    assert 10 <= len(counts) <= 15
    assert max(counts.values()) <= 20


def test_every_question_has_level_and_topic_tags() -> None:
    meta = LOADED.question_set.meta
    for question in QUESTIONS:
        tags = tags_for(question, meta)
        assert tags[0] == f"python-interview::level::{question.level}"
        assert tags[1] == f"python-interview::topic::{question.topic}"


def test_code_lines_fit_a_phone_and_a_page() -> None:
    too_long = [
        f"{q.location}: {line}"
        for q in QUESTIONS
        for block in answer_code_blocks(q)
        for line in block.code.splitlines()
        if len(line) > 79
    ]
    assert too_long == []


def test_most_answers_have_a_runnable_example() -> None:
    assert len(BLOCKS) >= 80
    assert sum(block.runnable for _, block in BLOCKS) >= 60


def _interpreters() -> dict[str, str]:
    """Every CPython 3.10+ on this machine, by version: this one, and pyenv's."""
    import os
    import re

    found = {".".join(map(str, sys.version_info[:2])): sys.executable}
    root = Path(os.environ.get("PYENV_ROOT", Path.home() / ".pyenv")) / "versions"
    for python in sorted(root.glob("3.*/bin/python3")):
        version = re.match(r"3\.(\d+)\.", python.parts[-3])
        if version and int(version[1]) >= 10:
            found.setdefault(f"3.{version[1]}", str(python))
    return dict(sorted(found.items(), key=lambda item: tuple(map(int, item[0].split(".")))))


INTERPRETERS = _interpreters()
RUNNABLE = [(qid, block) for qid, block in BLOCKS if block.runnable]


@pytest.mark.parametrize("version", INTERPRETERS)
@pytest.mark.parametrize(
    "block", [b for _, b in RUNNABLE], ids=[f"{qid}-{b.line}" for qid, b in RUNNABLE]
)
def test_every_example_prints_what_it_claims(
    block: CodeBlock, version: str, tmp_path: Path
) -> None:
    """Run as a reader would, from a file (multiprocessing's spawn needs one), on every
    CPython here; each `# ->` comment must match what the example printed."""
    import json

    from example_claims import attribute, claims

    major, minor = map(int, version.split("."))
    if block.requires is not None and (major, minor) < block.requires:
        pytest.skip(f"needs Python {'.'.join(map(str, block.requires))}")
    script, record = tmp_path / "example.py", tmp_path / "printed.json"
    script.write_text(block.code, encoding="utf-8")
    result = subprocess.run(
        [INTERPRETERS[version], "-I", str(RUNNER), str(script), str(record)],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=RUN_TIMEOUT_SECONDS,
        check=False,
    )
    where = f"{block.path}:{block.line} on Python {version}"
    assert result.returncode == 0, f"{where}\n{result.stderr}"
    found = claims(block.code)
    attribute(found, [tuple(entry) for entry in json.loads(record.read_text(encoding="utf-8"))])
    wrong = [
        f"{block.path}:{block.line + claim.first}: claims {claim.expected!r}, prints "
        f"{claim.actual!r}"
        for claim in found
        if not claim.holds()
    ]
    assert wrong == [], where


def test_every_python_block_compiles_here() -> None:
    assert all(block.compiled for _, block in BLOCKS)  # norun would leave one unchecked
    for _, block in BLOCKS:
        if block.supported_here:
            compile(block.code, f"{block.path}:{block.line}", "exec", dont_inherit=True)
