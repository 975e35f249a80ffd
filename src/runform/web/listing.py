"""The activity list: filter and sort by query parameters, render a server-side table.

Everything works with plain links and a GET form (no script needed): the
query string carries ``from``/``to`` (local dates, YYYY-MM-DD), ``sport``,
``type`` (run type), ``q`` (text in the name or device), ``sort`` and ``order``.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta, timezone
from html import escape
from typing import Any
from urllib.parse import urlencode

from runform.store.db import ActivityRow
from runform.units import format_duration, format_pace

__all__ = ["RUN_TYPES", "SORT_KEYS", "ListQuery", "activity_table", "local_start"]

RUN_TYPES = ("easy", "long", "tempo", "intervals", "hills", "race")
"""The run types of :func:`runform.core.classify.classify_run`, in the order offered."""

_PACE_SPORTS = ("running", "walking", "hiking")

SORT_KEYS = ("id", "date", "sport", "type", "km", "time", "pace", "cadence", "device", "name")
"""Columns the list can be sorted by (each is also a column of the table)."""

_HEADINGS = {
    "id": "#",
    "date": "date",
    "sport": "sport",
    "type": "type",
    "km": "km",
    "time": "time",
    "pace": "pace /km",
    "cadence": "spm",
    "device": "device",
    "name": "name",
}
_NUMERIC = {"id", "km", "time", "pace", "cadence"}


def local_start(row: ActivityRow) -> datetime:
    """The activity's start in its own local time (UTC when the file had no offset)."""
    offset = row.utc_offset_s if row.utc_offset_s is not None else 0
    return row.start_time.astimezone(timezone(timedelta(seconds=offset)))


def _finite(v: float | None) -> float | None:
    return v if v is not None and math.isfinite(v) else None


@dataclass(frozen=True)
class ListQuery:
    """What the list shows: filters and order, as read from the query string."""

    date_from: date | None = None
    date_to: date | None = None
    sport: str | None = None
    run_type: str | None = None
    text: str | None = None
    sort: str = "date"
    order: str = "desc"

    @classmethod
    def parse(cls, qs: Mapping[str, Sequence[str]]) -> tuple[ListQuery, list[str]]:
        """Read the query string; bad values are dropped and explained in the returned list."""
        errors: list[str] = []

        def one(key: str) -> str | None:
            vals = qs.get(key)
            v = vals[-1].strip() if vals else ""
            return v or None

        def day(key: str) -> date | None:
            v = one(key)
            if v is None:
                return None
            try:
                return date.fromisoformat(v)
            except ValueError:
                errors.append(f"{key}={v!r} is not a date (use YYYY-MM-DD); ignored")
                return None

        sort = one("sort") or "date"
        if sort not in SORT_KEYS:
            errors.append(f"sort={sort!r} is not a column ({', '.join(SORT_KEYS)}); sorted by date")
            sort = "date"
        order = one("order") or ("desc" if sort == "date" else "asc")
        if order not in ("asc", "desc"):
            errors.append(f"order={order!r} must be asc or desc; ignored")
            order = "asc"
        run_type = one("type")
        if run_type is not None and run_type not in RUN_TYPES:
            errors.append(f"type={run_type!r} is not a run type ({', '.join(RUN_TYPES)}); ignored")
            run_type = None
        q = cls(
            date_from=day("from"),
            date_to=day("to"),
            sport=one("sport"),
            run_type=run_type,
            text=one("q"),
            sort=sort,
            order=order,
        )
        return q, errors

    def params(self, **changes: Any) -> dict[str, str]:
        """The query string parameters of this query (with ``changes``), defaults left out."""
        q = replace(self, **changes)
        out = {
            "from": q.date_from.isoformat() if q.date_from else "",
            "to": q.date_to.isoformat() if q.date_to else "",
            "sport": q.sport or "",
            "type": q.run_type or "",
            "q": q.text or "",
            "sort": q.sort if q.sort != "date" else "",
            "order": q.order if q.order != ("desc" if q.sort == "date" else "asc") else "",
        }
        return {k: v for k, v in out.items() if v}

    def href(self, **changes: Any) -> str:
        """A link to the list with this query (and ``changes``)."""
        p = self.params(**changes)
        return "/" + ("?" + urlencode(p) if p else "")

    def keep(self, row: ActivityRow, run_type: str | None) -> bool:
        """Whether a row passes the filters."""
        d = local_start(row).date()
        if self.date_from is not None and d < self.date_from:
            return False
        if self.date_to is not None and d > self.date_to:
            return False
        if self.sport is not None and row.sport != self.sport:
            return False
        if self.run_type is not None and run_type != self.run_type:
            return False
        if self.text is not None:
            needle = self.text.casefold()
            hay = f"{row.name or ''} {row.device} {row.source}".casefold()
            if needle not in hay:
                return False
        return True

    def apply(self, rows: Sequence[ActivityRow], types: Mapping[int, str]) -> list[ActivityRow]:
        """The rows that pass the filters, in the asked order (missing values last)."""
        kept = [r for r in rows if self.keep(r, types.get(r.id))]
        key = _sort_value(self.sort, types)
        present = [r for r in kept if key(r) is not None]
        missing = [r for r in kept if key(r) is None]
        present.sort(key=lambda r: (key(r), r.id), reverse=self.order == "desc")
        return present + missing


