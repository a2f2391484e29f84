"""No command destroys data: existing outputs, outputs that are inputs, two writers, dashboard names."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

import sensorkit as sk
from sensorkit.cli import main
from sensorkit.errors import FileLockedError, OutputExistsError, SameFileError
from sensorkit.io.capture import CaptureReader, CaptureWriter
from sensorkit.io.outputs import check_output, same_file, unique_path

DATA = Path(__file__).parent / "data"
V1_CAPTURE = DATA / "captures" / "v1_sim_pair.skr"


def _capture(tmp_path: Path, name: str = "run.skr") -> Path:
    """A real capture: a copy of the bundled simulator pair (0.5 s, 139 records)."""
    path = tmp_path / name
    path.write_bytes(V1_CAPTURE.read_bytes())
    return path


def _cli(capsys, *argv: str) -> tuple[int, str]:
    status = main(list(argv))
    return status, capsys.readouterr().err


def _refused_and_untouched(capsys, path: Path, *argv: str) -> str:
    before = path.read_bytes()
    status, err = _cli(capsys, *argv)
    assert status == 1, err
    assert path.read_bytes() == before
    assert "Traceback" not in err and err.startswith("error: ")
    return err


@pytest.mark.parametrize(
    "argv",
    [
        ("record", "sim://", "--duration", "0.2", "-o", "{out}"),
        ("stream", "sim://", "--plain", "--duration", "0.2", "--record", "{out}"),
        ("simulate", "--duration", "1", "-o", "{out}"),
        ("calibrate", "--mass", "70", "-o", "{out}"),
        ("convert", "{src}", "{out}"),
        ("analyze", "{src}", "--report", "{out}"),
    ],
    ids=["record", "stream", "simulate", "calibrate", "convert", "analyze-report"],
)
def test_every_verb_that_writes_refuses_an_existing_file_with_one_message(tmp_path, capsys, argv):
    src = _capture(tmp_path, "in.skr")
    out = tmp_path / ("precious.html" if argv[0] == "analyze" else "precious.csv")
    out.write_text("a file the user wants to keep\n")
    err = _refused_and_untouched(capsys, out, *(a.format(out=out, src=src) for a in argv))
    assert f"{out} exists; add --force to replace it" in err


def test_force_replaces_an_existing_capture(tmp_path, capsys):
    out = tmp_path / "run.skr"
    out.write_text("old")
    status, err = _cli(capsys, "record", "sim://", "--duration", "0.3", "-o", str(out), "--force")
    assert status == 0, err
    assert len(list(CaptureReader(out).records())) > 10


@pytest.mark.parametrize("verb", ["record", "stream"])
@pytest.mark.parametrize("link", ["same", "hardlink", "symlink"])
def test_recording_a_replay_into_its_own_file_is_refused_even_with_force(tmp_path, capsys, verb, link):
    src = _capture(tmp_path)
    out = {"same": src, "hardlink": tmp_path / "hard.skr", "symlink": tmp_path / "sym.skr"}[link]
    if link == "hardlink":
        os.link(src, out)
    elif link == "symlink":
        out.symlink_to(src)
    opt = "-o" if verb == "record" else "--record"
    extra = ["--plain"] if verb == "stream" else []
    err = _refused_and_untouched(
        capsys, src, verb, f"replay://{src}?speed=0", *extra, opt, str(out), "--force"
    )
    assert "the output is the input" in err
    rec = sk.read(src)  # the session is still there, whole
    assert rec.n_frames == 51


def test_convert_refuses_a_hard_link_to_its_input(tmp_path, capsys):
    src = tmp_path / "a.csv"
    main(["simulate", "--duration", "1", "-o", str(src)])
    capsys.readouterr()  # the simulation's own output (its ground truth is not stored in CSV: a warning)
    os.link(src, tmp_path / "b.csv")
    err = _refused_and_untouched(capsys, src, "convert", str(src), str(tmp_path / "b.csv"), "--force")
    assert "the output is the input" in err


def test_write_parquet_refuses_an_existing_file_unless_overwrite(tmp_path):
    from sensorkit.io.parquet import write_parquet

    rec = sk.simulate(duration_s=1, seed=1)
    path = tmp_path / "r.parquet"
    path.write_bytes(b"keep")
    with pytest.raises(OutputExistsError, match="exists; add --force"):
        write_parquet(rec, path)
    assert path.read_bytes() == b"keep"
    write_parquet(rec, path, overwrite=True)
    assert sk.read(path).n_frames == rec.n_frames


def test_check_output_compares_device_and_inode(tmp_path):
    a = tmp_path / "a"
    a.write_text("x")
    os.link(a, tmp_path / "b")
    (tmp_path / "c").symlink_to(a)
    assert same_file(a, tmp_path / "b") and same_file(a, tmp_path / "c")
    assert not same_file(a, tmp_path / "missing")
    with pytest.raises(SameFileError):
        check_output(tmp_path / "c", overwrite=True, inputs=[a])
    assert check_output(tmp_path / "new", inputs=[a]) == tmp_path / "new"


def test_a_second_writer_on_a_capture_being_written_gets_one_clear_error(tmp_path):
    path = tmp_path / "run.skr"
    with CaptureWriter(path, {"streams": []}) as first:
        first.write(1, 0, 1.0, b"abc\x00")
        with pytest.raises(FileLockedError, match="being written by another process"):
            CaptureWriter(path, {"streams": []}, overwrite=True)
        with pytest.raises(OutputExistsError):
            CaptureWriter(path, {"streams": []})
        first.write(1, 0, 2.0, b"def\x00")
    recs = list(CaptureReader(path).records())
    assert [r.data for r in recs] == [b"abc\x00", b"def\x00"]


def test_two_record_processes_on_one_path_the_second_fails_and_the_first_file_is_whole(tmp_path):
    path = tmp_path / "run.skr"
    cmd = [sys.executable, "-m", "sensorkit.cli", "record", "sim://", "-o", str(path)]
    first = subprocess.Popen(
        [*cmd, "--duration", "4"], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    try:
        deadline = time.monotonic() + 30
        while not (path.exists() and path.stat().st_size > 2000):
            assert time.monotonic() < deadline and first.poll() is None, "first recorder did not start"
            time.sleep(0.05)
        second = subprocess.run(
            [*cmd, "--duration", "1", "--force"], capture_output=True, text=True, timeout=60
        )
        assert second.returncode == 1
        assert "being written by another process" in second.stderr and "Traceback" not in second.stderr
        _, err = first.communicate(timeout=60)
    finally:
        if first.poll() is None:
            first.kill()
    assert first.returncode == 0, err
    reader = CaptureReader(path)
    assert reader.header["streams"][0]["url"].startswith("sim://")
    assert sum(1 for _ in reader.records()) > 100  # one session, never mixed: no cut, no damage
    assert reader.cut is None and reader.damaged == []


def test_dashboard_r_pressed_three_times_in_a_second_never_reuses_a_name(tmp_path):
    from sensorkit.dashboard.app import handle_key, state_for_session

    with sk.open("sim://?seed=1") as session:
        state = state_for_session(session)
        for _ in range(5):  # start, stop, start, stop, start: three captures within a second
            assert handle_key("r", session, state, tmp_path)
        session.stop_recording()
    files = sorted(tmp_path.glob("sensorkit-*.skr"))
    assert len(files) == 3, files
    for f in files:
        assert CaptureReader(f).header["streams"]  # each one a capture of its own


def test_unique_path_reserves_each_name(tmp_path):
    names = [unique_path(tmp_path, "cap", ".skr") for _ in range(3)]
    assert [n.name for n in names] == ["cap.skr", "cap-2.skr", "cap-3.skr"]
    assert all(n.exists() for n in names)


def test_the_old_capture_written_before_this_change_reads_unchanged():
    rec = sk.read(V1_CAPTURE)
    assert rec.n_frames == 51
    assert np.nansum(rec.left, dtype=np.float64) == pytest.approx(26976.879381565377, rel=1e-12)
    assert np.nansum(rec.right, dtype=np.float64) == pytest.approx(5681.9898566212505, rel=1e-12)


# Every writer of a whole file, run in a child process whose file-size limit (RLIMIT_FSIZE)
# makes the write fail half-way with EFBIG, as a full disk would. Each output already holds a
# small file: it must come through byte for byte, with no temporary file left beside it.
_FULL_DISK_CHILD = r"""
import json, resource, signal, sys
from pathlib import Path
import sensorkit as sk
from sensorkit.calibrate.calibration import Calibration
from sensorkit.io.c3d import write_c3d
from sensorkit.io.opensim import write_mot
from sensorkit.report.export import write_steps
from sensorkit.report.write import write_pngs, write_report
from sensorkit.report.figure_set import render_figures

