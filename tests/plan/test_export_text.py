"""Markdown, HTML, CSV and JSON exports of a plan, read back by independent parsers.

Independent truth: the stdlib ``csv`` reader (RFC 4180), ``html.parser`` (HTML
tokenisation), ``json`` and the plan dict itself; paces are checked against values
worked out by hand from the definition pace = s/km (1 mi = 1609.344 m).
"""

from __future__ import annotations

import copy
import csv
import io
import json
import math
from html.parser import HTMLParser
from typing import Any

import pytest

from runform.errors import RunformError
from runform.plan.export_text import (
    CSV_COLUMNS,
    describe_step,
    parse_steps,
    plan_csv,
    plan_html,
    plan_json,
    plan_markdown,
    session_title,
)

EVIL = '<script>alert("x")</script>'


def _plan() -> dict[str, Any]:
    intervals = {
        "date": "2027-01-05",
        "type": "intervals",
        "distance_km": 10.0,
        "duration_min": 55,
        "paces": {"I": [230, 236], "E": [310, 340]},
        "technique": [{"focus": "technique intervals", "cue": "tall hips, quick feet"}],
        "steps": [
            {"kind": "warmup", "duration_s": 900, "pace_s_per_km": [310, 340], "pace_label": "E"},
            {
                "kind": "repeat",
                "repeat": 10,
                "steps": [
                    {
                        "kind": "work",
                        "distance_m": 400,
                        "pace_s_per_km": [230, 236],
                        "pace_label": "I",
                        "cue": "tall hips, quick feet",
                    },
                    {"kind": "recovery", "distance_m": 200, "name": "Jog"},
                ],
            },
            {"kind": "cooldown", "duration_s": 600},
        ],
    }
    long_run = {
        "date": "2027-01-09",
        "type": "long",
        "distance_km": 24.0,
        "duration_min": 140,
        "paces": {"E": [320, 350]},
        "technique": [f"strides | {EVIL}"],
        "notes": '=HYPERLINK("http://x")',
        "steps": [
            {"kind": "run", "distance_m": 24000, "pace_s_per_km": [320, 350], "pace_label": "E"},
            {
                "kind": "repeat",
                "repeat": 6,
                "name": "Strides",
                "steps": [
                    {"kind": "work", "duration_s": 20, "pace_s_per_km": [200, 215]},
                    {"kind": "recovery", "duration_s": 60, "name": "Walk"},
                ],
            },
        ],
    }
    strength = {"date": "2027-01-07", "type": "strength", "duration_min": 15, "title": EVIL}
    return {
        "title": "Marathon 3:30",
        "race_date": "2027-04-18",
        "weeks": [
            {"week": 1, "phase": "base", "volume_km": 42.0, "sessions": [intervals, strength]},
            {"week": 2, "phase": "base", "volume_km": 45.5, "sessions": [long_run]},
        ],
    }


def test_title_names_main_set_and_pace_midpoint() -> None:
    plan = _plan()
    # (230 + 236) / 2 = 233 s/km = 3:53/km
    assert session_title(plan["weeks"][0]["sessions"][0]) == "Intervals 10 x 400 m (I 3:53/km)"
    # (320 + 350) / 2 = 335 s = 5:35/km; the strides block is appended
    assert session_title(plan["weeks"][1]["sessions"][0]) == (
        "Long run 24 km (E 5:35/km) + 6 x 20 s Strides"
    )
    # imperial: 233 s/km * 1.609344 = 374.98 s = 6:15/mi
    assert session_title(plan["weeks"][0]["sessions"][0], "imperial").endswith("(I 6:15/mi)")


def test_csv_reads_back_one_row_per_session() -> None:
    plan = _plan()
    rows = list(csv.DictReader(io.StringIO(plan_csv(plan), newline="")))
    assert tuple(rows[0].keys()) == CSV_COLUMNS
    sessions = [s for w in plan["weeks"] for s in w["sessions"]]
    assert len(rows) == len(sessions)
    for row, s in zip(rows, sessions, strict=True):
        assert row["date"] == s["date"]
        assert row["type"] == s["type"]
        if "distance_km" in s:
            assert math.isclose(float(row["distance_km"]), s["distance_km"])
        else:
            assert row["distance_km"] == ""
    first = rows[0]
    assert (
        first["week"] == "1" and first["phase"] == "base" and float(first["week_volume_km"]) == 42
    )
    assert "I 3:50-3:56/km" in first["paces"]
    assert (
        "10 x (Run 400 m at I 3:50-3:56/km (cue: tall hips, quick feet); Jog 200 m)"
        in first["steps"]
    )
    # the user's HTML stays text, the formula is neutralised
    assert rows[1]["title"] == EVIL
    assert rows[2]["notes"] == '\'=HYPERLINK("http://x")'
    assert EVIL in rows[2]["technique"]


class _Collector(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))

    def handle_data(self, data: str) -> None:
        self.text.append(data)


