"""Tests for the bulk FIT decoder (``runform.io.fitfast``).

Independent truth used here:
- values we wrote ourselves with runform's FIT writer, quantised to the field's
  resolution by the FIT scale/offset rule (raw = round((v + offset) * scale));
- hand-built messages whose expected values follow from the FIT protocol text
  (compressed timestamp header arithmetic, architecture byte, undefined local types);
- fitdecode (MIT, an independent decoder) on the same bytes;
- the CRC-16/ARC check value 0xBB3D of b"123456789" and fitdecode's nibble-table CRC;
- for damaged input, only properties: no exception, the records before the damage are
  those of the undamaged file, bounded time and memory.
"""

from __future__ import annotations

import io
import struct
import time
import tracemalloc
import warnings
from datetime import timedelta
from pathlib import Path
from typing import Any

import fitdecode
import numpy as np
import pytest
from fitdecode.utils import compute_crc
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from runform.io.fit_write import (
    DeveloperApp,
    DeveloperField,
    degrees_to_semicircles,
    quantize,
    running_cadence_fields,
    write_activity_fit,
)
from runform.io.fitfast import FastResult, _Scan, decode, fit_crc16

CORPUS = Path(__file__).resolve().parents[3] / "shared" / "corpus"
T0 = 1_790_000_000.0  # Unix seconds (2026-09-21)
FIT_EPOCH_UNIX_S = 631_065_600  # FIT SDK: 1989-12-31T00:00:00Z


# --------------------------------------------------------------------------- helpers


def _activity(n: int = 600, seed: int = 1, dev: bool = True) -> tuple[bytes, dict[str, Any]]:
    """A running activity written by runform's writer, and the values written (FIT units)."""
    rng = np.random.default_rng(seed)
    t = T0 + np.arange(n, dtype=float)
    speed = 3.0 + 0.5 * np.sin(np.arange(n) / 40.0)
    cad, frac = running_cadence_fields(165 + 6.5 * (speed - 3.0))
    hr = np.round(140 + 10 * np.sin(np.arange(n) / 90.0))
    hr[5] = np.nan  # an invalid sample
    rec = {
        "timestamp": t,
        "position_lat": degrees_to_semicircles(47.0 + np.arange(n) * 1e-5),
        "position_long": degrees_to_semicircles(8.0 + np.arange(n) * 1e-5),
        "distance": np.cumsum(speed),
        "enhanced_speed": speed,
        "enhanced_altitude": 400 + 5 * np.sin(np.arange(n) / 50.0),
        "heart_rate": hr,
        "cadence": cad,
        "fractional_cadence": frac,
        "power": np.round(250 + rng.normal(0, 10, n)),
        "stance_time": 240 + rng.normal(0, 5, n),
        "vertical_oscillation": 85 + rng.normal(0, 2, n),
        "step_length": 1100 + rng.normal(0, 20, n),
        "grade": rng.normal(0, 2, n),
        "temperature": np.full(n, 21.0),
    }
    laps = [
        {"start_time": T0, "timestamp": T0 + n / 2 - 1, "total_distance": 1000.0},
        {"start_time": T0 + n / 2, "timestamp": T0 + n - 1, "total_distance": 1100.0},
    ]
    session = {
        "sport": "running",
        "sub_sport": "street",
        "total_elapsed_time": float(n - 1),
        "total_timer_time": float(n - 1),
        "total_distance": 2100.0,
        "avg_running_cadence": 83,
        "avg_fractional_cadence": 0.5,
        "total_strides": 1700,
    }
    kwargs: dict[str, Any] = {}
    if dev:
        app = DeveloperApp(application_id=bytes(range(16)))
        fields = [
            DeveloperField("Form Power", "Watts", 0, "uint16"),
            DeveloperField("Leg Spring Stiffness", "kN/m", 1, "float32"),
        ]
        kwargs = {
            "developer_app": app,
            "developer_fields": fields,
            "developer_records": {
                "Form Power": np.round(70 + rng.normal(0, 3, n)),
                "Leg Spring Stiffness": 9 + rng.normal(0, 0.3, n),
            },
        }
    buf = io.BytesIO()
    write_activity_fit(buf, records=rec, laps=laps, session=session, utc_offset_s=7200, **kwargs)
    return buf.getvalue(), {"records": rec, "laps": laps, "session": session, **kwargs}


