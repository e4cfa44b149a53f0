"""A release's option sets: what its tables and overrides give, counted, made, checked.

Each group (one table, or none) gives the product of its settings' values over
the exporter's own variants. They are counted before any is made (a release has
at most MAX_OPTION_SETS), then checked together where the exporter can tell:
options that do not go together, files written twice or with names too long,
and runs of one exporter that would record different things (two deck themes).
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Any

import click

from qexport.errors import ContentError, ContentErrors, QexportError
from qexport.exporter import Exporter
from qexport.exporters import theme_name_problem
from qexport.model import QuestionSet
from qexport.recording import RECORDS_ONCE, recorded_keys
from qexport.registry import release_options
from qexport.toml_lines import shown

SET_HINT = "'--set'"
# Each option set is a build, and `validate` checks each: a release has at most this many.
MAX_OPTION_SETS = 500
MAX_NAME_BYTES = 255  # a file name's length, in UTF-8, that most file systems allow
THEME_OPTION = "theme"  # an option of this name, in any exporter, names a qexport theme


def options_of(exporter: Exporter) -> dict[str, click.Option]:
    return {o.name: o for o in exporter.options if o.name is not None}


@dataclass(frozen=True)
class Setting:
    """An option's values for a release, and where they were given."""

    option: str
    values: tuple[Any, ...]  # converted by the option's click type
    where: int | str  # the set.toml line, or the --set override as typed


@dataclass(frozen=True)
class Group:
    """What one table sets (or, without a table, nothing), and the table's line."""

    settings: Mapping[str, Setting]
    line: int | None = None

    def located(self) -> int | str | None:
        """Where an option set of this group was given: its overrides, or its table."""
        overrides = [s.where for s in self.settings.values() if isinstance(s.where, str)]
        return ", ".join(overrides) if overrides else self.line


class Problems:
    """set.toml's problems, collected; an override's, raised as a usage error at once."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.errors: list[ContentError] = []
        self._said: set[str] = set()  # each problem once

    def at(self, where: int | str | None, message: str) -> None:
        """A problem with what set.toml's line `where` or the override `where` gives; with
        neither, one of an exporter's own option sets (a broken install), raised at once."""
        if isinstance(where, str):
            raise usage(where, message)
        if where is None:
            raise QexportError(message)
        error = ContentError(message, self.path, where)
        if str(error) not in self._said:
            self._said.add(str(error))
            self.errors.append(error)

    def raise_any(self) -> None:
        if self.errors:
            raise ContentErrors(sorted(self.errors, key=lambda e: e.line or 0))


def usage(override: str, message: str) -> click.BadParameter:
    return click.BadParameter(f"{shown(override)}: {message}", param_hint=SET_HINT)


def distinct(values: Sequence[Any]) -> tuple[Any, ...]:
    """`values` without repeats, in their order: a value given twice is built once."""
    return tuple({(type(value), repr(value)): value for value in values}.values())


def count_fits(
    exporters: Mapping[str, Exporter], groups: Mapping[str, Sequence[Group]], problems: Problems
) -> bool:
    """Whether the release's option sets are at most MAX_OPTION_SETS, counted before any is
    made; if not, a problem at the table that gives the most."""
    sizes = [
        (_count(exporters[name], group), name, group) for name in groups for group in groups[name]
    ]
    total = sum(size for size, _, _ in sizes)
    if total <= MAX_OPTION_SETS:
        return True
    size, name, group = max(sizes, key=lambda found: found[0])
    factors = [f"{len(s.values)} {s.option} values" for s in group.settings.values()]
    own = _count(exporters[name], Group({}))
    factors += [f"{own} of {name}'s own"] if own > 1 else []
    in_all = f", and the release {total:,} in all" if total != size else ""
    where = f"[release.{name}]" if group.line is not None else name
    problems.at(
        group.located(),
        f"{where} gives {size:,} option sets (the product of {', '.join(factors)}){in_all}: "
        f"a release has at most {MAX_OPTION_SETS} (each is a build); give fewer values",
    )
    return False


def _count(exporter: Exporter, group: Group) -> int:
    """How many option sets `group` gives `exporter`: its variants, less the options the
    group sets, times the group's values."""
    variants = {
        repr(sorted((k, v) for k, v in variant.items() if k not in group.settings))
        for variant in release_options(exporter)
    }
    return len(variants) * math.prod(len(s.values) for s in group.settings.values())


def expanded(exporter: Exporter, groups: Sequence[Group]) -> list[tuple[dict[str, Any], Group]]:
    """Each group's product over the exporter's own variants, duplicates removed; each
    option set with the group that gave it. The exporter's options vary in the order it
    declares them, the first slowest: the order does not depend on how a table is written."""
    order = list(options_of(exporter))
    option_sets: dict[str, tuple[dict[str, Any], Group]] = {}
    for group in groups:
        names = sorted(group.settings, key=order.index)
        chosen = [group.settings[name].values for name in names]
        for variant in release_options(exporter):
            for values in itertools.product(*chosen):
                options = {**variant, **dict(zip(names, values, strict=True))}
                option_sets.setdefault(repr(sorted(options.items())), (options, group))
    return list(option_sets.values())


