"""Agreement of a measured indicator with a known ordering of groups (for checks against the simulator).

The recommender fits no cut-points. To see whether the foot-loading description separates the
simulator's flat / normal / high feet, :func:`concordance` counts, over every pair of subjects
from different groups, how often the indicator orders them as the groups are ordered (ties
count one half): 1 = always, 0.5 = chance. It is the c-index (Harrell et al. 1982, JAMA
247:2543) of the indicator against an ordinal truth. Against the simulator it is an upper bound,
not an accuracy: the simulator builds the rule in (a flat foot is defined with more midfoot load
and a more medial path), which real feet do not follow (De Cock et al. 2008; Buldt et al. 2018).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

__all__ = ["concordance"]


def concordance(values: Sequence[float], groups: Sequence[str], order: Sequence[str]) -> float:
    """Share of cross-group pairs that ``values`` order like ``order`` (low to high); ties count 1/2.

    Parameters
    ----------
    values : sequence of float
        Indicator per subject (NaN subjects are left out).
    groups : sequence of str
        Group per subject, each one of ``order``.
    order : sequence of str
        Groups from the lowest expected indicator to the highest.

    Returns
    -------
    float
        In [0, 1]; NaN when there is no pair of subjects from different groups.

    Examples
    --------
    >>> concordance([1, 2, 3], ["a", "b", "c"], ["a", "b", "c"])
    1.0
    >>> concordance([3, 2, 1], ["a", "b", "c"], ["a", "b", "c"])
    0.0
    """
    v = np.asarray(values, dtype=np.float64)
    rank = {g: i for i, g in enumerate(order)}
    r = np.array([rank[g] for g in groups], dtype=np.int64)
    ok = np.isfinite(v)
    v, r = v[ok], r[ok]
    dr = r[:, None] - r[None, :]
    dv = v[:, None] - v[None, :]
    pairs = dr > 0
    n = int(pairs.sum())
    if n == 0:
        return float("nan")
    score = (dv[pairs] > 0).sum() + 0.5 * (dv[pairs] == 0).sum()
    return float(score / n)
