"""Turn the paths named on ``runform import PATH...`` into a stream of input members.

A *member* is one activity file, however it was delivered: a file on disk, a
file inside a folder (searched recursively), a ``.zip`` archive member
(archives nested inside archives included, as in Garmin's full data export,
where the FIT files sit in ``DI_CONNECT/DI-Connect-Uploaded-Files/
UploadedFiles_0-_Part1.zip``), a gzip-compressed member (``.fit.gz``,
``.gpx.gz``, ``.tcx.gz``, as in Strava's bulk export), or any of these joined
with the activity name and type listed in Strava's ``activities.csv``.

:func:`iter_members` yields members one at a time and never raises for one bad
member: an unreadable path, a corrupt archive, an unsafe member name or a
suspected decompression bomb becomes a :class:`Member` whose ``error`` says what
is wrong, and the batch goes on. Nothing is ever extracted to disk (a nested
archive too large for memory is spooled to an anonymous temporary file).
Files that are not activities (``.json``, images, ``.DS_Store``...) are counted
in :class:`ScanStats` and skipped. Reading the activities themselves is the job
of the format readers; this module only finds and unpacks them.

Order is deterministic: the paths in the order given, folder entries sorted by
name (code-point order), archive members in archive order.
"""

from __future__ import annotations

import csv
import errno
import io
import os
import re
import stat
import struct
import tempfile
import zipfile
import zlib
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import IO, TYPE_CHECKING, Literal, cast

from runform.errors import InputFileError

if TYPE_CHECKING:
    from _typeshed import WriteableBuffer

__all__ = [
    "DEFAULT_LIMITS",
    "Kind",
    "Member",
    "ScanLimits",
    "ScanStats",
    "count_candidates",
    "iter_members",
    "sniff_kind",
]

Kind = Literal["fit", "tcx", "gpx"]
"""The activity formats runform reads."""

PathArg = str | os.PathLike[str]

_MiB = 1 << 20
_GiB = 1 << 30

_HEAD_BYTES = 4096
"""Bytes read from an unknown file to recognise its format [bytes]."""

_READ_CHUNK = 1 << 20
"""Decompressed bytes produced per step of a bounded read [bytes]."""

_GZIP_INPUT_CHUNK = 1 << 16
"""Compressed bytes fed to the gzip decompressor per step [bytes]; small so that
the running compression ratio is measured on what was really consumed."""

_GZIP_SNIFF_BYTES = 1 << 16
"""Compressed bytes read to look inside a gzip file of unknown content [bytes]."""

_MAX_SKIPPED_EXAMPLES = 5
"""How many skipped labels :class:`ScanStats` keeps to show the user."""

_GZIP_MAGIC = b"\x1f\x8b"
_ZIP_MAGIC = b"PK\x03\x04"
_INDEX_NAME = "activities.csv"
_ACTIVITY_EXTENSIONS: dict[str, Kind] = {".fit": "fit", ".tcx": "tcx", ".gpx": "gpx"}


@dataclass(frozen=True)
class ScanLimits:
    """Safety limits for unpacking untrusted archives.

    Parameters
    ----------
    max_member_bytes : int
        Largest activity file accepted, after decompression [bytes]. Default
        512 MiB: the largest files in the shared corpus are 2.4 MB (FIT) and
        3.3 MB (TCX), and a 24 h run recorded at 1 Hz is about 30 MB even as
        GPX, so real files are far below it.
    max_ratio : float
        Largest decompressed/compressed size ratio accepted for a member above
        ``ratio_min_bytes`` [1]. Default 200: with zlib level 6 the corpus
        compresses at most 11.9:1 (FIT), 20.1:1 (GPX) and 34.1:1 (TCX), while
        DEFLATE reaches about 1030:1 on repeated bytes, the stuff of zip bombs.
    ratio_min_bytes : int
        Members that expand to at most this many bytes are never refused for
        their ratio [bytes]. Default 1 MiB (a tiny GPX may compress 50:1
        harmlessly).
    max_zip_depth : int
        Deepest archive nesting opened, the outermost archive being depth 1 [1].
        Default 3: Garmin's export needs 2 (export zip > UploadedFiles zip).
    max_nested_zip_bytes : int
        Largest compressed archive inside an archive that is unpacked to be
        opened [bytes]. Default 4 GiB: one Garmin ``UploadedFiles`` part of a
        heavy user reaches a few hundred MB. Archives stored uncompressed inside
        an archive are read in place and not bound by this.
    nested_in_memory_bytes : int
        A nested archive larger than this is spooled to an anonymous temporary
        file rather than kept in memory [bytes]. Default 64 MiB.
    archive_budget_min_bytes : int
        Every archive named by the user may expand in total (members, nested
        archives, index) to ``max(archive_budget_min_bytes, max_ratio *
        archive size)`` [bytes]; past that the rest of it is refused. Default
        1 GiB. This bounds bombs made of many small members.
    max_index_bytes : int
        Largest Strava ``activities.csv`` read [bytes]. Default 64 MiB (about
        1 kB per activity).
    """

    max_member_bytes: int = 512 * _MiB
    max_ratio: float = 200.0
    ratio_min_bytes: int = 1 * _MiB
    max_zip_depth: int = 3
    max_nested_zip_bytes: int = 4 * _GiB
    nested_in_memory_bytes: int = 64 * _MiB
    archive_budget_min_bytes: int = 1 * _GiB
    max_index_bytes: int = 64 * _MiB


DEFAULT_LIMITS = ScanLimits()
"""The limits :func:`iter_members` uses unless told otherwise."""


