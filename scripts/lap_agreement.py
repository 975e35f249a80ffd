"""Print the lap-agreement report of the real-file corpus as Markdown.

For every running session in the corpus whose file has laps, recompute each
lap's averages from the record streams over the lap's time range
(:func:`runform.core.laps.lap_averages`, cadence averaged the way the device
family does, :mod:`runform.core.agreement`) and hold them against the device's
own lap values (:data:`runform.core.laps.LAP_TOLERANCES`). Then, on files whose
laps are a structured interval workout, compare the reps detected from speed
(:func:`runform.core.intervals.detect_intervals`) with the work laps.

Usage::

    .venv/bin/python scripts/lap_agreement.py [CORPUS] > docs/validation/lap-agreement.md

``CORPUS`` defaults to ``/work/shared/corpus`` (or ``$RUNFORM_CORPUS``). Only
files the corpus ``MANIFEST.tsv`` lists with a running sport are read (all FIT
and TCX files without a manifest). The reviewed note of each known disagreement
is taken from ``tests/corpus/test_lap_agreement.py`` (``KNOWN_EXCEPTIONS``,
``KNOWN_REP_EXCEPTIONS``); the reason before it is computed from the data.
"""

from __future__ import annotations

import csv
import importlib.util
import math
import os
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from runform import read_all
from runform.core.agreement import (
    RULES,
    average_cadence,
    device_family,
    running_periods,
    sample_weights,
)
from runform.core.intervals import IntervalResult, detect_intervals
from runform.core.laps import LAP_TOLERANCES, compare_lap_averages, lap_averages, lap_windows
from runform.errors import RunformError
from runform.schema import Activity

SUFFIXES = (".fit", ".tcx", ".fit.gz", ".tcx.gz")
REPO = Path(__file__).resolve().parent.parent
TEST_FILE = REPO / "tests" / "corpus" / "test_lap_agreement.py"
UNITS = {
    "avg_speed": ("m/s", 3, 1.0),
    "avg_cadence": ("steps/min", 1, 1.0),
    "avg_ground_contact_time": ("ms", 1, 1000.0),
    "avg_vertical_oscillation": ("mm", 1, 1000.0),
}


@dataclass(frozen=True)
class Session:
    """One running session with laps, its recomputed lap averages and their comparison."""

    path: str
    activity: Activity
    ours: pd.DataFrame
    comparison: pd.DataFrame
    intervals: IntervalResult


def corpus_files(corpus: Path) -> list[Path]:
    """FIT/TCX files the manifest lists with a running sport (all of them without one)."""
    files = sorted(
        p for p in corpus.rglob("*") if p.is_file() and p.name.lower().endswith(SUFFIXES)
    )
    manifest = corpus / "MANIFEST.tsv"
    if not manifest.is_file():
        return files
    with manifest.open(newline="", encoding="utf-8") as fh:
        running = {
            r["path"] for r in csv.DictReader(fh, delimiter="\t") if "run" in r["sport"].lower()
        }
    return [p for p in files if p.relative_to(corpus).as_posix() in running]


def check(path: str, act: Activity) -> Session:
    """Recompute and compare the laps of one session (the way the corpus test does)."""
    periods = running_periods(act)
    rule = device_family(act.device).rule
    ours = lap_averages(act.streams, act.laps, act.start_time, cadence_rule=rule, periods=periods)
    comparison = compare_lap_averages(ours, act.laps)
    intervals = detect_intervals(
        act.streams, act.laps, act.start_time, periods=periods, use_laps=False
    )
    return Session(path, act, ours, comparison, intervals)


def walk(corpus: Path) -> tuple[list[Session], int, int]:
    """Every running session with laps; also the number of files read and refused."""
    out: list[Session] = []
    n_read = n_refused = 0
    for path in corpus_files(corpus):
        try:
            activities = read_all(path)
        except RunformError:
            n_refused += 1
            continue
        n_read += 1
        rel = path.relative_to(corpus).as_posix()
        for act in activities:
            if act.is_running and not act.laps.empty and act.source.format in ("fit", "tcx"):
                out.append(check(rel, act))
    return out, n_read, n_refused


def reviewed_notes() -> tuple[dict[Any, str], dict[Any, str]]:
    """The reviewed reasons from the corpus test (empty if it cannot be loaded)."""
    if not TEST_FILE.is_file():
        return {}, {}
    spec = importlib.util.spec_from_file_location("_lap_agreement_test", TEST_FILE)
    if spec is None or spec.loader is None:
        return {}, {}
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    try:
        spec.loader.exec_module(module)
    except ImportError:
        return {}, {}
    finally:
        del sys.modules[spec.name]
    laps = getattr(module, "KNOWN_EXCEPTIONS", {})
    reps = getattr(module, "KNOWN_REP_EXCEPTIONS", {})
    return dict(laps), dict(reps)


