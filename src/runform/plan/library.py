"""The technique and strength libraries: cues, drills, hill stages, strides, exercises.

The content lives as data in ``runform/plan/data/technique.json`` and
``runform/plan/data/strength.json`` (plain-language descriptions a runner can follow
without a coach, with the sources each focus rests on); this module loads it,
checks its shape once, and returns frozen dataclasses. :func:`parse_technique` and
:func:`parse_strength` take an already-parsed mapping, so a library can also be
built or checked from elsewhere.

References
----------
.. [1] Blagrove, R. C., Howatson, G., Hayes, P. R. (2018). Effects of strength
   training on the physiological determinants of middle- and long-distance running
   performance: a systematic review. Sports Med 48(5), 1117-1149.
   https://doi.org/10.1007/s40279-017-0835-7
.. [2] Heiderscheit, B. C. et al. (2011). Effects of step rate manipulation on joint
   mechanics during running. Med Sci Sports Exerc 43(2), 296-302.
   https://doi.org/10.1249/MSS.0b013e3181ebedf4
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any, cast

from runform.errors import RunformError
from runform.plan.model import FOCUSES, PHASES, Phase

__all__ = [
    "CadenceSegments",
    "Drill",
    "Exercise",
    "FocusInfo",
    "HillStage",
    "LibraryError",
    "StrengthLibrary",
    "StridesDose",
    "TechniqueLibrary",
    "parse_strength",
    "parse_technique",
    "strength_library",
    "technique_library",
]

DATA_PACKAGE = "runform.plan"
"""Package whose ``data/`` folder holds the JSON files (shipped as package data)."""

STRENGTH_FOCUSES: tuple[str, ...] = (
    "hips/pelvis",
    "calves",
    "core",
    "quads/glutes",
    "hamstrings",
    "feet/ankles",
)
"""Body areas an exercise may target."""

MAX_LEVEL = 3
"""Exercises and drills come in levels 1 (easiest) to 3."""


class LibraryError(RunformError):
    """A technique or strength library file that does not have the expected shape."""


# --------------------------------------------------------------------------- types


@dataclass(frozen=True)
class FocusInfo:
    """One technique focus: what it is, why, its cue and how to do it.

    Attributes
    ----------
    id : str
        One of :data:`runform.plan.model.FOCUSES`.
    name, why, cue, description : str
        Plain-language texts.
    sources : tuple of str
        Keys into the library's ``sources``.
    """

    id: str
    name: str
    why: str
    cue: str
    description: str
    sources: tuple[str, ...]


@dataclass(frozen=True)
class Drill:
    """A posture / pelvic-control drill.

    Attributes
    ----------
    id, name, cue, description, dose : str
        Identity and plain-language texts.
    level : int
        1 (easiest) to 3.
    minutes : float
        Time it takes with the walk back [min].
    """

    id: str
    name: str
    level: int
    minutes: float
    dose: str
    cue: str
    description: str


@dataclass(frozen=True)
class HillStage:
    """Hill repeats of one phase, progressing from ``reps_first`` to ``reps_last``.

    Attributes
    ----------
    rep_s : float
        Uphill time of each rep [s].
    reps_first, reps_last : int
        Reps in the phase's first and last load week [-].
    effort, cue, downhill_cue, description : str
        Plain-language texts.
    """

    rep_s: float
    reps_first: int
    reps_last: int
    effort: str
    cue: str
    downhill_cue: str
    description: str


@dataclass(frozen=True)
class StridesDose:
    """Strides of one phase: ``count`` x ``distance_m`` [m]."""

    count: int
    distance_m: float


@dataclass(frozen=True)
class CadenceSegments:
    """Cadence segments of one phase: ``count`` x (``work_s`` at target, ``rest_s`` natural) [s]."""

    count: int
    work_s: float
    rest_s: float


@dataclass(frozen=True)
class TechniqueLibrary:
    """Everything in ``technique.json``.

    Attributes
    ----------
    sources : mapping of str to str
        Reference texts by key.
    focuses : mapping of str to FocusInfo
        The six focuses.
    drills : mapping of str to Drill
        Drills by id.
    drill_sets : mapping of Phase to tuple of str
        Drill ids used in each phase (progressing from base to peak).
    hill_grade : float
        Grade [fraction] of the hill the hill reps assume (for distance estimates).
    hill_stages : mapping of Phase to HillStage
        Base, build and peak stages.
    strides : mapping of Phase to StridesDose
        Strides per phase.
    strides_recovery_s : float
        Walk after each stride [s].
    interval_cues : tuple of str
        One cue per interval set, used in turn.
    cadence_segments : mapping of Phase to CadenceSegments
        Cadence segments per phase.
    cadence_no_model : str
        What to do without a personal cadence model (``{pct}`` is filled in).
    """

    sources: Mapping[str, str]
    focuses: Mapping[str, FocusInfo]
    drills: Mapping[str, Drill]
    drill_sets: Mapping[Phase, tuple[str, ...]]
    hill_grade: float
    hill_stages: Mapping[Phase, HillStage]
    strides: Mapping[Phase, StridesDose]
    strides_recovery_s: float
    interval_cues: tuple[str, ...]
    cadence_segments: Mapping[Phase, CadenceSegments]
    cadence_no_model: str


@dataclass(frozen=True)
class Exercise:
    """One strength exercise.

    Attributes
    ----------
    id, name, cue, description, progression, regression : str
        Identity and plain-language texts.
    family : str
        Movement family; levels 1-3 of a family are its progression.
    level : int
        1 (easiest) to 3.
    focus : str
        Body area (:data:`STRENGTH_FOCUSES`).
    sets : int
        Sets at the base dose [-].
    reps : int or None
        Reps per set [-] (None for timed holds).
    seconds : int or None
        Seconds per set [s] (None for reps).
    per_side : bool
        Reps or seconds per side.
    """

    id: str
    family: str
    level: int
    focus: str
    name: str
    sets: int
    reps: int | None
    seconds: int | None
    per_side: bool
    cue: str
    description: str
    progression: str
    regression: str

    @property
    def dose(self) -> str:
        """The base dose in words (``2 x 12 each side``, ``3 x 30 s``)."""
        return self.dose_for(self.sets)

    def dose_for(self, sets: int) -> str:
        """The dose with ``sets`` sets, in words."""
        amount = f"{self.reps}" if self.reps is not None else f"{self.seconds} s"
        side = " each side" if self.per_side else ""
        return f"{sets} x {amount}{side}"


@dataclass(frozen=True)
class StrengthLibrary:
    """Everything in ``strength.json``.

    Attributes
    ----------
    sources : mapping of str to str
        Reference texts by key.
    equipment : str
        What a runner needs at home.
    exercises : mapping of str to Exercise
        Exercises by id.
    templates : mapping of str to tuple of str
        Session templates (``A``, ``B``, ``long``) as lists of families.
    """

    sources: Mapping[str, str]
    equipment: str
    exercises: Mapping[str, Exercise]
    templates: Mapping[str, tuple[str, ...]]

    def pick(self, family: str, level: int) -> Exercise:
        """The family's exercise at ``level``, else the highest level below it."""
        options = [e for e in self.exercises.values() if e.family == family and e.level <= level]
        if not options:
            raise LibraryError(
                f"strength library: no exercise of family {family!r} at level <= {level}"
            )
        return max(options, key=lambda e: e.level)


