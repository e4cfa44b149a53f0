"""What `qexport all` builds: each exporter's option sets, from set.toml's `[release]`.

An exporter's option sets are its own release variants (the PDF's three
layouts, the CSV's two dialects), with each option that `[release.<exporter>]`
sets replaced by each of its values: the product, duplicates removed. Several
`[[release.<exporter>]]` tables give one product each, one after the other.
`qexport all --set pdf.paper=letter` replaces an option's values for one run.

The table's shape was checked when the set loaded (`release_table`); what
depends on the installed exporters is checked here: every problem of set.toml
at once, then the overrides (see `release_option_sets` for the option sets'
own checks, and how many a release may have).
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any

import click

from qexport.errors import QexportError, did_you_mean
from qexport.exporter import Exporter
from qexport.metadata import METADATA_FILE
from qexport.model import QuestionSet, ReleaseConfig, ReleaseOption, ReleaseTable
from qexport.registry import exporter_names, load_exporter
from qexport.release_option_sets import (
    Group,
    Problems,
    Setting,
    check_names,
    check_records,
    check_values,
    count_fits,
    distinct,
    expanded,
    options_of,
    usage,
)
from qexport.toml_lines import shown

Run = tuple[str, dict[str, Any]]  # an exporter's name, and one option set it runs with
SET_FORM = "EXPORTER.OPTION=VALUE[,VALUE...], such as pdf.paper=letter"


def release_runs(question_set: QuestionSet, overrides: Sequence[str] = ()) -> list[Run]:
    """The (exporter, options) pairs that `qexport all` builds, in a stable order.

    Raises ContentErrors for every problem of set.toml's [release] at once, then
    click.BadParameter for an override (`--set pdf.paper=a4,letter`) that cannot be.
    """
    config = question_set.meta.release
    problems = Problems(question_set.content_dir / METADATA_FILE)
    exporters = _exporters(config, problems)
    groups = {}
    for name, exporter in exporters.items():
        found = len(problems.errors)
        tables = [table for table in config.tables if table.exporter == name]
        groups[name] = _groups(exporter, tables, problems)
        check_values(question_set, exporter, groups[name], problems)
        if len(problems.errors) > found:  # its option sets would only repeat its problems
            del groups[name]
    if problems.errors:  # what the rest of set.toml gives, checked too: every problem at once
        _planned(question_set, exporters, groups, problems)
        problems.raise_any()
    for name, setting in _overrides(overrides, exporters):
        check_values(question_set, exporters[name], [Group({setting.option: setting})], problems)
        groups[name] = [
            Group({**group.settings, setting.option: setting}, group.line)
            for group in groups[name]
        ]
    runs = _planned(question_set, exporters, groups, problems)
    problems.raise_any()
    return runs


def _planned(
    question_set: QuestionSet,
    exporters: Mapping[str, Exporter],
    groups: Mapping[str, Sequence[Group]],
    problems: Problems,
) -> list[Run]:
    """Every exporter's option sets, checked together; none if there would be too many."""
    if not count_fits(exporters, groups, problems):
        return []
    runs = []
    for name in groups:
        option_sets = expanded(exporters[name], groups[name])
        check_names(question_set, exporters[name], option_sets, problems)
        check_records(exporters[name], option_sets, problems)
        runs += [(name, options) for options, _ in option_sets]
    return runs


def _exporters(config: ReleaseConfig, problems: Problems) -> dict[str, Exporter]:
    """The release's exporters, loaded, by name: those `exporters` lists, or every one."""
    installed = exporter_names()
    names = list(config.exporters or installed)
    for name in config.exporters or ():
        if name not in installed:
            problems.at(config.exporters_line, f"'exporters' in [release]: {_unknown(name)}")
    for table in config.tables:
        heading = f"[release.{shown(table.exporter)}]"
        if table.exporter not in installed:
            problems.at(table.line, f"{heading}: {_unknown(table.exporter)}")
        elif table.exporter not in names:
            problems.at(
                table.line,
                f"{heading} sets options of {table.exporter}, which "
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
        f"'{shown(name)}' is not an installed exporter{did_you_mean(name, installed)} "
        f"(installed: {', '.join(installed)})"
    )


