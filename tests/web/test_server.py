"""The dashboard over HTTP: pages, filters, uploads, and the security rules.

Expectations come from the planted truth of the demo block (run dates, types,
distances) and from files written here with runform's own writers, never from
the dashboard's own output.
"""

from __future__ import annotations

import http.client
import io
import zipfile
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from web_helpers import (
    XSS,
    XSS_DEVICE,
    Dashboard,
    Node,
    multipart,
    named_gpx,
    request,
    run_fit,
    start,
    stop,
    strava_zip,
    upload,
    wait_job,
)

from runform.errors import UsageError
from runform.web import make_server


def rows(doc: Node) -> list[Node]:
    table = doc.find("table", id="activities")
    assert table is not None, "no activity table"
    return [r for r in table.find_all("tr") if "data-id" in r.attrs]


def cell(row: Node, col: str) -> str:
    td = row.find("td", data_col=col)
    assert td is not None
    return td.text().strip()


def planted(demo_block: dict[str, Any]) -> list[dict[str, Any]]:
    return list(demo_block["block"]["files"])


# -- pages ---------------------------------------------------------------------------------------
def test_list_shows_every_planted_run_newest_first(
    dashboard: Dashboard, demo_block: dict[str, Any]
) -> None:
    r = request(dashboard.url, f"/?to={demo_block['block']['race_date']}")  # uploads come later
    assert r.status == 200
    assert r.headers["Content-Type"].startswith("text/html")
    body = rows(r.dom())
    files = planted(demo_block)
    assert len(body) == len(files) == 94
    # local dates of the rows are the planted run dates, newest first
    got = [cell(row, "date")[:10] for row in body]
    assert got == sorted((f["date"] for f in files), reverse=True)
    # the km column is each run's planted distance (file distance, 10 m rounding)
    by_date_km = sorted(round(f["distance_m"] / 1000, 2) for f in files)
    assert sorted(float(cell(row, "km")) for row in body) == pytest.approx(by_date_km, abs=0.011)


def test_sort_by_distance_puts_the_longest_planted_run_first(
    dashboard: Dashboard, demo_block: dict[str, Any]
) -> None:
    doc = request(dashboard.url, "/?sort=km&order=desc").dom()
    longest = max(planted(demo_block), key=lambda f: f["distance_m"])
    first = rows(doc)[0]
    assert cell(first, "date")[:10] == longest["date"]
    kms = [float(cell(r, "km")) for r in rows(doc)]
    assert kms == sorted(kms, reverse=True)
    asc = [float(cell(r, "km")) for r in rows(request(dashboard.url, "/?sort=km&order=asc").dom())]
    assert asc == sorted(kms)


def test_filter_by_date_range_keeps_exactly_the_planted_runs_in_it(
    dashboard: Dashboard, demo_block: dict[str, Any]
) -> None:
    files = planted(demo_block)
    week3 = sorted(f["date"] for f in files if f["week"] == 3)
    lo, hi = week3[0], week3[-1]
    doc = request(dashboard.url, f"/?from={lo}&to={hi}").dom()
    assert sorted(cell(r, "date")[:10] for r in rows(doc)) == week3
    assert "Showing" in (doc.find("p", id="list-summary") or Node("x")).text()


@pytest.mark.parametrize("kind", ["intervals", "hills"])
def test_filter_by_run_type_finds_the_planted_sessions(
    dashboard: Dashboard, demo_block: dict[str, Any], kind: str
) -> None:
    assert dashboard.server.app.run_types.wait(120)  # uploads by other tests start a new round
    doc = request(dashboard.url, f"/?type={kind}&to={demo_block['block']['race_date']}").dom()
    want = sorted(f["date"] for f in planted(demo_block) if f["type"] == kind)
    assert sorted(cell(r, "date")[:10] for r in rows(doc)) == want
    assert all(cell(r, "type") == kind for r in rows(doc))


def test_filter_by_sport_and_a_bad_date_is_explained(
    dashboard: Dashboard, demo_block: dict[str, Any]
) -> None:
    assert len(rows(request(dashboard.url, "/?sport=cycling").dom())) == 0
    end = demo_block["block"]["race_date"]
    assert len(rows(request(dashboard.url, f"/?sport=running&to={end}").dom())) == 94
    r = request(dashboard.url, f"/?from=yesterday&to={end}")
    assert r.status == 400
    errs = r.dom().find_all("p", class_="rf-error")
    assert any("from='yesterday' is not a date" in e.text() for e in errs)
    assert len(rows(r.dom())) == 94  # the bad filter is ignored, the list still shows


