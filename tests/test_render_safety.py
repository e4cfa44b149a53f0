"""What rendered content can do on a card: Anki's own markup shows as text.

Checked with the real Anki engine: the deck is imported into a collection and
its cards rendered; the backend reports every sound, speech and LaTeX tag it
finds. MathJax runs in the learner's browser, so its rule is checked on the
HTML: it only matches a delimiter within one run of text (elements other
than br and wbr end a run).
"""

from __future__ import annotations

import html
import re
from collections.abc import Callable
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest

from qexport.exporters.anki import notetype as anki_notetype
from qexport.render import HtmlRenderer

from conftest import Run

# Each line: Markdown as written, and the text a learner must see.
ANKI_MARKUP = [
    ("[sound:secret.mp3]", "[sound:secret.mp3]"),
    ("[SOUND:Loud.mp3]", "[SOUND:Loud.mp3]"),
    ("[anki:tts lang=en_US]spoken[/anki:tts]", "[anki:tts lang=en_US]spoken[/anki:tts]"),
    ("[anki:play:a:0]", "[anki:play:a:0]"),
    ("[latex]x^2[/latex]", "[latex]x^2[/latex]"),
    ("[LaTeX]y^2[/LaTeX]", "[LaTeX]y^2[/LaTeX]"),
    ("[$]z^2[/$]", "[$]z^2[/$]"),
    ("[$$]w^2[/$$]", "[$$]w^2[/$$]"),
    (r"\\(a+b\\) and \\[c+d\\]", r"\(a+b\) and \[c+d\]"),
    ("[sound:*split*.mp3]", "[sound:split.mp3]"),
]
CODE = "[sound:code.mp3] [latex]k[/latex] \\(m\\)"


def _answer() -> str:
    lines = [markdown for markdown, _ in ANKI_MARKUP]
    code = f"Inline `{CODE}`.\n\n```text\n{CODE}\n```"
    image = "![[sound:alt.mp3]](pic.png)"
    return "\n\n".join([*lines, code, image])


class _Runs(HTMLParser):
    """The runs of text MathJax 3 searches: text joined across br, wbr and comments only."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.runs = [""]

    def handle_starttag(self, tag: str, attrs: Any) -> None:
        if tag not in ("br", "wbr"):
            self.runs.append("")

    def handle_endtag(self, tag: str) -> None:
        self.runs.append("")

    def handle_data(self, data: str) -> None:
        self.runs[-1] += data


def mathjax_runs(fragment: str) -> list[str]:
    parser = _Runs()
    parser.feed(fragment)
    parser.close()
    return parser.runs


def visible_text(fragment: str) -> str:
    return html.unescape(re.sub(r"<[^>]*>", "", fragment))


def test_anki_markup_reaches_no_card_as_markup(
    bank: Path, run: Callable[..., Run], tmp_path: Path, collection: Any
) -> None:
    from anki.collection import ImportAnkiPackageOptions, ImportAnkiPackageRequest

    (bank / "pic.png").write_bytes(_tiny_png())
    question = "What does [sound:q.mp3] or \\\\(q\\\\) do?"
    (bank / "basic.md").write_text(
        (bank / "basic.md").read_text(encoding="utf-8")
        + f"\n{{#anki-markup topic=data-types}}\n## {question}\n\n{_answer()}\n",
        encoding="utf-8",
    )
    result = run("anki", "--out", str(tmp_path / "out"), content=bank)
    assert result.exit_code == 0, result.stderr
    (apkg,) = (tmp_path / "out").glob("*.apkg")
    request = ImportAnkiPackageRequest(package_path=str(apkg), options=ImportAnkiPackageOptions())
    collection.import_anki_package(request)
    (note_id,) = collection.find_notes('"Id:anki-markup"')
    (card,) = collection.get_note(note_id).cards()
    front, back = card.question(), card.answer()
    assert card.question_av_tags() == []
    assert card.answer_av_tags() == []
    assert "latex-" not in back  # no LaTeX image was made
    text = visible_text(back)
    for _, shown in ANKI_MARKUP:
        assert shown in text
    assert text.count(CODE) == 2  # inline code and the block, exactly as written
    assert "[sound:q.mp3] or \\(q\\) do?" in visible_text(front)
    for run_of_text in mathjax_runs(back):
        assert "\\(" not in run_of_text
        assert "\\[" not in run_of_text


def test_code_shows_exactly_what_was_written() -> None:
    block = HtmlRenderer().render(f"```python\n{CODE}\n```")
    inline = HtmlRenderer().render_inline(f"`{CODE}`")
    assert visible_text(block).rstrip("\n") == CODE
    assert visible_text(inline) == CODE
    assert "[sound:" not in block
    assert "[latex]" not in inline


def test_markup_in_attributes_is_defused_without_breaking_them() -> None:
    markdown = '![[sound:a.mp3] \\\\(x\\\\)](p.png "[$]t")'
    out = HtmlRenderer(image_src=lambda src: src).render(markdown)
    assert "[sound:" not in out
    assert "[$]" not in out
    assert out.count("<") == out.count(">") == 3  # <p>, <img />, </p>: nothing inside
    assert 'alt="&#91;sound:a.mp3] \\(x\\)"' in out


def test_plain_brackets_are_left_alone() -> None:
    assert HtmlRenderer().render("A [link](https://x.org) and [1, 2].") == (
        '<p>A <a href="https://x.org">link</a> and [1, 2].</p>\n'
    )


def _tiny_png() -> bytes:
    from io import BytesIO

    from PIL import Image

    buffer = BytesIO()
    Image.new("RGB", (2, 2), "white").save(buffer, format="PNG")
    return buffer.getvalue()


# --preview ------------------------------------------------------------------


def test_preview_shows_field_references_in_fields_literally() -> None:
    references = "".join("{{" + name + "}}" for name in (*anki_notetype.FIELDS, "FrontSide"))
    fields = {name: f"<{name}>{references}" for name in anki_notetype.FIELDS}
    front = anki_notetype.render_card(anki_notetype.FRONT, fields)
    back = anki_notetype.render_card(anki_notetype.BACK, fields, front=front)
    assert front.count(references) == 3  # Level, Topic, Question: each once, as written
    assert back.count(references) == 4  # the front's three and the Answer
    assert "<Answer>" + references in back


@pytest.mark.parametrize("copies", [1, 2])
def test_preview_size_is_linear_in_the_fields(copies: int) -> None:
    value = "{{Answer}}{{Question}}{{FrontSide}}" * 4 * copies
    fields = dict.fromkeys(anki_notetype.FIELDS, value)
    front = anki_notetype.render_card(anki_notetype.FRONT, fields)
    back = anki_notetype.render_card(anki_notetype.BACK, fields, front=front)
    expected = len(anki_notetype.BACK) + 2 * len(anki_notetype.FRONT) + 7 * len(value)
    assert len(back) < expected
