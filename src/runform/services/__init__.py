"""Use cases: what the CLI (and later the web dashboard) calls.

Each function takes plain arguments, works on a :class:`~runform.store.db.Store`
and returns plain data; nothing here prints.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from runform.io.common import normalize_sport
from runform.io.sources import Member, ScanStats, count_candidates, iter_members
from runform.schema import Activity
from runform.store.db import ActivityRow, Store
from runform.store.migrations import LAP_COLUMNS


@dataclass
class ImportReport:
    """What one import did. ``failed`` holds ``{"path", "error"}`` per failed file."""

    imported: int = 0
    duplicates: int = 0
    skipped: int = 0
    failed: list[dict[str, str]] = field(default_factory=list)
    activity_ids: list[int] = field(default_factory=list)
    partial: list[dict[str, str]] = field(default_factory=list)
    skipped_files: list[dict[str, str]] = field(default_factory=list)

    def as_json(self) -> dict[str, Any]:
        """The ``runform import --json`` object."""
        return {
            "imported": self.imported,
            "duplicates": self.duplicates,
            "skipped": self.skipped,
            "failed": self.failed,
            "activity_ids": self.activity_ids,
            "partial": self.partial,
        }


ProgressFn = Callable[[str, int], None]
"""Called after each input member with (label, members done so far)."""


def _apply_hints(acts: list[Activity], member: Member) -> list[Activity]:
    """Join Strava activities.csv names/types onto the activities of a member."""
    if member.name is None and member.sport_hint is None:
        return acts
    from dataclasses import replace

    out = []
    for a in acts:
        name = a.name or member.name
        sport = a.sport
        if member.sport_hint and sport == "generic":
            sport = normalize_sport(member.sport_hint)
        out.append(replace(a, name=name, sport=sport))
    return out


def import_paths(
    store: Store,
    paths: Sequence[str | Path],
    *,
    athlete: str,
    progress: ProgressFn | None = None,
    workers: int | None = None,
    expected_files: int | None = None,
    labels: Mapping[str, str] | None = None,
) -> ImportReport:
    """Import files, folders and archives for an athlete.

    Files are read on every core (``workers`` processes, default one per core) and
    written several to a transaction (see :mod:`runform.services.importer`).
    Unknown files are counted as skipped; a bad file is reported and the batch goes on.
    ``expected_files`` (e.g. from :func:`count_inputs`) lets a small import skip the
    process pool. ``labels`` maps a path as given to the name the user knows it by
    (an upload saved under a temporary name): reports and the stored source path use it.
    """
    from runform.services.importer import run_import

    athlete_id = store.athlete_id(athlete, create=True)
    report = ImportReport()
    stats = ScanStats()
    run_import(
        store,
        athlete_id,
        _relabel(iter_members(list(paths), stats), labels or {}),
        report,
        apply_hints=_apply_hints,
        progress=progress,
        workers=workers,
        expected_files=expected_files,
    )
    report.skipped += stats.skipped
    return report


def _relabel(members: Iterator[Member], labels: Mapping[str, str]) -> Iterator[Member]:
    """Members with a given path's prefix replaced by the name the user knows it by."""
    if not labels:
        yield from members
        return
    from dataclasses import replace

    for m in members:
        for given, name in labels.items():
            if m.label == given or m.label.startswith(given + "!"):
                m = replace(m, label=name + m.label[len(given) :])
                break
        yield m


def count_inputs(paths: Sequence[str | Path]) -> int:
    """A cheap count of candidate files (for a progress bar)."""
    return count_candidates(list(paths))


def list_activities(
    store: Store, athlete: str, *, since: datetime | None = None, sport: str | None = None
) -> list[ActivityRow]:
    """Activities of an athlete, oldest first."""
    return store.list_activities(store.athlete_id(athlete), since=since, sport=sport)


def _num(v: Any) -> Any:
    if isinstance(v, float) and not math.isfinite(v):
        return None
    return v


