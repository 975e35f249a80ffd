"""Daniels & Gilbert VDOT: aerobic fitness from a race, race equivalents and training paces.

VDOT is the VO2max [ml/kg/min] a runner "appears" to have from a race result,
through two regressions Daniels & Gilbert fitted to race data (Oxygen Power,
1979): the oxygen cost of running at a speed, and the fraction of VO2max a
runner can hold for a duration. It is the basis of the race-equivalent and
training-pace tables in Daniels' Running Formula.

Functions follow the published model: speeds in m/min and durations in min
inside the equations (:func:`vo2_cost`, :func:`fraction_vo2max`), SI seconds
and metres at the edges (:func:`vdot_from_race`, :func:`race_time_from_vdot`).
Scalars in give a float out; an ndarray in gives an ndarray out; inputs are
never modified.

References
----------
.. [1] Daniels, J., Gilbert, J. (1979). Oxygen Power: Performance Tables for
   Distance Runners. Tempe, AZ: self-published.
.. [2] Daniels, J. (2014). Daniels' Running Formula, 3rd ed. Champaign, IL:
   Human Kinetics.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, overload

import numpy as np
import numpy.typing as npt

from runform.errors import UsageError
from runform.units import format_duration

FloatArray = npt.NDArray[np.float64]

MARATHON_M = 42195.0
"""Marathon distance [m] (World Athletics)."""

VDOT_MIN = 20.0
"""Lowest VDOT accepted [ml/kg/min]. Daniels' tables start at 30; 20 keeps beginners
(a 5 km in about 39 min) inside while still catching typos such as minutes for hours."""

VDOT_MAX = 90.0
"""Highest VDOT accepted [ml/kg/min]. Men's world records from 5000 m to the marathon
all work out at about VDOT 85 (e.g. 5000 m 12:35.36 -> 85.3), so 90 leaves a margin."""

_VDOT_SLACK = 1e-9
"""Round-off allowed at the range ends, so that a time solved at VDOT 20 maps back to 20."""

# Coefficients of Daniels & Gilbert (1979) [1], as restated in shared/reference/vectors.md.
_VO2_A, _VO2_B, _VO2_C = -4.60, 0.182258, 0.000104
_F_0, _F_1, _K_1, _F_2, _K_2 = 0.8, 0.1894393, 0.012778, 0.2989558, 0.1932605

THRESHOLD_FRACTION = 0.88
"""T pace runs at 88 % of VDOT (shared/reference/vectors.md, "common single-pace
fractions"); reproduces Daniels' [2] T column within 0.3 s/km at VDOT 30, 50, 70."""

INTERVAL_FRACTION = 0.974
"""I pace runs at 97.4 % of VDOT (shared/reference/vectors.md, "I ~0.974");
reproduces Daniels' [2] I column within 2.6 s/km at VDOT 30, 50, 70."""

EASY_FRACTIONS = (0.735, 0.63)
"""E pace range as fractions of VDOT, (fast end, slow end) (shared/reference/vectors.md,
"E ~0.63-0.735"); reproduces Daniels' [2] E range within 4.9 s/km at VDOT 30, 50, 70."""

REPETITION_OFFSET_S_PER_KM = 20.0
"""R pace is I pace less 20 s/km (= 8 s per 400 m, 4 s per 200 m) at every VDOT.

Daniels' table [2] (shared/reference/vdot_pace_table.csv) gives R per 200 m of
67, 43 and 32 s at VDOT 30, 50 and 70; I - 20 s/km gives 66.9, 43.0 and 31.8.
The rule in vectors.md (I - 15 s/km from VDOT 50 up) gives 44.0 and 32.8 there,
a whole second per 200 m off the book, so it is not used."""


# ---------------------------------------------------------------- same kind in, same kind out


def _is_scalar(*xs: object) -> bool:
    return not any(isinstance(x, np.ndarray) for x in xs)


def _out(x: FloatArray, scalar: bool) -> float | FloatArray:
    return float(x) if scalar else np.asarray(x, dtype=np.float64)


# ---------------------------------------------------------------- the published equations


def _vo2(v: FloatArray) -> FloatArray:
    return np.asarray(_VO2_A + _VO2_B * v + _VO2_C * v * v, dtype=np.float64)


def _fraction(t: FloatArray) -> FloatArray:
    return np.asarray(_F_0 + _F_1 * np.exp(-_K_1 * t) + _F_2 * np.exp(-_K_2 * t), dtype=np.float64)


def _vdot(d: FloatArray, t_min: FloatArray) -> FloatArray:
    return _vo2(d / t_min) / _fraction(t_min)


@overload
def vo2_cost(velocity: float) -> float: ...
@overload
def vo2_cost(velocity: npt.NDArray[Any]) -> FloatArray: ...
def vo2_cost(velocity: float | npt.NDArray[Any]) -> float | FloatArray:
    """Oxygen cost of running at a speed (Daniels & Gilbert 1979).

    Parameters
    ----------
    velocity : float or ndarray
        Running speed [m/min] (not m/s: the regression was fitted in m/min).

    Returns
    -------
    float or ndarray
        Oxygen uptake [ml/kg/min] needed at that speed; same kind as the input.

    Notes
    -----
    .. math:: \\mathrm{VO_2}(v) = -4.60 + 0.182258\\,v + 0.000104\\,v^2

    Fitted on trained runners at roughly 150-400 m/min; NaN propagates.

    References
    ----------
    .. [1] Daniels, J., Gilbert, J. (1979). Oxygen Power. Tempe, AZ.
    """
    return _out(_vo2(np.asarray(velocity, dtype=np.float64)), _is_scalar(velocity))


@overload
def velocity_from_vo2(vo2: float) -> float: ...
@overload
def velocity_from_vo2(vo2: npt.NDArray[Any]) -> FloatArray: ...
def velocity_from_vo2(vo2: float | npt.NDArray[Any]) -> float | FloatArray:
    """Speed whose oxygen cost is ``vo2``: the inverse of :func:`vo2_cost`.

    Parameters
    ----------
    vo2 : float or ndarray
        Oxygen uptake [ml/kg/min], above -4.60.

    Returns
    -------
    float or ndarray
        Speed [m/min]; same kind as the input.

    Notes
    -----
    The positive root of :math:`0.000104\\,v^2 + 0.182258\\,v - (4.60 + \\mathrm{VO_2}) = 0`:

    .. math:: v = \\frac{-b + \\sqrt{b^2 + 4c\\,(4.60 + \\mathrm{VO_2})}}{2c},
              \\quad b = 0.182258,\\ c = 0.000104
    """
    o = np.asarray(vo2, dtype=np.float64)
    out: FloatArray = (-_VO2_B + np.sqrt(_VO2_B**2 + 4.0 * _VO2_C * (o - _VO2_A))) / (2.0 * _VO2_C)
    return _out(out, _is_scalar(vo2))


@overload
def fraction_vo2max(duration: float) -> float: ...
@overload
def fraction_vo2max(duration: npt.NDArray[Any]) -> FloatArray: ...
def fraction_vo2max(duration: float | npt.NDArray[Any]) -> float | FloatArray:
    """Fraction of VO2max a runner can sustain for a race of a given duration.

    Parameters
    ----------
    duration : float or ndarray
        Race duration [min] (not seconds: the regression was fitted in minutes).

    Returns
    -------
    float or ndarray
        Sustainable fraction of VO2max [-] (1.0 at about 11 min, tending to 0.8 for
        very long races); same kind as the input.

    Notes
    -----
    .. math:: f(t) = 0.8 + 0.1894393\\,e^{-0.012778\\,t} + 0.2989558\\,e^{-0.1932605\\,t}

    References
    ----------
    .. [1] Daniels, J., Gilbert, J. (1979). Oxygen Power. Tempe, AZ.
    """
    return _out(_fraction(np.asarray(duration, dtype=np.float64)), _is_scalar(duration))


# ---------------------------------------------------------------- checks


def _describe(distance_m: float, time_s: float) -> str:
    dist = f"{distance_m / 1000.0:g} km" if distance_m >= 1000.0 else f"{distance_m:g} m"
    return f"{format_duration(time_s)} for {dist}"


def _check_positive(name: str, x: FloatArray, unit: str) -> None:
    bad = ~(x > 0.0) & ~np.isnan(x) | np.isinf(x)
    if bad.any():
        first = float(x[bad].flat[0])
        raise UsageError(f"{name} must be a positive, finite number of {unit}, not {first:g}")


def _range_problem(v: float) -> str:
    if v > VDOT_MAX:
        return (
            f"implies VDOT {v:.1f}, faster than world-record level (about VDOT 85; "
            f"the model accepts {VDOT_MIN:g}-{VDOT_MAX:g}); check the distance and the time"
        )
    return (
        f"implies VDOT {v:.1f}, slower than the VDOT {VDOT_MIN:g} floor of the "
        f"Daniels-Gilbert model ({VDOT_MIN:g}-{VDOT_MAX:g}); check the distance and the time"
    )


def _out_of_range(v: FloatArray) -> npt.NDArray[np.bool_]:
    return (v < VDOT_MIN - _VDOT_SLACK) | (v > VDOT_MAX + _VDOT_SLACK)


def check_vdot(vdot: float | npt.NDArray[Any]) -> None:
    """Raise :class:`~runform.errors.UsageError` unless every VDOT is within 20-90.

    Parameters
    ----------
    vdot : float or ndarray
        VDOT [ml/kg/min]; NaN entries are let through (they propagate as missing values).
    """
    v = np.asarray(vdot, dtype=np.float64)
    bad = _out_of_range(v) | np.isinf(v)
    if bad.any():
        first = float(v[bad].flat[0])
        count = "" if v.ndim == 0 else f" ({int(bad.sum())} of {v.size} values)"
        raise UsageError(
            f"VDOT {first:g} is outside {VDOT_MIN:g}-{VDOT_MAX:g}{count}, the range the "
            "Daniels-Gilbert model covers (world records are about VDOT 85)"
        )


# ---------------------------------------------------------------- VDOT <-> race time


@overload
def vdot_from_race(distance_m: float, time_s: float) -> float: ...
@overload
def vdot_from_race(
    distance_m: npt.NDArray[Any], time_s: float | npt.NDArray[Any]
) -> FloatArray: ...
@overload
def vdot_from_race(distance_m: float, time_s: npt.NDArray[Any]) -> FloatArray: ...
def vdot_from_race(
    distance_m: float | npt.NDArray[Any], time_s: float | npt.NDArray[Any]
) -> float | FloatArray:
    """VDOT of a race result (Daniels & Gilbert 1979).

    Parameters
    ----------
    distance_m : float or ndarray
        Race distance [m].
    time_s : float or ndarray
        Finishing time [s]; broadcast against ``distance_m``.

    Returns
    -------
    float or ndarray
        VDOT [ml/kg/min]: a float when both inputs are scalars, else an ndarray.

    Raises
    ------
    UsageError
        A distance or time that is not positive, or a result outside VDOT 20-90
        (faster than world-record level, or slower than the model covers).

    Notes
    -----
    With :math:`v = d/t` [m/min] and :math:`t` [min],

    .. math:: \\mathrm{VDOT} = \\frac{\\mathrm{VO_2}(v)}{f(t)}

    (:func:`vo2_cost` over :func:`fraction_vo2max`). Daniels' tables cover
    1500 m to the marathon; outside that the equation still computes but the
    regression was not fitted there.

    References
    ----------
    .. [1] Daniels, J., Gilbert, J. (1979). Oxygen Power. Tempe, AZ.
    .. [2] Daniels, J. (2014). Daniels' Running Formula, 3rd ed. Human Kinetics.

    Examples
    --------
    >>> round(vdot_from_race(5000.0, 1200.0), 2)
    49.81
    """
    d = np.asarray(distance_m, dtype=np.float64)
    t = np.asarray(time_s, dtype=np.float64)
    _check_positive("distance_m", d, "metres")
    _check_positive("time_s", t, "seconds")
    v = _vdot(d, t / 60.0)
    bad = _out_of_range(v)
    if bad.any():
        db, tb = np.broadcast_arrays(d, t)
        i = np.flatnonzero(bad.ravel())[0] if v.ndim else 0
        first = _describe(float(db.flat[i]), float(tb.flat[i]))
        count = "" if v.ndim == 0 else f" ({int(bad.sum())} of {v.size} races)"
        raise UsageError(f"{first} {_range_problem(float(v.flat[i]))}{count}")
    return _out(v, _is_scalar(distance_m, time_s))


_BISECTION_STEPS = 64
"""Halvings of the log-time bracket (width ln 40): 64 reach double precision."""

_SPEED_FAST, _SPEED_SLOW = 2000.0, 50.0
"""Bracket speeds [m/min]: at 2000 m/min VDOT > 600, at 50 m/min VDOT < 6, for any distance."""


@overload
def race_time_from_vdot(vdot: float, distance_m: float) -> float: ...
@overload
def race_time_from_vdot(
    vdot: npt.NDArray[Any], distance_m: float | npt.NDArray[Any]
) -> FloatArray: ...
@overload
def race_time_from_vdot(vdot: float, distance_m: npt.NDArray[Any]) -> FloatArray: ...
def race_time_from_vdot(
    vdot: float | npt.NDArray[Any], distance_m: float | npt.NDArray[Any]
) -> float | FloatArray:
    """Race time a runner of a given VDOT is predicted to run over any distance.

    Parameters
    ----------
    vdot : float or ndarray
        VDOT [ml/kg/min], within 20-90.
    distance_m : float or ndarray
        Race distance [m]; broadcast against ``vdot``.

    Returns
    -------
    float or ndarray
        Predicted time [s]: a float when both inputs are scalars, else an ndarray.

    Raises
    ------
    UsageError
        VDOT outside 20-90, or a distance that is not positive.

    Notes
    -----
    Solves :math:`\\mathrm{VO_2}(d/t) / f(t) = \\mathrm{VDOT}` for :math:`t` by
    bisection on :math:`\\ln t` between the times at 2000 and 50 m/min, which
    bracket every VDOT in range at any distance. The left side is strictly
    decreasing in :math:`t`: its elasticity is
    :math:`-\\,v\\mathrm{VO_2}'/\\mathrm{VO_2} - t f'/f \\le -1 + 0.23 < 0`
    (the oxygen-cost elasticity exceeds 1 because of the negative intercept, the
    fraction's is at most 0.18/0.8), so the root is unique.

    References
    ----------
    .. [1] Daniels, J., Gilbert, J. (1979). Oxygen Power. Tempe, AZ.

    Examples
    --------
    >>> round(race_time_from_vdot(50.0, 10000.0))
    2480
    """
    target = np.asarray(vdot, dtype=np.float64)
    d = np.asarray(distance_m, dtype=np.float64)
    check_vdot(target)
    _check_positive("distance_m", d, "metres")
    target, d = np.broadcast_arrays(target, d)
    lo = np.log(d / _SPEED_FAST)  # ln t [min]: VDOT above target here
    hi = np.log(d / _SPEED_SLOW)  # VDOT below target here
    for _ in range(_BISECTION_STEPS):
        mid = 0.5 * (lo + hi)
        above = _vdot(d, np.exp(mid)) > target
        lo = np.where(above, mid, lo)
        hi = np.where(above, hi, mid)
    out: FloatArray = 60.0 * np.exp(0.5 * (lo + hi))
    out = np.where(np.isnan(target) | np.isnan(d), np.nan, out)
    return _out(out, _is_scalar(vdot, distance_m))


# ---------------------------------------------------------------- training paces


def _pace_at(vdot: float, fraction: float) -> float:
    """Pace [s/km] whose oxygen cost is ``fraction`` of ``vdot``."""
    return 60000.0 / velocity_from_vo2(fraction * vdot)


@dataclass(frozen=True)
class TrainingPaces:
    """Daniels' training paces for one VDOT, all in seconds per kilometre [s/km].

    Attributes
    ----------
    vdot : float
        VDOT [ml/kg/min] the paces belong to.
    easy_s_per_km : tuple of float
        E (easy / long-run) range [s/km] as (fast end, slow end).
    marathon_s_per_km : float
        M pace [s/km]: the predicted marathon time over 42.195 km.
    threshold_s_per_km : float
        T pace [s/km].
    interval_s_per_km : float
        I pace [s/km].
    repetition_s_per_km : float
        R pace [s/km].
    """

    vdot: float
    easy_s_per_km: tuple[float, float]
    marathon_s_per_km: float
    threshold_s_per_km: float
    interval_s_per_km: float
    repetition_s_per_km: float

    @property
    def interval_s_per_400m(self) -> float:
        """I pace as seconds per 400 m [s] (the book's unit for I)."""
        return per_distance(self.interval_s_per_km, 400.0)

    @property
    def repetition_s_per_200m(self) -> float:
        """R pace as seconds per 200 m [s] (the book's unit for R)."""
        return per_distance(self.repetition_s_per_km, 200.0)

    @property
    def repetition_s_per_400m(self) -> float:
        """R pace as seconds per 400 m [s]."""
        return per_distance(self.repetition_s_per_km, 400.0)

    def as_dict(self) -> dict[str, float | list[float]]:
        """Paces [s/km] keyed E, M, T, I, R; E is ``[fast, slow]`` (JSON-ready)."""
        return {
            "E": [self.easy_s_per_km[0], self.easy_s_per_km[1]],
            "M": self.marathon_s_per_km,
            "T": self.threshold_s_per_km,
            "I": self.interval_s_per_km,
            "R": self.repetition_s_per_km,
        }


def per_distance(pace_s_per_km: float, distance_m: float) -> float:
    """Time [s] to cover ``distance_m`` [m] at ``pace_s_per_km`` [s/km]."""
    return pace_s_per_km * distance_m / 1000.0


def training_paces(vdot: float) -> TrainingPaces:
    """Daniels' E, M, T, I and R training paces for a VDOT.

    Parameters
    ----------
    vdot : float
        VDOT [ml/kg/min], within 20-90.

    Returns
    -------
    TrainingPaces
        Paces [s/km]; helpers give I per 400 m and R per 200 m / 400 m.

    Raises
    ------
    UsageError
        VDOT outside 20-90 (or not a finite number).

    Notes
    -----
    Each single pace is the speed whose oxygen cost (:func:`vo2_cost`) is a
    fixed fraction of VDOT, :math:`v = \\mathrm{VO_2}^{-1}(p\\,\\mathrm{VDOT})`:

    * E: :math:`p` = 0.735 (fast end) to 0.63 (slow end),
    * T: :math:`p` = 0.88,
    * I: :math:`p` = 0.974,
    * M: the predicted marathon (:func:`race_time_from_vdot`) / 42.195 km,
    * R: I pace - 20 s/km (:data:`REPETITION_OFFSET_S_PER_KM`).

    Against the book's table (VDOT 30, 50, 70) this is within T 0.3, I 2.6,
    E 4.9, M 0.4 s/km and R 0.25 s per 200 m, except M at VDOT 30, which the book
    sets about 11 s/km slower than its own marathon equivalent (4:49:17 ->
    6:51/km, printed 7:03/km) and this function does not imitate.

    References
    ----------
    .. [1] Daniels, J. (2014). Daniels' Running Formula, 3rd ed. Human Kinetics.
    .. [2] Daniels, J., Gilbert, J. (1979). Oxygen Power. Tempe, AZ.
    """
    if isinstance(vdot, np.ndarray) or not isinstance(vdot, int | float):
        raise UsageError(f"training_paces takes one VDOT number, not {type(vdot).__name__}")
    v = float(vdot)
    if math.isnan(v):
        raise UsageError("VDOT is not a number (NaN)")
    check_vdot(v)
    interval = _pace_at(v, INTERVAL_FRACTION)
    return TrainingPaces(
        vdot=v,
        easy_s_per_km=(_pace_at(v, EASY_FRACTIONS[0]), _pace_at(v, EASY_FRACTIONS[1])),
        marathon_s_per_km=race_time_from_vdot(v, MARATHON_M) / (MARATHON_M / 1000.0),
        threshold_s_per_km=_pace_at(v, THRESHOLD_FRACTION),
        interval_s_per_km=interval,
        repetition_s_per_km=interval - REPETITION_OFFSET_S_PER_KM,
    )
