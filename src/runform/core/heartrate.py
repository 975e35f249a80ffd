"""Heart-rate training load (TRIMP) and %HRmax -> %VO2max (pure functions).

* :func:`banister_trimp` / :func:`banister_trimp_stream`: Banister's training
  impulse, duration weighted by the heart-rate-reserve fraction and an
  exponential that grows like blood lactate (Banister 1991; coefficients of
  Morton, Fitz-Clarke & Banister 1990).
* :func:`edwards_trimp` / :func:`edwards_trimp_stream`: Edwards' summated
  heart-rate zones, minutes in the 50-60-70-80-90-100 %HRmax zones weighted 1-5.
* :func:`vo2max_fraction_from_hr_fraction`: Swain et al. (1994)'s regression
  of %HRmax on %VO2max, inverted.

Heart rates are bpm, durations minutes for the summary forms and seconds for
stream time, as the names say.

References
----------
.. [1] Banister, E. W. (1991). Modeling elite athletic performance. In
   MacDougall, J. D., Wenger, H. A., & Green, H. J. (Eds.), Physiological
   Testing of the High-Performance Athlete (2nd ed., pp. 403-424). Human Kinetics.
.. [2] Morton, R. H., Fitz-Clarke, J. R., & Banister, E. W. (1990). Modeling
   human performance in running. Journal of Applied Physiology, 69(3),
   1171-1177. https://doi.org/10.1152/jappl.1990.69.3.1171
.. [3] Edwards, S. (1993). The Heart Rate Monitor Book. Polar Electro / Fleet Feet Press.
.. [4] Swain, D. P., Abernathy, K. S., Smith, C. S., Lee, S. J., & Bunn, S. A.
   (1994). Target heart rates for the development of cardiorespiratory fitness.
   Medicine & Science in Sports & Exercise, 26(1), 112-116.
   https://doi.org/10.1249/00005768-199401000-00019
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal, overload

import numpy as np
import numpy.typing as npt
import pandas as pd

from runform.core.summary import PAUSE_GAP_S
from runform.errors import UsageError

FloatArray = npt.NDArray[np.float64]
Sex = Literal["male", "female"]

BANISTER_COEFFICIENTS: dict[str, tuple[float, float]] = {
    "male": (0.64, 1.92),
    "female": (0.86, 1.67),
}
"""(A, B) of Banister's TRIMP weighting y = A e^(B x), from the blood lactate vs heart-rate-reserve
curves of Morton et al. (1990), as used by Banister (1991)."""

EDWARDS_ZONE_EDGES: tuple[float, ...] = (0.5, 0.6, 0.7, 0.8, 0.9)
"""Lower edges of Edwards' zones 1-5 [fraction of HRmax] (Edwards 1993); zone 5 is open above."""

SWAIN_SLOPE = 0.6463
"""Slope of %HRmax on %VO2max, Swain et al. (1994) (often rounded to 0.64)."""

SWAIN_INTERCEPT = 37.182
"""Intercept [%HRmax] of Swain et al. (1994) (often rounded to 37)."""


@overload
def banister_trimp(
    duration_min: float, hr_avg: float, hr_rest: float, hr_max: float, sex: Sex
) -> float: ...
@overload
def banister_trimp(
    duration_min: float | FloatArray, hr_avg: FloatArray, hr_rest: float, hr_max: float, sex: Sex
) -> FloatArray: ...
@overload
def banister_trimp(
    duration_min: float | FloatArray | pd.Series,
    hr_avg: pd.Series,
    hr_rest: float,
    hr_max: float,
    sex: Sex,
) -> pd.Series: ...
def banister_trimp(
    duration_min: float | FloatArray | pd.Series,
    hr_avg: float | FloatArray | pd.Series,
    hr_rest: float,
    hr_max: float,
    sex: Sex,
) -> float | FloatArray | pd.Series:
    r"""Banister's training impulse (TRIMP) of a session from its average heart rate.

    Parameters
    ----------
    duration_min : float, ndarray or Series
        Duration of the session [min].
    hr_avg : float, ndarray or Series
        Average heart rate of the session [bpm]; the result has its kind.
    hr_rest : float
        Resting heart rate [bpm].
    hr_max : float
        Maximum heart rate [bpm], greater than ``hr_rest``.
    sex : {"male", "female"}
        Selects the weighting coefficients (:data:`BANISTER_COEFFICIENTS`).

    Returns
    -------
    float, ndarray or Series
        TRIMP [arbitrary units, "minutes at weighted intensity"], the kind of ``hr_avg``.

    Notes
    -----
    .. math::

        x = \frac{HR_\mathrm{avg} - HR_\mathrm{rest}}{HR_\mathrm{max} - HR_\mathrm{rest}},
        \qquad \mathrm{TRIMP} = t \, x \, A \, e^{B x}

    with :math:`A = 0.64, B = 1.92` for men and :math:`A = 0.86, B = 1.67` for
    women [1]_ [2]_. :math:`x` is clipped to [0, 1]: a heart rate below rest adds
    nothing and one above the stated maximum counts as the maximum.
    60 min at 150 bpm (rest 60, max 190) gives 100.44 for men, 113.52 for women.

    References
    ----------
    .. [1] Banister, E. W. (1991). Modeling elite athletic performance. In
       Physiological Testing of the High-Performance Athlete (2nd ed.). Human Kinetics.
    .. [2] Morton, R. H., Fitz-Clarke, J. R., & Banister, E. W. (1990). J Appl
       Physiol 69(3), 1171-1177. https://doi.org/10.1152/jappl.1990.69.3.1171
    """
    a, b = _banister_ab(sex)
    x = _reserve_fraction(np.asarray(hr_avg, dtype=float), hr_rest, hr_max)
    trimp = np.asarray(duration_min, dtype=float) * x * a * np.exp(b * x)
    if isinstance(hr_avg, pd.Series):
        return pd.Series(np.broadcast_to(trimp, hr_avg.shape), index=hr_avg.index)
    if isinstance(hr_avg, np.ndarray):
        return np.asarray(trimp, dtype=float)
    return float(trimp)


