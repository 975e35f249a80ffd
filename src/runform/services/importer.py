"""The import pipeline: read files on every core, write them to the store in batches.

Reading (decode, validate, totals) is CPU work done per file, so it runs in a pool
of worker processes when there are enough files to pay for it; the store is a
single writer, so the main process collects the results *in input order* and
writes several files per transaction with one bulk insert per table
(:meth:`runform.store.db.Store.add_files`). Memory stays bounded: only a window
of files is in flight at a time.

A batch is all-or-nothing: a kill or Ctrl-C mid-batch loses that batch only,
never half a file, and a re-run imports exactly what is missing (the files
already stored are recognised by content and counted as duplicates).
"""

from __future__ import annotations

import contextlib
import os
import signal
import sys
import threading
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, replace
from typing import Any

import pandas as pd

from runform.core.summary import Totals, compute_totals
from runform.errors import InputFileError, RunformError, StoreError, UnsupportedFileError
from runform.io import read_bytes
from runform.io.common import sha256_hex
from runform.io.sources import Member
from runform.schema import Activity
from runform.store.db import FileRows, PreparedRows, Store, prepare_rows

BATCH_FILES = 64
"""Most files written in one transaction (``RUNFORM_IMPORT_BATCH_FILES`` overrides)."""

BATCH_SAMPLES = 400_000
"""A batch is written once it holds this many samples (about 40 MB of columns)."""

PARALLEL_MIN_FILES = 8
"""Fewer files than this are read in the main process (a pool costs more than it saves)."""

IN_FLIGHT_PER_WORKER = 16
"""Files queued per worker process; bounds the memory held by a large archive import."""


@dataclass(frozen=True)
class _Read:
    """The outcome of reading one member: activities and totals, or why not."""

    activities: list[Activity] | None = None
    totals: list[Totals] | None = None
    prepared: list[PreparedRows] | None = None
    skipped: str | None = None
    failed: str | None = None


def read_member(data: bytes, kind: str, label: str, *, slim: bool = False) -> _Read:
    """Read one file's content, compute its totals and its store rows; never raises for a bad file.

    With ``slim`` the activities come back without their streams, laps and events
    (the prepared store rows hold them): less to send back from a worker process.
    """
    try:
        acts = read_bytes(data, kind, label)
        totals = [compute_totals(a.streams, a.events) for a in acts]
        prepared = [prepare_rows(a) for a in acts]
        if slim:
            acts = [_slim(a) for a in acts]
        return _Read(acts, totals, prepared)
    except UnsupportedFileError as exc:
        return _Read(skipped=exc.problem)
    except InputFileError as exc:
        return _Read(failed=exc.problem)
    except RunformError as exc:
        return _Read(failed=str(exc))
    except (ValueError, TypeError, KeyError, IndexError, ArithmeticError) as exc:
        # A reader bug on a strange file must not stop the batch; say what happened.
        return _Read(failed=f"could not be read ({type(exc).__name__}: {exc})")


_EMPTY = pd.DataFrame()


def _slim(a: Activity) -> Activity:
    """The activity without its frames (metadata, summary and warnings stay)."""
    return replace(a, streams=_EMPTY, laps=_EMPTY, events=_EMPTY)


