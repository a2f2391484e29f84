"""End to end through the device layer: a mis-calibrated raw-count insole pair is calibrated by
``sensorkit calibrate URL`` (guided postures, sk.open), then streams newtons whose gait
metrics match the same runner simulated in N within 2 %.

Runs in real time (the simulated devices are paced): about 25 s of calibration postures and
14 s of running.
"""

from __future__ import annotations

import argparse
import time

import numpy as np
import pytest

import sensorkit as sk
import sensorkit.devices as skd
from sensorkit.calibrate import Calibration
from sensorkit.devices.assemble import recording_from_chunks
from sensorkit.simulate.raw import InsoleErrors

# guided calibration through the device layer (~40 s); left out by pytest -m "not slow"
pytestmark = pytest.mark.slow

MISCAL = 21
SEED = 21
MASS_KG = 68.0
RUN_S = 14.0


def _parse(argv: list[str]) -> argparse.Namespace:
    from sensorkit.cli import calibrate as verb

    parser = argparse.ArgumentParser(prog="sensorkit")
    verb.add_parser(parser.add_subparsers(dest="command"))
    return parser.parse_args(argv)


@pytest.fixture(scope="module")
def pipeline(tmp_path_factory):
    out = tmp_path_factory.mktemp("e2e") / "cal.json"
    url = f"sim://?units=counts&script=calibration&miscal={MISCAL}&seed={SEED}&hold=3.5"
    args = _parse(
        ["calibrate", url, "--mass", str(MASS_KG), "--hold", "2.5", "--timeout", "20", "-o", str(out)]
    )
    status = args.run(args)
    cal = Calibration.load(out)
    chunks = []
    run_url = f"sim://?units=counts&miscal={MISCAL}&seed={SEED}&mass={MASS_KG:g}"
    with skd.open(run_url, calibration=out) as session:
        t0 = time.monotonic()
        while time.monotonic() - t0 < RUN_S:
            c = session.read(timeout_s=0.2)
            if c is not None:
                chunks.append(c)
        session.close()
        chunks += session.drain()
    return status, cal, chunks, session


def test_guided_calibration_through_the_device_layer_recovers_the_insole(pipeline):
    status, cal, _, _ = pipeline
    truth = InsoleErrors.random(MISCAL)
    assert status == 0 and cal.passed
    source = cal.procedure["source"]
    assert source["urls"][0].endswith(f"mass={MASS_KG:g}")  # the simulated subject weighs --mass
    assert source["paired_frames"] > 1500 and source["dropped_samples"] == {"left": 0, "right": 0}
    assert all(d["units"] == "counts" and d["adc_bits"] == 12 for d in source["devices"])
    for side in ("left", "right"):
        sc = cal.side(side)
        assert sc.gain == pytest.approx(truth.true_gain(side), rel=0.01)
        # offsets measured a few seconds into the script, where they have drifted a little
        assert np.max(np.abs(sc.offset_counts - truth.offset_counts[side]) / truth.offset_counts[side]) < 0.05


def test_calibrated_stream_gives_the_gait_metrics_of_the_runner_simulated_in_newtons(pipeline):
    _, _, chunks, session = pipeline
    assert session.units == "N" and session.calibrated
    assert all(not n.any() for n in session.saturation.values())  # 68 kg: nothing saturates
    truth = sk.simulate(duration_s=20, seed=SEED, rate_hz=100.0, body_mass_kg=MASS_KG)  # firmware block 0
    compared = 0
    for side in ("left", "right"):
        mine = [c for c in chunks if c.side == side]
        rec = recording_from_chunks(mine, layout="ref16", body_mass_kg=MASS_KG)
        seq = np.concatenate([c.seq for c in mine])
        assert seq[0] == 0 and np.array_equal(seq, np.arange(seq.size))  # no loss: frame i is sample i
        true_vals = truth.values(side)[: seq.size]
        kw = {side: true_vals}
        ref = sk.Recording.from_arrays(rec.time, kw.get("left"), kw.get("right"), layout="ref16",
                                       body_mass_kg=MASS_KG)  # fmt: skip
        a = sk.analyze(ref, body_mass_kg=MASS_KG).steps
        b = sk.analyze(rec, body_mass_kg=MASS_KG).steps
        assert len(a) >= 15 and len(a) == len(b)
        np.testing.assert_allclose(b["t_contact_s"], a["t_contact_s"], atol=0.011)
        for column in ("peak_force_bw", "contact_time_s", "valr_bw_s", "strike_index_pct"):
            x, y = a[column].to_numpy(float), b[column].to_numpy(float)
            ok = np.isfinite(x) & np.isfinite(y)
            assert ok.sum() >= 10, column
            assert abs(np.mean(y[ok]) / np.mean(x[ok]) - 1.0) < 0.02, column
            assert np.median(np.abs(y[ok] - x[ok]) / np.abs(x[ok])) < 0.02, column
        compared += len(a)
    assert compared >= 30
