"""Benchmark the candidate FIT decoders for runform's import path: speed and correctness.

Usage::

    .venv/bin/python benchmarks/fit_decoders.py [--corpus DIR] [--repeat N] [--json OUT]

For every ``*.fit``/``*.FIT`` file under the corpus (default: ``../shared/corpus`` next to the
repository) each decoder variant below decodes the whole file from memory, turns every ``record``
message into a ``dict`` (what an importer has to do anyway) and summarises what it got: status and
exception, record/lap/session counts, chained-file count, compressed-timestamp records, developer
fields (name + units), per-session ``sport``/``total_distance``/``total_timer_time``/``avg_cadence``
and the first/last record timestamp. Wall time is the best of ``--repeat`` runs
(``time.perf_counter``); peak memory is measured on the largest file in a fresh subprocess
(``tracemalloc`` peak, and peak-RSS growth over the post-import baseline).

Variants:

* ``fitdecode-strict``  ``FitReader(check_crc=CrcCheck.RAISE, error_handling=ErrorHandling.RAISE)``
* ``fitdecode-default`` ``FitReader()`` (= ``CrcCheck.WARN``, ``ErrorHandling.WARN``)
* ``fitdecode-lenient`` ``FitReader(check_crc=CrcCheck.DISABLED, error_handling=IGNORE)``
* ``fitparse``          ``FitFile(check_crc=False)``
* ``sdk-default``       ``garmin_fit_sdk.Decoder(Stream).read()`` (all conversions, CRC checked)
* ``sdk-lenient``       ``Decoder.read(enable_crc_check=False)`` (all value conversions kept on)

Every variant keeps whatever it decoded before an exception (salvage), so record counts of failing
files show how much each one recovers. garmin-fit-sdk is under Garmin's FIT Protocol License: it
is measured for information / as a test oracle only and is skipped when not installed.
"""

from __future__ import annotations

import argparse
import importlib
import io
import json
import os
import platform
import resource
import subprocess
import sys
import time
import tracemalloc
import warnings
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path
from typing import Any

import fitdecode
import fitparse
import fitparse.records
from _machine import cpu_name


def _optional(module: str) -> Any:
    try:
        return importlib.import_module(module)
    except ImportError:
        return None


# Optional oracle, never a runtime dependency of runform (FIT Protocol License).
garmin_fit_sdk: Any = _optional("garmin_fit_sdk")

FIT_EPOCH_S = 631065600  # 1989-12-31T00:00:00Z as a unix timestamp
DEFAULT_CORPUS = Path(__file__).resolve().parents[2] / "shared" / "corpus"
LENIENT = ("fitdecode-lenient", "fitparse", "sdk-lenient")  # compared for disagreements

Session = tuple[str | None, float | None, float | None, float | None]


@dataclass
class Summary:
    """What one decoder got out of one file (partial data is kept on error)."""

    ok: bool = True
    error: str | None = None
    n_record: int = 0
    n_lap: int = 0
    n_session: int = 0
    n_fit_files: int | None = None  # FIT headers seen (chained files); None = not exposed
    n_compressed_ts: int | None = None  # records with a compressed-timestamp header
    n_warnings: int = 0
    dev_fields: list[str] = field(default_factory=list)  # "mesg.Name [units]"
    sessions: list[Session] = field(default_factory=list)
    first_ts: float | None = None
    last_ts: float | None = None
    seconds: float = 0.0

    def fail(self, exc: BaseException) -> None:
        self.ok = False
        self.error = f"{type(exc).__name__}: {exc}"[:160]


def _unix(value: Any) -> float | None:
    """Record timestamps as unix seconds; ints below 0x10000000 are device-relative FIT times."""
    if isinstance(value, datetime):
        stamp: datetime = value if value.tzinfo else value.replace(tzinfo=UTC)
        return stamp.timestamp()
    if isinstance(value, int | float):
        return float(value) + FIT_EPOCH_S
    return None


def _num(value: Any) -> float | None:
    return round(float(value), 3) if isinstance(value, int | float) else None


