"""Hills: climbs and descents, grade-adjusted speed, form by grade band, hill repeats.

Pure functions over a canonical stream frame (:data:`runform.schema.STREAMS`):

* :func:`grade_stream` and :func:`grade_adjusted_speed_stream`: the grade [fraction]
  and the grade-adjusted (flat-equivalent) speed [m/s] of every sample, with
  Minetti et al. (2002) [1]_ or Strava's empirical factors [2]_, selectable
  (both from :mod:`runform.core.grade`);
* :func:`find_hills`: climbs and descents (start, length, gain, mean grade) from
  distance and altitude, with a hysteresis against altimeter noise;
* :func:`form_by_grade`: cadence, step length and ground contact time by grade
  band, each compared with flat running *at the same grade-adjusted speed*, so a
  runner sees over-striding downhill or cadence collapse uphill;
* :func:`detect_hill_repeats`: repeated climbs of the same hill at effort with
  easy recoveries (a hill-repeat session), one :class:`HillRep` per rep;
* :func:`analyze_hills`: all of the above with the grade computed once.

Times are the elapsed seconds of the ``time`` stream (pauses included), so a
``start_s`` can be looked up in the streams directly. Every result has an
``as_dict()`` that is JSON-ready (NaN becomes ``None``).

References
----------
.. [1] Minetti, A. E., Moia, C., Roi, G. S., Susta, D., & Ferretti, G. (2002).
   Energy cost of walking and running at extreme uphill and downhill slopes.
   Journal of Applied Physiology, 93(3), 1039-1046.
   https://doi.org/10.1152/japplphysiol.01177.2001
.. [2] Robb, D. (2017). An Improved GAP Model. Strava Engineering.
   https://medium.com/strava-engineering/an-improved-gap-model-8b07ae8886c3
.. [3] de Ruiter, C. J., van Oeveren, B., Francke, A., Zijlstra, P., & van Dieen,
   J. H. (2016/2020). Running speed can be predicted from foot contact time during
   outdoor over ground running / stride frequency in relation to running speed.
   Eur J Sport Sci. https://doi.org/10.1080/17461391.2019.1650126
.. [4] Heiderscheit, B. C., Chumanov, E. S., Michalski, M. P., Wille, C. M., &
   Ryan, M. B. (2011). Effects of step rate manipulation on joint mechanics during
   running. Med Sci Sports Exerc, 43(2), 296-302.
   https://doi.org/10.1249/MSS.0b013e3181ebedf4
.. [5] Tudor-Locke, C. et al. (2018). How fast is fast enough? Walking cadence
   (steps/min) as a practical estimate of intensity in adults. Br J Sports Med,
   52(12), 776-788. https://doi.org/10.1136/bjsports-2017-097628
"""

from __future__ import annotations

import itertools
import math
from dataclasses import asdict, dataclass
from typing import Any, Literal

import numpy as np
import numpy.typing as npt
import pandas as pd

from runform.core.grade import (
    GRADE_WINDOW_M,
    GradeModel,
    grade_adjusted_speed,
    grade_from_altitude,
)
from runform.core.jsonsafe import json_safe
from runform.core.summary import MOVING_SPEED_MPS, PAUSE_GAP_S
from runform.errors import UsageError

__all__ = [
    "CADENCE_SPEED_SLOPE_SPM",
    "GRADE_BANDS",
    "GradeBand",
    "GradeForm",
    "Hill",
    "HillAnalysis",
    "HillRep",
    "analyze_hills",
    "detect_hill_repeats",
    "find_hills",
    "form_by_grade",
    "grade_adjusted_speed_stream",
    "grade_stream",
]

FloatArray = npt.NDArray[np.float64]
BoolArray = npt.NDArray[np.bool_]
IntArray = npt.NDArray[np.intp]

# --------------------------------------------------------------------------- constants

HILL_SMOOTH_M = 15.0
"""Window [m] of the running median and then running mean applied to altitude
before climbs are segmented. White altimeter noise of standard deviation s
leaves about 0.5 s after both (5 samples each at 3 m/s), well inside
:data:`HYSTERESIS_M`; the apex of a sharp 8 % turnaround loses only about
0.3 m (g w / 4 for the median)."""

HYSTERESIS_M = 3.0
"""Altitude reversal [m] needed to end a climb or a descent: a climb ends once the
smoothed altitude falls this far below its highest point (and vice versa). 3 m
follows barometric altimeter resolution, as :func:`runform.core.summary.ascent_m`."""

MIN_GAIN_M = 5.0
"""Smallest gain (or loss) [m] reported as a climb (descent): above bridges and
underpasses (3-4 m) and at least 1.7 x the hysteresis, so noise cannot make one."""

MIN_GRADE = 0.03
"""Smallest mean |grade| [fraction] of a climb or descent: at 3 % running costs 17 %
more energy than on the flat (Minetti 2002, Cr(0.03) = 4.23 vs 3.6 J/kg/m), and
slow drifts of GPS altitude (a few metres over minutes) stay below it."""

MIN_LENGTH_M = 50.0
"""Shortest climb or descent [m]: the altitude smoothing and the 50 m grade window
of :func:`runform.core.grade.grade_from_altitude` cannot resolve shorter ones."""

CORE_GRADE_FRACTION = 0.5
"""Inside a rise between a low and a high point, a climb is where the grade is at
least this fraction of :data:`MIN_GRADE` (1.5 % by default): flat lead-ins, run-outs
and plateaus do not count in its length."""

EXTEND_M = 20.0
"""A climb's ends move outward while the smoothed altitude keeps falling (start) or
rising (end), at most this far [m] beyond where the grade crossed the threshold:
the 50 m grade window rounds a sharp foot or top by about a quarter of its length."""

CORNER_OUTER_M = 40.0
"""Length [m] of ground just outside a climb (the approach, or the descent into a
valley) included in the fit that places its start and end."""

CORNER_INNER_FRACTION = 0.6
"""Share of a climb at each end over which, with :data:`CORNER_OUTER_M` outside it, a
two-piece line is fitted to the raw altitude; its corner is the start (end). A fit
through tens of samples places a corner to within metres under a few metres of
GPS altitude noise, where the extremes of a smoothed profile wander by tens."""

CORNER_STEP_M = 2.0
"""Spacing [m] of the candidate corners tried."""

MIN_FIT_POINTS = 5
"""Fewest samples on each side of a corner."""

MERGE_M = 50.0
"""Steep stretches [m] of one rise closer than this are one climb (the grade window
of :data:`runform.core.grade.GRADE_WINDOW_M` cannot separate them)."""

GRADE_BANDS: tuple[tuple[str, float, float], ...] = (
    ("< -6 %", -math.inf, -0.06),
    ("-6..-2 %", -0.06, -0.02),
    ("-2..2 %", -0.02, 0.02),
    ("2..6 %", 0.02, 0.06),
    ("> 6 %", 0.06, math.inf),
)
"""Default grade bands (label, lower, upper) [fraction]; ``-2..2 %`` is "flat": the
grade estimate from GPS altitude is good to about +-1 point (GRADE_WINDOW_M)."""

FLAT_LABEL = "-2..2 %"
"""Label of the flat reference band in :data:`GRADE_BANDS`."""

EFFORT_BIN_MPS = 0.2
"""Width [m/s] of the grade-adjusted-speed bins in which a band is matched with flat
running (0.2 m/s moves cadence by about 1.3 spm at 6.5 spm per m/s)."""

MIN_FLAT_BIN_S = 10.0
"""Flat running [s] a speed bin needs to serve as the reference for that bin."""

MIN_MATCHED_S = 30.0
"""Matched time [s] a band needs before its differences from flat are reported."""

MIN_FLAG_S = 60.0
"""Matched time [s] a band needs before it can raise a form flag."""

