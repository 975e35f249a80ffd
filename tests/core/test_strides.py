"""Strides against planted truth: the synthetic block's strides, and harder cases built here.

Truth comes from the generator (``runform.synth.athlete``): every run's ``strides``
(start, duration, peak speed, distance; 20 s each, 60 s walk after, at the end of
easy and long runs), the per-sample planted flat-equivalent speed, and the
athlete's 5K speed (block summary ``paces_mps``). Runs without strides (easy,
tempo, intervals at I pace, hill repeats) must give none.
"""

from __future__ import annotations

import json
import statistics
import time
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
import pytest

from runform.core.hills import analyze_hills, grade_stream
from runform.core.strides import (
    DEFAULT_PRESCRIPTION,
    Stride,
    StridePrescription,
    default_five_k_speed,
    detect_strides,
    score_strides,
)
from runform.errors import UsageError

if TYPE_CHECKING:  # pytest owns the conftest module; import it for annotations only
    from conftest import Streams as Runs
    from conftest import SyntheticBlock


@pytest.fixture(scope="module")
def block(synthetic_block: SyntheticBlock) -> Runs:
    return synthetic_block.streams_without_race()


@pytest.fixture(scope="module")
def five_k(synthetic_block: SyntheticBlock) -> float:
    return float(synthetic_block.summary["paces_mps"]["five_k"])


FIVE_K_OPTIONS = ("default", "known")


def _v5(option: str, five_k: float) -> float | None:
    return None if option == "default" else five_k


def _assert_matches(found: list[Stride], planted: list[dict[str, Any]], label: str) -> None:
    assert len(found) == len(planted), (label, [s.start_s for s in found])
    for got, want in zip(found, planted, strict=True):
        assert abs(got.start_s - want["start_s"]) <= 5.0, label
        assert abs(got.duration_s - want["duration_s"]) <= 5.0, label
        assert got.peak_speed_mps == pytest.approx(want["peak_speed_mps"], rel=0.05), label
        assert got.distance_m == pytest.approx(want["distance_m"], rel=0.20), label


# --------------------------------------------------------------------------- the block


@pytest.mark.parametrize("option", FIVE_K_OPTIONS)
def test_every_planted_stride_is_found(block: Runs, five_k: float, option: str) -> None:
    with_strides = [(n, s, t) for n, (s, t) in block.items() if t["strides"]]
    assert sum(len(t["strides"]) for _, _, t in with_strides) >= 40
    for name, streams, truth in with_strides:
        _assert_matches(detect_strides(streams, _v5(option, five_k)), truth["strides"], name)


@pytest.mark.parametrize("option", FIVE_K_OPTIONS)
def test_no_strides_on_runs_without_them(block: Runs, five_k: float, option: str) -> None:
    # easy runs without strides, tempo runs, intervals at I pace (400-1000 m reps,
    # faster than 5K pace), hill repeats at I effort, whose jog down and cool-down
    # down the hill reach 5 m/s: none of them is a stride.
    without = [(n, s, t) for n, (s, t) in block.items() if not t["strides"]]
    kinds = {t["type"] for _, _, t in without}
    assert {"easy", "tempo", "intervals", "hills"} <= kinds
    for name, streams, _ in without:
        assert detect_strides(streams, _v5(option, five_k)) == [], name


