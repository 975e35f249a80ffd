"""Pictures of the analysis: an annotated video and a contact sheet of key frames.

Pillow draws, PyAV encodes (H.264 when the FFmpeg inside PyAV has it, MPEG-4
Part 2 otherwise). Both read the clip again; the pose track maps each clip frame
to its analysed frame (the nearest one when a stride was used).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from runform.core.gait_video import inclination, knee_flexion
from runform.video.decode import iter_frames
from runform.video.pose import PoseTrack

if TYPE_CHECKING:
    from PIL import Image, ImageDraw, ImageFont

__all__ = ["SKELETON", "contact_sheet", "draw_pose", "write_annotated_video"]

SKELETON: tuple[tuple[int, int], ...] = (
    (11, 12), (11, 23), (12, 24), (23, 24),
    (11, 13), (13, 15), (12, 14), (14, 16),
    (23, 25), (25, 27), (27, 29), (29, 31), (27, 31),
    (24, 26), (26, 28), (28, 30), (30, 32), (28, 32),
    (0, 11), (0, 12),
)  # fmt: skip
"""Landmark pairs joined by a line."""

LEFT_COLOUR = (40, 140, 255)
RIGHT_COLOUR = (255, 140, 30)
MID_COLOUR = (240, 240, 240)
EVENT_COLOUR = (255, 60, 60)


def _colour(a: int, b: int) -> tuple[int, int, int]:
    odd = {i for i in (a, b) if i > 10 and i % 2 == 1}
    even = {i for i in (a, b) if i > 10 and i % 2 == 0}
    if odd and not even:
        return LEFT_COLOUR
    if even and not odd:
        return RIGHT_COLOUR
    return MID_COLOUR


def _font(size: int) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    from PIL import ImageFont

    try:
        return ImageFont.load_default(size=size)
    except TypeError:  # Pillow < 10.1
        return ImageFont.load_default()


def _label(draw: ImageDraw.ImageDraw, xy: tuple[float, float], text: str, size: int) -> None:
    font = _font(size)
    x, y = xy
    box = draw.textbbox((x, y), text, font=font)
    pad = max(2, size // 6)
    draw.rectangle((box[0] - pad, box[1] - pad, box[2] + pad, box[3] + pad), fill=(0, 0, 0))
    draw.text((x, y), text, fill=(255, 255, 255), font=font)


def draw_pose(
    image: Image.Image, xy: np.ndarray[Any, Any], labels: Sequence[str] = (), facing: int = 1
) -> Image.Image:
    """A copy of ``image`` with the skeleton, joint angles and ``labels`` drawn on it.

    Parameters
    ----------
    image : PIL.Image.Image
        The frame (not modified).
    xy : ndarray, shape (33, 2)
        Landmarks [px]; a NaN row draws no skeleton.
    labels : sequence of str
        Lines of text for the top-left corner.
    facing : {1, -1}
        Running direction (sign of the trunk-lean label).
    """
    from PIL import ImageDraw

    out = image.copy()
    draw = ImageDraw.Draw(out)
    scale = max(out.size) / 1000
    width = max(2, round(4 * scale))
    text_size = max(12, round(22 * scale))
    if np.isfinite(xy[[11, 12, 23, 24]]).all():
        for a, b in SKELETON:
            if np.isfinite(xy[[a, b]]).all():
                draw.line([tuple(xy[a]), tuple(xy[b])], fill=_colour(a, b), width=width)
        r = width * 1.2
        for i in (0, 11, 12, 23, 24, 25, 26, 27, 28, 29, 30, 31, 32):
            x, y = xy[i]
            if math.isfinite(x) and math.isfinite(y):
                draw.ellipse((x - r, y - r, x + r, y + r), fill=(255, 255, 255))
        for side, (h, k, a) in (("L", (23, 25, 27)), ("R", (24, 26, 28))):
            flex = float(knee_flexion(xy[h], xy[k], xy[a]))
            if math.isfinite(flex):
                kx, ky = xy[k]
                text = f"{side} knee {flex:.0f}°"
                if side == "R":  # right label to the left of its knee, left label to the right
                    box = draw.textbbox((0, 0), text, font=_font(text_size))
                    kx -= box[2] + 6 * width
                else:
                    kx += 3 * width
                _label(draw, (kx, ky - text_size / 2), text, text_size)
        hip = (xy[23] + xy[24]) / 2
        sho = (xy[11] + xy[12]) / 2
        lean = float(inclination(hip, sho, facing, "up"))
        if math.isfinite(lean):
            _label(draw, (sho[0] + 3 * width, sho[1]), f"trunk {lean:+.0f}°", text_size)
    y0 = text_size
    for line in labels:
        _label(draw, (text_size, y0), line, text_size)
        y0 += int(text_size * 1.5)
    return out


def _row_for_frame(track: PoseTrack, frame: int) -> int:
    return int(min(len(track.frame_index) - 1, max(0, round(frame / track.stride))))


def write_annotated_video(
    clip: str | Path,
    track: PoseTrack,
    out_path: str | Path,
    *,
    facing: int = 1,
    events: Sequence[tuple[int, str]] = (),
    header: Sequence[str] = (),
    max_height: int = 960,
) -> Path:
    """Encode the clip with the skeleton, joint angles and gait events drawn on it.

    Parameters
    ----------
    clip : str or Path
        The source clip.
    track : PoseTrack
        Its pose track.
    out_path : str or Path
        The MP4 to write.
    facing : {1, -1}
        Running direction.
    events : sequence of (int, str)
        (clip frame index, label) shown for a few frames from that frame, e.g. ``"IC left"``.
    header : sequence of str
        Lines shown on every frame (cadence, strike pattern).
    max_height : int
        Frames taller than this are scaled down [px] (keeps the file small).
    """
    import av
    from PIL import Image as PILImage

    out = Path(out_path)
    scale = min(1.0, max_height / max(1, track.height))
    w = int(track.width * scale) // 2 * 2
    h = int(track.height * scale) // 2 * 2
    hold = max(1, round(track.fps * 0.2))
    ev: dict[int, list[str]] = {}
    for f, text in events:
        for d in range(hold):
            ev.setdefault(f + d, []).append(text)
    container = av.open(str(out), mode="w")
    try:
        try:
            stream = container.add_stream("libx264", rate=round(track.fps))
            stream.options = {"crf": "26", "preset": "veryfast"}
        except (av.error.FFmpegError, ValueError):
            stream = container.add_stream("mpeg4", rate=round(track.fps))
        stream.width, stream.height, stream.pix_fmt = w, h, "yuv420p"
        for i, img in iter_frames(clip):
            row = _row_for_frame(track, i)
            lines = [*header, *ev.get(i, [])]
            frame_img = draw_pose(img, track.xy[row], lines, facing)
            if frame_img.size != (w, h):
                frame_img = frame_img.resize((w, h), PILImage.Resampling.BILINEAR)
            video_frame = av.VideoFrame.from_ndarray(np.asarray(frame_img), format="rgb24")
            for packet in stream.encode(video_frame):
                container.mux(packet)
        for packet in stream.encode():
            container.mux(packet)
    finally:
        container.close()
    return out


def _crop_box(track: PoseTrack, row: int, pad: float = 1.0) -> tuple[int, int, int, int]:
    xy = track.xy[row]
    ok = np.isfinite(xy).all(axis=1)
    if not ok.any():
        return (0, 0, track.width, track.height)
    x0, y0 = xy[ok].min(axis=0)
    x1, y1 = xy[ok].max(axis=0)
    side = max(x1 - x0, y1 - y0) * (1 + 0.3 * pad)
    cx, cy = (x0 + x1) / 2, (y0 + y1) / 2
    return (int(cx - side / 2), int(cy - side / 2), int(cx + side / 2), int(cy + side / 2))


def contact_sheet(
    clip: str | Path,
    track: PoseTrack,
    panels: Sequence[Sequence[tuple[int, str]]],
    out_path: str | Path,
    *,
    facing: int = 1,
    title: str = "",
    tile: int = 360,
) -> Path:
    """A PNG grid of key frames: one row per entry of ``panels``, one tile per (frame, caption).

    Parameters
    ----------
    clip : str or Path
        The source clip.
    track : PoseTrack
        Its pose track.
    panels : sequence of sequence of (int, str)
        Rows of (clip frame index, caption), e.g. left foot: initial contact,
        midstance, toe-off; then the right foot.
    out_path : str or Path
        The PNG to write.
    facing : {1, -1}
        Running direction.
    title : str
        A line above the grid.
    tile : int
        Side of each square tile [px].
    """
    from PIL import Image as PILImage
    from PIL import ImageDraw

    wanted = {f for row in panels for f, _ in row}
    frames: dict[int, Image.Image] = {}
    for i, img in iter_frames(clip):
        if i in wanted:
            frames[i] = img
        if len(frames) == len(wanted):
            break
    cols = max((len(r) for r in panels), default=1)
    head = 40 if title else 0
    sheet = PILImage.new("RGB", (cols * tile, head + len(panels) * tile), (20, 20, 20))
    draw = ImageDraw.Draw(sheet)
    if title:
        draw.text((10, 8), title, fill=(255, 255, 255), font=_font(22))
    for r, row in enumerate(panels):
        for c, (f, caption) in enumerate(row):
            if f not in frames:
                continue
            t = _row_for_frame(track, f)
            pic = draw_pose(frames[f], track.xy[t], (), facing)
            pic = pic.crop(_crop_box(track, t)).resize((tile, tile), PILImage.Resampling.BILINEAR)
            d = ImageDraw.Draw(pic)
            _label(d, (8, tile - 30), caption, 18)
            sheet.paste(pic, (c * tile, head + r * tile))
    out = Path(out_path)
    sheet.save(out)
    return out
