"""Strides: short, gentle accelerations to about 5K pace, found and scored.

Strides (also "pickups" or "striders") are 10-30 s accelerations to roughly 5K
pace with full recovery, typically 4-10 of them at the end of an easy or long
run (vectors.md: 6-10 x 20 s / 60-100 m, full recovery). This module finds them
in a run's streams (:func:`detect_strides`) and scores what was done against a
prescription (:func:`score_strides`, :class:`StridePrescription`, by default
6 x 60 m up to 5K pace with 1 min walk recovery).

Detection works on the grade-adjusted speed of
:func:`runform.core.hills.grade_adjusted_speed_stream` (Minetti et al. 2002 by
default), so running fast *down* a hill is not a stride, on a 1 Hz time grid
with a short running median that removes GPS spikes but keeps the peak of a
15-20 s acceleration. Times are elapsed seconds of the ``time`` stream.

References
----------
.. [1] Minetti, A. E. et al. (2002). Energy cost of walking and running at extreme
   uphill and downhill slopes. J Appl Physiol 93(3), 1039-1046.
   https://doi.org/10.1152/japplphysiol.01177.2001
.. [2] Daniels, J. (2014). Daniels' Running Formula, 3rd ed. Human Kinetics.
   (Strides: 15-20 s light, quick accelerations with full recovery; E pace
   about 75-80 % of 5K speed.)
.. [3] Tudor-Locke, C. et al. (2018). Walking cadence (steps/min) as a practical
   estimate of intensity in adults. Br J Sports Med 52(12), 776-788.
   https://doi.org/10.1136/bjsports-2017-097628
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, field
from typing import Any, Literal

import numpy as np
import numpy.typing as npt
import pandas as pd

from runform.core.grade import GradeModel
from runform.core.hills import (
    RUNNING_CADENCE_SPM,
    RUNNING_SPEED_MPS,
    grade_adjusted_speed_stream,
    grade_stream,
)
from runform.core.jsonsafe import json_safe
from runform.core.summary import MOVING_SPEED_MPS, PAUSE_GAP_S
from runform.errors import UsageError

__all__ = [
    "DEFAULT_PRESCRIPTION",
    "Stride",
    "StrideMark",
    "StridePrescription",
    "StrideScore",
    "default_five_k_speed",
    "detect_strides",
    "score_strides",
]

FloatArray = npt.NDArray[np.float64]
BoolArray = npt.NDArray[np.bool_]

# --------------------------------------------------------------------------- constants

SMOOTH_S = 5
"""Running median [s] on the 1 Hz grade-adjusted speed. It removes GPS speed spikes
of up to 2 samples, and a median leaves monotone stretches untouched, so the
acceleration, the peak (a 20 s stride holds its top speed 5-6 s) and the
deceleration of a stride keep their shape; a mean would shave the peak."""

FIVE_K_OVER_MEDIAN = 1.3
"""Default 5K speed as a multiple of the run's median running grade-adjusted speed,
when the runner's is not given: Daniels' easy pace is about 75-78 % of 5K speed
(VDOT 50: E 5:15/km, 5K 3:59/km, ratio 1.32; VDOT 40: 1.28), so on an easy or
long run 1.3 x its median speed approximates 5K speed [2]_."""

ONSET_FRACTION = 0.4
"""A bout starts to count when the smoothed speed rises 40 % of the way from the
run's median to 5K speed (easy running with 1-3 % pace noise stays far below)."""

MIN_PEAK_FRACTION = 0.90
"""A stride reaches at least 90 % of 5K speed ("roughly 5K pace": 10 % is about
25 s/km at 4:00/km)."""

FOOT_FRACTION = 0.2
"""A stride starts where the speed last was within 20 % of the rise above the speed
before it (the median over :data:`FOOT_SEARCH_S`), and ends where it first falls back
within 20 % of the drop to the speed after it. 20 %: the grade-adjusted speed of
easy running wanders by up to +-0.1 m/s (pace and grade noise), a tenth of the rise
from easy pace to 5K pace."""

FOOT_SEARCH_S = 20
"""Window [s] before and after a fast bout that gives the speed before and after it."""

