"""The activity report: one run, every analysis, as panels of an HTML page.

Data comes from the services only: :func:`runform.services.show_activity` (summary
and laps as the device recorded them), :func:`runform.services.form.analyze_activity`
(every form analysis), and :mod:`runform.services.report_data` (chart streams,
technique cues, Garmin's bands).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
import pandas as pd

from runform.report import svg
from runform.report.fmt import dur, is_num, km, pace
from runform.report.markup import Html, esc, join, none_found, num, panel, table, tag
from runform.report.svg import OKABE_ITO, Axis, Marker, Series, Span

__all__ = ["activity_body"]

BAND_COLOURS = {
    "purple": OKABE_ITO["purple"],
    "blue": OKABE_ITO["sky"],
    "green": OKABE_ITO["green"],
    "orange": OKABE_ITO["orange"],
    "red": OKABE_ITO["vermillion"],
}
"""Garmin's band names drawn in the nearest Okabe-Ito colour."""

KM_AXIS = Axis("distance [km]", hover="num:2")
RUNNING_CADENCE_SPM = 140.0
"""Samples under this cadence are walking or standing and stay out of the cadence plots
(walking is 100-130 steps/min, Tudor-Locke et al. 2018, doi:10.1136/bjsports-2017-097628)."""


def _kv(items: Sequence[tuple[str, object]]) -> Html:
    cells = "".join(f"<div><dt>{esc(k)}</dt><dd>{esc(v)}</dd></div>" for k, v in items)
    return Html(f'<dl class="kv">{cells}</dl>')


def _pace_axis(speed: np.ndarray, label: str = "pace [min:s per km]") -> Axis:
    ok = speed[np.isfinite(speed) & (speed > 0.5)]
    if ok.size == 0:
        return Axis(label, ticks=svg.pace_ticks, hover="pace")
    lo = max(float(np.quantile(ok, 0.05)) * 0.85, 1.0)
    hi = float(ok.max()) * 1.04
    return Axis(label, lo=lo, hi=hi, ticks=svg.pace_ticks, hover="pace")


def _q_axis(values: np.ndarray, label: str, *, digits: int = 0, q: float = 0.01) -> Axis:
    ok = values[np.isfinite(values)]
    if ok.size == 0:
        return Axis(label)
    lo, hi = float(np.quantile(ok, q)), float(np.quantile(ok, 1 - q / 4))
    pad = (hi - lo) * 0.08 or 1.0
    return Axis(label, lo=lo - pad, hi=hi + pad, hover=f"num:{digits}")


# ------------------------------------------------------------------------- panels


def _summary(show: dict[str, Any], an: dict[str, Any] | None) -> Html:
    klass = (an or {}).get("classification") or {}
    items: list[tuple[str, object]] = [
        (
            "date",
            (show.get("local_start_time") or show.get("start_time") or "")[:16].replace("T", " "),
        ),
        ("sport", " / ".join(x for x in (show.get("sport"), show.get("sub_sport")) if x)),
        ("run type", klass.get("type", "-") + (" (guess)" if klass.get("is_guess") else "")),
        ("distance", km(show.get("distance_m"))),
        ("moving time", dur(show.get("moving_time_s"))),
        ("elapsed time", dur(show.get("elapsed_time_s"))),
        ("average pace", pace(show.get("avg_speed_mps"))),
        ("average cadence", num(show.get("avg_cadence_spm"), 0, "steps/min")),
        ("average heart rate", num(show.get("avg_heart_rate_bpm"), 0, "bpm")),
        ("max heart rate", num(show.get("max_heart_rate_bpm"), 0, "bpm")),
        ("ascent", num(show.get("total_ascent_m"), 0, "m")),
        ("device", show.get("device") or "-"),
    ]
    if an and is_num(an.get("vdot")):
        items.append(("current VDOT", num(an["vdot"], 1)))
    parts: list[object] = [_kv(items)]
    if klass.get("reasons"):
        parts.append(
            tag(
                "p",
                "Classified as " + str(klass.get("type")) + ": " + "; ".join(klass["reasons"]),
                attrs={"class": "note"},
            )
        )
    src = show.get("source")
    if src:
        parts.append(tag("p", f"file: {src}", attrs={"class": "note"}))
    for w in show.get("warnings") or []:
        parts.append(tag("p", f"warning: {w}", attrs={"class": "note"}))
    return panel("summary", "Summary", *parts)