def _worker_init() -> None:
    """Worker processes leave Ctrl-C to the main process and die with it."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    if sys.platform.startswith("linux"):
        import ctypes

        with contextlib.suppress(OSError, AttributeError):
            ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG


def default_workers() -> int:
    """Processes used to read files: one per core the process may use, at most 8."""
    try:
        cores = len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        cores = os.cpu_count() or 1
    return max(1, min(cores, 8))


def _pool(workers: int) -> ProcessPoolExecutor:
    import multiprocessing as mp

    # fork starts a worker in milliseconds (spawn/forkserver re-import numpy and pandas,
    # about a second); the workers only read bytes and never touch the open store.
    method = "fork" if "fork" in mp.get_all_start_methods() else "spawn"
    return ProcessPoolExecutor(workers, mp_context=mp.get_context(method), initializer=_worker_init)


def _read_all(
    jobs: Iterable[tuple[Member, bool]], workers: int
) -> Iterator[tuple[Member, _Read | None]]:
    """Read members in order; ``(member, False)`` passes through unread (a duplicate or error).

    With ``workers`` > 1 a process pool reads them. Should the pool break (a worker killed,
    a start method the host refuses), the rest is read here, one by one: slower, same result.
    """

    def here(member: Member, wanted: bool) -> tuple[Member, _Read | None]:
        if wanted and member.data is not None and member.kind is not None:
            return member, read_member(member.data, member.kind, member.label)
        return member, None

    if workers <= 1:
        for member, wanted in jobs:
            yield here(member, wanted)
        return
    window: deque[tuple[Member, bool, Future[_Read] | None]] = deque()
    limit = workers * IN_FLIGHT_PER_WORKER
    pool: ProcessPoolExecutor | None = _pool(workers)

    def head() -> tuple[Member, _Read | None]:
        nonlocal pool
        m, wanted, f = window.popleft()
        if f is None:
            return here(m, wanted)
        try:
            return m, f.result()
        except BrokenProcessPool:
            if pool is not None:
                pool.shutdown(wait=False, cancel_futures=True)
                pool = None
            return here(m, wanted)

    try:
        for member, wanted in jobs:
            fut = None
            if pool is not None and wanted and member.data is not None and member.kind is not None:
                try:
                    fut = pool.submit(
                        read_member, member.data, member.kind, member.label, slim=True
                    )
                except BrokenProcessPool:
                    pool.shutdown(wait=False, cancel_futures=True)
                    pool = None
            window.append((member, wanted, fut))
            while len(window) >= limit:
                yield head()
        while window:
            yield head()
    finally:
        if pool is not None:
            pool.shutdown(wait=False, cancel_futures=True)


def _unreadable(member: Member) -> bool:
    """The scan could not read this member (its ``error`` says why)."""
    return member.error is not None or member.data is None or member.kind is None


def _without_data(member: Member) -> Member:
    """The member without its bytes (they went to a worker; keep memory bounded)."""
    return replace(member, data=b"")


class _Batcher:
    """Collects read files and writes them to the store in batches."""

    def __init__(
        self,
        store: Store,
        athlete_id: int,
        report: Any,
        on_stored: Callable[[Member, list[Activity], list[int]], None],
    ) -> None:
        self.store = store
        self.athlete_id = athlete_id
        self.report = report
        self.on_stored = on_stored
        self.pending: list[tuple[Member, FileRows]] = []
        self.samples = 0
        env = os.environ.get("RUNFORM_IMPORT_BATCH_FILES", "")
        self.max_files = int(env) if env.isdigit() and int(env) > 0 else BATCH_FILES

    def add(self, member: Member, rows: FileRows) -> None:
        self.pending.append((member, rows))
        self.samples += sum(p.n_samples for p in rows.prepared or ())
        if len(self.pending) >= self.max_files or self.samples >= BATCH_SAMPLES:
            self.flush()

    def flush(self) -> None:
        pending, self.pending, self.samples = self.pending, [], 0
        if not pending:
            return
        results: list[list[int] | None] = []
        try:
            results.extend(self.store.add_files(self.athlete_id, [r for _, r in pending]))
        except StoreError as exc:
            if len(pending) == 1:
                self.report.failed.append({"path": pending[0][0].label, "error": str(exc)})
                return
            # One file the store refuses must not cost the others: write them one by one.
            for member, rows in pending:
                try:
                    results.extend(self.store.add_files(self.athlete_id, [rows]))
                except StoreError as one:
                    self.report.failed.append({"path": member.label, "error": str(one)})
                    results.append(None)
        for (member, rows), ids in zip(pending, results, strict=True):
            if ids is None:
                continue
            self.on_stored(member, list(rows.activities), ids)


def run_import(
    store: Store,
    athlete_id: int,
    members: Iterable[Member],
    report: Any,
    *,
    apply_hints: Callable[[list[Activity], Member], list[Activity]],
    progress: Callable[[str, int], None] | None = None,
    workers: int | None = None,
    expected_files: int | None = None,
) -> None:
    """Import ``members`` into the store for one athlete, filling ``report`` (an ImportReport).

    Parameters
    ----------
    workers : int, optional
        Reader processes (default :func:`default_workers`; 1 reads in this process).
        A pool is used only when ``expected_files`` is unknown or at least
        :data:`PARALLEL_MIN_FILES`.
    """
    n_workers = default_workers() if workers is None else max(1, workers)
    if expected_files is not None and expected_files < PARALLEL_MIN_FILES:
        n_workers = 1
    if workers is None and threading.active_count() > 1:
        # Other Python threads (the dashboard's server): forking could copy a lock one of
        # them holds into the workers, so read here unless workers were asked for.
        n_workers = 1

    def stored(member: Member, acts: list[Activity], ids: list[int]) -> None:
        if not ids:
            report.duplicates += 1
            return
        report.imported += 1
        report.activity_ids.extend(ids)
        for a in acts:
            if a.partial:
                report.partial.append({"path": member.label, "warning": "; ".join(a.warnings)})

    batcher = _Batcher(store, athlete_id, report, stored)

    known = store.source_hashes(athlete_id)

    def jobs() -> Iterator[tuple[Member, bool]]:
        for member in members:
            if member.data is None or _unreadable(member):
                yield member, False
            elif sha256_hex(member.data) in known:
                report.duplicates += 1
                yield _without_data(member), False
            else:
                yield member, True

    with _store_threads(store, 1 if n_workers > 1 else None):
        _collect(_read_all(jobs(), n_workers), batcher, report, apply_hints, progress)
    batcher.flush()  # the last batch: the readers are done, so DuckDB has every core again


@contextlib.contextmanager
def _store_threads(store: Store, threads: int | None) -> Iterator[None]:
    """Run the block with DuckDB limited to ``threads`` (the reader processes have the cores)."""
    if threads is None:
        yield
        return
    row = store.con.execute("SELECT current_setting('threads')").fetchone()
    before = int(row[0]) if row else None
    store.con.execute(f"SET threads = {int(threads)}")
    try:
        yield
    finally:
        if before is not None:
            store.con.execute(f"SET threads = {before}")


def _collect(
    results: Iterator[tuple[Member, _Read | None]],
    batcher: _Batcher,
    report: Any,
    apply_hints: Callable[[list[Activity], Member], list[Activity]],
    progress: Callable[[str, int], None] | None,
) -> None:
    """Turn read results into report entries and store batches, in input order."""
    for done, (member, result) in enumerate(results, start=1):
        if result is None:
            if _unreadable(member):  # else a duplicate, already counted
                report.failed.append({"path": member.label, "error": member.error or "unreadable"})
        elif result.skipped is not None:
            report.skipped += 1
            report.skipped_files.append({"path": member.label, "reason": result.skipped})
        elif result.failed is not None:
            report.failed.append({"path": member.label, "error": result.failed})
        elif result.activities is not None and result.totals is not None:
            acts = apply_hints(result.activities, member)
            if acts:
                batcher.add(member, FileRows(acts, result.totals, member.size, result.prepared))
            else:
                report.duplicates += 1  # nothing to store (as a file already held)
        if progress is not None:
            progress(member.label, done)