FOOT_WALK_S = 3
"""From the 20 % point the start moves back while the speed keeps falling, at most
this many seconds [s], to the foot of the acceleration."""

MIN_RISE_FRACTION = 0.10
"""A stride rises from the speed before it, and falls back to the speed after it, by
at least 10 % of 5K speed (0.42 m/s at 4.2 m/s): from easy pace it rises about 25 %,
from a walk 65 %, while the pace wobble of steady tempo running (1-2 %, plus GPS
noise left after the median, about 0.1 m/s) stays below."""

MIN_RAMP_S = 2
"""Without cadence, a stride takes at least this long [s] to go from 20 % to 80 % of
its rise (a gentle acceleration: 3-4 s from a walk to 5K pace); GPS speed spikes
jump in one sample, faster than a runner accelerates. (With cadence the cadence
rule decides: on noisy speed a real ramp can also look like a jump.)"""

MIN_CADENCE_RISE_SPM = 3.0
"""When cadence is recorded, a stride's peak cadence (5 s median) is at least this
much [steps/min] above the median cadence of the :data:`FOOT_SEARCH_S` before it:
cadence rises about 6.5 spm per m/s (vectors.md), so +1 m/s from easy pace to 5K
pace adds about 6.5 spm; a GPS speed error adds none."""

MIN_FAST_S = 4
"""A fast bout lasts at least this long [s] above the onset threshold: GPS speed
spikes (1-3 samples) do not."""

MIN_DURATION_S = 8.0
"""Shortest stride [s] from foot to foot (a 60 m stride at 5K pace takes ~15 s)."""

MAX_DURATION_S = 40.0
"""Longest stride [s] from foot to foot: strides last about 10-30 s; a fast bout
longer than 40 s is an interval rep (200 m at I pace takes ~45-50 s), not a stride."""

MAX_GRADE = 0.04
"""Steepest mean grade [fraction] of a stride: faster bursts up a hill are hill
sprints (see :mod:`runform.core.hills`), not strides."""

MAX_STRIDES = 12
"""More short fast bouts than this in one run make it a short-interval session
(e.g. 15 x 30 s/30 s, 20 x 150 m), not strides (vectors.md: 6-10 strides)."""

SHORT_RECOVERY_S = 30.0
"""Six or more short fast bouts whose median recovery is shorter than this [s] are
short intervals (30/30 s at I pace), not strides taken with full recovery."""

SHORT_SET_MIN = 6
"""Fewest bouts the :data:`SHORT_RECOVERY_S` rule applies to."""

MAX_RECOVERY_S = 180.0
"""The recovery after the last stride is measured over at most this long [s]."""


# --------------------------------------------------------------------------- results


