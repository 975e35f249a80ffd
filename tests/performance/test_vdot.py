"""Daniels & Gilbert VDOT against the published figures.

Truth: shared/reference/vectors.md (Daniels & Gilbert, Oxygen Power 1979;
Daniels' Running Formula, 3rd ed.) and the book's race-equivalent and
training-pace tables as transcribed in shared/reference/vdot_race_table.csv
and vdot_pace_table.csv.
"""

from __future__ import annotations

import csv
import os
from pathlib import Path

import numpy as np
import pytest

from runform.errors import UsageError
from runform.performance.vdot import (
    MARATHON_M,
    fraction_vo2max,
    race_time_from_vdot,
    training_paces,
    vdot_from_race,
    velocity_from_vo2,
    vo2_cost,
)

REFERENCE = Path(
    os.environ.get(
        "RUNFORM_REFERENCE", Path(__file__).resolve().parents[3] / "shared" / "reference"
    )
)
RACE_TABLE = REFERENCE / "vdot_race_table.csv"
PACE_TABLE = REFERENCE / "vdot_pace_table.csv"

HALF_M = MARATHON_M / 2.0
TABLE_DISTANCES_M = {"5k": 5000.0, "10k": 10000.0, "half_marathon": HALF_M, "marathon": MARATHON_M}


def _clock(text: str) -> float:
    """h:mm:ss or m:ss -> seconds (a parser of the test's own, independent of runform's)."""
    seconds = 0.0
    for part in text.strip().split(":"):
        seconds = 60.0 * seconds + float(part)
    return seconds


def _rows(path: Path) -> list[dict[str, str]]:
    if not path.is_file():
        pytest.skip(f"reference table {path} is absent (set RUNFORM_REFERENCE to its folder)")
    with path.open(newline="") as f:
        return list(csv.DictReader(line for line in f if not line.startswith("#")))


# ---------------------------------------------------------------- vectors.md, hard-coded


@pytest.mark.parametrize(
    ("distance_m", "time_s", "expected"),
    [
        (5000.0, 20 * 60.0, 49.81),
        (10000.0, 40 * 60.0, 51.94),
        (HALF_M, 90 * 60.0, 50.98),
        (MARATHON_M, 180 * 60.0, 53.53),
        (5000.0, 27 * 60.0, 34.96),
    ],
)
def test_vdot_from_race_reproduces_vectors_md(
    distance_m: float, time_s: float, expected: float
) -> None:
    # vectors.md, "Daniels & Gilbert VDOT": 5K 20:00 -> 49.81 (±0.01); 10K 40:00 -> 51.94;
    # half 1:30:00 -> 50.98; marathon 3:00:00 -> 53.53; 5K 27:00 -> 34.96.
    assert vdot_from_race(distance_m, time_s) == pytest.approx(expected, abs=0.01)


def test_equations_as_printed() -> None:
    # VO2(v) = -4.60 + 0.182258 v + 0.000104 v^2; %max(t) = 0.8 + 0.1894393 e^(-0.012778 t)
    # + 0.2989558 e^(-0.1932605 t) (vectors.md). Hand-evaluated at round numbers.
    assert vo2_cost(200.0) == pytest.approx(-4.60 + 36.4516 + 4.16, abs=1e-9)
    assert fraction_vo2max(0.0) == pytest.approx(0.8 + 0.1894393 + 0.2989558, abs=1e-12)
    assert fraction_vo2max(1e6) == pytest.approx(0.8, abs=1e-12)
    assert velocity_from_vo2(vo2_cost(250.0)) == pytest.approx(250.0, rel=1e-12)


# ---------------------------------------------------------------- the book's race table


def test_race_time_from_vdot_reproduces_the_race_table() -> None:
    # vdot_race_table.csv header: the equations reproduce the book within 0.2 % of time,
    # 35 s at the VDOT 30 marathon.
    rows = _rows(RACE_TABLE)
    assert rows, "race table is empty"
    for row in rows:
        vdot = float(row["vdot"])
        for name, distance_m in TABLE_DISTANCES_M.items():
            book = _clock(row[name])
            tol = 35.0 if (vdot == 30 and name == "marathon") else 0.002 * book
            got = race_time_from_vdot(vdot, distance_m)
            assert got == pytest.approx(book, abs=tol), (vdot, name, got, book)