def _line_of(config: ReleaseConfig, name: str) -> int | None:
    lines = [t.line for t in config.tables if t.exporter == name]
    if config.exporters is not None and name in config.exporters:
        lines.append(config.exporters_line or 1)
    return min(lines, default=None)


def _groups(exporter: Exporter, tables: Sequence[ReleaseTable], problems: Problems) -> list[Group]:
    """The settings each of `tables` gives `exporter`, converted; no table: one empty group."""
    options = options_of(exporter)
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
            settings[given.name] = Setting(given.name, values, given.line)
        groups.append(Group(settings, table.line))
    return groups or [Group({})]


def _values(
    option: click.Option, given: ReleaseOption, where: str, problems: Problems
) -> tuple[Any, ...]:
    """The values set.toml gives `option`, each of the right kind and converted, each once."""
    values = []
    for value in distinct(given.values):
        problem = _kind_problem(option, value, where)
        if problem is None:
            try:
                values.append(_converted(option, value))
                continue
            except click.BadParameter as exc:
                problem = _refused(given.name, where, exc)
        problems.at(given.line, problem)
    return distinct(values)


def _option_problem(options: Mapping[str, click.Option], name: str, where: str) -> str | None:
    """Why a release cannot set the option called `name` (`where`: "of pdf"), or None."""
    option = options.get(name)
    if option is None:
        hint = did_you_mean(name, options)
        return f"unknown option '{shown(name)}' {where}{hint} (known: {', '.join(options)})"
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
    if fits:
        return None
    return f"'{option.name}' {where} must be {wanted}, not {json.dumps(value, ensure_ascii=False)}"


def _converted(option: click.Option, value: Any) -> Any:
    """`value` as the option's click type makes it: a choice checked, a number parsed."""
    return option.type.convert(value, option, None)


def _refused(name: str, where: str, refusal: click.BadParameter) -> str:
    return f"'{name}' {where}: {refusal.message.rstrip('.')}"


def _overrides(
    overrides: Sequence[str], exporters: Mapping[str, Exporter]
) -> list[tuple[str, Setting]]:
    """Each `--set EXPORTER.OPTION=VALUE[,VALUE...]`, checked: (exporter, its setting)."""
    found: dict[tuple[str, str], tuple[str, Setting]] = {}
    for raw in overrides:
        name, option_name, values = _parsed(raw)
        if name not in exporters:
            raise usage(raw, _not_in_release(name, exporters))
        if (name, option_name) in found:
            raise usage(
                raw, f"{name}.{option_name} is set twice: give its values once, comma-separated"
            )
        options = options_of(exporters[name])
        problem = _option_problem(options, option_name, f"of {name}")
        if problem is not None:
            raise usage(raw, problem)
        try:
            converted = tuple(_converted(options[option_name], value) for value in values)
        except click.BadParameter as exc:
            raise usage(raw, _refused(option_name, f"of {name}", exc)) from None
        found[name, option_name] = (name, Setting(option_name, distinct(converted), raw))
    return list(found.values())


def _parsed(raw: str) -> tuple[str, str, tuple[str, ...]]:
    """An override's exporter, option and values, as typed; a usage error if malformed."""
    target, equals, text = raw.partition("=")
    name, dot, option_name = target.strip().partition(".")
    values = [value.strip() for value in text.split(",")]
    if not (equals and dot and name and option_name):
        raise usage(raw, f"give {SET_FORM}")
    if not all(values):
        raise usage(raw, "give a value after '=', and one between each two commas")
    return name, option_name, distinct(values)


def overridden_exporter(raw: str) -> str:
    """The exporter an override (`pdf.paper=letter`) sets an option of."""
    return _parsed(raw)[0]


def _not_in_release(name: str, exporters: Mapping[str, Exporter]) -> str:
    if name not in exporter_names():
        return _unknown(name)
    return f"{name} is not in this release, which builds {', '.join(exporters)}"