def check_values(
    question_set: QuestionSet, exporter: Exporter, groups: Sequence[Group], problems: Problems
) -> None:
    """Each value alone, at its line: a theme that does not load, and what the exporter's
    file names tell (an option it cannot name a file for)."""
    base = release_options(exporter)[0]
    where = f"in [release.{exporter.name}]"
    for setting in (setting for group in groups for setting in group.settings.values()):
        for value in setting.values:
            try:
                if setting.option == THEME_OPTION:
                    _check_theme(question_set, value)
                if hasattr(exporter, "artifact_names"):
                    _names(exporter, question_set, {**base, setting.option: value})
            except QexportError as exc:
                if isinstance(setting.where, str):  # an override: it says which
                    problems.at(setting.where, str(exc))
                problems.at(setting.where, f"'{setting.option}' {where}: {exc}")


def _check_theme(question_set: QuestionSet, value: Any) -> None:
    """A QexportError unless `value` names a theme that loads (from the project's themes
    first): an exporter's option called `theme` is qexport's."""
    from qexport.themes import load_theme  # only a release that sets a theme needs it

    problem = theme_name_problem(value) if isinstance(value, str) else "not a theme's name"
    if problem is not None:
        raise QexportError(problem)
    load_theme(value, question_set.content_dir)


def check_names(
    question_set: QuestionSet,
    exporter: Exporter,
    option_sets: Sequence[tuple[Mapping[str, Any], Group]],
    problems: Problems,
) -> None:
    """Every option set goes together and writes files of its own, with names the file
    system takes, where the exporter can tell: found now, not when a build fails or
    overwrites another's file."""
    if not hasattr(exporter, "artifact_names"):
        return
    written: dict[str, Mapping[str, Any]] = {}
    refused: set[tuple[int, str]] = set()  # each group's reason once, at its first option set
    for options, group in option_sets:
        try:
            names = _names(exporter, question_set, options)
        except QexportError as exc:
            if (id(group), str(exc)) not in refused:
                refused.add((id(group), str(exc)))
                hint = _table_hint(exporter.name) if group.line is not None else ""
                problems.at(
                    group.located(), f"{exporter.name} with {_described(options)}: {exc}{hint}"
                )
            continue
        for name in names:
            if name in written:
                problems.at(
                    group.located(),
                    f"{exporter.name} would write {shown(name)} twice: with "
                    f"{_described(written[name])}, and with {_described(options)}",
                )
            written.setdefault(name, options)
            _check_length(exporter, name, options, group, problems)


def _check_length(
    exporter: Exporter, name: str, options: Mapping[str, Any], group: Group, problems: Problems
) -> None:
    for part in PurePosixPath(name).parts:
        size = len(part.encode("utf-8", "surrogatepass"))
        if size > MAX_NAME_BYTES:
            problems.at(
                group.located(),
                f"{exporter.name} with {_described(options)} would write a file whose name is "
                f"{size} bytes long ({shown(part[:40])}...): most file systems take at most "
                f"{MAX_NAME_BYTES}; shorten the title or the values that name the file",
            )


def check_records(
    exporter: Exporter,
    option_sets: Sequence[tuple[Mapping[str, Any], Group]],
    problems: Problems,
) -> None:
    """The option sets of an exporter with a `record` step agree on what it records (one
    deck theme): at the line of the option that differs."""
    if getattr(exporter, "record", None) is None or not option_sets:
        return
    first, _ = option_sets[0]
    for options, group in option_sets[1:]:
        for key in recorded_keys(exporter, options):
            if options.get(key) == first.get(key):
                continue
            setting = group.settings.get(key)
            where = setting.where if setting is not None else group.located()
            at = f"'{key}' in [release.{exporter.name}]: " if isinstance(where, int) else ""
            differ = f"{key}: {shown(str(first.get(key)))} and {shown(str(options.get(key)))}"
            problems.at(
                where,
                f"{at}{RECORDS_ONCE.format(name=exporter.name)}, and its option sets would "
                f"record different things ({differ}): a release builds it with one {key}",
            )


def _table_hint(name: str) -> str:
    return (
        f" (to give an option to some of {name}'s option sets only, give those sets a "
        f"[[release.{name}]] table of their own)"
    )


def _names(exporter: Exporter, question_set: QuestionSet, options: Mapping[str, Any]) -> list[str]:
    """The files `exporter` writes for `options`, as its optional `artifact_names` tells."""
    names: list[str] = exporter.artifact_names(question_set, options)  # type: ignore[attr-defined]
    return names


def _described(options: Mapping[str, Any]) -> str:
    return ", ".join(
        f"{key}={shown(str(value))}" for key, value in options.items() if value is not None
    )