@dataclass(frozen=True)
class Stride:
    """One stride.

    Attributes
    ----------
    start_s, duration_s : float
        Elapsed time [s] where the acceleration starts, and its duration [s] to
        where the runner is back at the recovery speed.
    distance_m : float
        Distance [m] covered from start to end.
    peak_speed_mps : float
        Highest speed [m/s] (5 s running median of the recorded speed).
    peak_gap_mps : float
        Highest grade-adjusted speed [m/s] (5 s running median).
    five_k_speed_mps : float
        The 5K speed [m/s] the stride was measured against (given or default).
    peak_vs_5k : float
        ``peak_gap_mps / five_k_speed_mps`` [-]; 1.0 is 5K pace.
    avg_speed_mps : float
        Mean speed [m/s] (distance over duration).
    peak_cadence_spm, avg_cadence_spm : float
        Highest (5 s running median) and mean cadence [steps/min]; NaN without cadence.
    mean_grade : float
        Mean grade [fraction] under the stride.
    recovery_s : float
        Time [s] from the end of the stride to the start of the next (after the
        last: to the end of the run, at most :data:`MAX_RECOVERY_S`).
    recovery_rest_s : float
        Part of the recovery [s] spent walking, standing or paused.
    recovery_avg_speed_mps : float
        Mean speed [m/s] during the recovery (pauses count as standing still).
    run_fraction : float
        Where the stride starts, as a fraction of the run's elapsed time [-].
    """

    start_s: float
    duration_s: float
    distance_m: float
    peak_speed_mps: float
    peak_gap_mps: float
    five_k_speed_mps: float
    peak_vs_5k: float
    avg_speed_mps: float
    peak_cadence_spm: float
    avg_cadence_spm: float
    mean_grade: float
    recovery_s: float
    recovery_rest_s: float
    recovery_avg_speed_mps: float
    run_fraction: float

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready dictionary (NaN -> None)."""
        return dict(json_safe(asdict(self)))


@dataclass(frozen=True)
class StridePrescription:
    """What the strides should have been.

    Attributes
    ----------
    count : int
        Number of strides [-] (default 6).
    distance_m : float
        Length of each [m] (default 60 m).
    peak_fraction_5k : float
        Top speed as a fraction of 5K speed [-] (default 1.0: "up to 5K pace").
    recovery_s : float
        Recovery after each [s] (default 60 s).
    recovery : {"walk", "jog"}
        How to recover (default ``"walk"``).
    """

    count: int = 6
    distance_m: float = 60.0
    peak_fraction_5k: float = 1.0
    recovery_s: float = 60.0
    recovery: Literal["walk", "jog"] = "walk"

    def __post_init__(self) -> None:
        if self.count < 1 or self.distance_m <= 0 or self.peak_fraction_5k <= 0:
            raise UsageError("a stride prescription needs count >= 1, distance and speed > 0")
        if self.recovery_s < 0 or self.recovery not in ("walk", "jog"):
            raise UsageError("recovery_s must be >= 0 and recovery 'walk' or 'jog'")

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready dictionary."""
        return dict(json_safe(asdict(self)))


DEFAULT_PRESCRIPTION = StridePrescription()
"""6 x 60 m gentle accelerations up to 5K pace, 1 min walk recovery."""


@dataclass(frozen=True)
class StrideMark:
    """How one stride measured up to the prescription (each part 0 to 1).

    Attributes
    ----------
    index : int
        0-based position in the list scored [-].
    speed : float
        Peak speed against the prescribed fraction of 5K speed [-].
    distance : float
        Distance against the prescribed distance [-].
    recovery : float
        Recovery time (and, for ``walk``, how much of it was walked) [-].
    score : float
        Mean of the three [-].
    """

    index: int
    speed: float
    distance: float
    recovery: float
    score: float


