"""The plan generator against published values, its refusals, and the plan's shape.

Truth: shared/reference/vectors.md and vdot_pace_table.csv (Daniels), Minetti et al.
(2002)'s cost polynomial, Heiderscheit et al. (2011)'s relative cadence targets,
Bosquet et al. (2007)'s taper, Higdon's published entry bar (15 mi a week before his
18-week novice marathon plan), and the strides prescription of runform.core.strides.
"""

from __future__ import annotations

import itertools
import json
import re
from dataclasses import replace
from datetime import date, timedelta
from typing import Any

import pytest

from runform.core.cadence import CadenceModel
from runform.core.hills import MIN_GAIN_M, MIN_LENGTH_M
from runform.core.strides import DEFAULT_PRESCRIPTION
from runform.errors import UsageError
from runform.performance.vdot import race_time_from_vdot
from runform.plan import check_load, generate_plan, minimum_current_km
from runform.plan.model import Plan, Repeat, Session, Step, Week

TODAY = date(2026, 6, 1)  # a Monday
RACE = date(2026, 10, 18)  # a Sunday, 20 weeks minus a day after TODAY
MI = 1.609344


def _plan(**kw: Any) -> Plan:
    args: dict[str, Any] = {
        "race_date": RACE,
        "vdot": 50.0,
        "current_weekly_km": 50.0,
        "longest_recent_km": 18.0,
        "days_per_week": 5,
        "today": TODAY,
    }
    args.update(kw)
    return generate_plan(**args)


def _clock(text: str) -> float:
    """h:mm:ss or m:ss -> seconds (the test's own parser)."""
    out = 0.0
    for part in text.split(":"):
        out = 60.0 * out + float(part)
    return out


def _steps(session: Session) -> list[Step]:
    out: list[Step] = []
    for item in session.steps:
        out += list(item.steps) * item.count if isinstance(item, Repeat) else [item]
    return out


# --------------------------------------------------------------------------- paces and goals


def test_goal_time_gives_the_published_vdot() -> None:
    # vectors.md: marathon 3:00:00 -> VDOT 53.53 (+-0.01).
    plan = _plan(vdot=None, goal_time_s="3:00:00")
    assert plan.vdot == pytest.approx(53.53, abs=0.01)
    assert plan.goal_time_s == 3 * 3600


def test_session_paces_match_daniels_table_at_vdot_50() -> None:
    # vdot_pace_table.csv, VDOT 50: E 4:56-5:34, M 4:31, T 4:15 /km, I 93 s/400 m, R 43 s/200 m;
    # tolerances of vectors.md (E +-6, M +-5, T +-2, I +-3 s/km).
    plan = _plan(vdot=50.0)
    seen: dict[str, tuple[float, float]] = {}
    for s in plan.sessions:
        seen.update(s.paces)
    e_fast, e_slow = seen["E"]
    assert e_fast == pytest.approx(_clock("4:56"), abs=6)
    assert e_slow == pytest.approx(_clock("5:34"), abs=6)
    mid = {k: (v[0] + v[1]) / 2 for k, v in seen.items()}
    assert mid["M"] == pytest.approx(_clock("4:31"), abs=5)
    assert mid["T"] == pytest.approx(_clock("4:15"), abs=2)
    assert mid["I"] * 0.4 == pytest.approx(93, abs=3 * 0.4)
    assert mid["R"] * 0.2 == pytest.approx(43, abs=0.5)


def test_goal_far_beyond_the_vdot_is_refused_with_the_realistic_goal() -> None:
    # VDOT 50 predicts 3:10:49 (Daniels' table; the equations within 0.2 %); 2:50:00 needs
    # about VDOT 56.6, more than a 16-week block's +4 (1 VDOT per 4 weeks, Daniels).
    with pytest.raises(UsageError) as err:
        _plan(vdot=50.0, goal_time_s="2:50:00", weeks=16)
    msg = str(err.value)
    assert "\n" not in msg
    assert "VDOT 50.0" in msg and "+4.0" in msg
    gap = float(re.search(r"VDOT [0-9.]+, ([0-9.]+) above", msg).group(1))  # type: ignore[union-attr]
    assert 5.5 < gap < 7.5
    realistic = re.search(r"realistic goal is ([0-9:]+)", msg).group(1)  # type: ignore[union-attr]
    assert _clock(realistic) == pytest.approx(_clock("3:10:49"), rel=0.002)


def test_a_stretch_goal_within_the_block_is_accepted_and_noted() -> None:
    goal = race_time_from_vdot(53.0, 42195.0)  # +3 VDOT over 16 weeks: within +4
    plan = _plan(vdot=50.0, goal_time_s=goal, weeks=16)
    assert plan.vdot == 50.0  # paces from the current VDOT, not the goal
    assert any("needs VDOT 53.0" in n for n in plan.notes)


