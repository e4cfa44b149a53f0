"""`qexport anki --preview DIR`: an index, every card's pages and their images, written
only where it harms nothing, as --out does."""

from __future__ import annotations

import hashlib
import io
import json
import os
import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from html import unescape
from html.parser import HTMLParser
from pathlib import Path

import pytest

from qexport import manifest
from qexport.errors import ContentError
from qexport.loader import load
from qexport.render import render_plain

from conftest import Run, clean_failure

MARKER = ".qexport-preview"  # anki_preview.MARKER, named here so old versions can be tested
INDEXES = 2  # index.html and index-night.html
PAGES = 3 * 4 + INDEXES  # the small bank's 3 questions, front and back, day and night
GIL_ANSWER = "A lock that lets one thread run Python bytecode at a time.\n"
# The plan's file is stored decomposed (as macOS stores names); the Markdown, as every
# text qexport reads, is composed: the card shows it by its composed name.
PLAN_ON_DISK = unicodedata.normalize("NFD", "café plan.png")
PLAN = "café plan.png"


def _preview(run: Callable[..., Run], bank: Path, folder: Path, out: Path) -> Run:
    return run("anki", "--out", str(out), "--preview", str(folder), content=bank)


def _files(folder: Path) -> set[str]:
    return {p.name for p in folder.iterdir()}


def _png(colour: tuple[int, int, int]) -> bytes:
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (3, 2), colour).save(buffer, "PNG")
    return buffer.getvalue()


def _show_images(bank: Path) -> dict[str, bytes]:
    """The GIL's answer shows two images; their bytes, by the name its card shows them by."""
    images = bank / "images"
    images.mkdir()
    shown = {"diagram.png": _png((200, 0, 0)), PLAN: _png((0, 0, 200))}
    (images / "diagram.png").write_bytes(shown["diagram.png"])
    (images / PLAN_ON_DISK).write_bytes(shown[PLAN])
    pictures = f"![The lock](images/diagram.png)\n\n![Who waits](<images/{PLAN}>)\n"
    advanced = bank / "advanced.md"
    text = advanced.read_text(encoding="utf-8")
    advanced.write_text(text.replace(GIL_ANSWER, f"{GIL_ANSWER}\n{pictures}"), encoding="utf-8")
    return shown


class _Sources(HTMLParser):
    """The src of every <img> of a page."""

    def __init__(self) -> None:
        super().__init__()
        self.sources: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "img":
            self.sources.append(dict(attrs).get("src") or "")


def _image_sources(page: Path) -> list[str]:
    reader = _Sources()
    reader.feed(page.read_text(encoding="utf-8"))
    return reader.sources


@dataclass
class _Entry:
    level: str
    topic: str
    question: str = ""
    key: str = ""
    links: list[str] = field(default_factory=list)
    key_shown: bool = False


class _Index(HTMLParser):
    """An index page's title, and its entries under their level and topic headings."""

    ROLES = ("qx-index-entry", "qx-index-question", "qx-index-key")
    VOID = frozenset({"meta", "br", "img", "hr", "link", "input", "wbr"})

    def __init__(self) -> None:
        super().__init__()
        self.headings: dict[str, str] = {"h1": "", "h2": "", "h3": ""}
        self.entries: list[_Entry] = []
        self.other_links: list[str] = []
        self.night = False
        self._open: list[str | None] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        given = dict(attrs)
        classes = (given.get("class") or "").split()
        role = tag if tag in self.headings else next((r for r in self.ROLES if r in classes), None)
        if tag in self.headings:
            self.headings[tag] = ""
        if role == "qx-index-entry":
            self.entries.append(_Entry(self.headings["h2"], self.headings["h3"]))
        if role == "qx-index-key":
            self.entries[-1].key_shown = True
        if tag == "body":
            self.night = "nightMode" in classes
        if tag == "a":
            inside = "qx-index-entry" in self._open
            (self.entries[-1].links if inside else self.other_links).append(given["href"] or "")
        if tag not in self.VOID:
            self._open.append(role)

    def handle_endtag(self, tag: str) -> None:
        if tag not in self.VOID:
            self._open.pop()

    def handle_data(self, data: str) -> None:
        for role in self._open:
            if role in self.headings:
                self.headings[role] += data
            elif role == "qx-index-question":
                self.entries[-1].question += data
            elif role == "qx-index-key":
                self.entries[-1].key += data


