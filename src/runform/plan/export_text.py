"""Whole-plan exports as text (Markdown, HTML, CSV, JSON) and plain-language session text.

Every exporter takes the plan as the plain dict of ``Plan.as_dict()`` (or any object
with an ``as_dict()`` method returning it)::

    {"weeks": [{"week": 1, "phase": "base", "volume_km": 42.0,
                "sessions": [{"date": "2027-01-05", "type": "intervals",
                              "distance_km": 10.0, "duration_min": 55,
                              "paces": {"I": [230, 236], "E": [310, 340]},
                              "technique": ["..." or {"focus": ..., "cue": ...}],
                              "steps": [step, ...]}]}]}

Optional plan keys: ``title`` (or ``name``) and any scalar facts (``race_date``,
``goal`` ...) listed under the title. Optional session keys: ``title`` (overrides the
generated one), ``notes``, ``time`` (``"HH:MM"`` start, used by the calendar export).
``paces`` maps a label to s/km: a number, a ``[fast, slow]`` pair or a ready string.
``technique`` items are strings or mappings (``focus``/``name``, ``cue``, any other
scalar or list details). The step shape is documented in
:mod:`runform.plan.export_fit` and parsed by :func:`parse_steps` here.

Pace is a presentation of speed (DESIGN.md): it is formatted here, for people, as
``m:ss/km`` or ``m:ss/mi`` (1 mi = 1609.344 m, international mile, NIST SP 811).
"""

from __future__ import annotations

import csv
import html
import io
import json
import math
import re
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from datetime import time as dtime
from typing import Any, Literal, Protocol, TypeGuard

from runform.errors import RunformError
from runform.units import format_duration

__all__ = [
    "STEP_KINDS",
    "StepSpec",
    "Units",
    "describe_step",
    "format_pace",
    "format_pace_range",
    "iter_sessions",
    "parse_steps",
    "plan_as_dict",
    "plan_csv",
    "plan_html",
    "plan_json",
    "plan_markdown",
    "session_date",
    "session_description",
    "session_title",
    "step_lines",
    "steps_inline",
]

Units = Literal["metric", "imperial"]
"""``metric`` shows km and min/km; ``imperial`` shows miles and min/mi."""

MILE_M = 1609.344
"""International mile [m] (NIST SP 811, appendix B)."""

STEP_KINDS = ("warmup", "run", "work", "recovery", "rest", "cooldown", "repeat")
"""Allowed ``kind`` values of a step (see :mod:`runform.plan.export_fit`)."""

_KIND_LABEL = {
    "warmup": "Warm-up",
    "run": "Run",
    "work": "Run",
    "recovery": "Recovery",
    "rest": "Rest",
    "cooldown": "Cool-down",
}

_TYPE_LABEL = {
    "easy": "Easy run",
    "long": "Long run",
    "long_run": "Long run",
    "recovery": "Recovery run",
    "intervals": "Intervals",
    "interval": "Intervals",
    "tempo": "Tempo",
    "threshold": "Threshold",
    "hills": "Hills",
    "hill": "Hills",
    "marathon_pace": "Marathon pace",
    "strength": "Strength",
    "drills": "Drills",
    "race": "Race",
}

_PACE_RANGE_S = (60.0, 1800.0)
"""Plausible running/walking pace [s/km] (1:00 to 30:00 per km); outside is a unit slip."""


class _HasAsDict(Protocol):
    def as_dict(self) -> Mapping[str, Any]: ...


PlanLike = Mapping[str, Any] | _HasAsDict


# --------------------------------------------------------------------------- steps


@dataclass(frozen=True)
class StepSpec:
    """One parsed step of a session (the dict shape is in :mod:`runform.plan.export_fit`).

    Parameters
    ----------
    kind : str
        One of :data:`STEP_KINDS` [-].
    distance_m : float or None
        Step length [m]; ``None`` when the step is timed or open.
    duration_s : float or None
        Step time [s]; ``None`` when the step is by distance or open.
    pace : tuple of float or None
        Target pace range ``(fast, slow)`` [s/km], fast <= slow.
    pace_label : str or None
        Name of the pace (``"I"``, ``"E"``, ``"5K"`` ...) [-].
    name : str or None
        Short label for the watch and text [-].
    cue : str or None
        Form cue [-].
    repeat : int
        Repetitions of ``steps`` for a ``repeat`` step [-] (1 otherwise).
    steps : tuple of StepSpec
        Children of a ``repeat`` step.
    """

    kind: str
    distance_m: float | None = None
    duration_s: float | None = None
    pace: tuple[float, float] | None = None
    pace_label: str | None = None
    name: str | None = None
    cue: str | None = None
    repeat: int = 1
    steps: tuple[StepSpec, ...] = ()

    def estimated_s(self) -> float:
        """Rough duration [s] for ranking steps (distance at the pace midpoint, else 6:00/km)."""
        if self.kind == "repeat":
            return self.repeat * sum(s.estimated_s() for s in self.steps)
        if self.duration_s is not None:
            return self.duration_s
        if self.distance_m is not None:
            pace = sum(self.pace) / 2 if self.pace else 360.0
            return self.distance_m / 1000.0 * pace
        return 0.0


