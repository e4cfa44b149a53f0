"""A release that publishes nothing puts the lock file back: only the file it wrote itself."""

from __future__ import annotations

from pathlib import Path

from qexport.changes import LOCK_FILE
from qexport.lock_file_guard import LockFileGuard
from qexport.manifest import sha256_file
from qexport.output import replace_text
from qexport.registry import record_content_written


def _run_writes(content: Path, jobs: Path, text: str) -> None:
    """What the anki job of a release does: write the lock file, and record it."""
    replace_text(content / LOCK_FILE, text)
    (jobs / "0").mkdir(parents=True)
    record_content_written(jobs / "0", {LOCK_FILE: sha256_file(content / LOCK_FILE)}, content)


def _released(tmp_path: Path) -> tuple[Path, Path, LockFileGuard]:
    """A content folder with its lock file as released, a jobs folder, and the guard."""
    content, jobs = tmp_path / "content", tmp_path / "jobs"
    content.mkdir()
    (content / LOCK_FILE).write_text("as released\n", encoding="utf-8")
    return content, jobs, LockFileGuard.of(content)


def test_the_lock_file_this_run_wrote_is_put_back(tmp_path: Path) -> None:
    content, jobs, guard = _released(tmp_path)
    _run_writes(content, jobs, "stamped by a failed run\n")
    guard.restore(jobs)
    assert (content / LOCK_FILE).read_text(encoding="utf-8") == "as released\n"


def test_another_runs_file_with_the_same_bytes_is_kept(tmp_path: Path) -> None:
    # Two releases of one edit into two folders stamp the same second: the same bytes.
    # The one that published shipped them; the one that failed must not take them back.
    content, jobs, guard = _released(tmp_path)
    _run_writes(content, jobs, "stamped\n")
    replace_text(content / LOCK_FILE, "stamped\n")  # the other run, which published
    guard.restore(jobs)
    assert (content / LOCK_FILE).read_text(encoding="utf-8") == "stamped\n"
