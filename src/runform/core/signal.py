"""Clean signals from the canonical streams (pure functions).

The form analyses (cadence model, durability, hills, intervals, strides) all
start from the same cleaned signals:

* :func:`resample_1hz`: the streams on a regular 1 Hz grid, interpolated
  within recording stretches but never across a pause (a gap between samples
  longer than :data:`PAUSE_GAP_S`), inserted samples marked;
* :func:`speed_stream`: the recorded speed [m/s], filled from the distance
  stream where the device recorded none;
* :func:`moving_mask` / :func:`walking_mask` / :func:`pauses`: moving vs
  stopped with hysteresis, walking vs running gait, and the list of pauses;
* :func:`smooth_speed`: a centred median-then-mean smoother that removes GPS
  speed jitter but keeps a 15-20 s stride's peak;
* :func:`clean_grade`: grade [fraction] from altitude and distance
  (:func:`runform.core.grade.grade_from_altitude`), falling back to the
  recorded grade;
* :func:`clean_streams`: all of the above at once, on a 1 Hz frame, for the
  analyses to share (:class:`CleanStreams`).

Every function reads a canonical stream frame (``time`` [s] plus whatever
channels it has, see :data:`runform.schema.STREAMS`) and returns a new frame
or a new array aligned with its rows; the input is never modified. Windows
given in seconds are converted to samples with the frame's median sample
interval, so they mean what they say on 1 Hz data; for smart-recording files
(one sample every 1-8 s) call :func:`resample_1hz` first.

References
----------
.. [1] Tudor-Locke, C. et al. (2018). How fast is fast enough? Walking cadence
   (steps/min) as a practical estimate of intensity in adults: a narrative
   review. British Journal of Sports Medicine, 52(12), 776-788.
   https://doi.org/10.1136/bjsports-2017-097628
.. [2] Tukey, J. W. (1977). Exploratory Data Analysis. Addison-Wesley
   (running medians as smoothers that keep edges).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any, Literal

import numpy as np
import numpy.typing as npt
import pandas as pd
from numpy.lib.stride_tricks import sliding_window_view

from runform.core.grade import GRADE_WINDOW_M, MINETTI_MAX_GRADE, grade_from_altitude
from runform.core.summary import MOVING_SPEED_MPS, PAUSE_GAP_S
from runform.errors import UsageError

__all__ = [
    "MIN_STOP_S",
    "PAUSE_GAP_S",
    "RESUME_SPEED_MPS",
    "SMOOTH_MEAN_S",
    "SMOOTH_MEDIAN_S",
    "STOP_SPEED_MPS",
    "WALK_CADENCE_SPM",
    "WALK_SPEED_MPS",
    "CleanStreams",
    "Pause",
    "clean_grade",
    "clean_streams",
    "moving_mask",
    "pauses",
    "resample_1hz",
    "smooth_speed",
    "speed_stream",
    "walking_mask",
]

FloatArray = npt.NDArray[np.float64]
BoolArray = npt.NDArray[np.bool_]

STOP_SPEED_MPS = MOVING_SPEED_MPS
"""Speed [m/s] below which a runner may be stopped (0.5 m/s = 1.8 km/h, slower than any walk;
the same threshold as the moving time of :mod:`runform.core.summary`)."""

RESUME_SPEED_MPS = 0.8
"""Speed [m/s] a stopped runner must exceed to count as moving again (hysteresis, so GPS
speed jitter of a few tenths of a m/s around 0.5 m/s does not split one stop into many)."""

MIN_STOP_S = 3.0
"""Shortest stop [s]: a dip below :data:`STOP_SPEED_MPS` shorter than this (a turn, a GPS
glitch) is not a stop."""

WALK_SPEED_MPS = 1.8
"""Speed [m/s] (6.5 km/h, 9:15 min/km) below which moving counts as walking: above brisk
walking (1.4-1.6 m/s) and below the slowest easy running of adult runners."""

WALK_CADENCE_SPM = 140.0
"""Cadence [steps/min] below which moving counts as walking: brisk walking is 100-130
steps/min (Tudor-Locke et al. 2018 [1]_) and running rarely falls below 145 steps/min."""

MIN_WALK_S = 5.0
"""Shortest walk [s]: a slower stretch shorter than this is not a change of gait."""

SMOOTH_MEDIAN_S = 5.0
"""Window [s] of the running median in :func:`smooth_speed`: removes 1-2 s GPS speed spikes
and keeps steps and plateaus (Tukey 1977 [2]_)."""

SMOOTH_MEAN_S = 3.0
"""Window [s] of the running mean after the median in :func:`smooth_speed`: removes the
staircase the median leaves; short enough that a 15 s stride keeps >= 90 % of its peak."""

_CHANNEL_SKIP = ("time", "timestamp", "gps_spike")

PauseKind = Literal["gap", "stopped"]


@dataclass(frozen=True)
class Pause:
    """A pause in an activity.

    Attributes
    ----------
    start_s : float
        Elapsed time [s] (the ``time`` stream) when the pause began.
    duration_s : float
        Length of the pause [s].
    kind : {"gap", "stopped"}
        ``gap``: no samples for longer than :data:`PAUSE_GAP_S` (timer or
        auto-pause); ``stopped``: samples recorded while standing (speed below
        :data:`STOP_SPEED_MPS` for at least :data:`MIN_STOP_S`).
    """

    start_s: float
    duration_s: float
    kind: PauseKind

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready dictionary (times in seconds)."""
        return asdict(self)


