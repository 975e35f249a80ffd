"""Bulk FIT decoder: one scan for the message layout, then numpy over every definition.

A FIT data message is a fixed-layout record: once its definition message is known,
all data messages of that definition can be read as one numpy structured array.
:func:`decode` therefore works in three passes over the bytes.

1. **Scan** (Python, a few operations per message). Walk file headers (12- or
   14-byte, chained files), definition messages (architecture byte = endianness,
   developer field definitions) and data messages (normal headers and
   compressed-timestamp headers: local type in bits 5-6, time offset in bits 0-4).
   For a data message the scan only needs its header byte and its definition's
   size. Runs of messages sharing one header byte are found with one strided numpy
   comparison (``arr[pos::size] == header``) and jumped over at once, so a file of
   100,000 records costs a few hundred Python steps. Identical definitions share one
   layout, so a device that re-sends its definition before every message still
   decodes in bulk. ``developer_data_id`` / ``field_description`` messages are
   decoded as they are met, because later definitions bind developer fields to them.
2. **Bulk read.** The bytes of all messages of a layout are joined and viewed as a
   structured dtype (``<`` or ``>`` per the definition's architecture byte). Invalid
   values become NaN/None, scale and offset are applied vectorised, and so are the
   profile's components (``speed`` -> ``enhanced_speed``, ``altitude`` ->
   ``enhanced_altitude``, ``compressed_speed_distance`` -> ``speed`` and accumulated
   ``distance``). Accumulated components and compressed timestamps are sequential by
   nature (FIT protocol, "Compressed Timestamp Header": ``ts = offset + (last &
   ~0x1F) + (0x20 if offset < last & 0x1F)``); both are computed as a segmented
   cumulative sum of ``(value - previous) mod 2^bits`` over the messages in file
   order, which is the same recurrence without a Python loop.
3. **Render** ``record`` messages as numpy columns and the few summary messages
   (``file_id``, ``device_info``, ``event``, ``lap``, ``session``, ``activity``,
   ``sport``) as dicts, with the field names, subfields and enum names of the FIT
   profile. The profile tables are fitdecode's (``fitdecode.profile``, MIT, generated
   from the FIT SDK's Profile.xlsx); every value is the one fitdecode returns with a
   processor that leaves values raw (``runform.io.fit._RawProcessor``) and lenient
   error handling, which ``tests/corpus/test_fitfast_differential.py`` checks field
   by field on the whole corpus.

Damaged input never raises: truncation, undefined local message types, corrupt
definitions and trailing garbage stop the decode at that byte and everything before
it is kept (:attr:`FastResult.error`, :attr:`FastResult.error_offset`); a CRC
mismatch is flagged (:attr:`FastResult.crc_bad`) and the data kept. Every size read
from the file is bounded by the bytes that remain, so memory stays proportional to
the input.

Deliberate differences from fitdecode (pathological files only; none occurs in the
corpus): a developer field whose size is not a multiple of its base type is read as
bytes over its declared size (fitdecode reads ``size // base_size`` elements and
loses step with the rest of the file); a message that runs past the end of the data
section its header announces stops the decode with an error (fitdecode fails an
``assert``); a 16-byte-or-longer header is accepted (fitdecode raises
``struct.error``); a component over an array holding an invalid element is left out
(fitdecode raises ``TypeError``); a record ``timestamp`` that is not an integer (the
field declared as bytes or float) is reported missing, -1, which is what
``read_fit`` made of fitdecode's tuple or float.

References
----------
Garmin FIT SDK, "Flexible and Interoperable Data Transfer (FIT) Protocol" (file
header, record headers, definition and data messages, compressed timestamp header,
developer data, CRC) and Profile.xlsx (messages, fields, types, components).
"""

from __future__ import annotations

import struct
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any, Final

import numpy as np
import numpy.typing as npt
from fitdecode import profile as _profile

__all__ = [
    "DECODED_MESSAGES",
    "DeveloperFieldInfo",
    "FastResult",
    "clear_caches",
    "decode",
    "fit_crc16",
]

# --------------------------------------------------------------------------- constants

MESG_FILE_ID: Final = 0
MESG_SPORT: Final = 12
MESG_SESSION: Final = 18
MESG_LAP: Final = 19
MESG_RECORD: Final = 20
MESG_EVENT: Final = 21
MESG_DEVICE_INFO: Final = 23
MESG_ACTIVITY: Final = 34
MESG_FIELD_DESCRIPTION: Final = 206
MESG_DEVELOPER_DATA_ID: Final = 207

FIELD_TIMESTAMP: Final = 253
"""Field number of ``timestamp`` in every message (FIT profile)."""

DECODED_MESSAGES: Final = frozenset(
    {
        MESG_FILE_ID,
        MESG_SPORT,
        MESG_SESSION,
        MESG_LAP,
        MESG_RECORD,
        MESG_EVENT,
        MESG_DEVICE_INFO,
        MESG_ACTIVITY,
        MESG_FIELD_DESCRIPTION,
        MESG_DEVELOPER_DATA_ID,
    }
)
"""Global message numbers decoded into :class:`FastResult`; all others are skipped."""

_DICT_MESSAGES: Final = {
    MESG_FILE_ID: "file_ids",
    MESG_SPORT: "sports",
    MESG_SESSION: "sessions",
    MESG_LAP: "laps",
    MESG_EVENT: "events",
    MESG_DEVICE_INFO: "devices",
    MESG_ACTIVITY: "activities",
    MESG_FIELD_DESCRIPTION: "field_descriptions",
    MESG_DEVELOPER_DATA_ID: "developer_data_ids",
}

_K_INT: Final = 0
_K_FLOAT: Final = 1
_K_STRING: Final = 2
_K_BYTES: Final = 3
_K_ZERO: Final = 4


@dataclass(frozen=True, slots=True)
class _Base:
    """A FIT base type (FIT protocol, "Base types": invalid value, size)."""

    name: str
    type_id: int
    code: str  # numpy type code without byte order
    size: int
    kind: int
    invalid: int | None  # raw invalid value of integer types


_BASES: Final[dict[int, _Base]] = {
    b.type_id: b
    for b in (
        _Base("enum", 0x00, "u1", 1, _K_INT, 0xFF),
        _Base("sint8", 0x01, "i1", 1, _K_INT, 0x7F),
        _Base("uint8", 0x02, "u1", 1, _K_INT, 0xFF),
        _Base("sint16", 0x83, "i2", 2, _K_INT, 0x7FFF),
        _Base("uint16", 0x84, "u2", 2, _K_INT, 0xFFFF),
        _Base("sint32", 0x85, "i4", 4, _K_INT, 0x7FFFFFFF),
        _Base("uint32", 0x86, "u4", 4, _K_INT, 0xFFFFFFFF),
        _Base("string", 0x07, "S", 1, _K_STRING, None),
        _Base("float32", 0x88, "f4", 4, _K_FLOAT, None),
        _Base("float64", 0x89, "f8", 8, _K_FLOAT, None),
        _Base("uint8z", 0x0A, "u1", 1, _K_INT, 0),
        _Base("uint16z", 0x8B, "u2", 2, _K_INT, 0),
        _Base("uint32z", 0x8C, "u4", 4, _K_INT, 0),
        _Base("byte", 0x0D, "u1", 1, _K_BYTES, None),
        _Base("sint64", 0x8E, "i8", 8, _K_INT, 0x7FFFFFFFFFFFFFFF),
        _Base("uint64", 0x8F, "u8", 8, _K_INT, 0xFFFFFFFFFFFFFFFF),
        _Base("uint64z", 0x90, "u8", 8, _K_INT, 0),
    )
}
"""FIT base types by their full type byte; any other byte reads as ``byte`` (as fitdecode)."""

_BYTE: Final = _BASES[0x0D]


# --------------------------------------------------------------------------- CRC


