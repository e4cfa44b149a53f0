"""`qexport all` deletes nothing it did not write, never reuses a wrong file, and fails cleanly.

Each test is an attack that once lost data, left a stale release or ended in
an internal error: hostile --out folders, cut-short swaps, concurrent runs,
edits and upgrades around a build, damaged manifests, full disks, dying workers.
"""

from __future__ import annotations

import errno
import json
import os
import shutil
import signal
import stat
import subprocess
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from qexport import release
from qexport.cache import cache_dir
from qexport.files import sha256_file
from qexport.manifest import MANIFEST, SUMS

from conftest import FIXTURES, GOOD, Run, clean_failure, start_qexport

SITE = FIXTURES / "release" / "site"  # the plugins `nested` and `selfkill`
CSV = "tiny-test-set-plain.csv"


def _tree(folder: Path) -> dict[str, bytes | None]:
    """Every path under `folder` with its bytes (None for a folder)."""
    return {
        p.relative_to(folder).as_posix(): (None if p.is_dir() else p.read_bytes())
        for p in sorted(folder.rglob("*"))
    }


@pytest.fixture
def released(release_run: Callable[..., Run], tmp_path: Path) -> Path:
    result = release_run()
    assert result.exit_code == 0, result.stderr
    return tmp_path / "dist"


# 1. Only a folder qexport wrote is ever replaced --------------------------------


def test_all_never_deletes_the_project_around_the_content(
    run: Callable[..., Run], tmp_path: Path
) -> None:
    project = tmp_path / "proj"
    shutil.copytree(GOOD, project / "content")
    (project / "app.py").write_text("print('my app')\n", encoding="utf-8")
    (project / MANIFEST).write_text('{"name": "my web app"}\n', encoding="utf-8")
    before = _tree(tmp_path)
    for out in (project, project / "content", project / "content" / "dist"):
        result = run("all", "--out", str(out), content=project / "content")
        clean_failure(result, "the content folder")
    for out in (project / "content", project / "content" / "x", project):
        clean_failure(run("csv", "--out", str(out), content=project / "content"))
    assert _tree(tmp_path) == before  # not even a lock file beside it


@pytest.mark.parametrize(
    "make",
    [
        "web-app",  # a manifest.json of another kind, and the app beside it
        "only-a-foreign-manifest",
        "release-plus-a-file",
        "release-with-a-changed-file",
        "release-with-a-link",
    ],
)
def test_a_folder_that_is_not_exactly_a_release_is_refused(
    release_run: Callable[..., Run], released: Path, tmp_path: Path, make: str
) -> None:
    out = tmp_path / "target"
    if make in ("web-app", "only-a-foreign-manifest"):
        out.mkdir()
        (out / MANIFEST).write_text('{"manifest_version": 3, "name": "ext"}', encoding="utf-8")
        if make == "web-app":
            (out / "background.js").write_text("chrome.runtime;", encoding="utf-8")
    else:
        shutil.copytree(released, out)
        if make == "release-plus-a-file":
            (out / "notes" / "todo.txt").parent.mkdir()
            (out / "notes" / "todo.txt").write_text("mine", encoding="utf-8")
        elif make == "release-with-a-changed-file":
            (out / CSV).write_text("my own edit", encoding="utf-8")
        else:
            (out / "home").symlink_to(Path.home())
    before = _tree(tmp_path)
    result = release_run(out=out)
    clean_failure(result, f"{out} is not a qexport release")
    (tmp_path / ".target.lock").unlink()  # the one file written: the lock, beside it
    assert _tree(tmp_path) == before


def test_odd_out_folders_work_or_fail_cleanly(
    run: Callable[..., Run], release_run: Callable[..., Run], released: Path, tmp_path: Path
) -> None:
    (tmp_path / "file").write_text("not a folder", encoding="utf-8")
    result = release_run(out=tmp_path / "file")  # click refuses it: a usage error
    assert (result.exit_code, "is a file" in result.stderr) == (2, True)
    clean_failure(release_run(out=Path("/")), "the root folder")
    (tmp_path / "loop").symlink_to(tmp_path / "loop")
    clean_failure(release_run(out=tmp_path / "loop"))
    # A link to a release: the release it points at is replaced, the link kept.
    (tmp_path / "link").symlink_to(released)
    before = _tree(released)
    assert release_run(out=tmp_path / "link").exit_code == 0
    assert (tmp_path / "link").is_symlink()
    assert _tree(released) == before


def test_a_single_export_never_writes_into_a_release(
    run: Callable[..., Run], release_run: Callable[..., Run], released: Path, bank: Path
) -> None:
    with (bank / "basic.md").open("a", encoding="utf-8") as f:
        f.write("\nA later edit.\n")
    before = _tree(released)
    for args in (("csv",), ("csv", "--level", "basic")):
        result = run(*args, "--out", str(released), content=bank)
        clean_failure(result, f"{released} holds a release")
    assert _tree(released) == before
    result = release_run()
    assert result.exit_code == 0, result.stderr
    assert release_run("--check").exit_code == 0


