"""A small FIT encoder: activity files (records, laps, session, developer fields) and workouts.

Written from the FIT protocol (Garmin FIT SDK, "Flexible and Interoperable Data
Transfer (FIT) Protocol", rev. 2.x) and the FIT SDK profile (``Profile.xlsx``,
SDK 21.x). It writes what runform needs to produce realistic running files:
``file_id``, ``device_info``, ``event``, ``record``, ``lap``, ``session``,
``activity`` and the developer-data messages ``developer_data_id`` and
``field_description`` (protocol 2.0), plus ``workout`` and ``workout_step`` for
workout files (FIT SDK, "Workout file" description; used by
:mod:`runform.plan.export_fit`).

Values are given in the **FIT profile's units** (what a FIT decoder returns after
applying scale and offset): running cadence in strides/min per leg plus
``fractional_cadence``, stance time in ms, vertical oscillation and step length
in mm, positions in semicircles, speeds in m/s. Use :func:`running_cadence_fields`
and :func:`degrees_to_semicircles` to convert from runform's canonical SI streams.
``NaN`` (or ``None``) is written as the base type's invalid value, so a decoder
reports the field as absent for that message.

File layout (FIT protocol, "File structure")::

    14-byte header (size, protocol, profile version, data size, ".FIT", header CRC)
    data records: definition messages and data messages, little-endian
    2-byte CRC of everything before it

Records are encoded column-wise with numpy structured arrays (one ``tobytes`` per
run of messages sharing a definition), so an activity of tens of thousands of
records encodes in milliseconds.
"""

from __future__ import annotations

import itertools
import math
import os
import struct
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from functools import lru_cache
from typing import IO, Any

import numpy as np
import numpy.typing as npt

__all__ = [
    "FIT_EPOCH_UNIX_S",
    "MESSAGES",
    "PROFILE_VERSION",
    "PROTOCOL_VERSION",
    "DeveloperApp",
    "DeveloperField",
    "FitDevice",
    "FitWriter",
    "degrees_to_semicircles",
    "fit_crc16",
    "quantize",
    "running_cadence_fields",
    "write_activity_fit",
]

FIT_EPOCH_UNIX_S = 631_065_600
"""FIT ``date_time`` epoch, 1989-12-31T00:00:00Z, in Unix seconds (FIT SDK profile,
type ``date_time``: "seconds since UTC 00:00 Dec 31 1989")."""

PROTOCOL_VERSION = 0x20
"""FIT protocol 2.0 (high nibble major, low nibble minor); 2.0 is required for
developer fields (FIT protocol, "Developer data")."""

PROFILE_VERSION = 21_158
"""Profile version written in the header: major * 1000 + minor for SDK 21.x
(FIT SDK encoders write ``21 * 1000 + minor``); the fields used here all exist in
FIT SDK profile 21.158."""

_HEADER_SIZE = 14
"""Header with CRC (FIT protocol, "File header": 12-byte legacy header or 14 with CRC)."""

_MAX_LOCAL = 16
"""Local message types 0..15 in a normal record header (FIT protocol, "Record header")."""


# --------------------------------------------------------------------------- base types


@dataclass(frozen=True)
class _BaseType:
    """A FIT base type (FIT protocol, table "FIT base types and invalid values")."""

    name: str
    type_id: int
    dtype: str  # numpy storage dtype, little-endian
    invalid: int  # invalid value as the stored bit pattern (unsigned view for floats)
    lo: float  # smallest valid raw value
    hi: float  # largest valid raw value
    is_float: bool = False

    @property
    def size(self) -> int:
        return np.dtype(self.dtype).itemsize


BASE_TYPES: dict[str, _BaseType] = {
    b.name: b
    for b in (
        _BaseType("enum", 0x00, "u1", 0xFF, 0, 0xFE),
        _BaseType("sint8", 0x01, "i1", 0x7F, -0x80, 0x7E),
        _BaseType("uint8", 0x02, "u1", 0xFF, 0, 0xFE),
        _BaseType("sint16", 0x83, "<i2", 0x7FFF, -0x8000, 0x7FFE),
        _BaseType("uint16", 0x84, "<u2", 0xFFFF, 0, 0xFFFE),
        _BaseType("sint32", 0x85, "<i4", 0x7FFFFFFF, -0x80000000, 0x7FFFFFFE),
        _BaseType("uint32", 0x86, "<u4", 0xFFFFFFFF, 0, 0xFFFFFFFE),
        _BaseType("string", 0x07, "u1", 0x00, 0, 0xFF),
        _BaseType("float32", 0x88, "<u4", 0xFFFFFFFF, -math.inf, math.inf, True),
        _BaseType("float64", 0x89, "<u8", 0xFFFFFFFFFFFFFFFF, -math.inf, math.inf, True),
        _BaseType("uint8z", 0x0A, "u1", 0x00, 1, 0xFF),
        _BaseType("uint16z", 0x8B, "<u2", 0x0000, 1, 0xFFFF),
        _BaseType("uint32z", 0x8C, "<u4", 0x00000000, 1, 0xFFFFFFFF),
        _BaseType("byte", 0x0D, "u1", 0xFF, 0, 0xFF),
        _BaseType("sint64", 0x8E, "<i8", 0x7FFFFFFFFFFFFFFF, -(2**63), 2**63 - 2),
        _BaseType("uint64", 0x8F, "<u8", 0xFFFFFFFFFFFFFFFF, 0, 2**64 - 2),
        _BaseType("uint64z", 0x90, "<u8", 0, 1, 2**64 - 1),
    )
}
"""FIT base types by name (FIT protocol, "Base types"; ids as in the profile type
``fit_base_type``). ``lo``/``hi`` exclude the invalid value."""


# --------------------------------------------------------------------------- enums

_ENUMS: dict[str, dict[str, int]] = {
    # FIT SDK profile, "Types" sheet (values used by activity files).
    "file": {"device": 1, "settings": 2, "sport": 3, "activity": 4, "workout": 5, "course": 6},
    "manufacturer": {"garmin": 1, "dynastream": 15, "stryd": 95, "development": 255},
    "sport": {
        "generic": 0,
        "running": 1,
        "cycling": 2,
        "transition": 3,
        "fitness_equipment": 4,
        "swimming": 5,
        "training": 10,
        "walking": 11,
        "hiking": 17,
    },
    "sub_sport": {
        "generic": 0,
        "treadmill": 1,
        "street": 2,
        "trail": 3,
        "track": 4,
        "indoor_running": 45,
        "virtual_activity": 58,
    },
    "event": {
        "timer": 0,
        "workout": 3,
        "workout_step": 4,
        "session": 8,
        "lap": 9,
        "recovery_hr": 21,
        "activity": 26,
        "user_marker": 32,
    },
    "event_type": {
        "start": 0,
        "stop": 1,
        "marker": 3,
        "stop_all": 4,
        "stop_disable": 8,
        "stop_disable_all": 9,
    },
    "timer_trigger": {"manual": 0, "auto": 1, "fitness_equipment": 2},
    "lap_trigger": {
        "manual": 0,
        "time": 1,
        "distance": 2,
        "position_start": 3,
        "position_lap": 4,
        "position_waypoint": 5,
        "position_marked": 6,
        "session_end": 7,
        "fitness_equipment": 8,
    },
    "intensity": {
        "active": 0,
        "rest": 1,
        "warmup": 2,
        "cooldown": 3,
        "recovery": 4,
        "interval": 5,
        "other": 6,
    },
    "session_trigger": {"activity_end": 0, "manual": 1, "auto_multi_sport": 2},
    "activity": {"manual": 0, "auto_multi_sport": 1},
    "source_type": {
        "ant": 0,
        "antplus": 1,
        "bluetooth": 2,
        "bluetooth_low_energy": 3,
        "wifi": 4,
        "local": 5,
    },
    "device_index": {"creator": 0},
    # FIT SDK profile types ``wkt_step_duration`` and ``wkt_step_target`` (workout files).
    "wkt_step_duration": {
        "time": 0,
        "distance": 1,
        "hr_less_than": 2,
        "hr_greater_than": 3,
        "calories": 4,
        "open": 5,
        "repeat_until_steps_cmplt": 6,
        "repeat_until_time": 7,
        "repeat_until_distance": 8,
    },
    "wkt_step_target": {"speed": 0, "heart_rate": 1, "open": 2, "cadence": 3, "power": 4},
    "fit_base_type": {name: b.type_id for name, b in BASE_TYPES.items()},
}
"""Enum names accepted for enum-typed fields (subset of the FIT SDK profile types)."""


