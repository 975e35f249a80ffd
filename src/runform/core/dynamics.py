"""Running dynamics against Garmin's published bands and the runner's own baseline.

Tip 1 of the seed (posture and bounce, made measurable): contact time, left/right
contact-time balance, vertical oscillation, vertical ratio, step length, and
Stryd's form power and leg spring stiffness when the file has them, each as a
run average, placed in Garmin's colour band (:func:`garmin_band`, exactly as
published, see ``shared/reference/vectors.md``) and compared with the runner's
own baseline. :func:`asymmetry_trend` flags a left/right imbalance that grows as
the run goes on (fatigue).

Garmin's bands (percentiles of Garmin users, chest-strap sensors)
-----------------------------------------------------------------

=================  ==========  ==========  ===========  ===========  =========
band (percentile)  cadence     contact     vertical     vertical     balance
                   [spm]       time [ms]   osc. [cm]    ratio [%]    [% side]
=================  ==========  ==========  ===========  ===========  =========
purple (> 95)      > 183       < 218       < 6.4        < 6.1
blue (70-95)       174-183     218-248     6.4-8.1      6.1-7.4
green (30-69)      164-173     249-277     8.2-9.7      7.5-8.6      <= 50.7
orange (5-29)      153-163     278-308     9.8-11.5     8.7-10.1     50.8-52.2
red (< 5)          < 153       > 308       > 11.5       > 10.1       > 52.2
=================  ==========  ==========  ===========  ===========  =========

The published ranges are written at a resolution (whole steps/min, whole ms,
0.1 cm, 0.1 %) and leave gaps between them (173 | 174). A value is therefore
rounded half up to the table's resolution, as a watch displays it, and then
falls in exactly one range: 173.4 spm is green, 173.5 spm is blue. Balance is
banded on the larger side's share (49.0 % left = 51.0 % right: orange).

References
----------
.. [1] Garmin. "Running Dynamics" colour gauges and percentiles, as tabulated in
   ``shared/reference/vectors.md`` (Garmin owner's manuals, chest-strap sensors).
.. [2] Stryd developer fields ``Form Power`` [W] and ``Leg Spring Stiffness``
   [kN/m], as the Stryd app writes them into FIT files.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal, overload

import numpy as np
import numpy.typing as npt
import pandas as pd

from runform.core.jsonsafe import nan_to_none
from runform.core.summary import PAUSE_GAP_S
from runform.errors import UsageError

__all__ = [
    "ASYMMETRY_GROWTH_PP",
    "BAND_PERCENTILES",
    "GARMIN_BANDS",
    "METRICS",
    "RUNNING_CADENCE_SPM",
    "AsymmetryTrend",
    "BandTable",
    "DynamicsResult",
    "MetricSummary",
    "asymmetry_trend",
    "garmin_band",
    "gct_asymmetry",
    "running_dynamics",
]

FloatArray = npt.NDArray[np.float64]
Band = Literal["purple", "blue", "green", "orange", "red"]

BAND_PERCENTILES: dict[str, str] = {
    "purple": "> 95",
    "blue": "70-95",
    "green": "30-69",
    "orange": "5-29",
    "red": "< 5",
}
"""Percentile of Garmin users each colour stands for (vectors.md)."""


@dataclass(frozen=True)
class BandTable:
    """One metric's published bands.

    Attributes
    ----------
    metric : str
        Canonical stream name (``cadence``, ``ground_contact_time`` ...).
    table_unit : str
        Unit the table is written in (``spm``, ``ms``, ``cm``, ``%``).
    to_table : float
        Factor from the canonical SI unit to ``table_unit`` (s -> ms: 1000).
    resolution : float
        Step the table is written at, in ``table_unit`` (1 or 0.1).
    ranges : tuple of (band, lo, hi)
        Inclusive ranges in ``table_unit``; None is an open end.
    """

    metric: str
    table_unit: str
    to_table: float
    resolution: float
    ranges: tuple[tuple[Band, float | None, float | None], ...]

    def band_of_steps(self, steps: int) -> Band | None:
        """Band of a value given as a whole number of ``resolution`` steps."""
        for band, lo, hi in self.ranges:
            lo_s = None if lo is None else round(lo / self.resolution)
            hi_s = None if hi is None else round(hi / self.resolution)
            if (lo_s is None or steps >= lo_s) and (hi_s is None or steps <= hi_s):
                return band
        return None


GARMIN_BANDS: dict[str, BandTable] = {
    "cadence": BandTable(
        "cadence",
        "spm",
        1.0,
        1.0,
        (
            ("purple", 184.0, None),
            ("blue", 174.0, 183.0),
            ("green", 164.0, 173.0),
            ("orange", 153.0, 163.0),
            ("red", None, 152.0),
        ),
    ),
    "ground_contact_time": BandTable(
        "ground_contact_time",
        "ms",
        1000.0,
        1.0,
        (
            ("purple", None, 217.0),
            ("blue", 218.0, 248.0),
            ("green", 249.0, 277.0),
            ("orange", 278.0, 308.0),
            ("red", 309.0, None),
        ),
    ),
    "vertical_oscillation": BandTable(
        "vertical_oscillation",
        "cm",
        100.0,
        0.1,
        (
            ("purple", None, 6.3),
            ("blue", 6.4, 8.1),
            ("green", 8.2, 9.7),
            ("orange", 9.8, 11.5),
            ("red", 11.6, None),
        ),
    ),
    "vertical_ratio": BandTable(
        "vertical_ratio",
        "%",
        1.0,
        0.1,
        (
            ("purple", None, 6.0),
            ("blue", 6.1, 7.4),
            ("green", 7.5, 8.6),
            ("orange", 8.7, 10.1),
            ("red", 10.2, None),
        ),
    ),
    "gct_balance": BandTable(
        "gct_balance",
        "% (larger side)",
        1.0,
        0.1,
        (
            ("green", None, 50.7),
            ("orange", 50.8, 52.2),
            ("red", 52.3, None),
        ),
    ),
}
"""Garmin's published bands (vectors.md), written as inclusive ranges at the table's
resolution: '> 183' is 184 and up, '< 218' is 217 and down, '> 11.5' is 11.6 and up."""

METRICS: dict[str, tuple[str, str]] = {
    "cadence": ("cadence", "steps/min"),
    "ground_contact_time": ("ground_contact_time", "s"),
    "gct_balance": ("gct_balance", "% left"),
    "vertical_oscillation": ("vertical_oscillation", "m"),
    "vertical_ratio": ("vertical_ratio", "%"),
    "step_length": ("step_length", "m"),
    "form_power": ("dev_Form Power", "W"),
    "leg_spring_stiffness": ("dev_Leg Spring Stiffness", "kN/m"),
}
"""Summarised metric -> (stream column, unit). Stryd's developer fields keep Stryd's names
and units (W, kN/m)."""

RUNNING_CADENCE_SPM = 140.0
"""Samples at lower cadence are walking or standing and are left out of the averages
(walking is 100-130 steps/min, Tudor-Locke et al. 2018, doi:10.1136/bjsports-2017-097628)."""

ASYMMETRY_GROWTH_PP = 0.5
"""Growth [percentage points] of |balance - 50| from the early to the late window that
flags fatigue asymmetry: most of the width of Garmin's green band (0.7 pp either side of
50 %), so a runner who starts balanced ends at its edge or beyond."""

EARLY_WINDOW = (0.10, 0.30)
"""Early window as fractions of the running time: after a warm-up, before fatigue."""

LATE_WINDOW = (0.80, 1.00)
"""Late window as fractions of the running time (the last fifth)."""

MIN_TREND_S = 1800.0
"""Shortest running time [s] for an asymmetry trend (fatigue needs time to show)."""


# ----------------------------------------------------------------------------- bands


def _steps(values: FloatArray, table: BandTable, balance: bool) -> npt.NDArray[np.int64]:
    x = values * table.to_table / table.resolution
    k = np.floor(np.where(np.isfinite(x), x, 0.0) + 0.5 + 1e-9).astype(np.int64)
    if balance:
        total = round(100.0 / table.resolution)
        k = np.maximum(k, total - k)
    return k


@overload
def garmin_band(metric: str, value: float) -> str | None: ...
@overload
def garmin_band(metric: str, value: FloatArray) -> npt.NDArray[np.object_]: ...
@overload
def garmin_band(metric: str, value: pd.Series) -> pd.Series: ...
def garmin_band(
    metric: str, value: float | FloatArray | pd.Series
) -> str | npt.NDArray[np.object_] | pd.Series | None:
    """Garmin's colour band of a running-dynamics value.

    Parameters
    ----------
    metric : {"cadence", "ground_contact_time", "vertical_oscillation", "vertical_ratio", "gct_balance"}
        Canonical stream name.
    value : float, ndarray or Series
        The value in runform's units: cadence [steps/min], ground contact time
        [s], vertical oscillation [m], vertical ratio [%], GCT balance [% left].

    Returns
    -------
    str or None, ndarray or Series
        ``purple``, ``blue``, ``green``, ``orange`` or ``red`` (balance: ``green``,
        ``orange``, ``red``); None where the value is NaN. Same kind as ``value``
        (an object array of the same shape; a Series with the same index).

    Notes
    -----
    The value is converted to the table's unit, rounded half up to the table's
    resolution (1 spm, 1 ms, 0.1 cm, 0.1 %) and looked up in the inclusive
    ranges of :data:`GARMIN_BANDS`. For balance the larger side's share
    :math:`\\max(b, 100 - b)` is banded.
    """
    table = GARMIN_BANDS.get(metric)
    if table is None:
        raise UsageError(f"no Garmin band for {metric!r}: use one of {sorted(GARMIN_BANDS)}")
    arr = np.asarray(value, dtype=float)
    flat = np.atleast_1d(arr).ravel()
    steps = _steps(flat, table, metric == "gct_balance")
    out = np.empty(flat.size, dtype=object)
    for i, (v, k) in enumerate(zip(flat.tolist(), steps.tolist(), strict=True)):
        out[i] = table.band_of_steps(int(k)) if math.isfinite(v) else None
    if isinstance(value, pd.Series):
        return pd.Series(out, index=value.index, name=value.name, dtype=object)
    if isinstance(value, np.ndarray):
        return out.reshape(arr.shape)
    result = out[0]
    return None if result is None else str(result)


@overload
def gct_asymmetry(balance: float) -> float: ...
@overload
def gct_asymmetry(balance: FloatArray) -> FloatArray: ...
@overload
def gct_asymmetry(balance: pd.Series) -> pd.Series: ...
def gct_asymmetry(balance: float | FloatArray | pd.Series) -> float | FloatArray | pd.Series:
    """Left/right contact-time asymmetry.

    Parameters
    ----------
    balance : float, ndarray or Series
        GCT balance [% left]: the left foot's share of the ground contact time.

    Returns
    -------
    float, ndarray or Series
        :math:`|b - 50|` [percentage points], the same kind as ``balance``; 0 is
        perfectly symmetric, 2.2 the edge of Garmin's orange band.
    """
    if isinstance(balance, pd.Series):
        return (balance - 50.0).abs()
    if isinstance(balance, np.ndarray):
        return np.abs(np.asarray(balance, dtype=float) - 50.0)
    return abs(float(balance) - 50.0)


# ----------------------------------------------------------------------------- summaries


@dataclass(frozen=True)
class MetricSummary:
    """One metric of one run.

    Attributes
    ----------
    metric : str
        Name (:data:`METRICS`).
    unit : str
        Unit of ``value``, ``baseline`` and ``delta``.
    value : float
        Time-weighted mean over running samples.
    band : str or None
        Garmin band of ``value`` (None for metrics without a published band).
    baseline : float or None
        The runner's own typical value, as passed in.
    delta : float or None
        ``value - baseline`` [unit].
    delta_pct : float or None
        ``delta / baseline`` [%].
    """

    metric: str
    unit: str
    value: float
    band: str | None
    baseline: float | None
    delta: float | None
    delta_pct: float | None

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready dict (NaN becomes None)."""
        return nan_to_none(self.__dict__)


