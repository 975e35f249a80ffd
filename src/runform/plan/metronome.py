"""Cadence metronome: a click track (WAV) at a step rate, with accents and optional cues.

One click per step at ``bpm`` steps/min; every ``accent_every``-th click (the first of
each group, starting with beat 0) is louder and higher; an optional voice-free cue,
a rising two-tone chime, marks every ``cue_every_min`` minutes so a runner knows
where they are in a block without looking at the watch.

Click onsets sit at round(k * 60 / bpm * sample_rate) samples, computed from the
beat number rather than accumulated, so the rate has no drift over any length
(jitter at most half a sample: 62 us at 8 kHz, a hundred times below the
just-noticeable timing perturbation in an isochronous tone sequence, about 6 ms,
or 2.5 % of intervals above 240 ms; Friberg & Sundberg 1995, "Time
discrimination in a monotonic, isochronous sequence", J. Acoust. Soc. Am.
98(5):2524-2531, doi:10.1121/1.413218).

File size: the default is 8000 Hz mono 16-bit PCM, 0.96 MB a minute (19 MB for 20
min) instead of 5.3 MB a minute at 44.1 kHz. 8 kHz reproduces tones up to its
4 kHz Nyquist frequency (Shannon 1949), well above the clicks (1.0 and 1.6 kHz)
and the cue (660/880 Hz), which sit where hearing is most sensitive (ISO
226:2003 equal-loudness contours, 1-4 kHz). ``sample_width=1`` (8-bit) halves it
again at the cost of audible hiss only during the clicks themselves.
"""

from __future__ import annotations

import math
import os
import re
import wave
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from runform.errors import RunformError
from runform.plan.export_text import PlanLike, iter_sessions, session_date

__all__ = [
    "DEFAULT_SAMPLE_RATE",
    "cadence_sessions",
    "click_onsets",
    "write_metronome",
    "write_plan_metronomes",
]

DEFAULT_SAMPLE_RATE = 8000
"""Samples per second [Hz] of the WAV (see module docstring for why 8 kHz)."""

CLICK_S = 0.030
"""Click length [s]: a 30 ms decaying tone burst, short enough for 240 steps/min (250 ms apart)."""
CLICK_DECAY_S = 0.006
"""Exponential decay time constant of a click [s]."""
CLICK_HZ = 1000.0
"""Pitch of a normal click [Hz]."""
ACCENT_HZ = 1600.0
"""Pitch of an accented click [Hz]."""
CLICK_AMP = 0.4
"""Peak amplitude of a normal click [full scale]."""
ACCENT_AMP = 0.9
"""Peak amplitude of an accented click [full scale]."""
CUE_TONES_HZ = (660.0, 880.0)
"""The cue's two tones [Hz], rising (a perfect fifth), unlike any click."""
CUE_TONE_S = 0.12
"""Length of each cue tone [s]."""
CUE_GAP_S = 0.06
"""Silence between the two cue tones [s]."""
CUE_AMP = 0.5
"""Peak amplitude of the cue tones [full scale]."""

_CHUNK_S = 10.0
"""Samples are synthesised and written 10 s at a time, so memory stays small."""

DEFAULT_CADENCE_MIN = 20.0
"""Length [min] of a planned cadence metronome when the plan gives none."""


def _burst(freq: float, amp: float, sr: int) -> npt.NDArray[np.float64]:
    """A decaying sine burst with a 1 ms linear attack (no DC click)."""
    t = np.arange(round(CLICK_S * sr)) / sr
    attack = np.clip(t / 0.001, 0.0, 1.0)
    return np.asarray(amp * attack * np.exp(-t / CLICK_DECAY_S) * np.sin(2 * np.pi * freq * t))


def _cue(sr: int) -> npt.NDArray[np.float64]:
    n_tone = round(CUE_TONE_S * sr)
    t = np.arange(n_tone) / sr
    ramp = np.minimum(1.0, np.minimum(t, t[::-1]) / 0.01)  # 10 ms fades
    gap = np.zeros(round(CUE_GAP_S * sr))
    tones = [CUE_AMP * ramp * np.sin(2 * np.pi * f * t) for f in CUE_TONES_HZ]
    return np.concatenate([tones[0], gap, tones[1]])


