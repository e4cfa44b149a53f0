"""Unicode tags and a Unicode tag prefix, end to end: the real Anki engine, both CSVs, the PDF.

A copy of the fixture bank gets a Greek, hierarchical, capitalised prefix and
extra tags in several scripts (one written decomposed, as some editors save
it). Anki must keep every tag exactly as the bank wrote it (in NFC), and
importing again, or importing the CSV over the deck, must add no note.
"""

from __future__ import annotations

import csv
import os
import shutil
import unicodedata
from collections.abc import Callable
from pathlib import Path

import pytest
from anki.collection import (
    Collection,
    ImportAnkiPackageOptions,
    ImportAnkiPackageRequest,
    ImportCsvRequest,
)
from pypdf import PdfReader

from qexport import anki_ids
from qexport.loader import load

from conftest import GOOD

PREFIX = "Κατάρτιση::python-συνέντευξη"
DECOMPOSED_CAFE = unicodedata.normalize("NFD", "café")
EXTRA = {  # as written in the level files
    "list-vs-tuple": f"comparison Σύγκριση ß::straße 漢字 Кириллица {DECOMPOSED_CAFE}",
    "dict-order": "Σύγκριση x_y*z back\\slash Ölçü 1.0:beta",
    "gil": "pitfall recent-python ß::straße::détail",
}
EXPECTED_EXTRA = {  # what every output must carry: NFC, otherwise exactly as written
    "list-vs-tuple": {"comparison", "Σύγκριση", "ß::straße", "漢字", "Кириллица", "café"},
    "dict-order": {"Σύγκριση", "x_y*z", "back\\slash", "Ölçü", "1.0:beta"},
    "gil": {"pitfall", "recent-python", "ß::straße::détail"},
}
PLACES = {"list-vs-tuple": ("basic", "data-types"), "dict-order": ("basic", "data-types")}
PLACES["gil"] = ("advanced", "concurrency")


def expected_tags(question_id: str) -> set[str]:
    level, topic = PLACES[question_id]
    return {
        f"{PREFIX}::level::{level}",
        f"{PREFIX}::topic::{topic}",
        *(f"{PREFIX}::tag::{tag}" for tag in EXPECTED_EXTRA[question_id]),
    }


@pytest.fixture
def unicode_bank(tmp_path: Path) -> Path:
    content = tmp_path / "content"
    shutil.copytree(GOOD, content)
    metadata = content / "set.toml"
    text = metadata.read_text(encoding="utf-8")
    metadata.write_text(text.replace('"tiny"', f'"{PREFIX}"'), encoding="utf-8")
    attribute_lines = {  # as the fixture writes them -> with the extra tags above
        '{#list-vs-tuple topic=data-types tags="comparison"}': "list-vs-tuple",
        "{#dict-order topic=data-types}": "dict-order",
        '{#gil topic=concurrency tags="pitfall recent-python"}': "gil",
    }
    for name in ("basic.md", "advanced.md"):
        path = content / name
        text = path.read_text(encoding="utf-8")
        for line, question_id in attribute_lines.items():
            topic = PLACES[question_id][1]
            tagged = f'{{#{question_id} topic={topic} tags="{EXTRA[question_id]}"}}'
            text = text.replace(line, tagged)
        path.write_text(text, encoding="utf-8")
    assert DECOMPOSED_CAFE in (content / "basic.md").read_text(encoding="utf-8")
    return content


def tags_by_question(collection: Collection, content: Path) -> dict[str, set[str]]:
    question_set = load(content).question_set
    ids = {anki_ids.note_guid(question_set, q): q.id for q in question_set.questions}
    notes = [collection.get_note(note_id) for note_id in collection.find_notes("")]
    return {ids[note.guid]: set(note.tags) for note in notes}


def import_deck(collection: Collection, apkg: Path) -> int:
    """Import `apkg`; how many notes were new."""
    request = ImportAnkiPackageRequest(package_path=str(apkg), options=ImportAnkiPackageOptions())
    log = collection.import_anki_package(request).log
    collection.models._clear_cache()
    return len(log.new)


def import_csv(collection: Collection, path: Path) -> tuple[int, int]:
    """Import an Anki CSV; how many notes were new, and how many conflicted."""
    metadata = collection.get_csv_metadata(str(path), None)
    log = collection.import_csv(ImportCsvRequest(path=str(path), metadata=metadata)).log
    collection.models._clear_cache()
    return len(log.new), len(log.conflicting)


def test_the_loader_keeps_unicode_tags_as_written_in_nfc(unicode_bank: Path) -> None:
    question_set = load(unicode_bank).question_set
    assert question_set.meta.tag_prefix == PREFIX
    assert {q.id: set(q.tags) for q in question_set.questions} == EXPECTED_EXTRA


def test_anki_keeps_every_tag_as_written_and_adds_no_note_again(
    unicode_bank: Path, export: Callable[..., Path], collection: Collection
) -> None:
    apkg = export(unicode_bank, "anki")
    assert import_deck(collection, apkg) == 3
    wanted = {question_id: expected_tags(question_id) for question_id in PLACES}
    assert tags_by_question(collection, unicode_bank) == wanted
    assert set(collection.tags.all()) == set().union(*wanted.values())
    # The same deck again, then the Anki CSV over it: the same three notes, the same tags.
    assert import_deck(collection, apkg) == 0
    assert import_csv(collection, export(unicode_bank, "csv")) == (0, 0)
    assert collection.note_count() == 3
    assert tags_by_question(collection, unicode_bank) == wanted
    found = collection.find_notes(f'"tag:{PREFIX}::tag::ß::straße"')
    assert len(found) == 2  # Anki's tag search finds the tag, and the one below it


def test_the_anki_csv_alone_carries_the_same_tags(
    unicode_bank: Path, export: Callable[..., Path], collection: Collection
) -> None:
    path = export(unicode_bank, "csv")
    assert import_csv(collection, path) == (3, 0)
    assert import_csv(collection, path) == (0, 0)
    assert collection.note_count() == 3
    wanted = {question_id: expected_tags(question_id) for question_id in PLACES}
    assert tags_by_question(collection, unicode_bank) == wanted


def test_the_plain_csv_carries_the_tags(unicode_bank: Path, export: Callable[..., Path]) -> None:
    path = export(unicode_bank, "csv", "--dialect", "plain")
    with path.open(encoding="utf-8", newline="") as opened:
        rows = list(csv.DictReader(opened))
    assert {row["id"]: set(row["tags"].split(" ")) for row in rows} == {
        question_id: expected_tags(question_id) for question_id in PLACES
    }


def test_a_unicode_tag_selects_questions(unicode_bank: Path, export: Callable[..., Path]) -> None:
    path = export(unicode_bank, "csv", "--dialect", "plain", "--tag", "Σύγκριση")
    with path.open(encoding="utf-8", newline="") as opened:
        assert [row["id"] for row in csv.DictReader(opened)] == ["list-vs-tuple", "dict-order"]


@pytest.mark.skipif(
    shutil.which("pdftotext") is None and not os.environ.get("CI"),
    reason="needs poppler-utils (pdftotext)",
)
def test_the_pdf_keywords_carry_the_unicode_prefix(
    unicode_bank: Path, export: Callable[..., Path]
) -> None:
    keywords = PdfReader(export(unicode_bank, "pdf")).metadata["/Keywords"]
    assert f"{PREFIX}::level::basic" in keywords
    assert f"{PREFIX}::topic::concurrency" in keywords
