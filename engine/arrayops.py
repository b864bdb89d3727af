"""Array helpers the engine's hot paths share."""

from __future__ import annotations

import re
from collections.abc import Sequence

import numpy as np


def unique_sorted(values) -> np.ndarray:
    """Return the sorted distinct values of an integer array (what ``np.unique`` returns).

    ``np.unique`` finds the distinct values of a plain integer array with a hash table
    and then sorts them; on the engine's index arrays (thousands of rack, link or
    device indexes, few of them repeated) one sort and one comparison is several
    times faster. Arrays that are not integers go to ``np.unique``.

    Examples
    --------
    >>> unique_sorted(np.array([3, 1, 3, 2])).tolist()
    [1, 2, 3]
    >>> unique_sorted(np.zeros(0, np.int64)).tolist()
    []
    >>> unique_sorted(np.array([[2, 2], [0, 1]])).tolist()
    [0, 1, 2]
    """
    a = np.asarray(values)
    if a.dtype.kind not in "iub":
        return np.unique(a)
    a = np.sort(a, axis=None)
    if len(a) < 2:
        return a
    keep = np.empty(len(a), bool)
    keep[0] = True
    np.not_equal(a[1:], a[:-1], out=keep[1:])
    return a[keep]


def natural_key(name: str) -> tuple:
    """Return a sort key that orders the numbers inside names by value (R2 < R10 < R100).

    Examples
    --------
    >>> sorted(["R100", "R11", "R2", "R10", "A"], key=natural_key)
    ['A', 'R2', 'R10', 'R11', 'R100']
    """
    parts = re.split(r"(\d+)", name)
    # text and numbers alternate from the first part, so each position compares alike
    return (tuple(int(t) if k % 2 else t.casefold() for k, t in enumerate(parts)), name)


def natural_groups(names: Sequence[str]) -> tuple[list[str], np.ndarray]:
    """Return the distinct ``names`` in natural order and each name's index among them."""
    if not names:
        return [], np.zeros(0, np.int64)
    uniq, inv = np.unique(np.asarray(names, dtype=str), return_inverse=True)
    order = sorted(range(len(uniq)), key=lambda j: natural_key(str(uniq[j])))
    rank = np.empty(len(uniq), np.int64)
    rank[order] = np.arange(len(uniq))
    return [str(uniq[j]) for j in order], rank[np.asarray(inv).reshape(-1)]
