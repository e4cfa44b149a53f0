"""Card pages in a real browser: headless Chromium lays them out and reports what it drew.

`measure`: one harness page carries every page to measure; a script writes each into an
iframe of its window's size (a phone's, a desktop's) as a document of its own, measures
it there, and writes the results as JSON into the harness, which `chromium --dump-dom`
prints. So one browser run measures a whole bank. `screenshots`: pages drawn side by side
in one window, cut into one picture each.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import tempfile
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from html import escape, unescape
from pathlib import Path
from typing import Any

from qexport.exporters.anki.preview import PAGE

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
PHONE = (390, 844)
DESKTOP = (1000, 800)
# The classes Anki desktop gives the card's body, by day and by night.
DAY = "card card1"
NIGHT = "card card1 nightMode"
TIMEOUT = 120  # seconds for one browser run; a run of the bundled bank takes a few


@dataclass(frozen=True)
class Frame:
    """One page to measure, at one window size."""

    name: str
    page: str
    width: int
    height: int


def card_page(css: str, body: str, body_class: str = DAY) -> str:
    """A card side as a page, as the preview writes it: Anki puts the note type's CSS and
    the side in one document (the preview's page adds a margin above, never less room)."""
    return PAGE.format(lang="en", title="card", css=css, body=body, body_class=body_class)


def artifacts_dir() -> Path:
    """Where tests keep what a person should look at: $QEXPORT_TEST_ARTIFACTS, or build/."""
    root = Path(__file__).resolve().parents[1]
    folder = Path(os.environ.get("QEXPORT_TEST_ARTIFACTS") or root / "build" / "test-artifacts")
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def _run(args: Sequence[str], scratch: Path) -> str:
    """Chromium, headless, with a profile of its own in `scratch`; its standard output."""
    assert CHROMIUM, "needs Debian's chromium (.ci/run installs it)"
    command = [
        CHROMIUM,
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--hide-scrollbars",
        "--no-first-run",
        "--disable-extensions",
        "--force-device-scale-factor=1",
        f"--user-data-dir={scratch / 'profile'}",
        *args,
    ]
    done = subprocess.run(command, capture_output=True, text=True, timeout=TIMEOUT, check=False)
    assert done.returncode == 0, done.stderr[-2000:]
    return done.stdout


def measure(frames: Iterable[Frame]) -> dict[str, dict[str, Any]]:
    """Each frame's measurements (see MEASURE), by name, from one browser run."""
    frames = list(frames)
    data = json.dumps([[f.name, f.width, f.height, f.page] for f in frames])
    # Inside <script>, only "</" could end the element early; JSON reads "<\/" as "</".
    harness = HARNESS.format(data=data.replace("</", "<\\/"), script=MEASURE)
    with tempfile.TemporaryDirectory(prefix="qexport-browser-") as scratch:
        page = Path(scratch) / "harness.html"
        page.write_text(harness, encoding="utf-8")
        dumped = _run(["--dump-dom", page.as_uri()], Path(scratch))
    found = re.search(r'<pre id="results">(.*?)</pre>', dumped, re.S)
    assert found, f"the harness wrote no results: {dumped[-2000:]}"
    results: dict[str, dict[str, Any]] = json.loads(unescape(found.group(1)))
    errors = {name: r["error"] for name, r in results.items() if "error" in r}
    assert not errors, f"the harness could not measure: {errors}"
    assert sorted(results) == sorted(f.name for f in frames), "a frame was not measured"
    return results


def screenshots(frames: Sequence[Frame], folder: Path) -> dict[str, Path]:
    """Each frame drawn in a window of its size, as `folder`/NAME.png, from one browser run.

    The frames stand side by side in one window, which is cut back into one picture each:
    a frame's viewport is a window's (its width, its fold), and one run costs a few
    seconds where a run per picture would cost that each.
    """
    folder.mkdir(parents=True, exist_ok=True)
    lefts = [sum(f.width for f in frames[:n]) for n in range(len(frames))]
    size = (sum(f.width for f in frames), max(f.height for f in frames))
    strip = "\n".join(
        f'<iframe style="left: {left}px" width="{f.width}" height="{f.height}" '
        f'srcdoc="{escape(f.page)}"></iframe>'
        for f, left in zip(frames, lefts, strict=True)
    )
    with tempfile.TemporaryDirectory(prefix="qexport-browser-") as scratch:
        source, picture = Path(scratch) / "strip.html", Path(scratch) / "strip.png"
        source.write_text(STRIP.format(iframes=strip), encoding="utf-8")
        window = f"--window-size={size[0]},{size[1]}"
        _run([window, f"--screenshot={picture}", source.as_uri()], Path(scratch))
        whole = pixels(picture)
    assert whole.size == size, f"the window was drawn at {whole.size}, not {size}"
    written = {}
    for f, left in zip(frames, lefts, strict=True):
        path = folder / f"{f.name}.png"
        whole.crop((left, 0, left + f.width, f.height)).save(path)
        written[f.name] = path
    return written


def pixels(path: Path) -> Any:
    """The screenshot at `path` as an RGB image (Pillow)."""
    from PIL import Image

    with Image.open(path) as image:
        return image.convert("RGB")


def parse_colour(css: str) -> tuple[float, float, float, float]:
    """A computed colour, `rgb(r, g, b)` or `rgba(r, g, b, a)`, as (r, g, b, alpha)."""
    numbers = [float(n) for n in re.findall(r"[\d.]+", css)]
    assert css.startswith("rgb"), f"not an rgb colour: {css}"
    assert len(numbers) in (3, 4), f"not an rgb colour: {css}"
    return (numbers[0], numbers[1], numbers[2], numbers[3] if len(numbers) == 4 else 1.0)


def _luminance(red: float, green: float, blue: float) -> float:
    """WCAG 2 relative luminance of an sRGB colour (channels 0 to 255)."""

    def channel(value: float) -> float:
        c = value / 255
        return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4

    return 0.2126 * channel(red) + 0.7152 * channel(green) + 0.0722 * channel(blue)


def contrast(foreground: str, background: str) -> float:
    """WCAG 2 contrast ratio of two computed colours; the text's alpha blends it in."""
    back = parse_colour(background)[:3]
    *fore, alpha = parse_colour(foreground)
    shown = [alpha * f + (1 - alpha) * b for f, b in zip(fore, back, strict=True)]
    darker, lighter = sorted((_luminance(*shown), _luminance(*back)))
    return (lighter + 0.05) / (darker + 0.05)


def failures(found: Mapping[str, Sequence[str]], shown: int = 40) -> str:
    """A readable list of what failed where, for an assertion message: the first `shown`."""
    lines = [f"{name}: {'; '.join(problems)}" for name, problems in found.items()]
    more = [f"... and {len(lines) - shown} more"] if len(lines) > shown else []
    return "\n".join(lines[:shown] + more)


STRIP = """\
<!doctype html>
<html>
<head>
<meta charset="utf-8">
<style>
body {{ margin: 0; }}
iframe {{ position: absolute; top: 0; border: 0; }}
</style>
</head>
<body>
{iframes}
</body>
</html>
"""

HARNESS = """\
<!doctype html>
<html>
<head><meta charset="utf-8"></head>
<body>
<pre id="results"></pre>
<script type="application/json" id="frames">{data}</script>
<script>
{script}
</script>
</body>
</html>
"""

# Runs in the harness once it has loaded. One frame per window size, reused: each page is
# written into it as a document of its own (a new frame per page costs ten times as much).
# For each page:
# - width, height, pageWidth: its viewport and its document's width (more is a sideways scroll);
# - key: the key answer's box, or null;
# - blocks: each code block's classes, sizes, background and lines: a line's text, the left of
#   its first glyph, the box of each row it takes (more than one: it wraps), the right edge
#   of its `# ->` result, and the edges of the block's client box;
# - colours: text colour and the background behind it, for body text, key, links and code.
MEASURE = r"""
function box(rect) { return [rect.left, rect.top, rect.right, rect.bottom]; }

function textPoints(root) {
  const walker = root.ownerDocument.createTreeWalker(root, NodeFilter.SHOW_TEXT);
  const points = [];
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    for (let i = 0; i < node.data.length; i++) points.push([node, i, node.data[i]]);
  }
  return points;
}

function rangeRects(doc, points, start, end) {
  if (start >= end) return [];
  const range = doc.createRange();
  range.setStart(points[start][0], points[start][1]);
  range.setEnd(points[end - 1][0], points[end - 1][1] + 1);
  return [...range.getClientRects()].filter(r => r.width > 0).map(box);
}

function rows(rects) {
  const found = [];
  for (const r of rects) {
    const row = found.find(f => Math.abs(f[1] - r[1]) < (r[3] - r[1]) / 2);
    if (row) { row[0] = Math.min(row[0], r[0]); row[2] = Math.max(row[2], r[2]); }
    else found.push([...r]);
  }
  return found.sort((a, b) => a[1] - b[1]);
}

function measureLines(doc, pre) {
  const points = textPoints(pre);
  const text = points.map(p => p[2]).join("");
  const lines = [];
  let start = 0;
  for (const line of text.split("\n")) {
    const end = start + line.length;
    const glyph = line.search(/\S/);
    const result = line.indexOf("# ->");
    const first = glyph < 0 ? [] : rangeRects(doc, points, start + glyph, start + glyph + 1);
    // The result's words only: a space where a row wraps hangs past the edge, unseen.
    const tail = [];
    for (const word of result < 0 ? [] : line.slice(result).matchAll(/\S+/g)) {
      const from = start + result + word.index;
      tail.push(...rangeRects(doc, points, from, from + word[0].length));
    }
    lines.push({
      text: line,
      firstGlyph: first.length ? first[0][0] : null,
      rows: rows(rangeRects(doc, points, start, end)),
      resultRight: tail.length ? Math.max(...tail.map(r => r[2])) : null,
    });
    start = end + 1;
  }
  return lines;
}

function measureBlock(win, pre) {
  const style = win.getComputedStyle(pre);
  const outer = pre.getBoundingClientRect();
  return {
    classes: pre.className,
    scrollWidth: pre.scrollWidth,
    clientWidth: pre.clientWidth,
    clientLeft: outer.left + pre.clientLeft,
    clientRight: outer.left + pre.clientLeft + pre.clientWidth,
    clientTop: outer.top + pre.clientTop,
    clientBottom: outer.top + pre.clientTop + pre.clientHeight,
    whiteSpace: style.whiteSpace,
    overflowX: style.overflowX,
    backgroundImage: style.backgroundImage,
    backgroundAttachment: style.backgroundAttachment,
    lines: measureLines(pre.ownerDocument, pre),
    copied: copied(win, pre),
  };
}

function copied(win, element) {
  const selection = win.getSelection();
  selection.selectAllChildren(element);
  const text = selection.toString();
  selection.removeAllRanges();
  return text;
}

function backgroundOf(win, element) {
  for (let el = element; el; el = el.parentElement) {
    const colour = win.getComputedStyle(el).backgroundColor;
    if (colour !== "rgba(0, 0, 0, 0)" && colour !== "transparent") return colour;
  }
  return "rgb(255, 255, 255)";
}

function sample(win, what, element) {
  return {what: what, colour: win.getComputedStyle(element).color,
          background: backgroundOf(win, element), text: element.textContent.slice(0, 40)};
}

function distinct(samples) {
  const seen = new Set();
  return samples.filter(s => {
    const key = s.what.split(" .")[0] + s.colour + s.background;
    return !seen.has(key) && seen.add(key);
  });
}

function colours(win, doc) {
  const found = [sample(win, "body text", doc.body)];
  const named = [["question", ".qx-question"], ["key answer", ".qx-key"],
                 ["details", ".qx-answer p"], ["level and topic", ".qx-meta"],
                 ["link", "a"], ["inline code", ":not(pre) > code"]];
  for (const [what, selector] of named) {
    const el = doc.querySelector(selector);
    if (el) found.push(sample(win, what, el));
  }
  for (const pre of doc.querySelectorAll("pre")) {
    found.push(sample(win, "code", pre));
    for (const el of pre.querySelectorAll("*")) {
      const own = [...el.childNodes].some(n => n.nodeType === 3 && n.data.trim());
      if (own) found.push(sample(win, "code token ." + el.className, el));
    }
  }
  return distinct(found);
}

function measureFrame(frame) {
  const win = frame.contentWindow, doc = frame.contentDocument;
  const key = doc.querySelector(".qx-key");
  return {
    mode: doc.compatMode,
    width: win.innerWidth,
    height: win.innerHeight,
    pageWidth: doc.documentElement.scrollWidth,
    pageHeight: doc.documentElement.scrollHeight,
    key: key ? box(key.getBoundingClientRect()) : null,
    blocks: [...doc.querySelectorAll("pre")].map(pre => measureBlock(win, pre)),
    colours: colours(win, doc),
  };
}

function frameOfSize(frames, width, height) {
  const size = width + "x" + height;
  if (!frames[size]) {
    const frame = document.createElement("iframe");
    frame.width = width;
    frame.height = height;
    document.body.appendChild(frame);
    frames[size] = frame;
  }
  return frames[size];
}

window.addEventListener("load", () => {
  const data = document.getElementById("frames");
  const pages = JSON.parse(data.textContent);
  data.remove();  // what --dump-dom prints is the results alone
  const frames = {}, results = {};
  for (const [name, width, height, page] of pages) {
    const frame = frameOfSize(frames, width, height);
    const doc = frame.contentDocument;
    doc.open();
    doc.write(page);
    doc.close();
    try { results[name] = measureFrame(frame); }
    catch (error) { results[name] = {error: error.stack || String(error)}; }
  }
  for (const frame of Object.values(frames)) frame.remove();
  document.getElementById("results").textContent = JSON.stringify(results);
});
"""
