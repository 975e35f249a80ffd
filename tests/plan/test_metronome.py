"""Cadence metronome WAVs, read back with the stdlib ``wave`` and measured from the signal.

Independent truth: the beat rate and accents are measured from the decoded samples
(onset detection on the amplitude envelope, then a least-squares line through the
onset times; peak amplitudes and the dominant FFT frequency of each click), never
taken from the generator's parameters or its onset function.
"""

from __future__ import annotations

import wave
from pathlib import Path

import numpy as np
import numpy.typing as npt
import pytest

from runform.errors import RunformError
from runform.plan.metronome import write_metronome, write_plan_metronomes


def _read(path: Path) -> tuple[npt.NDArray[np.float64], int]:
    with wave.open(str(path), "rb") as w:
        assert w.getnchannels() == 1
        sr, width, n = w.getframerate(), w.getsampwidth(), w.getnframes()
        raw = w.readframes(n)
    if width == 2:
        x = np.frombuffer(raw, dtype="<i2").astype(float) / 32768.0
    else:
        x = (np.frombuffer(raw, dtype=np.uint8).astype(float) - 128.0) / 128.0
    assert len(x) == n
    return x, sr


def _onsets(
    x: npt.NDArray[np.float64], sr: int, refractory_s: float = 0.1
) -> npt.NDArray[np.float64]:
    """Onset times [s]: first sample of each burst above 5 % of full scale."""
    above = np.flatnonzero(np.abs(x) > 0.05)
    if above.size == 0:
        return np.zeros(0)
    starts = above[np.concatenate([[True], np.diff(above) > refractory_s * sr])]
    return np.asarray(starts / sr, dtype=float)


def _measured_bpm(onsets: npt.NDArray[np.float64]) -> float:
    k = np.arange(len(onsets))
    period = np.polyfit(k, onsets, 1)[0]
    return float(60.0 / period)


@pytest.mark.parametrize(
    ("bpm", "rate", "width"), [(172, 8000, 2), (181.5, 11025, 2), (160, 8000, 1)]
)
def test_duration_and_beat_rate_from_signal(
    tmp_path: Path, bpm: float, rate: int, width: int
) -> None:
    path = tmp_path / "m.wav"
    n = write_metronome(path, bpm, 2.0, sample_rate=rate, sample_width=width)
    assert n == path.stat().st_size
    x, sr = _read(path)
    assert sr == rate
    assert len(x) / sr == pytest.approx(120.0, abs=0.5 / sr)
    onsets = _onsets(x, sr)
    assert abs(_measured_bpm(onsets) / bpm - 1.0) < 0.005
    assert len(onsets) == pytest.approx(2.0 * bpm, abs=1.0)


def test_twenty_minutes_keeps_rate_and_size(tmp_path: Path) -> None:
    path = tmp_path / "cadence.wav"
    write_metronome(path, 172, 20)
    x, sr = _read(path)
    assert len(x) == 20 * 60 * sr
    assert path.stat().st_size < 20e6  # 8 kHz mono 16-bit: 0.96 MB a minute
    onsets = _onsets(x, sr)
    assert abs(_measured_bpm(onsets) / 172 - 1.0) < 0.001
    # no drift: the last click is where 172/min puts it, within a millisecond
    assert onsets[-1] == pytest.approx((len(onsets) - 1) * 60 / 172, abs=1e-3)


def _dominant_hz(x: npt.NDArray[np.float64], sr: int, t: float) -> float:
    seg = x[int(t * sr) : int(t * sr) + int(0.03 * sr)]
    spec = np.abs(np.fft.rfft(seg * np.hanning(len(seg)), n=8192))
    return float(np.fft.rfftfreq(8192, 1 / sr)[np.argmax(spec)])