def test_activity_season_and_plan_pages(dashboard: Dashboard, demo_block: dict[str, Any]) -> None:
    long_run = max(planted(demo_block), key=lambda f: f["distance_m"])
    doc = request(dashboard.url, f"/?from={long_run['date']}&to={long_run['date']}").dom()
    (row,) = rows(doc)
    aid = row.attrs["data-id"]
    texts = {}
    for path in (f"/activity/{aid}", "/season", "/plan"):
        r = request(dashboard.url, path)
        texts[path] = r.dom().text()
        assert r.status == 200, (path, r.text[:300])
        page = r.dom()
        assert page.find("nav", class_="rf-nav") is not None
        panels = page.find_all("section", class_="panel")
        assert panels, f"{path}: no report panels"
        svgs = [
            s
            for s in page.find_all("svg")
            if s.find_all("polyline") or s.find_all("path") or s.find_all("rect")
        ]
        assert svgs, f"{path}: no chart"
        assert "Content-Security-Policy" in r.headers
    # the activity page is about that run: its planted distance is shown
    text = texts[f"/activity/{aid}"]
    assert (
        f"{long_run['distance_m'] / 1000:.2f}" in text
        or f"{long_run['distance_m'] / 1000:.1f}" in text
    )


def test_missing_activity_and_page_are_404(dashboard: Dashboard) -> None:
    r = request(dashboard.url, "/activity/999999")
    assert r.status == 404
    assert "999999" in (r.dom().find("p", id="message") or Node("x")).text()
    assert request(dashboard.url, "/nothing-here").status == 404
    assert request(dashboard.url, "/api/import/nosuchjob").status == 404


def test_season_weeks_is_checked(dashboard: Dashboard) -> None:
    r = request(dashboard.url, "/season?weeks=lots")
    assert r.status == 400
    assert "weeks='lots'" in r.dom().text()


# -- uploads -------------------------------------------------------------------------------------
def test_upload_a_fit_file_and_see_it_listed(dashboard: Dashboard) -> None:
    start_t = datetime(2031, 3, 1, 7, 0, tzinfo=UTC)
    r = upload(dashboard.url, [("morning run.fit", run_fit(start_t, n=1801, speed=3.25))])
    assert r.status == 202, r.text
    status = wait_job(dashboard.url, r.json()["job"])
    assert status["imported"] == 1 and status["failed"] == [] and len(status["activity_ids"]) == 1
    (new_id,) = status["activity_ids"]
    doc = request(dashboard.url, "/?from=2031-03-01&to=2031-03-01").dom()
    (row,) = rows(doc)
    assert row.attrs["data-id"] == str(new_id)
    assert float(cell(row, "km")) == pytest.approx(1800 * 3.25 / 1000, abs=0.01)
    assert cell(row, "cadence") == "172"
    assert cell(row, "pace") == "5:08"  # 1000 / 3.25 s = 307.7 s
    # the same file again is recognised as already stored
    again = wait_job(
        dashboard.url,
        upload(dashboard.url, [("copy.fit", run_fit(start_t, n=1801, speed=3.25))]).json()["job"],
    )
    assert again["imported"] == 0 and again["duplicates"] == 1


def test_plain_form_post_redirects_to_a_status_page(dashboard: Dashboard) -> None:
    body, ctype = multipart([("plain.fit", run_fit(datetime(2031, 4, 2, 6, tzinfo=UTC)))])
    r = request(dashboard.url, "/import", data=body, headers={"Content-Type": ctype}, method="POST")
    assert r.status == 303
    loc = r.headers["Location"]
    assert loc.startswith("/import/")
    wait_job(dashboard.url, loc.rsplit("/", 1)[1])
    page = request(dashboard.url, loc)
    assert page.status == 200
    assert "Imported 1 file (1 activity)" in page.dom().text()