folder = Path(sys.argv[1])
rec = sk.simulate(duration_s=6, seed=2, body_mass_kg=70)
res = sk.analyze(rec)
figures = render_figures(rec, res)[:1]
comparison = sk.compare([res, sk.analyze(sk.simulate(duration_s=6, seed=3, body_mass_kg=70))])
sk.write(rec, folder / "in" / "walk.csv")
cohort = sk.analyze_many(folder / "in" / "walk.csv")
from sensorkit.report.compare import write_compare_report
from sensorkit.report.cohort import write_cohort_report
writers = {
    "trial.html": lambda p: write_compare_report(comparison, p),
    "cohort.html": lambda p: write_cohort_report(cohort, p, force=True),
    "report.html": lambda p: write_report(p, rec, res, recommend=False),
    "calibration.json": lambda p: Calibration.nominal("ref16").save(p),
    "walk.c3d": lambda p: write_c3d(rec, p, overwrite=True),
    "walk.mot": lambda p: write_mot(rec, p, overwrite=True),
    "steps.csv": lambda p: write_steps(res, p, overwrite=True),
    "steps.parquet": lambda p: write_steps(res, p, overwrite=True),
    "pngs/" + figures[0].spec.key + ".png": lambda p: write_pngs(p.parent, figures),
}
signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # EFBIG instead of being killed
resource.setrlimit(resource.RLIMIT_FSIZE, (2000, resource.RLIM_INFINITY))
failed = {}
for name, write in writers.items():
    try:
        write(folder / name)
        failed[name] = None
    except OSError as exc:
        failed[name] = exc.errno
    except sk.SensorkitError as exc:  # ezc3d reports no write error: the file is checked
        failed[name] = str(exc)
