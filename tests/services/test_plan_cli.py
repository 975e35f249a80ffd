"""`runform plan create|show|export` and `runform metronome` on the demo runner's history."""

from __future__ import annotations

import json
import wave
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import icalendar
import pytest
from typer.testing import CliRunner

from runform.cli.main import app

RUNNER = CliRunner()


def _run(demo_block: dict[str, Any], *args: str) -> Any:
    res = RUNNER.invoke(app, ["--db", str(demo_block["db"]), "--athlete", "demo", *args])
    assert res.exit_code == 0, res.output
    return res


@pytest.fixture(scope="module")
def plan(demo_block: dict[str, Any]) -> dict[str, Any]:
    race = date.today() + timedelta(weeks=18)
    race += timedelta(days=(6 - race.weekday()))  # a Sunday
    res = _run(
        demo_block,
        "plan",
        "create",
        "--race-date",
        race.isoformat(),
        "--weeks",
        "16",
        "--days",
        "5",
        "--json",
    )
    out: dict[str, Any] = json.loads(res.stdout)
    return out


def test_plan_from_history_has_the_issue_schema(
    demo_block: dict[str, Any], plan: dict[str, Any]
) -> None:
    assert len(plan["weeks"]) == 16
    week = plan["weeks"][0]
    assert {"week", "phase", "volume_km", "sessions"} <= set(week)
    s = week["sessions"][0]
    assert {"date", "type", "distance_km", "duration_min", "paces", "technique", "steps"} <= set(s)
    # The plan starts at the runner's own volume (the mean of their last 4 weeks in the store).
    last4 = [w["actual_km"] for w in demo_block["block"]["weekly"][-5:-1]]
    assert week["volume_km"] == pytest.approx(sum(last4) / 4, rel=0.05)
    assert plan["vdot"] == pytest.approx(demo_block["block"]["vdot"], abs=1.5)


def test_exports_read_back(
    demo_block: dict[str, Any], plan: dict[str, Any], tmp_path: Path
) -> None:
    _run(demo_block, "plan", "export", "--format", "ics", "-o", str(tmp_path / "p.ics"))
    cal = icalendar.Calendar.from_ical((tmp_path / "p.ics").read_bytes())
    events = [c for c in cal.walk() if c.name == "VEVENT"]
    sessions = [s for w in plan["weeks"] for s in w["sessions"]]
    assert len(events) == len(sessions)  # one event per session, rest days included
    _run(demo_block, "plan", "export", "--format", "fit", "-o", str(tmp_path / "fit"))
    runs = [s for s in sessions if s["type"] not in ("strength", "rest")]
    assert len(list((tmp_path / "fit").glob("*.fit"))) == len(runs)
    for fmt in ("md", "html", "csv", "json"):
        _run(demo_block, "plan", "export", "--format", fmt, "-o", str(tmp_path / f"p.{fmt}"))
        assert (tmp_path / f"p.{fmt}").stat().st_size > 1000


def test_metronome_cli(tmp_path: Path) -> None:
    res = RUNNER.invoke(
        app, ["metronome", "172", "--minutes", "0.5", "-o", str(tmp_path / "c.wav")]
    )
    assert res.exit_code == 0, res.output
    with wave.open(str(tmp_path / "c.wav")) as w:
        assert w.getnframes() / w.getframerate() == pytest.approx(30.0, abs=0.01)


def test_plan_refusals_are_one_line(demo_block: dict[str, Any]) -> None:
    res = RUNNER.invoke(
        app,
        [
            "--db",
            str(demo_block["db"]),
            "--athlete",
            "demo",
            "plan",
            "create",
            "--race-date",
            "2020-04-19",
        ],
    )
    assert res.exit_code != 0


def test_wav_export_writes_one_metronome_per_cadence_target(
    demo_block: dict[str, Any],
    plan: dict[str, Any],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import runform.services.plan as svc

    monkeypatch.setattr(svc, "METRONOME_MAX_MIN", 0.2)  # keep the files small in the test
    _run(demo_block, "plan", "export", "--format", "wav", "-o", str(tmp_path / "wav"))
    files = sorted((tmp_path / "wav").glob("*.wav"))
    assert files
    # The metronome runs at each cadence element's first (easy-pace) target.
    targets = {
        round(float(e["targets"][0]["target_spm"]), 1)
        for w in plan["weeks"]
        for s in w["sessions"]
        for e in s["technique"]
        if e.get("focus") == "cadence" and e.get("targets")
    }
    assert targets
    assert len(files) == len(targets)
    for f in files:
        with wave.open(str(f)) as w:
            assert w.getnframes() / w.getframerate() <= 0.2 * 60 + 0.01
