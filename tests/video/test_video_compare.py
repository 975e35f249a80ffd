"""``runform video compare``: a change counts only when it exceeds the step-to-step noise."""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

import pytest

from runform.errors import InputFileError, UsageError
from runform.services.video import compare_videos


def _result(clip: str, over: float, over_sd: float, n: int, strike: str) -> dict[str, Any]:
    m = {"mean": over, "sd": over_sd, "n": n, "left": over, "right": over, "unit": "leg lengths"}
    ct = {"mean": 0.25, "sd": 0.02, "n": n, "left": 0.25, "right": 0.25, "unit": "s"}
    return {
        "clip": clip,
        "view": "side",
        "side": {
            "cadence_spm": 165.0 if clip == "before.mp4" else 172.0,
            "strike_pattern": strike,
            "metrics": {"ankle_ahead_of_hip_leg": m, "contact_time_s": ct},
        },
    }


def test_planted_change_is_flagged_and_equal_values_are_not() -> None:
    before = _result("before.mp4", 0.20, 0.05, 16, "rearfoot")
    after = _result("after.mp4", 0.12, 0.05, 16, "midfoot")
    cmp = compare_videos(before, after)
    row = cmp["metrics"]["ankle_ahead_of_hip_leg"]
    se = math.sqrt(0.05**2 / 16 * 2)  # 0.0177: Welch standard error of the difference
    assert row["change"] == pytest.approx(-0.08)
    assert row["standard_error"] == pytest.approx(se, abs=1e-3)
    assert row["changed"] is True  # 0.08 > 2 x 0.0177
    assert cmp["metrics"]["contact_time_s"]["changed"] is False
    assert cmp["cadence_spm"]["change"] == pytest.approx(7.0)
    assert cmp["strike_pattern"] == {"before": "rearfoot", "after": "midfoot"}


def test_small_change_within_noise_is_not_flagged() -> None:
    before = _result("before.mp4", 0.20, 0.08, 8, "midfoot")
    after = _result("after.mp4", 0.17, 0.08, 8, "midfoot")
    # SE = 0.08 * sqrt(2/8) = 0.04; a 0.03 change is within it
    assert compare_videos(before, after)["metrics"]["ankle_ahead_of_hip_leg"]["changed"] is False


def test_compare_reads_json_files_and_rejects_bad_ones(tmp_path: Path) -> None:
    a, b = tmp_path / "a.video.json", tmp_path / "b.video.json"
    a.write_text(json.dumps(_result("before.mp4", 0.2, 0.05, 16, "rearfoot")))
    b.write_text(json.dumps(_result("after.mp4", 0.1, 0.05, 16, "rearfoot")))
    assert compare_videos(a, b)["metrics"]["ankle_ahead_of_hip_leg"]["changed"] is True
    junk = tmp_path / "junk.json"
    junk.write_text("[1, 2]")
    with pytest.raises(InputFileError, match="not a runform video JSON"):
        compare_videos(a, junk)
    rear = tmp_path / "rear.json"
    rear.write_text(json.dumps({**_result("r.mp4", 0.1, 0.1, 9, "x"), "view": "rear", "rear": {}}))
    with pytest.raises(UsageError, match="cannot compare"):
        compare_videos(a, rear)
