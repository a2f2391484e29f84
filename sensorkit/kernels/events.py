"""Contact (initial contact) and toe-off detection: a threshold state machine with hysteresis
that bridges short holes in the data.

Definitions (docs/methods.md "Gait events"): contact when the (low-passed, baseline-corrected)
total force F rises above the on-threshold and stays up for ``min_on_frames``; toe-off when F
falls below the off-threshold (hysteresis) and stays down for ``min_off_frames``.

Precisely, per frame k with force F[k]:

* **off**: a contact candidate starts at the first k with F[k] >= on; it is dropped when
  F < off; it is confirmed once the frames from it to the latest frame at or above ``on``
  span ``min_on_frames`` (the contact frame is the candidate's first frame).
* **on**: a toe-off candidate starts at the first k with F[k] < off; it is dropped when
  F >= on; it is confirmed once it has lasted ``min_off_frames`` frames. The toe-off frame
  is the first frame after the last frame at or above the **on**-threshold, so contact and
  toe-off are both timed at the same threshold and the hysteresis only decides *whether*
  the foot left the ground.
* **Holes**: a missing frame (NaN), or ``missing_before[k]`` frames absent from the time axis
  before frame k, make a hole. A hole of at most ``max_bridge_frames`` is bridged: the
  machine carries on as if the hole were not there (segmentation only; nothing is filled in),
  and the stance gets :data:`FLAG_BRIDGED`. A longer hole ends a stance in progress at its
  toe-off candidate or at the hole, with :data:`FLAG_GAP`, and drops any candidate.
* An event that falls inside a bridged hole (contact right after a hole the foot entered
  unloaded, toe-off right before a hole it left loaded) has an unknown time:
  :data:`FLAG_EVENT_IN_HOLE`, with :data:`FLAG_CONTACT_IN_HOLE` or :data:`FLAG_TOE_OFF_IN_HOLE`
  saying which (a stride needs only contacts). A contact right after a long hole gets :data:`FLAG_GAP`.
  A stance already under way at the first valid frame (even after missing frames at the very
  start) is :data:`FLAG_TRUNCATED`.
  A stance whose candidate began at the very first frame is :data:`FLAG_TRUNCATED`.

The machine's state lives in a small int64 array, so the same kernel serves batch analysis
(one call over the whole recording) and streaming (one call per chunk) with identical events.
A stance still open at the end of the data is not reported.
"""

from __future__ import annotations

import numba
import numpy as np

__all__ = [
    "FLAG_BRIDGED",
    "FLAG_CONTACT_IN_HOLE",
    "FLAG_EVENT_IN_HOLE",
    "FLAG_GAP",
    "FLAG_OPEN_END",
    "FLAG_TOE_OFF_IN_HOLE",
    "FLAG_TRUNCATED",
    "STATE_SIZE",
    "detect_contacts",
    "new_event_state",
    "open_stance",
]

#: Step flag bit: a hole too long to bridge ended the stance, or came right before its contact.
FLAG_GAP = 1
#: Step flag bit: the stance was already under way at the first frame of the data.
FLAG_TRUNCATED = 2
#: Step flag bit: a short hole inside the stance was bridged (metrics over it are not measured).
FLAG_BRIDGED = 4
#: Step flag bit: contact or toe-off fell inside a bridged hole: the stance exists, its time is unknown.
FLAG_EVENT_IN_HOLE = 8
#: Step flag bit: the data ended during the stance (reported by :func:`open_stance`).
FLAG_OPEN_END = 16
#: Step flag bit (with :data:`FLAG_EVENT_IN_HOLE`): it is the contact that fell inside the hole.
FLAG_CONTACT_IN_HOLE = 32
#: Step flag bit (with :data:`FLAG_EVENT_IN_HOLE`): it is the toe-off that fell inside the hole.
FLAG_TOE_OFF_IN_HOLE = 64

#: Length of the state array.
STATE_SIZE = 12
(
    _MODE,
    _CAND,
    _CONTACT,
    _FLAGS,
    _PREV_INVALID,
    _CAND_FLAGS,
    _LAST_ON,
    _RUN,
    _RUN_START,
    _HOLE_START,
    _N_LONG,
    _CONTACT_N_LONG,
) = range(STATE_SIZE)
_OFF, _ON = 0, 1


def new_event_state() -> np.ndarray:
    """A fresh state array for :func:`detect_contacts` (foot off, no candidate, no history)."""
    state = np.zeros(STATE_SIZE, dtype=np.int64)
    state[_CAND] = -1
    state[_CONTACT] = -1
    state[_PREV_INVALID] = 2  # 2 = nothing seen yet (start of data), 1 = after a long hole
    state[_HOLE_START] = -2
    return state


