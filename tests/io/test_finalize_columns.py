"""finalize_columns (the readers' fast path) gives exactly what finalize_streams gives."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from runform.io.common import finalize_columns, finalize_streams


def _columns(kind: str) -> dict[str, object]:
    rng = np.random.default_rng(7)
    n = 400
    secs = np.arange(n, dtype=float)
    if kind == "backwards":
        secs[100], secs[101] = secs[101], secs[100]
    if kind == "repeated":
        secs[200] = secs[199]
    ts = pd.to_datetime(1.7e9 + secs, unit="s", utc=True)
    if kind == "missing":
        ts = ts.where(np.arange(n) != 50)
    lat = 45 + np.cumsum(rng.normal(0, 2e-5, n))
    lat[300] += 0.03  # a GPS spike
    return {
        "timestamp": ts,
        "distance": np.cumsum(np.full(n, 3.2)),
        "speed": np.full(n, 3.2),
        "latitude": lat,
        "longitude": 7 + np.cumsum(rng.normal(0, 2e-5, n)),
        "dev_form_power": rng.normal(60, 3, n),
    }


@pytest.mark.parametrize("kind", ["in order", "backwards", "repeated", "missing"])
@pytest.mark.parametrize("start", [None, pd.Timestamp(1.7e9 - 5, unit="s", tz="UTC")])
def test_same_frame_and_warnings(kind: str, start: pd.Timestamp | None) -> None:
    cols = _columns(kind)
    fast, fast_warnings = finalize_columns(cols, start, "running")
    slow, slow_warnings = finalize_streams(pd.DataFrame(cols), start, "running")
    pd.testing.assert_frame_equal(fast, slow)
    assert fast_warnings == slow_warnings
    assert fast["gps_spike"].sum() == 1  # the planted spike, whichever path ran
