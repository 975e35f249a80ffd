"""The parallel import survives a worker process dying: the rest is read in this process."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest

from runform.services import import_paths, importer
from runform.store.db import Store

_REAL_READ = importer.read_member
_KILL = {"parent": -1, "victim": ""}


def dies_in_a_worker(data: bytes, kind: str, label: str, *, slim: bool = False) -> Any:
    """read_member, but a worker process given the victim file exits on the spot."""
    if os.getpid() != _KILL["parent"] and label.endswith(str(_KILL["victim"])):
        os._exit(3)  # as a worker killed by the OOM killer would vanish
    return _REAL_READ(data, kind, label, slim=slim)


def test_a_dead_worker_costs_speed_not_files(
    demo_block: dict[str, Any], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    fits = sorted((Path(demo_block["result"]["folder"]) / "files").glob("*.fit"))[:24]
    monkeypatch.setitem(_KILL, "parent", os.getpid())
    monkeypatch.setitem(_KILL, "victim", fits[10].name)
    monkeypatch.setattr(importer, "read_member", dies_in_a_worker)
    with Store(tmp_path / "s.duckdb") as store:
        report = import_paths(store, fits, athlete="me", workers=2)
        stored = sorted(r[0] for r in store.con.execute("SELECT path FROM source_files").fetchall())
    assert report.failed == []
    assert report.imported == len(fits)
    assert stored == sorted(str(p) for p in fits)


def test_other_threads_mean_no_fork(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """With another Python thread alive (the dashboard), the default is to read here."""
    import threading

    seen: list[int] = []
    real = importer._read_all

    def spy(jobs: Any, workers: int) -> Any:
        seen.append(workers)
        return real(jobs, workers)

    monkeypatch.setattr(importer, "_read_all", spy)
    stop = threading.Event()
    t = threading.Thread(target=stop.wait)
    t.start()
    try:
        with Store(tmp_path / "s.duckdb") as store:
            import_paths(store, [tmp_path / "missing.fit"] * 10, athlete="me")
    finally:
        stop.set()
        t.join()
    assert seen == [1]
