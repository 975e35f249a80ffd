"""fitfast against fitdecode, field for field, on every FIT file of the shared corpus.

Independent truth: fitdecode 0.11 (MIT), read the way the import path read FIT files
before fitfast (a data processor that leaves values raw, ``CrcCheck.READONLY``,
``ErrorHandling.IGNORE``, keep what was decoded before a ``FitError``), re-implemented
here from fitdecode's public API so this test never compares fitfast with itself. Where
fitdecode stops early (truncated or damaged files), the Garmin FIT SDK (``garmin_fit_sdk``,
optional) is a second oracle for the records it decodes.

Compared: every record field (values as the numeric columns fitfast returns, missing =
absent in fitdecode's message), every lap, session, event, file_id, device_info, sport and
activity field (names, subfield names, enum names, values), developer-field units, the
number of chained headers, the CRC verdict and whether decoding stopped early. Integers
must be equal; floats equal within float rounding (relative 1e-12). Every disagreement is
listed; the only ones accepted are in ``KNOWN_DISAGREEMENTS`` with the reason, and every
entry there must still occur (so the list cannot rot).
"""

from __future__ import annotations

import io
import math
import os
import warnings
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import fitdecode
import pytest

from runform.io.fitfast import FastResult, decode

CORPUS = Path(
    os.environ.get("RUNFORM_CORPUS", Path(__file__).resolve().parents[3] / "shared" / "corpus")
)

KNOWN_DISAGREEMENTS: dict[str, str] = {
    # "<file>::<where>": "<why>". Empty: on this corpus fitfast and fitdecode agree on
    # every value. fitfast's deliberate differences (see the fitfast module docstring:
    # developer fields whose size is not a multiple of their type, messages running past
    # the data section, headers longer than 14 bytes) do not occur in it.
}
"""Accepted disagreements, each with its reason; each must still occur (rot check)."""

REL_TOL = 1e-12
"""Relative tolerance for floats: both decoders compute ``raw / scale - offset`` in
IEEE double, so any difference beyond rounding is a real disagreement."""


class _RawProcessor(fitdecode.DataProcessorBase):  # type: ignore[misc]
    """Leave values profile-scaled; timestamps stay FIT-epoch ints (as runform's reader)."""


@dataclass
class Reference:
    """What fitdecode (lenient, raw values) gives for one file."""

    records: list[dict[str, Any]] = field(default_factory=list)
    dev_units: dict[str, str] = field(default_factory=dict)
    messages: dict[str, list[dict[Any, Any]]] = field(default_factory=dict)
    headers: int = 0
    crc_bad: bool = False
    error: str | None = None


_MESSAGE_LISTS = {
    "lap": "laps",
    "session": "sessions",
    "event": "events",
    "file_id": "file_ids",
    "device_info": "devices",
    "sport": "sports",
    "activity": "activities",
}


def _fields(frame: Any) -> dict[Any, Any]:
    out: dict[Any, Any] = {}
    for f in frame.fields:
        if f.value is None and f.name in out:
            continue
        if f.name not in out or out[f.name] is None:
            out[f.name] = f.value
    return out


def fitdecode_reference(data: bytes) -> Reference:
    """Decode with fitdecode the way runform's FIT reader did before fitfast."""
    ref = Reference(messages={v: [] for v in _MESSAGE_LISTS.values()})
    reader = fitdecode.FitReader(
        io.BytesIO(data),
        processor=_RawProcessor(),
        check_crc=fitdecode.CrcCheck.READONLY,
        error_handling=fitdecode.ErrorHandling.IGNORE,
    )
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            for frame in reader:
                if isinstance(frame, fitdecode.FitHeader):
                    ref.headers += 1
                    ref.crc_bad |= frame.crc_matched is False
                elif isinstance(frame, fitdecode.FitCRC):
                    ref.crc_bad |= frame.matched is False
                elif isinstance(frame, fitdecode.FitDataMessage):
                    if frame.name == "record":
                        rec: dict[str, Any] = {}
                        for f in frame.fields:
                            if f.field_def is not None and f.field_def.is_dev:
                                key = f"dev_{f.name}"
                                if isinstance(f.value, (int, float)):
                                    rec[key] = f.value
                                ref.dev_units.setdefault(key, str(f.units or ""))
                            elif f.value is not None and rec.get(f.name) is None:
                                rec[f.name] = f.value
                        ref.records.append(rec)
                    elif frame.name in _MESSAGE_LISTS:
                        ref.messages[_MESSAGE_LISTS[frame.name]].append(_fields(frame))
    except fitdecode.FitError as exc:
        ref.error = str(exc)
    return ref


