"""`qexport serve`: the cards as pages, updates on save, errors at path:line, and nothing
served or written outside what it should. (tests/test_serve_browser.py drives a real page.)"""

from __future__ import annotations

import hashlib
import html
import os
import re
import signal
from collections.abc import Callable
from pathlib import Path

import pytest

from qexport.serve.state import Preview

from conftest import Run
from serving import serving

ID = "list-vs-tuple"
QUESTION = "What is the difference between a `list` and a `tuple`?"
SHOWN = "What is the difference between a <code>list</code> and a <code>tuple</code>?"


def _digests(folder: Path) -> dict[str, str]:
    return {
        str(path.relative_to(folder)): hashlib.sha256(path.read_bytes()).hexdigest()
        for path in sorted(folder.rglob("*"))
        if path.is_file()
    }


def _png() -> bytes:
    import io

    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (4, 3), (10, 120, 200)).save(buffer, "PNG")
    return buffer.getvalue()


def _with_image(bank: Path) -> bytes:
    """The first basic question shows an image; its bytes."""
    data = _png()
    (bank / "images").mkdir()
    (bank / "images" / "diagram.png").write_bytes(data)
    basic = bank / "basic.md"
    text = basic.read_text(encoding="utf-8")
    marker = "\n```python"
    basic.write_text(
        text.replace(marker, "\n![A diagram](images/diagram.png)\n" + marker, 1), encoding="utf-8"
    )
    return data


def test_every_card_side_is_a_page_with_the_decks_html(bank: Path) -> None:
    with serving(bank) as served:
        status, body, kind = served.get("/")
        assert status == 200
        assert kind.startswith("text/html")
        page = body.decode()
        assert page.count('class="qx-q"') == 3
        assert f'id="q-{ID}"' in page
        assert "basic.md:" in page  # each question's place
        for side, mode in (("front", "day"), ("back", "night")):
            status, body, _ = served.get(f"/card/{ID}/{side}-{mode}.html")
            assert status == 200
            card = body.decode()
            assert SHOWN in card
            body_class = "card card1 nightMode" if mode == "night" else "card card1"
            assert f'<body class="{body_class}">' in card
            assert ('<hr id="answer">' in card) == (side == "back")
            assert ".qx-key" in card  # the note type's own stylesheet
        assert served.get("/app.js")[0] == served.get("/app.css")[0] == 200


TRAVERSALS = [
    "/../set.toml",
    "/card/../../set.toml",
    f"/card/{ID}/../../basic.md",
    f"/card/{ID}/..%2f..%2fset.toml",
    f"/card/{ID}/%2e%2e%2fset.toml",
    f"/card/{ID}/set.toml",
    f"/card/{ID}/basic.md",
    f"/card/{ID}/images%2fdiagram.png",
    "/card/x/%2fetc%2fpasswd",
    "/images/diagram.png",
    "//etc/passwd",
    "/etc/passwd",
    "/pdf/../set.toml",
    "/pdf/..%2fset.toml",
    "/pdf/booklet.pdf%00.png",
    "/card/nope/front-day.html",
    f"/card/{ID}/side-day.html",
    "/basic.md",
    "/set.toml",
    "/qexport.lock.json",
    "/%5c..%5cset.toml",
]


def test_only_pages_and_the_cards_images_are_served(bank: Path) -> None:
    image = _with_image(bank)
    with serving(bank) as served:
        status, body, kind = served.get(f"/card/{ID}/diagram.png")
        assert (status, body, kind) == (200, image, "image/png")
        for path in TRAVERSALS:
            status, body, _ = served.get(path)
            assert status == 404, path
            assert b"[set]" not in body, path
            assert b"root:" not in body, path


@pytest.mark.parametrize("host", ["evil.example", "evil.example:8000", "127.0.0.1.evil.example"])
def test_a_page_on_another_host_name_is_refused(bank: Path, host: str) -> None:
    with serving(bank) as served:
        status, body, _ = served.get("/", host=host)
        assert status == 403
        assert b"qx-q" not in body
        assert served.get("/", host="localhost:1")[0] == 200


