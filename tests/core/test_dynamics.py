"""Running dynamics against Garmin's published bands, planted baselines and planted asymmetry.

Independent truth: the running dynamics band table in
``shared/reference/vectors.md`` (Garmin's percentile colour bands: every
boundary value of the table is tested on both sides), the synthetic generator's
dynamics model (contact time 240 ms at easy pace, vertical oscillation 85 mm,
balance 50.3 % left; ``runform.synth.athlete``), and planted streams.
"""

from __future__ import annotations

import json
import math
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
import pytest

from runform.core.dynamics import (
    ASYMMETRY_GROWTH_PP,
    BAND_PERCENTILES,
    asymmetry_trend,
    garmin_band,
    gct_asymmetry,
    running_dynamics,
)
from runform.errors import UsageError

if TYPE_CHECKING:  # pytest owns the conftest module; import it for annotations only
    from conftest import SyntheticBlock

# vectors.md, "Running dynamics norms": every published boundary, in the table's units,
# with the band on each side. Converted to runform's SI units where the stream is SI.
CADENCE = [  # spm: purple > 183, blue 174-183, green 164-173, orange 153-163, red < 153
    (184, "purple"),
    (183, "blue"),
    (174, "blue"),
    (173, "green"),
    (164, "green"),
    (163, "orange"),
    (153, "orange"),
    (152, "red"),
]
CONTACT_MS = [  # ms: purple < 218, blue 218-248, green 249-277, orange 278-308, red > 308
    (217, "purple"),
    (218, "blue"),
    (248, "blue"),
    (249, "green"),
    (277, "green"),
    (278, "orange"),
    (308, "orange"),
    (309, "red"),
]
OSCILLATION_CM = [  # cm: purple < 6.4, blue 6.4-8.1, green 8.2-9.7, orange 9.8-11.5, red > 11.5
    (6.3, "purple"),
    (6.4, "blue"),
    (8.1, "blue"),
    (8.2, "green"),
    (9.7, "green"),
    (9.8, "orange"),
    (11.5, "orange"),
    (11.6, "red"),
]
RATIO_PCT = [  # %: purple < 6.1, blue 6.1-7.4, green 7.5-8.6, orange 8.7-10.1, red > 10.1
    (6.0, "purple"),
    (6.1, "blue"),
    (7.4, "blue"),
    (7.5, "green"),
    (8.6, "green"),
    (8.7, "orange"),
    (10.1, "orange"),
    (10.2, "red"),
]
BALANCE_PCT = [  # % left: green within 50.7 either side, orange 50.8-52.2, red above 52.2
    (50.0, "green"),
    (50.7, "green"),
    (49.3, "green"),
    (50.8, "orange"),
    (49.2, "orange"),
    (52.2, "orange"),
    (47.8, "orange"),
    (52.3, "red"),
    (47.7, "red"),
]


@pytest.mark.parametrize(("spm", "band"), CADENCE)
def test_cadence_bands(spm: float, band: str) -> None:
    assert garmin_band("cadence", float(spm)) == band


@pytest.mark.parametrize(("ms", "band"), CONTACT_MS)
def test_contact_time_bands(ms: float, band: str) -> None:
    assert garmin_band("ground_contact_time", ms / 1000.0) == band


@pytest.mark.parametrize(("cm", "band"), OSCILLATION_CM)
def test_vertical_oscillation_bands(cm: float, band: str) -> None:
    assert garmin_band("vertical_oscillation", cm / 100.0) == band


@pytest.mark.parametrize(("pct", "band"), RATIO_PCT)
def test_vertical_ratio_bands(pct: float, band: str) -> None:
    assert garmin_band("vertical_ratio", pct) == band


@pytest.mark.parametrize(("pct", "band"), BALANCE_PCT)
def test_gct_balance_bands(pct: float, band: str) -> None:
    assert garmin_band("gct_balance", pct) == band


