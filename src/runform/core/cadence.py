"""The runner's own cadence for a given pace (pure functions).

Cadence rises with speed, about 6-7 steps/min per m/s in experienced runners
(shared/reference/vectors.md: de Ruiter et al. 2020; Burns et al. 2016), so
"your cadence is 164" means nothing without the pace. This module fits a
personal line

.. math::

    c(v) = a + b\\,v

(cadence [steps/min] against speed [m/s]) to the runner's steady, near-flat
running (near-flat, speed as run, see :func:`steady_samples`), and uses it for cadence and step length at any pace, the trend of the
line across weeks, and cadence targets as a percentage over the runner's own
baseline (Heiderscheit et al. 2011 [1]_), never a fixed 180.

The pieces:

* :func:`steady_mask` / :func:`steady_samples`: the samples fit for the model
  (running, not walking or stopped, after the warm-up, near-flat, no
  accelerations such as strides), averaged over a minute;
* :meth:`SteadySamples.to_bins` / :class:`CadenceBins`: one activity reduced to
  the median cadence in 0.1 m/s speed bins, the unit of storage and of the
  fast refit over a thousand activities;
* :func:`fit_cadence_model` -> :class:`CadenceModel`: a robust (Huber) line;
* :func:`cadence_at`, :func:`step_length_at`, :func:`cadence_targets`;
* :func:`cadence_trend`: the line per week with a common slope, read at a
  reference speed ("at 5:00/km you now run 171 steps/min, up from 166");
* :func:`activity_cadence`: one activity against the personal model.

References
----------
.. [1] Heiderscheit, B. C., Chumanov, E. S., Michalski, M. P., Wille, C. M., &
   Ryan, M. B. (2011). Effects of step rate manipulation on joint mechanics
   during running. Medicine & Science in Sports & Exercise, 43(2), 296-302.
   https://doi.org/10.1249/MSS.0b013e3181ebedf4
.. [2] Huber, P. J. (1964). Robust estimation of a location parameter. The
   Annals of Mathematical Statistics, 35(1), 73-101.
   https://doi.org/10.1214/aoms/1177703732
.. [3] Holland, P. W., & Welsch, R. E. (1977). Robust regression using
   iteratively reweighted least-squares. Communications in Statistics -
   Theory and Methods, 6(9), 813-827. https://doi.org/10.1080/03610927708827533
.. [4] Minetti, A. E. et al. (2002). Energy cost of walking and running at
   extreme uphill and downhill slopes. Journal of Applied Physiology, 93(3),
   1039-1046. https://doi.org/10.1152/japplphysiol.01177.2001
.. [5] Padulo, J., Annino, G., Migliaccio, G. M., D'Ottavio, S., & Tihanyi, J.
   (2012). Kinematics of running at different slopes and speeds. Journal of
   Strength and Conditioning Research, 26(5), 1331-1339.
   https://doi.org/10.1519/JSC.0b013e318231aafa
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any, Literal, overload

import numpy as np
import numpy.typing as npt
import pandas as pd

from runform.core.grade import GradeModel, grade_adjusted_speed
from runform.core.signal import (
    PAUSE_GAP_S,
    WALK_SPEED_MPS,
    CleanStreams,
    clean_streams,
)
from runform.errors import RunformError, UsageError

__all__ = [
    "HEIDERSCHEIT_INCREASES",
    "MIN_SPEED_INFORMATION",
    "PRIOR_SLOPE_SPM_PER_MPS",
    "ActivityCadence",
    "CadenceBins",
    "CadenceModel",
    "CadenceTarget",
    "CadenceTrend",
    "NotEnoughDataError",
    "PeriodCadence",
    "SteadySamples",
    "activity_cadence",
    "cadence_at",
    "cadence_targets",
    "cadence_trend",
    "fit_cadence_model",
    "steady_mask",
    "steady_samples",
    "step_length_at",
]

FloatArray = npt.NDArray[np.float64]
BoolArray = npt.NDArray[np.bool_]
IntArray = npt.NDArray[np.int64]
SpeedBasis = Literal["actual", "grade_adjusted"]

WARMUP_S = 300.0
"""Moving time [s] left out at the start: cadence settles during the first minutes."""

MAX_ABS_GRADE = 0.02
"""Largest |grade| [fraction] of a "near-flat" sample (2 %: Minetti's cost differs from the
flat by at most 11 %, and the stride barely changes)."""

MAX_SURGE = 0.12
"""Largest departure [fraction] of the 15 s speed (distance over time) from the mean speed
of the surrounding minute in steady running. A stride (easy pace to 5K pace and back in
15-20 s) lifts the 15 s speed 25-50 % above the minute's mean, an interval start more;
rolling terrain (grades up to 2-3 %) moves it 5-10 %, and 1.5 m of GPS position jitter
about 3 % (one standard deviation at 3 m/s)."""

SURGE_MARGIN_S = 15.0
"""Time [s] left out either side of a surge (the rest of a stride, the settling after an
interval starts)."""

AVERAGE_S = 61.0
"""Window [s] over which speed and cadence of a steady sample are averaged, speed as distance
over time. Noise in the speed flattens a fitted slope (regression dilution); over a minute, a
GPS position error of a few metres is a few cm/s, while the pace changes that teach the slope
(terrain, tempo parts) remain. Measured on the synthetic block with speed and distance taken
from its GPS track (1.5 m jitter): slope -31 % with 21 s means of speed, -6 % with 61 s of
distance."""

MIN_CADENCE_SPM = 130.0
"""Lowest plausible running cadence [steps/min]; lower values are walking or sensor dropouts."""

MAX_CADENCE_SPM = 240.0
"""Highest plausible distance-running cadence [steps/min]; higher values are sensor errors."""

BIN_WIDTH_MPS = 0.1
"""Width [m/s] of the speed bins of :class:`CadenceBins` (6 s/km at 5:00/km)."""

MIN_BIN_S = 10.0
"""Fewest steady seconds [s] for a speed bin to be kept."""

MIN_SPEED_INFORMATION = 15.0
"""Least speed information [s (m/s)^2], the sum over binned seconds of the squared speed
deviation from the activity's own mean, from which a slope is fitted; below it the slope is
:data:`PRIOR_SLOPE_SPM_PER_MPS` and only the level is fitted. 15 is 30 min of steady running
spread evenly over 0.3 m/s (~10 % of easy pace): single synthetic easy runs at that
spread (terrain only) give slopes within ~10 % of the planted one. The slope's standard
error falls as one over its square root, and activities at one steady pace add nothing."""

PRIOR_SLOPE_SPM_PER_MPS = 6.5
"""Slope [steps/min per m/s] used when the data span too little of a speed range: the middle of
the 6-7 steps/min per m/s of experienced runners (shared/reference/vectors.md, de Ruiter et
al. 2020; Burns et al. 2016)."""

HUBER_C = 1.345
"""Huber's tuning constant [scale units]: 95 % efficiency at the normal distribution (Huber 1964)."""

