"""Data the HTML reports need that the other services do not already return.

* :func:`chart_streams` -- an activity's streams for charts: smoothed speed,
  grade-adjusted speed, heart rate, cadence, altitude, positions.
* :func:`load_series` -- the daily load, CTL/ATL/TSB and ACWR series behind
  ``runform load`` (which returns only today's values and the weekly table).
* :func:`strength_record` -- strength sessions the store holds, per ISO week.
* :func:`technique_cues` -- the technique cues of the plan library that apply to
  one analysed run, each with the finding that makes it apply.
* :func:`dynamics_bands` -- Garmin's running-dynamics bands in SI units.

Nothing here formats for people; the report layer does.
"""

from __future__ import annotations

from collections import Counter
from datetime import datetime
from typing import Any

import numpy as np
import pandas as pd

from runform.core.dynamics import GARMIN_BANDS
from runform.core.hills import grade_adjusted_speed_stream, grade_stream
from runform.core.load import ACWR_FLAG, acwr_ewma, acwr_rolling, ctl_atl_tsb, daily_load
from runform.core.signal import smooth_speed
from runform.errors import NotFoundError
from runform.plan.library import technique_library
from runform.services.profile import resolve_profile
from runform.services.training_load import HISTORY_DAYS_BEFORE, activity_loads
from runform.store.db import Store

__all__ = [
    "STRENGTH_SPORTS",
    "chart_streams",
    "dynamics_bands",
    "load_series",
    "strength_record",
    "technique_cues",
]

STRENGTH_SPORTS = frozenset({"training", "strength_training", "fitness_equipment"})
"""Sport / sub-sport names under which watches file strength work (FIT SDK profile:
sport 10 ``training``, sub_sport 20 ``strength_training``; sport 4
``fitness_equipment`` is used by some gym-machine logs)."""

CHART_COLUMNS = (
    "time",
    "distance",
    "heart_rate",
    "cadence",
    "altitude",
    "latitude",
    "longitude",
    "step_length",
    "ground_contact_time",
    "vertical_oscillation",
)
"""Stream columns passed through to the charts when the file has them (SI units)."""


def chart_streams(store: Store, athlete: str, activity_id: int) -> pd.DataFrame:
    """An activity's streams for the report charts.

    Returns
    -------
    DataFrame
        One row per sample: the :data:`CHART_COLUMNS` the file has, plus ``speed``
        [m/s] smoothed (:func:`runform.core.signal.smooth_speed`: 5-s median then
        3-s mean, keeps strides), ``grade`` [fraction] and ``gap`` [m/s]
        (grade-adjusted speed, Minetti et al. 2002, via
        :func:`runform.core.hills.grade_adjusted_speed_stream`). Raises
        NotFoundError for an activity the athlete does not have.
    """
    aid = store.athlete_id(athlete)
    store.activity_record(aid, activity_id)  # NotFoundError when not the athlete's
    s = store.streams(activity_id)
    out = pd.DataFrame(
        {c: s[c].to_numpy(dtype=float, na_value=np.nan) for c in CHART_COLUMNS if c in s}
    )
    if s.empty or "time" not in s:
        return out
    if "speed" in s or "distance" in s:
        out["speed"] = smooth_speed(s)
        grade = grade_stream(s)
        out["grade"] = grade.to_numpy(dtype=float)
        gap = grade_adjusted_speed_stream(s, grade=grade).to_numpy(dtype=float)
        smoothed = pd.Series(gap).rolling(5, center=True, min_periods=1).median()
        out["gap"] = smoothed.to_numpy(dtype=float)
    return out