# 3. A cut-short swap: check first, delete last -----------------------------------


def test_a_single_export_after_a_cut_swap_restores_the_previous_release(
    run: Callable[..., Run], release_run: Callable[..., Run], released: Path, tmp_path: Path
) -> None:
    before = _tree(released)
    os.rename(released, tmp_path / ".dist.previous")  # killed between the swap's renames
    result = run("anki", "--out", str(released), content=tmp_path / "content")
    assert result.exit_code == 0, result.stderr
    assert _tree(released) == before  # the previous release is back, the deck rewritten alike
    assert not (tmp_path / ".dist.previous").exists()
    assert release_run().exit_code == 0
    assert _tree(released) == before


def test_the_saved_release_is_kept_unless_out_is_a_complete_release(
    release_run: Callable[..., Run], released: Path, tmp_path: Path
) -> None:
    os.rename(released, tmp_path / ".dist.previous")
    released.mkdir()  # what an older single export left: one file, no release
    (released / "tiny-test-set.apkg").write_bytes(b"a deck")
    before = _tree(tmp_path)
    result = release_run()
    clean_failure(result, "the previous release is saved in")
    assert _tree(tmp_path) == before


def test_a_saved_release_is_tidied_once_the_new_one_is_complete(
    release_run: Callable[..., Run], released: Path, tmp_path: Path
) -> None:
    shutil.copytree(released, tmp_path / ".dist.previous")  # killed before deleting it
    before = _tree(released)
    assert release_run().exit_code == 0
    assert _tree(released) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == [".dist.lock", "content", "dist"]


# 4. Runs on other folders, and --check, touch nothing of others ------------------


def _qexport(*args: str, delay: str = "0", **env: str) -> subprocess.Popen[str]:
    site = os.pathsep.join(filter(None, [str(SITE), os.environ.get("PYTHONPATH")]))
    fixed = {"PYTHONPATH": site, "QEXPORT_FIXTURE_DELAY": delay, "SOURCE_DATE_EPOCH": "1700000000"}
    return start_qexport(*args, env={**fixed, **env})


def _finish(process: subprocess.Popen[str]) -> tuple[int, str]:
    _, err = process.communicate(timeout=180)
    return process.returncode, err


def test_a_run_into_another_folder_leaves_a_release_in_progress_alone(
    tmp_path: Path, bank: Path
) -> None:
    rel = tmp_path / "rel"
    common = ("--content", str(bank), "all", "--only", "nested", "--jobs", "1")
    slow = _qexport(*common, "--out", str(rel / "a"), delay="4")
    deadline = time.monotonic() + 60
    while not list(rel.glob(".qexport-staging-*")):
        assert time.monotonic() < deadline, "the slow release never started"
        time.sleep(0.05)
    for name in ("b", "a-b", "ab"):
        code, err = _finish(_qexport(*common, "--out", str(rel / name)))
        assert code == 0, err
    _finish(_qexport(*common, "--check", "--out", str(rel / "b")))
    code, err = _finish(slow)
    assert code == 0, err
    listed = json.loads((rel / "a" / MANIFEST).read_text(encoding="utf-8"))
    assert [a["path"] for a in listed["artifacts"]] == ["extra/ids/tiny-test-set-ids.txt"]
    assert sorted(p.name for p in rel.iterdir() if p.name.startswith(".qexport")) == []


def test_a_single_export_into_a_release_in_progress_is_refused(tmp_path: Path, bank: Path) -> None:
    out = tmp_path / "dist"
    common = ("--content", str(bank), "all", "--only", "nested", "--out", str(out))
    assert _finish(_qexport(*common))[0] == 0
    with (bank / "basic.md").open("a", encoding="utf-8") as f:
        f.write("\nAn edit, so the next release rebuilds.\n")
    slow = _qexport(*common, delay="4")
    deadline = time.monotonic() + 60
    while not list(tmp_path.glob(".qexport-staging-*")):
        assert time.monotonic() < deadline, "the slow release never started"
        time.sleep(0.05)
    code, err = _finish(_qexport("--content", str(bank), "csv", "--out", str(out)))
    assert code == 1, err  # a release's folder, even one being replaced, is no place for it
    assert "holds a release" in err
    assert _finish(slow)[0] == 0
    assert not (out / "tiny-test-set-anki.csv").exists()
    assert (out / "extra" / "ids" / "tiny-test-set-ids.txt").is_file()


def test_staging_belongs_to_one_out_folder_only(tmp_path: Path) -> None:
    names = ["a", "ab", "a-b", "a.b", "a-"]
    staging = {name: release.new_staging(tmp_path / name) for name in names}
    release.recover(tmp_path / "a")
    assert not staging["a"].exists()
    assert all(staging[name].exists() for name in names[1:])


