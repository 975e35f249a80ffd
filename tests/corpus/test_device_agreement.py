"""runform's totals against the totals the devices recorded, over the real-file corpus.

Requirement: for every running session that carries the device's own totals,
total distance agrees within 1 %, timer time within 2 s, and the average
cadence recomputed from the record stream, the way the device family averages
(:data:`runform.core.agreement.DEVICE_FAMILIES`), within 2 steps/min of the
session's own average. The truth is what each device wrote in its file (FIT
``session``, TCX ``Lap``); GPX summaries are derived by runform and carry none.

Sessions that do not agree are listed in :data:`KNOWN_EXCEPTIONS`, each with a
reason read off the file's own data. The list must stay exact: a new
disagreement fails, and so does a listed one that starts agreeing (delete it).

The corpus is read once per test session (about 30 s); the tests skip when it
is absent (set ``RUNFORM_CORPUS`` to point elsewhere). The synthetic tests at
the end plant the effects each rule is about and run without the corpus.
"""

from __future__ import annotations

import csv
import os
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from runform import read_all
from runform.core.agreement import (
    DEFAULT_FAMILY,
    TIME_WEIGHTED_MOVING_NONZERO,
    TIME_WEIGHTED_NONZERO,
    TIMER_WEIGHTED_INCLUDING_ZEROS,
    CadenceRule,
    Check,
    average_cadence,
    compare_with_device,
    device_family,
    device_style_avg_cadence,
    has_device_totals,
    running_periods,
    sample_weights,
)
from runform.core.summary import compute_totals
from runform.errors import RunformError
from runform.schema import EVENTS, SUMMARY, Activity, Device, Source, empty_frame

CORPUS = Path(os.environ.get("RUNFORM_CORPUS", "/work/shared/corpus"))
SUFFIXES = (".fit", ".tcx", ".gpx", ".fit.gz", ".tcx.gz", ".gpx.gz")

