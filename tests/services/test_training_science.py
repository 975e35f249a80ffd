"""Fitness (VDOT from history) and load on the synthetic block, against its planted truth."""

from __future__ import annotations

import json
from typing import Any

import pytest
from typer.testing import CliRunner

from runform.cli.main import app
from runform.services.fitness import fitness
from runform.services.training_load import load_report
from runform.store.db import Store

RUNNER = CliRunner()


def _store(demo_block: dict[str, Any]) -> Store:
    return Store(demo_block["db"], read_only=True)


def test_current_vdot_from_history_is_within_1_5_of_the_planted_vdot(
    demo_block: dict[str, Any],
) -> None:
    planted = demo_block["block"]["vdot"]
    with _store(demo_block) as s:
        rep = fitness(s, "demo")
    assert rep["current"]["vdot"] == pytest.approx(planted, abs=1.5)
    # Each source on its own, too: the heart-rate estimate (no race involved) ...
    assert rep["heart_rate"]["vdot"] == pytest.approx(planted, abs=1.5)
    assert rep["heart_rate"]["method"] == "reserve"
    # ... and the marked race.
    (race,) = rep["races"]
    assert race["vdot"] == pytest.approx(planted, abs=1.5)


def test_best_efforts_are_lower_bounds_and_the_race_is_the_marathon_effort(
    demo_block: dict[str, Any],
) -> None:
    with _store(demo_block) as s:
        rep = fitness(s, "demo")
    race_truth = next(r for r in demo_block["runs"] if r["type"] == "race")
    efforts = {e["label"]: e for e in rep["best_efforts"]}
    assert efforts["marathon"]["time_s"] == pytest.approx(
        race_truth["duration_s"] * 42195 / race_truth["distance_m"], rel=0.01
    )
    for e in rep["best_efforts"]:
        assert e["vdot"] <= demo_block["block"]["vdot"] + 1.0  # training is not all-out


def test_hr_vdot_trend_is_flat_for_a_runner_whose_fitness_does_not_change(
    demo_block: dict[str, Any],
) -> None:
    with _store(demo_block) as s:
        trend = [w["hr_vdot"] for w in fitness(s, "demo")["trend"] if w["hr_vdot"]]
    assert len(trend) >= 14
    assert max(trend) - min(trend) < 1.5  # the generator keeps VDOT constant


def test_load_flags_fire_on_the_planted_spike_and_nowhere_else(demo_block: dict[str, Any]) -> None:
    spike = demo_block["block"]["load_spike"]["week"]
    start = demo_block["block"]["weekly"][spike - 1]["start_date"]
    with _store(demo_block) as s:
        rep = load_report(s, "demo", weeks=16)
    spike_week = next(w["week"] for w in rep["weeks"] if w["week_start"] == start)
    codes = {(f["week"], f["code"]) for f in rep["flags"]}
    assert (spike_week, "acwr_high") in codes
    assert (spike_week, "volume_jump") in codes
    assert {w for w, _ in codes} == {spike_week}, rep["flags"]
    assert len(rep["weeks"]) == 16
    planted_km = [w["actual_km"] for w in demo_block["block"]["weekly"]]
    ours = [w["volume_km"] for w in rep["weeks"]]
    assert ours == pytest.approx(planted_km, abs=0.2)


def test_cli_fitness_and_load_on_the_demo_store(demo_block: dict[str, Any]) -> None:
    for cmd in (["fitness"], ["load"], ["athlete", "show"]):
        res = RUNNER.invoke(app, ["--db", str(demo_block["db"]), "--athlete", "demo", *cmd])
        assert res.exit_code == 0, res.output
        assert "Traceback" not in res.output
    res = RUNNER.invoke(app, ["--db", str(demo_block["db"]), "--athlete", "demo", "load", "--json"])
    rep = json.loads(res.stdout)
    assert {"ctl", "atl", "tsb", "acwr_rolling_coupled", "acwr_ewma"} <= set(rep["today"])