HEIDERSCHEIT_INCREASES: tuple[float, ...] = (0.05, 0.075, 0.10)
"""Step-rate increases [fraction] over the preferred cadence: +5 % and +10 % reduced knee
(and at +10 % hip) loading at the same speed in Heiderscheit et al. (2011) [1]_; +7.5 % is
the midpoint."""


class NotEnoughDataError(RunformError):
    """Too little steady running to fit or use a cadence model."""


# --------------------------------------------------------------------------- selection


def _clean(streams: pd.DataFrame | CleanStreams) -> CleanStreams:
    return streams if isinstance(streams, CleanStreams) else clean_streams(streams)


def _window_sum(x: FloatArray, half: int) -> FloatArray:
    """Sum of ``x`` over the centred window of ``2*half+1`` samples (truncated at the ends)."""
    n = x.size
    c = np.concatenate(([0.0], np.cumsum(x)))
    i = np.arange(n)
    return c[np.minimum(i + half + 1, n)] - c[np.maximum(i - half, 0)]


def _centred_mean(x: FloatArray, half: int) -> FloatArray:
    """Centred mean over ``2*half+1`` samples, truncated at the ends (x must be finite)."""
    counts = _window_sum(np.ones(x.size), half)
    return _window_sum(x, half) / counts


def steady_mask(
    clean: CleanStreams,
    *,
    warmup_s: float = WARMUP_S,
    max_abs_grade: float = MAX_ABS_GRADE,
    max_surge: float = MAX_SURGE,
    surge_margin_s: float = SURGE_MARGIN_S,
    average_s: float = AVERAGE_S,
    min_speed_mps: float = WALK_SPEED_MPS,
    min_cadence_spm: float = MIN_CADENCE_SPM,
    max_cadence_spm: float = MAX_CADENCE_SPM,
) -> BoolArray:
    r"""Which samples are steady, near-flat running.

    Parameters
    ----------
    clean : CleanStreams
        The activity's cleaned 1 Hz signals (:func:`runform.core.signal.clean_streams`).
    warmup_s : float, default 300 s
        Moving time [s] left out at the start.
    max_abs_grade : float, default 0.02
        Largest |grade| [fraction]. When the activity has no altitude and no
        recorded grade (treadmill), every sample is taken as flat.
    max_surge : float, default 0.12
        Largest departure [fraction] of the 15 s speed from the minute's mean
        speed (see :data:`MAX_SURGE`).
    surge_margin_s : float, default 15 s
        Time [s] left out either side of a larger departure.
    average_s : float, default 61 s
        Every sample of the centred window of this length [s] must qualify
        too, so that averages over it are clean (1 for per-sample use).
    min_speed_mps : float, default 1.8 m/s
        Slowest running [m/s] (smoothed speed).
    min_cadence_spm, max_cadence_spm : float, default 130 and 240 steps/min
        Plausible running cadence [steps/min] (not checked without a cadence
        stream: the mask then serves speed-only uses such as decoupling).

    Returns
    -------
    ndarray of bool
        Aligned with ``clean.frame``.

    Notes
    -----
    A sample qualifies when it is moving and not walking
    (:func:`runform.core.signal.walking_mask`), its cadence is plausible, its
    smoothed speed is at least ``min_speed_mps``, its moving time is past
    ``warmup_s``, its |grade| is at most ``max_abs_grade``, it is not a GPS
    spike, and no sample within ``surge_margin_s`` is a *surge*:

    .. math::

        \left| v_{15}(t) - \bar v_{61}(t) \right| > s_\mathrm{max}\,\bar v_{61}(t),
        \qquad v_{15}(t) = \frac{d(t+7) - d(t-7)}{14\,\mathrm{s}}

    with :math:`d` the distance, :math:`\bar v_{61}` the centred 61 s mean of
    :math:`v_{15}` and :math:`s_\mathrm{max}` = ``max_surge``. Speed from
    distance over 14 s is insensitive to the second-to-second jitter of GPS
    speed, and relative to the minute's mean it tolerates the slow speed
    changes of terrain. Samples within 7 s of a pause are surges too (the
    runner stops and sets off there). A steady sample is one whose whole
    ``average_s`` window qualifies and lies in one recording stretch.
    """
    t = clean.time_s
    n = t.size
    if n == 0:
        return np.zeros(0, dtype=bool)
    d_t = np.diff(t)
    if not np.all((np.abs(d_t - 1.0) < 0.02) | (d_t > PAUSE_GAP_S)):
        raise UsageError("steady_mask needs 1 Hz streams: pass the result of clean_streams")
    cad = clean.column("cadence")
    seg_id = np.concatenate(([0], np.cumsum(d_t > PAUSE_GAP_S)))
    h = 7
    v15 = np.full(n, np.nan)
    if n > 2 * h:
        dist = clean.distance_m
        same = seg_id[2 * h :] == seg_id[: -2 * h]
        with np.errstate(invalid="ignore", divide="ignore"):
            v = (dist[2 * h :] - dist[: -2 * h]) / (t[2 * h :] - t[: -2 * h])
        v15[h:-h] = np.where(same, v, np.nan)
    finite = np.isfinite(v15)
    with np.errstate(invalid="ignore", divide="ignore"):
        v61 = _window_sum(np.where(finite, v15, 0.0), 30) / _window_sum(finite.astype(float), 30)
        surge = ~finite | (np.abs(v15 - v61) > max_surge * v61)
    near_surge = _window_sum(surge.astype(float), round(surge_margin_s)) > 0
    vs = clean.smooth_speed_mps
    with np.errstate(invalid="ignore"):
        ok = (
            clean.moving
            & ~clean.walking
            & (vs >= min_speed_mps)
            & (clean.moving_time_s >= warmup_s)
            & ~near_surge
        )
        if cad is not None:
            ok &= (cad >= min_cadence_spm) & (cad <= max_cadence_spm)
        if clean.grade_known:
            ok &= np.abs(clean.grade) <= max_abs_grade
    spike = clean.column("gps_spike")
    if spike is not None:
        ok &= ~(spike > 0)
    half = max(0, round((average_s - 1.0) / 2.0))
    if half == 0:
        return np.asarray(ok, dtype=bool)
    full = _window_sum(ok.astype(float), half) >= 2 * half + 1 - 0.5
    i = np.arange(n)
    lo, hi = np.maximum(i - half, 0), np.minimum(i + half, n - 1)
    one_stretch = (seg_id[lo] == seg_id[hi]) & (i - half >= 0) & (i + half <= n - 1)
    return np.asarray(full & one_stretch, dtype=bool)