def _positive(value: Any, what: str, where: str) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise RunformError(f"{where}: {what} must be a number, got {value!r}")
    x = float(value)
    if not math.isfinite(x) or x <= 0:
        raise RunformError(f"{where}: {what} must be positive and finite, got {value!r}")
    return x


def _pace(value: Any, where: str) -> tuple[float, float]:
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        pair = (value, value)
    elif isinstance(value, Sequence) and not isinstance(value, str) and len(value) == 2:
        pair = (value[0], value[1])
    else:
        raise RunformError(
            f"{where}: pace_s_per_km must be [fast, slow] in s/km (or one number), got {value!r}"
        )
    fast = _positive(pair[0], "pace_s_per_km", where)
    slow = _positive(pair[1], "pace_s_per_km", where)
    if fast > slow:
        raise RunformError(
            f"{where}: pace_s_per_km {list(pair)!r} is [slow, fast]; give [fast, slow] "
            "(the smaller number of seconds per km first)"
        )
    lo, hi = _PACE_RANGE_S
    if fast < lo or slow > hi:
        raise RunformError(
            f"{where}: pace_s_per_km {list(pair)!r} is outside {lo:g}-{hi:g} s/km; "
            "paces are seconds per kilometre"
        )
    return fast, slow


def _opt_text(step: Mapping[str, Any], key: str, where: str) -> str | None:
    value = step.get(key)
    if value is None:
        return None
    if not isinstance(value, str):
        raise RunformError(f"{where}: {key} must be text, got {value!r}")
    return value or None


def parse_steps(
    raw: Sequence[Mapping[str, Any]] | None, where: str = "session"
) -> tuple[StepSpec, ...]:
    """Validate and parse a session's ``steps`` list.

    Parameters
    ----------
    raw : sequence of mapping or None
        Step dicts (shape in :mod:`runform.plan.export_fit`); ``None`` means no steps.
    where : str
        Where the steps come from, for error messages [-].

    Returns
    -------
    tuple of StepSpec

    Raises
    ------
    RunformError
        A step with an unknown kind, both distance and duration, a pace given as
        [slow, fast] or out of range, or a repeat without a count or children.
    """
    if raw is None:
        return ()
    if isinstance(raw, (str, Mapping)) or not isinstance(raw, Sequence):
        raise RunformError(f"{where}: steps must be a list of step objects, got {raw!r}")
    return tuple(_parse_step(s, f"{where}, step {i + 1}") for i, s in enumerate(raw))


def _parse_step(step: Any, where: str) -> StepSpec:
    if not isinstance(step, Mapping):
        raise RunformError(f"{where}: a step must be an object, got {step!r}")
    kind = step.get("kind")
    if kind not in STEP_KINDS:
        raise RunformError(f"{where}: kind must be one of {', '.join(STEP_KINDS)}, got {kind!r}")
    name = _opt_text(step, "name", where)
    cue = _opt_text(step, "cue", where)
    if kind == "repeat":
        n = step.get("repeat")
        if isinstance(n, bool) or not isinstance(n, int) or n < 1:
            raise RunformError(
                f"{where}: a repeat step needs repeat = a whole number >= 1, got {n!r}"
            )
        for key in ("distance_m", "duration_s", "pace_s_per_km"):
            if step.get(key) is not None:
                raise RunformError(f"{where}: a repeat step takes no {key}; put it on its steps")
        children = step.get("steps")
        if not children:
            raise RunformError(f"{where}: a repeat step needs a non-empty steps list")
        return StepSpec(
            kind="repeat",
            name=name,
            cue=cue,
            repeat=n,
            steps=parse_steps(children, f"{where} (repeat)"),
        )
    if step.get("steps") or step.get("repeat") is not None:
        raise RunformError(f"{where}: only kind 'repeat' takes repeat/steps")
    dist = step.get("distance_m")
    dur = step.get("duration_s")
    if dist is not None and dur is not None:
        raise RunformError(f"{where}: give distance_m or duration_s, not both")
    pace = step.get("pace_s_per_km")
    return StepSpec(
        kind=str(kind),
        distance_m=None if dist is None else _positive(dist, "distance_m", where),
        duration_s=None if dur is None else _positive(dur, "duration_s", where),
        pace=None if pace is None else _pace(pace, where),
        pace_label=_opt_text(step, "pace_label", where),
        name=name,
        cue=cue,
    )


