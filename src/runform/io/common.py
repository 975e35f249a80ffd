"""Shared helpers for every reader: sport names, stream clean-up, GPS spikes.

Readers build a raw stream frame (canonical column names, SI units) and pass
it through :func:`finalize_streams`, which orders samples in time, drops
duplicated or backwards timestamps (with a warning), computes ``time`` and
flags GPS spikes without changing the raw positions.
"""

from __future__ import annotations

import hashlib
import math
from typing import Any

import numpy as np
import pandas as pd

from runform.schema import STREAMS

EARTH_RADIUS_M = 6_371_008.8
"""Mean Earth radius [m] (IUGG mean radius R1), used by :func:`haversine_m`."""

GPS_SPIKE_SPEED_MPS = 12.5
"""Implied speed [m/s] above which a position jump is flagged as a GPS spike when
running (12.5 m/s = 45 km/h, above any human running speed; the 100 m world
record averages 10.4 m/s)."""

GPS_SPIKE_SPEED_OTHER_MPS = 45.0
"""Implied speed [m/s] above which a jump is flagged for other sports (162 km/h)."""

FOOT_SPORTS = frozenset({"running", "walking", "hiking"})
"""Sports whose cadence is counted in steps (FIT/TCX/GPX record strides/min of one leg)."""

_SPORT_ALIASES: dict[str, str] = {
    "running": "running",
    "run": "running",
    "trail_running": "running",
    "treadmill": "running",
    "9": "running",  # Strava GPX <type>9</type> is Run
    "biking": "cycling",
    "cycling": "cycling",
    "ride": "cycling",
    "bike": "cycling",
    "1": "cycling",  # Strava GPX <type>1</type> is Ride
    "walking": "walking",
    "walk": "walking",
    "10": "walking",  # Strava GPX <type>10</type> is Walk
    "hiking": "hiking",
    "hike": "hiking",
    "swimming": "swimming",
    "swim": "swimming",
    "other": "generic",
    "generic": "generic",
}


def sha256_hex(data: bytes) -> str:
    """SHA-256 of ``data`` as lower-case hex."""
    return hashlib.sha256(data).hexdigest()


def normalize_sport(label: str | None) -> str:
    """Map a sport label from any format to runform's FIT-based vocabulary.

    Unknown labels are lower-cased and returned as they are; ``None`` or an
    empty label gives ``generic``.
    """
    if not label:
        return "generic"
    key = label.strip().lower().replace(" ", "_")
    return _SPORT_ALIASES.get(key, key)


def haversine_m(
    lat1: np.ndarray, lon1: np.ndarray, lat2: np.ndarray, lon2: np.ndarray
) -> np.ndarray:
    """Great-circle distance [m] between points given in degrees (haversine formula)."""
    p1, p2 = np.radians(lat1), np.radians(lat2)
    dphi = p2 - p1
    dlmb = np.radians(lon2) - np.radians(lon1)
    a = np.sin(dphi / 2) ** 2 + np.cos(p1) * np.cos(p2) * np.sin(dlmb / 2) ** 2
    return np.asarray(2 * EARTH_RADIUS_M * np.arcsin(np.sqrt(np.clip(a, 0.0, 1.0))), dtype=float)


def flag_gps_spikes(streams: pd.DataFrame, sport: str) -> pd.Series:
    """Flag samples whose position jump from the last good fix implies an impossible speed.

    A sample is a spike when the distance from the previous *non-spike* fix,
    divided by the elapsed time (at least 1 s), exceeds
    :data:`GPS_SPIKE_SPEED_MPS` (running) or :data:`GPS_SPIKE_SPEED_OTHER_MPS`.
    Raw positions are never changed. Returns a boolean Series aligned to ``streams``.
    """
    n = len(streams)
    if n < 2 or "latitude" not in streams or "longitude" not in streams:
        return pd.Series(np.zeros(n, dtype=bool), index=streams.index, name="gps_spike")
    flags = gps_spike_flags(
        streams["latitude"].to_numpy(dtype=float, na_value=np.nan),
        streams["longitude"].to_numpy(dtype=float, na_value=np.nan),
        streams["time"].to_numpy(dtype=float, na_value=np.nan),
        sport,
    )
    return pd.Series(flags, index=streams.index, name="gps_spike")


def gps_spike_flags(lat: np.ndarray, lon: np.ndarray, t: np.ndarray, sport: str) -> np.ndarray:
    """:func:`flag_gps_spikes` on plain arrays: latitude, longitude [deg], time [s]."""
    n = len(t)
    flags = np.zeros(n, dtype=bool)
    limit = GPS_SPIKE_SPEED_MPS if sport == "running" else GPS_SPIKE_SPEED_OTHER_MPS
    valid = np.flatnonzero(np.isfinite(lat) & np.isfinite(lon) & np.isfinite(t))
    if valid.size < 2:
        return flags
    # Fast path: compare consecutive valid fixes; only walk the (rare) suspects.
    d = haversine_m(lat[valid[:-1]], lon[valid[:-1]], lat[valid[1:]], lon[valid[1:]])
    dt = np.maximum(np.diff(t[valid]), 1.0)
    if not np.any(d / dt > limit):
        return flags
    # Walk the fixes in plain floats (fast in CPython), comparing each with the last good fix.
    # Until the first suspect pair every fix is good and is its successor's last good fix,
    # and once a fix after a spike is accepted the walk agrees with the consecutive check
    # again: so only the stretches from a suspect pair to the next accepted fix are walked.
    la, lo, tt = np.radians(lat).tolist(), np.radians(lon).tolist(), t.tolist()
    order = valid.tolist()
    suspects = np.flatnonzero(d / dt > limit).tolist()  # pair k is (order[k], order[k + 1])
    resume = 0  # positions in ``order`` before this are settled
    for k in suspects:
        if k < resume:
            continue
        last = order[k]
        j = k + 1
        while j < len(order):
            i = order[j]
            a = (
                math.sin((la[i] - la[last]) / 2) ** 2
                + math.cos(la[last]) * math.cos(la[i]) * math.sin((lo[i] - lo[last]) / 2) ** 2
            )
            dist = 2 * EARTH_RADIUS_M * math.asin(math.sqrt(min(max(a, 0.0), 1.0)))
            if dist / max(tt[i] - tt[last], 1.0) > limit:
                flags[i] = True
                j += 1
            else:
                break  # order[j] is good: from here the consecutive check holds again
        resume = j
    return flags


