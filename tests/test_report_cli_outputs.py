"""``sensorkit report`` keeps an existing report unless --force, for a session, a comparison
and a cohort folder alike (a new user found the first two silently replaced and the third
asking for a --force the verb did not accept)."""

from __future__ import annotations

from pathlib import Path

import pytest

from sensorkit.cli import main

DATA = Path(__file__).parent / "data" / "physionet-gaitpdb"


@pytest.fixture(scope="module")
def walks() -> list[str]:
    return [str(p) for p in sorted(DATA.glob("*.txt"))[:2]]


@pytest.fixture(scope="module")
def cohort(walks, tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("batch") / "cohort"
    assert main(["batch", *walks, "-o", str(out)]) == 0
    return out


@pytest.mark.parametrize("kind", ["session", "comparison", "cohort"])
def test_an_existing_report_is_kept_unless_force(kind, walks, cohort, tmp_path, capsys):
    sources = {"session": walks[:1], "comparison": walks, "cohort": [str(cohort)]}[kind]
    out = tmp_path / f"{kind}.html"
    out.write_text("keep me")
    assert main(["report", *sources, "-o", str(out), "--no-recommend"]) == 1
    assert out.read_text() == "keep me"
    assert "exists; add --force" in capsys.readouterr().err
    assert main(["report", *sources, "-o", str(out), "--force", "--no-recommend"]) == 0
    assert out.read_text().lstrip().lower().startswith("<!doctype html")


def test_the_cohort_page_counts_sessions_without_a_subject_as_the_figure_draws_them():
    import pandas as pd

    from sensorkit.report.cohort import _subjects_text

    s = pd.DataFrame({"subject": ["P1", "P2", None, None, "P1", None], "status": ["ok"] * 5 + ["error"]})
    assert _subjects_text(s) == "2 subjects (and 2 analysed sessions without one, shown as 'unknown')"
    assert _subjects_text(s, "condition") == "2 subjects (and 2 analysed sessions without one)"
    assert _subjects_text(s.iloc[:1]) == "1 subject"


def test_analyze_of_a_session_without_steps_says_so_instead_of_a_table_of_dashes(capsys):
    blip = Path(__file__).parent / "data" / "moticon-opengo" / "blip_while_standing.txt"
    assert main(["analyze", str(blip)]) == 0
    out = capsys.readouterr()
    text = out.out + out.err
    assert (
        "no walking or running steps (0 valid of 2 stances); nothing to summarise, asymmetry: not enough data"
        in text
    )
    assert "contact time" not in text and "no asymmetry" not in text


def test_a_walking_cohort_page_shows_the_walking_loading_rate(cohort, tmp_path):
    # a reviewer found the cohort page drawing VALR ("not applicable" for every walk) and never
    # the walking loading rate the sessions table now has
    out = tmp_path / "c.html"
    assert main(["report", str(cohort), "-o", str(out)]) == 0
    html = out.read_text()
    assert "<th>loading rate</th>" in html and "<th>VALR</th>" not in html
    assert "metric distributions" in html


def test_the_default_report_name_is_one_rule_for_the_library_and_the_cli(walks, cohort):
    from sensorkit.report.api import default_output

    assert default_output(*walks) == Path("comparison.html")
    assert default_output(str(cohort)) == cohort.with_name("cohort-report.html")
    assert default_output(walks[0]) == Path(Path(walks[0]).stem + ".html")
    with pytest.raises(ValueError, match="give output="):
        default_output(object())
