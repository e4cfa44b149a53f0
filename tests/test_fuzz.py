"""Arbitrary or mangled content never gives a traceback, only located errors.

These are quick property-based runs for every CI build. Each example writes a
bank to disk and loads it, the way `qexport validate` does.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from qexport.errors import ContentErrors
from qexport.loader import load

from conftest import CONTENT, GOOD, Run

# QEXPORT_FUZZ_EXAMPLES=20000 for a long run; CI keeps it quick.
EXAMPLES = int(os.environ.get("QEXPORT_FUZZ_EXAMPLES", "150"))
FUZZ = settings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
REAL_FILES = {
    name: (CONTENT / name).read_bytes() for name in ("basic.md", "set.toml", "advanced.md")
}


def _load_or_located_errors(bank: Path) -> None:
    try:
        load(bank)
    except ContentErrors as caught:
        errors = caught.errors
    else:
        return
    assert errors
    for error in errors:
        assert error.path.is_relative_to(bank)
        assert error.line is None or error.line >= 1


@pytest.fixture
def fresh_bank(tmp_path: Path) -> Callable[..., Path]:
    """A new copy of a bank (the small fixture by default) with one file replaced."""
    counter = iter(range(10**9))

    def make(name: str, data: bytes, source: Path = GOOD) -> Path:
        bank = tmp_path / f"bank{next(counter)}"
        shutil.copytree(source, bank)
        (bank / name).write_bytes(data)
        return bank

    return make


@FUZZ
@given(text=st.text())
def test_any_text_as_a_level_file(text: str, fresh_bank: Callable[..., Path]) -> None:
    _load_or_located_errors(fresh_bank("basic.md", text.encode("utf-8", "surrogatepass")))


@FUZZ
@given(data=st.binary())
def test_any_bytes_as_a_level_file(data: bytes, fresh_bank: Callable[..., Path]) -> None:
    _load_or_located_errors(fresh_bank("advanced.md", data))


@FUZZ
@given(text=st.text())
def test_any_text_as_metadata(text: str, fresh_bank: Callable[..., Path]) -> None:
    _load_or_located_errors(fresh_bank("set.toml", text.encode("utf-8", "surrogatepass")))


markdown_bits = st.sampled_from(
    [
        "{#",
        "}",
        "## ",
        "# ",
        "```",
        "```python",
        "\n",
        "\n\n",
        "topic=",
        'tags="',
        "\t",
        "\r",
        "    ",
        "> ",
        "- ",
        "\x00",
        "\ufeff",
        "é",
        "<script>",
        "(",
        ":",
        "\\",
    ]
)


@FUZZ
@given(
    name=st.sampled_from(sorted(REAL_FILES)),
    edits=st.lists(
        st.tuples(st.floats(0, 1), st.integers(0, 40), markdown_bits | st.text(max_size=5)),
        max_size=8,
    ),
)
def test_mutated_real_content(
    name: str,
    edits: list[tuple[float, int, str]],
    fresh_bank: Callable[..., Path],
) -> None:
    data = REAL_FILES[name]
    for where, delete, insert in edits:
        at = int(where * len(data))
        data = data[:at] + insert.encode("utf-8", "surrogatepass") + data[at + delete :]
    _load_or_located_errors(fresh_bank(name, data, source=CONTENT))


@settings(max_examples=40, deadline=None, suppress_health_check=list(HealthCheck))
@given(text=st.text(min_size=1))
def test_cli_never_shows_a_traceback(
    text: str, fresh_bank: Callable[..., Path], run: Callable[..., Run]
) -> None:
    result = run("validate", content=fresh_bank("basic.md", text.encode("utf-8", "surrogatepass")))
    assert result.exit_code in (0, 1)
    assert "Traceback" not in result.stderr
    assert "internal error" not in result.stderr
