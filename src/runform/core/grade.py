"""Slope of the ground and what it costs a runner (pure functions).

Three pieces:

* :func:`minetti_cost`, the energy cost of running on a slope, Minetti et al.
  (2002), a 5th-order polynomial in the grade fitted to treadmill measurements;
* :func:`grade_adjusted_speed`, the flat-ground speed that costs the same effort
  as a given speed on a given grade, either from Minetti's energy cost or from
  Strava's heart-rate-based factors (Robb, 2017), which credit downhill running
  less generously than the treadmill energy cost does;
* :func:`grade_from_altitude`, a grade stream [fraction] from cumulative
  distance and altitude that resists GPS/barometer noise.

Grades are fractions (rise/run: 0.05 is 5 %), speeds are m/s, distances and
altitudes are metres, as everywhere in runform.

References
----------
.. [1] Minetti, A. E., Moia, C., Roi, G. S., Susta, D., & Ferretti, G. (2002).
   Energy cost of walking and running at extreme uphill and downhill slopes.
   Journal of Applied Physiology, 93(3), 1039-1046.
   https://doi.org/10.1152/japplphysiol.01177.2001
.. [2] Robb, D. (2017, October 3). An Improved GAP Model. Strava Engineering.
   https://medium.com/strava-engineering/an-improved-gap-model-8b07ae8886c3
.. [3] Savitzky, A., & Golay, M. J. E. (1964). Smoothing and differentiation of
   data by simplified least squares procedures. Analytical Chemistry, 36(8),
   1627-1639. https://doi.org/10.1021/ac60214a047
"""

from __future__ import annotations

from typing import Literal, overload

import numpy as np
import numpy.typing as npt
import pandas as pd

from runform.errors import UsageError

FloatArray = npt.NDArray[np.float64]

MINETTI_COEFFICIENTS: tuple[float, ...] = (155.4, -30.4, -43.3, 46.3, 19.5, 3.6)
"""Coefficients of Cr(i) [J/kg/m] from i^5 down to i^0, Minetti et al. (2002), running."""

MINETTI_MAX_GRADE = 0.45
"""Largest |grade| [fraction] Minetti et al. (2002) measured (-0.45 to +0.45); the polynomial
is not defined beyond it."""

MINETTI_FLAT_COST = 3.6
"""Cr(0) [J/kg/m], the energy cost of running on the flat, Minetti et al. (2002)."""

STRAVA_GRADE_PCT: tuple[float, ...] = (-20.0, -10.0, -4.0, 0.0, 4.0, 10.0, 20.0)
"""Grades [%] at which Strava's heart-rate-based GAP factor is read off (Robb, 2017),
as tabulated in ``shared/reference/vectors.md``."""

STRAVA_FACTOR: tuple[float, ...] = (1.081, 0.876, 0.918, 1.000, 1.135, 1.459, 2.297)
"""Strava's speed multiplier [-] at each grade in :data:`STRAVA_GRADE_PCT` (Robb, 2017)."""

GRADE_WINDOW_M = 50.0
"""Default window [m] of :func:`grade_from_altitude`: ~17 samples at 1 Hz and 3 m/s, enough
to average 0.2 m barometer steps and 0.3 m jitter to a grade error of about 1 percentage
point, short enough to resolve a 100 m hill. With 0.3 m noise a 40 m window roughly
doubles the worst-case pointwise error in the planted-hill test."""

MAX_GRID_POINTS = 2_000_000
"""Cap on the distance grid of :func:`grade_from_altitude` (1 m steps up to 2000 km), so a
corrupt distance stream cannot exhaust memory; longer spans use coarser steps."""

GradeModel = Literal["minetti", "strava"]


