"""Turn a :class:`~sensorkit.dashboard.state.DashboardState` into rich renderables (and plain lines).

Pure: state in, renderable out. The insole map is drawn from above (left foot medial on
the right, as in the report), one character per cell of about 8 x 17 mm so the foot keeps
its proportions in a terminal whose cells are twice as tall as wide. Each cell shows the
nearest sensor's value held over the last ~0.4 s (so a stance stays visible between redraws); ``●`` is the centre of pressure and ``·`` its last 1.5 s.
"""

from __future__ import annotations

import math
from functools import lru_cache

import numpy as np
from matplotlib.path import Path as MplPath
from rich.align import Align
from rich.console import Group, RenderableType
from rich.panel import Panel
from rich.table import Table
from rich.text import Text

from sensorkit.dashboard.state import DashboardState, SideState
from sensorkit.errors import printable
from sensorkit.layout import SensorLayout

__all__ = ["MAP_COLS", "MAP_ROWS", "insole_map", "plain_lines", "render_dashboard"]

MAP_COLS = 13
MAP_ROWS = 16
_SHADES = " ░▒▓█"
_RAMP = ("grey42", "yellow3", "orange1", "dark_orange3", "red1", "bright_red")
_SPARK = "▁▂▃▄▅▆▇█"
_PANEL_WIDTH = 24
_FULL_WIDTH = 110  # below this terminal width (or _FULL_HEIGHT rows) the side column is compact
_FULL_HEIGHT = 30
_FOOT_PANEL_ROWS = MAP_ROWS + 5  # map, two header lines, the medial label, borders
_MIN_STEPS_SI = 5
KEYS_HELP = "q quit · t tare · r start/stop recording"


@lru_cache(maxsize=16)
def _grid(layout: SensorLayout) -> tuple[np.ndarray, np.ndarray, tuple[float, float, float, float]]:
    """Per cell: inside-outline mask, nearest sensor index; plus the drawing extent (x0, x1, y0, y1)."""
    half = 0.5 * layout.foot_width_mm + 4.0
    x0, x1 = -half, half
    y0, y1 = 0.0, layout.foot_length_mm + 4.0
    xs = x0 + (np.arange(MAP_COLS) + 0.5) * (x1 - x0) / MAP_COLS
    ys = y1 - (np.arange(MAP_ROWS) + 0.5) * (y1 - y0) / MAP_ROWS  # row 0 = toes
    gx, gy = np.meshgrid(xs, ys)
    outline = layout.outline_mm
    if outline.shape[0] >= 3:
        poly = MplPath(np.column_stack([layout.lab_x_mm(outline[:, 0]), outline[:, 1]]))
        inside = poly.contains_points(np.column_stack([gx.ravel(), gy.ravel()]), radius=2.0).reshape(gx.shape)
    else:
        inside = np.ones(gx.shape, dtype=bool)
    sx, sy = layout.lab_x_mm(), layout.y_mm
    d2 = (gx[..., None] - sx) ** 2 + (gy[..., None] - sy) ** 2
    return inside, np.argmin(d2, axis=-1), (x0, x1, y0, y1)


def _cell(layout: SensorLayout, x_mm: float, y_mm: float) -> tuple[int, int] | None:
    *_, (x0, x1, y0, y1) = _grid(layout)
    lx = float(layout.lab_x_mm(np.array([x_mm]))[0])
    c = int((lx - x0) / (x1 - x0) * MAP_COLS)
    r = int((y1 - y_mm) / (y1 - y0) * MAP_ROWS)
    return (r, c) if 0 <= r < MAP_ROWS and 0 <= c < MAP_COLS else None


def insole_map(st: SideState) -> Text:
    """Coarse pressure map of one insole seen from above, with COP dot and trail."""
    layout = st.layout
    inside, nearest, _ = _grid(layout)
    levels = np.zeros(inside.shape)
    if st.held is not None:
        rel = np.clip(np.nan_to_num(st.held / st.peak_scale), 0.0, 1.0)
        levels = rel[nearest]
    trail = {_cell(layout, x, y) for _, x, y in list(st.trail)[:-1]}
    cop = _cell(layout, *st.cop_mm) if st.cop_mm is not None else None
    text = Text()
    for r in range(MAP_ROWS):
        for c in range(MAP_COLS):
            if not inside[r, c]:
                text.append(" ")
                continue
            v = float(levels[r, c])
            k = min(int(v * (len(_SHADES) - 1) + 0.5), len(_SHADES) - 1)
            style = _RAMP[min(int(v * (len(_RAMP) - 1) + 0.5), len(_RAMP) - 1)]
            if (r, c) == cop:
                text.append("●", style="bold bright_white on blue")
            elif (r, c) in trail:
                text.append("·", style=f"bold bright_cyan on {style}" if k else "bold bright_cyan")
            else:
                text.append(_SHADES[k] if k else "░", style=style if k else "grey23")
        text.append("\n")
    text.rstrip()
    return text


