"""Safe HTML building: every piece of text is escaped unless it is already :class:`Html`.

The report modules never glue user text (activity names, device strings, lap labels)
into markup by hand: they pass it to :func:`esc`, :func:`tag` or :func:`table`, which
escape it with :func:`html.escape` (quotes too, so it is safe in attributes). A
string that is already markup is marked by wrapping it in :class:`Html`.
"""

from __future__ import annotations

import html
import math
from collections.abc import Iterable, Mapping, Sequence

__all__ = ["Html", "esc", "join", "none_found", "num", "panel", "table", "tag"]


class Html(str):
    """A string that is already safe markup (built by this module or the SVG module)."""

    __slots__ = ()


Cell = str | int | float | None | Html


def esc(value: object) -> Html:
    """Escape any value as HTML text (``None`` -> empty); :class:`Html` passes through."""
    if isinstance(value, Html):
        return value
    if value is None:
        return Html("")
    return Html(html.escape(str(value), quote=True))


def join(parts: Iterable[object], sep: str = "\n") -> Html:
    """Concatenate pieces, escaping the ones that are not :class:`Html`."""
    return Html(sep.join(esc(p) for p in parts))


def tag(name: str, *content: object, attrs: Mapping[str, object] | None = None) -> Html:
    """``<name attrs>content</name>``; attribute values and text content are escaped.

    ``name`` and attribute names are code, never user text.
    """
    a = "".join(
        f' {k}="{esc(v)}"' for k, v in (attrs or {}).items() if v is not None and v is not False
    )
    return Html(f"<{name}{a}>{join(content, '')}</{name}>")


def num(value: float | None, digits: int = 1, unit: str = "") -> str:
    """A number for people, ``-`` when missing or not finite."""
    if value is None or not isinstance(value, (int, float)) or not math.isfinite(value):
        return "-"
    text = f"{value:.{digits}f}"
    return f"{text} {unit}" if unit else text


def table(
    headers: Sequence[str],
    rows: Iterable[Sequence[Cell]],
    *,
    cls: str = "data",
    caption: str | None = None,
) -> Html:
    """A table; every cell is escaped unless it is :class:`Html`; numbers right-aligned."""
    head = "".join(f"<th scope=col>{esc(h)}</th>" for h in headers)
    body = []
    for row in rows:
        cells = []
        for c in row:
            if isinstance(c, int) and not isinstance(c, bool):
                cells.append(f'<td class="n">{c}</td>')
            elif isinstance(c, float):
                cells.append(f'<td class="n">{esc(num(c, 2))}</td>')
            else:
                cells.append(f"<td>{esc(c)}</td>")
        body.append("<tr>" + "".join(cells) + "</tr>")
    cap = f"<caption>{esc(caption)}</caption>" if caption else ""
    return Html(
        f'<table class="{esc(cls)}">{cap}<thead><tr>{head}</tr></thead>'
        f"<tbody>{''.join(body)}</tbody></table>"
    )


def none_found(text: str) -> Html:
    """The line a panel shows when it was checked and found nothing."""
    return Html(f'<p class="none">{esc(text)}</p>')


def panel(panel_id: str, title: str, *content: object, note: str | None = None) -> Html:
    """``<section class="panel" id=...><h2>title</h2>content</section>``."""
    parts: list[object] = [tag("h2", title), *content]
    if note:
        parts.append(tag("p", note, attrs={"class": "note"}))
    return Html(f'<section class="panel" id="{esc(panel_id)}">' + join(parts, "\n") + "</section>")