def _sort_value(sort: str, types: Mapping[int, str]) -> Callable[[ActivityRow], Any]:
    def pace(r: ActivityRow) -> float | None:
        v = _finite(r.avg_speed_mps)
        return 1000.0 / v if v and v > 0.1 and r.sport in _PACE_SPORTS else None

    getters: dict[str, Callable[[ActivityRow], Any]] = {
        "id": lambda r: r.id,
        "date": lambda r: r.start_time,
        "sport": lambda r: r.sport,
        "type": lambda r: types.get(r.id),
        "km": lambda r: _finite(r.distance_m),
        "time": lambda r: _finite(r.moving_time_s),
        "pace": pace,
        "cadence": lambda r: _finite(r.avg_cadence_spm),
        "device": lambda r: r.device.casefold() or None,
        "name": lambda r: (r.name or "").casefold() or None,
    }
    return getters[sort]


def _cell(key: str, text: str, *, title: str | None = None) -> str:
    cls = ' class="num"' if key in _NUMERIC else ""
    t = f' title="{escape(title)}"' if title else ""
    return f'<td data-col="{key}"{cls}{t}>{text}</td>'


def _row_html(r: ActivityRow, run_type: str | None, types_complete: bool) -> str:
    link = f"/activity/{r.id}"
    local = local_start(r)
    when = local.strftime("%Y-%m-%d %H:%M") + ("" if r.utc_offset_s is not None else " UTC")
    sport = r.sport + (f"/{r.sub_sport}" if r.sub_sport else "")
    if r.partial:
        sport += " (partial)"
    if r.sport != "running":
        kind = "-"
    elif run_type is not None:
        kind = run_type
    else:
        kind = "…" if not types_complete else "-"
    dist = _finite(r.distance_m)
    cad = _finite(r.avg_cadence_spm)
    pace = format_pace(r.avg_speed_mps) if r.sport in _PACE_SPORTS else "-"
    name = r.name or ""
    cells = [
        _cell("id", f'<a href="{link}">{r.id}</a>'),
        _cell("date", f'<a href="{link}">{escape(when)}</a>'),
        _cell("sport", escape(sport)),
        _cell("type", escape(kind)),
        _cell("km", f"{dist / 1000:.2f}" if dist is not None else "-"),
        _cell("time", escape(format_duration(r.moving_time_s))),
        _cell("pace", escape(pace)),
        _cell("cadence", f"{cad:.0f}" if cad is not None else "-"),
        _cell("device", escape(r.device)),
        _cell("name", f'<a href="{link}">{escape(name)}</a>' if name else ""),
    ]
    return f'<tr data-id="{r.id}">' + "".join(cells) + "</tr>"