def load_series(
    store: Store, athlete: str, weeks: int = 16, vdot: float | None = None
) -> dict[str, Any]:
    """Daily training load, CTL/ATL/TSB and ACWR over the last ``weeks`` weeks.

    The same inputs and choices as :func:`runform.services.training_load.load_report`
    (rTSS when a threshold pace is known, else Banister TRIMP; CTL seeded with
    :data:`~runform.services.training_load.HISTORY_DAYS_BEFORE` days of history),
    but every day instead of only today. ``vdot`` estimates the threshold pace when
    none is set, as ``runform load`` does.

    Returns
    -------
    dict
        ``dates`` (ISO days), ``load``, ``ctl``, ``atl``, ``tsb`` [a.u./day],
        ``acwr`` (uncoupled 7:28-day rolling, the series ``runform load`` flags),
        ``acwr_ewma``, ``acwr_flag`` (1.5) and ``metric``. NaN becomes None.
    """
    aid = store.athlete_id(athlete)
    runs = store.list_activities(aid)
    if not runs:
        raise NotFoundError(f"athlete {athlete!r} has no activities yet: import some first")
    as_of = pd.Timestamp(max(r.start_time for r in runs)).tz_convert("UTC")
    window_start = (as_of - pd.Timedelta(weeks=weeks)).normalize()
    prof = resolve_profile(store, athlete, vdot=vdot)
    pace = prof["threshold_pace_s_per_km"].value
    threshold_speed = 1000.0 / float(pace) if pace else None
    metric = "rtss" if threshold_speed else "trimp"
    acts = activity_loads(
        store, athlete, window_start - pd.Timedelta(days=HISTORY_DAYS_BEFORE), threshold_speed
    )
    daily = daily_load(acts["start_time"], acts[metric].fillna(0.0), end=as_of.normalize())
    model = ctl_atl_tsb(daily)
    acwr = acwr_rolling(daily, coupled=False)
    ewma = acwr_ewma(daily)
    keep = daily.index >= window_start.tz_localize(None)

    def col(s: pd.Series) -> list[float | None]:
        v = s.to_numpy(dtype=float)[keep]
        return [None if not np.isfinite(x) else round(float(x), 3) for x in v]

    return {
        "metric": metric,
        "dates": [str(d.date()) for d in daily.index[keep]],
        "load": col(daily),
        "ctl": col(model["ctl"]),
        "atl": col(model["atl"]),
        "tsb": col(model["tsb"]),
        "acwr": col(acwr),
        "acwr_ewma": col(ewma),
        "acwr_flag": ACWR_FLAG,
    }


def strength_record(store: Store, athlete: str, since: datetime | None = None) -> dict[str, Any]:
    """Strength sessions in the store: activities whose sport or sub-sport is strength work.

    Returns
    -------
    dict
        ``count``, ``per_week`` (ISO week -> sessions) and ``ids``. Most watch files
        of runners carry no strength sessions, so a count of 0 means "no record",
        not "none done".
    """
    aid = store.athlete_id(athlete)
    rows = [
        r
        for r in store.list_activities(aid, since=since)
        if r.sport in STRENGTH_SPORTS or (r.sub_sport or "") in STRENGTH_SPORTS
    ]
    weeks = Counter("{}-W{:02d}".format(*r.start_time.isocalendar()[:2]) for r in rows)
    return {
        "count": len(rows),
        "per_week": dict(sorted(weeks.items())),
        "ids": [r.id for r in rows],
    }


def dynamics_bands() -> dict[str, list[tuple[str, float | None, float | None]]]:
    """Garmin's published running-dynamics bands in SI units (``gct_balance`` in % of
    the larger side): metric -> [(band, lo, hi)], inclusive, None an open end.

    Converted from :data:`runform.core.dynamics.GARMIN_BANDS` (vectors.md).
    """
    out: dict[str, list[tuple[str, float | None, float | None]]] = {}
    for name, t in GARMIN_BANDS.items():
        out[name] = [
            (
                band,
                None if lo is None else lo / t.to_table,
                None if hi is None else hi / t.to_table,
            )
            for band, lo, hi in t.ranges
        ]
    return out


CADENCE_DROP_SPM = 2.0
"""Late-run cadence fall [steps/min] that makes the cadence cue apply: the
durability detector's own onset threshold (runform.core.durability)."""

CADENCE_BELOW_SPM = 3.0
"""Cadence below the runner's own model at that speed [steps/min] that makes the
cadence cue apply: about three times the model's residual spread on the demo
block, so ordinary day-to-day scatter does not trigger it."""

