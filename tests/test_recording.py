"""Recording what changed is its own step, before any exporter: exporters never write content."""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import pytest

from qexport import release
from qexport.changes import LOCK_FILE
from qexport.errors import QexportError
from qexport.loader import load
from qexport.recording import record_changes
from qexport.registry import exporter_names, load_exporter

from conftest import Run


def _lock_digest(bank: Path) -> str | None:
    lock = bank / LOCK_FILE
    return hashlib.sha256(lock.read_bytes()).hexdigest() if lock.exists() else None


def test_every_job_sees_the_lock_file_as_the_release_leaves_it(
    release_run: Callable[..., Run], bank: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert _lock_digest(bank) is None  # a bank never released: this run writes the lock file
    seen: list[tuple[str, str | None]] = []
    real_run_job = release.run_job

    def run_job(question_set: Any, job: release.Job, *args: Any) -> release.Built:
        seen.append((job.exporter, _lock_digest(bank)))
        built = real_run_job(question_set, job, *args)
        seen.append((job.exporter, _lock_digest(bank)))
        return built

    monkeypatch.setattr(release, "run_job", run_job)
    result = release_run()
    assert result.exit_code == 0, result.stderr
    final = _lock_digest(bank)
    assert final is not None
    assert {digest for _, digest in seen} == {final}  # before and after every job alike
    assert {exporter for exporter, _ in seen} == {"anki", "csv", "pdf"}


def test_exporters_get_only_the_options_they_declare(
    release_run: Callable[..., Run], monkeypatch: pytest.MonkeyPatch
) -> None:
    given: dict[str, list[set[str]]] = {}
    for name in exporter_names():
        cls = type(load_exporter(name))

        def spy(
            self: Any,
            question_set: Any,
            options: Mapping[str, Any],
            out_dir: Path,
            real: Any = cls.export,
        ) -> Any:
            given.setdefault(self.name, []).append(set(options))
            return real(self, question_set, options, out_dir)

        monkeypatch.setattr(cls, "export", spy)
    result = release_run()
    assert result.exit_code == 0, result.stderr
    assert sorted(given) == ["anki", "csv", "pdf"]
    for name, option_sets in given.items():
        declared = {option.name for option in load_exporter(name).options}
        assert all(keys == declared for keys in option_sets), (name, option_sets)


def test_the_deck_build_alone_never_writes_the_lock_file(
    release_run: Callable[..., Run], bank: Path, tmp_path: Path
) -> None:
    assert release_run().exit_code == 0
    basic = bank / "basic.md"
    basic.write_text(basic.read_text(encoding="utf-8").replace("Yes", "Yes indeed"), "utf-8")
    before = (bank / LOCK_FILE).read_bytes()
    question_set = load(bank).question_set
    anki = load_exporter("anki")
    out = tmp_path / "out"
    out.mkdir()
    with pytest.raises(QexportError, match="does not match the content"):
        anki.export(question_set, {"theme": "default", "preview": None}, out)
    assert (bank / LOCK_FILE).read_bytes() == before
    # Recording first, as `qexport anki` and `qexport all` do, records the edit.
    recorded = record_changes(question_set, [("anki", {"theme": "default"})], None)
    assert any("recorded 1 change" in note for note in recorded.notes), recorded.notes
    assert (bank / LOCK_FILE).read_bytes() != before
    assert anki.export(question_set, {"theme": "default", "preview": None}, out)


def test_the_single_deck_command_records_then_builds(
    run: Callable[..., Run], bank: Path, tmp_path: Path
) -> None:
    result = run("anki", "--out", str(tmp_path / "build"), content=bank)
    assert result.exit_code == 0, result.stderr
    assert "wrote it with" in result.stderr
    assert _lock_digest(bank) is not None
    again = run("anki", "--out", str(tmp_path / "build"), content=bank)
    assert again.exit_code == 0, again.stderr
    assert "qexport.lock.json" not in again.stderr  # nothing changed: nothing recorded


def test_two_deck_themes_in_one_release_are_refused_before_anything_is_written(
    run: Callable[..., Run], release_run: Callable[..., Run], bank: Path, tmp_path: Path
) -> None:
    assert release_run().exit_code == 0
    lock, dist = (bank / LOCK_FILE).read_bytes(), _snapshot(tmp_path / "dist")
    with (bank / "set.toml").open("a", encoding="utf-8") as toml:
        toml.write('\n[release.anki]\ntheme = ["default", "print"]\n')
    for command in (["validate"], ["all", "--out", str(tmp_path / "dist")]):
        result = run(*command, content=bank)
        assert result.exit_code == 1, result.stderr
        assert "would record different things (theme: default and print)" in result.stderr
    assert (bank / LOCK_FILE).read_bytes() == lock
    assert _snapshot(tmp_path / "dist") == dist
    # One theme per release is fine, whichever it is.
    with pytest.raises(QexportError, match="would record different things"):
        record_changes(
            load(bank).question_set,
            [("anki", {"theme": "default"}), ("anki", {"theme": "print"})],
            None,
        )
    record_changes(load(bank).question_set, [("anki", {"theme": "print"})] * 2, None)


def _snapshot(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir())}


def test_a_failed_single_export_puts_the_lock_file_back(
    run: Callable[..., Run], bank: Path, tmp_path: Path
) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder", encoding="utf-8")
    result = run("anki", "--out", str(blocker / "build"), content=bank)
    assert result.exit_code == 1, result.stderr
    assert "internal error" not in result.stderr
    assert not (bank / LOCK_FILE).exists()  # recorded, then put back: nothing was written
    # With a lock file as released, a failed export leaves it exactly as it was.
    assert run("anki", "--out", str(tmp_path / "build"), content=bank).exit_code == 0
    released = (bank / LOCK_FILE).read_bytes()
    basic = bank / "basic.md"
    basic.write_text(basic.read_text(encoding="utf-8").replace("Yes", "Yes indeed"), "utf-8")
    result = run("anki", "--out", str(blocker / "build"), content=bank)
    assert result.exit_code == 1
    assert (bank / LOCK_FILE).read_bytes() == released
