"""Best efforts against planted fast segments."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from runform.core.efforts import best_efforts


def _run(speeds: list[tuple[float, float]], hz: float = 1.0) -> pd.DataFrame:
    """Concatenate (duration s, speed m/s) segments into time/distance streams."""
    v = np.concatenate([np.full(round(dur * hz), sp) for dur, sp in speeds])
    t = np.arange(v.size) / hz
    d = np.concatenate([[0.0], np.cumsum(v[:-1] / hz)])
    return pd.DataFrame({"time": t, "distance": d})


def test_a_planted_fast_5k_is_found_exactly() -> None:
    # 20 min easy at 3 m/s, a 5 km effort at 4.2 m/s (1190.48 s), 10 min easy.
    s = _run([(1200, 3.0), (5000 / 4.2, 4.2), (600, 3.0)])
    eff = {e.label: e for e in best_efforts(s)}
    assert eff["5k"].time_s == pytest.approx(5000 / 4.2, abs=1.0)
    assert eff["5k"].start_s == pytest.approx(1200, abs=2)
    assert eff["1k"].time_s == pytest.approx(1000 / 4.2, abs=1.0)
    assert "half_marathon" not in eff  # the run is shorter than 21.1 km


def test_gps_spike_and_implausible_jumps_are_ignored() -> None:
    s = _run([(3000, 3.0)])
    s.loc[1000:, "distance"] += 600.0  # a 600 m jump in one second: GPS artefact
    eff = {e.label: e for e in best_efforts(s)}
    assert eff["1k"].time_s >= 1000 / 3.0 - 1  # the jump does not make a 3-minute km
    s2 = _run([(3000, 3.0)])
    s2["gps_spike"] = False
    s2.loc[1500, "distance"] = 9e9
    s2.loc[1500, "gps_spike"] = True
    assert {e.label: e for e in best_efforts(s2)}["5k"].time_s == pytest.approx(5000 / 3.0, abs=1)
