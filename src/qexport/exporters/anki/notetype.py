"""The Anki note type, frozen: its fields, its card template and its CSS.

Anki matches note types by id. Changing the CSS or the template text later is
safe: a re-import updates the note type in place. Adding, removing, renaming
or reordering FIELDS or TEMPLATES is not: Anki would make a second note type
and refuse to update any existing note. tests/test_anki.py guards them
against a golden copy.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

from qexport.model import KeptNotetype
from qexport.themes import Theme

# Question and Answer come first, so a CSV imported into Anki's Basic type
# still maps sensibly when this note type is missing.
FIELDS = ("Question", "Answer", "Id", "Level", "Topic")
SORT_FIELD = "Id"
TEMPLATE_NAME = "Recall"

FRONT = (
    '<div class="qx-meta"><span class="qx-level">{{Level}}</span> · '
    '<span class="qx-topic">{{Topic}}</span></div>\n'
    '<div class="qx-question">{{Question}}</div>\n'
)

BACK = """\
{{FrontSide}}
<hr id="answer">
<div class="qx-answer">{{Answer}}</div>
"""

FONT_STACK = 'system-ui, -apple-system, "Segoe UI", Roboto, "Noto Sans", sans-serif'
MONO_STACK = 'ui-monospace, "SF Mono", Menlo, Consolas, "Liberation Mono", monospace'
# Anki desktop and AnkiMobile mark night mode with .nightMode, AnkiDroid with .night_mode,
# on the card itself or on an ancestor.
NIGHT = (".card.nightMode", ".card.night_mode", ".nightMode .card", ".night_mode .card")


def templates() -> list[dict[str, str]]:
    return [{"name": TEMPLATE_NAME, "qfmt": FRONT, "afmt": BACK}]


def kept_templates(kept: KeptNotetype) -> list[dict[str, str]]:
    """The card templates of a note type kept from another deck, under their own names.

    Its first field holds the question and its second the answer, as in FIELDS; it has no
    level and topic fields. Its first template is the recall card; any other shows the
    answer and asks for the question, as "Basic (and reversed card)" does.
    """
    question, answer = (f"{{{{{name}}}}}" for name in kept.fields[:2])
    recall = (
        f'<div class="qx-question">{question}</div>\n',
        f'{{{{FrontSide}}}}\n<hr id="answer">\n<div class="qx-answer">{answer}</div>\n',
    )
    reverse = (
        f'<div class="qx-answer">{answer}</div>\n',
        f'{{{{FrontSide}}}}\n<hr id="answer">\n<div class="qx-question">{question}</div>\n',
    )
    return [
        {"name": name, "qfmt": sides[0], "afmt": sides[1]}
        for name, sides in zip(
            kept.templates, [recall] + [reverse] * (len(kept.templates) - 1), strict=True
        )
    ]


def _colours(selector: str, palette: Mapping[str, str]) -> str:
    return f"""\
{selector} {{ color: {palette["text"]}; background-color: {palette["background"]}; }}
{_scoped(selector, ".qx-meta")} {{ color: {palette["muted"]}; }}
{_scoped(selector, "a")} {{ color: {palette["accent"]}; }}
{_scoped(selector, "hr#answer")} {{ border-top-color: {palette["rule"]}; }}
{_scoped(selector, ".qx-key")} {{ border-left-color: {palette["accent"]}; }}
{_scoped(selector, ".qx-answer th")}, {_scoped(selector, ".qx-answer td")} {{ \
border-color: {palette["rule"]}; }}
{_scoped(selector, ".qx-answer th")} {{ background: {palette["code_background"]}; }}
{_scoped(selector, ":not(pre) > code")} {{ color: {palette["code_text"]}; \
background: {palette["code_background"]}; }}
"""


def _scoped(selectors: str, child: str) -> str:
    return ", ".join(f"{s.strip()} {child}" for s in selectors.split(","))


def css(theme: Theme) -> str:
    """The note type's stylesheet: layout, then day and night colours, then code."""
    layout = f"""\
.card {{
  font-family: {FONT_STACK};
  font-size: 18px;
  line-height: 1.5;
  text-align: left;
  margin: 0 auto;
  max-width: 42em;
  padding: 0 0.75em;
  overflow-wrap: break-word;
}}
.qx-meta {{ font-size: 0.75em; letter-spacing: 0.02em; margin-bottom: 0.4em; }}
.qx-level {{ font-weight: 600; }}
.qx-question {{ font-size: 1.15em; font-weight: 600; }}
hr#answer {{ border: 0; border-top: 1px solid; margin: 1em 0; }}
.qx-key {{
  font-size: 1.05em;
  font-weight: 600;
  margin: 0.2em 0 0.9em;
  padding-left: 0.6em;
  border-left: 3px solid;
}}
.qx-answer p, .qx-answer ul, .qx-answer ol {{ margin: 0.6em 0; }}
.qx-answer ul, .qx-answer ol {{ padding-left: 1.4em; }}
/* A heading in an answer ranks below the question: bold at the text's size, as in the PDFs. */
.qx-answer h1, .qx-answer h2, .qx-answer h3, .qx-answer h4, .qx-answer h5, .qx-answer h6 {{
  font-size: 1em;
  margin: 0.9em 0 0.3em;
}}
/* A table is its own scroll box: text wraps in its cells, and a table still wider than
   the card (long code in a cell) scrolls sideways instead of widening the card. */
.qx-answer table {{
  display: block;
  width: max-content;
  max-width: 100%;
  overflow-x: auto;
  -webkit-overflow-scrolling: touch;
  border-collapse: collapse;
  margin: 0.7em 0;
  font-size: 0.92em;
}}
.qx-answer th, .qx-answer td {{ border: 1px solid; padding: 0.3em 0.6em; vertical-align: top; }}
.qx-answer th {{ font-weight: 600; }}
code, pre {{ font-family: {MONO_STACK}; }}
:not(pre) > code {{ font-size: 0.88em; padding: 0.1em 0.3em; border-radius: 4px; }}
pre.highlight {{
  font-size: 0.8em;
  line-height: 1.45;
  text-align: left;
  white-space: pre;
  overflow-x: auto;
  -webkit-overflow-scrolling: touch;
  padding: 0.7em 0.9em;
  border-radius: 6px;
  margin: 0.7em 0;
  max-width: 100%;
  box-sizing: border-box;
}}
pre.highlight code {{ font-size: 1em; background: none; padding: 0; }}
/* A long line wraps with a hanging indent past its own (--i), so a phone shows every
   `# -> result`; blocks whose layout is their meaning scroll, with the shadow as cue. */
pre.highlight.wrap {{ white-space: pre-wrap; overflow-wrap: anywhere; }}
pre.highlight.wrap .ln {{
  display: block;
  padding-left: calc((var(--i, 0) + 4) * 1ch);
  text-indent: calc((var(--i, 0) + 4) * -1ch);
}}
/* A break between any two tokens (a zero-width space, never copied): else a line whose
   first token is too long breaks after its indentation and shows deeper than it is. */
pre.highlight.wrap .ln > span::after {{ content: "\\200b"; }}
img {{ max-width: 100%; height: auto; }}
@media (max-width: 480px) {{
  .card {{ font-size: 17px; padding: 0 0.4em; }}
  pre.highlight {{ font-size: 0.76em; padding: 0.6em 0.7em; }}
}}
"""
    return "".join(
        [
            layout,
            _colours(".card", theme.palette),
            _colours(", ".join(NIGHT), theme.night),
            theme.code_css(),
        ]
    )


_FIELD_REFERENCE = re.compile(r"\{\{([^{}]+)\}\}")


def render_card(template: str, fields: Mapping[str, str], front: str = "") -> str:
    """A card side as Anki renders it: our templates use plain {{Field}} only.

    One pass over the template, as Anki does: a field's text is put in as it
    is, so `{{Answer}}` written in an answer shows as written, never expanded.
    """
    values = {**fields, "FrontSide": front}

    def value(reference: re.Match[str]) -> str:
        return values.get(reference.group(1).strip(), reference.group(0))

    return _FIELD_REFERENCE.sub(value, template)
