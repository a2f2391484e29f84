"""Insole recommender: advice gated by what a recording supports, graded by its evidence; insole trials.

>>> import sensorkit as sk
>>> res = sk.analyze(sk.simulate(duration_s=20, seed=2, rate_hz=500))
>>> adv = sk.recommend(res, arch="neutral", arch_source="clinician")
>>> adv.activity
'running'

* :func:`recommend` -- advice for the recording's activity: comfort-first cushioning, loading rate
  and cadence (running), arch support from the arch type the user *states*, a description of the
  measured foot loading relative to the layout's uniform load (never a foot type), flagged
  left-right differences, the guide's caveats, and referral only from reported pain. Every
  item carries its measured numbers, evidence grade and citations; withheld topics say why.
* :func:`compare` -- an insole trial: sessions of one person with different insoles, per-metric
  differences from the baseline with bootstrap intervals over steps, comfort ratings, and the
  most comfortable option that does not worsen loading or asymmetry.

Rules, gates and sources: docs/methods.md "Recommendation".
"""

from sensorkit.recommend.advice import Advice, Measure, Suppressed
from sensorkit.recommend.api import recommend
from sensorkit.recommend.baseline import layout_coverage, uniform_baseline
from sensorkit.recommend.compare import Comparison, compare
from sensorkit.recommend.evidence import CITATIONS, GRADES, Citation
from sensorkit.recommend.result import Recommendation
from sensorkit.recommend.runner import ARCH_TYPES, SURFACES, RunnerProfile

__all__ = [
    "ARCH_TYPES",
    "CITATIONS",
    "GRADES",
    "SURFACES",
    "Advice",
    "Citation",
    "Comparison",
    "Measure",
    "Recommendation",
    "RunnerProfile",
    "Suppressed",
    "compare",
    "layout_coverage",
    "recommend",
    "uniform_baseline",
]
