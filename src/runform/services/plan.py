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
from runform.services.form import cadence_model, technique_per_run
from runform.services.profile import resolve_profile
from runform.store.db import Store

METRONOME_MAX_MIN = 30.0
"""Longest metronome file written for a plan [min]: cadence blocks are run in segments."""

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
    if long_run_style not in ("daniels", "pfitzinger"):
        raise UsageError(f"--style {long_run_style!r}: use daniels or pfitzinger")
    aid = store.athlete_id(athlete, create=True)
    notes: list[str] = []
    hist = _history(store, athlete)
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
    """Write the current plan as ics, fit (a folder of workouts), wav (a folder of cadence
    metronomes, one per planned cadence session), md, html, csv or json."""
    plan = current_plan(store, athlete)
    out.parent.mkdir(parents=True, exist_ok=True)
    if fmt == "fit":
        from runform.plan.export_fit import write_plan_workouts

        out.mkdir(parents=True, exist_ok=True)
        return write_plan_workouts(plan, out)
    if fmt == "wav":
        from runform.plan.metronome import cadence_sessions, write_metronome

        # One file per distinct cadence target (runners reuse it across sessions), each as
        # long as the longest planned block at that cadence, at most METRONOME_MAX_MIN.
        longest: dict[float, float] = {}
        for _session, spm, minutes in cadence_sessions(plan):
            key = round(spm, 1)
            longest[key] = min(max(longest.get(key, 0.0), minutes), METRONOME_MAX_MIN)
        out.mkdir(parents=True, exist_ok=True)
        paths = []
        for spm, minutes in sorted(longest.items()):
            path = out / f"cadence-{spm:g}spm-{minutes:.0f}min.wav"
            write_metronome(path, spm, minutes, cue_every_min=5)
            paths.append(path)
        return paths
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
        raise UsageError(f"--format {fmt!r}: use ics, fit, wav, md, html, csv or json")
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_name(out.name + ".part")
    tmp.write_text(writers[fmt](plan), encoding="utf-8")
    tmp.replace(out)
    return [out]


def _week_bounds(week: dict[str, Any]) -> tuple[date, date]:
    days = sorted(date.fromisoformat(s["date"]) for s in week["sessions"])
    monday = days[0] - timedelta(days=days[0].weekday())
    return monday, monday + timedelta(days=7)


def adherence(store: Store, athlete: str, today: date | None = None) -> dict[str, Any]:
    """Compare what was run with the current plan, week by week.

    Per week: running volume done vs planned, the long run done vs planned, and the
    technique work the form-analytics detectors find in the runs (strides after runs,
    hill repeats, interval reps) vs the sessions that planned it. The weekly score is
    the mean, over what the week planned, of min(1, done / planned) [0-100]. The
    detectors' counts come from the per-activity metrics cache
    (:func:`runform.services.form.technique_per_run`).
    """
    aid = store.athlete_id(athlete)
    plan = current_plan(store, athlete)
    runs = store.list_activities(aid, sport="running")
    weeks_out = []
    today = today or datetime.now().date()
    # The detectors' counts of every run in a started plan week, from the metrics cache.
    started = [_week_bounds(w) for w in plan["weeks"]]
    started = [(lo, hi) for lo, hi in started if lo <= today]
    tech = technique_per_run(
        store,
        athlete,
        [r.id for r in runs if any(lo <= r.start_time.date() < hi for lo, hi in started)],
    )
    for week in plan["weeks"]:
        lo, hi = _week_bounds(week)
        if lo > today:
            weeks_out.append(
                {
                    "week": week["week"],
                    "start": lo.isoformat(),
                    "phase": week["phase"],
                    "status": "upcoming",
                }
            )
            continue
        done_runs = [r for r in runs if lo <= r.start_time.date() < hi]
        sessions = [s for s in week["sessions"] if s["type"] not in ("rest", "strength")]
        planned = {
            "volume_km": float(week["volume_km"]),
            "long_km": max(
                (s["distance_km"] or 0.0 for s in sessions if s["type"] in ("long", "race")),
                default=0.0,
            ),
            "strides": sum(
                1
                for s in sessions
                if any(e.get("focus") == "strides" for e in s.get("technique", []))
            ),
            "hills": sum(1 for s in sessions if s["type"] == "hills"),
            "intervals": sum(1 for s in sessions if s["type"] == "intervals"),
        }
        done = {"volume_km": 0.0, "long_km": 0.0, "strides": 0, "hills": 0, "intervals": 0}
        for r in done_runs:
            km = (r.distance_m or 0.0) / 1000.0
            done["volume_km"] += km
            done["long_km"] = max(done["long_km"], km)
            counts = tech[r.id]
            if counts is None:  # no samples
                continue
            done["strides"] += int(bool(counts["strides"]))
            done["hills"] += int(counts["hill_reps"] >= 3)
            done["intervals"] += int(counts["interval_reps"] >= 2)
        ratios = [min(1.0, done[k] / planned[k]) for k in planned if planned[k]]
        score = round(100.0 * sum(ratios) / len(ratios)) if ratios else None
        missing = [
            k for k in ("strides", "hills", "intervals") if planned[k] and done[k] < planned[k]
        ]
        tips = []
        if planned["volume_km"] and done["volume_km"] < 0.85 * planned["volume_km"]:
            tips.append(f"ran {done['volume_km']:.0f} of {planned['volume_km']:.0f} km")
        tips += [f"{k}: {done[k]} of {planned[k]} sessions" for k in missing]
        weeks_out.append(
            {
                "week": week["week"],
                "start": lo.isoformat(),
                "phase": week["phase"],
                "planned": planned,
                "done": {k: round(v, 1) if isinstance(v, float) else v for k, v in done.items()},
                "score": score,
                "suggestions": tips,
                "runs": len(done_runs),
                "status": "in progress" if hi > today else "done",
            }
        )
    return {"plan_id": plan["plan_id"], "weeks": weeks_out}


