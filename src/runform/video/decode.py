"""Read a video file frame by frame with PyAV (FFmpeg), as Pillow images.

Every failure to open or decode becomes one :class:`~runform.errors.InputFileError`
line naming the file. Phone clips that store their orientation as a display
rotation are turned upright.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from runform.errors import InputFileError

if TYPE_CHECKING:
    from PIL import Image

__all__ = ["VideoInfo", "iter_frames", "probe"]


@dataclass(frozen=True)
class VideoInfo:
    """What the container says about the clip."""

    path: str
    width: int
    height: int
    fps: float
    frames: int
    duration_s: float
    codec: str


def _open(path: Path) -> Any:
    import av

    if not path.is_file():
        raise InputFileError(str(path), "no such file")
    try:
        container = av.open(str(path))
    except (av.error.FFmpegError, UnicodeDecodeError, ValueError) as exc:
        raise InputFileError(
            str(path),
            f"not a video runform can read ({type(exc).__name__}); use an MP4/MOV/AVI clip",
        ) from None
    if not container.streams.video:
        container.close()
        raise InputFileError(str(path), "has no video stream; use an MP4/MOV/AVI clip")
    return container


def probe(path: str | Path) -> VideoInfo:
    """Size, frame rate [frames/s], frame count and duration [s] of a clip."""
    p = Path(path)
    container = _open(p)
    try:
        stream = container.streams.video[0]
        fps = float(stream.average_rate or stream.guessed_rate or 0.0)
        if fps <= 0:
            raise InputFileError(
                str(p), "has no frame rate; re-encode it (e.g. ffmpeg -i in -r 30 out.mp4)"
            )
        frames = int(stream.frames or 0)
        if stream.duration is not None and stream.time_base is not None:
            duration = float(stream.duration * stream.time_base)
        elif container.duration is not None:
            duration = container.duration / 1_000_000
        else:
            duration = frames / fps
        if frames <= 0:
            frames = round(duration * fps)
        return VideoInfo(
            path=str(p),
            width=int(stream.codec_context.width),
            height=int(stream.codec_context.height),
            fps=fps,
            frames=frames,
            duration_s=duration,
            codec=str(stream.codec_context.name),
        )
    finally:
        container.close()


def iter_frames(path: str | Path, stride: int = 1) -> Iterator[tuple[int, Image.Image]]:
    """Yield ``(frame_index, RGB image)`` for every ``stride``-th frame, upright.

    Parameters
    ----------
    path : str or Path
        The clip.
    stride : int
        Keep frames 0, stride, 2*stride, ... (the others are decoded and dropped;
        the codec needs them).
    """
    import av
    from PIL import Image

    p = Path(path)
    container = _open(p)
    try:
        stream = container.streams.video[0]
        stream.thread_type = "AUTO"
        index = 0
        try:
            for frame in container.decode(stream):
                if index % stride == 0:
                    img = frame.to_image()
                    rot = int(getattr(frame, "rotation", 0) or 0) % 360
                    if rot == 90:
                        img = img.transpose(Image.Transpose.ROTATE_90)
                    elif rot == 180:
                        img = img.transpose(Image.Transpose.ROTATE_180)
                    elif rot == 270:
                        img = img.transpose(Image.Transpose.ROTATE_270)
                    yield index, img
                index += 1
        except av.error.FFmpegError as exc:
            if index == 0:
                raise InputFileError(
                    str(p), f"cannot decode any frame ({exc.strerror or exc})"
                ) from None
            # a damaged tail: keep what decoded
    finally:
        container.close()
