"""The `# ->` checker itself: what a claim covers, and that a wrong one is caught."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from example_claims import attribute, claims

RUNNER = Path(__file__).parent / "example_runner.py"


def _check(code: str, tmp_path: Path) -> list[tuple[str, str, bool]]:
    script, record = tmp_path / "example.py", tmp_path / "printed.json"
    script.write_text(code, encoding="utf-8")
    subprocess.run(
        [sys.executable, "-I", str(RUNNER), str(script), str(record)],
        cwd=tmp_path,
        capture_output=True,
        check=True,
    )
    found = claims(code)
    attribute(found, [tuple(entry) for entry in json.loads(record.read_text(encoding="utf-8"))])
    return [(claim.expected, claim.actual, claim.holds()) for claim in found]


def test_a_line_claims_what_it_prints(tmp_path: Path) -> None:
    assert _check("print(1 + 1)  # -> 2\nprint('a')  # -> b\n", tmp_path) == [
        ("2", "2", True),
        ("b", "a", False),
    ]


def test_comment_lines_claim_what_the_code_above_printed_in_order(tmp_path: Path) -> None:
    code = "for x in (1, 2):\n    print(x)\n# -> 1\n# -> 2\nprint(3)\n# -> 4\n"
    assert _check(code, tmp_path) == [("1 2", "1 2", True), ("4", "3", False)]


def test_a_call_claims_what_its_function_prints_unless_the_print_line_claims_it(
    tmp_path: Path,
) -> None:
    code = (
        "def f():\n    print('in f')\n\ndef g():\n    print('in g')  # -> in g\n\n"
        "f()  # -> in f\ng()\n"
    )
    assert _check(code, tmp_path) == [("in g", "in g", True), ("in f", "in f", True)]


def test_output_of_a_later_call_goes_to_the_claim_after_that_call(tmp_path: Path) -> None:
    # The function's print line lies above the first claim; its second call's output is
    # still the second claim's.
    code = "def f(s):\n    print(s)\n\nf('one')\n# -> one\nf('two')\n# -> two\n"
    assert _check(code, tmp_path) == [("one", "one", True), ("two", "two", True)]


def test_threads_and_coroutines_print_for_their_own_lines(tmp_path: Path) -> None:
    code = (
        "import asyncio, threading\n"
        "async def main():\n    print('async')  # -> async\n"
        "asyncio.run(main())\n"
        "t = threading.Thread(target=lambda: print('thread'))  # -> thread\n"
        "t.start(); t.join()\n"
    )
    assert [ok for *_, ok in _check(code, tmp_path)] == [True, True]


@pytest.mark.parametrize(
    ("claim", "printed", "holds"),
    [
        ("<object at ...>", "<object at 0x7f01>", True),
        ("took ... s", "took 0.12 s", True),
        ("True  # on a default build", "True", True),
        ("True (on a default build)", "True", False),
        ("[1,  2]", "[1, 2]", True),
        ("1", "", False),
    ],
)
def test_spacing_is_free_dots_match_anything_and_a_remark_is_no_claim(
    tmp_path: Path, claim: str, printed: str, holds: bool
) -> None:
    code = f"print({printed!r}, end='')  # -> {claim}\n"
    assert _check(code, tmp_path)[0][2] is holds


def test_a_claim_of_output_that_never_came_fails(tmp_path: Path) -> None:
    assert _check("x = 1  # -> 1\n", tmp_path) == [("1", "", False)]
