"""The cue, drill, hill, strides and strength libraries (runform/plan/data/*.json).

Truth: the issue's requirements (six focuses with cues, plain-language descriptions,
sets/reps/progression for every exercise, hips/pelvis, calves and core covered) and
shared/reference/vectors.md (strides 6-10 x 60-100 m with full recovery).
"""

from __future__ import annotations

import copy
import json
from importlib import resources
from typing import Any

import pytest

from runform.plan.library import (
    LibraryError,
    parse_strength,
    parse_technique,
    strength_library,
    technique_library,
)
from runform.plan.model import FOCUSES, PHASES


def _raw(name: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(
        resources.files("runform.plan").joinpath("data", name).read_text(encoding="utf-8")
    )
    return data


def _words(text: str) -> int:
    return len(text.split())


def test_json_files_are_package_data_and_valid() -> None:
    for name in ("technique.json", "strength.json"):
        assert isinstance(_raw(name), dict)
    assert technique_library() is technique_library()  # loaded once


def test_six_focuses_each_with_cue_why_how_and_sources() -> None:
    lib = technique_library()
    assert set(lib.focuses) == set(FOCUSES)
    for f in lib.focuses.values():
        assert f.cue and _words(f.why) >= 15 and _words(f.description) >= 15
        assert f.sources and all(s in lib.sources for s in f.sources)
    assert "180" in lib.focuses["cadence"].why  # says it is not a fixed 180
    assert "doi.org" in lib.sources["heiderscheit2011"]


def test_drills_are_described_and_progress_by_phase() -> None:
    lib = technique_library()
    for d in lib.drills.values():
        assert _words(d.description) >= 20 and d.cue and d.dose and d.minutes > 0
    level = {
        p: sum(lib.drills[i].level for i in ids) / len(ids) for p, ids in lib.drill_sets.items()
    }
    assert level["base"] < level["build"] < level["peak"]
    for ids in lib.drill_sets.values():
        assert 5 <= sum(lib.drills[i].minutes for i in ids) <= 10  # a short set


def test_hills_progress_and_strides_follow_the_reference() -> None:
    lib = technique_library()
    stages = [lib.hill_stages[p] for p in ("base", "build", "peak")]
    assert [s.rep_s for s in stages] == sorted(s.rep_s for s in stages)
    assert all(s.reps_first <= s.reps_last and s.cue and s.downhill_cue for s in stages)
    assert 0.04 <= lib.hill_grade <= 0.08
    for p in PHASES:
        dose = lib.strides[p]
        assert 6 <= dose.count <= 10 and 60 <= dose.distance_m <= 100  # vectors.md
    assert lib.strides_recovery_s >= 45  # full recovery
    assert len(set(lib.interval_cues)) == len(lib.interval_cues) >= 4
    assert "{pct}" in lib.cadence_no_model


def test_exercises_can_be_followed_without_a_coach() -> None:
    lib = strength_library()
    assert lib.exercises
    for e in lib.exercises.values():
        assert _words(e.description) >= 25, e.id
        assert e.cue and e.progression and e.regression
        assert e.sets >= 1 and (e.reps is None) != (e.seconds is None)
        assert e.dose.startswith(f"{e.sets} x ")
    focuses = {e.focus for e in lib.exercises.values()}
    assert {"hips/pelvis", "calves", "core"} <= focuses


def test_every_family_progresses_through_three_levels() -> None:
    lib = strength_library()
    families: dict[str, set[int]] = {}
    for e in lib.exercises.values():
        families.setdefault(e.family, set()).add(e.level)
    assert all(levels == {1, 2, 3} for levels in families.values())
    for template in lib.templates.values():
        for fam in template:
            assert [lib.pick(fam, lvl).level for lvl in (1, 2, 3)] == [1, 2, 3]


def test_short_templates_take_about_a_quarter_of_an_hour() -> None:
    # Time per set: reps at 3 s (1 s up, 2 s down) or the hold, both sides, plus 40 s rest.
    lib = strength_library()
    for name in ("A", "B"):
        for level in (1, 2, 3):
            seconds = 0.0
            for fam in lib.templates[name]:
                e = lib.pick(fam, level)
                per = (3.0 * e.reps if e.reps is not None else float(e.seconds or 0)) * (
                    2 if e.per_side else 1
                )
                seconds += e.sets * (per + 40.0)
            assert 8 * 60 <= seconds <= 22 * 60, (name, level, seconds)


@pytest.mark.parametrize(
    ("edit", "part"),
    [
        (lambda d: d["focuses"].pop("hills"), "focus 'hills' is missing"),
        (lambda d: d["drill_sets"]["base"].append("moonwalk"), "unknown drill(s) moonwalk"),
        (lambda d: d["focuses"]["cadence"].update(cue=""), "'cue' must be a non-empty text"),
        (
            lambda d: d["hills"]["stages"]["build"].update(reps_last=1),
            "reps_last must be >= reps_first",
        ),
        (lambda d: d["strides"].pop("taper"), "missing phase(s) taper"),
        (lambda d: d["cadence"].update(no_model="no placeholder"), "{pct}"),
        (lambda d: d["focuses"]["posture"].update(sources=["nobody2020"]), "unknown source(s)"),
    ],
)
def test_malformed_technique_data_is_refused(edit: Any, part: str) -> None:
    data = copy.deepcopy(_raw("technique.json"))
    edit(data)
    with pytest.raises(LibraryError) as err:
        parse_technique(data)
    assert part in str(err.value)


@pytest.mark.parametrize(
    ("edit", "part"),
    [
        (lambda d: d["exercises"][0].update(seconds=30), "give reps or seconds"),
        (lambda d: d["exercises"][0].update(focus="elbows"), "focus must be one of"),
        (lambda d: d["exercises"][0].update(level=4), "level must be 1-3"),
        (lambda d: d["exercises"][1].update(id=d["exercises"][0]["id"]), "duplicate id"),
        (lambda d: d["templates"]["A"].append("juggling"), "has no level-1 exercise"),
        (lambda d: d["exercises"][0].update(per_side="yes"), "'per_side' must be true or false"),
    ],
)
def test_malformed_strength_data_is_refused(edit: Any, part: str) -> None:
    data = copy.deepcopy(_raw("strength.json"))
    edit(data)
    with pytest.raises(LibraryError) as err:
        parse_strength(data)
    assert part in str(err.value)
