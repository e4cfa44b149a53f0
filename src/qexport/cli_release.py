"""`qexport all`, `qexport exporters` and `qexport export NAME`."""

from __future__ import annotations

import os
import shutil
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import click

from qexport import manifest, release
from qexport.changes import LOCK_FILE
from qexport.cli import DEFAULT_OUT, QexportGroup, Session, exporter_command
from qexport.errors import QexportError
from qexport.model import QuestionSet
from qexport.output import forget_written, written_files
from qexport.registry import exporter_descriptions, exporter_names


def _size(size: int) -> str:
    for unit in ("B", "kB", "MB"):
        if size < 1000 or unit == "MB":
            return f"{size:.0f} {unit}" if unit == "B" else f"{size:.1f} {unit}"
        size /= 1000  # type: ignore[assignment]
    return str(size)


@click.command("all")
@click.option(
    "--out",
    type=click.Path(path_type=Path, file_okay=False),
    default=DEFAULT_OUT,
    show_default=True,
    help="The release folder; replaced whole, only when every exporter succeeded, and only "
    "if qexport wrote everything in it.",
)
@click.option(
    "--jobs",
    "-j",
    type=click.IntRange(min=1),
    default=None,
    help="Exporters run in parallel processes.  [default: the number of CPUs]",
)
@click.option("--only", multiple=True, metavar="NAME", help="Run only this exporter (repeat).")
@click.option("--skip", multiple=True, metavar="NAME", help="Leave out this exporter (repeat).")
@click.option(
    "--check",
    is_flag=True,
    help="Rebuild into a temporary folder and exit 1 if --out differs (a release gate).",
)
@click.option("--wait", is_flag=True, help="If another run holds --out, wait for it.")
@click.option("--quiet", "-q", is_flag=True, help="Print only errors.")
@click.pass_obj
def all_command(
    session: Session,
    out: Path,
    jobs: int | None,
    only: tuple[str, ...],
    skip: tuple[str, ...],
    check: bool,
    wait: bool,
    quiet: bool,
) -> None:
    """Validate the content and write every artifact, a manifest and SHA256SUMS."""
    started = time.perf_counter()
    loud = not quiet and sys.stderr.isatty()
    workers = jobs or os.cpu_count() or 1

    def report(built: release.Built, folder: Path) -> None:
        if not loud:
            return
        for note in built.notes:
            click.echo(note, err=True)
        for name in built.files:
            size = _size((folder / name).stat().st_size)
            how = "reused" if built.reused else f"{built.seconds:5.1f} s"
            click.echo(f"  {name:<58} {size:>9}  {how:>7}  {built.job.exporter}", err=True)

    content_dir = session.content_dir
    out = release.resolve_out(out, content_dir)
    before = manifest.content_digests(content_dir)  # before loading: an edit from now on shows
    question_set = session.question_set()
    with _clean_errors(out):
        jobs_planned = release.plan(manifest.combine(before), only, skip)
        if loud:
            click.echo(f"qexport all: {len(jobs_planned)} jobs, {workers} at a time", err=True)
        if check:
            with release.observing(out, wait):
                _check(question_set, jobs_planned, out, workers, report, before)
            return
        with release.locked(out, wait):
            picked = bool(only or skip)
            results = _release(question_set, jobs_planned, out, workers, report, before, picked)
    if loud:
        files = sum(len(b.files) for b in results)
        reused = sum(len(b.files) for b in results if b.reused)
        elapsed = time.perf_counter() - started
        click.echo(
            f"{files} artifacts in {out} ({files - reused} built, {reused} reused) "
            f"in {elapsed:.1f} s",
            err=True,
        )


@contextmanager
def _clean_errors(out: Path) -> Iterator[None]:
    """Whatever stops a release midway is reported plainly; `out` is as it was."""
    try:
        yield
    except KeyboardInterrupt:
        raise QexportError(f"interrupted; {out} is unchanged") from None
    except OSError as exc:  # a full disk, a read-only folder...
        where = f" ({exc.filename})" if exc.filename else ""
        raise QexportError(
            f"cannot write the release: {exc.strerror or exc}{where}; {out} is unchanged"
        ) from None


