"""Race-time prediction from one race: Riegel, Cameron and the VDOT equivalent.

Each model has its own function named after it (:func:`riegel_time`,
:func:`cameron_time`, :func:`vdot_equivalent_time`); :func:`predict` picks one,
checks the inputs and attaches plain-language warnings. :func:`vdot_report`
gathers what ``runform vdot`` prints. Scalars in give a float out; an ndarray
in gives an ndarray out; inputs are never modified.

References
----------
.. [1] Riegel, P. S. (1981). Athletic records and human endurance. American
   Scientist 69(3), 285-290.
.. [2] Cameron, D. Race-time prediction formula (c. 1998), as restated in
   shared/reference/vectors.md.
.. [3] Daniels, J., Gilbert, J. (1979). Oxygen Power. Tempe, AZ.
.. [4] Vickers, A. J., Vertosick, E. A. (2016). An empirical study of race times
   in recreational endurance runners. BMC Sports Science, Medicine and
   Rehabilitation 8. https://doi.org/10.1186/s13102-016-0052-y
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol, cast, overload

import numpy as np
import numpy.typing as npt

from runform.errors import UsageError
from runform.performance.races import (
    HALF_MARATHON_M,
    MIN_RACE_DISTANCE_M,
    STANDARD_DISTANCES_M,
    Race,
    check_performance,
)
from runform.performance.vdot import (
    MARATHON_M,
    FloatArray,
    race_time_from_vdot,
    training_paces,
    vdot_from_race,
)

RIEGEL_EXPONENT = 1.06
"""Riegel's (1981) fatigue exponent for running, fitted on world records lasting
about 3.5 to 230 min."""

RIEGEL_EXPONENT_RANGE = (1.0, 1.3)
"""Exponents accepted by :func:`predict`: below 1.0 a longer race would be run at a
faster pace; 1.3 is well beyond any personal exponent worth extrapolating."""

CAMERON_MAX_DISTANCE_M = 400_000.0
"""Cameron's factor a(d) falls to zero near 444 km; longer distances are refused."""

MODELS = ("vdot", "riegel", "cameron")
"""Names accepted by :func:`predict`."""

LONG_TARGET_M = 30_000.0
"""Targets from this distance [m] up get the low-volume warning (with races under a half)."""

REPORT_DISTANCES = ("5k", "10k", "half_marathon", "marathon")
"""Equivalents listed by :func:`vdot_report`, keys of ``STANDARD_DISTANCES_M``."""

LOW_VOLUME_WARNING = (
    "predictions of a marathon (or any race from 30 km) from a race shorter than a half "
    "marathon run optimistic for runners with low weekly volume (Vickers & Vertosick 2016, "
    "doi:10.1186/s13102-016-0052-y); a recent half marathon predicts better"
)


def _is_scalar(*xs: object) -> bool:
    return not any(isinstance(x, np.ndarray) for x in xs)


def _out(x: FloatArray, scalar: bool) -> float | FloatArray:
    return float(x) if scalar else np.asarray(x, dtype=np.float64)


def _positive(name: str, x: float | npt.NDArray[Any]) -> FloatArray:
    a = np.asarray(x, dtype=np.float64)
    bad = ~(a > 0.0) & ~np.isnan(a) | np.isinf(a)
    if bad.any():
        raise UsageError(f"{name} must be positive and finite, not {float(a[bad].flat[0]):g}")
    return a


_Formula = Callable[[FloatArray, FloatArray, FloatArray], FloatArray]
"""A model's formula ``(d1, t1, d2) -> t2`` on checked float64 arrays: the known race's
distance [m] and time [s], and the target distance [m]."""


def _apply(
    formula: _Formula,
    distance_m: float | npt.NDArray[Any],
    time_s: float | npt.NDArray[Any],
    target_distance_m: float | npt.NDArray[Any],
) -> float | FloatArray:
    """``formula`` on the inputs checked by :func:`_positive`: a float when all inputs are
    scalars, else an ndarray."""
    d1 = _positive("distance_m", distance_m)
    t1 = _positive("time_s", time_s)
    d2 = _positive("target_distance_m", target_distance_m)
    return _out(formula(d1, t1, d2), _is_scalar(distance_m, time_s, target_distance_m))


