"""FIT workout files (one per session) that a Garmin watch loads as structured workouts.

A workout file is ``file_id`` (type ``workout``), one ``workout`` message (name,
sport, number of steps) and one ``workout_step`` message per step (FIT SDK, "Workout
file" description and the "Encoding FIT Workout Files" cookbook recipe). Copy the
files into the watch's ``GARMIN/NewFiles`` folder over USB.

The step dict shape
-------------------
A session's ``steps`` is a list of step dicts; this is the shape the plan generator
emits and every exporter (:mod:`~runform.plan.export_ics`,
:mod:`~runform.plan.export_text`, this module) reads::

    step = {
        "kind": "warmup" | "run" | "work" | "recovery" | "rest" | "cooldown" | "repeat",
        # plain steps (all kinds but "repeat"); at most one of distance_m / duration_s,
        # neither = open step, ended with the lap button:
        "distance_m": 400.0,             # optional [m]
        "duration_s": 900.0,             # optional [s]
        "pace_s_per_km": [230, 236],     # optional [fast, slow] [s/km], fast <= slow;
                                         # one number = an exact pace
        "pace_label": "I",               # optional name of the pace (E, M, T, I, R, 5K ...)
        "name": "Strides",               # optional short label (watch shows 15 bytes)
        "cue": "quick light steps",      # optional form cue (watch step notes)
        # "repeat" steps only:
        "repeat": 10,                    # repetitions [-], >= 1
        "steps": [step, ...],            # the repeated steps (nesting allowed)
    }

``kind`` sets the FIT ``intensity``: warmup -> warmup, cooldown -> cooldown,
recovery -> recovery, rest -> rest, run and work -> active ("work" marks the hard
part of a set, "run" a steady run). Example, intervals with strides::

    [{"kind": "warmup", "duration_s": 900, "pace_s_per_km": [310, 340], "pace_label": "E"},
     {"kind": "repeat", "repeat": 10, "steps": [
         {"kind": "work", "distance_m": 400, "pace_s_per_km": [230, 236],
          "pace_label": "I", "cue": "tall hips, quick feet"},
         {"kind": "recovery", "distance_m": 200, "name": "Jog"}]},
     {"kind": "cooldown", "duration_s": 600},
     {"kind": "repeat", "repeat": 6, "name": "Strides", "steps": [
         {"kind": "work", "duration_s": 20, "name": "Stride", "pace_s_per_km": [200, 215]},
         {"kind": "recovery", "duration_s": 60, "name": "Walk"}]}]

Encoding
--------
- time steps: ``duration_type`` time, ``duration_time`` [s] (stored in ms);
  distance steps: ``duration_type`` distance, ``duration_distance`` [m] (stored in cm);
  open steps: ``duration_type`` open.
- pace targets: ``target_type`` speed, ``target_value`` 0 (custom range),
  ``custom_target_speed_low`` = 1000 / slow and ``custom_target_speed_high`` =
  1000 / fast [m/s] (stored in mm/s); no pace: ``target_type`` open.
- a repeat block is written as its steps followed by a repeat step:
  ``duration_type`` repeat_until_steps_cmplt, ``duration_value`` = message index
  of the block's first step, ``target_value`` = repetitions (FIT SDK profile,
  ``workout_step`` subfields ``duration_step`` and ``repeat_steps``; the cookbook's
  ``CreateWorkoutStepRepeat(messageIndex, repeatFrom, repetitions)``). The repeat
  step has no ``target_type``, so decoders resolve ``target_value`` as
  ``repeat_steps`` (the rule for this dynamic field: target_type first for
  heart_rate/power, else duration_type).
- string fields use the sizes Garmin's own workout files use (``wkt_name`` 32 B,
  ``wkt_step_name`` 16 B, ``notes`` 200 B, NUL-padded, as in a Garmin workout file
  dumped on the FIT SDK developer forum), so longer text is cut at a character
  boundary.
- ``file_id``: manufacturer development, product 0, and a serial number hashed
  from the session, because "the combination of type, manufacturer, product and
  serial number" must be unique on a device (FIT SDK, "Workout file").
"""

from __future__ import annotations

import hashlib
import os
import re
from collections.abc import Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from runform.errors import RunformError
from runform.io.fit_write import FitWriter
from runform.plan.export_text import (
    PlanLike,
    StepSpec,
    iter_sessions,
    parse_steps,
    session_date,
    session_title,
)

__all__ = [
    "WKT_NAME_BYTES",
    "WKT_NOTES_BYTES",
    "WKT_STEP_NAME_BYTES",
    "workout_fit_bytes",
    "workout_step_messages",
    "write_plan_workouts",
    "write_workout_fit",
]