# --------------------------------------------------------------------------- formatting


def _num(x: float, digits: int = 2) -> str:
    """A number without trailing zeros (``12``, ``1.6``, ``0.25``)."""
    r = round(x, digits)
    return str(int(r)) if r == int(r) else f"{r:.{digits}f}".rstrip("0")


def format_pace(s_per_km: float, units: Units = "metric") -> str:
    """Format a pace [s/km] as ``m:ss/km`` (or ``m:ss/mi`` for imperial units)."""
    if units == "imperial":
        return f"{format_duration(s_per_km * MILE_M / 1000.0)}/mi"
    return f"{format_duration(s_per_km)}/km"


def format_pace_range(pace: tuple[float, float], units: Units = "metric") -> str:
    """Format a ``(fast, slow)`` pace range [s/km]: ``3:50-3:56/km`` or ``3:53/km`` if equal."""
    fast, slow = (format_pace(p, units) for p in pace)
    if fast == slow:
        return fast
    unit = fast[fast.index("/") :]
    return f"{fast.removesuffix(unit)}-{slow}"


def _pace_mid(pace: tuple[float, float], units: Units) -> str:
    return format_pace((pace[0] + pace[1]) / 2.0, units)


def _distance_m(d: float, units: Units) -> str:
    if units == "imperial" and d >= MILE_M:
        return f"{_num(d / MILE_M)} mi"
    if d < 1000.0 or units == "imperial":
        return f"{_num(d, 0)} m"
    return f"{_num(d / 1000.0)} km"


def _duration(s: float) -> str:
    if s < 60.0:
        return f"{_num(s, 0)} s"
    if abs(s / 60.0 - round(s / 60.0)) < 1e-9:
        return f"{round(s / 60.0)} min"
    return format_duration(s)


def _amount(step: StepSpec, units: Units) -> str:
    if step.distance_m is not None:
        return _distance_m(step.distance_m, units)
    if step.duration_s is not None:
        return _duration(step.duration_s)
    return "until lap button"


def _positive_number(x: Any) -> TypeGuard[float]:
    return isinstance(x, (int, float)) and not isinstance(x, bool) and math.isfinite(x) and x > 0


def _km(x: float, units: Units) -> str:
    return f"{x / (MILE_M / 1000.0):.1f} mi" if units == "imperial" else f"{x:.1f} km"


def describe_step(step: StepSpec, units: Units = "metric") -> str:
    """One line for a non-repeat step, e.g. ``Run 400 m at I 3:50-3:56/km (cue: hips tall)``."""
    if step.kind == "repeat":
        return f"{step.repeat} x ({steps_inline(step.steps, units)})"
    amount = _amount(step, units)
    label = step.name or _KIND_LABEL[step.kind]
    text = label if amount in label else f"{label} {amount}"
    if step.pace is not None:
        pace_label = f"{step.pace_label} " if step.pace_label else ""
        text += f" at {pace_label}{format_pace_range(step.pace, units)}"
    if step.cue:
        text += f" (cue: {step.cue})"
    return text


def steps_inline(steps: Sequence[StepSpec], units: Units = "metric") -> str:
    """All steps on one line: ``Warm-up 15 min; 10 x (Run 400 m ...; Recovery 200 m); ...``."""
    return "; ".join(describe_step(s, units) for s in steps)


def step_lines(steps: Sequence[StepSpec], units: Units = "metric", indent: int = 0) -> list[str]:
    """Steps as indented bullet lines (two spaces per repeat level)."""
    out: list[str] = []
    pad = "  " * indent
    for s in steps:
        if s.kind == "repeat":
            head = f"{pad}- {s.repeat} x"
            if s.name:
                head += f" {s.name}"
            if s.cue:
                head += f" (cue: {s.cue})"
            out.append(head + ":")
            out.extend(step_lines(s.steps, units, indent + 1))
        else:
            out.append(f"{pad}- {describe_step(s, units)}")
    return out