# --------------------------------------------------------------------------- checks


def _text(d: Mapping[str, Any], key: str, where: str) -> str:
    value = d.get(key)
    if not isinstance(value, str) or not value.strip():
        raise LibraryError(f"{where}: {key!r} must be a non-empty text")
    return value


def _int(d: Mapping[str, Any], key: str, where: str, lo: int = 1) -> int:
    value = d.get(key)
    if isinstance(value, bool) or not isinstance(value, int) or value < lo:
        raise LibraryError(f"{where}: {key!r} must be a whole number >= {lo}, got {value!r}")
    return value


def _num(d: Mapping[str, Any], key: str, where: str) -> float:
    value = d.get(key)
    if isinstance(value, bool) or not isinstance(value, int | float) or not value > 0:
        raise LibraryError(f"{where}: {key!r} must be a positive number, got {value!r}")
    return float(value)


def _map(d: Mapping[str, Any], key: str, where: str) -> Mapping[str, Any]:
    value = d.get(key)
    if not isinstance(value, Mapping):
        raise LibraryError(f"{where}: {key!r} must be an object")
    return cast(Mapping[str, Any], value)


def _list(d: Mapping[str, Any], key: str, where: str) -> list[Any]:
    value = d.get(key)
    if not isinstance(value, list) or not value:
        raise LibraryError(f"{where}: {key!r} must be a non-empty list")
    return value


def _phases(d: Mapping[str, Any], where: str, phases: tuple[Phase, ...]) -> None:
    missing = [p for p in phases if p not in d]
    if missing:
        raise LibraryError(f"{where}: missing phase(s) {', '.join(missing)}")