def _read_index(page: Path) -> _Index:
    index = _Index()
    index.feed(page.read_text(encoding="utf-8"))
    for entry in index.entries:
        entry.question, entry.key = " ".join(entry.question.split()), " ".join(entry.key.split())
    index.headings = {tag: " ".join(text.split()) for tag, text in index.headings.items()}
    return index


def _side_and_mode(page: Path) -> tuple[str, str, str]:
    """What a card page shows, read from the page: its side, its mode and its text."""
    html = page.read_text(encoding="utf-8")
    (body_class,) = re.findall(r'<body class="([^"]*)">', html)
    side = "back" if '<hr id="answer">' in html else "front"
    body = html.split("<body", 1)[1].split(">", 1)[1]
    text = " ".join(unescape(re.sub(r"<[^>]*>", "", body)).split())
    return side, "night" if "nightMode" in body_class.split() else "day", text


def test_the_index_lists_questions_by_level_then_topic_with_four_pages_each(
    bank: Path, run: Callable[..., Run], tmp_path: Path
) -> None:
    basic = bank / "basic.md"
    first = "{#threads topic=concurrency}\n## What does `threading.Thread` start?\n\nA thread.\n\n"
    text = basic.read_text(encoding="utf-8")
    basic.write_text(text.replace("{#list-vs-tuple", first + "{#list-vs-tuple"), encoding="utf-8")
    folder = tmp_path / "preview"
    result = _preview(run, bank, folder, tmp_path / "dist")
    assert result.exit_code == 0, result.stderr
    questions = {q.number: q for q in load(bank).question_set.questions}

    index = _read_index(folder / "index.html")
    assert index.headings["h1"] == "Tiny Test Set"
    assert not index.night
    groups: list[tuple[str, str, list[int]]] = []
    for entry in index.entries:
        number = int(entry.question.split(".", 1)[0])
        if not groups or groups[-1][:2] != (entry.level, entry.topic):
            groups.append((entry.level, entry.topic, []))
        groups[-1][2].append(number)
        q = questions[number]
        assert entry.question == f"{number}. {render_plain(q.question)}"
        key = getattr(q, "key", "")  # older qexport versions have no key answers
        assert (entry.key, entry.key_shown) == (render_plain(key), bool(key))
        shown = set()
        for link in entry.links:
            side, mode, page_text = _side_and_mode(folder / link)  # each page exists
            assert render_plain(q.question) in page_text
            shown.add((side, mode))
        assert len(entry.links) == 4
        assert shown == {(s, m) for s in ("front", "back") for m in ("day", "night")}
    # Levels, and topics within each, in set.toml's order; questions in the set's order.
    assert groups == [
        ("Basic", "Data types", [2, 3]),
        ("Basic", "Concurrency", [1]),
        ("Advanced", "Concurrency", [4]),
    ]
    assert "<code>threading.Thread</code>" in (folder / "index.html").read_text(encoding="utf-8")

    night = _read_index(folder / "index-night.html")
    assert night.night
    assert [e.question for e in night.entries] == [e.question for e in index.entries]
    assert "index-night.html" in index.other_links
    assert "index.html" in night.other_links


def test_the_images_cards_show_are_copied_beside_them(
    bank: Path, run: Callable[..., Run], tmp_path: Path
) -> None:
    shown = _show_images(bank)
    folder = tmp_path / "preview"
    result = _preview(run, bank, folder, tmp_path / "dist")
    assert result.exit_code == 0, result.stderr
    (back,) = folder.glob("*-gil-back-day.html")
    sources = _image_sources(back)
    assert sorted(sources) == sorted(shown)
    for source in sources:  # the page finds each image where it looks for it
        assert (folder / source).read_bytes() == shown[source]
    assert _files(folder) == {*(p.name for p in folder.glob("*.html")), *shown, MARKER}
    assert len(list(folder.glob("*.html"))) == PAGES


def test_a_preview_replaces_its_own_pages_and_removes_stale_ones(
    bank: Path, run: Callable[..., Run], tmp_path: Path
) -> None:
    folder = tmp_path / "preview"
    assert _preview(run, bank, folder, tmp_path / "dist").exit_code == 0
    first = _files(folder)
    assert len(first) == PAGES + 1  # and the marker
    assert MARKER in first
    gone = {name for name in first if "-gil-" in name}
    assert len(gone) == 4

    advanced = bank / "advanced.md"
    text = advanced.read_text(encoding="utf-8")
    advanced.write_text(text.replace("{#gil ", "{#gil-explained "), encoding="utf-8")
    result = _preview(run, bank, folder, tmp_path / "dist")
    assert result.exit_code == 0, result.stderr
    now = _files(folder)
    assert not now & gone  # the renamed question's old pages are gone
    assert len(now) == PAGES + 1
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".qexport-preview-")]


