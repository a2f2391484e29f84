"""Accuracy of contact time, VALR, VILR and strike index against analytic stances (issue 12).

For each waveform (linear rise, smooth impact, fast impact), rate (100, 200, 1000 Hz) and sensor
noise (0, 2, 5 N per sensor on ref16's 16 sensors), a 20-stride run at four sampling phases is
analysed and compared with the continuous curve's true values (sensorkit.simulate.analytic).
Prints median and worst errors and the share of VALR values flagged reliable; an unreliable
value is left out of summaries, flags and advice (docs/methods.md).

Run: python benchmarks/bench_gait_accuracy.py
"""

from __future__ import annotations

import numpy as np

import sensorkit as sk
from sensorkit.simulate.analytic import WAVEFORMS, analytic_run, true_metrics

RATES = (100.0, 200.0, 1000.0)
NOISES = (0.0, 2.0, 5.0)
PHASES = (0.0, 0.25, 0.5, 0.75)  # of a sample period


def accuracy_rows():
    """One dict per (waveform, rate, noise) with the error statistics."""
    rows = []
    for wave in WAVEFORMS:
        for rate in RATES:
            for noise in NOISES:
                errs = {k: [] for k in ("contact_ms", "valr_pct", "valr_rel_pct", "vilr_pct", "strike_pts")}
                reliable = []
                for i, phase in enumerate(PHASES):
                    rec, strike_true = analytic_run(wave, rate, noise_n=noise, phase_s=phase / rate, seed=i)
                    res = sk.analyze(rec)
                    st = res.steps[res.steps["valid"]]
                    thr = res.thresholds_n["left"]["on"]
                    truth = true_metrics(wave, thr)
                    errs["contact_ms"] += list(1e3 * (st["contact_time_s"] - truth["contact_time_s"]))
                    e = 100 * (st["valr_n_s"] / truth["valr_n_s"] - 1)
                    errs["valr_pct"] += list(e)
                    errs["valr_rel_pct"] += list(e[st["valr_reliable"]])
                    reliable += list(st["valr_reliable"])
                    errs["vilr_pct"] += list(100 * (st["vilr_n_s"] / truth["vilr_n_s"] - 1))
                    errs["strike_pts"] += list(st["strike_index_pct"] - strike_true)
                row = {
                    "waveform": wave.name,
                    "rate_hz": rate,
                    "noise_n": noise,
                    "reliable_share": np.mean(reliable),
                }
                for k, v in errs.items():
                    v = np.asarray(v, dtype=np.float64)
                    v = v[np.isfinite(v)]
                    row[f"{k}_median"] = float(np.median(v)) if v.size else np.nan
                    row[f"{k}_worst"] = float(v[np.argmax(np.abs(v))]) if v.size else np.nan
                rows.append(row)
    return rows


def main() -> None:
    rows = accuracy_rows()
    head = (
        f"{'waveform':<14} {'Hz':>5} {'noise':>5} | {'contact ms':>15} | {'VALR %':>15} | "
        f"{'reliable':>8} {'VALR rel. %':>15} | {'VILR %':>15} | {'strike pts':>15}"
    )
    print(head)
    print("-" * len(head))

    def pair(r, k, fmt="+.1f"):
        m, w = r[f"{k}_median"], r[f"{k}_worst"]
        return f"{m:{fmt}}/{w:{fmt}}".rjust(15) if np.isfinite(m) else "-".rjust(15)

    for r in rows:
        print(
            f"{r['waveform']:<14} {r['rate_hz']:>5.0f} {r['noise_n']:>5.0f} | {pair(r, 'contact_ms')} | "
            f"{pair(r, 'valr_pct')} | {100 * r['reliable_share']:>7.0f}% {pair(r, 'valr_rel_pct')} | "
            f"{pair(r, 'vilr_pct')} | {pair(r, 'strike_pts')}"
        )
    print("(median/worst; VILR only at >= 500 Hz; 'VALR rel.' = values flagged reliable)")


if __name__ == "__main__":
    main()
