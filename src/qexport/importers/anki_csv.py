"""A CSV file as Anki imports and exports it ("Notes in Plain Text"), as a `Source`.

The file may open with header lines, as Anki reads them (its
rslib/src/import_export/text/csv/metadata.rs): `#separator:` (a name such as
`Tab`, or the character), `#html:`, `#tags:`, `#columns:`, `#notetype:`,
`#deck:`, and the 1-based `#notetype column:`, `#deck column:`,
`#tags column:` and `#guid column:`; `#if matches:` and `#match scope:` only
matter to Anki's own import and are accepted. Without `#separator:` the
separator is the first of tab, pipe, semicolon, colon, comma and space found
in the first 8 KiB, in Anki's order; without `#html:` fields are HTML if any
looks like HTML. Other columns are the note's fields, named by `#columns:` or
else Front, Back, Column 3, ... As in Anki, a later line starting with `#` is
a comment. Fields that are not HTML are escaped, with line ends as `<br>`.
"""

from __future__ import annotations

import csv
import html
import io
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from qexport.errors import ContentError
from qexport.importers.source import (
    MAX_CSV_BYTES,
    MAX_FIELD_CHARS,
    MAX_NOTES,
    Source,
    SourceNote,
    SourceNotetype,
)

SEPARATORS = {"tab": "\t", "pipe": "|", "semicolon": ";", "colon": ":", "comma": ",", "space": " "}
_LOOKS_LIKE_HTML = re.compile(r"<[a-zA-Z/!][^>]*>|&(?:[a-zA-Z]+|#\d+|#x[0-9a-fA-F]+);")
_DEFAULT_FIELDS = ("Front", "Back")


@dataclass
class Headers:
    """What the file's header lines say; columns are 1-based, 0 for none."""

    separator: str | None = None
    html: bool | None = None
    tags: tuple[str, ...] = ()
    columns: tuple[str, ...] = ()
    columns_text: str | None = None  # parsed once the separator is known
    notetype: str = ""
    deck: str = ""
    notetype_column: int = 0
    deck_column: int = 0
    tags_column: int = 0
    guid_column: int = 0
    lines: int = 0  # how many lines they take
    problems: list[str] = field(default_factory=list)


def read_anki_csv(path: Path) -> Source:
    """The notes of an Anki-style CSV file; a clean `ContentError` if it cannot be read."""
    path = Path(path)
    text = _read_text(path)
    lines = io.StringIO(text, newline="").readlines()  # line ends as csv reads them
    headers = parse_headers(lines)
    body = lines[headers.lines :]
    if headers.separator is None:
        headers.separator = guess_separator("".join(body)[: 8 * 1024])
    if headers.columns_text is not None:
        headers.columns = tuple(_one_record(headers.columns_text, headers.separator))
    rows = list(_records(body, headers.separator, headers.lines, path))
    if headers.html is None:
        headers.html = any(_LOOKS_LIKE_HTML.search(v) for _, row in rows for v in row)
    notes, problems = _notes(rows, headers)
    return Source(
        kind="anki-csv",
        name=path.stem,
        notes=tuple(notes),
        problems=(*headers.problems, *problems),
    )


def _read_text(path: Path) -> str:
    try:
        with path.open("rb") as file:
            data = file.read(MAX_CSV_BYTES + 1)
    except OSError as problem:
        raise ContentError(f"cannot be read: {problem.strerror or problem}", path) from None
    if len(data) > MAX_CSV_BYTES:
        raise ContentError(f"larger than {MAX_CSV_BYTES:,} bytes", path)
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as problem:
        line = data[: problem.start].count(b"\n") + 1
        raise ContentError("not UTF-8 text (save the file as UTF-8)", path, line) from None
    return text.removeprefix("\ufeff")


def parse_headers(lines: list[str]) -> Headers:
    """The header lines at the top of `lines`, as Anki reads them."""
    headers = Headers()
    for n, line in enumerate(lines):
        line = line.rstrip("\r\n")
        if n == 0 and line.startswith("tags:"):  # the old form, on the first line only
            headers.tags = tuple(line[5:].split())
        elif line.startswith("#"):
            key, colon, value = line[1:].partition(":")
            if colon:
                _header(headers, key.strip().lower(), value, n + 1)
        else:
            break
        headers.lines = n + 1
    return headers


def _header(headers: Headers, key: str, value: str, line: int) -> None:
    word = value.strip()
    if key == "separator":
        headers.separator = SEPARATORS.get(word.lower()) or (
            value if value in SEPARATORS.values() else None
        )
        if headers.separator is None:
            headers.problems.append(f"line {line}: unknown separator {value!r}; guessed instead")
    elif key == "html":
        if word.lower() in ("true", "false"):
            headers.html = word.lower() == "true"
        else:
            headers.problems.append(f"line {line}: #html: is {value!r}, not true or false")
    elif key == "tags":
        headers.tags = tuple(value.split())
    elif key == "columns":
        headers.columns_text = value
    elif key in ("notetype", "deck"):
        setattr(headers, key, word)
    elif key in ("notetype column", "deck column", "tags column", "guid column"):
        if word.isdigit() and int(word) > 0:
            setattr(headers, key.replace(" ", "_"), int(word))
        else:
            headers.problems.append(f"line {line}: #{key}: is {value!r}, not a column number")
    elif key not in ("if matches", "match scope"):
        headers.problems.append(f"line {line}: unknown header #{key}: ignored")


