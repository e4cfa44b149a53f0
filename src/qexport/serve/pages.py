"""The HTML `qexport serve` sends: the page, its question list, each entry, each card side.

Card sides are the pages `qexport anki --preview` writes, made on request:
the deck's own note-type HTML and CSS. The page shows them in frames of a
phone's width (390 px) or a desktop's (1000 px), by day or night or both.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from functools import lru_cache
from html import escape
from importlib.resources import files
from typing import TYPE_CHECKING

from qexport.exporters.anki import notetype
from qexport.exporters.anki.preview import MODES, SIDES, html_page
from qexport.serve.state import Preview, Problem, Snapshot

if TYPE_CHECKING:
    from qexport.render import HtmlRenderer

PHONE_SCREEN = 844  # px: an iPhone 14's screen height, where a phone's first screen ends

APP = """\
<!doctype html>
<html lang="{lang}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{title}: qexport serve</title>
<link rel="stylesheet" href="/app.css">
<script src="/app.js" defer></script>
</head>
<body data-device="phone" data-mode="day" data-version="{version}">
<header class="qx-bar">
<div class="qx-bar-title"><strong>{title}</strong> <span id="qx-count">{count}</span></div>
<input id="qx-search" type="search" placeholder="Search questions, key answers, ids, tags"
 aria-label="Search">
<div class="qx-toggles" role="group" aria-label="Frame">
<button type="button" data-device="phone" aria-pressed="true">Phone 390 px</button>
<button type="button" data-device="desktop" aria-pressed="false">Desktop 1000 px</button>
</div>
<div class="qx-toggles" role="group" aria-label="Mode">
<button type="button" data-mode="day" aria-pressed="true">Day</button>
<button type="button" data-mode="night" aria-pressed="false">Night</button>
<button type="button" data-mode="both" aria-pressed="false">Both</button>
</div>
<nav id="qx-pdfs" aria-label="PDFs">{pdfs}</nav>
<section id="qx-problems" role="alert"{problems_hidden}>{problems}</section>
</header>
<main id="qx-list">
{list}
</main>
</body>
</html>
"""


@lru_cache(maxsize=2)
def asset(name: str) -> bytes:
    """app.js or app.css, shipped beside this module."""
    return files("qexport.serve").joinpath(name).read_bytes()


def app_page(preview: Preview, pdfs: str) -> str:
    """The whole page: bar, problems, and every question."""
    snapshot = preview.snapshot
    title = snapshot.question_set.meta.title if snapshot else str(preview.content_dir)
    lang = snapshot.question_set.meta.language if snapshot else "en"
    count = count_text(snapshot)
    return APP.format(
        lang=escape(lang),
        title=escape(title),
        version=preview.version,
        count=escape(count),
        pdfs=pdfs,
        problems=problems_html(preview.errors),
        problems_hidden="" if preview.errors else " hidden",
        list=list_html(snapshot),
    )


def count_text(snapshot: Snapshot | None) -> str:
    if snapshot is None:
        return ""
    n = len(snapshot.question_set.questions)
    return f"{n} question{'s' if n != 1 else ''}"


def list_html(snapshot: Snapshot | None) -> str:
    """Every question, under its level, then its topic, in the set's order."""
    if snapshot is None:
        return '<p class="qx-empty">No cards yet: fix the errors above and save.</p>'
    parts = [_warnings_html(snapshot.warnings)]
    for level, topics in snapshot.question_set.by_level_and_topic():
        sections = [
            f'<section class="qx-topic"><h3>{escape(topic.label)}</h3>\n'
            + "\n".join(entry_html(snapshot, q.id) for q in questions)
            + "\n</section>"
            for topic, questions in topics
        ]
        heading = f'<h2 id="level-{escape(level.id)}">{escape(level.label)}</h2>'
        body = "\n".join([heading, *sections])
        parts.append(f'<section class="qx-level">\n{body}\n</section>')
    return "\n".join(part for part in parts if part)


