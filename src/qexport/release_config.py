"""What `qexport all` builds: each exporter's option sets, from set.toml's `[release]`.

An exporter's option sets are its own release variants (the PDF's three
layouts, the CSV's two dialects), with each option that `[release.<exporter>]`
sets replaced by each of its values: the product, duplicates removed. Several
`[[release.<exporter>]]` tables give one product each, one after the other.
`qexport all --set pdf.paper=letter` replaces an option's values for one run.

The table's shape was checked when the set loaded (`release_table`); what
depends on the installed exporters is checked here, every problem at once.
"""

from __future__ import annotations

import itertools
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import click

from qexport.errors import ContentError, ContentErrors, QexportError, did_you_mean
from qexport.exporter import Exporter
from qexport.metadata import METADATA_FILE
from qexport.model import QuestionSet, ReleaseConfig, ReleaseOption, ReleaseTable
from qexport.registry import exporter_names, load_exporter, release_options

Run = tuple[str, dict[str, Any]]  # an exporter's name, and one option set it runs with
SET_HINT = "'--set'"
SET_FORM = "EXPORTER.OPTION=VALUE[,VALUE...], such as pdf.paper=letter"


@dataclass(frozen=True)
class _Setting:
    """An option's values for a release, and where they were given."""

    option: str
    values: tuple[Any, ...]  # converted by the option's click type
    where: int | str  # the set.toml line, or the --set override as typed


@dataclass(frozen=True)
class _Group:
    """What one table sets (or, without a table, nothing), and the table's line."""

    settings: Mapping[str, _Setting]
    line: int | None = None

    def located(self) -> int | str | None:
        """Where an option set of this group was given: its overrides, or its table."""
        overrides = [s.where for s in self.settings.values() if isinstance(s.where, str)]
        return ", ".join(overrides) if overrides else self.line


class _Problems:
    """set.toml's problems, collected; an override's, raised as a usage error at once."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.errors: list[ContentError] = []

    def at(self, where: int | str | None, message: str) -> None:
        """A problem with what set.toml's line `where` or the override `where` gives; with
        neither, one of an exporter's own option sets (a broken install), raised at once."""
        if isinstance(where, str):
            raise _usage(where, message)
        if where is None:
            raise QexportError(message)
        error = ContentError(message, self.path, where)
        if all(str(error) != str(known) for known in self.errors):
            self.errors.append(error)

    def raise_any(self) -> None:
        if self.errors:
            raise ContentErrors(sorted(self.errors, key=lambda e: e.line or 0))


def _usage(override: str, message: str) -> click.BadParameter:
    return click.BadParameter(f"{override}: {message}", param_hint=SET_HINT)


def release_runs(question_set: QuestionSet, overrides: Sequence[str] = ()) -> list[Run]:
    """The (exporter, options) pairs that `qexport all` builds, in a stable order.

    Raises ContentErrors for every problem of set.toml's [release] at once, then
    click.BadParameter for an override (`--set pdf.paper=a4,letter`) that cannot be.
    """
    config = question_set.meta.release
    problems = _Problems(question_set.content_dir / METADATA_FILE)
    exporters = _exporters(config, problems)
    groups = {}
    for name, exporter in exporters.items():
        tables = [table for table in config.tables if table.exporter == name]
        groups[name] = _groups(exporter, tables, problems)
        _check_values(question_set, exporter, groups[name], problems)
    problems.raise_any()
    for name, setting in _overrides(overrides, exporters):
        _check_values(question_set, exporters[name], [_Group({setting.option: setting})], problems)
        groups[name] = [
            _Group({**group.settings, setting.option: setting}, group.line)
            for group in groups[name]
        ]
    runs = []
    for name, exporter in exporters.items():
        option_sets = _option_sets(exporter, groups[name])
        _check_names(question_set, exporter, option_sets, problems)
        runs += [(name, options) for options, _ in option_sets]
    problems.raise_any()
    return runs


