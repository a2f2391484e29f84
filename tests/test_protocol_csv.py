"""CSV-line mode decoder and binary/CSV detection."""

from __future__ import annotations

from itertools import pairwise

from hypothesis import given, settings
from hypothesis import strategies as st

from sensorkit.protocol import MAX_CSV_LINE, CsvLineDecoder, detect_mode, encode_frame
from sensorkit.protocol.packets import Ack

TEXT = (
    b"# board v1.2 ready\r\n"
    b"t1000,10,20,30\r\n"
    b"t2000, 11 ,\t21, 31\n"
    b"\n"
    b"t3000,12,22\n"  # wrong column count
    b"40,50,60\n"  # no timestamp although line 1 had one
    b"t4000,13,23,99999\n"  # value out of range
    b"t5000,1x,2,3\n"  # syntax
    b"t6000,65535,0,4095\n"
)


def test_parse_lines_with_timestamps():
    d = CsvLineDecoder()
    block = d.feed(TEXT)
    assert block.values.tolist() == [[10, 20, 30], [11, 21, 31], [65535, 0, 4095]]
    assert block.timestamps_us.tolist() == [1000, 2000, 6000]
    assert d.n_channels == 3 and d.has_timestamps is True
    s = d.stats
    assert (s.lines, s.samples_ok, s.comment_lines, s.bad_lines) == (9, 3, 1, 4)
    assert s.errors_by_code == {"CSV_COLUMNS": 2, "CSV_SYNTAX": 2}
    assert d.recent_errors[0].offset == TEXT.index(b"t3000")


def test_lines_without_timestamps_and_fixed_width():
    d = CsvLineDecoder(n_channels=2)
    block = d.feed(b"1,2\n3,4,5\n6,7\n")
    assert block.values.tolist() == [[1, 2], [6, 7]]
    assert block.timestamps_us is None
    assert d.stats.errors_by_code == {"CSV_COLUMNS": 1}


def test_overlong_line_is_dropped_in_any_chunking():
    long_line = b"1," * (MAX_CSV_LINE // 2) + b"1\n"
    stream = b"5,6\n" + long_line + b"7,8\n"
    for chunk in (1, 33, len(stream)):
        d = CsvLineDecoder()
        rows = []
        for i in range(0, len(stream), chunk):
            rows += d.feed(stream[i : i + chunk]).values.tolist()
        assert rows == [[5, 6], [7, 8]]
        assert d.stats.errors_by_code == {"OVERSIZE": 1}


def test_partial_line_waits_for_newline():
    d = CsvLineDecoder()
    assert d.feed(b"1,2,").n_samples == 0
    assert d.feed(b"3\n").values.tolist() == [[1, 2, 3]]


@settings(max_examples=60, deadline=None)
@given(st.lists(st.integers(1, len(TEXT) - 1), max_size=12), st.binary(max_size=200))
def test_chunking_does_not_change_the_result(cuts, noise):
    data = noise.replace(b"\n", b"") + b"\n" + TEXT
    whole = CsvLineDecoder()
    ref = whole.feed(data)
    pieces = CsvLineDecoder()
    edges = [0, *sorted(set(cuts)), len(data)]
    blocks = [pieces.feed(data[a:b]) for a, b in pairwise(edges)]
    rows = [r for b in blocks for r in b.values.tolist()]
    assert rows == ref.values.tolist()
    assert pieces.stats == whole.stats


def test_detect_mode():
    assert detect_mode(b"") is None
    assert detect_mode(b"Booting...\r\n12,13") is None
    assert detect_mode(b"Booting...\r\n12,13\r\n") == "csv"
    assert detect_mode(b"t100,1,2\n") == "csv"
    frame = encode_frame(Ack(1, 2, 3))
    assert detect_mode(frame[3:]) == "binary"
    assert detect_mode(b"1,2\n" + frame) == "binary"  # any 0x00 means binary
    assert detect_mode(b"\x80\x81\n") is None
