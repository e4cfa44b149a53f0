"""The `qexport` command line: every command, each importing what it does when it runs.

Exit codes: 0 ok, 1 content or other qexport errors, 2 usage errors,
3 an internal error (a bug in qexport; set QEXPORT_DEBUG=1 for the traceback).
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from qexport import DEFAULT_THEME
from qexport.errors import ContentErrors, QexportError
from qexport.exporters import ThemeName
from qexport.selection_options import F, select, selection_options

if TYPE_CHECKING:
    from qexport.model import QuestionSet

BUG_EXIT_CODE = 3
RELEASE_OUT = Path("dist")  # `qexport all`: the release, and nothing else
BUILD_OUT = Path("build")  # `qexport NAME`: single exports, never in a release


class Session:
    """What the global options chose; loads the content once, on first use.

    A plain class: `qexport --help` does not pay for importing dataclasses.
    """

    def __init__(self, content_dir: Path) -> None:
        self.content_dir = content_dir
        self.quiet = False  # a command's --quiet: print errors only, never a warning
        self._set: QuestionSet | None = None

    def question_set(self) -> QuestionSet:
        if self._set is None:
            from qexport.loader import load

            loaded = load(self.content_dir)
            for warning in loaded.warnings if not self.quiet else ():
                click.echo(str(warning), err=True)
            self._set = loaded.question_set
        return self._set


class QexportGroup(click.Group):
    """Built-in commands plus one command per registered exporter."""

    builtins = True

    def list_commands(self, ctx: click.Context) -> list[str]:
        from qexport.registry import exporter_names

        builtins = sorted(super().list_commands(ctx)) if self.builtins else []
        return builtins + [n for n in exporter_names() if n not in builtins]

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        command = super().get_command(ctx, cmd_name) if self.builtins else None
        if command is not None:
            return command
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
        except (click.ClickException, click.exceptions.Exit, click.Abort):
            raise  # QexportError is a ClickException: click prints it and exits with its code
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


@click.group(cls=QexportGroup, context_settings={"help_option_names": ["-h", "--help"]})
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


def theme_option(help_text: str) -> Callable[[F], F]:
    """--theme NAME, as the commands that show cards take it."""
    return click.option(
        "--theme",
        type=ThemeName(),
        default=DEFAULT_THEME,
        show_default=True,
        metavar="NAME",
        help=help_text,
    )


@cli.command()
@click.pass_obj
def validate(session: Session) -> None:
    """Check the content and its lock file; print every problem, or a one-line summary."""
    from qexport.commands.show import validate_set

    validate_set(session.question_set())


@cli.command()
@click.pass_obj
def stats(session: Session) -> None:
    """Count the questions by topic and level."""
    from qexport.commands.show import stats_table

    click.echo("\n".join(stats_table(session.question_set())))


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
    from qexport.commands.show import model_as_json, question_lines

    question_set = select(session.question_set(), levels, topics, tags)
    if as_json:
        import json

        click.echo(json.dumps(model_as_json(question_set), ensure_ascii=False, indent=2))
    elif lines := question_lines(question_set):
        click.echo("\n".join(lines))


@cli.command("all")
@click.option(
    "--out",
    type=click.Path(path_type=Path, file_okay=False),
    default=RELEASE_OUT,
    show_default=True,
    help="The release folder; replaced whole, only when every exporter succeeded, and only "
    "if qexport wrote everything in it.",
)
@click.option(
    "--jobs",
    "-j",
    type=click.IntRange(min=1),
    default=None,
    help="Exporters run in parallel processes.  [default: the number of CPUs]",
)
@click.option("--only", multiple=True, metavar="NAME", help="Run only this exporter (repeat).")
@click.option("--skip", multiple=True, metavar="NAME", help="Leave out this exporter (repeat).")
@click.option(
    "--set",
    "overrides",
    multiple=True,
    metavar="EXPORTER.OPTION=VALUE[,VALUE...]",
    help="Build with these values of an option instead of set.toml's [release] ones (repeat).",
)
@click.option(
    "--check",
    is_flag=True,
    help="Rebuild into a temporary folder and exit 1 if --out differs (a release gate).",
)
@click.option("--wait", is_flag=True, help="If another run holds --out, wait for it.")
@click.option("--quiet", "-q", is_flag=True, help="Print only errors.")
@click.pass_obj
def all_command(
    session: Session,
    out: Path,
    jobs: int | None,
    only: tuple[str, ...],
    skip: tuple[str, ...],
    overrides: tuple[str, ...],
    check: bool,
    wait: bool,
    quiet: bool,
) -> None:
    """Validate the content and write every artifact, a manifest and SHA256SUMS."""
    from qexport import content_files
    from qexport.commands.release_all import Settings, release_all

    session.quiet = quiet
    workers = jobs or os.cpu_count() or 1
    try:
        candidates = content_files.candidates(session.content_dir)  # before loading: edits show
        question_set = session.question_set()
        before = content_files.of_set(candidates, question_set)
        settings = Settings(out, workers, only, skip, overrides, check, wait, quiet)
        release_all(question_set, before, settings)
    except ContentErrors as failure:
        if not quiet:
            raise
        raise ContentErrors(failure.errors) from None  # its warnings are not errors


@cli.command("serve")
@click.option("--host", default="127.0.0.1", show_default=True, help="The address to listen on.")
@click.option(
    "--port",
    type=click.IntRange(0, 65535),
    default=8000,
    show_default=True,
    help="The port to listen on (0: any free one).",
)
@theme_option("The deck's theme to show the cards in.")
@click.option("--open", "open_browser", is_flag=True, help="Open the page in a web browser.")
@click.pass_obj
def serve_command(session: Session, host: str, port: int, theme: str, open_browser: bool) -> None:
    """Show every card as you write it, phone-sized, day and night; updates on each save."""
    from qexport.serve import serve

    serve(session.content_dir, host, port, theme, open_browser)


@cli.command("exporters")
def exporters_command() -> None:
    """List the registered exporters, built in and plugins."""
    from qexport.registry import exporter_descriptions

    rows = exporter_descriptions()
    width = max((len(name) for name, _, _ in rows), default=0)
    for name, description, package in rows:
        click.echo(f"{name:<{width}}  {description}  [{package}]")


class ExportGroup(QexportGroup):
    """`qexport export NAME ...`: every registered exporter, by name."""

    builtins = False


@cli.group("export", cls=ExportGroup)
def export_group() -> None:
    """Run any registered exporter by name (the same as `qexport NAME`)."""


@cli.command("import")
@click.argument("source", type=click.Path(path_type=Path, dir_okay=False, exists=True))
@click.option(
    "--content",
    "target",
    type=click.Path(path_type=Path, file_okay=False),
    default=None,
    help="The new content folder to write (default: the --content given before 'import').",
)
@click.option(
    "--level",
    "levels",
    multiple=True,
    metavar="NAME=LEVEL",
    help="Notes with this tag, or in this deck or under it, go to LEVEL (repeat).",
)
@click.option(
    "--topic",
    "topics",
    multiple=True,
    metavar="NAME=TOPIC",
    help="Notes with this tag, or in this deck or under it, go to TOPIC (repeat).",
)
@click.option(
    "--set-id",
    default=None,
    help="The new set's id; give the old set.toml's to keep a qexport bank's guids.",
)
@click.option("--title", default=None, help="The set's title (default: the deck's name).")
@click.option("--quiet", "-q", is_flag=True, help="Print only errors.")
@click.pass_obj
def import_command(
    session: Session,
    source: Path,
    target: Path | None,
    levels: tuple[str, ...],
    topics: tuple[str, ...],
    set_id: str | None,
    title: str | None,
    quiet: bool,
) -> None:
    """Make a new content folder from an Anki deck (.apkg) or CSV."""
    from qexport.commands.import_bank import parse_mapping, run_import
    from qexport.metadata import id_problem

    if set_id is not None and (problem := id_problem(set_id)) is not None:
        raise click.BadParameter(problem, param_hint="--set-id")
    mapping = parse_mapping(levels, topics)
    run_import(source, target or session.content_dir, mapping, set_id, title, quiet)


@cli.command("lock")
@click.option(
    "--from",
    "deck",
    type=click.Path(path_type=Path, dir_okay=False),
    required=True,
    metavar="DECK.apkg",
    help="The deck of the last release, as learners got it.",
)
@theme_option("The theme that deck was built with.")
@click.option(
    "--replace",
    is_flag=True,
    help="Replace a lock file that is not lost or damaged (its times are then gone).",
)
@click.pass_obj
def lock_command(session: Session, deck: Path, theme: str, replace: bool) -> None:
    """Rebuild a lost or damaged lock file from the last release's deck.

    Notes that are the same in that deck keep its change times, so learners'
    own edits survive the next import; changed and new notes get a new time.
    """
    from qexport.commands.lock import rebuild_lock

    rebuild_lock(session.question_set(), deck, theme, replace)


def exporter_command(name: str) -> click.Command:
    """`qexport NAME`: run the exporter registered as NAME into --out."""
    from qexport.registry import load_exporter

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
        from qexport.commands.export import export_one

        whole = session.question_set()
        question_set = select(whole, levels, topics, tags)
        # The last release, where `qexport all` puts it: beside the content (`--content .`
        # too: its parent is the folder above, not '.').
        previous = Path(os.path.abspath(session.content_dir)).parent / RELEASE_OUT
        export_one(name, whole, question_set, out, options, previous)

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
