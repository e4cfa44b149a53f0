"""The lock file of content hashes and change times."""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from qexport import changes
from qexport.changes import Entry
from qexport.errors import ContentError, QexportError

from conftest import Run


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
    assert changes.digest_of(["ab", "c"]) != changes.digest_of(["a", "bc"])


def _entry_text(changed: str) -> str:
    return (
        '{\n  "entries": {\n    "note:a": {\n      "changed": 1700000000,\n      "hash": "h"\n'
        f'    }},\n    "note:b": {{\n      "changed": {changed},\n      "hash": "h"\n    }}\n'
        '  },\n  "format": 1\n}\n'
    )


HOSTILE_LOCKS = {
    "infinite time": _entry_text("1e400"),
    "a year past 9999": _entry_text("253402300800"),
    "too big for SQLite": _entry_text(str(2**63)),
    "a thousands-digit time": _entry_text("9" * 5000),
    "a fraction": _entry_text("1700000000.5"),
    "negative": _entry_text("-1"),
    "text": _entry_text('"1700000000"'),
    "true": _entry_text("true"),
    "far in the future": _entry_text("4354819200"),  # 2108: zip dates end in 2107
    "nested brackets": "[" * 100_000 + "]" * 100_000,
    "nested objects": '{"a":' * 100_000 + "1" + "}" * 100_000,
}


@pytest.mark.parametrize("kind", sorted(HOSTILE_LOCKS))
def test_hostile_lock_file_is_a_located_clean_error(
    kind: str, bank: Path, run: Callable[..., Run], tmp_path: Path
) -> None:
    lock = bank / changes.LOCK_FILE
    lock.write_text(HOSTILE_LOCKS[kind], encoding="utf-8")
    result = run("anki", "--out", str(tmp_path / "dist"), content=bank)
    assert result.exit_code == 1, result.stderr
    assert "the lock file is damaged" in result.stderr
    assert "internal error" not in result.stderr
    if "entries" in HOSTILE_LOCKS[kind]:
        assert f"{lock}:7: the lock file is damaged: entry 'note:b'" in result.stderr
    assert not (tmp_path / "dist").exists() or not any((tmp_path / "dist").iterdir())
    assert lock.read_text(encoding="utf-8") == HOSTILE_LOCKS[kind]


@pytest.mark.parametrize(
    "epoch",
    ["99999999999", "9" * 5000, "\u00b2", "\uff11\uff17", " 1700000000", "-1", "1e9", ""],
)
def test_bad_source_date_epoch_is_a_clean_error(
    epoch: str,
    bank: Path,
    run: Callable[..., Run],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("SOURCE_DATE_EPOCH", epoch)
    result = run("anki", "--out", str(tmp_path / "dist"), content=bank)
    assert result.exit_code == 1, result.stderr
    assert result.stderr.startswith("qexport: SOURCE_DATE_EPOCH")
    assert "internal error" not in result.stderr
    assert not (bank / changes.LOCK_FILE).exists()


def test_source_date_epoch_may_be_zero_or_now(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "0")
    assert changes.now() == 0
    soon = int(time.time()) + 60
    monkeypatch.setenv("SOURCE_DATE_EPOCH", str(soon))
    assert changes.now() == soon


@pytest.mark.parametrize("kind", sorted(HOSTILE_LOCKS))
def test_validate_reads_the_lock_file(kind: str, bank: Path, run: Callable[..., Run]) -> None:
    """A lock file that would stop `qexport anki` fails `qexport validate` too."""
    lock = bank / changes.LOCK_FILE
    lock.write_text(HOSTILE_LOCKS[kind], encoding="utf-8")
    result = run("validate", content=bank)
    assert result.exit_code == 1, result.stdout
    assert result.stdout == ""
    assert f"{lock}:" in result.stderr
    assert "the lock file is damaged" in result.stderr
    assert result.stderr.endswith("qexport: 1 error in the content\n")
    if "entries" in HOSTILE_LOCKS[kind]:
        assert f"{lock}:7: the lock file is damaged: entry 'note:b'" in result.stderr


@pytest.mark.parametrize("ensure_ascii", [True, False], ids=["escaped", "as-is"])
def test_a_bad_entry_with_a_non_ascii_key_is_reported_at_its_line(
    ensure_ascii: bool, tmp_path: Path
) -> None:
    entries = {
        "note:a": {"changed": 1, "hash": "h"},
        "note:caf\u00e9": {"changed": -1, "hash": "h"},
    }
    text = json.dumps({"entries": entries, "format": 1}, indent=2, ensure_ascii=ensure_ascii)
    path = tmp_path / changes.LOCK_FILE
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ContentError) as caught:
        changes.read(path)
    assert caught.value.line == 7
    assert "caf\u00e9" in caught.value.message


def test_a_lock_file_with_a_byte_order_mark_is_read(
    bank: Path, run: Callable[..., Run], tmp_path: Path
) -> None:
    """Some editors save UTF-8 with a byte order mark: the lock file is still the same."""
    assert run("anki", "--out", str(tmp_path / "one"), content=bank).exit_code == 0
    lock = bank / changes.LOCK_FILE
    entries = changes.read(lock)
    lock.write_bytes(b"\xef\xbb\xbf" + lock.read_bytes())
    assert changes.read(lock) == entries
    assert run("validate", content=bank).exit_code == 0
    result = run("anki", "--out", str(tmp_path / "two"), content=bank)
    assert result.exit_code == 0, result.stderr
    assert (tmp_path / "one" / "tiny-test-set.apkg").read_bytes() == (
        tmp_path / "two" / "tiny-test-set.apkg"
    ).read_bytes()


def test_a_lock_file_that_links_out_of_the_content_folder_is_not_read(tmp_path: Path) -> None:
    # A bank from elsewhere must not make qexport read (and report) a file of yours.
    (tmp_path / "content").mkdir()
    secret = tmp_path / "secret.json"
    secret.write_text('{"format": 1, "entries": {}}', encoding="utf-8")
    lock = tmp_path / "content" / changes.LOCK_FILE
    lock.symlink_to(secret)
    with pytest.raises(ContentError, match="a link that leads out of the content folder"):
        changes.read(lock)


def test_a_huge_lock_file_is_refused_before_it_is_read(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(changes, "MAX_FILE_BYTES", 100)
    lock = tmp_path / changes.LOCK_FILE
    lock.write_text('{"format": 1, "entries": {}}' + " " * 200, encoding="utf-8")
    with pytest.raises(ContentError, match=r"damaged \(over \d+ MB\)"):
        changes.read(lock)
