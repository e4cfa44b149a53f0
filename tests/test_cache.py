"""The user's cache: damaged files are ignored, and runs at once keep each other's records."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from qexport import cache
from qexport.output import WRITTEN_CACHE, written_files


def test_a_deeply_nested_cache_file_reads_as_no_record() -> None:
    path = cache.cache_dir() / "builds.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("[" * 200_000 + "]" * 200_000, encoding="utf-8")
    assert cache.read_json("builds.json") is None
    assert cache.read_map("builds.json") == {}


RECORD = """
import sys
from pathlib import Path
from qexport.output import record_written
from qexport.exporter import Artifact

out, index = Path(sys.argv[1]), sys.argv[2]
path = out / f"file-{index}.txt"
path.write_text(index, encoding="utf-8")
sys.stdin.readline()  # all start together
record_written(out, [Artifact(path, "test")])
"""


def test_runs_at_once_keep_each_others_records(tmp_path: Path) -> None:
    out = tmp_path / "out"
    out.mkdir()
    runs = [
        subprocess.Popen(
            [sys.executable, "-c", RECORD, str(out), str(i)], stdin=subprocess.PIPE, text=True
        )
        for i in range(12)
    ]
    for process in runs:
        assert process.stdin is not None
        process.stdin.write("go\n")
        process.stdin.flush()
    for process in runs:
        assert process.wait(timeout=60) == 0
    assert sorted(written_files(out)) == sorted(f"file-{i}.txt" for i in range(12))
    assert (cache.cache_dir() / WRITTEN_CACHE).is_file()
