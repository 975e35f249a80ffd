"""Run classification against the synthetic block's planted run types.

Independent truth: every synthetic run's ``type`` (easy, long, intervals, hills,
tempo, race) and ``with_strides`` in its truth file, set by the plan that
generated it (``runform.synth.athlete.plan_block``). The runner's paces are the
plan's Daniels paces (``block.truth.json``), passed in as a runner's profile would be.
"""

from __future__ import annotations

import json
from collections import Counter
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
import pytest

from runform.core.classify import (
    LONG_RUN_S,
    RunnerPaces,
    classify_run,
    find_strides,
)
from runform.core.intervals import detect_intervals
from runform.errors import UsageError

if TYPE_CHECKING:  # pytest owns the conftest module; import it for annotations only
    from conftest import SyntheticBlock

TYPES = ("easy", "long", "tempo", "intervals", "hills", "race")


@pytest.fixture(scope="module")
def block(synthetic_block: SyntheticBlock) -> list[tuple[Any, dict[str, Any]]]:
    return list(synthetic_block.runs)


@pytest.fixture(scope="module")
def paces(synthetic_block: SyntheticBlock) -> RunnerPaces:
    p = synthetic_block.summary["paces_mps"]
    return RunnerPaces(p["easy"], p["marathon"], p["threshold"], p["interval"])


@pytest.fixture(scope="module")
def typical_s(block: list[tuple[Any, dict[str, Any]]]) -> float:
    """The runner's typical run: the median duration of the block's runs, from the streams."""
    return float(np.median([float(a.streams["time"].iloc[-1]) for a, _ in block]))


def _confusion(rows: list[tuple[str, str]]) -> str:
    counts = Counter(rows)
    head = "truth \\ ours " + " ".join(f"{t:>9}" for t in TYPES)
    lines = [head] + [
        f"{truth:>12} " + " ".join(f"{counts[(truth, ours)]:>9}" for ours in TYPES)
        for truth in TYPES
    ]
    return "\n".join(lines)


def test_every_synthetic_run_gets_its_planted_type(
    block: list[tuple[Any, dict[str, Any]]], paces: RunnerPaces, typical_s: float
) -> None:
    rows: list[tuple[str, str]] = []
    wrong: list[str] = []
    for act, truth in block:
        c = classify_run(
            act.streams, act.laps, act.start_time, paces=paces, typical_run_s=typical_s
        )
        rows.append((truth["type"], c.type))
        if c.type != truth["type"] or c.with_strides != truth["with_strides"]:
            wrong.append(f"{truth['file']}: {c.type}/{c.with_strides} {c.reasons}")
    print("\nconfusion (rows: planted type, columns: classified)\n" + _confusion(rows))
    assert not wrong, "\n".join(wrong)
    assert {t for t, _ in rows} == set(TYPES)  # the block has every type


def test_strides_are_counted_as_planted(block: list[tuple[Any, dict[str, Any]]]) -> None:
    for act, truth in block:
        res = detect_intervals(act.streams)
        found = find_strides(act.streams, bouts=res.bouts)
        planted = truth["strides"]
        assert len(found) == len(planted), truth["file"]
        for s, p in zip(found, planted, strict=True):
            assert s.start_s == pytest.approx(p["start_s"], abs=10.0)
            assert s.peak_speed_mps == pytest.approx(p["peak_speed_mps"], rel=0.08)


def test_a_race_is_a_guess_and_needs_paces(
    block: list[tuple[Any, dict[str, Any]]], paces: RunnerPaces, typical_s: float
) -> None:
    act, _ = next((a, t) for a, t in block if t["type"] == "race")
    with_paces = classify_run(act.streams, act.laps, act.start_time, paces=paces)
    assert with_paces.type == "race" and with_paces.is_guess
    assert "guess" in with_paces.reasons[0]
    without = classify_run(act.streams, act.laps, act.start_time, typical_run_s=typical_s)
    assert without.type == "long" and not without.is_guess
    assert any("needs the runner's paces" in r for r in without.reasons)


