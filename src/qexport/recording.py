"""The step before any exporter runs: what exporters keep in the content folder.

An exporter with a `record` method (the deck: its lock file) records what
changed since the last release once, on the whole set, before anything is
built. So a build never writes into the content folder, every exporter of a
release sees the content as it stays, and the release hashes it once.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from qexport.errors import QexportError
from qexport.exporter import Recorded
from qexport.registry import load_exporter

if TYPE_CHECKING:
    from qexport.model import QuestionSet


def record_changes(
    question_set: QuestionSet,
    runs: Sequence[tuple[str, dict[str, Any]]],
    previous_release: Path | None,
    *,
    check: bool = False,
    partial: bool = False,
) -> Recorded:
    """Run the `record` step of each run's exporter that has one, once per option set.

    `question_set` is the whole set; `partial` says the build holds only some
    of it. With `check`, nothing is written (a QexportError says what is out
    of date). Two runs that would record different things (two deck themes)
    are refused: each release would then rewrite the content folder.
    """
    recorders: list[tuple[str, dict[str, Any], Any]] = []
    for name, options in runs:
        record = getattr(load_exporter(name), "record", None)
        if record is not None and (name, options) not in [(n, o) for n, o, _ in recorders]:
            recorders.append((name, options, record))
    notes: list[str] = []
    written: dict[str, str] = {}
    for _, options, record in recorders:
        done = record(
            question_set, options, previous_release=previous_release, check=check, partial=partial
        )
        notes += done.notes
        written.update(done.written)
    if len(recorders) > 1 and not check:
        _agree(question_set, recorders)
    return Recorded(tuple(notes), written)


def _agree(question_set: QuestionSet, recorders: list[tuple[str, dict[str, Any], Any]]) -> None:
    """Refuse runs that record different things: the last one's record must suit all."""
    for name, options, record in recorders:
        try:
            record(question_set, options, previous_release=None, check=True)
        except QexportError:
            shown = ", ".join(f"{k}={v}" for k, v in sorted(options.items()) if v is not None)
            raise QexportError(
                f"the {name} exporter records different things for its option sets ({shown} "
                "and another): a release can hold only one of them; configure one"
            ) from None
