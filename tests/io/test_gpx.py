"""GPX reader: real corpus files against recorded truth, planted synthetic tracks."""

from __future__ import annotations

import math
import time
import xml.etree.ElementTree as ET
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from corpus_reading import ABSENT, CORPUS, corpus_file, corpus_reader

from runform.errors import InputFileError
from runform.io.gpx import read_gpx
from runform.io.tcx import read_tcx

GPX_FILES = sorted(CORPUS.glob("*/*.gpx")) if CORPUS.is_dir() else []


EARTH_RADIUS_M = 6_371_008.8  # IUGG mean radius R1, the radius runform's haversine uses
METRES_PER_DEGREE = EARTH_RADIUS_M * math.pi / 180  # arc length of 1 degree of latitude


read_corpus, read_ok = corpus_reader(read_gpx)


def problem(data: bytes) -> str:
    with pytest.raises(InputFileError) as info:
        read_gpx(data, "x.gpx")
    assert info.value.path == "x.gpx"
    return info.value.problem


# --------------------------------------------------------------------------- corpus


@pytest.mark.parametrize(
    "path",
    [pytest.param(p, id=f"{p.parent.name}/{p.name}") for p in GPX_FILES]
    or [pytest.param(None, marks=pytest.mark.skip(reason=ABSENT))],
)
def test_every_corpus_gpx_reads_or_raises_input_file_error(path: Path) -> None:
    result = read_corpus(path)
    if isinstance(result, InputFileError):
        assert result.path == str(path)
        return
    assert result
    for activity in result:
        s = activity.streams
        assert activity.source.format == "gpx"
        assert str(s["timestamp"].dt.tz) == "UTC"
        assert s["timestamp"].is_monotonic_increasing
        assert (s["distance"].diff().dropna() >= 0).all()
        assert activity.summary["distance"] == s["distance"].iloc[-1]


def fit_cadence(path: Path) -> np.ndarray:
    """FIT record.cadence decoded with fitdecode (independent truth)."""
    fitdecode = pytest.importorskip("fitdecode")
    values: list[float] = []
    with fitdecode.FitReader(str(path)) as reader:
        for frame in reader:
            if isinstance(frame, fitdecode.FitDataMessage) and frame.name == "record":
                value = frame.get_value("cadence", fallback=None)
                values.append(math.nan if value is None else float(value))
    return np.asarray(values)


def test_gpx_tcx_fit_triplet_agree_on_cadence() -> None:
    """Same run as GPX, TCX and FIT: average cadence within 2 steps/min of FIT cadence x 2."""
    gpx = corpus_file("heartandsole/activity_4426508309.gpx")
    tcx = corpus_file("heartandsole/activity_4426508309.tcx")
    truth = 2 * np.nanmean(fit_cadence(corpus_file("heartandsole/4426508309.fit")))
    (from_gpx,) = read_ok(gpx)
    (from_tcx,) = read_tcx(tcx.read_bytes(), str(tcx))
    assert from_gpx.sport == "running"
    assert np.nanmean(from_gpx.streams["cadence"]) == pytest.approx(truth, abs=2.0)
    assert np.nanmean(from_tcx.streams["cadence"]) == pytest.approx(truth, abs=2.0)
    assert from_gpx.summary["raw"]["cadence_in_file"] == {"cad": "strides/min (doubled)"}


@pytest.mark.parametrize(
    ("gpx_name", "tcx_name"),
    [
        ("heartandsole/activity_4426508309.gpx", "heartandsole/activity_4426508309.tcx"),
        ("runpandas/run.gpx", "runpandas/run.tcx"),
    ],
)
def test_derived_distance_agrees_with_the_device_within_1_percent(
    gpx_name: str, tcx_name: str
) -> None:
    gpx, tcx = corpus_file(gpx_name), corpus_file(tcx_name)
    (activity,) = read_ok(gpx)
    root = ET.parse(tcx).getroot()
    recorded = sum(
        float(d.text or "nan")
        for lap in root.iter("{http://www.garmin.com/xmlschemas/TrainingCenterDatabase/v2}Lap")
        for d in lap.findall(
            "{http://www.garmin.com/xmlschemas/TrainingCenterDatabase/v2}DistanceMeters"
        )
    )
    assert recorded > 1000
    assert activity.summary["distance"] == pytest.approx(recorded, rel=0.01)
    assert "derived" in activity.summary["raw"]["distance_source"]


