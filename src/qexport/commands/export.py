"""`qexport NAME`: one exporter into a build folder, never into a release."""

from __future__ import annotations

from collections.abc import Mapping
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from qexport.errors import ContentErrors, QexportError
from qexport.lock_file_guard import LockFileGuard
from qexport.manifest import MANIFEST
from qexport.output import record_written, resolve_out, write_artifacts
from qexport.recording import record_changes
from qexport.registry import check_exporter, load_exporter
from qexport.release_folder import beside_releases  # not via qexport.release: no process pools

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
    # Never into, or around, the content; never into a release.
    real_out = resolve_out(out, whole.content_dir, suggested="build")
    refuse_release(real_out)
    errors, warnings = check_exporter(exporter, question_set, options)
    if errors:
        raise ContentErrors(errors, warnings)
    for warning in warnings:
        click.echo(str(warning), err=True)
    partial_build = not question_set.selection.is_everything
    previous = previous_release if previous_release.is_dir() else None
    guard = LockFileGuard.of(whole.content_dir)
    try:
        recorded = record_changes(whole, [(name, dict(options))], previous, partial=partial_build)
        guard.remember(dict(recorded.written))
        export = partial(exporter.export, question_set, options)
        with beside_releases(real_out):  # restores a release whose swap was cut short
            published = write_artifacts(out, export)
            record_written(out, published)  # so `qexport all` knows qexport wrote them
    except BaseException:
        guard.restore()  # nothing written: learners' next deck still has the old times
        raise
    for artifact in published:
        click.echo(str(artifact.path))
    for note in [*recorded.notes, *(n for artifact in published for n in artifact.notes)]:
        click.echo(note, err=True)


def refuse_release(out: Path) -> None:
    """A single export never writes into a release, or a folder inside one: the release's
    SHA256SUMS would go stale, and `qexport all` would not know the files."""
    from qexport.manifest import read

    # Around `out`, only a manifest qexport's own counts: a project's root may hold another.
    for folder in (out, *out.parents):
        if (folder / MANIFEST).exists() if folder == out else read(folder) is not None:
            where = "holds a release" if folder == out else f"is inside the release {folder}"
            raise QexportError(
                f"{out} {where} (qexport all wrote its {MANIFEST}); a single export would "
                "leave it out of date: write it elsewhere (by default into build/)"
            )
