"""The packages that shape an artifact: the dependencies that really apply here, no others."""

from __future__ import annotations

import sys

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
