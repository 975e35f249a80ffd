"""Video gait analysis: decode a clip, find the runner's pose, draw the results.

This package is the optional extra ``runform[video]`` (PyAV to decode and encode,
Pillow to crop and draw, the LiteRT interpreter ``ai-edge-litert`` to run the
BlazePose GHUM landmark model that ships in :mod:`runform.video.models`). The
geometry (angles, events, cadence) lives in :mod:`runform.core.gait_video` and
needs numpy only. Nothing here downloads anything at run time.

Importing this package is cheap: the heavy libraries are imported inside the
functions that need them, and :func:`require_backend` turns their absence into
one clear line.
"""

from __future__ import annotations

import importlib.util

from runform.errors import RunformError

__all__ = ["INSTALL_HINT", "VideoExtraMissingError", "missing_backend", "require_backend"]

INSTALL_HINT = "video analysis needs the optional extra: pip install 'runform[video]'"

_BACKEND_MODULES = {"av": "av", "PIL": "pillow", "ai_edge_litert": "ai-edge-litert"}


class VideoExtraMissingError(RunformError):
    """The optional video dependencies are not installed."""


def missing_backend() -> list[str]:
    """Names of the pip packages of the video extra that are not installed."""
    return [pkg for mod, pkg in _BACKEND_MODULES.items() if importlib.util.find_spec(mod) is None]


def require_backend() -> None:
    """Raise :class:`VideoExtraMissingError` (one line) unless the video extra is installed."""
    missing = missing_backend()
    if missing:
        raise VideoExtraMissingError(f"{INSTALL_HINT} (missing: {', '.join(missing)})")