# (file relative to the corpus, session index, metric) -> why it disagrees, from the file's data.
KNOWN_EXCEPTIONS: dict[tuple[str, int, str], str] = {
    # --- FIT: the device clock stepped while its timer ran on (timer events are clock times).
    ("goldencheetah/4077461142.fit", 0, "timer_time"): (
        "fenix6x clock stepped ~6 s: 1-s records jump 7 s at t=44 s while covering 2.7 m at "
        "2.6 m/s; total_elapsed_time 4946.8 s vs 4953 s between its timer start and stop"
    ),
    ("runpandas/run.fit", 0, "timer_time"): (
        "fr645m clock stepped 2.4 s in lap 1 (timestamps span 467 s, lap total_elapsed_time "
        "465.1 s); session total_elapsed_time 3164.6 s vs 3167 s between timer start and stop"
    ),
    ("workoutizer/2019-09-18-16-02-35.fit", 0, "timer_time"): (
        "fr645m total_elapsed_time 3328.8 s vs 3331 s between its first timer start and last "
        "stop: clock stepped 2.2 s, plus a 1-s pause the device timed as 1.3 s"
    ),
    ("workoutizer/2020-08-31-17-41-11.fit", 0, "timer_time"): (
        "fr645m total_elapsed_time = total_timer_time 2467.85 s vs 2470 s between its timer "
        "start and stop: clock stepped 2.2 s"
    ),
    # --- TCX keeps no timer events: runform takes record gaps > 10 s as pauses, the device's
    # pauses show only as lap span minus TotalTimeSeconds (see the validation report).
    ("goldencheetah/activity_165850259_multi-session.tcx", 0, "timer_time"): (
        "Forerunner 305 smart recording: 722 s of gaps > 10 s while the distance stood still, "
        "yet the lap's TotalTimeSeconds 3601.8 equals its span (no pause)"
    ),
    ("goldencheetah/activity_165850259_multi-session.tcx", 2, "timer_time"): (
        "Forerunner 305 smart recording: 208 s of gaps > 10 s, yet TotalTimeSeconds 3623.6 "
        "equals the lap span (no pause)"
    ),
    ("heartandsole/activity.tcx", 0, "timer_time"): (
        "laps hold 32 s of pause but gaps > 10 s total 72 s: lap 3 has 19-s and 21-s "
        "smart-recording gaps with span 66 s = TotalTimeSeconds 66.6 (the FIT of this run agrees)"
    ),
    ("runpandas/11km.tcx", 0, "timer_time"): (
        "laps hold 259 s of pause in gaps of 78, 102 and 85 s (265 s); the last lap's "
        "TotalTimeSeconds 17 runs 4 s past the last trackpoint"
    ),
    ("runpandas/2020-12-02T06_08_29-300_Running.tcx", 0, "timer_time"): (
        "lap 1 spans 364 s for TotalTimeSeconds 361, a 3-s pause with no gap > 10 s to show it"
    ),
    ("runpandas/2020-12-06T06_36_21-300_Running.tcx", 0, "timer_time"): (
        "lap 7 paused 219 s but its gaps > 10 s total 246 s (16-s and 13-s walking gaps at "
        "0.1-0.5 m/s were timed); laps 1 and 3 paused 4 s and 5 s with no such gap"
    ),
    ("runpandas/2020-12-08T06_36_12-300_Running.tcx", 0, "timer_time"): (
        "laps hold 165 s of pause, gaps > 10 s total 178 s: lap 4 paused 19 s but holds a 16-s "
        "stop and a 14-s gap at 0.55 m/s"
    ),
    ("runpandas/2020-12-13T07_25_55-300_Running.tcx", 0, "timer_time"): (
        "the 72-s and 282-s gaps hold 69 s and 278 s of lap pause; lap 1's 2-s pause has no "
        "gap > 10 s"
    ),
    ("runpandas/2020-12-20T05_50_47-300_Running.tcx", 0, "timer_time"): (
        "laps hold 209 s of pause, gaps > 10 s total 248 s: lap 6 paused 10 s but holds two "
        "13-s walking gaps, lap 1 paused 1 s in a 12-s gap"
    ),
    ("runpandas/2020-12-26T06_03_49-300_Running.tcx", 0, "timer_time"): (
        "lap 1 spans 374 s for TotalTimeSeconds 372, a 2-s pause with no gap > 10 s to show it"
    ),
    ("runpandas/run_garmin.tcx", 0, "timer_time"): (
        "Forerunner 620: laps hold 7 s of pause, gaps > 10 s total 11 s"
    ),
    ("runpandas/stopped_example.tcx", 0, "timer_time"): (
        "laps hold 380 s of pause, gaps > 10 s total 393 s"
    ),
    ("sweatpy/3173437224.tcx", 0, "timer_time"): (
        "Polar M400: laps hold 394 s of pause, gaps > 10 s total 399 s"
    ),
    # --- cadence
    ("heartandsole/activity.tcx", 0, "avg_cadence"): (
        "Garmin's TCX export truncated each lap to whole strides (64, 34, 4, 100 vs 65.7, 35.4, "
        "5.6, 102.0 in the FIT of the same run), 2.4 below the FIT session, which agrees (+0.9)"
    ),
    ("running-data-sync/2022-09-01-184822-Indoor Running-IO Watch.fit", 0, "avg_cadence"): (
        "426-s record gap (t=164-590 s, 1106 m) with no cadence sample; the device's 153.1 is "
        "total_strides 2182 / timer 1709.9 s, steps in the gap included"
    ),
    # --- damaged file
    ("python-fitparse/strava-android-app-201.10-b1218918.fit", 0, "distance"): (
        "damaged: decoding stops at byte 7471 (local message 11 undefined), 314 s into the "
        "3558-s, 11274-m session; the distance, written in a second record per timestamp, is "
        "also dropped as a duplicate (reader bug)"
    ),
    ("python-fitparse/strava-android-app-201.10-b1218918.fit", 0, "timer_time"): (
        "damaged: decoding stops at byte 7471 after 314 s of the 3558-s session, and a garbage "
        "last record dated 2085 stretches the open timer (reader bug)"
    ),
}