def click_onsets(
    bpm: float, minutes: float, sample_rate: int = DEFAULT_SAMPLE_RATE
) -> npt.NDArray[np.int64]:
    """Sample indices of the clicks: round(k * 60 / bpm * sample_rate) below the end.

    Parameters
    ----------
    bpm : float
        Steps per minute [1/min].
    minutes : float
        Track length [min].
    sample_rate : int
        Samples per second [Hz].

    Returns
    -------
    ndarray of int64
    """
    total = round(minutes * 60.0 * sample_rate)
    n = math.ceil(minutes * bpm) + 1
    onsets: npt.NDArray[np.int64] = np.rint(np.arange(n) * (60.0 / bpm) * sample_rate).astype(
        np.int64
    )
    return np.asarray(onsets[onsets < total], dtype=np.int64)


def _check(
    bpm: float,
    minutes: float,
    accent_every: int | None,
    cue_every_min: float | None,
    sample_rate: int,
    sample_width: int,
) -> None:
    if not (math.isfinite(bpm) and 30.0 <= bpm <= 300.0):
        raise RunformError(
            f"metronome: {bpm!r} steps/min is outside 30-300; running cadence is about 150-200"
        )
    if not (math.isfinite(minutes) and 0.0 < minutes <= 300.0):
        raise RunformError(
            f"metronome: length must be more than 0 and at most 300 min, got {minutes!r}"
        )
    if accent_every is not None and (isinstance(accent_every, bool) or accent_every < 1):
        raise RunformError(
            f"metronome: accent_every must be a whole number >= 1 or None, got {accent_every!r}"
        )
    if cue_every_min is not None and not (math.isfinite(cue_every_min) and cue_every_min > 0):
        raise RunformError(f"metronome: cue_every_min must be positive, got {cue_every_min!r}")
    if not 8000 <= sample_rate <= 48000:
        raise RunformError(f"metronome: sample_rate must be 8000-48000 Hz, got {sample_rate!r}")
    if sample_width not in (1, 2):
        raise RunformError(
            f"metronome: sample_width must be 1 (8-bit) or 2 (16-bit), got {sample_width!r}"
        )


def write_metronome(
    path: str | os.PathLike[str],
    bpm: float,
    minutes: float,
    accent_every: int | None = 4,
    cue_every_min: float | None = None,
    sample_rate: int = DEFAULT_SAMPLE_RATE,
    sample_width: int = 2,
) -> int:
    """Write a click-track WAV at ``bpm`` steps/min, ``minutes`` long.

    Parameters
    ----------
    path : path
        Output ``.wav`` file [-].
    bpm : float
        Clicks (steps) per minute [1/min], 30-300.
    minutes : float
        Length [min]; the file holds exactly round(minutes * 60 * sample_rate) frames.
    accent_every : int or None
        Accent beats 0, n, 2n, ... [-] (louder, higher click); ``None`` or 1 for
        no pattern (1 accents every beat).
    cue_every_min : float or None
        Play the two-tone cue at every multiple of this many minutes [min] (not at 0).
    sample_rate : int
        Samples per second [Hz], 8000-48000.
    sample_width : int
        Bytes per sample [B]: 2 (16-bit signed PCM) or 1 (8-bit unsigned PCM).

    Returns
    -------
    int
        Bytes written [B].
    """
    _check(bpm, minutes, accent_every, cue_every_min, sample_rate, sample_width)
    sr = sample_rate
    total = round(minutes * 60.0 * sr)
    onsets = click_onsets(bpm, minutes, sr)
    accented = np.zeros(len(onsets), dtype=bool)
    if accent_every is not None:
        accented[::accent_every] = True
    click = _burst(CLICK_HZ, CLICK_AMP, sr)
    accent = _burst(ACCENT_HZ, ACCENT_AMP, sr)
    cue = _cue(sr)
    cue_onsets = np.zeros(0, dtype=np.int64)
    if cue_every_min is not None:
        step = cue_every_min * 60.0 * sr
        cue_onsets = np.rint(np.arange(1, math.floor(total / step) + 1) * step).astype(np.int64)
        cue_onsets = cue_onsets[cue_onsets < total]
    chunk = round(_CHUNK_S * sr)
    # Open the file ourselves: wave.open(path) leaves a half-built writer behind when the
    # path cannot be opened, which then complains while being garbage-collected.
    with open(os.fspath(path), "wb") as fh, wave.open(fh, "wb") as wav:
        wav.setnchannels(1)
        wav.setsampwidth(sample_width)
        wav.setframerate(sr)
        for a in range(0, total, chunk):
            b = min(a + chunk, total)
            buf = np.zeros(b - a)
            lo = int(np.searchsorted(onsets, a - len(accent), side="right"))
            hi = int(np.searchsorted(onsets, b, side="left"))
            for i in range(lo, hi):
                _mix(buf, a, int(onsets[i]), accent if accented[i] else click)
            for o in cue_onsets[(cue_onsets > a - len(cue)) & (cue_onsets < b)]:
                _mix(buf, a, int(o), cue)
            buf = np.clip(buf, -1.0, 1.0)
            if sample_width == 2:
                frames = np.rint(buf * 32767.0).astype("<i2").tobytes()
            else:
                frames = (np.rint(buf * 127.0) + 128.0).astype(np.uint8).tobytes()
            wav.writeframes(frames)
    return Path(path).stat().st_size


