"""The dashboard in a real headless Chromium, driven by Playwright.

Every page loads without console errors, its SVG charts are drawn, an upload
through the page's own form shows progress and lands in the list, and a hostile
activity name stays text. Screenshots of every page go to /tmp/web-shots/.
Skipped (with the reason) when Chromium or Playwright is missing.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from web_helpers import XSS, XSS_DEVICE, Dashboard, named_gpx, run_fit, start, stop

CHROMIUM = os.environ.get("RUNFORM_CHROMIUM", "/usr/bin/chromium")
SHOTS = Path(os.environ.get("RUNFORM_WEB_SHOTS", "/tmp/web-shots"))
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]

if not Path(CHROMIUM).exists():
    pytest.skip(f"no Chromium at {CHROMIUM} (apt-get install chromium)", allow_module_level=True)
sync_api = pytest.importorskip(
    "playwright.sync_api", reason="playwright is not installed (pip install playwright)"
)


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    with sync_api.sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield b
        b.close()


@pytest.fixture(scope="session")
def site(dashboard: Dashboard) -> Dashboard:
    """The session's demo dashboard (shared with the HTTP tests: one store copy, one warm-up)."""
    SHOTS.mkdir(parents=True, exist_ok=True)
    return dashboard


@pytest.fixture(scope="module")
def fresh(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Dashboard]:
    """A dashboard on a new, empty store: uploads land here, so the demo pages stay as rendered."""
    SHOTS.mkdir(parents=True, exist_ok=True)
    d = start(tmp_path_factory.mktemp("web-fresh") / "new.duckdb", athlete="me")
    yield d
    stop(d)


class Watched:
    """A page with everything that went wrong on it recorded."""

    def __init__(self, page: Any) -> None:
        self.page = page
        self.errors: list[str] = []
        self.dialogs: list[str] = []
        page.on("console", lambda m: self.errors.append(m.text) if m.type == "error" else None)
        page.on("pageerror", lambda e: self.errors.append(str(e)))
        page.on("requestfailed", lambda r: self.errors.append(f"request failed: {r.url}"))

        def dialog(d: Any) -> None:
            self.dialogs.append(d.message)
            d.dismiss()

        page.on("dialog", dialog)


@pytest.fixture
def watched(browser: Any) -> Iterator[Watched]:
    ctx = browser.new_context(viewport={"width": 1280, "height": 900})
    page = ctx.new_page()
    page.set_default_timeout(60_000)
    w = Watched(page)
    yield w
    ctx.close()


def drawn_charts(page: Any) -> list[dict[str, Any]]:
    """Every SVG on the page with its size and how many marks it draws."""
    result: list[dict[str, Any]] = page.evaluate(
        """() => Array.from(document.querySelectorAll('svg')).map(s => {
            const r = s.getBoundingClientRect();
            const marks = s.querySelectorAll(
              'polyline[points]:not([points=""]), path[d]:not([d=""]), rect, circle, line');
            return {w: r.width, h: r.height, marks: marks.length,
                    title: (s.querySelector('title') || {}).textContent || ''};
        })"""
    )
    return result


def long_run_id(site: Dashboard, demo_block: dict[str, Any]) -> int:
    from runform import services
    from runform.web.listing import local_start

    longest = max(demo_block["block"]["files"], key=lambda f: f["distance_m"])
    with site.server.app.reader() as store:
        rows = services.list_activities(store, site.athlete)
    (row,) = [r for r in rows if local_start(r).date().isoformat() == longest["date"]]
    return row.id


def test_every_page_loads_clean_with_charts_drawn(
    site: Dashboard, watched: Watched, demo_block: dict[str, Any]
) -> None:
    aid = long_run_id(site, demo_block)
    pages = {
        "activities": ("/", 0),
        "activity": (f"/activity/{aid}", 5),
        "season": ("/season", 4),
        "plan": ("/plan", 1),
        "import": ("/import", 0),
    }
    page = watched.page
    for name, (path, min_charts) in pages.items():
        resp = page.goto(site.url + path, wait_until="load")
        assert resp is not None and resp.status == 200, name
        assert page.locator("nav.rf-nav").count() == 1
        charts = [c for c in drawn_charts(page) if c["w"] > 50 and c["h"] > 30 and c["marks"] > 3]
        assert len(charts) >= min_charts, f"{name}: {len(charts)} drawn charts"
        shot = SHOTS / f"{name}.png"
        page.screenshot(path=str(shot), full_page=True)
        assert shot.stat().st_size > 10_000, f"{name}: blank screenshot?"
        assert watched.errors == [], f"{name}: {watched.errors}"
    # the activity list itself: one row per planted run
    block_end = demo_block["block"]["race_date"]
    page.goto(site.url + f"/?to={block_end}", wait_until="load")
    assert page.locator("#activities tbody tr[data-id]").count() == 94


