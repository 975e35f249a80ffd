"""Interval sessions: work and recovery bouts from speed, checked against the device's laps.

Tip 5 of the seed ("intervals with per-rep form"): find the reps of a session,
give each one's pace, duration, distance, cadence, step length, contact time
and heart rate, and show how the runner's form held up from the first rep to
the last.

Two sources, kept side by side:

* **Detection from speed** (:func:`detect_bouts`): the grade-adjusted speed is
  split into work and easy levels and every sustained stretch at the work level
  is a bout. It needs no laps, so it works on any file.
* **The device's laps** (:func:`structured_work_laps`): when the runner ran a
  structured workout (lap ``intensity`` active/rest) or pressed lap at the start
  and end of each rep (laps alternating fast/slow), the laps are the runner's
  own account of the reps and are used as the reps. Detection and laps are
  compared (:func:`compare_with_laps`) and every disagreement is reported.

Detection, step by step
-----------------------
1. **A 1 Hz grid.** Speed (or, without a speed stream, the slope of distance)
   is interpolated onto whole seconds; a record gap longer than
   :data:`~runform.core.summary.PAUSE_GAP_S` is a pause and stays empty, so no
   bout spans a stopped timer.
2. **Grade-adjusted speed** (GAS), :func:`runform.core.grade.grade_adjusted_speed`
   with the grade from the ``grade`` stream or from altitude and distance
   (:func:`~runform.core.grade.grade_from_altitude`, robust to GPS/barometer
   noise); without altitude (treadmill) the grade is 0. A hill rep run at
   interval effort is then as fast as a flat one, and the jog down is slow.
3. **Robust smoothing**: a 5-s running median removes GPS speed spikes; a
   :data:`SMOOTH_S` running mean removes the rest of the jitter while a 40-s rep
   keeps its full height.
4. **Two levels.** The easy level is the :data:`EASY_QUANTILE` quantile and the
   work level the :data:`WORK_QUANTILE` quantile of the smoothed GAS over
   samples faster than :data:`MOVING_GAS_MPS` (walking and standing do not pull
   the easy level down). A run whose work level is less than
   :data:`MIN_CONTRAST` times its easy level has no bouts: steady runs, races
   and easy runs with pace drift stop here.
5. **Bouts** reach above the midpoint of the two levels and last, with
   hysteresis, until the speed falls below a quarter of the way from the easy
   to the work level (:data:`HYSTERESIS`): a recovery goes that low, a dip from
   GPS-altitude noise inside a rep does not. Bouts separated by less than
   :data:`MERGE_GAP_S` merge. Each edge is then moved to where the lightly
   smoothed GAS crosses halfway between the bout's own level and the level just
   outside it, so a rep starts when the runner speeds up, not when a smoother
   says so.
6. **Reps, strides and hills.** A bout is a rep when it lasts at least
   :data:`MIN_REP_S` or covers at least :data:`MIN_REP_M`, its mean GAS is at
   least :data:`MIN_REP_CONTRAST` times the easy level, and its edges are
   abrupt: its level is at least :data:`MIN_EDGE_STEP` times the level just
   before or just after it, and at least :data:`MIN_CONTRAST` times the other,
   in recorded speed (over 25 s the ground changes
   little, and recorded speed is immune to the altitude noise that grade
   adjustment amplifies; hill reps are judged by their grade instead). A
   long, fast bout with a gradual edge is a ``surge`` (a faster stretch of a
   steady run; a tempo block). Shorter bouts are strides
   (10-30 s accelerations, vectors.md "6-10 x 20 s / 60-100 m"), left to the
   strides module. A bout whose mean grade exceeds :data:`HILL_GRADE` is a hill
   rep, reported apart and left to the hills module, never as an interval rep.
   A single sustained bout is a tempo segment, not intervals: an interval
   session needs at least two reps.

The boundary between a stride and a rep
---------------------------------------
Strides are 10-30 s (60-100 m, up to ~130 m at 5K pace); the shortest common
reps are 200 m (35-45 s at R pace). :data:`MIN_REP_S` (40 s) *or*
:data:`MIN_REP_M` (160 m) separates them: a 30-s stride at 4.4 m/s covers
132 m; a 200-m rep at 5.2 m/s lasts 38 s and, measured between the half-way
crossings of its speed ramps, still covers more than 160 m.

Limitations
-----------
Without altitude a hill session looks like fast descents and slow climbs and
cannot be recognised. A rep interrupted by a pause longer than
:data:`MERGE_GAP_S` is split in two; with laps, the lap keeps it whole.
Recoveries shorter than :data:`MERGE_GAP_S` (Tabata-style 20/10) merge their reps.

References
----------
.. [1] Daniels, J. (2014). Daniels' Running Formula, 3rd ed. Human Kinetics.
   (I reps 3-5 min, R reps 200-400 m, strides 20 s.)
.. [2] Minetti, A. E. et al. (2002). Energy cost of walking and running at
   extreme uphill and downhill slopes. J Appl Physiol 93(3), 1039-1046.
   https://doi.org/10.1152/japplphysiol.01177.2001
.. [3] Garmin FIT SDK, Profile.xlsx: ``lap.intensity`` (active, rest, warmup,
   cooldown, recovery, interval), ``lap.lap_trigger``.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal

import numpy as np
import numpy.typing as npt
import pandas as pd

from runform.core.grade import GradeModel, grade_adjusted_speed, grade_from_altitude
from runform.core.jsonsafe import nan_to_none
from runform.core.laps import lap_windows, window_averages
from runform.core.summary import PAUSE_GAP_S
from runform.errors import UsageError

__all__ = [
    "EASY_QUANTILE",
    "EDGE_PROBE_S",
    "HILL_GRADE",
    "HYSTERESIS",
    "LAP_START_TOLERANCE_S",
    "MERGE_GAP_S",
    "MIN_CONTRAST",
    "MIN_EDGE_STEP",
    "MIN_LAP_CONTRAST",
    "MIN_REP_CONTRAST",
    "MIN_REP_M",
    "MIN_REP_S",
    "MOVING_GAS_MPS",
    "SMOOTH_S",
    "WORK_QUANTILE",
    "Bout",
    "Consistency",
    "Grid",
    "IntervalResult",
    "LapComparison",
    "Levels",
    "Rep",
    "compare_with_laps",
    "detect_bouts",
    "detect_intervals",
    "form_consistency",
    "gas_grid",
    "structured_work_laps",
]

FloatArray = npt.NDArray[np.float64]
BoolArray = npt.NDArray[np.bool_]

MIN_REP_S = 40.0
"""Shortest rep [s] (or :data:`MIN_REP_M`): strides last 10-30 s (vectors.md: 6-10 x 20 s),
the shortest usual reps (200 m at R pace) 35-45 s."""

MIN_REP_M = 160.0
"""Shortest rep [m] (or :data:`MIN_REP_S`): 200-m repeats are the shortest R reps in
Daniels' Running Formula, strides cover 60-100 m (vectors.md), at most ~130 m. Measured
between the half-way crossings of its speed ramps a 200-m rep comes out short
(workoutizer/with_nones.fit: 198 m for a 210-m lap), hence 160 m, not 200 m."""

MIN_REP_CONTRAST = 1.20
"""A flat rep's mean grade-adjusted speed over the easy level [-]: reps are run at T, I or
R pace, and T is already ~1.24 x E speed (Daniels, VDOT 50). On the corpus, raising this
from 1.12 to 1.2 dropped 9 runs whose laps show no workout and kept both structured
workouts."""

MIN_EDGE_STEP = 1.25
"""A rep's recorded speed over the speed just before its start or just after its end [-]:
at least one edge must step up by this much and the other by :data:`MIN_CONTRAST`.
Reps start and end abruptly (a jog recovery at <= 0.85 E into T pace at 1.24 E is a step
of >= 1.46; an E warm-up into I pace 1.34; I pace into an E cool-down 1.34, measured
1.22-1.35 with GPS noise), while a steady run's pace wanders over tens of seconds (steps
of 1.0-1.2 on the corpus). An edge at a pause counts as abrupt, an edge at the start or
end of the recording as no step at all."""

EDGE_PROBE_S = (3, 25)
"""Seconds (from, to) before the start and after the end of a bout over which the level
outside it is measured for :data:`MIN_EDGE_STEP`."""

MIN_CONTRAST = 1.12
"""Work level over easy level [-] below which a run has no work bouts. Daniels' I pace is
~1.34 x E speed and T ~1.24 x E at VDOT 50 (vectors.md paces); 1.12 is half-way between
E and T. Steady synthetic runs (1.5 % pace noise) reach 1.02-1.04."""

EASY_QUANTILE = 0.30
"""Quantile of the moving grade-adjusted speed taken as the easy level [-]: in an interval
session warm-up, recoveries and cool-down fill well over 30 % of the moving time."""

WORK_QUANTILE = 0.95
"""Quantile taken as the work level [-]: reps fill more than 5 % of any interval session
(4 x 200 m in 40 min is 7.5 %), strides less (6 x 20 s in 45 min is 4 %)."""

MOVING_GAS_MPS = 1.8
"""Grade-adjusted speed [m/s] below which a sample is walking or standing (brisk walking
is 1.5-1.8 m/s) and is left out of the level estimates."""

SMOOTH_S = 21
"""Running-mean window [s] of the detection signal (after a 5-s median): reduces white GPS
speed noise ~4.5-fold; a 45-s rep keeps its full height for 24 s."""

EDGE_SMOOTH_S = 5
"""Running-mean window [s] of the signal on which rep edges are placed."""

MEDIAN_S = 5
"""Running-median window [s] that removes GPS speed spikes of up to 2 samples."""

HYSTERESIS = 0.25
"""A bout, once above the midpoint of the easy and work levels, lasts until the smoothed
speed falls below easy + 0.25 (work - easy) [-]: a recovery drops to the jog or walk
level, well below it, while a GPS-altitude error that fakes a 2 % descent for a minute
(-10 % grade-adjusted speed) does not split a rep."""

MERGE_GAP_S = 10.0
"""Stretches above the threshold separated by less than this [s] are one bout (a glitch
or a 5-s stop at a crossing inside a rep); real recoveries are 30 s or longer."""

HILL_GRADE = 0.03
"""Mean grade [fraction] above which a bout is a hill rep, not an interval rep (3 %: the
steepest sustained grade of the synthetic 'rolling' routes is 2.5 %; hill-repeat slopes
are 4-10 %)."""

LAP_START_TOLERANCE_S = 10.0
"""Largest start difference [s] between a detected rep and a work lap that still match
(issue 4: 'start within 10 s')."""

MIN_LAP_CONTRAST = 1.25
"""Slowest fast lap over fastest slow lap [-] for laps without intensity to count as a
structured workout (I pace is ~1.34 x E speed, recoveries are slower than E)."""

MIN_LAP_S = 20.0
"""Laps shorter than this [s] are ignored when reading a workout from lap speeds (a
double press)."""

WORK_INTENSITIES = ("active", "interval")
REST_INTENSITIES = ("rest", "recovery")
AUTO_TRIGGERS = ("distance", "time", "position_start", "position_lap", "position_waypoint")


# ----------------------------------------------------------------------------- results


@dataclass(frozen=True)
class Levels:
    """The two speed levels of a run.

    Attributes
    ----------
    easy_mps, work_mps : float
        Easy and work level of the smoothed grade-adjusted speed [m/s].
    threshold_mps : float
        Midpoint the bouts are cut at [m/s].
    contrast : float
        ``work_mps / easy_mps`` [-].
    """

    easy_mps: float
    work_mps: float
    threshold_mps: float
    contrast: float


@dataclass(frozen=True)
class Bout:
    """A sustained stretch at the work level, found from speed alone.

    Attributes
    ----------
    start_s, end_s : float
        Start and end [s since the activity start].
    duration_s : float
        Moving time in the bout [s] (pauses excluded).
    distance_m : float
        Distance covered [m].
    avg_gas_mps : float
        Mean grade-adjusted speed [m/s].
    mean_grade : float
        Mean grade [fraction].
    kind : {"rep", "hill", "surge", "short"}
        ``rep``: an interval rep; ``hill``: a rep on a climb (> :data:`HILL_GRADE`);
        ``surge``: long and fast enough but with a gradual edge (step under
        :data:`MIN_EDGE_STEP`): a faster stretch of a steady run, or a tempo
        segment entered from easy pace; ``short``: shorter than :data:`MIN_REP_S`
        and :data:`MIN_REP_M` (a stride).
    step_in, step_out : float
        Level of the bout over the level just before it / just after it [-], in
        recorded speed (grade-adjusted speed without a speed stream); inf next to
        a pause, 1 at the start or end of the recording.
    """

    start_s: float
    end_s: float
    duration_s: float
    distance_m: float
    avg_gas_mps: float
    mean_grade: float
    kind: Literal["rep", "hill", "surge", "short"]
    step_in: float = math.inf
    step_out: float = math.inf


@dataclass(frozen=True)
class Rep:
    """One work or recovery bout with its form.

    Attributes
    ----------
    start_s : float
        Start [s since the activity start].
    end_s : float
        End [s since the activity start].
    duration_s : float
        Running-timer time [s] (pauses excluded).
    distance_m : float
        Distance [m].
    avg_speed_mps : float
        Distance over duration [m/s].
    avg_gas_mps : float
        Mean grade-adjusted speed [m/s].
    avg_cadence_spm : float
        Mean cadence [steps/min] (zeros skipped); NaN without cadence.
    avg_step_length_m : float
        Mean step length [m]: the stream, else speed x 60 / cadence.
    avg_ground_contact_time_s : float
        Mean ground contact time [s]; NaN without running dynamics.
    avg_heart_rate_bpm : float
        Mean heart rate [bpm]; NaN without heart rate.
    mean_grade : float
        Elevation gain over distance [fraction]; without altitude, the mean of
        the grade stream (0 on a treadmill).
    start_altitude_m : float
        Altitude at the start [m]; NaN without altitude.
    elevation_gain_m : float
        Altitude at the end minus at the start [m]; NaN without altitude.
    kind : {"work", "hill", "recovery"}
        What the bout is.
    source : {"laps", "speed"}
        Where its edges come from.
    """

    start_s: float
    end_s: float
    duration_s: float
    distance_m: float
    avg_speed_mps: float
    avg_gas_mps: float
    avg_cadence_spm: float
    avg_step_length_m: float
    avg_ground_contact_time_s: float
    avg_heart_rate_bpm: float
    mean_grade: float
    start_altitude_m: float
    elevation_gain_m: float
    kind: Literal["work", "hill", "recovery"]
    source: Literal["laps", "speed"]

    def as_dict(self) -> dict[str, Any]:
        """Plain JSON-ready dict (NaN becomes None), keys as the attributes."""
        return nan_to_none(self.__dict__)


@dataclass(frozen=True)
class Consistency:
    """Form across the reps: trend (least-squares slope per rep) and spread (CV).

    Attributes
    ----------
    n_reps : int
        Reps the figures are over [-].
    cadence_slope_spm_per_rep : float
        Change of cadence per rep [steps/min per rep]; negative = cadence falling.
    cadence_cv_pct : float
        Coefficient of variation of the reps' cadence [%] (sample standard deviation).
    contact_time_slope_s_per_rep : float
        Change of ground contact time per rep [s per rep].
    contact_time_cv_pct : float
        Coefficient of variation of the reps' contact time [%].
    step_length_slope_m_per_rep : float
        Change of step length per rep [m per rep].
    speed_cv_pct : float
        Coefficient of variation of the reps' grade-adjusted speed [%] (pacing).
    """

    n_reps: int
    cadence_slope_spm_per_rep: float
    cadence_cv_pct: float
    contact_time_slope_s_per_rep: float
    contact_time_cv_pct: float
    step_length_slope_m_per_rep: float
    speed_cv_pct: float

    def as_dict(self) -> dict[str, Any]:
        """Plain JSON-ready dict (NaN becomes None)."""
        return nan_to_none(self.__dict__)


@dataclass(frozen=True)
class LapComparison:
    """Detected reps against the device's work laps.

    Attributes
    ----------
    n_laps, n_detected : int
        Work laps and detected reps (hill reps included) [-].
    matches : list of (float, float)
        ``(lap start, detected start)`` [s] of each matched pair.
    unmatched_laps, unmatched_detected : list of float
        Starts [s] of work laps without a detected rep within the tolerance, and
        of detected reps without a work lap.
    tolerance_s : float
        Largest start difference of a match [s].
    """

    n_laps: int
    n_detected: int
    matches: list[tuple[float, float]]
    unmatched_laps: list[float]
    unmatched_detected: list[float]
    tolerance_s: float

    @property
    def agree(self) -> bool:
        """Same count and every work lap matched within the tolerance."""
        return self.n_laps == self.n_detected and not self.unmatched_laps

    @property
    def max_start_error_s(self) -> float:
        """Largest |detected - lap| start difference among the matches [s] (NaN if none)."""
        return max((abs(d - lap) for lap, d in self.matches), default=math.nan)

    def notes(self) -> list[str]:
        """One plain sentence per disagreement."""
        out: list[str] = []
        if self.n_laps != self.n_detected:
            out.append(f"{self.n_laps} work laps but {self.n_detected} reps detected from speed")
        out += [
            f"work lap starting at {s:.0f} s has no detected rep within {self.tolerance_s:.0f} s"
            for s in self.unmatched_laps
        ]
        out += [
            f"rep detected at {s:.0f} s has no work lap within {self.tolerance_s:.0f} s"
            for s in self.unmatched_detected
        ]
        return out

    def as_dict(self) -> dict[str, Any]:
        """Plain JSON-ready dict."""
        err = self.max_start_error_s
        return {
            "n_laps": self.n_laps,
            "n_detected": self.n_detected,
            "agree": self.agree,
            "max_start_error_s": err if math.isfinite(err) else None,
            "matches": [list(m) for m in self.matches],
            "unmatched_laps": self.unmatched_laps,
            "unmatched_detected": self.unmatched_detected,
            "notes": self.notes(),
        }


@dataclass(frozen=True)
class IntervalResult:
    """What :func:`detect_intervals` found.

    Attributes
    ----------
    source : {"laps", "speed", "none"}
        Where ``reps`` come from: structured device laps, detection, or neither
        (not an interval session).
    reps : list of Rep
        Work reps on the flat (fewer than two detected reps: empty).
    recoveries : list of Rep
        The stretches between consecutive work reps.
    hill_reps : list of Rep
        Reps on climbs steeper than :data:`HILL_GRADE` (left to the hills module).
    bouts : list of Bout
        Everything detection found, strides and single sustained bouts included.
    levels : Levels or None
        Easy and work levels (None without enough moving speed samples).
    lap_comparison : LapComparison or None
        Detection against the work laps when the laps are a structured workout.
    consistency : Consistency or None
        Form across ``reps`` (None with fewer than two reps).
    notes : list of str
        Disagreements between laps and detection, and why nothing was found.
    grid : Grid or None
        The 1 Hz grid the detection ran on (:func:`gas_grid`), kept so that a
        caller (the classifier) need not rebuild it.
    """

    source: Literal["laps", "speed", "none"]
    reps: list[Rep]
    recoveries: list[Rep]
    hill_reps: list[Rep]
    bouts: list[Bout]
    levels: Levels | None
    lap_comparison: LapComparison | None
    consistency: Consistency | None
    notes: list[str] = field(default_factory=list)
    grid: Grid | None = field(default=None, repr=False, compare=False)

    @property
    def is_interval_session(self) -> bool:
        """True with at least two work reps on the flat."""
        return len(self.reps) >= 2

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready dict; ``intervals`` is the list of work reps (``start_s``,
        ``duration_s``, ``distance_m``, ``avg_speed_mps``, ``avg_cadence_spm`` and
        the other :class:`Rep` fields)."""
        return {
            "source": self.source,
            "intervals": [r.as_dict() for r in self.reps],
            "recoveries": [r.as_dict() for r in self.recoveries],
            "hill_reps": [r.as_dict() for r in self.hill_reps],
            "consistency": None if self.consistency is None else self.consistency.as_dict(),
            "lap_comparison": (
                None if self.lap_comparison is None else self.lap_comparison.as_dict()
            ),
            "levels": None if self.levels is None else dict(self.levels.__dict__),
            "notes": list(self.notes),
        }