def _fit(body: bytes, header_crc: bool = True) -> bytes:
    """A FIT file around ``body``: 14-byte header (or 12) and file CRC (fitdecode's CRC)."""
    if header_crc:
        head = struct.pack("<BBHI4s", 14, 0x20, 21158, len(body), b".FIT")
        head += struct.pack("<H", compute_crc(head))
    else:
        head = struct.pack("<BBHI4s", 12, 0x10, 100, len(body), b".FIT")
    out = head + body
    return out + struct.pack("<H", compute_crc(out))


def _definition(
    local: int, gnum: int, fields: list[tuple[int, int, int]], big: bool = False
) -> bytes:
    """Definition message (FIT protocol): header, reserved, architecture, global, fields."""
    order = ">" if big else "<"
    out = bytes([0x40 | local, 0, 1 if big else 0]) + struct.pack(order + "HB", gnum, len(fields))
    for num, size, base in fields:
        out += bytes([num, size, base])
    return out


def _fitdecode_records(data: bytes) -> list[dict[str, Any]]:
    out = []
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        reader = fitdecode.FitReader(
            io.BytesIO(data),
            processor=fitdecode.DataProcessorBase(),
            check_crc=fitdecode.CrcCheck.DISABLED,
            error_handling=fitdecode.ErrorHandling.IGNORE,
        )
        try:
            for f in reader:
                if isinstance(f, fitdecode.FitDataMessage) and f.name == "record":
                    rec: dict[str, Any] = {}
                    for fd in f.fields:
                        if fd.value is not None and rec.get(fd.name) is None:
                            rec[fd.name] = fd.value
                    out.append(rec)
        except fitdecode.FitError:
            pass
    return out


def _check_invariants(res: FastResult, data: bytes) -> None:
    assert isinstance(res, FastResult)
    assert res.records["timestamp"].dtype == np.int64
    for name, col in res.records.items():
        assert len(col) == res.n_records, name
    if res.error is not None:
        assert res.error_offset is not None and 0 <= res.error_offset <= len(data)
    else:
        assert res.error_offset is None


# --------------------------------------------------------------------------- CRC


def test_crc_check_value_and_large_inputs() -> None:
    assert fit_crc16(b"123456789") == 0xBB3D  # CRC-16/ARC check value
    rng = np.random.default_rng(3)
    assert fit_crc16(b"") == 0
    for n in (1, 8191, 8192, 70_001, 1_000_003):
        buf = rng.integers(0, 256, n, dtype=np.uint8).tobytes()
        assert fit_crc16(buf) == compute_crc(buf), n
    buf = rng.integers(0, 256, 50_000, dtype=np.uint8).tobytes()
    assert fit_crc16(buf, 1000, 40_001) == compute_crc(buf[1000:40_001])


# --------------------------------------------------------------------------- round trip


def test_writer_round_trip_values() -> None:
    data, truth = _activity()
    res = decode(data)
    rec = truth["records"]
    n = len(rec["timestamp"])
    assert res.error is None and not res.crc_bad and res.headers == 1 and res.n_records == n
    cols = res.records
    np.testing.assert_array_equal(cols["timestamp"], rec["timestamp"] - FIT_EPOCH_UNIX_S)
    for name in (
        "position_lat",
        "position_long",
        "distance",
        "enhanced_speed",
        "enhanced_altitude",
        "heart_rate",
        "cadence",
        "fractional_cadence",
        "power",
        "stance_time",
        "vertical_oscillation",
        "step_length",
        "grade",
        "temperature",
    ):
        want = quantize("record", name, rec[name])
        np.testing.assert_allclose(cols[name], want, rtol=1e-12, atol=1e-9, err_msg=name)
    assert np.isnan(cols["heart_rate"][5])
    np.testing.assert_allclose(
        cols["dev_Form Power"], truth["developer_records"]["Form Power"], rtol=0, atol=0
    )
    np.testing.assert_allclose(
        cols["dev_Leg Spring Stiffness"],
        truth["developer_records"]["Leg Spring Stiffness"].astype(np.float32),
        rtol=0,
    )
    assert res.dev_units == {"dev_Form Power": "Watts", "dev_Leg Spring Stiffness": "kN/m"}
    assert [d.name for d in res.developer_fields] == ["Form Power", "Leg Spring Stiffness"]
    assert res.developer_fields[1].base_type == "float32"

    (sess,) = res.sessions
    assert sess["sport"] == "running" and sess["sub_sport"] == "street"
    assert sess["avg_running_cadence"] == 83 and sess["total_strides"] == 1700
    assert sess["total_distance"] == 2100.0 and sess["start_time"] == T0 - FIT_EPOCH_UNIX_S
    assert [lap["total_distance"] for lap in res.laps] == [1000.0, 1100.0]
    assert [(e["event"], e["event_type"]) for e in res.events] == [
        ("timer", "start"),
        ("timer", "stop_all"),
    ]
    assert res.file_ids[0]["type"] == "activity"
    assert res.file_ids[0]["manufacturer"] == "garmin"
    assert res.file_ids[0]["garmin_product"] == 4024 or isinstance(
        res.file_ids[0]["garmin_product"], str
    )
    (act,) = res.activities
    assert act["local_timestamp"] - act["timestamp"] == 7200


