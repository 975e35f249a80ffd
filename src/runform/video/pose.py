"""BlazePose GHUM landmarks on CPU with the LiteRT interpreter, tracked frame to frame.

The model files (``models/pose_landmark_{heavy,lite}.tflite``, Apache-2.0, from
MediaPipe's ``@mediapipe/pose`` 0.5.1675469404, see ``models/README.md``) ship in
this package, so nothing is downloaded at run time. We run the landmark model
only, and track its region of interest (ROI) ourselves as MediaPipe's pose
graph does (Bazarevsky et al. 2020 [1]_): the model returns 33 body landmarks
plus two alignment points (33: mid-hip, 34: a point whose distance from the
mid-hip gives the body's size and whose direction its tilt); the next frame's
ROI is the square centred on point 33, of side 2 x 1.25 x that distance,
rotated so point 34 is straight up.

MediaPipe finds the first ROI with a separate person detector. We instead
start from the whole frame (the model tolerates a loose crop and answers with
its own alignment points, so three refinements converge on the runner) and,
when the runner is lost, search a few windows along the frame. That needs no
second model and suits a runner filmed on a treadmill or from a fixed camera.

References
----------
.. [1] Bazarevsky, V., Grishchenko, I., Raveendran, K., Zhu, T., Zhang, F., &
   Grundmann, M. (2020). BlazePose: On-device real-time body pose tracking.
   arXiv:2006.10204. https://arxiv.org/abs/2006.10204
"""

from __future__ import annotations

import math
import os
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

import numpy as np
import numpy.typing as npt

from runform.errors import RunformError

if TYPE_CHECKING:
    from PIL import Image

__all__ = [
    "INPUT_SIZE",
    "MODELS",
    "PRESENCE_THRESHOLD",
    "PoseEstimator",
    "PoseTrack",
    "Roi",
    "model_path",
    "track_pose",
]

ModelName = Literal["heavy", "lite"]
MODELS: tuple[str, ...] = ("heavy", "lite")
"""Landmark models shipped with runform (``full`` is not shipped; see the decision record)."""
INPUT_SIZE = 256
"""Side of the square model input [px] (BlazePose GHUM landmark model)."""
PRESENCE_THRESHOLD = 0.5
"""Pose-presence score below which a frame counts as "no person" (MediaPipe's default)."""
ROI_SCALE = 1.25
"""ROI side = 2 x ROI_SCALE x |point34 - point33| (MediaPipe pose_landmark_roi graph)."""
REFINE_STEPS = 3
"""Model runs that refine a fresh ROI on the frame where tracking starts."""
NOTHING_THERE = 0.05
"""A search window scoring below this pose presence is not refined further."""
SEARCH_EVERY = 5
"""While lost, search for the runner on every n-th frame only (keeps empty clips cheap)."""

FloatArray = npt.NDArray[np.float64]


def model_path(name: str) -> Path:
    """Path of a shipped landmark model; a :class:`RunformError` if it is not there."""
    if name not in MODELS:
        raise RunformError(f"unknown pose model {name!r}; choose one of {', '.join(MODELS)}")
    path = Path(__file__).resolve().parent / "models" / f"pose_landmark_{name}.tflite"
    if not path.is_file():
        raise RunformError(
            f"{path}: pose model file missing from the installation; reinstall runform[video]"
        )
    return path


@dataclass(frozen=True)
class Roi:
    """A rotated square region of the frame: centre [px], side [px], rotation [rad]."""

    cx: float
    cy: float
    size: float
    rotation: float


