"""`qexport all`: every registered exporter into one release, complete or absent.

A release is built in a staging folder beside `--out`, with a manifest and
SHA256SUMS, and replaces the previous release only when every exporter has
succeeded. A crash, an exporter's exception, Ctrl-C or a killed process
leaves `--out` exactly as it was. One run at a time holds the lock on it.
An artifact whose inputs (content, exporter, options, theme, versions) are
unchanged since the last release is copied from it instead of rebuilt, and
only if its bytes are exactly what a real build for those inputs produced.
Nothing qexport did not write is ever deleted: see `replaceable`.
"""

from __future__ import annotations

import json
import os
import shutil
import sys
import time
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from qexport import manifest
from qexport.cache import locked_entry, read_json, read_map, update_map, write_json
from qexport.errors import QexportError
from qexport.model import QuestionSet
from qexport.output import locked, observing, resolve_out
from qexport.registry import exporter_names, exporter_version, load_exporter
from qexport.release_config import Run, overridden_exporter
from qexport.release_folder import (
    STAGING_PREFIX,
    beside_releases,
    interrupted,
    new_staging,
    own_staging,
    recover,
    replaceable,
    staging_prefix,
    swap_in,
    verify_again,
)
from qexport.release_option_sets import usage

__all__ = [  # the folder's and output's, re-exported for the release's callers
    "STAGING_PREFIX",
    "beside_releases",
    "interrupted",
    "locked",
    "new_staging",
    "observing",
    "own_staging",
    "recover",
    "replaceable",
    "resolve_out",
    "staging_prefix",
    "swap_in",
    "verify_again",
]
SECONDS_CACHE = "job-seconds.json"  # how long each job took last time, to start the longest first
BUILDS_CACHE = "builds.json"  # the sha256 of what real builds produced, by inputs key
BUILDS_LIMIT = 500  # keys remembered; the oldest are forgotten first
WORKER_EXIT_SECONDS = 2  # a terminated worker still there then is killed


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
    # A carried-over artifact's manifest entry, kept as released (--only/--skip).
    recorded: Mapping[str, Any] | None = None


OnBuilt = Callable[[Built, Path], None]


def pick(
    runs: Sequence[Run], only: Sequence[str], skip: Sequence[str], overrides: Sequence[str] = ()
) -> list[Run]:
    """The runs of the exporters --only names (all if none), less those --skip names.

    Both pick among the release's exporters (those of `runs`); an override
    (`--set pdf.paper=letter`) of an exporter they leave out is a usage error.
    """
    installed = exporter_names()
    released = list(dict.fromkeys(name for name, _ in runs))
    for name in [*only, *skip]:
        if name not in installed:
            raise QexportError(f"no exporter named '{name}' (installed: {', '.join(installed)})")
        if name not in released:
            raise QexportError(
                f"'{name}' is not in this release (it builds {', '.join(released)}): "
                "see [release] in set.toml"
            )
    picked = [run for run in runs if (not only or run[0] in only) and run[0] not in skip]
    if not picked:
        raise QexportError("--only and --skip leave no exporter to run")
    built = {name for name, _ in picked}
    for override in overrides:
        name = overridden_exporter(override)
        if name not in built:
            raise usage(override, f"{name} is not built in this run: --only/--skip leave it out")
    return picked


def plan(content: str, runs: Sequence[Run], content_dir: Path) -> list[Job]:
    """One job per run, keyed by `content`, the content's hash as the build will see it
    (and by the themes its runs name, found beside `content_dir` first)."""
    jobs = []
    for name, options in runs:
        clean = manifest.jsonable(options)
        key = manifest.inputs_key(content, name, exporter_version(name), clean, content_dir)
        jobs.append(Job(name, clean, key))
    return jobs


def run_job(question_set: QuestionSet, job: Job, folder: Path) -> Built:
    """Run one exporter into `folder` (in a worker process when running in parallel)."""
    started = time.perf_counter()
    folder.mkdir(parents=True)
    artifacts = load_exporter(job.exporter).export(question_set, job.options, folder)
    files = []
    for artifact in artifacts:
        try:
            files.append(artifact.path.relative_to(folder).as_posix())
        except ValueError:
            raise QexportError(
                f"exporter '{job.exporter}' wrote {artifact.path}, outside its output folder"
            ) from None
    notes = tuple(note for artifact in artifacts for note in artifact.notes)
    seconds = time.perf_counter() - started
    return Built(job, tuple(files), seconds, reused=False, notes=notes)


