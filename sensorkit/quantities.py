"""How people read sensorkit's numbers: a human name, a display unit and a fixed precision per column.

One table for every view (HTML report, CLI tables, comparison pages), so a metric reads the
same everywhere: contact times in ms, forces in BW or N with 2 decimals, symmetry indices
with 1 decimal, never ``4.42e-05``. Values stay in SI in the data; only the display scales.

A column is looked up by its exact name first (:data:`QUANTITIES`), then by its unit suffix
(``_s``, ``_mm``, ``_n``, ``_bw``, ``_n_s``, ``_Ns``, ``_kpa``, ``_pct`` ...), so new columns
that follow the naming rule of docs/methods.md ("units in column names") display correctly.

>>> display_name("contact_time_s")
'contact time (ms)'
>>> format_value("contact_time_s", 0.23621)
'236'
>>> format_value("symmetry_index_pct", 4.42e-05)
'0.0'
>>> format_value("peak_force_bw", 2.6254)
'2.63'
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

__all__ = [
    "QUANTITIES",
    "Quantity",
    "display_name",
    "display_unit",
    "format_difference",
    "format_number",
    "format_value",
    "quantity",
]


@dataclass(frozen=True)
class Quantity:
    """How one column is shown.

    Attributes
    ----------
    label : str
        Human name without the unit (``"contact time"``).
    unit : str
        Display unit (``"ms"``); ``""`` for dimensionless numbers and text.
    scale : float
        Factor from the stored SI value to the display unit (``1000`` for s -> ms).
    decimals : int
        Digits after the decimal point in the display unit.
    """

    label: str
    unit: str = ""
    scale: float = 1.0
    decimals: int = 2

    @property
    def header(self) -> str:
        """``"label (unit)"``, or the label alone when there is no unit."""
        return f"{self.label} ({self.unit})" if self.unit else self.label


def _ms(label: str) -> Quantity:
    return Quantity(label, "ms", 1e3, 0)


#: Columns with their own names (the suffix rules cover the rest).
QUANTITIES: dict[str, Quantity] = {
    # temporal
    "cadence_spm": Quantity("cadence", "steps/min", 1.0, 1),
    "t_contact_s": Quantity("initial contact", "s", 1.0, 2),
    "t_toe_off_s": Quantity("toe-off", "s", 1.0, 2),
    "contact_time_s": _ms("contact time"),
    "stride_time_s": _ms("stride time"),
    "swing_time_s": _ms("swing time"),
    "step_time_s": _ms("step time"),
    "flight_time_s": _ms("flight time"),
    "double_support_s": _ms("double support"),
    "initial_double_support_s": _ms("initial double support"),
    "terminal_double_support_s": _ms("terminal double support"),
    "stance_pct_gait_cycle": Quantity("stance", "% gait cycle", 1.0, 1),
    # forces (N to the newton: insoles are good to several N) and rates (BW twins below by rule)
    "peak_force_n": Quantity("peak force", "N", 1.0, 0),
    "impact_peak_n": Quantity("impact peak", "N", 1.0, 0),
    "first_peak_n": Quantity("first peak", "N", 1.0, 0),
    "valley_n": Quantity("valley", "N", 1.0, 0),
    "second_peak_n": Quantity("second peak", "N", 1.0, 0),
    "valr_n_s": Quantity("VALR", "N/s", 1.0, 0),
    "vilr_n_s": Quantity("VILR", "N/s", 1.0, 0),
    "loading_rate_n_s": Quantity("loading rate", "N/s", 1.0, 0),
    "unloading_rate_n_s": Quantity("unloading rate", "N/s", 1.0, 0),
    "impulse_Ns": Quantity("impulse", "N·s", 1.0, 1),
    "first_peak_pct_stance": Quantity("first peak at", "% stance", 1.0, 0),
    "valley_pct_stance": Quantity("valley at", "% stance", 1.0, 0),
    "second_peak_pct_stance": Quantity("second peak at", "% stance", 1.0, 0),
    "valr_window_start_s": _ms("VALR window start"),
    "valr_window_end_s": _ms("VALR window end"),
    "valr_samples": Quantity("VALR samples", "", 1.0, 0),
    "loading_rate_samples": Quantity("loading rate samples", "", 1.0, 0),
    "unloading_rate_samples": Quantity("unloading rate samples", "", 1.0, 0),
    "valr_reliable": Quantity("VALR reliable"),
    "loading_rate_method": Quantity("loading-rate method"),
    # foot
    "strike_index_pct": Quantity("strike index", "% foot length", 1.0, 1),
    "strike_pattern": Quantity("strike"),
    "cop_ap_excursion_mm": Quantity("COP AP excursion", "mm", 1.0, 1),
    "cop_ml_excursion_mm": Quantity("COP ML excursion", "mm", 1.0, 1),
    "cop_path_length_mm": Quantity("COP path length", "mm", 1.0, 1),
    "cop_velocity_mm_s": Quantity("COP velocity", "mm/s", 1.0, 0),
    "cpei_pct": Quantity("CPEI (approx.)", "% foot width", 1.0, 1),
    "arch_indicator": Quantity("midfoot load share (of heel + midfoot + forefoot impulse)", "", 1.0, 3),
    "ml_ratio": Quantity("medial-lateral ratio, midfoot + forefoot (+ medial)", "", 1.0, 3),
    # bookkeeping
    "side": Quantity("side"),
    "valid": Quantity("valid"),
    "steady_state": Quantity("steady state"),
    "exclude_reason": Quantity("left out because"),
    "bout": Quantity("bout", "", 1.0, 0),
    "activity": Quantity("activity"),
    "gap_in_stance": Quantity("gap in stance"),
    "gap_note": Quantity("gap note"),
    "truncated": Quantity("cut by recording edge"),
    # summaries and asymmetry
    "symmetry_index_pct": Quantity("SI", "%", 1.0, 1),
    "si_ci_low_pct": Quantity("SI 95% CI low", "%", 1.0, 1),
    "si_ci_high_pct": Quantity("SI 95% CI high", "%", 1.0, 1),
    "ci_low_pct": Quantity("SI 95% CI low", "%", 1.0, 1),
    "ci_high_pct": Quantity("SI 95% CI high", "%", 1.0, 1),
    "symmetry_angle_pct": Quantity("SA", "%", 1.0, 1),
    "limit_pct": Quantity("limit", "%", 1.0, 1),
    "left_share_pct": Quantity("left share", "% of load", 1.0, 1),
    "left_force_n": Quantity("left force", "N", 1.0, 0),
    "right_force_n": Quantity("right force", "N", 1.0, 0),
    "start_s": Quantity("start", "s", 1.0, 2),
    "end_s": Quantity("end", "s", 1.0, 2),
    "duration_s": Quantity("duration", "s", 1.0, 1),
    "n_missing": Quantity("frames missing", "", 1.0, 0),
    # per-mask pressure (analysis/pressure.py)
    "peak_pressure_kpa": Quantity("peak pressure", "kPa", 1.0, 0),
    "pti_kpa_s": Quantity("pressure-time integral", "kPa·s", 1.0, 1),
    "contact_area_mm2": Quantity("contact area", "mm²", 1.0, 0),
}

# BW twins of the N force columns: same label, BW units, 2 decimals (rates 1, impulse 3).
for _name, _q in list(QUANTITIES.items()):
    if _name.endswith("_n") and _q.unit == "N":
        QUANTITIES[_name[:-2] + "_bw"] = Quantity(_q.label, "BW", 1.0, 2)
    elif _name.endswith("_n_s") and _q.unit == "N/s":
        QUANTITIES[_name[:-4] + "_bw_s"] = Quantity(_q.label, "BW/s", 1.0, 1)
QUANTITIES["impulse_BWs"] = Quantity("impulse", "BW·s", 1.0, 3)

#: (suffix, unit, scale, decimals), longest first: the unit rule of column names.
_SUFFIX_RULES: tuple[tuple[str, str, float, int], ...] = (
    ("_mm_s", "mm/s", 1.0, 0),
    ("_bw_s", "BW/s", 1.0, 1),
    ("_n_s", "N/s", 1.0, 0),
    ("_kpa_s", "kPa·s", 1.0, 1),
    ("_BWs", "BW·s", 1.0, 3),
    ("_Ns", "N·s", 1.0, 1),
    ("_mm2", "mm²", 1.0, 0),
    ("_kpa", "kPa", 1.0, 0),
    ("_pct", "%", 1.0, 1),
    ("_bw", "BW", 1.0, 2),
    ("_mm", "mm", 1.0, 1),
    ("_n", "N", 1.0, 0),  # insole forces are good to several N: no hundredths
    ("_s", "ms", 1e3, 0),
)


def quantity(column: str) -> Quantity:
    """How ``column`` is shown: its entry in :data:`QUANTITIES`, else the rule of its unit suffix.

    Examples
    --------
    >>> quantity("heel_peak_pressure_kpa").header
    'heel peak pressure (kPa)'
    >>> quantity("midfoot_impulse_Ns").header
    'midfoot impulse (N·s)'
    """
    if column in QUANTITIES:
        return QUANTITIES[column]
    for suffix, unit, scale, decimals in _SUFFIX_RULES:
        if column.endswith(suffix):
            stem = column[: -len(suffix)]
            return Quantity(stem.replace("_", " "), unit, scale, decimals)
    return Quantity(column.replace("_", " "))


def display_name(column: str) -> str:
    """``"label (unit)"`` of ``column``."""
    return quantity(column).header


def display_unit(column: str) -> str:
    """The display unit of ``column`` (``""`` when dimensionless)."""
    return quantity(column).unit


def format_number(value: Any, decimals: int, *, scale: float = 1.0, signed: bool = False) -> str:
    """``value * scale`` with ``decimals`` fixed digits; ``"–"`` for NaN/None; no ``-0.0``.

    Examples
    --------
    >>> format_number(-1e-13, 1), format_number(float("nan"), 2), format_number(3, 1, signed=True)
    ('0.0', '–', '+3.0')
    """
    if value is None or isinstance(value, str):
        return "–" if value is None else value
    try:
        v = float(value) * scale
    except (TypeError, ValueError):
        return str(value)
    if not math.isfinite(v):
        return "–"
    text = f"{v:+.{decimals}f}" if signed else f"{v:.{decimals}f}"
    if float(text) == 0.0:  # never "-0.0" (or "+0.0" for a signed value that rounds to zero)
        text = f"{0.0:.{decimals}f}"
    return text


def format_difference(column: str, value: Any) -> str:
    """A difference of ``column``'s values in its display unit and precision, with its sign.

    Examples
    --------
    >>> format_difference("contact_time_s", -0.0034), format_difference("peak_force_bw", 0.2)
    ('-3', '+0.20')
    """
    q = quantity(column)
    return format_number(value, q.decimals, scale=q.scale, signed=True)


def format_value(column: str, value: Any) -> str:
    """``value`` of ``column`` in its display unit and precision (text and booleans as they are).

    Examples
    --------
    >>> format_value("valr_bw_s", 76.274), format_value("strike_pattern", "rearfoot")
    ('76.3', 'rearfoot')
    >>> format_value("valid", True)
    'yes'
    """
    if isinstance(value, bool) or type(value).__name__ == "bool_":
        return "yes" if value else "no"
    q = quantity(column)
    return format_number(value, q.decimals, scale=q.scale)
