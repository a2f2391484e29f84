"""The insole trial: sessions compared with a baseline by bootstrap intervals over steps, comfort first."""

from __future__ import annotations

import json
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import sensorkit as sk
from sensorkit.cli import main
from sensorkit.cli.compare import parse_condition
from sensorkit.recommend.trial import TABLE_COLUMNS, TrialMetric, difference_table
from sensorkit.report.compare import compare_html, write_compare_report

RATE = 500.0
HARD = {"impact_scale": 1.5}  # a larger, faster impact transient
SOFT = {"impact_scale": 1.2, "impact_tau_peak": 0.1}  # smaller and slower, as softer cushioning gives


def _sim(seed: int, **kw) -> sk.Recording:
    return sk.simulate(duration_s=30, seed=seed, rate_hz=RATE, body_mass_kg=70, **kw)


@pytest.fixture(scope="module")
def hard_soft():
    return sk.analyze(_sim(1, **HARD)), sk.analyze(_sim(2, **SOFT))


# --- the simulator's impact parameters ----------------------------------------------------------


def test_impact_scale_scales_only_the_impact_pulse():
    truth = {
        s: _sim(7, impact_scale=s).metadata["ground_truth"].sides["left"].force_n for s in (0.0, 0.5, 1.0)
    }
    full = truth[1.0].astype(np.float64) - truth[0.0]
    half = truth[0.5].astype(np.float64) - truth[0.0]
    assert np.abs(full).max() > 100.0  # an impact of about 1 BW
    np.testing.assert_allclose(half, 0.5 * full, atol=0.05)


def test_impact_tau_peak_moves_the_pulse_later():
    def pulse_peak_frac(tau):
        rec = _sim(7, impact_tau_peak=tau)
        base = _sim(7, impact_scale=0.0)
        truth = rec.metadata["ground_truth"]
        d = (
            truth.sides["left"].force_n.astype(np.float64)
            - base.metadata["ground_truth"].sides["left"].force_n
        )
        st = truth.steps[(truth.steps.side == "left") & (truth.steps.t_contact_s > 1.0)].iloc[0]
        t = rec.time
        inside = (t >= st.t_contact_s) & (t <= st.t_toe_off_s)
        return (t[inside][np.argmax(d[inside])] - st.t_contact_s) / (st.t_toe_off_s - st.t_contact_s)

    assert pulse_peak_frac(0.085) == pytest.approx(0.085, abs=0.01)
    assert pulse_peak_frac(0.15) == pytest.approx(0.15, abs=0.01)
    with pytest.raises(ValueError, match="impact_tau_peak"):
        sk.simulate(duration_s=2, impact_tau_peak=0.9)


# --- statistics -----------------------------------------------------------------------------------


def _steps(values_left, values_right, column="x"):
    n = len(values_left) + len(values_right)
    return pd.DataFrame(
        {
            "side": ["left"] * len(values_left) + ["right"] * len(values_right),
            column: np.concatenate([values_left, values_right]).astype(np.float64),
            "valr_reliable": np.ones(n, bool),
        }
    )


def test_difference_table_known_answers():
    mean = TrialMetric("x", "x", "X", "u", "loading")
    si = TrialMetric("x_abs_si_pct", "x", "|SI| of X", "%", "asymmetry", "abs_si")
    base = _steps(np.full(10, 2.0), np.full(10, 2.0))
    cand = _steps(np.full(10, 3.0), np.full(10, 1.0))  # mean 2, |SI| = 100 * 2 / 2 = 100 %
    two = [_steps(np.full(10, 4.0), np.full(10, 4.0)), _steps(np.full(5, 6.0), np.full(5, 6.0))]
    t = difference_table({"b": [base], "c": [cand], "r": two}, [mean, si], resamples=200)
    assert tuple(t.columns) == TABLE_COLUMNS and t["n_steps"].dtype == np.int64
    row = t.set_index(["condition", "metric"])
    assert (
        row.loc[("c", "x"), "difference"] == 0.0 and row.loc[("c", "x"), "verdict"] == "no clear difference"
    )
    assert row.loc[("c", "x_abs_si_pct"), "value"] == pytest.approx(100.0)
    assert row.loc[("c", "x_abs_si_pct"), "verdict"] == "higher"
    # two sessions: the mean of session means (4 and 6), not of pooled steps (4.67)
    assert row.loc[("r", "x"), "value"] == pytest.approx(5.0) and row.loc[("r", "x"), "n_sessions"] == 2
    assert row.loc[("r", "x"), "ci_low"] == pytest.approx(2.0) and row.loc[
        ("r", "x"), "ci_high"
    ] == pytest.approx(4.0)
    assert row.loc[("b", "x"), "verdict"] == "baseline"
    with pytest.raises(ValueError, match="at least two conditions"):
        difference_table({"b": [base]}, [mean])