@pytest.mark.parametrize("stale", [False, True])
def test_check_changes_nothing_at_all(
    release_run: Callable[..., Run], released: Path, tmp_path: Path, bank: Path, stale: bool
) -> None:
    (tmp_path / ".dist.lock").unlink()
    (tmp_path / ".qexport-staging-dead").mkdir()  # a killed run's, or a busy one's
    if stale:  # the deck's lock file would need an update: --check must not write it
        with (bank / "basic.md").open("a", encoding="utf-8") as f:
            f.write("\nA later edit.\n")
    before = _tree(tmp_path)
    result = release_run("--check")
    assert result.exit_code == (1 if stale else 0), result.stderr
    assert _tree(tmp_path) == before


# 12. Nothing stale is ever reused ---------------------------------------------


def test_an_edit_saved_during_the_build_is_not_published(
    release_run: Callable[..., Run],
    released: Path,
    bank: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from qexport.exporters.csv import CsvExporter

    before = _tree(released)
    real_export = CsvExporter.export
    edits: list[str] = []

    def edit_meanwhile(self: CsvExporter, *args: object) -> object:
        if not edits:  # the user saves a file while the release is being built
            edits.append("saved")
            with (bank / "basic.md").open("a", encoding="utf-8") as f:
                f.write("\nSaved during the build.\n")
        return real_export(self, *args)  # type: ignore[arg-type]

    monkeypatch.setattr(CsvExporter, "export", edit_meanwhile)
    with (bank / "advanced.md").open("a", encoding="utf-8") as f:
        f.write("\nAn edit before the build, so nothing is reused.\n")
    result = release_run()
    clean_failure(result, "changed while the release was being built", "basic.md")
    assert _tree(released) == before
    assert release_run().exit_code == 0
    assert release_run("--check").exit_code == 0


def test_a_dependency_upgrade_rebuilds_every_artifact(
    release_run: Callable[..., Run],
    released: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    built_jobs: Callable[[], list[str]],
) -> None:
    upgraded = tmp_path / "upgraded"  # Pygments 99 as importlib.metadata sees it
    (upgraded / "pygments-99.0.dist-info").mkdir(parents=True)
    (upgraded / "pygments-99.0.dist-info" / "METADATA").write_text(
        "Metadata-Version: 2.1\nName: Pygments\nVersion: 99.0\n", encoding="utf-8"
    )
    monkeypatch.syspath_prepend(str(upgraded))
    built = built_jobs()
    assert release_run().exit_code == 0
    assert sorted(built) == ["anki", "csv", "csv", "pdf", "pdf", "pdf"]


@pytest.mark.parametrize("cache", ["kept", "lost"])
def test_a_changed_artifact_is_never_reused_even_with_a_matching_manifest(
    release_run: Callable[..., Run], released: Path, cache: str
) -> None:
    good = (released / CSV).read_bytes()
    (released / CSV).write_bytes(b"id,answer\r\ntampered,yes\r\n")
    data = json.loads((released / MANIFEST).read_text(encoding="utf-8"))
    for artifact in data["artifacts"]:
        if artifact["path"] == CSV:
            artifact["sha256"] = sha256_file(released / CSV)
            artifact["size"] = (released / CSV).stat().st_size
    (released / MANIFEST).write_text(json.dumps(data, indent=2), encoding="utf-8")
    sums = [f"{a['sha256']}  {a['path']}\n" for a in data["artifacts"]]
    sums.append(f"{sha256_file(released / MANIFEST)}  {MANIFEST}\n")
    (released / SUMS).write_text("".join(sums), encoding="utf-8")
    if cache == "lost":
        shutil.rmtree(cache_dir())
    assert release_run("--check").exit_code == 1
    assert release_run().exit_code == 0
    assert (released / CSV).read_bytes() == good
    assert release_run("--check").exit_code == 0


# Internal errors that are clean errors ----------------------------------------


def _fail_os(monkeypatch: pytest.MonkeyPatch, name: str, when: Callable[[Path], bool]) -> None:
    """Make os.<name> fail with ENOSPC for the paths `when` picks (tests run as root)."""
    real = getattr(os, name)

    def failing(path: object, *args: object, **kwargs: object) -> object:
        if when(Path(str(path))):
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), str(path))
        return real(path, *args, **kwargs)

    monkeypatch.setattr(os, name, failing)


@pytest.mark.parametrize("where", ["staging folder", "final swap", "copying a reused file"])
def test_a_full_disk_keeps_the_release(
    release_run: Callable[..., Run],
    released: Path,
    tmp_path: Path,
    bank: Path,
    monkeypatch: pytest.MonkeyPatch,
    where: str,
) -> None:
    before = _tree(tmp_path)
    if where == "staging folder":
        _fail_os(monkeypatch, "mkdir", lambda p: p.name.startswith(release.STAGING_PREFIX))
    elif where == "final swap":
        _fail_os(monkeypatch, "rename", lambda p: p.name.startswith(release.STAGING_PREFIX))
    else:
        real_copy = shutil.copy2

        def full(source: str, target: str) -> object:
            if Path(target).parent.name.startswith(release.STAGING_PREFIX):
                raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), target)
            return real_copy(source, target)

        monkeypatch.setattr(shutil, "copy2", full)
    result = release_run("--only", "csv")
    clean_failure(result, "cannot write the release: No space left on device")
    assert _tree(tmp_path) == before


