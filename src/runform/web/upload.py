"""Receive a ``multipart/form-data`` upload onto disk, size-capped.

The body is streamed to a file in a private temporary folder (never held in
memory whole), then split into its parts by boundary (RFC 7578, "Returning
Values from Forms: multipart/form-data"; the delimiter syntax is RFC 2046
section 5.1.1) through a memory map. Part headers are parsed with the standard
library's :mod:`email` parser. Each file part is written to its own
sub-folder under a sanitised copy of the name the browser sent, so the import
can name the file the way the user knows it.

Nothing here unpacks archives or reads activities: the saved files go through
:func:`runform.services.import_paths`, with the same hostile-archive guards
(:mod:`runform.io.sources`) as ``runform import``.
"""

from __future__ import annotations

import mmap
import re
from dataclasses import dataclass
from email.message import Message
from email.parser import Parser
from pathlib import Path
from typing import Protocol

from runform.errors import RunformError

__all__ = ["DEFAULT_MAX_UPLOAD_BYTES", "UploadError", "UploadedFile", "receive_upload"]

_MiB = 1 << 20

DEFAULT_MAX_UPLOAD_BYTES = 2048 * _MiB
"""Largest upload accepted [bytes]. 2 GiB: a heavy user's Garmin full export is a few
hundred MB to about 2 GB; anything bigger is better imported with ``runform import``."""

_CHUNK = 1 << 20
"""Bytes read from the socket or copied per step [bytes]."""

_MAX_DRAIN_BYTES = 16 * _MiB
"""A refused body up to this size is read and discarded so the browser gets the answer
instead of a reset connection [bytes]."""

_MAX_HEADER_BYTES = 16 * 1024
"""Largest header block of one part [bytes]."""

_SAFE = re.compile(r"[^A-Za-z0-9._-]+")


class Readable(Protocol):
    """Anything with ``read(n) -> bytes`` (a socket file, a BytesIO)."""

    def read(self, n: int = -1, /) -> bytes: ...


class UploadError(RunformError):
    """An upload the server will not take; ``status`` is the HTTP status to answer with."""

    def __init__(self, message: str, status: int = 400) -> None:
        super().__init__(message)
        self.status = status


@dataclass(frozen=True)
class UploadedFile:
    """One file of an upload, saved to disk.

    Parameters
    ----------
    filename : str
        The name the browser sent (untrusted; only ever shown escaped) [-].
    path : Path
        Where its bytes were written [-].
    size : int
        Its size [bytes].
    """

    filename: str
    path: Path
    size: int


def safe_name(filename: str) -> str:
    """A file name safe to create: the last path component, odd characters replaced."""
    base = re.split(r"[\\/]", filename)[-1].strip().lstrip(".")
    base = _SAFE.sub("_", base)[-120:].lstrip(".")
    return base or "upload"


def _fmt(n: int) -> str:
    return f"{n / _MiB:.1f} MB" if n >= _MiB else f"{n / 1024:.0f} kB"


def _boundary(content_type: str | None) -> bytes:
    msg = Message()
    msg["content-type"] = content_type or ""
    if msg.get_content_type() != "multipart/form-data":
        raise UploadError(
            "expected a multipart/form-data upload (a form with a file field)", status=415
        )
    boundary = msg.get_param("boundary")
    if not isinstance(boundary, str) or not 1 <= len(boundary) <= 70:
        raise UploadError("the upload has no valid multipart boundary")
    return boundary.encode("latin-1", "replace")


def drain(stream: Readable, length: int) -> None:
    """Read and drop a refused body when it is small enough to be worth it."""
    if length > _MAX_DRAIN_BYTES:
        return
    left = length
    while left > 0:
        got = stream.read(min(_CHUNK, left))
        if not got:
            return
        left -= len(got)


def receive_upload(
    stream: Readable,
    content_length: int | None,
    content_type: str | None,
    folder: Path,
    *,
    max_bytes: int = DEFAULT_MAX_UPLOAD_BYTES,
) -> list[UploadedFile]:
    """Stream a multipart body to ``folder`` and save its file parts.

    Parameters
    ----------
    stream : binary file
        The request body [-].
    content_length : int or None
        The ``Content-Length`` header [bytes]; required.
    content_type : str or None
        The ``Content-Type`` header, with the boundary [-].
    folder : Path
        An empty private folder for this upload [-].
    max_bytes : int
        Largest body accepted [bytes].

    Returns
    -------
    list of UploadedFile
        The file parts that carried a file name, in form order [-].

    Raises
    ------
    UploadError
        Too large (413), no length (411), not multipart (415), truncated or
        malformed (400), or no file in it (400).
    """
    if content_length is None:
        raise UploadError("the upload has no Content-Length", status=411)
    if content_length > max_bytes:
        drain(stream, content_length)
        raise UploadError(
            f"the upload is {_fmt(content_length)}, over the {_fmt(max_bytes)} limit of the "
            "dashboard; import it with `runform import FILE` instead",
            status=413,
        )
    try:
        boundary = _boundary(content_type)
    except UploadError:
        drain(stream, content_length)
        raise
    body = folder / "body.part"
    left = content_length
    with body.open("wb") as out:
        while left > 0:
            got = stream.read(min(_CHUNK, left))
            if not got:
                break
            out.write(got)
            left -= len(got)
    try:
        if left > 0:
            raise UploadError(
                f"the upload was cut off after {_fmt(content_length - left)} of "
                f"{_fmt(content_length)}; try again"
            )
        files = _split(body, boundary, folder)
    finally:
        body.unlink(missing_ok=True)
    if not files:
        raise UploadError("the upload holds no file: choose a FIT, TCX, GPX or .zip file")
    return files


def _split(body: Path, boundary: bytes, folder: Path) -> list[UploadedFile]:
    """Split a saved multipart body into files under ``folder``."""
    size = body.stat().st_size
    if size == 0:
        return []
    delim = b"--" + boundary
    out: list[UploadedFile] = []
    with body.open("rb") as fh, mmap.mmap(fh.fileno(), 0, access=mmap.ACCESS_READ) as mm:
        pos = mm.find(delim)
        if pos < 0:
            raise UploadError("the upload is not valid multipart data (no boundary found)")
        while True:
            pos += len(delim)
            if mm[pos : pos + 2] == b"--":
                break  # closing delimiter
            eol = mm.find(b"\r\n", pos)
            if eol < 0:
                raise UploadError("the upload is not valid multipart data (truncated part)")
            head_end = mm.find(b"\r\n\r\n", eol)
            if head_end < 0 or head_end - eol > _MAX_HEADER_BYTES:
                raise UploadError("the upload is not valid multipart data (bad part headers)")
            headers = Parser().parsestr(
                mm[eol + 2 : head_end + 2].decode("utf-8", "replace"), headersonly=True
            )
            start = head_end + 4
            end = mm.find(b"\r\n" + delim, start)
            if end < 0:
                raise UploadError("the upload is not valid multipart data (no closing boundary)")
            filename = headers.get_filename()
            if filename:
                sub = folder / str(len(out))
                sub.mkdir()
                target = sub / safe_name(filename)
                with target.open("wb") as dst:
                    for a in range(start, end, _CHUNK):
                        dst.write(mm[a : min(a + _CHUNK, end)])
                out.append(UploadedFile(filename, target, end - start))
            pos = end + 2
    return out
