"""The command-line spine: commands, exit codes, filters, JSON, plugins."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
import textwrap
from collections.abc import Callable
from pathlib import Path

import pytest

import qexport.loader

from conftest import GOOD, Run


def test_validate_prints_a_one_line_summary(run: Callable[..., Run]) -> None:
    result = run("validate", content=GOOD)
    assert result.exit_code == 0
    assert result.stdout == (
        "ok: Tiny Test Set 0.1.0: 3 questions (2 basic, 1 advanced), 2 topics\n"
    )
    assert result.stderr == ""


def test_version(run: Callable[..., Run]) -> None:
    result = run("--version")
    assert result.exit_code == 0
    assert result.stdout.startswith("qexport, version ")


def test_stats_table(run: Callable[..., Run]) -> None:
    result = run("stats", content=GOOD)
    assert result.exit_code == 0
    assert result.stdout.splitlines() == [
        "Topic        Basic  Advanced  Total",
        "-----------  -----  --------  -----",
        "Data types       2         0      2",
        "Concurrency      0         1      1",
        "-----------  -----  --------  -----",
        "Total            2         1      3",
    ]


def test_list_and_filters(run: Callable[..., Run]) -> None:
    assert run("list", content=GOOD).stdout.splitlines() == [
        "1  basic     data-types   list-vs-tuple  "
        "What is the difference between a `list` and a `tuple`?",
        "2  basic     data-types   dict-order     Do dicts keep insertion order?",
        "3  advanced  concurrency  gil            What is the GIL?",
    ]

    def ids(*args: str) -> list[str]:
        lines = run("list", *args, content=GOOD).stdout.splitlines()
        return [line.split()[3] for line in lines]

    assert ids("--level", "advanced") == ["gil"]
    assert ids("--level", "basic,advanced", "--topic", "concurrency") == ["gil"]
    assert ids("--tag", "comparison", "--tag", "pitfall") == ["list-vs-tuple", "gil"]
    assert ids("--tag", "tiny::level::basic") == ["list-vs-tuple", "dict-order"]
    assert ids("--tag", "no-such-tag") == []


def test_unknown_filter_value_is_a_usage_error(run: Callable[..., Run]) -> None:
    result = run("list", "--level", "basci", content=GOOD)
    assert result.exit_code == 2
    assert "unknown level 'basci'; did you mean 'basic'?" in result.stderr
    assert "Traceback" not in result.stderr


def test_unknown_command_is_a_usage_error(run: Callable[..., Run]) -> None:
    assert run("frobnicate").exit_code == 2


def test_list_json_is_the_whole_model(run: Callable[..., Run]) -> None:
    result = run("list", "--json", content=GOOD)
    data = json.loads(result.stdout)
    assert data["set"]["title"] == "Tiny Test Set"
    assert data["set"]["id"] == "0b5f3a52-7a51-4bd4-9d43-2f1c0c1e6a10"
    assert [lv["count"] for lv in data["levels"]] == [2, 1]
    assert [t["id"] for t in data["topics"]] == ["data-types", "concurrency"]
    gil = data["questions"][2]
    assert gil == {
        "id": "gil",
        "number": 3,
        "level": "advanced",
        "topic": "concurrency",
        "tags": [
            "tiny::level::advanced",
            "tiny::topic::concurrency",
            "tiny::tag::pitfall",
            "tiny::tag::recent-python",
        ],
        "extra_tags": ["pitfall", "recent-python"],
        "question": "What is the GIL?",
        "key": "The global interpreter lock: one thread at a time runs Python bytecode.",
        "key_code": "",
        "answer": "A lock that lets one thread run Python bytecode at a time.\n\n"
        "```python norun\nimport threading\nthreading.Thread(target=print).start()\n```",
        "source": {"path": f"{GOOD.as_posix()}/advanced.md", "line": 4},
    }


def test_warnings_go_to_stderr_and_do_not_fail(run: Callable[..., Run], bank: Path) -> None:
    with (bank / "advanced.md").open("a", encoding="utf-8") as f:
        f.write("\n{#gil-2 topic=concurrency}\n## What is the GIL?\n\nAgain.\n")
    result = run("validate", content=bank)
    assert result.exit_code == 0
    assert "warning: question 'gil-2' nearly repeats 'gil'" in result.stderr


def test_a_bug_is_reported_as_a_bug_in_one_line(
    run: Callable[..., Run], monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(_: Path) -> None:
        raise ZeroDivisionError("division by zero")

    monkeypatch.setattr(qexport.loader, "load", broken)
    result = run("validate", content=GOOD)
    assert result.exit_code == 3
    assert (
        result.stderr.splitlines()[0]
        == "qexport: internal error: ZeroDivisionError: division by zero"
    )
    assert "Traceback" not in result.stderr


PLUGIN = """
from pathlib import Path

import click

from qexport.exporter import Artifact


class IdsExporter:
    name = "ids"
    description = "Write the question ids, one per line."
    options = [click.Option(["--upper"], is_flag=True, help="Shout.")]

    def export(self, question_set, options, out_dir):
        ids = [q.id.upper() if options["upper"] else q.id for q in question_set.questions]
        path = Path(out_dir) / "ids.txt"
        path.write_text("\\n".join(ids) + "\\n", encoding="utf-8")
        return [Artifact(path, self.name, dict(options))]