def test_peak_is_measured_against_5k_pace_and_recovery_is_the_planted_walk(
    block: Runs, five_k: float
) -> None:
    for name, (streams, truth) in block.items():
        if not truth["strides"]:
            continue
        flat = np.asarray(truth["samples"]["flat_speed_mps"])
        walks = {s["start_s"]: s for s in truth["segments"] if s["role"] == "walk"}
        found = detect_strides(streams, five_k)
        for got, want in zip(found, truth["strides"], strict=True):
            a = want["start_s"]
            planted_peak = float(flat[a : a + want["duration_s"] + 1].max())
            assert got.peak_gap_mps == pytest.approx(planted_peak, rel=0.05), name
            assert got.peak_vs_5k == pytest.approx(planted_peak / five_k, rel=0.05)
            walk = walks[a + want["duration_s"]]  # the walk right after the stride
            assert got.recovery_s == pytest.approx(walk["duration_s"], abs=5.0)
            assert got.recovery_rest_s >= 0.9 * got.recovery_s
            assert got.recovery_avg_speed_mps == pytest.approx(1.4, abs=0.2)  # WALK_SPEED
            assert got.peak_cadence_spm > got.avg_cadence_spm > 140.0
            assert got.run_fraction > 0.7  # at the end of the run


def test_default_five_k_speed_is_near_the_athletes(block: Runs, five_k: float) -> None:
    # 1.3 x the median grade-adjusted speed of an easy or long run ~ 5K speed.
    for streams, truth in block.values():
        if truth["type"] in ("easy", "long"):
            assert default_five_k_speed(streams) == pytest.approx(five_k, rel=0.06)


def test_scores_against_the_default_prescription(block: Runs, five_k: float) -> None:
    assert StridePrescription(6, 60.0, 1.0, 60.0, "walk") == DEFAULT_PRESCRIPTION
    for name, (streams, truth) in block.items():
        n = len(truth["strides"])
        if n == 0:
            continue
        score = score_strides(detect_strides(streams, five_k))
        assert score.count == n and score.prescribed_count == 6
        # the planted strides are 20 s / 60-75 m at 5K pace +-2 % with 60 s walks:
        # full marks each, so the run scores 100 x min(1, n/6)
        assert [m.score for m in score.strides] == pytest.approx([1.0] * n, abs=0.05), name
        assert score.score == pytest.approx(100.0 * min(1.0, n / 6), abs=5.0), name
        if n < 6:
            assert score.notes[0] == f"{n} of 6 strides"
        matching = score_strides(
            detect_strides(streams, five_k), StridePrescription(count=n, distance_m=65.0)
        )
        assert matching.score == pytest.approx(100.0, abs=5.0)


def test_scoring_follows_the_documented_bands() -> None:
    def stride(peak: float, dist: float, rec: float, rest: float) -> Stride:
        nan = float("nan")
        return Stride(
            0.0, 20.0, dist, 4.0, peak * 4.0, 4.0, peak, 3.0, nan, nan, 0.0, rec, rest, 1.4, 0.9
        )

    p = StridePrescription(count=2, distance_m=60.0, recovery_s=60.0, recovery="walk")
    # peak 85 % of 5K: (0.85 - 0.80) / (0.95 - 0.80) = 1/3; 60 m: 1; 60 s walked: 1
    s1 = stride(0.85, 60.0, 60.0, 60.0)
    # 120 m = 2 x 60 m: (2.5 - 2) / (2.5 - 5/3) = 0.6; 30 s recovery: (0.5 - 0.25) / 0.5
    # = 0.5, a quarter walked: x 0.25 / 0.5 = 0.5 -> 0.25
    s2 = stride(1.0, 120.0, 30.0, 7.5)
    score = score_strides([s1, s2], p)
    m1, m2 = score.strides
    assert (m1.speed, m1.distance, m1.recovery) == pytest.approx((1 / 3, 1.0, 1.0))
    assert (m2.speed, m2.distance, m2.recovery) == pytest.approx((1.0, 0.6, 0.25))
    assert score.score == pytest.approx(100 * (m1.score + m2.score) / 2)
    assert score_strides([], p).score == 0.0
    assert json.loads(json.dumps(score.as_dict(), allow_nan=False))["count"] == 2
    with pytest.raises(UsageError):
        StridePrescription(count=0)


# --------------------------------------------------------------------------- harder cases


