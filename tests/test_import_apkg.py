"""Reading Anki packages: made by genanki, exported by Anki itself, and hostile ones."""

from __future__ import annotations

import hashlib
import json
import os
import sqlite3
import tempfile
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from qexport.errors import ContentError
from qexport.importers import zip_safety
from qexport.importers.apkg import read_apkg
from qexport.importers.source import Source

from anki_learner import export_package, review

PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000d49444154789c6360000002000154a24f5d0000000049454e44ae426082"
)


@pytest.fixture(autouse=True)
def private_tmp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """Every temporary file the reader makes goes here, and must be gone after it."""
    where = tmp_path / "private-tmp"
    where.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(where))
    yield where
    assert [p.name for p in where.iterdir() if p.name.startswith("qexport-")] == []


def genanki_package(tmp_path: Path, media: dict[str, bytes] | None = None) -> Path:
    """A deck made by genanki, as a third party makes one."""
    import genanki

    basic = genanki.Model(
        1607392319,
        "Simple Model",
        fields=[{"name": "Question"}, {"name": "Answer"}],
        templates=[{"name": "Card 1", "qfmt": "{{Question}}", "afmt": "{{Answer}}"}],
    )
    deck = genanki.Deck(2059400110, "Languages::Python")
    deck.add_note(
        genanki.Note(
            model=basic,
            fields=["What is <b>a list</b>?", 'Mutable. <img src="list.png">'],
            tags=["python", "basics"],
            guid="abc123XYZ",
        )
    )
    deck.add_note(
        genanki.Note(model=genanki.CLOZE_MODEL, fields=["{{c1::Paris}} is in {{c2::France}}", ""])
    )
    files = []
    for name, data in (media if media is not None else {"list.png": PNG}).items():
        (tmp_path / name).write_bytes(data)
        files.append(str(tmp_path / name))
    out = tmp_path / "genanki.apkg"
    cwd = os.getcwd()
    os.chdir(tmp_path)  # genanki stores media by the path given
    try:
        genanki.Package(deck, media_files=[Path(f).name for f in files]).write_to_file(out)
    finally:
        os.chdir(cwd)
    return out


def test_a_genanki_deck_is_read(tmp_path: Path) -> None:
    source = read_apkg(genanki_package(tmp_path))
    assert source.kind == "apkg"
    assert source.name == "genanki"
    assert source.problems == ()
    basic, cloze = source.notes
    assert basic.guid == "abc123XYZ"
    assert basic.notetype.name == "Simple Model"
    assert basic.notetype.fields == ("Question", "Answer")
    assert not basic.notetype.is_cloze
    assert basic.fields == ("What is <b>a list</b>?", 'Mutable. <img src="list.png">')
    assert set(basic.tags) == {"python", "basics"}
    assert basic.deck == "Languages::Python"
    assert (basic.card_count, basic.reviewed) == (1, False)
    assert cloze.notetype.is_cloze
    assert cloze.card_count == 2
    assert [(m.name, m.data) for m in source.media] == [("list.png", PNG)]


