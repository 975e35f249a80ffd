"""The video section of the HTML report: a self-contained ``<section>`` fragment.

Plain string formatting (no template engine), so the report can place it as is.
"""

from __future__ import annotations

import base64
import html
from collections.abc import Mapping
from pathlib import Path
from typing import Any

__all__ = ["LABELS", "html_section"]

LABELS: dict[str, str] = {
    "contact_time_s": "Ground contact time",
    "foot_angle_deg": "Foot angle at contact (+ toes up)",
    "ankle_ahead_of_hip_leg": "Ankle ahead of hip at contact (over-striding)",
    "ankle_ahead_of_hip_cm": "Ankle ahead of hip at contact",
    "shin_angle_deg": "Shin angle at contact (+ ankle ahead of knee)",
    "knee_flexion_midstance_deg": "Knee flexion at midstance",
    "vertical_oscillation_leg": "Vertical oscillation of the hips",
    "vertical_oscillation_cm": "Vertical oscillation of the hips",
    "pelvic_drop_deg": "Contralateral pelvic drop at midstance",
    "knee_valgus_deg": "Knee valgus (frontal-plane projection angle)",
    "foot_lateral_offset_pelvis": "Foot placement from midline (- = crossover)",
}


def _num(v: Any, unit: str = "") -> str:
    if v is None:
        return "–"
    if isinstance(v, float):
        text = f"{v:.0f}" if unit == "steps/min" else f"{v:.3g}" if abs(v) < 1 else f"{v:.1f}"
    else:
        text = str(v)
    return f"{text} {unit}".strip()


def html_section(
    result: Mapping[str, Any],
    *,
    embed_images: bool = True,
    contact_sheet_png: bytes | None = None,
) -> str:
    """The ``<section>`` for one :func:`runform.services.video.analyze_video` result.

    Parameters
    ----------
    result : mapping
        The analysis result (or its JSON file read back).
    embed_images : bool
        Inline the contact sheet PNG as a data URI (the report is one file);
        otherwise link to it by path.
    contact_sheet_png : bytes, optional
        The contact sheet itself (as the store keeps it); inlined instead of reading
        the file the result names.
    """
    e = html.escape
    view = str(result.get("view", "side"))
    body = result.get(view, {})
    pose = result.get("pose", {})
    parts = [
        '<section class="runform-video">',
        f"<h2>Video gait analysis ({e(view)} view): {e(Path(str(result.get('clip', ''))).name)}</h2>",
        "<p>"
        + e(
            f"Cadence {_num(body.get('cadence_spm'), 'steps/min')}; "
            f"pose model {pose.get('model', '?')}, runner found in "
            f"{100 * float(pose.get('person_found_fraction', 0)):.0f} % of frames."
        )
        + "</p>",
    ]
    if view == "side" and body.get("strike_pattern"):
        counts = body.get("strike_counts", {})
        parts.append(
            "<p>"
            + e(
                f"Foot strike: mostly {body['strike_pattern']} "
                f"({', '.join(f'{k} {v}' for k, v in counts.items())})."
            )
            + "</p>"
        )
    parts.append(
        "<table><thead><tr><th>Measure</th><th>Mean</th><th>SD</th><th>Steps</th>"
        "<th>Left</th><th>Right</th></tr></thead><tbody>"
    )
    metrics = dict(body.get("metrics", {}))
    if "trunk_lean_deg" in body:
        metrics = {"trunk_lean_deg": body["trunk_lean_deg"], **metrics}
    for key, m in metrics.items():
        unit = m.get("unit", "")
        label = LABELS.get(key, "Trunk forward lean" if key == "trunk_lean_deg" else key)
        parts.append(
            f"<tr><td>{e(label)}</td><td>{e(_num(m.get('mean'), unit))}</td>"
            f"<td>{e(_num(m.get('sd')))}</td><td>{m.get('n', 0)}</td>"
            f"<td>{e(_num(m.get('left')))}</td><td>{e(_num(m.get('right')))}</td></tr>"
        )
    parts.append("</tbody></table>")
    flags = body.get("flags", [])
    if flags:
        parts.append('<ul class="flags">')
        for f in flags:
            value = f.get("value_deg", f.get("value_pelvis_widths"))
            parts.append(
                f"<li><strong>{e(str(f['flag']).replace('_', ' '))}</strong> "
                f"({e(str(f['stance_side']))} stance, {e(_num(value))}): {e(str(f['validity']))}</li>"
            )
        parts.append("</ul>")
    sheet = (result.get("outputs") or {}).get("contact_sheet")
    if contact_sheet_png:
        data = base64.b64encode(contact_sheet_png).decode("ascii")
        parts.append(
            f'<img src="data:image/png;base64,{data}" '
            'alt="key frames: initial contact, midstance, toe-off per foot" style="max-width:100%">'
        )
    elif sheet:
        path = Path(sheet)
        if embed_images and path.is_file():
            data = base64.b64encode(path.read_bytes()).decode("ascii")
            src = f"data:image/png;base64,{data}"
        else:
            src = e(path.name)
        parts.append(
            f'<img src="{src}" alt="key frames: initial contact, midstance, toe-off per foot" '
            'style="max-width:100%">'
        )
    parts.append("</section>")
    return "\n".join(parts)
