"""Note fields' HTML as qexport Markdown."""

from __future__ import annotations

import re

import pytest

from qexport.importers.html_markdown import to_markdown
from qexport.render import HtmlRenderer

GOLDEN = [
    ("What is <b>2+2</b>?", "What is **2+2**?"),
    ("<i>one</i> and <em>two</em> <strong>three</strong>", "*one* and *two* **three**"),
    # Emphasis that Markdown would not read back stays as HTML.
    ("<b>(x)</b>y", "<b>(x)</b>y"),
    (
        "H<sub>2</sub>O, x<sup>2</sup>, <kbd>Ctrl</kbd>",
        "H<sub>2</sub>O, x<sup>2</sup>, <kbd>Ctrl</kbd>",
    ),
    # Anki's lines: a div per line, an empty div or two <br> for a blank line.
    ("<div>one</div><div>two</div><div><br></div><div>three</div>", "one\\\ntwo\n\nthree"),
    ("a<br>b<br><br>c", "a\\\nb\n\nc"),
    ("<div>a<br></div><div>b</div>", "a\\\nb"),
    ("a&nbsp;&nbsp;b&nbsp;", "a b"),
    ("<p>first</p><p>second</p>", "first\n\nsecond"),
    ("<ul><li>one</li><li>two<ul><li>deep</li></ul></li></ul>", "- one\n- two\n  - deep"),
    ("<ol><li>a</li><li>b<br>c</li></ol>", "1. a\n2. b\\\n   c"),
    ('<a href="https://example.org/a b">site</a>', "[site](<https://example.org/a%20b>)"),
    ("<code>x = 1</code>", "`x = 1`"),
    (
        '<pre class="language-sql">SELECT 1;<br>SELECT 2;</pre>',
        "```sql\nSELECT 1;\nSELECT 2;\n```",
    ),
    ("<pre><code>``` inside</code></pre>", "````text\n``` inside\n````"),
    ('<pre><code class="language-python">x = (</code></pre>', "```python norun\nx = (\n```"),
    ("<h1>Title</h1>text", "**Title**\n\ntext"),
    ("<u>under</u> <span style='color:red'>red</span> <font>f</font>", "under red f"),
    ("<del>gone</del>", "~~gone~~"),
    ("<blockquote>quoted</blockquote>", "> quoted"),
    (
        "<table><tr><td>a</td><td>b</td></tr><tr><td>1</td><td>x|y</td></tr></table>",
        "| a | b |\n| --- | --- |\n| 1 | x\\|y |",
    ),
]


@pytest.mark.parametrize(("html", "markdown"), GOLDEN)
def test_golden(html: str, markdown: str) -> None:
    converted = to_markdown(html)
    assert converted.markdown == markdown
    assert converted.lost == ()


ESCAPED = [
    "# not a heading",
    "## not a question",
    "{#id topic=x}",
    "{.key}",
    "{{c1::cloze}} text",
    "* not a list",
    "- not a list",
    "+ not a list",
    "1. not a list",
    "2) not a list",
    "> not a quote",
    "---",
    "===",
    "a_b_c and *stars* and __under__",
    "[link](https://x.org) and ![img](x.png)",
    "[label]: https://x.org",
    "`code` and ```",
    "~~not struck~~",
    "| a | b |",
    "&copy; &amp; &#65;",
    "back\\slash",
    "    four spaces",
]


@pytest.mark.parametrize("text", ESCAPED)
def test_text_stays_text(text: str) -> None:
    """Plain text in a field renders as exactly itself, and starts no qexport syntax."""
    from html import escape

    for html in (escape(text), f"<div>x</div><div>{escape(text)}</div>"):
        markdown = to_markdown(html).markdown
        for line in markdown.split("\n"):
            assert not line.startswith(("{", "#", "-", "+", "*", ">", "|", "=", " ")), markdown
        assert shown_text(HtmlRenderer().render(markdown)) == shown_text(html)


def shown_text(html: str) -> str:
    """The text a reader sees, without its whitespace (which elements split differently)."""
    from bs4 import BeautifulSoup

    soup = BeautifulSoup(html, "html.parser")
    for hidden in soup(["script", "style"]):
        hidden.decompose()
    return "".join(soup.get_text().split())


