"""Errors and warnings that qexport reports to its users.

`QexportError` and its subclasses are expected failures: click prints them
as one clean message and exits with `exit_code`. Any other exception is a bug.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import IO, Any, NamedTuple

import click


class QexportError(click.ClickException):
    """A failure the user can fix; printed without a traceback."""

    exit_code = 1

    def __init__(self, message: str) -> None:
        super().__init__(message)

    def __str__(self) -> str:
        return self.message

    def __reduce__(self) -> tuple[Any, ...]:
        # Errors cross process boundaries when `qexport all` runs exporters in parallel.
        return (type(self), (self.message,))

    def show(self, file: IO[Any] | None = None) -> None:
        click.echo(f"qexport: {self}", err=file is None, file=file)


def _location(path: Path | str, line: int | None) -> str:
    return f"{path}:{line}" if line is not None else str(path)


class ContentError(QexportError):
    """A problem in the content, located at `path:line`."""

    def __init__(self, message: str, path: Path | str, line: int | None = None) -> None:
        super().__init__(message)
        self.path = Path(path)
        self.line = line

    def __str__(self) -> str:
        return f"{_location(self.path, self.line)}: {self.message}"

    def __reduce__(self) -> tuple[type[ContentError], tuple[str, Path, int | None]]:
        # Errors cross process boundaries when `qexport all` runs exporters in parallel.
        return (ContentError, (self.message, self.path, self.line))


class ContentWarning(NamedTuple):
    """Something in the content that is allowed but probably unintended.

    A tuple, not a dataclass: the CLI imports this module before any command runs.
    """

    message: str
    path: Path
    line: int | None = None

    def __str__(self) -> str:
        return f"{_location(self.path, self.line)}: warning: {self.message}"


class ContentErrors(QexportError):
    """Every content error found in one run, raised once."""

    def __init__(
        self,
        errors: Sequence[ContentError],
        warnings: Sequence[ContentWarning] = (),
    ) -> None:
        self.errors = tuple(errors)
        self.warnings = tuple(warnings)
        super().__init__(str(self))

    def __reduce__(
        self,
    ) -> tuple[type[ContentErrors], tuple[tuple[ContentError, ...], tuple[ContentWarning, ...]]]:
        return (ContentErrors, (self.errors, self.warnings))

    def __str__(self) -> str:
        return "\n".join([*(str(e) for e in self.errors), self.summary()])

    def summary(self) -> str:
        count = len(self.errors)
        return f"{count} error{'s' if count != 1 else ''} in the content"

    def show(self, file: IO[Any] | None = None) -> None:
        """Warnings first, then every error, then the count."""
        for line in [*self.warnings, *self.errors]:
            click.echo(str(line), err=file is None, file=file)
        click.echo(f"qexport: {self.summary()}", err=file is None, file=file)


def did_you_mean(word: str, known: Iterable[str]) -> str:
    """A hint like "; did you mean 'title'?" for a misspelt name, or ''."""
    import difflib

    matches = difflib.get_close_matches(word, list(known), n=1, cutoff=0.6)
    return f"; did you mean '{matches[0]}'?" if matches else ""