class FailingExporter:
    name = "failing"
    description = "Writes half a file, then fails."
    options = []

    def export(self, question_set, options, out_dir):
        (Path(out_dir) / "ids.txt").write_text("half", encoding="utf-8")
        raise RuntimeError("disk on fire")
"""


@pytest.fixture
def plugin(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An installed third-party plugin package, as pip would lay it out."""
    site = tmp_path / "site"
    site.mkdir()
    (site / "qexport_ids_plugin.py").write_text(PLUGIN, encoding="utf-8")
    info = site / "qexport_ids_plugin-1.0.dist-info"
    info.mkdir()
    (info / "METADATA").write_text(
        "Metadata-Version: 2.1\nName: qexport-ids-plugin\nVersion: 1.0\n", encoding="utf-8"
    )
    (info / "entry_points.txt").write_text(
        textwrap.dedent(
            """\
            [qexport.exporters]
            ids = qexport_ids_plugin:IdsExporter
            failing = qexport_ids_plugin:FailingExporter
            missing = qexport_no_such_module:Exporter
            """
        ),
        encoding="utf-8",
    )
    monkeypatch.syspath_prepend(str(site))
    return site


def test_plugin_exporter_becomes_a_command(
    run: Callable[..., Run], plugin: Path, tmp_path: Path
) -> None:
    help_text = run("--help").stdout
    assert "ids" in help_text
    assert "Write the question ids" in help_text
    out = tmp_path / "dist"
    result = run("ids", "--out", str(out), "--level", "basic", "--upper", content=GOOD)
    assert result.exit_code == 0, result.stderr
    assert result.stdout == f"{out / 'ids.txt'}\n"
    assert (out / "ids.txt").read_text(encoding="utf-8") == "LIST-VS-TUPLE\nDICT-ORDER\n"


def test_failed_export_leaves_previous_output_intact(
    run: Callable[..., Run], plugin: Path, tmp_path: Path
) -> None:
    out = tmp_path / "dist"
    assert run("ids", "--out", str(out), content=GOOD).exit_code == 0
    before = (out / "ids.txt").read_bytes()
    result = run("failing", "--out", str(out), content=GOOD)
    assert result.exit_code == 3
    assert "RuntimeError: disk on fire" in result.stderr
    assert (out / "ids.txt").read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["dist", "site"]


def test_broken_plugin_gives_a_clean_error(
    run: Callable[..., Run], plugin: Path, tmp_path: Path
) -> None:
    failed = (
        "qexport: exporter plugin 'missing' (qexport_no_such_module:Exporter) failed to load: "
        "ModuleNotFoundError"
    )
    result = run("missing", content=GOOD)
    assert result.exit_code == 1
    assert result.stderr.startswith(failed)
    # A release would run it, so validate says so first, as qexport all does.
    for command in (["validate"], ["all", "--out", str(tmp_path / "dist")]):
        result = run(*command, content=GOOD)
        assert result.exit_code == 1, command
        assert result.stderr.startswith(failed), command
    # A release that leaves it out validates and builds.
    bank = tmp_path / "content"
    shutil.copytree(GOOD, bank)
    with (bank / "set.toml").open("a", encoding="utf-8") as toml:
        toml.write('\n[release]\nexporters = ["anki", "csv"]\n')
    assert run("validate", content=bank).exit_code == 0
    result = run("all", "--out", str(tmp_path / "dist"), "--jobs", "1", content=bank)
    assert result.exit_code == 0, result.stderr


def test_help_imports_no_heavy_module() -> None:
    """`qexport --help` is run often; it must not pay for what only exports need."""
    probe = textwrap.dedent(
        """\
        import sys
        from qexport.cli import main
        try:
            main(["--help"])
        except SystemExit:
            pass
        heavy = ["importlib.metadata", "genanki", "reportlab", "pygments", "markdown_it",
                 "sqlite3", "zipfile", "hashlib", "qexport.model", "qexport.loader",
                 "qexport.themes", "qexport.serve", "qexport.render_cache", "watchfiles",
                 "http.server"]
        print(" ".join(name for name in heavy if name in sys.modules), file=sys.stderr)
        """
    )
    for _ in range(2):  # the first run may fill the entry-point cache
        result = subprocess.run(
            [sys.executable, "-c", probe], capture_output=True, text=True, check=True
        )
    assert "Commands:" in result.stdout
    assert result.stderr.strip() == ""


@pytest.mark.parametrize("epoch", ["abc", "-5", "1.5", "99999999999"])
def test_validate_refuses_what_every_build_would(
    epoch: str, run: Callable[..., Run], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("SOURCE_DATE_EPOCH", epoch)
    validated = run("validate", content=GOOD)
    built = run("pdf", "--out", str(tmp_path / "build"), content=GOOD)
    assert validated.exit_code == built.exit_code == 1
    assert validated.stderr.startswith("qexport: SOURCE_DATE_EPOCH")
    # The same words; "(after NOW)" may tick over a second between the two runs.
    assert _without_now(validated.stderr) == _without_now(built.stderr)


def _without_now(message: str) -> str:
    return re.sub(r"\(after \d+\)", "(after NOW)", message)
