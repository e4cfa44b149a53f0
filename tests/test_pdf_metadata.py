"""What a PDF says about itself: its dates and title; and what printing warns of first."""

from __future__ import annotations

import json
import os
import subprocess
import time
from collections.abc import Callable
from datetime import datetime, timezone
from pathlib import Path

import pytest
from PIL import Image
from pypdf import PdfReader

from qexport.changes import LOCK_FILE

from conftest import CONTENT, Run, clean_failure

LAYOUTS = ("booklet", "cheatsheet", "cards")
NOTE_KEY = "note:"  # the lock file's key of a question's note


def pdf_date(seconds: int) -> str:
    return datetime.fromtimestamp(seconds, timezone.utc).strftime("D:%Y%m%d%H%M%S+00'00'")


def dates(pdf: Path) -> tuple[str, str]:
    info = PdfReader(pdf).metadata
    assert info is not None
    return str(info["/CreationDate"]), str(info["/ModDate"])


def latest_change(content: Path, ids: set[str] | None = None) -> int:
    """The latest time the lock file records for the notes `ids` (all notes by default)."""
    entries = json.loads((content / LOCK_FILE).read_text(encoding="utf-8"))["entries"]
    return max(
        entry["changed"]
        for key, entry in entries.items()
        if key.startswith(NOTE_KEY) and (ids is None or key[len(NOTE_KEY) :] in ids)
    )


def build(run: Callable[..., Run], content: Path, out: Path, *args: str) -> Path:
    result = run("pdf", "--out", str(out), *args, content=content)
    assert result.exit_code == 0, result.stderr
    (pdf,) = out.glob("*.pdf")
    return pdf


# Dates --------------------------------------------------------------------------


