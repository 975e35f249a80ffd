"""Print the device-agreement table of the real-file corpus as Markdown.

For every running session whose file carries the device's own totals (FIT
session, TCX laps), compare runform's distance and timer time
(:func:`runform.core.summary.compute_totals`) and the average cadence
recomputed with the device family's rule (:mod:`runform.core.agreement`) with
what the device recorded.

Usage::

    .venv/bin/python scripts/device_agreement.py [CORPUS] > docs/validation/device-agreement.md

``CORPUS`` defaults to ``/work/shared/corpus`` (or ``$RUNFORM_CORPUS``). The
reviewed reason of each known disagreement is taken from
``tests/corpus/test_device_agreement.py`` (``KNOWN_EXCEPTIONS``) when present.
"""

from __future__ import annotations

import importlib.util
import os
import sys
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from runform import read_all
from runform.core.agreement import (
    CADENCE_TOLERANCE_SPM,
    DEFAULT_FAMILY,
    DEVICE_FAMILIES,
    DISTANCE_TOLERANCE_FRACTION,
    TIMER_TOLERANCE_S,
    Check,
    compare_with_device,
    device_family,
    has_device_totals,
)
from runform.core.summary import compute_totals
from runform.errors import RunformError
from runform.schema import Activity

SUFFIXES = (".fit", ".tcx", ".gpx", ".fit.gz", ".tcx.gz", ".gpx.gz")
METRICS = ("distance", "timer_time", "avg_cadence")
REPO = Path(__file__).resolve().parent.parent
TEST_FILE = REPO / "tests" / "corpus" / "test_device_agreement.py"


@dataclass(frozen=True)
class Row:
    path: str
    activity: Activity
    checks: dict[str, Check]


def known_exceptions() -> dict[tuple[str, int, str], str]:
    """The reviewed reasons from the corpus test, or an empty dict if it cannot be loaded."""
    if not TEST_FILE.is_file():
        return {}
    spec = importlib.util.spec_from_file_location("_device_agreement_test", TEST_FILE)
    if spec is None or spec.loader is None:
        return {}
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up while defining
    try:
        spec.loader.exec_module(module)
    except ImportError:
        return {}
    finally:
        del sys.modules[spec.name]
    value = getattr(module, "KNOWN_EXCEPTIONS", {})
    return dict(value) if isinstance(value, dict) else {}


def walk(corpus: Path) -> tuple[list[Row], int, int]:
    """Rows for every running session with device totals; also files read and files refused."""
    rows: list[Row] = []
    n_read = n_refused = 0
    files = sorted(p for p in corpus.rglob("*") if p.name.lower().endswith(SUFFIXES))
    for path in files:
        try:
            activities = read_all(path)
        except RunformError:
            n_refused += 1
            continue
        n_read += 1
        rel = path.relative_to(corpus).as_posix()
        for act in activities:
            if has_device_totals(act):
                totals = compute_totals(act.streams, act.events)
                checks = {c.metric: c for c in compare_with_device(act, totals)}
                rows.append(Row(rel, act, checks))
    return rows, n_read, n_refused


def _f(value: float | None, digits: int) -> str:
    return "–" if value is None else f"{value:.{digits}f}"


def _agree(check: Check | None) -> str:
    if check is None:
        return "–"
    return {True: "yes", False: "**no**", None: "n/a"}[check.passed]


def _esc(text: str) -> str:
    return text.replace("|", "\\|")


