"""What the terminal shows: user text printed as is, one-line warnings, one table style, progress."""

from __future__ import annotations

import io
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from rich.console import Console

import sensorkit as sk
from sensorkit.cli import main
from sensorkit.cli.report_options import working


def run_cli(*args: str, cwd: Path | None = None, timeout: float = 180.0) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "sensorkit.cli", *args],
        capture_output=True,
        text=True,
        timeout=timeout,
        cwd=cwd,
        env={**__import__("os").environ, "COLUMNS": "120"},
    )


@pytest.fixture(scope="module")
def walk_csv(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("cli")
    path = folder / "patient[red].csv"
    sk.write(sk.simulate(duration_s=12, seed=1), path)
    return path


@pytest.fixture(scope="module")
def cut_capture(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("capture")
    full = folder / "run.skr"
    assert main(["record", "sim://", "-o", str(full), "--duration", "2", "--mass", "70"]) == 0
    data = full.read_bytes()
    cut = folder / "cut.skr"
    cut.write_bytes(data[: len(data) - 7])  # power lost inside the last record
    return cut


# -- user text is never markup ---------------------------------------------------------------------
def test_markup_in_a_missing_file_name_does_not_crash_the_error_handler(tmp_path):
    proc = run_cli("analyze", "data[/b].csv", cwd=tmp_path)
    assert proc.returncode == 1
    assert proc.stderr.startswith("error: data[/b].csv: no such file")
    assert "Traceback" not in proc.stderr and "MarkupError" not in proc.stderr


@pytest.mark.slow
def test_brackets_in_a_file_name_print_as_is(walk_csv):
    proc = run_cli("analyze", str(walk_csv))
    assert proc.returncode == 0, proc.stderr
    assert "patient[red].csv:" in proc.stdout


def test_the_parquet_install_hint_keeps_its_extra(tmp_path, walk_csv):
    code = (
        "import sys; sys.modules['pyarrow'] = None; sys.modules['pyarrow.parquet'] = None\n"
        "from sensorkit.cli import main\n"
        f"sys.exit(main(['convert', {str(walk_csv)!r}, {str(tmp_path / 'out.parquet')!r}]))"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 1
    assert "pip install 'sensorkit[parquet]'" in proc.stderr


# -- warnings and --debug --------------------------------------------------------------------------
@pytest.mark.slow
def test_warnings_are_one_readable_line(cut_capture):
    proc = run_cli("analyze", str(cut_capture))
    assert proc.returncode == 0, proc.stderr
    warnings_ = [ln for ln in proc.stderr.splitlines() if ln.startswith("warning:")]
    assert (
        len(warnings_) == 1
        and "capture cut at byte" in warnings_[0]
        and "(CaptureCutWarning)" in warnings_[0]
    )
    assert not re.search(r"\.py:\d+", proc.stderr)  # no source file and line
    assert "warnings.warn" not in proc.stderr


@pytest.mark.slow
def test_replay_says_warning_not_error_and_takes_mass_and_plain(cut_capture):
    proc = run_cli("replay", str(cut_capture), "--speed", "0", "--mass", "70", "--plain")
    assert proc.returncode == 0, proc.stderr
    assert "error:" not in proc.stderr
    assert re.search(r"^warning: .*capture cut at byte", proc.stderr, re.M)
    assert re.search(r"^\s+\d+ s\s+left\s+mean", proc.stdout, re.M)  # the live view's lines


@pytest.mark.slow
def test_replay_shows_the_dashboard_on_a_terminal(cut_capture, monkeypatch):
    import sensorkit.cli.replay as replay

    out = io.StringIO()
    monkeypatch.setattr(replay, "console", Console(file=out, force_terminal=True, width=120))
    assert main(["replay", str(cut_capture), "--speed", "0", "--mass", "70"]) == 0
    screen = out.getvalue()
    assert "BW" in screen and "left" in screen  # the dashboard in body weights, not the plain lines
    assert not re.search(r"^\s+\d+ s\s+left\s+mean", screen, re.M)


@pytest.mark.parametrize("where", ["before", "after"])
def test_debug_works_before_or_after_the_verb(tmp_path, where):
    args = ["analyze", str(tmp_path / "missing.csv")]
    proc = run_cli(*(["--debug", *args] if where == "before" else [*args, "--debug"]))
    assert proc.returncode != 0 and "Traceback" in proc.stderr


# -- one table style -------------------------------------------------------------------------------
def test_analyze_table_has_human_names_units_and_fixed_precision(walk_csv):
    proc = run_cli("analyze", str(walk_csv), "--mass", "70")
    assert proc.returncode == 0, proc.stderr
    header = next(ln for ln in proc.stdout.splitlines() if "metric" in ln)
    assert re.search(r"metric\s+┃\s+unit\s+┃\s+left\s+┃\s+right", header)
    assert "contact_time_s" not in proc.stdout and "peak_force_bw" not in proc.stdout
    row = next(ln for ln in proc.stdout.splitlines() if "contact time" in ln)
    assert re.search(r"contact time\s+│ ms\s+│\s+\d{3} │\s+\d{3} │", row)  # integer milliseconds
    peak = next(ln for ln in proc.stdout.splitlines() if "peak force" in ln)
    assert re.search(r"│ BW\s+│\s+\d\.\d\d │\s+\d\.\d\d │", peak)
    assert not re.search(r"\d[eE][+-]\d", proc.stdout)


@pytest.mark.slow
def test_demo_and_analyze_share_the_table_style(walk_csv):
    demo = run_cli("demo", "--duration", "8")
    analyze = run_cli("analyze", str(walk_csv))
    for proc in (demo, analyze):
        assert proc.returncode == 0, proc.stderr
        assert "SI = (L - R) / mean(L, R) x 100 %, + = left larger" in proc.stdout
        assert re.search(r"contact time\s+│ ms\s+│", proc.stdout)


def test_devices_prints_column_headers():
    proc = run_cli("devices", "--no-ble")
    assert proc.returncode == 0, proc.stderr
    assert re.search(r"URL\s+┃\s+description\s+┃\s+hardware id", proc.stdout)


# -- progress --------------------------------------------------------------------------------------
def test_long_work_shows_a_spinner_naming_what_it_does():
    out = io.StringIO()
    term = Console(file=out, force_terminal=True, width=100)
    with working("analysing run.csv (the first run compiles the Numba kernels, a few seconds)", term):
        import time

        time.sleep(0.3)
    assert "analysing run.csv (the first run compiles the Numba kernels" in out.getvalue()


@pytest.mark.slow
def test_spinners_stay_off_pipes_so_json_stays_valid(walk_csv):
    proc = run_cli("analyze", str(walk_csv), "--json")
    assert proc.returncode == 0
    data = json.loads(proc.stdout)
    assert data["sensorkit_version"] == sk.__version__
    assert data["params"]["min_steps_asymmetry"] == sk.AnalysisParams().min_steps_asymmetry


# -- calibrate, then stream with the calibration ----------------------------------------------------
@pytest.mark.slow
def test_calibrate_then_stream_with_the_calibration(tmp_path):
    cal = tmp_path / "cal.json"
    proc = run_cli("calibrate", "--mass", "70", "-o", str(cal))
    assert proc.returncode == 0, proc.stderr
    assert "next: sensorkit stream 'sim://?units=counts' --calibration" in proc.stdout
    ok = run_cli("stream", "sim://?units=counts", "--calibration", str(cal), "--duration", "1.5", "--plain")
    assert ok.returncode == 0, ok.stderr
    assert "raw ADC counts converted to N with the calibration" in ok.stdout
    default = run_cli("stream", "--calibration", str(cal), "--duration", "1", "--plain")
    assert default.returncode == 0 and "sim://?units=counts" in default.stdout
    wrong = run_cli("stream", "sim://", "--calibration", str(cal), "--duration", "1", "--plain")
    assert wrong.returncode == 1
    assert "sim://?units=counts" in wrong.stderr and "Traceback" not in wrong.stderr


# -- outputs record version and parameters; one report verb ----------------------------------------
@pytest.mark.slow
def test_steps_exports_record_version_and_parameters(walk_csv, tmp_path):
    import pandas as pd
    import pyarrow.parquet as pq

    csv, parquet = tmp_path / "steps.csv", tmp_path / "steps.parquet"
    assert run_cli("analyze", str(walk_csv), "--steps", str(csv)).returncode == 0
    assert run_cli("analyze", str(walk_csv), "--steps", str(parquet)).returncode == 0
    about = json.loads((tmp_path / "steps.csv.json").read_text(encoding="utf-8"))
    assert about["sensorkit_version"] == sk.__version__ and about["steps_file"] == "steps.csv"
    params = about["params"]
    assert params == json.loads(json.dumps(sk.AnalysisParams().to_dict()))
    steps = pd.read_csv(csv)
    res = sk.analyze(sk.read(walk_csv))
    assert len(steps) == len(res.steps)
    meta = pq.read_schema(parquet).metadata
    assert meta[b"sensorkit_version"].decode() == sk.__version__
    assert json.loads(meta[b"sensorkit_steps"])["params"] == params
    assert len(pd.read_parquet(parquet)) == len(res.steps)


@pytest.mark.slow
def test_report_verb_for_a_session_a_comparison_and_a_folder(walk_csv, tmp_path):
    out = tmp_path / "session.html"
    proc = run_cli("report", str(walk_csv), "-o", str(out), "--subject", "P[01]", "--no-recommend")
    assert proc.returncode == 0, proc.stderr
    text = out.read_text(encoding="utf-8")
    assert "P[01]" in text and "patient[red].csv" in text
    cmp_out = tmp_path / "cmp.html"
    two = run_cli("report", str(walk_csv), str(walk_csv), "-o", str(cmp_out))
    assert two.returncode == 0 and cmp_out.is_file(), two.stderr  # the insole-trial page
    folder = run_cli("report", str(tmp_path))  # a folder that is not a batch output: one clear line
    assert folder.returncode == 1 and "not a sensorkit batch output" in folder.stderr
    assert "Traceback" not in folder.stderr


def test_simulate_and_recommend_print_bracketed_names_as_is(tmp_path, capsys):
    path = tmp_path / "run[bold].csv"
    assert main(["simulate", "-o", str(path), "--duration", "12", "--seed", "1"]) == 0
    assert f"wrote {path}:" in capsys.readouterr().out
    assert main(["recommend", str(path)]) == 0
    assert "run[bold].csv: insole advice" in capsys.readouterr().out
    assert main(["recommend", str(path), "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["sensorkit_version"] == sk.__version__ and "min_steps_asymmetry" in data["params"]


@pytest.mark.slow
def test_analyze_tells_gaps_at_the_edges_from_dropouts(cut_capture, capsys):
    from sensorkit.report.sections import gap_counts

    with pytest.warns(UserWarning, match="capture cut at byte"):
        rec = sk.read(cut_capture)
    inside, edge = gap_counts(sk.analyze(rec).gaps, rec)
    assert main(["analyze", str(cut_capture)]) == 0
    out = capsys.readouterr().out
    if inside or edge:
        assert f"{inside} data gap(s) inside the session" in out
    if edge:
        assert f"{edge} at its start or end (one insole started or stopped before the other)" in out


def test_control_characters_from_a_file_name_or_message_never_reach_the_terminal(tmp_path):
    """A cohort folder from somewhere else can hold a file whose name carries escape sequences;
    error lines quote it (and readers quote bytes from damaged files). rich passes ESC, so the
    console writes every control character other than newline and tab as \\xNN."""
    bad = tmp_path / "run\x1b[2J\x1b[31m\x07.csv"
    bad.write_text("time,L1\n0.0,x\n", encoding="utf-8")
    proc = subprocess.run(
        [sys.executable, "-m", "sensorkit.cli", "analyze", str(bad), "--layout", "ref16"],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode != 0
    assert "run\\x1b[2J\\x1b[31m\\x07.csv" in proc.stderr
    assert not any(c in proc.stderr for c in "\x1b\x07")


def test_a_file_name_with_escape_sequences_is_printed_as_text_when_commands_succeed(tmp_path):
    """Not only errors: the analysis table's title, the report's closing line and the HTML page
    quote the file name too (an unterminated OSC from a name had swallowed the output after it)."""
    name = "run\x1b]0;pwned\x07\x1b[31m.csv"
    path = sk.write(sk.simulate(duration_s=20, seed=3, rate_hz=100, body_mass_kg=70), tmp_path / name)
    analysed = run_cli("analyze", str(path))
    assert analysed.returncode == 0, analysed.stderr
    assert "run\\x1b]0;pwned\\x07\\x1b[31m.csv" in analysed.stdout
    reported = run_cli("report", str(path), "-o", str(tmp_path / "out.html"), "--no-recommend", cwd=tmp_path)
    assert reported.returncode == 0, reported.stderr
    page = (tmp_path / "out.html").read_text(encoding="utf-8")
    assert "run\\x1b]0;pwned\\x07\\x1b[31m.csv" in page
    for text in (analysed.stdout, analysed.stderr, reported.stdout, reported.stderr, page):
        assert "\x1b" not in text and "\x07" not in text  # a pipe: rich adds no codes of its own


def test_text_anywhere_in_a_table_or_progress_line_is_printed_as_text_on_a_terminal():
    """Table cells, progress descriptions and live lines (BLE names, file names, values from a
    file) go through the console's rendering, where ESC and BEL become \\xNN; rich's own style
    and cursor codes stay."""
    from rich.table import Table

    from sensorkit._console import SafeConsole
    from sensorkit.cli.console import console, error_console
    from sensorkit.cli.report_options import progress

    assert isinstance(console, SafeConsole) and isinstance(error_console, SafeConsole)
    hostile = "Insole\x1b[2J\x1b]0;pwned\x07"
    out = io.StringIO()
    term = SafeConsole(file=out, force_terminal=True, color_system="truecolor", width=100, highlight=False)
    table = Table(title="devices")
    table.add_column("name", style="bold")
    table.add_row(hostile)
    term.print(table)
    with progress(term) as bar:  # the CLI's progress bar (convert, report)
        bar.add_task(f"writing {hostile}", total=2)
        bar.refresh()
    term.print(hostile, markup=False)
    text = out.getvalue()
    assert "│ Insole\\x1b[2J\\x1b]0;pwned\\x07 │" in re.sub("\x1b\\[[0-9;]*m", "", text)  # the cell, whole
    assert "writing Insole\\x1b[2J\\x1b]0;pwned\\x07 " in text  # the progress line
    assert text.endswith("Insole\\x1b[2J\\x1b]0;pwned\\x07\n")  # a printed string
    assert "\x1b[2J" not in text and "\x07" not in text and "\x1b]" not in text
    assert "\x1b[1m" in text  # the bold column style is still a terminal code


def test_a_file_name_that_looks_like_markup_is_shown_as_given_on_a_terminal(tmp_path):
    """The spinner line of a long step quoted the file name as rich markup: 'run[red].csv' was
    shown as a red 'run.csv'."""
    path = sk.write(
        sk.simulate(duration_s=20, seed=3, rate_hz=100, body_mass_kg=70), tmp_path / "run[red].csv"
    )
    proc = subprocess.run(
        [sys.executable, "-m", "sensorkit.cli", "analyze", str(path)],
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, "FORCE_COLOR": "1", "COLUMNS": "200"},  # rich treats stderr as a terminal
    )
    assert proc.returncode == 0, proc.stderr
    assert f"reading {path}" in proc.stderr  # the spinner's line, brackets kept


def test_a_report_s_pdf_and_figure_pngs_are_replaced_only_with_force(walk_csv, tmp_path):
    """Only the HTML page was checked: --pdf and --png-dir replaced existing files silently."""
    pdf = tmp_path / "r.pdf"
    pdf.write_bytes(b"signed copy")
    proc = run_cli("analyze", str(walk_csv), "--report", str(tmp_path / "r.html"), "--pdf")
    assert proc.returncode != 0 and f"{pdf} exists; add --force" in proc.stderr
    assert pdf.read_bytes() == b"signed copy" and not (tmp_path / "r.html").exists()
    early = run_cli("analyze", str(tmp_path / "absent.csv"), "--report", str(tmp_path / "r.html"), "--pdf")
    assert f"{pdf} exists" in early.stderr  # checked before any work (reading included)
    figs = tmp_path / "figs"
    figs.mkdir()
    (figs / "peak_map.png").write_bytes(b"mine")
    refused = run_cli("report", str(walk_csv), "-o", str(tmp_path / "p.html"), "--png-dir", str(figs))
    assert refused.returncode != 0 and "peak_map.png exists; add --force" in refused.stderr
    assert (figs / "peak_map.png").read_bytes() == b"mine" and not (tmp_path / "p.html").exists()
    forced = run_cli(
        "report", str(walk_csv), "-o", str(tmp_path / "p.html"), "--png-dir", str(figs), "--force"
    )
    assert forced.returncode == 0, forced.stderr
    assert (figs / "peak_map.png").read_bytes().startswith(b"\x89PNG")


def test_printable_escapes_controls_and_bidi_overrides_and_keeps_every_other_character():
    from sensorkit.errors import printable

    assert printable("run\x1b[2J\x07\x7f\x9b.csv") == "run\\x1b[2J\\x07\\x7f\\x9b.csv"
    assert printable("invoice\u202eexe.csv") == "invoice\\u202eexe.csv"  # would display reversed
    kept = "Größe 10\u00a0kg, 9\u202fh, 👨\u200d💻, 東京\tok\n"  # no-break spaces, an emoji sequence
    assert printable(kept) == kept


def test_rich_text_built_elsewhere_is_still_escaped_when_printed():
    from rich.table import Table
    from rich.text import Text

    from sensorkit._console import SafeConsole

    out = io.StringIO()
    term = SafeConsole(file=out, force_terminal=True, color_system="truecolor", width=100, highlight=False)
    table = Table()
    table.add_column("name")
    table.add_row(Text("Insole\x1b[2J"))  # a Text is not a string: render_str never sees it
    term.print(table)
    term.print(Text("BLE \x1b]0;x\x07 done"))
    text = out.getvalue()
    assert "\x1b[2J" not in text and "\x1b]" not in text and "\x07" not in text
    assert "BLE \\x1b]0;x done" in text  # (rich's Text itself drops BEL)
    assert "│ Insole\\x1" in text  # measured before it was escaped, so cut short, but never raw


def test_report_options_that_do_not_apply_are_refused_not_ignored(walk_csv, tmp_path):
    """--pdf without --report, and session-report options on a comparison or a cohort page,
    did nothing and said nothing."""
    alone = run_cli("analyze", str(walk_csv), "--pdf")
    assert alone.returncode != 0 and "--pdf prints the HTML report: give --report OUT.html" in alone.stderr
    both = run_cli(
        "report", str(walk_csv), str(walk_csv), "-o", str(tmp_path / "c.html"), "--pdf", "--anonymize"
    )
    assert both.returncode != 0
    assert "--anonymize, --pdf apply to the report of one recording, not of several recordings" in both.stderr
    assert not (tmp_path / "c.html").exists()
    one = run_cli("report", str(walk_csv), str(walk_csv), "-o", str(tmp_path / "c.html"), "--pdf")
    assert "--pdf applies to the report of one recording" in one.stderr  # it said "--pdf apply"


@pytest.mark.parametrize("extra", [(), ("--json",)], ids=["summary", "json"])
def test_a_reader_that_stops_early_ends_the_command_quietly_with_141(walk_csv, extra):
    """`sensorkit analyze f | head -1`: the reader is gone before the output is written. The
    command used to end with status 1 (rich's exit) or print "error: [Errno 32] Broken pipe"
    (plain prints); now it ends like a command closed by SIGPIPE, with nothing on stderr."""
    read_end, write_end = os.pipe()
    os.close(read_end)  # the reader has gone before anything is written: deterministic
    try:
        proc = subprocess.run(
            [sys.executable, "-m", "sensorkit.cli", "analyze", str(walk_csv), *extra],
            stdout=write_end,
            stderr=subprocess.PIPE,
            text=True,
            timeout=180,
        )
    finally:
        os.close(write_end)
    assert proc.returncode == 141
    assert proc.stderr == ""


def test_cadence_of_one_insole_says_it_comes_from_one_foot(tmp_path, capsys):
    """With one insole the cadence is 2 x 60 / that foot's stride time; it was labelled
    "(both feet)" in the terminal and in the report."""
    from sensorkit.report.html import build_html
    from sensorkit.report.recommendation import RecommendationBlock

    both = sk.simulate(duration_s=20, seed=1)
    one = sk.Recording.from_arrays(both.time, None, both.right, layout=both.layout)
    res = sk.analyze(one)
    assert res.cadence_basis == "right foot's strides only"
    assert res.cadence_spm == pytest.approx(sk.analyze(both).cadence_spm, rel=0.01)  # the simulator's 170
    assert sk.analyze(both).cadence_basis == "both feet"
    path = tmp_path / "right.csv"
    sk.write(one, path)
    assert main(["analyze", str(path)]) == 0
    assert "steps/min (right foot's strides only, steady state)" in capsys.readouterr().out
    page = build_html(one, res, [], RecommendationBlock("skipped", ""))
    assert "170.0 steps/min (right foot&#x27;s strides only)" in page


def test_a_command_started_with_stdout_closed_still_runs(walk_csv, tmp_path):
    """With stdout closed, Python sets sys.stdout to None (pythonw too): the final flush failed
    with AttributeError and status 1."""
    proc = subprocess.run(
        [sys.executable, "-m", "sensorkit.cli", "convert", str(walk_csv), str(tmp_path / "w.parquet")],
        stdout=None,
        stderr=subprocess.PIPE,
        text=True,
        timeout=180,
        preexec_fn=lambda: os.close(1),
    )
    assert proc.returncode == 0, proc.stderr
    assert sk.read(tmp_path / "w.parquet").n_frames == sk.read(walk_csv).n_frames


def test_a_reader_that_stops_while_a_live_bar_starts_ends_with_141(walk_csv, tmp_path):
    """On a terminal (FORCE_COLOR) the batch bar is a live display: the closed pipe stopped it
    while it started, and its stop() then failed with IndexError (status 1, a traceback)."""
    read_end, write_end = os.pipe()
    os.close(read_end)
    try:
        proc = subprocess.run(
            [sys.executable, "-m", "sensorkit.cli", "batch", str(walk_csv), "-o", str(tmp_path / "b")],
            stdout=write_end,
            stderr=subprocess.PIPE,
            text=True,
            timeout=180,
            env={**os.environ, "FORCE_COLOR": "1"},
        )
    finally:
        os.close(write_end)
    assert (proc.returncode, proc.stderr) == (141, "")


def test_the_first_run_line_is_not_written_to_stdout_when_stderr_is_closed(monkeypatch, capsys):
    """print(file=None) writes to stdout: with stderr closed the line corrupted --json output."""
    from sensorkit import _jit_cache

    monkeypatch.setattr(_jit_cache, "_said", False)
    monkeypatch.setattr(sys, "stderr", None)
    _jit_cache.say_compiling()
    assert capsys.readouterr().out == ""
    monkeypatch.setattr(sys, "stderr", io.StringIO())
    _jit_cache.say_compiling()
    assert "compiling the analysis kernels" in sys.stderr.getvalue()


def test_every_metric_named_asymmetric_has_its_row_in_the_table(capsys):
    """pedar's walk: the asymmetry line named peak force and impulse, which the walking table
    did not show."""
    from sensorkit.cli.tables import flagged_metric_names

    path = Path(__file__).parent / "data" / "pressure-mats" / "pedar_example.asc"
    res = sk.analyze(sk.read(path))
    assert {"peak_force_n", "impulse_Ns"} <= set(flagged_metric_names(res))
    assert main(["analyze", str(path)]) == 0
    _named_rows_are_shown(capsys.readouterr().out, "asymmetric beyond each metric's limit (95% CI): ")
    # the demo too (it named impulse, which its table did not show)
    assert main(["demo"]) == 0
    _named_rows_are_shown(capsys.readouterr().out, "asymmetric beyond each metric's limit (95% CI) in: ")


def _named_rows_are_shown(out: str, prefix: str) -> None:
    line = next(ln for ln in out.splitlines() if ln.startswith(prefix))
    names = line[len(prefix) :].split(" (SI sign")[0]
    for header in names.split(", "):
        name = header.rsplit(" (", 1)[0]
        assert re.search(rf"│ {re.escape(name)}\s+│", out), name


def test_steps_csv_reads_with_plain_pandas_and_keeps_its_provenance_next_to_it(tmp_path, capsys):
    """`analyze F --steps out.csv` wrote `# key: value` lines before the header: plain
    `pd.read_csv("out.csv")` failed ("Expected 1 fields in line 6"). The provenance moved to
    out.csv.json, which an existing file blocks as the table does."""
    import pandas as pd

    real = "tests/data/moticon-opengo/230927_102114.txt"
    out = tmp_path / "out.csv"
    assert main(["analyze", real, "--steps", str(out), "--mass", "70"]) == 0
    steps = pd.read_csv(out)
    assert "sensorkit version and parameters in " + str(out) + ".json" in capsys.readouterr().err
    res = sk.analyze(sk.read(real), body_mass_kg=70)
    assert len(steps) == len(res.steps) and steps.columns[0] == "step"
    assert list(steps.columns[1:]) == list(res.steps.columns)
    assert steps["contact_time_s"].to_numpy() == pytest.approx(
        res.steps["contact_time_s"].to_numpy(), nan_ok=True
    )
    about = json.loads((tmp_path / "out.csv.json").read_text(encoding="utf-8"))
    assert about["sensorkit_version"] == sk.__version__ and about["steps_file"] == "out.csv"
    assert about["schema"] == "sensorkit.steps/1" and about["force_units"] == "BW"
    assert about["body_mass_kg"] == 70 and about["activity"] == res.activity
    assert about["params"] == json.loads(json.dumps(sk.AnalysisParams().to_dict()))
    assert "selection" in about
    # the provenance file is an output like the table: kept unless --force
    other = tmp_path / "other.csv"
    (tmp_path / "other.csv.json").write_text("keep me\n", encoding="utf-8")
    assert main(["analyze", real, "--steps", str(other)]) == 1
    assert "other.csv.json" in capsys.readouterr().err and not other.exists()
    assert (tmp_path / "other.csv.json").read_text(encoding="utf-8") == "keep me\n"


def test_steps_file_and_analysis_json_name_the_recording_they_came_from(tmp_path, capsys):
    """Neither the steps table's provenance nor `analyze --json` named the input file: a table
    could not be traced back to its recording. Both now give its name (never its folder), size,
    modification time and SHA-256 (checked here against hashlib and os.stat), and the
    recording's origin; --anonymize leaves out what can name the subject (a reviewer found
    "Jane Doe walk.txt" and its folder in an anonymised run's sidecar)."""
    import datetime as dt
    import hashlib

    real = Path("tests/data/physionet-gaitpdb/GaCo01_01.txt")
    folder = tmp_path / "Jane Doe"
    folder.mkdir()
    copy = folder / "Jane Doe walk.txt"  # a renamed copy: the hash still identifies the recording
    copy.write_bytes(real.read_bytes())
    digest = hashlib.sha256(real.read_bytes()).hexdigest()
    mtime = dt.datetime.fromtimestamp(copy.stat().st_mtime, tz=dt.timezone.utc).isoformat(timespec="seconds")
    out = tmp_path / "steps.csv"
    assert main(["analyze", str(copy), "--steps", str(out)]) == 0
    about = json.loads((tmp_path / "steps.csv.json").read_text(encoding="utf-8"))
    assert about["inputs"] == [
        {"name": "Jane Doe walk.txt", "bytes": real.stat().st_size, "modified_utc": mtime, "sha256": digest}
    ]
    src = about["source"]
    assert (
        src["origin"] == "Jane Doe walk.txt"
        and src["format"] == "physionet-gaitpdb"
        and src["rate_hz"] == 100.0
    )
    # (PhysioNet files name their subject in the file name)
    assert src["subject"] == "Jane Doe walk"
    capsys.readouterr()
    assert main(["analyze", str(copy), "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["inputs"] == about["inputs"] and data["source"] == src
    # anonymised: no name, folder or subject anywhere in the sidecar or the JSON; the hash stays
    anon = tmp_path / "anon.csv"
    assert main(["analyze", str(copy), "--anonymize", "--steps", str(anon)]) == 0
    capsys.readouterr()
    assert main(["analyze", str(copy), "--anonymize", "--json"]) == 0
    printed = capsys.readouterr().out
    for text in ((tmp_path / "anon.csv.json").read_text(encoding="utf-8"), printed):
        assert "Jane" not in text and "Doe" not in text and digest in text
    # the same in Python: an analysis names its file (without hashing it), or what made it
    assert sk.analyze(sk.read(copy)).source["origin"] == "Jane Doe walk.txt"
    assert sk.analyze(sk.simulate(duration_s=5, seed=1)).source["origin"] == "sensorkit.simulate"


def test_analyze_steps_never_replaces_its_input_and_keeps_an_existing_file(tmp_path, capsys):
    """`analyze victim.csv --steps victim.csv` rewrote the recording with its own steps table
    (and a second run then failed to read it); any existing file was replaced without --force."""
    from sensorkit.cli import main

    rec = sk.simulate(duration_s=8, seed=1)
    victim = tmp_path / "victim.csv"
    sk.write(rec, victim)
    before = victim.read_bytes()
    for extra in ((), ("--force",)):
        assert main(["analyze", str(victim), "--steps", str(victim), *extra]) == 1
        assert "the output is the input" in capsys.readouterr().err
        assert victim.read_bytes() == before
    steps = tmp_path / "steps.csv"
    steps.write_text("keep me\n", encoding="utf-8")
    assert main(["analyze", str(victim), "--steps", str(steps)]) == 1
    assert "exists; add --force" in capsys.readouterr().err
    assert steps.read_text(encoding="utf-8") == "keep me\n"
    assert main(["analyze", str(victim), "--steps", str(steps), "--force"]) == 0
    assert steps.read_text(encoding="utf-8").startswith("step,side,")
    # the Python writer refuses too, unless told
    from sensorkit.report.export import write_steps

    res = sk.analyze(rec)
    with pytest.raises(sk.errors.OutputExistsError):
        write_steps(res, steps)
    assert write_steps(res, steps, overwrite=True) == steps


def test_analyze_of_one_insole_shows_its_column_and_why_a_metric_is_missing(tmp_path, capsys):
    """A maker's trial with one DIY insole: the table had an empty "right" column, symmetry
    columns saying "not enough data" on every row and "CV over both feet"; VALR's real reason
    (100 Hz) was hidden behind "not enough data"."""
    from sensorkit.analysis.summary import missing_reasons

    both = sk.simulate(duration_s=20, seed=1)  # running, 100 Hz
    one = sk.Recording.from_arrays(both.time, both.left, None, layout=both.layout)
    path = tmp_path / "left.csv"
    sk.write(one, path)
    assert main(["analyze", str(path)]) == 0
    out = capsys.readouterr().out
    header = next(line for line in out.splitlines() if "metric" in line)
    assert [c.strip() for c in re.split(r"[┃|]", header) if c.strip()] == [
        "metric",
        "unit",
        "left",
        "CV %",
        "note",
    ]
    assert "steps on the left insole only: no symmetry index; CV over its steps" in out
    assert "asymmetry: needs both insoles (steps on the left one only)" in out
    assert "SI %" not in out and "CV over both feet" not in out
    row = {line.split("│")[1].strip(): line for line in out.splitlines() if line.startswith("│")}
    assert "needs both" in row["step time"] and "needs both" in row["flight time"]
    assert "unreliable: too few" in row["VALR"] and "below 500 Hz" in row["VILR"]
    assert row["contact time"].split("│")[5].strip() == ""  # a value: no note
    res = sk.analyze(one)
    notes = missing_reasons(res.steps, res.activity, res.params, "left")
    assert notes["contact_time_s"] == "" and notes["step_time_s"] == "not measured: needs both insoles"
    assert res.asymmetry.loc["valr_n_s", "status"] == "not enough data"  # asymmetry itself unchanged
    pair = sk.analyze(both)
    pair_notes = missing_reasons(pair.steps, pair.activity, pair.params, "left")
    assert pair_notes["step_time_s"] == "" and pair_notes["valr_n_s"].startswith("unreliable")


@pytest.mark.parametrize("anonymize", [False, True])
def test_steps_and_json_together_hash_the_input_once_and_name_it_alike(walk_csv, tmp_path, capsys, monkeypatch,
                                                                       anonymize):  # fmt: skip
    import hashlib

    real, calls = hashlib.file_digest, []

    def counting(fh, digest):  # the real digest, counted
        calls.append(digest)
        return real(fh, digest)

    monkeypatch.setattr(hashlib, "file_digest", counting)
    steps = tmp_path / "steps.csv"
    argv = ["analyze", str(walk_csv), "--steps", str(steps), "--json"] + (
        ["--anonymize"] if anonymize else []
    )
    assert main(argv) == 0
    assert calls == ["sha256"]  # it was hashed twice, once per output
    doc = json.loads(capsys.readouterr().out)
    sidecar = json.loads(Path(f"{steps}.json").read_text(encoding="utf-8"))
    assert doc["inputs"] == sidecar["inputs"] and len(doc["inputs"]) == 1
    with walk_csv.open("rb") as fh:
        assert doc["inputs"][0]["sha256"] == real(fh, "sha256").hexdigest()
    assert ("name" in doc["inputs"][0]) is not anonymize


def test_analyze_of_one_insole_standing_says_standing_needs_both(tmp_path, capsys):
    # the maker's trial: a one-insole standing recording analysed to "nothing to summarise" with
    # no word that standing (the load share between the feet) is read from a pair
    n = 600
    left = np.zeros((n, 16), dtype=np.float32)
    left[50:550, 0] = 400.0  # 5 s standing: no step
    one = sk.Recording.from_arrays(np.arange(n) / 100.0, left, None, layout="ref16", rate_hz=100.0)
    path = tmp_path / "stand.csv"
    sk.write(one, path)
    assert main(["analyze", str(path)]) == 0
    out = capsys.readouterr().out
    assert "nothing to summarise" in out
    assert "standing (load share between the feet) needs both insoles, this recording has the left one" in out
