"""Time whole qexport processes against the floors, and write benchmarks/RESULTS.md.

    python benchmarks/run.py                       # N = 100, 1,000 and 10,000
    python benchmarks/run.py --sizes 100 1000 --runs 3

Each command runs as its own process, several times; the table gives the
median wall time and the highest peak memory (max RSS) over the runs. Banks
come from make_bank.py (same seed, so every run measures the same input);
the bundled bank is measured too, for its own targets.

The peer, ankdown 0.7.1 with --highlight, runs from its own venv, made on the
first run in the cache folder (--peer-venv): it builds a deck of the same
questions (ankdown_bank.py writes them as ankdown cards), its runs
interleaved with qexport's. qexport keeps a render cache in the user's cache
folder: rows say whether they ran with an empty one (a fresh
QEXPORT_CACHE_DIR each run) or a warm one. "After one edited question"
rebuilds a release after edit_bank.py added a new word to one answer;
`qexport serve` is timed from a saved edit to the page's update event
(serve.py), on the bundled bank and on 1,000 questions. `qexport import` reads
back the bank's own deck and plain CSV into a new folder.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import NamedTuple

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
PYTHON = sys.executable
QEXPORT = [PYTHON, "-m", "qexport"]
ANKDOWN = "ankdown==0.7.1"
CACHE_ENV = "QEXPORT_CACHE_DIR"


# The helpers beside this file run as scripts, not imported: a child process reports at
# least the peak memory of the process it was started from (Linux carries it over to the
# new program), so this one stays as small as it can.
def helper(name: str, *args: str | Path) -> list[str]:
    return [PYTHON, str(HERE / name), *map(str, args)]


@dataclass(frozen=True)
class Measure:
    label: str
    size: str
    seconds: float
    peak_mb: float
    floor: str = ""
    ratio: float | None = None


class Job(NamedTuple):
    """A command to time; the command `before` runs untimed before each run."""

    command: list[str]
    before: list[str] | None = None
    cache: Path | None = None  # the QEXPORT_CACHE_DIR to run with; None: the user's


def timed(
    command: list[str],
    runs: int,
    before: list[str] | None = None,
    cache: Path | None = None,
) -> tuple[float, float]:
    """Median seconds and peak MB of `command` over `runs` runs."""
    return timed_together([Job(command, before, cache)], runs)[0]


def timed_together(jobs: list[Job], runs: int) -> list[tuple[float, float]]:
    """Median seconds and peak MB of each job, its runs interleaved with the others'.

    Interleaving spreads the machine's slow moments over every job alike, so
    that their ratios hold even when the seconds move.
    """
    times: list[list[float]] = [[] for _ in jobs]
    peaks: list[list[float]] = [[] for _ in jobs]
    for _ in range(runs):
        for job, job_times, job_peaks in zip(jobs, times, peaks, strict=True):
            seconds, peak = run_once(job)
            job_times.append(seconds)
            job_peaks.append(peak)
    return [(statistics.median(t), max(p)) for t, p in zip(times, peaks, strict=True)]


def run_once(job: Job) -> tuple[float, float]:
    """Seconds and peak MB of one run of `job`."""
    if job.before:
        subprocess.run(job.before, check=True, capture_output=True)
    env = {**os.environ, CACHE_ENV: str(job.cache)} if job.cache else None
    started = time.perf_counter()
    process = subprocess.Popen(
        job.command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=env
    )
    _, status, usage = os.wait4(process.pid, 0)
    seconds = time.perf_counter() - started
    if os.waitstatus_to_exitcode(status) != 0:
        error = process.stderr.read().decode() if process.stderr else ""
        raise SystemExit(f"failed: {' '.join(job.command)}\n{error}")
    return seconds, usage.ru_maxrss / 1024  # KiB on Linux


def machine() -> str:
    cpu = platform.processor() or platform.machine()
    cpuinfo = Path("/proc/cpuinfo")
    if cpuinfo.exists():
        for line in cpuinfo.read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    return (
        f"{platform.system()} {platform.release()}, {cpu}, {os.cpu_count()} CPUs, "
        f"Python {platform.python_version()}"
    )


def peer_venv(folder: Path) -> Path:
    """The ankdown script of ankdown 0.7.1's venv in `folder`, made there when missing."""
    script = folder / "bin" / "ankdown"
    if not script.exists():
        shutil.rmtree(folder, ignore_errors=True)  # a venv left half made
        print(f"making the peer's venv: {folder}", file=sys.stderr)
        subprocess.run([PYTHON, "-m", "venv", str(folder)], check=True)
        subprocess.run([str(folder / "bin" / "pip"), "install", "--quiet", ANKDOWN], check=True)
    return script


def default_peer_venv() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "qexport-benchmarks" / ANKDOWN.replace("==", "-")


