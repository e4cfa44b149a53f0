"""The packages that shape an artifact: the dependencies that really apply here, no others."""

from __future__ import annotations

import sys

import pytest

from qexport import dependencies


def test_a_requirement_whose_marker_is_false_here_is_not_a_dependency() -> None:
    # tomli is installed (the test extras ask for it), but qexport needs it only before 3.11:
    # counting it made the first and second release of CI differ.
    versions = dependencies.dependency_versions("csv")
    assert "qexport" in versions
    assert "click" in versions
    assert ("tomli" in versions) == (sys.version_info < (3, 11))


def test_markers_are_evaluated_with_the_extras_asked_for() -> None:
    lines = [
        "click>=8",
        "pytest; extra == 'test'",
        "hypothesis; extra == 'other'",
        "Pygments[plugins]; os_name == 'no-such-os'",
        "pypdf; python_version >= '3' and extra == 'test'",
    ]
    assert dependencies._requirements(lines, frozenset({"test"})) == [
        ("click", frozenset()),
        ("pytest", frozenset()),
        ("pypdf", frozenset()),
    ]
    assert dependencies._requirements(lines, frozenset()) == [("click", frozenset())]


def test_the_scan_is_kept_while_no_package_changes(monkeypatch: pytest.MonkeyPatch) -> None:
    from qexport import cache

    dependencies._dependency_versions.cache_clear()  # this test's cache folder is empty
    first = dependencies.dependency_versions("csv")
    dependencies._dependency_versions.cache_clear()

    def no_scan(*_: object) -> object:
        raise AssertionError("scanned again although no package changed")

    with monkeypatch.context() as scanless:
        scanless.setattr(dependencies, "_scan", no_scan)
        assert dependencies.dependency_versions("csv") == first
    dependencies._dependency_versions.cache_clear()
    cache.write_cached(dependencies.CACHE, '{"fingerprint": 1, "exporters": [[')  # damaged
    assert dependencies.dependency_versions("csv") == first
    dependencies._dependency_versions.cache_clear()