def test_strides_survive_gps_speed_noise(block: Runs, five_k: float) -> None:
    # White speed noise (sd 0.2 m/s) and spikes of +2-5 m/s for 1-3 samples every
    # ~200 s, some overlapping: every stride still found, none invented.
    rng = np.random.default_rng(3)
    for name, (streams, truth) in block.items():
        noisy = streams.copy()
        v = streams["speed"].to_numpy() + rng.normal(0.0, 0.2, len(streams))
        for i in rng.choice(len(v) - 3, len(v) // 200, replace=False):
            v[i : i + int(rng.integers(1, 4))] += rng.uniform(2.0, 5.0)
        noisy["speed"] = np.clip(v, 0.0, None)
        for v5 in (None, five_k):
            found = detect_strides(noisy, v5)
            assert len(found) == len(truth["strides"]), name
            for got, want in zip(found, truth["strides"], strict=True):
                assert abs(got.start_s - want["start_s"]) <= 5.0, name


def test_pauses_and_stops_during_a_stride_session(block: Runs, five_k: float) -> None:
    # Auto-pause for 40 s in every walk recovery (records missing) and a 30 s stop
    # at a traffic light during the easy part (speed and cadence 0): the strides are
    # found at their times, the pauses count as rest, the stop makes no stride.
    for name, (streams, truth) in block.items():
        if not truth["strides"]:
            continue
        s = streams.copy()
        stop = slice(600, 630)
        s.loc[s.index[stop], ["speed", "cadence"]] = 0.0
        d = s["distance"].to_numpy().copy()
        d[600:] -= d[630] - d[600]
        d[600:630] = d[600]
        s["distance"] = d
        keep = np.ones(len(s), dtype=bool)
        for st in truth["strides"]:
            a = st["start_s"] + st["duration_s"] + 10
            keep[a : a + 40] = False
        paused = s[keep].reset_index(drop=True)
        found = detect_strides(paused, five_k)
        _assert_matches(found, truth["strides"], name)
        for got in found[:-1]:
            assert got.recovery_s == pytest.approx(60.0, abs=5.0)
            assert got.recovery_rest_s >= 0.9 * got.recovery_s


def test_treadmill_run_without_altitude_or_gps(block: Runs, five_k: float) -> None:
    for name, (streams, truth) in block.items():
        if truth["type"] not in ("easy", "long"):
            continue
        treadmill = streams.drop(columns=["altitude", "latitude", "longitude"])
        _assert_matches(detect_strides(treadmill, five_k), truth["strides"], name)
        assert analyze_hills(treadmill).climbs == ()


def _built(speed: np.ndarray, grade: np.ndarray, seed: int = 0) -> pd.DataFrame:
    """1 Hz streams from a speed and a grade profile; cadence follows speed (6.5 spm
    per m/s, as planted in the generator)."""
    rng = np.random.default_rng(seed)
    n = speed.size
    dist = np.concatenate(([0.0], np.cumsum(speed[1:])))
    alt = 10.0 + np.concatenate(([0.0], np.cumsum(grade[1:] * speed[1:])))
    cadence = np.where(speed < 2.0, 114.0, 166.0 + 6.5 * (speed - 3.2)) + rng.normal(0, 1.5, n)
    return pd.DataFrame(
        {
            "time": np.arange(n, dtype=float),
            "distance": dist,
            "speed": speed,
            "cadence": cadence,
            "altitude": np.round(alt, 1),
        }
    )


def _cr(i: np.ndarray) -> np.ndarray:
    """Minetti et al. (2002) Cr(i) [J/kg/m], vectors.md."""
    return 155.4 * i**5 - 30.4 * i**4 - 43.3 * i**3 + 46.3 * i**2 + 19.5 * i + 3.6


def test_running_down_a_hill_at_easy_effort_is_not_a_stride() -> None:
    # Easy effort (3.2 m/s flat-equivalent) over a short -8 % descent: the runner
    # reaches 4.9 m/s for ~25 s, faster than 5K pace (4.2 m/s), at easy effort.
    n = 1500
    grade = np.zeros(n)
    grade[700:725] = -0.08
    speed = 3.2 * 3.6 / _cr(grade)
    streams = _built(speed, grade)
    assert speed.max() > 4.8
    assert detect_strides(streams, 4.2) == []
    # the same speeds on the flat are a stride (the descent is what makes them easy)
    flat = _built(speed, np.zeros(n))
    (stride,) = detect_strides(flat, 4.2)
    assert abs(stride.start_s - 699) <= 5


def test_short_intervals_at_i_pace_are_not_strides() -> None:
    # 15 min easy, then 10 x (30 s at I pace 4.25 m/s / 30 s jog at 2.5 m/s), cool-down:
    # 30 s reps are stride-length, but with 30 s recoveries they are a session.
    parts = [np.full(900, 3.18)]
    for _ in range(10):
        parts += [np.full(30, 4.25), np.full(30, 2.5)]
    parts.append(np.full(600, 3.18))
    speed = np.concatenate(parts)
    streams = _built(speed, np.zeros(speed.size))
    assert detect_strides(streams, 4.18) == []
    assert detect_strides(streams) == []
    # 200 m reps at I pace (47 s) with 200 m jogs: longer than a stride
    parts = [np.full(900, 3.18)]
    for _ in range(8):
        parts += [np.full(47, 4.25), np.full(80, 2.5)]
    speed = np.concatenate([*parts, np.full(600, 3.18)])
    assert detect_strides(_built(speed, np.zeros(speed.size)), 4.18) == []


# --------------------------------------------------------------------------- contract and speed


def test_results_are_json_ready_and_inputs_untouched(block: Runs) -> None:
    streams = next(s for s, t in block.values() if len(t["strides"]) == 6)
    before = streams.copy(deep=True)
    found = detect_strides(streams)
    pd.testing.assert_frame_equal(streams, before)
    row = json.loads(json.dumps(found[0].as_dict(), allow_nan=False))
    assert {"start_s", "duration_s", "peak_speed_mps"} <= set(row)
    assert all(isinstance(row[k], float) for k in ("start_s", "duration_s", "peak_speed_mps"))
    with pytest.raises(UsageError, match="five_k_speed_mps"):
        detect_strides(streams, -1.0)
    with pytest.raises(UsageError, match="time"):
        detect_strides(streams.drop(columns=["time"]))
    assert detect_strides(streams.iloc[:0]) == []
    assert detect_strides(streams.iloc[:1]) == []


def test_three_hour_run_is_analysed_quickly(block: Runs) -> None:
    # A 3-hour 1 Hz run (long run + hill session + easy run with strides, joined):
    # grade once, then hills (climbs, by-grade form, repeats) and strides.
    parts = []
    t0 = d0 = 0.0
    for kind in ("long", "hills", "easy"):
        s = next(
            s for s, t in block.values() if t["type"] == kind and (kind != "easy" or t["strides"])
        )
        s = s.copy()
        s["time"] += t0
        s["distance"] += d0
        t0, d0 = float(s["time"].iloc[-1]) + 1.0, float(s["distance"].iloc[-1])
        parts.append(s)
    run = pd.concat(parts, ignore_index=True)
    assert run["time"].iloc[-1] >= 3 * 3600 - 600

    def analyse() -> tuple[int, int]:
        grade = grade_stream(run)
        hills = analyze_hills(run, grade=grade)
        strides = detect_strides(run, grade=grade)
        return len(hills.repeats), len(strides)

    counts = analyse()
    assert counts[0] == 8 and counts[1] >= 5
    times = []
    for _ in range(5):
        start = time.perf_counter()
        analyse()
        times.append(time.perf_counter() - start)
    median = statistics.median(times)
    print(f"3-hour run: hills + strides {1e3 * median:.1f} ms (median of 5)")
    assert median < 0.25  # target < 50 ms (measured ~20-35 ms); loose for loaded CI machines