def test_without_paces_everything_but_the_race_is_still_right(
    block: list[tuple[Any, dict[str, Any]]], typical_s: float
) -> None:
    for act, truth in block:
        if truth["type"] == "race":
            continue
        c = classify_run(act.streams, act.laps, act.start_time, typical_run_s=typical_s)
        assert (c.type, c.with_strides) == (truth["type"], truth["with_strides"]), truth["file"]


def test_intervals_are_found_without_laps_and_hills_need_altitude(
    block: list[tuple[Any, dict[str, Any]]],
) -> None:
    for act, truth in block:
        if truth["type"] not in ("intervals", "hills"):
            continue
        assert classify_run(act.streams).type == truth["type"], truth["file"]


def test_the_long_run_threshold_and_the_relative_rule() -> None:
    t = np.arange(0.0, 80 * 60.0)
    steady = pd.DataFrame({"time": t, "speed": np.full(t.size, 3.0)})
    assert classify_run(steady).type == "long"  # 80 min >= 75 min
    assert classify_run(steady, long_run_s=90 * 60.0).type == "easy"
    short = steady[steady["time"] < 70 * 60]
    assert classify_run(short).type == "easy"  # 70 min < 75 min
    # 70 min is long for a runner whose runs last 40 min (>= 1.5 x), not for one at 50 min.
    assert classify_run(short, typical_run_s=40 * 60.0).type == "long"
    assert classify_run(short, typical_run_s=50 * 60.0).type == "easy"
    # ... but never under an hour.
    brief = steady[steady["time"] < 55 * 60]
    assert classify_run(brief, typical_run_s=20 * 60.0).type == "easy"
    assert LONG_RUN_S == 75 * 60


def test_climbs_of_a_hilly_route_are_not_hill_repeats() -> None:
    # Five 90-s climbs at 6 % at interval effort, each starting 30 m higher than the last.
    v: list[float] = []
    alt: list[float] = []
    h = 0.0
    for _ in range(5):
        for _ in range(300):  # flat, easy
            v.append(3.0)
            alt.append(h)
        for _ in range(90):  # climb at I effort: raw speed = flat * Cr(0) / Cr(0.06)
            v.append(4.2 * 3.6 / 4.71)
            h += 4.2 * 3.6 / 4.71 * 0.06
            alt.append(h)
    v += [3.0] * 300
    alt += [h] * 300
    speed = np.array(v)
    streams = pd.DataFrame(
        {
            "time": np.arange(speed.size, dtype=float),
            "speed": speed,
            "distance": np.concatenate([[0.0], np.cumsum(speed[1:])]),
            "altitude": np.array(alt),
        }
    )
    res = detect_intervals(streams)
    assert len(res.hill_reps) == 5 and res.reps == []
    assert classify_run(streams, intervals=res).type != "hills"


def test_bad_arguments_are_usage_errors() -> None:
    with pytest.raises(UsageError, match="order"):
        RunnerPaces(easy=4.0, marathon=3.5, threshold=4.2, interval=4.5)
    with pytest.raises(UsageError, match="positive"):
        RunnerPaces(easy=0.0, marathon=3.5, threshold=4.2, interval=4.5)
    streams = pd.DataFrame({"time": [0.0, 1.0], "speed": [3.0, 3.0]})
    with pytest.raises(UsageError, match="long_run_s"):
        classify_run(streams, long_run_s=0.0)


def test_as_dict_is_json(block: list[tuple[Any, dict[str, Any]]], paces: RunnerPaces) -> None:
    act, _ = block[0]
    d = classify_run(act.streams, act.laps, act.start_time, paces=paces).as_dict()
    assert set(d) >= {"type", "with_strides", "is_guess", "reasons"}
    assert "NaN" not in json.dumps(d)
