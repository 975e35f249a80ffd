"""The training-plan data model: a plan of weeks of sessions of steps (pure data).

A :class:`Plan` holds :class:`Week` s; a week holds :class:`Session` s (runs, the
race, strength and rest days); a run holds structured :class:`Step` s and
:class:`Repeat` blocks (warm-up, work/recovery repeats with pace target ranges,
cool-down) and :class:`TechniqueElement` s (a drill set in the warm-up, cadence
segments inside the run, strides after it, a cue per interval set, strength
exercises).

Units: distances [m] in steps, [km] in sessions and weeks; durations [s] in steps,
[min] in sessions; paces [s/km] as ``(fast, slow)`` with fast <= slow; cadence
[steps/min]. Everything is a frozen dataclass; :meth:`Plan.as_dict` gives the
JSON-ready form every exporter reads (step shape as documented in
:mod:`runform.plan.export_fit`).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any, Literal

Phase = Literal["base", "build", "peak", "taper"]
"""Periodisation phase of a week."""

PHASES: tuple[Phase, ...] = ("base", "build", "peak", "taper")

WeekKind = Literal["load", "cutback", "taper", "race"]
"""``load``: a normal (building or holding) week; ``cutback``: a planned recovery week;
``taper``: the taper week before race week; ``race``: the week ending on race day."""

SessionType = Literal["easy", "long", "tempo", "intervals", "hills", "race", "rest", "strength"]
"""What a session is. Strides, drills and cadence work are technique elements of runs,
not sessions of their own."""

SESSION_TYPES: tuple[SessionType, ...] = (
    "easy",
    "long",
    "tempo",
    "intervals",
    "hills",
    "race",
    "rest",
    "strength",
)

RUN_TYPES: frozenset[str] = frozenset({"easy", "long", "tempo", "intervals", "hills", "race"})

Focus = Literal["posture", "cadence", "hills", "strides", "intervals", "strength"]
"""The six technique focuses: posture and pelvic control drills, cadence work, hill
technique, strides, technique-focused intervals, strength-endurance."""

FOCUSES: tuple[Focus, ...] = ("posture", "cadence", "hills", "strides", "intervals", "strength")

Placement = Literal["warm-up", "inside", "after", "session"]
"""Where an element sits: in the warm-up, inside the run, after it, or as its own session."""

StepKind = Literal["warmup", "run", "work", "recovery", "rest", "cooldown"]
"""FIT-style step intensity (see :mod:`runform.plan.export_fit`): ``run`` a steady run,
``work`` the hard part of a set."""

StepEnd = Literal["distance", "time"]


@dataclass(frozen=True)
class Step:
    """One workout step, ended by distance or by time.

    Attributes
    ----------
    kind : {"warmup", "run", "work", "recovery", "rest", "cooldown"}
        Step intensity.
    end : {"distance", "time"}
        What ends the step on the watch.
    distance_m : float
        Distance [m]: the target when ``end == "distance"``, else the estimate at
        the step's pace (0 for walking and drills).
    duration_s : float
        Duration [s]: the target when ``end == "time"``, else the estimate at the
        midpoint of the pace range.
    pace_label : str or None
        Name of the pace (``E``, ``M``, ``T``, ``I``, ``R``, ``5K``, ``race``), None for
        an effort-based step (hill reps, walking, drills).
    pace_s_per_km : tuple of float or None
        Target pace range [s/km] as (fast, slow).
    name : str
        Short label (``Warm-up``, ``Stride``, ``Walk``, ``Drills``).
    cue : str
        Form cue shown with the step ('' for none).
    running : bool
        False for walking and drills: their distance is not running volume.
    """

    kind: StepKind
    end: StepEnd
    distance_m: float
    duration_s: float
    pace_label: str | None = None
    pace_s_per_km: tuple[float, float] | None = None
    name: str = ""
    cue: str = ""
    running: bool = True

    def __post_init__(self) -> None:
        if self.distance_m < 0 or self.duration_s < 0:
            raise ValueError("a step's distance and duration cannot be negative")
        if self.pace_s_per_km is not None and self.pace_s_per_km[0] > self.pace_s_per_km[1]:
            raise ValueError("a pace range is (fast, slow): fast <= slow [s/km]")

    @property
    def running_m(self) -> float:
        """Running distance [m] of the step (0 when walking or doing drills)."""
        return self.distance_m if self.running else 0.0

    def as_dict(self) -> dict[str, Any]:
        """Step dict as :mod:`runform.plan.export_fit` documents it (one end condition)."""
        out: dict[str, Any] = {"kind": self.kind}
        if self.end == "distance":
            out["distance_m"] = round(self.distance_m, 1)
        else:
            out["duration_s"] = round(self.duration_s, 1)
        if self.pace_s_per_km is not None:
            out["pace_s_per_km"] = [
                round(self.pace_s_per_km[0], 1),
                round(self.pace_s_per_km[1], 1),
            ]
        if self.pace_label is not None:
            out["pace_label"] = self.pace_label
        if self.name:
            out["name"] = self.name
        if self.cue:
            out["cue"] = self.cue
        return out


@dataclass(frozen=True)
class Repeat:
    """A repeat block: ``count`` times the ``steps`` (e.g. 5 x (400 m I, 200 m jog)).

    Attributes
    ----------
    count : int
        Repetitions [-], at least 1.
    steps : tuple of Step
        The repeated steps.
    name : str
        Label of the block (``Strides``, ``Set 1``).
    """

    count: int
    steps: tuple[Step, ...]
    name: str = ""

    def __post_init__(self) -> None:
        if self.count < 1 or not self.steps:
            raise ValueError("a repeat block needs count >= 1 and at least one step")

    @property
    def running_m(self) -> float:
        """Running distance [m] of the whole block."""
        return self.count * sum(s.running_m for s in self.steps)

    @property
    def duration_s(self) -> float:
        """Duration [s] of the whole block (targets and estimates)."""
        return self.count * sum(s.duration_s for s in self.steps)

    def as_dict(self) -> dict[str, Any]:
        """Repeat dict as :mod:`runform.plan.export_fit` documents it."""
        out: dict[str, Any] = {"kind": "repeat", "repeat": self.count}
        if self.name:
            out["name"] = self.name
        out["steps"] = [s.as_dict() for s in self.steps]
        return out


@dataclass(frozen=True)
class CadenceGoal:
    """Cadence target at one pace: the runner's baseline raised by a small step.

    Attributes
    ----------
    pace_label : str
        The pace (``E``, ``M`` ...).
    speed_mps : float
        Speed [m/s] of the pace (midpoint of a range).
    increase : float
        Step-rate increase over the baseline [fraction] (0.025 = +2.5 %).
    baseline_spm : float or None
        The runner's usual cadence at that speed [steps/min] from the personal
        model; None when the runner has no model yet.
    target_spm : float or None
        ``(1 + increase) * baseline_spm`` [steps/min]; None without a model.
    in_model_range : bool or None
        Whether the speed lies inside the model's supported speed range.
    """

    pace_label: str
    speed_mps: float
    increase: float
    baseline_spm: float | None = None
    target_spm: float | None = None
    in_model_range: bool | None = None

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready dictionary."""
        return {
            "pace": self.pace_label,
            "increase_pct": round(100.0 * self.increase, 2),
            "baseline_spm": None if self.baseline_spm is None else round(self.baseline_spm, 1),
            "target_spm": None if self.target_spm is None else round(self.target_spm, 1),
        }


