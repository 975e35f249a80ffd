"""Reports of a store holding a single run: date axes span days, not years; the plan's goal
reads as a time and a pace."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest

from runform.report.fmt import day_number

ATHLETE = "demo"


@pytest.fixture(scope="module")
def one_run(demo_block: dict[str, Any], tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """A store with one run of the block and a plan with a goal of 3:10:00, and its reports."""
    from runform.report import plan_html, season_html
    from runform.services import import_paths
    from runform.services.plan import create_plan
    from runform.store.db import Store

    files = Path(demo_block["result"]["folder"], "files")
    fit = sorted(files.glob("*_easy.fit"))[0]
    truth = json.loads(fit.with_suffix(".truth.json").read_text())
    run_day = date.fromisoformat(truth["date"])
    db = tmp_path_factory.mktemp("one") / "one.duckdb"
    with Store(db) as s:
        import_paths(s, [fit], athlete=ATHLETE)
        create_plan(
            s,
            ATHLETE,
            race_date=run_day + timedelta(weeks=16),
            goal="3:10:00",
            vdot=50.0,
            current_weekly_km=40.0,
            longest_recent_km=15.0,
            weeks=16,
            today=run_day,
        )
        season = season_html(s, ATHLETE, 16)
        plan = plan_html(s, ATHLETE, today=run_day + timedelta(days=1))
    return {"day": run_day, "season": season, "plan": plan}


def _date_charts(html: str) -> list[tuple[str, float, float]]:
    out = []
    for svg in re.findall(r"<svg [^>]*>", html):
        if 'data-xhover="date"' in svg:
            ident = re.search(r'id="([^"]+)"', svg)
            x0 = re.search(r'data-x0="([^"]+)"', svg)
            x1 = re.search(r'data-x1="([^"]+)"', svg)
            assert ident and x0 and x1, svg
            out.append((ident.group(1), float(x0.group(1)), float(x1.group(1))))
    return out


@pytest.mark.parametrize("report", ["season", "plan"])
def test_date_axes_of_one_week_span_weeks_around_it(one_run: dict[str, Any], report: str) -> None:
    charts = _date_charts(one_run[report])
    assert charts, "no date chart drawn"
    day = day_number(one_run["day"])
    for ident, x0, x1 in charts:
        # the run's week is inside the axis, and the axis spans weeks, not years
        assert x0 <= day <= x1, (ident, x0, day, x1)
        if ident == "chart-plan" and report == "season":
            # the season report judges the plan as of the real today: every plan week
            # already begun is drawn (at most the plan's 16 weeks)
            assert 7 <= x1 - x0 <= 16 * 7 + 21, (ident, x1 - x0)
        else:
            assert 7 <= x1 - x0 <= 60, (ident, x1 - x0)


def test_date_ticks_of_one_week_are_days_of_that_month(
    one_run: dict[str, Any], parse: Callable[[str], Any]
) -> None:
    dom = parse(one_run["season"])
    vol = dom.by_id("chart-volume")
    labels = [t.text for t in vol.find_all("text") if t.attrs.get("class") == "tk"]
    month = one_run["day"].strftime("%b")
    dated = [s for s in labels if re.fullmatch(r"\d{1,2} [A-Z][a-z]{2}", s)]
    assert dated and any(s.endswith(month) for s in dated), labels
    assert not any(re.search(r"\d{4}", s) for s in labels), labels  # no year ticks
    # the one week's bar is drawn a few days wide (a 720-px plot over 2-8 weeks)
    bars = [r for r in vol.find_all("rect") if r.find_all("title")]
    assert bars
    assert all(10 < float(r.attrs["width"]) < 720 * 0.8 for r in bars)


def test_plan_goal_reads_as_time_and_pace(
    one_run: dict[str, Any], parse: Callable[[str], Any]
) -> None:
    dom = parse(one_run["plan"])
    kv = {
        d.find("dt").text.strip(): d.find("dd").text.strip()
        for d in dom.by_id("plan-overview").find_all("div")
        if d.find_all("dt")
    }
    # 3:10:00 over 42.195 km: 11400 s / 42.195 = 270.2 s/km
    assert kv["goal"] == "3:10:00 (4:30 /km)"