# --------------------------------------------------------------------------- sessions


def plan_as_dict(plan: PlanLike) -> Mapping[str, Any]:
    """The plan as its dict (calls ``as_dict()`` on a ``Plan`` object); checks ``weeks``."""
    data = plan if isinstance(plan, Mapping) else plan.as_dict()
    weeks = data.get("weeks")
    if not isinstance(weeks, Sequence) or isinstance(weeks, str):
        raise RunformError("plan: 'weeks' must be a list of weeks (Plan.as_dict() shape)")
    return data


def iter_sessions(plan: PlanLike) -> Iterator[tuple[Mapping[str, Any], Mapping[str, Any]]]:
    """Yield ``(week, session)`` dict pairs in plan order."""
    for week in plan_as_dict(plan)["weeks"]:
        for session in week.get("sessions") or ():
            yield week, session


def session_date(session: Mapping[str, Any]) -> date:
    """The session's date (``date`` key: ISO ``YYYY-MM-DD`` text or a ``date``)."""
    value = session.get("date")
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, str):
        try:
            return date.fromisoformat(value[:10])
        except ValueError:
            pass
    raise RunformError(
        f"session {session.get('type', '?')}: date must be YYYY-MM-DD, got {value!r}"
    )


def _where(session: Mapping[str, Any]) -> str:
    return f"session {session.get('date', '?')} ({session.get('type', '?')})"


def _type_label(session: Mapping[str, Any]) -> str:
    kind = str(session.get("type") or "run")
    return _TYPE_LABEL.get(kind.lower(), kind.replace("_", " ").capitalize())


def _work_step(step: StepSpec) -> StepSpec:
    """The step that names a repeat block: its first run/work step (searching nested repeats)."""
    for child in step.steps:
        if child.kind in ("work", "run"):
            return child
    child = step.steps[0]
    return _work_step(child) if child.kind == "repeat" else child


def _with_pace(text: str, step: StepSpec, units: Units) -> str:
    if step.pace is None:
        return text
    label = f"{step.pace_label} " if step.pace_label else ""
    return f"{text} ({label}{_pace_mid(step.pace, units)})"


def session_title(session: Mapping[str, Any], units: Units = "metric") -> str:
    """A one-line title, e.g. ``Intervals 10 x 400 m (I 3:53/km)``.

    The session's own ``title`` wins. Otherwise: the type label, then the main block
    (the top-level step, warm-up and cool-down aside, with the longest estimated
    time): ``N x <work amount>`` for a repeat, else its distance or time, with the pace
    midpoint of its work step; other repeat blocks are appended as ``+ N x <amount>``.
    """
    own = session.get("title")
    if isinstance(own, str) and own.strip():
        return own.strip()
    steps = parse_steps(session.get("steps"), _where(session))
    parts = [_type_label(session)]
    body = [s for s in steps if s.kind not in ("warmup", "cooldown")]
    main = max(body, key=lambda s: s.estimated_s(), default=None)
    dist = session.get("distance_km")
    if main is not None and main.kind == "repeat":
        work = _work_step(main)
        parts.append(_with_pace(f"{main.repeat} x {_amount(work, units)}", work, units))
    elif main is not None and (main.distance_m is not None or main.duration_s is not None):
        parts.append(_with_pace(_amount(main, units), main, units))
    elif _positive_number(dist):
        text = _km(float(dist), units)
        parts.append(_with_pace(text, main, units) if main is not None else text)
    for extra in body:
        if extra is not main and extra.kind == "repeat":
            work = _work_step(extra)
            label = f" {extra.name}" if extra.name else ""
            parts.append(f"+ {extra.repeat} x {_amount(work, units)}{label}")
    return " ".join(parts)


def _plain(value: Any) -> str:
    """Plain text of a scalar, list or mapping (for technique items and plan facts)."""
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, (int, float)):
        return _num(float(value))
    if isinstance(value, (date, datetime, dtime)):
        return value.isoformat()
    if isinstance(value, Mapping):
        return _technique_item(value)
    if isinstance(value, Sequence):
        return "; ".join(_plain(v) for v in value)
    return str(value)


