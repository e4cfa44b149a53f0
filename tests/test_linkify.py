"""Bare URLs become links, as GitHub links them; names with a dot and code stay text."""

from __future__ import annotations

from pathlib import Path

import pytest
from pypdf import PdfReader

from qexport.render import HtmlRenderer

from conftest import export_pdf


def links(markdown: str) -> list[str]:
    html = HtmlRenderer().render(markdown)
    return [part.split('"', 1)[0] for part in html.split('<a href="')[1:]]


@pytest.mark.parametrize(
    ("markdown", "expected"),
    [
        ("See https://docs.python.org/3/ today.", ["https://docs.python.org/3/"]),
        ("See http://localhost:8000/x.", ["http://localhost:8000/x"]),
        ("See www.python.org.", ["http://www.python.org"]),
        ("Write to help@python.org.", ["mailto:help@python.org"]),
        ("Run main.py, call os.path.join, visit python.org.", []),
        ("Code `https://example.com` stays code.", []),
        ("```text\nhttps://example.com\n```", []),
        ("javascript:alert(1) and data:text/html,x and ftp://files.example.com/a", []),
        ("[the docs](https://docs.python.org) once", ["https://docs.python.org"]),
        ("<https://example.com> once", ["https://example.com"]),
    ],
)
def test_bare_urls_become_links_in_cards(markdown: str, expected: list[str]) -> None:
    assert links(markdown) == expected


def test_a_linked_url_shows_as_written() -> None:
    html = HtmlRenderer().render_inline("See www.python.org and https://x.org/a_b_c.")
    assert ">www.python.org</a>" in html
    assert ">https://x.org/a_b_c</a>" in html  # no emphasis from the underscores


def test_bare_urls_are_links_in_the_pdfs(bank: Path, tmp_path: Path) -> None:
    with (bank / "basic.md").open("a", encoding="utf-8") as level_file:
        level_file.write(
            "\n{#linked topic=data-types}\n## Where are the docs?\n\n{.key}\nOnline.\n\n"
            "At https://docs.python.org/3/ or www.python.org, not main.py; "
            "`https://in.code.example`.\n"
        )
    for layout in ("booklet", "cards"):
        pdf = export_pdf(bank, tmp_path / layout, "--layout", layout)
        uris = [
            str(annot.get_object()["/A"]["/URI"])
            for page in PdfReader(pdf).pages
            for annot in page.get("/Annots", [])
            if "/A" in annot.get_object()
        ]
        assert sorted(set(uris)) == ["http://www.python.org", "https://docs.python.org/3/"]
