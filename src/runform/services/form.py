"""Form analytics over the store: one activity (``runform analyze``) and the history (``runform form``).

The analysis core does the work (:mod:`runform.core.cadence`, ``durability``,
``hills``, ``strides``, ``intervals``, ``dynamics``, ``classify``); this module
gathers what it needs from the store (the runner's personal cadence model, their
VDOT paces) and shapes the JSON the CLI prints.
"""

from __future__ import annotations

import math
from collections import defaultdict
from datetime import datetime
from typing import Any

import numpy as np

from runform.core.cadence import (
    CadenceBins,
    CadenceModel,
    NotEnoughDataError,
    activity_cadence,
    cadence_at,
    cadence_targets,
    cadence_trend,
    fit_cadence_model,
    steady_samples,
    step_length_at,
)
from runform.core.classify import RunnerPaces, classify_run
from runform.core.durability import durability, durability_trend
from runform.core.dynamics import running_dynamics
from runform.core.grade import GradeModel
from runform.core.hills import analyze_hills, grade_stream
from runform.core.intervals import detect_intervals
from runform.core.signal import clean_streams
from runform.core.strides import detect_strides, score_strides
from runform.errors import NotFoundError, RunformError
from runform.performance.vdot import race_time_from_vdot, training_paces
from runform.services.fitness import fitness
from runform.store.db import Store


def _runner_paces(
    store: Store, athlete: str
) -> tuple[RunnerPaces | None, float | None, float | None]:
    """(E/M/T/I speeds, 5K speed [m/s], VDOT) from the current VDOT estimate, when there is one."""
    try:
        vdot = fitness(store, athlete)["current"]["vdot"]
    except RunformError:
        return None, None, None
    if vdot is None:
        return None, None, None
    p = training_paces(float(vdot))
    easy = 1000.0 / ((p.easy_s_per_km[0] + p.easy_s_per_km[1]) / 2)
    paces = RunnerPaces(
        easy=easy,
        marathon=1000.0 / p.marathon_s_per_km,
        threshold=1000.0 / p.threshold_s_per_km,
        interval=1000.0 / p.interval_s_per_km,
    )
    five_k = 5000.0 / float(race_time_from_vdot(float(vdot), 5000.0))
    return paces, five_k, float(vdot)


def cadence_model(
    store: Store, athlete: str
) -> tuple[CadenceModel | None, list[tuple[datetime, CadenceBins]]]:
    """The runner's personal cadence-speed model fitted over all their runs, and per-run bins."""
    aid = store.athlete_id(athlete)
    items: list[tuple[datetime, CadenceBins]] = []
    for r in store.list_activities(aid, sport="running"):
        streams = store.streams(r.id)
        if "cadence" not in streams:
            continue
        try:
            items.append((r.start_time, steady_samples(streams).to_bins()))
        except RunformError:
            continue
    if not items:
        return None, items
    try:
        return fit_cadence_model([b for _, b in items]), items
    except NotEnoughDataError:
        return None, items


