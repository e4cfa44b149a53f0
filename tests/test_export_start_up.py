"""A single export starts up without what only `qexport all` needs."""

from __future__ import annotations

import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

from conftest import GOOD


def test_a_single_export_imports_no_release_machinery(tmp_path: Path) -> None:
    """`qexport anki` and the like never run jobs in processes: the pools cost ~25 ms."""
    bank = tmp_path / "content"
    shutil.copytree(GOOD, bank)
    probe = textwrap.dedent(
        """\
        import sys
        from qexport.cli import main
        try:
            main(sys.argv[1:])
        except SystemExit as exit:
            assert not exit.code, exit.code
        release = ["qexport.release", "concurrent.futures.process", "multiprocessing"]
        print("imported:", *(name for name in release if name in sys.modules), file=sys.stderr)
        """
    )
    command = [sys.executable, "-c", probe, "--content", str(bank), "csv"]
    result = subprocess.run(
        [*command, "--out", str(tmp_path / "build")], capture_output=True, text=True, check=True
    )
    assert result.stdout.strip().endswith(".csv")  # it did export
    assert result.stderr.splitlines()[-1] == "imported:"
