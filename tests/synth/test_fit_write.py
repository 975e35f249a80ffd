"""Tests for the FIT encoder, decoded by independent decoders (fitdecode; Garmin's SDK if present).

Independent truth used here:
- the FIT protocol's CRC (the SDK's nibble-table algorithm, re-implemented below from the
  protocol document) and the CRC-16/ARC check value 0xBB3D for b"123456789";
- the FIT protocol's header layout and invalid values per base type;
- fitdecode's own profile (scales, offsets, names, units) when it decodes what we wrote.
"""

from __future__ import annotations

import io
import math
import os
import struct
import time
from datetime import UTC, datetime
from typing import Any

import fitdecode
import numpy as np
import pytest
from fitdecode.utils import compute_crc

from runform.io.fit_write import (
    DeveloperApp,
    DeveloperField,
    FitDevice,
    FitWriter,
    degrees_to_semicircles,
    fit_crc16,
    running_cadence_fields,
    write_activity_fit,
)

T0 = datetime(2026, 10, 18, 7, 30, tzinfo=UTC).timestamp()

# The FIT protocol's CRC, as printed in the FIT SDK documentation ("FIT protocol", CRC section).
_SDK_CRC_TABLE = (
    0x0000, 0xCC01, 0xD801, 0x1400, 0xF001, 0x3C00, 0x2800, 0xE401,
    0xA001, 0x6C00, 0x7800, 0xB401, 0x5000, 0x9C01, 0x8801, 0x4400,
)  # fmt: skip


def _sdk_crc(data: bytes) -> int:
    crc = 0
    for byte in data:
        tmp = _SDK_CRC_TABLE[crc & 0xF]
        crc = (crc >> 4) & 0x0FFF
        crc = crc ^ tmp ^ _SDK_CRC_TABLE[byte & 0xF]
        tmp = _SDK_CRC_TABLE[crc & 0xF]
        crc = (crc >> 4) & 0x0FFF
        crc = crc ^ tmp ^ _SDK_CRC_TABLE[(byte >> 4) & 0xF]
    return crc


def _decode(data: bytes) -> list[fitdecode.FitDataMessage]:
    with fitdecode.FitReader(io.BytesIO(data), check_crc=fitdecode.CrcCheck.RAISE) as reader:
        return [f for f in reader if isinstance(f, fitdecode.FitDataMessage)]


def _values(msg: fitdecode.FitDataMessage) -> dict[str, Any]:
    return {f.name: f.value for f in msg.fields}


def _small_activity(**extra: Any) -> bytes:
    """Ten records, two laps and a session with hand-picked values."""
    n = 10
    steps = np.full(n, 171.0)  # 85.5 strides/min
    cad, frac = running_cadence_fields(steps)
    records: dict[str, Any] = {
        "timestamp": T0 + np.arange(n),
        "position_lat": degrees_to_semicircles(np.full(n, 52.3676)),
        "position_long": degrees_to_semicircles(np.full(n, 4.9041)),
        "distance": np.arange(n) * 3.2345,
        "enhanced_speed": np.full(n, 3.2345),
        "enhanced_altitude": np.full(n, -12.3),
        "heart_rate": np.full(n, 150.0),
        "cadence": cad,
        "fractional_cadence": frac,
        "power": np.full(n, 250.0),
        "vertical_oscillation": np.full(n, 85.43),
        "stance_time_percent": np.full(n, 33.21),
        "stance_time": np.full(n, 245.67),
        "vertical_ratio": np.full(n, 7.456),
        "stance_time_balance": np.full(n, 50.33),
        "step_length": np.full(n, 1150.26),
        "grade": np.full(n, 5.5),
    }
    records["heart_rate"][3] = np.nan
    records["power"][4] = np.nan
    records["position_lat"][5] = np.nan
    records["distance"][6] = np.nan
    laps = [
        {
            "start_time": T0,
            "timestamp": T0 + 4,
            "total_elapsed_time": 4.0,
            "total_timer_time": 4.0,
            "total_distance": 12.94,
            "sport": "running",
            "avg_running_cadence": 85,
            "avg_fractional_cadence": 0.5,
            "total_strides": 6,
            "lap_trigger": "manual",
            "intensity": "active",
        },
        {
            "start_time": T0 + 4,
            "timestamp": T0 + 9,
            "total_elapsed_time": 5.0,
            "total_timer_time": 5.0,
            "sport": "running",
            "lap_trigger": "session_end",
            "intensity": "rest",
        },
    ]
    session = {
        "sport": "running",
        "sub_sport": "street",
        "total_elapsed_time": 9.0,
        "total_timer_time": 9.0,
        "total_distance": 29.11,
        "enhanced_avg_speed": 3.2345,
        "avg_running_cadence": 85,
        "avg_fractional_cadence": 0.5,
        "total_strides": 13,
    }
    buf = io.BytesIO()
    write_activity_fit(buf, records=records, laps=laps, session=session, utc_offset_s=7200, **extra)
    return buf.getvalue()


