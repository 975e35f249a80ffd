"""TCX reader: real corpus files against their own recorded values, planted synthetic files."""

from __future__ import annotations

import math
import time
import xml.etree.ElementTree as ET
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from corpus_reading import ABSENT, CORPUS, corpus_file, corpus_reader

from runform.core.summary import compute_totals
from runform.errors import InputFileError
from runform.io.tcx import read_tcx
from runform.schema import EVENTS, SUMMARY, Activity, empty_frame

TCX_FILES = sorted(CORPUS.glob("*/*.tcx")) if CORPUS.is_dir() else []


read_corpus, read_ok = corpus_reader(read_tcx)


def local(tag: str) -> str:
    return tag.rpartition("}")[2]


def file_activities(path: Path) -> list[ET.Element]:
    """The file's own <Activity> elements, read with the standard library (independent truth)."""
    root = ET.parse(path).getroot()
    return [el for el in root.iter() if local(el.tag) == "Activity"]


def children(element: ET.Element, name: str) -> list[ET.Element]:
    return [c for c in element if local(c.tag) == name]


def descendants(element: ET.Element, name: str) -> list[ET.Element]:
    return [c for c in element.iter() if local(c.tag) == name]


# --------------------------------------------------------------------------- corpus


@pytest.mark.parametrize(
    "path",
    [pytest.param(p, id=f"{p.parent.name}/{p.name}") for p in TCX_FILES]
    or [pytest.param(None, marks=pytest.mark.skip(reason=ABSENT))],
)
def test_every_corpus_tcx_reads_or_raises_input_file_error(path: Path) -> None:
    result = read_corpus(path)
    if isinstance(result, InputFileError):
        assert result.path == str(path)
        return
    assert result
    for index, activity in enumerate(result):
        assert activity.source.format == "tcx"
        assert activity.source.path == str(path)
        assert activity.source.session_index == index
        assert str(activity.streams["timestamp"].dt.tz) == "UTC"
        assert activity.streams["timestamp"].is_monotonic_increasing
        assert not activity.streams["timestamp"].duplicated().any()
        assert set(SUMMARY) <= set(activity.laps.columns)


@pytest.mark.parametrize(
    "path",
    [pytest.param(p, id=f"{p.parent.name}/{p.name}") for p in TCX_FILES]
    or [pytest.param(None, marks=pytest.mark.skip(reason=ABSENT))],
)
def test_lap_distances_match_the_file(path: Path) -> None:
    result = read_corpus(path)
    if isinstance(result, InputFileError):
        pytest.skip(f"not readable: {result.problem}")
    elements = file_activities(path)
    assert len(result) == len(elements)
    for activity, element in zip(result, elements, strict=True):
        laps = children(element, "Lap")
        recorded = [float(children(lap, "DistanceMeters")[0].text or "nan") for lap in laps]
        assert activity.laps["distance"].tolist() == pytest.approx(recorded)
        lap_total = sum(recorded)
        assert activity.summary["distance"] == pytest.approx(lap_total)
        distances = activity.streams["distance"].dropna()
        if distances.empty:
            continue
        assert distances.iloc[-1] == pytest.approx(lap_total, rel=0.01, abs=1.0)


def test_multisport_file_gives_one_activity_per_sport_section() -> None:
    path = corpus_file("goldencheetah/activity_165850259_multi-session.tcx")
    result = read_ok(path)
    elements = file_activities(path)
    expected_sport = {"Running": "running", "Biking": "cycling"}
    assert [a.sport for a in result] == [expected_sport[e.get("Sport", "")] for e in elements]
    assert [a.source.session_index for a in result] == [0, 1, 2, 3]
    for activity, element in zip(result, elements, strict=True):
        lap_start = children(element, "Lap")[0].get("StartTime", "")
        assert activity.start_time == pd.Timestamp(lap_start)
        timer = float(children(children(element, "Lap")[0], "TotalTimeSeconds")[0].text or "")
        assert activity.summary["timer_time"] == pytest.approx(timer)
        assert activity.device.product == "Forerunner305 (Unit ID 3815748186)"


def test_malformed_tcx_gives_a_clean_error() -> None:
    path = corpus_file("runpandas/malformed.tcx")
    with pytest.raises(InputFileError) as info:
        read_tcx(path.read_bytes(), str(path))
    assert info.value.problem.startswith("not valid XML: unbound prefix (line 4653,")


