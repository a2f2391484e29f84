"""Cohorts (issue 20): many files into one steps table and one sessions table, on one machine or a
real Dask LocalCluster, with error rows, an incremental Parquet dataset and resume."""

from __future__ import annotations

import gc
import json
import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import sensorkit as sk
from sensorkit.cohort import SESSION_COLUMNS, analyze_many, read_cohort
from sensorkit.cohort.job import session_dtypes

PHYSIONET = Path(__file__).parent / "data" / "physionet-gaitpdb"
CLI = (sys.executable, "-m", "sensorkit.cli")


@pytest.fixture(scope="module")
def folder(tmp_path_factory):
    """Six simulated sessions of three subjects, a bundled PhysioNet walk and a corrupt file."""
    root = tmp_path_factory.mktemp("cohort")
    rows = []
    for k in range(6):
        subject = f"S{k // 2 + 1}"
        rec = sk.simulate(duration_s=12, seed=k, rate_hz=200, body_mass_kg=60 + 5 * k)
        path = root / f"{subject}_run{k % 2}.csv"
        sk.write(rec, path)
        rows.append({"path": path.name, "subject": subject, "condition": "A" if k % 2 else "B"})
    (root / "broken.csv").write_text("time,L1,L2\n0.0,1,2\n0.01,x,3\n", encoding="utf-8")
    rows.append({"path": "broken.csv", "subject": "S9", "condition": "A"})
    (root / "GaCo01_01.txt").write_bytes((PHYSIONET / "GaCo01_01.txt").read_bytes())
    rows.append({"path": "GaCo01_01.txt", "subject": "GaCo01", "condition": "B"})
    pd.DataFrame(rows).to_csv(root / "sessions.tsv", sep="\t", index=False)
    return root


@pytest.fixture(scope="module")
def inprocess(folder):
    return analyze_many(folder / "sessions.tsv")


def test_every_file_gets_a_row_and_a_failure_does_not_stop_the_run(inprocess):
    s = inprocess.sessions
    assert list(s.columns) == list(SESSION_COLUMNS)
    assert len(s) == 8
    assert (s["status"] == "ok").sum() == 7
    bad = inprocess.failures
    assert list(bad["file"]) == ["broken.csv"] and bad["error_type"].iloc[0] == "FileFormatError"
    assert "line 3" in bad["error_message"].iloc[0]  # the error names where
    # the table's subject and condition columns are kept
    assert list(s["subject"]) == ["S1", "S1", "S2", "S2", "S3", "S3", "S9", "GaCo01"]
    assert list(s["condition"])[:2] == ["B", "A"]


def test_the_tables_have_a_stable_schema(inprocess):
    # before (examples/analyze_folder.py): half NaN, counts as floats, error rows changing dtypes
    s = inprocess.sessions
    assert dict(s.dtypes.astype(str)) == session_dtypes()
    assert s["n_valid"].dtype == "Int64" and s["n_valid"].isna().sum() == 1  # only the failed file
    st = inprocess.steps
    assert list(st.columns[:6]) == ["file_index", "file_id", "file", "subject", "session", "condition"]
    assert list(st.columns[6:]) == list(sk.analyze(sk.simulate(duration_s=3)).steps.columns)
    assert st["valid"].dtype == bool and st["bout"].dtype == np.int64
    assert st.groupby("file_index").size().index.tolist() == [0, 1, 2, 3, 4, 5, 7]


def test_values_equal_a_single_analysis(inprocess, folder):
    res = sk.analyze(sk.read(folder / "GaCo01_01.txt"))
    row = inprocess.sessions.iloc[7]
    assert row["cadence_spm"] == res.cadence_spm
    assert row["contact_time_s_si_pct"] == res.summary.loc["contact_time_s", "symmetry_index_pct"]
    assert row["n_valid"] == res.counts.loc["both", "n_valid"]
    mine = inprocess.steps[inprocess.steps["file_index"] == 7].drop(columns=list(inprocess.steps.columns[:6]))
    pd.testing.assert_frame_equal(
        mine.reset_index(drop=True), res.steps.reset_index(drop=True), check_dtype=False
    )


@pytest.mark.slow
def test_a_real_dask_local_cluster_gives_identical_tables(inprocess, folder, tmp_path):
    from dask.distributed import Client, LocalCluster

    with (
        LocalCluster(
            n_workers=2, threads_per_worker=1, processes=True, host="127.0.0.1", dashboard_address=None
        ) as cluster,
        Client(cluster) as client,
    ):
        assert len(client.scheduler_info()["workers"]) == 2
        cohort = analyze_many(folder / "sessions.tsv", executor=client, output=tmp_path / "out")
        # a cluster the caller brings is left as it is: no gc.freeze in its workers
        assert set(client.run(gc.get_freeze_count).values()) == {0}
    pd.testing.assert_frame_equal(cohort.sessions, inprocess.sessions)
    pd.testing.assert_frame_equal(cohort.steps, inprocess.steps)
    assert cohort.failures["file"].tolist() == ["broken.csv"]


