"""Run types (easy, long, tempo, intervals, hills, race) for the activity list, kept in memory.

The type comes from :func:`runform.core.classify.classify_run` with the runner's
current training paces, exactly as ``runform analyze`` classifies a run
(:func:`runform.services.form.analyze_activity`), but without the rest of that
analysis: about 30 ms a run instead of 3 s. The types are worked out on a
background thread when the server starts and again after each import (new runs
can change the runner's VDOT, hence their paces), so the list never waits; until
a run is classified its type shows as unknown.
"""

from __future__ import annotations

import sys
import threading
import traceback
from collections.abc import Callable
from contextlib import AbstractContextManager

from runform.core.classify import RunnerPaces
from runform.errors import RunformError
from runform.store.db import Store

__all__ = ["RunTypes"]

StoreOpener = Callable[[], AbstractContextManager[Store]]


def classify_runs(
    store: Store,
    athlete: str,
    paces: RunnerPaces | None,
    *,
    known: dict[int, str] | None = None,
    on_one: Callable[[int, str], None] | None = None,
    stop: threading.Event | None = None,
) -> dict[int, str]:
    """Type of every running activity of ``athlete`` (activity id -> type).

    Parameters
    ----------
    store : Store
        The store [-].
    athlete : str
        The athlete [-].
    paces : RunnerPaces or None
        The runner's E/M/T/I speeds [m/s] (without them no run is called a race).
    known : dict, optional
        Types already worked out with the same paces; not recomputed [-].
    on_one : callable, optional
        Called with (id, type) after each run classified [-].
    stop : threading.Event, optional
        When set, return at once with what is done [-].
    """
    from runform.core.classify import classify_run
    from runform.core.intervals import detect_intervals

    aid = store.athlete_id(athlete)
    out: dict[int, str] = {}
    for row in store.list_activities(aid, sport="running"):
        if stop is not None and stop.is_set():
            break
        if known is not None and row.id in known:
            out[row.id] = known[row.id]
            continue
        act = store.load_activity(aid, row.id)
        if act.streams.empty:
            continue
        try:
            iv = detect_intervals(act.streams, act.laps, act.start_time)
            kind = str(
                classify_run(act.streams, act.laps, act.start_time, paces=paces, intervals=iv).type
            )
        except (RunformError, ValueError, KeyError, IndexError, ArithmeticError):
            continue
        out[row.id] = kind
        if on_one is not None:
            on_one(row.id, kind)
    return out


class RunTypes:
    """The run type of each activity, refreshed on a background thread.

    Parameters
    ----------
    open_store : callable
        Returns a context manager giving a :class:`Store` usable on the thread [-].
    athlete : str
        The athlete [-].
    lock : threading.Lock, optional
        Held while classifying (the services may write derived metrics) [-].
    """

    def __init__(
        self, open_store: StoreOpener, athlete: str, lock: threading.Lock | None = None
    ) -> None:
        self._open_store = open_store
        self._athlete = athlete
        self._store_lock = lock or threading.Lock()
        self._lock = threading.Lock()
        self._types: dict[int, str] = {}
        self._paces: RunnerPaces | None = None
        self._pending = threading.Event()
        self._idle = threading.Event()
        self._complete = False
        self._thread = threading.Thread(target=self._run, name="runform-types", daemon=True)
        self._stop = threading.Event()
        self._thread.start()

    def refresh(self) -> None:
        """Work the types out again (after an import: new runs, maybe new paces)."""
        with self._lock:
            self._complete = False
            self._idle.clear()
        self._pending.set()

    def snapshot(self) -> tuple[dict[int, str], bool]:
        """(activity id -> type, whether every run has been classified)."""
        with self._lock:
            return dict(self._types), self._complete

    def wait(self, timeout: float | None = None) -> bool:
        """Block until the current round of classification is finished."""
        return self._idle.wait(timeout)

    def stop(self) -> None:
        """End the background thread (it stops between two runs) and wait for it."""
        self._stop.set()
        self._pending.set()
        self._thread.join(timeout=30)

    def _run(self) -> None:
        self._pending.set()
        while True:
            self._pending.wait()
            self._pending.clear()
            if self._stop.is_set():
                return
            try:
                self._classify()
            except RunformError:
                pass  # no such athlete yet: nothing to classify
            except Exception:  # never kill the thread; the list shows "?"
                traceback.print_exc(file=sys.stderr)
            with self._lock:
                if not self._pending.is_set():
                    self._complete = True
                    self._idle.set()

    def _classify(self) -> None:
        from runform.services.form import _runner_paces

        with self._open_store() as store:
            with self._store_lock:  # the fitness service may store derived metrics
                paces, _, _ = _runner_paces(store, self._athlete)
            with self._lock:
                known = dict(self._types) if paces == self._paces else None
                self._paces = paces

            def one(aid: int, kind: str) -> None:
                # New runs show their type at once; the others keep the type they had
                # until the round is over (no flicker when the paces changed).
                with self._lock:
                    self._types.setdefault(aid, kind)

            types = classify_runs(
                store, self._athlete, paces, known=known, on_one=one, stop=self._stop
            )
        if not self._stop.is_set():
            with self._lock:
                self._types = types