def _same(a: Any, b: Any) -> bool:
    """fitdecode value ``a`` equals fitfast value ``b`` (ints exact, floats to rounding)."""
    if isinstance(a, tuple) or isinstance(b, tuple):
        return (
            isinstance(a, tuple)
            and isinstance(b, tuple)
            and len(a) == len(b)
            and all(_same(x, y) for x, y in zip(a, b, strict=True))
        )
    if isinstance(a, bool) or isinstance(b, bool):
        return a is b
    if isinstance(a, int) and isinstance(b, (int, float)):
        return float(a) == b if isinstance(b, float) else a == b
    if isinstance(a, float) and isinstance(b, (int, float)):
        if math.isnan(a):
            return isinstance(b, float) and math.isnan(b)
        return math.isclose(a, b, rel_tol=REL_TOL, abs_tol=0.0)
    return type(a) is type(b) and a == b


def _diff_dicts(tag: str, ref: list[dict[Any, Any]], got: list[dict[Any, Any]]) -> Iterator[str]:
    if len(ref) != len(got):
        yield f"{tag}: {len(ref)} messages in fitdecode, {len(got)} in fitfast"
        return
    for i, (a, b) in enumerate(zip(ref, got, strict=True)):
        for key in sorted(set(a) | set(b), key=str):
            if key not in b:
                yield f"{tag}[{i}].{key}: only fitdecode has it ({a[key]!r})"
            elif key not in a:
                yield f"{tag}[{i}].{key}: only fitfast has it ({b[key]!r})"
            elif not (a[key] is None and b[key] is None) and not _same(a[key], b[key]):
                yield f"{tag}[{i}].{key}: fitdecode {a[key]!r}, fitfast {b[key]!r}"


def _diff_records(ref: Reference, res: FastResult) -> Iterator[str]:
    """Record fields, compared column by column against fitfast's numpy columns."""
    n = len(ref.records)
    if n != res.n_records:
        yield f"record: {n} messages in fitdecode, {res.n_records} in fitfast"
        return
    names = {k for r in ref.records for k in r}
    for name in sorted(names - set(res.records)):
        yield f"record.{name}: only fitdecode has it"
    for name, col in res.records.items():
        values = col.tolist()
        shown = 0
        for i, (r, got) in enumerate(zip(ref.records, values, strict=True)):
            want = r.get(name)
            missing = got is None or (isinstance(got, float) and math.isnan(got))
            if name == "timestamp" and got == -1:
                missing = True
            if want is None and missing:
                continue
            if want is None or missing or not _same(want, got):
                shown += 1
                if shown <= 3:
                    yield f"record[{i}].{name}: fitdecode {want!r}, fitfast {got!r}"
        if shown > 3:
            yield f"record.{name}: {shown - 3} more value differences"


def _diff_sdk(data: bytes, res: FastResult) -> Iterator[str]:
    """Records against the Garmin FIT SDK (for files fitdecode cannot read to the end)."""
    try:
        import garmin_fit_sdk as sdk
    except ImportError:
        return
    decoder = sdk.Decoder(sdk.Stream.from_byte_array(bytearray(data)))
    messages, _errors = decoder.read(
        enable_crc_check=False, convert_datetimes_to_dates=False, merge_heart_rates=False
    )
    records = messages.get("record_mesgs", [])
    if len(records) != res.n_records:
        yield f"sdk record: {len(records)} messages in the SDK, {res.n_records} in fitfast"
        return
    for i, (want, got) in enumerate(zip(records, res.record_dicts(), strict=True)):
        for key in sorted(set(want) & set(got)):
            a = want[key]
            if isinstance(a, (int, float)) and not _same(float(a), float(got[key])):
                yield f"sdk record[{i}].{key}: SDK {a!r}, fitfast {got[key]!r}"


