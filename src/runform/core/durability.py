"""Form durability into fatigue on long runs (pure functions).

Late in a long run or a marathon, form drifts at an unchanged pace: contact
time grows (+13 % from km 8 to km 40 of a marathon, Chan-Roper et al. 2012
[1]_), and cadence falls while steps lengthen; deviations from the early gait
pattern appear from about km 20-25 (shared/reference/vectors.md). This module
measures that drift for one run and across a block:

* :func:`durability`: compares cadence, step length, ground contact time,
  vertical oscillation, vertical ratio and GCT balance between an early
  reference window (after the warm-up) and later windows *at matched speed
  and grade*, finds the onset (time and distance) where cadence falls or step
  length rises beyond a threshold for a sustained stretch, and computes
  pace:heart-rate decoupling (Friel);
* :func:`durability_trend`: the same, summarised week by week.

References
----------
.. [1] Chan-Roper, M., Hunter, I., Myrer, J. W., Eggett, D. L., & Seeley, M. K.
   (2012). Kinematic changes during a marathon for fast and slow runners.
   Journal of Sports Science & Medicine, 11(1), 77-82. PMID 24137065.
.. [2] Hinkley, D. V. (1971). Inference in two-phase regression. Journal of
   the American Statistical Association, 66(336), 736-743.
   https://doi.org/10.1080/01621459.1971.10482337
.. [3] Friel, J. (2009). The Cyclist's Training Bible (4th ed.). VeloPress
   (aerobic decoupling, Pa:HR); TrainingPeaks, "Aerobic decoupling".
.. [4] Smyth, B., Maunder, E., Meyler, S., Hunter, B., & Muniz-Pumares, D.
   (2022). Decoupling of internal and external workload during a marathon: an
   analysis of durability in 82,303 recreational runners. Sports Medicine,
   52(9), 2283-2295. https://doi.org/10.1007/s40279-022-01680-5
.. [5] Huber, P. J. (1964). Robust estimation of a location parameter. The
   Annals of Mathematical Statistics, 35(1), 73-101.
   https://doi.org/10.1214/aoms/1177703732
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from datetime import date, datetime, timedelta
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd

from runform.core.cadence import CadenceModel, steady_mask
from runform.core.grade import grade_adjusted_speed
from runform.core.signal import CleanStreams, clean_streams
from runform.errors import UsageError

__all__ = [
    "DURABILITY_METRICS",
    "MIN_DURATION_S",
    "Decoupling",
    "Durability",
    "DurabilityTrend",
    "DurabilityWindow",
    "FatigueOnset",
    "MetricDrift",
    "PeriodDurability",
    "decoupling",
    "durability",
    "durability_trend",
]

FloatArray = npt.NDArray[np.float64]
BoolArray = npt.NDArray[np.bool_]

DURABILITY_METRICS: dict[str, str] = {
    "cadence": "steps/min",
    "step_length": "m",
    "ground_contact_time": "s",
    "vertical_oscillation": "m",
    "vertical_ratio": "%",
    "gct_balance": "% left",
}
"""The form metrics compared [unit], canonical stream names (step length is derived as
60 v / cadence when the device records none)."""

MIN_DURATION_S = 4500.0
"""Shortest moving time [s] analysed (75 min, the issue's default for a long run)."""

REFERENCE_S: tuple[float, float] = (600.0, 1500.0)
"""Early reference window [s of moving time]: minutes 10-25, after the warm-up (heart rate
and gait settle within the first 10 min) and long before fatigue (Smyth et al. 2022 [4]_
compare marathon km 35-40 with km 5-10)."""

WINDOW_S = 300.0
"""Length [s of moving time] of the later comparison windows (5 min)."""

LATE_S = 900.0
"""Length [s of moving time] of the final window whose values are the run's drift (15 min,
as long as the reference window)."""

BIN_S = 30.0
"""Steady samples are averaged in 30 s bins of elapsed time before the fits (about 100 m at
easy pace; the onset is located to this resolution)."""

CADENCE_THRESHOLD_SPM = 2.0
"""Cadence fall [steps/min] that counts as a form change: ~1.2 % of a typical 165-170
steps/min, above the ~1 steps/min bin scatter and day-to-day noise of the speed adjustment."""

STEP_LENGTH_THRESHOLD_PCT = 2.0
"""Step-length rise [%] at matched speed that counts as a form change (at matched speed, the
mirror of a ~2 % cadence fall)."""

SUSTAIN_S = 600.0
"""A change must last this long [s of moving time] ... """

SUSTAIN_M = 2000.0
"""... or this far [m] to be an onset (whichever comes first); one that is still there when
the run ends needs half of either (the run ended, not the change)."""

SMOOTH_S = 300.0
"""Window [s] of the centred running median applied to the binned residuals before the
threshold rule (5 min: terrain and pace waves average out, a fatigue trend does not)."""

MAX_ABS_GRADE = 0.04
"""Largest |grade| [fraction] of the compared samples; the rest of the grade effect is
removed by the within-run regression (see :func:`durability`)."""


# --------------------------------------------------------------------------- results


@dataclass(frozen=True)
class MetricDrift:
    """One metric's drift from the early reference window to the end of the run.

    Attributes
    ----------
    metric : str
        Canonical name (see :data:`DURABILITY_METRICS`).
    unit : str
        Its unit.
    early : float
        Median over the reference window [unit], at the reference speed on the flat.
    late : float
        Median over the last :data:`LATE_S` of steady running [unit], same adjustment.
    change : float
        ``late - early`` [unit].
    change_pct : float
        ``100 * change / early`` [%].
    """

    metric: str
    unit: str
    early: float
    late: float
    change: float
    change_pct: float

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready dictionary."""
        return {
            "metric": self.metric,
            "unit": self.unit,
            "early": _round(self.early, 5),
            "late": _round(self.late, 5),
            "change": _round(self.change, 5),
            "change_pct": _round(self.change_pct, 3),
        }


@dataclass(frozen=True)
class DurabilityWindow:
    """A later window compared with the reference window.

    Attributes
    ----------
    start_s, end_s : float
        Elapsed time [s] of the window's first and last steady bins.
    start_m, end_m : float
        Distance [m] there.
    speed_mps : float
        Median speed [m/s] in the window.
    steady_s : float
        Steady running [s] in the window.
    values : dict
        Metric -> median [unit], adjusted to the reference speed on the flat.
    changes_pct : dict
        Metric -> change from the reference window [%].
    """

    start_s: float
    end_s: float
    start_m: float
    end_m: float
    speed_mps: float
    steady_s: float
    values: dict[str, float]
    changes_pct: dict[str, float]

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready dictionary."""
        return {
            "start_s": _round(self.start_s, 1),
            "end_s": _round(self.end_s, 1),
            "start_m": _round(self.start_m, 1),
            "end_m": _round(self.end_m, 1),
            "speed_mps": _round(self.speed_mps, 4),
            "steady_s": self.steady_s,
            "values": {k: _round(v, 5) for k, v in self.values.items()},
            "changes_pct": {k: _round(v, 3) for k, v in self.changes_pct.items()},
        }


@dataclass(frozen=True)
class FatigueOnset:
    """Where a form metric started to drift for good.

    Attributes
    ----------
    metric : str
        ``cadence`` (falling) or ``step_length`` (rising).
    time_s : float
        Elapsed time [s] of the onset: the change point of the drift.
    distance_m : float
        Distance [m] of the onset.
    moving_time_s : float
        Moving time [s] of the onset.
    detected_time_s : float
        Elapsed time [s] where the smoothed drift first crossed the threshold
        for good (the onset is before it: where the decline began).
    detected_distance_m : float
        Distance [m] there.
    threshold : float
        The threshold [steps/min for cadence, % for step length].
    shape : {"gradual", "sudden"}
        Which two-phase model fitted better: a linear decline from the onset,
        or a step at it.
    change : float
        Fitted change from the onset to the end of the stretch [steps/min for
        cadence, % for step length].
    """

    metric: str
    time_s: float
    distance_m: float
    moving_time_s: float
    detected_time_s: float
    detected_distance_m: float
    threshold: float
    shape: str
    change: float

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready dictionary."""
        return {k: (_round(v, 3) if isinstance(v, float) else v) for k, v in asdict(self).items()}


@dataclass(frozen=True)
class Decoupling:
    """Pace:heart-rate decoupling (Friel) of steady running after the warm-up.

    Attributes
    ----------
    first_half_speed_mps, second_half_speed_mps : float
        Mean grade-adjusted speed [m/s] of each half (by moving time).
    first_half_hr_bpm, second_half_hr_bpm : float
        Mean heart rate [bpm] of each half.
    first_half_ratio, second_half_ratio : float
        Speed over heart rate [(m/s)/bpm] ("efficiency factor").
    decoupling_pct : float
        ``100 * (first - second) / first`` [%]: positive when heart rate
        drifted up (or pace down) in the second half; under 5 % is the usual
        mark of aerobic endurance (Friel).
    """

    first_half_speed_mps: float
    second_half_speed_mps: float
    first_half_hr_bpm: float
    second_half_hr_bpm: float
    first_half_ratio: float
    second_half_ratio: float
    decoupling_pct: float

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready dictionary."""
        return {k: _round(v, 6) for k, v in asdict(self).items()}


@dataclass(frozen=True)
class Durability:
    """Form durability of one long run (see :func:`durability`).

    Attributes
    ----------
    status : str
        ``ok``, or why the comparison could not be made (no cadence, too
        little steady running in the reference window ...).
    duration_s, moving_time_s, distance_m : float
        Elapsed time [s], moving time [s] and distance [m] of the run.
    reference_start_s, reference_end_s : float
        Elapsed time [s] of the reference window.
    reference_speed_mps : float
        Median speed [m/s] of the reference window: all metrics are adjusted to it.
    speed_adjustment : str
        ``personal model`` (cadence slope from a :class:`CadenceModel`) or ``within run``.
    drift : tuple of MetricDrift
        One per metric present.
    windows : tuple of DurabilityWindow
        The later windows in order.
    onset : FatigueOnset or None
        The earliest onset over cadence and step length, None when neither drifted.
    onsets : tuple of FatigueOnset
        Each metric's onset.
    decoupling : Decoupling or None
        None without heart rate.
    """

    status: str
    duration_s: float
    moving_time_s: float
    distance_m: float
    reference_start_s: float
    reference_end_s: float
    reference_speed_mps: float
    speed_adjustment: str
    drift: tuple[MetricDrift, ...]
    windows: tuple[DurabilityWindow, ...]
    onset: FatigueOnset | None
    onsets: tuple[FatigueOnset, ...]
    decoupling: Decoupling | None

    def drift_of(self, metric: str) -> MetricDrift | None:
        """The drift of one metric, None when it was not recorded."""
        return next((d for d in self.drift if d.metric == metric), None)

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready dictionary."""
        return {
            "status": self.status,
            "duration_s": _round(self.duration_s, 1),
            "moving_time_s": _round(self.moving_time_s, 1),
            "distance_m": _round(self.distance_m, 1),
            "reference": {
                "start_s": _round(self.reference_start_s, 1),
                "end_s": _round(self.reference_end_s, 1),
                "speed_mps": _round(self.reference_speed_mps, 4),
            },
            "speed_adjustment": self.speed_adjustment,
            "drift": [d.as_dict() for d in self.drift],
            "onset": None if self.onset is None else self.onset.as_dict(),
            "onsets": [o.as_dict() for o in self.onsets],
            "windows": [w.as_dict() for w in self.windows],
            "decoupling": None if self.decoupling is None else self.decoupling.as_dict(),
        }


def _round(x: float, nd: int) -> float | None:
    return round(float(x), nd) if math.isfinite(x) else None


# --------------------------------------------------------------------------- helpers


def _bin_means(
    key: npt.NDArray[np.int64], columns: dict[str, FloatArray], n_keys: int
) -> dict[str, FloatArray]:
    """Mean of each column within each key, over finite values (NaN when none)."""
    out: dict[str, FloatArray] = {}
    for name, x in columns.items():
        ok = np.isfinite(x)
        cnt = np.bincount(key[ok], minlength=n_keys)
        tot = np.bincount(key[ok], weights=x[ok], minlength=n_keys)
        with np.errstate(invalid="ignore", divide="ignore"):
            out[name] = np.where(cnt > 0, tot / np.maximum(cnt, 1), np.nan)
    return out


def _huber_lstsq(
    design: FloatArray, y: FloatArray, *, c: float = 1.345, iterations: int = 10
) -> FloatArray:
    """Huber regression coefficients of y on the columns of ``design`` (IRLS, MAD scale)."""
    w = np.ones(y.size)
    beta = np.zeros(design.shape[1])
    for _ in range(iterations):
        xw = design * w[:, None]
        try:
            beta_new = np.linalg.solve(xw.T @ design, xw.T @ y)
        except np.linalg.LinAlgError:
            beta_new = np.linalg.lstsq(xw.T @ design, xw.T @ y, rcond=None)[0]
        r = y - design @ beta_new
        scale = 1.4826 * float(np.median(np.abs(r)))
        step = float(np.max(np.abs(beta_new - beta)))
        done = step <= 1e-6 * (1.0 + float(np.max(np.abs(beta_new))))
        beta = np.asarray(beta_new, dtype=float)
        if done or not scale > 0:
            break
        u = np.abs(r) / (c * scale)
        w = np.where(u <= 1.0, 1.0, 1.0 / np.maximum(u, 1e-12))
    return beta


def _group_nanmedian(group: npt.NDArray[np.int64], x: FloatArray, n_groups: int) -> FloatArray:
    """Median of the finite ``x`` within each group 0..n_groups-1 (NaN for empty groups)."""
    out = np.full(n_groups, np.nan)
    ok = np.isfinite(x)
    g, v = group[ok], x[ok]
    if v.size == 0:
        return out
    order = np.lexsort((v, g))
    gs, vs = g[order], v[order]
    starts = np.flatnonzero(np.concatenate(([True], gs[1:] != gs[:-1])))
    stops = np.concatenate((starts[1:], [gs.size]))
    size = stops - starts
    out[gs[starts]] = 0.5 * (vs[starts + (size - 1) // 2] + vs[starts + size // 2])
    return out


def _rolling_median(x: FloatArray, window: int) -> FloatArray:
    if window <= 1 or x.size == 0:
        return x.copy()
    r = pd.Series(x).rolling(window, center=True, min_periods=1).median()
    return np.asarray(r.to_numpy(), dtype=float)


def _change_point(
    x: FloatArray, y: FloatArray, candidates: FloatArray, direction: int
) -> tuple[int, str, float] | None:
    """Least-squares two-phase fit of ``y`` on sorted ``x``, the change point among ``candidates``.

    Two shapes, each with a level ``a`` before the change point ``tau``:
    *gradual* ``y = a + b max(0, x - tau)`` and *sudden* ``y = a + c [x >= tau]``.
    Only fits that move in ``direction`` count. Returns the candidate index, the
    shape and the fitted change at the last ``x`` (None when no fit qualifies).
    """
    if candidates.size == 0 or x.size < 4:
        return None
    n = float(x.size)
    sy, syy = float(np.sum(y)), float(np.sum(y * y))
    # gradual (hinge): closed-form least squares for every candidate at once
    h = np.maximum(0.0, x[None, :] - candidates[:, None])
    sh = h.sum(axis=1)
    shh = (h * h).sum(axis=1)
    shy = h @ y
    den = n * shh - sh * sh
    with np.errstate(invalid="ignore", divide="ignore"):
        b = (n * shy - sh * sy) / den
        a = (sy - b * sh) / n
        sse_g = syy - a * sy - b * shy
    ok_g = (den > 1e-12) & np.isfinite(sse_g) & (direction * b > 0)
    # sudden (mean shift): before/after sums from cumulative sums
    k = np.searchsorted(x, candidates, side="left")
    cy = np.concatenate(([0.0], np.cumsum(y)))
    s1, s2 = cy[k], sy - cy[k]
    n1, n2 = k.astype(float), n - k
    with np.errstate(invalid="ignore", divide="ignore"):
        sse_s = syy - s1 * s1 / n1 - s2 * s2 / n2
        shift = s2 / n2 - s1 / n1
    ok_s = (n1 >= 2) & (n2 >= 2) & np.isfinite(sse_s) & (direction * shift > 0)
    best_g = np.where(ok_g, sse_g, np.inf)
    best_s = np.where(ok_s, sse_s, np.inf)
    jg, js = int(np.argmin(best_g)), int(np.argmin(best_s))
    if not (np.isfinite(best_g[jg]) or np.isfinite(best_s[js])):
        return None
    if best_g[jg] <= best_s[js]:
        return jg, "gradual", float(b[jg] * (x[-1] - candidates[jg]))
    return js, "sudden", float(shift[js])


# --------------------------------------------------------------------------- decoupling


def decoupling(
    clean: CleanStreams,
    mask: BoolArray,
    *,
    warmup_s: float = REFERENCE_S[0],
) -> Decoupling | None:
    r"""Pace:heart-rate decoupling of the selected samples after the warm-up.

    Parameters
    ----------
    clean : CleanStreams
        The run's cleaned signals.
    mask : ndarray of bool
        Samples to use (e.g. steady running), aligned with ``clean.frame``.
    warmup_s : float, default 600 s
        Moving time [s] left out at the start.

    Returns
    -------
    Decoupling or None
        None without heart rate or with fewer than 120 usable samples.

    Notes
    -----
    The samples past the warm-up are split at the midpoint of their moving
    time. For each half the ratio of mean grade-adjusted speed (Minetti; the
    speed run when the grade is unknown) to mean heart rate is formed, and

    .. math::

        D = 100\,\frac{(\bar v/\overline{HR})_1 - (\bar v/\overline{HR})_2}{(\bar v/\overline{HR})_1}

    (Friel's Pa:HR [3]_). Grade adjustment keeps a hilly second half from
    looking like cardiac drift.
    """
    hr = clean.column("heart_rate")
    if hr is None:
        return None
    with np.errstate(invalid="ignore"):
        use = mask & (clean.moving_time_s >= warmup_s) & np.isfinite(hr) & (hr > 0)
    use &= np.isfinite(clean.smooth_speed_mps)
    if use.sum() < 120:
        return None
    v = clean.smooth_speed_mps[use]
    if clean.grade_known:
        g = np.nan_to_num(clean.grade[use])
        v = np.asarray(grade_adjusted_speed(v, g), dtype=float)
    h = hr[use]
    mt = clean.moving_time_s[use]
    first = mt < 0.5 * (mt[0] + mt[-1])
    if first.sum() < 60 or (~first).sum() < 60:
        return None
    v1, v2 = float(np.mean(v[first])), float(np.mean(v[~first]))
    h1, h2 = float(np.mean(h[first])), float(np.mean(h[~first]))
    r1, r2 = v1 / h1, v2 / h2
    return Decoupling(v1, v2, h1, h2, r1, r2, 100.0 * (r1 - r2) / r1)


# --------------------------------------------------------------------------- durability


def _empty(clean: CleanStreams, status: str, dec: Decoupling | None) -> Durability:
    t = clean.time_s
    return Durability(
        status=status,
        duration_s=float(t[-1] - t[0]) if t.size else 0.0,
        moving_time_s=float(clean.moving_time_s[-1]) if t.size else 0.0,
        distance_m=float(np.nanmax(clean.distance_m)) if t.size else 0.0,
        reference_start_s=math.nan,
        reference_end_s=math.nan,
        reference_speed_mps=math.nan,
        speed_adjustment="none",
        drift=(),
        windows=(),
        onset=None,
        onsets=(),
        decoupling=dec,
    )


def durability(
    streams: pd.DataFrame | CleanStreams,
    *,
    min_duration_s: float = MIN_DURATION_S,
    model: CadenceModel | None = None,
    reference_s: tuple[float, float] = REFERENCE_S,
    window_s: float = WINDOW_S,
    late_s: float = LATE_S,
    cadence_threshold_spm: float = CADENCE_THRESHOLD_SPM,
    step_length_threshold_pct: float = STEP_LENGTH_THRESHOLD_PCT,
    sustain_s: float = SUSTAIN_S,
    sustain_m: float = SUSTAIN_M,
    smooth_s: float = SMOOTH_S,
    max_abs_grade: float = MAX_ABS_GRADE,
    bin_s: float = BIN_S,
) -> Durability | None:
    r"""How well a long run's form held up, and where it started to go.

    Parameters
    ----------
    streams : DataFrame or CleanStreams
        Canonical streams of one run (any sampling) or their
        :func:`runform.core.signal.clean_streams`.
    min_duration_s : float, default 4500 s
        Shortest moving time [s] analysed; shorter runs give None.
    model : CadenceModel, optional
        The runner's cadence model; its slope removes the speed effect on
        cadence. Without it the slope is fitted within the run.
    reference_s : (float, float), default (600, 1500)
        Early reference window [s of moving time].
    window_s : float, default 300 s
        Length of the later windows [s of moving time].
    late_s : float, default 900 s
        Length of the final window [s of moving time] the drift is measured in.
    cadence_threshold_spm : float, default 2 steps/min
        Cadence fall that counts for the onset.
    step_length_threshold_pct : float, default 2 %
        Step-length rise that counts for the onset.
    sustain_s, sustain_m : float, default 600 s and 2000 m
        How long [s of moving time] or far [m] the change must last.
    smooth_s : float, default 300 s
        Running-median window [s] on the binned residuals for the threshold rule.
    max_abs_grade : float, default 0.04
        Largest |grade| [fraction] of the compared samples.
    bin_s : float, default 30 s
        Bin length [s] of the steady samples.

    Returns
    -------
    Durability or None
        None when the run's moving time is below ``min_duration_s``.
        Otherwise a :class:`Durability` whose ``status`` says ``ok`` or why
        the form comparison could not be made (decoupling may still be there).

    Notes
    -----
    1. **Samples**: steady running (:func:`runform.core.cadence.steady_mask`:
       moving, not walking, no strides or surges, plausible cadence) with
       ``|grade| <= max_abs_grade``, averaged in ``bin_s`` bins.
    2. **Matched speed and grade**: for each metric :math:`m` a Huber
       regression over all bins

       .. math::

           m = \beta_0 + \beta_v (v - \bar v) + \beta_g\, i + \beta_t\, t

       where :math:`v` is the smoothed speed run, :math:`i` the grade and
       :math:`t` the moving time [h]. The time term only keeps a fatigue
       trend out of :math:`\beta_v, \beta_g`; it is not removed. Each bin's
       value at the reference speed :math:`v_\mathrm{ref}` (median speed of
       the reference window) on the flat is
       :math:`m - \beta_v (v - v_\mathrm{ref}) - \beta_g i`. With a personal
       model, :math:`\beta_v` for cadence is its slope. Terms whose covariate
       does not vary (a treadmill's speed and grade) are left out.
    3. **Drift**: median of the adjusted values over the last ``late_s`` of
       steady running minus the median over the reference window.
    4. **Onset**: the residual (cadence: :math:`m - m_\mathrm{ref}` [steps/min];
       step length: :math:`100(m/m_\mathrm{ref} - 1)` [%]) is smoothed with a
       ``smooth_s`` running median; the first stretch beyond the threshold
       (cadence down, step length up) lasting ``sustain_s`` or ``sustain_m``,
       or half of either when it lasts to the end, marks a change. Its onset
       is the change point of a two-phase regression (Hinkley 1971 [2]_)
       fitted by least squares to the unsmoothed residuals from the
       reference window to the end of that stretch, the change point
       searched over the bins between the reference window and the threshold
       crossing, with the better of two shapes after a constant level: a
       linear trend (*gradual*) or a step (*sudden*). A gradual decline
       crosses a threshold well after it begins; the change point finds the
       beginning.
    5. **Decoupling**: :func:`decoupling` over the same steady samples.
    """
    if reference_s[1] <= reference_s[0]:
        raise UsageError(f"reference_s must be (start, end) with end > start, got {reference_s!r}")
    if not (window_s > 0 and late_s > 0 and bin_s > 0):
        raise UsageError("window_s, late_s and bin_s must be positive seconds")
    clean = streams if isinstance(streams, CleanStreams) else clean_streams(streams)
    t = clean.time_s
    if t.size < 2 or float(clean.moving_time_s[-1]) < min_duration_s:
        return None
    steady = steady_mask(clean, warmup_s=0.0, average_s=1.0, max_abs_grade=max_abs_grade)
    dec = decoupling(clean, steady, warmup_s=reference_s[0])
    cad = clean.column("cadence")
    if cad is None or not np.isfinite(cad).any():
        return _empty(clean, "no cadence stream", dec)

    # --- 1. steady samples in bins
    idx = np.flatnonzero(steady)
    if idx.size == 0:
        return _empty(clean, "no steady running", dec)
    key_all = np.floor(t[idx] / bin_s).astype(np.int64)
    uniq, key = np.unique(key_all, return_inverse=True)
    nk = uniq.size
    counts = np.bincount(key, minlength=nk).astype(float)
    v = clean.smooth_speed_mps
    grade = np.nan_to_num(clean.grade) if clean.grade_known else np.zeros(t.size)
    cols: dict[str, FloatArray] = {
        "t": t[idx],
        "mt": clean.moving_time_s[idx],
        "d": clean.distance_m[idx],
        "v": v[idx],
        "g": grade[idx],
    }
    metrics: dict[str, FloatArray] = {"cadence": cad[idx]}
    sl = clean.column("step_length")
    if sl is None or not np.isfinite(sl[idx]).any():
        with np.errstate(invalid="ignore", divide="ignore"):
            sl = v * 60.0 / cad
    metrics["step_length"] = sl[idx]
    for name in ("ground_contact_time", "vertical_oscillation", "vertical_ratio", "gct_balance"):
        col = clean.column(name)
        if col is not None and np.isfinite(col[idx]).any():
            metrics[name] = col[idx]
    means = _bin_means(key, {**cols, **metrics}, nk)
    keep = counts >= 0.5 * bin_s
    if keep.sum() < 10:
        return _empty(clean, "too little steady running", dec)
    b_t, b_mt, b_d, b_v, b_g = (means[k][keep] for k in ("t", "mt", "d", "v", "g"))
    b_n = counts[keep]

    # --- reference window
    ref = (b_mt >= reference_s[0]) & (b_mt < reference_s[1])
    if ref.sum() < 6:
        return _empty(clean, "too little steady running in the reference window", dec)
    v_ref = float(np.median(b_v[ref]))

    # --- 2. adjust every metric to the reference speed on the flat
    hours = b_mt / 3600.0
    v_c = b_v - float(np.mean(b_v))
    base_cols: list[FloatArray] = [np.ones(b_v.size)]
    grade_varies = float(np.std(b_g)) > 0.002
    speed_varies = float(np.std(b_v)) > 0.02
    adjusted: dict[str, FloatArray] = {}
    for name in metrics:
        y_all = means[name][keep]
        ok = np.isfinite(y_all)
        if ok.sum() < 10:
            continue
        fixed_slope = model.slope_spm_per_mps if (model is not None and name == "cadence") else None
        y = y_all - (fixed_slope * v_c if fixed_slope is not None else 0.0)
        design_cols = [*base_cols]
        names = ["const"]
        if speed_varies and fixed_slope is None:
            design_cols.append(v_c)
            names.append("v")
        if grade_varies:
            design_cols.append(b_g)
            names.append("g")
        design_cols.append(hours - float(np.mean(hours)))
        names.append("t")
        design = np.column_stack(design_cols)
        beta = dict(zip(names, _huber_lstsq(design[ok], y[ok]).tolist(), strict=True))
        b_speed = fixed_slope if fixed_slope is not None else beta.get("v", 0.0)
        adj = y_all - b_speed * (b_v - v_ref) - beta.get("g", 0.0) * b_g
        adjusted[name] = np.where(ok, adj, np.nan)
    if "cadence" not in adjusted:
        return _empty(clean, "too little cadence data", dec)

    # --- 3. reference values, later windows, drift
    early = {k: float(np.nanmedian(a[ref])) for k, a in adjusted.items()}
    last_mt = float(b_mt[-1])
    late_mask = b_mt >= last_mt - late_s
    drift: list[MetricDrift] = []
    for k, a in adjusted.items():
        late = float(np.nanmedian(a[late_mask])) if np.isfinite(a[late_mask]).any() else math.nan
        ch = late - early[k]
        pct = 100.0 * ch / early[k] if early[k] else math.nan
        drift.append(MetricDrift(k, DURABILITY_METRICS[k], early[k], late, ch, pct))
    windows: list[DurabilityWindow] = []
    later = b_mt >= reference_s[1]
    if later.any():
        win_all = np.floor((b_mt - reference_s[1]) / window_s).astype(np.int64)
        wins, win = np.unique(win_all[later], return_inverse=True)
        nw = wins.size
        meds = {k: _group_nanmedian(win, a[later], nw) for k, a in adjusted.items()}
        v_med = _group_nanmedian(win, b_v[later], nw)
        first_i = np.searchsorted(win, np.arange(nw), side="left")
        last_i = np.searchsorted(win, np.arange(nw), side="right") - 1
        lt, ld = b_t[later], b_d[later]
        steady_s = np.bincount(win, weights=b_n[later], minlength=nw)
        for j in range(nw):
            vals = {k: float(m[j]) for k, m in meds.items()}
            windows.append(
                DurabilityWindow(
                    start_s=float(lt[first_i[j]]) - 0.5 * bin_s,
                    end_s=float(lt[last_i[j]]) + 0.5 * bin_s,
                    start_m=float(ld[first_i[j]]),
                    end_m=float(ld[last_i[j]]),
                    speed_mps=float(v_med[j]),
                    steady_s=float(steady_s[j]),
                    values=vals,
                    changes_pct={
                        k: 100.0 * (vals[k] - early[k]) / early[k] if early[k] else math.nan
                        for k in vals
                    },
                )
            )

    # --- 4. onsets
    onsets: list[FatigueOnset] = []
    after = b_mt >= reference_s[0]
    for name, direction, threshold in (
        ("cadence", -1, cadence_threshold_spm),
        ("step_length", +1, step_length_threshold_pct),
    ):
        if name not in adjusted:
            continue
        a = adjusted[name]
        use = after & np.isfinite(a)
        if use.sum() < 10:
            continue
        r = a[use] - early[name] if name == "cadence" else 100.0 * (a[use] / early[name] - 1.0)
        onset = _onset(
            name,
            r,
            mt=b_mt[use],
            t=b_t[use],
            d=b_d[use],
            direction=direction,
            threshold=threshold,
            window=max(1, round(smooth_s / bin_s)),
            sustain_s=sustain_s,
            sustain_m=sustain_m,
            reference_end=reference_s[1],
            bin_s=bin_s,
        )
        if onset is not None:
            onsets.append(onset)
    first = min(onsets, key=lambda o: o.moving_time_s) if onsets else None
    ref_t = b_t[ref]
    return Durability(
        status="ok",
        duration_s=float(t[-1] - t[0]),
        moving_time_s=float(clean.moving_time_s[-1]),
        distance_m=float(np.nanmax(clean.distance_m)),
        reference_start_s=float(ref_t[0]) - 0.5 * bin_s,
        reference_end_s=float(ref_t[-1]) + 0.5 * bin_s,
        reference_speed_mps=v_ref,
        speed_adjustment="personal model" if model is not None else "within run",
        drift=tuple(drift),
        windows=tuple(windows),
        onset=first,
        onsets=tuple(onsets),
        decoupling=dec,
    )


def _onset(
    name: str,
    r: FloatArray,
    *,
    mt: FloatArray,
    t: FloatArray,
    d: FloatArray,
    direction: int,
    threshold: float,
    window: int,
    sustain_s: float,
    sustain_m: float,
    reference_end: float,
    bin_s: float,
) -> FatigueOnset | None:
    """The sustained-threshold rule and the change point (see :func:`durability`, note 4)."""
    smooth = _rolling_median(r, window)
    beyond = direction * smooth >= threshold
    m = np.concatenate(([False], beyond, [False])).astype(np.int8)
    starts = np.flatnonzero(np.diff(m) == 1)
    stops = np.flatnonzero(np.diff(m) == -1)  # exclusive
    n = r.size
    for a, b in zip(starts.tolist(), stops.tolist(), strict=True):
        span_s = float(mt[b - 1] - mt[a]) + bin_s
        span_m = float(d[b - 1] - d[a])
        to_end = b == n
        need = 0.5 if to_end else 1.0
        if span_s < need * sustain_s and span_m < need * sustain_m:
            continue
        fit = slice(0, b)
        cand = (mt >= reference_end) & (mt <= mt[a])
        cand_idx = np.flatnonzero(cand)
        cp = _change_point(mt[fit], r[fit], mt[cand_idx], direction)
        if cp is None:
            tau, shape, change = float(mt[a]), "sudden", float(smooth[b - 1])
        else:
            tau, shape, change = float(mt[cand_idx[cp[0]]]), cp[1], cp[2]
        return FatigueOnset(
            metric=name,
            time_s=float(np.interp(tau, mt, t)),
            distance_m=float(np.interp(tau, mt, d)),
            moving_time_s=tau,
            detected_time_s=float(t[a]),
            detected_distance_m=float(d[a]),
            threshold=float(threshold),
            shape=shape,
            change=change,
        )
    return None


# --------------------------------------------------------------------------- trend


@dataclass(frozen=True)
class PeriodDurability:
    """Durability of the long runs of one period (a week by default).

    Attributes
    ----------
    start : date
        First day of the period (a Monday for weeks).
    n_runs : int
        Long runs analysed [-].
    n_onsets : int
        Runs with a form onset [-].
    median_onset_fraction : float or None
        Median of onset distance / run distance over runs with an onset [-].
    median_onset_distance_m : float or None
        Median onset distance [m].
    median_cadence_drift_spm : float or None
        Median cadence drift [steps/min] (late minus early, matched speed).
    median_step_length_drift_pct : float or None
        Median step-length drift [%].
    median_contact_time_drift_pct : float or None
        Median ground-contact-time drift [%].
    median_decoupling_pct : float or None
        Median pace:HR decoupling [%].
    longest_m : float
        Longest run's distance [m].
    """

    start: date
    n_runs: int
    n_onsets: int
    median_onset_fraction: float | None
    median_onset_distance_m: float | None
    median_cadence_drift_spm: float | None
    median_step_length_drift_pct: float | None
    median_contact_time_drift_pct: float | None
    median_decoupling_pct: float | None
    longest_m: float

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready dictionary (ISO date)."""
        out: dict[str, Any] = {"start": self.start.isoformat()}
        for k, v in asdict(self).items():
            if k != "start":
                out[k] = _round(v, 4) if isinstance(v, float) else v
        return out


@dataclass(frozen=True)
class DurabilityTrend:
    """Durability period by period (see :func:`durability_trend`)."""

    periods: tuple[PeriodDurability, ...]

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready dictionary."""
        return {"periods": [p.as_dict() for p in self.periods]}


_EPOCH_MONDAY = date(2000, 1, 3)


def _median(values: Sequence[float]) -> float | None:
    vals = [v for v in values if math.isfinite(v)]
    return float(np.median(vals)) if vals else None


def durability_trend(
    items: Sequence[tuple[date | datetime, Durability | None]],
    *,
    period_days: int = 7,
) -> DurabilityTrend:
    """Durability of the long runs, summarised per week.

    Parameters
    ----------
    items : sequence of (date, Durability or None)
        One entry per run: its (local) date and :func:`durability` result
        (None entries, runs that were too short, are skipped).
    period_days : int, default 7
        Period length [days]; 7 gives ISO weeks starting on Monday.

    Returns
    -------
    DurabilityTrend
        Periods in date order, only those with an analysed run.
    """
    if period_days < 1:
        raise UsageError(f"period_days must be at least 1, got {period_days!r}")
    per: dict[date, list[Durability]] = {}
    for day, result in items:
        if result is None or result.status != "ok":
            continue
        d = day.date() if isinstance(day, datetime) else day
        start = _EPOCH_MONDAY + timedelta(
            days=((d - _EPOCH_MONDAY).days // period_days) * period_days
        )
        per.setdefault(start, []).append(result)

    def drift(results: list[Durability], metric: str, pct: bool) -> float | None:
        vals = []
        for r in results:
            dr = r.drift_of(metric)
            if dr is not None:
                vals.append(dr.change_pct if pct else dr.change)
        return _median(vals)

    periods: list[PeriodDurability] = []
    for start in sorted(per):
        rs = per[start]
        with_onset = [r for r in rs if r.onset is not None]
        periods.append(
            PeriodDurability(
                start=start,
                n_runs=len(rs),
                n_onsets=len(with_onset),
                median_onset_fraction=_median(
                    [
                        r.onset.distance_m / r.distance_m
                        for r in with_onset
                        if r.onset and r.distance_m
                    ]
                ),
                median_onset_distance_m=_median(
                    [r.onset.distance_m for r in with_onset if r.onset is not None]
                ),
                median_cadence_drift_spm=drift(rs, "cadence", pct=False),
                median_step_length_drift_pct=drift(rs, "step_length", pct=True),
                median_contact_time_drift_pct=drift(rs, "ground_contact_time", pct=True),
                median_decoupling_pct=_median(
                    [r.decoupling.decoupling_pct for r in rs if r.decoupling is not None]
                ),
                longest_m=max(r.distance_m for r in rs),
            )
        )
    return DurabilityTrend(tuple(periods))
