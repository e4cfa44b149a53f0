"""set.toml's `[release]` table, read as written: its shape checked, its lines kept.

```toml
[release]
exporters = ["anki", "pdf", "csv"]   # optional; default: every installed exporter

[release.pdf]                         # option = value, or a list of values
paper = ["a4", "letter"]
```

Which exporters and options exist, and which values they take, depends on
what is installed: `release_config` checks that when a release is planned.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

from qexport.errors import ContentError, did_you_mean
from qexport.model import ReleaseConfig, ReleaseOption, ReleaseTable
from qexport.toml_lines import KeyPath, defined_lines, shown

TABLE = "release"
EXPORTERS_KEY = "exporters"

# error(message, path): report a problem at the line where `path` (under [release]) is set.
ErrorAtPath = Callable[[str, KeyPath], None]


def read_release(value: Any, text: str, path: Path, errors: list[ContentError]) -> ReleaseConfig:
    """The `[release]` table `value` (None if absent), appending its problems to `errors`."""
    if value is None:
        return ReleaseConfig()
    lines = defined_lines(text)

    def line(within: KeyPath) -> int:
        # A key in an inline table has no line of its own: the nearest table's.
        for end in range(len(within), -1, -1):
            found = lines.get((TABLE, *within[:end]))
            if found is not None:
                return found
        return 1

    def error(message: str, within: KeyPath) -> None:
        errors.append(ContentError(message, path, line(within)))

    if not isinstance(value, dict):
        error(f"[{TABLE}] is not a table", ())
        return ReleaseConfig()
    exporters = None
    tables: list[ReleaseTable] = []
    for key, entry in value.items():
        if key == EXPORTERS_KEY:
            exporters = _exporters(entry, error)
        elif isinstance(entry, dict):
            tables.append(_table(key, entry, (key,), line, error))
        elif isinstance(entry, list) and entry and all(isinstance(t, dict) for t in entry):
            tables += [_table(key, t, (key, n), line, error) for n, t in enumerate(entry)]
        else:
            error(
                f"unknown key '{shown(key)}' in [{TABLE}]{did_you_mean(key, [EXPORTERS_KEY])} "
                f"([{TABLE}] holds '{EXPORTERS_KEY}', and a table of options for each exporter "
                f"such as [{TABLE}.pdf])",
                (key,),
            )
    exporters_line = line((EXPORTERS_KEY,)) if exporters is not None else None
    return ReleaseConfig(exporters, exporters_line, tuple(tables))


def _exporters(entry: Any, error: ErrorAtPath) -> tuple[str, ...] | None:
    names = [entry] if isinstance(entry, str) else entry
    where = (EXPORTERS_KEY,)
    if not isinstance(names, list) or not all(isinstance(n, str) for n in names):
        error(f"'{EXPORTERS_KEY}' in [{TABLE}] must be a list of exporter names", where)
        return None
    if not names:
        error(f"'{EXPORTERS_KEY}' in [{TABLE}] is empty: a release needs an exporter", where)
        return None
    twice = sorted(shown(n) for n, count in Counter(names).items() if count > 1)
    if twice:
        error(f"'{EXPORTERS_KEY}' in [{TABLE}] lists {', '.join(twice)} more than once", where)
        return None
    return tuple(names)


def _table(
    exporter: str,
    table: dict[str, Any],
    within: KeyPath,
    line: Callable[[KeyPath], int],
    error: ErrorAtPath,
) -> ReleaseTable:
    options = []
    heading = f"[{TABLE}.{shown(exporter)}]"
    for name, entry in table.items():
        values = entry if isinstance(entry, list) else [entry]
        where = (*within, name)
        if not all(isinstance(v, (str, int, float)) for v in values):  # bool is an int
            error(
                f"'{shown(name)}' in {heading} must be a value (a string, number, true or "
                "false) or a list of them",
                where,
            )
        elif not values:
            error(
                f"'{shown(name)}' in {heading} is an empty list: give at least one value, "
                f"or leave '{shown(name)}' out for {shown(exporter)}'s own",
                where,
            )
        else:
            options.append(ReleaseOption(name, tuple(values), line(where)))
    return ReleaseTable(exporter, tuple(options), line(within))
