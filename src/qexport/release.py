"""`qexport all`: every registered exporter into one release, complete or absent.

A release is built in a staging folder beside `--out`, with a manifest and
SHA256SUMS, and replaces the previous release only when every exporter has
succeeded. A crash, an exporter's exception, Ctrl-C or a killed process
leaves `--out` exactly as it was. One run at a time holds the lock on it.
An artifact whose inputs (content, exporter, options, theme, versions) are
unchanged since the last release is copied from it instead of rebuilt.
"""

from __future__ import annotations

import json
import os
import shutil
import sys
import tempfile
import time
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from qexport import manifest
from qexport.cache import read_json, write_json
from qexport.errors import QexportError
from qexport.model import QuestionSet
from qexport.registry import exporter_names, exporter_version, load_exporter, release_options

STAGING_PREFIX = ".qexport-staging-"
SECONDS_CACHE = "job-seconds.json"  # how long each job took last time, to start the longest first


@dataclass(frozen=True)
class Job:
    exporter: str
    options: dict[str, Any]
    key: str  # hash of every input; equal keys give equal files


@dataclass(frozen=True)
class Built:
    """What one job produced, relative to the release folder."""

    job: Job
    files: tuple[str, ...]
    seconds: float
    reused: bool
    notes: tuple[str, ...] = ()


Report = Callable[[Built, Path], None]


def plan(question_set: QuestionSet, only: Sequence[str], skip: Sequence[str]) -> list[Job]:
    names = exporter_names()
    for name in [*only, *skip]:
        if name not in names:
            raise QexportError(f"no exporter named '{name}' (installed: {', '.join(names)})")
    content = manifest.content_hash(question_set.content_dir)
    jobs = []
    for name in names:
        if (only and name not in only) or name in skip:
            continue
        exporter = load_exporter(name)
        for options in release_options(exporter):
            clean = manifest.jsonable(options)
            key = manifest.inputs_key(content, name, exporter_version(name), clean)
            jobs.append(Job(name, clean, key))
    return jobs


def run_job(question_set: QuestionSet, job: Job, folder: Path, check: bool) -> Built:
    """Run one exporter into `folder` (in a worker process when running in parallel)."""
    started = time.perf_counter()
    folder.mkdir(parents=True)
    options = {**job.options, "record_changes": not check}
    artifacts = load_exporter(job.exporter).export(question_set, options, folder)
    files = []
    for artifact in artifacts:
        try:
            files.append(artifact.path.relative_to(folder).as_posix())
        except ValueError:
            raise QexportError(
                f"exporter '{job.exporter}' wrote {artifact.path}, outside its output folder"
            ) from None
    notes = tuple(note for artifact in artifacts for note in artifact.notes)
    return Built(job, tuple(files), time.perf_counter() - started, reused=False, notes=notes)


@contextmanager
def locked(out_dir: Path, wait: bool) -> Iterator[None]:
    """Hold the lock on `out_dir` for one release; a second run waits or stops."""
    path = out_dir.parent / f".{out_dir.name}.lock"
    try:
        out_dir.parent.mkdir(parents=True, exist_ok=True)
        handle = path.open("a+")
    except OSError as exc:
        raise QexportError(f"cannot write next to {out_dir}: {exc.strerror or exc}") from None
    try:
        if not _lock(handle, wait):
            raise QexportError(
                f"another qexport all is writing {out_dir}; wait for it to finish "
                "(or run with --wait)"
            )
        yield
    finally:
        handle.close()  # closing releases the lock, also when the process is killed


def _lock(handle: Any, wait: bool) -> bool:
    if sys.platform == "win32":  # pragma: no cover
        import msvcrt

        try:
            msvcrt.locking(handle.fileno(), msvcrt.LK_LOCK if wait else msvcrt.LK_NBLCK, 1)
        except OSError:
            return False
        return True
    import fcntl

    try:
        fcntl.flock(handle.fileno(), fcntl.LOCK_EX | (0 if wait else fcntl.LOCK_NB))
    except BlockingIOError:
        return False
    return True


def recover(out_dir: Path) -> None:
    """Undo what a killed run may have left: a swap half done, staging folders."""
    backup = _backup(out_dir)
    if backup.exists():
        if out_dir.exists():
            shutil.rmtree(backup)
        else:
            os.rename(backup, out_dir)
    for stale in out_dir.parent.glob(f"{STAGING_PREFIX}*"):
        shutil.rmtree(stale, ignore_errors=True)


def _backup(out_dir: Path) -> Path:
    return out_dir.parent / f".{out_dir.name}.previous"


def check_replaceable(out_dir: Path) -> None:
    """Refuse to replace a folder that is not a qexport release: it may hold anything."""
    if out_dir.is_dir() and any(out_dir.iterdir()) and not (out_dir / manifest.MANIFEST).exists():
        raise QexportError(
            f"{out_dir} is not empty and holds no {manifest.MANIFEST}, so it is not a qexport "
            "release; qexport all replaces its --out folder whole, so choose another one"
        )
    if out_dir.exists() and not out_dir.is_dir():
        raise QexportError(f"{out_dir} is a file, not a folder")