@dataclass(frozen=True, eq=False)
class CadenceBins:
    """Steady running reduced to speed bins: the per-activity unit of the cadence model.

    Attributes
    ----------
    speed_mps : ndarray
        Median speed [m/s] of each bin (in ``speed_basis``).
    cadence_spm : ndarray
        Median cadence [steps/min] of each bin.
    seconds : ndarray
        Steady seconds [s] in each bin (the weight in the fit).
    group : ndarray of int
        Which activity each bin comes from (0 for a single activity;
        :meth:`concat` numbers the parts 0, 1, 2 ...).
    speed_basis : {"actual", "grade_adjusted"}
        Which speed the bins are of.
    """

    speed_mps: FloatArray
    cadence_spm: FloatArray
    seconds: FloatArray
    group: IntArray
    speed_basis: SpeedBasis

    @property
    def total_seconds(self) -> float:
        """Steady seconds [s] over all bins."""
        return float(np.sum(self.seconds))

    @staticmethod
    def empty(speed_basis: SpeedBasis = "actual") -> CadenceBins:
        """No bins."""
        e = np.zeros(0)
        return CadenceBins(e, e.copy(), e.copy(), np.zeros(0, dtype=np.int64), speed_basis)

    @staticmethod
    def concat(parts: Sequence[CadenceBins]) -> CadenceBins:
        """The bins of several activities in one, each part (activity) its own group."""
        if not parts:
            return CadenceBins.empty()
        bases = {p.speed_basis for p in parts}
        if len(bases) > 1:
            raise UsageError(f"cannot combine bins of different speed bases: {sorted(bases)}")
        groups: list[IntArray] = []
        offset = 0
        for p in parts:
            g = p.group.astype(np.int64)
            groups.append(g + offset)
            offset += int(g.max()) + 1 if g.size else 1
        return CadenceBins(
            np.concatenate([p.speed_mps for p in parts]),
            np.concatenate([p.cadence_spm for p in parts]),
            np.concatenate([p.seconds for p in parts]),
            np.concatenate(groups),
            parts[0].speed_basis,
        )

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready dictionary (lists of numbers)."""
        return {
            "speed_basis": self.speed_basis,
            "speed_mps": [round(float(x), 4) for x in self.speed_mps],
            "cadence_spm": [round(float(x), 3) for x in self.cadence_spm],
            "seconds": [float(x) for x in self.seconds],
            "group": [int(x) for x in self.group],
        }


@dataclass(frozen=True, eq=False)
class SteadySamples:
    """The steady, near-flat running samples of one activity (see :func:`steady_samples`).

    Attributes
    ----------
    time_s : ndarray
        Elapsed time [s] of each sample.
    distance_m : ndarray
        Distance [m] of each sample.
    speed_mps : ndarray
        Speed [m/s] in ``speed_basis`` over the centred ``average_s`` window
        (distance over time where the distance stream allows).
    cadence_spm : ndarray
        Mean cadence [steps/min] over the window.
    grade : ndarray
        Mean grade [fraction] over the window (0 where ``assumed_flat``).
    speed_basis : {"actual", "grade_adjusted"}
        Actual or grade-adjusted (Minetti 2002 [4]_) speed.
    assumed_flat : bool
        True when the activity had no altitude or grade (treadmill) and was taken as flat.
    """

    time_s: FloatArray
    distance_m: FloatArray
    speed_mps: FloatArray
    cadence_spm: FloatArray
    grade: FloatArray
    speed_basis: SpeedBasis
    assumed_flat: bool

    @property
    def n_seconds(self) -> int:
        """Number of steady samples (seconds at 1 Hz)."""
        return int(self.time_s.size)

    def to_bins(
        self, *, width_mps: float = BIN_WIDTH_MPS, min_seconds: float = MIN_BIN_S
    ) -> CadenceBins:
        """Median speed and cadence in speed bins of ``width_mps`` [m/s] with at least
        ``min_seconds`` [s] of steady running."""
        if not width_mps > 0:
            raise UsageError(f"width_mps must be positive, got {width_mps!r}")
        v, c = self.speed_mps, self.cadence_spm
        if v.size == 0:
            return CadenceBins.empty(self.speed_basis)
        key = np.floor(v / width_mps).astype(np.int64)
        speed_med, counts = _group_medians(key, v)
        cad_med, _ = _group_medians(key, c)
        keep = counts >= min_seconds
        return CadenceBins(
            speed_med[keep],
            cad_med[keep],
            counts[keep].astype(float),
            np.zeros(int(keep.sum()), dtype=np.int64),
            self.speed_basis,
        )


def _group_medians(key: npt.NDArray[np.int64], x: FloatArray) -> tuple[FloatArray, FloatArray]:
    """Median of ``x`` within each distinct ``key`` (sorted by key) and the group sizes."""
    lo_x = float(np.min(x))
    span = float(np.max(x)) - lo_x + 1.0
    order = np.argsort(key * span + (x - lo_x), kind="stable")  # one sort: by key, then x
    ks, xs = key[order], x[order]
    starts = np.flatnonzero(np.concatenate(([True], ks[1:] != ks[:-1])))
    stops = np.concatenate((starts[1:], [ks.size]))
    size = stops - starts
    lo = starts + (size - 1) // 2
    hi = starts + size // 2
    return 0.5 * (xs[lo] + xs[hi]), size.astype(float)


def steady_samples(
    streams: pd.DataFrame | CleanStreams,
    *,
    speed_basis: SpeedBasis = "actual",
    grade_model: GradeModel = "minetti",
    warmup_s: float = WARMUP_S,
    max_abs_grade: float = MAX_ABS_GRADE,
    max_surge: float = MAX_SURGE,
    average_s: float = AVERAGE_S,
) -> SteadySamples:
    """The steady, near-flat running of one activity, ready for the cadence model.

    Parameters
    ----------
    streams : DataFrame or CleanStreams
        Canonical streams (any sampling; resampled to 1 Hz when needed) or
        their :func:`runform.core.signal.clean_streams`.
    speed_basis : {"actual", "grade_adjusted"}, default "actual"
        ``actual``: the speed run; ``grade_adjusted``: the flat-equivalent
        speed of equal energy cost (Minetti et al. 2002 [4]_,
        :func:`runform.core.grade.grade_adjusted_speed`). The samples are
        near-flat either way, where the two differ by at most 11 % (at 2 %).
        ``actual`` is the default because stride frequency follows the speed
        run far more than the metabolic cost: at the same speed it changes
        only slightly between 0 and 2 % (Padulo et al. 2012 [5]_), while the
        flat-equivalent speed of a 2 % rise is 11 % faster; on rolling ground
        the grade-adjusted speed of an easy run is nearly constant, so the
        terrain's speed changes, which teach the slope, would be lost.
    grade_model : {"minetti", "strava"}, default "minetti"
        Grade model of the adjustment.
    warmup_s, max_abs_grade, max_surge, average_s
        See :func:`steady_mask`.

    Returns
    -------
    SteadySamples
        The selected samples with speed, cadence and grade averaged over
        ``average_s`` (centred; every sample of the window is steady).
    """
    clean = _clean(streams)
    mask = steady_mask(
        clean,
        warmup_s=warmup_s,
        max_abs_grade=max_abs_grade,
        max_surge=max_surge,
        average_s=average_s,
    )
    assumed_flat = not clean.grade_known
    n = clean.time_s.size
    grade = np.zeros(n) if assumed_flat else np.nan_to_num(clean.grade)
    if speed_basis == "grade_adjusted":
        factor = np.asarray(grade_adjusted_speed(np.ones(n), grade, model=grade_model), dtype=float)
    elif speed_basis == "actual":
        factor = np.ones(n)
    else:
        raise UsageError(f"unknown speed_basis {speed_basis!r}: use 'grade_adjusted' or 'actual'")
    cad_col = clean.column("cadence")
    if cad_col is None:
        mask = np.zeros(n, dtype=bool)  # nothing to model without cadence
    cad = np.zeros(n) if cad_col is None else np.nan_to_num(cad_col)
    half = max(0, round((average_s - 1.0) / 2.0))
    idx = np.flatnonzero(mask)
    v = np.nan_to_num(clean.smooth_speed_mps)
    if half > 0 and idx.size:
        # Speed over the window from distance: GPS position error then costs only
        # ~sqrt(2) x its few metres over the whole window.
        d, t = clean.distance_m, clean.time_s
        lo, hi = idx - half, idx + half
        with np.errstate(invalid="ignore", divide="ignore"):
            v_d = (d[hi] - d[lo]) / (t[hi] - t[lo])
        v_mean = _centred_mean(v, half)[idx]
        v_win = np.where(np.isfinite(v_d) & (v_d > 0), v_d, v_mean)
        v = np.zeros(n)
        v[idx] = v_win * _centred_mean(factor, half)[idx]
        cad = _centred_mean(cad, half)
        grade = _centred_mean(grade, half)
    else:
        v = v * factor
    return SteadySamples(
        time_s=clean.time_s[idx].copy(),
        distance_m=clean.distance_m[idx].copy(),
        speed_mps=v[idx].copy(),
        cadence_spm=cad[idx].copy(),
        grade=grade[idx].copy(),
        speed_basis=speed_basis,
        assumed_flat=assumed_flat,
    )


# --------------------------------------------------------------------------- the model


@dataclass(frozen=True)
class CadenceModel:
    """A runner's cadence-speed line :math:`c = a + b v` (see :func:`fit_cadence_model`).

    Attributes
    ----------
    intercept_spm : float
        :math:`a` [steps/min] (cadence extrapolated to zero speed; read the line
        only inside its speed range).
    slope_spm_per_mps : float
        :math:`b` [steps/min per m/s].
    n_seconds : float
        Steady running [s] behind the fit.
    n_bins : int
        Speed bins [-] the line was fitted to.
    speed_min_mps, speed_max_mps : float
        5th and 95th weighted percentiles of the binned speeds [m/s]: the
        range where the line is supported by data.
    residual_sd_spm : float
        Robust spread of the bins about the line [steps/min] (1.4826 x the
        weighted median absolute residual).
    speed_basis : {"actual", "grade_adjusted"}
        Which speed the line takes.
    slope_source : {"fit", "prior"}
        ``prior`` when the speeds varied too little within activities and the slope is
        :data:`PRIOR_SLOPE_SPM_PER_MPS`.
    """

    intercept_spm: float
    slope_spm_per_mps: float
    n_seconds: float
    n_bins: int
    speed_min_mps: float
    speed_max_mps: float
    residual_sd_spm: float
    speed_basis: SpeedBasis = "actual"
    slope_source: Literal["fit", "prior"] = "fit"

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready dictionary."""
        return {
            "intercept_spm": round(self.intercept_spm, 3),
            "slope_spm_per_mps": round(self.slope_spm_per_mps, 4),
            "n_seconds": self.n_seconds,
            "n_bins": self.n_bins,
            "speed_min_mps": round(self.speed_min_mps, 4),
            "speed_max_mps": round(self.speed_max_mps, 4),
            "residual_sd_spm": round(self.residual_sd_spm, 3),
            "speed_basis": self.speed_basis,
            "slope_source": self.slope_source,
        }