class _RaceTimeModel(Protocol):
    """A race-time model's public signature: (distance_m, time_s, target_distance_m) ->
    predicted time [s], a float for scalar inputs and an ndarray when any input is one."""

    @overload
    def __call__(self, distance_m: float, time_s: float, target_distance_m: float) -> float: ...
    @overload
    def __call__(
        self,
        distance_m: npt.NDArray[Any],
        time_s: float | npt.NDArray[Any],
        target_distance_m: float | npt.NDArray[Any],
    ) -> FloatArray: ...
    @overload
    def __call__(
        self,
        distance_m: float,
        time_s: npt.NDArray[Any],
        target_distance_m: float | npt.NDArray[Any],
    ) -> FloatArray: ...
    @overload
    def __call__(
        self, distance_m: float, time_s: float, target_distance_m: npt.NDArray[Any]
    ) -> FloatArray: ...


def _race_time_model(formula: _Formula) -> _RaceTimeModel:
    """Decorator: the public model of ``formula`` (see :func:`_apply`), under the
    formula's name and docstring, which documents the public parameters."""

    def model(
        distance_m: float | npt.NDArray[Any],
        time_s: float | npt.NDArray[Any],
        target_distance_m: float | npt.NDArray[Any],
    ) -> float | FloatArray:
        return _apply(formula, distance_m, time_s, target_distance_m)

    model.__name__ = formula.__name__
    model.__qualname__ = formula.__qualname__
    model.__doc__ = formula.__doc__
    return cast(_RaceTimeModel, model)


# ---------------------------------------------------------------- Riegel


@overload
def riegel_time(
    distance_m: float, time_s: float, target_distance_m: float, exponent: float = ...
) -> float: ...
@overload
def riegel_time(
    distance_m: npt.NDArray[Any],
    time_s: float | npt.NDArray[Any],
    target_distance_m: float | npt.NDArray[Any],
    exponent: float = ...,
) -> FloatArray: ...
@overload
def riegel_time(
    distance_m: float,
    time_s: npt.NDArray[Any],
    target_distance_m: float | npt.NDArray[Any],
    exponent: float = ...,
) -> FloatArray: ...
@overload
def riegel_time(
    distance_m: float, time_s: float, target_distance_m: npt.NDArray[Any], exponent: float = ...
) -> FloatArray: ...
def riegel_time(
    distance_m: float | npt.NDArray[Any],
    time_s: float | npt.NDArray[Any],
    target_distance_m: float | npt.NDArray[Any],
    exponent: float = RIEGEL_EXPONENT,
) -> float | FloatArray:
    """Riegel's (1981) power-law prediction of a race time.

    Parameters
    ----------
    distance_m : float or ndarray
        Distance of the known race [m].
    time_s : float or ndarray
        Time of the known race [s].
    target_distance_m : float or ndarray
        Distance to predict [m].
    exponent : float, default 1.06
        Fatigue exponent [-]; 1.06 is Riegel's value for running, or use a
        personal one from :func:`riegel_exponent`.

    Returns
    -------
    float or ndarray
        Predicted time [s]: a float when all inputs are scalars, else an ndarray.

    Notes
    -----
    .. math:: T_2 = T_1 \\left(\\frac{D_2}{D_1}\\right)^{k}, \\quad k = 1.06

    Riegel fitted it on world records lasting about 3.5 to 230 min.

    References
    ----------
    .. [1] Riegel, P. S. (1981). Athletic records and human endurance. American
       Scientist 69(3), 285-290.

    Examples
    --------
    >>> round(riegel_time(5000.0, 1200.0, 10000.0), 1)
    2501.9
    """
    return _apply(
        lambda d1, t1, d2: t1 * (d2 / d1) ** float(exponent), distance_m, time_s, target_distance_m
    )


def riegel_exponent(
    distance1_m: float, time1_s: float, distance2_m: float, time2_s: float
) -> float:
    """A runner's personal Riegel exponent from two races.

    Parameters
    ----------
    distance1_m, time1_s : float
        First race: distance [m] and time [s].
    distance2_m, time2_s : float
        Second race: distance [m] and time [s]; a different distance.

    Returns
    -------
    float
        Exponent :math:`k` [-] with which :func:`riegel_time` maps one race onto the other.

    Raises
    ------
    UsageError
        Non-positive inputs or equal distances.

    Notes
    -----
    .. math:: k = \\frac{\\ln(T_2 / T_1)}{\\ln(D_2 / D_1)}

    References
    ----------
    .. [1] Riegel, P. S. (1981). Athletic records and human endurance. American
       Scientist 69(3), 285-290.
    """
    for name, x in (
        ("distance1_m", distance1_m),
        ("time1_s", time1_s),
        ("distance2_m", distance2_m),
        ("time2_s", time2_s),
    ):
        _positive(name, float(x))
    if math.isclose(distance1_m, distance2_m, rel_tol=1e-9):
        raise UsageError(
            f"the two races must be over different distances to give an exponent "
            f"(both are {distance1_m:g} m)"
        )
    return math.log(time2_s / time1_s) / math.log(distance2_m / distance1_m)


