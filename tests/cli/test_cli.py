"""The runform CLI end to end on synthetic files with planted truth (JSON beside each FIT)."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from typer.testing import CliRunner

from runform.cli.main import app
from runform.synth import generate_block

RUNNER = CliRunner()
README = Path(__file__).resolve().parents[2] / "README.md"


def run(db: Path, *args: str) -> Any:
    """Run a command with --json and return the parsed output (asserting exit 0)."""
    res = RUNNER.invoke(app, ["--db", str(db), *args, "--json"])
    assert res.exit_code == 0, res.output
    return json.loads(res.stdout)


@pytest.fixture(scope="module")
def block(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list[dict[str, Any]], Path]:
    """A 4-week synthetic block imported into a fresh store: (files dir, truths, db)."""
    root = tmp_path_factory.mktemp("cli")
    truth = generate_block(root / "files", weeks=4)
    truths = [json.loads(Path(p).read_text()) for p in truth.truth_files]
    db = root / "store.duckdb"
    return root / "files", truths, db


@pytest.fixture(scope="module")
def imported(block: tuple[Path, list[dict[str, Any]], Path]) -> dict[str, Any]:
    files, _truths, db = block
    out: dict[str, Any] = run(db, "import", str(files))
    return out


def test_import_json_counts_the_planted_files(
    block: tuple[Path, list[dict[str, Any]], Path], imported: dict[str, Any]
) -> None:
    _files, truths, _db = block
    assert set(imported) >= {"imported", "duplicates", "skipped", "failed", "activity_ids"}
    assert imported["imported"] == len(truths)
    assert len(imported["activity_ids"]) == len(truths)
    assert imported["failed"] == []
    # The .truth.json files and block.truth.json are not activities: counted and skipped.
    assert imported["skipped"] == len(truths) + 1


def test_reimport_is_a_no_op(
    block: tuple[Path, list[dict[str, Any]], Path], imported: dict[str, Any]
) -> None:
    files, truths, db = block
    again = run(db, "import", str(files))
    assert again["imported"] == 0
    assert again["duplicates"] == len(truths)
    assert len(run(db, "activities")) == len(truths)


def test_activities_agree_with_planted_truth(
    block: tuple[Path, list[dict[str, Any]], Path], imported: dict[str, Any]
) -> None:
    _files, truths, db = block
    acts = run(db, "activities", "--sport", "running")
    assert len(acts) == len(truths)
    by_start = {a["start_time"]: a for a in acts}
    for t in truths:
        a = by_start[t["start_time"]]  # ISO 8601 UTC with Z, as the generator wrote it
        for key in (
            "id",
            "sport",
            "distance_m",
            "moving_time_s",
            "elapsed_time_s",
            "avg_cadence_spm",
            "device",
            "source",
        ):
            assert key in a
        assert a["distance_m"] == pytest.approx(t["distance_m"], rel=0.01)
        assert a["elapsed_time_s"] == pytest.approx(t["duration_s"], abs=2)
        assert 150 < a["avg_cadence_spm"] < 190


def test_since_filter(
    block: tuple[Path, list[dict[str, Any]], Path], imported: dict[str, Any]
) -> None:
    _files, truths, db = block
    dates = sorted(t["date"] for t in truths)
    later = run(db, "activities", "--since", dates[-1])
    assert len(later) == sum(1 for d in dates if d >= dates[-1])


def test_show_lists_the_device_laps(
    block: tuple[Path, list[dict[str, Any]], Path], imported: dict[str, Any]
) -> None:
    _files, truths, db = block
    acts = {a["start_time"]: a["id"] for a in run(db, "activities")}
    t = next(t for t in truths if t["type"] == "intervals")
    info = run(db, "show", str(acts[t["start_time"]]))
    assert len(info["laps"]) == t["laps"]["count"]
    work = [lap for lap in info["laps"] if lap.get("intensity") == "active"]
    assert len(work) == len(t["interval_reps"])
    for lap, rep in zip(work, t["interval_reps"], strict=True):
        for key in ("start", "distance_m", "duration_s", "avg_speed_mps", "avg_cadence_spm"):
            assert key in lap
        assert lap["distance_m"] == pytest.approx(rep["distance_m"], abs=5)
        assert lap["duration_s"] == pytest.approx(rep["duration_s"], abs=1.5)


def test_export_csv_and_parquet_in_si_units(
    block: tuple[Path, list[dict[str, Any]], Path], imported: dict[str, Any], tmp_path: Path
) -> None:
    _files, truths, db = block
    acts = {a["start_time"]: a["id"] for a in run(db, "activities")}
    t = truths[0]
    aid = str(acts[t["start_time"]])
    run(db, "export", aid, "--format", "csv", "-o", str(tmp_path / "a.csv"))
    run(db, "export", aid, "--format", "parquet", "-o", str(tmp_path / "a.parquet"))
    csv = pd.read_csv(tmp_path / "a.csv")
    pq = pd.read_parquet(tmp_path / "a.parquet")
    assert len(csv) == len(pq) == t["n_records"]
    for col in ("time", "distance", "speed", "cadence", "heart_rate", "ground_contact_time"):
        assert col in csv.columns
    assert csv["distance"].iloc[-1] == pytest.approx(t["distance_m"], abs=1.0)
    assert 0.15 < csv["ground_contact_time"].median() < 0.35  # seconds, not ms


def test_athletes_are_separate(
    block: tuple[Path, list[dict[str, Any]], Path], tmp_path: Path
) -> None:
    files, _truths, _db = block
    db = tmp_path / "coach.duckdb"
    one = sorted(files.glob("*.fit"))[0]
    RUNNER.invoke(app, ["--db", str(db), "--athlete", "ana", "import", str(one)])
    res = RUNNER.invoke(app, ["--db", str(db), "--athlete", "ana", "activities", "--json"])
    assert len(json.loads(res.stdout)) == 1
    res = RUNNER.invoke(app, ["--db", str(db), "--athlete", "bob", "activities"])
    assert res.exit_code != 0


def _cli(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    code = "from runform.cli.main import main; main()"
    return subprocess.run(
        [sys.executable, "-c", code, *args], capture_output=True, text=True, env=env, check=False
    )


def test_user_errors_are_one_line_with_exit_codes(tmp_path: Path) -> None:
    db = tmp_path / "empty.duckdb"
    res = _cli("--db", str(db), "show", "999")
    assert res.returncode == 1
    assert res.stderr.strip().count("\n") == 0
    assert "runform: error:" in res.stderr and "Traceback" not in res.stderr
    res = _cli("--db", str(db), "activities", "--since", "last tuesday")
    assert res.returncode == 2
    assert "not a date" in res.stderr and "Traceback" not in res.stderr


def test_runform_db_environment_variable(tmp_path: Path) -> None:
    import os

    env = {**os.environ, "RUNFORM_DB": str(tmp_path / "env.duckdb")}
    res = _cli("activities", "--json", env=env)
    assert res.returncode != 0  # no store there yet: a clear message, not a traceback
    assert str(tmp_path / "env.duckdb") in res.stderr


def test_every_command_is_documented() -> None:
    readme = README.read_text()
    commands = [c.name for c in app.registered_commands]
    assert {"import", "activities", "show", "export", "demo"} <= set(commands)
    for name in commands:
        res = RUNNER.invoke(app, [name, "--help"])
        assert res.exit_code == 0
        assert re.search(rf"runform (--\S+ \S+ )*{name}\b", readme), (
            f"README does not show `{name}`"
        )


def test_readme_starts_with_the_two_setup_commands() -> None:
    lines = README.read_text().splitlines()
    block = lines[lines.index("```sh") + 1 : lines.index("```sh") + 3]
    assert "pip install" in block[0] and "runform demo" in block[0]
    assert "pytest" in block[1]