@dataclass(frozen=True)
class Checked:
    """One session of one corpus file with its agreement checks."""

    path: str
    activity: Activity
    checks: tuple[Check, ...]


@dataclass(frozen=True)
class Walk:
    """The corpus walk: checked sessions and the files the readers refused."""

    sessions: list[Checked]
    refused: dict[str, str]


def _corpus_files() -> list[Path]:
    if not CORPUS.is_dir():
        return []
    return sorted(p for p in CORPUS.rglob("*") if p.is_file() and p.name.lower().endswith(SUFFIXES))


@pytest.fixture(scope="session")
def walk() -> Walk:
    """Every running session with device totals in the corpus, read once, with its checks."""
    if not CORPUS.is_dir():
        pytest.skip(f"real-file corpus not found at {CORPUS} (set RUNFORM_CORPUS)")
    out: list[Checked] = []
    refused: dict[str, str] = {}
    for path in _corpus_files():
        rel = path.relative_to(CORPUS).as_posix()
        try:
            activities = read_all(path)
        except RunformError as exc:  # courses, routes, empty or malformed: nothing to check
            refused[rel] = str(exc)
            continue
        for act in activities:
            if has_device_totals(act):
                checks = compare_with_device(act, compute_totals(act.streams, act.events))
                out.append(Checked(rel, act, tuple(checks)))
    return Walk(out, refused)


@pytest.fixture(scope="session")
def checked(walk: Walk) -> list[Checked]:
    return walk.sessions


def _failures(rows: list[Checked]) -> dict[tuple[str, int, str], Check]:
    return {
        (r.path, r.activity.source.session_index, c.metric): c
        for r in rows
        for c in r.checks
        if c.passed is False
    }


@pytest.mark.slow
def test_every_session_with_device_totals_agrees_except_the_listed(checked: list[Checked]) -> None:
    failures = _failures(checked)
    unexpected = {k: c for k, c in failures.items() if k not in KNOWN_EXCEPTIONS}
    lines = [
        f"{p}#{i} {m}: ours {c.ours} vs device {c.device} (error {c.error}, tolerance "
        f"{c.tolerance}): {c.reason}"
        for (p, i, m), c in sorted(unexpected.items())
    ]
    assert not unexpected, "new disagreements with the device:\n" + "\n".join(lines)


@pytest.mark.slow
@pytest.mark.parametrize("key", sorted(KNOWN_EXCEPTIONS), ids=lambda k: f"{k[0]}#{k[1]}:{k[2]}")
def test_a_listed_exception_still_disagrees(
    checked: list[Checked], key: tuple[str, int, str]
) -> None:
    # Keeps the list from rotting: once a fix makes a session agree, its entry must go.
    sessions = {(r.path, r.activity.source.session_index) for r in checked}
    assert key[:2] in sessions, f"{key[0]} session {key[1]} is no longer checked"
    assert key in _failures(checked), f"{key} agrees now: remove it from KNOWN_EXCEPTIONS"


def _manifest_running_files() -> list[str]:
    manifest = CORPUS / "MANIFEST.tsv"
    if not manifest.is_file():
        return []
    with manifest.open(newline="", encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh, delimiter="\t"))
    return [
        r["path"] for r in rows if r["format"] in ("fit", "tcx") and "run" in r["sport"].lower()
    ]


@pytest.mark.slow
def test_the_walk_reaches_every_running_file_in_the_manifest(walk: Walk) -> None:
    # Independent of the readers: the corpus manifest says which files hold a run. Each must
    # be checked, or refused by the reader with a one-line error (runpandas/malformed.tcx).
    expected = set(_manifest_running_files())
    reached = {r.path for r in walk.sessions}
    assert expected, "MANIFEST.tsv lists no running FIT/TCX files"
    missing = expected - reached - set(walk.refused)
    assert not missing, f"neither checked nor refused: {sorted(missing)}"
    assert len(expected & reached) >= len(expected) - 1, {
        p: walk.refused[p] for p in expected & set(walk.refused)
    }


