"""Read FIT activity files into canonical :class:`~runform.schema.Activity` objects.

Decoding is done by :mod:`runform.io.fitfast`, a bulk numpy decoder that returns
every ``record`` field as a column and the summary messages as dicts, with the
values fitdecode (MIT; the decoder chosen first, see ``docs/decisions/fit-decoder.md``)
gives with a processor that leaves them raw: timestamps as FIT-epoch integers,
values profile-scaled, enums as names. ``tests/corpus/test_fitfast_differential.py``
checks that field for field on the whole corpus. Conversion happens once,
vectorised, here at the parser boundary:

* positions: semicircles -> degrees (x 180 / 2^31);
* running/walking cadence: strides/min of one leg -> steps/min,
  ``2 x (cadence + fractional_cadence)`` (FIT SDK profile, ``record.cadence``);
* stance time ms -> s, vertical oscillation and step length mm -> m,
  grade % -> fraction.

Multisport files become one activity per ``session`` message. Chained FIT
files (several headers in one file) are read whole. Damaged files are salvaged:
what decoded before a truncation or under a bad CRC is kept and the activity is
marked ``partial`` with a warning saying what happened.

Reference: Garmin FIT SDK, Profile.xlsx (messages record, lap, session, event,
activity, file_id, device_info, field_description).
"""

from __future__ import annotations

import struct
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd

from runform.errors import InputFileError, UnsupportedFileError
from runform.io.common import FOOT_SPORTS, finalize_columns, normalize_sport, sha256_hex
from runform.io.fitfast import decode
from runform.schema import EVENTS, SUMMARY, Activity, Device, Source, empty_frame
from runform.units import SEMICIRCLE_TO_DEG

FIT_EPOCH_UNIX_S = 631_065_600
"""Seconds between the Unix epoch and the FIT epoch, 1989-12-31T00:00:00Z (FIT SDK)."""

STRIDE_SPORTS = FOOT_SPORTS | {"generic", "training", "transition"}
"""FIT sports whose cadence is strides/min of one leg, doubled to steps/min (watches record
generic/training/transition with the wrist or foot-pod step counter)."""

_NOT_ACTIVITY_TYPES = {
    "course",
    "workout",
    "settings",
    "sport",
    "totals",
    "goals",
    "schedules",
    "device",
    "monitoring_a",
    "monitoring_b",
    "monitoring_daily",
    "segment",
    "segment_list",
    "blood_pressure",
    "weight",
}

# record field -> (canonical name, factor applied to the decoded value)
_RECORD_FIELDS: dict[str, tuple[str, float]] = {
    "distance": ("distance", 1.0),
    "heart_rate": ("heart_rate", 1.0),
    "power": ("power", 1.0),
    "grade": ("grade", 0.01),
    "temperature": ("temperature", 1.0),
    "stance_time": ("ground_contact_time", 0.001),
    "stance_time_balance": ("gct_balance", 1.0),
    "vertical_oscillation": ("vertical_oscillation", 0.001),
    "vertical_ratio": ("vertical_ratio", 1.0),
    "step_length": ("step_length", 0.001),
}

# summary field(s) in preference order -> (canonical name, factor)
_SUMMARY_FIELDS: list[tuple[tuple[str, ...], str, float]] = [
    (("total_elapsed_time",), "elapsed_time", 1.0),
    (("total_timer_time",), "timer_time", 1.0),
    (("total_moving_time",), "moving_time", 1.0),
    (("total_distance",), "distance", 1.0),
    (("enhanced_avg_speed", "avg_speed"), "avg_speed", 1.0),
    (("enhanced_max_speed", "max_speed"), "max_speed", 1.0),
    (("avg_heart_rate",), "avg_heart_rate", 1.0),
    (("max_heart_rate",), "max_heart_rate", 1.0),
    (("total_ascent",), "total_ascent", 1.0),
    (("total_descent",), "total_descent", 1.0),
    (("avg_power",), "avg_power", 1.0),
    (("avg_stance_time",), "avg_ground_contact_time", 0.001),
    (("avg_stance_time_balance",), "avg_gct_balance", 1.0),
    (("avg_vertical_oscillation",), "avg_vertical_oscillation", 0.001),
    (("avg_vertical_ratio",), "avg_vertical_ratio", 1.0),
    (("avg_step_length",), "avg_step_length", 0.001),
    (("total_calories",), "calories", 1.0),
    (("intensity",), "intensity", 1.0),
    (("lap_trigger", "trigger"), "trigger", 1.0),
    (("sport",), "sport", 1.0),
]


