from __future__ import annotations

import os
from pathlib import Path

import pytest

from qexport import entry_points
from qexport.cache import cache_dir
from qexport.entry_points import Registered, registered

GROUP = "qexport.exporters"


def _install(site: Path, name: str, lines: str) -> Path:
    """A package's metadata folder on `site`, declaring entry points as pip would."""
    info = site / f"{name}-1.0.dist-info"
    info.mkdir(parents=True)
    (info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {name}\nVersion: 1.0\n")
    (info / "entry_points.txt").write_text(f"[{GROUP}]\n{lines}\n")
    return info


def _forbid_scanning(monkeypatch: pytest.MonkeyPatch) -> None:
    def scan(group: str) -> list[Registered]:
        raise AssertionError("scanned although the cache was current")

    monkeypatch.setattr(entry_points, "_scan", scan)


def test_built_ins_found_and_cached(monkeypatch: pytest.MonkeyPatch) -> None:
    first = registered(GROUP)
    assert {"anki", "csv", "pdf"} <= {entry.name for entry in first}
    anki = next(entry for entry in first if entry.name == "anki")
    assert anki.package == "qexport"
    assert anki.version
    assert len(list(cache_dir().glob("entry-points-*"))) == 1
    _forbid_scanning(monkeypatch)
    assert registered(GROUP) == first


def test_installing_or_changing_a_plugin_is_noticed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    site = tmp_path / "site"
    site.mkdir()
    monkeypatch.syspath_prepend(str(site))
    before = {entry.name for entry in registered(GROUP)}
    info = _install(site, "qexport_extra", "extra = qexport_extra:Exporter")
    assert {entry.name for entry in registered(GROUP)} == before | {"extra"}
    # Rewriting entry_points.txt in place (an editable reinstall) is noticed too.
    (info / "entry_points.txt").write_text(f"[{GROUP}]\nrenamed = qexport_extra:Exporter\n")
    stamp = (info / "entry_points.txt").stat().st_mtime_ns + 1_000_000
    os.utime(info / "entry_points.txt", ns=(stamp, stamp))
    assert {entry.name for entry in registered(GROUP)} == before | {"renamed"}
    # Uninstalled: gone.
    (info / "entry_points.txt").unlink()
    (info / "METADATA").unlink()
    info.rmdir()
    assert {entry.name for entry in registered(GROUP)} == before
    assert len(list(cache_dir().glob("entry-points-*"))) == 1  # one per environment


def test_damaged_cache_is_rescanned() -> None:
    expected = registered(GROUP)
    (cached,) = cache_dir().glob("entry-points-*")
    whole = cached.read_text(encoding="utf-8")
    fingerprint = whole.partition("\n")[0]
    for damage in [
        "",
        "\x00garbage",
        f"{fingerprint}\nanki\tqexport.exporters.anki:AnkiExporter\n",  # fields missing
        whole[:-3],  # cut short: the last version would read wrong
    ]:
        cached.write_text(damage, encoding="utf-8")
        assert registered(GROUP) == expected
    cached.write_bytes(b"\xff\xfe not text")
    assert registered(GROUP) == expected


def test_paths_that_are_not_utf8_are_cached(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    odd = tmp_path / os.fsdecode(b"site-\xff")
    _install(odd, "qexport_odd", "odd = qexport_odd:Exporter")
    monkeypatch.syspath_prepend(str(odd))
    assert "odd" in {entry.name for entry in registered(GROUP)}
    _forbid_scanning(monkeypatch)
    assert "odd" in {entry.name for entry in registered(GROUP)}


def test_unwritable_cache_still_works(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("")
    monkeypatch.setenv("QEXPORT_CACHE_DIR", str(blocker / "cache"))
    assert {"anki", "csv", "pdf"} <= {entry.name for entry in registered(GROUP)}


def test_cache_location(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.delenv("QEXPORT_CACHE_DIR")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    assert cache_dir() == tmp_path / "qexport"


def test_loading_a_cached_entry_point() -> None:
    anki = next(entry for entry in registered(GROUP) if entry.name == "anki")
    assert anki.load().__name__ == "AnkiExporter"
