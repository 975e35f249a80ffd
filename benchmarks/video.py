"""Time video gait analysis per frame: decode, pose, metrics, total, real-time factor.

Target (issue 8): faster than real time for a 30 frames/s clip with the model
runform uses (BlazePose GHUM heavy), or the frame stride that achieves it. The
named peer measured in the same run is the lighter variant of the same model
(BlazePose GHUM lite), on the same frames and ROI tracking.

Usage::

    .venv/bin/python benchmarks/video.py [CLIP] [--repeat 2] [--stride 1]

CLIP defaults to the shared corpus side-view clip (../shared/corpus/video/male_side.mp4).
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import time
from pathlib import Path

from runform.core.gait_video import side_view_metrics
from runform.video.decode import iter_frames, probe
from runform.video.pose import PoseEstimator, track_pose

DEFAULT_CLIP = (
    Path(
        os.environ.get("RUNFORM_CORPUS", Path(__file__).resolve().parents[2] / "shared" / "corpus")
    )
    / "video"
    / "male_side.mp4"
)


def _time_decode(clip: Path, stride: int) -> tuple[float, list[tuple[int, object]]]:
    t0 = time.perf_counter()
    frames = list(iter_frames(clip, stride))
    return time.perf_counter() - t0, frames  # type: ignore[return-value]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("clip", nargs="?", type=Path, default=DEFAULT_CLIP)
    ap.add_argument("--repeat", type=int, default=2)
    ap.add_argument("--stride", type=int, default=1)
    ap.add_argument("--threads", type=int, default=None)
    args = ap.parse_args()
    info = probe(args.clip)
    print(
        f"clip: {args.clip} ({info.width}x{info.height}, {info.fps:g} frames/s, {info.frames} frames)"
    )
    print(
        f"machine: {platform.processor() or platform.machine()}, {os.cpu_count()} cores, "
        f"load average {os.getloadavg()[0]:.2f}; python {platform.python_version()}"
    )
    decode_s = []
    frames: list[tuple[int, object]] = []
    for _ in range(args.repeat):
        s, frames = _time_decode(args.clip, args.stride)
        decode_s.append(s)
    n = len(frames)
    decode_ms = 1000 * min(decode_s) / n
    rows = []
    for model in ("heavy", "lite"):
        est = PoseEstimator(model, threads=args.threads)
        pose_s, metric_s, cadence = [], [], 0.0
        for _ in range(args.repeat):
            t0 = time.perf_counter()
            track = track_pose(frames, est, fps=info.fps, stride=args.stride)  # type: ignore[arg-type]
            pose_s.append(time.perf_counter() - t0)
            t0 = time.perf_counter()
            m = side_view_metrics(track.xy, track.track_fps, visibility=track.visibility)
            metric_s.append(time.perf_counter() - t0)
            cadence = m.cadence_spm
        pose_ms = 1000 * statistics.median(pose_s) / n
        metric_ms = 1000 * statistics.median(metric_s) / n
        total = decode_ms + pose_ms + metric_ms
        # real time: analysed frames stand for `stride` source frames each
        rtf = (1000 / info.fps * args.stride) / total
        rows.append((model, pose_ms, metric_ms, total, rtf, cadence))
    print(f"stride {args.stride}: {n} frames analysed, median of {args.repeat} runs\n")
    print(
        f"{'model':8} {'decode':>8} {'pose':>8} {'metrics':>8} {'total':>8} {'x realtime':>11} {'cadence':>9}"
    )
    print(f"{'':8} {'ms/fr':>8} {'ms/fr':>8} {'ms/fr':>8} {'ms/fr':>8} {'(30 fps)':>11} {'spm':>9}")
    for model, pose_ms, metric_ms, total, rtf, cad in rows:
        print(
            f"{model:8} {decode_ms:8.1f} {pose_ms:8.1f} {metric_ms:8.2f} {total:8.1f} "
            f"{rtf:11.2f} {cad:9.2f}"
        )
    heavy, lite = rows[0], rows[1]
    print(f"\nheavy / lite pose time: {heavy[1] / lite[1]:.2f}x (peer: BlazePose GHUM lite)")
    need = max(1, int(-(-heavy[3] // (1000 / info.fps))))
    print(f"heavy runs at {heavy[4]:.2f}x real time; stride for real time at this load: {need}")


if __name__ == "__main__":
    main()