def _crc_table() -> list[int]:
    """Byte table of the FIT CRC: CRC-16/ARC (poly 0x8005 reflected = 0xA001, init 0)."""
    table = []
    for i in range(256):
        c = i
        for _ in range(8):
            c = (c >> 1) ^ 0xA001 if c & 1 else c >> 1
        table.append(c)
    return table


_CRC_BYTE: Final = _crc_table()


def _crc_py(buf: bytes | memoryview, crc: int = 0) -> int:
    table = _CRC_BYTE
    for b in bytes(buf):
        crc = (crc >> 8) ^ table[(crc ^ b) & 0xFF]
    return crc


@lru_cache(maxsize=1)
def _crc_pair_table() -> npt.NDArray[np.uint16]:
    """``F[v]``: register after two zero bytes from register ``v``.

    For a 16-bit reflected CRC, consuming the little-endian word ``w = b0 | b1 << 8``
    from register ``c`` gives ``F[c ^ w]`` (both input bytes only enter through the
    XOR with the register), so one table gather advances two bytes.
    """
    t = np.array(_CRC_BYTE, dtype=np.uint32)
    v = np.arange(65536, dtype=np.uint32)
    c1 = (v >> 8) ^ t[v & 0xFF]
    c2 = (c1 >> 8) ^ t[c1 & 0xFF]
    pair: npt.NDArray[np.uint16] = c2.astype(np.uint16)
    return pair


