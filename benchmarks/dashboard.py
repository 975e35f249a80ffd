"""Time the season-level services (the season report's data) on a store of ~1,000 runs.

Target (per-activity metrics cache): the season HTML report renders for 1,000
activities in < 0.5 s median, server side. The named peer measured in the same run is
the uncached computation: the same service calls with the metrics cache bypassed
(:func:`runform.services.metrics_cache.bypass`), i.e. what every call cost before the
cache. The cold time (the first, cache-filling :func:`warm_metrics` on a store that
has never been warmed) is printed too.

The store is built once through the normal import path (synthetic 16-week blocks
from :func:`runform.synth.generate_block` with consecutive start dates and different
seeds and VDOTs, written as FIT files and imported) and kept under ``--dir``. The
timed copy gets a 16-week plan over the last 16 weeks of runs (unless ``--no-plan``),
so plan adherence is part of the season report, and the plan report is timed too.

Usage::

    .venv/bin/python benchmarks/dashboard.py [--dir /tmp/runform-bench-dashboard]
        [--runs 1000] [--repeat 7] [--peer-repeat 1] [--no-plan]
"""

from __future__ import annotations

import argparse
import importlib
import json
import os
import platform
import shutil
import statistics
import time
from collections.abc import Callable
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from runform import services
from runform.errors import RunformError
from runform.services.fitness import fitness, mark_race
from runform.services.form import form_history
from runform.services.metrics_cache import bypass, warm_metrics
from runform.services.profile import set_profile
from runform.services.training_load import load_report
from runform.store.db import Store

ATHLETE = "bench"
WEEKS = 16
FIRST_MONDAY = date(2022, 1, 3)


def build_store(folder: Path, n_runs: int) -> Path:
    """The benchmark store (built once, reused): ``n_runs`` or a few more synthetic runs."""
    from runform.synth import generate_block

    base = folder / "base.duckdb"
    if base.exists():
        with Store(base, read_only=True) as s:
            have = len(s.list_activities(s.athlete_id(ATHLETE)))
        if have >= n_runs:
            return base
    folder.mkdir(parents=True, exist_ok=True)
    tmp = folder / "base.building.duckdb"
    tmp.unlink(missing_ok=True)
    total, block = 0, 0
    with Store(tmp) as s:
        while total < n_runs:
            start = FIRST_MONDAY + timedelta(weeks=WEEKS * block)
            out = folder / "files" / f"block{block:02d}"
            truth = generate_block(
                out, weeks=WEEKS, seed=100 + block, start=start, vdot=46.0 + 0.6 * block
            )
            rep = services.import_paths(s, [Path(p) for p in truth.fit_files], athlete=ATHLETE)
            total += rep.imported
            meta = json.loads(Path(truth.block_truth_file).read_text())
            if block == 0:
                ath = meta["athlete"]
                keys = ("sex", "birth_year", "hr_max", "hr_rest")
                set_profile(s, ATHLETE, {k: ath[k] for k in keys})
            rows = services.list_activities(s, ATHLETE)
            starts = {r.start_time.strftime("%Y-%m-%dT%H:%M:%SZ"): r.id for r in rows}
            for tf in truth.truth_files:
                run = json.loads(Path(tf).read_text())
                if run["type"] == "race" and run["start_time"] in starts:
                    mark_race(s, ATHLETE, starts[run["start_time"]])
            print(f"  block {block}: {rep.imported} runs imported ({total} in all)", flush=True)
            block += 1
        s.con.execute("CHECKPOINT")
    tmp.replace(base)
    return base


def add_plan(store: Store) -> None:
    """A 16-week plan (from the history) whose weeks are the last 16 weeks of runs, all
    judged: its race is the Sunday after the last run, it was made the day before it began."""
    from runform.services.plan import create_plan

    last = store.list_activities(store.athlete_id(ATHLETE))[-1].start_time.date()
    race = last + timedelta(days=7 + (6 - last.weekday()))
    create_plan(
        store, ATHLETE, race_date=race, weeks=WEEKS, today=race - timedelta(weeks=WEEKS + 1)
    )


def has_plan(store: Store) -> bool:
    """True when the athlete has a plan (then adherence is part of the season calls)."""
    try:
        store.current_plan(store.athlete_id(ATHLETE))
    except RunformError:
        return False
    return True


