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
import pyarrow as pa

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


_ACTIVITY_COLUMNS: tuple[str, ...] = (
    "id", "athlete_id", "source_sha256", "session_index", "source_path", "format", "sport",
    "sub_sport", "name", "start_time", "utc_offset_s", "device_manufacturer", "device_product",
    "device_serial", "device_software", "distance_m", "elapsed_time_s", "timer_time_s",
    "moving_time_s", "avg_speed_mps", "avg_cadence_spm", "avg_heart_rate_bpm",
    "max_heart_rate_bpm", "total_ascent_m", "n_samples", "n_laps", "partial", "warnings",
    "summary", "developer_units",
)  # fmt: skip
_ACTIVITY_FLOATS = frozenset(
    c
    for c in _ACTIVITY_COLUMNS
    if c.endswith(("_m", "_s", "_mps", "_spm", "_bpm")) and c != "utc_offset_s"
)


def _texts(col: Any) -> list[str | None]:
    """A column as text values, missing ones (None/NaN) as None."""
    return [None if v is None or (isinstance(v, float) and math.isnan(v)) else str(v) for v in col]


def _utc_us(col: Any) -> np.ndarray:
    """A time column as naive UTC ``datetime64[us]`` (NaT where missing)."""
    dtype = getattr(col, "dtype", None)
    if isinstance(dtype, pd.DatetimeTZDtype):
        # Already UTC instants: the integers since the epoch are the answer (NaT stays NaT).
        values = np.asarray(col.array.asi8).view(f"datetime64[{dtype.unit}]")
        return values.astype("datetime64[us]")
    idx = pd.DatetimeIndex(pd.to_datetime(pd.Series(col), utc=True))
    return idx.tz_localize(None).to_numpy(dtype="datetime64[us]")


def _repeat_ids(counts: Sequence[tuple[int, int]]) -> pa.Array:
    """The ``activity_id`` column: each id repeated for as many rows as it has."""
    ids = np.array([aid for aid, _ in counts], dtype=np.int64)
    return pa.array(np.repeat(ids, [n for _, n in counts]))


def _utc_arrow(arr: np.ndarray) -> pa.Array:
    """Naive UTC ``datetime64[us]`` values as an Arrow ``timestamp[us, UTC]`` column (NaT -> null)."""
    return pa.array(arr, type=pa.timestamp("us"), from_pandas=True).cast(
        pa.timestamp("us", tz="UTC")
    )


def _float_column(col: pd.Series) -> np.ndarray:
    """A column as float64 (non-numbers -> NaN)."""
    dtype = col.dtype
    if isinstance(dtype, np.dtype) and dtype.kind in "fiu":
        return np.asarray(col.to_numpy(), dtype=np.float64)
    if pd.api.types.is_numeric_dtype(dtype) and not pd.api.types.is_bool_dtype(dtype):
        return col.to_numpy(dtype=np.float64, na_value=np.nan)
    return pd.to_numeric(col, errors="coerce").to_numpy(dtype=np.float64, na_value=np.nan)


def _sample_column(streams: pd.DataFrame, c: str, n: int) -> np.ndarray:
    """One stored sample column of an activity's streams (filled when the stream is absent)."""
    if c in streams:
        if c == "timestamp":
            return _utc_us(streams[c])
        if c == "gps_spike":
            return streams[c].to_numpy(dtype=bool, na_value=False)
        return _float_column(streams[c])
    return _absent_column(c, n)


def _absent_column(c: str, n: int) -> np.ndarray:
    """The stored value of a stream the activity does not have: NaT, False or NaN."""
    if c == "timestamp":
        return np.full(n, np.datetime64("NaT"), dtype="datetime64[us]")
    if c == "gps_spike":
        return np.zeros(n, dtype=bool)
    return np.full(n, np.nan)


@dataclass(frozen=True)
class PreparedRows:
    """One activity's samples, laps and events as the store's columns (numpy arrays).

    Made by :func:`prepare_rows`, which an import runs in its worker processes so
    that the single store writer only concatenates and inserts.
    """

    n_samples: int
    samples: dict[str, np.ndarray]
    """Stored sample columns the activity has (absent streams are filled when written)."""
    dev: dict[str, np.ndarray]
    n_laps: int
    laps: dict[str, np.ndarray]
    n_events: int
    events: dict[str, np.ndarray]


