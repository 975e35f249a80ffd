"""Fixtures for the video tests: the real side-view clip, analysed once per session.

The clip (``video/male_side.mp4`` in the shared corpus, ``RUNFORM_CORPUS`` or
``../shared/corpus``) is never copied into the repository. Its ground truth
(``male_side.groundtruth.json``) was measured from raw pixels without a pose
model. Tests skip, saying why, when the corpus or the ``runform[video]`` extra is
absent. The pose pass runs once per session on every frame (stride 1): at 15
frames/s (stride 2) cadence still holds (168.4 steps/min) but contact time is not
timeable and is not reported, and the truth JSON's contact-time band is part of
what these tests check.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest

CORPUS = Path(
    os.environ.get("RUNFORM_CORPUS", Path(__file__).resolve().parents[3] / "shared" / "corpus")
)
CLIP = CORPUS / "video" / "male_side.mp4"
TRUTH = CORPUS / "video" / "male_side.groundtruth.json"
STRIDE = 1


@pytest.fixture(scope="session")
def video_extra() -> None:
    """Skip unless the optional ``runform[video]`` dependencies are installed."""
    for mod, pkg in (("av", "av"), ("PIL", "pillow"), ("ai_edge_litert", "ai-edge-litert")):
        pytest.importorskip(
            mod,
            reason=f"the video extra is not installed ({pkg} missing): pip install -e '.[video]'",
        )


@pytest.fixture(scope="session")
def side_clip(video_extra: None) -> Path:
    """The real treadmill side-view clip; skips when the corpus is absent."""
    if not CLIP.is_file() or not TRUTH.is_file():
        pytest.skip(f"video corpus not found: no {CLIP} (set RUNFORM_CORPUS to the corpus folder)")
    return CLIP


@pytest.fixture(scope="session")
def side_truth(side_clip: Path) -> dict[str, Any]:
    """The clip's ground-truth JSON (cadence measured from pixels, physiological bands)."""
    data: dict[str, Any] = json.loads(TRUTH.read_text())
    return data


@pytest.fixture(scope="session")
def side_track(side_clip: Path) -> Any:
    """(PoseTrack, timing) of the real clip with the heavy model, every frame (run once)."""
    from runform.services.video import pose_track

    return pose_track(side_clip, model="heavy", stride=STRIDE)


@pytest.fixture(scope="session")
def side_analysis(side_clip: Path, side_track: Any) -> Any:
    """VideoAnalysis of the real clip (side view, runner's height given)."""
    from runform.services.video import metrics_from_track

    track, timing = side_track
    analysis = metrics_from_track(track, "side", height_cm=178.0, source=str(side_clip))
    analysis.result["pose"].update(timing)
    return analysis


@pytest.fixture(scope="session")
def side_outputs(
    side_clip: Path, side_analysis: Any, tmp_path_factory: pytest.TempPathFactory
) -> dict[str, str]:
    """The JSON, contact sheet and annotated video written for the real clip."""
    from runform.services.video import write_outputs

    out = tmp_path_factory.mktemp("video-out")
    return write_outputs(
        side_clip, side_analysis.track, side_analysis.metrics, side_analysis.result, out
    )