# --------------------------------------------------------------------------- profile


@dataclass(frozen=True)
class FieldDef:
    """One field of a FIT global message, as in the FIT SDK profile.

    Physical value = raw / ``scale`` - ``offset`` (FIT protocol, "Scale/offset").
    """

    number: int
    name: str
    base_type: str
    scale: float = 1.0
    offset: float = 0.0
    units: str = ""
    kind: str = ""
    """``date_time``, ``local_date_time``, an enum type name from ``_ENUMS``, or ``""``."""


@dataclass(frozen=True)
class MessageDef:
    """A FIT global message: its number, fields and subfield aliases."""

    name: str
    number: int
    fields: dict[str, FieldDef]
    aliases: dict[str, tuple[str, str | None]] = field(default_factory=dict)
    """Subfield names accepted as input: alias -> (field, enum kind of the subfield or
    None to keep the field's), e.g. ``avg_running_cadence`` -> ``avg_cadence``."""
    subfields: dict[str, FieldDef] = field(default_factory=dict)
    """Subfields with their own scale and units (FIT protocol, "Dynamic fields"): name ->
    a :class:`FieldDef` sharing the main field's number and base type, e.g.
    ``workout_step.duration_time`` (``duration_value`` in ms, given in s)."""

    def field(self, name: str) -> FieldDef:
        """The field called ``name`` (or a subfield alias); ``ValueError`` if unknown."""
        sub = self.subfields.get(name)
        if sub is not None:
            return sub
        key, kind = self.aliases.get(name, (name, None))
        try:
            fdef = self.fields[key]
        except KeyError:
            known = ", ".join(sorted([*self.fields, *self.aliases, *self.subfields]))
            raise ValueError(
                f"FIT message {self.name!r} has no field {name!r} in runform's writer; "
                f"known fields: {known}"
            ) from None
        return fdef if kind is None else replace(fdef, kind=kind)


_Row = tuple[int, str, str, float, float, str, str]


def _msg(
    name: str,
    number: int,
    rows: Sequence[_Row],
    aliases: dict[str, tuple[str, str | None]] | None = None,
    subfields: Sequence[_Row] = (),
) -> MessageDef:
    fields = {r[1]: FieldDef(r[0], r[1], r[2], r[3], r[4], r[5], r[6]) for r in rows}
    by_number = {f.number: f for f in fields.values()}
    subs: dict[str, FieldDef] = {}
    for r in subfields:
        main = by_number[r[0]]
        if main.base_type != r[2]:
            raise AssertionError(f"{name}.{r[1]}: subfield base type differs from {main.name}")
        subs[r[1]] = FieldDef(r[0], r[1], r[2], r[3], r[4], r[5], r[6])
    return MessageDef(name, number, fields, aliases or {}, subs)


_TS: _Row = (253, "timestamp", "uint32", 1, 0, "s", "date_time")
_MI: _Row = (254, "message_index", "uint16", 1, 0, "", "")

# Field numbers, base types, scales, offsets and units: FIT SDK profile 21.x, "Messages" sheet.
_SUMMARY_COMMON: list[_Row] = [
    _TS,
    _MI,
    (0, "event", "enum", 1, 0, "", "event"),
    (1, "event_type", "enum", 1, 0, "", "event_type"),
    (2, "start_time", "uint32", 1, 0, "", "date_time"),
    (3, "start_position_lat", "sint32", 1, 0, "semicircles", ""),
    (4, "start_position_long", "sint32", 1, 0, "semicircles", ""),
]

_LAP_ROWS: list[_Row] = [
    *_SUMMARY_COMMON,
    (5, "end_position_lat", "sint32", 1, 0, "semicircles", ""),
    (6, "end_position_long", "sint32", 1, 0, "semicircles", ""),
    (7, "total_elapsed_time", "uint32", 1000, 0, "s", ""),
    (8, "total_timer_time", "uint32", 1000, 0, "s", ""),
    (9, "total_distance", "uint32", 100, 0, "m", ""),
    (10, "total_cycles", "uint32", 1, 0, "cycles", ""),
    (11, "total_calories", "uint16", 1, 0, "kcal", ""),
    (13, "avg_speed", "uint16", 1000, 0, "m/s", ""),
    (14, "max_speed", "uint16", 1000, 0, "m/s", ""),
    (15, "avg_heart_rate", "uint8", 1, 0, "bpm", ""),
    (16, "max_heart_rate", "uint8", 1, 0, "bpm", ""),
    (17, "avg_cadence", "uint8", 1, 0, "rpm", ""),
    (18, "max_cadence", "uint8", 1, 0, "rpm", ""),
    (19, "avg_power", "uint16", 1, 0, "watts", ""),
    (20, "max_power", "uint16", 1, 0, "watts", ""),
    (21, "total_ascent", "uint16", 1, 0, "m", ""),
    (22, "total_descent", "uint16", 1, 0, "m", ""),
    (23, "intensity", "enum", 1, 0, "", "intensity"),
    (24, "lap_trigger", "enum", 1, 0, "", "lap_trigger"),
    (25, "sport", "enum", 1, 0, "", "sport"),
    (39, "sub_sport", "enum", 1, 0, "", "sub_sport"),
    (52, "total_moving_time", "uint32", 1000, 0, "s", ""),
    (63, "min_heart_rate", "uint8", 1, 0, "bpm", ""),
    (77, "avg_vertical_oscillation", "uint16", 10, 0, "mm", ""),
    (78, "avg_stance_time_percent", "uint16", 100, 0, "percent", ""),
    (79, "avg_stance_time", "uint16", 10, 0, "ms", ""),
    (80, "avg_fractional_cadence", "uint8", 128, 0, "rpm", ""),
    (81, "max_fractional_cadence", "uint8", 128, 0, "rpm", ""),
    (110, "enhanced_avg_speed", "uint32", 1000, 0, "m/s", ""),
    (111, "enhanced_max_speed", "uint32", 1000, 0, "m/s", ""),
    (112, "enhanced_avg_altitude", "uint32", 5, 500, "m", ""),
    (113, "enhanced_min_altitude", "uint32", 5, 500, "m", ""),
    (114, "enhanced_max_altitude", "uint32", 5, 500, "m", ""),
    (118, "avg_vertical_ratio", "uint16", 100, 0, "percent", ""),
    (119, "avg_stance_time_balance", "uint16", 100, 0, "percent", ""),
    (120, "avg_step_length", "uint16", 10, 0, "mm", ""),
]

