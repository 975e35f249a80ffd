"""The shared real-file corpus, imported once per test session.

The corpus (``../shared/corpus``, or the folder ``RUNFORM_CORPUS`` names; its
``MANIFEST.tsv`` lists every file) holds real files recorded by real devices and
is never copied into this repository. :func:`corpus_import` reads each FIT, TCX
and GPX file once, through the import use case
(:func:`runform.services.import_paths`), into a temporary store that every
corpus test shares; tests that need whole activities read them back with
:meth:`~runform.store.db.Store.load_activity`, which keeps what the checks use
(streams, laps with their raw fields, timer events, the device summary with its
raw part, device, warnings, the partial flag). Without the corpus, the tests
that use these fixtures skip and say where the corpus was looked for.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from runform.services import ImportReport, import_paths
from runform.store.db import ActivityRow, Store

CORPUS = Path(
    os.environ.get("RUNFORM_CORPUS", Path(__file__).resolve().parents[3] / "shared" / "corpus")
)
ATHLETE = "corpus"


@dataclass(frozen=True)
class CorpusImport:
    """The corpus imported into one temporary store (open for the whole test session)."""

    root: Path
    report: ImportReport
    store: Store
    athlete_id: int
    rows: list[ActivityRow]

    def rel(self, path: str) -> str:
        """A source path as the corpus-relative POSIX path that MANIFEST.tsv uses."""
        return Path(path).resolve().relative_to(self.root.resolve()).as_posix()


@pytest.fixture(scope="session")
def corpus_dir() -> Path:
    """The corpus folder; skips the test when it (or its MANIFEST.tsv) is absent."""
    if not (CORPUS / "MANIFEST.tsv").is_file():
        pytest.skip(
            f"real-file corpus not found: no MANIFEST.tsv in {CORPUS} "
            "(set RUNFORM_CORPUS to the corpus folder to run the corpus tests)"
        )
    return CORPUS


@pytest.fixture(scope="session")
def corpus_import(
    corpus_dir: Path, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[CorpusImport]:
    """Every corpus file read once and imported into a temporary store."""
    db = tmp_path_factory.mktemp("corpus") / "corpus.duckdb"
    with Store(db) as store:
        report = import_paths(store, [corpus_dir], athlete=ATHLETE)
        athlete_id = store.athlete_id(ATHLETE)
        rows = store.list_activities(athlete_id)
        yield CorpusImport(corpus_dir, report, store, athlete_id, rows)
