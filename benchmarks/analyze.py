"""Time the form analytics on a 3-hour 1 Hz run and the cadence refit over 1,000 activities.

Targets (issue 4): analysing a 3-hour 1 Hz run < 50 ms median; refitting the
personal cadence model over 1,000 activities < 2 s. The named peer measured in
the same run is bare fitdecode decoding of the same run's FIT file: the ratio
says how many times faster the whole analysis is than just reading the file
with the reference Python decoder.

Usage::

    .venv/bin/python benchmarks/analyze.py [--repeat 15]
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import tempfile
import time
import warnings
from collections.abc import Callable
from pathlib import Path

import fitdecode
import pandas as pd
from _machine import cpu_name

import runform
from runform.core.cadence import fit_cadence_model, steady_samples
from runform.core.classify import classify_run
from runform.core.durability import durability
from runform.core.dynamics import running_dynamics
from runform.core.hills import analyze_hills, grade_stream
from runform.core.intervals import detect_intervals
from runform.core.signal import clean_streams
from runform.core.strides import detect_strides
from runform.schema import Activity
from runform.synth import generate_block


def analyse(act: Activity) -> None:
    """Every per-activity analysis ``runform analyze`` runs (without the store)."""
    clean = clean_streams(act.streams)
    grade = grade_stream(act.streams)
    durability(clean)
    analyze_hills(act.streams, grade=grade)
    iv = detect_intervals(act.streams, act.laps, act.start_time)
    detect_strides(act.streams, grade=grade)
    running_dynamics(act.streams)
    classify_run(act.streams, act.laps, act.start_time, intervals=iv)


def fitdecode_read(path: Path) -> None:
    """The peer: decode every frame of the file with fitdecode."""
    with warnings.catch_warnings(), fitdecode.FitReader(str(path)) as reader:
        warnings.simplefilter("ignore")
        for _frame in reader:
            pass


def median_ms(fn: Callable[[], object], repeat: int) -> float:
    """Median wall time [ms] of ``repeat`` calls."""
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        times.append((time.perf_counter() - t0) * 1000.0)
    return statistics.median(times)


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark and print the figures."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeat", type=int, default=15)
    args = ap.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        block = generate_block(Path(tmp), weeks=16)
        race = next(Path(p) for p in block.fit_files if "race" in Path(p).name)
        act = runform.read(race)
        runs = [runform.read(p) for p in block.fit_files]
        analyse(act)  # warm-up (imports, caches)
        hours = float(act.streams["time"].iloc[-1]) / 3600.0
        ours = median_ms(lambda: analyse(act), args.repeat)
        peer = median_ms(lambda: fitdecode_read(race), max(3, args.repeat // 3))
        bins = [steady_samples(a.streams).to_bins() for a in runs]
        thousand = [bins[i % len(bins)] for i in range(1000)]
        refit = median_ms(lambda: fit_cadence_model(thousand), max(3, args.repeat // 3))
        t0 = time.perf_counter()
        for a in runs:
            steady_samples(a.streams)
        per_activity_ms = (time.perf_counter() - t0) * 1000.0 / len(runs)
    cpu = cpu_name()
    print(
        f"machine: {os.cpu_count()} cores, {cpu}; Python {platform.python_version()}, "
        f"pandas {pd.__version__}"
    )
    print(f"run: {race.name}, {len(act.streams)} samples, {hours:.2f} h at 1 Hz")
    print(
        f"analyse one run (all analyses), median of {args.repeat}: {ours:.1f} ms  (target < 50 ms)"
    )
    print(
        f"peer, fitdecode decoding the same file: {peer:.1f} ms; ratio peer/ours: {peer / ours:.1f}x"
    )
    print(
        f"refit cadence model over 1,000 activities' stored bins: {refit:.1f} ms  (target < 2000 ms)"
    )
    print(
        f"  (reducing one activity to its bins, which the 1,000-run refit assumes stored: "
        f"{per_activity_ms:.1f} ms per activity)"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