def test_vdot_alone_sets_the_goal_to_its_prediction() -> None:
    plan = _plan(vdot=50.0)
    assert plan.goal_time_s == pytest.approx(_clock("3:10:49"), rel=0.002)
    race = plan.weeks[-1].sessions[-1]
    assert race.type == "race" and race.date == RACE
    assert race.distance_km == pytest.approx(42.195)


def test_half_marathon_plan() -> None:
    plan = _plan(race_distance_m="half", vdot=None, goal_time_s="1:31:35")
    assert plan.race_name == "half_marathon"
    assert plan.vdot == pytest.approx(50.0, abs=0.2)  # Daniels' table: VDOT 50 half 1:31:35
    assert plan.weeks[-1].race_km == pytest.approx(21.0975)


# --------------------------------------------------------------------------- refusals


@pytest.mark.parametrize(
    ("kw", "parts"),
    [
        ({"race_date": TODAY}, ["not in the future"]),
        ({"race_date": TODAY - timedelta(days=3)}, ["not in the future"]),
        (
            {"race_date": TODAY + timedelta(weeks=14), "weeks": 16},
            ["14 full weeks", "fewer than the 16 weeks asked", "ask for 14 weeks or fewer"],
        ),
        ({"race_date": TODAY + timedelta(weeks=10)}, ["at least 12 weeks"]),
        ({"vdot": None, "goal_time_s": None}, ["goal time or a VDOT"]),
        ({"race_distance_m": 10000.0}, ["marathon or the half marathon"]),
        ({"weeks": 11}, ["weeks must be a whole number from 12 to 20"]),
        ({"weeks": 21}, ["from 12 to 20"]),
        ({"days_per_week": 2}, ["days_per_week"]),
        ({"days_per_week": 8}, ["days_per_week"]),
        ({"longest_recent_km": 60.0}, ["more than the weekly volume"]),
        ({"current_weekly_km": -5.0}, ["current_weekly_km must be a positive number"]),
        ({"long_run_day": "funday"}, ["not a weekday"]),
        ({"long_run_day": 7}, ["0-6"]),
        ({"long_run_style": "lydiard"}, ["daniels or pfitzinger"]),
    ],
)
def test_refusals_are_one_clear_line(kw: dict[str, Any], parts: list[str]) -> None:
    with pytest.raises(UsageError) as err:
        _plan(**kw)
    msg = str(err.value)
    assert "\n" not in msg
    for part in parts:
        assert part in msg, msg


def test_minimum_volume_comes_from_higdons_entry_bar() -> None:
    # Higdon: 15 mi a week before his 18-week Novice 1 plan. At 18 weeks the minimum is
    # that bar itself; a 12-week plan has 4 fewer +10 % rises before its peak (5 vs 9:
    # load weeks 1,2,4,5,6,8 -> peak week 10 versus 1,2,4,5,7,8,10,11,12,13 -> 15).
    assert minimum_current_km("marathon", 18) == pytest.approx(15 * MI)
    assert minimum_current_km("marathon", 12) == pytest.approx(15 * MI * 1.1**4)
    assert minimum_current_km("marathon", 20) < 15 * MI
    need = 15 * MI * 1.1**4  # 35.3 km
    with pytest.raises(UsageError) as err:
        _plan(current_weekly_km=need - 0.5, longest_recent_km=10.0, weeks=12)
    msg = str(err.value)
    assert "too low for a marathon in 12 weeks" in msg
    assert "Higdon" in msg and "35.5 km a week now" in msg
    plan = _plan(current_weekly_km=need + 0.1, longest_recent_km=10.0, weeks=12)
    assert plan.weeks[0].volume_km >= need


def test_too_few_days_for_the_volume_is_refused() -> None:
    # VDOT 30: E slow end about 8:14/km, so 150 min is about 18 km; 100 km on 3 days cannot fit.
    with pytest.raises(UsageError) as err:
        _plan(vdot=30.0, current_weekly_km=100.0, longest_recent_km=20.0, days_per_week=3)
    assert "run on more days a week" in str(err.value)


# --------------------------------------------------------------------------- calendar and load


def test_calendar_weeks_end_on_race_day_and_long_runs_keep_their_day() -> None:
    plan = _plan(long_run_day="sat", days_per_week=4, weeks=18)
    assert len(plan.weeks) == 18
    assert plan.weeks[0].start >= TODAY
    for a, b in zip(plan.weeks, plan.weeks[1:], strict=False):
        assert b.start - a.start == timedelta(days=7)
    assert plan.weeks[-1].start + timedelta(days=6) == RACE
    for w in plan.weeks:
        days = {s.date for s in w.sessions}
        assert days == {w.start + timedelta(days=i) for i in range(7)}
        runs = w.runs
        assert len(runs) == 4  # frequency kept, taper included (Bosquet 2007)
        longs = [s for s in runs if s.type == "long"]
        if w.kind == "race":
            assert not longs and runs[-1].type == "race"
        else:
            assert len(longs) == 1 and longs[0].date.weekday() == 5


