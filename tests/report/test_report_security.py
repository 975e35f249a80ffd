"""User text is escaped everywhere; strength activities are counted when a file has them."""

from __future__ import annotations

import io
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from runform.report import activity_html, page, plan_html, season_html
from runform.report.markup import table, tag
from runform.report.svg import Axis, Series, chart

EVIL = "<script>alert(1)</script>"


def _gpx(name: str, n: int = 900) -> bytes:
    """A 15-min GPX run (1 Hz, ~3.2 m/s northwards) with the given track name."""
    pts = []
    t0 = datetime(2026, 5, 1, 7, 0, tzinfo=UTC).timestamp()
    for i in range(n):
        lat = 52.0 + i * 3.2 / 111_320.0
        ts = datetime.fromtimestamp(t0 + i, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
        pts.append(
            f'<trkpt lat="{lat:.7f}" lon="4.9000000"><ele>{1 + (i % 60) / 30:.1f}</ele>'
            f"<time>{ts}</time></trkpt>"
        )
    esc_name = name.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return (
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<gpx version="1.1" creator="&lt;b&gt;evil device&lt;/b&gt;"'
        ' xmlns="http://www.topografix.com/GPX/1/1">'
        f"<trk><name>{esc_name}</name><type>running</type><trkseg>{''.join(pts)}</trkseg></trk>"
        "</gpx>"
    ).encode()


def _strength_fit() -> bytes:
    """A 20-min FIT strength session (sport ``training``) with heart rate only."""
    from runform.io.fit_write import write_activity_fit

    n = 1200
    t0 = datetime(2026, 5, 2, 18, 0, tzinfo=UTC).timestamp()
    records: dict[str, Any] = {
        "timestamp": t0 + np.arange(n),
        "heart_rate": np.full(n, 110.0),
    }
    laps = [{"start_time": t0, "timestamp": t0 + n - 1, "sport": "training"}]
    session = {"sport": "training", "total_elapsed_time": float(n), "total_timer_time": float(n)}
    buf = io.BytesIO()
    write_activity_fit(buf, records=records, laps=laps, session=session)
    return buf.getvalue()


@pytest.fixture(scope="module")
def evil_store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from runform.services import import_paths
    from runform.store.db import Store

    root = tmp_path_factory.mktemp("evil")
    (root / f"{'x'}.gpx").write_bytes(_gpx(EVIL))
    (root / "gym.fit").write_bytes(_strength_fit())
    path = root / "store.duckdb"
    with Store(path) as store:
        rep = import_paths(store, [root / "x.gpx", root / "gym.fit"], athlete="mallory")
        assert rep.imported == 2, rep.failed
    return path


def _no_evil_script(dom: Any) -> None:
    for s in dom.find_all("script"):
        assert "alert(1)" not in s.text


def test_activity_name_renders_as_text(evil_store: Path, parse: Any) -> None:
    from runform.services import list_activities
    from runform.store.db import Store

    with Store(evil_store, read_only=True) as store:
        run = next(a for a in list_activities(store, "mallory") if a.sport == "running")
        assert run.name == EVIL  # the reader kept the name as the file has it
        html = activity_html(store, "mallory", run.id)
        fragment = activity_html(store, "mallory", run.id, standalone=False)
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert EVIL not in html and EVIL not in fragment
    assert "<b>" not in html  # the device string is escaped too
    dom = parse(html)
    _no_evil_script(dom)
    assert dom.find("h1").text == EVIL  # shown to the reader as the literal text
    assert dom.find("title").text.startswith(EVIL)


def test_season_and_plan_pages_escape_and_count_strength(evil_store: Path, parse: Any) -> None:
    from runform.store.db import Store

    with Store(evil_store, read_only=True) as store:
        html = season_html(store, "mallory", 4)
        plan = plan_html(store, "mallory")
    for doc in (html, plan):
        dom = parse(doc)
        _no_evil_script(dom)
    dom = parse(html)
    # the FIT strength session is counted and said so
    note = dom.by_id("technique").find("p", class_="note strength").text
    assert note.startswith("1 strength sessions recorded")
    # no plan: the panel says so instead of vanishing
    assert "no plan yet" in dom.by_id("plan").text
    assert "no plan yet" in parse(plan).by_id("plan-overview").text


def test_builders_escape_every_string(parse: Any) -> None:
    svg = chart(
        title=EVIL,
        series=[Series(EVIL, [0, 1, 2], [1, 2, 3], labels=[EVIL] * 3, kind="points")],
        x=Axis(EVIL),
        y=Axis(EVIL),
    )
    doc = page(
        EVIL, table([EVIL], [[EVIL]], caption=EVIL) + tag("p", EVIL, attrs={"title": EVIL}) + svg
    )
    assert EVIL not in doc
    dom = parse(doc)
    _no_evil_script(dom)
    assert dom.find("p").attrs["title"] == EVIL
