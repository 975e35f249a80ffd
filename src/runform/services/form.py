"""Form analytics over the store: one activity (``runform analyze``) and the history (``runform form``).

The analysis core does the work (:mod:`runform.core.cadence`, ``durability``,
``hills``, ``strides``, ``intervals``, ``dynamics``, ``classify``); this module
gathers what it needs from the store (the runner's personal cadence model, their
VDOT paces) and shapes the JSON the CLI prints.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import asdict
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
from runform.core.durability import (
    Decoupling,
    Durability,
    DurabilityWindow,
    FatigueOnset,
    MetricDrift,
    durability,
    durability_trend,
)
from runform.core.dynamics import running_dynamics
from runform.core.grade import GradeModel
from runform.core.hills import analyze_hills, grade_stream
from runform.core.intervals import IntervalResult, detect_intervals
from runform.core.signal import clean_streams
from runform.core.strides import detect_strides, score_strides
from runform.errors import NotFoundError, RunformError
from runform.performance.vdot import race_time_from_vdot, training_paces
from runform.services.fitness import fitness
from runform.services.metrics_cache import ComputeFn, Metric, get_or_compute
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


def _bins_payload(streams: Any) -> dict[str, Any] | None:
    """A run's steady cadence bins as JSON (None without cadence or steady running)."""
    if "cadence" not in streams:
        return None
    try:
        b = steady_samples(streams).to_bins()
    except RunformError:
        return None
    return {
        "speed_basis": b.speed_basis,
        "speed_mps": b.speed_mps.tolist(),
        "cadence_spm": b.cadence_spm.tolist(),
        "seconds": b.seconds.tolist(),
        "group": b.group.tolist(),
    }


def _bins_from(payload: dict[str, Any]) -> CadenceBins:
    return CadenceBins(
        np.asarray(payload["speed_mps"], dtype=float),
        np.asarray(payload["cadence_spm"], dtype=float),
        np.asarray(payload["seconds"], dtype=float),
        np.asarray(payload["group"], dtype=np.int64),
        payload["speed_basis"],
    )


def cadence_model(
    store: Store, athlete: str
) -> tuple[CadenceModel | None, list[tuple[datetime, CadenceBins]]]:
    """The runner's personal cadence-speed model fitted over all their runs, and per-run bins.

    The per-run bins depend on the streams only and come from the metrics cache; the
    model is refitted from them on every call, so a new run always changes it.
    """
    aid = store.athlete_id(athlete)
    runs = store.list_activities(aid, sport="running")
    m_bins = Metric.of("cadence_bins")

    def compute(activity_id: int, missing: Sequence[Metric]) -> dict[Metric, Any]:
        return {m_bins: _bins_payload(store.streams(activity_id))}

    got = get_or_compute(store, aid, [m_bins], [r.id for r in runs], compute)[m_bins]
    items = [(r.start_time, _bins_from(got[r.id])) for r in runs if got[r.id] is not None]
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


def _durability_payload(d: Durability | None) -> dict[str, Any] | None:
    return None if d is None else asdict(d)


def _durability_from(p: dict[str, Any] | None) -> Durability | None:
    """Rebuild a cached :class:`Durability` (the inverse of ``dataclasses.asdict``)."""
    if p is None:
        return None
    return Durability(
        **{
            **p,
            "drift": tuple(MetricDrift(**x) for x in p["drift"]),
            "windows": tuple(DurabilityWindow(**x) for x in p["windows"]),
            "onset": None if p["onset"] is None else FatigueOnset(**p["onset"]),
            "onsets": tuple(FatigueOnset(**x) for x in p["onsets"]),
            "decoupling": None if p["decoupling"] is None else Decoupling(**p["decoupling"]),
        }
    )


_EMPTY_RUN: dict[str, Any] = {
    "technique": None,
    "strides": 0,
    "durability": None,
    "run_type": None,
}
"""Payload of each per-run kind for an activity without samples."""