def bench_peers(n: int, bank: Path, work: Path, runs: int, ankdown: Path) -> list[Measure]:
    """`qexport anki` against ankdown --highlight on the same questions, runs interleaved."""
    cards = work / f"ankdown-{n}"
    subprocess.run(helper("ankdown_bank.py", bank, cards), check=True, capture_output=True)
    out, empty, warm = (work / f"{name}-{n}" for name in ("peer-out", "empty-cache", "warm-cache"))
    anki = [*QEXPORT, "--content", str(bank), "anki", "--out", str(out)]
    run_once(Job(anki, cache=warm))  # untimed: fills the warm cache
    peer = [str(ankdown), "-r", str(cards), "-p", str(work / f"ankdown-{n}.apkg"), "--highlight"]
    (peer_s, peer_mb), (cold_s, cold_mb), (warm_s, warm_mb) = timed_together(
        [Job(peer), Job(anki, ["rm", "-rf", str(empty)], empty), Job(anki, cache=warm)], runs
    )
    size, peer_label = f"{n:,}", "ankdown --highlight"
    return [
        Measure("ankdown 0.7.1 --highlight", size, peer_s, peer_mb),
        Measure("qexport anki, empty cache", size, cold_s, cold_mb, peer_label, cold_s / peer_s),
        Measure("qexport anki, warm cache", size, warm_s, warm_mb, peer_label, warm_s / peer_s),
    ]


def bench_release(
    bank: Path, release: Path, work: Path, size: str, runs: int, slowest: float | None
) -> list[Measure]:
    """`qexport all` cold (the user's cache; an empty one), unchanged, after one edit."""
    command = [*QEXPORT, "--content", str(bank), "all", "--out", str(release)]
    empty = work / f"empty-cache-{release.name}"
    against = "slowest exporter" if slowest else ""
    results = []
    for label, cache in (("qexport all (cold)", None), ("qexport all (cold, empty cache)", empty)):
        seconds, peak = timed(command, runs, ["rm", "-rf", str(release), str(empty)], cache)
        results.append(
            Measure(label, size, seconds, peak, against, seconds / slowest if slowest else None)
        )
    cold_s = results[-1].seconds
    seconds, peak = timed(command, runs)
    results.append(Measure("qexport all (unchanged)", size, seconds, peak))
    seconds, peak = timed(command, runs, before=helper("edit_bank.py", bank))
    results.append(
        Measure(
            "qexport all after one edited question",
            size,
            seconds,
            peak,
            "all, cold, empty cache",
            seconds / cold_s,
        )
    )
    return results


def bench_size(n: int, bank: Path, work: Path, runs: int, ankdown: Path) -> list[Measure]:
    out = work / f"out-{n}"
    floors = work / f"floors-{n}"
    subprocess.run(
        [PYTHON, str(HERE / "floors.py"), "prepare", str(bank), str(floors)], check=True
    )
    floor_out = work / f"floor-out-{n}"
    floor_out.mkdir()
    genanki_s, genanki_mb = timed(
        [PYTHON, str(HERE / "floors.py"), "genanki", str(floors), str(floor_out)], runs
    )
    reportlab_s, reportlab_mb = timed(
        [PYTHON, str(HERE / "floors.py"), "reportlab", str(floors), str(floor_out)], runs
    )
    rich_s, rich_mb = timed(
        [PYTHON, str(HERE / "floors.py"), "reportlab-rich", str(floors), str(floor_out)], runs
    )
    size = f"{n:,}"
    results = [
        Measure("floor: bare genanki", size, genanki_s, genanki_mb),
        Measure("floor: bare reportlab", size, reportlab_s, reportlab_mb),
        Measure("reportlab with qexport's paragraph markup (not a floor)", size, rich_s, rich_mb),
    ]
    base = [*QEXPORT, "--content", str(bank)]
    commands = {
        "qexport validate": ([*base, "validate"], "", 0.0),
        "qexport anki": ([*base, "anki", "--out", str(out)], "genanki", genanki_s),
        "qexport pdf booklet": ([*base, "pdf", "--out", str(out)], "reportlab", reportlab_s),
        "qexport pdf cheatsheet": (
            [*base, "pdf", "--layout", "cheatsheet", "--out", str(out)],
            "reportlab",
            reportlab_s,
        ),
        "qexport pdf cards": (
            [*base, "pdf", "--layout", "cards", "--out", str(out)],
            "reportlab",
            reportlab_s,
        ),
        "qexport csv anki": ([*base, "csv", "--out", str(out)], "", 0.0),
        "qexport csv plain": ([*base, "csv", "--dialect", "plain", "--out", str(out)], "", 0.0),
    }
    for label, (command, floor, floor_s) in commands.items():
        seconds, peak = timed(command, runs)
        ratio = seconds / floor_s if floor_s else None
        results.append(Measure(label, size, seconds, peak, floor, ratio))
        if label == "qexport pdf booklet":
            results.append(
                Measure(
                    f"{label} (again)", size, seconds, peak, "reportlab, markup", seconds / rich_s
                )
            )
    slowest = max(
        m.seconds for m in results if m.label.startswith("qexport ") and "validate" not in m.label
    )
    results += bench_import(size, out, work / f"imported-{n}", runs)
    results += bench_peers(n, bank, work, runs, ankdown)
    # Last: it edits the bank.
    return results + bench_release(bank, work / f"release-{n}", work, size, runs, slowest)