@dataclass(frozen=True)
class PoseTrack:
    """Landmarks of one clip: one row per analysed frame.

    Attributes
    ----------
    frame_index : ndarray, shape (n,)
        Index of each analysed frame in the clip (0, stride, 2*stride, ...).
    xy : ndarray, shape (n, 33, 2)
        Landmark positions [px] (x right, y down); NaN where no person was found.
    visibility : ndarray, shape (n, 33)
        Model's visibility score per landmark (0-1); NaN where no person.
    presence : ndarray, shape (n,)
        Pose-presence score (0-1).
    roi_size : ndarray, shape (n,)
        Side of the tracked ROI [px] (about 1.3x the runner's height); NaN when lost.
    fps : float
        Frame rate of the clip [frames/s] (the track's rate is fps / stride).
    stride : int
        Frames stepped between analysed frames.
    width, height : int
        Frame size [px].
    model : str
        Landmark model used.
    """

    frame_index: npt.NDArray[np.int64]
    xy: FloatArray
    visibility: FloatArray
    presence: FloatArray
    roi_size: FloatArray
    fps: float
    stride: int
    width: int
    height: int
    model: str

    @property
    def found(self) -> npt.NDArray[np.bool_]:
        """Frames where a person was found."""
        return np.asarray(self.presence >= PRESENCE_THRESHOLD)

    @property
    def track_fps(self) -> float:
        """Rate of the analysed frames [frames/s]."""
        return self.fps / self.stride


class PoseEstimator:
    """One BlazePose landmark model in a LiteRT interpreter (CPU, XNNPACK).

    Parameters
    ----------
    model : {"heavy", "lite"}
        Which shipped model to run.
    threads : int, optional
        Interpreter threads; all cores up to 4 when omitted.
    """

    def __init__(self, model: str = "heavy", threads: int | None = None) -> None:
        from ai_edge_litert.interpreter import Interpreter

        self.model = model
        n = threads if threads is not None else min(4, os.cpu_count() or 1)
        self._interp: Any = Interpreter(model_path=str(model_path(model)), num_threads=n)
        self._interp.allocate_tensors()
        self._input = self._interp.get_input_details()[0]["index"]
        outs = {d["name"]: d["index"] for d in self._interp.get_output_details()}
        self._landmarks = outs["Identity"]
        self._flag = outs["Identity_1"]

    def run(self, image: Image.Image, roi: Roi) -> tuple[FloatArray, float]:
        """Landmarks in frame pixels for one ROI of one frame.

        Returns
        -------
        (ndarray, float)
            Shape (39, 4): x [px], y [px], visibility (0-1), presence (0-1); and the
            pose-presence score (0-1).
        """
        from PIL import Image as PILImage

        half = INPUT_SIZE / 2
        s = roi.size / INPUT_SIZE
        c, sn = math.cos(roi.rotation), math.sin(roi.rotation)
        a, b, d, e = s * c, -s * sn, s * sn, s * c
        coeffs = (a, b, roi.cx - half * (a + b), d, e, roi.cy - half * (d + e))
        crop = image.transform(
            (INPUT_SIZE, INPUT_SIZE),
            PILImage.Transform.AFFINE,
            coeffs,
            resample=PILImage.Resampling.BILINEAR,
        )
        tensor = np.asarray(crop, dtype=np.float32)[None] / np.float32(255.0)
        self._interp.set_tensor(self._input, tensor)
        self._interp.invoke()
        raw = np.asarray(self._interp.get_tensor(self._landmarks), dtype=float).reshape(39, 5)
        flag = float(np.asarray(self._interp.get_tensor(self._flag)).ravel()[0])
        u, v = raw[:, 0] - half, raw[:, 1] - half
        out = np.empty((39, 4))
        out[:, 0] = roi.cx + s * (c * u - sn * v)
        out[:, 1] = roi.cy + s * (sn * u + c * v)
        out[:, 2] = 1.0 / (1.0 + np.exp(-raw[:, 3]))
        out[:, 3] = 1.0 / (1.0 + np.exp(-raw[:, 4]))
        return out, flag


def roi_from_landmarks(lm: FloatArray) -> Roi:
    """Next ROI from the alignment points 33 (centre) and 34 (size and tilt)."""
    cx, cy = float(lm[33, 0]), float(lm[33, 1])
    dx, dy = float(lm[34, 0]) - cx, float(lm[34, 1]) - cy
    size = 2.0 * math.hypot(dx, dy) * ROI_SCALE
    rot = math.pi / 2 - math.atan2(-dy, dx)
    rot -= 2 * math.pi * math.floor((rot + math.pi) / (2 * math.pi))
    return Roi(cx, cy, size, rot)


