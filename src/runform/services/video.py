"""Video gait analysis use cases: analyse a clip, compare two analyses.

``runform video CLIP --view side|rear`` calls :func:`analyze_video`;
``runform video compare A B`` calls :func:`compare_videos`. The pose model runs
in :mod:`runform.video` (the optional extra ``runform[video]``), the geometry in
:mod:`runform.core.gait_video`. Without the extra, :func:`analyze_video` raises
:class:`~runform.video.VideoExtraMissingError` with the install command.

The steps are separate so that callers (and tests) can run the costly pose pass
once and derive metrics from it: :func:`pose_track` -> :func:`metrics_from_track`
-> :func:`write_outputs`.
"""

from __future__ import annotations

import json
import math
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

import numpy as np

from runform.core.gait_video import (
    RearViewMetrics,
    SideViewMetrics,
    rear_view_metrics,
    side_view_metrics,
    view_width_ratio,
)
from runform.errors import InputFileError, UsageError
from runform.video import require_backend

if TYPE_CHECKING:
    from runform.video.pose import PoseTrack

__all__ = [
    "MIN_FOUND_FRACTION",
    "MIN_PERSON_PX",
    "MIN_STEPS",
    "SIDE_VIEW_MAX_WIDTH",
    "VideoAnalysis",
    "analyze_video",
    "check_track",
    "compare_videos",
    "metrics_from_track",
    "pose_track",
    "write_outputs",
]

View = Literal["side", "rear"]
MIN_STEPS = 7
"""Steps needed before any average is reported (the issue's minimum)."""
MIN_FOUND_FRACTION = 0.5
"""A clip where the runner is found in fewer frames than this is rejected."""
MIN_PERSON_PX = 200.0
"""Smallest tracked body region [px] (the ROI is about 1.3x the runner's height, so
about 150 px of runner): below it the 256 px model input is upsampled and the feet
span a few pixels."""
MIN_DURATION_S = 2.5
"""Shorter clips cannot hold 7 steps even at 170+ steps/min; rejected before the model runs."""
SIDE_VIEW_MAX_WIDTH = 0.4
"""Shoulder-and-hip width over torso length separating side (below) from rear views
(:func:`runform.core.gait_video.view_width_ratio`): about 0.2 side on, 0.6+ from behind."""

ProgressFn = Callable[[int, int], None]
"""Called with (frames done, frames expected)."""


def pose_track(
    clip: str | Path,
    *,
    model: str = "heavy",
    stride: int = 1,
    progress: ProgressFn | None = None,
) -> tuple[PoseTrack, dict[str, Any]]:
    """Decode a clip and run the pose model over it.

    Parameters
    ----------
    clip : str or Path
        The video file.
    model : {"heavy", "lite"}
        Landmark model.
    stride : int
        Analyse every ``stride``-th frame (>= 1).
    progress : callable, optional
        ``progress(done, total)`` after each analysed frame.

    Returns
    -------
    (PoseTrack, dict)
        The track and timing facts (``seconds``, ``ms_per_frame``, ``frames_analysed``).

    Raises
    ------
    VideoExtraMissingError
        Without ``runform[video]``.
    InputFileError
        Not a video, too short, or no person found.
    """
    require_backend()
    from runform.video.decode import iter_frames, probe
    from runform.video.pose import PoseEstimator, track_pose

    if stride < 1:
        raise UsageError(f"--stride must be 1 or more, not {stride}")
    path = Path(clip)
    info = probe(path)
    if info.duration_s < MIN_DURATION_S:
        raise InputFileError(
            str(path),
            f"clip is {info.duration_s:.1f} s long, too short for {MIN_STEPS} steps; "
            "film at least 10 s of running",
        )
    estimator = PoseEstimator(model)
    total = max(1, math.ceil(info.frames / stride))
    cb = (lambda k: progress(k, total)) if progress is not None else None
    t0 = time.perf_counter()
    track = track_pose(
        iter_frames(path, stride), estimator, fps=info.fps, stride=stride, progress=cb
    )
    seconds = time.perf_counter() - t0
    check_track(track, path)
    n = len(track.frame_index)
    timing = {
        "seconds": round(seconds, 2),
        "frames_analysed": n,
        "ms_per_frame": round(1000 * seconds / n, 1),
        "realtime_factor": round((n * stride / info.fps) / seconds, 2) if seconds > 0 else None,
    }
    return track, timing


