"""Hostile and extreme input: never a traceback, never an exhausted machine.

Speed is not asserted here (benchmarks/ measures it); the timeouts below
only catch a hang.
"""

from __future__ import annotations

import errno
import json
import os
import shutil
import sqlite3
import subprocess
import sys
import zipfile
from collections.abc import Callable
from pathlib import Path

import pytest

from qexport import normalize
from qexport.errors import ContentErrors
from qexport.loader import MAX_ANSWER_CHARS, load

from conftest import FIXTURES, Run

CRASHERS = sorted((FIXTURES / "fuzz-crashers").glob("*.md"))
HANG_GUARD_SECONDS = 60


@pytest.mark.parametrize("crasher", CRASHERS, ids=[p.stem for p in CRASHERS])
def test_known_crashers_give_located_errors(crasher: Path, bank: Path) -> None:
    shutil.copy(crasher, bank / "basic.md")
    with pytest.raises(ContentErrors) as caught:
        load(bank)
    assert all(e.line is not None for e in caught.value.errors)


PATHOLOGICAL = {
    "nested-quotes": "> " * 500_000 + "x\n",
    "nested-lists": "".join("  " * i + "- x\n" for i in range(2_000)),
    "brackets": "[" * 1_000_000 + "\n",
    "backticks": "`" * 1_000_000 + "\n",
    "emphasis": "*a " * 300_000 + "\n",
    "attribute-lines": "{#a topic=b}\n" * 70_000,
    "headings": "## Q?\n" * 150_000,
    "one-long-line": "x" * 1_000_000 + "\n",
    "fences": "```python\n" * 90_000,
    "code-spans-and-references": "&#x202E; " + "` " * 450_000 + "\n",
}


@pytest.mark.parametrize("name", sorted(PATHOLOGICAL))
def test_a_pathological_megabyte_validates_without_hanging(name: str, bank: Path) -> None:
    text = PATHOLOGICAL[name]
    assert len(text.encode()) >= 900_000
    (bank / "basic.md").write_text(text, encoding="utf-8")
    result = subprocess.run(
        [sys.executable, "-m", "qexport", "--content", str(bank), "validate"],
        capture_output=True,
        text=True,
        timeout=HANG_GUARD_SECONDS,
        check=False,
    )
    assert result.returncode in (0, 1), result.stderr
    assert "Traceback" not in result.stderr
    assert "internal error" not in result.stderr


def test_a_ten_megabyte_answer_is_a_clear_error(bank: Path) -> None:
    with (bank / "advanced.md").open("a", encoding="utf-8") as f:
        f.write("\n{#huge topic=concurrency}\n## Huge?\n\n" + "word " * 2_000_000 + "\n")
    with pytest.raises(ContentErrors) as caught:
        load(bank)
    (error,) = caught.value.errors
    assert error.message.startswith("the answer is 9,999,999 characters")
    assert f"at most {MAX_ANSWER_CHARS:,}" in error.message
    assert error.line == 17