def test_a_folder_with_other_files_is_refused_and_left_alone(
    bank: Path, run: Callable[..., Run], tmp_path: Path
) -> None:
    site = tmp_path / "site"
    site.mkdir()
    (site / "index.html").write_text("<p>my site</p>", encoding="utf-8")
    result = _preview(run, bank, site, tmp_path / "dist")
    assert result.exit_code == 1, result.stderr
    assert f"--preview {site} holds files a preview did not write (index.html)" in result.stderr
    assert "internal error" not in result.stderr
    assert _files(site) == {"index.html"}
    assert (site / "index.html").read_text(encoding="utf-8") == "<p>my site</p>"
    assert not list(tmp_path.glob("dist/*.apkg"))


@pytest.mark.parametrize("where", ["content", "inside", "around"])
def test_a_preview_in_or_around_the_content_is_refused(
    where: str, bank: Path, run: Callable[..., Run], tmp_path: Path
) -> None:
    folder = {"content": bank, "inside": bank / "pages", "around": bank.parent}[where]
    before = sorted(p.relative_to(bank.parent) for p in bank.parent.rglob("*"))
    result = _preview(run, bank, folder, tmp_path / "elsewhere" / "dist")
    assert result.exit_code == 1, result.stderr
    assert result.stderr.startswith(f"qexport: --preview {folder}")
    assert "content folder" in result.stderr
    after = sorted(p.relative_to(bank.parent) for p in bank.parent.rglob("*"))
    assert [p for p in after if p.parts[0] != "elsewhere"] == before


def test_a_preview_inside_a_release_is_refused(
    bank: Path, run: Callable[..., Run], tmp_path: Path
) -> None:
    release = tmp_path / "release"
    release.mkdir()
    listing = json.dumps({"format": manifest.FORMAT, "artifacts": []})
    (release / manifest.MANIFEST).write_text(listing, encoding="utf-8")
    for folder in (release, release / "preview"):
        result = _preview(run, bank, folder, tmp_path / "dist")
        assert result.exit_code == 1, result.stderr
        assert f"is inside the qexport release {release}" in result.stderr
    assert _files(release) == {manifest.MANIFEST}


def test_a_preview_cut_short_is_still_known_as_a_preview(
    bank: Path, run: Callable[..., Run], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = tmp_path / "preview"
    assert _preview(run, bank, folder, tmp_path / "dist").exit_code == 0
    from qexport.exporters.anki import preview as anki_preview

    real_replace = os.replace
    moved = []

    def fail_after_three(source: object, target: object) -> None:
        if len(moved) == 3:
            raise OSError(28, "No space left on device")
        moved.append(target)
        real_replace(source, target)  # type: ignore[arg-type]

    monkeypatch.setattr(anki_preview.os, "replace", fail_after_three)
    result = _preview(run, bank, folder, tmp_path / "dist")
    assert result.exit_code == 1
    assert f"cannot write the preview into {folder}: No space left on device" in result.stderr
    monkeypatch.undo()
    result = _preview(run, bank, folder, tmp_path / "dist")
    assert result.exit_code == 0, result.stderr
    assert len(_files(folder)) == PAGES + 1


def test_a_marker_lists_only_page_names(
    bank: Path, run: Callable[..., Run], tmp_path: Path
) -> None:
    """A marker written by hand cannot make a preview delete or overwrite other files."""
    from qexport.exporters.anki import preview as anki_preview

    folder = tmp_path / "preview"
    folder.mkdir()
    (folder / "notes.txt").write_text("mine", encoding="utf-8")
    marker = anki_preview.MARKER_HEAD + "notes.txt\n../outside.html\n"
    (folder / anki_preview.MARKER).write_text(marker, encoding="utf-8")
    result = _preview(run, bank, folder, tmp_path / "dist")
    assert result.exit_code == 1
    assert "(notes.txt)" in result.stderr
    assert (folder / "notes.txt").read_text(encoding="utf-8") == "mine"


def test_a_preview_removes_the_pages_and_images_of_what_is_gone(
    bank: Path, run: Callable[..., Run], tmp_path: Path
) -> None:
    shown = _show_images(bank)
    folder = tmp_path / "preview"
    assert _preview(run, bank, folder, tmp_path / "dist").exit_code == 0
    assert {*shown, MARKER} <= _files(folder)
    assert len(list(folder.glob("*-dict-order-*.html"))) == 4

    basic = bank / "basic.md"  # the last question goes, one image goes, the other is redrawn
    text = basic.read_text(encoding="utf-8")
    basic.write_text(text[: text.index("{#dict-order")], encoding="utf-8")
    advanced = bank / "advanced.md"
    text = advanced.read_text(encoding="utf-8")
    advanced.write_text(text.replace(f"![Who waits](<images/{PLAN}>)\n", ""), encoding="utf-8")
    (bank / "images" / PLAN_ON_DISK).unlink()
    redrawn = _png((0, 150, 0))
    (bank / "images" / "diagram.png").write_bytes(redrawn)
    result = _preview(run, bank, folder, tmp_path / "dist")
    assert result.exit_code == 0, result.stderr

    pages = {p.name for p in folder.glob("*.html")}
    assert len(pages) == 2 * 4 + INDEXES
    assert not [name for name in pages if "-dict-order-" in name]
    assert _files(folder) == {*pages, "diagram.png", MARKER}
    assert (folder / "diagram.png").read_bytes() == redrawn
    assert "dict-order" not in (folder / "index.html").read_text(encoding="utf-8")
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".qexport-preview-")]


