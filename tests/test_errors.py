"""How errors read: `path:line: message`."""

from __future__ import annotations

from pathlib import Path

from qexport.errors import ContentError, ContentErrors, ContentWarning, did_you_mean


def test_content_error_reads_as_path_line_message() -> None:
    assert str(ContentError("no answer", Path("content/basic.md"), 12)) == (
        "content/basic.md:12: no answer"
    )
    assert str(ContentError("no set.toml", Path("content/set.toml"))) == (
        "content/set.toml: no set.toml"
    )


def test_warning_says_it_is_a_warning() -> None:
    assert str(ContentWarning("hm", Path("a.md"), 3)) == "a.md:3: warning: hm"


def test_errors_summarize() -> None:
    errors = ContentErrors(
        [ContentError("x", Path("a.md"), 1), ContentError("y", Path("a.md"), 2)]
    )
    assert str(errors).splitlines() == ["a.md:1: x", "a.md:2: y", "2 errors in the content"]


def test_did_you_mean() -> None:
    assert did_you_mean("titel", ["title", "author"]) == "; did you mean 'title'?"
    assert did_you_mean("zzz", ["title"]) == ""