@numba.njit(cache=True, nogil=True)
def detect_contacts(
    force_n: np.ndarray,
    missing_before: np.ndarray,
    first_index: int,
    on_threshold_n: float,
    off_threshold_n: float,
    min_on_frames: int,
    min_off_frames: int,
    max_bridge_frames: int,
    state: np.ndarray,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Run the contact state machine over a block of frames.

    Parameters
    ----------
    force_n : ndarray, shape (n,), float32
        Low-passed, baseline-corrected total force in N (NaN = missing frame).
    missing_before : ndarray, shape (n,), int64
        Frames absent from the time axis just before each frame (0 normally; a time jump of
        ``d`` seconds at rate ``r`` is ``round(d r) - 1``).
    first_index : int
        Global frame index of ``force_n[0]`` (0 for a whole recording).
    on_threshold_n, off_threshold_n : float
        Contact and toe-off thresholds in N (off <= on).
    min_on_frames, min_off_frames : int
        Frames the force must stay up (contact) or down (toe-off), >= 1.
    max_bridge_frames : int
        Longest hole (frames) bridged for segmentation; 0 bridges nothing.
    state : ndarray, shape (STATE_SIZE,), int64
        Machine state from :func:`new_event_state` or a previous call; updated in place.

    Returns
    -------
    contact_index, toe_off_index : ndarray of int64
        Global frame indices of the stances completed in this block: contact frame (first
        frame of the stance) and toe-off frame (first frame after it).
    flags : ndarray of int64
        Bit set of :data:`FLAG_GAP`, :data:`FLAG_TRUNCATED`, :data:`FLAG_BRIDGED` and
        :data:`FLAG_EVENT_IN_HOLE`.
    long_holes : ndarray of int64
        Holes too long to bridge seen since the start of the data, counted at each contact:
        two stances with different counts have missing data between their contacts.
    """
    n = force_n.shape[0]
    cap = n // 2 + 2
    starts = np.empty(cap, dtype=np.int64)
    stops = np.empty(cap, dtype=np.int64)
    flags = np.empty(cap, dtype=np.int64)
    holes = np.empty(cap, dtype=np.int64)
    m = 0
    on = np.float32(on_threshold_n)
    off = np.float32(off_threshold_n)
    for k in range(n):
        g = first_index + k
        f = force_n[k]
        hole = missing_before[k]
        if f != f:
            hole += 1
        if hole > 0:
            before = state[_RUN]
            if before == 0:
                state[_RUN_START] = g
            state[_RUN] = before + hole
            if before <= max_bridge_frames < state[_RUN]:  # the hole just became too long
                if state[_MODE] == _ON:
                    end = state[_CAND] if state[_CAND] >= 0 else state[_RUN_START]
                    starts[m] = state[_CONTACT]
                    stops[m] = end
                    flags[m] = state[_FLAGS] | FLAG_GAP
                    holes[m] = state[_CONTACT_N_LONG]
                    m += 1
                    state[_MODE] = _OFF
                state[_CAND] = -1
                if state[_PREV_INVALID] != 2:  # before the first valid frame it stays "start of data"
                    state[_PREV_INVALID] = 1
                state[_N_LONG] += 1
            if f != f:
                continue
        just_bridged = False
        if state[_RUN] > 0:
            if state[_RUN] <= max_bridge_frames:
                just_bridged = True
                # only a hole right after the last loaded frame can hold the toe-off: a later
                # short hole must not replace it before the toe-off is confirmed
                if state[_RUN_START] == state[_LAST_ON] + 1:
                    state[_HOLE_START] = state[_RUN_START]
                if state[_MODE] == _ON:
                    state[_FLAGS] |= FLAG_BRIDGED
                elif state[_CAND] >= 0:
                    state[_CAND_FLAGS] |= FLAG_BRIDGED
            state[_RUN] = 0
        prev_invalid = state[_PREV_INVALID]
        state[_PREV_INVALID] = 0
        if state[_MODE] == _OFF:
            if state[_CAND] < 0:
                if f >= on:
                    state[_CAND] = g
                    cf = 0
                    if prev_invalid == 2:
                        cf = FLAG_TRUNCATED  # loaded at the first valid frame of the data
                    elif prev_invalid == 1:
                        cf = FLAG_GAP  # the contact may lie anywhere in a long hole
                    elif just_bridged:
                        # the contact lies inside the short hole
                        cf = FLAG_EVENT_IN_HOLE | FLAG_CONTACT_IN_HOLE
                    state[_CAND_FLAGS] = cf
            elif f < off:
                state[_CAND] = -1
            if state[_CAND] >= 0 and f >= on:
                state[_LAST_ON] = g
            if state[_CAND] >= 0 and state[_LAST_ON] - state[_CAND] + 1 >= min_on_frames:
                state[_MODE] = _ON
                state[_CONTACT] = state[_CAND]
                state[_CONTACT_N_LONG] = state[_N_LONG]
                state[_FLAGS] = state[_CAND_FLAGS]
                state[_CAND] = -1
        else:
            if f >= on:
                state[_LAST_ON] = g
            if state[_CAND] < 0:
                if f < off:
                    state[_CAND] = g
            elif f >= on:
                state[_CAND] = -1
            if state[_CAND] >= 0 and g - state[_CAND] + 1 >= min_off_frames:
                stop = state[_LAST_ON] + 1
                fl = state[_FLAGS]
                if stop == state[_HOLE_START]:
                    fl |= FLAG_EVENT_IN_HOLE | FLAG_TOE_OFF_IN_HOLE  # the foot left inside the hole
                starts[m] = state[_CONTACT]
                stops[m] = stop
                flags[m] = fl
                holes[m] = state[_CONTACT_N_LONG]
                m += 1
                state[_MODE] = _OFF
                state[_CAND] = -1
    return starts[:m].copy(), stops[:m].copy(), flags[:m].copy(), holes[:m].copy()


@numba.njit(cache=True, nogil=True)
def refine_events(
    force_n: np.ndarray, starts: np.ndarray, stops: np.ndarray, on_threshold_n: float, half_width: int
) -> tuple[np.ndarray, np.ndarray]:
    """Re-time events found on the low-passed force on the unfiltered force.

    A moving average of 2h + 1 frames leads a sharp contact and lags a toe-off by up to h
    frames. Within h frames of each event: contact moves to the start of the run of unfiltered
    frames at or above the threshold that reaches ``contact + h``; toe-off to the frame after
    the run that starts at ``toe_off - h - 1``. Used only when the unfiltered noise is small
    against the threshold (``SideContext.refine_events``). An event whose run does not reach
    the search edge (noise at the threshold) keeps its low-pass time.

    Parameters
    ----------
    force_n : ndarray, shape (n,), float32
        Unfiltered, baseline-corrected total force in N (NaN = missing).
    starts, stops : ndarray of int64, shape (m,)
        Stances [contact, toe-off) from :func:`detect_contacts`, indices into ``force_n``.
    on_threshold_n : float
    half_width : int

    Returns
    -------
    starts, stops : ndarray of int64
        Re-timed copies (a stance never shrinks below one frame).
    """
    n = force_n.shape[0]
    m = starts.shape[0]
    out_s = starts.copy()
    out_e = stops.copy()
    on = np.float32(on_threshold_n)
    if half_width <= 0:
        return out_s, out_e
    for s in range(m):
        c = starts[s]
        e = stops[s]
        k = min(c + half_width, e - 1, n - 1)
        if k >= 0 and force_n[k] >= on:
            lo = max(c - half_width, 0)
            while k - 1 >= lo and force_n[k - 1] >= on:
                k -= 1
            out_s[s] = k
        j = max(e - half_width - 1, out_s[s])
        if j < n and force_n[j] >= on:
            hi = min(e + half_width - 1, n - 1)
            while j + 1 <= hi and force_n[j + 1] >= on:
                j += 1
            out_e[s] = min(j + 1, n - 1)  # a toe-off frame must exist
    return out_s, out_e


def open_stance(state: np.ndarray, last_index: int) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """The stance still under way when the data ends, as a one-row result of
    :func:`detect_contacts` (toe-off = ``last_index``, :data:`FLAG_OPEN_END`), or empty arrays.

    Every stance stays in the steps table (docs/methods.md), including one the end of the data cut.
    """
    if state[_MODE] != _ON or state[_CONTACT] < 0 or last_index <= state[_CONTACT]:
        empty = np.zeros(0, dtype=np.int64)
        return empty, empty.copy(), empty.copy(), empty.copy()
    return (
        np.array([state[_CONTACT]], dtype=np.int64),
        np.array([last_index], dtype=np.int64),
        np.array([state[_FLAGS] | FLAG_OPEN_END], dtype=np.int64),
        np.array([state[_CONTACT_N_LONG]], dtype=np.int64),
    )
