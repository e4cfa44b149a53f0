"""Finding exporters through the `qexport.exporters` entry points, and what they check.

Built-in exporters and third-party plugins register the same way (see
`qexport.exporter`). Each registered exporter becomes a `qexport <name>` command. Listing the
commands reads only entry-point names; a plugin's module is imported when its
command runs, so a heavy or broken plugin never slows down or breaks others.
"""

from __future__ import annotations

import sys
from collections.abc import Iterable, Mapping, Sequence
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from qexport.entry_points import Registered, registered
from qexport.errors import ContentError, ContentWarning, QexportError, did_you_mean

if TYPE_CHECKING:
    from qexport.exporter import Exporter
    from qexport.model import QuestionSet

ENTRY_POINT_GROUP = "qexport.exporters"
# What `export` needs besides itself; checked by name, as a runtime Protocol check would.
EXPORTER_MEMBERS = ("name", "description", "options")


def __getattr__(name: str) -> Any:
    # Plugins written for qexport 0.1 import Artifact from here; it lives in qexport.exporter,
    # which listing the commands does not import.
    if name == "Artifact":
        from qexport.exporter import Artifact

        return Artifact
    raise AttributeError(f"module 'qexport.registry' has no attribute {name!r}")


def _entry_points() -> dict[str, Registered]:
    return dict(_scan(tuple(sys.path)))


@lru_cache(maxsize=4)
def _scan(path: tuple[str, ...]) -> tuple[tuple[str, Registered], ...]:
    """Registered exporters, once per sys.path; the first of one name wins, by its value."""
    found: dict[str, Registered] = {}
    for entry_point in sorted(registered(ENTRY_POINT_GROUP), key=lambda e: e.value):
        found.setdefault(entry_point.name, entry_point)
    return tuple(found.items())


def exporter_names() -> list[str]:
    return sorted(_entry_points())


def load_exporter(name: str) -> Exporter:
    """The exporter registered as `name`, instantiated."""
    points = _entry_points()
    if name not in points:
        hint = did_you_mean(name, points)
        raise QexportError(f"no exporter named '{name}'{hint} (installed: {', '.join(points)})")
    entry_point = points[name]
    try:
        factory = entry_point.load()
        exporter: Exporter = factory()
    except Exception as exc:
        raise QexportError(
            f"exporter plugin '{name}' ({entry_point.value}) failed to load: "
            f"{type(exc).__name__}: {exc}"
        ) from exc
    if not all(hasattr(exporter, m) for m in EXPORTER_MEMBERS) or not callable(
        getattr(exporter, "export", None)
    ):
        raise QexportError(
            f"exporter plugin '{name}' ({entry_point.value}) is not an exporter: it needs "
            "name, description, options and export(question_set, options, out_dir)"
        )
    return exporter


def release_options(exporter: Exporter) -> list[dict[str, Any]]:
    """The option sets `qexport all` runs `exporter` with: its defaults, per variant."""
    defaults: dict[str, Any] = {}
    for option in exporter.options:
        if option.name is not None:
            default = option.default() if callable(option.default) else option.default
            defaults[option.name] = default
    variants: Sequence[Mapping[str, Any]] = getattr(exporter, "release", None) or ({},)
    return [{**defaults, **variant} for variant in variants]


def exporter_checks(
    question_set: QuestionSet, runs: Iterable[tuple[str, Mapping[str, Any]]]
) -> tuple[list[ContentError], list[ContentWarning]]:
    """What the exporters' optional `check` finds for `runs` (exporter name, options),
    each problem reported once."""
    exporters: dict[str, Exporter] = {}
    errors: list[ContentError] = []
    warnings: list[ContentWarning] = []
    seen: set[tuple[str, Path, int | None, str]] = set()
    for name, options in runs:
        exporter = exporters.setdefault(name, load_exporter(name))
        found_errors, found_warnings = check_exporter(exporter, question_set, options)
        errors += [error for error in found_errors if _first_at(seen, error)]
        warnings += [warning for warning in found_warnings if _first_at(seen, warning)]
    return errors, warnings


def _first_at(
    seen: set[tuple[str, Path, int | None, str]], problem: ContentError | ContentWarning
) -> bool:
    """Whether `problem` is reported here for the first time (and remember it).

    An error once for each message; a warning once for each place, as the
    first option set finds it (for an image: the booklet, where it prints largest).
    """
    message = problem.message if isinstance(problem, ContentError) else ""
    place = (type(problem).__name__, problem.path, problem.line, message)
    if place in seen:
        return False
    seen.add(place)
    return True


def check_exporter(
    exporter: Exporter, question_set: QuestionSet, options: Mapping[str, Any]
) -> tuple[list[ContentError], list[ContentWarning]]:
    """The errors and warnings `exporter`'s optional `check` finds before it writes anything.

    `check(question_set, options)` returns `ContentError`s and `ContentWarning`s.
    """
    check = getattr(exporter, "check", None)
    problems = check(question_set, options) if check is not None else []
    errors = [p for p in problems if isinstance(p, ContentError)]
    return errors, [p for p in problems if isinstance(p, ContentWarning)]


def exporter_version(name: str) -> str:
    """The version of the package that provides exporter `name` ('' if unknown)."""
    entry_point = _entry_points().get(name)
    return entry_point.version if entry_point else ""


def exporter_descriptions() -> list[tuple[str, str, str]]:
    """(name, description, package) of every registered exporter, loading each."""
    rows = []
    for name in exporter_names():
        package = _entry_points()[name].package
        try:
            description = load_exporter(name).description
        except QexportError as error:
            description = f"(unavailable) {error}"
        rows.append((name, description, package))
    return rows
