"""`qexport all`: a complete release or none, reused when unchanged, and plugins in it."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from qexport import release
from qexport.cache import cache_dir
from qexport.manifest import MANIFEST, SUMS

from conftest import GOOD, Run, clean_failure, start_qexport

ARTIFACTS = [
    "tiny-test-set-anki.csv",
    "tiny-test-set-booklet-a4.pdf",
    "tiny-test-set-cards-a4.pdf",
    "tiny-test-set-cheatsheet-a4.pdf",
    "tiny-test-set-plain.csv",
    "tiny-test-set.apkg",
]
PLUGIN_SOURCE = Path(__file__).parent / "plugins" / "qexport-wordcount"


def _snapshot(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir())}


def test_all_writes_every_artifact_a_manifest_and_sums(
    release_run: Callable[..., Run], tmp_path: Path
) -> None:
    result = release_run()
    assert result.exit_code == 0, result.stderr
    assert result.stdout == ""
    # Off a terminal: no progress, only what the user must act on (the new lock file).
    assert all("qexport.lock.json: " in line for line in result.stderr.splitlines())
    assert "commit it with the content" in result.stderr
    dist = tmp_path / "dist"
    assert sorted(p.name for p in dist.iterdir()) == sorted([*ARTIFACTS, MANIFEST, SUMS])
    subprocess.run(["sha256sum", "--check", "--quiet", SUMS], cwd=dist, check=True)
    data = json.loads((dist / MANIFEST).read_text(encoding="utf-8"))
    assert data["questions"] == {"total": 3, "by_level": {"basic": 2, "advanced": 1}}
    assert len(data["content_hash"]) == 64
    by_path = {a["path"]: a for a in data["artifacts"]}
    assert sorted(by_path) == ARTIFACTS
    booklet = by_path["tiny-test-set-booklet-a4.pdf"]
    assert booklet["exporter"] == "pdf"
    assert booklet["options"] == {
        "layout": "booklet",
        "paper": "a4",
        "sides": "two",
        "theme": "default",
    }
    assert booklet["size"] == (dist / booklet["path"]).stat().st_size
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.startswith(".qexport")) == []


def test_second_run_reuses_everything_and_changes_no_byte(
    release_run: Callable[..., Run], tmp_path: Path, built_jobs: Callable[[], list[str]]
) -> None:
    assert release_run().exit_code == 0
    before = _snapshot(tmp_path / "dist")
    calls = built_jobs()
    assert release_run().exit_code == 0
    assert calls == []
    assert _snapshot(tmp_path / "dist") == before


def test_content_change_rebuilds_and_check_catches_a_stale_release(
    release_run: Callable[..., Run], bank: Path, tmp_path: Path
) -> None:
    assert release_run().exit_code == 0
    assert release_run("--check").exit_code == 0
    with (bank / "basic.md").open("a", encoding="utf-8") as f:
        f.write("\nMore detail.\n")
    stale = release_run("--check")
    assert stale.exit_code == 1
    assert "qexport.lock.json does not match the content; run qexport all" in stale.stderr
    assert release_run().exit_code == 0
    assert release_run("--check").exit_code == 0
    (bank / "basic.md").write_text(
        (bank / "basic.md").read_text(encoding="utf-8").replace("insertion", "INSERTION"),
        encoding="utf-8",
    )
    release_run("--only", "csv")  # the deck and its lock file are not updated
    stale = release_run("--check", "--skip", "anki")
    assert stale.exit_code == 1
    assert "  differs: tiny-test-set-booklet-a4.pdf" in stale.stderr


def test_check_lists_a_tampered_file(release_run: Callable[..., Run], tmp_path: Path) -> None:
    assert release_run().exit_code == 0
    (tmp_path / "dist" / "tiny-test-set-plain.csv").write_text("tampered", encoding="utf-8")
    (tmp_path / "dist" / "extra.txt").write_text("?", encoding="utf-8")
    result = release_run("--check")
    assert result.exit_code == 1
    assert "  differs: tiny-test-set-plain.csv" in result.stderr
    assert "  not in a fresh build: extra.txt" in result.stderr


def test_only_and_skip_keep_the_other_artifacts(
    release_run: Callable[..., Run], tmp_path: Path
) -> None:
    assert release_run().exit_code == 0
    before = _snapshot(tmp_path / "dist")
    assert release_run("--only", "csv").exit_code == 0
    assert release_run("--skip", "pdf", "--skip", "anki").exit_code == 0
    assert _snapshot(tmp_path / "dist") == before
    assert release_run("--only", "nope").exit_code == 1


def test_failing_exporter_leaves_the_previous_release(
    release_run: Callable[..., Run], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert release_run().exit_code == 0
    before = _snapshot(tmp_path / "dist")

    def broken(*_: object) -> None:
        raise RuntimeError("the printer is on fire")

    monkeypatch.setattr("qexport.exporters.pdf.PdfExporter.export", broken)
    with (tmp_path / "content" / "basic.md").open("a", encoding="utf-8") as f:
        f.write("\nA change, so that nothing can be reused.\n")
    result = release_run()
    assert result.exit_code == 3
    assert "RuntimeError: the printer is on fire" in result.stderr
    assert _snapshot(tmp_path / "dist") == before
    assert sorted(p.name for p in tmp_path.iterdir()) == [".dist.lock", "content", "dist"]


def test_bad_content_stops_before_anything_is_written(
    release_run: Callable[..., Run], bank: Path, tmp_path: Path
) -> None:
    assert release_run().exit_code == 0
    before = _snapshot(tmp_path / "dist")
    (bank / "basic.md").write_text("# nothing\n", encoding="utf-8")
    result = release_run()
    assert result.exit_code == 1
    assert "no questions" in result.stderr
    assert _snapshot(tmp_path / "dist") == before


def test_a_second_run_on_the_same_out_waits_or_stops(
    release_run: Callable[..., Run], tmp_path: Path
) -> None:
    with release.locked(tmp_path / "dist", wait=False):
        result = release_run()
    assert result.exit_code == 1
    assert f"another qexport all is writing {tmp_path / 'dist'}" in result.stderr


def test_refuses_to_replace_a_folder_that_is_not_a_release(
    release_run: Callable[..., Run], tmp_path: Path
) -> None:
    (tmp_path / "dist").mkdir()
    (tmp_path / "dist" / "thesis.tex").write_text("precious", encoding="utf-8")
    result = release_run()
    assert result.exit_code == 1
    assert "is not a qexport release" in result.stderr
    assert (tmp_path / "dist" / "thesis.tex").read_text(encoding="utf-8") == "precious"


def test_a_swap_cut_short_is_recovered(release_run: Callable[..., Run], tmp_path: Path) -> None:
    assert release_run().exit_code == 0
    before = _snapshot(tmp_path / "dist")
    os.rename(tmp_path / "dist", tmp_path / ".dist.previous")  # killed between the renames
    (tmp_path / f"{release.staging_prefix(tmp_path / 'dist')}dead").mkdir()
    others = release.staging_prefix(tmp_path / "dist-2")  # another --out's run: not ours
    (tmp_path / f"{others}alive").mkdir()
    assert release_run().exit_code == 0
    assert _snapshot(tmp_path / "dist") == before
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(
        [".dist.lock", "content", "dist", f"{others}alive"]
    )


def test_parallel_jobs_give_the_same_release(
    run: Callable[..., Run], bank: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700000000")
    one = run("all", "--out", str(tmp_path / "one"), "--jobs", "1", content=bank)
    two = run("all", "--out", str(tmp_path / "two"), "--jobs", "2", content=bank)
    assert one.exit_code == two.exit_code == 0, two.stderr
    assert _snapshot(tmp_path / "one") == _snapshot(tmp_path / "two")


def test_longest_jobs_start_first(
    run: Callable[..., Run], bank: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    first = run("all", "--out", str(tmp_path / "dist"), "--jobs", "2", content=bank)
    assert first.exit_code == 0, first.stderr
    seconds = json.loads((cache_dir() / release.SECONDS_CACHE).read_text(encoding="utf-8"))
    assert len(seconds) == len(ARTIFACTS)  # every job of the release, timed
    assert all(isinstance(value, float) for value in seconds.values())

    # The order follows the recorded times; a job never timed (a new plugin) goes first.
    names = sorted(seconds)
    rigged = {name: float(i) for i, name in enumerate(names)}
    del rigged[names[2]]
    (cache_dir() / release.SECONDS_CACHE).write_text(json.dumps(rigged), encoding="utf-8")
    started: list[str] = []
    submit = release.ProcessPoolExecutor.submit

    def record(
        pool: object, function: object, question_set: object, job: release.Job, *rest: object
    ) -> object:
        started.append(release._seconds_key(job))
        return submit(pool, function, question_set, job, *rest)  # type: ignore[arg-type]

    monkeypatch.setattr(release.ProcessPoolExecutor, "submit", record)
    shutil.rmtree(tmp_path / "dist")
    second = run("all", "--out", str(tmp_path / "dist"), "--jobs", "2", content=bank)
    assert second.exit_code == 0, second.stderr
    longest_first = [names[2], *reversed([n for n in names if n != names[2]])]
    # The lock file is recorded before any job starts: no job waits for another.
    assert started == longest_first


# Real processes, with a real third-party plugin installed by pip --------------


@pytest.fixture(scope="module")
def plugin_site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The sample plugin package from tests/plugins, installed by pip into its own folder."""
    site = tmp_path_factory.mktemp("site")
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "install",
            "--quiet",
            "--no-deps",
            "--target",
            str(site),
            str(PLUGIN_SOURCE),
        ],
        check=True,
    )
    return site