CONTACT_RISE_PCT = 5.0
"""Late-run rise of ground contact time [%] that makes the strength cue apply
(stability and stiffness late in a run, Blagrove et al. 2018)."""

STRIDE_SCORE_LOW = 70.0
"""Stride score [0-100] under which the strides cue applies."""


def technique_cues(analysis: dict[str, Any]) -> list[dict[str, str]]:
    """The plan library's technique cues that apply to one analysed run.

    Parameters
    ----------
    analysis : dict
        :func:`runform.services.form.analyze_activity` output.

    Returns
    -------
    list of dict
        ``focus``, ``name``, ``finding`` (what in this run makes it apply) and
        ``cue`` (the library's text), at most one per focus, in library order.
    """
    lib = technique_library()
    found: dict[str, list[str]] = {}

    def add(focus: str, finding: str) -> None:
        found.setdefault(focus, []).append(finding)

    dur = analysis.get("durability") or {}
    drift = {d["metric"]: d for d in dur.get("drift", []) if isinstance(d, dict)}
    cad = drift.get("cadence")
    if cad and cad.get("change") is not None and cad["change"] <= -CADENCE_DROP_SPM:
        add("cadence", f"cadence fell {-cad['change']:.1f} steps/min late in the run")
    diff = (analysis.get("cadence") or {}).get("difference_spm")
    if diff is not None and diff <= -CADENCE_BELOW_SPM:
        add("cadence", f"cadence {-diff:.1f} steps/min below your usual at this pace")
    gct = drift.get("ground_contact_time")
    if gct and gct.get("change_pct") is not None and gct["change_pct"] >= CONTACT_RISE_PCT:
        add("strength", f"ground contact time rose {gct['change_pct']:.0f} % late in the run")
    by_grade = ((analysis.get("hills") or {}).get("by_grade")) or {}
    if by_grade.get("overstriding_downhill"):
        add("hills", "longer steps at lower cadence downhill (overstriding)")
    if by_grade.get("cadence_collapse_uphill"):
        add("hills", "cadence collapsed on the climbs")
    if (analysis.get("hills") or {}).get("repeats"):
        add("hills", f"{len(analysis['hills']['repeats'])} hill repeats found")
    asym = ((analysis.get("dynamics") or {}).get("asymmetry")) or {}
    if asym.get("flagged"):
        add("posture", f"left/right balance drifted {asym.get('growth_pp', 0):.1f} pp late")
    metrics = ((analysis.get("dynamics") or {}).get("metrics")) or {}
    for name in ("vertical_oscillation", "vertical_ratio"):
        m = metrics.get(name) or {}
        if m.get("band") in ("orange", "red"):
            add("posture", f"{name.replace('_', ' ')} in Garmin's {m['band']} band (bouncy)")
    score = analysis.get("stride_score") or {}
    if analysis.get("strides"):
        s = score.get("score")
        text = f"{len(analysis['strides'])} strides found"
        if s is not None and s < STRIDE_SCORE_LOW:
            text += f", score {s:.0f}/100"
        add("strides", text)
    cons = (analysis.get("interval_summary") or {}).get("consistency") or {}
    slope = cons.get("cadence_slope_spm_per_rep")
    if analysis.get("intervals"):
        text = f"{len(analysis['intervals'])} interval reps"
        if slope is not None and slope < -0.5:
            text += f", cadence falling {-slope:.1f} steps/min per rep"
        add("intervals", text)
    cues = {focus: info.cue for focus, info in lib.focuses.items()}
    if lib.interval_cues:
        # the library's per-set cues: the cadence one when cadence fell over the reps
        falling = slope is not None and slope < -0.5
        pick = [c for c in lib.interval_cues if "cadence" in c.lower()] if falling else []
        cues["intervals"] = (pick or list(lib.interval_cues))[0]
    out = []
    for focus, info in lib.focuses.items():
        if focus in found:
            out.append(
                {
                    "focus": focus,
                    "name": info.name,
                    "finding": "; ".join(found[focus]),
                    "cue": cues[focus],
                }
            )
    return out