def test_copied_images_do_not_make_other_files_count_as_the_previews(
    bank: Path, run: Callable[..., Run], tmp_path: Path
) -> None:
    """Beside a preview's images, a file of the user's, or an image the user changed,
    is refused and left alone, whatever the marker says."""
    _show_images(bank)
    folder = tmp_path / "preview"
    assert _preview(run, bank, folder, tmp_path / "dist").exit_code == 0
    assert (folder / "diagram.png").exists()
    mine = _png((1, 2, 3))
    (folder / "photo.png").write_bytes(mine)
    other = hashlib.sha256(b"other bytes").hexdigest()
    with (folder / MARKER).open("a", encoding="utf-8") as marker:
        marker.write(f"media {other} photo.png\n")
    result = _preview(run, bank, folder, tmp_path / "dist")
    clean_failure(result, f"--preview {folder} holds files a preview did not write (photo.png)")
    assert (folder / "photo.png").read_bytes() == mine

    (folder / "photo.png").unlink()
    (folder / "diagram.png").write_bytes(mine)  # edited in place
    result = _preview(run, bank, folder, tmp_path / "dist")
    clean_failure(result, "holds files a preview did not write (diagram.png)")
    assert (folder / "diagram.png").read_bytes() == mine

    (folder / "diagram.png").unlink()
    result = _preview(run, bank, folder, tmp_path / "dist")
    assert result.exit_code == 0, result.stderr
    assert (folder / "diagram.png").read_bytes() == (bank / "images" / "diagram.png").read_bytes()


@pytest.mark.parametrize("name", ["index.html", "Index-Night.html", MARKER])
def test_an_image_named_as_a_preview_file_is_refused(
    name: str, bank: Path, run: Callable[..., Run], tmp_path: Path
) -> None:
    (bank / "images").mkdir()
    (bank / "images" / name).write_bytes(_png((9, 9, 9)))
    advanced = bank / "advanced.md"
    text = advanced.read_text(encoding="utf-8")
    picture = f"![A lock](images/{name})\n"
    advanced.write_text(text.replace(GIL_ANSWER, f"{GIL_ANSWER}\n{picture}"), encoding="utf-8")
    folder = tmp_path / "preview"
    result = _preview(run, bank, folder, tmp_path / "dist")
    line = text.splitlines().index("## What is the GIL?") + 1
    clean_failure(
        result,
        f"{advanced}:{line}: image 'images/{name}' cannot be copied into the preview: "
        f"'{name}' is the name of a preview file",
    )
    assert not folder.exists()


