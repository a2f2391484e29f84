"""XDF import: files built by a spec-based writer (tests/xdf_writer.py), read with read_xdf."""

from __future__ import annotations

import gzip
import struct
import sys

import numpy as np
import pytest

from sensorkit.errors import FileFormatError, SensorkitError
from sensorkit.io.xdf import FORMAT, check_framing, looks_like_xdf, read_xdf
from sensorkit.layout import load_layout
from tests.interchange_helpers import events_of
from tests.xdf_writer import Stream, chunk, write_xdf, xdf_bytes

pytest.importorskip("pyxdf", reason="pyxdf (the 'xdf' extra) is not installed")

S = 16
BOTH_LABELS = [f"L{k}" for k in range(1, S + 1)] + [f"R{k}" for k in range(1, S + 1)]
DROPPED = range(40, 45)  # samples the insole stream lost


def _both_feet_stream(**overrides) -> Stream:
    k = np.array([i for i in range(120) if i not in DROPPED])
    values = np.random.default_rng(7).uniform(0.0, 80.0, (k.size, 2 * S)).astype(np.float32)
    fields = dict(
        stream_id=1,
        name="InsolePair",
        type="Pressure",
        channel_count=2 * S,
        nominal_srate=100.0,
        labels=BOTH_LABELS,
        units=["N"] * (2 * S - 1) + ["newtons"],  # LSL leaves the spelling free
        desc_extra={"layout": "ref16"},
        stamps=5000.0 + k / 100.0,
        values=values,
        clock_offsets=[(5000.0, 0.0), (5001.0, 0.0)],
    )
    fields.update(overrides)
    return Stream(**fields)


def _markers(stream_id: int = 2) -> Stream:
    return Stream(
        stream_id=stream_id,
        name="Markers",
        type="Markers",
        channel_count=1,
        nominal_srate=0.0,
        channel_format="string",
        stamps=np.array([5000.105, 5000.5, 5001.1]),
        values=[["trial start"], ["tare"], ["end"]],
    )


def test_one_stream_with_both_feet_values_times_gaps_and_markers(tmp_path):
    insoles, markers = _both_feet_stream(), _markers()
    path = write_xdf(tmp_path / "session.xdf", [insoles, markers])
    rec = read_xdf(path)
    assert rec.layout.name == "ref16" and rec.units == "N" and rec.rate_hz == 100.0
    np.testing.assert_allclose(rec.time, insoles.stamps, rtol=0, atol=1e-6)
    np.testing.assert_array_equal(rec.left, insoles.values[:, :S])
    np.testing.assert_array_equal(rec.right, insoles.values[:, S:])
    assert len(rec.gaps) == 1  # the 5 lost samples: one time jump, nothing filled in
    gap = rec.gaps.iloc[0]
    assert (gap["start_s"], gap["end_s"]) == pytest.approx((5000.39, 5000.45), abs=1e-9)
    assert (gap["side"], gap["n_missing"], gap["reason"]) == ("both", 5, "time jump")
    events = events_of(rec)
    np.testing.assert_allclose(events["time_s"], [5000.105, 5000.5, 5001.1], rtol=0, atol=1e-6)
    assert list(events["label"]) == ["trial start", "tare", "end"]
    assert set(events["source"]) == {"xdf:Markers"}
    assert rec.metadata["format"] == "xdf"
    assert rec.metadata["xdf_streams"] == ["'InsolePair' (type 'Pressure', 32 float32 channels)"]


