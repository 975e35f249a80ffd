"""``runform serve``: the local dashboard, on the standard library's threading HTTP server.

One process holds the DuckDB store (DuckDB lets a single process open a file
for writing). Every request thread and the import worker get their own cursor
on that one connection (DuckDB's rule for sharing a connection between
threads: one ``cursor()`` each), so pages read committed data while an import
writes. Page renders that may store derived metrics (season, activity, plan
pages, run types) take one lock between them, so two of them never write the
same cache row at once.

Routes: ``/`` (activity list), ``/activity/<id>``, ``/season``, ``/plan``,
``/import`` (form; POST takes a multipart upload), ``/import/<job>`` (status),
``/api/import`` (POST, for the page's script), ``/api/import/<job>`` (progress
JSON), ``/api/activities`` (JSON), ``/static/web.css|js``.
"""

from __future__ import annotations

import copy
import json
import re
import shutil
import signal
import sys
import tempfile
import threading
import traceback
from collections import OrderedDict
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from datetime import date, datetime
from html import escape
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

from runform.errors import NotFoundError, RunformError, UsageError
from runform.store.db import Store
from runform.web import pages
from runform.web.assets import asset
from runform.web.jobs import ImportWorker
from runform.web.listing import ListQuery, activity_table, filter_form
from runform.web.runtypes import RunTypes
from runform.web.security import (
    allowed_hosts,
    check_bind_host,
    host_allowed,
    post_allowed,
)
from runform.web.upload import DEFAULT_MAX_UPLOAD_BYTES, UploadError, receive_upload

__all__ = ["DashboardServer", "make_server", "serve"]

CSP = (
    "default-src 'none'; script-src 'self'{extra}; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data:; connect-src 'self'; form-action 'self'; base-uri 'none'; "
    "frame-ancestors 'none'"
)
"""Content Security Policy of every page: nothing external, no inline script but the
report's own (by hash), no framing (W3C CSP Level 3)."""

_MAX_WEEKS = 520
"""Longest season page [weeks] (ten years)."""

_PAGE_CACHE_SIZE = 64
"""Rendered report pages kept in memory [pages] (a page is 0.1-1 MB)."""


class App:
    """What the request handlers share: the store, the import worker, the run types."""

    def __init__(self, db_path: Path, athlete: str, *, max_upload_bytes: int) -> None:
        self.db_path = Path(db_path)
        self.athlete = athlete
        self.max_upload_bytes = max_upload_bytes
        self.store = Store(self.db_path)
        self._cursor_lock = threading.Lock()
        self.compute_lock = threading.Lock()
        self.upload_root = Path(tempfile.mkdtemp(prefix="runform-uploads-"))
        self.pages = PageCache()
        self.run_types = RunTypes(self.reader, athlete, self.compute_lock)
        self.worker = ImportWorker(self.reader, athlete, on_finished=self._after_import)

    @contextmanager
    def reader(self) -> Iterator[Store]:
        """A :class:`Store` on its own cursor, for use on the calling thread only."""
        with self._cursor_lock:
            cur = self.store.con.cursor()
        view = copy.copy(self.store)
        view.con = cur
        try:
            yield view
        finally:
            cur.close()

    def _after_import(self, job: Any) -> None:
        self.pages.invalidate()
        self.run_types.refresh()

    def close(self) -> None:
        """Stop the threads, close the store, remove leftover uploads."""
        self.run_types.stop()
        self.worker.stop()
        self.store.close()
        shutil.rmtree(self.upload_root, ignore_errors=True)


class PageCache:
    """Rendered report pages, kept until the store changes.

    While the dashboard runs it is the only writer of the store (DuckDB lets one
    process hold the file), so the pages change only when an upload imports
    something (:meth:`invalidate`) or the day changes (reports say "as of today").
    Season and plan pages cost seconds to compute; a second view is instant.
    """

    def __init__(self, size: int = _PAGE_CACHE_SIZE) -> None:
        self._size = size
        self._lock = threading.Lock()
        self._pages: OrderedDict[tuple[Any, ...], str] = OrderedDict()
        self._generation = 0

    def get(self, key: tuple[Any, ...], render: Callable[[], str]) -> str:
        """The page under ``key`` (with today's date), rendering it when missing."""
        full = (*key, date.today())
        with self._lock:
            if full in self._pages:
                self._pages.move_to_end(full)
                return self._pages[full]
            generation = self._generation
        html = render()
        with self._lock:
            if generation == self._generation:  # no import finished while rendering
                self._pages[full] = html
                while len(self._pages) > self._size:
                    self._pages.popitem(last=False)
        return html

    def invalidate(self) -> None:
        """Forget every page (the store changed)."""
        with self._lock:
            self._pages.clear()
            self._generation += 1


