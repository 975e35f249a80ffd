"""Read GPX 1.0/1.1 tracks into canonical activities.

Each ``<trk>`` with timed points becomes one :class:`~runform.schema.Activity`
(``Source.session_index`` is the track's position in the file); all its
``<trkseg>`` are concatenated. GPX 1.1 says a new segment starts where
"GPS reception was lost, or the GPS receiver was turned off" [1]_, so a gap
between segments is a pause: no distance is counted across it, and it appears
in ``events`` as a timer ``stop_all`` at the end of one segment and a ``start``
at the beginning of the next. Elements are matched on local names, so GPX 1.0
and 1.1, any extension prefix or none are read alike.

What is read, per ``<trkpt>``
-----------------------------
``lat``/``lon`` [deg], ``<ele>`` [m], ``<time>``, GPX 1.0 ``<speed>`` [m/s]
and ``<course>`` [deg], and these extension elements at any depth below the
point (Garmin TrackPointExtension v1/v2 [2]_, Strava, Cluetrust gpxdata and
similar writers):

======================  ===================  ================================
local name              stream               unit in the file
======================  ===================  ================================
hr, heartrate           heart_rate           bpm
cad, cadence            cadence              strides/min or steps/min (below)
atemp, temp             temperature          degC
speed                   speed                m/s
power, PowerInWatts     power                W
course                  dev_course           deg (no canonical column)
======================  ===================  ================================

Speed is left out (NaN) when not recorded: GPX has no device speed otherwise,
and the analysis core derives it. ``distance`` is **derived, not recorded**:
the cumulative haversine distance between consecutive fixes within a segment
(GPS spikes skipped: a flagged fix adds nothing and the next good fix is
measured from the last good one), so totals exist; ``summary["distance"]`` is
its final value and ``summary["raw"]["distance_source"]`` says so. Points
without a readable time are dropped with a counted warning; a track whose
points have no times at all (a drawn route) cannot be an activity.

Sport comes from ``<trk><type>`` (Strava writes numbers: 9 = Run, 1 = Ride;
Garmin Connect writes ``running``), else from a ``<activity>`` extension of
the track (Locus Map), through :func:`~runform.io.common.normalize_sport`.
Name: ``<trk><name>``, else the metadata name. Device: the ``creator``
attribute as the product.

Cadence units (the rule, with the evidence)
-------------------------------------------
Garmin Connect and Strava write running ``cad`` in strides/min (one foot).
``heartandsole/activity_4426508309`` exists as GPX, TCX and FIT of one run:
the GPX ``cad`` values equal FIT ``record.cadence`` point by point (2883
points, mean 82.0 in both) and the FIT lap records ``total_strides`` = 3947
in 2883.6 s timer time = 82.1 strides/min. So ``cad`` x 2 = 164 steps/min.
Strava's ``runpandas/stopped_example.gpx`` (type 9) holds the same values as its
TCX twin's ``RunCadence`` at 1688 of the 1690 shared timestamps (median 87). The decision is made per file with
:func:`runform.io.tcx.steps_per_cycle` (median non-zero value below 120 ->
strides/min, doubled; otherwise already steps/min, kept) and applies to foot
sports only (running, walking, hiking); for other sports cadence is kept as
recorded (rpm). The decision is stored in ``summary["raw"]["cadence_in_file"]``.

References
----------
.. [1] TopoGrafix, "GPX 1.1 Schema Documentation", trksegType,
   https://www.topografix.com/GPX/1/1/
.. [2] Garmin, "TrackPointExtension v2",
   https://www8.garmin.com/xmlschemas/TrackPointExtensionv2.xsd
"""

from __future__ import annotations

import math
from dataclasses import replace
from typing import Any
from xml.etree.ElementTree import Element

import numpy as np
import pandas as pd

from runform.errors import InputFileError
from runform.io.common import (
    FOOT_SPORTS,
    finalize_streams,
    haversine_m,
    normalize_sport,
    sha256_hex,
)
from runform.io.tcx import steps_per_cycle
from runform.io.xmlsafe import float_of, parse_times, parse_xml, text_of, utc_offset_seconds
from runform.schema import EVENTS, SUMMARY, Activity, Device, Source, empty_frame

__all__ = ["read_gpx"]

_EXTENSION_FIELDS: dict[str, str] = {
    "hr": "heart_rate",
    "heartrate": "heart_rate",
    "cad": "cadence",
    "cadence": "cadence",
    "atemp": "temperature",
    "temp": "temperature",
    "speed": "speed",
    "power": "power",
    "powerinwatts": "power",
    "course": "dev_course",
}
_FIELDS = ("altitude", "speed", "cadence", "heart_rate", "power", "temperature", "dev_course")
_STREAM_COLUMNS = (
    "distance",
    "speed",
    "cadence",
    "heart_rate",
    "altitude",
    "latitude",
    "longitude",
    "power",
    "temperature",
)


