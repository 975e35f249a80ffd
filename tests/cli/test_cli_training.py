"""`runform vdot` and `runform predict` against Daniels' published tables (vectors.md)."""

from __future__ import annotations

import csv
import json
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from runform.cli.main import app

RUNNER = CliRunner()
REFERENCE = Path(__file__).resolve().parents[3] / "shared" / "reference"


def _json(*args: str) -> dict[str, object]:
    res = RUNNER.invoke(app, [*args, "--json"])
    assert res.exit_code == 0, res.output
    out: dict[str, object] = json.loads(res.stdout)
    return out


def _s(text: str) -> float:
    parts = [float(p) for p in text.split(":")]
    return sum(p * 60**i for i, p in enumerate(reversed(parts)))


@pytest.mark.skipif(not (REFERENCE / "vdot_race_table.csv").exists(), reason="no reference tables")
def test_vdot_json_reproduces_the_race_table() -> None:
    """Daniels' Running Formula race table: VDOT 50 = 10K 41:21; equivalents within 0.2 %."""
    rows = list(
        csv.DictReader(
            ln for ln in (REFERENCE / "vdot_race_table.csv").open() if not ln.startswith("#")
        )
    )
    row = next(r for r in rows if r["vdot"] == "50")
    rep = _json("vdot", "--race", f"10k={row['10k']}")
    assert rep["vdot"] == pytest.approx(50.0, abs=0.3)
    eq = rep["equivalents"]
    assert isinstance(eq, dict)
    for key in ("5k", "half_marathon", "marathon"):
        assert eq[key] == pytest.approx(_s(row[key]), rel=0.004)
    paces = rep["paces"]
    assert isinstance(paces, dict)
    assert set(paces) == {"E", "M", "T", "I", "R"}
    assert paces["R"] < paces["I"] < paces["T"] < paces["M"] < paces["E"][0] < paces["E"][1]


def test_predict_json_riegel_vector() -> None:
    """vectors.md: Riegel, 5K 20:00 -> marathon 11509.3 s (±0.1 s)."""
    rep = _json("predict", "--race", "5k=20:00", "--to", "marathon", "--model", "riegel")
    assert rep["time_s"] == pytest.approx(11509.3, abs=0.1)
    assert rep["model"] == "riegel"
    assert any("optimistic" in w for w in rep["warnings"])  # type: ignore[union-attr]


@pytest.mark.parametrize(
    ("args", "needle"),
    [
        (["vdot", "--race", "10k=4x:00"], "4x:00"),
        (["vdot", "--race", "10k=-41:00"], "-41:00"),
        (["vdot", "--race", "10parsecs=41:00"], "10parsecs"),
        (["vdot", "--race", "5k=9:00"], "VDOT"),
        (["predict", "--race", "5k=20:00", "--to", "moon"], "moon"),
    ],
)
def test_malformed_input_is_one_line_and_exit_2(args: list[str], needle: str) -> None:
    code = "from runform.cli.main import main; main()"
    res = subprocess.run(
        [sys.executable, "-c", code, *args], capture_output=True, text=True, check=False
    )
    assert res.returncode == 2, res.stderr
    assert "Traceback" not in res.stderr
    lines = res.stderr.strip().splitlines()
    assert len(lines) == 1 and needle in lines[0], lines


def test_personal_riegel_exponent_from_two_races() -> None:
    """Riegel (1981): T2 = T1 (D2/D1)^b; b from two races, ln(T2/T1)/ln(D2/D1)."""
    import math

    rep = _json(
        "predict",
        "--race",
        "10k=41:21",
        "--race",
        "half=1:31:35",
        "--to",
        "marathon",
        "--model",
        "riegel",
    )
    b = math.log(5495 / 2481) / math.log(21097.5 / 10000)
    assert rep["exponent"] == pytest.approx(b, rel=1e-4)
    assert rep["time_s"] == pytest.approx(5495 * (42195 / 21097.5) ** b, abs=0.5)