def _laps(show: dict[str, Any]) -> Html:
    laps = show.get("laps") or []
    if not laps:
        return panel("laps", "Laps", none_found("no laps recorded in this file"))
    rows = [
        (
            int(lap["index"]) + 1,
            km(lap.get("distance_m")),
            dur(lap.get("duration_s")),
            pace(lap.get("avg_speed_mps")),
            num(lap.get("avg_cadence_spm"), 0),
            num(lap.get("avg_heart_rate"), 0),
            num(lap.get("total_ascent"), 0),
            lap.get("intensity") or "",
        )
        for lap in laps
    ]
    head = [
        "lap",
        "distance",
        "time",
        "pace",
        "cadence [steps/min]",
        "HR [bpm]",
        "ascent [m]",
        "intensity",
    ]
    return panel(
        "laps",
        "Laps",
        Html(
            f'<div class="scroll tall">{table(head, rows, caption="as the device recorded them")}</div>'
        ),
    )


def _charts(st: pd.DataFrame) -> Html:
    if st.empty or "distance" not in st:
        return panel(
            "charts",
            "Pace, heart rate, cadence and elevation",
            none_found("no distance stream in this file"),
        )
    d = st["distance"].to_numpy(dtype=float) / 1000.0
    out: list[object] = []
    if "speed" in st:
        v = st["speed"].to_numpy(dtype=float)
        series = [Series("pace", d, v, colour=OKABE_ITO["blue"])]
        if "gap" in st:
            series.append(
                Series(
                    "grade-adjusted pace",
                    d,
                    st["gap"].to_numpy(dtype=float),
                    colour=OKABE_ITO["orange"],
                    width=1.2,
                )
            )
        out.append(
            svg.chart(
                title="Pace and grade-adjusted pace (up = faster)",
                series=series,
                x=KM_AXIS,
                y=_pace_axis(v),
                chart_id="chart-pace",
            )
        )
    if "heart_rate" in st and st["heart_rate"].notna().any():
        hr = st["heart_rate"].to_numpy(dtype=float)
        out.append(
            svg.chart(
                title="Heart rate",
                series=[Series("heart rate", d, hr, colour=OKABE_ITO["vermillion"])],
                x=KM_AXIS,
                y=_q_axis(hr, "heart rate [bpm]"),
                chart_id="chart-hr",
                height=200,
            )
        )
    if "cadence" in st and st["cadence"].notna().any():
        c = st["cadence"].to_numpy(dtype=float)
        # a 15-s mean: per-step scatter of +-2 steps/min would otherwise fill the plot
        raw = np.where(c >= RUNNING_CADENCE_SPM, c, np.nan)
        run = pd.Series(raw).rolling(15, center=True, min_periods=5).mean().to_numpy(dtype=float)
        out.append(
            svg.chart(
                title="Cadence (running samples)",
                series=[
                    Series("cadence (15-s mean)", d, run, colour=OKABE_ITO["purple"], width=1.0)
                ],
                x=KM_AXIS,
                y=_q_axis(run, "cadence [steps/min]"),
                chart_id="chart-cadence",
                height=200,
            )
        )
    if "altitude" in st and st["altitude"].notna().any():
        z = st["altitude"].to_numpy(dtype=float)
        out.append(
            svg.chart(
                title="Elevation",
                series=[Series("elevation", d, z, colour=OKABE_ITO["green"])],
                x=KM_AXIS,
                y=_q_axis(z, "elevation [m]", q=0.0),
                chart_id="chart-elevation",
                height=180,
            )
        )
    if not out:
        out.append(none_found("no pace, heart-rate, cadence or elevation stream in this file"))
    return panel(
        "charts",
        "Pace, heart rate, cadence and elevation",
        *out,
        note="Long streams are drawn with the minimum and maximum of each pixel column, so short peaks stay visible.",
    )


