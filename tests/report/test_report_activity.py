"""The activity report of a demo long run against the effects planted in it."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from runform.report.svg import MAX_POINTS, ROUTE_POINTS

PANELS = (
    "summary",
    "laps",
    "charts",
    "route",
    "cadence",
    "durability",
    "hills",
    "intervals",
    "strides",
    "dynamics",
    "asymmetry",
    "cues",
)


def test_every_panel_is_a_section_with_a_heading(long_run: dict[str, Any], parse: Any) -> None:
    dom = parse(long_run["html"])
    for pid in PANELS:
        sec = dom.by_id(pid)
        assert sec.tag == "section" and sec.attrs["class"] == "panel"
        assert sec.find_all("h2"), pid
    # a standalone page: doctype, charset, inline style, nothing fetched
    html = long_run["html"]
    assert html.startswith("<!DOCTYPE html>")
    assert dom.find("meta", charset="utf-8")
    assert len(dom.find_all("style")) == 1
    for n in dom.iter():
        assert "src" not in n.attrs, n.tag
        assert not n.attrs.get("href", "").startswith(("http", "//")), n.attrs
    assert not dom.find_all("link")
    assert "http://" not in html.replace("http://www.w3.org/2000/svg", "")
    assert "https://" not in html
    assert len(html.encode()) < 1_000_000


def test_summary_and_laps_match_the_file(
    long_run: dict[str, Any], parse: Any, rows_of: Callable[..., Any]
) -> None:
    truth = long_run["truth"]
    dom = parse(long_run["html"])
    summary = dom.by_id("summary").text
    assert f"{truth['distance_m'] / 1000:.2f} km" in summary
    laps = rows_of(dom.by_id("laps"))
    assert len(laps) == truth["laps"]["count"]
    # auto laps of 1 km, as the truth says the watch was set
    assert laps[0][1] == f"{truth['laps']['auto_lap_m'] / 1000:.2f} km"


def test_durability_onset_is_near_the_planted_one(long_run: dict[str, Any], parse: Any) -> None:
    planted_km = long_run["truth"]["fatigue"]["onset_distance_m"] / 1000.0
    sec = parse(long_run["html"]).by_id("durability")
    chart = sec.by_id("chart-durability")
    labels = [t.text for t in chart.find_all("text") if t.text.startswith("onset")]
    assert len(labels) == 1
    shown_km = float(re.search(r"([\d.]+) km", labels[0]).group(1))  # type: ignore[union-attr]
    # the detector dates a gradual drift from its change point; 1.5 km is ~8 min of running
    assert abs(shown_km - planted_km) < 1.5
    # early vs late table: cadence fell by about the planted drop (4 steps/min at the end)
    rows = {r[0]: r for r in _rows(sec)}
    drop = float(rows["cadence"][4])
    assert -long_run["truth"]["fatigue"]["cadence_drop_spm"] - 1.5 < drop < -1.5


def _rows(sec: Any) -> list[list[str]]:
    tables = sec.find_all("table")
    return [[td.text for td in tr.find_all("td")] for tr in tables[-1].find("tbody").find_all("tr")]


def test_strides_count_is_the_planted_count(
    long_run: dict[str, Any], parse: Any, rows_of: Callable[..., Any]
) -> None:
    sec = parse(long_run["html"]).by_id("strides")
    assert len(rows_of(sec)) == len(long_run["truth"]["strides"])


def test_route_and_streams_are_decimated(long_run: dict[str, Any], parse: Any) -> None:
    dom = parse(long_run["html"])
    n = long_run["truth"]["n_records"]
    assert n > ROUTE_POINTS
    line = dom.by_id("route").find("polyline")
    assert len(line.attrs["points"].split()) == ROUTE_POINTS
    for cid in ("chart-pace", "chart-hr", "chart-cadence", "chart-elevation"):
        for pl in dom.by_id(cid).find_all("polyline"):
            k = len(pl.attrs["points"].split())
            assert 100 < k <= MAX_POINTS, (cid, k)


def test_panels_without_findings_say_so(long_run: dict[str, Any], parse: Any) -> None:
    dom = parse(long_run["html"])
    # a steady long run: no intervals planted, so the panel says it checked
    assert long_run["truth"]["interval_reps"] == []
    sec = dom.by_id("intervals")
    assert sec.find_all("p", class_="none")
    assert "none" in sec.text or "no intervals" in sec.text


def test_axes_have_units(long_run: dict[str, Any], parse: Any) -> None:
    dom = parse(long_run["html"])
    for svg in dom.find_all("svg"):
        assert svg.find_all("title"), "every chart has a <title>"
        labels = [t.text for t in svg.find_all("text") if t.attrs.get("class") == "al"]
        for label in labels:
            assert "[" in label, label
