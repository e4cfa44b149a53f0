"""Another tool's notes (`Source`) as a qexport bank (`ImportedBank`).

A note's first field is its question and its second its answer; any other
field that holds something follows in the answer, under its name in bold. Each
HTML field becomes Markdown where it maps cleanly, and keeps the HTML qexport
renders where it does not (`html_markdown`).

Learners keep their progress where Anki can keep it: a note of an ordinary
note type keeps its guid and its note type (`KeptNotetype`), so importing a
qexport deck over the old one updates each note in place. A cloze note, or a
note type with one field, cannot be kept: it becomes a new note, and the report
says so, note by note.
"""

from __future__ import annotations

import re
import unicodedata
import uuid
from dataclasses import dataclass, field, replace
from urllib.parse import quote, unquote

from qexport import anki_ids
from qexport.exporters.anki.notetype import FIELDS, TEMPLATE_NAME
from qexport.importers.bank import MEDIA_FOLDER, ImportedBank, ImportedMedia, ImportedQuestion
from qexport.importers.markdown_text import escape_text
from qexport.importers.placing import (
    UserMapping,
    common_root,
    level_label,
    ordered_levels,
    place,
    slug,
    topic_label,
)
from qexport.importers.source import Source, SourceMedia, SourceNote, SourceNotetype
from qexport.media import may_show_image
from qexport.model import KeptNotetype
from qexport.render import KEY_CLASS

# qexport's own note type: a deck qexport built for another set, imported again.
QEXPORT_FIELDS = FIELDS
IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg", ".gif")
TAGS_FIELD = "tags"  # a field of this name (any case) holds tags, not text
MAX_QUESTION_CHARS = 300  # a longer front is shortened in the heading, kept whole below
_ID = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")
_KEY_DIV = re.compile(rf'\s*<div class="{KEY_CLASS}"[^>]*>(.*?)</div>\n?', re.DOTALL)


@dataclass
class _Run:
    """What converting one source collects as it goes."""

    set_id: str
    media: dict[str, SourceMedia]
    kept: dict[int, KeptNotetype] = field(default_factory=dict)
    ids: set[str] = field(default_factory=set)
    topics: dict[str, str] = field(default_factory=dict)
    prefixes: set[str] = field(default_factory=set)
    reports: list[str] = field(default_factory=list)
    unkept: int = 0  # notes with a guid but no note type id to keep it with
    guids: set[str] = field(default_factory=set)
    shown: list[str] = field(default_factory=list)  # the images of the note being read


def convert(
    source: Source, mapping: UserMapping, set_id: str | None = None, title: str | None = None
) -> ImportedBank:
    """`source` as a bank; `set_id` is the set's id (a new one if None)."""
    run = _Run(set_id or str(uuid.uuid4()), {m.name: m for m in source.media})
    run.reports.extend(source.problems)
    root = common_root([note.deck for note in source.notes])
    questions = [
        question
        for note in source.notes
        if (question := _question(note, root, mapping, run)) is not None
    ]
    norun = sum(q.answer.count("python norun\n") for q in questions)
    if norun:
        run.reports.append(
            f"{norun} Python code blocks are marked `python norun`: highlighted, never "
            "compiled or run; remove `norun` from those that should be checked"
        )
    if run.unkept:
        run.reports.append(
            f"{run.unkept} notes have a guid, but the file does not give their note type's "
            "id, which Anki needs as well to update a note in place: they become new notes"
        )
    levels = ordered_levels(list(dict.fromkeys(q.level for q in questions)))
    topics = sorted(run.topics.items(), key=lambda item: item[1].casefold())
    prefix = next(iter(run.prefixes)) if len(run.prefixes) == 1 else ""
    name = title or _label_text(root[-1] if root else source.name) or "Imported questions"
    return ImportedBank(
        title=name,
        set_id=run.set_id,
        tag_prefix=prefix or slug(name, "imported"),
        levels=tuple((level, level_label(level)) for level in levels),
        topics=tuple(topics),
        questions=tuple(questions),
        notetypes=tuple(run.kept.values()),
        media=tuple(
            ImportedMedia(name, run.media[name].data)
            for name in sorted({name for q in questions for name in q.images})
        ),
        reports=tuple(run.reports),
    )


def _question(
    note: SourceNote, root: tuple[str, ...], mapping: UserMapping, run: _Run
) -> ImportedQuestion | None:
    where = note.where or "a note"
    if len(note.fields) < 1 or not any(f.strip() for f in note.fields):
        run.reports.append(f"{where}: empty; left out")
        return None
    placed = place([*note.tags, *_field_tags(note)], note.deck, root, mapping)
    note = _as_qexport(note, placed.tag_prefix, root[0] if root else "")
    run.shown = []
    front, key, back = _sides(note, run)
    for dropped in placed.dropped_tags:
        run.reports.append(f"{where}: tag {dropped}; left out")
    if placed.tag_prefix:
        run.prefixes.add(placed.tag_prefix)
    run.topics.setdefault(
        placed.topic, _label_text(placed.topic_label) or topic_label(placed.topic)
    )
    question, answer = _text(front, key, back, where, run)
    qid = _unique_id(_wanted_id(note, question), run.ids)
    guid, notetype = _identity(note, qid, run)
    return ImportedQuestion(
        id=qid,
        level=placed.level,
        topic=placed.topic,
        tags=placed.tags,
        question=question,
        answer=answer,
        key=key,
        guid=guid,
        notetype=notetype,
        where=where,
        images=tuple(dict.fromkeys(run.shown)),
    )