def _weighted_median(x: FloatArray, w: FloatArray) -> float:
    """Weighted median (the smallest x with at least half the weight at or below it)."""
    order = np.argsort(x, kind="stable")
    cw = np.cumsum(w[order])
    return float(x[order][np.searchsorted(cw, 0.5 * cw[-1])])


def _weighted_quantile(x: FloatArray, w: FloatArray, q: float) -> float:
    order = np.argsort(x, kind="stable")
    cw = np.cumsum(w[order])
    return float(x[order][min(np.searchsorted(cw, q * cw[-1]), x.size - 1)])


def _huber_within(
    x: FloatArray,
    y: FloatArray,
    w: FloatArray,
    g: IntArray,
    *,
    c: float = HUBER_C,
    max_iter: int = 50,
) -> tuple[float, float]:
    """Common slope of y on x with one level per group, weighted Huber by IRLS: (slope, scale)."""
    n_groups = int(g.max()) + 1

    def solve(ww: FloatArray) -> tuple[float, FloatArray]:
        sw = np.bincount(g, weights=ww, minlength=n_groups)
        sw = np.where(sw > 0, sw, 1.0)
        mx = np.bincount(g, weights=ww * x, minlength=n_groups) / sw
        my = np.bincount(g, weights=ww * y, minlength=n_groups) / sw
        xt, yt = x - mx[g], y - my[g]
        sxx = float(np.sum(ww * xt * xt))
        slope = float(np.sum(ww * xt * yt)) / sxx if sxx > 0 else 0.0
        return slope, my - slope * mx

    b, levels = solve(w)
    for _ in range(max_iter):
        r = y - levels[g] - b * x
        scale = 1.4826 * _weighted_median(np.abs(r), w)
        if not scale > 0:
            break
        u = np.abs(r) / (c * scale)
        b_new, levels = solve(w * np.where(u <= 1.0, 1.0, 1.0 / np.maximum(u, 1e-12)))
        done = abs(b_new - b) < 1e-7 * (1.0 + abs(b))
        b = b_new
        if done:
            break
    r = y - levels[g] - b * x
    return b, 1.4826 * _weighted_median(np.abs(r), w)