@pytest.fixture
def sent_groups(monkeypatch):
    """The groups of files the engines really submit (group_tasks runs in this process)."""
    from sensorkit.cohort import engines

    sent = []
    real = engines.group_tasks

    def recording(tasks, slots):
        groups = real(tasks, slots)
        sent.append([[t["file"] for t in g] for g in groups])
        return groups

    monkeypatch.setattr(engines, "group_tasks", recording)
    return sent


@pytest.mark.slow
def test_a_cluster_sensorkit_starts_freezes_its_workers_imports_and_never_the_callers(
    inprocess, folder, sent_groups
):
    from sensorkit.cohort.engines import dask_client

    before = gc.get_freeze_count()
    with dask_client(workers=1) as client:
        frozen = client.run(gc.get_freeze_count)
        cohort = analyze_many(folder / "sessions.tsv", executor=client)
    assert all(n > 10_000 for n in frozen.values())  # the worker's imports are frozen
    assert gc.get_freeze_count() == before
    # one worker, 8 files: at most two a task (the 1.1 MB PhysioNet walk alone), and the
    # tables are those of one file a task
    assert [len(g) for g in sent_groups[0]] == [2, 2, 2, 1, 1]
    pd.testing.assert_frame_equal(cohort.sessions, inprocess.sessions)
    pd.testing.assert_frame_equal(cohort.steps, inprocess.steps)


@pytest.mark.slow
def test_a_cluster_sensorkit_starts_keeps_glibc_defaults_and_leaves_the_callers_environment(monkeypatch):
    """Dask's nanny sets MALLOC_TRIM_THRESHOLD_=65536 for its workers and writes its whole
    pre-spawn environment into the caller's os.environ; the workers keep the thread caps only."""
    from sensorkit.cohort.engines import dask_client

    for key in ("MALLOC_TRIM_THRESHOLD_", "OMP_NUM_THREADS", "PYTHONHASHSEED"):
        monkeypatch.delenv(key, raising=False)
    monkeypatch.setenv("SENSORKIT_TEST_MARK", "kept")
    before = dict(os.environ)

    def worker_env() -> dict:
        return {
            k: os.environ.get(k) for k in ("MALLOC_TRIM_THRESHOLD_", "OMP_NUM_THREADS", "SENSORKIT_TEST_MARK")
        }

    with dask_client(workers=1) as client:
        assert dict(os.environ) == before  # while the cluster runs, too
        os.environ["SENSORKIT_SET_MEANWHILE"] = "mine"  # the caller's own change stays
        client.restart()  # a restarted worker: its nanny writes its environment again
        (env,) = client.run(worker_env).values()
    assert env == {"MALLOC_TRIM_THRESHOLD_": None, "OMP_NUM_THREADS": "1", "SENSORKIT_TEST_MARK": "kept"}
    assert os.environ.pop("SENSORKIT_SET_MEANWHILE") == "mine"
    assert dict(os.environ) == before


@pytest.mark.slow
def test_local_processes_give_identical_tables(inprocess, folder):
    cohort = analyze_many(folder / "sessions.tsv", executor="processes", workers=2)
    pd.testing.assert_frame_equal(cohort.sessions, inprocess.sessions)
    pd.testing.assert_frame_equal(cohort.steps, inprocess.steps)


def test_small_files_are_grouped_in_order_into_tasks_that_every_slot_gets_several_of(tmp_path):
    from sensorkit.cohort.engines import GROUP_BYTES, MAX_GROUP, group_tasks

    def files(n, size, stem):
        out = []
        for k in range(n):
            path = tmp_path / f"{stem}{k:02d}.bin"
            with path.open("wb") as fh:
                fh.truncate(size)  # sparse: only its size matters here
            out.append({"file_index": len(out), "path": str(path)})
        return out

    small = files(40, 300_000, "small")
    assert GROUP_BYTES == 1_000_000 and MAX_GROUP == 8
    # 300 kB files: a group closes once it holds 1 MB, i.e. after 4 files
    groups = group_tasks(small, slots=1)
    assert [len(g) for g in groups] == [4] * 10
    assert [t for g in groups for t in g] == small  # every task once, in order
    # two slots: at most len // (4 * 2) files a group (16 files: 2), so each slot gets 4 groups
    assert [len(g) for g in group_tasks(small[:16], slots=2)] == [2] * 8
    assert [len(g) for g in group_tasks(small[:40], slots=5)] == [2] * 20
    assert [len(g) for g in group_tasks(small[:7], slots=2)] == [1] * 7
    # never more than MAX_GROUP files, however small
    tiny = files(100, 1_000, "tiny")
    assert [len(g) for g in group_tasks(tiny, slots=1)] == [8] * 12 + [4]
    # a large file, or one this process cannot see (a remote cluster's disk), is a task of its own
    big = files(1, 2_000_000, "big")[0]
    unseen = {"file_index": 99, "path": str(tmp_path / "elsewhere" / "x.parquet")}
    mixed = [small[0], big, small[1], small[2], unseen, *small[3:14]]
    expected = [[small[0]], [big], small[1:3], [unseen], small[3:7], small[7:11], small[11:14]]
    assert group_tasks(mixed, slots=1) == expected  # 16 files: at most 16 // 4 = 4 a group


