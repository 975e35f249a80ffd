"""Bad input, end to end through ``runform import``: one clear line per bad file, the batch goes on.

Every input is built here: FIT files with runform's writer from a small synthetic run, then
damaged at byte offsets located by an independent walk of the FIT layout (FIT protocol,
"File header", "Record header", "Definition message"), with CRCs recomputed by the protocol's
CRC-16 (check value 0xBB3D). Expectations come from what was written and where it was cut:
the samples kept from a truncated file are exactly the records that lie before the cut.

The import runs as a subprocess of the installed console script, so exit codes, stdout and
stderr are what a user sees; ``show``/``export`` read the finished store in-process.
"""

from __future__ import annotations

import io
import json
import os
import struct
import subprocess
import sys
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from runform.cli.main import app
from runform.io.fit_write import degrees_to_semicircles, running_cadence_fields, write_activity_fit
from runform.store.db import Store

# --------------------------------------------------------------------------- FIT helpers

FIT_EPOCH_UNIX_S = 631_065_600  # 1989-12-31T00:00:00Z (FIT SDK profile, type date_time)
RECORD = 20  # global message number of `record` (FIT SDK profile)
TIMESTAMP, HEART_RATE = 253, 3  # field numbers in `record` (FIT SDK profile)
T0 = datetime(2026, 5, 3, 7, 0, tzinfo=UTC).timestamp()
N = 600  # records per synthetic run (1 Hz)
SPIKE_AT = 250  # sample index of the planted GPS spike
SPIKE_DEG = 0.02  # ~2.2 km jump in latitude within 1 s: impossible on foot
LAT0, DLAT, LON0 = 52.0, 3e-5, 4.9  # a run due north at ~3.3 m/s


def crc16(data: bytes) -> int:
    """FIT CRC-16 (CRC-16/ARC: reflected poly 0xA001, init 0), bit by bit."""
    crc = 0
    for byte in data:
        crc ^= byte
        for _ in range(8):
            crc = (crc >> 1) ^ 0xA001 if crc & 1 else crc >> 1
    return crc


@dataclass(frozen=True)
class Msg:
    definition: bool
    global_num: int
    offset: int
    length: int
    fields: tuple[tuple[int, int], ...] = ()  # data messages: (field number, size) in order


def fit_messages(data: bytes) -> list[Msg]:
    """Walk the messages of one FIT file (normal headers only, as runform's writer emits)."""
    header_size = data[0]
    (data_size,) = struct.unpack_from("<I", data, 4)
    pos, end = header_size, header_size + data_size
    defs: dict[
        int, tuple[int, tuple[tuple[int, int], ...], int]
    ] = {}  # local -> global, fields, dev bytes
    out: list[Msg] = []
    while pos < end:
        head = data[pos]
        assert not head & 0x80, "compressed timestamp headers are not expected here"
        local = head & 0x0F
        if head & 0x40:  # definition: reserved, architecture, global number, n fields, fields
            assert data[pos + 2] == 0, "little-endian expected"
            (global_num,) = struct.unpack_from("<H", data, pos + 3)
            n_fields = data[pos + 5]
            p = pos + 6
            fields = tuple((data[p + 3 * i], data[p + 3 * i + 1]) for i in range(n_fields))
            p += 3 * n_fields
            dev_bytes = 0
            if head & 0x20:  # developer fields
                n_dev = data[p]
                dev_bytes = sum(data[p + 1 + 3 * i + 1] for i in range(n_dev))
                p += 1 + 3 * n_dev
            defs[local] = (global_num, fields, dev_bytes)
            out.append(Msg(True, global_num, pos, p - pos))
            pos = p
        else:
            global_num, fields, dev_bytes = defs[local]
            length = 1 + sum(size for _, size in fields) + dev_bytes
            out.append(Msg(False, global_num, pos, length, fields))
            pos += length
    assert pos == end
    return out


def records(data: bytes) -> list[Msg]:
    return [m for m in fit_messages(data) if not m.definition and m.global_num == RECORD]


def record_offsets(data: bytes) -> list[int]:
    return [m.offset for m in records(data)]


def field_offset(msg: Msg, field_num: int) -> int:
    """Byte offset in the file of one field of a data message."""
    pos = msg.offset + 1
    for num, size in msg.fields:
        if num == field_num:
            return pos
        pos += size
    raise KeyError(field_num)


def with_file_crc(data: bytes) -> bytes:
    """Recompute the trailing file CRC (so only the damage we plant is seen)."""
    return data[:-2] + struct.pack("<H", crc16(data[:-2]))


