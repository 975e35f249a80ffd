"""Best efforts inside runs: the fastest time over a given distance (pure functions).

For each target distance D the fastest effort is the shortest time ``t[j] - t[i]``
with ``d[j] - d[i] >= D`` over all sample pairs, found in O(n log n) with a
binary search of the cumulative distance. The end time is interpolated
linearly inside the sample interval where D is reached, so 1 Hz sampling does
not round efforts up by up to a second.

GPS noise: samples flagged as GPS spikes are dropped, the distance stream must
increase (samples where it falls back are dropped), no effort may span a jump
faster than :data:`JUMP_SPEED_MPS`, and an effort faster than
:data:`MAX_PLAUSIBLE_SPEED_MPS` is rejected as a measurement artefact rather
than reported.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

STANDARD_EFFORTS_M: dict[str, float] = {
    "1k": 1000.0,
    "mile": 1609.344,
    "5k": 5000.0,
    "10k": 10000.0,
    "half_marathon": 21097.5,
    "marathon": 42195.0,
}
"""Distances [m] searched for best efforts by default."""

MAX_PLAUSIBLE_SPEED_MPS = 6.7
"""Fastest plausible average speed [m/s] over 1 km or more (the 1000 m world record,
2:11.96, averages 7.58 m/s; 6.7 m/s is faster than the 5000 m record's 6.6 m/s, so any
effort over 1 km quicker than this by a club runner is a GPS artefact)."""


JUMP_SPEED_MPS = 12.5
"""Sample-to-sample speed [m/s] above which the distance stream jumped (as
:data:`runform.io.common.GPS_SPIKE_SPEED_MPS`: faster than any human runs)."""


@dataclass(frozen=True)
class Effort:
    """The fastest effort over ``distance_m`` in one activity."""

    label: str
    distance_m: float
    time_s: float
    start_s: float
    """Start of the effort [s since activity start]."""


def best_efforts(streams: pd.DataFrame, distances: dict[str, float] | None = None) -> list[Effort]:
    """Fastest efforts over each distance in an activity.

    Parameters
    ----------
    streams : DataFrame
        Canonical streams with ``time`` [s] and ``distance`` [m] (``gps_spike`` optional).
    distances : dict, optional
        Label -> distance [m]; default :data:`STANDARD_EFFORTS_M`.

    Returns
    -------
    list of Effort
        One per distance the activity covers, shortest first; implausibly fast
        efforts are left out.
    """
    targets = STANDARD_EFFORTS_M if distances is None else distances
    if streams.empty or "distance" not in streams or "time" not in streams:
        return []
    df = streams
    if "gps_spike" in df:
        df = df[~df["gps_spike"].fillna(False).astype(bool)]
    t = df["time"].to_numpy(dtype=float, na_value=np.nan)
    d = df["distance"].to_numpy(dtype=float, na_value=np.nan)
    ok = np.isfinite(t) & np.isfinite(d)
    t, d = t[ok], d[ok]
    if d.size < 2:
        return []
    keep = d >= np.maximum.accumulate(d)  # drop samples where distance falls back
    t, d = t[keep], d[keep]
    # A jump between consecutive samples faster than any runner marks a distance glitch;
    # no effort may span one.
    step_speed = np.diff(d) / np.maximum(np.diff(t), 1.0)
    jumps = np.concatenate([[0], np.cumsum(step_speed > JUMP_SPEED_MPS)])
    out: list[Effort] = []
    for label, dist in sorted(targets.items(), key=lambda kv: kv[1]):
        if d[-1] - d[0] < dist:
            continue
        # For each start i, the first j with d[j] >= d[i] + dist.
        j = np.searchsorted(d, d + dist, side="left")
        valid = j < d.size
        i_idx = np.flatnonzero(valid)
        j_idx = j[valid]
        # Interpolate the moment the distance is reached inside (j-1, j].
        prev = np.maximum(j_idx - 1, i_idx)
        span = d[j_idx] - d[prev]
        frac = np.where(span > 0, (d[i_idx] + dist - d[prev]) / np.where(span > 0, span, 1.0), 1.0)
        t_end = t[prev] + frac * (t[j_idx] - t[prev])
        dur = t_end - t[i_idx]
        dur = np.where(dur > 0, dur, np.inf)
        plausible = (dist / dur <= MAX_PLAUSIBLE_SPEED_MPS) & (jumps[j_idx] == jumps[i_idx])
        dur = np.where(plausible, dur, np.inf)
        k = int(np.argmin(dur))
        if not np.isfinite(dur[k]):
            continue
        out.append(Effort(label, dist, float(dur[k]), float(t[i_idx[k]])))
    return out
