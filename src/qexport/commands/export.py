"""`qexport NAME`: one exporter into a build folder, never into a release."""

from __future__ import annotations

from collections.abc import Mapping
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from qexport import release
from qexport.errors import ContentErrors, QexportError
from qexport.manifest import MANIFEST
from qexport.output import record_written, resolve_out, write_artifacts
from qexport.recording import record_changes
from qexport.registry import check_exporter, load_exporter

if TYPE_CHECKING:
    from qexport.model import QuestionSet


def export_one(
    name: str,
    whole: QuestionSet,
    question_set: QuestionSet,
    out: Path,
    options: Mapping[str, Any],
    previous_release: Path,
) -> None:
    """Check, record what changed (on the `whole` set), then write `question_set` into `out`.

    `previous_release` is where the last release is looked for: a lost lock
    file is rebuilt from its deck.
    """
    exporter = load_exporter(name)
    real_out = resolve_out(out, whole.content_dir)  # never into, or around, the content
    refuse_release(real_out)
    errors, warnings = check_exporter(exporter, question_set, options)
    if errors:
        raise ContentErrors(errors, warnings)
    for warning in warnings:
        click.echo(str(warning), err=True)
    partial_build = not question_set.selection.is_everything
    previous = previous_release if previous_release.is_dir() else None
    recorded = record_changes(whole, [(name, dict(options))], previous, partial=partial_build)
    export = partial(exporter.export, question_set, options)
    with release.beside_releases(real_out):  # restores a release whose swap was cut short
        published = write_artifacts(out, export)
        record_written(out, published)  # so `qexport all` knows qexport wrote them
    for artifact in published:
        click.echo(str(artifact.path))
    for note in [*recorded.notes, *(n for artifact in published for n in artifact.notes)]:
        click.echo(note, err=True)


def refuse_release(out: Path) -> None:
    """A single export never writes into a release: its SHA256SUMS would go stale."""
    if (out / MANIFEST).exists():
        raise QexportError(
            f"{out} holds a release (qexport all wrote its {MANIFEST}); a single export "
            "would leave it out of date: write it elsewhere (by default into build/)"
        )
