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