OUTSIDE_SESSION_SLACK_S = 60
"""Seconds [s] a record may lie before the first or after the last session and still count."""

SYSTEM_TIME_LIMIT = 0x10000000
"""FIT ``date_time`` values below this are seconds since device power-up, not absolute (FIT SDK)."""


def _ts(value: Any, min_valid: int = SYSTEM_TIME_LIMIT) -> pd.Timestamp | None:
    """FIT ``date_time`` integer [s since FIT epoch] -> UTC Timestamp (None if invalid)."""
    if value is None or not isinstance(value, (int, float)) or value < min_valid:
        return None
    return pd.Timestamp(int(value) + FIT_EPOCH_UNIX_S, unit="s", tz="UTC")


def _jsonable(value: Any) -> Any:
    if isinstance(value, (bytes, bytearray)):
        return value.hex()
    if isinstance(value, tuple):
        return [_jsonable(v) for v in value]
    if isinstance(value, float) and not np.isfinite(value):
        return None
    return value


def _cadence(raw: dict[str, Any], names: tuple[str, ...], frac: str, foot: bool) -> float | None:
    for n in names:
        v = raw.get(n)
        if isinstance(v, (int, float)):
            f = raw.get(frac)
            total = float(v) + (float(f) if isinstance(f, (int, float)) else 0.0)
            return 2.0 * total if foot else total
    return None


def _summary(raw: dict[str, Any], sport: str, min_valid: int) -> dict[str, Any]:
    """Map a FIT lap/session message to canonical summary keys (SI units)."""
    foot = sport in STRIDE_SPORTS
    out: dict[str, Any] = {
        "start_time": _ts(raw.get("start_time"), min_valid),
        "end_time": _ts(raw.get("timestamp"), min_valid),
    }
    for names, key, factor in _SUMMARY_FIELDS:
        for n in names:
            v = raw.get(n)
            if isinstance(v, (tuple, list)):  # array fields: the first valid element
                v = next((x for x in v if x is not None), None)
            if v is None:
                continue
            out[key] = float(v) * factor if isinstance(v, (int, float)) and factor != 1.0 else v
            if isinstance(out[key], int) and not isinstance(out[key], bool):
                out[key] = float(out[key])
            break
        else:
            out[key] = None
    out["avg_cadence"] = _cadence(
        raw, ("avg_running_cadence", "avg_cadence"), "avg_fractional_cadence", foot
    )
    out["max_cadence"] = _cadence(
        raw, ("max_running_cadence", "max_cadence"), "max_fractional_cadence", foot
    )
    strides = raw.get("total_strides", raw.get("total_cycles"))
    out["total_steps"] = (
        float(strides) * (2.0 if foot else 1.0) if isinstance(strides, (int, float)) else None
    )
    out["raw"] = {k: _jsonable(v) for k, v in raw.items()}
    return out


class _Collected:
    """Messages gathered from one pass over the file.

    ``records`` holds one numpy column per FIT ``record`` field (fitdecode's names,
    profile units; ``timestamp`` int64 FIT-epoch seconds with -1 when missing, other
    numeric fields float64 with NaN, numeric developer fields as ``dev_<name>``); the
    other messages are dicts of field name -> value (first non-None value wins).
    """

    def __init__(self) -> None:
        self.file_ids: list[dict[str, Any]] = []
        self.devices: list[dict[str, Any]] = []
        self.records: dict[str, npt.NDArray[Any]] = {"timestamp": np.zeros(0, dtype=np.int64)}
        self.n_records = 0
        self.laps: list[dict[str, Any]] = []
        self.sessions: list[dict[str, Any]] = []
        self.events: list[dict[str, Any]] = []
        self.activity: dict[str, Any] | None = None
        self.sports: list[dict[str, Any]] = []
        self.dev_units: dict[str, str] = {}
        self.headers = 0
        self.crc_bad = False
        self.error: str | None = None
        self.error_offset: int | None = None


