"""Race specs as the command line receives them (``--race 10k=41:21``)."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from runform.errors import UsageError
from runform.performance.races import (
    HALF_MARATHON_M,
    MILE_M,
    STANDARD_DISTANCES_M,
    check_performance,
    parse_distance,
    parse_duration,
    parse_race,
)


@pytest.mark.parametrize(
    ("spec", "distance_m", "time_s", "label"),
    [
        ("10k=41:21", 10000.0, 41 * 60 + 21, "10k"),
        ("half=1:31:35", 21097.5, 3600 + 31 * 60 + 35, "half_marathon"),
        ("marathon=3:10:49", 42195.0, 3 * 3600 + 10 * 60 + 49, "marathon"),
        ("5000m=19:57", 5000.0, 19 * 60 + 57, "5k"),
        ("12.3km=55:00", 12300.0, 55 * 60, "12.3km"),
        ("5k=20:00", 5000.0, 1200, "5k"),
        ("10mi=1:05:00", 16093.44, 3900, "10mi"),
        ("hm=1:40:00", 21097.5, 6000, "half_marathon"),
        ("mar=3:30:00", 42195.0, 12600, "marathon"),
        ("1500m=4:30", 1500.0, 270, "1500m"),
        ("mile=6:00", 1609.344, 360, "mile"),
        ("10K=41:21.5", 10000.0, 2481.5, "10k"),
        ("Half-Marathon=1:45:00", 21097.5, 6300, "half_marathon"),
        ("half_marathon=1:45:00", 21097.5, 6300, "half_marathon"),
        (" 10k = 41:21 ", 10000.0, 2481, "10k"),
        ("10k=65:30", 10000.0, 65 * 60 + 30, "10k"),  # mm:ss past an hour
    ],
)
def test_accepted_specs(spec: str, distance_m: float, time_s: float, label: str) -> None:
    race = parse_race(spec)
    assert race.distance_m == pytest.approx(distance_m, abs=1e-9)
    assert race.time_s == pytest.approx(time_s, abs=1e-9)
    assert race.label == label


def test_standard_distances() -> None:
    # World Athletics: marathon 42195 m, half 21097.5 m; international mile 1609.344 m.
    assert STANDARD_DISTANCES_M["marathon"] == 42195.0
    assert STANDARD_DISTANCES_M["half_marathon"] == HALF_MARATHON_M == 21097.5
    assert STANDARD_DISTANCES_M["mile"] == MILE_M == 1609.344
    assert STANDARD_DISTANCES_M["5k"] == 5000.0 and STANDARD_DISTANCES_M["10k"] == 10000.0
    assert parse_distance("mile") == parse_distance("1mi") == 1609.344


def test_the_documented_message() -> None:
    with pytest.raises(UsageError) as e:
        parse_race("10k=4x:00")
    assert str(e.value) == (
        "--race 10k=4x:00: '4x:00' is not a time; use h:mm:ss or mm:ss, e.g. 10k=41:21"
    )
    assert e.value.exit_code == 2


@pytest.mark.parametrize(
    ("spec", "bad_part"),
    [
        ("10k=4x:00", "'4x:00' is not a time"),
        ("10k=-41:21", "'-41:21' is negative"),
        ("10k=0:00", "'0:00' is zero"),
        ("10k=0:00:00", "'0:00:00' is zero"),
        ("10k=41:60", "'41:60' has 60 seconds"),
        ("half=1:31:75", "'1:31:75' has 75 seconds"),
        ("half=1:75:00", "'1:75:00' has 75 minutes"),
        ("10k=41:5", "'41:5' is not a time"),
        ("10k=2481", "'2481' is not a time"),
        ("10k=1:2:3:4", "'1:2:3:4' is not a time"),
        ("10k=", "no time given"),
        ("=41:21", "no distance given"),
        ("10kk=41:21", "'10kk' is not a distance"),
        ("5000=19:57", "'5000' is not a distance"),
        ("-5k=20:00", "'-5k' is negative"),
        ("0k=10:00", "'0k' is not a positive distance"),
    ],
)
def test_bad_specs_name_the_bad_part_and_show_the_form(spec: str, bad_part: str) -> None:
    with pytest.raises(UsageError) as e:
        parse_race(spec)
    msg = str(e.value)
    assert "\n" not in msg
    assert msg.startswith(f"--race {spec}: {bad_part}")
    assert msg.endswith("e.g. 10k=41:21")


@pytest.mark.parametrize("spec", ["10k", "10k=41:21=1", "", "10k 41:21"])
def test_specs_without_one_equals_sign(spec: str) -> None:
    with pytest.raises(UsageError, match=r": expected DISTANCE=TIME, e\.g\. 10k=41:21$"):
        parse_race(spec)


def test_option_name_appears_in_the_message() -> None:
    with pytest.raises(UsageError, match=r"^--goal 10k=4x:00: "):
        parse_race("10k=4x:00", option="--goal")


@pytest.mark.parametrize(
    ("spec", "why"),
    [
        ("5k=9:00", r"implies VDOT 126\.\d, faster than world-record level"),
        ("marathon=1:50:00", r"faster than world-record level"),  # WR 2:00:35 is about VDOT 85.5
        ("marathon=12:00:00", r"slower than the VDOT 20 floor"),
        ("5k=75:00", r"slower than the VDOT 20 floor"),
        ("800m=2:00", r"800 m is too short to judge endurance; use a race of 1500 m or longer"),
    ],
)
def test_impossible_performances_are_rejected(spec: str, why: str) -> None:
    with pytest.raises(UsageError, match=f"^--race {spec}: .*{why}"):
        parse_race(spec)


def test_world_record_level_is_accepted() -> None:
    # Men's 5000 m world record 12:35.36 (Cheptegei 2020) works out at about VDOT 85.
    assert parse_race("5k=12:35.36").time_s == pytest.approx(755.36)
    check_performance(42195.0, 2 * 3600 + 35)  # 2:00:35 marathon (Kiptum 2023)


def test_standalone_parsers_have_their_own_examples() -> None:
    with pytest.raises(UsageError, match=r"^'4x:00' is not a time; use h:mm:ss or mm:ss, e\.g\."):
        parse_duration("4x:00")
    with pytest.raises(UsageError, match=r"^'foo' is not a distance; use 5k, 10k"):
        parse_distance("foo")
    assert parse_duration("4:05.3") == pytest.approx(245.3)
    assert parse_duration("1:00:00") == 3600.0
    assert parse_distance("12.3KM") == pytest.approx(12300.0)


@given(
    h=st.integers(min_value=0, max_value=9),
    m=st.integers(min_value=0, max_value=59),
    s=st.integers(min_value=0, max_value=59),
)
def test_parse_duration_round_trips_clock_text(h: int, m: int, s: int) -> None:
    total = 3600 * h + 60 * m + s
    if total == 0:
        with pytest.raises(UsageError):
            parse_duration("0:00")
        return
    text = f"{h}:{m:02d}:{s:02d}" if h else f"{m}:{s:02d}"
    assert parse_duration(text) == total
    assert parse_duration(f"{60 * h + m}:{s:02d}") == total