# The family rule is established by data, not by the tolerance: on these sessions the
# competing rule misses the device value by more than the tolerance.
DECISIVE: list[tuple[str, CadenceRule]] = [
    ("goldencheetah/Garmin920_withFirstbeat.fit", TIME_WEIGHTED_NONZERO),
    ("workoutizer/2019-09-18-16-02-35.fit", TIME_WEIGHTED_NONZERO),
    ("workoutizer/run_with_coordinates.fit", TIME_WEIGHTED_NONZERO),
    ("python-fitparse/garmin-fenix-5-run.fit", TIME_WEIGHTED_NONZERO),
    ("heartandsole/activity.fit", TIME_WEIGHTED_NONZERO),
    ("heartandsole/garmin_3699122575.fit", TIMER_WEIGHTED_INCLUDING_ZEROS),
    ("heartandsole/runningmo_4386919092.fit", TIMER_WEIGHTED_INCLUDING_ZEROS),
    ("workoutizer/with_nones.fit", TIMER_WEIGHTED_INCLUDING_ZEROS),
    ("python-fitparse/compressed-speed-distance.fit", TIMER_WEIGHTED_INCLUDING_ZEROS),
    ("sweatpy/3173437224.tcx", TIMER_WEIGHTED_INCLUDING_ZEROS),
]


@pytest.mark.slow
@pytest.mark.parametrize(("path", "other"), DECISIVE, ids=[p for p, _ in DECISIVE])
def test_the_family_rule_agrees_where_the_competing_rule_does_not(
    checked: list[Checked], path: str, other: CadenceRule
) -> None:
    row = next(r for r in checked if r.path == path)
    device = float(row.activity.summary["avg_cadence"])
    family_value, _ = device_style_avg_cadence(row.activity)
    other_value, _ = device_style_avg_cadence(row.activity, other)
    assert family_value is not None and other_value is not None
    assert abs(family_value - device) <= 2.0
    assert abs(other_value - device) > 2.0


# ------------------------------------------------------------------ synthetic, planted effects

START = datetime(2026, 3, 1, 8, 0, tzinfo=UTC)


def _activity(
    t: np.ndarray,
    cadence: np.ndarray,
    *,
    speed: np.ndarray | None = None,
    events: pd.DataFrame | None = None,
    laps: pd.DataFrame | None = None,
    summary: dict[str, object] | None = None,
    device: Device | None = None,
    fmt: str = "fit",
) -> Activity:
    ts = pd.Timestamp(START) + pd.to_timedelta(t, unit="s")
    cols: dict[str, object] = {"time": t, "timestamp": ts, "cadence": cadence}
    if speed is not None:
        cols["speed"] = speed
        cols["distance"] = np.concatenate([[0.0], np.cumsum(speed[:-1] * np.diff(t))])
    return Activity(
        sport="running",
        sub_sport=None,
        start_time=START,
        source=Source("synthetic", "0" * 64, fmt),
        streams=pd.DataFrame(cols),
        laps=laps if laps is not None else empty_frame(SUMMARY),
        summary=summary or {},
        events=events if events is not None else empty_frame(EVENTS),
        device=device or Device("garmin", "fr645m"),
    )


def _timer_events(*pairs: tuple[float, float]) -> pd.DataFrame:
    rows = []
    for a, b in pairs:
        rows.append((a, "start"))
        rows.append((b, "stop_all"))
    return pd.DataFrame(
        {
            "timestamp": [pd.Timestamp(START) + pd.Timedelta(seconds=x) for x, _ in rows],
            "event": ["timer"] * len(rows),
            "event_type": [k for _, k in rows],
            "data": [None] * len(rows),
        }
    )


def test_a_planted_stand_still_separates_the_rules() -> None:
    # 600 s running at 170 steps/min, then 200 s standing (cadence 0), timer running.
    t = np.arange(0.0, 801.0)
    cad = np.where(t <= 600, 170.0, 0.0)
    w = sample_weights(t, [(0.0, 800.0)], "backward")
    assert average_cadence(cad, w, TIME_WEIGHTED_NONZERO) == pytest.approx(170.0)
    assert average_cadence(cad, w, TIMER_WEIGHTED_INCLUDING_ZEROS) == pytest.approx(
        170.0 * 600 / 800
    )