# --------------------------------------------------------------------------- helpers


def _time(streams: pd.DataFrame) -> FloatArray:
    """The ``time`` column [s] as float, checked to be non-decreasing."""
    if "time" not in streams:
        raise UsageError("streams need a 'time' column [s] (seconds since the activity start)")
    t = streams["time"].to_numpy(dtype=float, na_value=np.nan)
    if t.size and (not np.isfinite(t).all() or np.any(np.diff(t) < 0)):
        raise UsageError(
            "the 'time' stream must be finite and non-decreasing; "
            "sort the samples (resample_1hz sorts them)"
        )
    return t


def _column(streams: pd.DataFrame, name: str) -> FloatArray | None:
    """A channel as a float array (NaN for missing values), None when absent."""
    if name not in streams:
        return None
    return np.asarray(streams[name].to_numpy(dtype=float, na_value=np.nan), dtype=float)


def _segments(t: FloatArray, max_gap_s: float) -> list[tuple[int, int]]:
    """(start, stop) row ranges of the stretches between gaps longer than ``max_gap_s``."""
    if t.size == 0:
        return []
    cuts = np.flatnonzero(np.diff(t) > max_gap_s) + 1
    bounds = [0, *cuts.tolist(), t.size]
    return [(bounds[i], bounds[i + 1]) for i in range(len(bounds) - 1)]


def _sample_interval(t: FloatArray, max_gap_s: float) -> float:
    """Typical sample interval [s]: the median step within recording stretches (1.0 if unknown)."""
    d = np.diff(t)
    d = d[(d > 0) & (d <= max_gap_s)]
    return float(np.median(d)) if d.size else 1.0


def _durations(t: FloatArray, max_gap_s: float) -> FloatArray:
    """Time [s] each sample stands for: the step to the next sample, or the typical step
    where the next sample is beyond a pause (and for the last sample)."""
    if t.size == 0:
        return t.copy()
    typical = _sample_interval(t, max_gap_s)
    d = np.diff(t, append=t[-1] + typical)
    return np.where(d > max_gap_s, typical, d)


def _window(seconds: float, dt: float) -> int:
    """An odd number of samples spanning about ``seconds`` at sample interval ``dt``."""
    n = max(1, round(seconds / dt))
    return n if n % 2 else n + 1


