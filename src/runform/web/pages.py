"""The dashboard's own page parts: the shell with its nav bar, the import page, messages.

Activity, season and plan content comes from :mod:`runform.report`; this module
wraps it. Every piece of user text goes through :func:`html.escape`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from html import escape
from typing import Any

__all__ = ["import_page", "job_page", "message", "nav", "shell"]

_LINKS = (
    ("activities", "/", "Activities"),
    ("season", "/season", "Season"),
    ("plan", "/plan", "Plan"),
    ("import", "/import", "Import"),
)

_HEAD_EXTRA = (
    '<link rel="stylesheet" href="/static/web.css"><script src="/static/web.js" defer></script>'
)


def nav(active: str, athlete: str, store_name: str) -> str:
    """The navigation bar (links to every page; the current one marked)."""
    links = "".join(
        f'<a href="{href}"'
        + (' aria-current="page"' if key == active else "")
        + f' data-nav="{key}">{label}</a>'
        for key, href, label in _LINKS
    )
    return (
        f'{_HEAD_EXTRA}<nav class="rf-nav" aria-label="runform"><span class="brand">runform</span>'
        f'{links}<span class="who">athlete <strong>{escape(athlete)}</strong> · '
        f"{escape(store_name)}</span></nav>"
    )


def shell(title: str, body: str, nav_html: str) -> str:
    """A whole page: the report package's shell (CSS) around ``body``, with the nav bar."""
    from runform.report import page

    return page(title, f'<div class="rf-main">{body}</div>', nav=nav_html)


def message(title: str, text: str, *, kind: str = "error", extra: str = "") -> str:
    """A page body with one heading and one message line (``text`` is escaped)."""
    cls = "rf-error" if kind == "error" else "note"
    return f'<h1>{escape(title)}</h1><p class="{cls}" id="message">{escape(text)}</p>{extra}'


def _fmt_mb(n: int) -> str:
    if n >= 1 << 30:
        return f"{n / (1 << 30):.3g} GB"
    return f"{n / (1 << 20):.3g} MB"


def import_page(max_bytes: int, recent: Sequence[Mapping[str, Any]]) -> str:
    """The upload form (progress with script; a plain POST and a status page without)."""
    rows = "".join(
        f'<li><a href="/import/{escape(j["job"])}">{escape(", ".join(j["files"]))}</a>: '
        f"{escape(_job_line(j))}</li>"
        for j in reversed(recent)
    )
    history = f'<h2>This session</h2><ul class="jobs">{rows}</ul>' if rows else ""
    return (
        "<h1>Import activities</h1>"
        '<section class="upload">'
        '<form id="upload-form" method="post" action="/import" enctype="multipart/form-data" '
        f'data-max-bytes="{max_bytes}">'
        "<p>FIT, TCX or GPX files (also <code>.gz</code>), or a Garmin / Strava export "
        f"<code>.zip</code>, up to {_fmt_mb(max_bytes)} per upload. Files already in the store "
        "are recognised and skipped.</p>"
        '<input type="file" id="upload-files" name="files" multiple '
        'accept=".fit,.tcx,.gpx,.gz,.zip,.FIT,.TCX,.GPX,.ZIP"> '
        '<button type="submit">Import</button>'
        '<progress id="upload-progress" max="100" value="0" hidden></progress>'
        '<div id="upload-status" role="status" aria-live="polite"></div>'
        '<div id="upload-result" class="result"></div>'
        "</form></section>"
        f"{history}"
    )


def _plural(n: int, one: str, many: str) -> str:
    return f"{n} {one if n == 1 else many}"


def _job_line(job: Mapping[str, Any]) -> str:
    if job["error"]:
        return str(job["error"])
    if not job["finished"]:
        return f"importing {job['done']} of {max(job['total'], job['done'])}" + (
            f": {job['current']}" if job["current"] else ""
        )
    return (
        f"Imported {_plural(job['imported'], 'file', 'files')} "
        f"({_plural(len(job['activity_ids']), 'activity', 'activities')}), "
        f"{job['duplicates']} already in the store, {job['skipped']} skipped "
        f"(not activity files), {len(job['failed'])} failed."
    )


def job_page(job: Mapping[str, Any]) -> str:
    """The status of one import (the page a plain form POST lands on)."""
    bad = bool(job["error"]) or (
        job["finished"] and job["failed"] and not job["imported"] and not job["duplicates"]
    )
    cls = "error" if bad else ("ok" if job["finished"] else "note")
    parts = [
        f"<h1>Import: {escape(', '.join(job['files']))}</h1>",
        f'<p class="{cls}" id="upload-status">{escape(_job_line(job))}</p>',
    ]
    if not job["finished"]:
        parts.append(
            f'<progress max="{max(job["total"], 1)}" value="{job["done"]}"></progress>'
            "<p>This page updates itself every second.</p>"
        )
    if job["failed"]:
        items = "".join(
            f"<li>{escape(f['path'])}: {escape(f['error'])}</li>" for f in job["failed"]
        )
        parts.append(f'<h3>Could not import</h3><ul class="failed">{items}</ul>')
    if job["partial"]:
        items = "".join(
            f"<li>{escape(p['path'])}: {escape(p['warning'])}</li>" for p in job["partial"]
        )
        parts.append(f'<h3>Imported with warnings</h3><ul class="partial">{items}</ul>')
    if job["activity_ids"]:
        items = "".join(
            f'<li><a href="/activity/{int(i)}">Activity {int(i)}</a></li>'
            for i in job["activity_ids"]
        )
        parts.append(f'<h3>New activities</h3><ul class="new">{items}</ul>')
    parts.append(
        '<p><a href="/" id="to-list">Back to the activity list</a> · '
        '<a href="/import">Import more</a></p>'
    )
    return "".join(parts)