# ----------------------------------------------------------------------------- reasons


def _col(streams: pd.DataFrame, name: str) -> np.ndarray | None:
    if name not in streams:
        return None
    values = streams[name].to_numpy(dtype=float, na_value=np.nan)
    return values if np.isfinite(values).any() else None


def _num(value: Any) -> float:
    try:
        x = float(value)
    except (TypeError, ValueError):
        return math.nan
    return x


def _edge_gaps(t: np.ndarray, x: float) -> float:
    """Spacing [s] of the records around time x."""
    i = int(np.searchsorted(t, x))
    lo = t[max(i - 1, 0)]
    hi = t[min(i, t.size - 1)]
    return float(hi - lo)


def reason(s: Session, lap: int, metric: str) -> str:
    """A data-grounded explanation of one lap's disagreement (or why it is unchecked)."""
    act = s.activity
    laps = act.laps
    row = laps.iloc[lap]
    ours = s.ours.iloc[lap]
    st = act.streams
    t = st["time"].to_numpy(dtype=float, na_value=np.nan)
    lo, hi = float(ours["start_s"]), float(ours["end_s"])
    m = (t > lo) & (t <= hi)
    n = int(m.sum())
    damaged = (
        f" (file damaged: {act.warnings[0] if act.warnings else 'partial'})" if act.partial else ""
    )
    return _reason(s, lap, metric, row, ours, st, t, lo, hi, m, n) + damaged


def _reason(
    s: Session,
    lap: int,
    metric: str,
    row: pd.Series,
    ours: pd.Series,
    st: pd.DataFrame,
    t: np.ndarray,
    lo: float,
    hi: float,
    m: np.ndarray,
    n: int,
) -> str:
    act = s.activity
    if metric == "avg_speed":
        d_dev, t_dev, v_dev = (
            _num(row.get("distance")),
            _num(row.get("timer_time")),
            _num(row[metric]),
        )
        parts: list[str] = []
        if math.isfinite(d_dev) and t_dev > 0 and abs(d_dev / t_dev - v_dev) > 0.01 * v_dev:
            parts.append(
                f"the device's avg_speed {v_dev:.3f} m/s is not its own distance / timer "
                f"({d_dev:.1f} m / {t_dev:.1f} s = {d_dev / t_dev:.3f}); ours "
                f"{ours['avg_speed']:.3f} is the latter"
            )
        d_ours, t_ours = float(ours["distance"]), float(ours["timer_time"])
        if math.isfinite(d_dev) and math.isfinite(d_ours) and abs(d_ours - d_dev) > 0.005 * d_dev:
            v = _col(st, "speed")
            edge_v = (
                float(np.nanmax(np.interp([lo, hi], t[np.isfinite(v)], v[np.isfinite(v)])))
                if v is not None
                else math.nan
            )
            parts.append(
                f"lap distance from the records {d_ours:.1f} m vs device {d_dev:.1f} m "
                f"({d_ours - d_dev:+.1f} m) over {t_ours:.0f} s; records "
                f"{_edge_gaps(t, lo):.0f} s and {_edge_gaps(t, hi):.0f} s apart at the lap's "
                f"start and end, up to {edge_v:.1f} m/s there"
            )
        if math.isfinite(t_dev) and abs(t_ours - t_dev) > 0.5:
            parts.append(
                f"timer in the lap: ours {t_ours:.1f} s (timer events / record gaps) vs device "
                f"{t_dev:.3f} s"
            )
        return "; ".join(parts) or f"{n} records in the lap"
    if metric == "avg_cadence":
        cad = _col(st, "cadence")
        if cad is None:
            return "no cadence stream in the records"
        rule = device_family(act.device).rule
        periods = running_periods(act)
        parts = [f"{rule.name} gives {ours[metric]:.1f}"]
        for other in RULES:
            if other.name == rule.name.split("+")[0]:
                continue
            w = sample_weights(t, periods, other.weighting)
            v = average_cadence(cad[m], w[m], other, None)
            if v is not None:
                parts.append(f"{other.name} {v:.1f}")
        zeros = float(np.mean(cad[m] == 0)) if n else math.nan
        gaps = np.diff(t[m]) if n > 1 else np.zeros(0)
        text = ", ".join(parts) + f" (device {float(row[metric]):.1f}); {zeros:.0%} of the lap's "
        text += f"{n} records at cadence 0"
        if gaps.size:
            text += f", longest record gap {gaps.max():.0f} s"
        return text
    stream = {
        "avg_ground_contact_time": "ground_contact_time",
        "avg_vertical_oscillation": "vertical_oscillation",
    }[metric]
    values = _col(st, stream)
    if values is None:
        return f"no {stream} stream in the records"
    cad = _col(st, "cadence")
    have = m & np.isfinite(values) & (values > 0)
    missing = m & ~have & (cad > 0 if cad is not None else True)
    k, scale = int(missing.sum()), UNITS[metric][2]
    text = f"{int(have.sum())} of the lap's {n} records carry {stream}"
    if k:
        dev = float(row[metric])
        w = np.diff(t, prepend=t[0])
        w_have, w_miss = float(w[have].sum()), float(w[missing].sum())
        implied = (dev * (w_have + w_miss) - float(ours[metric]) * w_have) / w_miss
        cad_txt = f" (mean cadence {np.nanmean(cad[missing]):.0f})" if cad is not None else ""
        text += (
            f"; {k} records while moving{cad_txt} have none: the device's {dev * scale:.1f} is "
            f"matched if those seconds averaged {implied * scale:.0f} "
            f"{UNITS[metric][0]}"
        )
    return text


