"""Readers: watch files in, canonical activities out (no metrics computed here)."""

from __future__ import annotations

from io import BytesIO
from pathlib import Path

from runform.errors import InputFileError, UnsupportedFileError
from runform.schema import Activity

READ_LIMIT_BYTES = 512 * 1024 * 1024
"""Largest single activity file read [bytes] (512 MiB; real FIT/TCX/GPX files are < 100 MiB)."""


def sniff_kind(data: bytes, name: str) -> str | None:
    """The format of ``data``: ``fit``, ``tcx`` or ``gpx`` (by extension, then content)."""
    lower = name.lower()
    if lower.endswith(".gz"):
        lower = lower[:-3]
    for kind in ("fit", "tcx", "gpx"):
        if lower.endswith("." + kind):
            return kind
    if len(data) >= 12 and data[8:12] == b".FIT":
        return "fit"
    head = data[:2048].lstrip(b"\xef\xbb\xbf \t\r\n")
    if head.startswith(b"<"):
        if b"<TrainingCenterDatabase" in head:
            return "tcx"
        if b"<gpx" in head:
            return "gpx"
    return None


def read_bytes(data: bytes, kind: str, label: str) -> list[Activity]:
    """Read one file's content of a known ``kind`` into activities (one per session)."""
    if kind == "fit":
        from runform.io.fit import read_fit

        return read_fit(data, label)
    if kind == "tcx":
        from runform.io.tcx import read_tcx

        return read_tcx(data, label)
    if kind == "gpx":
        from runform.io.gpx import read_gpx

        return read_gpx(data, label)
    raise UnsupportedFileError(
        label, f"unknown file kind {kind!r} (runform reads FIT, TCX and GPX)"
    )


def read_all(path: str | Path) -> list[Activity]:
    """Read every session of a FIT, TCX or GPX file (``.gz`` allowed)."""
    p = Path(path)
    try:
        size = p.stat().st_size
        if size > READ_LIMIT_BYTES:
            raise InputFileError(str(p), f"file is {size / 2**20:.0f} MiB, over the 512 MiB limit")
        data = p.read_bytes()
    except OSError as exc:
        raise InputFileError(str(p), f"cannot read: {exc.strerror or exc}") from exc
    if p.name.lower().endswith(".gz"):
        import gzip
        import zlib

        try:
            with gzip.GzipFile(fileobj=BytesIO(data)) as gz:
                data = gz.read(READ_LIMIT_BYTES + 1)
        except (OSError, EOFError, zlib.error) as exc:
            raise InputFileError(str(p), f"corrupt gzip data: {exc}") from exc
        if len(data) > READ_LIMIT_BYTES:
            raise InputFileError(str(p), "decompresses to more than 512 MiB (gzip bomb?)")
    kind = sniff_kind(data, p.name)
    if kind is None:
        raise UnsupportedFileError(str(p), "not a FIT, TCX or GPX file")
    return read_bytes(data, kind, str(p))


def read(path: str | Path, session: int | None = None) -> Activity:
    """Read one activity from a file; its streams are a pandas DataFrame in SI units.

    Parameters
    ----------
    path : str or Path
        A FIT, TCX or GPX file (optionally ``.gz``).
    session : int, optional
        Which session of a multisport file. By default the only session, or, in a
        multisport file, the first running session (else the first session).

    Examples
    --------
    >>> import runform
    >>> run = runform.read("morning_run.fit")            # doctest: +SKIP
    >>> run.streams[["time", "speed", "cadence"]].head()  # doctest: +SKIP
    """
    acts = read_all(path)
    if session is not None:
        if not 0 <= session < len(acts):
            raise InputFileError(
                str(path), f"has {len(acts)} sessions; session {session} does not exist"
            )
        return acts[session]
    running = [a for a in acts if a.is_running]
    return running[0] if running else acts[0]