@pytest.mark.parametrize("layout", LAYOUTS)
def test_a_pdf_is_dated_by_the_content_s_latest_recorded_change(
    layout: str, run: Callable[..., Run], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("SOURCE_DATE_EPOCH", raising=False)
    pdf = build(run, CONTENT, tmp_path / "all", "--layout", layout)
    expected = pdf_date(latest_change(CONTENT))
    assert dates(pdf) == (expected, expected)
    assert not expected.startswith("D:2000")
    # A selection is dated by its own questions' latest change.
    basic = build(run, CONTENT, tmp_path / "basic", "--layout", layout, "--level", "basic")
    from qexport.loader import load

    ids = {q.id for q in load(CONTENT).question_set.questions if q.level == "basic"}
    assert dates(basic)[0] == pdf_date(latest_change(CONTENT, ids))


@pytest.mark.parametrize("layout", LAYOUTS)
def test_source_date_epoch_dates_every_pdf_and_rebuilds_match(
    layout: str,
    run: Callable[..., Run],
    bank: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700000000")
    first = build(run, bank, tmp_path / "one", "--layout", layout)
    second = build(run, bank, tmp_path / "two", "--layout", layout)
    assert dates(first) == (pdf_date(1700000000),) * 2
    assert first.read_bytes() == second.read_bytes()
    assert os.environ["SOURCE_DATE_EPOCH"] == "1700000000"  # left as it was
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "soon")
    result = run("pdf", "--out", str(tmp_path / "bad"), "--layout", layout, content=bank)
    clean_failure(result, "SOURCE_DATE_EPOCH must be a whole number of seconds")


def test_without_a_lock_file_a_pdf_is_dated_by_its_newest_file(
    run: Callable[..., Run], bank: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("SOURCE_DATE_EPOCH", raising=False)
    assert not (bank / LOCK_FILE).exists()
    for number, path in enumerate(sorted(bank.iterdir())):
        os.utime(path, (1_600_000_000 + number, 1_600_000_000 + number * 1000))
    newest = max(int(path.stat().st_mtime) for path in bank.iterdir())
    pdf = build(run, bank, tmp_path / "out", "--layout", "cheatsheet")
    assert dates(pdf) == (pdf_date(newest),) * 2
    again = build(run, bank, tmp_path / "again", "--layout", "cheatsheet")
    assert again.read_bytes() == pdf.read_bytes()
    # An image the questions show is content too; a file lying beside them is not.
    _bank_with_images(bank, {"later.png": (40, 20)})
    (bank / "notes.txt").write_text("not content", encoding="utf-8")
    os.utime(bank / "notes.txt", (1_800_000_000, 1_800_000_000))
    for path in (bank / "basic.md", bank / "images" / "later.png"):
        os.utime(path, (1_600_000_000, 1_700_000_000 if path.suffix == ".png" else 1_600_000_000))
    pdf = build(run, bank, tmp_path / "image", "--layout", "cheatsheet")
    assert dates(pdf) == (pdf_date(1_700_000_000),) * 2


def test_a_release_dates_its_pdfs_as_its_deck_and_checks_clean(
    run: Callable[..., Run], content: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The deck records the change; every PDF, built in parallel, carries the same time."""
    from qexport import release

    monkeypatch.delenv("SOURCE_DATE_EPOCH", raising=False)
    # The deck's job would start last: the PDFs' jobs must still wait for its lock file.
    monkeypatch.setattr(
        release,
        "_longest_first",
        lambda jobs: sorted(range(len(jobs)), key=lambda i: jobs[i].exporter == "anki"),
    )
    out = tmp_path / "dist"
    before = int(time.time())
    result = run("all", "--out", str(out), "--jobs", "2", content=content)
    assert result.exit_code == 0, result.stderr
    recorded = latest_change(content)  # this run wrote the lock file
    assert recorded >= before
    pdfs = sorted(out.glob("*.pdf"))
    assert len(pdfs) == 3
    for pdf in pdfs:
        assert dates(pdf) == (pdf_date(recorded),) * 2, pdf.name
    check = run("all", "--out", str(out), "--check", content=content)
    assert check.exit_code == 0, check.stderr


# Titles -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("layout", "title"),
    [
        ("booklet", "Python Interview Questions"),
        ("cheatsheet", "Python Interview Questions: cheat sheet"),
        ("cards", "Python Interview Questions: flash cards"),
    ],
)
def test_each_pdf_is_titled_for_what_it_is(
    layout: str, title: str, run: Callable[..., Run], tmp_path: Path
) -> None:
    pdf = build(run, CONTENT, tmp_path, "--layout", layout, "--level", "basic")
    reader = PdfReader(pdf)
    assert reader.metadata is not None
    assert reader.metadata.title == title


# --sides -----------------------------------------------------------------------


def test_a_one_sided_booklet_is_named_so_and_only_the_booklet_has_sides(
    run: Callable[..., Run], bank: Path, tmp_path: Path
) -> None:
    one = build(run, bank, tmp_path / "one", "--sides", "one")
    assert one.name == "tiny-test-set-booklet-one-sided-a4.pdf"
    two = build(run, bank, tmp_path / "two")
    assert two.name == "tiny-test-set-booklet-a4.pdf"
    assert len(PdfReader(one).pages) < len(PdfReader(two).pages)  # no blank left-hand pages
    for layout in ("cheatsheet", "cards"):
        out = str(tmp_path / layout)
        result = run("pdf", "--layout", layout, "--sides", "one", "--out", out, content=bank)
        clean_failure(result, "--sides one is for the booklet")


# Images that would print blurred --------------------------------------------------


def _bank_with_images(bank: Path, sizes: dict[str, tuple[int, int]]) -> dict[str, int]:
    """Images of `sizes` pixels shown by the first answer; the line of each, by name."""
    (bank / "images").mkdir()
    basic = bank / "basic.md"
    lines = basic.read_text(encoding="utf-8").splitlines()
    starts = [i for i, line in enumerate(lines) if line.startswith("{#")]
    answer_end = starts[1]  # the first answer ends where the second question starts
    inserted = []
    for name, (width, height) in sizes.items():
        Image.new("RGB", (width, height), "white").save(bank / "images" / name)
        inserted += [f"![{name}](images/{name})", ""]
    lines[answer_end:answer_end] = inserted
    basic.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return {name: answer_end + 1 + 2 * index for index, name in enumerate(sizes)}


def test_validate_warns_of_images_that_would_print_blurred(
    run: Callable[..., Run], bank: Path
) -> None:
    where = _bank_with_images(bank, {"tall.png": (300, 600), "sharp.png": (2400, 1200)})
    result = run("validate", content=bank)
    assert result.exit_code == 0, result.stderr
    assert result.stdout.startswith("ok:")
    warnings = [line for line in result.stderr.splitlines() if "warning:" in line]
    assert len(warnings) == 1, result.stderr  # one per place, not one per layout
    (warning,) = warnings
    assert warning.startswith(f"{bank / 'basic.md'}:{where['tall.png']}: warning: ")
    assert "'images/tall.png' (300 x 600 px)" in warning
    # At 96 dpi it would be 450 pt tall: shrunk to the booklet's cap of 24 lines of body
    # text (316.8 pt), it is 158.4 pt (56 mm) wide: 300 px / 2.2 in is 136 dpi.
    assert "prints 56 mm wide in the booklet (A4) at 136 dpi" in warning
    assert "330 px wide prints sharp" in warning


def test_images_print_at_the_resolution_the_warning_gives(
    run: Callable[..., Run], bank: Path, tmp_path: Path
) -> None:
    _bank_with_images(bank, {"tall.png": (300, 600), "sharp.png": (2400, 1200)})
    pdf = build(run, bank, tmp_path / "out", "--layout", "booklet")
    listed = subprocess.run(
        ["pdfimages", "-list", str(pdf)], capture_output=True, text=True, check=True
    ).stdout.splitlines()[2:]
    # page num type width height color comp bpc enc interp object ID x-ppi y-ppi size ratio
    resolutions = sorted((int(row.split()[3]), int(row.split()[12])) for row in listed)
    assert resolutions == [(300, 136), (2400, 352)]  # 2400 px in the 490 pt wide frame


def test_validate_is_quiet_about_a_bank_without_images(run: Callable[..., Run]) -> None:
    result = run("validate", content=CONTENT)
    assert result.exit_code == 0
    assert result.stderr == ""


def test_a_pdf_export_warns_of_images_it_prints_blurred(
    run: Callable[..., Run], bank: Path, tmp_path: Path
) -> None:
    """For its own paper: 1,030 px across Letter's wider frame is 146 dpi, across A4's 151."""
    where = _bank_with_images(bank, {"wide.png": (1030, 200)})
    letter = run("pdf", "--paper", "letter", "--out", str(tmp_path / "letter"), content=bank)
    assert letter.exit_code == 0, letter.stderr
    (warning,) = letter.stderr.splitlines()
    assert warning.startswith(f"{bank / 'basic.md'}:{where['wide.png']}: warning: ")
    assert "in the booklet (Letter) at 146 dpi" in warning
    a4 = run("pdf", "--out", str(tmp_path / "a4"), content=bank)
    assert a4.exit_code == 0, a4.stderr
    assert a4.stderr == ""