@dataclass(frozen=True)
class AsymmetryTrend:
    """Contact-time asymmetry early and late in a run.

    Attributes
    ----------
    early_pp, late_pp : float
        :math:`|\\bar b - 50|` [percentage points] over the early and late windows.
    growth_pp : float
        ``late_pp - early_pp`` [percentage points].
    flagged : bool
        ``growth_pp`` exceeds the threshold.
    threshold_pp : float
        The threshold used [percentage points].
    early_s, late_s : tuple of float
        The windows [s since the activity start].
    """

    early_pp: float
    late_pp: float
    growth_pp: float
    flagged: bool
    threshold_pp: float
    early_s: tuple[float, float]
    late_s: tuple[float, float]

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready dict."""
        d = dict(self.__dict__)
        d["early_s"] = list(self.early_s)
        d["late_s"] = list(self.late_s)
        return d


@dataclass(frozen=True)
class DynamicsResult:
    """Running dynamics of one run.

    Attributes
    ----------
    metrics : dict of str to MetricSummary
        Every metric the run has (:data:`METRICS` order), plus ``gct_asymmetry``
        [percentage points] when balance is recorded.
    asymmetry : AsymmetryTrend or None
        Early vs late asymmetry (None without balance or under :data:`MIN_TREND_S`).
    """

    metrics: dict[str, MetricSummary]
    asymmetry: AsymmetryTrend | None

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready dict."""
        return {
            "metrics": {k: m.as_dict() for k, m in self.metrics.items()},
            "asymmetry": None if self.asymmetry is None else self.asymmetry.as_dict(),
        }


