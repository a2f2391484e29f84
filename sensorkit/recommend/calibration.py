"""Fitting the sparse-insole cut-points on a labelled (simulated) cohort, and scoring classifiers.

Pure numpy, deterministic: used by ``benchmarks/recommend_cohort.py`` to write the
``calibrated`` block of ``thresholds.json``.

Method. Classes of an indicator are ordered along its value (e.g. high < normal < flat for
the arch indicator). Each of the two boundaries is fitted on the two neighbouring classes
only: the cut-point maximising their balanced accuracy, taken at the middle of the first
run of optimal candidate cut-points (for separated classes, halfway across the gap between
them). Severe cut-points lie one normal-band width (upper - lower) beyond each boundary
(a sensorkit convention: clearly outside the range the cut-points were fitted on). An
indicator is *usable* for a strike pattern when at least ``min_finite_frac`` of each class
has a value and its three-class training balanced accuracy reaches ``min_balanced_accuracy``.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

__all__ = [
    "MIN_BALANCED_ACCURACY",
    "MIN_FINITE_FRAC",
    "balanced_accuracy",
    "confusion_matrix",
    "fit_boundary",
    "fit_cutpoints",
    "predict_three",
]

#: Training balanced accuracy an indicator needs to be used (sensorkit calibration convention).
MIN_BALANCED_ACCURACY = 0.8
#: Fraction of each class that must have a finite value (sensorkit calibration convention).
MIN_FINITE_FRAC = 0.8


def fit_boundary(low: np.ndarray, high: np.ndarray) -> tuple[float, float]:
    """Cut-point ``t`` separating two classes (``x <= t`` -> low class) and its balanced accuracy.

    Parameters
    ----------
    low, high : ndarray
        Finite indicator values of the class with lower values and of the one with higher values.

    Returns
    -------
    threshold : float
    balanced_accuracy : float
    """
    low = np.sort(np.asarray(low, dtype=np.float64))
    high = np.sort(np.asarray(high, dtype=np.float64))
    if not low.size or not high.size:
        raise ValueError("fit_boundary needs values of both classes")
    values = np.unique(np.concatenate([low, high]))
    # Candidates: below everything, every midpoint, above everything.
    cand = np.concatenate(([values[0] - 1.0], 0.5 * (values[1:] + values[:-1]), [values[-1] + 1.0]))
    sens_low = np.searchsorted(low, cand, side="right") / low.size
    spec_high = 1.0 - np.searchsorted(high, cand, side="right") / high.size
    ba = 0.5 * (sens_low + spec_high)
    best = ba.max()
    opt = np.flatnonzero(np.isclose(ba, best, rtol=0.0, atol=1e-12))
    # The first contiguous run of optimal candidates; its middle is the cut-point.
    breaks = np.flatnonzero(np.diff(opt) > 1)
    stop = opt[breaks[0]] if breaks.size else opt[-1]
    t = 0.5 * float(cand[opt[0]] + cand[stop])
    return t, float(best)


def predict_three(values: np.ndarray, lower: float, upper: float, classes: Sequence[str]) -> np.ndarray:
    """Labels of ``values`` with inclusive cut-points (``<= lower`` first class, ``>= upper`` last)."""
    v = np.asarray(values, dtype=np.float64)
    out = np.full(v.shape, classes[1], dtype=object)
    out[v <= lower] = classes[0]
    out[v >= upper] = classes[2]
    out[~np.isfinite(v)] = "unknown"
    return out


def fit_cutpoints(
    values: np.ndarray,
    labels: np.ndarray,
    classes: Sequence[str],
    *,
    min_balanced_accuracy: float = MIN_BALANCED_ACCURACY,
    min_finite_frac: float = MIN_FINITE_FRAC,
) -> dict | None:
    """Fit the lower/upper cut-points of one indicator (see the module docstring).

    Parameters
    ----------
    values : ndarray
        Indicator value per sample (NaN allowed).
    labels : ndarray of str
        True class per sample, one of ``classes``.
    classes : sequence of 3 str
        Class labels ordered from low to high indicator values.

    Returns
    -------
    dict or None
        ``lower``, ``upper``, ``severe_lower``, ``severe_upper``, ``train_balanced_accuracy``,
        ``n`` (samples per class); None when the indicator is unusable.
    """
    v = np.asarray(values, dtype=np.float64)
    lab = np.asarray(labels).astype(str)
    per_class = []
    for c in classes:
        sel = lab == c
        if not sel.any():
            return None
        finite = v[sel][np.isfinite(v[sel])]
        if finite.size < min_finite_frac * sel.sum() or finite.size == 0:
            return None
        per_class.append(finite)
    lower, _ = fit_boundary(per_class[0], per_class[1])
    upper, _ = fit_boundary(per_class[1], per_class[2])
    if lower > upper:
        lower = upper = 0.5 * (lower + upper)
    pred = predict_three(v, lower, upper, classes)
    ba = balanced_accuracy(lab, pred, classes)
    if ba < min_balanced_accuracy:
        return None
    width = upper - lower
    return {
        "lower": lower,
        "upper": upper,
        "severe_lower": lower - width,
        "severe_upper": upper + width,
        "train_balanced_accuracy": ba,
        "n": {c: int((lab == c).sum()) for c in classes},
    }


def confusion_matrix(truth: Sequence[str], predicted: Sequence[str], classes: Sequence[str]) -> np.ndarray:
    """Counts ``[i, j]`` of true class ``classes[i]`` predicted as column ``j``.

    Columns are ``classes`` followed by one "other" column (unknown / inconclusive / any label
    not in ``classes``).
    """
    t = np.asarray(truth).astype(str)
    p = np.asarray(predicted).astype(str)
    out = np.zeros((len(classes), len(classes) + 1), dtype=np.int64)
    index = {c: i for i, c in enumerate(classes)}
    for a, b in zip(t, p, strict=True):
        if a in index:
            out[index[a], index.get(b, len(classes))] += 1
    return out


def balanced_accuracy(truth: Sequence[str], predicted: Sequence[str], classes: Sequence[str]) -> float:
    """Mean per-class recall over ``classes`` (unknown predictions count as wrong)."""
    cm = confusion_matrix(truth, predicted, classes)
    n = cm.sum(axis=1)
    recalls = [cm[i, i] / n[i] for i in range(len(classes)) if n[i] > 0]
    return float(np.mean(recalls)) if recalls else float("nan")
