"""iCalendar (``.ics``, RFC 5545) export of a plan: one ``VEVENT`` per session.

Written by hand (no runtime dependency) following RFC 5545:

- content lines end in CRLF and are folded so no line is longer than 75 octets,
  never inside a UTF-8 sequence; a continuation line starts with one space
  (section 3.1);
- TEXT values escape backslash, semicolon and comma with a backslash and write a
  newline as ``\\n`` (section 3.3.11);
- ``VCALENDAR`` needs ``VERSION`` and ``PRODID``; each ``VEVENT`` needs ``UID`` and
  ``DTSTAMP`` (sections 3.6.1, 3.7.3, 3.7.4).

Events are all-day (``DTSTART;VALUE=DATE``, ``DTEND`` the next day, section 3.6.1:
DTEND is exclusive) unless a start time is given. Timed events are written in UTC
(``...Z``) after converting the runner's local wall time with the IANA time zone,
so no ``VTIMEZONE`` component is needed (section 3.3.5, form #2); without a time
zone they are floating local times (form #1), which calendars show at that wall
time wherever the runner is.

``UID`` is stable for a plan and a session slot: ``<plan key>-<YYYYMMDD>-<n>@runform``
with ``n`` the session's order on that day, so re-exporting an updated plan
updates the events a calendar already holds instead of duplicating them
(section 3.8.4.7). The plan key is the plan's ``id`` if it has one, else a hash of
its ``race_date`` (or last session date) and first session date.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Mapping
from datetime import UTC, date, datetime, timedelta
from datetime import time as dtime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from runform.errors import RunformError
from runform.plan.export_text import (
    PlanLike,
    Units,
    iter_sessions,
    plan_as_dict,
    session_date,
    session_description,
    session_title,
)

__all__ = ["escape_text", "fold_line", "plan_ics", "write_ics"]

PRODID = "-//runform//runform training plan//EN"
"""Product identifier (RFC 5545 section 3.7.3)."""

DEFAULT_DURATION_MIN = 60.0
"""Event length [min] for a timed session without ``duration_min``."""

_MAX_OCTETS = 75
"""Longest content line in octets, excluding CRLF (RFC 5545 section 3.1)."""


def escape_text(text: str) -> str:
    """Escape a TEXT value (RFC 5545 section 3.3.11): ``\\ ; ,`` and newlines.

    CR LF, CR and LF all become ``\\n``.
    """
    out = text.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,")
    return out.replace("\r\n", "\n").replace("\r", "\n").replace("\n", "\\n")


def fold_line(line: str) -> str:
    """Fold one content line to at most 75 octets per line (RFC 5545 section 3.1).

    Breaks fall between characters, never inside a multi-octet UTF-8 sequence; each
    continuation line starts with a single space, which counts towards its 75 octets.

    Parameters
    ----------
    line : str
        An unfolded content line without CRLF.

    Returns
    -------
    str
        The folded line, parts joined by CRLF + space, without a final CRLF.
    """
    parts: list[str] = []
    current: list[str] = []
    size = 0
    limit = _MAX_OCTETS
    for ch in line:
        n = len(ch.encode("utf-8"))
        if size + n > limit:
            parts.append("".join(current))
            current, size, limit = [], 0, _MAX_OCTETS - 1
        current.append(ch)
        size += n
    parts.append("".join(current))
    return "\r\n ".join(parts)


def _plan_key(plan: Mapping[str, Any]) -> str:
    own = plan.get("id") or plan.get("plan_id")
    if own is not None and str(own).strip():
        return "".join(c if c.isalnum() or c in "-._" else "-" for c in str(own).strip())
    dates = [session_date(s) for _w, s in iter_sessions(plan)]
    first = min(dates).isoformat() if dates else ""
    race = plan.get("race_date") or (max(dates).isoformat() if dates else "")
    return hashlib.sha256(f"{race}|{first}".encode()).hexdigest()[:16]


def _utc_stamp(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")


def _session_time(session: Mapping[str, Any], default: dtime | None) -> dtime | None:
    value = session.get("time")
    if value is None:
        return default
    if isinstance(value, dtime):
        return value
    try:
        return dtime.fromisoformat(str(value))
    except ValueError:
        raise RunformError(
            f"session {session.get('date', '?')}: time must be HH:MM, got {value!r}"
        ) from None


def plan_ics(
    plan: PlanLike,
    *,
    start: dtime | None = None,
    tz: str | None = None,
    units: Units = "metric",
    plan_id: str | None = None,
    calendar_name: str | None = None,
    dtstamp: datetime | None = None,
) -> str:
    """The plan as an iCalendar document, one ``VEVENT`` per session.

    Parameters
    ----------
    plan : mapping or Plan
        ``Plan.as_dict()`` shape (see :mod:`runform.plan.export_text`).
    start : datetime.time, optional
        Default start (local wall time) of every session, e.g. ``time(7, 0)``; a
        session's own ``time`` (``"HH:MM"``) wins. ``None`` and no session time
        gives an all-day event.
    tz : str, optional
        IANA time zone of the runner (``"Europe/Berlin"``); timed events are then
        written in UTC. ``None`` writes floating local times.
    units : {"metric", "imperial"}
        Units of distances and paces in titles and descriptions.
    plan_id : str, optional
        Stable key for the UIDs; default the plan's ``id`` or a hash of its dates.
    calendar_name : str, optional
        ``X-WR-CALNAME`` shown by calendar apps; default the plan's title.
    dtstamp : datetime, optional
        ``DTSTAMP`` of every event (aware); default now.

    Returns
    -------
    str
        The calendar, CRLF line ends, folded at 75 octets.

    Raises
    ------
    RunformError
        An unknown time zone, a bad session date/time or bad steps.
    """
    data = plan_as_dict(plan)
    zone: ZoneInfo | None = None
    if tz is not None:
        try:
            zone = ZoneInfo(tz)
        except (ZoneInfoNotFoundError, ValueError):
            raise RunformError(
                f"unknown time zone {tz!r}; give an IANA name such as Europe/Berlin"
            ) from None
    key = plan_id or _plan_key(data)
    stamp = _utc_stamp(dtstamp or datetime.now(UTC))
    title = data.get("title") or data.get("name") or "Training plan"
    lines = [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        f"PRODID:{PRODID}",
        "CALSCALE:GREGORIAN",
        "METHOD:PUBLISH",
        f"X-WR-CALNAME:{escape_text(str(calendar_name or title))}",
    ]
    per_day: dict[date, int] = {}
    for week, session in iter_sessions(data):
        day = session_date(session)
        per_day[day] = per_day.get(day, 0) + 1
        lines.append("BEGIN:VEVENT")
        lines.append(f"UID:{key}-{day:%Y%m%d}-{per_day[day]}@runform")
        lines.append(f"DTSTAMP:{stamp}")
        at = _session_time(session, start)
        if at is None:
            lines.append(f"DTSTART;VALUE=DATE:{day:%Y%m%d}")
            lines.append(f"DTEND;VALUE=DATE:{day + timedelta(days=1):%Y%m%d}")
            lines.append("TRANSP:TRANSPARENT")
        else:
            dur = session.get("duration_min")
            minutes = (
                float(dur)
                if isinstance(dur, (int, float)) and not isinstance(dur, bool) and dur > 0
                else DEFAULT_DURATION_MIN
            )
            local = datetime.combine(day, at.replace(tzinfo=None))
            end = local + timedelta(minutes=minutes)
            if zone is None:
                lines.append(f"DTSTART:{local:%Y%m%dT%H%M%S}")
                lines.append(f"DTEND:{end:%Y%m%dT%H%M%S}")
            else:
                lines.append(f"DTSTART:{_utc_stamp(local.replace(tzinfo=zone))}")
                lines.append(f"DTEND:{_utc_stamp(end.replace(tzinfo=zone))}")
        lines.append(f"SUMMARY:{escape_text(session_title(session, units))}")
        lines.append(f"DESCRIPTION:{escape_text(session_description(session, week, units))}")
        kind = session.get("type")
        if kind:
            lines.append(f"CATEGORIES:{escape_text(str(kind))}")
        lines.append("END:VEVENT")
    lines.append("END:VCALENDAR")
    return "".join(fold_line(line) + "\r\n" for line in lines)


def write_ics(plan: PlanLike, path: str | os.PathLike[str], **options: Any) -> int:
    """Write :func:`plan_ics` to ``path`` as UTF-8 with CRLF line ends.

    Parameters
    ----------
    plan : mapping or Plan
        ``Plan.as_dict()`` shape.
    path : path
        Output ``.ics`` file [-].
    **options
        Keyword options of :func:`plan_ics`.

    Returns
    -------
    int
        Bytes written [B].
    """
    data = plan_ics(plan, **options).encode("utf-8")
    Path(path).write_bytes(data)
    return len(data)