def _col(streams: pd.DataFrame, name: str) -> FloatArray | None:
    if name not in streams:
        return None
    values = streams[name].to_numpy(dtype=float, na_value=np.nan)
    return values if np.isfinite(values).any() else None


def _weights(streams: pd.DataFrame) -> tuple[FloatArray, FloatArray]:
    """Sample times [s] and weights [s]: time since the previous sample, capped at a pause."""
    if "time" not in streams:
        raise UsageError("streams need a 'time' column [s since the activity start]")
    t = streams["time"].to_numpy(dtype=float, na_value=np.nan)
    dt = np.diff(t, prepend=t[0] - 1.0 if t.size and np.isfinite(t[0]) else np.nan)
    w = np.where(np.isfinite(dt) & (dt > 0) & (dt <= PAUSE_GAP_S), dt, 0.0)
    if w.size:
        w[0] = 1.0 if np.isfinite(t[0]) else 0.0
    return t, w


def _running(streams: pd.DataFrame) -> FloatArray:
    cad = _col(streams, "cadence")
    n = len(streams)
    if cad is None:
        return np.ones(n)
    return (np.isfinite(cad) & (cad >= RUNNING_CADENCE_SPM)).astype(float)


def _mean(values: FloatArray, weights: FloatArray) -> float:
    ok = np.isfinite(values) & (values > 0) & (weights > 0)
    if not ok.any():
        return math.nan
    return float(np.sum(values[ok] * weights[ok]) / np.sum(weights[ok]))


