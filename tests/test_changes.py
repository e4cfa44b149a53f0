"""The lock file of content hashes and change times."""

from __future__ import annotations

from pathlib import Path

import pytest

from qexport import changes
from qexport.changes import Entry
from qexport.errors import ContentError, QexportError


def test_stamp_keeps_unchanged_times_and_moves_changed_ones_forward() -> None:
    previous = {
        "note:a": Entry(100, "h1"),
        "note:b": Entry(100, "h2"),
        "note:gone": Entry(50, "x"),
    }
    stamped = changes.stamp(previous, {"note:a": "h1", "note:b": "NEW", "note:c": "h3"}, at=200)
    assert stamped.changed == {"note:a": 100, "note:b": 200, "note:c": 200}
    assert stamped.entries["note:gone"] == Entry(50, "x")  # kept: no prune asked
    assert stamped.dirty
    assert stamped.latest == 200


def test_a_change_is_always_newer_even_if_the_clock_lags() -> None:
    stamped = changes.stamp({"k": Entry(500, "old")}, {"k": "new"}, at=100)
    assert stamped.changed == {"k": 501}


def test_prune_drops_only_missing_keys_with_the_prefix() -> None:
    previous = {"note:gone": Entry(1, "x"), "notetype:print": Entry(1, "y")}
    stamped = changes.stamp(previous, {"note:a": "h"}, at=5, prune="note:")
    assert set(stamped.entries) == {"note:a", "notetype:print"}


def test_nothing_changed_is_not_dirty() -> None:
    previous = {"k": Entry(1, "h")}
    assert not changes.stamp(previous, {"k": "h"}, at=9).dirty


def test_write_then_read_round_trips_in_a_stable_layout(tmp_path: Path) -> None:
    path = tmp_path / changes.LOCK_FILE
    entries = {"note:b": Entry(2, "bb"), "note:a": Entry(1, "aa")}
    changes.write(path, entries)
    assert changes.read(path) == entries
    text = path.read_text(encoding="utf-8")
    assert text.index("note:a") < text.index("note:b")
    assert path.stat().st_mode & 0o777 == 0o644
    assert [p.name for p in tmp_path.iterdir()] == [changes.LOCK_FILE]


def test_missing_lock_file_is_empty(tmp_path: Path) -> None:
    assert changes.read(tmp_path / changes.LOCK_FILE) == {}


@pytest.mark.parametrize(
    "text", ["{", "[]", '{"format": 2, "entries": {}}', '{"format": 1, "entries": {"a": 1}}']
)
def test_damaged_lock_file(tmp_path: Path, text: str) -> None:
    path = tmp_path / changes.LOCK_FILE
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ContentError, match="the lock file is damaged"):
        changes.read(path)


def test_source_date_epoch(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700000000")
    assert changes.now() == 1_700_000_000
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "yesterday")
    with pytest.raises(QexportError, match="SOURCE_DATE_EPOCH"):
        changes.now()


def test_hash_separates_parts() -> None:
    assert changes.content_hash(["ab", "c"]) != changes.content_hash(["a", "bc"])
