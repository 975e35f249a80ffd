"""An upload saved under a temporary name is reported and stored under the name the user gave."""

from __future__ import annotations

import shutil
import zipfile
from pathlib import Path
from typing import Any

from runform.services import import_paths
from runform.store.db import Store


def test_labels_name_files_and_archive_members(demo_block: dict[str, Any], tmp_path: Path) -> None:
    fits = sorted((Path(demo_block["result"]["folder"]) / "files").glob("*.fit"))[:3]
    saved = tmp_path / "upload-8f3a" / "0"
    saved.mkdir(parents=True)
    one = saved / "tmp-one.fit"
    shutil.copy(fits[0], one)
    archive = saved / "tmp-two.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        zf.write(fits[1], "activities/a.fit")
        zf.writestr("activities/broken.fit", b"\x0e\x10not a fit file at all")
    with Store(tmp_path / "s.duckdb") as store:
        report = import_paths(
            store,
            [one, archive],
            athlete="me",
            labels={str(one): "tuesday.fit", str(archive): "export.zip"},
        )
        paths = sorted(r[0] for r in store.con.execute("SELECT path FROM source_files").fetchall())
    assert report.imported == 2
    assert paths == ["export.zip!activities/a.fit", "tuesday.fit"]
    assert [f["path"] for f in report.failed] == ["export.zip!activities/broken.fit"]
    assert "upload-8f3a" not in str(report.as_json())