# ---------------------------------------------------------------- Cameron


@overload
def cameron_factor(distance_m: float) -> float: ...
@overload
def cameron_factor(distance_m: npt.NDArray[Any]) -> FloatArray: ...
def cameron_factor(distance_m: float | npt.NDArray[Any]) -> float | FloatArray:
    """Cameron's distance factor a(d).

    Parameters
    ----------
    distance_m : float or ndarray
        Distance [m].

    Returns
    -------
    float or ndarray
        a(d) [-]; same kind as the input.

    Notes
    -----
    .. math:: a(d) = 13.49681 - 0.000030363\\,d + \\frac{835.7114}{d^{0.7905}}

    References
    ----------
    .. [1] Cameron, D. Race-time prediction formula (c. 1998), as restated in
       shared/reference/vectors.md.
    """
    d = np.asarray(distance_m, dtype=np.float64)
    out: FloatArray = 13.49681 - 0.000030363 * d + 835.7114 / d**0.7905
    return _out(out, _is_scalar(distance_m))


@_race_time_model
def cameron_time(d1: FloatArray, t1: FloatArray, d2: FloatArray) -> FloatArray:
    """Cameron's prediction of a race time.

    Parameters
    ----------
    distance_m : float or ndarray
        Distance of the known race [m].
    time_s : float or ndarray
        Time of the known race [s].
    target_distance_m : float or ndarray
        Distance to predict [m], at most 400 km.

    Returns
    -------
    float or ndarray
        Predicted time [s]: a float when all inputs are scalars, else an ndarray.

    Raises
    ------
    UsageError
        Non-positive inputs, or a distance beyond 400 km (a(d) reaches zero near 444 km).

    Notes
    -----
    .. math:: T_2 = \\frac{T_1}{D_1} \\, \\frac{a(D_1)}{a(D_2)} \\, D_2

    with :math:`a` from :func:`cameron_factor`.

    References
    ----------
    .. [1] Cameron, D. Race-time prediction formula (c. 1998), as restated in
       shared/reference/vectors.md.

    Examples
    --------
    >>> round(cameron_time(5000.0, 1200.0, 42195.0), 1)
    11711.5
    """
    too_far = (d1 > CAMERON_MAX_DISTANCE_M) | (d2 > CAMERON_MAX_DISTANCE_M)
    if too_far.any():
        raise UsageError(
            f"Cameron's formula breaks down beyond {CAMERON_MAX_DISTANCE_M / 1000:g} km; "
            "use model 'riegel' or 'vdot'"
        )
    out: FloatArray = t1 / d1 * (cameron_factor(d1) / cameron_factor(d2)) * d2
    return out


# ---------------------------------------------------------------- VDOT equivalent


@_race_time_model
def vdot_equivalent_time(d1: FloatArray, t1: FloatArray, d2: FloatArray) -> FloatArray:
    """Equivalent time over another distance at the same VDOT (Daniels & Gilbert 1979).

    Parameters
    ----------
    distance_m : float or ndarray
        Distance of the known race [m].
    time_s : float or ndarray
        Time of the known race [s].
    target_distance_m : float or ndarray
        Distance to predict [m].

    Returns
    -------
    float or ndarray
        Predicted time [s]: a float when all inputs are scalars, else an ndarray.

    Raises
    ------
    UsageError
        Non-positive inputs or a race outside VDOT 20-90.

    Notes
    -----
    :math:`T_2` solves :math:`\\mathrm{VDOT}(D_2, T_2) = \\mathrm{VDOT}(D_1, T_1)`
    (:func:`~runform.performance.vdot.vdot_from_race`,
    :func:`~runform.performance.vdot.race_time_from_vdot`).

    References
    ----------
    .. [1] Daniels, J., Gilbert, J. (1979). Oxygen Power. Tempe, AZ.
    """
    out: FloatArray = np.asarray(race_time_from_vdot(vdot_from_race(d1, t1), d2))
    return out


# ---------------------------------------------------------------- predict


