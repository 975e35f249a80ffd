"""``runform serve``: a local web dashboard over the same services as the CLI.

Activity list (sort and filter by date, sport and run type), activity, season
and plan pages (HTML from :mod:`runform.report`), and import by upload with
progress. Standard library HTTP server, no framework, no external assets; binds
loopback only unless told otherwise. See :mod:`runform.web.server`.
"""

from __future__ import annotations

from runform.web.server import DashboardServer, make_server, serve

__all__ = ["DashboardServer", "make_server", "serve"]
