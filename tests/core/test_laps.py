"""Per-lap averages from the streams, against planted values and the synthetic device laps.

Independent truth: (1) planted streams whose lap averages are known by
construction; (2) the lap messages of the synthetic generator's FIT files, which
it computes the way a watch does, from its own 1-Hz samples
(:func:`runform.synth.athlete._summary`), not with runform's code.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
import pytest

from runform.core.agreement import (
    TIME_WEIGHTED_NONZERO,
    TIMER_WEIGHTED_INCLUDING_ZEROS,
    device_family,
)
from runform.core.laps import (
    LAP_TOLERANCES,
    compare_lap_averages,
    default_periods,
    lap_averages,
    lap_windows,
    window_averages,
)
from runform.errors import UsageError

if TYPE_CHECKING:  # pytest owns the conftest module; import it for annotations only
    from conftest import SyntheticBlock

START = datetime(2026, 3, 1, 8, 0, tzinfo=UTC)


def _ts(seconds: float) -> pd.Timestamp:
    return pd.Timestamp(START) + pd.Timedelta(seconds=seconds)


def _laps(starts: list[float], ends: list[float] | None = None) -> pd.DataFrame:
    cols: dict[str, Any] = {"start_time": [_ts(s) for s in starts]}
    if ends is not None:
        cols["end_time"] = [_ts(e) for e in ends]
    return pd.DataFrame(cols)


def _two_lap_streams() -> pd.DataFrame:
    # Lap 1 (0-300 s]: 3.0 m/s, 170 steps/min, 250 ms; lap 2 (300-600 s]: 4.0 m/s, 180, 210 ms.
    t = np.arange(0.0, 601.0)
    fast = t > 300
    speed = np.where(fast, 4.0, 3.0)
    dist = np.concatenate([[0.0], np.cumsum(speed[1:])])
    return pd.DataFrame(
        {
            "time": t,
            "distance": dist,
            "speed": speed,
            "cadence": np.where(fast, 180.0, 170.0),
            "ground_contact_time": np.where(fast, 0.210, 0.250),
            "vertical_oscillation": np.where(fast, 0.080, 0.090),
            "heart_rate": np.where(fast, 170.0, 150.0),
        }
    )


def test_planted_laps_are_recovered_exactly() -> None:
    streams = _two_lap_streams()
    out = lap_averages(streams, _laps([0.0, 300.0]), START)
    assert out["avg_speed"].tolist() == pytest.approx([3.0, 4.0])
    assert out["distance"].tolist() == pytest.approx([900.0, 1200.0])
    assert out["timer_time"].tolist() == pytest.approx([300.0, 300.0])
    assert out["avg_cadence"].tolist() == pytest.approx([170.0, 180.0])
    assert out["avg_ground_contact_time"].tolist() == pytest.approx([0.250, 0.210])
    assert out["avg_vertical_oscillation"].tolist() == pytest.approx([0.090, 0.080])
    assert out["avg_heart_rate"].tolist() == pytest.approx([150.0, 170.0])
    assert out["avg_step_length"].isna().all()  # no stream, no value


def test_inputs_are_not_mutated() -> None:
    streams = _two_lap_streams()
    laps = _laps([0.0, 300.0])
    before_s, before_l = streams.copy(), laps.copy()
    lap_averages(streams, laps, START)
    pd.testing.assert_frame_equal(streams, before_s)
    pd.testing.assert_frame_equal(laps, before_l)


def test_a_pause_is_left_out_of_the_timer_and_the_speed() -> None:
    # The timer stops from 200 to 320 s (a record gap > 10 s); the distance does not move.
    t = np.concatenate([np.arange(0.0, 201.0), np.arange(320.0, 601.0)])
    dist = np.concatenate([np.arange(0.0, 201.0) * 3.0, 600.0 + (t[t >= 320] - 320.0) * 3.0])
    streams = pd.DataFrame({"time": t, "distance": dist, "cadence": np.full(t.size, 170.0)})
    assert default_periods(t) == [(0.0, 200.0), (320.0, 600.0)]
    out = lap_averages(streams, _laps([0.0]), START)
    assert out["timer_time"].iloc[0] == pytest.approx(480.0)
    assert out["avg_speed"].iloc[0] == pytest.approx(3.0)
    assert out["avg_cadence"].iloc[0] == pytest.approx(170.0)


def test_the_cadence_rule_decides_whether_standing_counts() -> None:
    # 200 s at 170 steps/min then 100 s standing (cadence 0, timer running).
    t = np.arange(0.0, 301.0)
    streams = pd.DataFrame({"time": t, "cadence": np.where(t <= 200, 170.0, 0.0)})
    skip = lap_averages(streams, _laps([0.0]), START, cadence_rule=TIME_WEIGHTED_NONZERO)
    count = lap_averages(streams, _laps([0.0]), START, cadence_rule=TIMER_WEIGHTED_INCLUDING_ZEROS)
    assert skip["avg_cadence"].iloc[0] == pytest.approx(170.0)
    assert count["avg_cadence"].iloc[0] == pytest.approx(170.0 * 200 / 300)


def test_whole_strides_are_applied_per_lap() -> None:
    # FR35-style devices round each lap to whole strides (runform.core.agreement families).
    t = np.arange(0.0, 101.0)
    streams = pd.DataFrame({"time": t, "cadence": np.full(t.size, 149.3)})
    rule = TIME_WEIGHTED_NONZERO.to_whole_strides("round")
    out = lap_averages(streams, _laps([0.0]), START, cadence_rule=rule)
    assert out["avg_cadence"].iloc[0] == 150.0


def test_lap_windows_distrust_impossible_end_times() -> None:
    # goldencheetah/14211916346_ACTIVITY.fit: every lap timestamp equals the first start.
    laps = _laps([0.0, 460.0, 900.0], ends=[0.0, 0.0, 0.0])
    assert lap_windows(laps, START, 1000.0) == [(0.0, 460.0), (460.0, 900.0), (900.0, 1000.0)]
    # A valid end time (a lap stopped before the next one starts) is kept.
    laps = _laps([0.0, 100.0], ends=[90.0, 200.0])
    assert lap_windows(laps, START, 200.0) == [(0.0, 90.0), (100.0, 200.0)]


def test_a_one_second_hole_between_tcx_laps_goes_to_the_next_lap() -> None:
    # runpandas/run_garmin.tcx: lap 1 ends at 768 s, lap 2 starts at 769 s.
    laps = _laps([0.0, 769.0], ends=[768.0, 823.0])
    assert lap_windows(laps, START, 823.0) == [(0.0, 768.0), (768.0, 823.0)]


def test_duplicate_lap_starts_get_the_same_range() -> None:
    # python-fitparse/activity-activity-filecrc.fit: one lap written twice.
    laps = _laps([0.0, 0.0])
    assert lap_windows(laps, START, 13.0) == [(0.0, 13.0), (0.0, 13.0)]


def test_window_averages_needs_a_time_column() -> None:
    with pytest.raises(UsageError, match="time"):
        window_averages(pd.DataFrame({"speed": [1.0]}), [(0.0, 1.0)])
    with pytest.raises(UsageError, match="start_time"):
        lap_windows(pd.DataFrame({"x": [1]}), START, 10.0)


def test_compare_marks_agree_disagree_and_unchecked() -> None:
    ours = pd.DataFrame(
        {
            "avg_cadence": [170.0, 170.0, np.nan],
            "avg_ground_contact_time": [0.250, 0.240, 0.250],
            "avg_speed": [3.0, 3.0, 3.0],
        }
    )
    device = pd.DataFrame(
        {
            "avg_cadence": [171.9, 167.5, 170.0],
            "avg_ground_contact_time": [0.254, 0.250, None],
            "avg_speed": [3.05, 3.1, 3.0],
        }
    )
    c = compare_lap_averages(ours, device)
    status = {(r.lap, r.metric): r.status for r in c.itertuples()}
    assert status[(0, "avg_cadence")] == "agree"  # 1.9 <= 2 steps/min
    assert status[(1, "avg_cadence")] == "disagree"  # 2.5 > 2
    assert status[(2, "avg_cadence")] == "unchecked"
    assert status[(0, "avg_ground_contact_time")] == "agree"  # 4 ms <= 5 ms
    assert status[(1, "avg_ground_contact_time")] == "disagree"  # 10 ms
    assert (2, "avg_ground_contact_time") not in status  # device has no value
    assert status[(0, "avg_speed")] == "agree"  # 1.6 % <= 2 %
    assert status[(1, "avg_speed")] == "disagree"  # 3.2 %
    assert c["passed"].dtype == bool
    assert LAP_TOLERANCES["avg_cadence"].tolerance == 2.0
    assert LAP_TOLERANCES["avg_ground_contact_time"].tolerance == 0.005


# ------------------------------------------------------------------ synthetic device laps


@pytest.fixture(scope="module")
def block(synthetic_block: SyntheticBlock) -> list[tuple[Any, dict[str, Any]]]:
    return list(synthetic_block.runs)


def test_every_synthetic_lap_agrees_with_the_generator_laps(
    block: list[tuple[Any, dict[str, Any]]],
) -> None:
    n = 0
    for act, truth in block:
        ours = lap_averages(
            act.streams, act.laps, act.start_time, cadence_rule=device_family(act.device).rule
        )
        c = compare_lap_averages(ours, act.laps)
        bad = c[c["status"] != "agree"]
        assert bad.empty, (truth["file"], bad)
        assert len(ours) == truth["laps"]["count"]
        n += len(c)
    assert n > 500


def test_synthetic_lap_speeds_match_the_planted_reps(
    block: list[tuple[Any, dict[str, Any]]],
) -> None:
    # The work laps of interval sessions are the planted reps (truth: distance / duration).
    for act, truth in block:
        if truth["type"] != "intervals":
            continue
        ours = lap_averages(act.streams, act.laps, act.start_time)
        active = ours[act.laps["intensity"] == "active"]
        planted = [r["avg_speed_mps"] for r in truth["interval_reps"]]
        assert active["avg_speed"].tolist() == pytest.approx(planted, rel=0.01)
        starts = [r["start_s"] for r in truth["interval_reps"]]
        assert active["start_s"].tolist() == pytest.approx(starts, abs=1.0)