def test_course_tcx_is_refused_as_a_route() -> None:
    path = corpus_file("heartandsole/course.tcx")
    with pytest.raises(InputFileError, match="course"):
        read_tcx(path.read_bytes(), str(path))


def fit_records(path: Path) -> tuple[np.ndarray, dict[str, float]]:
    """FIT record cadence and session values, decoded with fitdecode (independent truth)."""
    fitdecode = pytest.importorskip("fitdecode")
    cadence: list[float] = []
    session: dict[str, float] = {}
    with fitdecode.FitReader(str(path)) as reader:
        for frame in reader:
            if not isinstance(frame, fitdecode.FitDataMessage):
                continue
            if frame.name == "record":
                value = frame.get_value("cadence", fallback=None)
                cadence.append(math.nan if value is None else float(value))
            elif frame.name == "session":
                for key in ("avg_running_cadence", "total_strides", "total_timer_time"):
                    session[key] = float(frame.get_value(key))
    return np.asarray(cadence), session


def test_garmin_run_cadence_is_doubled_like_fit() -> None:
    """TCX RunCadence equals FIT record.cadence (strides/min); both x2 give steps/min."""
    tcx = corpus_file("heartandsole/activity_4426508309.tcx")
    fit_cadence, session = fit_records(corpus_file("heartandsole/4426508309.fit"))
    (activity,) = read_ok(tcx)
    ours = activity.streams["cadence"].to_numpy()
    assert np.nanmean(ours) == pytest.approx(2 * np.nanmean(fit_cadence), abs=2.0)
    # The lap's AvgRunCadence doubled equals FIT's session average doubled.
    assert activity.summary["avg_cadence"] == pytest.approx(2 * session["avg_running_cadence"])
    assert activity.summary["raw"]["cadence_in_file"] == {"RunCadence": "strides/min (doubled)"}


def test_polar_core_cadence_on_a_run_is_doubled() -> None:
    path = corpus_file("sweatpy/3173437224.tcx")
    (activity,) = read_ok(path)
    element = file_activities(path)[0]
    recorded = [
        float(c.text or "nan")
        for tp in descendants(element, "Trackpoint")
        for c in children(tp, "Cadence")
    ]
    assert len(activity.streams) == len(recorded)  # no duplicates or missing times here
    assert activity.streams["cadence"].tolist() == pytest.approx([2 * v for v in recorded])
    lap_cadence = [
        float(children(lap, "Cadence")[0].text or "") for lap in children(element, "Lap")
    ]
    assert activity.laps["avg_cadence"].tolist() == pytest.approx([2 * v for v in lap_cadence])
    assert activity.device.product == "Polar M400"  # Creator/Name, not Training/Plan/Name


def test_lap_only_cadence_and_local_offset() -> None:
    path = corpus_file("heartandsole/20190425_110505_Running.tcx")
    (activity,) = read_ok(path)
    assert activity.laps["avg_cadence"].tolist() == [156.0]  # <Cadence>78</Cadence> x 2
    assert activity.utc_offset_s == -6 * 3600
    assert activity.start_time == pd.Timestamp("2019-04-25T17:05:05Z")


def test_bike_cadence_is_kept_in_rpm() -> None:
    path = corpus_file("goldencheetah/2010-04-05-21-45-04.tcx")
    (activity,) = read_ok(path)
    assert activity.sport == "cycling"
    recorded = [
        float(c.text or "nan")
        for tp in descendants(file_activities(path)[0], "Trackpoint")
        for c in children(tp, "Cadence")
    ]
    assert np.nanmean(activity.streams["cadence"]) == pytest.approx(np.mean(recorded), rel=0.01)


# --------------------------------------------------------------------------- synthetic

NS = (
    'xmlns="http://www.garmin.com/xmlschemas/TrainingCenterDatabase/v2" '
    'xmlns:ns3="http://www.garmin.com/xmlschemas/ActivityExtension/v2"'
)