@dataclass(frozen=True)
class TechniqueElement:
    """One technique element of a session, with its cue.

    Attributes
    ----------
    focus : {"posture", "cadence", "hills", "strides", "intervals", "strength"}
        Which of the six technique focuses it serves.
    name : str
        What to do (``A-skip``, ``Strides``, ``Single-leg calf raise``).
    cue : str
        The one thing to think about while doing it.
    dose : str
        How much, in plain words (``6 x 60 m, 1 min walk``, ``2 x 12 each side``).
    placement : {"warm-up", "inside", "after", "session"}
        Where it sits in the session.
    description : str
        How to do it, for a runner without a coach.
    sets, reps, seconds : int or None
        Structured dose of strength exercises (reps or seconds per set) [-], [-], [s].
    per_side : bool
        Reps or seconds are per side.
    optional : bool
        An optional extra (the longer strength session).
    cadence : tuple of CadenceGoal
        Cadence targets (cadence elements only).
    """

    focus: Focus
    name: str
    cue: str
    dose: str = ""
    placement: Placement = "inside"
    description: str = ""
    sets: int | None = None
    reps: int | None = None
    seconds: int | None = None
    per_side: bool = False
    optional: bool = False
    cadence: tuple[CadenceGoal, ...] = ()

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready dictionary (empty fields left out)."""
        out: dict[str, Any] = {"focus": self.focus, "name": self.name, "cue": self.cue}
        if self.dose:
            out["dose"] = self.dose
        out["placement"] = self.placement
        for key in ("sets", "reps", "seconds"):
            value = getattr(self, key)
            if value is not None:
                out[key] = value
        if self.per_side:
            out["per_side"] = True
        if self.optional:
            out["optional"] = True
        if self.cadence:
            out["targets"] = [c.as_dict() for c in self.cadence]
        if self.description:
            out["how"] = self.description
        return out


def _step_items_running_m(steps: tuple[Step | Repeat, ...]) -> float:
    return sum(s.running_m for s in steps)


def _step_items_duration_s(steps: tuple[Step | Repeat, ...]) -> float:
    return sum(s.duration_s for s in steps)


@dataclass(frozen=True)
class Session:
    """One day's session.

    Attributes
    ----------
    date : datetime.date
        The day.
    type : SessionType
        ``easy``, ``long``, ``tempo``, ``intervals``, ``hills``, ``race``, ``rest`` or
        ``strength``.
    distance_km : float
        Running distance [km] (steps that are walking or drills excluded; 0 for
        strength and rest).
    duration_min : float
        Estimated duration [min] (pace-range midpoints for distance steps).
    paces : mapping of str to (float, float)
        Pace ranges [s/km] used in the session, keyed ``E``, ``M``, ``T``, ``I``,
        ``R``, ``5K`` (strides) or ``race``, each (fast, slow).
    technique : tuple of TechniqueElement
        Technique elements with their cues.
    steps : tuple of Step or Repeat
        Structured steps (empty for strength and rest).
    title : str
        A short human title (``Intervals 10 x 400 m I``).
    """

    date: date
    type: SessionType
    distance_km: float
    duration_min: float
    paces: Mapping[str, tuple[float, float]] = field(default_factory=dict)
    technique: tuple[TechniqueElement, ...] = ()
    steps: tuple[Step | Repeat, ...] = ()
    title: str = ""

    @property
    def is_run(self) -> bool:
        """True for sessions that are running (the race included)."""
        return self.type in RUN_TYPES

    @property
    def focuses(self) -> frozenset[str]:
        """The technique focuses present in the session."""
        return frozenset(e.focus for e in self.technique)

    def work_m(self, pace_label: str, kind: StepKind = "work") -> float:
        """Distance [m] of the session's ``kind`` steps at ``pace_label`` (repeats expanded)."""
        total = 0.0
        for item in self.steps:
            if isinstance(item, Repeat):
                total += item.count * sum(
                    s.running_m for s in item.steps if s.kind == kind and s.pace_label == pace_label
                )
            elif item.kind == kind and item.pace_label == pace_label:
                total += item.running_m
        return total

    def as_dict(self) -> dict[str, Any]:
        """``{"date", "type", "distance_km", "duration_min", "paces", "technique", "steps"}``."""
        return {
            "date": self.date.isoformat(),
            "type": self.type,
            "distance_km": round(self.distance_km, 2),
            "duration_min": round(self.duration_min, 1),
            "paces": {k: [round(v[0], 1), round(v[1], 1)] for k, v in self.paces.items()},
            "technique": [e.as_dict() for e in self.technique],
            "steps": [s.as_dict() for s in self.steps],
        }