def activity_json(row: ActivityRow) -> dict[str, Any]:
    """The ``runform activities --json`` object of one activity."""
    return {
        "id": row.id,
        "start_time": _iso_utc(row.start_time),
        "local_start_time": _iso_local(row.start_time, row.utc_offset_s),
        "sport": row.sport,
        "sub_sport": row.sub_sport,
        "name": row.name,
        "distance_m": _num(row.distance_m),
        "moving_time_s": _num(row.moving_time_s),
        "elapsed_time_s": _num(row.elapsed_time_s),
        "timer_time_s": _num(row.timer_time_s),
        "avg_speed_mps": _num(row.avg_speed_mps),
        "avg_cadence_spm": _num(row.avg_cadence_spm),
        "avg_heart_rate_bpm": _num(row.avg_heart_rate_bpm),
        "device": row.device,
        "source": row.source,
        "partial": row.partial,
    }


def _iso_utc(ts: datetime) -> str:
    from datetime import UTC

    return ts.astimezone(UTC).isoformat().replace("+00:00", "Z")


def _iso_local(ts: datetime, offset_s: int | None) -> str | None:
    from datetime import timedelta, timezone

    if offset_s is None:
        return None
    return ts.astimezone(timezone(timedelta(seconds=offset_s))).isoformat()


_LAP_SHOWN = {
    "start_time",
    "end_time",
    "distance",
    "timer_time",
    "elapsed_time",
    "avg_speed",
    "avg_cadence",
    "sport",
}


def show_activity(store: Store, athlete: str, activity_id: int) -> dict[str, Any]:
    """Summary and laps of one activity (``runform show --json``)."""
    aid = store.athlete_id(athlete)
    rec = store.activity_record(aid, activity_id)
    laps = store.laps(activity_id)
    lap_list = []
    for lap in laps.to_dict("records"):
        start = lap.get("start_time")
        item = {
            "index": int(lap["lap_index"]),
            "start": _iso_utc(start) if start is not None and not _isnat(start) else None,
            "distance_m": _num(lap.get("distance")),
            "duration_s": _num(lap.get("timer_time")),
            "elapsed_s": _num(lap.get("elapsed_time")),
            "avg_speed_mps": _num(lap.get("avg_speed")),
            "avg_cadence_spm": _num(lap.get("avg_cadence")),
        }
        # Every other lap value the device recorded, under its canonical name (SI units).
        for k in (c for c in LAP_COLUMNS if c not in _LAP_SHOWN):
            v = _num(lap.get(k))
            if v is not None:
                item[k] = v
        lap_list.append(item)
    rows = store.list_activities(aid)
    row = next(r for r in rows if r.id == activity_id)
    out = activity_json(row)
    out.update(
        {
            "device_summary": {k: _num(v) for k, v in (rec["summary"] or {}).items() if k != "raw"},
            "warnings": rec["warnings"] or [],
            "developer_fields": rec["developer_units"] or {},
            "n_samples": rec["n_samples"],
            "max_heart_rate_bpm": _num(rec["max_heart_rate_bpm"]),
            "total_ascent_m": _num(rec["total_ascent_m"]),
            "laps": lap_list,
        }
    )
    return out


def _isnat(v: Any) -> bool:
    try:
        import pandas as pd

        return bool(pd.isna(v))
    except (TypeError, ValueError):
        return False


def export_streams(store: Store, athlete: str, activity_id: int, fmt: str, out: Path) -> int:
    """Write an activity's streams (SI column names) to CSV or Parquet; return the row count.

    The file is written to a temporary name and renamed, so a failure never leaves half a file.
    """
    aid = store.athlete_id(athlete)
    store.activity_record(aid, activity_id)  # raises NotFoundError when missing
    df = store.streams(activity_id)
    tmp = out.with_name(out.name + ".part")
    out.parent.mkdir(parents=True, exist_ok=True)
    if fmt == "csv":
        df.to_csv(tmp, index=False)
    elif fmt == "parquet":
        df.to_parquet(tmp, index=False)
    else:
        raise ValueError(fmt)
    tmp.replace(out)
    return len(df)
