"""Reading CSV files as Anki imports and exports them."""

from __future__ import annotations

from pathlib import Path

import pytest

from qexport.errors import ContentError
from qexport.importers.anki_csv import read_anki_csv

from anki_learner import export_notes_as_text


def write(tmp_path: Path, text: str, name: str = "deck.txt") -> Path:
    path = tmp_path / name
    path.write_bytes(text.encode("utf-8"))
    return path


def test_a_file_anki_exported_is_read(tmp_path: Path) -> None:
    """Anki's own "Notes in Plain Text" export, with every column it can add."""
    from anki.collection import Collection

    col = Collection(str(tmp_path / "collection.anki2"))
    try:
        note = col.new_note(col.models.by_name("Basic"))
        note["Front"], note["Back"] = "What is <b>x</b>?", 'line one<br>"quoted", two'
        note.tags = ["alpha", "beta::gamma"]
        col.add_note(note, col.decks.id("Top::Sub"))
        cloze = col.new_note(col.models.by_name("Cloze"))
        cloze["Text"] = "{{c1::Paris}} is a city"
        col.add_note(cloze, col.decks.id("Geo"))
        out = export_notes_as_text(col, tmp_path / "export.txt")
        guids = {note.guid, cloze.guid}
    finally:
        col.close()
    source = read_anki_csv(out)
    assert source.kind == "anki-csv"
    assert source.problems == ()
    basic, text = source.notes
    assert {basic.guid, text.guid} == guids
    assert basic.notetype.name == "Basic"
    assert basic.fields == ("What is <b>x</b>?", 'line one<br>"quoted", two')
    assert basic.tags == ("alpha", "beta::gamma")
    assert basic.deck == "Top::Sub"
    assert text.notetype.is_cloze
    assert text.notetype.fields[0] == "Text"
    assert (text.fields[0], text.deck) == ("{{c1::Paris}} is a city", "Geo")
    assert basic.where.startswith("line ")


@pytest.mark.parametrize(
    ("header", "separator"),
    [
        ("Comma", ","),
        ("Semicolon", ";"),
        ("tab", "\t"),
        ("Pipe", "|"),
        ("colon", ":"),
        ("Space", " "),
        (",", ","),
        (";", ";"),
    ],
)
def test_the_separator_header(tmp_path: Path, header: str, separator: str) -> None:
    path = write(tmp_path, f"#separator:{header}\nq1{separator}a1\n")
    (note,) = read_anki_csv(path).notes
    assert note.fields == ("q1", "a1")


@pytest.mark.parametrize(
    ("body", "fields"),
    [
        ("q\ta, b; c\n", ("q", "a, b; c")),  # tab first, as Anki guesses
        ("q;a, b\n", ("q", "a, b")),
        ("q,a b\n", ("q", "a b")),
        ("q|a;b\n", ("q", "a;b")),
    ],
)
def test_without_headers_the_separator_is_guessed(
    tmp_path: Path, body: str, fields: tuple[str, ...]
) -> None:
    (note,) = read_anki_csv(write(tmp_path, body)).notes
    assert note.fields == fields
    assert note.notetype.fields == ("Front", "Back")
    assert note.guid == ""


def test_plain_text_fields_are_escaped_to_html(tmp_path: Path) -> None:
    text = '#separator:comma\n#html:false\n"a <b> & c","line 1\nline 2"\n'
    (note,) = read_anki_csv(write(tmp_path, text)).notes
    assert note.fields == ("a &lt;b&gt; &amp; c", "line 1<br>line 2")
    html = '#separator:comma\n#html:true\n"a <b>x</b>",y\n'
    (note,) = read_anki_csv(write(tmp_path, html)).notes
    assert note.fields[0] == "a <b>x</b>"


def test_html_is_guessed_when_not_said(tmp_path: Path) -> None:
    (note,) = read_anki_csv(write(tmp_path, "a < b,c\n")).notes
    assert note.fields == ("a &lt; b", "c")
    (note,) = read_anki_csv(write(tmp_path, "<i>a</i>,c\n")).notes
    assert note.fields == ("<i>a</i>", "c")


