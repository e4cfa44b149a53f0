"""The raw HTML subset: what a card, the PDFs and the deck's media make of it.

Cards are read back with an HTML parser (which elements, balanced or not),
the PDFs with `pdffonts`/`pdftotext` and pypdf, the deck as Anki reads it.
"""

from __future__ import annotations

import itertools
import json
import zipfile
from collections.abc import Callable
from html.parser import HTMLParser
from io import BytesIO
from pathlib import Path
from typing import Any

import pytest
from PIL import Image
from pypdf import PdfReader

from qexport.html_subset import ALLOWED_TAGS, VOID_TAGS
from qexport.loader import load
from qexport.render import HtmlRenderer, render_plain

from conftest import Run, export_pdf
from pdf_reading import pages


class _Elements(HTMLParser):
    """Every element a fragment opens, and whether each closes in order."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.opened: list[tuple[str, dict[str, str | None]]] = []
        self.stack: list[str] = []
        self.balanced = True

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.opened.append((tag, dict(attrs)))
        if tag not in VOID_TAGS | {"p"}:
            self.stack.append(tag)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.opened.append((tag, dict(attrs)))

    def handle_endtag(self, tag: str) -> None:
        if tag == "p":
            return
        if not self.stack or self.stack.pop() != tag:
            self.balanced = False


def elements(html: str) -> _Elements:
    parser = _Elements()
    parser.feed(html)
    parser.close()
    assert parser.balanced, html
    assert not parser.stack, html
    return parser


def rendered(markdown: str) -> str:
    return HtmlRenderer(image_src=lambda src: src).render(markdown)


@pytest.mark.parametrize(
    ("markdown", "tags", "text"),
    [
        ("H<sub>2</sub>O and E=mc<sup>2</sup>", ["sub", "sup"], "H2O and E=mc2"),
        (
            "<strong>M</strong>ean <b>x</b> <em>y</em> <i>z</i>",
            ["strong", "b", "em", "i"],
            "Mean x y z",
        ),
        ("Press <kbd>Ctrl</kbd>+<code>C</code><br>then <BR/>go", ["kbd", "code", "br", "br"], ""),
        ('<img src="pic.png" alt="A pic">', ["img"], ""),
    ],
)
def test_the_subset_renders_as_html(markdown: str, tags: list[str], text: str) -> None:
    found = elements(rendered(markdown))
    assert [tag for tag, _ in found.opened if tag != "p"] == tags
    if text:
        assert render_plain(markdown) == text


HOSTILE = [
    "<script>alert(1)</script>",
    '<img src="pic.png" onerror="alert(1)">',
    '<img src="javascript:alert(1)">',
    '<img src="https://tracker.example/pixel.png">',
    '<img src="//tracker.example/pixel.png">',
    '<b style="color:red">styled</b>',
    "<b onclick=alert(1)>clicked</b>",
    '<a href="javascript:alert(1)">link</a>',
    '<span title="x"><b>inner</b></span>',
    "<script><b>inner</b></script>",
    "<!-- <b>comment</b> -->",
    "<b/>self-closed",
    "</br>",
    '<img src="pic.png" src="other.png">',
]


@pytest.mark.parametrize("markdown", HOSTILE)
def test_everything_else_is_shown_as_written(markdown: str) -> None:
    html = rendered(markdown)
    found = elements(html)
    names = {tag for tag, _ in found.opened} - {"p"}
    assert names <= ALLOWED_TAGS - {"img"} or "img" not in markdown  # no picture from these
    assert not any(name.startswith("on") for _, attrs in found.opened for name in attrs)
    assert all("style" not in attrs for tag, attrs in found.opened if tag != "img")
    for word in ("script", "onerror", "javascript", "tracker", "style", "href", "span"):
        if word in markdown:
            assert "&lt;" in html  # it is there, as text
            assert f"<{word}" not in html
            assert f' {word}="' not in html


@pytest.mark.parametrize(
    "markdown", ["<b>unclosed bold", "bold</b> closed only", "*a <b>b* c</b>", "<b><i>x</b></i>"]
)
def test_unbalanced_tags_never_leak_out_of_their_run(markdown: str) -> None:
    card = rendered(markdown + "\n\nNext paragraph.")
    elements(card)  # balanced
    assert card.endswith("<p>Next paragraph.</p>\n")


def test_any_mix_of_fragments_stays_balanced_and_in_the_subset() -> None:
    pieces = [
        "<b>",
        "</b>",
        "<i>",
        "</i>",
        "*",
        "**",
        "`",
        "<span>",
        "</span>",
        "[x](",
        ")",
        " t ",
    ]
    for combination in itertools.product(pieces, repeat=3):
        if "```" in "".join(combination):
            continue  # a code block, not inline
        html = rendered("".join(combination))
        found = elements(html)
        markdown_tags = {"p", "em", "strong", "a", "code", "hr", "ul", "ol", "li"}
        assert {tag for tag, _ in found.opened} <= ALLOWED_TAGS | markdown_tags


# The loader: an <img> is an image like any other ------------------------------------


def add_question(bank: Path, answer: str, question: str = "Which image is this?") -> int:
    """A question answered by `answer` at the end of basic.md; the file line of the answer."""
    path = bank / "basic.md"
    text = path.read_text(encoding="utf-8").rstrip("\n")
    text += f"\n\n{{#html-question topic=data-types}}\n## {question}\n\n{{.key}}\nA picture.\n\n"
    line = text.count("\n") + 1
    path.write_text(text + answer + "\n", encoding="utf-8")
    return line


def png(width: int = 8, height: int = 6) -> bytes:
    buffer = BytesIO()
    Image.new("RGB", (width, height), "red").save(buffer, format="PNG")
    return buffer.getvalue()


def test_an_img_is_listed_and_packed_as_media(
    bank: Path, run: Callable[..., Run], tmp_path: Path
) -> None:
    (bank / "img").mkdir()
    (bank / "img" / "x.png").write_bytes(png())
    add_question(bank, 'Above a query: <img src="img/x.png" alt="plan" />\n\nH<sub>2</sub>O.')
    (question,) = [q for q in load(bank).question_set.questions if q.id == "html-question"]
    assert question.images == ("img/x.png",)
    result = run("anki", "--out", str(tmp_path / "out"), content=bank)
    assert result.exit_code == 0, result.stderr
    (apkg,) = (tmp_path / "out").glob("*.apkg")
    with zipfile.ZipFile(apkg) as package:
        media = json.loads(package.read("media"))
        assert list(media.values()) == ["x.png"]
        assert package.read(next(iter(media))) == (bank / "img" / "x.png").read_bytes()


@pytest.mark.parametrize(
    ("answer", "message"),
    [
        ("<img src=../../etc/passwd>", "image '../../etc/passwd' leads out of the content folder"),
        ('<img src="missing.png">', "image 'missing.png' not found"),
        ('<img src="notes.png">', "image 'notes.png' is not a PNG, JPEG or GIF file"),
        ('<img src="pic.png" width="wide">', "image 'pic.png': width 'wide' is not a length"),
        ('<img src="pic.png" height="50%">', "image 'pic.png': height '50%' is not a length"),
    ],
)
def test_a_bad_img_is_an_error_at_its_line(
    answer: str, message: str, bank: Path, run: Callable[..., Run]
) -> None:
    (bank / "pic.png").write_bytes(png())
    (bank / "notes.png").write_text("not a picture", encoding="utf-8")
    line = add_question(bank, f"Text.\n\n{answer}")
    result = run("validate", content=bank)
    assert result.exit_code == 1
    assert "Traceback" not in result.stderr
    assert f"basic.md:{line + 2}: {message}" in result.stderr


def test_a_question_cannot_show_an_img(bank: Path, run: Callable[..., Run]) -> None:
    (bank / "pic.png").write_bytes(png())
    add_question(bank, "Text.", question='Which is <img src="pic.png">?')
    result = run("validate", content=bank)
    assert result.exit_code == 1
    assert "a question cannot show an image" in result.stderr


def test_validate_warns_only_of_html_shown_as_text(bank: Path, run: Callable[..., Run]) -> None:
    (bank / "pic.png").write_bytes(png())
    line = add_question(
        bank, 'H<sub>2</sub>O <img src="pic.png"> <kbd>Tab</kbd>\n<b>open\n<img src=x onerror=y>'
    )
    result = run("validate", content=bank)
    assert result.exit_code == 0, result.stderr
    warned = [w for w in result.stderr.splitlines() if "is shown as text" in w]
    assert [w.split(": warning: ")[0].rsplit(":", 1)[1] for w in warned] == [
        str(line + 1),
        str(line + 2),
    ]


# The PDFs --------------------------------------------------------------------------


def test_the_pdfs_print_the_subset(bank: Path, tmp_path: Path) -> None:
    (bank / "pic.png").write_bytes(png(40, 20))
    add_question(
        bank,
        "Plain H<sub>2</sub>O and <b>Boldword</b> and <kbd>Keyword</kbd> and <b>Openword\n\n"
        '<img src="pic.png" alt="Alttext">',
    )
    for layout in ("booklet", "cards"):
        pdf = export_pdf(bank, tmp_path / layout, "--layout", layout)
        text = " ".join(page.text for page in pages(pdf))
        assert "H2O" in text.replace(" ", "") or "H 2 O" in text
        assert "<b>Openword" in text  # unpaired: shown as written
        assert "Alttext" not in text  # a picture on its own: printed, not its alt text
        assert sum(len(page.images) for page in PdfReader(pdf).pages) == 1
        assert _font_of(pdf, "Boldword").endswith("Bold")
        assert "Mono" in _font_of(pdf, "Keyword")


def _font_of(pdf: Path, word: str) -> str:
    """The font name the PDF sets `word` in (its text run's last Tf)."""
    from pypdf.generic import ContentStream

    reader = PdfReader(pdf)
    for page in reader.pages:
        fonts: dict[Any, Any] = page["/Resources"]["/Font"]
        current = ""
        for operands, operator in ContentStream(page.get_contents(), reader).operations:
            if operator == b"Tf":
                current = str(fonts[operands[0]].get_object()["/BaseFont"])
            elif operator in (b"Tj", b"TJ") and word in _shown_text(operands):
                return current
    raise AssertionError(f"{word} not found")


def _shown_text(operands: list[Any]) -> str:
    parts = operands[0] if isinstance(operands[0], list) else operands
    return "".join(part for part in parts if isinstance(part, str))
