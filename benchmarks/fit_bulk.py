"""Bulk FIT decoding: runform's fitfast against fitdecode, same files, same run.

Decodes every FIT file of the corpus from memory with

* ``fitdecode`` 0.11, lenient (``CrcCheck.DISABLED``, ``ErrorHandling.IGNORE``) with a
  data processor that leaves values raw, each ``record`` turned into a dict (the way
  runform's FIT reader used it, and the method of docs/decisions/fit-decoder.md);
* ``fitfast.decode`` (CRC checked), and once more with ``check_crc=False``; its cache of
  definition templates is emptied before each run, so a run starts cold;

and prints records/s, MB/s and the ratio fitfast / fitdecode over all files and over the
large files (>= 1 MB), then the peak traced memory (tracemalloc) of each decoder on the
largest file. Best of ``--repeat`` runs.

Usage::

    .venv/bin/python benchmarks/fit_bulk.py [--corpus ../shared/corpus] [--repeat 3]
"""

from __future__ import annotations

import argparse
import io
import os
import platform
import sys
import time
import tracemalloc
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import Any

import fitdecode

from runform.io.fitfast import clear_caches, decode

DEFAULT_CORPUS = Path(__file__).resolve().parents[2] / "shared" / "corpus"
LARGE_BYTES = 1_000_000


class _RawProcessor(fitdecode.DataProcessorBase):  # type: ignore[misc]
    """Values profile-scaled, timestamps FIT-epoch ints (as runform's reader)."""


def fitdecode_records(data: bytes) -> int:
    """Decode with fitdecode (lenient, raw), a dict per record; return the record count."""
    records: list[dict[str, Any]] = []
    reader = fitdecode.FitReader(
        io.BytesIO(data),
        processor=_RawProcessor(),
        check_crc=fitdecode.CrcCheck.DISABLED,
        error_handling=fitdecode.ErrorHandling.IGNORE,
    )
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            for frame in reader:
                if isinstance(frame, fitdecode.FitDataMessage) and frame.name == "record":
                    rec: dict[str, Any] = {}
                    for f in frame.fields:
                        if f.value is not None and rec.get(f.name) is None:
                            rec[f.name] = f.value
                    records.append(rec)
    except fitdecode.FitError:
        pass
    return len(records)


def fitfast_records(data: bytes) -> int:
    """Decode with fitfast (CRC checked); return the record count."""
    return decode(data).n_records


def fitfast_nocrc_records(data: bytes) -> int:
    """Decode with fitfast, CRC not computed; return the record count."""
    return decode(data, check_crc=False).n_records


def timed(fn: Callable[[bytes], int], blobs: list[bytes], repeat: int) -> tuple[float, int]:
    """Best-of-``repeat`` seconds to decode every blob, and the records found."""
    best, records = float("inf"), 0
    for _ in range(repeat):
        clear_caches()  # every run starts cold (definition templates are cached across files)
        t0 = time.perf_counter()
        records = sum(fn(b) for b in blobs)
        best = min(best, time.perf_counter() - t0)
    return best, records


def peak_memory(fn: Callable[[bytes], int], data: bytes) -> float:
    """Peak traced memory [MB] while ``fn`` decodes ``data``."""
    tracemalloc.start()
    try:
        fn(data)
        return tracemalloc.get_traced_memory()[1] / 1e6
    finally:
        tracemalloc.stop()


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark and print the tables."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS)
    ap.add_argument("--repeat", type=int, default=1, help="runs of each; the best is reported")
    args = ap.parse_args(argv)
    files = sorted(p for p in args.corpus.rglob("*") if p.is_file() and p.suffix.lower() == ".fit")
    if not files:
        print(f"no FIT files under {args.corpus}", file=sys.stderr)
        return 1
    blobs = [p.read_bytes() for p in files]
    large = [b for b in blobs if len(b) >= LARGE_BYTES]
    print(
        f"machine: {os.cpu_count()} cores, {platform.processor() or platform.machine()}; "
        f"Python {platform.python_version()}"
    )
    decoders: list[tuple[str, Callable[[bytes], int]]] = [
        ("fitdecode lenient, raw", fitdecode_records),
        ("fitfast (CRC checked)", fitfast_records),
        ("fitfast (no CRC)", fitfast_nocrc_records),
    ]
    for label, subset in (("all files", blobs), (f"files >= {LARGE_BYTES // 10**6} MB", large)):
        if not subset:
            continue
        mb = sum(len(b) for b in subset) / 1e6
        print(f"\n{label}: {len(subset)} FIT files, {mb:.2f} MB, {args.corpus}")
        print(f"{'':26s}{'seconds':>9s}{'records':>10s}{'records/s':>12s}{'MB/s':>8s}{'ratio':>8s}")
        base_rate = None
        for name, fn in decoders:
            secs, recs = timed(fn, subset, args.repeat)
            rate = recs / secs
            base_rate = base_rate or rate
            print(
                f"{name:26s}{secs:9.3f}{recs:10d}{rate:12,.0f}{mb / secs:8.2f}"
                f"{rate / base_rate:7.1f}x"
            )
    biggest = max(blobs, key=len)
    name = files[blobs.index(biggest)].relative_to(args.corpus)
    print(f"\npeak traced memory on the largest file ({name}, {len(biggest) / 1e6:.2f} MB):")
    for label, fn in decoders[:2]:
        print(f"  {label:26s}{peak_memory(fn, biggest):8.1f} MB")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
