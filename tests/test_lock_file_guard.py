"""A release that publishes nothing puts the lock file back: only the file it wrote itself."""

from __future__ import annotations

from pathlib import Path

from qexport.changes import LOCK_FILE
from qexport.files import replace_text, sha256_file
from qexport.lock_file_guard import LockFileGuard


def _run_writes(content: Path, guard: LockFileGuard, text: str) -> None:
    """What a release's record step does: write the lock file, and tell the guard."""
    replace_text(content / LOCK_FILE, text)
    guard.remember({LOCK_FILE: sha256_file(content / LOCK_FILE)})


def _released(tmp_path: Path) -> tuple[Path, LockFileGuard]:
    """A content folder with its lock file as released, and the guard."""
    content = tmp_path / "content"
    content.mkdir()
    (content / LOCK_FILE).write_text("as released\n", encoding="utf-8")
    return content, LockFileGuard.of(content)


def test_the_lock_file_this_run_wrote_is_put_back(tmp_path: Path) -> None:
    content, guard = _released(tmp_path)
    _run_writes(content, guard, "stamped by a failed run\n")
    guard.restore()
    assert (content / LOCK_FILE).read_text(encoding="utf-8") == "as released\n"


def test_another_runs_file_with_the_same_bytes_is_kept(tmp_path: Path) -> None:
    # Two releases of one edit into two folders stamp the same second: the same bytes.
    # The one that published shipped them; the one that failed must not take them back.
    content, guard = _released(tmp_path)
    _run_writes(content, guard, "stamped\n")
    replace_text(content / LOCK_FILE, "stamped\n")  # the other run, which published
    guard.restore()
    assert (content / LOCK_FILE).read_text(encoding="utf-8") == "stamped\n"
