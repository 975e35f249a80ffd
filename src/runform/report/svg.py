"""Small server-side SVG charts: lines, two y axes, scatter with fitted lines, bars, zones.

Everything a chart needs is in the returned ``<svg>`` string: no library, no fonts,
nothing fetched. Charts are readable without JavaScript (axes, tick labels, units,
legend, ``<title>`` on points and bars); the report's small inline script only adds
a hover read-out, using the ``data-*`` attributes written here.

Long streams are decimated before drawing (:func:`minmax_indices`: the minimum and
the maximum of every pixel column, so a 20-s stride peak in a 5-hour run survives),
which keeps a chart at most :data:`MAX_POINTS` points per series however long the
run or the history is. Routes keep evenly spaced samples (:func:`even_indices`).

Colours are the Okabe-Ito palette, distinguishable with the common forms of colour
blindness (Okabe, M. & Ito, K. (2008). Color Universal Design (CUD): How to make
figures and presentations that are friendly to colorblind people.
https://jfly.uni-koeln.de/color/).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Literal

import numpy as np
import numpy.typing as npt

from runform.report.markup import Html, esc
from runform.units import format_duration

__all__ = [
    "MAX_POINTS",
    "OKABE_ITO",
    "ROUTE_POINTS",
    "Axis",
    "Marker",
    "Series",
    "Span",
    "Zone",
    "band_strip",
    "chart",
    "even_indices",
    "minmax_indices",
    "nice_ticks",
    "pace_ticks",
    "route",
]

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.intp]

OKABE_ITO: dict[str, str] = {
    "black": "#000000",
    "orange": "#E69F00",
    "sky": "#56B4E9",
    "green": "#009E73",
    "yellow": "#F0E442",
    "blue": "#0072B2",
    "vermillion": "#D55E00",
    "purple": "#CC79A7",
}
"""Okabe & Ito (2008) colour-universal-design palette."""

CYCLE = ("blue", "orange", "green", "vermillion", "purple", "sky", "black")
"""Order in which series take palette colours (yellow is kept for zones: low contrast)."""

MAX_POINTS = 800
"""Most points drawn per line series: two per pixel column of an 800-px-wide chart's
400 columns (min and max), about the resolution a screen shows."""

ROUTE_POINTS = 800
"""Points of a route polyline (evenly spaced samples) when the run has more."""

FONT_PX = 12.0
CHAR_PX = 6.6
"""Approximate advance of one character at :data:`FONT_PX` (system sans-serif)."""


# ------------------------------------------------------------------------- decimation


def minmax_indices(x: npt.ArrayLike, y: npt.ArrayLike, columns: int) -> IntArray:
    """Indices of the samples to draw: the min and the max of ``y`` in each x column.

    Parameters
    ----------
    x, y : array_like
        Sample positions and values (same length); NaN pairs are dropped.
    columns : int
        Number of equal-width x columns (pixel columns), > 0.

    Returns
    -------
    ndarray of int
        Sorted indices into the inputs, at most ``2 * columns``; every finite
        sample when there are no more than that.

    Notes
    -----
    Min/max-per-pixel decimation (as used by plotting tools for long time series)
    keeps every extreme a screen could show, unlike uniform sub-sampling, which
    drops short peaks.
    """
    xa = np.asarray(x, dtype=float)
    ya = np.asarray(y, dtype=float)
    ok = np.flatnonzero(np.isfinite(xa) & np.isfinite(ya))
    if ok.size <= 2 * columns:
        return ok
    xs, ys = xa[ok], ya[ok]
    lo, hi = float(xs.min()), float(xs.max())
    width = hi - lo if hi > lo else 1.0
    col = np.minimum(((xs - lo) / width * columns).astype(np.intp), columns - 1)
    order = np.lexsort((ys, col))
    c = col[order]
    first = np.flatnonzero(np.r_[True, c[1:] != c[:-1]])
    last = np.r_[first[1:] - 1, c.size - 1]
    keep = np.unique(np.concatenate([order[first], order[last]]))
    return np.asarray(ok[keep], dtype=np.intp)


def even_indices(n: int, count: int) -> IntArray:
    """``count`` evenly spaced indices of ``range(n)`` (first and last included); all if fewer."""
    if n <= count:
        return np.arange(n, dtype=np.intp)
    return np.round(np.linspace(0, n - 1, count)).astype(np.intp)


# ------------------------------------------------------------------------------ ticks


def _nice_step(span: float, target: int) -> float:
    raw = span / max(target, 1)
    mag = 10.0 ** math.floor(math.log10(raw))
    for m in (1.0, 2.0, 2.5, 5.0, 10.0):
        if raw <= m * mag:
            return m * mag
    return 10.0 * mag


def nice_ticks(lo: float, hi: float, target: int = 5) -> list[float]:
    """Round tick values covering ``[lo, hi]`` (about ``target`` of them)."""
    if not (math.isfinite(lo) and math.isfinite(hi)):
        return []
    if hi <= lo:
        pad = abs(lo) * 0.05 or 1.0
        lo, hi = lo - pad, hi + pad
    step = _nice_step(hi - lo, target)
    start = math.floor(lo / step + 1e-9) * step
    out = []
    v = start
    while v <= hi + step * 1e-6 + step:
        out.append(round(v, 10))
        if v >= hi - step * 1e-9:
            break
        v += step
    return out


def pace_ticks(lo_mps: float, hi_mps: float) -> list[tuple[float, str]]:
    """Ticks for a speed axis labelled as pace per km: round paces placed at their speed.

    Returns (speed [m/s], ``m:ss``) pairs between ``lo_mps`` and ``hi_mps``.
    """
    lo_mps, hi_mps = max(lo_mps, 0.5), max(hi_mps, 0.6)
    fast, slow = 1000.0 / hi_mps, 1000.0 / lo_mps
    for step in (5, 10, 15, 20, 30, 60, 120, 300, 600):
        first = math.ceil(fast / step) * step
        paces = list(range(int(first), int(slow) + 1, step))
        if len(paces) <= 7:
            break
    return [(1000.0 / p, format_duration(p)) for p in paces if p > 0]


# ------------------------------------------------------------------------------ model


TickSpec = Sequence[tuple[float, str]] | Callable[[float, float], Sequence[tuple[float, str]]]


def _default_fmt(v: float) -> str:
    if abs(v) >= 100 or float(v).is_integer():
        return f"{v:.0f}"
    return f"{v:.2f}".rstrip("0").rstrip(".")


@dataclass(frozen=True)
class Axis:
    """One axis: its label (with unit), range and tick labels.

    Attributes
    ----------
    label : str
        Axis title including the unit, e.g. ``"distance [km]"``.
    fmt : callable
        Tick label of a value (default: a short number).
    lo, hi : float, optional
        Fixed range; default from the data.
    ticks : sequence of (value, label) or callable (lo, hi) -> sequence
        Explicit ticks (categories, dates, paces); default :func:`nice_ticks`.
    zero : bool
        Include 0 in the range (bars).
    hover : str
        How the hover read-out formats values: ``num:N`` (N decimals), ``pace``
        (a speed shown as m:ss per km) or ``none``.
    min_span : float
        Smallest range shown [axis units]: a narrower data range (one week of runs,
        a single value) is widened to it about its middle. Needed where the values are
        far from 0 (dates as day numbers), where the default widening of a single value
        by 5 % of its size would span years.
    step : float, optional
        Spacing of evenly spaced x values [axis units] (7 for weekly bars): bars are
        never wider than it allows, and a lone bar gets that slot.
    """

    label: str
    fmt: Callable[[float], str] = _default_fmt
    lo: float | None = None
    hi: float | None = None
    ticks: TickSpec | None = None
    zero: bool = False
    hover: str = "num:1"
    min_span: float = 0.0
    step: float | None = None


@dataclass(frozen=True)
class Series:
    """One data series.

    ``kind`` is ``line``, ``points`` or ``bars``; ``right`` puts it on the second y
    axis; ``labels`` give per-point ``<title>`` texts (points and bars).
    """

    name: str
    x: Sequence[float] | FloatArray
    y: Sequence[float | None] | FloatArray
    kind: Literal["line", "points", "bars"] = "line"
    colour: str | None = None
    right: bool = False
    dash: bool = False
    labels: Sequence[str] | None = None
    width: float = 1.6


@dataclass(frozen=True)
class Zone:
    """A horizontal band of y values (e.g. ACWR 0.8-1.3); ``None`` is open to the edge."""

    lo: float | None
    hi: float | None
    label: str
    colour: str = OKABE_ITO["green"]
    right: bool = False
    opacity: float = 0.12


@dataclass(frozen=True)
class Span:
    """A vertical band of x values (e.g. a durability window)."""

    x0: float
    x1: float
    label: str
    colour: str = OKABE_ITO["sky"]
    opacity: float = 0.18


@dataclass(frozen=True)
class Marker:
    """A vertical line at ``x`` with a label (e.g. the durability onset)."""

    x: float
    label: str
    colour: str = OKABE_ITO["vermillion"]


@dataclass
class _Scale:
    d0: float
    d1: float
    p0: float
    p1: float

    def __call__(self, v: FloatArray | float) -> FloatArray:
        span = self.d1 - self.d0 or 1.0
        return np.asarray(
            self.p0 + (np.asarray(v, dtype=float) - self.d0) / span * (self.p1 - self.p0)
        )


@dataclass
class _Frame:
    width: float
    height: float
    left: float
    right: float
    top: float
    bottom: float
    parts: list[str] = field(default_factory=list)


def _f(v: float) -> str:
    return f"{v:.1f}".rstrip("0").rstrip(".") if math.isfinite(v) else "0"


def _finite(values: Sequence[float | None] | FloatArray) -> FloatArray:
    a = np.asarray([np.nan if v is None else v for v in values], dtype=float)
    return a


def _range(axis: Axis, values: list[FloatArray], extra: list[float]) -> tuple[float, float]:
    vals = [v[np.isfinite(v)] for v in values]
    cat = np.concatenate(vals) if vals else np.array([], dtype=float)
    pool = list(cat.tolist()) if cat.size < 100_000 else [float(cat.min()), float(cat.max())]
    pool += [e for e in extra if math.isfinite(e)]
    if axis.zero:
        pool.append(0.0)
    lo = axis.lo if axis.lo is not None else (min(pool) if pool else 0.0)
    hi = axis.hi if axis.hi is not None else (max(pool) if pool else 1.0)
    if hi - lo < axis.min_span:
        if axis.lo is None and axis.hi is None:
            mid = 0.5 * (lo + hi)
            lo, hi = mid - 0.5 * axis.min_span, mid + 0.5 * axis.min_span
        elif axis.lo is None:
            lo = hi - axis.min_span
        elif axis.hi is None:
            hi = lo + axis.min_span
    if hi <= lo:
        pad = abs(lo) * 0.05 or 1.0
        lo, hi = lo - pad, hi + pad
    return float(lo), float(hi)


def _ticks(axis: Axis, lo: float, hi: float) -> tuple[float, float, list[tuple[float, str]]]:
    """Final range and ticks; automatic ticks widen a free range to round values."""
    if axis.ticks is not None:
        spec = axis.ticks(lo, hi) if callable(axis.ticks) else axis.ticks
        return lo, hi, [(v, t) for v, t in spec if lo - 1e-9 <= v <= hi + 1e-9]
    t = nice_ticks(lo, hi)
    if t:
        if axis.lo is None:
            lo = min(lo, t[0])
        if axis.hi is None:
            hi = max(hi, t[-1])
    fmt = axis.fmt if axis.fmt is not _default_fmt else _step_fmt(t)
    return lo, hi, [(v, fmt(v)) for v in t if lo - 1e-9 <= v <= hi + 1e-9]


def _step_fmt(ticks: Sequence[float]) -> Callable[[float], str]:
    """Tick labels with as many decimals as the tick step needs (0.25 -> 2, 5 -> 0)."""
    if len(ticks) < 2:
        return _default_fmt
    step = abs(ticks[1] - ticks[0])
    digits = 0
    while digits < 6 and abs(round(step, digits) - step) > step * 1e-6:
        digits += 1
    return lambda v: f"{v:.{digits}f}"


def _text(
    x: float, y: float, s: str, *, anchor: str = "middle", cls: str = "", extra: str = ""
) -> str:
    c = f' class="{cls}"' if cls else ""
    return f'<text x="{_f(x)}" y="{_f(y)}" text-anchor="{anchor}"{c}{extra}>{esc(s)}</text>'


# ------------------------------------------------------------------------------ chart


def chart(
    *,
    title: str,
    series: Sequence[Series],
    x: Axis,
    y: Axis,
    y2: Axis | None = None,
    zones: Sequence[Zone] = (),
    spans: Sequence[Span] = (),
    markers: Sequence[Marker] = (),
    width: int = 800,
    height: int = 240,
    chart_id: str | None = None,
    max_points: int = MAX_POINTS,
) -> Html:
    """Render a chart as an ``<svg>`` element.

    Parameters
    ----------
    title : str
        Chart title (drawn, and in ``<title>`` for screen readers).
    series : sequence of Series
        Lines, points and bars; bars of several series at one x stand side by side.
    x, y, y2 : Axis
        Axes; ``y2`` is the right axis for series with ``right=True``.
    zones, spans, markers
        Horizontal bands, vertical bands and vertical lines.
    width, height : int
        Size of the drawing [px] (the SVG scales to its container).
    chart_id : str, optional
        ``id`` of the ``<svg>`` element.
    max_points : int
        Most points drawn per line series (:func:`minmax_indices`).

    Returns
    -------
    Html
        The ``<svg>`` markup.
    """
    has_legend = any(s.name for s in series)
    fr = _Frame(
        width, height, 62.0, 62.0 if y2 is not None else 18.0, 44.0 if has_legend else 26.0, 44.0
    )
    pw0, pw1 = fr.left, width - fr.right
    ph0, ph1 = height - fr.bottom, fr.top  # pixel y of data lo, hi

    xs = [_finite(s.x) for s in series]
    ys = [_finite(s.y) for s in series]
    bars = [i for i, s in enumerate(series) if s.kind == "bars"]
    x_extra = [sp.x0 for sp in spans] + [sp.x1 for sp in spans] + [m.x for m in markers]
    xlo, xhi = _range(x, xs, x_extra)
    if bars:
        allx = np.unique(np.concatenate([xs[i][np.isfinite(xs[i])] for i in bars]))
        gap = float(np.min(np.diff(allx))) if allx.size > 1 else (x.step or 1.0)
        if x.step is not None:
            gap = min(gap, x.step)
        if x.lo is None:
            xlo -= gap / 2
        if x.hi is None:
            xhi += gap / 2
    else:
        gap = 1.0
        if any(s.kind == "points" for s in series):
            pad = (xhi - xlo) * 0.02
            xlo = xlo - pad if x.lo is None else xlo
            xhi = xhi + pad if x.hi is None else xhi
    xticks: list[tuple[float, str]]
    if x.ticks is not None:
        xlo, xhi, xticks = _ticks(x, xlo, xhi)
    else:
        t = nice_ticks(xlo, xhi, 6)
        xf = x.fmt if x.fmt is not _default_fmt else _step_fmt(t)
        xticks = [(v, xf(v)) for v in t if xlo - 1e-9 <= v <= xhi + 1e-9]
    sx = _Scale(xlo, xhi, pw0, pw1)

    def yscale(axis: Axis, right: bool) -> tuple[_Scale, list[tuple[float, str]]]:
        idx = [i for i, s in enumerate(series) if s.right == right]
        extra = [v for z in zones if z.right == right for v in (z.lo, z.hi) if v is not None]
        lo, hi = _range(axis, [ys[i] for i in idx], extra)
        lo, hi, ticks = _ticks(axis, lo, hi)
        return _Scale(lo, hi, ph0, ph1), ticks

    sy, yticks = yscale(y, False)
    sy2, y2ticks = yscale(y2, True) if y2 is not None else (sy, [])

    p = fr.parts
    hover = "" if y.hover == "none" else f' data-hover="{esc(y.hover)}"'
    attrs = (
        f'viewBox="0 0 {width} {height}" role="img" class="chart"'
        f' data-x0="{_f(sx.d0)}" data-x1="{_f(sx.d1)}" data-px0="{_f(pw0)}" data-px1="{_f(pw1)}"'
        f' data-xhover="{esc(x.hover)}"{hover}'
    )
    if chart_id:
        attrs += f' id="{esc(chart_id)}"'
    p.append(f"<svg {attrs}>")
    p.append(f"<title>{esc(title)}</title>")
    p.append(_text(pw0, 16, title, anchor="start", cls="ct"))
    # plot background
    p.append(
        f'<rect x="{_f(pw0)}" y="{_f(ph1)}" width="{_f(pw1 - pw0)}" height="{_f(ph0 - ph1)}"'
        ' class="plot"/>'
    )
    clip = f"clip-{chart_id or abs(hash((title, width, height))) % 10**8}"
    p.append(
        f'<clipPath id="{esc(clip)}"><rect x="{_f(pw0)}" y="{_f(ph1)}" width="{_f(pw1 - pw0)}"'
        f' height="{_f(ph0 - ph1)}"/></clipPath>'
    )
    # zones
    for z in zones:
        sc = sy2 if z.right else sy
        zlo = sc.d0 if z.lo is None else max(z.lo, sc.d0)
        zhi = sc.d1 if z.hi is None else min(z.hi, sc.d1)
        if zhi <= zlo:
            continue
        y_top, y_bot = float(sc(zhi)), float(sc(zlo))
        p.append(
            f'<rect x="{_f(pw0)}" y="{_f(y_top)}" width="{_f(pw1 - pw0)}"'
            f' height="{_f(y_bot - y_top)}" fill="{z.colour}" fill-opacity="{z.opacity}">'
            f"<title>{esc(z.label)}</title></rect>"
        )
        if y_bot - y_top >= 11:
            p.append(_text(pw1 - 4, y_top + 11, z.label, anchor="end", cls="zl"))
    # spans
    for sp in spans:
        a, b = float(sx(max(sp.x0, sx.d0))), float(sx(min(sp.x1, sx.d1)))
        if b <= a:
            continue
        p.append(
            f'<rect x="{_f(a)}" y="{_f(ph1)}" width="{_f(b - a)}" height="{_f(ph0 - ph1)}"'
            f' fill="{sp.colour}" fill-opacity="{sp.opacity}"><title>{esc(sp.label)}</title></rect>'
        )
        half = len(sp.label) * 5.8 / 2
        p.append(
            _text(
                min(max((a + b) / 2, pw0 + half + 2), pw1 - half - 2), ph1 + 11, sp.label, cls="zl"
            )
        )
    # grid + y ticks
    for v, label in yticks:
        ty = float(sy(v))
        p.append(f'<line x1="{_f(pw0)}" x2="{_f(pw1)}" y1="{_f(ty)}" y2="{_f(ty)}" class="grid"/>')
        p.append(_text(pw0 - 5, ty + 4, label, anchor="end", cls="tk"))
    for v, label in y2ticks:
        ty = float(sy2(v))
        p.append(_text(pw1 + 5, ty + 4, label, anchor="start", cls="tk"))
    # x ticks: drop labels that would overlap
    last_end = -1e9
    for v, label in sorted(xticks, key=lambda vt: float(sx(vt[0]))):
        tx = float(sx(v))
        half = len(label) * CHAR_PX / 2
        p.append(
            f'<line x1="{_f(tx)}" x2="{_f(tx)}" y1="{_f(ph0)}" y2="{_f(ph0 + 4)}" class="ax"/>'
        )
        if tx - half > last_end + 6:
            p.append(_text(tx, ph0 + 16, label, cls="tk"))
            last_end = tx + half
    # axes + labels
    p.append(f'<line x1="{_f(pw0)}" x2="{_f(pw1)}" y1="{_f(ph0)}" y2="{_f(ph0)}" class="ax"/>')
    p.append(f'<line x1="{_f(pw0)}" x2="{_f(pw0)}" y1="{_f(ph1)}" y2="{_f(ph0)}" class="ax"/>')
    p.append(_text((pw0 + pw1) / 2, height - 8, x.label, cls="al"))
    mid = (ph0 + ph1) / 2
    p.append(_text(14, mid, y.label, cls="al", extra=f' transform="rotate(-90 14 {_f(mid)})"'))
    if y2 is not None:
        p.append(f'<line x1="{_f(pw1)}" x2="{_f(pw1)}" y1="{_f(ph1)}" y2="{_f(ph0)}" class="ax"/>')
        xr = width - 12
        p.append(
            _text(xr, mid, y2.label, cls="al", extra=f' transform="rotate(90 {_f(xr)} {_f(mid)})"')
        )
    # series
    colours = []
    nbar = len(bars)
    bar_w = (float(sx(xlo + gap)) - float(sx(xlo))) * 0.8 / max(nbar, 1)
    p.append(f'<g clip-path="url(#{esc(clip)})">')
    ci = 0
    for i, s in enumerate(series):
        colour = s.colour or OKABE_ITO[CYCLE[ci % len(CYCLE)]]
        ci += s.colour is None
        colours.append(colour)
        sc = sy2 if s.right else sy
        xv, yv = xs[i], ys[i]
        ax = y2 if (s.right and y2 is not None) else y
        data = (
            f' data-name="{esc(s.name)}" data-y0="{_f(sc.d0)}" data-y1="{_f(sc.d1)}"'
            f' data-py0="{_f(sc.p0)}" data-py1="{_f(sc.p1)}" data-fmt="{esc(ax.hover)}"'
        )
        if s.kind == "line":
            idx = minmax_indices(xv, yv, max(max_points // 2, 1))
            qx, qy = sx(xv[idx]), np.clip(sc(yv[idx]), ph1 - 2, ph0 + 2)
            pts = " ".join(f"{_f(a)},{_f(b)}" for a, b in zip(qx, qy, strict=True))
            dash = ' stroke-dasharray="6 4"' if s.dash else ""
            p.append(
                f'<polyline points="{pts}" fill="none" stroke="{colour}"'
                f' stroke-width="{s.width}"{dash} stroke-linejoin="round"{data}/>'
            )
        elif s.kind == "points":
            ok = np.flatnonzero(np.isfinite(xv) & np.isfinite(yv))
            if ok.size > max_points:
                ok = ok[even_indices(ok.size, max_points)]
            qx, qy = sx(xv[ok]), sc(yv[ok])
            titled = s.labels is not None and ok.size <= 200
            look = (
                'fill-opacity="0.9" stroke="#fff" stroke-width="1"'
                if titled
                else 'fill-opacity="0.55"'
            )
            p.append(f'<g fill="{colour}" {look}{data}>')
            for j, a, b in zip(ok, qx, qy, strict=True):
                if titled and s.labels is not None:
                    p.append(
                        f'<circle cx="{_f(a)}" cy="{_f(b)}" r="3.2">'
                        f"<title>{esc(s.labels[int(j)])}</title></circle>"
                    )
                else:
                    p.append(f'<circle cx="{_f(a)}" cy="{_f(b)}" r="2.2"/>')
            p.append("</g>")
        else:
            k = bars.index(i)
            base = float(sc(max(sc.d0, min(0.0, sc.d1)))) if sc.d0 <= 0 <= sc.d1 else ph0
            p.append(f'<g fill="{colour}"{data}>')
            for j in np.flatnonzero(np.isfinite(xv) & np.isfinite(yv)):
                cx = float(sx(xv[j])) - bar_w * nbar / 2 + k * bar_w
                top = float(np.clip(sc(yv[j]), ph1, ph0))
                y0, h = min(top, base), abs(base - top)
                tip = s.labels[int(j)] if s.labels is not None else f"{s.name}: {ax.fmt(yv[j])}"
                p.append(
                    f'<rect x="{_f(cx)}" y="{_f(y0)}" width="{_f(max(bar_w - 0.6, 0.6))}"'
                    f' height="{_f(max(h, 0.5))}"><title>{esc(tip)}</title></rect>'
                )
            p.append("</g>")
    p.append("</g>")
    # markers
    for m in markers:
        if not sx.d0 <= m.x <= sx.d1:
            continue
        px_m = float(sx(m.x))
        p.append(
            f'<line x1="{_f(px_m)}" x2="{_f(px_m)}" y1="{_f(ph1)}" y2="{_f(ph0)}"'
            f' stroke="{m.colour}" stroke-width="2" stroke-dasharray="4 3"/>'
        )
        anchor = "end" if px_m > (pw0 + pw1) / 2 else "start"
        off = -4 if anchor == "end" else 4
        p.append(_text(px_m + off, ph0 - 6, m.label, anchor=anchor, cls="ml"))
    # legend
    lx = pw0
    for s, colour in zip(series, colours, strict=True):
        if not s.name:
            continue
        label = s.name + (" (right axis)" if s.right and y2 is not None else "")
        p.append(f'<rect x="{_f(lx)}" y="25" width="14" height="8" fill="{colour}"/>')
        p.append(_text(lx + 18, 33, label, anchor="start", cls="lg"))
        lx += 18 + len(label) * CHAR_PX + 14
    p.append(
        f'<line class="cursor" x1="0" x2="0" y1="{_f(ph1)}" y2="{_f(ph0)}" visibility="hidden"/>'
    )
    p.append("</svg>")
    return Html("".join(p))


# ------------------------------------------------------------------------------ route


def route(
    lat: npt.ArrayLike,
    lon: npt.ArrayLike,
    *,
    title: str,
    size: int = 420,
    max_points: int = ROUTE_POINTS,
    marks: Sequence[tuple[int, str]] = (),
) -> Html:
    """The route as a plain SVG polyline (no map tiles): equirectangular, north up.

    Parameters
    ----------
    lat, lon : array_like
        Positions [degrees]; NaN samples are skipped.
    title : str
        Chart title.
    size : int
        Width and height of the drawing [px].
    max_points : int
        Most polyline points (:func:`even_indices` over the valid samples).
    marks : sequence of (index, label)
        Sample indices (into ``lat``) to mark with a labelled dot, e.g. each 5 km.

    Notes
    -----
    x = (lon - lon0) cos(lat0), y = lat - lat0 (equirectangular projection), exact
    enough for the few kilometres of a run.
    """
    la = np.asarray(lat, dtype=float)
    lo = np.asarray(lon, dtype=float)
    ok = np.flatnonzero(np.isfinite(la) & np.isfinite(lo))
    pad = 24.0
    parts = [f'<svg viewBox="0 0 {size} {size + 24}" role="img" class="chart route"']
    if ok.size < 2:
        parts.append(f"><title>{esc(title)}</title></svg>")
        return Html("".join(parts))
    sel = ok[even_indices(ok.size, max_points)]
    lat0 = float(np.mean(la[ok]))
    xm = (lo - float(np.mean(lo[ok]))) * math.cos(math.radians(lat0))
    ym = la - lat0
    span = max(float(np.ptp(xm[ok])), float(np.ptp(ym[ok])), 1e-9)
    scale = (size - 2 * pad) / span
    cx = (float(xm[ok].max()) + float(xm[ok].min())) / 2
    cy = (float(ym[ok].max()) + float(ym[ok].min())) / 2

    def px(i: IntArray | int) -> tuple[FloatArray, FloatArray]:
        return (
            np.asarray(size / 2 + (xm[i] - cx) * scale),
            np.asarray(24 + size / 2 - (ym[i] - cy) * scale),
        )

    X, Y = px(sel)
    pts = " ".join(f"{_f(a)},{_f(b)}" for a, b in zip(X, Y, strict=True))
    km_per_px = span * 111_320.0 / (size - 2 * pad) / 1000.0
    parts.append(f' data-points="{sel.size}" data-km-per-px="{km_per_px:.5f}">')
    parts.append(f"<title>{esc(title)}</title>")
    parts.append(_text(4, 16, title, anchor="start", cls="ct"))
    parts.append(
        f'<polyline points="{pts}" fill="none" stroke="{OKABE_ITO["blue"]}" stroke-width="2.2"'
        ' stroke-linejoin="round" stroke-linecap="round"/>'
    )
    placed: list[tuple[float, float]] = []
    for i, label in marks:
        if 0 <= i < la.size and math.isfinite(la[i]) and math.isfinite(lo[i]):
            a, b = px(i)
            fa, fb = float(a), float(b)
            if any(abs(fa - qa) < 30 and abs(fb - qb) < 14 for qa, qb in placed):
                continue
            placed.append((fa, fb))
            parts.append(
                f'<circle cx="{_f(float(a))}" cy="{_f(float(b))}" r="3" fill="#fff"'
                f' stroke="{OKABE_ITO["black"]}"><title>{esc(label)}</title></circle>'
            )
            right = fa > size - 60
            parts.append(
                _text(
                    fa + (-6 if right else 6),
                    fb - 4,
                    label,
                    anchor="end" if right else "start",
                    cls="tk",
                )
            )
    for i, label, colour in ((ok[0], "start", "green"), (ok[-1], "finish", "vermillion")):
        a, b = px(int(i))
        parts.append(
            f'<circle cx="{_f(float(a))}" cy="{_f(float(b))}" r="5" fill="{OKABE_ITO[colour]}">'
            f"<title>{esc(label)}</title></circle>"
        )
    # scale bar
    bar_km = nice_ticks(0, km_per_px * size / 4, 1)[1] if km_per_px > 0 else 1.0
    bar_px = bar_km / km_per_px
    parts.append(
        f'<line x1="{_f(pad)}" x2="{_f(pad + bar_px)}" y1="{size + 12}" y2="{size + 12}"'
        ' class="ax" stroke-width="2"/>'
    )
    parts.append(_text(pad + bar_px + 6, size + 16, f"{bar_km:g} km", anchor="start", cls="tk"))
    parts.append("</svg>")
    return Html("".join(parts))


# ------------------------------------------------------------------------- band strip


def band_strip(
    bands: Sequence[tuple[str, float | None, float | None]],
    value: float | None,
    *,
    title: str,
    fmt: Callable[[float], str],
    colours: dict[str, str],
    width: int = 380,
    height: int = 68,
) -> Html:
    """A horizontal strip of published bands with the run's value marked.

    Parameters
    ----------
    bands : sequence of (name, lo, hi)
        Consecutive bands (inclusive ranges, None an open end), in any order.
    value : float, optional
        The run's value (not marked when None).
    title : str
        Chart title with unit.
    fmt : callable
        Label of a boundary or the value.
    colours : dict
        Band name -> fill colour.
    """
    finite = [v for _, lo, hi in bands for v in (lo, hi) if v is not None]
    if not finite:
        return Html("")
    lo, hi = min(finite), max(finite)
    if value is not None and math.isfinite(value):
        lo, hi = min(lo, value), max(hi, value)
    pad = (hi - lo) * 0.18 or 1.0
    lo, hi = lo - pad, hi + pad
    x0, x1 = 8.0, width - 8.0
    sc = _Scale(lo, hi, x0, x1)
    parts = [
        f'<svg viewBox="0 0 {width} {height}" role="img" class="chart strip">',
        f"<title>{esc(title)}</title>",
        _text(x0, 13, title, anchor="start", cls="lg"),
    ]
    ordered = sorted(bands, key=lambda b: b[1] if b[1] is not None else -math.inf)
    bounds: list[float] = []
    for k, (name, blo, bhi) in enumerate(ordered):
        # published ranges are inclusive at the table's resolution (173 | 174): fill
        # each band up to where the next one starts
        nxt = ordered[k + 1][1] if k + 1 < len(ordered) else None
        a = float(sc(lo if blo is None else blo))
        b = float(sc(nxt if nxt is not None else (hi if bhi is None else bhi)))
        parts.append(
            f'<rect x="{_f(a)}" y="20" width="{_f(max(b - a, 0.5))}" height="14"'
            f' fill="{colours.get(name, "#ccc")}"><title>{esc(name)}</title></rect>'
        )
        if blo is not None:
            bounds.append(blo)
    last = -1e9
    for v in bounds:
        px = float(sc(v))
        label = fmt(v)
        if px - len(label) * CHAR_PX / 2 > last + 4:
            parts.append(_text(px, 46, label, cls="tk"))
            last = px + len(label) * CHAR_PX / 2
    if value is not None and math.isfinite(value):
        px = float(sc(value))
        parts.append(
            f'<path d="M{_f(px - 6)},16 L{_f(px + 6)},16 L{_f(px)},26 Z" fill="#000"/>'
            f'<line x1="{_f(px)}" x2="{_f(px)}" y1="20" y2="34" stroke="#000" stroke-width="2"/>'
        )
        anchor = "end" if px > width * 0.8 else "start"
        parts.append(
            _text(
                px + (-8 if anchor == "end" else 8),
                62,
                f"this run {fmt(value)}",
                anchor=anchor,
                cls="ml",
            )
        )
    parts.append("</svg>")
    return Html("".join(parts))
