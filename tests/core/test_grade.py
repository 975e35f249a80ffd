"""Grade models against Minetti et al. (2002), Strava's factors, and planted hills.

Expected values: shared/reference/vectors.md, "Grade" section, which evaluates
Minetti, A. E. et al. (2002), J Appl Physiol 93:1039, doi:10.1152/japplphysiol.01177.2001,
and lists Strava's heart-rate-based factors (Robb, 2017, "An Improved GAP Model").
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from runform.core.grade import (
    STRAVA_FACTOR,
    STRAVA_GRADE_PCT,
    grade_adjusted_speed,
    grade_from_altitude,
    minetti_cost,
)
from runform.errors import UsageError


@pytest.mark.parametrize(
    ("grade", "cost"),
    [(0.0, 3.6), (0.10, 5.9682), (-0.10, 2.1517), (-0.20, 1.8000), (0.45, 19.426)],
)
def test_minetti_cost_reproduces_the_published_polynomial(grade: float, cost: float) -> None:
    # vectors.md, Minetti et al. 2002: tolerance 1e-4 J/kg/m.
    assert minetti_cost(grade) == pytest.approx(cost, abs=1e-4)


def test_minetti_minimum_is_1_7813_at_minus_18_percent() -> None:
    # vectors.md: minimum 1.7813 J/kg/m at i = -0.1814.
    i = np.linspace(-0.45, 0.45, 900_001)
    cost = minetti_cost(i)
    assert float(np.nanmin(cost)) == pytest.approx(1.7813, abs=1e-4)
    assert float(i[np.nanargmin(cost)]) == pytest.approx(-0.1814, abs=1e-4)


def test_minetti_cost_is_nan_outside_the_measured_slopes_and_keeps_the_kind() -> None:
    assert np.isnan(minetti_cost(0.46))
    assert np.isnan(minetti_cost(-0.5))
    s = pd.Series([0.0, 0.5, np.nan], index=[10, 11, 12])
    out = minetti_cost(s)
    assert isinstance(out, pd.Series)
    assert list(out.index) == [10, 11, 12]
    assert out.iloc[0] == pytest.approx(3.6)
    assert out.iloc[1:].isna().all()
    assert isinstance(minetti_cost(0.1), float)
    assert isinstance(minetti_cost(np.array([0.1])), np.ndarray)


def test_minetti_gap_is_the_flat_speed_of_equal_energy_per_metre() -> None:
    # Same energy per metre: v_flat * Cr(0) = v * Cr(i).
    v = np.array([3.0, 3.0, 3.0])
    i = np.array([0.10, -0.10, 0.0])
    gap = grade_adjusted_speed(v, i)
    assert gap * 3.6 == pytest.approx(v * np.array([5.9682, 2.1517, 3.6]), abs=1e-3)


def test_minetti_gap_clips_grades_beyond_the_measured_range() -> None:
    assert grade_adjusted_speed(3.0, 0.6) == pytest.approx(grade_adjusted_speed(3.0, 0.45))


@pytest.mark.parametrize(("pct", "factor"), list(zip(STRAVA_GRADE_PCT, STRAVA_FACTOR, strict=True)))
def test_strava_factors_at_the_listed_grades(pct: float, factor: float) -> None:
    # vectors.md, Strava's HR-based factors (Robb 2017): exact at the listed points.
    assert grade_adjusted_speed(1.0, pct / 100.0, "strava") == pytest.approx(factor, abs=1e-12)


def test_strava_factors_interpolate_linearly_and_clamp_at_the_ends() -> None:
    # Halfway between 0 % (1.000) and 4 % (1.135), and between -10 % and -4 %.
    assert grade_adjusted_speed(2.0, 0.02, "strava") == pytest.approx(2.0 * 1.0675)
    assert grade_adjusted_speed(1.0, -0.07, "strava") == pytest.approx((0.876 + 0.918) / 2)
    assert grade_adjusted_speed(1.0, 0.35, "strava") == pytest.approx(2.297)
    assert grade_adjusted_speed(1.0, -0.35, "strava") == pytest.approx(1.081)


def test_strava_credits_downhill_less_than_minetti() -> None:
    # The documented limitation: Minetti halves the cost at -20 %, Strava's HR data do not.
    assert grade_adjusted_speed(1.0, -0.20) == pytest.approx(0.5, abs=1e-4)
    assert grade_adjusted_speed(1.0, -0.20, "strava") > 1.0


def test_grade_adjusted_speed_keeps_series_and_rejects_unknown_models() -> None:
    v = pd.Series([3.0, np.nan], index=["a", "b"])
    out = grade_adjusted_speed(v, np.array([0.0, 0.05]), "strava")
    assert isinstance(out, pd.Series)
    assert list(out.index) == ["a", "b"]
    assert out.iloc[0] == pytest.approx(3.0)
    assert np.isnan(out.iloc[1])
    with pytest.raises(UsageError, match="grade model"):
        grade_adjusted_speed(3.0, 0.0, "davies")  # type: ignore[call-overload]
    with pytest.raises(UsageError, match="single grade"):
        grade_adjusted_speed(3.0, np.array([0.0, 0.1]))  # type: ignore[call-overload]


# ---------------------------------------------------------------- grade from altitude

FLAT1_M, HILL_M, FLAT2_M, HILL_GRADE = 500.0, 600.0, 400.0, 0.06


def _profile(d: np.ndarray) -> np.ndarray:
    """Planted course: 500 m flat, 600 m at 6 %, 400 m flat, starting at 100 m altitude."""
    climb = np.clip(d - FLAT1_M, 0.0, HILL_M) * HILL_GRADE
    return 100.0 + climb


def _noisy(alt: np.ndarray, seed: int) -> np.ndarray:
    """Barometer-like noise: 0.3 m white jitter, 0.2 m resolution."""
    rng = np.random.default_rng(seed)
    return np.round((alt + rng.normal(0.0, 0.3, alt.size)) / 0.2) * 0.2


@pytest.mark.parametrize("seed", [0, 1, 2, 3])
def test_grade_from_altitude_recovers_a_planted_hill_through_noise(seed: int) -> None:
    d = np.arange(0.0, FLAT1_M + HILL_M + FLAT2_M, 3.0)  # 1 Hz at 3 m/s
    alt = _noisy(_profile(d), seed)
    alt[80:82] += [15.0, 12.0]  # a GPS/barometer glitch on the flat (d = 240 m)
    g = grade_from_altitude(d, alt)
    middle = (d > FLAT1_M + 150) & (d < FLAT1_M + HILL_M - 150)
    flat = (d > 100) & (d < FLAT1_M - 100)
    # The middle of the hill: 6 % within 1 percentage point (typical), 2.5 pp worst sample.
    assert np.median(g[middle]) == pytest.approx(HILL_GRADE, abs=0.01)
    assert np.max(np.abs(g[middle] - HILL_GRADE)) < 0.025
    # The flat, spike included: about 0.
    assert np.median(np.abs(g[flat])) < 0.005
    assert np.max(np.abs(g[flat])) < 0.02


def test_grade_from_altitude_depends_on_the_ground_not_the_sampling() -> None:
    # Smart recording: irregular 1-7 s intervals at varying speed give the same grade.
    rng = np.random.default_rng(7)
    d = np.concatenate(([0.0], np.cumsum(rng.uniform(2.0, 20.0, 200))))
    d = d[d < FLAT1_M + HILL_M + FLAT2_M]
    g = grade_from_altitude(d, _profile(d))
    middle = (d > FLAT1_M + 100) & (d < FLAT1_M + HILL_M - 100)
    assert g[middle] == pytest.approx(np.full(middle.sum(), HILL_GRADE), abs=1e-6)


def test_grade_from_altitude_is_aligned_nan_safe_and_clipped() -> None:
    d = pd.Series(np.arange(0.0, 300.0, 3.0), index=np.arange(1000, 1100))
    alt = pd.Series(0.05 * d.to_numpy(), index=d.index)
    d_in = d.copy()
    d_in.iloc[10] = np.nan
    alt_in = alt.copy()
    alt_in.iloc[20] = np.nan
    g = grade_from_altitude(d_in, alt_in)
    assert isinstance(g, pd.Series)
    assert g.index.equals(d.index)
    assert np.isnan(g.iloc[10])
    assert g.drop(g.index[10]).to_numpy() == pytest.approx(np.full(99, 0.05), abs=1e-9)
    # Inputs untouched.
    assert np.isnan(d_in.iloc[10]) and np.isnan(alt_in.iloc[20])
    assert d_in.drop(d_in.index[10]).equals(d.drop(d.index[10]))
    # A cliff is clipped to the model range.
    x = np.arange(0.0, 200.0, 1.0)
    assert np.max(grade_from_altitude(x, 2.0 * x)) == pytest.approx(0.45)


def test_grade_from_altitude_degenerate_inputs() -> None:
    assert np.isnan(grade_from_altitude(np.array([np.nan, np.nan]), np.array([1.0, 2.0]))).all()
    assert np.isnan(grade_from_altitude(np.array([5.0, 5.0, 5.0]), np.array([1.0, 2.0, 3.0]))).all()
    with pytest.raises(UsageError, match="same length"):
        grade_from_altitude(np.zeros(3), np.zeros(4))
    with pytest.raises(UsageError, match="window_m"):
        grade_from_altitude(np.zeros(3), np.zeros(3), window_m=0.0)
