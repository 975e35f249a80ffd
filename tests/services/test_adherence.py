"""Plan adherence on the synthetic block: planted technique sessions are credited; removed ones are not."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest

from runform.services import import_paths
from runform.services.plan import adherence, create_plan
from runform.store.db import Store


def _plan_over_the_block(store: Store, block: dict[str, Any]) -> None:
    start = date.fromisoformat(block["start_date"])
    create_plan(
        store,
        "demo",
        race_date=date.fromisoformat(block["race_date"]),
        weeks=16,
        days_per_week=6,
        vdot=block["vdot"],
        current_weekly_km=55.0,
        longest_recent_km=15.0,
        today=start - timedelta(days=1),
    )


def _truth_weeks(runs: list[dict[str, Any]]) -> dict[str, dict[str, int]]:
    out: dict[str, dict[str, int]] = {}
    for r in runs:
        d = date.fromisoformat(r["date"])
        monday = (d - timedelta(days=d.weekday())).isoformat()
        w = out.setdefault(monday, {"strides": 0, "hills": 0, "intervals": 0})
        w["strides"] += int(bool(r["strides"]))
        w["hills"] += int(r["type"] == "hills")
        w["intervals"] += int(r["type"] == "intervals")
    return out


@pytest.fixture(scope="module")
def full(demo_block: dict[str, Any], tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    db = tmp_path_factory.mktemp("adh") / "full.duckdb"
    files = sorted(Path(demo_block["result"]["folder"], "files").glob("*.fit"))
    with Store(db) as s:
        import_paths(s, files, athlete="demo")
        _plan_over_the_block(s, demo_block["block"])
        return adherence(s, "demo")


def test_planted_technique_sessions_are_credited(
    demo_block: dict[str, Any], full: dict[str, Any]
) -> None:
    truth = _truth_weeks(demo_block["runs"])
    for w in full["weeks"]:
        t = truth[w["start"]]
        for k in ("strides", "hills", "intervals"):
            # Each planted session is found once, and nothing is credited that was not run.
            assert w["done"][k] == t[k], (w["week"], k, w["done"], t)


def test_a_week_with_its_technique_runs_removed_is_not_credited(
    demo_block: dict[str, Any], tmp_path: Path
) -> None:
    week5 = [r for r in demo_block["runs"] if r["week"] == 5]
    drop = {r["file"] for r in week5 if r["strides"] or r["type"] in ("hills", "intervals")}
    assert drop
    files = [
        p
        for p in sorted(Path(demo_block["result"]["folder"], "files").glob("*.fit"))
        if p.name not in drop
    ]
    with Store(tmp_path / "less.duckdb") as s:
        import_paths(s, files, athlete="demo")
        _plan_over_the_block(s, demo_block["block"])
        rep = adherence(s, "demo")
    monday = date.fromisoformat(week5[0]["date"])
    monday -= timedelta(days=monday.weekday())
    w5 = next(w for w in rep["weeks"] if w["start"] == monday.isoformat())
    assert w5["done"]["strides"] == w5["done"]["hills"] == w5["done"]["intervals"] == 0
    assert w5["suggestions"]


def test_update_replans_the_rest_from_what_was_run(
    demo_block: dict[str, Any], tmp_path: Path
) -> None:
    """In week 3, after a week 2 with its long and tempo runs missed, the rest starts again
    from what was actually run."""
    from runform.services.plan import current_plan, update_plan

    block = demo_block["block"]
    start = date.fromisoformat(block["start_date"])
    keep = {
        r["file"]
        for r in demo_block["runs"]
        if r["week"] == 1 or (r["week"] == 2 and r["type"] not in ("long", "tempo"))
    }
    files = [
        p
        for p in sorted(Path(demo_block["result"]["folder"], "files").glob("*.fit"))
        if p.name in keep
    ]
    with Store(tmp_path / "upd.duckdb") as s:
        import_paths(s, files, athlete="demo")
        _plan_over_the_block(s, block)
        before = current_plan(s, "demo")["weeks"]
        planned_week4 = before[3]["volume_km"]
        old = adherence(s, "demo", today=start + timedelta(days=20))
        new = update_plan(s, "demo", vdot=block["vdot"] - 2, today=start + timedelta(days=20))
    assert [w["week"] for w in new["weeks"]] == list(range(1, 17))
    ran = [w for w in old["weeks"] if w.get("status") == "done"][-2:]
    done_km = sum(w["done"]["volume_km"] for w in ran) / len(ran)
    # Weeks 1-3 are kept; week 4 (13 weeks left) starts from the volume actually run.
    assert new["weeks"][3]["volume_km"] == pytest.approx(done_km, rel=0.05)
    assert new["weeks"][3]["volume_km"] < planned_week4
    assert new["weeks"][:3] == before[:3]  # weeks already started are kept as they were
    assert new["vdot"] == block["vdot"] - 2


def test_update_with_few_weeks_left_resets_paces(
    demo_block: dict[str, Any], tmp_path: Path
) -> None:
    from runform.performance.vdot import training_paces
    from runform.services.plan import update_plan

    block = demo_block["block"]
    start = date.fromisoformat(block["start_date"])
    with Store(tmp_path / "late.duckdb") as s:
        s.athlete_id("demo", create=True)
        _plan_over_the_block(s, block)
        new = update_plan(s, "demo", vdot=45.0, today=start + timedelta(weeks=10))
    i_pace = training_paces(45.0).interval_s_per_km
    late = [
        st
        for w in new["weeks"][11:]
        for ses in w["sessions"]
        for st in ses["steps"]
        if isinstance(st, dict)
    ]
    flat = []
    while late:
        st = late.pop()
        flat += [st]
        late += [x for x in st.get("steps", []) if isinstance(x, dict)]
    reps = [st for st in flat if st.get("pace_label") == "I"]
    assert reps
    for st in reps:
        lo, hi = st["pace_s_per_km"]
        assert lo <= i_pace <= hi
