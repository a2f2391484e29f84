"""Reference contact detection: a readable pure-Python version of the state machine
documented in sensorkit.kernels.events, over a whole signal.

Holes are found first (runs of NaN frames plus frames absent before a frame), then the
state machine walks the valid frames, knowing for each one how long the hole before it was.
"""

from __future__ import annotations

import math

import numpy as np

FLAG_GAP = 1
FLAG_TRUNCATED = 2
FLAG_BRIDGED = 4
FLAG_EVENT_IN_HOLE = 8
FLAG_CONTACT_IN_HOLE = 32
FLAG_TOE_OFF_IN_HOLE = 64


def detect_contacts(
    force_n,
    on_threshold_n,
    off_threshold_n,
    min_on_frames,
    min_off_frames,
    missing_before=None,
    max_bridge_frames=0,
):
    """Return (contact_index, toe_off_index, flags, long_holes) arrays over the whole signal."""
    force = np.asarray(force_n, dtype=np.float64)
    n = force.size
    missing = np.zeros(n, np.int64) if missing_before is None else np.asarray(missing_before, np.int64)
    contacts, toe_offs, flags, holes = [], [], [], []
    n_long = 0  # holes too long to bridge so far
    contact_n_long = 0

    on_ground = False
    candidate = None
    candidate_flag = 0
    step_flag = 0
    contact = None
    last_on = None
    started = False  # any valid frame seen yet
    hole_len = 0  # length of the hole being walked through
    hole_first = None  # frame index where that hole starts (first NaN frame, or the frame after a jump)
    hole_overflowed = False
    bridged_hole_start = None  # start of the last bridged hole

    for k in range(n):
        f = force[k]
        extra = int(missing[k]) + (1 if math.isnan(f) else 0)
        if extra:
            if hole_len == 0:
                hole_first = k
            hole_len += extra
            if hole_len > max_bridge_frames and not hole_overflowed:
                hole_overflowed = True
                if on_ground:
                    contacts.append(contact)
                    toe_offs.append(candidate if candidate is not None else hole_first)
                    flags.append(step_flag | FLAG_GAP)
                    holes.append(contact_n_long)
                    on_ground = False
                candidate = None
                n_long += 1
            if math.isnan(f):
                continue
        after_long_hole = hole_overflowed
        after_bridged_hole = hole_len > 0 and not hole_overflowed
        if after_bridged_hole and last_on is not None and hole_first == last_on + 1:
            bridged_hole_start = hole_first  # a hole that can hold the toe-off (right after loading)
        if after_bridged_hole:
            if on_ground:
                step_flag |= FLAG_BRIDGED
            elif candidate is not None:
                candidate_flag |= FLAG_BRIDGED
        hole_len, hole_overflowed = 0, False
        first_frame = not started
        started = True

        if not on_ground:
            if candidate is None and f >= on_threshold_n:
                candidate = k
                if first_frame:
                    candidate_flag = FLAG_TRUNCATED
                elif after_long_hole:
                    candidate_flag = FLAG_GAP
                elif after_bridged_hole:
                    candidate_flag = FLAG_EVENT_IN_HOLE | FLAG_CONTACT_IN_HOLE
                else:
                    candidate_flag = 0
            elif candidate is not None and f < off_threshold_n:
                candidate = None
            if candidate is not None and f >= on_threshold_n:
                last_on = k
            if candidate is not None and last_on - candidate + 1 >= min_on_frames:
                on_ground, contact, step_flag, candidate = True, candidate, candidate_flag, None
                contact_n_long = n_long
        else:
            if f >= on_threshold_n:
                last_on = k
            if candidate is None and f < off_threshold_n:
                candidate = k
            elif candidate is not None and f >= on_threshold_n:
                candidate = None
            if candidate is not None and k - candidate + 1 >= min_off_frames:
                stop = last_on + 1
                contacts.append(contact)
                toe_offs.append(stop)
                in_hole = stop == bridged_hole_start  # the foot left the ground inside the hole
                flags.append(step_flag | (FLAG_EVENT_IN_HOLE | FLAG_TOE_OFF_IN_HOLE if in_hole else 0))
                holes.append(contact_n_long)
                on_ground, candidate = False, None
    return (
        np.array(contacts, dtype=np.int64),
        np.array(toe_offs, dtype=np.int64),
        np.array(flags, np.int64),
        np.array(holes, np.int64),
    )


def refine_events(force_n, starts, stops, on_threshold_n, half_width):
    """Re-time contact and toe-off on the unfiltered force within +/- h frames (see the kernel)."""
    f = np.asarray(force_n, dtype=np.float32)
    on = np.float32(on_threshold_n)
    new_s, new_e = [], []
    for c, e in zip(starts, stops, strict=True):
        c, e = int(c), int(e)
        if half_width <= 0:
            new_s.append(c)
            new_e.append(e)
            continue
        anchor = min(c + half_width, e - 1, f.size - 1)
        if anchor >= 0 and f[anchor] >= on:
            run = [k for k in range(max(c - half_width, 0), anchor + 1) if all(f[k : anchor + 1] >= on)]
            c = run[0]
        new_s.append(c)
        anchor = max(e - half_width - 1, c)
        if anchor < f.size and f[anchor] >= on:
            top = min(e + half_width - 1, f.size - 1)
            run = [j for j in range(anchor, top + 1) if all(f[anchor : j + 1] >= on)]
            e = min(run[-1] + 1, f.size - 1)
        new_e.append(e)
    return np.array(new_s, dtype=np.int64), np.array(new_e, dtype=np.int64)
