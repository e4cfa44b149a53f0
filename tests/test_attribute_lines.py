"""Plain attribute lines, read fast: exactly the tokens the attrs plugin alone makes."""

from __future__ import annotations

import random

import pytest
from markdown_it import MarkdownIt
from mdit_py_plugins.attrs import attrs_block_plugin

from qexport import attribute_lines
from qexport.loader import parser


def _plugin_only() -> MarkdownIt:
    """The loader's parser without the fast rule."""
    options = {"html": False, "maxNesting": parser().options["maxNesting"]}
    return MarkdownIt("commonmark", options).use(attrs_block_plugin).disable("inline")


def _tokens(md: MarkdownIt, text: str) -> list[dict[str, object]]:
    return [token.as_dict() for token in md.parse(text)]


LINES = [
    "{#list-vs-tuple topic=data-types}",
    '{#gil topic=concurrency tags="pitfall cpython"}',
    "{.key}",
    "{ #a  .b  c=d }",
    "{#a .b c=d class=e .f #g}",  # the last id wins; classes gather, last
    '{k="" tags="a:b_c-d"}',
    "{topic=x topic=y}",
    "{#a}x}",  # ends early: the plugin's reading
    '{k="a\\"b"}',  # an escape: the plugin's reading
    "{#é topic=x}",  # a letter beyond ASCII: the plugin's reading
    "{}",
    "{#a %a comment%}",
    "{#a} {#b}",
    "{#a.b}",
    "{#}",
    "{.}",
    "{k=}",
    '{k="x}',
    "{#a\t.b}",
    "    {#indented topic=code}",
    "- {#in-a-list}",
    "> {.in-a-quote}",
]


@pytest.mark.parametrize("line", LINES)
def test_a_line_makes_the_plugins_tokens(line: str) -> None:
    text = f"{line}\n## A question?\n\n{line}\nA paragraph.\n"
    assert _tokens(parser(), text) == _tokens(_plugin_only(), text)


def test_plain_lines_are_read_without_the_plugin() -> None:
    rules = parser().block.ruler.get_active_rules()
    assert rules.index("plain_attr") == rules.index("attr") - 1
    plain = [line for line in LINES if attribute_lines.PLAIN_LINE.fullmatch(line.strip())]
    assert len(plain) == 9  # the test above covers both kinds of line
    assert attribute_lines.attributes("{#a .b c=d class=e .f #g}") == {
        "id": "g",
        "c": "d",
        "class": "b e f",
    }
    assert list(attribute_lines.attributes('{#a topic=b tags="x y"}')) == ["id", "topic", "tags"]


def test_random_attribute_lines_make_the_plugins_tokens() -> None:
    """Lines made of the characters that matter to the plugin's parser, in any order."""
    rng = random.Random(15)
    pieces = ["{", "}", "#", ".", "=", '"', " ", "\t", "\\", "%", ":", "_", "-", "a", "b", "1"]
    pieces += ["é", "#id", ".key", "k=v", 'k="v w"', "class=c", "topic=t"]
    fast, slow = parser(), _plugin_only()
    plain = 0
    for _ in range(3000):
        line = "{" + "".join(rng.choice(pieces) for _ in range(rng.randint(0, 8))) + "}"
        plain += bool(attribute_lines.PLAIN_LINE.fullmatch(line))
        text = f"{line}\nA paragraph.\n"
        assert _tokens(fast, text) == _tokens(slow, text), text
    assert plain > 100  # enough of them took the fast way
