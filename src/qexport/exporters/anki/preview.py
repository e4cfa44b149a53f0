"""`qexport anki --preview DIR`: every card as HTML pages, written where it harms nothing.

The folder gets the protections --out has: never in or around the content,
never inside a release (which `qexport all` replaces whole), and only an
empty folder or one that holds a previous preview. A marker file lists the
pages a preview wrote, so the next preview replaces exactly those (stale
pages of removed questions too) and touches nothing else. Pages are written
in a staging folder first, then each moved into place.
"""

from __future__ import annotations

import os
import re
import shutil
import tempfile
from collections.abc import Iterable, Iterator, Sequence
from html import escape
from pathlib import Path

from qexport.errors import QexportError
from qexport.exporters.anki import notetype
from qexport.exporters.anki.deck import NoteContent
from qexport.themes import Theme

MARKER = ".qexport-preview"
MARKER_HEAD = "# Pages written by qexport anki --preview; the next preview replaces them.\n"
MAX_MARKER = 32 << 20  # bytes; a marker of 25,000 questions' pages is a few MB
PAGE_NAME = re.compile(r"(?:[0-9]{4,}-[a-z0-9-]+-(?:front|back)-(?:day|night)|index)\.html")
SHOWN = 5  # foreign files named in the error

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


def pages(
    cards: Sequence[NoteContent], css: str, theme: Theme, language: str
) -> Iterator[tuple[str, str]]:
    """Every card's front and back, day and night, as Anki would show them; then an index.

    Yielded one by one (name, HTML): a large bank's pages need not fit in memory.
    """
    links = []
    for card in cards:
        q = card.question
        front = notetype.render_card(notetype.FRONT, card.fields)
        back = notetype.render_card(notetype.BACK, card.fields, front=front)
        for side, body in (("front", front), ("back", back)):
            for mode, body_class in (("day", "card card1"), ("night", "card card1 nightMode")):
                name = f"{q.number:04d}-{q.id}-{side}-{mode}.html"
                yield (
                    name,
                    PAGE.format(
                        lang=escape(language),
                        title=escape(f"{q.number}. {q.id} ({side}, {mode})"),
                        css=css,
                        body_class=body_class,
                        body=body,
                    ),
                )
                links.append(f'<li><a href="{name}">{escape(name)}</a></li>')
    yield (
        "index.html",
        PAGE.format(
            lang=escape(language),
            title=f"Card previews ({escape(theme.name)} theme)",
            css=css,
            body_class="card",
            body="<ul>\n" + "\n".join(links) + "\n</ul>",
        ),
    )


def write_preview(
    directory: Path,
    content_dir: Path,
    cards: Sequence[NoteContent],
    css: str,
    theme: Theme,
    language: str,
) -> None:
    """Write the preview pages into `directory`, or a QexportError if that folder is not safe."""
    target = preview_folder(directory, content_dir)
    previous = previous_pages(target, directory)
    try:
        _publish(target, pages(cards, css, theme, language), previous)
    except OSError as exc:
        reason = exc.strerror or str(exc)
        raise QexportError(f"cannot write the preview into {directory}: {reason}") from None


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
    """The pages an earlier preview wrote into `target`; refused if it holds anything else."""
    from qexport.manifest import is_clutter

    try:
        names = {path.name for path in target.iterdir()} if target.exists() else set()
        listed = _listed(target / MARKER)
        ours = {name for name in listed or () if name in names and _is_file(target / name)}
    except OSError as exc:
        raise QexportError(f"cannot read {directory}: {exc.strerror or exc}") from None
    known = ours | ({MARKER} if listed is not None else set())
    foreign = sorted(name for name in names - known if not is_clutter(name))
    if foreign:
        more = f" and {len(foreign) - SHOWN} more" if len(foreign) > SHOWN else ""
        raise QexportError(
            f"--preview {directory} holds files a preview did not write "
            f"({', '.join(foreign[:SHOWN])}{more}); choose an empty folder, or the folder "
            "of an earlier preview"
        )
    return ours


def _is_file(path: Path) -> bool:
    return path.is_file() and not path.is_symlink()


def _listed(marker: Path) -> set[str] | None:
    """The page names a preview's marker lists, or None if `marker` is not one."""
    if not _is_file(marker) or marker.stat().st_size > MAX_MARKER:
        return None
    try:
        text = marker.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        return None
    if not text.startswith(MARKER_HEAD):
        return None
    return {line for line in text.splitlines()[1:] if PAGE_NAME.fullmatch(line)}


def _publish(target: Path, written: Iterable[tuple[str, str]], previous: set[str]) -> None:
    """Move the new pages into `target` and remove the previous preview's stale ones."""
    from qexport.files import replace_text

    target.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=".qexport-preview-", dir=target.parent))
    try:
        names = set()
        for name, text in written:
            (staging / name).write_text(text, encoding="utf-8")
            names.add(name)
        # While pages move, the marker lists old and new: a run killed midway leaves
        # a folder that the next preview still knows as its own.
        replace_text(target / MARKER, _marker(previous | names))
        for name in sorted(names):
            os.replace(staging / name, target / name)
        for name in sorted(previous - names):
            (target / name).unlink(missing_ok=True)
        replace_text(target / MARKER, _marker(names))
    finally:
        shutil.rmtree(staging, ignore_errors=True)


def _marker(names: set[str]) -> str:
    return MARKER_HEAD + "".join(f"{name}\n" for name in sorted(names))
