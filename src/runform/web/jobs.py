"""Background imports: one worker thread, one job per upload, progress for polling.

DuckDB lets one process hold a store file and serialises writers, so every
upload is queued to a single worker thread that runs
:func:`runform.services.import_paths` (as ``runform import`` does) on its own cursor. The page polls the job
(``GET /api/import/<job>``) while it runs.
"""

from __future__ import annotations

import queue
import secrets
import shutil
import sys
import threading
import traceback
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from runform.errors import RunformError
from runform.store.db import Store
from runform.web.upload import UploadedFile

__all__ = ["ImportJob", "ImportWorker"]

_KEEP_FINISHED = 50
"""Finished jobs remembered for polling [jobs]."""


@dataclass
class ImportJob:
    """The state of one upload's import, as the page sees it."""

    id: str
    files: list[str]
    folder: Path
    saved: list[Path] = field(default_factory=list)
    state: str = "queued"  # queued | running | done | failed
    done: int = 0
    total: int = 0
    current: str = ""
    imported: int = 0
    duplicates: int = 0
    skipped: int = 0
    failed: list[dict[str, str]] = field(default_factory=list)
    partial: list[dict[str, str]] = field(default_factory=list)
    activity_ids: list[int] = field(default_factory=list)
    error: str | None = None

    def label(self, text: str) -> str:
        """A path or message with the saved copies named as the user uploaded them."""
        for saved, name in zip(self.saved, self.files, strict=True):
            text = text.replace(str(saved), name)
        return text.replace(str(self.folder) + "/", "")

    def as_json(self) -> dict[str, Any]:
        """``GET /api/import/<job>``: progress and, when finished, the outcome."""
        return {
            "job": self.id,
            "state": self.state,
            "finished": self.state in ("done", "failed"),
            "files": list(self.files),
            "done": self.done,
            "total": self.total,
            "current": self.current,
            "imported": self.imported,
            "duplicates": self.duplicates,
            "skipped": self.skipped,
            "failed": [dict(f) for f in self.failed],
            "partial": [dict(p) for p in self.partial],
            "activity_ids": list(self.activity_ids),
            "error": self.error,
        }


StoreOpener = Callable[[], AbstractContextManager[Store]]


class ImportWorker:
    """Run queued imports one at a time on a daemon thread.

    Parameters
    ----------
    open_store : callable
        Returns a context manager giving a :class:`Store` usable on the worker thread [-].
    athlete : str
        Whose activities the uploads are [-].
    on_finished : callable, optional
        Called (on the worker thread) after every job that imported something [-].
    """

    def __init__(
        self,
        open_store: StoreOpener,
        athlete: str,
        on_finished: Callable[[ImportJob], None] | None = None,
    ) -> None:
        self._open_store = open_store
        self._athlete = athlete
        self._on_finished = on_finished
        self._jobs: dict[str, ImportJob] = {}
        self._lock = threading.Lock()
        self._queue: queue.Queue[ImportJob | None] = queue.Queue()
        self._thread = threading.Thread(target=self._run, name="runform-import", daemon=True)
        self._thread.start()

    def submit(self, files: list[UploadedFile], folder: Path) -> ImportJob:
        """Queue the saved files of one upload; the folder is removed when done."""
        job = ImportJob(
            id=secrets.token_urlsafe(9),
            files=[f.filename for f in files],
            folder=folder,
            saved=[f.path for f in files],
        )
        with self._lock:
            self._jobs[job.id] = job
            finished = [j for j in self._jobs.values() if j.state in ("done", "failed")]
            for old in finished[:-_KEEP_FINISHED]:
                del self._jobs[old.id]
        self._queue.put(job)
        return job

    def status(self, job_id: str) -> dict[str, Any] | None:
        """A snapshot of a job, or None when unknown."""
        with self._lock:
            job = self._jobs.get(job_id)
            return None if job is None else job.as_json()

    def jobs(self) -> Iterator[dict[str, Any]]:
        """Snapshots of the remembered jobs, newest last."""
        with self._lock:
            snaps = [j.as_json() for j in self._jobs.values()]
        yield from snaps

    def wait_idle(self, timeout: float | None = None) -> bool:
        """Block until every queued job has finished (for tests and shutdown)."""
        done = threading.Event()

        def _wait() -> None:
            self._queue.join()
            done.set()

        threading.Thread(target=_wait, daemon=True).start()
        return done.wait(timeout)

    def stop(self) -> None:
        """Finish the running job, then end the thread."""
        self._queue.put(None)
        self._thread.join(timeout=30)

    def _run(self) -> None:
        while True:
            job = self._queue.get()
            try:
                if job is None:
                    return
                self._import(job)
            finally:
                self._queue.task_done()

    def _import(self, job: ImportJob) -> None:
        from runform import services

        paths = list(job.saved)
        with self._lock:
            job.state = "running"
        try:
            total = services.count_inputs(paths)
            with self._lock:
                job.total = total

            def tick(label: str, done: int) -> None:
                with self._lock:
                    job.done = done
                    job.total = max(job.total, done)
                    job.current = job.label(label)

            with self._open_store() as store:
                report = services.import_paths(
                    store,
                    paths,
                    athlete=self._athlete,
                    progress=tick,
                    expected_files=total,
                    labels={str(s): n for s, n in zip(job.saved, job.files, strict=True)},
                )
            with self._lock:
                job.imported = report.imported
                job.duplicates = report.duplicates
                job.skipped = report.skipped
                job.failed = [
                    {"path": job.label(f["path"]), "error": job.label(f["error"])}
                    for f in report.failed
                ]
                job.partial = [
                    {"path": job.label(p["path"]), "warning": p["warning"]} for p in report.partial
                ]
                job.activity_ids = list(report.activity_ids)
                job.current = ""
                job.state = "done"
        except RunformError as exc:
            with self._lock:
                job.error = job.label(str(exc))
                job.state = "failed"
        except Exception as exc:  # a bug must not kill the worker: report it, keep serving
            traceback.print_exc(file=sys.stderr)
            with self._lock:
                job.error = f"import failed unexpectedly ({type(exc).__name__}); see the terminal"
                job.state = "failed"
        finally:
            shutil.rmtree(job.folder, ignore_errors=True)
        if self._on_finished is not None and job.activity_ids:
            try:
                self._on_finished(job)
            except Exception:
                traceback.print_exc(file=sys.stderr)
