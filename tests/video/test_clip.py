"""The real side-view clip: cadence against the pixel-measured truth, and the outputs."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import pytest


def test_person_found_in_nearly_every_frame(side_track: Any) -> None:
    track, _ = side_track
    assert float(track.found.mean()) >= 0.95


def test_cadence_matches_the_pixel_measured_truth(
    side_analysis: Any, side_truth: dict[str, Any]
) -> None:
    truth = side_truth["cadence_spm"]["value"]
    side = side_analysis.result["side"]
    assert side["cadence_spm"] == pytest.approx(truth, abs=1.5)
    # the contact events agree with the spectrum to within a few steps/min
    assert side["cadence_from_contacts_spm"] == pytest.approx(truth, abs=5.0)


def test_contact_time_inside_the_physiological_band(
    side_analysis: Any, side_truth: dict[str, Any]
) -> None:
    lo, hi = side_truth["physiological_bands"]["contact_time_ms"]
    ct = side_analysis.result["side"]["metrics"]["contact_time_s"]
    assert lo <= 1000 * ct["mean"] <= hi
    # duty factor = contact time / stride time (two steps), also inside its band
    lo_d, hi_d = side_truth["physiological_bands"]["duty_factor_pct"]
    duty = 100 * ct["mean"] * side_analysis.result["side"]["cadence_spm"] / 120
    assert lo_d <= duty <= hi_d


def test_steps_per_side_and_view(side_analysis: Any, side_truth: dict[str, Any]) -> None:
    side = side_analysis.result["side"]
    # the truth JSON: runner faces image-left (side-left)
    assert side_truth["view"].endswith(side["facing"])
    feet = [s["foot"] for s in side["steps"]]
    assert feet.count("left") >= 7 and feet.count("right") >= 7
    # 12 s at ~169 steps/min is ~34 steps; whole contacts only, so a few fewer at most
    assert 28 <= len(feet) <= 36
    for key, m in side["metrics"].items():
        assert m["n"] >= 7, key
        assert m["left"] is not None and m["right"] is not None, key
    # the near leg (left, facing image-left) is seen better: the pose model scores it higher
    track = side_analysis.track
    assert np.nanmean(track.visibility[:, 27]) > np.nanmean(track.visibility[:, 28])


def test_outputs_written_and_readable(side_outputs: dict[str, str], side_clip: Path) -> None:
    import av
    from PIL import Image

    data = json.loads(Path(side_outputs["json"]).read_text())
    assert data["view"] == "side" and data["outputs"] == side_outputs
    with Image.open(side_outputs["contact_sheet"]) as img:
        # two feet x three key frames, 360 px tiles, plus a title band
        assert img.size == (3 * 360, 2 * 360 + 40)
        assert np.asarray(img).std() > 20  # not blank
    with av.open(side_outputs["annotated_video"]) as out, av.open(str(side_clip)) as src:
        assert out.streams.video[0].frames == src.streams.video[0].frames


def test_html_section_shows_the_metrics(side_outputs: dict[str, str]) -> None:
    from runform.video.html import html_section

    result = json.loads(Path(side_outputs["json"]).read_text())
    page = html_section(result)
    assert page.startswith('<section class="runform-video">') and page.endswith("</section>")
    assert "Ground contact time" in page and "data:image/png;base64," in page
    assert f"Cadence {result['side']['cadence_spm']:.0f} steps/min" in page
