"""Training load: running TSS, fitness/fatigue/form, ACWR, monotony and weekly flags.

Pure functions over streams, daily load series and activity tables:

* :func:`normalized_graded_speed` and :func:`rtss`: running Training Stress
  Score from grade-adjusted speed, after Coggan's normalized power / TSS;
* :func:`daily_load`: one value per calendar day, rest days as zeros;
* :func:`ctl_atl_tsb`: chronic/acute training load and training stress balance
  (the TrainingPeaks / WKO Performance Manager);
* :func:`acwr_rolling` and :func:`acwr_ewma`: acute:chronic workload ratios;
* :func:`monotony_strain`: Foster's weekly monotony and strain;
* :func:`weekly_summary` and :func:`load_flags`: per-ISO-week volume and load,
  and plain-language flags a runner can act on.

Every ratio and threshold here *describes* training; none predicts injury.
The ACWR in particular has been criticised on statistical and conceptual
grounds (Lolli et al. 2019; Impellizzeri et al. 2020): runform shows it as a
prompt to look at the training, not as a risk score.

References
----------
.. [1] Allen, H., & Coggan, A. R. (2010). Training and Racing with a Power Meter
   (2nd ed.). VeloPress. (Normalized power, IF, TSS, CTL/ATL/TSB.)
.. [2] WKO4 help, Performance Manager Chart: TSB = ``shift(tl(tss,42) - tl(tss,7), 1)``.
   https://www.wko4help.com/pmc
.. [3] Clarke, D. C., & Skiba, P. F. (2013). Rationale and resources for teaching
   the mathematical modeling of athletic training and performance. Advances in
   Physiology Education, 37(2), 134-152. https://doi.org/10.1152/advan.00078.2011
.. [4] Gabbett, T. J. (2016). The training-injury prevention paradox: should
   athletes be training smarter and harder? British Journal of Sports Medicine,
   50(5), 273-280. https://doi.org/10.1136/bjsports-2015-095788
.. [5] Williams, S., West, S., Cross, M. J., & Stokes, K. A. (2017). Better way to
   determine the acute:chronic workload ratio? British Journal of Sports
   Medicine, 51(3), 209-210. https://doi.org/10.1136/bjsports-2016-096589
.. [6] Lolli, L. et al. (2019). Mathematical coupling causes spurious correlation
   within the conventional acute-to-chronic workload ratio calculations. British
   Journal of Sports Medicine, 53(15), 921-922. https://doi.org/10.1136/bjsports-2017-098110
.. [7] Windt, J., & Gabbett, T. J. (2019). Is it all for naught? What does
   mathematical coupling mean for acute:chronic workload ratios? British Journal
   of Sports Medicine, 53(16), 988-990. https://doi.org/10.1136/bjsports-2017-098925
.. [8] Impellizzeri, F. M. et al. (2020). Acute:chronic workload ratio:
   conceptual issues and fundamental pitfalls. International Journal of Sports
   Physiology and Performance, 15(6), 907-913. https://doi.org/10.1123/ijspp.2019-0864
.. [9] Foster, C. (1998). Monitoring training in athletes with reference to
   overtraining syndrome. Medicine & Science in Sports & Exercise, 30(7),
   1164-1168. https://doi.org/10.1097/00005768-199807000-00023
.. [10] Nielsen, R. O. et al. (2014). Excessive progression in weekly running
   distance and risk of running-related injuries. Journal of Orthopaedic &
   Sports Physical Therapy, 44(10), 739-747. https://doi.org/10.2519/jospt.2014.5164
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Sequence
from typing import Any, Literal, TypedDict

import numpy as np
import numpy.typing as npt
import pandas as pd

from runform.core.grade import GradeModel, grade_adjusted_speed, grade_from_altitude
from runform.core.summary import PAUSE_GAP_S
from runform.errors import UsageError

FloatArray = npt.NDArray[np.float64]

NGP_WINDOW_S = 30.0
"""Rolling-average window [s] of normalized graded speed: Coggan's 30 s for normalized
power (Allen & Coggan 2010), roughly the time constant of the physiological responses to a change of pace."""

ACWR_FLAG = 1.5
"""ACWR above which :func:`load_flags` speaks up: the lower edge of Gabbett's (2016)
"danger zone" (descriptive; see Impellizzeri et al. 2020)."""

VOLUME_JUMP_FLAG = 0.10
"""Week-on-week distance increase [fraction] flagged: the common "10 % rule" of running
coaching. The evidence is weak (Nielsen et al. 2014 found injuries associated with
increases above 30 %); runform uses 10 % as a cautious prompt, not a limit."""

CUTBACK_DROP = 0.15
"""A week whose distance is at least this fraction [fraction] below the mean of the
previous (up to) 3 weeks is a cutback (recovery) week (runform's definition)."""

MONOTONY_FLAG = 2.0
"""Foster (1998) monotony above which training is flagged as too uniform: the value
above which Foster's athletes' illnesses clustered."""

LONG_RUN_SHARE_FLAG = 0.30
"""Largest share [fraction] of the week's distance for the longest run: the upper end of
Daniels' 25-30 % guideline (Daniels' Running Formula, 3rd ed.; shared/reference/vectors.md)."""

LoadForm = Literal["coggan", "exponential"]


class LoadFlag(TypedDict):
    """One plain-language training-load flag.

    ``week`` is the ISO week label (``2026-W10``) the flag belongs to; ``date`` is
    the day for daily measures (ACWR) and None for weekly ones. ``value`` and
    ``threshold`` are in the flag's own unit (ratio or fraction).
    """

    week: str
    date: dt.date | None
    code: str
    message: str
    value: float
    threshold: float


# --------------------------------------------------------------------------- rTSS


def normalized_graded_speed(
    time: FloatArray | pd.Series,
    graded_speed: FloatArray | pd.Series,
    window_s: float = NGP_WINDOW_S,
    max_gap_s: float = PAUSE_GAP_S,
) -> float:
    r"""Normalized graded speed (NGP as a speed) of a stream, after Coggan's normalized power.

    Parameters
    ----------
    time : ndarray or Series
        Sample times [s], increasing (gaps are allowed).
    graded_speed : ndarray or Series
        Grade-adjusted speed [m/s] at each sample (:func:`~runform.core.grade.grade_adjusted_speed`).
        NaN samples (GPS dropouts) hold the last valid value.
    window_s : float, default 30
        Rolling-average window [s] (:data:`NGP_WINDOW_S`).
    max_gap_s : float, default 10
        Longest interval [s] one sample stands for; longer gaps are pauses and
        are left out (:data:`runform.core.summary.PAUSE_GAP_S`).

    Returns
    -------
    float
        Normalized graded speed [m/s]; NaN for an empty stream.

    Notes
    -----
    1. Each sample stands for the time to the next sample, capped at
       ``max_gap_s``; pauses are cut out, giving a moving-time axis.
    2. That axis is sampled every second (sample-and-hold), as normalized power
       is defined on 1-s data.
    3. A trailing ``window_s`` rolling mean :math:`\bar v_k` is taken; only full
       windows are used (a stream shorter than the window is one window).
    4. :math:`\mathrm{NGS} = \left(\overline{\bar v_k^4}\right)^{1/4}`.

    Stops with the timer running count as speed 0, like freewheeling in
    normalized power. This mirrors Coggan's normalized power [1]_; TrainingPeaks'
    own NGP algorithm is not published, so values can differ from theirs.

    References
    ----------
    .. [1] Allen, H., & Coggan, A. R. (2010). Training and Racing with a Power Meter
       (2nd ed.). VeloPress.
    """
    t = np.asarray(time, dtype=float)
    v = np.asarray(graded_speed, dtype=float)
    if t.shape != v.shape:
        raise UsageError(f"time and speed must be the same length, got {t.shape} and {v.shape}")
    ok = np.isfinite(t)
    t, v = t[ok], v[ok]
    if t.size == 0:
        return math.nan
    v = pd.Series(v).ffill().fillna(0.0).to_numpy()
    dt_s = np.clip(np.diff(t, append=t[-1] + 1.0), 0.0, max_gap_s)
    starts = np.concatenate(([0.0], np.cumsum(dt_s)[:-1]))
    n = max(1, round(float(dt_s.sum())))
    idx = np.searchsorted(starts, np.arange(n) + 0.5, side="right") - 1
    per_second = v[np.clip(idx, 0, v.size - 1)]
    w = max(1, round(window_s))
    if n >= w:
        c = np.concatenate(([0.0], np.cumsum(per_second)))
        rolling = (c[w:] - c[:-w]) / w
    else:
        rolling = np.array([per_second.mean()])
    return float(np.mean(rolling**4) ** 0.25)


def rtss(
    streams: pd.DataFrame,
    threshold_speed_mps: float,
    model: GradeModel = "minetti",
    max_gap_s: float = PAUSE_GAP_S,
) -> float:
    r"""Running Training Stress Score (rTSS) of one activity from grade-adjusted speed.

    Parameters
    ----------
    streams : DataFrame
        Canonical streams (:data:`runform.schema.STREAMS`): ``time`` [s] and
        ``speed`` [m/s] (or ``distance`` [m], differentiated when ``speed`` is
        missing); for the grade, ``distance`` + ``altitude`` [m] or ``grade``
        [fraction].
    threshold_speed_mps : float
        Functional threshold speed [m/s], the speed the runner can hold for
        about an hour (e.g. from a recent race, or Daniels' T pace).
    model : {"minetti", "strava"}, default "minetti"
        Grade adjustment (:func:`~runform.core.grade.grade_adjusted_speed`).
    max_gap_s : float, default 10
        Longest interval [s] a sample stands for; longer gaps are pauses.

    Returns
    -------
    float
        rTSS [points]; an hour at threshold on the flat is 100. NaN for an
        activity without usable time.

    Notes
    -----
    With :math:`T` the moving duration [s] (sum of sample intervals capped at
    ``max_gap_s``) and NGS the :func:`normalized_graded_speed`:

    .. math::

        \mathrm{IF} = \frac{\mathrm{NGS}}{v_\mathrm{threshold}}, \qquad
        \mathrm{rTSS} = \frac{T \, \mathrm{IF}^2}{3600} \times 100
        = \frac{100}{3600} \sum_k \Delta t_k \, \mathrm{IF}^2

    which is Coggan's TSS [1]_ with grade-adjusted speed in place of power.
    The grade comes from :func:`~runform.core.grade.grade_from_altitude` when
    the streams have distance and altitude, else from the recorded ``grade``
    column, else the run is taken as flat.

    References
    ----------
    .. [1] Allen, H., & Coggan, A. R. (2010). Training and Racing with a Power Meter
       (2nd ed.). VeloPress.
    """
    if not (np.isfinite(threshold_speed_mps) and threshold_speed_mps > 0):
        raise UsageError(
            f"threshold speed must be a positive speed in m/s, got {threshold_speed_mps!r}"
        )
    if "time" not in streams:
        raise UsageError("rTSS needs a 'time' stream [s]")
    t = streams["time"].to_numpy(dtype=float)
    speed = _speed(streams, t)
    grade = _grade(streams)
    gas = grade_adjusted_speed(speed, grade, model)
    ok = np.isfinite(t)
    if not ok.any():
        return math.nan
    moving_s = float(np.clip(np.diff(t[ok], append=t[ok][-1] + 1.0), 0.0, max_gap_s).sum())
    ngs = normalized_graded_speed(t, gas, max_gap_s=max_gap_s)
    intensity = ngs / threshold_speed_mps
    return moving_s * intensity**2 / 3600.0 * 100.0


def _speed(streams: pd.DataFrame, t: FloatArray) -> FloatArray:
    if "speed" in streams and streams["speed"].notna().any():
        return streams["speed"].to_numpy(dtype=float)
    if "distance" in streams and streams["distance"].notna().sum() >= 2:
        d = streams["distance"].to_numpy(dtype=float)
        with np.errstate(invalid="ignore", divide="ignore"):
            return np.asarray(np.gradient(d, t), dtype=float)
    raise UsageError("rTSS needs a 'speed' [m/s] or 'distance' [m] stream")


def _grade(streams: pd.DataFrame) -> FloatArray:
    n = len(streams)
    if {"distance", "altitude"} <= set(streams.columns):
        both = streams["distance"].notna() & streams["altitude"].notna()
        if both.sum() >= 2:
            g = grade_from_altitude(
                streams["distance"].to_numpy(dtype=float), streams["altitude"].to_numpy(dtype=float)
            )
            grade: FloatArray = np.nan_to_num(np.asarray(g, dtype=float), nan=0.0)
            return grade
    if "grade" in streams and streams["grade"].notna().any():
        return streams["grade"].fillna(0.0).to_numpy(dtype=float)
    return np.zeros(n)


# --------------------------------------------------------------------------- daily series


def daily_load(
    dates: Sequence[Any] | pd.Series | pd.DatetimeIndex,
    loads: Sequence[float] | FloatArray | pd.Series,
    start: Any = None,
    end: Any = None,
) -> pd.Series:
    """Sum loads per calendar day, every day from ``start`` to ``end`` present.

    Parameters
    ----------
    dates : sequence, Series or DatetimeIndex
        When each load happened (datetimes, dates or strings). Timezone-aware
        values count on their own wall-clock day: convert to the runner's local
        zone first (``tz_convert``) so a 23:30 run is not booked on the next day.
    loads : sequence, ndarray or Series
        Load of each entry [a.u.: rTSS, TRIMP, km ...], same length; NaN loads are skipped.
    start, end : date-like, optional
        First and last day of the result (default: first and last date given).
        Loads outside are dropped.

    Returns
    -------
    Series
        Load per day [a.u.], float, named ``load``, indexed by a daily
        DatetimeIndex named ``date`` (midnight, no timezone) with zeros on rest days.
    """
    stamps = pd.DatetimeIndex(pd.to_datetime(dates))
    values = np.asarray(loads, dtype=float)
    if values.shape != (len(stamps),):
        raise UsageError(
            f"dates and loads must be the same length, got {len(stamps)} and {values.shape}"
        )
    days = _wall_days(stamps)
    first = _day(start) if start is not None else (days.min() if len(days) else None)
    last = _day(end) if end is not None else (days.max() if len(days) else None)
    if first is None or last is None:
        return pd.Series(
            [], index=pd.DatetimeIndex([], name="date", freq="D"), dtype=float, name="load"
        )
    if last < first:
        raise UsageError(f"end {last.date()} is before start {first.date()}")
    index = pd.date_range(first, last, freq="D", name="date")
    ok = np.isfinite(values)
    summed = pd.Series(values[ok], index=days[ok]).groupby(level=0).sum()
    return summed.reindex(index, fill_value=0.0).astype(float).rename("load")


def _wall_days(stamps: pd.DatetimeIndex) -> pd.DatetimeIndex:
    if stamps.tz is not None:
        stamps = stamps.tz_localize(None)
    return stamps.normalize()


def _day(value: Any) -> pd.Timestamp:
    ts = pd.Timestamp(value)
    if ts.tzinfo is not None:
        ts = ts.tz_localize(None)
    return ts.normalize()


def _check_daily(daily: pd.Series) -> FloatArray:
    """Validate a daily load series (consecutive days, finite) and return its values."""
    if not isinstance(daily, pd.Series) or not isinstance(daily.index, pd.DatetimeIndex):
        raise UsageError("daily load must be a Series indexed by day; build it with daily_load()")
    if len(daily) > 1:
        steps = np.diff(daily.index.to_numpy()).astype("timedelta64[s]").astype(np.int64)
        if not (steps == 86400).all():
            raise UsageError(
                "daily load must have one row per consecutive day (rest days as 0); "
                "build it with daily_load()"
            )
    values = daily.to_numpy(dtype=float)
    if not np.isfinite(values).all():
        raise UsageError("daily load has missing values; use 0 for rest days")
    return values


# --------------------------------------------------------------------------- CTL / ATL / TSB


def ctl_atl_tsb(
    daily: pd.Series,
    ctl_days: float = 42.0,
    atl_days: float = 7.0,
    form: LoadForm = "coggan",
    ctl0: float = 0.0,
    atl0: float = 0.0,
) -> pd.DataFrame:
    r"""Chronic training load (fitness), acute training load (fatigue) and balance (form).

    Parameters
    ----------
    daily : Series
        Load per consecutive day [a.u.] (:func:`daily_load`).
    ctl_days, atl_days : float, default 42 and 7
        Time constants [day] of CTL and ATL (TrainingPeaks' defaults [1]_).
    form : {"coggan", "exponential"}, default "coggan"
        Update weight :math:`k = 1/N` (Coggan's Performance Manager) or
        :math:`k = 1 - e^{-1/N}` (the exact discrete impulse-response decay [3]_).
    ctl0, atl0 : float, default 0
        CTL and ATL [a.u./day] on the day before the first day.

    Returns
    -------
    DataFrame
        Columns ``ctl``, ``atl``, ``tsb`` [a.u./day], indexed like ``daily``.

    Notes
    -----
    .. math::

        \mathrm{CTL}_d = \mathrm{CTL}_{d-1} + k_\mathrm{CTL}(L_d - \mathrm{CTL}_{d-1}),
        \qquad
        \mathrm{ATL}_d = \mathrm{ATL}_{d-1} + k_\mathrm{ATL}(L_d - \mathrm{ATL}_{d-1}),

    .. math::

        \mathrm{TSB}_d = \mathrm{CTL}_{d-1} - \mathrm{ATL}_{d-1}

    **TSB convention**: form on day *d* is yesterday's fitness minus yesterday's
    fatigue, i.e. how fresh the runner is *before* day *d*'s training, as
    TrainingPeaks/WKO show it (WKO: ``shift(tl(tss,42) - tl(tss,7), 1)`` [2]_).
    The first day's TSB is ``ctl0 - atl0``.

    With 100 a day from 0 (Coggan form): day 1 CTL 2.3810, ATL 14.2857; day 7
    15.522 / 66.008; day 42 63.654 / 99.846.

    References
    ----------
    .. [1] Allen, H., & Coggan, A. R. (2010). Training and Racing with a Power Meter
       (2nd ed.). VeloPress.
    .. [2] WKO4 help, Performance Manager Chart. https://www.wko4help.com/pmc
    .. [3] Clarke, D. C., & Skiba, P. F. (2013). Adv Physiol Educ 37(2), 134-152.
       https://doi.org/10.1152/advan.00078.2011
    """
    values = _check_daily(daily)
    k_ctl = _update_weight(ctl_days, form)
    k_atl = _update_weight(atl_days, form)
    ctl = np.empty_like(values)
    atl = np.empty_like(values)
    tsb = np.empty_like(values)
    c, a = float(ctl0), float(atl0)
    for d, load in enumerate(values.tolist()):
        tsb[d] = c - a
        c += k_ctl * (load - c)
        a += k_atl * (load - a)
        ctl[d], atl[d] = c, a
    return pd.DataFrame({"ctl": ctl, "atl": atl, "tsb": tsb}, index=daily.index)


def _update_weight(days: float, form: str) -> float:
    if not days > 0:
        raise UsageError(f"time constant must be a positive number of days, got {days!r}")
    if form == "coggan":
        return 1.0 / days
    if form == "exponential":
        return 1.0 - math.exp(-1.0 / days)
    raise UsageError(f"unknown load form {form!r}: use 'coggan' or 'exponential'")


# --------------------------------------------------------------------------- ACWR


def acwr_rolling(
    daily: pd.Series, acute: int = 7, chronic: int = 28, coupled: bool = True
) -> pd.Series:
    r"""Acute:chronic workload ratio from rolling averages (Gabbett 2016).

    Descriptive only: the ratio summarises how the last week compares with the
    last month; it is not a validated injury predictor (Impellizzeri et al. 2020 [8]_).

    Parameters
    ----------
    daily : Series
        Load per consecutive day [a.u.] (:func:`daily_load`).
    acute, chronic : int, default 7 and 28
        Window lengths [day].
    coupled : bool, default True
        True: the chronic window is the last ``chronic`` days, *including* the
        acute days (Gabbett 2016 [4]_). False: the ``chronic - acute`` days before
        the acute window, so the acute load is not part of its own baseline
        (Lolli et al. 2019 [6]_; Windt & Gabbett 2019 [7]_).

    Returns
    -------
    Series
        ACWR [-] per day, named ``acwr``; NaN for the first ``chronic - 1`` days
        and where the chronic load is 0.

    Notes
    -----
    .. math::

        \mathrm{ACWR}_d = \frac{\overline{L}_{[d-a+1,\,d]}}{\overline{L}_{[d-c+1,\,d]}}
        \ \text{(coupled)}, \qquad
        \frac{\overline{L}_{[d-a+1,\,d]}}{\overline{L}_{[d-c+1,\,d-a]}}
        \ \text{(uncoupled)}

    21 days at 50 then 7 at 75: coupled 1.3333, uncoupled 1.5000 on day 28.

    References
    ----------
    .. [4] Gabbett, T. J. (2016). Br J Sports Med 50(5), 273-280.
       https://doi.org/10.1136/bjsports-2015-095788
    .. [6] Lolli, L. et al. (2019). Br J Sports Med 53(15), 921-922.
       https://doi.org/10.1136/bjsports-2017-098110
    .. [7] Windt, J., & Gabbett, T. J. (2019). Br J Sports Med 53(16), 988-990.
       https://doi.org/10.1136/bjsports-2017-098925
    .. [8] Impellizzeri, F. M. et al. (2020). Int J Sports Physiol Perform 15(6),
       907-913. https://doi.org/10.1123/ijspp.2019-0864
    """
    _check_windows(acute, chronic)
    values = pd.Series(_check_daily(daily), index=daily.index)
    acute_mean = values.rolling(acute, min_periods=acute).mean()
    if coupled:
        chronic_mean = values.rolling(chronic, min_periods=chronic).mean()
    else:
        span = chronic - acute
        chronic_mean = values.shift(acute).rolling(span, min_periods=span).mean()
    ratio = acute_mean / chronic_mean.where(chronic_mean > 0)
    return ratio.rename("acwr")


def acwr_ewma(daily: pd.Series, acute: int = 7, chronic: int = 28) -> pd.Series:
    r"""Acute:chronic workload ratio from exponentially weighted averages (Williams et al. 2017).

    Descriptive only, like :func:`acwr_rolling` (Impellizzeri et al. 2020 [8]_).

    Parameters
    ----------
    daily : Series
        Load per consecutive day [a.u.] (:func:`daily_load`).
    acute, chronic : int, default 7 and 28
        Decay constants N [day].

    Returns
    -------
    Series
        ACWR [-] per day, named ``acwr``; NaN for the first ``chronic - 1`` days
        (too little history, as for the rolling ratio) and where the chronic
        average is 0.

    Notes
    -----
    Williams et al. [5]_:

    .. math::

        \mathrm{EWMA}_d = \lambda L_d + (1 - \lambda)\,\mathrm{EWMA}_{d-1},
        \qquad \lambda = \frac{2}{N + 1}

    seeded with the first day's load (:math:`\mathrm{EWMA}_1 = L_1`), and
    ACWR = acute EWMA / chronic EWMA. 21 days at 50 then 7 at 75 gives 1.1976
    on day 28 (shared/reference/vectors.md), against 1.3333 for the coupled
    rolling ratio of Gabbett (2016) [4]_.

    References
    ----------
    .. [4] Gabbett, T. J. (2016). Br J Sports Med 50(5), 273-280.
       https://doi.org/10.1136/bjsports-2015-095788
    .. [5] Williams, S. et al. (2017). Br J Sports Med 51(3), 209-210.
       https://doi.org/10.1136/bjsports-2016-096589
    .. [8] Impellizzeri, F. M. et al. (2020). https://doi.org/10.1123/ijspp.2019-0864
    """
    _check_windows(acute, chronic)
    values = _check_daily(daily)
    acute_avg = _ewma(values, 2.0 / (acute + 1.0))
    chronic_avg = _ewma(values, 2.0 / (chronic + 1.0))
    with np.errstate(invalid="ignore", divide="ignore"):
        ratio = np.where(chronic_avg > 0, acute_avg / chronic_avg, np.nan)
    ratio[: chronic - 1] = np.nan
    return pd.Series(ratio, index=daily.index, name="acwr")


def _ewma(values: FloatArray, lam: float) -> FloatArray:
    out = np.empty_like(values)
    if values.size == 0:
        return out
    e = float(values[0])
    for d, load in enumerate(values.tolist()):
        e = e if d == 0 else lam * load + (1.0 - lam) * e
        out[d] = e
    return out


def _check_windows(acute: int, chronic: int) -> None:
    if not (isinstance(acute, int) and isinstance(chronic, int) and 0 < acute < chronic):
        raise UsageError(
            f"need whole days with 0 < acute < chronic, got acute={acute!r}, chronic={chronic!r}"
        )


# --------------------------------------------------------------------------- monotony


def monotony_strain(daily: pd.Series) -> pd.DataFrame:
    r"""Foster's (1998) training monotony and strain per ISO week (Monday to Sunday).

    Parameters
    ----------
    daily : Series
        Load per consecutive day [a.u.] (:func:`daily_load`).

    Returns
    -------
    DataFrame
        Indexed by the week's Monday (``week_start``), columns:
        ``load`` (weekly sum [a.u.]), ``mean`` and ``sd`` (of the daily loads
        [a.u./day]), ``monotony`` [-], ``strain`` [a.u.], ``n_days``.

    Notes
    -----
    Foster [9]_:

    .. math::

        \mathrm{monotony} = \frac{\overline{L}}{s_L}, \qquad
        \mathrm{strain} = \sum_{7\,\mathrm{days}} L \times \mathrm{monotony}

    over the 7 daily loads of the week, rest days included as 0, with the
    sample standard deviation :math:`s_L` (ddof = 1; the population SD would
    scale monotony by :math:`\sqrt{7/6}`). Weeks the series covers only partly
    get NaN monotony and strain. When every day has the same load the SD is 0:
    monotony and strain are ``inf`` (as uniform as training can be) if the load
    is positive; a week of complete rest has NaN monotony and strain 0.

    References
    ----------
    .. [9] Foster, C. (1998). Med Sci Sports Exerc 30(7), 1164-1168.
       https://doi.org/10.1097/00005768-199807000-00023
    """
    values = _check_daily(daily)
    days = pd.DatetimeIndex(daily.index).normalize()
    week_start = days - pd.to_timedelta(days.day_of_week, unit="D")
    frame = pd.DataFrame({"load": values, "week_start": week_start})
    grouped = frame.groupby("week_start")["load"]
    out = pd.DataFrame(
        {
            "load": grouped.sum(),
            "mean": grouped.mean(),
            "sd": grouped.std(ddof=1),
            "n_days": grouped.size(),
        }
    )
    full = out["n_days"] == 7
    sd = out["sd"].to_numpy(dtype=float)
    mean = out["mean"].to_numpy(dtype=float)
    with np.errstate(invalid="ignore", divide="ignore"):
        monotony = np.where(
            sd > 0, mean / np.where(sd > 0, sd, 1.0), np.where(mean > 0, np.inf, np.nan)
        )
    strain = np.where(mean > 0, out["load"].to_numpy(dtype=float) * monotony, 0.0)
    out["monotony"] = np.where(full, monotony, np.nan)
    out["strain"] = np.where(full, strain, np.nan)
    out.index.name = "week_start"
    return out[["load", "mean", "sd", "monotony", "strain", "n_days"]]


# --------------------------------------------------------------------------- weekly summary


def weekly_summary(activities: pd.DataFrame, tz: str = "UTC") -> pd.DataFrame:
    """Per-ISO-week volume, long-run share, load and monotony of a runner's activities.

    Parameters
    ----------
    activities : DataFrame
        One row per run with ``start_time`` (timezone-aware UTC; naive values are
        taken as UTC), ``distance_m`` [m], ``moving_time_s`` [s], and optionally
        ``load`` [a.u., any one measure: rTSS, TRIMP ...] and ``is_cutback``
        (bool: the plan marks the run's week as a recovery week).
    tz : str, default "UTC"
        The runner's time zone: runs are booked on their local day and week.

    Returns
    -------
    DataFrame
        Indexed by the week's Monday (``week_start``), every week from the first
        run to the last (weeks without runs as zeros), columns:

        * ``iso_week`` -- label such as ``2026-W10``;
        * ``volume_km`` [km], ``moving_time_s`` [s], ``n_runs``;
        * ``longest_run_km`` [km] and ``long_run_share`` [fraction] of the week's
          distance (NaN in a week without distance);
        * ``load`` [a.u.] -- sum of the runs' loads (NaN without a ``load`` column);
        * ``monotony`` [-] -- Foster's monotony of the week's daily load
          (:func:`monotony_strain`);
        * ``is_cutback`` -- planned (any run marked) or detected: distance at least
          :data:`CUTBACK_DROP` (15 %) below the mean of the previous up-to-3 weeks.
    """
    required = {"start_time", "distance_m", "moving_time_s"}
    missing = required - set(activities.columns)
    if missing:
        raise UsageError(f"activities table lacks column(s) {sorted(missing)}")
    columns = [
        "iso_week", "volume_km", "moving_time_s", "n_runs", "longest_run_km",
        "long_run_share", "load", "monotony", "is_cutback",
    ]  # fmt: skip
    if activities.empty:
        empty = pd.DataFrame({c: pd.Series(dtype=float) for c in columns})
        empty.index = pd.DatetimeIndex([], name="week_start")
        return empty
    stamps = pd.DatetimeIndex(pd.to_datetime(activities["start_time"], utc=True)).tz_convert(tz)
    days = stamps.tz_localize(None).normalize()
    week = days - pd.to_timedelta(days.day_of_week, unit="D")
    km = activities["distance_m"].to_numpy(dtype=float) / 1000.0
    has_load = "load" in activities
    load = (
        activities["load"].to_numpy(dtype=float) if has_load else np.full(len(activities), np.nan)
    )
    planned = (
        activities["is_cutback"].fillna(False).to_numpy(dtype=bool)
        if "is_cutback" in activities
        else np.zeros(len(activities), dtype=bool)
    )
    runs = pd.DataFrame(
        {
            "week_start": week,
            "km": km,
            "moving_time_s": activities["moving_time_s"].to_numpy(dtype=float),
            "load": load,
            "planned": planned,
        }
    )
    weeks = pd.date_range(week.min(), week.max(), freq="7D", name="week_start")
    g = runs.groupby("week_start")
    out = pd.DataFrame(index=weeks)
    out["volume_km"] = g["km"].sum(min_count=1).reindex(weeks).fillna(0.0)
    out["moving_time_s"] = g["moving_time_s"].sum().reindex(weeks).fillna(0.0)
    out["n_runs"] = g.size().reindex(weeks).fillna(0).astype(int)
    out["longest_run_km"] = g["km"].max().reindex(weeks).fillna(0.0)
    with np.errstate(invalid="ignore", divide="ignore"):
        out["long_run_share"] = (out["longest_run_km"] / out["volume_km"]).where(
            out["volume_km"] > 0
        )
    if has_load:
        out["load"] = g["load"].sum().reindex(weeks).fillna(0.0)
        daily = daily_load(
            days, np.nan_to_num(load, nan=0.0), weeks[0], weeks[-1] + pd.Timedelta(days=6)
        )
        out["monotony"] = monotony_strain(daily)["monotony"].reindex(weeks)
    else:
        out["load"] = np.nan
        out["monotony"] = np.nan
    detected = _detect_cutbacks(out["volume_km"].to_numpy(dtype=float))
    planned_weeks = g["planned"].any().reindex(weeks).fillna(False).to_numpy(dtype=bool)
    out["is_cutback"] = detected | planned_weeks
    iso = weeks.isocalendar()
    out.insert(
        0, "iso_week", [f"{y}-W{w:02d}" for y, w in zip(iso["year"], iso["week"], strict=True)]
    )
    return out[columns]


def _detect_cutbacks(volume: FloatArray) -> npt.NDArray[np.bool_]:
    """A week is a cutback when its volume is >= CUTBACK_DROP below the mean of the
    previous (up to) 3 weeks; the first week never is."""
    out = np.zeros(volume.size, dtype=bool)
    for w in range(1, volume.size):
        base = float(np.mean(volume[max(0, w - 3) : w]))
        out[w] = base > 0 and volume[w] <= (1.0 - CUTBACK_DROP) * base
    return out


# --------------------------------------------------------------------------- flags


def load_flags(weekly: pd.DataFrame, daily: pd.Series) -> list[LoadFlag]:
    """Plain-language flags on a training history, for runners, not for diagnosis.

    Parameters
    ----------
    weekly : DataFrame
        :func:`weekly_summary` output.
    daily : Series
        Load per consecutive day [a.u.] (:func:`daily_load`) for the ACWR; may be empty.

    Returns
    -------
    list of LoadFlag
        Sorted by week, each ``{week, date, code, message, value, threshold}``:

        * ``acwr_high`` -- uncoupled 7:28-day rolling ACWR above :data:`ACWR_FLAG`
          (1.5). Consecutive days above form one episode, reported once on its
          first day (``date``) with the episode's highest ratio. Uncoupled, so a
          spike is compared with the weeks *before* it (Windt & Gabbett 2019 [7]_);
          with the coupled ratio a +60 % week over three steady weeks reads only
          1.6 / 1.15 = 1.39.
        * ``volume_jump`` -- distance up more than :data:`VOLUME_JUMP_FLAG` (10 %)
          on the last non-cutback week before it. Cutback weeks are never flagged
          and never serve as the baseline, so returning to normal after a
          recovery week does not count as a jump.
        * ``monotony_high`` -- Foster monotony above :data:`MONOTONY_FLAG` (2).
        * ``long_run_share_high`` -- longest run above :data:`LONG_RUN_SHARE_FLAG`
          (30 %) of a week's distance, in weeks with at least two runs.

    References
    ----------
    .. [7] Windt, J., & Gabbett, T. J. (2019). Br J Sports Med 53(16), 988-990.
       https://doi.org/10.1136/bjsports-2017-098925
    """
    flags: list[LoadFlag] = []
    flags += _volume_flags(weekly)
    flags += _weekly_threshold_flags(weekly)
    if len(daily):
        flags += _acwr_flags(daily)
    order = {"acwr_high": 0, "volume_jump": 1, "monotony_high": 2, "long_run_share_high": 3}
    flags.sort(key=lambda f: (f["week"], order.get(f["code"], 9)))
    return flags


def _volume_flags(weekly: pd.DataFrame) -> list[LoadFlag]:
    flags: list[LoadFlag] = []
    baseline: float | None = None
    for label, vol, cut in zip(
        weekly["iso_week"],
        weekly["volume_km"].astype(float),
        weekly["is_cutback"].astype(bool),
        strict=True,
    ):
        if cut:
            continue
        if baseline is not None and baseline > 0:
            rise = vol / baseline - 1.0
            if rise > VOLUME_JUMP_FLAG:
                flags.append(
                    LoadFlag(
                        week=str(label),
                        date=None,
                        code="volume_jump",
                        message=(
                            f"Weekly distance went up {100 * rise:.0f} % ({baseline:.1f} km to "
                            f"{vol:.1f} km), more than the usual {100 * VOLUME_JUMP_FLAG:.0f} % "
                            "guideline. Big jumps in distance are a common reason for running "
                            "injuries; consider building more gradually."
                        ),
                        value=float(rise),
                        threshold=VOLUME_JUMP_FLAG,
                    )
                )
        baseline = float(vol)
    return flags


def _weekly_threshold_flags(weekly: pd.DataFrame) -> list[LoadFlag]:
    flags: list[LoadFlag] = []
    for _, row in weekly.iterrows():
        label = str(row["iso_week"])
        monotony = float(row["monotony"])
        if monotony > MONOTONY_FLAG:
            detail = (
                "every day of this week carried the same load"
                if math.isinf(monotony)
                else f"monotony was {monotony:.1f} (above {MONOTONY_FLAG:.0f})"
            )
            flags.append(
                LoadFlag(
                    week=label,
                    date=None,
                    code="monotony_high",
                    message=(
                        f"Training was very uniform: {detail}. Alternating hard days with easy "
                        "or rest days gives the body time to absorb the work."
                    ),
                    value=monotony,
                    threshold=MONOTONY_FLAG,
                )
            )
        share = float(row["long_run_share"])
        if int(row["n_runs"]) >= 2 and share > LONG_RUN_SHARE_FLAG:
            flags.append(
                LoadFlag(
                    week=label,
                    date=None,
                    code="long_run_share_high",
                    message=(
                        f"The long run ({float(row['longest_run_km']):.1f} km) was "
                        f"{100 * share:.0f} % of this week's {float(row['volume_km']):.1f} km, "
                        f"more than the {100 * LONG_RUN_SHARE_FLAG:.0f} % guideline; spreading "
                        "the distance over the other runs makes the long run less of a jump."
                    ),
                    value=share,
                    threshold=LONG_RUN_SHARE_FLAG,
                )
            )
    return flags


def _acwr_flags(daily: pd.Series) -> list[LoadFlag]:
    ratio = acwr_rolling(daily, coupled=False)
    above = (ratio > ACWR_FLAG).to_numpy()
    flags: list[LoadFlag] = []
    d = 0
    values = ratio.to_numpy(dtype=float)
    while d < above.size:
        if not above[d]:
            d += 1
            continue
        end = d
        while end + 1 < above.size and above[end + 1]:
            end += 1
        peak = float(np.max(values[d : end + 1]))
        day = ratio.index[d]
        year, week, _ = day.isocalendar()
        flags.append(
            LoadFlag(
                week=f"{year}-W{week:02d}",
                date=day.date(),
                code="acwr_high",
                message=(
                    f"From {day.date().isoformat()}, your last 7 days of training load reached "
                    f"{peak:.2f} times your weekly average of the 3 weeks before (above "
                    f"{ACWR_FLAG}). A sudden rise like this is worth a look: consider a few easier "
                    "days. This describes your training; it does not predict injury."
                ),
                value=peak,
                threshold=ACWR_FLAG,
            )
        )
        d = end + 1
    return flags