_SESSION_ROWS: list[_Row] = [
    *_SUMMARY_COMMON,
    (5, "sport", "enum", 1, 0, "", "sport"),
    (6, "sub_sport", "enum", 1, 0, "", "sub_sport"),
    (7, "total_elapsed_time", "uint32", 1000, 0, "s", ""),
    (8, "total_timer_time", "uint32", 1000, 0, "s", ""),
    (9, "total_distance", "uint32", 100, 0, "m", ""),
    (10, "total_cycles", "uint32", 1, 0, "cycles", ""),
    (11, "total_calories", "uint16", 1, 0, "kcal", ""),
    (14, "avg_speed", "uint16", 1000, 0, "m/s", ""),
    (15, "max_speed", "uint16", 1000, 0, "m/s", ""),
    (16, "avg_heart_rate", "uint8", 1, 0, "bpm", ""),
    (17, "max_heart_rate", "uint8", 1, 0, "bpm", ""),
    (18, "avg_cadence", "uint8", 1, 0, "rpm", ""),
    (19, "max_cadence", "uint8", 1, 0, "rpm", ""),
    (20, "avg_power", "uint16", 1, 0, "watts", ""),
    (21, "max_power", "uint16", 1, 0, "watts", ""),
    (22, "total_ascent", "uint16", 1, 0, "m", ""),
    (23, "total_descent", "uint16", 1, 0, "m", ""),
    (25, "first_lap_index", "uint16", 1, 0, "", ""),
    (26, "num_laps", "uint16", 1, 0, "", ""),
    (28, "trigger", "enum", 1, 0, "", "session_trigger"),
    (38, "end_position_lat", "sint32", 1, 0, "semicircles", ""),
    (39, "end_position_long", "sint32", 1, 0, "semicircles", ""),
    (59, "total_moving_time", "uint32", 1000, 0, "s", ""),
    (64, "min_heart_rate", "uint8", 1, 0, "bpm", ""),
    (89, "avg_vertical_oscillation", "uint16", 10, 0, "mm", ""),
    (90, "avg_stance_time_percent", "uint16", 100, 0, "percent", ""),
    (91, "avg_stance_time", "uint16", 10, 0, "ms", ""),
    (92, "avg_fractional_cadence", "uint8", 128, 0, "rpm", ""),
    (93, "max_fractional_cadence", "uint8", 128, 0, "rpm", ""),
    (124, "enhanced_avg_speed", "uint32", 1000, 0, "m/s", ""),
    (125, "enhanced_max_speed", "uint32", 1000, 0, "m/s", ""),
    (126, "enhanced_avg_altitude", "uint32", 5, 500, "m", ""),
    (127, "enhanced_min_altitude", "uint32", 5, 500, "m", ""),
    (128, "enhanced_max_altitude", "uint32", 5, 500, "m", ""),
    (132, "avg_vertical_ratio", "uint16", 100, 0, "percent", ""),
    (133, "avg_stance_time_balance", "uint16", 100, 0, "percent", ""),
    (134, "avg_step_length", "uint16", 10, 0, "mm", ""),
]

_RUNNING_ALIASES: dict[str, tuple[str, str | None]] = {
    # Subfields selected by sport = running/walking (FIT SDK profile, lap/session).
    "avg_running_cadence": ("avg_cadence", None),
    "max_running_cadence": ("max_cadence", None),
    "total_strides": ("total_cycles", None),
}

