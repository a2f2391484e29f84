"""What a clinician reads in the report: who and when, clinical units, tables that fit, print layout."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import numpy as np
import pytest

import sensorkit as sk
from sensorkit.cli import main
from sensorkit.errors import SensorkitError
from sensorkit.report import write_report
from sensorkit.report.figures import MAX_DRAWN_POINTS, gaps_timeline_figure, trends_figure
from sensorkit.report.html import build_html
from sensorkit.report.identity import session_identity
from sensorkit.report.recommendation import RecommendationBlock

DATA = Path(__file__).parent / "data"
MOTICON = DATA / "moticon-opengo" / "230927_102114.txt"


def _html(tmp_path: Path, rec, res=None, **identity) -> str:
    """The report page without its figures (they are tested in test_report.py): fast and complete otherwise."""
    res = res if res is not None else sk.analyze(rec)
    ident = session_identity(rec, **identity)
    text = build_html(rec, res, [], RecommendationBlock("skipped", ""), identity=ident)
    (tmp_path / "r.html").write_text(text, encoding="utf-8")
    return text


def _section(text: str, anchor: str) -> str:
    """One section of the page, with the left-alignment classes of cells removed for matching."""
    part = text.split(f'id="{anchor}"', 1)[1].split("</section>", 1)[0]
    return part.replace(' class="text"', "")


@pytest.fixture(scope="module")
def capture(tmp_path_factory) -> Path:
    """A real capture recorded by the CLI with a subject id (2 s of the simulated pair)."""
    path = tmp_path_factory.mktemp("capture") / "P01_visit1.skr"
    assert (
        main(["record", "sim://", "-o", str(path), "--duration", "2", "--subject", "P01", "--mass", "70"])
        == 0
    )
    return path


@pytest.fixture(scope="module")
def run500():
    rec = sk.simulate(duration_s=20, seed=3, rate_hz=500.0, asymmetry=0.2)
    return rec, sk.analyze(rec)


# -- who and when ----------------------------------------------------------------------------
@pytest.mark.slow
def test_capture_report_names_subject_date_and_file_not_the_capture_format(capture, tmp_path):
    rec = sk.read(capture)
    text = _html(tmp_path, rec, session="visit 1", condition="barefoot", notes="left knee pain")
    ident = _section(text, "identity")
    assert "P01" in ident and "visit 1" in ident and "barefoot" in ident and "left knee pain" in ident
    day = rec.metadata["created_utc"][:10]
    assert re.search(rf"<td>date</td><td>{day} \d\d:\d\d UTC</td>", ident)
    assert "<title>Gait and loading report: P01 · visit 1 · " in text
    assert "sensorkit.capture" not in text
    assert "P01_visit1.skr" in ident


def test_report_shows_the_file_name_never_its_folder(tmp_path):
    rec = sk.simulate(duration_s=6, seed=1)
    folder = tmp_path / "Jane Doe clinic"
    folder.mkdir()
    sk.write(rec, folder / "walk.csv")
    text = _html(tmp_path, sk.read(folder / "walk.csv"))
    assert "walk.csv" in text
    assert "Jane Doe" not in text and str(tmp_path) not in text


def test_anonymize_leaves_out_subject_notes_and_serials(tmp_path):
    rec = sk.read(MOTICON)
    assert rec.metadata["serial_left"] == "SN5968" and rec.metadata["notes"]
    rec.metadata["subject"] = "Jane Doe"  # as a capture header or a CSV names the subject
    plain = _html(tmp_path, rec)
    assert "Jane Doe" in plain and "SN5968" in plain and "Some walking steps" in plain
    anon = _html(tmp_path, rec, anonymize=True)
    for secret in ("Jane Doe", "SN5968", "SN9171", "Some walking steps"):
        assert secret not in anon
    assert "<td>subject</td><td>left out (anonymised)</td>" in _section(anon, "identity")
    # the year stays; the full date and time identify the session (Moticon's file is 230927_102114)
    assert session_identity(rec).date == "2023-09-27 10:21"
    assert session_identity(rec, anonymize=True).date == "2023"
    assert "10:21" not in anon and "2023-09-27" not in anon
    # a file is often named after the person: JaneDoe_walk.csv was shown three times
    named = tmp_path / "JaneDoe_walk.csv"
    sk.write(sk.simulate(duration_s=6, seed=1), named)
    page = sk.report(named, output=tmp_path / "anon.html", anonymize=True, recommend=False)["html"]
    assert "JaneDoe" not in page.read_text(encoding="utf-8")
    assert "JaneDoe_walk.csv" in _html(tmp_path, sk.read(named))


def test_anonymize_keeps_the_pseudonym_given_with_subject(tmp_path):
    """`report F --anonymize --subject P07` said "subject: left out (anonymised)" and titled the
    page with the year alone: the pseudonym the user typed is not something the file said."""
    cli_page = tmp_path / "cli.html"
    assert main(["report", str(MOTICON), "--anonymize", "--subject", "P07", "-o", str(cli_page)]) == 0
    api_page = sk.report(MOTICON, output=tmp_path / "api.html", anonymize=True, subject="P07")["html"]
    for page in (cli_page, api_page):
        text = page.read_text(encoding="utf-8")
        ident = _section(text, "identity")
        assert "<td>subject</td><td>P07</td>" in ident
        assert "<title>Gait and loading report: P07 · 2023</title>" in text
        # what the file said is still left out
        assert "<td>file</td><td>left out (anonymised)</td>" in ident
        for secret in ("SN5968", "SN9171", "Some walking steps", "230927_102114", "2023-09-27"):
            assert secret not in text


@pytest.mark.slow
def test_a_capture_without_link_gaps_does_not_read_as_dropouts(capture, tmp_path):
    rec = sk.read(capture)
    text = _section(_html(tmp_path, rec), "gaps-table")
    assert "The recorder logged 0 link gap(s)" in text
    edge = [g for g in rec.gaps.to_dict(orient="records") if g["end_s"] >= rec.time[-1] - 0.02]
    if edge:  # one insole stopped a frame before the other: said as such, not as a dropout
        assert "one insole started or stopped first" in text
        assert "0 interval(s) without data inside the session" in text


# -- numbers as clinicians read them -----------------------------------------------------------
def test_summary_uses_ms_bw_and_fixed_precision(run500, tmp_path):
    rec, res = run500
    summary = _section(_html(tmp_path, rec, res), "summary")
    row = re.search(r"<td>contact time \(ms\)</td><td>(\d+)</td><td>(\d+)</td><td>(\d+)</td>", summary)
    assert row, summary[:500]
    assert int(row.group(3)) == round(res.summary.loc["contact_time_s", "both"] * 1e3)
    peak = re.search(r"<td>peak force \(BW\)</td><td>(\d+\.\d\d)</td>", summary)
    assert peak and float(peak.group(1)) == pytest.approx(res.summary.loc["peak_force_bw", "left"], abs=0.005)
    si = re.search(
        r"<td>peak force \(BW\)</td>(?:<td>[^<]*</td>){5}<td><span class=\"flag\">([+-]\d+\.\d) \[", summary
    )
    assert si and float(si.group(1)) == pytest.approx(
        res.summary.loc["peak_force_bw", "symmetry_index_pct"], abs=0.05
    )
    assert not re.search(r"\d[eE][+-]\d", summary)  # never 4.42e-05
    # how many steps each mean rests on, per side (the asymmetry table's counts)
    n = res.asymmetry.loc["peak_force_bw", ["n_left", "n_right"]].astype(int).tolist()
    assert re.search(rf"<td>peak force \(BW\)</td>(?:<td>[^<]*</td>){{3}}<td>{n[0]} / {n[1]}</td>", summary)


def test_no_scientific_notation_for_tiny_symmetry_indices(tmp_path):
    rec = sk.simulate(duration_s=20, seed=2, speed_mps=1.2)  # symmetric walk: SI of 1e-13 happen
    text = _html(tmp_path, rec)
    assert not re.search(r"<td>[^<]*\d[eE][+-]\d", text)
    assert "-0.0<" not in text


def test_not_enough_data_is_said_in_words(tmp_path):
    rec = sk.simulate(duration_s=3, seed=1, body_mass_kg=70)  # a pair, too few steps on a side
    res = sk.analyze(rec)
    assert (res.asymmetry["status"] == "not enough data").any()
    summary = _section(_html(tmp_path, rec, res), "summary")
    assert "not enough data" in summary
    # one insole: the summary says why there is no asymmetry instead
    one = sk.Recording.from_arrays(rec.time, rec.left, None, layout=rec.layout, body_mass_kg=70)
    summary = _section(_html(tmp_path, one, sk.analyze(one)), "summary")
    assert "Steps on the left insole only: no symmetry index or asymmetry, which need both" in summary


def test_steps_table_fits_human_names_and_drops_empty_columns(run500, tmp_path):
    rec, res = run500
    steps = _section(_html(tmp_path, rec, res), "steps")
    short, full = steps.split("<details", 1)
    header = re.findall(r"<th[^>]*>([^<]*)</th>", short)
    assert len(header) <= 11 and "contact time (ms)" in header and "peak force (BW)" in header
    assert not any("_" in h for h in header)  # no snake_case
    assert "peak pressure" not in steps  # always empty for a force insole
    assert "peak force (N)" not in header  # one force unit: BW with a mass
    assert "<summary>All " in full and "always-empty columns left out" in full
    assert len(re.findall(r"<tr>", short)) == len(res.steps) + 1


def test_standing_and_mask_pressure_tables_for_a_pressure_insole(tmp_path):
    rec = sk.read(MOTICON)
    res = sk.analyze(rec)
    text = _html(tmp_path, rec, res)
    standing = _section(text, "standing")
    share = res.standing.iloc[0]["left_share_pct"]
    assert f"<td>{share:.1f}</td>" in standing
    pressure = _section(text, "pressure")
    masks = list(dict.fromkeys(res.pressure["mask"]))
    for mask in masks:
        assert f"<td>{mask}</td>" in pressure
    heel = res.pressure[(res.pressure["mask"] == masks[0]) & (res.pressure["side"] == "left")]
    assert f"<td>{heel['peak_pressure_kpa'].mean():.0f}</td>" in pressure
    assert "peak pressure (kPa) left" in pressure


def test_report_states_the_analysis_window_version_and_parameters(tmp_path):
    rec = sk.simulate(duration_s=30, seed=1)
    res = sk.analyze(rec, start_s=10.0, end_s=20.0)
    text = _html(tmp_path, rec, res)
    assert "<td>analysis window</td><td>10.0 s to 20.0 s of 30.0 s</td>" in text
    assert f'<meta name="sensorkit-version" content="{sk.__version__}">' in text
    params = json.loads(
        re.search(r'<meta name="sensorkit-params" content="([^"]+)">', text).group(1).replace("&quot;", '"')
    )
    assert params["min_steps_asymmetry"] == res.params.min_steps_asymmetry
    assert "<td>bootstrap_resamples</td>" in _section(text, "parameters")


# -- print layout ------------------------------------------------------------------------------
def test_print_stylesheet_keeps_headings_with_content_and_tables_whole(tmp_path):
    text = _html(tmp_path, sk.simulate(duration_s=6, seed=1))
    css = text.split("@media print{", 1)[1].split("</style>", 1)[0]
    assert re.search(r"h1,h2,h3\{break-after:avoid", css)
    assert re.search(r"section\.keep,table,figure[^{]*\{break-inside:avoid", css)
    assert "thead{display:table-header-group}" in css
    # every h2 sits inside a section with its content
    assert text.count("<h2>") == len(re.findall(r'<section id="[^"]+" class="(?:keep|long)"><h2>', text))


CHROMIUM = shutil.which("chromium")


@pytest.mark.slow
@pytest.mark.skipif(
    CHROMIUM is None, reason="chromium is not installed (apt-get install chromium) to print a PDF"
)
def test_pdf_is_printed_by_headless_chromium(tmp_path):
    rec = sk.simulate(duration_s=10, seed=1)
    result = write_report(tmp_path / "run.html", rec, sk.analyze(rec), recommend=False, pdf=True)
    pdf = result["pdf"].read_bytes()
    assert pdf.startswith(b"%PDF")
    pages = len(re.findall(rb"/Type\s*/Page[^s]", pdf))
    assert 3 <= pages <= 12


def test_pdf_without_chromium_is_one_clear_error(tmp_path, monkeypatch):
    monkeypatch.setenv("SENSORKIT_CHROMIUM", str(tmp_path / "no-such-browser"))
    rec = sk.simulate(duration_s=4, seed=1)
    with pytest.raises(SensorkitError, match="needs Chromium") as info:
        write_report(tmp_path / "r.html", rec, sk.analyze(rec), recommend=False, pdf=True)
    assert "apt-get install chromium" in info.value.hint
    assert (tmp_path / "r.html").exists()  # the HTML is written first


def test_a_failed_pdf_print_keeps_the_pdf_it_would_replace_and_its_permissions(tmp_path, monkeypatch):
    """The old PDF was deleted before Chromium ran; a replaced one became world-readable."""
    import os
    import stat

    rec = sk.simulate(duration_s=4, seed=1)
    pdf = tmp_path / "r.pdf"
    pdf.write_bytes(b"%PDF signed copy")
    os.chmod(pdf, 0o600)
    monkeypatch.setenv("SENSORKIT_CHROMIUM", "/bin/false")  # a browser that prints nothing
    with pytest.raises(SensorkitError, match="Chromium wrote no PDF"):
        write_report(tmp_path / "r.html", rec, sk.analyze(rec), recommend=False, pdf=True)
    assert pdf.read_bytes() == b"%PDF signed copy"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["r.html", "r.pdf"]  # no temporary file left
    if CHROMIUM is not None:
        monkeypatch.setenv("SENSORKIT_CHROMIUM", CHROMIUM)
        write_report(tmp_path / "r.html", rec, sk.analyze(rec), recommend=False, pdf=True)
        assert pdf.read_bytes().startswith(b"%PDF-") and stat.S_IMODE(os.stat(pdf).st_mode) == 0o600


# -- one report function -------------------------------------------------------------------------
def test_sk_report_of_a_path_writes_the_session_report(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    sk.write(sk.simulate(duration_s=6, seed=1), "walk.csv")
    result = sk.report("walk.csv", subject="P07", recommend=False)
    assert result["html"] == Path("walk.html")
    assert "P07" in Path("walk.html").read_text(encoding="utf-8")


def test_sk_report_makes_the_comparison_and_cohort_pages(tmp_path):
    a = sk.simulate(duration_s=20, seed=1, rate_hz=200)
    b = sk.simulate(duration_s=20, seed=2, rate_hz=200)
    page = sk.report(a, b, output=tmp_path / "cmp.html")["html"]
    assert page.is_file() and "baseline" in page.read_text(encoding="utf-8")
    with pytest.raises(SensorkitError, match="not a sensorkit batch output"):
        sk.report(tmp_path)
    from sensorkit.cohort import analyze_many

    sk.write(a, tmp_path / "a.csv")
    analyze_many([tmp_path / "a.csv"], output=tmp_path / "cohort")
    cohort_page = sk.report(tmp_path / "cohort", output=tmp_path / "cohort.html")["html"]
    assert "Data quality per file" in cohort_page.read_text(encoding="utf-8")
    with pytest.raises(TypeError, match="Recording, a file path or a DataFrame"):
        sk.report(42)
    with pytest.raises(ValueError, match="give output="):
        sk.report(sk.simulate(duration_s=2, seed=1), recommend=False)


# -- long sessions: thinned for display, exact in numbers ---------------------------------------
@pytest.mark.slow
def test_long_sessions_are_thinned_for_display_only():
    rec = sk.simulate(duration_s=1200, seed=1)  # ~1700 steps per side
    res = sk.analyze(rec)
    n_side = int(res.counts.loc["left", "n_steady_state"])
    assert n_side > MAX_DRAWN_POINTS
    fig = trends_figure(res)
    dots = [ln for ln in fig.axes[0].lines if ln.get_linestyle() == "None"]
    assert dots and all(len(ln.get_xdata()) <= MAX_DRAWN_POINTS for ln in dots)
    timeline = gaps_timeline_figure(res, rec)
    segs = sum(len(c.get_segments()) for c in timeline.axes[0].collections if hasattr(c, "get_segments"))
    assert segs <= 2 * MAX_DRAWN_POINTS + len(res.steps) - int(res.counts.loc["both", "n_steady_state"])
    # the numbers are still those of every step
    assert np.isfinite(res.summary.loc["contact_time_s", "left"])


def test_the_report_lists_the_recordings_events_escaped(tmp_path):
    # issue 14: events and markers are shown in the report
    rec = sk.read("tests/data/moticon-opengo/230927_102114.txt")  # vendor step events
    assert len(rec.events) > 10
    tagged = sk.Recording.from_arrays(
        time=rec.time,
        left=rec.left,
        right=rec.right,
        layout=rec.layout,
        units=rec.units,
        events=[
            *rec.events.to_dict("records"),
            {"time_s": 1.0, "label": "<b>new insole</b>", "source": "user"},
        ],
    )
    page = sk.report(tagged, output=tmp_path / "r.html", recommend=False)["html"].read_text(encoding="utf-8")
    assert '<section id="events"' in page and "&lt;b&gt;new insole&lt;/b&gt;" in page
    assert "left_initial_contact" in page and "<b>new insole</b>" not in page
    # the caption says these markers are not sensorkit's gait events (Moticon's own detections)
    events = page.split('<section id="events"')[1].split("</section>")[0]
    assert "these markers are not used" in events and "a device's own step detections" in events
    assert "each detects contact at its own force threshold" in events  # Moticon's toe-offs are earlier


def test_the_report_says_when_sensor_positions_are_estimated(tmp_path):
    """The Moticon layout is fitted to Moticon's force and COP, not the maker's geometry: the
    header said only 'moticon-s7-estimated: 16 sensors per insole, values in kPa'."""
    rec = sk.read("tests/data/moticon-opengo/230927_102137.txt")
    page = sk.report(rec, output=tmp_path / "m.html")["html"].read_text(encoding="utf-8")
    header = page.split("<td>layout</td>")[1].split("</tr>")[0]
    assert "sensor positions are estimated (fitted to the device&#x27;s own force and COP" in header
    assert "On the moticon-s7-estimated layout the sensor positions are estimated" in page  # foot loading
    walk = sk.read("tests/data/physionet-gaitpdb/GaCo01_01.txt", body_mass_kg=83)  # "approximately at"
    approx = sk.report(walk, output=tmp_path / "p.html")["html"].read_text(encoding="utf-8")
    assert "sensor positions are approximate (from a drawing of the insole or its maker" in approx
    plain = sk.report(sk.simulate(duration_s=10, seed=1), output=tmp_path / "s.html")["html"]
    assert "sensor positions are" not in plain.read_text(encoding="utf-8")  # ref16: specified


def test_the_coverage_timeline_says_what_its_red_ticks_are_and_gaps_are_not_a_side_colour():
    """Its title said "steps touching a gap in red" while every step left out of the summary is
    red (Moticon 102114: a contact far from the median at 2.99 s, a last step at 10.91 s), and
    the gaps' orange looked like the right foot's vermillion."""
    from matplotlib.colors import to_hex

    from sensorkit.report.style import FLAG_COLOR, GAP_COLOR, SIDE_COLORS

    rec = sk.read("tests/data/moticon-opengo/230927_102114.txt")
    res = sk.analyze(rec)
    ax = gaps_timeline_figure(res, rec).axes[0]
    assert "red: steps left out of the summary" in ax.get_title()
    red = [
        c
        for c in ax.collections
        if hasattr(c, "get_segments") and to_hex(c.get_color()[0]) == FLAG_COLOR.lower()
    ]
    ticks = sorted(round(float(seg[0][0]), 2) for c in red for seg in c.get_segments())
    out = res.steps.loc[~res.steps["steady_state"], "t_contact_s"].round(2).tolist()
    assert ticks == sorted(out) and 2.99 in ticks and 10.91 in ticks

    # the gap colour is far from both sides' colours (RGB distance)
    def rgb(c):
        return np.array([int(c[i : i + 2], 16) for i in (1, 3, 5)], dtype=float)

    for side in SIDE_COLORS.values():
        assert np.linalg.norm(rgb(GAP_COLOR) - rgb(side)) > 100


def test_the_pressure_table_is_over_steady_state_steps_and_counts_the_steps_with_a_value():
    """It averaged over valid steps while every other summary uses steady-state steps, and its
    'steps' column counted rows without a value (stances touching a gap): Moticon 102137 said
    9 / 9 for means over 7 steps."""
    from sensorkit.report.sections import pressure_table

    res = sk.analyze(sk.read("tests/data/moticon-opengo/230927_102137.txt"))
    page = pressure_table(res)
    steady = res.steps.index[res.steps["steady_state"] & (res.steps["activity"] == res.activity)]
    p = res.pressure[res.pressure["step"].isin(steady) & res.pressure["peak_pressure_kpa"].notna()]
    heel = p[p["mask"] == "heel"]
    want = " / ".join(str(int((heel["side"] == s).sum())) for s in ("left", "right"))
    assert want == "5 / 6"
    row = re.search(r"<tr><td>heel</td>(.*?)</tr>", page).group(1)
    assert row.endswith(f"<td>{want}</td>")
    mean_left = heel.loc[heel["side"] == "left", "peak_pressure_kpa"].mean()
    assert f"<td>{mean_left:.0f}</td>" in row
    assert "mean over steady-state steps" in page


def test_the_standing_table_says_what_its_periods_are_and_its_limit():
    """pedar's 2.9 s of standing before the walk was flagged "asymmetric" with no caption: read
    as a weight-bearing test result."""
    from sensorkit.report.sections import standing_table

    res = sk.analyze(sk.read("tests/data/pressure-mats/pedar_example.asc"))
    assert res.standing["status"].tolist() == ["asymmetric"]
    page = standing_table(res)
    assert "not a standardised weight-bearing test" in page
    assert (
        "a foot under 10 % of the load for less than 1 s is lifted" in page and "&plusmn;10 % limit" in page
    )
    # its limit is sensorkit's, set against a standing study (it was "borrowed from the gait
    # metrics' limits", whose forces cite Herzog et al. 1989, a walking study)
    assert "a sensorkit choice, not a published bound" in page and "Prado-Rico &amp; Duarte 2019" in page
    assert "borrowed" not in page
    rec = sk.read("tests/data/pressure-mats/pedar_example.asc")
    from sensorkit.report.recommendation import make_recommendation

    block = make_recommendation(res, {"recording": rec})
    text = build_html(rec, res, [], block, identity=session_identity(rec))
    assert (
        "<li>Prado-Rico JM, Duarte M (2019). Asymmetry of body weight distribution during quiet and relaxed "
        "standing tasks. Motor Control 23(4):553-565.</li>" in _section(text, "references")
    )


def test_each_asymmetry_flag_cites_the_source_of_its_own_limit(tmp_path):
    """pedar's walk flags contact and swing time (5 % limits, Sadeghi et al. 2000) next to forces
    (10 %, Herzog et al. 1989): every flag cited Herzog et al. 1989, a study of forces."""
    from sensorkit.report.recommendation import make_recommendation

    rec = sk.read("tests/data/pressure-mats/pedar_example.asc")
    res = sk.analyze(rec)
    flagged = set(res.asymmetry.index[res.asymmetry["status"] == "asymmetric"])
    assert {"contact_time_s", "swing_time_s", "peak_force_n"} <= flagged
    block = make_recommendation(res, {"recording": rec})
    text = build_html(rec, res, [], block, identity=session_identity(rec))
    items = {}
    for item in text.split('<div class="sk-advice">')[1:]:
        found = re.search(r"<td>Symmetry index of ([^<(]+?) \(", item)
        if found:
            items[found.group(1)] = re.search(r'<p class="sk-sources">Sources: ([^<]*)</p>', item).group(1)
    for temporal in ("contact time", "swing time"):
        assert items[temporal].startswith("Sadeghi et al. 2000 [") and "Herzog" not in items[temporal]
        assert "Patterson et al. 2008 [" in items[temporal]
    for force in ("peak force", "impulse", "first peak"):
        assert items[force].startswith("Herzog et al. 1989"), (force, items[force])
    references = _section(text, "references")
    assert (
        "<li>Sadeghi H, Allard P, Prince F, Labelle H (2000). Symmetry and limb dominance in able-bodied "
        "gait: a review. Gait &amp; Posture 12(1):34-45.</li>" in references
    )
    assert (
        "<li>Patterson KK, Parafianowicz I, Danells CJ, Closson V, Verrier MC, Staines WR, Black SE, McIlroy WE "
        "(2008). Gait asymmetry in community-ambulating stroke survivors. Archives of Physical Medicine and "
        "Rehabilitation 89(2):304-310.</li>" in references
    )
    caption = _section(text, "summary")
    assert (
        "a few % for times, Sadeghi" not in caption and "sensorkit's choices, not published bounds" in caption
    )
    assert "about 10 % for forces" not in caption


def test_the_steps_table_shows_counts_as_integers_and_not_the_other_activitys_columns():
    """A walk's steps table showed sample counts as "11.00" and a "VALR reliable: no" column
    (VALR is a running metric) on every step."""
    from sensorkit.report.sections import steps_section

    res = sk.analyze(sk.read("tests/data/moticon-opengo/230927_102114.txt"))
    assert res.activity == "walking"
    page = steps_section(res)
    assert "VALR reliable" not in page and "VALR samples" not in page
    header = re.findall(r"<th[^>]*>(.*?)</th>", page.split("<details")[1])
    cells = re.findall(r"<td[^>]*>(.*?)</td>", re.findall(r"<tr>(.*?)</tr>", page.split("<details")[1])[5])
    k = header.index("loading rate samples")
    assert re.fullmatch(r"\d+", cells[k]), cells[k]


def test_the_report_header_gives_the_contact_threshold_and_the_frame_period():
    """Contact and toe-off times depend on the threshold used, and are known to the frame: the
    report gave neither (F-Scan at 31.25 Hz times to 32 ms)."""
    from sensorkit.report.html import build_html
    from sensorkit.report.recommendation import RecommendationBlock

    rec = sk.read("tests/data/pressure-mats/fscan_testL.asf")
    res = sk.analyze(rec)
    page = build_html(rec, res, [], RecommendationBlock("skipped", ""))
    on = res.thresholds_n["left"]["on"]
    assert f"<td>left {on:.0f} N (event times depend on it" in page
    assert "times are to the frame, 32.0 ms at 31.25 Hz" in page


def test_the_summary_table_shows_each_metrics_limit():
    """A flag (GaCo01's second peak, SI -11.6 %) was shown without the limit it is judged by."""
    from sensorkit.report.sections import summary_table

    res = sk.analyze(sk.read("tests/data/physionet-gaitpdb/GaCo01_01.txt", body_mass_kg=83))
    page = summary_table(res)
    assert "<th>limit %</th>" in page
    row = re.search(r"<tr><td class=\"text\">second peak \(BW\)</td>(.*?)</tr>", page).group(1)
    assert "<td>&plusmn;10</td>" in row and "asymmetric" in row
    contact = re.search(r"<tr><td class=\"text\">contact time \(ms\)</td>(.*?)</tr>", page).group(1)
    assert "<td>&plusmn;5</td>" in contact


def test_the_header_gives_no_threshold_for_a_side_without_data():
    """A right insole with no valid frame got "right 20 N" in the header."""
    from sensorkit.report.html import build_html
    from sensorkit.report.recommendation import RecommendationBlock

    rec = sk.simulate(duration_s=10, seed=1)
    right = np.full_like(rec.right, np.nan)
    dead = sk.Recording.from_arrays(rec.time, rec.left, right, layout=rec.layout)
    page = build_html(dead, sk.analyze(dead), [], RecommendationBlock("skipped", ""))
    cell = re.search(r"<td>left \d+ N \(event times[^<]*</td>", page)
    assert cell is not None and "right" not in cell.group(0)


def test_every_source_the_report_names_is_listed_in_full(tmp_path):
    """A clinician found Davis et al. 2016 named in every walking report (why the running
    loading-rate advice is withheld) and Robinson 1987, Zifchock 2008, Milner 2006 and
    Cavanagh & Lafortune 1980 named in captions and the footer, none of them in a reference list."""
    import html as _html

    from sensorkit.recommend.evidence import CITATIONS
    from sensorkit.report.references import METHOD_SOURCES

    walk = sk.read("tests/data/physionet-gaitpdb/GaCo01_01.txt", body_mass_kg=83)
    page = sk.report(walk, output=tmp_path / "w.html")["html"].read_text(encoding="utf-8")
    assert '<a href="#references">References</a>' in page
    before, section = page.split('<section id="references"')
    refs, after = section.split("</section>", 1)
    refs = _html.unescape(refs)
    body = _html.unescape(re.sub(r"<[^>]+>", " ", before + after))  # the footer names sources too
    shorts = {**METHOD_SOURCES, **{c.short: c.text() for c in CITATIONS.values()}}
    named = [s for s in shorts if s in body and s != "insole guide"]
    assert {"Davis et al. 2016", "Robinson et al. 1987", "Zifchock et al. 2008", "Milner et al. 2006"} <= set(
        named
    )
    assert "Cavanagh & Lafortune 1980" in named
    for short in named:  # every source named above the list is in it, in full
        assert shorts[short] in refs, short
    # the card lists the source its withheld advice names, too
    adv = sk.recommend(sk.analyze(walk), recording=walk)
    assert "Davis et al. 2016" in " ".join(s.reason for s in adv.suppressed)
    card = str(adv)
    assert CITATIONS["davis2016"].text().split(" (")[0] in card.split("References:")[1].replace("\n    ", " ")


def test_the_report_header_names_the_file_format_and_the_datasets_citation(tmp_path):
    """A clinician filing the report found no device or format anywhere, and no attribution for
    the PhysioNet walk, whose licence (ODC-By) asks for one."""
    walk = sk.read("tests/data/physionet-gaitpdb/GaCo01_01.txt", body_mass_kg=83)
    text = _html(tmp_path, walk)
    assert "<td>format</td><td>PhysioNet gaitpdb walk (19 tab-separated columns, N, 100 Hz)</td>" in text
    assert (
        "<td>data source</td><td>Gait in Parkinson&#x27;s Disease (gaitpdb) v1.0.0, Hausdorff et al., PhysioNet "
        "(ODC-By 1.0); Goldberger et al., Circulation 101(23):e215-e220, 2000</td>"
    ) in text
    pedar = _html(tmp_path, sk.read("tests/data/pressure-mats/pedar_example.asc"))
    assert "<td>format</td><td>novel pedar ASCII export (2 x 99 sensors, kPa)</td>" in pedar
    assert "sensor positions are approximate (from a drawing of the insole" in pedar
    assert "<td>data source</td>" not in pedar


def test_a_force_flagged_in_newtons_and_body_weights_is_one_advice_item():
    """With a body mass, pedar's impulse is flagged in N·s and in BW·s, which have the same
    symmetry index: the recommendation gave two items for it (only ``_n``/``_bw`` pairs were
    merged, not ``impulse_Ns``/``impulse_BWs`` nor ``valr_n_s``/``valr_bw_s``)."""
    from sensorkit.recommend.rules import _bw_twin
    from sensorkit.report.recommendation import make_recommendation

    rec = sk.read("tests/data/pressure-mats/pedar_example.asc")
    res = sk.analyze(rec, body_mass_kg=75.0)
    flagged = set(res.asymmetry.index[res.asymmetry["status"] == "asymmetric"])
    assert {"impulse_Ns", "impulse_BWs", "peak_force_n", "peak_force_bw"} <= flagged
    block = make_recommendation(res, {"recording": rec})
    text = build_html(rec, res, [], block, identity=session_identity(rec))
    for name in ("impulse", "peak force"):
        assert text.count(f"<td>Symmetry index of {name} (") == 1, name
    assert [_bw_twin(m) for m in ("impulse_Ns", "valr_n_s", "peak_force_n", "contact_time_s")] == [
        "impulse_BWs", "valr_bw_s", "peak_force_bw", None
    ]  # fmt: skip


def test_the_summary_of_one_insole_has_its_column_its_counts_and_no_symmetry_columns():
    """With one insole the report's summary had an empty right column, a "both" column repeating
    the left, "0" right steps and "not enough data" in the SI and asymmetry columns of every row."""
    from sensorkit.report.sections import summary_table as report_summary

    both = sk.simulate(duration_s=20, seed=1)
    one = sk.Recording.from_arrays(both.time, None, both.right, layout=both.layout)
    res = sk.analyze(one)
    page = report_summary(res)
    head = page[: page.index("</tr>")]
    assert re.findall(r"<th[^>]*>([^<]*)</th>", head) == ["metric", "right", "steps", "CV %"]
    assert "Steps on the right insole only: no symmetry index" in page and "not enough data" not in page
    r = res.summary.loc["contact_time_s"]
    n = int(res.asymmetry.loc["contact_time_s", "n_right"])
    assert n >= 20
    assert f"<td>{r['right'] * 1000:.0f}</td><td>{n}</td><td>{r['right_cv_pct']:.1f}</td>" in page
    assert "<th>both</th>" in report_summary(sk.analyze(both))  # a pair keeps its columns
