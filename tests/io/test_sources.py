"""Tests for runform.io.sources: finding and unpacking activity files safely.

Every input is written here, into ``tmp_path``: the truth is the bytes the test
wrote (they must come back identical) and the names it planted. The corpus test
checks the shared corpus against its own MANIFEST.tsv.
"""

from __future__ import annotations

import csv
import gzip
import io
import os
import random
import struct
import time
import zipfile
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from runform.errors import InputFileError
from runform.io import sources
from runform.io.sources import (
    Member,
    ScanLimits,
    ScanStats,
    count_candidates,
    iter_members,
    sniff_kind,
)

MiB = 1 << 20
# ../shared/corpus next to the repository (the first such folder above this file)
CORPUS = next(
    (
        d / "shared" / "corpus"
        for d in Path(__file__).resolve().parents
        if (d / "shared" / "corpus").is_dir()
    ),
    Path("../shared/corpus"),
)


# ---- inputs -----------------------------------------------------------------------------


def fit_bytes(seed: int, n: int = 2000) -> bytes:
    """A FIT-looking file: 14-byte header (size 14, protocol 2.0, '.FIT') + random records."""
    body = random.Random(seed).randbytes(n)
    header = struct.pack("<BBHI4s", 14, 0x20, 2132, len(body), b".FIT") + b"\x00\x00"
    return header + body + b"\x00\x00"


def gpx_bytes(tag: str) -> bytes:
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        f'<gpx version="1.1" creator="{tag}" xmlns="http://www.topografix.com/GPX/1/1">'
        f"<trk><name>{tag}</name></trk></gpx>\n"
    ).encode()


def tcx_bytes(tag: str) -> bytes:
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<TrainingCenterDatabase xmlns="http://www.garmin.com/xmlschemas/'
        f'TrainingCenterDatabase/v2"><Activities><Notes>{tag}</Notes></Activities>'
        "</TrainingCenterDatabase>\n"
    ).encode()


def write(path: Path, data: bytes) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return path


def make_zip(members: list[tuple[str, bytes]], compression: int = zipfile.ZIP_DEFLATED) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", compression=compression) as zf:
        for name, data in members:
            zf.writestr(zipfile.ZipInfo(name, (2024, 5, 1, 7, 0, 0)), data, compression)
    return buf.getvalue()


def central_entries(data: bytes) -> dict[str, int]:
    """Offsets of the central-directory records of a zip, by member name (PKWARE APPNOTE 4.3.12)."""
    out = {}
    pos = data.find(b"PK\x01\x02")
    while pos >= 0:
        name_len = struct.unpack_from("<H", data, pos + 28)[0]
        out[data[pos + 46 : pos + 46 + name_len].decode()] = pos
        pos = data.find(b"PK\x01\x02", pos + 46 + name_len)
    return out


def local_data_offset(data: bytes, name: str) -> int:
    """Where a member's compressed data starts (after its local header, APPNOTE 4.3.7)."""
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        info = zf.getinfo(name)
    name_len: int
    extra_len: int
    name_len, extra_len = struct.unpack_from("<HH", data, info.header_offset + 26)
    return info.header_offset + 30 + name_len + extra_len


def scan(paths: Any, **kw: Any) -> tuple[list[Member], ScanStats]:
    stats = ScanStats()
    members = list(iter_members(paths, stats, **kw))
    return members, stats


def by_label(members: list[Member]) -> dict[str, Member]:
    return {m.label: m for m in members}


# ---- sniffing ---------------------------------------------------------------------------


