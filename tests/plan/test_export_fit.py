"""FIT workout files, decoded by independent decoders (fitdecode; Garmin's SDK if installed).

Independent truth:
- fitdecode's and the Garmin FIT SDK's own profiles (field numbers, scales,
  dynamic-field resolution) decode what we wrote;
- the FIT workout semantics (FIT SDK, "Workout file"): a repeat step jumps back to
  ``duration_step`` until it has run ``repeat_steps`` times. A small executor below
  runs the decoded steps like a watch and must yield the sequence the plan asked
  for, expanded by hand;
- speed targets from the definition speed = 1000 / pace [m/s per s/km].
"""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import fitdecode
import pytest

from runform.errors import RunformError
from runform.io.fit_write import MESSAGES
from runform.plan.export_fit import (
    WKT_STEP_NAME_BYTES,
    workout_fit_bytes,
    write_plan_workouts,
    write_workout_fit,
)

WARMUP = {"kind": "warmup", "duration_s": 900, "pace_s_per_km": [310, 340], "pace_label": "E"}
WORK = {
    "kind": "work",
    "distance_m": 400,
    "pace_s_per_km": [230, 236],
    "pace_label": "I",
    "cue": "tall hips, quick feet",
}
JOG = {"kind": "recovery", "distance_m": 200, "name": "Jog"}
COOLDOWN = {"kind": "cooldown", "duration_s": 600}
STRIDE = {"kind": "work", "duration_s": 20, "name": "Stride", "pace_s_per_km": [200, 215]}
WALK = {"kind": "recovery", "duration_s": 60, "name": "Walk"}

SESSION: dict[str, Any] = {
    "date": "2027-01-05",
    "type": "intervals",
    "distance_km": 10.0,
    "steps": [
        WARMUP,
        {"kind": "repeat", "repeat": 10, "steps": [WORK, JOG]},
        COOLDOWN,
        {"kind": "repeat", "repeat": 6, "name": "Strides", "steps": [STRIDE, WALK]},
    ],
}


def _decode(data: bytes) -> list[fitdecode.FitDataMessage]:
    with fitdecode.FitReader(io.BytesIO(data), check_crc=fitdecode.CrcCheck.RAISE) as reader:
        return [f for f in reader if isinstance(f, fitdecode.FitDataMessage)]


def _values(msg: fitdecode.FitDataMessage) -> dict[str, Any]:
    return {f.name: f.value for f in msg.fields if f.value is not None}