_NAME_KEYS = ("name", "title", "exercise")
_PLACEMENT = {"warm-up": "in the warm-up", "after": "after the run"}
"""Placement of a technique element -> words (``inside``/``session`` need none)."""
_HANDLED = {"focus", *_NAME_KEYS, "cue", "dose", "placement", "how", "targets"}
_HANDLED |= {"sets", "reps", "seconds", "per_side", "optional", "description"}


def _cap(text: str) -> str:
    return text[:1].upper() + text[1:]


def _target_text(target: Any) -> str:
    """A cadence target ``{"pace", "increase_pct", "target_spm"}`` as ``E 172 spm (+2.5 %)``."""
    if not isinstance(target, Mapping):
        return _plain(target)
    pace = f"{target['pace']} " if target.get("pace") else ""
    inc = target.get("increase_pct")
    inc_text = f"+{_num(float(inc), 1)} %" if isinstance(inc, (int, float)) else ""
    spm = target.get("target_spm")
    if isinstance(spm, (int, float)):
        return f"{pace}{round(spm)} spm" + (f" ({inc_text})" if inc_text else "")
    return f"{pace}{inc_text}".strip() or _plain(dict(target))


def _technique_item(item: Any) -> str:
    """One technique element in words: ``Focus: name (dose, where) - cue: ... How: ...``.

    Reads the keys of ``TechniqueElement.as_dict()`` (``focus``, ``name``, ``cue``,
    ``dose``, ``placement``, ``sets``/``reps``/``seconds``/``per_side``, ``optional``,
    cadence ``targets``, ``how``); any other scalar keys are listed as ``key value``.
    """
    if not isinstance(item, Mapping):
        return _plain(item)
    focus = item.get("focus")
    name = next((item[k] for k in _NAME_KEYS if isinstance(item.get(k), str) and item[k]), "")
    if isinstance(focus, str) and focus and name and focus.lower() != str(name).lower():
        head = f"{_cap(focus)}: {name}"
    else:
        head = _cap(str(name or focus or ""))
    details: list[str] = []
    if item.get("dose"):
        details.append(_plain(item["dose"]))
    elif item.get("sets"):
        each = " each side" if item.get("per_side") else ""
        if item.get("reps"):
            details.append(f"{item['sets']} x {item['reps']}{each}")
        elif item.get("seconds"):
            details.append(f"{item['sets']} x {item['seconds']} s{each}")
    targets = item.get("targets")
    if targets:
        seq = (
            targets if isinstance(targets, Sequence) and not isinstance(targets, str) else [targets]
        )
        details.append("target " + ", ".join(_target_text(t) for t in seq))
    where = _PLACEMENT.get(str(item.get("placement")))
    if where:
        details.append(where)
    if item.get("optional"):
        details.append("optional")
    for key, value in item.items():
        if key in _HANDLED or value is None or value == "" or value == []:
            continue
        details.append(f"{str(key).replace('_', ' ')} {_plain(value)}")
    text = head
    if details:
        text += f" ({', '.join(details)})" if head else ", ".join(details)
    if item.get("cue"):
        text += f" - cue: {_plain(item['cue'])}"
    how = item.get("how") or item.get("description")
    if how:
        text += f". How: {_plain(how)}"
    return text


def _technique_list(session: Mapping[str, Any]) -> list[str]:
    items = session.get("technique") or []
    if isinstance(items, (str, Mapping)):
        items = [items]
    return [_technique_item(t) for t in items]


def _pace_list(session: Mapping[str, Any], units: Units) -> list[str]:
    paces = session.get("paces") or {}
    if not isinstance(paces, Mapping):
        raise RunformError(f"{_where(session)}: paces must map a label to s/km, got {paces!r}")
    out: list[str] = []
    for label, value in paces.items():
        if isinstance(value, str):
            out.append(f"{label} {value}")
        elif value is not None:
            out.append(f"{label} {format_pace_range(_pace(value, _where(session)), units)}")
    return out


def _facts(session: Mapping[str, Any], units: Units) -> list[str]:
    facts: list[str] = []
    dist = session.get("distance_km")
    if _positive_number(dist):
        facts.append(_km(float(dist), units))
    dur = session.get("duration_min")
    if _positive_number(dur):
        facts.append(f"about {round(dur)} min")
    return facts


