"""The per-activity metrics cache: hits equal fresh computes, and nothing stale is ever served.

The truth here is the computation from the raw streams with the cache bypassed
(:func:`runform.services.metrics_cache.bypass`), and physiology for the direction of a
change (a higher HR max makes the same heart rate a smaller fraction of the reserve, so
Banister TRIMP must fall).
"""

from __future__ import annotations

import json
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from runform import services
from runform.errors import StoreError
from runform.services import metrics_cache
from runform.services.fitness import fitness
from runform.services.form import cadence_model, form_history
from runform.services.metrics_cache import bypass, warm_metrics
from runform.services.profile import resolve_profile, set_profile
from runform.services.training_load import activity_loads, load_report
from runform.store.db import Store

ATHLETE = "demo"


def _canon(x: Any) -> str:
    """A comparable text of a result (NaN compares equal to NaN here)."""
    return json.dumps(x, sort_keys=True, default=str)


def _history(store: Store) -> dict[str, Any]:
    fit = fitness(store, ATHLETE)
    return {
        "fitness": fit,
        "load": load_report(store, ATHLETE, vdot=fit["current"]["vdot"]),
        "form": form_history(store, ATHLETE),
    }


def _copy(demo_block: dict[str, Any], tmp_path: Path, *, empty: bool = False) -> Path:
    db = tmp_path / "copy.duckdb"
    shutil.copy(demo_block["db"], db)
    if empty:
        with Store(db) as s:
            s.con.execute("DELETE FROM activity_metrics")
    return db


def _n_rows(db: Path) -> int:
    with Store(db, read_only=True) as s:
        row = s.con.execute("SELECT count(*) FROM activity_metrics").fetchone()
    assert row is not None
    return int(row[0])


@pytest.fixture(scope="module")
def fresh(demo_block: dict[str, Any]) -> dict[str, Any]:
    """The history services computed from the streams, cache bypassed (the truth)."""
    with Store(demo_block["db"], read_only=True) as s, bypass():
        return _history(s)


