"""--layout and the CSV options on the verbs that read a file (analyze, recommend, convert)."""

from __future__ import annotations

import json

import pytest

import sensorkit as sk
from sensorkit.cli import main


@pytest.fixture(scope="module")
def walk_csv(tmp_path_factory):
    """A simulated walk as a CSV with no layout line (a header-only CSV as people have them)."""
    path = tmp_path_factory.mktemp("cli") / "walk.csv"
    sk.write(sk.simulate(duration_s=8, seed=5, body_mass_kg=70), path)
    lines = [ln for ln in path.read_text().splitlines() if not ln.startswith("# layout")]
    path.write_text("\n".join(lines) + "\n")
    return path


def test_analyze_without_a_layout_says_how_to_give_one(walk_csv, capsys):
    assert main(["analyze", str(walk_csv)]) == 1
    err = capsys.readouterr().err
    assert "no sensor layout" in err and "--layout" in err


def test_analyze_and_recommend_take_a_builtin_layout(walk_csv, capsys):
    assert main(["analyze", str(walk_csv), "--layout", "ref16", "--json"]) == 0
    assert len(json.loads(capsys.readouterr().out)["steps"]) > 5
    assert main(["recommend", str(walk_csv), "--layout", "ref16", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["activity"] == "running"  # advice for the recording's activity


def test_a_layout_json_file_is_accepted(walk_csv, tmp_path, capsys):
    layout_file = tmp_path / "mine.json"
    spec = sk.load_layout("ref16").to_dict()
    spec["name"] = "mine"
    layout_file.write_text(json.dumps(spec))
    out = tmp_path / "out.csv"
    assert main(["convert", str(walk_csv), str(out), "--layout", str(layout_file)]) == 0
    assert sk.read(out).layout.name == "mine"  # and the CSV carries it: no --layout needed to read back


def test_csv_dialect_options_reach_the_reader(walk_csv, tmp_path, capsys):
    rows = walk_csv.read_text().splitlines()
    head = next(i for i, ln in enumerate(rows) if ln.startswith("time"))
    ms = [
        f"{float(r.split(',', 1)[0]) * 1000:.3f};{r.split(',', 1)[1].replace(',', ';')}"
        for r in rows[head + 1 :]
    ]
    path = tmp_path / "ms.csv"
    path.write_text("\n".join([*rows[:head], rows[head].replace(",", ";"), *ms]) + "\n", encoding="latin-1")
    assert main(["analyze", str(path), "--layout", "ref16"]) == 1
    assert "--time-unit ms" in capsys.readouterr().err
    assert (
        main(
            [
                "analyze",
                str(path),
                "--layout",
                "ref16",
                "--time-unit",
                "ms",
                "--encoding",
                "latin-1",
                "--json",
            ]
        )
        == 0
    )
    assert len(json.loads(capsys.readouterr().out)["steps"]) > 5


def test_convert_takes_the_csv_options_its_hints_name(walk_csv, tmp_path, capsys):
    rows = walk_csv.read_text().splitlines()
    head = next(i for i, ln in enumerate(rows) if ln.startswith("time"))
    ms = [f"{float(r.split(',', 1)[0]) * 1000:.3f},{r.split(',', 1)[1]}" for r in rows[head + 1 :]]
    path = tmp_path / "ms.csv"
    path.write_text("\n".join([*rows[:head], rows[head], *ms]) + "\n", encoding="utf-8")
    assert main(["convert", str(path), str(tmp_path / "a.parquet"), "--layout", "ref16"]) == 1
    assert "--time-unit ms" in capsys.readouterr().err
    out = tmp_path / "b.parquet"
    assert main(["convert", str(path), str(out), "--layout", "ref16", "--time-unit", "ms"]) == 0
    assert sk.read(out).rate_hz == pytest.approx(sk.read(walk_csv, layout="ref16").rate_hz)


def test_a_layout_for_a_format_that_fixes_its_own_is_refused(capsys):
    assert main(["analyze", "tests/data/pressure-mats/fscan_testL.asf", "--layout", "ref16"]) == 1
    err = capsys.readouterr().err
    assert "layout (--layout) do not apply to fscan-asf files" in err
    assert "hint: fscan-asf takes: body_mass_kg (--mass)" in err


def test_from_reads_the_file_as_the_format_given_and_the_hint_names_it(walk_csv, tmp_path, capsys):
    """The hint for a file of no known format said `pass format=`, which the command line did
    not have: it is --from, and the format given is the one used."""
    text = walk_csv.read_text()
    odd = tmp_path / "walk.log"
    odd.write_text("exported by a logger\n" + text, encoding="utf-8")  # no '# key:' line first
    assert main(["analyze", str(odd), "--json"]) == 1
    err = capsys.readouterr().err
    assert "cannot tell the file format" in err and "--from on the command line" in err
    assert main(["analyze", str(walk_csv), "--from", "parquet", "--json"]) == 1
    assert "not a readable Parquet file" in capsys.readouterr().err  # the format asked for is used
    assert main(["analyze", str(walk_csv), "--from", "nope"]) == 1
    assert "unknown format 'nope'" in capsys.readouterr().err
    assert main(["analyze", str(walk_csv), "--from", "generic-csv", "--layout", "ref16", "--json"]) == 0
    assert len(json.loads(capsys.readouterr().out)["steps"]) > 5


def test_report_of_several_files_reads_them_with_the_read_options(walk_csv, tmp_path, capsys):
    """A comparison report dropped --from and the CSV options (the files were read as detected);
    a cohort folder, whose tables are read as they are, refuses them."""
    assert (
        main(["report", str(walk_csv), str(walk_csv), "--from", "parquet", "-o", str(tmp_path / "c.html")])
        == 1
    )
    assert "not a readable Parquet file" in capsys.readouterr().err
    assert not (tmp_path / "c.html").exists()
    folder = tmp_path / "batch"
    assert main(["batch", str(walk_csv), "-o", str(folder), "--layout", "ref16"]) == 0
    capsys.readouterr()
    assert main(["report", str(folder), "--sep", ";", "-o", str(tmp_path / "k.html")]) == 1
    assert "sep (--sep) do not apply to a cohort folder" in capsys.readouterr().err