def _session(values: dict[Any, Any]) -> Session:
    cadence = values.get("avg_cadence")
    if cadence is None:
        cadence = values.get("avg_running_cadence")
    sport = values.get("sport")
    return (
        None if sport is None else str(sport),
        _num(values.get("total_distance")),
        _num(values.get("total_timer_time")),
        _num(cadence),
    )


def _finish(out: Summary, rows: list[dict[Any, Any]], dev: set[str]) -> Summary:
    out.n_record = len(rows)
    out.dev_fields = sorted(dev)
    stamps = [t for t in (_unix(r.get("timestamp")) for r in rows) if t is not None]
    if stamps:
        out.first_ts, out.last_ts = stamps[0], stamps[-1]
    return out


def _fitdecode(data: bytes, check_crc: Any, error_handling: Any) -> Summary:
    out = Summary(n_fit_files=0, n_compressed_ts=0)
    rows: list[dict[Any, Any]] = []
    dev: set[str] = set()
    n_files = n_comp = 0
    try:
        with fitdecode.FitReader(
            io.BytesIO(data), check_crc=check_crc, error_handling=error_handling
        ) as reader:
            for frame in reader:
                kind = frame.frame_type
                if kind == fitdecode.FIT_FRAME_DATA:
                    name = frame.name
                    if name == "record":
                        rows.append({f.name: f.value for f in frame.fields})
                        if frame.time_offset is not None:
                            n_comp += 1
                    elif name == "lap":
                        out.n_lap += 1
                    elif name == "session":
                        out.n_session += 1
                        out.sessions.append(_session({f.name: f.value for f in frame.fields}))
                elif kind == fitdecode.FIT_FRAME_DEFINITION:
                    for fdef in frame.dev_field_defs:
                        units = fdef.field.units if fdef.field else None
                        dev.add(f"{frame.name}.{fdef.name} [{units}]")
                elif kind == fitdecode.FIT_FRAME_HEADER:
                    n_files += 1
    except Exception as exc:  # salvage: keep what was decoded so far
        out.fail(exc)
    out.n_fit_files, out.n_compressed_ts = n_files, n_comp
    return _finish(out, rows, dev)


def _fitparse(data: bytes) -> Summary:
    # fitparse keeps developer types in a module-global dict that is never reset between files;
    # clear it so that results do not depend on which file was decoded before.
    fitparse.records.DEV_TYPES.clear()
    out = Summary(n_compressed_ts=0)
    rows: list[dict[Any, Any]] = []
    dev: set[str] = set()
    n_comp = 0
    try:
        fit = fitparse.FitFile(io.BytesIO(data), check_crc=False)
        for msg in fit.get_messages(with_definitions=True):
            if msg.type == "definition":
                for fdef in msg.dev_field_defs:
                    dev.add(f"{msg.name}.{fdef.field.name} [{fdef.field.units}]")
                continue
            name = msg.name
            if name == "record":
                rows.append(msg.get_values())
                if msg.header.time_offset is not None:
                    n_comp += 1
            elif name == "lap":
                out.n_lap += 1
            elif name == "session":
                out.n_session += 1
                out.sessions.append(_session(msg.get_values()))
    except Exception as exc:
        out.fail(exc)
    out.n_compressed_ts = n_comp
    return _finish(out, rows, dev)


def _sdk(data: bytes, **options: Any) -> Summary:
    assert garmin_fit_sdk is not None
    out = Summary()
    try:
        decoder = garmin_fit_sdk.Decoder(garmin_fit_sdk.Stream.from_byte_array(bytearray(data)))
        messages, errors = decoder.read(**options)
    except Exception as exc:
        out.fail(exc)
        return out
    if errors:
        out.fail(errors[0])
    rows: list[dict[Any, Any]] = list(messages.get("record_mesgs", []))
    out.n_lap = len(messages.get("lap_mesgs", []))
    sessions = messages.get("session_mesgs", [])
    out.n_session = len(sessions)
    out.sessions = [_session(s) for s in sessions]
    dev = {
        f"{d.get('field_name')} [{d.get('units')}]"  # SDK does not say which message uses it
        for d in messages.get("field_description_mesgs", [])
    }
    return _finish(out, rows, dev)


