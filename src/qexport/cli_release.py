"""`qexport all`, `qexport exporters` and `qexport export NAME`."""

from __future__ import annotations

import os
import shutil
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import click

from qexport import content_files, manifest, release
from qexport.cli import RELEASE_OUT, QexportGroup, Session, exporter_command
from qexport.errors import QexportError
from qexport.lock_file_guard import LockFileGuard
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
    default=RELEASE_OUT,
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
        if not quiet:  # off a terminal too: a note may say what learners are about to lose
            for note in built.notes:
                click.echo(note, err=True)
        if not loud:
            return
        for name in built.files:
            size = _size((folder / name).stat().st_size)
            how = "reused" if built.reused else f"{built.seconds:5.1f} s"
            click.echo(f"  {name:<58} {size:>9}  {how:>7}  {built.job.exporter}", err=True)

    content_dir = session.content_dir
    out = release.resolve_out(out, content_dir)
    candidates = content_files.candidates(content_dir)  # before loading: an edit now shows
    question_set = session.question_set()
    before = content_files.of_set(candidates, question_set)
    state = _State(picked=bool(only or skip))
    with _clean_errors(out, state):
        jobs_planned = release.plan(content_files.combine(before), only, skip)
        _check_content(question_set, jobs_planned, quiet)
        if loud:
            click.echo(f"qexport all: {len(jobs_planned)} jobs, {workers} at a time", err=True)
        if check:
            with release.observing(out, wait):
                _check(question_set, jobs_planned, out, workers, report, before, state, quiet)
            return
        with release.locked(out, wait):
            results = _release(question_set, jobs_planned, out, workers, report, before, state)
    if state.removed and not quiet:  # not only on a terminal: files went away
        click.echo(
            f"removed from {out}, as not part of the release: {', '.join(state.removed)}",
            err=True,
        )
    if loud:
        files = sum(len(b.files) for b in results)
        reused = sum(len(b.files) for b in results if b.reused)
        elapsed = time.perf_counter() - started
        click.echo(
            f"{files} artifacts in {out} ({files - reused} built, {reused} reused) "
            f"in {elapsed:.1f} s",
            err=True,
        )


def _check_content(question_set: QuestionSet, jobs: list[release.Job], quiet: bool) -> None:
    """What the planned exporters would reject, reported before anything is built."""
    from qexport.errors import ContentErrors
    from qexport.registry import exporter_checks

    errors, warnings = exporter_checks(question_set, [(job.exporter, job.options) for job in jobs])
    if errors:
        raise ContentErrors(errors, warnings)
    for warning in warnings if not quiet else ():
        click.echo(str(warning), err=True)


@dataclass
class _State:
    """How far a release got: what an interruption or an error can truthfully say."""

    published: bool = False
    picked: bool = False
    removed: list[str] = field(default_factory=list)  # single exports' files, OS clutter

    def swapped(self) -> None:
        self.published = True

    def where(self, out: Path) -> str:
        return f"{out} holds the new release" if self.published else f"{out} is unchanged"


@contextmanager
def _clean_errors(out: Path, state: _State) -> Iterator[None]:
    """Whatever stops a release midway is reported plainly, with what `out` now holds."""
    try:
        yield
    except KeyboardInterrupt:
        raise QexportError(f"interrupted; {state.where(out)}") from None
    except OSError as exc:  # a full disk, a read-only folder, a name too long...
        where = f" ({exc.filename})" if exc.filename else ""
        raise QexportError(
            f"cannot write the release: {exc.strerror or exc}{where}; {state.where(out)}"
        ) from None


def _release(
    question_set: QuestionSet,
    jobs: list[release.Job],
    out: Path,
    workers: int,
    report: release.Report,
    before: dict[str, str],
    state: _State,
) -> list[release.Built]:
    """Build into a staging folder and swap it in, holding the lock on `out`."""
    release.recover(out)
    found = release.replaceable(out)
    previous = found.release if found else None
    previous_dir = str(out) if previous is not None else None
    staging = release.new_staging(out)
    guard = LockFileGuard.of(question_set.content_dir)
    try:
        results = release.build(
            question_set, jobs, staging, previous, workers, False, report, previous_dir
        )
        guard.remember(staging / ".jobs")  # publishing removes the jobs' folders
        results += _carry_over(previous, results, staging, out, state.picked)
        wrote = release.content_written(results)
        after = _unchanged(question_set, before, out, wrote)
        release.describe_manifest(question_set, results, staging, content_files.combine(after))
        found = release.verify_again(out)  # under the lock: what appeared meanwhile is kept
        release.publish(staging, out, swapped=state.swapped)
        forget_written(out)
    except BaseException:
        if not state.published:  # nothing released: learners still have the old times
            guard.restore(staging / ".jobs")
        raise
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    kept = {name for built in results for name in built.files}
    state.removed = sorted({*found.written, *found.clutter} - kept) if found else []
    return results


