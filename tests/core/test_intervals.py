"""Interval detection against planted reps, the device's work laps, and harder cases.

Independent truth: the synthetic generator plants interval reps, hill reps and
strides and records each one's start, duration, distance and speed in its truth
files (``interval_reps``, ``hill_reps``, ``strides``), and writes the work laps
a watch would (``intensity`` active/rest); its cadence and contact-time models
are in the truth too. Planted numpy streams cover what the block does not:
a known form trend across reps, the stride/rep boundary, and lap patterns.
"""

from __future__ import annotations

import json
import math
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
import pytest

from runform.core.intervals import (
    LAP_START_TOLERANCE_S,
    MIN_REP_M,
    MIN_REP_S,
    compare_with_laps,
    detect_bouts,
    detect_intervals,
    form_consistency,
    structured_work_laps,
)

if TYPE_CHECKING:  # pytest owns the conftest module; import it for annotations only
    from conftest import SyntheticBlock

START = datetime(2026, 3, 1, 8, 0, tzinfo=UTC)
TOL_S = LAP_START_TOLERANCE_S  # issue 4: start within 10 s


@pytest.fixture(scope="module")
def block(synthetic_block: SyntheticBlock) -> list[tuple[Any, dict[str, Any]]]:
    return list(synthetic_block.runs)


def _of(block: list[tuple[Any, dict[str, Any]]], *kinds: str) -> list[tuple[Any, dict[str, Any]]]:
    return [(a, t) for a, t in block if t["type"] in kinds]


def _assert_reps_match(starts: list[float], truth: list[float], label: str) -> float:
    assert len(starts) == len(truth), (label, starts, truth)
    errors = [abs(s - t) for s, t in zip(starts, truth, strict=True)]
    assert max(errors) <= TOL_S, (label, starts, truth)
    return max(errors)


# ------------------------------------------------------------------ the synthetic block


def test_every_planted_rep_is_found_from_speed_alone(
    block: list[tuple[Any, dict[str, Any]]],
) -> None:
    sessions = _of(block, "intervals")
    assert len(sessions) == 3
    for act, truth in sessions:
        res = detect_intervals(act.streams, act.laps, act.start_time, use_laps=False)
        assert res.source == "speed"
        planted = [r["start_s"] for r in truth["interval_reps"]]
        _assert_reps_match([r.start_s for r in res.reps], planted, truth["file"])
        assert not res.hill_reps


def test_detected_reps_match_the_device_work_laps(block: list[tuple[Any, dict[str, Any]]]) -> None:
    for act, truth in _of(block, "intervals", "hills"):
        res = detect_intervals(act.streams, act.laps, act.start_time)
        assert res.source == "laps"
        cmp_ = res.lap_comparison
        assert cmp_ is not None and cmp_.agree, (truth["file"], cmp_)
        assert cmp_.max_start_error_s <= TOL_S
        assert not res.notes


def test_per_rep_values_follow_the_planted_truth(block: list[tuple[Any, dict[str, Any]]]) -> None:
    for act, truth in _of(block, "intervals"):
        res = detect_intervals(act.streams, act.laps, act.start_time, use_laps=False)
        model = truth["cadence_model"]
        dyn = truth["dynamics_model"]
        for rep, planted in zip(res.reps, truth["interval_reps"], strict=True):
            assert rep.avg_speed_mps == pytest.approx(planted["avg_speed_mps"], rel=0.03)
            assert rep.distance_m == pytest.approx(planted["distance_m"], rel=0.06)
            assert rep.duration_s == pytest.approx(planted["duration_s"], abs=6.0)
            # cadence = c0 + k (v - v_ref) + noise (athlete.py), averaged over the rep
            expected = model["c0_spm"] + model["k_spm_per_mps"] * (
                rep.avg_speed_mps - model["v_ref_mps"]
            )
            assert rep.avg_cadence_spm == pytest.approx(expected, abs=1.5)
            # contact time = gct_easy (v / v_easy) ** -0.6
            gct = dyn["gct_easy_ms"] / 1000 * (rep.avg_speed_mps / dyn["v_easy_mps"]) ** -0.6
            assert rep.avg_ground_contact_time_s == pytest.approx(gct, abs=0.004)
            assert rep.avg_step_length_m == pytest.approx(
                rep.avg_speed_mps * 60 / rep.avg_cadence_spm, rel=0.02
            )
            assert 120 < rep.avg_heart_rate_bpm < truth["hr_model"]["hr_max"]
        assert len(res.recoveries) == len(res.reps) - 1
        assert all(r.avg_speed_mps < 0.8 * res.reps[0].avg_speed_mps for r in res.recoveries)


