"""Another tool's notes as questions: what each field becomes, and what is reported."""

from __future__ import annotations

from test_import_round_trip import _png

from qexport import anki_ids
from qexport.exporters.anki.notetype import FIELDS
from qexport.importers.bank import ImportedBank
from qexport.importers.convert import convert
from qexport.importers.placing import UserMapping
from qexport.importers.source import Source, SourceMedia, SourceNote, SourceNotetype

BASIC = SourceNotetype(11, "Basic", ("Front", "Back"), ("Card 1",))
NONE = UserMapping({}, {})


def _convert(*notes: SourceNote, media: tuple[SourceMedia, ...] = ()) -> ImportedBank:
    return convert(Source("apkg", "deck", notes, media), NONE, set_id=SET_ID)


SET_ID = "0b5f3a52-7a51-4bd4-9d43-2f1c0c1e6a10"


def _note(*fields: str, notetype: SourceNotetype = BASIC, **changes: object) -> SourceNote:
    values: dict[str, object] = {"guid": "g1", "where": "note 1", **changes}
    return SourceNote(notetype=notetype, fields=fields, **values)  # type: ignore[arg-type]


def test_a_basic_note_keeps_its_guid_and_note_type() -> None:
    bank = _convert(_note("What is <b>2+2</b>?", "Four.<br>Always."))
    (question,) = bank.questions
    assert question.question == "What is **2+2**?"
    assert question.answer == "Four.\\\nAlways."
    assert (question.guid, question.notetype) == ("g1", "basic")
    (kept,) = bank.notetypes
    assert (kept.id, kept.fields, kept.templates) == (11, ("Front", "Back"), ("Card 1",))


def test_other_fields_follow_the_answer_and_a_tags_field_gives_tags() -> None:
    kind = SourceNotetype(12, "Rich", ("Front", "Back", "Source", "Tags"), ("Card 1",))
    bank = _convert(_note("Q?", "A.", "The book", "easy sql", notetype=kind))
    (question,) = bank.questions
    assert question.answer == "A.\n\n**Source:** The book"
    assert (question.level, question.tags) == ("basic", ("sql",))


def test_a_front_of_several_blocks_is_kept_whole_in_the_answer() -> None:
    bank = _convert(_note("<p>First line</p><p>Second <i>line</i></p>", "A."))
    (question,) = bank.questions
    assert question.question == "First line Second line"
    assert question.answer.startswith("First line\n\nSecond *line*")
    assert any("more than one line" in r for r in bank.reports)


def test_images_are_copied_or_left_out_and_said() -> None:
    media = (SourceMedia("dot.png", _png()), SourceMedia("song.mp3", b"ID3"))
    html = '<img src="dot.png"> <img src="gone.png"> <img src="song.mp3">'
    bank = _convert(_note("Q?", html), media=media)
    (question,) = bank.questions
    assert question.answer == "![](<images/dot.png>)"
    assert [m.name for m in bank.media] == ["dot.png"]
    reports = " ".join(bank.reports)
    assert "'gone.png' is not in the package" in reports
    assert "'song.mp3' is not a PNG, JPEG or GIF" in reports


def test_a_cloze_note_becomes_new_and_is_reported() -> None:
    cloze = SourceNotetype(13, "Cloze", ("Text", "Back Extra"), ("Cloze",), is_cloze=True)
    bank = _convert(_note("{{c1::Paris}} is in {{c2::France::country}}.", "", notetype=cloze))
    (question,) = bank.questions
    assert question.question == "\\[…\\] is in \\[country\\]."
    assert "**Paris**" in question.answer
    assert (question.guid, question.notetype) == ("", "")
    assert any("a cloze note ('Cloze') cannot stay" in r for r in bank.reports)


def test_a_note_of_this_sets_own_note_type_needs_no_written_guid() -> None:
    own = SourceNotetype(
        anki_ids.stable_id(SET_ID, "notetype"),
        "T (qexport)",
        ("Question", "Answer", "Id", "Level", "Topic"),
        ("Recall",),
    )
    guid = anki_ids.derived_guid(SET_ID, "my-id")
    answer = '<div class="qx-key" style="font-weight: 600">The key.</div>\n<p>Details.</p>'
    bank = _convert(_note("Q?", answer, "my-id", "Basic", "Topic", guid=guid, notetype=own))
    (question,) = bank.questions
    assert (question.id, question.key, question.answer) == ("my-id", "The key.", "Details.")
    assert (question.guid, question.notetype) == ("", "")


def test_ids_are_unique_slugs_of_the_question() -> None:
    bank = _convert(_note("What is X?", "A."), _note("What is X?", "B.", guid="g2"))
    ids = [q.id for q in bank.questions]
    assert ids == ["what-is-x", "what-is-x-2"]


def test_an_empty_note_is_left_out_and_said() -> None:
    bank = _convert(_note("", " "), _note("Q?", "", guid="g2"))
    (question,) = bank.questions
    assert question.answer == "TODO"
    reports = bank.reports
    assert "note 1: empty; left out" in reports
    assert any("no answer; written as TODO" in r for r in reports)


def test_a_csv_row_of_a_kept_note_type_is_not_taken_for_qexports_own() -> None:
    """qexport's Anki CSV pads a kept note type's row with empty Id, Level and Topic
    columns: its note type cannot be described from the CSV, so it is not kept."""
    csv_kind = SourceNotetype(77, "77", ("1", "2", "3", "4", "5"), ())
    tags = ("p::level::basic", "p::topic::sql")
    own = _note("Q?", "A.", "my-id", "Basic", "SQL", notetype=csv_kind, tags=tags)
    kept_row = _note("Q2?", "B.", "", "", "", notetype=csv_kind, tags=tags, guid="g2")
    bank = _convert(own, kept_row)
    first, second = bank.questions
    assert (first.id, first.guid) == ("my-id", "g1")
    (kept,) = bank.notetypes
    assert first.notetype == kept.key
    assert (kept.id, kept.fields, kept.templates) == (77, FIELDS, ("Recall",))
    assert (second.guid, second.notetype) == ("", "")
    assert any("they become new notes" in r for r in bank.reports)


def test_images_are_found_by_the_names_anki_writes() -> None:
    """Anki writes a field's media names percent-encoded, or as they are."""
    media = (
        SourceMedia("my diagram é.png", _png()),
        SourceMedia("a%20b.png", _png()),
        SourceMedia("x&y #1.png", _png()),
    )
    html = '<img src="my%20diagram%20%C3%A9.png"> <img src="a%20b.png"> <img src="x&amp;y #1.png">'
    bank = _convert(_note("Q?", html), media=media)
    (question,) = bank.questions
    assert sorted(m.name for m in bank.media) == sorted(m.name for m in media)
    assert "images/my%20diagram%20%C3%A9.png" in question.answer
    assert "images/a%2520b.png" in question.answer
    assert "images/x%26y%20%231.png" in question.answer
    assert not bank.reports