def _collect(data: bytes) -> _Collected:
    c = _Collected()
    try:
        res = decode(data)
    except (
        ValueError,
        KeyError,
        IndexError,
        TypeError,
        AttributeError,
        OverflowError,
        UnicodeDecodeError,
        MemoryError,
        struct.error,
    ) as exc:  # fitfast reports damage in its result and does not raise; a last guard
        c.error = f"{type(exc).__name__}: {exc}"
        return c
    c.records = res.records
    c.n_records = res.n_records
    c.file_ids = res.file_ids
    c.devices = res.devices
    c.laps = res.laps
    c.sessions = res.sessions
    c.events = res.events
    c.activity = res.activities[-1] if res.activities else None
    c.sports = res.sports
    c.dev_units = res.dev_units
    c.headers = res.headers
    c.crc_bad = res.crc_bad
    c.error = res.error
    c.error_offset = res.error_offset
    return c


def _device(c: _Collected) -> Device:
    fid = c.file_ids[0] if c.file_ids else {}
    manufacturer = fid.get("manufacturer")
    product = fid.get("garmin_product") or fid.get("product_name") or fid.get("product")
    software = None
    for d in c.devices:
        if d.get("device_index") in (0, "creator"):
            software = d.get("software_version")
            product = product or d.get("product_name") or d.get("garmin_product")
            break
    serial = fid.get("serial_number")
    return Device(
        manufacturer=str(manufacturer) if manufacturer is not None else None,
        product=str(product) if product is not None else None,
        serial_number=str(serial) if serial is not None else None,
        software_version=str(software) if software is not None else None,
    )


def _records_frame(
    records: dict[str, npt.NDArray[Any]],
    mask: npt.NDArray[np.bool_],
    foot: bool,
    min_valid: int,
) -> dict[str, Any]:
    """Turn the record columns (rows where ``mask``) into canonical SI columns."""
    n = int(mask.sum())
    if n == 0:
        return {"timestamp": pd.Series(dtype="datetime64[ns, UTC]")}
    every = bool(mask.all())

    def take(name: str) -> npt.NDArray[Any]:
        col = records[name]
        return col if every else col[mask]

    def col(*names: str) -> npt.NDArray[np.float64]:
        for name in names:
            if name in records:
                values = take(name)
                if values.dtype == object:  # enum names, arrays: not numbers
                    values = np.array(
                        [
                            float(v)
                            if isinstance(v, (int, float)) and not isinstance(v, bool)
                            else np.nan
                            for v in values.tolist()
                        ],
                        dtype=np.float64,
                    )
                values = values.astype(np.float64, copy=False)
                if not np.isnan(values).all():
                    return values
        return np.full(n, np.nan)

    out: dict[str, Any] = {}
    ts = take("timestamp").astype(np.float64)
    ts[ts < min_valid] = np.nan
    out["timestamp"] = pd.to_datetime(ts + FIT_EPOCH_UNIX_S, unit="s", utc=True)
    out["distance"] = col("distance")
    out["speed"] = col("enhanced_speed", "speed")
    frac = col("fractional_cadence")
    out["cadence"] = (col("cadence") + np.where(np.isnan(frac), 0.0, frac)) * (2.0 if foot else 1.0)
    out["heart_rate"] = col("heart_rate")
    out["altitude"] = col("enhanced_altitude", "altitude")
    out["latitude"] = col("position_lat") * SEMICIRCLE_TO_DEG
    out["longitude"] = col("position_long") * SEMICIRCLE_TO_DEG
    for fit_name, (canon, factor) in _RECORD_FIELDS.items():
        if canon in ("distance", "heart_rate"):
            continue
        out[canon] = col(fit_name) * factor
    for name in records:
        if name.startswith("dev_"):
            out[name] = col(name)
    # Drop canonical columns the device never recorded (all NaN) to keep frames lean.
    return {k: v for k, v in out.items() if k == "timestamp" or not np.isnan(np.asarray(v)).all()}


def _undouble_step_laps(laps: pd.DataFrame, streams: pd.DataFrame, warn: list[str]) -> pd.DataFrame:
    """Undo the stride-to-step doubling for laps that already recorded steps/min.

    Some watches (a fenix 2 multisport file in the corpus) write running laps without
    a ``sport`` field and with ``avg_cadence`` in steps/min. Doubling such a value
    gives an average above every recorded sample, which is impossible; those laps
    are halved back and a warning says so.
    """
    peak = float(np.nanmax(streams["cadence"].to_numpy(dtype=float, na_value=np.nan)))
    if not np.isfinite(peak):
        return laps
    out = laps.copy()
    fixed = 0
    for col in ("avg_cadence", "max_cadence"):
        vals = pd.to_numeric(out[col], errors="coerce")
        bad = vals > 1.05 * peak
        if col == "avg_cadence":
            fixed = int(bad.sum())
        out[col] = vals.where(~bad, vals / 2.0)
    if fixed:
        warn.append(f"{fixed} lap(s) recorded cadence in steps/min already; not doubled")
    return out