def test_no_false_reps_on_easy_long_tempo_and_race(
    block: list[tuple[Any, dict[str, Any]]],
) -> None:
    runs = _of(block, "easy", "long", "tempo", "race")
    assert len(runs) == 18
    for act, truth in runs:
        for use_laps in (True, False):
            res = detect_intervals(act.streams, act.laps, act.start_time, use_laps=use_laps)
            assert res.reps == [] and res.hill_reps == [], truth["file"]
            assert not res.is_interval_session
        if truth["type"] == "tempo":  # one sustained bout: a tempo segment, not intervals
            long_bouts = [b for b in res.bouts if b.duration_s >= 600]
            assert len(long_bouts) == 1
            assert long_bouts[0].start_s == pytest.approx(truth["tempo"]["start_s"], abs=TOL_S)


def test_strides_are_never_reps(block: list[tuple[Any, dict[str, Any]]]) -> None:
    with_strides = [(a, t) for a, t in block if t["strides"]]
    assert len(with_strides) >= 5
    for act, truth in with_strides:
        bouts, _ = detect_bouts(act.streams)
        assert all(b.kind == "short" for b in bouts), truth["file"]


def test_hill_repeats_are_hill_reps_not_intervals(block: list[tuple[Any, dict[str, Any]]]) -> None:
    (act, truth) = _of(block, "hills")[0]
    planted = [r["start_s"] for r in truth["hill_reps"]]
    for use_laps in (True, False):
        res = detect_intervals(act.streams, act.laps, act.start_time, use_laps=use_laps)
        assert res.reps == []
        _assert_reps_match([r.start_s for r in res.hill_reps], planted, truth["file"])
        for rep, h in zip(res.hill_reps, truth["hill_reps"], strict=True):
            assert rep.mean_grade == pytest.approx(h["mean_grade"], abs=0.01)
            assert rep.elevation_gain_m == pytest.approx(h["gain_m"], abs=2.0)


def test_as_dict_has_the_issue_keys_and_is_json(block: list[tuple[Any, dict[str, Any]]]) -> None:
    act, _ = _of(block, "intervals")[0]
    d = detect_intervals(act.streams, act.laps, act.start_time).as_dict()
    text = json.dumps(d)  # no NaN, no numpy types
    assert "NaN" not in text
    assert d["intervals"]
    for rep in d["intervals"]:
        for key in ("start_s", "duration_s", "distance_m", "avg_speed_mps", "avg_cadence_spm"):
            assert isinstance(rep[key], float)
    assert set(d) >= {"intervals", "recoveries", "hill_reps", "consistency", "lap_comparison"}


def test_inputs_are_not_mutated(block: list[tuple[Any, dict[str, Any]]]) -> None:
    act, _ = _of(block, "intervals")[0]
    s, laps = act.streams.copy(), act.laps.copy()
    detect_intervals(act.streams, act.laps, act.start_time)
    pd.testing.assert_frame_equal(act.streams, s)
    pd.testing.assert_frame_equal(act.laps.drop(columns="raw"), laps.drop(columns="raw"))


# ------------------------------------------------------------------ harder cases


def _gps_noise(streams: pd.DataFrame, seed: int) -> pd.DataFrame:
    """Doppler speed noise (0.3 m/s), 1 % spikes of 2-4 m/s, wandering GPS altitude (3 m)."""
    rng = np.random.default_rng(seed)
    out = streams.copy()
    n = len(out)
    v = out["speed"].to_numpy(dtype=float) + 0.3 * rng.standard_normal(n)
    spikes = rng.random(n) < 0.01
    v[spikes] += rng.choice([-1.0, 1.0], spikes.sum()) * rng.uniform(2, 4, spikes.sum())
    out["speed"] = np.clip(v, 0.0, None)
    walk = np.cumsum(rng.standard_normal(n)) * 0.15
    drift = pd.Series(walk).rolling(60, min_periods=1).mean().to_numpy()
    out["altitude"] = out["altitude"].to_numpy(dtype=float) + 3.0 * drift / max(
        1e-9, float(np.std(drift))
    )
    return out


