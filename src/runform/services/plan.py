"""Plans over the store: create from the runner's history, show, export, check adherence.

The inputs a runner does not give are taken from their history and said so:
VDOT from ``runform fitness``; current weekly volume as the mean of the last four
full weeks; longest recent run as the longest run of the last eight weeks; the
personal cadence model from their steady running (cadence targets are then set
over what they actually run at each pace, never a fixed 180).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

from runform.errors import RunformError, UsageError
from runform.plan import generate_plan
from runform.services.fitness import fitness
from runform.services.form import cadence_model
from runform.services.profile import resolve_profile
from runform.store.db import Store

RECENT_WEEKS = 8
"""Weeks of history searched for the longest recent run."""


def _history(store: Store, athlete: str) -> dict[str, Any]:
    aid = store.athlete_id(athlete)
    runs = store.list_activities(aid, sport="running")
    out: dict[str, Any] = {"runs": len(runs)}
    if not runs:
        return out
    last = runs[-1].start_time
    since = last - timedelta(weeks=RECENT_WEEKS)
    out["longest_recent_km"] = max(
        ((r.distance_m or 0.0) / 1000.0 for r in runs if r.start_time >= since), default=0.0
    )
    prof = resolve_profile(store, athlete)
    out["weekly_km"] = prof["weekly_km"].value
    out["weekly_km_source"] = prof["weekly_km"].source
    return out


def create_plan(
    store: Store,
    athlete: str,
    *,
    race_date: date,
    race_distance: str | float = "marathon",
    goal: str | None = None,
    weeks: int = 16,
    days_per_week: int = 5,
    long_run_day: str | int = "sun",
    long_run_style: str = "daniels",
    vdot: float | None = None,
    current_weekly_km: float | None = None,
    longest_recent_km: float | None = None,
    today: date | None = None,
) -> dict[str, Any]:
    """Generate a plan for the athlete, store it as their current plan and return it."""
    aid = store.athlete_id(athlete, create=True)
    notes: list[str] = []
    hist = _history(store, athlete) if store.list_activities(aid) else {"runs": 0}
    if vdot is None and hist["runs"]:
        try:
            vdot = fitness(store, athlete)["current"]["vdot"]
            if vdot is not None:
                notes.append(f"VDOT {vdot:.1f} from your history (runform fitness)")
        except RunformError:
            vdot = None
    if current_weekly_km is None:
        current_weekly_km = hist.get("weekly_km")
        if not current_weekly_km:
            raise UsageError("no weekly volume known: give --weekly-km (your usual km per week)")
        notes.append(f"current volume {current_weekly_km:.0f} km/week: mean of your last 4 weeks")
    if longest_recent_km is None:
        longest_recent_km = hist.get("longest_recent_km")
        if not longest_recent_km:
            raise UsageError("no recent long run known: give --longest-km")
        notes.append(f"longest recent run {longest_recent_km:.1f} km (last {RECENT_WEEKS} weeks)")
    longest_recent_km = min(float(longest_recent_km), float(current_weekly_km))
    model = cadence_model(store, athlete)[0] if hist["runs"] else None
    if model is not None:
        notes.append("cadence targets from your own cadence-speed line")
    inputs = {
        "race_date": race_date.isoformat(),
        "race_distance": race_distance,
        "goal": goal,
        "weeks": weeks,
        "days_per_week": days_per_week,
        "long_run_day": long_run_day,
        "long_run_style": long_run_style,
        "vdot": vdot,
        "current_weekly_km": current_weekly_km,
        "longest_recent_km": longest_recent_km,
    }
    if long_run_style not in ("daniels", "pfitzinger"):
        raise UsageError(f"--style {long_run_style!r}: use daniels or pfitzinger")
    plan = generate_plan(
        race_date,
        race_distance,
        goal,
        vdot,
        current_weekly_km=float(current_weekly_km),
        longest_recent_km=float(longest_recent_km),
        days_per_week=days_per_week,
        long_run_day=long_run_day,
        weeks=weeks,
        long_run_style=long_run_style,  # type: ignore[arg-type]
        cadence_model=model,
        today=today or datetime.now().date(),
    ).as_dict()
    plan["history_notes"] = notes
    plan["plan_id"] = store.add_plan(aid, inputs, plan)
    return plan


def current_plan(store: Store, athlete: str) -> dict[str, Any]:
    """The athlete's newest plan (as created)."""
    pid, _inputs, plan = store.current_plan(store.athlete_id(athlete))
    plan["plan_id"] = pid
    return plan


def export_plan(store: Store, athlete: str, fmt: str, out: Path) -> list[Path]:
    """Write the current plan as ics, fit (a folder of workouts), md, html, csv or json."""
    plan = current_plan(store, athlete)
    out.parent.mkdir(parents=True, exist_ok=True)
    if fmt == "fit":
        from runform.plan.export_fit import write_plan_workouts

        out.mkdir(parents=True, exist_ok=True)
        return write_plan_workouts(plan, out)
    if fmt == "ics":
        from runform.plan.export_ics import write_ics

        write_ics(plan, out, plan_id=f"runform-{athlete}-{plan['plan_id']}")
        return [out]
    from runform.plan import export_text

    writers: dict[str, Callable[[Any], str]] = {
        "md": export_text.plan_markdown,
        "html": export_text.plan_html,
        "csv": export_text.plan_csv,
        "json": export_text.plan_json,
    }
    if fmt not in writers:
        raise UsageError(f"--format {fmt!r}: use ics, fit, md, html, csv or json")
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_name(out.name + ".part")
    tmp.write_text(writers[fmt](plan), encoding="utf-8")
    tmp.replace(out)
    return [out]
