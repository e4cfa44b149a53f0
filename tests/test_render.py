"""The shared Markdown renderer: golden files, escaping and highlighting.

Golden pairs live in tests/fixtures/render/: NAME.md renders to NAME.html.
Set QEXPORT_UPDATE_GOLDEN=1 to rewrite them after an intended change, and
review the diff.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from qexport.render import HtmlRenderer, highlight_code

from conftest import FIXTURES

GOLDEN = sorted((FIXTURES / "render").glob("*.md"))


@pytest.mark.parametrize("source", GOLDEN, ids=[p.stem for p in GOLDEN])
def test_golden(source: Path) -> None:
    expected_path = source.with_suffix(".html")
    html = HtmlRenderer().render(source.read_text(encoding="utf-8"))
    if os.environ.get("QEXPORT_UPDATE_GOLDEN"):
        expected_path.write_text(html, encoding="utf-8")
    assert html == expected_path.read_text(encoding="utf-8")


def test_script_is_escaped() -> None:
    html = HtmlRenderer().render(
        '<script>alert("x")</script>\n\nText <script src="x.js"></script>'
    )
    assert "<script" not in html
    assert "&lt;script&gt;" in html


def test_javascript_links_are_not_links() -> None:
    html = HtmlRenderer().render("[click](javascript:alert(1)) [data](data:text/html;base64,xx)")
    assert "href" not in html


def test_inline_code_becomes_code_and_keeps_angle_brackets() -> None:
    assert (
        HtmlRenderer().render_inline("Is `List<int>` valid?")
        == "Is <code>List&lt;int&gt;</code> valid?"
    )


def test_python_is_highlighted_with_css_classes() -> None:
    html = highlight_code("def f():\n    return 1\n", "python")
    assert html.startswith(
        '<pre class="highlight language-python wrap" style="text-align: left; overflow-x: auto">'
    )
    assert '<span class="k">def</span>' in html
    # Colours come from the theme's classes, never inline: only layout is inline.
    assert re.findall(r'style="([^"]*)"', html) == ["text-align: left; overflow-x: auto", "--i: 4"]


def test_each_code_line_is_a_span_that_knows_its_indentation() -> None:
    code = 'def f():\n    s = """a\n  b"""\n\n    return s\n'
    html = highlight_code(code, "python")
    lines = re.findall(r'<span class="ln"(?: style="--i: (\d+)")?>(.*?\n)</span>', html, re.S)
    assert [int(indent or 0) for indent, _ in lines] == [0, 4, 2, 0, 4]
    # Every line's spans close inside it (a string over two lines is cut in two), and
    # the text is the code, line for line.
    texts = [re.sub(r"<[^>]+>", "", text) for _, text in lines]
    assert "".join(texts).replace("&quot;", '"') == code
    assert all(text.count("<span") == text.count("</span>") for _, text in lines)


@pytest.mark.parametrize(
    ("language", "wraps"), [("python", True), ("console", True), ("text", False), ("", False)]
)
def test_blocks_wrap_unless_their_layout_is_their_meaning(language: str, wraps: bool) -> None:
    pre = highlight_code("x = 1\n", language).split(">")[0]
    assert ("wrap" in pre.split('"')[1].split()) is wraps


def test_the_key_answer_leads_the_answer_and_stands_out_without_a_stylesheet() -> None:
    html = HtmlRenderer().render_answer("A `tuple` is *immutable*.", "Details.")
    assert html == (
        '<div class="qx-key" style="font-weight: 600">A <code>tuple</code> is '
        "<em>immutable</em>.</div>\n<p>Details.</p>\n"
    )
    assert HtmlRenderer().render_answer("", "Details.") == "<p>Details.</p>\n"


def test_flags_in_the_info_string_do_not_change_the_language() -> None:
    assert highlight_code("x = 1\n", "python norun") == highlight_code("x = 1\n", "python")


def test_unknown_language_is_escaped_plain_text() -> None:
    html = highlight_code("a < b\n", "klingon")
    assert html == (
        '<pre class="highlight language-klingon wrap" '
        'style="text-align: left; overflow-x: auto"><code>'
        '<span class="ln">a &lt; b\n</span></code></pre>\n'
    )


def test_renderer_protocol() -> None:
    renderer = HtmlRenderer()
    assert renderer.render("*hi*") == "<p><em>hi</em></p>\n"


FRAGMENTS = [
    "H<sub>2</sub>O", "<B>bold</B>", "<br/>", "<br>", "<img src=\"x.png\">", "<class 'int'>",
    "<span>x</span>", "https://x.org/a", "HTTP://X.ORG", "www.python.org", "WWW.X.ORG",
    "me@example.com", "a-@b.co", "mailto:x@y.org", "@property", "`https://in.code`",
    "![a](x.png){width=\"5cm\"}", "![a][r]{width=\"5cm\"}", "[r]: x.png", "a < b", "x@y",
    "\n\n", " ", "```\nhttps://x.org\n```\n", "- ", "> ", "**", "plain words",
]  # fmt: skip


@given(st.lists(st.sampled_from(FRAGMENTS), max_size=6))
def test_the_cheap_look_for_newer_markup_misses_none(fragments: list[str]) -> None:
    """holds_newer_markup skips the parse when its expression finds nothing: it must find
    every text whose parse holds newer markup."""
    from qexport import render

    markdown = "".join(fragments)
    everything = re.compile("")
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(render, "_NEWER_MARKUP", everything)
        parsed = render.holds_newer_markup(markdown)
    assert render.holds_newer_markup(markdown) == parsed