def test_strava_gpx_sport_numbers_and_power() -> None:
    path = corpus_file("sweatpy/4078723797_strava.gpx")
    (activity,) = read_ok(path)
    assert activity.sport == "cycling"  # <type>1</type>
    root = ET.parse(path).getroot()
    power = [float(el.text or "nan") for el in root.iter() if el.tag.endswith("}power")]
    assert activity.streams["power"].tolist() == pytest.approx(power)
    cad = [float(el.text or "nan") for el in root.iter() if el.tag.endswith("}cad")]
    assert activity.streams["cadence"].tolist() == pytest.approx(cad)  # bike rpm kept
    assert activity.device.product == "StravaGPX"
    run = corpus_file("runpandas/stopped_example.gpx")
    assert read_ok(run)[0].sport == "running"  # <type>9</type>


def test_bom_file_is_parsed() -> None:
    path = corpus_file("gpxpy/unicode_with_bom.gpx")
    assert path.read_bytes().startswith(b"\xef\xbb\xbf")
    with pytest.raises(InputFileError) as info:
        read_gpx(path.read_bytes(), str(path))
    # Parsed fine: the complaint is about content (a waypoint only), not the XML.
    assert info.value.problem == "no track points: this GPX holds waypoints only; nothing to import"


@pytest.mark.parametrize(
    ("relative", "expected"),
    [
        ("heartandsole/rte.gpx", "no track points: this GPX holds a route"),
        ("goldencheetah/MetadataOnly.gpx", "no track points: this GPX holds metadata only"),
        ("goldencheetah/A_ride_mapped_on_11_22_2011.gpx", "no timestamps: the 9722 track points"),
    ],
)
def test_corpus_files_without_a_recording(relative: str, expected: str) -> None:
    path = corpus_file(relative)
    with pytest.raises(InputFileError) as info:
        read_gpx(path.read_bytes(), str(path))
    assert info.value.problem.startswith(expected)


# --------------------------------------------------------------------------- synthetic

GPX11 = (
    'xmlns="http://www.topografix.com/GPX/1/1" '
    'xmlns:gpxtpx="http://www.garmin.com/xmlschemas/TrackPointExtension/v2"'
)


def point(
    lat: float,
    lon: float,
    time: str | None,
    ele: float | None = None,
    ext: str = "",
) -> str:
    parts = [f'<trkpt lat="{lat}" lon="{lon}">']
    if ele is not None:
        parts.append(f"<ele>{ele}</ele>")
    if time is not None:
        parts.append(f"<time>{time}</time>")
    if ext:
        parts.append(f"<extensions>{ext}</extensions>")
    parts.append("</trkpt>")
    return "".join(parts)


def garmin(hr: int, cad: int, atemp: float | None = None, speed: float | None = None) -> str:
    inner = f"<gpxtpx:hr>{hr}</gpxtpx:hr><gpxtpx:cad>{cad}</gpxtpx:cad>"
    if atemp is not None:
        inner += f"<gpxtpx:atemp>{atemp}</gpxtpx:atemp>"
    if speed is not None:
        inner += f"<gpxtpx:speed>{speed}</gpxtpx:speed>"
    return f"<gpxtpx:TrackPointExtension>{inner}</gpxtpx:TrackPointExtension>"


def gpx(body: str, ns: str = GPX11, creator: str = "Garmin Connect") -> bytes:
    return (
        f'<?xml version="1.0" encoding="UTF-8"?>\n'
        f'<gpx version="1.1" creator="{creator}" {ns}>{body}</gpx>'
    ).encode()


def trk(*segments: str, type_: str | None = "running", name: str | None = "Easy run") -> str:
    head = (f"<name>{name}</name>" if name else "") + (f"<type>{type_}</type>" if type_ else "")
    return "<trk>" + head + "".join(f"<trkseg>{s}</trkseg>" for s in segments) + "</trk>"


def iso(seconds: float) -> str:
    return (pd.Timestamp("2024-05-01T06:00:00Z") + pd.Timedelta(seconds=seconds)).isoformat()


