"""Write a deterministic synthetic question bank in qexport's content format.

    python benchmarks/make_bank.py --questions 10000 --seed 1 --out /tmp/bank

The bank mirrors the bundled one: its level split (30/40/30), a dozen topics,
questions of 10-25 words, a key answer of 12-30 words, details of 40-150 words
with inline code, a fenced Python block in about 60% of answers, a few
120-character code lines and some non-ASCII text. The same arguments always
give the same files; the key answers come from a generator of their own, so
the rest of the bank is what it was before banks had key answers.
"""

from __future__ import annotations

import argparse
import random
import uuid
from pathlib import Path

LEVELS = (
    ("basic", "Basic", 0.3),
    ("intermediate", "Intermediate", 0.4),
    ("advanced", "Advanced", 0.3),
)
TOPICS = (
    "basics",
    "data-types",
    "functions",
    "oop",
    "iteration",
    "errors",
    "modules",
    "typing",
    "concurrency",
    "async",
    "internals",
    "performance",
)
WORDS = (  # noqa: SIM905 - a word list reads better as prose
    "object list tuple dict set generator iterator decorator closure scope class instance "
    "method attribute module package import thread process lock queue coroutine event loop "
    "buffer cache memory reference counter value key index slice string bytes encoding "
    "exception context manager protocol interface type hint annotation runtime compile "
    "bytecode interpreter garbage collector frame stack heap pointer call return yield"
).split()
ACCENTS = ("café", "naïve", "Straße", "déjà vu", "smörgåsbord", "Привет", "→ arrow")


def sentence(rng: random.Random, low: int, high: int) -> list[str]:
    return [rng.choice(WORDS) for _ in range(rng.randint(low, high))]


def question_text(rng: random.Random, number: int) -> str:
    words = sentence(rng, 8, 22)
    return f"How does {' '.join(words)} behave in case {number}?"


def answer_text(rng: random.Random) -> str:
    words = sentence(rng, 40, 150)
    for _ in range(rng.randint(1, 4)):
        at = rng.randrange(len(words))
        words[at] = f"`{words[at]}()`"
    if rng.random() < 0.15:
        words.insert(rng.randrange(len(words)), rng.choice(ACCENTS))
    paragraph = " ".join(words).capitalize() + "."
    if rng.random() >= 0.6:
        return paragraph
    lines = [f"{rng.choice(WORDS)}_{i} = {rng.randint(0, 999)}" for i in range(rng.randint(1, 8))]
    if rng.random() < 0.1:
        lines.append("total = " + " + ".join(f"value_{i}" for i in range(17))[:112])
    lines.append(f"print({lines[0].split(' = ')[0]})")
    return f"{paragraph}\n\n```python norun\n" + "\n".join(lines) + "\n```"


def key_text(rng: random.Random) -> str:
    words = sentence(rng, 12, 30)
    at = rng.randrange(len(words))
    words[at] = f"`{words[at]}`"
    return " ".join(words).capitalize() + "."


def make_bank(questions: int, seed: int, out: Path) -> None:
    rng = random.Random(seed)
    key_rng = random.Random(seed + 1_000_003)
    out.mkdir(parents=True, exist_ok=True)
    topics = "\n".join(f'{t} = "{t.replace("-", " ").capitalize()}"' for t in TOPICS)
    levels = "\n".join(f'{level} = "{label}"' for level, label, _ in LEVELS)
    set_id = uuid.uuid5(uuid.NAMESPACE_URL, f"qexport-bench-{seed}-{questions}")
    (out / "set.toml").write_text(
        f'[set]\nid = "{set_id}"\ntitle = "Synthetic Bank {questions}"\n'
        f'description = "A synthetic bank for benchmarks."\nauthor = "qexport benchmarks"\n'
        f'version = "1.0.0"\ntag_prefix = "bench"\n\n[levels]\n{levels}\n\n[topics]\n{topics}\n',
        encoding="utf-8",
    )
    number = 0
    for level, label, share in LEVELS:
        count = round(questions * share) if level != "advanced" else questions - number
        parts = [f"# {label}\n"]
        for _ in range(count):
            number += 1
            topic = TOPICS[rng.randrange(len(TOPICS))]
            parts.append(
                f"{{#q{number:06d} topic={topic}}}\n## {question_text(rng, number)}\n\n"
                f"{{.key}}\n{key_text(key_rng)}\n\n{answer_text(rng)}\n"
            )
        (out / f"{level}.md").write_text("\n".join(parts), encoding="utf-8")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--questions", type=int, required=True)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--out", type=Path, required=True)
    args = parser.parse_args()
    make_bank(args.questions, args.seed, args.out)


if __name__ == "__main__":
    main()
