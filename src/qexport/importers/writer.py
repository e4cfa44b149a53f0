"""An `ImportedBank` written as a new content folder: set.toml, a file per level, images.

The folder is made beside the target under a temporary name, loaded back with
qexport's own loader, and only then renamed into place: a failed import
leaves nothing behind, and an existing folder is never written into. A
question the loader refuses (something the conversion could not make valid)
is left out and reported with the loader's reason, never dropped silently.
"""

from __future__ import annotations

import json
import os
import shutil
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path

from qexport.anki_ids import written_guid
from qexport.errors import ContentErrors, QexportError
from qexport.files import private_folder, remove_abandoned
from qexport.importers.bank import MEDIA_FOLDER, ImportedBank, ImportedQuestion
from qexport.model import KeptNotetype

MAX_PASSES = 3  # each pass leaves out the questions the loader refused in the last


def write_bank(bank: ImportedBank, target: Path) -> ImportedBank:
    """Write `bank` as the content folder `target`; the bank as written (with any
    question the loader refused left out and reported)."""
    try:
        if target.exists() and not (target.is_dir() and not any(target.iterdir())):
            raise QexportError(f"{target} already exists; import into a new folder")
        target.parent.mkdir(parents=True, exist_ok=True)
        prefix = f".{target.name}.importing-"
        remove_abandoned(target.parent, prefix)  # of an import killed before it could
        scratch = private_folder(target.parent, prefix)
        try:
            bank = _written(bank, scratch, target)
            if target.exists():
                target.rmdir()  # empty, checked above
            os.rename(scratch, target)
        except BaseException:
            shutil.rmtree(scratch, ignore_errors=True)
            raise
    except OSError as problem:  # a full disk, no permission, a file where a folder must be
        raise QexportError(f"cannot write {target}: {problem.strerror or problem}") from None
    return bank


def _written(bank: ImportedBank, scratch: Path, target: Path) -> ImportedBank:
    """`bank` written into `scratch` until the loader takes all of it, leaving out (and
    reporting) what it refuses."""
    for _ in range(MAX_PASSES):
        _write_files(bank, scratch)
        refused = {
            question: message.replace(str(scratch), str(target))  # the path it will have
            for question, message in _refused(scratch, bank).items()
        }
        if not refused:
            return bank
        bank = _without(bank, refused)
        if not bank.questions:
            reasons = "".join(f"\n  {report}" for report in bank.reports)
            raise QexportError(f"no question could be written:{reasons}")
    raise QexportError("the imported bank does not load; please report this as a bug")


def _write_files(bank: ImportedBank, folder: Path) -> None:
    from qexport.metadata import SLUG

    # Levels name files and topics TOML keys: only slugs, whatever a reader let through.
    keys = [key for key, _ in (*bank.levels, *bank.topics)] + [k.key for k in bank.notetypes]
    names = [media.name for media in bank.media]
    if not all(SLUG.fullmatch(key) for key in keys) or any(
        "/" in n or n in (".", "..") for n in names
    ):
        raise QexportError("an imported name is not safe to write; please report this as a bug")
    for old in folder.glob("*.md"):
        old.unlink()
    (folder / "set.toml").write_text(set_toml(bank), encoding="utf-8")
    for level, label in bank.levels:
        questions = [q for q in bank.questions if q.level == level]
        if questions:
            text = level_file(f"{bank.title}: {label}", questions)
            (folder / f"{level}.md").write_text(text, encoding="utf-8")
    if bank.media:
        (folder / MEDIA_FOLDER).mkdir(exist_ok=True)
        for media in bank.media:
            (folder / MEDIA_FOLDER / media.name).write_bytes(media.data)


def _refused(folder: Path, bank: ImportedBank) -> dict[str, str]:
    """The loader's first error for each question it refuses, by question id."""
    from qexport.loader import load

    try:
        load(folder)
    except ContentErrors as problems:
        refused: dict[str, str] = {}
        for error in problems.errors:
            question = _at(folder, bank, error.path, error.line)
            if question is not None:
                refused.setdefault(question.id, error.message)
        if not refused:  # not a question's fault ("the set has no questions" may follow one)
            first = problems.errors[0]
            raise QexportError(
                f"the imported bank does not load ({first}); please report this as a bug"
            ) from None
        return refused
    return {}


