"""The season report (weekly volume, load, ACWR, VDOT, cadence and durability trends,
technique adherence) and the plan report (plan vs done).

Inputs are the services' JSON-like dicts, gathered by :mod:`runform.report`; this module
only shapes them into panels, so rendering stays a few milliseconds however long the
history (charts decimate, tables are one row per week).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, timedelta
from typing import Any

import numpy as np

from runform.report import svg
from runform.report.fmt import day_number, day_of, dur, goal, is_num, pace
from runform.report.markup import Html, esc, join, none_found, num, panel, table, tag
from runform.report.svg import OKABE_ITO, Axis, Series, Zone

__all__ = ["plan_body", "season_body"]

ACWR_ZONES = (
    (None, 0.8, "below 0.8: less than usual", OKABE_ITO["sky"]),
    (0.8, 1.3, "0.8-1.3: about as usual", OKABE_ITO["green"]),
    (1.3, 1.5, "1.3-1.5: rising", OKABE_ITO["yellow"]),
    (1.5, None, "above 1.5: sudden rise", OKABE_ITO["vermillion"]),
)
"""ACWR shading (Gabbett 2016's zones, doi:10.1136/bjsports-2015-095788), shown as a
description of the training only: ACWR does not predict injury (Impellizzeri et al.
2020, doi:10.1123/ijspp.2019-0864)."""


def _monday(iso_week: str) -> date:
    y, w = iso_week.split("-W")
    return date.fromisocalendar(int(y), int(w), 1)


def date_ticks(lo: float, hi: float) -> list[tuple[float, str]]:
    """Ticks on Mondays for a date axis in days since 1970 (:func:`day_number`)."""
    span_w = max((hi - lo) / 7.0, 1.0)
    step = next((s for s in (1, 2, 4, 8, 13, 26, 52, 104, 260) if span_w / s <= 9), 520)
    first = day_of(lo)
    first += timedelta(days=(7 - first.weekday()) % 7)
    out = []
    d = first
    long_span = hi - lo > 400
    while day_number(d) <= hi:
        if step >= 4 and step < 13:
            # month-ish steps: keep them readable, not aligned to anything subtle
            pass
        label = d.strftime("%b %Y") if long_span else f"{d.day} {d.strftime('%b')}"
        out.append((day_number(d), label))
        d += timedelta(weeks=step)
    return out


DATE_MIN_SPAN = 14.0
"""Shortest date axis [days]: a season of one week (or one day) shows two weeks around it,
not years (day numbers are ~20,000, so widening by a share of the value spans years)."""


def date_axis(label: str = "week [date]") -> Axis:
    """A date axis (days since 1970) with Monday ticks and a date hover read-out; bars on
    it are weekly (:data:`DATE_MIN_SPAN` is its shortest range)."""
    return Axis(label, ticks=date_ticks, hover="date", min_span=DATE_MIN_SPAN, step=7.0)


def _nums(values: Sequence[Any]) -> np.ndarray:
    return np.array([float(v) if is_num(v) else np.nan for v in values], dtype=float)


def _kv(items: Sequence[tuple[str, object]]) -> Html:
    cells = "".join(f"<div><dt>{esc(k)}</dt><dd>{esc(v)}</dd></div>" for k, v in items)
    return Html(f'<dl class="kv">{cells}</dl>')


# ----------------------------------------------------------------------------- season


def _volume(load: dict[str, Any]) -> Html:
    weeks = load.get("weeks") or []
    if not weeks:
        return panel("volume", "Weekly volume", none_found("no runs in this period"))
    x = np.array([day_number(w["week_start"]) + 3.0 for w in weeks])
    km_ = _nums([w.get("volume_km") for w in weeks])
    longest = _nums([w.get("longest_run_km") for w in weeks])
    labels = [
        f"{w['week']} ({w['week_start']}): {num(w.get('volume_km'), 1)} km in {w.get('runs')} runs"
        for w in weeks
    ]
    chart = svg.chart(
        title="Running distance per week",
        series=[
            Series("weekly distance", x, km_, kind="bars", colour=OKABE_ITO["blue"], labels=labels),
            Series(
                "longest run",
                x,
                longest,
                kind="points",
                colour=OKABE_ITO["orange"],
                labels=[
                    f"{w['week']}: longest {num(w.get('longest_run_km'), 1)} km" for w in weeks
                ],
            ),
        ],
        x=date_axis(),
        y=Axis("distance [km]", zero=True, hover="num:1"),
        chart_id="chart-volume",
        height=250,
    )
    rows = [
        (
            w["week"],
            w["week_start"],
            num(w.get("volume_km"), 1),
            w.get("runs"),
            num(w.get("longest_run_km"), 1),
            num(100 * w["long_run_share"] if is_num(w.get("long_run_share")) else None, 0),
            num(w.get("load"), 0),
            "yes" if w.get("cutback") else "",
        )
        for w in weeks
    ]
    tbl = table(
        [
            "week",
            "starts",
            "distance [km]",
            "runs",
            "longest [km]",
            "long-run share [%]",
            f"load [{load.get('metric', '')}]",
            "cutback",
        ],
        rows,
        cls="data weeks",
    )
    return panel(
        "volume",
        "Weekly volume",
        chart,
        Html(f'<details><summary>Week by week</summary><div class="scroll">{tbl}</div></details>'),
    )


def _load(load: dict[str, Any], series: dict[str, Any] | None) -> Html:
    today = load.get("today") or {}
    parts: list[object] = [
        _kv(
            [
                ("fitness (CTL)", num(today.get("ctl"), 1)),
                ("fatigue (ATL)", num(today.get("atl"), 1)),
                ("form (TSB)", num(today.get("tsb"), 1)),
                ("as of", load.get("as_of") or "-"),
                ("load metric", load.get("metric") or "-"),
            ]
        )
    ]
    if series and series.get("dates"):
        x = np.array([day_number(d) for d in series["dates"]])
        parts.append(
            svg.chart(
                title="Fitness, fatigue and form",
                series=[
                    Series(
                        "fitness (CTL)",
                        x,
                        _nums(series["ctl"]),
                        colour=OKABE_ITO["blue"],
                        width=2.2,
                    ),
                    Series(
                        "fatigue (ATL)", x, _nums(series["atl"]), colour=OKABE_ITO["vermillion"]
                    ),
                    Series(
                        "form (TSB)",
                        x,
                        _nums(series["tsb"]),
                        colour=OKABE_ITO["green"],
                        right=True,
                        dash=True,
                    ),
                ],
                x=date_axis("day [date]"),
                y=Axis(f"CTL / ATL [{series.get('metric', '')} per day]", zero=True),
                y2=Axis("TSB [per day]"),
                chart_id="chart-load",
                height=260,
            )
        )
    else:
        parts.append(none_found("no daily load in this period"))
    for n in load.get("notices") or []:
        parts.append(tag("p", n, attrs={"class": "note"}))
    return panel(
        "load",
        "Training load: CTL, ATL, TSB",
        *parts,
        note="CTL and ATL: 42- and 7-day exponentially weighted load (Coggan); TSB is yesterday's CTL minus ATL.",
    )


def _acwr(load: dict[str, Any], series: dict[str, Any] | None) -> Html:
    parts: list[object] = []
    flag = float((series or {}).get("acwr_flag") or 1.5)
    if series and series.get("dates"):
        x = np.array([day_number(d) for d in series["dates"]])
        a = _nums(series["acwr"])
        e = _nums(series["acwr_ewma"])
        finite = a[np.isfinite(a)]
        hi = max(2.0, float(finite.max()) * 1.05) if finite.size else 2.0
        parts.append(
            svg.chart(
                title="Acute:chronic workload ratio",
                series=[
                    Series(
                        "ACWR (7 d : previous 21 d)", x, a, colour=OKABE_ITO["black"], width=2.0
                    ),
                    Series("ACWR (EWMA)", x, e, colour=OKABE_ITO["purple"], dash=True, width=1.4),
                ],
                x=date_axis("day [date]"),
                y=Axis("ACWR [ratio]", lo=0.0, hi=hi, hover="num:2"),
                zones=[
                    Zone(lo, hi_, label, colour, opacity=0.16)
                    for lo, hi_, label, colour in ACWR_ZONES
                ],
                chart_id="chart-acwr",
                height=260,
            )
        )
        # the highest ratio of each ISO week: spikes stand out in a table too
        peak: dict[str, tuple[str, float]] = {}
        for d, v in zip(series["dates"], a, strict=True):
            if not np.isfinite(v):
                continue
            y, w, _ = date.fromisoformat(d).isocalendar()
            key = f"{y}-W{w:02d}"
            if key not in peak or v > peak[key][1]:
                peak[key] = (d, float(v))
        rows = [
            (k, d, num(v, 2), "above 1.5" if v > flag else "") for k, (d, v) in sorted(peak.items())
        ]
        tbl = table(["week", "day of peak", "peak ACWR", ""], rows, cls="data acwr-weeks")
        parts.append(
            Html(
                f'<details><summary>Highest ratio per week</summary><div class="scroll">{tbl}</div></details>'
            )
        )
    else:
        parts.append(none_found("no daily load in this period"))
    flags = load.get("flags") or []
    if flags:
        parts.append(tag("h3", "Flags"))
        parts.append(
            Html(
                "<ul>"
                + "".join(
                    f"<li><strong>{esc(f.get('week'))}</strong>: {esc(f.get('message'))}</li>"
                    for f in flags
                )
                + "</ul>"
            )
        )
    else:
        parts.append(none_found("no load flags in this period"))
    return panel(
        "acwr",
        "Load ratio (ACWR)",
        *parts,
        note=load.get("note") or "ACWR describes training; it does not predict injury.",
    )


def _vdot(fit: dict[str, Any] | None) -> Html:
    if not fit:
        return panel(
            "vdot",
            "VDOT trend",
            none_found("no VDOT: needs a race, a steady run with heart rate, or a best effort"),
        )
    cur = fit.get("current") or {}
    parts: list[object] = [
        _kv(
            [
                ("current VDOT", num(cur.get("vdot"), 1)),
                ("from", (cur.get("source") or "-").replace("_", " ")),
                ("detail", cur.get("detail") or "-"),
            ]
        )
    ]
    trend = fit.get("trend") or []
    if trend:
        x = np.array([day_number(_monday(t["week"])) + 3.0 for t in trend])
        series = [
            Series(
                "heart-rate VDOT",
                x,
                _nums([t.get("hr_vdot") for t in trend]),
                colour=OKABE_ITO["blue"],
                width=2.0,
            ),
            Series(
                "best effort (lower bound)",
                x,
                _nums([t.get("best_effort_vdot") for t in trend]),
                kind="points",
                colour=OKABE_ITO["orange"],
                labels=[
                    f"{t['week']}: best effort VDOT {num(t.get('best_effort_vdot'), 1)}"
                    for t in trend
                ],
            ),
        ]
        races = _nums([t.get("race_vdot") for t in trend])
        if np.isfinite(races).any():
            series.append(
                Series(
                    "race",
                    x,
                    races,
                    kind="points",
                    colour=OKABE_ITO["vermillion"],
                    labels=[f"{t['week']}: race VDOT {num(t.get('race_vdot'), 1)}" for t in trend],
                )
            )
        parts.append(
            svg.chart(
                title="VDOT per week",
                series=series,
                x=date_axis(),
                y=Axis("VDOT [ml/kg/min]", hover="num:1"),
                chart_id="chart-vdot",
                height=240,
            )
        )
    else:
        parts.append(none_found("no weekly VDOT values yet"))
    for n in fit.get("notices") or []:
        parts.append(tag("p", n, attrs={"class": "note"}))
    return panel(
        "vdot",
        "VDOT trend",
        *parts,
        note="VDOT after Daniels & Gilbert; heart-rate VDOT from steady runs (Runalyze's method).",
    )


def _cadence_trend(form: dict[str, Any] | None) -> Html:
    tr = (form or {}).get("cadence_trend") or {}
    periods = tr.get("periods") or []
    if not periods:
        return panel(
            "cadence-trend",
            "Cadence at pace",
            none_found("no cadence trend: needs steady runs with cadence"),
        )
    ref = tr.get("reference_speed_mps")
    x = np.array([day_number(p["start"]) + 3.0 for p in periods])
    c = _nums([p.get("cadence_at_reference_spm") for p in periods])
    sl = _nums([p.get("step_length_at_reference_m") for p in periods])
    chart = svg.chart(
        title=f"Cadence at your easy pace ({pace(ref)})",
        series=[
            Series("cadence", x, c, colour=OKABE_ITO["purple"], width=2.0),
            Series(
                "",
                x,
                c,
                kind="points",
                colour=OKABE_ITO["purple"],
                labels=[
                    f"{p['start']}: {num(p.get('cadence_at_reference_spm'), 1)} steps/min"
                    for p in periods
                ],
            ),
            Series("step length", x, sl, colour=OKABE_ITO["green"], right=True, dash=True),
        ],
        x=date_axis(),
        y=Axis("cadence [steps/min]", hover="num:1"),
        y2=Axis("step length [m]", fmt=lambda v: f"{v:.3f}", hover="num:3"),
        chart_id="chart-cadence-trend",
        height=240,
    )
    return panel(
        "cadence-trend",
        "Cadence at pace",
        _kv([("change over the period", num(tr.get("change_spm"), 1, "steps/min"))]),
        chart,
        note="Read off your cadence-speed line fitted week by week, at one fixed reference pace, so faster or slower weeks do not fake a change.",
    )


def _durability_trend(form: dict[str, Any] | None) -> Html:
    periods = (((form or {}).get("durability_trend") or {}).get("periods")) or []
    if not periods:
        return panel(
            "durability-trend",
            "Durability of long runs",
            none_found("no runs of 75 min or more in this period"),
        )
    x = np.array([day_number(p["start"]) + 3.0 for p in periods])
    onset = _nums([p.get("median_onset_distance_m") for p in periods]) / 1000.0
    longest = _nums([p.get("longest_m") for p in periods]) / 1000.0
    drift = _nums([p.get("median_cadence_drift_spm") for p in periods])
    chart = svg.chart(
        title="Where form starts to fade in long runs",
        series=[
            Series(
                "longest run",
                x,
                longest,
                kind="bars",
                colour=OKABE_ITO["sky"],
                labels=[
                    f"{p['start']}: longest {num((p.get('longest_m') or 0) / 1000, 1)} km"
                    for p in periods
                ],
            ),
            Series(
                "onset of fading",
                x,
                onset,
                kind="points",
                colour=OKABE_ITO["vermillion"],
                labels=[
                    f"{p['start']}: onset at {num(o, 1)} km"
                    for p, o in zip(periods, onset, strict=True)
                ],
            ),
            Series("cadence drift", x, drift, colour=OKABE_ITO["purple"], right=True, dash=True),
        ],
        x=date_axis(),
        y=Axis("distance [km]", zero=True, hover="num:1"),
        y2=Axis("cadence drift [steps/min]", hover="num:1"),
        chart_id="chart-durability-trend",
        height=250,
    )
    rows = [
        (
            p["start"],
            p.get("n_runs"),
            num((p.get("longest_m") or 0) / 1000, 1),
            num(
                p["median_onset_distance_m"] / 1000
                if is_num(p.get("median_onset_distance_m"))
                else None,
                1,
            ),
            num(
                100 * p["median_onset_fraction"]
                if is_num(p.get("median_onset_fraction"))
                else None,
                0,
            ),
            num(p.get("median_cadence_drift_spm"), 1),
            num(p.get("median_decoupling_pct"), 1),
        )
        for p in periods
    ]
    tbl = table(
        [
            "week of",
            "long runs",
            "longest [km]",
            "onset [km]",
            "onset [% of run]",
            "cadence drift [steps/min]",
            "decoupling [%]",
        ],
        rows,
    )
    return panel(
        "durability-trend",
        "Durability of long runs",
        chart,
        Html(f'<details><summary>Week by week</summary><div class="scroll">{tbl}</div></details>'),
    )


def _technique(
    form: dict[str, Any] | None, strength: dict[str, Any], plan_weeks: dict[str, dict[str, Any]]
) -> Html:
    weeks = (form or {}).get("technique_per_week") or []
    if not weeks:
        return panel("technique", "Technique work", none_found("no runs in this period"))
    x = np.array([day_number(_monday(w["week"])) + 3.0 for w in weeks])
    chart = svg.chart(
        title="Technique work found in the runs, per week",
        series=[
            Series(
                "runs with strides",
                x,
                _nums([w.get("runs_with_strides") for w in weeks]),
                kind="bars",
                colour=OKABE_ITO["orange"],
            ),
            Series(
                "hill reps",
                x,
                _nums([w.get("hill_reps") for w in weeks]),
                kind="bars",
                colour=OKABE_ITO["green"],
            ),
            Series(
                "interval reps",
                x,
                _nums([w.get("interval_reps") for w in weeks]),
                kind="bars",
                colour=OKABE_ITO["blue"],
            ),
        ],
        x=date_axis(),
        y=Axis("count [per week]", zero=True, hover="num:0"),
        chart_id="chart-technique",
        height=240,
    )
    per_week = strength.get("per_week") or {}
    rows = []
    for w in weeks:
        pw = plan_weeks.get(w["week"])
        planned_strength = pw.get("strength") if pw else None
        rows.append(
            (
                w["week"],
                w.get("runs"),
                w.get("strides"),
                w.get("runs_with_strides"),
                w.get("hill_reps"),
                w.get("interval_reps"),
                per_week.get(w["week"], 0),
                "-" if planned_strength is None else planned_strength,
            )
        )
    tbl = table(
        [
            "week",
            "runs",
            "strides",
            "runs with strides",
            "hill reps",
            "interval reps",
            "strength sessions recorded",
            "strength planned",
        ],
        rows,
        cls="data technique-weeks",
    )
    if strength.get("count"):
        s_note = f"{strength['count']} strength sessions recorded in the store (activities filed as strength training)."
    else:
        s_note = "runform has no record of strength work: no strength-training activities were imported (watch files rarely carry it). A 0 here means 'not recorded', not 'not done'."
    return panel(
        "technique",
        "Technique work: strides, hills, intervals, strength",
        chart,
        Html(f'<div class="scroll">{tbl}</div>'),
        tag("p", s_note, attrs={"class": "note strength"}),
    )


def plan_strength_per_week(plan: dict[str, Any] | None) -> dict[str, dict[str, Any]]:
    """ISO week -> {"strength": planned strength sessions} of a plan."""
    out: dict[str, dict[str, Any]] = {}
    for w in (plan or {}).get("weeks") or []:
        sessions = w.get("sessions") or []
        if not sessions:
            continue
        first = min(date.fromisoformat(s["date"]) for s in sessions)
        y, k, _ = first.isocalendar()
        n = sum(1 for s in sessions if s.get("type") == "strength")
        out[f"{y}-W{k:02d}"] = {"strength": n, "plan_week": w.get("week")}
    return out


def season_body(
    *,
    athlete: str,
    weeks: int,
    load: dict[str, Any] | None,
    series: dict[str, Any] | None,
    fit: dict[str, Any] | None,
    form: dict[str, Any] | None,
    strength: dict[str, Any],
    plan: dict[str, Any] | None,
    adherence: dict[str, Any] | None,
    errors: dict[str, str],
) -> Html:
    """All panels of the season report (the body fragment)."""
    head = Html(
        f'<header class="rep"><h1>Season report: {esc(athlete)}</h1><p>last {esc(weeks)} weeks, as of {esc((load or {}).get("as_of") or "-")}</p></header>'
    )
    parts: list[object] = [head]
    if load is not None:
        parts += [_volume(load), _load(load, series), _acwr(load, series)]
    else:
        msg = errors.get("load", "no activities")
        parts += [
            panel(i, t, none_found(msg))
            for i, t in (
                ("volume", "Weekly volume"),
                ("load", "Training load: CTL, ATL, TSB"),
                ("acwr", "Load ratio (ACWR)"),
            )
        ]
    parts += [
        _vdot(fit),
        _cadence_trend(form),
        _durability_trend(form),
        _technique(form, strength, plan_strength_per_week(plan)),
        _plan_vs_done(plan, adherence, strength, errors.get("plan")),
    ]
    return join(parts)


# ------------------------------------------------------------------------------- plan


def _plan_vs_done(
    plan: dict[str, Any] | None,
    adh: dict[str, Any] | None,
    strength: dict[str, Any],
    error: str | None,
) -> Html:
    if plan is None or adh is None:
        return panel(
            "plan",
            "Plan vs done",
            none_found(error or "no plan yet: create one with `runform plan create`"),
        )
    strength_plan = plan_strength_per_week(plan)
    by_plan_week = {v["plan_week"]: (k, v["strength"]) for k, v in strength_plan.items()}
    per_week = strength.get("per_week") or {}
    weeks = adh.get("weeks") or []
    rows = []
    xs, planned_km, done_km = [], [], []
    for w in weeks:
        iso, s_planned = by_plan_week.get(w["week"], ("", 0))
        if w.get("status") == "upcoming":
            rows.append(
                (w["week"], w.get("start"), w.get("phase"), "upcoming", "", "", "", "", "", "", "")
            )
            continue
        p, d = w["planned"], w["done"]
        xs.append(day_number(w["start"]) + 3.0)
        planned_km.append(p["volume_km"])
        done_km.append(d["volume_km"])
        rows.append(
            (
                w["week"],
                w.get("start"),
                w.get("phase"),
                f"{num(d['volume_km'], 1)} / {num(p['volume_km'], 1)}",
                f"{num(d['long_km'], 1)} / {num(p['long_km'], 1)}",
                f"{d['strides']} / {p['strides']}",
                f"{d['hills']} / {p['hills']}",
                f"{d['intervals']} / {p['intervals']}",
                f"{per_week.get(iso, 0)} / {s_planned}" if s_planned else "-",
                "-" if w.get("score") is None else f"{w['score']}",
                "; ".join(w.get("suggestions") or []),
            )
        )
    parts: list[object] = []
    if xs:
        parts.append(
            svg.chart(
                title="Planned and run distance per week",
                series=[
                    Series(
                        "planned",
                        np.array(xs),
                        np.array(planned_km),
                        kind="bars",
                        colour=OKABE_ITO["sky"],
                    ),
                    Series(
                        "done",
                        np.array(xs),
                        np.array(done_km),
                        kind="bars",
                        colour=OKABE_ITO["blue"],
                    ),
                ],
                x=date_axis(),
                y=Axis("distance [km]", zero=True),
                chart_id="chart-plan",
                height=240,
            )
        )
    parts.append(
        Html(
            '<div class="scroll">'
            + table(
                [
                    "plan week",
                    "starts",
                    "phase",
                    "km done / planned",
                    "long run [km]",
                    "strides",
                    "hills",
                    "intervals",
                    "strength recorded / planned",
                    "score [0-100]",
                    "notes",
                ],
                rows,
                cls="data plan-weeks",
            )
            + "</div>"
        )
    )
    if not strength.get("count"):
        parts.append(
            tag(
                "p",
                "Strength: the plan schedules strength sessions, but runform has no record of strength work (no strength-training activities imported), so 'recorded' stays 0 and the score leaves strength out.",
                attrs={"class": "note strength"},
            )
        )
    return panel(
        "plan",
        "Plan vs done",
        *parts,
        note="Done work is what the form detectors find in your runs: strides after runs, hill repeats (3 or more), interval sessions (2 or more reps).",
    )


def plan_body(
    plan: dict[str, Any] | None,
    adh: dict[str, Any] | None,
    strength: dict[str, Any],
    error: str | None = None,
) -> Html:
    """The plan report: the current plan week by week, and plan vs done."""
    if plan is None:
        return join(
            [
                Html('<header class="rep"><h1>Training plan</h1></header>'),
                panel(
                    "plan-overview",
                    "Plan",
                    none_found(error or "no plan yet: create one with `runform plan create`"),
                ),
            ]
        )
    race = plan.get("race") or {}
    head = Html(
        f'<header class="rep"><h1>Training plan</h1><p>{esc(race.get("distance_label") or race.get("distance") or "race")} on {esc(race.get("date") or "-")}</p></header>'
    )
    rows = []
    for w in plan.get("weeks") or []:
        sessions = w.get("sessions") or []
        runs = [s for s in sessions if s.get("type") not in ("rest", "strength")]
        rows.append(
            (
                w.get("week"),
                min((s["date"] for s in sessions), default=""),
                w.get("phase"),
                num(w.get("volume_km"), 1),
                len(runs),
                num(max((s.get("distance_km") or 0.0 for s in runs), default=0.0), 1),
                ", ".join(
                    sorted(
                        {str(s.get("type")) for s in runs if s.get("type") not in ("easy", "long")}
                    )
                )
                or "-",
                sum(1 for s in sessions if s.get("type") == "strength"),
            )
        )
    overview = panel(
        "plan-overview",
        "Plan week by week",
        _kv(
            [
                ("goal", goal(plan.get("goal"))),
                ("VDOT", num(plan.get("vdot"), 1)),
                ("weeks", len(plan.get("weeks") or [])),
            ]
        ),
        Html(
            '<div class="scroll">'
            + table(
                [
                    "week",
                    "starts",
                    "phase",
                    "planned [km]",
                    "runs",
                    "long run [km]",
                    "quality sessions",
                    "strength sessions",
                ],
                rows,
            )
            + "</div>"
        ),
        *[tag("p", n, attrs={"class": "note"}) for n in (plan.get("history_notes") or [])],
    )
    paces = plan.get("paces") or {}
    pace_rows = []
    for label, v in paces.items():
        if isinstance(v, (list, tuple)) and len(v) == 2 and all(is_num(x) for x in v):
            pace_rows.append((label, f"{dur(v[0])} - {dur(v[1])} /km"))
        elif is_num(v):
            pace_rows.append((label, f"{dur(v)} /km"))
    pace_panel = panel(
        "plan-paces",
        "Training paces",
        table(["pace", "per km"], pace_rows) if pace_rows else none_found("no paces in this plan"),
    )
    return join([head, overview, pace_panel, _plan_vs_done(plan, adh, strength, error)])
