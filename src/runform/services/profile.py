"""The athlete profile: what was set, what the data say, and what had to be assumed.

Every value comes with its source so the CLI can say plainly when a default is
assumed. Estimates from the data:

* **HR max**: the second-highest per-activity maximum heart rate of the running
  activities (the highest is often a strap artefact); with no heart-rate data,
  Tanaka et al. 2001 ``208 - 0.7 x age`` (J Am Coll Cardiol 37:153,
  doi:10.1016/S0735-1097(00)01054-8) when the birth year is known.
* **weekly volume baseline**: the mean running distance of the last 4 full weeks.
* **threshold pace**: Daniels' T pace of the current VDOT, when one is known.

HR rest cannot be seen in activity files (it is measured at rest), so without a
value a default is assumed and said.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from runform.errors import UsageError
from runform.store.db import Store

DEFAULT_HR_REST = 60.0
"""Assumed resting heart rate [bpm] when none is set (a typical adult value, 60-100 bpm
being the clinical normal range; trained runners are often lower)."""

DEFAULT_HR_MAX = 190.0
"""Assumed maximum heart rate [bpm] with neither heart-rate data nor a birth year
(Tanaka's formula for a 25-year-old)."""

FIELDS: dict[str, tuple[str, str]] = {
    "sex": ("", "male or female (selects the Banister TRIMP constants)"),
    "birth_year": ("", "year of birth"),
    "hr_max": ("bpm", "maximum heart rate"),
    "hr_rest": ("bpm", "resting heart rate"),
    "threshold_pace_s_per_km": ("s/km", "threshold (T) pace"),
    "weekly_km": ("km", "usual weekly running volume"),
}


@dataclass(frozen=True)
class Value:
    """One profile value and where it came from: ``set``, ``estimated`` or ``default``."""

    value: Any
    source: str
    note: str = ""


def _check(key: str, value: Any) -> Any:
    limits = {
        "birth_year": (1900, datetime.now(UTC).year - 5),
        "hr_max": (120, 230),
        "hr_rest": (25, 110),
        "threshold_pace_s_per_km": (150, 720),
        "weekly_km": (0, 400),
    }
    if key == "sex":
        if value not in ("male", "female"):
            raise UsageError(f"--sex {value!r}: use male or female")
        return value
    lo, hi = limits[key]
    if not lo <= float(value) <= hi:
        raise UsageError(
            f"--{key.replace('_', '-')} {value}: outside the plausible range {lo}-{hi}"
        )
    return value


def set_profile(store: Store, athlete: str, values: dict[str, Any]) -> dict[str, Any]:
    """Validate and store profile values for an athlete (created if new)."""
    clean = {k: _check(k, v) for k, v in values.items() if v is not None}
    if "hr_max" in clean and "hr_rest" in clean and clean["hr_rest"] >= clean["hr_max"]:
        raise UsageError("--hr-rest must be below --hr-max")
    return store.set_profile(store.athlete_id(athlete, create=True), clean)


def resolve_profile(store: Store, athlete: str, vdot: float | None = None) -> dict[str, Value]:
    """The profile with every value filled: set, estimated from the data, or a stated default."""
    aid = store.athlete_id(athlete)
    prof = store.profile(aid)
    out: dict[str, Value] = {k: Value(v, "set") for k, v in prof.items()}
    if "sex" not in out:
        out["sex"] = Value("male", "default", "sex not set: men's Banister TRIMP constants assumed")
    if "birth_year" not in out:
        out["birth_year"] = Value(None, "default", "birth year not set")
    if "hr_max" not in out:
        row = store.con.execute(
            "SELECT max_heart_rate_bpm FROM activities WHERE athlete_id = ? AND sport = 'running'"
            " AND max_heart_rate_bpm IS NOT NULL ORDER BY max_heart_rate_bpm DESC LIMIT 2",
            [aid],
        ).fetchall()
        if len(row) == 2:
            out["hr_max"] = Value(
                float(row[1][0]), "estimated", "second-highest heart rate seen in a run"
            )
        elif out["birth_year"].value:
            age = datetime.now(UTC).year - int(out["birth_year"].value)
            out["hr_max"] = Value(208 - 0.7 * age, "estimated", "Tanaka: 208 - 0.7 x age")
        else:
            out["hr_max"] = Value(DEFAULT_HR_MAX, "default", "no heart-rate data: 190 bpm assumed")
    if "hr_rest" not in out:
        out["hr_rest"] = Value(
            DEFAULT_HR_REST,
            "default",
            "resting HR not set: 60 bpm assumed (runform athlete set --hr-rest N)",
        )
    if "weekly_km" not in out:
        out["weekly_km"] = _weekly_baseline(store, aid)
    if "threshold_pace_s_per_km" not in out:
        if vdot is not None:
            from runform.performance.vdot import training_paces

            out["threshold_pace_s_per_km"] = Value(
                training_paces(vdot).threshold_s_per_km, "estimated", f"T pace of VDOT {vdot:.1f}"
            )
        else:
            out["threshold_pace_s_per_km"] = Value(None, "default", "no threshold pace known")
    return out


def _weekly_baseline(store: Store, aid: int) -> Value:
    last = store.con.execute(
        "SELECT max(start_time) FROM activities WHERE athlete_id = ? AND sport = 'running'", [aid]
    ).fetchone()
    if not last or last[0] is None:
        return Value(None, "default", "no runs yet")
    end = last[0] - timedelta(days=last[0].weekday())  # Monday of the last week
    end = end.replace(hour=0, minute=0, second=0, microsecond=0)
    start = end - timedelta(weeks=4)
    row = store.con.execute(
        "SELECT sum(distance_m) FROM activities WHERE athlete_id = ? AND sport = 'running'"
        " AND start_time >= ? AND start_time < ?",
        [aid, start, end],
    ).fetchone()
    km = (row[0] or 0.0) / 1000.0 / 4.0 if row else 0.0
    return Value(round(km, 1), "estimated", "mean of the last 4 full weeks")


def profile_json(values: dict[str, Value]) -> dict[str, Any]:
    """The profile as JSON: each key with value, source and note."""
    return {k: {"value": v.value, "source": v.source, "note": v.note} for k, v in values.items()}