def _rolling(
    values: FloatArray,
    segments: list[tuple[int, int]],
    window: int,
    how: Literal["median", "mean"],
) -> FloatArray:
    """Centred running median or mean within each segment (NaNs skipped, edges shrink)."""
    out = np.full(values.shape, np.nan)
    if window <= 1:
        out[:] = values
        return out
    half = window // 2
    for a, b in segments:
        seg = values[a:b]
        if how == "median" and seg.size > window and np.isfinite(seg).all():
            # Fast path (no NaN): a strided view, the shrinking windows at the ends by hand.
            res = np.empty(seg.size)
            res[half : seg.size - half] = np.median(sliding_window_view(seg, window), axis=1)
            for k in [*range(half), *range(seg.size - half, seg.size)]:
                res[k] = np.median(seg[max(0, k - half) : k + half + 1])
            out[a:b] = res
            continue
        r = pd.Series(seg).rolling(window, center=True, min_periods=1)
        out[a:b] = (r.median() if how == "median" else r.mean()).to_numpy()
    return out


def _runs(mask: BoolArray) -> tuple[npt.NDArray[np.intp], npt.NDArray[np.intp]]:
    """Start and stop (exclusive) indices of each run of True in ``mask``."""
    m = np.concatenate(([False], mask, [False])).astype(np.int8)
    d = np.diff(m)
    return np.flatnonzero(d == 1), np.flatnonzero(d == -1)


def _sustained(mask: BoolArray, durations: FloatArray, min_s: float) -> BoolArray:
    """``mask`` with the runs of True shorter than ``min_s`` seconds removed."""
    out = np.zeros(mask.shape, dtype=bool)
    starts, stops = _runs(mask)
    if starts.size == 0:
        return out
    c = np.concatenate(([0.0], np.cumsum(durations)))
    keep = (c[stops] - c[starts]) >= min_s - 1e-9
    for a, b in zip(starts[keep].tolist(), stops[keep].tolist(), strict=True):
        out[a:b] = True
    return out


# --------------------------------------------------------------------------- resampling