def finalize_columns(
    cols: dict[str, Any], start_time: pd.Timestamp | None, sport: str
) -> tuple[pd.DataFrame, list[str]]:
    """:func:`finalize_streams` for a reader that has its samples as columns (arrays).

    In the common case (every timestamp present and strictly increasing) the frame is
    built once, in its final column order, with ``time`` and ``gps_spike`` computed on
    the arrays; anything else goes through :func:`finalize_streams`, which handles
    missing, backwards and repeated timestamps. The result is the same either way.
    """
    ts = cols.get("timestamp")
    if ts is None:
        return finalize_streams(pd.DataFrame(cols), start_time, sport)
    idx = pd.DatetimeIndex(ts)
    ns = idx.as_unit("ns").asi8
    if (
        idx.tz is None
        or ns.size == 0
        or idx.hasnans
        or (ns.size > 1 and not bool((ns[1:] > ns[:-1]).all()))
    ):
        return finalize_streams(pd.DataFrame(cols), start_time, sport)
    t0 = start_time if start_time is not None else idx[0]
    time = (idx - t0).total_seconds().to_numpy(dtype=np.float64)
    out: dict[str, Any] = {"timestamp": idx, "time": time}
    lat, lon = cols.get("latitude"), cols.get("longitude")
    if lat is not None and lon is not None and ns.size >= 2:
        spikes = gps_spike_flags(
            np.asarray(lat, dtype=np.float64), np.asarray(lon, dtype=np.float64), time, sport
        )
    else:
        spikes = np.zeros(ns.size, dtype=bool)
    warnings: list[str] = []
    n_spikes = int(spikes.sum())
    if n_spikes:
        warnings.append(f"{n_spikes} GPS fixes flagged as spikes (raw positions kept)")
    merged = {**cols, **out, "gps_spike": spikes}
    ordered = [c for c in STREAMS if c in merged]
    extra = sorted(c for c in merged if c not in STREAMS)
    frame = pd.DataFrame({c: merged[c] for c in ordered + extra})
    return frame, warnings


def finalize_streams(
    raw: pd.DataFrame, start_time: pd.Timestamp | None, sport: str
) -> tuple[pd.DataFrame, list[str]]:
    """Order samples in time, drop duplicate/backwards timestamps, add ``time`` and ``gps_spike``.

    Parameters
    ----------
    raw : DataFrame
        Canonical columns with a timezone-aware ``timestamp`` column; not modified.
    start_time : Timestamp or None
        Activity start [UTC]; ``time`` is measured from it (first sample if None).
    sport : str
        Canonical sport, for the GPS spike threshold.

    Returns
    -------
    streams, warnings
        The cleaned frame (a new object) and human-readable warnings.
    """
    warnings: list[str] = []
    df = raw.copy()
    if df.empty or "timestamp" not in df:
        out = df.reindex(columns=[c for c in STREAMS if c in df.columns or c == "time"])
        return out.reset_index(drop=True), warnings
    df = df[df["timestamp"].notna()]
    ts = df["timestamp"]
    backwards = int((ts.diff().dt.total_seconds() < 0).sum())
    if backwards:
        warnings.append(f"{backwards} samples had timestamps going backwards; kept in time order")
        df = df.sort_values("timestamp", kind="stable")
    dup = df["timestamp"].duplicated(keep="first")
    n_dup = int(dup.sum())
    if n_dup:
        # Some writers split one sample over several records with the same timestamp
        # (position in one, distance in the next): merge them, first value per field wins.
        warnings.append(
            f"{n_dup} samples repeated an earlier timestamp; merged into one (first value kept)"
        )
        df = df.groupby("timestamp", sort=False, as_index=False).first()
    df = df.reset_index(drop=True)
    t0 = start_time if start_time is not None else df["timestamp"].iloc[0]
    df["time"] = (df["timestamp"] - t0).dt.total_seconds()
    df["gps_spike"] = flag_gps_spikes(df, sport)
    n_spikes = int(df["gps_spike"].sum())
    if n_spikes:
        warnings.append(f"{n_spikes} GPS fixes flagged as spikes (raw positions kept)")
    ordered = [c for c in STREAMS if c in df.columns]
    extra = sorted(c for c in df.columns if c not in STREAMS)
    return df[ordered + extra], warnings