def _release(
    question_set: QuestionSet,
    jobs: list[release.Job],
    out: Path,
    workers: int,
    report: release.Report,
    before: dict[str, str],
    picked: bool,
) -> list[release.Built]:
    """Build into a staging folder and swap it in, holding the lock on `out`."""
    release.recover(out)
    previous = release.replaceable(out)
    previous_dir = str(out) if previous is not None else None
    staging = release.new_staging(out)
    try:
        results = release.build(
            question_set, jobs, staging, previous, workers, False, report, previous_dir
        )
        if picked:  # --only or --skip: the other artifacts stay as released
            results += _carry_over(previous, results, staging)
        after = _unchanged(question_set.content_dir, before, out)
        release.describe_manifest(question_set, results, staging, manifest.combine(after))
        release.publish(staging, out)
        forget_written(out)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return results


def _unchanged(content_dir: Path, before: dict[str, str], out: Path) -> dict[str, str]:
    """The content's digests now; refused if anything but the lock file changed since `before`.

    The anki exporter records changes in the lock file during the build; any
    other change is an edit saved while building, which the artifacts may miss.
    """
    after = manifest.content_digests(content_dir)
    changed = sorted(
        name
        for name in before.keys() | after.keys()
        if name != LOCK_FILE and before.get(name) != after.get(name)
    )
    if changed:
        listing = ", ".join(changed[:5]) + (", ..." if len(changed) > 5 else "")
        raise QexportError(
            f"{content_dir} changed while the release was being built ({listing}); "
            f"nothing was published and {out} is unchanged: run qexport all again"
        )
    return after


def _carry_over(
    previous: manifest.Manifest | None, results: list[release.Built], staging: Path
) -> list[release.Built]:
    """With --only/--skip, the other exporters' artifacts stay as they were released."""
    if previous is None:
        return []
    written = {name for built in results for name in built.files}
    kept = []
    for artifact in previous.artifacts:  # verified: every field has its type, every file intact
        name = str(artifact["path"])
        if name in written:
            continue
        (staging / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(previous.folder / name, staging / name)
        job = release.Job(
            str(artifact["exporter"]), dict(artifact["options"]), str(artifact["inputs"])
        )
        kept.append(release.Built(job, (name,), 0.0, reused=True))
    return kept


def _check(
    question_set: QuestionSet,
    jobs: list[release.Job],
    out: Path,
    workers: int,
    report: release.Report,
    before: dict[str, str],
) -> None:
    """Rebuild in a private temporary folder and compare: nothing beside `out` changes."""
    verified = manifest.verify(out, written_files(out)) if out.is_dir() else None
    trusted = verified is not None and verified.release is not None and not verified.foreign
    previous_dir = str(out) if trusted else None
    scratch = Path(tempfile.mkdtemp(prefix="qexport-check-"))
    try:
        results = release.build(
            question_set, jobs, scratch, None, workers, True, report, previous_dir
        )
        after = _unchanged(question_set.content_dir, before, out)
        release.describe_manifest(question_set, results, scratch, manifest.combine(after))
        shutil.rmtree(scratch / ".jobs", ignore_errors=True)
        found = differences(scratch, out)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    if found:
        listing = "\n".join(f"  {line}" for line in found)
        raise QexportError(f"{out} is out of date; run qexport all:\n{listing}")


def differences(built: Path, out_dir: Path) -> list[str]:
    """What differs between a fresh build and `out_dir`, file by file."""
    fresh = {p.relative_to(built).as_posix() for p in built.rglob("*") if p.is_file()}
    current = (
        {p.relative_to(out_dir).as_posix() for p in out_dir.rglob("*") if p.is_file()}
        if out_dir.is_dir()
        else set()
    )
    found = [f"missing: {name}" for name in sorted(fresh - current)]
    found += [f"not in a fresh build: {name}" for name in sorted(current - fresh)]
    found += [
        f"differs: {name}"
        for name in sorted(fresh & current)
        if manifest.sha256_file(built / name) != manifest.sha256_file(out_dir / name)
    ]
    return found


@click.command("exporters")
def exporters_command() -> None:
    """List the registered exporters, built in and plugins."""
    rows = exporter_descriptions()
    width = max((len(name) for name, _, _ in rows), default=0)
    for name, description, package in rows:
        click.echo(f"{name:<{width}}  {description}  [{package}]")


class ExportGroup(QexportGroup):
    """`qexport export NAME ...`: every registered exporter, by name."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return exporter_names()

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        return exporter_command(cmd_name) if cmd_name in exporter_names() else None


@click.group("export", cls=ExportGroup)
def export_group() -> None:
    """Run any registered exporter by name (the same as `qexport NAME`)."""