def bench_import(size: str, out: Path, target: Path, runs: int) -> list[Measure]:
    """`qexport import` of the bank's own deck and plain CSV (built above) into a new folder:
    HTML back into Markdown, and the folder loaded back before it takes its name."""
    results = []
    for label, pattern in (("deck (.apkg)", "*.apkg"), ("plain CSV", "*-plain.csv")):
        (source,) = out.glob(pattern)
        command = [*QEXPORT, "import", str(source), "--content", str(target), "--quiet"]
        seconds, peak = timed(command, runs, before=["rm", "-rf", str(target)])
        results.append(Measure(f"qexport import, its {label}", size, seconds, peak))
    return results


def make_bank(n: int, out: Path) -> Path:
    """make_bank.py's bank of `n` questions (seed 1: the same every run) in `out`."""
    command = [PYTHON, str(HERE / "make_bank.py"), "--questions", str(n), "--seed", "1"]
    subprocess.run([*command, "--out", str(out)], check=True)
    return out


def bench_start_up(work: Path, runs: int) -> list[Measure]:
    """`qexport --help` against `import click`, with and without the entry-point cache."""
    runs = max(runs, 5)
    click_s, click_mb = timed([PYTHON, "-c", "import click"], runs)
    results = [Measure("python -c 'import click'", "-", click_s, click_mb)]
    seconds, peak = timed([*QEXPORT, "--help"], runs)
    results.append(
        Measure("qexport --help", "-", seconds, peak, "import click", seconds / click_s)
    )
    # The same with no usable cache folder: what the entry-point cache saves.
    (work / "no").write_text("a file, so no cache folder can be made below it")
    seconds, peak = timed([*QEXPORT, "--help"], runs, cache=work / "no" / "cache")
    label = "qexport --help, no entry-point cache"
    results.append(Measure(label, "-", seconds, peak, "import click", seconds / click_s))
    return results


def bench_serve(bank: Path, size: str, edits: int, target: float) -> Measure:
    """`qexport serve`'s median time from a saved edit to the page's update event."""
    command = helper("serve.py", bank, "--edits", str(edits), "--json")
    served = json.loads(subprocess.run(command, check=True, capture_output=True).stdout)
    label = f"qexport serve: saved edit to update event (median of {edits})"
    median = statistics.median(served["seconds"])
    return Measure(
        label, size, median, served["peak_mb"], f"target {target:.2f} s", median / target
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[100, 1000, 10000])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--edits", type=int, default=10, help="edits timed in qexport serve")
    parser.add_argument("--output", type=Path, default=HERE / "RESULTS.md")
    parser.add_argument(
        "--peer-venv",
        type=Path,
        default=default_peer_venv(),
        help="where ankdown 0.7.1's venv is, or is made (default: %(default)s)",
    )
    args = parser.parse_args()
    ankdown = peer_venv(args.peer_venv)
    # Time Python as an installed package runs: with its bytecode cached, not compiled each run.
    os.environ.pop("PYTHONDONTWRITEBYTECODE", None)
    results: list[Measure] = []
    with tempfile.TemporaryDirectory(prefix="qexport-bench-") as scratch:
        work = Path(scratch)
        # The bundled bank, for its own targets.
        bundled = work / "bundled"
        shutil.copytree(ROOT / "content", bundled)
        release = work / "bundled-release"
        results += bench_release(bundled, release, work, "bundled 100", args.runs, None)
        shutil.copytree(ROOT / "content", work / "bundled-serve")
        results.append(bench_serve(work / "bundled-serve", "bundled 100", args.edits, 0.3))
        results.append(bench_serve(make_bank(1000, work / "serve-1000"), "1,000", args.edits, 1.0))
        results += bench_start_up(work, args.runs)
        for n in args.sizes:
            results += bench_size(n, make_bank(n, work / f"bank-{n}"), work, args.runs, ankdown)
            print(f"done: N={n}", file=sys.stderr)
    write(results, args.output, args.runs)


def write(results: list[Measure], path: Path, runs: int) -> None:
    lines = [
        "# Benchmarks",
        "",
        f"Machine: {machine()}.",
        f"Measured {datetime.now(timezone.utc):%Y-%m-%d} with `python benchmarks/run.py` "
        f"(median of {runs} runs; peak = the highest max RSS over the runs). qexport runs "
        'with the user\'s cache folder unless a row says "empty cache" (a fresh one '
        'each run) or "warm cache" (one filled by an untimed run first).',
        "",
        "| command | questions | median s | peak MB | against | ratio |",
        "|---|---:|---:|---:|---|---:|",
    ]
    for m in results:
        ratio = f"{m.ratio:.2f}\u00d7" if m.ratio is not None else ""  # a multiplication sign
        lines.append(
            f"| {m.label} | {m.size} | {m.seconds:.2f} | {m.peak_mb:.0f} | {m.floor} | {ratio} |"
        )
    body = "\n".join(lines) + "\n"
    marker = "\n## Analysis\n"
    if path.exists() and marker in path.read_text(encoding="utf-8"):
        body += marker + path.read_text(encoding="utf-8").split(marker, 1)[1]
    path.write_text(body, encoding="utf-8")
    print(body)


if __name__ == "__main__":
    main()