@overload
def minetti_cost(grade: float) -> float: ...
@overload
def minetti_cost(grade: FloatArray) -> FloatArray: ...
@overload
def minetti_cost(grade: pd.Series) -> pd.Series: ...
def minetti_cost(grade: float | FloatArray | pd.Series) -> float | FloatArray | pd.Series:
    r"""Energy cost of running on a slope, Minetti et al. (2002).

    Parameters
    ----------
    grade : float, ndarray or Series
        Grade [fraction], rise over run (0.10 is a 10 % climb, negative downhill).

    Returns
    -------
    float, ndarray or Series
        Energy cost of running Cr [J/kg/m] (joules per kg body mass per metre
        travelled), the same kind as ``grade``. NaN where ``|grade| > 0.45``,
        outside the slopes the polynomial was fitted to, and where ``grade`` is NaN.

    Notes
    -----
    The fitted polynomial of [1]_ (running, :math:`i` as a fraction):

    .. math::

        C_r(i) = 155.4 i^5 - 30.4 i^4 - 43.3 i^3 + 46.3 i^2 + 19.5 i + 3.6

    for :math:`-0.45 \le i \le 0.45`. :math:`C_r(0) = 3.6`; the minimum,
    1.7813 J/kg/m, lies at :math:`i \approx -0.18`. Outside the measured range
    the polynomial turns back down and means nothing, hence NaN rather than an
    extrapolation (:func:`grade_adjusted_speed` clips instead).

    References
    ----------
    .. [1] Minetti, A. E. et al. (2002). J Appl Physiol 93(3), 1039-1046.
       https://doi.org/10.1152/japplphysiol.01177.2001
    """
    values = np.asarray(grade, dtype=float)
    cost = np.polyval(MINETTI_COEFFICIENTS, values)
    cost = np.where(np.abs(values) <= MINETTI_MAX_GRADE, cost, np.nan)
    return _like(cost, grade)


@overload
def grade_adjusted_speed(speed: float, grade: float, model: GradeModel = ...) -> float: ...
@overload
def grade_adjusted_speed(
    speed: FloatArray, grade: float | FloatArray | pd.Series, model: GradeModel = ...
) -> FloatArray: ...
@overload
def grade_adjusted_speed(
    speed: pd.Series, grade: float | FloatArray | pd.Series, model: GradeModel = ...
) -> pd.Series: ...
def grade_adjusted_speed(
    speed: float | FloatArray | pd.Series,
    grade: float | FloatArray | pd.Series,
    model: GradeModel = "minetti",
) -> float | FloatArray | pd.Series:
    r"""Flat-ground equivalent of a speed run on a slope (grade-adjusted speed).

    Parameters
    ----------
    speed : float, ndarray or Series
        Speed actually run [m/s].
    grade : float, ndarray or Series
        Grade [fraction] at each speed sample: a float, or an array/Series of the
        same length as ``speed`` (a scalar ``speed`` takes a scalar ``grade``).
    model : {"minetti", "strava"}, default "minetti"
        ``"minetti"``: equal energy cost per metre, Minetti et al. (2002) [1]_.
        ``"strava"``: equal heart rate, Strava's empirical factors (Robb, 2017) [2]_.

    Returns
    -------
    float, ndarray or Series
        Grade-adjusted speed [m/s], the same kind as ``speed``. NaN where
        ``speed`` or ``grade`` is NaN.

    Notes
    -----
    Both models multiply the speed by a factor of the grade:

    .. math::

        v_\mathrm{flat} = v \, f(i)

    * Minetti: :math:`f(i) = C_r(i) / C_r(0)` with :math:`C_r` from
      :func:`minetti_cost`; the grade is clipped to :math:`\pm 0.45` first, so a
      single noisy sample cannot punch a hole in the stream.
    * Strava: :math:`f` is interpolated linearly in the grade [%] between the
      points of :data:`STRAVA_GRADE_PCT` / :data:`STRAVA_FACTOR`
      (-20 %: 1.081, -10 %: 0.876, -4 %: 0.918, 0: 1, 4 %: 1.135, 10 %: 1.459,
      20 %: 2.297) and held constant beyond -20 % and +20 %.

    Minetti's treadmill cost overstates the benefit of running downhill in
    real running (at -20 % it halves the cost: :math:`f = 0.5`, where Strava's
    heart-rate data give 1.08); Strava's factors were fitted to heart rate in
    ~6 million real runs [2]_.

    References
    ----------
    .. [1] Minetti, A. E. et al. (2002). J Appl Physiol 93(3), 1039-1046.
       https://doi.org/10.1152/japplphysiol.01177.2001
    .. [2] Robb, D. (2017). An Improved GAP Model. Strava Engineering.
       https://medium.com/strava-engineering/an-improved-gap-model-8b07ae8886c3
    """
    v = np.asarray(speed, dtype=float)
    i = np.asarray(grade, dtype=float)
    if v.ndim == 0 and i.ndim != 0:
        raise UsageError("a single speed takes a single grade; pass speed as an array or Series")
    if model == "minetti":
        clipped = np.clip(i, -MINETTI_MAX_GRADE, MINETTI_MAX_GRADE)
        factor = np.polyval(MINETTI_COEFFICIENTS, clipped) / MINETTI_FLAT_COST
    elif model == "strava":
        factor = np.interp(100.0 * i, STRAVA_GRADE_PCT, STRAVA_FACTOR)
        factor = np.where(np.isnan(i), np.nan, factor)
    else:
        raise UsageError(f"unknown grade model {model!r}: use 'minetti' or 'strava'")
    return _like(v * factor, speed)