def keep_messages(data: bytes, keep: Callable[[Msg], bool]) -> bytes:
    """Rebuild a FIT file with only some messages; data size and both CRCs fixed."""
    header_size = data[0]
    body = b"".join(data[m.offset : m.offset + m.length] for m in fit_messages(data) if keep(m))
    head = bytearray(data[:header_size])
    struct.pack_into("<I", head, 4, len(body))
    if header_size == 14:
        struct.pack_into("<H", head, 12, crc16(bytes(head[:12])))
    out = bytes(head) + body
    return out + struct.pack("<H", crc16(out))


def heart_rate(n: int = N) -> np.ndarray:
    return 120.0 + np.arange(n) % 60  # a sawtooth: every sample identifiable by its value


def latitude(n: int = N, spike_at: int | None = None) -> np.ndarray:
    lat = LAT0 + np.arange(n) * DLAT
    if spike_at is not None:
        lat[spike_at] += SPIKE_DEG
    return lat


def run_fit(*, spike_at: int | None = None, n: int = N, t0: float = T0) -> bytes:
    """A 1 Hz running file with two laps and a session, written by runform's FIT writer."""
    cad, frac = running_cadence_fields(np.full(n, 170.0))
    records = {
        "timestamp": t0 + np.arange(n),
        "position_lat": degrees_to_semicircles(latitude(n, spike_at)),
        "position_long": degrees_to_semicircles(np.full(n, LON0)),
        "distance": np.arange(n) * 3.3,
        "enhanced_speed": np.full(n, 3.3),
        "heart_rate": heart_rate(n),
        "cadence": cad,
        "fractional_cadence": frac,
    }
    half = n // 2
    laps = [
        {"start_time": t0, "timestamp": t0 + half - 1, "total_timer_time": half},
        {"start_time": t0 + half, "timestamp": t0 + n - 1, "total_timer_time": n - half},
    ]
    session = {"sport": "running", "total_timer_time": n - 1, "total_distance": (n - 1) * 3.3}
    buf = io.BytesIO()
    write_activity_fit(buf, records=records, laps=laps, session=session)
    return buf.getvalue()


def test_helpers_follow_the_fit_protocol() -> None:
    assert crc16(b"123456789") == 0xBB3D  # CRC-16/ARC check value
    data = run_fit()
    assert data[8:12] == b".FIT"
    assert struct.unpack_from("<H", data, len(data) - 2)[0] == crc16(data[:-2])
    assert len(record_offsets(data)) == N
    assert keep_messages(data, lambda m: True) == data


# --------------------------------------------------------------------------- the batch


def gpx(n: int = 30) -> bytes:
    pts = "".join(
        f'<trkpt lat="{48.0 + i * 3e-5:.6f}" lon="2.3">'
        f"<time>2026-05-04T06:00:{i:02d}Z</time></trkpt>"
        for i in range(n)
    )
    return (
        '<?xml version="1.0"?><gpx version="1.1" creator="test" '
        'xmlns="http://www.topografix.com/GPX/1/1"><trk><type>running</type><trkseg>'
        f"{pts}</trkseg></trk></gpx>"
    ).encode()


BILLION_LAUGHS = (
    b'<?xml version="1.0"?><!DOCTYPE gpx [<!ENTITY a "aaaaaaaaaa">'
    + b"".join(
        f'<!ENTITY {chr(98 + i)} "{("&" + chr(97 + i) + ";") * 10}">'.encode() for i in range(8)
    )
    + b']><gpx version="1.1"><trk><name>&i;</name></trk></gpx>'
)


@dataclass(frozen=True)
class Expect:
    """What a user must be told about one input."""

    samples: int | None = None  # imported: samples kept
    partial: str | None = None  # imported as partial: a word the warning must contain
    failed: tuple[str, ...] = ()  # failed: words the error must contain (any of them)


@dataclass
class Batch:
    folder: Path
    extra: list[str]  # paths named on the command line besides the folder
    expect: dict[str, Expect]  # label -> expectation

    @property
    def args(self) -> list[str]:
        return [str(self.folder), *self.extra]


