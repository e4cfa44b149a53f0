"""markdownify's converter, one method per tag, as an Anki field uses its HTML (see
`html_markdown`). Importing it imports BeautifulSoup and markdownify: only on import."""

from __future__ import annotations

import unicodedata
from collections.abc import Callable
from typing import Any
from urllib.parse import quote, unquote, urlsplit

from bs4.element import (
    CData,
    Comment,
    Declaration,
    Doctype,
    NavigableString,
    ProcessingInstruction,
)
from markdownify import MarkdownConverter

from qexport.importers.html_tables import table_markdown
from qexport.importers.markdown_text import (
    BLOCK,
    BR,
    DROPPED,
    LANGUAGE,
    SAFE_SCHEMES,
    SPACE,
    UNESCAPED_PIPE,
    emphasis,
    escape_text,
    fence,
    resolve_breaks,
)
from qexport.importers.zip_safety import media_name_problem

NOT_TEXT_NODES = (Comment, CData, Declaration, Doctype, ProcessingInstruction)
_BASE: Any = MarkdownConverter  # markdownify's own types do not cover its hooks


class FieldConverter(_BASE):  # type: ignore[misc]
    def __init__(self, image_src: Callable[[str], str]) -> None:
        super().__init__(bullets="-", heading_style="atx", strip_document=None)
        self.image_src = image_src
        self.images: list[str] = []
        self.lost: list[str] = []

    def process_text(self, el: Any, parent_tags: set[str] | None = None) -> str:
        parents = parent_tags or set()
        if isinstance(el, NOT_TEXT_NODES) or not isinstance(el, NavigableString):
            return ""
        text = str(el).replace("\xa0", " ")
        if "pre" in parents:
            return text.replace("\r\n", "\n").replace("\r", "\n")
        text = SPACE.sub(" ", text)
        if not parents & {"code", "samp", "_dropped"}:
            text = escape_text(text)
        return text

    def convert__document_(self, el: Any, text: str, parent_tags: set[str]) -> str:
        text = resolve_breaks(text, "\\\n", "\n\n")
        lines = [line.rstrip(" ") for line in text.strip(" \n").split("\n")]
        return "\n".join(lines)

    def convert_br(self, el: Any, text: str, parent_tags: set[str]) -> str:
        return "\n" if "pre" in parent_tags else BR

    def convert_div(self, el: Any, text: str, parent_tags: set[str]) -> str:
        if "pre" in parent_tags:
            return text if text.endswith("\n") else text + "\n"
        return BLOCK + text + BLOCK

    def convert_p(self, el: Any, text: str, parent_tags: set[str]) -> str:
        if "pre" in parent_tags:
            return self.convert_div(el, text, parent_tags)
        if "_inline" in parent_tags:
            return " " + text.strip() + " "
        return "\n\n" + text.strip(" ") + "\n\n" if text.strip() else ""

    def convert_b(self, el: Any, text: str, parent_tags: set[str]) -> str:
        return text if "_noformat" in parent_tags else emphasis(text, "**", "b")

    def convert_strong(self, el: Any, text: str, parent_tags: set[str]) -> str:
        return text if "_noformat" in parent_tags else emphasis(text, "**", "strong")

    def convert_i(self, el: Any, text: str, parent_tags: set[str]) -> str:
        return text if "_noformat" in parent_tags else emphasis(text, "*", "i")

    def convert_em(self, el: Any, text: str, parent_tags: set[str]) -> str:
        return text if "_noformat" in parent_tags else emphasis(text, "*", "em")

    def convert_del(self, el: Any, text: str, parent_tags: set[str]) -> str:
        inner = text.strip()
        if inner[:1].isalnum() and inner[-1:].isalnum() and BR not in inner:
            return emphasis(text, "~~", "s")
        return text

    convert_s = convert_strike = convert_del

    def _kept_tag(self, el: Any, text: str, parent_tags: set[str]) -> str:
        if "_noformat" in parent_tags or not text.strip():
            return text
        return f"<{el.name}>{text}</{el.name}>"

    convert_sub = convert_sup = convert_kbd = _kept_tag

    def convert_code(self, el: Any, text: str, parent_tags: set[str]) -> str:
        text = text.replace(BR, " ").replace(BLOCK, " ")
        return str(super().convert_code(el, text, parent_tags))

    def convert_pre(self, el: Any, text: str, parent_tags: set[str]) -> str:
        code = text.strip("\n")
        if not code.strip():
            return ""
        marks = fence(code)
        return f"\n\n{marks}{self._language(el)}\n{code}\n{marks}\n\n"

    def _language(self, el: Any) -> str:
        classes = [*el.get("class", []), *(el.code.get("class", []) if el.code else [])]
        for name in classes:
            found = LANGUAGE.match(str(name).lower())
            if found:
                language = found.group(1)
                # Code from a deck was never checked to run here; even qexport's own
                # HTML has lost what its info string said (`requires=3.14`, `norun`).
                if language in ("python", "py"):
                    return "python norun"
                return language
        return "text"

    def convert_hN(self, n: int, el: Any, text: str, parent_tags: set[str]) -> str:
        line = resolve_breaks(text, " ", " ").strip()
        if "_inline" in parent_tags or not line:
            return line
        return "\n\n" + emphasis(line, "**", "b") + "\n\n"

    def convert_li(self, el: Any, text: str, parent_tags: set[str]) -> str:
        text = resolve_breaks(text.strip(" \n\x01\x02"), "\\\n", "\n\n")
        return str(super().convert_li(el, text, parent_tags))

    def convert_blockquote(self, el: Any, text: str, parent_tags: set[str]) -> str:
        text = resolve_breaks(text.strip(" \n\x01\x02"), "\\\n", "\n\n")
        return str(super().convert_blockquote(el, text, parent_tags))

    def convert_hr(self, el: Any, text: str, parent_tags: set[str]) -> str:
        return "\n\n---\n\n"

    def convert_a(self, el: Any, text: str, parent_tags: set[str]) -> str:
        text = resolve_breaks(text, " ", " ")
        href = str(el.get("href") or "").strip()
        if "_noformat" in parent_tags or not href:
            return text
        label = text.strip() or escape_text(href)
        if urlsplit(href).scheme.lower() not in SAFE_SCHEMES:
            self.lost.append(f"a link to {href[:60]!r} kept as its text")
            return text if text.strip() else label
        target = quote(href, safe="/:?#[]@!$&'()*+,;=%~-._")
        return f"[{label}](<{target}>)"

    def convert_img(self, el: Any, text: str, parent_tags: set[str]) -> str:
        src = str(el.get("src") or "").strip()
        alt = escape_text(SPACE.sub(" ", str(el.get("alt") or "")).strip())
        parts = urlsplit(src)
        name = unicodedata.normalize("NFC", unquote(parts.path))
        if parts.scheme or parts.netloc:
            self.lost.append(f"an image not in the deck ({src[:60]!r}) kept as its text")
            return alt
        problem = media_name_problem(name)
        if problem is not None:
            self.lost.append(f"an image {src[:60]!r} dropped: {problem}")
            return alt
        self.images.append(name)
        target = self.image_src(name).replace("<", "%3C").replace(">", "%3E")
        return f"![{alt}](<{target}>)"

    def convert_table(self, el: Any, text: str, parent_tags: set[str]) -> str:
        rows, simple = table_markdown(el, self.table_cell)
        if not simple:
            self.lost.append("a table too complex for Markdown, kept as lines")
        return "\n\n" + rows + "\n\n"

    def table_cell(self, cell: Any) -> str:
        parents = {"td", "_inline"}
        text = "".join(self.process_element(child, parents) for child in cell.children)
        text = resolve_breaks(text.strip(), "<br>", "<br>").replace("\n", " ")
        return UNESCAPED_PIPE.sub(r"\\|", text)  # also in code, as GitHub reads a table

    def process_tag(self, node: Any, parent_tags: set[str] | None = None) -> str:
        if node.name in DROPPED:  # not even walked: its images are not shown either
            self.lost.append(f"a <{node.name}> element removed")
            return ""
        return str(super().process_tag(node, parent_tags))
