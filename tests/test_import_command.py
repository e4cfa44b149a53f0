"""`qexport import` facing careless or hostile files: a clean error and nothing written,
or safe output and a report; never a traceback, never a file outside the new folder."""

from __future__ import annotations

import json
import zipfile
from collections.abc import Callable
from pathlib import Path

import pytest
from test_import_round_trip import _genanki_deck, _png

from qexport.loader import load

from conftest import Run, clean_failure


def _nothing_written(tmp_path: Path, target: Path) -> None:
    assert not target.exists()
    assert not list(target.parent.glob(f".{target.name}.importing-*"))


@pytest.mark.parametrize(
    ("name", "data", "expected"),
    [
        ("junk.csv", bytes(range(256)) * 4, "not UTF-8"),
        ("broken.apkg", b"PK\x03\x04 not really a zip", "not an Anki package"),
        ("empty.apkg", b"", "found no notes to import"),
    ],
)
def test_a_file_that_is_no_bank_is_a_clean_error(
    tmp_path: Path, run: Callable[..., Run], name: str, data: bytes, expected: str
) -> None:
    source = tmp_path / name
    source.write_bytes(data)
    target = tmp_path / "content"
    clean_failure(run("import", str(source), "--content", str(target)), expected)
    _nothing_written(tmp_path, target)


