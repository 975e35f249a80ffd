"""Current VDOT from the runner's own history: races, best efforts and heart rate.

Three sources, each shown with its evidence:

1. **races**: results marked in the store (``runform race mark``/``race add``) or given
   on the command line; VDOT by Daniels & Gilbert.
2. **best efforts**: the fastest mile, 5 km, 10 km, half and marathon inside runs
   (:mod:`runform.core.efforts`). Training efforts are rarely all-out, so this is a
   lower bound.
3. **heart rate**: the effective VDOT of each steady run
   (:mod:`runform.performance.effective`); the current value is the mean of the last
   :data:`HR_WINDOW_DAYS` days weighted by steady duration, as Runalyze does.

The current estimate is the best race of the last :data:`RACE_WINDOW_DAYS` days when
there is one (a race is the most direct measure), else the heart-rate value, else the
best effort. "Current" is as of the newest run in the store, so an old block still
gives an answer.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from datetime import date, datetime, timedelta
from typing import Any

import pandas as pd

from runform.core.efforts import Effort, best_efforts
from runform.errors import NotFoundError, RunformError, UsageError
from runform.performance.effective import EffectiveVdot, HrMethod, effective_vdot
from runform.performance.races import Race
from runform.performance.vdot import vdot_from_race
from runform.services.metrics_cache import Metric, get_or_compute
from runform.services.profile import resolve_profile
from runform.store.db import Store

HR_WINDOW_DAYS = 30
"""Days of steady runs averaged into the current heart-rate VDOT (Runalyze's default)."""

RACE_WINDOW_DAYS = 120
"""A race older than this [days] no longer sets the current VDOT."""

EFFORT_WINDOW_DAYS = 90
"""Days searched for best efforts."""

EFFORT_MIN_M = 1500.0
"""Shortest effort [m] turned into a VDOT (Daniels' tables start at 1500 m)."""


@dataclass(frozen=True)
class DatedRace:
    """A race result with its date."""

    race: Race
    day: date
    activity_id: int | None = None


def _iso_week(d: date) -> str:
    y, w, _ = d.isocalendar()
    return f"{y}-W{w:02d}"


def _vdot(distance_m: float, time_s: float) -> float | None:
    try:
        return float(vdot_from_race(distance_m, time_s))
    except RunformError:
        return None


def _distance_label(distance_m: float) -> str:
    """``marathon``, ``half_marathon``, ``10k`` ... for a standard distance (within 2 %), else km."""
    from runform.performance.races import STANDARD_DISTANCES_M

    for name, d in STANDARD_DISTANCES_M.items():
        if abs(distance_m - d) <= 0.02 * d:
            return name
    return f"{distance_m / 1000:.1f} km"


def mark_race(
    store: Store, athlete: str, activity_id: int, distance_m: float | None = None
) -> dict[str, Any]:
    """Mark an activity as a race; the result is its timer time over its distance.

    With ``distance_m`` (e.g. a half marathon run inside a longer activity) the result
    is the fastest effort over that distance inside the activity.
    """
    aid = store.athlete_id(athlete)
    rec = store.activity_record(aid, activity_id)
    if distance_m is None:
        dist, time_s = rec["distance_m"], rec["timer_time_s"] or rec["elapsed_time_s"]
        if not dist or not time_s:
            raise UsageError(f"activity {activity_id} has no distance or time to make a race of")
    else:
        efforts = best_efforts(store.streams(activity_id), {"race": distance_m})
        if not efforts:
            raise UsageError(f"activity {activity_id} is shorter than {distance_m:.0f} m")
        dist, time_s = distance_m, efforts[0].time_s
    day = rec["start_time"].date()
    label = rec["name"] or _distance_label(float(dist))
    rid = store.add_race(aid, day, float(dist), float(time_s), label, activity_id)
    return {
        "race_id": rid,
        "activity_id": activity_id,
        "date": str(day),
        "distance_m": dist,
        "time_s": time_s,
        "vdot": _vdot(float(dist), float(time_s)),
    }


def add_race(store: Store, athlete: str, race: Race, day: date) -> dict[str, Any]:
    """Record a race result given by hand."""
    aid = store.athlete_id(athlete, create=True)
    rid = store.add_race(aid, day, race.distance_m, race.time_s, race.label)
    return {
        "race_id": rid,
        "date": str(day),
        "distance_m": race.distance_m,
        "time_s": race.time_s,
        "vdot": _vdot(race.distance_m, race.time_s),
    }


def _per_run(
    store: Store,
    athlete_id: int,
    run_ids: list[int],
    hr_max: float,
    hr_rest: float,
    method: HrMethod,
) -> dict[int, tuple[list[tuple[Effort, float | None]], EffectiveVdot | None]]:
    """Best efforts (parameter-free) and heart-rate VDOT (keyed by HR max, HR rest and
    method) of each run, through the metrics cache."""
    m_eff = Metric.of("best_efforts")
    m_hr = Metric.of("hr_vdot", hr_max=hr_max, hr_rest=hr_rest, method=method)

    def compute(activity_id: int, missing: Sequence[Metric]) -> dict[Metric, Any]:
        streams = store.streams(activity_id)
        out: dict[Metric, Any] = {}
        if m_eff in missing:
            # each effort with its VDOT (a pure function of distance and time, so cached too)
            out[m_eff] = [
                asdict(e)
                | {"vdot": _vdot(e.distance_m, e.time_s) if e.distance_m >= EFFORT_MIN_M else None}
                for e in best_efforts(streams)
            ]
        if m_hr in missing:
            ev = effective_vdot(streams, hr_max, hr_rest, method=method)
            out[m_hr] = None if ev is None else asdict(ev)
        return out

    got = get_or_compute(store, athlete_id, [m_eff, m_hr], run_ids, compute)
    return {
        rid: (
            [
                (Effort(**{k: v for k, v in e.items() if k != "vdot"}), e["vdot"])
                for e in got[m_eff][rid]
            ],
            None if got[m_hr][rid] is None else EffectiveVdot(**got[m_hr][rid]),
        )
        for rid in run_ids
    }


def fitness(
    store: Store, athlete: str, extra_races: list[DatedRace] | None = None
) -> dict[str, Any]:
    """Current VDOT, its sources and its weekly trend (``runform fitness --json``)."""
    aid = store.athlete_id(athlete)
    runs = store.list_activities(aid, sport="running")
    if not runs:
        raise NotFoundError(f"athlete {athlete!r} has no runs yet: import some first")
    as_of: datetime = max(r.start_time for r in runs)
    prof = resolve_profile(store, athlete)
    hr_max, hr_rest = float(prof["hr_max"].value), float(prof["hr_rest"].value)
    method: HrMethod = "reserve" if prof["hr_rest"].source != "default" else "hrmax"

    # 1. races
    race_rows = []
    for row in store.races(aid).to_dict("records"):
        v = _vdot(row["distance_m"], row["time_s"])
        race_rows.append(
            {
                "date": str(pd.Timestamp(row["race_date"]).date()),
                "label": row["label"],
                "distance_m": row["distance_m"],
                "time_s": row["time_s"],
                "vdot": v,
                "activity_id": None if pd.isna(row["activity_id"]) else int(row["activity_id"]),
                "source": "store",
            }
        )
    for dr in extra_races or []:
        race_rows.append(
            {
                "date": str(dr.day),
                "label": dr.race.label,
                "distance_m": dr.race.distance_m,
                "time_s": dr.race.time_s,
                "vdot": _vdot(dr.race.distance_m, dr.race.time_s),
                "activity_id": None,
                "source": "command line",
            }
        )

    # 2. best efforts and 3. heart rate: per run, from the metrics cache (one pass over the
    # streams of the runs not cached yet)
    per_run = _per_run(store, aid, [r.id for r in runs], hr_max, hr_rest, method)
    efforts: dict[str, dict[str, Any]] = {}
    hr_runs: list[dict[str, Any]] = []
    effort_since = as_of - timedelta(days=EFFORT_WINDOW_DAYS)
    weekly: dict[str, dict[str, list[float]]] = defaultdict(lambda: defaultdict(list))
    for r in runs:
        run_efforts, ev = per_run[r.id]
        day = r.start_time.date()
        week = _iso_week(day)
        for e, v in run_efforts:
            if e.distance_m < EFFORT_MIN_M:
                continue
            if v is None:
                continue
            weekly[week]["effort"].append(v)
            best = efforts.get(e.label)
            if r.start_time >= effort_since and (best is None or v > best["vdot"]):
                efforts[e.label] = {
                    "label": e.label,
                    "distance_m": e.distance_m,
                    "time_s": e.time_s,
                    "vdot": v,
                    "date": str(day),
                    "activity_id": r.id,
                }
        if ev is not None:
            hr_runs.append(
                {"activity_id": r.id, "date": day, "vdot": ev.vdot, "steady_s": ev.steady_s}
            )
            weekly[week]["hr"].append(ev.vdot)
            weekly[week]["hr_w"].append(ev.steady_s)
    for rr in race_rows:
        if rr["vdot"] is not None:
            weekly[_iso_week(date.fromisoformat(rr["date"]))]["race"].append(rr["vdot"])

    hr_since = (as_of - timedelta(days=HR_WINDOW_DAYS)).date()
    recent = [h for h in hr_runs if h["date"] >= hr_since]
    hr_current = None
    if recent:
        w = sum(h["steady_s"] for h in recent)
        hr_current = sum(h["vdot"] * h["steady_s"] for h in recent) / w
    race_since = (as_of - timedelta(days=RACE_WINDOW_DAYS)).date()
    recent_races = [
        rr
        for rr in race_rows
        if rr["vdot"] is not None and date.fromisoformat(rr["date"]) >= race_since
    ]
    best_effort = max(efforts.values(), key=lambda e: e["vdot"], default=None)

    if recent_races:
        top = max(recent_races, key=lambda rr: rr["vdot"])
        current = {
            "vdot": top["vdot"],
            "source": "race",
            "detail": f"{top['label']} on {top['date']}",
        }
    elif hr_current is not None:
        current = {
            "vdot": hr_current,
            "source": "heart_rate",
            "detail": f"{len(recent)} steady runs in the last {HR_WINDOW_DAYS} days",
        }
    elif best_effort is not None:
        current = {
            "vdot": best_effort["vdot"],
            "source": "best_effort",
            "detail": f"{best_effort['label']} on {best_effort['date']} (a lower bound)",
        }
    else:
        current = {"vdot": None, "source": None, "detail": "no race, steady run with HR, or effort"}

    trend = []
    for week in sorted(weekly):
        wk = weekly[week]
        hr_vals, hr_w = wk.get("hr", []), wk.get("hr_w", [])
        trend.append(
            {
                "week": week,
                "hr_vdot": sum(v * x for v, x in zip(hr_vals, hr_w, strict=True)) / sum(hr_w)
                if hr_w
                else None,
                "steady_runs": len(hr_vals),
                "best_effort_vdot": max(wk["effort"]) if wk.get("effort") else None,
                "race_vdot": max(wk["race"]) if wk.get("race") else None,
            }
        )
    notices = [
        v.note for k, v in prof.items() if v.source == "default" and k in ("hr_max", "hr_rest")
    ]
    if method == "hrmax":
        notices.append("heart-rate VDOT uses %HRmax (Swain 1994) because resting HR is not set")
    return {
        "as_of": as_of.date().isoformat(),
        "current": current,
        "races": race_rows,
        "best_efforts": sorted(efforts.values(), key=lambda e: e["distance_m"]),
        "heart_rate": {
            "vdot": hr_current,
            "runs": len(recent),
            "window_days": HR_WINDOW_DAYS,
            "method": method,
            "hr_max": hr_max,
            "hr_rest": hr_rest,
        },
        "trend": trend,
        "notices": notices,
    }