def build_batch(root: Path) -> Batch:
    folder = root / "batch"
    folder.mkdir()
    exp: dict[str, Expect] = {}

    def put(name: str, data: bytes, expect: Expect) -> None:
        (folder / name).write_bytes(data)
        exp[str(folder / name)] = expect

    good = run_fit()
    put("good.fit", good, Expect(samples=N))
    put("good.gpx", gpx(), Expect(samples=30))
    put("spike.fit", run_fit(spike_at=SPIKE_AT, t0=T0 + 86_400), Expect(samples=N))

    # timestamps: records 100/101 swapped (backwards), record 300 repeats 299, record 400
    # jumps back to 350 (backwards and repeated): 598 ordered unique samples remain.
    ts_bad = bytearray(run_fit(t0=T0 + 2 * 86_400))
    ts_recs = records(bytes(ts_bad))
    for i, t in ((100, 101), (101, 100), (300, 299), (400, 350)):
        at = field_offset(ts_recs[i], TIMESTAMP)
        struct.pack_into("<I", ts_bad, at, int(T0 + 2 * 86_400 + t - FIT_EPOCH_UNIX_S))
    put("timestamps.fit", with_file_crc(bytes(ts_bad)), Expect(samples=N - 2))

    # truncations: at a record boundary, inside a record, after the last record
    t_base = run_fit(t0=T0 + 3 * 86_400)
    t_offs = record_offsets(t_base)
    put("trunc_at_rec100.fit", t_base[: t_offs[100]], Expect(samples=100, partial="truncated"))
    put("trunc_in_rec400.fit", t_base[: t_offs[400] + 7], Expect(samples=400, partial="truncated"))
    last = records(t_base)[-1]
    put(
        "trunc_after_records.fit",
        t_base[: last.offset + last.length],
        Expect(samples=N, partial="truncated"),
    )
    # CRCs: the file CRC flipped; one sample's heart-rate byte flipped (data unchanged otherwise)
    c1 = bytearray(run_fit(t0=T0 + 4 * 86_400))
    c1[-1] ^= 0xFF
    put("crc_file.fit", bytes(c1), Expect(samples=N, partial="CRC"))
    c2 = bytearray(run_fit(t0=T0 + 5 * 86_400))
    c2[field_offset(records(bytes(c2))[250], HEART_RATE)] ^= 0x01
    put("crc_mid.fit", bytes(c2), Expect(samples=N, partial="CRC"))
    # a record header that names an undefined local message (CRC recomputed): kept up to it
    c3 = bytearray(run_fit(t0=T0 + 6 * 86_400))
    c3[record_offsets(bytes(c3))[250]] = 0x0F
    put("broken_record.fit", with_file_crc(bytes(c3)), Expect(samples=250, partial="damaged"))

    # failures
    put("empty.fit", b"", Expect(failed=("empty",)))
    put(
        "notfit.fit",
        b"Hello, this is a text file, not a watch file.\n" * 20,
        Expect(failed=("not a FIT",)),
    )
    put("trunc_header.fit", good[:10], Expect(failed=("truncated",)))
    put("trunc_definitions.fit", good[:40], Expect(failed=("truncated",)))
    put(
        "norecords.fit",
        keep_messages(good, lambda m: m.global_num != RECORD),
        Expect(failed=("no samples", "no FIT record")),
    )
    put("notxml.gpx", b"this is { not XML at all\n", Expect(failed=("XML", "xml")))
    put("notxml.tcx", b"<TrainingCenterDatabase><Activities>", Expect(failed=("XML", "xml")))
    put("bomb.gpx", BILLION_LAUGHS, Expect(failed=("entit",)))
    os.symlink(folder / "no-such-target.fit", folder / "dangling.fit")
    exp[str(folder / "dangling.fit")] = Expect(failed=("broken symbolic link",))

    # archives: zip-slip member next to a good one; a zip bomb member
    inzip = run_fit(t0=T0 + 7 * 86_400)
    evil = run_fit(t0=T0 + 8 * 86_400)
    zbuf = io.BytesIO()
    with zipfile.ZipFile(zbuf, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("../../evil.fit", evil)
        zf.writestr("runs/inzip.fit", inzip)
    (folder / "export.zip").write_bytes(zbuf.getvalue())
    exp[f"{folder / 'export.zip'}!../../evil.fit"] = Expect(failed=("outside", "unsafe"))
    exp[f"{folder / 'export.zip'}!runs/inzip.fit"] = Expect(samples=N)
    bbuf = io.BytesIO()
    with zipfile.ZipFile(bbuf, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("huge.fit", bytes(8 << 20))  # 8 MiB of zeros, ~1000:1
    (folder / "bomb.zip").write_bytes(bbuf.getvalue())
    exp[f"{folder / 'bomb.zip'}!huge.fit"] = Expect(failed=("bomb",))

    # named on the command line: a missing path and a dangling symlink
    missing = root / "nowhere" / "missing.fit"
    link = root / "link.fit"
    os.symlink(root / "gone.fit", link)
    exp[str(missing)] = Expect(failed=("no such file",))
    exp[str(link)] = Expect(failed=("broken symbolic link",))
    return Batch(folder, [str(missing), str(link)], exp)


# --------------------------------------------------------------------------- running runform


def runform(*args: str) -> subprocess.CompletedProcess[str]:
    """Run the installed console script (``runform.cli.main:main``) as a user would."""
    script = Path(sys.executable).with_name("runform")
    cmd = (
        [str(script)]
        if script.exists()
        else [sys.executable, "-c", "from runform.cli.main import main; main()"]
    )
    env = {k: v for k, v in os.environ.items() if k != "RUNFORM_DEBUG"}
    return subprocess.run(
        [*cmd, *args], capture_output=True, text=True, timeout=120, env=env, check=False
    )


def cli(db: Path, *args: str) -> str:
    """Run a read command in-process and return its stdout."""
    result = CliRunner().invoke(app, ["--db", str(db), *args])
    assert result.exit_code == 0, result.output
    return result.stdout


def store_invariant(db: Path) -> dict[str, int]:
    """No half activities: every count the store keeps matches the rows it holds."""
    store = Store(db, read_only=True)
    try:
        q = store.con.execute
        bad_samples = q(
            "SELECT a.id, a.n_samples, count(s.idx) FROM activities a "
            "LEFT JOIN samples s ON s.activity_id = a.id GROUP BY a.id, a.n_samples "
            "HAVING a.n_samples <> count(s.idx)"
        ).fetchall()
        assert not bad_samples, f"n_samples differs from stored samples: {bad_samples}"
        bad_laps = q(
            "SELECT a.id, a.n_laps, count(l.lap_index) FROM activities a "
            "LEFT JOIN laps l ON l.activity_id = a.id GROUP BY a.id, a.n_laps "
            "HAVING a.n_laps <> count(l.lap_index)"
        ).fetchall()
        assert not bad_laps, f"n_laps differs from stored laps: {bad_laps}"
        for table in ("samples", "laps", "events", "dev_samples"):
            orphans = q(
                f"SELECT count(*) FROM {table} t WHERE NOT EXISTS "
                "(SELECT 1 FROM activities a WHERE a.id = t.activity_id)"
            ).fetchone()
            assert orphans == (0,), f"{table} rows without an activity: {orphans}"
        dup_idx = q(
            "SELECT count(*) FROM (SELECT activity_id, idx FROM samples "
            "GROUP BY activity_id, idx HAVING count(*) > 1)"
        ).fetchone()
        assert dup_idx == (0,)
        bad_sources = q(
            "SELECT f.path, f.n_activities, count(a.id) FROM source_files f "
            "LEFT JOIN activities a ON a.athlete_id = f.athlete_id AND a.source_sha256 = f.sha256 "
            "GROUP BY f.path, f.n_activities HAVING f.n_activities <> count(a.id)"
        ).fetchall()
        assert not bad_sources, f"source files without their activities: {bad_sources}"
        unsourced = q(
            "SELECT count(*) FROM activities a WHERE NOT EXISTS (SELECT 1 FROM source_files f "
            "WHERE f.athlete_id = a.athlete_id AND f.sha256 = a.source_sha256)"
        ).fetchone()
        assert unsourced == (0,), "activities without a source file"
        return store.counts()
    finally:
        store.close()


def no_traceback(proc: subprocess.CompletedProcess[str]) -> None:
    for text in (proc.stdout, proc.stderr):
        assert "Traceback" not in text
        assert 'File "' not in text


# --------------------------------------------------------------------------- tests


@pytest.fixture(scope="module")
def batch(tmp_path_factory: pytest.TempPathFactory) -> Batch:
    return build_batch(tmp_path_factory.mktemp("bad"))


@pytest.fixture(scope="module")
def imported(
    batch: Batch, tmp_path_factory: pytest.TempPathFactory
) -> tuple[Path, dict[str, Any], subprocess.CompletedProcess[str]]:
    db = tmp_path_factory.mktemp("store") / "store.duckdb"
    proc = runform("--db", str(db), "import", *batch.args, "--json")
    no_traceback(proc)
    return db, json.loads(proc.stdout), proc


def test_batch_goes_on_and_reports_every_bad_file_once(
    batch: Batch, imported: tuple[Path, dict[str, Any], subprocess.CompletedProcess[str]]
) -> None:
    db, report, proc = imported
    assert proc.returncode == 0, proc.stderr
    good = {label for label, e in batch.expect.items() if e.samples is not None}
    bad = {label: e for label, e in batch.expect.items() if e.failed}
    assert report["imported"] == len(good)
    assert len(report["activity_ids"]) == len(set(report["activity_ids"])) == len(good)

    failed_paths = [f["path"] for f in report["failed"]]
    assert sorted(failed_paths) == sorted(bad), "each bad input once, nothing else"
    for f in report["failed"]:
        error = f["error"]
        assert error and "\n" not in error, f
        assert any(word in error for word in bad[f["path"]].failed), f

    partial = {p["path"]: p["warning"] for p in report["partial"]}
    want_partial = {label: e.partial for label, e in batch.expect.items() if e.partial}
    assert set(partial) == set(want_partial)
    for path, word in want_partial.items():
        assert word is not None and word in partial[path], (path, partial[path])

    counts = store_invariant(db)
    assert counts["source_files"] == counts["activities"] == len(good)
    rows = json.loads(cli(db, "activities", "--json"))
    by_source = {r["source"]: r for r in rows}
    assert set(by_source) == good
    for label in good:
        assert by_source[label]["partial"] == (label in want_partial)


def _streams(db: Path, activity_id: int, tmp: Path) -> pd.DataFrame:
    out = tmp / f"a{activity_id}.csv"
    cli(db, "export", str(activity_id), "--format", "csv", "-o", str(out))
    return pd.read_csv(out)


def seconds_since(streams: pd.DataFrame, t0: float) -> np.ndarray:
    """Sample timestamps as whole seconds after ``t0`` [Unix s]."""
    ts = pd.to_datetime(streams["timestamp"], utc=True)
    secs = (ts - pd.Timestamp(t0, unit="s", tz="UTC")).dt.total_seconds().to_numpy()
    assert np.all(secs == np.round(secs))
    return secs.astype(int)


def _id_of(db: Path, label: str) -> int:
    rows = json.loads(cli(db, "activities", "--json"))
    return int(next(r["id"] for r in rows if r["source"] == label))


@pytest.mark.parametrize(
    ("name", "day", "kept", "word"),
    [
        ("trunc_at_rec100.fit", 3, 100, "truncated"),
        ("trunc_in_rec400.fit", 3, 400, "truncated"),
        ("trunc_after_records.fit", 3, N, "truncated"),
        ("crc_file.fit", 4, N, "CRC check failed"),
        ("crc_mid.fit", 5, N, "CRC check failed"),
        ("broken_record.fit", 6, 250, "damaged"),
    ],
)
def test_partial_files_keep_exactly_the_samples_before_the_damage(
    batch: Batch,
    imported: tuple[Path, dict[str, Any], subprocess.CompletedProcess[str]],
    tmp_path: Path,
    name: str,
    day: int,
    kept: int,
    word: str,
) -> None:
    db = imported[0]
    aid = _id_of(db, str(batch.folder / name))
    info = json.loads(cli(db, "show", str(aid), "--json"))
    assert info["partial"] is True
    assert info["n_samples"] == kept
    assert any(word in w for w in info["warnings"]), info["warnings"]
    s = _streams(db, aid, tmp_path)
    assert len(s) == kept
    assert seconds_since(s, T0 + day * 86_400).tolist() == list(range(kept))
    hr = heart_rate()[:kept]
    if name == "crc_mid.fit":  # the flipped byte is sample 250's heart rate: kept raw
        hr = hr.copy()
        hr[250] = int(hr[250]) ^ 0x01
    np.testing.assert_array_equal(s["heart_rate"].to_numpy(), hr)


def test_gps_spike_is_flagged_and_kept_raw(
    batch: Batch,
    imported: tuple[Path, dict[str, Any], subprocess.CompletedProcess[str]],
    tmp_path: Path,
) -> None:
    db = imported[0]
    aid = _id_of(db, str(batch.folder / "spike.fit"))
    s = _streams(db, aid, tmp_path)
    assert len(s) == N
    assert s.index[s["gps_spike"].astype(bool)].tolist() == [SPIKE_AT]
    semicircle_deg = 180.0 / 2**31  # FIT position resolution
    np.testing.assert_allclose(s["latitude"], latitude(spike_at=SPIKE_AT), atol=semicircle_deg)
    np.testing.assert_allclose(s["longitude"], LON0, atol=semicircle_deg)
    info = json.loads(cli(db, "show", str(aid), "--json"))
    assert info["partial"] is False
    assert any("spike" in w for w in info["warnings"]), info["warnings"]


def test_backwards_and_repeated_timestamps_give_ordered_unique_samples(
    batch: Batch,
    imported: tuple[Path, dict[str, Any], subprocess.CompletedProcess[str]],
    tmp_path: Path,
) -> None:
    db = imported[0]
    aid = _id_of(db, str(batch.folder / "timestamps.fit"))
    info = json.loads(cli(db, "show", str(aid), "--json"))
    assert info["n_samples"] == N - 2
    assert any("backwards" in w for w in info["warnings"]), info["warnings"]
    assert any("repeated" in w for w in info["warnings"]), info["warnings"]
    s = _streams(db, aid, tmp_path)
    rel = seconds_since(s, T0 + 2 * 86_400)
    # Seconds 300 and 400 are gone (their records carried the times 299 and 350, which
    # the first records with those times keep); everything else once, in order.
    assert rel.tolist() == [i for i in range(N) if i not in (300, 400)]
    # Values travel with their timestamps: the swapped records' heart rates are swapped too.
    hr = dict(zip(rel.tolist(), s["heart_rate"].tolist(), strict=True))
    written = heart_rate()
    assert hr[100] == written[101] and hr[101] == written[100]
    assert hr[299] == written[299] and hr[350] == written[350]


def test_human_output_has_one_line_per_failed_file(batch: Batch, tmp_path: Path) -> None:
    db = tmp_path / "store.duckdb"
    proc = runform("--db", str(db), "import", *batch.args)
    no_traceback(proc)
    assert proc.returncode == 0
    lines = proc.stdout.splitlines()
    bad = [label for label, e in batch.expect.items() if e.failed]
    failed_lines = [ln for ln in lines if ln.startswith("failed ")]
    assert len(failed_lines) == len(bad)
    for label in bad:
        hits = [ln for ln in failed_lines if ln.startswith(f"failed {label}: ")]
        assert len(hits) == 1, (label, failed_lines)
    partial = [label for label, e in batch.expect.items() if e.partial]
    partial_lines = [ln for ln in lines if ln.startswith("partial ")]
    assert sorted(ln.split(": ", 1)[0].removeprefix("partial ") for ln in partial_lines) == sorted(
        partial
    )
    assert f"{len(bad)} failed" in proc.stdout
    store_invariant(db)

    # Importing the same batch again adds nothing and reports the same failures.
    before = store_invariant(db)
    again = runform("--db", str(db), "import", *batch.args, "--json")
    no_traceback(again)
    report = json.loads(again.stdout)
    assert report["imported"] == 0
    assert report["duplicates"] == sum(e.samples is not None for e in batch.expect.values())
    assert sorted(f["path"] for f in report["failed"]) == sorted(bad)
    assert store_invariant(db) == before


@pytest.mark.parametrize(
    ("name", "word"),
    [("empty.fit", "empty"), ("notfit.fit", "not a FIT"), ("norecords.fit", "no samples")],
)
def test_a_single_bad_file_fails_with_one_line(
    batch: Batch, tmp_path: Path, name: str, word: str
) -> None:
    db = tmp_path / "store.duckdb"
    path = str(batch.folder / name)
    proc = runform("--db", str(db), "import", path)
    no_traceback(proc)
    assert proc.stderr == ""
    failed = [ln for ln in proc.stdout.splitlines() if ln.startswith("failed ")]
    assert len(failed) == 1 and failed[0].startswith(f"failed {path}: ") and word in failed[0]
    assert store_invariant(db)["activities"] == 0


def test_missing_path_alone_fails_cleanly(tmp_path: Path) -> None:
    db = tmp_path / "store.duckdb"
    missing = tmp_path / "does" / "not" / "exist.fit"
    proc = runform("--db", str(db), "import", str(missing), "--json")
    no_traceback(proc)
    report = json.loads(proc.stdout)
    assert report["imported"] == 0
    assert report["failed"] == [
        {"path": str(missing), "error": "no such file or folder; check the path"}
    ]


def test_exit_status_is_1_when_nothing_was_imported(batch: Batch, tmp_path: Path) -> None:
    proc = runform(
        "--db", str(tmp_path / "store.duckdb"), "import", str(batch.folder / "empty.fit")
    )
    no_traceback(proc)
    assert proc.returncode == 1
