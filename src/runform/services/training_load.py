"""Training load over the block: per-activity load, weekly table, CTL/ATL/TSB, ACWR, flags.

Per activity runform computes Banister TRIMP and Edwards TRIMP (heart rate) and
rTSS (grade-adjusted pace against threshold pace). One of them drives the
fitness/fatigue model: rTSS when a threshold pace is known (set, or Daniels' T
pace of the current VDOT), else Banister TRIMP. CTL/ATL use the Coggan form
(``CTL += (load - CTL)/42``, ``ATL += (load - ATL)/7``) and TSB is yesterday's
CTL minus ATL, as TrainingPeaks shows it. ACWR is descriptive only: it
describes how this week compares with the last four, it does not predict
injury (Impellizzeri et al. 2020, doi:10.1123/ijspp.2019-0864).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from runform.core.heartrate import Sex, banister_trimp_stream, edwards_trimp_stream
from runform.core.load import (
    acwr_ewma,
    acwr_rolling,
    ctl_atl_tsb,
    daily_load,
    load_flags,
    monotony_strain,
    rtss,
    weekly_summary,
)
from runform.errors import NotFoundError
from runform.services.metrics_cache import Metric, get_or_compute
from runform.services.profile import resolve_profile
from runform.store.db import Store

HISTORY_DAYS_BEFORE = 126
"""Days of history [d] before the report window used to seed CTL (3 x its 42-day constant)."""


def _num(x: Any) -> Any:
    if isinstance(x, (float, np.floating)):
        return None if not math.isfinite(float(x)) else round(float(x), 3)
    if isinstance(x, (np.integer,)):
        return int(x)
    if isinstance(x, (np.bool_,)):
        return bool(x)
    return x


def activity_loads(
    store: Store, athlete: str, since: pd.Timestamp | None, threshold_speed: float | None
) -> pd.DataFrame:
    """Per-activity loads (TRIMP Banister, TRIMP Edwards, rTSS) from the streams.

    The loads come through the metrics cache: both TRIMPs keyed by HR max, HR rest and
    sex, rTSS by the threshold speed, so a changed profile or VDOT is recomputed.
    """
    aid = store.athlete_id(athlete)
    prof = resolve_profile(store, athlete)
    hr_max, hr_rest = float(prof["hr_max"].value), float(prof["hr_rest"].value)
    sex: Sex = "female" if prof["sex"].value == "female" else "male"
    acts = store.list_activities(aid, since=None if since is None else since.to_pydatetime())
    m_trimp = Metric.of("trimp", hr_max=hr_max, hr_rest=hr_rest, sex=sex)
    m_rtss = Metric.of("rtss", threshold_speed=threshold_speed)

    def compute(activity_id: int, missing: Sequence[Metric]) -> dict[Metric, Any]:
        s = store.streams(activity_id)
        out: dict[Metric, Any] = {}
        if m_trimp in missing:
            has_hr = "heart_rate" in s and s["heart_rate"].notna().sum() > 10
            trimp = (
                banister_trimp_stream(s["time"], s["heart_rate"], hr_rest, hr_max, sex)
                if has_hr
                else np.nan
            )
            edw = edwards_trimp_stream(s["time"], s["heart_rate"], hr_max) if has_hr else np.nan
            out[m_trimp] = [float(trimp), float(edw)]
        if m_rtss in missing:
            out[m_rtss] = (
                float(rtss(s, threshold_speed))
                if threshold_speed and ("speed" in s or "distance" in s)
                else np.nan
            )
        return out

    trimps = get_or_compute(store, aid, [m_trimp], [r.id for r in acts], compute)[m_trimp]
    rtss_ids = [r.id for r in acts if threshold_speed and r.sport == "running"]
    by_rtss = get_or_compute(store, aid, [m_rtss], rtss_ids, compute)[m_rtss]
    rows = []
    for r in acts:
        trimp, edw = trimps[r.id]
        rows.append(
            {
                "id": r.id,
                "start_time": r.start_time,
                "sport": r.sport,
                "distance_m": (r.distance_m or 0.0) if r.sport == "running" else 0.0,
                "moving_time_s": r.moving_time_s or 0.0,
                "trimp": trimp,
                "edwards_trimp": edw,
                "rtss": by_rtss.get(r.id, np.nan),
            }
        )
    return pd.DataFrame(rows)


def load_report(
    store: Store,
    athlete: str,
    weeks: int = 16,
    metric: str | None = None,
    vdot: float | None = None,
) -> dict[str, Any]:
    """The ``runform load`` report: weekly table, today's CTL/ATL/TSB/ACWR and flags."""
    aid = store.athlete_id(athlete)
    last = store.con.execute(
        "SELECT max(start_time) FROM activities WHERE athlete_id = ?", [aid]
    ).fetchone()
    if not last or last[0] is None:
        raise NotFoundError(f"athlete {athlete!r} has no activities yet: import some first")
    as_of = pd.Timestamp(last[0]).tz_convert("UTC")
    window_start = (as_of - pd.Timedelta(weeks=weeks)).normalize()
    prof = resolve_profile(store, athlete, vdot=vdot)
    pace = prof["threshold_pace_s_per_km"].value
    threshold_speed = 1000.0 / float(pace) if pace else None
    chosen = metric or ("rtss" if threshold_speed else "trimp")
    acts = activity_loads(
        store, athlete, window_start - pd.Timedelta(days=HISTORY_DAYS_BEFORE), threshold_speed
    )
    notices = [
        v.note
        for k, v in prof.items()
        if v.source == "default"
        and v.note
        and k in ("sex", "hr_max", "hr_rest", "threshold_pace_s_per_km")
    ]
    if chosen == "rtss" and prof["threshold_pace_s_per_km"].source == "estimated":
        notices.append(f"threshold pace estimated: {prof['threshold_pace_s_per_km'].note}")
    load = acts[chosen].fillna(0.0) if not acts.empty else pd.Series(dtype=float)
    daily = (
        daily_load(acts["start_time"], load, end=as_of.normalize())
        if not acts.empty
        else pd.Series(dtype=float)
    )
    model = ctl_atl_tsb(daily)
    rolling_c = acwr_rolling(daily, coupled=True)
    rolling_u = acwr_rolling(daily, coupled=False)
    ewma = acwr_ewma(daily)
    mono = monotony_strain(daily)
    runs = acts[acts["sport"] == "running"].copy() if not acts.empty else acts
    if not runs.empty:
        runs["load"] = runs[chosen].fillna(0.0)
    weekly = weekly_summary(runs)
    # A race week's "long run" is the race itself: the long-run share guideline does not apply.
    race_weeks = {
        "{}-W{:02d}".format(*pd.Timestamp(d).isocalendar()[:2])
        for d in store.races(aid)["race_date"]
    }
    flags = [
        f
        for f in load_flags(weekly, daily)
        if not (f["code"] == "long_run_share_high" and f["week"] in race_weeks)
    ]
    in_window = weekly[weekly.index >= window_start.tz_localize(None)]
    trimp_by_week = _weekly_sum(acts, "trimp")
    weekly_rows = []
    for week_start, w in zip(in_window.index, in_window.to_dict("records"), strict=True):
        weekly_rows.append(
            {
                "week": w["iso_week"],
                "week_start": str(week_start.date()),
                "volume_km": _num(w["volume_km"]),
                "runs": int(w["n_runs"]),
                "longest_run_km": _num(w["longest_run_km"]),
                "long_run_share": _num(w["long_run_share"]),
                "load": _num(w["load"]),
                "trimp": _num(trimp_by_week.get(week_start, np.nan)),
                "monotony": _num(w["monotony"]),
                "strain": _num(w["load"] * w["monotony"]),  # Foster 1998: weekly load x monotony
                "cutback": bool(w["is_cutback"]),
            }
        )
    window_flags = [
        f for f in flags if f["week"] >= (weekly_rows[0]["week"] if weekly_rows else "")
    ]
    today = daily.index[-1] if len(daily) else None
    return {
        "as_of": str(as_of.date()),
        "metric": chosen,
        "today": {
            "date": str(pd.Timestamp(today).date()) if today is not None else None,
            "ctl": _num(model["ctl"].iloc[-1]) if len(model) else None,
            "atl": _num(model["atl"].iloc[-1]) if len(model) else None,
            "tsb": _num(model["tsb"].iloc[-1]) if len(model) else None,
            "acwr_rolling_coupled": _num(rolling_c.iloc[-1]) if len(rolling_c) else None,
            "acwr_rolling_uncoupled": _num(rolling_u.iloc[-1]) if len(rolling_u) else None,
            "acwr_ewma": _num(ewma.iloc[-1]) if len(ewma) else None,
            "monotony_7d": _num(mono["monotony"].iloc[-1]) if len(mono) else None,
        },
        "weeks": weekly_rows,
        "flags": [{k: _num(v) for k, v in f.items()} for f in window_flags],
        "notices": notices,
        "note": "ACWR is descriptive: it compares this week with the last four; it does not "
        "predict injury (Impellizzeri et al. 2020).",
    }


def _weekly_sum(acts: pd.DataFrame, col: str) -> dict[pd.Timestamp, float]:
    if acts.empty:
        return {}
    days = (
        pd.DatetimeIndex(pd.to_datetime(acts["start_time"], utc=True)).tz_localize(None).normalize()
    )
    week = days - pd.to_timedelta(days.day_of_week, unit="D")
    s = pd.Series(acts[col].to_numpy(dtype=float), index=week)
    sums = s.groupby(level=0).sum(min_count=1)
    return {pd.Timestamp(k): float(v) for k, v in zip(sums.index, sums.to_numpy(), strict=True)}