MESSAGES: dict[str, MessageDef] = {
    m.name: m
    for m in (
        _msg(
            "file_id",
            0,
            [
                (0, "type", "enum", 1, 0, "", "file"),
                (1, "manufacturer", "uint16", 1, 0, "", "manufacturer"),
                (2, "product", "uint16", 1, 0, "", ""),
                (3, "serial_number", "uint32z", 1, 0, "", ""),
                (4, "time_created", "uint32", 1, 0, "", "date_time"),
                (5, "number", "uint16", 1, 0, "", ""),
                (8, "product_name", "string", 1, 0, "", ""),
            ],
            {"garmin_product": ("product", None)},
        ),
        _msg(
            "device_info",
            23,
            [
                _TS,
                (0, "device_index", "uint8", 1, 0, "", "device_index"),
                (1, "device_type", "uint8", 1, 0, "", ""),
                (2, "manufacturer", "uint16", 1, 0, "", "manufacturer"),
                (3, "serial_number", "uint32z", 1, 0, "", ""),
                (4, "product", "uint16", 1, 0, "", ""),
                (5, "software_version", "uint16", 100, 0, "", ""),
                (6, "hardware_version", "uint8", 1, 0, "", ""),
                (19, "descriptor", "string", 1, 0, "", ""),
                (25, "source_type", "enum", 1, 0, "", "source_type"),
                (27, "product_name", "string", 1, 0, "", ""),
            ],
            {"garmin_product": ("product", None)},
        ),
        _msg(
            "event",
            21,
            [
                _TS,
                (0, "event", "enum", 1, 0, "", "event"),
                (1, "event_type", "enum", 1, 0, "", "event_type"),
                (2, "data16", "uint16", 1, 0, "", ""),
                (3, "data", "uint32", 1, 0, "", ""),
                (4, "event_group", "uint8", 1, 0, "", ""),
            ],
            {"timer_trigger": ("data", "timer_trigger")},
        ),
        _msg(
            "record",
            20,
            [
                _TS,
                (0, "position_lat", "sint32", 1, 0, "semicircles", ""),
                (1, "position_long", "sint32", 1, 0, "semicircles", ""),
                (2, "altitude", "uint16", 5, 500, "m", ""),
                (3, "heart_rate", "uint8", 1, 0, "bpm", ""),
                (4, "cadence", "uint8", 1, 0, "rpm", ""),
                (5, "distance", "uint32", 100, 0, "m", ""),
                (6, "speed", "uint16", 1000, 0, "m/s", ""),
                (7, "power", "uint16", 1, 0, "watts", ""),
                (9, "grade", "sint16", 100, 0, "%", ""),
                (13, "temperature", "sint8", 1, 0, "C", ""),
                (39, "vertical_oscillation", "uint16", 10, 0, "mm", ""),
                (40, "stance_time_percent", "uint16", 100, 0, "percent", ""),
                (41, "stance_time", "uint16", 10, 0, "ms", ""),
                (53, "fractional_cadence", "uint8", 128, 0, "rpm", ""),
                (73, "enhanced_speed", "uint32", 1000, 0, "m/s", ""),
                (78, "enhanced_altitude", "uint32", 5, 500, "m", ""),
                (83, "vertical_ratio", "uint16", 100, 0, "percent", ""),
                (84, "stance_time_balance", "uint16", 100, 0, "percent", ""),
                (85, "step_length", "uint16", 10, 0, "mm", ""),
            ],
        ),
        _msg("lap", 19, _LAP_ROWS, dict(_RUNNING_ALIASES)),
        _msg("session", 18, _SESSION_ROWS, dict(_RUNNING_ALIASES)),
        _msg(
            "activity",
            34,
            [
                _TS,
                (0, "total_timer_time", "uint32", 1000, 0, "s", ""),
                (1, "num_sessions", "uint16", 1, 0, "", ""),
                (2, "type", "enum", 1, 0, "", "activity"),
                (3, "event", "enum", 1, 0, "", "event"),
                (4, "event_type", "enum", 1, 0, "", "event_type"),
                (5, "local_timestamp", "uint32", 1, 0, "", "local_date_time"),
                (6, "event_group", "uint8", 1, 0, "", ""),
            ],
        ),
        _msg(
            "workout",
            26,
            [
                _MI,
                (4, "sport", "enum", 1, 0, "", "sport"),
                (6, "num_valid_steps", "uint16", 1, 0, "", ""),
                (8, "wkt_name", "string", 1, 0, "", ""),
                (11, "sub_sport", "enum", 1, 0, "", "sub_sport"),
            ],
        ),
        _msg(
            "workout_step",
            27,
            [
                _MI,
                (0, "wkt_step_name", "string", 1, 0, "", ""),
                (1, "duration_type", "enum", 1, 0, "", "wkt_step_duration"),
                (2, "duration_value", "uint32", 1, 0, "", ""),
                (3, "target_type", "enum", 1, 0, "", "wkt_step_target"),
                (4, "target_value", "uint32", 1, 0, "", ""),
                (5, "custom_target_value_low", "uint32", 1, 0, "", ""),
                (6, "custom_target_value_high", "uint32", 1, 0, "", ""),
                (7, "intensity", "enum", 1, 0, "", "intensity"),
                (8, "notes", "string", 1, 0, "", ""),
            ],
            subfields=[
                # Dynamic fields selected by duration_type / target_type (FIT SDK profile,
                # workout_step; scales as in Profile.xlsx).
                (2, "duration_time", "uint32", 1000, 0, "s", ""),
                (2, "duration_distance", "uint32", 100, 0, "m", ""),
                (2, "duration_step", "uint32", 1, 0, "", ""),
                (4, "target_speed_zone", "uint32", 1, 0, "", ""),
                (4, "repeat_steps", "uint32", 1, 0, "", ""),
                (5, "custom_target_speed_low", "uint32", 1000, 0, "m/s", ""),
                (6, "custom_target_speed_high", "uint32", 1000, 0, "m/s", ""),
            ],
        ),
        _msg(
            "developer_data_id",
            207,
            [
                (0, "developer_id", "byte", 1, 0, "", ""),
                (1, "application_id", "byte", 1, 0, "", ""),
                (2, "manufacturer_id", "uint16", 1, 0, "", "manufacturer"),
                (3, "developer_data_index", "uint8", 1, 0, "", ""),
                (4, "application_version", "uint32", 1, 0, "", ""),
            ],
        ),
        _msg(
            "field_description",
            206,
            [
                (0, "developer_data_index", "uint8", 1, 0, "", ""),
                (1, "field_definition_number", "uint8", 1, 0, "", ""),
                (2, "fit_base_type_id", "uint8", 1, 0, "", "fit_base_type"),
                (3, "field_name", "string", 1, 0, "", ""),
                (8, "units", "string", 1, 0, "", ""),
                (14, "native_mesg_num", "uint16", 1, 0, "", ""),
                (15, "native_field_num", "uint8", 1, 0, "", ""),
            ],
        ),
    )
}
"""The global messages this writer knows, by name (FIT SDK profile 21.x)."""


# --------------------------------------------------------------------------- developer data


@dataclass(frozen=True)
class DeveloperApp:
    """A developer application (``developer_data_id``, FIT protocol "Developer data").

    Parameters
    ----------
    application_id : bytes
        16-byte application UUID [-].
    developer_data_index : int
        Index [-] that developer fields refer to (0..254).
    manufacturer : str or int
        Manufacturer [-] (name from the FIT ``manufacturer`` type or its number).
    application_version : int
        Application version [-].
    """

    application_id: bytes
    developer_data_index: int = 0
    manufacturer: str | int = "development"
    application_version: int = 1


@dataclass(frozen=True)
class DeveloperField:
    """A developer field (``field_description``) added to record messages.

    Parameters
    ----------
    name : str
        Field name as decoders will show it [-], e.g. ``"Form Power"``.
    units : str
        Units label [-], e.g. ``"Watts"``.
    field_number : int
        ``field_definition_number`` [-], unique within the application (0..254).
    base_type : str
        FIT base type name [-] (``uint8``, ``uint16``, ``float32`` ...).
    developer_data_index : int
        The :class:`DeveloperApp` this field belongs to [-].
    native_field_num : int or None
        Record field [-] this developer field duplicates, if any (e.g. 7 for power).
    """

    name: str
    units: str
    field_number: int
    base_type: str = "uint16"
    developer_data_index: int = 0
    native_field_num: int | None = None

    def as_field_def(self) -> FieldDef:
        """The field as a :class:`FieldDef` (no scale or offset)."""
        return FieldDef(self.field_number, self.name, self.base_type, 1.0, 0.0, self.units, "")


@dataclass(frozen=True)
class FitDevice:
    """The recording device written to ``file_id`` and ``device_info``.

    Parameters
    ----------
    manufacturer : str or int
        FIT manufacturer [-] (default ``garmin``).
    product : int
        Product number [-] (Garmin: FIT type ``garmin_product``; 4024 = Forerunner 955).
    serial_number : int
        Serial number [-] (non-zero).
    software_version : float
        Firmware version [-], e.g. 19.18.
    """

    manufacturer: str | int = "garmin"
    product: int = 4024
    serial_number: int = 3_412_345_678
    software_version: float = 19.18


# --------------------------------------------------------------------------- value helpers


def degrees_to_semicircles(degrees: npt.ArrayLike) -> npt.NDArray[np.float64]:
    """Convert WGS84 degrees [deg] to FIT semicircles [semicircles].

    semicircles = degrees * 2^31 / 180 (FIT SDK profile, ``record.position_lat``).
    Rounded to whole semicircles; ``NaN`` stays ``NaN``.
    """
    return np.rint(np.asarray(degrees, dtype=float) * (2**31 / 180.0))


def running_cadence_fields(
    steps_per_min: npt.ArrayLike,
) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.float64]]:
    """Split running cadence [steps/min] into FIT ``cadence`` and ``fractional_cadence``.

    FIT running cadence is strides/min of one leg: steps/min = 2 x (cadence +
    fractional_cadence) (FIT SDK profile, ``record``), with ``fractional_cadence``
    in 1/128 stride/min. The value is rounded once to 1/128 stride/min so the two
    parts never disagree.

    Parameters
    ----------
    steps_per_min : array_like
        Cadence of both feet [steps/min]; ``NaN`` gives ``NaN`` in both outputs.

    Returns
    -------
    cadence, fractional_cadence : ndarray
        Whole strides/min [rpm] and the fraction [rpm], in the FIT profile's units.
    """
    spm = np.asarray(steps_per_min, dtype=float)
    q = np.rint(spm / 2.0 * 128.0)  # 1/128 strides/min
    whole = np.floor(q / 128.0)
    frac = (q - whole * 128.0) / 128.0
    return whole, frac


