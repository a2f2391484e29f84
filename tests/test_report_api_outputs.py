"""``sk.report`` and ``sensorkit compare --report`` never destroy a file: an existing output is
kept unless ``overwrite=True`` (``--force``), and a source is never written over. A researcher
found ``sk.report('walk.txt', output='walk.txt')`` turn the recording into HTML, ``pdf='a.txt'``
overwrite any file, and ``compare a.txt b.txt --report a.txt`` replace the baseline recording."""

from __future__ import annotations

import hashlib
import shutil
from pathlib import Path

import pytest

import sensorkit as sk
from sensorkit.cli import main
from sensorkit.errors import OutputExistsError, SameFileError

DATA = Path(__file__).parent / "data" / "physionet-gaitpdb"


@pytest.fixture
def walks(tmp_path) -> list[Path]:
    out = []
    for name in ("GaCo01_01.txt", "GaCo03_01.txt"):
        shutil.copy(DATA / name, tmp_path / name)
        out.append(tmp_path / name)
    return out


def _md5(path: Path) -> str:
    return hashlib.md5(path.read_bytes()).hexdigest()


def test_a_session_report_never_writes_over_its_recording(walks):
    src = walks[0]
    before = _md5(src)
    for kw in ({"output": src}, {"output": src, "overwrite": True}):
        with pytest.raises(SameFileError, match="the output is the input"):
            sk.report(src, recommend=False, **kw)
    with pytest.raises(SameFileError):  # nor as its PDF
        sk.report(src, output=src.with_suffix(".html"), pdf=src, recommend=False, overwrite=True)
    assert _md5(src) == before
    # an in-memory Recording read from that file: its file is still an input
    rec = sk.read(src)
    with pytest.raises(SameFileError):
        sk.report(rec, output=src, recommend=False, overwrite=True)
    assert _md5(src) == before


def test_a_session_report_keeps_every_existing_output_unless_overwrite(walks, tmp_path):
    src = walks[0]
    page, pdf, pngs = tmp_path / "r.html", tmp_path / "notes.txt", tmp_path / "png"
    pngs.mkdir()
    kept = {page: "my page", pdf: "my notes", pngs / "force_curves.png": "my figure"}
    for kind, kwargs in (
        ("page", {}),
        ("pdf", {"pdf": pdf}),
        ("png", {"png_dir": pngs}),
    ):
        for path, text in kept.items():
            path.write_text(text)
        if kind != "page":
            page.unlink()
        with pytest.raises(
            OutputExistsError, match=r"exists; add --force to replace it \(overwrite=True in Python\)"
        ):
            sk.report(src, output=page, recommend=False, **kwargs)
        assert all(p.read_text() == t for p, t in kept.items() if p.exists())
        assert kind == "page" or not page.exists()  # refused before anything was written
    page.write_text("my page")
    result = sk.report(src, output=page, recommend=False, overwrite=True)
    assert result["html"] == page and page.read_text().lstrip().lower().startswith("<!doctype html")


def test_a_comparison_or_cohort_report_keeps_existing_files_and_its_sources(walks, tmp_path):
    before = [_md5(w) for w in walks]
    with pytest.raises(SameFileError):
        sk.report(*walks, output=walks[0], overwrite=True)
    cmp = tmp_path / "cmp.html"
    cmp.write_text("my comparison")
    with pytest.raises(OutputExistsError):
        sk.report(*walks, output=cmp)
    assert cmp.read_text() == "my comparison" and [_md5(w) for w in walks] == before
    folder = tmp_path / "cohort"
    assert main(["batch", *map(str, walks), "-o", str(folder)]) == 0
    page = tmp_path / "cohort-page.html"
    page.write_text("my cohort page")
    with pytest.raises(OutputExistsError):
        sk.report(folder, output=page)
    assert page.read_text() == "my cohort page"
    assert sk.report(folder, output=page, overwrite=True)["html"] == page
    assert page.read_text() != "my cohort page"


def test_compare_report_keeps_the_baseline_recording_and_an_existing_page(walks, tmp_path, capsys):
    a, b = map(str, walks)
    before = _md5(walks[0])
    assert main(["compare", a, b, "--report", a]) == 1
    assert "the report is an HTML file; give a name ending in .html" in capsys.readouterr().err
    assert _md5(walks[0]) == before
    page = tmp_path / "a.html"
    shutil.copy(walks[0], page)  # a recording that happens to end in .html is still a source
    assert main(["compare", str(page), b, "--report", str(page), "--force"]) == 1
    assert "the output is the input" in capsys.readouterr().err
    assert _md5(page) == before
    cmp = tmp_path / "cmp.html"
    cmp.write_text("my comparison")
    assert main(["compare", a, b, "--report", str(cmp)]) == 1
    assert "exists; add --force" in capsys.readouterr().err and cmp.read_text() == "my comparison"
    assert main(["compare", a, b, "--report", str(cmp), "--force"]) == 0
    assert cmp.read_text().lstrip().lower().startswith("<!doctype html")


def test_recordings_read_from_files_are_sources_of_a_comparison_and_a_batch_folder_of_its_cohort_page(
    walks, tmp_path
):
    # a reviewer replaced a recording with sk.report(rec_a, rec_b, output=<rec_a's file>,
    # overwrite=True): only paths were checked as sources
    before = _md5(walks[0])
    recs = [sk.read(w) for w in walks]
    with pytest.raises(SameFileError):
        sk.report(*recs, output=walks[0], overwrite=True)
    assert _md5(walks[0]) == before
    folder = tmp_path / "cohort"
    assert main(["batch", *map(str, walks), "-o", str(folder)]) == 0
    for kept in (p for p in folder.iterdir() if p.is_file()):
        text = kept.read_bytes()
        with pytest.raises(SameFileError):
            sk.report(folder, output=kept, overwrite=True)
        assert kept.read_bytes() == text


def test_a_pdf_without_chromium_is_refused_before_any_work(walks, tmp_path, monkeypatch, capsys):
    # --pdf without Chromium ran the whole analysis, then failed (and the page went with it)
    monkeypatch.setenv("SENSORKIT_CHROMIUM", str(tmp_path / "no-such-browser"))
    broken = tmp_path / "walk.csv"  # read first, its error would come instead
    broken.write_bytes(b"\x00\xff not a recording")
    page = tmp_path / "r.html"
    assert main(["report", str(broken), "-o", str(page), "--pdf"]) == 1
    assert "printing a PDF needs Chromium" in capsys.readouterr().err and not page.exists()
    with pytest.raises(sk.SensorkitError, match="needs Chromium"):
        sk.report(broken, output=page, pdf=True)
