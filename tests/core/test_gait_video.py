"""Gait geometry on constructed landmark sequences with known answers (no pose model).

The synthetic runner below is built from planted quantities (cadence, contact
time, foot angle and ankle-ahead-of-hip distance at initial contact, bounce,
trunk lean, pelvic drop, knee valgus, crossover); the tests check that the
geometry recovers them. Expected values come from the construction, never from
the code under test.
"""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass

import numpy as np
import pytest

from runform.core.gait_video import (
    STRIKE_FFS_MAX_DEG,
    STRIKE_RFS_MIN_DEG,
    cadence_spm,
    contact_phases,
    dominant_frequency,
    facing_direction,
    fill_gaps,
    fix_leg_swaps,
    foot_angle,
    inclination,
    joint_angle,
    knee_flexion,
    leg_length_px,
    orient_legs,
    rear_view_metrics,
    side_view_metrics,
    strike_class,
    view_width_ratio,
)

THIGH = SHANK = 150.0  # [px], so the leg is 300 px
LEG = THIGH + SHANK
HIP_Y = 565.0  # mean hip height [px]; the ground is at 880 px (left foot)


# ----------------------------------------------------------------- the synthetic runner


@dataclass(frozen=True)
class Plant:
    cadence_spm: float = 168.0
    fps: float = 30.0
    seconds: float = 12.0
    contact_s: float = 0.24
    facing: int = 1
    ankle_ahead_px: float = 45.0  # ankle ahead of the hip at initial contact
    belt_px: float = 120.0  # how far the foot travels back during contact
    foot_angle_left: float = 15.0  # [deg] at initial contact, + toes up
    foot_angle_right: float = -8.0
    vo_px: float = 30.0  # peak-to-peak hip bounce
    trunk_lean_deg: float = 6.0
    noise_px: float = 0.0
    seed: int = 1


def _ik_knee(hip: np.ndarray, ankle: np.ndarray, forward: float) -> np.ndarray:
    """Knee for thigh = shank = 150 px, bending forward (facing side)."""
    d = ankle - hip
    dist = np.hypot(d[:, 0], d[:, 1])
    half = dist / 2
    h = np.sqrt(np.clip(THIGH**2 - half**2, 0, None))
    mid = hip + d / 2
    perp = np.stack([-d[:, 1], d[:, 0]], axis=1) / dist[:, None]
    # choose the perpendicular pointing forward
    sign = np.sign(perp[:, 0] * forward)
    sign[sign == 0] = 1
    return mid + perp * (h * sign)[:, None]