def test_one_stream_per_foot_with_clock_offset_on_one_grid(tmp_path):
    rate = 50.0
    rng = np.random.default_rng(11)
    k_left = np.arange(0, 60)
    k_right = np.array([k for k in range(2, 62) if k != 30])
    left = Stream(
        stream_id=1,
        name="LeftInsole",
        type="Force",
        channel_count=S,
        nominal_srate=rate,
        desc_extra={"side": "left"},
        stamps=200.0 + k_left / rate,
        values=rng.uniform(0, 50, (k_left.size, S)).astype(np.float32),
        clock_offsets=[(200.0, 0.0), (201.0, 0.0)],
    )
    right = Stream(
        stream_id=2,
        name="RightInsole",
        type="Force",
        channel_count=S,
        nominal_srate=rate,
        desc_extra={"side": "right"},
        # this device's clock is 3 s behind the recorder's, and it samples 4 ms after the left one
        stamps=197.0 + 0.004 + k_right / rate,
        values=rng.uniform(0, 50, (k_right.size, S)).astype(np.float32),
        clock_offsets=[(197.0, 3.0), (198.0, 3.0)],
    )
    rec = read_xdf(write_xdf(tmp_path / "pair.xdf", [left, right, _markers(3)]), layout="ref16")
    np.testing.assert_allclose(rec.time, 200.0 + np.arange(62) / rate, rtol=0, atol=1e-6)
    np.testing.assert_array_equal(rec.left[:60], left.values)
    assert np.isnan(rec.left[60:]).all()
    np.testing.assert_array_equal(rec.right[k_right], right.values)
    assert np.isnan(rec.right[[0, 1, 30]]).all()
    shift = rec.metadata["xdf_max_shift_s"]
    assert shift["left"] == pytest.approx(0.0, abs=1e-6)
    assert shift["right"] == pytest.approx(0.004, abs=1e-6)
    right_gaps = rec.gaps[rec.gaps["side"] == "right"]
    assert list(right_gaps["n_missing"]) == [2, 1]
    assert list(rec.gaps[rec.gaps["side"] == "left"]["n_missing"]) == [2]


def test_truncated_file_is_an_error_naming_the_file_or_read_to_the_cut(tmp_path):
    data = xdf_bytes([_both_feet_stream(), _markers()])
    path = tmp_path / "crashed.xdf"
    path.write_bytes(data[: int(len(data) * 0.6)])
    cut = check_framing(path)
    assert cut is not None and 4 < cut < path.stat().st_size
    with pytest.raises(
        FileFormatError, match=rf"crashed\.xdf: the file is cut short: the chunk at byte {cut}"
    ) as err:
        read_xdf(path)
    assert "allow_damaged=True" in err.value.hint
    with pytest.warns(UserWarning, match=f"samples lost: the file is cut short: the chunk at byte {cut}"):
        rec = read_xdf(path, allow_damaged=True)
    assert 10 < rec.n_frames < 115
    assert rec.metadata["xdf_truncated_at_byte"] == cut
    np.testing.assert_array_equal(rec.left, _both_feet_stream().values[: rec.n_frames, :S])


def test_a_chunk_pyxdf_cannot_parse_is_an_error_not_a_silent_loss(tmp_path):
    # framing intact, but the sample count's varlen byte says 3 (only 1, 4, 8 exist): pyxdf
    # logs the error and skips the chunk, which would lose its samples without a word
    bad = chunk(3, struct.pack("<I", 1) + b"\x03" + bytes(40))
    path = tmp_path / "damaged.xdf"
    path.write_bytes(xdf_bytes([_both_feet_stream()]) + bad)
    assert check_framing(path) is None
    with pytest.raises(
        FileFormatError, match=r"damaged\.xdf: pyxdf: .*invalid variable-length integer"
    ) as err:
        read_xdf(path)
    assert "allow_damaged=True" in err.value.hint
    with pytest.warns(UserWarning, match="samples lost: pyxdf: "):
        rec = read_xdf(path, allow_damaged=True)
    assert rec.n_frames == 115
    assert rec.metadata["xdf_problems"][0].startswith("pyxdf: ")


def test_framing_errors_name_the_file_and_byte(tmp_path):
    bad_magic = tmp_path / "not.xdf"
    bad_magic.write_bytes(b"XDF?" + b"\x00" * 20)
    with pytest.raises(FileFormatError, match=r"not\.xdf: not an XDF file"):
        read_xdf(bad_magic)
    bad_len = tmp_path / "badlen.xdf"
    good = chunk(1, b'<?xml version="1.0"?><info><version>1.0</version></info>')
    bad_len.write_bytes(b"XDF:" + good + b"\x03abc")
    with pytest.raises(FileFormatError, match=rf"byte {4 + len(good)}: a chunk length takes 1, 4 or 8 bytes"):
        read_xdf(bad_len)