def build(
    question_set: QuestionSet,
    jobs: Sequence[Job],
    staging: Path,
    previous: manifest.Manifest | None,
    workers: int,
    check: bool,
    on_built: OnBuilt,
) -> list[Built]:
    """Every job's files in `staging`: reused from `previous` where inputs match (never
    with `check`, which rebuilds everything)."""
    results: list[Built] = []
    pending: list[Job] = []
    for job in jobs:
        reused = _reusable(previous, job) if previous and not check else None
        if previous is not None and reused is not None:
            for name in reused:
                (staging / name).parent.mkdir(parents=True, exist_ok=True)
                shutil.copy2(previous.folder / name, staging / name)
            built = Built(job, reused, 0.0, reused=True)
            results.append(built)
            on_built(built, staging)
        else:
            pending.append(job)
    work = staging / ".jobs"
    if workers <= 1 or len(pending) <= 1:
        for i, job in enumerate(pending):
            built = run_job(question_set, job, work / str(i))
            results.append(_collect(built, work / str(i), staging, on_built))
        remember_seconds(results)
        return results
    pool = ProcessPoolExecutor(
        max_workers=min(workers, len(pending)), initializer=_die_with_parent
    )
    try:
        futures: dict[int, Future[Built]] = {}
        for i in _longest_first(pending):
            futures[i] = pool.submit(run_job, question_set, pending[i], work / str(i))
        for i in range(len(pending)):  # collected in plan order, so the progress reads the same
            results.append(_collect(futures[i].result(), work / str(i), staging, on_built))
    except BrokenProcessPool:
        _stop_workers(pool)
        raise QexportError(
            "an exporter's process died (out of memory, or killed) before it finished; "
            "try again with fewer --jobs"
        ) from None
    except BaseException:
        _stop_workers(pool)  # an interrupted release must not wait for busy workers
        raise
    pool.shutdown()
    remember_seconds(results)
    return results


def _reusable(previous: manifest.Manifest, job: Job) -> tuple[str, ...] | None:
    """The previous release's files for `job`, if exactly what a real build produced.

    A manifest can be edited to match a changed file; the record of what builds
    produced, kept in the user's cache, cannot be by the release folder alone.
    """
    files = previous.files_for(job.key)
    recorded = read_map(BUILDS_CACHE).get(job.key)
    if files is None or not isinstance(recorded, dict) or set(recorded) != set(files):
        return None
    if any(previous.sha256(name) != recorded[name] for name in files):
        return None
    return files


def remember_builds(built: Mapping[str, Mapping[str, str]]) -> None:
    """Record the sha256 of each file real builds produced, by inputs key."""
    update_map(BUILDS_CACHE, {key: dict(files) for key, files in built.items()}, BUILDS_LIMIT)


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
    with locked_entry(SECONDS_CACHE):  # runs at once: each keeps the others' times
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
    """Stop the workers, and wait until they are gone.

    A forked worker shares the release lock's open file: while one lives, the
    next run would be told another qexport all is writing --out.
    """
    # Only the private process table reaches the workers; take it first, as shutdown()
    # forgets it (Python 3.14 adds terminate_workers, which does the same).
    processes = list((getattr(pool, "_processes", None) or {}).values())
    for process in processes:
        process.terminate()
    pool.shutdown(wait=False, cancel_futures=True)
    for process in processes:
        process.join(WORKER_EXIT_SECONDS)
        if process.is_alive():
            process.kill()
            process.join(WORKER_EXIT_SECONDS)


def _collect(built: Built, folder: Path, staging: Path, on_built: OnBuilt) -> Built:
    for name in built.files:
        target = staging / name
        if target.exists():
            raise QexportError(f"two exporters wrote {name}; give their files distinct names")
        target.parent.mkdir(parents=True, exist_ok=True)
        os.replace(folder / name, target)
    on_built(built, staging)
    return built


def describe_manifest(
    question_set: QuestionSet, results: Sequence[Built], staging: Path, content: str
) -> None:
    """Write manifest.json and SHA256SUMS for the release in `staging`.

    Every artifact built or reused is keyed by `content`, as planned, so a
    fresh build describes the same release; a carried-over one keeps its
    entry as released. What real builds produced is remembered for later reuse.
    """
    from qexport import __version__

    entries = []
    produced: dict[str, dict[str, str]] = {}
    for built in results:
        if built.recorded is not None:
            entries.append(dict(built.recorded))
            continue
        job = built.job
        version = exporter_version(job.exporter)
        for name in built.files:
            entries.append(
                manifest.entry(
                    staging,
                    name,
                    job.exporter,
                    job.options,
                    job.key,
                    version,
                    question_set.content_dir,
                )
            )
            produced.setdefault(job.key, {})[name] = entries[-1]["sha256"]
    manifest.write(staging, str(__version__), content, question_set, entries)
    remember_builds(produced)
