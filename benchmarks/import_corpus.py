"""Import every FIT file of the corpus into a fresh store; compare with bare fitdecode decoding.

Prints records/s and files/s for runform's full import (decode + validate +
totals + store, files read on every core and written in batches) next to bare
decoding of the same files with fitdecode (every frame iterated, default
processor, lenient CRC and error handling), measured in the same run, and the
ratio runform / fitdecode (> 1 means runform is faster). The speed ratio is
over the same input: fitdecode's count of record messages divided by each
one's seconds (runform stores fewer samples than the files hold records: it
merges duplicated timestamps and skips non-activity files). runform's time runs
from the call to the import until every batch is committed; creating the empty
store (schema and migrations, a one-time set-up) happens before and is printed
on its own.

Then peak memory on the largest file, each in a fresh process: the peak
resident set (VmHWM) minus the resident set after the libraries are imported
(so the comparison is the memory the work takes, not the size of the code).

Usage::

    .venv/bin/python benchmarks/import_corpus.py [--corpus ../shared/corpus] [--repeat 1]
"""

from __future__ import annotations

import argparse
import os
import platform
import sys
import tempfile
import time
import warnings
from pathlib import Path

import fitdecode
from _machine import cpu_name

from runform.services import import_paths
from runform.store.db import Store

DEFAULT_CORPUS = Path(__file__).resolve().parents[2] / "shared" / "corpus"


def fit_files(corpus: Path) -> list[Path]:
    """Every .fit file (any case) under ``corpus``, sorted."""
    return sorted(p for p in corpus.rglob("*") if p.is_file() and p.suffix.lower() == ".fit")


def bare_fitdecode(files: list[Path]) -> tuple[float, int]:
    """Decode every file with fitdecode; return (seconds, record messages)."""
    records = 0
    t0 = time.perf_counter()
    for path in files:
        try:
            with (
                warnings.catch_warnings(),
                fitdecode.FitReader(
                    str(path),
                    check_crc=fitdecode.CrcCheck.WARN,
                    error_handling=fitdecode.ErrorHandling.WARN,
                ) as reader,
            ):
                warnings.simplefilter("ignore")
                for frame in reader:
                    if isinstance(frame, fitdecode.FitDataMessage) and frame.name == "record":
                        records += 1
        except fitdecode.FitError:
            continue
    return time.perf_counter() - t0, records


def runform_import(files: list[Path]) -> tuple[float, int, int, float]:
    """Import the files into a new, empty store.

    Returns (seconds, samples stored, files imported, seconds to create the store). The
    store (schema, migrations, the athlete) is created before the clock starts: a one-time
    set-up, not per-file work; its time is returned and printed on its own.
    """
    with tempfile.TemporaryDirectory() as tmp:
        db = Path(tmp) / "bench.duckdb"
        t0 = time.perf_counter()
        with Store(db) as store:
            store.athlete_id("bench", create=True)
            setup = time.perf_counter() - t0
            t1 = time.perf_counter()
            report = import_paths(store, files, athlete="bench")
            seconds = time.perf_counter() - t1  # every batch is committed when this returns
            samples = store.counts()["samples"]
    return seconds, samples, report.imported, setup


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark and print the table."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS)
    ap.add_argument("--repeat", type=int, default=1, help="runs of each; the best is reported")
    args = ap.parse_args(argv)
    files = fit_files(args.corpus)
    if not files:
        print(f"no FIT files under {args.corpus}", file=sys.stderr)
        return 1
    mb = sum(p.stat().st_size for p in files) / 1e6
    bare = min((bare_fitdecode(files) for _ in range(args.repeat)), key=lambda r: r[0])
    ours = min((runform_import(files) for _ in range(args.repeat)), key=lambda r: r[0])
    cpu = cpu_name()
    print(f"machine: {os.cpu_count()} cores, {cpu}; Python {platform.python_version()}")
    print(f"corpus: {len(files)} FIT files, {mb:.1f} MB, {args.corpus}")
    print(f"{'':28s}{'seconds':>9s}{'records':>10s}{'records/s':>11s}{'files/s':>9s}")
    print(
        f"{'fitdecode (bare decode)':28s}{bare[0]:9.2f}{bare[1]:10d}{bare[1] / bare[0]:11.0f}"
        f"{len(files) / bare[0]:9.1f}"
    )
    print(
        f"{'runform import (full)':28s}{ours[0]:9.2f}{ours[1]:10d}{ours[1] / ours[0]:11.0f}"
        f"{len(files) / ours[0]:9.1f}"
    )
    print(f"(creating the empty store beforehand took {ours[3] * 1000:.0f} ms, not timed above)")
    ratio = bare[0] / ours[0]
    print(
        f"ratio runform/fitdecode, same {bare[1]} input records: {ratio:.1f}x"
        f"  (runform: {bare[1] / ours[0]:,.0f} input records/s; files imported: {ours[2]})"
    )
    largest = max(files, key=lambda p: p.stat().st_size)
    stream = peak_memory("fitdecode", largest)
    keep = peak_memory("fitdecode-keep", largest)
    rf = peak_memory("runform", largest)
    print(
        f"peak memory on the largest file ({largest.name}, {largest.stat().st_size / 1e6:.1f} MB):"
    )
    print(f"  fitdecode, streamed, nothing kept:     {stream[0]:6.1f} MB over {stream[1]:.0f} MB")
    print(f"  fitdecode, every message's fields kept: {keep[0]:6.1f} MB over {keep[1]:.0f} MB")
    print(f"  runform full import (decode + store):  {rf[0]:6.1f} MB over {rf[1]:.0f} MB")
    print(
        f"  ratio runform / fitdecode keeping the messages (what an import needs): "
        f"{rf[0] / keep[0]:.2f} (<= 1 is the target)"
    )
    return 0


_MEMORY_SCRIPT = """
import sys, tempfile, warnings
from pathlib import Path
which, path = sys.argv[1], sys.argv[2]

def rss(key):
    for ln in open('/proc/self/status'):
        if ln.startswith(key):
            return int(ln.split()[1]) / 1024
    return 0.0

if which.startswith('fitdecode'):
    import fitdecode
    base = rss('VmRSS')
    kept = []
    with warnings.catch_warnings():
        warnings.simplefilter('ignore')
        with fitdecode.FitReader(path, check_crc=fitdecode.CrcCheck.WARN,
                                 error_handling=fitdecode.ErrorHandling.WARN) as r:
            for f in r:
                if isinstance(f, fitdecode.FitDataMessage) and which == 'fitdecode-keep':
                    kept.append({fd.name: fd.value for fd in f.fields})
else:
    from runform.services import import_paths
    from runform.store.db import Store
    tmp = tempfile.mkdtemp()
    store = Store(Path(tmp) / 'm.duckdb')
    store.athlete_id('m', create=True)
    base = rss('VmRSS')
    import_paths(store, [path], athlete='m', workers=1)
    store.close()
print(rss('VmHWM') - base, base)
"""


def peak_memory(which: str, path: Path) -> tuple[float, float]:
    """(peak MB over the post-import baseline, baseline MB) of one decode/import in a new process."""
    import subprocess

    out = subprocess.run(
        [sys.executable, "-c", _MEMORY_SCRIPT, which, str(path)],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split()
    return float(out[0]), float(out[1])


if __name__ == "__main__":
    raise SystemExit(main())