@dataclass(frozen=True)
class VideoAnalysis:
    """One analysed clip: the track the metrics used, the metrics, and the JSON result."""

    track: PoseTrack
    metrics: SideViewMetrics | RearViewMetrics
    result: dict[str, Any]


def check_track(track: PoseTrack, clip: str | Path) -> None:
    """Reject a track with no runner, or a runner too small to measure (one-line errors)."""
    name = str(clip)
    if len(track.frame_index) == 0:
        raise InputFileError(name, "no frame could be decoded")
    found = float(track.found.mean())
    if found < MIN_FOUND_FRACTION:
        raise InputFileError(
            name,
            f"no runner found (a person was detected in {found:.0%} of frames); "
            "film the whole body, well lit, filling a third of the frame or more",
        )
    size = float(np.nanmedian(track.roi_size[track.found]))
    if size < MIN_PERSON_PX:
        raise InputFileError(
            name,
            f"the runner is too small ({size / 1.3:.0f} px tall); film closer so the runner "
            "is at least a third of the frame height",
        )


def metrics_from_track(
    track: PoseTrack,
    view: View,
    *,
    height_cm: float | None = None,
    source: str = "",
) -> VideoAnalysis:
    """Gait metrics from a pose track, after checking the view and the number of steps.

    Returns
    -------
    VideoAnalysis
        The track as measured (side view: legs de-swapped), the metrics object and
        the JSON-able result (without output paths).

    Raises
    ------
    InputFileError
        Wrong view for ``view``, or fewer than 7 steps found.
    """
    if view not in ("side", "rear"):
        raise UsageError(f"--view must be side or rear, not {view!r}")
    if height_cm is not None and not 100 <= height_cm <= 230:
        raise UsageError(f"--height-cm {height_cm:g} is outside 100-230 cm")
    name = source or "clip"
    found = track.found
    xy = np.where(found[:, None, None], track.xy, np.nan)
    width = view_width_ratio(xy)
    if view == "side" and width > SIDE_VIEW_MAX_WIDTH:
        raise InputFileError(
            name,
            f"this looks like a rear or front view (shoulders and hips {width:.2f} of the torso "
            "length wide); film from the side, or use --view rear",
        )
    if view == "rear" and width <= SIDE_VIEW_MAX_WIDTH:
        raise InputFileError(
            name,
            f"this looks like a side view (shoulders and hips only {width:.2f} of the torso "
            "length wide); film from behind, or use --view side",
        )
    fps = track.track_fps
    metrics: SideViewMetrics | RearViewMetrics
    if view == "side":
        vis = np.where(found[:, None], track.visibility, np.nan)
        metrics = side_view_metrics(xy, fps, height_cm=height_cm, visibility=vis)
        track = replace(track, xy=metrics.landmarks)
    else:
        metrics = rear_view_metrics(xy, fps)
    n_steps = len(metrics.steps)
    if n_steps < MIN_STEPS:
        raise InputFileError(
            name,
            f"found only {n_steps} whole steps, {MIN_STEPS} are needed; film at least 10 s "
            "of steady running with both feet in view",
        )
    result: dict[str, Any] = {
        "clip": name,
        "view": view,
        "height_cm": height_cm,
        "video": {
            "width": track.width,
            "height": track.height,
            "fps": round(track.fps, 3),
            "frames": int(track.frame_index[-1]) + 1,
            "duration_s": round((int(track.frame_index[-1]) + 1) / track.fps, 2),
        },
        "pose": {
            "model": f"BlazePose GHUM {track.model} (LiteRT, CPU)",
            "stride": track.stride,
            "frames_analysed": len(track.frame_index),
            "person_found_fraction": round(float(found.mean()), 4),
            "view_width_ratio": round(width, 3),
        },
        view: metrics.as_json(),
    }
    return VideoAnalysis(track, metrics, result)