def guess_separator(sample: str) -> str:
    """Anki's guess: the first separator, in its order, that the text holds at all."""
    return next((sep for sep in SEPARATORS.values() if sep in sample), " ")


def _one_record(text: str, separator: str) -> list[str]:
    try:
        return next(csv.reader([text], delimiter=separator), [])
    except csv.Error:
        return text.split(separator)


class _Lines:
    """The body's lines for `csv.reader`, skipping comments where a record starts."""

    def __init__(self, lines: list[str], first_line: int) -> None:
        self._lines = iter(enumerate(lines, start=first_line))
        self.at_record_start = True
        self.record_line = first_line

    def __iter__(self) -> Iterator[str]:
        return self

    def __next__(self) -> str:
        while True:
            n, line = next(self._lines)
            if self.at_record_start and (line.startswith("#") or not line.strip()):
                continue
            if self.at_record_start:
                self.record_line = n
            self.at_record_start = False
            return line


def _records(
    body: list[str], separator: str, offset: int, path: Path
) -> Iterator[tuple[int, list[str]]]:
    """Each record and the line it starts on."""
    lines = _Lines(body, offset + 1)
    reader = csv.reader(lines, delimiter=separator, strict=False)
    count = 0
    while True:
        try:
            row = next(reader)
        except StopIteration:
            return
        except csv.Error as problem:
            raise ContentError(f"not valid CSV: {problem}", path, lines.record_line) from None
        lines.at_record_start = True
        count += 1
        if count > MAX_NOTES:
            raise ContentError(f"more than {MAX_NOTES:,} notes", path, lines.record_line)
        yield lines.record_line, row


def _notes(
    rows: list[tuple[int, list[str]]], headers: Headers
) -> tuple[list[SourceNote], list[str]]:
    meta = {headers.notetype_column, headers.deck_column, headers.tags_column}
    meta |= {headers.guid_column}
    meta.discard(0)
    width = len(headers.columns) or (len(rows[0][1]) if rows else 0)
    field_columns = [i for i in range(1, width + 1) if i not in meta]
    names = _field_names(headers, field_columns)
    notetypes: dict[str, SourceNotetype] = {}
    notes, problems = [], []
    for line, row in rows:
        where = f"line {line}"
        if len(row) != width:
            problems.append(f"{where}: {len(row)} fields, expected {width}")
            if len(row) > width and any(v.strip() for v in row[width:]):
                problems.append(f"{where}: skipped, it has more fields than the header row")
                continue
            row = row + [""] * (width - len(row))
        if any(len(value) > MAX_FIELD_CHARS for value in row):
            problems.append(f"{where}: skipped, a field is over {MAX_FIELD_CHARS:,} characters")
            continue
        name = _cell(row, headers.notetype_column) or headers.notetype or "Basic"
        notetype = notetypes.setdefault(name, _notetype(name, names))
        tags = (*headers.tags, *_cell(row, headers.tags_column).split())
        values = [row[i - 1] for i in field_columns]
        notes.append(
            SourceNote(
                guid=_cell(row, headers.guid_column).strip(),
                notetype=notetype,
                fields=tuple(v if headers.html else _as_html(v) for v in values),
                tags=tuple(dict.fromkeys(tags)),
                deck=(_cell(row, headers.deck_column) or headers.deck).strip(),
                where=where,
            )
        )
    return notes, problems


def _field_names(headers: Headers, field_columns: list[int]) -> tuple[str, ...]:
    names = []
    for position, column in enumerate(field_columns):
        label = headers.columns[column - 1].strip() if headers.columns else ""
        if not label:
            label = _DEFAULT_FIELDS[position] if position < 2 else f"Column {column}"
        names.append(label)
    return tuple(names)


def _notetype(name: str, fields: tuple[str, ...]) -> SourceNotetype:
    is_cloze = "cloze" in name.lower()
    if is_cloze and fields[:2] == _DEFAULT_FIELDS:
        fields = ("Text", "Back Extra", *fields[2:])  # the names of Anki's stock Cloze
    return SourceNotetype(
        id=int(name) if name.isdigit() else 0,
        name=name,
        fields=fields,
        templates=(),
        is_cloze=is_cloze,
    )


def _cell(row: list[str], column: int) -> str:
    return row[column - 1] if 0 < column <= len(row) else ""


def _as_html(text: str) -> str:
    """Plain text as the HTML Anki stores for it: escaped, line ends as <br>."""
    escaped = html.escape(text, quote=False)
    return escaped.replace("\r\n", "\n").replace("\n", "<br>")