def quantize(message: str, field_name: str, values: npt.ArrayLike) -> npt.NDArray[np.float64]:
    """Values as a FIT decoder will read them back after encoding.

    raw = round((value + offset) * scale); decoded = raw / scale - offset (FIT
    protocol, "Scale/offset"). Use it to compute summaries from exactly what the
    file will hold.

    Parameters
    ----------
    message, field_name : str
        FIT message and field (or subfield alias) name [-].
    values : array_like
        Physical values in the field's FIT units [field units]; ``NaN`` stays ``NaN``.
    """
    fdef = MESSAGES[message].field(field_name)
    x = np.asarray(values, dtype=float)
    if BASE_TYPES[fdef.base_type].is_float:
        return x.astype(np.float32).astype(float) if fdef.base_type == "float32" else x
    raw = np.rint((x + fdef.offset) * fdef.scale)
    return np.asarray(raw / fdef.scale - fdef.offset, dtype=float)


def _unix_seconds(value: Any) -> npt.NDArray[np.float64]:
    """Timestamps (datetime, datetime64 array or Unix seconds) as 1-D Unix seconds [s]."""
    if isinstance(value, datetime):
        if value.tzinfo is None:
            raise ValueError(f"timestamp {value!r} is naive; give a timezone-aware UTC datetime")
        return np.asarray([value.timestamp()], dtype=float)
    arr = np.asarray(value)
    if arr.dtype.kind == "M":
        ns = arr.astype("datetime64[ns]")
        out = ns.astype(np.int64).astype(float) / 1e9
        out[np.isnat(ns)] = np.nan
        return np.asarray(out, dtype=float).reshape(-1)
    if arr.dtype == object:
        flat = [
            _unix_seconds(v)[0] if isinstance(v, datetime) else (np.nan if v is None else float(v))
            for v in arr.ravel()
        ]
        return np.asarray(flat, dtype=float)
    return np.asarray(arr, dtype=float).reshape(-1)


def _local_seconds(value: Any) -> npt.NDArray[np.float64]:
    """Local wall-clock timestamps as 'Unix seconds of the wall clock' [s]."""
    if isinstance(value, datetime):
        wall = value.replace(tzinfo=UTC)
        return np.asarray([wall.timestamp()], dtype=float)
    return _unix_seconds(value)


def _raw_column(msg: MessageDef, fdef: FieldDef, value: Any, n: int) -> npt.NDArray[Any]:
    """Encode one column of physical values into raw stored integers (or float bits)."""
    base = BASE_TYPES[fdef.base_type]
    if fdef.kind == "date_time":
        x = _unix_seconds(value) - FIT_EPOCH_UNIX_S
    elif fdef.kind == "local_date_time":
        x = _local_seconds(value) - FIT_EPOCH_UNIX_S
    elif fdef.kind in _ENUMS and _is_text(value):
        x = _enum_codes(msg, fdef, value)
    else:
        if _is_text(value):
            raise ValueError(f"{msg.name}.{fdef.name}: got text for a numeric field")
        arr = np.asarray(value)
        if arr.dtype == object:
            arr = np.asarray([np.nan if v is None else v for v in arr.ravel()], dtype=float)
        x = np.asarray(arr, dtype=float)
    x = np.asarray(x, dtype=float).reshape(-1)
    if x.size == 1 and n != 1:
        x = np.full(n, x[0])
    invalid = ~np.isfinite(x)
    if base.is_float:
        fdtype = np.float32 if base.name == "float32" else np.float64
        utype = np.uint32 if base.name == "float32" else np.uint64
        vals = np.where(invalid, 0.0, x).astype(fdtype).view(utype).copy()
        vals[invalid] = base.invalid
        return vals
    raw = np.rint((np.where(invalid, 0.0, x) + fdef.offset) * fdef.scale)
    bad = ~invalid & ((raw < base.lo) | (raw > base.hi))
    if bad.any():
        i = int(np.flatnonzero(bad)[0])
        lo = base.lo / fdef.scale - fdef.offset
        hi = base.hi / fdef.scale - fdef.offset
        raise ValueError(
            f"{msg.name}.{fdef.name}: value {x[i]!r} (message {i}) is outside what a "
            f"{base.name} with scale {fdef.scale:g} and offset {fdef.offset:g} can hold "
            f"[{lo:g}, {hi:g}] {fdef.units}; {int(bad.sum())} value(s) affected"
        )
    out = np.empty(n, dtype=base.dtype)
    out[~invalid] = raw[~invalid].astype(base.dtype)
    out[invalid] = base.invalid
    return out


def _is_text(value: Any) -> bool:
    """True for a string or a sequence/array whose first element is a string."""
    if isinstance(value, str):
        return True
    if isinstance(value, np.ndarray):
        if value.dtype.kind == "U":
            return True
        return value.dtype.kind == "O" and value.size > 0 and isinstance(value.flat[0], str)
    if isinstance(value, (list, tuple)) and value:
        return isinstance(value[0], str)
    return False


def _enum_codes(msg: MessageDef, fdef: FieldDef, value: Any) -> npt.NDArray[np.float64]:
    table = _ENUMS[fdef.kind]
    items = [value] if isinstance(value, str) else list(np.asarray(value, dtype=object).ravel())
    out = []
    for v in items:
        if v is None:
            out.append(np.nan)
        elif isinstance(v, str):
            if v not in table:
                raise ValueError(
                    f"{msg.name}.{fdef.name}: {v!r} is not a FIT {fdef.kind} name runform knows; "
                    f"use one of {sorted(table)} or the number"
                )
            out.append(float(table[v]))
        else:
            out.append(float(v))
    return np.asarray(out, dtype=float)


def _message(name: str) -> MessageDef:
    msg = MESSAGES.get(name)
    if msg is None:
        raise ValueError(
            f"runform's FIT writer does not know message {name!r}; known: {sorted(MESSAGES)}"
        )
    return msg


_STRUCT = {
    "u1": "B",
    "i1": "b",
    "<u2": "H",
    "<i2": "h",
    "<u4": "I",
    "<i4": "i",
    "<u8": "Q",
    "<i8": "q",
}
"""struct format character of each base type's storage dtype."""


