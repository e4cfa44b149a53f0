"""`qexport anki --preview DIR`: every card as HTML pages, written where it harms nothing.

The folder gets: each card's front and back, day and night, as Anki shows
them; an index (index.html, and index-night.html) that lists the questions
by level and topic with links to those pages; and the images the cards
show, under the bare file names the cards use (as Anki's flat media folder
keeps them).

The folder gets the protections --out has: never in or around the content,
never inside a release (which `qexport all` replaces whole), and only an
empty folder or one that holds a previous preview. A marker file lists the
files a preview wrote, so the next preview replaces exactly those (stale
pages and images of removed questions too) and touches nothing else. Pages
are known by their names; an image may have any name, so the marker also
records its sha256, and a file is taken as a copy only if it still has those
bytes. Files are written in a staging folder first, then each moved into place.
"""

from __future__ import annotations

import hashlib
import os
import re
import shutil
import tempfile
import unicodedata
from collections.abc import Iterable, Iterator, Mapping, Sequence
from html import escape
from pathlib import Path
from typing import TYPE_CHECKING

from qexport.errors import ContentError, QexportError
from qexport.exporters.anki import notetype
from qexport.exporters.anki.deck import NoteContent
from qexport.media import card_file_name
from qexport.themes import Theme

if TYPE_CHECKING:
    from qexport.model import QuestionSet

MARKER = ".qexport-preview"
MARKER_HEAD = "# Files written by qexport anki --preview; the next preview replaces them.\n"
OLD_MARKER_HEAD = "# Pages written by qexport anki --preview; the next preview replaces them.\n"
MAX_MARKER = 32 << 20  # bytes; a marker of 25,000 questions' pages is a few MB
PAGE_NAME = re.compile(
    r"(?:[0-9]{4,}-[a-z0-9-]+-(?:front|back)-(?:day|night)|index|index-night)\.html"
)
MEDIA_LINE = "media "  # then the copy's sha256, a space and its file name
SHA256 = re.compile(r"[0-9a-f]{64}")
SHOWN = 5  # foreign files named in the error
SIDES = ("front", "back")
MODES = {"day": "card card1", "night": "card card1 nightMode"}  # body classes, as in Anki
INDEXES = {"day": "index.html", "night": "index-night.html"}

# What a preview wrote, by file name: the sha256 of an image's copy, "" for a page.
Written = dict[str, str]

PAGE = """\
<!doctype html>
<html lang="{lang}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{title}</title>
<style>
{css}
body {{ margin: 0; padding: 1em 0; }}
</style>
</head>
<body class="{body_class}">
{body}
</body>
</html>
"""

# The index's own layout; its colours are the cards' (the note type's CSS).
INDEX_CSS = """\
.qx-index h1 { font-size: 1.5em; line-height: 1.25; margin: 0.2em 0 0.3em; }
.qx-index h2 { font-size: 1.3em; margin: 1.4em 0 0.2em; }
.qx-index h3 { font-size: 1.05em; margin: 1em 0 0.3em; }
.qx-index-about { margin: 0 0 0.5em; font-size: 0.9em; }
.qx-index-list { list-style: none; margin: 0; padding: 0; }
.qx-index-entry { margin: 0 0 1.1em; }
.qx-index-question { font-weight: 600; }
.qx-index-key { margin-top: 0.15em; }
.qx-index-links { display: flex; flex-wrap: wrap; gap: 0.3em 1em; margin-top: 0.35em; }
.qx-index-side { font-size: 0.85em; white-space: nowrap; }
.qx-index-links a, .qx-index-about a { display: inline-block; min-width: 2.4em; \
padding: 0.3em 0.5em; border: 1px solid; border-radius: 6px; text-align: center; \
text-decoration: none; }
.qx-index-links a { margin-left: 0.3em; }
@media (max-width: 480px) { .qx-index h1 { font-size: 1.3em; } }
"""


def write_preview(
    directory: Path,
    question_set: QuestionSet,
    cards: Sequence[NoteContent],
    css: str,
    theme: Theme,
) -> None:
    """Write the preview into `directory`, or a QexportError if that folder is not safe."""
    target = preview_folder(directory, question_set.content_dir)
    previous = _previous(target, directory)
    media = media_files(question_set.content_dir, cards)
    try:
        _publish(target, pages(question_set, cards, css, theme), media, previous)
    except OSError as exc:
        reason = exc.strerror or str(exc)
        raise QexportError(f"cannot write the preview into {directory}: {reason}") from None