def test_a_zip_bomb_is_refused_before_it_expands(tmp_path: Path, run: Callable[..., Run]) -> None:
    source = tmp_path / "bomb.apkg"
    with zipfile.ZipFile(source, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("collection.anki21", b"\0" * (64 * 1024 * 1024))
    assert source.stat().st_size < 200_000
    target = tmp_path / "content"
    clean_failure(run("import", str(source), "--content", str(target)), "zip bomb")
    _nothing_written(tmp_path, target)


def test_a_corrupt_collection_is_a_clean_error(tmp_path: Path, run: Callable[..., Run]) -> None:
    source = tmp_path / "corrupt.apkg"
    with zipfile.ZipFile(source, "w") as archive:
        archive.writestr("collection.anki2", b"SQLite format 3\0" + b"\xff" * 4096)
    target = tmp_path / "content"
    clean_failure(run("import", str(source), "--content", str(target)), "cannot be read")
    _nothing_written(tmp_path, target)


def test_media_names_that_lead_elsewhere_are_never_written(
    tmp_path: Path, run: Callable[..., Run]
) -> None:
    good, _ = _genanki_deck(tmp_path / "good.apkg", tmp_path)
    source = tmp_path / "hostile.apkg"
    evil = ["../../evil.png", "/tmp/evil.png", "a/b.png", "..", "C:\\evil.png", "nul\x00.png"]
    with zipfile.ZipFile(good) as original, zipfile.ZipFile(source, "w") as hostile:
        hostile.writestr("collection.anki2", original.read("collection.anki2"))
        names = {"0": "curve.png", **{str(i + 1): name for i, name in enumerate(evil)}}
        hostile.writestr("media", json.dumps(names))
        for member in names:
            hostile.writestr(member, _png())
    workspace = tmp_path / "work"
    workspace.mkdir()
    target = workspace / "content"
    result = run("import", str(source), "--content", str(target))
    assert result.exit_code == 0, result.stderr
    written = sorted(p.relative_to(tmp_path).as_posix() for p in tmp_path.rglob("*.png"))
    assert written == ["curve.png", "work/content/images/curve.png"]
    assert result.stderr.count("hostile.apkg: ") >= len(evil)
    assert load(target).question_set.questions


def test_html_with_scripts_gives_safe_content_and_cards(
    tmp_path: Path, run: Callable[..., Run]
) -> None:
    import genanki

    model = genanki.Model(
        1_607_392_320,
        "Card",
        fields=[{"name": "Q"}, {"name": "A"}],
        templates=[{"name": "Card 1", "qfmt": "{{Q}}", "afmt": "{{A}}"}],
    )
    deck = genanki.Deck(2_059_400_111, "Hostile")
    hostile = [
        ('Hi<script>alert("q")</script>?', '<img src="x" onerror="alert(1)">An <b>answer</b>'),
        ('<a href="javascript:alert(1)">click</a> me?', "<iframe src='//evil'></iframe>ok"),
        ("<style>body{display:none}</style>Styled?", "<svg onload=alert(1)><p>fine</p></svg>b"),
    ]
    for front, back in hostile:
        deck.add_note(genanki.Note(model=model, fields=[front, back]))
    source = tmp_path / "hostile.apkg"
    genanki.Package(deck).write_to_file(str(source))
    target = tmp_path / "content"
    result = run("import", str(source), "--content", str(target))
    assert result.exit_code == 0, result.stderr
    text = "".join(p.read_text(encoding="utf-8") for p in target.glob("*.md")).lower()
    for word in ("<script", "onerror", "javascript:", "<iframe", "<style", "onload", "<svg"):
        assert word not in text
    result = run(
        "anki",
        "--preview",
        str(tmp_path / "preview"),
        "--out",
        str(tmp_path / "dist"),
        content=target,
    )
    assert result.exit_code == 0, result.stderr
    for page in (tmp_path / "preview").rglob("*.html"):
        html = page.read_text(encoding="utf-8").lower()
        assert "<script" not in html or "qexport-preview" in html
        assert "onerror=" not in html
        assert "javascript:" not in html


def test_more_notes_than_a_bank_holds_is_a_clean_error(
    tmp_path: Path, run: Callable[..., Run], monkeypatch: pytest.MonkeyPatch
) -> None:
    from qexport import loader

    monkeypatch.setattr(loader, "MAX_QUESTIONS", 2)
    source, _ = _genanki_deck(tmp_path / "three.apkg", tmp_path)
    target = tmp_path / "content"
    clean_failure(run("import", str(source), "--content", str(target)), "3 notes", "at most 2")
    _nothing_written(tmp_path, target)


@pytest.mark.parametrize(
    ("name", "text"),
    [
        (
            "plain.csv",
            "id,number,level,topic,tags,question,key,answer\n"
            "q1,1,../../escaped,t,,What?,,Answer.\n"
            "q2,2,/tmp/escaped,t,,What?,,Answer.\n"
            'q3,3,basic,"x\n[injected]",,What?,,Answer.\n'
            "q4,4,basic,ok,,Kept?,,Yes.\n",
        ),
        (
            "anki.csv",
            "#separator:Comma\n#tags column:3\n"
            "What?,Answer.,p::level::../../escaped p::topic::x\n"
            "Kept?,Yes.,p::level::basic p::topic::../t\n",
        ),
    ],
)
def test_levels_and_topics_never_name_files_elsewhere(
    tmp_path: Path, run: Callable[..., Run], name: str, text: str
) -> None:
    work = tmp_path / "work"
    work.mkdir()
    source = work / name
    source.write_text(text, encoding="utf-8")
    target = work / "deep" / "content"
    result = run("import", str(source), "--content", str(target))
    assert result.exit_code == 0, result.stderr
    assert sorted(p.name for p in tmp_path.rglob("*.md")) == sorted(
        p.name for p in target.glob("*.md")
    )
    assert "[injected]" not in (target / "set.toml").read_text(encoding="utf-8")
    question_set = load(target).question_set
    assert all(q.level in ("basic", "all") for q in question_set.questions)


def test_a_target_that_cannot_be_a_folder_is_a_clean_error(
    tmp_path: Path, run: Callable[..., Run]
) -> None:
    source, _ = _genanki_deck(tmp_path / "deck.apkg", tmp_path)
    (tmp_path / "a-file").write_text("not a folder")
    target = tmp_path / "a-file" / "content"
    clean_failure(run("import", str(source), "--content", str(target)), "cannot write")
    assert (tmp_path / "a-file").read_text() == "not a folder"
