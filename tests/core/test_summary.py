"""Totals recomputed from streams, against planted values."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from runform.core.summary import ascent_m, compute_totals
from runform.schema import EVENTS, empty_frame

START = pd.Timestamp("2026-03-01T08:00:00Z")


def _streams(t: np.ndarray, **cols: np.ndarray) -> pd.DataFrame:
    return pd.DataFrame({"time": t, "timestamp": START + pd.to_timedelta(t, unit="s"), **cols})


def test_a_planted_pause_is_excluded_from_timer_and_moving_time() -> None:
    # 0-599 s running at 3 m/s, paused 600-899 (no samples), 900-1499 running again.
    t = np.concatenate([np.arange(0, 600), np.arange(900, 1500)]).astype(float)
    dist = np.concatenate([np.arange(0, 600) * 3.0, 1800 + np.arange(0, 600) * 3.0])
    s = _streams(t, distance=dist, speed=np.full(t.size, 3.0), cadence=np.full(t.size, 172.0))
    events = pd.DataFrame(
        {
            "timestamp": [
                START,
                START + pd.Timedelta(seconds=600),
                START + pd.Timedelta(seconds=900),
                START + pd.Timedelta(seconds=1500),
            ],
            "event": ["timer"] * 4,
            "event_type": ["start", "stop_all", "start", "stop_all"],
            "data": [None] * 4,
        }
    )
    tot = compute_totals(s, events)
    assert tot.timer_time_s == pytest.approx(1200.0)
    assert tot.elapsed_time_s == pytest.approx(1499.0)
    assert tot.moving_time_s == pytest.approx(1200.0, abs=10.0)
    assert tot.distance_m == pytest.approx(1800 + 599 * 3.0)
    # Without events, the 300 s gap still counts as a pause.
    assert compute_totals(s, empty_frame(EVENTS)).timer_time_s == pytest.approx(1499.0 - 301.0)


def test_standing_still_with_zero_cadence_does_not_lower_the_average() -> None:
    t = np.arange(0, 400, dtype=float)
    cad = np.where(t < 300, 176.0, 0.0)
    tot = compute_totals(
        _streams(t, cadence=cad, speed=np.where(t < 300, 3.2, 0.0)), empty_frame(EVENTS)
    )
    assert tot.avg_cadence_spm == pytest.approx(176.0)
    assert tot.moving_time_s == pytest.approx(300.0)


def test_smart_recording_gaps_are_weighted_by_interval() -> None:
    # 100 s at 160 spm sampled every 1 s, then 100 s at 180 spm sampled every 5 s:
    # the time-weighted mean is 170, a per-sample mean would be ~163.
    t = np.concatenate([np.arange(0, 100, 1.0), np.arange(100, 200, 5.0)])
    cad = np.where(t < 100, 160.0, 180.0)
    tot = compute_totals(_streams(t, cadence=cad), empty_frame(EVENTS))
    assert tot.avg_cadence_spm == pytest.approx(170.0, abs=0.5)


def test_ascent_ignores_noise_below_the_hysteresis() -> None:
    rng = np.random.default_rng(1)
    flat = 10 + rng.uniform(-1.0, 1.0, 500)  # +-1 m noise: no climbing
    assert ascent_m(flat) == pytest.approx(0.0, abs=2.0)
    climb = np.concatenate(
        [np.linspace(0, 50, 200), np.linspace(50, 0, 200), np.linspace(0, 30, 100)]
    )
    assert ascent_m(climb) == pytest.approx(80.0, abs=1.0)
