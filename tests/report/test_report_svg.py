"""The SVG chart module: decimation, ticks, scales and escaping."""

from __future__ import annotations

import re
import time
from typing import Any

import numpy as np

from runform.report.svg import (
    Axis,
    Marker,
    Series,
    Zone,
    chart,
    even_indices,
    minmax_indices,
    nice_ticks,
    pace_ticks,
    route,
)


def test_minmax_keeps_a_short_peak_in_a_long_stream() -> None:
    # a 5-hour run at 1 Hz, flat at 3 m/s, with one 20-s stride at 5 m/s
    n = 5 * 3600
    y = np.full(n, 3.0)
    y[9000:9020] = 5.0
    y[12000] = 1.0  # and one stop
    idx = minmax_indices(np.arange(n, dtype=float), y, 400)
    assert idx.size <= 800
    assert np.all(np.diff(idx) > 0)
    assert y[idx].max() == 5.0 and y[idx].min() == 1.0
    # uniform sub-sampling to the same count would miss the stop
    assert 1.0 not in y[even_indices(n, 800)]


def test_minmax_skips_nan_and_keeps_short_series_whole() -> None:
    y = np.array([1.0, np.nan, 3.0, 2.0])
    assert minmax_indices(np.arange(4.0), y, 400).tolist() == [0, 2, 3]


def test_even_indices() -> None:
    assert even_indices(5, 10).tolist() == [0, 1, 2, 3, 4]
    idx = even_indices(10_001, 800)
    assert idx.size == 800 and idx[0] == 0 and idx[-1] == 10_000


def test_nice_ticks_cover_the_range_with_round_steps() -> None:
    t = nice_ticks(0.13, 9.7)
    assert t[0] <= 0.13 and t[-1] >= 9.7
    steps = np.diff(t)
    assert np.allclose(steps, steps[0]) and steps[0] in (1.0, 2.0, 2.5, 5.0)


def test_pace_ticks_are_round_paces_at_their_speed() -> None:
    ticks = pace_ticks(2.5, 4.5)  # 6:40/km to 3:42/km
    labels = [label for _, label in ticks]
    assert "4:00" in labels and "6:00" in labels
    for speed, label in ticks:
        m, s = label.split(":")
        assert abs(1000.0 / speed - (int(m) * 60 + int(s))) < 1e-6
    assert 3 <= len(ticks) <= 7


def _points(svg: str) -> list[tuple[float, float]]:
    m = re.search(r'(?<![-\w])points="([^"]+)"', svg)
    assert m
    return [tuple(map(float, p.split(","))) for p in m.group(1).split()]  # type: ignore[misc]


def test_values_land_on_their_ticks(parse: Any) -> None:
    svg = chart(
        title="t",
        series=[Series("s", [0.0, 10.0], [0.0, 100.0])],
        x=Axis("x [km]", lo=0.0, hi=10.0),
        y=Axis("y [bpm]", lo=0.0, hi=100.0),
        width=800,
        height=240,
    )
    (x0, y0), (x1, y1) = _points(svg)
    dom = parse(svg)
    ticks = {
        t.text: float(t.attrs["y"]) - 4
        for t in dom.find_all("text")
        if t.attrs.get("class") == "tk" and t.attrs.get("text-anchor") == "end"
    }
    assert abs(ticks["0"] - y0) < 0.2 and abs(ticks["100"] - y1) < 0.2
    assert x0 < x1 and y0 > y1  # up is larger


def test_zones_markers_bars_and_two_axes(parse: Any) -> None:
    svg = chart(
        title="ACWR",
        series=[
            Series("bars", [1, 2, 3], [1.0, 2.0, 3.0], kind="bars"),
            Series("line", [1, 2, 3], [10.0, 20.0, 15.0], right=True),
        ],
        x=Axis("week"),
        y=Axis("ratio [-]", zero=True),
        y2=Axis("load [a.u.]"),
        zones=[Zone(1.5, None, "above 1.5")],
        markers=[Marker(2.0, "onset 2 km")],
    )
    dom = parse(svg)
    assert len(dom.find_all("rect")) >= 3 + 1
    assert any(t.text == "onset 2 km" for t in dom.find_all("text"))
    assert any(t.text == "load [a.u.]" for t in dom.find_all("text"))
    assert any(t.text.startswith("line") for t in dom.find_all("text"))


def test_route_keeps_the_promised_points_and_is_north_up(parse: Any) -> None:
    n = 5000
    lat = 52.0 + np.linspace(0, 0.01, n)  # due north
    lon = np.full(n, 4.9)
    svg = route(lat, lon, title="r", max_points=800)
    pts = _points(svg)
    assert len(pts) == 800
    assert pts[0][1] > pts[-1][1]  # north is up on screen
    assert parse(svg).find("svg").attrs["data-points"] == "800"


def test_a_decade_of_days_draws_fast() -> None:
    n = 3650
    x = np.arange(n, dtype=float)
    y = np.sin(x / 30.0)
    t = time.perf_counter()
    for _ in range(10):
        chart(title="t", series=[Series("a", x, y), Series("b", x, -y)], x=Axis("d"), y=Axis("v"))
    assert (time.perf_counter() - t) / 10 < 0.03
