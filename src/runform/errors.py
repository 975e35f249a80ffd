"""The one error root of runform.

Every error a user can cause (bad file, bad argument, missing activity) is a
:class:`RunformError`; the CLI prints it as one line and exits non-zero. A full
traceback is shown only when the environment variable ``RUNFORM_DEBUG`` is set.
"""

from __future__ import annotations


class RunformError(Exception):
    """Root of every error runform raises on purpose."""

    exit_code: int = 1


class UsageError(RunformError):
    """A wrong argument or option value (exit code 2)."""

    exit_code = 2


class InputFileError(RunformError):
    """A file that cannot be read as what it claims to be.

    Parameters
    ----------
    path : str
        The file, as the user named it (archive members as ``archive.zip!member``).
    problem : str
        What is wrong, in plain words, ideally with what to do about it.
    """

    def __init__(self, path: str, problem: str) -> None:
        self.path = path
        self.problem = problem
        super().__init__(f"{path}: {problem}")


class UnsupportedFileError(InputFileError):
    """A file of a kind runform does not import (counted as skipped, not failed)."""


class StoreError(RunformError):
    """The activity store cannot be opened or is inconsistent."""


class NotFoundError(RunformError):
    """An activity, athlete or plan that does not exist."""
