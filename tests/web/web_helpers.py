"""Test helpers for the dashboard: a tiny DOM, files to upload, a multipart encoder, a client."""

from __future__ import annotations

import io
import json
import secrets
import threading
import time
import urllib.error
import urllib.request
import zipfile
from dataclasses import dataclass, field
from datetime import UTC, datetime
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import numpy as np

from runform.io.fit_write import degrees_to_semicircles, running_cadence_fields, write_activity_fit
from runform.web.server import DashboardServer

XSS = "<script>alert(1)</script>"
XSS_DEVICE = "<img src=x onerror=alert(3)>"

_VOID = {
    "area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source",
    "track", "wbr",
}  # fmt: skip


@dataclass
class Node:
    """An element of the parsed page."""

    tag: str
    attrs: dict[str, str] = field(default_factory=dict)
    children: list[Node | str] = field(default_factory=list)

    def iter(self) -> Any:
        yield self
        for c in self.children:
            if isinstance(c, Node):
                yield from c.iter()

    def find_all(self, tag: str | None = None, **attrs: str) -> list[Node]:
        """Elements of this subtree with that tag and attribute values (``class_`` for class)."""
        out = []
        for n in self.iter():
            if tag is not None and n.tag != tag:
                continue
            ok = True
            for k, v in attrs.items():
                k = k.rstrip("_").replace("_", "-")
                have = n.attrs.get(k)
                ok = have is not None and v in have.split() if k == "class" else have == v
                if not ok:
                    break
            if ok:
                out.append(n)
        return out

    def find(self, tag: str | None = None, **attrs: str) -> Node | None:
        found = self.find_all(tag, **attrs)
        return found[0] if found else None

    def text(self) -> str:
        return "".join(c if isinstance(c, str) else c.text() for c in self.children)


