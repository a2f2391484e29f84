"""One conversion of sensorkit values to JSON-ready Python objects, used by every JSON output.

Rules (the same for analysis results, recommendations, reports, exports and file headers):

* NumPy and Python booleans -> ``bool``; integers -> ``int``; floats -> ``float``, with NaN
  and +/-inf -> ``None`` (JSON has no NaN; ``json.dumps(..., allow_nan=False)`` then holds);
* ``dict`` -> ``dict`` with ``str`` keys; ``list``/``tuple``/``set``/NumPy arrays -> ``list``;
* pandas DataFrames -> list of row dicts; Series -> dict; missing values (``pd.NA``, ``NaT``) -> ``None``;
* dates and times -> ISO 8601 text; paths -> text;
* objects with ``to_dict()`` -> their dict; dataclasses -> their fields;
* anything else -> ``str(value)``.

>>> import numpy as np
>>> to_jsonable({"a": np.float32(1.5), "b": np.nan, "c": (np.int64(2), True), 3: "x"})
{'a': 1.5, 'b': None, 'c': [2, True], '3': 'x'}
"""

from __future__ import annotations

import dataclasses
import datetime as _dt
import math
from pathlib import PurePath
from typing import Any

import numpy as np
import pandas as pd

__all__ = ["to_jsonable"]


def to_jsonable(value: Any) -> Any:
    """``value`` as plain JSON types (see the module rules); never raises for odd objects.

    Examples
    --------
    >>> import pandas as pd
    >>> to_jsonable(pd.DataFrame({"x": [1.0, float("nan")]}))
    [{'x': 1.0}, {'x': None}]
    """
    if value is None or isinstance(value, str):
        return value
    if isinstance(value, (bool, np.bool_)):
        return bool(value)
    if isinstance(value, (int, np.integer)):
        return int(value)
    if isinstance(value, (float, np.floating)):
        v = float(value)
        return v if math.isfinite(v) else None
    if isinstance(value, dict):
        return {str(k): to_jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple, set, frozenset)):
        return [to_jsonable(v) for v in value]
    if isinstance(value, np.ndarray):
        return [to_jsonable(v) for v in value.tolist()]
    if isinstance(value, pd.DataFrame):
        return [to_jsonable(r) for r in value.to_dict(orient="records")]
    if isinstance(value, pd.Series):
        return to_jsonable(value.to_dict())
    if isinstance(value, (_dt.datetime, _dt.date, _dt.time)):
        return value.isoformat()
    if isinstance(value, PurePath):
        return str(value)
    if hasattr(value, "to_dict") and callable(value.to_dict):
        return to_jsonable(value.to_dict())
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return to_jsonable(dataclasses.asdict(value))
    try:
        if pd.isna(value):
            return None
    except (TypeError, ValueError):
        pass
    return str(value)