def test_difference_interval_covers_a_known_shift():
    rng = np.random.default_rng(3)
    m = TrialMetric("x", "x", "X", "u", "loading")
    base = _steps(rng.normal(10, 1, 60), rng.normal(10, 1, 60))
    shifted = _steps(rng.normal(10.5, 1, 60), rng.normal(10.5, 1, 60))
    r = difference_table({"b": [base], "s": [shifted]}, [m]).iloc[1]
    assert r.ci_low < r.difference < r.ci_high and r.ci_low > 0 and r.verdict == "higher"
    assert r.ci_high - r.ci_low == pytest.approx(2 * 1.96 * np.sqrt(2 / 120), rel=0.25)  # normal-theory width


# --- simulated trials -------------------------------------------------------------------------------


def test_softer_impact_is_ranked_lower_and_suggested(hard_soft):
    hard, soft = hard_soft
    cmp = sk.compare({"own": hard, "soft": soft}, comfort=[6, 6])
    rows = cmp.table[cmp.table.condition == "soft"].set_index("metric")
    assert rows.loc["valr_bw_s", "verdict"] == "lower" and rows.loc["impact_peak_bw", "verdict"] == "lower"
    assert rows.loc["valr_bw_s", "ci_high"] < 0
    assert rows.loc["peak_force_bw", "verdict"] == "no clear difference"  # the active peak is unchanged
    assert cmp.suggested == "soft"
    # the harder option is ruled out even when it feels better
    rev = sk.compare({"soft": soft, "hard": hard}, comfort=[6, 8])
    assert bool(rev.conditions.set_index("condition").loc["hard", "worsens"])
    assert rev.suggested == "soft" and "Ruled out: hard" in rev.suggestion


def test_same_parameters_different_seeds_mostly_contain_zero():
    a, b = (sk.analyze(_sim(s)) for s in (11, 12))
    cmp = sk.compare([a, b], labels=["seed 11", "seed 12"])
    rows = cmp.table[cmp.table.condition == "seed 12"]
    contains = (rows.ci_low <= 0) & (rows.ci_high >= 0)
    print(f"\nsame parameters, different seeds: {int(contains.sum())} of {len(rows)} intervals contain 0")
    assert contains.sum() >= 0.7 * len(rows)
    assert cmp.suggested is None and "No comfort ratings" in cmp.suggestion


def test_repeated_sessions_per_condition_are_used(hard_soft):
    hard, soft = hard_soft
    soft2 = sk.analyze(_sim(3, **SOFT))
    cmp = sk.compare({"own": [hard], "soft": [soft, soft2]}, comfort={"own": 5, "soft": 7})
    r = cmp.table[(cmp.table.condition == "soft") & (cmp.table.metric == "valr_bw_s")].iloc[0]
    means = [s.summary.loc["valr_bw_s", "both"] for s in (soft, soft2)]
    assert r.n_sessions == 2 and r.value == pytest.approx(np.mean(means), rel=1e-9)
    assert cmp.suggested == "soft"


def test_compare_refuses_mixed_activities_and_bad_comfort(hard_soft):
    hard, _ = hard_soft
    walk = sk.analyze(sk.simulate(duration_s=20, seed=1, speed_mps=1.3))
    with pytest.raises(ValueError, match="all be running or all walking"):
        sk.compare([hard, walk])
    with pytest.raises(ValueError, match="one per condition"):
        sk.compare([hard, hard], comfort=[5])
    with pytest.raises(ValueError, match="0-10"):
        sk.compare([hard, hard], comfort=[5, 11])