def _execute(steps: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Run decoded workout steps as a watch does (FIT repeat_until_steps_cmplt semantics)."""
    done: list[dict[str, Any]] = []
    counts: dict[int, int] = {}
    i = 0
    while i < len(steps):
        s = steps[i]
        if s["duration_type"] == "repeat_until_steps_cmplt":
            counts[i] = counts.get(i, 0) + 1
            if counts[i] < s["repeat_steps"]:
                i = s["duration_step"]
                continue
            counts[i] = 0
            i += 1
            continue
        done.append(s)
        i += 1
    return done


def _expected(steps: list[dict[str, Any]]) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    for s in steps:
        if s["kind"] == "repeat":
            out.extend(_expected(s["steps"]) * s["repeat"])
        else:
            out.append(s)
    return out


def _check_executed(executed: list[dict[str, Any]], planned: list[dict[str, Any]]) -> None:
    assert len(executed) == len(planned)
    intensity = {
        "warmup": "warmup",
        "cooldown": "cooldown",
        "recovery": "recovery",
        "work": "active",
    }
    for got, want in zip(executed, planned, strict=True):
        if "distance_m" in want:
            assert got["duration_type"] == "distance"
            assert got["duration_distance"] == pytest.approx(want["distance_m"])
        else:
            assert got["duration_type"] == "time"
            assert got["duration_time"] == pytest.approx(want["duration_s"])
        assert got["intensity"] == intensity[want["kind"]]
        if "pace_s_per_km" in want:
            fast, slow = want["pace_s_per_km"]
            assert got["target_type"] == "speed"
            assert got["custom_target_speed_low"] == pytest.approx(1000 / slow, abs=5e-4)
            assert got["custom_target_speed_high"] == pytest.approx(1000 / fast, abs=5e-4)
        else:
            assert got["target_type"] == "open"
        if "cue" in want:
            assert got["notes"] == want["cue"]


def test_fitdecode_reads_steps_targets_and_repeats() -> None:
    msgs = _decode(workout_fit_bytes(SESSION))
    assert [m.name for m in msgs[:2]] == ["file_id", "workout"]
    file_id, workout = _values(msgs[0]), _values(msgs[1])
    assert file_id["type"] == "workout"
    assert workout["sport"] == "running"
    assert workout["wkt_name"] == "Intervals 10 x 400 m"
    steps = [_values(m) for m in msgs if m.name == "workout_step"]
    assert workout["num_valid_steps"] == len(steps) == 8
    assert [s["message_index"] for s in steps] == list(range(8))
    repeats = [s for s in steps if s["duration_type"] == "repeat_until_steps_cmplt"]
    assert [(r["duration_step"], r["repeat_steps"]) for r in repeats] == [(1, 10), (5, 6)]
    # the warm-up speed range: 1000/340 = 2.941 m/s to 1000/310 = 3.226 m/s
    assert steps[0]["custom_target_speed_low"] == pytest.approx(2.941)
    assert steps[0]["custom_target_speed_high"] == pytest.approx(3.226)
    executed = _execute(steps)
    _check_executed(executed, _expected(SESSION["steps"]))
    # 10 x (400 + 200) m run as planned
    assert sum(s.get("duration_distance", 0) for s in executed) == pytest.approx(6000)


def test_garmin_sdk_reads_the_same_workout() -> None:
    sdk = pytest.importorskip("garmin_fit_sdk")
    data = workout_fit_bytes(SESSION)
    assert sdk.Decoder(sdk.Stream.from_byte_array(bytearray(data))).check_integrity()
    messages, errors = sdk.Decoder(sdk.Stream.from_byte_array(bytearray(data))).read()
    assert errors == []
    assert messages["file_id_mesgs"][0]["type"] == "workout"
    assert messages["workout_mesgs"][0]["sport"] == "running"
    steps = messages["workout_step_mesgs"]
    assert messages["workout_mesgs"][0]["num_valid_steps"] == len(steps)
    for s in steps:  # the SDK names plain steps' target_type; repeats have none
        s.setdefault("target_type", None)
    _check_executed(_execute(steps), _expected(SESSION["steps"]))


def test_nested_repeats_and_open_steps() -> None:
    inner = {"kind": "repeat", "repeat": 3, "steps": [STRIDE, WALK]}
    session = {
        "date": "2027-02-01",
        "type": "hills",
        "steps": [
            {"kind": "warmup"},  # open: lap button
            {"kind": "repeat", "repeat": 2, "steps": [inner, {"kind": "rest", "duration_s": 180}]},
        ],
    }
    steps = [_values(m) for m in _decode(workout_fit_bytes(session)) if m.name == "workout_step"]
    assert steps[0]["duration_type"] == "open" and "duration_value" not in steps[0]
    executed = _execute(steps)
    kinds = [(s.get("duration_time"), s["intensity"]) for s in executed[1:]]
    one_set = [(20.0, "active"), (60.0, "recovery")] * 3 + [(180.0, "rest")]
    assert kinds == one_set * 2


def test_strings_fit_garmin_field_sizes() -> None:
    name = "Ünïcödé strides ✓✓"  # 27 bytes in UTF-8
    session = {
        "date": "2027-02-02",
        "type": "easy",
        "steps": [{"kind": "run", "distance_m": 8000, "name": name, "cue": "a" * 300}],
    }
    step = next(_values(m) for m in _decode(workout_fit_bytes(session)) if m.name == "workout_step")
    got = step["wkt_step_name"]
    assert name.startswith(got) and len(got.encode()) <= WKT_STEP_NAME_BYTES - 1
    assert step["notes"] == "a" * 199


def test_session_without_steps_is_one_distance_step() -> None:
    msgs = _decode(workout_fit_bytes({"date": "2027-02-03", "type": "easy", "distance_km": 8}))
    steps = [_values(m) for m in msgs if m.name == "workout_step"]
    assert len(steps) == 1 and steps[0]["duration_distance"] == pytest.approx(8000)
    with pytest.raises(RunformError, match="needs steps or a distance_km"):
        workout_fit_bytes({"date": "2027-02-03", "type": "strength", "duration_min": 15})


def test_files_are_reproducible_and_unique(tmp_path: Path) -> None:
    a = tmp_path / "a.fit"
    n = write_workout_fit(SESSION, a)
    assert a.stat().st_size == n
    assert a.read_bytes() == workout_fit_bytes(SESSION)
    other = dict(SESSION, date="2027-01-12")
    ids = [_values(_decode(workout_fit_bytes(s))[0])["serial_number"] for s in (SESSION, other)]
    assert ids[0] != ids[1]


def test_plan_folder_export(tmp_path: Path) -> None:
    plan = {
        "weeks": [
            {
                "week": 1,
                "sessions": [
                    SESSION,
                    {"date": "2027-01-07", "type": "strength", "duration_min": 15},
                    {"date": "2027-01-09", "type": "easy", "distance_km": 8},
                    {"date": "2027-01-09", "type": "easy", "distance_km": 4},
                ],
            }
        ]
    }
    paths = write_plan_workouts(plan, tmp_path / "fit")
    assert [p.name for p in paths] == [
        "2027-01-05-intervals.fit",
        "2027-01-09-easy.fit",
        "2027-01-09-easy-2.fit",
    ]
    for p in paths:
        assert _decode(p.read_bytes())[0].name == "file_id"


def test_writer_profile_matches_garmin_sdk_profile() -> None:
    """Field numbers, base types and scales of workout messages as in Garmin's Profile."""
    sdk = pytest.importorskip("garmin_fit_sdk")
    for name in ("workout", "workout_step"):
        ours = MESSAGES[name]
        theirs = sdk.Profile["messages"][ours.number]
        assert theirs["name"] == name
        for fdef in ours.fields.values():
            tf = theirs["fields"][fdef.number]
            assert tf["name"] == fdef.name
            assert tf["base_type"] == fdef.base_type
            assert tf["scale"][0] == fdef.scale
        for sub in ours.subfields.values():
            tsubs = {s["name"]: s for s in theirs["fields"][sub.number]["sub_fields"]}
            assert tsubs[sub.name]["scale"][0] == sub.scale