def resample_1hz(streams: pd.DataFrame, *, max_gap_s: float = PAUSE_GAP_S) -> pd.DataFrame:
    r"""The streams on a regular 1 Hz grid, not interpolated across pauses.

    Parameters
    ----------
    streams : DataFrame
        Canonical streams: ``time`` [s] and any channels of
        :data:`runform.schema.STREAMS` (and ``dev_*``), at any sampling.
    max_gap_s : float, default :data:`PAUSE_GAP_S` (10 s)
        A gap between consecutive samples longer than this [s] is a pause:
        no grid points are put inside it.

    Returns
    -------
    DataFrame
        One row per whole second inside each recording stretch, with ``time``
        [s], every numeric channel linearly interpolated, ``gps_spike`` and any
        non-numeric column taken from the nearest sample, ``timestamp`` (when
        present) shifted with ``time``, and a boolean column ``inserted``: True
        where no original sample lies within 0.5 s of the grid time. A
        channel is NaN where a sample it would be interpolated from is NaN.

    Notes
    -----
    Samples are sorted by time and repeated times keep their first sample.
    The stretches are the runs of samples separated by at most ``max_gap_s``;
    each contributes the grid times :math:`k \in \mathbb{Z}` with
    :math:`t_a \le k \le t_b` (a stretch between two whole seconds keeps its
    one sample, rounded). A channel at grid time :math:`k` between samples
    :math:`i` and :math:`i+1` of the same stretch is

    .. math::

        y(k) = y_i + \frac{k - t_i}{t_{i+1} - t_i} (y_{i+1} - y_i)

    Interpolating cumulative ``distance`` keeps it monotone.
    """
    t_all = streams["time"].to_numpy(dtype=float, na_value=np.nan) if "time" in streams else None
    if t_all is None:
        raise UsageError("streams need a 'time' column [s] (seconds since the activity start)")
    keep = np.isfinite(t_all)
    order = np.argsort(t_all[keep], kind="stable")
    frame = streams.loc[keep].iloc[order]
    t = t_all[keep][order]
    first = np.concatenate(([True], np.diff(t) > 0)) if t.size else np.zeros(0, dtype=bool)
    frame, t = frame.iloc[first], t[first]
    numeric = [
        c
        for c in frame.columns
        if c not in _CHANNEL_SKIP
        and pd.api.types.is_numeric_dtype(frame[c])
        and not pd.api.types.is_bool_dtype(frame[c])
    ]
    other = [c for c in frame.columns if c not in numeric and c not in ("time", "timestamp")]
    if t.size == 0:
        empty: pd.DataFrame = frame.reset_index(drop=True).copy()
        empty["inserted"] = pd.Series(dtype=bool)
        return empty
    grids: list[FloatArray] = []
    for a, b in _segments(t, max_gap_s):
        lo, hi = np.ceil(t[a] - 1e-9), np.floor(t[b - 1] + 1e-9)
        g = np.arange(lo, hi + 1.0) if hi >= lo else np.array([np.round(t[a])])
        grids.append(g)
    grid = np.concatenate(grids)
    n = t.size
    j = np.clip(np.searchsorted(t, grid, side="right") - 1, 0, n - 1)
    k = np.minimum(j + 1, n - 1)
    span = t[k] - t[j]
    same_stretch = (span > 0) & (span <= max_gap_s)
    with np.errstate(invalid="ignore", divide="ignore"):
        w = np.where(same_stretch, np.clip((grid - t[j]) / span, 0.0, 1.0), 0.0)
    nearest = np.where(w > 0.5, k, j)
    inserted = np.abs(t[nearest] - grid) >= 0.5
    data: dict[str, Any] = {"time": grid}
    if "timestamp" in frame:
        ts = frame["timestamp"].iloc[0]
        data["timestamp"] = ts + pd.to_timedelta(grid - t[0], unit="s")
    if numeric:
        y = frame[numeric].to_numpy(dtype=float, na_value=np.nan)
        yj, yk = y[j], y[k]
        ww = w[:, None]
        vals = np.where(ww == 0.0, yj, np.where(ww == 1.0, yk, yj + ww * (yk - yj)))
        for i, c in enumerate(numeric):
            data[c] = vals[:, i]
    for c in other:
        data[c] = frame[c].to_numpy()[nearest]
    data["inserted"] = inserted
    out = pd.DataFrame(data)
    columns = dict.fromkeys(["time", *streams.columns, "inserted"])
    return out[[c for c in columns if c in out.columns]]


# --------------------------------------------------------------------------- speed and motion


def speed_stream(streams: pd.DataFrame, *, max_gap_s: float = PAUSE_GAP_S) -> FloatArray:
    """Speed [m/s] of each sample: as recorded, filled from the distance stream.

    Parameters
    ----------
    streams : DataFrame
        Canonical streams with ``time`` [s] and ``speed`` [m/s] and/or
        ``distance`` [m].
    max_gap_s : float, default 10 s
        Gaps longer than this [s] are pauses; distance is not differentiated across them.

    Returns
    -------
    ndarray
        Speed [m/s] aligned with the rows; where ``speed`` is missing, the
        centred difference of ``distance`` over ``time`` within the recording
        stretch (clipped at 0); NaN where neither is available.
    """
    t = _time(streams)
    v = _column(streams, "speed")
    v = np.full(t.size, np.nan) if v is None else v.copy()
    d = _column(streams, "distance")
    if d is not None and not np.isfinite(v).all() and np.isfinite(d).sum() >= 2:
        derived = np.full(t.size, np.nan)
        for a, b in _segments(t, max_gap_s):
            if b - a >= 2:
                with np.errstate(invalid="ignore", divide="ignore"):
                    derived[a:b] = np.gradient(d[a:b], t[a:b])
        v = np.where(np.isfinite(v), v, np.clip(derived, 0.0, None))
    return v


