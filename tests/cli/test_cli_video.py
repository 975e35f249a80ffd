"""``runform video`` as a user runs it: bad input is one clear line (the real clip is in tests/video)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest


def _runform(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", "from runform.cli.main import main; main()", *args],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


@pytest.mark.parametrize(
    ("args", "needle", "code"),
    [
        (["compare", "a.json"], "give two clips", 2),
        (["one.mp4", "two.mp4"], "give one clip", 2),
        (["--view", "top", "x.mp4"], "top", 2),
    ],
)
def test_wrong_arguments(args: list[str], needle: str, code: int) -> None:
    proc = _runform("video", *args)
    assert proc.returncode == code, proc.stderr
    assert needle in proc.stderr
    assert "Traceback" not in proc.stderr


@pytest.mark.parametrize(
    "args",
    [["nosuch"], ["analyze", "3", "--units", "xx"], ["report", "--weeks", "0", "--season"]],
)
def test_argument_errors_from_the_parser_are_clean(args: list[str]) -> None:
    """Typer (0.29+ vendors click) parse errors: usage, one error line, exit 2, no traceback."""
    proc = _runform(*args)
    assert proc.returncode == 2, proc.stderr
    assert "Traceback" not in proc.stderr
    assert "Error:" in proc.stderr


def test_not_a_video_names_the_file(tmp_path: Path) -> None:
    pytest.importorskip("av", reason="the runform[video] extra is not installed")
    bad = tmp_path / "holiday.mp4"
    bad.write_bytes(b"this is not a video at all" * 100)
    proc = _runform("video", str(bad))
    assert proc.returncode == 1
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and str(bad) in lines[0] and "not a video" in lines[0], proc.stderr