def test_sniff_kind_recognises_headers_and_roots() -> None:
    assert sniff_kind(fit_bytes(1)) == "fit"
    twelve = struct.pack("<BBHI4s", 12, 0x10, 100, 0, b".FIT")
    assert sniff_kind(twelve) == "fit"
    assert sniff_kind(b"\x0e" + b"\x00" * 7 + b"FIT." + b"\x00" * 4) is None
    assert sniff_kind(gpx_bytes("a")) == "gpx"
    assert sniff_kind(tcx_bytes("a")) == "tcx"
    with_bom_and_comment = b"\xef\xbb\xbf  <?xml version='1.0'?>\n<!-- made by X -->\n<gpx/>"
    assert sniff_kind(with_bom_and_comment) == "gpx"
    prefixed = b"<?xml version='1.0'?><tcd:TrainingCenterDatabase xmlns:tcd='x'/>"
    assert sniff_kind(prefixed) == "tcx"
    assert sniff_kind(gpx_bytes("u16").decode().encode("utf-16")) == "gpx"
    assert sniff_kind(b"this text mentions <gpx> but is not XML") is None
    assert sniff_kind(b"<html><body/></html>") is None
    assert sniff_kind(b'{"gpx": 1}') is None
    assert sniff_kind(b"") is None


# ---- folders ----------------------------------------------------------------------------


def test_folder_recursive_counts_order_and_content(tmp_path: Path) -> None:
    root = tmp_path / "watch"
    files = {
        "a.fit": fit_bytes(1),
        "b.GPX": gpx_bytes("b"),
        "misnamed.txt": gpx_bytes("misnamed"),  # sniffed
        "noext": fit_bytes(2),  # sniffed
        "sub/c.tcx": tcx_bytes("c"),
        "sub/deeper/d.fit.gz": gzip.compress(fit_bytes(3)),
    }
    unknown = ["other.csv", ".DS_Store", "sub/notes.json", "sub/photo.jpg"]
    for rel, data in files.items():
        write(root / rel, data)
    for rel in unknown:
        write(root / rel, b'{"not": "an activity"}')
    write(root / "__MACOSX" / "._a.fit", b"\x00\x05\x16\x07 AppleDouble")
    write(root / "._b.gpx", b"\x00\x05\x16\x07 AppleDouble")

    members, stats = scan([root])

    assert [m.label for m in members] == [
        str(root / "a.fit"),
        str(root / "b.GPX"),
        str(root / "misnamed.txt"),
        str(root / "noext"),
        str(root / "sub" / "c.tcx"),
        str(root / "sub" / "deeper" / "d.fit.gz"),
    ]
    assert [m.kind for m in members] == ["fit", "gpx", "gpx", "fit", "tcx", "fit"]
    expected = [files[k] for k in ("a.fit", "b.GPX", "misnamed.txt", "noext", "sub/c.tcx")]
    expected.append(fit_bytes(3))
    assert [m.data for m in members] == expected
    assert all(m.ok and m.size == len(m.data or b"") for m in members)
    assert stats.skipped == len(unknown)
    assert sorted(stats.skipped_examples) == sorted(str(root / u) for u in unknown)
    assert stats.seen == len(files) + len(unknown)  # macOS litter is not counted
    assert (stats.yielded, stats.errors) == (6, 0)
    # names only: the extension-less and misnamed files are found by content later
    assert count_candidates([root]) == 4
    # deterministic
    assert [m.label for m in iter_members([root])] == [m.label for m in members]


def test_single_path_and_misnamed_content(tmp_path: Path) -> None:
    gpx_named_fit = write(tmp_path / "run.fit", gpx_bytes("x"))
    plain_named_gz = write(tmp_path / "walk.gpx.gz", gpx_bytes("plain"))
    gz_named_plain = write(tmp_path / "ride.fit", gzip.compress(fit_bytes(4)))
    (m1,) = iter_members(str(gpx_named_fit))  # a single path, not a list
    assert (m1.kind, m1.data) == ("gpx", gpx_bytes("x"))
    (m2,) = iter_members([plain_named_gz])
    assert (m2.kind, m2.data) == ("gpx", gpx_bytes("plain"))
    (m3,) = iter_members([gz_named_plain])
    assert (m3.kind, m3.data) == ("fit", fit_bytes(4))


def test_empty_file_is_an_error(tmp_path: Path) -> None:
    (m,) = iter_members([write(tmp_path / "empty.fit", b"")])
    assert m.data is None and m.kind == "fit"
    assert m.error is not None and "empty" in m.error