def pages(
    question_set: QuestionSet, cards: Sequence[NoteContent], css: str, theme: Theme
) -> Iterator[tuple[str, str]]:
    """Every card's front and back, day and night, as Anki would show them; then the index.

    Yielded one by one (name, HTML): a large bank's pages need not fit in memory.
    """
    from qexport.render import HtmlRenderer  # Pygments: on use only

    renderer = HtmlRenderer()
    language = question_set.meta.language
    entries: dict[str, str] = {}
    for card in cards:
        q = card.question
        front = notetype.render_card(notetype.FRONT, card.fields)
        back = notetype.render_card(notetype.BACK, card.fields, front=front)
        for side, body in zip(SIDES, (front, back), strict=True):
            for mode, body_class in MODES.items():
                title = f"{q.number}. {q.id} ({side}, {mode})"
                yield (
                    page_name(card, side, mode),
                    html_page(language, title, css, body_class, body),
                )
        key = renderer.render_inline(q.key) if q.key else ""
        entries[q.id] = _entry(card, key)
    sections = _sections(question_set, entries)
    title = f"{question_set.meta.title}: card previews"
    for mode, name in INDEXES.items():
        body = _index_body(question_set, sections, theme, len(cards), mode)
        yield name, html_page(language, title, css + _index_css(theme), MODES[mode], body)


def page_name(card: NoteContent, side: str, mode: str) -> str:
    """The file name of one side of a card in one mode."""
    return f"{card.question.number:04d}-{card.question.id}-{side}-{mode}.html"


def html_page(language: str, title: str, css: str, body_class: str, body: str) -> str:
    return PAGE.format(
        lang=escape(language), title=escape(title), css=css, body_class=body_class, body=body
    )


def _index_css(theme: Theme) -> str:
    """The index's layout, and its muted text in the theme's colours, day and night."""
    muted = (".qx-index-key", ".qx-index-about")
    night = ", ".join(f"{selector} {part}" for selector in notetype.NIGHT for part in muted)
    day = ", ".join(f".card {part}" for part in muted)
    return (
        f"{INDEX_CSS}{day} {{ color: {theme.palette['muted']}; }}\n"
        f"{night} {{ color: {theme.night['muted']}; }}\n"
    )


def _entry(card: NoteContent, key: str) -> str:
    """One question in the index: its number, text, key answer and its four pages."""
    q = card.question
    links = "\n".join(
        f'<span class="qx-index-side">{side.title()}'
        + "".join(
            f' <a href="{escape(page_name(card, side, mode))}" '
            f'aria-label="{side.title()}, {mode}">{mode}</a>'
            for mode in MODES
        )
        + "</span>"
        for side in SIDES
    )
    key_line = f'<div class="qx-index-key">{key}</div>\n' if key else ""
    return (
        f'<li class="qx-index-entry" id="q{q.number}">\n'
        f'<div class="qx-index-question"><span class="qx-index-number">{q.number}.</span> '
        f"{card.fields['Question']}</div>\n"
        f'{key_line}<div class="qx-index-links">\n{links}\n</div>\n</li>'
    )


def _sections(question_set: QuestionSet, entries: Mapping[str, str]) -> list[str]:
    """The entries (by question id) under a heading per level, then per topic."""
    sections = []
    for level, topics in question_set.by_level_and_topic():
        parts = [
            f"<h3>{escape(topic.label)}</h3>\n"
            '<ol class="qx-index-list">\n'
            + "\n".join(entries[q.id] for q in questions)
            + "\n</ol>"
            for topic, questions in topics
        ]
        heading = f'<h2 id="level-{escape(level.id)}">{escape(level.label)}</h2>'
        sections.append("<section>\n" + "\n".join([heading, *parts]) + "\n</section>")
    return sections


def _index_body(
    question_set: QuestionSet, sections: Sequence[str], theme: Theme, count: int, mode: str
) -> str:
    other = "night" if mode == "day" else "day"
    about = (
        f"Card previews of {count} question{'s' if count != 1 else ''}, "
        f"{escape(theme.name)} theme. "
        f'<a href="{INDEXES[other]}">{other.title()} mode</a>'
    )
    head = (
        f"<header>\n<h1>{escape(question_set.meta.title)}</h1>\n"
        f'<p class="qx-index-about">{about}</p>\n</header>'
    )
    return '<main class="qx-index">\n' + "\n".join([head, *sections]) + "\n</main>"


def media_files(content_dir: Path, cards: Sequence[NoteContent]) -> dict[str, Path]:
    """The images the cards show, by the file name the cards use; a ContentError for a
    name the preview cannot take."""
    media: dict[str, Path] = {}
    for card in cards:
        for image in card.question.images:
            name = card_file_name(image)
            problem = _media_name_problem(name)
            if problem is not None:
                message = f"image '{unicodedata.normalize('NFC', image)}' {problem}"
                raise ContentError(message, card.question.path, card.question.line)
            media[name] = content_dir / image
    return media


def _media_name_problem(name: str) -> str | None:
    """Why an image called `name` cannot be copied into the preview, or None."""
    if not _is_bare_name(name):
        # The loader refuses such names; this keeps every copy inside the folder regardless.
        return "cannot be copied into the preview: its name is not a plain file name"
    if PAGE_NAME.fullmatch(name.casefold()) or name.casefold() == MARKER:
        return f"cannot be copied into the preview: '{name}' is the name of a preview file"
    return None


def _is_bare_name(name: str) -> bool:
    """Whether `name` names a file in a folder, never one elsewhere, on any system."""
    odd = any(c in "/\\:" or unicodedata.category(c) == "Cc" for c in name)
    return not odd and name not in ("", ".", "..") and Path(name).name == name