def test_taper_cut_is_inside_bosquet() -> None:
    plan = _plan()
    peak = max(w.volume_km for w in plan.weeks if w.kind == "load")
    for w in plan.weeks[-2:]:
        assert 0.41 <= 1 - w.volume_km / peak <= 0.60


def test_check_load_reports_and_refuses_a_drop() -> None:
    plan = _plan(current_weekly_km=50.0)
    rows = check_load(plan, 50.0)
    assert [r.week for r in rows] == [w.number for w in plan.weeks]
    assert rows == plan.load
    assert any(r.kind == "cutback" and r.change_pct < 0 for r in rows)  # allowed
    assert all(r.change_pct >= -1e-6 for r in rows if r.kind == "load")
    # Swap one load week's easy run for a shorter one: running replaced, refused.
    i = next(i for i, w in enumerate(plan.weeks) if w.kind == "load" and w.number > 2)
    week = plan.weeks[i]
    slack = week.volume_km - 50.0
    j = next(j for j, s in enumerate(week.sessions) if s.type == "easy")
    short = replace(week.sessions[j], distance_km=week.sessions[j].distance_km - slack - 1.0)
    sessions = (*week.sessions[:j], short, *week.sessions[j + 1 :])
    bad = replace(
        plan, weeks=(*plan.weeks[:i], replace(week, sessions=sessions), *plan.weeks[i + 1 :])
    )
    with pytest.raises(UsageError) as err:
        check_load(bad, 50.0)
    assert f"week {week.number} plans" in str(err.value)
    assert "not replace them" in str(err.value)


# --------------------------------------------------------------------------- technique content


def test_base_strides_are_the_core_prescription() -> None:
    plan = _plan()
    for w in plan.weeks:
        for s in w.runs:
            for item in s.steps:
                if isinstance(item, Repeat) and item.name == "Strides":
                    stride, walk = item.steps
                    # vectors.md: 6-10 x 60-100 m, full recovery
                    assert 6 <= item.count <= 10 and 60 <= stride.distance_m <= 100
                    assert walk.duration_s == DEFAULT_PRESCRIPTION.recovery_s and not walk.running
                    if w.phase == "base":
                        assert item.count == DEFAULT_PRESCRIPTION.count
                        assert stride.distance_m == DEFAULT_PRESCRIPTION.distance_m
    long_runs = [s for s in plan.sessions if s.type == "long"]
    assert all("strides" in s.focuses for s in long_runs)


def _cr(i: float) -> float:
    """Minetti et al. 2002 energy cost [J/kg/m] (vectors.md polynomial, the test's own copy)."""
    return 155.4 * i**5 - 30.4 * i**4 - 43.3 * i**3 + 46.3 * i**2 + 19.5 * i + 3.6


def test_hill_reps_are_long_enough_to_be_detected() -> None:
    # The slowest runner's uphill rep at 5K effort on a 6 % hill: speed v5K * Cr(0)/Cr(0.06).
    plan = _plan(vdot=30.0, current_weekly_km=45.0, longest_recent_km=15.0)
    v5k = 5000.0 / race_time_from_vdot(30.0, 5000.0)
    hills = [s for s in plan.sessions if s.type == "hills"]
    assert hills
    base = next(s for s in hills if s.date < plan.weeks[3].start)
    up = next(st for st in _steps(base) if st.name == "Uphill")
    assert up.distance_m == pytest.approx(v5k * 3.6 / _cr(0.06) * up.duration_s, abs=5.0)
    assert up.distance_m >= MIN_LENGTH_M and up.distance_m * 0.06 >= MIN_GAIN_M
    reps = [
        next(i for i in s.steps if isinstance(i, Repeat) and i.name == "Hill reps").count
        for s in hills
    ]
    assert max(reps) > min(reps)  # the session progresses


def test_cadence_targets_come_from_the_personal_model() -> None:
    a, b = 130.0, 9.0  # steps/min, steps/min per m/s
    model = CadenceModel(a, b, 36000.0, 40, 2.4, 4.5, 2.0)
    plan = _plan(cadence_model=model)
    by_phase: dict[str, set[float]] = {}
    for w in plan.weeks:
        for s in w.runs:
            for e in s.technique:
                if e.focus == "cadence":
                    g = next(c for c in e.cadence if c.pace_label == "E")
                    assert g.baseline_spm == pytest.approx(a + b * g.speed_mps)
                    assert g.target_spm == pytest.approx((1 + g.increase) * (a + b * g.speed_mps))
                    by_phase.setdefault(w.phase, set()).add(round(g.increase, 4))
    # +2.5 % steps up to +7.5 % (Heiderscheit 2011: +5-10 %)
    assert by_phase == {"base": {0.025}, "build": {0.05}, "peak": {0.075}, "taper": {0.075}}


