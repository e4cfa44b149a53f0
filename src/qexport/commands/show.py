"""What `qexport validate`, `stats` and `list` show of the content."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import click

from qexport import changes
from qexport.errors import ContentError, ContentErrors
from qexport.registry import exporter_checks
from qexport.release_config import release_runs
from qexport.tags import tags_for

if TYPE_CHECKING:
    from qexport.model import QuestionSet


def validate_set(question_set: QuestionSet) -> None:
    """Every problem of the content, its lock file and what exporters would meet; or ok."""
    try:  # a damaged lock file stops every deck build: say so now, not at release time
        changes.read(question_set.content_dir / changes.LOCK_FILE)
    except ContentError as exc:
        raise ContentErrors([exc]) from None
    changes.source_date_epoch()  # a bad SOURCE_DATE_EPOCH stops every build, as here
    runs = release_runs(question_set)
    errors, warnings = exporter_checks(question_set, runs)
    if errors:
        raise ContentErrors(errors, warnings)
    for warning in warnings:
        click.echo(str(warning), err=True)
    click.echo(f"ok: {summary(question_set)}")


def stats_table(question_set: QuestionSet) -> list[str]:
    """The questions counted by topic and level, as a table with a total row."""
    levels = question_set.levels
    header = ["Topic", *(level.label for level in levels), "Total"]
    rows = []
    for topic in question_set.topics:
        counts = [
            sum(1 for q in question_set.questions if q.topic == topic.id and q.level == level.id)
            for level in levels
        ]
        rows.append([topic.label, *map(str, counts), str(sum(counts))])
    totals = question_set.counts_by_level()
    rows.append(["Total", *(str(totals[level.id]) for level in levels), str(sum(totals.values()))])
    lines = _table(rows, header)
    return [*lines[:-1], lines[1], lines[-1]]


def question_lines(question_set: QuestionSet) -> list[str]:
    """One line per question: number, level, topic, id and question."""
    rows = [(str(q.number), q.level, q.topic, q.id, q.question) for q in question_set.questions]
    return _table(rows) if rows else []


def summary(question_set: QuestionSet) -> str:
    counts = question_set.counts_by_level()
    per_level = ", ".join(f"{counts[level.id]} {level.id}" for level in question_set.levels)
    meta = question_set.meta
    return (
        f"{meta.title} {meta.version}: {len(question_set.questions)} questions "
        f"({per_level}), {len(question_set.topics)} topics"
    )


def _table(rows: Sequence[Sequence[str]], header: Sequence[str] | None = None) -> list[str]:
    """Rows as aligned text: numeric columns right-aligned, a rule under the header."""
    framed = [header, *rows] if header else list(rows)
    widths = [max(len(row[i]) for row in framed) for i in range(len(framed[0]))]
    numeric = [all(row[i].isdigit() for row in rows) for i in range(len(widths))]

    def line(row: Sequence[str]) -> str:
        cells = (
            cell.rjust(width) if right else cell.ljust(width)
            for cell, width, right in zip(row, widths, numeric, strict=True)
        )
        return "  ".join(cells).rstrip()

    lines = [line(row) for row in rows]
    if header:
        lines[:0] = [line(header), "  ".join("-" * width for width in widths)]
    return lines


def model_as_json(question_set: QuestionSet) -> dict[str, Any]:
    meta = question_set.meta
    levels = question_set.counts_by_level()
    return {
        "set": {
            "id": meta.id,
            "title": meta.title,
            "description": meta.description,
            "author": meta.author,
            "version": meta.version,
            "language": meta.language,
            "tag_prefix": meta.tag_prefix,
        },
        "levels": [
            {"id": lv.id, "label": lv.label, "count": levels[lv.id]} for lv in question_set.levels
        ],
        "topics": [{"id": t.id, "label": t.label} for t in question_set.topics],
        "questions": [
            {
                "id": q.id,
                "number": q.number,
                "level": q.level,
                "topic": q.topic,
                "tags": list(tags_for(q, meta)),
                "extra_tags": list(q.tags),
                "question": q.question,
                "key": q.key,
                "key_code": q.key_code,
                "answer": q.answer,
                "source": {"path": q.path.as_posix(), "line": q.line},
            }
            for q in question_set.questions
        ],
    }
