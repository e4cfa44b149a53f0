"""`qexport all --only/--skip` pick among the exporters set.toml's [release] holds
(`release.pick`), and keep only those exporters' artifacts as released."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

from conftest import Run, clean_failure

PDF_AND_CSV = '\n[release]\nexporters = ["pdf", "csv"]\n'


def configure(bank: Path, release: str) -> None:
    """`bank`'s set.toml, ending with `release` (instead of any earlier one)."""
    path = bank / "set.toml"
    text = path.read_text(encoding="utf-8").split("\n[release")[0]
    path.write_text(text + release, encoding="utf-8")


def released(dist: Path) -> dict[str, str]:
    manifest = json.loads((dist / "manifest.json").read_text(encoding="utf-8"))
    return {a["path"]: a["exporter"] for a in manifest["artifacts"]}


def test_only_names_what_the_release_leaves_out_among_its_own_exporters(
    release_run: Callable[..., Run], bank: Path
) -> None:
    configure(bank, PDF_AND_CSV)
    result = release_run("--only", "csv")
    assert result.exit_code == 0, result.stderr
    assert "will hold nothing of pdf: there is no release of it to keep" in result.stderr
    assert "anki" not in result.stderr


def test_an_exporter_the_release_does_not_hold_cannot_be_picked(
    release_run: Callable[..., Run], bank: Path, tmp_path: Path
) -> None:
    configure(bank, PDF_AND_CSV)
    for option in ("--only", "--skip"):
        result = release_run(option, "anki")
        clean_failure(result, "'anki' is not in this release (it builds pdf, csv)")
    clean_failure(release_run("--only", "nope"), "no exporter named 'nope'")
    assert not (tmp_path / "dist").exists()


def test_an_exporter_gone_from_the_release_is_not_carried_over(
    release_run: Callable[..., Run], bank: Path, tmp_path: Path
) -> None:
    configure(bank, '\n[release.pdf]\npaper = ["a4", "letter"]\n')
    assert release_run().exit_code == 0
    dist = tmp_path / "dist"
    assert "tiny-test-set.apkg" in released(dist)
    configure(bank, PDF_AND_CSV + '[release.pdf]\npaper = "a4"\n')
    result = release_run("--only", "pdf")
    assert result.exit_code == 0, result.stderr
    # The release holds pdf (rebuilt, A4 only now) and csv (kept as released); no deck.
    assert sorted(released(dist).items()) == [
        ("tiny-test-set-anki.csv", "csv"),
        ("tiny-test-set-booklet-a4.pdf", "pdf"),
        ("tiny-test-set-cards-a4.pdf", "pdf"),
        ("tiny-test-set-cheatsheet-a4.pdf", "pdf"),
        ("tiny-test-set-plain.csv", "csv"),
    ]
    assert sorted(p.name for p in dist.iterdir()) == sorted(
        [*released(dist), "manifest.json", "SHA256SUMS"]
    )


def test_an_override_of_an_exporter_left_out_is_a_usage_error(
    release_run: Callable[..., Run], bank: Path, tmp_path: Path
) -> None:
    configure(bank, PDF_AND_CSV)
    result = release_run("--only", "pdf", "--set", "csv.bom=true")
    assert result.exit_code == 2, result.stderr
    assert (
        "Invalid value for '--set': csv.bom=true: csv is not built in this run: --only/--skip "
        "leave it out" in result.stderr
    )
    result = release_run("--skip", "pdf", "--set", "pdf.paper=letter")
    assert result.exit_code == 2, result.stderr
    assert not (tmp_path / "dist").exists()
    assert release_run("--only", "csv", "--set", "csv.bom=true").exit_code == 0