@dataclass(frozen=True)
class Member:
    """One activity file found among the paths to import.

    Parameters
    ----------
    label : str
        What the user sees: the file path as named, or ``archive!member`` for
        archive members (``export.zip!activities/1.fit.gz``; nested archives
        chain: ``a.zip!b.zip!c.fit``).
    kind : {'fit', 'tcx', 'gpx'} or None
        Format after removing any gzip layer, from the content when it is
        recognisable, otherwise from the file extension. ``None`` only for
        error members whose format could not be told (a missing path, a
        corrupt archive).
    data : bytes or None
        Decompressed content; ``None`` when ``error`` is set.
    error : str or None
        One line: what is wrong and, where possible, what to do; ``None`` when
        the member was read.
    name : str or None
        Activity name from Strava's ``activities.csv``, when listed there.
    sport_hint : str or None
        Activity type from Strava's ``activities.csv`` as written there
        (``Run``, ``Ride``...), when listed there.
    size : int
        ``len(data)``, 0 for error members [bytes].
    """

    label: str
    kind: Kind | None
    data: bytes | None = field(repr=False)
    error: str | None
    name: str | None = None
    sport_hint: str | None = None
    size: int = 0

    @property
    def ok(self) -> bool:
        """True when the member was read (``data`` is set, ``error`` is None)."""
        return self.error is None and self.data is not None

    def data_or_raise(self) -> bytes:
        """Return ``data``, or raise :class:`~runform.errors.InputFileError` for an error member.

        Raises
        ------
        InputFileError
            With ``path=label`` and ``problem=error``.
        """
        if self.data is None or self.error is not None:
            raise InputFileError(self.label, self.error or "could not be read")
        return self.data


@dataclass
class ScanStats:
    """Counts gathered while scanning, updated in place by :func:`iter_members`.

    Parameters
    ----------
    seen : int
        Files and archive members looked at, archives and ``activities.csv``
        included; folders, directory entries and macOS metadata (``__MACOSX/``,
        ``._*`` AppleDouble files) are not counted.
    skipped : int
        Files that are not activities (unknown format), left out silently.
    skipped_examples : list of str
        The labels of the first few skipped files, to show the user.
    yielded : int
        Members yielded, error members included.
    errors : int
        Members yielded with an ``error``.
    warnings : list of str
        Problems that cost no activity (an unreadable ``activities.csv``: the
        activities come without names).
    """

    seen: int = 0
    skipped: int = 0
    skipped_examples: list[str] = field(default_factory=list)
    yielded: int = 0
    errors: int = 0
    warnings: list[str] = field(default_factory=list)


# --------------------------------------------------------------------------------------
# Recognising formats
# --------------------------------------------------------------------------------------

_XML_NAME = re.compile(rb"(?:[A-Za-z_][\w.\-]*:)?([A-Za-z_][\w.\-]*)")


def sniff_kind(head: bytes) -> Kind | None:
    """Recognise an activity format from the first bytes of a file.

    Parameters
    ----------
    head : bytes
        The start of the (decompressed) content; 4 KiB is plenty.

    Returns
    -------
    {'fit', 'tcx', 'gpx'} or None
        ``fit`` for a FIT file header (byte 0, the header size, is 12 or 14 and
        bytes 8-11 are ``.FIT``); ``tcx`` or ``gpx`` for XML whose root element
        is ``TrainingCenterDatabase`` or ``gpx`` (namespace prefix, XML
        declaration, comments, DOCTYPE and a UTF-8 or UTF-16 byte-order mark
        allowed); ``None`` otherwise.

    Notes
    -----
    The FIT header layout is from the FIT protocol, "File Header" (Garmin FIT
    SDK); the root element names from the TCX v2 and GPX 1.0/1.1 schemas.
    """
    if len(head) >= 12 and head[0] in (12, 14) and head[8:12] == b".FIT":
        return "fit"
    root = _xml_root_name(head)
    if root is None:
        return None
    root = root.lower()
    if root == "trainingcenterdatabase":
        return "tcx"
    if root == "gpx":
        return "gpx"
    return None


