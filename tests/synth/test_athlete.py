"""Tests for the synthetic athlete: files decoded with fitdecode, checked against planted effects.

Independent truth used here: the planted model parameters (k = 6.5 spm per m/s, c0 rise,
fatigue onset), the Garmin way of summarising records (session vs. records), published
equations re-implemented in this file (Minetti 2002 from vectors.md) and published tables
(Daniels' VDOT tables in ../shared/reference). Nothing is compared with the code's own
earlier output.
"""

from __future__ import annotations

import csv
import json
from dataclasses import dataclass
from datetime import date, timedelta
from functools import cache
from pathlib import Path
from typing import Any

import fitdecode
import numpy as np
import pytest

from runform.synth import BlockTruth, daniels_paces, generate_block, minetti_cr, plan_block

REFERENCE = Path(__file__).resolve().parents[3] / "shared" / "reference"
WEEKS = 3


@pytest.fixture(scope="session")
def block(tmp_path_factory: pytest.TempPathFactory) -> BlockTruth:
    return generate_block(tmp_path_factory.mktemp("block"), weeks=WEEKS, seed=7)


@dataclass(frozen=True)
class Decoded:
    records: dict[str, np.ndarray]
    laps: list[dict[str, Any]]
    session: dict[str, Any]
    truth: dict[str, Any]


def _col(rows: list[dict[str, Any]], name: str) -> np.ndarray:
    return np.array([np.nan if r.get(name) is None else float(r[name]) for r in rows])


@cache
def decode(path: Path) -> Decoded:
    rows: list[dict[str, Any]] = []
    laps: list[dict[str, Any]] = []
    session: dict[str, Any] = {}
    with fitdecode.FitReader(str(path), check_crc=fitdecode.CrcCheck.RAISE) as reader:
        for frame in reader:
            if not isinstance(frame, fitdecode.FitDataMessage):
                continue
            values = {f.name: f.value for f in frame.fields}
            if frame.name == "record":
                rows.append(values)
            elif frame.name == "lap":
                laps.append(values)
            elif frame.name == "session":
                session = values
    t0 = rows[0]["timestamp"]
    records = {
        name: _col(rows, name)
        for name in (
            "distance",
            "enhanced_speed",
            "enhanced_altitude",
            "heart_rate",
            "cadence",
            "fractional_cadence",
            "stance_time",
            "vertical_oscillation",
            "vertical_ratio",
            "step_length",
            "position_lat",
            "position_long",
        )
    }
    records["time"] = np.array([(r["timestamp"] - t0).total_seconds() for r in rows])
    records["spm"] = 2.0 * (records["cadence"] + records["fractional_cadence"])
    truth = json.loads(path.with_suffix("").with_suffix(".truth.json").read_text())
    return Decoded(records, laps, session, truth)


def _runs(block: BlockTruth, kind: str) -> list[Decoded]:
    return [decode(p) for p in block.fit_files if p.stem.endswith("_" + kind)]


def _running_mask(d: Decoded) -> np.ndarray:
    """Samples outside the walk recoveries listed in the truth file."""
    mask = np.ones(len(d.records["time"]), dtype=bool)
    for a, b in d.truth["walk_spans"]:
        mask[a : b + 1] = False
    return mask


# ----------------------------------------------------------------------------- block structure


def test_block_has_planned_runs_and_race_on_last_day(block: BlockTruth) -> None:
    summary = json.loads(block.block_truth_file.read_text())
    assert len(block.fit_files) == summary["n_runs"] == sum(w["runs"] for w in summary["weekly"])
    for week in summary["weekly"]:
        assert 5 <= week["runs"] <= 6  # brief: 5-6 runs a week
    assert [f["fit"] for f in summary["files"]] == [p.name for p in block.fit_files]
    for fit, truth in zip(block.fit_files, block.truth_files, strict=True):
        assert fit.exists()
        assert truth.name == fit.stem + ".truth.json"
    # the default block ends with the race on a fixed Sunday, whatever today's date
    assert block.race_date == date(2026, 10, 18)
    assert block.race_date.weekday() == 6
    assert summary["start_date"] == (date(2026, 10, 18) - timedelta(days=7 * WEEKS - 1)).isoformat()
    race = decode(block.fit_files[-1])
    assert race.truth["type"] == "race"
    assert race.truth["date"] == "2026-10-18"
    assert race.records["distance"][-1] >= 42_195.0
    kinds = {p.stem.split("_", 1)[1] for p in block.fit_files}
    assert kinds == {"easy", "long", "intervals", "hills", "tempo", "race"}
    assert block.n_records == sum(len(decode(p).records["time"]) for p in block.fit_files)