def _qexport(site: Path, *args: str, delay: str = "0") -> subprocess.Popen[str]:
    return start_qexport(*args, env={"PYTHONPATH": str(site), "QEXPORT_WORDCOUNT_DELAY": delay})


def _finish(process: subprocess.Popen[str]) -> tuple[int, str, str]:
    out, err = process.communicate(timeout=120)
    return process.returncode, out, err


@pytest.fixture
def content(tmp_path: Path) -> Path:
    target = tmp_path / "content"
    shutil.copytree(GOOD, target)
    return target


def test_plugin_is_listed_run_and_released(
    plugin_site: Path, content: Path, tmp_path: Path
) -> None:
    code, out, _ = _finish(_qexport(plugin_site, "exporters"))
    assert code == 0
    assert "wordcount  Words per answer, as JSON.  [qexport-wordcount]" in out
    code, out, err = _finish(
        _qexport(
            plugin_site,
            "--content",
            str(content),
            "export",
            "wordcount",
            "--out",
            str(tmp_path / "single"),
            "--minimum",
            "5",
        )
    )
    assert code == 0, err
    counts = json.loads((tmp_path / "single" / "tiny-test-set-wordcount.json").read_text())
    assert set(counts) == {"list-vs-tuple", "gil"}  # dict-order's answer is too short
    code, _, err = _finish(
        _qexport(plugin_site, "--content", str(content), "all", "--out", str(tmp_path / "dist"))
    )
    assert code == 0, err
    data = json.loads((tmp_path / "dist" / MANIFEST).read_text())
    (entry,) = [a for a in data["artifacts"] if a["exporter"] == "wordcount"]
    assert entry["path"] == "tiny-test-set-wordcount.json"
    assert entry["options"] == {"minimum": 0}


