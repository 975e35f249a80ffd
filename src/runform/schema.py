"""The canonical activity: one model used everywhere in runform.

Readers (``runform.io``) produce :class:`Activity` objects; the store persists
them; the analysis core consumes them. Every stream is in SI units and every
name is fixed here and in ``docs/glossary.md`` (a test keeps the two in step).

An activity is one *session* as the device recorded it: a multisport file
(triathlon) becomes one activity per session, so its running leg is found.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import pandas as pd

#: Canonical stream columns: name -> (unit, meaning). ``time`` is the index-like
#: column of seconds since the activity start. Developer fields are added as
#: ``dev_<name>`` columns with their units in :attr:`Activity.developer_units`.
STREAMS: dict[str, tuple[str, str]] = {
    "time": ("s", "elapsed seconds since the activity start (includes pauses)"),
    "timestamp": ("UTC", "absolute time of the sample, timezone-aware UTC"),
    "distance": ("m", "cumulative distance as the device recorded it"),
    "speed": ("m/s", "instantaneous speed as recorded (enhanced_speed preferred)"),
    "cadence": ("steps/min", "running cadence, both feet (FIT strides/min x 2)"),
    "heart_rate": ("bpm", "heart rate"),
    "altitude": ("m", "altitude above sea level (enhanced_altitude preferred)"),
    "latitude": ("deg", "WGS84 latitude"),
    "longitude": ("deg", "WGS84 longitude"),
    "grade": ("fraction", "slope as rise/run (0.05 = 5 %), as recorded"),
    "power": ("W", "running or cycling power"),
    "ground_contact_time": ("s", "stance (ground contact) time of one step"),
    "gct_balance": ("% left", "left share of ground contact time"),
    "vertical_oscillation": ("m", "vertical bounce of the torso per step"),
    "vertical_ratio": ("%", "vertical oscillation / step length x 100"),
    "step_length": ("m", "length of one step"),
    "temperature": ("degC", "temperature as recorded by the device"),
    "gps_spike": ("bool", "True where the position jump implies an impossible speed (raw kept)"),
}

#: Canonical per-lap and per-session summary columns: name -> (unit, meaning).
SUMMARY: dict[str, tuple[str, str]] = {
    "start_time": ("UTC", "start of the lap/session"),
    "end_time": ("UTC", "end of the lap/session (the message timestamp)"),
    "elapsed_time": ("s", "total elapsed time, pauses included"),
    "timer_time": ("s", "timer time, pauses excluded"),
    "moving_time": ("s", "moving time as the device computed it, when recorded"),
    "distance": ("m", "total distance"),
    "avg_speed": ("m/s", "average speed as recorded"),
    "max_speed": ("m/s", "maximum speed as recorded"),
    "avg_cadence": ("steps/min", "average cadence, both feet"),
    "max_cadence": ("steps/min", "maximum cadence, both feet"),
    "avg_heart_rate": ("bpm", "average heart rate"),
    "max_heart_rate": ("bpm", "maximum heart rate"),
    "total_ascent": ("m", "total ascent"),
    "total_descent": ("m", "total descent"),
    "avg_power": ("W", "average power"),
    "avg_ground_contact_time": ("s", "average stance time"),
    "avg_gct_balance": ("% left", "average left share of stance time"),
    "avg_vertical_oscillation": ("m", "average vertical oscillation"),
    "avg_vertical_ratio": ("%", "average vertical ratio"),
    "avg_step_length": ("m", "average step length"),
    "total_steps": ("steps", "total steps (FIT total_strides x 2 for running)"),
    "calories": ("kcal", "energy as the device estimated it"),
    "intensity": ("", "FIT lap intensity: active, rest, warmup, cooldown, recovery"),
    "trigger": ("", "what ended the lap: manual, distance, time, position, session_end ..."),
    "sport": ("", "sport of the lap/session when recorded"),
}

#: Canonical event columns.
EVENTS: dict[str, tuple[str, str]] = {
    "timestamp": ("UTC", "when the event happened"),
    "event": ("", "FIT event name (timer, lap, session, recovery_hr, ...)"),
    "event_type": ("", "start, stop, stop_all, marker, ..."),
    "data": ("", "event data when present"),
}


@dataclass(frozen=True)
class Device:
    """The recording device as the file names it."""

    manufacturer: str | None = None
    product: str | None = None
    serial_number: str | None = None
    software_version: str | None = None

    def label(self) -> str:
        """A short human label, e.g. ``garmin fr955``."""
        parts = [p for p in (self.manufacturer, self.product) if p]
        return " ".join(parts) if parts else "unknown"


@dataclass(frozen=True)
class Source:
    """Where an activity came from."""

    path: str
    """The file as the user named it; archive members as ``archive.zip!member``."""
    sha256: str
    """SHA-256 of the file's bytes (decompressed content for .gz members)."""
    format: str
    """``fit``, ``tcx`` or ``gpx``."""
    session_index: int = 0
    """Index of this session within a multisport file (0 for single-sport files)."""


@dataclass(frozen=True)
class Activity:
    """One session of one recording, in canonical form.

    Attributes
    ----------
    sport, sub_sport : str
        Lower-case FIT sport names (``running``, ``cycling``, ``trail``...);
        TCX/GPX sport labels are mapped to the same vocabulary.
    start_time : datetime
        Timezone-aware UTC start.
    utc_offset_s : int or None
        Local-time offset [s] when the file says it (FIT ``activity.local_timestamp``).
    streams : DataFrame
        One row per recorded sample, columns from :data:`STREAMS` plus ``dev_*``.
    laps : DataFrame
        The device's laps, columns from :data:`SUMMARY`; ``raw`` keeps every field.
    summary : dict
        The device's session summary, keys from :data:`SUMMARY` plus ``raw``.
    events : DataFrame
        Timer start/stop and other events (columns from :data:`EVENTS`).
    """

    sport: str
    sub_sport: str | None
    start_time: datetime
    source: Source
    streams: pd.DataFrame
    laps: pd.DataFrame
    summary: dict[str, Any]
    events: pd.DataFrame
    device: Device = field(default_factory=Device)
    utc_offset_s: int | None = None
    name: str | None = None
    developer_units: dict[str, str] = field(default_factory=dict)
    warnings: tuple[str, ...] = ()
    partial: bool = False
    """True when the file was damaged (bad CRC, truncation) and only the valid part was read."""

    @property
    def is_running(self) -> bool:
        """True for running of any sub-sport (road, trail, treadmill, track)."""
        return self.sport == "running"


def empty_streams() -> pd.DataFrame:
    """An empty stream frame with the canonical columns."""
    return pd.DataFrame({c: pd.Series(dtype="float64") for c in STREAMS if c != "timestamp"})


def empty_frame(columns: dict[str, tuple[str, str]]) -> pd.DataFrame:
    """An empty frame with the given canonical columns."""
    return pd.DataFrame({c: pd.Series(dtype="object") for c in columns})