def test_values_between_published_ranges_round_half_up_to_the_table() -> None:
    # The table leaves 173 | 174 open; a watch shows whole steps/min.
    assert garmin_band("cadence", 173.49) == "green"
    assert garmin_band("cadence", 173.5) == "blue"
    assert garmin_band("ground_contact_time", 0.2484) == "blue"
    assert garmin_band("ground_contact_time", 0.2485) == "green"
    assert garmin_band("vertical_oscillation", 0.0814) == "blue"
    assert garmin_band("vertical_oscillation", 0.0815) == "green"
    assert garmin_band("vertical_ratio", 10.149) == "orange"
    assert garmin_band("vertical_ratio", 10.15) == "red"
    assert set(BAND_PERCENTILES) == {"purple", "blue", "green", "orange", "red"}


def test_bands_keep_the_kind_and_pass_nan() -> None:
    assert garmin_band("cadence", math.nan) is None
    arr = garmin_band("cadence", np.array([[150.0, 170.0], [np.nan, 190.0]]))
    assert isinstance(arr, np.ndarray) and arr.shape == (2, 2)
    assert arr.tolist() == [["red", "green"], [None, "purple"]]
    s = pd.Series([0.21, 0.26], index=[5, 9], name="gct")
    out = garmin_band("ground_contact_time", s)
    assert isinstance(out, pd.Series) and list(out.index) == [5, 9]
    assert out.tolist() == ["purple", "green"]
    with pytest.raises(UsageError, match="no Garmin band"):
        garmin_band("step_length", 1.0)


def test_gct_asymmetry_is_the_distance_from_50_and_keeps_the_kind() -> None:
    assert gct_asymmetry(51.2) == pytest.approx(1.2)
    assert gct_asymmetry(48.8) == pytest.approx(1.2)
    assert gct_asymmetry(np.array([50.0, 47.5])).tolist() == pytest.approx([0.0, 2.5])
    s = gct_asymmetry(pd.Series([49.0], index=[3]))
    assert isinstance(s, pd.Series) and s.loc[3] == pytest.approx(1.0)


# ------------------------------------------------------------------ synthetic runs


@pytest.fixture(scope="module")
def long_run(synthetic_block: SyntheticBlock) -> tuple[Any, dict[str, Any]]:
    return next((a, t) for a, t in synthetic_block.runs if t["type"] == "long")


def test_synthetic_dynamics_fall_in_the_planted_bands(
    long_run: tuple[Any, dict[str, Any]],
) -> None:
    act, truth = long_run
    model = truth["dynamics_model"]
    res = running_dynamics(act.streams)
    m = res.metrics
    # Planted: 240 ms at easy pace (+8 % late), 85 mm, 50.3 % left, cadence ~166.
    assert m["ground_contact_time"].value == pytest.approx(model["gct_easy_ms"] / 1000, abs=0.006)
    assert m["ground_contact_time"].band == "blue"
    assert m["vertical_oscillation"].value == pytest.approx(model["vo_easy_mm"] / 1000, abs=0.002)
    assert m["vertical_oscillation"].band == "green"
    assert m["gct_balance"].value == pytest.approx(model["gct_balance_left_pct"], abs=0.05)
    assert m["gct_balance"].band == "green"
    assert m["gct_asymmetry"].value == pytest.approx(0.3, abs=0.05)
    assert m["cadence"].band == "green"
    assert m["step_length"].band is None and 1.0 < m["step_length"].value < 1.3
    assert res.asymmetry is not None and not res.asymmetry.flagged
    assert "NaN" not in json.dumps(res.as_dict())


def test_baseline_deltas(long_run: tuple[Any, dict[str, Any]]) -> None:
    act, _ = long_run
    base = {"ground_contact_time": 0.230, "cadence": 170.0}
    res = running_dynamics(act.streams, baseline=base)
    gct = res.metrics["ground_contact_time"]
    assert gct.baseline == 0.230
    assert gct.delta == pytest.approx(gct.value - 0.230)
    assert gct.delta_pct == pytest.approx(100 * (gct.value - 0.230) / 0.230)
    assert res.metrics["vertical_oscillation"].baseline is None
    with pytest.raises(UsageError, match="unknown baseline"):
        running_dynamics(act.streams, baseline={"bounce": 1.0})


