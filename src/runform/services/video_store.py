"""Video gait analyses kept with the activity they were filmed in.

``runform video CLIP --activity ID`` attaches the analysis (its JSON and the contact
sheet PNG) to a run in the store, so the run's report shows the video section next to
the watch data: the cadence from the clip beside the cadence the watch recorded. Only
the store is touched here (no video decoding), so reports need no ``runform[video]``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from runform.errors import NotFoundError
from runform.store.db import Store


def attach_video(store: Store, athlete: str, activity_id: int, result: dict[str, Any]) -> int:
    """Attach an :func:`runform.services.video.analyze_video` result to an activity.

    Raises :class:`runform.errors.NotFoundError` when the athlete has no such activity.
    Returns the id of the stored analysis.
    """
    aid = store.athlete_id(athlete)
    store.activity_record(aid, activity_id)  # raises NotFoundError for a wrong id
    png = None
    sheet = (result.get("outputs") or {}).get("contact_sheet")
    if sheet and Path(sheet).is_file():
        png = Path(sheet).read_bytes()
    return store.add_video_analysis(aid, activity_id, result, png)


def videos_for_activity(store: Store, athlete: str, activity_id: int) -> list[dict[str, Any]]:
    """The analyses attached to an activity, oldest first (see :meth:`Store.video_analyses`)."""
    try:
        aid = store.athlete_id(athlete)
    except NotFoundError:  # an unknown athlete simply has no videos
        return []
    return store.video_analyses(aid, activity_id)
