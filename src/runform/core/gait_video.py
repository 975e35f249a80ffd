"""Running gait from 2D pose landmarks of a filmed run (pure geometry, numpy only).

The video backend (:mod:`runform.video`) turns a clip into a landmark sequence:
per frame, the image position [px] of the 33 BlazePose body landmarks (x to the
right, y *down*, as images are stored) or NaN where no person was found. Everything
here works on such arrays and knows nothing of models, files or frames on disk,
so it is tested on constructed sequences with known answers.

Side view (camera at right angles to the direction of running):

* :func:`fix_leg_swaps`: undo the left/right leg swaps a pose model makes when the
  legs cross in a side view;
* :func:`dominant_frequency` / cadence: the fundamental of the vertical motion of
  the hips (one bounce per step) from a fine-grid periodogram, not peak counting;
* :func:`contact_phases`: initial contact and toe-off per foot, from the height of
  the lowest point of the foot above its ground line;
* :func:`side_view_metrics`: foot strike (Altman & Davis 2012 [1]_), over-striding
  (ankle ahead of the hip at contact, in leg lengths, and shin angle; Souza 2016
  [2]_), trunk lean, knee flexion at midstance, vertical oscillation.

Rear view (camera behind the runner): :func:`rear_view_metrics` gives the
contralateral pelvic drop, the knee frontal-plane projection angle and crossover
as *screening flags*. 2D frontal-plane measures have limited validity: 2D pelvic
drop agrees only moderately with 3D and repeats with ICC about 0.6-0.77, and 2D
knee valgus does not track 3D knee abduction (Maykut et al. 2015 [3]_).

Conventions: angles in degrees; "facing" is +1 when the runner faces image-right
and -1 when facing image-left; lengths are normalised to the leg length (hip to
ankle, thigh plus shank, both measured in the image), and converted to
centimetres only when the runner's height is known, through Winter's segment
proportions (thigh 0.245 H, shank 0.246 H; Winter 2009 [4]_).

References
----------
.. [1] Altman, A. R., & Davis, I. S. (2012). A kinematic method for footstrike
   pattern detection in barefoot and shod runners. Gait & Posture, 35(2),
   298-300. https://doi.org/10.1016/j.gaitpost.2011.09.104
.. [2] Souza, R. B. (2016). An evidence-based videotaped running biomechanics
   analysis. Physical Medicine and Rehabilitation Clinics of North America,
   27(1), 217-236. https://doi.org/10.1016/j.pmr.2015.08.006
.. [3] Maykut, J. N., Taylor-Haas, J. A., Paterno, M. V., DiCesare, C. A., &
   Ford, K. R. (2015). Concurrent validity and reliability of 2D kinematic
   analysis of frontal plane motion during running. International Journal of
   Sports Physical Therapy, 10(2), 136-146.
.. [4] Winter, D. A. (2009). Biomechanics and Motor Control of Human Movement
   (4th ed., Table 4.1, segment lengths as fractions of height H). Wiley.
   https://doi.org/10.1002/9780470549148
.. [5] Bramah, C., Preece, S. J., Gill, N., & Herrington, L. (2018). Is there a
   pathological gait associated with common soft tissue running injuries?
   The American Journal of Sports Medicine, 46(12), 3023-3031.
   https://doi.org/10.1177/0363546518793657
.. [6] Novacheck, T. F. (1998). The biomechanics of running. Gait & Posture,
   7(1), 77-95. https://doi.org/10.1016/S0966-6362(97)00038-6
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np
import numpy.typing as npt

__all__ = [
    "LANDMARKS",
    "LEG_LANDMARK_PAIRS",
    "STRIKE_FFS_MAX_DEG",
    "STRIKE_RFS_MIN_DEG",
    "ContactPhase",
    "RearViewMetrics",
    "SideViewMetrics",
    "Summary",
    "cadence_spm",
    "contact_phases",
    "dominant_frequency",
    "facing_direction",
    "fill_gaps",
    "fix_leg_swaps",
    "foot_angle",
    "inclination",
    "joint_angle",
    "knee_flexion",
    "leg_length_px",
    "orient_legs",
    "rear_view_metrics",
    "side_view_metrics",
    "strike_class",
    "view_width_ratio",
]

FloatArray = npt.NDArray[np.float64]

LANDMARKS: dict[str, int] = {
    "nose": 0,
    "left_ear": 7,
    "right_ear": 8,
    "left_shoulder": 11,
    "right_shoulder": 12,
    "left_hip": 23,
    "right_hip": 24,
    "left_knee": 25,
    "right_knee": 26,
    "left_ankle": 27,
    "right_ankle": 28,
    "left_heel": 29,
    "right_heel": 30,
    "left_foot_index": 31,
    "right_foot_index": 32,
}
"""BlazePose landmark indices used here (the model's 33-point topology)."""

LEG_LANDMARK_PAIRS: tuple[tuple[int, int], ...] = ((25, 26), (27, 28), (29, 30), (31, 32))
"""(left, right) knee, ankle, heel and toe: what a leg swap exchanges."""

_SIDES: dict[str, dict[str, int]] = {
    side: {
        part: LANDMARKS[f"{side}_{part}"]
        for part in ("shoulder", "hip", "knee", "ankle", "heel", "foot_index")
    }
    for side in ("left", "right")
}

STRIKE_RFS_MIN_DEG = 8.0
"""Foot strike angle above which a contact is rearfoot [deg] (Altman & Davis 2012, [1]_)."""
STRIKE_FFS_MAX_DEG = -1.6
"""Foot strike angle below which a contact is forefoot [deg] (Altman & Davis 2012, [1]_)."""

THIGH_FRACTION_OF_HEIGHT = 0.245
"""Hip (greater trochanter) to knee as a fraction of standing height (Winter 2009, [4]_)."""
SHANK_FRACTION_OF_HEIGHT = 0.246
"""Knee to ankle as a fraction of standing height (Winter 2009, [4]_)."""

CONTACT_TOLERANCE_LEG = 0.05
"""A foot is on the ground while its lowest point is within this many leg lengths of
its ground line. About 15 px for a leg 300 px long: a few times the frame-to-frame
noise of the landmarks, and well under the 0.2-0.4 leg lengths a foot rises in swing.
Chosen by that reasoning, not fitted to a clip (see docs/decisions/video-pose.md)."""

MIN_SWING_S = 0.15
"""Two ground contacts of one foot closer than this [s] are one contact broken by
landmark noise: a running swing phase lasts well over 0.3 s (Novacheck 1998 [6]_)."""

MIN_CONTACT_S = 0.05
"""Contacts shorter than this [s] are noise: sprinters' contacts last about 0.08 s
and more (Novacheck 1998 [6]_)."""

MIN_FPS_CONTACT_TIME = 25.0
"""Below this frame rate [frames/s] contact time is not reported: a running contact
lasts 6-9 frames at 30 frames/s but 3-4 at 15, too few to time (the corpus clip at
15 frames/s gives 171 ms against 201 ms at 30)."""

CADENCE_BAND_HZ = (1.8, 4.0)
"""Step frequencies searched [Hz] (108-240 steps/min: jogging to sprinting)."""

PELVIC_DROP_FLAG_DEG = 5.0
"""Contralateral pelvic drop above which a screening flag is raised [deg]. Injured
runners in Bramah et al. 2018 ([5]_) averaged about 7-8 deg against about 4-5 deg in
controls; 5 deg is a screening threshold between the two, not a diagnosis."""

KNEE_VALGUS_FLAG_DEG = 10.0
"""Knee frontal-plane projection angle (valgus) above which a flag is raised [deg];
a common clinical screening cut-off (Souza 2016, [2]_), not validated against 3D."""

VALIDITY_NOTE_PELVIS = (
    "screening only: 2D pelvic drop agrees moderately with 3D and repeats with "
    "test-retest ICC about 0.6-0.77 (Maykut et al. 2015)"
)
VALIDITY_NOTE_KNEE = (
    "screening only: 2D knee valgus (frontal-plane projection angle) does not track "
    "3D knee abduction (Maykut et al. 2015)"
)


# --------------------------------------------------------------------------- basics


def fill_gaps(values: npt.ArrayLike, max_gap: int = 5) -> FloatArray:
    """Linearly interpolate NaN runs of at most ``max_gap`` samples (a new array).

    Parameters
    ----------
    values : array_like, shape (n,) or (n, ...)
        Samples along axis 0; NaN marks a missing sample.
    max_gap : int
        Longest run of NaN filled [samples]; longer runs and NaN at the ends stay NaN.

    Returns
    -------
    numpy.ndarray
        A copy with the short gaps filled.
    """
    arr = np.array(values, dtype=float, copy=True)
    flat = arr.reshape(arr.shape[0], -1)
    idx = np.arange(arr.shape[0])
    for j in range(flat.shape[1]):
        col = flat[:, j]
        bad = np.isnan(col)
        if not bad.any() or bad.all():
            continue
        good = ~bad
        filled = np.interp(idx, idx[good], col[good])
        # only runs of <= max_gap strictly inside the data
        run_start = None
        for i in range(len(col) + 1):
            is_bad = i < len(col) and bad[i]
            if is_bad and run_start is None:
                run_start = i
            elif not is_bad and run_start is not None:
                if run_start > 0 and i < len(col) and i - run_start <= max_gap:
                    col[run_start:i] = filled[run_start:i]
                run_start = None
    return arr


def joint_angle(a: npt.ArrayLike, b: npt.ArrayLike, c: npt.ArrayLike) -> FloatArray:
    """Interior angle ABC at ``b`` [deg], 180 for a straight line.

    Parameters
    ----------
    a, b, c : array_like, shape (..., 2)
        Points [px].

    Returns
    -------
    numpy.ndarray
        Angle in [0, 180] [deg], shape (...).
    """
    pa = np.asarray(a, dtype=float) - np.asarray(b, dtype=float)
    pc = np.asarray(c, dtype=float) - np.asarray(b, dtype=float)
    cross = pa[..., 0] * pc[..., 1] - pa[..., 1] * pc[..., 0]
    dot = (pa * pc).sum(axis=-1)
    return np.asarray(np.degrees(np.abs(np.arctan2(cross, dot))), dtype=float)


def knee_flexion(hip: npt.ArrayLike, knee: npt.ArrayLike, ankle: npt.ArrayLike) -> FloatArray:
    """Knee flexion [deg]: 180 minus the hip-knee-ankle angle (0 = straight leg)."""
    return 180.0 - joint_angle(hip, knee, ankle)


def inclination(
    start: npt.ArrayLike, end: npt.ArrayLike, facing: int, reference: Literal["up", "down"]
) -> FloatArray:
    """Angle of the segment start->end from the vertical [deg], positive toward ``facing``.

    Parameters
    ----------
    start, end : array_like, shape (..., 2)
        Image points [px] (y down).
    facing : {1, -1}
        +1 when the runner faces image-right, -1 image-left.
    reference : {"up", "down"}
        Measure from the upward vertical (trunk: hip -> shoulder, positive = forward
        lean) or the downward one (shin: knee -> ankle, positive = ankle ahead of knee).

    Returns
    -------
    numpy.ndarray
        Signed angle [deg] in (-180, 180].
    """
    d = np.asarray(end, dtype=float) - np.asarray(start, dtype=float)
    forward = facing * d[..., 0]
    vertical = -d[..., 1] if reference == "up" else d[..., 1]
    return np.asarray(np.degrees(np.arctan2(forward, vertical)), dtype=float)


def foot_angle(heel: npt.ArrayLike, toe: npt.ArrayLike, facing: int) -> FloatArray:
    """Sagittal foot angle [deg]: heel->toe line above the horizontal, positive = toes up.

    A rearfoot strike lands toes-up (positive), a forefoot strike toes-down
    (negative). Altman & Davis 2012 ([1]_) subtract the angle of a standing trial;
    a video of a run has none, so the heel->toe line of the model stands in for the
    sole (the BlazePose heel and foot-index points lie near the sole line).
    """
    d = np.asarray(toe, dtype=float) - np.asarray(heel, dtype=float)
    return np.asarray(np.degrees(np.arctan2(-d[..., 1], facing * d[..., 0])), dtype=float)


def strike_class(angle_deg: float) -> Literal["rearfoot", "midfoot", "forefoot"]:
    """Foot strike pattern from the foot angle at initial contact (Altman & Davis 2012).

    Parameters
    ----------
    angle_deg : float
        Foot strike angle [deg], positive toes up (:func:`foot_angle`).

    Returns
    -------
    str
        ``"rearfoot"`` above 8 deg, ``"forefoot"`` below -1.6 deg, else ``"midfoot"``.
    """
    if angle_deg > STRIKE_RFS_MIN_DEG:
        return "rearfoot"
    if angle_deg < STRIKE_FFS_MAX_DEG:
        return "forefoot"
    return "midfoot"


def facing_direction(xy: npt.ArrayLike) -> int:
    """Which way a side-view runner faces: +1 image-right, -1 image-left.

    The nose is ahead of the ears and the toes ahead of the heels; the median
    over frames of both horizontal offsets decides.

    Parameters
    ----------
    xy : array_like, shape (n, 33, 2)
        Landmarks [px]; NaN where missing.
    """
    p = np.asarray(xy, dtype=float)
    ears = (p[:, 7, 0] + p[:, 8, 0]) / 2
    toes = (p[:, 31, 0] + p[:, 32, 0]) / 2 - (p[:, 29, 0] + p[:, 30, 0]) / 2
    head = p[:, 0, 0] - ears
    score = float(np.nanmedian(np.sign(head))) + float(np.nanmedian(np.sign(toes)))
    return 1 if score >= 0 else -1


def _seg_len(p: FloatArray, i: int, j: int) -> FloatArray:
    d = p[:, i] - p[:, j]
    return np.asarray(np.hypot(d[:, 0], d[:, 1]), dtype=float)


def leg_length_px(xy: npt.ArrayLike) -> float:
    """Leg length in the image [px]: median thigh plus median shank, both legs pooled.

    Segment lengths stay nearly constant through the stride in a side view, while
    the hip-ankle distance shortens with knee flexion, so the sum of the segment
    medians is the stable measure (it is what a straight leg would measure).
    """
    p = np.asarray(xy, dtype=float)
    thigh = np.concatenate([_seg_len(p, 23, 25), _seg_len(p, 24, 26)])
    shank = np.concatenate([_seg_len(p, 25, 27), _seg_len(p, 26, 28)])
    return float(np.nanmedian(thigh) + np.nanmedian(shank))


def view_width_ratio(xy: npt.ArrayLike) -> float:
    """Shoulder and hip width over torso length (median): about 0-0.35 side on, 0.5+ from behind.

    A side view sees the shoulders and hips nearly on top of each other; a rear
    (or front) view sees their full width, about 0.8-1.0 of the torso length for
    the shoulders and 0.5-0.7 for the hips.
    """
    p = np.asarray(xy, dtype=float)
    hip = (p[:, 23] + p[:, 24]) / 2
    sho = (p[:, 11] + p[:, 12]) / 2
    torso = np.hypot(*(sho - hip).T)
    widths = (np.abs(p[:, 11, 0] - p[:, 12, 0]) + np.abs(p[:, 23, 0] - p[:, 24, 0])) / 2
    return float(np.nanmedian(widths / torso))


def fix_leg_swaps(xy: npt.ArrayLike, *, margin: float = 0.7) -> tuple[FloatArray, int]:
    """Undo frames where the pose model exchanged the left and right leg (a new array).

    In a side view the legs cross twice per stride and a pose model now and then
    labels the near leg as the far one for a frame or two. Each frame is compared
    with the previous (already corrected) frame: when exchanging the knee, ankle,
    heel and toe of the two legs brings them closer to where they were than the
    labels as given, by more than ``margin`` (a ratio of summed distances), the
    frame is exchanged.

    Parameters
    ----------
    xy : array_like, shape (n, 33, 2)
        Landmarks [px]; NaN rows (no person) are skipped.
    margin : float
        Exchange only when the swapped distance is below ``margin`` times the
        distance as labelled (dimensionless, < 1 so noise never triggers it).

    Returns
    -------
    (numpy.ndarray, int)
        Corrected landmarks and the number of frames exchanged.
    """
    out = np.array(xy, dtype=float, copy=True)
    left = [a for a, _ in LEG_LANDMARK_PAIRS]
    right = [b for _, b in LEG_LANDMARK_PAIRS]
    prev: FloatArray | None = None
    swaps = 0
    for t in range(out.shape[0]):
        legs = out[t, left + right]
        if np.isnan(legs).any():
            continue
        if prev is not None:
            direct = np.hypot(*(legs - prev).T).sum()
            swapped_legs = out[t, right + left]
            crossed = np.hypot(*(swapped_legs - prev).T).sum()
            if crossed < margin * direct:
                out[t, left + right] = swapped_legs
                swaps += 1
        prev = out[t, left + right].copy()
    return out, swaps


def orient_legs(
    xy: npt.ArrayLike, visibility: npt.ArrayLike, facing: int
) -> tuple[FloatArray, bool]:
    """Label the legs so the near one is the runner's near side (a new array).

    A runner facing image-left shows the camera their left side, one facing
    image-right their right side. The pose model sees the near leg better, so its
    landmarks score the higher visibility; when the leg labelled as the near side
    scores lower over the clip, every frame's leg labels are exchanged. Run after
    :func:`fix_leg_swaps`, which makes the labels consistent from frame to frame.

    Parameters
    ----------
    xy : array_like, shape (n, 33, 2)
        Landmarks [px].
    visibility : array_like, shape (n, 33)
        The model's visibility scores (0-1).
    facing : {1, -1}
        Running direction (:func:`facing_direction`).

    Returns
    -------
    (numpy.ndarray, bool)
        The landmarks and whether they were exchanged.
    """
    out = np.array(xy, dtype=float, copy=True)
    vis = np.asarray(visibility, dtype=float)
    left = [a for a, _ in LEG_LANDMARK_PAIRS]
    right = [b for _, b in LEG_LANDMARK_PAIRS]
    v_left, v_right = float(np.nanmean(vis[:, left])), float(np.nanmean(vis[:, right]))
    near_is_left = facing < 0
    if (v_left < v_right) == near_is_left:
        out[:, left + right] = out[:, right + left]
        return out, True
    return out, False


# --------------------------------------------------------------------------- cadence


def dominant_frequency(
    signal: npt.ArrayLike,
    fs: float,
    band: tuple[float, float] = CADENCE_BAND_HZ,
    resolution: float = 0.0005,
) -> tuple[float, float]:
    """Frequency of the strongest periodic component in ``band`` [Hz] and its share of power.

    The signal is gap-filled, detrended with a quadratic and Hann-windowed; its
    periodogram is evaluated on a fine frequency grid (a zero-padded DFT), which
    locates the peak far more finely than the 1/T bin spacing of a plain FFT and,
    unlike counting peaks, is not fooled by noise wiggles or a missed bounce.

    Parameters
    ----------
    signal : array_like, shape (n,)
        Evenly sampled values; NaN gaps up to 5 samples are interpolated, other
        NaN samples dropped from the fit.
    fs : float
        Sampling rate [Hz].
    band : (float, float)
        Frequencies searched [Hz].
    resolution : float
        Grid step [Hz].

    Returns
    -------
    (float, float)
        Peak frequency [Hz] and the peak's share of the in-band power (0-1, a
        quality figure: near 1 for a clean periodic signal).
    """
    y = fill_gaps(np.asarray(signal, dtype=float))
    t = np.arange(len(y)) / fs
    ok = ~np.isnan(y)
    if ok.sum() < 8:
        return math.nan, 0.0
    t, y = t[ok], y[ok]
    y = y - np.polyval(np.polyfit(t, y, 2), t)
    w = np.hanning(len(y)) if len(y) == ok.size else np.ones(len(y))
    freqs = np.arange(band[0], band[1] + resolution / 2, resolution)
    spectrum = np.abs(np.exp(-2j * np.pi * np.outer(freqs, t)) @ (y * w)) ** 2
    k = int(np.argmax(spectrum))
    share = float(spectrum[k] / spectrum.sum()) if spectrum.sum() > 0 else 0.0
    # the Hann main lobe is 4/T wide: report how much of the band's power sits in it
    lobe = np.abs(freqs - freqs[k]) <= 2.0 / (t[-1] - t[0] + 1.0 / fs)
    share = float(spectrum[lobe].sum() / spectrum.sum()) if spectrum.sum() > 0 else share
    return float(freqs[k]), share


def cadence_spm(xy: npt.ArrayLike, fps: float) -> tuple[float, float]:
    """Cadence [steps/min] from the vertical motion of the hips, and its peak share.

    The pelvis rises and falls once per step (both feet), so the fundamental of
    the mid-hip height is the step frequency (:func:`dominant_frequency`).
    """
    p = np.asarray(xy, dtype=float)
    hip_y = (p[:, 23, 1] + p[:, 24, 1]) / 2
    f, share = dominant_frequency(hip_y, fps)
    return 60.0 * f, share


# --------------------------------------------------------------------------- events


@dataclass(frozen=True)
class ContactPhase:
    """One ground contact of one foot (times from the first frame [s])."""

    foot: Literal["left", "right"]
    initial_contact: float
    toe_off: float
    ic_frame: int
    to_frame: int

    @property
    def contact_time(self) -> float:
        """Contact time [s]."""
        return self.toe_off - self.initial_contact


def _crossings(low: FloatArray, limit: float) -> list[tuple[float, float, int, int]]:
    """Runs where ``low >= limit`` (on the ground), with sub-frame start/end [frames]."""
    on = low >= limit
    runs: list[tuple[float, float, int, int]] = []
    n = len(low)
    i = 0
    while i < n:
        if not on[i]:
            i += 1
            continue
        j = i
        while j + 1 < n and on[j + 1]:
            j += 1
        if i == 0 or j == n - 1 or np.isnan(low[i - 1]) or np.isnan(low[j + 1]):
            i = j + 1  # a contact cut by the clip's ends or a gap is not a whole contact
            continue
        # linear interpolation of the threshold crossing between frames
        a, b = low[i - 1], low[i]
        start = (i - 1) + (limit - a) / (b - a) if b != a else float(i)
        c, d = low[j], low[j + 1]
        end = j + (c - limit) / (c - d) if c != d else float(j + 1)
        runs.append((float(start), float(end), i, j))
        i = j + 1
    return runs


def contact_phases(
    xy: npt.ArrayLike,
    fps: float,
    *,
    tolerance: float = CONTACT_TOLERANCE_LEG,
    leg_px: float | None = None,
) -> list[ContactPhase]:
    """Initial contacts and toe-offs of both feet, in time order.

    A foot is on the ground while the lowest of its heel and toe points is within
    ``tolerance`` leg lengths of that foot's ground line (the 95th percentile of
    its lowest point over the clip; each foot has its own line because the far
    foot sits higher in the image). Heel rise in late stance keeps the toe down,
    so toe-off is when the toe lifts. Crossings are interpolated between frames.
    This works from the side and from behind (the feet then move toward and
    away from the camera, and only their height is used).

    Parameters
    ----------
    xy : array_like, shape (n, 33, 2)
        Landmarks [px], legs already de-swapped (:func:`fix_leg_swaps`).
    fps : float
        Frame rate of the sequence [frames/s].
    tolerance : float
        Height above the ground line still counted as contact [leg lengths].
    leg_px : float, optional
        Leg length [px]; measured with :func:`leg_length_px` when omitted.

    Returns
    -------
    list of ContactPhase
        Whole contacts only (one cut by the clip's start or end is dropped).
    """
    p = np.asarray(xy, dtype=float)
    leg = leg_length_px(p) if leg_px is None else leg_px
    phases: list[ContactPhase] = []
    for side in ("left", "right"):
        ids = _SIDES[side]
        low = np.fmax(p[:, ids["heel"], 1], p[:, ids["foot_index"], 1])
        if np.isnan(low).all():
            continue
        ground = float(np.nanpercentile(low, 95))
        limit = ground - tolerance * leg
        merged: list[list[float]] = []
        for start, end, i, j in _crossings(low, limit):
            if merged and (start - merged[-1][1]) / fps < MIN_SWING_S:
                merged[-1][1], merged[-1][3] = end, j
            else:
                merged.append([start, end, i, j])
        foot: Literal["left", "right"] = "left" if side == "left" else "right"
        for start, end, first, last in merged:
            if (end - start) / fps < MIN_CONTACT_S:
                continue
            phases.append(
                ContactPhase(
                    foot=foot,
                    initial_contact=start / fps,
                    toe_off=end / fps,
                    ic_frame=int(first),
                    to_frame=int(last),
                )
            )
    phases.sort(key=lambda c: c.initial_contact)
    return phases


# --------------------------------------------------------------------------- summaries


@dataclass(frozen=True)
class Summary:
    """Mean, spread and count of one per-step measure, overall and per side."""

    mean: float
    sd: float
    n: int
    left: float
    right: float
    unit: str

    def as_json(self) -> dict[str, Any]:
        """Plain numbers rounded for people (NaN becomes None)."""

        def r(v: float) -> float | None:
            return None if not math.isfinite(v) else round(v, 3)

        return {
            "mean": r(self.mean),
            "sd": r(self.sd),
            "n": self.n,
            "left": r(self.left),
            "right": r(self.right),
            "unit": self.unit,
        }


def _summary(values: list[float], sides: list[str], unit: str) -> Summary:
    v = np.asarray(values, dtype=float)
    s = np.asarray(sides)
    ok = np.isfinite(v)

    def mean_of(mask: npt.NDArray[np.bool_]) -> float:
        m = mask & ok
        return float(v[m].mean()) if m.any() else math.nan

    n = int(ok.sum())
    return Summary(
        mean=float(v[ok].mean()) if n else math.nan,
        sd=float(v[ok].std(ddof=1)) if n > 1 else math.nan,
        n=n,
        left=mean_of(s == "left"),
        right=mean_of(s == "right"),
        unit=unit,
    )


@dataclass(frozen=True)
class SideViewMetrics:
    """What a side-view clip shows (see :func:`side_view_metrics`)."""

    facing: int
    cadence_spm: float
    cadence_quality: float
    cadence_from_contacts_spm: float
    leg_length_px: float
    px_per_cm: float | None
    contacts: list[ContactPhase]
    steps: list[dict[str, Any]]
    metrics: dict[str, Summary]
    strike_counts: dict[str, int]
    strike_pattern: str
    trunk_lean_deg: Summary
    leg_swaps_fixed: int
    notes: list[str] = field(default_factory=list)
    landmarks: FloatArray = field(default_factory=lambda: np.empty((0, 33, 2)), repr=False)
    """The landmarks the metrics were measured on (legs de-swapped, short gaps filled) [px]."""

    def as_json(self) -> dict[str, Any]:
        """A JSON-able dict (NaN -> None)."""

        def r(v: float | None, nd: int = 2) -> float | None:
            return None if v is None or not math.isfinite(v) else round(v, nd)

        return {
            "facing": "right" if self.facing > 0 else "left",
            "cadence_spm": r(self.cadence_spm),
            "cadence_quality": r(self.cadence_quality, 3),
            "cadence_from_contacts_spm": r(self.cadence_from_contacts_spm),
            "leg_length_px": r(self.leg_length_px, 1),
            "px_per_cm": r(self.px_per_cm, 3),
            "strike_pattern": self.strike_pattern,
            "strike_counts": self.strike_counts,
            "metrics": {k: v.as_json() for k, v in self.metrics.items()},
            "trunk_lean_deg": self.trunk_lean_deg.as_json(),
            "steps": [{k: _json_num(v) for k, v in s.items()} for s in self.steps],
            "leg_swaps_fixed": self.leg_swaps_fixed,
            "notes": list(self.notes),
        }


def _json_num(v: Any) -> Any:
    if isinstance(v, float):
        return round(v, 4) if math.isfinite(v) else None
    return v


def _px_per_cm(leg_px: float, height_cm: float | None) -> float | None:
    if height_cm is None:
        return None
    return leg_px / ((THIGH_FRACTION_OF_HEIGHT + SHANK_FRACTION_OF_HEIGHT) * height_cm)


def _sinusoid_pp(y: FloatArray, t: FloatArray, f: float) -> float:
    """Peak-to-peak [same unit as y] of the best-fit sinusoid of frequency f (plus offset)."""
    ok = np.isfinite(y)
    if ok.sum() < 4:
        return math.nan
    a = np.column_stack(
        [np.ones(ok.sum()), np.cos(2 * np.pi * f * t[ok]), np.sin(2 * np.pi * f * t[ok])]
    )
    coef, *_ = np.linalg.lstsq(a, y[ok], rcond=None)
    return float(2.0 * math.hypot(coef[1], coef[2]))


def side_view_metrics(
    xy: npt.ArrayLike,
    fps: float,
    *,
    height_cm: float | None = None,
    visibility: npt.ArrayLike | None = None,
    tolerance: float = CONTACT_TOLERANCE_LEG,
) -> SideViewMetrics:
    """Cadence, contacts, foot strike, over-striding, trunk lean, knee flexion and bounce.

    Parameters
    ----------
    xy : array_like, shape (n, 33, 2)
        Landmarks [px] (y down), NaN where no person; not modified.
    fps : float
        Frame rate of the sequence [frames/s].
    height_cm : float, optional
        Runner's standing height [cm]; enables centimetre values.
    visibility : array_like, shape (n, 33), optional
        The model's visibility scores; when given, the near leg is labelled as the
        runner's near side (:func:`orient_legs`), so "left" and "right" are right.
    tolerance : float
        Contact tolerance [leg lengths] (:func:`contact_phases`).

    Returns
    -------
    SideViewMetrics
        Per step (one per initial contact): ``foot_angle_deg`` (positive toes up, in
        the last frame before contact), ``strike``, ``ankle_ahead_of_hip_leg``
        (horizontal ankle-to-hip distance in the first frame of contact, positive
        ahead, in leg lengths; Souza 2016), ``shin_angle_deg`` (knee->ankle from the
        vertical in that frame, positive ankle ahead of knee),
        ``knee_flexion_midstance_deg`` (at the stance frame where the ankle passes
        under the hip), ``vertical_oscillation_leg`` (peak-to-peak of the mid-hip
        height over the step, from a sinusoid fitted at the step frequency, in leg
        lengths; in cm too when the height is given) and ``contact_time_s``. The
        summaries average them over steps with their SD and per side.
    """
    raw = np.asarray(xy, dtype=float)
    p, swaps = fix_leg_swaps(raw)
    p = fill_gaps(p, max_gap=3)
    facing = facing_direction(p)
    flipped = False
    if visibility is not None:
        p, flipped = orient_legs(p, visibility, facing)
    leg = leg_length_px(p)
    cad, quality = cadence_spm(p, fps)
    contacts = contact_phases(p, fps, tolerance=tolerance, leg_px=leg)
    px_cm = _px_per_cm(leg, height_cm)
    hip_mid = (p[:, 23] + p[:, 24]) / 2
    sho_mid = (p[:, 11] + p[:, 12]) / 2
    t_all = np.arange(p.shape[0]) / fps
    step_f = cad / 60.0

    steps: list[dict[str, Any]] = []
    for c in contacts:
        ids = _SIDES[c.foot]
        i = c.ic_frame
        # leg at contact: the first frame on the ground (what a freeze-frame shows; at most
        # one frame late). Foot angle: the last frame in the air, the landing orientation,
        # before a rearfoot slaps flat, which takes about one frame at 30 fps.
        q = p[i]
        q_hip = (q[23] + q[24]) / 2
        air = p[max(0, i - 1)]
        fa = float(foot_angle(air[ids["heel"]], air[ids["foot_index"]], facing))
        ahead = facing * (q[ids["ankle"], 0] - q_hip[0]) / leg
        shin = float(inclination(q[ids["knee"]], q[ids["ankle"]], facing, "down"))
        stance = np.arange(c.ic_frame, c.to_frame + 1)
        horiz = np.abs(p[stance, ids["ankle"], 0] - hip_mid[stance, 0])
        mid = int(stance[int(np.nanargmin(horiz))]) if np.isfinite(horiz).any() else i
        kf = float(knee_flexion(p[mid, ids["hip"]], p[mid, ids["knee"]], p[mid, ids["ankle"]]))
        # one step = this contact to the same time plus one step period
        if math.isfinite(step_f) and step_f > 0:
            win = (t_all >= c.initial_contact) & (t_all < c.initial_contact + 1.0 / step_f)
            vo_px = _sinusoid_pp(hip_mid[win, 1], t_all[win], step_f)
        else:
            vo_px = math.nan
        step: dict[str, Any] = {
            "foot": c.foot,
            "initial_contact_s": c.initial_contact,
            "toe_off_s": c.toe_off,
            "contact_time_s": c.contact_time,
            "ic_frame": c.ic_frame,
            "midstance_frame": mid,
            "to_frame": c.to_frame,
            "foot_angle_deg": fa,
            "strike": strike_class(fa) if math.isfinite(fa) else None,
            "ankle_ahead_of_hip_leg": float(ahead),
            "shin_angle_deg": shin,
            "knee_flexion_midstance_deg": kf,
            "vertical_oscillation_leg": vo_px / leg,
        }
        if px_cm is not None:
            step["ankle_ahead_of_hip_cm"] = float(ahead * leg / px_cm)
            step["vertical_oscillation_cm"] = vo_px / px_cm
        steps.append(step)

    notes: list[str] = []
    if fps < MIN_FPS_CONTACT_TIME:
        for s in steps:
            s["contact_time_s"] = math.nan
        notes.append(
            f"contact time not reported: {fps:.0f} frames/s is too few to time a contact "
            f"(needs {MIN_FPS_CONTACT_TIME:.0f}+; use a smaller stride or a faster camera)"
        )
    sides = [s["foot"] for s in steps]
    keys = {
        "contact_time_s": "s",
        "foot_angle_deg": "deg",
        "ankle_ahead_of_hip_leg": "leg lengths",
        "shin_angle_deg": "deg",
        "knee_flexion_midstance_deg": "deg",
        "vertical_oscillation_leg": "leg lengths",
    }
    if px_cm is not None:
        keys["ankle_ahead_of_hip_cm"] = "cm"
        keys["vertical_oscillation_cm"] = "cm"
    if fps < MIN_FPS_CONTACT_TIME:
        del keys["contact_time_s"]
    metrics = {k: _summary([s[k] for s in steps], sides, u) for k, u in keys.items()}
    counts = {"rearfoot": 0, "midfoot": 0, "forefoot": 0}
    for s in steps:
        if s["strike"] is not None:
            counts[s["strike"]] += 1
    pattern = max(counts, key=lambda k: counts[k]) if sum(counts.values()) else "unknown"
    lean = inclination(hip_mid, sho_mid, facing, "up")
    lean_sides = ["both"] * len(lean)
    ics = np.array([c.initial_contact for c in contacts])
    cad_events = 60.0 / float(np.median(np.diff(ics))) if len(ics) > 2 else math.nan
    if swaps:
        notes.append(f"{swaps} frame(s) had the left and right leg exchanged by the pose model")
    if flipped:
        notes.append(
            "leg labels exchanged for the whole clip: the near leg is the runner's "
            + ("left" if facing < 0 else "right")
        )
    return SideViewMetrics(
        facing=facing,
        cadence_spm=cad,
        cadence_quality=quality,
        cadence_from_contacts_spm=cad_events,
        leg_length_px=leg,
        px_per_cm=px_cm,
        contacts=contacts,
        steps=steps,
        metrics=metrics,
        strike_counts=counts,
        strike_pattern=pattern,
        trunk_lean_deg=_summary([float(v) for v in lean], lean_sides, "deg"),
        leg_swaps_fixed=swaps,
        notes=notes,
        landmarks=p,
    )


# --------------------------------------------------------------------------- rear view


@dataclass(frozen=True)
class RearViewMetrics:
    """What a rear-view clip shows (screening flags with their validity noted)."""

    cadence_spm: float
    cadence_quality: float
    contacts: list[ContactPhase]
    steps: list[dict[str, Any]]
    metrics: dict[str, Summary]
    flags: list[dict[str, Any]]

    def as_json(self) -> dict[str, Any]:
        """A JSON-able dict (NaN -> None)."""
        return {
            "cadence_spm": None
            if not math.isfinite(self.cadence_spm)
            else round(self.cadence_spm, 2),
            "cadence_quality": round(self.cadence_quality, 3),
            "metrics": {k: v.as_json() for k, v in self.metrics.items()},
            "flags": self.flags,
            "steps": [{k: _json_num(v) for k, v in s.items()} for s in self.steps],
        }


def _valgus_deg(hip: FloatArray, knee: FloatArray, ankle: FloatArray, midline_x: float) -> float:
    """Knee frontal-plane projection angle [deg], positive when the knee sits medial of hip-ankle."""
    fppa = 180.0 - float(joint_angle(hip, knee, ankle))
    # where the hip->ankle line passes at the knee's height
    dy = ankle[1] - hip[1]
    if dy == 0:
        return math.nan
    x_line = hip[0] + (knee[1] - hip[1]) / dy * (ankle[0] - hip[0])
    medial = np.sign(midline_x - x_line)  # +1: medial is image-right of the line
    offset = knee[0] - x_line
    return fppa if np.sign(offset) == medial or offset == 0 else -fppa


def rear_view_metrics(
    xy: npt.ArrayLike, fps: float, *, tolerance: float = CONTACT_TOLERANCE_LEG
) -> RearViewMetrics:
    """Contralateral pelvic drop, knee valgus and crossover at midstance, from behind.

    For each stance (:func:`contact_phases`, from foot height only), midstance is
    the middle of the contact. There:

    * ``pelvic_drop_deg``: the hip line's tilt from the image horizontal, positive
      when the swing-side (contralateral) hip is lower than the stance hip (the
      camera must be level: a roll of the camera adds to one side, subtracts from
      the other);
    * ``knee_valgus_deg``: the frontal-plane projection angle of the stance knee,
      positive when the knee sits medial of the hip-ankle line;
    * ``foot_lateral_offset_pelvis``: the stance ankle's horizontal distance from
      the pelvis midline toward its own side, in pelvis widths; a negative value
      means the foot crossed the midline (crossover).

    Flags compare the means with screening thresholds and carry the validity note.

    Parameters
    ----------
    xy : array_like, shape (n, 33, 2)
        Landmarks [px] (y down); not modified.
    fps : float
        Frame rate [frames/s].
    tolerance : float
        Contact tolerance [leg lengths].
    """
    p = fill_gaps(np.asarray(xy, dtype=float), max_gap=3)
    leg = leg_length_px(p)
    cad, quality = cadence_spm(p, fps)
    contacts = contact_phases(p, fps, tolerance=tolerance, leg_px=leg)
    lh, rh = p[:, 23], p[:, 24]
    # + when the right hip is lower; the camera is taken as level (a clip mean would
    # remove camera roll but also half of any left-right asymmetry, the very thing sought)
    tilt_all = np.degrees(np.arctan2(rh[:, 1] - lh[:, 1], np.abs(rh[:, 0] - lh[:, 0])))
    steps: list[dict[str, Any]] = []
    for c in contacts:
        mid = (c.ic_frame + c.to_frame) // 2
        ids = _SIDES[c.foot]
        other = _SIDES["right" if c.foot == "left" else "left"]
        tilt = float(tilt_all[mid])
        drop = tilt if c.foot == "left" else -tilt  # left stance: right (contralateral) lower
        midline = float((lh[mid, 0] + rh[mid, 0]) / 2)
        width = float(abs(p[mid, ids["hip"], 0] - p[mid, other["hip"], 0]))
        own = np.sign(p[mid, ids["hip"], 0] - midline)
        lateral = own * (p[mid, ids["ankle"], 0] - midline) / width if width > 0 else math.nan
        valgus = _valgus_deg(p[mid, ids["hip"]], p[mid, ids["knee"]], p[mid, ids["ankle"]], midline)
        steps.append(
            {
                "foot": c.foot,
                "initial_contact_s": c.initial_contact,
                "toe_off_s": c.toe_off,
                "midstance_frame": mid,
                "pelvic_drop_deg": drop,
                "knee_valgus_deg": valgus,
                "foot_lateral_offset_pelvis": float(lateral),
            }
        )
    sides = [s["foot"] for s in steps]
    metrics = {
        "pelvic_drop_deg": _summary([s["pelvic_drop_deg"] for s in steps], sides, "deg"),
        "knee_valgus_deg": _summary([s["knee_valgus_deg"] for s in steps], sides, "deg"),
        "foot_lateral_offset_pelvis": _summary(
            [s["foot_lateral_offset_pelvis"] for s in steps], sides, "pelvis widths"
        ),
    }
    flags: list[dict[str, Any]] = []
    for side in ("left", "right"):
        # a drop of the hip opposite the stance leg belongs to the stance side
        drop = getattr(metrics["pelvic_drop_deg"], side)
        if math.isfinite(drop) and drop > PELVIC_DROP_FLAG_DEG:
            flags.append(
                {
                    "flag": "contralateral_pelvic_drop",
                    "stance_side": side,
                    "value_deg": round(drop, 1),
                    "threshold_deg": PELVIC_DROP_FLAG_DEG,
                    "validity": VALIDITY_NOTE_PELVIS,
                }
            )
        valgus = getattr(metrics["knee_valgus_deg"], side)
        if math.isfinite(valgus) and valgus > KNEE_VALGUS_FLAG_DEG:
            flags.append(
                {
                    "flag": "knee_valgus",
                    "stance_side": side,
                    "value_deg": round(valgus, 1),
                    "threshold_deg": KNEE_VALGUS_FLAG_DEG,
                    "validity": VALIDITY_NOTE_KNEE,
                }
            )
        offset = getattr(metrics["foot_lateral_offset_pelvis"], side)
        if math.isfinite(offset) and offset < 0:
            flags.append(
                {
                    "flag": "crossover",
                    "stance_side": side,
                    "value_pelvis_widths": round(offset, 2),
                    "threshold_pelvis_widths": 0.0,
                    "validity": "screening only: 2D foot placement from behind, camera height and "
                    "lens distortion shift it",
                }
            )
    return RearViewMetrics(
        cadence_spm=cad,
        cadence_quality=quality,
        contacts=contacts,
        steps=steps,
        metrics=metrics,
        flags=flags,
    )