def _num(value: float, fmt: str, unit: str = "") -> str:
    if value is None or not math.isfinite(value):
        return "–"
    return f"{value:{fmt}}{(' ' + unit) if unit else ''}"


def _spark(st: SideState, width: int = _PANEL_WIDTH - 4) -> str:
    if not st.history:
        return ""
    f = np.array([v for _, v in st.history])
    idx = np.linspace(0, f.size - 1, min(width, f.size)).astype(int)
    known = f[np.isfinite(f)]
    top = max(float(known.max()), 1.0) if known.size else 1.0
    level = len(_SPARK) - 1
    # a sample without a value (NaN) is a blank, not a crash
    return "".join(
        _SPARK[min(max(int(v / top * level), 0), level)] if math.isfinite(v) else " " for v in f[idx]
    )


def _foot_panel(state: DashboardState, side: str) -> Panel:
    st = state.sides[side]
    k, unit = state.force_scale
    header = Text()
    header.append(f"{_num(st.force_n * k, '.2f' if unit == 'BW' else '.0f', unit)}", style="bold")
    header.append(f"  ({_num(st.force_n, '.0f', 'N')})\n" if unit == "BW" else "\n")
    header.append(_spark(st), style="cyan")
    medial = "medial →" if side == "left" else "← medial"
    return Panel(
        Group(header, Align.center(insole_map(st)), Text(medial, style="dim", justify="center")),
        title=f"{side} foot",
        width=_PANEL_WIDTH,
        padding=(0, 1),
    )


def _steps_table(state: DashboardState, n: int = 8, compact: bool = False) -> Table:
    _, unit = state.force_scale
    rate = "valr_bw_s" if unit == "BW" else "valr_n_s"
    peak = "peak_force_bw" if unit == "BW" else "peak_force_n"
    table = Table(title="last steps", box=None, padding=(0, 1), title_justify="left")
    cols = (
        ("", "ms", "VALR", "peak")
        if compact
        else ("side", "at s", "contact ms", f"VALR {unit}/s", f"peak {unit}", "strike")
    )
    for col in cols:
        table.add_column(col, justify="left" if col in ("", "side", "strike") else "right", no_wrap=True)
    t0 = state.t0 or 0.0
    for s in state.recent_steps()[-n:][::-1]:
        flag = "" if s.get("valid", True) else " excl."
        valr = s.get(rate, math.nan) if s.get("valr_reliable", True) else math.nan
        cells = [
            s["side"][0].upper() if compact else s["side"],
            *(() if compact else (_num(s["t_contact_s"] - t0, ".1f"),)),
            _num(1000.0 * s["contact_time_s"], ".0f"),
            _num(valr, ".0f"),
            _num(s.get(peak, math.nan), ".2f" if unit == "BW" else ".0f"),
        ]
        if not compact:
            cells.append(f"{s.get('strike_pattern', '')}{flag}")
        table.add_row(*cells)
    return table


def _gait_table(state: DashboardState, compact: bool = False) -> Table:
    _, unit = state.force_scale
    rate = "valr_bw_s" if unit == "BW" else "valr_n_s"
    table = Table(title="gait", box=None, padding=(0, 1), title_justify="left")
    for col in ("", "L", "R", "SI%") if compact else ("", "left", "right", "SI %"):
        table.add_column(col, justify="left" if not col else "right", no_wrap=True)
    n_min = min((len(st.steps) for st in state.sides.values()), default=0)
    for label, key, scale, fmt in (
        ("contact ms", "contact_time_s", 1000.0, ".0f"),
        ("VALR" if compact else f"VALR {unit}/s", rate, 1.0, ".0f"),
    ):
        # the live SI is provisional: shown from 5 steps a side (docs/methods.md "Asymmetry")
        si = state.asymmetry_pct(key) if n_min >= _MIN_STEPS_SI else math.nan
        table.add_row(
            label,
            _num(state.side_mean("left", key) * scale, fmt),
            _num(state.side_mean("right", key) * scale, fmt),
            _num(si, "+.1f") if n_min >= _MIN_STEPS_SI else f"n<{_MIN_STEPS_SI}",
        )
    table.add_row("cadence", _num(state.cadence_spm, ".0f", "" if compact else "steps/min"), "", "")
    return table


