"""The season report of the demo block against the block's planted truth."""

from __future__ import annotations

import time
from collections import defaultdict
from datetime import date, timedelta
from typing import Any

import numpy as np

from runform.report.season import season_body

PANELS = (
    "volume",
    "load",
    "acwr",
    "vdot",
    "cadence-trend",
    "durability-trend",
    "technique",
    "plan",
)


def _iso(d: date) -> str:
    y, w, _ = d.isocalendar()
    return f"{y}-W{w:02d}"


def _table(sec: Any, cls: str) -> list[list[str]]:
    t = sec.find("table", class_=cls)
    return [[td.text.strip() for td in tr.find_all("td")] for tr in t.find("tbody").find_all("tr")]


def test_every_panel_is_present(season: dict[str, Any], parse: Any) -> None:
    dom = parse(season["html"])
    for pid in PANELS:
        sec = dom.by_id(pid)
        assert sec.tag == "section" and sec.find_all("h2")
        assert sec.find_all("svg") or sec.find_all("p", class_="none"), pid


def test_weekly_km_is_the_sum_of_the_weeks_runs(
    season: dict[str, Any], demo_block: dict[str, Any], parse: Any
) -> None:
    sums: dict[str, float] = defaultdict(float)
    for a in season["activities"]:
        if a.sport == "running":
            sums[_iso(a.start_time.date())] += (a.distance_m or 0.0) / 1000.0
    rows = _table(parse(season["html"]).by_id("volume"), "data weeks")
    assert len(rows) == demo_block["block"]["weeks"]
    for row in rows:
        assert abs(float(row[2]) - sums[row[0]]) < 0.051, row
    # and the block's own record of what was run each week
    for row, wk in zip(rows, demo_block["block"]["weekly"], strict=True):
        assert row[1] == wk["start_date"]
        assert abs(float(row[2]) - wk["actual_km"]) < 0.1


def test_spike_week_shows_acwr_above_1_5(
    season: dict[str, Any], demo_block: dict[str, Any], parse: Any
) -> None:
    spike = next(w for w in demo_block["block"]["weekly"] if w["phase"] == "spike")
    spike_week = _iso(date.fromisoformat(spike["start_date"]))
    sec = parse(season["html"]).by_id("acwr")
    peaks = {r[0]: float(r[2]) for r in _table(sec, "data acwr-weeks")}
    assert peaks[spike_week] > 1.5
    # before the spike the block builds gradually: no week reaches 1.5 (the week after
    # may, while the spike's days are still in its 7-day window)
    assert all(v <= 1.5 for w, v in peaks.items() if w < spike_week)
    # the chart shades the zone above 1.5 and draws the ratio
    chart = sec.by_id("chart-acwr")
    assert any("above 1.5" in t.text for t in chart.find_all("title"))
    assert chart.find_all("polyline")


def test_technique_and_strength_are_reported_honestly(
    season: dict[str, Any], demo_block: dict[str, Any], parse: Any
) -> None:
    sec = parse(season["html"]).by_id("technique")
    rows = _table(sec, "data technique-weeks")
    planted: dict[str, int] = defaultdict(int)
    for r in demo_block["runs"]:
        planted[_iso(date.fromisoformat(r["date"]))] += int(bool(r.get("strides")))
    for row in rows:
        # runs with strides found by the detector vs runs the block planted strides in
        assert abs(int(row[3]) - planted[row[0]]) <= 1, row
    # no strength activities in the demo files: the report says there is no record
    assert all(row[6] == "0" for row in rows)
    assert "no record of strength work" in sec.text


def test_plan_vs_done(season: dict[str, Any], demo_block: dict[str, Any], parse: Any) -> None:
    sec = parse(season["html"]).by_id("plan")
    rows = _table(sec, "data plan-weeks")
    assert len(rows) == demo_block["block"]["weeks"]
    by_start = {w["start_date"]: w for w in demo_block["block"]["weekly"]}
    for row in rows:
        done_km = float(row[3].split(" / ")[0])
        assert abs(done_km - by_start[row[1]]["actual_km"]) < 0.1
    assert "no record of strength work" in sec.text


def _fake_services(n_weeks: int) -> dict[str, Any]:
    """Service outputs shaped like load_report/fitness/form_history for a long history."""
    start = date(2016, 1, 4)
    weeks = [start + timedelta(weeks=k) for k in range(n_weeks)]
    days = [start + timedelta(days=k) for k in range(7 * n_weeks)]
    rng = np.random.default_rng(1)
    load = {
        "as_of": str(days[-1]),
        "metric": "rtss",
        "today": {"ctl": 60.0, "atl": 70.0, "tsb": -10.0},
        "weeks": [
            {
                "week": _iso(w),
                "week_start": str(w),
                "volume_km": 50.0,
                "runs": 5,
                "longest_run_km": 20.0,
                "long_run_share": 0.4,
                "load": 300.0,
                "cutback": False,
            }
            for w in weeks
        ],
        "flags": [],
        "notices": [],
    }
    series = {
        "metric": "rtss",
        "dates": [str(d) for d in days],
        **{k: list(rng.uniform(0, 100, len(days))) for k in ("load", "ctl", "atl", "tsb")},
        "acwr": list(rng.uniform(0.5, 1.6, len(days))),
        "acwr_ewma": list(rng.uniform(0.5, 1.6, len(days))),
        "acwr_flag": 1.5,
    }
    fit = {
        "current": {"vdot": 50.0, "source": "race", "detail": "x"},
        "trend": [{"week": _iso(w), "hr_vdot": 49.0, "best_effort_vdot": 45.0} for w in weeks],
    }
    form = {
        "cadence_trend": {
            "reference_speed_mps": 3.2,
            "change_spm": 1.0,
            "periods": [
                {
                    "start": str(w),
                    "cadence_at_reference_spm": 168.0,
                    "step_length_at_reference_m": 1.1,
                }
                for w in weeks
            ],
        },
        "durability_trend": {
            "periods": [
                {"start": str(w), "n_runs": 1, "median_onset_distance_m": 2e4, "longest_m": 3e4}
                for w in weeks
            ]
        },
        "technique_per_week": [
            {"week": _iso(w), "runs": 5, "strides": 6, "runs_with_strides": 1, "hill_reps": 6}
            for w in weeks
        ],
    }
    return {"load": load, "series": series, "fit": fit, "form": form}


def test_ten_years_render_fast_and_small(parse: Any) -> None:
    data = _fake_services(520)
    t = time.perf_counter()
    html = season_body(
        athlete="x",
        weeks=520,
        strength={"count": 0, "per_week": {}},
        plan=None,
        adherence=None,
        errors={},
        **data,
    )
    elapsed = time.perf_counter() - t
    assert elapsed < 0.3, elapsed  # about 50 ms here: the renderer is never the slow part
    dom = parse(html)
    # daily series of 3,640 days drawn with at most 800 points per line
    for pl in dom.by_id("chart-acwr").find_all("polyline"):
        assert len(pl.attrs["points"].split()) <= 800
    assert len(html.encode()) < 1_500_000
    assert dom.by_id("plan").find_all("p", class_="none")


def test_no_data_is_said_not_hidden(parse: Any) -> None:
    html = season_body(
        athlete="x",
        weeks=16,
        load=None,
        series=None,
        fit=None,
        form=None,
        strength={"count": 0, "per_week": {}},
        plan=None,
        adherence=None,
        errors={"load": "athlete 'x' has no activities yet"},
    )
    dom = parse(html)
    for pid in PANELS:
        assert dom.by_id(pid).find_all("p", class_="none"), pid