# --------------------------------------------------------------------------- technique


def parse_technique(data: Mapping[str, Any]) -> TechniqueLibrary:
    """Check and convert the content of ``technique.json``.

    Parameters
    ----------
    data : mapping
        The parsed JSON.

    Returns
    -------
    TechniqueLibrary

    Raises
    ------
    LibraryError
        A missing or malformed part, naming where.
    """
    where = "technique library"
    sources = {str(k): str(v) for k, v in _map(data, "sources", where).items()}
    raw_focuses = _map(data, "focuses", where)
    focuses: dict[str, FocusInfo] = {}
    for fid in FOCUSES:
        if fid not in raw_focuses:
            raise LibraryError(f"{where}: focus {fid!r} is missing")
        f = cast(Mapping[str, Any], raw_focuses[fid])
        w = f"{where}, focus {fid}"
        refs = tuple(str(s) for s in _list(f, "sources", w))
        unknown = [s for s in refs if s not in sources]
        if unknown:
            raise LibraryError(f"{w}: unknown source(s) {', '.join(unknown)}")
        focuses[fid] = FocusInfo(
            id=fid,
            name=_text(f, "name", w),
            why=_text(f, "why", w),
            cue=_text(f, "cue", w),
            description=_text(f, "description", w),
            sources=refs,
        )
    drills: dict[str, Drill] = {}
    for i, raw in enumerate(_list(data, "drills", where)):
        w = f"{where}, drill {i + 1}"
        if not isinstance(raw, Mapping):
            raise LibraryError(f"{w}: must be an object")
        did = _text(raw, "id", w)
        level = _int(raw, "level", w)
        if level > MAX_LEVEL:
            raise LibraryError(f"{w}: level must be 1-{MAX_LEVEL}, got {level}")
        drills[did] = Drill(
            id=did,
            name=_text(raw, "name", w),
            level=level,
            minutes=_num(raw, "minutes", w),
            dose=_text(raw, "dose", w),
            cue=_text(raw, "cue", w),
            description=_text(raw, "description", w),
        )
    raw_sets = _map(data, "drill_sets", where)
    _phases(raw_sets, f"{where}, drill_sets", PHASES)
    drill_sets: dict[Phase, tuple[str, ...]] = {}
    for phase in PHASES:
        ids = tuple(str(x) for x in _list(raw_sets, phase, f"{where}, drill_sets"))
        unknown = [x for x in ids if x not in drills]
        if unknown:
            raise LibraryError(
                f"{where}, drill_sets {phase}: unknown drill(s) {', '.join(unknown)}"
            )
        drill_sets[phase] = ids
    hills = _map(data, "hills", where)
    grade = _num(hills, "grade", f"{where}, hills")
    stages_raw = _map(hills, "stages", f"{where}, hills")
    load_phases: tuple[Phase, ...] = ("base", "build", "peak")
    _phases(stages_raw, f"{where}, hills stages", load_phases)
    stages: dict[Phase, HillStage] = {}
    for phase in load_phases:
        s = _map(stages_raw, phase, f"{where}, hills stages")
        w = f"{where}, hills {phase}"
        first, last = _int(s, "reps_first", w), _int(s, "reps_last", w)
        if last < first:
            raise LibraryError(f"{w}: reps_last must be >= reps_first")
        stages[phase] = HillStage(
            rep_s=_num(s, "rep_s", w),
            reps_first=first,
            reps_last=last,
            effort=_text(s, "effort", w),
            cue=_text(s, "cue", w),
            downhill_cue=_text(s, "downhill_cue", w),
            description=_text(s, "description", w),
        )
    strides_raw = _map(data, "strides", where)
    _phases(strides_raw, f"{where}, strides", PHASES)
    strides = {
        p: StridesDose(
            count=_int(_map(strides_raw, p, f"{where}, strides"), "count", f"{where}, strides {p}"),
            distance_m=_num(
                _map(strides_raw, p, f"{where}, strides"), "distance_m", f"{where}, strides {p}"
            ),
        )
        for p in PHASES
    }
    cues = tuple(str(c) for c in _list(data, "interval_cues", where))
    cadence = _map(data, "cadence", where)
    seg_raw = _map(cadence, "segments", f"{where}, cadence")
    _phases(seg_raw, f"{where}, cadence segments", PHASES)
    segments = {}
    for p in PHASES:
        s = _map(seg_raw, p, f"{where}, cadence segments")
        w = f"{where}, cadence {p}"
        segments[p] = CadenceSegments(
            count=_int(s, "count", w), work_s=_num(s, "work_s", w), rest_s=_num(s, "rest_s", w)
        )
    no_model = _text(cadence, "no_model", f"{where}, cadence")
    if "{pct}" not in no_model:
        raise LibraryError(f"{where}, cadence: 'no_model' must contain {{pct}}")
    return TechniqueLibrary(
        sources=sources,
        focuses=focuses,
        drills=drills,
        drill_sets=drill_sets,
        hill_grade=grade,
        hill_stages=stages,
        strides=strides,
        strides_recovery_s=_num(strides_raw, "recovery_s", f"{where}, strides"),
        interval_cues=cues,
        cadence_segments=segments,
        cadence_no_model=no_model,
    )