ROUND_TRIP = [
    "<div>Mean of <b>x</b> is &lt;x&gt;</div><div>H<sub>2</sub>O &amp; CO<sub>2</sub></div>",
    "<ul><li>one <i>two</i></li><li>three</li></ul>after",
    "<table><tr><th>k</th><th>v</th></tr><tr><td>a</td><td><b>b</b></td></tr></table>",
    "Press <kbd>Ctrl</kbd>+<kbd>C</kbd>, then <code>print(1 &lt; 2)</code>",
    "<pre>def f():\n    return {1: 2}</pre>",
    'A <a href="https://example.org">link</a> and <a href="javascript:alert(1)">not one</a>',
    "x<script>alert(1)</script>y<style>p{}</style>z",
]


@pytest.mark.parametrize("html", ROUND_TRIP)
def test_rendered_markdown_shows_the_same_text(html: str) -> None:
    markdown = to_markdown(html).markdown
    assert shown_text(HtmlRenderer().render(markdown)) == shown_text(html)


def test_scripts_and_styles_are_removed_with_their_text() -> None:
    converted = to_markdown(
        "<script>alert('x')</script>safe<style>b{color:red}</style>"
        "<iframe src='https://evil'>frame text</iframe><noscript><img src='x.png'></noscript>"
    )
    assert converted.markdown == "safe"
    assert converted.images == ()
    assert set(converted.lost) == {
        "a <script> element removed",
        "a <style> element removed",
        "a <iframe> element removed",
        "a <noscript> element removed",
    }
    rendered = HtmlRenderer().render(converted.markdown)
    assert "alert" not in rendered
    assert "<script" not in rendered


def test_unsafe_links_keep_their_text_only() -> None:
    converted = to_markdown('<a href="javascript:alert(1)">click</a> <a href="data:x">d</a>')
    assert converted.markdown == "click d"
    assert len(converted.lost) == 2


def test_images_are_local_bare_names_only() -> None:
    converted = to_markdown(
        '<img src="pic%20one.png" alt="A [diagram]"><img src="../up.png">'
        '<img src="https://x.org/r.png" alt="remote"><img src="/etc/passwd">'
        '<img src="two.gif"><img src="pic one.png">'
    )
    assert converted.images == ("pic one.png", "two.gif")
    assert converted.markdown.startswith("![A \\[diagram\\]](<pic one.png>)")
    assert "remote" in converted.markdown
    assert len(converted.lost) == 3
    moved = to_markdown('<img src="a.png">', image_src=lambda name: f"media/{name}")
    assert moved.markdown == "![](<media/a.png>)"
    rendered = HtmlRenderer().render(moved.markdown)
    assert 'src="media/a.png"' in rendered


def test_control_characters_and_deep_nesting_are_safe() -> None:
    converted = to_markdown("a\x00b\u202ec\x07d")
    assert converted.markdown == "abcd"
    assert converted.lost == ("control characters removed",)
    deep = to_markdown("<div>" * 5000 + "deep *text*" + "</div>" * 5000)
    assert deep.markdown == "deep \\*text\\*"
    assert "kept as plain text" in deep.lost[0]


def test_anki_markup_that_shows_as_text_is_reported() -> None:
    converted = to_markdown("[sound:a.mp3] and \\(x^2\\)")
    assert any("sound" in item for item in converted.lost)
    assert any("MathJax" in item for item in converted.lost)


def test_complex_tables_become_lines() -> None:
    converted = to_markdown(
        "<table><tr><td rowspan=2>a</td><td>b</td></tr><tr><td>c</td></tr></table>"
    )
    assert converted.markdown == "a · b\\\nc"
    assert converted.lost == ("a table too complex for Markdown, kept as lines",)


def test_huge_fields_convert_in_reasonable_time() -> None:
    import time

    start = time.perf_counter()
    converted = to_markdown("<div>word <b>bold</b> &amp; more</div>" * 5000)
    assert time.perf_counter() - start < 10
    assert converted.markdown.count("**bold**") == 5000
    assert re.fullmatch(
        r"(word \*\*bold\*\* \\& more\\\n)+word \*\*bold\*\* \\& more", converted.markdown
    )