def session_description(
    session: Mapping[str, Any],
    week: Mapping[str, Any] | None = None,
    units: Units = "metric",
) -> str:
    """Plain-text description of a session: facts, paces, steps, technique, notes.

    Parameters
    ----------
    session : mapping
        A session dict of ``Plan.as_dict()``.
    week : mapping, optional
        Its week dict, for a ``Week n (phase)`` first line.
    units : {"metric", "imperial"}
        Distance and pace units.

    Returns
    -------
    str
        Lines separated by ``\\n``.
    """
    lines: list[str] = []
    if week is not None:
        head = f"Week {week.get('week', '?')}"
        if week.get("phase"):
            head += f" ({week['phase']})"
        lines.append(head)
    facts = _facts(session, units)
    if facts:
        lines.append(", ".join(facts))
    paces = _pace_list(session, units)
    if paces:
        lines.append("Paces: " + "; ".join(paces))
    steps = parse_steps(session.get("steps"), _where(session))
    if steps:
        lines.append("Steps:")
        lines.extend(step_lines(steps, units))
    tech = _technique_list(session)
    if tech:
        lines.append("Technique:")
        lines.extend(f"- {t}" for t in tech)
    notes = session.get("notes")
    if isinstance(notes, str) and notes.strip():
        lines.append(f"Notes: {notes.strip()}")
    return "\n".join(lines)


# --------------------------------------------------------------------------- plan facts


def _plan_title(plan: Mapping[str, Any]) -> str:
    for key in ("title", "name"):
        if isinstance(plan.get(key), str) and plan[key].strip():
            return str(plan[key]).strip()
    return "Training plan"


def _plan_facts(plan: Mapping[str, Any]) -> list[tuple[str, str]]:
    out: list[tuple[str, str]] = []
    for key, value in plan.items():
        if key in ("weeks", "title", "name") or value is None:
            continue
        if isinstance(value, (str, int, float, bool, date, dtime)):
            out.append((str(key).replace("_", " ").capitalize(), _plain(value)))
    return out


def _week_heading(week: Mapping[str, Any], units: Units) -> str:
    parts = [f"Week {week.get('week', '?')}"]
    if week.get("phase"):
        parts.append(str(week["phase"]))
    vol = week.get("volume_km")
    if isinstance(vol, (int, float)):
        parts.append(_km(float(vol), units))
    return " · ".join(parts)


def _weekday_date(session: Mapping[str, Any]) -> str:
    d = session_date(session)
    return f"{d:%a} {d.isoformat()}"


# --------------------------------------------------------------------------- Markdown

_MD_SPECIAL = re.compile(r"([\\`*_\[\]<>|#])")


def _md(text: str) -> str:
    """Escape Markdown/HTML-significant characters (CommonMark backslash escapes)."""
    return _MD_SPECIAL.sub(r"\\\1", " ".join(text.split()))


def plan_markdown(plan: PlanLike, units: Units = "metric") -> str:
    """The whole plan as Markdown: a table per week, then each session's steps.

    User text (titles, cues, notes) is escaped with CommonMark backslash escapes,
    so a ``<script>`` or a ``|`` in a cue stays text.

    Parameters
    ----------
    plan : mapping or Plan
        ``Plan.as_dict()`` shape (see module docstring).
    units : {"metric", "imperial"}
        Distance and pace units.

    Returns
    -------
    str
    """
    data = plan_as_dict(plan)
    out = [f"# {_md(_plan_title(data))}", ""]
    facts = _plan_facts(data)
    if facts:
        out.extend(f"- **{_md(k)}:** {_md(v)}" for k, v in facts)
        out.append("")
    for week in data["weeks"]:
        out.append(f"## {_md(_week_heading(week, units))}")
        out.append("")
        sessions = list(week.get("sessions") or ())
        if not sessions:
            out.extend(["Rest week.", ""])
            continue
        out.append("| Date | Session | Distance | Duration | Paces | Technique |")
        out.append("|---|---|---|---|---|---|")
        for s in sessions:
            dist = s.get("distance_km")
            dur = s.get("duration_min")
            cells = [
                _weekday_date(s),
                session_title(s, units),
                _km(float(dist), units) if _positive_number(dist) else "",
                f"{round(dur)} min" if _positive_number(dur) else "",
                "; ".join(_pace_list(s, units)),
                "; ".join(_technique_list(s)),
            ]
            out.append("| " + " | ".join(_md(c) for c in cells) + " |")
        out.append("")
        for s in sessions:
            steps = parse_steps(s.get("steps"), _where(s))
            notes = s.get("notes")
            if not steps and not notes:
                continue
            out.append(f"**{_md(_weekday_date(s))} · {_md(session_title(s, units))}**")
            out.append("")
            for line in step_lines(steps, units):
                indent = len(line) - len(line.lstrip(" "))
                out.append(" " * indent + "- " + _md(line.lstrip(" ")[2:]))
            if isinstance(notes, str) and notes.strip():
                out.append(f"- Notes: {_md(notes)}")
            out.append("")
    return "\n".join(out).rstrip("\n") + "\n"


