"""Formatting numbers for people (pace, distance, durations, dates); pace only here.

Reuses :mod:`runform.units` for pace and durations.
"""

from __future__ import annotations

import math
from datetime import date, datetime

from runform.units import format_duration, format_pace

__all__ = ["day_number", "day_of", "dur", "goal", "is_num", "km", "pace", "week_label"]

EPOCH = date(1970, 1, 1)


def is_num(v: object) -> bool:
    """A finite int or float (not bool)."""
    return isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v)


def pace(speed_mps: float | None) -> str:
    """``m:ss /km`` of a speed [m/s], ``-`` when unknown."""
    if not is_num(speed_mps):
        return "-"
    p = format_pace(float(speed_mps))  # type: ignore[arg-type]
    return "-" if p == "-" else f"{p} /km"


def km(metres: float | None, digits: int = 2) -> str:
    """``12.34 km`` of a distance [m]."""
    if not is_num(metres):
        return "-"
    return f"{float(metres) / 1000.0:.{digits}f} km"  # type: ignore[arg-type]


def dur(seconds: float | None) -> str:
    """``h:mm:ss`` / ``m:ss`` of a duration [s]."""
    if not is_num(seconds):
        return "-"
    return format_duration(float(seconds))  # type: ignore[arg-type]


def goal(value: object) -> str:
    """A plan's goal as ``3:10:39 (4:31 /km)``: ``{"time_s", "pace_s_per_km"}`` [s, s/km].

    A goal given as plain text is shown as it is; nothing usable gives ``-``.
    """
    if isinstance(value, str):
        return value.strip() or "-"
    if is_num(value):
        return dur(float(value))  # type: ignore[arg-type]
    if not isinstance(value, dict) or not is_num(value.get("time_s")):
        return "-"
    out = dur(value["time_s"])
    per_km = value.get("pace_s_per_km")
    return f"{out} ({dur(per_km)} /km)" if is_num(per_km) else out


def day_number(d: date | datetime | str) -> float:
    """Days since 1970-01-01 (the x value of date axes; the hover script reads it back)."""
    if isinstance(d, str):
        d = date.fromisoformat(d[:10])
    if isinstance(d, datetime):
        d = d.date()
    return float((d - EPOCH).days)


def day_of(n: float) -> date:
    """Inverse of :func:`day_number`."""
    return date.fromordinal(EPOCH.toordinal() + round(n))


def week_label(iso_week: str) -> str:
    """``2026-W36`` -> ``W36``."""
    return iso_week.split("-")[-1] if "-W" in iso_week else iso_week
