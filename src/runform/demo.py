"""``runform demo``: the built-in default, needing no data from anyone.

It writes a synthetic 16-week marathon block as real FIT files (with the
planted truth as JSON beside each file, see :mod:`runform.synth`), imports them
through the normal import path into a store of its own, adds the plan the block
followed, reports what the import found next to what was planted, and writes
the season, long-run and plan reports (HTML) into ``reports/``.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Callable
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from runform import services
from runform.services.fitness import fitness, mark_race
from runform.services.metrics_cache import warm_metrics
from runform.services.plan import create_plan
from runform.services.profile import set_profile
from runform.services.training_load import load_report
from runform.store.db import Store

DEMO_ATHLETE = "demo"


def default_demo_dir() -> Path:
    """``<user data folder>/demo``: where the demo writes its files and store."""
    import platformdirs

    return Path(platformdirs.user_data_dir("runform", appauthor=False)) / "demo"


def run_demo(
    folder: Path | None,
    *,
    weeks: int = 16,
    on_generated: Callable[[int, int], None] | None = None,
    on_imported: Callable[[str, int], None] | None = None,
) -> dict[str, Any]:
    """Generate the synthetic block, import it into a fresh demo store, and summarise.

    Parameters
    ----------
    folder : Path or None
        Where to write ``files/`` and ``runform-demo.duckdb`` (default :func:`default_demo_dir`).
    weeks : int
        Length of the block [weeks].
    on_generated, on_imported : callable, optional
        Progress callbacks (files written so far, total) and (label, files imported so far).
    """
    from runform.synth import generate_block

    root = (folder or default_demo_dir()).expanduser()
    files_dir = root / "files"
    db = root / "runform-demo.duckdb"
    root.mkdir(parents=True, exist_ok=True)
    for stale in (db, db.with_name(db.name + ".wal")):
        stale.unlink(missing_ok=True)  # the demo store is rebuilt from scratch each time
    truth = generate_block(files_dir, weeks=weeks, progress=on_generated)
    block = json.loads(Path(truth.block_truth_file).read_text())
    with Store(db) as store:
        report = services.import_paths(
            store, [Path(p) for p in truth.fit_files], athlete=DEMO_ATHLETE, progress=on_imported
        )
        rows = services.list_activities(store, DEMO_ATHLETE)
        # What a runner would tell runform about themselves, and their race.
        ath = block["athlete"]
        set_profile(
            store,
            DEMO_ATHLETE,
            {k: ath[k] for k in ("sex", "birth_year", "hr_max", "hr_rest")},
        )
        starts = {r.start_time.strftime("%Y-%m-%dT%H:%M:%SZ"): r.id for r in rows}
        for tf in truth.truth_files:
            run = json.loads(Path(tf).read_text())
            if run["type"] == "race" and run["start_time"] in starts:
                mark_race(store, DEMO_ATHLETE, starts[run["start_time"]])
        # The plan the block followed, made the day before it began: so the plan pages
        # show plan against done for every week.
        first = date.fromisoformat(str(block["start_date"]))
        race_day = date.fromisoformat(str(block["race_date"]))
        plan_weeks = max(12, min(20, ((race_day - first).days + 7) // 7))
        create_plan(
            store,
            DEMO_ATHLETE,
            race_date=race_day,
            weeks=plan_weeks,
            today=first - timedelta(days=1),
        )
        # Fill the per-activity metrics cache so the history views open fast.
        warm_metrics(store, DEMO_ATHLETE)
    with Store(db, read_only=True) as store:
        fit = fitness(store, DEMO_ATHLETE)
        load = load_report(store, DEMO_ATHLETE, weeks=weeks, vdot=fit["current"]["vdot"])
    planted = Counter(f["type"] for f in block["files"])
    by_id = dict(zip(report.activity_ids, block["files"], strict=False))
    reports = _write_reports(db, root / "reports", by_id, weeks)
    weekly: list[dict[str, Any]] = []
    for w in block["weekly"]:
        runs = [r for r in rows if by_id.get(r.id, {}).get("week") == w["week"]]
        km = sum((r.distance_m or 0.0) for r in runs) / 1000.0
        longest = max(((r.distance_m or 0.0) / 1000.0 for r in runs), default=0.0)
        weekly.append(
            {
                "week": w["week"],
                "phase": w["phase"],
                "runs": len(runs),
                "km": round(km, 1),
                "planted_km": w["actual_km"],
                "long_run_km": round(longest, 1),
                "types": sorted({by_id[r.id]["type"] for r in runs if r.id in by_id}),
            }
        )
    cad = [r.avg_cadence_spm for r in rows if r.avg_cadence_spm]
    return {
        "folder": str(root),
        "store": str(db),
        "athlete": DEMO_ATHLETE,
        "files_written": len(truth.fit_files),
        "records_written": truth.n_records,
        "import": report.as_json() | {"activity_ids": len(report.activity_ids)},
        "activities": len(rows),
        "total_km": round(sum((r.distance_m or 0.0) for r in rows) / 1000.0, 1),
        "planted_types": dict(planted),
        "race_date": str(block["race_date"]),
        "vdot": block["vdot"],
        "load_spike_week": block["load_spike"]["week"] if block.get("load_spike") else None,
        "mean_cadence_spm": round(sum(cad) / len(cad), 1) if cad else None,
        "weekly": weekly,
        "fitness": {
            "vdot": fit["current"]["vdot"],
            "source": fit["current"]["source"],
            "heart_rate_vdot": fit["heart_rate"]["vdot"],
        },
        "load": {"metric": load["metric"], "today": load["today"], "flags": load["flags"]},
        "reports": reports,
    }


def _write_reports(
    db: Path, folder: Path, by_id: dict[int, dict[str, Any]], weeks: int
) -> dict[str, str]:
    """Write the season report and the longest long run's report; return their paths."""
    from runform import report

    folder.mkdir(parents=True, exist_ok=True)
    long_runs = [(f.get("distance_m") or 0.0, i) for i, f in by_id.items() if f["type"] == "long"]
    out: dict[str, str] = {}
    with Store(db) as store:  # writable: the reports fill the metrics cache as they go
        season = folder / "season.html"
        season.write_text(report.season_html(store, DEMO_ATHLETE, weeks=weeks), encoding="utf-8")
        out["season"] = str(season)
        if long_runs:
            run_id = max(long_runs)[1]
            run = folder / f"long-run-{run_id}.html"
            run.write_text(report.activity_html(store, DEMO_ATHLETE, run_id), encoding="utf-8")
            out["long_run"] = str(run)
        plan = folder / "plan.html"
        plan.write_text(report.plan_html(store, DEMO_ATHLETE), encoding="utf-8")
        out["plan"] = str(plan)
    return out
