"""One table style for every verb (the ``demo`` style): human names, a unit column, fixed precision.

Names, units and precision come from :mod:`sensorkit.quantities`, so ``analyze``, ``demo``
and the HTML report read alike. Cells are :class:`rich.text.Text`, so user text in titles
and cells is never parsed as markup.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import numpy as np
import pandas as pd
from rich.table import Table
from rich.text import Text

from sensorkit.analysis.result import Analysis
from sensorkit.errors import printable
from sensorkit.quantities import format_number, quantity
from sensorkit.report.data import flagged_metric_names

__all__ = ["flagged_metric_names", "flagged_metrics", "new_table", "summary_table", "with_flagged_rows"]


def flagged_metrics(analysis: Analysis) -> list[str]:
    """Human names of the metrics flagged asymmetric (:func:`sensorkit.report.data.flagged_metric_names`)."""
    return [quantity(m).header for m in flagged_metric_names(analysis)]


def with_flagged_rows(analysis: Analysis, rows: Sequence[str]) -> list[str]:
    """``rows`` and, after them, every other flagged metric the summary has: a metric the
    asymmetry line names gets its row in the table (`analyze` and `demo` named rows not shown)."""
    extra = [m for m in flagged_metric_names(analysis) if m not in rows and m in analysis.summary.index]
    return [*rows, *extra]


#: Width the first column keeps however narrow the terminal ("contact time", "medial-lateral" unwrapped).
_NAME_WIDTH = 14


def new_table(
    title: str, columns: Sequence[tuple[str, str]], *, names_wrap: bool = False, wraps: Sequence[int] = ()
) -> Table:
    """A table in the CLI style: ``columns`` are ``(header, "left" | "right")``; the title is literal
    (control characters, e.g. from a file name, written as ``\\xNN``).

    Numbers (right-aligned columns) and the first column (names, URLs) never wrap; other text
    wraps at spaces when the terminal is narrow. ``names_wrap`` lets the first column wrap too,
    keeping :data:`_NAME_WIDTH` characters, and ``wraps`` names right-aligned columns that may
    wrap (a number with its interval, ``+12.7 [+11.3, +14.0]``): a long metric name that could
    not wrap squeezed the number columns of an 80-column terminal to nothing.
    """
    table = Table(title=Text(printable(title)), title_justify="left")
    for k, (header, justify) in enumerate(columns):
        if k == 0:
            no_wrap, min_width = not names_wrap, _NAME_WIDTH if names_wrap else None
        else:
            no_wrap, min_width = justify == "right" and k not in wraps, None
        table.add_column(Text(printable(header)), justify=justify, no_wrap=no_wrap,  # type: ignore[arg-type]
                         min_width=min_width)  # fmt: skip
    return table


def summary_table(
    title: str,
    summary: pd.DataFrame,
    asymmetry: pd.DataFrame,
    metrics: Iterable[str],
    *,
    with_ci: bool = True,
    with_cv: bool = True,
) -> Table:
    """Per-side summary rows: metric, unit, left, right, [CV % both], SI % [95 % CI], asymmetry.

    Parameters
    ----------
    title : str
    summary, asymmetry : DataFrame
        ``Analysis.summary`` and ``Analysis.asymmetry``.
    metrics : iterable of str
        Summary rows to show, in order (missing ones are skipped).
    with_ci, with_cv : bool
        Show the SI interval and the CV column.
    """
    columns = [("metric", "left"), ("unit", "left"), ("left", "right"), ("right", "right")]
    if with_cv:
        columns.append(("CV %", "right"))
    columns += [("SI %" + (" [95% CI]" if with_ci else ""), "right"), ("asymmetry", "left")]
    table = new_table(title, columns, names_wrap=True, wraps=(len(columns) - 2,))
    table.caption = Text(
        "SI = (L - R) / mean(L, R) x 100 %, + = left larger" + ("; CV over both feet" if with_cv else "")
    )
    table.caption_justify = "left"
    for metric in metrics:
        if metric not in summary.index:
            continue
        row = summary.loc[metric]
        q = quantity(metric)
        a = asymmetry.loc[metric] if metric in asymmetry.index else None
        status = "" if a is None else str(a["status"])
        flagged = a is not None and bool(a["flag"])
        si_value = float(row.get("symmetry_index_pct", np.nan))
        if status == "not enough data":
            si = "not enough data"
        elif not np.isfinite(si_value):
            si = "–"
        else:
            si = format_number(si_value, 1, signed=True)
            if with_ci and np.isfinite(row.get("si_ci_low_pct", np.nan)):
                si += (
                    f" [{format_number(row['si_ci_low_pct'], 1, signed=True)}, "
                    f"{format_number(row['si_ci_high_pct'], 1, signed=True)}]"
                )
        cells = [
            Text(q.label),
            Text(q.unit),
            Text(format_number(row["left"], q.decimals, scale=q.scale)),
            Text(format_number(row["right"], q.decimals, scale=q.scale)),
        ]
        if with_cv:
            cells.append(Text(format_number(row.get("both_cv_pct", np.nan), 1)))
        cells += [
            Text(si, style="yellow" if flagged else ""),
            Text(status, style="bold red" if flagged else ""),
        ]
        table.add_row(*cells)
    return table