class DashboardServer(ThreadingHTTPServer):
    """The dashboard's HTTP server; ``app`` holds its state, ``url`` its address."""

    daemon_threads = True
    app: App
    allow_remote: bool
    hosts: frozenset[str]
    verbose: bool = False

    @property
    def url(self) -> str:
        """The address to open in a browser."""
        host, port = self.server_address[0], self.server_address[1]
        shown = str(host)
        if shown in ("0.0.0.0", "::"):
            shown = "127.0.0.1"
        if ":" in shown:
            shown = f"[{shown}]"
        return f"http://{shown}:{port}/"

    def server_close(self) -> None:
        super().server_close()
        app = getattr(self, "app", None)
        if app is not None:
            app.close()


class _V6Server(DashboardServer):
    import socket as _socket

    address_family = _socket.AF_INET6


class Handler(BaseHTTPRequestHandler):
    """Routes a request to its page."""

    server: DashboardServer
    server_version = "runform"
    sys_version = ""
    protocol_version = "HTTP/1.1"  # keep-alive, and "Expect: 100-continue" for big uploads

    # -- plumbing -----------------------------------------------------------------------------
    def log_message(self, format: str, *args: Any) -> None:
        if getattr(self.server, "verbose", False):
            super().log_message(format, *args)

    @property
    def app(self) -> App:
        return self.server.app

    def _headers(self, status: int, ctype: str, length: int, extra: dict[str, str]) -> None:
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(length))
        self.send_header("X-Content-Type-Options", "nosniff")
        self.send_header("Referrer-Policy", "no-referrer")
        self.send_header("X-Frame-Options", "DENY")
        self.send_header("Cross-Origin-Resource-Policy", "same-origin")
        for k, v in extra.items():
            self.send_header(k, v)
        self.end_headers()

    def _send(
        self, status: int, ctype: str, data: bytes, extra: dict[str, str] | None = None
    ) -> None:
        headers = {"Cache-Control": "no-store"} | (extra or {})
        self._headers(status, ctype, len(data), headers)
        if self.command != "HEAD":
            self.wfile.write(data)

    def _html(
        self,
        status: int,
        title: str,
        body: str,
        active: str = "",
        extra: dict[str, str] | None = None,
    ) -> None:
        nav = pages.nav(active, self.app.athlete, self.app.db_path.name)
        doc = pages.shell(title, body, nav)
        csp = CSP.format(extra=_script_hashes(doc))
        self._send(
            status,
            "text/html; charset=utf-8",
            doc.encode("utf-8"),
            {"Content-Security-Policy": csp} | (extra or {}),
        )

    def _json(self, status: int, obj: Any) -> None:
        data = json.dumps(obj, default=str).encode()
        self._send(status, "application/json", data)

    def _error(self, status: int, text: str, *, as_json: bool = False) -> None:
        if as_json:
            self._json(status, {"error": text})
        else:
            title = HTTPStatus(status).phrase
            self._html(status, title, pages.message(title, text))

    def _wants_json(self, path: str) -> bool:
        return path.startswith("/api/") or "application/json" in (self.headers.get("Accept") or "")

    def _guard_host(self, path: str) -> bool:
        if host_allowed(
            self.headers.get("Host"), self.server.hosts, allow_remote=self.server.allow_remote
        ):
            return True
        # No page (not even the shell) for a foreign Host: a DNS-rebinding page learns nothing.
        data = (
            b"unexpected Host header: open the dashboard at the address `runform serve` printed\n"
        )
        self._send(421, "text/plain; charset=utf-8", data)
        return False

    def _dispatch(self, method: str) -> None:
        parts = urlsplit(self.path)
        path = parts.path
        if not self._guard_host(path):
            return
        try:
            if method == "POST":
                self._post(path)
            else:
                self._get(path, parse_qs(parts.query, keep_blank_values=True))
        except NotFoundError as exc:
            self._error(404, str(exc), as_json=self._wants_json(path))
        except RunformError as exc:
            self._error(400, str(exc), as_json=self._wants_json(path))
        except (BrokenPipeError, ConnectionResetError):
            pass
        except Exception as exc:  # a bug on one page must not stop the server
            traceback.print_exc(file=sys.stderr)
            with suppress(OSError):
                self._error(
                    500,
                    f"runform hit an internal error ({type(exc).__name__}); "
                    "the details are in the terminal running `runform serve`",
                    as_json=self._wants_json(path),
                )

    def handle_expect_100(self) -> bool:
        """Refuse a cross-site or oversized upload before its body is sent (RFC 9110 10.1.1)."""
        path = urlsplit(self.path).path
        ok, why = post_allowed(
            self.headers.get("Origin"), self.headers.get("Sec-Fetch-Site"), self.headers.get("Host")
        )
        status = 403
        if ok:
            length = self.headers.get("Content-Length") or ""
            if length.isdigit() and int(length) > self.app.max_upload_bytes:
                ok, status = False, 413
                why = (
                    f"the upload is {int(length) / (1 << 20):.1f} MB, over the "
                    f"{self.app.max_upload_bytes / (1 << 20):.0f} MB limit of the dashboard; "
                    "import it with `runform import FILE` instead"
                )
        if ok and self._guard_host_quiet():
            return super().handle_expect_100()
        self.close_connection = True
        if not ok:
            self._error(status, why, as_json=self._wants_json(path))
        else:
            self._guard_host(path)
        return False

    def _guard_host_quiet(self) -> bool:
        return host_allowed(
            self.headers.get("Host"), self.server.hosts, allow_remote=self.server.allow_remote
        )

    def do_GET(self) -> None:
        self._dispatch("GET")

    def do_HEAD(self) -> None:
        self._dispatch("GET")

    def do_POST(self) -> None:
        self._dispatch("POST")

    # -- GET ----------------------------------------------------------------------------------
    def _get(self, path: str, qs: dict[str, list[str]]) -> None:
        if path in ("/", "/activities"):
            self._list(qs)
        elif m := re.fullmatch(r"/activity/(\d{1,18})", path):
            self._activity(int(m.group(1)))
        elif path == "/season":
            self._season(qs)
        elif path == "/plan":
            self._plan()
        elif path == "/import":
            recent = list(self.app.worker.jobs())
            self._html(
                200, "Import", pages.import_page(self.app.max_upload_bytes, recent), "import"
            )
        elif m := re.fullmatch(r"/(api/)?import/([A-Za-z0-9_-]{1,40})", path):
            self._job(m.group(2), as_json=bool(m.group(1)))
        elif path == "/api/activities":
            self._api_activities()
        elif m := re.fullmatch(r"/static/([a-z]+\.(?:css|js))", path):
            found = asset(m.group(1))
            if found is None:
                raise NotFoundError(f"no such file: {path}")
            ctype, data, etag = found
            if self.headers.get("If-None-Match") == etag:
                self._headers(304, ctype, 0, {"ETag": etag})
                return
            self._send(200, ctype, data, {"ETag": etag, "Cache-Control": "no-cache"})
        elif path == "/favicon.ico":
            self._send(204, "image/x-icon", b"")
        else:
            raise NotFoundError(f"no page at {path}")

    def _list(self, qs: dict[str, list[str]]) -> None:
        from runform import services

        query, errors = ListQuery.parse(qs)
        try:
            with self.app.reader() as store:
                rows = services.list_activities(store, self.app.athlete)
        except NotFoundError:
            rows = []
        types, complete = self.app.run_types.snapshot()
        shown = query.apply(rows, types)
        sports = sorted({r.sport for r in rows})
        errs = "".join(f'<p class="rf-error">{escape(e)}</p>' for e in errors)
        if not rows:
            body = (
                "<h1>Activities</h1>"
                f'<p class="note" id="empty-store">No activities of {escape(self.app.athlete)} '
                'yet. <a href="/import">Import some</a>: FIT, TCX, GPX files or a Garmin / '
                "Strava export.</p>"
            )
        else:
            body = (
                "<h1>Activities</h1>"
                + errs
                + filter_form(query, sports)
                + activity_table(rows, shown, types, complete, query)
            )
        self._html(400 if errors else 200, "Activities", body, "activities")

    def _activity(self, activity_id: int) -> None:
        from runform import report

        def render() -> str:
            with self.app.compute_lock, self.app.reader() as store:
                return report.activity_html(store, self.app.athlete, activity_id, standalone=False)

        body = self.app.pages.get(("activity", activity_id), render)
        self._html(200, f"Activity {activity_id}", body, "activities")

    def _no_data_yet(self, title: str, active: str) -> bool:
        """Show an invitation to import when the athlete has nothing in the store yet."""
        with self.app.reader() as store:
            if self.app.athlete in store.athletes():
                return False
        body = f"<h1>{escape(title)}</h1>" + (
            f'<p class="note" id="empty-store">No activities of {escape(self.app.athlete)} '
            'yet. <a href="/import">Import some</a> first.</p>'
        )
        self._html(200, title, body, active)
        return True

    def _season(self, qs: dict[str, list[str]]) -> None:
        from runform import report

        raw = (qs.get("weeks") or ["16"])[-1].strip() or "16"
        if not raw.isdigit() or not 1 <= int(raw) <= _MAX_WEEKS:
            raise UsageError(f"weeks={raw!r}: give a number of weeks from 1 to {_MAX_WEEKS}")
        if self._no_data_yet("Season", "season"):
            return

        def render() -> str:
            with self.app.compute_lock, self.app.reader() as store:
                return report.season_html(store, self.app.athlete, int(raw), standalone=False)

        body = self.app.pages.get(("season", int(raw)), render)
        self._html(200, "Season", body, "season")

    def _plan(self) -> None:
        from runform import report

        if self._no_data_yet("Plan", "plan"):
            return

        def render() -> str:
            with self.app.compute_lock, self.app.reader() as store:
                return report.plan_html(store, self.app.athlete, standalone=False)

        try:
            body = self.app.pages.get(("plan",), render)
        except NotFoundError as exc:
            body = pages.message(
                "Plan",
                f"{exc}. For example: runform --athlete {self.app.athlete} plan create "
                "--race-date YYYY-MM-DD",
                kind="note",
            )
        self._html(200, "Plan", body, "plan")

    def _job(self, job_id: str, *, as_json: bool) -> None:
        status = self.app.worker.status(job_id)
        if status is None:
            raise NotFoundError(
                f"no import job {job_id} (jobs are forgotten when the server stops)"
            )
        if as_json:
            self._json(200, status)
            return
        extra = {} if status["finished"] else {"Refresh": "1"}
        self._html(200, "Import", pages.job_page(status), "import", extra)

    def _api_activities(self) -> None:
        from runform import services

        with self.app.reader() as store:
            rows = services.list_activities(store, self.app.athlete)
        types, _ = self.app.run_types.snapshot()
        self._json(200, [services.activity_json(r) | {"type": types.get(r.id)} for r in rows])

    # -- POST ---------------------------------------------------------------------------------
    def _post(self, path: str) -> None:
        # One upload per connection: a refused or failed body is never read as a next request.
        self.close_connection = True
        as_json = self._wants_json(path)
        ok, why = post_allowed(
            self.headers.get("Origin"), self.headers.get("Sec-Fetch-Site"), self.headers.get("Host")
        )
        if not ok:
            self._error(403, why, as_json=as_json)
            return
        if path not in ("/import", "/api/import"):
            raise NotFoundError(f"nothing to post to at {path}")
        length_header = self.headers.get("Content-Length")
        try:
            length = int(length_header) if length_header is not None else None
        except ValueError:
            length = None
        if length is not None and length < 0:
            length = None
        folder = Path(tempfile.mkdtemp(prefix="up-", dir=self.app.upload_root))
        try:
            files = receive_upload(
                self.rfile,
                length,
                self.headers.get("Content-Type"),
                folder,
                max_bytes=self.app.max_upload_bytes,
            )
        except UploadError as exc:
            shutil.rmtree(folder, ignore_errors=True)
            self._error(exc.status, str(exc), as_json=as_json)
            return
        except BaseException:
            shutil.rmtree(folder, ignore_errors=True)
            raise
        job = self.app.worker.submit(files, folder)
        if as_json:
            self._json(202, {"job": job.id, "status": f"/api/import/{job.id}"})
        else:
            self._send(
                303,
                "text/plain; charset=utf-8",
                b"see the import status\n",
                {"Location": f"/import/{job.id}"},
            )