def test_matches_fitdecode_on_written_file() -> None:
    data, _ = _activity(n=300, seed=5)
    ref = _fitdecode_records(data)
    got = decode(data).record_dicts()
    assert len(ref) == len(got)
    for a, b in zip(ref, got, strict=True):
        a = {k: v for k, v in a.items() if not k.startswith(("Form", "Leg"))}
        b = {k: v for k, v in b.items() if not k.startswith("dev_")}
        assert a.keys() == b.keys()
        for k in a:
            assert a[k] == pytest.approx(b[k], rel=1e-12), k


def test_chained_files_are_read_whole() -> None:
    a, _ = _activity(n=100, seed=1, dev=False)
    b, _ = _activity(n=50, seed=2, dev=True)
    res = decode(a + b)
    assert res.headers == 2 and res.error is None and not res.crc_bad
    assert res.n_records == 150
    assert len(res.sessions) == 2
    assert np.isnan(res.records["dev_Form Power"][:100]).all()
    assert not np.isnan(res.records["dev_Form Power"][100:]).any()


def test_repeated_definitions_decode_in_bulk() -> None:
    """A device that re-sends the definition before every record (one layout, many defs)."""
    body = b""
    d = _definition(0, 20, [(253, 4, 0x86), (3, 1, 0x02)])
    for i in range(50):
        body += d + struct.pack("<BIB", 0, 1_000_000_000 + i, 100 + i)
    res = decode(_fit(body))
    assert res.n_records == 50
    np.testing.assert_array_equal(res.records["heart_rate"], 100 + np.arange(50))
    scan = _Scan(_fit(body))
    scan.run()
    assert len(scan.layouts) == 1


# --------------------------------------------------------------------------- protocol details


def test_compressed_timestamps_follow_the_protocol() -> None:
    """FIT protocol, compressed timestamp header: offset in bits 0-4, local type in bits 5-6;
    ts = offset + (last & ~0x1F) + (0x20 if offset < (last & 0x1F))."""
    body = _definition(0, 20, [(253, 4, 0x86), (3, 1, 0x02)])
    body += _definition(1, 20, [(3, 1, 0x02)])
    body += struct.pack("<BIB", 0x00, 1000, 60)  # full timestamp 1000 (1000 & 31 = 8)
    offsets = [10, 31, 2, 2, 7]
    for i, off in enumerate(offsets):
        body += bytes([0x80 | (1 << 5) | off, 61 + i])
    res = decode(_fit(body))
    # 1000 - 8 + 10 = 1002; 992 + 31 = 1023; 2 < 31 -> 1024 + 2 = 1026; 2 == 2 -> 1026;
    # 7 > 2 -> 1024 + 7 = 1031
    assert res.records["timestamp"].tolist() == [1000, 1002, 1023, 1026, 1026, 1031]
    assert res.records["heart_rate"].tolist() == [60, 61, 62, 63, 64, 65]
    assert [r["timestamp"] for r in _fitdecode_records(_fit(body))] == [
        1000,
        1002,
        1023,
        1026,
        1026,
        1031,
    ]


