"""--level, --topic and --tag: the options that pick questions, for every command that has them."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from typing import TYPE_CHECKING, Any, TypeVar

import click

from qexport.errors import did_you_mean

if TYPE_CHECKING:
    from qexport.model import QuestionSet

F = TypeVar("F", bound=Callable[..., Any])


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
