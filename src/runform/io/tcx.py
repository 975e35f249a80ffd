"""Read Garmin Training Center (TCX v2) files into canonical activities.

Each ``<Activity>`` element becomes one :class:`~runform.schema.Activity`; a
multisport file (``<MultiSportSession>`` with ``FirstSport``/``NextSport``)
gives one activity per sport section, in file order (``Source.session_index``
is that order). Elements are matched on local names, so default namespaces,
``ns3:`` prefixes or no namespace at all are read alike.

What is read
------------
Laps (ground truth, as the device recorded them): ``StartTime``,
``TotalTimeSeconds`` (timer time), ``DistanceMeters``, ``MaximumSpeed``,
``Calories``, ``AverageHeartRateBpm``, ``MaximumHeartRateBpm``, ``Intensity``,
``TriggerMethod``, ``Cadence`` and the ActivityExtension v2 ``LX`` values
``AvgSpeed``, ``AvgRunCadence``, ``MaxRunCadence``, ``MaxBikeCadence``,
``AvgWatts``; every lap field is also kept verbatim in the lap's ``raw`` dict.

Trackpoints: ``Time``, ``Position`` (latitude/longitude [deg]),
``AltitudeMeters``, ``DistanceMeters`` (recorded, cumulative), ``HeartRateBpm``,
``Cadence`` and the ``TPX`` extension ``Speed`` [m/s], ``RunCadence``,
``Watts``. ``SensorState`` (whether a sensor was paired) carries no
measurement and is not kept. Trackpoints without a readable time are dropped
with a counted warning; :func:`~runform.io.common.finalize_streams` then orders
samples, drops repeated timestamps and flags GPS spikes.

Lap ``end_time``/``elapsed_time`` are derived (TCX records neither): the last
trackpoint time of the lap, but no later than the next lap's ``StartTime``
(Coros repeats the whole track inside the last lap), or ``StartTime +
TotalTimeSeconds`` for a lap without trackpoints. The session summary adds up the laps (timer time,
distance, calories), takes the maxima of the lap maxima, weights the lap
averages by lap timer time, and measures ``elapsed_time`` from the first to the
last trackpoint.

Timer events (derived from the laps)
------------------------------------
TCX records no timer events, but each lap's ``TotalTimeSeconds`` is the
device's timer for that lap, so the time its timer stood still is the lap's
span minus ``TotalTimeSeconds``, the span running from its ``StartTime`` to the
next lap's ``StartTime`` (the last lap: to the last trackpoint). The reader
writes canonical ``timer`` events that reproduce this
(:func:`timer_events_from_laps`), so
:func:`runform.core.summary.compute_totals` gets the device's timer from the
file's own record of it instead of guessing pauses from record gaps:

* a ``start`` at the first lap's ``StartTime`` (or the first trackpoint, if earlier);
* for each lap paused longer than :data:`LAP_PAUSE_MIN_S`, a ``stop_all`` /
  ``start`` pair per record gap the pause is put in: the lap's longest gap
  first (its start and end count as edges), a gap filled completely before the
  next longest takes the rest. The pause sits at the end of its gap: the timer
  runs on for the rest of the gap after the last point before the stop (the
  device needs a moment to notice the stop) and restarts with the first point
  after it. Walking or smart-recording gaps of the same lap that the device
  timed stay running (``heartandsole/activity.tcx``: lap 3 has 19-s and 21-s
  gaps but spans its 66.6 s of timer, so it holds no pause);
* a final ``stop_all`` at the last trackpoint, or at the last lap's
  ``StartTime + TotalTimeSeconds`` when that is later (the timer ran on after
  the last point was written: ``runpandas/11km.tcx``, 4 s).

Evidence: ``heartandsole/activity.tcx`` and ``activity.fit`` are one run; the
two pauses derived from the TCX laps start and end within 1 s of the FIT's own
timer stop/start events. A lap whose ``TotalTimeSeconds`` exceeds its span
cannot give the excess back, so the timer then falls short of the lap sum by
that excess; with whole-second writers a lap can also keep up to
:data:`LAP_PAUSE_MIN_S` of unplaced pause (corpus TCX timers: within 1 s of the
lap sums; placing every positive pause instead tips some to -2 s). Without a
``StartTime`` and ``TotalTimeSeconds`` on every lap, no events are written and
``compute_totals`` falls back to its rule for files without timer events.

Cadence units (the rule, with the evidence)
-------------------------------------------
runform stores running cadence in steps/min (both feet). TCX writers record
one foot: strides/min, the FIT convention.

* Garmin's ``RunCadence``/``AvgRunCadence``/``MaxRunCadence`` (ActivityExtension
  v2; the schema gives no unit). ``heartandsole/activity_4426508309`` exists as
  FIT, TCX and GPX of one run: the TCX ``RunCadence`` values are identical,
  point by point, to FIT ``record.cadence`` (2883 points, mean 82.0 in both),
  and the FIT lap says ``total_strides`` = 3947 in 2883.6 s timer time =
  82.1 strides/min. So ``RunCadence`` is strides/min -> x 2 (164 steps/min).
* Polar and other writers put running cadence in the core ``<Cadence>``
  element (``CadenceValue_t``, meant for bike rpm). In the corpus these are
  strides/min too. ``sweatpy/3173437224.tcx`` (Polar M400, Running): median of
  the non-zero values 63, and integrating the cadence over time gives 2588
  cycles for 4508.5 m recorded = 1.74 m per cycle: impossible as one step of a
  1.3 m/s jog/walk, plausible as a stride (0.87 m steps). Garmin files known to
  be strides give 1.81 m and 2.50 m per cycle (``runpandas/stopped_example.tcx``,
  ``heartandsole/activity_4257833732.tcx``). ``heartandsole/20190425_110505_Running.tcx``
  (creator "FITNESS") has lap ``<Cadence>78</Cadence>`` over 11822.9 m in
  3517 s: 2.59 m per cycle as steps (impossible at 3.4 m/s), 1.29 m as strides.

The rule, decided per file and per element kind (:func:`steps_per_cycle`): a
foot cadence whose median non-zero value is below
:data:`STEPS_MEDIAN_MIN_SPM` (120) is strides/min and is doubled; at or above
it, the writer already wrote steps/min and the values are kept. Strides of
human running lie far below 120 (the corpus medians are 62-88 strides/min;
novice runners self-select 77-80 strides/min at 2.4-2.9 m/s [3]_), while
steps/min of running lie far above it (recreational runners outdoors at
3.0 m/s: 165 +/- 8 steps/min [4]_). The one
ambiguous case, a foot activity that is mostly slow walking *recorded in
steps/min* (median 100-120), would be doubled wrongly; no corpus file does
this. ``RunCadence`` is a foot cadence whatever the sport label (Garmin writes
it for cross-country skiing under ``Other`` too); ``<Cadence>`` is a foot
cadence only for foot sports (running, walking, hiking) and is kept as
recorded (rpm, strokes/min) otherwise. The decision is stored in
``summary["raw"]["cadence_in_file"]``.

References
----------
.. [1] Garmin, "Training Center Database v2" schema,
   http://www.garmin.com/xmlschemas/TrainingCenterDatabasev2.xsd, and
   "Activity Extension v2", http://www.garmin.com/xmlschemas/ActivityExtensionv2.xsd
.. [2] Garmin FIT SDK Profile: ``record.cadence`` [rpm], ``lap.total_strides``
   [strides]; running cadence in FIT is strides/min per leg.
.. [3] van Oeveren BT, de Ruiter CJ, Beek PJ, van Dieen JH, "Optimal stride
   frequencies in running at different speeds", PLoS ONE 12(10): e0184273
   (2017), https://doi.org/10.1371/journal.pone.0184273
.. [4] de Ruiter CJ, van Oeveren B, Francke A, Zijlstra P, van Dieen JH,
   "Individual optimal step frequency during outdoor running", Eur J Sport Sci
   20(2): 182-190 (2020), https://doi.org/10.1080/17461391.2019.1626911
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import replace
from typing import Any
from xml.etree.ElementTree import Element

import numpy as np
import pandas as pd

from runform.errors import InputFileError
from runform.io.common import FOOT_SPORTS, finalize_streams, normalize_sport, sha256_hex
from runform.io.xmlsafe import float_of, parse_times, parse_xml, text_of, utc_offset_seconds
from runform.schema import EVENTS, SUMMARY, Activity, Device, Source, empty_frame

__all__ = [
    "LAP_PAUSE_MIN_S",
    "STEPS_MEDIAN_MIN_SPM",
    "read_tcx",
    "steps_per_cycle",
    "timer_events_from_laps",
]

STEPS_MEDIAN_MIN_SPM = 120.0
"""Median recorded foot cadence [1/min] at or above which values are taken as
steps/min already; below it they are strides/min and doubled. Chosen between
running stride rates (corpus medians 62-88 strides/min; self-selected 77-80
strides/min in [3]_) and running step rates (165 +/- 8 steps/min in [4]_); see
the module docstring for the evidence."""

LAP_PAUSE_MIN_S = 1.0
"""Lap span minus lap ``TotalTimeSeconds`` [s] up to which a lap counts as unpaused:
writers often give ``StartTime`` and ``TotalTimeSeconds`` in whole seconds, so up to
1 s is rounding."""


_INTENSITY = {"active": "active", "resting": "rest", "rest": "rest"}
_TRIGGER = {
    "manual": "manual",
    "distance": "distance",
    "location": "position",
    "time": "time",
    "heartrate": "heart_rate",
}
_STREAM_COLUMNS = (
    "distance",
    "speed",
    "cadence",
    "heart_rate",
    "altitude",
    "latitude",
    "longitude",
    "power",
)


def steps_per_cycle(values: Iterable[float]) -> float:
    """Factor that turns a recorded foot cadence into steps/min (2.0 or 1.0).

    Parameters
    ----------
    values : iterable of float
        Every recorded value of one cadence element kind in one file
        [strides/min or steps/min, unknown]; NaN and zeros (standing) ignored.

    Returns
    -------
    float
        2.0 when the median non-zero value is below :data:`STEPS_MEDIAN_MIN_SPM`
        (strides/min, one foot), else 1.0 (already steps/min). 2.0 when there is
        no non-zero value (the FIT/Garmin convention).
    """
    arr = np.fromiter(values, dtype=float)
    moving = arr[np.isfinite(arr) & (arr > 0)]
    if moving.size == 0:
        return 2.0
    return 1.0 if float(np.median(moving)) >= STEPS_MEDIAN_MIN_SPM else 2.0


def _complement(
    paused: list[tuple[float, float]], lo: float, hi: float
) -> list[tuple[float, float]]:
    """The parts of ``[lo, hi]`` outside the ``paused`` intervals, in order."""
    out: list[tuple[float, float]] = []
    cur = lo
    for a, b in sorted(paused):
        if a > cur:
            out.append((cur, min(a, hi)))
        cur = max(cur, b)
    if cur < hi:
        out.append((cur, hi))
    return [(a, b) for a, b in out if b > a]


def timer_events_from_laps(
    lap_start: pd.Series, lap_timer: Sequence[float], record_time: pd.Series
) -> pd.DataFrame:
    """Timer events that reproduce each lap's timer time (the rule in the module docstring).

    Parameters
    ----------
    lap_start : Series of Timestamp
        ``StartTime`` of each lap [UTC]; NaT where the file gives none.
    lap_timer : sequence of float
        ``TotalTimeSeconds`` of each lap [s]; NaN where the file gives none.
    record_time : Series of Timestamp
        Trackpoint times [UTC], increasing.

    Returns
    -------
    DataFrame
        Canonical events (:data:`~runform.schema.EVENTS`): ``timer`` ``start`` and
        ``stop_all`` alternating in time order, starting with a ``start``; empty
        when some lap has no start time or no timer time.
    """
    starts = pd.Series(lap_start).reset_index(drop=True)
    timers = np.asarray(lap_timer, dtype=float)
    if starts.empty or starts.isna().any() or not np.isfinite(timers).all():
        return empty_frame(EVENTS)
    origin = starts.min()
    lo_s = (starts - origin).dt.total_seconds().to_numpy(dtype=float)
    order = np.argsort(lo_s, kind="stable")
    lo_s, timers = lo_s[order], timers[order]
    times = pd.Series(record_time).dropna()
    t = (
        (pd.to_datetime(times, utc=True) - origin).dt.total_seconds().to_numpy(dtype=float)
        if len(times)
        else np.empty(0)
    )
    first = min(float(t[0]), 0.0) if t.size else 0.0
    end = float(lo_s[-1] + timers[-1])
    if t.size:
        end = max(end, float(t[-1]))
    paused: list[tuple[float, float]] = []
    for lo, hi, timer in zip(
        lo_s.tolist(), [*lo_s[1:].tolist(), end], timers.tolist(), strict=True
    ):
        pause = (hi - lo) - timer
        if pause <= LAP_PAUSE_MIN_S:
            continue
        edges = np.concatenate([[lo], t[(t > lo) & (t < hi)], [hi]])
        gaps = np.diff(edges)
        for j in np.argsort(-gaps, kind="stable").tolist():
            if pause <= 0:
                break
            take = min(float(gaps[j]), pause)
            resume = float(edges[j + 1])
            paused.append((resume - take, resume))
            pause -= take
    rows: list[dict[str, Any]] = []
    for a, b in _complement(paused, first, end):
        for x, kind in ((a, "start"), (b, "stop_all")):
            rows.append(
                {
                    "timestamp": origin + pd.Timedelta(seconds=x),
                    "event": "timer",
                    "event_type": kind,
                    "data": None,
                }
            )
    if not rows:
        return empty_frame(EVENTS)
    return pd.DataFrame(rows).reindex(columns=list(EVENTS))


def _cadence_label(factor: float) -> str:
    return "strides/min (doubled)" if factor == 2.0 else "steps/min (kept)"


def _lap_fields(lap: Element) -> dict[str, str]:
    """Every scalar field of a lap as written: core children, HR values, LX extension."""
    raw: dict[str, str] = {}
    start = lap.get("StartTime")
    if start:
        raw["StartTime"] = start.strip()
    for child in lap:
        tag = child.tag
        if tag == "Track":
            continue
        if tag in ("AverageHeartRateBpm", "MaximumHeartRateBpm"):
            value = text_of(child, "Value")
            if value is not None:
                raw[tag] = value
        elif tag == "Extensions":
            for sub in child.iter():
                if sub is not child and len(sub) == 0 and sub.text and sub.text.strip():
                    raw[sub.tag] = sub.text.strip()
        elif len(child) == 0 and child.text and child.text.strip():
            raw[tag] = child.text.strip()
    return raw


class _Points:
    """Column lists for the trackpoints of one activity (one list per field)."""

    def __init__(self) -> None:
        self.time: list[str | None] = []
        self.lap: list[int] = []
        self.latitude: list[float] = []
        self.longitude: list[float] = []
        self.altitude: list[float] = []
        self.distance: list[float] = []
        self.heart_rate: list[float] = []
        self.cadence: list[float] = []
        self.run_cadence: list[float] = []
        self.speed: list[float] = []
        self.power: list[float] = []

    def add(self, tp: Element, lap_index: int) -> None:
        nan = math.nan
        time: str | None = None
        lat = lon = alt = dist = hr = cad = run_cad = speed = watts = nan
        for child in tp:
            tag = child.tag
            if tag == "Time":
                time = child.text.strip() if child.text else None
            elif tag == "Position":
                lat = float_of(text_of(child, "LatitudeDegrees"))
                lon = float_of(text_of(child, "LongitudeDegrees"))
            elif tag == "AltitudeMeters":
                alt = float_of(child.text)
            elif tag == "DistanceMeters":
                dist = float_of(child.text)
            elif tag == "HeartRateBpm":
                hr = float_of(text_of(child, "Value"))
            elif tag == "Cadence":
                cad = float_of(child.text)
            elif tag == "Extensions":
                for sub in child.iter():
                    stag = sub.tag
                    if stag == "Speed":
                        speed = float_of(sub.text)
                    elif stag == "RunCadence":
                        run_cad = float_of(sub.text)
                    elif stag == "Watts":
                        watts = float_of(sub.text)
        self.time.append(time)
        self.lap.append(lap_index)
        self.latitude.append(lat)
        self.longitude.append(lon)
        self.altitude.append(alt)
        self.distance.append(dist)
        self.heart_rate.append(hr)
        self.cadence.append(cad)
        self.run_cadence.append(run_cad)
        self.speed.append(speed)
        self.power.append(watts)


def _weighted(values: list[float], weights: list[float]) -> float:
    """Mean of ``values`` weighted by ``weights`` (lap timer times) where both are known.

    Without any usable weight, the plain mean of the known values.
    """
    v = np.asarray(values, dtype=float)
    w = np.asarray(weights, dtype=float)
    ok = np.isfinite(v) & np.isfinite(w) & (w > 0)
    if ok.any():
        return float(np.average(v[ok], weights=w[ok]))
    finite = v[np.isfinite(v)]
    return float(finite.mean()) if finite.size else math.nan


def _nansum(values: list[float]) -> float:
    arr = np.asarray(values, dtype=float)
    return float(np.nansum(arr)) if np.isfinite(arr).any() else math.nan


def _nanmax(values: list[float]) -> float:
    arr = np.asarray(values, dtype=float)
    return float(np.nanmax(arr)) if np.isfinite(arr).any() else math.nan


def _device(activity: Element) -> Device:
    creator = activity.find("Creator")
    if creator is None:
        return Device()
    version = None
    major = text_of(creator, "Version/VersionMajor")
    if major is not None:
        minor = text_of(creator, "Version/VersionMinor") or "0"
        version = f"{major}.{minor}"
    unit = text_of(creator, "UnitId") or text_of(creator, "UnitID")
    return Device(
        product=text_of(creator, "Name"),
        serial_number=unit if unit not in (None, "0") else None,
        software_version=version,
    )


def _read_activity(
    element: Element, index: int, path: str, sha: str, author: str | None
) -> Activity | None:
    sport = normalize_sport(element.get("Sport"))
    warnings: list[str] = []
    laps = element.findall("Lap")
    points = _Points()
    for lap_index, lap in enumerate(laps):
        for track in lap.findall("Track"):
            for tp in track.findall("Trackpoint"):
                points.add(tp, lap_index)
    if not laps and not points.time:
        return None

    lap_raw = [_lap_fields(lap) for lap in laps]
    lap_start, _, _ = parse_times([r.get("StartTime") for r in lap_raw])

    # Cadence unit decision, per element kind (see the module docstring).
    run_cad = np.asarray(points.run_cadence, dtype=float)
    core_cad = np.asarray(points.cadence, dtype=float)
    lap_run = [float_of(r.get("AvgRunCadence")) for r in lap_raw]
    lap_core = [float_of(r.get("Cadence")) for r in lap_raw]
    run_factor = steps_per_cycle(run_cad if np.isfinite(run_cad).any() else lap_run)
    foot = sport in FOOT_SPORTS
    core_factor = steps_per_cycle(core_cad if np.isfinite(core_cad).any() else lap_core)
    core_factor = core_factor if foot else 1.0
    cadence_in_file: dict[str, str] = {}
    if np.isfinite(run_cad).any() or np.isfinite(lap_run).any():
        cadence_in_file["RunCadence"] = _cadence_label(run_factor)
    if np.isfinite(core_cad).any() or np.isfinite(lap_core).any():
        cadence_in_file["Cadence"] = (
            _cadence_label(core_factor) if foot else "kept as recorded (rpm or strokes/min)"
        )

    # Streams.
    times, n_missing, n_invalid = parse_times(points.time)
    raw = pd.DataFrame(
        {
            "timestamp": times,
            "distance": points.distance,
            "speed": points.speed,
            "cadence": np.where(np.isfinite(run_cad), run_cad * run_factor, core_cad * core_factor),
            "heart_rate": points.heart_rate,
            "altitude": points.altitude,
            "latitude": points.latitude,
            "longitude": points.longitude,
            "power": points.power,
        }
    )
    lap_of_point = pd.Series(points.lap, dtype="int64")
    if n_missing:
        warnings.append(f"{n_missing} track points had no time and were dropped")
    if n_invalid:
        warnings.append(f"{n_invalid} track points had an unreadable time and were dropped")
    keep = raw["timestamp"].notna()
    raw = raw[keep].reset_index(drop=True)
    lap_of_point = lap_of_point[keep].reset_index(drop=True)

    start_time = lap_start.dropna().min() if lap_start.notna().any() else None
    if start_time is None and len(raw):
        start_time = raw["timestamp"].min()
    if start_time is None:
        start_time = parse_times([text_of(element, "Id")])[0].iloc[0]
    if start_time is None or pd.isna(start_time):
        return None
    streams, stream_warnings = finalize_streams(raw, start_time, sport)
    warnings.extend(stream_warnings)
    if streams.empty:
        warnings.append("no timed track points: only the laps were imported")
    streams = streams.reindex(columns=["time", "timestamp", *_STREAM_COLUMNS, "gps_spike"]).astype(
        {c: "float64" for c in ("time", *_STREAM_COLUMNS)}
    )
    streams["gps_spike"] = streams["gps_spike"].fillna(False).astype(bool)

    # Laps.
    lap_end = raw["timestamp"].groupby(lap_of_point).max() if len(raw) else pd.Series()
    rows: list[dict[str, Any]] = []
    for i, fields in enumerate(lap_raw):
        start = lap_start.iloc[i]
        timer = float_of(fields.get("TotalTimeSeconds"))
        next_start = lap_start.iloc[i + 1] if i + 1 < len(lap_raw) else pd.NaT
        if i in lap_end.index:
            end = lap_end.loc[i]
            if pd.notna(next_start) and next_start < end:
                end = next_start  # a writer repeated later points in this lap (Coros)
        elif pd.notna(start) and math.isfinite(timer):
            end = start + pd.Timedelta(seconds=timer)
        else:
            end = pd.NaT
        elapsed = (end - start).total_seconds() if pd.notna(start) and pd.notna(end) else math.nan
        avg_run = float_of(fields.get("AvgRunCadence"))
        max_run = float_of(fields.get("MaxRunCadence"))
        avg_cad = (
            avg_run * run_factor
            if math.isfinite(avg_run)
            else float_of(fields.get("Cadence")) * core_factor
        )
        max_cad = (
            max_run * run_factor
            if math.isfinite(max_run)
            else float_of(fields.get("MaxBikeCadence"))
        )
        intensity = fields.get("Intensity")
        trigger = fields.get("TriggerMethod")
        rows.append(
            {
                "start_time": start,
                "end_time": end,
                "elapsed_time": elapsed,
                "timer_time": timer,
                "moving_time": math.nan,
                "distance": float_of(fields.get("DistanceMeters")),
                "avg_speed": float_of(fields.get("AvgSpeed")),
                "max_speed": float_of(fields.get("MaximumSpeed")),
                "avg_cadence": avg_cad,
                "max_cadence": max_cad,
                "avg_heart_rate": float_of(fields.get("AverageHeartRateBpm")),
                "max_heart_rate": float_of(fields.get("MaximumHeartRateBpm")),
                "avg_power": float_of(fields.get("AvgWatts")),
                "calories": float_of(fields.get("Calories")),
                "intensity": _INTENSITY.get(intensity.lower(), intensity.lower())
                if intensity
                else None,
                "trigger": _TRIGGER.get(trigger.lower(), trigger.lower()) if trigger else None,
                "sport": sport,
                "raw": fields,
            }
        )
    laps_frame = pd.DataFrame(rows).reindex(columns=[*SUMMARY, "raw"])
    if not rows:
        laps_frame = empty_frame(SUMMARY).assign(raw=pd.Series(dtype="object"))

    # Session summary from the laps.
    def col(name: str) -> list[float]:
        return [float(r[name]) for r in rows]

    timer_times = col("timer_time")
    summary: dict[str, Any] = {"start_time": start_time, "sport": sport}
    if len(streams):
        first, last = streams["timestamp"].iloc[0], streams["timestamp"].iloc[-1]
        summary["end_time"] = last
        summary["elapsed_time"] = (last - first).total_seconds()
    values = {
        "timer_time": _nansum(timer_times),
        "distance": _nansum(col("distance")),
        "calories": _nansum(col("calories")),
        "max_speed": _nanmax(col("max_speed")),
        "max_heart_rate": _nanmax(col("max_heart_rate")),
        "max_cadence": _nanmax(col("max_cadence")),
        "avg_speed": _weighted(col("avg_speed"), timer_times),
        "avg_heart_rate": _weighted(col("avg_heart_rate"), timer_times),
        "avg_cadence": _weighted(col("avg_cadence"), timer_times),
        "avg_power": _weighted(col("avg_power"), timer_times),
    }
    summary.update({k: v for k, v in values.items() if math.isfinite(v)})
    if "end_time" not in summary and "timer_time" in summary:
        summary["end_time"] = start_time + pd.Timedelta(seconds=summary["timer_time"])
    id_text = text_of(element, "Id")
    notes = text_of(element, "Notes")
    device = _device(element)
    summary["raw"] = {
        "Id": id_text,
        "Notes": notes,
        "Creator": device.product,
        "Author": author,
        "Plan": text_of(element, "Training/Plan/Name"),
        "n_laps": len(laps),
        "n_trackpoints": len(points.time),
        "cadence_in_file": cadence_in_file,
    }

    return Activity(
        sport=sport,
        sub_sport=None,
        start_time=start_time,
        source=Source(path, sha, "tcx", index),
        streams=streams,
        laps=laps_frame,
        summary=summary,
        events=timer_events_from_laps(lap_start, timer_times, streams["timestamp"]),
        device=device,
        utc_offset_s=utc_offset_seconds(lap_raw[0].get("StartTime") if lap_raw else id_text),
        name=notes or id_text,
        warnings=tuple(warnings),
    )


def read_tcx(data: bytes, path: str) -> list[Activity]:
    """Read a TCX file into one canonical activity per ``<Activity>`` element.

    Parameters
    ----------
    data : bytes
        The file's content [bytes].
    path : str
        The file as the user named it, used in messages and ``Source.path`` [label].

    Returns
    -------
    list of Activity
        In file order; multisport sessions give one activity per sport section.
        Streams in SI units (cadence in steps/min for foot sports, see the
        module docstring), laps as recorded, summary totalled from the laps.

    Raises
    ------
    InputFileError
        Unsafe or malformed XML, a root other than ``TrainingCenterDatabase``,
        a course (planned route) or a file without any activity data.
    """
    root = parse_xml(data, path)
    if root.tag != "TrainingCenterDatabase":
        raise InputFileError(
            path,
            f"not a TCX file: the root element is <{root.tag}>, expected <TrainingCenterDatabase>",
        )
    elements = list(root.iter("Activity"))
    if not elements:
        if root.find("Courses/Course") is not None:
            raise InputFileError(
                path,
                "no activities: this TCX holds a course (a planned route), not a recorded "
                "activity; nothing to import",
            )
        raise InputFileError(path, "no activities: this TCX holds no <Activity>, nothing to import")
    sha = sha256_hex(data)
    author = text_of(root, "Author/Name")
    activities: list[Activity] = []
    skipped: list[int] = []
    for index, element in enumerate(elements):
        activity = _read_activity(element, index, path, sha, author)
        if activity is None:
            skipped.append(index)
        else:
            activities.append(activity)
    if not activities:
        raise InputFileError(
            path, "no track points or laps: the TCX activities are empty, nothing to import"
        )
    if skipped:
        note = f"activity sections {skipped} of the file held no laps or track points; skipped"
        activities = [_with_warning(a, note) for a in activities]
    return activities


def _with_warning(activity: Activity, note: str) -> Activity:
    return replace(activity, warnings=(*activity.warnings, note))