def _mix(
    buf: npt.NDArray[np.float64], start: int, onset: int, sound: npt.NDArray[np.float64]
) -> None:
    """Add ``sound`` starting at absolute sample ``onset`` into ``buf`` (which starts at ``start``)."""
    i0 = max(onset - start, 0)
    s0 = i0 - (onset - start)
    n = min(len(buf) - i0, len(sound) - s0)
    if n > 0:
        buf[i0 : i0 + n] += sound[s0 : s0 + n]


def _number(value: Any) -> float | None:
    if isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value):
        return float(value)
    return None


def _cadence_of(item: Mapping[str, Any]) -> float | None:
    """The item's cadence target [steps/min]: ``cadence_spm`` or the first ``target_spm``."""
    spm = _number(item.get("cadence_spm"))
    if spm is not None:
        return spm
    targets = item.get("targets")
    if isinstance(targets, list):
        for t in targets:
            if isinstance(t, Mapping) and (spm := _number(t.get("target_spm"))) is not None:
                return spm
    return None


def cadence_sessions(plan: PlanLike) -> list[tuple[Mapping[str, Any], float, float]]:
    """The planned cadence sessions: ``(session, steps/min, minutes)``.

    A session qualifies when one of its ``technique`` items (a mapping) or the
    session itself gives a cadence: ``cadence_spm`` [steps/min], or (as
    ``TechniqueElement.as_dict()`` writes it) ``targets`` with a ``target_spm``, the
    first one found. The length is the item's ``minutes``, else the session's
    ``duration_min``, else :data:`DEFAULT_CADENCE_MIN`.
    """
    out: list[tuple[Mapping[str, Any], float, float]] = []
    for _week, session in iter_sessions(plan):
        items = session.get("technique") or []
        if isinstance(items, Mapping):
            items = [items]
        sources: list[Mapping[str, Any]] = [i for i in items if isinstance(i, Mapping)]
        sources.append(session)
        for src in sources:
            spm = _cadence_of(src)
            if spm is not None:
                mins = src.get("minutes")
                if not isinstance(mins, (int, float)) or mins <= 0:
                    mins = session.get("duration_min")
                if not isinstance(mins, (int, float)) or mins <= 0:
                    mins = DEFAULT_CADENCE_MIN
                out.append((session, float(spm), float(mins)))
                break
    return out


def write_plan_metronomes(
    plan: PlanLike,
    folder: str | os.PathLike[str],
    **options: Any,
) -> list[Path]:
    """Write one metronome WAV per planned cadence session (see :func:`cadence_sessions`).

    Files are named ``YYYY-MM-DD-cadence-<spm>.wav``.

    Parameters
    ----------
    plan : mapping or Plan
        ``Plan.as_dict()`` shape.
    folder : path
        Output folder [-], created if missing.
    **options
        ``accent_every``, ``cue_every_min``, ``sample_rate``, ``sample_width`` of
        :func:`write_metronome`.

    Returns
    -------
    list of Path
    """
    out_dir = Path(folder)
    out_dir.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []
    for session, spm, mins in cadence_sessions(plan):
        stem = f"{session_date(session).isoformat()}-cadence-{re.sub(r'[^0-9.]', '', f'{spm:g}')}"
        path = out_dir / f"{stem}.wav"
        k = 1
        while path in written:
            k += 1
            path = out_dir / f"{stem}-{k}.wav"
        write_metronome(path, spm, mins, **options)
        written.append(path)
    return written