def test_generation_is_deterministic(block: BlockTruth, tmp_path: Path) -> None:
    again = generate_block(tmp_path, weeks=WEEKS, seed=7)
    for a, b in zip(block.fit_files, again.fit_files, strict=True):
        assert a.read_bytes() == b.read_bytes()


def test_plan_spike_cutbacks_and_taper() -> None:
    plan = plan_block()  # default 16-week block, no files
    weeks = {w.week: w for w in plan.weeks}
    assert plan.load_spike_week == 10
    assert weeks[10].phase == "spike"
    assert weeks[10].planned_km / weeks[9].planned_km == pytest.approx(1.6, rel=0.01)
    for w in (4, 8, 12):  # cutback every 4th week
        assert weeks[w].phase == "cutback"
        assert weeks[w].planned_km < weeks[w - 1].planned_km
    # taper (Bosquet 2007): about 2 weeks, volume reduced 41-60 % from the peak
    peak = max(w.planned_km for w in plan.weeks if w.phase == "build")  # the spike is no peak
    assert 0.41 <= 1 - weeks[15].planned_km / peak <= 0.60
    longs = [r.planned_duration_s / 60 for r in plan.runs if r.kind == "long"]
    # The long run grows from 75 min but is capped at 27 % of the week's distance
    # (Daniels: long run <= 25-30 % of weekly volume), which tops it out near 150 min.
    assert 70 <= longs[0] <= 95 and 140 <= max(longs) <= 200
    assert plan.runs[-1].kind == "race" and plan.runs[-1].day == date(2026, 10, 18)
    assert all(5 <= len(w.runs) <= 6 for w in plan.weeks)


# ----------------------------------------------------------------------------- device summaries


def test_sessions_and_laps_agree_with_records(block: BlockTruth) -> None:
    for path in block.fit_files:
        d = decode(path)
        rec, ses = d.records, d.session
        assert ses["total_distance"] == pytest.approx(rec["distance"][-1], abs=0.005)
        assert ses["total_timer_time"] == pytest.approx(rec["time"][-1])
        session_spm = 2 * (ses["avg_running_cadence"] + ses["avg_fractional_cadence"])
        assert abs(session_spm - np.mean(rec["spm"])) < 1.0, path.name
        assert ses["num_laps"] == len(d.laps)
        lap_sum = sum(lap["total_distance"] for lap in d.laps)
        assert lap_sum == pytest.approx(ses["total_distance"], abs=0.01 * len(d.laps))
        assert ses["avg_heart_rate"] == pytest.approx(np.mean(rec["heart_rate"]), abs=0.51)
        assert ses["enhanced_max_speed"] == pytest.approx(np.max(rec["enhanced_speed"]))
        assert ses["total_strides"] == pytest.approx(np.sum(rec["spm"]) / 2 / 60, abs=1)