print(json.dumps(failed))
"""


@pytest.mark.skipif(sys.platform == "win32", reason="RLIMIT_FSIZE and SIGXFSZ are POSIX")
def test_a_write_that_fails_half_way_keeps_the_file_it_would_replace(tmp_path):
    """The report, calibration, C3D, .mot, steps and figure writers wrote in place: a full
    disk half-way left a truncated file where the old one was."""
    import errno
    import json

    names = ["trial.html", "cohort.html", "report.html", "calibration.json", "walk.c3d", "walk.mot"]
    names += ["steps.csv", "steps.parquet"]
    (tmp_path / "pngs").mkdir()
    (tmp_path / "in").mkdir()
    old = {}
    for name in names:
        old[name] = f"the {name} of yesterday\n".encode()
        (tmp_path / name).write_bytes(old[name])
    proc = subprocess.run(
        [sys.executable, "-c", _FULL_DISK_CHILD, str(tmp_path)], capture_output=True, text=True, timeout=300
    )
    assert proc.returncode == 0, proc.stderr
    failed = json.loads(proc.stdout.splitlines()[-1])
    c3d = failed.pop("walk.c3d")
    assert c3d.startswith("the C3D file was not written completely (2000 of "), c3d
    names.remove("walk.c3d")
    assert failed == dict.fromkeys([*names, next(k for k in failed if k.startswith("pngs/"))], errno.EFBIG)
    names.append("walk.c3d")
    for name in names:
        assert (tmp_path / name).read_bytes() == old[name], name
    leftovers = [p.name for p in tmp_path.glob("*") if p.name.startswith(".")]
    assert leftovers == []
    assert list((tmp_path / "pngs").iterdir()) == []  # the figure was not written at all


def test_c3d_and_mot_files_get_the_usual_permissions(tmp_path):
    """They were created with mkstemp's 0600: a colleague in the same group could not read them."""
    from sensorkit.io.c3d import write_c3d
    from sensorkit.io.opensim import write_mot

    rec = sk.simulate(duration_s=3, seed=1, body_mass_kg=70)
    old_mask = os.umask(0o022)
    try:
        write_c3d(rec, tmp_path / "a.c3d")
        write_mot(rec, tmp_path / "a.mot")
    finally:
        os.umask(old_mask)
    assert (tmp_path / "a.c3d").stat().st_mode & 0o777 == 0o644
    assert (tmp_path / "a.mot").stat().st_mode & 0o777 == 0o644
    os.chmod(tmp_path / "a.mot", 0o640)  # a replaced file keeps its own
    write_mot(rec, tmp_path / "a.mot", overwrite=True)
    assert (tmp_path / "a.mot").stat().st_mode & 0o777 == 0o640