def _script_hashes(doc: str) -> str:
    """CSP ``'sha256-...'`` sources for the report's own inline script, if the page has it.

    Only a script whose text is exactly the report shell's chart read-out
    (:data:`runform.report.shell.SCRIPT`) is allowed to run; anything else inline,
    were user text ever to slip through unescaped, is blocked by the browser.
    """
    import base64
    import hashlib

    from runform.report.shell import SCRIPT

    out = []
    for m in re.finditer(r"<script>(.*?)</script>", doc, re.S):
        if m.group(1).strip() == SCRIPT.strip():
            digest = base64.b64encode(hashlib.sha256(m.group(1).encode()).digest()).decode()
            out.append(f" 'sha256-{digest}'")
    return "".join(dict.fromkeys(out))


def make_server(
    db_path: Path,
    athlete: str,
    host: str = "127.0.0.1",
    port: int = 8765,
    *,
    allow_remote: bool = False,
    max_upload_bytes: int = DEFAULT_MAX_UPLOAD_BYTES,
    verbose: bool = False,
) -> ThreadingHTTPServer:
    """Open the store and bind the dashboard (not yet serving: call ``serve_forever``).

    Parameters
    ----------
    db_path : Path
        The store (DuckDB file); created when missing [-].
    athlete : str
        Whose data the dashboard shows and imports into [-].
    host : str
        Address to bind [-]; loopback only unless ``allow_remote``.
    port : int
        TCP port [-]; 0 picks a free one (see ``server.server_address``).
    allow_remote : bool
        Allow a non-loopback ``host`` (the dashboard has no login) [-].
    max_upload_bytes : int
        Largest upload accepted [bytes].
    verbose : bool
        Log every request to stderr [-].

    Raises
    ------
    UsageError
        A non-loopback host without ``allow_remote``, or the port cannot be bound.
    StoreError
        The store cannot be opened (e.g. another runform process holds it).
    """
    check_bind_host(host, allow_remote=allow_remote)
    if not 0 <= port <= 65535:
        raise UsageError(f"--port {port}: not a TCP port (0-65535)")
    cls = _V6Server if ":" in host else DashboardServer
    server = cls((host.strip("[]"), port), Handler, bind_and_activate=False)
    try:
        server.server_bind()
        server.server_activate()
    except OSError as exc:
        server.socket.close()
        raise UsageError(
            f"cannot listen on {host}:{port}: {exc.strerror or exc} (choose another --port)"
        ) from exc
    try:
        server.app = App(Path(db_path), athlete, max_upload_bytes=max_upload_bytes)
    except BaseException:
        server.socket.close()
        raise
    server.allow_remote = allow_remote
    server.verbose = verbose
    bound_port = int(server.server_address[1])
    server.hosts = allowed_hosts(host.strip("[]"), bound_port)
    return server


def serve(
    db_path: Path,
    athlete: str,
    host: str = "127.0.0.1",
    port: int = 8765,
    *,
    allow_remote: bool = False,
    max_upload_bytes: int = DEFAULT_MAX_UPLOAD_BYTES,
) -> None:
    """Run the dashboard until Ctrl-C, printing its address first."""
    server = make_server(
        db_path,
        athlete,
        host,
        port,
        allow_remote=allow_remote,
        max_upload_bytes=max_upload_bytes,
        verbose=True,
    )
    url = server.url if isinstance(server, DashboardServer) else f"http://{host}:{port}/"
    print(
        f"runform dashboard for {athlete!r} at {url}  (store {db_path}; Ctrl-C to stop)",
        flush=True,
    )
    if allow_remote:
        print("warning: reachable from other machines, and it has no login", file=sys.stderr)

    def _terminate(signum: int, frame: object) -> None:
        raise KeyboardInterrupt  # stop as on Ctrl-C: finish cleanly, remove leftover uploads

    if threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGTERM, _terminate)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        print(f"\nstopped at {datetime.now():%H:%M:%S}", flush=True)
    finally:
        server.server_close()