@lru_cache(maxsize=16)
def _crc_shift_table(nbytes: int) -> list[int]:
    """``S[c]``: register ``c`` advanced through ``nbytes`` (even) zero bytes.

    Zero bytes act linearly on the register (GF(2)), so the table is the XOR of the
    images of the 16 unit registers.
    """
    pair = _crc_pair_table()
    basis = (np.uint16(1) << np.arange(16, dtype=np.uint16)).astype(np.uint16)
    for _ in range(nbytes // 2):
        basis = pair[basis]
    regs = np.arange(65536, dtype=np.uint32)
    out = np.zeros(65536, dtype=np.uint32)
    for bit in range(16):
        out ^= ((regs >> bit) & 1) * np.uint32(basis[bit])
    shifted: list[int] = out.tolist()
    return shifted


def fit_crc16(data: bytes | bytearray | memoryview, start: int = 0, stop: int | None = None) -> int:
    """FIT CRC-16 of ``data[start:stop]`` (FIT protocol, "CRC"; CRC-16/ARC, check 0xBB3D).

    Large inputs are cut into equal chunks whose CRCs advance side by side, two bytes
    per numpy gather, and are then joined by CRC linearity (with initial value 0,
    ``crc(A||B) = shift(crc(A), |B|) ^ crc(B)``; leading zero bytes leave such a CRC
    unchanged, so the input is zero-padded in front to whole chunks).

    Parameters
    ----------
    data : bytes-like
        The bytes [-].
    start, stop : int, optional
        Slice of ``data`` to check [byte offsets].

    Returns
    -------
    int
        The CRC [-] (0..65535).
    """
    mv = memoryview(data).cast("B")
    stop = len(mv) if stop is None else stop
    n = stop - start
    if n < 8192:
        return _crc_py(mv[start:stop])
    chunk = 1 << max(6, min(12, (int(np.sqrt(0.15 * n)) - 1).bit_length()))
    k = -(-n // chunk)
    buf = np.zeros(k * chunk, dtype=np.uint8)
    buf[k * chunk - n :] = np.frombuffer(mv, dtype=np.uint8, count=n, offset=start)
    words = np.ascontiguousarray(buf.view("<u2").reshape(k, chunk // 2).T)
    pair = _crc_pair_table()
    regs = np.zeros(k, dtype=np.uint16)
    for row in words:
        regs = pair[regs ^ row]
    shift = _crc_shift_table(chunk)
    crc = 0
    for r in regs.tolist():
        crc = shift[crc] ^ r
    return crc


# --------------------------------------------------------------------------- model


@dataclass(frozen=True, slots=True)
class DeveloperFieldInfo:
    """A developer field as its ``field_description`` message declared it.

    ``scale``/``offset`` are reported, not applied (fitdecode does not apply them
    either, and the corpus has none).
    """

    developer_data_index: int | None
    field_number: int | None
    base_type: str
    base_type_id: int
    name: Any
    units: Any
    native_field_num: Any = None
    scale: Any = None
    offset: Any = None


@dataclass(slots=True)
class _Spec:
    """One field of a definition, as laid out in its data messages."""

    index: int
    num: int
    size: int
    base: _Base
    kind: int
    count: int
    offset: int  # byte offset in the message, header byte included
    fmt: Any  # numpy dtype description
    profile: Any  # fitdecode.types.Field or None
    dev: DeveloperFieldInfo | None

    @property
    def is_dev(self) -> bool:
        return self.dev is not None


class _Template:
    """The immutable part of a definition: global number, byte order, fields.

    Templates are cached across files (:func:`_template`): a watch writes the same
    few definitions in every activity, so a bulk import builds each only once.
    """

    __slots__ = (
        "_dtype",
        "big",
        "dict_plan",
        "error",
        "fields",
        "global_num",
        "mesg_type",
        "n_normal",
        "num_index",
        "size",
    )

    def __init__(self, global_num: int, big: bool, fields: list[_Spec], error: str | None):
        self.global_num = global_num
        self.mesg_type = _profile.MESSAGE_TYPES.get(global_num)
        self.fields = fields
        self.n_normal = sum(1 for f in fields if f.dev is None)
        self.size = 1 + sum(f.size for f in fields)
        self.error = error
        self.big = big
        self._dtype: np.dtype[Any] | None = None
        self.dict_plan: list[tuple[Any, ...]] | None = None
        self.num_index: dict[int, list[int]] = {}  # field number -> indices (normal fields)
        for f in fields[: self.n_normal]:
            self.num_index.setdefault(f.num, []).append(f.index)

    @property
    def dtype(self) -> np.dtype[Any]:
        """Structured dtype of one whole message (header byte included), built on first use."""
        if self._dtype is None:
            order = ">" if self.big else "<"
            self._dtype = np.dtype(
                {
                    "names": [f"f{f.index}" for f in self.fields],
                    "formats": [
                        (order + f.fmt[0], f.fmt[1]) if isinstance(f.fmt, tuple) else order + f.fmt
                        for f in self.fields
                    ],
                    "offsets": [f.offset for f in self.fields],
                    "itemsize": self.size,
                }
            )
        return self._dtype


class _Layout:
    """The definitions of one template in one file, with where their data messages are."""

    __slots__ = (
        "def_offsets",
        "error",
        "fields",
        "global_num",
        "mesg_type",
        "n_normal",
        "runs",
        "size",
        "special",
        "template",
    )

    def __init__(self, template: _Template):
        self.template = template
        self.global_num = template.global_num
        self.mesg_type = template.mesg_type
        self.fields = template.fields
        self.n_normal = template.n_normal
        self.size = template.size
        self.error = template.error
        # (start, count, compressed header, stride): messages start, start + stride, ...
        self.runs: list[tuple[int, int, bool, int]] = []
        self.special = self.error is not None or self.global_num in (
            MESG_FIELD_DESCRIPTION,
            MESG_DEVELOPER_DATA_ID,
        )
        self.def_offsets: list[int] = []

    @property
    def dtype(self) -> np.dtype[Any]:
        return self.template.dtype


_TEMPLATES: dict[Any, _Template] = {}
_TEMPLATE_CACHE_MAX: Final = 4096
"""Templates kept across files; the cache is emptied when it grows past this."""


def _template(
    key: Any,
    gnum: int,
    big: bool,
    raw_fields: bytes,
    raw_dev: bytes,
    dev_infos: list[DeveloperFieldInfo],
) -> _Template:
    t = _TEMPLATES.get(key)
    if t is None:
        if len(_TEMPLATES) >= _TEMPLATE_CACHE_MAX:
            _TEMPLATES.clear()
        t = _TEMPLATES[key] = _make_template(gnum, big, raw_fields, raw_dev, dev_infos)
    return t


def clear_caches() -> None:
    """Forget the definition templates cached across files (for benchmarks and tests)."""
    _TEMPLATES.clear()


@dataclass
class FastResult:
    """What :func:`decode` found in a FIT file (all chained parts, in file order).

    Attributes
    ----------
    records : dict of str to ndarray
        One column per ``record`` field present, keyed like fitdecode names them:
        ``timestamp`` int64 [s since the FIT epoch, -1 when missing]; numeric fields
        float64 in profile units after scale/offset (NaN when invalid or absent):
        ``position_lat``/``position_long`` [semicircles], ``distance`` [m],
        ``enhanced_speed`` [m/s], ``enhanced_altitude`` [m], ``heart_rate`` [bpm],
        ``cadence`` [rpm] and ``fractional_cadence``, ``power`` [W], ``stance_time``
        [ms], ``vertical_oscillation`` [mm], ``step_length`` [mm], ``grade`` [%],
        ``temperature`` [C]...; enum-typed, array and string fields as object arrays
        (None when absent); numeric developer fields as ``dev_<name>`` float64.
    n_records : int
        Number of ``record`` messages (rows of every column).
    dev_units : dict of str to str
        ``dev_<name>`` -> units of every developer field seen in a record.
    developer_fields : list of DeveloperFieldInfo
        Every developer field described in the file.
    file_ids, devices, events, laps, sessions, activities, sports : list of dict
        Messages as field name -> value, with fitdecode's names (subfields such as
        ``avg_running_cadence``, ``garmin_product``), enum names (``'running'``,
        ``'timer'``, ``'stop_all'``), scaled values and FIT-epoch integer times; a
        field defined but invalid maps to None.
    headers : int
        FIT file headers read (chained files have several).
    crc_bad : bool
        A header or file CRC did not match (the data is kept).
    error : str or None
        Why decoding stopped early; everything before ``error_offset`` is kept.
    error_offset : int or None
        Byte offset of the damage.
    truncated : bool
        The file ends inside a message, header or CRC.
    """

    records: dict[str, npt.NDArray[Any]] = field(default_factory=dict)
    n_records: int = 0
    dev_units: dict[str, str] = field(default_factory=dict)
    developer_fields: list[DeveloperFieldInfo] = field(default_factory=list)
    file_ids: list[dict[Any, Any]] = field(default_factory=list)
    devices: list[dict[Any, Any]] = field(default_factory=list)
    events: list[dict[Any, Any]] = field(default_factory=list)
    laps: list[dict[Any, Any]] = field(default_factory=list)
    sessions: list[dict[Any, Any]] = field(default_factory=list)
    activities: list[dict[Any, Any]] = field(default_factory=list)
    sports: list[dict[Any, Any]] = field(default_factory=list)
    field_descriptions: list[dict[Any, Any]] = field(default_factory=list)
    developer_data_ids: list[dict[Any, Any]] = field(default_factory=list)
    headers: int = 0
    crc_bad: bool = False
    crc_checked: bool = False
    error: str | None = None
    error_offset: int | None = None
    truncated: bool = False

    def record_dicts(self) -> list[dict[str, Any]]:
        """Records as one dict per message (present fields only), as fitdecode gives them.

        Slow by design; for tests and small files.
        """
        rows: list[dict[str, Any]] = [{} for _ in range(self.n_records)]
        for name, col in self.records.items():
            values = col.tolist()
            for row, v in zip(rows, values, strict=True):
                if v is None or (isinstance(v, float) and v != v):
                    continue
                if name == "timestamp" and v == -1:
                    continue
                row[name] = v
        return rows


class _Stop(Exception):
    """Decoding stops here (damage); carries the message and byte offset."""

    def __init__(self, message: str, offset: int, truncated: bool = False):
        super().__init__(message)
        self.offset = offset
        self.truncated = truncated


# --------------------------------------------------------------------------- raw values


def _parse_string(raw: bytes) -> str | None:
    """fitdecode's string parse: up to the first NUL, UTF-8 with replacement, '' -> None."""
    cut = raw.find(b"\x00")
    if cut >= 0:
        raw = raw[:cut]
    return raw.decode("utf-8", errors="replace") or None


def _parse_raw(spec: _Spec, value: Any) -> Any:
    """A field's raw value from ``ndarray.tolist()`` -> fitdecode's raw value."""
    if isinstance(value, np.ndarray):  # subarrays of a structured scalar
        value = value.tolist()
    kind = spec.kind
    if kind == _K_INT:
        inv = spec.base.invalid
        if spec.count == 1:
            return None if value == inv else value
        return tuple(None if v == inv else v for v in value)
    if kind == _K_FLOAT:
        if spec.count == 1:
            return None if value != value else value
        return tuple(None if v != v else v for v in value)
    if kind == _K_STRING:
        return _parse_string(value)
    # byte arrays (and fields whose size is not a multiple of their type)
    t = tuple(value)
    return None if all(b == 0xFF for b in t) else t


def _render(fld: Any, value: Any) -> Any:
    enum = fld.type.enum
    if enum and value in enum:
        return enum[value]
    return value


def _scale_offset(fld: Any, value: Any) -> Any:
    if isinstance(value, tuple):
        return tuple(_scale_offset(fld, v) for v in value)
    if isinstance(value, (int, float)):
        if fld.scale:
            value = float(value) / fld.scale
        if fld.offset:
            value = value - fld.offset
    return value


def _component_raw(comp: Any, raw: Any) -> Any:
    """Bits of a component (fitdecode ``ComponentField.render``); ValueError: not present."""
    if raw is None:
        return None
    if isinstance(raw, tuple):
        if comp.bit_offset and comp.bit_offset >= len(raw) << 3:
            raise ValueError
        num = 0
        for v in reversed(raw):
            if not isinstance(v, int):
                raise ValueError  # an invalid element: fitdecode raises TypeError
            num = (num << 8) + v
        raw = num
    if isinstance(raw, int):
        raw = (raw >> comp.bit_offset) & ((1 << comp.bits) - 1)
    return raw


def _resolve_subfield(fld: Any, layout: _Layout, raws: Sequence[Any]) -> tuple[Any, Any]:
    """The subfield whose reference field holds its value in this message (fitdecode order)."""
    if fld.subfields:
        index = layout.template.num_index
        for sub in fld.subfields:
            for ref in sub.ref_fields:
                for i in index.get(ref.def_num, ()):
                    if ref.raw_value == raws[i]:
                        return sub, fld
    return fld, None


_Item = tuple[Any, Any, bool, Any]  # (name, value, is developer field, units)


def _emit_field(
    layout: _Layout,
    spec: _Spec,
    raw: Any,
    raws: Sequence[Any],
    accs: dict[tuple[int, int], int] | None,
) -> list[_Item]:
    """The FieldData items fitdecode makes of one field of one message, in its order."""
    if spec.dev is not None:
        return [(spec.dev.name, raw, True, spec.dev.units)]
    fld = spec.profile
    if fld is None:
        return [(f"unknown_{spec.num}", raw, False, None)]
    fld, _ = _resolve_subfield(fld, layout, raws)
    out: list[_Item] = []
    if fld.components:
        mt = layout.mesg_type
        for ci, comp in enumerate(fld.components):
            try:
                craw = _component_raw(comp, raw)
            except ValueError:
                continue
            if comp.accumulate and craw is not None and accs is not None:
                craw = accs.get((spec.index, ci), craw)
            craw = _scale_offset(comp, craw)
            cfield = mt.fields.get(comp.def_num)
            if cfield is None:
                continue
            cfield, _ = _resolve_subfield(cfield, layout, raws)
            out.append((cfield.name, _render(cfield, craw), False, cfield.units))
    out.append((fld.name, _scale_offset(fld, _render(fld, raw)), False, fld.units))
    return out


def _message_dict(items: Iterable[_Item]) -> dict[Any, Any]:
    """Name -> value, first non-None value of a name wins (``runform.io.fit._fields``)."""
    out: dict[Any, Any] = {}
    for name, value, _dev, _units in items:
        if value is None and name in out:
            continue
        if name not in out or out[name] is None:
            out[name] = value
    return out


# --------------------------------------------------------------------------- scanning


@dataclass(slots=True)
class _Part:
    """One FIT file of a (possibly chained) file."""

    start: int
    header_size: int
    body_end: int
    header_crc: int | None = None
    file_crc_pos: int | None = None  # offset of the 2-byte CRC when the body was read whole


class _Scan:
    """State of the scan over the whole byte string."""

    def __init__(self, data: bytes) -> None:
        self.data = data
        self.arr = np.frombuffer(data, dtype=np.uint8)
        self.layouts: dict[Any, _Layout] = {}
        self.parts: list[_Part] = []
        self.dev_types: dict[Any, dict[str, Any]] = {}
        self.dev_infos: list[DeveloperFieldInfo] = []
        self.immediate: dict[str, list[dict[Any, Any]]] = {
            "field_descriptions": [],
            "developer_data_ids": [],
        }
        self.compressed = False
        self.stop: _Stop | None = None

    # -- file level -------------------------------------------------------------------

    def run(self) -> None:
        data, n, pos = self.data, len(self.data), 0
        try:
            while pos < n:
                if n - pos < 12:
                    raise _Stop(
                        f"{n - pos} trailing bytes at byte {pos} are too short for a FIT header",
                        pos,
                        truncated=True,
                    )
                hsize = data[pos]
                if hsize < 12 or data[pos + 8 : pos + 12] != b".FIT":
                    raise _Stop(f"no FIT file header at byte {pos}", pos)
                if hsize > 12:
                    if hsize < 14:
                        raise _Stop(f"FIT header at byte {pos} has no room for its CRC", pos)
                    if pos + hsize > n:
                        raise _Stop(f"file ends inside the FIT header at byte {pos}", pos, True)
                (body_size,) = struct.unpack_from("<I", data, pos + 4)
                part = _Part(pos, hsize, pos + hsize + body_size)
                if hsize >= 14:
                    (crc,) = struct.unpack_from("<H", data, pos + 12)
                    part.header_crc = crc or None
                self.parts.append(part)
                self.dev_types = {}
                self._body(pos + hsize, part.body_end)
                crc_end = part.body_end + 2
                if crc_end > n:
                    raise _Stop(
                        f"file ends at byte {n}, before the CRC at byte {part.body_end}",
                        part.body_end,
                        truncated=True,
                    )
                part.file_crc_pos = part.body_end
                pos = crc_end
        except _Stop as stop:
            self.stop = stop

    # -- messages ---------------------------------------------------------------------

    def _body(self, pos: int, body_end: int) -> None:
        data, arr = self.data, self.arr
        n = len(data)
        limit = body_end if body_end < n else n
        defs: list[_Layout | None] = [None] * 16
        while pos < body_end:
            if pos >= n:
                raise _Stop(f"file ends at byte {n}, inside the data section", pos, True)
            h = data[pos]
            if h & 0x80:
                lay = defs[(h >> 5) & 3]
                comp = True
            elif h & 0x40:
                pos = self._definition(pos, h, defs, body_end)
                continue
            else:
                lay = defs[h & 15]
                comp = False
            if lay is None:
                local = (h >> 5) & 3 if comp else h & 15
                raise _Stop(f"local message type {local} not defined (byte {pos})", pos)
            sz = lay.size
            end = pos + sz
            if end > limit:
                if end > n:
                    raise _Stop(
                        f"file ends at byte {n}, inside the message at byte {pos}", pos, True
                    )
                raise _Stop(
                    f"message at byte {pos} runs past the end of the data section at byte "
                    f"{body_end}",
                    pos,
                )
            if lay.special:
                if lay.error is not None:
                    raise _Stop(f"{lay.error} (message at byte {pos})", pos)
                self._developer_message(lay, pos)
                lay.runs.append((pos, 1, comp, sz))
                self.compressed |= comp
                pos = end
                continue
            if comp:
                self.compressed = True
                cnt = 1
                hm = h & 0xE0
                e2 = end + sz
                if e2 + sz <= limit and data[end] & 0xE0 == hm and data[e2] & 0xE0 == hm:
                    cnt = _run_length(arr, pos, sz, hm, 0xE0, limit)
                lay.runs.append((pos, cnt, True, sz))
                pos += cnt * sz
                continue
            cnt = 1
            e2 = end + sz
            if e2 + sz <= limit and data[end] == h and data[e2] == h:
                cnt = _run_length(arr, pos, sz, h, 0xFF, limit)
            lay.runs.append((pos, cnt, False, sz))
            pos += cnt * sz

    def _definition(self, pos: int, h: int, defs: list[_Layout | None], body_end: int) -> int:
        data = self.data
        n = len(data)
        if pos + 6 > n:
            raise _Stop(f"file ends at byte {n}, inside the definition at byte {pos}", pos, True)
        big = data[pos + 2] != 0
        (gnum,) = struct.unpack_from(">H" if big else "<H", data, pos + 3)
        nf = data[pos + 5]
        p = pos + 6
        end = p + 3 * nf
        ndev = 0
        if h & 0x20:
            if end + 1 > n:
                raise _Stop(
                    f"file ends at byte {n}, inside the definition at byte {pos}", pos, True
                )
            ndev = data[end]
            end += 1 + 3 * ndev
        if end > n:
            raise _Stop(f"file ends at byte {n}, inside the definition at byte {pos}", pos, True)
        if end > body_end:
            raise _Stop(
                f"definition at byte {pos} runs past the end of the data section at byte "
                f"{body_end}",
                pos,
            )
        raw_fields = data[p : p + 3 * nf]
        raw_dev = data[p + 3 * nf + 1 : end] if ndev else b""
        dev_infos: list[DeveloperFieldInfo] = []
        for j in range(ndev):
            num, _size, idx = raw_dev[3 * j], raw_dev[3 * j + 1], raw_dev[3 * j + 2]
            dev_infos.append(self._dev_type(idx, num))
        key = (gnum, big, raw_fields, raw_dev, tuple(dev_infos))
        lay = self.layouts.get(key)
        if lay is None:
            lay = _Layout(_template(key, gnum, big, raw_fields, raw_dev, dev_infos))
            self.layouts[key] = lay
        lay.def_offsets.append(pos)
        defs[h & 15] = lay
        return end

    def _dev_type(self, idx: int, num: int) -> DeveloperFieldInfo:
        """The developer field bound by a definition (fitdecode ``_get_dev_type``, IGNORE)."""
        entry = self.dev_types.get(idx)
        if entry is None:
            entry = {"application_id": None, "fields": {}}
            self.dev_types[idx] = entry
        info: DeveloperFieldInfo | None = entry["fields"].get(num)
        if info is None:
            info = DeveloperFieldInfo(idx, num, "byte", 0x0D, None, None)
            entry["fields"][num] = info
        return info

    def _developer_message(self, lay: _Layout, pos: int) -> None:
        """Decode a developer_data_id / field_description now: later definitions use it."""
        rec = np.frombuffer(self.data, dtype=lay.dtype, count=1, offset=pos)[0]
        raws = [_parse_raw(s, v) for s, v in zip(lay.fields, rec.tolist(), strict=True)]
        items: list[_Item] = []
        for spec, raw in zip(lay.fields, raws, strict=True):
            items.extend(_emit_field(lay, spec, raw, raws, None))
        by_name: dict[str, Any] = {}
        for spec, raw in zip(lay.fields, raws, strict=True):
            if spec.dev is None and spec.profile is not None:
                by_name.setdefault(spec.profile.name, raw)
        if lay.global_num == MESG_DEVELOPER_DATA_ID:
            idx: Any = None
            if "developer_data_index" in by_name:
                idx = _as_int(by_name["developer_data_index"], "developer_data_index", pos)
            self.dev_types[idx] = {
                "application_id": by_name.get("application_id"),
                "fields": {},
            }
            self.immediate["developer_data_ids"].append(_message_dict(items))
            return
        idx = by_name.get("developer_data_index")
        if idx is not None:
            idx = _as_int(idx, "developer_data_index", pos)
        if idx not in self.dev_types:
            raise _Stop(
                f"field_description at byte {pos} names developer_data_index {idx}, "
                "which no developer_data_id defined",
                pos,
            )
        base_id = by_name.get("fit_base_type_id")
        if base_id is None:
            base = _BYTE
        else:
            found = _BASES.get(base_id) if isinstance(base_id, int) else None
            if found is None:
                raise _Stop(
                    f"field_description at byte {pos} has an unknown base type {base_id!r}", pos
                )
            base = found
        num = by_name.get("field_definition_number")
        info = DeveloperFieldInfo(
            developer_data_index=idx,
            field_number=num,
            base_type=base.name,
            base_type_id=base.type_id,
            name=by_name.get("field_name"),
            units=by_name.get("units"),
            native_field_num=by_name.get("native_field_num"),
            scale=by_name.get("scale"),
            offset=by_name.get("offset"),
        )
        self.dev_types[idx]["fields"][num] = info
        self.dev_infos.append(info)
        self.immediate["field_descriptions"].append(_message_dict(items))


def _as_int(value: Any, name: str, pos: int) -> int:
    try:
        return int(value)
    except (TypeError, ValueError, OverflowError):
        raise _Stop(f"message at byte {pos} has an invalid {name} ({value!r})", pos) from None


def _run_length(
    arr: npt.NDArray[np.uint8], pos: int, sz: int, h: int, mask: int, limit: int
) -> int:
    """Messages in the run starting at ``pos``: same (masked) header byte every ``sz`` bytes."""
    total = (limit - pos) // sz
    cnt = 0
    step = 64
    while cnt < total:
        m = min(step, total - cnt)
        p = pos + cnt * sz
        view: npt.NDArray[Any] = arr[p : p + m * sz : sz]
        if mask != 0xFF:
            view = view & mask
        diff = view != h
        j = int(diff.argmax())
        if diff[j]:
            return cnt + j
        cnt += m
        step *= 4
    return cnt


def _make_template(
    gnum: int, big: bool, raw_fields: bytes, raw_dev: bytes, dev_infos: list[DeveloperFieldInfo]
) -> _Template:
    mesg_type = _profile.MESSAGE_TYPES.get(gnum)
    specs: list[_Spec] = []
    offset = 1
    error: str | None = None
    for j in range(len(raw_fields) // 3):
        num, size, bid = raw_fields[3 * j], raw_fields[3 * j + 1], raw_fields[3 * j + 2]
        base = _BASES.get(bid, _BYTE)
        prof = mesg_type.fields.get(num) if mesg_type is not None else None
        spec = _spec(len(specs), num, size, base, offset, prof, None)
        if spec.kind == _K_ZERO:
            error = f"field {num} of message {gnum} has size 0"
        specs.append(spec)
        offset += size
    for j, info in enumerate(dev_infos):
        size = raw_dev[3 * j + 1]
        base = _BASES[info.base_type_id]
        spec = _spec(len(specs), info.field_number or 0, size, base, offset, None, info)
        if spec.kind == _K_ZERO:
            error = f"developer field {info.name!r} of message {gnum} has size 0"
        specs.append(spec)
        offset += size
    return _Template(gnum, big, specs, error)


def _spec(
    index: int,
    num: int,
    size: int,
    base: _Base,
    offset: int,
    prof: Any,
    dev: DeveloperFieldInfo | None,
) -> _Spec:
    if size == 0:
        return _Spec(index, num, 0, _BYTE, _K_ZERO, 0, offset, ("u1", (0,)), prof, dev)
    if size % base.size:
        base = _BYTE  # fitdecode (ErrorHandling.IGNORE) reads such a field as bytes
    kind = base.kind
    if kind == _K_BYTES:
        return _Spec(index, num, size, base, kind, size, offset, ("u1", (size,)), prof, dev)
    if kind == _K_STRING:
        return _Spec(index, num, size, base, kind, 1, offset, f"S{size}", prof, dev)
    count = size // base.size
    fmt: Any = base.code if count == 1 else (base.code, (count,))
    return _Spec(index, num, size, base, kind, count, offset, fmt, prof, dev)


# --------------------------------------------------------------------------- bulk read


class _Block:
    """The data messages of one layout, read in bulk."""

    def __init__(self, scan: _Scan, lay: _Layout) -> None:
        self.layout = lay
        runs = lay.runs
        data = scan.data
        sz = lay.size
        dtype = lay.dtype
        if len(runs) == 1:
            s, c, cp, stride = runs[0]
            self.starts = s + stride * np.arange(c, dtype=np.int64)
            self.comp = np.full(c, cp) if cp else None
            self.rec = np.ndarray((c,), dtype=dtype, buffer=data, offset=s, strides=(stride,))
        else:
            rs = np.array([r[0] for r in runs], dtype=np.int64)
            rc = np.array([r[1] for r in runs], dtype=np.int64)
            rstride = np.array([r[3] for r in runs], dtype=np.int64)
            total = int(rc.sum())
            first = np.repeat(np.cumsum(rc) - rc, rc)
            self.starts = np.repeat(rs, rc) + np.repeat(rstride, rc) * (
                np.arange(total, dtype=np.int64) - first
            )
            anycomp = any(r[2] for r in runs)
            self.comp = np.repeat(np.array([r[2] for r in runs]), rc) if anycomp else None
            if all(r[3] == sz for r in runs):
                mv = memoryview(data)
                joined = b"".join([mv[s : s + c * sz] for s, c, _, _ in runs])
                self.rec = np.frombuffer(joined, dtype=dtype)
            else:  # strided runs (cycles): gather raw bytes, then view as messages
                raw = np.concatenate(
                    [
                        np.ndarray(
                            (c, sz), dtype=np.uint8, buffer=data, offset=s, strides=(stride, 1)
                        )
                        for s, c, _, stride in runs
                    ]
                )
                self.rec = raw.view(dtype).reshape(total)
        self.n = len(self.starts)
        self.ts_comp: npt.NDArray[np.int64] | None = None  # compressed timestamp per message
        self.accs: dict[tuple[int, int], tuple[npt.NDArray[np.int64], npt.NDArray[np.bool_]]] = {}
        self._raw_lists: dict[int, list[Any]] = {}
        self._rows: list[list[Any]] | None = None

    def column(self, spec: _Spec) -> npt.NDArray[Any]:
        return self.rec[f"f{spec.index}"]

    def raw_list(self, spec: _Spec) -> list[Any]:
        """Parsed raw values (fitdecode's ``raw_value``) of one field, one per message."""
        got = self._raw_lists.get(spec.index)
        if got is None:
            col = self.column(spec)
            if spec.kind == _K_INT and spec.count == 1:
                vals = col.tolist()
                inv = spec.base.invalid
                got = [None if v == inv else v for v in vals]
            else:
                got = [_parse_raw(spec, v) for v in col.tolist()]
            self._raw_lists[spec.index] = got
        return got

    def raw_rows(self) -> list[list[Any]]:
        """Parsed raw values of every field, one list per message."""
        if self._rows is None:
            cols = [self.raw_list(s) for s in self.layout.fields]
            if cols:
                self._rows = [list(r) for r in zip(*cols, strict=True)]
            else:
                self._rows = [[] for _ in range(self.n)]
        return self._rows

    def int_raw(self, spec: _Spec) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.bool_]]:
        """A scalar integer field as int64 with its valid mask (invalid value excluded)."""
        col = self.column(spec)
        valid = col != spec.base.invalid
        return col.astype(np.int64), np.asarray(valid)


def _segmented_accumulate(
    is_set: npt.NDArray[np.bool_], values: npt.NDArray[np.int64], bits: int
) -> npt.NDArray[np.int64]:
    """Run the FIT accumulation over events already in file order.

    A *set* event loads the accumulator with its value; a *feed* event with value
    ``v`` (< 2^bits) updates it as the FIT SDK does, ``acc = v + (acc & ~mask) +
    (2^bits if v < acc & mask)``, which is ``acc += (v - acc) mod 2^bits``. After a
    feed ``acc mod 2^bits == v``, so each increment is the modular difference to the
    previous event's value, and between two set events the accumulator is the set
    value plus a cumulative sum: no Python loop.

    Returns the accumulator after each event (a set event gives its own value).
    """
    n = len(values)
    if n == 0:
        return np.zeros(0, dtype=np.int64)
    if not is_set[0]:  # a stream starts from 0 (fitdecode's initial accumulator)
        padded = _segmented_accumulate(
            np.concatenate([[True], is_set]), np.concatenate([[0], values]), bits
        )
        return padded[1:]
    m = np.int64(1 << bits)
    prev = np.empty(n, dtype=np.int64)
    prev[0] = 0
    prev[1:] = values[:-1]
    delta = (values - prev) % m
    delta[is_set] = 0
    seg = np.cumsum(is_set) - 1
    set_idx = np.flatnonzero(is_set)
    cs = np.cumsum(delta)
    out: npt.NDArray[np.int64] = values[set_idx][seg] + cs - cs[set_idx][seg]
    return out


# --------------------------------------------------------------------------- decode


def decode(data: bytes | bytearray | memoryview, *, check_crc: bool = True) -> FastResult:
    """Decode a FIT file (chained parts included) in bulk.

    Parameters
    ----------
    data : bytes-like
        The file's content [-].
    check_crc : bool, default True
        Compute header and file CRCs and set :attr:`FastResult.crc_bad` on mismatch.

    Returns
    -------
    FastResult
        Records as numpy columns, summary messages as dicts; never raises on damaged
        input (see :attr:`FastResult.error`).
    """
    with np.errstate(all="ignore"):  # NaN payloads in float fields cast quietly to NaN
        return _decode(bytes(data), check_crc)


def _decode(buf: bytes, check_crc: bool) -> FastResult:
    res = FastResult()
    scan = _Scan(buf)
    scan.run()
    res.headers = len(scan.parts)
    if scan.stop is not None:
        res.error = str(scan.stop)
        res.error_offset = scan.stop.offset
        res.truncated = scan.stop.truncated
    if check_crc:
        res.crc_checked = True
        for part in scan.parts:
            if (
                part.header_crc is not None
                and fit_crc16(buf, part.start, part.start + 12) != part.header_crc
            ):
                res.crc_bad = True
            if part.file_crc_pos is not None:
                (want,) = struct.unpack_from("<H", buf, part.file_crc_pos)
                if fit_crc16(buf, part.start, part.file_crc_pos) != want:
                    res.crc_bad = True
    res.developer_fields = list(scan.dev_infos)
    res.field_descriptions = scan.immediate["field_descriptions"]
    res.developer_data_ids = scan.immediate["developer_data_ids"]

    blocks: dict[int, list[_Block]] = {}
    ts_blocks: list[_Block] = []
    for lay in scan.layouts.values():
        if not lay.runs:
            continue
        wanted = lay.global_num in DECODED_MESSAGES and lay.global_num not in (
            MESG_FIELD_DESCRIPTION,
            MESG_DEVELOPER_DATA_ID,
        )
        if not wanted and not scan.compressed:
            continue
        block = _Block(scan, lay)
        if wanted:
            blocks.setdefault(lay.global_num, []).append(block)
        ts_blocks.append(block)
    if scan.compressed:
        _compressed_timestamps(scan, ts_blocks)
    for gnum, blist in blocks.items():
        _accumulations(scan, gnum, blist)

    for gnum, attr in _DICT_MESSAGES.items():
        if gnum in blocks and attr not in ("field_descriptions", "developer_data_ids"):
            setattr(res, attr, _dict_messages(blocks[gnum]))
    if MESG_RECORD in blocks:
        _records(res, blocks[MESG_RECORD])
    else:
        res.records = {"timestamp": np.zeros(0, dtype=np.int64)}
    return res


def _compressed_timestamps(scan: _Scan, blocks: list[_Block]) -> None:
    """Timestamps of compressed-header messages (FIT protocol, "Compressed Timestamp Header").

    Every message with a valid ``timestamp`` field loads the reference time; every
    compressed header adds its 5-bit offset to it; each FIT file header resets it to
    0 (as fitdecode).
    """
    offs: list[npt.NDArray[np.int64]] = []
    kinds: list[npt.NDArray[np.int64]] = []
    vals: list[npt.NDArray[np.int64]] = []
    owners: list[tuple[_Block, npt.NDArray[np.bool_]]] = []
    for part in scan.parts:
        offs.append(np.array([part.start], dtype=np.int64))
        kinds.append(np.zeros(1, dtype=np.int64))
        vals.append(np.zeros(1, dtype=np.int64))
    for b in blocks:
        ts_specs = [
            s
            for s in b.layout.fields
            if s.dev is None and s.num == FIELD_TIMESTAMP and _is_simple_int(s)
        ]
        for s in ts_specs:
            v, ok = b.int_raw(s)
            offs.append(b.starts[ok])
            kinds.append(np.zeros(int(ok.sum()), dtype=np.int64))
            vals.append(v[ok])
        if b.comp is not None:
            cm = b.comp
            starts = b.starts[cm]
            offs.append(starts)
            kinds.append(np.ones(len(starts), dtype=np.int64))
            vals.append((scan.arr[starts] & 0x1F).astype(np.int64))
            owners.append((b, cm))
    off = np.concatenate(offs)
    kind = np.concatenate(kinds)
    val = np.concatenate(vals)
    order = np.lexsort((kind, off))
    off, kind, val = off[order], kind[order], val[order]
    acc = _segmented_accumulate(kind == 0, val, 5)
    feed = kind == 1
    f_off, f_acc = off[feed], acc[feed]
    for b, cm in owners:
        ts = np.full(b.n, -1, dtype=np.int64)
        ts[cm] = f_acc[np.searchsorted(f_off, b.starts[cm])]
        b.ts_comp = ts


def _accumulations(scan: _Scan, gnum: int, blocks: list[_Block]) -> None:
    """Accumulated components (e.g. ``record.distance`` from ``compressed_speed_distance``).

    fitdecode's accumulator for (message, component field) starts at 0 at every
    definition of that message holding a field with such a component, and each
    message adds ``(bits - acc) mod 2^bits``.
    """
    feeds: dict[int, list[tuple[_Block, _Spec, int, Any]]] = {}
    for b in blocks:
        for spec in b.layout.fields:
            fld = spec.profile
            if spec.dev is not None or fld is None or not fld.components:
                continue
            for ci, comp in enumerate(fld.components):
                if comp.accumulate:
                    feeds.setdefault(comp.def_num, []).append((b, spec, ci, comp))
    if not feeds:
        return
    del scan
    for target, lst in feeds.items():
        bits_set = {comp.bits for _, _, _, comp in lst}
        resets: list[int] = []
        seen_layouts: set[int] = set()
        for b in blocks:
            lay = b.layout
            if id(lay) in seen_layouts:
                continue
            seen_layouts.add(id(lay))
            if any(
                s.dev is None
                and s.profile is not None
                and s.profile.components
                and any(c.accumulate and c.def_num == target for c in s.profile.components)
                for s in lay.fields
            ):
                resets.extend(lay.def_offsets)
        offs = [np.array(resets, dtype=np.int64)]
        kinds = [np.zeros(len(resets), dtype=np.int64)]
        vals = [np.zeros(len(resets), dtype=np.int64)]
        bits_arr = [np.zeros(len(resets), dtype=np.int64)]
        owners = []
        for b, spec, ci, comp in lst:
            craw, ok = _component_column(b, spec, comp)
            offs.append(b.starts[ok])
            kinds.append(np.ones(int(ok.sum()), dtype=np.int64))
            vals.append(craw[ok])
            bits_arr.append(np.full(int(ok.sum()), comp.bits, dtype=np.int64))
            owners.append((b, spec, ci, ok))
        off = np.concatenate(offs)
        kind = np.concatenate(kinds)
        val = np.concatenate(vals)
        bits = np.concatenate(bits_arr)
        order = np.lexsort((kind, off))
        off, kind, val, bits = off[order], kind[order], val[order], bits[order]
        if len(bits_set) == 1:
            acc = _segmented_accumulate(kind == 0, val, next(iter(bits_set)))
        else:
            acc = np.zeros(len(val), dtype=np.int64)
            a = 0
            for i, (k, v, nb) in enumerate(
                zip(kind.tolist(), val.tolist(), bits.tolist(), strict=True)
            ):
                if k == 0:
                    a = 0
                else:
                    mask = (1 << nb) - 1
                    a = v + (a & ~mask) + ((1 << nb) if v < (a & mask) else 0)
                acc[i] = a
        feed = kind == 1
        f_off, f_acc = off[feed], acc[feed]
        for b, spec, ci, ok in owners:
            out = np.zeros(b.n, dtype=np.int64)
            out[ok] = f_acc[np.searchsorted(f_off, b.starts[ok])]
            b.accs[(spec.index, ci)] = (out, ok)


def _component_column(
    b: _Block, spec: _Spec, comp: Any
) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.bool_]]:
    """A component's bits for every message of a block, with a mask of where it exists."""
    if spec.kind == _K_INT and spec.count == 1:
        v, ok = b.int_raw(spec)
        return (v >> comp.bit_offset) & ((1 << comp.bits) - 1), ok
    vals = np.zeros(b.n, dtype=np.int64)
    ok = np.zeros(b.n, dtype=bool)
    for i, raw in enumerate(b.raw_list(spec)):
        try:
            c = _component_raw(comp, raw)
        except ValueError:
            continue
        if isinstance(c, int):
            vals[i] = c
            ok[i] = True
    return vals, ok


def _block_accs(b: _Block, row: int) -> dict[tuple[int, int], int]:
    return {k: int(v[row]) for k, (v, ok) in b.accs.items() if ok[row]}


def _dict_plan(lay: _Layout) -> list[tuple[Any, ...]]:
    """Per field: ``(True, name, enum, scaler)`` when fitdecode's value is a plain
    render + scale of the raw value, else ``(False, spec)`` (subfields, components)."""
    tmpl = lay.template
    if tmpl.dict_plan is None:
        plan: list[tuple[Any, ...]] = []
        for spec in lay.fields:
            fld = spec.profile
            if spec.dev is not None:
                plan.append((True, spec.dev.name, None, None))
            elif fld is None:
                plan.append((True, f"unknown_{spec.num}", None, None))
            elif fld.subfields or fld.components:
                plan.append((False, spec))
            else:
                scaler = fld if (fld.scale or fld.offset) else None
                plan.append((True, fld.name, fld.type.enum or None, scaler))
        tmpl.dict_plan = plan
    return tmpl.dict_plan


def _dict_messages(blocks: list[_Block]) -> list[dict[Any, Any]]:
    """Summary messages as dicts, in file order (first non-None value of a name wins)."""
    keyed: list[tuple[int, dict[Any, Any]]] = []
    for b in blocks:
        lay = b.layout
        plan = _dict_plan(lay)
        rows = b.raw_rows()
        starts = b.starts.tolist()
        comp = b.comp.tolist() if b.comp is not None and b.ts_comp is not None else None
        for r, raws in enumerate(rows):
            out: dict[Any, Any] = {}
            for i, step in enumerate(plan):
                if step[0]:
                    _, name, enum, scaler = step
                    v = raws[i]
                    if v is not None:
                        if enum is not None and v in enum:
                            v = enum[v]
                        elif scaler is not None:
                            v = _scale_offset(scaler, v)
                        if out.get(name) is None:
                            out[name] = v
                    elif name not in out:
                        out[name] = None
                    continue
                accs = _block_accs(b, r) if b.accs else None
                for name, v, _dev, _units in _emit_field(lay, step[1], raws[i], raws, accs):
                    if v is None:
                        if name not in out:
                            out[name] = None
                    elif out.get(name) is None:
                        out[name] = v
            if (
                comp is not None
                and comp[r]
                and b.ts_comp is not None
                and out.get("timestamp") is None
            ):
                out["timestamp"] = int(b.ts_comp[r])
            keyed.append((starts[r], out))
    keyed.sort(key=lambda kv: kv[0])
    return [d for _, d in keyed]


# --------------------------------------------------------------------------- records

_Col = tuple[Any, npt.NDArray[Any] | None, bool, Any]  # (name, column, developer field, units)


def _nan_where(values: npt.NDArray[np.float64], valid: npt.NDArray[np.bool_]) -> npt.NDArray[Any]:
    if valid.all():
        return values
    return np.where(valid, values, np.nan)


def _object_column(values: list[Any]) -> npt.NDArray[Any]:
    out = np.empty(len(values), dtype=object)
    out[:] = values
    return out


def _is_simple_int(spec: _Spec) -> bool:
    return spec.kind == _K_INT and spec.count == 1 and spec.base.size < 8


def _record_columns(b: _Block) -> list[_Col]:
    """The record fields of one block as columns, in fitdecode's FieldData order."""
    lay = b.layout
    out: list[_Col] = []
    mt = lay.mesg_type
    for spec in lay.fields:
        if spec.dev is not None:
            name, units = spec.dev.name, spec.dev.units
            if spec.count == 1 and spec.kind in (_K_INT, _K_FLOAT):
                col = b.column(spec)
                if spec.kind == _K_INT:
                    valid = np.asarray(col != spec.base.invalid)
                    if spec.base.size == 8:
                        vals = _object_column(b.raw_list(spec))
                        out.append((name, vals, True, units))
                        continue
                else:
                    valid = ~np.isnan(col)
                out.append((name, _nan_where(col.astype(np.float64), valid), True, units))
            else:
                out.append((name, None, True, units))
            continue
        fld = spec.profile
        simple = (spec.kind == _K_FLOAT and spec.count == 1) or _is_simple_int(spec)
        if fld is None:
            if simple:
                out.append((f"unknown_{spec.num}", _float_col(b, spec), False, None))
            elif _is_numeric_array(spec):
                out.append((f"unknown_{spec.num}", _array_col(b, spec, None), False, None))
            else:
                out.append((f"unknown_{spec.num}", _object_column(b.raw_list(spec)), False, None))
            continue
        if (
            _is_numeric_array(spec)
            and not fld.subfields
            and not fld.components
            and not fld.type.enum
        ):
            out.append((fld.name, _array_col(b, spec, fld), False, fld.units))
            continue
        if (
            not simple
            or fld.subfields
            or (fld.name == "timestamp" and spec.kind != _K_INT)
            or (spec.kind == _K_FLOAT and (fld.components or fld.type.enum))
            or any(
                mt.fields.get(c.def_num) is None or mt.fields[c.def_num].subfields
                for c in (fld.components or ())
            )
        ):
            out.extend(_rowwise_columns(b, spec))
            continue
        if fld.components:
            raw, ok = b.int_raw(spec)
            for ci, comp in enumerate(fld.components):
                if comp.accumulate and (spec.index, ci) in b.accs:
                    craw, cok = b.accs[(spec.index, ci)]
                else:
                    craw, cok = (raw >> comp.bit_offset) & ((1 << comp.bits) - 1), ok
                cfield = mt.fields[comp.def_num]
                out.append((cfield.name, _finish(cfield, comp, craw, cok), False, cfield.units))
        if spec.kind != _K_FLOAT:
            raw, ok = b.int_raw(spec)
            out.append((fld.name, _finish(fld, fld, raw, ok), False, fld.units))
        else:
            vals = _float_col(b, spec)
            if fld.scale:
                vals = vals / fld.scale
            if fld.offset:
                vals = vals - fld.offset
            out.append((fld.name, vals, False, fld.units))
    if b.ts_comp is not None and b.comp is not None:
        ts = np.where(b.comp, b.ts_comp.astype(np.float64), np.nan)
        out.append(("timestamp", ts, False, "s"))
    return out


def _is_numeric_array(spec: _Spec) -> bool:
    return spec.count > 1 and (
        spec.kind == _K_FLOAT or (spec.kind == _K_INT and spec.base.size < 8)
    )


def _array_col(b: _Block, spec: _Spec, fld: Any) -> npt.NDArray[Any]:
    """A numeric array field as an object column of tuples (invalid elements None)."""
    col = b.column(spec)
    if spec.kind == _K_FLOAT:
        valid = ~np.isnan(col)
        vals: npt.NDArray[Any] = col.astype(np.float64)
    else:
        valid = np.asarray(col != spec.base.invalid)
        vals = col.astype(np.int64)
    if fld is not None and fld.scale:
        vals = vals / fld.scale
    if fld is not None and fld.offset:
        vals = vals - fld.offset
    parts = []
    for j in range(spec.count):
        c = vals[:, j].astype(object)
        c[~valid[:, j]] = None
        parts.append(c.tolist())
    return _object_column(list(zip(*parts, strict=True)))


def _float_col(b: _Block, spec: _Spec) -> npt.NDArray[np.float64]:
    col = b.column(spec)
    if spec.kind == _K_FLOAT:
        return col.astype(np.float64)
    return _nan_where(col.astype(np.float64), np.asarray(col != spec.base.invalid))


def _finish(
    fld: Any, scaler: Any, raw: npt.NDArray[np.int64], ok: npt.NDArray[np.bool_]
) -> npt.NDArray[Any]:
    """Render (enum name), then scale and offset, an int64 column; invalid -> NaN/None."""
    enum = fld.type.enum
    if enum:
        out_obj = np.empty(len(raw), dtype=object)
        if ok.any():
            uniq, inv = np.unique(raw[ok], return_inverse=True)
            rendered = [_scale_offset(scaler, _render(fld, v)) for v in uniq.tolist()]
            out_obj[ok] = _object_column(rendered)[inv]
        return out_obj
    out = raw.astype(np.float64)
    if scaler.scale:
        out = out / scaler.scale
    if scaler.offset:
        out = out - scaler.offset
    return _nan_where(out, ok)


def _rowwise_columns(b: _Block, spec: _Spec) -> list[_Col]:
    """Columns of a field that needs fitdecode's per-message logic (arrays, subfields...)."""
    lay = b.layout
    rows = b.raw_rows()
    raws_i = b.raw_list(spec)
    cols: dict[Any, list[Any]] = {}
    units: dict[Any, Any] = {}
    for r, raws in enumerate(rows):
        accs = _block_accs(b, r) if b.accs else None
        for name, value, _dev, unit in _emit_field(lay, spec, raws_i[r], raws, accs):
            col = cols.get(name)
            if col is None:
                col = cols[name] = [None] * b.n
                units[name] = unit
            if col[r] is None:
                col[r] = value
    out: list[_Col] = []
    for name, values in cols.items():
        if all(
            v is None or (isinstance(v, (int, float)) and not isinstance(v, bool)) for v in values
        ):
            arr = np.array([np.nan if v is None else v for v in values], dtype=np.float64)
            if all(v is None or isinstance(v, float) or abs(v) < 2**53 for v in values):
                out.append((name, arr, False, units[name]))
                continue
        out.append((name, _object_column(values), False, units[name]))
    return out


def _missing(col: npt.NDArray[Any]) -> npt.NDArray[np.bool_]:
    if col.dtype == object:
        return np.asarray(
            [v is None or (isinstance(v, float) and v != v) for v in col.tolist()], dtype=bool
        )
    nan: npt.NDArray[np.bool_] = np.isnan(col)
    return nan


def _to_object(col: npt.NDArray[Any]) -> npt.NDArray[Any]:
    if col.dtype == object:
        return col
    return _object_column([None if v != v else v for v in col.tolist()])


def _merge_first(old: npt.NDArray[Any], new: npt.NDArray[Any]) -> npt.NDArray[Any]:
    """Keep ``old`` where present, fill its gaps from ``new`` (first non-None wins)."""
    if old.dtype != object and new.dtype != object:
        return np.where(np.isnan(old), new, old)
    o, n = _to_object(old), _to_object(new)
    gap = _missing(o)
    out = o.copy()
    out[gap] = n[gap]
    return out


def _merge_last_numeric(old: npt.NDArray[Any], new: npt.NDArray[Any]) -> npt.NDArray[Any]:
    """Developer fields: a later numeric value replaces an earlier one."""
    if old.dtype != object and new.dtype != object:
        return np.where(np.isnan(new), old, new)
    o, n = _to_object(old), _to_object(new)
    take = ~_missing(n)
    out = o.copy()
    out[take] = n[take]
    return out


def _records(res: FastResult, blocks: list[_Block]) -> None:
    """Fill :attr:`FastResult.records`, ``n_records`` and ``dev_units``."""
    all_starts = np.concatenate([b.starts for b in blocks])
    order = np.argsort(all_starts, kind="stable")
    sorted_starts = all_starts[order]
    n = len(all_starts)
    res.n_records = n
    columns: dict[str, npt.NDArray[Any]] = {}
    first_seen: list[tuple[int, str, str]] = []
    for b in blocks:
        pos = np.searchsorted(sorted_starts, b.starts)
        local: dict[str, npt.NDArray[Any]] = {}
        for name, col, is_dev, units in _record_columns(b):
            if is_dev:
                key = f"dev_{name}"
                first_seen.append((int(b.starts.min()), key, str(units or "")))
                if col is None:
                    continue
                if col.dtype != object and np.isnan(col).all():
                    continue
                local[key] = col if key not in local else _merge_last_numeric(local[key], col)
            elif col is not None:
                key = str(name)
                local[key] = col if key not in local else _merge_first(local[key], col)
        for key, col in local.items():
            if key == "timestamp" and col.dtype == object:
                col = _integer_times(col)
            dest = columns.get(key)
            if dest is None:
                dest = np.empty(n, dtype=object) if col.dtype == object else np.full(n, np.nan)
                columns[key] = dest
            elif col.dtype == object and dest.dtype != object:
                dest = columns[key] = _to_object(dest)
            if dest.dtype == object and col.dtype != object:
                col = _to_object(col)
            dest[pos] = col
    first_seen.sort(key=lambda t: t[0])
    for _, key, units in first_seen:
        res.dev_units.setdefault(key, units)
    out: dict[str, npt.NDArray[Any]] = {}
    ts = columns.pop("timestamp", None)
    if ts is None:
        out["timestamp"] = np.full(n, -1, dtype=np.int64)
    else:
        out["timestamp"] = _timestamp_column(ts)
    for key, col in columns.items():
        if col.dtype == object:
            if any(v is not None for v in col.tolist()):
                out[key] = col
        elif not np.isnan(col).all():
            out[key] = col
    res.records = out


def _integer_times(col: npt.NDArray[Any]) -> npt.NDArray[np.float64]:
    """Timestamps that are not integers (a field declared float or bytes) count as missing."""
    return np.array(
        [
            float(v)
            if isinstance(v, int) and not isinstance(v, bool) and -(2**53) < v < 2**53
            else np.nan
            for v in col.tolist()
        ],
        dtype=np.float64,
    )


def _timestamp_column(col: npt.NDArray[Any]) -> npt.NDArray[np.int64]:
    """FIT-epoch seconds as int64, -1 where absent or not an integer (as read_fit treats it)."""
    ok = ~np.isnan(col)
    out = np.full(len(col), -1, dtype=np.int64)
    out[ok] = col[ok].astype(np.int64)
    return out
