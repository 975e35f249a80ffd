"""Dashboard fixtures: copies of the demo store, and servers on free loopback ports."""

from __future__ import annotations

import shutil
from collections.abc import Callable, Iterator
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
from web_helpers import Dashboard, start, stop


@pytest.fixture(scope="session")
def demo_copy(
    demo_block: dict[str, Any], tmp_path_factory: pytest.TempPathFactory
) -> Callable[[str], Path]:
    """Copy the session's demo store (the dashboard writes to it) with a plan added once."""
    from runform.services.plan import create_plan
    from runform.store.db import Store

    master = tmp_path_factory.mktemp("web-master") / "demo.duckdb"
    shutil.copy(demo_block["db"], master)
    race = date.fromisoformat(str(demo_block["block"]["race_date"]))
    with Store(master) as store:
        # the plan the block followed: made the day before it began, so the plan page has
        # plan vs done for every week
        first = date.fromisoformat(str(demo_block["block"]["start_date"]))
        today = first - timedelta(days=1)
        weeks = min(16, ((race - today).days + 1) // 7)
        create_plan(store, "demo", race_date=race, weeks=weeks, today=today)

    def make(name: str) -> Path:
        target = tmp_path_factory.mktemp(f"web-{name}") / "store.duckdb"
        shutil.copy(master, target)
        return target

    return make


@pytest.fixture(scope="session")
def dashboard(demo_copy: Callable[[str], Path]) -> Iterator[Dashboard]:
    """One dashboard for the HTTP tests, run types worked out before use."""
    d = start(demo_copy("http"))
    assert d.server.app.run_types.wait(120), "run types not worked out in 2 min"
    yield d
    stop(d)
