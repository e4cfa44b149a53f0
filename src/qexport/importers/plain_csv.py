"""qexport's own plain CSV (`qexport csv --dialect plain`), read back into a bank.

Its cells are the content's own Markdown, so nothing is converted: a round
trip gives the same questions. Its tags follow qexport's scheme
(`PREFIX::level::basic`), from which the extra tags are read back. It names no
note type, so learners' notes update in place only if the new set has the
old set's id (`--set-id`): then every guid derives as before.
"""

from __future__ import annotations

import csv
import uuid
from collections.abc import Sequence
from pathlib import Path

from qexport.errors import QexportError
from qexport.exporters.csv import FORMULA_STARTS, PLAIN_COLUMNS
from qexport.importers.bank import ImportedBank, ImportedQuestion
from qexport.importers.placing import level_label, slug, topic_label
from qexport.importers.source import MAX_CSV_BYTES, MAX_NOTES
from qexport.metadata import SLUG
from qexport.tags import SEPARATOR


def is_plain_csv(path: Path) -> bool:
    """Whether the file starts with the plain CSV's header row."""
    with path.open(encoding="utf-8-sig", newline="", errors="replace") as file:
        first = file.readline(4096).strip()  # a header row, however long the file
    return first.split(",") == list(PLAIN_COLUMNS)


def read_plain_csv(path: Path, set_id: str | None, title: str | None) -> ImportedBank:
    if path.stat().st_size > MAX_CSV_BYTES:
        raise QexportError(f"{path}: larger than {MAX_CSV_BYTES // 2**20} MB; not a question bank")
    try:
        with path.open(encoding="utf-8-sig", newline="") as file:
            rows = list(csv.reader(file))
    except (UnicodeDecodeError, csv.Error) as exc:
        raise QexportError(f"{path}: not a CSV file qexport wrote ({exc})") from None
    if not rows or rows[0] != list(PLAIN_COLUMNS):
        raise QexportError(f"{path}:1: the first row must be {','.join(PLAIN_COLUMNS)}")
    if len(rows) - 1 > MAX_NOTES:
        raise QexportError(f"{path}: more than {MAX_NOTES:,} questions; split the bank")
    questions, prefixes, reports = [], set(), []
    for number, row in enumerate(rows[1:], 2):
        if len(row) != len(PLAIN_COLUMNS):
            reports.append(f"line {number}: {len(row)} cells, not {len(PLAIN_COLUMNS)}; left out")
            continue
        cells = dict(zip(PLAIN_COLUMNS, (restored(cell) for cell in row), strict=True))
        bad = [name for name in ("id", "level", "topic") if not SLUG.fullmatch(cells[name])]
        if bad:
            reports.append(f"line {number}: its {', '.join(bad)} is not a slug; left out")
            continue
        prefix, tags = _extra_tags(cells["tags"].split(" "), cells["level"], cells["topic"])
        prefixes.add(prefix)
        questions.append(
            ImportedQuestion(
                id=cells["id"],
                level=cells["level"],
                topic=cells["topic"],
                tags=tags,
                question=cells["question"],
                answer=cells["answer"],
                key=cells["key"],
                where=f"line {number}",
            )
        )
    if set_id is None:
        reports.append(
            "a plain CSV carries no guid and names no note type: learners who have this "
            "bank's deck keep their progress only if the new set has the old one's id "
            "(--set-id), and questions the old bank kept from another deck (guid=, "
            "notetype=) not at all: import its deck (.apkg) or Anki CSV instead"
        )
    return _bank(path, questions, set_id, title, prefixes, reports)


def restored(cell: str) -> str:
    """A cell as it was before `neutralize` made it safe for spreadsheets."""
    if cell.startswith("'") and cell[1:].startswith((*FORMULA_STARTS, "'")):
        return cell[1:]
    return cell


def _extra_tags(tags: Sequence[str], level: str, topic: str) -> tuple[str, tuple[str, ...]]:
    """The scheme's prefix and the extra tags, from a row's tags."""
    prefix = ""
    extra = []
    for tag in tags:
        parts = tag.split(SEPARATOR, 2)
        if len(parts) == 3 and (parts[1], parts[2]) in (("level", level), ("topic", topic)):
            prefix = parts[0]
        elif len(parts) == 3 and parts[1] == "tag":
            extra.append(parts[2])
        elif tag:
            extra.append(tag)
    return prefix, tuple(extra)


def _bank(
    path: Path,
    questions: list[ImportedQuestion],
    set_id: str | None,
    title: str | None,
    prefixes: set[str],
    reports: list[str],
) -> ImportedBank:
    name = title or path.stem
    levels = list(dict.fromkeys(q.level for q in questions))  # the set's order
    topics = sorted(dict.fromkeys(q.topic for q in questions))
    prefix = next(iter(prefixes)) if len(prefixes) == 1 and "" not in prefixes else ""
    return ImportedBank(
        title=name,
        set_id=set_id or str(uuid.uuid4()),
        tag_prefix=prefix or slug(name, "imported"),
        levels=tuple((level, level_label(level)) for level in levels),
        topics=tuple((topic, topic_label(topic)) for topic in topics),
        questions=tuple(questions),
        reports=tuple(reports),
    )
