"""The format table: dispatch by extension and content, options, writers, registration."""

from __future__ import annotations

import numpy as np
import pytest

import sensorkit as sk
from sensorkit.errors import FileFormatError
from sensorkit.io import FORMAT_TABLE, FormatSpec, detect_format, format_spec, read, register_format, write
from sensorkit.io.spec import head_text


def test_every_entry_is_complete_and_names_are_unique():
    names = [s.name for s in FORMAT_TABLE]
    assert len(set(names)) == len(names)
    for spec in FORMAT_TABLE:
        assert spec.extensions and all(e.startswith(".") and e == e.lower() for e in spec.extensions)
        assert callable(spec.sniff) and callable(spec.read) and spec.description
    assert names[-1] == "generic-csv"  # the catch-all text format is sniffed last
    for required in ("capture", "parquet", "generic-csv", "moticon-opengo", "physionet-gaitpdb"):
        assert required in names


@pytest.mark.parametrize("head", [b"", b"\x00\x01", b"#", "é;ü\n".encode("latin-1"), b"\xef\xbb\xbf"])
def test_sniffers_never_raise_on_odd_heads(tmp_path, head):
    for spec in FORMAT_TABLE:
        assert spec.sniff(tmp_path / "x.bin", head) in (True, False)


def test_head_text_strips_a_bom_and_falls_back_to_latin1():
    assert head_text(b"\xef\xbb\xbftime,L1\n") == "time,L1\n"
    assert head_text("# Kommentar: Größe\n".encode("latin-1")) == "# Kommentar: Größe\n"
    assert head_text("ab€".encode()[:-1]) == "ab"  # cut inside the last character


def _toy_reader(path, *, layout=None, body_mass_kg=None):
    rows = np.loadtxt(path, skiprows=1)
    return sk.Recording.from_arrays(rows[:, 0], left=rows[:, 1:], layout=layout or "physionet8")


def _toy_spec(name="toy"):
    return FormatSpec(
        name=name,
        extensions=(".toy",),
        sniff=lambda path, head: head.startswith(b"TOY"),
        read=_toy_reader,
        options=frozenset({"layout"}),
        description="a test format",
    )


@pytest.fixture
def toy_format():
    register_format(_toy_spec())
    yield
    FORMAT_TABLE[:] = [s for s in FORMAT_TABLE if s.name != "toy"]


def test_a_registered_format_is_one_entry_away(tmp_path, toy_format):
    path = tmp_path / "walk.dat"  # the content decides even without the extension
    rows = np.column_stack([np.arange(5) / 100.0, np.full((5, 8), 3.0)])
    path.write_text("TOY\n" + "\n".join(" ".join(f"{v:g}" for v in r) for r in rows) + "\n")
    assert detect_format(path) == "toy"
    rec = read(path)
    np.testing.assert_array_equal(rec.left, np.full((5, 8), 3.0, dtype=np.float32))
    names = [s.name for s in FORMAT_TABLE]
    assert names.index("toy") == names.index("generic-csv") - 1


def test_an_option_a_format_does_not_take_is_an_error_naming_it(tmp_path, toy_format):
    path = tmp_path / "walk.toy"
    path.write_text("TOY\n0 1 1 1 1 1 1 1 1\n0.01 1 1 1 1 1 1 1 1\n")
    # both names: the argument and the command-line option (the hint said `takes: body_mass_kg`
    # where the command line has --mass)
    with pytest.raises(
        FileFormatError, match=r"option\(s\) body_mass_kg \(--mass\) do not apply to toy files"
    ):
        read(path, body_mass_kg=70)
    with pytest.raises(FileFormatError) as err:
        read(path, sep=";")
    assert err.value.hint == "toy takes: layout (--layout)"
    with pytest.raises(FileFormatError, match="calibration applies to raw captures"):
        read(path, calibration={"x": 1})


def test_extension_goes_first_but_content_decides(tmp_path):
    rec = sk.simulate(duration_s=1, seed=0)
    path = tmp_path / "run.txt"  # .txt: moticon and physionet are tried first, then the CSV
    write(rec, path, format="generic-csv")
    assert detect_format(path) == "generic-csv"