def season_services(store: Store, plan: bool) -> None:
    """The season-level service calls of the report."""
    fit = fitness(store, ATHLETE)
    load_report(store, ATHLETE, weeks=WEEKS, vdot=fit["current"]["vdot"])
    form_history(store, ATHLETE, weeks=WEEKS)
    if plan:
        from runform.services.plan import adherence

        adherence(store, ATHLETE)


def median_s(fn: Callable[[], object], repeat: int) -> tuple[float, list[float]]:
    """Median wall time [s] of ``repeat`` calls, and every time."""
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times), times


def _season_html() -> Callable[..., str] | None:
    try:
        report = importlib.import_module("runform.report")
    except ImportError:
        return None
    fn = getattr(report, "season_html", None)
    return fn if callable(fn) else None


def main(argv: list[str] | None = None) -> int:
    """Build (once) the store, then print cold, cached and uncached timings."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--dir", type=Path, default=Path("/tmp/runform-bench-dashboard"))
    ap.add_argument("--runs", type=int, default=1000)
    ap.add_argument("--repeat", type=int, default=7, help="repeats of the cached calls")
    ap.add_argument("--peer-repeat", type=int, default=1, help="repeats of the uncached peer")
    ap.add_argument("--no-plan", action="store_true", help="time the season without a plan")
    args = ap.parse_args(argv)

    print(f"python {platform.python_version()} on {platform.machine()}, {os.cpu_count()} CPUs")
    t0 = time.perf_counter()
    base = build_store(args.dir, args.runs)
    print(f"store: {base} (ready in {time.perf_counter() - t0:.1f} s)")
    work = args.dir / "work.duckdb"
    shutil.copy(base, work)
    with Store(work) as s:
        aid = s.athlete_id(ATHLETE)
        n = len(s.list_activities(aid))
        s.con.execute("DELETE FROM activity_metrics")  # cold: as after a fresh import
        t0 = time.perf_counter()
        info = warm_metrics(s, ATHLETE)
        cold = time.perf_counter() - t0
        if not args.no_plan and not has_plan(s):
            add_plan(s)
        s.con.execute("CHECKPOINT")
    print(f"activities: {n}")
    print(f"cold: warm_metrics (first, cache-filling pass) {cold:.2f} s, {info['rows']} rows")

    html = _season_html()
    with Store(work, read_only=True) as s:
        plan = has_plan(s)
        what = "fitness + load + form" + (" + adherence" if plan else "; no plan, no adherence")
        season_services(s, plan)  # first read of the file and of the imports, not timed
        svc, svc_all = median_s(lambda: season_services(s, plan), args.repeat)
        print(
            f"cached   season services ({what}): "
            f"median {svc * 1000:.0f} ms of {args.repeat} "
            f"[{', '.join(f'{x * 1000:.0f}' for x in svc_all)}]"
        )
        with bypass():
            peer, peer_all = median_s(lambda: season_services(s, plan), args.peer_repeat)
        print(
            f"uncached season services (peer, cache bypassed): median {peer:.2f} s of "
            f"{args.peer_repeat} [{', '.join(f'{x:.2f}' for x in peer_all)}]"
        )
        print(f"ratio uncached / cached: {peer / svc:.0f}x")
        if html is None:
            print("runform.report.season_html not available yet: season report not timed")
            return 0
        page: Any = html(s, ATHLETE, weeks=WEEKS)
        rep, _ = median_s(lambda: html(s, ATHLETE, weeks=WEEKS), args.repeat)
        verdict = "meets" if rep < 0.5 else "MISSES"
        print(
            f"cached   season_html: median {rep * 1000:.0f} ms of {args.repeat} "
            f"({len(page) / 1000:.0f} kB) -> {verdict} the < 0.5 s target"
        )
        with bypass():
            rpeer, _ = median_s(lambda: html(s, ATHLETE, weeks=WEEKS), args.peer_repeat)
        print(f"uncached season_html (peer): {rpeer:.2f} s; ratio {rpeer / rep:.0f}x")
        if plan:
            from runform.report import plan_html

            plan_html(s, ATHLETE)
            prep, _ = median_s(lambda: plan_html(s, ATHLETE), args.repeat)
            with bypass():
                ppeer, _ = median_s(lambda: plan_html(s, ATHLETE), args.peer_repeat)
            print(
                f"cached   plan_html: median {prep * 1000:.0f} ms of {args.repeat}; "
                f"uncached (peer) {ppeer:.2f} s; ratio {ppeer / prep:.0f}x"
            )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