@overload
def grade_from_altitude(
    distance: FloatArray, altitude: FloatArray | pd.Series, window_m: float = ...
) -> FloatArray: ...
@overload
def grade_from_altitude(
    distance: pd.Series, altitude: FloatArray | pd.Series, window_m: float = ...
) -> pd.Series: ...
def grade_from_altitude(
    distance: FloatArray | pd.Series,
    altitude: FloatArray | pd.Series,
    window_m: float = GRADE_WINDOW_M,
) -> FloatArray | pd.Series:
    r"""Grade stream from cumulative distance and altitude, robust to altimeter noise.

    Parameters
    ----------
    distance : ndarray or Series
        Cumulative distance [m] of each sample (NaN allowed).
    altitude : ndarray or Series
        Altitude [m] of each sample, same length (NaN allowed).
    window_m : float, default :data:`GRADE_WINDOW_M` (50 m)
        Length of ground [m] over which the grade is estimated.

    Returns
    -------
    ndarray or Series
        Grade [fraction] at each sample, aligned with the inputs (a Series keeps
        the index of ``distance``), clipped to :math:`\pm 0.45`. NaN where the
        distance is NaN, and everywhere when fewer than two samples have both
        values or the distance never advances.

    Notes
    -----
    1. Samples with finite distance and altitude are kept; distance is made
       monotone (running maximum, as devices sometimes step back) and samples
       at the same distance (standing still) are averaged.
    2. Altitude is interpolated onto a regular 1 m grid of distance (coarser
       beyond :data:`MAX_GRID_POINTS`), so the estimate is a property of the
       ground, not of how fast the runner went.
    3. A running median over ``window_m`` (shrinking symmetrically at the ends)
       removes isolated spikes (GPS altitude jumps, barometer glitches) without
       bending straight slopes.
    4. The grade at each grid point is the least-squares slope of the
       median-filtered altitude over the centred ``window_m`` (a first-order
       Savitzky-Golay derivative [3]_); the window shrinks at both ends:

       .. math::

           i_k = \frac{\sum_j (x_j - \bar x)(h_j - \bar h)}{\sum_j (x_j - \bar x)^2},
           \quad |x_j - x_k| \le w/2

    5. The grid grade is interpolated back to each sample's distance and
       clipped to :math:`\pm 0.45` (the range of :func:`minetti_cost`).

    A hill shorter than the window is flattened, and slow drifts of GPS
    altitude (tens of metres over minutes) pass through any window this short;
    prefer barometric altitude when the device records it.

    References
    ----------
    .. [3] Savitzky, A., & Golay, M. J. E. (1964). Analytical Chemistry 36(8),
       1627-1639. https://doi.org/10.1021/ac60214a047
    """
    if not window_m > 0:
        raise UsageError(f"window_m must be a positive length in metres, got {window_m!r}")
    d = np.asarray(distance, dtype=float)
    h = np.asarray(altitude, dtype=float)
    if d.shape != h.shape or d.ndim != 1:
        raise UsageError(
            f"distance and altitude must be 1-D and the same length, got {d.shape} and {h.shape}"
        )
    out = np.full(d.shape, np.nan)
    ok = np.isfinite(d) & np.isfinite(h)
    if ok.sum() >= 2:
        x = np.maximum.accumulate(d[ok])
        ux, inverse = np.unique(x, return_inverse=True)
        if ux.size >= 2:
            uh = np.bincount(inverse, weights=h[ok]) / np.bincount(inverse)
            step = max(1.0, (ux[-1] - ux[0]) / MAX_GRID_POINTS)
            grid = np.arange(ux[0], ux[-1] + step, step)
            on_grid = np.interp(grid, ux, uh - uh.mean())  # centred: small sums in the fit
            half = max(1, round(window_m / (2.0 * step)))
            filtered = _centred_median(on_grid, half)
            slope = _local_slope(filtered, half) / step
            has_d = np.isfinite(d)
            mono = np.maximum.accumulate(np.where(has_d, d, -np.inf))
            out[has_d] = np.interp(mono[has_d], grid, slope)
            out = np.clip(out, -MINETTI_MAX_GRADE, MINETTI_MAX_GRADE)
    if isinstance(distance, pd.Series):
        return pd.Series(out, index=distance.index, name="grade")
    return out