def prepare_rows(a: Activity) -> PreparedRows:
    """The store's column arrays for one activity (no ids yet: those come at write time)."""
    streams = a.streams
    n = len(streams)
    # Streams the activity does not have are left out (filled at write time): less to
    # send back from an import worker.
    samples = {c: _sample_column(streams, c, n) for c in SAMPLE_COLUMNS if c in streams}
    idx, names, values = [], [], []
    for c in streams.columns:
        if not str(c).startswith("dev_"):
            continue
        v = _float_column(streams[c])
        ok = np.flatnonzero(~np.isnan(v))
        if ok.size:
            idx.append(ok.astype(np.int32))
            names.append(np.full(ok.size, str(c)[4:], dtype=object))
            values.append(v[ok])
    dev = {
        "idx": np.concatenate(idx) if idx else np.zeros(0, dtype=np.int32),
        "name": np.concatenate(names) if names else np.zeros(0, dtype=object),
        "value": np.concatenate(values) if values else np.zeros(0),
    }
    laps_df = a.laps
    nl = len(laps_df)
    laps: dict[str, np.ndarray] = {}
    for c in LAP_COLUMNS:
        is_time = c in ("start_time", "end_time")
        is_text = c in ("intensity", "trigger", "sport")
        if c not in laps_df:  # a field the device did not record
            laps[c] = (
                np.full(nl, np.datetime64("NaT"), dtype="datetime64[us]")
                if is_time
                else np.full(nl, None, dtype=object)
                if is_text
                else np.full(nl, np.nan)
            )
        elif is_time:
            laps[c] = _utc_us(laps_df[c])
        elif is_text:
            laps[c] = np.array(_texts(laps_df[c]), dtype=object)
        else:
            laps[c] = _float_column(laps_df[c])
    raw: Any = laps_df["raw"] if "raw" in laps_df else [{}] * nl
    laps["raw"] = np.array([json.dumps(_clean(r or {})) for r in raw], dtype=object)
    ev = a.events
    ne = len(ev)
    events: dict[str, np.ndarray] = {
        "timestamp": _utc_us(ev["timestamp"]) if ne else np.zeros(0, dtype="datetime64[us]")
    }
    for name in ("event", "event_type"):
        events[name] = (
            np.array(_texts(ev[name]), dtype=object)
            if name in ev
            else np.full(ne, None, dtype=object)
        )
    data: Any = ev["data"] if "data" in ev else [None] * ne
    events["data"] = np.array([json.dumps(_clean(v)) for v in data], dtype=object)
    return PreparedRows(n, samples, dev, nl, laps, ne, events)