WKT_NAME_BYTES = 32
"""Size of ``workout.wkt_name`` incl. the NUL [B] (as in Garmin-written workout files)."""
WKT_STEP_NAME_BYTES = 16
"""Size of ``workout_step.wkt_step_name`` incl. the NUL [B] (as in Garmin-written files)."""
WKT_NOTES_BYTES = 200
"""Size of ``workout_step.notes`` incl. the NUL [B] (as in Garmin-written files)."""

MAX_STEPS = 100
"""Most ``workout_step`` messages written; Garmin Connect's workout editor allows 50
steps, watches vary, so a plan needing more is a generator bug."""

_INTENSITY = {
    "warmup": "warmup",
    "cooldown": "cooldown",
    "recovery": "recovery",
    "rest": "rest",
    "run": "active",
    "work": "active",
}
"""Step kind -> FIT ``intensity`` (FIT SDK profile type ``intensity``)."""

_STEP_NAME = {
    "warmup": "Warm-up",
    "cooldown": "Cool-down",
    "recovery": "Recovery",
    "rest": "Rest",
    "run": "Run",
    "work": "Run",
}

_SPORTS = {"running", "walking", "hiking", "generic", "training"}


def _fixed(text: str, size: int) -> bytes:
    """UTF-8 text cut at a character boundary to ``size - 1`` bytes, NUL-padded to ``size``."""
    raw = text.encode("utf-8")
    if len(raw) >= size:
        raw = raw[: size - 1]
        while raw:
            try:
                raw.decode("utf-8")
                break
            except UnicodeDecodeError:
                raw = raw[:-1]
    return raw + b"\x00" * (size - len(raw))


def workout_step_messages(steps: tuple[StepSpec, ...]) -> list[dict[str, Any]]:
    """The ``workout_step`` messages for parsed steps, in FIT physical units.

    Parameters
    ----------
    steps : tuple of StepSpec
        From :func:`runform.plan.export_text.parse_steps`.

    Returns
    -------
    list of dict
        One field mapping per message (``message_index`` 0, 1, ...), repeat blocks
        flattened to their steps followed by the repeat step.
    """
    out: list[dict[str, Any]] = []
    _flatten(steps, out)
    return out


def _flatten(steps: tuple[StepSpec, ...], out: list[dict[str, Any]]) -> None:
    for step in steps:
        if step.kind == "repeat":
            first = len(out)
            _flatten(step.steps, out)
            out.append(
                {
                    "message_index": len(out),
                    "duration_type": "repeat_until_steps_cmplt",
                    "duration_step": first,
                    "repeat_steps": step.repeat,
                }
            )
            continue
        msg: dict[str, Any] = {
            "message_index": len(out),
            "wkt_step_name": _fixed(step.name or _STEP_NAME[step.kind], WKT_STEP_NAME_BYTES),
        }
        if step.distance_m is not None:
            msg["duration_type"] = "distance"
            msg["duration_distance"] = step.distance_m
        elif step.duration_s is not None:
            msg["duration_type"] = "time"
            msg["duration_time"] = step.duration_s
        else:
            msg["duration_type"] = "open"
            msg["duration_value"] = float("nan")
        if step.pace is not None:
            fast, slow = step.pace
            msg["target_type"] = "speed"
            msg["target_speed_zone"] = 0
            msg["custom_target_speed_low"] = 1000.0 / slow
            msg["custom_target_speed_high"] = 1000.0 / fast
        else:
            msg["target_type"] = "open"
            msg["target_value"] = float("nan")
            msg["custom_target_value_low"] = float("nan")
            msg["custom_target_value_high"] = float("nan")
        msg["intensity"] = _INTENSITY[step.kind]
        msg["notes"] = _fixed(step.cue or "", WKT_NOTES_BYTES)
        out.append(msg)


def _watch_name(title: str) -> str:
    """The title, shortened to fit ``wkt_name``: drop ``+ ...`` extras, then the pace."""
    base = title.split(" + ")[0]
    for candidate in (title, base, re.sub(r" \([^)]*\)", "", base)):
        if len(candidate.encode("utf-8")) < WKT_NAME_BYTES:
            return candidate
    return base


def _serial(session: Mapping[str, Any], name: str) -> int:
    """A non-zero 32-bit serial number from the session's date, type and name."""
    key = f"{session.get('date')}|{session.get('type')}|{name}".encode()
    value = int.from_bytes(hashlib.sha256(key).digest()[:4], "little")
    return value or 1


