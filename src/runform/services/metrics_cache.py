"""A store-backed cache of per-activity derived results, so history-wide services stay fast.

The history-wide services (:func:`runform.services.fitness.fitness`,
:func:`runform.services.training_load.load_report`,
:func:`runform.services.form.form_history`, :func:`runform.services.form.cadence_model`,
:func:`runform.services.form.run_types`, :func:`runform.services.plan.adherence` through
:func:`runform.services.form.technique_per_run`)
need a few numbers per activity (its best efforts, its loads, its cadence bins ...)
that cost a pass over the activity's sample streams. Those numbers are kept in the
``activity_metrics`` table, one row per (activity, kind, params):

* ``kind`` names the result (``best_efforts``, ``hr_vdot``, ``trimp`` ...);
* ``params`` is a hash (:func:`params_key`) of every input that changes the answer
  besides the streams: profile values, paces, the cadence model's slope, and the code
  version (:data:`CACHE_VERSION`, the runform version and a hash of the analysis
  source, :func:`code_fingerprint`), so changed code never serves a number an older
  algorithm computed. A changed input is a different key, so a stale
  value is never looked up (it is pruned by :func:`warm_metrics`).
* ``source_sha256`` is the activity's source file at compute time; a row is served
  only while the activity stored under that id still comes from that source.

Results that depend on nothing but the streams (cadence bins, best efforts, technique
counts) are cached without parameters, so changing the profile only recomputes what
really depends on it. A read-only store computes what is missing without writing.
Writes happen in one transaction per chunk of activities, after the chunk is computed:
an interrupted or failed computation leaves no half-written chunk behind, and the
chunks committed before it stay.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager, suppress
from contextvars import ContextVar
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import duckdb
import numpy as np
import pandas as pd

from runform import __version__
from runform.errors import StoreError
from runform.store.db import Store

CACHE_VERSION = 1
"""Bump when a cached computation changes its meaning without a runform version change."""

CHUNK_SIZE = 25
"""Activities computed per write transaction (what an interruption can lose at most)."""

WarmProgress = Callable[[str, int, int], None]
"""Called as (what is being computed, activities done, activities to do)."""

_BYPASS: ContextVar[bool] = ContextVar("runform_metrics_cache_bypass", default=False)
_PROGRESS: ContextVar[WarmProgress | None] = ContextVar("runform_metrics_progress", default=None)
_USED: ContextVar[set[str] | None] = ContextVar("runform_metrics_used", default=None)


@contextmanager
def bypass() -> Iterator[None]:
    """Compute everything from the streams, reading and writing no cache (tests, benchmarks)."""
    token = _BYPASS.set(True)
    try:
        yield
    finally:
        _BYPASS.reset(token)


def _plain(value: Any) -> Any:
    """numpy scalars -> Python numbers (for json.dumps)."""
    if isinstance(value, np.generic):
        return value.item()
    raise TypeError(f"cannot cache a {type(value).__name__}")


def _dumps(value: Any) -> str:
    # NaN and infinities are kept (as the NaN/Infinity tokens DuckDB's JSON type accepts):
    # the services' outputs must be identical with and without the cache.
    return json.dumps(value, default=_plain, allow_nan=True, separators=(",", ":"))


_FINGERPRINTED = (
    "core/*.py",
    "performance/*.py",
    "services/metrics_cache.py",
    "services/fitness.py",
    "services/form.py",
    "services/training_load.py",
)
"""Source files hashed into every key: the code that computes the cached results."""


@lru_cache(maxsize=1)
def code_fingerprint() -> str:
    """A hash of the source of the analysis code, so a changed algorithm is never served
    a result an older one cached (even between releases, e.g. in development)."""
    import runform

    digest = hashlib.sha256(__version__.encode())
    root = Path(runform.__file__).parent
    for pattern in _FINGERPRINTED:
        for path in sorted(root.glob(pattern)):
            try:
                digest.update(path.name.encode() + path.read_bytes())
            except OSError:  # not on a file system (zip import): the version alone
                continue
    return digest.hexdigest()[:16]


def params_key(kind: str, inputs: Mapping[str, Any] | None = None) -> str:
    """The ``params`` column of a result: a hash of its kind, inputs and the code version.

    Parameters
    ----------
    kind : str
        The result's name (e.g. ``trimp``).
    inputs : mapping, optional
        Every input besides the activity's streams that changes the result; floats
        are hashed by their exact ``repr``.

    Returns
    -------
    str
        32 hex digits of SHA-256.
    """
    blob = _dumps(
        {
            "kind": kind,
            "inputs": dict(sorted((inputs or {}).items())),
            "cache": CACHE_VERSION,
            "code": code_fingerprint(),
        }
    )
    return hashlib.sha256(blob.encode()).hexdigest()[:32]


@dataclass(frozen=True)
class Metric:
    """One cached result kind under one set of inputs."""

    kind: str
    params: str

    @staticmethod
    def of(kind: str, **inputs: Any) -> Metric:
        """The metric ``kind`` computed with ``inputs`` (see :func:`params_key`)."""
        return Metric(kind, params_key(kind, inputs))


ComputeFn = Callable[[int, Sequence[Metric]], Mapping[Metric, Any]]
"""Computes, for one activity id, the JSON-able payload of each metric asked for."""


def _writable(store: Store) -> bool:
    row = store.con.execute(
        "SELECT readonly FROM duckdb_databases() WHERE database_name = current_database()"
    ).fetchone()
    return row is not None and not bool(row[0])


def _read(
    store: Store, athlete_id: int, metrics: Sequence[Metric]
) -> tuple[dict[int, str], dict[tuple[int, str], Any]]:
    """(activity id -> source sha, (activity id, params) -> payload) in one query."""
    marks = ", ".join("?" for _ in metrics)
    rows = store.con.execute(
        "SELECT a.id, a.source_sha256, m.params, m.payload FROM activities a"
        " LEFT JOIN activity_metrics m ON m.activity_id = a.id"
        f" AND m.source_sha256 = a.source_sha256 AND m.params IN ({marks})"
        " WHERE a.athlete_id = ?",
        [*(m.params for m in metrics), athlete_id],
    ).fetchall()
    shas: dict[int, str] = {}
    found: dict[tuple[int, str], Any] = {}
    for aid, sha, params, payload in rows:
        shas[int(aid)] = sha
        if params is not None:
            found[(int(aid), params)] = payload
    return shas, found


def _write(store: Store, rows: list[tuple[int, str, str, str, str]]) -> None:
    """Store computed rows in one transaction (replacing rows of the same key)."""
    if not rows:
        return
    frame = pd.DataFrame(
        rows, columns=["activity_id", "kind", "params", "source_sha256", "payload"]
    )
    try:
        with store.transaction():
            store.con.register("_metrics_in", frame)
            try:
                store.con.execute(
                    "INSERT OR REPLACE INTO activity_metrics"
                    " (activity_id, kind, params, source_sha256, payload, computed_at)"
                    " SELECT activity_id, kind, params, source_sha256, payload::JSON, now()"
                    " FROM _metrics_in"
                )
            finally:
                store.con.unregister("_metrics_in")
    except duckdb.Error as exc:
        raise StoreError(
            f"{store.path}: could not store derived metrics: {exc}".splitlines()[0]
        ) from exc


def get_or_compute(
    store: Store,
    athlete_id: int,
    metrics: Sequence[Metric],
    activity_ids: Sequence[int],
    compute: ComputeFn,
    *,
    chunk_size: int = CHUNK_SIZE,
) -> dict[Metric, dict[int, Any]]:
    """Cached results of many activities, computing (and storing) only what is missing.

    Parameters
    ----------
    store : Store
        The store; when opened read-only the missing results are computed, not stored.
    athlete_id : int
        Owner of the activities.
    metrics : sequence of Metric
        The results wanted for every activity.
    activity_ids : sequence of int
        The activities.
    compute : callable
        ``compute(activity_id, missing_metrics) -> {metric: payload}``: loads the
        activity once and computes every missing metric; payloads are JSON-able.
    chunk_size : int
        Activities computed per write transaction.

    Returns
    -------
    dict
        metric -> activity id -> payload (as decoded from JSON, whether it was
        cached or just computed, so both paths give identical values).
    """
    wanted = list(dict.fromkeys(metrics))
    ids = list(dict.fromkeys(int(i) for i in activity_ids))
    out: dict[Metric, dict[int, Any]] = {m: {} for m in wanted}
    if not wanted or not ids:
        return out
    used = _USED.get()
    if used is not None:
        used.update(m.params for m in wanted)
    if _BYPASS.get():
        for aid in ids:
            got = compute(aid, wanted)
            for m in wanted:
                out[m][aid] = json.loads(_dumps(got[m]))
        return out
    shas, found = _read(store, athlete_id, wanted)
    todo: list[tuple[int, list[Metric]]] = []
    for aid in ids:
        missing = []
        for m in wanted:
            text = found.get((aid, m.params))
            if text is None:
                missing.append(m)
            else:
                out[m][aid] = json.loads(text)
        if missing:
            todo.append((aid, missing))
    if not todo:
        return out
    writable = _writable(store)
    progress = _PROGRESS.get()
    label = ", ".join(sorted({m.kind for _, miss in todo for m in miss}))
    for start in range(0, len(todo), chunk_size):
        rows: list[tuple[int, str, str, str, str]] = []
        for aid, missing in todo[start : start + chunk_size]:
            got = compute(aid, missing)
            for m in missing:
                text = _dumps(got[m])
                out[m][aid] = json.loads(text)
                if aid in shas:
                    rows.append((aid, m.kind, m.params, shas[aid], text))
        if writable:
            _write(store, rows)
        if progress is not None:
            progress(label, min(start + chunk_size, len(todo)), len(todo))
    return out


def prune(store: Store, athlete_id: int | None = None, keep: set[str] | None = None) -> int:
    """Delete cached rows of activities no longer stored, and (with ``keep``) stale inputs.

    Parameters
    ----------
    store : Store
        A writable store.
    athlete_id : int, optional
        With ``keep``: the athlete whose rows are pruned.
    keep : set of str, optional
        The ``params`` keys still in use; the athlete's other rows are deleted.

    Returns
    -------
    int
        Rows deleted.
    """
    before = store.con.execute("SELECT count(*) FROM activity_metrics").fetchone()
    with store.transaction():
        store.con.execute(
            "DELETE FROM activity_metrics m WHERE NOT EXISTS (SELECT 1 FROM activities a"
            " WHERE a.id = m.activity_id AND a.source_sha256 = m.source_sha256)"
        )
        if athlete_id is not None and keep is not None:
            store.con.execute(
                "DELETE FROM activity_metrics WHERE activity_id IN"
                " (SELECT id FROM activities WHERE athlete_id = ?)"
                " AND NOT list_contains(?, params)",
                [athlete_id, sorted(keep)],
            )
    after = store.con.execute("SELECT count(*) FROM activity_metrics").fetchone()
    return int(before[0] if before else 0) - int(after[0] if after else 0)


def warm_metrics(
    store: Store, athlete: str, progress: WarmProgress | None = None
) -> dict[str, Any]:
    """Compute and store every per-activity result the history-wide services use.

    Runs :func:`~runform.services.fitness.fitness`, the training-load report over all
    activities, and :func:`~runform.services.form.warm_form_metrics` (what
    :func:`~runform.services.form.form_history`, plan adherence and
    :func:`~runform.services.form.run_types` need, in one pass per run) with the current
    profile, so their next calls (and the season and plan reports') read the cache; then
    deletes the athlete's rows computed with inputs no longer current. Interrupting
    it keeps every chunk already committed.

    Parameters
    ----------
    store : Store
        A writable store.
    athlete : str
        The athlete.
    progress : callable, optional
        ``progress(what, done, total)`` after each chunk of activities.

    Returns
    -------
    dict
        ``rows`` cached for the athlete, ``pruned`` rows deleted, ``seconds`` taken.
    """
    import time

    from runform.errors import RunformError
    from runform.services.fitness import fitness
    from runform.services.form import warm_form_metrics
    from runform.services.profile import resolve_profile
    from runform.services.training_load import activity_loads

    if not _writable(store):
        raise StoreError(f"{store.path}: opened read-only, cannot store derived metrics")
    t0 = time.perf_counter()
    aid = store.athlete_id(athlete)
    used: set[str] = set()
    t_used, t_prog = _USED.set(used), _PROGRESS.set(progress)
    try:
        try:
            vdot = fitness(store, athlete)["current"]["vdot"]
        except RunformError:
            vdot = None
        prof = resolve_profile(store, athlete, vdot=vdot)
        pace = prof["threshold_pace_s_per_km"].value
        activity_loads(store, athlete, None, 1000.0 / float(pace) if pace else None)
        with suppress(RunformError):  # no runs: nothing more to cache
            warm_form_metrics(store, athlete)
    finally:
        _USED.reset(t_used)
        _PROGRESS.reset(t_prog)
    pruned = prune(store, aid, used)
    row = store.con.execute(
        "SELECT count(*) FROM activity_metrics WHERE activity_id IN"
        " (SELECT id FROM activities WHERE athlete_id = ?)",
        [aid],
    ).fetchone()
    return {
        "rows": int(row[0]) if row else 0,
        "pruned": pruned,
        "seconds": round(time.perf_counter() - t0, 3),
    }
