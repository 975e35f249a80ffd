"""What kind of run was this? Easy, long, tempo, intervals, hills or race, with or without strides.

Runs are classified from their own streams and laps, optionally with the
runner's training paces (Daniels E/M/T/I speeds, e.g. from VDOT) and the
runner's typical run duration. The rules, applied in this order (the first
that holds wins):

1. **hills**: at least :data:`MIN_HILL_REPS` hill reps
   (:attr:`IntervalResult.hill_reps`: work bouts or work laps on climbs steeper
   than :data:`~runform.core.intervals.HILL_GRADE`) that start within
   :data:`HILL_REPEAT_SPREAD` of each other in altitude: the *same* hill,
   repeated. Climbs of a hilly route start at different heights and do not count.
2. **intervals**: at least two work reps on the flat
   (:func:`~runform.core.intervals.detect_intervals`: structured laps, or
   abrupt work bouts from speed).
3. **race** (a guess, flagged as such): needs the runner's paces. The distance
   is a standard race distance (:data:`RACE_DISTANCES_M`, -1 % to +4 %: GPS and
   course measurement run long), the whole run was at or faster than
   :data:`RACE_PACE_FRACTION` x the pace the runner could race that distance at
   (marathon: M; half: midway M-T; 10-15 km: T; 5 km: midway T-I), steady
   (1-km split CV under :data:`RACE_MAX_SPLIT_CV`) and without stops. Nothing
   in a file says "race": a hard steady effort over exactly 10 km could be a
   time trial or a tempo run.
4. **tempo**: one sustained bout of at least :data:`TEMPO_MIN_S` at the work
   level (a warm-up, a steady hard block, a cool-down); or, with paces, a whole
   run of at least :data:`TEMPO_MIN_S` at :data:`TEMPO_PACE_FRACTION` x M or
   faster that is shorter than a long run.
5. **long**: at least ``long_run_s`` (default :data:`LONG_RUN_S`, 75 min, issue
   4), or, given the runner's typical run duration, at least
   :data:`LONG_RELATIVE` x it (and :data:`LONG_FLOOR_S`).
6. **easy**: everything else.

``with_strides`` is independent of the type: at least :data:`MIN_STRIDES`
short accelerations (:func:`find_strides`) outside any rep.

References
----------
.. [1] Daniels, J. (2014). Daniels' Running Formula, 3rd ed. Human Kinetics.
   (Training paces E/M/T/I; long run <= 25-30 % of weekly volume; strides.)
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal

import numpy as np
import numpy.typing as npt
import pandas as pd

from runform.core.grade import GradeModel
from runform.core.intervals import (
    MIN_CONTRAST,
    MOVING_GAS_MPS,
    Bout,
    Grid,
    IntervalResult,
    Rep,
    _rolling,
    detect_intervals,
    gas_grid,
)
from runform.core.jsonsafe import nan_to_none
from runform.errors import UsageError

__all__ = [
    "HILL_REPEAT_SPREAD",
    "LONG_FLOOR_S",
    "LONG_RELATIVE",
    "LONG_RUN_S",
    "MIN_HILL_REPS",
    "MIN_STRIDES",
    "RACE_DISTANCES_M",
    "RACE_MAX_SPLIT_CV",
    "RACE_PACE_FRACTION",
    "STRIDE_PEAK",
    "STRIDE_SPEED_PEAK",
    "TEMPO_MIN_S",
    "TEMPO_PACE_FRACTION",
    "Classification",
    "RunType",
    "RunnerPaces",
    "Stride",
    "classify_run",
    "find_strides",
]

FloatArray = npt.NDArray[np.float64]
RunType = Literal["easy", "long", "tempo", "intervals", "hills", "race"]

LONG_RUN_S = 75 * 60.0
"""Default long-run threshold [s]: 75 min (issue 4, 'for long runs (configurable,
default >= 75 min)')."""

LONG_RELATIVE = 1.5
"""A run at least this many times the runner's typical run duration [-] is long. Daniels
caps the long run at 25-30 % of the weekly volume; with 5-6 runs a week a typical run is
17-20 % of it, so a long run is about 1.5 x a typical one."""