# --------------------------------------------------------------------------- HTML

_CSS = """
body{font-family:system-ui,-apple-system,"Segoe UI",sans-serif;margin:2rem auto;max-width:72rem;
color:#1d1d1f;padding:0 1rem;line-height:1.4}
h1{font-size:1.6rem}h2{font-size:1.2rem;margin-top:2rem;border-bottom:1px solid #ccc}
table{border-collapse:collapse;width:100%}th,td{text-align:left;vertical-align:top;
padding:.35rem .5rem;border-bottom:1px solid #e3e3e3}th{background:#f4f4f6}
td ul{margin:0;padding-left:1.1rem}.phase{color:#555;font-weight:normal}
@media print{body{margin:0}h2{break-after:avoid}tr{break-inside:avoid}}
"""

_CSP = "default-src 'none'; style-src 'unsafe-inline'"
"""Content-Security-Policy: nothing loads or runs except the inline style (self-contained)."""


def _e(text: str) -> str:
    return html.escape(text, quote=True)


def _html_steps(steps: Sequence[StepSpec], units: Units) -> str:
    items: list[str] = []
    for s in steps:
        if s.kind == "repeat":
            head = f"{s.repeat} x"
            if s.name:
                head += f" {s.name}"
            if s.cue:
                head += f" (cue: {s.cue})"
            items.append(f"<li>{_e(head)}{_html_steps(s.steps, units)}</li>")
        else:
            items.append(f"<li>{_e(describe_step(s, units))}</li>")
    return "<ul>" + "".join(items) + "</ul>"


def _html_list(items: Sequence[str]) -> str:
    return "<ul>" + "".join(f"<li>{_e(i)}</li>" for i in items) + "</ul>" if items else ""


def plan_html(plan: PlanLike, units: Units = "metric") -> str:
    """The whole plan as one self-contained HTML page (inline CSS, no scripts, no CDN).

    Every piece of text is HTML-escaped; a Content-Security-Policy meta tag forbids
    loading or running anything but the inline style.

    Parameters
    ----------
    plan : mapping or Plan
        ``Plan.as_dict()`` shape (see module docstring).
    units : {"metric", "imperial"}
        Distance and pace units.

    Returns
    -------
    str
        A complete HTML5 document.
    """
    data = plan_as_dict(plan)
    title = _plan_title(data)
    out = [
        "<!DOCTYPE html>",
        '<html lang="en">',
        "<head>",
        '<meta charset="utf-8">',
        f'<meta http-equiv="Content-Security-Policy" content="{_e(_CSP)}">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>{_e(title)}</title>",
        f"<style>{_CSS}</style>",
        "</head>",
        "<body>",
        f"<h1>{_e(title)}</h1>",
    ]
    facts = _plan_facts(data)
    if facts:
        out.append('<dl class="facts">')
        out.extend(f"<dt>{_e(k)}</dt><dd>{_e(v)}</dd>" for k, v in facts)
        out.append("</dl>")
    for week in data["weeks"]:
        n = week.get("week", "?")
        out.append(f'<section class="week" id="week-{_e(str(n))}">')
        out.append(f"<h2>{_e(_week_heading(week, units))}</h2>")
        sessions = list(week.get("sessions") or ())
        if not sessions:
            out.append("<p>Rest week.</p></section>")
            continue
        out.append("<table>")
        out.append(
            "<thead><tr><th>Date</th><th>Session</th><th>Distance</th><th>Duration</th>"
            "<th>Paces</th><th>Steps</th><th>Technique</th></tr></thead>"
        )
        out.append("<tbody>")
        for s in sessions:
            dist = s.get("distance_km")
            dur = s.get("duration_min")
            steps = parse_steps(s.get("steps"), _where(s))
            notes = s.get("notes")
            title_cell = _e(session_title(s, units))
            if isinstance(notes, str) and notes.strip():
                title_cell += f'<br><small class="notes">{_e(notes.strip())}</small>'
            out.append(
                '<tr class="session">'
                f"<td>{_e(_weekday_date(s))}</td>"
                f'<td class="title">{title_cell}</td>'
                f"<td>{_e(_km(float(dist), units)) if _positive_number(dist) else ''}</td>"
                f"<td>{_e(f'{round(dur)} min') if _positive_number(dur) else ''}</td>"
                f'<td class="paces">{_html_list(_pace_list(s, units))}</td>'
                f'<td class="steps">{_html_steps(steps, units) if steps else ""}</td>'
                f'<td class="technique">{_html_list(_technique_list(s))}</td>'
                "</tr>"
            )
        out.append("</tbody></table></section>")
    out.extend(["</body>", "</html>"])
    return "\n".join(out) + "\n"