# ----------------------------------------------------------------------------- CRC and header


def test_crc_matches_check_value_and_sdk_algorithm() -> None:
    # CRC-16/ARC check value (Greg Cook's CRC catalogue) - the FIT CRC is CRC-16/ARC.
    assert fit_crc16(b"123456789") == 0xBB3D
    rng = np.random.default_rng(1)
    for n in (1, 13, 1000, 16_383, 16_384, 70_001, 300_000):  # both code paths
        data = rng.integers(0, 256, n, dtype=np.uint8).tobytes()
        expected = compute_crc(data)
        assert fit_crc16(data) == expected, n
        if n <= 20_000:
            assert _sdk_crc(data) == expected, n


def test_header_and_file_crc_follow_the_protocol() -> None:
    data = _small_activity()
    size, proto, profile, data_size, magic = struct.unpack("<BBHI4s", data[:12])
    assert (size, proto, magic) == (14, 0x20, b".FIT")
    assert profile // 1000 == 21  # profile 21.x written as major * 1000 + minor
    assert data_size == len(data) - 14 - 2
    (header_crc,) = struct.unpack("<H", data[12:14])
    assert header_crc == _sdk_crc(data[:12])
    (file_crc,) = struct.unpack("<H", data[-2:])
    assert file_crc == _sdk_crc(data[:-2])
    # fitdecode raises on any CRC mismatch with CrcCheck.RAISE
    assert _decode(data)


def test_corrupted_byte_is_caught_by_the_crc() -> None:
    data = bytearray(_small_activity())
    data[200] ^= 0x01
    with pytest.raises(fitdecode.FitCRCError):
        _decode(bytes(data))


# ----------------------------------------------------------------------------- values


def test_record_values_round_trip_within_scale() -> None:
    msgs = _decode(_small_activity())
    records = [_values(m) for m in msgs if m.name == "record"]
    assert len(records) == 10
    r = records[0]
    assert r["cadence"] == 85
    assert r["fractional_cadence"] == 0.5
    assert 2 * (r["cadence"] + r["fractional_cadence"]) == 171.0
    assert r["enhanced_speed"] == pytest.approx(3.2345, abs=0.0005 + 1e-9)  # scale 1000
    assert r["enhanced_altitude"] == pytest.approx(-12.3, abs=0.1)  # scale 5, offset 500
    assert r["heart_rate"] == 150
    assert r["power"] == 250
    assert r["vertical_oscillation"] == pytest.approx(85.4, abs=1e-9)  # scale 10, mm
    assert r["stance_time"] == pytest.approx(245.7, abs=1e-9)  # scale 10, ms
    assert r["stance_time_percent"] == pytest.approx(33.21, abs=1e-9)  # scale 100
    assert r["vertical_ratio"] == pytest.approx(7.46, abs=1e-9)  # scale 100
    assert r["stance_time_balance"] == pytest.approx(50.33, abs=1e-9)  # scale 100
    assert r["step_length"] == pytest.approx(1150.3, abs=1e-9)  # scale 10, mm
    assert r["grade"] == pytest.approx(5.5, abs=1e-9)  # sint16 scale 100, %
    assert r["position_lat"] * 180 / 2**31 == pytest.approx(52.3676, abs=1e-7)
    assert r["position_long"] * 180 / 2**31 == pytest.approx(4.9041, abs=1e-7)
    assert r["timestamp"] == datetime.fromtimestamp(T0, UTC)
    assert records[9]["distance"] == pytest.approx(9 * 3.2345, abs=0.005)  # scale 100


