"""`qexport all`: check, record, build every exporter's artifacts, and swap the release in."""

from __future__ import annotations

import shutil
import sys
import tempfile
import time
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import click

from qexport import content_files, manifest, release
from qexport.errors import ContentErrors, QexportError
from qexport.files import sha256_file
from qexport.lock_file_guard import LockFileGuard
from qexport.output import forget_written, written_files
from qexport.recording import record_changes
from qexport.registry import exporter_checks
from qexport.release_config import Run, release_runs

if TYPE_CHECKING:
    from qexport.model import QuestionSet


@dataclass(frozen=True)
class Settings:
    """What `qexport all` was asked for."""

    out: Path
    workers: int
    only: tuple[str, ...]
    skip: tuple[str, ...]
    overrides: tuple[str, ...]  # --set EXPORTER.OPTION=VALUES, over set.toml's [release]
    check: bool
    wait: bool
    quiet: bool

    @property
    def loud(self) -> bool:
        return not self.quiet and sys.stderr.isatty()


def _size(size: int) -> str:
    for unit in ("B", "kB", "MB"):
        if size < 1000 or unit == "MB":
            return f"{size:.0f} {unit}" if unit == "B" else f"{size:.1f} {unit}"
        size /= 1000  # type: ignore[assignment]
    return str(size)


def release_all(question_set: QuestionSet, before: dict[str, str], settings: Settings) -> None:
    """Check the content, record what changed, build and publish (or compare, with --check).

    `before` holds the content's digests taken before it was loaded: an edit
    saved while qexport works is refused, never half released.
    """
    started = time.perf_counter()
    out = release.resolve_out(settings.out, question_set.content_dir)
    state = _State(picked=bool(settings.only or settings.skip))
    with _clean_errors(out, state):
        everything = release_runs(question_set, settings.overrides)
        runs = release.pick(everything, settings.only, settings.skip, settings.overrides)
        _check_content(question_set, runs, settings.quiet)
        if settings.loud:
            click.echo(f"qexport all: {len(runs)} jobs, {settings.workers} at a time", err=True)
        exporters = tuple(dict.fromkeys(name for name, _ in everything))
        build = _Build(question_set, runs, exporters, out, settings, before, state)
        if settings.check:
            with release.observing(out, settings.wait):
                build.compare()
            return
        with release.locked(out, settings.wait):
            results = build.build_and_swap()
    if state.removed and not settings.quiet:  # not only on a terminal: files went away
        click.echo(
            f"removed from {out}, as not part of the release: {', '.join(state.removed)}",
            err=True,
        )
    if settings.loud:
        files = sum(len(b.files) for b in results)
        reused = sum(len(b.files) for b in results if b.reused)
        elapsed = time.perf_counter() - started
        click.echo(
            f"{files} artifacts in {out} ({files - reused} built, {reused} reused) "
            f"in {elapsed:.1f} s",
            err=True,
        )


def _check_content(question_set: QuestionSet, runs: Sequence[Run], quiet: bool) -> None:
    """What the planned exporters would reject, reported before anything is built."""
    errors, warnings = exporter_checks(question_set, runs)
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