def test_a_paused_timer_excludes_the_pause_from_the_weights() -> None:
    # Timer stopped 300-500 s; the record at 500 s must not stand for the pause.
    t = np.concatenate([np.arange(0.0, 301.0), np.arange(500.0, 801.0)])
    cad = np.where(t < 400, 160.0, 180.0)
    act = _activity(t, cad, events=_timer_events((0, 300), (500, 800)))
    periods = running_periods(act)
    assert sum(b - a for a, b in periods) == pytest.approx(600.0)
    value, _ = device_style_avg_cadence(act, TIMER_WEIGHTED_INCLUDING_ZEROS)
    assert value == pytest.approx(170.0, abs=0.5)


def test_lap_timer_time_puts_the_pause_into_the_longest_gap() -> None:
    # No events (TCX-like); the lap spans 800 s for a timer of 600 s: the 200-s gap is the pause.
    t = np.concatenate([np.arange(0.0, 301.0), np.arange(500.0, 801.0)])
    laps = pd.DataFrame({"start_time": [pd.Timestamp(START)], "timer_time": [600.0]})
    act = _activity(t, np.full(t.size, 170.0), laps=laps)
    periods = running_periods(act)
    assert sum(b - a for a, b in periods) == pytest.approx(600.0)
    assert all(not (a < 400.0 < b) for a, b in periods)


def test_whole_strides_round_or_truncate_the_stride_rate() -> None:
    t = np.arange(0.0, 101.0)
    cad = np.full(t.size, 149.3)  # 74.65 strides/min
    w = sample_weights(t, [(0.0, 100.0)], "backward")
    assert average_cadence(cad, w, TIME_WEIGHTED_NONZERO.to_whole_strides("round")) == 150.0
    assert average_cadence(cad, w, TIME_WEIGHTED_NONZERO.to_whole_strides("floor")) == 148.0


def test_moving_only_drops_the_footpod_values_while_standing() -> None:
    t = np.arange(0.0, 101.0)
    cad = np.where(t <= 80, 176.0, 60.0)  # partial footpod values at speed 0
    speed = np.where(t <= 80, 3.0, 0.0)
    w = sample_weights(t, [(0.0, 100.0)], "backward")
    assert average_cadence(cad, w, TIME_WEIGHTED_MOVING_NONZERO, speed) == pytest.approx(176.0)
    skipped_zeros_only = average_cadence(cad, w, TIME_WEIGHTED_NONZERO, speed)
    assert skipped_zeros_only is not None and skipped_zeros_only < 170.0


def test_fit_and_tcx_names_of_one_watch_map_to_one_family() -> None:
    fit = device_family(Device("garmin", "fr35"))
    tcx = device_family(Device(None, "Forerunner 35"))
    assert fit is tcx and fit.rule.whole_strides == "round"
    assert (
        device_family(Device(None, "Garmin Forerunner 220")).rule == TIMER_WEIGHTED_INCLUDING_ZEROS
    )
    assert device_family(Device("acme", "x1")) is DEFAULT_FAMILY


def test_compare_reports_pass_and_fail_with_reasons() -> None:
    t = np.arange(0.0, 601.0)
    act = _activity(
        t,
        np.full(t.size, 170.0),
        speed=np.full(t.size, 3.0),
        events=_timer_events((0, 600)),
        summary={"distance": 1800.0, "timer_time": 590.0, "avg_cadence": 170.0},
    )
    checks = {
        c.metric: c for c in compare_with_device(act, compute_totals(act.streams, act.events))
    }
    assert checks["distance"].passed and checks["avg_cadence"].passed
    assert checks["avg_cadence"].ours_default == pytest.approx(170.0)
    timer = checks["timer_time"]
    assert timer.passed is False and timer.error == pytest.approx(10.0)
    assert "timer events give 600.0 s" in timer.reason
