"""Shared fixtures: the full synthetic 16-week block, generated and imported once per run."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest


@pytest.fixture(scope="session")
def demo_block(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """``runform demo`` on a temporary folder: its result, store path and planted truth."""
    from runform.demo import run_demo

    root = tmp_path_factory.mktemp("demo")
    result = run_demo(root, weeks=16)
    files = root / "files"
    block = json.loads((files / "block.truth.json").read_text())
    runs = [
        json.loads(p.read_text())
        for p in sorted(files.glob("*.truth.json"))
        if p.name != "block.truth.json"
    ]
    return {"result": result, "db": Path(result["store"]), "block": block, "runs": runs}