@dataclass(frozen=True)
class StrideScore:
    """Strides done against a prescription.

    Attributes
    ----------
    count, prescribed_count : int
        Strides found and prescribed [-].
    score : float
        Overall score [0-100]: ``100 x min(1, count / prescribed) x`` mean stride score.
    strides : tuple of StrideMark
        One mark per stride.
    notes : tuple of str
        Plain-language remarks (what fell short).
    prescription : StridePrescription
        What was scored against.
    """

    count: int
    prescribed_count: int
    score: float
    strides: tuple[StrideMark, ...]
    notes: tuple[str, ...]
    prescription: StridePrescription = field(default_factory=StridePrescription)

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready dictionary."""
        return dict(json_safe(asdict(self)))


# --------------------------------------------------------------------------- the 1 Hz grid


@dataclass(frozen=True)
class _Grid:
    """Streams on a 1 Hz grid of elapsed time; ``paused`` marks seconds without data."""

    t: FloatArray
    speed: FloatArray
    gap: FloatArray
    grade: FloatArray
    distance: FloatArray
    cadence: FloatArray | None
    paused: BoolArray


def _values(streams: pd.DataFrame, name: str) -> FloatArray | None:
    if name not in streams.columns:
        return None
    v = np.asarray(streams[name].to_numpy(dtype=float, na_value=np.nan), dtype=float)
    return v if np.isfinite(v).any() else None


def _to_grid(
    streams: pd.DataFrame, gap: FloatArray, grade: FloatArray, speed: FloatArray
) -> _Grid | None:
    """Resample onto whole seconds; gaps longer than PAUSE_GAP_S become paused (NaN)."""
    if "time" not in streams.columns:
        raise UsageError("the streams have no 'time' column (elapsed seconds); read the file first")
    t = np.asarray(streams["time"].to_numpy(dtype=float, na_value=np.nan), dtype=float)
    keep = np.flatnonzero(np.isfinite(t))
    if keep.size < 2:
        return None
    t = t[keep]
    if np.any(np.diff(t) < 0):
        order = np.argsort(t, kind="stable")
        keep, t = keep[order], t[order]
    dist = _values(streams, "distance")
    cad = _values(streams, "cadence")
    cols: dict[str, FloatArray | None] = {
        "speed": speed[keep],
        "gap": gap[keep],
        "grade": grade[keep],
        "distance": dist[keep] if dist is not None else None,
        "cadence": cad[keep] if cad is not None else None,
    }
    dt = np.diff(t)
    if t[0] == round(t[0]) and np.all(dt == 1.0):  # already 1 Hz: nothing to do
        paused = np.zeros(t.size, dtype=bool)
        out = cols
        tg = t
    else:
        tg = np.arange(math.ceil(t[0]), math.floor(t[-1]) + 1, dtype=float)
        idx = np.clip(np.searchsorted(t, tg, side="right") - 1, 0, t.size - 1)
        nxt = np.minimum(idx + 1, t.size - 1)
        paused = (t[nxt] - t[idx] > PAUSE_GAP_S) & (tg != t[idx])
        out = {}
        for name, v in cols.items():
            if v is None:
                out[name] = None
                continue
            ok = np.isfinite(v)
            if ok.sum() < 2:
                out[name] = np.full(tg.shape, np.nan)
                continue
            g = np.interp(tg, t[ok], v[ok])
            if name != "distance":  # distance stays put through a pause
                g[paused] = np.nan
            out[name] = g
    spd, gp, gr = out["speed"], out["gap"], out["grade"]
    assert spd is not None and gp is not None and gr is not None
    distance = out["distance"]
    if distance is None:  # no distance stream: integrate the speed
        distance = np.cumsum(np.nan_to_num(spd, nan=0.0))
    return _Grid(tg, spd, gp, gr, distance, out["cadence"], paused)


def _median(v: FloatArray, window: int) -> FloatArray:
    """Centred running median over ``window`` samples (NaN ignored; NaN if under half)."""
    s = pd.Series(v).rolling(window, center=True, min_periods=window // 2 + 1).median()
    return np.asarray(s.to_numpy(dtype=float), dtype=float)


def _median_at(v: FloatArray, lo: int, hi: int) -> FloatArray:
    """The :data:`SMOOTH_S` running median of ``v`` at indices ``lo..hi`` only (as
    :func:`_median`: NaN ignored, NaN where fewer than half the window is valid)."""
    h = SMOOTH_S // 2
    idx = np.arange(lo - h, hi - h + 1)[:, None] + np.arange(SMOOTH_S)[None, :]
    inside = (idx >= 0) & (idx < v.size)
    win = np.where(inside, v[np.clip(idx, 0, v.size - 1)], np.nan)
    srt = np.sort(win, axis=1)  # NaN sort last
    k = np.isfinite(win).sum(axis=1)
    rows = np.arange(win.shape[0])
    med = 0.5 * (srt[rows, np.maximum((k - 1) // 2, 0)] + srt[rows, np.maximum(k // 2, 0)])
    return np.where(k >= h + 1, med, np.nan)


def _rest(grid: _Grid) -> BoolArray:
    """Seconds of walking, standing or pause (not running)."""
    spd = np.nan_to_num(grid.speed, nan=0.0)
    rest = grid.paused | (spd < MOVING_SPEED_MPS)
    if grid.cadence is not None:
        cad = np.nan_to_num(grid.cadence, nan=0.0)
        return rest | (cad < RUNNING_CADENCE_SPM)
    return rest | (spd < RUNNING_SPEED_MPS)


def default_five_k_speed(
    streams: pd.DataFrame,
    *,
    model: GradeModel = "minetti",
    grade: pd.Series | FloatArray | None = None,
) -> float:
    """The 5K speed assumed when the runner's is not known, from the run itself.

    Parameters
    ----------
    streams : DataFrame
        Canonical streams (``time`` [s], ``speed`` [m/s] or ``distance`` [m],
        ``cadence`` [steps/min], altitude [m] for the grade).
    model : {"minetti", "strava"}, default "minetti"
        Grade-adjusted-speed model.
    grade : Series or ndarray, optional
        Grade [fraction] per sample when already computed.

    Returns
    -------
    float
        :data:`FIVE_K_OVER_MEDIAN` x the median grade-adjusted speed of the
        running samples [m/s]; NaN when nothing was run.

    Notes
    -----
    Meant for easy and long runs (where strides are done), whose median speed
    is easy pace, about 1 / 1.3 of 5K speed (Daniels [2]_). On a tempo run or a
    race it overestimates 5K speed: pass the runner's own then.
    """
    prep = _prepare(streams, model=model, grade=grade)
    return math.nan if prep is None else FIVE_K_OVER_MEDIAN * prep[1]


def _prepare(
    streams: pd.DataFrame,
    *,
    model: GradeModel,
    grade: pd.Series | FloatArray | None,
) -> tuple[_Grid, float] | None:
    """The 1 Hz grid and the run's median running grade-adjusted speed [m/s]."""
    if len(streams) < 2:
        return None
    g = grade_stream(streams) if grade is None else grade
    gap = grade_adjusted_speed_stream(streams, model=model, grade=g)
    # the speed itself (recorded, else from distance; GPS spikes removed) is the
    # grade-adjusted speed at zero grade: both models' factor is 1 there
    speed = grade_adjusted_speed_stream(streams, model=model, grade=np.zeros(len(streams)))
    grid = _to_grid(
        streams,
        np.asarray(gap.to_numpy(dtype=float), dtype=float),
        np.asarray(np.asarray(g, dtype=float), dtype=float),
        np.asarray(speed.to_numpy(dtype=float), dtype=float),
    )
    if grid is None:
        return None
    running = ~_rest(grid) & np.isfinite(grid.gap)
    if not running.any():
        return None
    return grid, float(np.median(grid.gap[running]))