def _wait_for_staging(parent: Path) -> None:
    deadline = time.monotonic() + 60
    while not list(parent.glob(".qexport-staging-*/.jobs")):
        assert time.monotonic() < deadline, "the release never started"
        time.sleep(0.05)
    time.sleep(0.5)  # let the fast exporters finish; the plugin is asleep


@pytest.mark.parametrize("how", ["killed", "interrupted"])
def test_a_killed_or_interrupted_run_leaves_the_previous_release(
    plugin_site: Path, content: Path, tmp_path: Path, how: str
) -> None:
    dist = tmp_path / "dist"
    args = ("--content", str(content), "all", "--out", str(dist))
    assert _finish(_qexport(plugin_site, *args))[0] == 0
    before = _snapshot(dist)
    with (content / "basic.md").open("a", encoding="utf-8") as f:
        f.write("\nA change that the next release would carry.\n")
    process = _qexport(plugin_site, *args, delay="60")
    _wait_for_staging(tmp_path)
    process.send_signal(signal.SIGKILL if how == "killed" else signal.SIGINT)
    code, _, err = _finish(process)
    if how == "killed":
        assert code == -signal.SIGKILL
    else:
        assert code == 1
        assert f"interrupted; {dist} is unchanged" in err
        assert "Traceback" not in err
    assert _snapshot(dist) == before
    # The next run cleans up whatever was left and releases normally.
    assert _finish(_qexport(plugin_site, *args))[0] == 0
    assert _snapshot(dist) != before
    assert not list(tmp_path.glob(".qexport-staging-*"))