class _Track:
    """Column lists for the points of one ``<trk>``."""

    def __init__(self) -> None:
        self.time: list[str | None] = []
        self.segment: list[int] = []
        self.latitude: list[float] = []
        self.longitude: list[float] = []
        self.values: dict[str, list[float]] = {name: [] for name in _FIELDS}

    def add(self, point: Element, segment: int) -> None:
        found: dict[str, float] = {}
        time: str | None = None
        for element in point.iter():
            if element is point:
                continue
            tag = element.tag
            if tag == "time":
                time = element.text.strip() if element.text else None
            elif tag == "ele":
                found.setdefault("altitude", float_of(element.text))
            else:
                field = _EXTENSION_FIELDS.get(tag.lower())
                if field is not None and field not in found:
                    found[field] = float_of(element.text)
        self.time.append(time)
        self.segment.append(segment)
        self.latitude.append(float_of(point.get("lat")))
        self.longitude.append(float_of(point.get("lon")))
        for name, column in self.values.items():
            column.append(found.get(name, math.nan))


def _derived_distance(streams: pd.DataFrame, segment: pd.Series) -> np.ndarray:
    """Cumulative haversine distance [m] over good fixes, nothing across segment gaps."""
    lat = streams["latitude"].to_numpy(dtype=float)
    lon = streams["longitude"].to_numpy(dtype=float)
    seg = segment.to_numpy()
    good = np.flatnonzero(
        np.isfinite(lat) & np.isfinite(lon) & ~streams["gps_spike"].to_numpy(dtype=bool)
    )
    out = np.full(len(streams), np.nan)
    if good.size == 0:
        return out
    step = np.zeros(good.size)
    if good.size > 1:
        a, b = good[:-1], good[1:]
        step[1:] = np.where(seg[a] == seg[b], haversine_m(lat[a], lon[a], lat[b], lon[b]), 0.0)
    out[good] = np.cumsum(step)
    filled = pd.Series(out).ffill().fillna(0.0)
    return filled.to_numpy(dtype=float)


def _segment_events(timestamps: pd.Series, segment: pd.Series) -> pd.DataFrame:
    """Timer start/stop_all events at the first/last point of each segment."""
    bounds = timestamps.groupby(segment.to_numpy()).agg(["min", "max"])
    rows: list[dict[str, Any]] = []
    for start, stop in zip(bounds["min"], bounds["max"], strict=True):
        rows.append({"timestamp": start, "event": "timer", "event_type": "start", "data": None})
        rows.append({"timestamp": stop, "event": "timer", "event_type": "stop_all", "data": None})
    if not rows:
        return empty_frame(EVENTS)
    events = pd.DataFrame(rows).sort_values("timestamp", kind="stable")
    return events.reset_index(drop=True).reindex(columns=list(EVENTS))


def _sport_label(trk: Element) -> str | None:
    label = text_of(trk, "type")
    if label is None:
        extensions = trk.find("extensions")
        if extensions is not None:
            for element in extensions.iter():
                if element.tag.lower() == "activity" and element.text and element.text.strip():
                    return element.text.strip()
    return label


