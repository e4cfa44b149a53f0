"""A bank as `qexport import` is about to write it: questions in Markdown, levels, topics.

Every importer ends here (`convert` from another tool's notes, `plain_csv` from
qexport's own plain CSV); `writer` turns it into a content folder.
"""

from __future__ import annotations

from dataclasses import dataclass

from qexport.model import KeptNotetype


@dataclass(frozen=True)
class ImportedQuestion:
    id: str
    level: str
    topic: str
    tags: tuple[str, ...]  # extra tags, as the content writes them
    question: str  # one line of inline Markdown
    answer: str  # Markdown: the details
    key: str = ""  # the key answer, inline Markdown, '' if none
    guid: str = ""  # the note's guid where it must be kept, else ''
    notetype: str = ""  # the key of its KeptNotetype, else ''
    where: str = ""  # where it came from, for reports
    images: tuple[str, ...] = ()  # the names of the ImportedMedia it shows


@dataclass(frozen=True)
class ImportedMedia:
    name: str  # the bare file name the answers show, under MEDIA_FOLDER
    data: bytes


@dataclass(frozen=True)
class ImportedBank:
    title: str
    set_id: str
    tag_prefix: str
    levels: tuple[tuple[str, str], ...]  # (id, label), in order
    topics: tuple[tuple[str, str], ...]
    questions: tuple[ImportedQuestion, ...]
    notetypes: tuple[KeptNotetype, ...] = ()
    media: tuple[ImportedMedia, ...] = ()
    # What could not be carried over as it was, each naming the note or line.
    reports: tuple[str, ...] = ()


MEDIA_FOLDER = "images"