@lru_cache(maxsize=1)
def _renderer() -> HtmlRenderer:
    """One renderer for every entry's key answer: building one costs a parser."""
    from qexport.render import HtmlRenderer

    return HtmlRenderer()


def entry_html(snapshot: Snapshot, qid: str) -> str:
    """One question: its text, key answer, tags and place, then its card's sides."""
    from qexport.render import render_plain

    card = snapshot.cards[qid]
    q = card.question
    key = _renderer().render_inline(q.key) if q.key else "<em>No key answer.</em>"
    search = " ".join([q.id, render_plain(q.question), render_plain(q.key), *card.tags]).lower()
    tags = " ".join(f'<span class="qx-tag">{escape(tag)}</span>' for tag in card.tags)
    version = snapshot.digests[qid]
    frames = "\n".join(
        '<div class="qx-side">'
        + "".join(_frame(qid, side, mode, version) for mode in MODES)
        + "</div>"
        for side in SIDES
    )
    return (
        f'<article class="qx-q" id="q-{escape(qid)}" data-search="{escape(search)}">\n'
        f'<div class="qx-q-title"><span class="qx-num">{q.number}.</span> '
        f"{card.fields['Question']}</div>\n"
        f'<div class="qx-q-key">{key}</div>\n'
        f'<div class="qx-q-meta"><code class="qx-where">{escape(str(q.path))}:{q.line}</code> '
        f"{tags}</div>\n"
        f'<div class="qx-frames">\n{frames}\n</div>\n</article>'
    )


def _frame(qid: str, side: str, mode: str, version: str) -> str:
    src = f"/card/{escape(qid)}/{side}-{mode}.html?v={version}"
    return (
        f'<figure class="qx-frame qx-{mode}"><figcaption>{side.title()}, {mode}</figcaption>'
        f'<div class="qx-screen"><iframe title="{escape(qid)}, {side}, {mode}" src="{src}" '
        'loading="lazy"></iframe><div class="qx-fold" aria-hidden="true">'
        "phone screen ends</div></div></figure>"
    )


def card_page(snapshot: Snapshot, qid: str, side: str, mode: str) -> str | None:
    """One side of one card in one mode, as Anki shows it; None if there is no such page."""
    card = snapshot.cards.get(qid)
    if card is None or side not in SIDES or mode not in MODES:
        return None
    front = notetype.render_card(notetype.FRONT, card.fields)
    body = front if side == "front" else notetype.render_card(notetype.BACK, card.fields, front)
    language = snapshot.question_set.meta.language
    title = f"{card.question.number}. {qid} ({side}, {mode})"
    return html_page(language, title, snapshot.css, MODES[mode], body)


def problems_html(problems: Sequence[Problem]) -> str:
    """The errors of the last load, each with the line of the file it names."""
    if not problems:
        return ""
    errors = [p for p in problems if not p.is_warning]
    count = len(errors)
    head = (
        f"{count} error{'s' if count != 1 else ''} in the content: "
        "the cards below are from the last good save"
    )
    return f"<h2>{escape(head)}</h2>\n<ol>{_problem_items(errors)}</ol>"


def _warnings_html(warnings: Sequence[Problem]) -> str:
    if not warnings:
        return ""
    count = len(warnings)
    summary = f"{count} warning{'s' if count != 1 else ''}"
    return (
        f'<details class="qx-warnings"><summary>{summary}</summary>'
        f"<ol>{_problem_items(warnings)}</ol></details>"
    )


def _problem_items(problems: Iterable[Problem]) -> str:
    items = []
    for p in problems:
        lines = "".join(
            f'<span class="qx-line{" qx-named" if number == p.line else ""}">'
            f'<span class="qx-lineno">{number}</span>{escape(text)}\n</span>'
            for number, text in p.source
        )
        source = f'<pre class="qx-source">{lines}</pre>' if lines else ""
        items.append(f'<li><div class="qx-problem">{escape(p.text)}</div>{source}</li>')
    return "".join(items)
