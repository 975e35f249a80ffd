"""What the store holds equals what the reader decoded, value for value, for every corpus file.

The import reads files in worker processes and writes many files per transaction as Arrow
columns (:mod:`runform.services.importer`); this checks that nothing is lost, reordered or
rounded on the way: for every activity of the shared corpus import, the stored samples, laps
and events are compared with :func:`runform.io.read_all` of the same file, read again here in
this process. The reader itself is checked field for field against fitdecode in
``test_fitfast_differential.py``; together they tie the stored values to fitdecode.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
import pytest

from runform.io import read_all
from runform.store.migrations import LAP_COLUMNS, SAMPLE_COLUMNS

if TYPE_CHECKING:  # pytest owns the conftest module; import it for annotations only
    from conftest import CorpusImport

_TIME = ("timestamp", "start_time", "end_time")


def _same(stored_frame: pd.DataFrame, read_frame: pd.DataFrame, col: str, where: str) -> list[str]:
    read = read_frame[col]
    if col not in stored_frame:  # the store leaves out a column with no value at all
        return [] if read.isna().all() else [f"{where}: column not stored"]
    stored = stored_frame[col]
    if col in _TIME or pd.api.types.is_datetime64_any_dtype(read):
        a = pd.to_datetime(stored, utc=True).dt.floor("us")
        b = pd.to_datetime(read, utc=True).dt.floor("us")
        bad = ~((a == b) | (a.isna() & b.isna()))
    else:
        a = pd.to_numeric(stored, errors="coerce").to_numpy(dtype=float)
        b = pd.to_numeric(read, errors="coerce").to_numpy(dtype=float)
        bad = ~((a == b) | (np.isnan(a) & np.isnan(b)))
    n = int(np.count_nonzero(bad))
    return [f"{where}: {n} values differ"] if n else []


def test_stored_values_equal_the_decoded_values(corpus_import: CorpusImport) -> None:
    c = corpus_import
    by_file: dict[str, list[int]] = {}
    for r in c.rows:
        by_file.setdefault(r.source, []).append(r.id)
    assert len(by_file) > 100, "the corpus import should hold over 100 files"
    problems: list[str] = []
    checked = 0
    for path, ids in sorted(by_file.items()):
        acts = read_all(Path(path))
        stored = [c.store.load_activity(c.athlete_id, i) for i in sorted(ids)]
        by_session = {a.source.session_index: a for a in acts}
        for s in stored:
            a = by_session.get(s.source.session_index)
            if a is None:
                problems.append(f"{path}: session {s.source.session_index} not read again")
                continue
            where = f"{c.rel(path)}#{s.source.session_index}"
            if len(s.streams) != len(a.streams):
                problems.append(f"{where}: {len(s.streams)} samples stored, {len(a.streams)} read")
                continue
            for col in SAMPLE_COLUMNS:
                if col in a.streams:
                    problems += _same(s.streams, a.streams, col, f"{where} samples.{col}")
            for col in (x for x in a.streams.columns if str(x).startswith("dev_")):
                problems += _same(s.streams, a.streams, col, f"{where} samples.{col}")
            if len(s.laps) != len(a.laps):
                problems.append(f"{where}: {len(s.laps)} laps stored, {len(a.laps)} read")
            else:
                for col in LAP_COLUMNS:
                    if col in a.laps and col not in ("intensity", "trigger", "sport"):
                        problems += _same(s.laps, a.laps, col, f"{where} laps.{col}")
            if len(s.events) != len(a.events):
                problems.append(f"{where}: {len(s.events)} events stored, {len(a.events)} read")
            checked += 1
    assert not problems, "\n".join(problems[:40])
    assert checked == len(c.rows)


def test_batched_parallel_import_equals_one_file_at_a_time(
    corpus_import: CorpusImport, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The same files imported serially, one per transaction, give identical tables."""
    from runform.services import import_paths
    from runform.store.db import Store

    files = sorted({r.source for r in corpus_import.rows})[:25]
    if len(files) < 10:
        pytest.skip("too few corpus files")
    out = {}
    for label, workers, batch in (("parallel", 2, "64"), ("serial", 1, "1")):
        monkeypatch.setenv("RUNFORM_IMPORT_BATCH_FILES", batch)
        with Store(tmp_path / f"{label}.duckdb") as store:
            import_paths(store, files, athlete="x", workers=workers)
            out[label] = {
                t: store.con.execute(
                    f"SELECT * EXCLUDE (activity_id) FROM {t} ORDER BY ALL"
                ).fetchdf()
                for t in ("samples", "laps", "events", "dev_samples")
            }
    for t in out["serial"]:
        pd.testing.assert_frame_equal(out["parallel"][t], out["serial"][t], obj=t)
