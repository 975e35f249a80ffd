"""Every file of the shared device corpus imports, or fails with one clear line.

The corpus (../shared/corpus, see its MANIFEST.tsv) holds real files recorded by real
devices; it is never copied into this repository. It is imported once per test session
(``corpus_import`` in conftest.py, shared with the device-agreement tests). Expected
failures are listed with the reason the file itself gives (its MANIFEST note or content),
so a reader regression that starts rejecting a good file fails this test.
"""

from __future__ import annotations

import csv
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # pytest owns the conftest module; import it for annotations only
    from conftest import CorpusImport

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


def _manifest(corpus: Path) -> list[dict[str, str]]:
    with (corpus / "MANIFEST.tsv").open(newline="") as fh:
        return list(csv.DictReader(fh, delimiter="\t"))


def test_every_manifest_file_is_imported_or_fails_with_a_reason(
    corpus_import: CorpusImport,
) -> None:
    c = corpus_import
    imported = {c.rel(r.source) for r in c.rows}
    failed = {c.rel(f["path"]): f["error"] for f in c.report.failed}
    skipped = {c.rel(f["path"]): f["reason"] for f in c.report.skipped_files}
    for entry in _manifest(c.root):
        rel = entry["path"]
        outcome = [rel in imported, rel in failed, rel in skipped]
        assert sum(outcome) == 1, f"{rel}: imported/failed/skipped = {outcome}"
    assert set(failed) == set(EXPECTED_FAILURES), sorted(set(failed) ^ set(EXPECTED_FAILURES))
    assert set(skipped) == set(EXPECTED_SKIPS)


def test_failure_messages_are_one_clear_line(corpus_import: CorpusImport) -> None:
    for f in corpus_import.report.failed:
        msg = f["error"]
        assert "\n" not in msg and "Traceback" not in msg
        assert len(msg) > 15, msg  # says what is wrong, not just an exception name


def test_multisport_files_become_one_activity_per_session(
    corpus_import: CorpusImport,
) -> None:
    tri = [r for r in corpus_import.rows if r.source.endswith("triathlon_summary_last.fit")]
    # MANIFEST: swimming/open_water+transition+cycling+running (with the second transition)
    assert [r.sport for r in tri] == ["swimming", "transition", "cycling", "transition", "running"]
    run = tri[-1]
    assert run.avg_cadence_spm is not None and 150 < run.avg_cadence_spm < 190


def test_damaged_files_are_imported_as_partial(
    corpus_import: CorpusImport,
) -> None:
    c = corpus_import
    partial = {c.rel(p["path"]) for p in c.report.partial}
    for rel in (
        "python-fitparse/activity-filecrc.fit",  # MANIFEST: mismatching CRC in FIT footer
        "python-fitparse/activity-unexpected-eof.fit",  # MANIFEST: FitEOFError
        "python-fitparse/nick.fit",  # MANIFEST: FitEOFError @ 403456
    ):
        assert rel in partial
    nick = next(r for r in c.rows if r.source.endswith("nick.fit"))
    assert nick.partial


def test_developer_fields_are_kept_by_name_with_units(corpus_import: CorpusImport) -> None:
    # Read back from the store: the reader kept them and the store round trip did too.
    c = corpus_import
    (row,) = [r for r in c.rows if c.rel(r.source) == "python-fitparse/developer-types-sample.fit"]
    act = c.store.load_activity(c.athlete_id, row.id)
    # MANIFEST: record dev fields: Distance, Form Power, Leg Spring Stiffness, Speed (Stryd)
    for name in ("dev_Form Power", "dev_Leg Spring Stiffness"):
        assert name in act.streams.columns
        assert act.streams[name].notna().sum() > 1000
    assert act.developer_units["dev_Form Power"].lower() in {"watts", "w"}