@pytest.mark.parametrize("fault", [errno.EACCES, errno.EROFS])
def test_a_read_only_parent_with_a_stale_lock_file_is_a_clean_error(
    release_run: Callable[..., Run],
    released: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    fault: int,
) -> None:
    assert (tmp_path / ".dist.lock").exists()  # left by the last run, still writable
    before = _tree(tmp_path)
    real_mkdir = os.mkdir

    def read_only(path: object, *args: object, **kwargs: object) -> None:
        if Path(str(path)).parent == tmp_path:  # as root, chmod 555 would not stop this
            raise OSError(fault, os.strerror(fault), str(path))
        real_mkdir(path, *args, **kwargs)  # type: ignore[call-overload]

    monkeypatch.setattr(os, "mkdir", read_only)
    result = release_run()
    clean_failure(result, f"cannot write the release: {os.strerror(fault)}")
    assert _tree(tmp_path) == before


def test_an_unreadable_content_file_is_a_clean_error(
    release_run: Callable[..., Run], bank: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert release_run().exit_code == 0
    unreadable = bank / "qexport.lock.json"  # hashed before the loader runs
    real_open = Path.open

    def refuse(self: Path, *args: object, **kwargs: object) -> object:
        if self == unreadable:  # as root, chmod 000 would not stop this
            raise PermissionError(errno.EACCES, os.strerror(errno.EACCES), str(self))
        return real_open(self, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(Path, "open", refuse)
    result = release_run()
    clean_failure(result, f"{unreadable}: cannot read: Permission denied")


# Artifact 1 is the booklet: with --skip pdf, it is carried over from the damaged manifest.
DAMAGES: dict[str, Callable[[dict[str, object]], object]] = {
    "no exporter": lambda data: data["artifacts"][1].pop("exporter"),  # type: ignore[index]
    "options a list": lambda data: data["artifacts"][1].update(options=[1]),  # type: ignore[index]
    "inputs a number": lambda data: data["artifacts"][1].update(inputs=7),  # type: ignore[index]
    "path a number": lambda data: data["artifacts"][1].update(path=3),  # type: ignore[index]
    "size a string": lambda data: data["artifacts"][1].update(size="big"),  # type: ignore[index]
    "artifacts a string": lambda data: data.update(artifacts="all"),
    "a path outside": lambda data: data["artifacts"][1].update(path="../x"),  # type: ignore[index]
    "another format": lambda data: data.update(format=2),
}


@pytest.mark.parametrize("damage", [*DAMAGES, "deep nesting"])
def test_a_damaged_manifest_is_refused_cleanly(
    release_run: Callable[..., Run], released: Path, tmp_path: Path, damage: str
) -> None:
    if damage == "deep nesting":
        text = "[" * 100_000 + "]" * 100_000
    else:
        data = json.loads((released / MANIFEST).read_text(encoding="utf-8"))
        DAMAGES[damage](data)
        text = json.dumps(data)
    (released / MANIFEST).write_text(text, encoding="utf-8")
    before = _tree(tmp_path)
    for args in (("--skip", "pdf"), ("--only", "csv"), ()):
        result = release_run(*args)
        clean_failure(result, "is not a qexport release")
    assert _tree(tmp_path) == before


def test_a_worker_killed_by_the_oom_killer_is_a_clean_error(bank: Path, tmp_path: Path) -> None:
    args = ("--content", str(bank), "all", "--out", str(tmp_path / "dist"), "--jobs", "2")
    picked = ("--only", "selfkill", "--only", "csv")
    code, err = _finish(_qexport(*args, *picked))
    assert code == 0, err
    before = _tree(tmp_path)
    with (bank / "basic.md").open("a", encoding="utf-8") as f:
        f.write("\nAn edit, so nothing is reused.\n")
    code, err = _finish(_qexport(*args, *picked, QEXPORT_FIXTURE_SELFKILL="1"))
    assert code == 1, err
    assert "process died" in err
    assert "Traceback" not in err
    del before["content/basic.md"]
    assert {k: v for k, v in _tree(tmp_path).items() if k != "content/basic.md"} == before


def test_a_failed_release_leaves_no_worker_holding_the_lock(
    release_run: Callable[..., Run], monkeypatch: pytest.MonkeyPatch
) -> None:
    # A forked worker shares the release lock's open file: the next run must not be
    # told that another qexport all is writing, because a worker was still dying.
    monkeypatch.syspath_prepend(str(SITE))
    picked = ("--only", "nested", "--only", "selfkill", "--jobs", "2")
    with monkeypatch.context() as failing:
        for name, value in (("DELAY", "1.5"), ("STUBBORN", "1"), ("FAIL", "1")):
            failing.setenv(f"QEXPORT_FIXTURE_{name}", value)
        clean_failure(release_run(*picked), "the fixture exporter failed, as asked")
    again = release_run(*picked)
    assert again.exit_code == 0, again.stderr


def test_a_plugin_writing_into_a_subfolder_is_reused(
    release_run: Callable[..., Run],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    built_jobs: Callable[[], list[str]],
) -> None:
    monkeypatch.syspath_prepend(str(SITE))
    first = release_run("--only", "nested")
    assert first.exit_code == 0, first.stderr
    before = _tree(tmp_path / "dist")
    assert "extra/ids/tiny-test-set-ids.txt" in before
    built = built_jobs()
    second = release_run("--only", "nested")
    assert second.exit_code == 0, second.stderr
    assert built == []
    assert _tree(tmp_path / "dist") == before


# Folders, swaps and the lock file around a release -------------


def _edit(bank: Path, text: str = "An edit, so the deck is rebuilt.") -> None:
    with (bank / "basic.md").open("a", encoding="utf-8") as f:
        f.write(f"\n{text}\n")


def test_an_empty_out_is_not_a_release_the_saved_one_is_put_back(
    run: Callable[..., Run], release_run: Callable[..., Run], released: Path, tmp_path: Path
) -> None:
    before = _tree(released)
    os.rename(released, tmp_path / ".dist.previous")  # killed between the swap's renames
    released.mkdir()  # and the user made an empty dist meanwhile
    result = run("pdf", "--paper", "letter", "--out", str(released), content=tmp_path / "content")
    assert result.exit_code == 0, result.stderr
    assert not (tmp_path / ".dist.previous").exists()
    after = _tree(released)
    assert {name: after[name] for name in before} == before  # the release is back, whole
    assert "tiny-test-set-booklet-letter.pdf" in after


@pytest.mark.parametrize("out_exists", [True, False])
def test_files_saved_in_out_during_the_build_are_kept(
    release_run: Callable[..., Run],
    released: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    out_exists: bool,
) -> None:
    if not out_exists:
        shutil.rmtree(released)
    before = _tree(released) if out_exists else None
    real_build = release.build

    def build_then_save(*args: object, **kwargs: object) -> object:
        results = real_build(*args, **kwargs)  # type: ignore[arg-type]
        released.mkdir(exist_ok=True)  # the user saves a note there meanwhile
        (released / "my-notes.txt").write_text("my own notes", encoding="utf-8")
        return results

    monkeypatch.setattr(release, "build", build_then_save)
    result = release_run()
    clean_failure(result, "changed while the release was being built", "my-notes.txt")
    assert (released / "my-notes.txt").read_text(encoding="utf-8") == "my own notes"
    if before is not None:
        assert {k: v for k, v in _tree(released).items() if k != "my-notes.txt"} == before
    assert not list(tmp_path.glob(".qexport-staging-*"))


@pytest.mark.parametrize("lock", ["put back", "rewritten"])
def test_a_lock_file_changed_during_the_build_is_never_published(
    release_run: Callable[..., Run],
    released: Path,
    bank: Path,
    monkeypatch: pytest.MonkeyPatch,
    lock: str,
) -> None:
    from qexport.changes import LOCK_FILE

    old_lock = (bank / LOCK_FILE).read_bytes()
    _edit(bank)
    before = _tree(released)
    real_run_job = release.run_job

    def meanwhile(question_set: object, job: release.Job, *args: object) -> object:
        built = real_run_job(question_set, job, *args)  # type: ignore[arg-type]
        if job.exporter == "anki":  # after it wrote the lock: a checkout puts one back
            text = old_lock if lock == "put back" else old_lock.replace(b"{", b"{ ", 1)
            (bank / LOCK_FILE).write_bytes(text)
        return built

    monkeypatch.setattr(release, "run_job", meanwhile)
    result = release_run()
    clean_failure(result, "changed while the release was being built", LOCK_FILE)
    assert _tree(released) == before
    monkeypatch.setattr(release, "run_job", real_run_job)
    assert release_run().exit_code == 0
    assert release_run("--check").exit_code == 0


def test_the_content_hash_covers_only_the_content(
    release_run: Callable[..., Run], released: Path, bank: Path
) -> None:
    (bank / ".basic.md.swp").write_bytes(b"vim swap")
    (bank / ".DS_Store").write_bytes(b"finder")
    (bank / "README.md").write_text("# How to edit this bank\n", encoding="utf-8")
    (bank / ".git").mkdir()
    (bank / ".git" / "HEAD").write_text("ref: refs/heads/main\n", encoding="utf-8")
    (bank / "notes.txt").write_text("todo\n", encoding="utf-8")
    (bank / ".qexport.lock.json.x1y2").write_text("{", encoding="utf-8")  # a temporary copy
    assert release_run("--check").exit_code == 0
    before = _tree(released)
    assert release_run().exit_code == 0
    assert _tree(released) == before


def test_files_that_cannot_be_content_are_never_read(
    release_run: Callable[..., Run], released: Path, bank: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from qexport import content_files

    (bank / "assets").mkdir()
    (bank / "assets" / "raw-video.mov").write_bytes(b"\0" * 1000)  # gigabytes, in real life
    read: list[str] = []
    real_sha256_file = content_files.sha256_file

    def record(path: Path) -> str:
        read.append(path.name)
        return real_sha256_file(path)

    monkeypatch.setattr(content_files, "sha256_file", record)
    assert release_run("--check").exit_code == 0
    assert "raw-video.mov" not in read


def test_line_ends_do_not_make_a_release_stale(
    release_run: Callable[..., Run], released: Path, bank: Path
) -> None:
    # A checkout with CRLF line ends (git on Windows) holds the same content.
    for name in ("basic.md", "set.toml", "qexport.lock.json"):
        text = (bank / name).read_bytes()
        (bank / name).write_bytes(text.replace(b"\n", b"\r\n"))
    result = release_run("--check")
    assert result.exit_code == 0, result.stderr


def test_an_image_counts_as_content_only_when_a_question_uses_it(
    release_run: Callable[..., Run], bank: Path, tmp_path: Path
) -> None:
    from PIL import Image

    for name in ("used.png", "unused.png"):
        Image.new("RGB", (4, 4), "red").save(bank / name)
    _edit(bank, "![a red square](used.png)")
    assert release_run().exit_code == 0
    Image.new("RGB", (4, 4), "blue").save(bank / "unused.png")
    assert release_run("--check").exit_code == 0
    Image.new("RGB", (4, 4), "blue").save(bank / "used.png")
    assert release_run("--check").exit_code == 1


def _rewrite_manifest(folder: Path, change: Callable[[dict[str, Any]], None]) -> None:
    """Edit a release's manifest by hand, SHA256SUMS kept consistent (as a careful user would)."""
    data = json.loads((folder / MANIFEST).read_text(encoding="utf-8"))
    change(data)
    (folder / MANIFEST).write_text(json.dumps(data, indent=2) + "\n", encoding="utf-8")
    lines = [f"{a['sha256']}  {a['path']}\n" for a in data["artifacts"]]
    lines.append(f"{sha256_file(folder / MANIFEST)}  {MANIFEST}\n")
    (folder / SUMS).write_text("".join(lines), encoding="utf-8")


def test_only_and_skip_never_publish_a_release_short_of_an_artifact(
    release_run: Callable[..., Run], released: Path, tmp_path: Path
) -> None:
    (released / "tiny-test-set-anki.csv").unlink()
    args, lost = ("--skip", "csv"), "tiny-test-set-anki.csv"
    before = _tree(tmp_path)
    result = release_run(*args)
    clean_failure(result, f"lacks {lost}", "without --only/--skip")
    assert _tree(tmp_path) == before
    assert release_run().exit_code == 0
    assert (released / lost).is_file()


def test_a_carried_over_artifact_keeps_its_entry_even_if_its_theme_is_gone(
    release_run: Callable[..., Run], released: Path
) -> None:
    def theme_gone(data: dict[str, Any]) -> None:
        for artifact in data["artifacts"]:
            if artifact["exporter"] == "pdf":
                artifact["options"]["theme"] = "gone"

    _rewrite_manifest(released, theme_gone)
    result = release_run("--only", "csv")
    assert result.exit_code == 0, result.stderr
    data = json.loads((released / MANIFEST).read_text(encoding="utf-8"))
    themes = {a["options"].get("theme") for a in data["artifacts"] if a["exporter"] == "pdf"}
    assert themes == {"gone"}


def test_check_passes_after_a_release_that_followed_a_skip(
    release_run: Callable[..., Run], released: Path, bank: Path
) -> None:
    _edit(bank)
    assert release_run("--skip", "anki").exit_code == 0  # the deck and lock file stay behind
    assert release_run().exit_code == 0  # the deck and lock file catch up; the rest is reused
    result = release_run("--check")
    assert result.exit_code == 0, result.stderr


def test_check_with_only_or_skip_compares_the_selected_artifacts(
    release_run: Callable[..., Run], released: Path, bank: Path
) -> None:
    result = release_run("--check", "--only", "csv")
    assert result.exit_code == 0, result.stderr
    assert "compared only the artifacts of csv" in result.stderr
    _edit(bank, "A change the PDFs show.")
    assert release_run("--only", "csv").exit_code == 0  # the PDFs and the deck stay behind
    assert release_run("--check", "--only", "csv").exit_code == 0
    stale = release_run("--check", "--only", "pdf")
    assert stale.exit_code == 1
    assert "  differs: tiny-test-set-booklet-a4.pdf" in stale.stderr
    assert CSV not in stale.stderr


def test_check_flags_a_link_that_all_would_refuse(
    release_run: Callable[..., Run], released: Path, tmp_path: Path
) -> None:
    shutil.copy(released / CSV, tmp_path / "copy.csv")
    (released / CSV).unlink()
    (released / CSV).symlink_to(tmp_path / "copy.csv")  # the same bytes, through a link
    result = release_run("--check")
    assert result.exit_code == 1
    assert f"not written by qexport: {CSV}" in result.stderr
    clean_failure(release_run(), "is not a qexport release")


def test_all_names_the_single_exports_it_removes(
    run: Callable[..., Run], release_run: Callable[..., Run], bank: Path, tmp_path: Path
) -> None:
    """A folder of single exports (not yet a release) becomes one, saying what went."""
    out = tmp_path / "exports"
    result = run("pdf", "--paper", "letter", "--out", str(out), content=bank)
    assert result.exit_code == 0, result.stderr
    letter = "tiny-test-set-booklet-letter.pdf"
    assert (out / letter).is_file()
    result = release_run(out=out)
    assert result.exit_code == 0, result.stderr
    assert not (out / letter).exists()
    assert f"removed from {out}, as not part of the release: {letter}" in result.stderr


def test_os_clutter_in_a_release_is_replaced_and_named(
    release_run: Callable[..., Run], released: Path
) -> None:
    clutter = [".DS_Store", "._tiny-test-set.apkg", "Thumbs.db", "desktop.ini"]
    for name in clutter:
        (released / name).write_bytes(b"\0\1")
    result = release_run()
    assert result.exit_code == 0, result.stderr
    assert not [name for name in clutter if (released / name).exists()]
    assert "removed from" in result.stderr
    assert all(name in result.stderr for name in clutter)


def test_a_release_keeps_the_folders_mode_and_a_new_one_follows_the_umask(
    release_run: Callable[..., Run], released: Path, bank: Path
) -> None:
    released.chmod(0o700)  # a private release stays private
    _edit(bank)
    assert release_run().exit_code == 0
    assert stat.S_IMODE(released.stat().st_mode) == 0o700
    shutil.rmtree(released)
    umask = os.umask(0o027)
    try:
        assert release_run().exit_code == 0
    finally:
        os.umask(umask)
    assert stat.S_IMODE(released.stat().st_mode) == 0o750


def test_ctrl_c_during_the_swap_waits_for_it_and_tells_the_truth(
    release_run: Callable[..., Run],
    released: Path,
    bank: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    real_rename = os.rename

    def rename(source: Any, target: Any) -> None:
        real_rename(source, target)
        if str(target).endswith(".dist.previous"):  # between the swap's two renames
            os.kill(os.getpid(), signal.SIGINT)

    _edit(bank)
    monkeypatch.setattr(os, "rename", rename)
    result = release_run()
    monkeypatch.setattr(os, "rename", real_rename)
    clean_failure(result, f"interrupted; {released} holds the new release")
    subprocess.run(["sha256sum", "--check", "--quiet", SUMS], cwd=released, check=True)
    assert release_run("--check").exit_code == 0
    assert release_run().exit_code == 0
    assert not (tmp_path / ".dist.previous").exists()


EDITABLE_PLUGIN = """
from pathlib import Path

from qexport.exporter import Artifact

WORD = {word!r}


class WordExporter:
    name = "word"
    description = "One word, from the plugin's source."
    options = ()

    def export(self, question_set, options, out_dir):
        path = Path(out_dir) / "word.txt"
        path.write_text(WORD, encoding="utf-8")
        return [Artifact(path, self.name)]
"""


def test_an_edit_to_an_editable_plugins_source_rebuilds_its_artifacts(
    bank: Path, tmp_path: Path
) -> None:
    site = tmp_path / "site"
    info = site / "wordplug-1.0.dist-info"
    info.mkdir(parents=True)
    (info / "METADATA").write_text(
        "Metadata-Version: 2.1\nName: wordplug\nVersion: 1.0\nRequires-Dist: qexport\n",
        encoding="utf-8",
    )
    (info / "entry_points.txt").write_text(
        "[qexport.exporters]\nword = wordplug:WordExporter\n", encoding="utf-8"
    )
    (info / "direct_url.json").write_text(
        json.dumps({"dir_info": {"editable": True}, "url": site.as_uri()}), encoding="utf-8"
    )
    out = tmp_path / "dist"
    args = ("--content", str(bank), "all", "--only", "word", "--out", str(out))
    for word in ("first", "second"):  # the developer edits the plugin; its version stays
        (site / "wordplug.py").write_text(EDITABLE_PLUGIN.format(word=word), encoding="utf-8")
        path = os.pathsep.join(filter(None, [str(site), os.environ.get("PYTHONPATH")]))
        code, err = _finish(_qexport(*args, PYTHONPATH=path))
        assert code == 0, err
        assert (out / "word.txt").read_text(encoding="utf-8") == word


def test_only_and_skip_without_a_previous_release_say_what_is_left_out(
    release_run: Callable[..., Run], tmp_path: Path
) -> None:
    result = release_run("--only", "csv")
    assert result.exit_code == 0, result.stderr
    assert "will hold nothing of anki, pdf: there is no release of it to keep" in result.stderr
    assert {p.suffix for p in (tmp_path / "dist").iterdir()} == {".csv", ".json", ""}


def test_only_and_skip_that_leave_no_exporter_publish_nothing(
    release_run: Callable[..., Run], tmp_path: Path
) -> None:
    result = release_run("--only", "pdf", "--skip", "pdf")
    clean_failure(result, "--only and --skip leave no exporter to run")
    assert not (tmp_path / "dist").exists()


def test_a_note_about_the_lock_file_is_printed_off_a_terminal_too(
    release_run: Callable[..., Run], bank: Path
) -> None:
    # Learners' edits depend on it: a CI log must say it, not only a terminal.
    (bank / "qexport.lock.json").unlink(missing_ok=True)
    result = release_run()
    assert result.exit_code == 0, result.stderr
    assert "there was no lock file" in result.stderr
    assert "commit it with the content" in result.stderr
    (bank / "qexport.lock.json").unlink()
    quiet = release_run("--quiet")
    assert quiet.exit_code == 0
    assert quiet.stderr == ""


# A release that publishes nothing leaves the lock file as it was ---------------

UNPRINTABLE = "例"  # not in the PDF fonts: the pdf exporter refuses it, after the anki job ran


def _lock_bytes(bank: Path) -> bytes | None:
    lock = bank / "qexport.lock.json"
    return lock.read_bytes() if lock.exists() else None


@pytest.mark.parametrize("jobs", ["1", "3"])
def test_a_failed_release_leaves_the_lock_file_as_it_was(
    run: Callable[..., Run], released: Path, bank: Path, jobs: str
) -> None:
    before = _lock_bytes(bank)
    assert before is not None
    basic = bank / "basic.md"
    original = basic.read_text(encoding="utf-8")
    basic.write_text(original.replace("Yes, since", f"Yes {UNPRINTABLE}, since"), "utf-8")
    failed = run("all", "--out", str(released), "--jobs", jobs, content=bank)
    clean_failure(failed, "cannot show it")
    assert _lock_bytes(bank) == before
    basic.write_text(original, encoding="utf-8")
    again = run("all", "--out", str(released), "--jobs", jobs, content=bank)
    assert again.exit_code == 0, again.stderr
    assert "qexport.lock.json" not in again.stderr  # nothing to record: nothing changed
    assert _lock_bytes(bank) == before


def test_a_failed_first_release_leaves_no_lock_file(
    release_run: Callable[..., Run], bank: Path
) -> None:
    basic = bank / "basic.md"
    text = basic.read_text(encoding="utf-8")
    basic.write_text(text.replace("Yes, since", f"Yes {UNPRINTABLE}, since"), "utf-8")
    clean_failure(release_run(), "cannot show it")
    assert _lock_bytes(bank) is None


def _failing_publish(
    monkeypatch: pytest.MonkeyPatch, raised: BaseException, meanwhile: Callable[[], None]
) -> None:
    def publish(*args: Any, **kwargs: Any) -> None:
        meanwhile()
        raise raised

    monkeypatch.setattr(release, "swap_in", publish)


def _change_an_answer(bank: Path) -> None:
    basic = bank / "basic.md"
    text = basic.read_text(encoding="utf-8")
    basic.write_text(text.replace("Yes, since", "Yes, as of"), encoding="utf-8")


def test_an_interrupted_release_puts_the_lock_file_back(
    release_run: Callable[..., Run], released: Path, bank: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    before = _lock_bytes(bank)
    _change_an_answer(bank)
    _failing_publish(monkeypatch, KeyboardInterrupt(), lambda: None)
    clean_failure(release_run(), "interrupted", f"{released} is unchanged")
    assert _lock_bytes(bank) == before


def test_a_lock_file_edited_during_a_failed_release_is_kept(
    release_run: Callable[..., Run], released: Path, bank: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    lock = bank / "qexport.lock.json"
    edited = lock.read_bytes().replace(b'"format": 1', b'"format": 1 ')
    _change_an_answer(bank)
    full = OSError(errno.ENOSPC, "No space left on device")
    _failing_publish(monkeypatch, full, lambda: lock.write_bytes(edited))
    clean_failure(release_run(), "No space left on device")
    assert lock.read_bytes() == edited  # never clobbered by the put-back


def test_ctrl_c_as_the_anki_job_returns_puts_the_lock_file_back(
    release_run: Callable[..., Run], released: Path, bank: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    before = _lock_bytes(bank)
    _change_an_answer(bank)
    real_run_job = release.run_job

    def interrupted(question_set: Any, job: release.Job, *args: Any) -> release.Built:
        built = real_run_job(question_set, job, *args)
        if job.exporter == "anki":  # the lock file is written, the job not yet reported
            raise KeyboardInterrupt
        return built

    monkeypatch.setattr(release, "run_job", interrupted)
    clean_failure(release_run(), "interrupted", f"{released} is unchanged")
    assert _lock_bytes(bank) == before
