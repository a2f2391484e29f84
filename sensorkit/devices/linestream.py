"""The stream decoder of devices without sensorkit packets: CSV lines, or a device profile.

A :class:`LineStream` owns the decoder (:class:`~sensorkit.protocol.CsvLineDecoder` for
CSV-line mode, PROTOCOL.md section 10, or a
:class:`~sensorkit.devices.profile_decoder.ProfileDecoder`) and one
:class:`~sensorkit.devices.sequencer.SampleSequencer` per foot (with a
:class:`~sensorkit.devices.sequencer.FrameCounter` when a profile has a frame counter).
:meth:`LineStream.ingest` records the bytes to the capture tap and turns them into
:class:`Emission` objects (numbered, timed samples of one side with the gaps before them);
the :class:`~sensorkit.devices.device.Device` emits the chunks and counts. It computes nothing else, and depends only on the bytes and their
arrival times, so replays agree.
"""

from __future__ import annotations

import itertools
from collections import deque
from dataclasses import dataclass

import numpy as np

from sensorkit.devices.capture import REC_RX
from sensorkit.devices.framing import MAX_SEGMENT, Framer
from sensorkit.devices.info import DeviceDescription
from sensorkit.devices.profile import TIME_UNITS, Profile
from sensorkit.devices.profile_decoder import ProfileDecoder, ProfileStats
from sensorkit.devices.sequencer import FrameCounter, SampleSequencer
from sensorkit.devices.tap import CaptureTap
from sensorkit.errors import DeviceError
from sensorkit.layout import SensorLayout
from sensorkit.protocol import CsvLineDecoder

__all__ = ["Emission", "LineStream"]

RATE_CHECK_SAMPLES = 8  # CSV: board timestamp spacings looked at before the rate is checked
RATE_TOLERANCE = 0.2  # CSV: a board rate more than 20 % off the configured one is an error
# samples without a device clock: the period fitted to their arrivals is checked once it spans this long (s)
ARRIVAL_RATE_CHECK_S = 3.0
# ... when the least delayed arrivals lie within this many nominal periods, or this long (s), RMS,
# of the fitted line
ARRIVAL_FIT_RMS_PERIODS = 0.5
ARRIVAL_FIT_RMS_S = 0.02
# samples arriving (silences left out) this many times slower or faster than the configured rate
# are an error once 3 s of arrivals are counted, fit or no fit (a 5 Hz board opened at the default 100)
ARRIVAL_FAR_OFF = 2.5


def rate_text(hz: float) -> str:
    """A rate for a URL hint: three significant digits, no exponent (``1.5``, ``98.8``, ``1000``)."""
    return f"{float(f'{hz:.3g}'):g}"


@dataclass
class Emission:
    """Samples of one side decoded from one :meth:`LineStream.feed`, ready for a chunk.

    Attributes
    ----------
    side : str or None
        ``"left"``/``"right"`` when the stream says, None for the device's side.
    parts : list of (times, seq, values)
        (n,) float64 host s, (n,) int64 sample numbers, (n, S) float32 values, in order.
    gaps : list of dict
        Gaps before these samples (keys of ``sensorkit.recording.GAP_COLUMNS``).
    n_records : int
        Records that carried the samples: lines, text records, or binary samples (a frame
        of several samples counts each), less the repeats dropped.
    extra : dict or None
        Profile extra and IMU fields, name -> (n, k) float64.
    """

    side: str | None
    parts: list
    gaps: list[dict]
    n_records: int
    extra: dict | None = None


def _placed(unplaced: deque, times: np.ndarray, seq: np.ndarray):
    """(times, seq, values, extra) of the oldest unplaced samples, block by block, as a
    sequencer returned their times (whole blocks, in the order they were pushed)."""
    i = 0
    while i < times.shape[0]:
        values, extra = unplaced.popleft()
        j = i + values.shape[0]
        yield times[i:j], seq[i:j], values, extra
        i = j


def _emission(side: str | None, placed: list, gaps: list[dict]) -> Emission | None:
    """One Emission of placed blocks (None when there are none: gaps come with the samples after them)."""
    if not placed:
        return None
    extras = [p[3] for p in placed]
    extra = None
    if all(e is not None for e in extras):
        extra = {k: np.concatenate([e[k] for e in extras]) for k in extras[0]}
    parts = [(t, q, v) for t, q, v, _ in placed]
    return Emission(side, parts, gaps, sum(v.shape[0] for _, _, v in parts), extra)