@pytest.mark.slow
def test_one_local_process_analyses_grouped_files_into_identical_tables(inprocess, folder, sent_groups):
    seen = []
    cohort = analyze_many(
        folder / "sessions.tsv", executor="processes", workers=1, progress=lambda *a: seen.append(a)
    )
    pd.testing.assert_frame_equal(cohort.sessions, inprocess.sessions)
    pd.testing.assert_frame_equal(cohort.steps, inprocess.steps)
    assert sent_groups == [[["S1_run0.csv", "S1_run1.csv"], ["S2_run0.csv", "S2_run1.csv"],
                            ["S3_run0.csv", "S3_run1.csv"], ["broken.csv"], ["GaCo01_01.txt"]]]  # fmt: skip
    assert [done for done, *_ in seen] == list(range(0, 9))  # the total at once, then every file
    assert seen[-1][2] == 1 and seen[-1][3] == len(inprocess.steps)


def test_the_dataset_reads_back_as_the_in_memory_tables(inprocess, folder, tmp_path):
    out = tmp_path / "cohort"
    cohort = analyze_many(folder / "sessions.tsv", output=out)
    assert (out / "manifest.json").is_file() and (out / "tasks.parquet").is_file()
    assert sorted(p.name for p in (out / "sessions").iterdir()) == ["GaCo01", "S1", "S2", "S3", "S9"]
    pd.testing.assert_frame_equal(cohort.sessions, inprocess.sessions)
    pd.testing.assert_frame_equal(read_cohort(out).steps, inprocess.steps)
    # the sessions folder reads as one table with plain pandas, failed file included
    direct = pd.read_parquet(out / "sessions")
    assert len(direct) == 8 and direct["error_type"].notna().sum() == 1
    # no run replaces results without being asked
    with pytest.raises(sk.SensorkitError, match="already holds results"):
        analyze_many(folder / "sessions.tsv", output=out)


def test_progress_starts_with_the_total_and_the_files_a_resumed_run_skips(folder, tmp_path):
    out = tmp_path / "done"
    first = []
    analyze_many(folder / "sessions.tsv", output=out, progress=lambda *a: first.append(a))
    assert first[0] == (0, 8, 0, 0) and [a[0] for a in first] == list(range(9))
    again = []
    analyze_many(folder / "sessions.tsv", output=out, resume=True, progress=lambda *a: again.append(a))
    assert again == [(8, 8, 0, 0)]  # nothing left to analyse: said at once


@pytest.mark.slow
def test_a_run_killed_half_way_resumes_to_the_same_tables(inprocess, folder, tmp_path):
    out = tmp_path / "killed"
    cmd = [sys.executable, "-m", "sensorkit.cli", "batch", str(folder / "sessions.tsv"), "-o", str(out)]
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and len(list(out.glob("sessions/*/*.parquet"))) < 2:
        time.sleep(0.05)
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait()
    done = len(list(out.glob("sessions/*/*.parquet")))
    assert 2 <= done < 8, "the run should have been stopped part-way"
    # a part being written when the run was killed stays a .tmp file, which readers ignore
    resumed = subprocess.run([*cmd, "--resume"], capture_output=True, text=True, timeout=300)
    assert resumed.returncode == 3, resumed.stderr  # finished; broken.csv failed, as in any run
    cohort = read_cohort(out)
    pd.testing.assert_frame_equal(cohort.sessions, inprocess.sessions)
    pd.testing.assert_frame_equal(cohort.steps, inprocess.steps)


@pytest.mark.slow
def test_ctrl_c_during_a_batch_says_how_to_go_on(folder, tmp_path):
    """Ctrl-C printed only "error: interrupted": nothing said the finished files were kept and
    that --resume goes on from there."""
    out = tmp_path / "stopped"
    cmd = [sys.executable, "-m", "sensorkit.cli", "batch", str(folder / "sessions.tsv"), "-o", str(out)]
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and not list(out.glob("sessions/*/*.parquet")):
        time.sleep(0.05)
    proc.send_signal(signal.SIGINT)
    _, err = proc.communicate(timeout=120)
    if proc.returncode in (0, 3):  # the batch had finished before the signal arrived: nothing to check
        pytest.skip("the batch finished first")
    assert proc.returncode == 130, err
    assert f"the files analysed so far are kept in {out}; run the same command with --resume" in err
    assert "error: interrupted" in err