# --------------------------------------------------------------------------- detection


def _spans(mask: BoolArray) -> list[tuple[int, int]]:
    """(first, last) index of each run of True in ``mask``."""
    m = np.concatenate(([0], mask.astype(np.int8), [0]))
    d = np.diff(m)
    starts = np.flatnonzero(d == 1)
    ends = np.flatnonzero(d == -1) - 1
    return list(zip(starts.tolist(), ends.tolist(), strict=True))


def detect_strides(
    streams: pd.DataFrame,
    five_k_speed_mps: float | None = None,
    *,
    model: GradeModel = "minetti",
    grade: pd.Series | FloatArray | None = None,
) -> list[Stride]:
    r"""Strides in a run: short accelerations to about 5K pace, with their recoveries.

    Parameters
    ----------
    streams : DataFrame
        Canonical streams: ``time`` [s], ``speed`` [m/s] (else ``distance`` [m]
        over time), ``distance`` [m], ``cadence`` [steps/min], ``altitude`` [m]
        (for the grade; a treadmill run without it is taken as flat).
    five_k_speed_mps : float, optional
        The runner's 5K race speed [m/s]; default :func:`default_five_k_speed`
        (1.3 x the run's median running grade-adjusted speed).
    model : {"minetti", "strava"}, default "minetti"
        Grade-adjusted-speed model. Minetti's credits downhill running the most,
        so a burst down a hill must be a real acceleration to count.
    grade : Series or ndarray, optional
        Grade [fraction] per sample when already computed
        (:func:`runform.core.hills.grade_stream`).

    Returns
    -------
    list of Stride
        In time order; empty when there are none (or the run is a short-interval
        session, see Notes).

    Notes
    -----
    On a 1 Hz grid (seconds without data for more than 10 s count as paused),
    with :math:`s` the :data:`SMOOTH_S` running median of the grade-adjusted
    speed, :math:`\tilde v` the median of :math:`s` over running samples and
    :math:`v_5` the 5K speed:

    1. *Fast bouts*: stretches with
       :math:`s \ge \tilde v + 0.4 (v_5 - \tilde v)` (:data:`ONSET_FRACTION`)
       for at least :data:`MIN_FAST_S` s (GPS spikes are shorter), joined
       across dips of up to 2 s.
    2. *Ends*: with :math:`p` the bout's peak and :math:`f_b`, :math:`f_a` the
       median of :math:`s` in the :data:`FOOT_SEARCH_S` before and after it,
       the bout must rise and fall by at least 0.10 :math:`v_5`
       (:data:`MIN_RISE_FRACTION`); it starts at the last second before it with
       :math:`s \le f_b + 0.2 (p - f_b)` (:data:`FOOT_FRACTION`), moved back up
       to :data:`FOOT_WALK_S` s while :math:`s` keeps falling, and ends at the
       first second after it with :math:`s \le f_a + 0.2 (p - f_a)`.
    3. *The runner's own*: with cadence, the peak cadence (5 s median) is at
       least :data:`MIN_CADENCE_RISE_SPM` above the median cadence before the
       start; without, the speed takes at least :data:`MIN_RAMP_S` to go from
       20 % to 80 % of its rise. GPS speed errors fail both.
    4. *A stride* peaks at :math:`p \ge 0.9\,v_5` (:data:`MIN_PEAK_FRACTION`),
       lasts :data:`MIN_DURATION_S` to :data:`MAX_DURATION_S` (8-40 s) from
       start to end, and climbs at most :data:`MAX_GRADE` on average. Longer
       fast bouts are interval or hill reps or tempo running; grade-adjusted
       speed keeps downhill running at its true effort.
    5. *Short-interval veto*: more than :data:`MAX_STRIDES` strides, or at
       least :data:`SHORT_SET_MIN` with a median recovery under
       :data:`SHORT_RECOVERY_S`, are a short-interval session (e.g. 20 x 150 m,
       30/30 s at I pace): none are returned.

    Without altitude the grade is taken as flat (right on a treadmill); an
    outdoor run without altitude that runs down a hill fast for 10-40 s can
    then show a stride there. Without cadence, heavy GPS speed noise (spikes
    overlapping into 4 s or more) can too.
    """
    if five_k_speed_mps is not None and not (
        math.isfinite(five_k_speed_mps) and five_k_speed_mps > 0
    ):
        raise UsageError(
            f"five_k_speed_mps must be a positive speed in m/s, got {five_k_speed_mps}"
        )
    prep = _prepare(streams, model=model, grade=grade)
    if prep is None:
        return []
    grid, base = prep
    v5 = five_k_speed_mps if five_k_speed_mps is not None else FIVE_K_OVER_MEDIAN * base
    s = _median(grid.gap, SMOOTH_S)
    low = np.nan_to_num(s, nan=0.0)  # paused or unknown counts as standing still
    onset = base + ONSET_FRACTION * (v5 - base) if v5 > base else v5
    fast = low >= onset
    spans = _spans(fast)
    joined: list[list[int]] = []
    for a, b in spans:
        if joined and a - joined[-1][1] <= 3:  # dips of up to 2 s
            joined[-1][1] = b
        else:
            joined.append([a, b])
    n = low.size
    cad_pos = _positive(grid.cadence)
    bouts: list[tuple[int, int, float]] = []
    for a, b in joined:
        if int(fast[a : b + 1].sum()) < MIN_FAST_S:
            continue
        peak = float(low[a : b + 1].max())
        if peak < MIN_PEAK_FRACTION * v5:
            continue
        lo = max(a - FOOT_SEARCH_S, 0)
        before = float(np.median(low[lo : a + 1]))
        hi = min(b + FOOT_SEARCH_S, n - 1)
        after = float(np.median(low[b : hi + 1]))
        if min(peak - before, peak - after) < MIN_RISE_FRACTION * v5:
            continue  # a wobble of steady fast running, not an acceleration and back
        below = np.flatnonzero(low[lo : a + 1] <= before + FOOT_FRACTION * (peak - before))
        start = lo + int(below[-1]) if below.size else lo
        for _ in range(FOOT_WALK_S):  # back to the foot of the ramp
            if start > lo and low[start - 1] < low[start]:
                start -= 1
        back = np.flatnonzero(low[b : hi + 1] <= after + FOOT_FRACTION * (peak - after))
        end = b + int(back[0]) if back.size else hi
        if not _plausible(low, start, b, peak, before, cad_pos, lo, end):
            continue
        duration = float(grid.t[end] - grid.t[start])
        if not MIN_DURATION_S <= duration <= MAX_DURATION_S:
            continue
        climb = grid.grade[start : end + 1]
        if np.isfinite(climb).any() and float(np.nanmean(climb)) > MAX_GRADE:
            continue
        if bouts and start <= bouts[-1][1]:  # overlapping ends: one stride
            continue
        bouts.append((start, end, peak))
    if not bouts:
        return []
    recoveries = [bouts[k + 1][0] - bouts[k][1] for k in range(len(bouts) - 1)]
    if len(bouts) > MAX_STRIDES or (
        len(bouts) >= SHORT_SET_MIN and float(np.median(recoveries)) < SHORT_RECOVERY_S
    ):
        return []
    return _strides(grid, bouts, v5)


