"""One table style for every verb (the ``demo`` style): human names, a unit column, fixed precision.

Names, units and precision come from :mod:`sensorkit.quantities`, so ``analyze``, ``demo``
and the HTML report read alike. Cells are :class:`rich.text.Text`, so user text in titles
and cells is never parsed as markup.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import numpy as np
import pandas as pd
from rich.cells import cell_len
from rich.console import Console, ConsoleOptions, RenderableType, RenderResult
from rich.measure import Measurement
from rich.table import Table
from rich.text import Text

from sensorkit.analysis.result import Analysis
from sensorkit.analysis.summary import recorded_sides
from sensorkit.errors import printable
from sensorkit.quantities import format_number, quantity
from sensorkit.report.data import flagged_metric_names

__all__ = [
    "FittedTable",
    "flagged_metric_names",
    "flagged_metrics",
    "new_table",
    "summary_table",
    "with_flagged_rows",
]


def flagged_metrics(analysis: Analysis) -> list[str]:
    """Human names of the metrics flagged asymmetric (:func:`sensorkit.report.data.flagged_metric_names`)."""
    return [quantity(m).header for m in flagged_metric_names(analysis)]


def with_flagged_rows(analysis: Analysis, rows: Sequence[str]) -> list[str]:
    """``rows`` and, after them, every other flagged metric the summary has: a metric the
    asymmetry line names gets its row in the table (`analyze` and `demo` named rows not shown)."""
    extra = [m for m in flagged_metric_names(analysis) if m not in rows and m in analysis.summary.index]
    return [*rows, *extra]


#: Width the first column keeps while the terminal allows ("contact time", "medial-lateral" unwrapped).
_NAME_WIDTH = 14


class FittedTable(Table):
    """A :class:`rich.table.Table` that shrinks its wrapping columns to the width it is given,
    the widest first, none below its longest word, before rich lays it out.

    Rich's own shrinking ignores what a column needs: it evened the widest columns out, a
    column's ``min_width`` then pushed the table past the terminal, and the right border and
    the last column were cut off (the demo's summary at 80 columns). Columns keep their
    declared ``min_width`` while the width allows, then shrink down to their longest word.
    Assumes rich's default cell padding layout (``pad_edge``, no ``collapse_padding``).
    """

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        declared = [(c.min_width, c.max_width) for c in self.columns]
        try:
            self._fit(console, options)
            yield from super().__rich_console__(console, options)
        finally:
            for column, (low, high) in zip(self.columns, declared, strict=True):
                column.min_width, column.max_width = low, high

    def _fit(self, console: Console, options: ConsoleOptions) -> None:
        """Pin the width of each column that must shrink for the table to fit ``options.max_width``."""
        borders = 0 if self.box is None else (2 if self.show_edge else 0) + len(self.columns) - 1
        budget = (self.width or options.max_width) - borders
        _, right, _, left = self.padding
        pad = left + right
        natural, soft, hard = [], [], []
        for column in self.columns:
            cells = [column.header, *column.cells] if self.show_header else list(column.cells)
            sizes = [Measurement.get(console, options.update_width(budget), cell) for cell in cells]
            most = max(max((m.maximum for m in sizes), default=1), column.min_width or 0) + pad
            least = most if column.no_wrap else max((m.minimum for m in sizes), default=1) + pad
            natural.append(most)
            hard.append(least)
            soft.append(min(most, max(least, (column.min_width or 0) + pad)))
        widths = _shrink(natural, soft, budget)
        widths = _shrink(widths, hard, budget)
        for column, width, wanted in zip(self.columns, widths, natural, strict=True):
            if width < wanted:
                column.min_width = column.max_width = width - pad


def _shrink(widths: Sequence[int], floors: Sequence[int], budget: int) -> list[int]:
    """``widths`` less one character at a time from the widest column above its floor, until
    their sum is within ``budget`` or every column is at its floor."""
    out = list(widths)
    excess = sum(out) - budget
    while excess > 0:
        free = [k for k, (w, f) in enumerate(zip(out, floors, strict=True)) if w > f]
        if not free:
            break
        out[max(free, key=lambda k: out[k])] -= 1
        excess -= 1
    return out


class _Folded:
    """A value and its interval (``+12.7 [+11.3, +14.3]``): one line when the column is wide
    enough, else the interval on a line of its own under the value, never broken inside it
    (a wrap at any space left ``+12.7 [+11.3,`` on one line and ``+14.3]`` on the next)."""

    def __init__(self, value: str, interval: str, style: str = "") -> None:
        self.value, self.interval, self.style = value, interval, style

    def __rich_measure__(self, console: Console, options: ConsoleOptions) -> Measurement:
        line = f"{self.value} {self.interval}"
        return Measurement(max(cell_len(self.value), cell_len(self.interval)), cell_len(line))

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        line = f"{self.value} {self.interval}"
        yield Text(line if cell_len(line) <= options.max_width else f"{self.value}\n{self.interval}",
                   style=self.style)  # fmt: skip


def new_table(
    title: str, columns: Sequence[tuple[str, str]], *, names_wrap: bool = False, wraps: Sequence[int] = ()
) -> Table:
    """A table in the CLI style: ``columns`` are ``(header, "left" | "right")``; the title is literal
    (control characters, e.g. from a file name, written as ``\\xNN``).

    Numbers (right-aligned columns) and the first column (names, URLs) never wrap; other text
    wraps at spaces when the terminal is narrow (:class:`FittedTable`). ``names_wrap`` lets the
    first column wrap too, keeping :data:`_NAME_WIDTH` characters while the width allows, and
    ``wraps`` names right-aligned columns that may wrap (a number with its interval,
    ``+12.7 [+11.3, +14.0]``): a long metric name that could not wrap squeezed the number
    columns of an 80-column terminal to nothing.
    """
    table = FittedTable(title=Text(printable(title)), title_justify="left")
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
    notes: pd.Series | None = None,
) -> Table:
    """Per-side summary rows: metric, unit, left, right, [CV % both], SI % [95 % CI], asymmetry.

    With one insole (one side has values), :func:`_one_insole_table`: metric, unit, that side,
    [CV %], note.

    Parameters
    ----------
    title : str
    summary, asymmetry : DataFrame
        ``Analysis.summary`` and ``Analysis.asymmetry``.
    metrics : iterable of str
        Summary rows to show, in order (missing ones are skipped).
    with_ci, with_cv : bool
        Show the SI interval and the CV column.
    notes : Series, optional
        One insole: why a metric has no value
        (:func:`sensorkit.analysis.summary.missing_reasons`); default the asymmetry status.
    """
    sides = recorded_sides(summary)
    if len(sides) == 1:
        if notes is None:
            notes = asymmetry["status"] if "status" in asymmetry else pd.Series(dtype=object)
        return _one_insole_table(title, summary, notes, metrics, sides[0], with_cv=with_cv)
    columns = [("metric", "left"), ("unit", "left"), ("left", "right"), ("right", "right")]
    if with_cv:
        columns.append(("CV %", "right"))
    columns += [("SI %" + (" [95% CI]" if with_ci else ""), "right"), ("asymmetry", "left")]
    table = new_table(title, columns, names_wrap=True, wraps=(len(columns) - 2,))
    if with_ci:
        table.columns[-2].header = _Folded("SI %", "[95% CI]")
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
        cells: list[RenderableType] = [
            Text(q.label),
            Text(q.unit),
            Text(format_number(row["left"], q.decimals, scale=q.scale)),
            Text(format_number(row["right"], q.decimals, scale=q.scale)),
        ]
        if with_cv:
            cells.append(Text(format_number(row.get("both_cv_pct", np.nan), 1)))
        cells += [
            _si_cell(row, status, with_ci=with_ci, style="yellow" if flagged else ""),
            Text(status, style="bold red" if flagged else ""),
        ]
        table.add_row(*cells)
    return table


def _one_insole_table(title: str, summary: pd.DataFrame, notes: pd.Series, metrics: Iterable[str],
                      side: str, *, with_cv: bool) -> Table:  # fmt: skip
    """:func:`summary_table` of one insole: its column, its CV, and why a metric has no value
    (``notes``); no empty column, no symmetry index."""
    columns = [("metric", "left"), ("unit", "left"), (side, "right")]
    if with_cv:
        columns.append(("CV %", "right"))
    columns.append(("note", "left"))
    table = new_table(title, columns, names_wrap=True)
    table.caption = Text(
        f"steps on the {side} insole only: no symmetry index" + ("; CV over its steps" if with_cv else "")
    )
    table.caption_justify = "left"
    for metric in metrics:
        if metric not in summary.index:
            continue
        row = summary.loc[metric]
        q = quantity(metric)
        value = float(row[side])
        note = str(notes.get(metric, ""))
        cells: list[RenderableType] = [
            Text(q.label),
            Text(q.unit),
            Text(format_number(value, q.decimals, scale=q.scale)),
        ]
        if with_cv:
            cells.append(Text(format_number(row.get(f"{side}_cv_pct", np.nan), 1)))
        cells.append(Text("" if np.isfinite(value) or note == "not applicable" else note))
        table.add_row(*cells)
    return table


def _si_cell(row: pd.Series, status: str, *, with_ci: bool, style: str) -> RenderableType:
    """The SI cell of a summary row: ``+12.7 [+11.3, +14.3]`` (the interval folded under the
    value in a narrow column), ``+12.7`` without an interval, ``–`` without a value."""
    value = float(row.get("symmetry_index_pct", np.nan))
    if status == "not enough data":
        return Text("not enough data", style=style)
    if not np.isfinite(value):
        return Text("–", style=style)
    si = format_number(value, 1, signed=True)
    if not (with_ci and np.isfinite(row.get("si_ci_low_pct", np.nan))):
        return Text(si, style=style)
    low = format_number(row["si_ci_low_pct"], 1, signed=True)
    high = format_number(row["si_ci_high_pct"], 1, signed=True)
    return _Folded(si, f"[{low}, {high}]", style=style)
