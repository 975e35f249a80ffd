"""``runform demo`` shows the whole product: it writes the season, long-run and plan reports."""

from __future__ import annotations

from html.parser import HTMLParser
from pathlib import Path
from typing import Any


class _Page(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.sections: list[str] = []
        self.svg = 0
        self.title = ""
        self._in_title = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        if tag == "section" and a.get("id"):
            self.sections.append(str(a["id"]))
        self.svg += tag == "svg"
        self._in_title = tag == "title" and not self.title

    def handle_data(self, data: str) -> None:
        if self._in_title:
            self.title += data

    def handle_endtag(self, tag: str) -> None:
        if tag == "title":
            self._in_title = False


def _page(path: str) -> _Page:
    p = _Page()
    p.feed(Path(path).read_text(encoding="utf-8"))
    return p


def test_demo_writes_the_reports(demo_block: dict[str, Any]) -> None:
    reports = demo_block["result"]["reports"]
    assert set(reports) == {"season", "long_run", "plan"}
    season = _page(reports["season"])
    assert len(season.sections) >= 8 and season.svg >= 6, season.sections
    # The long-run report is of the block's longest planted long run (not the race).
    long_runs = [r for r in demo_block["runs"] if r["type"] == "long"]
    longest = max(long_runs, key=lambda r: r["distance_m"])
    run = _page(reports["long_run"])
    assert run.svg >= 5
    html = Path(reports["long_run"]).read_text(encoding="utf-8")
    assert f"{longest['distance_m'] / 1000:.2f} km" in html
    plan = _page(reports["plan"])
    assert plan.sections, "the plan report has panels"