LONG_FLOOR_S = 60 * 60.0
"""Shortest long run [s] under the relative rule (an hour: a runner whose runs are all
30 min does not do a 'long run' of 45 min)."""

MIN_HILL_REPS = 3
"""Hill reps [-] that make a hill-repeat session (the synthetic block plans 4-8)."""

HILL_REPEAT_SPREAD = 0.5
"""Start altitudes of hill reps must lie within this fraction of their median gain (and
at least 5 m) of their median [-]: repeats of one hill start at its foot."""

HILL_REPEAT_MIN_SPREAD_M = 5.0
"""Smallest allowed spread of hill-rep start altitudes [m] (barometer noise)."""

TEMPO_MIN_S = 10 * 60.0
"""Shortest sustained bout [s] that makes a tempo run (Daniels' T runs are 20 min steady;
the synthetic block plans 15-30 min; shorter continuous blocks are reps)."""

TEMPO_PACE_FRACTION = 0.97
"""A whole run at this fraction of M speed or faster [-] is a tempo effort (M is the
slowest of the 'quality' paces; 3 % absorbs GPS and day-to-day variation)."""

RACE_DISTANCES_M: dict[str, float] = {
    "5k": 5000.0,
    "10k": 10000.0,
    "15k": 15000.0,
    "10 mile": 16093.44,
    "half marathon": 21097.5,
    "marathon": 42195.0,
}
"""Standard road race distances [m] (World Athletics road running events)."""

RACE_DISTANCE_TOLERANCE = (-0.01, 0.04)
"""Recorded distance over the race distance minus 1 [-]: GPS over-reads curvy courses and
runners cannot run the measured tangents, so recorded race distances run 1-3 % long."""

RACE_PACE_FRACTION = 0.97
"""A race is run at no less than this fraction of the runner's race speed for the
distance [-] (3 %: a bad day, wind, GPS)."""

RACE_MAX_SPLIT_CV = 0.06
"""Largest coefficient of variation of 1-km split grade-adjusted speeds in a race [-]
(even pacing; a marathon's second-half fade stays under it)."""

RACE_MAX_STOPPED_FRACTION = 0.02
"""Largest share of the elapsed time paused or standing in a race [-]."""

MIN_STRIDES = 2
"""Short accelerations [-] that make a run 'with strides' (prescriptions are 4-10; one
surge may be a dash across a road)."""

STRIDE_PEAK = 1.25
"""A stride reaches at least this multiple of the run's easy level [-] (5K pace is ~1.3 x
E speed at VDOT 50, Daniels)."""

STRIDE_SPEED_PEAK = 1.15
"""A stride's recorded speed must also peak at this multiple of the run's median recorded
speed [-]: an acceleration makes the runner faster over the ground, while a short steep
climb (or noisy altitude) makes only the grade-adjusted speed jump. Lower than
:data:`STRIDE_PEAK` because a stride on a 2 % rise is ~10 % slower over the ground."""

STRIDE_ENTER = 1.10
"""A stride is the stretch above this multiple of the easy level [-] around its peak."""

STRIDE_S = (6.0, 40.0)
"""Duration [s] of a stride above :data:`STRIDE_ENTER` (vectors.md: 20-s strides; the
acceleration and the ease-off fall partly below the line)."""

STRIDE_SMOOTH_S = 3
"""Running median and mean window [s] of the stride signal: keeps a 20-s stride's peak."""


@dataclass(frozen=True)
class RunnerPaces:
    """The runner's training speeds [m/s] (Daniels: easy, marathon, threshold, interval).

    Attributes
    ----------
    easy, marathon, threshold, interval : float
        E, M, T and I speed [m/s].
    """

    easy: float
    marathon: float
    threshold: float
    interval: float

    def __post_init__(self) -> None:
        values = (self.easy, self.marathon, self.threshold, self.interval)
        if not all(math.isfinite(v) and v > 0 for v in values):
            raise UsageError(f"paces must be positive speeds in m/s, got {values}")
        if not self.easy < self.marathon < self.threshold < self.interval:
            raise UsageError(
                f"paces must be in order easy < marathon < threshold < interval [m/s], got {values}"
            )

    def race_speed(self, distance_m: float) -> float:
        """Speed [m/s] the runner could race ``distance_m`` at, from the training paces."""
        if distance_m >= 30_000.0:
            return self.marathon
        if distance_m >= 18_000.0:
            return 0.5 * (self.marathon + self.threshold)
        if distance_m >= 8_000.0:
            return self.threshold
        return 0.5 * (self.threshold + self.interval)