def _foot(
    pivot_x: np.ndarray, ground: float, angle: np.ndarray, lift: np.ndarray, facing: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Heel, toe and ankle of a rigid foot (heel->toe 60 px, ankle 25 px above the heel
    end of the sole) with its lowest point at ``ground - lift`` and its heel at ``pivot_x``."""
    a = np.radians(angle)
    f = 60.0
    heel = np.stack([pivot_x, np.zeros_like(pivot_x)], axis=1)
    toe = heel + np.stack([facing * f * np.cos(a), -f * np.sin(a)], axis=1)
    ankle = heel + np.stack(
        [facing * (15 * np.cos(a) + 25 * np.sin(a)), -(15 * np.sin(a)) - 25 * np.cos(a)], axis=1
    )
    low = np.maximum(heel[:, 1], toe[:, 1])
    shift = ground - lift - low
    for p in (heel, toe, ankle):
        p[:, 1] += shift
    return heel, toe, ankle


def side_runner(pl: Plant) -> tuple[np.ndarray, dict[str, np.ndarray]]:
    """Landmarks (n, 33, 2) of a treadmill runner seen from the side, and the planted events."""
    n = int(pl.seconds * pl.fps)
    t = np.arange(n) / pl.fps
    f_step = pl.cadence_spm / 60.0
    stride = 2.0 / f_step
    hip_x = np.full(n, 500.0)
    # lowest hip (largest y) at midstance; left contact starts at 0.1 s
    t0 = 0.1
    mid_offset = pl.contact_s * pl.ankle_ahead_px / pl.belt_px
    hip_y = HIP_Y + pl.vo_px / 2 * np.cos(2 * np.pi * f_step * (t - t0 - mid_offset))
    xy = np.full((n, 33, 2), np.nan)
    events: dict[str, np.ndarray] = {}
    for side, phase, ground, fa0 in (
        ("left", 0.0, 880.0, pl.foot_angle_left),
        ("right", 0.5, 870.0, pl.foot_angle_right),
    ):
        start = t0 + phase * stride
        tau = np.mod(t - start, stride)
        stance = tau < pl.contact_s
        s = np.clip(tau / pl.contact_s, 0, 1)
        sw = np.clip((tau - pl.contact_s) / (stride - pl.contact_s), 0, 1)
        # foot angle: planted at contact, flat by 20 % of stance, heel rise from 70 %
        ang = np.where(
            s < 0.2, fa0 * (1 - s / 0.2), np.where(s < 0.7, 0.0, -25.0 * (s - 0.7) / 0.3)
        )
        # swing: from heel rise (-25 deg) to the landing angle, set by 70 % of the swing
        ang = np.where(stance, ang, -25.0 + (25.0 + fa0) * np.minimum(1.0, sw / 0.7))
        rel_x = np.where(
            stance,
            pl.ankle_ahead_px - pl.belt_px * s,
            (pl.ankle_ahead_px - pl.belt_px) + pl.belt_px * (1 - np.cos(np.pi * sw)) / 2,
        )
        lift = np.where(stance, 0.0, 0.3 * LEG * np.sqrt(np.sin(np.pi * sw)))
        # place the foot so the ankle is rel_x ahead of the hip
        heel, toe, ankle = _foot(np.zeros(n), ground, ang, lift, pl.facing)
        dx = hip_x + pl.facing * rel_x - ankle[:, 0]
        for p in (heel, toe, ankle):
            p[:, 0] += dx
        i = 23 if side == "left" else 24
        hip = np.stack([hip_x, hip_y], axis=1)
        knee = _ik_knee(hip, ankle, pl.facing)
        xy[:, i] = hip
        xy[:, i + 2] = knee
        xy[:, i + 4] = ankle
        xy[:, i + 6] = heel
        xy[:, i + 8] = toe
        ics = start + stride * np.arange(-1, int(pl.seconds / stride) + 2)
        events[f"{side}_ic"] = ics[(ics > 0) & (ics < pl.seconds)]
    lean = math.radians(pl.trunk_lean_deg)
    sho = np.stack([hip_x + pl.facing * 180 * math.sin(lean), hip_y - 180 * math.cos(lean)], 1)
    xy[:, 11] = sho + np.array([1.0, 0.0])
    xy[:, 12] = sho - np.array([1.0, 0.0])
    ears = sho + np.array([0.0, -60.0])
    xy[:, 7] = ears
    xy[:, 8] = ears
    xy[:, 0] = ears + np.array([pl.facing * 25.0, 8.0])
    xy[:, 23, 0] += 1
    xy[:, 24, 0] -= 1
    if pl.noise_px:
        rng = np.random.default_rng(pl.seed)
        xy = xy + rng.normal(0, pl.noise_px, xy.shape)
    return xy, events


# ----------------------------------------------------------------- basic geometry


def test_joint_angle_and_knee_flexion_known_triangles() -> None:
    hip, knee = np.array([0.0, 0.0]), np.array([0.0, 100.0])
    for flex in (0.0, 20.0, 45.0, 90.0, 130.0):
        a = math.radians(flex)
        ankle = knee + 100 * np.array([-math.sin(a), math.cos(a)])
        assert float(knee_flexion(hip, knee, ankle)) == pytest.approx(flex, abs=1e-9)
        assert float(joint_angle(hip, knee, ankle)) == pytest.approx(180 - flex, abs=1e-9)


def test_inclination_signs_follow_the_running_direction() -> None:
    hip = np.array([100.0, 100.0])
    # shoulders up and 10 deg forward of vertical, facing right then left
    d = 50 * np.array([math.sin(math.radians(10)), -math.cos(math.radians(10))])
    assert float(inclination(hip, hip + d, 1, "up")) == pytest.approx(10.0)
    assert float(inclination(hip, hip + d * [-1, 1], -1, "up")) == pytest.approx(10.0)
    assert float(inclination(hip, hip + d * [-1, 1], 1, "up")) == pytest.approx(-10.0)
    # shin: ankle 7 deg ahead of the knee (below it)
    knee = np.array([0.0, 0.0])
    ankle = 100 * np.array([math.sin(math.radians(7)), math.cos(math.radians(7))])
    assert float(inclination(knee, ankle, 1, "down")) == pytest.approx(7.0)


def test_foot_angle_and_strike_classes_altman_davis() -> None:
    heel = np.array([0.0, 0.0])
    for angle, cls in ((20.0, "rearfoot"), (3.0, "midfoot"), (-10.0, "forefoot")):
        a = math.radians(angle)
        for facing in (1, -1):
            toe = heel + 60 * np.array([facing * math.cos(a), -math.sin(a)])
            got = float(foot_angle(heel, toe, facing))
            assert got == pytest.approx(angle)
            assert strike_class(got) == cls
    # the published boundaries (Altman & Davis 2012): RFS > 8 deg, FFS < -1.6 deg
    assert STRIKE_RFS_MIN_DEG == 8.0 and STRIKE_FFS_MAX_DEG == -1.6
    assert strike_class(8.01) == "rearfoot" and strike_class(7.99) == "midfoot"
    assert strike_class(-1.61) == "forefoot" and strike_class(-1.59) == "midfoot"


def test_fill_gaps_fills_short_runs_only_and_leaves_input_alone() -> None:
    x = np.arange(20, dtype=float)
    x[3:5] = np.nan
    x[10:18] = np.nan
    before = x.copy()
    y = fill_gaps(x, max_gap=3)
    np.testing.assert_array_equal(np.isnan(x), np.isnan(before))
    assert y[3] == 3 and y[4] == 4
    assert np.isnan(y[10:18]).all()


# ----------------------------------------------------------------- cadence


@pytest.mark.parametrize("cadence", [150.0, 168.9, 186.0])
def test_cadence_from_noisy_hip_bounce(cadence: float) -> None:
    fps, seconds = 30.0, 12.0
    t = np.arange(int(fps * seconds)) / fps
    rng = np.random.default_rng(7)
    f = cadence / 60
    # fundamental + stride-rate asymmetry + a second harmonic + drift + landmark noise
    y = (
        15 * np.cos(2 * np.pi * f * t)
        + 3 * np.cos(np.pi * f * t + 0.4)
        + 4 * np.cos(4 * np.pi * f * t)
        + 0.8 * t
        + rng.normal(0, 4.0, t.size)
    )
    y[rng.choice(t.size, 20, replace=False)] = np.nan  # dropped frames
    got, share = dominant_frequency(y, fps)
    assert 60 * got == pytest.approx(cadence, abs=0.5)
    assert share > 0.5


def test_cadence_of_the_synthetic_runner_and_its_contacts() -> None:
    pl = Plant(cadence_spm=172.0, noise_px=1.5)
    xy, _ = side_runner(pl)
    got, _ = cadence_spm(xy, pl.fps)
    assert got == pytest.approx(172.0, abs=0.5)


# ----------------------------------------------------------------- events


def test_contact_phases_find_planted_contacts() -> None:
    pl = Plant(noise_px=0.0)
    xy, ev = side_runner(pl)
    phases = contact_phases(xy, pl.fps)
    for side in ("left", "right"):
        ics = np.array([c.initial_contact for c in phases if c.foot == side])
        ct = np.array([c.contact_time for c in phases if c.foot == side])
        planted = ev[f"{side}_ic"]
        # every whole contact found, each within half a frame of the plant (the
        # crossing is interpolated linearly between frames 33 ms apart)
        whole = planted[(planted > 1 / pl.fps) & (planted + pl.contact_s < pl.seconds - 1 / pl.fps)]
        assert len(ics) == len(whole)
        assert np.abs(ics - whole).max() < 0.5 / pl.fps
        assert np.abs(ct - pl.contact_s).max() < 0.67 / pl.fps
    # time order, alternating feet
    feet = [c.foot for c in phases]
    assert all(a != b for a, b in itertools.pairwise(feet))


def test_fix_leg_swaps_undoes_planted_swaps() -> None:
    pl = Plant(noise_px=1.0)
    xy, _ = side_runner(pl)
    swapped = xy.copy()
    planted = [17, 40, 41, 90, 200]
    legs_l, legs_r = [25, 27, 29, 31], [26, 28, 30, 32]
    for f in planted:
        swapped[f, legs_l + legs_r] = xy[f, legs_r + legs_l]
    fixed, n = fix_leg_swaps(swapped)
    assert n == len(planted)
    np.testing.assert_allclose(fixed, xy)
    # input untouched
    assert not np.allclose(swapped[17, 25], xy[17, 25])


def test_orient_legs_puts_the_near_leg_on_the_near_side() -> None:
    pl = Plant(facing=-1)
    xy, _ = side_runner(pl)
    vis = np.full((xy.shape[0], 33), 0.9)
    vis[:, [25, 27, 29, 31]] = 0.5  # the leg labelled left looks like the far one
    out, flipped = orient_legs(xy, vis, facing=-1)  # facing image-left: left side is near
    assert flipped
    np.testing.assert_allclose(out[:, 25], xy[:, 26])
    _, flipped_right = orient_legs(xy, vis, facing=1)
    assert not flipped_right


# ----------------------------------------------------------------- side view


def _planted_ic(ev: dict[str, np.ndarray], step: dict[str, float]) -> float:
    planted = ev[f"{step['foot']}_ic"]
    return float(planted[np.argmin(np.abs(planted - step["initial_contact_s"]))])


@pytest.mark.parametrize("facing", [1, -1])
def test_side_view_recovers_planted_form(facing: int) -> None:
    pl = Plant(facing=facing, noise_px=1.0, seed=3)
    xy, ev = side_runner(pl)
    m = side_view_metrics(xy, pl.fps, height_cm=180.0)
    assert m.facing == facing == facing_direction(xy)
    assert m.cadence_spm == pytest.approx(pl.cadence_spm, abs=0.5)
    assert leg_length_px(xy) == pytest.approx(LEG, rel=0.02)
    assert len(m.steps) >= 7
    mt = m.metrics
    # contact time, both feet
    assert mt["contact_time_s"].mean == pytest.approx(pl.contact_s, abs=0.02)
    # foot strike per side: left planted +15 deg (rearfoot), right -8 deg (forefoot)
    assert mt["foot_angle_deg"].left == pytest.approx(pl.foot_angle_left, abs=3.0)
    assert mt["foot_angle_deg"].right == pytest.approx(pl.foot_angle_right, abs=3.0)
    assert {s["strike"] for s in m.steps if s["foot"] == "left"} == {"rearfoot"}
    assert {s["strike"] for s in m.steps if s["foot"] == "right"} == {"forefoot"}
    # over-striding: the ankle is 45 px ahead of the hip at contact and moves back
    # 120 px over the 0.24 s contact; it is measured in the first frame on the ground
    expected = [
        (pl.ankle_ahead_px - pl.belt_px * (s["ic_frame"] / pl.fps - t_ic) / pl.contact_s) / LEG
        for s in m.steps
        for t_ic in [_planted_ic(ev, s)]
    ]
    assert mt["ankle_ahead_of_hip_leg"].mean == pytest.approx(np.mean(expected), abs=0.01)
    assert 0.08 < mt["ankle_ahead_of_hip_leg"].mean <= 45 / LEG
    # in cm: the leg is 0.491 of the height (Winter 2009), so 1 leg = 0.491 * 180 cm
    assert mt["ankle_ahead_of_hip_cm"].mean == pytest.approx(
        np.mean(expected) * 0.491 * 180, abs=1.0
    )
    # vertical oscillation 30 px peak to peak = 0.1 leg
    assert mt["vertical_oscillation_leg"].mean == pytest.approx(30 / LEG, abs=0.01)
    assert m.trunk_lean_deg.mean == pytest.approx(pl.trunk_lean_deg, abs=0.5)
    assert mt["contact_time_s"].sd < 0.02 and mt["contact_time_s"].n == len(m.steps)


def test_side_view_shin_and_knee_match_the_construction() -> None:
    """Shin angle at contact and knee flexion at midstance from the planted two-link leg."""
    pl = Plant(noise_px=0.0)
    xy, _ = side_runner(pl)
    m = side_view_metrics(xy, pl.fps)
    left = [s for s in m.steps if s["foot"] == "left"]
    for s in left:
        i = s["ic_frame"]
        hip, ankle = xy[i, 23], xy[i, 27]
        # two 150 px segments, knee forward: the shank leans back from the hip-ankle
        # line by the half-angle acos(d / 2l) of the isosceles leg triangle
        d = float(np.hypot(*(ankle - hip)))
        line = math.degrees(math.atan2(ankle[0] - hip[0], ankle[1] - hip[1]))
        expected = line - math.degrees(math.acos(d / 2 / SHANK))
        assert s["shin_angle_deg"] == pytest.approx(expected, abs=0.5)
    # midstance: ankle under the hip, so flexion = 2 acos(gap / 2l), gap the vertical
    # hip-ankle distance with the hip at its lowest and a flat foot (ankle 25 px up)
    gap = (880.0 - 25.0) - (HIP_Y + pl.vo_px / 2)
    expected_kf = 2 * math.degrees(math.acos(gap / 2 / THIGH))
    kf = np.array([s["knee_flexion_midstance_deg"] for s in left])
    assert np.median(kf) == pytest.approx(expected_kf, abs=3.0)


def test_side_view_reports_swaps_and_does_not_modify_input() -> None:
    pl = Plant(noise_px=1.0)
    xy, _ = side_runner(pl)
    bad = xy.copy()
    for f in (30, 31, 150):
        bad[f, [25, 27, 29, 31, 26, 28, 30, 32]] = xy[f, [26, 28, 30, 32, 25, 27, 29, 31]]
    keep = bad.copy()
    m = side_view_metrics(bad, pl.fps)
    np.testing.assert_array_equal(bad, keep)
    assert m.leg_swaps_fixed == 3
    assert m.metrics["foot_angle_deg"].left == pytest.approx(pl.foot_angle_left, abs=3.0)


def test_view_width_ratio_separates_side_from_rear() -> None:
    xy, _ = side_runner(Plant())
    assert view_width_ratio(xy) < 0.2
    rear, _ = rear_runner(RearPlant())
    assert view_width_ratio(rear) > 0.5


# ----------------------------------------------------------------- rear view


@dataclass(frozen=True)
class RearPlant:
    cadence_spm: float = 170.0
    fps: float = 30.0
    seconds: float = 10.0
    contact_s: float = 0.25
    drop_left_stance_deg: float = 8.0  # right hip lower during left stance
    drop_right_stance_deg: float = 2.0
    valgus_px: float = 12.0  # knee moved medially at midstance
    crossover_px: float = 10.0  # right foot lands this far past the midline
    noise_px: float = 0.0


def rear_runner(pl: RearPlant) -> tuple[np.ndarray, dict[str, float]]:
    n = int(pl.seconds * pl.fps)
    t = np.arange(n) / pl.fps
    f = pl.cadence_spm / 60
    stride = 2 / f
    cx, half_pelvis = 400.0, 60.0
    hip_y = 500.0 + 10 * np.cos(2 * np.pi * f * (t - 0.1 - pl.contact_s / 2))
    xy = np.full((n, 33, 2), np.nan)
    tilt = np.zeros(n)  # + when the right hip is lower [deg]
    stances = {}
    for side, phase in (("left", 0.0), ("right", 0.5)):
        tau = np.mod(t - 0.1 - phase * stride, stride)
        stance = tau < pl.contact_s
        s = np.clip(tau / pl.contact_s, 0, 1)
        bump = np.where(stance, np.sin(np.pi * s), 0.0)
        drop = pl.drop_left_stance_deg if side == "left" else pl.drop_right_stance_deg
        tilt += bump * drop * (1 if side == "left" else -1)
        stances[side] = (stance, bump)
    rad = np.radians(tilt)
    # pelvis rotated about its centre by the tilt: right hip (image right, seen from behind) lower
    lh = np.stack([cx - half_pelvis * np.cos(rad), hip_y - half_pelvis * np.sin(rad)], 1)
    rh = np.stack([cx + half_pelvis * np.cos(rad), hip_y + half_pelvis * np.sin(rad)], 1)
    xy[:, 23], xy[:, 24] = lh, rh
    truth: dict[str, float] = {}
    for side, hip in (("left", lh), ("right", rh)):
        stance, bump = stances[side]
        out = -1 if side == "left" else 1  # lateral direction in the image
        tau = np.mod(t - 0.1 - (0.0 if side == "left" else 0.5) * stride, stride)
        sw = np.clip((tau - pl.contact_s) / (stride - pl.contact_s), 0, 1)
        lift = np.where(stance, 0.0, 0.3 * LEG * np.sqrt(np.sin(np.pi * sw)))
        foot_x = cx + out * 40.0
        if side == "right":
            foot_x = cx - pl.crossover_px  # lands past the midline
        ground = 880.0
        ankle = np.stack([np.full(n, foot_x), ground - 25 - lift], 1)
        heel = np.stack([np.full(n, foot_x), ground - lift], 1)
        toe = np.stack([np.full(n, foot_x), ground - 5 - lift], 1)
        knee = (hip + ankle) / 2
        knee[:, 0] += -out * pl.valgus_px * bump  # medially, in stance
        i = 23 if side == "left" else 24
        xy[:, i + 2], xy[:, i + 4], xy[:, i + 6], xy[:, i + 8] = knee, ankle, heel, toe
    sho_y = hip_y - 180
    xy[:, 11] = np.stack([np.full(n, cx - 90), sho_y], 1)
    xy[:, 12] = np.stack([np.full(n, cx + 90), sho_y], 1)
    xy[:, 0] = np.stack([np.full(n, cx), sho_y - 70], 1)
    xy[:, 7] = np.stack([np.full(n, cx - 20), sho_y - 70], 1)
    xy[:, 8] = np.stack([np.full(n, cx + 20), sho_y - 70], 1)
    return xy, truth


def test_rear_view_pelvic_drop_valgus_and_crossover() -> None:
    pl = RearPlant()
    xy, _ = rear_runner(pl)
    m = rear_view_metrics(xy, pl.fps)
    assert m.cadence_spm == pytest.approx(pl.cadence_spm, abs=0.6)
    assert len(m.steps) >= 7
    drop = m.metrics["pelvic_drop_deg"]
    assert drop.left == pytest.approx(pl.drop_left_stance_deg, abs=0.8)
    assert drop.right == pytest.approx(pl.drop_right_stance_deg, abs=0.8)
    # valgus: the knee sits 12 px medial of the midpoint of a hip-ankle line about
    # 345 px long (hip 510 px at midstance, ankle 855 px), so the frontal-plane
    # projection angle is 2 atan(12 / 172.5), less the sampling of the bump at 30 fps
    expected = 2 * math.degrees(math.atan(pl.valgus_px / 172.5))
    valgus = m.metrics["knee_valgus_deg"]
    for side in ("left", "right"):
        assert getattr(valgus, side) == pytest.approx(expected, abs=1.0)
    offset = m.metrics["foot_lateral_offset_pelvis"]
    assert offset.left == pytest.approx(40 / 120, abs=0.05)
    assert offset.right < 0  # crossed the midline
    flags = {(f["flag"], f["stance_side"]) for f in m.flags}
    assert ("contralateral_pelvic_drop", "left") in flags
    assert ("contralateral_pelvic_drop", "right") not in flags
    assert ("crossover", "right") in flags and ("crossover", "left") not in flags
    for f in m.flags:
        assert "screening only" in f["validity"]


def test_rear_view_knee_valgus_sign_and_size() -> None:
    base = rear_view_metrics(rear_runner(RearPlant(valgus_px=0.0))[0], 30.0)
    assert abs(base.metrics["knee_valgus_deg"].mean) < 0.5
    strong = rear_view_metrics(rear_runner(RearPlant(valgus_px=40.0))[0], 30.0)
    assert strong.metrics["knee_valgus_deg"].mean > 10.0
    assert any(f["flag"] == "knee_valgus" for f in strong.flags)
    varus = rear_view_metrics(rear_runner(RearPlant(valgus_px=-20.0))[0], 30.0)
    assert varus.metrics["knee_valgus_deg"].mean < -5.0


def test_contact_time_not_reported_below_25_fps() -> None:
    pl = Plant(fps=15.0, noise_px=1.0)
    xy, _ = side_runner(pl)
    m = side_view_metrics(xy, pl.fps)
    assert "contact_time_s" not in m.metrics
    assert any("contact time not reported" in n for n in m.notes)
    assert m.cadence_spm == pytest.approx(pl.cadence_spm, abs=0.5)
