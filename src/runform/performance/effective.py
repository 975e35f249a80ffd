"""Effective VDOT of a steady run from its heart rate and grade-adjusted speed.

Runalyze estimates an "effective VO2max" for every run from the ratio of heart
rate to speed, and averages the recent values into a current form figure
(RUNALYZE, "Berechnungen verstehen": effective VO2max per run, mean of recent
values, with an individual correction factor from the best race). runform does
the same with published relations:

* oxygen cost of the run's mean grade-adjusted speed, Daniels & Gilbert
  ``VO2(v) = -4.60 + 0.182258 v + 0.000104 v^2`` [ml/kg/min, v in m/min]
  (:func:`runform.performance.vdot.vo2_cost`), grade adjusted with
  Minetti et al. 2002 (:func:`runform.core.grade.grade_adjusted_speed`);
* the fraction of VO2max that heart rate implies, either

  - ``reserve`` (default, needs resting HR): %HRR = %VO2R, so
    ``VDOT = 3.5 + (VO2 - 3.5) / %HRR`` (Swain & Leutholtz 1997, Med Sci Sports
    Exerc 29:410, doi:10.1097/00005768-199703000-00018; ACSM's guidelines), or
  - ``hrmax``: %VO2max from %HRmax (Swain et al. 1994,
    :func:`runform.core.heartrate.vo2max_fraction_from_hr_fraction`),
    ``VDOT = VO2 / %VO2max``.

Only steady running counts: the first :data:`WARMUP_S` (heart rate still
rising) and everything after the following :data:`STEADY_WINDOW_S` (cardiac drift),
walking and stops are left out, and a run whose grade-adjusted speed
varies too much (intervals, fartlek) gives no estimate, because heart rate lags
speed changes by tens of seconds.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np
import pandas as pd

from runform.core.grade import grade_adjusted_speed, grade_from_altitude
from runform.core.heartrate import vo2max_fraction_from_hr_fraction
from runform.core.summary import PAUSE_GAP_S
from runform.performance.vdot import vo2_cost

HrMethod = Literal["reserve", "hrmax"]

WARMUP_S = 600.0
"""Seconds [s] left out at the start: heart rate takes several minutes to reach its
steady state (Astrand & Rodahl, Textbook of Work Physiology, 4th ed., ch. 6)."""

STEADY_WINDOW_S = 40 * 60.0
"""Length [s] of the window after the warm-up that is used. Cardiovascular drift raises
heart rate at constant pace by several bpm per hour (Coyle & Gonzalez-Alonso 2001, Exerc
Sport Sci Rev 29:88), so later samples would read as lower fitness; every run is judged
on the same early window instead."""

MIN_STEADY_S = 15 * 60.0
"""Least steady running [s] for an estimate."""

MAX_SPEED_CV = 0.12
"""Largest coefficient of variation of 60-s grade-adjusted speed for a run to count as
steady (intervals and fartlek runs are well above 0.2; steady runs on rolling ground
stay near 0.05)."""

RUNNING_SPEED_MPS = 1.8
"""Speed [m/s] below which a sample is walking or standing (6.5 km/h)."""


@dataclass(frozen=True)
class EffectiveVdot:
    """The effective VDOT of one run and the steady time [s] it rests on."""

    vdot: float
    steady_s: float
    speed_mps: float
    """Mean grade-adjusted speed of the steady part [m/s]."""
    heart_rate_bpm: float


def effective_vdot(
    streams: pd.DataFrame,
    hr_max: float,
    hr_rest: float,
    method: HrMethod = "reserve",
) -> EffectiveVdot | None:
    """Effective VDOT of a run from heart rate and grade-adjusted speed (None if not steady).

    Parameters
    ----------
    streams : DataFrame
        Canonical streams: ``time`` [s], ``speed`` [m/s], ``heart_rate`` [bpm], and
        ``distance`` [m] with ``altitude`` [m] for grade adjustment when present.
    hr_max, hr_rest : float
        Maximum and resting heart rate [bpm].
    method : {"reserve", "hrmax"}
        How heart rate maps to a fraction of VO2max (see the module notes).
    """
    need = {"time", "speed", "heart_rate"}
    if streams.empty or not need <= set(streams.columns) or hr_max <= hr_rest:
        return None
    t = streams["time"].to_numpy(dtype=float, na_value=np.nan)
    v = streams["speed"].to_numpy(dtype=float, na_value=np.nan)
    hr = streams["heart_rate"].to_numpy(dtype=float, na_value=np.nan)
    if {"distance", "altitude"} <= set(streams.columns) and streams["altitude"].notna().sum() > 60:
        grade = grade_from_altitude(
            streams["distance"].to_numpy(dtype=float, na_value=np.nan),
            streams["altitude"].to_numpy(dtype=float, na_value=np.nan),
        )
        gap = grade_adjusted_speed(v, np.nan_to_num(grade, nan=0.0))
    else:
        gap = v
    dt = np.clip(np.diff(t, append=t[-1] + 1.0), 0.0, PAUSE_GAP_S)
    ok = (
        (t >= WARMUP_S)
        & (t < WARMUP_S + STEADY_WINDOW_S)
        & np.isfinite(gap)
        & (v >= RUNNING_SPEED_MPS)
        & np.isfinite(hr)
        & (hr > hr_rest + 10)
    )
    if "gps_spike" in streams:
        ok &= ~streams["gps_spike"].fillna(False).to_numpy(dtype=bool)
    w = np.where(ok, dt, 0.0)
    steady = float(w.sum())
    if steady < MIN_STEADY_S:
        return None
    # Steadiness: spread of 60-s means of grade-adjusted speed over the counted samples.
    minute = np.floor(t[ok] / 60.0)
    per_min = pd.Series(gap[ok]).groupby(minute).mean()
    if per_min.size < 5 or per_min.std() / per_min.mean() > MAX_SPEED_CV:
        return None
    speed = float(np.sum(np.where(ok, gap, 0.0) * w) / steady)
    heart = float(np.sum(np.where(ok, hr, 0.0) * w) / steady)
    vo2 = float(vo2_cost(speed * 60.0))
    if method == "reserve":
        frac = (heart - hr_rest) / (hr_max - hr_rest)
        if not 0.2 < frac <= 1.0:
            return None
        vdot = 3.5 + (vo2 - 3.5) / frac
    else:
        frac = float(vo2max_fraction_from_hr_fraction(heart / hr_max))
        if not 0.2 < frac <= 1.0:
            return None
        vdot = vo2 / frac
    return EffectiveVdot(vdot=vdot, steady_s=steady, speed_mps=speed, heart_rate_bpm=heart)