def _link_table(state: DashboardState, compact: bool = False) -> Table:
    table = Table(title="link", box=None, padding=(0, 1), title_justify="left")
    cols = (
        ("", "loss%", "gaps", "bat%") if compact else ("", "packets", "loss %", "gaps", "errors", "battery")
    )
    for col in cols:
        table.add_column(col, justify="left" if not col else "right", no_wrap=True)
    for side, st in state.sides.items():
        loss = Text(_num(st.loss_pct, ".1f"), style="bold red" if st.loss_pct > 1.0 else "")
        if compact:
            battery = "–" if st.battery_pct is None else f"{st.battery_pct:.0f}"
            table.add_row(side[0].upper(), loss, str(st.gaps), battery)
        else:
            battery = "–" if st.battery_pct is None else f"{st.battery_pct:.0f} %"
            table.add_row(side, str(st.packets), loss, str(st.gaps), str(st.errors), battery)
    return table


def render_dashboard(
    state: DashboardState,
    *,
    source: str = "",
    keys: bool = True,
    width: int | None = None,
    height: int | None = None,
) -> RenderableType:
    """The whole dashboard: feet with live maps, gait numbers, last steps, link quality.

    Parameters
    ----------
    state : DashboardState
    source : str
        What is being streamed (URLs), shown in the title line.
    keys : bool
        Show the key help (False when keys are not read, e.g. stdin is not a terminal).
    width, height : int, optional
        The terminal's size. Below 110 x 30 the side column turns compact (short labels,
        fewer columns, as many last steps as fit), so that 80 x 24 shows everything that
        matters without cut words; the key help always stays.

    Examples
    --------
    >>> import sensorkit as sk
    >>> from rich.console import Console
    >>> rec = sk.simulate(duration_s=3, seed=1)
    >>> st = DashboardState.for_recording(rec)
    >>> st.feed_recording(rec)
    >>> console = Console(record=True, width=100)
    >>> console.print(render_dashboard(st))
    >>> "left foot" in console.export_text()
    True
    """
    title = Text()
    title.append("sensorkit live", style="bold")
    if source:
        title.append(f"  {printable(source)}")  # a device's name, measured as shown
    title.append(f"  {state.elapsed_s:6.1f} s")
    if state.recording:
        title.append(f"  ● REC {state.recording}", style="bold red")
    feet = Table.grid(padding=(0, 1))
    for _ in state.sides:
        feet.add_column()
    feet.add_column()
    compact = (width is not None and width < _FULL_WIDTH) or (height is not None and height < _FULL_HEIGHT)
    if compact:
        # rows for the last steps: the feet panels' height less gait (6), link (4) and spacing
        n_steps = max(0, min(8, _FOOT_PANEL_ROWS - 6 - 4 - 3))
        parts = [_gait_table(state, compact=True), Text("")]
        if n_steps:
            parts += [_steps_table(state, n=n_steps, compact=True), Text("")]
        right = Group(*parts, _link_table(state, compact=True))
    else:
        right = Group(_gait_table(state), Text(""), _steps_table(state), Text(""), _link_table(state))
    feet.add_row(*(_foot_panel(state, s) for s in state.sides), right)
    footer = Text()
    if keys:
        footer.append(KEYS_HELP, style="dim")
    if state.message:
        footer.append(("   " if keys else "") + state.message, style="yellow")
    return Group(title, feet, footer)


def plain_lines(state: DashboardState) -> list[str]:
    """One line per side for terminals without cursor control (pipes, logs, dumb terminals).

    Examples
    --------
    >>> import sensorkit as sk
    >>> rec = sk.simulate(duration_s=3, seed=1)
    >>> st = DashboardState.for_recording(rec)
    >>> st.feed_recording(rec)
    >>> plain_lines(st)[0].split()[:3]
    ['3.0', 's', 'left']
    """
    k, unit = state.force_scale
    lines = []
    for side, st in state.sides.items():
        cop = "-" if st.cop_mm is None else f"({st.cop_mm[0]:+.0f},{st.cop_mm[1]:.0f}) mm"
        lines.append(
            f"{state.elapsed_s:6.1f} s {side:<5} force {_num(st.force_n * k, '.2f', unit)}  COP {cop}  "
            f"contact {_num(state.side_mean(side, 'contact_time_s') * 1000.0, '.0f', 'ms')}  "
            f"loss {st.loss_pct:.1f}%  gaps {st.gaps}"
        )
    lines.append(
        f"{state.elapsed_s:6.1f} s cadence {_num(state.cadence_spm, '.0f', 'steps/min')}  "
        f"contact-time SI {_num(state.asymmetry_pct('contact_time_s'), '+.1f', '%')}"
        + (f"  REC {state.recording}" if state.recording else "")
    )
    return lines