def build(
    question_set: QuestionSet,
    jobs: Sequence[Job],
    staging: Path,
    previous: manifest.Manifest | None,
    workers: int,
    check: bool,
    report: Report,
) -> list[Built]:
    """Every job's files in `staging`: reused from `previous` where inputs match."""
    results: list[Built] = []
    pending: list[Job] = []
    for job in jobs:
        reused = previous.files_for(job.key) if previous and not check else None
        if reused is not None:
            for name in reused:
                shutil.copy2(previous.folder / name, staging / name)  # type: ignore[union-attr]
            built = Built(job, reused, 0.0, reused=True)
            results.append(built)
            report(built, staging)
        else:
            pending.append(job)
    work = staging / ".jobs"
    if workers <= 1 or len(pending) <= 1:
        for index, job in enumerate(pending):
            built = run_job(question_set, job, work / str(index), check)
            results.append(_collect(built, work / str(index), staging, report))
        remember_seconds(results)
        return results
    pool = ProcessPoolExecutor(
        max_workers=min(workers, len(pending)), initializer=_die_with_parent
    )
    try:
        futures: dict[int, Future[Built]] = {}
        for i in _longest_first(pending):
            futures[i] = pool.submit(run_job, question_set, pending[i], work / str(i), check)
        for i in range(len(pending)):  # collected in plan order, so the report reads the same
            results.append(_collect(futures[i].result(), work / str(i), staging, report))
    except BaseException:
        _stop_workers(pool)  # an interrupted release must not wait for busy workers
        raise
    pool.shutdown()
    remember_seconds(results)
    return results


def _seconds_key(job: Job) -> str:
    return f"{job.exporter} {json.dumps(job.options, sort_keys=True)}"


def _longest_first(jobs: Sequence[Job]) -> list[int]:
    """Job indexes by how long each took last time, longest first (unknown ones first of all).

    Started in that order, a long job does not begin last and leave one worker idle.
    """
    known = _known_seconds()

    def expected(index: int) -> float:
        value = known.get(_seconds_key(jobs[index]))
        return float(value) if isinstance(value, (int, float)) else float("inf")

    return sorted(range(len(jobs)), key=expected, reverse=True)


def _known_seconds() -> dict[str, object]:
    seconds = read_json(SECONDS_CACHE)
    return seconds if isinstance(seconds, dict) else {}


def remember_seconds(results: Sequence[Built]) -> None:
    """Keep how long each built job took, for the next release's order."""
    known = _known_seconds()
    for built in results:
        if not built.reused:
            known[_seconds_key(built.job)] = round(built.seconds, 3)
    write_json(SECONDS_CACHE, known)


def _die_with_parent() -> None:
    """In a worker: if the release process is killed, end too (Linux), not write on."""
    if sys.platform == "linux":
        import ctypes
        import signal

        PR_SET_PDEATHSIG = 1
        ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGKILL)


def _stop_workers(pool: ProcessPoolExecutor) -> None:
    terminate = getattr(pool, "terminate_workers", None)  # Python 3.14+
    if terminate is not None:
        terminate()
        return
    # Before 3.14 only the private process table reaches the workers; take it first,
    # as shutdown() forgets it.
    for process in list((getattr(pool, "_processes", None) or {}).values()):
        process.terminate()
    pool.shutdown(wait=False, cancel_futures=True)


def _collect(built: Built, folder: Path, staging: Path, report: Report) -> Built:
    for name in built.files:
        target = staging / name
        if target.exists():
            raise QexportError(f"two exporters wrote {name}; give their files distinct names")
        target.parent.mkdir(parents=True, exist_ok=True)
        os.replace(folder / name, target)
    report(built, staging)
    return built


def publish(staging: Path, out_dir: Path) -> None:
    """Swap the finished release in: two renames, recovered by `recover` if cut short."""
    shutil.rmtree(staging / ".jobs", ignore_errors=True)
    backup = _backup(out_dir)
    if out_dir.exists():
        os.rename(out_dir, backup)
    os.rename(staging, out_dir)
    shutil.rmtree(backup, ignore_errors=True)


def new_staging(out_dir: Path) -> Path:
    staging = Path(tempfile.mkdtemp(prefix=STAGING_PREFIX, dir=out_dir.parent))
    staging.chmod(0o755)  # mkdtemp makes it private; a release is there to be shared
    return staging


def differences(built: Path, out_dir: Path) -> list[str]:
    """What differs between a fresh build and `out_dir`, file by file."""
    fresh = {p.relative_to(built).as_posix() for p in built.rglob("*") if p.is_file()}
    fresh.discard(".jobs")
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
        if (built / name).read_bytes() != (out_dir / name).read_bytes()
    ]
    return found


def describe_manifest(question_set: QuestionSet, results: Sequence[Built], staging: Path) -> None:
    """Write manifest.json and SHA256SUMS for the release in `staging`."""
    from qexport import __version__

    content = manifest.content_hash(question_set.content_dir)
    entries = []
    for built in results:
        # The content hash now includes what exporters recorded (the lock file).
        version = exporter_version(built.job.exporter)
        key = manifest.inputs_key(content, built.job.exporter, version, built.job.options)
        for name in built.files:
            entries.append(manifest.entry(staging, name, built.job, key, version))
    manifest.write(staging, str(__version__), content, question_set, entries)