@dataclass(frozen=True)
class Week:
    """One plan week (seven days; the last week ends on race day).

    Attributes
    ----------
    number : int
        1-based week number.
    phase : {"base", "build", "peak", "taper"}
        Periodisation phase.
    kind : {"load", "cutback", "taper", "race"}
        Load week, planned cutback, taper week, or race week.
    start : datetime.date
        First day of the week.
    sessions : tuple of Session
        In date order (a strength session shares its date with a run).
    """

    number: int
    phase: Phase
    kind: WeekKind
    start: date
    sessions: tuple[Session, ...]

    @property
    def volume_km(self) -> float:
        """Planned running volume [km], the race itself excluded (it is not training)."""
        return sum(s.distance_km for s in self.sessions if s.is_run and s.type != "race")

    @property
    def race_km(self) -> float:
        """Distance of the race [km] in race week, else 0."""
        return sum(s.distance_km for s in self.sessions if s.type == "race")

    @property
    def runs(self) -> tuple[Session, ...]:
        """The week's runs (the race included)."""
        return tuple(s for s in self.sessions if s.is_run)

    @property
    def focuses(self) -> frozenset[str]:
        """Technique focuses present somewhere in the week."""
        return frozenset(f for s in self.sessions for f in s.focuses)

    def as_dict(self) -> dict[str, Any]:
        """``{"week", "phase", "volume_km", "sessions"}``."""
        return {
            "week": self.number,
            "phase": self.phase,
            "volume_km": round(self.volume_km, 2),
            "sessions": [s.as_dict() for s in self.sessions],
        }