def trackpoint(
    time: str | None,
    lat: float | None = None,
    lon: float | None = None,
    alt: float | None = None,
    dist: float | None = None,
    hr: int | None = None,
    run_cadence: int | None = None,
    speed: float | None = None,
    watts: int | None = None,
    prefix: str = "ns3:",
) -> str:
    parts = ["<Trackpoint>"]
    if time is not None:
        parts.append(f"<Time>{time}</Time>")
    if lat is not None:
        parts.append(
            f"<Position><LatitudeDegrees>{lat}</LatitudeDegrees>"
            f"<LongitudeDegrees>{lon}</LongitudeDegrees></Position>"
        )
    if alt is not None:
        parts.append(f"<AltitudeMeters>{alt}</AltitudeMeters>")
    if dist is not None:
        parts.append(f"<DistanceMeters>{dist}</DistanceMeters>")
    if hr is not None:
        parts.append(f"<HeartRateBpm><Value>{hr}</Value></HeartRateBpm>")
    ext = ""
    if speed is not None:
        ext += f"<{prefix}Speed>{speed}</{prefix}Speed>"
    if run_cadence is not None:
        ext += f"<{prefix}RunCadence>{run_cadence}</{prefix}RunCadence>"
    if watts is not None:
        ext += f"<{prefix}Watts>{watts}</{prefix}Watts>"
    if ext:
        parts.append(f"<Extensions><{prefix}TPX>{ext}</{prefix}TPX></Extensions>")
    parts.append("</Trackpoint>")
    return "".join(parts)


def tcx(activities: str, ns: str = NS) -> bytes:
    return (
        f'<?xml version="1.0" encoding="UTF-8"?>\n<TrainingCenterDatabase {ns}>'
        f"<Activities>{activities}</Activities></TrainingCenterDatabase>"
    ).encode()


def lap(start: str, points: str, fields: str) -> str:
    return f'<Lap StartTime="{start}">{fields}<Track>{points}</Track></Lap>'


PLANTED_FIELDS_1 = (
    "<TotalTimeSeconds>2.0</TotalTimeSeconds><DistanceMeters>7.0</DistanceMeters>"
    "<MaximumSpeed>3.6</MaximumSpeed><Calories>5</Calories>"
    "<AverageHeartRateBpm><Value>150</Value></AverageHeartRateBpm>"
    "<MaximumHeartRateBpm><Value>152</Value></MaximumHeartRateBpm>"
    "<Intensity>Active</Intensity><TriggerMethod>Location</TriggerMethod>"
    "<Extensions><ns3:LX><ns3:AvgSpeed>3.5</ns3:AvgSpeed>"
    "<ns3:AvgRunCadence>85</ns3:AvgRunCadence><ns3:MaxRunCadence>90</ns3:MaxRunCadence>"
    "<ns3:AvgWatts>250</ns3:AvgWatts></ns3:LX></Extensions>"
)
PLANTED_FIELDS_2 = (
    "<TotalTimeSeconds>6.0</TotalTimeSeconds><DistanceMeters>3.0</DistanceMeters>"
    "<Calories>2</Calories>"
    "<AverageHeartRateBpm><Value>110</Value></AverageHeartRateBpm>"
    "<MaximumHeartRateBpm><Value>120</Value></MaximumHeartRateBpm>"
    "<Intensity>Resting</Intensity><TriggerMethod>Manual</TriggerMethod>"
    "<Extensions><ns3:LX><ns3:AvgRunCadence>75</ns3:AvgRunCadence></ns3:LX></Extensions>"
)


def planted_run() -> bytes:
    lap1 = lap(
        "2024-03-10T08:00:00Z",
        trackpoint("2024-03-10T08:00:00Z", 48.1, 11.5, 520.0, 0.0, 148, 84, 3.4, 240)
        + trackpoint("2024-03-10T08:00:01.500Z", 48.10002, 11.5, 520.5, 3.5, 150, 85, 3.5, 250)
        + trackpoint("2024-03-10T09:00:02+01:00", 48.10004, 11.5, 521.0, 7.0, 152, 86, 3.6, 260),
        PLANTED_FIELDS_1,
    )
    lap2 = lap(
        "2024-03-10T08:00:03Z",
        trackpoint("2024-03-10T08:00:03Z", 48.10005, 11.5, 521.0, 8.0, 112, 75, 1.0)
        + trackpoint("2024-03-10T08:00:09Z", 48.10006, 11.5, 521.0, 10.0, 108, 75, 0.3),
        PLANTED_FIELDS_2,
    )
    creator = (
        '<Creator xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xsi:type="Device_t">'
        "<Name>Forerunner 965</Name><UnitId>3999999999</UnitId><ProductID>4315</ProductID>"
        "<Version><VersionMajor>19</VersionMajor><VersionMinor>18</VersionMinor></Version>"
        "</Creator>"
    )
    body = (
        '<Activity Sport="Running"><Id>2024-03-10T08:00:00Z</Id>'
        f"{lap1}{lap2}<Notes>Sunday long run</Notes>{creator}</Activity>"
    )
    return tcx(body)


