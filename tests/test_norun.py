"""`python norun` is highlighted as Python and never compiled; `python compile-only` is
compiled but never run; both keep `key=N` and `requires=`."""

from __future__ import annotations

from pathlib import Path

import pytest
from pypdf import PdfReader

from qexport.errors import ContentErrors
from qexport.loader import load

from conftest import answer_code_blocks, export_pdf

# An indentation slip: a fragment quoted as written, which Python refuses.
BROKEN = "def area(r):\nreturn 3.14 * r * r\n"
QUESTION = """\
{{#q1 topic=data-types}}
## How is the area of a circle computed?

{{.key}}
Pi times the radius squared.

```{info}
{code}```
"""


def _write(bank: Path, info: str, code: str = BROKEN) -> Path:
    """`bank` with basic.md holding one question whose example is `code` under `info`."""
    path = bank / "basic.md"
    path.write_text(QUESTION.format(info=info, code=code), encoding="utf-8")
    return path


def _problems(bank: Path) -> list[str]:
    try:
        loaded = load(bank)
    except ContentErrors as failure:
        return [str(line) for line in (*failure.warnings, *failure.errors)]
    return [str(line) for line in loaded.warnings]


def test_a_norun_block_is_never_compiled(bank: Path) -> None:
    _write(bank, "python norun")
    assert _problems(bank) == []
    (question,) = [q for q in load(bank).question_set.questions if q.id == "q1"]
    (block,) = answer_code_blocks(question)
    assert (block.is_python, block.compiled, block.runnable) == (True, False, False)


@pytest.mark.parametrize("info", ["python", "python compile-only", "py compile-only key=2"])
def test_a_compiled_block_reports_its_syntax_error_at_its_line_and_the_way_out(
    bank: Path, info: str
) -> None:
    path = _write(bank, info)
    (problem,) = _problems(bank)
    fence = path.read_text(encoding="utf-8").split("\n").index(f"```{info}") + 1
    assert problem.startswith(f"{path}:{fence + 2}: python code does not compile: ")
    assert "mark the block `python norun`" in problem
    assert "another language" in problem


def test_a_compile_only_block_is_compiled_and_not_run(bank: Path) -> None:
    _write(bank, "python compile-only requires=3.10 key=1", "import server_only\n")
    assert _problems(bank) == []
    (question,) = [q for q in load(bank).question_set.questions if q.id == "q1"]
    (block,) = answer_code_blocks(question)
    assert (block.compiled, block.runnable, block.requires) == (True, False, (3, 10))
    assert question.key_code == "import server_only"


def test_norun_keeps_its_key_line_and_requires(bank: Path) -> None:
    _write(bank, "python norun key=2 requires=3.12")
    (question,) = [q for q in load(bank).question_set.questions if q.id == "q1"]
    assert question.key_code == "return 3.14 * r * r"
    (block,) = answer_code_blocks(question)
    assert block.requires == (3, 12)


def test_norun_and_compile_only_together_are_an_error_at_the_fence(bank: Path) -> None:
    path = _write(bank, "python norun compile-only")
    (problem,) = _problems(bank)
    assert problem.startswith(f"{path}:7: 'norun' (never compiled) and 'compile-only'")


def test_a_misspelt_flag_suggests_compile_only(bank: Path) -> None:
    _write(bank, "python compile", "x = 1\n")
    (problem,) = _problems(bank)
    assert problem.endswith("unknown code block flag 'compile'; did you mean 'compile-only'?")


def test_a_norun_block_is_not_warned_about_either(bank: Path) -> None:
    # Compiling is what finds SyntaxWarnings: a block never compiled has none.
    _write(bank, "python norun", 'assert (1, "never true")\n')
    assert _problems(bank) == []
    _write(bank, "python compile-only", 'assert (1, "never true")\n')
    (problem,) = _problems(bank)
    assert "warning: python: assertion is always true" in problem


def test_a_norun_card_highlights_python(bank: Path) -> None:
    from qexport.exporters.anki.deck import notes_for

    _write(bank, "python norun")
    (note,) = [n for n in notes_for(load(bank).question_set) if n.question.id == "q1"]
    back = note.fields["Answer"]
    assert "language-python" in back
    # Pygments marks `def` and `return` as keywords, as in any Python block.
    assert '<span class="k">def</span>' in back
    assert '<span class="k">return</span>' in back


def _colours(pdf: Path, words: set[str]) -> dict[str, tuple[float, ...]]:
    """The fill colour each of `words` is drawn in, where the PDF draws it as a piece."""
    from pypdf.generic import ContentStream

    reader = PdfReader(pdf)
    found: dict[str, tuple[float, ...]] = {}
    for page in reader.pages:
        colour: tuple[float, ...] = ()
        for operands, operator in ContentStream(page.get_contents(), reader).operations:
            if operator == b"rg":
                colour = tuple(float(v) for v in operands)
            elif operator == b"Tj" and str(operands[0]).strip() in words:
                found.setdefault(str(operands[0]).strip(), colour)
    return found


def test_a_norun_block_prints_highlighted_as_python(bank: Path, tmp_path: Path) -> None:
    # The same broken code, once as `python norun` and once as plain text: Python's
    # keywords and names get colours of their own; text is drawn in one colour.
    words = {"def", "return", "area"}
    _write(bank, "python norun")
    python = _colours(export_pdf(bank, tmp_path / "norun"), words)
    _write(bank, "text")
    lines = {"def area(r):", "return 3.14 * r * r"}
    plain = _colours(export_pdf(bank, tmp_path / "text"), lines)
    assert set(python) == words
    assert set(plain) == lines
    assert len(set(plain.values())) == 1
    assert python["def"] == python["return"]
    assert len({python["def"], python["area"], *plain.values()}) == 3