class _Builder(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.root = Node("#document")
        self.stack = [self.root]

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        node = Node(tag, {k: v or "" for k, v in attrs})
        self.stack[-1].children.append(node)
        if tag not in _VOID:
            self.stack.append(node)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.stack[-1].children.append(Node(tag, {k: v or "" for k, v in attrs}))

    def handle_endtag(self, tag: str) -> None:
        for i in range(len(self.stack) - 1, 0, -1):
            if self.stack[i].tag == tag:
                del self.stack[i:]
                return

    def handle_data(self, data: str) -> None:
        self.stack[-1].children.append(data)


def parse_html(text: str) -> Node:
    """The page as a tree of :class:`Node`."""
    b = _Builder()
    b.feed(text)
    b.close()
    return b.root


# -- files -------------------------------------------------------------------------------------
def run_fit(start: datetime, *, n: int = 1800, speed: float = 3.2, spm: float = 172.0) -> bytes:
    """A steady 1 Hz run written by runform's own FIT writer: ``n`` s at ``speed`` m/s."""
    t0 = start.timestamp()
    cad, frac = running_cadence_fields(np.full(n, spm))
    records = {
        "timestamp": t0 + np.arange(n),
        "position_lat": degrees_to_semicircles(48.0 + np.arange(n) * 2.0e-5),
        "position_long": degrees_to_semicircles(np.full(n, 11.0)),
        "distance": np.arange(n) * speed,
        "enhanced_speed": np.full(n, speed),
        "enhanced_altitude": np.full(n, 500.0),
        "heart_rate": np.full(n, 140.0),
        "cadence": cad,
        "fractional_cadence": frac,
    }
    laps = [{"start_time": t0, "timestamp": t0 + n - 1, "total_timer_time": n - 1}]
    session = {"sport": "running", "total_timer_time": n - 1, "total_distance": (n - 1) * speed}
    buf = io.BytesIO()
    write_activity_fit(buf, records=records, laps=laps, session=session, utc_offset_s=0)
    return buf.getvalue()


def named_gpx(
    name: str, start: datetime, *, n: int = 600, dlat: float = 3.0e-5, creator: str = "test"
) -> bytes:
    """A GPX track called ``name`` by device ``creator`` (both XML-escaped, as any writer would)."""
    from xml.sax.saxutils import escape, quoteattr

    pts = "".join(
        f'<trkpt lat="{47.0 + i * dlat:.7f}" lon="8.0"><ele>400</ele>'
        f"<time>{datetime.fromtimestamp(start.timestamp() + i, UTC):%Y-%m-%dT%H:%M:%SZ}</time>"
        "</trkpt>"
        for i in range(n)
    )
    return (
        '<?xml version="1.0" encoding="UTF-8"?>'
        f'<gpx version="1.1" creator={quoteattr(creator)} xmlns="http://www.topografix.com/GPX/1/1">'
        f"<trk><name>{escape(name)}</name><type>running</type><trkseg>{pts}</trkseg></trk></gpx>"
    ).encode()


def strava_zip(entries: dict[str, tuple[str, bytes]]) -> bytes:
    """A Strava-style export: ``activities.csv`` naming each ``activities/<file>``.

    ``entries`` maps file name -> (activity name, bytes).
    """
    import csv

    out = io.StringIO()
    w = csv.writer(out)
    w.writerow(["Activity ID", "Activity Date", "Activity Name", "Activity Type", "Filename"])
    for i, (fname, (title, _)) in enumerate(entries.items()):
        w.writerow([1000 + i, "", title, "Run", f"activities/{fname}"])
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("activities.csv", out.getvalue())
        for fname, (_, data) in entries.items():
            z.writestr(f"activities/{fname}", data)
        z.writestr("profile.json", "{}")
    return buf.getvalue()


def multipart(files: list[tuple[str, bytes]], field_name: str = "files") -> tuple[bytes, str]:
    """Encode files as a ``multipart/form-data`` body (RFC 7578); returns (body, content type)."""
    boundary = "----runformtest" + secrets.token_hex(8)
    parts = []
    for name, data in files:
        parts.append(
            f'--{boundary}\r\nContent-Disposition: form-data; name="{field_name}"; '
            f'filename="{name}"\r\nContent-Type: application/octet-stream\r\n\r\n'.encode()
            + data
            + b"\r\n"
        )
    body = b"".join(parts) + f"--{boundary}--\r\n".encode()
    return body, f"multipart/form-data; boundary={boundary}"


# -- client ------------------------------------------------------------------------------------
@dataclass
class Response:
    status: int
    headers: dict[str, str]
    body: bytes

    @property
    def text(self) -> str:
        return self.body.decode("utf-8")

    def json(self) -> Any:
        return json.loads(self.body)

    def dom(self) -> Node:
        return parse_html(self.text)


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None


_OPENER = urllib.request.build_opener(_NoRedirect)


def request(
    base: str,
    path: str,
    *,
    data: bytes | None = None,
    headers: dict[str, str] | None = None,
    method: str | None = None,
) -> Response:
    """One HTTP request (no redirects followed); errors are returned, not raised."""
    req = urllib.request.Request(base.rstrip("/") + path, data=data, method=method)
    for k, v in (headers or {}).items():
        req.add_header(k, v)
    try:
        with _OPENER.open(req, timeout=60) as r:
            return Response(r.status, dict(r.headers.items()), r.read())
    except urllib.error.HTTPError as e:
        return Response(e.code, dict(e.headers.items()), e.read())


def upload(base: str, files: list[tuple[str, bytes]], **headers: str) -> Response:
    body, ctype = multipart(files)
    return request(
        base, "/api/import", data=body, headers={"Content-Type": ctype} | headers, method="POST"
    )


def wait_job(base: str, job: str, timeout: float = 60.0) -> dict[str, Any]:
    """Poll an import job until it has finished; its final JSON."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        status: dict[str, Any] = request(base, f"/api/import/{job}").json()
        if status["finished"]:
            return status
        time.sleep(0.1)
    raise AssertionError(f"import job {job} did not finish in {timeout} s")


# -- servers -----------------------------------------------------------------------------------
@dataclass
class Dashboard:
    """A running dashboard on a private copy of the demo store."""

    server: DashboardServer
    url: str
    db: Path
    athlete: str


def start(db: Path, athlete: str = "demo", **kwargs: Any) -> Dashboard:
    """Start a dashboard on a free port in a background thread."""
    from runform.web import make_server

    server = make_server(db, athlete, port=0, **kwargs)
    assert isinstance(server, DashboardServer)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return Dashboard(server, server.url.rstrip("/"), db, athlete)


def stop(d: Dashboard) -> None:
    d.server.shutdown()
    d.server.server_close()