def _speed_information(x: FloatArray, w: FloatArray, g: IntArray) -> float:
    """Sum of w (x - mean of x in its group)^2 [s (m/s)^2]: what the bins tell about a slope."""
    n_groups = int(g.max()) + 1
    sw = np.bincount(g, weights=w, minlength=n_groups)
    mx = np.bincount(g, weights=w * x, minlength=n_groups) / np.where(sw > 0, sw, 1.0)
    xt = x - mx[g]
    return float(np.sum(w * xt * xt))


def _as_bins(
    data: SteadySamples | CadenceBins | Sequence[SteadySamples | CadenceBins],
) -> CadenceBins:
    items: Sequence[SteadySamples | CadenceBins]
    items = [data] if isinstance(data, SteadySamples | CadenceBins) else data
    return CadenceBins.concat([i.to_bins() if isinstance(i, SteadySamples) else i for i in items])


def fit_cadence_model(
    data: SteadySamples | CadenceBins | Sequence[SteadySamples | CadenceBins],
    *,
    min_speed_information: float = MIN_SPEED_INFORMATION,
    prior_slope_spm_per_mps: float = PRIOR_SLOPE_SPM_PER_MPS,
    huber_c: float = HUBER_C,
) -> CadenceModel:
    r"""Fit the runner's cadence-speed line to steady running, robustly.

    Parameters
    ----------
    data : SteadySamples, CadenceBins or a sequence of them
        One or many activities. Activities are reduced to speed bins first
        (:meth:`SteadySamples.to_bins`); pass stored :class:`CadenceBins` to
        refit over many activities without touching their streams.
    min_speed_information : float, default 15 s (m/s)^2
        Least :math:`\sum_{ij} n_{ij} (v_{ij} - \bar v_i)^2` [s (m/s)^2] (speed
        spread within activities, weighted by time) to fit a slope from
        (see :data:`MIN_SPEED_INFORMATION`).
    prior_slope_spm_per_mps : float, default 6.5
        Slope [steps/min per m/s] used below that.
    huber_c : float, default 1.345
        Huber tuning constant [scale units].

    Returns
    -------
    CadenceModel

    Raises
    ------
    NotEnoughDataError
        When there is no speed bin with enough steady running.

    Notes
    -----
    Each bin :math:`j` of activity :math:`i` (speed :math:`v_{ij}`, median
    cadence :math:`c_{ij}`, :math:`n_{ij}` steady seconds) is a point of
    weight :math:`n_{ij}`. The slope is common and every activity keeps its
    own level :math:`a_i`,

    .. math::

        c_{ij} = a_i + b\,v_{ij} + e_{ij},

    so the slope is learnt from speed changes *within* activities (easy vs
    tempo parts, terrain, intervals) and a day-to-day shift in cadence (new
    shoes, a block of training that raises it) cannot masquerade as a speed
    effect when the runs at one pace cluster in time (a marathon at the end
    of a block). The fit minimises the Huber loss (Huber 1964 [2]_)

    .. math::

        \sum_{ij} n_{ij}\,\rho\!\left(\frac{c_{ij} - a_i - b v_{ij}}{s}\right),\quad
        \rho(u) = \begin{cases} u^2/2 & |u| \le k \\ k|u| - k^2/2 & |u| > k \end{cases}

    with :math:`k` = ``huber_c`` and :math:`s` = 1.4826 x the weighted
    median absolute residual, by iteratively reweighted least squares
    (Holland & Welsch 1977 [3]_): weights :math:`n_{ij}\min(1, k s/|r_{ij}|)`,
    each step a weighted least-squares fit on speeds and cadences centred on
    their activity's weighted mean, until :math:`b` changes by less than
    1e-7 (relative). The model's intercept is then the weighted median of
    :math:`c_{ij} - b v_{ij}` over all bins (the runner's typical level).

    Medians per bin resist single bad samples; the Huber weights resist whole
    bad bins (a sensor that halves cadence, a treadmill with a wrong speed
    calibration). Binning first makes a refit over a thousand activities a
    fit to some ten thousand points, not millions of samples.
    """
    bins = _as_bins(data)
    ok = np.isfinite(bins.speed_mps) & np.isfinite(bins.cadence_spm) & (bins.seconds > 0)
    x, y, w = bins.speed_mps[ok], bins.cadence_spm[ok], bins.seconds[ok]
    g = bins.group[ok].astype(np.int64)
    if x.size == 0:
        raise NotEnoughDataError(
            "no steady running to fit a cadence model to (need running with cadence, "
            "after the warm-up, without accelerations, on near-flat ground)"
        )
    if _speed_information(x, w, g) >= min_speed_information and x.size >= 3:
        b, _ = _huber_within(x, y, w, g, c=huber_c)
        source: Literal["fit", "prior"] = "fit"
    else:
        b = prior_slope_spm_per_mps
        source = "prior"
    a = _weighted_median(y - b * x, w)
    scale = 1.4826 * _weighted_median(np.abs(y - a - b * x), w)
    return CadenceModel(
        intercept_spm=float(a),
        slope_spm_per_mps=float(b),
        n_seconds=float(np.sum(w)),
        n_bins=int(x.size),
        speed_min_mps=_weighted_quantile(x, w, 0.05),
        speed_max_mps=_weighted_quantile(x, w, 0.95),
        residual_sd_spm=float(scale),
        speed_basis=bins.speed_basis,
        slope_source=source,
    )


