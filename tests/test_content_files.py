"""`qexport all` reads only what is content, and never hashes other bytes than it loaded.

Before loading, only set.toml, the lock file and level files a loader would
accept are read; every other file is only looked at, so a huge unused image
or a stray Markdown file costs nothing. An image a question uses is hashed
once the set is loaded, and refused if it changed since that first look.
"""

from __future__ import annotations

import builtins
import io
import os
import time
from collections.abc import Callable
from io import BytesIO
from pathlib import Path
from typing import Any

import pytest

from qexport import content_files

from conftest import Run, clean_failure

BIG = 50 * 1024 * 1024  # over the loader's limit for a content file


def _png(colour: str) -> bytes:
    from PIL import Image

    buffer = BytesIO()
    Image.new("RGB", (4, 4), colour).save(buffer, format="PNG")
    return buffer.getvalue()


def _sparse(path: Path, size: int) -> None:
    """A file of `size` bytes that takes no room on disk (but as long to read as any)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("wb") as handle:
        handle.truncate(size)


def _tree(folder: Path) -> dict[str, bytes]:
    files = (p for p in folder.rglob("*") if p.is_file())
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in files}


def _use_image(bank: Path, name: str = "used.png") -> Path:
    (bank / name).write_bytes(_png("red"))
    with (bank / "basic.md").open("a", encoding="utf-8") as level_file:
        level_file.write(
            f"\n{{#a-picture topic=data-types}}\n## Which colour?\n\n![a square]({name})\n"
        )
    return bank / name


@pytest.fixture
def opened(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The names of the files opened from now on, by any means."""
    names: list[str] = []
    real_open, real_os_open = io.open, os.open

    def note(file: object) -> None:
        if isinstance(file, (str, bytes, os.PathLike)):
            names.append(os.path.basename(os.fsdecode(file)))

    def record_open(file: Any, *args: Any, **kwargs: Any) -> Any:
        note(file)
        return real_open(file, *args, **kwargs)

    def record_os_open(path: Any, *args: Any, **kwargs: Any) -> int:
        note(path)
        return real_os_open(path, *args, **kwargs)

    real_path_open = Path.open

    def record_path_open(self: Path, *args: Any, **kwargs: Any) -> Any:
        note(self)  # before 3.11, Path.open reaches io.open without looking it up
        return real_path_open(self, *args, **kwargs)

    monkeypatch.setattr(Path, "open", record_path_open)
    monkeypatch.setattr(io, "open", record_open)
    monkeypatch.setattr(builtins, "open", record_open)
    monkeypatch.setattr(os, "open", record_os_open)
    return names


def test_an_unused_image_is_never_read(
    release_run: Callable[..., Run], bank: Path, opened: list[str]
) -> None:
    _use_image(bank)
    _sparse(bank / "images" / "unused.png", BIG)  # gigabytes, in real life
    _sparse(bank / "unused.jpg", BIG)
    opened.clear()  # from here on, only what qexport opens
    result = release_run()
    assert result.exit_code == 0, result.stderr
    assert "used.png" in opened  # what is content is read
    assert "basic.md" in opened
    assert "unused.png" not in opened
    assert "unused.jpg" not in opened


def test_a_large_markdown_file_that_is_no_level_is_never_read(
    release_run: Callable[..., Run], bank: Path, opened: list[str]
) -> None:
    _sparse(bank / "extra.md", BIG)
    opened.clear()
    result = release_run()
    clean_failure(result, "'extra.md' is not a level")
    assert "set.toml" in opened
    assert "basic.md" in opened
    assert "extra.md" not in opened


def test_a_large_level_file_is_refused_unread(
    release_run: Callable[..., Run], bank: Path, opened: list[str]
) -> None:
    _sparse(bank / "advanced.md", BIG)
    opened.clear()
    result = release_run()
    clean_failure(result, "advanced.md", "content files may be at most")
    assert "advanced.md" not in opened


@pytest.mark.parametrize("how", ["saved", "saved with its old mtime"])
def test_a_used_image_edited_after_the_first_look_is_refused(
    release_run: Callable[..., Run],
    bank: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    how: str,
) -> None:
    image = _use_image(bank)
    assert release_run().exit_code == 0
    released = _tree(tmp_path / "dist")
    other = _png("#fe0000")  # a shade darker
    assert len(other) == image.stat().st_size  # only the bytes differ, not the size
    real_candidates = content_files.candidates

    def look_then_edit(content_dir: Path) -> content_files.FirstLook:
        first = real_candidates(content_dir)
        time.sleep(0.05)  # the clock moves on, as it does between a look and a save
        old = image.stat()
        image.write_bytes(other)  # the loader may have checked other bytes than are hashed
        if how == "saved with its old mtime":  # as `cp -p` or a sync tool does
            os.utime(image, ns=(old.st_atime_ns, old.st_mtime_ns))
        return first

    monkeypatch.setattr(content_files, "candidates", look_then_edit)
    result = release_run()
    clean_failure(result, f"{image}: changed while the content was being read", "nothing")
    assert _tree(tmp_path / "dist") == released
    monkeypatch.setattr(content_files, "candidates", real_candidates)
    assert release_run().exit_code == 0
    assert release_run("--check").exit_code == 0


def test_a_used_image_edited_during_the_build_is_not_published(
    release_run: Callable[..., Run], bank: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from qexport.exporters.csv import CsvExporter

    image = _use_image(bank)
    assert release_run().exit_code == 0
    released = _tree(tmp_path / "dist")
    real_export = CsvExporter.export

    def edit_meanwhile(self: CsvExporter, *args: Any) -> Any:
        image.write_bytes(_png("blue"))
        return real_export(self, *args)

    monkeypatch.setattr(CsvExporter, "export", edit_meanwhile)
    (bank / "advanced.md").write_text(
        (bank / "advanced.md").read_text(encoding="utf-8") + "\nAn edit: nothing is reused.\n",
        encoding="utf-8",
    )
    result = release_run()
    clean_failure(result, "changed while the release was being built", "used.png")
    assert _tree(tmp_path / "dist") == released


def test_the_content_key_is_the_hash_of_what_is_content(bank: Path) -> None:
    # A key read from the files: a release made before stays up to date.
    import hashlib

    from qexport.loader import load

    image = _use_image(bank)
    _sparse(bank / "unused.png", 1000)
    question_set = load(bank).question_set
    digests = content_files.of_set(content_files.candidates(bank), question_set)
    assert digests == {
        "set.toml": hashlib.sha256((bank / "set.toml").read_bytes()).hexdigest(),
        "basic.md": hashlib.sha256((bank / "basic.md").read_bytes()).hexdigest(),
        "advanced.md": hashlib.sha256((bank / "advanced.md").read_bytes()).hexdigest(),
        "used.png": hashlib.sha256(image.read_bytes()).hexdigest(),
    }
