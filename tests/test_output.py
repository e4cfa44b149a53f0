"""Publishing artifacts: all of an export lands, or none of it does."""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from qexport.errors import QexportError
from qexport.exporter import Artifact
from qexport.output import EXPORT_STAGING_PREFIX, write_artifacts

from conftest import GOOD, Run, clean_failure


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
    published = write_artifacts(out, _writer("a.txt", "sub/b.txt"))
    assert [a.path for a in published] == [out / "a.txt", out / "sub" / "b.txt"]
    assert (out / "sub" / "b.txt").read_text(encoding="utf-8") == "new sub/b.txt"
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(EXPORT_STAGING_PREFIX)]


def test_interrupted_export_keeps_the_previous_files(tmp_path: Path) -> None:
    out = tmp_path / "dist"
    out.mkdir()
    (out / "a.txt").write_text("old", encoding="utf-8")
    with pytest.raises(KeyboardInterrupt):
        write_artifacts(out, _writer("a.txt", fail=True))
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
        write_artifacts(out, _writer("a.txt"))
    assert (out / "a.txt").read_text(encoding="utf-8") == "old"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["dist"]


def test_out_path_that_is_a_file_is_a_clean_error(tmp_path: Path) -> None:
    (tmp_path / "dist").write_text("not a folder", encoding="utf-8")
    with pytest.raises(QexportError, match="cannot write to"):
        write_artifacts(tmp_path / "dist", _writer("a.txt"))


@pytest.mark.parametrize("command", ["anki", "csv", "all"])
def test_an_out_name_too_long_for_the_side_files_is_a_clean_error(
    run: Callable[..., Run], bank: Path, tmp_path: Path, command: str
) -> None:
    out = tmp_path / ("d" * 247)  # a valid name; `.<name>.previous` is not
    result = run(command, "--out", str(out), content=bank)
    clean_failure(result, "too long for the files qexport keeps beside it")
    assert not out.exists()


@pytest.fixture
def mount_point(tmp_path: Path) -> Iterator[Path]:
    point = tmp_path / "mounted"
    point.mkdir()
    made = subprocess.run(["mount", "-t", "tmpfs", "tmpfs", str(point)], capture_output=True)
    if made.returncode != 0:
        pytest.skip("mounting a tmpfs needs root")
    try:
        yield point
    finally:
        subprocess.run(["umount", str(point)], check=True)


@pytest.mark.parametrize("command", ["all", "anki"])
def test_a_mount_point_as_out_is_refused_before_any_work(
    run: Callable[..., Run], bank: Path, mount_point: Path, command: str
) -> None:
    result = run(command, "--out", str(mount_point), content=bank)
    clean_failure(result, "is a mount point", "use a folder inside it")
    assert list(mount_point.iterdir()) == []
    inside = run(command, "--out", str(mount_point / "dist"), content=bank)
    assert inside.exit_code == 0, inside.stderr


def test_a_link_to_another_file_system_is_written_through(
    run: Callable[..., Run], bank: Path, tmp_path: Path
) -> None:
    shm = Path("/dev/shm")
    if not shm.is_dir() or shm.stat().st_dev == tmp_path.stat().st_dev:
        pytest.skip("needs /dev/shm on another file system")
    target = Path(tempfile.mkdtemp(dir=shm))
    try:
        (tmp_path / "link").symlink_to(target)
        result = run("csv", "--out", str(tmp_path / "link"), content=bank)
        assert result.exit_code == 0, result.stderr
        assert [p.suffix for p in target.iterdir()] == [".csv"]
        assert not list(tmp_path.glob(".qexport-export-*"))
    finally:
        shutil.rmtree(target)


def test_an_out_inside_the_content_suggests_a_folder_beside_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A bank kept as its own repository, built from inside it: dist/ would land in it.
    from qexport.output import resolve_out

    content = tmp_path / "bank"
    content.mkdir()
    monkeypatch.chdir(content)
    with pytest.raises(QexportError) as caught:
        resolve_out(Path("dist"), Path("."))
    assert str(caught.value).endswith("choose a folder outside it, such as ../dist")


@pytest.mark.parametrize(
    ("args", "suggested"),
    [
        (["all", "--out", "content/dist"], "dist"),
        (["anki", "--out", "content/b"], "build"),
        (["anki", "--preview", "content/pages"], "preview"),
    ],
)
def test_each_refused_folder_suggests_where_that_command_writes(
    args: list[str],
    suggested: str,
    run: Callable[..., Run],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    shutil.copytree(GOOD, tmp_path / "content")
    monkeypatch.chdir(tmp_path)
    result = run(*args, content=Path("content"))
    assert result.exit_code == 1, result.stderr
    assert result.stderr.rstrip().endswith(f"such as {suggested}"), result.stderr
