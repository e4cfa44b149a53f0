"""The CSV exports: Anki's CSV import (the real engine) and a safe plain CSV."""

from __future__ import annotations

import csv
import dataclasses
import io
from collections.abc import Callable
from pathlib import Path

import pytest
from anki.collection import (
    Collection,
    ImportAnkiPackageOptions,
    ImportAnkiPackageRequest,
    ImportCsvRequest,
)

from qexport import anki_ids
from qexport.exporters.anki.deck import notes_for
from qexport.exporters.csv import anki_csv, neutralize
from qexport.loader import load
from qexport.tags import tags_for

from conftest import Run


def import_csv(col: Collection, path: Path) -> tuple[int, int, int, int]:
    metadata = col.get_csv_metadata(str(path), None)
    log = col.import_csv(ImportCsvRequest(path=str(path), metadata=metadata)).log
    col.models._clear_cache()
    return len(log.new), len(log.updated), len(log.duplicate), len(log.conflicting)


def test_anki_csv_into_a_fresh_collection(
    collection: Collection, content: Path, export: Callable[..., Path]
) -> None:
    path = export(content, "csv", "--dialect", "anki")
    assert path.name == "python-interview-questions-anki.csv"
    new, _, _, conflicting = import_csv(collection, path)
    assert (new, conflicting) == (100, 0)
    question_set = load(content).question_set
    cards = {anki_ids.note_guid(question_set, c.question): c for c in notes_for(question_set)}
    for note_id in collection.find_notes(""):
        note = collection.get_note(note_id)
        card = cards[note.guid]
        # No qexport note type here: Anki falls back to Basic, and the columns still fit.
        assert note.note_type()["name"] == "Basic"
        assert (note["Front"], note["Back"]) == (card.fields["Question"], card.fields["Answer"])
        assert sorted(note.tags) == sorted(tags_for(card.question, question_set.meta))
    title = question_set.meta.title
    sizes = [
        len(collection.find_cards(f'"deck:{title}::{n} {label}"'))
        for n, label in ((1, "Basic"), (2, "Intermediate"), (3, "Advanced"))
    ]
    assert sizes == [30, 40, 30]


def test_anki_csv_carries_the_key_answer_first_in_the_answer_and_in_a_column_of_its_own(
    collection: Collection, content: Path, export: Callable[..., Path]
) -> None:
    from qexport.render import HtmlRenderer

    path = export(content, "csv", "--dialect", "anki")
    lines = [line for line in path.read_text(encoding="utf-8").splitlines(True) if line[0] != "#"]
    rows = list(csv.reader(io.StringIO("".join(lines))))
    question_set = load(content).question_set
    renderer = HtmlRenderer()
    for row, question in zip(rows, question_set.questions, strict=True):
        key = renderer.render_inline(question.key)
        assert row[-1] == key
        assert row[1].startswith(f'<div class="qx-key" style="font-weight: 600">{key}</div>')
    import_csv(collection, path)
    # Anki maps no field to the last column: Basic's two fields hold Question and Answer.
    note = collection.get_note(collection.find_notes("")[0])
    assert [name for name, _ in note.items()] == ["Front", "Back"]


def test_anki_csv_over_the_deck_matches_the_same_notes(
    collection: Collection, content: Path, export: Callable[..., Path]
) -> None:
    apkg = export(content, "anki")
    request = ImportAnkiPackageRequest(package_path=str(apkg), options=ImportAnkiPackageOptions())
    collection.import_anki_package(request)
    new, _, _, conflicting = import_csv(collection, export(content, "csv"))
    assert (new, conflicting) == (0, 0)
    assert collection.note_count() == 100
    (ours,) = [m for m in collection.models.all() if "(qexport)" in m["name"]]
    assert {collection.get_note(n).mid for n in collection.find_notes("")} == {ours["id"]}


def test_anki_csv_twice_adds_nothing(
    collection: Collection, content: Path, export: Callable[..., Path]
) -> None:
    path = export(content, "csv")
    import_csv(collection, path)
    new, _, _, conflicting = import_csv(collection, path)
    assert (new, conflicting) == (0, 0)
    assert collection.note_count() == 100


def test_anki_csv_headers_come_in_the_order_anki_needs(
    content: Path, export: Callable[..., Path]
) -> None:
    lines = export(content, "csv").read_text(encoding="utf-8").splitlines()
    assert lines[:6] == [
        "#separator:Comma",
        "#html:true",
        f"#notetype:{anki_ids.stable_id(load(content).question_set.meta.id, 'notetype')}",
        "#deck column:6",
        "#tags column:7",
        "#guid column:8",
    ]
    assert lines[6].startswith('"')  # every cell quoted: no data line can look like a comment


def test_plain_csv_is_rfc4180_with_the_model(content: Path, export: Callable[..., Path]) -> None:
    path = export(content, "csv", "--dialect", "plain")
    data = path.read_bytes()
    assert not data.startswith(b"\xef\xbb\xbf")
    assert b"\r\n" in data
    rows = list(csv.reader(io.StringIO(data.decode("utf-8"), newline="")))
    assert rows[0] == ["id", "number", "level", "topic", "tags", "question", "key", "answer"]
    assert len(rows) == 101
    question_set = load(content).question_set
    first = question_set.questions[0]
    assert rows[1][:4] == [first.id, "1", "basic", first.topic]
    assert rows[1][4] == " ".join(tags_for(first, question_set.meta))
    assert rows[1][6] == first.key  # the key answer alone, as written
    assert rows[1][7] == first.answer  # the details: Markdown, newlines and all
    assert all(row[6] for row in rows[1:])  # the bundled bank has a key answer for each


