"""Unit conversions used at the parser boundary and when formatting for people.

All of runform works in SI units internally (see docs/glossary.md); pace exists
only when formatting for people.
"""

from __future__ import annotations

import math

SEMICIRCLE_TO_DEG = 180.0 / 2**31
"""FIT stores positions in semicircles: degrees = semicircles * 180 / 2^31 (FIT SDK profile)."""


def steps_per_min_from_fit(cadence: float | None, fractional: float | None = None) -> float | None:
    """Convert FIT running cadence (strides/min of one leg) to steps/min [spm].

    FIT ``record.cadence`` for running is rpm of one foot; steps/min = 2 x
    (cadence + fractional_cadence) (FIT SDK profile, ``record`` message).
    """
    if cadence is None:
        return None
    return 2.0 * (float(cadence) + float(fractional or 0.0))


def format_duration(seconds: float | None) -> str:
    """Format a duration [s] as ``h:mm:ss`` or ``m:ss``."""
    if seconds is None or not math.isfinite(seconds):
        return "-"
    s = round(seconds)
    h, rem = divmod(s, 3600)
    m, sec = divmod(rem, 60)
    return f"{h}:{m:02d}:{sec:02d}" if h else f"{m}:{sec:02d}"


def format_pace(speed_mps: float | None, unit_m: float = 1000.0) -> str:
    """Format a speed [m/s] as a pace ``m:ss`` per ``unit_m`` metres (default per km)."""
    if speed_mps is None or not math.isfinite(speed_mps) or speed_mps <= 0.1:
        return "-"
    return format_duration(unit_m / speed_mps)