def preview_folder(directory: Path, content_dir: Path) -> Path:
    """`directory` as a real path; refused in or around the content, or inside a release."""
    from qexport.manifest import read as read_manifest
    from qexport.output import resolve_out

    target = resolve_out(directory, content_dir, option="--preview", suggested="preview")
    for folder in (target, *target.parents):
        if read_manifest(folder) is not None:
            raise QexportError(
                f"--preview {directory} is inside the qexport release {folder}, which "
                "`qexport all` replaces whole; choose a folder outside it"
            )
    if target.exists() and not target.is_dir():
        raise QexportError(f"--preview {directory} is not a folder")
    return target


def previous_pages(target: Path, directory: Path) -> set[str]:
    """The files an earlier preview wrote into `target`; refused if it holds anything else."""
    return set(_previous(target, directory))


def _previous(target: Path, directory: Path) -> Written:
    from qexport.manifest import is_clutter

    try:
        names = {path.name for path in target.iterdir()} if target.exists() else set()
        listed = _listed(target / MARKER)
        ours = _ours(target, names, listed or {})
    except OSError as exc:
        raise QexportError(f"cannot read {directory}: {exc.strerror or exc}") from None
    known = set(ours) | ({MARKER} if listed is not None else set())
    foreign = sorted(name for name in names - known if not is_clutter(name))
    if foreign:
        more = f" and {len(foreign) - SHOWN} more" if len(foreign) > SHOWN else ""
        raise QexportError(
            f"--preview {directory} holds files a preview did not write "
            f"({', '.join(foreign[:SHOWN])}{more}); choose an empty folder, or the folder "
            "of an earlier preview"
        )
    return ours


def _ours(target: Path, names: set[str], listed: Mapping[str, set[str]]) -> Written:
    """The listed files that are still as a preview wrote them: pages, and image copies
    that still have one of the sha256s listed for them."""
    from qexport.files import sha256_file

    ours = {}
    for name, digests in listed.items():
        if name not in names or not _is_file(target / name):
            continue
        if "" in digests:
            ours[name] = ""
        elif digests and (digest := sha256_file(target / name)) in digests:
            ours[name] = digest
    return ours


def _is_file(path: Path) -> bool:
    return path.is_file() and not path.is_symlink()


def _listed(marker: Path) -> dict[str, set[str]] | None:
    """The files a preview's marker lists, each with its sha256s ("" for a page), or
    None if `marker` is not one."""
    if not _is_file(marker) or marker.stat().st_size > MAX_MARKER:
        return None
    try:
        text = marker.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        return None
    if not text.startswith((MARKER_HEAD, OLD_MARKER_HEAD)):
        return None
    listed: dict[str, set[str]] = {}
    for line in text.split("\n")[1:]:  # names may hold characters that splitlines splits at
        if PAGE_NAME.fullmatch(line):
            listed.setdefault(line, set()).add("")
        elif line.startswith(MEDIA_LINE):
            digest, _, name = line[len(MEDIA_LINE) :].partition(" ")
            if SHA256.fullmatch(digest) and _media_name_problem(name) is None:
                listed.setdefault(name, set()).add(digest)
    return listed


def _publish(
    target: Path,
    written: Iterable[tuple[str, str]],
    media: Mapping[str, Path],
    previous: Written,
) -> None:
    """Move the new pages and images into `target` and remove the previous preview's
    stale ones."""
    from qexport.files import replace_text

    target.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=".qexport-preview-", dir=target.parent))
    try:
        files: Written = {}
        for name, text in written:
            (staging / name).write_text(text, encoding="utf-8")
            files[name] = ""
        files.update(_copy_media(media, staging))
        # While files move, the marker lists old and new: a run killed midway leaves
        # a folder that the next preview still knows as its own.
        replace_text(target / MARKER, _marker([*previous.items(), *files.items()]))
        for name in sorted(files):
            os.replace(staging / name, target / name)
        for name in sorted(previous.keys() - files.keys()):
            (target / name).unlink(missing_ok=True)
        replace_text(target / MARKER, _marker(files.items()))
    finally:
        shutil.rmtree(staging, ignore_errors=True)


def _copy_media(media: Mapping[str, Path], staging: Path) -> Written:
    """Each image copied into `staging` under the name the cards use; their sha256s."""
    copies = {}
    for name, source in sorted(media.items()):
        assert _is_bare_name(name), name  # media_files admits no other
        try:
            data = source.read_bytes()
        except OSError as exc:  # checked when loaded, but it may have gone since
            raise QexportError(f"cannot read {source}: {exc.strerror or exc}") from None
        (staging / name).write_bytes(data)
        copies[name] = hashlib.sha256(data).hexdigest()
    return copies


def _marker(files: Iterable[tuple[str, str]]) -> str:
    lines = {f"{MEDIA_LINE}{digest} {name}" if digest else name for name, digest in files}
    return MARKER_HEAD + "".join(f"{line}\n" for line in sorted(lines))
