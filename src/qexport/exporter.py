"""What an exporter is: the protocol every built-in exporter and plugin follows.

An exporter is one small class, registered in its package's `pyproject.toml`::

    [project.entry-points."qexport.exporters"]
    anki = "qexport.exporters.anki:AnkiExporter"

It turns the frozen model into files and never writes into the content folder.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol, runtime_checkable

import click

if TYPE_CHECKING:
    from qexport.model import QuestionSet


@dataclass(frozen=True)
class Artifact:
    """One file an exporter wrote, and what made it."""

    path: Path
    exporter: str
    options: Mapping[str, Any] = field(default_factory=dict)
    notes: tuple[str, ...] = ()  # things the user should know, e.g. a file to commit


@dataclass(frozen=True)
class Recorded:
    """What an exporter's `record` step wrote into the content folder, and said."""

    notes: tuple[str, ...] = ()
    written: Mapping[str, str] = field(default_factory=dict)  # sha256 by name there


@runtime_checkable
class Exporter(Protocol):
    """Turns a question set into files in `out_dir`.

    `options` holds the values of the click options the exporter declares,
    by parameter name. Heavy libraries belong inside `export`, not at the
    top of the module, so `qexport --help` stays fast.

    Optional members:
    - `release`: the option sets `qexport all` runs it with (e.g. one per PDF
      layout); without it, `all` runs it once with its defaults.
    - `check(question_set, options)`: the ContentErrors and ContentWarnings it
      would meet, found before anything is written (`qexport validate` runs it).
    - `record(question_set, options, *, previous_release, check, partial)
      -> Recorded`: what must be kept in the content folder between releases
      (the deck's lock file). `qexport all` and `qexport NAME` run it once,
      on the whole set, before any exporter starts; `partial` says the build
      that follows holds only some questions. With `check`, it writes nothing
      and raises a QexportError if the content folder is out of date.
      It runs once per exporter: `record_options` names the options it reads,
      and a release whose runs of the exporter differ in them is refused.
    """

    name: str
    description: str
    options: Sequence[click.Option]

    def export(
        self, question_set: QuestionSet, options: Mapping[str, Any], out_dir: Path
    ) -> list[Artifact]: ...
