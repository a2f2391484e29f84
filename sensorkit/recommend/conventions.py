"""The numbers the recommender uses, each with its source or marked as a sensorkit convention.

No value here was fitted on the simulator. Published figures carry their reference; values
without one are sensorkit conventions, stated as such wherever they appear in advice.
"""

from __future__ import annotations

__all__ = [
    "CADENCE_INCREASE_FRAC",
    "LOW_RUNNING_CADENCE_SPM",
    "MIN_RATE_HZ_LOADING",
    "PAIN_MODERATE_MIN",
    "PAIN_SEVERE_MIN",
    "PERSISTENT_PAIN_WEEKS",
    "REPLACE_BUDGET_KM",
    "REPLACE_MONTHS",
    "VALR_HIGH_BW_S",
]

#: Force-plate VALR above which Davis et al. 2016 found higher injury odds (BW/s). Insoles read
#: lower than force plates, so a value below it says little; one above it is still indicative.
VALR_HIGH_BW_S = 66.0
#: Running cadence below which a gradual increase is mentioned (steps/min). sensorkit
#: convention: below the 160-180 steps/min usual for recreational runners at training pace.
LOW_RUNNING_CADENCE_SPM = 160.0
#: Step-rate increase studied by Heiderscheit et al. 2011 (fractions).
CADENCE_INCREASE_FRAC = (0.05, 0.10)
#: Sampling rate below which loading rates are not interpreted (Hz): Renner et al. 2019 suggest
#: about 200 Hz for insole loading rates; the analysis also marks each value's reliability.
MIN_RATE_HZ_LOADING = 200.0
#: Pain on the 0-10 numeric rating scale: 4-6 moderate, 7-10 severe (the usual bands, e.g.
#: Serlin et al. 1995, Pain 61:277); a prompt to seek advice, not a clinical cut-off.
PAIN_MODERATE_MIN = 4.0
PAIN_SEVERE_MIN = 7.0
#: Pain lasting this many weeks counts as persistent (sensorkit convention: back pain beyond
#: 6 weeks is no longer acute in the usual acute / subacute / chronic split).
PERSISTENT_PAIN_WEEKS = 6.0
#: Replace insoles every 6-12 months (the insole guide).
REPLACE_MONTHS = (6.0, 12.0)
#: Distance after which cushioning is assumed spent, km (sensorkit convention, from shoe-wear
#: guidance of roughly 500-800 km; not a measured insole life).
REPLACE_BUDGET_KM = 800.0