def _per_run_compute(store: Store, athlete_id: int, inputs: dict[Metric, Any]) -> ComputeFn:
    """One pass over a run's streams computing any of the per-run kinds asked for.

    ``inputs`` maps each metric to the input its kind needs besides the streams (the
    5K speed [m/s] for ``strides``, the cadence model for ``durability``, the runner's
    paces for ``run_type``, nothing for ``technique``); the metric's params key holds
    exactly that input, so the cache never serves a result computed with another.
    Interval detection and the grade stream are computed once and shared.
    """

    def compute(activity_id: int, missing: Sequence[Metric]) -> dict[Metric, Any]:
        act = store.load_activity(athlete_id, activity_id)
        if act.streams.empty:
            return {m: _EMPTY_RUN[m.kind] for m in missing}
        grade: Any = None
        iv: IntervalResult | None = None
        out: dict[Metric, Any] = {}
        for m in missing:
            if m.kind in ("technique", "strides") and grade is None:
                grade = grade_stream(act.streams)
            if m.kind in ("technique", "run_type") and iv is None:
                iv = detect_intervals(act.streams, act.laps, act.start_time)
            if m.kind == "technique":
                assert iv is not None
                out[m] = {
                    "interval_reps": len(iv.as_dict().get("intervals", [])),
                    "hill_reps": len(analyze_hills(act.streams, grade=grade).repeats),
                }
            elif m.kind == "strides":
                out[m] = len(detect_strides(act.streams, inputs[m], grade=grade))
            elif m.kind == "durability":
                out[m] = _durability_payload(
                    durability(clean_streams(act.streams), model=inputs[m])
                )
            elif m.kind == "run_type":
                out[m] = _run_type(act.streams, act.laps, act.start_time, inputs[m], iv)
            else:  # pragma: no cover - a programming error
                raise ValueError(f"unknown per-run kind {m.kind!r}")
        return out

    return compute


def _run_type(
    streams: Any,
    laps: Any,
    start_time: datetime,
    paces: RunnerPaces | None,
    intervals: IntervalResult | None,
) -> str | None:
    """:func:`classify_run`'s type of one run, None when the run cannot be classified."""
    try:
        return str(classify_run(streams, laps, start_time, paces=paces, intervals=intervals).type)
    except (RunformError, ValueError, KeyError, IndexError, ArithmeticError):
        return None


def _strides_metric(five_k: float | None) -> Metric:
    return Metric.of("strides", five_k_speed_mps=five_k)


def _run_type_metric(paces: RunnerPaces | None) -> Metric:
    return Metric.of("run_type", paces=None if paces is None else asdict(paces))


def _history_per_run(
    store: Store,
    athlete_id: int,
    run_ids: list[int],
    model: CadenceModel | None,
    five_k: float | None,
) -> dict[int, tuple[dict[str, int] | None, int, Durability | None]]:
    """(technique counts or None without samples, strides, durability) of each run, cached.

    Hill and interval repetitions depend on the streams only; strides on the 5K speed;
    durability on the personal model's cadence slope (the only part of the model it
    uses), so each is cached under exactly those inputs.
    """
    m_tech = Metric.of("technique")
    m_strides = _strides_metric(five_k)
    m_dur = Metric.of(
        "durability", slope_spm_per_mps=None if model is None else model.slope_spm_per_mps
    )
    compute = _per_run_compute(store, athlete_id, {m_tech: None, m_strides: five_k, m_dur: model})
    got = get_or_compute(store, athlete_id, [m_tech, m_strides, m_dur], run_ids, compute)
    return {
        rid: (got[m_tech][rid], int(got[m_strides][rid]), _durability_from(got[m_dur][rid]))
        for rid in run_ids
    }


