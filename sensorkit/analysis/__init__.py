"""Batch and streaming gait analysis: per-step tables, COP, summaries, asymmetry.

>>> import sensorkit as sk
>>> res = sk.analyze(sk.simulate(duration_s=10, seed=1))
>>> res.steps.columns[:4].tolist()
['side', 't_contact_s', 't_toe_off_s', 'contact_time_s']
"""

from sensorkit.analysis.batch import analyze
from sensorkit.analysis.params import AnalysisParams
from sensorkit.analysis.result import Analysis
from sensorkit.analysis.streaming import StreamingAnalyzer, StreamUpdate

__all__ = ["Analysis", "AnalysisParams", "StreamUpdate", "StreamingAnalyzer", "analyze"]
