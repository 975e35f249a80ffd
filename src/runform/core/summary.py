"""Activity totals recomputed from the sample streams (pure functions).

runform shows its own totals, computed the same way for every device, and
keeps the device's own summary beside them for validation. The rules:

* **distance** [m]: the last recorded cumulative distance minus the first
  (devices start at 0; some chained files restart, so the maximum is used when
  the stream is not monotone); without a distance stream, the haversine path
  length over fixes that are not GPS spikes.
* **elapsed time** [s]: last sample time minus activity start.
* **timer time** [s]: time between FIT timer ``start`` and ``stop``/``stop_all``
  events (what the watch's timer showed); without timer events, elapsed time
  minus gaps longer than :data:`PAUSE_GAP_S` (auto-pause shows as a gap).
* **moving time** [s]: the sum of sample intervals (each capped at
  :data:`PAUSE_GAP_S`) in which speed is at least :data:`MOVING_SPEED_MPS`.
* **average cadence** [steps/min]: mean over samples with cadence > 0, each
  sample weighted by its interval (capped at :data:`PAUSE_GAP_S`), so
  smart-recording's irregular sampling does not bias it and standing still
  (cadence 0) does not drag it down, as the Garmin FIT SDK's summary
  calculation excludes zero cadence.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

PAUSE_GAP_S = 10.0
"""Gap between samples [s] treated as a pause. Garmin smart recording writes a sample
at most every ~7-8 s while moving, so longer gaps mean the timer was paused."""

MOVING_SPEED_MPS = 0.5
"""Speed [m/s] below which a runner counts as stopped (1.8 km/h, slower than any walk)."""


@dataclass(frozen=True)
class Totals:
    """Totals of one activity, in SI units (None when the stream is missing)."""

    distance_m: float | None
    elapsed_time_s: float | None
    timer_time_s: float | None
    moving_time_s: float | None
    avg_speed_mps: float | None
    avg_cadence_spm: float | None
    avg_heart_rate_bpm: float | None
    max_heart_rate_bpm: float | None
    total_ascent_m: float | None


def _intervals(time: np.ndarray) -> np.ndarray:
    """Interval [s] each sample stands for: the time to the next sample, capped at PAUSE_GAP_S."""
    if time.size == 0:
        return time
    dt = np.diff(time, append=time[-1] + 1.0)
    return np.clip(dt, 0.0, PAUSE_GAP_S)


def weighted_mean(values: np.ndarray, weights: np.ndarray) -> float | None:
    """Weighted mean over finite values with positive weight (None if none)."""
    ok = np.isfinite(values) & (weights > 0)
    if not ok.any():
        return None
    return float(np.sum(values[ok] * weights[ok]) / np.sum(weights[ok]))


_STOPS = ("stop", "stop_all", "stop_disable", "stop_disable_all")


def timer_time_from_events(
    events: pd.DataFrame, start: pd.Timestamp | None, end: pd.Timestamp | None
) -> float | None:
    """Timer time [s] from FIT timer start/stop events, or None without timer events.

    When the first timer event is a stop (a multisport leg whose timer was started
    in an earlier session), the timer counts from ``start``.
    """
    if events.empty or "event" not in events:
        return None
    names = events["event"].to_numpy(dtype=object)
    is_timer = names == "timer"
    if not is_timer.any():
        return None
    stamps = pd.DatetimeIndex(pd.to_datetime(events["timestamp"][is_timer], utc=True))
    ns = stamps.as_unit("ns").asi8  # [ns since the epoch]; NaT is the minimum int64
    kinds = events["event_type"].to_numpy(dtype=object)[is_timer] if "event_type" in events else None
    ok = ~np.asarray(stamps.isna(), dtype=bool)
    if not ok.any():
        return None
    order = np.argsort(ns[ok], kind="stable")
    # Plain integers for the walk: far cheaper than Timestamp objects.
    times = ns[ok][order].tolist()
    types = kinds[ok][order].tolist() if kinds is not None else [None] * len(times)
    total_ns = 0
    since: int | None = None
    if types[0] in _STOPS and start is not None:
        since = pd.Timestamp(start).value
    for ts, et in zip(times, types, strict=True):
        if et == "start":
            if since is None:
                since = ts
        elif et in _STOPS and since is not None:
            total_ns += max(ts - since, 0)
            since = None
    total = total_ns / 1e9
    if since is not None and end is not None and pd.Timestamp(end).value > since:
        total += (pd.Timestamp(end).value - since) / 1e9
    return total


def ascent_m(altitude: np.ndarray, hysteresis_m: float = 3.0) -> float | None:
    """Total ascent [m] with a hysteresis filter against barometer/GPS noise.

    A climb starts once altitude rises ``hysteresis_m`` above the last low point
    and ends once it falls ``hysteresis_m`` below the last high point; every metre
    gained in between counts (3 m follows barometric altimeter resolution).
    """
    alt = altitude[np.isfinite(altitude)]
    if alt.size < 2:
        return None
    total = 0.0
    ref = float(alt[0])  # last turning point (trough when descending, top when climbing)
    climbing = False
    for a in alt[1:].tolist():
        if climbing:
            if a > ref:
                total += a - ref
                ref = a
            elif ref - a >= hysteresis_m:
                climbing, ref = False, a
        elif a < ref:
            ref = a
        elif a - ref >= hysteresis_m:
            climbing = True
            total += a - ref
            ref = a
    return total


EARTH_RADIUS_M = 6_371_008.8
"""Mean Earth radius [m] (IUGG mean radius R1)."""


def path_length_m(streams: pd.DataFrame) -> float | None:
    """Length [m] of the GPS path (haversine between fixes), GPS spikes left out."""
    df = streams
    if "gps_spike" in df:
        df = df[~df["gps_spike"].fillna(False).astype(bool)]
    lat = np.radians(df["latitude"].to_numpy(dtype=float, na_value=np.nan))
    lon = np.radians(df["longitude"].to_numpy(dtype=float, na_value=np.nan))
    ok = np.isfinite(lat) & np.isfinite(lon)
    lat, lon = lat[ok], lon[ok]
    if lat.size < 2:
        return None
    a = (
        np.sin(np.diff(lat) / 2) ** 2
        + np.cos(lat[:-1]) * np.cos(lat[1:]) * np.sin(np.diff(lon) / 2) ** 2
    )
    return float(np.sum(2 * EARTH_RADIUS_M * np.arcsin(np.sqrt(np.clip(a, 0.0, 1.0)))))


def compute_totals(streams: pd.DataFrame, events: pd.DataFrame) -> Totals:
    """Totals of an activity from its canonical streams and events.

    Parameters
    ----------
    streams : DataFrame
        Canonical streams (``time`` [s], ``distance`` [m], ``speed`` [m/s],
        ``cadence`` [steps/min], ``heart_rate`` [bpm], ``altitude`` [m]).
    events : DataFrame
        Canonical events (``timestamp``, ``event``, ``event_type``).
    """
    if streams.empty:
        return Totals(None, None, None, None, None, None, None, None, None)
    t = streams["time"].to_numpy(dtype=float)
    elapsed = float(t[-1] - min(0.0, t[0])) if t.size else None
    w = _intervals(t)

    def arr(name: str) -> np.ndarray:
        if name in streams:
            return streams[name].to_numpy(dtype=float, na_value=np.nan)
        return np.full(t.size, np.nan)

    dist = arr("distance")
    finite = dist[np.isfinite(dist)]
    distance: float | None = None
    if finite.size:
        monotone = bool(np.all(np.diff(finite) >= -1.0))
        distance = float(finite[-1] - finite[0]) if monotone else float(finite.max() - finite[0])
        distance = max(distance, 0.0)
    elif "latitude" in streams and "longitude" in streams:
        distance = path_length_m(streams)
    start = streams["timestamp"].iloc[0] if "timestamp" in streams else None
    end = streams["timestamp"].iloc[-1] if "timestamp" in streams else None
    timer = timer_time_from_events(events, start, end)
    if timer is None and elapsed is not None:
        gaps = np.diff(t)
        timer = elapsed - float(np.sum(gaps[gaps > PAUSE_GAP_S]))
    speed = arr("speed")
    if not np.isfinite(speed).any() and np.isfinite(dist).any():
        with np.errstate(invalid="ignore", divide="ignore"):
            speed = np.gradient(dist, t) if t.size > 1 else speed
    moving = float(np.sum(w[np.nan_to_num(speed, nan=0.0) >= MOVING_SPEED_MPS]))
    avg_speed = distance / moving if distance and moving > 0 else None
    cad = arr("cadence")
    cad_ok = np.where(cad > 0, cad, np.nan)
    hr = arr("heart_rate")
    hr_ok = np.where(hr > 0, hr, np.nan)
    max_hr = float(np.nanmax(hr_ok)) if np.isfinite(hr_ok).any() else None
    return Totals(
        distance_m=distance,
        elapsed_time_s=elapsed,
        timer_time_s=timer,
        moving_time_s=min(moving, elapsed or moving) if np.isfinite(speed).any() else None,
        avg_speed_mps=avg_speed,
        avg_cadence_spm=weighted_mean(cad_ok, w),
        avg_heart_rate_bpm=weighted_mean(hr_ok, w),
        max_heart_rate_bpm=max_hr,
        total_ascent_m=ascent_m(arr("altitude")),
    )