def test_write_picks_the_format_from_the_extension_and_reads_back(tmp_path):
    rec = sk.simulate(duration_s=1, seed=0)
    for name in ("a.csv", "a.parquet"):
        back = read(write(rec, tmp_path / name))
        np.testing.assert_array_equal(back.left, rec.left)
    with pytest.raises(FileFormatError, match="cannot tell the output format"):
        write(rec, tmp_path / "a.xyz")
    with pytest.raises(FileFormatError, match="does not write them"):
        write(rec, tmp_path / "a.txt", format="physionet-gaitpdb")


def test_unknown_format_name_lists_the_known_ones():
    with pytest.raises(FileFormatError, match="unknown format 'nope'") as info:
        format_spec("nope")
    assert "generic-csv" in info.value.hint


def test_binary_garbage_with_a_text_extension_is_still_binary(tmp_path):
    path = tmp_path / "x.csv"
    path.write_bytes(b"\x00\x01garbage")
    with pytest.raises(FileFormatError, match="binary file of no known format"):
        read(path)


def test_a_layout_json_path_works_for_every_format_that_takes_a_layout(tmp_path):
    import json

    layout_file = tmp_path / "ref16-copy.json"
    layout_file.write_text(json.dumps({**sk.load_layout("ref16").to_dict(), "name": "copy"}))
    rec = sk.simulate(duration_s=1, seed=0)
    for name in ("a.csv", "a.parquet"):
        assert read(write(rec, tmp_path / name), layout=layout_file).layout.name == "copy"


@pytest.mark.parametrize("suffix", [".csv", ".parquet"])
def test_sk_write_replaces_a_file_only_when_asked_and_never_the_one_read(tmp_path, suffix):
    """CSV was replaced while Parquet refused; now every format refuses without overwrite=True,
    and the file a recording was read from is never written over."""
    from sensorkit.errors import OutputExistsError, SameFileError

    rec = sk.simulate(duration_s=3, seed=2, rate_hz=100)
    path = tmp_path / f"run{suffix}"
    path.write_bytes(b"keep me")
    with pytest.raises(OutputExistsError, match="overwrite=True"):
        write(rec, path)
    assert path.read_bytes() == b"keep me"
    write(rec, path, overwrite=True)
    back = read(path)
    np.testing.assert_array_equal(back.left, rec.left)
    with pytest.raises(SameFileError):
        write(back, path, overwrite=True)  # back was read from path
    assert [p.name for p in tmp_path.iterdir()] == [path.name]


def test_a_writer_that_fails_half_way_leaves_the_replaced_file_and_no_partial_one(tmp_path):
    """CSV and Parquet are written under a temporary name and renamed when complete."""
    from sensorkit.io.csv_generic import write_generic_csv
    from sensorkit.io.parquet import write_parquet

    rec = sk.simulate(duration_s=30, seed=2, rate_hz=1000)
    csv_path, pq_path = tmp_path / "run.csv", tmp_path / "run.parquet"
    write(rec, csv_path)
    write_parquet(rec, pq_path, row_group_frames=5000)
    before = {p: p.read_bytes() for p in (csv_path, pq_path)}
    with pytest.raises(ValueError):
        write_generic_csv(rec, csv_path, float_format="%q")  # the header is written, then the rows fail

    def interrupted(done, total):
        if done > total // 2:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        write_parquet(rec, pq_path, overwrite=True, row_group_frames=5000, on_progress=interrupted)
    assert {p: p.read_bytes() for p in (csv_path, pq_path)} == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["run.csv", "run.parquet"]