def _key_frames(
    track: PoseTrack, metrics: SideViewMetrics | RearViewMetrics
) -> list[list[tuple[int, str]]]:
    """Per foot, initial contact / midstance / toe-off of its most typical step."""
    rows: list[list[tuple[int, str]]] = []
    for foot in ("left", "right"):
        steps = [s for s in metrics.steps if s["foot"] == foot]
        if not steps:
            continue
        # the most typical step: contact time nearest the foot's median
        times = np.array([s["toe_off_s"] - s["initial_contact_s"] for s in steps])
        s = steps[int(np.argmin(np.abs(times - np.median(times))))]
        ic = round(s["initial_contact_s"] * track.track_fps)
        to = round(s["toe_off_s"] * track.track_fps)
        mid = int(s["midstance_frame"])
        rows.append(
            [
                (
                    int(track.frame_index[min(ic, len(track.frame_index) - 1)]),
                    f"{foot}: initial contact",
                ),
                (int(track.frame_index[mid]), f"{foot}: midstance"),
                (int(track.frame_index[min(to, len(track.frame_index) - 1)]), f"{foot}: toe-off"),
            ]
        )
    return rows


def write_outputs(
    clip: str | Path,
    track: PoseTrack,
    metrics: SideViewMetrics | RearViewMetrics,
    result: dict[str, Any],
    out_dir: str | Path,
    *,
    video: bool = True,
) -> dict[str, str]:
    """Write ``<stem>.video.json``, ``<stem>.contact.png`` and ``<stem>.annotated.mp4``.

    Returns
    -------
    dict
        ``{"json": path, "contact_sheet": path, "annotated_video": path}`` (strings).
    """
    from runform.video.render import contact_sheet, write_annotated_video

    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    stem = Path(clip).stem
    facing = getattr(metrics, "facing", 1)
    view = result["view"]
    header = [
        f"runform video ({view}) {track.model}",
        f"cadence {metrics.cadence_spm:.1f} steps/min",
    ]
    if isinstance(metrics, SideViewMetrics):
        header.append(f"foot strike: {metrics.strike_pattern}")
    paths: dict[str, str] = {}
    sheet = contact_sheet(
        clip,
        track,
        _key_frames(track, metrics),
        out / f"{stem}.contact.png",
        facing=facing,
        title=" | ".join(header),
    )
    paths["contact_sheet"] = str(sheet)
    if video:
        events = []
        for s in metrics.steps:
            ic = round(s["initial_contact_s"] * track.track_fps)
            to = round(s["toe_off_s"] * track.track_fps)
            n = len(track.frame_index) - 1
            events.append((int(track.frame_index[min(ic, n)]), f"initial contact {s['foot']}"))
            events.append((int(track.frame_index[min(to, n)]), f"toe-off {s['foot']}"))
        mp4 = write_annotated_video(
            clip, track, out / f"{stem}.annotated.mp4", facing=facing, events=events, header=header
        )
        paths["annotated_video"] = str(mp4)
    json_path = out / f"{stem}.video.json"
    paths["json"] = str(json_path)
    json_path.write_text(json.dumps({**result, "outputs": paths}, indent=2) + "\n")
    return paths