@pytest.mark.parametrize("image", ["images/..", "..", "a\\b.png", "images/c:d.png", "x\n.png"])
def test_image_names_that_could_lead_out_of_the_preview_are_refused(
    image: str, bank: Path
) -> None:
    """The loader admits none of these; the preview does not rely on it."""
    from qexport.exporters.anki import preview as anki_preview
    from qexport.exporters.anki.deck import NoteContent

    question = replace(load(bank).question_set.questions[0], images=(image,))
    card = NoteContent(question, {}, (), "deck")
    with pytest.raises(ContentError, match="its name is not a plain file name") as raised:
        anki_preview.media_files(bank, [card])
    assert (raised.value.path, raised.value.line) == (question.path, question.line)


def test_a_marker_lists_images_by_plain_names_only(
    bank: Path, run: Callable[..., Run], tmp_path: Path
) -> None:
    """Lines added by hand to a preview's marker cannot make it delete a file outside
    its folder, nor take a folder for an image."""
    shown = _show_images(bank)
    folder = tmp_path / "preview"
    assert _preview(run, bank, folder, tmp_path / "dist").exit_code == 0
    assert (folder / "diagram.png").read_bytes() == shown["diagram.png"]
    outside = tmp_path / "outside.png"
    outside.write_bytes(_png((5, 5, 5)))
    digest = hashlib.sha256(outside.read_bytes()).hexdigest()
    (folder / "sub").mkdir()
    (folder / "sub" / "outside.png").write_bytes(outside.read_bytes())
    names = ("../outside.png", "sub/outside.png", "sub", str(outside))
    with (folder / MARKER).open("a", encoding="utf-8") as marker:
        marker.write("".join(f"media {digest} {name}\n" for name in names))
    result = _preview(run, bank, folder, tmp_path / "dist")
    clean_failure(result, "holds files a preview did not write (sub)")
    assert outside.exists()
    assert (folder / "sub" / "outside.png").exists()

    (folder / "sub" / "outside.png").unlink()
    (folder / "sub").rmdir()
    result = _preview(run, bank, folder, tmp_path / "dist")
    assert result.exit_code == 0, result.stderr
    assert outside.exists()
    assert "outside" not in (folder / MARKER).read_text(encoding="utf-8")
    assert {*shown, MARKER} <= _files(folder)


def test_a_preview_written_by_an_earlier_qexport_is_taken_over(
    bank: Path, run: Callable[..., Run], tmp_path: Path
) -> None:
    """Earlier versions listed pages only, under another first line."""
    folder = tmp_path / "preview"
    folder.mkdir()
    old_page = "0009-renamed-front-day.html"
    (folder / old_page).write_text("<p>old</p>", encoding="utf-8")
    old_head = "# Pages written by qexport anki --preview; the next preview replaces them.\n"
    (folder / MARKER).write_text(f"{old_head}{old_page}\n", encoding="utf-8")
    shown = _show_images(bank)
    result = _preview(run, bank, folder, tmp_path / "dist")
    assert result.exit_code == 0, result.stderr
    pages = {p.name for p in folder.glob("*.html")}
    assert old_page not in pages
    assert len(pages) == PAGES
    assert _files(folder) == {*pages, *shown, MARKER}


def test_a_preview_cut_short_while_it_moves_images_is_still_known_as_a_preview(
    bank: Path, run: Callable[..., Run], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An image redrawn, then the run stops after moving its new copy in: the folder
    holds the new copy and the marker lists both, so the next preview goes on."""
    _show_images(bank)
    folder = tmp_path / "preview"
    assert _preview(run, bank, folder, tmp_path / "dist").exit_code == 0
    assert (folder / "diagram.png").exists()
    redrawn = _png((0, 150, 0))
    (bank / "images" / "diagram.png").write_bytes(redrawn)
    from qexport.exporters.anki import preview as anki_preview

    real_replace = os.replace

    def fail_after_the_diagram(source: object, target: object) -> None:
        if (folder / "diagram.png").read_bytes() == redrawn:
            raise OSError(28, "No space left on device")
        real_replace(source, target)  # type: ignore[arg-type]

    monkeypatch.setattr(anki_preview.os, "replace", fail_after_the_diagram)
    result = _preview(run, bank, folder, tmp_path / "dist")
    clean_failure(result, f"cannot write the preview into {folder}: No space left on device")
    assert (folder / "diagram.png").read_bytes() == redrawn
    monkeypatch.undo()
    result = _preview(run, bank, folder, tmp_path / "dist")
    assert result.exit_code == 0, result.stderr
    assert _files(folder) == {
        *(p.name for p in folder.glob("*.html")),
        "diagram.png",
        PLAN,
        MARKER,
    }
    assert (folder / "diagram.png").read_bytes() == redrawn
