"""A killed import never leaves half an activity, and a re-run completes it exactly once.

The block of FIT files comes from the synthetic athlete (``generate_block``), whose truth files
record how many samples each file holds. ``runform import`` runs as a real process and is
killed with SIGKILL (no Python cleanup, no rollback of its own): once after a wall-clock
delay, adjusted until the kill lands after some files were committed and before all were;
and once from inside the transaction of a given batch of files, right after their activity
rows, samples, laps and events were written but before COMMIT. The import writes several
files per transaction (``RUNFORM_IMPORT_BATCH_FILES`` sets how many; small here so that a
kill lands between batches). After each kill the store is
reopened and checked row by row; then the import is run again to completion.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from runform.store.db import Store
from runform.synth.athlete import BlockTruth, generate_block

FIRST_KILL_DELAY_S = 2.0
"""First wall-clock delay before the kill; then bisected between the longest delay that left
nothing committed and the shortest that let the import finish (a 22-file import takes about
a second here, most of it Python starting up)."""

BATCH = 3
"""Files per transaction in these tests (``RUNFORM_IMPORT_BATCH_FILES``)."""

# Runs the real console entry point, with a hook that SIGKILLs the process from inside the
# store transaction of the KILL_AT-th batch (after its events, the last rows it writes).
_KILL_INSIDE_TRANSACTION = """
import os, signal, sys
from runform.store import db
calls = 0
original = db.Store._insert_events
def insert_then_die(self, *args):
    global calls
    original(self, *args)
    calls += 1
    if calls == int(os.environ["KILL_AT"]):
        os.kill(os.getpid(), signal.SIGKILL)
db.Store._insert_events = insert_then_die
from runform.cli.main import main
sys.argv[0] = "runform"
main()
"""


_CTRL_C_INSIDE_TRANSACTION = """
import os, signal, sys
from runform.store import db
calls = 0
original = db.Store._insert_events
def insert_then_interrupt(self, *args):
    global calls
    original(self, *args)
    calls += 1
    if calls == int(os.environ["INTERRUPT_AT"]):
        os.kill(os.getpid(), signal.SIGINT)  # what Ctrl-C sends, mid-file