def test_race_table_vectorised_matches_scalar() -> None:
    rows = _rows(RACE_TABLE)
    vdots = np.array([float(r["vdot"]) for r in rows])
    dists = np.array(list(TABLE_DISTANCES_M.values()))
    grid = race_time_from_vdot(vdots[:, None], dists[None, :])
    assert isinstance(grid, np.ndarray)
    assert grid.shape == (len(rows), len(dists))
    for i, v in enumerate(vdots):
        for j, d in enumerate(dists):
            assert grid[i, j] == pytest.approx(race_time_from_vdot(float(v), float(d)), rel=1e-12)


# ---------------------------------------------------------------- the book's pace table

T_TOL, I_TOL, E_TOL, M_TOL = 2.0, 3.0, 6.0, 5.0
"""s/km, as stated in vectors.md and the task (T ±2, I ±3, E ±6, M ±5)."""

M_TOL_VDOT30 = 12.0
"""s/km. The book hand-adjusts M at VDOT 30 (pace table header): its own marathon equivalent
4:49:17 is 6:51/km, the printed M is 7:03/km. Our M (predicted marathon / 42.195 km) follows
the equation, so the documented tolerance there is the 12 s/km the book added, not 5."""

R_TOL_PER_200M = 0.5
"""s per 200 m: the table prints whole seconds, so +/- half a second is its own resolution.
This is what singles out the R rule: I - 20 s/km passes; I - 15 s/km from VDOT 50 does not."""


def _pace_rows() -> list[tuple[float, tuple[float, float], float, float, float, float]]:
    out = []
    for row in _rows(PACE_TABLE):
        e_fast, e_slow = (_clock(x) for x in row["e_per_km"].split("-"))
        out.append(
            (
                float(row["vdot"]),
                (e_fast, e_slow),
                _clock(row["m_per_km"]),
                _clock(row["t_per_km"]),
                float(row["i_s_per_400m"]),
                float(row["r_s_per_200m"]),
            )
        )
    assert out, "pace table is empty"
    return out


def test_training_paces_reproduce_the_pace_table() -> None:
    for vdot, (e_fast, e_slow), m, t, i_400, r_200 in _pace_rows():
        p = training_paces(vdot)
        assert p.threshold_s_per_km == pytest.approx(t, abs=T_TOL), vdot
        assert p.interval_s_per_km == pytest.approx(i_400 * 2.5, abs=I_TOL), vdot
        assert p.easy_s_per_km[0] == pytest.approx(e_fast, abs=E_TOL), vdot
        assert p.easy_s_per_km[1] == pytest.approx(e_slow, abs=E_TOL), vdot
        m_tol = M_TOL_VDOT30 if vdot == 30 else M_TOL
        assert p.marathon_s_per_km == pytest.approx(m, abs=m_tol), vdot
        assert p.repetition_s_per_200m == pytest.approx(r_200, abs=R_TOL_PER_200M), vdot


def test_the_vdot30_marathon_pace_is_the_books_hand_adjustment_not_the_equation() -> None:
    # Documented exception: at VDOT 30 the book's M (7:03/km) is slower than its own marathon
    # equivalent (4:49:17 / 42.195 km = 6:51/km); ours follows the equivalent.
    p = training_paces(30.0)
    assert p.marathon_s_per_km == pytest.approx(_clock("4:49:17") / 42.195, abs=1.0)
    assert 5.0 < _clock("7:03") - p.marathon_s_per_km <= M_TOL_VDOT30


def test_r_rule_minus_15_from_vdot_50_would_miss_the_table() -> None:
    # Evidence for the chosen R rule: vectors.md's "I - 15 s/km for VDOT >= 50" lands a
    # second per 200 m off the book at VDOT 50 and 70, I - 20 s/km lands on it.
    for vdot, *_rest, r_200 in _pace_rows():
        p = training_paces(vdot)
        alt_200 = (p.interval_s_per_km - (15.0 if vdot >= 50 else 20.0)) / 5.0
        if vdot >= 50:
            assert abs(alt_200 - r_200) > R_TOL_PER_200M
        assert abs(p.repetition_s_per_200m - r_200) <= R_TOL_PER_200M