def asymmetry_trend(
    streams: pd.DataFrame,
    *,
    threshold_pp: float = ASYMMETRY_GROWTH_PP,
    early: tuple[float, float] = EARLY_WINDOW,
    late: tuple[float, float] = LATE_WINDOW,
    min_running_s: float = MIN_TREND_S,
) -> AsymmetryTrend | None:
    """Does left/right contact-time asymmetry grow through the run?

    Parameters
    ----------
    streams : DataFrame
        Canonical streams: ``time`` [s], ``gct_balance`` [% left], ``cadence``
        [steps/min] (walking samples, under :data:`RUNNING_CADENCE_SPM`, are left out).
    threshold_pp : float
        Growth [percentage points] that flags (default :data:`ASYMMETRY_GROWTH_PP`).
    early, late : tuple of float
        Windows as fractions of the running time (default :data:`EARLY_WINDOW`,
        :data:`LATE_WINDOW`).
    min_running_s : float
        Shortest running time [s] to judge (default :data:`MIN_TREND_S`).

    Returns
    -------
    AsymmetryTrend or None
        None without balance samples or with less running time.

    Notes
    -----
    Asymmetry of a window is :math:`|\\bar b - 50|`, the deviation of the
    window's time-weighted mean balance (what a watch shows for a lap), not the
    mean of per-sample deviations, which step-to-step noise would inflate.
    """
    bal = _col(streams, "gct_balance")
    if bal is None:
        return None
    t, w = _weights(streams)
    w = w * _running(streams) * (np.isfinite(bal) & (bal > 0))
    total = float(w.sum())
    if total < min_running_s:
        return None
    cum = np.cumsum(w)

    def window(frac: tuple[float, float]) -> tuple[float, tuple[float, float]]:
        m = (cum > frac[0] * total) & (cum <= frac[1] * total) & (w > 0)
        mean = float(np.sum(bal[m] * w[m]) / np.sum(w[m])) if m.any() else math.nan
        times = t[m]
        span = (float(times[0]), float(times[-1])) if times.size else (math.nan, math.nan)
        return abs(mean - 50.0), span

    e, e_span = window(early)
    lt, l_span = window(late)
    growth = lt - e
    return AsymmetryTrend(e, lt, growth, bool(growth > threshold_pp), threshold_pp, e_span, l_span)


