"""The fewest edits between a template's steps and a path's layers, so that a missing, extra or
different layer is reported where it is (Levenshtein's alignment, with its edit script)."""
from __future__ import annotations

from collections.abc import Sequence

__all__ = ["align"]


def align(want: Sequence[str], have: Sequence[str]) -> list[tuple[str, int | None, int | None]]:
    """The fewest edits turning ``want`` into ``have`` (Levenshtein): a list of ("equal" |
    "replace", i, j), ("delete", i, None) for a missing step, ("insert", None, j) for an
    extra layer, in path order."""
    n, m = len(want), len(have)
    cost = [[0] * (m + 1) for _ in range(n + 1)]
    for i in range(n + 1):
        for j in range(m + 1):
            if i == 0 or j == 0:
                cost[i][j] = i + j
            else:
                cost[i][j] = min(cost[i - 1][j - 1] + (want[i - 1] != have[j - 1]),
                                 cost[i - 1][j] + 1, cost[i][j - 1] + 1)
    ops: list[tuple[str, int | None, int | None]] = []
    i, j = n, m
    while i or j:
        if i and j and cost[i][j] == cost[i - 1][j - 1] + (want[i - 1] != have[j - 1]):
            ops.append(("equal" if want[i - 1] == have[j - 1] else "replace", i - 1, j - 1))
            i, j = i - 1, j - 1
        elif i and cost[i][j] == cost[i - 1][j] + 1:
            ops.append(("delete", i - 1, None))
            i -= 1
        else:
            ops.append(("insert", None, j - 1))
            j -= 1
    return ops[::-1]
