"""Safe XML parsing shared by the TCX and GPX readers.

Activity files arrive from strangers (exports, e-mails, archives), so XML is
parsed with :mod:`defusedxml`, which refuses the known attacks instead of
expanding them:

* entity expansion ("billion laughs", quadratic blow-up) and external entities
  (``<!ENTITY x SYSTEM "file:///etc/passwd">``) [1]_;
* any document type declaration (``<!DOCTYPE ...>``): GPX and TCX are defined by
  XML Schema, never by a DTD, so a DTD in an activity file is at best useless
  and at worst the carrier of the attacks above.

Every failure becomes an :class:`~runform.errors.InputFileError` naming the
file and the problem; no parser exception leaks out. Element names are reduced
to their local part (``{http://www.topografix.com/GPX/1/1}trkpt`` -> ``trkpt``)
because writers disagree on namespaces (GPX 1.0 vs 1.1, Garmin extension
versions, prefixes or none), and the readers match on local names only.

References
----------
.. [1] OWASP, "XML External Entity Prevention Cheat Sheet",
   https://cheatsheetseries.owasp.org/cheatsheets/XML_External_Entity_Prevention_Cheat_Sheet.html
   and the defusedxml documentation, https://github.com/tiran/defusedxml
"""

from __future__ import annotations

import gc
import math
import re
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from xml.etree.ElementTree import Element, ParseError

import pandas as pd
from defusedxml import DTDForbidden, EntitiesForbidden, ExternalReferenceForbidden
from defusedxml import ElementTree as SafeET

from runform.errors import InputFileError

MAX_XML_BYTES = 512 * 1024 * 1024
"""Largest XML activity file accepted [bytes] (512 MiB). A 10-hour 1-Hz TCX with
every extension is about 15 MB; the limit only stops files that would need
gigabytes of memory as an element tree (roughly 10x their size)."""

_UTF8_BOM = b"\xef\xbb\xbf"
_XML_WS = b" \t\r\n"
_POSITION_SUFFIX = re.compile(r":\s*line \d+, column \d+\s*$")
_OFFSET = re.compile(r"(?:([+-])(\d{2}):?(\d{2})|Z)$")


def local_name(tag: str) -> str:
    """The local part of an ElementTree tag: ``{uri}name`` -> ``name``."""
    return tag.rpartition("}")[2]


