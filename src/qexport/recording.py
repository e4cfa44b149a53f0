"""The step before any exporter runs: what exporters keep in the content folder.

An exporter with a `record` method (the deck: its lock file) records what
changed since the last release once, on the whole set, before anything is
built. So a build never writes into the content folder, every exporter of a
release sees the content as it stays, and the release hashes it once.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from qexport.errors import QexportError
from qexport.exporter import Recorded
from qexport.registry import load_exporter

if TYPE_CHECKING:
    from qexport.exporter import Exporter
    from qexport.model import QuestionSet

RECORDS_ONCE = "the {name} exporter records what changed in the content folder once per release"


def record_changes(
    question_set: QuestionSet,
    runs: Sequence[tuple[str, dict[str, Any]]],
    previous_release: Path | None,
    *,
    check: bool = False,
    partial: bool = False,
) -> Recorded:
    """Run the `record` step of each run's exporter that has one, once per exporter.

    `question_set` is the whole set; `partial` says the build holds only some
    of it. With `check`, nothing is written (a QexportError says what is out
    of date).
    """
    refuse_disagreeing(runs)
    notes: list[str] = []
    written: dict[str, str] = {}
    done: set[str] = set()
    for name, options in runs:
        record = getattr(load_exporter(name), "record", None)
        if record is None or name in done:
            continue
        done.add(name)
        recorded = record(
            question_set, options, previous_release=previous_release, check=check, partial=partial
        )
        notes += recorded.notes
        written.update(recorded.written)
    return Recorded(tuple(notes), written)


def recorded_keys(exporter: Exporter, options: Mapping[str, Any]) -> Sequence[str]:
    """The options that `exporter`'s record step reads (`record_options`; else all of them):
    the runs of it in one release must agree on them."""
    return getattr(exporter, "record_options", None) or sorted(options)


def refuse_disagreeing(runs: Sequence[tuple[str, dict[str, Any]]]) -> None:
    """Refuse runs of one exporter that would record different things (two deck themes):
    each release would rewrite the content folder, and never be reproducible.

    A release's set.toml and --set are checked for this where they say it
    (`release_option_sets.check_records`); this holds for any caller.
    """
    seen: dict[str, tuple[Any, ...]] = {}
    for name, options in runs:
        exporter = load_exporter(name)
        if getattr(exporter, "record", None) is None:
            continue
        read = recorded_keys(exporter, options)
        values = tuple(options.get(key) for key in read)
        if seen.setdefault(name, values) != values:
            shown = ", ".join(
                f"{key}: {a} and {b}"
                for key, a, b in zip(read, seen[name], values, strict=True)
                if a != b
            )
            raise QexportError(
                f"{RECORDS_ONCE.format(name=name)}, and these runs of it would record "
                f"different things ({shown}): build one of them in a release"
            )