def _raw_scalar(msg: MessageDef, fdef: FieldDef, value: Any) -> int:
    """Encode one physical value into its raw stored integer (float bits for floats)."""
    base = BASE_TYPES[fdef.base_type]
    x: float
    if isinstance(value, datetime):
        if value.tzinfo is None and fdef.kind == "date_time":
            raise ValueError(
                f"{msg.name}.{fdef.name}: naive datetime {value!r}; give it a timezone"
            )
        wall = value.replace(tzinfo=UTC) if fdef.kind == "local_date_time" else value
        x = wall.timestamp() - FIT_EPOCH_UNIX_S
    elif isinstance(value, str):
        if fdef.kind not in _ENUMS:
            raise ValueError(f"{msg.name}.{fdef.name}: got text {value!r} for a numeric field")
        x = float(_enum_codes(msg, fdef, value)[0])
    elif fdef.kind in ("date_time", "local_date_time"):
        x = float(value) - FIT_EPOCH_UNIX_S
    else:
        x = float(value)
    if not math.isfinite(x):
        return base.invalid
    if base.is_float:
        if base.name == "float32":
            return int(struct.unpack("<I", struct.pack("<f", x))[0])
        return int(struct.unpack("<Q", struct.pack("<d", x))[0])
    raw = round((x + fdef.offset) * fdef.scale)
    if not base.lo <= raw <= base.hi:
        lo = base.lo / fdef.scale - fdef.offset
        hi = base.hi / fdef.scale - fdef.offset
        raise ValueError(
            f"{msg.name}.{fdef.name}: value {value!r} is outside what a {base.name} with "
            f"scale {fdef.scale:g} and offset {fdef.offset:g} can hold "
            f"[{lo:g}, {hi:g}] {fdef.units}"
        )
    return int(raw)


# --------------------------------------------------------------------------- CRC


def _make_crc_table() -> npt.NDArray[np.uint32]:
    """Byte-wise table of the FIT CRC (CRC-16/ARC: poly 0x8005 reflected = 0xA001, init 0).

    The FIT SDK computes the same CRC nibble by nibble (FIT protocol, "CRC"); the
    byte-wise table is the standard equivalent.
    """
    table = np.zeros(256, dtype=np.uint32)
    for i in range(256):
        c = i
        for _ in range(8):
            c = (c >> 1) ^ 0xA001 if c & 1 else c >> 1
        table[i] = c
    return table


_CRC_TABLE = _make_crc_table()
_CRC_TABLE_LIST: list[int] = [int(v) for v in _CRC_TABLE]


def _crc_py(data: bytes | bytearray | memoryview, crc: int = 0) -> int:
    table = _CRC_TABLE_LIST
    for b in bytes(data):
        crc = (crc >> 8) ^ table[(crc ^ b) & 0xFF]
    return crc


@lru_cache(maxsize=8)
def _zero_shift_tables(length: int) -> tuple[list[int], list[int]]:
    """Tables for advancing a CRC register through ``length`` zero bytes.

    The CRC update is linear over GF(2), so advancing register ``c`` through zero
    bytes equals ``lo[c & 0xFF] ^ hi[c >> 8]``.
    """
    regs = np.concatenate([np.arange(256, dtype=np.uint32), np.arange(256, dtype=np.uint32) << 8])
    for _ in range(length):
        regs = (regs >> 8) ^ _CRC_TABLE[regs & 0xFF]
    return [int(v) for v in regs[:256]], [int(v) for v in regs[256:]]


