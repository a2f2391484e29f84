"""Cohorts: many sessions into one tidy steps table and one sessions table.

``sk.analyze_many(sources, ...)`` analyses every file (in-process, in local processes, or on a
Dask cluster), gives every file a row (a failure becomes an error row, never a stop), and can
write the results incrementally as a partitioned Parquet dataset that a stopped run resumes.
Schema: :data:`SESSION_COLUMNS` and :data:`STEP_KEY_COLUMNS` + the steps table's columns
(docs/cohorts.md).
"""

from sensorkit.cohort.api import Cohort, analyze_many, read_cohort
from sensorkit.cohort.job import SESSION_COLUMNS, SESSION_METRICS, STEP_KEY_COLUMNS
from sensorkit.cohort.sources import resolve_sources

__all__ = [
    "SESSION_COLUMNS",
    "SESSION_METRICS",
    "STEP_KEY_COLUMNS",
    "Cohort",
    "analyze_many",
    "read_cohort",
    "resolve_sources",
]