@dataclass(frozen=True)
class Prediction:
    """A predicted race time.

    Attributes
    ----------
    time_s : float
        Predicted time [s].
    model : str
        ``vdot``, ``riegel`` or ``cameron``.
    warnings : tuple of str
        Plain-language caveats (empty when there are none).
    """

    time_s: float
    model: str
    warnings: tuple[str, ...] = ()


def predict(
    race_distance_m: float,
    race_time_s: float,
    target_distance_m: float,
    model: str = "vdot",
    exponent: float = RIEGEL_EXPONENT,
) -> Prediction:
    """Predict a race time from one race with a named model, with caveats.

    Parameters
    ----------
    race_distance_m : float
        Distance of the known race [m], at least 1500 m.
    race_time_s : float
        Time of the known race [s]; must imply VDOT 20-90.
    target_distance_m : float
        Distance to predict [m].
    model : {'vdot', 'riegel', 'cameron'}, default 'vdot'
        :func:`vdot_equivalent_time`, :func:`riegel_time` or :func:`cameron_time`.
    exponent : float, default 1.06
        Riegel exponent [-], within 1.0-1.3; used by ``model='riegel'`` only.

    Returns
    -------
    Prediction
        Time [s], model and warnings. A target of 30 km or more predicted from a
        race shorter than a half marathon warns that it runs optimistic for
        runners with low weekly volume [4]; targets outside 1500 m - marathon
        warn that they extrapolate beyond the models' data.

    Raises
    ------
    UsageError
        Unknown model, exponent outside 1.0-1.3, a non-positive target, or a race
        that :func:`~runform.performance.races.check_performance` rejects.

    References
    ----------
    .. [4] Vickers, A. J., Vertosick, E. A. (2016). An empirical study of race
       times in recreational endurance runners. BMC Sports Science, Medicine and
       Rehabilitation 8. https://doi.org/10.1186/s13102-016-0052-y
    """
    if model not in MODELS:
        raise UsageError(f"unknown model '{model}'; use one of {', '.join(MODELS)}")
    lo, hi = RIEGEL_EXPONENT_RANGE
    if model == "riegel" and not lo <= exponent <= hi:
        raise UsageError(
            f"Riegel exponent {exponent:g} is outside {lo:.1f}-{hi:.1f} "
            f"(Riegel 1981 published {RIEGEL_EXPONENT:g})"
        )
    check_performance(race_distance_m, race_time_s)
    _positive("target_distance_m", target_distance_m)
    if math.isnan(target_distance_m):
        raise UsageError("target_distance_m is not a number (NaN)")
    if model == "riegel":
        time_s = riegel_time(race_distance_m, race_time_s, target_distance_m, exponent)
    elif model == "cameron":
        time_s = cameron_time(race_distance_m, race_time_s, target_distance_m)
    else:
        time_s = vdot_equivalent_time(race_distance_m, race_time_s, target_distance_m)
    warnings: list[str] = []
    if target_distance_m >= LONG_TARGET_M and race_distance_m < 0.99 * HALF_MARATHON_M:
        warnings.append(LOW_VOLUME_WARNING)
    if not MIN_RACE_DISTANCE_M <= target_distance_m <= 1.001 * MARATHON_M:
        warnings.append(
            f"{target_distance_m:g} m is outside 1500 m - marathon, the range these "
            "models were fitted on; treat the prediction as a rough extrapolation"
        )
    return Prediction(time_s=float(time_s), model=model, warnings=tuple(warnings))


def vdot_report(race: Race) -> dict[str, Any]:
    """VDOT, race equivalents and training paces of one race, ready for JSON.

    Parameters
    ----------
    race : Race
        A race from :func:`~runform.performance.races.parse_race`.

    Returns
    -------
    dict
        ``{"vdot": float, "equivalents": {"5k": s, "10k": s, "half_marathon": s,
        "marathon": s}, "paces": {"E": [fast, slow], "M": s, "T": s, "I": s, "R": s}}``
        with times in seconds [s] and paces in seconds per km [s/km], unrounded.

    Raises
    ------
    UsageError
        A race that :func:`~runform.performance.races.check_performance` rejects.
    """
    check_performance(race.distance_m, race.time_s)
    v = vdot_from_race(race.distance_m, race.time_s)
    return {
        "vdot": v,
        "equivalents": {
            name: race_time_from_vdot(v, STANDARD_DISTANCES_M[name]) for name in REPORT_DISTANCES
        },
        "paces": training_paces(v).as_dict(),
    }