def _centred_median(y: FloatArray, half: int) -> FloatArray:
    """Running median over ``2*half+1`` points; near the ends the window shrinks
    symmetrically, so a straight slope passes through unchanged."""
    n = y.size
    out = (
        pd.Series(y)
        .rolling(2 * half + 1, center=True, min_periods=2 * half + 1)
        .median()
        .to_numpy(copy=True)
    )
    for k in [*range(min(half, n)), *range(max(n - half, 0), n)]:
        h = min(k, n - 1 - k)
        out[k] = np.median(y[k - h : k + h + 1])
    return out


def _local_slope(y: FloatArray, half: int) -> FloatArray:
    """Least-squares slope [per grid step] of ``y`` over a centred window of ``2*half+1``
    points, the window shrinking at the ends (cumulative sums, O(n))."""
    n = y.size
    x = np.arange(n, dtype=float)
    lo = np.clip(np.arange(n) - half, 0, n)
    hi = np.clip(np.arange(n) + half + 1, 0, n)

    def window_sum(v: FloatArray) -> FloatArray:
        c = np.concatenate(([0.0], np.cumsum(v)))
        return c[hi] - c[lo]

    # Centre x on each window's own point to keep the sums small (no cancellation).
    s0 = (hi - lo).astype(float)
    s1 = window_sum(x) - s0 * x
    sy = window_sum(y)
    # sum over the window of (x_j - x_k)^2 and (x_j - x_k) y_j, with x_j - x_k = j - k:
    s2 = _window_sq(lo, hi, x)
    sxy = window_sum(x * y) - x * sy
    denom = s0 * s2 - s1 * s1
    with np.errstate(invalid="ignore", divide="ignore"):
        slope = (s0 * sxy - s1 * sy) / denom
    return np.where(denom > 0, slope, 0.0)


def _window_sq(lo: npt.NDArray[np.intp], hi: npt.NDArray[np.intp], x: FloatArray) -> FloatArray:
    """Sum of (j - k)^2 for j in [lo_k, hi_k), exactly, from the closed form of sum j^2."""

    def sq_sum(m: FloatArray) -> FloatArray:  # sum_{t=0}^{m-1} t^2
        return (m - 1.0) * m * (2.0 * m - 1.0) / 6.0

    a = lo - x  # offsets of the first and one-past-last points relative to k
    b = hi - x
    # sum_{t=a}^{b-1} t^2 with a <= 0 < b: sum_{t=1}^{-a} t^2 + sum_{t=0}^{b-1} t^2
    return sq_sum(-a + 1.0) + sq_sum(b)


@overload
def _like(values: FloatArray, template: float) -> float: ...
@overload
def _like(values: FloatArray, template: FloatArray) -> FloatArray: ...
@overload
def _like(values: FloatArray, template: pd.Series) -> pd.Series: ...
@overload
def _like(
    values: FloatArray, template: float | FloatArray | pd.Series
) -> float | FloatArray | pd.Series: ...
def _like(
    values: FloatArray, template: float | FloatArray | pd.Series
) -> float | FloatArray | pd.Series:
    """Return ``values`` as the same kind as ``template`` (float, ndarray or Series)."""
    if isinstance(template, pd.Series):
        return pd.Series(np.broadcast_to(values, template.shape), index=template.index)
    if isinstance(template, np.ndarray):
        return np.asarray(values, dtype=float)
    return float(values)
