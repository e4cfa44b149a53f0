"""The floors qexport is measured against: the libraries doing the bare minimum.

    python benchmarks/floors.py prepare BANK WORK   # untimed: parse and pre-render
    python benchmarks/floors.py genanki WORK OUT    # timed: bare genanki, same notes
    python benchmarks/floors.py reportlab WORK OUT  # timed: one plain SimpleDocTemplate pass
    python benchmarks/floors.py reportlab-ttf WORK OUT  # the same, with embedded TrueType
    python benchmarks/floors.py reportlab-rich WORK OUT # qexport's own paragraph markup and fonts

`prepare` does what the floors may take for granted: the question bank read,
the HTML rendered (for genanki), the text split into paragraphs and code
blocks (for reportlab). The timed commands read that and only write.

`reportlab-rich` is not one of the issue's floors but explains the booklet's
distance from them: the same plain pass, fed the paragraph markup qexport
makes (inline code in the mono face with a shaded background, bold, links)
at the booklet's fonts and sizes. That is what reportlab itself costs for
qexport's text, before any contents, keep-together or highlighting.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any


def prepare(bank: Path, work: Path) -> None:
    from qexport.exporters.anki.deck import notes_for
    from qexport.loader import load
    from qexport.render import markdown_parser

    question_set = load(bank).question_set
    notes = [
        {
            "fields": [
                card.fields[name] for name in ("Question", "Answer", "Id", "Level", "Topic")
            ],
            "tags": list(card.tags),
            "deck": card.deck,
            "guid": card.question.id,
        }
        for card in notes_for(question_set)
    ]
    parser = markdown_parser()
    texts = []
    for question in question_set.questions:
        blocks = []
        for token in parser.parse(question.answer):
            if token.type == "fence":
                blocks.append(["code", token.content])
            elif token.type == "inline":
                blocks.append(["text", token.content])
        texts.append({"question": question.question, "blocks": blocks})
    work.mkdir(parents=True, exist_ok=True)
    (work / "notes.json").write_text(json.dumps(notes), encoding="utf-8")
    (work / "texts.json").write_text(json.dumps(texts), encoding="utf-8")
    (work / "markup.json").write_text(json.dumps(_markup(question_set)), encoding="utf-8")


def _markup(question_set: Any) -> list[dict[str, Any]]:
    """Each question's paragraphs as the booklet's markup, and its code as plain text."""
    from qexport.exporters.pdf.code_flowable import CodeFlowable
    from qexport.exporters.pdf.flowables import Para
    from qexport.exporters.pdf.markdown import FlowableRenderer
    from qexport.exporters.pdf.styles import styles_for
    from qexport.themes import load_theme

    renderer = FlowableRenderer(styles_for(load_theme(), "body"))
    questions = []
    for question in question_set.questions:
        blocks = []
        for flowable in renderer.render(question.answer):
            if isinstance(flowable, Para):
                blocks.append(["text", flowable.text])
            elif isinstance(flowable, CodeFlowable):
                code = "\n".join("".join(text for text, _ in line) for line in flowable.lines)
                blocks.append(["code", code])
        questions.append({"question": renderer.numbered_question(question), "blocks": blocks})
    return questions


def bare_genanki(work: Path, out: Path) -> None:
    import genanki

    notes = json.loads((work / "notes.json").read_text(encoding="utf-8"))
    model = genanki.Model(
        1_234_567_890,
        "Floor",
        fields=[{"name": n} for n in ("Question", "Answer", "Id", "Level", "Topic")],
        templates=[{"name": "Card", "qfmt": "{{Question}}", "afmt": "{{Answer}}"}],
    )
    decks: dict[str, genanki.Deck] = {}
    for index, note in enumerate(notes):
        deck = decks.setdefault(note["deck"], genanki.Deck(2_000_000 + len(decks), note["deck"]))
        deck.add_note(
            genanki.Note(
                model=model, fields=note["fields"], tags=note["tags"], guid=note["guid"], due=index
            )
        )
    genanki.Package(list(decks.values())).write_to_file(str(out / "floor.apkg"), timestamp=0)


def bare_reportlab(work: Path, out: Path, embedded: bool = False) -> None:
    from html import escape

    from reportlab.lib.styles import getSampleStyleSheet
    from reportlab.platypus import Paragraph, Preformatted, SimpleDocTemplate

    styles = getSampleStyleSheet()
    if embedded:  # the same floor, but with qexport's embedded TrueType faces
        from qexport.fonts import family

        serif, mono = family("IBM Plex Serif"), family("IBM Plex Mono")
        for name in ("Heading3", "BodyText"):
            styles[name].fontName = serif.bold if name == "Heading3" else serif.regular
        styles["Code"].fontName = mono.regular
    story = []
    for text in json.loads((work / "texts.json").read_text(encoding="utf-8")):
        story.append(Paragraph(escape(text["question"]), styles["Heading3"]))
        for kind, content in text["blocks"]:
            if kind == "code":
                story.append(Preformatted(content, styles["Code"]))
            else:
                story.append(Paragraph(escape(content), styles["BodyText"]))
    SimpleDocTemplate(str(out / "floor.pdf")).build(story)


def rich_reportlab(work: Path, out: Path) -> None:
    from reportlab.lib.styles import getSampleStyleSheet
    from reportlab.platypus import Paragraph, Preformatted, SimpleDocTemplate

    from qexport.exporters.pdf.styles import styles_for
    from qexport.themes import load_theme

    styles = styles_for(load_theme(), "body")
    code = getSampleStyleSheet()["Code"]
    code.fontName = styles.code_font.regular
    story = []
    for text in json.loads((work / "markup.json").read_text(encoding="utf-8")):
        story.append(Paragraph(text["question"], styles.question))
        for kind, content in text["blocks"]:
            if kind == "code":
                story.append(Preformatted(content, code))
            else:
                story.append(Paragraph(content, styles.body))
    SimpleDocTemplate(str(out / "floor-rich.pdf")).build(story)


def main() -> None:
    command, source, target = sys.argv[1], Path(sys.argv[2]), Path(sys.argv[3])
    if command == "reportlab-ttf":
        bare_reportlab(source, target, embedded=True)
        return
    if command == "reportlab-rich":
        rich_reportlab(source, target)
        return
    {"prepare": prepare, "genanki": bare_genanki, "reportlab": bare_reportlab}[command](
        source, target
    )


if __name__ == "__main__":
    main()