def test_without_a_cadence_model_targets_are_relative_never_180() -> None:
    plan = _plan()
    elements = [e for s in plan.sessions for e in s.technique if e.focus == "cadence"]
    assert elements
    for e in elements:
        assert all(g.target_spm is None for g in e.cadence)
        assert "never a fixed 180" in e.description
        assert "180" not in e.name


def test_interval_sets_each_carry_one_cue() -> None:
    plan = _plan()
    found = 0
    for s in plan.sessions:
        sets = [i for i in s.steps if isinstance(i, Repeat) and i.name.startswith("Set ")]
        if not sets:
            continue
        found += 1
        cues = [i.steps[0].cue for i in sets]
        assert all(cues)
        assert all(x != y for x, y in itertools.pairwise(cues))
        assert sum(e.focus == "intervals" for e in s.technique) == len(sets)
    assert found >= 8


def test_strength_is_extra_and_reduced_in_the_taper() -> None:
    plan = _plan(days_per_week=7)
    for w in plan.weeks:
        strength = [s for s in w.sessions if s.type == "strength"]
        short = [s for s in strength if not any(e.optional for e in s.technique)]
        assert len(w.runs) == 7  # strength replaced no run
        if w.kind in ("load", "cutback"):
            assert 3 <= len(short) <= 5
            assert all(s.duration_min <= 20 for s in short)
        else:
            assert 1 <= len(short) <= 2
            assert all(max(e.sets or 0 for e in s.technique) == 1 for s in short)
        for s in strength:
            assert s.distance_km == 0 and not s.steps
            assert all(e.focus == "strength" and e.description for e in s.technique)


def test_pfitzinger_style_allows_longer_long_runs() -> None:
    kw = {"vdot": 55.0, "current_weekly_km": 80.0, "longest_recent_km": 28.0}
    daniels = _plan(**kw)
    pfitz = _plan(long_run_style="pfitzinger", **kw)

    def longs(p: Plan) -> list[tuple[float, float]]:
        return [(s.distance_km, w.volume_km) for w in p.weeks for s in w.runs if s.type == "long"]

    assert max(d for d, _ in longs(pfitz)) > max(d for d, _ in longs(daniels))
    assert max(d / v for d, v in longs(pfitz)) > 0.30
    assert all(d <= 35.0 for d, _ in longs(pfitz))


# --------------------------------------------------------------------------- shape


STEP_KINDS = {"warmup", "run", "work", "recovery", "rest", "cooldown"}


def _check_step(d: dict[str, Any]) -> None:
    if d["kind"] == "repeat":
        assert isinstance(d["repeat"], int) and d["repeat"] >= 1 and d["steps"]
        for child in d["steps"]:
            _check_step(child)
        return
    assert d["kind"] in STEP_KINDS
    assert ("distance_m" in d) != ("duration_s" in d)
    if "pace_s_per_km" in d:
        fast, slow = d["pace_s_per_km"]
        assert 0 < fast <= slow


def test_as_dict_has_the_documented_shape() -> None:
    plan = _plan()
    d = json.loads(json.dumps(plan.as_dict()))
    assert set(d) == {"weeks", "vdot", "race", "goal", "paces", "inputs", "load", "notes"}
    assert d["inputs"]["today"] == TODAY.isoformat()
    for w in d["weeks"]:
        assert set(w) == {"week", "phase", "volume_km", "sessions"}
        for s in w["sessions"]:
            assert set(s) == {
                "date",
                "type",
                "distance_km",
                "duration_min",
                "paces",
                "technique",
                "steps",
            }
            for label, (fast, slow) in s["paces"].items():
                assert label in {"E", "M", "T", "I", "R", "5K", "race"} and fast <= slow
            for e in s["technique"]:
                assert {"focus", "name", "cue"} <= set(e) and e["cue"]
            for step in s["steps"]:
                _check_step(step)


def test_distances_add_up() -> None:
    plan = _plan(days_per_week=6)
    for w in plan.weeks:
        assert w.volume_km == pytest.approx(
            sum(s.distance_km for s in w.runs if s.type != "race"), abs=1e-9
        )
        for s in w.runs:
            assert sum(st.running_m for st in _steps(s)) / 1000 == pytest.approx(
                s.distance_km, abs=1e-3
            )


def test_same_inputs_same_plan() -> None:
    a = _plan(goal_time_s="3:05:00", cadence_model=None)
    b = _plan(goal_time_s="3:05:00", cadence_model=None)
    assert json.dumps(a.as_dict()) == json.dumps(b.as_dict())
    assert isinstance(a.weeks[0], Week)