def _exporters(config: ReleaseConfig, problems: _Problems) -> dict[str, Exporter]:
    """The release's exporters, loaded, by name: those `exporters` lists, or every one."""
    installed = exporter_names()
    names = list(config.exporters or installed)
    for name in config.exporters or ():
        if name not in installed:
            problems.at(config.exporters_line, f"'exporters' in [release]: {_unknown(name)}")
    for table in config.tables:
        if table.exporter not in installed:
            problems.at(table.line, f"[release.{table.exporter}]: {_unknown(table.exporter)}")
        elif table.exporter not in names:
            problems.at(
                table.line,
                f"[release.{table.exporter}] sets options of {table.exporter}, which "
                "'exporters' in [release] leaves out",
            )
    loaded = {}
    for name in (n for n in names if n in installed):
        try:
            loaded[name] = load_exporter(name)
        except QexportError as exc:
            line = _line_of(config, name)
            if line is None:  # not named in set.toml: fails as it did before [release]
                raise
            problems.at(line, str(exc))
    return loaded


def _unknown(name: str) -> str:
    installed = exporter_names()
    return (
        f"'{name}' is not an installed exporter{did_you_mean(name, installed)} "
        f"(installed: {', '.join(installed)})"
    )


def _line_of(config: ReleaseConfig, name: str) -> int | None:
    lines = [t.line for t in config.tables if t.exporter == name]
    if config.exporters is not None and name in config.exporters:
        lines.append(config.exporters_line or 1)
    return min(lines, default=None)


def _groups(
    exporter: Exporter, tables: Sequence[ReleaseTable], problems: _Problems
) -> list[_Group]:
    """The settings each of `tables` gives `exporter`, converted; no table: one empty group."""
    options = _options(exporter)
    where = f"in [release.{exporter.name}]"
    groups = []
    for table in tables:
        settings = {}
        for given in table.options:
            problem = _option_problem(options, given.name, where)
            if problem is not None:
                problems.at(given.line, problem)
                continue
            values = _values(options[given.name], given, where, problems)
            settings[given.name] = _Setting(given.name, values, given.line)
        groups.append(_Group(settings, table.line))
    return groups or [_Group({})]


def _values(
    option: click.Option, given: ReleaseOption, where: str, problems: _Problems
) -> tuple[Any, ...]:
    """The values set.toml gives `option`, each of the right kind and converted."""
    values = []
    for value in given.values:
        problem = _kind_problem(option, value, where)
        if problem is None:
            try:
                values.append(_converted(option, value))
                continue
            except click.BadParameter as exc:
                problem = _refused(given.name, where, exc)
        problems.at(given.line, problem)
    return tuple(values)


def _options(exporter: Exporter) -> dict[str, click.Option]:
    return {o.name: o for o in exporter.options if o.name is not None}


def _option_problem(options: Mapping[str, click.Option], name: str, where: str) -> str | None:
    """Why a release cannot set the option called `name` (`where`: "of pdf"), or None."""
    option = options.get(name)
    if option is None:
        hint = did_you_mean(name, options)
        return f"unknown option '{name}' {where}{hint} (known: {', '.join(options)})"
    if option.multiple or option.nargs != 1:
        return f"'{name}' {where} takes several values at once: a release cannot set it"
    if isinstance(option.type, (click.Path, click.File)):
        return f"'{name}' {where} names a file or folder: a release writes only into its own"
    return None


def _kind_problem(option: click.Option, value: Any, where: str) -> str | None:
    """Why the TOML `value` is not of the kind `option` takes, or None."""
    kind = option.type
    number = isinstance(kind, (click.types.IntParamType, click.types.FloatParamType))
    if isinstance(kind, click.types.BoolParamType):
        wanted, fits = "true or false", isinstance(value, bool)
    elif isinstance(value, bool):
        wanted, fits = ("a number" if number else "a string"), False
    elif isinstance(kind, click.types.IntParamType):
        wanted, fits = "a whole number", isinstance(value, int)
    elif number:
        wanted, fits = "a number", isinstance(value, (int, float))
    else:
        wanted, fits = "a string", isinstance(value, str)
    shown = json.dumps(value, ensure_ascii=False)
    return None if fits else f"'{option.name}' {where} must be {wanted}, not {shown}"


def _converted(option: click.Option, value: Any) -> Any:
    """`value` as the option's click type makes it: a choice checked, a number parsed."""
    return option.type.convert(value, option, None)


def _refused(name: str, where: str, refusal: click.BadParameter) -> str:
    return f"'{name}' {where}: {refusal.message.rstrip('.')}"