def test_every_writer_says_the_same_thing_about_a_missing_folder(tmp_path, capsys):
    """`analyze --steps`, `simulate -o`, `record -o` and `stream --record` ended with a bare
    "[Errno 2] No such file or directory", `report` and `convert` with their own words."""
    from sensorkit.cli import main
    from sensorkit.errors import OutputFolderError

    src = tmp_path / "walk.csv"
    sk.write(sk.simulate(duration_s=4, seed=1), src)
    missing = tmp_path / "nodir"
    for argv in (
        ["analyze", str(src), "--steps", str(missing / "s.csv")],
        ["simulate", "-o", str(missing / "x.csv"), "--duration", "2"],
        ["convert", str(src), str(missing / "x.parquet")],
        ["record", "sim://", "-o", str(missing / "x.skr"), "--duration", "1"],
    ):
        assert main(argv) == 1, argv
        err = capsys.readouterr().err
        assert f"folder {missing} does not exist" in err and "Errno" not in err, (argv, err)
        assert "hint: create the folder first" in err
    with pytest.raises(OutputFolderError, match=r"folder .*nodir does not exist") as info:
        sk.write(sk.read(src), missing / "x.csv")
    assert isinstance(info.value, FileNotFoundError) and info.value.filename == str(missing / "x.csv")
    assert not missing.exists()
    # a folder the writer makes itself is fine
    assert (
        main(["analyze", str(src), "--png-dir", str(tmp_path / "pngs"), "--report", str(tmp_path / "r.html")])
        == 0
    )
    assert (tmp_path / "pngs").is_dir()


MOTICON = DATA / "moticon-opengo" / "230927_102114.txt"


@pytest.fixture
def read_only_folder(tmp_path):
    """A real folder made read-only with chmod; skipped where chmod does not restrict (root)."""
    ro = tmp_path / "ro"
    ro.mkdir()
    ro.chmod(0o555)
    try:
        (ro / "probe").touch()
    except PermissionError:
        yield ro
    else:
        (ro / "probe").unlink()
        pytest.skip("chmod does not restrict this user (root or CAP_DAC_OVERRIDE)")
    finally:
        ro.chmod(0o755)


def test_analyze_refuses_an_output_folder_it_cannot_write_before_the_analysis(
    read_only_folder, tmp_path, capsys
):
    """`analyze F --report r1.html --png-dir ro/png` ran the whole analysis, then ended with a bare
    "[Errno 13] Permission denied: 'ro/png'" and left r1.html, so the retry stopped at "exists"."""
    ro = read_only_folder
    report = tmp_path / "r1.html"
    # an input that cannot be read: had it been read (and analysed) first, its error would come
    broken = tmp_path / "walk.csv"
    broken.write_bytes(b"\x00\xff not a recording")
    for argv, option in (
        (["--report", str(report), "--png-dir", str(ro / "png")], f"--png-dir {ro / 'png'}"),
        (["--png-dir", str(ro)], f"--png-dir {ro}"),
        (["--report", str(ro / "r1.html")], f"--report {ro / 'r1.html'}"),
        (["--steps", str(ro / "s.csv")], f"--steps {ro / 's.csv'}"),
    ):
        assert main(["analyze", str(broken), *argv]) == 1, argv
        err = capsys.readouterr().err
        first = err.splitlines()[0]
        assert first.startswith(f"error: {option}: cannot ") and str(ro) in first, err
        assert "permission denied or read-only" in first and "Errno" not in err
        assert not report.exists() and not list(ro.iterdir())
    ro.chmod(0o755)  # the retry after fixing the folder is not stopped by a left-over report
    assert main(["analyze", str(MOTICON), "--report", str(report), "--png-dir", str(ro / "png")]) == 0
    assert report.is_file() and len(list((ro / "png").glob("*.png"))) > 1


