"""docs/glossary.md names every canonical stream, summary and event column with its unit."""

from __future__ import annotations

import re
from pathlib import Path

from runform.schema import EVENTS, STREAMS, SUMMARY

GLOSSARY = Path(__file__).resolve().parents[1] / "docs" / "glossary.md"


def _rows() -> dict[str, str]:
    rows: dict[str, str] = {}
    for line in GLOSSARY.read_text().splitlines():
        m = re.match(r"\| `([a-z_]+)` \| ([^|]*) \|", line)
        if m:
            rows.setdefault(m.group(1), m.group(2).strip())
    return rows


def test_every_canonical_name_is_in_the_glossary_with_its_unit() -> None:
    rows = _rows()
    for table in (STREAMS, SUMMARY, EVENTS):
        for name, (unit, _meaning) in table.items():
            assert name in rows, f"{name} missing from docs/glossary.md"
            if table is STREAMS:
                assert rows[name] == unit, f"{name}: glossary says {rows[name]!r}, schema {unit!r}"