@dataclass(frozen=True)
class LoadRow:
    """Planned running volume of one week against the runner's current volume.

    Attributes
    ----------
    week : int
        Week number.
    kind : {"load", "cutback", "taper", "race"}
        The week's kind; only ``load`` weeks must not drop below the current volume.
    volume_km : float
        Planned running volume [km] (race excluded).
    race_km : float
        Race distance [km] in race week, else 0.
    current_km : float
        The runner's weekly volume before the plan [km].
    change_pct : float
        ``100 * (volume_km / current_km - 1)`` [%].
    """

    week: int
    kind: WeekKind
    volume_km: float
    race_km: float
    current_km: float
    change_pct: float

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready dictionary."""
        return {
            "week": self.week,
            "kind": self.kind,
            "volume_km": round(self.volume_km, 2),
            "race_km": round(self.race_km, 2),
            "current_km": round(self.current_km, 2),
            "change_pct": round(self.change_pct, 1),
        }


@dataclass(frozen=True)
class Plan:
    """A periodised, technique-aware training plan for one race.

    Attributes
    ----------
    weeks : tuple of Week
        Week 1 first; the last week ends on race day.
    race_date : datetime.date
        Race day.
    race_distance_m : float
        Race distance [m].
    race_name : str
        ``marathon`` or ``half_marathon``.
    vdot : float
        Training VDOT [ml/kg/min] all paces come from.
    goal_time_s : float
        Goal (or VDOT-predicted) race time [s].
    paces : mapping of str to float or (float, float)
        Daniels' training paces [s/km] of ``vdot`` (``E`` a (fast, slow) range).
    inputs : mapping
        The arguments the plan was made from (JSON-ready).
    notes : tuple of str
        The rules used and their sources, in plain words.
    load : tuple of LoadRow
        Weekly running volume against the runner's current volume.
    """

    weeks: tuple[Week, ...]
    race_date: date
    race_distance_m: float
    race_name: str
    vdot: float
    goal_time_s: float
    paces: Mapping[str, Any]
    inputs: Mapping[str, Any]
    notes: tuple[str, ...]
    load: tuple[LoadRow, ...]

    @property
    def sessions(self) -> tuple[Session, ...]:
        """All sessions in date order."""
        return tuple(s for w in self.weeks for s in w.sessions)

    def as_dict(self) -> dict[str, Any]:
        """``{"weeks": [...], "vdot", "race", "goal", "paces", "inputs", "load", "notes"}``."""
        goal_pace = self.goal_time_s / (self.race_distance_m / 1000.0)
        return {
            "weeks": [w.as_dict() for w in self.weeks],
            "vdot": round(self.vdot, 2),
            "race": {
                "date": self.race_date.isoformat(),
                "distance_m": self.race_distance_m,
                "name": self.race_name,
            },
            "goal": {"time_s": round(self.goal_time_s, 1), "pace_s_per_km": round(goal_pace, 1)},
            "paces": {
                k: [round(v[0], 1), round(v[1], 1)] if isinstance(v, tuple) else round(v, 1)
                for k, v in self.paces.items()
            },
            "inputs": dict(self.inputs),
            "load": [r.as_dict() for r in self.load],
            "notes": list(self.notes),
        }