def _overrides(
    overrides: Sequence[str], exporters: Mapping[str, Exporter]
) -> list[tuple[str, _Setting]]:
    """Each `--set EXPORTER.OPTION=VALUE[,VALUE...]`, checked: (exporter, its setting)."""
    found: dict[tuple[str, str], tuple[str, _Setting]] = {}
    for raw in overrides:
        target, equals, text = raw.partition("=")
        name, dot, option_name = target.strip().partition(".")
        values = [value.strip() for value in text.split(",")]
        if not (equals and dot and name and option_name):
            raise _usage(raw, f"give {SET_FORM}")
        if not all(values):
            raise _usage(raw, "give a value after '=', and one between each two commas")
        if name not in exporters:
            raise _usage(raw, _not_in_release(name, exporters))
        if (name, option_name) in found:
            raise _usage(raw, f"{target} is set twice: give its values once, comma-separated")
        options = _options(exporters[name])
        problem = _option_problem(options, option_name, f"of {name}")
        if problem is not None:
            raise _usage(raw, problem)
        try:
            converted = tuple(_converted(options[option_name], value) for value in values)
        except click.BadParameter as exc:
            raise _usage(raw, _refused(option_name, f"of {name}", exc)) from None
        found[name, option_name] = (name, _Setting(option_name, converted, raw))
    return list(found.values())


def _not_in_release(name: str, exporters: Mapping[str, Exporter]) -> str:
    if name not in exporter_names():
        return _unknown(name)
    return f"{name} is not in this release, which builds {', '.join(exporters)}"


def _option_sets(
    exporter: Exporter, groups: Sequence[_Group]
) -> list[tuple[dict[str, Any], _Group]]:
    """Each group's product over the exporter's own variants, duplicates removed; each
    option set with the group that gave it. The exporter's options vary in the order it
    declares them, the first slowest: the order does not depend on how a table is written."""
    order = list(_options(exporter))
    option_sets: dict[str, tuple[dict[str, Any], _Group]] = {}
    for group in groups:
        names = sorted(group.settings, key=order.index)
        chosen = [group.settings[name].values for name in names]
        for variant in release_options(exporter):
            for values in itertools.product(*chosen):
                options = {**variant, **dict(zip(names, values, strict=True))}
                option_sets.setdefault(repr(sorted(options.items())), (options, group))
    return list(option_sets.values())


def _check_values(
    question_set: QuestionSet, exporter: Exporter, groups: Sequence[_Group], problems: _Problems
) -> None:
    """Each value alone, where the exporter's file names tell (an unknown theme): at its line."""
    if not hasattr(exporter, "artifact_names"):
        return
    base = release_options(exporter)[0]
    for setting in (setting for group in groups for setting in group.settings.values()):
        for value in setting.values:
            try:
                _names(exporter, question_set, {**base, setting.option: value})
            except QexportError as exc:
                if isinstance(setting.where, str):  # an override: it says which
                    problems.at(setting.where, str(exc))
                where = f"in [release.{exporter.name}]"
                problems.at(setting.where, f"'{setting.option}' {where}: {exc}")


def _check_names(
    question_set: QuestionSet,
    exporter: Exporter,
    option_sets: Sequence[tuple[Mapping[str, Any], _Group]],
    problems: _Problems,
) -> None:
    """Every option set goes together and writes files of its own, where the exporter
    can tell: found now, not when a build fails or overwrites another's file."""
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
                    group.located(), f"{exporter.name} with {_shown(options)}: {exc}{hint}"
                )
            continue
        for name in names:
            if name in written:
                problems.at(
                    group.located(),
                    f"{exporter.name} would write {name} twice: with {_shown(written[name])}, "
                    f"and with {_shown(options)}",
                )
            written.setdefault(name, options)


def _table_hint(name: str) -> str:
    return (
        f" (to give an option to some of {name}'s option sets only, give those sets a "
        f"[[release.{name}]] table of their own)"
    )


def _names(exporter: Exporter, question_set: QuestionSet, options: Mapping[str, Any]) -> list[str]:
    """The files `exporter` writes for `options`, as its optional `artifact_names` tells."""
    names: list[str] = exporter.artifact_names(question_set, options)  # type: ignore[attr-defined]
    return names


def _shown(options: Mapping[str, Any]) -> str:
    return ", ".join(f"{key}={value}" for key, value in options.items() if value is not None)