def test_a_huge_file_is_refused_before_it_is_read(
    bank: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(normalize, "MAX_FILE_BYTES", 1000)
    (bank / "basic.md").write_text("x" * 2000, encoding="utf-8")
    with pytest.raises(ContentErrors) as caught:
        load(bank)
    assert any("content files may be at most" in e.message for e in caught.value.errors)


def test_too_many_questions_is_a_clear_error(bank: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import qexport.loader

    monkeypatch.setattr(qexport.loader, "MAX_QUESTIONS", 2)
    with pytest.raises(ContentErrors) as caught:
        load(bank)
    assert caught.value.errors[0].message.startswith("more than 2 questions")


def _deck_text(apkg: Path, scratch: Path) -> tuple[str, str]:
    """All note fields of a deck, and its note types' JSON (templates and CSS)."""
    with zipfile.ZipFile(apkg) as archive:
        (scratch / "collection.db").write_bytes(archive.read("collection.anki2"))
    db = sqlite3.connect(scratch / "collection.db")
    try:
        fields = " ".join(row[0] for row in db.execute("select flds from notes"))
        models = str(db.execute("select models from col").fetchone()[0])
    finally:
        db.close()
    return fields, models


UNICODE = (
    "\n{#world topic=concurrency}\n## Кириллица, עברית, العربية, e\u0301 and 😀?\n\n"
    "Combining: e\u0301; RTL: שלום; emoji: 🐍.\n"
)


def test_non_latin_text_survives_into_the_deck_and_csv(
    run: Callable[..., Run], bank: Path, tmp_path: Path
) -> None:
    with (bank / "advanced.md").open("a", encoding="utf-8") as f:
        f.write(UNICODE)
    out = tmp_path / "dist"
    assert run("anki", "--out", str(out), content=bank).exit_code == 0
    assert run("csv", "--dialect", "plain", "--out", str(out), content=bank).exit_code == 0
    fields, _ = _deck_text(out / "tiny-test-set.apkg", tmp_path)
    for text in ("Кириллица", "עברית", "العربية", "\u00e9", "😀", "שלום", "🐍"):
        assert text in fields
        assert text in (out / "tiny-test-set-plain.csv").read_text(encoding="utf-8")


def test_text_the_pdf_fonts_lack_is_reported_not_boxed(
    run: Callable[..., Run], bank: Path, tmp_path: Path
) -> None:
    with (bank / "advanced.md").open("a", encoding="utf-8") as f:
        f.write(UNICODE)
    result = run("pdf", "--out", str(tmp_path / "dist"), content=bank)
    assert result.exit_code == 1
    assert "advanced.md:17: 'ע' (U+05E2 HEBREW LETTER AYIN) is not in the font" in result.stderr
    assert "'😀' (U+1F600 GRINNING FACE)" in result.stderr
    assert "Кириллица" not in result.stderr  # Cyrillic is in the fonts


HOSTILE = (
    "\n{#hostile topic=concurrency}\n## <script>alert(1)</script>?\n\n"
    '<img src=x onerror="alert(1)"> [click](javascript:alert(1)) '
    "![pixel](javascript:alert(1)) <a href='javascript:alert(1)'>a</a>\n"
)


def test_raw_html_and_javascript_links_never_reach_a_card(
    run: Callable[..., Run], bank: Path, tmp_path: Path
) -> None:
    with (bank / "advanced.md").open("a", encoding="utf-8") as f:
        f.write(HOSTILE)
    out = tmp_path / "dist"
    assert run("anki", "--out", str(out), content=bank).exit_code == 0
    fields, models = _deck_text(out / "tiny-test-set.apkg", tmp_path)
    # Escaped text such as "&lt;img onerror=" is harmless: only real tags and links matter.
    for bad in ("<script", "<img", 'href="javascript', "<a href='javascript"):
        assert bad not in fields
        assert bad not in models
    assert "&lt;script&gt;" in fields


# Faults ------------------------------------------------------------------------


@pytest.fixture
def released(run: Callable[..., Run], bank: Path, tmp_path: Path) -> Path:
    out = tmp_path / "dist"
    result = run("all", "--out", str(out), "--jobs", "1", content=bank)
    assert result.exit_code == 0, result.stderr
    return out


def _snapshot(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir())}


def _refuse_writes(monkeypatch: pytest.MonkeyPatch, fault: int) -> None:
    """Make Path.write_bytes (the CSV exporter's write) fail as a disk would."""

    def failing_write(self: Path, data: bytes) -> int:
        raise OSError(fault, os.strerror(fault), str(self))

    monkeypatch.setattr(Path, "write_bytes", failing_write)


def _change(bank: Path) -> None:
    with (bank / "basic.md").open("a", encoding="utf-8") as f:
        f.write("\nA later edit.\n")


@pytest.mark.parametrize(
    ("fault", "message"),
    [
        (errno.ENOSPC, "No space left on device"),
        (errno.EROFS, "Read-only file system"),
        (errno.EACCES, "Permission denied"),
    ],
)
def test_write_faults_keep_the_release(
    run: Callable[..., Run],
    bank: Path,
    released: Path,
    monkeypatch: pytest.MonkeyPatch,
    fault: int,
    message: str,
) -> None:
    before = _snapshot(released)
    _change(bank)
    _refuse_writes(monkeypatch, fault)
    result = run("all", "--out", str(released), "--jobs", "1", content=bank)
    assert result.exit_code == 1
    assert f"cannot write the release: {message}" in result.stderr
    assert f"{released} is unchanged" in result.stderr
    assert _snapshot(released) == before
    assert not list(released.parent.glob(".qexport-staging-*"))


def test_a_full_disk_for_a_single_exporter_is_a_clean_error(
    run: Callable[..., Run], bank: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _refuse_writes(monkeypatch, errno.ENOSPC)
    result = run("csv", "--out", str(tmp_path / "dist"), content=bank)
    assert result.exit_code == 1
    assert "No space left on device" in result.stderr
    assert "Traceback" not in result.stderr


def test_a_missing_theme_is_a_clean_error(
    run: Callable[..., Run], bank: Path, tmp_path: Path
) -> None:
    for command in ("anki", "pdf"):
        result = run(command, "--theme", "nigth", "--out", str(tmp_path / "dist"), content=bank)
        assert result.exit_code == 1
        assert result.stderr.startswith("qexport: unknown theme 'nigth'")


def test_a_corrupted_manifest_is_refused_not_trusted(
    run: Callable[..., Run], bank: Path, released: Path
) -> None:
    (released / "manifest.json").write_text("{ this is not json", encoding="utf-8")
    before = _snapshot(released)
    result = run("all", "--out", str(released), "--jobs", "1", content=bank)
    assert result.exit_code == 1
    assert "(its manifest.json is not a qexport manifest, or is damaged)" in result.stderr
    assert _snapshot(released) == before  # nothing deleted: it may not be a release at all


def test_a_manifest_pointing_outside_the_release_is_refused(
    run: Callable[..., Run], bank: Path, released: Path, tmp_path: Path
) -> None:
    data = json.loads((released / "manifest.json").read_text(encoding="utf-8"))
    (tmp_path / "secret.txt").write_text("secret", encoding="utf-8")
    for artifact in data["artifacts"]:
        artifact["path"] = "../secret.txt"
    (released / "manifest.json").write_text(json.dumps(data), encoding="utf-8")
    before = _snapshot(released)
    result = run("all", "--out", str(released), "--jobs", "1", content=bank)
    assert result.exit_code == 1
    assert "is not a qexport release" in result.stderr
    assert _snapshot(released) == before
    assert (tmp_path / "secret.txt").read_text(encoding="utf-8") == "secret"


def test_an_unwritable_parent_folder_is_a_clean_error(
    run: Callable[..., Run], bank: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    real_open = Path.open

    def refuse(self: Path, *args: object, **kwargs: object) -> object:
        if self.name.endswith(".lock"):
            raise PermissionError(errno.EACCES, os.strerror(errno.EACCES), str(self))
        return real_open(self, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(Path, "open", refuse)
    result = run("all", "--out", str(tmp_path / "dist"), content=bank)
    assert result.exit_code == 1
    assert result.stderr.startswith(f"qexport: cannot write next to {tmp_path / 'dist'}")