def test_columns_and_meta_columns(tmp_path: Path) -> None:
    text = (
        "\ufeff#separator:Semicolon\n"
        "#columns:Id;Question;Answer;Deck;Tags;Extra\n"
        "#guid column:1\n#deck column:4\n#tags column:5\n"
        "#tags:global shared\n#notetype:My type\n#if matches:update current\n"
        "# a comment line\n"
        "g1;What?;That.;A::B;one two;more\n"
        "# a comment between notes\n"
        'g2;"multi\nline";x;C;;\n'
        "g3;Why?;Because.;D;one;\n"
    )
    source = read_anki_csv(write(tmp_path, text))
    assert source.problems == ()
    first, second, third = source.notes
    assert first.notetype.name == "My type"
    assert first.notetype.fields == ("Question", "Answer", "Extra")
    assert (first.guid, first.deck, first.fields) == ("g1", "A::B", ("What?", "That.", "more"))
    assert first.tags == ("global", "shared", "one", "two")
    assert second.fields[0] == "multi<br>line"
    assert (first.where, second.where, third.where) == ("line 10", "line 12", "line 14")


def test_a_notetype_column_gives_each_row_its_type(tmp_path: Path) -> None:
    text = "#separator:tab\n#notetype column:1\nBasic\tq\ta\nCloze\t{{c1::x}}\t\n"
    basic, cloze = read_anki_csv(write(tmp_path, text)).notes
    assert (basic.notetype.name, cloze.notetype.name) == ("Basic", "Cloze")
    assert cloze.notetype.is_cloze
    assert not basic.notetype.is_cloze


def test_malformed_lines_are_reported_with_their_line(tmp_path: Path) -> None:
    text = "#separator:comma\nq1,a1\nq2\nq3,a3,extra\nq4,a4,\n"
    source = read_anki_csv(write(tmp_path, text))
    assert [n.fields for n in source.notes] == [("q1", "a1"), ("q2", ""), ("q4", "a4")]
    assert "line 3: 1 fields, expected 2" in source.problems
    assert "line 4: 3 fields, expected 2" in source.problems
    assert "line 4: skipped, it has more fields than the header row" in source.problems
    assert "line 5: 3 fields, expected 2" in source.problems  # reported, nothing lost


def test_an_unclosed_quote_is_reported_where_it_starts(tmp_path: Path) -> None:
    source = read_anki_csv(write(tmp_path, 'q,a\n"open,a\nq3,a3\n'))
    assert [n.where for n in source.notes] == ["line 1", "line 2"]
    assert source.problems == ("line 2: 1 fields, expected 2",)


def test_bad_headers_are_reported(tmp_path: Path) -> None:
    text = "#separator:Banana\n#html:maybe\n#guid column:x\n#colour:red\nq,a\n"
    source = read_anki_csv(write(tmp_path, text))
    assert source.notes[0].fields == ("q", "a")
    assert source.problems == (
        "line 1: unknown separator 'Banana'; guessed instead",
        "line 2: #html: is 'maybe', not true or false",
        "line 3: #guid column: is 'x', not a column number",
        "line 4: unknown header #colour: ignored",
    )


def test_unreadable_files_give_clean_errors(tmp_path: Path) -> None:
    latin = tmp_path / "latin.txt"
    latin.write_bytes(b"q,a\nq\xe9,a\n")
    with pytest.raises(ContentError, match=r"latin\.txt:2: not UTF-8"):
        read_anki_csv(latin)
    with pytest.raises(ContentError, match=r"missing\.txt: cannot be read: No such file"):
        read_anki_csv(tmp_path / "missing.txt")


def test_limits(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from qexport.importers import anki_csv

    monkeypatch.setattr(anki_csv, "MAX_NOTES", 2)
    with pytest.raises(ContentError, match=r"deck\.txt:3: more than 2 notes"):
        read_anki_csv(write(tmp_path, "a,b\nc,d\ne,f\n#x\n"))
    monkeypatch.setattr(anki_csv, "MAX_FIELD_CHARS", 3)
    source = read_anki_csv(write(tmp_path, "abcd,b\n"))
    assert source.notes == ()
    assert source.problems == ("line 1: skipped, a field is over 3 characters",)
