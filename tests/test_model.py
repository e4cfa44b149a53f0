"""The frozen model: what a selection picks, and the file names it gives."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path

from qexport.loader import load
from qexport.model import Selection
from qexport.tags import tags_for

from conftest import GOOD, Run


def test_a_tag_filter_ignores_case_as_anki_does() -> None:
    question_set = load(GOOD).question_set
    tagged = [q for q in question_set.questions if q.tags]
    assert tagged
    tag = tagged[0].tags[0]
    for written in (tag, tag.upper(), tag.title()):
        picked = question_set.select(Selection(tags=frozenset({written})))
        assert {q.id for q in picked.questions} == {q.id for q in tagged if tag in q.tags}
    # The scheme's own tags too: a level's full tag, in another case.
    level_tag = tags_for(question_set.questions[0], question_set.meta)[0]
    by_level = question_set.select(Selection(tags=frozenset({level_tag.upper()})))
    assert question_set.questions[0] in by_level.questions


def test_a_selection_names_files_safely() -> None:
    selection = Selection(tags=frozenset({"Web::Django", "a/b", "Σύγκριση", "x-y"}))
    assert selection.slug() == "tag-a-b-c14cdd+web-django-c6d32a+x-y+σύγκριση"
    assert "/" not in selection.slug()
    # What the name drops is hashed: two tags never name one file ('c++' is not 'c');
    # one tag in another case is the same selection, and the same name.
    names = {Selection(tags=frozenset({tag})).slug() for tag in ("c++", "c", "c#")}
    assert len(names) == 3
    assert (
        Selection(tags=frozenset({"Async"})).slug() == Selection(tags=frozenset({"async"})).slug()
    )
    assert Selection(levels=frozenset({"basic"})).slug() == "level-basic"


def test_a_filtered_export_with_a_slash_in_a_tag_writes_its_file(
    run: Callable[..., Run], tmp_path: Path
) -> None:
    bank = tmp_path / "content"
    shutil.copytree(GOOD, bank)
    basic = bank / "basic.md"
    text = basic.read_text(encoding="utf-8")
    assert 'tags="' in text
    basic.write_text(text.replace('tags="', 'tags="io/files ', 1), encoding="utf-8")
    out = tmp_path / "build"
    result = run("csv", "--tag", "io/files", "--dialect", "plain", "--out", str(out), content=bank)
    assert result.exit_code == 0, result.stderr
    (written,) = out.iterdir()
    assert written.name.startswith("tiny-test-set-plain-tag-io-files-")
