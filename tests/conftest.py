from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from qexport.cli import cli
from qexport.codeblocks import CodeBlock, blocks_from_tokens
from qexport.model import Question

ROOT = Path(__file__).resolve().parents[1]
CONTENT = ROOT / "content"
FIXTURES = Path(__file__).resolve().parent / "fixtures"
GOOD = FIXTURES / "good" / "content"
WORST = FIXTURES / "worst" / "content"


@pytest.fixture(autouse=True)
def own_cache(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> None:
    """Tests never read or write the user's cache (subprocesses inherit this too)."""
    monkeypatch.setenv("QEXPORT_CACHE_DIR", str(tmp_path_factory.mktemp("cache")))


@dataclass(frozen=True)
class Run:
    exit_code: int
    stdout: str
    stderr: str


def clean_failure(result: Run, *expected: str) -> None:
    """`result` failed as qexport's errors do: exit 1, no traceback, saying `expected`."""
    assert result.exit_code == 1, result.stderr
    assert "Traceback" not in result.stderr
    assert "internal error" not in result.stderr
    for text in expected:
        assert text in result.stderr


def start_qexport(*args: str, env: Mapping[str, str]) -> subprocess.Popen[str]:
    """qexport in a process of its own, `env` added to this one's environment."""
    return subprocess.Popen(
        [sys.executable, "-m", "qexport", *args],
        env={**os.environ, **env},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def export_pdf(content: Path, out: Path, *args: str) -> Path:
    """`qexport pdf` of `content` into `out`, in-process; the one PDF it wrote."""
    result = CliRunner().invoke(cli, ["--content", str(content), "pdf", "--out", str(out), *args])
    assert result.exit_code == 0, result.output
    (pdf,) = out.glob("*.pdf")
    return pdf


PDF_DEFAULTS = {"--layout": "booklet", "--paper": "a4", "--theme": "default", "--sides": "two"}


@pytest.fixture(scope="session")
def built_pdf(tmp_path_factory: pytest.TempPathFactory) -> Callable[..., Path]:
    """`export_pdf`, built once per test run for each bank and set of options: read only."""
    cache: dict[tuple[Path, tuple[tuple[str, str], ...]], Path] = {}

    def get(content: Path, *args: str) -> Path:
        options = {**PDF_DEFAULTS, **dict(zip(args[::2], args[1::2], strict=True))}
        key = (content, tuple(sorted(options.items())))
        if key not in cache:
            cache[key] = export_pdf(content, tmp_path_factory.mktemp("pdf"), *args)
        return cache[key]

    return get


@pytest.fixture
def run() -> Callable[..., Run]:
    """Run the qexport CLI in-process; returns exit code, stdout and stderr."""

    def invoke(*args: str, content: Path | None = None) -> Run:
        argv: Sequence[str] = [*(["--content", str(content)] if content else []), *args]
        result = CliRunner().invoke(cli, argv, catch_exceptions=False)
        return Run(result.exit_code, result.stdout, result.stderr)

    return invoke


@pytest.fixture
def release_run(
    run: Callable[..., Run], bank: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Callable[..., Run]:
    """`qexport all` of `bank` into tmp_path/dist (or `out`): one job at a time, a fixed time."""
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700000000")

    def go(*args: str, out: Path | None = None) -> Run:
        target = str(out or tmp_path / "dist")
        return run("all", "--out", target, "--jobs", "1", *args, content=bank)

    return go


@pytest.fixture
def export(
    run: Callable[..., Run], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Callable[..., Path]:
    """`qexport COMMAND` of `content` into a fresh folder, at a fixed time; the one file
    it wrote."""
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700000000")
    counter = iter(range(1000))

    def go(content: Path, command: str, *args: str) -> Path:
        out = tmp_path / f"export-{next(counter)}"
        result = run(command, "--out", str(out), *args, content=content)
        assert result.exit_code == 0, result.stderr
        (path,) = out.iterdir()
        return path

    return go


@pytest.fixture
def bank(tmp_path: Path) -> Path:
    """A writable copy of the small good fixture bank."""
    target = tmp_path / "content"
    shutil.copytree(GOOD, target)
    return target


@pytest.fixture
def content(tmp_path: Path) -> Path:
    """A copy of the bundled bank without its lock file, as a bank never released."""
    from qexport.changes import LOCK_FILE

    target = tmp_path / "content"
    shutil.copytree(CONTENT, target)
    (target / LOCK_FILE).unlink()
    return target


@pytest.fixture(scope="session")
def keyless_bank(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The bundled bank with its key answers taken out: long answers, as before them."""
    content = tmp_path_factory.mktemp("keyless") / "content"
    shutil.copytree(CONTENT, content)
    for level in content.glob("*.md"):
        text = re.sub(r"\{\.key\}\n(?:.+\n)+\n", "", level.read_text(encoding="utf-8"))
        level.write_text(text, encoding="utf-8")
    metadata = content / "set.toml"
    metadata.write_text(
        metadata.read_text(encoding="utf-8").replace('key_answers = "required"', ""),
        encoding="utf-8",
    )
    return content


@pytest.fixture
def built_jobs(monkeypatch: pytest.MonkeyPatch) -> Callable[[], list[str]]:
    """Start recording the exporters `qexport all` really runs (reused ones are not run)."""
    from qexport import release

    def start() -> list[str]:
        built: list[str] = []
        real_run_job = release.run_job

        def record(question_set: Any, job: Any, *args: Any) -> Any:
            built.append(job.exporter)
            return real_run_job(question_set, job, *args)

        monkeypatch.setattr(release, "run_job", record)
        return built

    return start


@pytest.fixture
def collection(tmp_path: Path) -> Iterator[Any]:
    """A fresh, empty Anki collection (the real engine, headless)."""
    from anki.collection import Collection

    (tmp_path / "anki").mkdir()
    col = Collection(str(tmp_path / "anki" / "collection.anki2"))
    yield col
    col.close()


def answer_code_blocks(question: Question) -> list[CodeBlock]:
    """The fenced code blocks of `question`'s answer, located in its file, as the loader
    finds them (lines are exact unless the author left runs of blank lines above one)."""
    from qexport.loader import parser

    lines = question.answer.split("\n")
    tokens = parser().parse(question.answer)
    return blocks_from_tokens(tokens, lines, question.path, question.answer_line, [], [])