# --------------------------------------------------------------------------- strength


def parse_strength(data: Mapping[str, Any]) -> StrengthLibrary:
    """Check and convert the content of ``strength.json``.

    Parameters
    ----------
    data : mapping
        The parsed JSON.

    Returns
    -------
    StrengthLibrary

    Raises
    ------
    LibraryError
        A missing or malformed part, naming where; every family a template uses
        must have a level-1 exercise so that every phase finds one.
    """
    where = "strength library"
    sources = {str(k): str(v) for k, v in _map(data, "sources", where).items()}
    exercises: dict[str, Exercise] = {}
    for i, raw in enumerate(_list(data, "exercises", where)):
        w = f"{where}, exercise {i + 1}"
        if not isinstance(raw, Mapping):
            raise LibraryError(f"{w}: must be an object")
        eid = _text(raw, "id", w)
        w = f"{where}, exercise {eid}"
        if eid in exercises:
            raise LibraryError(f"{w}: duplicate id")
        level = _int(raw, "level", w)
        if level > MAX_LEVEL:
            raise LibraryError(f"{w}: level must be 1-{MAX_LEVEL}, got {level}")
        focus = _text(raw, "focus", w)
        if focus not in STRENGTH_FOCUSES:
            raise LibraryError(f"{w}: focus must be one of {', '.join(STRENGTH_FOCUSES)}")
        reps = raw.get("reps")
        seconds = raw.get("seconds")
        if (reps is None) == (seconds is None):
            raise LibraryError(f"{w}: give reps or seconds (one of them)")
        per_side = raw.get("per_side")
        if not isinstance(per_side, bool):
            raise LibraryError(f"{w}: 'per_side' must be true or false")
        exercises[eid] = Exercise(
            id=eid,
            family=_text(raw, "family", w),
            level=level,
            focus=focus,
            name=_text(raw, "name", w),
            sets=_int(raw, "sets", w),
            reps=None if reps is None else _int(raw, "reps", w),
            seconds=None if seconds is None else _int(raw, "seconds", w),
            per_side=per_side,
            cue=_text(raw, "cue", w),
            description=_text(raw, "description", w),
            progression=_text(raw, "progression", w),
            regression=_text(raw, "regression", w),
        )
    templates_raw = _map(data, "templates", where)
    templates: dict[str, tuple[str, ...]] = {}
    for name in ("A", "B", "long"):
        fams = tuple(str(f) for f in _list(templates_raw, name, f"{where}, templates"))
        for fam in fams:
            if not any(e.family == fam and e.level == 1 for e in exercises.values()):
                raise LibraryError(
                    f"{where}, template {name}: family {fam!r} has no level-1 exercise"
                )
        templates[name] = fams
    return StrengthLibrary(
        sources=sources,
        equipment=_text(data, "equipment", where),
        exercises=exercises,
        templates=templates,
    )


# --------------------------------------------------------------------------- loading


def _load(name: str) -> Mapping[str, Any]:
    try:
        text = resources.files(DATA_PACKAGE).joinpath("data", name).read_text(encoding="utf-8")
    except FileNotFoundError as exc:  # pragma: no cover - a broken installation
        raise LibraryError(
            f"{name} is missing from the runform package data; reinstall runform"
        ) from exc
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise LibraryError(f"{name}: not valid JSON ({exc})") from exc
    if not isinstance(data, Mapping):
        raise LibraryError(f"{name}: must hold a JSON object")
    return cast(Mapping[str, Any], data)


@cache
def technique_library() -> TechniqueLibrary:
    """The technique library shipped with runform (loaded and checked once)."""
    return parse_technique(_load("technique.json"))


@cache
def strength_library() -> StrengthLibrary:
    """The strength exercise library shipped with runform (loaded and checked once)."""
    return parse_strength(_load("strength.json"))