def _plausible(
    low: FloatArray,
    start: int,
    last: int,
    peak: float,
    before: float,
    cad_pos: FloatArray | None,
    lo: int,
    end: int,
) -> bool:
    """Is the bout the runner's own acceleration, not GPS noise? With cadence: steps
    quicken (:data:`MIN_CADENCE_RISE_SPM`); without: a ramp (:data:`MIN_RAMP_S`)."""
    if cad_pos is not None:
        ref = cad_pos[lo : start + 1]
        ref = ref[np.isfinite(ref)]
        top = _median_at(cad_pos, start, end)
        if ref.size and np.isfinite(top).any():
            return float(np.nanmax(top)) - float(np.median(ref)) >= MIN_CADENCE_RISE_SPM
    rise = low[start : last + 1] - before
    t20 = int(np.argmax(rise >= 0.2 * (peak - before)))
    t80 = int(np.argmax(rise >= 0.8 * (peak - before)))
    return t80 - t20 >= MIN_RAMP_S


def _strides(grid: _Grid, bouts: list[tuple[int, int, float]], v5: float) -> list[Stride]:
    cad_pos = _positive(grid.cadence)
    rest = _rest(grid)
    speed0 = np.nan_to_num(grid.speed, nan=0.0)
    total = float(grid.t[-1] - grid.t[0])
    n = grid.t.size
    out: list[Stride] = []
    for k, (start, end, peak) in enumerate(bouts):
        sl = slice(start, end + 1)
        dist = float(grid.distance[end] - grid.distance[start])
        dur = float(grid.t[end] - grid.t[start])
        last = k + 1 == len(bouts)
        r_end = min(n - 1, end + int(MAX_RECOVERY_S)) if last else bouts[k + 1][0]
        rec = slice(end + 1, r_end + 1)
        rec_s = float(grid.t[r_end] - grid.t[end])
        out.append(
            Stride(
                start_s=float(grid.t[start]),
                duration_s=dur,
                distance_m=dist,
                peak_speed_mps=_nanmax(_median_at(grid.speed, start, end), slice(None)),
                peak_gap_mps=peak,
                five_k_speed_mps=v5,
                peak_vs_5k=peak / v5,
                avg_speed_mps=dist / dur if dur > 0 else math.nan,
                peak_cadence_spm=_nanmax(
                    _median_at(cad_pos, start, end) if cad_pos is not None else None, slice(None)
                ),
                avg_cadence_spm=_nanmean(cad_pos, sl),
                mean_grade=_nanmean(grid.grade, sl),
                recovery_s=rec_s,
                recovery_rest_s=float(rest[rec].sum()),
                recovery_avg_speed_mps=float(speed0[rec].mean()) if rec_s > 0 else math.nan,
                run_fraction=float(grid.t[start] - grid.t[0]) / total if total > 0 else math.nan,
            )
        )
    return out


