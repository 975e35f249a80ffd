"""The shared device corpus for the reader tests: where it is, and each file read once.

Without the corpus (``../shared/corpus`` or the folder ``RUNFORM_CORPUS`` names), the
tests that use it skip and say where it was looked for.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from functools import cache
from pathlib import Path

import pytest

from runform.errors import InputFileError
from runform.schema import Activity

CORPUS = Path(
    os.environ.get("RUNFORM_CORPUS", Path(__file__).resolve().parents[3] / "shared" / "corpus")
)
ABSENT = f"corpus folder absent ({CORPUS}); set RUNFORM_CORPUS to run corpus tests"

Reader = Callable[[bytes, str], list[Activity]]


def corpus_file(relative: str) -> Path:
    """A corpus file by its corpus-relative path; skips the test when it is absent."""
    path = CORPUS / relative
    if not path.is_file():
        pytest.skip(ABSENT)
    return path


def corpus_reader(
    read: Reader,
) -> tuple[Callable[[Path], list[Activity] | InputFileError], Callable[[Path], list[Activity]]]:
    """``(read_corpus, read_ok)`` for one reader: each file is read once per session;
    ``read_corpus`` returns the reader's error, ``read_ok`` fails the test on one."""

    @cache
    def read_corpus(path: Path) -> list[Activity] | InputFileError:
        try:
            return read(path.read_bytes(), str(path))
        except InputFileError as exc:
            return exc

    def read_ok(path: Path) -> list[Activity]:
        result = read_corpus(path)
        assert not isinstance(result, InputFileError), result
        return result

    return read_corpus, read_ok