def test_a_save_updates_the_changed_card_only(bank: Path) -> None:
    basic = bank / "basic.md"
    with serving(bank) as served:
        served.listen().wait(10)
        text = basic.read_text(encoding="utf-8")
        basic.write_text(text.replace(QUESTION, "Lists or tuples: which, when?"), "utf-8")
        update = served.wait_event("update", lambda d: d["changed"])
        assert update["changed"] == [ID]
        assert not update["structure"]
        assert "Lists or tuples: which, when?" in update["entries"][ID]
        assert update["problems"] == ""
        assert (
            "Lists or tuples: which, when?" in served.get(f"/card/{ID}/front-day.html")[1].decode()
        )


def test_an_error_shows_at_its_line_and_the_last_good_cards_stay(bank: Path) -> None:
    basic = bank / "basic.md"
    good = basic.read_text(encoding="utf-8")
    lines = good.split("\n")
    heading = lines.index(f"## {QUESTION}")
    broken_line = f"{{#{ID} topic=no-such-topic}}"
    lines[heading - 1] = broken_line
    with serving(bank) as served:
        served.listen().wait(10)
        basic.write_text("\n".join(lines), encoding="utf-8")
        update = served.wait_event("update", lambda d: d["problems"])
        problems = update["problems"]
        assert "no-such-topic" in problems
        at = re.search(r"basic\.md:(\d+): ", problems)
        assert at, problems
        line = int(at.group(1))
        assert line in (heading, heading + 1)  # the attribute line or its heading
        for number in (line - 1, line, line + 1):  # the line it names, and one each side
            shown = html.escape(lines[number - 1])
            assert f'<span class="qx-lineno">{number}</span>{shown}\n</span>' in problems
        assert f'qx-named"><span class="qx-lineno">{line}</span>' in problems
        # The last good cards are still there.
        status, body, _ = served.get(f"/card/{ID}/front-day.html")
        assert status == 200
        assert SHOWN in body.decode()
        assert 'id="qx-problems" role="alert">' in served.get("/")[1].decode()
        basic.write_text(good, encoding="utf-8")
        fixed = served.wait_event("update", lambda d: d["version"] > update["version"])
        assert fixed["problems"] == ""
        assert 'id="qx-problems" role="alert" hidden>' in served.get("/")[1].decode()


def test_a_bank_that_starts_broken_shows_its_errors_then_the_cards(bank: Path) -> None:
    (bank / "set.toml").write_text("[set\n", encoding="utf-8")
    with serving(bank) as served:
        page = served.get("/")[1].decode()
        assert "set.toml:1" in page
        assert "No cards yet" in page
        served.listen().wait(10)
        from conftest import GOOD

        (bank / "set.toml").write_bytes((GOOD / "set.toml").read_bytes())
        update = served.wait_event("update", lambda d: d["structure"])
        assert update["problems"] == ""
        assert served.get(f"/card/{ID}/front-day.html")[0] == 200


def test_the_pdfs_are_built_in_the_background(bank: Path) -> None:
    with serving(bank) as served:
        served.listen().wait(10)
        served.wait_event("pdfs", lambda d: d["html"].count("<a href") == 3, seconds=120)
        for layout in ("booklet", "cheatsheet", "cards"):
            status, body, kind = served.get(f"/pdf/{layout}.pdf")
            assert (status, kind) == (200, "application/pdf")
            assert body.startswith(b"%PDF")