def _route(st: pd.DataFrame) -> Html:
    if "latitude" not in st or st["latitude"].notna().sum() < 2:
        return panel(
            "route", "Route", none_found("no GPS positions in this file (treadmill or indoor run)")
        )
    marks: list[tuple[int, str]] = []
    if "distance" in st:
        dist = st["distance"].to_numpy(dtype=float)
        total = float(np.nanmax(dist)) if np.isfinite(dist).any() else 0.0
        step = 5000.0 if total > 12_000 else 1000.0 if total > 2500 else 0.0
        if step:
            filled = np.nan_to_num(dist, nan=-1.0)
            for k in range(1, int(total // step) + 1):
                i = int(np.searchsorted(filled, k * step))
                if i < len(dist):
                    marks.append((i, f"{k * step / 1000:g} km"))
    return panel(
        "route",
        "Route",
        svg.route(
            st["latitude"].to_numpy(dtype=float),
            st["longitude"].to_numpy(dtype=float),
            title="Route (north up, no map)",
            marks=marks,
        ),
        note="Drawn from the file's positions only: no map tiles are fetched.",
    )


def _cadence(an: dict[str, Any], st: pd.DataFrame) -> Html:
    cad = an.get("cadence") or {}
    parts: list[object] = []
    facts = [
        ("running cadence", num(cad.get("avg_running_cadence_spm"), 1, "steps/min")),
        ("steady cadence", num(cad.get("steady_cadence_spm"), 1, "steps/min")),
        ("at steady pace", pace(cad.get("steady_speed_mps"))),
        ("your usual at that pace", num(cad.get("expected_spm"), 1, "steps/min")),
        ("difference", num(cad.get("difference_spm"), 1, "steps/min")),
    ]
    parts.append(_kv(facts))
    if "cadence" in st and "speed" in st:
        v = st["speed"].to_numpy(dtype=float)
        c = st["cadence"].to_numpy(dtype=float)
        ok = np.isfinite(v) & np.isfinite(c) & (c >= RUNNING_CADENCE_SPM) & (v > 1.5)
        series = [
            Series("this run (samples)", v[ok], c[ok], kind="points", colour=OKABE_ITO["sky"])
        ]
        vmin = float(v[ok].min()) if ok.any() else 2.5
        vmax = float(v[ok].max()) if ok.any() else 4.5
        model = cad.get("model")
        if model:
            xs = np.linspace(model["speed_min_mps"], model["speed_max_mps"], 20)
            series.append(
                Series(
                    "your cadence line (all runs)",
                    xs,
                    model["intercept_spm"] + model["slope_spm_per_mps"] * xs,
                    colour=OKABE_ITO["black"],
                    width=2.2,
                )
            )
        own = cad.get("own_model")
        if own:
            xs = np.linspace(own["speed_min_mps"], own["speed_max_mps"], 10)
            series.append(
                Series(
                    "this run's line",
                    xs,
                    own["intercept_spm"] + own["slope_spm_per_mps"] * xs,
                    colour=OKABE_ITO["blue"],
                    dash=True,
                    width=2.0,
                )
            )
        tx, ty, tl = [], [], []
        for t in cad.get("targets") or []:
            for tt in t.get("targets") or []:
                tx.append(t["speed_mps"])
                ty.append(tt["cadence_spm"])
                tl.append(
                    f"{t['label']} pace {pace(t['speed_mps'])}: +{tt['increase_pct']:g} % = {tt['cadence_spm']:.0f} steps/min"
                )
        if tx:
            series.append(
                Series(
                    "targets (+5/7.5/10 %)",
                    tx,
                    ty,
                    kind="points",
                    colour=OKABE_ITO["vermillion"],
                    labels=tl,
                )
            )
            vmin, vmax = min(vmin, min(tx)), max(vmax, max(tx))
        ys = c[ok]
        lo = float(np.quantile(ys, 0.005)) if ys.size else 150.0
        hi = max([float(np.quantile(ys, 0.999))] if ys.size else [190.0])
        if ty:
            hi = max(hi, max(ty))
        parts.append(
            svg.chart(
                title="Cadence against speed",
                series=series,
                x=Axis(
                    "pace [min:s per km], faster to the right",
                    lo=vmin * 0.97,
                    hi=vmax * 1.03,
                    ticks=svg.pace_ticks,
                    hover="pace",
                ),
                y=Axis("cadence [steps/min]", lo=lo - 2, hi=hi + 2, hover="num:0"),
                chart_id="chart-cadence-speed",
                height=300,
            )
        )
    rows = []
    for t in cad.get("targets") or []:
        cells: list[str | float | Html | None] = [
            t["label"],
            pace(t["speed_mps"]),
            num(t.get("baseline_spm"), 1),
            num(t.get("baseline_step_length_m"), 2),
        ]
        cells += [
            f"{tt['cadence_spm']:.0f} ({tt['step_length_m']:.2f} m)"
            for tt in t.get("targets") or []
        ]
        rows.append(cells)
    if rows:
        n = max(len(r) for r in rows) - 4
        pcts = [f"+{tt['increase_pct']:g} %" for tt in (cad["targets"][0].get("targets") or [])][:n]
        parts.append(
            table(
                ["pace", "speed as", "your cadence [steps/min]", "step length [m]", *pcts],
                rows,
                caption="Cadence targets relative to your own cadence at each pace (never a fixed 180)",
            )
        )
    elif not cad.get("model"):
        parts.append(none_found("no personal cadence line yet: it needs more steady running"))
    return panel("cadence", "Cadence for the pace", *parts)


def _time_to_km(st: pd.DataFrame, seconds: float) -> float:
    if "time" not in st or "distance" not in st:
        return math.nan
    t = st["time"].to_numpy(dtype=float)
    d = st["distance"].to_numpy(dtype=float)
    ok = np.isfinite(t) & np.isfinite(d)
    if not ok.any():
        return math.nan
    return float(np.interp(seconds, t[ok], d[ok])) / 1000.0


def _durability(an: dict[str, Any], st: pd.DataFrame) -> Html:
    dur_ = an.get("durability") or {}
    if dur_.get("status") != "ok":
        why = dur_.get("status") or "not analysed"
        return panel(
            "durability",
            "Durability: form late in the run",
            none_found(
                f"not measured in this run ({why}); durability needs a steady run of at least 75 min"
            ),
        )
    parts: list[object] = []
    onset = dur_.get("onset")
    facts = [
        (
            "onset",
            f"{km(onset['distance_m'], 1)} / {dur(onset['time_s'])} ({onset['metric'].replace('_', ' ')})"
            if onset
            else "no onset: form held",
        ),
        ("decoupling (pace:HR)", num((dur_.get("decoupling") or {}).get("decoupling_pct"), 1, "%")),
        ("reference pace", pace((dur_.get("reference") or {}).get("speed_mps"))),
    ]
    parts.append(_kv(facts))
    wins = dur_.get("windows") or []
    if wins:
        mid = np.array([(w["start_m"] + w["end_m"]) / 2000.0 for w in wins])
        cad = np.array([_val(w, "cadence") for w in wins])
        sl = np.array([_val(w, "step_length") for w in wins])
        ref = dur_.get("reference") or {}
        spans = []
        if ref:
            spans.append(
                Span(
                    _time_to_km(st, ref["start_s"]),
                    _time_to_km(st, ref["end_s"]),
                    "early (reference)",
                    colour=OKABE_ITO["sky"],
                )
            )
        last_end = float(wins[-1]["end_s"])
        spans.append(
            Span(
                _time_to_km(st, last_end - 900.0),
                wins[-1]["end_m"] / 1000.0,
                "late (last 15 min)",
                colour=OKABE_ITO["orange"],
            )
        )
        markers = [
            Marker(
                o["distance_m"] / 1000.0,
                f"onset {o['metric'].replace('_', ' ')} {o['distance_m'] / 1000:.1f} km",
            )
            for o in ([onset] if onset else [])
        ]
        parts.append(
            svg.chart(
                title="Cadence and step length per 5-min window, at matched speed",
                series=[
                    Series("cadence", mid, cad, colour=OKABE_ITO["purple"]),
                    Series("step length", mid, sl, colour=OKABE_ITO["green"], right=True),
                ],
                x=KM_AXIS,
                y=_q_axis(cad, "cadence [steps/min]", digits=1, q=0.0),
                y2=Axis("step length [m]", hover="num:3", fmt=lambda v: f"{v:.2f}"),
                spans=spans,
                markers=markers,
                chart_id="chart-durability",
                height=280,
            )
        )
    rows = []
    for d in dur_.get("drift") or []:
        unit = d.get("unit", "")
        digits = 3 if unit in ("m", "s") else 1
        rows.append(
            (
                d["metric"].replace("_", " "),
                unit,
                num(d.get("early"), digits),
                num(d.get("late"), digits),
                num(d.get("change"), digits),
                num(d.get("change_pct"), 1),
            )
        )
    if rows:
        parts.append(
            table(
                ["metric", "unit", "early", "late", "change", "change [%]"],
                rows,
                caption="Early window against the last 15 min of steady running, speed-adjusted",
            )
        )
    return panel("durability", "Durability: form late in the run", *parts)


def _val(w: dict[str, Any], k: str) -> float:
    v = (w.get("values") or {}).get(k)
    return float(v) if isinstance(v, (int, float)) and is_num(v) else math.nan


def _hills(an: dict[str, Any]) -> Html:
    h = an.get("hills") or {}
    bg = h.get("by_grade") or {}
    bands = [b for b in bg.get("bands") or [] if (b.get("seconds") or 0) > 0]
    parts: list[object] = []
    if bands:
        x = np.arange(len(bands), dtype=float)
        ticks = [(float(i), str(b["label"])) for i, b in enumerate(bands)]
        cad = np.array(
            [b["avg_cadence_spm"] if is_num(b.get("avg_cadence_spm")) else np.nan for b in bands],
            dtype=float,
        )
        sl = np.array(
            [
                b["avg_step_length_m"] if is_num(b.get("avg_step_length_m")) else np.nan
                for b in bands
            ],
            dtype=float,
        )
        labels_c = [
            f"{b['label']}: {num(b.get('avg_cadence_spm'), 1)} steps/min, {dur(b.get('seconds'))}"
            for b in bands
        ]
        labels_s = [f"{b['label']}: step {num(b.get('avg_step_length_m'), 2)} m" for b in bands]
        parts.append(
            svg.chart(
                title="Cadence and step length by grade band",
                series=[
                    Series(
                        "cadence",
                        x,
                        cad,
                        kind="points",
                        colour=OKABE_ITO["purple"],
                        labels=labels_c,
                    ),
                    Series("", x, cad, colour=OKABE_ITO["purple"]),
                    Series(
                        "step length",
                        x,
                        sl,
                        kind="points",
                        colour=OKABE_ITO["green"],
                        right=True,
                        labels=labels_s,
                    ),
                    Series("", x, sl, colour=OKABE_ITO["green"], right=True),
                ],
                x=Axis("grade band [%]", lo=-0.5, hi=len(bands) - 0.5, ticks=ticks, hover="none"),
                y=_q_axis(cad, "cadence [steps/min]", q=0.0),
                y2=Axis("step length [m]", fmt=lambda v: f"{v:.2f}"),
                chart_id="chart-hills",
                height=240,
            )
        )
        rows = [
            (
                b["label"],
                dur(b.get("seconds")),
                pace(b.get("avg_speed_mps")),
                pace(b.get("avg_gap_mps")),
                num(b.get("avg_cadence_spm"), 1),
                num(b.get("avg_step_length_m"), 2),
                num(_ms(b.get("avg_contact_time_s")), 0),
                num(b.get("cadence_delta_spm"), 1),
            )
            for b in bands
        ]
        parts.append(
            table(
                [
                    "grade",
                    "time",
                    "pace",
                    "grade-adj. pace",
                    "cadence [steps/min]",
                    "step [m]",
                    "contact [ms]",
                    "cadence vs flat [steps/min]",
                ],
                rows,
                caption=f"Grade-adjusted with the {h.get('model', 'minetti')} model",
            )
        )
        flags = []
        if bg.get("overstriding_downhill"):
            flags.append("longer steps at lower cadence downhill: overstriding")
        if bg.get("cadence_collapse_uphill"):
            flags.append("cadence collapsed on the climbs")
        if flags:
            parts.append(tag("p", "; ".join(flags)))
    else:
        parts.append(none_found("no grade data in this run (no altitude)"))
    climbs = h.get("climbs") or []
    if climbs:
        rows2 = [
            (
                i + 1,
                km(c.get("start_distance_m")),
                km(c.get("distance_m")),
                num(c.get("gain_m"), 0),
                num(100 * (c.get("mean_grade") or 0), 1),
                pace(c.get("avg_speed_mps")),
                pace(c.get("avg_gap_mps")),
                num(c.get("avg_cadence_spm"), 0),
            )
            for i, c in enumerate(climbs)
        ]
        parts.append(tag("h3", "Climbs"))
        parts.append(
            table(
                [
                    "#",
                    "at",
                    "length",
                    "gain [m]",
                    "grade [%]",
                    "pace",
                    "grade-adj. pace",
                    "cadence [steps/min]",
                ],
                rows2,
            )
        )
    else:
        parts.append(none_found("no climbs found in this run"))
    reps = h.get("repeats") or []
    if reps:
        rows3 = [
            (
                r.get("rep"),
                dur(r.get("duration_s")),
                km(r.get("distance_m")),
                num(r.get("gain_m"), 0),
                num(100 * (r.get("mean_grade") or 0), 1),
                pace(r.get("avg_gap_mps")),
                num(r.get("avg_cadence_spm"), 0),
                num(r.get("avg_step_length_m"), 2),
                num(r.get("avg_heart_rate_bpm"), 0),
            )
            for r in reps
        ]
        parts.append(tag("h3", f"Hill repeats ({len(reps)})"))
        parts.append(
            table(
                [
                    "rep",
                    "time",
                    "distance",
                    "gain [m]",
                    "grade [%]",
                    "grade-adj. pace",
                    "cadence [steps/min]",
                    "step [m]",
                    "HR [bpm]",
                ],
                rows3,
            )
        )
    else:
        parts.append(none_found("no hill repeats found in this run"))
    return panel("hills", "Hills by grade", *parts)


def _ms(v: Any) -> float | None:
    return float(v) * 1000.0 if is_num(v) else None


def _intervals(an: dict[str, Any]) -> Html:
    reps = an.get("intervals") or []
    summary = an.get("interval_summary") or {}
    if not reps:
        notes = summary.get("notes") or []
        return panel(
            "intervals",
            "Intervals",
            none_found("no intervals found in this run" + (f" ({notes[0]})" if notes else "")),
        )
    rows = [
        (
            i + 1,
            r.get("kind") or "",
            dur(r.get("duration_s")),
            km(r.get("distance_m")),
            pace(r.get("avg_speed_mps")),
            pace(r.get("avg_gas_mps")),
            num(r.get("avg_cadence_spm"), 1),
            num(r.get("avg_step_length_m"), 2),
            num(_ms(r.get("avg_ground_contact_time_s")), 0),
            num(r.get("avg_heart_rate_bpm"), 0),
        )
        for i, r in enumerate(reps)
    ]
    parts: list[object] = [
        table(
            [
                "rep",
                "kind",
                "time",
                "distance",
                "pace",
                "grade-adj. pace",
                "cadence [steps/min]",
                "step [m]",
                "contact [ms]",
                "HR [bpm]",
            ],
            rows,
            caption=f"found from {summary.get('source', '?')}",
        ),
    ]
    n = np.arange(1, len(reps) + 1, dtype=float)
    cad = np.array(
        [r.get("avg_cadence_spm") if is_num(r.get("avg_cadence_spm")) else np.nan for r in reps],
        dtype=float,
    )
    gct = np.array([_ms(r.get("avg_ground_contact_time_s")) or np.nan for r in reps], dtype=float)
    series = [
        Series(
            "cadence",
            n,
            cad,
            kind="points",
            colour=OKABE_ITO["purple"],
            labels=[f"rep {int(k)}: {c:.1f} steps/min" for k, c in zip(n, cad, strict=True)],
        ),
        Series("", n, cad, colour=OKABE_ITO["purple"]),
    ]
    y2 = None
    if np.isfinite(gct).any():
        series += [
            Series(
                "contact time",
                n,
                gct,
                kind="points",
                colour=OKABE_ITO["orange"],
                right=True,
                labels=[f"rep {int(k)}: {g:.0f} ms" for k, g in zip(n, gct, strict=True)],
            ),
            Series("", n, gct, colour=OKABE_ITO["orange"], right=True),
        ]
        y2 = _q_axis(gct, "contact time [ms]", q=0.0)
    parts.append(
        svg.chart(
            title="Form per rep",
            series=series,
            x=Axis(
                "rep",
                lo=0.5,
                hi=len(reps) + 0.5,
                ticks=[(float(k), str(int(k))) for k in n],
                hover="num:0",
            ),
            y=_q_axis(cad, "cadence [steps/min]", digits=1, q=0.0),
            y2=y2,
            chart_id="chart-reps",
            height=230,
        )
    )
    cons = summary.get("consistency") or {}
    if cons:
        parts.append(
            _kv(
                [
                    (
                        "cadence trend",
                        num(cons.get("cadence_slope_spm_per_rep"), 2, "steps/min per rep"),
                    ),
                    ("cadence spread (CV)", num(cons.get("cadence_cv_pct"), 2, "%")),
                    (
                        "contact-time trend",
                        num(_ms(cons.get("contact_time_slope_s_per_rep")), 2, "ms per rep"),
                    ),
                    ("pacing spread (CV)", num(cons.get("speed_cv_pct"), 2, "%")),
                ]
            )
        )
    return panel("intervals", f"Intervals ({len(reps)} reps)", *parts)


def _strides(an: dict[str, Any]) -> Html:
    strides = an.get("strides") or []
    if not strides:
        return panel("strides", "Strides", none_found("no strides found in this run"))
    rows = [
        (
            i + 1,
            dur(s.get("start_s")),
            num(s.get("duration_s"), 0),
            num(s.get("distance_m"), 0),
            pace(s.get("peak_speed_mps")),
            num(100 * s["peak_vs_5k"] if is_num(s.get("peak_vs_5k")) else None, 0),
            num(s.get("peak_cadence_spm"), 0),
            num(s.get("recovery_s"), 0),
        )
        for i, s in enumerate(strides)
    ]
    parts: list[object] = [
        table(
            [
                "#",
                "at",
                "time [s]",
                "distance [m]",
                "peak pace",
                "peak vs 5K pace [%]",
                "peak cadence [steps/min]",
                "recovery [s]",
            ],
            rows,
        )
    ]
    score = an.get("stride_score") or {}
    if score:
        text = f"Score {num(score.get('score'), 0)}/100 against the prescription"
        pres = score.get("prescription") or {}
        if pres:
            text += f" ({pres.get('count')} x {num(pres.get('distance_m'), 0)} m at 5K pace, {num(pres.get('recovery_s'), 0)} s {pres.get('recovery', '')} recovery)"
        parts.append(tag("p", text))
        for n in score.get("notes") or []:
            parts.append(tag("p", n, attrs={"class": "note"}))
    return panel("strides", f"Strides ({len(strides)})", *parts)


def _fmt_metric(metric: str) -> tuple[float, str, int]:
    """(display factor, display unit, digits) for a dynamics metric in SI units."""
    return {
        "cadence": (1.0, "steps/min", 0),
        "ground_contact_time": (1000.0, "ms", 0),
        "vertical_oscillation": (100.0, "cm", 1),
        "vertical_ratio": (1.0, "%", 1),
        "gct_balance": (1.0, "% larger side", 1),
        "gct_asymmetry": (1.0, "pp", 2),
        "step_length": (1.0, "m", 2),
        "form_power": (1.0, "W", 0),
        "leg_spring_stiffness": (1.0, "kN/m", 1),
    }.get(metric, (1.0, "", 2))


def _fixed(digits: int) -> Callable[[float], str]:
    return lambda x: f"{x:.{digits}f}"


def _dynamics(
    an: dict[str, Any], bands: dict[str, list[tuple[str, float | None, float | None]]]
) -> Html:
    metrics = ((an.get("dynamics") or {}).get("metrics")) or {}
    if not metrics:
        return panel(
            "dynamics",
            "Running dynamics",
            none_found(
                "no running-dynamics data in this file (needs a chest strap, pod or a watch that records them)"
            ),
        )
    rows = []
    strips = []
    for name, m in metrics.items():
        f, unit, digits = _fmt_metric(name)
        v = m.get("value")
        shown = v
        if name == "gct_balance" and is_num(v):
            shown = max(float(v), 100.0 - float(v))
        band = m.get("band")
        badge = Html(f'<span class="band b-{esc(band)}">{esc(band)}</span>') if band else ""
        rows.append(
            (
                name.replace("_", " "),
                num(shown * f if is_num(shown) else None, digits, unit),
                badge,
                num(m.get("baseline") * f if is_num(m.get("baseline")) else None, digits, unit),
            )
        )
        if name in bands and is_num(shown):
            strips.append(
                svg.band_strip(
                    [
                        (b, None if lo is None else lo * f, None if hi is None else hi * f)
                        for b, lo, hi in bands[name]
                    ],
                    float(shown) * f,
                    title=f"{name.replace('_', ' ')} [{unit}]",
                    fmt=_fixed(digits),
                    colours=BAND_COLOURS,
                )
            )
    parts: list[object] = [
        table(["metric", "this run", "Garmin band", "your baseline"], rows),
        Html('<div class="grid2">' + "".join(strips) + "</div>"),
    ]
    return panel(
        "dynamics",
        "Running dynamics against the published bands",
        *parts,
        note="Bands: Garmin's percentiles of its users (purple > 95, blue 70-95, green 30-69, orange 5-29, red < 5); balance is banded on the larger side's share.",
    )


def _asymmetry(an: dict[str, Any]) -> Html:
    a = ((an.get("dynamics") or {}).get("asymmetry")) or {}
    if not a or not is_num(a.get("early_pp")):
        return panel(
            "asymmetry",
            "Left/right asymmetry",
            none_found("no left/right balance data, or the run is too short for a trend (30 min)"),
        )
    verdict = (
        "grew late in the run: a sign of fatigue on one side" if a.get("flagged") else "held steady"
    )
    parts = [
        _kv(
            [
                ("early |balance - 50|", num(a.get("early_pp"), 2, "pp")),
                ("late |balance - 50|", num(a.get("late_pp"), 2, "pp")),
                ("growth", num(a.get("growth_pp"), 2, "pp")),
                ("flag at", num(a.get("threshold_pp"), 1, "pp")),
            ]
        ),
        tag("p", f"Asymmetry {verdict}."),
    ]
    return panel("asymmetry", "Left/right asymmetry", *parts)


def _cues(cues: list[dict[str, str]]) -> Html:
    if not cues:
        return panel(
            "cues",
            "Technique cues for this run",
            none_found("no technique flags in this run: nothing to change"),
        )
    items = [
        Html(f"<li><strong>{esc(c['name'])}</strong> ({esc(c['finding'])}): {esc(c['cue'])}</li>")
        for c in cues
    ]
    return panel(
        "cues", "Technique cues for this run", Html('<ul class="cues">' + "".join(items) + "</ul>")
    )


def activity_body(
    show: dict[str, Any],
    analysis: dict[str, Any] | None,
    streams: pd.DataFrame,
    cues: list[dict[str, str]],
    bands: dict[str, list[tuple[str, float | None, float | None]]],
    analysis_error: str | None = None,
) -> Html:
    """All panels of one activity's report (the body fragment)."""
    name = (
        show.get("name")
        or f"{show.get('sport', 'activity')} {str(show.get('local_start_time') or show.get('start_time') or '')[:10]}"
    )
    head = Html(
        f'<header class="rep"><h1>{esc(name)}</h1><p>{esc(km(show.get("distance_m")))} in {esc(dur(show.get("moving_time_s")))} - activity {esc(show.get("id"))}</p></header>'
    )
    parts: list[object] = [
        head,
        _summary(show, analysis),
        _laps(show),
        _charts(streams),
        _route(streams),
    ]
    if analysis is None:
        parts.append(
            panel(
                "analysis",
                "Form analysis",
                none_found(f"not analysed: {analysis_error or 'no samples'}"),
            )
        )
        return join(parts)
    parts += [
        _cadence(analysis, streams),
        _durability(analysis, streams),
        _hills(analysis),
        _intervals(analysis),
        _strides(analysis),
        _dynamics(analysis, bands),
        _asymmetry(analysis),
        _cues(cues),
    ]
    return join(parts)
