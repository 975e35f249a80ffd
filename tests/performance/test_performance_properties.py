"""Properties the Daniels-Gilbert model must have at every VDOT and distance."""

from __future__ import annotations

import numpy as np
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from runform.performance.vdot import (
    VDOT_MAX,
    VDOT_MIN,
    race_time_from_vdot,
    training_paces,
    vdot_from_race,
)

vdots = st.floats(min_value=VDOT_MIN, max_value=VDOT_MAX)
distances = st.floats(min_value=1500.0, max_value=100_000.0)


@settings(max_examples=150, deadline=None)
@given(vdot=vdots, d1=distances, d2=distances)
def test_predicted_time_increases_with_distance(vdot: float, d1: float, d2: float) -> None:
    assume(abs(d2 - d1) > 1e-6 * d1)
    lo, hi = sorted((d1, d2))
    assert race_time_from_vdot(vdot, lo) < race_time_from_vdot(vdot, hi)


@settings(max_examples=150, deadline=None)
@given(v1=vdots, v2=vdots, d=distances)
def test_predicted_time_decreases_with_vdot(v1: float, v2: float, d: float) -> None:
    assume(abs(v2 - v1) > 1e-6 * v1)
    slow, fast = sorted((v1, v2))
    assert race_time_from_vdot(fast, d) < race_time_from_vdot(slow, d)


@settings(max_examples=150, deadline=None)
@given(vdot=vdots, d=distances)
def test_vdot_round_trips_through_race_time(vdot: float, d: float) -> None:
    assert abs(vdot_from_race(d, race_time_from_vdot(vdot, d)) - vdot) <= 1e-6 * vdot


@settings(max_examples=50, deadline=None)
@given(v=st.lists(vdots, min_size=1, max_size=20), d=distances)
def test_vdot_round_trips_for_arrays(v: list[float], d: float) -> None:
    arr = np.array(v)
    back = vdot_from_race(d, race_time_from_vdot(arr, d))
    np.testing.assert_allclose(back, arr, rtol=1e-6)


@settings(max_examples=150, deadline=None)
@given(vdot=vdots)
def test_paces_are_ordered_r_i_t_m_e(vdot: float) -> None:
    # Fewer s/km is faster: R fastest, then I, T, M, then the E range (fast end, slow end).
    p = training_paces(vdot)
    assert (
        p.repetition_s_per_km
        < p.interval_s_per_km
        < p.threshold_s_per_km
        < p.marathon_s_per_km
        < p.easy_s_per_km[0]
        < p.easy_s_per_km[1]
    )