def test_gps_noise_does_not_hide_reps_or_invent_them(
    block: list[tuple[Any, dict[str, Any]]],
) -> None:
    for i, (act, truth) in enumerate(block):
        noisy = _gps_noise(act.streams, seed=i)
        res = detect_intervals(noisy, act.laps, act.start_time, use_laps=False)
        planted = [r["start_s"] for r in truth["interval_reps"]]
        if truth["type"] == "intervals":
            _assert_reps_match([r.start_s for r in res.reps], planted, truth["file"])
        elif truth["type"] != "hills":
            assert res.reps == [], truth["file"]
        else:
            assert res.reps == [], truth["file"]
            assert len(res.hill_reps) == len(truth["hill_reps"])


def _with_pauses(act: Any, truth: dict[str, Any]) -> tuple[pd.DataFrame, pd.DataFrame, list[float]]:
    """Stop the timer for 60 s in recoveries 1, 4 and 7 and stand 30 s (timer running) in 2 and 5."""
    s = act.streams.copy()
    laps = act.laps.copy()
    reps = truth["interval_reps"]
    rec_mid = [int(r["start_s"] + r["duration_s"] + 30) for r in reps[:-1]]
    planted = [float(r["start_s"]) for r in reps]
    for k in sorted([1, 2, 4, 5, 7], reverse=True):
        at = float(rec_mid[k])
        later = [j for j, r in enumerate(reps) if r["start_s"] > at]
        if k in (1, 4, 7):  # timer stopped: a 60-s hole in the records
            shift, insert = 60.0, None
        else:  # standing, timer running: 30 records at speed 0
            row = s[s["time"] == at].iloc[0]
            insert = pd.DataFrame([row] * 30)
            insert["time"] = at + 1.0 + np.arange(30.0)
            insert["speed"] = 0.0
            insert["cadence"] = 0.0
            shift = 30.0
        after = s["time"] > at
        s.loc[after, "time"] += shift
        if "timestamp" in s:
            s.loc[after, "timestamp"] += pd.Timedelta(seconds=shift)
        if insert is not None:
            s = pd.concat([s, insert]).sort_values("time", kind="stable").reset_index(drop=True)
        moved = laps["start_time"] > pd.Timestamp(act.start_time) + pd.Timedelta(seconds=at)
        laps.loc[moved, "start_time"] += pd.Timedelta(seconds=shift)
        laps.loc[moved, "end_time"] += pd.Timedelta(seconds=shift)
        for j in later:
            planted[j] += shift
    return s, laps, planted


def test_pauses_inside_an_interval_session(block: list[tuple[Any, dict[str, Any]]]) -> None:
    act, truth = next((a, t) for a, t in _of(block, "intervals") if len(t["interval_reps"]) == 10)
    streams, laps, planted = _with_pauses(act, truth)
    det = detect_intervals(streams, laps, act.start_time, use_laps=False)
    _assert_reps_match([r.start_s for r in det.reps], planted, "paused, from speed")
    lap = detect_intervals(streams, laps, act.start_time)
    assert lap.source == "laps" and lap.lap_comparison is not None and lap.lap_comparison.agree
    # The timer pauses are not counted in the recoveries' duration.
    paused_recovery = lap.recoveries[1]
    assert paused_recovery.end_s - paused_recovery.start_s >= paused_recovery.duration_s + 55


def _treadmill(streams: pd.DataFrame, seed: int) -> pd.DataFrame:
    """No GPS: no position or altitude; speed from the wrist accelerometer (3 % scale error,
    2 % noise), distance its integral."""
    rng = np.random.default_rng(seed)
    out = streams.drop(columns=["latitude", "longitude", "altitude", "gps_spike"]).copy()
    v = out["speed"].to_numpy(dtype=float) * 0.97
    v = v * (1 + 0.02 * rng.standard_normal(v.size))
    out["speed"] = v
    out["distance"] = np.concatenate([[0.0], np.cumsum(v[1:])])
    return out