def test_html_is_self_contained_and_escapes_user_text() -> None:
    plan = _plan()
    parser = _Collector()
    parser.feed(plan_html(plan))
    parser.close()
    names = [t for t, _ in parser.tags]
    assert "script" not in names and "link" not in names and "img" not in names
    for _tag, attrs in parser.tags:
        for key, value in attrs.items():
            assert key in ("lang", "charset", "http-equiv", "content", "name", "class", "id")
            assert "http" not in (value or "").replace("http-equiv", "")
    sections = [a for t, a in parser.tags if t == "section" and a.get("class") == "week"]
    assert len(sections) == len(plan["weeks"])
    rows = [a for t, a in parser.tags if t == "tr" and a.get("class") == "session"]
    assert len(rows) == 3
    text = "".join(parser.text)
    assert text.count(EVIL) == 2  # the strength title and the long run's technique item
    assert "Intervals 10 x 400 m (I 3:53/km)" in text
    assert "Run 400 m at I 3:50-3:56/km (cue: tall hips, quick feet)" in text


def test_markdown_structure_and_escaping() -> None:
    md = plan_markdown(_plan())
    lines = md.splitlines()
    assert lines[0] == "# Marathon 3:30"
    assert "## Week 1 · base · 42.0 km" in lines and "## Week 2 · base · 45.5 km" in lines
    assert "<script>" not in md and "\\<script\\>" in md
    table = [line for line in lines if line.startswith("| ") and "---" not in line]
    for line in table:  # a | in user text must not add a column
        assert line.replace("\\|", "").count("|") == 7
    assert "  - Run 400 m at I 3:50-3:56/km (cue: tall hips, quick feet)" in lines


def test_json_round_trips_plan_shape() -> None:
    plan = _plan()
    assert json.loads(plan_json(plan)) == plan
    bad = copy.deepcopy(plan)
    bad["weeks"][0]["volume_km"] = float("nan")
    with pytest.raises(RunformError, match="NaN"):
        plan_json(bad)


def test_accepts_object_with_as_dict() -> None:
    class Plan:
        def as_dict(self) -> dict[str, Any]:
            return _plan()

    assert plan_csv(Plan()) == plan_csv(_plan())


@pytest.mark.parametrize(
    ("step", "message"),
    [
        ({"kind": "sprint"}, "kind must be one of"),
        ({"kind": "work", "distance_m": 400, "duration_s": 90}, "not both"),
        ({"kind": "work", "distance_m": 400, "pace_s_per_km": [240, 230]}, r"\[slow, fast\]"),
        ({"kind": "work", "distance_m": 400, "pace_s_per_km": [4.0, 4.2]}, "seconds per kilometre"),
        ({"kind": "repeat", "repeat": 0, "steps": [{"kind": "work"}]}, "repeat = a whole number"),
        ({"kind": "repeat", "repeat": 3, "steps": []}, "non-empty steps"),
        ({"kind": "work", "distance_m": -1}, "positive"),
    ],
)
def test_bad_steps_get_precise_errors(step: dict[str, Any], message: str) -> None:
    with pytest.raises(RunformError, match=message) as info:
        parse_steps([{"kind": "warmup"}, step], "session 2027-01-05 (intervals)")
    assert "session 2027-01-05 (intervals), step 2" in str(info.value)


def test_technique_elements_in_plain_words() -> None:
    """The keys ``TechniqueElement.as_dict()`` writes read as one plain sentence."""
    session = {
        "date": "2027-01-06",
        "type": "easy",
        "distance_km": 8,
        "technique": [
            {
                "focus": "strides",
                "name": "Strides",
                "cue": "relaxed, fast feet",
                "dose": "6 x 60 m, 1 min walk",
                "placement": "after",
                "how": "Accelerate gently up to 5K pace.",
            },
            {
                "focus": "cadence",
                "name": "Cadence segment",
                "cue": "quick light steps",
                "placement": "inside",
                "targets": [
                    {"pace": "E", "increase_pct": 2.5, "baseline_spm": 168.0, "target_spm": 172.2}
                ],
            },
            {
                "focus": "strength",
                "name": "Single-leg calf raise",
                "cue": "slow down",
                "sets": 3,
                "reps": 12,
                "per_side": True,
                "optional": True,
            },
        ],
    }
    plan = {"weeks": [{"week": 1, "phase": "base", "volume_km": 8, "sessions": [session]}]}
    row = next(csv.DictReader(io.StringIO(plan_csv(plan), newline="")))
    items = row["technique"].split(" | ")
    assert items == [
        "Strides (6 x 60 m, 1 min walk, after the run) - cue: relaxed, fast feet. "
        "How: Accelerate gently up to 5K pace.",
        "Cadence: Cadence segment (target E 172 spm (+2.5 %)) - cue: quick light steps",
        "Strength: Single-leg calf raise (3 x 12 each side, optional) - cue: slow down",
    ]


def test_step_name_that_already_says_the_distance_is_not_repeated() -> None:
    (step,) = parse_steps(
        [{"kind": "work", "distance_m": 400, "name": "400 m", "pace_s_per_km": 233}]
    )
    assert describe_step(step) == "400 m at 3:53/km"
    (step,) = parse_steps([{"kind": "recovery", "duration_s": 90}])
    assert describe_step(step) == "Recovery 1:30"