def banister_trimp_stream(
    time: FloatArray | pd.Series,
    heart_rate: FloatArray | pd.Series,
    hr_rest: float,
    hr_max: float,
    sex: Sex,
    max_gap_s: float = PAUSE_GAP_S,
) -> float:
    r"""Banister's TRIMP summed sample by sample over a heart-rate stream.

    Parameters
    ----------
    time : ndarray or Series
        Sample times [s], increasing.
    heart_rate : ndarray or Series
        Heart rate [bpm] at each sample; NaN samples add nothing.
    hr_rest, hr_max : float
        Resting and maximum heart rate [bpm].
    sex : {"male", "female"}
        Selects the weighting coefficients.
    max_gap_s : float, default :data:`runform.core.summary.PAUSE_GAP_S` (10 s)
        Longest interval [s] one sample stands for; longer gaps are pauses.

    Returns
    -------
    float
        TRIMP [a.u.] of the whole stream.

    Notes
    -----
    .. math::

        \mathrm{TRIMP} = \sum_k \frac{\Delta t_k}{60} \, x_k \, A \, e^{B x_k}

    where :math:`\Delta t_k` is the time to the next sample [s], capped at
    ``max_gap_s`` (the last sample stands for 1 s), and :math:`x_k` the
    heart-rate-reserve fraction of sample :math:`k`, clipped to [0, 1]. Summing
    per sample weights hard stretches more than the session average does,
    because the weighting is convex.
    """
    a, b = _banister_ab(sex)
    dt = _intervals(np.asarray(time, dtype=float), max_gap_s)
    x = _reserve_fraction(np.asarray(heart_rate, dtype=float), hr_rest, hr_max)
    _same_length(dt, x)
    contrib = dt / 60.0 * x * a * np.exp(b * x)
    return float(np.nansum(contrib))


def edwards_trimp(minutes_in_zones: Sequence[float] | FloatArray) -> float:
    r"""Edwards' summated heart-rate-zone TRIMP.

    Parameters
    ----------
    minutes_in_zones : sequence of 5 floats
        Minutes [min] spent in zones 1-5 (50-60, 60-70, 70-80, 80-90, 90-100 %HRmax).

    Returns
    -------
    float
        TRIMP [a.u.].

    Notes
    -----
    .. math::

        \mathrm{TRIMP} = \sum_{z=1}^{5} z \, t_z

    [10, 20, 15, 10, 5] minutes give 10 + 40 + 45 + 40 + 25 = 160.

    References
    ----------
    .. [3] Edwards, S. (1993). The Heart Rate Monitor Book. Polar Electro / Fleet Feet Press.
    """
    minutes = np.asarray(minutes_in_zones, dtype=float)
    if minutes.shape != (5,):
        raise UsageError(f"Edwards TRIMP needs minutes in 5 zones, got shape {minutes.shape}")
    if np.any(minutes < 0) or not np.all(np.isfinite(minutes)):
        raise UsageError("minutes in zones must be finite and not negative")
    return float(np.dot(np.arange(1, 6), minutes))


def edwards_zone_minutes(
    time: FloatArray | pd.Series,
    heart_rate: FloatArray | pd.Series,
    hr_max: float,
    max_gap_s: float = PAUSE_GAP_S,
) -> FloatArray:
    """Minutes [min] in Edwards' zones 1-5 from a heart-rate stream.

    Parameters
    ----------
    time : ndarray or Series
        Sample times [s], increasing.
    heart_rate : ndarray or Series
        Heart rate [bpm]; NaN samples and samples below 50 %HRmax count in no zone.
    hr_max : float
        Maximum heart rate [bpm].
    max_gap_s : float, default 10 s
        Longest interval [s] one sample stands for.

    Returns
    -------
    ndarray, shape (5,)
        Minutes in zone 1 (50-60 %HRmax) ... zone 5 (90 % and above). A zone
        includes its lower edge: exactly 60 %HRmax is zone 2.
    """
    if not hr_max > 0:
        raise UsageError(f"maximum heart rate must be positive, got {hr_max!r} bpm")
    dt = _intervals(np.asarray(time, dtype=float), max_gap_s)
    frac = np.asarray(heart_rate, dtype=float) / hr_max
    _same_length(dt, frac)
    zone = np.searchsorted(np.asarray(EDWARDS_ZONE_EDGES), frac, side="right")  # 0 = below zone 1
    ok = np.isfinite(frac) & (zone >= 1)
    return np.bincount(zone[ok] - 1, weights=dt[ok] / 60.0, minlength=5).astype(float)


