"""`qexport csv`: a CSV that Anki imports directly, and a plain one for spreadsheets.

Anki dialect: Anki's own file headers (2.1.55+) give the note type's id, the deck,
tag and guid columns; guids and HTML are the deck's, so importing the CSV
over the deck updates the same notes. Columns follow the note type's field
order (Question, Answer, ...), so even where Anki falls back to its Basic
type, Question lands on the front and Answer on the back. The Answer field
holds the key answer first, as the deck's does; a last column holds the key
answer alone, as HTML, for other tools (Anki maps no field to it).

Plain dialect: RFC 4180 for spreadsheets and scripts, with cells that a
spreadsheet would run as a formula neutralized (OWASP CSV injection).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

if TYPE_CHECKING:
    from qexport.exporter import Artifact
    from qexport.model import QuestionSet

DIALECTS = ("anki", "plain")
# `key` is the key answer; `answer` the details that follow it (both Markdown).
PLAIN_COLUMNS = ("id", "number", "level", "topic", "tags", "question", "key", "answer")
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def neutralize(cell: str) -> str:
    """A cell a spreadsheet will show as text, never run as a formula (OWASP).

    A cell that starts with "'" gets one more, which spreadsheets hide too, so
    `qexport import` can undo exactly what was added.
    """
    return "'" + cell if cell.startswith((*FORMULA_STARTS, "'")) else cell


def anki_csv(question_set: QuestionSet) -> str:
    import csv  # here, not at the top: `qexport --help` imports this module
    import io

    from qexport import anki_ids  # the deck's own guids and HTML, loaded only when used
    from qexport.exporters.anki.deck import note_fields, notes_for
    from qexport.exporters.anki.notetype import FIELDS
    from qexport.render import HtmlRenderer

    out = io.StringIO()
    # Questions moved from another deck stay in their own note types (KeptNotetype):
    # then each row names its note type, and its fields fill the first columns.
    kept = any(q.notetype for q in question_set.questions)
    width = max([len(FIELDS), *(len(k.fields) for k in question_set.meta.notetypes)])
    width = width if kept else len(FIELDS)
    deck_column, tags_column, guid_column = width + 1, width + 2, width + 3
    # The note type by id, not name: Anki rewrites some names (it drops '"'), and a
    # name from set.toml never reaches a header line, where a line break would start
    # new headers. Where the id is unknown, Anki falls back to Basic, as for a name.
    notetype_id = anki_ids.stable_id(question_set.meta.id, "notetype")
    # Anki reads #separator first: a #columns line before it would be misread.
    out.write(
        "#separator:Comma\n"
        "#html:true\n"
        + (f"#notetype column:{width + 4}\n" if kept else f"#notetype:{notetype_id}\n")
        + f"#deck column:{deck_column}\n"
        f"#tags column:{tags_column}\n"
        f"#guid column:{guid_column}\n"
    )
    # Quote every cell: Anki drops an unquoted line that starts with '#' as a comment.
    writer = csv.writer(out, quoting=csv.QUOTE_ALL, lineterminator="\n")
    renderer = HtmlRenderer()
    for card in notes_for(question_set):
        fields = note_fields(question_set, card)
        question = card.question
        row = [*fields, *[""] * (width - len(fields)), card.deck, " ".join(card.tags)]
        row.append(anki_ids.note_guid(question_set, question))
        if kept:
            notetype = (
                question_set.meta.notetype(question.notetype).id
                if question.notetype
                else notetype_id
            )
            row.append(str(notetype))
        writer.writerow([*row, renderer.render_inline(question.key)])
    return out.getvalue()


def plain_csv(question_set: QuestionSet) -> str:
    import csv
    import io

    from qexport.tags import tags_for

    out = io.StringIO()
    writer = csv.writer(out, quoting=csv.QUOTE_MINIMAL, lineterminator="\r\n")
    writer.writerow(PLAIN_COLUMNS)
    for q in question_set.questions:
        tags = " ".join(tags_for(q, question_set.meta))
        row = [q.id, str(q.number), q.level, q.topic, tags, q.question, q.key, q.answer]
        writer.writerow([neutralize(cell) for cell in row])
    return out.getvalue()


class CsvExporter:
    name = "csv"
    description = "CSV: one that Anki imports directly, or a plain one for spreadsheets."
    options: Sequence[click.Option] = (
        click.Option(
            ["--dialect"],
            type=click.Choice(DIALECTS),
            default="anki",
            show_default=True,
            help="anki: Anki's CSV import format; plain: RFC 4180 for spreadsheets.",
        ),
        click.Option(
            ["--bom"],
            is_flag=True,
            default=False,
            help="Start the plain CSV with a UTF-8 byte order mark, for Excel.",
        ),
    )
    release: Sequence[Mapping[str, Any]] = ({"dialect": "anki"}, {"dialect": "plain"})

    def artifact_names(self, question_set: QuestionSet, options: Mapping[str, Any]) -> list[str]:
        """The file `export` writes: named by every option that changes its bytes."""
        dialect, bom = _dialect(options)
        return [question_set.file_name(dialect, "bom" if bom else "", extension="csv")]

    def export(
        self, question_set: QuestionSet, options: Mapping[str, Any], out_dir: Path
    ) -> list[Artifact]:
        from qexport.exporter import Artifact  # `qexport --help` imports this module

        dialect, bom = _dialect(options)
        text = anki_csv(question_set) if dialect == "anki" else plain_csv(question_set)
        (name,) = self.artifact_names(question_set, options)
        path = out_dir / name
        path.write_bytes(("\ufeff" if bom else "").encode() + text.encode("utf-8"))
        recorded = {
            "dialect": dialect,
            "bom": bom,
            "selection": question_set.selection.slug() or "all",
        }
        return [Artifact(path, self.name, recorded)]


def _dialect(options: Mapping[str, Any]) -> tuple[str, bool]:
    """The dialect, and whether the file starts with a byte order mark (plain only)."""
    dialect = str(options.get("dialect") or "anki")
    return dialect, bool(options.get("bom")) and dialect == "plain"