def test_auto_laps_are_one_kilometre(block: BlockTruth) -> None:
    for d in _runs(block, "easy") + _runs(block, "long"):
        auto = [lap for lap in d.laps if lap["lap_trigger"] == "distance"]
        assert len(auto) == int(d.records["distance"][-1] // 1000)
        for lap in auto:
            # the lap closes on the first record at or past each kilometre
            assert 995 <= lap["total_distance"] <= 1005


# ----------------------------------------------------------------------------- planted effects


def test_cadence_speed_slope_on_easy_runs_recovers_planted_k(block: BlockTruth) -> None:
    xs, ys = [], []
    for d in _runs(block, "easy"):
        m = _running_mask(d)
        m[0] = False
        v, c = d.records["enhanced_speed"][m], d.records["spm"][m]
        xs.append(v - v.mean())  # within-run: c0 differs between days
        ys.append(c - c.mean())
        assert d.truth["cadence_model"]["k_spm_per_mps"] == 6.5
    x, y = np.concatenate(xs), np.concatenate(ys)
    slope = float(np.sum(x * y) / np.sum(x * x))
    assert slope == pytest.approx(6.5, abs=0.5)  # de Ruiter 2020: 6-7 spm per m/s


def test_cadence_at_reference_speed_rises_over_the_block(block: BlockTruth) -> None:
    days, c_ref = [], []
    start = date.fromisoformat(block.summary["start_date"])
    for d in _runs(block, "easy"):
        m = _running_mask(d)
        m[0] = False
        v, c = d.records["enhanced_speed"][m], d.records["spm"][m]
        c_at_ref = np.mean(c - 6.5 * (v - 3.2))  # planted model: c0 at v_ref = 3.2 m/s
        days.append((date.fromisoformat(d.truth["date"]) - start).days)
        c_ref.append(c_at_ref)
    rise_per_day = np.polyfit(days, c_ref, 1)[0]
    n_days = 7 * WEEKS - 1
    assert rise_per_day * n_days == pytest.approx(3.0, abs=0.6)  # +3 spm over the block
    assert np.mean(c_ref) == pytest.approx(166 + 1.5, abs=1.0)


def test_long_runs_slow_cadence_after_fatigue_onset(block: BlockTruth) -> None:
    runs = _runs(block, "long") + _runs(block, "race")
    assert runs
    for d in runs:
        fat = d.truth["fatigue"]
        assert fat is not None
        rec = d.records
        onset = fat["onset_time_s"]
        # onset at 70 % of the continuous run's distance, in both metres and seconds
        assert rec["distance"][onset] == pytest.approx(fat["onset_distance_m"], abs=0.01)
        assert fat["onset_distance_m"] == pytest.approx(
            0.7 * rec["distance"][fat["end_time_s"]], abs=10
        )
        main = (rec["time"] >= 60) & (rec["time"] <= fat["end_time_s"])
        post = (rec["time"] >= onset).astype(float)
        v = rec["enhanced_speed"]
        X = np.column_stack([np.ones(main.sum()), v[main], post[main]])
        beta_c = np.linalg.lstsq(X, rec["spm"][main], rcond=None)[0]
        beta_s = np.linalg.lstsq(X, rec["step_length"][main], rcond=None)[0]
        # linear ramp 0 -> -4 spm: -2 on average after onset, at matched speed
        assert beta_c[2] == pytest.approx(-2.0, abs=0.6), d.truth["file"]
        assert beta_s[2] > 0  # longer steps at the same speed
        gct_pre = np.nanmean(rec["stance_time"][main & (post == 0)])
        gct_late = np.nanmean(rec["stance_time"][main & (rec["time"] > fat["end_time_s"] - 300)])
        assert gct_late > gct_pre


def test_non_long_runs_have_no_fatigue(block: BlockTruth) -> None:
    for kind in ("easy", "intervals", "hills", "tempo"):
        for d in _runs(block, kind):
            assert d.truth["fatigue"] is None


def test_interval_runs_have_one_work_lap_per_rep(block: BlockTruth) -> None:
    runs = _runs(block, "intervals")
    assert runs
    for d in runs:
        reps = d.truth["interval_reps"]
        work = [lap for lap in d.laps if lap["intensity"] == "active"]
        assert len(work) == len(reps) >= 3
        assert d.laps[0]["intensity"] == "warmup"
        assert d.laps[-1]["intensity"] == "cooldown"
        assert [lap["intensity"] for lap in d.laps[1:-1]].count("rest") == len(reps) - 1
        for lap, rep in zip(work, reps, strict=True):
            assert lap["lap_trigger"] == "manual"
            assert lap["total_distance"] == pytest.approx(rep["distance_m"], abs=0.02)
            assert lap["total_distance"] == pytest.approx(rep["target_distance_m"], abs=6.0)
            assert lap["total_timer_time"] == rep["duration_s"]
            i_pace = daniels_paces(50.0).interval
            assert lap["enhanced_avg_speed"] == pytest.approx(i_pace, rel=0.05)


def _cr(i: np.ndarray) -> np.ndarray:
    """Minetti et al. 2002, J Appl Physiol 93:1039 (vectors.md), written out here."""
    return 155.4 * i**5 - 30.4 * i**4 - 43.3 * i**3 + 46.3 * i**2 + 19.5 * i + 3.6


def test_minetti_reference_values() -> None:
    grades = np.array([0.0, 0.10, -0.10, -0.20, 0.45])
    expected = [3.6, 5.9682, 2.1517, 1.8000, 19.426]  # vectors.md, +/- 1e-4
    assert minetti_cr(grades) == pytest.approx(expected, abs=1e-3)


def test_hill_reps_climb_the_planted_grade(block: BlockTruth) -> None:
    runs = _runs(block, "hills")
    assert runs
    for d in runs:
        reps = d.truth["hill_reps"]
        work = [lap for lap in d.laps if lap["intensity"] == "active"]
        assert len(work) == len(reps) >= 4
        target = reps[0]["target_grade"]
        assert 0.06 <= target <= 0.08
        alt, t = d.records["enhanced_altitude"], d.records["time"]
        for lap, rep in zip(work, reps, strict=True):
            a, b = rep["start_s"], rep["start_s"] + rep["duration_s"]
            assert 60 <= rep["duration_s"] <= 90
            gain = alt[b] - alt[a]
            assert gain == pytest.approx(rep["gain_m"], abs=0.25)  # altitude resolution 0.2 m
            assert gain / lap["total_distance"] == pytest.approx(target, abs=0.01)
            assert lap["total_ascent"] == pytest.approx(gain, abs=1.0)
            assert t[b] - t[a] == lap["total_timer_time"]


def test_speed_follows_minetti_grade_cost(block: BlockTruth) -> None:
    for d in _runs(block, "hills") + _runs(block, "easy")[:2]:
        grade = np.array(d.truth["samples"]["grade"])
        flat = np.array(d.truth["samples"]["flat_speed_mps"])
        m = _running_mask(d)
        v = d.records["enhanced_speed"]
        expected = flat * _cr(grade) ** -1 * 3.6
        assert np.max(np.abs(v[m] - expected[m])) < 0.003  # speed resolution 0.001 m/s
        # the truth grade integrates to the decoded altitude profile over 10-s windows
        climb = np.concatenate([[0.0], np.cumsum((grade * v)[1:])])
        alt = d.records["enhanced_altitude"]
        pred = climb[10:] - climb[:-10]
        got = alt[10:] - alt[:-10]
        assert np.max(np.abs(pred - got)) < 0.5  # altitude resolution 0.2 m


def test_heart_rate_drifts_at_constant_pace(block: BlockTruth) -> None:
    race = _runs(block, "race")[0]
    hr, t = race.records["heart_rate"], race.records["time"]
    early = hr[(t >= 1800) & (t < 3600)].mean()
    late = hr[(t >= t[-1] - 1800)].mean()
    hours = ((t[-1] - 900) - 2700) / 3600
    assert late - early == pytest.approx(5.0 * hours, abs=3.0)  # +5 bpm/h planted
    assert 150 <= race.session["avg_heart_rate"] <= 180
    assert race.session["max_heart_rate"] <= 185  # HRmax


def test_strides_reach_five_k_pace(block: BlockTruth) -> None:
    five_k = daniels_paces(50.0).five_k
    n_with = 0
    for d in _runs(block, "easy") + _runs(block, "long"):
        strides = d.truth["strides"]
        assert d.truth["with_strides"] == bool(strides)
        if d.truth["type"] == "long":
            assert len(strides) == 6
        for s in strides:
            n_with += 1
            seg = d.records["enhanced_speed"][s["start_s"] + 1 : s["start_s"] + 1 + s["duration_s"]]
            assert seg.max() == pytest.approx(s["peak_speed_mps"], abs=0.001)
            flat = d.truth["samples"]["flat_speed_mps"][s["start_s"] + 1 : s["start_s"] + 21]
            assert max(flat) == pytest.approx(five_k, rel=0.07)  # effort peaks at 5K pace
            assert s["peak_speed_mps"] == pytest.approx(five_k, rel=0.2)  # grade changes speed
            assert s["duration_s"] == 20
            assert 50 <= s["distance_m"] <= 100  # vectors.md: 60-100 m strides
    assert n_with >= 10


def test_running_dynamics_are_plausible(block: BlockTruth) -> None:
    for path in block.fit_files:
        d = decode(path)
        rec, ses = d.records, d.session
        # Garmin's published bands (vectors.md): green/blue for a trained runner
        assert 200 <= ses["avg_stance_time"] <= 260
        assert 70 <= ses["avg_vertical_oscillation"] <= 100
        assert 6.0 <= ses["avg_vertical_ratio"] <= 8.6
        assert ses["avg_stance_time_balance"] == pytest.approx(50.3, abs=0.2)
        ok = np.isfinite(rec["vertical_ratio"])
        vr = rec["vertical_oscillation"][ok] / rec["step_length"][ok] * 100
        assert np.max(np.abs(vr - rec["vertical_ratio"][ok])) < 0.006  # definition of VR
        step = rec["enhanced_speed"][ok] * 60 / rec["spm"][ok] * 1000
        assert np.max(np.abs(step - rec["step_length"][ok])) < 0.5  # step = v * 60 / cadence
        lat = rec["position_lat"] * 180 / 2**31
        lon = rec["position_long"] * 180 / 2**31
        assert np.nanmin(lat) > 52.2 and np.nanmax(lat) < 52.5
        assert np.nanmin(lon) > 4.5 and np.nanmax(lon) < 5.0


def test_daniels_paces_match_the_published_table() -> None:
    path = REFERENCE / "vdot_pace_table.csv"
    if not path.exists():
        pytest.skip(f"reference table {path} not present")
    lines = [line for line in path.read_text().splitlines() if not line.startswith("#")]
    rows = list(csv.DictReader(lines))
    row = next(r for r in rows if r["vdot"] == "50")

    def sec(mmss: str) -> float:
        m, s = mmss.split(":")
        return 60 * int(m) + float(s)

    paces = daniels_paces(50.0).per_km()
    e_lo, e_hi = (sec(x) for x in row["e_per_km"].split("-"))
    assert paces["easy"] == pytest.approx((e_lo + e_hi) / 2, abs=6)
    assert paces["marathon"] == pytest.approx(sec(row["m_per_km"]), abs=5)
    assert paces["threshold"] == pytest.approx(sec(row["t_per_km"]), abs=2)
    assert paces["interval"] == pytest.approx(float(row["i_s_per_400m"]) * 2.5, abs=3)
    # Daniels' race table: VDOT 50 marathon 3:10:49 (equations within 0.2 %)
    assert daniels_paces(50.0).marathon_time_s == pytest.approx(3 * 3600 + 10 * 60 + 49, rel=0.002)


def test_gps_spikes_are_where_the_truth_says(block: BlockTruth) -> None:
    """Position jumps implying > 12.5 m/s (45 km/h) occur exactly at the planted spikes."""
    n_spiky = 0
    for path in block.fit_files:
        d = decode(path)
        lat = np.radians(d.records["position_lat"] * 180 / 2**31)
        lon = np.radians(d.records["position_long"] * 180 / 2**31)
        a = (
            np.sin(np.diff(lat) / 2) ** 2
            + np.cos(lat[:-1]) * np.cos(lat[1:]) * np.sin(np.diff(lon) / 2) ** 2
        )
        jump = 2 * 6_371_008.8 * np.arcsin(np.sqrt(a))  # haversine, 1 s apart
        fast = set((np.flatnonzero(jump > 12.5) + 1).tolist())
        planted: set[int] = set()
        for spike in d.truth["gps"]["spikes"]:
            planted |= {spike["time_s"], spike["time_s"] + spike["samples"]}
        assert fast <= planted, path.name
        assert bool(fast) == bool(planted), path.name
        n_spiky += bool(planted)
    assert 1 <= n_spiky <= len(block.fit_files) // 2  # "the odd GPS noise"