# ------------------------------------------------------------------ planted streams


def _run(balance: np.ndarray, **extra: np.ndarray) -> pd.DataFrame:
    n = balance.size
    cols = {
        "time": np.arange(float(n)),
        "speed": np.full(n, 3.2),
        "cadence": np.full(n, 170.0),
        "gct_balance": balance,
    }
    cols.update(extra)
    return pd.DataFrame(cols)


def test_asymmetry_that_grows_with_fatigue_is_flagged() -> None:
    n = 3600
    t = np.arange(n)
    drift = np.clip((t - 0.6 * n) / (0.4 * n), 0, 1)  # from 60 % of the run to the end
    rng = np.random.default_rng(1)
    balance = 50.2 + 1.4 * drift + 0.4 * rng.standard_normal(n)
    trend = asymmetry_trend(_run(balance))
    assert trend is not None and trend.flagged
    # Planted: early window (10-30 %) at 50.2; late window (80-100 %) mean drift 0.75 -> 51.25.
    assert trend.early_pp == pytest.approx(0.2, abs=0.05)
    assert trend.late_pp == pytest.approx(0.2 + 1.4 * 0.75, abs=0.05)
    assert trend.growth_pp == pytest.approx(1.05, abs=0.07)
    # The same growth towards the right foot (balance below 50 % left) is flagged too.
    mirrored = asymmetry_trend(_run(100.0 - balance))
    assert mirrored is not None and mirrored.flagged


def test_steady_asymmetry_is_not_flagged_and_short_runs_are_not_judged() -> None:
    rng = np.random.default_rng(2)
    steady = 51.0 + 0.4 * rng.standard_normal(3600)  # orange-ish but not growing
    trend = asymmetry_trend(_run(steady))
    assert trend is not None and not trend.flagged and abs(trend.growth_pp) < 0.1
    assert asymmetry_trend(_run(steady[:1200])) is None  # 20 min < 30 min
    assert asymmetry_trend(_run(steady).drop(columns="gct_balance")) is None
    assert ASYMMETRY_GROWTH_PP == 0.5


def test_walking_is_left_out_of_the_averages() -> None:
    n = 3600
    walk = np.arange(n) >= 3000
    streams = _run(
        np.full(n, 50.0),
        ground_contact_time=np.where(walk, 0.60, 0.24),
        cadence=np.where(walk, 110.0, 170.0),
    )
    res = running_dynamics(streams)
    assert res.metrics["ground_contact_time"].value == pytest.approx(0.24)
    assert res.metrics["cadence"].value == pytest.approx(170.0)
    # Step length from speed and cadence when the stream is missing: 3.2 * 60 / 170.
    assert res.metrics["step_length"].value == pytest.approx(3.2 * 60 / 170)


def test_stryd_form_power_and_leg_spring_stiffness_against_the_baseline() -> None:
    n = 1200
    streams = _run(
        np.full(n, 50.0),
        **{"dev_Form Power": np.full(n, 62.0), "dev_Leg Spring Stiffness": np.full(n, 10.5)},
    )
    res = running_dynamics(streams, baseline={"form_power": 60.0, "leg_spring_stiffness": 11.0})
    fp, lss = res.metrics["form_power"], res.metrics["leg_spring_stiffness"]
    assert (fp.value, fp.unit, fp.band, fp.delta) == (62.0, "W", None, 2.0)
    assert lss.value == pytest.approx(10.5) and lss.delta_pct == pytest.approx(-100 * 0.5 / 11)
    assert "ground_contact_time" not in res.metrics  # not recorded, not reported