def test_planted_values_come_back_in_si_units() -> None:
    step = 0.00003  # degrees of latitude per second, about 3.34 m
    seg = "".join(
        point(45.0 + i * step, 7.0, iso(i), 300.0 + i, garmin(150 + i, 85, 12.5, 3.3))
        + ("<!-- comment between points -->" if i == 1 else "")
        for i in range(4)
    )
    data = gpx(trk(seg) + "<metadata><name>ignored: the track has a name</name></metadata>")
    (activity,) = read_gpx(data, "planted.gpx")
    s = activity.streams
    assert activity.sport == "running"
    assert activity.name == "Easy run"
    assert activity.device.product == "Garmin Connect"
    assert activity.start_time == pd.Timestamp("2024-05-01T06:00:00Z")
    assert s["time"].tolist() == [0.0, 1.0, 2.0, 3.0]
    assert s["heart_rate"].tolist() == [150, 151, 152, 153]
    assert s["cadence"].tolist() == [170, 170, 170, 170]  # cad 85 strides/min x 2
    assert s["temperature"].tolist() == [12.5] * 4
    assert s["speed"].tolist() == [3.3] * 4
    assert s["altitude"].tolist() == [300.0, 301.0, 302.0, 303.0]
    assert s["latitude"].tolist() == pytest.approx([45.0 + i * step for i in range(4)])
    # Derived distance: arc length along a meridian, R * dphi.
    expected = [i * step * METRES_PER_DEGREE for i in range(4)]
    assert s["distance"].tolist() == pytest.approx(expected, rel=1e-9)
    assert activity.summary["distance"] == pytest.approx(expected[-1], rel=1e-9)
    assert activity.summary["elapsed_time"] == 3.0
    assert activity.laps.empty
    assert activity.events["event_type"].tolist() == ["start", "stop_all"]
    assert activity.warnings == ()


def test_speed_not_recorded_stays_nan_and_other_extension_names_are_found() -> None:
    seg = "".join(
        point(
            10.0 + i * 1e-4,
            20.0,
            iso(i),
            ext=f"<gpxdata:heartrate>{140 + i}</gpxdata:heartrate>"
            f"<gpxdata:cadence>{88}</gpxdata:cadence><power>{200 + i}</power>",
        )
        for i in range(3)
    )
    data = gpx(trk(seg), ns=GPX11 + ' xmlns:gpxdata="http://www.cluetrust.com/XML/GPXDATA/1/0"')
    (activity,) = read_gpx(data, "x.gpx")
    s = activity.streams
    assert s["speed"].isna().all()
    assert s["heart_rate"].tolist() == [140, 141, 142]
    assert s["cadence"].tolist() == [176, 176, 176]
    assert s["power"].tolist() == [200, 201, 202]


def test_gpx10_speed_and_cycling_cadence_kept() -> None:
    seg = "".join(
        f'<trkpt lat="{50 + i * 1e-4}" lon="8"><time>{iso(i)}</time><speed>{7.5}</speed>'
        f"<course>90</course><extensions>{garmin(130, 90)}</extensions></trkpt>"
        for i in range(3)
    )
    body = f"<name>GPX 1.0 ride</name>{trk(seg, type_='1', name=None)}"
    data = gpx(body, ns='xmlns="http://www.topografix.com/GPX/1/0" ' + GPX11.split(" ", 1)[1])
    (activity,) = read_gpx(data, "x.gpx")
    assert activity.sport == "cycling"
    assert activity.name == "GPX 1.0 ride"  # GPX 1.0 top-level name
    assert activity.streams["speed"].tolist() == [7.5] * 3
    assert activity.streams["cadence"].tolist() == [90] * 3  # rpm, not doubled
    assert activity.streams["dev_course"].tolist() == [90] * 3
    assert activity.developer_units == {"dev_course": "deg"}


def test_segments_are_joined_and_the_gap_is_a_pause() -> None:
    step = 0.0001
    first = "".join(point(45.0 + i * step, 7.0, iso(i)) for i in range(3))
    # 300 s later and 0.01 deg (1.1 km, a plausible 3.7 m/s) further: the GPS was off,
    # so no distance is counted across the gap.
    second = "".join(point(45.01 + i * step, 7.0, iso(302 + i)) for i in range(3))
    (activity,) = read_gpx(gpx(trk(first, second)), "x.gpx")
    s = activity.streams
    assert len(s) == 6
    assert s["distance"].iloc[-1] == pytest.approx(4 * step * METRES_PER_DEGREE, rel=1e-6)
    assert s["distance"].iloc[3] == pytest.approx(s["distance"].iloc[2])
    assert not s["gps_spike"].any()
    events = activity.events
    assert events["event_type"].tolist() == ["start", "stop_all", "start", "stop_all"]
    assert events["timestamp"].tolist() == [pd.Timestamp(iso(t)) for t in (0, 2, 302, 304)]
    assert activity.summary["elapsed_time"] == 304.0