@overload
def cadence_at(model: CadenceModel, speed: float) -> float: ...
@overload
def cadence_at(model: CadenceModel, speed: FloatArray) -> FloatArray: ...
@overload
def cadence_at(model: CadenceModel, speed: pd.Series) -> pd.Series: ...
def cadence_at(
    model: CadenceModel, speed: float | FloatArray | pd.Series
) -> float | FloatArray | pd.Series:
    r"""The runner's usual cadence at a speed.

    Parameters
    ----------
    model : CadenceModel
        The personal line.
    speed : float, ndarray or Series
        Speed [m/s] in the model's ``speed_basis`` (grade-adjusted by default,
        which on the flat is the speed run).

    Returns
    -------
    float, ndarray or Series
        Cadence [steps/min], the same kind as ``speed``:
        :math:`c = a + b v`.
    """
    if isinstance(speed, pd.Series):
        return model.intercept_spm + model.slope_spm_per_mps * speed.astype(float)
    if isinstance(speed, np.ndarray):
        return np.asarray(model.intercept_spm + model.slope_spm_per_mps * speed, dtype=float)
    return float(model.intercept_spm + model.slope_spm_per_mps * float(speed))


@overload
def step_length_at(model: CadenceModel, speed: float) -> float: ...
@overload
def step_length_at(model: CadenceModel, speed: FloatArray) -> FloatArray: ...
@overload
def step_length_at(model: CadenceModel, speed: pd.Series) -> pd.Series: ...
def step_length_at(
    model: CadenceModel, speed: float | FloatArray | pd.Series
) -> float | FloatArray | pd.Series:
    r"""The runner's usual step length at a speed (on the flat).

    Parameters
    ----------
    model : CadenceModel
        The personal line.
    speed : float, ndarray or Series
        Speed [m/s].

    Returns
    -------
    float, ndarray or Series
        Step length [m], the same kind as ``speed``:
        :math:`L = 60\,v / c(v)` (one step per :math:`60/c` seconds).
    """
    c = cadence_at(model, speed)
    return speed * 60.0 / c


