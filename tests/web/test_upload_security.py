"""Units of the dashboard's upload parser and request checks (no server needed)."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from web_helpers import multipart

from runform.errors import UsageError
from runform.web.security import check_bind_host, is_loopback, post_allowed
from runform.web.upload import UploadError, receive_upload, safe_name


def test_several_files_keep_their_bytes_and_names(tmp_path: Path) -> None:
    files = [("a.fit", b"\x00\r\n--not-a-boundary\r\n" * 50), ("Läufe/über.gpx", b"<gpx/>")]
    body, ctype = multipart(files)
    got = receive_upload(io.BytesIO(body), len(body), ctype, tmp_path)
    assert [f.filename for f in got] == ["a.fit", "Läufe/über.gpx"]
    assert [f.path.read_bytes() for f in got] == [data for _, data in files]
    assert [f.size for f in got] == [len(data) for _, data in files]
    assert all(f.path.is_relative_to(tmp_path) for f in got)
    assert not (tmp_path / "body.part").exists()


@pytest.mark.parametrize(
    ("sent", "saved"),
    [
        ("../../etc/passwd", "passwd"),
        ("C:\\Users\\me\\run.fit", "run.fit"),
        (".hidden.fit", "hidden.fit"),
        ("..", "upload"),
        ("<script>.gpx", "_script_.gpx"),
    ],
)
def test_saved_names_cannot_leave_the_upload_folder(sent: str, saved: str) -> None:
    assert safe_name(sent) == saved


def test_truncated_and_oversized_bodies_are_refused(tmp_path: Path) -> None:
    body, ctype = multipart([("a.fit", b"x" * 1000)])
    (tmp_path / "n").mkdir()
    with pytest.raises(UploadError, match="cut off") as exc:
        receive_upload(io.BytesIO(body[:500]), len(body), ctype, tmp_path / "n")
    assert exc.value.status == 400
    (tmp_path / "m").mkdir()
    with pytest.raises(UploadError, match="limit") as exc:
        receive_upload(io.BytesIO(body), len(body), ctype, tmp_path / "m", max_bytes=100)
    assert exc.value.status == 413
    with pytest.raises(UploadError) as exc:
        receive_upload(io.BytesIO(body), None, ctype, tmp_path / "m")
    assert exc.value.status == 411


def test_loopback_checks() -> None:
    assert is_loopback("127.0.0.1") and is_loopback("::1") and is_loopback("localhost")
    assert is_loopback("127.8.9.10")
    assert not is_loopback("0.0.0.0") and not is_loopback("192.168.1.10")
    check_bind_host("127.0.0.1", allow_remote=False)
    with pytest.raises(UsageError, match=r"--host 0\.0\.0\.0"):
        check_bind_host("0.0.0.0", allow_remote=False)
    check_bind_host("0.0.0.0", allow_remote=True)


@pytest.mark.parametrize(
    ("origin", "site", "allowed"),
    [
        (None, None, True),  # not a browser (curl, a script)
        ("http://127.0.0.1:8765", "same-origin", True),
        ("http://127.0.0.1:8765", None, True),
        (None, "none", True),  # typed into the address bar / bookmark
        ("http://127.0.0.1:9999", None, False),  # another local server
        ("https://127.0.0.1:8765", None, False),
        ("http://evil.example", "cross-site", False),
        (None, "same-site", False),
        ("null", None, False),
    ],
)
def test_post_origin_rules(origin: str | None, site: str | None, allowed: bool) -> None:
    assert post_allowed(origin, site, "127.0.0.1:8765")[0] is allowed