db.Store._insert_events = insert_then_interrupt
from runform.cli.main import main
sys.argv[0] = "runform"
main()
"""


def runform_cmd() -> list[str]:
    script = Path(sys.executable).with_name("runform")
    if script.exists():
        return [str(script)]
    return [sys.executable, "-c", "from runform.cli.main import main; main()"]


def clean_env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k != "RUNFORM_DEBUG"}
    env["RUNFORM_IMPORT_BATCH_FILES"] = str(BATCH)
    env.update(extra)
    return env


def import_json(db: Path, folder: Path) -> dict[str, object]:
    proc = subprocess.run(
        [*runform_cmd(), "--db", str(db), "import", str(folder), "--json"],
        capture_output=True,
        text=True,
        timeout=300,
        env=clean_env(),
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    assert "Traceback" not in proc.stdout + proc.stderr
    report: dict[str, object] = json.loads(proc.stdout)
    return report


def import_and_kill(db: Path, folder: Path, delay_s: float) -> int | None:
    """Start an import, SIGKILL it after ``delay_s``; return its exit code if it finished first."""
    proc = subprocess.Popen(
        [*runform_cmd(), "--db", str(db), "import", str(folder), "--json"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        env=clean_env(),
    )
    try:
        return proc.wait(timeout=delay_s)
    except subprocess.TimeoutExpired:
        os.kill(proc.pid, signal.SIGKILL)
        assert proc.wait(timeout=30) == -signal.SIGKILL
        return None


def committed_sources(db: Path) -> list[str]:
    """Reopen the store (as the next runform would) and check it; return the files it holds."""
    with Store(db) as store:
        q = store.con.execute
        assert not q(
            "SELECT a.id FROM activities a LEFT JOIN samples s ON s.activity_id = a.id "
            "GROUP BY a.id, a.n_samples HAVING a.n_samples <> count(s.idx)"
        ).fetchall(), "an activity whose samples are not all there"
        assert not q(
            "SELECT a.id FROM activities a LEFT JOIN laps l ON l.activity_id = a.id "
            "GROUP BY a.id, a.n_laps HAVING a.n_laps <> count(l.lap_index)"
        ).fetchall(), "an activity whose laps are not all there"
        for table in ("samples", "laps", "events", "dev_samples"):
            orphans = q(
                f"SELECT count(*) FROM {table} t WHERE NOT EXISTS "
                "(SELECT 1 FROM activities a WHERE a.id = t.activity_id)"
            ).fetchone()
            assert orphans == (0,), f"{table} rows of an activity that is not there"
        assert not q(
            "SELECT f.path FROM source_files f LEFT JOIN activities a "
            "ON a.athlete_id = f.athlete_id AND a.source_sha256 = f.sha256 "
            "GROUP BY f.path, f.n_activities HAVING f.n_activities <> count(a.id)"
        ).fetchall(), "a source file without its activities"
        assert q(
            "SELECT count(*) FROM activities a WHERE NOT EXISTS (SELECT 1 FROM source_files f "
            "WHERE f.athlete_id = a.athlete_id AND f.sha256 = a.source_sha256)"
        ).fetchone() == (0,), "an activity without its source file"
        return [r[0] for r in q("SELECT path FROM source_files ORDER BY path").fetchall()]


def assert_complete(db: Path, block: BlockTruth) -> None:
    """Every file of the block exactly once, each with the samples its truth file records."""
    fits = sorted(str(p) for p in block.fit_files)
    assert committed_sources(db) == fits  # once each: no duplicates, none missing
    truth = {
        str(block.out_dir / t["file"]): t["n_records"]
        for t in (json.loads(p.read_text()) for p in block.truth_files)
    }
    with Store(db, read_only=True) as store:
        rows = store.con.execute(
            "SELECT a.source_path, a.n_samples, count(s.idx) FROM activities a "
            "JOIN samples s ON s.activity_id = a.id GROUP BY a.id, a.source_path, a.n_samples"
        ).fetchall()
        assert store.counts()["samples"] == block.n_records
    assert sorted(r[0] for r in rows) == fits
    for path, n_samples, stored in rows:
        assert n_samples == stored == truth[path], path


@pytest.fixture(scope="module")
def block(tmp_path_factory: pytest.TempPathFactory) -> BlockTruth:
    truth = generate_block(tmp_path_factory.mktemp("block") / "files", weeks=4)
    assert len(truth.fit_files) >= 15
    return truth


def test_kill_at_a_random_moment_then_resume(block: BlockTruth, tmp_path: Path) -> None:
    total = len(block.fit_files)
    outcomes: list[tuple[float, int]] = []
    mid: Path | None = None
    delay = FIRST_KILL_DELAY_S
    too_early, too_late = 0.0, None  # bisect between a kill that left nothing and one too late
    for attempt in range(12):
        db = tmp_path / f"kill{attempt}.duckdb"
        import_and_kill(db, block.out_dir, delay)
        n = len(committed_sources(db)) if db.exists() else 0
        outcomes.append((round(delay, 3), n))
        if 0 < n < total:
            mid = db
            break
        if n == total:
            too_late = delay
        else:
            too_early = delay
        delay = (too_early + too_late) / 2 if too_late is not None else delay * 2
    assert mid is not None, f"no kill landed mid-import (delay s, files committed): {outcomes}"

    done = len(committed_sources(mid))
    report = import_json(mid, block.out_dir)
    assert report["imported"] == total - done
    assert report["duplicates"] == done
    assert report["failed"] == []
    assert_complete(mid, block)


@pytest.mark.parametrize("kill_at", [2])
def test_kill_inside_a_transaction_then_resume(
    block: BlockTruth, tmp_path: Path, kill_at: int
) -> None:
    db = tmp_path / "store.duckdb"
    paths = [str(block.out_dir), "--json"]
    proc = subprocess.run(
        [sys.executable, "-c", _KILL_INSIDE_TRANSACTION, "--db", str(db), "import", *paths],
        capture_output=True,
        timeout=300,
        env=clean_env(KILL_AT=str(kill_at)),
        check=False,
    )
    assert proc.returncode == -signal.SIGKILL, proc.stderr
    fits = sorted(str(p) for p in block.fit_files)
    # Files are imported in name order; the batch being written when killed left no trace.
    done = (kill_at - 1) * BATCH
    assert committed_sources(db) == fits[:done]

    report = import_json(db, block.out_dir)
    assert report["imported"] == len(fits) - done
    assert report["duplicates"] == done
    assert_complete(db, block)


def test_ctrl_c_keeps_what_was_committed(block: BlockTruth, tmp_path: Path) -> None:
    """SIGINT while the 2nd batch (files 4-6) is being written: files 1-3 stay, 4-6 leave no trace."""
    db = tmp_path / "store.duckdb"
    proc = subprocess.run(
        [
            sys.executable,
            "-c",
            _CTRL_C_INSIDE_TRANSACTION,
            "--db",
            str(db),
            "import",
            str(block.out_dir),
        ],
        capture_output=True,
        text=True,
        timeout=300,
        env=clean_env(INTERRUPT_AT="2"),
        check=False,
    )
    assert "Traceback" not in proc.stdout + proc.stderr
    assert proc.returncode == 130, (proc.returncode, proc.stderr)
    assert "interrupted" in proc.stderr
    fits = sorted(str(p) for p in block.fit_files)
    assert committed_sources(db) == fits[:BATCH]
