"""Shared fixtures of the core tests: the 4-week synthetic block, generated and read once."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

import runform
from runform.schema import Activity
from runform.synth.athlete import generate_block

Run = tuple[Activity, dict[str, Any]]
"""One run of the block: the activity as :func:`runform.read` gives it, and its truth."""

Streams = dict[str, tuple[pd.DataFrame, dict[str, Any]]]
"""Runs keyed by file stem: (streams, truth)."""


@dataclass(frozen=True)
class SyntheticBlock:
    """The 4-week synthetic block of ``runform.synth.athlete.generate_block``.

    The activities are shared by every test of the session: copy before changing them.

    Attributes
    ----------
    files : tuple of Path
        The FIT files, in date order.
    runs : tuple of Run
        Every run, in the order of ``files``: (activity, its ``*.truth.json``).
    summary : dict
        The block truth (``block.truth.json``; ``paces_mps`` and the rest).
    """

    files: tuple[Path, ...]
    runs: tuple[Run, ...]
    summary: dict[str, Any]

    def streams_without_race(self) -> Streams:
        """``{file stem: (streams, truth)}`` of every run but the race, in date order
        (the 3-hour race is not needed by the hill and stride tests: the easy, long,
        tempo, interval and hill sessions are)."""
        return {
            f.stem: (act.streams, truth)
            for f, (act, truth) in zip(self.files, self.runs, strict=True)
            if truth["type"] != "race"
        }


@pytest.fixture(scope="session")
def synthetic_block(tmp_path_factory: pytest.TempPathFactory) -> SyntheticBlock:
    """The 4-week block, generated once per session and every file read once."""
    root = tmp_path_factory.mktemp("synthetic_block_w4")
    block = generate_block(root / "files", weeks=4)
    runs = tuple(
        (runform.read(fit), json.loads(truth.read_text()))
        for fit, truth in zip(block.fit_files, block.truth_files, strict=True)
    )
    return SyntheticBlock(files=block.fit_files, runs=runs, summary=block.summary)