RUNNING_CADENCE_SPM = 140.0
"""Cadence [steps/min] separating running from walking: walking stays below about
130 steps/min even when vigorous (Tudor-Locke 2018 [5]_), running rarely goes
below 150."""

RUNNING_SPEED_MPS = 1.8
"""Speed [m/s] below which a sample without cadence counts as walking (6.5 km/h,
above the preferred walking speed of about 1.4 m/s)."""

CADENCE_SPEED_SLOPE_SPM = 6.5
"""Expected rise of cadence with speed [steps/min per m/s] in experienced runners
(de Ruiter 2020 [3]_; vectors.md: about 6-7). At matched effort the runner's speed
differs between a band and the flat; this much cadence change per m/s is the
normal response, anything beyond it is the runner's own."""

CADENCE_COLLAPSE_SPM = 5.0
"""Uphill cadence collapse [steps/min]: cadence more than this below what the
speed difference explains (about 3 % of a 165-175 spm cadence, more than the
spread of a personal cadence-speed fit and half the 5-10 % change Heiderscheit
2011 [4]_ found to alter joint loading)."""

REP_EFFORT_RATIO = 1.10
"""A climb is run "at effort" when its mean grade-adjusted speed is at least 10 %
above the run's median running grade-adjusted speed (easy climbs on a loop stay
within the +-2-5 % pace noise of steady running)."""

REP_RECOVERY_RATIO = 0.85
"""Between two reps the mean grade-adjusted speed must be at most 85 % of the reps'
(a jog or walk down); loops of a hilly course at steady effort fail this."""

REP_MIN_COUNT = 3
"""Fewest climbs of the same hill that make a hill-repeat session."""

REP_START_TOL_M = 40.0
"""Start points [m] of climbs of the same hill lie within this distance, or within
:data:`REP_START_TOL_FRACTION` of the climbs' length if more (GPS error of a few
metres, where each rep is started, and the uncertainty of a climb's start under
altitude noise)."""

REP_START_TOL_FRACTION = 0.35
"""See :data:`REP_START_TOL_M`."""

REP_START_TOL_ALT_M = 3.0
"""Without positions, start altitudes [m] of reps of the same hill lie within this
(the hysteresis)."""

REP_GAIN_TOLERANCE = 0.5
"""Without positions, climbs of the same hill also have gains within +-50 % of each
other (GPS altitude errors of a few metres on a 10-15 m rep)."""

REP_SNAP_S = 30.0
"""How far [s] a rep's start or end may move to the hill's common foot or top (see
:func:`detect_hill_repeats`, Notes)."""

REP_SNAP_M = 15.0
"""A rep's own start (end) within this distance [m] of the hill's common foot (top)
is kept: the turn at the foot or top takes a few seconds within a few metres, and
GPS jitter of 1-3 m would pick any of them."""

REP_MAX_GAP_S = 900.0
"""Longest time [s] from one rep's start to the next (a 5-min climb plus its jog down
and a pause); laps of a long loop are further apart."""

REP_MAX_DURATION_S = 600.0
"""Longest climb [s] counted as a rep (longer sustained climbs are a hilly run)."""


# --------------------------------------------------------------------------- results


@dataclass(frozen=True)
class Hill:
    """One climb or descent.

    Attributes
    ----------
    kind : {"climb", "descent"}
        Up or down.
    start_s, duration_s : float
        Elapsed time [s] at the start, and duration [s].
    start_distance_m, distance_m : float
        Distance [m] at the start, and length [m] of the climb.
    gain_m : float
        Altitude change [m] from the low (high) point to the high (low) point,
        negative for descents.
    mean_grade : float
        Mean grade [fraction] over the length, negative for descents.
    max_grade : float
        Steepest grade [fraction] of the grade stream inside, signed like ``gain_m``.
    avg_speed_mps, avg_gap_mps : float
        Mean speed and grade-adjusted speed [m/s].
    avg_cadence_spm : float
        Mean cadence [steps/min] (NaN without cadence).
    """

    kind: Literal["climb", "descent"]
    start_s: float
    duration_s: float
    start_distance_m: float
    distance_m: float
    gain_m: float
    mean_grade: float
    max_grade: float
    avg_speed_mps: float
    avg_gap_mps: float
    avg_cadence_spm: float

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready dictionary (NaN -> None)."""
        return dict(json_safe(asdict(self)))


@dataclass(frozen=True)
class HillRep:
    """One rep of a hill-repeat session.

    Attributes
    ----------
    rep : int
        1-based number of the rep in the session [-].
    hill : int
        Which hill (0, 1 ...) when a session used more than one [-].
    start_s, duration_s : float
        Elapsed time [s] at the start of the climb, and its duration [s].
    distance_m, gain_m, mean_grade : float
        Length [m], gain [m] and mean grade [fraction] of the climb.
    avg_speed_mps, avg_gap_mps : float
        Mean speed and grade-adjusted speed [m/s].
    avg_cadence_spm : float
        Mean cadence [steps/min].
    avg_step_length_m : float
        Mean step length [m].
    avg_contact_time_s : float
        Mean ground contact time [s].
    avg_heart_rate_bpm, max_heart_rate_bpm : float
        Mean and highest heart rate [bpm].
    recovery_s : float
        Time [s] from the end of this rep to the start of the next (NaN after the last).
    recovery_avg_gap_mps : float
        Mean grade-adjusted speed [m/s] during that recovery (NaN after the last).
    """

    rep: int
    hill: int
    start_s: float
    duration_s: float
    distance_m: float
    gain_m: float
    mean_grade: float
    avg_speed_mps: float
    avg_gap_mps: float
    avg_cadence_spm: float
    avg_step_length_m: float
    avg_contact_time_s: float
    avg_heart_rate_bpm: float
    max_heart_rate_bpm: float
    recovery_s: float
    recovery_avg_gap_mps: float

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready dictionary (NaN -> None)."""
        return dict(json_safe(asdict(self)))


@dataclass(frozen=True)
class GradeBand:
    """Running form in one grade band, and its difference from flat at matched effort.

    Attributes
    ----------
    label : str
        Band label, e.g. ``"2..6 %"``.
    grade_min, grade_max : float
        Band edges [fraction] (infinite for the open ends; None in ``as_dict``).
    seconds : float
        Running time [s] in the band.
    avg_grade : float
        Mean grade [fraction].
    avg_speed_mps, avg_gap_mps : float
        Mean speed and grade-adjusted speed [m/s].
    avg_cadence_spm, avg_step_length_m, avg_contact_time_s : float
        Mean cadence [steps/min], step length [m], ground contact time [s].
    matched_s : float
        Time [s] in the band at a grade-adjusted speed also run on the flat.
    speed_delta_mps, cadence_delta_spm, step_length_delta_m, contact_time_delta_s : float
        Band minus flat at the same grade-adjusted speed, in [m/s], [steps/min],
        [m], [s]; NaN when ``matched_s`` < :data:`MIN_MATCHED_S`.
    cadence_residual_spm : float
        ``cadence_delta_spm`` minus the change the speed difference explains,
        :data:`CADENCE_SPEED_SLOPE_SPM` x ``speed_delta_mps`` [steps/min].
    """

    label: str
    grade_min: float
    grade_max: float
    seconds: float
    avg_grade: float
    avg_speed_mps: float
    avg_gap_mps: float
    avg_cadence_spm: float
    avg_step_length_m: float
    avg_contact_time_s: float
    matched_s: float
    speed_delta_mps: float
    cadence_delta_spm: float
    step_length_delta_m: float
    contact_time_delta_s: float
    cadence_residual_spm: float

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready dictionary (NaN and infinite edges -> None)."""
        return dict(json_safe(asdict(self)))


@dataclass(frozen=True)
class GradeForm:
    """Form by grade band for one run.

    Attributes
    ----------
    model : {"minetti", "strava"}
        Grade-adjusted-speed model used to match effort.
    bands : tuple of GradeBand
        One row per band, flat included (its deltas are zero by construction).
    overstriding_downhill : bool or None
        True when a downhill band with at least :data:`MIN_FLAG_S` matched shows
        lower cadence and longer steps than the flat at the same effort; None
        when no downhill band has that much matched running.
    cadence_collapse_uphill : bool or None
        True when an uphill band with at least :data:`MIN_FLAG_S` matched has a
        cadence residual of -:data:`CADENCE_COLLAPSE_SPM` or lower; None when no
        uphill band has that much matched running.
    """

    model: str
    bands: tuple[GradeBand, ...]
    overstriding_downhill: bool | None
    cadence_collapse_uphill: bool | None

    def band(self, label: str) -> GradeBand:
        """The band called ``label``."""
        for b in self.bands:
            if b.label == label:
                return b
        raise UsageError(f"no grade band {label!r}; bands are {[b.label for b in self.bands]}")

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready dictionary."""
        return {
            "model": self.model,
            "bands": [b.as_dict() for b in self.bands],
            "overstriding_downhill": self.overstriding_downhill,
            "cadence_collapse_uphill": self.cadence_collapse_uphill,
        }


