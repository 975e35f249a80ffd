"""Every file of the shared device corpus imports, or fails with one clear line.

The corpus (../shared/corpus, see its MANIFEST.tsv) holds real files recorded by real
devices; it is never copied into this repository. Expected failures are listed with the
reason the file itself gives (its MANIFEST note or content), so a reader regression that
starts rejecting a good file fails this test.
"""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Any

import pytest

from runform.services import ImportReport, import_paths
from runform.store.db import Store

CORPUS = Path(__file__).resolve().parents[3] / "shared" / "corpus"

pytestmark = pytest.mark.skipif(
    not (CORPUS / "MANIFEST.tsv").exists(), reason=f"device corpus not found at {CORPUS}"
)

# path -> what the file is (from MANIFEST.tsv notes / the file's own content)
EXPECTED_FAILURES = {
    "goldencheetah/2012_02_05_09_03_59.fit": "MANIFEST: no record messages",
    "goldencheetah/AleV_Swim_2015-02-09-16-15.fit": "pool swim whose records carry no timestamp",
    "python-fitparse/DeveloperData.fit": "3 developer-field records without timestamps",
    "goldencheetah/A_ride_mapped_on_11_22_2011.gpx": "a drawn route: track points without times",
    "goldencheetah/MetadataOnly.gpx": "MANIFEST: no trkpt",
    "gpxpy/gpx1.1_with_extensions.gpx": "MANIFEST: no trkpt",
    "gpxpy/gpx_with_garmin_extension.gpx": "MANIFEST: no trkpt",
    "gpxpy/unicode_with_bom.gpx": "MANIFEST: no trkpt",
    "heartandsole/rte.gpx": "MANIFEST: no trkpt (a route)",
    "heartandsole/course.tcx": "a course (planned route), not an activity",
    "runpandas/malformed.tcx": "MANIFEST: XML ParseError: unbound prefix",
}
EXPECTED_SKIPS = {
    "heartandsole/course.fit": "MANIFEST: file_id.type=course",
}


def _manifest() -> list[dict[str, str]]:
    with (CORPUS / "MANIFEST.tsv").open(newline="") as fh:
        return list(csv.DictReader(fh, delimiter="\t"))


@pytest.fixture(scope="module")
def corpus_import(tmp_path_factory: pytest.TempPathFactory) -> tuple[ImportReport, list[Any]]:
    db = tmp_path_factory.mktemp("corpus") / "corpus.duckdb"
    with Store(db) as store:
        report = import_paths(store, [CORPUS], athlete="corpus")
        rows = store.list_activities(store.athlete_id("corpus"))
    return report, rows


def _rel(path: str) -> str:
    return str(Path(path).resolve().relative_to(CORPUS.resolve()))


def test_every_manifest_file_is_imported_or_fails_with_a_reason(
    corpus_import: tuple[ImportReport, list[Any]],
) -> None:
    report, rows = corpus_import
    imported = {_rel(r.source) for r in rows}
    failed = {_rel(f["path"]): f["error"] for f in report.failed}
    skipped = {_rel(f["path"]): f["reason"] for f in report.skipped_files}
    for entry in _manifest():
        rel = entry["path"]
        outcome = [rel in imported, rel in failed, rel in skipped]
        assert sum(outcome) == 1, f"{rel}: imported/failed/skipped = {outcome}"
    assert set(failed) == set(EXPECTED_FAILURES), sorted(set(failed) ^ set(EXPECTED_FAILURES))
    assert set(skipped) == set(EXPECTED_SKIPS)


def test_failure_messages_are_one_clear_line(corpus_import: tuple[ImportReport, list[Any]]) -> None:
    report, _rows = corpus_import
    for f in report.failed:
        msg = f["error"]
        assert "\n" not in msg and "Traceback" not in msg
        assert len(msg) > 15, msg  # says what is wrong, not just an exception name


def test_multisport_files_become_one_activity_per_session(
    corpus_import: tuple[ImportReport, list[Any]],
) -> None:
    _report, rows = corpus_import
    tri = [r for r in rows if r.source.endswith("triathlon_summary_last.fit")]
    # MANIFEST: swimming/open_water+transition+cycling+running (with the second transition)
    assert [r.sport for r in tri] == ["swimming", "transition", "cycling", "transition", "running"]
    run = tri[-1]
    assert run.avg_cadence_spm is not None and 150 < run.avg_cadence_spm < 190


def test_damaged_files_are_imported_as_partial(
    corpus_import: tuple[ImportReport, list[Any]],
) -> None:
    report, rows = corpus_import
    partial = {_rel(p["path"]) for p in report.partial}
    for rel in (
        "python-fitparse/activity-filecrc.fit",  # MANIFEST: mismatching CRC in FIT footer
        "python-fitparse/activity-unexpected-eof.fit",  # MANIFEST: FitEOFError
        "python-fitparse/nick.fit",  # MANIFEST: FitEOFError @ 403456
    ):
        assert rel in partial
    nick = next(r for r in rows if r.source.endswith("nick.fit"))
    assert nick.partial


def test_developer_fields_are_kept_by_name_with_units() -> None:
    import runform

    act = runform.read(CORPUS / "python-fitparse" / "developer-types-sample.fit")
    # MANIFEST: record dev fields: Distance, Form Power, Leg Spring Stiffness, Speed (Stryd)
    for name in ("dev_Form Power", "dev_Leg Spring Stiffness"):
        assert name in act.streams.columns
        assert act.streams[name].notna().sum() > 1000
    assert act.developer_units["dev_Form Power"].lower() in {"watts", "w"}
