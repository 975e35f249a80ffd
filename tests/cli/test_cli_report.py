"""``runform report`` as a user runs it: a real process on a copy of the demo store."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest


def _runform(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", "from runform.cli.main import main; main()", *args],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


class _Sections(HTMLParser):
    """Ids of the report's ``<section>`` panels and the number of ``<svg>`` charts."""

    def __init__(self) -> None:
        super().__init__()
        self.sections: list[str] = []
        self.svgs = 0
        self.scripts_src: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        if tag == "section" and a.get("id"):
            self.sections.append(str(a["id"]))
        if tag == "svg":
            self.svgs += 1
        if tag in ("script", "link", "img") and (a.get("src") or a.get("href")):
            self.scripts_src.append(str(a.get("src") or a.get("href")))


@pytest.fixture(scope="module")
def store(demo_block: dict[str, Any], tmp_path_factory: pytest.TempPathFactory) -> Path:
    dst = tmp_path_factory.mktemp("cli_report") / "store.duckdb"
    shutil.copy(demo_block["db"], dst)
    return dst


def test_season_and_long_run_reports_are_written(
    store: Path, demo_block: dict[str, Any], tmp_path: Path
) -> None:
    long_runs = [r for r in demo_block["runs"] if r["type"] == "long"]
    start = max(long_runs, key=lambda r: r["distance_m"])["start_time"]
    listing = _runform("--db", str(store), "--athlete", "demo", "activities", "--json")
    assert listing.returncode == 0, listing.stderr
    run_id = next(r["id"] for r in json.loads(listing.stdout) if r["start_time"] == start)
    for args, name in (([str(run_id)], "run.html"), (["--season"], "season.html")):
        out = tmp_path / name
        proc = _runform("--db", str(store), "--athlete", "demo", "report", *args, "-o", str(out))
        assert proc.returncode == 0, proc.stderr
        assert str(out) in proc.stdout
        parser = _Sections()
        parser.feed(out.read_text(encoding="utf-8"))
        assert len(parser.sections) >= 6, parser.sections
        assert parser.svgs >= 4
        # Self-contained: nothing is loaded from anywhere (no CDN, no tiles, no fonts).
        assert not [s for s in parser.scripts_src if not s.startswith("#")], parser.scripts_src


@pytest.mark.parametrize(
    ("args", "needle", "code"),
    [
        ([], "exactly one of", 2),
        (["3", "--season"], "exactly one of", 2),
        (["99999"], "no activity 99999", 1),
    ],
)
def test_report_errors_are_one_line(store: Path, args: list[str], needle: str, code: int) -> None:
    proc = _runform("--db", str(store), "--athlete", "demo", "report", *args)
    assert proc.returncode == code, proc.stderr
    assert needle in proc.stderr
    assert len(proc.stderr.strip().splitlines()) == 1
    assert "Traceback" not in proc.stderr
