"""`qexport serve` in a real browser: headless Chromium opens the page, the test saves
files, and the page must follow: cards render, an edit shows, an error shows at its
line and a fix clears it. Screenshots go to build/test-artifacts/serve/."""

from __future__ import annotations

import json
import shutil
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from qexport.changes import LOCK_FILE

from browser import CHROMIUM, artifacts_dir
from cdp import Browser
from conftest import CONTENT
from serving import Served, serving

pytestmark = pytest.mark.skipif(CHROMIUM is None, reason="needs Debian's chromium")

ID = "list-vs-tuple"
FIRST_FRAME = f"document.querySelector('#q-{ID} iframe')"


@pytest.fixture(scope="module")
def page(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Served, Browser, Path]]:
    """The bundled bank served, and open in a browser window of 1280 x 900."""
    content = tmp_path_factory.mktemp("serve") / "content"
    shutil.copytree(CONTENT, content)
    (content / LOCK_FILE).unlink()
    scratch = tmp_path_factory.mktemp("chromium")
    with serving(content) as served, Browser(scratch) as browser:
        browser.open(served.url)
        browser.wait_for("document.querySelectorAll('.qx-q').length === 100")
        browser.evaluate(
            "window.qxUpdates = []; addEventListener('qexport:updated', "
            "(e) => qxUpdates.push({...e.detail, at: performance.now()}))"
        )
        yield served, browser, content


def _shot(browser: Browser, name: str) -> Path:
    return browser.screenshot(artifacts_dir() / "serve" / f"{name}.png")


def _card_text(browser: Browser, qid: str, side: str = "front", mode: str = "day") -> str:
    frame = f"document.querySelector('#q-{qid} iframe[src*=\"/{side}-{mode}.html\"]')"
    browser.evaluate(f"document.getElementById('q-{qid}').scrollIntoView()")  # lazy frames
    return str(
        browser.wait_for(
            f"{frame}.contentDocument.readyState === 'complete' && "
            f"{frame}.contentDocument.body.innerText"
        )
    )


def test_cards_render_in_a_phone_frame_day_and_night(
    page: tuple[Served, Browser, Path],
) -> None:
    _, browser, _ = page
    assert "What is the difference between a list and a tuple?" in _card_text(browser, ID)
    back = _card_text(browser, ID, "back")
    assert back.count("A list is mutable") >= 1
    width = browser.evaluate(f"{FIRST_FRAME}.contentWindow.innerWidth")
    assert width == 390
    # As tall as the card: the page scrolls, never the frame.
    sizes = browser.wait_for(
        f"(() => {{ const f = {FIRST_FRAME}; const d = f.contentDocument.documentElement;"
        " return f.offsetHeight >= d.getBoundingClientRect().height - 1 && "
        "[f.offsetHeight, d.getBoundingClientRect().height]; })()"
    )
    assert sizes
    _shot(browser, "phone-day")
    browser.evaluate("document.querySelector('button[data-mode=night]').click()")
    night = browser.wait_for(
        f"document.querySelector('#q-{ID} iframe[src*=\"front-night\"]').contentDocument"
        ".body.className"
    )
    assert "nightMode" in night
    background = browser.evaluate(
        f"getComputedStyle(document.querySelector('#q-{ID} iframe[src*=\"front-night\"]')"
        ".contentDocument.body).backgroundColor"
    )
    assert _dark(background), background
    _shot(browser, "phone-night")
    browser.evaluate("document.querySelector('button[data-device=desktop]').click()")
    browser.wait_for(
        f"document.querySelector('#q-{ID} iframe[src*=\"front-night\"]')"
        ".contentWindow.innerWidth === 1000"
    )
    browser.evaluate("document.querySelector('button[data-mode=day]').click()")
    browser.evaluate("document.querySelector('button[data-device=phone]').click()")


def test_search_narrows_the_list(page: tuple[Served, Browser, Path]) -> None:
    _, browser, _ = page
    shown = browser.evaluate(
        "(() => { const s = document.getElementById('qx-search'); s.value = 'tuple';"
        " s.dispatchEvent(new Event('input'));"
        " return document.querySelectorAll('.qx-q:not(.qx-hidden)').length; })()"
    )
    assert 0 < shown < 100
    assert browser.evaluate(f"!document.getElementById('q-{ID}').classList.contains('qx-hidden')")
    browser.evaluate(
        "(() => { const s = document.getElementById('qx-search'); s.value = '';"
        " s.dispatchEvent(new Event('input')); })()"
    )


def test_a_save_updates_the_card_and_scrolls_to_it(page: tuple[Served, Browser, Path]) -> None:
    served, browser, content = page
    advanced = content / "advanced.md"
    text = advanced.read_text(encoding="utf-8")
    heading = next(line for line in text.split("\n") if line.startswith("## "))
    edited_heading = heading + " (edited)"
    count = browser.evaluate("qxUpdates.length")
    browser.evaluate("window.scrollTo(0, 0)")
    written = time.time()
    advanced.write_text(text.replace(heading, edited_heading, 1), encoding="utf-8")
    update = browser.wait_for(f"qxUpdates.length > {count} && qxUpdates[{count}]")
    seconds = time.time() - written
    (qid,) = update["changed"]
    assert "(edited)" in _card_text(browser, qid)
    entry_top = browser.evaluate(f"document.getElementById('q-{qid}').getBoundingClientRect().top")
    assert 0 <= entry_top < 900, entry_top  # scrolled into view
    _shot(browser, "after-edit")
    record = artifacts_dir() / "serve" / "edit-to-page.json"
    record.write_text(json.dumps({"seconds": seconds}), encoding="utf-8")
    del served


def test_a_broken_save_shows_the_error_and_a_fix_clears_it(
    page: tuple[Served, Browser, Path],
) -> None:
    _, browser, content = page
    basic = content / "basic.md"
    good = basic.read_text(encoding="utf-8")
    attributes = f'{{#{ID} topic=data-types tags="comparison"}}'
    assert attributes in good, "the bundled list-vs-tuple attribute line changed"
    basic.write_text(good.replace(attributes, attributes.replace("data-types", "data-typos")))
    message = browser.wait_for(
        "!document.getElementById('qx-problems').hidden && "
        "document.getElementById('qx-problems').innerText"
    )
    assert "basic.md:" in message
    assert "data-typos" in message
    assert '{#list-vs-tuple topic=data-typos tags="comparison"}' in message  # the line itself
    # The last good cards stay below it.
    assert browser.evaluate("document.querySelectorAll('.qx-q').length") == 100
    assert "list and a tuple" in _card_text(browser, ID)
    banner = browser.evaluate(
        "JSON.stringify(document.getElementById('qx-problems').getBoundingClientRect())"
    )
    assert json.loads(banner)["top"] < 200  # at the top of the window
    _shot(browser, "error")
    basic.write_text(good, encoding="utf-8")
    browser.wait_for("document.getElementById('qx-problems').hidden")


def _dark(css_colour: str) -> bool:
    numbers = [int(n) for n in css_colour[css_colour.index("(") + 1 : -1].split(",")[:3]]
    return sum(numbers) / 3 < 80
