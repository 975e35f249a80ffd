"""Race performance (pure): VDOT, race prediction and race-spec parsing.

* :mod:`runform.performance.vdot` - Daniels & Gilbert VDOT, race equivalents, training paces.
* :mod:`runform.performance.predict` - Riegel, Cameron and VDOT-equivalent predictions,
  :func:`~runform.performance.predict.predict` and
  :func:`~runform.performance.predict.vdot_report`.
* :mod:`runform.performance.races` - ``10k=41:21`` race specs, distances and times.

Imports only numpy and runform's leaf layer (errors, units). The package exposes its
modules, pvlib-style (``performance.vdot.training_paces``), rather than re-exporting
functions: a re-exported ``predict`` function would shadow the ``predict`` module.
"""

from __future__ import annotations

from runform.performance import predict, races, vdot

__all__ = ["predict", "races", "vdot"]
