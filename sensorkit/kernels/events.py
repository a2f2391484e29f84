"""Contact (initial contact) and toe-off detection: a threshold state machine with hysteresis.

Definitions (METHODS.md "Gait events"): contact when F rises above the on-threshold and
stays up for ``min_on_frames``; toe-off when F falls below the off-threshold (hysteresis,
default 80 % of the on-threshold) and stays down for ``min_off_frames``.

Precisely, per frame k with force F[k]:

* **off**: a contact candidate starts at the first k with F[k] >= on; it is dropped when
  F < off; it is confirmed once it has lasted ``min_on_frames`` frames (the contact frame is
  the candidate's first frame).
* **on**: a toe-off candidate starts at the first k with F[k] < off; it is dropped when
  F >= on; it is confirmed once it has lasted ``min_off_frames`` frames. The toe-off frame
  is the first frame after the last frame at or above the **on**-threshold, so contact and
  toe-off are both timed at the same threshold (METHODS.md: "below the same threshold") and
  contact time is not lengthened by the hysteresis, which only decides *whether* the foot
  left the ground.
* A missing frame (NaN) ends a stance in progress at that frame with :data:`FLAG_GAP` and drops
  any candidate. A stance whose candidate began right after a missing frame or at the very
  first frame is flagged :data:`FLAG_TRUNCATED` (its true contact may be earlier).

The machine's state lives in a small int64 array, so the same kernel serves batch analysis
(one call over the whole recording) and streaming (one call per chunk) with identical events.
A stance still open at the end of the data is not reported.
"""

from __future__ import annotations

import numba
import numpy as np

__all__ = ["FLAG_GAP", "FLAG_TRUNCATED", "STATE_SIZE", "detect_contacts", "new_event_state"]

#: Step flag bit: the stance touches missing data (ended by a NaN frame, or began right after one).
FLAG_GAP = 1
#: Step flag bit: the stance was already under way at the first frame of the data.
FLAG_TRUNCATED = 2

#: Length of the state array.
STATE_SIZE = 7
_MODE, _CAND, _CONTACT, _FLAGS, _PREV_INVALID, _CAND_FLAGS, _LAST_ON = range(STATE_SIZE)
_OFF, _ON = 0, 1


def new_event_state() -> np.ndarray:
    """A fresh state array for :func:`detect_contacts` (foot off, no candidate, no history)."""
    state = np.zeros(STATE_SIZE, dtype=np.int64)
    state[_CAND] = -1
    state[_CONTACT] = -1
    state[_PREV_INVALID] = 2  # 2 = nothing seen yet (start of data), 1 = previous frame NaN
    return state


@numba.njit(cache=True, nogil=True)
def detect_contacts(
    force_n: np.ndarray,
    first_index: int,
    on_threshold_n: float,
    off_threshold_n: float,
    min_on_frames: int,
    min_off_frames: int,
    state: np.ndarray,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Run the contact state machine over a block of frames.

    Parameters
    ----------
    force_n : ndarray, shape (n,), float32
        Baseline-corrected total force in N (NaN = missing frame).
    first_index : int
        Global frame index of ``force_n[0]`` (0 for a whole recording).
    on_threshold_n, off_threshold_n : float
        Contact and toe-off thresholds in N (off <= on).
    min_on_frames, min_off_frames : int
        Frames the force must stay up (contact) or down (toe-off), >= 1. Contact needs
        ``min_on_frames`` from the first frame at or above the on-threshold to the latest
        one, without falling below the off-threshold in between (METHODS.md: "rises above
        the contact threshold and stays above for at least 50 ms"), so no stance is shorter.
    state : ndarray, shape (STATE_SIZE,), int64
        Machine state from :func:`new_event_state` or a previous call; updated in place.

    Returns
    -------
    contact_index, toe_off_index : ndarray of int64
        Global frame indices of the stances completed in this block: contact frame (first
        frame of the stance) and toe-off frame (first frame after it). A stance ended by a
        missing frame ends at its toe-off candidate, or at the missing frame.
    flags : ndarray of int64
        Bit set of :data:`FLAG_GAP` and :data:`FLAG_TRUNCATED` per stance.
    """
    n = force_n.shape[0]
    cap = n // 2 + 2
    starts = np.empty(cap, dtype=np.int64)
    stops = np.empty(cap, dtype=np.int64)
    flags = np.empty(cap, dtype=np.int64)
    m = 0
    on = np.float32(on_threshold_n)
    off = np.float32(off_threshold_n)
    for k in range(n):
        g = first_index + k
        f = force_n[k]
        if f != f:  # missing frame
            if state[_MODE] == _ON:
                end = state[_CAND] if state[_CAND] >= 0 else g
                starts[m] = state[_CONTACT]
                stops[m] = end
                flags[m] = state[_FLAGS] | FLAG_GAP
                m += 1
                state[_MODE] = _OFF
            state[_CAND] = -1
            state[_PREV_INVALID] = 1
            continue
        prev_invalid = state[_PREV_INVALID]
        state[_PREV_INVALID] = 0
        if state[_MODE] == _OFF:
            if state[_CAND] < 0:
                if f >= on:
                    state[_CAND] = g
                    cf = 0
                    if prev_invalid == 1:
                        cf = FLAG_GAP
                    elif prev_invalid == 2:
                        cf = FLAG_TRUNCATED
                    state[_CAND_FLAGS] = cf
            elif f < off:
                state[_CAND] = -1
            if state[_CAND] >= 0 and f >= on:
                state[_LAST_ON] = g
            # Confirm contact once the force has been at or above the on-threshold over
            # min_on_frames (from the first to the latest such frame, never below off).
            if state[_CAND] >= 0 and state[_LAST_ON] - state[_CAND] + 1 >= min_on_frames:
                state[_MODE] = _ON
                state[_CONTACT] = state[_CAND]
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
                starts[m] = state[_CONTACT]
                stops[m] = state[_LAST_ON] + 1
                flags[m] = state[_FLAGS]
                m += 1
                state[_MODE] = _OFF
                state[_CAND] = -1
    return starts[:m].copy(), stops[:m].copy(), flags[:m].copy()
