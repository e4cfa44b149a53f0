"""Time whole qexport processes against the floors, and write benchmarks/RESULTS.md.

    python benchmarks/run.py                       # N = 100, 1,000 and 10,000
    python benchmarks/run.py --sizes 100 1000 --runs 3

Each command runs as its own process, several times; the table gives the
median wall time and the highest peak memory (max RSS) over the runs. Banks
come from make_bank.py (same seed, so every run measures the same input);
the bundled bank is measured too, for its own targets.
"""

from __future__ import annotations

import argparse
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

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
PYTHON = sys.executable
QEXPORT = [PYTHON, "-m", "qexport"]


@dataclass(frozen=True)
class Measure:
    label: str
    size: str
    seconds: float
    peak_mb: float
    floor: str = ""
    ratio: float | None = None


def timed(command: list[str], runs: int, before: list[str] | None = None) -> tuple[float, float]:
    """Median seconds and peak MB of `command` over `runs` runs (`before` runs untimed)."""
    times, peaks = [], []
    for _ in range(runs):
        if before:
            subprocess.run(before, check=True, capture_output=True)
        started = time.perf_counter()
        process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        _, status, usage = os.wait4(process.pid, 0)
        times.append(time.perf_counter() - started)
        if os.waitstatus_to_exitcode(status) != 0:
            error = process.stderr.read().decode() if process.stderr else ""
            raise SystemExit(f"failed: {' '.join(command)}\n{error}")
        peaks.append(usage.ru_maxrss / 1024)  # KiB on Linux
    return statistics.median(times), max(peaks)


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


def bench_size(n: int, bank: Path, work: Path, runs: int) -> list[Measure]:
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
    release = work / f"release-{n}"
    seconds, peak = timed(
        [*base, "all", "--out", str(release)], runs, before=["rm", "-rf", str(release)]
    )
    slowest = max(
        m.seconds for m in results if m.label.startswith("qexport ") and "validate" not in m.label
    )
    results.append(
        Measure("qexport all (cold)", size, seconds, peak, "slowest exporter", seconds / slowest)
    )
    seconds, peak = timed([*base, "all", "--out", str(release)], runs)
    results.append(Measure("qexport all (unchanged)", size, seconds, peak))
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[100, 1000, 10000])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--output", type=Path, default=HERE / "RESULTS.md")
    args = parser.parse_args()
    # Time Python as an installed package runs: with its bytecode cached, not compiled each run.
    os.environ.pop("PYTHONDONTWRITEBYTECODE", None)
    results: list[Measure] = []
    with tempfile.TemporaryDirectory(prefix="qexport-bench-") as scratch:
        work = Path(scratch)
        # The bundled bank, for its own targets.
        bundled = work / "bundled"
        shutil.copytree(ROOT / "content", bundled)
        release = work / "bundled-release"
        base = [*QEXPORT, "--content", str(bundled)]
        seconds, peak = timed(
            [*base, "all", "--out", str(release)], args.runs, before=["rm", "-rf", str(release)]
        )
        results.append(Measure("qexport all (cold)", "bundled 100", seconds, peak))
        seconds, peak = timed([*base, "all", "--out", str(release)], args.runs)
        results.append(Measure("qexport all (unchanged)", "bundled 100", seconds, peak))
        click_s, click_mb = timed([PYTHON, "-c", "import click"], max(args.runs, 5))
        results.append(Measure("python -c 'import click'", "-", click_s, click_mb))
        seconds, peak = timed([*QEXPORT, "--help"], max(args.runs, 5))
        results.append(
            Measure("qexport --help", "-", seconds, peak, "import click", seconds / click_s)
        )
        # The same with no usable cache folder: what the entry-point cache saves.
        uncached = ["env", f"QEXPORT_CACHE_DIR={work / 'no' / 'cache'}", *QEXPORT, "--help"]
        (work / "no").write_text("a file, so no cache folder can be made below it")
        seconds, peak = timed(uncached, max(args.runs, 5))
        results.append(
            Measure(
                "qexport --help, no entry-point cache",
                "-",
                seconds,
                peak,
                "import click",
                seconds / click_s,
            )
        )
        for n in args.sizes:
            bank = work / f"bank-{n}"
            subprocess.run(
                [
                    PYTHON,
                    str(HERE / "make_bank.py"),
                    "--questions",
                    str(n),
                    "--seed",
                    "1",
                    "--out",
                    str(bank),
                ],
                check=True,
            )
            results += bench_size(n, bank, work, args.runs)
            print(f"done: N={n}", file=sys.stderr)
    write(results, args.output, args.runs)


def write(results: list[Measure], path: Path, runs: int) -> None:
    lines = [
        "# Benchmarks",
        "",
        f"Machine: {machine()}.",
        f"Measured {datetime.now(timezone.utc):%Y-%m-%d} with `python benchmarks/run.py` "
        f"(median of {runs} runs; peak = the highest max RSS over the runs).",
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