def test_a_treadmill_interval_run_without_gps(block: list[tuple[Any, dict[str, Any]]]) -> None:
    for act, truth in _of(block, "intervals"):
        tread = _treadmill(act.streams, seed=1)
        planted = [r["start_s"] for r in truth["interval_reps"]]
        res = detect_intervals(tread, None, use_laps=False)
        _assert_reps_match([r.start_s for r in res.reps], planted, truth["file"])
        # Without a speed stream at all, speed comes from the distance.
        no_speed = detect_intervals(tread.drop(columns="speed"), None)
        _assert_reps_match([r.start_s for r in no_speed.reps], planted, truth["file"])
        with_laps = detect_intervals(tread, act.laps, act.start_time)
        assert with_laps.lap_comparison is not None and with_laps.lap_comparison.agree


# ------------------------------------------------------------------ planted streams


def _session(
    reps: int,
    work_s: float,
    work_mps: float,
    rest_s: float,
    rest_mps: float,
    *,
    cadence: list[float] | None = None,
    gct: list[float] | None = None,
) -> tuple[pd.DataFrame, list[float]]:
    """Warm-up 600 s at 3.0 m/s, reps with recoveries, cool-down 300 s; 1 Hz."""
    v: list[float] = [3.0] * 600
    cad: list[float] = [165.0] * 600
    g: list[float] = [0.250] * 600
    starts: list[float] = []
    for k in range(reps):
        starts.append(float(len(v) - 1))
        v += [work_mps] * int(work_s)
        cad += [cadence[k] if cadence else 180.0] * int(work_s)
        g += [gct[k] if gct else 0.210] * int(work_s)
        if k < reps - 1:
            v += [rest_mps] * int(rest_s)
            cad += [160.0] * int(rest_s)
            g += [0.270] * int(rest_s)
    v += [3.0] * 300
    cad += [165.0] * 300
    g += [0.250] * 300
    speed = np.array(v)
    t = np.arange(speed.size, dtype=float)
    frame = pd.DataFrame(
        {
            "time": t,
            "speed": speed,
            "distance": np.concatenate([[0.0], np.cumsum(speed[1:])]),
            "cadence": np.array(cad),
            "ground_contact_time": np.array(g),
        }
    )
    return frame, starts


def test_form_consistency_recovers_a_planted_trend_and_spread() -> None:
    cad = [180.0 - k for k in range(6)]  # cadence falls 1 step/min per rep
    gct = [0.200 + 0.002 * k for k in range(6)]  # contact time rises 2 ms per rep
    streams, starts = _session(6, 120, 4.3, 90, 2.4, cadence=cad, gct=gct)
    res = detect_intervals(streams)
    _assert_reps_match([r.start_s for r in res.reps], starts, "planted")
    c = res.consistency
    assert c is not None and c.n_reps == 6
    assert c.cadence_slope_spm_per_rep == pytest.approx(-1.0, abs=0.1)
    assert c.contact_time_slope_s_per_rep == pytest.approx(0.002, abs=0.0002)
    cv = 100 * np.std(cad, ddof=1) / np.mean(cad)
    assert c.cadence_cv_pct == pytest.approx(cv, rel=0.1)
    assert c.contact_time_cv_pct == pytest.approx(100 * np.std(gct, ddof=1) / np.mean(gct), rel=0.1)
    assert c.speed_cv_pct == pytest.approx(0.0, abs=0.3)
    assert form_consistency(res.reps[:1]) is None


def test_the_stride_rep_boundary() -> None:
    # 25-s accelerations (110 m) are strides; 60-s efforts are reps; both from the same jog.
    short, _ = _session(6, 25, 4.4, 60, 2.4)
    assert detect_intervals(short).reps == []
    assert all(b.kind == "short" for b in detect_bouts(short)[0])
    long_, starts = _session(6, 60, 4.4, 60, 2.4)
    _assert_reps_match([r.start_s for r in detect_intervals(long_).reps], starts, "60 s")
    # 200-m reps at R pace (5.2 m/s, 38 s) count by distance.
    r200, starts = _session(8, 38, 5.2, 60, 2.0)
    reps = detect_intervals(r200).reps
    _assert_reps_match([r.start_s for r in reps], starts, "200 m")
    assert MIN_REP_S > 30 and MIN_REP_M > 4.4 * 30  # a 30-s stride at 5K pace is not a rep


