"""GPS spike flags equal the plain definition: each fix judged against the last good fix."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st

from runform.io.common import (
    EARTH_RADIUS_M,
    GPS_SPIKE_SPEED_MPS,
    GPS_SPIKE_SPEED_OTHER_MPS,
    flag_gps_spikes,
)


def reference_flags(lat: list[float], lon: list[float], t: list[float], limit: float) -> list[bool]:
    """The definition, written out: walk every fix, compare it with the last good one."""
    flags = [False] * len(lat)
    last = None
    for i in range(len(lat)):
        if not (math.isfinite(lat[i]) and math.isfinite(lon[i]) and math.isfinite(t[i])):
            continue
        if last is None:
            last = i
            continue
        p1, p2 = math.radians(lat[last]), math.radians(lat[i])
        a = (
            math.sin((p2 - p1) / 2) ** 2
            + math.cos(p1) * math.cos(p2) * math.sin(math.radians(lon[i] - lon[last]) / 2) ** 2
        )
        dist = 2 * EARTH_RADIUS_M * math.asin(math.sqrt(min(max(a, 0.0), 1.0)))
        if dist / max(t[i] - t[last], 1.0) > limit:
            flags[i] = True
        else:
            last = i
    return flags


@settings(max_examples=300, deadline=None)
@given(
    steps=st.lists(st.sampled_from([1.0, 1.0, 2.0, 5.0]), min_size=2, max_size=300),
    seed=st.integers(0, 2**32 - 1),
    spikes=st.lists(
        st.tuples(st.floats(0, 1), st.integers(1, 6), st.sampled_from([0.01, -0.02, 0.05])),
        max_size=6,
    ),
    sport=st.sampled_from(["running", "cycling"]),
)
def test_flags_follow_the_definition(
    steps: list[float], seed: int, spikes: list[tuple[float, int, float]], sport: str
) -> None:
    rng = np.random.default_rng(seed)
    n = len(steps)
    t = np.cumsum(steps)
    lat = 45 + np.cumsum(rng.normal(0, 2e-5, n))
    lon = 7 + np.cumsum(rng.normal(0, 2e-5, n))
    for where, length, jump in spikes:  # planted jumps: one fix or a run of several
        i = int(where * (n - 1))
        lat[i : i + length] += jump
    if n > 3:
        lat[n // 3] = np.nan  # a lost fix
    frame = pd.DataFrame({"time": t, "latitude": lat, "longitude": lon})
    limit = GPS_SPIKE_SPEED_MPS if sport == "running" else GPS_SPIKE_SPEED_OTHER_MPS
    got = flag_gps_spikes(frame, sport).tolist()
    assert got == reference_flags(lat.tolist(), lon.tolist(), t.tolist(), limit)


def test_a_planted_run_of_bad_fixes_is_flagged_and_the_track_resumes() -> None:
    n = 60
    t = np.arange(n, dtype=float)
    lat = 45 + np.arange(n) * 3e-5  # about 3.3 m/s north
    lon = np.full(n, 7.0)
    lat[20:24] += 0.02  # four fixes 2 km off the track
    frame = pd.DataFrame({"time": t, "latitude": lat, "longitude": lon})
    got = flag_gps_spikes(frame, "running").to_numpy()
    assert got.tolist() == [20 <= i < 24 for i in range(n)]
