"""Run types and plan adherence from the metrics cache: hits equal a fresh compute from the
streams, a new VDOT reclassifies, and the types are the planted ones.

The truths: the synthetic block's planted run types (and durations), and the
computation from the raw streams with the cache bypassed.
"""

from __future__ import annotations

import json
import shutil
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from runform.services.form import run_types
from runform.services.metrics_cache import bypass, warm_metrics
from runform.services.plan import adherence, create_plan
from runform.store.db import Store

ATHLETE = "demo"


def _planted(demo_block: dict[str, Any], store: Store) -> dict[int, dict[str, Any]]:
    """Activity id -> the planted truth of that run."""
    by_start = {
        datetime.fromisoformat(r["start_time"].replace("Z", "+00:00")): r
        for r in demo_block["runs"]
    }
    acts = store.list_activities(store.athlete_id(ATHLETE), sport="running")
    return {a.id: by_start[a.start_time] for a in acts}


def _no_streams(monkeypatch: pytest.MonkeyPatch) -> None:
    def boom(*_: Any, **__: Any) -> Any:
        raise AssertionError("the streams were read although everything is cached")

    monkeypatch.setattr(Store, "streams", boom)
    monkeypatch.setattr(Store, "load_activity", boom)


@pytest.fixture(scope="module")
def warmed(demo_block: dict[str, Any], tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A private copy of the demo store with a plan over the block, warmed by warm_metrics
    (other tests may give the shared store a newer plan)."""
    block = demo_block["block"]
    db = tmp_path_factory.mktemp("types") / "copy.duckdb"
    shutil.copy(demo_block["db"], db)
    with Store(db) as s:
        create_plan(
            s,
            ATHLETE,
            race_date=date.fromisoformat(block["race_date"]),
            weeks=16,
            days_per_week=6,
            vdot=block["vdot"],
            current_weekly_km=55.0,
            longest_recent_km=15.0,
            today=date.fromisoformat(block["start_date"]) - timedelta(days=1),
        )
        warm_metrics(s, ATHLETE)
    return db


@pytest.fixture(scope="module")
def fresh(demo_block: dict[str, Any], warmed: Path) -> dict[str, Any]:
    """Run types and adherence computed from the streams (cache bypassed)."""
    race_day = date.fromisoformat(demo_block["block"]["race_date"])
    with Store(warmed, read_only=True) as s, bypass():
        return {
            "types": run_types(s, ATHLETE),
            "adherence": adherence(s, ATHLETE, today=race_day),
        }


def test_run_types_are_the_planted_types(
    demo_block: dict[str, Any], warmed: Path, fresh: dict[str, Any]
) -> None:
    with Store(warmed, read_only=True) as s:
        planted = _planted(demo_block, s)
    types = fresh["types"]
    assert set(types) == set(planted)
    for aid, truth in planted.items():
        if truth["type"] in ("intervals", "hills", "tempo", "race"):
            assert types[aid] == truth["type"], (aid, truth["type"], types[aid])
        else:  # easy and long differ by duration only (long: 75 min or more)
            assert types[aid] in ("easy", "long"), (aid, truth["type"], types[aid])
            if truth["duration_s"] >= 80 * 60:
                assert types[aid] == "long", (aid, truth["duration_s"])
            elif truth["duration_s"] <= 70 * 60:
                assert types[aid] == "easy", (aid, truth["duration_s"])
    assert {"easy", "long", "tempo", "intervals", "hills"} <= set(types.values())


def test_warmed_hits_equal_a_fresh_compute(
    demo_block: dict[str, Any], warmed: Path, fresh: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    race_day = date.fromisoformat(demo_block["block"]["race_date"])
    with Store(warmed, read_only=True) as s:
        _no_streams(monkeypatch)  # warm_metrics cached all of it
        types = run_types(s, ATHLETE)
        adh = adherence(s, ATHLETE, today=race_day)
        some = sorted(types)[::10]
        part = run_types(s, ATHLETE, some)
    assert types == fresh["types"]
    assert json.dumps(adh, sort_keys=True) == json.dumps(fresh["adherence"], sort_keys=True)
    assert part == {i: types[i] for i in some}
    # not vacuous: the plan's weeks were run and their technique work was found
    done = [w for w in adh["weeks"] if w.get("status") == "done"]
    assert len(done) >= 12
    assert sum(w["done"]["intervals"] for w in done) > 0
    assert sum(w["done"]["strides"] for w in done) > 0


def test_a_new_vdot_reclassifies_the_runs(
    demo_block: dict[str, Any], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """At VDOT 30 the block's easy pace is faster than marathon pace: short easy runs
    become tempo runs, and the cache must not serve the types of the old paces."""
    import runform.services.form as form

    db = tmp_path / "copy.duckdb"
    shutil.copy(demo_block["db"], db)
    with Store(db) as s:
        planted = _planted(demo_block, s)
        before = run_types(s, ATHLETE)
        monkeypatch.setattr(form, "fitness", lambda *_a, **_k: {"current": {"vdot": 30.0}})
        after = run_types(s, ATHLETE)
        again = run_types(s, ATHLETE)  # now from the cache
        with bypass():
            truth = run_types(s, ATHLETE)
    assert after == truth == again
    short_easy = [
        aid
        for aid, r in planted.items()
        if r["type"] == "easy" and r["duration_s"] < 60 * 60 and before.get(aid) == "easy"
    ]
    assert short_easy
    assert sum(after[aid] == "tempo" for aid in short_easy) > len(short_easy) / 2