def analyze_video(
    clip: str | Path,
    *,
    view: View = "side",
    height_cm: float | None = None,
    out_dir: str | Path | None = None,
    model: str = "heavy",
    stride: int = 1,
    annotated_video: bool = True,
    progress: ProgressFn | None = None,
) -> dict[str, Any]:
    """Analyse a filmed run: the ``runform video`` use case.

    Parameters
    ----------
    clip : str or Path
        The video (MP4/MOV/AVI...), side view or from behind.
    view : {"side", "rear"}
        Camera position.
    height_cm : float, optional
        Runner's height [cm] for centimetre values.
    out_dir : str or Path, optional
        Where to write the JSON, contact sheet and annotated video; none written when omitted.
    model : {"heavy", "lite"}
        Pose landmark model (heavy: best far-leg tracking; lite: about 3x faster).
    stride : int
        Analyse every ``stride``-th frame.
    annotated_video : bool
        Also write the annotated MP4 (the slowest output) when ``out_dir`` is given.
    progress : callable, optional
        ``progress(done, total)`` per analysed frame.

    Returns
    -------
    dict
        JSON-able: ``clip``, ``view``, ``video``, ``pose`` (model, stride, person
        found fraction, timing), the ``side`` or ``rear`` metrics and ``outputs``.
    """
    track, timing = pose_track(clip, model=model, stride=stride, progress=progress)
    analysis = metrics_from_track(track, view, height_cm=height_cm, source=str(clip))
    result = analysis.result
    result["pose"].update(timing)
    result["outputs"] = {}
    if out_dir is not None:
        result["outputs"] = write_outputs(
            clip, analysis.track, analysis.metrics, result, out_dir, video=annotated_video
        )
    return result


def _load(result: Mapping[str, Any] | str | Path) -> Mapping[str, Any]:
    if isinstance(result, Mapping):
        return result
    path = Path(result)
    try:
        data = json.loads(path.read_text())
    except (OSError, ValueError) as exc:
        raise InputFileError(
            str(path), f"not a runform video JSON ({exc.__class__.__name__})"
        ) from None
    if not isinstance(data, dict) or data.get("view") not in ("side", "rear"):
        raise InputFileError(str(path), "not a runform video JSON (no side or rear analysis)")
    return data


def compare_videos(
    before: Mapping[str, Any] | str | Path, after: Mapping[str, Any] | str | Path
) -> dict[str, Any]:
    """Before/after a cue: each metric's change and whether it exceeds the step-to-step noise.

    A change counts as real when it exceeds twice its standard error,
    ``2 * sqrt(sd_a**2 / n_a + sd_b**2 / n_b)`` (Welch's two-sample comparison of means;
    about a 95 % level for the step counts a clip gives).

    Parameters
    ----------
    before, after : dict or path
        Results of :func:`analyze_video`, or the ``<stem>.video.json`` files it wrote.

    Returns
    -------
    dict
        ``view``, ``before``/``after`` clip names, cadence change and per metric
        ``{"before", "after", "change", "standard_error", "changed", "unit"}``.
    """
    a, b = _load(before), _load(after)
    if a["view"] != b["view"]:
        raise UsageError(f"cannot compare a {a['view']} view with a {b['view']} view")
    view = a["view"]
    ma, mb = a[view]["metrics"], b[view]["metrics"]
    rows: dict[str, Any] = {}
    for key in ma:
        if key not in mb:
            continue
        x, y = ma[key], mb[key]
        if x["mean"] is None or y["mean"] is None:
            continue
        sa = (x["sd"] or 0.0) ** 2 / max(1, x["n"])
        sb = (y["sd"] or 0.0) ** 2 / max(1, y["n"])
        se = math.sqrt(sa + sb)
        change = y["mean"] - x["mean"]
        rows[key] = {
            "before": x["mean"],
            "after": y["mean"],
            "change": round(change, 3),
            "standard_error": round(se, 3),
            "changed": bool(abs(change) > 2 * se),
            "unit": x["unit"],
        }
    ca, cb = a[view].get("cadence_spm"), b[view].get("cadence_spm")
    out: dict[str, Any] = {
        "view": view,
        "before": a.get("clip"),
        "after": b.get("clip"),
        "cadence_spm": {
            "before": ca,
            "after": cb,
            "change": None if ca is None or cb is None else round(cb - ca, 2),
        },
        "metrics": rows,
    }
    if view == "side":
        out["strike_pattern"] = {
            "before": a[view].get("strike_pattern"),
            "after": b[view].get("strike_pattern"),
        }
    return out
