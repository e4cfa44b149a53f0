"""Coverage-guided fuzzing of the content loader with atheris (opt-in, long-running).

    pip install atheris
    python tests/fuzz/fuzz_loader.py -max_total_time=600 tests/fixtures/fuzz-crashers

Each input becomes a level file of the small fixture bank. The loader may
accept it or raise ContentErrors; anything else is a crash, which atheris
saves as crash-<hash>. Add it to tests/fixtures/fuzz-crashers/ (with a line
in its README) once fixed, so test_hardening.py keeps it fixed.
"""

from __future__ import annotations

import shutil
import sys
import tempfile
from pathlib import Path

import atheris

with atheris.instrument_imports():
    from qexport.errors import ContentErrors
    from qexport.loader import load

GOOD = Path(__file__).resolve().parents[1] / "fixtures" / "good" / "content"
BANK = Path(tempfile.mkdtemp(prefix="qexport-fuzz-")) / "content"
shutil.copytree(GOOD, BANK)


def test_one_input(data: bytes) -> None:
    (BANK / "basic.md").write_bytes(data)
    try:
        load(BANK)
    except ContentErrors as caught:
        for error in caught.errors:
            if error.line is None and error.path.name != "set.toml":
                raise AssertionError(f"an error without a line: {error}") from None


if __name__ == "__main__":
    atheris.Setup(sys.argv, test_one_input)
    atheris.Fuzz()