# ----------------------------------------------------------------------------- the grid


@dataclass(frozen=True)
class Grid:
    """A run's streams on whole seconds (:func:`gas_grid`).

    Attributes
    ----------
    t : ndarray
        Whole seconds since the activity start [s].
    gas : ndarray
        Grade-adjusted speed [m/s]; NaN while paused or without speed.
    grade : ndarray
        Grade [fraction]; 0 without altitude.
    distance : ndarray
        Cumulative distance [m].
    paused : ndarray of bool
        True inside record gaps longer than :data:`~runform.core.summary.PAUSE_GAP_S`.
    speed : ndarray
        Speed as recorded (or from distance) [m/s]; NaN while paused.
    """

    t: FloatArray
    gas: FloatArray
    grade: FloatArray
    distance: FloatArray
    paused: BoolArray
    speed: FloatArray


def _col(streams: pd.DataFrame, name: str) -> FloatArray | None:
    if name not in streams:
        return None
    values = streams[name].to_numpy(dtype=float, na_value=np.nan)
    return values if np.isfinite(values).any() else None


def _rolling(x: FloatArray, window: int, how: Literal["mean", "median"]) -> FloatArray:
    """Centred running mean or median over an odd ``window`` of samples, NaN skipped
    (at least one finite value; NaN where the window holds none). Numpy only, O(n w)."""
    n = x.size
    half = window // 2
    if n == 0:
        return np.zeros(0)
    if how == "mean":
        ok = np.isfinite(x)
        c = np.concatenate([[0.0], np.cumsum(np.where(ok, x, 0.0))])
        k = np.concatenate([[0], np.cumsum(ok)])
        idx = np.arange(n)
        lo = np.clip(idx - half, 0, n)
        hi = np.clip(idx + half + 1, 0, n)
        count = k[hi] - k[lo]
        with np.errstate(invalid="ignore", divide="ignore"):
            return np.where(count > 0, (c[hi] - c[lo]) / count, np.nan)
    padded = np.concatenate([np.full(half, np.nan), x, np.full(half, np.nan)])
    win = np.sort(np.lib.stride_tricks.sliding_window_view(padded, 2 * half + 1), axis=1)
    count = np.isfinite(win).sum(axis=1)
    rows = np.arange(n)
    a = win[rows, np.maximum(count - 1, 0) // 2]
    b = win[rows, np.maximum(count, 0) // 2 - (count == 0)]
    return np.where(count > 0, 0.5 * (a + b), np.nan)


def gas_grid(streams: pd.DataFrame, *, grade_model: GradeModel = "minetti") -> Grid:
    """Grade-adjusted speed on a 1 Hz grid, with grade, distance, pauses and speed.

    Parameters
    ----------
    streams : DataFrame
        Canonical streams: ``time`` [s]; ``speed`` [m/s] or ``distance`` [m];
        optional ``grade`` [fraction] or ``altitude`` [m] with ``distance``.
    grade_model : {"minetti", "strava"}
        Grade adjustment (:func:`runform.core.grade.grade_adjusted_speed`).

    Returns
    -------
    Grid
        Every stream interpolated onto whole seconds; a record gap longer than
        :data:`~runform.core.summary.PAUSE_GAP_S` is a pause (NaN speed).
    """
    return _grid(streams, grade_model)


def _grid(streams: pd.DataFrame, grade_model: GradeModel) -> Grid:
    empty = np.zeros(0)
    t_raw = _col(streams, "time")
    if t_raw is None:
        raise UsageError("streams need a 'time' column [s since the activity start]")
    ok = np.isfinite(t_raw)
    t = t_raw[ok]
    order = np.argsort(t, kind="stable")
    t = t[order]
    keep = np.concatenate([[True], np.diff(t) > 0]) if t.size else np.zeros(0, dtype=bool)
    t = t[keep]

    def pick(name: str) -> FloatArray | None:
        arr = _col(streams, name)
        return None if arr is None else arr[ok][order][keep]

    if t.size < 2:
        return Grid(empty, empty, empty, empty, np.zeros(0, dtype=bool), empty)
    speed = pick("speed")
    dist = pick("distance")
    if dist is not None:
        dmask = np.isfinite(dist)
        dist_mono = (
            np.interp(t, t[dmask], np.maximum.accumulate(dist[dmask])) if dmask.sum() >= 2 else None
        )
    else:
        dist_mono = None
    if speed is None and dist_mono is not None:
        speed = np.gradient(dist_mono, t)
    grid = np.arange(math.ceil(t[0]), math.floor(t[-1]) + 1.0)
    if speed is None or grid.size < 2:
        nan = np.full(grid.size, np.nan)
        return Grid(grid, nan, np.zeros(grid.size), grid * 0.0, grid < 0, nan)
    gaps = np.diff(t)
    paused = np.zeros(grid.size, dtype=bool)
    for i in np.flatnonzero(gaps > PAUSE_GAP_S):
        paused |= (grid > t[i]) & (grid < t[i + 1])
    sm = np.isfinite(speed)
    v = np.interp(grid, t[sm], speed[sm]) if sm.any() else np.full(grid.size, np.nan)
    v = np.where(paused, np.nan, np.clip(v, 0.0, None))

    recorded_grade = pick("grade")
    alt = pick("altitude")
    if recorded_grade is not None:
        gm = np.isfinite(recorded_grade)
        grade = np.interp(grid, t[gm], recorded_grade[gm])
    elif alt is not None and dist_mono is not None and np.isfinite(alt).sum() >= 2:
        samp_grade = grade_from_altitude(dist_mono, alt)
        gm = np.isfinite(samp_grade)
        grade = np.interp(grid, t[gm], samp_grade[gm]) if gm.any() else np.zeros(grid.size)
    else:
        grade = np.zeros(grid.size)
    gas = grade_adjusted_speed(v, grade, grade_model)
    if dist_mono is not None:
        distance = np.interp(grid, t, dist_mono)
    else:
        distance = np.concatenate([[0.0], np.cumsum(np.nan_to_num(v)[1:])])
    return Grid(grid, gas, grade, distance, paused, v)


# ----------------------------------------------------------------------------- detection


def _spans(mask: BoolArray) -> list[tuple[int, int]]:
    """(first, one-past-last) index of each run of True."""
    m = np.concatenate([[False], mask, [False]]).astype(np.int8)
    d = np.diff(m)
    return list(zip(np.flatnonzero(d == 1).tolist(), np.flatnonzero(d == -1).tolist(), strict=True))


def _levels(smooth: FloatArray) -> Levels | None:
    moving = np.isfinite(smooth) & (smooth >= MOVING_GAS_MPS)
    if moving.sum() < 60:
        return None
    easy = float(np.quantile(smooth[moving], EASY_QUANTILE))
    work = float(np.quantile(smooth[moving], WORK_QUANTILE))
    return Levels(easy, work, 0.5 * (easy + work), work / easy)


def _median_finite(x: FloatArray) -> float:
    x = x[np.isfinite(x)]
    return float(np.median(x)) if x.size else math.nan


def _refine(edge: FloatArray, a: int, b: int, easy: float, n: int) -> tuple[int, int]:
    """Move the edges of bout [a, b) to the half-way crossings of the edge signal."""
    inside = _median_finite(edge[a:b])
    if not math.isfinite(inside):
        return a, b
    before = _median_finite(edge[max(0, a - 40) : max(0, a - 5)])
    after = _median_finite(edge[min(n, b + 5) : min(n, b + 40)])
    lo_a = 0.5 * (inside + (before if math.isfinite(before) else easy))
    lo_b = 0.5 * (inside + (after if math.isfinite(after) else easy))
    limit = int(SMOOTH_S)
    a0, b0 = a, b
    while a > max(0, a0 - limit) and np.isfinite(edge[a - 1]) and edge[a - 1] > lo_a:
        a -= 1
    while a < b - 1 and not (edge[a] > lo_a):
        a += 1
    while b < min(n, b0 + limit) and np.isfinite(edge[b]) and edge[b] > lo_b:
        b += 1
    while b > a + 1 and not (edge[b - 1] > lo_b):
        b -= 1
    return a, b


def _steps(signal: FloatArray, a: int, b: int) -> tuple[float, float]:
    """Level of bout [a, b) over the level just before and just after it.

    Next to a pause (no finite sample in the probe) the step is inf: stopping is
    abrupt. At the start or end of the recording it is 1: a run that starts
    fast has no recovery before its first 'rep'.
    """
    n = signal.size
    inside = _median_finite(signal[a:b])
    p0, p1 = EDGE_PROBE_S

    def step(lo: int, hi: int) -> float:
        if hi - lo < p1 - p0:
            return 1.0
        outside = _median_finite(signal[lo:hi])
        if not math.isfinite(outside):
            return math.inf
        return inside / outside if outside > 0 else math.inf

    return step(max(0, a - p1), max(0, a - p0)), step(min(n, b + p0), min(n, b + p1))


def detect_bouts(
    streams: pd.DataFrame, *, grade_model: GradeModel = "minetti"
) -> tuple[list[Bout], Levels | None]:
    """Sustained stretches at the work level of grade-adjusted speed.

    Parameters
    ----------
    streams : DataFrame
        Canonical streams (``time`` [s]; ``speed`` [m/s] or ``distance`` [m];
        ``altitude`` [m] or ``grade`` [fraction] when recorded).
    grade_model : {"minetti", "strava"}
        Grade adjustment, :func:`runform.core.grade.grade_adjusted_speed`.

    Returns
    -------
    (bouts, levels)
        Every bout in time order (``kind`` ``rep``, ``hill`` or ``short``; see the
        module notes for the rules) and the run's two levels (None when the run
        has under a minute of moving samples). No bouts when the work level is
        under :data:`MIN_CONTRAST` x the easy level.
    """
    return _detect(_grid(streams, grade_model))


def _detect(g: Grid) -> tuple[list[Bout], Levels | None]:
    n = g.t.size
    if n < 2 or not np.isfinite(g.gas).any():
        return [], None
    filled = np.where(np.isfinite(g.gas), g.gas, np.nan)
    med = _rolling(filled, MEDIAN_S, "median")
    smooth = _rolling(med, SMOOTH_S, "mean")
    edge = _rolling(med, EDGE_SMOOTH_S, "mean")
    smooth[g.paused] = np.nan
    edge[g.paused] = np.nan
    levels = _levels(smooth)
    if levels is None or levels.contrast < MIN_CONTRAST:
        return [], levels
    low = levels.easy_mps + HYSTERESIS * (levels.work_mps - levels.easy_mps)
    finite = np.isfinite(smooth)
    high = finite & (smooth > levels.threshold_mps)
    spans = [(a, b) for a, b in _spans(finite & (smooth > low)) if high[a:b].any()]
    merged: list[tuple[int, int]] = []
    for a, b in spans:
        if merged and (g.t[a] - g.t[merged[-1][1] - 1]) <= MERGE_GAP_S:
            merged[-1] = (merged[-1][0], b)
        else:
            merged.append((a, b))
    v_med = _rolling(np.where(np.isfinite(g.speed), g.speed, np.nan), MEDIAN_S, "median")
    v_edge = _rolling(v_med, EDGE_SMOOTH_S, "mean")
    v_edge[g.paused] = np.nan
    bouts: list[Bout] = []
    last_end = 0
    for a0, b0 in merged:
        a, b = _refine(edge, a0, b0, levels.easy_mps, n)
        a = max(a, last_end)
        if b <= a:
            continue
        last_end = b
        moving = ~g.paused[a:b]
        duration = float(moving.sum())
        start_i = max(a - 1, 0)
        distance = float(g.distance[b - 1] - g.distance[start_i])
        gas = float(np.nanmean(g.gas[a:b])) if np.isfinite(g.gas[a:b]).any() else math.nan
        grade = float(np.mean(g.grade[a:b]))
        long_enough = duration >= MIN_REP_S or distance >= MIN_REP_M
        step_in, step_out = _steps(v_edge if np.isfinite(v_edge[a:b]).any() else edge, a, b)
        kind: Literal["rep", "hill", "surge", "short"]
        if not long_enough:
            kind = "short"
        elif not gas >= MIN_CONTRAST * levels.easy_mps:
            continue
        elif grade <= HILL_GRADE and gas < MIN_REP_CONTRAST * levels.easy_mps:
            kind = "surge"
        elif grade > HILL_GRADE:
            kind = "hill"
        elif max(step_in, step_out) < MIN_EDGE_STEP or min(step_in, step_out) < MIN_CONTRAST:
            kind = "surge"
        else:
            kind = "rep"
        bouts.append(
            Bout(
                float(g.t[start_i]),
                float(g.t[b - 1]),
                duration,
                distance,
                gas,
                grade,
                kind,
                step_in,
                step_out,
            )
        )
    return bouts, levels


# ----------------------------------------------------------------------------- laps


def structured_work_laps(
    laps: pd.DataFrame,
    start_time: datetime | pd.Timestamp,
    t_end: float,
    effort: Sequence[float] | None = None,
) -> list[int] | None:
    """Positions of the work laps when the laps are a structured workout.

    Parameters
    ----------
    laps : DataFrame
        Device laps (``start_time``; ``intensity``, ``trigger``, ``distance`` [m],
        ``timer_time`` [s] when recorded).
    start_time : datetime or Timestamp
        Activity start (UTC).
    t_end : float
        Time of the last sample [s].
    effort : sequence of float, optional
        Effort of each lap [m/s], e.g. its mean grade-adjusted speed; default the
        device's distance / timer time (which makes hill reps look slow).

    Returns
    -------
    list of int or None
        0-based positions of the work laps, or None when the laps are not a
        structured workout. Two readings:

        1. **Intensity**: at least one lap marked ``rest``/``recovery`` and at
           least one ``active``/``interval``: the work laps are the active ones
           (a structured workout on the watch; warm-up and cool-down laps are
           marked as such).
        2. **Lap presses**: laps not ended automatically (trigger ``manual`` or
           unrecorded) whose efforts split at their largest ratio gap into fast
           and slow laps with the slowest fast lap at least
           :data:`MIN_LAP_CONTRAST` x the fastest slow lap, at least two fast laps,
           all of them running (effort >= :data:`MOVING_GAS_MPS`, not a walk), and
           no two fast laps in a row (reps alternate with recoveries). Laps
           shorter than :data:`MIN_LAP_S` are ignored.
    """
    if laps.empty or len(laps) < 3:
        return None
    if "intensity" in laps:
        inten = laps["intensity"].astype("string").str.lower().fillna("")
        if inten.isin(REST_INTENSITIES).any() and inten.isin(WORK_INTENSITIES).any():
            return [i for i, x in enumerate(inten.tolist()) if x in WORK_INTENSITIES]
    if "trigger" in laps:
        trig = laps["trigger"].astype("string").str.lower().fillna("")
        if trig.isin(AUTO_TRIGGERS).any():
            return None
    windows = lap_windows(laps, start_time, t_end)
    durations = np.array([hi - lo for lo, hi in windows], dtype=float)
    if "timer_time" in laps:
        timer = pd.to_numeric(laps["timer_time"], errors="coerce").to_numpy(dtype=float)
        durations = np.where(np.isfinite(timer), timer, durations)
    if effort is not None:
        speed = np.asarray(effort, dtype=float)
    elif "distance" in laps:
        dist = pd.to_numeric(laps["distance"], errors="coerce").to_numpy(dtype=float)
        with np.errstate(invalid="ignore", divide="ignore"):
            speed = dist / durations
    else:
        return None
    usable = np.isfinite(speed) & (speed > 0) & (durations >= MIN_LAP_S)
    idx = np.flatnonzero(usable)
    if idx.size < 3:
        return None
    logv = np.log(speed[idx])
    order = np.argsort(logv)
    gaps = np.diff(logv[order])
    k = int(np.argmax(gaps))
    if math.exp(float(gaps[k])) < MIN_LAP_CONTRAST:
        return None
    fast = sorted(int(idx[j]) for j in order[k + 1 :])
    if len(fast) < 2 or float(np.min(speed[fast])) < MOVING_GAS_MPS:
        return None
    usable_pos = idx.tolist()
    for f1, f2 in itertools.pairwise(fast):
        between = [p for p in usable_pos if f1 < p < f2]
        if not between:
            return None
    return fast


def compare_with_laps(
    detected_starts: Sequence[float],
    lap_starts: Sequence[float],
    tolerance_s: float = LAP_START_TOLERANCE_S,
) -> LapComparison:
    """Match detected rep starts to work-lap starts (nearest first, one to one).

    Parameters
    ----------
    detected_starts : sequence of float
        Starts of the detected reps [s].
    lap_starts : sequence of float
        Starts of the work laps [s].
    tolerance_s : float
        Largest start difference of a match [s] (default :data:`LAP_START_TOLERANCE_S`).

    Returns
    -------
    LapComparison
    """
    det = [float(x) for x in detected_starts]
    lap = [float(x) for x in lap_starts]
    pairs = sorted(
        ((abs(d - s), i, j) for i, s in enumerate(lap) for j, d in enumerate(det)),
        key=lambda p: p[0],
    )
    used_l: set[int] = set()
    used_d: set[int] = set()
    matches: list[tuple[float, float]] = []
    for diff, i, j in pairs:
        if diff > tolerance_s:
            break
        if i in used_l or j in used_d:
            continue
        used_l.add(i)
        used_d.add(j)
        matches.append((lap[i], det[j]))
    matches.sort()
    return LapComparison(
        n_laps=len(lap),
        n_detected=len(det),
        matches=matches,
        unmatched_laps=[s for i, s in enumerate(lap) if i not in used_l],
        unmatched_detected=[d for j, d in enumerate(det) if j not in used_d],
        tolerance_s=tolerance_s,
    )


# ----------------------------------------------------------------------------- reps


def _window_gas(g: Grid, lo: float, hi: float) -> tuple[float, float]:
    """Mean grade-adjusted speed [m/s] and grade [-] of the grid seconds in (lo, hi]."""
    a = int(np.searchsorted(g.t, lo, side="right"))
    b = int(np.searchsorted(g.t, hi, side="right"))
    gas = g.gas[a:b]
    gas_mean = float(np.nanmean(gas)) if np.isfinite(gas).any() else math.nan
    grade = float(np.mean(g.grade[a:b])) if b > a else math.nan
    return gas_mean, grade


def _reps(
    streams: pd.DataFrame,
    g: Grid,
    windows: list[tuple[float, float]],
    kinds: list[Literal["work", "hill", "recovery"]],
    source: Literal["laps", "speed"],
    periods: Sequence[tuple[float, float]] | None,
) -> list[Rep]:
    if not windows:
        return []
    avg = window_averages(streams, windows, periods=periods)
    t_alt, alt = _altitude(streams)
    out: list[Rep] = []
    cols = {c: avg[c].to_numpy(dtype=float) for c in avg.columns}
    for i, ((lo, hi), kind) in enumerate(zip(windows, kinds, strict=True)):
        gas, grade = _window_gas(g, lo, hi)
        speed, cad = float(cols["avg_speed"][i]), float(cols["avg_cadence"][i])
        gain = _at(t_alt, alt, hi) - _at(t_alt, alt, lo)
        dist = float(cols["distance"][i])
        step = float(cols["avg_step_length"][i])
        if not math.isfinite(step) and cad > 0:
            step = speed * 60.0 / cad
        out.append(
            Rep(
                start_s=float(lo),
                end_s=float(hi),
                duration_s=float(cols["timer_time"][i]),
                distance_m=dist,
                avg_speed_mps=speed,
                avg_gas_mps=gas,
                avg_cadence_spm=cad,
                avg_step_length_m=step,
                avg_ground_contact_time_s=float(cols["avg_ground_contact_time"][i]),
                avg_heart_rate_bpm=float(cols["avg_heart_rate"][i]),
                mean_grade=gain / dist if math.isfinite(gain) and dist > 0 else grade,
                start_altitude_m=_at(t_alt, alt, lo),
                elevation_gain_m=gain,
                kind=kind,
                source=source,
            )
        )
    return out


def _altitude(streams: pd.DataFrame) -> tuple[FloatArray, FloatArray]:
    t = _col(streams, "time")
    alt = _col(streams, "altitude")
    if t is None or alt is None:
        return np.zeros(0), np.zeros(0)
    ok = np.isfinite(t) & np.isfinite(alt)
    return t[ok], alt[ok]


def _at(t: FloatArray, y: FloatArray, x: float) -> float:
    if t.size == 0 or not math.isfinite(x):
        return math.nan
    return float(np.interp(x, t, y))


def _slope(y: FloatArray) -> float:
    ok = np.isfinite(y)
    if ok.sum() < 2:
        return math.nan
    x = np.arange(y.size, dtype=float)[ok]
    return float(np.polyfit(x, y[ok], 1)[0])


def _cv(y: FloatArray) -> float:
    y = y[np.isfinite(y)]
    if y.size < 2 or not np.mean(y) > 0:
        return math.nan
    return float(100.0 * np.std(y, ddof=1) / np.mean(y))


def form_consistency(reps: Sequence[Rep]) -> Consistency | None:
    """Trend and spread of form across reps.

    Parameters
    ----------
    reps : sequence of Rep
        Work reps in order.

    Returns
    -------
    Consistency or None
        None with fewer than two reps.

    Notes
    -----
    Trend: the least-squares slope of the metric against the rep number
    (:math:`\\hat\\beta_1` of :math:`y_k = \\beta_0 + \\beta_1 k`), per rep.
    Spread: the coefficient of variation :math:`100\\, s / \\bar y` [%] with the
    sample standard deviation :math:`s` (ddof = 1).
    """
    if len(reps) < 2:
        return None
    cad = np.array([r.avg_cadence_spm for r in reps], dtype=float)
    gct = np.array([r.avg_ground_contact_time_s for r in reps], dtype=float)
    step = np.array([r.avg_step_length_m for r in reps], dtype=float)
    gas = np.array([r.avg_gas_mps for r in reps], dtype=float)
    return Consistency(
        n_reps=len(reps),
        cadence_slope_spm_per_rep=_slope(cad),
        cadence_cv_pct=_cv(cad),
        contact_time_slope_s_per_rep=_slope(gct),
        contact_time_cv_pct=_cv(gct),
        step_length_slope_m_per_rep=_slope(step),
        speed_cv_pct=_cv(gas),
    )


def _recoveries(
    streams: pd.DataFrame,
    g: Grid,
    work: list[tuple[float, float]],
    source: Literal["laps", "speed"],
    periods: Sequence[tuple[float, float]] | None,
) -> list[Rep]:
    windows = [(a[1], b[0]) for a, b in itertools.pairwise(work) if b[0] > a[1]]
    return _reps(streams, g, windows, ["recovery"] * len(windows), source, periods)


def detect_intervals(
    streams: pd.DataFrame,
    laps: pd.DataFrame | None = None,
    start_time: datetime | pd.Timestamp | None = None,
    *,
    grade_model: GradeModel = "minetti",
    periods: Sequence[tuple[float, float]] | None = None,
    use_laps: bool = True,
) -> IntervalResult:
    """Work reps, recoveries and form consistency of a run.

    Parameters
    ----------
    streams : DataFrame
        Canonical streams: ``time`` [s]; ``speed`` [m/s] or ``distance`` [m];
        ``altitude`` [m]/``grade`` [fraction], ``cadence`` [steps/min],
        ``step_length`` [m], ``ground_contact_time`` [s], ``heart_rate`` [bpm]
        when recorded.
    laps : DataFrame, optional
        The device's laps (``start_time``, ``intensity``, ``trigger``,
        ``distance`` [m], ``timer_time`` [s]).
    start_time : datetime or Timestamp, optional
        Activity start (UTC), the zero of ``streams["time"]``; required with laps.
    grade_model : {"minetti", "strava"}
        Grade adjustment of speed.
    periods : sequence of (float, float), optional
        Running-timer periods [s] for the per-rep averages (default: record
        gaps > 10 s are pauses).
    use_laps : bool
        Take the reps from structured laps when there are any (default True);
        False reports detection only (the laps are still compared).

    Returns
    -------
    IntervalResult
        ``source`` ``laps`` when the laps are a structured workout
        (:func:`structured_work_laps`, efforts from the grade-adjusted speed),
        else ``speed`` with at least two detected flat reps, else ``none``.
        Reps on climbs go to ``hill_reps``. ``lap_comparison`` and ``notes``
        report where detection and laps disagree.
    """
    g = _grid(streams, grade_model)
    bouts, levels = _detect(g)
    notes: list[str] = []
    det_long = [b for b in bouts if b.kind in ("rep", "hill")]
    det_windows = [(b.start_s, b.end_s) for b in det_long]
    det_kinds: list[Literal["work", "hill", "recovery"]] = [
        "hill" if b.kind == "hill" else "work" for b in det_long
    ]

    lap_idx: list[int] | None = None
    lap_win: list[tuple[float, float]] = []
    if laps is not None and not laps.empty:
        if start_time is None:
            raise UsageError("detect_intervals needs start_time to place the laps in time")
        t_end = float(g.t[-1]) if g.t.size else 0.0
        lap_win = lap_windows(laps, start_time, t_end)
        effort = [_window_gas(g, lo, hi)[0] for lo, hi in lap_win]
        lap_idx = structured_work_laps(laps, start_time, t_end, effort=effort)

    comparison: LapComparison | None = None
    if lap_idx is not None:
        comparison = compare_with_laps(
            [w[0] for w in det_windows], [lap_win[i][0] for i in lap_idx]
        )
        notes += comparison.notes()

    if lap_idx is not None and use_laps:
        source: Literal["laps", "speed", "none"] = "laps"
        windows = [lap_win[i] for i in lap_idx]
        kinds: list[Literal["work", "hill", "recovery"]] = []
        for lo, hi in windows:
            grade = _window_gas(g, lo, hi)[1]
            kinds.append("hill" if grade > HILL_GRADE else "work")
        all_reps = _reps(streams, g, windows, kinds, "laps", periods)
    else:
        all_reps = _reps(streams, g, det_windows, det_kinds, "speed", periods)
        source = "speed"
    work = [r for r in all_reps if r.kind == "work"]
    hills = [r for r in all_reps if r.kind == "hill"]
    if len(work) < 2:
        if work and source == "speed":
            notes.append(
                f"one sustained bout at {work[0].start_s:.0f} s ({work[0].duration_s:.0f} s): "
                "a tempo segment, not intervals"
            )
        work = []
    if not work and not hills:
        source = "none"
    if levels is not None and levels.contrast < MIN_CONTRAST:
        notes.append(
            f"steady run: work level {levels.work_mps:.2f} m/s is only {levels.contrast:.2f} x "
            f"the easy level {levels.easy_mps:.2f} m/s (< {MIN_CONTRAST})"
        )
    src_edge: Literal["laps", "speed"] = "laps" if source == "laps" else "speed"
    recoveries = _recoveries(streams, g, [(r.start_s, r.end_s) for r in work], src_edge, periods)
    return IntervalResult(
        source=source,
        reps=work,
        recoveries=recoveries,
        hill_reps=hills,
        bouts=bouts,
        levels=levels,
        lap_comparison=comparison,
        consistency=form_consistency(work),
        notes=notes,
        grid=g,
    )