@dataclass(frozen=True)
class HillAnalysis:
    """Everything :func:`analyze_hills` finds in one run."""

    model: str
    climbs: tuple[Hill, ...]
    descents: tuple[Hill, ...]
    by_grade: GradeForm
    repeats: tuple[HillRep, ...]

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready dictionary with keys ``model``, ``climbs``, ``descents``,
        ``by_grade``, ``repeats``."""
        return {
            "model": self.model,
            "climbs": [h.as_dict() for h in self.climbs],
            "descents": [h.as_dict() for h in self.descents],
            "by_grade": self.by_grade.as_dict(),
            "repeats": [r.as_dict() for r in self.repeats],
        }


# --------------------------------------------------------------------------- stream helpers


def _column(streams: pd.DataFrame, name: str) -> FloatArray | None:
    """Column as float array (NaN for missing values), None when absent or all NaN."""
    if name not in streams.columns:
        return None
    values = np.asarray(streams[name].to_numpy(dtype=float, na_value=np.nan), dtype=float)
    return values if np.isfinite(values).any() else None


def _time(streams: pd.DataFrame) -> FloatArray:
    """Elapsed time [s]; a precise error when the stream frame has none."""
    if "time" not in streams.columns:
        raise UsageError("the streams have no 'time' column (elapsed seconds); read the file first")
    return np.asarray(streams["time"].to_numpy(dtype=float, na_value=np.nan), dtype=float)


def _weights(time: FloatArray) -> FloatArray:
    """Seconds each sample stands for: time to the next sample, capped at PAUSE_GAP_S."""
    if time.size == 0:
        return time
    dt = np.diff(time, append=time[-1] + 1.0)
    return np.asarray(np.clip(np.nan_to_num(dt, nan=0.0), 0.0, PAUSE_GAP_S), dtype=float)


def _speed(streams: pd.DataFrame, time: FloatArray) -> FloatArray:
    """Speed [m/s]: the recorded stream, else distance over time; NaN at GPS spikes."""
    speed = _column(streams, "speed")
    if speed is None:
        dist = _column(streams, "distance")
        speed = np.full(time.shape, np.nan)
        if dist is not None and time.size >= 2:
            dt = np.diff(time)
            with np.errstate(invalid="ignore", divide="ignore"):
                v = np.diff(dist) / dt
            v = np.where((dt > 0) & (dt <= PAUSE_GAP_S), v, np.nan)
            speed[1:] = v
    else:
        speed = speed.copy()
    if "gps_spike" in streams.columns:
        spike = streams["gps_spike"].fillna(False).to_numpy(dtype=bool)
        speed[spike] = np.nan
    return speed


def _running(speed: FloatArray, cadence: FloatArray | None) -> BoolArray:
    """Samples of running (not walking or standing): cadence >= RUNNING_CADENCE_SPM when
    cadence is recorded, else speed >= RUNNING_SPEED_MPS."""
    moving = np.nan_to_num(speed, nan=0.0) >= MOVING_SPEED_MPS
    if cadence is not None and np.nanmax(cadence) > 0:
        return moving & (np.nan_to_num(cadence, nan=0.0) >= RUNNING_CADENCE_SPM)
    return moving & (np.nan_to_num(speed, nan=0.0) >= RUNNING_SPEED_MPS)


def _as_grade(streams: pd.DataFrame, grade: pd.Series | FloatArray | None) -> FloatArray:
    """The grade [fraction] to use: ``grade`` when given (checked), else :func:`grade_stream`."""
    if grade is None:
        return np.asarray(grade_stream(streams).to_numpy(dtype=float), dtype=float)
    g = np.asarray(grade, dtype=float)
    if g.shape != (len(streams),):
        raise UsageError(
            f"grade has {g.shape[0] if g.ndim else 0} values but the streams have "
            f"{len(streams)} samples; pass grade_stream(streams) for the same frame"
        )
    return g


def _wmean(values: FloatArray | None, weights: FloatArray, lo: int, hi: int) -> float:
    """Time-weighted mean of ``values[lo:hi]`` over finite values (NaN if none)."""
    if values is None:
        return math.nan
    v = values[lo:hi]
    w = weights[lo:hi]
    ok = np.isfinite(v) & (w > 0)
    if not ok.any():
        return math.nan
    return float(np.sum(v[ok] * w[ok]) / np.sum(w[ok]))


def _positive(values: FloatArray | None) -> FloatArray | None:
    """Values with zeros and negatives as NaN (cadence 0 means standing, not slow)."""
    if values is None:
        return None
    return np.where(values > 0, values, np.nan)


# --------------------------------------------------------------------------- grade and GAP


def grade_stream(streams: pd.DataFrame, *, window_m: float = GRADE_WINDOW_M) -> pd.Series:
    """Grade of every sample [fraction], from distance and altitude.

    Parameters
    ----------
    streams : DataFrame
        Canonical streams; uses ``distance`` [m] and ``altitude`` [m], else the
        recorded ``grade`` [fraction].
    window_m : float, default 50
        Length of ground [m] over which the grade is estimated
        (:func:`runform.core.grade.grade_from_altitude`).

    Returns
    -------
    Series
        Grade [fraction] with the index of ``streams``, named ``grade``. From
        altitude when distance and altitude are recorded, else the device's
        recorded grade (a treadmill's incline), else NaN (unknown).

    Notes
    -----
    The grade is the least-squares slope of the median-filtered altitude over
    ``window_m`` of distance, :func:`runform.core.grade.grade_from_altitude`.
    """
    dist = _column(streams, "distance")
    alt = _column(streams, "altitude")
    out: FloatArray
    if (
        dist is not None
        and alt is not None
        and int(np.sum(np.isfinite(dist) & np.isfinite(alt))) >= 2
    ):
        out = np.asarray(grade_from_altitude(dist, alt, window_m), dtype=float)
    else:
        recorded = _column(streams, "grade")
        out = recorded.copy() if recorded is not None else np.full(len(streams), np.nan)
    return pd.Series(out, index=streams.index, name="grade")


def grade_adjusted_speed_stream(
    streams: pd.DataFrame,
    *,
    model: GradeModel = "minetti",
    grade: pd.Series | FloatArray | None = None,
) -> pd.Series:
    r"""Grade-adjusted (flat-equivalent) speed of every sample.

    Parameters
    ----------
    streams : DataFrame
        Canonical streams; uses ``speed`` [m/s] (else distance [m] over time [s])
        and what :func:`grade_stream` uses.
    model : {"minetti", "strava"}, default "minetti"
        Equal energy cost (Minetti et al. 2002 [1]_) or equal heart rate
        (Strava's factors, Robb 2017 [2]_).
    grade : Series or ndarray, optional
        Grade [fraction] of every sample when already computed (one per row of
        ``streams``); default :func:`grade_stream`.

    Returns
    -------
    Series
        Grade-adjusted speed [m/s] with the index of ``streams``, named
        ``grade_adjusted_speed``; where the grade is unknown (NaN, e.g. a
        treadmill without incline) the speed itself, as on the flat. NaN where
        the speed is unknown and at GPS spikes.

    Notes
    -----
    :math:`v_\mathrm{flat} = v\,f(i)`, with :math:`f(i) = C_r(i)/C_r(0)`
    (Minetti) or Strava's interpolated factor table; see
    :func:`runform.core.grade.grade_adjusted_speed`.
    """
    time = _time(streams)
    speed = _speed(streams, time)
    g = np.nan_to_num(_as_grade(streams, grade), nan=0.0)
    gap = grade_adjusted_speed(speed, g, model)
    return pd.Series(gap, index=streams.index, name="grade_adjusted_speed")


# --------------------------------------------------------------------------- climbs


def _smoothed_altitude(
    streams: pd.DataFrame, smooth_m: float
) -> tuple[IntArray, FloatArray, FloatArray, FloatArray] | None:
    """Rows used, their distance [m] (monotone), altitude [m] and smoothed altitude [m];
    None if no usable altitude. Without altitude, a recorded grade is integrated."""
    dist = _column(streams, "distance")
    if dist is None:
        return None
    alt = _column(streams, "altitude")
    if alt is None:
        recorded = _column(streams, "grade")
        if recorded is None:
            return None
        rows = np.flatnonzero(np.isfinite(dist))
        if rows.size < 2:
            return None
        x = np.maximum.accumulate(dist[rows])
        step = np.diff(x, prepend=x[0]) * np.nan_to_num(recorded[rows], nan=0.0)
        profile = np.cumsum(step)
        return rows, x, profile, profile
    rows = np.flatnonzero(np.isfinite(dist) & np.isfinite(alt))
    if rows.size < 2:
        return None
    x = np.maximum.accumulate(dist[rows])
    window = f"{smooth_m * 1000.0:.0f}ms"  # distance [m] carried as seconds of a time index
    ser = pd.Series(alt[rows], index=pd.to_timedelta(x, unit="s"))
    med = ser.rolling(window, center=True, min_periods=1).median()
    mean = med.rolling(window, center=True, min_periods=1).mean()
    return rows, x, alt[rows], np.asarray(mean.to_numpy(dtype=float), dtype=float)


def _pivots(z: FloatArray, hysteresis: float) -> list[int]:
    """Indices of alternating lows and highs of ``z`` whose swings reach ``hysteresis``
    (a zigzag): a high is confirmed once ``z`` falls ``hysteresis`` below it."""
    if z.size < 2:
        return []
    # Only local extrema can be pivots: keep the first sample of each plateau, then
    # the turning points of what is left (vectorised; the loop below sees few points).
    keep = np.flatnonzero(np.concatenate(([True], np.diff(z) != 0)))
    step = np.sign(np.diff(z[keep]))
    turns = np.flatnonzero(step[1:] != step[:-1]) + 1
    idx = keep[np.unique(np.concatenate(([0], turns, [keep.size - 1])))]
    values = z[idx].tolist()
    n = len(values)
    lo = hi = 0
    direction = 0
    pivots: list[int] = []
    cand = 0
    for i in range(1, n):
        x = values[i]
        if direction == 0:
            if x < values[lo]:
                lo = i
            if x > values[hi]:
                hi = i
            if x - values[lo] >= hysteresis and lo < i:
                pivots.append(lo)
                direction, cand = 1, max(range(lo + 1, i + 1), key=values.__getitem__)
            elif values[hi] - x >= hysteresis and hi < i:
                pivots.append(hi)
                direction, cand = -1, min(range(hi + 1, i + 1), key=values.__getitem__)
        elif direction > 0:
            if x > values[cand]:
                cand = i
            elif values[cand] - x >= hysteresis:
                pivots.append(cand)
                direction, cand = -1, i
        else:
            if x < values[cand]:
                cand = i
            elif x - values[cand] >= hysteresis:
                pivots.append(cand)
                direction, cand = 1, i
    if direction != 0:
        pivots.append(cand)
    return [int(idx[p]) for p in pivots]


@dataclass(frozen=True)
class _Leg:
    """A climb or descent in sample rows, before it becomes a :class:`Hill`."""

    start: int  # row in streams
    end: int
    gain_m: float
    mean_grade: float
    start_altitude_m: float
    length_m: float


def _hinge(
    x: FloatArray, h: FloatArray, lo: float, hi: float, c_lo: float, c_hi: float
) -> tuple[float, float, float] | None:
    """Best corner of a continuous two-piece line fitted to the altitude on [lo, hi]:
    (distance [m], altitude [m], change of slope); None with too few points.

    For every candidate corner c on a :data:`CORNER_STEP_M` grid in [c_lo, c_hi],
    h = a + b x + p max(0, x - c) is fitted by least squares, all candidates at once:
    with the line [1, x] projected out of h and of the hinge r = max(0, x - c),
    p = (r'.h') / (r'.r') and the residual falls by (r'.h')^2 / (r'.r'); the
    candidate with the largest fall wins."""
    i, j = int(np.searchsorted(x, lo, side="left")), int(np.searchsorted(x, hi, side="right"))
    xs, hs = x[i:j], h[i:j]
    ok = np.isfinite(hs)
    xs, hs = xs[ok], hs[ok]
    if xs.size < 2 * MIN_FIT_POINTS:
        return None
    c_lo = max(c_lo, float(xs[MIN_FIT_POINTS - 1]))
    c_hi = min(c_hi, float(xs[-MIN_FIT_POINTS]))
    if c_hi < c_lo:
        return None
    cands = np.arange(c_lo, c_hi + 0.5 * CORNER_STEP_M, CORNER_STEP_M)
    xm, hm = float(xs.mean()), float(hs.mean())
    dx = xs - xm
    sxx = float(dx @ dx)
    if sxx <= 0:
        return None
    h_slope = float(dx @ (hs - hm)) / sxx
    h_res = hs - hm - h_slope * dx  # h with the line [1, x] projected out
    r = np.maximum(xs[None, :] - cands[:, None], 0.0)
    r_mean = r.mean(axis=1)
    r_slope = (r @ dx) / sxx
    r_res = r - r_mean[:, None] - r_slope[:, None] * dx[None, :]
    rr = np.einsum("kn,kn->k", r_res, r_res)
    rh = r_res @ h_res
    good = rr > 1e-9 * float(np.max(rr, initial=0.0))
    if not good.any():
        return None
    gain = np.where(good, rh * rh / np.where(good, rr, 1.0), -np.inf)
    k = int(np.argmax(gain))
    p = float(rh[k] / rr[k])
    c = float(cands[k])
    slope = h_slope - p * float(r_slope[k])  # of the line before the corner
    at_c = hm - p * float(r_mean[k]) + slope * (c - xm)
    return c, at_c, p


def _corners(
    x: FloatArray, h: FloatArray, i0: int, i1: int, z0: float, z1: float, min_grade: float
) -> tuple[float, float, float, float]:
    """Start and end (distance [m], altitude [m]) of a climb (descent): the corner of a
    two-piece line fitted to the raw altitude around each end, where the slope turns
    up (down) by at least half of ``min_grade``; the smoothed ends ``z0``, ``z1``
    where no such corner is found."""
    xa, xb = float(x[i0]), float(x[i1])
    sign = 1.0 if z1 > z0 else -1.0
    inner = CORNER_INNER_FRACTION * (xb - xa)
    need = CORE_GRADE_FRACTION * min_grade
    start = _hinge(x, h, xa - CORNER_OUTER_M, xa + inner, xa - CORNER_OUTER_M, xa + 0.8 * inner)
    end = _hinge(x, h, xb - inner, xb + CORNER_OUTER_M, xb - 0.8 * inner, xb + CORNER_OUTER_M)
    x0, h0 = (start[0], start[1]) if start is not None and sign * start[2] >= need else (xa, z0)
    x1, h1 = (end[0], end[1]) if end is not None and -sign * end[2] >= need else (xb, z1)
    return x0, h0, x1, h1


def _legs(
    streams: pd.DataFrame,
    grade: FloatArray,
    *,
    hysteresis_m: float,
    min_gain_m: float,
    min_grade: float,
    min_length_m: float,
    smooth_m: float,
) -> list[_Leg]:
    """Climbs and descents as row spans (see :func:`find_hills`, Notes)."""
    prof = _smoothed_altitude(streams, smooth_m)
    if prof is None:
        return []
    rows, x, h, z = prof
    g = np.nan_to_num(grade[rows], nan=0.0)
    piv = _pivots(z, hysteresis_m)
    legs: list[_Leg] = []
    for a, b in itertools.pairwise(piv):
        sign = 1.0 if z[b] > z[a] else -1.0
        steep = np.flatnonzero(sign * g[a : b + 1] >= CORE_GRADE_FRACTION * min_grade) + a
        if steep.size == 0:
            continue
        # runs of steep samples, joined across gaps shorter than MERGE_M
        breaks = np.flatnonzero(np.diff(x[steep]) > MERGE_M)
        firsts = np.concatenate(([steep[0]], steep[breaks + 1]))
        lasts = np.concatenate((steep[breaks], [steep[-1]]))
        for f, last in zip(firsts.tolist(), lasts.tolist(), strict=True):
            # walk out while the smoothed altitude keeps falling (rising) beyond the
            # ends, at most EXTEND_M: the grade window rounds a sharp foot or top
            i0 = f
            while i0 > a and sign * z[i0 - 1] < sign * z[i0] and x[f] - x[i0 - 1] <= EXTEND_M:
                i0 -= 1
            i1 = last
            while i1 < b and sign * z[i1 + 1] > sign * z[i1] and x[i1 + 1] - x[last] <= EXTEND_M:
                i1 += 1
            if sign * (z[i1] - z[i0]) < 0.5 * min_gain_m:
                continue  # far too small to become a climb: skip the corner fits
            x0, h0, x1, h1 = _corners(x, h, i0, i1, float(z[i0]), float(z[i1]), min_grade)
            length = x1 - x0
            gain = h1 - h0
            if length <= 0 or sign * gain < min_gain_m or length < min_length_m:
                continue
            mean_grade = gain / length
            if abs(mean_grade) < min_grade:
                continue
            r0 = int(rows[min(int(np.searchsorted(x, x0, side="left")), x.size - 1)])
            r1 = int(rows[min(int(np.searchsorted(x, x1, side="left")), x.size - 1)])
            legs.append(_Leg(r0, max(r1, r0), gain, mean_grade, h0, length))
    return legs


def _hill(
    leg: _Leg,
    *,
    time: FloatArray,
    weights: FloatArray,
    dist: FloatArray,
    speed: FloatArray,
    gap: FloatArray,
    grade: FloatArray,
    cadence: FloatArray | None,
) -> Hill:
    lo, hi = leg.start, leg.end + 1
    g = grade[lo:hi]
    g = g[np.isfinite(g)]
    steepest = float(np.max(g) if leg.gain_m > 0 else np.min(g)) if g.size else math.nan
    return Hill(
        kind="climb" if leg.gain_m > 0 else "descent",
        start_s=float(time[leg.start]),
        duration_s=float(time[leg.end] - time[leg.start]),
        start_distance_m=float(dist[leg.start]),
        distance_m=leg.length_m,
        gain_m=leg.gain_m,
        mean_grade=leg.mean_grade,
        max_grade=steepest,
        avg_speed_mps=_wmean(speed, weights, lo, hi),
        avg_gap_mps=_wmean(gap, weights, lo, hi),
        avg_cadence_spm=_wmean(_positive(cadence), weights, lo, hi),
    )


def find_hills(
    streams: pd.DataFrame,
    *,
    model: GradeModel = "minetti",
    grade: pd.Series | FloatArray | None = None,
    hysteresis_m: float = HYSTERESIS_M,
    min_gain_m: float = MIN_GAIN_M,
    min_grade: float = MIN_GRADE,
    min_length_m: float = MIN_LENGTH_M,
    smooth_m: float = HILL_SMOOTH_M,
) -> list[Hill]:
    r"""Climbs and descents of a run, from distance and altitude.

    Parameters
    ----------
    streams : DataFrame
        Canonical streams: ``time`` [s], ``distance`` [m], ``altitude`` [m]
        (else a recorded ``grade`` [fraction] is integrated over distance);
        ``speed`` [m/s] and ``cadence`` [steps/min] for the averages.
    model : {"minetti", "strava"}, default "minetti"
        Model of the grade-adjusted speed reported per hill.
    grade : Series or ndarray, optional
        Grade [fraction] per sample when already computed (:func:`grade_stream`).
    hysteresis_m : float, default :data:`HYSTERESIS_M` (3 m)
        Reversal [m] of the smoothed altitude that ends a climb or descent.
    min_gain_m : float, default :data:`MIN_GAIN_M` (5 m)
        Smallest gain or loss [m] reported.
    min_grade : float, default :data:`MIN_GRADE` (0.03)
        Smallest mean |grade| [fraction] reported.
    min_length_m : float, default :data:`MIN_LENGTH_M` (50 m)
        Shortest length [m] reported.
    smooth_m : float, default :data:`HILL_SMOOTH_M` (15 m)
        Window [m] of the altitude smoothing.

    Returns
    -------
    list of Hill
        Climbs and descents in time order; empty without distance and altitude
        (a treadmill run) or when the run is flat.

    Notes
    -----
    1. Altitude :math:`h` is smoothed over distance: a running median and then
       a running mean, each over ``smooth_m``.
    2. The smoothed profile is cut at its turning points with a hysteresis
       :math:`H` (a zigzag): a high point :math:`h_k` is confirmed once
       :math:`h_j \le h_k - H` later, a low point likewise, so reversals
       smaller than :math:`H` stay inside a climb or descent.
    3. Inside each rise (fall) between a low and a high point, the climb
       (descent) is where the grade stream (:func:`grade_stream`, 50 m) is at
       least half of ``min_grade`` in the leg's direction, stretches closer
       than :data:`MERGE_M` joined: flat lead-ins, run-outs and long plateaus
       do not count, and a plateau splits a rise into two climbs.
    4. Each end is then placed precisely: those stretches are extended while
       the smoothed altitude keeps falling (rising) outward, up to
       :data:`EXTEND_M`, and a continuous two-piece line

       .. math::

           h(x) = p_0 + p_1 (x - c) + p_2 \max(0, x - c)

       is fitted by least squares to the *raw* altitude around each end
       (:data:`CORNER_OUTER_M` outside, :data:`CORNER_INNER_FRACTION` of the
       climb inside) for corners :math:`c` every :data:`CORNER_STEP_M`; the best
       corner, if the slope turns by at least half of ``min_grade``, is the
       start (end) and :math:`p_0` its altitude. A fit through tens of samples
       keeps the corner within metres under GPS altitude noise.
    5. Gain :math:`\Delta h` is the altitude change between the ends, mean grade
       :math:`\bar i = \Delta h / \Delta d` over the length :math:`\Delta d`;
       climbs with :math:`|\Delta h|` < ``min_gain_m``, :math:`|\bar i|` <
       ``min_grade`` or :math:`\Delta d` < ``min_length_m`` are dropped.
    """
    if hysteresis_m <= 0 or smooth_m <= 0:
        raise UsageError("hysteresis_m and smooth_m must be positive lengths in metres")
    ctx = _Context.build(streams, model=model, grade=grade)
    legs = _legs(
        streams,
        ctx.grade,
        hysteresis_m=hysteresis_m,
        min_gain_m=min_gain_m,
        min_grade=min_grade,
        min_length_m=min_length_m,
        smooth_m=smooth_m,
    )
    return [ctx.hill(leg) for leg in legs]


@dataclass(frozen=True)
class _Context:
    """Per-sample arrays shared by the analyses of one run."""

    time: FloatArray
    weights: FloatArray
    dist: FloatArray
    speed: FloatArray
    gap: FloatArray
    grade: FloatArray
    cadence: FloatArray | None
    step_length: FloatArray | None
    contact: FloatArray | None
    heart_rate: FloatArray | None
    running: BoolArray
    model: str

    @classmethod
    def build(
        cls,
        streams: pd.DataFrame,
        *,
        model: GradeModel,
        grade: pd.Series | FloatArray | None,
    ) -> _Context:
        time = _time(streams)
        g = _as_grade(streams, grade)
        speed = _speed(streams, time)
        gap = np.asarray(grade_adjusted_speed(speed, np.nan_to_num(g, nan=0.0), model))
        cadence = _positive(_column(streams, "cadence"))
        step = _column(streams, "step_length")
        if step is None and cadence is not None:
            with np.errstate(invalid="ignore", divide="ignore"):
                step = speed * 60.0 / cadence
        dist = _column(streams, "distance")
        return cls(
            time=time,
            weights=_weights(time),
            dist=dist if dist is not None else np.full(time.shape, np.nan),
            speed=speed,
            gap=gap,
            grade=g,
            cadence=cadence,
            step_length=_positive(step),
            contact=_positive(_column(streams, "ground_contact_time")),
            heart_rate=_positive(_column(streams, "heart_rate")),
            running=_running(speed, cadence),
            model=model,
        )

    def hill(self, leg: _Leg) -> Hill:
        return _hill(
            leg,
            time=self.time,
            weights=self.weights,
            dist=self.dist,
            speed=self.speed,
            gap=self.gap,
            grade=self.grade,
            cadence=self.cadence,
        )

    def base_gap(self) -> float:
        """Median grade-adjusted speed [m/s] of the running samples (NaN if none)."""
        v = self.gap[self.running & np.isfinite(self.gap)]
        return float(np.median(v)) if v.size else math.nan


# --------------------------------------------------------------------------- form by grade


def _band_form(ctx: _Context, bands: tuple[tuple[str, float, float], ...]) -> GradeForm:
    labels = [b[0] for b in bands]
    if FLAT_LABEL not in labels:
        raise UsageError(f"the grade bands need a flat band labelled {FLAT_LABEL!r}")
    edges = [b[1] for b in bands]
    for (_, lo, hi), (_, nxt, _) in itertools.pairwise(bands):
        if not lo < hi == nxt:
            raise UsageError("grade bands must be contiguous and increasing (lower, upper)")
    flat = labels.index(FLAT_LABEL)
    nb = len(bands)
    ok = ctx.running & np.isfinite(ctx.gap) & np.isfinite(ctx.grade) & (ctx.weights > 0)
    band = np.clip(np.searchsorted(np.asarray(edges[1:]), ctx.grade, side="right"), 0, nb - 1)
    band = np.where(ok, band, -1)
    # grade below the first band's lower edge or above the last's upper edge: outside
    band = np.where(ok & ((ctx.grade < bands[0][1]) | (ctx.grade >= bands[-1][2])), -1, band)
    gap_bin = np.floor(np.nan_to_num(ctx.gap, nan=0.0) / EFFORT_BIN_MPS).astype(np.intp)
    n_bins = int(gap_bin[band >= 0].max()) + 1 if np.any(band >= 0) else 1
    use = band >= 0
    cell = band[use] * n_bins + gap_bin[use]
    w = ctx.weights[use]

    def table(values: FloatArray | None) -> tuple[FloatArray, FloatArray]:
        """Time [s] and weighted sum per (band, speed bin) over finite values."""
        if values is None:
            z = np.zeros((nb, n_bins), dtype=float)
            return z, z
        v = values[use]
        fin = np.isfinite(v)
        size = nb * n_bins
        t = np.bincount(cell[fin], weights=w[fin], minlength=size).astype(float)
        s = np.bincount(cell[fin], weights=(w * np.nan_to_num(v))[fin], minlength=size)
        return t.reshape(nb, n_bins), s.astype(float).reshape(nb, n_bins)

    time_t, _ = table(ctx.speed)
    metrics = {
        "grade": table(ctx.grade),
        "speed": table(ctx.speed),
        "gap": table(ctx.gap),
        "cadence": table(ctx.cadence),
        "step": table(ctx.step_length),
        "contact": table(ctx.contact),
    }

    def band_mean(name: str, b: int) -> float:
        t, s = metrics[name]
        tot = float(t[b].sum())
        return float(s[b].sum()) / tot if tot > 0 else math.nan

    def matched_delta(name: str, b: int) -> tuple[float, float]:
        """Flat-matched difference of band ``b`` from the flat, and the matched time."""
        t, s = metrics[name]
        ref = t[flat] >= MIN_FLAT_BIN_S
        m = ref & (t[b] > 0)
        mt = float(t[b][m].sum())
        if mt <= 0:
            return math.nan, 0.0
        mean_b = s[b][m] / t[b][m]
        mean_f = s[flat][m] / t[flat][m]
        return float(np.sum(t[b][m] * (mean_b - mean_f)) / mt), mt

    rows: list[GradeBand] = []
    overstride: bool | None = None
    collapse: bool | None = None
    for b, (label, lo, hi) in enumerate(bands):
        d_speed, matched = matched_delta("speed", b)
        enough = matched >= MIN_MATCHED_S
        d_cad = matched_delta("cadence", b)[0] if enough else math.nan
        d_step = matched_delta("step", b)[0] if enough else math.nan
        d_gct = matched_delta("contact", b)[0] if enough else math.nan
        d_speed = d_speed if enough else math.nan
        residual = d_cad - CADENCE_SPEED_SLOPE_SPM * d_speed
        rows.append(
            GradeBand(
                label=label,
                grade_min=lo,
                grade_max=hi,
                seconds=float(time_t[b].sum()),
                avg_grade=band_mean("grade", b),
                avg_speed_mps=band_mean("speed", b),
                avg_gap_mps=band_mean("gap", b),
                avg_cadence_spm=band_mean("cadence", b),
                avg_step_length_m=band_mean("step", b),
                avg_contact_time_s=band_mean("contact", b),
                matched_s=matched,
                speed_delta_mps=d_speed,
                cadence_delta_spm=d_cad,
                step_length_delta_m=d_step,
                contact_time_delta_s=d_gct,
                cadence_residual_spm=residual,
            )
        )
        if b == flat or matched < MIN_FLAG_S or not math.isfinite(d_cad):
            continue
        if hi <= 0:  # downhill band
            flag = d_cad < 0 and math.isfinite(d_step) and d_step > 0
            overstride = bool(overstride) or flag
        elif lo >= 0:  # uphill band
            collapse = bool(collapse) or residual <= -CADENCE_COLLAPSE_SPM
    return GradeForm(ctx.model, tuple(rows), overstride, collapse)


def form_by_grade(
    streams: pd.DataFrame,
    *,
    model: GradeModel = "minetti",
    grade: pd.Series | FloatArray | None = None,
    bands: tuple[tuple[str, float, float], ...] = GRADE_BANDS,
) -> GradeForm:
    r"""Cadence, step length and contact time by grade band, vs flat at matched effort.

    Parameters
    ----------
    streams : DataFrame
        Canonical streams: ``time`` [s], ``speed`` [m/s], ``cadence``
        [steps/min], ``step_length`` [m] (else speed x 60 / cadence),
        ``ground_contact_time`` [s], and what :func:`grade_stream` uses.
    model : {"minetti", "strava"}, default "minetti"
        Grade-adjusted-speed model that defines "the same effort".
    grade : Series or ndarray, optional
        Grade [fraction] per sample when already computed.
    bands : tuple of (label, lower, upper), default :data:`GRADE_BANDS`
        Contiguous grade bands [fraction]; one must be labelled ``"-2..2 %"``
        (the flat reference).

    Returns
    -------
    GradeForm
        One :class:`GradeBand` per band and two flags.

    Notes
    -----
    Only running samples count (cadence >= :data:`RUNNING_CADENCE_SPM`, or
    speed >= :data:`RUNNING_SPEED_MPS` without cadence), each weighted by its
    time step. To compare a band with the flat at matched effort, samples are
    binned by grade-adjusted speed (:data:`EFFORT_BIN_MPS` wide); in every bin
    with at least :data:`MIN_FLAT_BIN_S` of flat running, the band's mean minus
    the flat mean is taken, and the bins are averaged with the band's time in
    each as weight (a stratified difference):

    .. math::

        \Delta x_b = \frac{\sum_k t_{b,k} (\bar x_{b,k} - \bar x_{0,k})}{\sum_k t_{b,k}}

    At the same effort the speed itself differs with grade (slower uphill), and
    cadence follows speed (about :data:`CADENCE_SPEED_SLOPE_SPM` per m/s, de
    Ruiter 2020 [3]_); the *residual* :math:`\Delta c - 6.5\,\Delta v` is the
    part speed does not explain. Flags: over-striding downhill when cadence is
    lower and steps are longer than on the flat at the same effort; cadence
    collapse uphill when the residual is -:data:`CADENCE_COLLAPSE_SPM` or less.
    """
    return _band_form(_Context.build(streams, model=model, grade=grade), bands)


# --------------------------------------------------------------------------- hill repeats


def _positions(streams: pd.DataFrame) -> FloatArray | None:
    """Local east/north position [m] of every row (NaN at GPS spikes), None without GPS."""
    lat = _column(streams, "latitude")
    lon = _column(streams, "longitude")
    if lat is None or lon is None:
        return None
    if "gps_spike" in streams.columns:
        spike = streams["gps_spike"].fillna(False).to_numpy(dtype=bool)
        lat = np.where(spike, np.nan, lat)
        lon = np.where(spike, np.nan, lon)
    r = 6_371_008.8  # mean Earth radius [m], IUGG R1
    east = np.radians(lon) * r * math.cos(math.radians(float(np.nanmedian(lat))))
    return np.column_stack((east, np.radians(lat) * r))


def _at(xy: FloatArray, rows: list[int]) -> FloatArray:
    """Position of each row, the median over +-2 samples (NaN if none there)."""
    near = np.clip(np.asarray(rows, dtype=np.intp)[:, None] + np.arange(-2, 3), 0, len(xy) - 1)
    win = xy[near]  # rows x 5 x 2
    out = np.full((len(rows), 2), np.nan)
    ok = np.isfinite(win[..., 0]).any(axis=1)
    out[ok] = np.nanmedian(win[ok], axis=1)
    return out


def _default_legs(streams: pd.DataFrame, ctx: _Context) -> list[_Leg]:
    """Climbs and descents with the default thresholds."""
    return _legs(
        streams,
        ctx.grade,
        hysteresis_m=HYSTERESIS_M,
        min_gain_m=MIN_GAIN_M,
        min_grade=MIN_GRADE,
        min_length_m=MIN_LENGTH_M,
        smooth_m=HILL_SMOOTH_M,
    )


def _repeats(streams: pd.DataFrame, ctx: _Context, legs: list[_Leg]) -> list[HillRep]:
    base = ctx.base_gap()
    if not math.isfinite(base):
        return []
    cand: list[tuple[_Leg, float]] = []
    for leg in legs:
        if leg.gain_m <= 0:
            continue
        dur = ctx.time[leg.end] - ctx.time[leg.start]
        eff = _wmean(ctx.gap, ctx.weights, leg.start, leg.end + 1)
        if 0 < dur <= REP_MAX_DURATION_S and eff >= REP_EFFORT_RATIO * base:
            cand.append((leg, eff))
    if len(cand) < REP_MIN_COUNT:
        return []
    xy = _positions(streams)
    feet = _at(xy, [leg.start for leg, _ in cand]) if xy is not None else None
    tops = _at(xy, [leg.end for leg, _ in cand]) if xy is not None else None
    if feet is not None and tops is not None and not np.isfinite(feet).all():
        feet = tops = None
    length = float(np.median([leg.length_m for leg, _ in cand]))
    tol_m = max(REP_START_TOL_M, REP_START_TOL_FRACTION * length)

    def same_hill(i: int, j: int) -> bool:
        a, b = cand[i][0], cand[j][0]
        if feet is not None and tops is not None:  # where it starts or ends
            return bool(
                np.hypot(*(feet[i] - feet[j])) <= tol_m or np.hypot(*(tops[i] - tops[j])) <= tol_m
            )
        near = abs(a.start_altitude_m - b.start_altitude_m) <= REP_START_TOL_ALT_M
        return near and abs(b.gain_m / a.gain_m - 1.0) <= REP_GAIN_TOLERANCE

    hills: list[list[int]] = []  # single linkage: near any climb already on the hill
    for j in range(len(cand)):
        home = next((h for h in hills if any(same_hill(i, j) for i in h)), None)
        if home is None:
            hills.append([j])
        else:
            home.append(j)
    sessions: list[list[int]] = []
    for members in hills:
        run = [members[0]]
        for i, j in itertools.pairwise(members):
            if ctx.time[cand[j][0].start] - ctx.time[cand[i][0].start] > REP_MAX_GAP_S:
                sessions.append(run)
                run = []
            run.append(j)
        sessions.append(run)

    def easy_between(session: list[int]) -> bool:
        """Jog or walk down between the reps (not a steady loop): median recovery
        grade-adjusted speed at most REP_RECOVERY_RATIO of the reps' median."""
        rec = [
            _wmean(ctx.gap, ctx.weights, cand[i][0].end, cand[j][0].start + 1)
            for i, j in itertools.pairwise(session)
        ]
        effort = float(np.median([cand[i][1] for i in session]))
        return float(np.nanmedian(rec)) <= REP_RECOVERY_RATIO * effort

    sessions = [c for c in sessions if len(c) >= REP_MIN_COUNT and easy_between(c)]
    spans: list[tuple[int, int, int, _Leg, float]] = []  # start row, end row, hill, leg, effort
    for hill, session in enumerate(sessions):
        legs_h = [cand[j][0] for j in session]
        ends = [(leg.start, leg.end) for leg in legs_h]
        if xy is not None and feet is not None and tops is not None:
            ends = _same_ends(
                ctx.time,
                xy,
                ends,
                np.nanmedian(feet[session], axis=0),
                np.nanmedian(tops[session], axis=0),
            )
        for (r0, r1), j in zip(ends, session, strict=True):
            spans.append((r0, r1, hill, cand[j][0], cand[j][1]))
    spans.sort()
    hill_ids = {h: k for k, h in enumerate(dict.fromkeys(sp[2] for sp in spans))}
    reps: list[HillRep] = []
    for n, (r0, r1, hill, leg, _) in enumerate(spans):
        lo, hi = r0, r1 + 1
        nxt = next((sp for sp in spans[n + 1 :] if sp[2] == hill), None)
        if nxt is not None:
            rec_s = float(ctx.time[nxt[0]] - ctx.time[r1])
            rec_gap = _wmean(ctx.gap, ctx.weights, r1, nxt[0] + 1)
        else:
            rec_s = rec_gap = math.nan
        hr = ctx.heart_rate[lo:hi] if ctx.heart_rate is not None else np.zeros(0)
        hr = hr[np.isfinite(hr)]
        dist = float(ctx.dist[r1] - ctx.dist[r0])
        dist = dist if math.isfinite(dist) and dist > 0 else leg.length_m
        reps.append(
            HillRep(
                rep=n + 1,
                hill=hill_ids[hill],
                start_s=float(ctx.time[r0]),
                duration_s=float(ctx.time[r1] - ctx.time[r0]),
                distance_m=dist,
                gain_m=leg.gain_m,
                mean_grade=leg.gain_m / dist,
                avg_speed_mps=_wmean(ctx.speed, ctx.weights, lo, hi),
                avg_gap_mps=_wmean(ctx.gap, ctx.weights, lo, hi),
                avg_cadence_spm=_wmean(ctx.cadence, ctx.weights, lo, hi),
                avg_step_length_m=_wmean(ctx.step_length, ctx.weights, lo, hi),
                avg_contact_time_s=_wmean(ctx.contact, ctx.weights, lo, hi),
                avg_heart_rate_bpm=_wmean(ctx.heart_rate, ctx.weights, lo, hi),
                max_heart_rate_bpm=float(hr.max()) if hr.size else math.nan,
                recovery_s=rec_s,
                recovery_avg_gap_mps=rec_gap,
            )
        )
    return reps


def _same_ends(
    time: FloatArray,
    xy: FloatArray,
    ends: list[tuple[int, int]],
    foot: FloatArray,
    top: FloatArray,
) -> list[tuple[int, int]]:
    """Each rep's start (end), when more than :data:`REP_SNAP_M` from the hill's foot
    (top), the medians over the reps, moved to where the runner passed closest to it,
    searched within :data:`REP_SNAP_S` and never into a neighbouring rep. The reps of one hill
    share their foot and top, and a median over the reps is not moved by the
    altitude noise that moves each rep's own ends."""
    out: list[tuple[int, int]] = []
    for k, (r0, r1) in enumerate(ends):
        lo_limit = ends[k - 1][1] + 1 if k else 0
        hi_limit = ends[k + 1][0] - 1 if k + 1 < len(ends) else len(time) - 1
        a = max(int(np.searchsorted(time, time[r0] - REP_SNAP_S)), lo_limit)
        b = min(int(np.searchsorted(time, time[r1] + REP_SNAP_S, side="right")) - 1, hi_limit)
        mid = (r0 + r1) // 2
        new0, new1 = r0, r1
        own0, own1 = _at(xy, [r0, r1])
        if a < mid and not float(np.hypot(*(own0 - foot))) <= REP_SNAP_M:
            d0 = np.hypot(*(xy[a:mid] - foot).T)
            if np.isfinite(d0).any():
                new0 = a + int(np.nanargmin(d0))
        if mid < b and not float(np.hypot(*(own1 - top))) <= REP_SNAP_M:
            d1 = np.hypot(*(xy[mid : b + 1] - top).T)
            if np.isfinite(d1).any():
                new1 = mid + int(np.nanargmin(d1))
        out.append((new0, new1) if new1 > new0 else (r0, r1))
    return out


def detect_hill_repeats(
    streams: pd.DataFrame,
    *,
    model: GradeModel = "minetti",
    grade: pd.Series | FloatArray | None = None,
) -> list[HillRep]:
    r"""Hill repeats: climbs of the same hill at effort with easy recoveries, one per rep.

    Parameters
    ----------
    streams : DataFrame
        Canonical streams: ``time`` [s], ``distance`` [m], ``altitude`` [m],
        ``speed`` [m/s]; ``latitude``/``longitude`` [deg] to tell hills apart;
        cadence [steps/min], step length [m], contact time [s] and heart rate
        [bpm] for the per-rep averages.
    model : {"minetti", "strava"}, default "minetti"
        Grade-adjusted-speed model that measures effort.
    grade : Series or ndarray, optional
        Grade [fraction] per sample when already computed.

    Returns
    -------
    list of HillRep
        The reps in time order, numbered from 1; empty when the run is not a
        hill-repeat session (or has no altitude).

    Notes
    -----
    1. Climbs come from :func:`find_hills` (at least 5 m gain, 3 % mean grade,
       50 m long), each at most :data:`REP_MAX_DURATION_S`.
    2. A climb is run at effort when its mean grade-adjusted speed
       :math:`\bar v_\mathrm{gap} \ge 1.10\,\tilde v` (:data:`REP_EFFORT_RATIO`),
       :math:`\tilde v` the median grade-adjusted speed of the run's running.
    3. Climbs at effort are grouped by hill: a climb belongs to a hill when it
       starts within :data:`REP_START_TOL_M` (or 35 % of the climbs' median
       length) of any climb already on it; without GPS, when its start altitude
       is within :data:`REP_START_TOL_ALT_M` and its gain within +-50 % of one.
    4. A hill's climbs split into sessions where one starts more than
       :data:`REP_MAX_GAP_S` after the previous.
    5. A session of at least :data:`REP_MIN_COUNT` climbs is a hill-repeat set
       when the median grade-adjusted speed between reps is at most 85 % of the
       reps' median (:data:`REP_RECOVERY_RATIO`: a jog or walk down).
    6. With GPS, a rep whose start (end) lies more than :data:`REP_SNAP_M` from
       the hill's foot (top), the median of the reps' own, starts (ends) instead
       where the runner passed closest to it, within :data:`REP_SNAP_S`; the
       rep's distance and mean grade follow. A median
       over the reps resists the altitude noise that moves each rep's ends.

    Steady laps of a hilly loop fail rule 2 (easy) or rule 5 (no easy recovery);
    hill sprints shorter than :data:`MIN_LENGTH_M` or :data:`MIN_GAIN_M` are
    below what GPS or barometric altitude resolves, and treadmill incline reps
    (no descent, no position) are not found.
    """
    ctx = _Context.build(streams, model=model, grade=grade)
    return _repeats(streams, ctx, _default_legs(streams, ctx))


def analyze_hills(
    streams: pd.DataFrame,
    *,
    model: GradeModel = "minetti",
    grade: pd.Series | FloatArray | None = None,
) -> HillAnalysis:
    """Climbs, descents, form by grade band and hill repeats of one run.

    Parameters
    ----------
    streams : DataFrame
        Canonical streams (see :func:`find_hills`, :func:`form_by_grade` and
        :func:`detect_hill_repeats`).
    model : {"minetti", "strava"}, default "minetti"
        Grade-adjusted-speed model.
    grade : Series or ndarray, optional
        Grade [fraction] per sample when already computed; default
        :func:`grade_stream`, computed once for all three analyses.

    Returns
    -------
    HillAnalysis
        With default thresholds; empty lists on a run without altitude.
    """
    ctx = _Context.build(streams, model=model, grade=grade)
    legs = _default_legs(streams, ctx)
    hills = [ctx.hill(leg) for leg in legs]
    return HillAnalysis(
        model=model,
        climbs=tuple(h for h in hills if h.kind == "climb"),
        descents=tuple(h for h in hills if h.kind == "descent"),
        by_grade=_band_form(ctx, GRADE_BANDS),
        repeats=tuple(_repeats(streams, ctx, legs)),
    )
