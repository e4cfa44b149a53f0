"""The `qexport` command line.

Exit codes: 0 ok, 1 content or other qexport errors, 2 usage errors,
3 an internal error (a bug in qexport; set QEXPORT_DEBUG=1 for the traceback).
"""

from __future__ import annotations

import importlib
import os
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar, TypeVar

import click

from qexport.errors import ContentErrors, QexportError, did_you_mean
from qexport.tags import tags_for

if TYPE_CHECKING:
    from qexport.model import QuestionSet

BUG_EXIT_CODE = 3
RELEASE_OUT = Path("dist")  # `qexport all`: the release, and nothing else
BUILD_OUT = Path("build")  # `qexport NAME`: single exports, never in a release
F = TypeVar("F", bound=Callable[..., Any])


@dataclass
class Session:
    """What the global options chose; loads the content once, on first use."""

    content_dir: Path
    _set: QuestionSet | None = field(default=None, repr=False)

    def question_set(self) -> QuestionSet:
        if self._set is None:
            from qexport.loader import load

            loaded = load(self.content_dir)
            for warning in loaded.warnings:
                click.echo(str(warning), err=True)
            self._set = loaded.question_set
        return self._set


# Commands that live in other modules, imported only when used.
LAZY_COMMANDS = {
    "all": "qexport.cli_release:all_command",
    "export": "qexport.cli_release:export_group",
    "exporters": "qexport.cli_release:exporters_command",
    "lock": "qexport.cli_lock:lock_command",
}


class QexportGroup(click.Group):
    """Built-in commands plus one command per registered exporter."""

    lazy: ClassVar[dict[str, str]] = {}

    def list_commands(self, ctx: click.Context) -> list[str]:
        from qexport.registry import exporter_names

        builtins = sorted([*super().list_commands(ctx), *self.lazy])
        return builtins + [n for n in exporter_names() if n not in builtins]

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        command = super().get_command(ctx, cmd_name)
        if command is not None:
            return command
        if cmd_name in self.lazy:
            module, _, attribute = self.lazy[cmd_name].partition(":")
            loaded: click.Command = getattr(importlib.import_module(module), attribute)
            return loaded
        from qexport.registry import exporter_names

        if cmd_name not in exporter_names():
            return None
        try:
            return exporter_command(cmd_name)
        except QexportError as exc:
            return _unloadable_command(cmd_name, exc)

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except QexportError as exc:
            report(exc)
            ctx.exit(exc.exit_code)
        except (click.ClickException, click.exceptions.Exit, click.Abort):
            raise
        except Exception as exc:
            if os.environ.get("QEXPORT_DEBUG"):
                raise
            click.echo(
                f"qexport: internal error: {type(exc).__name__}: {exc}\n"
                "This is a bug in qexport, not a problem in your content. Please report it "
                "with the output of the same command run with QEXPORT_DEBUG=1.",
                err=True,
            )
            ctx.exit(BUG_EXIT_CODE)


def report(exc: QexportError) -> None:
    """Print a qexport error the way users should see it: no traceback."""
    if isinstance(exc, ContentErrors):
        for warning in exc.warnings:
            click.echo(str(warning), err=True)
        for error in exc.errors:
            click.echo(str(error), err=True)
        count = len(exc.errors)
        click.echo(f"qexport: {count} error{'s' if count != 1 else ''} in the content", err=True)
    else:
        click.echo(f"qexport: {exc}", err=True)


# What `qexport --help` says of the lazy commands, so listing them imports nothing.
LAZY_HELP = {
    "all": "Validate the content and write every artifact, a manifest and SHA256SUMS.",
    "export": "Run any registered exporter by name (the same as `qexport NAME`).",
    "exporters": "List the registered exporters, built in and plugins.",
    "lock": "Rebuild a lost or damaged lock file from the last release's deck.",
}


class RootGroup(QexportGroup):
    lazy = LAZY_COMMANDS

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        rows = []
        for name in self.list_commands(ctx):
            if name in LAZY_HELP:
                rows.append((name, LAZY_HELP[name]))
                continue
            command = self.get_command(ctx, name)
            if command is not None and not command.hidden:
                rows.append((name, command.get_short_help_str(formatter.width - 6 - len(name))))
        if rows:
            with formatter.section("Commands"):
                formatter.write_dl(rows)