def _at(
    folder: Path, bank: ImportedBank, path: Path | None, line: int | None
) -> ImportedQuestion | None:
    """The question whose text holds `line` of the level file `path`."""
    if path is None or line is None or path.parent != folder or path.suffix != ".md":
        return None
    starts = _question_lines([q for q in bank.questions if q.level == path.stem])
    found = None
    for question, start in starts:
        if start <= line:
            found = question
    return found


def _question_lines(questions: Sequence[ImportedQuestion]) -> list[tuple[ImportedQuestion, int]]:
    """Each question with the line of its attribute line in `level_file`'s text."""
    line, starts = 3, []
    for question in questions:
        starts.append((question, line))
        line += _entry(question).count("\n")
    return starts


def _without(bank: ImportedBank, refused: dict[str, str]) -> ImportedBank:
    kept = tuple(q for q in bank.questions if q.id not in refused)
    reports = [f"{q.where}: left out: {refused[q.id]}" for q in bank.questions if q.id in refused]
    levels = tuple(level for level in bank.levels if any(q.level == level[0] for q in kept))
    topics = tuple(topic for topic in bank.topics if any(q.topic == topic[0] for q in kept))
    shown = {image for q in kept for image in q.images}
    media = tuple(m for m in bank.media if m.name in shown)
    notetypes = tuple(n for n in bank.notetypes if any(q.notetype == n.key for q in kept))
    return replace(
        bank,
        questions=kept,
        levels=levels,
        topics=topics,
        media=media,
        notetypes=notetypes,
        reports=(*bank.reports, *reports),
    )


def level_file(title: str, questions: Sequence[ImportedQuestion]) -> str:
    return f"# {title}\n\n" + "".join(_entry(question) for question in questions)


def _entry(question: ImportedQuestion) -> str:
    """A question as the loader reads it: attribute line, heading, key answer, details."""
    attributes = [f"#{question.id}", f"topic={question.topic}"]
    if question.tags:
        attributes.append(f'tags="{" ".join(question.tags)}"')
    if question.guid:
        attributes.append(f'guid="{written_guid(question.guid)}"')
    if question.notetype:
        attributes.append(f"notetype={question.notetype}")
    parts = ["{" + " ".join(attributes) + "}", f"## {question.question}", ""]
    if question.key:
        parts += ["{.key}", question.key, ""]
    parts += [question.answer, "", ""]
    return "\n".join(parts)


def toml_string(value: str) -> str:
    """`value` as a TOML basic string (JSON's escapes are TOML's, but for DEL)."""
    return json.dumps(value, ensure_ascii=False).replace("\x7f", "\\u007f")


def set_toml(bank: ImportedBank) -> str:
    lines = [
        "# Written by `qexport import`. The id below derives Anki's ids for new questions:",
        "# never change it.",
        "[set]",
        f"id = {toml_string(bank.set_id)}",
        f"title = {toml_string(bank.title)}",
        f"version = {toml_string('1.0.0')}",
        f"tag_prefix = {toml_string(bank.tag_prefix)}",
        'key_answers = "optional"',
        "",
        "[levels]",
        *(f"{level} = {toml_string(label)}" for level, label in bank.levels),
        "",
        "[topics]",
        *(f"{topic} = {toml_string(label)}" for topic, label in bank.topics),
        "",
    ]
    if bank.notetypes:
        lines += [
            "# The note types of the deck these questions came from: a question that names",
            "# one (notetype=...) stays in it, so learners' notes update in place.",
        ]
    for kept in bank.notetypes:
        lines += _notetype_table(kept)
    return "\n".join(lines)


def _notetype_table(kept: KeptNotetype) -> list[str]:
    names = ", ".join(toml_string(name) for name in kept.fields)
    templates = ", ".join(toml_string(name) for name in kept.templates)
    return [
        f"[anki.notetypes.{kept.key}]",
        f"id = {kept.id}",
        f"name = {toml_string(kept.name)}",
        f"fields = [{names}]",
        f"templates = [{templates}]",
        "",
    ]
