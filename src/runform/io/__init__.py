"""Readers: watch files in, canonical activities out (no metrics computed here)."""

from __future__ import annotations

from pathlib import Path

from runform.errors import InputFileError, UnsupportedFileError
from runform.schema import Activity


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
    """Read every session of one FIT, TCX or GPX file (``.gz`` allowed), in time order.

    The file goes through the same safety checks as ``runform import`` (size and
    decompression-ratio caps, format sniffing by content).
    """
    from runform.io.sources import iter_members

    acts: list[Activity] = []
    found = False
    for member in iter_members([path]):
        found = True
        if member.error is not None or member.data is None or member.kind is None:
            raise InputFileError(member.label, member.error or "unreadable")
        acts.extend(read_bytes(member.data, member.kind, member.label))
    if not found:
        raise UnsupportedFileError(str(path), "not a FIT, TCX or GPX file")
    return acts


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