def _sides(note: SourceNote, run: _Run) -> tuple[str, str, str]:
    """The note's question, key answer and answer as Markdown; its other fields follow the
    answer. Only a note qexport made has a key answer: its answer's first `qx-key` block."""
    from qexport.importers.cloze import cloze_sides

    fields = list(note.fields) + [""] * max(0, 2 - len(note.fields))
    names = list(note.notetype.fields) + [""] * (len(fields) - len(note.notetype.fields))
    where = note.where or "a note"
    if note.notetype.is_cloze:
        front_html, back_html, _numbers = cloze_sides(fields[0])
        rest = list(zip(names[1:], fields[1:], strict=True))
    else:
        front_html, back_html = fields[0], fields[1]
        rest = list(zip(names[2:], fields[2:], strict=True))
    key_html = ""
    if _is_qexport(note.notetype):
        rest = []  # Id, Level and Topic: the question's own id, level and topic
        key_html, back_html = _split_key(back_html)
    front = _markdown(front_html, where, run)
    key = " ".join(_markdown(key_html, where, run).split()) if key_html else ""
    parts = [_markdown(back_html, where, run)]
    for name, value in rest:
        if value.strip() and name.casefold() != TAGS_FIELD:
            parts.append(f"**{escape_text(name)}:** " + _markdown(value, where, run))
    return front, key, "\n\n".join(part for part in parts if part.strip())


def _field_tags(note: SourceNote) -> list[str]:
    """The tags a field named Tags holds (ankdown keeps them there): space-separated."""
    for name, value in zip(note.notetype.fields, note.fields, strict=False):
        if name.casefold() == TAGS_FIELD and value.strip():
            from bs4 import BeautifulSoup

            return BeautifulSoup(value, "html.parser").get_text(" ").split()
    return []


def _split_key(html: str) -> tuple[str, str]:
    """A qexport answer's key answer and the rest: `render_answer` writes the key first,
    as one `<div class="qx-key" ...>` of inline HTML (no `div` inside)."""
    found = _KEY_DIV.match(html)
    return (found.group(1), html[found.end() :]) if found else ("", html)


def _markdown(html: str, where: str, run: _Run) -> str:
    """A field's HTML as Markdown, its images copied, what cannot be shown reported."""
    from qexport.importers.html_markdown import to_markdown

    def image_src(name: str) -> str:
        return f"{MEDIA_FOLDER}/{quote(name, safe='')}"

    converted = to_markdown(_shown_images(html, where, run), image_src)
    run.reports.extend(f"{where}: {lost}" for lost in converted.lost)
    for name in converted.images:
        media = run.media.get(name)
        if media is None:  # not met by `_shown_images`; the loader reports it as missing
            continue
        run.shown.append(name)
    return converted.markdown.strip()


def _shown_images(html: str, where: str, run: _Run) -> str:
    """`html` with each `<img>` naming a picture of the package by its exact name (what
    the converter reads back), or left out if the package has no such picture."""
    if "<img" not in html.lower():
        return html
    from bs4 import BeautifulSoup

    soup = BeautifulSoup(html, "html.parser")
    for image in soup.find_all("img"):
        src = str(image.get("src") or "")
        media = _media_named(src, run.media)
        if media is None or not media.name.lower().endswith(IMAGE_SUFFIXES):
            why = "is not in the package" if media is None else "is not a PNG, JPEG or GIF"
            run.reports.append(f"{where}: image '{src[:80]}' {why}; left out")
            image.decompose()
        else:
            image["src"] = quote(media.name, safe="")
    return str(soup)


def _media_named(src: str, media: dict[str, SourceMedia]) -> SourceMedia | None:
    """The picture `src` shows: Anki writes names percent-encoded or as they are."""
    decoded = unicodedata.normalize("NFC", unquote(src))
    for name in dict.fromkeys((decoded, src, unicodedata.normalize("NFC", src))):
        if name in media:
            return media[name]
    return None


def _text(front: str, key: str, back: str, where: str, run: _Run) -> tuple[str, str]:
    """The question as one heading line, and the answer; a front that cannot be a
    heading (several blocks, an image, too long) is also kept whole atop the answer."""
    lines = [line.strip() for line in front.split("\n") if line.strip()]
    one_line = " ".join(lines)
    fits = len(lines) == 1 and not may_show_image(one_line) and len(one_line) <= MAX_QUESTION_CHARS
    if fits:
        return one_line, back or ("" if key else _no_answer(where, run))
    from qexport.render import render_plain

    # A `\` ending a line is a line break, not text, in the heading's one line.
    plain = " ".join(render_plain(line.removesuffix("\\")) for line in lines) or "(a picture)"
    heading = plain if len(plain) <= MAX_QUESTION_CHARS else plain[: MAX_QUESTION_CHARS - 1] + "…"
    run.reports.append(
        f"{where}: the question is more than one line of text; the heading shows its text, "
        "and the answer starts with it as it was"
    )
    answer = "\n\n".join(p for p in (front, back) if p)
    return escape_text(heading), answer or ("" if key else _no_answer(where, run))