@pytest.fixture(scope="module")
def anki_packages(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """One collection made in the real Anki engine, with a review, exported both ways."""
    from anki.collection import Collection

    where = tmp_path_factory.mktemp("anki-export")
    col = Collection(str(where / "collection.anki2"))
    try:
        deck = col.decks.id("Top::Sub")
        basic = col.new_note(col.models.by_name("Basic"))
        basic["Front"], basic["Back"] = "2 + 2?", '4 <img src="pic one.png">'
        basic.tags = ["math", "level::basic"]
        col.add_note(basic, deck)
        both = col.new_note(col.models.by_name("Basic (and reversed card)"))
        both["Front"], both["Back"] = "cat", "Katze"
        col.add_note(both, deck)
        cloze = col.new_note(col.models.by_name("Cloze"))
        cloze["Text"] = "{{c1::Paris::city}} is in {{c2::France}}"
        col.add_note(cloze, col.decks.id("Geo"))
        (where / "pic one.png").write_bytes(PNG)
        col.media.add_file(str(where / "pic one.png"))
        col.decks.select(deck)
        card = col.sched.getCard()
        assert card is not None
        assert card.nid == basic.id
        review(col, card.id)
        packages = {
            kind: export_package(col, where / f"{kind}.apkg", legacy)
            for kind, legacy in (("legacy", True), ("latest", False))
        }
    finally:
        col.close()
    return packages


@pytest.mark.parametrize("kind", ["legacy", "latest"])
def test_a_deck_exported_by_anki_is_read(anki_packages: dict[str, Path], kind: str) -> None:
    package = anki_packages[kind]
    before = hashlib.sha256(package.read_bytes()).hexdigest()
    with zipfile.ZipFile(package) as archive:
        names = set(archive.namelist())
    # A new export also holds a dummy collection.anki2 asking to update Anki.
    assert "collection.anki2" in names
    assert ("collection.anki21b" in names) == (kind == "latest")
    source = read_apkg(package)
    assert source.problems == ()
    by_type = {note.notetype.name: note for note in source.notes}
    assert set(by_type) == {"Basic", "Basic (and reversed card)", "Cloze"}
    basic = by_type["Basic"]
    assert basic.fields == ("2 + 2?", '4 <img src="pic one.png">')
    assert set(basic.tags) == {"math", "level::basic"}
    assert (basic.deck, basic.card_count, basic.reviewed) == ("Top::Sub", 1, True)
    both = by_type["Basic (and reversed card)"]
    assert both.notetype.templates == ("Card 1", "Card 2")
    assert (both.card_count, both.reviewed) == (2, False)
    cloze = by_type["Cloze"]
    assert cloze.notetype.is_cloze
    assert not basic.notetype.is_cloze
    assert (cloze.deck, cloze.card_count) == ("Geo", 2)
    assert all(len(note.guid) == 10 for note in source.notes)
    assert [(m.name, m.data) for m in source.media] == [("pic one.png", PNG)]
    assert hashlib.sha256(package.read_bytes()).hexdigest() == before


def test_both_export_formats_read_the_same(anki_packages: dict[str, Path]) -> None:
    legacy, latest = read_apkg(anki_packages["legacy"]), read_apkg(anki_packages["latest"])
    assert legacy.notes == latest.notes
    assert legacy.media == latest.media


# Hostile packages ---------------------------------------------------------------------


def rewrite(package: Path, out: Path, changes: dict[str, bytes | None]) -> Path:
    """`package` with members replaced (bytes), added, or removed (None)."""
    with zipfile.ZipFile(package) as source, zipfile.ZipFile(out, "w") as target:
        for info in source.infolist():
            if info.filename not in changes:
                target.writestr(info.filename, source.read(info))
        for name, data in changes.items():
            if data is not None:
                target.writestr(name, data, compress_type=zipfile.ZIP_DEFLATED)
    return out


def refused(package: Path, *words: str) -> str:
    with pytest.raises(ContentError) as caught:
        read_apkg(package)
    message = str(caught.value)
    assert message.startswith(f"{package}: ")
    for word in words:
        assert word in message
    return message


def test_a_zip_bomb_is_refused_early(tmp_path: Path) -> None:
    base = genanki_package(tmp_path)
    bomb = rewrite(base, tmp_path / "bomb.apkg", {"collection.anki2": bytes(64 * 1024 * 1024)})
    assert bomb.stat().st_size < 1024 * 1024
    refused(bomb, "zip bomb")


def test_a_zstd_bomb_is_refused(tmp_path: Path) -> None:
    import zstandard

    frame = zstandard.ZstdCompressor().compress(bytes(64 * 1024 * 1024))
    base = genanki_package(tmp_path)
    bomb = rewrite(base, tmp_path / "zbomb.apkg", {"collection.anki21b": frame})
    refused(bomb, "collection.anki21b", "zip bomb")


def test_a_member_over_the_cap_is_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    base = genanki_package(tmp_path, {"big.png": os.urandom(300_000)})
    monkeypatch.setattr(zip_safety, "MAX_MEMBER_BYTES", 200_000)
    refused(base, "expands to more than 200,000 bytes")


def test_the_whole_package_has_a_cap(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    media = {f"m{i}.png": os.urandom(60_000) for i in range(5)}
    base = genanki_package(tmp_path, media)
    collection_size = zipfile.ZipFile(base).getinfo("collection.anki2").file_size
    monkeypatch.setattr(zip_safety, "MAX_TOTAL_BYTES", collection_size + 150_000)
    refused(base, "the package expands to more than")


HOSTILE_NAMES = {
    "../evil.png": "a path",
    "/etc/passwd": "a path",
    "a/b.png": "a path",
    "C:\\x.png": "a path",
    "nul\x00.png": "control character",
    "..": "a path",
    ".": "a path",
    ".htaccess": "hidden",
    "x" * 300 + ".png": "bytes",
    "CON.png": "Windows device",
    "tab\t.png": "control character",
    "rtl\u202egnp.exe": "invisible",
    "": "empty",
}


def test_unsafe_media_names_are_reported_and_skipped(tmp_path: Path) -> None:
    base = genanki_package(tmp_path)
    names = ["ok.png", "Pic.png", "pic.png", *HOSTILE_NAMES]
    media = {str(i): name for i, name in enumerate(names)}
    changes: dict[str, bytes | None] = {"media": json.dumps(media).encode()}
    changes.update({str(i): PNG for i in range(len(names))})
    package = rewrite(base, tmp_path / "names.apkg", changes)
    source = read_apkg(package)
    assert [m.name for m in source.media] == ["ok.png", "Pic.png"]
    problems = source.problems
    assert any("'pic.png'" in p and "clashes with 'Pic.png'" in p for p in problems)
    for name, why in HOSTILE_NAMES.items():
        shown = repr(name if len(name) <= 80 else name[:80] + "...")
        hits = [p for p in problems if p.startswith(f"media file {shown}: ")]
        assert len(hits) == 1, (name, problems)
        assert "skipped" in hits[0]
        assert why in hits[0], hits
    assert not (tmp_path.parent / "evil.png").exists()


def protobuf_media(names: list[str]) -> bytes:
    """A MediaEntries message, encoded by hand (the test does not trust the reader's code)."""

    def length_field(number: int, payload: bytes) -> bytes:
        assert len(payload) < 128
        return bytes([number << 3 | 2, len(payload)]) + payload

    return b"".join(length_field(1, length_field(1, name.encode())) for name in names)


def test_new_packages_media_list_is_checked_too(
    anki_packages: dict[str, Path], tmp_path: Path
) -> None:
    import zstandard

    compress = zstandard.ZstdCompressor().compress
    media = compress(protobuf_media(["../../escape.png", "fine.png"]))
    package = rewrite(
        anki_packages["latest"],
        tmp_path / "new-names.apkg",
        {"media": media, "0": compress(PNG), "1": compress(b"GIF89a")},
    )
    source = read_apkg(package)
    assert [(m.name, m.data) for m in source.media] == [("fine.png", b"GIF89a")]
    assert any("'../../escape.png': skipped, a path" in p for p in source.problems)


def test_a_missing_media_member_is_reported(tmp_path: Path) -> None:
    package = rewrite(genanki_package(tmp_path), tmp_path / "gone.apkg", {"0": None})
    source = read_apkg(package)
    assert source.media == ()
    assert any(
        "'list.png': skipped, the package lacks its file ('0')" in p for p in source.problems
    )


def test_a_corrupt_sqlite_file_is_refused(tmp_path: Path) -> None:
    base = genanki_package(tmp_path)
    real = zipfile.ZipFile(base).read("collection.anki2")
    garbage = real[:100] + os.urandom(len(real) - 100)
    refused(rewrite(base, tmp_path / "c1.apkg", {"collection.anki2": garbage}), "cannot be read")
    half = real[: len(real) // 2]
    message = refused(rewrite(base, tmp_path / "c2.apkg", {"collection.anki2": half}))
    assert "cannot be read" in message or "not an Anki collection" in message
    not_sqlite = rewrite(base, tmp_path / "c3.apkg", {"collection.anki2": b"hello" * 100})
    refused(not_sqlite, "'collection.anki2' is not an SQLite database")


def test_a_database_that_is_not_a_collection_is_refused(tmp_path: Path) -> None:
    db = tmp_path / "other.sqlite"
    with sqlite3.connect(db) as con:
        con.execute("CREATE TABLE people (name TEXT)")
    con.close()
    package = rewrite(
        genanki_package(tmp_path), tmp_path / "o.apkg", {"collection.anki2": db.read_bytes()}
    )
    refused(package, "not an Anki collection: no 'col' table")


def test_bad_json_in_the_collection_is_refused(tmp_path: Path) -> None:
    base = genanki_package(tmp_path)
    db = tmp_path / "col.sqlite"
    db.write_bytes(zipfile.ZipFile(base).read("collection.anki2"))
    with sqlite3.connect(db) as con:
        con.execute("UPDATE col SET models = '{not json'")
    con.close()
    package = rewrite(base, tmp_path / "j.apkg", {"collection.anki2": db.read_bytes()})
    refused(package, "models are not valid JSON")


def test_not_a_zip_and_no_collection_are_refused(tmp_path: Path) -> None:
    text = tmp_path / "notes.apkg"
    text.write_text("front,back\n")
    refused(text, "not an Anki package", "not a readable zip file")
    empty = tmp_path / "empty.apkg"
    with zipfile.ZipFile(empty, "w") as archive:
        archive.writestr("media", "{}")
    refused(empty, "holds no collection")
    refused(tmp_path / "missing.apkg", "no such file")


def test_a_package_from_an_unknown_future_format_is_refused(tmp_path: Path) -> None:
    package = rewrite(genanki_package(tmp_path), tmp_path / "f.apkg", {"meta": b"\x08\x09"})
    refused(package, "version 9")


def test_notes_with_bad_fields_are_reported_not_fatal(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from qexport.importers import anki_collection

    base = genanki_package(tmp_path)
    db = tmp_path / "col.sqlite"
    db.write_bytes(zipfile.ZipFile(base).read("collection.anki2"))
    with sqlite3.connect(db) as con:
        con.execute("UPDATE notes SET flds = '<script>alert(1)</script>' || flds")
        con.execute("UPDATE notes SET mid = 42 WHERE flds LIKE '%Paris%'")
    con.close()
    package = rewrite(base, tmp_path / "f.apkg", {"collection.anki2": db.read_bytes()})
    source: Source = read_apkg(package)
    (note,) = source.notes  # HTML with a script is data here; the converter sanitises it
    assert note.fields[0].startswith("<script>alert(1)</script>")
    assert any("skipped, its note type (42) is missing" in p for p in source.problems)
    monkeypatch.setattr(anki_collection, "MAX_FIELD_CHARS", 10)
    source = read_apkg(package)
    assert source.notes == ()
    assert any("note 1 (nid:" in p and "over 10 characters" in p for p in source.problems)
    monkeypatch.setattr(anki_collection, "MAX_NOTES", 0)
    refused(package, "the collection has 2 notes; at most 0")


def test_the_protobuf_reader_refuses_truncated_messages() -> None:
    from qexport.importers import protowire

    assert protowire.media_names(protobuf_media(["a.png", "b.png"])) == ["a.png", "b.png"]
    for bad in (b"\x0a\x05ab", b"\x08\xff\xff", b"\x0b", b"\x00\x01"):
        with pytest.raises(protowire.WireError):
            protowire.media_names(bad)


def test_slow_queries_are_cut_off(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from qexport.importers import anki_collection

    monkeypatch.setattr(anki_collection, "MAX_SECONDS", -1.0)
    monkeypatch.setattr(anki_collection, "PROGRESS_STEPS", 1)
    refused(genanki_package(tmp_path), "reading it took more than")