@dataclass(frozen=True)
class Stride:
    """One short acceleration.

    Attributes
    ----------
    start_s : float
        Start [s since the activity start].
    duration_s : float
        Time above :data:`STRIDE_ENTER` x the easy level [s].
    peak_speed_mps : float
        Highest recorded speed in the stride [m/s].
    peak_gas_mps : float
        Highest (lightly smoothed) grade-adjusted speed [m/s], what is judged.
    """

    start_s: float
    duration_s: float
    peak_speed_mps: float
    peak_gas_mps: float


@dataclass(frozen=True)
class Classification:
    """The type of a run and why.

    Attributes
    ----------
    type : {"easy", "long", "tempo", "intervals", "hills", "race"}
        The run type.
    with_strides : bool
        At least :data:`MIN_STRIDES` strides outside any rep.
    is_guess : bool
        True for ``race``: nothing in the data proves a race.
    reasons : list of str
        The rule that decided, in plain words, and what was not assessed.
    n_reps, n_hill_reps, n_strides : int
        Counts behind the decision [-].
    duration_s : float
        Moving time [s].
    distance_m : float
        Distance [m].
    """

    type: RunType
    with_strides: bool
    is_guess: bool
    reasons: list[str] = field(default_factory=list)
    n_reps: int = 0
    n_hill_reps: int = 0
    n_strides: int = 0
    duration_s: float = math.nan
    distance_m: float = math.nan

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready dict (NaN becomes None)."""
        return nan_to_none(self.__dict__)


def _strides_from_grid(grid: Grid, bouts: list[Bout], paces: RunnerPaces | None) -> list[Stride]:
    t, gas = grid.t, grid.gas
    if t.size < 10 or not np.isfinite(gas).any():
        return []
    sig = _rolling(_rolling(gas, STRIDE_SMOOTH_S, "median"), STRIDE_SMOOTH_S, "mean")
    sig[~np.isfinite(gas)] = np.nan
    moving = np.isfinite(sig) & (sig >= MOVING_GAS_MPS)
    if moving.sum() < 60:
        return []
    easy = float(np.median(sig[moving]))
    speed = grid.speed
    moving_speed = np.isfinite(speed) & (speed >= MOVING_GAS_MPS)
    easy_speed = float(np.median(speed[moving_speed])) if moving_speed.any() else math.nan
    peak_min = STRIDE_PEAK * easy
    if paces is not None:
        peak_min = max(peak_min, 0.5 * (paces.threshold + paces.interval) * 0.95)
    above = np.isfinite(sig) & (sig > STRIDE_ENTER * easy)
    m = np.concatenate([[False], above, [False]]).astype(np.int8)
    d = np.diff(m)
    out: list[Stride] = []
    busy = [(b.start_s - 15.0, b.end_s + 15.0) for b in bouts if b.kind != "short"]
    for a, b in zip(np.flatnonzero(d == 1), np.flatnonzero(d == -1), strict=True):
        dur = float(t[b - 1] - t[a] + 1.0)
        peak = float(np.nanmax(sig[a:b]))
        if not (STRIDE_S[0] <= dur <= STRIDE_S[1] and peak >= peak_min):
            continue
        start = float(t[a])
        if any(lo <= start <= hi for lo, hi in busy):
            continue
        raw = speed[a:b]
        top = float(np.nanmax(raw)) if np.isfinite(raw).any() else math.nan
        if not top >= STRIDE_SPEED_PEAK * easy_speed:
            continue  # fast only after grade adjustment: a short climb, not an acceleration
        out.append(Stride(start, dur, top, peak))
    return out


def find_strides(
    streams: pd.DataFrame,
    *,
    paces: RunnerPaces | None = None,
    grade_model: GradeModel = "minetti",
    bouts: list[Bout] | None = None,
) -> list[Stride]:
    """Short accelerations (strides) in a run.

    Parameters
    ----------
    streams : DataFrame
        Canonical streams (``time`` [s]; ``speed`` [m/s] or ``distance`` [m];
        ``altitude`` [m] when recorded).
    paces : RunnerPaces, optional
        With paces a stride must also peak at 95 % of 5K speed (midway T-I) or faster.
    grade_model : {"minetti", "strava"}
        Grade adjustment of speed.
    bouts : list of Bout, optional
        Work bouts (:func:`runform.core.intervals.detect_bouts`); accelerations
        within 15 s of one are part of a rep, not strides.

    Returns
    -------
    list of Stride
        Stretches of :data:`STRIDE_S` above :data:`STRIDE_ENTER` x the easy level
        (the median moving grade-adjusted speed) that peak at
        :data:`STRIDE_PEAK` x it or more, and whose recorded speed peaks at
        :data:`STRIDE_SPEED_PEAK` x the median recorded speed or more. A light
        3-s median and mean keep a 20-s stride's peak. This is the classifier's
        flag; the strides module scores each stride.
    """
    return _strides_from_grid(gas_grid(streams, grade_model=grade_model), bouts or [], paces)


def _hill_repeats(hill_reps: list[Rep]) -> bool:
    if len(hill_reps) < MIN_HILL_REPS:
        return False
    starts = np.array([r.start_altitude_m for r in hill_reps], dtype=float)
    gains = np.array([r.elevation_gain_m for r in hill_reps], dtype=float)
    if not (np.isfinite(starts).all() and np.isfinite(gains).all()):
        return False
    allowed = max(HILL_REPEAT_MIN_SPREAD_M, HILL_REPEAT_SPREAD * float(np.median(gains)))
    return bool(np.all(np.abs(starts - np.median(starts)) <= allowed))


def _split_cv(t: FloatArray, gas: FloatArray, distance: FloatArray) -> float:
    ok = np.isfinite(gas)
    if ok.sum() < 10 or distance[-1] - distance[0] < 2000.0:
        return math.nan
    km = np.floor((distance - distance[0]) / 1000.0)
    speeds = [float(np.mean(gas[ok & (km == k)])) for k in np.unique(km[ok])[:-1]]
    speeds = [s for s in speeds if math.isfinite(s)]
    if len(speeds) < 2:
        return math.nan
    return float(np.std(speeds, ddof=1) / np.mean(speeds))


def classify_run(
    streams: pd.DataFrame,
    laps: pd.DataFrame | None = None,
    start_time: datetime | pd.Timestamp | None = None,
    *,
    paces: RunnerPaces | None = None,
    long_run_s: float = LONG_RUN_S,
    typical_run_s: float | None = None,
    intervals: IntervalResult | None = None,
    grade_model: GradeModel = "minetti",
) -> Classification:
    """Classify a run as easy, long, tempo, intervals, hills or race (+ strides).

    Parameters
    ----------
    streams : DataFrame
        Canonical streams (``time`` [s]; ``speed`` [m/s] or ``distance`` [m];
        ``altitude`` [m] when recorded).
    laps : DataFrame, optional
        The device's laps (see :func:`~runform.core.intervals.detect_intervals`).
    start_time : datetime or Timestamp, optional
        Activity start (UTC); required with ``laps``.
    paces : RunnerPaces, optional
        The runner's E/M/T/I speeds [m/s]; without them no run is called a race.
    long_run_s : float
        Long-run threshold [s] (default :data:`LONG_RUN_S`).
    typical_run_s : float, optional
        The runner's typical (median) run duration [s]; enables the relative
        long-run rule (:data:`LONG_RELATIVE`).
    intervals : IntervalResult, optional
        A result of :func:`~runform.core.intervals.detect_intervals` for these
        streams, to avoid computing it twice.
    grade_model : {"minetti", "strava"}
        Grade adjustment of speed.

    Returns
    -------
    Classification
        See the module notes for the rules.
    """
    if not long_run_s > 0:
        raise UsageError(f"long_run_s must be a positive duration in seconds, got {long_run_s!r}")
    if typical_run_s is not None and not typical_run_s > 0:
        raise UsageError(
            f"typical_run_s must be a positive duration in seconds, got {typical_run_s!r}"
        )
    res = (
        intervals
        if intervals is not None
        else detect_intervals(streams, laps, start_time, grade_model=grade_model)
    )
    grid = res.grid if res.grid is not None else gas_grid(streams, grade_model=grade_model)
    t, gas, distance = grid.t, grid.gas, grid.distance
    moving = np.isfinite(gas) & (gas >= 0.5)
    duration = float(moving.sum())
    dist = float(distance[-1] - distance[0]) if distance.size else math.nan
    strides = _strides_from_grid(grid, res.bouts, paces)
    with_strides = len(strides) >= MIN_STRIDES
    common: dict[str, Any] = {
        "n_reps": len(res.reps),
        "n_hill_reps": len(res.hill_reps),
        "n_strides": len(strides),
        "duration_s": duration,
        "distance_m": dist,
    }

    def done(kind: RunType, reasons: list[str], guess: bool = False) -> Classification:
        if with_strides:
            reasons = [*reasons, f"{len(strides)} strides outside any rep"]
        return Classification(kind, with_strides, guess, reasons, **common)

    if _hill_repeats(res.hill_reps):
        return done("hills", [f"{len(res.hill_reps)} reps up the same climb ({res.source})"])
    if res.is_interval_session:
        return done("intervals", [f"{len(res.reps)} work reps on the flat ({res.source})"])

    notes: list[str] = []
    sustained = [b for b in res.bouts if b.kind in ("rep", "surge") and b.duration_s >= 60.0]
    mean_gas = float(np.nanmean(gas[moving])) if moving.any() else math.nan
    if paces is None:
        notes.append("race not assessed: it needs the runner's paces")
    elif math.isfinite(dist) and t.size:
        elapsed = float(t[-1] - t[0])
        stopped = 1.0 - duration / elapsed if elapsed > 0 else 1.0
        cv = _split_cv(t, np.where(moving, gas, np.nan), distance)
        for name, d in RACE_DISTANCES_M.items():
            lo, hi = RACE_DISTANCE_TOLERANCE
            if not d * (1 + lo) <= dist <= d * (1 + hi):
                continue
            need = RACE_PACE_FRACTION * paces.race_speed(d)
            steady = math.isfinite(cv) and cv <= RACE_MAX_SPLIT_CV
            if mean_gas >= need and steady and stopped <= RACE_MAX_STOPPED_FRACTION:
                return done(
                    "race",
                    [
                        f"{dist / 1000:.2f} km (a {name}) at {mean_gas:.2f} m/s, at least "
                        f"{RACE_PACE_FRACTION:.0%} of the runner's {name} race speed, steady "
                        f"(split CV {cv:.1%}) and without stops: probably a race (a guess)"
                    ],
                    guess=True,
                )
            notes.append(
                f"{name} distance but not raced: {mean_gas:.2f} m/s vs {need:.2f} needed, "
                f"split CV {cv:.1%}, stopped {stopped:.1%}"
            )
    long_tempo = [b for b in sustained if b.duration_s >= TEMPO_MIN_S]
    if len(long_tempo) == 1:
        b = long_tempo[0]
        return done(
            "tempo",
            [
                *notes,
                f"one sustained bout of {b.duration_s / 60:.0f} min at {b.avg_gas_mps:.2f} m/s "
                f"(>= {MIN_CONTRAST} x the easy level)",
            ],
        )
    is_long = duration >= long_run_s
    relative = (
        typical_run_s is not None
        and duration >= LONG_RELATIVE * typical_run_s
        and duration >= LONG_FLOOR_S
    )
    if (
        paces is not None
        and not (is_long or relative)
        and duration >= TEMPO_MIN_S
        and mean_gas >= TEMPO_PACE_FRACTION * paces.marathon
    ):
        return done(
            "tempo",
            [*notes, f"whole run at {mean_gas:.2f} m/s, at or faster than M pace"],
        )
    if is_long:
        return done("long", [*notes, f"{duration / 60:.0f} min >= {long_run_s / 60:.0f} min"])
    if relative and typical_run_s is not None:
        return done(
            "long",
            [
                *notes,
                f"{duration / 60:.0f} min >= {LONG_RELATIVE} x the runner's typical "
                f"{typical_run_s / 60:.0f} min",
            ],
        )
    return done("easy", [*notes, "no reps, no sustained hard bout, not long"])