def test_plain_csv_bom_for_excel(content: Path, export: Callable[..., Path]) -> None:
    path = export(content, "csv", "--dialect", "plain", "--bom")
    assert path.read_bytes().startswith(b"\xef\xbb\xbf")


@pytest.mark.parametrize(
    ("cell", "safe"),
    [
        ("=HYPERLINK(1)", "'=HYPERLINK(1)"),
        ("+1", "'+1"),
        ("-2+3", "'-2+3"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\tx", "'\tx"),
        ("\rx", "'\rx"),
        ("plain", "plain"),
    ],
)
def test_formula_cells_are_neutralized(cell: str, safe: str) -> None:
    assert neutralize(cell) == safe


def test_plain_csv_neutralizes_formulas_from_content(
    bank: Path, export: Callable[..., Path]
) -> None:
    with (bank / "advanced.md").open("a", encoding="utf-8") as f:
        f.write(
            "\n{#formula topic=concurrency}\n## =1+1 is what?\n\n{.key}\n@once\n\n- a list item\n"
        )
    path = export(bank, "csv", "--dialect", "plain")
    rows = list(csv.reader(io.StringIO(path.read_text(encoding="utf-8"), newline="")))
    assert rows[-1][5] == "'=1+1 is what?"
    assert rows[-1][6] == "'@once"
    assert rows[-1][7] == "'- a list item"


def test_metadata_that_looks_like_headers_stays_data(
    collection: Collection, bank: Path, export: Callable[..., Path]
) -> None:
    title = 'C#: "#deck:Junk" #tags column:1'
    toml = bank / "set.toml"
    text = toml.read_text(encoding="utf-8")
    toml.write_text(text.replace('"Tiny Test Set"', f"'{title}'"), encoding="utf-8")
    path = export(bank, "csv")
    lines = path.read_text(encoding="utf-8").splitlines()
    assert [line for line in lines if line.startswith("#")] == lines[:6]
    assert title not in "\n".join(lines[:6])
    new, _, _, conflicting = import_csv(collection, path)
    assert (new, conflicting) == (3, 0)
    assert collection.note_count() == 3
    decks = {d.name for d in collection.decks.all_names_and_ids()} - {"Default"}
    assert decks == {title, f"{title}::1 Basic", f"{title}::2 Advanced"}


@pytest.mark.parametrize("title", ["Tiny\n#deck:Junk", "Tiny\r#html:false", "Tiny\u2028x"])
def test_anki_csv_never_writes_metadata_into_a_header(bank: Path, title: str) -> None:
    """The loader refuses such titles; the CSV's header lines never hold one anyway."""
    question_set = load(bank).question_set
    broken = dataclasses.replace(
        question_set, meta=dataclasses.replace(question_set.meta, title=title)
    )
    headers = anki_csv(question_set).splitlines()[:6]
    assert anki_csv(broken).splitlines()[:6] == headers


def test_anki_csv_updates_the_deck_whatever_the_title(
    collection: Collection, bank: Path, export: Callable[..., Path]
) -> None:
    """Anki drops '"' from note type names: the CSV must still find the deck's note type."""
    toml = bank / "set.toml"
    text = toml.read_text(encoding="utf-8")
    toml.write_text(text.replace('"Tiny Test Set"', "'The \"Pythonic\" Way'"), encoding="utf-8")
    apkg = export(bank, "anki")
    request = ImportAnkiPackageRequest(package_path=str(apkg), options=ImportAnkiPackageOptions())
    collection.import_anki_package(request)
    with (bank / "advanced.md").open("a", encoding="utf-8") as f:
        f.write("\nCorrected in the CSV.\n")
    assert import_csv(collection, export(bank, "csv")) == (0, 1, 2, 0)
    (ours,) = [m for m in collection.models.all() if "(qexport)" in m["name"]]
    assert {collection.get_note(n).mid for n in collection.find_notes("")} == {ours["id"]}
    assert collection.find_notes('"Answer:*Corrected in the CSV.*"')


def test_the_file_name_says_whether_it_starts_with_a_byte_order_mark(
    run: Callable[..., Run], bank: Path, tmp_path: Path
) -> None:
    out = tmp_path / "build"
    for extra in ([], ["--bom"]):
        result = run("csv", "--dialect", "plain", *extra, "--out", str(out), content=bank)
        assert result.exit_code == 0, result.stderr
    plain, with_bom = out / "tiny-test-set-plain.csv", out / "tiny-test-set-plain-bom.csv"
    assert sorted(p.name for p in out.iterdir()) == [with_bom.name, plain.name]
    assert with_bom.read_bytes() == b"\xef\xbb\xbf" + plain.read_bytes()
    # So a release may hold both, and validate knows it before anything is built.
    with (bank / "set.toml").open("a", encoding="utf-8") as toml:
        toml.write('\n[release.csv]\ndialect = "plain"\nbom = [true, false]\n')
    assert run("validate", content=bank).exit_code == 0
    result = run("all", "--out", str(tmp_path / "dist"), "--jobs", "1", content=bank)
    assert result.exit_code == 0, result.stderr
    assert {with_bom.name, plain.name} <= {p.name for p in (tmp_path / "dist").iterdir()}
