"""runform: running technique analytics for marathon runners and their coaches.

Library first: ``runform.read(path)`` gives the canonical activity of a FIT,
TCX or GPX file with its streams as a pandas DataFrame in SI units. Imports are
lazy so that ``runform --help`` stays instant.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from runform.io import read, read_all
    from runform.schema import Activity

__all__ = ["Activity", "read", "read_all"]
__version__ = "0.1.0"


def __getattr__(name: str) -> Any:
    if name in ("read", "read_all"):
        from runform import io

        return getattr(io, name)
    if name == "Activity":
        from runform.schema import Activity

        return Activity
    raise AttributeError(f"module 'runform' has no attribute {name!r}")
