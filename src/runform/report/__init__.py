"""Offline, self-contained HTML reports: one activity, a season, a plan.

Every report is one HTML string with its CSS and a tiny hover script inline and its
charts as SVG drawn here (:mod:`runform.report.svg`): nothing is fetched, so a report
opens from a file or an e-mail attachment without a network. User text (activity
names, device strings, file names, lap labels) is always HTML-escaped
(:mod:`runform.report.markup`).

The data comes from the services only; with ``standalone=False`` a function returns
the body fragment, which the web dashboard wraps in its own :func:`page` with its nav.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from runform.errors import RunformError
from runform.report.markup import Html
from runform.report.shell import page
from runform.store.db import Store

__all__ = ["activity_html", "page", "plan_html", "season_html"]


def activity_html(store: Store, athlete: str, activity_id: int, *, standalone: bool = True) -> str:
    """The report of one activity: summary, laps, charts, route and every form analysis.

    Raises :class:`runform.errors.NotFoundError` when the athlete has no such activity.
    """
    from runform.report.activity import activity_body
    from runform.services import show_activity
    from runform.services.form import analyze_activity
    from runform.services.report_data import chart_streams, dynamics_bands, technique_cues

    show = show_activity(store, athlete, activity_id)
    analysis: dict[str, Any] | None = None
    error = None
    if show.get("n_samples"):
        try:
            analysis = analyze_activity(store, athlete, activity_id)
        except RunformError as exc:
            error = str(exc)
    streams = chart_streams(store, athlete, activity_id)
    cues = technique_cues(analysis) if analysis is not None else []
    body = activity_body(show, analysis, streams, cues, dynamics_bands(), error)
    videos = _video_sections(store, athlete, activity_id)
    if videos:
        body = Html(str(body) + videos)
    if not standalone:
        return str(body)
    title = (
        show.get("name") or f"{show.get('sport', 'activity')} {str(show.get('start_time'))[:10]}"
    )
    return page(f"{title} - runform", body)


def _video_sections(store: Store, athlete: str, activity_id: int) -> str:
    """The video gait analyses attached to the activity (``runform video --activity``)."""
    from runform.services.video_store import videos_for_activity
    from runform.video.html import html_section

    found = videos_for_activity(store, athlete, activity_id)
    return "".join(
        html_section(v["result"], contact_sheet_png=v["contact_sheet_png"]).replace(
            '<section class="runform-video">',
            f'<section class="panel runform-video" id="video-{v["id"]}">',
            1,
        )
        for v in found
    )


def season_html(store: Store, athlete: str, weeks: int = 16, *, standalone: bool = True) -> str:
    """The season report of the last ``weeks`` weeks: volume, load, ACWR, VDOT, cadence and
    durability trends, technique work and plan vs done.

    Raises :class:`runform.errors.NotFoundError` for an unknown athlete; a panel whose
    service has nothing to say (no runs, no plan) shows that instead of vanishing.
    """
    from runform.report.season import season_body
    from runform.services.fitness import fitness
    from runform.services.form import form_history
    from runform.services.profile import resolve_profile
    from runform.services.report_data import load_series, strength_record
    from runform.services.training_load import load_report

    store.athlete_id(athlete)  # NotFoundError for an unknown athlete
    errors: dict[str, str] = {}

    def attempt(key: str, fn: Any, *args: Any, **kw: Any) -> Any:
        try:
            return fn(*args, **kw)
        except RunformError as exc:
            errors[key] = str(exc)
            return None

    fit = attempt("fitness", fitness, store, athlete)
    # as `runform load`: without a set threshold pace, the T pace of the current VDOT
    vdot = None
    if resolve_profile(store, athlete)["threshold_pace_s_per_km"].value is None and fit:
        vdot = (fit.get("current") or {}).get("vdot")
    load = attempt("load", load_report, store, athlete, weeks, vdot=vdot)
    series = (
        attempt("series", load_series, store, athlete, weeks, vdot=vdot)
        if load is not None
        else None
    )
    form = attempt("form", form_history, store, athlete, weeks)
    strength = strength_record(store, athlete)
    plan, adh = _plan_and_adherence(store, athlete, errors, None)
    body = season_body(
        athlete=athlete,
        weeks=weeks,
        load=load,
        series=series,
        fit=fit,
        form=form,
        strength=strength,
        plan=plan,
        adherence=adh,
        errors=errors,
    )
    if not standalone:
        return str(body)
    return page(f"Season report {athlete} - runform", body)


def _plan_and_adherence(
    store: Store, athlete: str, errors: dict[str, str], today: date | None
) -> tuple[dict[str, Any] | None, dict[str, Any] | None]:
    from runform.services.plan import adherence, current_plan

    try:
        plan = current_plan(store, athlete)
    except RunformError as exc:
        errors["plan"] = str(exc)
        return None, None
    try:
        return plan, adherence(store, athlete, today=today)
    except RunformError as exc:
        errors["plan"] = str(exc)
        return plan, None


def plan_html(
    store: Store, athlete: str, *, standalone: bool = True, today: date | None = None
) -> str:
    """The current plan week by week and its adherence (plan vs done).

    ``today`` (default: the real date) decides which plan weeks are done or upcoming.
    """
    from runform.report.season import plan_body
    from runform.services.report_data import strength_record

    store.athlete_id(athlete)
    errors: dict[str, str] = {}
    plan, adh = _plan_and_adherence(store, athlete, errors, today)
    body = plan_body(plan, adh, strength_record(store, athlete), errors.get("plan"))
    if not standalone:
        return str(body)
    return page(f"Plan {athlete} - runform", body)