def _no_answer(where: str, run: _Run) -> str:
    run.reports.append(f"{where}: no answer; written as TODO")
    return "TODO"


def _as_qexport(note: SourceNote, tag_prefix: str, title: str) -> SourceNote:
    """A note of a CSV qexport wrote: its note type's fields and template are qexport's,
    and its name is the set's (the CSV names the note type by id only)."""
    kind = note.notetype
    if kind.templates or not kind.id or not tag_prefix or len(note.fields) < len(QEXPORT_FIELDS):
        return note
    if not _ID.fullmatch(note.fields[2].strip()):  # a kept note type's row: its Id is empty
        return note
    name = f"{title} (qexport)" if title else kind.name
    qexport = SourceNotetype(kind.id, name, QEXPORT_FIELDS, (TEMPLATE_NAME,))
    return replace(note, notetype=qexport, fields=note.fields[: len(QEXPORT_FIELDS)])


def _identity(note: SourceNote, question_id: str, run: _Run) -> tuple[str, str]:
    """The guid and kept note type key a question needs so Anki updates its note."""
    where, kind = note.where or "a note", note.notetype
    if not note.guid:
        return "", ""
    guid, problem = anki_ids.read_guid(anki_ids.written_guid(note.guid))
    if problem is not None or guid in run.guids:
        why = "is not one Anki writes" if problem else "is also an earlier note's"
        run.reports.append(f"{where}: its guid {why}; it becomes a new note")
        return "", ""
    run.guids.add(guid)
    if kind.id == anki_ids.stable_id(run.set_id, "notetype"):
        # This set's own note type (--set-id): a guid derived from the id need not be written.
        return ("" if guid == anki_ids.derived_guid(run.set_id, question_id) else guid), ""
    if not kind.id or not kind.templates:
        run.unkept += 1
        return "", ""
    if kind.is_cloze or len(kind.fields) < 2:
        what = "a cloze note" if kind.is_cloze else "a note type with one field"
        cards = f"its {note.card_count} card(s)" if note.card_count != 1 else "its card"
        reviewed = " and their reviews" if note.reviewed else ""
        run.reports.append(
            f"{where}: {what} ('{kind.name}') cannot stay in its note type; it becomes a new "
            f"note, and {cards}{reviewed} stay with the old note in Anki"
        )
        return "", ""
    problems = _notetype_problems(kind)
    if problems:
        run.reports.append(
            f"{where}: its note type '{kind.name[:80]}' cannot be written in set.toml "
            f"({problems}); it becomes a new note"
        )
        return "", ""
    return guid, _kept(kind, run).key


def _notetype_problems(kind: SourceNotetype) -> str:
    """Why `kind` cannot be an `[anki.notetypes]` table, or ''."""
    from qexport.kept_notetypes import value_problems
    from qexport.metadata import text_problem

    values = {
        "id": kind.id,
        "name": kind.name,
        "fields": list(kind.fields),
        "templates": list(kind.templates),
    }
    return "; ".join(f"{item} {problem}" for item, problem in value_problems(values, text_problem))


def _kept(kind: SourceNotetype, run: _Run) -> KeptNotetype:
    if kind.id not in run.kept:
        taken = {kept.key for kept in run.kept.values()}
        key = _unique_id(slug(kind.name, "notetype"), taken)
        templates = kind.templates or ("Card 1",)
        run.kept[kind.id] = KeptNotetype(key, kind.id, kind.name, kind.fields, templates, 0)
        if len(templates) > 1:
            run.reports.append(
                f"note type '{kind.name}' has {len(templates)} card templates: the first is "
                "qexport's card; the others show the answer and ask for the question"
            )
    return run.kept[kind.id]


def _is_qexport(kind: SourceNotetype) -> bool:
    return tuple(kind.fields) == QEXPORT_FIELDS


def _wanted_id(note: SourceNote, question: str) -> str:
    if _is_qexport(note.notetype) and len(note.fields) >= 3:
        written = note.fields[2].strip()
        if _ID.fullmatch(written) and len(written) <= 64:
            return written
    from qexport.render import render_plain

    words = slug(render_plain(question), "question").split("-")
    return "-".join(words[:6]) or "question"


def _unique_id(wanted: str, taken: set[str]) -> str:
    made, number = wanted, 2
    while made in taken:
        made = f"{wanted}-{number}"
        number += 1
    taken.add(made)
    return made


def _label_text(text: str) -> str:
    """A deck's name as a title or label set.toml holds: one line, no character that is not
    text, no ':' at the end (Anki would read a deck below it)."""
    from qexport.metadata import text_problem

    kept = "".join(c if text_problem(c) is None else " " for c in text)
    return " ".join(kept.split()).rstrip(":").strip()
