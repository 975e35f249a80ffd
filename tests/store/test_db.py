"""The DuckDB store: migrations, one transaction per file, idempotent re-import, athletes."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from runform.core.summary import compute_totals
from runform.errors import NotFoundError
from runform.schema import EVENTS, SUMMARY, Activity, Device, Source, empty_frame
from runform.store.db import Store
from runform.store.migrations import MIGRATIONS


def _activity(sha: str = "a" * 64, n: int = 600, speed: float = 3.0) -> Activity:
    start = pd.Timestamp("2026-05-03T07:00:00Z")
    t = np.arange(n, dtype=float)
    streams = pd.DataFrame(
        {
            "time": t,
            "timestamp": start + pd.to_timedelta(t, unit="s"),
            "distance": t * speed,
            "speed": np.full(n, speed),
            "cadence": np.full(n, 170.0),
            "heart_rate": np.full(n, 140.0),
            "gps_spike": np.zeros(n, dtype=bool),
            "dev_form_power": np.full(n, 55.0),
        }
    )
    laps = pd.DataFrame(
        [
            {
                **dict.fromkeys(SUMMARY),
                "start_time": start,
                "distance": n * speed / 2,
                "timer_time": n / 2,
                "avg_cadence": 170.0,
                "raw": {"total_distance": n * speed / 2},
            },
            {
                **dict.fromkeys(SUMMARY),
                "start_time": start + pd.Timedelta(seconds=n / 2),
                "distance": n * speed / 2,
                "timer_time": n / 2,
                "avg_cadence": 170.0,
                "raw": {},
            },
        ]
    )
    return Activity(
        sport="running",
        sub_sport=None,
        start_time=start.to_pydatetime(),
        source=Source("x.fit", sha, "fit"),
        streams=streams,
        laps=laps,
        summary={"distance": n * speed, "raw": {"total_distance": n * speed}},
        events=empty_frame(EVENTS),
        device=Device("garmin", "fr955"),
        developer_units={"dev_form_power": "W"},
    )


def _add(store: Store, athlete: str, act: Activity) -> list[int]:
    aid = store.athlete_id(athlete, create=True)
    return store.add_file(aid, [act], [compute_totals(act.streams, act.events)], 1234)


def test_migrations_are_named_recorded_and_run_once(tmp_path: Path) -> None:
    db = tmp_path / "s.duckdb"
    with Store(db) as s:
        assert s.applied_migrations() == [name for name, _ in MIGRATIONS]
    with Store(db) as s:
        assert s.migrate() == []


def test_round_trip_keeps_streams_laps_and_developer_fields(tmp_path: Path) -> None:
    act = _activity()
    with Store(tmp_path / "s.duckdb") as s:
        (aid,) = _add(s, "me", act)
        back = s.load_activity(s.athlete_id("me"), aid)
    assert len(back.streams) == 600
    np.testing.assert_allclose(back.streams["distance"], act.streams["distance"])
    np.testing.assert_allclose(back.streams["dev_form_power"], 55.0)
    assert back.developer_units == {"dev_form_power": "W"}
    assert list(back.laps["distance"]) == [900.0, 900.0]
    assert back.laps["raw"].iloc[0] == {"total_distance": 900.0}


def test_reimporting_the_same_content_is_a_no_op(tmp_path: Path) -> None:
    with Store(tmp_path / "s.duckdb") as s:
        assert _add(s, "me", _activity())
        before = s.counts()
        assert _add(s, "me", _activity()) == []
        assert s.counts() == before


def test_athletes_are_kept_apart(tmp_path: Path) -> None:
    with Store(tmp_path / "s.duckdb") as s:
        _add(s, "me", _activity())
        _add(s, "ana", _activity())  # the same file for another athlete is stored again
        assert len(s.list_activities(s.athlete_id("me"))) == 1
        assert len(s.list_activities(s.athlete_id("ana"))) == 1
        with pytest.raises(NotFoundError, match="no athlete named 'bob'"):
            s.athlete_id("bob")


def test_a_failure_mid_file_leaves_nothing_behind(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with Store(tmp_path / "s.duckdb") as s:
        _add(s, "me", _activity())
        before = s.counts()

        def boom(*_args: object) -> None:
            raise RuntimeError("disk full")

        monkeypatch.setattr(s, "_insert_laps", boom)  # samples are written before laps
        with pytest.raises(RuntimeError):
            _add(s, "me", _activity(sha="b" * 64))
        assert s.counts() == before


def test_totals_follow_the_planted_stream(tmp_path: Path) -> None:
    with Store(tmp_path / "s.duckdb") as s:
        (aid,) = _add(s, "me", _activity(n=1000, speed=3.5))
        row = s.list_activities(s.athlete_id("me"))[0]
    assert row.id == aid
    assert row.distance_m == pytest.approx(999 * 3.5)
    assert row.avg_cadence_spm == pytest.approx(170.0)
    assert row.start_time == datetime(2026, 5, 3, 7, tzinfo=UTC)


def test_an_older_store_is_upgraded_when_opened(tmp_path: Path) -> None:
    import duckdb

    db = tmp_path / "old.duckdb"
    con = duckdb.connect(str(db))  # a store as the first release wrote it
    con.execute(
        "CREATE TABLE schema_migrations (name VARCHAR PRIMARY KEY, applied_at TIMESTAMPTZ DEFAULT now())"
    )
    con.execute(MIGRATIONS[0][1])
    con.execute("INSERT INTO schema_migrations (name) VALUES (?)", [MIGRATIONS[0][0]])
    con.close()
    with Store(db, read_only=True) as s:
        assert s.applied_migrations() == [name for name, _ in MIGRATIONS]
        assert s.races(s.athlete_id("me", create=False) if s.athletes() else 0).empty