def edwards_trimp_stream(
    time: FloatArray | pd.Series,
    heart_rate: FloatArray | pd.Series,
    hr_max: float,
    max_gap_s: float = PAUSE_GAP_S,
) -> float:
    """Edwards' TRIMP [a.u.] of a heart-rate stream: :func:`edwards_trimp` of
    :func:`edwards_zone_minutes` (zones at 50-60-70-80-90-100 %HRmax)."""
    return edwards_trimp(edwards_zone_minutes(time, heart_rate, hr_max, max_gap_s))


@overload
def vo2max_fraction_from_hr_fraction(hr_frac: float) -> float: ...
@overload
def vo2max_fraction_from_hr_fraction(hr_frac: FloatArray) -> FloatArray: ...
@overload
def vo2max_fraction_from_hr_fraction(hr_frac: pd.Series) -> pd.Series: ...
def vo2max_fraction_from_hr_fraction(
    hr_frac: float | FloatArray | pd.Series,
) -> float | FloatArray | pd.Series:
    r"""Fraction of VO2max at a fraction of maximum heart rate, Swain et al. (1994).

    Parameters
    ----------
    hr_frac : float, ndarray or Series
        Heart rate as a fraction of maximum heart rate [fraction] (0.85 = 85 %HRmax).

    Returns
    -------
    float, ndarray or Series
        Oxygen uptake as a fraction of VO2max [fraction], same kind as ``hr_frac``.
        Not clipped: the regression was fitted for about 40-100 %VO2max
        (roughly 63-100 %HRmax) and at 100 %HRmax gives 0.972, not 1.

    Notes
    -----
    Swain et al. [4]_ regressed %HRmax on %VO2max in 162 young adults
    (incremental treadmill/cycle tests to exhaustion):

    .. math::

        \%HR_\mathrm{max} = 0.6463 \, \%\dot VO_{2\mathrm{max}} + 37.182
        \quad\Longrightarrow\quad
        \%\dot VO_{2\mathrm{max}} = \frac{\%HR_\mathrm{max} - 37.182}{0.6463}

    often quoted rounded as 0.64 and 37. The unrounded coefficients reproduce the
    paper's mean %HRmax at 40, 60, 80 and 85 %VO2max (63, 76, 89, 92 %) to the
    published integer; the rounded ones miss 60 % and 85 % by one point.

    Runalyze's documentation does not state its conversion; its source
    (``LegacyEffectiveVO2max::percentageAt``) uses a different, log-shaped
    regression on Daniels' tables, :math:`\exp((\%HR_\mathrm{max} - 1.00466) / 0.68725)`
    in fractions. runform uses the published Swain equation instead.

    References
    ----------
    .. [4] Swain, D. P. et al. (1994). Med Sci Sports Exerc 26(1), 112-116.
       https://doi.org/10.1249/00005768-199401000-00019
    """
    frac = (100.0 * np.asarray(hr_frac, dtype=float) - SWAIN_INTERCEPT) / SWAIN_SLOPE / 100.0
    if isinstance(hr_frac, pd.Series):
        return pd.Series(frac, index=hr_frac.index, name=hr_frac.name)
    if isinstance(hr_frac, np.ndarray):
        return np.asarray(frac, dtype=float)
    return float(frac)


def _banister_ab(sex: str) -> tuple[float, float]:
    try:
        return BANISTER_COEFFICIENTS[sex]
    except KeyError:
        raise UsageError(
            f"sex must be 'male' or 'female' for Banister TRIMP, got {sex!r}"
        ) from None


def _reserve_fraction(hr: FloatArray, hr_rest: float, hr_max: float) -> FloatArray:
    """Heart-rate-reserve fraction clipped to [0, 1] (NaN stays NaN)."""
    if not (np.isfinite(hr_rest) and np.isfinite(hr_max) and hr_max > hr_rest > 0):
        raise UsageError(
            f"need 0 < resting < maximum heart rate, got rest {hr_rest!r} and max {hr_max!r} bpm"
        )
    return np.clip((hr - hr_rest) / (hr_max - hr_rest), 0.0, 1.0)


def _intervals(time: FloatArray, max_gap_s: float) -> FloatArray:
    """Interval [s] each sample stands for: time to the next sample, capped at ``max_gap_s``
    (the last sample stands for 1 s, as in :mod:`runform.core.summary`); NaN -> 0."""
    if time.size == 0:
        return time
    dt = np.diff(time, append=time[-1] + 1.0)
    return np.nan_to_num(np.clip(dt, 0.0, max_gap_s), nan=0.0)


def _same_length(a: FloatArray, b: FloatArray) -> None:
    if a.shape != b.shape:
        raise UsageError(
            f"time and heart_rate must be the same length, got {a.shape} and {b.shape}"
        )