def disagreements(data: bytes) -> list[str]:
    """Every difference between fitdecode (and the SDK where fitdecode fails) and fitfast."""
    ref = fitdecode_reference(data)
    res = decode(data)
    out: list[str] = []
    if ref.headers != res.headers:
        out.append(f"headers: fitdecode {ref.headers}, fitfast {res.headers}")
    if ref.crc_bad != res.crc_bad:
        out.append(f"crc_bad: fitdecode {ref.crc_bad}, fitfast {res.crc_bad}")
    if (ref.error is None) != (res.error is None):
        out.append(f"stopped early: fitdecode {ref.error!r}, fitfast {res.error!r}")
    out.extend(_diff_records(ref, res))
    for attr in _MESSAGE_LISTS.values():
        out.extend(_diff_dicts(attr, ref.messages[attr], getattr(res, attr)))
    if ref.dev_units != res.dev_units:
        out.append(f"dev_units: fitdecode {ref.dev_units}, fitfast {res.dev_units}")
    if ref.error is not None:
        out.extend(_diff_sdk(data, res))
    return out


def _corpus_files() -> list[Path]:
    if not CORPUS.is_dir():
        return []
    return sorted(p for p in CORPUS.rglob("*") if p.is_file() and p.suffix.lower() == ".fit")


@dataclass
class CorpusDiff:
    files: list[str]
    found: dict[str, list[str]]  # "<file>::<difference>" lines per file
    records: int


@pytest.fixture(scope="module")
def corpus_diff() -> CorpusDiff:
    files = _corpus_files()
    if not files:
        pytest.skip(
            f"real-file corpus not found: no .fit files under {CORPUS} "
            "(set RUNFORM_CORPUS to the corpus folder to run the differential test)"
        )
    found: dict[str, list[str]] = {}
    records = 0
    for path in files:
        rel = path.relative_to(CORPUS).as_posix()
        data = path.read_bytes()
        found[rel] = disagreements(data)
        records += decode(data, check_crc=False).n_records
    return CorpusDiff([p.relative_to(CORPUS).as_posix() for p in files], found, records)


def _known(entry: str) -> bool:
    return any(entry.startswith(k) for k in KNOWN_DISAGREEMENTS)


@pytest.mark.slow
def test_every_corpus_field_agrees_with_fitdecode(corpus_diff: CorpusDiff) -> None:
    unexplained = [
        f"{rel}::{d}"
        for rel, diffs in corpus_diff.found.items()
        for d in diffs
        if not _known(f"{rel}::{d}")
    ]
    assert not unexplained, "fitfast disagrees with fitdecode:\n" + "\n".join(unexplained)


@pytest.mark.slow
def test_known_disagreements_still_occur(corpus_diff: CorpusDiff) -> None:
    all_found = [f"{rel}::{d}" for rel, diffs in corpus_diff.found.items() for d in diffs]
    stale = [k for k in KNOWN_DISAGREEMENTS if not any(f.startswith(k) for f in all_found)]
    assert not stale, f"allow-listed disagreements no longer occur, remove them: {stale}"


@pytest.mark.slow
def test_the_comparison_covers_the_corpus(corpus_diff: CorpusDiff) -> None:
    """Guard against a vacuous pass: the corpus's files and records were all compared."""
    assert len(corpus_diff.files) >= 100
    assert corpus_diff.records >= 400_000


def test_disagreements_are_reported() -> None:
    """The comparison itself notices a changed value (it can fail)."""
    ref = Reference(records=[{"timestamp": 5, "heart_rate": 150}])
    res = FastResult(n_records=1)
    import numpy as np

    res.records = {"timestamp": np.array([5]), "heart_rate": np.array([151.0])}
    assert list(_diff_records(ref, res)) == ["record[0].heart_rate: fitdecode 150, fitfast 151.0"]
    res.records["heart_rate"] = np.array([150.0])
    assert list(_diff_records(ref, res)) == []
    assert not _same(1.0, 1.0 + 1e-9)
    assert _same((1, None), (1, None))
    assert not _same("running", 1)
