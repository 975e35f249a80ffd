"""JSON-safe copies of result values, shared by the ``as_dict()`` methods of the core.

A leaf of :mod:`runform.core`: it imports only :mod:`math` and numpy, so any core
module can use it.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

import numpy as np


def json_safe(value: Any) -> Any:
    """JSON-ready copy: NaN/inf floats -> None, numpy scalars -> Python, tuples -> lists.

    Dicts, lists and tuples are copied recursively; any other value is returned as it is.
    """
    if isinstance(value, dict):
        return {k: json_safe(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [json_safe(v) for v in value]
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


def nan_to_none(fields: Mapping[str, Any]) -> dict[str, Any]:
    """Shallow copy of ``fields`` with every NaN or infinite float as None.

    Only the top level is looked at: other values (containers and numpy arrays
    included) are kept as they are.
    """
    return {
        k: (None if isinstance(v, float) and not math.isfinite(v) else v) for k, v in fields.items()
    }