def test_loading_rates_of_different_methods_are_not_compared(hard_soft):
    hard, _ = hard_soft
    no_peak = sk.analyze(_sim(4, impact_scale=0.7))  # no distinct impact peak: 13 % of stance reference
    assert no_peak.info.loading_rate_method != hard.info.loading_rate_method
    cmp = sk.compare([hard, no_peak])
    r = cmp.table.set_index(["condition", "metric"]).loc[("option 1", "valr_bw_s")]
    assert r.verdict.startswith("not comparable: loading-rate method")


def test_compare_takes_file_paths_like_analyze_recommend_and_report(tmp_path):
    """`sk.compare(["a.txt", "b.txt"])` raised TypeError "compare takes Recording or Analysis
    objects (read files first), not str" while sk.analyze, sk.recommend and sk.report take paths."""
    from pathlib import Path

    base, option = (
        "tests/data/moticon-opengo/230927_102114.txt",
        "tests/data/moticon-opengo/230927_102137.txt",
    )
    by_path = sk.compare([base, Path(option)], body_mass_kg=70)
    by_analysis = sk.compare(
        [sk.analyze(base, body_mass_kg=70), sk.analyze(sk.read(option), body_mass_kg=70)]
    )
    assert by_path.activity == "walking"
    pd.testing.assert_frame_equal(by_path.table, by_analysis.table)
    pd.testing.assert_frame_equal(by_path.conditions, by_analysis.conditions)
    # repeated sessions and labels by mapping take paths too; a DataFrame is a recording as in sk.analyze
    frame = sk.read(option).to_dataframe()
    mixed = sk.compare({"own": base, "new": [option, frame]})
    assert mixed.conditions["n_sessions"].tolist() == [1, 2]
    # one path is not a list of sessions (it was split into one-letter file names)
    with pytest.raises(TypeError, match="a list of sessions"):
        sk.compare(base)
    with pytest.raises(TypeError, match="a file path or a DataFrame, not int"):
        sk.compare([base, 3])


# --- report and CLI ------------------------------------------------------------------------------------


def test_compare_report_is_self_contained_and_escapes_labels(hard_soft, tmp_path):
    hard, soft = hard_soft
    cmp = sk.compare({"<script>own</script>": hard, "soft & cheap": soft}, comfort=[5, 7])
    page = compare_html(cmp)
    assert (
        "<script>" not in page and "&lt;script&gt;own&lt;/script&gt;" in page and "soft &amp; cheap" in page
    )
    assert not re.search(r"(src|href)=\"(https?:)?//", page) and "default-src 'none'" in page
    out = write_compare_report(cmp, tmp_path / "trial.html")
    assert out.read_text(encoding="utf-8").startswith("<!DOCTYPE html>")
    with pytest.raises(FileNotFoundError):
        write_compare_report(cmp, tmp_path / "missing" / "trial.html")


def test_parse_condition_syntax():
    assert parse_condition("a.skr") == (None, ["a.skr"])
    assert parse_condition("a1.skr+a2.skr") == (None, ["a1.skr", "a2.skr"])
    assert parse_condition("gel=g1.csv,g2.csv") == ("gel", ["g1.csv", "g2.csv"])