def test_filters_apply_on_change(
    site: Dashboard, watched: Watched, demo_block: dict[str, Any]
) -> None:
    page = watched.page
    assert site.server.app.run_types.wait(120)
    page.goto(site.url + "/", wait_until="load")
    with page.expect_navigation():
        page.select_option("form.filters select[name=type]", "hills")
    assert "type=hills" in page.url
    want = sorted(f["date"] for f in demo_block["block"]["files"] if f["type"] == "hills")
    dates = page.locator("#activities td[data-col=date]").all_inner_texts()
    assert sorted(d[:10] for d in dates) == want
    # sorting by a column heading
    page.click("th[data-col=km] a")
    kms = [float(x) for x in page.locator("#activities td[data-col=km]").all_inner_texts()]
    assert kms == sorted(kms, reverse=True)
    assert watched.errors == []


def test_upload_through_the_form_and_see_it_listed(fresh: Dashboard, watched: Watched) -> None:
    site = fresh
    page = watched.page
    page.goto(site.url + "/import", wait_until="load")
    data = run_fit(datetime(2032, 2, 2, 6, 30, tzinfo=UTC), n=2400, speed=3.0)
    page.set_input_files(
        "#upload-files",
        files=[{"name": "tuesday.fit", "mimeType": "application/octet-stream", "buffer": data}],
    )
    page.click("#upload-form button[type=submit]")
    status = page.locator("#upload-status")
    status.filter(has_text="Imported 1 file").wait_for()
    assert page.locator("#upload-progress").is_visible()
    page.screenshot(path=str(SHOTS / "import-done.png"), full_page=True)
    new_links = page.locator("#upload-result ul.new a")
    assert new_links.count() == 1
    page.click("#to-list")
    page.wait_for_url(site.url + "/")
    row = page.locator("#activities tbody tr").first  # newest first: the 2032 run
    assert row.locator("td[data-col=date]").inner_text().startswith("2032-02-02")
    assert float(row.locator("td[data-col=km]").inner_text()) == pytest.approx(7.2, abs=0.01)
    # a file that is not an activity: the error is shown, the page keeps working
    page.goto(site.url + "/import", wait_until="load")
    page.set_input_files(
        "#upload-files",
        files=[{"name": "notes.fit", "mimeType": "application/octet-stream", "buffer": b"no fit"}],
    )
    page.click("#upload-form button[type=submit]")
    status.filter(has_text="1 failed").wait_for()
    assert "notes.fit" in page.locator("#upload-result ul.failed").inner_text()
    assert "error" in (status.get_attribute("class") or "")
    page.screenshot(path=str(SHOTS / "import-error.png"), full_page=True)
    assert watched.errors == []


def test_hostile_name_is_text_and_no_dialog_fires(fresh: Dashboard, watched: Watched) -> None:
    site = fresh
    page = watched.page
    page.goto(site.url + "/import", wait_until="load")
    gpx = named_gpx(XSS, datetime(2032, 3, 3, 7, tzinfo=UTC), creator=XSS_DEVICE)
    page.set_input_files(
        "#upload-files",
        files=[
            {
                "name": "<img src=x onerror=alert(2)>.gpx",
                "mimeType": "application/gpx+xml",
                "buffer": gpx,
            }
        ],
    )
    page.click("#upload-form button[type=submit]")
    page.locator("#upload-status").filter(has_text="Imported 1 file").wait_for()
    page.goto(site.url + "/?from=2032-03-03&to=2032-03-03", wait_until="load")
    assert page.locator("#activities td[data-col=name]").inner_text() == XSS
    assert XSS_DEVICE in page.locator("#activities td[data-col=device]").inner_text()
    page.screenshot(path=str(SHOTS / "xss-list.png"), full_page=True)
    page.click("#activities td[data-col=name] a")
    page.wait_for_load_state("load")
    assert XSS in page.inner_text("body")
    assert XSS_DEVICE in page.inner_text("body")
    assert page.evaluate("document.querySelectorAll('img').length") == 0
    page.screenshot(path=str(SHOTS / "xss-activity.png"))
    page.goto(site.url + "/import", wait_until="load")  # the upload history names the file
    assert "<img src=x onerror=alert(2)>.gpx" in page.inner_text("ul.jobs")
    assert page.evaluate("document.querySelectorAll('img').length") == 0
    assert watched.dialogs == []
    assert watched.errors == []
