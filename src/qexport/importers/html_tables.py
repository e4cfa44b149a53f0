"""An HTML table from a note field as a GitHub table, when one can hold it.

A GitHub table has one header row and rows of equal length, each cell one line
of inline text. A table with merged cells, a table inside it, lists, code or
headings in a cell, or ragged rows is kept as lines instead: each row on its
line, its cells separated by ' · ', so no text is lost.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

_BLOCKS = ("table", "ul", "ol", "pre", "blockquote", "h1", "h2", "h3", "h4", "h5", "h6")


def table_markdown(table: Any, cell_text: Callable[[Any], str]) -> tuple[str, bool]:
    """`table` as Markdown, and whether it stayed a table; `cell_text` converts a cell."""
    rows = [row for row in table.find_all("tr") if row.find_parent("table") is table]
    cells = [row.find_all(["td", "th"], recursive=False) for row in rows]
    grid = [[cell_text(cell) for cell in row] for row in cells if row]
    if not grid:
        return "", True
    if not _simple(table, cells):
        lines = [" · ".join(text for text in row if text) for row in grid]
        return "\\\n".join(line for line in lines if line), False
    # Anki's editor writes no <th>: the first row is the header, as it usually reads.
    width = len(grid[0])
    lines = [_row(grid[0]), _row(["---"] * width), *(_row(row) for row in grid[1:])]
    return "\n".join(lines), True


def _row(cells: list[str]) -> str:
    return "| " + " | ".join(cell or " " for cell in cells) + " |"


def _simple(table: Any, cells: list[list[Any]]) -> bool:
    widths = {len(row) for row in cells if row}
    if len(widths) != 1:
        return False
    for row in cells:
        for cell in row:
            if str(cell.get("rowspan", "1")).strip() != "1":
                return False
            if str(cell.get("colspan", "1")).strip() != "1":
                return False
            if cell.find(_BLOCKS) is not None:
                return False
    return True