def _frame_of(rows: list[dict[str, Any]], columns: dict[str, tuple[str, str]]) -> pd.DataFrame:
    if not rows:
        return empty_frame(columns)
    return pd.DataFrame.from_records(rows)


def read_fit(data: bytes, path: str) -> list[Activity]:
    """Read a FIT activity file.

    Parameters
    ----------
    data : bytes
        The file's content.
    path : str
        Label used in messages and :attr:`Source.path`.

    Returns
    -------
    list of Activity
        One per session (multisport files give several), in time order.

    Raises
    ------
    InputFileError
        Empty file, not a FIT file, no data before the damage, or no samples.
    UnsupportedFileError
        A FIT file that is not an activity (course, workout, settings...).
    """
    if not data:
        raise InputFileError(path, "empty file (0 bytes)")
    if len(data) < 12 or data[8:12] != b".FIT" or data[0] not in (12, 14):
        if data[0] in (12, 14) and len(data) < data[0] and b".FIT".startswith(data[8:12]):
            raise InputFileError(
                path, f"truncated FIT file: {len(data)} bytes, less than its {data[0]}-byte header"
            )
        raise InputFileError(path, "not a FIT file (no '.FIT' signature in the first 12 bytes)")
    # FIT protocol, "File header": header size + data size + 2-byte CRC (of the first file).
    announced = data[0] + struct.unpack_from("<I", data, 4)[0] + 2
    cut = f"ends at byte {len(data)} of the {announced} its header announces"
    truncated = len(data) < announced
    c = _collect(data)
    warnings: list[str] = []
    partial = False
    if c.error is not None:
        partial = True
        if truncated:
            warnings.append(f"file is truncated ({cut}); kept what decoded before the cut")
        else:
            warnings.append(f"file is damaged ({c.error}); kept what decoded before the damage")
    if c.crc_bad:
        partial = True
        warnings.append("CRC check failed (file corrupted); kept what decoded")
    if c.headers > 1:
        warnings.append(f"chained FIT file ({c.headers} files in one); read all of them")
    ftype = c.file_ids[0].get("type") if c.file_ids else None
    if isinstance(ftype, str) and ftype in _NOT_ACTIVITY_TYPES:
        raise UnsupportedFileError(path, f"a FIT {ftype} file, not a recorded activity")
    if c.n_records == 0:
        if c.error is not None and not c.sessions:
            if truncated:
                raise InputFileError(path, f"truncated FIT file ({cut}), no samples before the cut")
            raise InputFileError(path, f"damaged FIT file, nothing readable: {c.error}")
        raise InputFileError(
            path, "contains no samples (no FIT record messages); nothing to import"
        )

    sha = sha256_hex(data)
    device = _device(c)
    utc_offset: int | None = None
    if c.activity is not None:
        lt, t = c.activity.get("local_timestamp"), c.activity.get("timestamp")
        if isinstance(lt, int) and isinstance(t, int) and abs(lt - t) <= 15 * 3600:
            utc_offset = int(round((lt - t) / 900.0) * 900)  # offsets come in 15-min steps

    rec_ts = c.records["timestamp"].copy()
    if not np.any(rec_ts >= 0):
        raise InputFileError(
            path, f"its {c.n_records} samples carry no timestamps; cannot place them in time"
        )
    min_valid = SYSTEM_TIME_LIMIT
    if not np.any(rec_ts >= SYSTEM_TIME_LIMIT):
        min_valid = 0
        warnings.append(
            "the device clock was not set: times are relative to power-up, so the date is unknown"
        )
    sessions = sorted(
        (s for s in c.sessions if isinstance(s.get("start_time"), int)),
        key=lambda s: int(s["start_time"]),
    )
    # Records dated well outside every session are garbage decoded from damaged bytes
    # (one in the corpus is dated 2085): leave them out rather than stretch the activity.
    spans = []
    for x in sessions:
        elapsed = x.get("total_elapsed_time")
        if not isinstance(elapsed, (int, float)):
            continue
        begin, end = int(x["start_time"]), int(x["start_time"]) + float(elapsed)
        if isinstance(x.get("timestamp"), int):  # the session's end as the device wrote it
            begin, end = min(begin, x["timestamp"] - elapsed), max(end, x["timestamp"])
        spans.append((begin, end))
    if spans:
        lo_ok = min(a for a, _ in spans) - OUTSIDE_SESSION_SLACK_S
        hi_ok = max(b for _, b in spans) + OUTSIDE_SESSION_SLACK_S
        outside = (rec_ts >= 0) & ((rec_ts < lo_ok) | (rec_ts > hi_ok))
        if outside.any():
            warnings.append(
                f"{int(outside.sum())} samples dated outside every session were left out"
            )
            rec_ts = np.where(outside, -1, rec_ts)
    if not sessions:
        partial = partial or c.error is not None
        sport_msg = c.sports[0] if c.sports else {}
        lap_sport = c.laps[0].get("sport") if c.laps else None
        valid = rec_ts[rec_ts >= min_valid]
        if valid.size == 0:
            raise InputFileError(path, "samples carry no timestamps; cannot place them in time")
        sessions = [
            {
                "start_time": int(valid.min()),
                "timestamp": int(valid.max()),
                "sport": sport_msg.get("sport") or lap_sport or "generic",
                "sub_sport": sport_msg.get("sub_sport"),
                "_synthesised": True,
            }
        ]
        warnings.append("no session summary in the file (truncated?); totals computed from samples")

    activities: list[Activity] = []
    bounds = [int(s["start_time"]) for s in sessions] + [2**62]
    for i, sess in enumerate(sessions):
        sport = normalize_sport(str(sess.get("sport") or "generic"))
        sub = sess.get("sub_sport")
        sub_sport = None if sub in (None, "generic") else str(sub)
        lo, hi = bounds[i], bounds[i + 1]
        if len(sessions) == 1:
            mask = rec_ts >= 0  # keep every record (even odd timestamps) in single-session files
        else:
            mask = (rec_ts >= lo) & (rec_ts < hi)
            if i == 0:
                mask |= (rec_ts >= 0) & (rec_ts < lo)
        foot = sport in STRIDE_SPORTS
        raw_columns = _records_frame(c.records, mask, foot, min_valid)
        start = _ts(sess.get("start_time"), min_valid)
        streams, w = finalize_columns(raw_columns, start, sport)
        sess_laps = [
            lap
            for lap in c.laps
            if isinstance(lap.get("start_time"), int) and lo <= int(lap["start_time"]) < hi
        ]
        laps = _frame_of([_summary(lap, sport, min_valid) for lap in sess_laps], SUMMARY)
        if foot and "cadence" in streams and not laps.empty:
            laps = _undouble_step_laps(laps, streams, w)
        events = _frame_of(
            [
                {
                    "timestamp": _ts(e.get("timestamp"), min_valid),
                    "event": e.get("event"),
                    "event_type": e.get("event_type"),
                    "data": _jsonable(e.get("data")),
                }
                for e in c.events
                if isinstance(e.get("timestamp"), int)
                and (len(sessions) == 1 or lo <= int(e["timestamp"]) < hi)
            ],
            EVENTS,
        )
        summary = {} if sess.get("_synthesised") else _summary(sess, sport, min_valid)
        warnings_i = [*warnings, "session has no samples"] if streams.empty else [*warnings, *w]
        dev_units = {k: v for k, v in c.dev_units.items() if k in streams.columns}
        activities.append(
            Activity(
                sport=sport,
                sub_sport=sub_sport,
                start_time=(start or streams["timestamp"].iloc[0]).to_pydatetime(),
                source=Source(path=path, sha256=sha, format="fit", session_index=i),
                streams=streams,
                laps=laps,
                summary=summary,
                events=events,
                device=device,
                utc_offset_s=utc_offset,
                name=None,
                developer_units=dev_units,
                warnings=tuple(warnings_i),
                partial=partial,
            )
        )
    activities = [a for a in activities if not a.streams.empty] or activities[:1]
    if all(a.streams.empty for a in activities):
        raise InputFileError(path, "contains no samples inside its sessions; nothing to import")
    return activities