def _read_track(
    trk: Element,
    track: _Track,
    times: tuple[pd.Series, int, int],
    index: int,
    path: str,
    sha: str,
    root: Element,
) -> Activity:
    sport = normalize_sport(_sport_label(trk))
    warnings: list[str] = []
    timestamps, n_missing, n_invalid = times
    if n_missing:
        warnings.append(f"{n_missing} track points had no time and were dropped")
    if n_invalid:
        warnings.append(f"{n_invalid} track points had an unreadable time and were dropped")

    cadence = np.asarray(track.values["cadence"], dtype=float)
    foot = sport in FOOT_SPORTS
    factor = steps_per_cycle(cadence) if foot else 1.0
    cadence_in_file: dict[str, str] = {}
    if np.isfinite(cadence).any():
        cadence_in_file["cad"] = (
            ("strides/min (doubled)" if factor == 2.0 else "steps/min (kept)")
            if foot
            else "kept as recorded (rpm)"
        )

    columns: dict[str, Any] = {
        "timestamp": timestamps,
        "latitude": track.latitude,
        "longitude": track.longitude,
        **{name: track.values[name] for name in _FIELDS},
        "_segment": track.segment,
    }
    raw = pd.DataFrame(columns)
    raw["cadence"] = cadence * factor
    raw = raw[raw["timestamp"].notna()].reset_index(drop=True)
    streams, stream_warnings = finalize_streams(raw, None, sport)
    warnings.extend(stream_warnings)
    segment = streams.pop("_segment")
    streams["distance"] = _derived_distance(streams, segment)
    has_course = bool(streams["dev_course"].notna().any())
    shaped = streams.reindex(
        columns=[
            "time",
            "timestamp",
            *_STREAM_COLUMNS,
            "gps_spike",
            *(["dev_course"] if has_course else []),
        ]
    )
    float_columns = ["time", *_STREAM_COLUMNS, *(["dev_course"] if has_course else [])]
    shaped = shaped.astype({c: "float64" for c in float_columns})

    start_time = shaped["timestamp"].iloc[0]
    end_time = shaped["timestamp"].iloc[-1]
    creator = root.get("creator")
    summary: dict[str, Any] = {
        "start_time": start_time,
        "end_time": end_time,
        "elapsed_time": (end_time - start_time).total_seconds(),
        "distance": float(shaped["distance"].iloc[-1]),
        "sport": sport,
        "raw": {
            "creator": creator,
            "version": root.get("version"),
            "type": _sport_label(trk),
            "n_segments": int(segment.nunique()),
            "n_points": len(track.time),
            "distance_source": "derived: haversine between consecutive fixes (not recorded)",
            "cadence_in_file": cadence_in_file,
        },
    }
    first_time = next((t for t in track.time if t), None)
    name = (
        text_of(trk, "name") or text_of(root, "metadata/name") or text_of(root, "name")  # GPX 1.0
    )
    return Activity(
        sport=sport,
        sub_sport=None,
        start_time=start_time,
        source=Source(path, sha, "gpx", index),
        streams=shaped,
        laps=empty_frame(SUMMARY).assign(raw=pd.Series(dtype="object")),
        summary=summary,
        events=_segment_events(shaped["timestamp"], segment),
        device=Device(product=creator.strip() if creator and creator.strip() else None),
        utc_offset_s=utc_offset_seconds(first_time),
        name=name,
        developer_units={"dev_course": "deg"} if has_course else {},
        warnings=tuple(warnings),
    )


def _no_tracks_problem(root: Element) -> str:
    if root.find("rte/rtept") is not None or root.find("rte") is not None:
        what = "a route (a planned path), not a recorded activity"
    elif root.find("wpt") is not None:
        what = "waypoints only"
    else:
        what = "metadata only"
    return f"no track points: this GPX holds {what}; nothing to import"


def read_gpx(data: bytes, path: str) -> list[Activity]:
    """Read a GPX file into one canonical activity per ``<trk>`` with timed points.

    Parameters
    ----------
    data : bytes
        The file's content [bytes].
    path : str
        The file as the user named it, used in messages and ``Source.path`` [label].

    Returns
    -------
    list of Activity
        In file order. Streams in SI units (cadence in steps/min for foot
        sports), ``distance`` derived from the fixes, no laps, timer events at
        segment boundaries.

    Raises
    ------
    InputFileError
        Unsafe or malformed XML, a root other than ``gpx``, a file holding only
        routes, waypoints or metadata, or tracks whose points carry no times.
    """
    root = parse_xml(data, path)
    if root.tag != "gpx":
        raise InputFileError(
            path, f"not a GPX file: the root element is <{root.tag}>, expected <gpx>"
        )
    sha = sha256_hex(data)
    activities: list[Activity] = []
    skipped: list[str] = []
    n_points = 0
    for index, trk in enumerate(root.findall("trk")):
        track = _Track()
        for segment, trkseg in enumerate(trk.findall("trkseg")):
            for point in trkseg.findall("trkpt"):
                track.add(point, segment)
        n_points += len(track.time)
        if not track.time:
            continue
        times = parse_times(track.time)
        if times[0].isna().all():
            label = text_of(trk, "name") or f"#{index}"
            skipped.append(f"track {label!r} ({len(track.time)} points without times)")
            continue
        activities.append(_read_track(trk, track, times, index, path, sha, root))
    if n_points == 0:
        raise InputFileError(path, _no_tracks_problem(root))
    if not activities:
        raise InputFileError(
            path,
            f"no timestamps: the {n_points} track points carry no times (a drawn or "
            "planned track, not a recording), so there is no activity to import",
        )
    if skipped:
        note = "skipped tracks without times: " + ", ".join(skipped)
        activities = [replace(a, warnings=(*a.warnings, note)) for a in activities]
    return activities