def test_accents_are_louder_and_higher(tmp_path: Path) -> None:
    path = tmp_path / "a.wav"
    write_metronome(path, 170, 0.5, accent_every=4)
    x, sr = _read(path)
    onsets = _onsets(x, sr)
    peaks = np.array([np.abs(x[int(t * sr) : int(t * sr) + int(0.03 * sr)]).max() for t in onsets])
    loud = peaks > 0.5 * peaks.max()
    assert np.array_equal(np.flatnonzero(loud), np.arange(0, len(peaks), 4))
    assert peaks[loud].min() > 1.5 * peaks[~loud].max()
    assert _dominant_hz(x, sr, onsets[0]) > _dominant_hz(x, sr, onsets[1]) + 300

    flat = tmp_path / "flat.wav"
    write_metronome(flat, 170, 0.5, accent_every=None)
    y, _ = _read(flat)
    peaks = np.array(
        [np.abs(y[int(t * sr) : int(t * sr) + int(0.03 * sr)]).max() for t in _onsets(y, sr)]
    )
    assert peaks.max() / peaks.min() < 1.05


def test_cue_every_minute_is_a_distinct_tone(tmp_path: Path) -> None:
    path = tmp_path / "c.wav"
    write_metronome(path, 170, 3, accent_every=None, cue_every_min=1)
    x, sr = _read(path)

    def band_energy(t0: float, lo: float, hi: float) -> float:
        seg = x[int(t0 * sr) : int((t0 + 0.3) * sr)]
        spec = np.abs(np.fft.rfft(seg)) ** 2
        f = np.fft.rfftfreq(len(seg), 1 / sr)
        return float(spec[(f > lo) & (f < hi)].sum())

    cue_band = (600.0, 950.0)
    with_cue = [band_energy(t, *cue_band) for t in (60.0, 120.0)]
    without = [band_energy(t, *cue_band) for t in (30.0, 90.0, 150.0)]
    assert min(with_cue) > 20 * max(without)


def test_plan_metronomes_one_per_cadence_session(tmp_path: Path) -> None:
    plan = {
        "weeks": [
            {
                "week": 1,
                "sessions": [
                    {"date": "2027-01-04", "type": "easy", "distance_km": 8},
                    {
                        "date": "2027-01-06",
                        "type": "easy",
                        "technique": [{"focus": "cadence", "cadence_spm": 174, "minutes": 0.5}],
                    },
                    {  # the shape TechniqueElement.as_dict() writes
                        "date": "2027-01-08",
                        "type": "easy",
                        "duration_min": 0.25,
                        "technique": [
                            {"focus": "posture", "name": "A-skip", "cue": "tall"},
                            {
                                "focus": "cadence",
                                "name": "Cadence",
                                "cue": "quick steps",
                                "targets": [
                                    {"pace": "E", "target_spm": None},
                                    {"pace": "M", "target_spm": 178.5},
                                ],
                            },
                        ],
                    },
                ],
            }
        ]
    }
    paths = write_plan_metronomes(plan, tmp_path / "wav")
    assert [p.name for p in paths] == ["2027-01-06-cadence-174.wav", "2027-01-08-cadence-178.5.wav"]
    for path, bpm, seconds in zip(paths, (174, 178.5), (30, 15), strict=True):
        x, sr = _read(path)
        assert len(x) == seconds * sr
        assert abs(_measured_bpm(_onsets(x, sr)) / bpm - 1.0) < 0.005


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"bpm": 1000, "minutes": 1}, "outside 30-300"),
        ({"bpm": 170, "minutes": 0}, "more than 0"),
        ({"bpm": 170, "minutes": 1, "sample_width": 3}, "sample_width"),
        ({"bpm": 170, "minutes": 1, "accent_every": 0}, "accent_every"),
    ],
)
def test_bad_arguments(tmp_path: Path, kwargs: dict[str, float], message: str) -> None:
    with pytest.raises(RunformError, match=message):
        write_metronome(tmp_path / "x.wav", **kwargs)  # type: ignore[arg-type]