def test_big_endian_definitions() -> None:
    body = _definition(0, 20, [(253, 4, 0x86), (5, 4, 0x86), (7, 2, 0x84)], big=True)
    body += _definition(1, 20, [(253, 4, 0x86), (5, 4, 0x86), (7, 2, 0x84)], big=False)
    body += struct.pack(">BIIH", 0, 1_000_000_000, 123_456, 300)
    body += struct.pack("<BIIH", 1, 1_000_000_001, 123_556, 301)
    data = _fit(body, header_crc=False)
    res = decode(data)
    assert res.records["timestamp"].tolist() == [1_000_000_000, 1_000_000_001]
    assert res.records["distance"].tolist() == [1234.56, 1235.56]
    assert res.records["power"].tolist() == [300, 301]
    assert res.error is None and not res.crc_bad


def test_field_size_not_a_multiple_reads_as_bytes_like_fitdecode() -> None:
    body = _definition(0, 20, [(253, 4, 0x86), (7, 3, 0x84)])  # power uint16 in 3 bytes
    body += struct.pack("<BI", 0, 1_000_000_000) + b"\x01\x02\x03"
    data = _fit(body)
    assert decode(data).record_dicts() == _fitdecode_records(data)
    assert decode(data).records["power"][0] == (1, 2, 3)


# --------------------------------------------------------------------------- damage


def test_bad_crc_is_flagged_and_data_kept() -> None:
    data, _ = _activity(n=100, dev=False)
    bad = data[:-1] + bytes([data[-1] ^ 0xFF])
    res = decode(bad)
    assert res.crc_bad and res.error is None and res.n_records == 100
    assert not decode(bad, check_crc=False).crc_bad
    hdr = bytearray(data)
    hdr[12] ^= 0x01  # header CRC
    assert decode(bytes(hdr)).crc_bad


def test_undefined_local_message_stops_and_keeps_what_came_before() -> None:
    body = _definition(0, 20, [(253, 4, 0x86), (3, 1, 0x02)])
    body += struct.pack("<BIB", 0, 1_000_000_000, 150) + struct.pack("<BIB", 0, 1_000_000_001, 151)
    cut = 14 + len(body)
    body += bytes([0x05]) + b"\x00" * 10
    res = decode(_fit(body))
    assert res.n_records == 2
    assert res.error is not None and "local message type 5 not defined" in res.error
    assert res.error_offset == cut