def test_fifo_in_folder_is_skipped_without_blocking(tmp_path: Path) -> None:
    if not hasattr(os, "mkfifo"):
        pytest.skip("no FIFOs on this platform")
    write(tmp_path / "a.gpx", gpx_bytes("a"))
    os.mkfifo(tmp_path / "pipe.fit")
    members, stats = scan([tmp_path])
    assert [m.label for m in members] == [str(tmp_path / "a.gpx")]
    assert stats.skipped == 1


# ---- Garmin export: zip inside zip ------------------------------------------------------


@pytest.mark.parametrize(
    ("inner_compression", "in_memory"),
    [
        (zipfile.ZIP_STORED, 64 * MiB),  # read in place through a window
        (zipfile.ZIP_DEFLATED, 64 * MiB),  # spooled in memory
        (zipfile.ZIP_DEFLATED, 1),  # spooled to a temporary file
    ],
)
def test_garmin_export_zip_in_zip(tmp_path: Path, inner_compression: int, in_memory: int) -> None:
    acts = {
        "111_ACTIVITY.fit": fit_bytes(11, 50_000),
        "222_ACTIVITY.fit": fit_bytes(22, 80_000),
        "333.gpx": gpx_bytes("333"),
    }
    inner = make_zip(list(acts.items()))
    part = "DI_CONNECT/DI-Connect-Uploaded-Files/UploadedFiles_0-_Part1.zip"
    outer_buf = io.BytesIO()
    with zipfile.ZipFile(outer_buf, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("DI_CONNECT/DI-Connect-Fitness/me_summarizedActivities.json", b"[]")
        zf.writestr("DI_CONNECT/DI-Connect-Uploaded-Files/", b"")  # directory entry
        zf.writestr(part, inner, compress_type=inner_compression)
        zf.writestr("__MACOSX/DI_CONNECT/._x.fit", b"\x00\x05\x16\x07")
    export = write(tmp_path / "garmin_export.zip", outer_buf.getvalue())

    members, stats = scan([export], limits=ScanLimits(nested_in_memory_bytes=in_memory))

    assert [m.label for m in members] == [f"{export}!{part}!{name}" for name in acts]
    assert [m.data for m in members] == list(acts.values())
    assert [m.kind for m in members] == ["fit", "fit", "gpx"]
    assert (stats.skipped, stats.errors) == (1, 0)
    assert stats.skipped_examples == [
        f"{export}!DI_CONNECT/DI-Connect-Fitness/me_summarizedActivities.json"
    ]
    # names of a stored inner archive are counted in place; a compressed one counts as 1
    expected_count = 3 if inner_compression == zipfile.ZIP_STORED else 1
    assert count_candidates([export]) == expected_count


def test_nesting_deeper_than_the_cap_is_refused(tmp_path: Path) -> None:
    level4 = make_zip([("deep.fit", fit_bytes(1))])
    level3 = make_zip([("l4.zip", level4), ("ok3.fit", fit_bytes(3))])
    level2 = make_zip([("l3.zip", level3)])
    level1 = write(tmp_path / "l1.zip", make_zip([("l2.zip", level2)]))
    members, _ = scan([level1])
    got = by_label(members)
    assert got[f"{level1}!l2.zip!l3.zip!ok3.fit"].data == fit_bytes(3)
    refused = got[f"{level1}!l2.zip!l3.zip!l4.zip"]
    assert refused.data is None
    assert refused.error is not None and "nested more than 3 levels" in refused.error
    assert len(members) == 2


# ---- Strava export ----------------------------------------------------------------------

STRAVA_HEADER = [
    "Activity ID",
    "Activity Date",
    "Activity Name",
    "Activity Type",
    "Activity Description",
    "Elapsed Time",
    "Distance",
    "Filename",
    "Elapsed Time",  # Strava repeats some columns
    "Distance",
]


def strava_csv(rows: list[list[str]], header: list[str] = STRAVA_HEADER) -> bytes:
    buf = io.StringIO(newline="")
    writer = csv.writer(buf)
    writer.writerow(header)
    writer.writerows(rows)
    return b"\xef\xbb\xbf" + buf.getvalue().encode("utf-8")  # Strava writes a UTF-8 BOM


STRAVA_ROWS = [
    ["1", "Jan 1, 2024, 7:00:00 AM", "Morning Run, easy", "Run", "line one\nline two",
     "3600", "10.0", "activities/1.fit.gz", "3600", "10000"],
    ["2", "Jan 2, 2024, 7:00:00 AM", 'Long "Sunday" run', "Run", "", "7200", "21.1",
     "activities/2.gpx.gz", "7200", "21100"],
    ["4", "Jan 3, 2024, 7:00:00 AM", "Manual entry", "Ride", "", "100", "1.0", "", "100",
     "1000"],
    ["5", "Jan 4, 2024, 7:00:00 AM", "Café Lauf", "Trail Run", "", "100", "1.0",
     "activities/5.tcx", "100", "1000"],
]  # fmt: skip


def strava_files() -> dict[str, bytes]:
    return {
        "activities/1.fit.gz": gzip.compress(fit_bytes(1)),
        "activities/2.gpx.gz": gzip.compress(gpx_bytes("2")),
        "activities/3.tcx": tcx_bytes("not in the csv"),
        "activities/5.tcx": tcx_bytes("5"),
        "media/photo.jpg": b"\xff\xd8\xff\xe0 not an activity",
        "profile.csv": b"Athlete ID,Email\n1,a@b.c\n",
    }


def check_strava(members: list[Member], prefix: str) -> None:
    got = by_label(members)
    assert list(got) == [
        f"{prefix}activities/1.fit.gz",
        f"{prefix}activities/2.gpx.gz",
        f"{prefix}activities/3.tcx",
        f"{prefix}activities/5.tcx",
    ]
    one, two, three, five = got.values()
    assert (one.kind, one.data, one.name, one.sport_hint) == (
        "fit",
        fit_bytes(1),
        "Morning Run, easy",
        "Run",
    )
    assert (two.kind, two.data, two.name, two.sport_hint) == (
        "gpx",
        gpx_bytes("2"),
        'Long "Sunday" run',
        "Run",
    )
    assert (three.kind, three.name, three.sport_hint) == ("tcx", None, None)
    assert (five.name, five.sport_hint) == ("Café Lauf", "Trail Run")


def test_strava_zip_joins_names_and_gunzips(tmp_path: Path) -> None:
    files = {"activities.csv": strava_csv(STRAVA_ROWS), **strava_files()}
    export = write(tmp_path / "export_1234.zip", make_zip(list(files.items())))
    members, stats = scan([export])
    check_strava(members, f"{export}!")
    assert stats.skipped == 2  # photo.jpg, profile.csv
    assert stats.seen == len(files) + 1  # the archive itself is a file seen
    assert stats.warnings == []
    assert count_candidates([export]) == 4


def test_strava_zip_with_a_top_folder(tmp_path: Path) -> None:
    files = {"activities.csv": strava_csv(STRAVA_ROWS), **strava_files()}
    export = write(
        tmp_path / "rezipped.zip", make_zip([(f"export_1234/{k}", v) for k, v in files.items()])
    )
    members, _ = scan([export])
    check_strava(members, f"{export}!export_1234/")


def test_strava_folder_and_paths_inside_it(tmp_path: Path) -> None:
    root = tmp_path / "export_1234"
    write(root / "activities.csv", strava_csv(STRAVA_ROWS))
    for rel, data in strava_files().items():
        write(root / rel, data)
    members, stats = scan([root])
    check_strava(members, f"{root}/")
    assert stats.skipped == 2
    # naming the activities folder or one file still finds ../activities.csv
    members, _ = scan([root / "activities"])
    check_strava(members, f"{root}/")
    (one,) = iter_members([root / "activities" / "1.fit.gz"])
    assert (one.name, one.sport_hint, one.data) == ("Morning Run, easy", "Run", fit_bytes(1))


def test_strava_csv_missing_columns(tmp_path: Path) -> None:
    header = ["Activity ID", "Activity Name", "Filename"]  # no Activity Type
    rows = [["1", "Tempo", "activities/1.fit.gz"]]
    export = write(
        tmp_path / "e.zip",
        make_zip(
            [
                ("activities.csv", strava_csv(rows, header)),
                ("activities/1.fit.gz", gzip.compress(fit_bytes(1))),
            ]
        ),
    )
    (m,) = iter_members([export])
    assert (m.name, m.sport_hint) == ("Tempo", None)

    # no Filename header at all: the column holding activities/... paths is used
    header = ["Aktivitäts-ID", "Dateiname"]
    export2 = write(
        tmp_path / "e2.zip",
        make_zip(
            [
                ("activities.csv", strava_csv([["1", "activities/1.fit.gz"]], header)),
                ("activities/1.fit.gz", gzip.compress(fit_bytes(1))),
            ]
        ),
    )
    stats = ScanStats()
    (m2,) = iter_members([export2], stats)
    assert m2.ok and (m2.name, m2.sport_hint) == (None, None)
    assert stats.warnings == []

    export3 = write(
        tmp_path / "e3.zip",
        make_zip([("activities.csv", b""), ("activities/1.fit", fit_bytes(1))]),
    )
    stats = ScanStats()
    (m3,) = iter_members([export3], stats)
    assert m3.ok and m3.name is None
    assert len(stats.warnings) == 1 and "without their Strava names" in stats.warnings[0]


# ---- unsafe names, bombs, corrupt archives ----------------------------------------------


def test_zip_slip_names_are_refused(tmp_path: Path) -> None:
    bad = ["../../evil.fit", "/abs.fit", "ok/../../x.gpx", "C:\\evil.fit", "..\\..\\win.tcx"]
    archive = write(
        tmp_path / "in" / "slip.zip",
        make_zip([(n, fit_bytes(9)) for n in bad] + [("good.fit", fit_bytes(1))]),
    )
    members, stats = scan([archive])
    assert [m.label for m in members] == [f"{archive}!{n}" for n in [*bad, "good.fit"]]
    for m in members[:-1]:
        assert m.data is None
        assert m.error is not None and "zip-slip" in m.error
    assert members[-1].data == fit_bytes(1)
    assert stats.errors == len(bad)
    assert count_candidates([archive]) == len(bad) + 1
    assert not (tmp_path / "evil.fit").exists() and not (tmp_path.parent / "evil.fit").exists()


def test_zip_bomb_refused_from_its_header(tmp_path: Path) -> None:
    zeros = bytes(2 * MiB)  # deflates about 1000:1, activity files at most ~35:1
    archive = write(
        tmp_path / "bomb.zip", make_zip([("bomb.fit", zeros), ("good.gpx", gpx_bytes("g"))])
    )
    bomb, good = iter_members([archive])
    assert bomb.data is None and bomb.error is not None and "zip bomb" in bomb.error
    assert good.data == gpx_bytes("g")


def test_zip_bomb_with_a_lying_compressed_size(tmp_path: Path) -> None:
    data = bytearray(make_zip([("bomb.fit", bytes(2 * MiB))]))
    entry = central_entries(bytes(data))["bomb.fit"]
    struct.pack_into("<I", data, entry + 20, 2 * MiB)  # claim it is not compressed at all
    (m,) = iter_members([write(tmp_path / "lie.zip", bytes(data))])
    assert m.data is None and m.error is not None and "zip bomb" in m.error


def test_zip_bomb_600_mib_default_limits(tmp_path: Path) -> None:
    path = tmp_path / "big.zip"
    chunk = bytes(MiB)
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as zf:
        with zf.open("huge.fit", "w", force_zip64=True) as fh:  # streamed, never in memory
            for _ in range(600):
                fh.write(chunk)
        zf.writestr("after.fit", fit_bytes(5))
    start = time.perf_counter()
    bomb, after = iter_members([path])
    assert time.perf_counter() - start < 5.0
    assert bomb.error is not None and "512 MiB" in bomb.error and "zip bomb" in bomb.error
    assert after.data == fit_bytes(5)


def test_member_size_cap_without_ratio(tmp_path: Path) -> None:
    limits = ScanLimits(max_member_bytes=1 * MiB, max_ratio=1e12)
    noise = random.Random(0).randbytes(3 * MiB)
    archive = write(tmp_path / "big.zip", make_zip([("big.fit", fit_bytes(1) + noise)]))
    (m,) = iter_members([archive], limits=limits)
    assert m.error is not None and "more than 1 MiB" in m.error


def test_many_small_members_exhaust_the_archive_budget(tmp_path: Path) -> None:
    # each member is exactly 1 MiB (not refused for its ratio), the archive ~10 KB
    members_in = [(f"{i}.fit", bytes(MiB)) for i in range(10)]
    archive = write(tmp_path / "many.zip", make_zip(members_in))
    limits = ScanLimits(archive_budget_min_bytes=4 * MiB)
    members, _ = scan([archive], limits=limits)
    assert [m.ok for m in members] == [True] * 4 + [False]
    assert members[-1].label == str(archive)
    assert members[-1].error is not None and "in total" in members[-1].error


def test_gz_bomb_ratio_and_size(tmp_path: Path) -> None:
    bomb = write(tmp_path / "bomb.fit.gz", gzip.compress(bytes(4 * MiB)))
    (m,) = iter_members([bomb])
    assert m.data is None and m.error is not None and "zip bomb" in m.error
    assert m.kind == "fit"

    noise = write(tmp_path / "noise.gpx.gz", gzip.compress(random.Random(1).randbytes(3 * MiB)))
    limits = ScanLimits(max_member_bytes=2 * MiB, max_ratio=1e12)
    (m,) = iter_members([noise], limits=limits)
    assert m.error is not None and "more than 2 MiB" in m.error

    archive = write(
        tmp_path / "strava.zip", make_zip([("activities/9.fit.gz", gzip.compress(bytes(4 * MiB)))])
    )
    (m,) = iter_members([archive])
    assert m.label == f"{archive}!activities/9.fit.gz"
    assert m.error is not None and "zip bomb" in m.error


def test_corrupt_zip_archives(tmp_path: Path) -> None:
    garbage = write(tmp_path / "garbage.zip", b"PK\x03\x04" + random.Random(2).randbytes(500))
    good = make_zip([("a.fit", fit_bytes(1, 20_000)), ("b.gpx", gpx_bytes("b"))])
    truncated = write(tmp_path / "truncated.zip", good[: len(good) // 2])
    for path in (garbage, truncated):
        (m,) = iter_members([path])
        assert (m.label, m.kind, m.data) == (str(path), None, None)
        assert m.error is not None and m.error.startswith("not a valid zip archive")
        assert count_candidates([path]) == 1

    damaged = bytearray(good)
    start = local_data_offset(good, "a.fit")
    damaged[start + 100 : start + 110] = b"\x00" * 10
    a, b = iter_members([write(tmp_path / "damaged.zip", bytes(damaged))])
    assert a.data is None and a.error is not None and a.error.startswith("corrupt zip member")
    assert b.data == gpx_bytes("b")


def test_encrypted_and_unsupported_members(tmp_path: Path) -> None:
    data = bytearray(make_zip([("locked.fit", fit_bytes(1)), ("d64.fit", fit_bytes(2))]))
    entries = central_entries(bytes(data))
    with zipfile.ZipFile(io.BytesIO(bytes(data))) as zf:
        locked_at, d64_at = (
            zf.getinfo("locked.fit").header_offset,
            zf.getinfo("d64.fit").header_offset,
        )
    # general purpose bit 0: encrypted (APPNOTE 4.4.4), in the local and central headers
    for offset in (locked_at + 6, entries["locked.fit"] + 8):
        struct.pack_into("<H", data, offset, 0x1)
    # compression method 9: Deflate64, which zipfile cannot read (APPNOTE 4.4.5)
    for offset in (d64_at + 8, entries["d64.fit"] + 10):
        struct.pack_into("<H", data, offset, 9)
    locked, d64 = iter_members([write(tmp_path / "odd.zip", bytes(data))])
    assert locked.error is not None and "encrypted" in locked.error
    assert d64.error is not None and "method" in d64.error


def test_corrupt_gzip(tmp_path: Path) -> None:
    full = gzip.compress(fit_bytes(1, 50_000))
    (m,) = iter_members([write(tmp_path / "cut.fit.gz", full[: len(full) // 2])])
    assert m.data is None and m.error is not None
    assert m.error.startswith("corrupt gzip data") and "truncated" in m.error

    bad_crc = bytearray(full)
    bad_crc[-8] ^= 0xFF  # CRC-32 in the gzip trailer (RFC 1952, 2.3.1)
    (m,) = iter_members([write(tmp_path / "crc.fit.gz", bytes(bad_crc))])
    assert m.error is not None and m.error.startswith("corrupt gzip data")

    (m,) = iter_members([write(tmp_path / "fake.gpx.gz", b"\x1f\x8b" + b"junk" * 10)])
    assert m.error is not None and m.error.startswith("corrupt gzip data")

    # concatenated gzip members form one file (RFC 1952, 2.2)
    two = gzip.compress(gpx_bytes("x")[:50]) + gzip.compress(gpx_bytes("x")[50:])
    (m,) = iter_members([write(tmp_path / "two.gpx.gz", two)])
    assert m.data == gpx_bytes("x")


# ---- unreadable paths -------------------------------------------------------------------


def test_missing_path_and_broken_symlink(tmp_path: Path) -> None:
    missing = tmp_path / "nope" / "run.fit"
    broken = tmp_path / "broken.gpx"
    broken.symlink_to(tmp_path / "gone.gpx")
    members, stats = scan([missing, broken])
    assert [(m.label, m.kind, m.data) for m in members] == [
        (str(missing), "fit", None),
        (str(broken), "gpx", None),
    ]
    assert members[0].error is not None and "no such file" in members[0].error
    assert members[1].error is not None and "broken symbolic link" in members[1].error
    assert stats.errors == 2
    with pytest.raises(InputFileError) as info:
        members[0].data_or_raise()
    assert info.value.path == str(missing)
    assert count_candidates([missing, broken]) == 2

    folder = tmp_path / "f"
    folder.mkdir()
    (folder / "dangling.fit").symlink_to(folder / "missing.fit")
    (folder / "dangling.txt").symlink_to(folder / "missing.txt")
    members, stats = scan([folder])
    assert [m.label for m in members] == [str(folder / "dangling.fit")]
    assert stats.skipped == 1


def test_unreadable_file_simulated(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    secret = write(tmp_path / "secret.fit", fit_bytes(1))
    fine = write(tmp_path / "fine.fit", fit_bytes(2))
    real_open = open

    def fake_open(file: Any, *args: Any, **kwargs: Any) -> Any:
        if os.fspath(file) == str(secret):
            raise PermissionError(13, "Permission denied", str(secret))
        return real_open(file, *args, **kwargs)

    monkeypatch.setattr(sources, "open", fake_open, raising=False)
    good, bad = iter_members([tmp_path])  # sorted: fine.fit, secret.fit
    assert bad.label == str(secret) and bad.data is None
    assert bad.error is not None and "permission denied" in bad.error
    assert good.data == fit_bytes(2) and good.label == str(fine)


def test_unlistable_folder_simulated(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    write(tmp_path / "locked" / "a.fit", fit_bytes(1))
    write(tmp_path / "open" / "b.fit", fit_bytes(2))
    real_scandir = os.scandir

    def fake_scandir(path: Any) -> Any:
        if os.fspath(path) == str(tmp_path / "locked"):
            raise PermissionError(13, "Permission denied", os.fspath(path))
        return real_scandir(path)

    monkeypatch.setattr(os, "scandir", fake_scandir)
    locked, b = iter_members([tmp_path])
    assert (locked.label, locked.kind, locked.data) == (str(tmp_path / "locked"), None, None)
    assert locked.error is not None and "permission denied" in locked.error
    assert b.data == fit_bytes(2)


@pytest.mark.skipif(
    not hasattr(os, "geteuid") or os.geteuid() == 0, reason="root can read a chmod 000 file"
)
def test_unreadable_file_chmod(tmp_path: Path) -> None:
    secret = write(tmp_path / "secret.fit", fit_bytes(1))
    secret.chmod(0)
    try:
        (m,) = iter_members([secret])
    finally:
        secret.chmod(0o644)
    assert m.error is not None and "permission denied" in m.error


def test_symlink_loops_end(tmp_path: Path) -> None:
    root = tmp_path / "root"
    write(root / "x.fit", fit_bytes(1))
    write(root / "a" / "y.gpx", gpx_bytes("y"))
    (root / "a" / "up").symlink_to(root)  # folder loop
    (root / "a" / "same").symlink_to(root / "a")  # folder loop to itself
    (root / "loop.fit").symlink_to(root / "loop.fit")  # file symlink to itself
    (root / "z_link.fit").symlink_to(root / "x.fit")  # the same file twice
    members, _ = scan([root, root / "a"])
    labels = [m.label for m in members]
    assert labels == [str(root / "a" / "y.gpx"), str(root / "loop.fit"), str(root / "x.fit")]
    assert members[1].error is not None and "symbolic link loop" in members[1].error
    assert count_candidates([root]) == 3


# ---- never raising for one bad input ----------------------------------------------------

_SAMPLE = make_zip(
    [
        ("activities.csv", strava_csv(STRAVA_ROWS)),
        ("activities/1.fit.gz", gzip.compress(fit_bytes(1))),
        ("activities/2.gpx.gz", gzip.compress(gpx_bytes("2"))),
        ("inner.zip", make_zip([("x.tcx", tcx_bytes("x"))])),
        ("inner_stored.zip", make_zip([("y.fit", fit_bytes(2))], zipfile.ZIP_STORED)),
        ("notes.json", b"{}"),
    ]
)


@settings(
    max_examples=150,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(
    flips=st.lists(
        st.tuples(st.integers(0, len(_SAMPLE) - 1), st.integers(1, 255)), min_size=1, max_size=8
    ),
    cut=st.integers(0, len(_SAMPLE)),
)
def test_damaged_archives_never_raise(
    tmp_path: Path, flips: list[tuple[int, int]], cut: int
) -> None:
    data = bytearray(_SAMPLE)
    for pos, xor in flips:
        data[pos] ^= xor
    path = write(tmp_path / "damaged.zip", bytes(data[:cut] if cut > 22 else data))
    stats = ScanStats()
    members = list(iter_members([path], stats))
    for m in members:
        assert (m.data is None) == (m.error is not None)
        if m.error is not None:
            assert "\n" not in m.error and m.error.strip() == m.error
    assert stats.yielded == len(members)
    count_candidates([path])  # must not raise either


# ---- the shared corpus ------------------------------------------------------------------


@pytest.mark.skipif(not CORPUS.is_dir(), reason=f"shared corpus not found at {CORPUS}")
def test_corpus_yields_every_manifest_file_and_skips_the_rest() -> None:
    with (CORPUS / "MANIFEST.tsv").open(newline="", encoding="utf-8") as fh:
        manifest = {row["path"]: row["format"] for row in csv.DictReader(fh, delimiter="\t")}
    members, stats = scan([CORPUS])
    got = {os.path.relpath(m.label, CORPUS).replace(os.sep, "/"): m for m in members}
    assert set(got) == set(manifest)
    assert all(m.ok for m in got.values())
    assert {p: m.kind for p, m in got.items()} == {p: f.lower() for p, f in manifest.items()}
    for path in list(manifest)[::20]:
        assert got[path].data == (CORPUS / path).read_bytes()
    skipped = {os.path.relpath(s, CORPUS) for s in stats.skipped_examples}
    assert stats.skipped == 4
    assert skipped == {
        "MANIFEST.tsv",
        "README.md",
        "video/male_side.groundtruth.json",
        "video/male_side.mp4",
    }
    assert count_candidates([CORPUS]) == len(manifest)