def _repace(node: Any, bands: dict[str, list[float]]) -> Any:
    """A copy of a session/step tree with every labelled pace set from ``bands``."""
    if isinstance(node, list):
        return [_repace(x, bands) for x in node]
    if not isinstance(node, dict):
        return node
    out = {k: _repace(v, bands) for k, v in node.items()}
    label = out.get("pace_label")
    if label in bands and "pace_s_per_km" in out:
        out["pace_s_per_km"] = bands[label]
    if isinstance(out.get("paces"), dict):
        out["paces"] = {k: bands.get(k, v) for k, v in out["paces"].items()}
    return out


def _bands(vdot: float) -> dict[str, list[float]]:
    """Pace ranges [s/km] per label, as the generator sets them (single paces +-PACE_BAND)."""
    from runform.performance.vdot import training_paces
    from runform.plan.generate import PACE_BAND

    p = training_paces(vdot)
    out: dict[str, list[float]] = {
        "E": [round(p.easy_s_per_km[0], 1), round(p.easy_s_per_km[1], 1)]
    }
    for label, single in (
        ("M", p.marathon_s_per_km),
        ("T", p.threshold_s_per_km),
        ("I", p.interval_s_per_km),
        ("R", p.repetition_s_per_km),
    ):
        out[label] = [round(single * (1 - PACE_BAND), 1), round(single * (1 + PACE_BAND), 1)]
    return out


def update_plan(
    store: Store, athlete: str, *, vdot: float | None = None, today: date | None = None
) -> dict[str, Any]:
    """Re-plan the weeks still to come after missed weeks or a new VDOT.

    The weeks already started are kept as they were. With 12 or more weeks left, the
    rest is generated again from what was actually run (the mean volume of the last two
    finished weeks) and the new VDOT; with fewer, the sessions and volumes are kept and
    every pace is reset from the new VDOT. The result is stored as the current plan.
    """
    aid = store.athlete_id(athlete)
    pid, inputs, plan = store.current_plan(aid)
    gen = plan["inputs"]  # the generator's own record of its inputs
    today = today or datetime.now().date()
    weeks = plan["weeks"]
    first = next((i for i, w in enumerate(weeks) if _week_bounds(w)[0] > today), None)
    if first is None:
        raise UsageError("the plan has no weeks left to re-plan (race day has passed)")
    notes: list[str] = []
    if vdot is None:
        try:
            vdot = fitness(store, athlete)["current"]["vdot"]
        except RunformError:
            vdot = None
    vdot = float(vdot if vdot is not None else plan["vdot"])
    adh = adherence(store, athlete, today=today)
    finished = [w for w in adh["weeks"] if w.get("status") == "done"][-2:]
    current_km = (
        sum(w["done"]["volume_km"] for w in finished) / len(finished)
        if finished
        else float(gen["current_weekly_km"])
    )
    remaining = len(weeks) - first
    if remaining >= 12:
        longest = max([w["done"]["long_km"] for w in finished] + [0.0]) or float(
            gen["longest_recent_km"]
        )
        new = generate_plan(
            date.fromisoformat(gen["race_date"]),
            gen["race_distance_m"],
            gen.get("goal_time_s"),
            vdot,
            current_weekly_km=max(current_km, 1.0),
            longest_recent_km=min(max(longest, 1.0), max(current_km, 1.0)),
            days_per_week=gen["days_per_week"],
            long_run_day=gen["long_run_day"],
            weeks=remaining,
            long_run_style=gen.get("long_run_style", "daniels"),
            cadence_model=cadence_model(store, athlete)[0],
            today=today,
        ).as_dict()
        for i, w in enumerate(new["weeks"]):
            w["week"] = first + 1 + i
        new_weeks = new["weeks"]
        notes.append(
            f"weeks {first + 1}-{len(weeks)} generated again from {current_km:.0f} km/week "
            f"(what you ran in the last finished weeks) and VDOT {vdot:.1f}"
        )
    else:
        bands = _bands(vdot)
        new_weeks = [_repace(w, bands) for w in weeks[first:]]
        notes.append(
            f"{remaining} weeks left (fewer than the 12 a new block needs): sessions and volumes "
            f"kept, paces reset from VDOT {vdot:.1f}"
        )
    updated = {
        **plan,
        "weeks": weeks[:first] + new_weeks,
        "vdot": vdot,
        "paces": _bands(vdot),
        "update_notes": notes,
        "updated_from": pid,
    }
    updated.pop("plan_id", None)
    new_inputs = {**inputs, "updated_from": pid, "update_today": today.isoformat(), "vdot": vdot}
    updated["plan_id"] = store.add_plan(aid, new_inputs, updated)
    return updated
