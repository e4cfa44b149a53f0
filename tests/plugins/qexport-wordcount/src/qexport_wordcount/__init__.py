"""A qexport exporter plugin: the number of words in each answer, as JSON."""

from __future__ import annotations

import json
import os
import time
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import click

from qexport.exporter import Artifact
from qexport.model import QuestionSet


class WordCountExporter:
    name = "wordcount"
    description = "Words per answer, as JSON."
    options: Sequence[click.Option] = (
        click.Option(
            ["--minimum"],
            type=int,
            default=0,
            show_default=True,
            help="Leave out answers shorter than this.",
        ),
    )

    def export(
        self, question_set: QuestionSet, options: Mapping[str, Any], out_dir: Path
    ) -> list[Artifact]:
        # Lets the tests interrupt a release while this exporter is busy.
        time.sleep(float(os.environ.get("QEXPORT_WORDCOUNT_DELAY", "0")))
        counts = {
            q.id: len(q.answer.split())
            for q in question_set.questions
            if len(q.answer.split()) >= int(options["minimum"])
        }
        path = out_dir / f"{question_set.meta.slug}-wordcount.json"
        path.write_text(json.dumps(counts, indent=2, sort_keys=True) + "\n", encoding="utf-8")
        return [Artifact(path, self.name, dict(options))]