def moving_mask(
    streams: pd.DataFrame,
    *,
    stop_speed_mps: float = STOP_SPEED_MPS,
    resume_speed_mps: float = RESUME_SPEED_MPS,
    min_stop_s: float = MIN_STOP_S,
    max_gap_s: float = PAUSE_GAP_S,
) -> BoolArray:
    r"""Which samples are moving (True) rather than stopped, with hysteresis.

    Parameters
    ----------
    streams : DataFrame
        Canonical streams with ``time`` [s] and ``speed`` [m/s] or ``distance`` [m];
        ``cadence`` [steps/min] is used where speed is unknown.
    stop_speed_mps : float, default 0.5 m/s
        A stop begins when the speed stays below this [m/s] ...
    resume_speed_mps : float, default 0.8 m/s
        ... and lasts until the speed rises to this [m/s] or more.
    min_stop_s : float, default 3 s
        ... provided it stays below ``stop_speed_mps`` for at least this long [s].
    max_gap_s : float, default 10 s
        Gap [s] beyond which consecutive samples belong to different stretches.

    Returns
    -------
    ndarray of bool
        True where moving, aligned with the rows.

    Notes
    -----
    A *core* is a run of samples with :math:`v < v_\mathrm{stop}` lasting at
    least ``min_stop_s`` (each sample standing for the time to the next one).
    The stop is the run of samples with :math:`v < v_\mathrm{resume}` that
    contains a core: the Schmitt-trigger form of a threshold, so speed jitter
    around :math:`v_\mathrm{stop}` neither starts nor ends a stop. Samples
    without a speed count as stopped when their cadence is 0 and as moving
    otherwise.
    """
    if resume_speed_mps < stop_speed_mps:
        raise UsageError(
            f"resume_speed_mps ({resume_speed_mps}) must be at least stop_speed_mps ({stop_speed_mps})"
        )
    t = _time(streams)
    v = speed_stream(streams, max_gap_s=max_gap_s)
    cad = _column(streams, "cadence")
    unknown = ~np.isfinite(v)
    idle = np.zeros(t.size, dtype=bool) if cad is None else (cad == 0)
    below_stop = np.where(unknown, idle, v < stop_speed_mps)
    below_resume = np.where(unknown, idle, v < resume_speed_mps)
    dur = _durations(t, max_gap_s)
    core = _sustained(below_stop, dur, min_stop_s)
    starts, stops = _runs(below_resume)
    stopped = np.zeros(t.size, dtype=bool)
    if starts.size:
        c = np.concatenate(([0], np.cumsum(core)))
        has_core = (c[stops] - c[starts]) > 0
        for a, b in zip(starts[has_core].tolist(), stops[has_core].tolist(), strict=True):
            stopped[a:b] = True
    return ~stopped


def walking_mask(
    streams: pd.DataFrame,
    *,
    walk_speed_mps: float = WALK_SPEED_MPS,
    walk_cadence_spm: float = WALK_CADENCE_SPM,
    min_walk_s: float = MIN_WALK_S,
    moving: BoolArray | None = None,
    max_gap_s: float = PAUSE_GAP_S,
    _median: FloatArray | None = None,
) -> BoolArray:
    """Which moving samples are walking rather than running.

    Parameters
    ----------
    streams : DataFrame
        Canonical streams with ``time`` [s], ``speed`` [m/s] or ``distance`` [m],
        and optionally ``cadence`` [steps/min].
    walk_speed_mps : float, default 1.8 m/s
        Moving slower than this [m/s] (smoothed speed) is walking.
    walk_cadence_spm : float, default 140 steps/min
        A recorded cadence above 0 and below this [steps/min] is walking gait
        (Tudor-Locke et al. 2018 [1]_), whatever the speed says.
    min_walk_s : float, default 5 s
        Shortest walk [s].
    moving : ndarray of bool, optional
        A precomputed :func:`moving_mask` (computed when not given).
    max_gap_s : float, default 10 s
        Gap [s] beyond which consecutive samples belong to different stretches.

    Returns
    -------
    ndarray of bool
        True where walking; False where running or stopped.
    """
    t = _time(streams)
    mv = moving_mask(streams, max_gap_s=max_gap_s) if moving is None else moving
    vs = smooth_speed(streams, mean_s=1.0, max_gap_s=max_gap_s) if _median is None else _median
    cad = _column(streams, "cadence")
    with np.errstate(invalid="ignore"):
        slow = vs < walk_speed_mps
    if cad is not None:
        slow |= (cad > 0) & (cad < walk_cadence_spm)
    return _sustained(mv & slow, _durations(t, max_gap_s), min_walk_s)