@dataclass(frozen=True)
class FileRows:
    """What one input file contributes to the store: its activities and their totals.

    ``prepared`` (one :class:`PreparedRows` per activity) may be made ahead, in
    another process; otherwise the store prepares them when writing.
    """

    activities: Sequence[Activity]
    totals: Sequence[Totals]
    size_bytes: int
    prepared: Sequence[PreparedRows] | None = None


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

    def add_video_analysis(
        self,
        athlete_id: int,
        activity_id: int,
        result: dict[str, Any],
        contact_sheet_png: bytes | None,
    ) -> int:
        """Attach a video gait analysis (its JSON and contact sheet) to an activity; its id."""
        row = self.con.execute(
            "INSERT INTO video_analyses (id, athlete_id, activity_id, clip, view, result,"
            " contact_sheet_png) VALUES (nextval('video_analysis_id_seq'), ?, ?, ?, ?, ?, ?)"
            " RETURNING id",
            [
                athlete_id,
                activity_id,
                str(result.get("clip", "")),
                str(result.get("view", "")),
                json.dumps(_clean(result)),
                contact_sheet_png,
            ],
        ).fetchone()
        assert row is not None
        return int(row[0])

    def video_analyses(self, athlete_id: int, activity_id: int) -> list[dict[str, Any]]:
        """The video analyses attached to an activity, oldest first:
        ``{"id", "clip", "view", "result", "contact_sheet_png", "created_at"}``."""
        rows = self.con.execute(
            "SELECT id, clip, view, result, contact_sheet_png, created_at FROM video_analyses"
            " WHERE athlete_id = ? AND activity_id = ? ORDER BY id",
            [athlete_id, activity_id],
        ).fetchall()
        return [
            {
                "id": int(r[0]),
                "clip": r[1],
                "view": r[2],
                "result": json.loads(r[3]),
                "contact_sheet_png": bytes(r[4]) if r[4] is not None else None,
                "created_at": r[5],
            }
            for r in rows
        ]

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

    def source_hashes(self, athlete_id: int) -> set[str]:
        """SHA-256 of every file this athlete has imported (one query, for a batch import)."""
        rows = self.con.execute(
            "SELECT sha256 FROM source_files WHERE athlete_id = ?", [athlete_id]
        ).fetchall()
        return {r[0] for r in rows}

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
        return self.add_files(athlete_id, [FileRows(activities, totals, size_bytes)])[0]

    def add_files(self, athlete_id: int, files: Sequence[FileRows]) -> list[list[int]]:
        """Store several files in one transaction, one bulk insert per table.

        All of them are stored, or none (a kill or an error mid-way leaves no trace).
        Returns, per file, the ids of its activities, or an empty list for a file the
        athlete already has (same content, also within this batch).
        """
        files = [f for f in files if f.activities]
        if not files:
            return []
        try:
            with self.transaction():
                return self._add_files(athlete_id, files)
        except duckdb.Error as exc:
            paths = ", ".join(f.activities[0].source.path for f in files[:3])
            more = f" and {len(files) - 3} more" if len(files) > 3 else ""
            raise StoreError(f"could not store {paths}{more}: {exc}".splitlines()[0]) from exc

    def _add_files(self, athlete_id: int, files: Sequence[FileRows]) -> list[list[int]]:
        shas = [f.activities[0].source.sha256 for f in files]
        seen = {
            r[0]
            for r in self.con.execute(
                "SELECT sha256 FROM source_files WHERE athlete_id = ? AND list_contains(?, sha256)",
                [athlete_id, shas],
            ).fetchall()
        }
        keep: list[FileRows] = []
        for f, sha in zip(files, shas, strict=True):
            if sha not in seen:
                seen.add(sha)
                keep.append(f)
        n = sum(len(f.activities) for f in keep)
        ids: list[int] = []
        if n:
            ids = [
                int(r[0])
                for r in self.con.execute(
                    "SELECT nextval('activity_id_seq') FROM range(?)", [n]
                ).fetchall()
            ]
        acts: list[tuple[int, Activity, Totals, PreparedRows]] = []
        it = iter(ids)
        for f in keep:
            prepared = f.prepared or [prepare_rows(a) for a in f.activities]
            for a, t, p in zip(f.activities, f.totals, prepared, strict=True):
                acts.append((next(it), a, t, p))
        if acts:
            self._insert_activities(athlete_id, acts)
            self._insert_samples([(aid, p) for aid, _, _, p in acts])
            self._insert_laps([(aid, p) for aid, _, _, p in acts])
            self._insert_source_files(athlete_id, keep)
            self._insert_events([(aid, p) for aid, _, _, p in acts])
        out: list[list[int]] = []
        pos = 0
        kept = {id(f) for f in keep}
        for f in files:
            if id(f) in kept:
                out.append(ids[pos : pos + len(f.activities)])
                pos += len(f.activities)
            else:
                out.append([])
        return out

    def _insert_activities(
        self, athlete_id: int, acts: Sequence[tuple[int, Activity, Totals, PreparedRows]]
    ) -> None:
        cols: dict[str, list[Any]] = {c: [] for c in _ACTIVITY_COLUMNS}
        for aid, a, t, p in acts:
            d: Device = a.device
            row = (
                aid,
                athlete_id,
                a.source.sha256,
                a.source.session_index,
                a.source.path,
                a.source.format,
                a.sport,
                a.sub_sport,
                a.name,
                pd.Timestamp(a.start_time).tz_convert("UTC")
                if pd.Timestamp(a.start_time).tzinfo is not None
                else pd.Timestamp(a.start_time).tz_localize("UTC"),
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
                p.n_samples,
                p.n_laps,
                a.partial,
                json.dumps(list(a.warnings)),
                json.dumps(_clean(a.summary)),
                json.dumps(a.developer_units),
            )
            for c, v in zip(_ACTIVITY_COLUMNS, row, strict=True):
                cols[c].append(v)
        types = {
            "id": pa.int64(),
            "athlete_id": pa.int32(),
            "session_index": pa.int32(),
            "start_time": pa.timestamp("us", tz="UTC"),
            "utc_offset_s": pa.int32(),
            "n_samples": pa.int32(),
            "n_laps": pa.int32(),
            "partial": pa.bool_(),
        }
        arrays = {}
        for c, values in cols.items():
            if c in types:
                arrays[c] = pa.array(values, type=types[c])
            elif c in _ACTIVITY_FLOATS:
                arrays[c] = pa.array(
                    [None if v is None else float(v) for v in values], type=pa.float64()
                )
            else:
                arrays[c] = pa.array([None if v is None else str(v) for v in values], pa.string())
        self._insert_arrow("activities", pa.table(arrays))

    def _insert_samples(self, items: Sequence[tuple[int, PreparedRows]]) -> None:
        items = [(aid, p) for aid, p in items if p.n_samples]
        if not items:
            return
        arrays = {
            "activity_id": _repeat_ids([(aid, p.n_samples) for aid, p in items]),
            "idx": pa.array(
                np.concatenate([np.arange(p.n_samples, dtype=np.int32) for _, p in items])
            ),
        }
        for c in SAMPLE_COLUMNS:
            arr = np.concatenate(
                [
                    p.samples[c] if c in p.samples else _absent_column(c, p.n_samples)
                    for _, p in items
                ]
            )
            if c == "timestamp":
                arrays[c] = _utc_arrow(arr)
            else:
                arrays[c] = pa.array(arr, from_pandas=c != "gps_spike")
        self._insert_arrow("samples", pa.table(arrays))
        dev = [(aid, p.dev) for aid, p in items if p.dev["value"].size]
        if dev:
            self._insert_arrow(
                "dev_samples",
                pa.table(
                    {
                        "activity_id": pa.array(
                            np.concatenate(
                                [np.full(d["value"].size, aid, dtype=np.int64) for aid, d in dev]
                            )
                        ),
                        "idx": pa.array(np.concatenate([d["idx"] for _, d in dev])),
                        "name": pa.array(
                            np.concatenate([d["name"] for _, d in dev]), type=pa.string()
                        ),
                        "value": pa.array(
                            np.concatenate([d["value"] for _, d in dev]), from_pandas=True
                        ),
                    }
                ),
            )

    def _insert_arrow(self, table: str, data: pa.Table) -> None:
        """Insert a whole Arrow table in one statement (columns named as in the table)."""
        if data.num_rows == 0:
            return
        self.con.register("_rows_in", data)
        try:
            cols = ", ".join(f'"{c}"' for c in data.column_names)
            self.con.execute(f"INSERT INTO {table} ({cols}) SELECT {cols} FROM _rows_in")
        finally:
            self.con.unregister("_rows_in")

    def _insert_laps(self, items: Sequence[tuple[int, PreparedRows]]) -> None:
        items = [(aid, p) for aid, p in items if p.n_laps]
        if not items:
            return
        arrays = {
            "activity_id": _repeat_ids([(aid, p.n_laps) for aid, p in items]),
            "lap_index": pa.array(
                np.concatenate([np.arange(p.n_laps, dtype=np.int32) for _, p in items])
            ),
        }
        for c in (*LAP_COLUMNS, "raw"):
            arr = np.concatenate([p.laps[c] for _, p in items])
            if c in ("start_time", "end_time"):
                arrays[c] = _utc_arrow(arr)
            elif arr.dtype == object:
                arrays[c] = pa.array(arr, type=pa.string(), from_pandas=True)
            else:
                arrays[c] = pa.array(arr, from_pandas=True)
        self._insert_arrow("laps", pa.table(arrays))

    def _insert_source_files(self, athlete_id: int, files: Sequence[FileRows]) -> None:
        srcs = [f.activities[0].source for f in files]
        self._insert_arrow(
            "source_files",
            pa.table(
                {
                    "athlete_id": pa.array([athlete_id] * len(files), type=pa.int32()),
                    "sha256": pa.array([s.sha256 for s in srcs], type=pa.string()),
                    "path": pa.array([s.path for s in srcs], type=pa.string()),
                    "format": pa.array([s.format for s in srcs], type=pa.string()),
                    "size_bytes": pa.array([f.size_bytes for f in files], type=pa.int64()),
                    "n_activities": pa.array([len(f.activities) for f in files], type=pa.int32()),
                }
            ),
        )

    def _insert_events(self, items: Sequence[tuple[int, PreparedRows]]) -> None:
        """The last rows a batch writes (tests kill the process right after this)."""
        items = [(aid, p) for aid, p in items if p.n_events]
        if not items:
            return
        arrays = {
            "activity_id": _repeat_ids([(aid, p.n_events) for aid, p in items]),
            "timestamp": _utc_arrow(np.concatenate([p.events["timestamp"] for _, p in items])),
        }
        for name in ("event", "event_type", "data"):
            arrays[name] = pa.array(
                np.concatenate([p.events[name] for _, p in items]),
                type=pa.string(),
                from_pandas=True,
            )
        self._insert_arrow("events", pa.table(arrays))

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