def _variants() -> dict[str, Callable[[bytes], Summary]]:
    crc, eh = fitdecode.CrcCheck, fitdecode.ErrorHandling
    found: dict[str, Callable[[bytes], Summary]] = {
        "fitdecode-strict": lambda d: _fitdecode(d, crc.RAISE, eh.RAISE),
        "fitdecode-default": lambda d: _fitdecode(d, crc.WARN, eh.WARN),
        "fitdecode-lenient": lambda d: _fitdecode(d, crc.DISABLED, eh.IGNORE),
        "fitparse": _fitparse,
    }
    if garmin_fit_sdk is not None:
        found["sdk-default"] = lambda d: _sdk(d)
        found["sdk-lenient"] = lambda d: _sdk(d, enable_crc_check=False)
    return found


def _run(fn: Callable[[bytes], Summary], data: bytes, repeat: int) -> Summary:
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        summary = fn(data)
    summary.n_warnings = len(caught)
    best = float("inf")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for _ in range(repeat):
            start = time.perf_counter()
            fn(data)
            best = min(best, time.perf_counter() - start)
    summary.seconds = best
    return summary


def _peak_rss_mb() -> float:
    """Peak RSS of this process. VmHWM is reset by exec; ru_maxrss inherits the parent's peak."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux


def _memprobe(variant: str, path: Path) -> None:
    """Child-process mode: print the peak memory of one decode as JSON."""
    fn = _variants()[variant]
    data = path.read_bytes()
    base = _peak_rss_mb()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        fn(data)
        rss = _peak_rss_mb()
        tracemalloc.start()
        fn(data)
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
    print(json.dumps({"rss_growth_mb": rss - base, "tracemalloc_peak_mb": peak / 2**20}))


def _memory(variant: str, path: Path) -> dict[str, float]:
    cmd = [sys.executable, str(Path(__file__).resolve()), "--memprobe", variant, str(path)]
    done = subprocess.run(cmd, capture_output=True, text=True, check=True)
    result: dict[str, float] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def _same(values: Iterable[Any]) -> bool:
    items = list(values)
    return all(v == items[0] for v in items[1:])


def _disagreements(results: dict[str, dict[str, Summary]]) -> list[str]:
    lines: list[str] = []
    for rel, per in results.items():
        group = {v: s for v, s in per.items() if v in LENIENT}
        for key in ("n_record", "first_ts", "last_ts", "sessions"):
            got = {v: getattr(s, key) for v, s in group.items()}
            if not _same(got.values()):
                shown = ", ".join(f"{v}={_fmt(x)}" for v, x in got.items())
                lines.append(f"{rel}: {key}: {shown}")
    return lines


def _fmt(value: Any) -> str:
    if isinstance(value, float) and value > 1e8:
        return datetime.fromtimestamp(value, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    if isinstance(value, list):
        return "[" + "; ".join(",".join(str(x) for x in s) for s in value) + "]"
    return str(value)


def _package_info() -> list[str]:
    lines = []
    for dist in ("fitdecode", "fitparse", "garmin-fit-sdk"):
        try:
            meta = metadata.metadata(dist)
        except metadata.PackageNotFoundError:
            lines.append(f"{dist}: not installed")
            continue
        info = meta.json
        licence = str(info.get("license_expression") or info.get("license", "?")).splitlines()[0]
        urls = info.get("project_url") or ["?"]
        home = info.get("home_page") or str(urls[0]).split(", ")[-1]
        lines.append(f"{dist} {info['version']}: licence {licence}; {home}")
    return lines


def _machine() -> str:
    return f"{cpu_name()}; nproc={os.cpu_count()}; Python {platform.python_version()}"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS)
    parser.add_argument("--repeat", type=int, default=3, help="timed runs per file (best kept)")
    parser.add_argument("--json", type=Path, help="write per-file results here")
    parser.add_argument("--memprobe", nargs=2, metavar=("VARIANT", "FILE"), help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.memprobe:
        _memprobe(args.memprobe[0], Path(args.memprobe[1]))
        return 0

    corpus: Path = args.corpus
    files = sorted(p for p in corpus.rglob("*") if p.is_file() and p.suffix.lower() == ".fit")
    if not files:
        print(f"no .fit files under {corpus}", file=sys.stderr)
        return 2
    variants = _variants()
    results: dict[str, dict[str, Summary]] = {}
    sizes: dict[str, int] = {}
    for path in files:
        rel = path.relative_to(corpus).as_posix()
        data = path.read_bytes()
        sizes[rel] = len(data)
        results[rel] = {name: _run(fn, data, args.repeat) for name, fn in variants.items()}

    print(f"machine: {_machine()}")
    print(
        f"corpus: {corpus} ({len(files)} files, {sum(sizes.values()) / 1e6:.2f} MB); "
        f"best of {args.repeat}"
    )
    for line in _package_info():
        print(line)

    all_ok = [rel for rel, per in results.items() if all(s.ok for s in per.values())]
    ok_bytes = sum(sizes[rel] for rel in all_ok)
    print(
        f"\nthroughput over the {len(all_ok)} files every variant decodes without error "
        f"({ok_bytes / 1e6:.2f} MB):"
    )
    header = (
        f"{'variant':18} {'files ok':>9} {'records':>9} {'recs/s':>9} {'MB/s':>6} "
        f"{'all s':>7} {'salvaged':>9} {'best-of':>8}"
    )
    print(header)
    max_rec = {rel: max(s.n_record for s in per.values()) for rel, per in results.items()}
    for name in variants:
        n_ok = sum(results[rel][name].ok for rel in results)
        recs = sum(results[rel][name].n_record for rel in all_ok)
        secs = sum(results[rel][name].seconds for rel in all_ok)
        all_secs = sum(results[rel][name].seconds for rel in results)
        salvaged = sum(results[rel][name].n_record for rel in results)
        at_max = sum(results[rel][name].n_record == max_rec[rel] for rel in results)
        print(
            f"{name:18} {n_ok:>4}/{len(files):<4} {recs:>9} {recs / secs:>9.0f} "
            f"{ok_bytes / 1e6 / secs:>6.2f} {all_secs:>7.2f} {salvaged:>9} "
            f"{at_max:>4}/{len(files)}"
        )
    print(
        "(records/MB/s over the all-ok files; 'all s' = summed best time over every file; "
        "'salvaged' = records kept over every file incl. failing ones; 'best-of' = files where "
        "the variant got the most records)"
    )

    largest = max(sizes, key=lambda rel: sizes[rel])
    print(
        f"\npeak memory decoding the largest file {largest} ({sizes[largest] / 1e6:.2f} MB, "
        f"{max_rec[largest]} records kept as dicts):"
    )
    for name in variants:
        mem = _memory(name, corpus / largest)
        print(
            f"{name:18} tracemalloc peak {mem['tracemalloc_peak_mb']:7.1f} MB; "
            f"peak RSS growth {mem['rss_growth_mb']:7.1f} MB"
        )

    print("\nfiles with an error (variant: exception; records kept):")
    for rel, per in results.items():
        bad = {v: s for v, s in per.items() if not s.ok}
        if bad:
            print(f"  {rel}")
            for v, s in bad.items():
                print(f"    {v:18} {s.error}; records={s.n_record}")

    print("\nchained / compressed-timestamp / developer-field files (fitdecode-lenient view):")
    for rel, per in results.items():
        s = per["fitdecode-lenient"]
        notes = []
        if s.n_fit_files and s.n_fit_files > 1:
            notes.append(f"{s.n_fit_files} FIT headers")
        if s.n_compressed_ts:
            notes.append(f"{s.n_compressed_ts} compressed-ts records")
        if s.n_session > 1:
            notes.append(f"{s.n_session} sessions")
        if s.dev_fields:
            notes.append("dev: " + ", ".join(s.dev_fields))
        if notes:
            print(f"  {rel}: " + "; ".join(notes))

    dis = _disagreements(results)
    print(
        f"\ndisagreements between {', '.join(v for v in LENIENT if v in variants)} "
        f"(record count, first/last record timestamp, sessions = "
        f"sport,total_distance,total_timer_time,avg_cadence): {len(dis)}"
    )
    for line in dis:
        print("  " + line)

    if args.json:
        payload = {rel: {v: asdict(s) for v, s in per.items()} for rel, per in results.items()}
        args.json.write_text(json.dumps({"sizes": sizes, "results": payload}, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
