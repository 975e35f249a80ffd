"""A video analysis attached to a run shows in that run's report, from the store alone."""

from __future__ import annotations

import shutil
import struct
import zlib
from pathlib import Path
from typing import Any

from runform.report import activity_html
from runform.services.video_store import attach_video, videos_for_activity
from runform.store.db import Store


def _png(width: int = 4, height: int = 2) -> bytes:
    """A tiny valid grey PNG, written by hand (no imaging library needed)."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    raw = b"".join(b"\x00" + b"\x80" * width for _ in range(height))
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0))
        + chunk(b"IDAT", zlib.compress(raw))
        + chunk(b"IEND", b"")
    )


def test_attached_video_is_in_the_activity_report(
    demo_block: dict[str, Any], tmp_path: Path
) -> None:
    db = tmp_path / "store.duckdb"
    shutil.copy(demo_block["db"], db)
    sheet = tmp_path / "clip.contact.png"
    png = _png()
    sheet.write_bytes(png)
    result = {
        "clip": "/videos/<b>tuesday<i>.mp4",
        "view": "side",
        "pose": {"model": "BlazePose GHUM heavy", "person_found_fraction": 1.0},
        "side": {
            "cadence_spm": 171.4,
            "strike_pattern": "midfoot",
            "strike_counts": {"rearfoot": 1, "midfoot": 12, "forefoot": 2},
            "metrics": {
                "knee_flexion_midstance_deg": {
                    "mean": 38.5,
                    "sd": 3.1,
                    "n": 15,
                    "left": 38.0,
                    "right": 39.0,
                    "unit": "deg",
                }
            },
        },
        "outputs": {"contact_sheet": str(sheet)},
    }
    with Store(db) as store:
        vid = attach_video(store, "demo", 6, result)
        sheet.unlink()  # the report must not need the output folder any more
        stored = videos_for_activity(store, "demo", 6)
        html = activity_html(store, "demo", 6)
        other = activity_html(store, "demo", 7)
    assert [v["id"] for v in stored] == [vid]
    assert stored[0]["contact_sheet_png"] == png
    assert stored[0]["result"]["side"]["cadence_spm"] == 171.4
    assert f'id="video-{vid}"' in html
    assert "171 steps/min" in html and "midfoot" in html and "38.5 deg" in html
    assert "&lt;b&gt;tuesday&lt;i&gt;.mp4" in html and "<b>tuesday" not in html
    assert "data:image/png;base64," in html
    assert 'id="video-' not in other  # only the run it was attached to