# --------------------------------------------------------------------------- CSV

CSV_COLUMNS = (
    "week",
    "phase",
    "week_volume_km",
    "date",
    "weekday",
    "type",
    "title",
    "distance_km",
    "duration_min",
    "paces",
    "steps",
    "technique",
    "notes",
)
"""Columns of :func:`plan_csv`, one row per session."""

_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _csv_text(text: str) -> str:
    """Neutralise spreadsheet formulas in text cells (OWASP "CSV Injection"): a leading
    ``= + - @`` (or tab/CR) gets a ``'`` in front, unless the cell is a plain number."""
    if text.startswith(_FORMULA_START):
        try:
            float(text)
        except ValueError:
            return "'" + text
    return text


def _csv_num(value: Any) -> str:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        return ""
    return _num(float(value), 3)


def plan_csv(plan: PlanLike, units: Units = "metric") -> str:
    """The plan as CSV (RFC 4180, CRLF line ends), one row per session.

    Columns are :data:`CSV_COLUMNS`; distances stay in km and durations in min
    whatever ``units`` is (they are data), while ``paces``/``steps`` text follows
    ``units``. Text cells that a spreadsheet would run as a formula are prefixed
    with ``'``.

    Parameters
    ----------
    plan : mapping or Plan
        ``Plan.as_dict()`` shape (see module docstring).
    units : {"metric", "imperial"}
        Units of the pace and step text.

    Returns
    -------
    str
    """
    data = plan_as_dict(plan)
    buf = io.StringIO(newline="")
    writer = csv.writer(buf, lineterminator="\r\n")
    writer.writerow(CSV_COLUMNS)
    for week, s in iter_sessions(data):
        d = session_date(s)
        steps = parse_steps(s.get("steps"), _where(s))
        notes = s.get("notes")
        writer.writerow(
            [
                _csv_num(week.get("week")),
                _csv_text(str(week.get("phase") or "")),
                _csv_num(week.get("volume_km")),
                d.isoformat(),
                f"{d:%a}",
                _csv_text(str(s.get("type") or "")),
                _csv_text(session_title(s, units)),
                _csv_num(s.get("distance_km")),
                _csv_num(s.get("duration_min")),
                _csv_text("; ".join(_pace_list(s, units))),
                _csv_text(steps_inline(steps, units)),
                _csv_text(" | ".join(_technique_list(s))),
                _csv_text(notes.strip() if isinstance(notes, str) else ""),
            ]
        )
    return buf.getvalue()


# --------------------------------------------------------------------------- JSON


def _json_default(value: Any) -> Any:
    if isinstance(value, (date, datetime, dtime)):
        return value.isoformat()
    if isinstance(value, (set, frozenset, tuple)):
        return list(value)
    item = getattr(value, "item", None)  # numpy scalars
    if callable(item):
        return item()
    raise TypeError(f"plan JSON: cannot encode {type(value).__name__} {value!r}")


def plan_json(plan: PlanLike, indent: int | None = 2) -> str:
    """The plan as JSON text, exactly the ``Plan.as_dict()`` shape.

    Dates become ISO text and numpy scalars plain numbers; NaN or infinity is
    refused (JSON has neither, RFC 8259 section 6), as is any other object.

    Parameters
    ----------
    plan : mapping or Plan
        ``Plan.as_dict()`` shape.
    indent : int or None
        Indentation [spaces]; ``None`` for one line.

    Returns
    -------
    str
    """
    data = plan_as_dict(plan)
    try:
        return (
            json.dumps(
                data, indent=indent, ensure_ascii=False, allow_nan=False, default=_json_default
            )
            + "\n"
        )
    except ValueError as exc:
        raise RunformError(f"plan JSON: {exc} (a NaN or infinite number in the plan)") from exc
