"""Publishing artifacts: all of an export lands, or none of it does."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

import pytest

from qexport.errors import QexportError
from qexport.output import STAGING_PREFIX, publish
from qexport.registry import Artifact


def _writer(*names: str, fail: bool = False) -> Callable[[Path], list[Artifact]]:
    def build(staging: Path) -> list[Artifact]:
        artifacts = []
        for name in names:
            path = staging / name
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(f"new {name}", encoding="utf-8")
            artifacts.append(Artifact(path, "test"))
        if fail:
            raise KeyboardInterrupt  # as if the user pressed Ctrl-C mid-export
        return artifacts

    return build


def test_artifacts_move_into_place(tmp_path: Path) -> None:
    out = tmp_path / "dist"
    published = publish(out, _writer("a.txt", "sub/b.txt"))
    assert [a.path for a in published] == [out / "a.txt", out / "sub" / "b.txt"]
    assert (out / "sub" / "b.txt").read_text(encoding="utf-8") == "new sub/b.txt"
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(STAGING_PREFIX)]


def test_interrupted_export_keeps_the_previous_files(tmp_path: Path) -> None:
    out = tmp_path / "dist"
    out.mkdir()
    (out / "a.txt").write_text("old", encoding="utf-8")
    with pytest.raises(KeyboardInterrupt):
        publish(out, _writer("a.txt", fail=True))
    assert (out / "a.txt").read_text(encoding="utf-8") == "old"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["dist"]


def test_unwritable_out_dir_is_a_clean_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Tests run as root in CI, where permissions do not stop writes: refuse the rename instead.
    out = tmp_path / "dist"
    out.mkdir()
    (out / "a.txt").write_text("old", encoding="utf-8")

    def refuse(_src: object, _dst: object) -> None:
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(os, "replace", refuse)
    with pytest.raises(QexportError, match=r"cannot write to .*: Permission denied"):
        publish(out, _writer("a.txt"))
    assert (out / "a.txt").read_text(encoding="utf-8") == "old"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["dist"]


def test_out_path_that_is_a_file_is_a_clean_error(tmp_path: Path) -> None:
    (tmp_path / "dist").write_text("not a folder", encoding="utf-8")
    with pytest.raises(QexportError, match="cannot write to"):
        publish(tmp_path / "dist", _writer("a.txt"))
