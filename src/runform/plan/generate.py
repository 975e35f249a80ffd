"""A periodised, technique-aware marathon (or half-marathon) plan from a few inputs.

:func:`generate_plan` builds the plan; :func:`check_load` compares its weekly running
volume with the runner's current volume and refuses a plan that trades running for
technique work. Everything is pure: the same inputs (``today`` included) give the
same plan.

The rules, each with its source (constants below carry the details):

* **Structure.** The last two weeks are the taper (the week before race week and race
  week, which ends on race day); the three weeks before are the peak; the weeks
  before those are blocks of 3 or 4 weeks, each ending in a cutback week, the first
  half of the blocks base and the second half build.
* **Volume.** Week 1 runs the runner's current volume; each load week rises at most
  10 % over the last load week (the coaching "10 % rule", as
  :data:`runform.core.load.VOLUME_JUMP_FLAG`), geometrically towards the peak, which
  is reached in the first peak week and held; a cutback week runs 75 % of the load
  week before it; the taper runs 55 % and then 45 % of the peak (a 45 % and a 55 %
  cut, inside the 41-60 % of Bosquet et al. 2007) with intensity and frequency kept.
* **Long run.** At most 30 % of the week and 150 min at the slow end of E pace
  (Daniels), or with ``long_run_style="pfitzinger"`` 35 %, 35 km and 180 min; it grows
  by at most 3.2 km (2 mi) over the longest run so far.
* **Quality** at Daniels' VDOT paces, within Daniels' weekly caps: T <= 10 % of the
  week, I <= min(10 km, 8 %), R <= min(8 km, 5 %), M <= min(29 km, 20 %). Base: easy
  running, strides and hills (Daniels' phase I); build: R reps, then I intervals, and
  marathon-pace segments in alternate long runs; peak: T cruise intervals and I
  intervals in turn; taper: I intervals, then an M-pace tune-up in race week.
* **Technique.** Every week carries the six focuses where they belong (see
  :data:`FOCUS_PHASES`): a posture/pelvic-control drill set in 3 warm-ups (2 in the
  taper), progressed by phase; cadence segments in 2 runs with targets +2.5 %, +5 %,
  +7.5 % over the runner's own cadence at the pace (Heiderscheit et al. 2011); a
  weekly hill session that progresses (reps, then longer reps, downhill form on the
  way down); strides after every long run and some easy runs; one form cue per
  interval set; 15-minute strength-endurance sessions 4 (3 in the peak) times a week
  plus an optional longer one, levelled up by phase and cut to 2 and then 1 in the
  taper (Blagrove et al. 2018).
* **Load is kept.** Technique elements sit inside or after runs; strength sessions are
  extra days' work, never a run replaced; no load week drops below the current volume.

References
----------
.. [1] Daniels, J. (2014). Daniels' Running Formula, 3rd ed. Human Kinetics.
.. [2] Bosquet, L., Montpetit, J., Arvisais, D., Mujika, I. (2007). Effects of tapering
   on performance: a meta-analysis. Med Sci Sports Exerc 39(8), 1358-1365.
   https://doi.org/10.1249/mss.0b013e31806010e0
.. [3] Heiderscheit, B. C. et al. (2011). Effects of step rate manipulation on joint
   mechanics during running. Med Sci Sports Exerc 43(2), 296-302.
   https://doi.org/10.1249/MSS.0b013e3181ebedf4
.. [4] Blagrove, R. C., Howatson, G., Hayes, P. R. (2018). Effects of strength training
   on the physiological determinants of middle- and long-distance running
   performance: a systematic review. Sports Med 48(5), 1117-1149.
   https://doi.org/10.1007/s40279-017-0835-7
.. [5] Higdon, H. (2016). Weekly mileage before starting a marathon training program.
   TrainingPeaks blog, 2 Feb 2016 ("15 to 25 weekly miles before starting" the
   18-week Novice 1 programme).
.. [6] Minetti, A. E. et al. (2002). Energy cost of walking and running at extreme
   uphill and downhill slopes. J Appl Physiol 93(3), 1039-1046.
   https://doi.org/10.1152/japplphysiol.01177.2001
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, timedelta
from typing import Any, Literal

from runform.core.cadence import CadenceModel, cadence_targets
from runform.core.grade import minetti_cost
from runform.core.load import LONG_RUN_SHARE_FLAG, VOLUME_JUMP_FLAG
from runform.errors import UsageError
from runform.performance.races import HALF_MARATHON_M, parse_distance, parse_duration
from runform.performance.vdot import (
    MARATHON_M,
    TrainingPaces,
    check_vdot,
    race_time_from_vdot,
    training_paces,
    vdot_from_race,
)
from runform.plan.library import (
    CadenceSegments,
    StrengthLibrary,
    StridesDose,
    TechniqueLibrary,
    strength_library,
    technique_library,
)
from runform.plan.model import (
    CadenceGoal,
    LoadRow,
    Phase,
    Plan,
    Repeat,
    Session,
    SessionType,
    Step,
    StepKind,
    TechniqueElement,
    Week,
    WeekKind,
)
from runform.units import format_duration

__all__ = [
    "CUTBACK_FRACTION",
    "ENTRY_BARS",
    "FOCUS_PHASES",
    "LONG_RUN_RULES",
    "QUALITY_CAPS",
    "TAPER_FRACTIONS",
    "EntryBar",
    "LongRunRule",
    "LongRunStyle",
    "QualityCap",
    "check_load",
    "generate_plan",
    "minimum_current_km",
]

LongRunStyle = Literal["daniels", "pfitzinger"]

# --------------------------------------------------------------------------- constants

WEEKS_MIN, WEEKS_MAX, WEEKS_DEFAULT = 12, 20, 16
"""Plan length [weeks] accepted, and the default (issue 5)."""

DAYS_MIN, DAYS_MAX = 3, 7
"""Running days per week [-] accepted."""

TAPER_WEEKS = 2
"""Taper length [weeks], race week included: Bosquet et al. (2007) found the largest
effect for tapers of 8-14 days."""

TAPER_FRACTIONS = (0.55, 0.45)
"""Volume of the two taper weeks as fractions of the peak week [-]: cuts of 45 % and
55 %, inside the 41-60 % reduction Bosquet et al. (2007) found best, and progressive
(deeper in race week). Race week counts the training before the race only."""

PEAK_WEEKS = 3
"""Weeks of the peak block before the taper [weeks] (three load weeks, no cutback:
the taper is the recovery)."""

MAX_WEEKLY_INCREASE = VOLUME_JUMP_FLAG
"""Largest rise of a load week over the last load week [fraction]: 10 %, the coaching
"10 % rule" runform also flags in history (:data:`runform.core.load.VOLUME_JUMP_FLAG`)."""

CUTBACK_FRACTION = 0.75
"""Volume of a cutback week as a fraction of the load week before it [-]: a 25 % cut,
the middle of the 20-30 % recovery weeks of common periodised plans (issue 5)."""

PEAK_GROWTH = 1.5
"""Peak volume as a multiple of the current volume [-] (runform's choice): over a
12-20-week block it means an average rise of only 2-4 % a week."""

MAX_PEAK_KM = 160.0
"""Highest peak the generator plans for [km/week] (100 mi, runform's choice; a runner
already above it keeps their volume)."""

LONG_RUN_STEP_KM = 3.2
"""Largest rise of the long run over the longest run so far [km] (2 mi, the largest
jump of Higdon's novice long-run progressions)."""

VDOT_GAIN_PER_WEEK = 0.25
"""Largest VDOT gain a block is credited with [VDOT/week]: Daniels (2014) raises the
training VDOT by 1 after 4-6 weeks of training; 1 per 4 weeks is the optimistic end."""

PACE_BAND = 0.015
"""Half-width of the watch target around a single pace (M, T, I, R, race) [fraction]:
runform's choice, about +-4 s/km at 4:30/km, wide enough for GPS pace noise."""

HILL_MIN_REPS = 4
"""Fewest hill reps a week's session is cut to [-]."""

STRIDES_MIN = 4
"""Fewest strides a session is cut to [-]."""

CADENCE_MIN_S = 60.0
"""Shortest cadence segment a small week is cut to [s]."""

WARMUP_MAX_M = 3000
"""Longest cool-down of a quality session [m]; extra distance goes to the warm-up."""

MIN_SEGMENT_M = 1000
"""Shortest easy warm-up, cool-down or easy part of a run [m]."""


@dataclass(frozen=True)
class LongRunRule:
    """Caps on the long run.

    Attributes
    ----------
    share : float
        Largest share of the week's running volume [fraction].
    minutes : float
        Longest running time at the slow end of E pace [min].
    km : float or None
        Longest distance [km], if any.
    source : str
        Where the rule comes from.
    """

    share: float
    minutes: float
    km: float | None
    source: str


LONG_RUN_RULES: dict[str, LongRunRule] = {
    "daniels": LongRunRule(
        share=LONG_RUN_SHARE_FLAG,
        minutes=150.0,
        km=None,
        source="Daniels (2014): the long run is the lesser of 25-30 % of the week and 150 min",
    ),
    "pfitzinger": LongRunRule(
        share=0.35,
        minutes=180.0,
        km=35.0,
        source=(
            "Pfitzinger & Douglas style: long runs up to about 35 % of the week and 32-35 km; "
            "180 min is runform's time cap for slower runners"
        ),
    ),
}
"""Long-run rules by style."""


@dataclass(frozen=True)
class QualityCap:
    """Largest weekly volume of work at one pace: ``min(share * week, km)`` [km]."""

    share: float
    km: float | None

    def cap_m(self, week_m: float) -> float:
        """The cap [m] for a week of ``week_m`` [m]."""
        cap = self.share * week_m
        return cap if self.km is None else min(cap, 1000.0 * self.km)


QUALITY_CAPS: dict[str, QualityCap] = {
    "T": QualityCap(0.10, None),
    "I": QualityCap(0.08, 10.0),
    "R": QualityCap(0.05, 8.0),
    "M": QualityCap(0.20, 29.0),
}
"""Daniels' (2014) weekly caps on work at each pace (shared/reference/vectors.md, "Plans";
M: the lesser of 20 % of the week and 29 km / 18 mi)."""


@dataclass(frozen=True)
class EntryBar:
    """The least weekly volume a published beginner plan asks for before it starts.

    Attributes
    ----------
    km : float
        Weekly volume [km] at the start.
    weeks : int
        Length of that plan [weeks].
    source : str
        The plan.
    """

    km: float
    weeks: int
    source: str


ENTRY_BARS: dict[str, EntryBar] = {
    "marathon": EntryBar(
        km=15 * 1.609344,
        weeks=18,
        source="Higdon (2016): 15-25 mi a week before the 18-week Novice 1 marathon plan",
    ),
    "half_marathon": EntryBar(
        km=15.0,
        weeks=12,
        source=(
            "Higdon's 12-week Novice 1 half-marathon plan opens with 3-4 mi runs, "
            "about 15 km a week"
        ),
    ),
}
"""Entry bars by race. The minimum peak is what the bar reaches under this generator's
own progression in the bar's plan length; a runner needs enough volume now to reach
that peak in the weeks asked (:func:`minimum_current_km`)."""

FOCUS_PHASES: dict[str, frozenset[Phase]] = {
    "posture": frozenset({"base", "build", "peak", "taper"}),
    "cadence": frozenset({"base", "build", "peak", "taper"}),
    "hills": frozenset({"base", "build", "peak"}),
    "strides": frozenset({"base", "build", "peak", "taper"}),
    "intervals": frozenset({"build", "peak", "taper"}),
    "strength": frozenset({"base", "build", "peak", "taper"}),
}
"""Phases each technique focus belongs to: hills stop for the taper (no new eccentric
soreness before the race); technique intervals start with the quality of the build
(Daniels' phase I is easy running and strides)."""

CADENCE_INCREASE: dict[Phase, float] = {"base": 0.025, "build": 0.05, "peak": 0.075, "taper": 0.075}
"""Cadence target over the runner's own cadence at the pace [fraction], by phase: steps of
2.5 % up to 7.5 %, inside the +5-10 % of Heiderscheit et al. (2011); the taper holds."""

DRILL_SESSIONS: dict[WeekKind, int] = {"load": 3, "cutback": 3, "taper": 2, "race": 2}
"""Runs a week with a posture/pelvic-control drill set in the warm-up [-] (issue 5: 2-3)."""

CADENCE_SESSIONS = 2
"""Runs a week with cadence segments [-]."""

STRENGTH_SESSIONS: dict[Phase, int] = {"base": 4, "build": 4, "peak": 3, "taper": 2}
"""Short strength-endurance sessions a week [-] (issue 5: 3-5; Blagrove et al. 2018:
2-3 sessions improve economy); race week has one."""

STRENGTH_LEVEL: dict[Phase, int] = {"base": 1, "build": 2, "peak": 3, "taper": 3}
"""Exercise level by phase (the family's progression); the taper keeps the level and
cuts the sets, as the running taper keeps intensity and cuts volume."""

STRENGTH_SET_S = 3.0
"""Time per rep [s] for duration estimates (1 s up, 2 s down)."""

STRENGTH_REST_S = 40.0
"""Rest after each set [s] for duration estimates (30-60 s in the library's advice)."""

PATTERNS: dict[int, tuple[tuple[int, str], ...]] = {
    3: ((0, "long"), (2, "q1"), (4, "hills")),
    4: ((0, "long"), (2, "q1"), (4, "hills"), (5, "easy")),
    5: ((0, "long"), (1, "easy"), (2, "q1"), (4, "hills"), (5, "easy")),
    6: ((0, "long"), (1, "easy"), (2, "q1"), (3, "easy"), (4, "hills"), (5, "easy")),
    7: ((0, "long"), (1, "easy"), (2, "q1"), (3, "easy"), (4, "hills"), (5, "easy"), (6, "easy")),
}
"""Running days as (days after the long run, role): hard days apart, an easy day or
rest before the long run."""

WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")


# --------------------------------------------------------------------------- small helpers


def _ceil100(m: float) -> int:
    return math.ceil(m / 100.0 - 1e-9) * 100


def _floor100(m: float) -> int:
    return math.floor(m / 100.0 + 1e-9) * 100


def _fmt_km(m: float) -> str:
    return f"{m / 1000.0:.1f} km"


def _fmt_pace(s_per_km: float) -> str:
    return f"{format_duration(s_per_km)}/km"


def _weekday(day: int | str) -> int:
    if isinstance(day, bool):
        raise UsageError(f"long_run_day must be a weekday, not {day!r}")
    if isinstance(day, int):
        if 0 <= day <= 6:
            return day
        raise UsageError(f"long_run_day must be 0-6 (Monday=0) or a weekday name, not {day}")
    text = str(day).strip().lower()
    for i, name in enumerate(WEEKDAYS):
        if len(text) >= 3 and name.startswith(text):
            return i
    raise UsageError(f"long_run_day {day!r} is not a weekday; use mon..sun or 0-6 (Monday=0)")


def _race(distance: float | str) -> tuple[float, str]:
    d = parse_distance(distance) if isinstance(distance, str) else float(distance)
    for name, ref in (("marathon", MARATHON_M), ("half_marathon", HALF_MARATHON_M)):
        if abs(d - ref) <= 0.01 * ref:
            return ref, name
    raise UsageError(
        f"plans are for the marathon or the half marathon, not {d / 1000.0:g} km; "
        "use --distance marathon or half"
    )


# --------------------------------------------------------------------------- structure


def _blocks(n: int) -> list[int]:
    """Split ``n`` weeks into blocks of 3 or 4 (3s first), as many 4s as possible."""
    for fours in range(n // 4, -1, -1):
        rest = n - 4 * fours
        if rest % 3 == 0:
            return [3] * (rest // 3) + [4] * fours
    raise ValueError(f"{n} weeks cannot be split into blocks of 3 and 4")  # n in 1, 2, 5


def _structure(weeks: int) -> list[tuple[Phase, WeekKind]]:
    """Phase and kind of each week of a ``weeks``-week plan."""
    blocks = _blocks(weeks - TAPER_WEEKS - PEAK_WEEKS)
    n_base = len(blocks) // 2
    out: list[tuple[Phase, WeekKind]] = []
    for i, length in enumerate(blocks):
        phase: Phase = "base" if i < n_base else "build"
        load: tuple[Phase, WeekKind] = (phase, "load")
        cutback: tuple[Phase, WeekKind] = (phase, "cutback")
        out += [load] * (length - 1) + [cutback]
    out += [("peak", "load")] * PEAK_WEEKS
    out += [("taper", "taper"), ("taper", "race")]
    return out


def _growth_steps(weeks: int) -> int:
    """Load-week rises from week 1 to the first peak week [-]."""
    s = _structure(weeks)
    first_peak = next(i for i, (p, _) in enumerate(s) if p == "peak")
    return sum(1 for p, k in s[1 : first_peak + 1] if k == "load")


def _minimum_peak_km(race_name: str) -> float:
    bar = ENTRY_BARS[race_name]
    return bar.km * (1.0 + MAX_WEEKLY_INCREASE) ** _growth_steps(bar.weeks)


def minimum_current_km(race_name: str, weeks: int) -> float:
    """Least current weekly volume [km] from which a plan of ``weeks`` weeks is made.

    Parameters
    ----------
    race_name : {"marathon", "half_marathon"}
        The race.
    weeks : int
        Plan length [weeks], 12-20.

    Returns
    -------
    float
        Volume [km/week].

    Notes
    -----
    The minimum peak is where the published entry bar (:data:`ENTRY_BARS`, e.g. 15 mi a
    week before Higdon's 18-week novice marathon plan) gets under this generator's own
    progression in that plan's length, :math:`P_\\min = b\\,(1.1)^{k(w_b)}` with
    :math:`k(w)` the load-week rises before the peak of a :math:`w`-week plan. A runner
    needs :math:`P_\\min / 1.1^{k(w)}` now to reach it in :math:`w` weeks.
    """
    return _minimum_peak_km(race_name) / (1.0 + MAX_WEEKLY_INCREASE) ** _growth_steps(weeks)


def _days_cap_km(days: int, run_cap_km: float, share: float) -> float:
    """Largest weekly volume [km] whose runs other than the long run average at most ``run_cap_km``.

    While the long run is ``share`` of the week (``share * V <= cap``) the other runs
    carry :math:`(1 - s) V / (d - 1)`; once the long run sits at the cap they carry
    :math:`(V - c) / (d - 1)`.
    """
    below = min((days - 1) * run_cap_km / (1.0 - share), run_cap_km / share)
    above = days * run_cap_km if days * run_cap_km > run_cap_km / share else 0.0
    return max(below, above)


# --------------------------------------------------------------------------- context


@dataclass(frozen=True)
class _Ctx:
    """Everything the session builders need."""

    paces: TrainingPaces
    five_k: float  # [s/km]
    ten_k: float  # [s/km]
    race_pace: float  # [s/km]
    tech: TechniqueLibrary
    strength: StrengthLibrary
    cadence_model: CadenceModel | None

    @property
    def e_range(self) -> tuple[float, float]:
        return self.paces.easy_s_per_km

    @property
    def e_mid(self) -> float:
        return 0.5 * (self.e_range[0] + self.e_range[1])

    def band(self, label: str) -> tuple[float, float]:
        """Pace range [s/km] of a pace label."""
        if label == "E":
            return self.e_range
        if label == "5K":
            return (self.five_k, self.paces.threshold_s_per_km)
        single = {
            "M": self.paces.marathon_s_per_km,
            "T": self.paces.threshold_s_per_km,
            "I": self.paces.interval_s_per_km,
            "R": self.paces.repetition_s_per_km,
            "race": self.race_pace,
        }[label]
        return (single * (1.0 - PACE_BAND), single * (1.0 + PACE_BAND))

    def mid(self, label: str) -> float:
        lo, hi = self.band(label)
        return 0.5 * (lo + hi)

    def dist_step(
        self, kind: StepKind, m: float, label: str, name: str = "", cue: str = ""
    ) -> Step:
        """A step ended by distance at a pace label."""
        return Step(
            kind=kind,
            end="distance",
            distance_m=float(m),
            duration_s=m / 1000.0 * self.mid(label),
            pace_label=label,
            pace_s_per_km=self.band(label),
            name=name,
            cue=cue,
        )

    def time_step(
        self, kind: StepKind, s: float, label: str, name: str = "", cue: str = ""
    ) -> Step:
        """A step ended by time at a pace label (distance estimated, whole metres)."""
        return Step(
            kind=kind,
            end="time",
            distance_m=float(round(s * 1000.0 / self.mid(label))),
            duration_s=float(s),
            pace_label=label,
            pace_s_per_km=self.band(label),
            name=name,
            cue=cue,
        )


# --------------------------------------------------------------------------- week specs


@dataclass
class _Work:
    """An interval session's main block."""

    label: str  # R, I, T, M
    rep_m: int
    reps: int
    min_reps: int
    max_set: int
    recovery: tuple[str, float]  # ("distance", m) or ("time", s)


@dataclass
class _Hills:
    phase: Phase
    reps: int
    rep_s: float
    up_m: float
    effort_label: str


@dataclass
class _RunSpec:
    """What one run carries before its distance is fitted."""

    role: str  # long, q1, hills, easy, race
    day: int  # index in the week 0..6
    drills: bool = False
    cadence: CadenceSegments | None = None
    strides: StridesDose | None = None
    work: _Work | None = None
    hills: _Hills | None = None
    m_m: int = 0  # marathon-pace part of a long run [m]
    blocks: list[Step | Repeat] = field(default_factory=list)


@dataclass(frozen=True)
class _WeekSkeleton:
    number: int
    phase: Phase
    kind: WeekKind
    start: date
    volume_m: int
    long_m: int
    progress: float  # 0..1 within the phase's load weeks
    phase_index: int  # index of the (last) load week within its phase
    phase_loads: int  # load weeks in the phase


# --------------------------------------------------------------------------- volumes


def _volumes(structure: Sequence[tuple[Phase, WeekKind]], v1_m: int, peak_m: float) -> list[int]:
    """Weekly running volume [m] of each week (multiples of 100 m)."""
    first_peak = next(i for i, (p, _) in enumerate(structure) if p == "peak")
    vols: list[int] = []
    last_load = v1_m
    for i, (_, kind) in enumerate(structure):
        if i == 0:
            v = v1_m
        elif kind == "load":
            remaining = sum(1 for _, k in structure[i : first_peak + 1] if k == "load")
            if remaining > 0 and last_load < peak_m:
                rate = min(1.0 + MAX_WEEKLY_INCREASE, (peak_m / last_load) ** (1.0 / remaining))
                v = max(last_load, _floor100(min(peak_m, last_load * rate)))
            else:
                v = last_load  # the peak block holds the peak
        elif kind == "cutback":
            v = round(CUTBACK_FRACTION * last_load / 100.0) * 100
        else:
            top = max(vols)
            v = _floor100(TAPER_FRACTIONS[0 if kind == "taper" else 1] * top)
        if kind == "load":
            last_load = v
        vols.append(v)
    return vols


# --------------------------------------------------------------------------- blocks


def _pick_reps(
    target_m: float, cap_m: float, options: Sequence[int], max_reps: int, min_reps: int
) -> tuple[int, int]:
    """Rep distance [m] and count for ``target_m`` of work under ``cap_m``."""
    target = min(target_m, cap_m)
    rep, n = options[-1], int(target // options[-1])
    for option in options:
        n = int(target // option)
        rep = option
        if n <= max_reps:
            break
    n = min(n, max_reps)
    if n < min_reps:
        rep = max(100, _floor100(target / min_reps))
        n = min_reps
    return rep, n


def _work_spec(label: str, volume_m: int, progress: float) -> _Work:
    """The main block of an R, I, T or M session at this week's volume."""
    frac = 0.8 + 0.2 * progress
    cap = QUALITY_CAPS[label].cap_m(volume_m)
    if label == "R":
        rep, n = _pick_reps(frac * cap, cap, (200, 300, 400), 16, 4)
        return _Work("R", rep, n, 4, 4, ("distance", float(rep)))
    if label == "I":
        rep, n = _pick_reps(frac * cap, cap, (400, 800, 1000, 1200), 10, 3)
        return _Work("I", rep, n, 3, 5, ("distance", float(max(200, _floor100(rep / 2)))))
    if label == "T":
        rep, n = _pick_reps(0.9 * frac * cap, cap, (1000, 1600, 2000), 6, 2)
        return _Work("T", rep, n, 2, 2, ("time", 60.0))
    target = min(0.15 * volume_m, 4000.0)  # race-week tune-up
    rep, n = _pick_reps(target, cap, (1000,), 4, 2)
    return _Work("M", rep, n, 2, 2, ("time", 60.0))


def _hill_spec(ctx: _Ctx, phase: Phase, progress: float, cutback: bool) -> _Hills:
    stage = ctx.tech.hill_stages[phase]
    reps = round(stage.reps_first + (stage.reps_last - stage.reps_first) * progress)
    if cutback:
        reps = max(HILL_MIN_REPS, reps - 2)
    effort_pace = ctx.ten_k if phase == "peak" else ctx.five_k
    # Same metabolic power uphill: speed x cost per metre is constant (Minetti 2002).
    v_up = 1000.0 / effort_pace * minetti_cost(0.0) / minetti_cost(ctx.tech.hill_grade)
    up_m = 10.0 * round(v_up * stage.rep_s / 10.0)
    return _Hills(phase, reps, stage.rep_s, up_m, "10K" if phase == "peak" else "5K")


def _cadence_block(ctx: _Ctx, seg: CadenceSegments, goals: tuple[CadenceGoal, ...]) -> Repeat:
    e = next(g for g in goals if g.pace_label == "E")
    pct = f"{100.0 * e.increase:g} %"
    cue = (
        f"cadence {e.target_spm:.0f} steps/min"
        if e.target_spm is not None
        else f"step rate +{pct} over your usual"
    )
    return Repeat(
        count=seg.count,
        steps=(
            ctx.time_step("run", seg.work_s, "E", name="Cadence", cue=cue),
            ctx.time_step("run", seg.rest_s, "E", name="Natural", cue="natural cadence"),
        ),
        name="Cadence",
    )


def _strides_block(ctx: _Ctx, dose: StridesDose) -> Repeat:
    return Repeat(
        count=dose.count,
        steps=(
            ctx.dist_step(
                "work", dose.distance_m, "5K", name="Stride", cue=ctx.tech.focuses["strides"].cue
            ),
            Step(
                kind="recovery",
                end="time",
                distance_m=0.0,
                duration_s=ctx.tech.strides_recovery_s,
                name="Walk",
                running=False,
            ),
        ),
        name="Strides",
    )


def _work_blocks(ctx: _Ctx, work: _Work, cue_offset: int) -> list[Repeat]:
    cues = ctx.tech.interval_cues
    n_sets = max(1, math.ceil(work.reps / work.max_set))
    base, extra = divmod(work.reps, n_sets)
    out: list[Repeat] = []
    for j in range(n_sets):
        count = base + (1 if j < extra else 0)
        cue = cues[(cue_offset + j) % len(cues)]
        kind_r, amount = work.recovery
        recovery = (
            ctx.dist_step("recovery", amount, "E", name="Jog")
            if kind_r == "distance"
            else ctx.time_step("recovery", amount, "E", name="Jog")
        )
        out.append(
            Repeat(
                count=count,
                steps=(
                    ctx.dist_step("work", work.rep_m, work.label, name="Rep", cue=cue),
                    recovery,
                ),
                name=f"Set {j + 1}",
            )
        )
    return out


def _hill_block(ctx: _Ctx, h: _Hills) -> Repeat:
    stage = ctx.tech.hill_stages[h.phase]
    return Repeat(
        count=h.reps,
        steps=(
            Step(
                kind="work",
                end="time",
                distance_m=h.up_m,
                duration_s=h.rep_s,
                name="Uphill",
                cue=stage.cue,
            ),
            Step(
                kind="recovery",
                end="distance",
                distance_m=h.up_m,
                duration_s=h.up_m / 1000.0 * ctx.e_mid,
                name="Jog down",
                cue=stage.downhill_cue,
            ),
        ),
        name="Hill reps",
    )


def _fixed_blocks(
    ctx: _Ctx, spec: _RunSpec, goals: tuple[CadenceGoal, ...], cue_offset: int
) -> None:
    blocks: list[Step | Repeat] = []
    if spec.cadence is not None:
        blocks.append(_cadence_block(ctx, spec.cadence, goals))
    if spec.work is not None:
        blocks.extend(_work_blocks(ctx, spec.work, cue_offset))
    if spec.hills is not None:
        blocks.append(_hill_block(ctx, spec.hills))
    if spec.m_m > 0:
        blocks.append(
            ctx.dist_step("work", spec.m_m, "M", name="M pace", cue="Relaxed and tall at M pace.")
        )
    if spec.strides is not None:
        blocks.append(_strides_block(ctx, spec.strides))
    spec.blocks = blocks


def _fixed_m(spec: _RunSpec) -> float:
    return sum(b.running_m for b in spec.blocks)


def _min_fill(spec: _RunSpec) -> int:
    if spec.role in ("q1", "hills"):
        return 2 * MIN_SEGMENT_M
    fill = MIN_SEGMENT_M
    if spec.drills:
        fill += MIN_SEGMENT_M // 2
    if spec.m_m > 0:
        fill += MIN_SEGMENT_M  # the easy finish after the M part
    return fill


def _min_budget(spec: _RunSpec) -> int:
    return _ceil100(_fixed_m(spec) + _min_fill(spec))


# --------------------------------------------------------------------------- fitting


def _water_fill(total: int, mins: Sequence[int], prefer: Sequence[int]) -> list[int]:
    """Split ``total`` [m] into budgets >= ``mins``, as equal as possible, in 100 m units."""
    units = total // 100
    lows = [m // 100 for m in mins]
    n = len(lows)
    order = sorted(range(n), key=lambda i: lows[i])
    level = 0.0
    raised = n
    for j in range(n):
        above = sum(lows[order[k]] for k in range(j + 1, n))
        level = (units - above) / (j + 1)
        if j == n - 1 or level <= lows[order[j + 1]]:
            raised = j + 1
            break
    out = list(lows)
    base = math.floor(level + 1e-9)
    for k in range(raised):
        out[order[k]] = max(lows[order[k]], base)
    leftover = units - sum(out)
    ranked = sorted(range(n), key=lambda i: (out[i], prefer[i]))
    k = 0
    while leftover > 0:
        out[ranked[k % n]] += 1
        leftover -= 1
        k += 1
    return [u * 100 for u in out]


_PREFER = {"easy": 0, "hills": 1, "q1": 2, "long": 3}


def _shrink(specs: Sequence[_RunSpec]) -> bool:
    """Take one step off the week's fixed work; False when nothing is left to cut."""

    def cut_cadence(floor: int) -> bool:
        for s in specs:
            if s.cadence is not None and s.cadence.count > floor:
                s.cadence = replace(s.cadence, count=s.cadence.count - 1)
                return True
        return False

    def cut_work() -> bool:
        for s in specs:
            if s.work is not None and s.work.reps > s.work.min_reps:
                s.work.reps -= 1
                return True
        return False

    def cut_hills() -> bool:
        for s in specs:
            if s.hills is not None and s.hills.reps > HILL_MIN_REPS:
                s.hills.reps -= 1
                return True
        return False

    def cut_m() -> bool:
        for s in specs:
            if s.m_m > 0:
                s.m_m = max(0, s.m_m - 1000)
                return True
        return False

    def cut_strides() -> bool:
        for s in specs:
            if s.strides is not None and s.strides.count > STRIDES_MIN:
                s.strides = StridesDose(s.strides.count - 1, s.strides.distance_m)
                return True
        return False

    def cut_cadence_time() -> bool:
        for s in specs:
            if s.cadence is not None and s.cadence.work_s > CADENCE_MIN_S:
                work = max(CADENCE_MIN_S, s.cadence.work_s - 60.0)
                s.cadence = replace(s.cadence, work_s=work, rest_s=min(s.cadence.rest_s, work))
                return True
        return False

    steps: list[Callable[[], bool]] = [
        lambda: cut_cadence(2),
        cut_work,
        cut_hills,
        cut_m,
        lambda: cut_cadence(1),
        cut_strides,
        cut_cadence_time,
    ]
    return any(step() for step in steps)


# --------------------------------------------------------------------------- run assembly


def _fill_steps(
    ctx: _Ctx, spec: _RunSpec, budget: int, drills_min: float, drill_cue: str
) -> tuple[Step | Repeat, ...]:
    """The run's steps with easy running filling ``budget`` [m] around the fixed blocks."""
    fill = budget - _fixed_m(spec)
    drills = (
        [
            Step(
                kind="warmup",
                end="time",
                distance_m=0.0,
                duration_s=60.0 * drills_min,
                name="Drills",
                cue=drill_cue,
                running=False,
            )
        ]
        if spec.drills
        else []
    )
    cadence = [b for b in spec.blocks if isinstance(b, Repeat) and b.name == "Cadence"]
    strides = [b for b in spec.blocks if isinstance(b, Repeat) and b.name == "Strides"]
    main = [b for b in spec.blocks if b not in cadence and b not in strides]
    out: list[Step | Repeat] = []
    if spec.role in ("q1", "hills"):
        cool_target = min(WARMUP_MAX_M, max(MIN_SEGMENT_M, _floor100(fill / 2.0)))
        warm = _floor100(fill - cool_target)
        cool = fill - warm
        out = [ctx.dist_step("warmup", warm, "E", name="Warm-up"), *drills, *cadence, *main]
        out.append(ctx.dist_step("cooldown", cool, "E", name="Cool-down"))
    else:
        run_kind: StepKind = "run"
        warm = MIN_SEGMENT_M if spec.drills else 0
        finish = MIN_SEGMENT_M if spec.m_m > 0 else 0
        body = fill - warm - finish
        if warm:
            out += [ctx.dist_step("warmup", warm, "E", name="Warm-up"), *drills]
        if cadence:
            first = _floor100(body * (0.4 if spec.role == "long" else 0.5))
            if first > 0:
                out.append(ctx.dist_step(run_kind, first, "E", name="Easy"))
            out += cadence
            body -= first
        if body > 0:
            out.append(ctx.dist_step(run_kind, body, "E", name="Easy"))
        out += main
        if finish:
            out.append(ctx.dist_step("cooldown", finish, "E", name="Easy finish"))
    return (*out, *strides)


def _cadence_goals(ctx: _Ctx, increase: float) -> tuple[CadenceGoal, ...]:
    speeds = {"E": 1000.0 / ctx.e_mid, "M": 1000.0 / ctx.paces.marathon_s_per_km}
    if ctx.cadence_model is None:
        return tuple(CadenceGoal(k, v, increase) for k, v in speeds.items())
    targets = cadence_targets(ctx.cadence_model, speeds, increases=(increase,))
    return tuple(
        CadenceGoal(
            pace_label=str(t.label),
            speed_mps=t.speed_mps,
            increase=increase,
            baseline_spm=t.baseline_spm,
            target_spm=t.target_spm[0],
            in_model_range=t.in_range,
        )
        for t in targets
    )


def _elements(
    ctx: _Ctx, spec: _RunSpec, phase: Phase, goals: tuple[CadenceGoal, ...]
) -> tuple[TechniqueElement, ...]:
    tech = ctx.tech
    out: list[TechniqueElement] = []
    if spec.drills:
        for did in tech.drill_sets[phase]:
            d = tech.drills[did]
            out.append(
                TechniqueElement(
                    focus="posture",
                    name=d.name,
                    cue=d.cue,
                    dose=d.dose,
                    placement="warm-up",
                    description=d.description,
                )
            )
    if spec.cadence is not None:
        seg = spec.cadence
        e = next(g for g in goals if g.pace_label == "E")
        pct = f"{100.0 * e.increase:g}"
        if e.target_spm is not None and e.baseline_spm is not None:
            name = (
                f"Cadence {e.target_spm:.0f} steps/min at E pace "
                f"(your usual {e.baseline_spm:.0f}, +{pct} %)"
            )
            how = tech.focuses["cadence"].description
        else:
            name = f"Cadence +{pct} % over your usual at E pace"
            how = tech.cadence_no_model.format(pct=pct)
        out.append(
            TechniqueElement(
                focus="cadence",
                name=name,
                cue=tech.focuses["cadence"].cue,
                dose=f"{seg.count} x {seg.work_s / 60:g} min at the target, {seg.rest_s / 60:g} min natural",
                placement="inside",
                description=how,
                cadence=goals,
            )
        )
    if spec.hills is not None:
        stage = tech.hill_stages[spec.hills.phase]
        out.append(
            TechniqueElement(
                focus="hills",
                name="Hill repeats",
                cue=stage.cue,
                dose=f"{spec.hills.reps} x {spec.hills.rep_s:g} s uphill, {stage.effort}, jog down",
                placement="inside",
                description=f"{stage.description} {tech.focuses['hills'].description}",
            )
        )
        out.append(
            TechniqueElement(
                focus="hills",
                name="Downhill form",
                cue=stage.downhill_cue,
                dose="every way down",
                placement="inside",
                description=tech.focuses["hills"].why,
            )
        )
    for block in spec.blocks:
        if isinstance(block, Repeat) and block.name.startswith("Set "):
            work = block.steps[0]
            out.append(
                TechniqueElement(
                    focus="intervals",
                    name=f"{block.name}: {block.count} x {work.distance_m:g} m at {work.pace_label}",
                    cue=work.cue,
                    dose="one cue for the whole set",
                    placement="inside",
                    description=tech.focuses["intervals"].description,
                )
            )
    if spec.strides is not None:
        s = spec.strides
        out.append(
            TechniqueElement(
                focus="strides",
                name="Strides",
                cue=tech.focuses["strides"].cue,
                dose=(
                    f"{s.count} x {s.distance_m:g} m gentle accelerations up to 5K pace "
                    f"({_fmt_pace(ctx.five_k)}), {tech.strides_recovery_s:g} s walk"
                ),
                placement="after",
                description=tech.focuses["strides"].description,
            )
        )
    return tuple(out)


_ORDER = ("E", "M", "T", "I", "R", "5K", "race")


def _labels(steps: Sequence[Step | Repeat]) -> set[str]:
    out: set[str] = set()
    for item in steps:
        inner = item.steps if isinstance(item, Repeat) else (item,)
        out |= {s.pace_label for s in inner if s.pace_label is not None}
    return out


def _session_type(spec: _RunSpec) -> SessionType:
    if spec.role == "long":
        return "long"
    if spec.role == "hills" and spec.hills is not None:
        return "hills"
    if spec.work is not None:
        return "intervals" if spec.work.label in ("R", "I") else "tempo"
    return "easy"


def _title(spec: _RunSpec, budget: int) -> str:
    stype = _session_type(spec)
    head = f"{stype.capitalize()} {_fmt_km(budget)}"
    if spec.work is not None:
        head += f": {spec.work.reps} x {spec.work.rep_m} m {spec.work.label}"
    if spec.hills is not None:
        head += f": {spec.hills.reps} x {spec.hills.rep_s:g} s uphill"
    if spec.m_m > 0:
        head += f" with {_fmt_km(spec.m_m)} at M"
    if spec.strides is not None:
        head += " + strides"
    return head


def _make_run(
    ctx: _Ctx, spec: _RunSpec, budget: int, day: date, phase: Phase, goals: tuple[CadenceGoal, ...]
) -> Session:
    drill_ids = ctx.tech.drill_sets[phase]
    minutes = sum(ctx.tech.drills[d].minutes for d in drill_ids)
    names = ", ".join(ctx.tech.drills[d].name for d in drill_ids)
    steps = _fill_steps(ctx, spec, budget, minutes, f"{names}: {ctx.tech.focuses['posture'].cue}")
    running = sum(s.running_m for s in steps)
    labels = _labels(steps)
    return Session(
        date=day,
        type=_session_type(spec),
        distance_km=round(running / 1000.0, 3),
        duration_min=sum(s.duration_s for s in steps) / 60.0,
        paces={k: ctx.band(k) for k in _ORDER if k in labels},
        technique=_elements(ctx, spec, phase, goals),
        steps=steps,
        title=_title(spec, budget),
    )


def _race_session(ctx: _Ctx, day: date, race_m: float, race_name: str) -> Session:
    step = ctx.dist_step(
        "work", race_m, "race", name="Race", cue="Even pace; tall and quick late on."
    )
    return Session(
        date=day,
        type="race",
        distance_km=race_m / 1000.0,
        duration_min=step.duration_s / 60.0,
        paces={"race": ctx.band("race")},
        technique=(),
        steps=(step,),
        title=f"Race: {race_name.replace('_', ' ')}",
    )


# --------------------------------------------------------------------------- strength


def _strength_sessions(
    ctx: _Ctx, week: _WeekSkeleton, days: Sequence[date], order: Sequence[int], rest_days: set[int]
) -> list[Session]:
    lib = ctx.strength
    if week.kind == "race":
        count, level, sets_override = 1, 1, 1
    elif week.kind == "taper":
        count, level, sets_override = STRENGTH_SESSIONS["taper"], STRENGTH_LEVEL["taper"], 1
    else:
        count, level, sets_override = STRENGTH_SESSIONS[week.phase], STRENGTH_LEVEL[week.phase], 0
    cutback = week.kind == "cutback"
    chosen = list(order[:count])
    optional_day: int | None = None
    if week.kind in ("load", "cutback"):
        spare = [d for d in order if d not in chosen]
        spare.sort(key=lambda d: (d not in rest_days, order.index(d)))
        optional_day = spare[0] if spare else None
    out: list[Session] = []

    def session(day_i: int, template: str, optional: bool) -> Session:
        elements: list[TechniqueElement] = []
        seconds = 0.0
        for family in lib.templates[template]:
            ex = lib.pick(family, level)
            sets = sets_override or max(1, ex.sets - (1 if cutback else 0))
            if optional:
                sets = max(sets, 3) if not cutback else sets
            per_set = (
                ex.reps * STRENGTH_SET_S if ex.reps is not None else float(ex.seconds or 0)
            ) * (2 if ex.per_side else 1)
            seconds += sets * (per_set + STRENGTH_REST_S)
            elements.append(
                TechniqueElement(
                    focus="strength",
                    name=ex.name,
                    cue=ex.cue,
                    dose=ex.dose_for(sets),
                    placement="session",
                    description=f"{ex.description} Progression: {ex.progression}",
                    sets=sets,
                    reps=ex.reps,
                    seconds=ex.seconds,
                    per_side=ex.per_side,
                    optional=optional,
                )
            )
        label = "optional longer session" if optional else f"session {template}"
        return Session(
            date=days[day_i],
            type="strength",
            distance_km=0.0,
            duration_min=seconds / 60.0,
            technique=tuple(elements),
            title=f"Strength {label} ({round(seconds / 60.0)} min)",
        )

    for j, day_i in enumerate(sorted(chosen)):
        out.append(session(day_i, "A" if (j + week.number) % 2 == 0 else "B", False))
    if optional_day is not None:
        out.append(session(optional_day, "long", True))
    return out


# --------------------------------------------------------------------------- weeks


def _week_specs(
    ctx: _Ctx, week: _WeekSkeleton, days_per_week: int, anchor: int, m_long: bool
) -> list[_RunSpec]:
    """Roles, days and technique content of the week's runs (distances come later)."""
    phase, kind = week.phase, week.kind
    specs: list[_RunSpec] = []
    for offset, role in PATTERNS[days_per_week]:
        day = (anchor + offset) % 7
        if kind == "race" and role == "long":
            continue  # the race takes the long run's place
        if role == "q1" and phase == "base":
            role = "easy"
        if role == "hills" and phase == "taper":
            role = "easy"
        spec = _RunSpec(role=role, day=day)
        if role == "q1":
            if kind == "race":
                label = "M"
            elif kind == "taper":
                label = "I"
            elif phase == "build":
                label = "R" if week.phase_index < math.ceil(week.phase_loads / 2) else "I"
            else:  # peak
                label = "T" if week.phase_index % 2 == 0 else "I"
            spec.work = _work_spec(label, week.volume_m, week.progress)
        if role == "hills":
            spec.hills = _hill_spec(ctx, phase, week.progress, kind == "cutback")
        if role == "long" and m_long:
            frac = 0.35 if phase == "peak" else 0.25
            spec.m_m = min(
                _floor100(frac * week.long_m), _floor100(QUALITY_CAPS["M"].cap_m(week.volume_m))
            )
        specs.append(spec)
    runs_by_day = sorted(specs, key=lambda s: (s.day - anchor) % 7)
    easies = [s for s in runs_by_day if s.role == "easy"]
    # Drills: warm-ups of the quality and hill sessions first, then easy runs, then the long run.
    ranked = (
        [s for s in runs_by_day if s.role in ("q1", "hills")]
        + easies
        + [s for s in runs_by_day if s.role == "long"]
    )
    for s in ranked[: DRILL_SESSIONS[kind]]:
        s.drills = True
    # Cadence: easy runs first (the segments are at E pace), then the long run, then the rest.
    seg = ctx.tech.cadence_segments[phase]
    cad_rank = (
        easies
        + [s for s in runs_by_day if s.role == "long"]
        + [s for s in runs_by_day if s.role == "hills"]
        + [s for s in runs_by_day if s.role == "q1"]
    )
    for s in cad_rank[:CADENCE_SESSIONS]:
        s.cadence = seg
    # Strides: after every long run and after some easy runs (before race day in race week).
    dose = ctx.tech.strides[phase]
    for s in runs_by_day:
        if s.role == "long":
            s.strides = dose
    n_easy_strides = 2 if phase == "base" else 1
    easy_order = list(reversed(easies)) if kind == "race" else easies
    for s in easy_order[:n_easy_strides]:
        s.strides = dose
    return specs


def _build_week(
    ctx: _Ctx,
    week: _WeekSkeleton,
    days_per_week: int,
    long_weekday_index: int,
    m_long: bool,
    race_m: float,
    race_name: str,
    cue_offset: int,
) -> Week:
    anchor = 6 if week.kind == "race" else long_weekday_index
    days = [week.start + timedelta(days=i) for i in range(7)]
    specs = _week_specs(ctx, week, days_per_week, anchor, m_long)
    goals = _cadence_goals(ctx, CADENCE_INCREASE[week.phase])
    long_spec = next((s for s in specs if s.role == "long"), None)
    others = [s for s in specs if s.role != "long"]
    long_m = week.long_m if long_spec is not None else 0
    while True:
        for s in specs:
            _fixed_blocks(ctx, s, goals, cue_offset)
        mins = [_min_budget(s) for s in others]
        long_ok = long_spec is None or _min_budget(long_spec) <= long_m
        if long_ok and sum(mins) <= week.volume_m - long_m:
            break
        if _shrink(specs):
            continue
        if long_spec is not None and long_m - 100 >= _min_budget(long_spec):
            long_m -= 100  # a small week on many days: the long run lends 100 m
            continue
        raise RuntimeError(  # pragma: no cover - no generated week is this small
            f"week {week.number}: {_fmt_km(week.volume_m)} cannot hold its sessions"
        )
    budgets = _water_fill(week.volume_m - long_m, mins, [_PREFER.get(s.role, 0) for s in others])
    sessions: list[Session] = []
    for s, b in zip(others, budgets, strict=True):
        sessions.append(_make_run(ctx, s, b, days[s.day], week.phase, goals))
    if long_spec is not None:
        sessions.append(_make_run(ctx, long_spec, long_m, days[long_spec.day], week.phase, goals))
    if week.kind == "race":
        sessions.append(_race_session(ctx, days[6], race_m, race_name))
    run_days = {s.day for s in specs} | ({6} if week.kind == "race" else set())
    rest_days = set(range(7)) - run_days
    # Strength days: not the long run / race day or the day before (two days before the race).
    banned = {anchor, (anchor - 1) % 7}
    if week.kind == "race":
        banned |= {(anchor - 2) % 7}
    q_days = [s.day for s in specs if s.role in ("q1", "hills")]
    easy_days = sorted((s.day for s in specs if s.role == "easy"), key=lambda d: (d - anchor) % 7)
    order = [
        d
        for d in [
            *q_days,
            *sorted(rest_days, key=lambda d: (d - anchor) % 7),
            *easy_days,
        ]
        if d not in banned
    ]
    order = list(dict.fromkeys(order))
    sessions += _strength_sessions(ctx, week, days, order, rest_days)
    busy = {s.date for s in sessions}
    for d in days:
        if d not in busy:
            sessions.append(
                Session(date=d, type="rest", distance_km=0.0, duration_min=0.0, title="Rest")
            )
    kind_rank = {"race": 0, "long": 0, "tempo": 0, "intervals": 0, "hills": 0, "easy": 0}
    sessions.sort(key=lambda s: (s.date, kind_rank.get(s.type, 1)))
    return Week(
        number=week.number,
        phase=week.phase,
        kind=week.kind,
        start=week.start,
        sessions=tuple(sessions),
    )


# --------------------------------------------------------------------------- load check


def _load_rows(weeks: Sequence[Week], current_km: float) -> tuple[LoadRow, ...]:
    return tuple(
        LoadRow(
            week=w.number,
            kind=w.kind,
            volume_km=w.volume_km,
            race_km=w.race_km,
            current_km=current_km,
            change_pct=100.0 * (w.volume_km / current_km - 1.0),
        )
        for w in weeks
    )


def check_load(plan: Plan, current_weekly_km: float) -> tuple[LoadRow, ...]:
    """Weekly running volume against the runner's current volume; refuse a plan that drops.

    Parameters
    ----------
    plan : Plan
        The plan to check.
    current_weekly_km : float
        The runner's weekly running volume before the plan [km].

    Returns
    -------
    tuple of LoadRow
        One row per week: planned running volume (race excluded), current volume and
        the change [%].

    Raises
    ------
    UsageError
        A load week (not a cutback or taper week) that plans less running than the
        runner does now: technique work must sit inside or after runs, not replace them.
    """
    current = _positive(current_weekly_km, "current_weekly_km", "km")
    rows = _load_rows(plan.weeks, current)
    for r in rows:
        if r.kind == "load" and r.volume_km < current - 1e-6:
            raise UsageError(
                f"week {r.week} plans {r.volume_km:.1f} km of running, below the current "
                f"{current:.1f} km a week outside cutback and taper weeks; technique work must "
                "sit inside or after runs, not replace them"
            )
    return rows


# --------------------------------------------------------------------------- inputs


def _positive(x: float, name: str, unit: str) -> float:
    try:
        v = float(x)
    except (TypeError, ValueError):
        raise UsageError(f"{name} must be a number of {unit}, not {x!r}") from None
    if not math.isfinite(v) or v <= 0:
        raise UsageError(f"{name} must be a positive number of {unit}, not {x!r}")
    return v


def _check_int(x: int, name: str, lo: int, hi: int) -> int:
    if isinstance(x, bool) or not isinstance(x, int) or not lo <= x <= hi:
        raise UsageError(f"{name} must be a whole number from {lo} to {hi}, not {x!r}")
    return x


def _goal_and_vdot(
    race_m: float,
    race_name: str,
    goal: float | str | None,
    vdot: float | None,
    weeks: int,
) -> tuple[float, float, str | None]:
    """Training VDOT, goal time [s] and a note when the goal is a stretch."""
    if goal is None and vdot is None:
        raise UsageError(
            "give a goal time or a VDOT (runform vdot estimates it from your races and history)"
        )
    goal_s: float | None = None
    if isinstance(goal, str):
        goal_s = parse_duration(goal)
    elif goal is not None:
        goal_s = _positive(goal, "goal_time_s", "seconds")
    if vdot is not None:
        vdot = _positive(vdot, "vdot", "ml/kg/min")
        check_vdot(vdot)
    if goal_s is None:
        assert vdot is not None
        return vdot, race_time_from_vdot(vdot, race_m), None
    goal_vdot = vdot_from_race(race_m, goal_s)
    if vdot is None:
        return (
            goal_vdot,
            goal_s,
            (
                f"Paces come from the goal's VDOT {goal_vdot:.1f}: no current VDOT was given, "
                "so the goal could not be checked against your races."
            ),
        )
    allowed = VDOT_GAIN_PER_WEEK * weeks
    gap = goal_vdot - vdot
    realistic = race_time_from_vdot(vdot, race_m)
    race = race_name.replace("_", " ")
    if gap > allowed + 1e-9:
        best = race_time_from_vdot(vdot + allowed, race_m)
        raise UsageError(
            f"goal {format_duration(goal_s)} for the {race} needs VDOT {goal_vdot:.1f}, "
            f"{gap:.1f} above your VDOT {vdot:.1f} ({format_duration(realistic - goal_s)} faster "
            f"than your current fitness predicts); a {weeks}-week block supports at most "
            f"+{allowed:.1f} (Daniels: about +1 VDOT per 4-6 weeks), so a realistic goal is "
            f"{format_duration(realistic)}, {format_duration(best)} at best"
        )
    note = None
    if gap < 0:
        note = (
            f"The goal {format_duration(goal_s)} is slower than VDOT {vdot:.1f} predicts "
            f"({format_duration(realistic)}); training paces use VDOT {vdot:.1f}, the race step "
            "the goal pace."
        )
    if gap > 0:
        note = (
            f"The goal {format_duration(goal_s)} needs VDOT {goal_vdot:.1f}, {gap:.1f} above the "
            f"current {vdot:.1f} (within the +{allowed:.1f} a {weeks}-week block can credit); "
            f"paces use the current VDOT, which predicts {format_duration(realistic)}."
        )
    return vdot, goal_s, note


# --------------------------------------------------------------------------- the generator


def generate_plan(
    race_date: date,
    race_distance_m: float | str = MARATHON_M,
    goal_time_s: float | str | None = None,
    vdot: float | None = None,
    *,
    current_weekly_km: float,
    longest_recent_km: float,
    days_per_week: int = 5,
    long_run_day: int | str = 6,
    weeks: int = WEEKS_DEFAULT,
    long_run_style: LongRunStyle = "daniels",
    cadence_model: CadenceModel | None = None,
    today: date | None = None,
) -> Plan:
    """A periodised, technique-aware plan ending on race day.

    Parameters
    ----------
    race_date : datetime.date
        Race day; the plan's last week ends on it.
    race_distance_m : float or str, default 42195
        Race distance [m] (marathon or half marathon), or a name (``marathon``, ``half``).
    goal_time_s : float or str, optional
        Goal time [s] or ``h:mm:ss``.
    vdot : float, optional
        The runner's current VDOT [ml/kg/min] (e.g. from their races). With a goal too,
        the goal is checked against it and paces come from it; without it the goal's
        VDOT sets the paces. At least one of the two is needed.
    current_weekly_km : float
        Weekly running volume now [km].
    longest_recent_km : float
        Longest recent run [km], at most the weekly volume.
    days_per_week : int, default 5
        Running days a week, 3-7.
    long_run_day : int or str, default 6
        Weekday of the long run: 0-6 with Monday 0, or a name (``sun``, ``saturday``).
    weeks : int, default 16
        Plan length [weeks], 12-20.
    long_run_style : {"daniels", "pfitzinger"}, default "daniels"
        Long-run caps (:data:`LONG_RUN_RULES`).
    cadence_model : CadenceModel, optional
        The runner's cadence-speed line (:func:`runform.core.cadence.fit_cadence_model`);
        without it cadence targets are relative (+x % over the usual at the pace).
    today : datetime.date, optional
        The day the plan is made (default: the system date). Pass it for a
        reproducible plan.

    Returns
    -------
    Plan

    Raises
    ------
    UsageError
        With one line: a race date in the past or closer than the weeks asked; a goal
        beyond what the VDOT supports in the weeks asked (with the realistic goal); a
        current volume too low to reach the minimum peak (with the minimum and its
        source); a volume too high for the days (runs past the long-run time cap);
        any argument out of range.

    Notes
    -----
    The rules and their sources are in the module docstring and in ``Plan.notes``.
    """
    today = today if today is not None else date.today()
    weeks = _check_int(weeks, "weeks", WEEKS_MIN, WEEKS_MAX)
    days_per_week = _check_int(days_per_week, "days_per_week", DAYS_MIN, DAYS_MAX)
    if long_run_style not in LONG_RUN_RULES:
        raise UsageError(f"long_run_style must be daniels or pfitzinger, not {long_run_style!r}")
    rule = LONG_RUN_RULES[long_run_style]
    long_weekday = _weekday(long_run_day)
    current = _positive(current_weekly_km, "current_weekly_km", "km")
    longest = _positive(longest_recent_km, "longest_recent_km", "km")
    if longest > current + 1e-9:
        raise UsageError(
            f"longest recent run {longest:g} km is more than the weekly volume {current:g} km; "
            "give the usual weekly volume of recent weeks"
        )
    race_m, race_name = _race(race_distance_m)
    race = race_name.replace("_", " ")

    # Dates.
    if race_date <= today:
        raise UsageError(
            f"race date {race_date.isoformat()} is not in the future (today is {today.isoformat()})"
        )
    start = race_date - timedelta(days=7 * weeks - 1)
    if start < today:
        left = ((race_date - today).days + 1) // 7
        hint = (
            f"ask for {left} weeks or fewer"
            if left >= WEEKS_MIN
            else f"a plan needs at least {WEEKS_MIN} weeks: choose a later race"
        )
        raise UsageError(
            f"race on {race_date.isoformat()} is {left} full weeks away, fewer than the "
            f"{weeks} weeks asked; {hint}"
        )

    train_vdot, goal_s, goal_note = _goal_and_vdot(race_m, race_name, goal_time_s, vdot, weeks)
    paces = training_paces(train_vdot)

    # Volume feasibility.
    min_peak = _minimum_peak_km(race_name)
    steps_to_peak = _growth_steps(weeks)
    reach = current * (1.0 + MAX_WEEKLY_INCREASE) ** steps_to_peak
    bar = ENTRY_BARS[race_name]
    if reach < min_peak - 1e-9:
        need = minimum_current_km(race_name, weeks)
        raise UsageError(
            f"{current:g} km a week is too low for a {race} in {weeks} weeks: at +10 % a "
            f"week with cutbacks it reaches {reach:.0f} km, short of the {min_peak:.0f} km "
            f"peak this plan requires ({bar.source}, carried through this plan's progression); "
            f"it needs at least {math.ceil(need * 2) / 2:g} km a week now, or more weeks"
        )
    run_cap_km = rule.minutes * 60.0 / paces.easy_s_per_km[1]
    if rule.km is not None:
        run_cap_km = min(run_cap_km, rule.km)
    share = rule.share
    days_cap = _days_cap_km(days_per_week, run_cap_km, share)
    if days_cap < max(current, min_peak):
        need_km = max(current, min_peak)
        raise UsageError(
            f"{need_km:.0f} km a week on {days_per_week} days means runs of about "
            f"{need_km / days_per_week:.0f} km, past the long-run cap of {run_cap_km:.0f} km "
            f"({rule.minutes:g} min at easy pace); run on more days a week"
        )
    peak_km = max(min_peak, min(current * PEAK_GROWTH, MAX_PEAK_KM))
    peak_km = max(min(peak_km, days_cap, reach), current)

    # Week skeletons.
    structure = _structure(weeks)
    v1 = _ceil100(1000.0 * current)
    vols = _volumes(structure, v1, 1000.0 * peak_km)
    loads_in_phase: dict[Phase, list[int]] = {}
    for i, (p, k) in enumerate(structure):
        if k == "load":
            loads_in_phase.setdefault(p, []).append(i)
    long_cap_m = 1000.0 * run_cap_km
    longest_so_far = 1000.0 * longest
    skeletons: list[_WeekSkeleton] = []
    last_index = 0
    for i, ((phase, kind), v) in enumerate(zip(structure, vols, strict=True)):
        phase_loads = loads_in_phase.get(phase, [i])
        if kind == "load" and i in phase_loads:
            last_index = phase_loads.index(i)
        elif kind in ("taper", "race"):
            last_index = 0
        n = len(phase_loads)
        progress = last_index / (n - 1) if n > 1 else 1.0
        long_m = 0
        if kind != "race":
            long_m = _floor100(
                min(share * v, long_cap_m, longest_so_far + 1000.0 * LONG_RUN_STEP_KM)
            )
            longest_so_far = max(longest_so_far, long_m)
        skeletons.append(
            _WeekSkeleton(
                number=i + 1,
                phase=phase,
                kind=kind,
                start=start + timedelta(days=7 * i),
                volume_m=v,
                long_m=long_m,
                progress=progress,
                phase_index=last_index,
                phase_loads=n,
            )
        )

    ctx = _Ctx(
        paces=paces,
        five_k=race_time_from_vdot(train_vdot, 5000.0) / 5.0,
        ten_k=race_time_from_vdot(train_vdot, 10000.0) / 10.0,
        race_pace=goal_s / (race_m / 1000.0),
        tech=technique_library(),
        strength=strength_library(),
        cadence_model=cadence_model,
    )
    long_index = (long_weekday - start.weekday()) % 7
    built: list[Week] = []
    m_counter = 0
    for sk in skeletons:
        m_long = False
        late_build = sk.phase == "build" and sk.phase_index >= math.ceil(sk.phase_loads / 2)
        if sk.kind == "load" and (late_build or sk.phase == "peak"):
            m_long = m_counter % 2 == 0
            m_counter += 1
        built.append(
            _build_week(ctx, sk, days_per_week, long_index, m_long, race_m, race_name, sk.number)
        )

    inputs: dict[str, Any] = {
        "race_date": race_date.isoformat(),
        "race_distance_m": race_m,
        "goal_time_s": None if goal_time_s is None else goal_s,
        "vdot": vdot,
        "current_weekly_km": current,
        "longest_recent_km": longest,
        "days_per_week": days_per_week,
        "long_run_day": WEEKDAYS[long_weekday],
        "weeks": weeks,
        "long_run_style": long_run_style,
        "cadence_model": None if cadence_model is None else cadence_model.as_dict(),
        "today": today.isoformat(),
    }
    notes = _notes(
        ctx, train_vdot, rule, peak_km, current, min_peak, bar, goal_note, race, cadence_model
    )
    plan = Plan(
        weeks=tuple(built),
        race_date=race_date,
        race_distance_m=race_m,
        race_name=race_name,
        vdot=train_vdot,
        goal_time_s=goal_s,
        paces=_pace_map(paces),
        inputs=inputs,
        notes=notes,
        load=(),
    )
    return replace(plan, load=check_load(plan, current))


def _pace_map(p: TrainingPaces) -> Mapping[str, Any]:
    return {
        "E": p.easy_s_per_km,
        "M": p.marathon_s_per_km,
        "T": p.threshold_s_per_km,
        "I": p.interval_s_per_km,
        "R": p.repetition_s_per_km,
    }


def _notes(
    ctx: _Ctx,
    vdot: float,
    rule: LongRunRule,
    peak_km: float,
    current: float,
    min_peak: float,
    bar: EntryBar,
    goal_note: str | None,
    race: str,
    model: CadenceModel | None,
) -> tuple[str, ...]:
    p = ctx.paces
    out = [
        (
            f"Paces from VDOT {vdot:.1f} (Daniels' Running Formula): E {_fmt_pace(p.easy_s_per_km[0])}"
            f"-{_fmt_pace(p.easy_s_per_km[1])}, M {_fmt_pace(p.marathon_s_per_km)}, "
            f"T {_fmt_pace(p.threshold_s_per_km)}, I {_fmt_pace(p.interval_s_per_km)}, "
            f"R {_fmt_pace(p.repetition_s_per_km)}; single paces get a +-{100 * PACE_BAND:g} % "
            "watch band."
        ),
        (
            f"Volume: week 1 at your current {current:.1f} km; load weeks rise at most 10 % over "
            f"the last load week, towards a peak of {peak_km:.0f} km (1.5 x current, at least "
            f"the {min_peak:.0f} km minimum for the {race}: {bar.source}, carried through this "
            "plan's progression); a 25 % cutback every 3rd or 4th week."
        ),
        (
            "Taper: the last two weeks run 55 % and 45 % of the peak (cuts of 45 % and 55 %; "
            "Bosquet et al. 2007: 41-60 % over about 2 weeks), keeping intensity and running "
            "days; race-week volume excludes the race."
        ),
        f"Long run: {rule.source}.",
        (
            "Quality within Daniels' weekly caps: T <= 10 % of the week, I <= min(10 km, 8 %), "
            "R <= min(8 km, 5 %), M <= min(29 km, 20 %)."
        ),
        (
            "Technique without giving up load: drills sit in warm-ups, cadence segments and "
            "interval cues inside runs, strides after runs; strength sessions are extra. "
            "The 'load' rows compare each week's running with your current volume."
        ),
        (
            "Strength: about 15-minute sessions 4 times a week (3 in the peak) plus an optional "
            "longer one, levelled up by phase and cut in the taper (Blagrove et al. 2018: 2-3 "
            "sessions a week improve running economy 2-8 %)."
        ),
    ]
    if model is None:
        out.append(
            "Cadence: targets are +2.5 % (base), +5 % (build) and +7.5 % (peak, taper) over "
            "your own cadence at each pace (Heiderscheit et al. 2011), never a fixed 180; "
            "give a cadence model (from your runs) to get numbers."
        )
    else:
        out.append(
            "Cadence: targets +2.5 % (base), +5 % (build), +7.5 % (peak, taper) over your own "
            "cadence at each pace from your cadence-speed model (Heiderscheit et al. 2011)."
        )
    if goal_note:
        out.append(goal_note)
    return tuple(out)