def test_planted_values_come_back_in_si_units() -> None:
    data = planted_run()
    (activity,) = read_tcx(data, "planted.tcx")
    s = activity.streams
    assert activity.sport == "running"
    assert activity.name == "Sunday long run"
    assert activity.device.product == "Forerunner 965"
    assert activity.device.serial_number == "3999999999"
    assert activity.device.software_version == "19.18"
    assert activity.start_time == pd.Timestamp("2024-03-10T08:00:00Z")
    assert s["time"].tolist() == [0.0, 1.5, 2.0, 3.0, 9.0]
    assert s["heart_rate"].tolist() == [148, 150, 152, 112, 108]
    assert s["cadence"].tolist() == [168, 170, 172, 150, 150]  # RunCadence strides/min x 2
    assert s["speed"].tolist() == [3.4, 3.5, 3.6, 1.0, 0.3]
    assert s["power"].tolist()[:3] == [240, 250, 260]
    assert math.isnan(s["power"].iloc[3])
    assert s["distance"].tolist() == [0.0, 3.5, 7.0, 8.0, 10.0]
    assert s["altitude"].tolist() == [520.0, 520.5, 521.0, 521.0, 521.0]
    assert s["latitude"].tolist() == [48.1, 48.10002, 48.10004, 48.10005, 48.10006]
    assert not s["gps_spike"].any()

    laps = activity.laps
    assert laps["timer_time"].tolist() == [2.0, 6.0]
    assert laps["distance"].tolist() == [7.0, 3.0]
    assert laps["avg_cadence"].tolist() == [170.0, 150.0]
    assert laps["max_cadence"].tolist()[0] == 180.0
    assert laps["avg_speed"].tolist()[0] == 3.5
    assert laps["max_speed"].tolist()[0] == 3.6
    assert laps["avg_power"].tolist()[0] == 250.0
    assert laps["avg_heart_rate"].tolist() == [150.0, 110.0]
    assert laps["intensity"].tolist() == ["active", "rest"]
    assert laps["trigger"].tolist() == ["position", "manual"]
    assert laps["raw"].iloc[0]["AvgRunCadence"] == "85"
    assert laps["end_time"].iloc[0] == pd.Timestamp("2024-03-10T08:00:02Z")

    summary = activity.summary
    assert summary["timer_time"] == 8.0
    assert summary["distance"] == 10.0
    assert summary["calories"] == 7.0
    assert summary["elapsed_time"] == 9.0
    assert summary["max_heart_rate"] == 152.0
    assert summary["avg_heart_rate"] == pytest.approx((150 * 2 + 110 * 6) / 8)
    assert activity.source.sha256 and len(activity.source.sha256) == 64
    assert activity.warnings == ()


def test_no_namespace_and_other_prefixes_read_the_same() -> None:
    body = (
        '<Activity Sport="Running"><Id>2024-03-10T08:00:00Z</Id>'
        + lap(
            "2024-03-10T08:00:00Z",
            trackpoint("2024-03-10T08:00:00Z", hr=140, run_cadence=80, prefix="ax2:"),
            "<TotalTimeSeconds>1</TotalTimeSeconds><DistanceMeters>2</DistanceMeters>",
        )
        + "</Activity>"
    )
    with_prefix = tcx(body, ns='xmlns:ax2="http://www.garmin.com/xmlschemas/ActivityExtension/v2"')
    no_ns = tcx(body.replace("ax2:", ""), ns="")
    for data in (with_prefix, no_ns):
        (activity,) = read_tcx(data, "x.tcx")
        assert activity.streams["heart_rate"].tolist() == [140.0]
        assert activity.streams["cadence"].tolist() == [160.0]


def test_backwards_and_duplicated_timestamps_are_ordered_with_warnings() -> None:
    points = (
        trackpoint("2024-03-10T08:00:00Z", hr=100)
        + trackpoint("2024-03-10T08:00:02Z", hr=102)
        + trackpoint("2024-03-10T08:00:01Z", hr=101)  # backwards
        + trackpoint("2024-03-10T08:00:02Z", hr=199)  # duplicate of an earlier time
        + trackpoint("2024-03-10T08:00:03Z", hr=103)
        + trackpoint(None, hr=250)  # no time: dropped
    )
    body = (
        '<Activity Sport="Running"><Id>2024-03-10T08:00:00Z</Id>'
        + lap("2024-03-10T08:00:00Z", points, "<TotalTimeSeconds>3</TotalTimeSeconds>")
        + "</Activity>"
    )
    (activity,) = read_tcx(tcx(body), "x.tcx")
    s = activity.streams
    assert s["time"].tolist() == [0.0, 1.0, 2.0, 3.0]
    assert s["heart_rate"].tolist() == [100.0, 101.0, 102.0, 103.0]
    warnings = " | ".join(activity.warnings)
    assert "backwards" in warnings
    assert "repeated an earlier timestamp" in warnings
    assert "1 track points had no time and were dropped" in warnings


