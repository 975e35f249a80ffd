"""Clean signals against planted truth: strides, stops, pauses, walks, hills, irregular sampling.

Every expectation is built into the synthetic streams of the test (the planted
speed, stop spans, altitude profile), never taken from the code's own output.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from runform.core.signal import (
    clean_grade,
    clean_streams,
    moving_mask,
    pauses,
    resample_1hz,
    smooth_speed,
    speed_stream,
    walking_mask,
)
from runform.errors import UsageError


def _frame(speed: np.ndarray, **extra: np.ndarray) -> pd.DataFrame:
    """1 Hz canonical streams from a speed profile (distance integrated)."""
    t = np.arange(speed.size, dtype=float)
    dist = np.concatenate(([0.0], np.cumsum(speed[1:])))
    return pd.DataFrame({"time": t, "distance": dist, "speed": speed, **extra})


def _stride(n: int, base: float, peak: float) -> np.ndarray:
    """Planted stride: smoothstep up over 40 % of n, hold to 70 %, ease back to base."""
    x = (np.arange(n) + 0.5) / n
    up = np.clip(x / 0.4, 0, 1)
    down = np.clip((x - 0.7) / 0.3, 0, 1)
    s_up, s_down = up * up * (3 - 2 * up), down * down * (3 - 2 * down)
    return np.where(x < 0.7, base + (peak - base) * s_up, peak + (base - peak) * s_down)


@pytest.mark.parametrize("duration_s", [15, 20])
def test_smoothing_keeps_a_planted_stride_peak(duration_s: int) -> None:
    rng = np.random.default_rng(3)
    base, peak = 3.2, 5.6
    v = np.full(600, base)
    v[300 : 300 + duration_s] = _stride(duration_s, base, peak)
    noisy = v + rng.normal(0.0, 0.15, v.size)  # GPS Doppler speed jitter
    smoothed = smooth_speed(_frame(noisy))
    kept = (smoothed[280:340].max() - base) / (peak - base)
    assert kept >= 0.90
    # The jitter is gone on the steady part ...
    assert np.std(smoothed[50:250] - base) < 0.5 * np.std(noisy[50:250] - base)
    # ... and a plain 30 s moving average (what the smoother replaces) would not keep the peak.
    naive = pd.Series(noisy).rolling(31, center=True).mean().to_numpy()
    assert (np.nanmax(naive[280:340]) - base) / (peak - base) < 0.75


def test_moving_mask_finds_planted_stops_and_ignores_a_short_dip() -> None:
    rng = np.random.default_rng(5)
    v = 3.0 + rng.normal(0, 0.05, 1200)
    stops = [(200, 230), (500, 560), (900, 905)]
    for a, b in stops:  # standing: GPS speed jitters around 0.2 m/s
        v[a:b] = np.abs(rng.normal(0.2, 0.1, b - a))
    v[700:702] = 0.3  # a 2 s dip (a turn): not a stop
    v[560:563] = 0.65  # setting off: between the thresholds, still stopped (hysteresis)
    moving = moving_mask(_frame(v))
    planted = np.ones(v.size, dtype=bool)
    for a, b in stops:
        planted[a:b] = False
    planted[560:563] = False
    assert np.array_equal(moving, planted)
    found = pauses(_frame(v))
    assert [(p.start_s, p.duration_s, p.kind) for p in found] == [
        (200.0, 30.0, "stopped"),
        (500.0, 63.0, "stopped"),
        (900.0, 5.0, "stopped"),
    ]


def test_pauses_lists_recording_gaps() -> None:
    v = np.full(600, 3.0)
    f = _frame(v)
    gap = f[(f["time"] < 100) | (f["time"] >= 190)].copy()  # timer paused for 90 s
    (p,) = pauses(gap)
    assert (p.start_s, p.duration_s, p.kind) == (99.0, 91.0, "gap")
    assert p.as_dict() == {"start_s": 99.0, "duration_s": 91.0, "kind": "gap"}


def test_walking_mask_finds_planted_walks_by_speed_or_cadence() -> None:
    v = np.full(900, 3.1)
    cad = np.full(900, 168.0)
    v[300:360], cad[300:360] = 1.4, 114.0  # walk recovery
    cad[600:640] = 120.0  # power-hiking: cadence says walking even at 2.2 m/s
    v[600:640] = 2.2
    walking = walking_mask(_frame(v, cadence=cad))
    planted = np.zeros(900, dtype=bool)
    planted[300:360] = True
    planted[600:640] = True
    # The 5 s speed median blurs a walk's edges by up to 2 samples.
    assert np.array_equal(
        walking[5:-5] & ~_edges(planted, 2)[5:-5], planted[5:-5] & ~_edges(planted, 2)[5:-5]
    )


def _edges(mask: np.ndarray, width: int) -> np.ndarray:
    change = np.flatnonzero(np.diff(mask.astype(int)) != 0) + 1
    out = np.zeros(mask.size, dtype=bool)
    for c in change:
        out[max(0, c - width) : c + width] = True
    return out


def test_resample_interpolates_within_stretches_not_across_pauses() -> None:
    rng = np.random.default_rng(11)
    # Smart recording: a sample every 1-6 s, then a 60 s pause.
    t1 = np.cumsum(rng.integers(1, 7, 80)).astype(float) + 0.3
    t2 = t1[-1] + 60.0 + np.cumsum(rng.integers(1, 7, 40)).astype(float)
    t = np.concatenate((t1, t2))

    def speed_of(x: np.ndarray) -> np.ndarray:
        return 3.0 + 0.002 * x  # a slow, linear build: exact under linear interpolation

    start = pd.Timestamp("2026-05-01T07:00:00Z")
    streams = pd.DataFrame(
        {
            "time": t,
            "timestamp": start + pd.to_timedelta(t, unit="s"),
            "speed": speed_of(t),
            "heart_rate": np.where(t < 50, np.nan, 150.0),
            "gps_spike": np.zeros(t.size, dtype=bool),
        }
    )
    before = streams.copy(deep=True)
    out = resample_1hz(streams)
    pd.testing.assert_frame_equal(streams, before)  # input untouched
    grid = out["time"].to_numpy()
    assert np.all(grid == np.round(grid))
    assert np.all(np.diff(grid) >= 1.0)
    assert not np.any((grid > t1[-1]) & (grid < t2[0]))  # nothing inside the pause
    assert np.allclose(out["speed"], speed_of(grid))
    assert np.allclose(out["heart_rate"][grid > 60], 150.0)
    assert out["heart_rate"][grid < 40].isna().all()
    assert (out["timestamp"] - start).dt.total_seconds().to_numpy() == pytest.approx(grid)
    inserted = out["inserted"].to_numpy()
    near = np.min(np.abs(grid[:, None] - t[None, :]), axis=1) < 0.5
    assert np.array_equal(inserted, ~near)
    assert out["gps_spike"].dtype == bool


def test_speed_is_filled_from_distance_and_time_must_increase() -> None:
    f = pd.DataFrame({"time": np.arange(10.0), "distance": 2.5 * np.arange(10.0)})
    assert speed_stream(f) == pytest.approx(np.full(10, 2.5))
    with pytest.raises(UsageError, match="non-decreasing"):
        speed_stream(pd.DataFrame({"time": [0.0, 2.0, 1.0], "speed": [1.0, 1.0, 1.0]}))


def test_clean_grade_recovers_a_planted_hill_through_altimeter_noise() -> None:
    rng = np.random.default_rng(2)
    v = np.full(1500, 3.0)
    f = _frame(v)
    d = f["distance"].to_numpy()
    planted = np.where((d > 1500) & (d < 2700), 0.05, 0.0)  # 1.2 km at 5 %
    alt = 10.0 + np.concatenate(([0.0], np.cumsum(planted[1:] * np.diff(d))))
    alt_noisy = alt + rng.normal(0.0, 0.3, alt.size)
    g = clean_grade(f.assign(altitude=alt_noisy))
    inside = (d > 1600) & (d < 2600)
    flat = (d > 200) & (d < 1400)
    # grade.py documents ~1 percentage point pointwise error for 0.3 m jitter over 50 m.
    assert np.abs(g[inside] - 0.05).max() < 0.015
    assert np.mean(g[inside]) == pytest.approx(0.05, abs=0.002)
    assert np.abs(g[flat]).max() < 0.015


def test_clean_grade_falls_back_to_recorded_grade_and_is_nan_without_either() -> None:
    v = np.full(300, 3.0)
    rec = np.full(300, 0.01)
    rec[150] = 0.40  # one corrupt sample
    g = clean_grade(_frame(v, grade=rec))
    assert g == pytest.approx(np.full(300, 0.01))
    assert np.isnan(clean_grade(_frame(v))).all()  # treadmill without incline data


def test_clean_streams_resamples_irregular_input_and_is_read_only() -> None:
    v = np.full(1200, 3.0)
    f = _frame(v, cadence=np.full(1200, 170.0))
    sparse = f.iloc[::3]
    c = clean_streams(sparse)
    assert c.resampled
    assert c.time_s.size == 1198
    assert c.moving.all() and not c.walking.any()
    assert c.moving_time_s[-1] == pytest.approx(1197.0)
    assert not c.grade_known
    with pytest.raises(ValueError):
        c.speed_mps[0] = 1.0
    same = clean_streams(f)
    assert not same.resampled and same.frame is f
