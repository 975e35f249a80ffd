"""Race predictors against the published figures.

Truth: shared/reference/vectors.md ("Other race predictors": Riegel, American Scientist
69:285, 1981; Cameron's formula) and the Daniels race table
(shared/reference/vdot_race_table.csv).
"""

from __future__ import annotations

import csv
import json
import os
from pathlib import Path

import numpy as np
import pytest

from runform.errors import UsageError
from runform.performance.predict import (
    LOW_VOLUME_WARNING,
    cameron_factor,
    cameron_time,
    predict,
    riegel_exponent,
    riegel_time,
    vdot_equivalent_time,
    vdot_report,
)
from runform.performance.races import Race, parse_race
from runform.performance.vdot import (
    MARATHON_M,
    race_time_from_vdot,
    training_paces,
    vdot_from_race,
)

HALF_M = MARATHON_M / 2.0
REFERENCE = Path(
    os.environ.get(
        "RUNFORM_REFERENCE", Path(__file__).resolve().parents[3] / "shared" / "reference"
    )
)


# ---------------------------------------------------------------- vectors.md, hard-coded


@pytest.mark.parametrize(
    ("d1", "t1", "d2", "expected"),
    [
        (5000.0, 1200.0, 10000.0, 2501.9),
        (5000.0, 1200.0, MARATHON_M, 11509.3),
        (HALF_M, 5400.0, MARATHON_M, 11258.6),
    ],
)
def test_riegel_reproduces_vectors_md(d1: float, t1: float, d2: float, expected: float) -> None:
    # vectors.md: Riegel T2 = T1 (D2/D1)^1.06: 5K 20:00 -> 10K 2501.9 s; 5K 20:00 -> marathon
    # 11509.3 s; half 1:30:00 -> marathon 11258.6 s (±0.1 s).
    assert riegel_time(d1, t1, d2) == pytest.approx(expected, abs=0.1)
    assert predict(d1, t1, d2, model="riegel").time_s == pytest.approx(expected, abs=0.1)


@pytest.mark.parametrize(
    ("d1", "t1", "d2", "expected"),
    [(5000.0, 1200.0, MARATHON_M, 11711.5), (10000.0, 2400.0, HALF_M, 5291.5)],
)
def test_cameron_reproduces_vectors_md(d1: float, t1: float, d2: float, expected: float) -> None:
    # vectors.md: Cameron, 5K 20:00 -> marathon 11711.5 s; 10K 40:00 -> half 5291.5 s (±0.5 s).
    assert cameron_time(d1, t1, d2) == pytest.approx(expected, abs=0.5)
    assert predict(d1, t1, d2, model="cameron").time_s == pytest.approx(expected, abs=0.5)


def test_cameron_factor_as_printed() -> None:
    # a(d) = 13.49681 - 0.000030363 d + 835.7114 / d^0.7905 (vectors.md), evaluated by hand.
    assert cameron_factor(10000.0) == pytest.approx(
        13.49681 - 0.30363 + 835.7114 / 10000.0**0.7905, rel=1e-12
    )


def test_riegel_exponent_recovers_the_exponent_of_riegels_own_prediction() -> None:
    # 5K 20:00 and Riegel's marathon 11509.3 s (vectors.md) imply k = 1.06.
    assert riegel_exponent(5000.0, 1200.0, MARATHON_M, 11509.3) == pytest.approx(1.06, abs=1e-5)
    k = riegel_exponent(5000.0, 1200.0, 10000.0, 2520.0)
    assert riegel_time(5000.0, 1200.0, 10000.0, exponent=k) == pytest.approx(2520.0, rel=1e-12)
    assert predict(5000.0, 1200.0, 10000.0, "riegel", exponent=k).time_s == pytest.approx(2520.0)


# ---------------------------------------------------------------- VDOT equivalents vs the book


def _clock(text: str) -> float:
    seconds = 0.0
    for part in text.strip().split(":"):
        seconds = 60.0 * seconds + float(part)
    return seconds


def test_vdot_equivalents_reproduce_the_race_table_from_its_5k_column() -> None:
    # Each prediction chains two table cells, each reproduced within 0.2 % (35 s at the VDOT 30
    # marathon; vdot_race_table.csv header), so the allowance is the sum of the two.
    path = REFERENCE / "vdot_race_table.csv"
    if not path.is_file():
        pytest.skip(f"reference table {path} is absent (set RUNFORM_REFERENCE to its folder)")
    with path.open(newline="") as f:
        rows = list(csv.DictReader(line for line in f if not line.startswith("#")))
    for row in rows:
        t5 = _clock(row["5k"])
        for name, d in (("10k", 10000.0), ("half_marathon", HALF_M), ("marathon", MARATHON_M)):
            book = _clock(row[name])
            tol = 0.004 * book
            if row["vdot"] == "30" and name == "marathon":
                tol = 35.0 + 0.002 * book
            got = predict(5000.0, t5, d).time_s
            assert got == pytest.approx(book, abs=tol), (row["vdot"], name, got, book)