@pytest.mark.parametrize(
    ("stream", "message"),
    [
        (
            Stream(1, "EEG", "EEG", 4, 100.0, stamps=np.arange(5) / 100, values=np.zeros((5, 4))),
            r"no insole stream \(streams: 'EEG' \(type 'EEG', 4 float32 channels\)\)",
        ),
        (
            _both_feet_stream(labels=None, units=None, channel_count=20, values=np.zeros((115, 20))),
            "20 channels and no side in desc: expected 32",
        ),
        (
            _both_feet_stream(
                labels=None,
                units=None,
                channel_count=20,
                values=np.zeros((115, 20)),
                desc_extra={"side": "left", "layout": "ref16"},
            ),
            "side left with 20 channels, but the layout has 16 sensors",
        ),
        (
            _both_feet_stream(units=["N"] * 5 + ["kPa"] * 27),
            r"channel 6 \(L6\): unit 'kPa', but layout 'ref16'",
        ),
        (
            _both_feet_stream(labels=[f"R{k}" for k in range(1, S + 1)] + BOTH_LABELS[:S]),
            "are not L1..L16 and/or R1..R16 in order",
        ),
        (
            _both_feet_stream(stamps=np.r_[5000.0 + np.arange(114) / 100.0, 5000.5]),
            r"sample 114 \(t = 5000\.5 s\) does not come after sample 113",
        ),
        (_both_feet_stream(desc_extra={}), "no sensor layout: pass layout="),
    ],
)
def test_streams_that_do_not_fit_are_one_clear_error(tmp_path, stream, message):
    path = write_xdf(tmp_path / "odd.xdf", [stream])
    with pytest.raises(FileFormatError, match=message) as err:
        read_xdf(path)
    assert "odd.xdf" in str(err.value)


def test_two_streams_for_one_foot_and_irregular_timing_are_errors(tmp_path):
    def one_foot(sid: int, name: str, stamps: np.ndarray) -> Stream:
        return Stream(
            sid,
            name,
            "Pressure",
            S,
            100.0,
            desc_extra={"side": "left"},
            stamps=stamps,
            values=np.ones((stamps.size, S)),
        )

    t = 10.0 + np.arange(20) / 100.0
    path = write_xdf(tmp_path / "two.xdf", [one_foot(1, "A", t), one_foot(2, "B", t)])
    with pytest.raises(FileFormatError, match=r"two streams for the left foot: 'A' .* and 'B'") as err:
        read_xdf(path, layout="ref16")
    assert "streams=" in err.value.hint
    assert read_xdf(path, layout="ref16", streams=["B"]).n_frames == 20  # choosing one works

    jittery = t.copy()
    jittery[8] = t[7] + 0.004  # samples 7 and 8 both nearest to slot 7
    right = one_foot(2, "R", t)
    right.desc_extra = {"side": "right"}
    path = write_xdf(tmp_path / "jitter.xdf", [one_foot(1, "L", jittery), right])
    with pytest.raises(FileFormatError, match=r"samples 7 and 8 .* fall on one slot of the 100 Hz grid"):
        read_xdf(path, layout=load_layout("ref16"))


def test_looks_like_xdf():
    assert looks_like_xdf("a.xdf", b"XDF:\x01\x3c\x01\x00")
    assert looks_like_xdf("a.xdfz", b"\x1f\x8b\x08\x00")
    assert not looks_like_xdf("a.gz", b"\x1f\x8b\x08\x00")
    assert not looks_like_xdf("a.xdf", b"time,L1,L2\n")
    assert not looks_like_xdf("a.xdf", b"XD")


def test_gzip_compressed_xdfz_reads_the_same(tmp_path):
    plain = write_xdf(tmp_path / "s.xdf", [_both_feet_stream(), _markers()])
    packed = tmp_path / "s.xdfz"
    packed.write_bytes(gzip.compress(plain.read_bytes()))
    a, b = read_xdf(plain), read_xdf(packed)
    np.testing.assert_array_equal(a.time, b.time)
    np.testing.assert_array_equal(a.left, b.left)
    cut = tmp_path / "cut.xdfz"
    cut.write_bytes(gzip.compress(plain.read_bytes()[:-30]))
    with pytest.raises(FileFormatError, match=r"cut\.xdfz: the file is cut short"):
        read_xdf(cut)


@pytest.mark.skipif(FORMAT is None, reason="the format table (issue 14, other branch) is not merged yet")
def test_sk_read_finds_xdf_through_the_format_table(tmp_path):
    import sensorkit as sk
    from sensorkit.io import detect_format

    path = write_xdf(tmp_path / "session.xdf", [_both_feet_stream()])
    assert detect_format(path) == "xdf"
    np.testing.assert_array_equal(sk.read(path).left, read_xdf(path).left)


def test_missing_pyxdf_gives_the_install_hint(tmp_path, monkeypatch):
    path = write_xdf(tmp_path / "s.xdf", [_both_feet_stream()])
    monkeypatch.setitem(sys.modules, "pyxdf", None)
    with pytest.raises(SensorkitError, match="need the pyxdf package") as err:
        read_xdf(path)
    assert "sensorkit[xdf]" in err.value.hint