@dataclass(frozen=True)
class CadenceTarget:
    """Cadence and step length at one speed: the baseline and the Heiderscheit targets.

    Attributes
    ----------
    label : str or None
        The pace's name (``easy``, ``marathon``, ``threshold`` ...), when given.
    speed_mps : float
        Speed [m/s].
    baseline_spm : float
        The runner's usual cadence at that speed [steps/min].
    baseline_step_length_m : float
        The runner's usual step length at that speed [m].
    increases : tuple of float
        Step-rate increases [fraction], e.g. (0.05, 0.075, 0.10).
    target_spm : tuple of float
        Target cadence [steps/min] for each increase.
    target_step_length_m : tuple of float
        Step length [m] at the same speed for each target.
    in_range : bool
        True when the speed lies inside the model's supported speed range.
    """

    label: str | None
    speed_mps: float
    baseline_spm: float
    baseline_step_length_m: float
    increases: tuple[float, ...]
    target_spm: tuple[float, ...]
    target_step_length_m: tuple[float, ...]
    in_range: bool

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready dictionary; targets keyed by the increase in per cent ("5", "7.5", "10")."""
        return {
            "label": self.label,
            "speed_mps": round(self.speed_mps, 4),
            "baseline_spm": round(self.baseline_spm, 2),
            "baseline_step_length_m": round(self.baseline_step_length_m, 4),
            "targets": [
                {
                    "increase_pct": round(100.0 * inc, 2),
                    "cadence_spm": round(c, 2),
                    "step_length_m": round(s, 4),
                }
                for inc, c, s in zip(
                    self.increases, self.target_spm, self.target_step_length_m, strict=True
                )
            ],
            "in_range": self.in_range,
        }


def cadence_targets(
    model: CadenceModel,
    speeds: Mapping[str, float] | Sequence[float],
    *,
    increases: Sequence[float] = HEIDERSCHEIT_INCREASES,
) -> list[CadenceTarget]:
    r"""Target cadence at each pace as a percentage over the runner's own baseline.

    Parameters
    ----------
    model : CadenceModel
        The personal line (the baseline).
    speeds : mapping of name to speed, or sequence of speeds
        Speeds [m/s], e.g. the runner's E, M and T paces ``{"easy": 3.17, ...}``.
    increases : sequence of float, default (0.05, 0.075, 0.10)
        Step-rate increases [fraction].

    Returns
    -------
    list of CadenceTarget
        One per speed, in the given order.

    Notes
    -----
    At speed :math:`v` with baseline :math:`c_0 = a + b v`:

    .. math::

        c_\mathrm{target} = (1 + p)\,c_0, \qquad
        L_\mathrm{target} = \frac{60\,v}{c_\mathrm{target}} = \frac{L_0}{1 + p}

    Heiderscheit et al. (2011) [1]_ found +5 % and +10 % step rate at constant
    speed reduced energy absorbed at the knee, and +10 % at the hip: the
    target is relative to what this runner does at this pace, not a fixed
    180 steps/min.
    """
    named: list[tuple[str | None, float]]
    if isinstance(speeds, Mapping):
        named = [(str(k), float(v)) for k, v in speeds.items()]
    else:
        named = [(None, float(v)) for v in speeds]
    incs = tuple(float(p) for p in increases)
    out: list[CadenceTarget] = []
    for label, v in named:
        if not v > 0:
            raise UsageError(f"speed must be positive [m/s], got {v!r}")
        c0 = cadence_at(model, v)
        targets = tuple((1.0 + p) * c0 for p in incs)
        out.append(
            CadenceTarget(
                label=label,
                speed_mps=v,
                baseline_spm=c0,
                baseline_step_length_m=60.0 * v / c0,
                increases=incs,
                target_spm=targets,
                target_step_length_m=tuple(60.0 * v / c for c in targets),
                in_range=model.speed_min_mps <= v <= model.speed_max_mps,
            )
        )
    return out


# --------------------------------------------------------------------------- trend


@dataclass(frozen=True)
class PeriodCadence:
    """The cadence line of one period (a week by default) with the common slope.

    Attributes
    ----------
    start : date
        First day of the period (a Monday for weeks).
    n_activities : int
        Activities with steady running in the period [-].
    n_seconds : float
        Steady running [s].
    intercept_spm : float
        The period's level :math:`a_w` [steps/min] under the common slope.
    cadence_at_reference_spm : float
        Cadence [steps/min] at the trend's reference speed.
    step_length_at_reference_m : float
        Step length [m] at the reference speed.
    speed_min_mps, speed_max_mps : float
        Range of the period's binned speeds [m/s] (5th-95th weighted percentiles).
    """

    start: date
    n_activities: int
    n_seconds: float
    intercept_spm: float
    cadence_at_reference_spm: float
    step_length_at_reference_m: float
    speed_min_mps: float
    speed_max_mps: float

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready dictionary (ISO date)."""
        return {
            "start": self.start.isoformat(),
            "n_activities": self.n_activities,
            "n_seconds": self.n_seconds,
            "intercept_spm": round(self.intercept_spm, 3),
            "cadence_at_reference_spm": round(self.cadence_at_reference_spm, 2),
            "step_length_at_reference_m": round(self.step_length_at_reference_m, 4),
            "speed_min_mps": round(self.speed_min_mps, 4),
            "speed_max_mps": round(self.speed_max_mps, 4),
        }