def _positive(v: FloatArray | None) -> FloatArray | None:
    """Values with zeros as NaN (cadence 0 is standing, not slow), None stays None."""
    if v is None or not np.any(v > 0):
        return None
    return np.where(v > 0, v, np.nan)


def _nanmax(v: FloatArray | None, sl: slice) -> float:
    if v is None:
        return math.nan
    w = v[sl]
    return float(np.nanmax(w)) if np.isfinite(w).any() else math.nan


def _nanmean(v: FloatArray | None, sl: slice) -> float:
    if v is None:
        return math.nan
    w = v[sl]
    return float(np.nanmean(w)) if np.isfinite(w).any() else math.nan


# --------------------------------------------------------------------------- scoring


def _band_score(x: float, full_lo: float, full_hi: float, zero_lo: float, zero_hi: float) -> float:
    """1 inside [full_lo, full_hi], falling linearly to 0 at zero_lo and zero_hi."""
    if not math.isfinite(x):
        return 0.0
    if x < full_lo:
        return max(0.0, (x - zero_lo) / (full_lo - zero_lo))
    if x > full_hi:
        return max(0.0, (zero_hi - x) / (zero_hi - full_hi))
    return 1.0


def score_strides(
    strides: list[Stride],
    prescription: StridePrescription = DEFAULT_PRESCRIPTION,
) -> StrideScore:
    r"""Score the strides of a run against a prescription.

    Parameters
    ----------
    strides : list of Stride
        From :func:`detect_strides`.
    prescription : StridePrescription, default 6 x 60 m up to 5K pace, 1 min walk
        What was planned.

    Returns
    -------
    StrideScore
        Per-stride marks, an overall score [0-100] and notes.

    Notes
    -----
    Each stride gets three marks in [0, 1], each 1 inside a band and falling
    linearly to 0 outside it:

    * *speed*: :math:`r = (p / v_5) / f_\mathrm{presc}`; full marks for
      :math:`0.95 \le r \le 1.10` ("gentle accelerations up to 5K pace": a
      little short of it is fine, much faster is a sprint), 0 at 0.80 and 1.30;
    * *distance*: :math:`r = d / d_\mathrm{presc}`; full for
      :math:`2/3 \le r \le 5/3` (60 m prescribed: 40-100 m, vectors.md's
      60-100 m strides), 0 at 1/3 and 2.5;
    * *recovery*: :math:`r = t_\mathrm{rec} / t_\mathrm{presc}`; full for
      :math:`r \ge 0.75`, 0 at 0.25; for a walk recovery it is multiplied by
      the share of the recovery spent walking or standing, counted in full
      from one half up.

    The stride's score is the mean of its marks; the run's is
    :math:`100 \min(1, n / n_\mathrm{presc})` times the mean stride score.
    """
    p = prescription
    marks: list[StrideMark] = []
    notes: list[str] = []
    for i, st in enumerate(strides):
        speed = _band_score(st.peak_vs_5k / p.peak_fraction_5k, 0.95, 1.10, 0.80, 1.30)
        dist = _band_score(st.distance_m / p.distance_m, 2 / 3, 5 / 3, 1 / 3, 2.5)
        if p.recovery_s > 0:
            recovery = _band_score(st.recovery_s / p.recovery_s, 0.75, math.inf, 0.25, math.inf)
            if p.recovery == "walk" and st.recovery_s > 0:
                walked = st.recovery_rest_s / st.recovery_s
                recovery *= _band_score(walked, 0.5, 1.0, 0.0, 1.0)
        else:
            recovery = 1.0
        marks.append(StrideMark(i, speed, dist, recovery, (speed + dist + recovery) / 3.0))
        if speed < 1.0:
            notes.append(
                f"stride {i + 1} peaked at {100 * st.peak_vs_5k:.0f} % of 5K speed "
                f"(aim {100 * p.peak_fraction_5k:.0f} %)"
            )
        if dist < 1.0:
            notes.append(f"stride {i + 1} covered {st.distance_m:.0f} m (aim {p.distance_m:.0f} m)")
        if recovery < 1.0:
            notes.append(
                f"stride {i + 1} recovery {st.recovery_s:.0f} s with "
                f"{st.recovery_rest_s:.0f} s walked (aim {p.recovery_s:.0f} s {p.recovery})"
            )
    n = len(strides)
    if n < p.count:
        notes.insert(0, f"{n} of {p.count} strides")
    mean = float(np.mean([m.score for m in marks])) if marks else 0.0
    score = 100.0 * min(1.0, n / p.count) * mean
    return StrideScore(n, p.count, score, tuple(marks), tuple(notes), p)
