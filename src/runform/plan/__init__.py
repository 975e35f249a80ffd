"""Training plans (pure): a periodised, technique-aware marathon plan and its exports.

* :mod:`runform.plan.model` - :class:`Plan`, :class:`Week`, :class:`Session`,
  :class:`Step`, :class:`Repeat`, :class:`TechniqueElement` (frozen dataclasses with
  JSON-ready ``as_dict``).
* :mod:`runform.plan.generate` - :func:`generate_plan` and :func:`check_load`.
* :mod:`runform.plan.library` - the cue, drill, hill, strides and strength-exercise
  libraries, stored as JSON in ``runform/plan/data/``.
* ``export_*`` modules write calendars, watch workouts and documents from
  ``Plan.as_dict()``.

Imports only :mod:`runform.core`, :mod:`runform.performance` and the leaf layer
(errors, units): never io, store or services.
"""

from __future__ import annotations

from runform.plan.generate import check_load, generate_plan, minimum_current_km
from runform.plan.library import strength_library, technique_library
from runform.plan.model import (
    FOCUSES,
    CadenceGoal,
    LoadRow,
    Plan,
    Repeat,
    Session,
    Step,
    TechniqueElement,
    Week,
)

__all__ = [
    "FOCUSES",
    "CadenceGoal",
    "LoadRow",
    "Plan",
    "Repeat",
    "Session",
    "Step",
    "TechniqueElement",
    "Week",
    "check_load",
    "generate_plan",
    "minimum_current_km",
    "strength_library",
    "technique_library",
]
