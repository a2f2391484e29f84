"""Default parameters of the calibration layer, in one place, each with its reason.

Every public function takes these as named parameters; change them there, not here.
"""

from __future__ import annotations

#: Standard gravity, m/s^2 (docs/methods.md: body weight = m g with g = 9.81).
G_MPS2 = 9.81

#: Built-in response curves used when a calibration names none.
DEFAULT_RESPONSE = "ref16-fsr"

# -- unloaded (swing / lifted foot) detection from raw counts --------------------------------
#: Window over which the per-sensor baseline (a low percentile of the counts) is taken, s.
#: Long enough to hold several swing phases (a stride is ~0.7-1.2 s), short enough that a
#: slow zero drift (a few counts per minute) does not blur the baseline.
UNLOADED_WINDOW_S = 10.0
#: Percentile of each sensor's counts taken as its baseline within a window. Running and
#: walking keep each foot unloaded 38-65 % of the time, so the 5th percentile is an unloaded
#: reading.
UNLOADED_BASE_PERCENTILE = 5.0
#: A frame is unloaded when its summed excess over the baselines is below this fraction of
#: the window's loaded level (99th percentile of the excess).
UNLOADED_FRACTION = 0.03
#: ... and below this many robust noise standard deviations of the excess.
UNLOADED_NOISE_FACTOR = 8.0
#: Unloaded runs shorter than this are ignored (s); a running swing lasts >= 0.3 s.
UNLOADED_MIN_DURATION_S = 0.10
#: Frames this close to a loaded frame are dropped (s): the sensor relaxes after lift-off.
UNLOADED_MARGIN_S = 0.03
#: A window whose baselines read more than this force (N, nominal curve, whole insole) holds
#: no unloaded phase at all (e.g. quiet standing): no frame of it is marked unloaded.
UNLOADED_MAX_BASE_FORCE_N = 40.0

# -- guided procedure ---------------------------------------------------------------------------
#: Posture must be held this long before a step completes, s.
GUIDED_HOLD_S = 3.0
#: The first part of a held posture is discarded as settling, s.
GUIDED_SETTLE_S = 1.0
#: A step that has not completed after this long fails and the procedure moves on, s.
GUIDED_TIMEOUT_S = 30.0
#: A foot reading less than this share of body weight (nominal curve, no tare) is unloaded.
POSTURE_UNLOADED_BW = 0.05
#: A seated subject loads the resting foot with less than this share of body weight.
POSTURE_SEATED_MAX_BW = 0.5
#: Standing on one foot: that foot carries at least this share of body weight (nominal
#: curve), which tolerates a sensitivity error of about -30 %.
POSTURE_ONE_FOOT_MIN_BW = 0.7
#: Standing on both feet: each foot at least this share, the sum within 0.7-1.3 BW.
POSTURE_BOTH_FEET_MIN_BW = 0.25
POSTURE_TOTAL_RANGE_BW = (0.7, 1.3)

# -- pass/fail limits -----------------------------------------------------------------------------
#: Both-feet check: |gain_L F_L + gain_R F_R - BW| / BW must stay below this (3 %: the
#: typical quiet-standing accuracy expected from insoles against force plates).
BOTH_FEET_TOLERANCE = 0.03
#: A gain outside this range means a wrong response curve or a broken sensor, not a
#: sensitivity error.
GAIN_RANGE = (0.5, 2.0)
#: One insole, standing still on both feet: the share of body weight its foot carries
#: (calibrated) must fall in this range. Healthy adults stand with a small average asymmetry
#: between the legs in quiet standing (Prado-Rico & Duarte 2019, Motor Control 23(4):553-565,
#: 41 adults on two force plates) and aim for half their weight with a mean error of 3.3 %
#: (Bohannon 1989, Percept Mot Skills 69:875-880). A gain taken with the other foot touching
#: (with share p on the insole foot) reads p / 0.5 too high here, so a touch carrying over
#: about 20 % of body weight, or a gain step made on both feet, fails.
ONE_INSOLE_BOTH_FEET_SHARE = (0.4, 0.6)
#: ... and a share further than this from half, though in that range, gets a note: standing
#: evenly, healthy adults aim for half with a mean error of 3.3 % (Bohannon 1989), so more
#: may be the response curves' shape (a maker's board read 40.9 % through curves that made its
#: walking peaks 45 % too high).
ONE_INSOLE_EVEN_TOLERANCE = 0.05
#: Zero drift limit, N/min, as the force error the drift causes at the reference load. 1 N/min
#: is 0.15 % BW/min for a 70 kg subject: about 4 % BW over a 30 min session, beyond which a
#: re-tare during the session is needed.
DRIFT_LIMIT_N_PER_MIN = 1.0
#: Drift is expressed at this load per sensor when no body mass is known, N.
DRIFT_REFERENCE_LOAD_N = 40.0
#: A tare whose unloaded counts scatter more than this (robust sd, counts of a 10-bit ADC) means
#: the foot was not really unloaded or a sensor is noisy (the ADC noise of a good board is ~1
#: count). It scales with the ADC's range (:func:`tare_max_noise_counts`): 32 counts of a 12-bit
#: ESP32 ADC, whose readings scatter by several counts even with a steady input (Espressif,
#: ESP-IDF "Analog to Digital Converter", Minimizing Noise) and failed every guided calibration
#: of a maker's ESP32 insole at sd 15 counts against a fixed 8.
TARE_MAX_NOISE_COUNTS = 8.0


def tare_max_noise_counts(adc_bits: int) -> float:
    """The tare-noise limit (robust sd, counts) for an ADC of ``adc_bits`` bits: the same share
    of its range as :data:`TARE_MAX_NOISE_COUNTS` of a 10-bit one, and never below it.

    Examples
    --------
    >>> [tare_max_noise_counts(b) for b in (8, 10, 12, 16)]
    [8.0, 8.0, 32.0, 512.0]
    """
    return TARE_MAX_NOISE_COUNTS * max(1.0, 2.0 ** (int(adc_bits) - 10))