def pauses(
    streams: pd.DataFrame,
    *,
    max_gap_s: float = PAUSE_GAP_S,
    moving: BoolArray | None = None,
) -> list[Pause]:
    """The pauses of an activity: gaps in the recording and stops while recording.

    Parameters
    ----------
    streams : DataFrame
        Canonical streams with ``time`` [s] and ``speed`` [m/s] or ``distance`` [m].
    max_gap_s : float, default 10 s
        A gap between samples longer than this [s] is a pause of kind ``gap``.
    moving : ndarray of bool, optional
        A precomputed :func:`moving_mask` (computed with its defaults when not given).

    Returns
    -------
    list of Pause
        In order of start time. A gap runs from the last sample before it for
        the whole time to the next sample; a stop runs from its first stopped
        sample for the time its samples stand for (a stop followed by a gap,
        as when auto-pause kicks in, gives two pauses).
    """
    t = _time(streams)
    out: list[Pause] = []
    if t.size == 0:
        return out
    gaps = np.flatnonzero(np.diff(t) > max_gap_s)
    for i in gaps.tolist():
        out.append(Pause(float(t[i]), float(t[i + 1] - t[i]), "gap"))
    mv = moving_mask(streams, max_gap_s=max_gap_s) if moving is None else moving
    dur = _durations(t, max_gap_s)
    c = np.concatenate(([0.0], np.cumsum(dur)))
    starts, stops = _runs(~mv)
    for a, b in zip(starts.tolist(), stops.tolist(), strict=True):
        out.append(Pause(float(t[a]), float(c[b] - c[a]), "stopped"))
    out.sort(key=lambda p: (p.start_s, p.kind))
    return out


def smooth_speed(
    streams: pd.DataFrame,
    *,
    median_s: float = SMOOTH_MEDIAN_S,
    mean_s: float = SMOOTH_MEAN_S,
    max_gap_s: float = PAUSE_GAP_S,
) -> FloatArray:
    r"""Speed smoothed so that GPS jitter goes and short accelerations stay.

    Parameters
    ----------
    streams : DataFrame
        Canonical streams with ``time`` [s] and ``speed`` [m/s] or ``distance`` [m].
    median_s : float, default 5 s
        Window [s] of the centred running median.
    mean_s : float, default 3 s
        Window [s] of the centred running mean applied after the median (1 for none).
    max_gap_s : float, default 10 s
        The smoother never reaches across a gap longer than this [s].

    Returns
    -------
    ndarray
        Smoothed speed [m/s] aligned with the rows (NaN only where a whole
        window has no speed).

    Notes
    -----
    .. math::

        \tilde v = \mathrm{mean}_{w_2}\left(\mathrm{median}_{w_1}(v)\right)

    with centred windows of :math:`w_1` = ``median_s`` and :math:`w_2` =
    ``mean_s`` seconds (odd sample counts at the typical sample interval,
    shrinking at the ends of each recording stretch). A running median passes
    plateaus and steps unchanged and removes spikes shorter than half its
    window (Tukey 1977 [2]_); the short mean then removes the staircase left
    on ramps. A stride of 15-20 s accelerates for about 6-8 s and holds its
    peak for 4-6 s, so the median keeps the plateau and the 3 s mean loses a
    few per cent at most, where a 30 s moving average would flatten it by
    about a third.
    """
    t = _time(streams)
    v = speed_stream(streams, max_gap_s=max_gap_s)
    segs = _segments(t, max_gap_s)
    dt = _sample_interval(t, max_gap_s)
    med = _rolling(v, segs, _window(median_s, dt), "median")
    return _rolling(med, segs, _window(mean_s, dt), "mean")


