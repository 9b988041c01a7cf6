"""The import report as plain text (the CLI prints it; the GUI may show it)."""

from __future__ import annotations

from desktop_app.fhir.result import ImportResult


def render_import_report(result: ImportResult) -> str:
    """Return the import report as plain text (the CLI prints it; the GUI may show it)."""
    lines = [f"Read from: {result.source_kind}, {len(result.rows)} Observation(s)."]
    lines.append(
        {
            "new": "Patient: no patient in the open plan; details taken from the file "
            "where present.",
            "confirmed": "Patient: the file's patient matches the plan's.",
            "confirmed-by-user": "Patient: not identified by the file; confirmed by the user.",
        }[result.patient_check]
    )
    for p in result.patient_rows:
        lines.append(
            f"  {p.field}: {p.value} ({p.source}) - {p.action}" + (f"; {p.note}" if p.note else "")
        )
    for title, outcome in (("USED", "used"), ("NOT USED", "not-used"), ("REFUSED", "refused")):
        group = [r for r in result.rows if r.outcome == outcome]
        lines.append(f"{title} ({len(group)})")
        for r in group:
            lines.append(
                f"  #{r.index} {r.observation_id} | {r.code} {r.display} | {r.value_text} | "
                f"{r.time_text} | {r.status}"
            )
            lines.append(f"      -> {r.outcome_text}")
    lines.extend(f"Note: {n}" for n in result.notes)
    filled = sorted({r.field for r in result.used})
    lines.append("Filled: " + (", ".join(filled) if filled else "nothing"))
    return "\n".join(lines) + "\n"
