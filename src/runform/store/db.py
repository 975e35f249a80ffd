"""The activity store: one DuckDB file holding athletes, activities, laps and samples.

Each imported file is written in a single transaction, so the store never
holds half an activity, even when the process is killed mid-import (DuckDB
rolls an uncommitted transaction back when the file is next opened).
Re-importing the same content for the same athlete is a no-op (SHA-256 of the
file's bytes).
"""

from __future__ import annotations

import json
import math
import os
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import duckdb
import numpy as np
import pandas as pd

from runform.core.summary import Totals
from runform.errors import NotFoundError, StoreError
from runform.schema import Activity, Device, Source
from runform.store.migrations import LAP_COLUMNS, MIGRATIONS, SAMPLE_COLUMNS

DEFAULT_ATHLETE = "me"


def default_db_path() -> Path:
    """The store's default location: ``$RUNFORM_DB`` or ``<user data dir>/runform.duckdb``."""
    env = os.environ.get("RUNFORM_DB")
    if env:
        return Path(env).expanduser()
    import platformdirs

    return Path(platformdirs.user_data_dir("runform", appauthor=False)) / "runform.duckdb"


def _clean(value: Any) -> Any:
    """Make a value JSON-safe (NaN -> None, timestamps -> ISO strings)."""
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, (pd.Timestamp, datetime)):
        return value.isoformat()
    if isinstance(value, np.generic):
        return _clean(value.item())
    if isinstance(value, dict):
        return {str(k): _clean(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_clean(v) for v in value]
    return value


@dataclass(frozen=True)
class ActivityRow:
    """One row of the activity list, as the store holds it."""

    id: int
    start_time: datetime
    utc_offset_s: int | None
    sport: str
    sub_sport: str | None
    name: str | None
    distance_m: float | None
    moving_time_s: float | None
    elapsed_time_s: float | None
    timer_time_s: float | None
    avg_speed_mps: float | None
    avg_cadence_spm: float | None
    avg_heart_rate_bpm: float | None
    device: str
    source: str
    partial: bool


class Store:
    """A DuckDB-backed activity store.

    Parameters
    ----------
    path : str or Path
        The DuckDB file; created (with its folder) when missing.
    read_only : bool
        Open without write access (several readers may share the file).
    """

    def __init__(self, path: str | Path, *, read_only: bool = False) -> None:
        self.path = Path(path)
        if not read_only:
            self.path.parent.mkdir(parents=True, exist_ok=True)
        elif not self.path.exists():
            raise StoreError(
                f"{self.path}: no runform store here yet (import some activities first)"
            )
        try:
            self.con = duckdb.connect(str(self.path), read_only=read_only)
            if read_only and self._pending_migrations():
                # A store written by an older runform: upgrade it once, then read.
                self.con.close()
                self.con = duckdb.connect(str(self.path))
                self.migrate()
                self.con.close()
                self.con = duckdb.connect(str(self.path), read_only=True)
        except duckdb.Error as exc:
            raise StoreError(f"{self.path}: cannot open the store: {exc}") from exc
        if not read_only:
            self.migrate()

    def close(self) -> None:
        """Close the connection."""
        self.con.close()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- schema ---------------------------------------------------------------------------
    def migrate(self) -> list[str]:
        """Apply every migration not yet recorded; return the names applied."""
        self.con.execute(
            "CREATE TABLE IF NOT EXISTS schema_migrations ("
            "name VARCHAR PRIMARY KEY, applied_at TIMESTAMPTZ NOT NULL DEFAULT now())"
        )
        done = {r[0] for r in self.con.execute("SELECT name FROM schema_migrations").fetchall()}
        applied = []
        for name, sql in MIGRATIONS:
            if name in done:
                continue
            with self.transaction():
                self.con.execute(sql)
                self.con.execute("INSERT INTO schema_migrations (name) VALUES (?)", [name])
            applied.append(name)
        return applied

    def _pending_migrations(self) -> list[str]:
        try:
            rows = self.con.execute("SELECT name FROM schema_migrations").fetchall()
        except duckdb.CatalogException:
            return [name for name, _ in MIGRATIONS]
        done = {r[0] for r in rows}
        return [name for name, _ in MIGRATIONS if name not in done]

    def applied_migrations(self) -> list[str]:
        """Names of the migrations recorded in the database, in order."""
        rows = self.con.execute("SELECT name FROM schema_migrations ORDER BY name").fetchall()
        return [r[0] for r in rows]

    @contextmanager
    def transaction(self) -> Iterator[None]:
        """Run the block in one transaction: all of it is stored, or none of it."""
        self.con.execute("BEGIN TRANSACTION")
        try:
            yield
        except BaseException:
            self.con.execute("ROLLBACK")
            raise
        else:
            self.con.execute("COMMIT")

    # -- athletes -------------------------------------------------------------------------
    def athlete_id(self, name: str, *, create: bool = False) -> int:
        """The id of athlete ``name``; created when ``create`` is true."""
        row = self.con.execute("SELECT id FROM athletes WHERE name = ?", [name]).fetchone()
        if row is not None:
            return int(row[0])
        if not create:
            names = [
                r[0] for r in self.con.execute("SELECT name FROM athletes ORDER BY name").fetchall()
            ]
            known = ", ".join(names) if names else "none yet"
            raise NotFoundError(f"no athlete named {name!r} in {self.path} (athletes: {known})")
        new = self.con.execute(
            "INSERT INTO athletes (id, name) VALUES (nextval('athlete_id_seq'), ?) RETURNING id",
            [name],
        ).fetchone()
        assert new is not None
        return int(new[0])

    def profile(self, athlete_id: int) -> dict[str, Any]:
        """The athlete's stored profile values (only what was set)."""
        row = self.con.execute("SELECT profile FROM athletes WHERE id = ?", [athlete_id]).fetchone()
        return json.loads(row[0]) if row and row[0] else {}

    def set_profile(self, athlete_id: int, values: dict[str, Any]) -> dict[str, Any]:
        """Merge ``values`` into the stored profile (None removes a key); return the result."""
        prof = self.profile(athlete_id)
        for k, v in values.items():
            if v is None:
                prof.pop(k, None)
            else:
                prof[k] = v
        self.con.execute(
            "UPDATE athletes SET profile = ? WHERE id = ?", [json.dumps(prof), athlete_id]
        )
        return prof

    def add_race(
        self,
        athlete_id: int,
        race_date: Any,
        distance_m: float,
        time_s: float,
        label: str | None,
        activity_id: int | None = None,
    ) -> int:
        """Record a race result; returns its id."""
        row = self.con.execute(
            "INSERT INTO races (id, athlete_id, activity_id, race_date, distance_m, time_s, label)"
            " VALUES (nextval('race_id_seq'), ?, ?, ?, ?, ?, ?) RETURNING id",
            [athlete_id, activity_id, race_date, distance_m, time_s, label],
        ).fetchone()
        assert row is not None
        return int(row[0])

    def races(self, athlete_id: int) -> pd.DataFrame:
        """Race results of an athlete, oldest first."""
        return self.con.execute(
            "SELECT id, activity_id, race_date, distance_m, time_s, label FROM races"
            " WHERE athlete_id = ? ORDER BY race_date, id",
            [athlete_id],
        ).df()

    def add_plan(self, athlete_id: int, inputs: dict[str, Any], plan: dict[str, Any]) -> int:
        """Store a plan; the newest plan of an athlete is the current one."""
        row = self.con.execute(
            "INSERT INTO plans (id, athlete_id, inputs, plan) VALUES (nextval('plan_id_seq'), ?, ?, ?)"
            " RETURNING id",
            [athlete_id, json.dumps(_clean(inputs)), json.dumps(_clean(plan))],
        ).fetchone()
        assert row is not None
        return int(row[0])

    def current_plan(self, athlete_id: int) -> tuple[int, dict[str, Any], dict[str, Any]]:
        """(id, inputs, plan) of the athlete's newest plan."""
        row = self.con.execute(
            "SELECT id, inputs, plan FROM plans WHERE athlete_id = ? ORDER BY id DESC LIMIT 1",
            [athlete_id],
        ).fetchone()
        if row is None:
            raise NotFoundError("no plan yet: create one with `runform plan create`")
        return int(row[0]), json.loads(row[1]), json.loads(row[2])

    def athletes(self) -> list[str]:
        """Names of every athlete in the store."""
        return [r[0] for r in self.con.execute("SELECT name FROM athletes ORDER BY id").fetchall()]

    # -- writing --------------------------------------------------------------------------
    def has_source(self, athlete_id: int, sha256: str) -> bool:
        """True when this athlete already has a file with this content."""
        row = self.con.execute(
            "SELECT 1 FROM source_files WHERE athlete_id = ? AND sha256 = ?", [athlete_id, sha256]
        ).fetchone()
        return row is not None

    def add_file(
        self,
        athlete_id: int,
        activities: Sequence[Activity],
        totals: Sequence[Totals],
        size_bytes: int,
    ) -> list[int]:
        """Store every activity of one file in a single transaction; return their ids.

        Returns an empty list when the athlete already has this content (no-op).
        """
        if not activities:
            return []
        src = activities[0].source
        try:
            return self._add_file(athlete_id, activities, totals, size_bytes)
        except duckdb.Error as exc:
            raise StoreError(f"could not store {src.path}: {exc}".splitlines()[0]) from exc

    def _add_file(
        self,
        athlete_id: int,
        activities: Sequence[Activity],
        totals: Sequence[Totals],
        size_bytes: int,
    ) -> list[int]:
        src = activities[0].source
        with self.transaction():
            if self.has_source(athlete_id, src.sha256):
                return []
            ids = [
                self._insert_activity(athlete_id, a, t)
                for a, t in zip(activities, totals, strict=True)
            ]
            self.con.execute(
                "INSERT INTO source_files (athlete_id, sha256, path, format, size_bytes, n_activities)"
                " VALUES (?, ?, ?, ?, ?, ?)",
                [athlete_id, src.sha256, src.path, src.format, size_bytes, len(activities)],
            )
        return ids

    def _insert_activity(self, athlete_id: int, a: Activity, t: Totals) -> int:
        row = self.con.execute("SELECT nextval('activity_id_seq')").fetchone()
        assert row is not None
        aid = int(row[0])
        d: Device = a.device
        self.con.execute(
            """INSERT INTO activities (id, athlete_id, source_sha256, session_index, source_path, format,
                sport, sub_sport, name, start_time, utc_offset_s, device_manufacturer, device_product,
                device_serial, device_software, distance_m, elapsed_time_s, timer_time_s, moving_time_s,
                avg_speed_mps, avg_cadence_spm, avg_heart_rate_bpm, max_heart_rate_bpm, total_ascent_m,
                n_samples, n_laps, partial, warnings, summary, developer_units)
               VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)""",
            [
                aid,
                athlete_id,
                a.source.sha256,
                a.source.session_index,
                a.source.path,
                a.source.format,
                a.sport,
                a.sub_sport,
                a.name,
                a.start_time,
                a.utc_offset_s,
                d.manufacturer,
                d.product,
                d.serial_number,
                d.software_version,
                t.distance_m,
                t.elapsed_time_s,
                t.timer_time_s,
                t.moving_time_s,
                t.avg_speed_mps,
                t.avg_cadence_spm,
                t.avg_heart_rate_bpm,
                t.max_heart_rate_bpm,
                t.total_ascent_m,
                len(a.streams),
                len(a.laps),
                a.partial,
                json.dumps(list(a.warnings)),
                json.dumps(_clean(a.summary)),
                json.dumps(a.developer_units),
            ],
        )
        self._insert_samples(aid, a.streams)
        self._insert_laps(aid, a.laps)
        self._insert_events(aid, a.events)
        return aid

    def _insert_samples(self, aid: int, streams: pd.DataFrame) -> None:
        n = len(streams)
        if n == 0:
            return
        frame = pd.DataFrame({"activity_id": np.full(n, aid, dtype=np.int64), "idx": np.arange(n)})
        for c in SAMPLE_COLUMNS:
            if c in streams:
                frame[c] = streams[c].to_numpy()
            elif c == "gps_spike":
                frame[c] = False
            elif c == "timestamp":
                frame[c] = pd.Series(pd.NaT, index=frame.index, dtype="datetime64[ns, UTC]")
            else:
                frame[c] = np.nan
        self._insert_frame("samples", frame)
        dev_cols = [c for c in streams.columns if c.startswith("dev_")]
        if dev_cols:
            long = (
                streams[dev_cols]
                .reset_index(drop=True)
                .melt(var_name="name", value_name="value", ignore_index=False)
            )
            long = long[long["value"].notna()]
            long = pd.DataFrame(
                {
                    "activity_id": aid,
                    "idx": long.index.to_numpy(),
                    "name": long["name"].str.slice(4).to_numpy(),
                    "value": long["value"].astype("float64").to_numpy(),
                }
            )
            self._insert_frame("dev_samples", long)

    def _insert_frame(self, table: str, frame: pd.DataFrame) -> None:
        """Insert a whole frame in one statement (columns named as in the table)."""
        if frame.empty:
            return
        self.con.register("_rows_in", frame)
        try:
            cols = ", ".join(f'"{c}"' for c in frame.columns)
            self.con.execute(f"INSERT INTO {table} ({cols}) SELECT {cols} FROM _rows_in")
        finally:
            self.con.unregister("_rows_in")

    def _insert_laps(self, aid: int, laps: pd.DataFrame) -> None:
        n = len(laps)
        if n == 0:
            return
        frame = pd.DataFrame(
            {"activity_id": np.full(n, aid, dtype=np.int64), "lap_index": np.arange(n)}
        )
        for c in LAP_COLUMNS:
            col = laps[c] if c in laps else pd.Series([None] * n)
            if c in ("start_time", "end_time"):
                frame[c] = pd.to_datetime(col.to_numpy(), utc=True).floor("us")
            elif c in ("intensity", "trigger", "sport"):
                frame[c] = [
                    None if v is None or (isinstance(v, float) and math.isnan(v)) else str(v)
                    for v in col
                ]
            else:
                frame[c] = pd.to_numeric(col.to_numpy(), errors="coerce").astype("float64")
        raw = laps["raw"] if "raw" in laps else pd.Series([{}] * n)
        frame["raw"] = [json.dumps(_clean(r or {})) for r in raw]
        self._insert_frame("laps", frame)

    def _insert_events(self, aid: int, events: pd.DataFrame) -> None:
        n = len(events)
        if n == 0:
            return

        def text(name: str) -> list[str | None]:
            col = events[name] if name in events else pd.Series([None] * n)
            return [
                None if v is None or (isinstance(v, float) and math.isnan(v)) else str(v)
                for v in col
            ]

        frame = pd.DataFrame(
            {
                "activity_id": np.full(n, aid, dtype=np.int64),
                "timestamp": pd.to_datetime(events["timestamp"].to_numpy(), utc=True).floor("us"),
                "event": text("event"),
                "event_type": text("event_type"),
                "data": [
                    json.dumps(_clean(v))
                    for v in (events["data"] if "data" in events else [None] * n)
                ],
            }
        )
        self._insert_frame("events", frame)

    # -- reading --------------------------------------------------------------------------
    def list_activities(
        self, athlete_id: int, *, since: datetime | None = None, sport: str | None = None
    ) -> list[ActivityRow]:
        """Activities of an athlete, oldest first, optionally filtered."""
        sql = """SELECT id, start_time, utc_offset_s, sport, sub_sport, name, distance_m, moving_time_s,
                        elapsed_time_s, timer_time_s, avg_speed_mps, avg_cadence_spm, avg_heart_rate_bpm,
                        device_manufacturer, device_product, source_path, partial
                 FROM activities WHERE athlete_id = ?"""
        params: list[Any] = [athlete_id]
        if since is not None:
            sql += " AND start_time >= ?"
            params.append(since)
        if sport is not None:
            sql += " AND sport = ?"
            params.append(sport)
        sql += " ORDER BY start_time, id"
        rows = self.con.execute(sql, params).fetchall()
        return [
            ActivityRow(
                id=r[0],
                start_time=r[1],
                utc_offset_s=r[2],
                sport=r[3],
                sub_sport=r[4],
                name=r[5],
                distance_m=r[6],
                moving_time_s=r[7],
                elapsed_time_s=r[8],
                timer_time_s=r[9],
                avg_speed_mps=r[10],
                avg_cadence_spm=r[11],
                avg_heart_rate_bpm=r[12],
                device=Device(r[13], r[14]).label(),
                source=r[15],
                partial=r[16],
            )
            for r in rows
        ]

    def activity_record(self, athlete_id: int, activity_id: int) -> dict[str, Any]:
        """The stored activity row as a dict (JSON columns decoded)."""
        cur = self.con.execute(
            "SELECT * FROM activities WHERE id = ? AND athlete_id = ?", [activity_id, athlete_id]
        )
        row = cur.fetchone()
        if row is None:
            raise NotFoundError(
                f"no activity {activity_id} for this athlete (see `runform activities`)"
            )
        names = [d[0] for d in cur.description]
        rec = dict(zip(names, row, strict=True))
        for k in ("warnings", "summary", "developer_units"):
            rec[k] = json.loads(rec[k]) if rec[k] else None
        return rec

    def laps(self, activity_id: int) -> pd.DataFrame:
        """The device's laps of an activity (canonical columns plus ``raw``)."""
        df = self.con.execute(
            "SELECT * EXCLUDE (activity_id) FROM laps WHERE activity_id = ? ORDER BY lap_index",
            [activity_id],
        ).df()
        if not df.empty:
            df["raw"] = [json.loads(r) if r else {} for r in df["raw"]]
        return df

    def streams(self, activity_id: int) -> pd.DataFrame:
        """Canonical streams of an activity (SI units), developer fields as ``dev_*`` columns."""
        cols = ", ".join(SAMPLE_COLUMNS)
        df = self.con.execute(
            f"SELECT {cols} FROM samples WHERE activity_id = ? ORDER BY idx", [activity_id]
        ).df()
        dev = self.con.execute(
            "SELECT idx, name, value FROM dev_samples WHERE activity_id = ?", [activity_id]
        ).df()
        if not dev.empty:
            wide = dev.pivot(index="idx", columns="name", values="value")
            for name in wide.columns:
                df["dev_" + str(name)] = wide[name].reindex(range(len(df))).to_numpy()
        empty = [c for c in df.columns if c not in ("time", "timestamp") and df[c].isna().all()]
        return df.drop(columns=empty)

    def events(self, activity_id: int) -> pd.DataFrame:
        """Events of an activity."""
        return self.con.execute(
            "SELECT timestamp, event, event_type, data FROM events WHERE activity_id = ? "
            "ORDER BY timestamp, rowid",
            [activity_id],
        ).df()

    def load_activity(self, athlete_id: int, activity_id: int) -> Activity:
        """Rebuild the canonical :class:`Activity` from the store."""
        r = self.activity_record(athlete_id, activity_id)
        return Activity(
            sport=r["sport"],
            sub_sport=r["sub_sport"],
            start_time=r["start_time"],
            source=Source(r["source_path"], r["source_sha256"], r["format"], r["session_index"]),
            streams=self.streams(activity_id),
            laps=self.laps(activity_id),
            summary=r["summary"] or {},
            events=self.events(activity_id),
            device=Device(
                r["device_manufacturer"],
                r["device_product"],
                r["device_serial"],
                r["device_software"],
            ),
            utc_offset_s=r["utc_offset_s"],
            name=r["name"],
            developer_units=r["developer_units"] or {},
            warnings=tuple(r["warnings"] or ()),
            partial=bool(r["partial"]),
        )

    def counts(self) -> dict[str, int]:
        """Row counts of the main tables (for integrity checks and summaries)."""
        out = {}
        for table in ("athletes", "source_files", "activities", "laps", "samples", "events"):
            row = self.con.execute(f"SELECT count(*) FROM {table}").fetchone()
            out[table] = int(row[0]) if row else 0
        return out