def test_cli_compare_prints_the_trial_and_writes_the_report(tmp_path, capsys):
    files = {}
    for name, seed, kw in (("own", 1, HARD), ("soft", 2, SOFT), ("soft2", 3, SOFT)):
        files[name] = tmp_path / f"{name}.csv"
        sk.write(sk.simulate(duration_s=20, seed=seed, rate_hz=RATE, **kw), files[name])
    report = tmp_path / "trial.html"
    argv = [
        "compare",
        str(files["own"]),
        f"soft={files['soft']},{files['soft2']}",
        "--comfort",
        "6,7",
        "--report",
        str(report),
    ]
    assert main(argv) == 0
    out = capsys.readouterr().out
    assert "Insole trial (running); baseline: own" in out and "Suggestion: soft" in out
    assert report.exists() and "Insole trial" in report.read_text(encoding="utf-8")
    assert main([*argv[:5], "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["suggested"] == "soft" and data["conditions"][1]["n_sessions"] == 2
    assert main(["compare", str(files["own"]), str(files["soft"]), "--comfort", "6"]) == 1
    assert "comfort ratings for 2 conditions" in capsys.readouterr().err


def test_a_left_right_index_with_too_few_steps_on_a_side_is_not_enough_data():
    """The trial compared the baseline's loading-rate |SI| (38.5 %, from 4 left and 5 right
    steps) although that session's own report says "not enough data" (5 per side needed)."""
    from pathlib import Path

    moticon = Path(__file__).parent / "data" / "moticon-opengo"
    short = sk.analyze(sk.read(moticon / "230927_102114.txt"), body_mass_kg=70)
    assert short.asymmetry.loc["loading_rate_bw_s", "status"] == "not enough data"
    other = sk.analyze(sk.read(moticon / "230927_102137.txt"), body_mass_kg=70)
    table = sk.compare([short, other]).table
    rows = table[table["role"] == "asymmetry"]
    assert len(rows) and (rows["verdict"] == "not enough data").all()
    assert rows.loc[rows["condition"] == "baseline", "value"].isna().all()
    assert rows["difference"].isna().all()


def test_an_option_at_another_pace_has_its_loading_not_compared_and_the_suggestion_says_so():
    """Two Moticon walks, the second 59 % slower (stride time): its 73 % lower loading rate was
    credited to the 'insole'. Vertical forces change with speed (Keller et al. 1996)."""
    from pathlib import Path

    moticon = Path(__file__).parent / "data" / "moticon-opengo"
    fast = sk.analyze(sk.read(moticon / "230927_102114.txt"), body_mass_kg=70)
    slow = sk.analyze(sk.read(moticon / "230927_102137.txt"), body_mass_kg=70)
    stride = [a.steps.loc[a.steps["steady_state"], "stride_time_s"].mean() for a in (fast, slow)]
    assert stride[1] / stride[0] - 1 == pytest.approx(0.59, abs=0.01)
    cmp = sk.compare([fast, slow], comfort=[5, 7])
    rows = cmp.table[(cmp.table["condition"] == "option 1") & (cmp.table["role"] == "loading")]
    assert len(rows) == 2
    assert (rows["verdict"] == "not comparable: pace differs (stride time +59 % vs the baseline)").all()
    # the peak force too (a second review: "Peak force ... -94 N lower" next to the note that
    # peak force rises with speed); the times are what show the pace
    table = cmp.table.set_index(["condition", "metric"])
    assert table.loc[("option 1", "peak_force_bw"), "verdict"].startswith("not comparable: pace differs")
    assert table.loc[("option 1", "stride_time_s"), "verdict"] == "higher"
    assert any("Keller et al. 1996" in n for n in cmp.notes)
    assert "keller1996" in [c.key for c in cmp.citations]
    # nothing of option 1 was compared (its asymmetry has too few steps too): the table said
    # "worsens: no" and the suggestion "not found to worsen", a check that was never made
    assert cmp.conditions.set_index("condition").loc["option 1", "n_checked"] == 0
    assert cmp.suggested is None and cmp.suggestion.startswith("No suggestion: option 1 was rated")
    assert "Not checked: Loading rate (20-80 % of first peak): pace differs" in cmp.suggestion
    assert "not found to worsen" not in cmp.suggestion
    assert re.search(r"option 1\s+1\s+\d+\s+7\s+not checked", cmp.text())
    assert "<td>not checked</td>" in compare_html(cmp)
    # the same pace: compared as before
    same = sk.compare([fast, fast], comfort=[5, 7])
    assert not same.table["verdict"].str.contains("pace differs").any()


def test_the_comparison_shows_clinical_units_and_fixed_precision():
    """It printed 'Peak force N 1.73e+03', contact time in s (0.239) and intervals such as
    -0.00364 to +0.00364, unlike every other sensorkit page."""
    from pathlib import Path

    from sensorkit.report.compare import compare_html

    physionet = Path(__file__).parent / "data" / "physionet-gaitpdb"
    a, b = (sk.analyze(sk.read(physionet / f)) for f in ("GaCo01_01.txt", "GaCo03_01.txt"))
    cmp = sk.compare([a, b])
    page = compare_html(cmp)
    text = cmp.text()
    for out in (page, text):
        assert not re.search(r"\de[+-]\d", out)  # no scientific notation
    row = cmp.table[(cmp.table["condition"] == "option 1") & (cmp.table["metric"] == "contact_time_s")].iloc[
        0
    ]
    ms = f"{row['value'] * 1000:.0f}"
    assert re.search(rf"<td>Contact time</td><td>ms</td><td>context</td><td class=num>{ms}</td>", page)
    assert re.search(rf"Contact time\s+{ms} vs\s+\d+ ms\s+diff [+-]\d+ \[[+-]\d+, [+-]\d+\]", text)


def test_a_run_at_another_speed_is_another_pace_through_its_contact_time():
    """Runners speed up mostly through stride length: 3.0 against 4.5 m/s changed the stride
    time by 6 % but the contact time by 31 %, and VALR 90 -> 190 BW/s ruled the option out."""
    slow = sk.simulate(duration_s=30, seed=1, rate_hz=500, speed_mps=3.0, cadence_spm=166)
    fast = sk.simulate(duration_s=30, seed=2, rate_hz=500, speed_mps=4.5, cadence_spm=176)
    cmp = sk.compare([slow, fast], comfort=[5, 7])
    loading = cmp.table[(cmp.table["condition"] == "option 1") & (cmp.table["role"] == "loading")]
    assert loading["verdict"].str.startswith("not comparable: pace differs (contact time -3").all()
    assert not cmp.conditions.set_index("condition").loc["option 1", "worsens"]
    assert cmp.conditions.set_index("condition").loc["option 1", "n_checked"] > 0  # its |SI| rows
    assert cmp.suggested == "option 1" and "not found to worsen" in cmp.suggestion
    assert re.search(
        r"Not checked for it: Average vertical loading rate: pace differs \(contact time -31 %",
        cmp.suggestion,
    )


def test_a_left_right_si_row_gives_no_relative_change_of_a_percentage():
    """|SI| 0.2 -> 0.6 % read "+198.5 %" next to "no clear difference"; its difference (+0.4) is
    already in percentage points."""
    a = sk.simulate(duration_s=30, seed=1, rate_hz=500)
    b = sk.simulate(duration_s=30, seed=2, rate_hz=500)
    table = sk.compare([a, b]).table
    si = table[(table["condition"] == "option 1") & (table["role"] == "asymmetry")]
    compared = si[si["verdict"].isin(["higher", "lower", "no clear difference"])]
    assert len(compared) and compared["difference_pct"].isna().all() and compared["difference"].notna().all()
    loading = table[(table["condition"] == "option 1") & (table["role"] == "loading")]
    assert loading["difference_pct"].notna().any()  # relative changes stay where they mean something


# --- sessions of different people (real PhysioNet walks of three subjects) --------------------------

GACO = Path(__file__).parent / "data" / "physionet-gaitpdb"
GACO_FILES = [str(GACO / f"{n}.txt") for n in ("GaCo01_01", "GaCo03_01", "GaCo04_02")]  # 83, 101, 65 kg


def test_cli_compare_of_different_people_says_so_first_and_compares_no_force_in_newtons(tmp_path, capsys):
    """`sensorkit compare GaCo01_01 GaCo03_01 GaCo04_02` (three subjects, 83/101/65 kg, no mass in the
    files) compared them in newtons as one person's insoles and concluded GaCo03_01 worsened the first
    peak (+67 N: the heavier man), without a word that they are different people."""
    report = tmp_path / "trial.html"
    assert main(["compare", *GACO_FILES, "--report", str(report)]) == 0
    out = capsys.readouterr().out
    head, table = out.split("condition ", 1)
    assert (
        "WARNING: DIFFERENT PEOPLE" in head
        and "GaCo01_01: GaCo01, GaCo03_01: GaCo03, GaCo04_02: GaCo04" in head
    )
    assert "not in body weights: no body mass for GaCo01_01, GaCo03_01, GaCo04_02" in head
    for label in ("First (loading-response) peak", "Peak force", "Loading rate (20-80 % of first peak)"):
        rows = [line for line in table.splitlines() if line.strip().startswith(label)]
        assert len(rows) == 2 and all("not comparable: different people, no body mass" in r for r in rows)
    suggestion = out.split("Suggestion: ", 1)[1].split("\n", 1)[0]
    assert suggestion.startswith("No suggestion: these sessions are not of one person")
    assert "Ruled out" not in suggestion and "worsened" not in suggestion
    assert " N " not in table and "N/s" not in table  # no newton value is compared
    page = report.read_text(encoding="utf-8")
    assert page.index('class="warning"') < page.index('class="suggestion"')
    assert "DIFFERENT PEOPLE" in page
    assert main(["compare", *GACO_FILES, "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert list(data)[:2] == ["schema", "warnings"] and data["warnings"][0].startswith("DIFFERENT PEOPLE")
    assert data["people"]["same_person"] is False and data["suggested"] is None
    assert data["people"]["subjects"] == {
        "GaCo01_01": ["GaCo01"],
        "GaCo03_01": ["GaCo03"],
        "GaCo04_02": ["GaCo04"],
    }


def test_compare_with_each_persons_mass_compares_forces_in_body_weights(capsys):
    # in N GaCo03's first peak was 67 N higher; in his own body weights it is 0.18 BW lower
    assert main(["compare", *GACO_FILES, "--mass", "83,101,65", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["people"]["body_mass_kg"] == {"GaCo01_01": [83.0], "GaCo03_01": [101.0], "GaCo04_02": [65.0]}
    assert any(w.startswith("body masses differ by 55 %") for w in data["warnings"])
    table = pd.DataFrame(data["table"])
    assert not table["metric"].str.endswith(("_n", "_n_s")).any()
    first = table[(table["condition"] == "GaCo03_01") & (table["metric"] == "first_peak_bw")].iloc[0]
    assert first["verdict"] == "lower" and first["difference"] == pytest.approx(-0.18, abs=0.01)
    assert "orsama2014" in [c["key"] for c in data["citations"]]
    with pytest.raises(SystemExit):
        main(["compare", *GACO_FILES, "--mass", "83,1010"])  # outside 10-400 kg
    assert main(["compare", *GACO_FILES, "--mass", "83,101"]) == 1
    assert "2 body masses for 3 conditions" in capsys.readouterr().err


def test_sessions_of_one_person_raise_no_warning_but_a_mass_change_does():
    rec = sk.read(GACO_FILES[0])
    first, second = rec.slice_time(None, 60.0), rec.slice_time(60.0, None)
    cmp = sk.compare([first, second], labels=["a", "b"], body_mass_kg=83)
    assert cmp.warnings == [] and cmp.people["same_person"] is True and "Orsama" not in str(cmp)
    other = sk.compare(
        [sk.analyze(first, body_mass_kg=83), sk.analyze(second, body_mass_kg=93)], labels=["a", "b"]
    )
    assert other.people["same_person"] is True  # one subject identifier: a mass to check, not two people
    assert other.warnings[0].startswith("body masses differ by 12 %") and "a wrong mass?" in other.warnings[0]


def test_masses_far_apart_without_subject_ids_are_taken_for_different_people():
    light = sk.analyze(sk.simulate(duration_s=20, seed=1, rate_hz=RATE), body_mass_kg=55)
    heavy = sk.analyze(sk.simulate(duration_s=20, seed=2, rate_hz=RATE), body_mass_kg=95)
    cmp = sk.compare([light, heavy], labels=["light", "heavy"], comfort=[5, 7])
    assert cmp.people["same_person"] is False and cmp.suggested is None
    assert "probably different people" in cmp.warnings[0] and str(cmp).split("\n")[2].startswith("WARNING")


# --- who the sessions are of: identifiers compared as identifiers, file names as weak evidence ------


def _copies(tmp_path, *names: str) -> list[str]:
    """Copies of one real PhysioNet walk (GaCo01_01) under other names."""
    out = []
    for name in names:
        copy = tmp_path / name
        copy.write_bytes(Path(GACO_FILES[0]).read_bytes())
        out.append(str(copy))
    return out


def test_two_copies_of_one_walk_named_by_week_are_not_called_two_people(tmp_path, capsys):
    """P07-week1.txt and P07-week2.txt, two copies of one recording: the reader takes the subject
    from the file name, so they read "P07-week1" and "P07-week2", and compare said DIFFERENT
    PEOPLE, withheld the suggestion and every force row."""
    files = _copies(tmp_path, "P07-week1.txt", "P07-week2.txt")
    assert main(["compare", *files, "--comfort", "5,7"]) == 0
    out = capsys.readouterr().out
    head, table = out.split("condition ", 1)
    assert "DIFFERENT PEOPLE" not in out
    assert (
        "WARNING: subject identifiers differ (P07-week1: P07-week1 (file name), P07-week2: P07-week2 (file name))"
        in head
    )
    assert "only through file names" in head
    assert "not comparable" not in table  # every force and rate row compared
    suggestion = out.split("Suggestion: ", 1)[1].split("\n", 1)[0]
    assert suggestion.startswith("P07-week2: the most comfortable option (7/10)")
    assert main(["compare", *files, "--comfort", "5,7", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["people"]["same_person"] is None and data["suggested"] == "P07-week2"
    assert data["people"]["subject_evidence"] == {"P07-week1": ["file name"], "P07-week2": ["file name"]}


def test_sessions_of_different_subjects_named_in_the_datasets_own_form_are_still_different_people():
    cmp = sk.compare(GACO_FILES[:2], labels=["a", "b"], comfort=[5, 7])
    assert cmp.people["same_person"] is False and cmp.suggested is None
    assert cmp.warnings[0].startswith(
        "DIFFERENT PEOPLE: the sessions carry different subject identifiers (a: GaCo01, b: GaCo03)"
    )
    assert cmp.people["subject_evidence"] == {"a": ["dataset file name"], "b": ["dataset file name"]}


def test_subject_identifiers_differing_in_case_or_spaces_are_one_person():
    """ "P07" and "p07 " were two identifiers, so DIFFERENT PEOPLE."""
    rec = sk.read(GACO_FILES[0])
    first, second = rec.slice_time(None, 60.0), rec.slice_time(60.0, None)
    for part, subject in ((first, "P07"), (second, "p07 ")):
        part.metadata = {k: v for k, v in part.metadata.items() if not k.startswith("subject")}
        part.metadata["subject"] = subject
    cmp = sk.compare([first, second], labels=["a", "b"], comfort=[5, 7], body_mass_kg=83)
    assert cmp.warnings == [] and cmp.people["same_person"] is True
    assert cmp.people["subjects"] == {"a": ["P07"], "b": ["p07"]}  # as written (stripped by the recording)
    assert cmp.people["subject_evidence"] == {"a": ["recorded"], "b": ["recorded"]}
    second.metadata["subject"] = "P08"
    other = sk.compare([first, second], labels=["a", "b"], body_mass_kg=83)
    assert other.people["same_person"] is False and other.warnings[0].startswith("DIFFERENT PEOPLE")


def test_the_physionet_reader_marks_its_subject_as_a_file_name_and_a_csv_copy_keeps_it(tmp_path):
    (copy,) = _copies(tmp_path, "P07-week1.txt")
    rec = sk.read(copy)
    assert rec.metadata["subject"] == "P07-week1" and rec.metadata["subject_from_file_name"] is True
    assert "subject_naming" not in rec.metadata
    named = sk.read(GACO_FILES[0]).metadata
    assert named["subject_from_file_name"] is True and named["subject_naming"] == "physionet-gaitpdb"
    out = tmp_path / "p07.csv"
    sk.write(rec, out)
    back = sk.read(out)
    assert back.metadata["subject"] == "P07-week1" and back.metadata["subject_from_file_name"] is True
    source = sk.analyze(back).source
    assert source["subject_from_file_name"] is True and source["subject_naming"] is None


def test_same_person_compares_sessions_whose_identifiers_differ_and_says_it_was_stated(capsys):
    """Sessions carrying different identifiers (a subject renamed between sessions) had their
    suggestion and every force row withheld, with no way to say they are one person."""
    pair = GACO_FILES[:2]
    assert main(["compare", *pair, "--comfort", "5,7"]) == 0
    plain = capsys.readouterr().out
    assert "DIFFERENT PEOPLE" in plain and "say so with --same-person (same_person=True)" in plain
    assert main(["compare", *pair, "--comfort", "5,7", "--same-person"]) == 0
    out = capsys.readouterr().out
    head, table = out.split("condition ", 1)
    assert "DIFFERENT PEOPLE" not in out
    assert head.split("\n")[2] == (
        "WARNING: ONE PERSON, as stated (--same-person, same_person=True): compared as one person's "
        "sessions, although their subject identifiers (GaCo01_01: GaCo01, GaCo03_01: GaCo03) differ"
    )
    assert "not comparable" not in table and "Suggestion: No suggestion" not in out
    assert main(["compare", *pair, "--comfort", "5,7", "--same-person", "--mass", "83,101", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["people"]["same_person"] is True and data["people"]["stated"] is True
    assert data["suggested"] is not None
    assert "body masses (GaCo01_01: 83 kg, GaCo03_01: 101 kg) differ" in data["warnings"][0]
    assert data["warnings"][1].endswith("a wrong mass? (stated to be one person; BW values depend on it)")
    cmp = sk.compare(pair, labels=["a", "b"], comfort=[5, 7], same_person=True)
    assert cmp.people["stated"] is True and cmp.suggested is not None
    assert sk.compare(pair, labels=["a", "b"]).people["stated"] is False


def test_a_mass_given_on_the_command_line_that_disagrees_with_the_files_own_is_said(tmp_path, capsys):
    """`compare a.csv b.csv --mass 70` over two files that say 83 kg: every force was put in body
    weights of 70 kg without a word."""
    rec = sk.read(GACO_FILES[0], body_mass_kg=83)
    files = []
    for name, part in (("a.csv", rec.slice_time(None, 60.0)), ("b.csv", rec.slice_time(60.0, None))):
        sk.write(part, tmp_path / name)
        files.append(str(tmp_path / name))
    assert main(["compare", *files, "--json"]) == 0  # the files' own masses: nothing to say
    data = json.loads(capsys.readouterr().out)
    assert data["warnings"] == [] and data["people"]["recording_body_mass_kg"] == {"a": [83.0], "b": [83.0]}
    assert main(["compare", *files, "--mass", "70"]) == 0
    head = capsys.readouterr().out.split("condition ", 1)[0]
    assert (
        "WARNING: the body mass given differs from the recording's own by more than 5 % (a: 70 kg given, "
        "83 kg in the recording (19 %), b: 70 kg given, 83 kg in the recording (19 %)): BW values use the "
        "mass given; check --mass" in head
    )
    assert main(["compare", *files, "--mass", "82", "--json"]) == 0  # within 5 %: one person's weight
    assert json.loads(capsys.readouterr().out)["warnings"] == []


def test_the_mass_tolerance_cites_each_weight_source_for_what_it_says():
    """Orsama et al. 2014 was cited for "weekly weight varies ~0.35 %", a figure its abstract does
    not give (it is Turicchi et al. 2020's), next to an uncited "1-2 % within a day"."""
    from sensorkit.recommend.evidence import CITATIONS

    light = sk.analyze(sk.simulate(duration_s=20, seed=1, rate_hz=RATE), body_mass_kg=55)
    heavy = sk.analyze(sk.simulate(duration_s=20, seed=2, rate_hz=RATE), body_mass_kg=95)
    cmp = sk.compare([light, heavy], labels=["light", "heavy"])
    assert [c.key for c in cmp.citations][-2:] == ["orsama2014", "turicchi2020"]
    assert "Orsama et al. 2014; Turicchi et al. 2020" in str(cmp)
    assert "0.35" not in CITATIONS["orsama2014"].finding
    turicchi = CITATIONS["turicchi2020"]
    assert "0.35 % within the week" in turicchi.finding and turicchi.journal == "PLoS ONE 15(4):e0232152"
    module = Path(sk.__file__).parent / "recommend" / "compare.py"
    assert "1-2 %" not in module.read_text(encoding="utf-8")  # the uncited within-day figure


def test_the_comparison_report_takes_same_person_like_compare(tmp_path, capsys):
    """`sensorkit report A B` had no --same-person, and sk.report(..., same_person=True) passed it
    to sk.read as a read option (an error): the comparison page could only say DIFFERENT PEOPLE."""
    pair = GACO_FILES[:2]
    page = tmp_path / "cmp.html"
    assert main(["report", *pair, "-o", str(page)]) == 0
    assert "DIFFERENT PEOPLE" in page.read_text(encoding="utf-8")
    assert main(["report", *pair, "-o", str(page), "--force", "--same-person"]) == 0
    text = page.read_text(encoding="utf-8")
    assert "ONE PERSON, as stated" in text and "DIFFERENT PEOPLE" not in text
    sk.report(*pair, output=page, overwrite=True, same_person=True)
    assert "ONE PERSON, as stated" in page.read_text(encoding="utf-8")
    assert main(["report", pair[0], "-o", str(tmp_path / "one.html"), "--same-person"]) == 1
    assert "--same-person applies to a comparison of several recordings" in capsys.readouterr().err
    with pytest.raises(ValueError, match="not to one session"):
        sk.report(pair[0], output=tmp_path / "one.html", same_person=True)