def test_cli_batch_prints_the_failures(folder, tmp_path):
    out = tmp_path / "cli"
    hostile = tmp_path / "bad\x1b[2J.csv"
    hostile.write_bytes((folder / "broken.csv").read_bytes())
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "sensorkit.cli",
            "batch",
            str(folder / "S1_run0.csv"),
            str(folder / "broken.csv"),
            str(hostile),
            "-o",
            str(out),
        ],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert proc.returncode == 3, proc.stderr  # finished, but a file failed: scripts can tell
    assert "3 files: 1 analysed, 2 failed" in proc.stdout
    assert "failed: broken.csv: FileFormatError" in proc.stdout
    # a file name from someone else's folder is printed, never obeyed by the terminal
    assert "failed: bad\\x1b[2J.csv: FileFormatError" in proc.stdout and "\x1b" not in proc.stdout
    assert len(read_cohort(out).sessions) == 3
    assert "3/3 files" in proc.stdout  # the progress bar's last state
    # an error before any file is analysed prints the error only (it printed a '0/None files' bar)
    again = subprocess.run(
        [sys.executable, "-m", "sensorkit.cli", "batch", str(folder / "S1_run0.csv"), "-o", str(out)],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert again.returncode != 0 and "already holds results" in again.stderr
    assert again.stdout == ""
    # on a terminal the bar's first frame already has the total (it flashed '0/None files')
    shown = subprocess.run(
        [
            sys.executable,
            "-m",
            "sensorkit.cli",
            "batch",
            str(folder / "S1_run0.csv"),
            "-o",
            str(tmp_path / "t"),
        ],
        capture_output=True,
        text=True,
        timeout=300,
        env={**os.environ, "FORCE_COLOR": "1"},
    )
    assert shown.returncode == 0 and "1/1 files" in shown.stdout and "None" not in shown.stdout
    # a resumed run with nothing left says so, and shows no rate of this run (it said "0 steps/s")
    resumed = subprocess.run(
        [*CLI, "batch", str(folder / "S1_run0.csv"), "-o", str(tmp_path / "t"), "--resume"],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert resumed.returncode == 0, resumed.stderr
    assert "1 files (1 of them done before this run): 1 analysed, 0 failed" in resumed.stdout
    assert "steps/s" not in resumed.stdout


def test_cli_batch_says_local_workers_compile_on_a_cold_kernel_cache(folder, tmp_path, monkeypatch):
    """Local workers compile in their own processes, where the CLI's first-compile listener
    cannot see it: on a cold cache the bar sat at 0/N for seconds with nothing said."""
    from sensorkit._jit_cache import _kernel_cache_dirs

    def batch(cache: Path, out: str) -> subprocess.CompletedProcess:
        # a file that fails before analysis: no kernel is compiled, only the note is checked
        return subprocess.run(
            [*CLI, "batch", str(folder / "broken.csv"), "-o", str(tmp_path / out), "--processes", "1"],
            capture_output=True,
            text=True,
            timeout=300,
            env={**os.environ, "NUMBA_CACHE_DIR": str(cache)},
        )

    cold = batch(tmp_path / "empty-cache", "cold")
    assert cold.returncode == 3, cold.stderr
    said = [line for line in cold.stderr.splitlines() if "compiling the analysis kernels" in line]
    assert len(said) == 1, cold.stderr
    # said only once the batch will analyse something: not before a refusal (it was), nor
    # when a resumed run has nothing left
    refused = batch(
        tmp_path / "empty-cache-2", "cold"
    )  # a fresh cache: the first run's helper filled its own
    assert refused.returncode == 1 and "already holds results" in refused.stderr
    assert "compiling" not in refused.stderr
    nothing_left = subprocess.run(
        [
            *CLI,
            "batch",
            str(folder / "broken.csv"),
            "-o",
            str(tmp_path / "cold"),
            "--processes=1",
            "--resume",
        ],
        capture_output=True,
        text=True,
        timeout=300,
        env={**os.environ, "NUMBA_CACHE_DIR": str(tmp_path / "empty-cache-3")},
    )
    assert nothing_left.returncode == 3 and "compiling" not in nothing_left.stderr, nothing_left.stderr
    # a cache holding an index of this Python version counts as warm: nothing is said
    warm_cache = tmp_path / "warm-cache"
    monkeypatch.setenv("NUMBA_CACHE_DIR", str(warm_cache))
    index_dir = _kernel_cache_dirs()[0]
    index_dir.mkdir(parents=True)
    (index_dir / f"cop.cop_frames-1.py{sys.version_info.major}{sys.version_info.minor}.nbi").write_bytes(b"")
    warm = batch(warm_cache, "warm")
    assert warm.returncode == 3, warm.stderr
    assert "compiling" not in warm.stderr


def test_a_layout_is_used_only_by_files_that_need_one(tmp_path):
    rec = sk.simulate(duration_s=6, seed=1, rate_hz=200)
    header_only = tmp_path / "bare.csv"
    frame = pd.DataFrame({"time": rec.time})
    for i in range(16):
        frame[f"L{i + 1}"] = rec.left[:, i]
    for i in range(16):
        frame[f"R{i + 1}"] = rec.right[:, i]
    frame.to_csv(header_only, index=False)
    cohort = analyze_many([header_only, PHYSIONET / "GaCo01_01.txt"], layout="ref16")
    assert (cohort.sessions["status"] == "ok").all(), cohort.failures
    assert list(cohort.sessions["layout"]) == ["ref16", "physionet8"]


def test_cohort_report_is_one_escaped_self_contained_page(folder, tmp_path):
    from sensorkit.report.cohort import write_cohort_report

    hostile = tmp_path / "in"
    hostile.mkdir()
    name = "<img src=x onerror=alert(1)>.csv"
    (hostile / name).write_bytes((folder / "S1_run0.csv").read_bytes())
    (hostile / "broken.csv").write_bytes((folder / "broken.csv").read_bytes())
    out = tmp_path / "out"
    analyze_many(hostile, output=out)
    page = write_cohort_report(out, tmp_path / "cohort.html").read_text(encoding="utf-8")
    for heading in ("Distributions", "Asymmetry per subject", "Data quality per file", "Failures"):
        assert f"<h2>{heading}</h2>" in page
    assert "<img src=x" not in page and "&lt;img src=x onerror=alert(1)&gt;.csv" in page
    assert "data:image/png;base64," in page and "http" not in page.split("<body>")[1]
    assert "FileFormatError" in page
    # a session with no subject is 'unknown' in the asymmetry table, as in the figures (it was blank)
    assert re.search(r"<tr><td>unknown</td><td>&lt;img src=x onerror=alert\(1\)&gt;\.csv</td>", page)
    # a walk without a body mass still has a peak-force symmetry index (unit-free): never "not enough data"
    walk = tmp_path / "walk"
    walk.mkdir()
    (walk / "GaCo01_01.txt").write_bytes((folder / "GaCo01_01.txt").read_bytes())
    analyze_many(walk, output=tmp_path / "walk_out")
    row = re.search(
        r"<td>GaCo01_01\.txt</td>(.*?)</tr>",
        write_cohort_report(tmp_path / "walk_out", tmp_path / "walk.html").read_text(encoding="utf-8"),
    ).group(1)
    peak = re.findall(r"<span[^>]*>([^<]*)</span>", row)[2]
    assert "not enough data" not in peak and re.match(r"[-+]?\d+\.\d \(within limit|asymmetric", peak)
    with pytest.raises(FileExistsError):
        write_cohort_report(out, tmp_path / "cohort.html")


def test_resume_refuses_a_folder_written_with_other_parameters_or_schema(folder, tmp_path):
    # resuming with other analysis parameters (or an older table schema) would mix two
    # definitions in one table; it is refused and nothing is written
    out = tmp_path / "out"
    files = sorted(folder.glob("*.csv"))[:2]
    analyze_many(files[:1], output=out)
    with pytest.raises(sk.SensorkitError, match="other analysis parameters"):
        analyze_many(files, output=out, resume=True, threshold_floor_n=30.0)
    import json

    manifest = json.loads((out / "manifest.json").read_text())
    manifest["schema"] = "sensorkit.cohort/1"
    (out / "manifest.json").write_text(json.dumps(manifest))
    with pytest.raises(sk.SensorkitError, match="another table schema"):
        analyze_many(files, output=out, resume=True)
    assert len(list((out / "sessions").glob("*/*.parquet"))) == 1


def test_walking_sessions_have_their_force_features_in_n_without_a_body_mass():
    walks = sorted((Path(__file__).parent / "data" / "physionet-gaitpdb").glob("*.txt"))
    sessions = analyze_many(walks[:1]).sessions
    row = sessions.iloc[0]
    assert row["activity"] == "walking" and np.isnan(row["body_mass_kg"])
    for m in ("first_peak_n", "second_peak_n", "loading_rate_n_s"):
        assert np.isfinite(row[f"{m}_both"]), m
    assert row["valr_n_s_asymmetry"] == "not applicable"
    assert row["first_peak_bw_asymmetry"] == "not measured: no body mass"


def test_a_folder_of_the_older_schema_still_reads_with_the_new_columns_missing(folder, tmp_path):
    # a reviewer found read_cohort (and `sensorkit report OLD_DIR`) failing with a KeyError on
    # a folder written before the walking columns were added
    out = tmp_path / "old"
    files = sorted(folder.glob("*.csv"))[:2]
    new = analyze_many(files, output=out)
    for part in (out / "sessions").glob("*/*.parquet"):
        table = pd.read_parquet(part)
        table.drop(
            columns=[c for c in table.columns if c.startswith(("first_peak_n_", "loading_rate_"))]
        ).to_parquet(part)
    old = read_cohort(out)
    assert list(old.sessions.columns) == list(new.sessions.columns)
    assert old.sessions["loading_rate_n_s_both"].isna().all()
    pd.testing.assert_series_equal(old.sessions["peak_force_n_both"], new.sessions["peak_force_n_both"])


def test_resume_takes_a_body_mass_of_70_and_70_0_as_the_same(folder, tmp_path):
    out = tmp_path / "out"
    files = sorted(folder.glob("*.csv"))[:2]
    analyze_many(files[:1], output=out, body_mass_kg=70)
    done = analyze_many(files, output=out, resume=True, body_mass_kg=70.0)
    assert len(done.sessions) == 2


def test_an_output_folder_is_not_started_when_it_cannot_be_written_or_the_options_contradict(
    folder, tmp_path, monkeypatch
):
    """Without pyarrow (the README's base install) the batch crashed after writing its manifest,
    and that half-made folder refused the next run; --resume --force ignored --force."""
    out = tmp_path / "never"
    with pytest.raises(sk.SensorkitError, match="resume and force contradict"):
        analyze_many(folder / "sessions.tsv", output=out, resume=True, force=True)
    monkeypatch.setitem(sys.modules, "pyarrow", None)  # import pyarrow -> ImportError, as when absent
    with pytest.raises(sk.SensorkitError, match="needs pyarrow") as info:
        analyze_many(folder / "sessions.tsv", output=out)
    assert "sensorkit[cohort]" in info.value.hint
    assert not out.exists()


def _csv_in_ms(src: Path, dst: Path) -> Path:
    """``src`` (a generic CSV) with its time column in milliseconds, as many loggers write."""
    rows = src.read_text().splitlines()
    head = next(i for i, ln in enumerate(rows) if ln.startswith("time"))
    ms = [f"{float(r.split(',', 1)[0]) * 1000:.3f},{r.split(',', 1)[1]}" for r in rows[head + 1 :]]
    dst.write_text("\n".join([*rows[:head], rows[head], *ms]) + "\n", encoding="utf-8")
    return dst


def test_csv_read_options_reach_the_csv_files_of_a_batch_and_no_other(tmp_path):
    """A batch had no CSV dialect options: a folder of logger CSVs with millisecond times could
    not be analysed. They apply to generic CSV files only (PhysioNet refuses them)."""
    walk = tmp_path / "walk.csv"
    sk.write(sk.simulate(duration_s=12, seed=4, body_mass_kg=70), walk)
    ms = _csv_in_ms(walk, tmp_path / "logger_ms.csv")
    sources = [ms, PHYSIONET / "GaCo01_01.txt"]
    plain = analyze_many(sources)
    assert list(plain.sessions["status"]) == ["error", "ok"]  # the millisecond file is refused
    assert "that is milliseconds, not seconds" in plain.sessions["error_message"][0]
    out = tmp_path / "out"
    cohort = analyze_many(sources, output=out, read_options={"time_unit": "ms"})
    assert list(cohort.sessions["status"]) == ["ok", "ok"], cohort.failures
    reference = analyze_many([walk])  # the same walk with its times in seconds
    assert cohort.sessions["n_stances"][0] == reference.sessions["n_stances"][0] > 10
    assert json.loads((out / "manifest.json").read_text())["read_options"] == {"time_unit": "ms"}
    with pytest.raises(sk.SensorkitError, match="other CSV read options"):
        analyze_many(sources, output=out, resume=True)  # the files would be read differently
    with pytest.raises(ValueError, match="unknown read option"):
        analyze_many(sources, read_options={"layout": "ref16"})
    # a format for every file of the batch: the one given is used, an unknown one fails at once
    forced = analyze_many(sources, read_options={"format": "generic-csv", "time_unit": "ms"})
    assert list(forced.sessions["status"]) == ["ok", "error"]  # PhysioNet's file is not a generic CSV
    assert list(forced.sessions["format"].iloc[:1]) == ["generic-csv"]
    with pytest.raises(sk.SensorkitError, match="unknown format 'nope'"):
        analyze_many(sources, read_options={"format": "nope"})
    cli = subprocess.run(
        [
            *CLI,
            "batch",
            str(ms),
            str(PHYSIONET / "GaCo01_01.txt"),
            "-o",
            str(tmp_path / "cli"),
            "--time-unit=ms",
        ],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert cli.returncode == 0, cli.stdout + cli.stderr
    assert "2 files: 2 analysed, 0 failed" in cli.stdout


def test_resuming_a_moved_project_finds_its_files_done_and_never_doubles_them(tmp_path, monkeypatch):
    """A file id hashes the absolute path: after the project folder moved, --resume analysed
    every file again next to its old results (6 sessions for 3 files)."""
    first = tmp_path / "proj1"
    (first / "data").mkdir(parents=True)
    for name in ("GaCo01_01.txt", "GaCo03_01.txt"):
        (first / "data" / name).write_bytes((PHYSIONET / name).read_bytes())
    monkeypatch.chdir(first)
    done = analyze_many("data/*.txt", output="out")
    moved = tmp_path / "proj2"
    first.rename(moved)
    monkeypatch.chdir(moved)
    calls = []
    again = analyze_many("data/*.txt", output="out", resume=True, progress=lambda *a: calls.append(a))
    assert calls == [(2, 2, 0, 0)]  # both found done: nothing analysed
    pd.testing.assert_frame_equal(again.sessions, done.sessions)
    pd.testing.assert_frame_equal(again.steps, done.steps)
    # the same files under other paths (another working folder): refused, not doubled
    monkeypatch.chdir(tmp_path)
    with pytest.raises(sk.SensorkitError, match=r"finished results for 2 file\(s\) that are not in this run"):
        analyze_many("proj2/data/*.txt", output="proj2/out", resume=True)
    # some given as before, one by its absolute path (the reviewer's mix): refused too
    monkeypatch.chdir(moved)
    mixed = ["data/GaCo01_01.txt", str((moved / "data" / "GaCo03_01.txt").resolve())]
    with pytest.raises(sk.SensorkitError, match=r"finished results for 1 file\(s\) that are not in this run"):
        analyze_many(mixed, output="out", resume=True)
    assert len(read_cohort(moved / "out").sessions) == 2
    # a file added to the run is analysed; a file named twice is one task
    (moved / "data" / "GaCo04_02.txt").write_bytes((PHYSIONET / "GaCo04_02.txt").read_bytes())
    monkeypatch.chdir(moved)
    grown = analyze_many(
        ["data/*.txt", str((moved / "data" / "GaCo01_01.txt").resolve())], output="out", resume=True
    )
    assert sorted(grown.sessions["file"]) == ["GaCo01_01.txt", "GaCo03_01.txt", "GaCo04_02.txt"]
    # a folder written before the task table was kept: its finished results are its files
    (moved / "out" / "tasks.parquet").unlink()
    monkeypatch.chdir(tmp_path)
    with pytest.raises(sk.SensorkitError, match="not in this run"):
        analyze_many("proj2/data/*.txt", output="proj2/out", resume=True)


def test_a_file_added_on_resume_gets_a_new_index_not_one_already_used(tmp_path, monkeypatch):
    """An added file that sorts first took index 0, which a finished file's rows already had:
    the sessions table had file_index [0, 1, 1]."""
    data = tmp_path / "data"
    data.mkdir()
    for name in ("GaCo03_01.txt", "GaCo04_02.txt"):
        (data / name).write_bytes((PHYSIONET / name).read_bytes())
    monkeypatch.chdir(tmp_path)
    first = analyze_many("data/*.txt", output="out")
    assert first.sessions.set_index("file")["file_index"].to_dict() == {
        "GaCo03_01.txt": 0,
        "GaCo04_02.txt": 1,
    }
    (data / "GaCo01_01.txt").write_bytes((PHYSIONET / "GaCo01_01.txt").read_bytes())  # sorts first
    again = analyze_many("data/*.txt", output="out", resume=True)
    assert again.sessions.set_index("file")["file_index"].to_dict() == {
        "GaCo03_01.txt": 0,
        "GaCo04_02.txt": 1,
        "GaCo01_01.txt": 2,
    }
    added = again.steps[again.steps["file"] == "GaCo01_01.txt"]
    assert len(added) and (added["file_index"] == 2).all()
    # a resume with fewer files rewrites the task table: the finished results keep the record
    # (a file added afterwards took index 1, which GaCo04's rows had)
    analyze_many("data/GaCo03_01.txt", output="out", resume=True)
    (data / "GaCo02_00.txt").write_bytes((PHYSIONET / "GaCo04_02.txt").read_bytes())  # new, sorts early
    back = analyze_many("data/*.txt", output="out", resume=True)
    assert back.sessions.set_index("file")["file_index"].to_dict() == {
        "GaCo03_01.txt": 0,
        "GaCo04_02.txt": 1,
        "GaCo01_01.txt": 2,
        "GaCo02_00.txt": 3,
    }
    # the same without the task table (a folder from before it was kept)
    (tmp_path / "out" / "tasks.parquet").unlink()
    (data / "GaCo00_00.txt").write_bytes((PHYSIONET / "GaCo01_01.txt").read_bytes())  # sorts first
    third = analyze_many("data/*.txt", output="out", resume=True)
    assert third.sessions.set_index("file")["file_index"].to_dict()["GaCo00_00.txt"] == 4
    assert third.sessions["file_index"].is_unique and len(third.sessions) == 5


def test_a_task_table_without_file_index_still_maps_a_moved_projects_paths(tmp_path, monkeypatch):
    """Reading the index column with the paths made a table without it unreadable, and the
    moved project was then refused."""
    first = tmp_path / "p1"
    (first / "data").mkdir(parents=True)
    (first / "data" / "GaCo01_01.txt").write_bytes((PHYSIONET / "GaCo01_01.txt").read_bytes())
    monkeypatch.chdir(first)
    analyze_many("data/*.txt", output="out")
    tasks = pd.read_parquet(first / "out" / "tasks.parquet")
    tasks.drop(columns=["file_index"]).to_parquet(first / "out" / "tasks.parquet", index=False)
    first.rename(tmp_path / "p2")
    monkeypatch.chdir(tmp_path / "p2")
    calls = []
    again = analyze_many("data/*.txt", output="out", resume=True, progress=lambda *a: calls.append(a))
    assert calls == [(1, 1, 0, 0)] and len(again.sessions) == 1


def test_a_participants_table_gives_each_file_its_body_mass(tmp_path):
    """A body_mass_kg column was ignored: every *_bw column was NaN, and --mass sets one mass
    for the whole batch. BIDS writes n/a for an unknown value."""
    table = tmp_path / "participants.tsv"
    rows = [("GaCo01_01.txt", "83"), ("GaCo03_01.txt", "n/a"), ("GaCo04_02.txt", "heavy")]
    table.write_text(
        "participant_id\tpath\tbody_mass_kg\n"
        + "".join(f"sub-{k}\t{(PHYSIONET / f).as_posix()}\t{m}\n" for k, (f, m) in enumerate(rows)),
        encoding="utf-8",
    )
    cohort = analyze_many(table, body_mass_kg=70)
    s = cohort.sessions.set_index("file")
    assert s.loc["GaCo01_01.txt", "body_mass_kg"] == 83.0  # the table's
    assert s.loc["GaCo03_01.txt", "body_mass_kg"] == 70.0  # n/a: the batch's
    alone = sk.analyze(sk.read(PHYSIONET / "GaCo01_01.txt"), body_mass_kg=83)
    assert s.loc["GaCo01_01.txt", "peak_force_bw_both"] == pytest.approx(
        alone.summary.loc["peak_force_bw", "both"]
    )
    assert s.loc["GaCo04_02.txt", "status"] == "error"
    # the path as given, for failed files too: `file` alone repeats when each subject has a folder
    assert s.loc["GaCo04_02.txt", "path"] == str(PHYSIONET / "GaCo04_02.txt")
    assert s.loc["GaCo01_01.txt", "path"] == str(PHYSIONET / "GaCo01_01.txt")
    assert (
        "body_mass_kg of this file in the table is not a number: 'heavy'"
        in s.loc["GaCo04_02.txt", "error_message"]
    )
    # missing time counts missing frames (not the gaps' open intervals, one period longer each)
    rec = sk.read(PHYSIONET / "GaCo01_01.txt")
    assert s.loc["GaCo01_01.txt", "missing_s"] == pytest.approx(rec.gaps["n_missing"].sum() / rec.rate_hz)


def test_resume_refuses_a_table_that_changes_a_finished_files_body_mass(tmp_path):
    """A reviewer: a resumed run with GaCo01 at 60 kg instead of 83 kept its 83 kg results next
    to a new file analysed at 60 kg, without a word, and rewrote the task table to say 60."""
    from sensorkit.errors import SensorkitError

    def table(rows):
        path = tmp_path / "participants.tsv"
        path.write_text(
            "path\tbody_mass_kg\n" + "".join(f"{(PHYSIONET / f).as_posix()}\t{m}\n" for f, m in rows),
            encoding="utf-8",
        )
        return path

    out = tmp_path / "out"
    analyze_many(table([("GaCo01_01.txt", "83"), ("GaCo04_02.txt", "65")]), output=out)
    with pytest.raises(SensorkitError, match="another body mass than its results were computed with"):
        analyze_many(table([("GaCo01_01.txt", "60"), ("GaCo03_01.txt", "60")]), output=out, resume=True)
    # a file left out of one resume and given back with its mass (a second reviewer: the task
    # table of the left-out run had forgotten it, and the mass check refused it)
    analyze_many(table([("GaCo01_01.txt", "83")]), output=out, resume=True)
    same = analyze_many(
        table([("GaCo01_01.txt", "83.0"), ("GaCo04_02.txt", "65"), ("GaCo03_01.txt", "NA")]),
        output=out,
        resume=True,
    )
    s = same.sessions.set_index("file")
    assert s.loc["GaCo01_01.txt", "body_mass_kg"] == 83.0 and s.loc["GaCo04_02.txt", "body_mass_kg"] == 65.0
    assert np.isnan(s.loc["GaCo03_01.txt", "body_mass_kg"])  # NA: no mass
    # a first run without a table, resumed with a table that gives the mass the file used: fine
    walk = tmp_path / "walk.csv"
    sk.write(sk.simulate(duration_s=10, seed=1, body_mass_kg=60), walk)
    analyze_many([walk], output=tmp_path / "glob")
    mixed = pd.DataFrame({"path": [str(walk)], "body_mass_kg": [60]})
    again = analyze_many(mixed, output=tmp_path / "glob", resume=True)
    assert again.sessions["body_mass_kg"].tolist() == [60.0]
    # a mixed column (a number and "n/a") is stored in the task table, not an Arrow error
    table_mixed = pd.DataFrame(
        {"path": [str(walk), str(PHYSIONET / "GaCo01_01.txt")], "body_mass_kg": [60, "n/a"]}
    )
    assert len(analyze_many(table_mixed, output=tmp_path / "mixed").sessions) == 2


def test_the_cohort_page_tells_files_of_one_name_apart_by_their_path(tmp_path):
    """Two subjects' folders each holding GaCo01_01.txt gave two identical rows (a reviewer)."""
    from sensorkit.report.cohort import cohort_html

    for sub in ("a", "b"):
        (tmp_path / sub).mkdir()
        (tmp_path / sub / "GaCo01_01.txt").write_bytes((PHYSIONET / "GaCo01_01.txt").read_bytes())
    cohort = analyze_many(str(tmp_path / "*" / "GaCo01_01.txt"))
    assert cohort.sessions["file"].tolist() == ["GaCo01_01.txt", "GaCo01_01.txt"]
    page = cohort_html(cohort)
    for sub in ("a", "b"):
        assert str(tmp_path / sub / "GaCo01_01.txt") in page