# Single exports and the release keep apart -----------------------------------------


def test_a_single_export_then_a_release_both_work(
    run: Callable[..., Run], bank: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    single = run("anki", content=bank)  # by default into build/
    assert single.exit_code == 0, single.stderr
    assert (tmp_path / "build" / "tiny-test-set.apkg").is_file()
    release_result = run("all", content=bank)  # by default into dist/
    assert release_result.exit_code == 0, release_result.stderr
    assert (tmp_path / "dist" / "manifest.json").is_file()
    assert (tmp_path / "build" / "tiny-test-set.apkg").is_file()  # nothing deleted


def test_a_release_then_a_single_export_leave_the_release_whole(
    run: Callable[..., Run], bank: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    assert run("all", content=bank).exit_code == 0
    before = {p.name: p.read_bytes() for p in (tmp_path / "dist").iterdir()}
    letter = run("pdf", "--paper", "letter", content=bank)
    assert letter.exit_code == 0, letter.stderr
    assert (tmp_path / "build" / "tiny-test-set-booklet-letter.pdf").is_file()
    assert {p.name: p.read_bytes() for p in (tmp_path / "dist").iterdir()} == before
    # Into the release itself, it is refused, and the release stays as it was.
    into = run("pdf", "--paper", "letter", "--out", "dist", content=bank)
    clean_failure(into, "holds a release", "build/")
    assert {p.name: p.read_bytes() for p in (tmp_path / "dist").iterdir()} == before
    check = run("all", "--check", content=bank)
    assert check.exit_code == 0, check.stderr


def test_file_names_say_the_theme(run: Callable[..., Run], bank: Path, tmp_path: Path) -> None:
    out = tmp_path / "build"
    for args in (("pdf",), ("pdf", "--theme", "print"), ("anki",), ("anki", "--theme", "print")):
        assert run(*args, "--out", str(out), content=bank).exit_code == 0
    names = sorted(p.name for p in out.iterdir())
    assert names == [
        "tiny-test-set-booklet-a4-print.pdf",
        "tiny-test-set-booklet-a4.pdf",
        "tiny-test-set-print.apkg",
        "tiny-test-set.apkg",
    ]


def test_a_single_export_into_a_folder_inside_a_release_is_refused(
    release_run: Callable[..., Run], run: Callable[..., Run], bank: Path, tmp_path: Path
) -> None:
    assert release_run().exit_code == 0
    dist = tmp_path / "dist"
    before = _snapshot(dist)
    result = run("pdf", "--out", str(dist / "extra"), content=bank)
    assert result.exit_code == 1
    assert f"is inside the release {dist}" in result.stderr
    assert not (dist / "extra").exists()
    assert _snapshot(dist) == before
    assert release_run().exit_code == 0  # the next release is not blocked
    # A folder whose parent holds some other tool's manifest.json is not a release.
    project = tmp_path / "web"
    project.mkdir()
    (project / "manifest.json").write_text('{"name": "a web app"}', encoding="utf-8")
    result = run("csv", "--out", str(project / "build"), content=bank)
    assert result.exit_code == 0, result.stderr
