"""Import a synthetic multi-year export (about 3,000 FIT files) end to end.

Writes enough 16-week synthetic blocks (different seeds, so no file repeats) to
reach ``--files`` FIT files, packs them into one zip as a bulk export would be,
then times ``runform import`` of that zip into a fresh store. The peer measured in
the same run is bare fitdecode decoding of a sample of the same files, scaled to
all of them.

Usage::

    .venv/bin/python benchmarks/import_export.py [--files 3000] [--peer-sample 60]
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
import warnings
import zipfile
from datetime import date, timedelta
from pathlib import Path

import fitdecode

from runform.services import import_paths
from runform.store.db import Store
from runform.synth import generate_block


def main(argv: list[str] | None = None) -> int:
    """Generate, zip, import; print the times."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--files", type=int, default=3000)
    ap.add_argument("--peer-sample", type=int, default=60)
    args = ap.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        fits: list[Path] = []
        t0 = time.perf_counter()
        seed = 0
        while len(fits) < args.files:
            seed += 1
            start = date(2026, 6, 29) - timedelta(weeks=16 * seed)
            block = generate_block(root / f"b{seed}", weeks=16, seed=seed, start=start)
            fits += [Path(p) for p in block.fit_files]
        fits = fits[: args.files]
        gen_s = time.perf_counter() - t0
        export = root / "export.zip"
        with zipfile.ZipFile(export, "w", zipfile.ZIP_DEFLATED) as zf:
            for p in fits:
                zf.write(p, f"activities/{p.parent.name}-{p.name}")
        size_mb = export.stat().st_size / 1e6
        t0 = time.perf_counter()
        with Store(root / "store.duckdb") as store:
            report = import_paths(store, [export], athlete="bench")
            samples = store.counts()["samples"]
        import_s = time.perf_counter() - t0
        sample = fits[:: max(1, len(fits) // args.peer_sample)][: args.peer_sample]
        t0 = time.perf_counter()
        peer_records = 0
        for p in sample:
            with warnings.catch_warnings(), fitdecode.FitReader(str(p)) as reader:
                warnings.simplefilter("ignore")
                for frame in reader:
                    if isinstance(frame, fitdecode.FitDataMessage) and frame.name == "record":
                        peer_records += 1
        peer_rate = peer_records / (time.perf_counter() - t0)
    print(f"machine: {os.cpu_count()} cores")
    print(
        f"export: {len(fits)} FIT files, {samples:,} samples, zip {size_mb:.0f} MB "
        f"(generated in {gen_s:.0f} s)"
    )
    print(
        f"runform import of the zip: {import_s:.1f} s, {samples / import_s:,.0f} samples/s, "
        f"{report.imported} imported, {len(report.failed)} failed"
    )
    print(
        f"peer, bare fitdecode (sample of {len(sample)} files): {peer_rate:,.0f} records/s; "
        f"would take about {samples / peer_rate:.0f} s for all; ratio {samples / import_s / peer_rate:.1f}x"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