def _as_json(value: Any) -> Any:
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, np.generic):
        return _as_json(value.item())
    if isinstance(value, dict):
        return {k: _as_json(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_as_json(v) for v in value]
    return value


def analyze_activity(
    store: Store, athlete: str, activity_id: int, grade_model: GradeModel = "minetti"
) -> dict[str, Any]:
    """Every form analysis of one activity (``runform analyze ID --json``).

    ``grade_model`` selects the grade-adjusted pace: Minetti et al. 2002's energy cost
    or the empirical (Strava-like) factor table (:mod:`runform.core.grade`).
    """
    aid = store.athlete_id(athlete)
    act = store.load_activity(aid, activity_id)
    if act.streams.empty:
        raise NotFoundError(f"activity {activity_id} has no samples to analyse")
    paces, five_k, vdot = _runner_paces(store, athlete)
    model, _ = cadence_model(store, athlete)
    clean = clean_streams(act.streams)
    grade = grade_stream(act.streams)

    cad = activity_cadence(clean, model).as_dict()
    if model is not None:
        cad["model"] = model.as_dict()
        if paces is not None:
            speeds = {"E": paces.easy, "M": paces.marathon, "T": paces.threshold}
            cad["at_paces"] = {
                k: {
                    "speed_mps": v,
                    "cadence_spm": float(cadence_at(model, v)),
                    "step_length_m": float(step_length_at(model, v)),
                }
                for k, v in speeds.items()
            }
            cad["targets"] = [t.as_dict() for t in cadence_targets(model, speeds)]

    dur = durability(clean, model=model)
    hills = analyze_hills(act.streams, model=grade_model, grade=grade)
    intervals = detect_intervals(act.streams, act.laps, act.start_time, grade_model=grade_model)
    strides = detect_strides(act.streams, five_k, model=grade_model, grade=grade)
    dynamics = running_dynamics(act.streams)
    klass = classify_run(
        act.streams,
        act.laps,
        act.start_time,
        paces=paces,
        intervals=intervals,
        grade_model=grade_model,
    )
    iv = intervals.as_dict()
    out: dict[str, Any] = _as_json(
        {
            "id": activity_id,
            "sport": act.sport,
            "start_time": act.start_time.isoformat(),
            "vdot": vdot,
            "classification": klass.as_dict(),
            "cadence": cad,
            "durability": dur.as_dict()
            if dur is not None
            else {"status": "run shorter than 75 min"},
            "hills": hills.as_dict(),
            "intervals": iv.get("intervals", []),
            "interval_summary": {k: v for k, v in iv.items() if k != "intervals"},
            "strides": [s.as_dict() for s in strides],
            "stride_score": score_strides(strides).as_dict() if strides else None,
            "dynamics": dynamics.as_dict(),
        }
    )
    return out


def form_history(store: Store, athlete: str, weeks: int | None = None) -> dict[str, Any]:
    """The runner's form over the block (``runform form --json``).

    Cadence at a reference pace week by week, durability of long runs week by week,
    and the technique work found per week (strides, hill reps, interval reps).
    """
    aid = store.athlete_id(athlete)
    runs = store.list_activities(aid, sport="running")
    if not runs:
        raise NotFoundError(f"athlete {athlete!r} has no runs yet: import some first")
    if weeks is not None:
        cutoff = runs[-1].start_time.timestamp() - weeks * 7 * 86400
        runs = [r for r in runs if r.start_time.timestamp() >= cutoff]
    paces, five_k, vdot = _runner_paces(store, athlete)
    model, bins = cadence_model(store, athlete)
    ref_speed = paces.easy if paces is not None else 3.2
    trend = cadence_trend(bins, reference_speed_mps=ref_speed) if bins else None
    durs = []
    work: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for r in runs:
        act = store.load_activity(aid, r.id)
        if act.streams.empty:
            continue
        week = "{}-W{:02d}".format(*r.start_time.isocalendar()[:2])
        grade = grade_stream(act.streams)
        d = durability(clean_streams(act.streams), model=model)
        durs.append((r.start_time, d))
        iv = detect_intervals(act.streams, act.laps, act.start_time)
        n_reps = len(iv.as_dict().get("intervals", []))
        hills = analyze_hills(act.streams, grade=grade)
        strides = detect_strides(act.streams, five_k, grade=grade)
        w = work[week]
        w["runs"] += 1
        w["strides"] += len(strides)
        w["runs_with_strides"] += int(bool(strides))
        w["hill_reps"] += len(hills.repeats)
        w["interval_reps"] += n_reps
    out: dict[str, Any] = _as_json(
        {
            "athlete": athlete,
            "vdot": vdot,
            "cadence_model": model.as_dict() if model is not None else None,
            "cadence_trend": trend.as_dict() if trend is not None else None,
            "reference_speed_mps": ref_speed,
            "durability_trend": durability_trend(durs).as_dict(),
            "technique_per_week": [{"week": k, **v} for k, v in sorted(work.items())],
        }
    )
    return out