def test_demo_is_warmed_and_hits_equal_a_fresh_compute(
    demo_block: dict[str, Any], fresh: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    with Store(demo_block["db"], read_only=True) as s:
        runs = s.list_activities(s.athlete_id(ATHLETE), sport="running")
        kinds = dict(
            s.con.execute(
                "SELECT kind, count(DISTINCT activity_id) FROM activity_metrics GROUP BY kind"
            ).fetchall()
        )
        # run_demo warmed every per-run result the history services need
        for kind in ("best_efforts", "hr_vdot", "trimp", "cadence_bins", "technique"):
            assert kinds.get(kind) == len(runs), kind

        # a hit never touches the streams
        def no_streams(*_: Any, **__: Any) -> Any:
            raise AssertionError("the streams were read although everything is cached")

        monkeypatch.setattr(Store, "streams", no_streams)
        monkeypatch.setattr(Store, "load_activity", no_streams)
        cached = _history(s)
    assert _canon(cached) == _canon(fresh)
    # and the result is not vacuous: the planted technique work is there
    weeks = cached["form"]["technique_per_week"]
    assert sum(w["strides"] for w in weeks) > 0
    assert sum(w["interval_reps"] for w in weeks) > 0
    assert cached["fitness"]["heart_rate"]["vdot"] is not None


def test_changing_hr_max_recomputes_the_loads(demo_block: dict[str, Any], tmp_path: Path) -> None:
    db = _copy(demo_block, tmp_path)
    with Store(db) as s:
        before = activity_loads(s, ATHLETE, None, None).set_index("id")
        hr_max = float(resolve_profile(s, ATHLETE)["hr_max"].value)
        set_profile(s, ATHLETE, {"hr_max": hr_max + 10})
        after = activity_loads(s, ATHLETE, None, None).set_index("id")
        with bypass():
            truth = activity_loads(s, ATHLETE, None, None).set_index("id")
            fit_truth = fitness(s, ATHLETE)
        fit_after = fitness(s, ATHLETE)
    with_hr = before["trimp"].notna()
    assert with_hr.sum() > 50
    # same heart rate, higher HR max: a smaller fraction of the reserve, less TRIMP
    assert (after.loc[with_hr, "trimp"] < before.loc[with_hr, "trimp"]).all()
    assert (after.loc[with_hr, "edwards_trimp"] <= before.loc[with_hr, "edwards_trimp"]).all()
    assert _canon(after.to_dict("records")) == _canon(truth.to_dict("records"))
    assert fit_after["heart_rate"]["hr_max"] == hr_max + 10
    assert _canon(fit_after) == _canon(fit_truth)


def test_a_new_run_refits_the_model_and_its_dependants(
    demo_block: dict[str, Any], tmp_path: Path
) -> None:
    files = sorted((Path(demo_block["result"]["folder"]) / "files").glob("*.fit"))
    first, extra = files[:30], files[30:32]
    db = tmp_path / "grow.duckdb"
    with Store(db) as s:
        services.import_paths(s, first, athlete=ATHLETE)
        warm_metrics(s, ATHLETE)
        model_before, bins_before = cadence_model(s, ATHLETE)
        services.import_paths(s, extra, athlete=ATHLETE)
        model_after, bins_after = cadence_model(s, ATHLETE)
        form_after = form_history(s, ATHLETE)
        with bypass():
            model_truth, _ = cadence_model(s, ATHLETE)
            form_truth = form_history(s, ATHLETE)
    assert model_before is not None and model_after is not None and model_truth is not None
    assert len(bins_after) == len(bins_before) + 2
    assert model_after.n_bins > model_before.n_bins
    assert model_after.slope_spm_per_mps != model_before.slope_spm_per_mps
    assert model_after == model_truth
    # durability depends on the model's slope: it must follow the new model too
    assert _canon(form_after) == _canon(form_truth)


def test_read_only_store_computes_without_writing(
    demo_block: dict[str, Any], fresh: dict[str, Any], tmp_path: Path
) -> None:
    db = _copy(demo_block, tmp_path, empty=True)
    with Store(db, read_only=True) as s:
        got = fitness(s, ATHLETE)
        model, _ = cadence_model(s, ATHLETE)
    assert _canon(got) == _canon(fresh["fitness"])
    assert model is not None and model.as_dict() == fresh["form"]["cadence_model"]
    assert _n_rows(db) == 0
    with Store(db, read_only=True) as s, pytest.raises(StoreError):
        warm_metrics(s, ATHLETE)


def test_a_failed_compute_leaves_only_whole_chunks(
    demo_block: dict[str, Any],
    fresh: dict[str, Any],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import runform.services.fitness as fitness_module

    db = _copy(demo_block, tmp_path, empty=True)
    real = fitness_module.effective_vdot
    calls = {"n": 0}

    def flaky(*args: Any, **kwargs: Any) -> Any:
        calls["n"] += 1
        if calls["n"] == metrics_cache.CHUNK_SIZE + 3:
            raise KeyboardInterrupt  # as if the user pressed Ctrl-C mid-chunk
        return real(*args, **kwargs)

    monkeypatch.setattr(fitness_module, "effective_vdot", flaky)
    with Store(db) as s, pytest.raises(KeyboardInterrupt):
        fitness(s, ATHLETE)
    monkeypatch.setattr(fitness_module, "effective_vdot", real)
    with Store(db, read_only=True) as s:
        per_act = s.con.execute(
            "SELECT activity_id, count(*) FROM activity_metrics GROUP BY activity_id"
        ).fetchall()
    # the first chunk was committed whole (both results of each run), the broken one not at all
    assert len(per_act) == metrics_cache.CHUNK_SIZE
    assert {n for _, n in per_act} == {2}
    with Store(db) as s:
        assert _canon(fitness(s, ATHLETE)) == _canon(fresh["fitness"])


def test_a_killed_warm_keeps_committed_chunks_consistent(
    demo_block: dict[str, Any], fresh: dict[str, Any], tmp_path: Path
) -> None:
    db = _copy(demo_block, tmp_path, empty=True)
    code = (
        "import sys\n"
        "from runform.store.db import Store\n"
        "from runform.services.metrics_cache import warm_metrics\n"
        "def say(what, done, total):\n"
        "    print(what, done, flush=True)\n"
        f"with Store({str(db)!r}) as s:\n"
        "    warm_metrics(s, 'demo', progress=say)\n"
    )
    proc = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, text=True)
    assert proc.stdout is not None
    seen = []
    deadline = time.monotonic() + 60
    while len(seen) < 3 and time.monotonic() < deadline:
        line = proc.stdout.readline()
        if not line:
            break
        seen.append(line)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    assert len(seen) == 3, seen  # it was killed part-way, after three committed chunks
    with Store(db, read_only=True) as s:
        rows = s.con.execute("SELECT activity_id, kind, payload FROM activity_metrics").fetchall()
        by_act: dict[int, set[str]] = {}
        for aid, kind, payload in rows:
            json.loads(payload)  # every stored payload is whole
            by_act.setdefault(aid, set()).add(kind)
        assert len(rows) >= 3 * metrics_cache.CHUNK_SIZE
        # results computed together are stored together
        assert all(
            k >= {"best_efforts", "hr_vdot"} or not k & {"best_efforts", "hr_vdot"}
            for k in by_act.values()
        )
    with Store(db) as s:
        assert _canon(fitness(s, ATHLETE)) == _canon(fresh["fitness"])


def test_rows_of_a_replaced_activity_are_not_served(
    demo_block: dict[str, Any], tmp_path: Path
) -> None:
    db = _copy(demo_block, tmp_path)
    with Store(db) as s:
        aid = s.athlete_id(ATHLETE)
        rid = s.list_activities(aid, sport="running")[0].id
        # a cached value that no longer belongs to the activity stored under this id
        s.con.execute(
            "UPDATE activity_metrics SET source_sha256 = 'gone', payload = '[]'"
            " WHERE activity_id = ? AND kind = 'best_efforts'",
            [rid],
        )
        with bypass():
            truth = fitness(s, ATHLETE)
        assert _canon(fitness(s, ATHLETE)) == _canon(truth)
        assert metrics_cache.prune(s) == 0  # already replaced by the recompute above
        s.con.execute("DELETE FROM activities WHERE id = ?", [rid])
        assert metrics_cache.prune(s) > 0
        left = s.con.execute(
            "SELECT count(*) FROM activity_metrics WHERE activity_id = ?", [rid]
        ).fetchone()
    assert left == (0,)
