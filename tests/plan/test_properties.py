"""Properties every generated plan must have, over many runners (hypothesis).

Runners: VDOT 30-75, 3-7 running days, 12-20 weeks, 20-120 km a week, a longest
recent run of 15-60 % of the week, either long-run style, marathon or half, any
long-run weekday, a race up to 6 weeks beyond the plan length. The expectations are
the published rules themselves (shared/reference/vectors.md "Plans": Daniels' long-run
and quality caps, Bosquet 2007's taper, strides 6-10 x 60-100 m) and the issue's
requirements (10 % progression, cutbacks every 3rd or 4th week, the six technique
focuses, no running dropped below the current volume outside cutbacks and taper),
never the generator's output.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from runform.errors import UsageError
from runform.performance.vdot import training_paces
from runform.plan import generate_plan, minimum_current_km
from runform.plan.model import Plan, Repeat, Session

TODAY = date(2026, 6, 1)
ROUNDING_KM = 1e-6

# vectors.md "Plans" and issue 5, written out here rather than imported from the generator.
LONG_SHARE = {"daniels": 0.30, "pfitzinger": 0.35}
LONG_MINUTES = {"daniels": 150.0, "pfitzinger": 180.0}
LONG_KM = {"daniels": None, "pfitzinger": 35.0}
QUALITY = {"T": (0.10, None), "I": (0.08, 10.0), "R": (0.05, 8.0), "M": (0.20, 29.0)}
BELONGS = {
    "posture": {"base", "build", "peak", "taper"},
    "cadence": {"base", "build", "peak", "taper"},
    "strides": {"base", "build", "peak", "taper"},
    "strength": {"base", "build", "peak", "taper"},
    "hills": {"base", "build", "peak"},
    "intervals": {"build", "peak", "taper"},
}


@dataclass(frozen=True)
class Case:
    args: dict[str, Any]
    plan: Plan | None
    refusal: str | None


@st.composite
def cases(draw: st.DrawFn) -> Case:
    weeks = draw(st.integers(12, 20))
    current = draw(st.floats(20.0, 120.0))
    args: dict[str, Any] = {
        "race_date": TODAY + timedelta(days=7 * weeks + draw(st.integers(0, 42))),
        "race_distance_m": draw(st.sampled_from([42195.0, 42195.0, 21097.5])),
        "vdot": draw(st.floats(30.0, 75.0)),
        "current_weekly_km": current,
        "longest_recent_km": current * draw(st.floats(0.15, 0.6)),
        "days_per_week": draw(st.integers(3, 7)),
        "long_run_day": draw(st.integers(0, 6)),
        "weeks": weeks,
        "long_run_style": draw(st.sampled_from(["daniels", "pfitzinger"])),
        "today": TODAY,
    }
    try:
        return Case(args, generate_plan(**args), None)
    except UsageError as exc:
        return Case(args, None, str(exc))


def _feasible(case: Case) -> Plan | None:
    """The plan, after checking that a refusal is one of the documented ones."""
    if case.plan is not None:
        event("plan")
        return case.plan
    msg = case.refusal or ""
    assert "\n" not in msg
    name = "marathon" if case.args["race_distance_m"] > 30000 else "half_marathon"
    low = case.args["current_weekly_km"] < minimum_current_km(name, case.args["weeks"])
    if "too low" in msg:
        event("refused: volume too low")
        assert low, msg
    else:
        event("refused: too few days for the volume")
        assert "run on more days a week" in msg, msg
    return None


PROPS = settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def _runs(plan: Plan) -> list[tuple[Any, Session]]:
    return [(w, s) for w in plan.weeks for s in w.runs]


@PROPS
@given(cases())
def test_progression_at_most_10_percent_over_the_last_load_week(case: Case) -> None:
    plan = _feasible(case)
    if plan is None:
        return
    current = case.args["current_weekly_km"]
    # Week 1 is the runner's current volume (rounded up to 100 m).
    assert current - ROUNDING_KM <= plan.weeks[0].volume_km <= current + 0.1 + ROUNDING_KM
    last = plan.weeks[0].volume_km
    for w in plan.weeks[1:]:
        if w.kind == "load":
            assert w.volume_km <= 1.10 * last + ROUNDING_KM
            last = w.volume_km


@PROPS
@given(cases())
def test_cutback_every_third_or_fourth_week(case: Case) -> None:
    plan = _feasible(case)
    if plan is None:
        return
    run = 0
    last_load = 0.0
    for w in plan.weeks:
        if w.kind == "load":
            run += 1
            assert run <= 3  # a recovery (cutback or taper) at least every 4th week
            last_load = w.volume_km
        else:
            if w.kind == "cutback":
                assert run >= 2  # and at most every 3rd
                assert 0.70 - 1e-3 <= w.volume_km / last_load <= 0.80 + 1e-3  # -20..-30 %
            run = 0
    assert any(w.kind == "cutback" for w in plan.weeks)


@PROPS
@given(cases())
def test_long_run_caps(case: Case) -> None:
    plan = _feasible(case)
    if plan is None:
        return
    style = case.args["long_run_style"]
    e_slow = training_paces(case.args["vdot"]).easy_s_per_km[1]
    for w, s in _runs(plan):
        if s.type != "long":
            continue
        assert s.distance_km <= LONG_SHARE[style] * w.volume_km + ROUNDING_KM
        assert s.distance_km * e_slow / 60.0 <= LONG_MINUTES[style] + 1e-6
        km_cap = LONG_KM[style]
        if km_cap is not None:
            assert s.distance_km <= km_cap + ROUNDING_KM
        assert s.date.weekday() == case.args["long_run_day"]


@PROPS
@given(cases())
def test_taper_cuts_40_to_60_percent_of_the_peak_and_keeps_frequency(case: Case) -> None:
    plan = _feasible(case)
    if plan is None:
        return
    peak = max(w.volume_km for w in plan.weeks if w.kind == "load")
    taper = [w for w in plan.weeks if w.phase == "taper"]
    assert len(taper) == 2 and taper[-1].kind == "race"
    for w in taper:
        assert 0.40 <= 1.0 - w.volume_km / peak <= 0.60
    for w in plan.weeks:
        assert len(w.runs) == case.args["days_per_week"]
    # Intensity kept: the taper still has work at I or M pace (Bosquet 2007).
    for w in taper:
        assert any(s.work_m("I") + s.work_m("M") > 0 for s in w.runs if s.type != "race")


@PROPS
@given(cases())
def test_every_technique_focus_where_it_belongs(case: Case) -> None:
    plan = _feasible(case)
    if plan is None:
        return
    for w in plan.weeks:
        want = {f for f, phases in BELONGS.items() if w.phase in phases}
        assert w.focuses == want, (w.number, w.phase)
        drills = [s for s in w.runs if "posture" in s.focuses]
        assert 2 <= len(drills) <= 3  # posture/pelvic drills 2-3 a week
        cadence = [s for s in w.runs if "cadence" in s.focuses]
        assert len(cadence) >= 1
        for s in w.runs:
            if s.type == "long":
                assert "strides" in s.focuses  # strides after every long run
            for e in s.technique:
                assert e.cue
        strength = [s for s in w.sessions if s.type == "strength"]
        short = [s for s in strength if not any(e.optional for e in s.technique)]
        if w.phase != "taper":
            assert 3 <= len(short) <= 5
        else:
            assert 1 <= len(short) <= 2
        if w.phase in BELONGS["hills"]:
            assert sum(s.type == "hills" for s in w.runs) == 1  # a weekly hill session


@PROPS
@given(cases())
def test_no_running_volume_drop_outside_cutback_and_taper(case: Case) -> None:
    plan = _feasible(case)
    if plan is None:
        return
    current = case.args["current_weekly_km"]
    for w in plan.weeks:
        if w.kind == "load":
            assert w.volume_km >= current - ROUNDING_KM
    # Technique elements sit inside or after runs: each run's steps hold all its distance.
    for _, s in _runs(plan):
        steps = [
            x for i in s.steps for x in (list(i.steps) * i.count if isinstance(i, Repeat) else [i])
        ]
        assert abs(sum(x.running_m for x in steps) / 1000.0 - s.distance_km) < 1e-3


@PROPS
@given(cases())
def test_quality_within_daniels_caps(case: Case) -> None:
    plan = _feasible(case)
    if plan is None:
        return
    for w in plan.weeks:
        week_m = 1000.0 * w.volume_km
        for label, (share, km) in QUALITY.items():
            cap = share * week_m if km is None else min(share * week_m, 1000.0 * km)
            work = sum(s.work_m(label) for s in w.runs if s.type != "race")
            assert work <= cap + 1e-6, (w.number, label, work, cap)


@PROPS
@given(cases())
def test_paces_are_ordered_and_daniels(case: Case) -> None:
    plan = _feasible(case)
    if plan is None:
        return
    p = training_paces(case.args["vdot"])
    truth = {
        "M": p.marathon_s_per_km,
        "T": p.threshold_s_per_km,
        "I": p.interval_s_per_km,
        "R": p.repetition_s_per_km,
    }
    for _, s in _runs(plan):
        for label, (fast, slow) in s.paces.items():
            assert fast <= slow
            if label == "E":
                assert (fast, slow) == p.easy_s_per_km
            elif label in truth:
                assert abs((fast + slow) / 2.0 - truth[label]) <= 1e-9 * truth[label]
                assert fast <= truth[label] <= slow
    assert p.repetition_s_per_km < p.interval_s_per_km < p.threshold_s_per_km
    assert p.threshold_s_per_km < p.marathon_s_per_km < p.easy_s_per_km[0]


@settings(max_examples=20, deadline=None)
@given(cases())
def test_deterministic(case: Case) -> None:
    plan = _feasible(case)
    if plan is None:
        return
    again = generate_plan(**case.args)
    assert json.dumps(again.as_dict()) == json.dumps(plan.as_dict())