# ---------------------------------------------------------------- predict(): model, warnings, errors


def test_marathon_from_a_short_race_warns_about_low_volume() -> None:
    # Vickers & Vertosick 2016 (doi:10.1186/s13102-016-0052-y): Riegel-type marathon predictions
    # from shorter races run optimistic, more so for runners with low weekly mileage.
    for model in ("vdot", "riegel", "cameron"):
        p = predict(5000.0, 1200.0, MARATHON_M, model=model)
        assert p.model == model
        assert LOW_VOLUME_WARNING in p.warnings
        assert "Vickers & Vertosick 2016" in LOW_VOLUME_WARNING
    assert LOW_VOLUME_WARNING in predict(10000.0, 2400.0, 30000.0).warnings
    assert predict(HALF_M, 5400.0, MARATHON_M).warnings == ()
    assert predict(5000.0, 1200.0, HALF_M).warnings == ()
    assert predict(21000.0, 5400.0, MARATHON_M).warnings == ()  # "21 km" counts as a half


def test_targets_outside_1500m_to_marathon_warn_of_extrapolation() -> None:
    (w,) = [x for x in predict(HALF_M, 5400.0, 50000.0).warnings if "extrapolation" in x]
    assert "50000 m" in w
    assert any("extrapolation" in x for x in predict(5000.0, 1200.0, 800.0).warnings)


def test_predict_rejects_bad_arguments() -> None:
    with pytest.raises(UsageError, match="unknown model 'magic'; use one of vdot, riegel"):
        predict(5000.0, 1200.0, 10000.0, model="magic")
    with pytest.raises(UsageError, match=r"exponent 0\.9 is outside 1\.0-1\.3"):
        predict(5000.0, 1200.0, 10000.0, model="riegel", exponent=0.9)
    with pytest.raises(UsageError, match="too short"):
        predict(800.0, 120.0, 10000.0)
    with pytest.raises(UsageError, match="faster than world-record"):
        predict(5000.0, 540.0, 10000.0, model="riegel")
    with pytest.raises(UsageError, match="target_distance_m must be positive"):
        predict(5000.0, 1200.0, -1.0)
    with pytest.raises(UsageError, match="different distances"):
        riegel_exponent(5000.0, 1200.0, 5000.0, 1250.0)
    with pytest.raises(UsageError, match="beyond 400 km"):
        cameron_time(5000.0, 1200.0, 500_000.0)


def test_predictors_keep_the_kind_and_leave_inputs_alone() -> None:
    t = np.array([1200.0, 1500.0])
    t0 = t.copy()
    for f in (riegel_time, cameron_time, vdot_equivalent_time):
        assert type(f(5000.0, 1200.0, 10000.0)) is float
        out = f(5000.0, t, 10000.0)
        assert isinstance(out, np.ndarray) and out.shape == (2,)
        assert out[0] == pytest.approx(f(5000.0, 1200.0, 10000.0), rel=1e-12)
        assert isinstance(f(5000.0, 1200.0, np.array([10000.0])), np.ndarray)
    np.testing.assert_array_equal(t, t0)


# ---------------------------------------------------------------- vdot_report (runform vdot --json)


def test_vdot_report_is_json_ready_and_consistent() -> None:
    race = parse_race("10k=41:21")
    rep = vdot_report(race)
    assert set(rep) == {"vdot", "equivalents", "paces"}
    assert rep["vdot"] == pytest.approx(vdot_from_race(10000.0, 2481.0), rel=1e-12)
    assert list(rep["equivalents"]) == ["5k", "10k", "half_marathon", "marathon"]
    assert rep["equivalents"]["10k"] == pytest.approx(2481.0, abs=1e-6)
    assert rep["equivalents"]["marathon"] == pytest.approx(
        race_time_from_vdot(rep["vdot"], MARATHON_M), rel=1e-12
    )
    assert rep["paces"] == training_paces(rep["vdot"]).as_dict()
    assert set(rep["paces"]) == {"E", "M", "T", "I", "R"}
    json.loads(json.dumps(rep))  # plain floats, lists and dicts only


def test_vdot_report_of_the_books_vdot50_10k() -> None:
    # vdot_race_table.csv, VDOT 50 row: 10K 41:21 -> 5K 19:57, half 1:31:35, marathon 3:10:49
    # (0.2 % of time each, chained through one more table cell: 0.4 %).
    rep = vdot_report(Race(10000.0, 2481.0, "10k"))
    assert rep["vdot"] == pytest.approx(50.0, abs=0.1)
    for name, book in (("5k", "19:57"), ("half_marathon", "1:31:35"), ("marathon", "3:10:49")):
        assert rep["equivalents"][name] == pytest.approx(_clock(book), rel=0.004), name
