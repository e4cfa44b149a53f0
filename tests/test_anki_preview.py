"""`qexport anki --preview DIR` writes only where it harms nothing, as --out does."""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from pathlib import Path

import pytest

from qexport import manifest

from conftest import Run

MARKER = ".qexport-preview"  # anki_preview.MARKER, named here so old versions can be tested
PAGES = 3 * 4 + 1  # the small bank's 3 questions, front and back, day and night; the index


def _preview(run: Callable[..., Run], bank: Path, folder: Path, out: Path) -> Run:
    return run("anki", "--out", str(out), "--preview", str(folder), content=bank)


def _files(folder: Path) -> set[str]:
    return {p.name for p in folder.iterdir()}


def test_a_preview_replaces_its_own_pages_and_removes_stale_ones(
    bank: Path, run: Callable[..., Run], tmp_path: Path
) -> None:
    folder = tmp_path / "preview"
    assert _preview(run, bank, folder, tmp_path / "dist").exit_code == 0
    first = _files(folder)
    assert len(first) == PAGES + 1  # and the marker
    assert MARKER in first
    gone = {name for name in first if "-gil-" in name}
    assert len(gone) == 4

    advanced = bank / "advanced.md"
    text = advanced.read_text(encoding="utf-8")
    advanced.write_text(text.replace("{#gil ", "{#gil-explained "), encoding="utf-8")
    result = _preview(run, bank, folder, tmp_path / "dist")
    assert result.exit_code == 0, result.stderr
    now = _files(folder)
    assert not now & gone  # the renamed question's old pages are gone
    assert len(now) == PAGES + 1
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".qexport-preview-")]


def test_a_folder_with_other_files_is_refused_and_left_alone(
    bank: Path, run: Callable[..., Run], tmp_path: Path
) -> None:
    site = tmp_path / "site"
    site.mkdir()
    (site / "index.html").write_text("<p>my site</p>", encoding="utf-8")
    result = _preview(run, bank, site, tmp_path / "dist")
    assert result.exit_code == 1, result.stderr
    assert f"--preview {site} holds files a preview did not write (index.html)" in result.stderr
    assert "internal error" not in result.stderr
    assert _files(site) == {"index.html"}
    assert (site / "index.html").read_text(encoding="utf-8") == "<p>my site</p>"
    assert not list(tmp_path.glob("dist/*.apkg"))


@pytest.mark.parametrize("where", ["content", "inside", "around"])
def test_a_preview_in_or_around_the_content_is_refused(
    where: str, bank: Path, run: Callable[..., Run], tmp_path: Path
) -> None:
    folder = {"content": bank, "inside": bank / "pages", "around": bank.parent}[where]
    before = sorted(p.relative_to(bank.parent) for p in bank.parent.rglob("*"))
    result = _preview(run, bank, folder, tmp_path / "elsewhere" / "dist")
    assert result.exit_code == 1, result.stderr
    assert result.stderr.startswith(f"qexport: --preview {folder}")
    assert "content folder" in result.stderr
    after = sorted(p.relative_to(bank.parent) for p in bank.parent.rglob("*"))
    assert [p for p in after if p.parts[0] != "elsewhere"] == before


def test_a_preview_inside_a_release_is_refused(
    bank: Path, run: Callable[..., Run], tmp_path: Path
) -> None:
    release = tmp_path / "release"
    release.mkdir()
    listing = json.dumps({"format": manifest.FORMAT, "artifacts": []})
    (release / manifest.MANIFEST).write_text(listing, encoding="utf-8")
    for folder in (release, release / "preview"):
        result = _preview(run, bank, folder, tmp_path / "dist")
        assert result.exit_code == 1, result.stderr
        assert f"is inside the qexport release {release}" in result.stderr
    assert _files(release) == {manifest.MANIFEST}


def test_a_preview_cut_short_is_still_known_as_a_preview(
    bank: Path, run: Callable[..., Run], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = tmp_path / "preview"
    assert _preview(run, bank, folder, tmp_path / "dist").exit_code == 0
    from qexport.exporters.anki import preview as anki_preview

    real_replace = os.replace
    moved = []

    def fail_after_three(source: object, target: object) -> None:
        if len(moved) == 3:
            raise OSError(28, "No space left on device")
        moved.append(target)
        real_replace(source, target)  # type: ignore[arg-type]

    monkeypatch.setattr(anki_preview.os, "replace", fail_after_three)
    result = _preview(run, bank, folder, tmp_path / "dist")
    assert result.exit_code == 1
    assert f"cannot write the preview into {folder}: No space left on device" in result.stderr
    monkeypatch.undo()
    result = _preview(run, bank, folder, tmp_path / "dist")
    assert result.exit_code == 0, result.stderr
    assert len(_files(folder)) == PAGES + 1


def test_a_marker_lists_only_page_names(
    bank: Path, run: Callable[..., Run], tmp_path: Path
) -> None:
    """A marker written by hand cannot make a preview delete or overwrite other files."""
    from qexport.exporters.anki import preview as anki_preview

    folder = tmp_path / "preview"
    folder.mkdir()
    (folder / "notes.txt").write_text("mine", encoding="utf-8")
    marker = anki_preview.MARKER_HEAD + "notes.txt\n../outside.html\n"
    (folder / anki_preview.MARKER).write_text(marker, encoding="utf-8")
    result = _preview(run, bank, folder, tmp_path / "dist")
    assert result.exit_code == 1
    assert "(notes.txt)" in result.stderr
    assert (folder / "notes.txt").read_text(encoding="utf-8") == "mine"