def _unchanged(
    question_set: QuestionSet, before: dict[str, str], out: Path, wrote: dict[str, str]
) -> dict[str, str]:
    """The content's digests now; refused if anything changed but to what this run wrote.

    The anki exporter records changes in the lock file during the build; any
    other change, or a lock file changed again since, is an edit saved while
    building, which the artifacts may miss.
    """
    content_dir = question_set.content_dir
    after = content_files.now(content_dir, question_set)
    changed = content_files.changed(before, after, wrote)
    if changed:
        listing = ", ".join(changed[:5]) + (", ..." if len(changed) > 5 else "")
        raise QexportError(
            f"{content_dir} changed while the release was being built ({listing}); "
            f"nothing was published and {out} is unchanged: run qexport all again"
        )
    return after


def _carry_over(
    previous: manifest.Manifest | None,
    results: list[release.Built],
    staging: Path,
    out: Path,
    picked: bool,
) -> list[release.Built]:
    """With --only/--skip, the other exporters' artifacts stay as they were released.

    Each keeps its manifest entry as released: its theme or exporter may be gone.
    A release missing one of them is refused, never published short.
    """
    if not picked:
        return []
    selected = {built.job.exporter for built in results}
    listed = [*previous.artifacts, *previous.lost] if previous else []
    released = {str(a["exporter"]) for a in listed}
    absent = sorted(set(exporter_names()) - selected - released)
    if absent:  # nothing of theirs to keep: the release goes without, and says so
        click.echo(
            f"{out} will hold nothing of {', '.join(absent)}: there is no release of "
            "it to keep (run qexport all without --only/--skip for a whole release)",
            err=True,
        )
    if previous is None:
        return []
    lost = [str(a["path"]) for a in previous.lost if a["exporter"] not in selected]
    if lost:
        raise QexportError(
            f"{out} lacks {', '.join(lost)} as released (deleted or changed since), and "
            "--only/--skip would publish the release without them: run qexport all without "
            f"--only/--skip to rebuild them. Nothing was published; {out} is unchanged"
        )
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
        recorded = previous.recorded(name)
        kept.append(release.Built(job, (name,), 0.0, reused=True, recorded=recorded))
    return kept


def _check(
    question_set: QuestionSet,
    jobs: list[release.Job],
    out: Path,
    workers: int,
    report: release.Report,
    before: dict[str, str],
    state: _State,
    quiet: bool,
) -> None:
    """Rebuild in a private temporary folder and compare: nothing beside `out` changes.

    With --only/--skip, only the selected exporters' artifacts are compared.
    """
    verified = manifest.verify(out, written_files(out)) if out.is_dir() else None
    trusted = verified is not None and verified.release is not None and not verified.foreign
    previous_dir = str(out) if trusted else None
    scratch = Path(tempfile.mkdtemp(prefix="qexport-check-"))
    try:
        results = release.build(
            question_set, jobs, scratch, None, workers, True, report, previous_dir
        )
        after = _unchanged(question_set, before, out, release.content_written(results))
        release.describe_manifest(question_set, results, scratch, content_files.combine(after))
        shutil.rmtree(scratch / ".jobs", ignore_errors=True)
        names = [name for built in results for name in built.files] if state.picked else None
        found = differences(scratch, out, names)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    # What qexport all would refuse to replace is never up to date.
    found += [f"not written by qexport: {name}" for name in (verified.foreign if verified else ())]
    if state.picked and not quiet:
        exporters = sorted({job.exporter for job in jobs})
        click.echo(f"compared only the artifacts of {', '.join(exporters)}", err=True)
    if found:
        listing = "\n".join(f"  {line}" for line in found)
        raise QexportError(f"{out} is out of date; run qexport all:\n{listing}")


def differences(built: Path, out_dir: Path, only: list[str] | None = None) -> list[str]:
    """What differs between a fresh build and `out_dir`, file by file (or only `only`)."""
    fresh = {p.relative_to(built).as_posix() for p in built.rglob("*") if p.is_file()}
    current = (
        {p.relative_to(out_dir).as_posix() for p in out_dir.rglob("*") if p.is_file()}
        if out_dir.is_dir()
        else set()
    )
    if only is not None:
        fresh &= set(only)
        current &= set(only)
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