def technique_per_run(
    store: Store, athlete: str, activity_ids: Sequence[int] | None = None
) -> dict[int, dict[str, int] | None]:
    """Technique work the detectors find in each run, cached (plan adherence uses it).

    Parameters
    ----------
    store : Store
        The store.
    athlete : str
        The athlete.
    activity_ids : sequence of int, optional
        The runs (default: all the athlete's runs).

    Returns
    -------
    dict
        Activity id -> ``{"interval_reps", "hill_reps", "strides"}`` [-] (strides by
        :func:`~runform.core.strides.detect_strides` without the runner's 5K speed, so
        the count does not move with their VDOT), or None for a run without samples.
    """
    aid = store.athlete_id(athlete)
    if activity_ids is None:
        activity_ids = [r.id for r in store.list_activities(aid, sport="running")]
    ids = [int(i) for i in activity_ids]
    m_tech, m_strides = Metric.of("technique"), _strides_metric(None)
    compute = _per_run_compute(store, aid, {m_tech: None, m_strides: None})
    got = get_or_compute(store, aid, [m_tech, m_strides], ids, compute)
    out: dict[int, dict[str, int] | None] = {}
    for i in ids:
        tech = got[m_tech][i]
        out[i] = None if tech is None else {**tech, "strides": int(got[m_strides][i])}
    return out


def run_types(
    store: Store, athlete: str, activity_ids: Sequence[int] | None = None
) -> dict[int, str]:
    """The type of each run (easy, long, tempo, intervals, hills, race), cached.

    The type is :func:`~runform.core.classify.classify_run`'s with the runner's current
    training paces, as :func:`analyze_activity` classifies a run (Minetti grade model),
    without the rest of that analysis. It is cached per run under those paces, so a new
    VDOT reclassifies every run once.

    Parameters
    ----------
    store : Store
        The store; read-only works (what is missing is computed, not stored).
    athlete : str
        The athlete.
    activity_ids : sequence of int, optional
        The activities (default: all the athlete's runs); other sports are left out.

    Returns
    -------
    dict
        Activity id -> type, for every run with samples that could be classified.
    """
    aid = store.athlete_id(athlete)
    runs = [r.id for r in store.list_activities(aid, sport="running")]
    if activity_ids is not None:
        wanted = {int(i) for i in activity_ids}
        runs = [i for i in runs if i in wanted]
    if not runs:
        return {}
    paces, _, _ = _runner_paces(store, athlete)
    m_type = _run_type_metric(paces)
    got = get_or_compute(store, aid, [m_type], runs, _per_run_compute(store, aid, {m_type: paces}))[
        m_type
    ]
    return {i: str(got[i]) for i in runs if got[i] is not None}


def warm_form_metrics(store: Store, athlete: str) -> None:
    """Compute (and store) every per-run result of :func:`form_history`,
    :func:`technique_per_run` and :func:`run_types` in one pass over each run's streams.

    Raises :class:`~runform.errors.NotFoundError` for an athlete without runs.
    """
    aid = store.athlete_id(athlete)
    ids = [r.id for r in store.list_activities(aid, sport="running")]
    if not ids:
        raise NotFoundError(f"athlete {athlete!r} has no runs yet: import some first")
    paces, five_k, _ = _runner_paces(store, athlete)
    model, _ = cadence_model(store, athlete)
    inputs: dict[Metric, Any] = {
        Metric.of("technique"): None,
        _strides_metric(five_k): five_k,
        _strides_metric(None): None,
        Metric.of(
            "durability", slope_spm_per_mps=None if model is None else model.slope_spm_per_mps
        ): model,
        _run_type_metric(paces): paces,
    }
    get_or_compute(store, aid, list(inputs), ids, _per_run_compute(store, aid, inputs))


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
    per_run = _history_per_run(store, aid, [r.id for r in runs], model, five_k)
    durs = []
    work: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for r in runs:
        tech, n_strides, d = per_run[r.id]
        if tech is None:  # no samples
            continue
        week = "{}-W{:02d}".format(*r.start_time.isocalendar()[:2])
        durs.append((r.start_time, d))
        w = work[week]
        w["runs"] += 1
        w["strides"] += n_strides
        w["runs_with_strides"] += int(bool(n_strides))
        w["hill_reps"] += tech["hill_reps"]
        w["interval_reps"] += tech["interval_reps"]
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
