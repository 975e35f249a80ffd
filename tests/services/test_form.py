"""`runform analyze` / `runform form` on the synthetic block, against its planted truth."""

from __future__ import annotations

import json
from typing import Any

import pytest
from typer.testing import CliRunner

from runform.cli.main import app

RUNNER = CliRunner()
KEYS = {"cadence", "durability", "hills", "intervals", "strides", "dynamics", "classification"}


def _ids(demo_block: dict[str, Any]) -> dict[str, int]:
    res = RUNNER.invoke(
        app, ["--db", str(demo_block["db"]), "--athlete", "demo", "activities", "--json"]
    )
    return {a["start_time"]: a["id"] for a in json.loads(res.stdout)}


def _analyze(demo_block: dict[str, Any], aid: int) -> dict[str, Any]:
    res = RUNNER.invoke(
        app, ["--db", str(demo_block["db"]), "--athlete", "demo", "analyze", str(aid), "--json"]
    )
    assert res.exit_code == 0, res.output
    out: dict[str, Any] = json.loads(res.stdout)
    return out


def _pick(demo_block: dict[str, Any], kind: str, week: int) -> dict[str, Any]:
    return next(r for r in demo_block["runs"] if r["type"] == kind and r["week"] >= week)


@pytest.mark.parametrize(
    ("kind", "week"), [("intervals", 1), ("hills", 2), ("long", 9), ("easy", 3)]
)
def test_analyze_finds_what_was_planted(demo_block: dict[str, Any], kind: str, week: int) -> None:
    truth = _pick(demo_block, kind, week)
    rep = _analyze(demo_block, _ids(demo_block)[truth["start_time"]])
    assert set(rep) >= KEYS
    assert rep["classification"]["type"] == kind
    assert rep["classification"]["with_strides"] == truth["with_strides"]
    assert len(rep["intervals"]) == len(truth["interval_reps"])
    for ours, planted in zip(rep["intervals"], truth["interval_reps"], strict=True):
        assert abs(ours["start_s"] - planted["start_s"]) <= 10
        assert {"start_s", "duration_s", "distance_m", "avg_speed_mps", "avg_cadence_spm"} <= set(
            ours
        )
    assert len(rep["hills"]["repeats"]) == len(truth["hill_reps"])
    assert len(rep["strides"]) == len(truth["strides"])
    for ours, planted in zip(rep["strides"], truth["strides"], strict=True):
        assert abs(ours["start_s"] - planted["start_s"]) <= 5
        assert {"start_s", "duration_s", "peak_speed_mps"} <= set(ours)
    # The generator plants fatigue in every long run, so the long case always checks the onset.
    assert (truth["fatigue"] is not None) == (kind == "long")
    if truth["fatigue"] is not None:
        onset = rep["durability"]["onset"]
        assert abs(onset["distance_m"] - truth["fatigue"]["onset_distance_m"]) <= 1000


def test_cadence_for_a_given_pace_recovers_the_planted_slope(demo_block: dict[str, Any]) -> None:
    res = RUNNER.invoke(app, ["--db", str(demo_block["db"]), "--athlete", "demo", "form", "--json"])
    assert res.exit_code == 0, res.output
    rep = json.loads(res.stdout)
    planted_k = demo_block["block"]["athlete"]["k_spm_per_mps"]
    assert rep["cadence_model"]["slope_spm_per_mps"] == pytest.approx(planted_k, rel=0.15)
    # The generator raises the runner's cadence level by c0_rise_spm over the block.
    rise = demo_block["block"]["athlete"]["c0_rise_spm"]
    assert rep["cadence_trend"]["change_spm"] == pytest.approx(rise, abs=1.0)
    weeks = rep["technique_per_week"]
    assert sum(w["interval_reps"] for w in weeks) == sum(
        len(r["interval_reps"]) for r in demo_block["runs"]
    )
    assert sum(w["hill_reps"] for w in weeks) == sum(
        len(r["hill_reps"]) for r in demo_block["runs"]
    )