@pytest.fixture
def scratch(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A temporary folder of the test's own, for the server's PDFs."""
    folder = tmp_path / "tmp"
    folder.mkdir()
    monkeypatch.setenv("TMPDIR", str(folder))
    return folder


def test_ctrl_c_stops_it_cleanly_and_nothing_is_written(
    bank: Path, tmp_path: Path, scratch: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    before = _digests(bank)
    with serving(bank) as served:
        served.listen().wait(10)
        served.wait_event("pdfs", lambda d: "<a href" in d["html"], seconds=120)
        served.process.send_signal(signal.SIGINT)
        assert served.process.wait(timeout=20) == 0
    assert "Stopped." in served.stderr
    assert "Traceback" not in served.stderr
    assert _digests(bank) == before
    assert not (tmp_path / "dist").exists()
    assert list(scratch.iterdir()) == []  # the PDFs' folder went with the server


def test_sigterm_stops_it_too(bank: Path) -> None:
    with serving(bank) as served:
        served.process.send_signal(signal.SIGTERM)
        assert served.process.wait(timeout=20) == 0


def test_a_port_in_use_is_a_clean_error(run: Callable[..., Run], bank: Path) -> None:
    import socket

    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = run("--content", str(bank), "serve", "--port", str(port))
    assert result.exit_code == 1
    assert f"cannot serve on 127.0.0.1:{port}" in result.stderr
    assert "Traceback" not in result.stderr


def test_a_missing_content_folder_is_a_clean_error(
    run: Callable[..., Run], tmp_path: Path
) -> None:
    result = run("--content", str(tmp_path / "nope"), "serve", "--port", "0")
    assert result.exit_code == 1
    assert "no such content directory" in result.stderr


def test_it_binds_to_127_0_0_1_by_default(bank: Path) -> None:
    with serving(bank) as served:
        assert served.url.startswith("http://127.0.0.1:")
        assert "127.0.0.1" in _listening(served.process.pid)


def _listening(pid: int) -> str:
    """The local addresses the process listens on, from /proc."""
    inodes = set()
    for fd in os.listdir(f"/proc/{pid}/fd"):
        target = os.readlink(f"/proc/{pid}/fd/{fd}")
        if target.startswith("socket:["):
            inodes.add(target[8:-1])
    found = []
    for line in Path("/proc/net/tcp").read_text().splitlines()[1:]:
        fields = line.split()
        if fields[9] in inodes and fields[3] == "0A":  # LISTEN
            address = bytes.fromhex(fields[1].split(":")[0])[::-1]
            found.append(".".join(str(b) for b in address))
    assert found, "not listening on IPv4"
    return " ".join(found)


def test_a_rebuild_tells_changed_from_moved_cards(bank: Path) -> None:
    preview = Preview(bank, "default")
    first = preview.rebuild()
    assert first.structure
    assert len(first.changed) == 3
    basic = bank / "basic.md"
    text = basic.read_text(encoding="utf-8")
    basic.write_text(text.replace(f"## {QUESTION}", f"## {QUESTION}\n", 1), encoding="utf-8")
    same = preview.rebuild()
    # The card is the same; its answer's lines moved, and so did the next question.
    assert (same.changed, same.moved, same.structure) == ((), (ID, "dict-order"), False)
    basic.write_text(text.replace("`tuple`?", "`tuple`, really?", 1), encoding="utf-8")
    changed = preview.rebuild()
    assert (changed.changed, changed.moved, changed.structure) == ((ID,), ("dict-order",), False)


def test_card_pages_hold_no_path_of_the_authors_machine(bank: Path) -> None:
    """A card's page is the deck's HTML: what a learner would see, nothing more."""
    with serving(bank) as served:
        status, body, _ = served.get(f"/card/{ID}/back-day.html")
        assert status == 200
        assert str(bank) not in body.decode()


def test_a_pdf_that_cannot_be_built_says_why_at_its_line(bank: Path) -> None:
    """A key answer too long for a flash card fails the cards PDF, not the page."""
    basic = bank / "basic.md"
    text = basic.read_text(encoding="utf-8")
    key = text.index("{.key}\n") + len("{.key}\n")
    long_key = " ".join(["word"] * 400) + "\n"
    basic.write_text(text[:key] + long_key + text[key:], encoding="utf-8")
    with serving(bank) as served:
        served.listen().wait(10)
        pdfs = served.wait_event("pdfs", lambda d: "qx-pdf-failed" in d["html"], seconds=120)
        assert "basic.md:" in pdfs["html"]
        assert served.get("/pdf/cards.pdf")[0] == 404
        assert served.get(f"/card/{ID}/front-day.html")[0] == 200  # the cards still show


def test_a_killed_servers_pdf_folder_is_removed_by_the_next(bank: Path, scratch: Path) -> None:
    import subprocess
    import sys

    gone = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"],
        check=True,
        capture_output=True,
        text=True,
    )
    abandoned = scratch / f"qexport-serve-{gone.stdout.strip()}-abc123"
    (abandoned / "1-booklet").mkdir(parents=True)
    alive = scratch / f"qexport-serve-{os.getpid()}-def456"  # a server still running
    alive.mkdir()
    other = scratch / "qexport-serve-notes"  # not a server's folder
    other.mkdir()
    with serving(bank) as served:
        served.listen().wait(10)
        assert not abandoned.exists()
        assert alive.exists()
        assert other.exists()