def test_planted_gps_spike_is_flagged_raw_kept_and_not_counted() -> None:
    step = 0.00003  # about 3.3 m/s
    lats = [45.0 + i * step for i in range(10)]
    lats[5] = 45.01  # a 1.1 km jump for one second: about 1100 m/s
    seg = "".join(point(lat, 7.0, iso(i)) for i, lat in enumerate(lats))
    (activity,) = read_gpx(gpx(trk(seg)), "x.gpx")
    s = activity.streams
    assert s["gps_spike"].tolist() == [i == 5 for i in range(10)]
    assert s["latitude"].iloc[5] == 45.01  # raw position kept
    # The spike adds nothing: the fix after it is measured from the last good one.
    assert s["distance"].iloc[-1] == pytest.approx(9 * step * METRES_PER_DEGREE, rel=1e-6)
    assert any("spike" in w for w in activity.warnings)


def test_backwards_and_duplicated_timestamps() -> None:
    times = [0, 2, 1, 2, 3]
    hrs = [100, 102, 101, 199, 103]
    seg = "".join(
        point(45.0 + t * 1e-5, 7.0, iso(t), ext=garmin(hr, 80))
        for t, hr in zip(times, hrs, strict=True)
    )
    (activity,) = read_gpx(gpx(trk(seg)), "x.gpx")
    s = activity.streams
    assert s["time"].tolist() == [0.0, 1.0, 2.0, 3.0]
    assert s["heart_rate"].tolist() == [100, 101, 102, 103]
    warnings = " | ".join(activity.warnings)
    assert "backwards" in warnings and "repeated an earlier timestamp" in warnings


def test_times_with_offsets_and_fractions_are_utc() -> None:
    seg = point(1.0, 1.0, "2024-05-01T08:00:00.250+02:00") + point(
        1.0, 1.0001, "2024-05-01T06:00:01Z"
    )
    (activity,) = read_gpx(gpx(trk(seg)), "x.gpx")
    assert activity.streams["timestamp"].tolist() == [
        pd.Timestamp("2024-05-01T06:00:00.250Z"),
        pd.Timestamp("2024-05-01T06:00:01Z"),
    ]
    assert activity.utc_offset_s == 7200


def test_points_without_time_are_dropped_with_a_count() -> None:
    seg = point(1.0, 1.0, iso(0)) + point(1.0, 1.00001, None) + point(1.0, 1.00002, iso(2))
    (activity,) = read_gpx(gpx(trk(seg)), "x.gpx")
    assert len(activity.streams) == 2
    assert "1 track points had no time and were dropped" in activity.warnings


def test_several_tracks_become_several_activities() -> None:
    run = trk(point(1.0, 1.0, iso(0)) + point(1.0, 1.0001, iso(1)), type_="9", name=None)
    untimed = trk(point(2.0, 2.0, None), name="drawn")
    ride = trk(point(3.0, 3.0, iso(100)) + point(3.0, 3.001, iso(101)), type_="1", name="Ride")
    body = f"<metadata><name>Meta name</name></metadata>{run}{untimed}{ride}"
    activities = read_gpx(gpx(body), "x.gpx")
    assert [a.sport for a in activities] == ["running", "cycling"]
    assert [a.source.session_index for a in activities] == [0, 2]
    assert [a.name for a in activities] == ["Meta name", "Ride"]
    assert all("skipped tracks without times" in " ".join(a.warnings) for a in activities)


def test_route_waypoint_metadata_and_untimed_files_are_refused() -> None:
    route = "<rte><name>Plan</name><rtept lat='1' lon='2'/><rtept lat='1' lon='3'/></rte>"
    assert problem(gpx(route)) == (
        "no track points: this GPX holds a route (a planned path), not a recorded activity; "
        "nothing to import"
    )
    assert problem(gpx("<wpt lat='1' lon='2'/>")).startswith(
        "no track points: this GPX holds waypoints"
    )
    assert problem(gpx("<metadata><name>x</name></metadata><trk><trkseg/></trk>")).startswith(
        "no track points: this GPX holds metadata only"
    )
    assert problem(gpx(trk(point(1.0, 2.0, None) + point(1.0, 2.1, None)))).startswith(
        "no timestamps: the 2 track points carry no times"
    )
    assert problem(b"<TrainingCenterDatabase/>").startswith("not a GPX file")
    assert problem(b"") == "empty file"
    assert problem(b"not xml at all").startswith("not valid XML: ")


def test_large_file_parses_quickly() -> None:
    n = 12_000
    seg = "".join(
        point(45.0 + i * 3e-5, 7.0, iso(i), 300.0, garmin(150, 85, 20.0)) for i in range(n)
    )
    data = gpx(trk(seg))
    t0 = time.perf_counter()
    (activity,) = read_gpx(data, "big.gpx")
    elapsed = time.perf_counter() - t0
    assert len(activity.streams) == n
    assert elapsed < 5.0, f"{n} track points took {elapsed:.2f} s"