def test_zip_export_upload_names_runs_from_activities_csv(dashboard: Dashboard) -> None:
    a = run_fit(datetime(2031, 5, 3, 7, tzinfo=UTC), n=1200)
    b = named_gpx("Park loop", datetime(2031, 5, 4, 7, tzinfo=UTC))
    # a FIT file has no name: the export's activities.csv gives it; the GPX keeps its own
    data = strava_zip({"11.fit": ("Hill reps by the lake", a), "12.gpx": ("Other name", b)})
    status = wait_job(dashboard.url, upload(dashboard.url, [("export.zip", data)]).json()["job"])
    assert status["imported"] == 2, status
    assert status["skipped"] == 1  # profile.json
    doc = request(dashboard.url, "/?from=2031-05-03&to=2031-05-04&sort=date&order=asc").dom()
    assert [cell(r, "name") for r in rows(doc)] == ["Hill reps by the lake", "Park loop"]


def test_corrupt_upload_gives_a_clear_error_and_the_server_goes_on(dashboard: Dashboard) -> None:
    good = run_fit(datetime(2031, 6, 1, 7, tzinfo=UTC), n=900)
    broken = good[:14] + bytes(b ^ 0x5A for b in good[14:400])  # header intact, data garbage
    status = wait_job(dashboard.url, upload(dashboard.url, [("broken.fit", broken)]).json()["job"])
    assert status["imported"] == 0
    assert [f["path"] for f in status["failed"]] == ["broken.fit"]
    assert status["failed"][0]["error"]
    # the upload folder never leaks into what the user sees
    assert "runform-uploads" not in str(status)
    # a body that is not multipart at all
    r = request(
        dashboard.url,
        "/api/import",
        data=b"hello",
        method="POST",
        headers={"Content-Type": "text/plain"},
    )
    assert r.status == 415 and "multipart/form-data" in r.json()["error"]
    # a truncated multipart body
    body, ctype = multipart([("x.fit", good)])
    r = request(
        dashboard.url,
        "/api/import",
        data=body[: len(body) // 2] + b"--",
        method="POST",
        headers={"Content-Type": ctype},
    )
    assert r.status == 400 and "not valid multipart" in r.json()["error"]
    # a form with no file chosen
    body, ctype = multipart([("", b"")])
    r = request(
        dashboard.url, "/api/import", data=body, method="POST", headers={"Content-Type": ctype}
    )
    assert r.status == 400 and "holds no file" in r.json()["error"]
    assert request(dashboard.url, "/").status == 200


def test_upload_size_is_capped(dashboard: Dashboard) -> None:
    app = dashboard.server.app
    old = app.max_upload_bytes
    app.max_upload_bytes = 50_000
    try:
        r = upload(dashboard.url, [("big.fit", run_fit(datetime(2031, 7, 1, tzinfo=UTC), n=4000))])
    finally:
        app.max_upload_bytes = old
    assert r.status == 413
    assert "limit" in r.json()["error"] and "runform import" in r.json()["error"]
    # a client that asks first ("Expect: 100-continue") is refused before sending the body
    port = dashboard.server.server_address[1]
    con = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    con.putrequest("POST", "/api/import")
    con.putheader("Content-Type", "multipart/form-data; boundary=x")
    con.putheader("Content-Length", str(old + 1))
    con.putheader("Expect", "100-continue")
    con.endheaders()
    resp = con.getresponse()
    assert resp.status == 413 and b"limit" in resp.read()
    con.close()


def test_hostile_archive_in_an_upload_is_refused_by_the_import_guards(dashboard: Dashboard) -> None:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("../../escape.fit", run_fit(datetime(2031, 8, 1, tzinfo=UTC), n=300))
        z.writestr("bomb.gpx", b"<" + b"a" * (3 << 20))  # 3 MB of one byte: ratio far over 200
    status = wait_job(
        dashboard.url, upload(dashboard.url, [("evil.zip", buf.getvalue())]).json()["job"]
    )
    assert status["imported"] == 0
    errors = " ".join(f["path"] + " " + f["error"] for f in status["failed"])
    assert "escape.fit" in errors and "bomb.gpx" in errors
    assert not list(Path(dashboard.server.app.upload_root).glob("**/*.fit"))


# -- security ------------------------------------------------------------------------------------
def test_activity_names_are_escaped(dashboard: Dashboard) -> None:
    gpx = named_gpx(XSS, datetime(2031, 9, 9, 7, tzinfo=UTC), creator=XSS_DEVICE)
    status = wait_job(dashboard.url, upload(dashboard.url, [("xss.gpx", gpx)]).json()["job"])
    (aid,) = status["activity_ids"]
    for path in ("/?from=2031-09-09&to=2031-09-09", f"/activity/{aid}"):
        r = request(dashboard.url, path)
        assert r.status == 200
        assert XSS not in r.text and XSS_DEVICE not in r.text
        doc = r.dom()
        assert not [s for s in doc.find_all("script") if "alert" in s.text()]
        assert not doc.find_all("img")
        assert XSS in doc.text()  # shown, as text
    (row,) = rows(request(dashboard.url, "/?from=2031-09-09&to=2031-09-09").dom())
    assert cell(row, "name") == XSS
    assert XSS_DEVICE in cell(row, "device")


def test_non_loopback_binding_needs_allow_remote(tmp_path: Path) -> None:
    db = tmp_path / "never.duckdb"
    with pytest.raises(UsageError, match="--allow-remote"):
        make_server(db, "me", host="0.0.0.0", port=0)
    assert not db.exists()  # refused before the store was touched
    server = make_server(db, "me", host="0.0.0.0", port=0, allow_remote=True)
    server.server_close()


def test_port_in_use_is_one_clean_line(dashboard: Dashboard, tmp_path: Path) -> None:
    port = dashboard.server.server_address[1]
    with pytest.raises(UsageError, match=f"cannot listen on 127.0.0.1:{port}"):
        make_server(tmp_path / "s.duckdb", "me", port=port)


def test_cross_origin_post_is_refused(dashboard: Dashboard) -> None:
    body, ctype = multipart([("x.fit", run_fit(datetime(2031, 10, 1, tzinfo=UTC), n=300))])
    before = len(list(dashboard.server.app.worker.jobs()))
    for headers in (
        {"Origin": "http://evil.example"},
        {"Origin": "null"},
        {"Origin": dashboard.url.replace("127.0.0.1", "localhost")},  # another origin
        {"Sec-Fetch-Site": "cross-site"},
    ):
        r = request(
            dashboard.url,
            "/api/import",
            data=body,
            method="POST",
            headers={"Content-Type": ctype} | headers,
        )
        assert r.status == 403, headers
        assert "refused" in r.json()["error"]
    assert len(list(dashboard.server.app.worker.jobs())) == before
    ok = request(
        dashboard.url,
        "/api/import",
        data=body,
        method="POST",
        headers={"Content-Type": ctype, "Origin": dashboard.url, "Sec-Fetch-Site": "same-origin"},
    )
    assert ok.status == 202
    wait_job(dashboard.url, ok.json()["job"])


def test_foreign_host_header_is_refused(dashboard: Dashboard) -> None:
    r = request(dashboard.url, "/", headers={"Host": "attacker.example:80"})
    assert r.status == 421
    port = dashboard.server.server_address[1]
    assert request(dashboard.url, "/", headers={"Host": f"localhost:{port}"}).status == 200


def test_pages_carry_a_strict_content_security_policy(dashboard: Dashboard) -> None:
    csp = request(dashboard.url, "/").headers["Content-Security-Policy"]
    assert "default-src 'none'" in csp and "script-src 'self'" in csp
    assert "unsafe-inline" not in csp.split("script-src", 1)[1].split(";")[0]


def test_empty_store_invites_an_import(tmp_path: Path) -> None:
    d = start(tmp_path / "new.duckdb", athlete="newbie")
    try:
        for path in ("/", "/season", "/plan"):
            r = request(d.url, path)
            assert r.status == 200, path
            assert r.dom().find("p", id="empty-store") is not None, path
        assert request(d.url, "/activity/1").status == 404
        run = run_fit(datetime(2031, 1, 5, tzinfo=UTC), n=1800, speed=3.2)
        status = wait_job(d.url, upload(d.url, [("a.fit", run)]).json()["job"])
        assert status["imported"] == 1
        (row,) = rows(request(d.url, "/").dom())
        assert float(cell(row, "km")) == pytest.approx(1799 * 3.2 / 1000, abs=0.01)
        season = request(d.url, "/season")
        assert season.status == 200 and season.dom().find_all("section", class_="panel")
        plan = request(d.url, "/plan")
        assert plan.status == 200 and "no plan yet" in plan.dom().text()
    finally:
        stop(d)
