"""Run types (easy, long, tempo, intervals, hills, race) for the activity list, kept in memory.

The types come from :func:`runform.services.form.run_types` (the classification
``runform analyze`` gives a run, cached per run in the store under the runner's
current paces): a few milliseconds for the whole list once cached, about 30 ms a run
before. They are read on a background thread when the server starts and again after
each import (new runs can change the runner's VDOT, hence their paces, hence every
type), a chunk of runs at a time, so the list never waits and page renders are never
held up for long; until a run is classified its type shows as unknown.
"""

from __future__ import annotations

import sys
import threading
import time
import traceback
from collections.abc import Callable
from contextlib import AbstractContextManager

from runform.errors import RunformError
from runform.store.db import Store

__all__ = ["CHUNK", "QUICK_S", "RunTypes"]

StoreOpener = Callable[[], AbstractContextManager[Store]]

CHUNK = 25
"""Runs classified in the first hold of the store lock [-] (about a second when nothing
is cached)."""

QUICK_S = 0.25
"""A chunk done within this time [s] (cached types) makes the next chunk four times larger,
so a cached list of 1,000 runs is read in four calls, not forty."""


class RunTypes:
    """The run type of each activity, refreshed on a background thread.

    Parameters
    ----------
    open_store : callable
        Returns a context manager giving a :class:`Store` usable on the thread [-].
    athlete : str
        The athlete [-].
    lock : threading.Lock, optional
        Held while classifying a chunk of runs (the services write derived metrics) [-].
    """

    def __init__(
        self, open_store: StoreOpener, athlete: str, lock: threading.Lock | None = None
    ) -> None:
        self._open_store = open_store
        self._athlete = athlete
        self._store_lock = lock or threading.Lock()
        self._lock = threading.Lock()
        self._types: dict[int, str] = {}
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
        """End the background thread (it stops between two chunks) and wait for it."""
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
        from runform.services.form import run_types

        with self._open_store() as store:
            aid = store.athlete_id(self._athlete)
            ids = [r.id for r in store.list_activities(aid, sport="running")]
            types: dict[int, str] = {}
            start, size = 0, CHUNK
            while start < len(ids):
                if self._stop.is_set():
                    return
                with self._store_lock:
                    t0 = time.perf_counter()
                    got = run_types(store, self._athlete, ids[start : start + size])
                    took = time.perf_counter() - t0
                start += size
                if took < QUICK_S:
                    size *= 4
                types.update(got)
                with self._lock:
                    # New runs show their type at once; the others keep the type they
                    # had until the round is over (no flicker when the paces changed).
                    for aid_, kind in got.items():
                        self._types.setdefault(aid_, kind)
        with self._lock:
            self._types = types