def test_nan_is_written_as_the_invalid_value_and_decodes_as_none() -> None:
    records = [_values(m) for m in _decode(_small_activity()) if m.name == "record"]
    assert records[3]["heart_rate"] is None  # uint8 0xFF
    assert records[4]["power"] is None  # uint16 0xFFFF
    assert records[5]["position_lat"] is None  # sint32 0x7FFFFFFF
    assert records[6]["distance"] is None  # uint32 0xFFFFFFFF
    assert records[3]["power"] == 250  # neighbours untouched


def test_invalid_bytes_are_the_protocol_values() -> None:
    w = FitWriter()
    w.write(
        "record",
        {"timestamp": T0, "heart_rate": math.nan, "power": None, "position_lat": math.nan},
    )
    w.write("record", {"timestamp": T0, "heart_rate": math.nan, "position_lat": math.nan})
    data = w.to_bytes()
    # last data message: header byte, timestamp (4), heart_rate (1), position_lat (4)
    body = data[-2 - 10 : -2]
    assert body[5:6] == b"\xff"  # uint8 invalid
    assert body[6:10] == b"\xff\xff\xff\x7f"  # sint32 invalid 0x7FFFFFFF, little-endian


def test_laps_session_and_activity_decode_with_running_subfields() -> None:
    msgs = _decode(_small_activity())
    names = [m.name for m in msgs]
    assert names[0] == "file_id"
    assert names[-2:] == ["session", "activity"]
    # each lap follows its last record (the record with the lap's timestamp)
    first_lap = names.index("lap")
    assert names[:first_lap].count("record") == 5
    laps = [_values(m) for m in msgs if m.name == "lap"]
    assert laps[0]["avg_running_cadence"] == 85
    assert laps[0]["avg_fractional_cadence"] == 0.5
    assert laps[0]["total_strides"] == 6
    assert laps[0]["lap_trigger"] == "manual"
    assert laps[1]["intensity"] == "rest"
    assert [lap["message_index"] for lap in laps] == [0, 1]
    session = _values(next(m for m in msgs if m.name == "session"))
    assert session["sport"] == "running"
    assert session["sub_sport"] == "street"
    assert session["total_distance"] == pytest.approx(29.11)
    assert session["enhanced_avg_speed"] == pytest.approx(3.2345, abs=0.0005 + 1e-9)
    assert session["num_laps"] == 2
    assert session["total_timer_time"] == 9.0
    activity = _values(next(m for m in msgs if m.name == "activity"))
    assert activity["num_sessions"] == 1
    assert activity["timestamp"] == datetime.fromtimestamp(T0 + 9, UTC)
    # local_timestamp is wall-clock time, 2 h ahead of UTC here
    assert activity["local_timestamp"].replace(tzinfo=None) == datetime.fromtimestamp(
        T0 + 9 + 7200, UTC
    ).replace(tzinfo=None)
    file_id = _values(msgs[0])
    assert file_id["manufacturer"] == "garmin"
    assert file_id["garmin_product"] == "fr955"  # FIT garmin_product 4024
    events = [_values(m) for m in msgs if m.name == "event"]
    assert [(e["event"], e["event_type"]) for e in events] == [
        ("timer", "start"),
        ("timer", "stop_all"),
    ]


def test_developer_fields_decode_with_name_and_units() -> None:
    n = 10
    app = DeveloperApp(application_id=bytes(range(16)), manufacturer="stryd")
    fields = [
        DeveloperField("Form Power", "Watts", 0, "uint16", native_field_num=None),
        DeveloperField("Leg Spring Stiffness", "KN/m", 1, "float32"),
    ]
    form_power = np.full(n, 71.0)
    form_power[2] = np.nan
    lss = np.linspace(9.5, 10.4, n)
    msgs = _decode(
        _small_activity(
            developer_app=app,
            developer_fields=fields,
            developer_records={"Form Power": form_power, "Leg Spring Stiffness": lss},
        )
    )
    descs = [_values(m) for m in msgs if m.name == "field_description"]
    assert {d["field_name"] for d in descs} == {"Form Power", "Leg Spring Stiffness"}
    records = [m for m in msgs if m.name == "record"]
    got = records[0].get_field("Form Power")
    assert got.value == 71
    assert got.units == "Watts"
    assert records[2].get_value("Form Power") is None
    lss_field = records[9].get_field("Leg Spring Stiffness")
    assert lss_field.units == "KN/m"
    assert lss_field.value == pytest.approx(10.4, rel=1e-6)  # float32


