"""iCalendar export read back by ``icalendar`` (an independent RFC 5545 parser).

Independent truth: ``icalendar``'s unfolding and TEXT unescaping, RFC 5545's
octet limit (75 per line) and CRLF line ends checked on the raw bytes, and
``zoneinfo`` for the wall time of timed events (Europe/Berlin is UTC+1 in
January and UTC+2 in June).
"""

from __future__ import annotations

import copy
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import icalendar
import pytest

from runform.errors import RunformError
from runform.plan.export_ics import escape_text, fold_line, plan_ics, write_ics

NASTY_CUE = 'relax, shoulders; back\\slash "quotes"\nnew line, é 🏃 ümläut'
STAMP = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)


def _plan() -> dict[str, Any]:
    intervals = {
        "date": "2027-01-05",
        "type": "intervals",
        "distance_km": 10.0,
        "duration_min": 55,
        "paces": {"I": [230, 236], "E": [310, 340]},
        "technique": [{"focus": "technique intervals", "cue": NASTY_CUE}],
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
                        "cue": NASTY_CUE,
                    },
                    {"kind": "recovery", "distance_m": 200, "name": "Jog"},
                ],
            },
            {"kind": "cooldown", "duration_s": 600},
        ],
    }
    easy = {"date": "2027-01-05", "type": "easy", "distance_km": 5.0, "paces": {"E": 325}}
    summer = {
        "date": "2027-06-15",
        "type": "long",
        "distance_km": 30.0,
        "duration_min": 170,
        "title": "Long; run, with \\ specials",
    }
    return {
        "title": "Marathon, spring",
        "race_date": "2027-07-01",
        "weeks": [
            {"week": 1, "phase": "base", "volume_km": 40, "sessions": [intervals, easy]},
            {"week": 24, "phase": "peak", "volume_km": 80, "sessions": [summer]},
        ],
    }


def _events(text: str) -> list[Any]:
    cal = icalendar.Calendar.from_ical(text.encode("utf-8"))
    return [c for c in cal.walk("VEVENT")]


def test_raw_lines_are_crlf_and_at_most_75_octets() -> None:
    raw = plan_ics(_plan(), dtstamp=STAMP).encode("utf-8")
    assert raw.endswith(b"\r\n") and b"\n" not in raw.replace(b"\r\n", b"")
    lines = raw.split(b"\r\n")[:-1]
    assert max(len(line) for line in lines) <= 75
    for line in lines:
        line.decode("utf-8")  # no UTF-8 sequence split by folding
    assert any(line.startswith(b" ") for line in lines)  # long descriptions were folded


def test_all_day_events_read_back() -> None:
    plan = _plan()
    events = _events(plan_ics(plan, dtstamp=STAMP))
    assert len(events) == 3
    starts = [e.decoded("DTSTART") for e in events]
    assert starts == [date(2027, 1, 5), date(2027, 1, 5), date(2027, 6, 15)]
    for e, d in zip(events, starts, strict=True):
        assert e.decoded("DTEND") == d + timedelta(days=1)
    summaries = [str(e["SUMMARY"]) for e in events]
    assert summaries == [
        "Intervals 10 x 400 m (I 3:53/km)",
        "Easy run 5.0 km",
        "Long; run, with \\ specials",
    ]
    desc = str(events[0]["DESCRIPTION"])
    assert "Paces: I 3:50-3:56/km; E 5:10-5:40/km" in desc
    assert f"Run 400 m at I 3:50-3:56/km (cue: {NASTY_CUE})" in desc
    assert "- 10 x:\n  - Run 400 m" in desc
    assert desc.startswith("Week 1 (base)\n10.0 km, about 55 min\n")
    assert "Paces: E 5:25/km" in str(events[1]["DESCRIPTION"])
    assert [e.decoded("DTSTAMP") for e in events] == [STAMP] * 3


def test_timed_events_in_runner_time_zone() -> None:
    events = _events(plan_ics(_plan(), start=time(7, 0), tz="Europe/Berlin", dtstamp=STAMP))
    berlin = ZoneInfo("Europe/Berlin")
    starts = [e.decoded("DTSTART") for e in events]
    ends = [e.decoded("DTEND") for e in events]
    for s in starts:
        assert s.utcoffset() == timedelta(0)  # written in UTC
        assert s.astimezone(berlin).time() == time(7, 0)
    assert starts[0].hour == 6 and starts[2].hour == 5  # CET in January, CEST in June
    assert ends[0] - starts[0] == timedelta(minutes=55)
    assert ends[1] - starts[1] == timedelta(minutes=60)  # default length
    floating = _events(plan_ics(_plan(), start=time(6, 30), dtstamp=STAMP))
    assert floating[0].decoded("DTSTART") == datetime(2027, 1, 5, 6, 30)  # naive = floating


def test_uids_unique_and_stable_across_replans(tmp_path: Path) -> None:
    plan = _plan()
    uids = [str(e["UID"]) for e in _events(plan_ics(plan, dtstamp=STAMP))]
    assert len(set(uids)) == len(uids)
    replanned = copy.deepcopy(plan)
    replanned["weeks"][0]["sessions"][1]["type"] = "recovery"
    replanned["weeks"][0]["sessions"][1]["distance_km"] = 4.0
    path = tmp_path / "plan.ics"
    n = write_ics(replanned, path, dtstamp=datetime(2027, 1, 1, tzinfo=UTC))
    assert path.stat().st_size == n
    assert [str(e["UID"]) for e in _events(path.read_text("utf-8"))] == uids
    other = [str(e["UID"]) for e in _events(plan_ics(plan, plan_id="abc", dtstamp=STAMP))]
    assert other[0].startswith("abc-20270105-1@")


def test_escape_and_fold_round_trip_through_icalendar() -> None:
    text = "a,b;c\\d\ne" * 20 + "é🏃" * 30
    line = fold_line("DESCRIPTION:" + escape_text(text))
    cal = "BEGIN:VCALENDAR\r\nBEGIN:VEVENT\r\n" + line + "\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n"
    event = _events(cal)[0]
    assert str(event["DESCRIPTION"]) == text


def test_unknown_time_zone_is_one_clear_error() -> None:
    with pytest.raises(RunformError, match="unknown time zone 'Mars/Olympus'"):
        plan_ics(_plan(), start=time(7), tz="Mars/Olympus")