@dataclass(frozen=True)
class CadenceTrend:
    """Cadence at a reference speed, period by period (see :func:`cadence_trend`).

    Attributes
    ----------
    reference_speed_mps : float
        The speed [m/s] the periods are compared at.
    model : CadenceModel
        The line fitted to all periods together (its slope is the common slope).
    periods : tuple of PeriodCadence
        In date order; periods without steady running are left out.
    """

    reference_speed_mps: float
    model: CadenceModel
    periods: tuple[PeriodCadence, ...]

    @property
    def change_spm(self) -> float | None:
        """Cadence at the reference speed, last period minus first [steps/min]."""
        if len(self.periods) < 2:
            return None
        return self.periods[-1].cadence_at_reference_spm - self.periods[0].cadence_at_reference_spm

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready dictionary."""
        change = self.change_spm
        return {
            "reference_speed_mps": round(self.reference_speed_mps, 4),
            "model": self.model.as_dict(),
            "periods": [p.as_dict() for p in self.periods],
            "change_spm": None if change is None else round(change, 2),
        }


_EPOCH_MONDAY = date(2000, 1, 3)


def _period_start(day: date | datetime, period_days: int) -> date:
    d = day.date() if isinstance(day, datetime) else day
    k = (d - _EPOCH_MONDAY).days // period_days
    return _EPOCH_MONDAY + timedelta(days=k * period_days)


def cadence_trend(
    items: Sequence[tuple[date | datetime, SteadySamples | CadenceBins]],
    *,
    reference_speed_mps: float,
    period_days: int = 7,
    min_speed_information: float = MIN_SPEED_INFORMATION,
) -> CadenceTrend:
    r"""The runner's cadence at one speed, week by week.

    Parameters
    ----------
    items : sequence of (date, SteadySamples or CadenceBins)
        One entry per activity: its (local) date and its steady running.
    reference_speed_mps : float
        Speed [m/s] to read each period's cadence at (e.g. 1000/300 for 5:00/km).
    period_days : int, default 7
        Period length [days]; 7 gives ISO weeks starting on Monday.
    min_speed_information : float, default 15 s (m/s)^2
        See :func:`fit_cadence_model` (for the common slope).

    Returns
    -------
    CadenceTrend

    Raises
    ------
    NotEnoughDataError
        When no activity has steady running.

    Notes
    -----
    One week's runs rarely span enough speeds to fit a slope of their own
    (most are at easy pace), so the slope :math:`b` is fitted once to all
    periods together (:func:`fit_cadence_model`) and each period :math:`w`
    keeps only its level, the weighted median of :math:`c_j - b v_j` over its
    bins:

    .. math::

        c_w(v_\mathrm{ref}) = a_w + b\,v_\mathrm{ref}

    A change in :math:`c_w(v_\mathrm{ref})` is then a change in cadence at
    the same pace, not a change in the paces run that week.
    """
    if not reference_speed_mps > 0:
        raise UsageError(f"reference_speed_mps must be positive, got {reference_speed_mps!r}")
    if period_days < 1:
        raise UsageError(f"period_days must be at least 1, got {period_days!r}")
    per: dict[date, list[CadenceBins]] = {}
    for day, data in items:
        bins = data.to_bins() if isinstance(data, SteadySamples) else data
        if bins.speed_mps.size:
            per.setdefault(_period_start(day, period_days), []).append(bins)
    allbins = [b for group in per.values() for b in group]
    model = fit_cadence_model(allbins, min_speed_information=min_speed_information)
    b = model.slope_spm_per_mps
    periods: list[PeriodCadence] = []
    for start in sorted(per):
        pb = CadenceBins.concat(per[start])
        x, y, w = pb.speed_mps, pb.cadence_spm, pb.seconds
        a_w = _weighted_median(y - b * x, w)
        c_ref = a_w + b * reference_speed_mps
        periods.append(
            PeriodCadence(
                start=start,
                n_activities=len(per[start]),
                n_seconds=float(np.sum(w)),
                intercept_spm=a_w,
                cadence_at_reference_spm=c_ref,
                step_length_at_reference_m=60.0 * reference_speed_mps / c_ref,
                speed_min_mps=_weighted_quantile(x, w, 0.05),
                speed_max_mps=_weighted_quantile(x, w, 0.95),
            )
        )
    return CadenceTrend(reference_speed_mps, model, tuple(periods))


# --------------------------------------------------------------------------- one activity


@dataclass(frozen=True)
class ActivityCadence:
    """Cadence of one activity, alone and against the personal model.

    Attributes
    ----------
    running_seconds : float
        Moving, non-walking time with a cadence [s].
    avg_running_cadence_spm : float or None
        Mean cadence [steps/min] over that time.
    steady_seconds : int
        Steady, near-flat running [s] (:func:`steady_samples`).
    steady_speed_mps : float or None
        Median speed [m/s] of the steady running (model's speed basis).
    steady_cadence_spm : float or None
        Median cadence [steps/min] of the steady running.
    bins : CadenceBins
        The activity's speed bins (store these for fast refits).
    own_model : CadenceModel or None
        A line fitted to this activity alone (prior slope when its speeds
        span too little), None without steady running.
    expected_spm : float or None
        The personal model's cadence [steps/min] at ``steady_speed_mps``.
    difference_spm : float or None
        Median over the steady samples of observed minus the personal
        model's cadence at each sample's speed [steps/min].
    """

    running_seconds: float
    avg_running_cadence_spm: float | None
    steady_seconds: int
    steady_speed_mps: float | None
    steady_cadence_spm: float | None
    bins: CadenceBins
    own_model: CadenceModel | None
    expected_spm: float | None
    difference_spm: float | None

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready dictionary."""

        def r(x: float | None, nd: int = 2) -> float | None:
            return None if x is None else round(x, nd)

        return {
            "running_seconds": self.running_seconds,
            "avg_running_cadence_spm": r(self.avg_running_cadence_spm),
            "steady_seconds": self.steady_seconds,
            "steady_speed_mps": r(self.steady_speed_mps, 4),
            "steady_cadence_spm": r(self.steady_cadence_spm),
            "own_model": None if self.own_model is None else self.own_model.as_dict(),
            "expected_spm": r(self.expected_spm),
            "difference_spm": r(self.difference_spm),
        }


def activity_cadence(
    streams: pd.DataFrame | CleanStreams,
    model: CadenceModel | None = None,
) -> ActivityCadence:
    """Cadence of one activity and how it compares with the runner's usual at its pace.

    Parameters
    ----------
    streams : DataFrame or CleanStreams
        Canonical streams of the activity or their :func:`clean_streams`.
    model : CadenceModel, optional
        The personal line; without it ``expected_spm`` and ``difference_spm`` are None.

    Returns
    -------
    ActivityCadence
    """
    clean = _clean(streams)
    basis: SpeedBasis = model.speed_basis if model is not None else "actual"
    samples = steady_samples(clean, speed_basis=basis)
    cad = clean.column("cadence")
    running_s = 0.0
    avg: float | None = None
    if cad is not None:
        with np.errstate(invalid="ignore"):
            run = clean.moving & ~clean.walking & (cad > 0)
        running_s = float(np.sum(run))
        avg = float(np.mean(cad[run])) if running_s else None
    bins = samples.to_bins()
    own: CadenceModel | None = None
    sv = sc = exp = diff = None
    if samples.n_seconds:
        sv = float(np.median(samples.speed_mps))
        sc = float(np.median(samples.cadence_spm))
        if bins.speed_mps.size:
            own = fit_cadence_model(bins)
        if model is not None:
            exp = cadence_at(model, sv)
            diff = float(np.median(samples.cadence_spm - cadence_at(model, samples.speed_mps)))
    return ActivityCadence(
        running_seconds=running_s,
        avg_running_cadence_spm=avg,
        steady_seconds=samples.n_seconds,
        steady_speed_mps=sv,
        steady_cadence_spm=sc,
        bins=bins,
        own_model=own,
        expected_spm=exp,
        difference_spm=diff,
    )
