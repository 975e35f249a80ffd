"""Heart-rate load against published values (shared/reference/vectors.md, "Load").

Banister TRIMP: Banister (1991) with the coefficients of Morton, Fitz-Clarke & Banister
(1990), J Appl Physiol 69:1171, doi:10.1152/jappl.1990.69.3.1171.
Edwards TRIMP: Edwards (1993), The Heart Rate Monitor Book.
%HRmax -> %VO2max: Swain et al. (1994), Med Sci Sports Exerc 26:112,
doi:10.1249/00005768-199401000-00019.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from runform.core.heartrate import (
    Sex,
    banister_trimp,
    banister_trimp_stream,
    edwards_trimp,
    edwards_trimp_stream,
    edwards_zone_minutes,
    vo2max_fraction_from_hr_fraction,
)
from runform.errors import UsageError


@pytest.mark.parametrize(("sex", "expected"), [("male", 100.44), ("female", 113.52)])
def test_banister_trimp_reproduces_the_reference_vector(sex: Sex, expected: float) -> None:
    # vectors.md: 60 min, HR 150, rest 60, max 190 -> men 100.44, women 113.52 (+-0.01).
    assert banister_trimp(60.0, 150.0, 60.0, 190.0, sex) == pytest.approx(expected, abs=0.01)


def test_banister_trimp_keeps_the_kind_of_the_heart_rate() -> None:
    hr = pd.Series([150.0, 60.0, 50.0], index=["a", "b", "c"])
    out = banister_trimp(60.0, hr, 60.0, 190.0, "male")
    assert isinstance(out, pd.Series)
    assert list(out.index) == ["a", "b", "c"]
    assert out.iloc[0] == pytest.approx(100.44, abs=0.01)
    assert out.iloc[1] == 0.0 and out.iloc[2] == 0.0  # at or below rest adds nothing
    arr = banister_trimp(np.array([60.0, 30.0]), np.array([150.0, 150.0]), 60.0, 190.0, "male")
    assert isinstance(arr, np.ndarray)
    assert arr[1] == pytest.approx(arr[0] / 2)


def test_banister_stream_of_a_steady_hour_equals_the_session_formula() -> None:
    t = np.arange(3600.0)  # 1 Hz, the last sample stands for 1 s: 60 min in all
    hr = np.full(t.size, 150.0)
    assert banister_trimp_stream(t, hr, 60.0, 190.0, "male") == pytest.approx(100.44, abs=0.01)
    assert banister_trimp_stream(t, hr, 60.0, 190.0, "female") == pytest.approx(113.52, abs=0.01)


def test_banister_stream_skips_pauses_and_missing_samples() -> None:
    # Two 30-min halves at 150 bpm with a 20-min pause between: still 60 min of load.
    t = np.concatenate([np.arange(1800.0), 3000.0 + np.arange(1800.0)])
    hr = np.full(t.size, 150.0)
    expected = 100.44 * (3600 + 9) / 3600  # the sample before the pause stands for 10 s
    assert banister_trimp_stream(t, hr, 60.0, 190.0, "male") == pytest.approx(expected, abs=0.01)
    hr_gap = hr.copy()
    hr_gap[:600] = np.nan  # strap not yet settled: 10 min without heart rate
    assert banister_trimp_stream(t, hr_gap, 60.0, 190.0, "male") == pytest.approx(
        expected - 100.44 / 6, abs=0.01
    )


def test_banister_stream_weights_hard_stretches_more_than_the_average() -> None:
    # Convex weighting: 30 min at 120 + 30 min at 180 (average 150) > 60 min at 150.
    t = np.arange(3600.0)
    hr = np.where(t < 1800, 120.0, 180.0)
    assert banister_trimp_stream(t, hr, 60.0, 190.0, "male") > 100.44


def test_banister_rejects_bad_settings() -> None:
    with pytest.raises(UsageError, match="resting"):
        banister_trimp(60.0, 150.0, 190.0, 60.0, "male")
    with pytest.raises(UsageError, match="sex"):
        banister_trimp(60.0, 150.0, 60.0, 190.0, "x")  # type: ignore[call-overload]


def test_edwards_trimp_reproduces_the_reference_vector() -> None:
    # vectors.md: minutes in zones 1..5 [10, 20, 15, 10, 5] -> 160.
    assert edwards_trimp([10, 20, 15, 10, 5]) == 160.0
    with pytest.raises(UsageError, match="5 zones"):
        edwards_trimp([10, 20, 15])


def test_edwards_stream_counts_minutes_in_planted_zones() -> None:
    hr_max = 200.0
    # Planted: 10 min at 55 %, 20 at 65 %, 15 at 75 %, 10 at 85 %, 5 at 95 %, 7 at 40 % (no zone).
    blocks = [(10, 0.55), (20, 0.65), (15, 0.75), (10, 0.85), (5, 0.95), (7, 0.40)]
    hr = np.concatenate([np.full(60 * m, f * hr_max) for m, f in blocks])
    t = np.arange(hr.size, dtype=float)
    assert edwards_zone_minutes(t, hr, hr_max) == pytest.approx([10, 20, 15, 10, 5])
    assert edwards_trimp_stream(t, hr, hr_max) == pytest.approx(160.0)


def test_edwards_zone_edges_belong_to_the_upper_zone() -> None:
    t = np.arange(120.0)
    hr = np.full(120, 120.0)  # exactly 60 % of 200
    assert edwards_zone_minutes(t, hr, 200.0) == pytest.approx([0, 2, 0, 0, 0])
    hr_over = np.full(120, 210.0)  # above the stated maximum: zone 5
    assert edwards_zone_minutes(t, hr_over, 200.0) == pytest.approx([0, 0, 0, 0, 2])


@pytest.mark.parametrize(
    ("vo2_frac", "hr_frac"), [(0.40, 0.63), (0.60, 0.76), (0.80, 0.89), (0.85, 0.92)]
)
def test_swain_reproduces_the_published_mean_hr_at_each_vo2_level(
    vo2_frac: float, hr_frac: float
) -> None:
    # Swain et al. 1994 abstract: mean %HRmax 63, 76, 89, 92 at 40, 60, 80, 85 %VO2max.
    # The published %HRmax are whole percent (+-0.5), i.e. +-0.5/0.6463 = +-0.77 %VO2max.
    assert vo2max_fraction_from_hr_fraction(hr_frac) == pytest.approx(vo2_frac, abs=0.0078)


def test_swain_keeps_the_kind() -> None:
    s = pd.Series([0.63, 1.0], index=[3, 4], name="hr")
    out = vo2max_fraction_from_hr_fraction(s)
    assert isinstance(out, pd.Series) and list(out.index) == [3, 4]
    assert out.iloc[1] == pytest.approx((100 - 37.182) / 0.6463 / 100)
    assert isinstance(vo2max_fraction_from_hr_fraction(np.array([0.8])), np.ndarray)
    assert isinstance(vo2max_fraction_from_hr_fraction(0.8), float)
