"""Fixtures for the HTML reports: a private copy of the demo store (with a plan), the
reports rendered once per session, and a small DOM built with the stdlib parser."""

from __future__ import annotations

import shutil
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest

VOID = {"meta", "br", "img", "input", "link", "hr", "col", "area", "base", "wbr", "source"}


@dataclass
class Node:
    """One element of the parsed document."""

    tag: str
    attrs: dict[str, str]
    children: list[Node] = field(default_factory=list)
    text_parts: list[str] = field(default_factory=list)
    parent: Node | None = None

    def iter(self) -> Iterator[Node]:
        yield self
        for c in self.children:
            yield from c.iter()

    def find_all(self, tag: str, **attrs: str) -> list[Node]:
        return [
            n
            for n in self.iter()
            if n.tag == tag and all(n.attrs.get(k.rstrip("_")) == v for k, v in attrs.items())
        ]

    def find(self, tag: str, **attrs: str) -> Node:
        found = self.find_all(tag, **attrs)
        assert found, f"no <{tag} {attrs}>"
        return found[0]

    def by_id(self, ident: str) -> Node:
        found = [n for n in self.iter() if n.attrs.get("id") == ident]
        assert len(found) == 1, f"{len(found)} elements with id {ident!r}"
        return found[0]

    @property
    def text(self) -> str:
        out = list(self.text_parts)
        for c in self.children:
            out.append(c.text)
        return "".join(out)


class _Builder(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.root = Node("#root", {})
        self.cur = self.root

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        node = Node(tag, {k: v or "" for k, v in attrs}, parent=self.cur)
        self.cur.children.append(node)
        if tag not in VOID:
            self.cur = node

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.cur.children.append(Node(tag, {k: v or "" for k, v in attrs}, parent=self.cur))

    def handle_endtag(self, tag: str) -> None:
        n: Node | None = self.cur
        while n is not None and n.tag != tag:
            n = n.parent
        assert n is not None and n.parent is not None, f"stray </{tag}>"
        self.cur = n.parent

    def handle_data(self, data: str) -> None:
        self.cur.text_parts.append(data)


def parse_html(text: str) -> Node:
    """The document as a tree (fails on a stray end tag: the markup must be well nested)."""
    b = _Builder()
    b.feed(text)
    b.close()
    assert b.cur is b.root, f"unclosed <{b.cur.tag}>"
    return b.root


@pytest.fixture(scope="session")
def parse() -> Callable[[str], Node]:
    return parse_html


def table_rows(section: Node) -> list[list[str]]:
    """Text of the body rows of the first table of a section."""
    tbody = section.find("tbody")
    return [[td.text.strip() for td in tr.find_all("td")] for tr in tbody.find_all("tr")]


@pytest.fixture(scope="session")
def rows_of() -> Callable[[Node], list[list[str]]]:
    return table_rows


@pytest.fixture(scope="session")
def report_store(demo_block: dict[str, Any], tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A private copy of the demo store with a plan covering the block (reports do not write)."""
    from runform.services.plan import create_plan
    from runform.store.db import Store

    path = tmp_path_factory.mktemp("report") / "store.duckdb"
    shutil.copy(demo_block["db"], path)
    block = demo_block["block"]
    with Store(path) as store:
        start = date.fromisoformat(block["start_date"])
        create_plan(
            store,
            "demo",
            race_date=date.fromisoformat(block["race_date"]),
            weeks=16,
            today=start - timedelta(days=1),
        )
    return path


@pytest.fixture(scope="session")
def long_run(demo_block: dict[str, Any], report_store: Path) -> dict[str, Any]:
    """The longest run with planted strides and a planted fatigue onset, its id and report."""
    from runform.report import activity_html
    from runform.services import list_activities
    from runform.store.db import Store

    truth = max(
        (
            r
            for r in demo_block["runs"]
            if r["type"] == "long" and r.get("with_strides") and r.get("fatigue")
        ),
        key=lambda r: (r["duration_s"], r["date"]),
    )
    with Store(report_store, read_only=True) as store:
        start = datetime.fromisoformat(truth["start_time"].replace("Z", "+00:00"))
        row = next(a for a in list_activities(store, "demo") if a.start_time == start)
        html = activity_html(store, "demo", row.id)
    return {"truth": truth, "id": row.id, "html": html}


@pytest.fixture(scope="session")
def season(report_store: Path) -> dict[str, Any]:
    """The season report (16 weeks) and the activity list it summarises."""
    from runform.report import season_html
    from runform.services import list_activities
    from runform.store.db import Store

    with Store(report_store, read_only=True) as store:
        html = season_html(store, "demo", 16)
        acts = list_activities(store, "demo")
    return {"html": html, "activities": acts}