# --------------------------------------------------------------------------- grade


def clean_grade(
    streams: pd.DataFrame,
    *,
    window_m: float = GRADE_WINDOW_M,
    max_gap_s: float = PAUSE_GAP_S,
) -> FloatArray:
    """Grade [fraction] of each sample, robust to altimeter and GPS noise.

    Parameters
    ----------
    streams : DataFrame
        Canonical streams with ``time`` [s] and some of ``distance`` [m],
        ``speed`` [m/s], ``altitude`` [m], ``grade`` [fraction], ``gps_spike``.
    window_m : float, default 50 m
        Length of ground [m] over which the grade is estimated (see
        :func:`runform.core.grade.grade_from_altitude`).
    max_gap_s : float, default 10 s
        Gap [s] beyond which speed is not integrated into distance.

    Returns
    -------
    ndarray
        Grade [fraction] aligned with the rows, clipped to +-0.45; NaN where
        neither altitude nor a recorded grade tells the slope (a treadmill run
        without incline data is all NaN: callers decide whether to take it as flat).

    Notes
    -----
    1. Distance: the ``distance`` stream, else speed integrated over time
       (steps capped at the typical interval across pauses).
    2. Altitude samples flagged ``gps_spike`` are dropped (GPS altitude jumps
       with the position).
    3. Grade from altitude and distance with the median-filtered local
       least-squares slope of :func:`runform.core.grade.grade_from_altitude`.
    4. Where that is NaN, the recorded ``grade`` stream after a 5-sample
       running median (spike removal), clipped to +-0.45.
    """
    t = _time(streams)
    out = np.full(t.size, np.nan)
    if t.size == 0:
        return out
    alt = _column(streams, "altitude")
    if alt is not None and np.isfinite(alt).sum() >= 2:
        dist = _column(streams, "distance")
        if dist is None or np.isfinite(dist).sum() < 2:
            v = speed_stream(streams, max_gap_s=max_gap_s)
            steps = np.nan_to_num(v) * np.concatenate(([0.0], _durations(t, max_gap_s)[:-1]))
            dist = np.cumsum(steps)
        spike = _column(streams, "gps_spike")
        if spike is not None:
            alt = np.where(spike > 0, np.nan, alt)
        out = np.asarray(grade_from_altitude(dist, alt, window_m), dtype=float)
    rec = _column(streams, "grade")
    if rec is not None and np.isnan(out).any():
        segs = _segments(t, max_gap_s)
        rec_s = np.clip(_rolling(rec, segs, 5, "median"), -MINETTI_MAX_GRADE, MINETTI_MAX_GRADE)
        out = np.where(np.isfinite(out), out, rec_s)
    return out


# --------------------------------------------------------------------------- all at once


def _is_1hz(t: FloatArray, max_gap_s: float) -> bool:
    """True when every step is 1 s (within 20 ms) or a pause."""
    d = np.diff(t)
    return bool(np.all((np.abs(d - 1.0) < 0.02) | (d > max_gap_s)))


def _frozen(a: npt.NDArray[Any]) -> npt.NDArray[Any]:
    a.setflags(write=False)
    return a