def workout_fit_bytes(
    session: Mapping[str, Any],
    *,
    name: str | None = None,
    sport: str = "running",
    serial_number: int | None = None,
    time_created: datetime | None = None,
) -> bytes:
    """Encode one session as a FIT workout file.

    Parameters
    ----------
    session : mapping
        A session dict of ``Plan.as_dict()`` (``date``, ``type``, ``steps`` ...).
        Without steps, a session with ``distance_km`` becomes one run step of that
        distance (with its ``paces`` ignored); otherwise steps are required.
    name : str, optional
        Workout name [-]; default :func:`~runform.plan.export_text.session_title`,
        shortened to 31 bytes (extras after ``+``, then the pace, then cut).
    sport : str
        FIT sport [-] (``running`` default, ``walking``, ``training`` ...).
    serial_number : int, optional
        ``file_id.serial_number`` [-]; default a hash of the session.
    time_created : datetime, optional
        ``file_id.time_created`` (aware) [-]; default the session's date at 00:00 UTC,
        so the same plan gives the same bytes.

    Returns
    -------
    bytes
        The complete FIT file.

    Raises
    ------
    RunformError
        Bad steps (see :func:`~runform.plan.export_text.parse_steps`), a session
        with neither steps nor a distance, or more than :data:`MAX_STEPS` messages.
    """
    where = f"session {session.get('date', '?')} ({session.get('type', '?')})"
    if sport not in _SPORTS:
        raise RunformError(f"{where}: sport {sport!r} not one of {sorted(_SPORTS)}")
    steps = parse_steps(session.get("steps"), where)
    if not steps:
        dist = session.get("distance_km")
        if isinstance(dist, (int, float)) and not isinstance(dist, bool) and dist > 0:
            steps = (StepSpec(kind="run", distance_m=float(dist) * 1000.0),)
        else:
            raise RunformError(f"{where}: a FIT workout needs steps or a distance_km")
    messages = workout_step_messages(steps)
    if len(messages) > MAX_STEPS:
        raise RunformError(
            f"{where}: {len(messages)} workout steps is more than a watch takes ({MAX_STEPS})"
        )
    title = name if name is not None else _watch_name(session_title(session))
    day = session_date(session)
    created = time_created or datetime(day.year, day.month, day.day, tzinfo=UTC)
    w = FitWriter()
    w.write(
        "file_id",
        {
            "type": "workout",
            "manufacturer": "development",
            "product": 0,
            "serial_number": serial_number
            if serial_number is not None
            else _serial(session, title),
            "time_created": created,
        },
    )
    w.write(
        "workout",
        {
            "wkt_name": _fixed(title, WKT_NAME_BYTES),
            "sport": sport,
            "sub_sport": "generic",
            "num_valid_steps": len(messages),
        },
    )
    for msg in messages:
        w.write("workout_step", msg)
    return w.to_bytes()


def write_workout_fit(
    session: Mapping[str, Any],
    path: str | os.PathLike[str],
    **options: Any,
) -> int:
    """Write one session as a FIT workout file (see :func:`workout_fit_bytes`).

    Parameters
    ----------
    session : mapping
        A session dict of ``Plan.as_dict()``.
    path : path
        Output file [-].
    **options
        Keyword options of :func:`workout_fit_bytes`.

    Returns
    -------
    int
        Bytes written [B].
    """
    data = workout_fit_bytes(session, **options)
    Path(path).write_bytes(data)
    return len(data)


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-") or "session"


def write_plan_workouts(plan: PlanLike, folder: str | os.PathLike[str]) -> list[Path]:
    """Write one FIT workout per runnable session into ``folder``.

    A session is written when it has ``steps`` or a ``distance_km``; others
    (strength, rest) are skipped. Files are named ``YYYY-MM-DD-<type>.fit``
    (``-2``, ``-3`` ... for a second session of the same type that day).

    Parameters
    ----------
    plan : mapping or Plan
        ``Plan.as_dict()`` shape.
    folder : path
        Output folder [-], created if missing.

    Returns
    -------
    list of Path
        The files written, in plan order.
    """
    out_dir = Path(folder)
    out_dir.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []
    used: set[str] = set()
    for _week, session in iter_sessions(plan):
        dist = session.get("distance_km")
        if not session.get("steps") and not (isinstance(dist, (int, float)) and dist > 0):
            continue
        stem = f"{session_date(session).isoformat()}-{_slug(str(session.get('type') or ''))}"
        name, k = stem, 1
        while name in used:
            k += 1
            name = f"{stem}-{k}"
        used.add(name)
        path = out_dir / f"{name}.fit"
        write_workout_fit(session, path)
        written.append(path)
    return written
