"""A deterministic synthetic marathoner: a training block written as real FIT files.

:func:`generate_block` plans a marathon block (default 16 weeks ending with the
race on Sunday 2026-10-18), simulates every run at 1 Hz with known, planted
effects and writes each run as a FIT activity file through
:mod:`runform.io.fit_write`, with a ``<stem>.truth.json`` beside it and one
``block.truth.json`` for the block. Everything is seeded: the same arguments give
byte-identical files.

The planted effects (all recorded in the truth files):

* **Cadence rises with speed** (running gait): cadence = c0 + k (v - v_ref) +
  noise, k = 6.5 steps/min per m/s (de Ruiter 2020), c0 = 166 steps/min at
  v_ref = 3.2 m/s rising linearly by 3 steps/min over the block; step length =
  v * 60 / cadence.
* **Fatigue in long runs and the race**: from an onset at 70 % of the continuous
  run's distance, cadence falls linearly (in time) to -4 steps/min at its end and
  contact time rises to +8 %, at unchanged speed, so step length rises.
* **Grade**: at constant effort, speed = flat_speed * Cr(0) / Cr(grade) with
  Minetti et al. (2002) Cr(i); the grade of every sample is in the truth file.
* **Heart rate**: a first-order lag (30 s) towards an effort target (Daniels'
  VO2 of the flat-equivalent speed as a fraction of VO2 reserve, Swain 1994)
  plus cardiac drift of +5 bpm/h.
* **Load spike**: one week with +60 % planned volume over the week before.

References
----------
Daniels J, Gilbert J (1979). Oxygen Power. (VDOT equations; Daniels' Running
Formula, 3rd ed., 2014, for training paces.)
de Ruiter CJ et al. (2020). Stride frequency in relation to running speed.
Eur J Sport Sci. doi:10.1080/17461391.2019.1650126
Minetti AE et al. (2002). Energy cost of walking and running at extreme uphill
and downhill slopes. J Appl Physiol 93:1039. doi:10.1152/japplphysiol.01177.2001
Swain DP, Leutholtz BC (1997). Heart rate reserve is equivalent to %VO2 reserve,
not to %VO2max. Med Sci Sports Exerc 29:410. doi:10.1097/00005768-199703000-00018
Bosquet L et al. (2007). Effects of tapering on performance: a meta-analysis.
Med Sci Sports Exerc 39:1358. doi:10.1249/mss.0b013e31806010e0
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import Any, Literal
from zoneinfo import ZoneInfo

import numpy as np
import numpy.typing as npt

from runform.io.fit_write import (
    FitDevice,
    degrees_to_semicircles,
    quantize,
    running_cadence_fields,
    write_activity_fit,
)

__all__ = [
    "DEFAULT_RACE_DATE",
    "Athlete",
    "BlockPlan",
    "BlockTruth",
    "Paces",
    "PlannedRun",
    "Segment",
    "WeekPlan",
    "daniels_paces",
    "generate_block",
    "minetti_cr",
    "plan_block",
]

FloatArray = npt.NDArray[np.float64]

DEFAULT_RACE_DATE = date(2026, 10, 18)
"""Race day of the default block: a fixed Sunday (never today's date), so the
default block is the same on every machine and every day."""

SCHEMA_RUN = "runform.synth.run/1"
SCHEMA_BLOCK = "runform.synth.block/1"

# --------------------------------------------------------------------------- physiology constants

CR0 = 3.6
"""Minetti et al. (2002) energy cost of running on the flat, Cr(0) [J/kg/m]."""

FATIGUE_ONSET_FRACTION = 0.70
"""Fatigue onset as a fraction of the continuous run's distance (synthetic choice;
gait deviations appear from about km 20-25 of a marathon, Clermont 2019, Meyer 2021)."""

FATIGUE_CADENCE_DROP_SPM = 4.0
"""Cadence drop [steps/min] reached at the end of a long run (synthetic choice)."""

FATIGUE_CONTACT_INCREASE = 0.08
"""Relative contact-time increase at the end of a long run (synthetic; Chan-Roper
2012 measured +13.1 % from km 8 to km 40 of a marathon)."""

HR_TAU_S = 30.0
"""Time constant [s] of the first-order heart-rate response (synthetic choice in
the range of published on-kinetics, 20-40 s)."""

HR_DRIFT_BPM_PER_H = 5.0
"""Cardiac drift [bpm/h] at constant pace (synthetic choice)."""

HR_NOISE_BPM = 1.0
"""Beat-to-beat measurement noise [bpm] (synthetic choice)."""

HR_WALK_FRACTION_HRR = 0.45
"""Heart-rate target during walk recoveries as a fraction of heart-rate reserve
(synthetic: light activity shortly after hard efforts)."""

HR_START_BPM = 80.0
"""Heart rate [bpm] at the start button (synthetic)."""

ACCEL_TAU_S = 3.0
"""Time constant [s] of speed changes between segments (synthetic)."""

TURN_SPEED_MPS = 1.5
"""Flat-equivalent speed [m/s] the runner slows to when turning round (hill repeats)."""

WALK_SPEED_MPS = 1.4
"""Walking speed [m/s] during stride recoveries (typical preferred walking speed)."""

GCT_SPEED_EXPONENT = -0.6
"""Contact time scales as (v / v_easy) ** -0.6 (synthetic; puts easy pace at 240 ms
and 5K pace near 205 ms, within Garmin's blue/purple bands, vectors.md)."""

RUNNING_EFFECTIVENESS = 1.0
"""Speed per specific power [(m/s)/(W/kg)] for the synthetic running power:
P = mass * flat-equivalent speed / RE; about 1.0 is typical for trained runners
(Stryd's "running effectiveness")."""

KCAL_PER_KG_KM = 1.0
"""Energy cost of running ~1 kcal/kg/km, independent of speed (Margaria et al. 1963,
J Appl Physiol 18:367), for ``total_calories``."""

PACE_NOISE: dict[str, float] = {
    "easy": 0.015,
    "long": 0.015,
    "tempo": 0.01,
    "intervals": 0.01,
    "hills": 0.01,
    "race": 0.008,
}
"""Relative standard deviation of the runner's pace fluctuation by run type
(synthetic: steadier when running to a target)."""

PACE_NOISE_TAU_S = 40.0
"""Correlation time [s] of the pace fluctuation (synthetic)."""

GPS_JITTER_M = 1.5
"""Standard deviation [m] of the correlated GPS position error (synthetic; consumer
GNSS in open sky is good to a few metres)."""

GPS_JITTER_TAU_S = 15.0
"""Correlation time [s] of the GPS position error (synthetic)."""

GPS_SPIKE_EVERY = 12
"""Every 12th run (index 5, 17, 29 ...) has GPS spikes ("the odd GPS noise", synthetic)."""

GPS_SPIKE_OFFSET_M = (60.0, 250.0)
"""Range [m] of a spike's position jump: well above the 12.5 m/s spike threshold
of :mod:`runform.io.common` at 1 Hz."""

AUTO_LAP_M = 1000.0
"""Auto-lap distance [m] for easy, long runs and the race (Garmin default 1 km)."""

STRIDE_S = 20
"""Duration [s] of one stride (vectors.md: strides 6-10 x 20 s / 60-100 m)."""

STRIDE_WALK_S = 60
"""Walk recovery [s] after each stride."""

# --------------------------------------------------------------------------- athlete and paces


@dataclass(frozen=True)
class Athlete:
    """The synthetic runner.

    Attributes
    ----------
    vdot : float
        Daniels VDOT [ml/kg/min]; 50 is a 3:10:49 marathon (Daniels' table).
    hr_max, hr_rest : float
        Maximum and resting heart rate [bpm].
    sex : str
        ``male`` or ``female`` [-].
    birth_year : int
        Year of birth [-].
    mass_kg : float
        Body mass [kg].
    c0_spm : float
        Cadence at ``v_ref_mps`` at the start of the block [steps/min].
    c0_rise_spm : float
        Linear rise of ``c0`` from the first to the last day of the block [steps/min].
    k_spm_per_mps : float
        Cadence-speed slope [steps/min per m/s] (de Ruiter 2020: about 6-7).
    v_ref_mps : float
        Reference speed of the cadence model [m/s].
    cadence_noise_spm : float
        Per-sample cadence noise, standard deviation [steps/min].
    walk_cadence_spm : float
        Walking cadence [steps/min] (brisk walking about 100-120 steps/min,
        Tudor-Locke et al. 2018, Br J Sports Med 52:776).
    gct_easy_ms : float
        Ground contact time at easy pace [ms].
    vo_easy_mm : float
        Vertical oscillation at easy pace [mm].
    gct_balance_left_pct : float
        Mean left share of ground contact time [%].
    timezone : str
        IANA zone of the athlete's home [-] (local start times).
    """

    vdot: float = 50.0
    hr_max: float = 185.0
    hr_rest: float = 48.0
    sex: str = "male"
    birth_year: int = 1988
    mass_kg: float = 70.0
    c0_spm: float = 166.0
    c0_rise_spm: float = 3.0
    k_spm_per_mps: float = 6.5
    v_ref_mps: float = 3.2
    cadence_noise_spm: float = 1.5
    walk_cadence_spm: float = 114.0
    gct_easy_ms: float = 240.0
    vo_easy_mm: float = 85.0
    gct_balance_left_pct: float = 50.3
    timezone: str = "Europe/Amsterdam"


@dataclass(frozen=True)
class Paces:
    """Training speeds [m/s] derived from VDOT (see :func:`daniels_paces`)."""

    easy: float
    marathon: float
    threshold: float
    interval: float
    five_k: float
    recovery: float
    marathon_time_s: float

    def per_km(self) -> dict[str, float]:
        """Paces as seconds per km [s/km]."""
        return {k: round(1000.0 / v, 1) for k, v in asdict(self).items() if k != "marathon_time_s"}


def _vo2(v_m_per_min: float) -> float:
    """Daniels-Gilbert oxygen cost [ml/kg/min] of running at ``v`` [m/min]."""
    return -4.60 + 0.182258 * v_m_per_min + 0.000104 * v_m_per_min**2


def _pct_max(t_min: float) -> float:
    """Daniels-Gilbert fraction of VO2max sustainable for ``t`` [min]."""
    return 0.8 + 0.1894393 * math.exp(-0.012778 * t_min) + 0.2989558 * math.exp(-0.1932605 * t_min)


def _speed_at_vo2(vo2: float) -> float:
    """Speed [m/s] whose Daniels-Gilbert oxygen cost is ``vo2`` [ml/kg/min]."""
    a, b, c = 0.000104, 0.182258, -4.60 - vo2
    return (-b + math.sqrt(b * b - 4 * a * c)) / (2 * a) / 60.0


def _race_time_s(distance_m: float, vdot: float) -> float:
    """Race time [s] for ``distance_m`` at ``vdot`` (bisection on Daniels-Gilbert)."""
    lo, hi = distance_m / 1000.0 * 1.5, distance_m / 1000.0 * 15.0  # minutes
    for _ in range(80):
        mid = 0.5 * (lo + hi)
        if _vo2(distance_m / mid) / _pct_max(mid) > vdot:
            lo = mid
        else:
            hi = mid
    return 0.5 * (lo + hi) * 60.0


def daniels_paces(vdot: float) -> Paces:
    """Training speeds for a VDOT (Daniels & Gilbert 1979; Daniels' Running Formula).

    T runs at 88 % of VDOT, I at 97.4 %, E at the mean of the paces (s/km) at
    63 % and 73.5 % (vectors.md), M and 5K at the race speeds predicted by the
    Daniels-Gilbert equations; recovery jog at 80 % of E speed (synthetic).
    For VDOT 50: E 5:15, M 4:31, T 4:15, I 3:55, 5K 3:59 per km (Daniels' table:
    E 4:56-5:34, M 4:31, T 4:15, I 93 s/400 m = 3:52.5).

    Parameters
    ----------
    vdot : float
        VDOT [ml/kg/min], 30-85.
    """
    if not 30.0 <= vdot <= 85.0:
        raise ValueError(f"vdot {vdot} is outside Daniels' tables (30-85)")
    e_slow = _speed_at_vo2(0.63 * vdot)
    e_fast = _speed_at_vo2(0.735 * vdot)
    easy = 1000.0 / (0.5 * (1000.0 / e_slow + 1000.0 / e_fast))
    marathon_s = _race_time_s(42_195.0, vdot)
    return Paces(
        easy=easy,
        marathon=42_195.0 / marathon_s,
        threshold=_speed_at_vo2(0.88 * vdot),
        interval=_speed_at_vo2(0.974 * vdot),
        five_k=5000.0 / _race_time_s(5000.0, vdot),
        recovery=0.8 * easy,
        marathon_time_s=marathon_s,
    )


def minetti_cr(grade: npt.ArrayLike) -> FloatArray:
    """Energy cost of running [J/kg/m] at ``grade`` [fraction] (Minetti et al. 2002).

    Cr(i) = 155.4 i^5 - 30.4 i^4 - 43.3 i^3 + 46.3 i^2 + 19.5 i + 3.6, valid for
    |i| <= 0.45; grades are clipped to that range.
    """
    i = np.clip(np.asarray(grade, dtype=float), -0.45, 0.45)
    return np.asarray(
        ((((155.4 * i - 30.4) * i - 43.3) * i + 46.3) * i + 19.5) * i + 3.6, dtype=float
    )


# --------------------------------------------------------------------------- plan


@dataclass(frozen=True)
class Segment:
    """One piece of a run at one effort.

    Attributes
    ----------
    role : str
        ``run``, ``warmup``, ``work``, ``recovery``, ``tempo``, ``cooldown``,
        ``hill_up``, ``hill_down``, ``stride``, ``walk``, ``race``.
    speed_mps : float
        Target flat-equivalent speed (effort) [m/s]; the peak for strides.
    duration_s : float or None
        Length in time [s] (time-based segments).
    distance_m : float or None
        Length in distance [m] (distance-based segments).
    until : str
        ``""``, ``match_previous`` (same distance as the previous segment, e.g.
        jog back down a hill) or ``return_home`` (back to the route start).
    direction : int
        +1 forward along the route, -1 back along it.
    lap : str or None
        Lap intensity when this segment starts a manual lap (``warmup``,
        ``active``, ``rest``, ``cooldown``); None when it does not.
    """

    role: str
    speed_mps: float
    duration_s: float | None = None
    distance_m: float | None = None
    until: str = ""
    direction: int = 1
    lap: str | None = None

    @property
    def walking(self) -> bool:
        return self.role == "walk"


@dataclass(frozen=True)
class PlannedRun:
    """A run in the plan.

    Attributes
    ----------
    day : date
        Local date [-].
    week : int
        Week of the block, 1-based [-].
    kind : str
        ``easy``, ``long``, ``intervals``, ``hills``, ``tempo`` or ``race``.
    variant : str
        Human label, e.g. ``10x400m`` or ``8x75s@7%``.
    segments : tuple of Segment
        What the runner does.
    laps : str
        ``auto`` (1 km auto-laps) or ``manual`` (one lap per segment with ``lap``).
    route : str
        Route name [-].
    start_local : time
        Local start time [-].
    n_strides : int
        Strides at the end [-].
    planned_distance_m, planned_duration_s : float
        Plan at flat-equivalent speeds [m], [s].
    hill_grade : float or None
        Grade of the hill [fraction] for hill sessions.
    """

    day: date
    week: int
    kind: str
    variant: str
    segments: tuple[Segment, ...]
    laps: str
    route: str
    start_local: time
    n_strides: int
    planned_distance_m: float
    planned_duration_s: float
    hill_grade: float | None = None


@dataclass(frozen=True)
class WeekPlan:
    """One week of the plan: its phase, runs and planned volume."""

    week: int
    start: date
    phase: str
    runs: tuple[PlannedRun, ...]

    @property
    def planned_km(self) -> float:
        return sum(r.planned_distance_m for r in self.runs) / 1000.0

    @property
    def planned_min(self) -> float:
        return sum(r.planned_duration_s for r in self.runs) / 60.0


@dataclass(frozen=True)
class BlockPlan:
    """The whole block as planned."""

    start: date
    race_date: date
    athlete: Athlete
    paces: Paces
    weeks: tuple[WeekPlan, ...]
    load_spike_week: int | None
    load_spike_ratio: float

    @property
    def runs(self) -> tuple[PlannedRun, ...]:
        return tuple(r for w in self.weeks for r in w.runs)


FIRST_WEEK_KM = 58.0
"""Planned distance [km] of the first week (a VDOT-50 marathoner's base)."""

WEEKLY_GROWTH = 1.07
"""Growth of weekly distance over the last build week (+7 %, inside the 10 % guideline)."""

PEAK_RATIO = 1.75
"""Peak weekly distance over the first week's."""

CUTBACK_RATIO = 0.75
"""Cutback week distance over the last build week (-25 %)."""

LONG_RUN_SHARE = 0.27
"""Largest share of a week's planned distance in the long run (Daniels: 25-30 %)."""

LOAD_SPIKE_RATIO = 1.6
"""Planned volume of the load-spike week over the week before (+60 %)."""

_INTERVAL_VARIANTS: tuple[tuple[int, float, float], ...] = (
    (10, 400.0, 200.0),
    (6, 800.0, 400.0),
    (5, 1000.0, 400.0),
)
"""(reps, work distance [m], jog distance [m]) at I pace."""

_HILL_VARIANTS: tuple[tuple[int, float, float], ...] = (
    (8, 60.0, 0.08),
    (8, 75.0, 0.07),
    (8, 90.0, 0.06),
)
"""(reps, uphill time [s], grade [fraction]) at I-pace effort, jog down."""

HILL_BASE_M = 3000.0
"""Warm-up distance [m] from the start of the dunes route to the foot of the hill."""

HILL_LENGTH_M = 420.0
"""Length [m] of the steady climb (longer than the longest rep)."""


def _planned(segments: Sequence[Segment]) -> tuple[float, float]:
    """Planned distance [m] and duration [s] at flat-equivalent speeds."""
    dist = dur = 0.0
    prev_d = 0.0
    out_d = 0.0  # distance away from home along the route
    for seg in segments:
        v = seg.speed_mps if seg.role != "stride" else 0.8 * seg.speed_mps
        if seg.duration_s is not None:
            d, t = v * seg.duration_s, seg.duration_s
        elif seg.distance_m is not None:
            d, t = seg.distance_m, seg.distance_m / v
        elif seg.until == "match_previous":
            d, t = prev_d, prev_d / v
        else:  # return_home
            d, t = max(out_d, 0.0), max(out_d, 0.0) / v
        out_d += seg.direction * d
        prev_d = d
        dist += d
        dur += t
    return dist, dur


def _strides(n: int, paces: Paces) -> list[Segment]:
    out: list[Segment] = []
    for _ in range(n):
        out.append(Segment("stride", paces.five_k, duration_s=STRIDE_S))
        out.append(Segment("walk", WALK_SPEED_MPS, duration_s=STRIDE_WALK_S))
    return out


def _make_run(
    day: date,
    week: int,
    kind: str,
    paces: Paces,
    *,
    minutes: float = 0.0,
    strides: int = 0,
    variant: int = 0,
    reduce: bool = False,
    tempo_min: float = 0.0,
) -> PlannedRun:
    """Build one planned run of ``kind``."""
    hill_grade: float | None = None
    route = "amstel"
    laps = "auto"
    start = time(7, 0)
    if kind in ("easy", "long"):
        segs = [Segment("run", paces.easy, duration_s=round(minutes * 60.0))]
        segs += _strides(strides, paces)
        label = f"{minutes:.0f}min" + (f"+{strides}strides" if strides else "")
        route = "city" if kind == "easy" and week % 2 else "amstel"
        start = (
            time(8, 30) if kind == "long" else (time(9, 0) if day.weekday() == 5 else time(7, 0))
        )
    elif kind == "intervals":
        reps, work, jog = _INTERVAL_VARIANTS[variant % len(_INTERVAL_VARIANTS)]
        reps = max(3, round(reps * 0.7)) if reduce else reps
        segs = [Segment("warmup", paces.easy, duration_s=900, lap="warmup")]
        for r in range(reps):
            segs.append(Segment("work", paces.interval, distance_m=work, lap="active"))
            if r < reps - 1:
                segs.append(Segment("recovery", paces.recovery, distance_m=jog, lap="rest"))
        segs.append(Segment("cooldown", paces.easy, duration_s=600, lap="cooldown"))
        label, route, laps, start = f"{reps}x{work:.0f}m", "vondelpark", "manual", time(18, 30)
    elif kind == "hills":
        reps, up_s, grade = _HILL_VARIANTS[variant % len(_HILL_VARIANTS)]
        reps = max(4, round(reps * 0.7)) if reduce else reps
        segs = [Segment("warmup", paces.easy, distance_m=HILL_BASE_M, lap="warmup")]
        for r in range(reps):
            segs.append(Segment("hill_up", paces.interval, duration_s=up_s, lap="active"))
            if r < reps - 1:
                segs.append(
                    Segment(
                        "hill_down",
                        paces.recovery * 0.9,
                        until="match_previous",
                        direction=-1,
                        lap="rest",
                    )
                )
        segs.append(
            Segment("cooldown", paces.easy, until="return_home", direction=-1, lap="cooldown")
        )
        hill_grade = grade
        label = f"{reps}x{up_s:.0f}s@{grade * 100:.0f}%"
        route, laps, start = f"dunes{round(grade * 100)}", "manual", time(18, 30)
    elif kind == "tempo":
        segs = [
            Segment("warmup", paces.easy, duration_s=900, lap="warmup"),
            Segment("tempo", paces.threshold, duration_s=round(tempo_min * 60), lap="active"),
            Segment("cooldown", paces.easy, duration_s=600, lap="cooldown"),
        ]
        label, laps, start = f"{tempo_min:.0f}min@T", "manual", time(18, 30)
    elif kind == "race":
        segs = [Segment("race", paces.marathon, distance_m=42_195.0)]
        label, route, start = "marathon", "marathon", time(9, 30)
    else:  # pragma: no cover - internal
        raise ValueError(kind)
    dist, dur = _planned(segs)
    return PlannedRun(
        day=day,
        week=week,
        kind=kind,
        variant=label,
        segments=tuple(segs),
        laps=laps,
        route=route,
        start_local=start,
        n_strides=strides,
        planned_distance_m=dist,
        planned_duration_s=dur,
        hill_grade=hill_grade,
    )


def _default_spike_week(weeks: int) -> int | None:
    """Week 10 of 16: six weeks before the race, moved off a cutback week."""
    if weeks < 10:
        return None
    w = weeks - 6
    return w - 1 if w % 4 == 0 else w


def plan_block(
    *,
    weeks: int = 16,
    start: date | None = None,
    vdot: float = 50.0,
    athlete: Athlete | None = None,
    load_spike_week: int | Literal["auto"] | None = "auto",
) -> BlockPlan:
    """Plan a marathon block (no files written).

    Structure: Monday rest; Tuesday quality alternating intervals (odd weeks) and
    hill repeats (even weeks); Wednesday easy (strides in odd weeks); Thursday
    tempo; Friday easy; Saturday easy with 5 strides; Sunday long run (75 min
    growing towards 180 min, capped at :data:`LONG_RUN_SHARE` of the week) with
    6 strides. Weekly distance grows :data:`WEEKLY_GROWTH` over the last build
    week; every 4th week is a cutback (:data:`CUTBACK_RATIO`); the last two weeks
    taper (Bosquet 2007: volume -41-60 %); the marathon is on the last day. In the
    load-spike week the easy runs are lengthened until the planned volume is
    :data:`LOAD_SPIKE_RATIO` x the week before.

    Parameters
    ----------
    weeks : int
        Length of the block [weeks], at least 3.
    start : date, optional
        First day of the block, a Monday; default so the race is on
        :data:`DEFAULT_RACE_DATE`.
    vdot : float
        VDOT [ml/kg/min] that sets all paces.
    athlete : Athlete, optional
        The runner; its ``vdot`` is replaced by ``vdot``.
    load_spike_week : int, None or "auto"
        Week [-] of the planted load spike; ``"auto"`` = 6 weeks before the race
        (week 10 of 16) for blocks of 10+ weeks, else none; None for no spike.
    """
    if weeks < 3:
        raise ValueError(f"weeks={weeks}: a block needs at least 3 weeks (build, taper, race)")
    if start is None:
        start = DEFAULT_RACE_DATE - timedelta(days=weeks * 7 - 1)
    if start.weekday() != 0:
        raise ValueError(f"start {start.isoformat()} is a {start:%A}; the block starts on a Monday")
    base_athlete = athlete or Athlete()
    ath = Athlete(**{**asdict(base_athlete), "vdot": vdot})
    paces = daniels_paces(vdot)
    spike = _default_spike_week(weeks) if load_spike_week == "auto" else load_spike_week
    if spike is not None and not 2 <= spike <= weeks - 2:
        raise ValueError(f"load_spike_week={spike} must be between 2 and {weeks - 2}")

    plans: list[WeekPlan] = []
    peak_week = max(1, weeks - 3)
    last_build_km = FIRST_WEEK_KM
    for w in range(1, weeks + 1):
        monday = start + timedelta(days=7 * (w - 1))

        def d(offset: int, _monday: date = monday) -> date:
            return _monday + timedelta(days=offset)

        p = min(1.0, (w - 1) / max(1, peak_week - 1))
        if w == weeks:
            phase = "race"
        elif w == weeks - 1:
            phase = "taper"
        elif w == spike:
            phase = "spike"
        elif w % 4 == 0:
            phase = "cutback"
        else:
            phase = "build"
        quality = "intervals" if w % 2 else "hills"
        variant = (w - 1) // 2
        runs: list[PlannedRun] = []
        if phase == "race":
            runs.append(_make_run(d(1), w, "intervals", paces, variant=0, reduce=True))
            runs.append(_make_run(d(2), w, "easy", paces, minutes=40))
            runs.append(_make_run(d(3), w, "easy", paces, minutes=30, strides=4))
            runs.append(_make_run(d(5), w, "easy", paces, minutes=25, strides=4))
            runs.append(_make_run(d(6), w, "race", paces))
        elif phase == "taper":
            runs.append(_make_run(d(1), w, quality, paces, variant=variant, reduce=True))
            runs.append(_make_run(d(2), w, "easy", paces, minutes=40))
            runs.append(_make_run(d(3), w, "tempo", paces, tempo_min=15))
            runs.append(_make_run(d(5), w, "easy", paces, minutes=40, strides=5))
            runs.append(_make_run(d(6), w, "long", paces, minutes=65, strides=6))
        else:
            cut = phase == "cutback"
            if cut:
                target_km = CUTBACK_RATIO * last_build_km
            else:
                target_km = min(PEAK_RATIO * FIRST_WEEK_KM, last_build_km * WEEKLY_GROWTH)
                target_km = FIRST_WEEK_KM if w == 1 else target_km
            # Long run: growing with the block, but at most LONG_RUN_SHARE of the week
            # (Daniels: <= 25-30 % of weekly volume) so the block stays inside the guidelines.
            long_min = 75.0 + 105.0 * p if w <= peak_week else 150.0
            long_cap = LONG_RUN_SHARE * target_km * 1000.0 / paces.easy / 60.0
            long_min = min(0.7 * long_min if cut else long_min, long_cap)
            tempo = 15.0 if cut else 20.0 + 10.0 * p
            runs.append(_make_run(d(1), w, quality, paces, variant=variant, reduce=cut))
            runs.append(_make_run(d(2), w, "easy", paces, minutes=50, strides=4 if w % 2 else 0))
            runs.append(_make_run(d(3), w, "tempo", paces, tempo_min=round(tempo)))
            runs.append(_make_run(d(4), w, "easy", paces, minutes=40))
            runs.append(_make_run(d(5), w, "easy", paces, minutes=45, strides=5))
            runs.append(_make_run(d(6), w, "long", paces, minutes=round(long_min), strides=6))
            runs = _fill_easy(runs, target_km * 1000.0, paces, w)
            if phase == "build":  # cutback and spike weeks do not move the progression
                last_build_km = target_km
            if phase == "spike":
                runs = _spike(runs, plans[-1], paces, w)
        plans.append(WeekPlan(week=w, start=monday, phase=phase, runs=tuple(runs)))
    return BlockPlan(
        start=start,
        race_date=start + timedelta(days=weeks * 7 - 1),
        athlete=ath,
        paces=paces,
        weeks=tuple(plans),
        load_spike_week=spike,
        load_spike_ratio=LOAD_SPIKE_RATIO,
    )


def _spike(runs: list[PlannedRun], previous: WeekPlan, paces: Paces, w: int) -> list[PlannedRun]:
    """Stretch the week's easy runs until its planned distance is LOAD_SPIKE_RATIO x last week's."""
    return _fill_easy(runs, LOAD_SPIKE_RATIO * previous.planned_km * 1000.0, paces, w)


def _fill_easy(runs: list[PlannedRun], target: float, paces: Paces, w: int) -> list[PlannedRun]:
    """Set the easy runs' durations so the week's planned distance is ``target`` [m]."""
    easy = [r for r in runs if r.kind == "easy"]
    fixed = sum(r.planned_distance_m for r in runs if r.kind != "easy")
    strides_m = sum(
        r.planned_distance_m - r.segments[0].speed_mps * (r.segments[0].duration_s or 0.0)
        for r in easy
    )
    easy_minutes = (target - fixed - strides_m) / paces.easy / 60.0
    per_run = easy_minutes / len(easy)
    out: list[PlannedRun] = []
    for r in runs:
        if r.kind == "easy":
            out.append(_make_run(r.day, w, "easy", paces, minutes=per_run, strides=r.n_strides))
        else:
            out.append(r)
    return out


# --------------------------------------------------------------------------- routes


@dataclass(frozen=True)
class Route:
    """A closed route: positions and altitude as functions of route distance."""

    name: str
    lat0: float
    lon0: float
    loop_m: float
    s: FloatArray
    x: FloatArray
    y: FloatArray
    alt: FloatArray
    slope: FloatArray
    hill: dict[str, float] | None = None

    def grade(self, pos: FloatArray) -> FloatArray:
        """Forward grade [fraction] at route positions [m] (periodic)."""
        return np.interp(pos, self.s, self.slope, period=self.loop_m)

    def altitude(self, pos: FloatArray) -> FloatArray:
        """Altitude [m] at route positions [m] (periodic)."""
        return np.interp(pos, self.s, self.alt, period=self.loop_m)

    def latlon(
        self, pos: FloatArray, dx: FloatArray, dy: FloatArray
    ) -> tuple[FloatArray, FloatArray]:
        """WGS84 latitude and longitude [deg] at route positions, shifted by dx, dy [m]."""
        x = np.interp(pos, self.s, self.x, period=self.loop_m) + dx
        y = np.interp(pos, self.s, self.y, period=self.loop_m) + dy
        lat = self.lat0 + np.degrees(y / _EARTH_R)
        lon = self.lon0 + np.degrees(x / (_EARTH_R * math.cos(math.radians(self.lat0))))
        return lat, lon


_EARTH_R = 6_371_008.8
"""Mean Earth radius [m] (IUGG R1), for the local tangent-plane route geometry."""

_ROUTE_SPECS: dict[str, tuple[float, float, float, float, float]] = {
    # name: (lat, lon, loop length [m], base altitude [m], max rolling grade [fraction])
    "amstel": (52.340, 4.915, 10_000.0, 0.5, 0.025),  # along the Amstel, bridges and dykes
    "city": (52.372, 4.893, 7_500.0, 1.0, 0.02),  # canal ring
    "vondelpark": (52.358, 4.868, 3_200.0, 0.0, 0.003),  # flat park loop
    "marathon": (52.343, 4.867, 42_195.0, 0.0, 0.01),  # flat city marathon
    "dunes": (52.410, 4.585, 9_000.0, 12.0, 0.02),  # Zuid-Kennemerland dunes, with the hill
}


def _build_route(name: str, seed: int) -> Route:
    """A smooth random loop with rolling terrain (and a steady hill for ``dunesNN``)."""
    key = "dunes" if name.startswith("dunes") else name
    lat0, lon0, loop_m, base_alt, max_grade = _ROUTE_SPECS[key]
    rng = np.random.default_rng([seed, 7919, sum(map(ord, name))])
    theta = np.linspace(0.0, 2 * np.pi, 4001)
    r = np.ones_like(theta)
    for k in range(2, 6):
        r += rng.uniform(0.02, 0.12) / k * np.cos(k * theta + rng.uniform(0, 2 * np.pi))
    px, py = r * np.cos(theta), r * np.sin(theta)
    px, py = px - px[0], py - py[0]  # home at theta = 0
    seg = np.hypot(np.diff(px), np.diff(py))
    cum = np.concatenate([[0.0], np.cumsum(seg)])
    scale = loop_m / cum[-1]
    step = 2.0
    s = np.arange(0.0, loop_m, step)
    x = np.interp(s, cum * scale, px * scale)
    y = np.interp(s, cum * scale, py * scale)
    alt = np.full_like(s, base_alt)
    for _ in range(3):
        m = int(rng.integers(max(1, int(loop_m / 1500)), max(2, int(loop_m / 400)) + 1))
        wavelength = loop_m / m
        amp = rng.uniform(0.3, 0.4) * max_grade * wavelength / (2 * np.pi)
        alt += amp * np.sin(2 * np.pi * m * s / loop_m + rng.uniform(0, 2 * np.pi))
    hill: dict[str, float] | None = None
    if name.startswith("dunes"):
        grade = int(name[5:]) / 100.0
        top = grade * HILL_LENGTH_M
        start, plateau, descent = HILL_BASE_M, 150.0, top / (grade / 2)
        bump = np.interp(
            s,
            [
                0.0,
                start,
                start + HILL_LENGTH_M,
                start + HILL_LENGTH_M + plateau,
                start + HILL_LENGTH_M + plateau + descent,
                loop_m,
            ],
            [0.0, 0.0, top, top, 0.0, 0.0],
        )
        lo_edge = start - 150.0
        hi_edge = start + HILL_LENGTH_M + plateau + descent + 150.0
        window = np.clip(np.maximum(lo_edge - s, s - hi_edge) / 150.0, 0.0, 1.0)
        alt = base_alt + (alt - base_alt) * window + bump
        hill = {"base_m": start, "length_m": HILL_LENGTH_M, "grade": grade, "rise_m": top}
    kernel = np.ones(9) / 9.0  # 18 m moving average: rounded corners
    alt = np.convolve(np.concatenate([alt[-4:], alt, alt[:4]]), kernel, mode="valid")
    slope = np.gradient(np.concatenate([alt[-1:], alt, alt[:1]]), step)[1:-1]
    return Route(name, lat0, lon0, loop_m, s, x, y, alt, slope, hill)


# --------------------------------------------------------------------------- simulation


def _smooth_noise(rng: np.random.Generator, n: int, tau_s: float) -> FloatArray:
    """Unit-variance noise with exponential autocorrelation of time constant ``tau_s``."""
    if n <= 0:
        return np.zeros(0)
    m = int(5 * tau_s) + 1
    kernel = np.exp(-np.arange(m) / tau_s)
    kernel /= math.sqrt(float(np.sum(kernel**2)))
    white = rng.standard_normal(n + m - 1)
    return np.asarray(np.convolve(white, kernel, mode="valid")[:n], dtype=float)


@dataclass
class _Motion:
    v: list[FloatArray] = field(default_factory=list)
    flat: list[FloatArray] = field(default_factory=list)
    grade: list[FloatArray] = field(default_factory=list)
    pos: list[FloatArray] = field(default_factory=list)
    walk: list[FloatArray] = field(default_factory=list)
    seg_start: list[int] = field(default_factory=list)
    seg_len: list[int] = field(default_factory=list)
    n: int = 0

    def add(
        self, v: FloatArray, flat: FloatArray, grade: FloatArray, pos: FloatArray, walk: bool
    ) -> None:
        self.seg_start.append(self.n)
        self.seg_len.append(len(v))
        self.v.append(v)
        self.flat.append(flat)
        self.grade.append(grade)
        self.pos.append(pos)
        self.walk.append(np.full(len(v), 1.0 if walk else 0.0))
        self.n += len(v)


def _stride_profile(n: int, v_in: float, peak: float) -> FloatArray:
    """Acceleration to ``peak`` over 40 % of the stride, hold to 70 %, ease off to 2 m/s."""
    t = (np.arange(1, n + 1) - 0.5) / n
    up = np.clip(t / 0.4, 0, 1)
    down = np.clip((t - 0.7) / 0.3, 0, 1)
    smooth_up = up * up * (3 - 2 * up)
    smooth_down = down * down * (3 - 2 * down)
    v_out = 2.0
    rising = v_in + (peak - v_in) * smooth_up
    return np.asarray(np.where(t < 0.7, rising, peak + (v_out - peak) * smooth_down), dtype=float)


def _simulate(
    route: Route, segments: Sequence[Segment], rng: np.random.Generator, noise_sd: float
) -> _Motion:
    """Integrate 1-Hz motion through the segments along the route."""
    motion = _Motion()
    first = segments[0]
    v0 = 0.7 * first.speed_mps  # the first record: already moving off
    g0 = route.grade(np.array([0.0])) * first.direction
    motion.add(np.array([v0]) * CR0 / minetti_cr(g0), np.array([v0]), g0, np.array([0.0]), False)
    pos = 0.0
    v_prev_flat = v0
    prev_distance = 0.0
    prev_direction = float(first.direction)
    for seg in segments:
        direction = float(seg.direction)
        if direction != prev_direction:  # turning round: speed drops through the turn
            v_prev_flat = min(v_prev_flat, TURN_SPEED_MPS)
        prev_direction = direction
        target_d: float | None
        if seg.duration_s is not None:
            n = round(seg.duration_s)
            target_d = None
        else:
            if seg.distance_m is not None:
                target_d = seg.distance_m
            elif seg.until == "match_previous":
                target_d = prev_distance
            else:  # return_home: back to route position 0 (mod loop)
                target_d = pos % route.loop_m if direction < 0 else (-pos) % route.loop_m
            n = int(target_d / (0.45 * seg.speed_mps)) + 30
        k = np.arange(1, n + 1, dtype=float)
        if seg.role == "stride":
            peak = seg.speed_mps * (1.0 + 0.02 * rng.standard_normal())
            flat = _stride_profile(n, v_prev_flat, peak)
        else:
            sd = 0.0 if seg.walking else noise_sd
            tgt = seg.speed_mps * (1.0 + sd * _smooth_noise(rng, n, PACE_NOISE_TAU_S))
            tau = 2.0 if seg.walking else ACCEL_TAU_S
            flat = tgt + (v_prev_flat - tgt) * np.exp(-k / tau)
        grade = np.zeros(n)
        v = flat.copy()
        if not seg.walking:
            for _ in range(5):
                mid = pos + direction * (np.cumsum(v) - 0.5 * v)
                grade = direction * route.grade(mid)
                v = flat * CR0 / minetti_cr(grade)
        cum = np.cumsum(v)
        if target_d is not None:
            idx = int(np.searchsorted(cum, target_d))
            if idx >= n:  # pragma: no cover - n is generous
                raise RuntimeError(f"segment {seg.role} did not reach {target_d} m")
            n = idx + 1
            v, flat, grade, cum = v[:n], flat[:n], grade[:n], cum[:n]
        positions = pos + direction * cum
        motion.add(v, flat, grade, positions, seg.walking)
        pos = float(positions[-1])
        v_prev_flat = float(flat[-1])
        prev_distance = float(cum[-1])
    return motion


def _split_laps(
    laps: str, motion: _Motion, segments: Sequence[Segment], dist: FloatArray
) -> list[tuple[int, int, str, str]]:
    """Laps as (start record, end record, trigger, intensity).

    ``auto``: a lap closes on the first record at or past each whole kilometre of
    recorded distance (Garmin auto-lap, 1 km). ``manual``: a lap closes on the
    last record of each segment before one that carries ``lap``. The last lap
    ends with the session (trigger ``session_end``).
    """
    n = len(dist)
    bounds: list[int] = [0]
    intens: list[str] = []
    triggers: list[str] = []
    if laps == "auto":
        marks = np.arange(AUTO_LAP_M, dist[-1], AUTO_LAP_M)
        for m in marks:
            b = int(np.searchsorted(dist, m))
            if bounds[-1] < b < n - 1:
                bounds.append(b)
                triggers.append("distance")
                intens.append("active")
    else:
        intens.append(segments[0].lap or "active")
        for i, seg in enumerate(segments[1:], start=2):
            if seg.lap is not None:
                b = motion.seg_start[i] - 1
                if bounds[-1] < b < n - 1:
                    bounds.append(b)
                    triggers.append("manual")
                    intens.append(seg.lap)
    bounds.append(n - 1)
    triggers.append("session_end")
    if laps == "auto":
        intens.append("active")
    return [(bounds[j], bounds[j + 1], triggers[j], intens[j]) for j in range(len(bounds) - 1)]


# --------------------------------------------------------------------------- per-run generation


@dataclass
class _RunResult:
    fit_path: Path
    truth_path: Path
    truth: dict[str, Any]
    n_records: int
    distance_m: float
    duration_s: float


def _summary(
    lo: int,
    hi: int,
    q: dict[str, FloatArray],
    t0: float,
    mass_kg: float,
) -> dict[str, Any]:
    """Lap or session fields computed the way a running watch does, in FIT units.

    Records ``(lo, hi]`` belong to the lap (the first lap also owns record 0);
    distance and time are differences between the boundary records, average
    speed is distance / timer time, averages are over the lap's records (running
    dynamics and power over valid values, cadence over records with cadence > 0),
    ascent/descent sum the positive/negative altitude steps. ``q`` holds the
    record columns as a decoder will read them back (:func:`quantize`).
    """
    first = 0 if lo == 0 else lo + 1
    idx = slice(first, hi + 1)
    elapsed = float(hi - lo)
    distance = float(q["distance"][hi] - q["distance"][lo])
    strides = q["cadence"][idx] + q["fractional_cadence"][idx]
    moving = strides > 0
    avg_c, avg_f = running_cadence_fields(2.0 * float(np.mean(strides[moving])))
    max_c, max_f = running_cadence_fields(2.0 * float(np.max(strides)))
    alt = q["enhanced_altitude"][max(lo, 0) : hi + 1]
    dalt = np.diff(alt)
    hr = q["heart_rate"][idx]
    out: dict[str, Any] = {
        "start_time": t0 + lo,
        "timestamp": t0 + hi,
        "start_position_lat": q["position_lat"][lo],
        "start_position_long": q["position_long"][lo],
        "end_position_lat": q["position_lat"][hi],
        "end_position_long": q["position_long"][hi],
        "total_elapsed_time": elapsed,
        "total_timer_time": elapsed,
        "total_moving_time": elapsed,
        "total_distance": distance,
        "total_strides": round(float(np.sum(strides)) / 60.0),
        "total_calories": round(mass_kg * distance / 1000.0 * KCAL_PER_KG_KM),
        "enhanced_avg_speed": distance / elapsed if elapsed > 0 else math.nan,
        "enhanced_max_speed": float(np.max(q["enhanced_speed"][idx])),
        "avg_heart_rate": round(float(np.mean(hr))),
        "max_heart_rate": float(np.max(hr)),
        "min_heart_rate": float(np.min(hr)),
        "avg_running_cadence": float(avg_c[()]),
        "avg_fractional_cadence": float(avg_f[()]),
        "max_running_cadence": float(max_c[()]),
        "max_fractional_cadence": float(max_f[()]),
        "total_ascent": round(float(np.sum(dalt[dalt > 0]))),
        "total_descent": round(float(-np.sum(dalt[dalt < 0]))),
        "enhanced_avg_altitude": float(np.mean(q["enhanced_altitude"][idx])),
        "enhanced_min_altitude": float(np.min(q["enhanced_altitude"][idx])),
        "enhanced_max_altitude": float(np.max(q["enhanced_altitude"][idx])),
        "sport": "running",
        "sub_sport": "generic",
    }
    out["avg_speed"] = out["enhanced_avg_speed"]
    out["max_speed"] = out["enhanced_max_speed"]
    for src, dst in (
        ("power", "avg_power"),
        ("stance_time", "avg_stance_time"),
        ("stance_time_percent", "avg_stance_time_percent"),
        ("vertical_oscillation", "avg_vertical_oscillation"),
        ("vertical_ratio", "avg_vertical_ratio"),
        ("stance_time_balance", "avg_stance_time_balance"),
        ("step_length", "avg_step_length"),
    ):
        vals = q[src][idx]
        vals = vals[np.isfinite(vals)]
        out[dst] = float(np.mean(vals)) if vals.size else math.nan
    pw = q["power"][idx]
    pw = pw[np.isfinite(pw)]
    out["max_power"] = float(np.max(pw)) if pw.size else math.nan
    return out


def _spans(mask: FloatArray) -> list[tuple[int, int]]:
    """(first, last) index of each run of True in ``mask``."""
    m = np.concatenate([[0], (mask > 0).astype(np.int8), [0]])
    d = np.diff(m)
    starts = np.flatnonzero(d == 1)
    ends = np.flatnonzero(d == -1) - 1
    return list(zip(starts.tolist(), ends.tolist(), strict=True))


def _r(x: float, nd: int = 3) -> float | None:
    return None if not math.isfinite(x) else round(float(x), nd)


def _generate_run(
    plan: PlannedRun,
    index: int,
    *,
    block: BlockPlan,
    seed: int,
    routes: dict[str, Route],
    out_dir: Path,
    device: FitDevice,
) -> _RunResult:
    ath, paces = block.athlete, block.paces
    rng = np.random.default_rng([seed, index])
    route = routes[plan.route]
    noise_sd = PACE_NOISE.get(plan.kind, PACE_NOISE["easy"])
    motion = _simulate(route, plan.segments, rng, noise_sd)
    v = np.concatenate(motion.v)
    flat = np.concatenate(motion.flat)
    grade = np.concatenate(motion.grade)
    pos = np.concatenate(motion.pos)
    walk = np.concatenate(motion.walk) > 0
    n = len(v)
    t = np.arange(n, dtype=float)
    dist = np.concatenate([[0.0], np.cumsum(v[1:])])
    dist_q = quantize("record", "distance", dist)  # as the file will hold it

    # --- start time (local wall clock -> UTC)
    tz = ZoneInfo(ath.timezone)
    minute_jitter = int(rng.integers(0, 11))
    local_start = datetime.combine(plan.day, plan.start_local, tzinfo=tz) + timedelta(
        minutes=minute_jitter
    )
    start_utc = local_start.astimezone(UTC)
    utc_offset = local_start.utcoffset()
    utc_offset_s = int(utc_offset.total_seconds()) if utc_offset is not None else 0
    t0 = start_utc.timestamp()

    # --- cadence model (running gait), fatigue
    day_index = (plan.day - block.start).days
    n_days = (block.race_date - block.start).days
    c0 = ath.c0_spm + ath.c0_rise_spm * day_index / max(1, n_days)
    main_end = motion.seg_start[1] + motion.seg_len[1] - 1  # end of the first (continuous) segment
    fatigue: dict[str, Any] | None = None
    fat = np.zeros(n)
    if plan.kind in ("long", "race"):
        onset_d = FATIGUE_ONSET_FRACTION * dist_q[main_end]
        onset_i = int(np.searchsorted(dist_q, onset_d))
        ramp = np.clip((t - onset_i) / max(1, main_end - onset_i), 0.0, 1.0)
        fat = ramp
        fatigue = {
            "onset_fraction": FATIGUE_ONSET_FRACTION,
            "onset_distance_m": _r(dist_q[onset_i], 2),
            "onset_time_s": onset_i,
            "end_time_s": main_end,
            "end_distance_m": _r(dist_q[main_end], 2),
            "cadence_drop_spm": FATIGUE_CADENCE_DROP_SPM,
            "contact_time_increase": FATIGUE_CONTACT_INCREASE,
            "shape": "linear in elapsed time from onset_time_s to end_time_s, held after",
        }
    cadence = (
        c0
        + ath.k_spm_per_mps * (v - ath.v_ref_mps)
        - FATIGUE_CADENCE_DROP_SPM * fat
        + ath.cadence_noise_spm * rng.standard_normal(n)
    )
    cadence = np.where(walk, ath.walk_cadence_spm + 2.0 * rng.standard_normal(n), cadence)
    cad_whole, cad_frac = running_cadence_fields(cadence)
    cad_q = 2.0 * (cad_whole + cad_frac)
    step_m = v * 60.0 / cad_q

    # --- running dynamics (invalid while walking)
    gct = (
        ath.gct_easy_ms
        * (v / paces.easy) ** GCT_SPEED_EXPONENT
        * (1.0 + FATIGUE_CONTACT_INCREASE * fat)
    )
    gct = gct + 4.0 * rng.standard_normal(n)
    vo = ath.vo_easy_mm + 4.0 * (v - paces.easy) + 2.0 * rng.standard_normal(n)
    step_mm = quantize("record", "step_length", step_m * 1000.0)
    vo_q = quantize("record", "vertical_oscillation", vo)
    vr = vo_q / step_mm * 100.0
    balance = ath.gct_balance_left_pct + 0.4 * rng.standard_normal(n)
    stance_pct = gct / 1000.0 * (cad_q / 2.0) / 60.0 * 100.0
    for arr in (gct, vo_q, vr, balance, stance_pct, step_mm):
        arr[walk] = np.nan

    # --- heart rate: first-order lag to an effort target + drift
    hrr = ath.hr_max - ath.hr_rest
    vo2 = -4.60 + 0.182258 * flat * 60.0 + 0.000104 * (flat * 60.0) ** 2
    frac_vo2r = np.clip((vo2 - 3.5) / (ath.vdot - 3.5), 0.0, 1.05)
    target = ath.hr_rest + frac_vo2r * hrr
    target = np.where(walk, ath.hr_rest + HR_WALK_FRACTION_HRR * hrr, target)
    target = target + HR_DRIFT_BPM_PER_H * t / 3600.0
    alpha = 1.0 - math.exp(-1.0 / HR_TAU_S)
    hr_list = target.tolist()
    y = HR_START_BPM
    for i, x in enumerate(hr_list):
        y += (x - y) * alpha
        hr_list[i] = y
    hr = np.clip(
        np.rint(np.asarray(hr_list) + HR_NOISE_BPM * rng.standard_normal(n)), 40, ath.hr_max
    )

    power = ath.mass_kg * flat / RUNNING_EFFECTIVENESS
    power[walk] = np.nan

    # --- GPS: route position + correlated jitter + the odd spike
    jitter_sd = GPS_JITTER_M
    dx = jitter_sd * _smooth_noise(rng, n, GPS_JITTER_TAU_S)
    dy = jitter_sd * _smooth_noise(rng, n, GPS_JITTER_TAU_S)
    spikes: list[dict[str, Any]] = []
    if index % GPS_SPIKE_EVERY == 5 and n > 300:
        for _ in range(int(rng.integers(1, 3))):
            i0 = int(rng.integers(60, n - 60))
            length = int(rng.integers(1, 4))
            off = float(rng.uniform(*GPS_SPIKE_OFFSET_M))
            ang = float(rng.uniform(0, 2 * np.pi))
            dx[i0 : i0 + length] += off * math.cos(ang)
            dy[i0 : i0 + length] += off * math.sin(ang)
            spikes.append({"time_s": i0, "samples": length, "offset_m": round(off, 1)})
    lat, lon = route.latlon(pos, dx, dy)
    altitude = route.altitude(pos)

    records: dict[str, FloatArray] = {
        "timestamp": t0 + t,
        "position_lat": degrees_to_semicircles(lat),
        "position_long": degrees_to_semicircles(lon),
        "distance": dist,
        "enhanced_speed": v,
        "enhanced_altitude": altitude,
        "heart_rate": hr,
        "cadence": cad_whole,
        "fractional_cadence": cad_frac,
        "power": np.rint(power),
        "vertical_oscillation": vo_q,
        "stance_time_percent": stance_pct,
        "stance_time": gct,
        "vertical_ratio": vr,
        "stance_time_balance": balance,
        "step_length": step_mm,
    }
    q = {k: (quantize("record", k, a) if k != "timestamp" else a) for k, a in records.items()}

    # --- laps and session from what the file holds
    lap_spans = _split_laps(plan.laps, motion, plan.segments, q["distance"])
    laps: list[dict[str, Any]] = []
    for lo, hi, trig, inten in lap_spans:
        lap = _summary(lo, hi, q, t0, ath.mass_kg)
        lap["lap_trigger"] = trig
        lap["intensity"] = inten
        laps.append(lap)
    session = _summary(0, n - 1, q, t0, ath.mass_kg)

    stem = f"{plan.day.isoformat()}_{plan.kind}"
    fit_path = out_dir / f"{stem}.fit"
    write_activity_fit(
        fit_path,
        records=records,
        laps=laps,
        session=session,
        device=device,
        utc_offset_s=utc_offset_s,
    )

    # --- truth
    seg_info: list[dict[str, Any]] = []
    for i, seg in enumerate(plan.segments, start=1):
        a, m = motion.seg_start[i], motion.seg_len[i]
        start_s = a - 1
        d_m = float(q["distance"][a + m - 1] - q["distance"][a - 1])
        seg_info.append(
            {
                "role": seg.role,
                "start_s": start_s,
                "duration_s": m,
                "distance_m": round(d_m, 2),
                "avg_speed_mps": round(d_m / m, 4),
                "target_flat_speed_mps": round(seg.speed_mps, 4),
                "lap": seg.lap,
            }
        )
    strides_t = [
        {
            "start_s": s["start_s"],
            "duration_s": s["duration_s"],
            "peak_speed_mps": round(
                float(np.max(v[s["start_s"] + 1 : s["start_s"] + 1 + s["duration_s"]])), 3
            ),
            "distance_m": s["distance_m"],
        }
        for s in seg_info
        if s["role"] == "stride"
    ]
    reps_t = [
        {
            "start_s": s["start_s"],
            "duration_s": s["duration_s"],
            "distance_m": s["distance_m"],
            "avg_speed_mps": s["avg_speed_mps"],
            "target_distance_m": plan.segments[j].distance_m,
            "target_flat_speed_mps": s["target_flat_speed_mps"],
        }
        for j, s in enumerate(seg_info)
        if s["role"] == "work"
    ]
    hills_t: list[dict[str, Any]] = []
    for s in seg_info:
        if s["role"] != "hill_up":
            continue
        a = s["start_s"]
        b = a + s["duration_s"]
        gain = float(altitude[b] - altitude[a])
        hills_t.append(
            {
                "start_s": a,
                "duration_s": s["duration_s"],
                "distance_m": s["distance_m"],
                "gain_m": round(gain, 2),
                "mean_grade": round(gain / s["distance_m"], 4),
                "avg_speed_mps": s["avg_speed_mps"],
                "target_grade": plan.hill_grade,
            }
        )
    tempo_t = next(
        (
            {k: s[k] for k in ("start_s", "duration_s", "distance_m", "avg_speed_mps")}
            for s in seg_info
            if s["role"] == "tempo"
        ),
        None,
    )
    truth: dict[str, Any] = {
        "schema": SCHEMA_RUN,
        "file": fit_path.name,
        "type": plan.kind,
        "variant": plan.variant,
        "with_strides": bool(strides_t),
        "week": plan.week,
        "date": plan.day.isoformat(),
        "start_time": start_utc.isoformat().replace("+00:00", "Z"),
        "utc_offset_s": utc_offset_s,
        "n_records": n,
        "distance_m": round(float(q["distance"][-1]), 2),
        "duration_s": n - 1,
        "planned_distance_m": round(plan.planned_distance_m, 1),
        "planned_duration_s": round(plan.planned_duration_s, 1),
        "vdot": ath.vdot,
        "laps": {
            "mode": plan.laps,
            "count": len(laps),
            "auto_lap_m": AUTO_LAP_M if plan.laps == "auto" else None,
        },
        "cadence_model": {
            "c0_spm": round(c0, 4),
            "k_spm_per_mps": ath.k_spm_per_mps,
            "v_ref_mps": ath.v_ref_mps,
            "noise_sd_spm": ath.cadence_noise_spm,
            "walk_cadence_spm": ath.walk_cadence_spm,
            "formula": "cadence = c0 + k*(speed - v_ref) - fatigue + noise (running samples)",
        },
        "fatigue": fatigue,
        "strides": strides_t,
        "interval_reps": reps_t,
        "hill_reps": hills_t,
        "tempo": tempo_t,
        "segments": seg_info,
        "walk_spans": [[a, b] for a, b in _spans(walk.astype(float))],
        "route": {
            "name": route.name,
            "loop_m": route.loop_m,
            "center_lat": route.lat0,
            "center_lon": route.lon0,
            "hill": route.hill,
        },
        "gps": {"jitter_sd_m": jitter_sd, "jitter_tau_s": GPS_JITTER_TAU_S, "spikes": spikes},
        "hr_model": {
            "tau_s": HR_TAU_S,
            "drift_bpm_per_h": HR_DRIFT_BPM_PER_H,
            "hr_max": ath.hr_max,
            "hr_rest": ath.hr_rest,
            "target": "hr_rest + (VO2(flat_speed) - 3.5)/(vdot - 3.5) * (hr_max - hr_rest)",
        },
        "dynamics_model": {
            "gct_easy_ms": ath.gct_easy_ms,
            "gct_speed_exponent": GCT_SPEED_EXPONENT,
            "v_easy_mps": round(paces.easy, 4),
            "vo_easy_mm": ath.vo_easy_mm,
            "gct_balance_left_pct": ath.gct_balance_left_pct,
        },
        "grade_model": {
            "model": "minetti2002",
            "speed": "flat_speed * Cr(0) / Cr(grade) (running samples; walking keeps flat speed)",
        },
        "samples": {
            "grade": np.round(grade, 5).tolist(),
            "flat_speed_mps": np.round(flat, 4).tolist(),
        },
    }
    truth_path = out_dir / f"{stem}.truth.json"
    truth_path.write_text(json.dumps(truth, separators=(",", ":")), encoding="utf-8")
    return _RunResult(fit_path, truth_path, truth, n, float(q["distance"][-1]), float(n - 1))


# --------------------------------------------------------------------------- block


@dataclass(frozen=True)
class BlockTruth:
    """What :func:`generate_block` wrote.

    Attributes
    ----------
    out_dir : Path
        The output folder.
    fit_files, truth_files : tuple of Path
        One FIT file and one truth file per run, in date order.
    block_truth_file : Path
        ``block.truth.json``.
    race_date : date
        Day of the marathon (the last day of the block).
    load_spike_week : int or None
        Week of the planted load spike.
    n_records : int
        Total record messages written [-].
    summary : dict
        The content of ``block.truth.json``.
    """

    out_dir: Path
    fit_files: tuple[Path, ...]
    truth_files: tuple[Path, ...]
    block_truth_file: Path
    race_date: date
    load_spike_week: int | None
    n_records: int
    summary: dict[str, Any]


def generate_block(
    out_dir: Path,
    *,
    weeks: int = 16,
    seed: int = 7,
    start: date | None = None,
    vdot: float = 50.0,
    athlete: Athlete | None = None,
    load_spike_week: int | Literal["auto"] | None = "auto",
    progress: Callable[[int, int], None] | None = None,
) -> BlockTruth:
    """Write a synthetic marathon block as FIT files with truth files.

    Parameters
    ----------
    out_dir : Path
        Folder to write into (created; files of the same names are replaced).
    weeks : int
        Block length [weeks], at least 3.
    seed : int
        Random seed [-]; the same arguments give byte-identical files.
    start : date, optional
        First day (a Monday); default so the race is on :data:`DEFAULT_RACE_DATE`.
    vdot : float
        Athlete VDOT [ml/kg/min].
    athlete : Athlete, optional
        Profile of the runner (its ``vdot`` is replaced by ``vdot``).
    load_spike_week : int, None or "auto"
        See :func:`plan_block`.
    progress : callable, optional
        Called as ``progress(done, total)`` after each run [-].

    Returns
    -------
    BlockTruth
        The files written and the block summary.
    """
    block = plan_block(
        weeks=weeks, start=start, vdot=vdot, athlete=athlete, load_spike_week=load_spike_week
    )
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    routes = {name: _build_route(name, seed) for name in sorted({r.route for r in block.runs})}
    device = FitDevice(serial_number=3_400_000_000 + seed % 10_000_000)
    results: list[_RunResult] = []
    runs = block.runs
    for i, plan in enumerate(runs):
        results.append(
            _generate_run(
                plan, i, block=block, seed=seed, routes=routes, out_dir=out_dir, device=device
            )
        )
        if progress is not None:
            progress(i + 1, len(runs))

    by_week: dict[int, list[_RunResult]] = {}
    for plan, res in zip(runs, results, strict=True):
        by_week.setdefault(plan.week, []).append(res)
    weeks_out: list[dict[str, Any]] = []
    for wp in block.weeks:
        rs = by_week.get(wp.week, [])
        weeks_out.append(
            {
                "week": wp.week,
                "start_date": wp.start.isoformat(),
                "phase": wp.phase,
                "runs": len(wp.runs),
                "planned_km": round(wp.planned_km, 2),
                "planned_min": round(wp.planned_min, 1),
                "actual_km": round(sum(r.distance_m for r in rs) / 1000.0, 2),
                "actual_min": round(sum(r.duration_s for r in rs) / 60.0, 1),
            }
        )
    spike: dict[str, Any] | None = None
    if block.load_spike_week is not None:
        w = block.load_spike_week
        cur, prev = weeks_out[w - 1], weeks_out[w - 2]
        spike = {
            "week": w,
            "planned_ratio": round(cur["planned_km"] / prev["planned_km"], 4),
            "actual_ratio": round(cur["actual_km"] / prev["actual_km"], 4),
            "target_ratio": block.load_spike_ratio,
            "basis": "weekly distance vs the week before",
        }
    ath = block.athlete
    n_days = (block.race_date - block.start).days
    summary: dict[str, Any] = {
        "schema": SCHEMA_BLOCK,
        "seed": seed,
        "weeks": weeks,
        "start_date": block.start.isoformat(),
        "race_date": block.race_date.isoformat(),
        "vdot": ath.vdot,
        "athlete": asdict(ath),
        "paces_mps": {
            k: round(v, 4) for k, v in asdict(block.paces).items() if k != "marathon_time_s"
        },
        "paces_s_per_km": block.paces.per_km(),
        "predicted_marathon_s": round(block.paces.marathon_time_s, 1),
        "cadence_c0": {
            "start_spm": ath.c0_spm,
            "end_spm": ath.c0_spm + ath.c0_rise_spm,
            "per_week_spm": round(ath.c0_rise_spm / n_days * 7, 5),
            "shape": "linear in days from start_date to race_date",
        },
        "weekly": weeks_out,
        "load_spike": spike,
        "n_runs": len(results),
        "n_records": sum(r.n_records for r in results),
        "files": [
            {
                "fit": r.fit_path.name,
                "truth": r.truth_path.name,
                "type": r.truth["type"],
                "date": r.truth["date"],
                "week": r.truth["week"],
                "distance_m": r.truth["distance_m"],
                "duration_s": r.truth["duration_s"],
            }
            for r in results
        ],
    }
    block_path = out_dir / "block.truth.json"
    block_path.write_text(json.dumps(summary, indent=1), encoding="utf-8")
    return BlockTruth(
        out_dir=out_dir,
        fit_files=tuple(r.fit_path for r in results),
        truth_files=tuple(r.truth_path for r in results),
        block_truth_file=block_path,
        race_date=block.race_date,
        load_spike_week=block.load_spike_week,
        n_records=summary["n_records"],
        summary=summary,
    )
