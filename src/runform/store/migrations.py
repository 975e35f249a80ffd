"""Named, idempotent schema migrations, recorded in the database.

Each migration runs once, inside a transaction, and its name is written to
``schema_migrations``. Never edit a migration that has shipped: add a new one.
"""

from __future__ import annotations

SAMPLE_COLUMNS: tuple[str, ...] = (
    "time",
    "timestamp",
    "distance",
    "speed",
    "cadence",
    "heart_rate",
    "altitude",
    "latitude",
    "longitude",
    "grade",
    "power",
    "ground_contact_time",
    "gct_balance",
    "vertical_oscillation",
    "vertical_ratio",
    "step_length",
    "temperature",
    "gps_spike",
)
"""Stream columns stored in ``samples`` (the canonical streams of runform.schema)."""

LAP_COLUMNS: tuple[str, ...] = (
    "start_time",
    "end_time",
    "elapsed_time",
    "timer_time",
    "moving_time",
    "distance",
    "avg_speed",
    "max_speed",
    "avg_cadence",
    "max_cadence",
    "avg_heart_rate",
    "max_heart_rate",
    "total_ascent",
    "total_descent",
    "avg_power",
    "avg_ground_contact_time",
    "avg_gct_balance",
    "avg_vertical_oscillation",
    "avg_vertical_ratio",
    "avg_step_length",
    "total_steps",
    "calories",
    "intensity",
    "trigger",
    "sport",
)
"""Lap summary columns stored in ``laps`` (runform.schema.SUMMARY)."""

_TEXT_LAP = {"intensity", "trigger", "sport"}
_TIME_LAP = {"start_time", "end_time"}


def _lap_column_sql() -> str:
    cols = []
    for c in LAP_COLUMNS:
        kind = "TIMESTAMPTZ" if c in _TIME_LAP else "VARCHAR" if c in _TEXT_LAP else "DOUBLE"
        cols.append(f"{c} {kind}")
    return ",\n    ".join(cols)


def _sample_column_sql() -> str:
    cols = []
    for c in SAMPLE_COLUMNS:
        kind = "TIMESTAMPTZ" if c == "timestamp" else "BOOLEAN" if c == "gps_spike" else "DOUBLE"
        cols.append(f"{c} {kind}")
    return ",\n    ".join(cols)


MIGRATIONS: list[tuple[str, str]] = [
    (
        "0001_initial",
        f"""
CREATE TABLE athletes (
    id INTEGER PRIMARY KEY,
    name VARCHAR NOT NULL UNIQUE,
    created_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    profile JSON
);
CREATE SEQUENCE athlete_id_seq START 1;
CREATE SEQUENCE activity_id_seq START 1;
CREATE TABLE source_files (
    athlete_id INTEGER NOT NULL,
    sha256 VARCHAR NOT NULL,
    path VARCHAR NOT NULL,
    format VARCHAR NOT NULL,
    size_bytes BIGINT,
    imported_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    n_activities INTEGER NOT NULL,
    PRIMARY KEY (athlete_id, sha256)
);
CREATE TABLE activities (
    id BIGINT PRIMARY KEY,
    athlete_id INTEGER NOT NULL,
    source_sha256 VARCHAR NOT NULL,
    session_index INTEGER NOT NULL,
    source_path VARCHAR NOT NULL,
    format VARCHAR NOT NULL,
    sport VARCHAR NOT NULL,
    sub_sport VARCHAR,
    name VARCHAR,
    start_time TIMESTAMPTZ NOT NULL,
    utc_offset_s INTEGER,
    device_manufacturer VARCHAR,
    device_product VARCHAR,
    device_serial VARCHAR,
    device_software VARCHAR,
    distance_m DOUBLE,
    elapsed_time_s DOUBLE,
    timer_time_s DOUBLE,
    moving_time_s DOUBLE,
    avg_speed_mps DOUBLE,
    avg_cadence_spm DOUBLE,
    avg_heart_rate_bpm DOUBLE,
    max_heart_rate_bpm DOUBLE,
    total_ascent_m DOUBLE,
    n_samples INTEGER NOT NULL,
    n_laps INTEGER NOT NULL,
    partial BOOLEAN NOT NULL,
    warnings JSON,
    summary JSON,
    developer_units JSON,
    imported_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    UNIQUE (athlete_id, source_sha256, session_index)
);
CREATE TABLE laps (
    activity_id BIGINT NOT NULL,
    lap_index INTEGER NOT NULL,
    {_lap_column_sql()},
    raw JSON,
    PRIMARY KEY (activity_id, lap_index)
);
CREATE TABLE samples (
    activity_id BIGINT NOT NULL,
    idx INTEGER NOT NULL,
    {_sample_column_sql()}
);
CREATE TABLE dev_samples (
    activity_id BIGINT NOT NULL,
    idx INTEGER NOT NULL,
    name VARCHAR NOT NULL,
    value DOUBLE
);
CREATE TABLE events (
    activity_id BIGINT NOT NULL,
    timestamp TIMESTAMPTZ,
    event VARCHAR,
    event_type VARCHAR,
    data VARCHAR
);
""",
    ),
    (
        "0002_races",
        """
CREATE TABLE races (
    id INTEGER PRIMARY KEY,
    athlete_id INTEGER NOT NULL,
    activity_id BIGINT,
    race_date DATE NOT NULL,
    distance_m DOUBLE NOT NULL,
    time_s DOUBLE NOT NULL,
    label VARCHAR,
    created_at TIMESTAMPTZ NOT NULL DEFAULT now()
);
CREATE SEQUENCE race_id_seq START 1;
""",
    ),
    (
        "0003_plans",
        """
CREATE TABLE plans (
    id INTEGER PRIMARY KEY,
    athlete_id INTEGER NOT NULL,
    created_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    inputs JSON NOT NULL,
    plan JSON NOT NULL
);
CREATE SEQUENCE plan_id_seq START 1;
""",
    ),
    (
        # Per-activity derived results (runform.services.metrics_cache). ``params`` is a hash of
        # every input that changes the answer (profile values, paces, model, code version);
        # ``source_sha256`` is the activity's source at compute time, so a row is served only
        # while the activity it was computed from is still the one stored under that id.
        "0004_activity_metrics",
        """
CREATE TABLE activity_metrics (
    activity_id BIGINT NOT NULL,
    kind VARCHAR NOT NULL,
    params VARCHAR NOT NULL,
    source_sha256 VARCHAR NOT NULL,
    payload JSON,
    computed_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    PRIMARY KEY (activity_id, kind, params)
);
""",
    ),
    (
        # Video gait analyses attached to an activity (runform video CLIP --activity ID): the
        # result JSON and the contact sheet PNG, so the activity report shows them even when
        # the output folder is gone.
        "0005_video_analyses",
        """
CREATE TABLE video_analyses (
    id INTEGER PRIMARY KEY,
    athlete_id INTEGER NOT NULL,
    activity_id BIGINT NOT NULL,
    clip VARCHAR NOT NULL,
    view VARCHAR NOT NULL,
    result JSON NOT NULL,
    contact_sheet_png BLOB,
    created_at TIMESTAMPTZ NOT NULL DEFAULT now()
);
CREATE SEQUENCE video_analysis_id_seq START 1;
""",
    ),
]