def session_table(rows: Iterable[Row]) -> list[str]:
    out = [
        "| file | s | device | distance ours / device [m] (Δ %) | timer ours / device [s] (Δ s) "
        "| cadence rule | cadence device-style / device [steps/min] (Δ) | runform default "
        "| agree dist / timer / cad |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for r in rows:
        d, t, c = (r.checks.get(m) for m in METRICS)
        dist = "–" if d is None else f"{_f(d.ours, 1)} / {_f(d.device, 1)} ({_f(d.error, 2)})"
        timer = "–" if t is None else f"{_f(t.ours, 1)} / {_f(t.device, 1)} ({_f(t.error, 1)})"
        cad = "–" if c is None else f"{_f(c.ours, 1)} / {_f(c.device, 1)} ({_f(c.error, 2)})"
        rule = "–" if c is None else f"`{c.rule}`"
        default = "–" if c is None else _f(c.ours_default, 1)
        out.append(
            f"| {_esc(r.path)} | {r.activity.source.session_index} "
            f"| {_esc(r.activity.device.label())} | {dist} | {timer} | {rule} | {cad} "
            f"| {default} | {_agree(d)} / {_agree(t)} / {_agree(c)} |"
        )
    return out


def counts_table(rows: list[Row], n_read: int, n_refused: int) -> list[str]:
    files = {r.path for r in rows}
    ok = [all(c.passed is not False for c in r.checks.values()) for r in rows]
    bad_files = {r.path for r, good in zip(rows, ok, strict=True) if not good}
    out = [
        f"Corpus files read: {n_read} (refused by the readers: {n_refused}). Files checked (a "
        f"running session carrying device totals): **{len(files)}**, of which "
        f"**{len(files - bad_files)}** agree on every metric. Sessions checked: **{len(rows)}**, "
        f"of which **{sum(ok)}** agree on every metric.",
        "",
        "| metric | tolerance | sessions with a device value | checked | agree | disagree | n/a |",
        "|---|---|---|---|---|---|---|",
    ]
    tolerances = {
        "distance": f"{100 * DISTANCE_TOLERANCE_FRACTION:g} %",
        "timer_time": f"{TIMER_TOLERANCE_S:g} s",
        "avg_cadence": f"{CADENCE_TOLERANCE_SPM:g} steps/min",
    }
    for m in METRICS:
        checks = [r.checks[m] for r in rows if m in r.checks]
        agree = sum(c.passed is True for c in checks)
        disagree = sum(c.passed is False for c in checks)
        na = sum(c.passed is None for c in checks)
        out.append(
            f"| {m} | {tolerances[m]} | {len(checks)} | {agree + disagree} | {agree} "
            f"| {disagree} | {na} |"
        )
    return out


def family_table(rows: list[Row]) -> list[str]:
    used: dict[str, set[str]] = {}
    for r in rows:
        used.setdefault(device_family(r.activity.device).name, set()).add(r.activity.device.label())
    out = [
        "| device family | rule | corpus devices | evidence |",
        "|---|---|---|---|",
    ]
    for fam in (*DEVICE_FAMILIES, DEFAULT_FAMILY):
        devices = ", ".join(sorted(used.get(fam.name, set()))) or "–"
        out.append(
            f"| {_esc(fam.name)} | `{fam.rule.name}` | {_esc(devices)} | {_esc(fam.evidence)} |"
        )
    return out


def disagreements(rows: list[Row], reviewed: dict[tuple[str, int, str], str]) -> list[str]:
    out: list[str] = []
    for r in rows:
        for m in METRICS:
            c = r.checks.get(m)
            if c is None or c.passed is True:
                continue
            key = (r.path, r.activity.source.session_index, m)
            state = "not checkable" if c.passed is None else "disagrees"
            line = f"- `{r.path}` session {key[1]}, **{m}** {state}: {c.reason}"
            if key in reviewed:
                line += f". Reviewed: {reviewed[key]}"
            out.append(line)
    return out


def main(argv: list[str]) -> int:
    corpus = Path(
        argv[1] if len(argv) > 1 else os.environ.get("RUNFORM_CORPUS", "/work/shared/corpus")
    )
    if not corpus.is_dir():
        print(f"corpus not found: {corpus}", file=sys.stderr)
        return 1
    reviewed = known_exceptions()
    rows, n_read, n_refused = walk(corpus)
    lines = [
        "# Agreement with the devices' own totals",
        "",
        "Generated by `.venv/bin/python scripts/device_agreement.py "
        f"{corpus}` (do not edit by hand; rerun it).",
        "",
        "Requirement: for every running session whose file carries the device's own totals, "
        f"runform's total distance agrees within {100 * DISTANCE_TOLERANCE_FRACTION:g} %, its "
        f"timer time within {TIMER_TOLERANCE_S:g} s, and the average cadence recomputed from the "
        f"record stream, the way the device family averages, within {CADENCE_TOLERANCE_SPM:g} "
        "steps/min of the session's own average. Distance and timer are runform's own totals "
        "(`compute_totals`, the same rule for every device); only the cadence recomputation "
        "follows the device family (`runform.core.agreement`). runform's default average "
        "cadence (zeros skipped) is shown beside it. GPX files carry no device totals "
        "(their summary is derived by runform) and are not checked.",
        "",
        "## Counts",
        "",
        *counts_table(rows, n_read, n_refused),
        "",
        "## Cadence averaging rule by device family",
        "",
        "Weighted rules weight each record by the running-timer time since the previous record "
        "(FIT timer events, or for TCX the events derived from the laps' timer; else gaps > 10 s are pauses). "
        "TCX session values are lap-timer-weighted means of whole-stride lap values, so TCX "
        "laps are recomputed one by one and truncated to whole strides.",
        "",
        *family_table(rows),
        "",
        "## Disagreements and unchecked metrics",
        "",
        *disagreements(rows, reviewed),
        "",
        "## Every session",
        "",
        *session_table(rows),
        "",
    ]
    sys.stdout.write("\n".join(lines))
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv))