@dataclass
class _Build:
    """One release being built: record, plan, build, then publish or compare."""

    question_set: QuestionSet
    runs: list[Run]
    exporters: tuple[str, ...]  # the release's, those --only/--skip leave out included
    out: Path
    settings: Settings
    before: dict[str, str]
    state: _State

    def build_and_swap(self) -> list[release.Built]:
        """Build into a staging folder and swap it in, holding the lock on `out`."""
        out = self.out
        release.recover(out)
        found = release.replaceable(out)
        previous = found.release if found else None
        staging = release.new_staging(out)
        guard = LockFileGuard.of(self.question_set.content_dir)
        try:
            recorded = record_changes(self.question_set, self.runs, out if previous else None)
            guard.remember(dict(recorded.written))
            self._tell(recorded.notes)
            content = self._content(recorded.written)
            jobs = release.plan(
                content_files.combine(content), self.runs, self.question_set.content_dir
            )
            results = self._build(jobs, staging, previous, check=False)
            left_out = self._left_out()
            results += _carry_over(previous, results, staging, out, left_out, self.settings.quiet)
            self._unchanged(content)
            release.describe_manifest(
                self.question_set, results, staging, content_files.combine(content)
            )
            found = release.verify_again(out)  # under the lock: what appeared meanwhile is kept
            release.swap_in(staging, out, swapped=self.state.swapped)
            forget_written(out)
        except BaseException:
            if not self.state.published:  # nothing released: learners still have the old times
                guard.restore()
            raise
        finally:
            shutil.rmtree(staging, ignore_errors=True)
        kept = {name for built in results for name in built.files}
        self.state.removed = sorted({*found.written, *found.clutter} - kept) if found else []
        return results

    def _left_out(self) -> list[str]:
        """The release's exporters that --only/--skip leave out of this run."""
        built = {name for name, _ in self.runs}
        return [name for name in self.exporters if name not in built]

    def compare(self) -> None:
        """Rebuild in a private temporary folder and compare: nothing beside `out` changes.

        With --only/--skip, only the selected exporters' artifacts are compared.
        """
        out = self.out
        verified = manifest.verify(out, written_files(out)) if out.is_dir() else None
        trusted = verified is not None and verified.release is not None and not verified.foreign
        record_changes(self.question_set, self.runs, out if trusted else None, check=True)
        content = self._content({})
        jobs = release.plan(
            content_files.combine(content), self.runs, self.question_set.content_dir
        )
        scratch = Path(tempfile.mkdtemp(prefix="qexport-check-"))
        try:
            results = self._build(jobs, scratch, None, check=True)
            self._unchanged(content)
            release.describe_manifest(
                self.question_set, results, scratch, content_files.combine(content)
            )
            shutil.rmtree(scratch / ".jobs", ignore_errors=True)
            picked = self.state.picked
            names = [name for built in results for name in built.files] if picked else None
            found = differences(scratch, out, names)
        finally:
            shutil.rmtree(scratch, ignore_errors=True)
        # What qexport all would refuse to replace is never up to date.
        found += [f"not written by qexport: {n}" for n in (verified.foreign if verified else ())]
        if self.state.picked and not self.settings.quiet:
            exporters = sorted({name for name, _ in self.runs})
            click.echo(f"compared only the artifacts of {', '.join(exporters)}", err=True)
        if found:
            listing = "\n".join(f"  {line}" for line in found)
            raise QexportError(f"{out} is out of date; run qexport all:\n{listing}")

    def _build(
        self,
        jobs: list[release.Job],
        folder: Path,
        previous: manifest.Manifest | None,
        check: bool,
    ) -> list[release.Built]:
        workers = self.settings.workers
        return release.build(
            self.question_set, jobs, folder, previous, workers, check, self._on_built
        )

    def _tell(self, notes: Sequence[str]) -> None:
        if not self.settings.quiet:  # off a terminal too: a note may say what learners lose
            for note in notes:
                click.echo(note, err=True)

    def _on_built(self, built: release.Built, folder: Path) -> None:
        self._tell(built.notes)
        if not self.settings.loud:
            return
        for name in built.files:
            size = _size((folder / name).stat().st_size)
            how = "reused" if built.reused else f"{built.seconds:5.1f} s"
            click.echo(f"  {name:<58} {size:>9}  {how:>7}  {built.job.exporter}", err=True)

    def _content(self, written: Mapping[str, str]) -> dict[str, str]:
        """The content's digests once recorded: as loaded, but for what recording wrote."""
        question_set = self.question_set
        now = content_files.current(question_set.content_dir, question_set)
        self._refuse_changes(content_files.changed(self.before, now, dict(written)))
        return now

    def _unchanged(self, content: dict[str, str]) -> None:
        """Refuse a release if the content changed while it was built: it may miss the edit."""
        question_set = self.question_set
        now = content_files.current(question_set.content_dir, question_set)
        self._refuse_changes(content_files.changed(content, now, {}))

    def _refuse_changes(self, changed: list[str]) -> None:
        if changed:
            content_dir = self.question_set.content_dir
            listing = ", ".join(changed[:5]) + (", ..." if len(changed) > 5 else "")
            raise QexportError(
                f"{content_dir} changed while the release was being built ({listing}); "
                f"nothing was published and {self.out} is unchanged: run qexport all again"
            )


def _carry_over(
    previous: manifest.Manifest | None,
    results: list[release.Built],
    staging: Path,
    out: Path,
    left_out: Sequence[str],
    quiet: bool,
) -> list[release.Built]:
    """With --only/--skip, the artifacts of the release's exporters they leave out stay as
    they were released (those of an exporter the release no longer holds go).

    Each keeps its manifest entry as released: its theme or exporter may be gone.
    A release missing one of them is refused, never published short.
    """
    if not left_out:
        return []
    listed = [*previous.artifacts, *previous.lost] if previous else []
    released = {str(a["exporter"]) for a in listed}
    absent = sorted(set(left_out) - released)
    if absent and not quiet:  # nothing of theirs to keep: the release goes without, says so
        click.echo(
            f"{out} will hold nothing of {', '.join(absent)}: there is no release of "
            "it to keep (run qexport all without --only/--skip for a whole release)",
            err=True,
        )
    if previous is None:
        return []
    lost = [str(a["path"]) for a in previous.lost if a["exporter"] in left_out]
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
        if artifact["exporter"] not in left_out or name in written:
            continue
        (staging / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(previous.folder / name, staging / name)
        job = release.Job(
            str(artifact["exporter"]), dict(artifact["options"]), str(artifact["inputs"])
        )
        recorded = previous.recorded(name)
        kept.append(release.Built(job, (name,), 0.0, reused=True, recorded=recorded))
    return kept


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
        if sha256_file(built / name) != sha256_file(out_dir / name)
    ]
    return found