def test_more_than_16_definitions_reuse_local_types() -> None:
    w = FitWriter()
    w.write("file_id", {"type": "activity", "manufacturer": "garmin", "product": 4024})
    optional = ["heart_rate", "power", "distance", "enhanced_speed", "cadence"]
    expected = []
    for i in range(20):  # 20 distinct field sets > 16 local message types
        chosen = [f for b, f in enumerate(optional) if (i + 1) >> b & 1]
        values = {"timestamp": T0 + i, **{f: float(10 + i) for f in chosen}}
        w.write("record", values)
        expected.append(values)
    w.write("record", expected[0])  # an evicted definition is defined again
    expected.append(expected[0])
    records = [_values(m) for m in _decode(w.to_bytes()) if m.name == "record"]
    assert len(records) == 21
    for rec, exp in zip(records, expected, strict=True):
        for key, value in exp.items():
            if key != "timestamp":
                assert rec[key] == pytest.approx(value), key


@pytest.mark.parametrize(
    ("values", "match"),
    [
        ({"timestamp": T0, "heart_rate": 300.0}, "heart_rate"),  # over uint8
        ({"timestamp": T0, "distance": -5.0}, "distance"),  # negative uint32
        ({"timestamp": T0, "heartrate": 150.0}, "heartrate"),  # unknown field
        ({"timestamp": datetime(2026, 1, 1)}, "naive"),  # no timezone
    ],
)
def test_bad_values_raise_precise_errors(values: dict[str, Any], match: str) -> None:
    with pytest.raises(ValueError, match=match):
        FitWriter().write("record", values)


def test_unknown_enum_name_raises() -> None:
    with pytest.raises(ValueError, match="sport"):
        FitWriter().write("session", {"sport": "jogging"})


def test_garmin_sdk_decoder_reads_the_file_cleanly() -> None:
    sdk = pytest.importorskip("garmin_fit_sdk", reason="Garmin FIT SDK not installed")
    data = bytearray(_small_activity())
    decoder = sdk.Decoder(sdk.Stream.from_byte_array(data))
    assert decoder.is_fit()
    assert sdk.Decoder(sdk.Stream.from_byte_array(data)).check_integrity()
    messages, errors = sdk.Decoder(sdk.Stream.from_byte_array(data)).read()
    assert errors == []
    assert len(messages["record_mesgs"]) == 10
    assert messages["session_mesgs"][0]["avg_running_cadence"] == 85


def test_fifty_thousand_records_encode_quickly() -> None:
    n = 50_000
    rng = np.random.default_rng(0)
    cad, frac = running_cadence_fields(rng.normal(170, 3, n))
    records = {
        "timestamp": T0 + np.arange(n),
        "distance": np.cumsum(np.full(n, 3.3)),
        "enhanced_speed": np.full(n, 3.3),
        "heart_rate": rng.integers(120, 170, n).astype(float),
        "cadence": cad,
        "fractional_cadence": frac,
    }
    laps = [{"start_time": T0, "timestamp": T0 + n - 1, "sport": "running"}]
    buf = io.BytesIO()
    t = time.perf_counter()
    write_activity_fit(buf, records=records, laps=laps, session={"sport": "running"})
    assert time.perf_counter() - t < 2.0  # vectorised; about 0.05 s on a laptop
    assert len(buf.getvalue()) > n * 10


def test_writes_to_a_path(tmp_path: os.PathLike[str]) -> None:
    path = os.path.join(tmp_path, "a.fit")
    n = write_activity_fit(
        path,
        records={"timestamp": T0 + np.arange(3), "heart_rate": np.array([100.0, 101, 102])},
        laps=[],
        session={"sport": "running"},
        device=FitDevice(product=4315),  # Forerunner 965
    )
    with open(path, "rb") as fh:
        data = fh.read()
    assert len(data) == n
    assert _values(_decode(data)[0])["garmin_product"] == "fr965"


def test_extra_events_are_placed_in_time_order() -> None:
    marker = {"timestamp": T0 + 2, "event": "user_marker", "event_type": "marker", "data": 7}
    msgs = _decode(_small_activity(events=[marker]))
    names = [m.name for m in msgs]
    i = next(k for k, m in enumerate(msgs) if m.name == "event" and m.get_value("data") == 7)
    assert names[:i].count("record") == 3  # after the records at T0, T0 + 1, T0 + 2
    assert _values(msgs[i])["event_type"] == "marker"