def _xml_root_name(head: bytes) -> str | None:
    """Local name of the root element of an XML prefix, or None if it is not XML."""
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):
        even = head[: len(head) // 2 * 2]
        head = even.decode("utf-16", errors="replace").encode("utf-8", errors="replace")
    head = head.removeprefix(b"\xef\xbb\xbf")
    i, n = 0, len(head)
    while True:
        while i < n and head[i] in b" \t\r\n":
            i += 1
        if not head.startswith(b"<", i):
            return None
        if head.startswith(b"<?", i):
            end, skip = head.find(b"?>", i), 2
        elif head.startswith(b"<!--", i):
            end, skip = head.find(b"-->", i), 3
        elif head.startswith(b"<!", i):
            end, skip = head.find(b">", i), 1
        else:
            match = _XML_NAME.match(head, i + 1)
            return match.group(1).decode("ascii", errors="replace") if match else None
        if end < 0:
            return None
        i = end + skip


@dataclass(frozen=True)
class _NameClass:
    """What a file name says about a file."""

    role: Literal["activity", "zip", "gz", "index", "unknown"]
    kind: Kind | None = None
    gz: bool = False
    has_ext: bool = True


def _classify_name(name: str) -> _NameClass:
    """Classify a file or member by its base name (case-insensitive extensions)."""
    base = name.rsplit("/", 1)[-1].lower()
    if base == _INDEX_NAME:
        return _NameClass("index")
    gz = base.endswith(".gz")
    stem = base[:-3] if gz else base
    ext = os.path.splitext(stem)[1]
    kind = _ACTIVITY_EXTENSIONS.get(ext)
    if kind is not None:
        return _NameClass("activity", kind, gz)
    if ext == ".zip" and not gz:
        return _NameClass("zip")
    if gz:
        return _NameClass("gz", gz=True)
    return _NameClass("unknown", has_ext=bool(os.path.splitext(base)[1]))


def _is_mac_metadata(name: str) -> bool:
    """True for macOS archive litter: ``__MACOSX/`` entries and ``._*`` AppleDouble files."""
    parts = name.replace("\\", "/").split("/")
    return "__MACOSX" in parts or parts[-1].startswith("._")


_DRIVE = re.compile(r"^[A-Za-z]:")


def _is_unsafe_name(name: str) -> bool:
    """True for archive member names that point outside the archive (zip-slip)."""
    norm = name.replace("\\", "/")
    if norm.startswith("/") or _DRIVE.match(norm) or "\x00" in norm:
        return True
    return ".." in norm.split("/")


def _fmt_bytes(n: float) -> str:
    """Human-readable size in binary units."""
    for unit in ("bytes", "KiB", "MiB", "GiB"):
        if n < 1024 or unit == "GiB":
            return f"{n:.0f} {unit}" if unit == "bytes" else f"{n:.4g} {unit}"
        n /= 1024
    raise AssertionError("unreachable")  # pragma: no cover


def _describe_os_error(path: str, exc: OSError) -> str:
    """One line for an OS error on ``path``, with what to do."""
    if isinstance(exc, PermissionError):
        return "permission denied; check its permissions or run as its owner"
    if exc.errno == errno.ELOOP:
        return "symbolic link loop (too many levels of symbolic links), skipped"
    if isinstance(exc, FileNotFoundError):
        if os.path.islink(path):
            try:
                target = os.readlink(path)
            except OSError:  # pragma: no cover - raced away
                target = "?"
            return f"broken symbolic link to {target!r} (the target does not exist)"
        return "no such file or folder; check the path"
    if isinstance(exc, IsADirectoryError):  # pragma: no cover - defensive
        return "is a folder"
    return f"cannot read: {exc.strerror or exc}"


# --------------------------------------------------------------------------------------
# Bounded reading
# --------------------------------------------------------------------------------------


class _Problem(Exception):
    """A member cannot be read; ``problem`` is the user-facing line."""

    def __init__(self, problem: str) -> None:
        super().__init__(problem)
        self.problem = problem


class _BudgetExceeded(Exception):
    """An archive expanded past its total budget; the rest of it is refused."""

    def __init__(self, problem: str) -> None:
        super().__init__(problem)
        self.problem = problem


class _Budget:
    """Total bytes one archive named by the user may expand to."""

    def __init__(self, limit: int, limits: ScanLimits) -> None:
        self.limit = limit
        self.used = 0
        self._limits = limits

    def consume(self, n: int) -> None:
        self.used += n
        if self.used > self.limit:
            raise _BudgetExceeded(
                f"archive expands to more than {_fmt_bytes(self.limit)} in total "
                f"(over {self._limits.max_ratio:g}:1 its size): possible zip bomb, "
                "the rest of it was skipped; extract it with a trusted tool if it is genuine"
            )


class _Meter:
    """Checks a decompressing read against the size, ratio and budget limits."""

    def __init__(
        self, limits: ScanLimits, max_bytes: int, what: str, budget: _Budget | None
    ) -> None:
        self.limits = limits
        self.max_bytes = max_bytes
        self.what = what
        self.budget = budget
        self.total = 0

    def check_declared(self, size: int, compressed: int) -> None:
        """Refuse early on sizes an archive header declares (never the only check)."""
        self._check(size, compressed)

    def add(self, n: int, compressed: int) -> None:
        """Account ``n`` more output bytes produced from ``compressed`` input bytes so far."""
        self.total += n
        self._check(self.total, compressed)
        if self.budget is not None:
            self.budget.consume(n)

    def _check(self, size: int, compressed: int) -> None:
        lim = self.limits
        if size > self.max_bytes:
            raise _Problem(
                f"expands to more than {_fmt_bytes(self.max_bytes)}, the limit for {self.what}: "
                "possible zip bomb, skipped"
            )
        if size > lim.ratio_min_bytes and size > lim.max_ratio * max(compressed, 1):
            raise _Problem(
                f"compressed more than {lim.max_ratio:g}:1 ({_fmt_bytes(size)} from "
                f"{_fmt_bytes(compressed)}), more than any activity file: possible zip bomb, skipped"
            )


def _copy_bounded(src: IO[bytes], sink: IO[bytes], meter: _Meter, compressed: int) -> None:
    """Copy ``src`` to ``sink`` in chunks, checking ``meter`` after each one."""
    while True:
        chunk = src.read(_READ_CHUNK)
        if not chunk:
            return
        meter.add(len(chunk), compressed)
        sink.write(chunk)


def _gunzip_bounded(src: IO[bytes], meter: _Meter) -> bytes:
    """Decompress gzip data from ``src`` with a streaming, bounded read.

    Concatenated gzip members are joined (RFC 1952, section 2.2); zero padding
    or garbage after a complete, CRC-checked member is ignored, as ``gunzip``
    does. The ratio is measured against the compressed bytes actually consumed,
    never against a size declared in a header.
    """
    out = io.BytesIO()
    dec = zlib.decompressobj(zlib.MAX_WBITS | 16)
    consumed = 0
    buf = b""
    src_done = False
    while True:
        if not buf and not src_done:
            buf = src.read(_GZIP_INPUT_CHUNK)
            consumed += len(buf)
            src_done = not buf
        try:
            # With no input left this drains output the decompressor still holds.
            piece = dec.decompress(buf, _READ_CHUNK)
        except zlib.error as exc:
            raise _Problem(f"corrupt gzip data: {exc}; download the file again") from None
        buf = dec.unconsumed_tail
        meter.add(len(piece), consumed - len(buf))
        out.write(piece)
        if dec.eof:
            rest = dec.unused_data.lstrip(b"\x00")
            while len(rest) < 2 and not src_done:
                more = src.read(_GZIP_INPUT_CHUNK)
                consumed += len(more)
                src_done = not more
                rest = (rest + more).lstrip(b"\x00")
            if not rest.startswith(_GZIP_MAGIC):
                return out.getvalue()
            dec = zlib.decompressobj(zlib.MAX_WBITS | 16)
            buf = rest
        elif src_done and not buf and not piece:
            break
    if consumed == 0:
        raise _Problem("empty file (0 bytes); nothing to import")
    raise _Problem(
        "corrupt gzip data: the file ends before the compressed stream does (truncated); "
        "download it again"
    )


def _gunzip_head(data: bytes, n: int = _HEAD_BYTES) -> bytes:
    """The first ``n`` decompressed bytes of gzip ``data`` (b"" if it is not gzip)."""
    try:
        return zlib.decompressobj(zlib.MAX_WBITS | 16).decompress(data, n)
    except zlib.error:
        return b""


class _Window(io.RawIOBase):
    """A read-only, seekable view of ``length`` bytes of ``base`` from ``start``.

    Used to open an archive stored uncompressed inside another archive in place,
    without copying it. It seeks ``base`` before every read, so it can share
    ``base`` with the outer :class:`zipfile.ZipFile` (which does the same).
    """

    def __init__(self, base: IO[bytes], start: int, length: int) -> None:
        super().__init__()
        self._base = base
        self._start = start
        self._length = length
        self._pos = 0

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def tell(self) -> int:
        return self._pos

    def seek(self, offset: int, whence: int = io.SEEK_SET) -> int:
        if whence == io.SEEK_SET:
            pos = offset
        elif whence == io.SEEK_CUR:
            pos = self._pos + offset
        elif whence == io.SEEK_END:
            pos = self._length + offset
        else:
            raise ValueError(f"invalid whence {whence}")
        if pos < 0:
            raise OSError(errno.EINVAL, "negative seek position")
        self._pos = pos
        return pos

    def readinto(self, buffer: WriteableBuffer) -> int:
        view = memoryview(buffer).cast("B")
        n = min(len(view), self._length - self._pos)
        if n <= 0:
            return 0
        self._base.seek(self._start + self._pos)
        data = self._base.read(n)
        view[: len(data)] = data
        self._pos += len(data)
        return len(data)


# --------------------------------------------------------------------------------------
# Strava activities.csv
# --------------------------------------------------------------------------------------

_IndexEntry = tuple[str | None, str | None]
"""(activity name, activity type) from ``activities.csv``."""

_FILENAME_VALUE = re.compile(r"\.(fit|tcx|gpx)(\.gz)?$", re.IGNORECASE)


def _norm_key(path: str) -> str:
    """Normalise a relative path for index lookups."""
    key = path.replace("\\", "/")
    while key.startswith("./"):
        key = key[2:]
    return key.casefold()


def _parse_strava_index(data: bytes, label: str) -> tuple[dict[str, _IndexEntry], str | None]:
    """Map ``Filename`` to (``Activity Name``, ``Activity Type``) from Strava's activities.csv.

    Column headers are matched case-insensitively; the first of duplicated
    headers wins (Strava repeats some). Without a ``Filename`` header, the
    column whose values look like ``activities/123.fit.gz`` is used. Missing
    name or type columns give ``None``. Returns the mapping and a warning line
    or ``None``.
    """
    text = data.decode("utf-8-sig", errors="replace")
    rows: list[list[str]] = []
    warning = None
    try:
        for row in csv.reader(io.StringIO(text, newline="")):
            rows.append(row)
    except csv.Error as exc:
        warning = (
            f"{label}: cannot read past row {len(rows) + 1} ({exc}); "
            "activities after it come without their Strava names"
        )
    if not rows:
        return {}, warning or f"{label}: empty, activities come without their Strava names"
    header = [h.strip().casefold() for h in rows[0]]
    body = rows[1:]

    def column(name: str) -> int | None:
        return header.index(name) if name in header else None

    col_file = column("filename")
    if col_file is None:
        for j in range(len(header)):
            values = [r[j] for r in body if j < len(r) and r[j].strip()]
            if values and all(_FILENAME_VALUE.search(v.strip()) for v in values):
                col_file = j
                break
    if col_file is None:
        return {}, f"{label}: no Filename column, activities come without their Strava names"
    col_name, col_type = column("activity name"), column("activity type")

    def cell(row: list[str], j: int | None) -> str | None:
        if j is None or j >= len(row):
            return None
        value = row[j].strip()
        return value or None

    index: dict[str, _IndexEntry] = {}
    for row in body:
        filename = cell(row, col_file)
        if filename:
            index[_norm_key(filename)] = (cell(row, col_name), cell(row, col_type))
    return index, warning


@dataclass(frozen=True)
class _Scope:
    """An ``activities.csv`` and the folder (or archive prefix) its paths are relative to."""

    base: str
    index: dict[str, _IndexEntry]

    def lookup_disk(self, abs_path: str) -> _IndexEntry | None:
        rel = os.path.relpath(abs_path, self.base)
        if rel == os.pardir or rel.startswith(os.pardir + os.sep):
            return None
        return self.index.get(_norm_key(rel))

    def lookup_member(self, name: str) -> _IndexEntry | None:
        if not name.startswith(self.base):
            return None
        return self.index.get(_norm_key(name[len(self.base) :]))


# --------------------------------------------------------------------------------------
# The scanner
# --------------------------------------------------------------------------------------


class _Scanner:
    """Walks the named paths once; holds the stats, limits and visited inodes."""

    def __init__(self, stats: ScanStats, limits: ScanLimits) -> None:
        self.stats = stats
        self.limits = limits
        self._visited: set[tuple[int, int]] = set()
        self._disk_index_cache: dict[str, _Scope | None] = {}

    # ---- members --------------------------------------------------------------------

    def _emit(
        self,
        label: str,
        named_kind: Kind | None,
        data: bytes,
        hit: _IndexEntry | None,
    ) -> Member:
        """A member from decompressed ``data``: the content decides the kind when it can."""
        if not data:
            return self._error(label, named_kind, "empty file (0 bytes); nothing to import")
        kind = sniff_kind(data[:_HEAD_BYTES]) or named_kind
        name, sport = hit if hit is not None else (None, None)
        self.stats.yielded += 1
        return Member(label, kind, data, None, name=name, sport_hint=sport, size=len(data))

    def _error(self, label: str, kind: Kind | None, problem: str) -> Member:
        self.stats.yielded += 1
        self.stats.errors += 1
        return Member(label, kind, None, problem)

    def _skip(self, label: str) -> None:
        self.stats.skipped += 1
        if len(self.stats.skipped_examples) < _MAX_SKIPPED_EXAMPLES:
            self.stats.skipped_examples.append(label)

    def _meter(self, what: str, budget: _Budget | None, max_bytes: int | None = None) -> _Meter:
        cap = self.limits.max_member_bytes if max_bytes is None else max_bytes
        return _Meter(self.limits, cap, what, budget)

    def _maybe_gunzip(self, data: bytes, budget: _Budget | None) -> bytes:
        """Decompress ``data`` if it is gzip, else return it (a ``.gz`` name that lies)."""
        if not data.startswith(_GZIP_MAGIC):
            return data
        return _gunzip_bounded(io.BytesIO(data), self._meter("one activity file", budget))

    # ---- top level ------------------------------------------------------------------

    def scan(self, raw: PathArg) -> Iterator[Member]:
        label = os.fspath(raw)
        try:
            st = os.stat(label)
        except OSError as exc:
            self.stats.seen += 1
            kind = _classify_name(os.path.basename(label)).kind
            yield self._error(label, kind, _describe_os_error(label, exc))
            return
        abs_path = os.path.abspath(label)
        if stat.S_ISDIR(st.st_mode):
            scopes = self._ancestor_scopes(os.path.dirname(abs_path.rstrip(os.sep)) or abs_path)
            yield from self._walk(label, st, scopes)
        elif stat.S_ISREG(st.st_mode):
            if not self._first_visit(st):
                return
            self.stats.seen += 1
            if _classify_name(os.path.basename(label)).role == "index":
                self._skip(label)
                return
            scopes = self._ancestor_scopes(os.path.dirname(abs_path))
            yield from self._scan_disk_file(label, st, scopes)
        else:
            self.stats.seen += 1
            yield self._error(
                label, None, "not a regular file or folder (a device, pipe or socket); skipped"
            )

    def _first_visit(self, st: os.stat_result) -> bool:
        key = (st.st_dev, st.st_ino)
        if key in self._visited:
            return False
        self._visited.add(key)
        return True

    def _ancestor_scopes(self, start_dir: str) -> list[_Scope]:
        """Strava indexes in ``start_dir`` and its parent (outermost first).

        Lets ``runform import export/activities`` or ``export/activities/1.fit.gz``
        find ``export/activities.csv``.
        """
        parent = os.path.dirname(start_dir)
        dirs = [parent, start_dir] if parent and parent != start_dir else [start_dir]
        scopes = []
        for folder in dirs:
            scope = self._disk_scope(folder)
            if scope is not None:
                scopes.append(scope)
        return scopes

    def _disk_scope(self, folder: str, filename: str = _INDEX_NAME) -> _Scope | None:
        """The Strava index ``folder/filename`` (cached), or None when there is none."""
        folder = os.path.abspath(folder)
        if folder in self._disk_index_cache:
            return self._disk_index_cache[folder]
        scope = None
        path = os.path.join(folder, filename)
        if os.path.isfile(path):
            try:
                with open(path, "rb") as fh:
                    data = fh.read(self.limits.max_index_bytes + 1)
                if len(data) > self.limits.max_index_bytes:
                    raise _Problem(f"larger than {_fmt_bytes(self.limits.max_index_bytes)}")
                index, warning = _parse_strava_index(data, path)
                if warning:
                    self.stats.warnings.append(warning)
                scope = _Scope(folder, index)
            except OSError as exc:
                self.stats.warnings.append(
                    f"{path}: {_describe_os_error(path, exc)}; activities come without names"
                )
            except _Problem as exc:
                self.stats.warnings.append(f"{path}: {exc.problem}; activities come without names")
        self._disk_index_cache[folder] = scope
        return scope

    # ---- folders --------------------------------------------------------------------

    def _walk(self, root: str, st: os.stat_result, scopes: list[_Scope]) -> Iterator[Member]:
        """Depth-first walk in sorted order; each folder is entered once (symlink loops)."""
        stack: list[tuple[Iterator[os.DirEntry[str]], list[_Scope]]] = []
        opened = self._open_dir(root, st, scopes)
        if isinstance(opened, Member):
            yield opened
            return
        if opened is not None:
            stack.append(opened)
        while stack:
            entries, dir_scopes = stack[-1]
            entry = next(entries, None)
            if entry is None:
                stack.pop()
                continue
            if _is_mac_metadata(entry.name) or entry.name.lower() == _INDEX_NAME:
                if entry.name.lower() == _INDEX_NAME:
                    self.stats.seen += 1
                continue
            path = entry.path
            try:
                est = entry.stat()  # follows symlinks
            except OSError as exc:
                self.stats.seen += 1
                named = _classify_name(entry.name)
                if named.role == "unknown":
                    self._skip(path)
                else:
                    yield self._error(path, named.kind, _describe_os_error(path, exc))
                continue
            if stat.S_ISDIR(est.st_mode):
                opened = self._open_dir(path, est, dir_scopes)
                if isinstance(opened, Member):
                    yield opened
                elif opened is not None:
                    stack.append(opened)
            elif stat.S_ISREG(est.st_mode):
                if self._first_visit(est):
                    self.stats.seen += 1
                    yield from self._scan_disk_file(path, est, dir_scopes)
            else:
                self.stats.seen += 1
                self._skip(path)

    def _open_dir(
        self, path: str, st: os.stat_result, scopes: list[_Scope]
    ) -> tuple[Iterator[os.DirEntry[str]], list[_Scope]] | Member | None:
        """Sorted entries of a folder and the index scopes inside it; None if seen before."""
        if not self._first_visit(st):
            return None
        try:
            with os.scandir(path) as it:
                entries = sorted(it, key=lambda e: e.name)
        except OSError as exc:
            return self._error(
                path, None, f"cannot list the folder: {_describe_os_error(path, exc)}"
            )
        for e in entries:
            if e.name.lower() == _INDEX_NAME:
                scope = self._disk_scope(path, e.name)
                if scope is not None:
                    scopes = [*scopes, scope]
                break
        return iter(entries), scopes

    # ---- files on disk --------------------------------------------------------------

    def _scan_disk_file(
        self, label: str, st: os.stat_result, scopes: list[_Scope]
    ) -> Iterator[Member]:
        named = _classify_name(os.path.basename(label))
        if named.role == "zip":
            yield from self._scan_disk_zip(label, st)
            return
        try:
            payload = self._disk_payload(label, st, named)
        except OSError as exc:
            if named.role in ("unknown", "gz"):  # cannot tell whether it is an activity
                self._skip(label)
            else:
                yield self._error(label, named.kind, _describe_os_error(label, exc))
            return
        except _Problem as exc:
            yield self._error(label, named.kind, exc.problem)
            return
        if payload is None:
            self._skip(label)
        elif payload == "zip":
            yield from self._scan_disk_zip(label, st)
        else:
            kind, data = payload
            yield self._emit(label, kind, data, self._lookup_disk(scopes, label))

    def _disk_payload(
        self, label: str, st: os.stat_result, named: _NameClass
    ) -> tuple[Kind | None, bytes] | Literal["zip"] | None:
        """Kind and decompressed content of a file on disk; "zip"; or None for a non-activity."""
        limits = self.limits
        with open(label, "rb") as fh:
            head = fh.read(_HEAD_BYTES)
            gz = head.startswith(_GZIP_MAGIC)
            if gz:
                head += fh.read(_GZIP_SNIFF_BYTES - len(head))
            kind = named.kind
            if named.role in ("unknown", "gz"):
                if not named.has_ext and head.startswith(_ZIP_MAGIC):
                    return "zip"
                kind = sniff_kind(_gunzip_head(head) if gz else head)
                if kind is None:
                    return None
            fh.seek(0)
            if gz:
                return kind, _gunzip_bounded(fh, self._meter("one activity file", None))
            if st.st_size > limits.max_member_bytes:
                raise _Problem(
                    f"file is larger than {_fmt_bytes(limits.max_member_bytes)}, the limit for "
                    "one activity file; skipped"
                )
            data = fh.read(limits.max_member_bytes + 1)
        if len(data) > limits.max_member_bytes:  # grew while being read
            raise _Problem("file is growing while being read; import it once it is complete")
        return kind, data

    @staticmethod
    def _lookup_disk(scopes: list[_Scope], label: str) -> _IndexEntry | None:
        if not scopes:
            return None
        abs_path = os.path.abspath(label)
        for scope in reversed(scopes):
            hit = scope.lookup_disk(abs_path)
            if hit is not None:
                return hit
        return None

    # ---- archives -------------------------------------------------------------------

    def _scan_disk_zip(self, label: str, st: os.stat_result) -> Iterator[Member]:
        limits = self.limits
        budget = _Budget(
            max(limits.archive_budget_min_bytes, int(limits.max_ratio * st.st_size)), limits
        )
        try:
            fh = open(label, "rb")  # noqa: SIM115 - closed in finally, across yields
        except OSError as exc:
            yield self._error(label, None, _describe_os_error(label, exc))
            return
        try:
            try:
                zf = zipfile.ZipFile(fh)
            except Exception as exc:  # zipfile raises many types on a corrupt directory
                yield self._error(label, None, _bad_zip_problem(exc))
                return
            with zf:
                try:
                    yield from self._scan_zip(zf, fh, label, 1, st.st_size, budget)
                except _BudgetExceeded as exc:
                    yield self._error(label, None, exc.problem)
        finally:
            fh.close()

    def _scan_zip(
        self,
        zf: zipfile.ZipFile,
        fp: IO[bytes],
        label: str,
        depth: int,
        archive_size: int,
        budget: _Budget,
    ) -> Iterator[Member]:
        infos = [i for i in zf.infolist() if not i.is_dir()]
        scopes = list(self._zip_scopes(zf, infos, label, archive_size, budget))
        for info in infos:
            name = info.filename
            if _is_mac_metadata(name):
                continue
            self.stats.seen += 1
            mlabel = f"{label}!{name}"
            named = _classify_name(name)
            if _is_unsafe_name(name):
                yield self._error(
                    mlabel,
                    named.kind,
                    f"unsafe member name {name!r} (zip-slip: it points outside the archive), "
                    "skipped",
                )
                continue
            if named.role == "index":
                continue
            if named.role in ("unknown", "gz"):
                named = self._sniff_member(zf, info, named)
                if named.role in ("unknown", "gz"):
                    self._skip(mlabel)
                    continue
            if named.role == "zip":
                yield from self._scan_nested_zip(zf, fp, info, mlabel, depth, archive_size, budget)
                continue
            try:
                raw = self._read_member(zf, info, archive_size, budget)
                data = self._maybe_gunzip(raw, budget)
            except _Problem as exc:
                yield self._error(mlabel, named.kind, exc.problem)
                continue
            hit = None
            for scope in reversed(scopes):
                hit = scope.lookup_member(name)
                if hit is not None:
                    break
            yield self._emit(mlabel, named.kind, data, hit)

    def _zip_scopes(
        self,
        zf: zipfile.ZipFile,
        infos: list[zipfile.ZipInfo],
        label: str,
        archive_size: int,
        budget: _Budget,
    ) -> Iterator[_Scope]:
        """Strava indexes anywhere in the archive, each scoped to its folder, outermost first."""
        found = [
            i
            for i in infos
            if _classify_name(i.filename).role == "index"
            and not _is_unsafe_name(i.filename)
            and not _is_mac_metadata(i.filename)
        ]
        found.sort(key=lambda i: i.filename.count("/"))
        for info in found:
            mlabel = f"{label}!{info.filename}"
            try:
                data = self._read_member(
                    zf, info, archive_size, budget, self.limits.max_index_bytes, what="an index"
                )
            except _Problem as exc:
                self.stats.warnings.append(
                    f"{mlabel}: {exc.problem}; activities come without names"
                )
                continue
            index, warning = _parse_strava_index(data, mlabel)
            if warning:
                self.stats.warnings.append(warning)
            yield _Scope(info.filename[: len(info.filename) - len(_INDEX_NAME)], index)

    @staticmethod
    def _sniff_member(zf: zipfile.ZipFile, info: zipfile.ZipInfo, named: _NameClass) -> _NameClass:
        """Classify an unknown (or unknown-under-gzip) member from its first bytes.

        Reads at most 64 KiB, so no limit check is needed; an unreadable member
        stays unknown and is skipped (it cannot be told to be an activity).
        """
        if info.flag_bits & 0x1 or info.file_size == 0:
            return named
        try:
            with zf.open(info) as fh:
                head = fh.read(_HEAD_BYTES)
                if head.startswith(_GZIP_MAGIC):
                    head += fh.read(_GZIP_SNIFF_BYTES - len(head))
        except Exception:  # corrupt or unsupported: decided below as unknown
            return named
        if not named.has_ext and head.startswith(_ZIP_MAGIC):
            return _NameClass("zip")
        gz = head.startswith(_GZIP_MAGIC)
        kind = sniff_kind(_gunzip_head(head) if gz else head)
        if kind is not None:
            return _NameClass("activity", kind, gz)
        return named

    def _read_member(
        self,
        zf: zipfile.ZipFile,
        info: zipfile.ZipInfo,
        archive_size: int,
        budget: _Budget,
        max_bytes: int | None = None,
        sink: IO[bytes] | None = None,
        what: str = "one activity file",
    ) -> bytes:
        """Read one archive member with size, ratio and budget checks (into ``sink`` if given)."""
        if info.flag_bits & 0x1:
            raise _Problem(
                "encrypted (password-protected) zip member; extract it with your archive tool "
                "and import the extracted file"
            )
        meter = self._meter(what, budget, max_bytes)
        # A lying compressed size cannot exceed the archive: clamp it so the ratio holds.
        compressed = min(info.compress_size, archive_size)
        meter.check_declared(info.file_size, compressed)
        out = sink if sink is not None else io.BytesIO()
        try:
            with zf.open(info) as fh:
                _copy_bounded(fh, out, meter, compressed)
        except (_Problem, _BudgetExceeded):
            raise
        except NotImplementedError as exc:
            raise _Problem(
                f"compressed with a method runform cannot read ({exc}); extract it with your "
                "archive tool and import the extracted file"
            ) from None
        except RuntimeError as exc:  # encrypted without the flag where zipfile checks
            raise _Problem(f"cannot read zip member: {exc}") from None
        except Exception as exc:  # BadZipFile, zlib.error, EOFError, OSError, lzma errors...
            raise _Problem(
                f"corrupt zip member ({type(exc).__name__}: {exc}); download the archive again"
            ) from None
        return out.getvalue() if isinstance(out, io.BytesIO) else b""

    def _scan_nested_zip(
        self,
        zf: zipfile.ZipFile,
        fp: IO[bytes],
        info: zipfile.ZipInfo,
        label: str,
        depth: int,
        archive_size: int,
        budget: _Budget,
    ) -> Iterator[Member]:
        if depth >= self.limits.max_zip_depth:
            yield self._error(
                label,
                None,
                f"archive nested more than {self.limits.max_zip_depth} levels deep, skipped; "
                "extract the outer archive and import this one",
            )
            return
        try:
            with self._open_nested(zf, fp, info, archive_size, budget) as (inner_fp, size):
                try:
                    inner = zipfile.ZipFile(inner_fp)
                except Exception as exc:
                    yield self._error(label, None, _bad_zip_problem(exc))
                    return
                with inner:
                    yield from self._scan_zip(inner, inner_fp, label, depth + 1, size, budget)
        except _Problem as exc:
            yield self._error(label, None, exc.problem)

    @contextmanager
    def _open_nested(
        self,
        zf: zipfile.ZipFile,
        fp: IO[bytes],
        info: zipfile.ZipInfo,
        archive_size: int,
        budget: _Budget,
    ) -> Iterator[tuple[IO[bytes], int]]:
        """A seekable file of a nested archive: in place when stored, else spooled."""
        window = _stored_window(fp, info, archive_size)
        if window is not None:
            yield cast(IO[bytes], window), info.file_size
            return
        limits = self.limits
        with tempfile.SpooledTemporaryFile(max_size=limits.nested_in_memory_bytes) as spool:
            sink = cast(IO[bytes], spool)
            self._read_member(
                zf,
                info,
                archive_size,
                budget,
                limits.max_nested_zip_bytes,
                sink,
                "an archive inside an archive (extract the outer one and import this directly)",
            )
            size = spool.tell()
            spool.seek(0)
            yield sink, size


def _stored_window(fp: IO[bytes], info: zipfile.ZipInfo, archive_size: int) -> _Window | None:
    """A window on a member stored uncompressed and unencrypted, or None."""
    if info.compress_type != zipfile.ZIP_STORED or info.flag_bits & 0x1:
        return None
    try:
        fp.seek(info.header_offset)
        header = fp.read(30)
    except (OSError, ValueError):
        return None
    if len(header) != 30 or header[:4] != _ZIP_MAGIC:
        return None
    name_len, extra_len = struct.unpack("<HH", header[26:30])
    start = info.header_offset + 30 + name_len + extra_len
    if start + info.compress_size > archive_size or info.compress_size != info.file_size:
        return None
    return _Window(fp, start, info.compress_size)


def _bad_zip_problem(exc: BaseException) -> str:
    return f"not a valid zip archive: {exc}; download it again, or unzip it and import the folder"


# --------------------------------------------------------------------------------------
# Public entry points
# --------------------------------------------------------------------------------------


def _as_list(paths: Sequence[PathArg] | PathArg) -> list[PathArg]:
    if isinstance(paths, str | os.PathLike):
        return [paths]
    return list(paths)


def iter_members(
    paths: Sequence[PathArg] | PathArg,
    stats: ScanStats | None = None,
    *,
    limits: ScanLimits = DEFAULT_LIMITS,
) -> Iterator[Member]:
    """Yield every activity file found in ``paths``, one at a time.

    Parameters
    ----------
    paths : sequence of str or path-like
        Files, folders (searched recursively), ``.zip`` archives (nested ones
        too) and ``.gz`` files, as named on ``runform import``. A single path
        is accepted as well.
    stats : ScanStats, optional
        Updated in place while iterating: files seen, skipped, yielded, failed.
    limits : ScanLimits, optional
        Safety limits against decompression bombs (see :class:`ScanLimits`).

    Yields
    ------
    Member
        One per activity file found, or per thing that could not be read (an
        unreadable or missing path, a corrupt archive or gzip member, an unsafe
        member name, an encrypted member, a suspected bomb, a too-deep nesting);
        those have ``data=None`` and a one-line ``error``. Nothing is raised for
        one bad input.

    Notes
    -----
    Kind comes from the content when it is recognisable (:func:`sniff_kind`),
    otherwise from the extension (``.fit``, ``.tcx``, ``.gpx``, any case, each
    optionally ``.gz``). Extension-less and misnamed files are recognised by
    content; other files are skipped and counted. Symbolic links are followed,
    but each folder and file is visited once (by device and inode), so symlink
    loops end and a file named twice is yielded once. Members of an archive
    listed in a Strava ``activities.csv`` at the root of the folder or archive
    (or of the folder above a named path) carry its activity name and type.
    """
    scanner = _Scanner(stats if stats is not None else ScanStats(), limits)
    for raw in _as_list(paths):
        yield from scanner.scan(raw)


def count_candidates(
    paths: Sequence[PathArg] | PathArg, *, limits: ScanLimits = DEFAULT_LIMITS
) -> int:
    """Cheaply estimate how many members :func:`iter_members` will yield (for a progress bar).

    Counts names only: activity files by extension in folders and archives,
    plus one for each path or archive that will be an error. Nothing is
    decompressed, so the count is exact for folders and plain archives, while
    an archive compressed inside an archive counts as one, extension-less
    files count as none and the zip bomb checks are not applied.

    Parameters
    ----------
    paths : sequence of str or path-like
        As for :func:`iter_members`.
    limits : ScanLimits, optional
        Only ``max_zip_depth`` is used.

    Returns
    -------
    int
        The estimated number of members.
    """
    counter = _Counter(limits)
    return sum(counter.count_path(os.fspath(p)) for p in _as_list(paths))


class _Counter:
    """The name-only twin of :class:`_Scanner` behind :func:`count_candidates`."""

    def __init__(self, limits: ScanLimits) -> None:
        self.limits = limits
        self._visited: set[tuple[int, int]] = set()

    def count_path(self, path: str) -> int:
        try:
            st = os.stat(path)
        except OSError:
            return 1
        if stat.S_ISDIR(st.st_mode):
            return self._count_dir(path, st)
        if stat.S_ISREG(st.st_mode):
            return self._count_file(path, st)
        return 1

    def _count_dir(self, root: str, st: os.stat_result) -> int:
        total = 0
        pending = [(root, st)]
        while pending:
            path, dst = pending.pop()
            key = (dst.st_dev, dst.st_ino)
            if key in self._visited:
                continue
            self._visited.add(key)
            try:
                with os.scandir(path) as it:
                    entries = list(it)
            except OSError:
                total += 1
                continue
            for entry in entries:
                if _is_mac_metadata(entry.name):
                    continue
                try:
                    est = entry.stat()
                except OSError:
                    total += _classify_name(entry.name).role not in ("unknown", "gz", "index")
                    continue
                if stat.S_ISDIR(est.st_mode):
                    pending.append((entry.path, est))
                elif stat.S_ISREG(est.st_mode):
                    total += self._count_file(entry.path, est)
        return total

    def _count_file(self, path: str, st: os.stat_result) -> int:
        key = (st.st_dev, st.st_ino)
        if key in self._visited:
            return 0
        self._visited.add(key)
        role = _classify_name(os.path.basename(path)).role
        if role == "activity":
            return 1
        if role != "zip":
            return 0
        try:
            with open(path, "rb") as fh, zipfile.ZipFile(fh) as zf:
                return self._count_zip(zf, fh, 1, st.st_size)
        except Exception:  # counted as the one error member iter_members will yield
            return 1

    def _count_zip(self, zf: zipfile.ZipFile, fp: IO[bytes], depth: int, size: int) -> int:
        total = 0
        for info in zf.infolist():
            name = info.filename
            if info.is_dir() or _is_mac_metadata(name):
                continue
            role = _classify_name(name).role
            if _is_unsafe_name(name) or role == "activity":
                total += 1
            elif role == "zip":
                window = _stored_window(fp, info, size)
                if window is None or depth >= self.limits.max_zip_depth:
                    total += 1
                    continue
                try:
                    inner_fp = cast(IO[bytes], window)
                    with zipfile.ZipFile(inner_fp) as inner:
                        total += self._count_zip(inner, inner_fp, depth + 1, info.file_size)
                except Exception:
                    total += 1
        return total
