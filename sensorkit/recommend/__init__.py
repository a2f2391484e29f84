"""Insole recommender: arch type, pronation and loading -> arch support, cushioning, rigidity, materials.

>>> import sensorkit as sk
>>> res = sk.analyze(sk.simulate(duration_s=20, seed=2, foot_type="high", body_mass_kg=55))
>>> adv = sk.recommend(res, surface="track")
>>> adv.cushioning.choice
'soft'

Rules: docs/methods.md "Recommendation rules" (:mod:`sensorkit.recommend.rules`); thresholds as
data with sources: ``thresholds.json`` (:mod:`sensorkit.recommend.thresholds`); the
sparse-insole cut-points are calibrated on simulated cohorts by
``benchmarks/recommend_cohort.py``.
"""

from sensorkit.recommend.api import recommend
from sensorkit.recommend.classify import Call, Classification, SideClassification, classify
from sensorkit.recommend.features import Indicators, SideIndicators, extract_indicators
from sensorkit.recommend.findings import Finding
from sensorkit.recommend.items import Item
from sensorkit.recommend.result import Recommendation
from sensorkit.recommend.runner import SURFACES, RunnerProfile
from sensorkit.recommend.thresholds import Cutpoints, Threshold, Thresholds, load_thresholds

__all__ = [
    "SURFACES",
    "Call",
    "Classification",
    "Cutpoints",
    "Finding",
    "Indicators",
    "Item",
    "Recommendation",
    "RunnerProfile",
    "SideClassification",
    "SideIndicators",
    "Threshold",
    "Thresholds",
    "classify",
    "extract_indicators",
    "load_thresholds",
    "recommend",
]