def _search_windows(width: int, height: int) -> list[Roi]:
    """The whole frame, then squares the size of the short side along the long side."""
    side = float(max(width, height))
    short = float(min(width, height))
    wins = [Roi(width / 2, height / 2, side, 0.0)]
    for frac in (0.25, 0.5, 0.75):
        if height >= width:
            wins.append(Roi(width / 2, height * frac, short, 0.0))
        else:
            wins.append(Roi(width * frac, height / 2, short, 0.0))
    return wins


def _refine(est: PoseEstimator, img: Image.Image, roi: Roi) -> tuple[FloatArray, float, Roi]:
    lm, flag = est.run(img, roi)
    if flag < NOTHING_THERE:
        return lm, flag, roi
    for _ in range(REFINE_STEPS - 1):
        nxt = roi_from_landmarks(lm)
        if not math.isfinite(nxt.size) or nxt.size < 8:
            break
        lm, flag = est.run(img, nxt)
        roi = nxt
    return lm, flag, roi_from_landmarks(lm)


def track_pose(
    frames: Iterable[tuple[int, Image.Image]],
    estimator: PoseEstimator,
    *,
    fps: float,
    stride: int = 1,
    progress: Callable[[int], None] | None = None,
) -> PoseTrack:
    """Run the landmark model over frames, tracking the runner's ROI.

    Parameters
    ----------
    frames : iterable of (int, PIL.Image.Image)
        Frame index and RGB frame (as :func:`runform.video.decode.iter_frames` yields).
    estimator : PoseEstimator
        The model to run.
    fps : float
        The clip's frame rate [frames/s].
    stride : int
        Stride the frames were taken with.
    progress : callable, optional
        Called with the number of frames done after each frame.
    """
    idx: list[int] = []
    xy: list[FloatArray] = []
    vis: list[FloatArray] = []
    pres: list[float] = []
    sizes: list[float] = []
    roi: Roi | None = None
    lost_for = SEARCH_EVERY  # search on the first frame
    width = height = 0
    for k, (i, img) in enumerate(frames):
        width, height = img.size
        lm: FloatArray | None = None
        flag = 0.0
        if roi is not None:
            lm, flag = estimator.run(img, roi)
            if flag < PRESENCE_THRESHOLD:
                lm, roi = None, None
            else:
                roi = roi_from_landmarks(lm)
        if roi is None:
            lost_for += 1
            if lost_for >= SEARCH_EVERY:
                lost_for = 0
                best: tuple[FloatArray, float, Roi] | None = None
                for win in _search_windows(width, height):
                    cand = _refine(estimator, img, win)
                    if best is None or cand[1] > best[1]:
                        best = cand
                    if cand[1] >= 0.9:
                        break
                if best is not None and best[1] >= PRESENCE_THRESHOLD:
                    lm, flag, roi = best
                else:
                    flag = best[1] if best is not None else 0.0
        idx.append(i)
        pres.append(flag)
        if lm is not None and roi is not None:
            xy.append(lm[:33, :2].copy())
            vis.append(lm[:33, 2].copy())
            sizes.append(roi.size)
        else:
            xy.append(np.full((33, 2), np.nan))
            vis.append(np.full(33, np.nan))
            sizes.append(math.nan)
        if progress is not None:
            progress(k + 1)
    n = len(idx)
    return PoseTrack(
        frame_index=np.asarray(idx, dtype=np.int64),
        xy=np.asarray(xy, dtype=float).reshape(n, 33, 2),
        visibility=np.asarray(vis, dtype=float).reshape(n, 33),
        presence=np.asarray(pres, dtype=float),
        roi_size=np.asarray(sizes, dtype=float),
        fps=fps,
        stride=stride,
        width=width,
        height=height,
        model=estimator.model,
    )