@click.group(cls=RootGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.option(
    "--content",
    "content_dir",
    type=click.Path(path_type=Path, file_okay=False),
    default=Path("content"),
    show_default=True,
    help="The question bank: a folder with set.toml and one Markdown file per level.",
)
@click.version_option(None, "--version", package_name="qexport", prog_name="qexport")
@click.pass_context
def cli(ctx: click.Context, content_dir: Path) -> None:
    """Turn a Markdown question bank into Anki decks, PDFs and CSV."""
    ctx.obj = Session(content_dir)


def _split(values: Iterable[str]) -> frozenset[str]:
    return frozenset(v.strip() for value in values for v in value.split(",") if v.strip())


def selection_options(command: F) -> F:
    """--level, --topic and --tag, shared by every command that selects questions."""
    for name, what in (("tag", "tag"), ("topic", "topic id"), ("level", "level id")):
        command = click.option(
            f"--{name}",
            f"{name}s",
            multiple=True,
            metavar=what.split()[0].upper(),
            help=f"Only questions with this {what} (repeat or comma-separate for several).",
        )(command)
    return command


def select(
    question_set: QuestionSet, levels: Sequence[str], topics: Sequence[str], tags: Sequence[str]
) -> QuestionSet:
    """The set narrowed by the filter options; a typo is a usage error."""
    from qexport.model import Selection

    selection = Selection(_split(levels), _split(topics), _split(tags))
    for option, wanted, known in (
        ("--level", selection.levels, [level.id for level in question_set.levels]),
        ("--topic", selection.topics, [topic.id for topic in question_set.topics]),
    ):
        for value in sorted(wanted - set(known)):
            raise click.BadParameter(
                f"unknown {option[2:]} '{value}'{did_you_mean(value, known)}"
                f" (known: {', '.join(known)})",
                param_hint=option,
            )
    return question_set if selection.is_everything else question_set.select(selection)


def summary(question_set: QuestionSet) -> str:
    counts = question_set.counts_by_level()
    per_level = ", ".join(f"{counts[level.id]} {level.id}" for level in question_set.levels)
    meta = question_set.meta
    return (
        f"{meta.title} {meta.version}: {len(question_set.questions)} questions "
        f"({per_level}), {len(question_set.topics)} topics"
    )


@cli.command()
@click.pass_obj
def validate(session: Session) -> None:
    """Check the content and its lock file; print every problem, or a one-line summary."""
    from qexport import changes
    from qexport.errors import ContentError
    from qexport.registry import exporter_checks

    question_set = session.question_set()
    try:  # a damaged lock file stops every deck build: say so now, not at release time
        changes.read(question_set.content_dir / changes.LOCK_FILE)
    except ContentError as exc:
        raise ContentErrors([exc]) from None
    errors, warnings = exporter_checks(question_set)
    if errors:
        raise ContentErrors(errors, warnings)
    for warning in warnings:
        click.echo(str(warning), err=True)
    click.echo(f"ok: {summary(question_set)}")


@cli.command()
@click.pass_obj
def stats(session: Session) -> None:
    """Count the questions by topic and level."""
    question_set = session.question_set()
    levels = question_set.levels
    header = ["Topic", *(level.label for level in levels), "Total"]
    rows = []
    for topic in question_set.topics:
        counts = [
            sum(1 for q in question_set.questions if q.topic == topic.id and q.level == level.id)
            for level in levels
        ]
        rows.append([topic.label, *map(str, counts), str(sum(counts))])
    totals = question_set.counts_by_level()
    rows.append(["Total", *(str(totals[level.id]) for level in levels), str(sum(totals.values()))])
    lines = _table(rows, header)
    click.echo("\n".join([*lines[:-1], lines[1], lines[-1]]))


@cli.command("list")
@selection_options
@click.option("--json", "as_json", is_flag=True, help="The whole normalized model as JSON.")
@click.pass_obj
def list_questions(
    session: Session,
    levels: tuple[str, ...],
    topics: tuple[str, ...],
    tags: tuple[str, ...],
    as_json: bool,
) -> None:
    """One line per question, or the model as JSON."""
    question_set = select(session.question_set(), levels, topics, tags)
    if as_json:
        import json

        click.echo(json.dumps(model_as_json(question_set), ensure_ascii=False, indent=2))
        return
    rows = [(str(q.number), q.level, q.topic, q.id, q.question) for q in question_set.questions]
    if rows:
        click.echo("\n".join(_table(rows)))


def _table(rows: Sequence[Sequence[str]], header: Sequence[str] | None = None) -> list[str]:
    """Rows as aligned text: numeric columns right-aligned, a rule under the header."""
    framed = [header, *rows] if header else list(rows)
    widths = [max(len(row[i]) for row in framed) for i in range(len(framed[0]))]
    numeric = [all(row[i].isdigit() for row in rows) for i in range(len(widths))]

    def line(row: Sequence[str]) -> str:
        cells = (
            cell.rjust(width) if right else cell.ljust(width)
            for cell, width, right in zip(row, widths, numeric, strict=True)
        )
        return "  ".join(cells).rstrip()

    lines = [line(row) for row in rows]
    if header:
        lines[:0] = [line(header), "  ".join("-" * width for width in widths)]
    return lines


def model_as_json(question_set: QuestionSet) -> dict[str, Any]:
    meta = question_set.meta
    levels = question_set.counts_by_level()
    return {
        "set": {
            "id": meta.id,
            "title": meta.title,
            "description": meta.description,
            "author": meta.author,
            "version": meta.version,
            "language": meta.language,
            "tag_prefix": meta.tag_prefix,
        },
        "levels": [
            {"id": lv.id, "label": lv.label, "count": levels[lv.id]} for lv in question_set.levels
        ],
        "topics": [{"id": t.id, "label": t.label} for t in question_set.topics],
        "questions": [
            {
                "id": q.id,
                "number": q.number,
                "level": q.level,
                "topic": q.topic,
                "tags": list(tags_for(q, meta)),
                "extra_tags": list(q.tags),
                "question": q.question,
                "answer": q.answer,
                "source": {"path": q.path.as_posix(), "line": q.line},
            }
            for q in question_set.questions
        ],
    }


def _refuse_release(out: Path) -> None:
    """A single export never writes into a release: its SHA256SUMS would go stale."""
    from qexport.manifest import MANIFEST

    if (out / MANIFEST).exists():
        raise QexportError(
            f"{out} holds a release (qexport all wrote its {MANIFEST}); a single export "
            f"would leave it out of date: write it elsewhere (by default into {BUILD_OUT}/)"
        )


def exporter_command(name: str) -> click.Command:
    """`qexport NAME`: run the exporter registered as NAME into --out."""
    from qexport.registry import check_exporter, load_exporter

    exporter = load_exporter(name)

    @click.pass_obj
    def run(
        session: Session,
        /,
        out: Path,
        levels: tuple[str, ...],
        topics: tuple[str, ...],
        tags: tuple[str, ...],
        **options: Any,
    ) -> None:
        from qexport import release
        from qexport.output import publish, record_written, resolve_out

        real_out = resolve_out(out, session.content_dir)  # never into, or around, the content
        _refuse_release(real_out)
        question_set = select(session.question_set(), levels, topics, tags)
        errors, warnings = check_exporter(exporter, question_set, options)
        if errors:
            raise ContentErrors(errors, warnings)
        for warning in warnings:
            click.echo(str(warning), err=True)
        # Passed at run time: an exporter may read what the last release recorded,
        # in the release folder beside the content (where `qexport all` puts it).
        previous = {"previous_dir": str(session.content_dir.parent / RELEASE_OUT)}
        export = partial(exporter.export, question_set, {**options, **previous})
        with release.beside_releases(real_out):  # restores a release whose swap was cut short
            published = publish(out, export)
            record_written(out, published)  # so `qexport all` knows qexport wrote them
        for artifact in published:
            click.echo(str(artifact.path))
            for note in artifact.notes:
                click.echo(note, err=True)

    params: list[click.Parameter] = [
        click.Option(
            ["--out"],
            type=click.Path(path_type=Path, file_okay=False),
            default=BUILD_OUT,
            show_default=True,
            help="Where to write the files; never a release folder (qexport all writes those).",
        ),
        *exporter.options,
    ]
    command = selection_options(click.Command(name, callback=run, params=params))
    command.help = exporter.description
    return command


def _unloadable_command(name: str, error: QexportError) -> click.Command:
    """Stands in for a plugin that failed to load: listed in --help, fails cleanly."""

    def fail(**_: Any) -> None:
        raise error

    return click.Command(
        name,
        callback=fail,
        help=f"(unavailable) {error}",
        context_settings={"ignore_unknown_options": True, "allow_extra_args": True},
    )


def main(argv: Sequence[str] | None = None) -> None:
    cli.main(args=argv, prog_name="qexport")
