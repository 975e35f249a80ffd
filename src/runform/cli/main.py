"""The ``runform`` command line: thin commands over :mod:`runform.services`.

User errors print one line (``runform: error: ...``) and exit non-zero; set
``RUNFORM_DEBUG=1`` for a full traceback. Heavy libraries are imported inside
commands so that ``runform --help`` stays instant.
"""

from __future__ import annotations

import json
import os
import sys
from datetime import UTC, datetime
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from runform.errors import RunformError, UsageError

if TYPE_CHECKING:
    from runform.store.db import Store

app = typer.Typer(
    name="runform",
    help="Running technique analytics for marathon runners and their coaches.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)


class _State:
    db: Path | None = None
    athlete: str = "me"


state = _State()

JsonOpt = Annotated[
    bool, typer.Option("--json", help="Print machine-readable JSON instead of a table.")
]


@app.callback()
def _global(
    db: Annotated[
        Path | None,
        typer.Option(
            "--db",
            help="The store (DuckDB file). Default: $RUNFORM_DB, else runform.duckdb in your user data folder.",
            show_default=False,
        ),
    ] = None,
    athlete: Annotated[
        str,
        typer.Option("--athlete", help="Whose data: a coach keeps several athletes in one store."),
    ] = "me",
) -> None:
    """Running technique analytics for marathon runners and their coaches."""
    state.db = db
    state.athlete = athlete


def _db_path() -> Path:
    from runform.store.db import default_db_path

    return state.db if state.db is not None else default_db_path()


def _open_store(read_only: bool = False) -> Store:
    from runform.store.db import Store

    return Store(_db_path(), read_only=read_only)


def _open_store_caching() -> Store:
    """The store for a history command: writable, so per-activity results it computes are
    kept in the metrics cache and the next call is fast; read-only when it cannot be written
    (e.g. a file the user may only read)."""
    from runform.errors import StoreError
    from runform.store.db import Store

    path = _db_path()
    if not path.exists():
        return Store(path, read_only=True)  # says there is no store yet
    try:
        return Store(path)
    except StoreError:
        return Store(path, read_only=True)


def _echo_json(obj: Any) -> None:
    typer.echo(json.dumps(obj, indent=2, default=str))


def _console() -> Any:
    from rich.console import Console

    # Piped output gets a wide console so tables are not squeezed into 80 columns.
    return Console(soft_wrap=True, width=None if sys.stdout.isatty() else 160)


# -- import -----------------------------------------------------------------------------------
@app.command("import")
def import_cmd(
    paths: Annotated[
        list[Path],
        typer.Argument(
            help="FIT/TCX/GPX files, folders, .zip exports (Garmin, Strava), .gz files."
        ),
    ],
    as_json: JsonOpt = False,
) -> None:
    """Import activities from files, folders and bulk-export archives.

    Files are read on every core and stored several to a transaction: an interrupted
    import keeps every batch it finished, and importing the same content again is a no-op.
    Unknown files are counted and skipped; a bad file is reported and the rest goes on.
    """
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    from runform import services

    with _open_store() as store:
        total = services.count_inputs(paths)
        progress = Progress(
            TextColumn("[bold]importing"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            TextColumn("{task.description}"),
            transient=True,
            disable=as_json or not sys.stderr.isatty(),
            console=_stderr_console(),
        )
        with progress:
            task = progress.add_task("", total=total or None)

            def tick(label: str, done: int) -> None:
                progress.update(task, completed=done, description=Path(label).name[-40:])

            report = services.import_paths(
                store, paths, athlete=state.athlete, progress=tick, expected_files=total
            )
    if as_json:
        _echo_json(report.as_json())
    else:
        con = _console()
        con.print(
            f"Imported [bold]{report.imported}[/] file(s) ({len(report.activity_ids)} activities), "
            f"{report.duplicates} already in the store, {report.skipped} skipped (not activity files), "
            f"{len(report.failed)} failed."
        )
        for p in report.partial:
            con.print(f"[yellow]partial[/] {p['path']}: {p['warning']}", highlight=False)
        for f in report.failed:
            con.print(f"[red]failed[/] {f['path']}: {f['error']}", highlight=False)
        con.print(f"Store: {_db_path()}  (athlete {state.athlete!r})", highlight=False)
    if report.failed and not report.activity_ids and not report.duplicates:
        raise typer.Exit(1)


def _stderr_console() -> Any:
    from rich.console import Console

    return Console(stderr=True)


# -- activities -------------------------------------------------------------------------------
class Units(StrEnum):
    km = "km"
    mi = "mi"


def _parse_date(value: str | None) -> datetime | None:
    if value is None:
        return None
    try:
        d = datetime.fromisoformat(value)
    except ValueError as exc:
        raise UsageError(f"--since {value!r}: not a date (use YYYY-MM-DD)") from exc
    return d if d.tzinfo else d.replace(tzinfo=UTC)


@app.command("activities")
def activities_cmd(
    since: Annotated[str | None, typer.Option(help="Only from this date (YYYY-MM-DD).")] = None,
    sport: Annotated[str | None, typer.Option(help="Only this sport, e.g. running.")] = None,
    units: Annotated[Units, typer.Option(help="Distance and pace units.")] = Units.km,
    as_json: JsonOpt = False,
) -> None:
    """List activities: date, sport, distance, moving/elapsed time, pace, cadence, device."""
    from rich.table import Table

    from runform import services
    from runform.units import format_duration, format_pace

    since_dt = _parse_date(since)  # check arguments before touching the store
    with _open_store(read_only=True) as store:
        rows = services.list_activities(store, state.athlete, since=since_dt, sport=sport)
    if as_json:
        _echo_json([services.activity_json(r) for r in rows])
        return
    unit_m = 1000.0 if units is Units.km else 1609.344
    table = Table(title=f"{len(rows)} activities of {state.athlete}", title_justify="left")
    for col, just in (
        ("id", "right"),
        ("local start", "left"),
        ("sport", "left"),
        (units.value, "right"),
        ("moving", "right"),
        ("elapsed", "right"),
        (f"pace /{units.value}", "right"),
        ("spm", "right"),
        ("device", "left"),
    ):
        table.add_column(col, justify=just)  # type: ignore[arg-type]
    for r in rows:
        local = r.start_time
        if r.utc_offset_s is not None:
            from datetime import timedelta, timezone

            local = r.start_time.astimezone(timezone(timedelta(seconds=r.utc_offset_s)))
        sport_label = r.sport + (f"/{r.sub_sport}" if r.sub_sport else "")
        table.add_row(
            str(r.id),
            local.strftime("%Y-%m-%d %H:%M") + ("" if r.utc_offset_s is not None else " UTC"),
            sport_label + (" (partial)" if r.partial else ""),
            f"{r.distance_m / unit_m:.2f}" if r.distance_m is not None else "-",
            format_duration(r.moving_time_s),
            format_duration(r.elapsed_time_s),
            format_pace(r.avg_speed_mps, unit_m)
            if r.sport in ("running", "walking", "hiking")
            else "-",
            f"{r.avg_cadence_spm:.0f}" if r.avg_cadence_spm is not None else "-",
            r.device if len(r.device) <= 28 else r.device[:27] + "…",
        )
    _console().print(table)


# -- show -------------------------------------------------------------------------------------
@app.command("show")
def show_cmd(
    activity_id: Annotated[int, typer.Argument(help="Activity id (see `runform activities`).")],
    as_json: JsonOpt = False,
) -> None:
    """Show one activity: our totals, the device's summary and its laps."""
    from rich.table import Table

    from runform import services
    from runform.units import format_duration, format_pace

    with _open_store(read_only=True) as store:
        info = services.show_activity(store, state.athlete, activity_id)
    if as_json:
        _echo_json(info)
        return
    con = _console()
    con.print(
        f"[bold]#{info['id']}[/] {info['sport']} {info['local_start_time'] or info['start_time']}"
        f"  {info['name'] or ''}",
        highlight=False,
    )
    dist = info["distance_m"]
    con.print(
        f"distance {dist / 1000:.2f} km  moving {format_duration(info['moving_time_s'])}  "
        f"elapsed {format_duration(info['elapsed_time_s'])}  pace {format_pace(info['avg_speed_mps'])}/km  "
        f"cadence {info['avg_cadence_spm'] or 0:.0f} spm  HR {info['avg_heart_rate_bpm'] or 0:.0f} bpm  "
        f"device {info['device']}"
        if dist is not None
        else f"device {info['device']}",
        highlight=False,
    )
    for w in info["warnings"]:
        con.print(f"[yellow]note[/] {w}", highlight=False)
    table = Table(title="laps (as the device recorded them)", title_justify="left")
    for col in ("#", "start", "km", "time", "pace", "spm", "HR", "GCT ms", "VO cm"):
        table.add_column(col, justify="right")
    for lap in info["laps"]:
        gct = lap.get("avg_ground_contact_time")
        vo = lap.get("avg_vertical_oscillation")
        table.add_row(
            str(lap["index"] + 1),
            _local_clock(lap["start"], info["local_start_time"]),
            f"{(lap['distance_m'] or 0) / 1000:.2f}",
            format_duration(lap["duration_s"]),
            format_pace(lap["avg_speed_mps"]),
            f"{lap['avg_cadence_spm']:.0f}" if lap["avg_cadence_spm"] is not None else "-",
            f"{lap.get('avg_heart_rate', 0) or 0:.0f}",
            f"{gct * 1000:.0f}" if gct else "-",
            f"{vo * 100:.1f}" if vo else "-",
        )
    con.print(table)


def _local_clock(iso_utc: str | None, local_start: str | None) -> str:
    """hh:mm:ss of a UTC ISO time in the activity's local time (UTC when unknown)."""
    if not iso_utc:
        return "-"
    t = datetime.fromisoformat(iso_utc.replace("Z", "+00:00"))
    if local_start:
        t = t.astimezone(datetime.fromisoformat(local_start).tzinfo)
    return t.strftime("%H:%M:%S")


# -- export -----------------------------------------------------------------------------------
class ExportFormat(StrEnum):
    csv = "csv"
    parquet = "parquet"


@app.command("export")
def export_cmd(
    activity_id: Annotated[int, typer.Argument(help="Activity id.")],
    fmt: Annotated[ExportFormat, typer.Option("--format", help="File format.")] = ExportFormat.csv,
    output: Annotated[Path, typer.Option("-o", "--output", help="File to write.")] = Path(
        "activity.csv"
    ),
    as_json: JsonOpt = False,
) -> None:
    """Export an activity's streams (SI units, canonical column names) to CSV or Parquet."""
    from runform import services

    with _open_store(read_only=True) as store:
        n = services.export_streams(store, state.athlete, activity_id, fmt.value, output)
    if as_json:
        _echo_json({"path": str(output), "rows": n, "format": fmt.value})
    else:
        typer.echo(f"wrote {n} samples to {output}")


# -- training science -------------------------------------------------------------------------
UnitsOpt = Annotated[Units, typer.Option("--units", help="Distance and pace units.")]


def _unit_m(units: Units) -> float:
    return 1000.0 if units is Units.km else 1609.344


@app.command("vdot")
def vdot_cmd(
    race: Annotated[
        str, typer.Option("--race", help="A race result, e.g. 10k=41:21, half=1:31:35.")
    ],
    units: UnitsOpt = Units.km,
    as_json: JsonOpt = False,
) -> None:
    """VDOT of a race (Daniels & Gilbert), equivalent times and training paces."""
    from rich.table import Table

    from runform.performance.predict import vdot_report
    from runform.performance.races import parse_race
    from runform.units import format_duration

    rep = vdot_report(parse_race(race))
    if as_json:
        _echo_json(rep)
        return
    um = _unit_m(units)
    con = _console()
    con.print(f"[bold]VDOT {rep['vdot']:.1f}[/] from {race}", highlight=False)
    eq = Table(title="equivalent race times", title_justify="left")
    for name in rep["equivalents"]:
        eq.add_column(name.replace("_", " "), justify="right")
    eq.add_row(*(format_duration(t) for t in rep["equivalents"].values()))
    con.print(eq)
    pt = Table(title=f"training paces (per {units.value})", title_justify="left")
    for col in ("E (easy)", "M (marathon)", "T (threshold)", "I (interval)", "R (repetition)"):
        pt.add_column(col, justify="right")
    p = rep["paces"]
    pt.add_row(
        f"{format_duration(p['E'][0] * um / 1000)}-{format_duration(p['E'][1] * um / 1000)}",
        *(format_duration(p[k] * um / 1000) for k in ("M", "T", "I", "R")),
    )
    con.print(pt)


class Model(StrEnum):
    vdot = "vdot"
    riegel = "riegel"
    cameron = "cameron"


@app.command("predict")
def predict_cmd(
    race: Annotated[
        list[str],
        typer.Option(
            "--race",
            help="A race result, e.g. 5k=20:00. Give two with --model riegel for a personal exponent.",
        ),
    ],
    to: Annotated[
        str, typer.Option("--to", help="Target distance, e.g. marathon, half, 10k, 30km.")
    ],
    model: Annotated[Model, typer.Option("--model", help="Prediction model.")] = Model.vdot,
    exponent: Annotated[
        float | None, typer.Option(help="Riegel exponent (1.06, or personal from two races).")
    ] = None,
    as_json: JsonOpt = False,
) -> None:
    """Predict a race time from one result (VDOT, Riegel or Cameron), with caveats."""
    from runform.performance.predict import predict, riegel_exponent
    from runform.performance.races import parse_distance, parse_race
    from runform.units import format_duration

    if len(race) > 2 or (len(race) == 2 and model is not Model.riegel):
        raise UsageError("give one --race, or two with --model riegel (personal exponent)")
    races = sorted((parse_race(r) for r in race), key=lambda r: r.distance_m)
    try:
        target = parse_distance(to)
    except RunformError as exc:
        raise UsageError(f"--to {to!r}: {exc}") from exc
    if len(races) == 2:
        a, b = races
        exponent = exponent or riegel_exponent(a.distance_m, a.time_s, b.distance_m, b.time_s)
    r = races[-1]  # the longer race predicts best
    pred = predict(r.distance_m, r.time_s, target, model=model.value, exponent=exponent or 1.06)
    if as_json:
        _echo_json(
            {
                "time_s": pred.time_s,
                "model": pred.model,
                "exponent": exponent if model is Model.riegel else None,
                "warnings": list(pred.warnings),
            }
        )
        return
    race = [f"{r.label}={format_duration(r.time_s)}"]
    con = _console()
    con.print(
        f"{to}: [bold]{format_duration(pred.time_s)}[/] ({pred.model} model, from {race[0]}"
        + (f", exponent {exponent:.3f}" if model is Model.riegel and exponent else "")
        + ")",
        highlight=False,
    )
    for w in pred.warnings:
        con.print(f"[yellow]note[/] {w}", highlight=False)


athlete_app = typer.Typer(help="The athlete profile: HR max/rest, sex, threshold pace, volume.")
app.add_typer(athlete_app, name="athlete")


@athlete_app.command("set")
def athlete_set_cmd(
    sex: Annotated[str | None, typer.Option(help="male or female.")] = None,
    birth_year: Annotated[int | None, typer.Option(help="Year of birth.")] = None,
    hr_max: Annotated[int | None, typer.Option(help="Maximum heart rate [bpm].")] = None,
    hr_rest: Annotated[int | None, typer.Option(help="Resting heart rate [bpm].")] = None,
    threshold_pace: Annotated[
        str | None, typer.Option(help="Threshold pace per km, e.g. 4:15.")
    ] = None,
    weekly_km: Annotated[float | None, typer.Option(help="Usual weekly volume [km].")] = None,
    as_json: JsonOpt = False,
) -> None:
    """Set profile values for the athlete (--athlete); others stay as they were."""
    from runform.performance.races import parse_duration
    from runform.services.profile import set_profile

    pace = None
    if threshold_pace is not None:
        try:
            pace = parse_duration(threshold_pace)
        except RunformError as exc:
            raise UsageError(
                f"--threshold-pace {threshold_pace!r}: use m:ss per km, e.g. 4:15"
            ) from exc
    values = {
        "sex": sex,
        "birth_year": birth_year,
        "hr_max": hr_max,
        "hr_rest": hr_rest,
        "threshold_pace_s_per_km": pace,
        "weekly_km": weekly_km,
    }
    with _open_store() as store:
        prof = set_profile(store, state.athlete, values)
    if as_json:
        _echo_json(prof)
    else:
        typer.echo(f"profile of {state.athlete}: " + ", ".join(f"{k}={v}" for k, v in prof.items()))


@athlete_app.command("show")
def athlete_show_cmd(as_json: JsonOpt = False) -> None:
    """Show the profile: each value, and whether it was set, estimated or assumed."""
    from runform.services.profile import profile_json, resolve_profile

    with _open_store(read_only=True) as store:
        prof = profile_json(resolve_profile(store, state.athlete))
    if as_json:
        _echo_json(prof)
        return
    con = _console()
    for k, v in prof.items():
        val = v["value"]
        con.print(
            f"{k:26s} {'-' if val is None else val!s:>10s}  {v['source']:9s} {v['note']}",
            highlight=False,
        )


race_app = typer.Typer(help="Race results: mark an activity as a race or add one by hand.")
app.add_typer(race_app, name="race")


@race_app.command("mark")
def race_mark_cmd(
    activity_id: Annotated[int, typer.Argument(help="Activity id.")],
    distance: Annotated[
        str | None, typer.Option(help="Race distance inside the activity (default: all of it).")
    ] = None,
    as_json: JsonOpt = False,
) -> None:
    """Mark an activity as a race (its result feeds the VDOT estimate)."""
    from runform.performance.races import parse_distance
    from runform.services.fitness import mark_race

    dist = parse_distance(distance) if distance else None
    with _open_store() as store:
        res = mark_race(store, state.athlete, activity_id, dist)
    if as_json:
        _echo_json(res)
    else:
        typer.echo(f"race {res['date']}: {res['distance_m'] / 1000:.2f} km, VDOT {res['vdot']:.1f}")


@race_app.command("add")
def race_add_cmd(
    race: Annotated[str, typer.Argument(help="A result, e.g. 10k=41:21.")],
    on: Annotated[str, typer.Option("--date", help="Race day, YYYY-MM-DD.")],
    as_json: JsonOpt = False,
) -> None:
    """Add a race result by hand."""
    from runform.performance.races import parse_race
    from runform.services.fitness import add_race

    r = parse_race(race, option="race")
    day = _parse_date(on)
    assert day is not None
    with _open_store() as store:
        res = add_race(store, state.athlete, r, day.date())
    if as_json:
        _echo_json(res)
    else:
        typer.echo(f"added {race} on {res['date']}: VDOT {res['vdot']:.1f}")


def _dated_races(specs: list[str]) -> list[Any]:
    from runform.performance.races import parse_race
    from runform.services.fitness import DatedRace

    out = []
    for spec in specs:
        body, _, when = spec.partition("@")
        day = _parse_date(when) if when else datetime.now(UTC)
        assert day is not None
        out.append(DatedRace(parse_race(body), day.date()))
    return out


@app.command("fitness")
def fitness_cmd(
    race: Annotated[
        list[str] | None,
        typer.Option("--race", help="Extra race results, e.g. 10k=41:21@2026-09-01 (repeatable)."),
    ] = None,
    as_json: JsonOpt = False,
) -> None:
    """Current VDOT estimate from races, best efforts and heart rate, with its trend."""
    from rich.table import Table

    from runform.services.fitness import fitness
    from runform.units import format_duration

    extra = _dated_races(race or [])
    with _open_store_caching() as store:
        rep = fitness(store, state.athlete, extra)
    if as_json:
        _echo_json(rep)
        return
    con = _console()
    cur = rep["current"]
    if cur["vdot"] is None:
        con.print(f"No VDOT estimate yet: {cur['detail']}.")
    else:
        con.print(
            f"[bold]Current VDOT {cur['vdot']:.1f}[/] (as of {rep['as_of']}, from "
            f"{cur['source'].replace('_', ' ')}: {cur['detail']})",
            highlight=False,
        )
    hr = rep["heart_rate"]
    if hr["vdot"] is not None:
        con.print(
            f"heart rate: {hr['vdot']:.1f} from {hr['runs']} steady runs in "
            f"{hr['window_days']} days (method {hr['method']}, HR {hr['hr_rest']:.0f}-"
            f"{hr['hr_max']:.0f})",
            highlight=False,
        )
    for r in rep["races"]:
        v = f"{r['vdot']:.1f}" if r["vdot"] is not None else "-"
        con.print(
            f"race {r['date']} {r['label']}: {r['distance_m'] / 1000:.2f} km in "
            f"{format_duration(r['time_s'])}, VDOT {v}",
            highlight=False,
        )
    for e in rep["best_efforts"]:
        con.print(
            f"best {e['label']}: {format_duration(e['time_s'])} on {e['date']} "
            f"(#{e['activity_id']}), VDOT {e['vdot']:.1f}",
            highlight=False,
        )
    table = Table(title="trend by week (the last 16 weeks with runs)", title_justify="left")
    for col in ("week", "HR VDOT", "steady runs", "best effort VDOT", "race VDOT"):
        table.add_column(col, justify="right")
    for w in rep["trend"][-16:]:
        table.add_row(
            w["week"],
            *(f"{w[k]:.1f}" if w[k] is not None else "-" for k in ("hr_vdot",)),
            str(w["steady_runs"]),
            *(
                f"{w[k]:.1f}" if w[k] is not None else "-"
                for k in ("best_effort_vdot", "race_vdot")
            ),
        )
    con.print(table)
    for n in rep["notices"]:
        con.print(f"[yellow]note[/] {n}", highlight=False)


class Metric(StrEnum):
    rtss = "rtss"
    trimp = "trimp"


def _fmt(v: float | None, pattern: str = "{:.0f}") -> str:
    return "-" if v is None else pattern.format(v)


def _fmt2(v: float | None) -> str:
    return _fmt(v, "{:.2f}")


@app.command("load")
def load_cmd(
    weeks: Annotated[int, typer.Option(min=1, max=520, help="Weeks to show.")] = 16,
    metric: Annotated[
        Metric | None, typer.Option(help="Load driving CTL/ATL (default rTSS, else TRIMP).")
    ] = None,
    units: UnitsOpt = Units.km,
    as_json: JsonOpt = False,
) -> None:
    """Weekly volume, long run, load and monotony, and today's CTL, ATL, TSB and ACWR.

    ACWR is descriptive: it compares the last week with the last four; it does not predict injury.
    """
    from rich.table import Table

    from runform.services.fitness import fitness
    from runform.services.profile import resolve_profile
    from runform.services.training_load import load_report

    with _open_store_caching() as store:
        vdot = None
        prof = resolve_profile(store, state.athlete)
        if prof["threshold_pace_s_per_km"].value is None and metric is not Metric.trimp:
            try:
                vdot = fitness(store, state.athlete)["current"]["vdot"]
            except RunformError:
                vdot = None
        rep = load_report(
            store, state.athlete, weeks=weeks, metric=metric.value if metric else None, vdot=vdot
        )
    if as_json:
        _echo_json(rep)
        return
    um = _unit_m(units)
    con = _console()
    table = Table(title=f"last {weeks} weeks (load = {rep['metric']})", title_justify="left")
    for col in (
        "week",
        units.value,
        "runs",
        f"long {units.value}",
        "long %",
        "load",
        "TRIMP",
        "monotony",
        "",
    ):
        table.add_column(col, justify="right")
    flagged = {(f["week"]) for f in rep["flags"]}
    for w in rep["weeks"]:
        table.add_row(
            w["week"],
            _fmt(None if w["volume_km"] is None else w["volume_km"] * 1000 / um, "{:.1f}"),
            str(w["runs"]),
            _fmt(
                None if w["longest_run_km"] is None else w["longest_run_km"] * 1000 / um, "{:.1f}"
            ),
            _fmt(None if w["long_run_share"] is None else 100 * w["long_run_share"]),
            _fmt(w["load"]),
            _fmt(w["trimp"]),
            _fmt(w["monotony"], "{:.2f}"),
            ("cutback " if w["cutback"] else "") + ("[red]flag[/]" if w["week"] in flagged else ""),
        )
    con.print(table)
    t = rep["today"]
    con.print(
        f"As of {t['date']}: CTL {_fmt2(t['ctl'])}  ATL {_fmt2(t['atl'])}  TSB {_fmt2(t['tsb'])}  "
        f"ACWR {_fmt2(t['acwr_rolling_uncoupled'])} (rolling 7:28, uncoupled; coupled "
        f"{_fmt2(t['acwr_rolling_coupled'])}, EWMA {_fmt2(t['acwr_ewma'])})",
        highlight=False,
    )
    for f in rep["flags"]:
        con.print(f"[red]flag[/] {f['week']}: {f['message']}", highlight=False)
    for n in rep["notices"]:
        con.print(f"[yellow]note[/] {n}", highlight=False)
    con.print(rep["note"], highlight=False)


class GradeChoice(StrEnum):
    minetti = "minetti"
    strava = "strava"


GradeModelOpt = GradeChoice | None


# -- form analytics ----------------------------------------------------------------------------
def _pace(speed: float | None, um: float = 1000.0) -> str:
    from runform.units import format_pace

    return format_pace(speed, um)


@app.command("analyze")
def analyze_cmd(
    activity_id: Annotated[int, typer.Argument(help="Activity id (see `runform activities`).")],
    grade_model: Annotated[
        GradeModelOpt,
        typer.Option(help="Grade-adjusted pace: Minetti 2002 energy cost, or Strava-like factors."),
    ] = None,
    units: UnitsOpt = Units.km,
    as_json: JsonOpt = False,
) -> None:
    """Form analysis of one run: cadence for its pace, durability, hills, reps, strides, dynamics."""
    from rich.table import Table

    from runform.services.form import analyze_activity
    from runform.units import format_duration

    with _open_store_caching() as store:
        rep = analyze_activity(
            store,
            state.athlete,
            activity_id,
            grade_model=(grade_model or GradeChoice.minetti).value,
        )
    if as_json:
        _echo_json(rep)
        return
    um = _unit_m(units)
    u = units.value
    con = _console()
    k = rep["classification"]
    con.print(
        f"[bold]#{rep['id']}[/] {k['type']}"
        + (" with strides" if k.get("with_strides") else "")
        + (" (a guess)" if k.get("is_guess") else "")
        + f"  {(k.get('distance_m') or 0) / um:.2f} {u} in {format_duration(k.get('duration_s'))}",
        highlight=False,
    )
    c = rep["cadence"]
    line = f"Cadence {_fmt(c.get('avg_running_cadence_spm'))} spm while running"
    if c.get("expected_spm") is not None:
        line += (
            f"; at this pace your usual is {c['expected_spm']:.0f} spm ({c['difference_spm']:+.1f})"
        )
    con.print(line, highlight=False)
    if c.get("at_paces"):
        t = Table(
            title="your cadence at your training paces, and targets (+5/+7.5/+10 %, "
            "Heiderscheit 2011)",
            title_justify="left",
        )
        for col in ("pace", f"per {u}", "spm now", "step m", "targets spm"):
            t.add_column(col, justify="right")
        targets: dict[str, list[str]] = {}
        for tg in c.get("targets", []):
            targets[str(tg.get("label"))] = [
                f"{x['cadence_spm']:.0f}" for x in tg.get("targets", [])
            ]
        for name, v in c["at_paces"].items():
            t.add_row(
                name,
                _pace(v["speed_mps"], um),
                f"{v['cadence_spm']:.0f}",
                f"{v['step_length_m']:.2f}",
                " / ".join(targets.get(name, [])),
            )
        con.print(t)
    d = rep["durability"]
    if d.get("status") == "ok":
        onset = d.get("onset")
        if onset:
            con.print(
                f"Durability: form changed from {onset['distance_m'] / um:.1f} {u} "
                f"({format_duration(onset['time_s'])} in)",
                highlight=False,
            )
        else:
            con.print("Durability: no sustained change in form late in the run", highlight=False)
        t = Table(title="early vs late, at matched speed and grade", title_justify="left")
        for col in ("metric", "early", "late", "change %"):
            t.add_column(col, justify="right")
        for m in d.get("drift", []):
            t.add_row(
                m["metric"],
                _fmt(m.get("early"), "{:.3g}"),
                _fmt(m.get("late"), "{:.3g}"),
                _fmt(m.get("change_pct"), "{:+.1f}"),
            )
        con.print(t)
        dec = d.get("decoupling") or {}
        if dec.get("decoupling_pct") is not None:
            con.print(f"Pace:HR decoupling {dec['decoupling_pct']:+.1f} %", highlight=False)
    else:
        con.print(f"Durability: {d.get('status')}", highlight=False)
    hills = rep["hills"]
    if hills.get("climbs") or hills.get("repeats"):
        con.print(
            f"Hills: {len(hills['climbs'])} climbs, {len(hills['descents'])} descents, "
            f"{len(hills['repeats'])} hill reps",
            highlight=False,
        )
        t = Table(title="form by grade vs flat at the same effort", title_justify="left")
        for col in ("grade", "min", "spm", "Δ spm", "step m", "Δ step m"):
            t.add_column(col, justify="right")
        for b in hills["by_grade"]["bands"]:
            if not b.get("seconds"):
                continue
            t.add_row(
                b["label"],
                f"{b['seconds'] / 60:.0f}",
                _fmt(b.get("avg_cadence_spm")),
                _fmt(b.get("cadence_delta_spm"), "{:+.1f}"),
                _fmt(b.get("avg_step_length_m"), "{:.2f}"),
                _fmt(b.get("step_length_delta_m"), "{:+.2f}"),
            )
        con.print(t)
        for flag in hills["by_grade"].get("flags", []):
            con.print(f"[yellow]note[/] {flag}", highlight=False)
    if rep["intervals"]:
        t = Table(title=f"{len(rep['intervals'])} work reps", title_justify="left")
        for col in ("#", "start", "time", u, f"pace /{u}", "spm"):
            t.add_column(col, justify="right")
        for i, r in enumerate(rep["intervals"], 1):
            t.add_row(
                str(i),
                format_duration(r["start_s"]),
                format_duration(r["duration_s"]),
                f"{r['distance_m'] / um:.2f}",
                _pace(r["avg_speed_mps"], um),
                _fmt(r.get("avg_cadence_spm")),
            )
        con.print(t)
    if rep["strides"]:
        score = rep.get("stride_score") or {}
        con.print(
            f"Strides: {len(rep['strides'])} found (prescription {score.get('prescribed_count')}), "
            f"score {_fmt(score.get('score'))}/100; peaks "
            + ", ".join(_pace(s["peak_speed_mps"], um) for s in rep["strides"])
            + f" /{u}",
            highlight=False,
        )
    dyn = rep["dynamics"].get("metrics", {})
    shown = [
        f"{m}: {v['value']:.3g} ({v['band']})"
        for m, v in dyn.items()
        if v.get("value") is not None and v.get("band")
    ]
    if shown:
        con.print("Running dynamics (Garmin's bands): " + "; ".join(shown), highlight=False)


@app.command("form")
def form_cmd(
    weeks: Annotated[int | None, typer.Option(help="Only the last N weeks.")] = None,
    as_json: JsonOpt = False,
) -> None:
    """Form history: cadence at your easy pace, durability of long runs, technique work per week."""
    from rich.table import Table

    from runform.services.form import form_history

    with _open_store_caching() as store:
        rep = form_history(store, state.athlete, weeks=weeks)
    if as_json:
        _echo_json(rep)
        return
    con = _console()
    model = rep.get("cadence_model")
    if model:
        con.print(
            f"Your cadence-speed line: {model['intercept_spm']:.1f} + "
            f"{model['slope_spm_per_mps']:.2f} x speed [m/s] spm",
            highlight=False,
        )
    trend = rep.get("cadence_trend") or {}
    per = {p.get("start"): p for p in trend.get("periods", [])}
    dur = {p.get("start"): p for p in (rep.get("durability_trend") or {}).get("periods", [])}
    t = Table(
        title=f"by week (cadence at {_pace(rep['reference_speed_mps'])}/km)", title_justify="left"
    )
    for col in (
        "week",
        "runs",
        "spm at pace",
        "long-run onset km",
        "strides",
        "hill reps",
        "interval reps",
    ):
        t.add_column(col, justify="right")
    starts = sorted(per)
    for i, w in enumerate(rep["technique_per_week"]):
        p = per.get(starts[i]) if i < len(starts) else None
        dp = dur.get(starts[i]) if i < len(starts) else None
        onset = dp.get("median_onset_distance_m") if dp else None
        t.add_row(
            w["week"],
            str(w["runs"]),
            _fmt(p.get("cadence_at_reference_spm") if p else None, "{:.1f}"),
            _fmt(None if onset is None else onset / 1000, "{:.1f}"),
            str(w["strides"]),
            str(w["hill_reps"]),
            str(w["interval_reps"]),
        )
    con.print(t)
    if trend.get("change_spm") is not None:
        con.print(
            f"Cadence at that pace changed {trend['change_spm']:+.1f} spm over the period.",
            highlight=False,
        )


# -- plan -------------------------------------------------------------------------------------
plan_app = typer.Typer(
    help="A technique-aware marathon (or half) plan: create, show, export, adherence, update."
)
app.add_typer(plan_app, name="plan")


def _print_plan(plan: dict[str, Any], units: Units) -> None:
    from rich.table import Table

    um = _unit_m(units)
    con = _console()
    race = plan.get("race", {})
    con.print(
        f"[bold]Plan[/] for {race.get('name', 'race')} on {race.get('date', '?')}"
        + (f", VDOT {plan['vdot']:.1f}" if plan.get("vdot") else ""),
        highlight=False,
    )
    for n in plan.get("history_notes", []) + list(plan.get("notes", [])):
        con.print(f"[dim]- {n}[/]", highlight=False)
    t = Table(title="week by week", title_justify="left")
    for col in ("week", "phase", units.value, "sessions (technique)"):
        t.add_column(
            col, justify="left" if col.startswith("sessions") or col == "phase" else "right"
        )
    for w in plan["weeks"]:
        sessions = []
        strength = sum(1 for sn in w["sessions"] if sn["type"] == "strength")
        for sn in w["sessions"]:
            if sn["type"] in ("rest", "strength"):
                continue
            tech = sorted(
                {str(e.get("focus", "")) for e in sn.get("technique", []) if e.get("focus")}
            )
            dist = f" {sn['distance_km'] * 1000 / um:.0f}" if sn.get("distance_km") else ""
            sessions.append(f"{sn['type']}{dist}" + (f" ({', '.join(tech)})" if tech else ""))
        if strength:
            sessions.append(f"+ {strength} x strength")
        t.add_row(
            str(w["week"]),
            str(w["phase"]),
            f"{w['volume_km'] * 1000 / um:.0f}",
            "; ".join(sessions),
        )
    con.print(t)


@plan_app.command("create")
def plan_create_cmd(
    race_date: Annotated[str, typer.Option(help="Race day, YYYY-MM-DD.")],
    goal: Annotated[
        str | None, typer.Option(help="Goal time h:mm:ss (default: from your VDOT).")
    ] = None,
    distance: Annotated[str, typer.Option(help="marathon or half.")] = "marathon",
    weeks: Annotated[int, typer.Option(help="Plan length, 12-20 weeks.")] = 16,
    days: Annotated[int, typer.Option(help="Running days a week, 3-7.")] = 5,
    long_run_day: Annotated[str, typer.Option(help="Weekday of the long run, e.g. sun.")] = "sun",
    style: Annotated[str, typer.Option(help="Long-run caps: daniels or pfitzinger.")] = "daniels",
    vdot: Annotated[float | None, typer.Option(help="Your VDOT (default: from history).")] = None,
    weekly_km: Annotated[
        float | None, typer.Option(help="Current km/week (default: history).")
    ] = None,
    longest_km: Annotated[
        float | None, typer.Option(help="Longest recent run km (default: history).")
    ] = None,
    units: UnitsOpt = Units.km,
    as_json: JsonOpt = False,
) -> None:
    """Create a plan from your history (or the values given) and make it the current plan."""
    from runform.services.plan import create_plan

    day = _parse_date(race_date)
    assert day is not None
    with _open_store() as store:
        plan = create_plan(
            store,
            state.athlete,
            race_date=day.date(),
            race_distance=distance,
            goal=goal,
            weeks=weeks,
            days_per_week=days,
            long_run_day=long_run_day,
            long_run_style=style,
            vdot=vdot,
            current_weekly_km=weekly_km,
            longest_recent_km=longest_km,
        )
    if as_json:
        _echo_json(plan)
    else:
        _print_plan(plan, units)


@plan_app.command("show")
def plan_show_cmd(units: UnitsOpt = Units.km, as_json: JsonOpt = False) -> None:
    """Show the current plan."""
    from runform.services.plan import current_plan

    with _open_store(read_only=True) as store:
        plan = current_plan(store, state.athlete)
    if as_json:
        _echo_json(plan)
    else:
        _print_plan(plan, units)


class PlanFormat(StrEnum):
    ics = "ics"
    fit = "fit"
    wav = "wav"
    md = "md"
    html = "html"
    csv = "csv"
    json = "json"


@plan_app.command("export")
def plan_export_cmd(
    fmt: Annotated[
        PlanFormat, typer.Option("--format", help="ics, fit or wav (folders), md, html, csv, json.")
    ],
    output: Annotated[Path, typer.Option("-o", "--output", help="File (or folder for fit).")],
    as_json: JsonOpt = False,
) -> None:
    """Export the current plan: calendar, watch workouts (FIT), document or data."""
    from runform.services.plan import export_plan

    with _open_store(read_only=True) as store:
        paths = export_plan(store, state.athlete, fmt.value, output)
    if as_json:
        _echo_json({"format": fmt.value, "files": [str(p) for p in paths]})
    else:
        typer.echo(f"wrote {len(paths)} file(s) to {output}")


@plan_app.command("update")
def plan_update_cmd(
    vdot: Annotated[float | None, typer.Option(help="A new VDOT (default: from history).")] = None,
    units: UnitsOpt = Units.km,
    as_json: JsonOpt = False,
) -> None:
    """Re-plan the weeks still to come after missed weeks or a new VDOT."""
    from runform.services.plan import update_plan

    with _open_store() as store:
        plan = update_plan(store, state.athlete, vdot=vdot)
    if as_json:
        _echo_json(plan)
        return
    for n in plan.get("update_notes", []):
        typer.echo(n)
    _print_plan(plan, units)


@plan_app.command("adherence")
def plan_adherence_cmd(as_json: JsonOpt = False) -> None:
    """What was run vs the current plan, week by week: volume, long run, technique work."""
    from rich.table import Table

    from runform.services.plan import adherence

    with _open_store_caching() as store:
        rep = adherence(store, state.athlete)
    if as_json:
        _echo_json(rep)
        return
    t = Table(title="plan vs done", title_justify="left")
    for col in (
        "week",
        "phase",
        "km done/planned",
        "long",
        "strides",
        "hills",
        "intervals",
        "score",
        "suggestions",
    ):
        t.add_column(col, justify="left" if col in ("phase", "suggestions") else "right")
    upcoming = [w for w in rep["weeks"] if w.get("status") == "upcoming"]
    for w in rep["weeks"]:
        if w.get("status") == "upcoming":
            continue
        p, d = w["planned"], w["done"]
        t.add_row(
            str(w["week"]),
            w["phase"],
            f"{d['volume_km']:.0f}/{p['volume_km']:.0f}",
            f"{d['long_km']:.0f}/{p['long_km']:.0f}",
            *(f"{d[k]}/{p[k]}" for k in ("strides", "hills", "intervals")),
            "-" if w["score"] is None else str(w["score"]),
            "; ".join(w["suggestions"]),
        )
    con = _console()
    con.print(t)
    if upcoming:
        con.print(
            f"{len(upcoming)} week(s) still to come, from {upcoming[0]['start']}.", highlight=False
        )


@app.command("metronome")
def metronome_cmd(
    bpm: Annotated[float, typer.Argument(help="Steps per minute, e.g. 172.")],
    minutes: Annotated[float, typer.Option(help="Length [min].")] = 20.0,
    output: Annotated[Path, typer.Option("-o", "--output", help="WAV file.")] = Path("cadence.wav"),
    cue_every: Annotated[
        float | None, typer.Option(help="A voice-free cue tone every N minutes.")
    ] = None,
    as_json: JsonOpt = False,
) -> None:
    """Write a cadence metronome (WAV) with an accented beat, to run to."""
    from runform.plan.metronome import write_metronome

    if not 100 <= bpm <= 240:
        raise UsageError(f"{bpm:g} steps/min: use 100-240")
    if not 0 < minutes <= 180:
        raise UsageError(f"--minutes {minutes:g}: use more than 0 and at most 180")
    n = write_metronome(output, bpm, minutes, cue_every_min=cue_every)
    if as_json:
        _echo_json({"path": str(output), "bytes": n, "bpm": bpm, "minutes": minutes})
    else:
        typer.echo(f"wrote {output} ({minutes:g} min at {bpm:g} steps/min, {n / 1e6:.1f} MB)")


# -- demo -------------------------------------------------------------------------------------
def _write_text_atomic(path: Path, text: str) -> None:
    """Write ``text`` to ``path`` via a temporary file in the same folder, then rename."""
    path = path.expanduser()
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_text(text, encoding="utf-8")
    tmp.replace(path)


@app.command("report")
def report_cmd(
    activity_id: Annotated[
        int | None, typer.Argument(help="Activity id for an activity report.", show_default=False)
    ] = None,
    season: Annotated[
        bool, typer.Option("--season", help="The season report instead of one activity.")
    ] = False,
    plan: Annotated[
        bool, typer.Option("--plan", help="The current plan and how it went instead.")
    ] = False,
    weeks: Annotated[
        int, typer.Option(min=1, max=520, help="Weeks the season report covers.")
    ] = 16,
    output: Annotated[
        Path | None,
        typer.Option(
            "-o",
            "--output",
            help="HTML file to write (default: runform-<id>.html, runform-season.html, "
            "runform-plan.html in the current folder).",
        ),
    ] = None,
    as_json: JsonOpt = False,
) -> None:
    """Write a self-contained HTML report (works offline): one activity, the season, or the plan."""
    import time

    from runform import report

    chosen = (activity_id is not None) + season + plan
    if chosen != 1:
        raise UsageError("report: give exactly one of an activity ID, --season or --plan")
    t0 = time.perf_counter()
    with _open_store_caching() as store:
        if activity_id is not None:
            html = report.activity_html(store, state.athlete, activity_id)
            default = f"runform-{activity_id}.html"
        elif season:
            html = report.season_html(store, state.athlete, weeks=weeks)
            default = "runform-season.html"
        else:
            html = report.plan_html(store, state.athlete)
            default = "runform-plan.html"
    out = output or Path(default)
    _write_text_atomic(out, html)
    seconds = time.perf_counter() - t0
    if as_json:
        _echo_json({"path": str(out.resolve()), "bytes": len(html.encode()), "seconds": seconds})
    else:
        typer.echo(f"wrote {out} ({len(html.encode()) / 1024:.0f} KB) in {seconds:.1f} s")


@app.command("serve")
def serve_cmd(
    port: Annotated[int, typer.Option(help="TCP port (0 picks a free one).")] = 8765,
    host: Annotated[
        str, typer.Option(help="Address to bind; only loopback unless --allow-remote.")
    ] = "127.0.0.1",
    allow_remote: Annotated[
        bool,
        typer.Option(
            "--allow-remote",
            help="Allow binding a non-loopback address (the dashboard has no login).",
        ),
    ] = False,
) -> None:
    """Open the local web dashboard: activities, season, plan, and import by upload."""
    from runform.web import serve

    serve(_db_path(), state.athlete, host, port, allow_remote=allow_remote)


class ViewChoice(StrEnum):
    """Where the camera stood."""

    side = "side"
    rear = "rear"


class PoseModelChoice(StrEnum):
    """BlazePose landmark model (heavy tracks the far leg best; lite is about 3x faster)."""

    heavy = "heavy"
    lite = "lite"


@app.command("video")
def video_cmd(
    clips: Annotated[
        list[str],
        typer.Argument(
            help="A clip to analyse, or `compare BEFORE AFTER` (clips or their .video.json).",
            show_default=False,
        ),
    ],
    view: Annotated[ViewChoice, typer.Option(help="Camera position.")] = ViewChoice.side,
    height_cm: Annotated[
        float | None,
        typer.Option(min=100, max=230, help="Runner's height [cm], for values in cm."),
    ] = None,
    out: Annotated[
        Path | None,
        typer.Option("-o", "--out", help="Folder for the JSON, contact sheet and annotated video."),
    ] = None,
    model: Annotated[PoseModelChoice, typer.Option(help="Pose model.")] = PoseModelChoice.heavy,
    stride: Annotated[
        int, typer.Option(min=1, max=8, help="Analyse every Nth frame (faster; 1 = all).")
    ] = 1,
    no_video: Annotated[
        bool, typer.Option("--no-video", help="Skip the annotated video (the slowest output).")
    ] = False,
    activity: Annotated[
        int | None,
        typer.Option(
            help="Attach the analysis to this activity: its report then shows the video section."
        ),
    ] = None,
    as_json: JsonOpt = False,
) -> None:
    """Gait from a filmed run (side: cadence, foot strike, over-striding, lean; rear: pelvic drop).

    Needs the optional extra: pip install 'runform[video]'. Pose estimation runs on the CPU,
    offline, with the BlazePose model shipped in the package.
    """
    from runform.services import video

    if clips[0] == "compare":
        if len(clips) != 3:
            raise UsageError("video compare: give two clips or .video.json files, BEFORE AFTER")
        before, after = (
            c if c.endswith(".json") else _video_result(c, view, height_cm, model, stride)
            for c in clips[1:]
        )
        cmp = video.compare_videos(before, after)
        if as_json:
            _echo_json(cmp)
        else:
            _print_video_compare(cmp)
        return
    if len(clips) != 1:
        raise UsageError("video: give one clip (or `compare BEFORE AFTER`)")
    if activity is not None:
        with _open_store(read_only=True) as store:  # a wrong id fails before the slow part
            store.activity_record(store.athlete_id(state.athlete), activity)
    result = _video_result(
        clips[0], view, height_cm, model, stride, out=out, annotated=not no_video, show=not as_json
    )
    if out is not None:
        from runform.report import page
        from runform.video.html import html_section

        html_path = out / f"{Path(clips[0]).stem}.video.html"
        _write_text_atomic(
            html_path, page(f"runform video: {Path(clips[0]).name}", html_section(result))
        )
        result["outputs"]["html"] = str(html_path)
    if activity is not None:
        from runform.services.video_store import attach_video

        with _open_store() as store:
            result["attached"] = {
                "activity_id": activity,
                "video_analysis_id": attach_video(store, state.athlete, activity, result),
            }
    if as_json:
        _echo_json(result)
    else:
        _print_video(result)


def _video_result(
    clip: str,
    view: ViewChoice,
    height_cm: float | None,
    model: PoseModelChoice,
    stride: int,
    *,
    out: Path | None = None,
    annotated: bool = False,
    show: bool = True,
) -> dict[str, Any]:
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

    from runform.services import video

    progress = Progress(
        TextColumn(f"[bold]pose {Path(clip).name[-30:]}"),
        BarColumn(),
        MofNCompleteColumn(),
        transient=True,
        disable=not show or not sys.stderr.isatty(),
        console=_stderr_console(),
    )
    with progress:
        task = progress.add_task("", total=None)

        def tick(done: int, total: int) -> None:
            progress.update(task, completed=done, total=total)

        return video.analyze_video(
            clip,
            view=view.value,
            height_cm=height_cm,
            out_dir=out,
            model=model.value,
            stride=stride,
            annotated_video=annotated,
            progress=tick,
        )


def _metric_rows(metrics: dict[str, Any]) -> Any:
    from rich.table import Table

    table = Table(title_justify="left")
    for col in ("measure", "mean", "sd", "steps", "left", "right", "unit"):
        table.add_column(col, justify="left" if col in ("measure", "unit") else "right")
    for key, m in metrics.items():
        table.add_row(
            key.replace("_", " "),
            _fmt2(m.get("mean")),
            _fmt2(m.get("sd")),
            str(m.get("n", "")),
            _fmt2(m.get("left")),
            _fmt2(m.get("right")),
            str(m.get("unit", "")),
        )
    return table


def _print_video(r: dict[str, Any]) -> None:
    con = _console()
    pose = r.get("pose", {})
    found = pose.get("person_found_fraction")
    con.print(
        f"[bold]{Path(str(r.get('clip'))).name}[/] ({r['view']} view): person found in "
        f"{(found or 0) * 100:.0f} % of frames, model {pose.get('model')}, stride {pose.get('stride')}",
        highlight=False,
    )
    part = r[r["view"]]
    if part.get("cadence_spm") is not None:
        con.print(f"Cadence {part['cadence_spm']:.1f} steps/min", highlight=False)
    if part.get("strike_pattern"):
        con.print(f"Foot strike: {part['strike_pattern']}", highlight=False)
    metrics = dict(part.get("metrics", {}))
    if part.get("trunk_lean_deg"):
        metrics["trunk_lean"] = part["trunk_lean_deg"]
    con.print(_metric_rows(metrics))
    for f in part.get("flags", []):
        con.print(f"[yellow]flag[/] {f}", highlight=False)
    for n in part.get("notes", []):
        con.print(f"note: {n}", highlight=False)
    for name, path in (r.get("outputs") or {}).items():
        con.print(f"{name}: {path}", highlight=False)
    if r.get("attached"):
        aid = r["attached"]["activity_id"]
        con.print(
            f"attached to activity {aid}: `runform report {aid}` shows it beside the watch data",
            highlight=False,
        )


def _print_video_compare(c: dict[str, Any]) -> None:
    from rich.table import Table

    con = _console()
    cad = c.get("cadence_spm", {})
    con.print(
        f"{c.get('before')} -> {c.get('after')} ({c['view']} view): cadence "
        f"{_fmt2(cad.get('before'))} -> {_fmt2(cad.get('after'))} steps/min",
        highlight=False,
    )
    table = Table(title_justify="left")
    for col in ("measure", "before", "after", "change", "2 x SE", "real change?", "unit"):
        table.add_column(col)
    for key, m in c.get("metrics", {}).items():
        table.add_row(
            key.replace("_", " "),
            _fmt2(m["before"]),
            _fmt2(m["after"]),
            _fmt2(m["change"]),
            _fmt2(2 * m["standard_error"]),
            "yes" if m["changed"] else "no",
            str(m.get("unit", "")),
        )
    con.print(table)


@app.command("demo")
def demo_cmd(
    folder: Annotated[
        Path | None,
        typer.Option(
            "--dir", help="Where to write the demo files and store (default: user data folder)."
        ),
    ] = None,
    weeks: Annotated[int, typer.Option(min=4, max=20, help="Length of the synthetic block.")] = 16,
    serve: Annotated[
        bool, typer.Option("--serve", help="Then open the dashboard on the demo store.")
    ] = False,
    port: Annotated[int, typer.Option(help="Dashboard port with --serve.")] = 8765,
    as_json: JsonOpt = False,
) -> None:
    """Generate a synthetic marathon block as FIT files, import it, show what was found, write reports."""
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn
    from rich.table import Table

    from runform import demo

    progress = Progress(
        TextColumn("[bold]{task.fields[step]}"),
        BarColumn(),
        MofNCompleteColumn(),
        transient=True,
        disable=as_json or not sys.stderr.isatty(),
        console=_stderr_console(),
    )
    with progress:
        gen = progress.add_task("", total=None, step="writing FIT files")
        imp = progress.add_task("", total=None, step="importing", visible=False)

        def generated(done: int, total: int) -> None:
            progress.update(gen, completed=done, total=total)
            progress.update(imp, total=total)

        def imported(_label: str, done: int) -> None:
            progress.update(imp, completed=done, visible=True)

        result = demo.run_demo(folder, weeks=weeks, on_generated=generated, on_imported=imported)
    if as_json:
        _echo_json(result)
        return
    con = _console()
    imp_r = result["import"]
    con.print(
        f"[bold]runform demo[/]: a synthetic {len(result['weekly'])}-week marathon block "
        f"(VDOT {result['vdot']:.0f}, race {result['race_date']}), written as "
        f"{result['files_written']} FIT files ({result['records_written']:,} samples) and imported.",
        highlight=False,
    )
    con.print(
        f"Imported {imp_r['imported']} files, {len(imp_r['failed'])} failed: "
        f"{result['activities']} runs, {result['total_km']:,} km, mean cadence "
        f"{result['mean_cadence_spm']} steps/min.",
        highlight=False,
    )
    table = Table(title="What the import found, week by week", title_justify="left")
    for col in ("week", "phase", "runs", "km", "planted km", "long run km", "sessions"):
        table.add_column(col, justify="left" if col in ("phase", "sessions") else "right")
    for w in result["weekly"]:
        spike = (
            " (load spike)"
            if w["week"] == result["load_spike_week"] and w["phase"] != "spike"
            else ""
        )
        table.add_row(
            str(w["week"]),
            w["phase"] + spike,
            str(w["runs"]),
            f"{w['km']:.1f}",
            f"{w['planted_km']:.1f}",
            f"{w['long_run_km']:.1f}",
            ", ".join(w["types"]),
        )
    con.print(table)
    fit = result["fitness"]
    con.print(
        f"Fitness: VDOT {fit['vdot']:.1f} from the {fit['source'].replace('_', ' ')} "
        f"(planted {result['vdot']:.0f}; heart-rate estimate {fit['heart_rate_vdot']:.1f}).",
        highlight=False,
    )
    today = result["load"]["today"]
    con.print(
        f"Load on race day ({result['load']['metric']}): CTL {today['ctl']:.0f}, "
        f"ATL {today['atl']:.0f}, TSB {today['tsb']:.0f}.",
        highlight=False,
    )
    for f in result["load"]["flags"]:
        con.print(f"[red]flag[/] {f['week']}: {f['message']}", highlight=False)
    con.print(f"Files and planted truth: {result['folder']}/files", highlight=False)
    rep = result.get("reports", {})
    for key, label in (
        ("season", "Season report"),
        ("long_run", "Long-run report"),
        ("plan", "Plan report"),
    ):
        if key in rep:
            con.print(f"{label}: {rep[key]}", highlight=False)
    con.print(f"Explore: runform --db {result['store']} --athlete demo activities", highlight=False)
    if serve:
        from runform.web import serve as serve_dashboard

        serve_dashboard(Path(result["store"]), result["athlete"], "127.0.0.1", port)
    else:
        con.print(
            f"Dashboard: runform --db {result['store']} --athlete demo serve  (or runform demo --serve)",
            highlight=False,
        )


def main() -> None:
    """Console entry point: run the app, turning user errors into one clean line."""
    try:
        rv = app(standalone_mode=False)
    except RunformError as exc:
        if os.environ.get("RUNFORM_DEBUG"):
            raise
        typer.echo(f"runform: error: {exc}", err=True)
        sys.exit(exc.exit_code)
    except _click_exceptions() as exc:
        _handle_click(exc)
    except OSError as exc:  # a file the user named cannot be read or written
        if os.environ.get("RUNFORM_DEBUG"):
            raise
        where = f"{exc.filename}: " if exc.filename else ""
        typer.echo(f"runform: error: {where}{exc.strerror or exc}", err=True)
        sys.exit(1)
    except KeyboardInterrupt:
        rv = 130
    # Without standalone mode click returns the exit code of typer.Exit (and 130 for Ctrl-C).
    if rv == 130:
        typer.echo("runform: interrupted (everything committed so far is kept)", err=True)
    if isinstance(rv, int) and rv != 0:
        sys.exit(rv)


def _click_classes(name: str) -> tuple[type[BaseException], ...]:
    """click's exception class ``name`` from click and from the copy newer typer releases vendor."""
    import importlib

    found: list[type[BaseException]] = []
    for module in ("click.exceptions", "typer._click.exceptions", "typer.exceptions"):
        try:
            cls = getattr(importlib.import_module(module), name, None)
        except ImportError:
            continue
        if isinstance(cls, type) and issubclass(cls, BaseException) and cls not in found:
            found.append(cls)
    return tuple(found)


def _click_exceptions() -> tuple[type[BaseException], ...]:
    return _click_classes("ClickException") + _click_classes("Abort") + _click_classes("Exit")


def _handle_click(exc: BaseException) -> None:
    if isinstance(exc, _click_classes("Exit")):
        sys.exit(getattr(exc, "exit_code", 0))
    if isinstance(exc, _click_classes("Abort")):
        typer.echo("runform: aborted", err=True)
        sys.exit(1)
    exc.show()  # type: ignore[attr-defined]
    sys.exit(getattr(exc, "exit_code", 2))
