"""`qexport all`, `qexport exporters` and `qexport export NAME`."""

from __future__ import annotations

import os
import shutil
import sys
import time
from pathlib import Path

import click

from qexport import manifest, release
from qexport.cli import DEFAULT_OUT, QexportGroup, Session, exporter_command
from qexport.errors import QexportError
from qexport.model import QuestionSet
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
    help="The release folder; replaced whole, and only when every exporter succeeded.",
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
    question_set = session.question_set()
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

    with release.locked(out, wait):
        release.recover(out)
        jobs_planned = release.plan(question_set, only, skip)
        if loud:
            click.echo(f"qexport all: {len(jobs_planned)} jobs, {workers} at a time", err=True)
        if check:
            _check(question_set, jobs_planned, out, workers, report)
            return
        release.check_replaceable(out)
        previous = manifest.read(out) if out.is_dir() else None
        staging = release.new_staging(out)
        try:
            results = release.build(
                question_set, jobs_planned, staging, previous, workers, False, report
            )
            if only or skip:
                results += _carry_over(previous, results, staging)
            release.describe_manifest(question_set, results, staging)
            release.publish(staging, out)
        except KeyboardInterrupt:
            raise QexportError(f"interrupted; {out} is unchanged") from None
        except OSError as exc:  # a full disk, a read-only folder...
            where = f" ({exc.filename})" if exc.filename else ""
            raise QexportError(
                f"cannot write the release: {exc.strerror or exc}{where}; {out} is unchanged"
            ) from None
        finally:
            shutil.rmtree(staging, ignore_errors=True)
    if loud:
        files = sum(len(b.files) for b in results)
        reused = sum(len(b.files) for b in results if b.reused)
        elapsed = time.perf_counter() - started
        click.echo(
            f"{files} artifacts in {out} ({files - reused} built, {reused} reused) "
            f"in {elapsed:.1f} s",
            err=True,
        )


def _carry_over(
    previous: manifest.Manifest | None, results: list[release.Built], staging: Path
) -> list[release.Built]:
    """With --only/--skip, the other exporters' artifacts stay as they were released."""
    if previous is None:
        return []
    written = {name for built in results for name in built.files}
    kept = []
    for artifact in previous.artifacts:
        name = str(artifact["path"])
        source = previous.folder / name
        if name in written or not source.is_file():
            continue
        shutil.copy2(source, staging / name)
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
) -> None:
    scratch = release.new_staging(out)
    try:
        results = release.build(question_set, jobs, scratch, None, workers, True, report)
        release.describe_manifest(question_set, results, scratch)
        shutil.rmtree(scratch / ".jobs", ignore_errors=True)
        found = release.differences(scratch, out)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    if found:
        listing = "\n".join(f"  {line}" for line in found)
        raise QexportError(f"{out} is out of date; run qexport all:\n{listing}")


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