class LineStream:
    """Decoder and per-side sequencers of a CSV-line or device-profile stream.

    Parameters
    ----------
    mode : {"csv", "profile"}
    url : str
        For messages.
    layout : SensorLayout
        The layout (CSV: gives the number of values per line).
    side : str, optional
        Side of a device whose frames do not say.
    csv_rate_hz, csv_units, csv_scale, csv_clock_bits, csv_tick_us
        CSV-line mode options (see :class:`~sensorkit.devices.device.Device`).
    profile : Profile, optional
        Profile mode: the checked profile.
    tap : CaptureTap, optional
        Where :meth:`ingest` records the received bytes (CSV: line by line; profile: as they
        came, since the profile decoder frames them itself).
    """

    def __init__(self, mode: str, *, url: str, layout: SensorLayout, side: str | None = None,
                 csv_rate_hz: float = 100.0, csv_units: str = "counts", csv_scale: float = 1.0,
                 csv_clock_bits: int | None = None, csv_tick_us: float = 1.0,
                 profile: Profile | None = None, tap: CaptureTap | None = None) -> None:  # fmt: skip
        if mode not in ("csv", "profile"):
            raise ValueError(f"a line stream is 'csv' or 'profile', not {mode!r}")
        self.mode = mode
        self.url = url
        self.layout = layout
        self.side_hint = side
        self.profile = profile
        self.tap = tap
        self._framer = Framer(b"\n") if mode == "csv" else None
        self._first_line = True  # CSV: the first line of each connection is skipped (see ingest)
        self._partial_t = 0.0
        self.seqs: dict[str, SampleSequencer] = {}
        self.counters: dict[str, FrameCounter] = {}  # profiles with a frame counter, per side
        # per side: the Emission side and the (values, extra) of samples pushed and not placed
        # yet (a sequencer holds late samples while it judges whether a pause came first)
        self._unplaced: dict[str, tuple[str | None, deque]] = {}
        #: Samples decoded so far, placed or held (the device's silence check counts them).
        self.samples_decoded = 0
        self._lost = False
        if mode == "profile":
            assert profile is not None
            self.decoder: CsvLineDecoder | ProfileDecoder = ProfileDecoder(profile, side)
            self.rate_hz = profile.rate_hz
            self.units = profile.units
            self.scale = 1.0
            self.clock_bits = profile.timestamp_bits
            self.tick_us = TIME_UNITS[profile.timestamp_unit] if profile.timestamp_unit != "s" else 1.0
        else:
            # PROTOCOL.md 10: the layout gives S, so a partial first line cannot fix the column count
            self.decoder = CsvLineDecoder(layout.n_sensors)
            self.rate_hz = float(csv_rate_hz)
            self.units = csv_units
            self.scale = float(csv_scale)
            self.clock_bits = csv_clock_bits
            self.tick_us = float(csv_tick_us)
        self._scale32 = np.float32(self.scale)
        self._rate_checked = False
        self._spacing: list[float] = []

    # ------------------------------------------------------------------ decoding
    def ingest(self, data: bytes, t: float, side: str) -> list[Emission]:
        """Bytes as read at host time ``t`` (s): recorded to the tap, then decoded (see :meth:`feed`)."""
        record = self.tap.record if self.tap is not None else (lambda *_: None)
        if self._framer is None:  # profile: recorded as they came (replay feeds the same pieces)
            for i in range(0, len(data), MAX_SEGMENT):
                record(REC_RX, t, data[i : i + MAX_SEGMENT])
            return self.feed(data, t, side)
        lines = self._framer.split(data)
        self._partial_t = t
        for line in lines:
            record(REC_RX, t, line)
        if lines and self._first_line:
            # PROTOCOL.md 10: the first line of a connection may be the tail of a line cut by
            # the attach (even one that parses, e.g. cut right after its timestamp): skip it
            self._first_line = False
            lines = lines[1:]
        return self.feed(b"".join(lines), t, side) if lines else []

    def record_partial(self) -> None:
        """CSV: record the partial line the framer holds (cut by a lost link or by close), and forget it."""
        tail = self._framer.take_pending() if self._framer is not None else b""
        if tail and self.tap is not None:
            self.tap.record(REC_RX, self._partial_t, tail)

    def feed(self, data: bytes, t: float, side: str) -> list[Emission]:
        """Decode ``data`` (CSV: whole lines; profile: any bytes) that arrived at host time ``t``.

        Parameters
        ----------
        data : bytes
            The bytes.
        t : float
            Their arrival time (s, host clock).
        side : str
            The device's side, for streams that do not say.

        Raises
        ------
        DeviceError
            CSV: the board's timestamps say another rate than the configured one.
        """
        if self.mode == "profile":
            assert isinstance(self.decoder, ProfileDecoder)
            out = [
                self._sequence(s, blk.values, blk.ticks, t, blk.extra, side=s, counter=blk.counter)
                for s, blk in self.decoder.feed(data).items()
            ]
            return [em for em in out if em is not None]  # None: every sample a repeat
        assert isinstance(self.decoder, CsvLineDecoder)
        samples = self.decoder.feed(data)
        n = samples.n_samples
        if n == 0:
            return []
        values = samples.values.astype(np.float32)
        if self._scale32 != 1.0:
            values *= self._scale32
        em = self._sequence(side, values, samples.timestamps_us, t, None, side=None)
        return [] if em is None else [em]

    def _sequence(self, seq_side: str, values: np.ndarray, ticks: np.ndarray | None, t: float, extra: dict | None,
                  *, side: str | None, counter: np.ndarray | None = None) -> Emission | None:  # fmt: skip
        seqr = self.seqs.get(seq_side)
        if seqr is None:
            seqr = self.seqs[seq_side] = SampleSequencer(
                self.rate_hz, seq_side, self.clock_bits, self.tick_us
            )
            seqr.lost = self._lost
        starts: dict[int, tuple[int | None, str]] = {}
        if counter is not None:  # the frame counter says what was lost or repeated (before unwrapping
            fc = self.counters.get(seq_side)  # the clock: a repeated stamp must not look like a restart)
            if fc is None:
                assert self.profile is not None
                fc = self.counters[seq_side] = FrameCounter(
                    self.profile.sequence_bits, self.profile.samples_per_frame, self.rate_hz
                )
            keep, found = fc.screen(counter, t, seqr.lost)
            if not keep.all():  # repeats dropped (counted by the frame counter)
                values = values[keep]
                ticks = None if ticks is None else ticks[keep]
                extra = {k: v[keep] for k, v in extra.items()} if extra else extra
            starts = {a: (n_missing, reason) for a, n_missing, reason in found}
        dev_us = None
        if ticks is not None and ticks.shape[0]:
            dev_us = seqr.device_us(ticks)  # a counter that wraps at its width continues
            if self.mode == "csv":
                self._check_rate(dev_us, seqr.last_dev_us)
        if values.shape[0] == 0:
            return None
        self.samples_decoded += values.shape[0]
        unplaced = self._unplaced.setdefault(seq_side, (side, deque()))[1]
        placed: list = []
        gaps: list[dict] = []
        cuts = {0, values.shape[0], *starts}
        if dev_us is not None:
            cuts.update(x for r in seqr.split(dev_us) for x in r)
        bounds = sorted(cuts)
        for a, b in itertools.pairwise(bounds):
            unplaced.append((values[a:b], {k: v[a:b] for k, v in extra.items()} if extra else None))
            times, seq, new_gaps = seqr.push(values[a:b], None if dev_us is None else dev_us[a:b], t,
                                             counted=counter is not None, gap=starts.get(a))  # fmt: skip
            placed.extend(_placed(unplaced, times, seq))
            gaps.extend(new_gaps)
        self._lost = False
        if dev_us is None:
            self._check_arrival_rate(seqr)
        return _emission(side, placed, gaps)

    def flush_held(self, now: float | None = None) -> list[Emission]:
        """The samples the sequencers still hold, placed on their lines: at the end of a stream,
        before a lost link's gap (see :meth:`SampleSequencer.push`), or, given ``now`` (host s),
        those of the sides silent for longer than a late block may be late
        (:meth:`SampleSequencer.held_silent`: a live stream that stops after a pause)."""
        out = []
        for seq_side, seqr in self.seqs.items():
            if not seqr.n_held or (now is not None and not seqr.held_silent(now)):
                continue
            side, unplaced = self._unplaced[seq_side]
            times, seq, gaps = seqr.flush()
            em = _emission(side, list(_placed(unplaced, times, seq)), gaps)
            if em is not None:
                out.append(em)
        return out

    def _check_rate(self, stamps: np.ndarray, last_dev_us: int | None) -> None:
        """Compare the board's timestamp spacing with the configured rate once.

        Gaps and sample numbers are counted in periods of ``rate``; a board at another rate
        would show a gap on every line, so a mismatch of more than 20% is the caller's error.
        """
        if self._rate_checked:
            return
        d = np.diff(stamps.astype(np.float64), prepend=np.float64(last_dev_us or stamps[0]))
        self._spacing.extend(d[d > 0].tolist())
        if len(self._spacing) < RATE_CHECK_SAMPLES:
            return
        self._rate_checked = True
        board_hz = 1e6 / float(np.median(self._spacing))
        if abs(board_hz - self.rate_hz) > RATE_TOLERANCE * self.rate_hz:
            raise self._wrong_rate("the board's timestamps say", board_hz)

    def _check_arrival_rate(self, seqr: SampleSequencer) -> None:
        """Compare the rate samples without a device clock arrive at with the configured one, once.

        The samples are numbered and their gaps counted in periods of the configured rate, so
        a rate more than 20 % off (fitted) or 2.5 times off (however late the samples arrive,
        silences left out) is the caller's error, as for a board's timestamps. Too slow
        needs the median time per sample between blocks to say so too: an insole that sends
        only while loaded arrives at a third of its rate over a run (0.25 s stances, 0.45 s
        swings: shorter than the silences left out), yet at its rate while loaded.
        """
        clock = seqr.arrival
        if self._rate_checked:
            return
        if clock.active_s >= ARRIVAL_RATE_CHECK_S and clock.active_samples > 0:
            arriving_hz = clock.active_samples / clock.active_s  # however late: a board far off
            too_slow = arriving_hz * ARRIVAL_FAR_OFF <= self.rate_hz
            if too_slow:
                median = clock.median_interval_s
                too_slow = median is not None and median * self.rate_hz >= ARRIVAL_FAR_OFF
            if too_slow or arriving_hz >= ARRIVAL_FAR_OFF * self.rate_hz:
                self._rate_checked = True
                raise self._wrong_rate("samples arrive at", arriving_hz)
        if clock.fit_period_s is None or clock.fit_span_s < ARRIVAL_RATE_CHECK_S:
            return
        if clock.fit_rms_s > max(ARRIVAL_FIT_RMS_PERIODS * clock.nominal_period_s, ARRIVAL_FIT_RMS_S):
            return  # arrivals too scattered about any one line to say (judged again at the next fit)
        self._rate_checked = True
        board_hz = 1.0 / clock.fit_period_s if clock.fit_period_s > 0 else 0.0
        if abs(board_hz - self.rate_hz) > RATE_TOLERANCE * self.rate_hz:
            raise self._wrong_rate("samples arrive at", board_hz)

    def _wrong_rate(self, says: str, board_hz: float) -> DeviceError:
        """The error of a board whose rate is not the configured one, with the URL option that fixes it."""
        return DeviceError(
            f"{self.url}: {says} {board_hz:.4g} Hz but the rate is {self.rate_hz:g} Hz",
            hint=f"add &rate={rate_text(board_hz)} to the URL",
        )

    # ------------------------------------------------------------------ link, description
    def link_lost(self) -> None:
        """The link was lost: the next samples of every side follow a gap; a partial frame is recorded and dropped."""
        self.record_partial()
        self._first_line = True
        self._lost = True
        for seqr in self.seqs.values():
            seqr.lost = True
        if isinstance(self.decoder, ProfileDecoder):
            self.decoder.reconnected()

    def describe(self, url: str, transport: str) -> DeviceDescription:
        """What the device is, from the URL options (CSV) or the profile."""
        layout = self.layout
        if self.profile is not None:
            p = self.profile
            side = self.side_hint or ("both" if set(p.pressure) == {"left", "right"} else "unknown")
            n = p.n_sensors
        else:
            side = self.side_hint or "unknown"
            n = layout.n_sensors
        return DeviceDescription(
            url=url, transport=transport, side=side, mode=self.mode, sensor_count=n, sample_rate_hz=self.rate_hz,
            units=self.units, value_scale=self.scale, layout=layout.name, layout_id=layout.layout_id,
        )  # fmt: skip

    @property
    def duplicates(self) -> int:
        """Samples dropped as repeats of samples already delivered (profiles with a frame counter)."""
        return sum(fc.duplicates for fc in self.counters.values())

    @property
    def time_back(self) -> int:
        """Blocks placed after a restart whose mapped times would have gone back."""
        return sum(seqr.time_back for seqr in self.seqs.values())

    @property
    def records_ok(self) -> int:
        """Lines (CSV) or frames (profile) that gave samples."""
        st = self.decoder.stats
        return st.frames_ok if isinstance(st, ProfileStats) else st.samples_ok

    @property
    def records_bad(self) -> int:
        """Lines or frames rejected."""
        st = self.decoder.stats
        return st.bad_frames if isinstance(st, ProfileStats) else st.bad_lines

    @property
    def profile_stats(self) -> ProfileStats | None:
        """Profile mode: the decoder's counters of rejected bytes (rate, first offending bytes)."""
        st = self.decoder.stats
        return st if isinstance(st, ProfileStats) else None
