"""Whole blocks dealt into columns of a page: full columns, then a balanced last page.

Pure arithmetic on heights (in points), so the cheat sheet can plan its pages
before it lays anything out. A block is never split: a column holds whole
blocks, and a block's `lead` (the space it wants above it) counts only where
another block precedes it in the column.
"""

from __future__ import annotations

from collections.abc import Sequence
from itertools import combinations, pairwise

Columns = list[list[int]]  # each column's blocks, by their index


def packed(heights: Sequence[float], leads: Sequence[float], limit: float) -> Columns:
    """Each column as full as `limit` lets it be, in order; a taller block has one to itself."""
    result: Columns = []
    used = 0.0
    for index, height in enumerate(heights):
        if result and used + leads[index] + height <= limit:
            result[-1].append(index)
            used += leads[index] + height
        else:
            result.append([index])
            used = height
    return result


def column_height(
    column: Sequence[int], heights: Sequence[float], leads: Sequence[float]
) -> float:
    return sum(heights[i] for i in column) + sum(leads[i] for i in column[1:])


def balanced(
    heights: Sequence[float], leads: Sequence[float], limit: float, count: int
) -> Columns:
    """The blocks cut into `count` runs (fewer if there are fewer blocks), as even as can be.

    Of every cut that keeps each column within `limit`, the one whose tallest
    and shortest columns differ least (then the lowest). A page holds a few
    dozen blocks: trying every cut is quick.
    """
    total = len(heights)
    best: tuple[tuple[float, float], tuple[int, ...]] | None = None
    for cuts in combinations(range(1, total), min(count, total) - 1):
        edges = (0, *cuts, total)
        spans = [column_height(range(a, b), heights, leads) for a, b in pairwise(edges)]
        score = (max(spans) - min(spans), max(spans))
        if max(spans) <= limit and (best is None or score < best[0]):
            best = (score, edges)
    if best is None:  # only if a block is taller than `limit`: leave the packing as it is
        return packed(heights, leads, limit)
    return [list(range(a, b)) for a, b in pairwise(best[1])]


def laid_out(
    heights: Sequence[float], leads: Sequence[float], limit: float, count: int
) -> Columns:
    """Every page's `count` columns: full ones, then the last page's, balanced."""
    full = packed(heights, leads, limit)
    if not full:
        return []
    last = (len(full) - 1) // count * count  # the last page's first column
    start = full[last][0]
    rest = balanced(heights[start:], leads[start:], limit, count)
    return [*full[:last], *[[start + i for i in column] for column in rest]]


def spread(
    columns: Columns,
    heights: Sequence[float],
    leads: Sequence[float],
    limit: float,
    count: int,
    most: float,
) -> list[float]:
    """The space to add between each column's blocks so that it ends level.

    Full pages end at `limit`; the last page, at its tallest column. No gap
    grows by more than `most`: a column that would need more ends short.
    """
    used = [column_height(column, heights, leads) for column in columns]
    last = (len(columns) - 1) // count * count
    targets = [limit] * last + [max(used[last:], default=0.0)] * (len(columns) - last)
    return [
        min((target - height) / (len(column) - 1), most) if len(column) > 1 else 0.0
        for column, height, target in zip(columns, used, targets, strict=True)
    ]