def test_wrong_root_and_empty_database() -> None:
    with pytest.raises(InputFileError, match="not a TCX file"):
        read_tcx(b'<gpx version="1.1"/>', "x.tcx")
    with pytest.raises(InputFileError, match="no activities"):
        read_tcx(tcx(""), "x.tcx")
    with pytest.raises(InputFileError, match="empty file"):
        read_tcx(b"", "x.tcx")
    with pytest.raises(InputFileError, match="XML bomb"):
        read_tcx(b'<!DOCTYPE x [<!ENTITY a "b">]><TrainingCenterDatabase/>', "x.tcx")


def test_large_file_parses_quickly() -> None:
    start = pd.Timestamp("2024-03-10T08:00:00Z")
    n = 12_000
    points = "".join(
        trackpoint(
            (start + pd.Timedelta(seconds=i)).strftime("%Y-%m-%dT%H:%M:%SZ"),
            48.1 + i * 3e-5,
            11.5,
            500.0,
            i * 3.3,
            150,
            85,
            3.3,
        )
        for i in range(n)
    )
    body = (
        '<Activity Sport="Running"><Id>2024-03-10T08:00:00Z</Id>'
        + lap("2024-03-10T08:00:00Z", points, f"<TotalTimeSeconds>{n}</TotalTimeSeconds>")
        + "</Activity>"
    )
    data = tcx(body)
    t0 = time.perf_counter()
    (activity,) = read_tcx(data, "big.tcx")
    elapsed = time.perf_counter() - t0
    assert len(activity.streams) == n
    assert elapsed < 5.0, f"{n} trackpoints took {elapsed:.2f} s"


# ------------------------------------------------------------ timer events from the laps

T0 = pd.Timestamp("2024-03-10T08:00:00Z")


def at(seconds: float) -> str:
    return (T0 + pd.Timedelta(seconds=seconds)).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def timed_lap(start_s: float, point_s: list[float], total_time_s: float | None) -> str:
    points = "".join(trackpoint(at(x), dist=3.0 * x, hr=150) for x in point_s)
    fields = "" if total_time_s is None else f"<TotalTimeSeconds>{total_time_s}</TotalTimeSeconds>"
    return lap(at(start_s), points, fields)


def run_of(*laps: str) -> Activity:
    body = f'<Activity Sport="Running"><Id>{at(0)}</Id>{"".join(laps)}</Activity>'
    (activity,) = read_tcx(tcx(body), "laps.tcx")
    return activity


def every(step: float, lo: float, hi: float) -> list[float]:
    return np.arange(lo, hi + step / 2, step).tolist()


def timer_events(activity: Activity) -> list[tuple[float, str]]:
    ev = activity.events
    ev = ev[ev["event"] == "timer"]
    return [
        ((ts - T0).total_seconds(), kind)
        for ts, kind in zip(ev["timestamp"], ev["event_type"], strict=True)
    ]


def test_a_lap_pause_becomes_a_stop_start_pair_in_its_gap() -> None:
    # Lap 1 spans 400 s (to lap 2's start) with TotalTimeSeconds 340: 60 s paused. Its
    # records stop at 150 s and resume at 210 s (the 60-s gap); a 12-s smart-recording gap
    # at 300-312 s is timed. Lap 2 (400-700 s) has a timed 15-s gap and no pause.
    lap1 = timed_lap(0, [*every(5, 0, 150), *every(5, 210, 300), *every(4, 312, 396)], 340)
    lap2 = timed_lap(400, [*every(5, 400, 500), *every(5, 515, 700)], 300)
    activity = run_of(lap1, lap2)
    assert timer_events(activity) == [
        (0.0, "start"),
        (150.0, "stop_all"),
        (210.0, "start"),
        (700.0, "stop_all"),
    ]
    totals = compute_totals(activity.streams, activity.events)
    assert totals.timer_time_s == pytest.approx(340.0 + 300.0)
    # Without the events the gap rule would also drop the two timed gaps (12 s + 15 s).
    gap_rule = compute_totals(activity.streams, empty_frame(EVENTS))
    assert gap_rule.timer_time_s == pytest.approx(640.0 - 12.0 - 15.0)