@contextmanager
def _gc_paused() -> Iterator[None]:
    """Pause the cyclic garbage collector while building a large element tree.

    Every element is a GC-tracked container, so a 3 MB TCX (60 000 elements)
    triggers repeated full collections that scan the growing tree: measured
    0.16-1.0 s per parse with the collector on versus 0.04-0.11 s with it
    paused. Reference counting still frees everything; the collector resumes
    (if it was on) when the block exits.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def _hint(data: bytes) -> str:
    """A guess at what a non-XML file really is, for the error message."""
    if data[8:12] == b".FIT":
        return "; it looks like a FIT file, import it as .fit"
    if data[:2] == b"\x1f\x8b":
        return "; it looks gzip-compressed, import it as .gz or decompress it first"
    if data[:4] == b"PK\x03\x04":
        return "; it looks like a ZIP archive, import the archive instead"
    return ""


def parse_xml(data: bytes, path: str, *, max_bytes: int = MAX_XML_BYTES) -> Element:
    """Parse untrusted XML bytes safely and return the root with local tag names.

    Parameters
    ----------
    data : bytes
        The whole file [bytes]; a UTF-8 byte-order mark and leading whitespace
        before the XML declaration are accepted.
    path : str
        The file as the user named it, used only in error messages [label].
    max_bytes : int, optional
        Size limit [bytes]; larger files are refused (default :data:`MAX_XML_BYTES`).

    Returns
    -------
    Element
        The document root. Every element's ``tag`` is its local name (the
        namespace is dropped); comments and processing instructions are absent.

    Raises
    ------
    InputFileError
        ``empty file``; a file over ``max_bytes``; ``refused: ...`` for DTDs,
        entity declarations or external references; ``not valid XML: <reason>
        (line L, column C)`` for anything expat cannot parse (line and column
        are 1-based, as editors count).
    """
    if len(data) > max_bytes:
        raise InputFileError(
            path,
            f"too large: {len(data) / 2**20:.0f} MiB exceeds the {max_bytes / 2**20:.0f} MiB "
            "limit for XML activity files",
        )
    body = data[len(_UTF8_BOM) :] if data.startswith(_UTF8_BOM) else data
    if not body.strip(_XML_WS):
        raise InputFileError(path, "empty file")
    if body[:1] in (b" ", b"\t", b"\r", b"\n"):
        # Whitespace before "<?xml" is a fatal error for expat but harmless;
        # some exporters write a blank line first. The BOM goes with it.
        data = body.lstrip(_XML_WS)
    try:
        with _gc_paused():
            root: Element = SafeET.fromstring(data, forbid_dtd=True)
            _strip_namespaces(root)
    except DTDForbidden as exc:
        if b"<!ENTITY" in data:
            raise InputFileError(
                path, "refused: the XML declares entities (possible XML bomb)"
            ) from exc
        raise InputFileError(
            path,
            "refused: the XML declares a document type (DTD); GPX and TCX files never "
            "need one and it can carry an XML bomb",
        ) from exc
    except EntitiesForbidden as exc:  # pragma: no cover - forbid_dtd stops these first
        raise InputFileError(
            path, "refused: the XML declares entities (possible XML bomb)"
        ) from exc
    except ExternalReferenceForbidden as exc:  # pragma: no cover - likewise
        raise InputFileError(
            path, "refused: the XML refers to an external resource (possible attack)"
        ) from exc
    except ParseError as exc:
        line, column = exc.position
        reason = _POSITION_SUFFIX.sub("", str(exc)) or "parse error"
        raise InputFileError(
            path, f"not valid XML: {reason} (line {line}, column {column + 1}){_hint(data)}"
        ) from exc
    return root


def _strip_namespaces(root: Element) -> None:
    """Replace every ``{uri}name`` tag by ``name`` in place (one shared string per name)."""
    names: dict[str, str] = {}
    for element in root.iter():
        tag = element.tag
        if not isinstance(tag, str):
            continue
        name = names.get(tag)
        if name is None:
            name = names[tag] = local_name(tag)
        element.tag = name


def text_of(element: Element | None, subpath: str | None = None) -> str | None:
    """Stripped text of ``element`` (or of its first ``subpath`` match); None if absent or blank."""
    if element is None:
        return None
    target = element.find(subpath) if subpath else element
    if target is None or target.text is None:
        return None
    text = target.text.strip()
    return text or None


def float_of(text: str | None) -> float:
    """``text`` as a float; NaN when absent, blank, unparseable or infinite."""
    if text is None:
        return math.nan
    try:
        value = float(text)
    except ValueError:
        return math.nan
    return value if math.isfinite(value) else math.nan


def parse_times(texts: Sequence[str | None]) -> tuple[pd.Series, int, int]:
    """Parse xsd:dateTime strings into timezone-aware UTC timestamps.

    Parameters
    ----------
    texts : sequence of str or None
        ISO 8601 strings as written in the file (``Z``, ``+hh:mm`` offsets and
        fractional seconds accepted; a time without offset is taken as UTC,
        which GPX 1.1 and TCX both prescribe) [ISO 8601].

    Returns
    -------
    times, n_missing, n_invalid
        A ``datetime64[ns, UTC]`` Series aligned to ``texts`` (NaT where absent
        or unparseable), the count of absent and the count of unparseable times.
    """
    raw = pd.Series(list(texts), dtype=object)
    times = pd.to_datetime(raw, utc=True, format="ISO8601", errors="coerce")
    missing = raw.isna()
    n_missing = int(missing.sum())
    n_invalid = int((times.isna() & ~missing).sum())
    return times, n_missing, n_invalid


def utc_offset_seconds(text: str | None) -> int | None:
    """Local-time offset [s] written in an xsd:dateTime string; None for ``Z`` or no offset."""
    if not text:
        return None
    match = _OFFSET.search(text.strip())
    if match is None or match.group(1) is None:
        return None
    sign = -1 if match.group(1) == "-" else 1
    return sign * (int(match.group(2)) * 3600 + int(match.group(3)) * 60)
