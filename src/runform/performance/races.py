"""Race results as the command line receives them: ``10k=41:21``, ``half=1:31:35``.

:func:`parse_race` turns a spec ``DISTANCE=TIME`` into a :class:`Race` in SI
units, rejecting typos and impossible performances with one line that names
the bad part and shows the right form. :func:`parse_distance` and
:func:`parse_duration` parse the halves on their own.

Distances: ``5k``, ``10K``, ``12.3km``, ``5000m``, ``1500m``, ``10mi``,
``mile``, ``half`` / ``hm`` / ``half_marathon`` / ``half-marathon``,
``marathon`` / ``mar`` (case-insensitive). Times: ``h:mm:ss``, ``mm:ss`` or
``m:ss``, with optional decimal seconds (``4:05.3``); minutes may exceed 59
only without an hour field (``75:30``).
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

from runform.errors import UsageError
from runform.performance.vdot import MARATHON_M, vdot_from_race

MILE_M = 1609.344
"""International mile [m] (international yard and pound agreement, 1959)."""

HALF_MARATHON_M = MARATHON_M / 2.0
"""Half marathon [m] (21097.5 m, World Athletics)."""

STANDARD_DISTANCES_M: dict[str, float] = {
    "1500m": 1500.0,
    "mile": MILE_M,
    "5k": 5000.0,
    "10k": 10000.0,
    "half_marathon": HALF_MARATHON_M,
    "marathon": MARATHON_M,
}
"""Canonical names of standard race distances [m]; a parsed race at one of these
distances takes the name as its label."""

MIN_RACE_DISTANCE_M = 1500.0
"""Shortest race accepted as a fitness marker [m]: Daniels' tables start at 1500 m;
shorter efforts are too anaerobic for the Daniels-Gilbert fraction-of-VO2max curve."""

_NAMES: dict[str, float] = {
    "mile": MILE_M,
    "half": HALF_MARATHON_M,
    "hm": HALF_MARATHON_M,
    "half_marathon": HALF_MARATHON_M,
    "halfmarathon": HALF_MARATHON_M,
    "marathon": MARATHON_M,
    "mar": MARATHON_M,
}
_UNITS: dict[str, float] = {
    "k": 1000.0,
    "km": 1000.0,
    "m": 1.0,
    "mi": MILE_M,
    "mile": MILE_M,
    "miles": MILE_M,
}
_DISTANCE_RE = re.compile(r"([0-9]+(?:\.[0-9]+)?)\s*([a-z]+)")
_HMS_RE = re.compile(r"([0-9]+):([0-9]{2}):([0-9]{2}(?:\.[0-9]+)?)")
_MS_RE = re.compile(r"([0-9]+):([0-9]{2}(?:\.[0-9]+)?)")

_DISTANCE_FORMS = "use 5k, 10k, 12.3km, 5000m, 10mi, mile, half or marathon"
_TIME_FORMS = "use h:mm:ss or mm:ss"


class _Problem(ValueError):
    """What is wrong with one part of a spec, and the forms that would be right."""

    def __init__(self, what: str, forms: str) -> None:
        super().__init__(what)
        self.what = what
        self.forms = forms


@dataclass(frozen=True)
class Race:
    """One race result.

    Attributes
    ----------
    distance_m : float
        Race distance [m].
    time_s : float
        Finishing time [s].
    label : str
        Canonical name of a standard distance (``5k``, ``10k``, ``half_marathon``,
        ``marathon``, ``mile``, ``1500m``), else the distance as written, lower case.
    """

    distance_m: float
    time_s: float
    label: str


# ---------------------------------------------------------------- distance


def _distance(text: str) -> tuple[float, str]:
    stripped = text.strip()
    if not stripped:
        raise _Problem("no distance given", _DISTANCE_FORMS)
    if stripped[0] in "-−":
        raise _Problem(f"'{text}' is negative (a distance must be positive)", _DISTANCE_FORMS)
    key = stripped.lower().replace("-", "_").replace(" ", "_")
    if key in _NAMES:
        metres = _NAMES[key]
    else:
        m = _DISTANCE_RE.fullmatch(key.replace("_", ""))
        if m is None or m.group(2) not in _UNITS:
            raise _Problem(f"'{text}' is not a distance", _DISTANCE_FORMS)
        metres = float(m.group(1)) * _UNITS[m.group(2)]
        key = f"{m.group(1)}{m.group(2)}"
    if not metres > 0.0 or not math.isfinite(metres):
        raise _Problem(f"'{text}' is not a positive distance", _DISTANCE_FORMS)
    for name, standard in STANDARD_DISTANCES_M.items():
        if abs(metres - standard) < 1e-6:
            return metres, name
    return metres, key


def parse_distance(text: str) -> float:
    """Parse a race distance to metres.

    Parameters
    ----------
    text : str
        ``5k``, ``12.3km``, ``5000m``, ``10mi``, ``mile``, ``half``/``hm``,
        ``marathon``/``mar`` and the like (case-insensitive).

    Returns
    -------
    float
        Distance [m] (mile 1609.344 m, half marathon 21097.5 m, marathon 42195 m).

    Raises
    ------
    UsageError
        Text that is not a positive distance; the message shows the accepted forms.
    """
    try:
        return _distance(text)[0]
    except _Problem as p:
        raise UsageError(f"{p.what}; {p.forms}") from None


# ---------------------------------------------------------------- duration


def _duration(text: str) -> float:
    s = text.strip()
    if not s:
        raise _Problem("no time given", _TIME_FORMS)
    if s[0] in "-−":
        raise _Problem(f"'{text}' is negative (a time must be positive)", _TIME_FORMS)
    if m := _HMS_RE.fullmatch(s):
        hours, minutes, seconds = int(m.group(1)), int(m.group(2)), float(m.group(3))
        if minutes >= 60:
            raise _Problem(
                f"'{text}' has {minutes} minutes (in h:mm:ss minutes run 00-59)", _TIME_FORMS
            )
    elif m := _MS_RE.fullmatch(s):
        hours, minutes, seconds = 0, int(m.group(1)), float(m.group(2))
    else:
        raise _Problem(f"'{text}' is not a time", _TIME_FORMS)
    if seconds >= 60.0:
        raise _Problem(f"'{text}' has {seconds:g} seconds (seconds run 00-59)", _TIME_FORMS)
    total = 3600.0 * hours + 60.0 * minutes + seconds
    if total <= 0.0:
        raise _Problem(f"'{text}' is zero (a time must be longer than zero)", _TIME_FORMS)
    return total


def parse_duration(text: str) -> float:
    """Parse a race time to seconds.

    Parameters
    ----------
    text : str
        ``h:mm:ss``, ``mm:ss`` or ``m:ss``; the seconds field may carry decimals
        (``4:05.3``); minutes may exceed 59 only without hours (``75:30``).

    Returns
    -------
    float
        Duration [s], positive.

    Raises
    ------
    UsageError
        Empty, malformed (``4x:00``, ``1:5``), negative or zero times, and
        minute or second fields of 60 or more where they must be below 60.
    """
    try:
        return _duration(text)
    except _Problem as p:
        raise UsageError(f"{p.what}; {p.forms}, e.g. 41:21 or 1:31:35") from None


# ---------------------------------------------------------------- race


def check_performance(distance_m: float, time_s: float) -> None:
    """Raise :class:`~runform.errors.UsageError` unless a race is a usable fitness marker.

    Parameters
    ----------
    distance_m : float
        Race distance [m], at least :data:`MIN_RACE_DISTANCE_M`.
    time_s : float
        Finishing time [s], positive; the race must imply a VDOT within 20-90
        (faster is beyond world-record level, slower is outside the model).

    Raises
    ------
    UsageError
        A race shorter than 1500 m, a distance or time that is not a positive
        finite number, or a performance outside VDOT 20-90.
    """
    if not (math.isfinite(distance_m) and math.isfinite(time_s)):
        raise UsageError(
            f"race distance and time must be finite numbers, not {distance_m:g} m in {time_s:g} s"
        )
    if 0.0 < distance_m < MIN_RACE_DISTANCE_M:
        raise UsageError(
            f"{distance_m:g} m is too short to judge endurance; use a race of "
            f"{MIN_RACE_DISTANCE_M:g} m or longer (Daniels' tables start at 1500 m)"
        )
    vdot_from_race(distance_m, time_s)  # raises UsageError outside VDOT 20-90


def parse_race(spec: str, option: str = "--race") -> Race:
    """Parse a race spec ``DISTANCE=TIME`` such as ``10k=41:21`` or ``half=1:31:35``.

    Parameters
    ----------
    spec : str
        The spec as typed; see :func:`parse_distance` and :func:`parse_duration`
        for the forms of each half.
    option : str
        The command-line option the spec came from, used in error messages.

    Returns
    -------
    Race
        Distance [m], time [s] and label.

    Raises
    ------
    UsageError
        One line naming the bad part and showing the right form, e.g.
        ``--race 10k=4x:00: '4x:00' is not a time; use h:mm:ss or mm:ss, e.g. 10k=41:21``;
        also for races shorter than 1500 m and performances outside VDOT 20-90
        (faster than world records, or slower than the model covers); see
        :func:`check_performance`.
    """
    prefix = f"{option} {spec}"
    example = "e.g. 10k=41:21"
    if spec.count("=") != 1:
        raise UsageError(f"{prefix}: expected DISTANCE=TIME, {example}")
    dist_text, time_text = spec.split("=")
    try:
        distance_m, label = _distance(dist_text)
        time_s = _duration(time_text)
    except _Problem as p:
        raise UsageError(f"{prefix}: {p.what}; {p.forms}, {example}") from None
    try:
        check_performance(distance_m, time_s)
    except UsageError as e:
        raise UsageError(f"{prefix}: {e}") from None
    return Race(distance_m=distance_m, time_s=time_s, label=label)