@dataclass(frozen=True, eq=False)
class CleanStreams:
    """The cleaned signals of one activity on a 1 Hz frame (see :func:`clean_streams`).

    The arrays are read-only and aligned with the rows of ``frame``.

    Attributes
    ----------
    frame : DataFrame
        The 1 Hz streams: the input itself when it was already 1 Hz, else
        :func:`resample_1hz` of it. Treat as read-only.
    time_s : ndarray
        Elapsed time [s] (pauses included).
    distance_m : ndarray
        Cumulative distance [m]: as recorded, else speed integrated over time.
    speed_mps : ndarray
        Speed [m/s] as recorded, filled from distance (:func:`speed_stream`).
    smooth_speed_mps : ndarray
        :func:`smooth_speed` [m/s].
    grade : ndarray
        :func:`clean_grade` [fraction], NaN where unknown.
    moving, walking : ndarray of bool
        :func:`moving_mask` and :func:`walking_mask`.
    moving_time_s : ndarray
        Cumulative moving time [s] at each sample (stops and gaps excluded).
    resampled : bool
        True when ``frame`` was resampled from irregular input.
    """

    frame: pd.DataFrame
    time_s: FloatArray
    distance_m: FloatArray
    speed_mps: FloatArray
    smooth_speed_mps: FloatArray
    grade: FloatArray
    moving: BoolArray
    walking: BoolArray
    moving_time_s: FloatArray
    resampled: bool

    @property
    def grade_known(self) -> bool:
        """True when altitude or a recorded grade gives the slope somewhere."""
        return bool(np.isfinite(self.grade).any())

    def column(self, name: str) -> FloatArray | None:
        """A channel of ``frame`` as a float array (NaN for missing), None when absent."""
        return _column(self.frame, name)


def clean_streams(
    streams: pd.DataFrame,
    *,
    max_gap_s: float = PAUSE_GAP_S,
    window_m: float = GRADE_WINDOW_M,
) -> CleanStreams:
    """Clean every signal of an activity once, for several analyses to share.

    Parameters
    ----------
    streams : DataFrame
        Canonical streams (``time`` [s] and any channels).
    max_gap_s : float, default 10 s
        Gap [s] treated as a pause.
    window_m : float, default 50 m
        Grade window [m] of :func:`clean_grade`.

    Returns
    -------
    CleanStreams
        The 1 Hz frame (resampled, and so sorted, only when the input is not
        already 1 Hz in time order)
        with speed, smoothed speed, grade, moving and walking masks and
        cumulative moving time, each computed with the defaults of its function.
    """
    if "time" not in streams:
        raise UsageError("streams need a 'time' column [s] (seconds since the activity start)")
    t_in = streams["time"].to_numpy(dtype=float, na_value=np.nan)
    resampled = not (np.isfinite(t_in).all() and _is_1hz(t_in, max_gap_s))
    frame = resample_1hz(streams, max_gap_s=max_gap_s) if resampled else streams
    t = _time(frame)
    v = speed_stream(frame, max_gap_s=max_gap_s)
    dist = _column(frame, "distance")
    dur = _durations(t, max_gap_s)
    if dist is None or not np.isfinite(dist).any():
        dist = np.cumsum(np.nan_to_num(v) * np.concatenate(([0.0], dur[:-1])))
    moving = moving_mask(frame, max_gap_s=max_gap_s)
    segs = _segments(t, max_gap_s)
    dt = _sample_interval(t, max_gap_s)
    v_median = _rolling(v, segs, _window(SMOOTH_MEDIAN_S, dt), "median")
    v_smooth = _rolling(v_median, segs, _window(SMOOTH_MEAN_S, dt), "mean")
    walking = walking_mask(frame, moving=moving, max_gap_s=max_gap_s, _median=v_median)
    moving_time = np.concatenate(([0.0], np.cumsum(np.where(moving, dur, 0.0))[:-1]))
    return CleanStreams(
        frame=frame,
        time_s=_frozen(t),
        distance_m=_frozen(np.asarray(dist, dtype=float)),
        speed_mps=_frozen(v),
        smooth_speed_mps=_frozen(v_smooth),
        grade=_frozen(clean_grade(frame, window_m=window_m, max_gap_s=max_gap_s)),
        moving=_frozen(moving),
        walking=_frozen(walking),
        moving_time_s=_frozen(moving_time),
        resampled=resampled,
    )