def test_a_lap_without_pause_gives_no_stop_events() -> None:
    # Span 600 s = TotalTimeSeconds 600; a 20-s gap is a timed gap, not a pause.
    activity = run_of(timed_lap(0, [*every(5, 0, 300), *every(5, 320, 600)], 600))
    assert timer_events(activity) == [(0.0, "start"), (600.0, "stop_all")]
    assert compute_totals(activity.streams, activity.events).timer_time_s == pytest.approx(600.0)


def test_a_pause_within_rounding_gives_no_stop_events() -> None:
    # Span 300 s for TotalTimeSeconds 299.2: 0.8 s is whole-second rounding, not a pause.
    activity = run_of(
        timed_lap(0, every(5, 0, 200), 199.2), timed_lap(200, every(5, 200, 300), 100)
    )
    assert [kind for _, kind in timer_events(activity)] == ["start", "stop_all"]


def test_a_pause_longer_than_the_longest_gap_fills_the_next_one() -> None:
    # Span 300 s, TotalTimeSeconds 200: 100 s of pause; gaps of 60 s (100-160) and 50 s
    # (200-250). The 60-s gap is all pause, the last 40 s of the 50-s gap the rest.
    points = [*every(5, 0, 100), *every(5, 160, 200), *every(5, 250, 300)]
    activity = run_of(timed_lap(0, points, 200))
    assert timer_events(activity) == [
        (0.0, "start"),
        (100.0, "stop_all"),
        (160.0, "start"),
        (210.0, "stop_all"),
        (250.0, "start"),
        (300.0, "stop_all"),
    ]
    assert compute_totals(activity.streams, activity.events).timer_time_s == pytest.approx(200.0)


def test_the_timer_runs_past_the_last_point_when_the_last_lap_says_so() -> None:
    # The last lap's TotalTimeSeconds (130 s from 100 s) ends 10 s after the last point.
    activity = run_of(timed_lap(0, every(5, 0, 95), 100), timed_lap(100, every(5, 100, 220), 130))
    assert timer_events(activity)[-1] == (230.0, "stop_all")
    assert compute_totals(activity.streams, activity.events).timer_time_s == pytest.approx(230.0)


def test_a_lap_without_timer_time_gives_no_events() -> None:
    activity = run_of(timed_lap(0, every(5, 0, 100), 100), timed_lap(100, every(5, 100, 200), None))
    assert activity.events.empty


def fit_timer_pauses(path: Path) -> list[tuple[pd.Timestamp, pd.Timestamp]]:
    """(stop, restart) of every FIT timer pause, decoded with fitdecode (independent truth)."""
    fitdecode = pytest.importorskip("fitdecode")
    pauses: list[tuple[pd.Timestamp, pd.Timestamp]] = []
    stopped: pd.Timestamp | None = None
    with fitdecode.FitReader(str(path)) as reader:
        for frame in reader:
            if not isinstance(frame, fitdecode.FitDataMessage) or frame.name != "event":
                continue
            if frame.get_value("event", fallback=None) != "timer":
                continue
            kind = frame.get_value("event_type", fallback=None)
            ts = pd.Timestamp(frame.get_value("timestamp"))
            if kind in ("stop", "stop_all"):
                stopped = ts
            elif kind == "start" and stopped is not None:
                pauses.append((stopped, ts))
                stopped = None
    return pauses


def test_pauses_derived_from_the_laps_match_the_fit_of_the_same_run() -> None:
    # heartandsole/activity.tcx and activity.fit are one Forerunner 220 run; the FIT keeps the
    # timer events the TCX lost. Every pause longer than 5 s lies where the FIT has it.
    (activity,) = read_ok(corpus_file("heartandsole/activity.tcx"))
    fit = fit_timer_pauses(corpus_file("heartandsole/activity.fit"))
    ev = activity.events
    stops = ev.loc[ev["event_type"] == "stop_all", "timestamp"].tolist()[:-1]
    starts = ev.loc[ev["event_type"] == "start", "timestamp"].tolist()[1:]
    ours = [(a, b) for a, b in zip(stops, starts, strict=True) if (b - a).total_seconds() > 5]
    assert len(fit) == 2 and len(ours) == len(fit)
    for (a, b), (fa, fb) in zip(ours, fit, strict=True):
        assert abs((a - fa).total_seconds()) <= 1.0
        assert abs((b - fb).total_seconds()) <= 1.0
