"""Reference contact detection: a readable pure-Python version of the state machine
documented in sensorkit.kernels.events, over a whole signal."""

from __future__ import annotations

import math

import numpy as np

FLAG_GAP = 1
FLAG_TRUNCATED = 2


def detect_contacts(force_n, on_threshold_n, off_threshold_n, min_on_frames, min_off_frames):
    """Return (contact_index, toe_off_index, flags) lists over the whole signal."""
    contacts, toe_offs, flags = [], [], []
    on_ground = False
    candidate = None  # first frame of a pending transition
    candidate_flag = 0
    step_flag = 0
    contact = None
    last_on = None  # last frame at or above the on-threshold during the stance
    for k, f in enumerate(np.asarray(force_n, dtype=np.float64)):
        if math.isnan(f):
            if on_ground:
                contacts.append(contact)
                toe_offs.append(candidate if candidate is not None else k)
                flags.append(step_flag | FLAG_GAP)
                on_ground = False
            candidate = None
            continue
        if not on_ground:
            if candidate is None and f >= on_threshold_n:
                candidate = k
                if k == 0:
                    candidate_flag = FLAG_TRUNCATED
                elif math.isnan(force_n[k - 1]):
                    candidate_flag = FLAG_GAP
                else:
                    candidate_flag = 0
            elif candidate is not None and f < off_threshold_n:
                candidate = None
            if candidate is not None and f >= on_threshold_n:
                last_on = k
            if candidate is not None and last_on - candidate + 1 >= min_on_frames:
                on_ground, contact, step_flag, candidate = True, candidate, candidate_flag, None
        else:
            if f >= on_threshold_n:
                last_on = k
            if candidate is None and f < off_threshold_n:
                candidate = k
            elif candidate is not None and f >= on_threshold_n:
                candidate = None
            if candidate is not None and k - candidate + 1 >= min_off_frames:
                contacts.append(contact)
                toe_offs.append(last_on + 1)
                flags.append(step_flag)
                on_ground, candidate = False, None
    return np.array(contacts, dtype=np.int64), np.array(toe_offs, dtype=np.int64), np.array(flags, np.int64)