def _option(value: str, label: str, selected: bool) -> str:
    sel = " selected" if selected else ""
    return f'<option value="{escape(value)}"{sel}>{escape(label)}</option>'


def filter_form(query: ListQuery, sports: Sequence[str]) -> str:
    """The GET form of the filters (works without script)."""
    sport_opts = _option("", "all sports", query.sport is None) + "".join(
        _option(s, s, s == query.sport) for s in sports
    )
    type_opts = _option("", "all types", query.run_type is None) + "".join(
        _option(t, t, t == query.run_type) for t in RUN_TYPES
    )
    hidden = "".join(
        f'<input type="hidden" name="{k}" value="{escape(v)}">'
        for k, v in query.params().items()
        if k in ("sort", "order")
    )
    f = query.date_from.isoformat() if query.date_from else ""
    t = query.date_to.isoformat() if query.date_to else ""
    return (
        '<form class="filters" method="get" action="/" role="search">'
        f'<label>from <input type="date" name="from" value="{f}"></label>'
        f'<label>to <input type="date" name="to" value="{t}"></label>'
        f'<label>sport <select name="sport">{sport_opts}</select></label>'
        f'<label>type <select name="type">{type_opts}</select></label>'
        f'<label>name <input type="search" name="q" value="{escape(query.text or "")}" '
        'placeholder="name or device"></label>'
        f"{hidden}"
        '<button type="submit">Filter</button> <a href="/">reset</a>'
        "</form>"
    )


def activity_table(
    rows: Sequence[ActivityRow],
    shown: Sequence[ActivityRow],
    types: Mapping[int, str],
    types_complete: bool,
    query: ListQuery,
) -> str:
    """The sortable table of ``shown`` (already filtered and ordered) with its summary line."""
    heads = []
    for key in SORT_KEYS:
        label = _HEADINGS[key]
        if key == query.sort:
            new_order = "asc" if query.order == "desc" else "desc"
            arrow = " ▼" if query.order == "desc" else " ▲"
            aria = ' aria-sort="descending"' if query.order == "desc" else ' aria-sort="ascending"'
        else:
            new_order = "desc" if key in ("date", "km", "time", "cadence") else "asc"
            arrow, aria = "", ""
        href = escape(query.href(sort=key, order=new_order))
        cls = ' class="num"' if key in _NUMERIC else ""
        heads.append(
            f'<th scope="col" data-col="{key}"{cls}{aria}><a href="{href}">'
            f"{escape(label)}{arrow}</a></th>"
        )
    km = sum(_finite(r.distance_m) or 0.0 for r in shown) / 1000.0
    secs = sum(_finite(r.moving_time_s) or 0.0 for r in shown)
    summary = (
        f'<p class="summary" id="list-summary">Showing <strong>{len(shown)}</strong> of '
        f"{len(rows)} activities · {km:.1f} km · {escape(format_duration(secs))} moving</p>"
    )
    note = ""
    if not types_complete:
        n_run = sum(1 for r in rows if r.sport == "running")
        note = (
            f'<p class="note" id="types-pending">Run types are still being worked out '
            f"({sum(1 for r in rows if r.id in types)} of {n_run} runs done)"
            + ("; the type filter covers those only." if query.run_type else ".")
            + ' <a href="">Reload</a> to update.</p>'
        )
    body = "".join(_row_html(r, types.get(r.id), types_complete) for r in shown)
    if not shown:
        body = (
            f'<tr class="empty"><td colspan="{len(SORT_KEYS)}">No activity matches these '
            'filters. <a href="/">Show all</a>.</td></tr>'
        )
    return (
        summary
        + note
        + '<div class="table-wrap"><table class="activities" id="activities">'
        + "<thead><tr>"
        + "".join(heads)
        + "</tr></thead><tbody>"
        + body
        + "</tbody></table></div>"
    )
