"""Bad input to ``runform video`` gets one clear line naming the file and the problem."""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from runform.errors import InputFileError, RunformError


def _write_clip(
    path: Path, seconds: float, fps: int = 30, size: tuple[int, int] = (320, 240)
) -> Path:
    import av

    with av.open(str(path), mode="w") as out:
        stream = out.add_stream("mpeg4", rate=fps)
        stream.width, stream.height, stream.pix_fmt = size[0], size[1], "yuv420p"
        rng = np.random.default_rng(0)
        for _ in range(int(seconds * fps)):
            # a grey wall with a little sensor noise: no person anywhere
            img = np.clip(120 + rng.normal(0, 4, (size[1], size[0], 3)), 0, 255).astype(np.uint8)
            for packet in stream.encode(av.VideoFrame.from_ndarray(img, format="rgb24")):
                out.mux(packet)
        for packet in stream.encode():
            out.mux(packet)
    return path


def _one_line(exc: BaseException, path: Path | str) -> str:
    msg = str(exc)
    assert "\n" not in msg
    assert str(path) in msg
    return msg


def test_not_a_video(tmp_path: Path, video_extra: None) -> None:
    from runform.services.video import analyze_video

    bad = tmp_path / "run.mp4"
    bad.write_text("this is a training log, not a video\n")
    with pytest.raises(InputFileError) as err:
        analyze_video(bad, view="side")
    assert "not a video" in _one_line(err.value, bad)


def test_missing_file(tmp_path: Path, video_extra: None) -> None:
    from runform.services.video import analyze_video

    with pytest.raises(InputFileError) as err:
        analyze_video(tmp_path / "nope.mp4")
    assert "no such file" in _one_line(err.value, tmp_path / "nope.mp4")


def test_blank_video_has_no_person(tmp_path: Path, video_extra: None) -> None:
    from runform.services.video import analyze_video

    clip = _write_clip(tmp_path / "blank.mp4", seconds=3.0)
    with pytest.raises(InputFileError) as err:
        analyze_video(clip, view="side", model="lite")
    assert "no runner found" in _one_line(err.value, clip)


def test_too_short_clip(tmp_path: Path, video_extra: None) -> None:
    from runform.services.video import analyze_video

    clip = _write_clip(tmp_path / "short.mp4", seconds=1.0)
    with pytest.raises(InputFileError) as err:
        analyze_video(clip, view="side")
    assert "too short" in _one_line(err.value, clip)


def test_too_few_steps(side_track: Any, side_clip: Path) -> None:
    """The real runner, cut to 2 s: fewer than 7 whole steps."""
    from runform.services.video import metrics_from_track

    track, _ = side_track
    n = int(2.0 * track.track_fps)
    short = dataclasses.replace(
        track,
        frame_index=track.frame_index[:n],
        xy=track.xy[:n],
        visibility=track.visibility[:n],
        presence=track.presence[:n],
        roi_size=track.roi_size[:n],
    )
    with pytest.raises(InputFileError) as err:
        metrics_from_track(short, "side", source=str(side_clip))
    assert "7 are needed" in _one_line(err.value, side_clip)


def test_wrong_view(side_track: Any, side_clip: Path) -> None:
    from runform.services.video import metrics_from_track

    track, _ = side_track
    with pytest.raises(InputFileError) as err:
        metrics_from_track(track, "rear", source=str(side_clip))
    assert "looks like a side view" in _one_line(err.value, side_clip)


def test_person_too_small(side_track: Any, side_clip: Path) -> None:
    """The real track with every ROI shrunk below the minimum runner size."""
    from runform.services.video import MIN_PERSON_PX, check_track

    track, _ = side_track
    small = dataclasses.replace(track, roi_size=np.full_like(track.roi_size, MIN_PERSON_PX / 2))
    with pytest.raises(InputFileError) as err:
        check_track(small, side_clip)
    assert "too small" in _one_line(err.value, side_clip)
    check_track(track, side_clip)  # the real clip passes


def test_without_the_extra_one_line_says_how_to_install(monkeypatch: pytest.MonkeyPatch) -> None:
    import importlib.util

    real = importlib.util.find_spec

    def fake(name: str, *args: Any, **kwargs: Any) -> Any:
        return None if name == "ai_edge_litert" else real(name, *args, **kwargs)

    monkeypatch.setattr(importlib.util, "find_spec", fake)
    from runform.services.video import analyze_video

    with pytest.raises(RunformError) as err:
        analyze_video("whatever.mp4")
    msg = str(err.value)
    assert "pip install 'runform[video]'" in msg and "ai-edge-litert" in msg and "\n" not in msg
