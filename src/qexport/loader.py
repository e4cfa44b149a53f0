"""Reading `content/` into one `QuestionSet`.

A level file holds that level's questions, in order. Each question is a
`##` heading preceded by an attribute line, and its answer runs until the
next question::

    {#list-vs-tuple topic=data-types tags="comparison"}
    ## What is the difference between a list and a tuple?

    Lists are mutable; tuples are not. ...

The loader checks everything it can, collects every problem, and raises one
`ContentErrors` at the end, so authors see all of them in one run.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from itertools import pairwise
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from markdown_it import MarkdownIt
from markdown_it.token import Token
from mdit_py_plugins.attrs import attrs_block_plugin

from qexport import anki_ids, attribute_lines, key_answers, media, set_checks, unrendered
from qexport.codeblocks import blocks_from_tokens, check_python
from qexport.errors import ContentError, ContentErrors, ContentWarning, did_you_mean
from qexport.level_tokens import is_question_heading, line_attributes
from qexport.metadata import METADATA_FILE, SLUG, Metadata, load_metadata, slug_hint
from qexport.model import Question, QuestionSet, Topic
from qexport.normalize import check_characters, kept_lines, read_text
from qexport.tags import merged_tags, tag_problem

if TYPE_CHECKING:
    from qexport.references import FileDefinitions

QUESTION_ATTRS = ("id", "topic", "tags", "guid", "notetype")
IGNORED_FILES = frozenset({"readme.md"})
MAX_ID_LENGTH = 64
# Limits that keep one run within a laptop's memory and a learner's patience.
MAX_QUESTIONS = 25_000
MAX_QUESTION_CHARS = 1_000
MAX_ANSWER_CHARS = 100_000
# Past this many, more errors from one file only bury the first ones.
MAX_ERRORS_PER_FILE = 200
# The renderers' parser stops at this depth and drops what is deeper, without a word.
RENDER_MAX_NESTING = 20


@dataclass(frozen=True)
class Loaded:
    question_set: QuestionSet
    warnings: tuple[ContentWarning, ...]


@cache
def parser() -> MarkdownIt:
    """The block structure of content files: CommonMark plus attribute lines.

    Inline parsing is off: the loader needs blocks and their lines only, and
    the renderer parses inline Markdown when it renders. It nests one level
    deeper than the renderers, so what they would drop shows up (`_too_deep`).
    """
    options = {"html": False, "maxNesting": RENDER_MAX_NESTING + 1}
    md = MarkdownIt("commonmark", options).use(attrs_block_plugin).use(attribute_lines.use)
    return md.disable("inline")  # built once: callers only parse with it


def load(content_dir: Path) -> Loaded:
    """Load and validate the set in `content_dir`; raise ContentErrors on any problem."""
    errors: list[ContentError] = []
    notes: list[ContentWarning] = []
    if not content_dir.is_dir():
        raise ContentErrors(
            [ContentError("no such content directory (use --content DIR)", content_dir)]
        )
    metadata = load_metadata(content_dir, errors)
    questions: list[Question] = []
    image_refs: list[media.ImageRef] = []
    topics = metadata.topics if metadata else None
    for level_id, path in _level_files(content_dir, metadata, errors):
        found = _read_level(path, level_id, topics, errors, notes, image_refs, len(questions))
        questions.extend(found)
        if len(questions) > MAX_QUESTIONS:
            errors.append(
                ContentError(
                    f"more than {MAX_QUESTIONS:,} questions (stopped reading here); "
                    "split the bank into several sets",
                    path,
                    questions[MAX_QUESTIONS].line,
                )
            )
            break
    media.check_names(image_refs, errors)
    media.check_files(image_refs, content_dir, errors)

    set_checks.duplicate_ids(questions, errors)
    if metadata is not None and metadata.meta is not None:
        errors.extend(anki_ids.identity_errors(questions, metadata.meta, metadata.path))
        key_errors, key_notes = key_answers.check(questions, metadata.meta.key_answers)
        errors.extend(key_errors)
        notes.extend(key_notes)
    errors.extend(merged_tags(questions))
    notes.extend(set_checks.near_duplicates(questions))
    if metadata is not None and not questions:
        errors.append(ContentError("the set has no questions", metadata.path, 1))
    if metadata is not None and topics is not None and not errors:
        notes.extend(set_checks.unused_topics(topics, questions, metadata.path, metadata.text))
    if errors or not (metadata and metadata.meta and metadata.levels and topics):
        raise ContentErrors(_in_order(errors), _in_order(notes))
    question_set = QuestionSet(
        metadata.meta, metadata.levels, topics, tuple(questions), content_dir=content_dir
    )
    return Loaded(question_set, tuple(_in_order(notes)))


Problem = TypeVar("Problem", ContentError, ContentWarning)


def _in_order(problems: Sequence[Problem]) -> list[Problem]:
    return sorted(problems, key=lambda p: (str(p.path), p.line or 0))


def _level_files(
    content_dir: Path, metadata: Metadata | None, errors: list[ContentError]
) -> list[tuple[str, Path]]:
    """(level id, file) pairs in level order; without usable levels, every file by name."""
    present = sorted(
        p for p in content_dir.glob("*.md") if p.is_file() and p.name.lower() not in IGNORED_FILES
    )
    if metadata is None or metadata.levels is None:
        return [(path.stem, path) for path in present]
    level_ids = [level.id for level in metadata.levels]
    for path in present:
        if path.stem not in level_ids:
            hint = did_you_mean(path.stem, level_ids)
            errors.append(
                ContentError(
                    f"'{path.name}' is not a level in {METADATA_FILE} "
                    f"({', '.join(level_ids)}){hint}",
                    path,
                    1,
                )
            )
    files = []
    for level_id in level_ids:
        path = content_dir / f"{level_id}.md"
        if path in present:
            files.append((level_id, path))
        else:
            errors.append(
                ContentError(
                    f"level '{level_id}' has no questions: expected a file {path}",
                    metadata.path,
                    metadata.level_line(level_id),
                )
            )
    return files


def _read_level(
    path: Path,
    level_id: str,
    topics: Sequence[Topic] | None,
    errors: list[ContentError],
    notes: list[ContentWarning],
    image_refs: list[media.ImageRef],
    numbered: int,  # the questions before this file's: they are numbered from 1 in set order
) -> list[Question]:
    try:
        text = read_text(path, within=path.parent)  # level files lie in the content folder
    except ContentError as error:
        errors.append(error)
        return []
    errors.extend(check_characters(text, path))
    lines = text.split("\n")
    env: dict[str, Any] = {}
    tokens = parser().parse(text, env)
    definitions = None
    if env.get("references"):  # only then the renderers' parser (and Pygments) is needed
        from qexport.references import FileDefinitions

        definitions = FileDefinitions.of(env, tokens, len(text), path, errors)
    _too_deep(tokens, path, errors)
    notes.extend(key_answers.stray_attributes(tokens, path))
    notes.extend(unrendered.warnings(text, tokens, path))
    blocks = blocks_from_tokens(tokens, lines, path, 1, errors, notes)
    for block in blocks:
        check_python(block, errors, notes)

    starts = [i for i, t in enumerate(tokens) if is_question_heading(t)]
    _check_preamble(tokens[: starts[0] if starts else len(tokens)], path, errors)
    if not starts:
        errors.append(ContentError("no questions: each starts with a '## ' heading", path, 1))
    questions: list[Question] = []
    errors_before = len(errors)
    for start, end in pairwise([*starts, len(tokens)]):
        if len(errors) - errors_before >= MAX_ERRORS_PER_FILE:
            line = (tokens[start].map or [0])[0] + 1
            errors.append(
                ContentError(
                    f"stopped checking this file after {MAX_ERRORS_PER_FILE} errors", path, line
                )
            )
            break
        stop = _answer_stop(tokens, end, len(lines))
        question = _read_question(
            tokens[start:end],
            lines,
            stop,
            path,
            level_id,
            topics,
            errors,
            image_refs,
            definitions,
            number=numbered + len(questions) + 1,
        )
        if question is not None:
            questions.append(question)
    headings = [(tokens[start].map or [0])[0] + 1 for start in starts]
    return key_answers.with_key_code(questions, blocks, headings, errors)


def _too_deep(tokens: Sequence[Token], path: Path, errors: list[ContentError]) -> None:
    """Blocks nested deeper than the renderers go: they would vanish from every output.

    A block the renderers' parser would still make sits below RENDER_MAX_NESTING;
    only the inline text of a paragraph or heading may sit at that level.
    """
    deep = False
    for token in tokens:
        if token.level < RENDER_MAX_NESTING:
            deep = False
        elif token.type != "inline" and token.map and not deep:
            deep = True  # one report for each deep stretch: its every block is as deep
            errors.append(
                ContentError(
                    "nested too deeply to be shown (lists at most 9 levels deep, quotes 19); "
                    "flatten it",
                    path,
                    token.map[0] + 1,
                )
            )


def _answer_stop(tokens: Sequence[Token], end: int, line_count: int) -> int:
    """The line where the answer before `tokens[end]` (a question heading) must stop.

    Reference definitions (`[r]: images/x.png`) make no token, so an answer
    runs to the next question's attribute line, not to its last block.
    """
    if end >= len(tokens):
        return line_count
    heading = tokens[end]
    assert heading.map is not None  # block tokens always carry their lines
    return heading.map[0] - (1 if heading.attrs else 0)


def _check_preamble(tokens: Sequence[Token], path: Path, errors: list[ContentError]) -> None:
    """Before the first question, only a title and prose are allowed."""
    for token in tokens:
        if line_attributes(token) and token.map is not None:
            errors.append(
                ContentError(
                    "attributes must stand directly above a '## ' question heading",
                    path,
                    token.map[0],
                )
            )


def _read_question(
    tokens: Sequence[Token],
    lines: Sequence[str],
    stop: int,  # the line where its answer ends (`_answer_stop`)
    path: Path,
    level_id: str,
    topics: Sequence[Topic] | None,
    errors: list[ContentError],
    image_refs: list[media.ImageRef],
    definitions: FileDefinitions | None,
    number: int,  # its place in the set, from 1, should it be good
) -> Question | None:
    heading, inline = tokens[0], tokens[1]
    assert heading.map is not None  # block tokens always carry their lines
    line = heading.map[0] + 1
    before = len(errors)

    def error(message: str) -> None:
        errors.append(ContentError(message, path, line))

    attrs = {str(k): str(v) for k, v in heading.attrs.items()}
    if not attrs:
        above = lines[line - 2].lstrip() if line >= 2 else ""
        if above.startswith("{"):
            error(
                "the attribute line above this question was not understood: it needs a blank "
                'line before it and the form {#some-id topic=some-topic tags="a b"}'
            )
        else:
            error("question has no id: put {#some-id topic=some-topic} on the line above it")
    for key in attrs:
        if key == "class":
            error(key_answers.class_on_question(attrs[key]))
        elif key not in QUESTION_ATTRS:
            error(f"unknown attribute '{key}'{did_you_mean(key, QUESTION_ATTRS)}")
    question_id = attrs.get("id", "")
    if attrs and not question_id:
        error("question has no id: add #some-id to its attribute line")
    elif question_id and not (SLUG.fullmatch(question_id) and len(question_id) <= MAX_ID_LENGTH):
        hint = slug_hint(question_id)
        error(f"id '{question_id}' must be a lowercase slug like 'list-vs-tuple'{hint}")
    topic = attrs.get("topic", "")
    if attrs and not topic:
        error("question has no topic: add topic=... to its attribute line")
    elif topic and topics is not None and topic not in {t.id for t in topics}:
        error(f"unknown topic '{topic}'{did_you_mean(topic, [t.id for t in topics])}")
    # Split at spaces only: any other space inside a tag is refused, not taken for a separator.
    tags = sorted(set(attrs.get("tags", "").split(" ")) - {""})
    for tag in tags:
        if (problem := tag_problem(tag)) is not None:
            error(f"tag '{tag}' {problem}")
    guid, notetype, problems = anki_ids.kept_identity(attrs)
    for problem in problems:
        error(problem)
    question_text = " ".join(inline.content.split())
    if not question_text:
        error("question has no text")
    elif len(question_text) > MAX_QUESTION_CHARS:
        error(f"the question is {len(question_text):,} characters; at most {MAX_QUESTION_CHARS:,}")

    body = [t for t in tokens[3:] if t.map is not None and t.level == 0]
    key, key_line, details_start = key_answers.key_paragraph(body, lines, path, errors)
    if key:
        body = body[1:]
    if any(t.type == "heading_open" and t.tag == "h1" for t in body):
        h1 = next(t for t in body if t.type == "heading_open" and t.tag == "h1")
        errors.append(
            ContentError("a '#' heading inside an answer", path, (h1.map or [line])[0] + 1)
        )
    details = range(details_start if key else heading.map[1], stop)
    answer, file_lines = _answer_markdown(body, lines, details, definitions)
    if definitions is not None:
        question_text = definitions.inline(question_text)
        key = definitions.inline(key)
        if definitions.over_budget():
            error(
                "the file's reference definitions, copied to the answers that use them, "
                "would be longer than the file itself; write these links inline"
            )
    if not body and not key:
        error("no answer")
    elif len(answer) > MAX_ANSWER_CHARS:
        error(
            f"the answer is {len(answer):,} characters; a flash card's answer may have at most "
            f"{MAX_ANSWER_CHARS:,}"
        )
    if media.shows_image(question_text):
        error("a question cannot show an image (it is printed as text); put it in the answer")
    if media.shows_image(key):
        message = "a key answer cannot show an image; put it in the details"
        errors.append(ContentError(message, path, key_line))
    images = media.answer_images(answer, file_lines, path, errors, image_refs)
    if len(errors) > before:
        return None
    return Question(
        id=question_id,
        number=number,
        level=level_id,
        topic=topic,
        tags=tuple(tags),
        question=question_text,
        answer=answer,
        path=path,
        line=line,
        answer_line=file_lines[0] if file_lines else 0,
        images=images,
        key=key,
        key_line=key_line,
        guid=guid,
        notetype=notetype,
    )


def _answer_markdown(
    body: Sequence[Token],
    lines: Sequence[str],
    region: range,
    definitions: FileDefinitions | None,
) -> tuple[str, list[int]]:
    """The answer's source lines, without stray blank lines outside code, and their file lines.

    `region` holds the file's lines (from 0) between its question and the next
    one. Reference definitions standing there outside any block stay only if
    the answer uses them, and it gets copies of those it uses from elsewhere
    in the file, so it holds its own blocks and exactly the definitions they use.
    """
    if not body:
        return "", []
    code = {
        i for t in body if t.type == "fence" and t.map for i in range(t.map[0] + 1, t.map[1] - 1)
    }
    if definitions is None:
        return _kept(lines, region, code, set())
    blocks, _ = _kept(lines, region, code, definitions.standing_lines(region))
    used = definitions.used_by(blocks)
    answer, file_lines = _kept(lines, region, code, definitions.standing_lines(region, used))
    answer = definitions.add_copies(answer, file_lines, used, region)  # file_lines grows too
    return answer, file_lines


def _kept(
    lines: Sequence[str], region: range, code: set[int], left_out: set[int]
) -> tuple[str, list[int]]:
    """The lines of `region` but `left_out`, as `kept_lines` keeps them, and their file lines."""
    indexes = [i for i in region if i not in left_out]
    kept = kept_lines([lines[i] for i in indexes], {k for k, i in enumerate(indexes) if i in code})
    return "\n".join(lines[indexes[k]] for k in kept), [indexes[k] + 1 for k in kept]
