"""`qexport import`: a deck (.apkg) or CSV, or qexport's plain CSV, as a new content folder."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import click

from qexport.errors import QexportError
from qexport.importers.bank import ImportedBank
from qexport.importers.placing import UserMapping

ZIP_MAGIC = b"PK\x03\x04"


def run_import(
    source: Path,
    target: Path,
    mapping: UserMapping,
    set_id: str | None,
    title: str | None,
    quiet: bool,
) -> ImportedBank:
    """Read `source`, write the bank into the new folder `target`, say what happened."""
    from qexport.importers.writer import write_bank
    from qexport.loader import MAX_QUESTIONS

    bank = read_bank(source, mapping, set_id, title)
    if not bank.questions:
        why = "".join(f"\n  {report}" for report in bank.reports)
        raise QexportError(f"{source}: found no notes to import{why}")
    if len(bank.questions) > MAX_QUESTIONS:
        raise QexportError(
            f"{source}: {len(bank.questions):,} notes; a bank holds at most {MAX_QUESTIONS:,}: "
            "export the deck in parts (one subdeck each) and import each into its own bank"
        )
    bank = write_bank(bank, target)
    if not quiet:  # only errors: on success, nothing
        for report in bank.reports:
            click.echo(f"{source}: {report}", err=True)
        click.echo(summary(bank, target))
    return bank


def read_bank(
    source: Path, mapping: UserMapping, set_id: str | None, title: str | None
) -> ImportedBank:
    from qexport.importers.convert import convert
    from qexport.importers.plain_csv import is_plain_csv, read_plain_csv

    try:
        with source.open("rb") as file:
            start = file.read(len(ZIP_MAGIC))
    except OSError as exc:
        raise QexportError(f"cannot read {source}: {exc.strerror or exc}") from None
    if start == ZIP_MAGIC:
        from qexport.importers.apkg import read_apkg

        return convert(read_apkg(source), mapping, set_id, title)
    if is_plain_csv(source):
        return read_plain_csv(source, set_id, title)
    from qexport.importers.anki_csv import read_anki_csv

    return convert(read_anki_csv(source), mapping, set_id, title)


def parse_mapping(levels: Sequence[str], topics: Sequence[str]) -> UserMapping:
    """`NAME=ID` pairs as a mapping, or a usage error naming the bad one."""
    from qexport.metadata import SLUG

    def pairs(values: Sequence[str], option: str) -> dict[str, str]:
        found = {}
        for value in values:
            name, sep, wanted = value.rpartition("=")
            if not sep or not name.strip() or not SLUG.fullmatch(wanted):
                raise click.BadParameter(
                    f"'{value}' must be NAME=ID, with ID a lowercase slug like 'basic'",
                    param_hint=option,
                )
            found[name.strip().casefold()] = wanted
        return found

    return UserMapping(pairs(levels, "--level"), pairs(topics, "--topic"))


def summary(bank: ImportedBank, target: Path) -> str:
    kept = sum(1 for q in bank.questions if q.guid or q.notetype)
    lines = [
        f"Wrote {target}: {_count(bank.questions, 'question')} in "
        f"{_count(bank.levels, 'level')} and {_count(bank.topics, 'topic')}, "
        f"{_count(bank.media, 'image')}.",
    ]
    if kept:
        lines.append(
            f"{kept} notes keep their guid and note type: learners who import the new deck "
            "over the old one keep their progress."
        )
    if bank.reports:
        count = len(bank.reports)
        things = "thing" if count == 1 else "things"
        was = "it was" if count == 1 else "they were"
        lines.append(f"{count} {things} could not be carried over as {was} (above).")
    lines.append(f"Next: qexport --content {target} validate")
    return "\n".join(lines)


def _count(items: Sequence[object], noun: str) -> str:
    return f"{len(items)} {noun}{'' if len(items) == 1 else 's'}"