def test_a_steady_run_with_pace_drift_has_no_bouts() -> None:
    t = np.arange(3600.0)
    v = 3.0 + 0.1 * np.sin(2 * np.pi * t / 900) + 0.002 * (t / 60)  # +/-3 % waves, slow drift
    streams = pd.DataFrame({"time": t, "speed": v})
    bouts, levels = detect_bouts(streams)
    assert bouts == [] and levels is not None and levels.contrast < 1.12


def test_a_gradual_surge_is_not_a_rep() -> None:
    # Fartlek-like: speed rises over 2 minutes, holds, and falls back over 2 minutes.
    ramp = np.linspace(3.0, 3.9, 120)
    one = np.concatenate([np.full(300, 3.0), ramp, np.full(120, 3.9), ramp[::-1]])
    v = np.concatenate([one, one, np.full(300, 3.0)])
    streams = pd.DataFrame({"time": np.arange(v.size, dtype=float), "speed": v})
    res = detect_intervals(streams)
    assert res.reps == []
    assert {b.kind for b in res.bouts} == {"surge"}


def _laps(intensity: list[str] | None, speeds: list[float], triggers: list[str]) -> pd.DataFrame:
    dur = [120.0] * len(speeds)
    starts = np.concatenate([[0.0], np.cumsum(dur)[:-1]])
    d: dict[str, Any] = {
        "start_time": [pd.Timestamp(START) + pd.Timedelta(seconds=float(s)) for s in starts],
        "timer_time": dur,
        "distance": [v * x for v, x in zip(speeds, dur, strict=True)],
        "trigger": triggers,
    }
    if intensity is not None:
        d["intensity"] = intensity
    return pd.DataFrame(d)


def test_structured_laps_from_intensity_and_from_lap_presses() -> None:
    n7 = ["manual"] * 7
    inten = ["warmup", "active", "rest", "active", "rest", "active", "cooldown"]
    assert structured_work_laps(_laps(inten, [3.0] * 7, n7), START, 840) == [1, 3, 5]
    presses = _laps(None, [2.7, 5.4, 1.4, 5.5, 1.4, 5.1, 2.1], n7)
    assert structured_work_laps(presses, START, 840) == [1, 3, 5]
    # Auto laps are no workout, whatever the speeds.
    auto = _laps(None, [2.7, 5.4, 1.4, 5.5, 1.4, 5.1, 2.1], ["distance"] * 7)
    assert structured_work_laps(auto, START, 840) is None
    # A progression run: the fast laps follow one another.
    prog = _laps(None, [2.5, 2.6, 3.4, 3.6, 3.8], ["manual"] * 5)
    assert structured_work_laps(prog, START, 600) is None
    # Walking laps (heartandsole/activity.fit: 1.19, 0.72, 0.41, 1.46 m/s) are no reps.
    walk = _laps(None, [1.19, 0.72, 0.41, 1.46], ["manual"] * 4)
    assert structured_work_laps(walk, START, 480) is None
    # Intervals marked "interval" with no rest laps (goldencheetah fr955): not a workout.
    same = _laps(["interval"] * 5, [2.9, 2.7, 2.9, 2.8, 2.4], ["manual"] * 5)
    assert structured_work_laps(same, START, 600) is None


def test_compare_with_laps_pairs_nearest_starts_one_to_one() -> None:
    cmp_ = compare_with_laps([902.0, 1075.0, 1600.0], [900.0, 1073.0, 1246.0])
    assert cmp_.matches == [(900.0, 902.0), (1073.0, 1075.0)]
    assert cmp_.unmatched_laps == [1246.0] and cmp_.unmatched_detected == [1600.0]
    assert not cmp_.agree and cmp_.max_start_error_s == 2.0
    assert any("1246" in n for n in cmp_.notes())
    ok = compare_with_laps([905.0, 1081.0], [900.0, 1073.0])
    assert ok.agree and ok.max_start_error_s == 8.0
    assert math.isnan(compare_with_laps([], []).max_start_error_s)