def test_pace_helpers_and_dict() -> None:
    p = training_paces(50.0)
    assert p.interval_s_per_400m == pytest.approx(p.interval_s_per_km * 0.4)
    assert p.repetition_s_per_200m == pytest.approx(p.repetition_s_per_km * 0.2)
    assert p.repetition_s_per_400m == pytest.approx(p.repetition_s_per_km * 0.4)
    d = p.as_dict()
    assert list(d) == ["E", "M", "T", "I", "R"]
    assert d["E"] == [p.easy_s_per_km[0], p.easy_s_per_km[1]]
    assert p.marathon_s_per_km == pytest.approx(race_time_from_vdot(50.0, MARATHON_M) / 42.195)


# ---------------------------------------------------------------- kinds, inputs, errors


def test_same_kind_in_same_kind_out_and_inputs_untouched() -> None:
    assert type(vdot_from_race(5000, 1200)) is float
    assert type(race_time_from_vdot(50, 5000)) is float
    assert type(vo2_cost(200.0)) is float
    assert type(fraction_vo2max(20.0)) is float
    d = np.array([5000.0, 10000.0])
    t = np.array([1200.0, 2400.0])
    d0, t0 = d.copy(), t.copy()
    v = vdot_from_race(d, t)
    assert isinstance(v, np.ndarray) and v.shape == (2,)
    assert isinstance(vdot_from_race(5000.0, t), np.ndarray)
    assert isinstance(race_time_from_vdot(50.0, d), np.ndarray)
    assert isinstance(vo2_cost(np.array(200.0)), np.ndarray)
    np.testing.assert_array_equal(d, d0)
    np.testing.assert_array_equal(t, t0)
    np.testing.assert_allclose(race_time_from_vdot(v, d), t, rtol=1e-9)


def test_nan_propagates_in_arrays() -> None:
    out = race_time_from_vdot(np.array([50.0, np.nan, 50.0]), np.array([5000.0, 5000.0, np.nan]))
    assert np.isfinite(out[0]) and np.isnan(out[1]) and np.isnan(out[2])
    assert np.isnan(vdot_from_race(np.array([np.nan]), np.array([1200.0])))[0]


@pytest.mark.parametrize("vdot", [19.9, 90.1, 150.0, 5.0, float("inf")])
def test_vdot_outside_20_90_is_a_usage_error(vdot: float) -> None:
    with pytest.raises(UsageError, match="outside 20-90"):
        race_time_from_vdot(vdot, 5000.0)
    with pytest.raises(UsageError, match="outside 20-90"):
        training_paces(vdot)


def test_range_ends_are_accepted() -> None:
    for vdot in (20.0, 90.0):
        t = race_time_from_vdot(vdot, 10000.0)
        assert vdot_from_race(10000.0, t) == pytest.approx(vdot, rel=1e-9)
        training_paces(vdot)


def test_impossible_races_are_usage_errors_with_a_clear_message() -> None:
    with pytest.raises(UsageError, match=r"9:00 for 5 km implies VDOT 126\.\d, faster than"):
        vdot_from_race(5000.0, 540.0)
    with pytest.raises(UsageError, match=r"slower than the VDOT 20 floor"):
        vdot_from_race(MARATHON_M, 12 * 3600.0)
    with pytest.raises(UsageError, match=r"1 of 2 races"):
        vdot_from_race(np.array([5000.0, 5000.0]), np.array([1200.0, 300.0]))
    with pytest.raises(UsageError, match="distance_m must be a positive"):
        vdot_from_race(-5000.0, 1200.0)
    with pytest.raises(UsageError, match="time_s must be a positive"):
        vdot_from_race(5000.0, 0.0)
    with pytest.raises(UsageError, match="distance_m must be a positive"):
        race_time_from_vdot(50.0, 0.0)
    with pytest.raises(UsageError, match="one VDOT number"):
        training_paces(np.array([50.0]))  # type: ignore[arg-type]