def test_a_replaced_file_keeps_its_permissions_and_links_and_parallel_writers_never_mix(tmp_path):
    import os
    import threading

    rec = sk.simulate(duration_s=3, seed=2, rate_hz=100)
    private = tmp_path / "private.csv"
    write(rec, private)
    os.chmod(private, 0o600)  # a patient's recording
    write(rec, private, overwrite=True)
    assert os.stat(private).st_mode & 0o777 == 0o600
    umask = os.umask(0)
    os.umask(umask)
    fresh = write(rec, tmp_path / "fresh.parquet")
    assert os.stat(fresh).st_mode & 0o777 == 0o666 & ~umask
    # a symbolic link is written through: the link stays, its target is replaced
    target = tmp_path / "data" / "target.csv"
    target.parent.mkdir()
    target.write_text("old", encoding="utf-8")
    link = tmp_path / "link.csv"
    link.symlink_to(target)
    write(rec, link, overwrite=True)
    assert link.is_symlink() and np.array_equal(read(target).left, rec.left)
    # threads writing one path each write their own temporary file; the last rename wins whole
    recs = [sk.simulate(duration_s=20, seed=k, rate_hz=500) for k in range(4)]
    same = tmp_path / "same.csv"
    errors = []

    def one(r):
        try:
            write(r, same, overwrite=True)
        except Exception as exc:  # collected and asserted below
            errors.append(exc)

    threads = [threading.Thread(target=one, args=(r,)) for r in recs]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    back = read(same)
    assert any(np.array_equal(back.left, r.left, equal_nan=True) for r in recs)
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "data",
        "fresh.parquet",
        "link.csv",
        "private.csv",
        "same.csv",
    ]


def test_write_errors_name_the_file_asked_for_never_the_temporary_one(tmp_path):
    rec = sk.simulate(duration_s=2, seed=1)
    with pytest.raises(FileNotFoundError) as info:
        write(rec, tmp_path / "no-such-folder" / "a.csv")
    assert info.value.filename == str(tmp_path / "no-such-folder" / "a.csv")
    (tmp_path / "taken.csv").mkdir()
    with pytest.raises(IsADirectoryError, match="a folder is there"):
        write(rec, tmp_path / "taken.csv", overwrite=True)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["taken.csv"]


def test_hints_for_reading_offer_readable_formats_only_and_name_from(tmp_path):
    """The hint listed c3d and opensim-mot, which sensorkit only writes ("--from c3d" then said
    it does not read C3D), and a binary file's hint did not say how to name a format."""
    text = tmp_path / "x.log"
    text.write_text("exported by a logger\nt;a;b\n0;1;2\n")
    binary = tmp_path / "x.bin"
    binary.write_bytes(b"\x00\x01garbage")
    for path in (text, binary):
        with pytest.raises(FileFormatError) as info:
            read(path)
        hint = info.value.hint
        assert "--from on the command line" in hint and "generic-csv" in hint and "parquet" in hint
        assert "c3d" not in hint and "opensim-mot" not in hint
    assert not format_spec("c3d").readable and format_spec("parquet").readable


def test_reading_a_file_sensorkit_only_writes_or_a_folder_says_so(tmp_path):
    """sensorkit's own C3D and .mot read back as "binary file of no known format" and "cannot
    tell the file format"; a folder as "no such file"."""
    rec = sk.simulate(duration_s=3, seed=1)
    for name, what in (("walk.c3d", "C3D files"), ("walk.mot", "OpenSim .mot files")):
        sk.write(rec, tmp_path / name)
        with pytest.raises(FileFormatError, match=f"sensorkit writes {what} but does not read them") as info:
            sk.read(tmp_path / name)
        assert "read the recording this file was made from" in info.value.hint
    with pytest.raises(FileFormatError, match="a folder, not a recording") as info:
        sk.read(tmp_path)
    assert "sensorkit batch FOLDER" in info.value.hint
    with pytest.raises(FileFormatError, match="no such file"):
        sk.read(tmp_path / "absent.csv")


def test_a_markdown_file_is_of_no_known_format_not_a_broken_csv(tmp_path):
    """`sensorkit analyze README.md` said "metadata line must be '# key: value'"."""
    readme = tmp_path / "README.md"
    readme.write_text("# sensorkit\n\nOpen-source toolkit.\n", encoding="utf-8")
    with pytest.raises(FileFormatError, match="cannot tell the file format"):
        detect_format(readme)
    csv = tmp_path / "walk.csv"  # a real metadata line still makes a generic CSV
    csv.write_text("# layout: ref16\ntime," + ",".join(f"L{k}" for k in range(1, 17)) + "\n0,"
                   + ",".join("0" for _ in range(16)) + "\n", encoding="utf-8")  # fmt: skip
    assert detect_format(csv) == "generic-csv"