def running_dynamics(
    streams: pd.DataFrame,
    baseline: Mapping[str, float] | None = None,
    *,
    asymmetry_threshold_pp: float = ASYMMETRY_GROWTH_PP,
) -> DynamicsResult:
    """Run averages of the running dynamics, with Garmin band and personal baseline.

    Parameters
    ----------
    streams : DataFrame
        Canonical streams: ``time`` [s] and any of ``cadence`` [steps/min],
        ``ground_contact_time`` [s], ``gct_balance`` [% left],
        ``vertical_oscillation`` [m], ``vertical_ratio`` [%], ``step_length``
        [m] (else speed x 60 / cadence from ``speed`` [m/s]), ``dev_Form Power``
        [W], ``dev_Leg Spring Stiffness`` [kN/m].
    baseline : mapping of str to float, optional
        The runner's own typical value per metric (keys of :data:`METRICS` and
        ``gct_asymmetry``), in the same units.
    asymmetry_threshold_pp : float
        Passed to :func:`asymmetry_trend`.

    Returns
    -------
    DynamicsResult
        Time-weighted means over running samples (cadence >=
        :data:`RUNNING_CADENCE_SPM`, values > 0), each with its Garmin band
        (cadence, contact time, vertical oscillation, vertical ratio, balance)
        and its difference from ``baseline``.
    """
    base = dict(baseline or {})
    unknown = set(base) - set(METRICS) - {"gct_asymmetry"}
    if unknown:
        raise UsageError(
            f"unknown baseline metric(s) {sorted(unknown)}: use {sorted([*METRICS, 'gct_asymmetry'])}"
        )
    _, w = _weights(streams)
    w = w * _running(streams)
    out: dict[str, MetricSummary] = {}

    def add(name: str, unit: str, value: float, band_metric: str | None) -> None:
        if not math.isfinite(value):
            return
        band = garmin_band(band_metric, value) if band_metric else None
        b = base.get(name)
        delta = value - b if b is not None else None
        pct = 100.0 * delta / b if delta is not None and b else None
        out[name] = MetricSummary(name, unit, value, band, b, delta, pct)

    for name, (column, unit) in METRICS.items():
        values = _col(streams, column)
        if values is None and name == "step_length":
            speed, cad = _col(streams, "speed"), _col(streams, "cadence")
            if speed is not None and cad is not None:
                with np.errstate(invalid="ignore", divide="ignore"):
                    values = speed * 60.0 / cad
        if values is None:
            continue
        add(name, unit, _mean(values, w), name if name in GARMIN_BANDS else None)
        if name == "gct_balance" and "gct_balance" in out:
            add("gct_asymmetry", "pp", gct_asymmetry(out["gct_balance"].value), None)
    trend = asymmetry_trend(streams, threshold_pp=asymmetry_threshold_pp)
    return DynamicsResult(out, trend)
