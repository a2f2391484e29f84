"""The public API accepts what users pass, or says what to pass."""

from __future__ import annotations

import numpy as np
import pytest

import sensorkit as sk
from sensorkit.jsonable import to_jsonable


@pytest.fixture(scope="module")
def rec():
    return sk.simulate(duration_s=12, seed=1, foot_type="flat", body_mass_kg=95)


def test_analyze_takes_a_path_and_a_dataframe(rec, tmp_path):
    path = tmp_path / "walk.csv"
    sk.write(rec, path)
    direct = sk.analyze(rec)
    from_path = sk.analyze(str(path))
    from_df = sk.analyze(rec.to_dataframe(), body_mass_kg=95)
    for res in (from_path, from_df):
        np.testing.assert_allclose(res.steps["contact_time_s"], direct.steps["contact_time_s"], rtol=1e-6)


def test_dataframe_round_trip_is_exact(rec):
    back = sk.Recording.from_dataframe(rec.to_dataframe())
    np.testing.assert_array_equal(back.left, rec.left)
    np.testing.assert_array_equal(back.right, rec.right)
    np.testing.assert_array_equal(back.time, rec.time)
    assert back.layout.name == rec.layout.name and back.units == rec.units


def test_dataframe_without_sensor_columns_is_a_type_error_saying_what_to_pass():
    import pandas as pd

    with pytest.raises(TypeError, match="time_s column and L_<sensor>/R_<sensor> columns"):
        sk.analyze(pd.DataFrame({"a": [1.0]}))


def test_recommend_analyses_a_recording_or_a_path(rec, tmp_path):
    from_res = sk.recommend(sk.analyze(rec), surface="road")
    from_rec = sk.recommend(rec, surface="road")
    path = tmp_path / "run.csv"
    sk.write(rec, path)
    from_path = sk.recommend(path, surface="road")

    def advice(r):
        return [(a["topic"], a["statement"]) for a in r.to_dict()["advice"]]

    assert advice(from_rec) == advice(from_res) == advice(from_path)
    assert [a["topic"] for a in from_res.to_dict()["advice"]][:2] == ["cushioning", "cadence"]
    # a flat simulated foot gets no arch-support advice: arch type is never inferred from insole loads
    assert from_path.get("arch_support") is None
    why = {a["topic"]: a["reason"] for a in from_path.to_dict()["suppressed"]}
    assert "sensorkit does not infer arch type" in why["arch_support"] and "--arch" in why["arch_support"]


def test_recommend_of_something_else_is_a_type_error_naming_what_to_pass():
    with pytest.raises(
        TypeError, match=r"needs the result of sk\.analyze\(\.\.\.\) \(an Analysis\), a Recording"
    ):
        sk.recommend({"steps": []})


def test_write_and_report_are_public():
    assert {"write", "report", "recommend", "analyze", "read"} <= set(sk.__all__)
    assert callable(sk.report) and callable(sk.write) and callable(sk.recommend)


def test_summary_is_numeric_for_every_metric(rec):
    res = sk.analyze(rec)
    assert res.summary.loc["valr_bw_s"].dtype == np.float64
    assert set(res.summary.dtypes) == {np.dtype("float64")}


def test_one_json_conversion_handles_numpy_pandas_nan_and_dates():
    import datetime as dt

    import pandas as pd

    value = {
        "f": np.float32(0.5),
        "nan": float("nan"),
        "inf": np.inf,
        "i": np.int16(3),
        "b": np.bool_(True),
        "arr": np.array([1.0, np.nan]),
        "when": dt.datetime(2024, 1, 2, 3, 4, 5),
        "df": pd.DataFrame({"x": [1, 2]}),
        "na": pd.NA,
    }
    assert to_jsonable(value) == {
        "f": 0.5,
        "nan": None,
        "inf": None,
        "i": 3,
        "b": True,
        "arr": [1.0, None],
        "when": "2024-01-02T03:04:05",
        "df": [{"x": 1}, {"x": 2}],
        "na": None,
    }