def test_truncated_file_keeps_every_complete_message() -> None:
    data, _ = _activity(n=200, dev=True)
    full = decode(data)
    for cut in (13, 14, 60, 200, 1000, len(data) // 2, len(data) - 3, len(data) - 1):
        res = decode(data[:cut])
        _check_invariants(res, data[:cut])
        assert res.truncated and res.error is not None, cut
        _assert_prefix(res, full)


def _assert_prefix(part: FastResult, full: FastResult) -> None:
    """Every record of ``part`` is the same record of ``full`` (salvage keeps a prefix)."""
    m = part.n_records
    assert m <= full.n_records
    for name, col in full.records.items():
        if name in part.records:
            got = part.records[name]
            if col.dtype == object:
                assert got.tolist() == col[:m].tolist(), name
            else:
                np.testing.assert_array_equal(got, col[:m], err_msg=name)
        elif col.dtype != object and name != "timestamp":
            assert np.isnan(col[:m]).all(), name


def test_corrupt_definitions_give_clean_errors() -> None:
    # 255 fields of 255 bytes: the data message cannot fit in the file
    body = _definition(0, 20, [(i, 255, 0x0D) for i in range(255)])
    body += bytes([0x00]) + b"\x00" * 100
    res = decode(_fit(body))
    assert res.error is not None and res.truncated and res.n_records == 0
    # a field of size 0 (fitdecode raises ValueError reading it)
    body = _definition(0, 20, [(253, 4, 0x86), (3, 0, 0x02)]) + struct.pack("<BI", 0, 1)
    res = decode(_fit(body))
    assert res.error is not None and "size 0" in res.error
    # a definition cut by the end of the file
    res = decode(_fit(body)[:20])
    assert res.error is not None and res.truncated


def test_huge_announced_size_allocates_nothing() -> None:
    head = struct.pack("<BBHI4s", 12, 0x10, 100, 0xFFFFFFF0, b".FIT")
    body = _definition(0, 20, [(253, 4, 0x86)]) + struct.pack("<BI", 0, 1_000_000_000)
    tracemalloc.start()
    try:
        res = decode(head + body)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert res.n_records == 1 and res.truncated
    assert peak < 2_000_000


def test_garbage_and_empty_input() -> None:
    for data in (b"", b"\x00", b"not a fit file at all", bytes(range(256)) * 4):
        res = decode(data)
        _check_invariants(res, data)
        assert res.n_records == 0
    assert decode(b"").error is None and decode(b"").headers == 0
    assert decode(b"hello world, no FIT here").error is not None


# --------------------------------------------------------------------------- fuzz


def _fuzz_bases() -> list[bytes]:
    bases = [_activity(n=120, seed=9)[0], _activity(n=40, seed=4, dev=False)[0]]
    body = _definition(0, 20, [(253, 4, 0x86), (8, 3, 0x0D), (3, 1, 0x02)])
    body += _definition(1, 20, [(3, 1, 0x02), (18, 1, 0x02)], big=True)
    body += struct.pack("<BI3sB", 0, 1_000_000_000, b"\x10\x20\x30", 99)
    for i in range(20):
        body += bytes([0x80 | (1 << 5) | (i % 32), 100 + i, i])
    bases.append(_fit(body))
    small = (
        "python-fitparse/compressed-speed-distance.fit",
        "python-fitparse/antfs-dump.63.fit",
        "python-fitparse/activity-activity-filecrc.fit",
        "python-fitparse/DeveloperData.fit",
        "python-fitparse/event_timestamp.fit",
    )
    for rel in small:
        p = CORPUS / rel
        if p.is_file() and p.stat().st_size < 120_000:
            bases.append(p.read_bytes())
    return bases


_BASES = _fuzz_bases()


def _definition_offsets(data: bytes) -> list[int]:
    scan = _Scan(data)
    scan.run()
    return sorted(o for lay in scan.layouts.values() for o in lay.def_offsets)


_mutation = st.one_of(
    st.tuples(st.just("truncate"), st.floats(0, 1)),
    st.tuples(st.just("flip"), st.floats(0, 1), st.integers(1, 255)),
    st.tuples(st.just("definition"), st.integers(0, 40), st.integers(0, 40), st.integers(0, 255)),
    st.tuples(st.just("insert"), st.floats(0, 1), st.binary(min_size=1, max_size=8)),
    st.tuples(st.just("delete"), st.floats(0, 1), st.integers(1, 16)),
)


def _mutate(data: bytes, mutations: list[tuple[Any, ...]]) -> bytes:
    buf = bytearray(data)
    for m in mutations:
        if not buf:
            break
        at = int(m[1] * (len(buf) - 1)) if isinstance(m[1], float) else 0
        if m[0] == "truncate":
            del buf[at:]
        elif m[0] == "flip":
            buf[at] ^= m[2]
        elif m[0] == "insert":
            buf[at:at] = m[2]
        elif m[0] == "delete":
            del buf[at : at + m[2]]
        else:  # corrupt a byte of a definition message: counts, sizes, base types, architecture
            defs = _definition_offsets(bytes(buf))
            if defs:
                pos = defs[m[1] % len(defs)] + m[2]
                if pos < len(buf):
                    buf[pos] = m[3]
    return bytes(buf)


@pytest.mark.slow
@settings(
    max_examples=300,
    deadline=timedelta(seconds=10),
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(
    base=st.integers(0, len(_BASES) - 1),
    mutations=st.lists(_mutation, min_size=1, max_size=4),
)
def test_fuzz_mutated_files_never_crash_hang_or_balloon(
    base: int, mutations: list[tuple[Any, ...]]
) -> None:
    data = _mutate(_BASES[base], mutations)
    tracemalloc.start()
    t0 = time.perf_counter()
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error")  # numpy overflow/invalid warnings are bugs too
            res = decode(data)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert time.perf_counter() - t0 < 5.0
    _check_invariants(res, data)
    # memory stays proportional to the input (columns are at most ~8 bytes per input byte)
    assert peak <= 64 * len(data) + 8_000_000, (peak, len(data))


@settings(max_examples=60, deadline=timedelta(seconds=10))
@given(cut=st.floats(0, 1))
def test_fuzz_truncation_keeps_a_prefix(cut: float) -> None:
    data = _BASES[0]
    full = decode(data)
    k = int(cut * len(data))
    res = decode(data[:k])
    _check_invariants(res, data[:k])
    _assert_prefix(res, full)
    if 0 < k < len(data):  # empty input is no FIT file at all, not a damaged one
        assert res.error is not None