def test_a_failed_analyze_run_removes_the_outputs_it_created_and_keeps_what_was_there(tmp_path, capsys):
    """A failure after the report was written (here a folder where the last figure's PNG must go)
    left the new report and the PNGs written so far; files that were there before stay."""
    from sensorkit.report import FIGURES

    png = tmp_path / "png"
    png.mkdir()
    (png / "notes.txt").write_text("mine", encoding="utf-8")
    blocker = png / f"{FIGURES[-1].key}.png"
    blocker.mkdir()  # a folder: the last PNG cannot be written, after the page and the others were
    report, steps = tmp_path / "r1.html", tmp_path / "steps.csv"
    argv = ["analyze", str(MOTICON), "--report", str(report), "--png-dir", str(png), "--steps", str(steps)]
    assert main([*argv, "--force"]) == 1
    assert "a folder is there, not a file" in capsys.readouterr().err
    assert not report.exists() and not steps.exists() and not (tmp_path / "steps.csv.json").exists()
    assert sorted(p.name for p in png.iterdir()) == sorted(["notes.txt", blocker.name])
    assert (png / "notes.txt").read_text(encoding="utf-8") == "mine" and blocker.is_dir()
    # a new PNG folder the run made is removed with its figures; its existing parent is kept
    blocker.rmdir()
    (tmp_path / "sub").mkdir()
    deep = tmp_path / "sub" / "a" / "b"
    (tmp_path / "sub" / "x.pdf").mkdir()  # the PDF fails (a folder in its place, or no Chromium) last
    argv = ["analyze", str(MOTICON), "--report", str(tmp_path / "sub" / "x.html"), "--png-dir", str(deep)]
    assert main([*argv, "--pdf", "--force"]) == 1
    capsys.readouterr()
    assert sorted(p.name for p in (tmp_path / "sub").iterdir()) == ["x.pdf"]


def test_report_checks_its_png_folder_before_reading_and_a_failed_run_leaves_nothing(tmp_path, capsys):
    """`sensorkit report` had the late failure `analyze` had: checked after the analysis, and a
    page written before a figure failed was left behind (runs as root: a file in the folder's place)."""
    from sensorkit.report import FIGURES

    not_a_folder = tmp_path / "figures"
    not_a_folder.write_text("a file", encoding="utf-8")
    broken = tmp_path / "walk.csv"  # read first, its error would come instead
    broken.write_bytes(b"\x00\xff not a recording")
    page = tmp_path / "r.html"
    assert main(["report", str(broken), "-o", str(page), "--png-dir", str(not_a_folder / "png")]) == 1
    first = capsys.readouterr().err.splitlines()[0]
    assert first == f"error: --png-dir {not_a_folder / 'png'}: {not_a_folder} is a file, not a folder"
    assert not page.exists()
    # the last figure's PNG cannot be written (a folder in its place): the page and the PNGs
    # written before it are removed, what was in the folder stays
    png = tmp_path / "png"
    png.mkdir()
    (png / "notes.txt").write_text("mine", encoding="utf-8")
    (png / f"{FIGURES[-1].key}.png").mkdir()
    assert main(["report", str(MOTICON), "-o", str(page), "--png-dir", str(png), "--no-recommend"]) == 1
    capsys.readouterr()
    assert not page.exists()
    assert sorted(p.name for p in png.iterdir()) == sorted(["notes.txt", f"{FIGURES[-1].key}.png"])