# ----------------------------------------------------------------------------- tables


def _esc(text: str) -> str:
    return text.replace("|", "\\|")


def _fmt(value: float, metric: str) -> str:
    _, digits, scale = UNITS[metric]
    return "–" if not math.isfinite(value) else f"{value * scale:.{digits}f}"


def counts(sessions: list[Session], n_read: int, n_refused: int) -> list[str]:
    allc = pd.concat([s.comparison for s in sessions], ignore_index=True)
    n_laps = sum(len(s.activity.laps) for s in sessions)
    files = {s.path for s in sessions}
    out = [
        f"Corpus files read: {n_read} (refused by the readers: {n_refused}). Running sessions "
        f"with laps: **{len(sessions)}** in **{len(files)}** files, **{n_laps}** laps.",
        "",
        "| metric | tolerance | source | laps with a device value | checked | agree "
        "| disagree | unchecked |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for metric, tol in LAP_TOLERANCES.items():
        c = allc[allc["metric"] == metric]
        unit, _, scale = UNITS[metric]
        t = f"{100 * tol.tolerance:g} %" if tol.relative else f"{tol.tolerance * scale:g} {unit}"
        agree = int((c["status"] == "agree").sum())
        disagree = int((c["status"] == "disagree").sum())
        unchecked = int((c["status"] == "unchecked").sum())
        out.append(
            f"| {metric} | {t} | {_esc(tol.source)} | {len(c)} | {agree + disagree} | {agree} "
            f"| {disagree} | {unchecked} |"
        )
    return out


def disagreements(sessions: list[Session], reviewed: dict[Any, str]) -> list[str]:
    out: list[str] = []
    for s in sessions:
        c = s.comparison
        for r in c[c["status"] != "agree"].itertuples(index=False):
            key = (s.path, s.activity.source.session_index, int(r.lap), str(r.metric))
            unit, _, scale = UNITS[str(r.metric)]
            state = "unchecked" if r.status == "unchecked" else "disagrees"
            line = (
                f"- `{s.path}` session {key[1]} lap {key[2]} ({s.activity.device.label()}), "
                f"**{r.metric}** {state}: ours {_fmt(float(r.ours), str(r.metric))} vs device "
                f"{_fmt(float(r.device), str(r.metric))} {unit}"
            )
            if r.status == "disagree":
                line += f" (error {float(r.error) * scale:+.2f}, tolerance {float(r.tolerance) * scale:.2f})"
            line += f". {reason(s, int(r.lap), str(r.metric))}"
            if key in reviewed:
                line += f". Reviewed: {reviewed[key]}"
            out.append(_esc(line).replace("\\|", "|"))
    return out


def workouts(sessions: list[Session], reviewed: dict[Any, str]) -> list[str]:
    out = [
        "| file | s | device | work laps | detected reps | matched (start within 10 s) "
        "| largest start error [s] | agree | notes |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for s in sessions:
        cmp_ = s.intervals.lap_comparison
        if cmp_ is None:
            continue
        key = (s.path, s.activity.source.session_index)
        err = cmp_.max_start_error_s
        notes = "; ".join(cmp_.notes()) or "–"
        if key in reviewed:
            notes += f". Reviewed: {reviewed[key]}"
        out.append(
            f"| {_esc(s.path)} | {key[1]} | {_esc(s.activity.device.label())} | {cmp_.n_laps} "
            f"| {cmp_.n_detected} | {len(cmp_.matches)} | {err:.0f} "
            f"| {'yes' if cmp_.agree else '**no**'} | {_esc(notes)} |"
        )
    return out


def unverified(sessions: list[Session]) -> list[str]:
    """Runs without structured laps that detection calls an interval session (no truth)."""
    out = [
        "| file | s | device | easy level [m/s] | reps: start [s] / duration [s] / speed [m/s] |",
        "|---|---|---|---|---|",
    ]
    for s in sessions:
        res = s.intervals
        if res.lap_comparison is not None or not res.is_interval_session:
            continue
        easy = "–" if res.levels is None else f"{res.levels.easy_mps:.2f}"
        reps = "; ".join(
            f"{r.start_s:.0f} / {r.duration_s:.0f} / {r.avg_speed_mps:.2f}" for r in res.reps
        )
        out.append(
            f"| {_esc(s.path)} | {s.activity.source.session_index} "
            f"| {_esc(s.activity.device.label())} | {easy} | {reps} |"
        )
    return out


def every_lap(sessions: list[Session]) -> list[str]:
    out = [
        "| file | s | lap | start [s] | timer [s] | speed ours / device [m/s] "
        "| cadence ours / device [steps/min] | contact ours / device [ms] "
        "| VO ours / device [mm] | agree |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    for s in sessions:
        c = s.comparison
        windows = lap_windows(s.activity.laps, s.activity.start_time, float("inf"))
        for i in range(len(s.activity.laps)):
            row = s.activity.laps.iloc[i]
            cells = []
            for metric in UNITS:
                ours = float(s.ours.iloc[i][metric])
                dev = _num(row.get(metric))
                cells.append(f"{_fmt(ours, metric)} / {_fmt(dev, metric)}")
            ci = c[c["lap"] == i]
            status = "–" if ci.empty else ("yes" if (ci["status"] == "agree").all() else "**no**")
            out.append(
                f"| {_esc(s.path)} | {s.activity.source.session_index} | {i} "
                f"| {windows[i][0]:.0f} | {_num(row.get('timer_time')):.1f} | "
                + " | ".join(cells)
                + f" | {status} |"
            )
    return out


def main(argv: list[str]) -> int:
    corpus = Path(
        argv[1] if len(argv) > 1 else os.environ.get("RUNFORM_CORPUS", "/work/shared/corpus")
    )
    if not corpus.is_dir():
        print(f"corpus not found: {corpus}", file=sys.stderr)
        return 1
    sessions, n_read, n_refused = walk(corpus)
    lap_notes, rep_notes = reviewed_notes()
    lines = [
        "# Agreement of per-lap averages with the devices' own lap values",
        "",
        "Generated by `.venv/bin/python scripts/lap_agreement.py /work/shared/corpus > "
        "docs/validation/lap-agreement.md` (do not edit by hand; rerun it).",
        "",
        "Requirement (issue 4): on every real running file in the corpus with laps, runform's "
        "per-lap averages (speed, cadence, contact time, vertical oscillation where present) "
        "agree with the device's lap values (cadence within 2 steps/min, contact time within "
        "5 ms), and every lap that does not agree is explained; on files whose laps are a "
        "structured interval workout, the reps detected from speed match the device's work laps "
        "(count, and start within 10 s).",
        "",
        "How: `runform.core.laps.lap_averages` recomputes each lap from the record streams over "
        "the lap's time range (its start to its end time, or to the next lap's start when the "
        "recorded end is implausible); each record stands for the running-timer time since the "
        "previous one (FIT timer events, else the laps' timer time, else gaps > 10 s are "
        "pauses: `runform.core.agreement.running_periods`). Speed is the lap's distance from "
        "the distance stream over its timer time (the FIT definition of avg_speed). Cadence "
        "is averaged with the device family's rule from `runform.core.agreement` (zeros "
        "counted or not, moving only, whole strides), documented with its evidence in "
        "[device-agreement.md](device-agreement.md). Contact time and vertical oscillation "
        "are timer-weighted means of the positive values. Each reason below is computed from "
        "the file; 'Reviewed' notes were written after reading the records.",
        "",
        "## Counts",
        "",
        *counts(sessions, n_read, n_refused),
        "",
        "## Every lap that does not agree",
        "",
        *(disagreements(sessions, lap_notes) or ["None."]),
        "",
        "## Structured workouts: detected reps against the work laps",
        "",
        "Laps are a structured workout when some are marked `rest`/`recovery` and some "
        "`active`/`interval`, or when manually pressed laps alternate fast and slow "
        "(`runform.core.intervals.structured_work_laps`). The reps are detected from the "
        "grade-adjusted speed alone (`detect_intervals(..., use_laps=False)`).",
        "",
        *workouts(sessions, rep_notes),
        "",
        "Runs whose laps are not a workout but whose speed has at least two abrupt reps at "
        ">= 1.2 x the run's easy level (no truth to check them against; listed so that a "
        "reader can judge the detector on real data):",
        "",
        *unverified(sessions),
        "",
        "## Every lap",
        "",
        *every_lap(sessions),
        "",
    ]
    sys.stdout.write("\n".join(lines))
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv))
