"""Training load against published vectors and planted training histories.

Reference values: shared/reference/vectors.md, "Load" section:
CTL/ATL in Coggan's Performance Manager form (Allen & Coggan 2010); ACWR from
Gabbett 2016 (BJSM 50:273, doi:10.1136/bjsports-2015-095788) and Williams et al.
2017 (BJSM 51:209, doi:10.1136/bjsports-2016-096589).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from runform.core.grade import minetti_cost
from runform.core.load import (
    acwr_ewma,
    acwr_rolling,
    ctl_atl_tsb,
    daily_load,
    load_flags,
    monotony_strain,
    normalized_graded_speed,
    rtss,
    weekly_summary,
)
from runform.errors import UsageError

THRESHOLD = 4.0  # m/s, 4:10 /km


def _constant(n_days: int, load: float, start: str = "2026-01-05") -> pd.Series:
    return daily_load(pd.date_range(start, periods=n_days), [load] * n_days)


# ----------------------------------------------------------------------- rTSS


def _run(speed: np.ndarray, **cols: np.ndarray) -> pd.DataFrame:
    return pd.DataFrame({"time": np.arange(speed.size, dtype=float), "speed": speed, **cols})


def test_an_hour_at_threshold_on_the_flat_is_100() -> None:
    # Definition of TSS (Allen & Coggan 2010): one hour at threshold = 100.
    s = _run(np.full(3600, THRESHOLD))
    assert rtss(s, THRESHOLD) == pytest.approx(100.0, abs=1e-9)
    assert rtss(_run(np.full(3600, 0.9 * THRESHOLD)), THRESHOLD) == pytest.approx(81.0, abs=1e-9)


def test_rtss_grades_a_planted_climb_from_distance_and_altitude() -> None:
    # An hour up a constant 6 % slope: IF = v * Cr(0.06) / Cr(0) / threshold (Minetti 2002).
    v = 3.0
    d = np.arange(3600) * v
    s = _run(np.full(3600, v), distance=d, altitude=100.0 + 0.06 * d)
    intensity = v * minetti_cost(0.06) / 3.6 / THRESHOLD
    assert rtss(s, THRESHOLD) == pytest.approx(100.0 * intensity**2, rel=1e-9)
    # Strava's factor at 6 %: 1.135 + (1.459 - 1.135) * 2/6 (linear between 4 % and 10 %).
    f = 1.135 + (1.459 - 1.135) * 2 / 6
    assert rtss(s, THRESHOLD, model="strava") == pytest.approx(100 * (v * f / THRESHOLD) ** 2)
    # Without altitude the recorded grade is used; without either, the run is flat.
    recorded = _run(np.full(3600, v), grade=np.full(3600, 0.06))
    assert rtss(recorded, THRESHOLD) == pytest.approx(100.0 * intensity**2, rel=1e-9)
    assert rtss(_run(np.full(3600, v)), THRESHOLD) == pytest.approx(100 * (v / THRESHOLD) ** 2)


def test_ngp_of_alternating_minutes_matches_the_analytic_fourth_power_mean() -> None:
    # 60 s at 1.2 x threshold, 60 s at 0.8 x, for an hour. With a 30 s rolling mean each
    # 120 s period has 30 s flat at 1.2, 30 s flat at 0.8 and two 30 s linear ramps, so
    # mean(r^4) = 0.5 * (1.2^4 + 0.8^4) / 2 + 0.5 * (1.2^5 - 0.8^5) / (5 * 0.4) = 1.16096.
    t = np.arange(3600.0)
    v = np.where((t // 60) % 2 == 0, 1.2, 0.8) * THRESHOLD
    mean_r4 = 0.5 * (1.2**4 + 0.8**4) / 2 + 0.5 * (1.2**5 - 0.8**5) / (5 * 0.4)
    assert normalized_graded_speed(t, v) == pytest.approx(THRESHOLD * mean_r4**0.25, rel=1e-3)
    assert rtss(_run(v), THRESHOLD) == pytest.approx(100 * mean_r4**0.5, abs=0.2)
    assert rtss(_run(v), THRESHOLD) > rtss(_run(np.full(3600, THRESHOLD)), THRESHOLD)


def test_rtss_leaves_pauses_out() -> None:
    # 30 min at threshold, a 20-min stop with the timer paused, 30 min at threshold.
    t = np.concatenate([np.arange(1800.0), 3000.0 + np.arange(1800.0)])
    s = pd.DataFrame({"time": t, "speed": np.full(t.size, THRESHOLD)})
    # The sample before the pause stands for 10 s (PAUSE_GAP_S): 3609 s moving.
    assert rtss(s, THRESHOLD) == pytest.approx(100.0 * 3609 / 3600, abs=1e-9)


def test_rtss_uses_distance_when_speed_is_missing_and_validates() -> None:
    s = pd.DataFrame({"time": np.arange(3600.0), "distance": np.arange(3600.0) * THRESHOLD})
    assert rtss(s, THRESHOLD) == pytest.approx(100.0, abs=1e-9)
    with pytest.raises(UsageError, match="threshold"):
        rtss(s, 0.0)
    with pytest.raises(UsageError, match="speed"):
        rtss(pd.DataFrame({"time": [0.0, 1.0]}), THRESHOLD)


def test_rtss_does_not_mutate_the_streams() -> None:
    d = np.arange(600) * 3.0
    s = _run(np.full(600, 3.0), distance=d, altitude=np.where(d > 900, 50.0, 0.0))
    before = s.copy()
    rtss(s, THRESHOLD)
    pd.testing.assert_frame_equal(s, before)


# ----------------------------------------------------------------------- daily series


def test_daily_load_books_every_calendar_day_with_zeros() -> None:
    dates = pd.to_datetime(
        ["2026-03-02T06:00Z", "2026-03-02T18:00Z", "2026-03-05T07:00Z"]
    ).tz_convert("Europe/Berlin")
    daily = daily_load(dates, [30.0, 20.0, np.nan], start="2026-03-01", end="2026-03-07")
    assert list(pd.DatetimeIndex(daily.index).strftime("%m-%d")) == ["03-01", "03-02", "03-03", "03-04",
                                                   "03-05", "03-06", "03-07"]  # fmt: skip
    assert daily.tolist() == [0.0, 50.0, 0.0, 0.0, 0.0, 0.0, 0.0]
    assert daily.name == "load" and daily.index.name == "date"


def test_daily_load_uses_the_local_day_of_aware_timestamps() -> None:
    # 23:30 UTC on 1 March is 00:30 on 2 March in Berlin.
    utc = pd.DatetimeIndex(["2026-03-01T23:30Z"])
    assert daily_load(utc, [10.0]).index[0] == pd.Timestamp("2026-03-01")
    assert daily_load(utc.tz_convert("Europe/Berlin"), [10.0]).index[0] == pd.Timestamp(
        "2026-03-02"
    )


def test_ctl_atl_reproduce_the_reference_vectors() -> None:
    # vectors.md: constant 100 a day from 0 (Coggan form), +-1e-3.
    pmc = ctl_atl_tsb(_constant(42, 100.0))
    for day, ctl, atl in [(1, 2.3810, 14.2857), (7, 15.522, 66.008), (42, 63.654, 99.846)]:
        assert pmc["ctl"].iloc[day - 1] == pytest.approx(ctl, abs=1e-3)
        assert pmc["atl"].iloc[day - 1] == pytest.approx(atl, abs=1e-3)


def test_tsb_is_yesterdays_ctl_minus_yesterdays_atl() -> None:
    pmc = ctl_atl_tsb(_constant(42, 100.0))
    assert pmc["tsb"].iloc[0] == 0.0
    assert pmc["tsb"].iloc[1] == pytest.approx(2.3810 - 14.2857, abs=1e-3)
    assert pmc["tsb"].iloc[1:].to_numpy() == pytest.approx(
        (pmc["ctl"] - pmc["atl"]).iloc[:-1].to_numpy()
    )


def test_exponential_form_uses_the_exact_decay() -> None:
    pmc = ctl_atl_tsb(_constant(3, 100.0), form="exponential")
    assert pmc["ctl"].iloc[0] == pytest.approx(100 * (1 - np.exp(-1 / 42)))
    assert pmc["atl"].iloc[2] == pytest.approx(100 * (1 - np.exp(-3 / 7)))


def test_ctl_rejects_series_with_missing_days() -> None:
    gappy = pd.Series([1.0, 2.0], index=pd.to_datetime(["2026-01-01", "2026-01-03"]))
    with pytest.raises(UsageError, match="consecutive day"):
        ctl_atl_tsb(gappy)
    with pytest.raises(UsageError, match="missing values"):
        ctl_atl_tsb(pd.Series([1.0, np.nan], index=pd.date_range("2026-01-01", periods=2)))


# ----------------------------------------------------------------------- ACWR


def _gabbett_series() -> pd.Series:
    # vectors.md: 21 days at 50 then 7 days at 75.
    return daily_load(pd.date_range("2026-01-05", periods=28), [50.0] * 21 + [75.0] * 7)


def test_acwr_reproduces_the_reference_vectors() -> None:
    daily = _gabbett_series()
    assert acwr_rolling(daily).iloc[-1] == pytest.approx(1.3333, abs=1e-4)
    assert acwr_rolling(daily, coupled=False).iloc[-1] == pytest.approx(1.5000, abs=1e-4)
    assert acwr_ewma(daily).iloc[-1] == pytest.approx(1.1976, abs=1e-4)


def test_acwr_is_nan_until_the_chronic_window_is_full_or_when_it_is_zero() -> None:
    daily = _gabbett_series()
    for ratio in (acwr_rolling(daily), acwr_rolling(daily, coupled=False), acwr_ewma(daily)):
        assert ratio.iloc[:27].isna().all()
    assert acwr_rolling(_constant(28, 0.0)).isna().all()
    with pytest.raises(UsageError, match="acute < chronic"):
        acwr_rolling(daily, acute=28, chronic=7)


# ----------------------------------------------------------------------- monotony


def test_monotony_of_constant_daily_load_is_unbounded_and_rest_is_undefined() -> None:
    ms = monotony_strain(_constant(14, 50.0))  # 2026-01-05 is a Monday: two full weeks
    assert np.isinf(ms["monotony"]).all() and np.isinf(ms["strain"]).all()
    rest = monotony_strain(_constant(7, 0.0))
    assert rest["monotony"].isna().all()
    assert rest["strain"].iloc[0] == 0.0


def test_monotony_and_strain_follow_foster() -> None:
    # One week, rest days included: mean / sample SD; strain = weekly load x monotony.
    week = [0.0, 60.0, 40.0, 80.0, 0.0, 40.0, 100.0]
    daily = daily_load(pd.date_range("2026-01-05", periods=7), week)
    ms = monotony_strain(daily)
    expected = np.mean(week) / np.std(week, ddof=1)
    assert ms["monotony"].iloc[0] == pytest.approx(expected)
    assert ms["strain"].iloc[0] == pytest.approx(sum(week) * expected)


def test_monotony_is_nan_for_partial_weeks() -> None:
    ms = monotony_strain(daily_load(pd.date_range("2026-01-07", periods=12), [10.0, 20.0] * 6))
    assert ms["n_days"].tolist() == [5, 7]
    assert np.isnan(ms["monotony"].iloc[0]) and np.isfinite(ms["monotony"].iloc[1])


# ----------------------------------------------------------------------- weekly flags

# Mon rest, Tue-Thu runs, Fri rest, Sat easy, Sun long: long run 27 % of the week.
PATTERN = np.array([0.0, 10.0, 8.0, 12.0, 0.0, 8.0, 14.0])


def _activities(weekly_km: list[float], start: str = "2026-01-05") -> pd.DataFrame:
    rows = []
    for w, volume in enumerate(weekly_km):
        for d, km in enumerate(PATTERN * volume / PATTERN.sum()):
            if km > 0:
                when = pd.Timestamp(start, tz="UTC") + pd.Timedelta(days=7 * w + d, hours=7)
                rows.append(
                    {
                        "start_time": when,
                        "distance_m": km * 1000,
                        "moving_time_s": km * 330,
                        "load": km,
                    }
                )
    return pd.DataFrame(rows)


def _history(weekly_km: list[float]) -> tuple[pd.DataFrame, pd.Series]:
    acts = _activities(weekly_km)
    weekly = weekly_summary(acts)
    daily = daily_load(
        acts["start_time"], acts["load"], weekly.index[0], weekly.index[-1] + pd.Timedelta(days=6)
    )
    return weekly, daily


def _progression(weeks: int, start_km: float = 40.0) -> list[float]:
    """+5 % per build week; every 4th week a cutback at 80 % of the week before."""
    volumes: list[float] = []
    build = start_km
    for w in range(weeks):
        if (w + 1) % 4 == 0:
            volumes.append(0.8 * volumes[-1])
        else:
            volumes.append(build)
            build *= 1.05
    return volumes


def test_weekly_summary_counts_volume_runs_long_run_and_zero_days() -> None:
    weekly, daily = _history([52.0, 0.0, 52.0])  # a week without runs in the middle
    assert weekly["iso_week"].tolist() == ["2026-W02", "2026-W03", "2026-W04"]
    assert weekly["volume_km"].tolist() == pytest.approx([52.0, 0.0, 52.0])
    assert weekly["n_runs"].tolist() == [5, 0, 5]
    assert weekly["longest_run_km"].iloc[0] == pytest.approx(14.0)
    assert weekly["long_run_share"].iloc[0] == pytest.approx(14 / 52)
    assert np.isnan(weekly["long_run_share"].iloc[1])
    assert weekly["is_cutback"].tolist() == [False, True, False]
    # The daily series has every day, rest days as zeros: 21 days, 11 of them empty.
    assert len(daily) == 21 and int((daily == 0).sum()) == 11
    assert daily.sum() == pytest.approx(104.0)
    assert weekly["monotony"].iloc[0] == pytest.approx(
        PATTERN.mean() / PATTERN.std(ddof=1), rel=1e-9
    )


def test_a_planted_spike_week_raises_acwr_and_volume_flags_there_only() -> None:
    volumes = [52.0] * 8 + [52.0 * 1.6] + [52.0] * 3  # +60 % in week 9 (2026-W10)
    weekly, daily = _history(volumes)
    flags = load_flags(weekly, daily)
    by_code = {
        c: [f["week"] for f in flags if f["code"] == c] for c in ("acwr_high", "volume_jump")
    }
    assert by_code == {"acwr_high": ["2026-W10"], "volume_jump": ["2026-W10"]}
    jump = next(f for f in flags if f["code"] == "volume_jump")
    assert jump["value"] == pytest.approx(0.6)
    assert jump["threshold"] == 0.10
    acwr = next(f for f in flags if f["code"] == "acwr_high")
    assert acwr["value"] == pytest.approx(1.6, abs=1e-9) and acwr["threshold"] == 1.5
    assert acwr["date"] is not None and acwr["date"].isoformat().startswith("2026-03-0")
    assert "60 %" in jump["message"] and "km" in jump["message"]
    assert all(f["code"] not in ("monotony_high", "long_run_share_high") for f in flags)


def test_steady_progression_with_cutbacks_raises_no_flags() -> None:
    weekly, daily = _history(_progression(16))
    assert weekly["is_cutback"].tolist() == [(w + 1) % 4 == 0 for w in range(16)]
    assert load_flags(weekly, daily) == []


def test_volume_flag_compares_against_the_last_non_cutback_week() -> None:
    # 50, 50, 50, cutback 35, then 60: +20 % on the last full week, not +71 % on the cutback.
    weekly, daily = _history([50.0, 50.0, 50.0, 35.0, 60.0])
    jumps = [f for f in load_flags(weekly, daily) if f["code"] == "volume_jump"]
    assert [f["week"] for f in jumps] == ["2026-W06"]
    assert jumps[0]["value"] == pytest.approx(0.2)


def test_monotony_and_long_run_flags() -> None:
    # Seven identical daily runs: unbounded monotony. One 30 km run in a 45 km week.
    same = pd.DataFrame(
        {
            "start_time": pd.date_range("2026-01-05T07:00Z", periods=7, freq="D"),
            "distance_m": [8000.0] * 7,
            "moving_time_s": [2700.0] * 7,
            "load": [50.0] * 7,
        }
    )
    long = pd.DataFrame(
        {
            "start_time": pd.to_datetime(["2026-01-13T07:00Z", "2026-01-18T07:00Z"]),
            "distance_m": [15000.0, 30000.0],
            "moving_time_s": [5000.0, 10000.0],
            "load": [60.0, 150.0],
        }
    )
    acts = pd.concat([same, long], ignore_index=True)
    before = acts.copy()
    weekly = weekly_summary(acts)
    pd.testing.assert_frame_equal(acts, before)
    flags = load_flags(weekly, pd.Series([], dtype=float))
    assert [(f["week"], f["code"]) for f in flags] == [
        ("2026-W02", "monotony_high"),
        ("2026-W03", "long_run_share_high"),
    ]
    assert np.isinf(flags[0]["value"])
    assert flags[1]["value"] == pytest.approx(30 / 45)
    assert "30.0 km" in flags[1]["message"]


def test_weekly_summary_books_runs_in_the_runners_time_zone() -> None:
    # Sunday 23:30 UTC is Monday in Berlin: the run moves to the next ISO week.
    acts = pd.DataFrame(
        {
            "start_time": pd.to_datetime(["2026-01-04T10:00Z", "2026-01-11T23:30Z"]),
            "distance_m": [10000.0, 12000.0],
            "moving_time_s": [3000.0, 3600.0],
        }
    )
    assert weekly_summary(acts)["n_runs"].tolist() == [1, 1]
    berlin = weekly_summary(acts, tz="Europe/Berlin")
    assert berlin["iso_week"].tolist() == ["2026-W01", "2026-W02", "2026-W03"]
    assert berlin["n_runs"].tolist() == [1, 0, 1]
    assert berlin["load"].isna().all()


def test_a_planned_cutback_week_is_honoured_even_when_the_drop_is_small() -> None:
    # 50, 50, 50, 46, 54 km: the 46 km week is only 8 % down, so not detected as a cutback,
    # and 46 -> 54 is +17 %. Marked as a planned cutback, 54 compares with 50: +8 %, no flag.
    acts = _activities([50.0, 50.0, 50.0, 46.0, 54.0])
    week = pd.DatetimeIndex(acts["start_time"]).tz_localize(None).normalize()
    unplanned = weekly_summary(acts)
    assert unplanned["is_cutback"].tolist() == [False] * 5
    assert [f["week"] for f in load_flags(unplanned, pd.Series([], dtype=float))] == ["2026-W06"]
    marked = pd.array(week >= pd.Timestamp("2026-01-26"), dtype="boolean")
    marked[week >= pd.Timestamp("2026-02-02")] = pd.NA  # unknown counts as not planned
    planned = acts.assign(is_cutback=marked)
    weekly = weekly_summary(planned)
    assert weekly["is_cutback"].tolist() == [False, False, False, True, False]
    assert load_flags(weekly, pd.Series([], dtype=float)) == []