def fit_crc16(data: bytes | bytearray | memoryview) -> int:
    """FIT CRC-16 of ``data`` (FIT protocol, "CRC"; CRC-16/ARC, check value 0xBB3D).

    Large inputs are split into equal chunks whose CRCs are computed side by side
    with numpy and then combined (CRC linearity: crc(A||B) = shift(crc(A), |B|) ^
    crc(B) when the initial value is 0); leading zero bytes do not change a CRC
    that starts at 0, so the input is zero-padded in front to a whole number of chunks.

    Parameters
    ----------
    data : bytes-like
        The bytes [-].

    Returns
    -------
    int
        The CRC [-] (0..65535).
    """
    n = len(data)
    if n < 16_384:
        return _crc_py(data)
    chunk = 1 << max(9, min(12, math.ceil(math.log2(math.sqrt(n)))))
    k = -(-n // chunk)
    buf = np.zeros(k * chunk, dtype=np.uint8)
    buf[k * chunk - n :] = np.frombuffer(bytes(data), dtype=np.uint8)
    cols = np.ascontiguousarray(buf.reshape(k, chunk).T).astype(np.uint32)
    regs = np.zeros(k, dtype=np.uint32)
    table = _CRC_TABLE
    for j in range(chunk):
        regs = (regs >> 8) ^ table[(regs ^ cols[j]) & 0xFF]
    lo, hi = _zero_shift_tables(chunk)
    crc = 0
    for r in regs.tolist():
        crc = lo[crc & 0xFF] ^ hi[crc >> 8] ^ r
    return crc


# --------------------------------------------------------------------------- writer

_Signature = tuple[int, tuple[tuple[int, int, int], ...], tuple[tuple[int, int, int], ...]]


class FitWriter:
    """Build a FIT file message by message; local message types are managed for you.

    Each distinct set of fields gets a definition message the first time it is
    used; up to 16 definitions stay live (FIT local types 0..15) and the least
    recently defined is replaced when more are needed.

    Examples
    --------
    >>> w = FitWriter()
    >>> w.write("file_id", {"type": "activity", "manufacturer": "garmin", "product": 4024,
    ...                      "serial_number": 1, "time_created": 1_000_000_000})
    >>> data = w.to_bytes()
    >>> data[8:12]
    b'.FIT'
    """

    def __init__(self) -> None:
        self._chunks: list[bytes] = []
        self._locals: dict[_Signature, int] = {}
        self._next_local = 0
        self._dev_fields: dict[str, DeveloperField] = {}

    # -- developer data ---------------------------------------------------------------

    def add_developer_data(self, app: DeveloperApp, fields: Sequence[DeveloperField]) -> None:
        """Write ``developer_data_id`` and one ``field_description`` per field.

        Parameters
        ----------
        app : DeveloperApp
            The application [-]; its index must match the fields' indices.
        fields : sequence of DeveloperField
            The fields [-] that later :meth:`write` calls may fill by name.
        """
        if len(app.application_id) != 16:
            raise ValueError("DeveloperApp.application_id must be 16 bytes (a UUID)")
        self.write(
            "developer_data_id",
            {
                "application_id": app.application_id,
                "developer_data_index": app.developer_data_index,
                "manufacturer_id": app.manufacturer,
                "application_version": app.application_version,
            },
        )
        for f in fields:
            if f.developer_data_index != app.developer_data_index:
                raise ValueError(
                    f"developer field {f.name!r} has index {f.developer_data_index}, "
                    f"the application has {app.developer_data_index}"
                )
            if f.base_type not in BASE_TYPES or f.base_type in ("string", "byte"):
                raise ValueError(
                    f"developer field {f.name!r}: unsupported base type {f.base_type!r}"
                )
            values: dict[str, Any] = {
                "developer_data_index": f.developer_data_index,
                "field_definition_number": f.field_number,
                "fit_base_type_id": f.base_type,
                "field_name": f.name,
                "units": f.units,
            }
            if f.native_field_num is not None:
                values["native_mesg_num"] = MESSAGES["record"].number
                values["native_field_num"] = f.native_field_num
            self.write("field_description", values)
            self._dev_fields[f.name] = f

    # -- messages ---------------------------------------------------------------------

    def write(
        self,
        message: str,
        values: Mapping[str, Any],
        developer: Mapping[str, Any] | None = None,
    ) -> None:
        """Write one data message.

        Parameters
        ----------
        message : str
            Global message name [-] from :data:`MESSAGES`.
        values : mapping
            Field name -> physical value in the field's FIT units; ``None``/``NaN``
            are written as invalid; strings for string fields, ``bytes`` for byte
            arrays, enum names or numbers for enum fields, ``datetime`` (aware) or
            Unix seconds for ``date_time`` fields.
        developer : mapping, optional
            Developer field name -> value [field units].
        """
        msg = _message(message)
        fmt = "<B"
        raws: list[Any] = []
        fields: list[tuple[int, int, int]] = []
        seen: set[int] = set()
        for name, value in values.items():
            fdef = msg.field(name)
            if fdef.number in seen:
                raise ValueError(f"{message}: field {fdef.name!r} given twice (alias and name)")
            seen.add(fdef.number)
            if value is None:
                continue
            base = BASE_TYPES[fdef.base_type]
            if base.name == "string" or (
                base.name == "byte" and isinstance(value, (bytes, bytearray))
            ):
                blob = value.encode("utf-8") + b"\x00" if isinstance(value, str) else bytes(value)
                if len(blob) > 255:
                    raise ValueError(
                        f"{message}.{fdef.name}: {len(blob)} bytes is over the 255-byte limit"
                    )
                fmt += f"{len(blob)}s"
                raws.append(blob)
                fields.append((fdef.number, len(blob), base.type_id))
                continue
            fmt += _STRUCT[base.dtype]
            raws.append(_raw_scalar(msg, fdef, value))
            fields.append((fdef.number, base.size, base.type_id))
        dev: list[tuple[int, int, int]] = []
        for name, value in (developer or {}).items():
            dfield = self._dev_field(message, name)
            base = BASE_TYPES[dfield.base_type]
            fmt += _STRUCT[base.dtype]
            raws.append(_raw_scalar(msg, dfield.as_field_def(), value))
            dev.append((dfield.field_number, base.size, dfield.developer_data_index))
        if not fields and not dev:
            return
        local = self._local_for((msg.number, tuple(fields), tuple(dev)))
        self._chunks.append(struct.pack(fmt, local, *raws))

    def _dev_field(self, message: str, name: str) -> DeveloperField:
        dfield = self._dev_fields.get(name)
        if dfield is None:
            raise ValueError(
                f"{message}: developer field {name!r} was not described; "
                "call add_developer_data first"
            )
        return dfield

    def write_many(
        self,
        message: str,
        columns: Mapping[str, Any],
        developer: Mapping[str, Any] | None = None,
        *,
        n: int | None = None,
    ) -> None:
        """Write ``n`` data messages of one kind from columns (one value per message).

        Parameters
        ----------
        message : str
            Global message name [-] from :data:`MESSAGES`.
        columns : mapping
            Field name -> array of physical values [field units] (or a scalar to
            repeat); ``NaN`` is written as the base type's invalid value.
        developer : mapping, optional
            Developer field name -> array of values [field units].
        n : int, optional
            Number of messages [-]; inferred from the first array column if omitted.
        """
        encoded = self._encode(message, columns, developer, n)
        if encoded is not None:
            self._emit(*encoded)

    def _encode(
        self,
        message: str,
        columns: Mapping[str, Any],
        developer: Mapping[str, Any] | None,
        n: int | None,
    ) -> tuple[_Signature, npt.NDArray[Any]] | None:
        """Encode columns into a structured array of whole messages (header byte unset)."""
        msg = _message(message)
        developer = developer or {}
        if n is None:
            lengths = [
                len(v)
                for v in (*columns.values(), *developer.values())
                if np.ndim(v) > 0 and not isinstance(v, (str, bytes))
            ]
            if not lengths:
                raise ValueError(f"{message}: give at least one array column or n")
            n = lengths[0]
        fields: list[tuple[FieldDef, int, npt.NDArray[Any]]] = []
        seen: set[int] = set()
        for name, value in columns.items():
            fdef = msg.field(name)
            if fdef.number in seen:
                raise ValueError(f"{message}: field {fdef.name!r} given twice (alias and name)")
            seen.add(fdef.number)
            if value is None:
                continue
            base = BASE_TYPES[fdef.base_type]
            if base.name == "string" or (
                base.name == "byte" and isinstance(value, (bytes, bytearray))
            ):
                raw_bytes = (
                    value.encode("utf-8") + b"\x00" if isinstance(value, str) else bytes(value)
                )
                if n != 1:
                    raise ValueError(
                        f"{message}.{fdef.name}: strings and byte arrays only in single messages"
                    )
                if len(raw_bytes) > 255:
                    raise ValueError(
                        f"{message}.{fdef.name}: {len(raw_bytes)} bytes is over the 255-byte limit"
                    )
                fields.append(
                    (fdef, len(raw_bytes), np.frombuffer(raw_bytes, dtype=np.uint8)[None, :].copy())
                )
                continue
            raw = _raw_column(msg, fdef, value, n)
            if len(raw) != n:
                raise ValueError(f"{message}.{fdef.name}: {len(raw)} values for {n} messages")
            fields.append((fdef, base.size, raw))
        dev: list[tuple[DeveloperField, int, npt.NDArray[Any]]] = []
        for name, value in developer.items():
            dfield = self._dev_field(message, name)
            raw = _raw_column(msg, dfield.as_field_def(), value, n)
            dev.append((dfield, BASE_TYPES[dfield.base_type].size, raw))
        if not fields and not dev:
            return None
        sig: _Signature = (
            msg.number,
            tuple((f.number, size, BASE_TYPES[f.base_type].type_id) for f, size, _ in fields),
            tuple((d.field_number, size, d.developer_data_index) for d, size, _ in dev),
        )
        dtype_parts: list[tuple[str, Any]] = [("h", "u1")]
        for i, (fdef, size, raw) in enumerate(fields):
            base = BASE_TYPES[fdef.base_type]
            dtype_parts.append((f"f{i}", ("u1", (size,)) if raw.ndim == 2 else base.dtype))
        for i, (dfield, _size, _raw) in enumerate(dev):
            dtype_parts.append((f"d{i}", BASE_TYPES[dfield.base_type].dtype))
        rec = np.empty(n, dtype=np.dtype(dtype_parts))
        for i, (_fdef, _size, raw) in enumerate(fields):
            rec[f"f{i}"] = raw
        for i, (_dfield, _size, raw) in enumerate(dev):
            rec[f"d{i}"] = raw
        return sig, rec

    def _emit(self, sig: _Signature, rec: npt.NDArray[Any]) -> None:
        """Append encoded messages (a structured array from :meth:`_encode`)."""
        if len(rec) == 0:
            return
        rec["h"] = self._local_for(sig)
        self._chunks.append(rec.tobytes())

    def _local_for(self, sig: _Signature) -> int:
        local = self._locals.get(sig)
        if local is not None:
            return local
        local = self._next_local
        self._next_local = (self._next_local + 1) % _MAX_LOCAL
        for old, num in list(self._locals.items()):
            if num == local:
                del self._locals[old]
        self._locals[sig] = local
        global_num, fields, dev = sig
        header = 0x40 | (0x20 if dev else 0) | local
        out = bytearray(struct.pack("<BBBHB", header, 0, 0, global_num, len(fields)))
        for num, size, type_id in fields:
            out += struct.pack("<BBB", num, size, type_id)
        if dev:
            out.append(len(dev))
            for num, size, index in dev:
                out += struct.pack("<BBB", num, size, index)
        self._chunks.append(bytes(out))
        return local

    # -- output -----------------------------------------------------------------------

    def to_bytes(self) -> bytes:
        """The complete FIT file: header (with CRC), data records and file CRC."""
        data = b"".join(self._chunks)
        header = struct.pack(
            "<BBHI4s", _HEADER_SIZE, PROTOCOL_VERSION, PROFILE_VERSION, len(data), b".FIT"
        )
        header += struct.pack("<H", fit_crc16(header))
        body = header + data
        return body + struct.pack("<H", fit_crc16(body))


# --------------------------------------------------------------------------- activity files


def write_activity_fit(
    target: str | os.PathLike[str] | IO[bytes],
    *,
    records: Mapping[str, Any],
    laps: Sequence[Mapping[str, Any]],
    session: Mapping[str, Any],
    device: FitDevice | None = None,
    events: Sequence[Mapping[str, Any]] | None = None,
    developer_app: DeveloperApp | None = None,
    developer_fields: Sequence[DeveloperField] = (),
    developer_records: Mapping[str, Any] | None = None,
    utc_offset_s: int | None = None,
) -> int:
    """Write a single-session activity file the way a running watch lays it out.

    Order: ``file_id``, developer data, ``device_info`` (creator), ``event`` timer
    start, then records with each lap message written after its last record
    (laps are placed by their ``timestamp``), ``event`` timer stop_all,
    ``session``, ``activity`` (FIT SDK, "Activity file" cookbook).

    Parameters
    ----------
    target : path or binary file object
        Where to write [-].
    records : mapping of str to array
        ``record`` columns in FIT units [field units]; must include ``timestamp``
        (Unix seconds, datetime64 or aware datetimes), increasing.
    laps : sequence of mapping
        One mapping per lap (``lap`` fields in FIT units); ``timestamp`` (lap end)
        and ``start_time`` are required. ``message_index``, ``event`` (lap) and
        ``event_type`` (stop) are filled in when absent.
    session : mapping
        ``session`` fields in FIT units; ``timestamp``, ``start_time``,
        ``message_index``, ``event``, ``event_type``, ``first_lap_index``,
        ``num_laps`` and ``trigger`` are filled in when absent.
    device : FitDevice, optional
        The recording device [-] (default :class:`FitDevice`).
    events : sequence of mapping, optional
        Extra ``event`` messages [-], written after the records with a timestamp
        at or before theirs. The timer start/stop_all events are always written.
    developer_app, developer_fields : optional
        Developer application and its fields [-]; required for ``developer_records``.
    developer_records : mapping of str to array, optional
        Developer field name -> per-record values [field units].
    utc_offset_s : int, optional
        Local time offset [s] written as ``activity.local_timestamp``.

    Returns
    -------
    int
        Bytes written [B].
    """
    device = device or FitDevice()
    ts = _unix_seconds(records["timestamp"])
    n = len(ts)
    if n == 0:
        raise ValueError("an activity needs at least one record")
    if np.any(~np.isfinite(ts)) or np.any(np.diff(ts) < 0):
        raise ValueError("record timestamps must be valid and non-decreasing")
    t0, t_end = float(ts[0]), float(ts[-1])

    w = FitWriter()
    w.write(
        "file_id",
        {
            "type": "activity",
            "manufacturer": device.manufacturer,
            "product": device.product,
            "serial_number": device.serial_number,
            "time_created": t0,
        },
    )
    if developer_app is not None:
        w.add_developer_data(developer_app, developer_fields)
    elif developer_fields or developer_records:
        raise ValueError("developer fields need a developer_app")
    w.write(
        "device_info",
        {
            "timestamp": t0,
            "device_index": "creator",
            "manufacturer": device.manufacturer,
            "product": device.product,
            "serial_number": device.serial_number,
            "software_version": device.software_version,
            "source_type": "local",
        },
    )
    w.write(
        "event",
        {
            "timestamp": t0,
            "event": "timer",
            "event_type": "start",
            "timer_trigger": "manual",
            "event_group": 0,
        },
    )

    lap_ends = [float(_unix_seconds(lap["timestamp"])[0]) for lap in laps]
    if any(b < a for a, b in itertools.pairwise(lap_ends)):
        raise ValueError("laps must be in time order")
    extra = sorted(events or (), key=lambda e: float(_unix_seconds(e["timestamp"])[0]))
    extra_ts = [float(_unix_seconds(e["timestamp"])[0]) for e in extra]

    cols: dict[str, npt.NDArray[Any]] = {k: np.asarray(v) for k, v in records.items()}
    cols["timestamp"] = ts
    dev_cols = {k: np.asarray(v) for k, v in (developer_records or {}).items()}
    for name, col in [*cols.items(), *dev_cols.items()]:
        if np.ndim(col) and len(col) != n:
            raise ValueError(f"record column {name!r} has {len(col)} values for {n} timestamps")

    start = 0
    ei = 0

    encoded = w._encode("record", cols, dev_cols or None, n)

    def _flush(stop: int) -> None:
        nonlocal start
        if stop > start and encoded is not None:
            w._emit(encoded[0], encoded[1][start:stop])
            start = stop

    cut_times = sorted({*lap_ends, *extra_ts})
    lap_i = 0
    for cut in cut_times:
        _flush(int(np.searchsorted(ts, cut, side="right")))
        while ei < len(extra) and extra_ts[ei] <= cut:
            w.write("event", extra[ei])
            ei += 1
        while lap_i < len(laps) and lap_ends[lap_i] <= cut:
            lap = dict(laps[lap_i])
            lap.setdefault("message_index", lap_i)
            lap.setdefault("event", "lap")
            lap.setdefault("event_type", "stop")
            w.write("lap", lap)
            lap_i += 1
    _flush(n)

    w.write(
        "event",
        {
            "timestamp": t_end,
            "event": "timer",
            "event_type": "stop_all",
            "timer_trigger": "manual",
            "event_group": 0,
        },
    )
    sess = dict(session)
    sess.setdefault("timestamp", t_end)
    sess.setdefault("start_time", t0)
    sess.setdefault("message_index", 0)
    sess.setdefault("event", "session")
    sess.setdefault("event_type", "stop")
    sess.setdefault("first_lap_index", 0)
    sess.setdefault("num_laps", len(laps))
    sess.setdefault("trigger", "activity_end")
    w.write("session", sess)
    session_end = float(_unix_seconds(sess["timestamp"])[0])
    activity: dict[str, Any] = {
        "timestamp": session_end,
        "total_timer_time": sess.get("total_timer_time", session_end - t0),
        "num_sessions": 1,
        "type": "manual",
        "event": "activity",
        "event_type": "stop",
    }
    if utc_offset_s is not None:
        activity["local_timestamp"] = session_end + utc_offset_s
    w.write("activity", activity)

    data = w.to_bytes()
    if isinstance(target, (str, os.PathLike)):
        with open(target, "wb") as fh:
            fh.write(data)
    else:
        target.write(data)
    return len(data)
