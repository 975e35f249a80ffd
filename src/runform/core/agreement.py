"""Agreement of runform's totals with the totals the device recorded (pure functions).

Every device writes its own summary (FIT ``session``/``lap`` messages, TCX
``<Lap>`` elements). These are independent truth for validation: runform
recomputes distance and timer time from the streams and timer events
(:func:`runform.core.summary.compute_totals`) and must agree with them. TCX
keeps no timer events; the reader derives them from the laps' own timer
times, so for TCX the timer check tests that derivation (and the record gaps
it puts the pauses in), not a guess from the records alone.

Average cadence is different: devices disagree about *what* to average. Some
count standing and walking seconds with cadence 0, some skip them, some
average only while the footpod reports speed, some store whole strides/min
only. To validate the cadence stream, this module recomputes the average
the way the device family does (:data:`DEVICE_FAMILIES`, each rule with the
corpus files that established it) and compares that with the device's number.
runform's own default average (:attr:`Totals.avg_cadence_spm`, zeros excluded)
is reported beside it and is not tuned per device.

Conventions
-----------
Weighting
    A record stands for the running-timer time *since the previous record*
    (backward hold). Garmin smart recording writes a record when the value
    has changed; the backward hold reproduces the device averages better than
    the forward hold (evidence: ``workoutizer/2020-08-31-17-41-11.fit``
    fr645m -0.3 vs -2.0 steps/min, ``python-fitparse/garmin-fenix-5-run.fit``
    -1.2 vs -6.2, ``heartandsole/activity.fit`` fr220 +0.9 vs -1.9).
Running timer
    From timer ``start``/``stop`` events: FIT files record them, the TCX reader
    derives them from the laps (a lap whose span exceeds its
    ``TotalTimeSeconds`` paused for the difference, put in its longest record
    gaps; :mod:`runform.io.tcx`); without events, gaps longer than
    :data:`~runform.core.summary.PAUSE_GAP_S` are pauses.
Whole strides
    FIT stores ``avg_running_cadence`` in whole strides/min plus an optional
    ``avg_fractional_cadence`` [1/128]; devices that leave the fraction out
    round or truncate the strides/min average, then runform doubles it.
TCX
    A TCX session average is the lap-timer-weighted mean of the laps' integer
    ``AvgRunCadence`` (:mod:`runform.io.tcx`), so the rule is applied lap by
    lap, each lap brought to whole strides, then weighted the same way.

References
----------
.. [1] Garmin FIT SDK, Profile.xlsx: ``session.avg_running_cadence``
   [strides/min], ``avg_fractional_cadence`` [1/128 strides/min],
   ``event.timer`` start/stop, ``record.cadence``.
.. [2] Garmin, "Training Center Database v2" schema, ``Lap/TotalTimeSeconds``
   and ActivityExtension v2 ``LX/AvgRunCadence``.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, replace
from typing import Any, Literal

import numpy as np
import pandas as pd

from runform.core.summary import PAUSE_GAP_S, Totals
from runform.schema import Activity, Device

__all__ = [
    "CADENCE_TOLERANCE_SPM",
    "DEFAULT_FAMILY",
    "DEVICE_FAMILIES",
    "DISTANCE_TOLERANCE_FRACTION",
    "RULES",
    "SAMPLE_MEAN_ALL",
    "SAMPLE_MEAN_NONZERO",
    "TIMER_TOLERANCE_S",
    "TIMER_WEIGHTED_INCLUDING_ZEROS",
    "TIME_WEIGHTED_MOVING_NONZERO",
    "TIME_WEIGHTED_NONZERO",
    "CadenceRule",
    "Check",
    "DeviceFamily",
    "average_cadence",
    "compare_with_device",
    "device_family",
    "device_style_avg_cadence",
    "has_device_totals",
    "running_periods",
    "sample_weights",
]

DISTANCE_TOLERANCE_FRACTION = 0.01
"""Allowed relative distance difference (1 %, from the validation requirement)."""

TIMER_TOLERANCE_S = 2.0
"""Allowed timer time difference [s] (from the validation requirement)."""

CADENCE_TOLERANCE_SPM = 2.0
"""Allowed average cadence difference [steps/min]: one stride/min, the resolution of
devices that store whole strides (from the validation requirement)."""

Weighting = Literal["backward", "forward", "sample"]
WholeStrides = Literal["none", "round", "floor"]


@dataclass(frozen=True)
class CadenceRule:
    """How a device turns its cadence samples into a session average.

    Attributes
    ----------
    name : str
        Identifier used in tables (``timer_weighted_including_zeros`` ...).
    include_zeros : bool
        Whether samples with cadence 0 (standing, some walking) count.
    moving_only : bool
        Only samples with recorded speed > 0 count (footpod-style devices).
    weighting : {"backward", "forward", "sample"}
        Each sample weighted by the running-timer time since the previous
        sample, until the next one, or every sample equally.
    whole_strides : {"none", "round", "floor"}
        Quantisation of the average to whole strides/min before doubling.
    """

    name: str
    include_zeros: bool
    moving_only: bool = False
    weighting: Weighting = "backward"
    whole_strides: WholeStrides = "none"

    def to_whole_strides(self, how: WholeStrides) -> CadenceRule:
        """The same rule with the average brought to whole strides/min (``round``/``floor``)."""
        suffix = "" if how == "none" else f"+{how}_whole_strides"
        return replace(self, name=self.name.split("+")[0] + suffix, whole_strides=how)


TIME_WEIGHTED_NONZERO = CadenceRule("time_weighted_nonzero", include_zeros=False)
"""Timer-weighted mean over samples with cadence > 0 (FIT SDK summary convention)."""

TIME_WEIGHTED_MOVING_NONZERO = CadenceRule(
    "time_weighted_moving_nonzero", include_zeros=False, moving_only=True
)
"""Timer-weighted mean over samples with cadence > 0 and speed > 0."""

TIMER_WEIGHTED_INCLUDING_ZEROS = CadenceRule("timer_weighted_including_zeros", include_zeros=True)
"""Timer-weighted mean over every sample, zeros included: total steps / timer time."""

SAMPLE_MEAN_NONZERO = CadenceRule("sample_mean_nonzero", include_zeros=False, weighting="sample")
"""Plain mean of the samples with cadence > 0 inside the running timer."""

SAMPLE_MEAN_ALL = CadenceRule("sample_mean_all", include_zeros=True, weighting="sample")
"""Plain mean of every sample inside the running timer, zeros included."""

RULES: tuple[CadenceRule, ...] = (
    TIME_WEIGHTED_NONZERO,
    TIME_WEIGHTED_MOVING_NONZERO,
    TIMER_WEIGHTED_INCLUDING_ZEROS,
    SAMPLE_MEAN_NONZERO,
    SAMPLE_MEAN_ALL,
)
"""The named averaging rules (each also exists with whole-stride quantisation)."""


@dataclass(frozen=True)
class DeviceFamily:
    """Devices that average cadence the same way, with the corpus evidence.

    ``manufacturer`` and ``products`` are normalised keys (see
    :func:`device_family`); ``products=()`` matches any product of the maker.
    """

    name: str
    manufacturer: str
    products: tuple[str, ...]
    rule: CadenceRule
    evidence: str


DEVICE_FAMILIES: tuple[DeviceFamily, ...] = (
    DeviceFamily(
        "Garmin, zeros counted (fractional cadence)",
        "garmin",
        (
            "fenix5",
            "fenix5_plus",
            "fenix6x",
            "fr220",
            "fr255",
            "fr620",
            "fr645m",
            "fr920xt",
            "fr955",
        ),
        TIMER_WEIGHTED_INCLUDING_ZEROS,
        "Zero-cadence seconds lower the device average. Laps within 2 steps/min, zeros counted "
        "vs skipped: fr920xt 13/13 vs 8/13, fr645m 10/10 vs 0/10, fr255 6/6 vs 4/6. Sessions: "
        "goldencheetah/Garmin920_withFirstbeat.fit +0.1 vs +3.5; workoutizer/2019-09-18-16-02-35.fit "
        "(fr645m) +0.6 vs +15.6; python-fitparse/garmin-fenix-5-run.fit -1.2 vs +4.9; "
        "heartandsole/activity.fit (FR220, 2/3 of the timer at cadence 0) +0.9 vs +83.6 "
        "(FR220 laps follow no rule: its lap step counts do not match its records). "
        "runpandas/run_garmin.tcx (FR620) -0.1. fr955, fenix6x and fenix5_plus recorded no "
        "zero cadence, so they agree under either rule and are listed with their lineage.",
    ),
    DeviceFamily(
        "Garmin fenix 2: zeros counted, whole strides truncated",
        "garmin",
        ("fenix2",),
        TIMER_WEIGHTED_INCLUDING_ZEROS.to_whole_strides("floor"),
        "python-fitparse/activity-small-fenix2-run.fit (no avg_fractional_cadence): last lap "
        "152.9 zeros counted vs 155.3 skipped, device 152; truncation matches the 4 laps and "
        "the session (5/5; lap 3: 169.1 -> 168), rounding 4/5.",
    ),
    DeviceFamily(
        "Garmin FR25/FR35: zeros skipped, whole strides rounded",
        "garmin",
        ("fr25", "fr35"),
        TIME_WEIGHTED_NONZERO.to_whole_strides("round"),
        "Seven FR35 sessions (FIT and TCX) within 0.7 with zeros skipped, down to -32 with "
        "zeros counted (heartandsole/garmin_3699122575.fit: 28 % of the timer at cadence 0, "
        "device 116, skipped 115.7, counted 83.5). FR35 laps: rounding exact 9/11, truncation "
        "5/11; sessions 3981100861 149.3 -> 150, runningmo_4386919092 171.4 -> 172. "
        "workoutizer/with_nones.fit (FR25): skipped 145.5 -> 146 = device, counted 139.5; "
        "laps within 2: rounding 13/14, truncation 10/14.",
    ),
    DeviceFamily(
        "Garmin FR70 with footpod: only while moving, whole strides rounded",
        "garmin",
        ("fr70",),
        TIME_WEIGHTED_MOVING_NONZERO.to_whole_strides("round"),
        "python-fitparse/compressed-speed-distance.fit (5-s records): moving only 175.4 -> 176 "
        "= device; the footpod's partial values while standing (speed 0) kept: 173.8; zeros "
        "counted: 164.1. Laps within 2: moving 9/11, zeros skipped 7/11.",
    ),
    DeviceFamily(
        "Apple Watch via HealthKit export ('development' FIT writer)",
        "development",
        (),
        TIMER_WEIGHTED_INCLUDING_ZEROS,
        "running-data-sync Watch5,1/Watch6,14: the session average is total_strides / timer "
        "time (6 files, within 0.1); recomputed from the records -0.01..+0.4 (the records never "
        "hold 0, so zeros do not decide anything).",
    ),
    DeviceFamily(
        "Stryd app: zeros skipped, unquantised",
        "stryd",
        (),
        TIME_WEIGHTED_NONZERO,
        "goldencheetah/HRV-Data.fit 152.4 vs 152 (laps: rounding exact 4/4); "
        "python-fitparse/developer-types-sample.fit 149.4 vs 148 (truncation). The two disagree "
        "on rounding, so the average is compared unquantised.",
    ),
    DeviceFamily(
        "Wahoo Fitness app: zeros skipped, unquantised",
        "wahoo_fitness",
        (),
        TIME_WEIGHTED_NONZERO,
        "heartandsole/2019-05-11-144658-UBERDROID6944-216-1.fit: 155.03 vs 154; 77.51 "
        "strides/min sits on the rounding boundary, so the rounding mode is not determined.",
    ),
    DeviceFamily(
        "IpBike: zeros skipped, whole strides rounded",
        "ifor_powell",
        (),
        TIME_WEIGHTED_NONZERO.to_whole_strides("round"),
        "goldencheetah/IpBike-HRV-Data.fit: 164.7 -> 164 = device; laps: rounding exact 7/10, "
        "truncation 5/10.",
    ),
    DeviceFamily(
        "Polar (TCX): zeros skipped",
        "polar",
        (),
        TIME_WEIGHTED_NONZERO,
        "sweatpy/3173437224.tcx (Polar M400, 26 % of the time at cadence 0): skipped 120.3 -> "
        "lap 120 = device, counted 88.6.",
    ),
)
"""Device family -> cadence averaging rule; the first family naming the device wins."""

DEFAULT_FAMILY = DeviceFamily(
    "unknown device: runform default",
    "",
    (),
    TIME_WEIGHTED_NONZERO,
    "No corpus evidence for this device: runform's default, the FIT SDK summary "
    "convention (zeros skipped).",
)
"""Rule for devices not in :data:`DEVICE_FAMILIES`."""


_TCX_MAKERS = ("garmin", "polar", "suunto", "coros", "wahoo")
"""Makers recognised at the start of a TCX ``Creator/Name``."""


def _device_key(device: Device) -> tuple[str, str]:
    """Normalised (manufacturer, product): FIT ``garmin``/``fr35``; TCX ``Forerunner 35`` alike.

    TCX names the device only in free text (``Garmin Forerunner 220``,
    ``Forerunner 410 Software Version 2.20``, ``Forerunner305 (Unit ID ...)``).
    """
    maker = (device.manufacturer or "").strip().lower()
    product = (device.product or "").strip().lower()
    if not maker:
        first = product.split(" ", 1)[0]
        if first in _TCX_MAKERS:
            maker = first
            product = product[len(first) :].strip()
        elif first.startswith("forerunner"):
            maker = "garmin"
    model = re.match(r"forerunner\s*(\d+\w*)", product)
    if model:
        product = "fr" + model.group(1)
    return maker, product


def device_family(device: Device) -> DeviceFamily:
    """The averaging family of a recording device (:data:`DEFAULT_FAMILY` when unknown)."""
    maker, product = _device_key(device)
    for fam in DEVICE_FAMILIES:
        if fam.manufacturer == maker and (not fam.products or product in fam.products):
            return fam
    return DEFAULT_FAMILY


# ----------------------------------------------------------------------------- timer


_STOPS = ("stop", "stop_all", "stop_disable", "stop_disable_all")


def _seconds_since(ts: Any, start: pd.Timestamp) -> float:
    return float((pd.Timestamp(ts) - start).total_seconds())


def _event_periods(activity: Activity, t_end: float) -> list[tuple[float, float]] | None:
    """Running-timer periods [s since start] from FIT timer events, or None without any."""
    ev = activity.events
    if ev.empty or "event" not in ev or "timestamp" not in ev:
        return None
    ev = ev[(ev["event"] == "timer") & ev["timestamp"].notna()]
    if ev.empty:
        return None
    start = pd.Timestamp(activity.start_time)
    ev = ev.sort_values("timestamp", kind="stable")
    periods: list[tuple[float, float]] = []
    since: float | None = 0.0 if ev["event_type"].iloc[0] in _STOPS else None
    for ts, kind in zip(ev["timestamp"], ev["event_type"], strict=True):
        x = _seconds_since(ts, start)
        if kind == "start" and since is None:
            since = x
        elif kind in _STOPS and since is not None:
            periods.append((since, x))
            since = None
    if since is not None and t_end > since:
        periods.append((since, t_end))
    return periods


def running_periods(activity: Activity) -> list[tuple[float, float]]:
    """Intervals [s since the activity start] during which the device's timer ran.

    From timer ``start``/``stop`` events (FIT files record them; the TCX reader
    derives them from the laps' ``TotalTimeSeconds``, see :mod:`runform.io.tcx`);
    without events, every record gap longer than
    :data:`~runform.core.summary.PAUSE_GAP_S` is a pause.
    """
    t = activity.streams["time"].to_numpy(dtype=float, na_value=np.nan)
    t = t[np.isfinite(t)]
    if t.size == 0:
        return []
    periods = _event_periods(activity, float(t[-1]))
    if periods is None:
        cuts = np.flatnonzero(np.diff(t) > PAUSE_GAP_S)
        begins = [float(t[0]), *t[cuts + 1].tolist()]
        ends = [*t[cuts].tolist(), float(t[-1])]
        periods = [(a, b) for a, b in zip(begins, ends, strict=True) if b > a]
    return periods


def _overlap(lo: np.ndarray, hi: np.ndarray, periods: list[tuple[float, float]]) -> np.ndarray:
    total = np.zeros(lo.size)
    for a, b in periods:
        total += np.clip(np.minimum(hi, b) - np.maximum(lo, a), 0.0, None)
    return total


def sample_weights(
    time: np.ndarray, periods: list[tuple[float, float]], weighting: Weighting
) -> np.ndarray:
    """Running-timer time [s] each sample stands for.

    Parameters
    ----------
    time : ndarray
        Sample times [s since start], increasing.
    periods : list of (float, float)
        Running-timer intervals [s] (:func:`running_periods`).
    weighting : {"backward", "forward", "sample"}
        ``backward``: time since the previous sample (the first sample gets 0);
        ``forward``: time until the next sample (the last gets 0); ``sample``:
        1 for a sample inside a running period, else 0.
    """
    t = np.asarray(time, dtype=float)
    if t.size == 0:
        return t
    if weighting == "sample":
        inside = np.zeros(t.size, dtype=bool)
        for a, b in periods:
            inside |= (t >= a) & (t <= b)
        return inside.astype(float)
    if weighting == "backward":
        prev = np.concatenate([[t[0]], t[:-1]])
        return _overlap(prev, t, periods)
    nxt = np.concatenate([t[1:], [t[-1]]])
    return _overlap(t, nxt, periods)


def _quantise(spm: float, how: WholeStrides) -> float:
    if how == "none":
        return spm
    strides = spm / 2.0
    whole = math.floor(strides + 0.5) if how == "round" else math.floor(strides)
    return 2.0 * whole


def average_cadence(
    cadence: np.ndarray,
    weights: np.ndarray,
    rule: CadenceRule,
    speed: np.ndarray | None = None,
) -> float | None:
    """Average cadence [steps/min] of samples under a rule (None when nothing counts).

    Parameters
    ----------
    cadence : ndarray
        Cadence samples [steps/min]; NaN where not recorded.
    weights : ndarray
        Weight of each sample [s] from :func:`sample_weights` with ``rule.weighting``.
    rule : CadenceRule
        Which samples count and how the result is quantised.
    speed : ndarray, optional
        Speed samples [m/s], needed by ``moving_only`` rules (NaN counts as moving).
    """
    c = np.asarray(cadence, dtype=float)
    w = np.asarray(weights, dtype=float)
    ok = np.isfinite(c) & (w > 0)
    if not rule.include_zeros:
        ok &= c > 0
    if rule.moving_only and speed is not None:
        v = np.asarray(speed, dtype=float)
        ok &= ~(np.isfinite(v) & (v <= 0))
    if not ok.any():
        return None
    mean = float(np.sum(c[ok] * w[ok]) / np.sum(w[ok]))
    return _quantise(mean, rule.whole_strides)


def _column(streams: pd.DataFrame, name: str) -> np.ndarray | None:
    if name not in streams:
        return None
    return streams[name].to_numpy(dtype=float, na_value=np.nan)


def device_style_avg_cadence(
    activity: Activity, rule: CadenceRule | None = None
) -> tuple[float | None, CadenceRule]:
    """The session average cadence [steps/min] recomputed the way the device does.

    Parameters
    ----------
    activity : Activity
        One session with a ``cadence`` stream.
    rule : CadenceRule, optional
        Override; by default the rule of :func:`device_family` of the device.

    Returns
    -------
    (value, rule)
        The recomputed average (None without cadence samples) and the rule used.
        For TCX files the rule runs per lap, each lap truncated to whole
        strides/min as Garmin's TCX export writes ``AvgRunCadence``
        (``heartandsole/activity.tcx`` laps 64, 34, 4, 100 are the truncated FIT
        laps 65.7, 35.4, 5.6, 102.0 of the same run), weighted by lap timer time
        as the TCX reader builds the session value.
    """
    chosen = rule if rule is not None else device_family(activity.device).rule
    streams = activity.streams
    cad = _column(streams, "cadence")
    t = _column(streams, "time")
    if cad is None or t is None or not np.isfinite(cad).any():
        return None, chosen
    speed = _column(streams, "speed")
    periods = running_periods(activity)
    w = sample_weights(t, periods, chosen.weighting)
    laps = activity.laps
    if (
        activity.source.format != "tcx"
        or laps.empty
        or "start_time" not in laps
        or laps["start_time"].isna().any()
    ):
        return average_cadence(cad, w, chosen, speed), chosen
    start = pd.Timestamp(activity.start_time)
    starts = [_seconds_since(s, start) for s in laps["start_time"]]
    timers = pd.to_numeric(laps["timer_time"], errors="coerce").to_numpy(dtype=float)
    bounds = [*starts[1:], math.inf]
    values: list[float] = []
    weights: list[float] = []
    for lo, hi, lap_timer in zip(starts, bounds, timers.tolist(), strict=True):
        # backward weighting: a sample belongs to the lap whose window holds its interval end
        m = (t > lo) & (t <= hi) if chosen.weighting == "backward" else (t >= lo) & (t < hi)
        v = average_cadence(cad[m], w[m], chosen, None if speed is None else speed[m])
        if v is not None and math.isfinite(lap_timer) and lap_timer > 0:
            values.append(_quantise(v, "floor"))
            weights.append(lap_timer)
    if not values:
        return average_cadence(cad, w, chosen, speed), chosen
    return float(np.average(values, weights=weights)), replace(
        chosen, name=f"{chosen.name}+per_tcx_lap_floored"
    )


# ----------------------------------------------------------------------------- checks


@dataclass(frozen=True)
class Check:
    """One metric of one session compared with the device.

    Attributes
    ----------
    metric : str
        ``distance``, ``timer_time`` or ``avg_cadence``.
    unit : str
        Unit of ``ours``/``device``: ``m``, ``s`` or ``steps/min``.
    ours, device : float or None
        runform's value (distance and timer from :func:`compute_totals`; cadence
        the device-style recomputation) and the value the device recorded.
    error : float or None
        What is held against the tolerance: ours - device in % of the device
        value (distance), in s (timer) or in steps/min (cadence).
    tolerance : float
        Allowed ``abs(error)``.
    passed : bool or None
        None when the metric cannot be checked (``reason`` says why).
    rule : str or None
        Cadence rule used for the recomputation.
    ours_default : float or None
        runform's own default average cadence (zeros skipped), for comparison.
    reason : str
        Why it failed or was not checked; empty when it passed.
    """

    metric: str
    unit: str
    ours: float | None
    device: float | None
    error: float | None
    tolerance: float
    passed: bool | None
    rule: str | None = None
    ours_default: float | None = None
    reason: str = ""


def _num(value: Any) -> float | None:
    if value is None or isinstance(value, bool):
        return None
    try:
        x = float(value)
    except (TypeError, ValueError):
        return None
    return x if math.isfinite(x) else None


def has_device_totals(activity: Activity) -> bool:
    """True for a running session whose file carries the device's own totals.

    FIT sessions and TCX laps are written by the device; GPX summaries are
    derived by runform (``distance_source`` says so) and do not count.
    """
    if not activity.is_running or activity.source.format not in ("fit", "tcx"):
        return False
    s = activity.summary
    return any(_num(s.get(k)) is not None for k in ("distance", "timer_time", "avg_cadence"))


def _damaged_reason(activity: Activity) -> str:
    note = activity.warnings[0] if activity.warnings else "file damaged"
    t = _column(activity.streams, "time")
    device_elapsed = _num(activity.summary.get("elapsed_time"))
    if t is None or not np.isfinite(t).any():
        return f"{note}; no timed records"
    t = t[np.isfinite(t)]
    limit = 1.5 * device_elapsed if device_elapsed is not None else math.inf
    inside = t[t <= limit]
    covered = float(inside.max()) if inside.size else 0.0
    text = f"{note}; records cover {covered:.0f} s"
    if device_elapsed is not None:
        text += f" of the session's {device_elapsed:.0f} s"
    beyond = int((t > limit).sum())
    if beyond:
        text += f", and {beyond} record(s) decoded from the damaged bytes lie {float(t.max()):.3g} s after the start"
    return text


def _timer_reason(activity: Activity, ours: float, device: float) -> str:
    if activity.partial:
        return _damaged_reason(activity)
    t = _column(activity.streams, "time")
    t_end = float(np.nanmax(t)) if t is not None and np.isfinite(t).any() else 0.0
    periods = _event_periods(activity, t_end)
    if periods is not None and activity.source.format == "tcx":
        return _tcx_timer_reason(activity, ours, device)
    elapsed = _num(activity.summary.get("elapsed_time"))
    if periods is not None:
        span = periods[-1][1] - periods[0][0] if periods else 0.0
        if elapsed is not None and span - elapsed > TIMER_TOLERANCE_S / 2:
            return (
                f"device total_elapsed_time {elapsed:.1f} s is {span - elapsed:.1f} s shorter "
                f"than its own first-start to last-stop timestamps ({span:.0f} s): the device "
                "clock stepped during the run, its timer did not"
            )
        return f"timer events give {ours:.1f} s, device {device:.1f} s"
    if t is not None:
        tt = t[np.isfinite(t)]
        gaps = np.diff(tt)
        gap_total = float(gaps[gaps > PAUSE_GAP_S].sum())
        return (
            f"no timer events in the {activity.source.format.upper()} file (nor lap start and "
            f"timer times to derive them from); record gaps > {PAUSE_GAP_S:.0f} s, which "
            f"runform takes as pauses, sum to {gap_total:.0f} s"
        )
    return f"ours {ours:.1f} s, device {device:.1f} s"


def _tcx_timer_reason(activity: Activity, ours: float, device: float) -> str:
    """Why the timer events the TCX reader derived from the laps miss the laps' timer sum.

    The events give each lap its ``TotalTimeSeconds`` unless that exceeds the lap's
    span (to the next lap's start; the last lap: to the last record), which no
    pause can give back.
    """
    head = f"timer events derived from the TCX laps give {ours:.1f} s, the laps {device:.1f} s"
    laps = activity.laps
    t = _column(activity.streams, "time")
    if laps.empty or t is None or not np.isfinite(t).any():
        return head
    start = pd.Timestamp(activity.start_time)
    starts = [_seconds_since(x, start) for x in laps["start_time"]]
    timers = pd.to_numeric(laps["timer_time"], errors="coerce").tolist()
    end = max(float(np.nanmax(t)), starts[-1] + timers[-1])
    over = [
        f"lap {i + 1} {timer:.1f} s in a {hi - lo:.1f}-s span"
        for i, (lo, hi, timer) in enumerate(zip(starts, [*starts[1:], end], timers, strict=True))
        if timer - (hi - lo) > TIMER_TOLERANCE_S / 2
    ]
    if not over:
        return head
    return f"{head}: TotalTimeSeconds longer than the lap lasts ({'; '.join(over)})"


def _cadence_reason(activity: Activity, ours: float | None, device: float, rule: str) -> str:
    if activity.partial:
        return _damaged_reason(activity)
    if ours is None:
        return "no cadence samples in the records to recompute from"
    t = _column(activity.streams, "time")
    cad = _column(activity.streams, "cadence")
    if t is not None and cad is not None:
        periods = running_periods(activity)
        keep = np.isfinite(cad) & np.isfinite(t)
        tt = t[keep]
        w = sample_weights(tt, periods, "backward")
        if w.size and float(w.max()) > 60.0:
            i = int(np.argmax(w))
            dist = _column(activity.streams, "distance")
            moved = ""
            if dist is not None:
                d = dist[keep]
                if np.isfinite(d[i]) and np.isfinite(d[i - 1]):
                    moved = f", {d[i] - d[i - 1]:.0f} m covered"
            return (
                f"{w[i]:.0f} s of running timer without a cadence sample "
                f"(t={tt[i - 1]:.0f}-{tt[i]:.0f} s{moved}); the device counted steps there"
            )
    return f"{rule} gives {ours:.1f}, device {device:.1f} steps/min"


def compare_with_device(activity: Activity, totals: Totals) -> list[Check]:
    """Compare runform's totals of one session with the device's own summary.

    Parameters
    ----------
    activity : Activity
        A session with device totals (:func:`has_device_totals`).
    totals : Totals
        runform's totals of it, from :func:`~runform.core.summary.compute_totals`.

    Returns
    -------
    list of Check
        One per metric the device recorded: ``distance`` (tolerance
        :data:`DISTANCE_TOLERANCE_FRACTION`), ``timer_time``
        (:data:`TIMER_TOLERANCE_S`) and ``avg_cadence``
        (:data:`CADENCE_TOLERANCE_SPM`, device-style recomputation, see
        :func:`device_style_avg_cadence`).
    """
    s = activity.summary
    checks: list[Check] = []

    dev_dist = _num(s.get("distance"))
    if dev_dist is not None:
        ours = totals.distance_m
        tol = 100.0 * DISTANCE_TOLERANCE_FRACTION
        if ours is None:
            checks.append(
                Check(
                    "distance",
                    "m",
                    None,
                    dev_dist,
                    None,
                    tol,
                    False,
                    reason=(
                        _damaged_reason(activity)
                        if activity.partial
                        else "no distance or position samples"
                    ),
                )
            )
        else:
            diff = ours - dev_dist
            err = 100.0 * diff / dev_dist if dev_dist > 0 else (0.0 if diff == 0 else math.inf)
            ok = abs(diff) <= DISTANCE_TOLERANCE_FRACTION * dev_dist
            reason = (
                ""
                if ok
                else (
                    _damaged_reason(activity)
                    if activity.partial
                    else f"ours {ours:.1f} m, device {dev_dist:.1f} m"
                )
            )
            checks.append(Check("distance", "m", ours, dev_dist, err, tol, ok, reason=reason))

    dev_timer = _num(s.get("timer_time"))
    if dev_timer is not None:
        ours = totals.timer_time_s
        if ours is None:
            checks.append(
                Check(
                    "timer_time",
                    "s",
                    None,
                    dev_timer,
                    None,
                    TIMER_TOLERANCE_S,
                    False,
                    reason="no timed samples",
                )
            )
        else:
            err = ours - dev_timer
            ok = abs(err) <= TIMER_TOLERANCE_S
            reason = "" if ok else _timer_reason(activity, ours, dev_timer)
            checks.append(
                Check("timer_time", "s", ours, dev_timer, err, TIMER_TOLERANCE_S, ok, reason=reason)
            )

    dev_cad = _num(s.get("avg_cadence"))
    if dev_cad is not None and dev_cad > 0:
        value, rule = device_style_avg_cadence(activity)
        if value is None:
            checks.append(
                Check(
                    "avg_cadence",
                    "steps/min",
                    None,
                    dev_cad,
                    None,
                    CADENCE_TOLERANCE_SPM,
                    None,
                    rule.name,
                    totals.avg_cadence_spm,
                    reason="no cadence samples in the records to recompute from",
                )
            )
        else:
            err = value - dev_cad
            ok = abs(err) <= CADENCE_TOLERANCE_SPM
            reason = "" if ok else _cadence_reason(activity, value, dev_cad, rule.name)
            checks.append(
                Check(
                    "avg_cadence",
                    "steps/min",
                    value,
                    dev_cad,
                    err,
                    CADENCE_TOLERANCE_SPM,
                    ok,
                    rule.name,
                    totals.avg_cadence_spm,
                    reason,
                )
            )
    return checks
