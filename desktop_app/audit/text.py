"""Plain-text views of audit records, shared by the command line and the history view."""

from __future__ import annotations

import json

from desktop_app.audit.register import AuditRecord, RecordSummary


def local_time(record: RecordSummary) -> str:
    """Return the recording time in the computer's time zone, with its offset."""
    return record.recorded_at_datetime.astimezone().strftime("%Y-%m-%d %H:%M:%S %z")


def summarise_overrides(overrides_json: str) -> list[str]:
    """Return one line per override in a record: action, reason and prescriber."""
    try:
        items = json.loads(overrides_json)
    except ValueError:
        return ["(overrides unreadable)"]
    lines = []
    for item in items if isinstance(items, list) else []:
        if isinstance(item, dict):
            lines.append(
                f"{item.get('action', '?')}: {item.get('reason', '')} "
                f"({item.get('prescriber', '')})"
                f"; protocol recommended: {item.get('recommended_text', '')}"
            )
    return lines


def show_text(record: AuditRecord, with_inputs: bool = False) -> str:
    """Return a record as text, field by field (also used by the GUI's history view)."""
    kind = "issued" if record.kind == "issue" else f"reprint of record {record.reprint_of}"
    lines = [
        f"Record {record.id} ({kind})",
        f"  recorded:      {record.recorded_at} (UTC); {local_time(record)} local",
        f"  by:            {record.os_user} on {record.host}",
        f"  prescriber:    {record.prescriber}",
        f"  patient:       {record.patient_name} ({record.patient_identifier})",
        f"  plan id:       {record.plan_id}; plan SHA-256 {record.plan_sha256}",
        f"  evaluated at:  {record.evaluated_at}",
        f"  protocol:      {record.protocol_id} {record.protocol_version} "
        f"from {record.protocol_source}",
        f"                 SHA-256 {record.protocol_sha256}",
        f"  app version:   {record.app_version}",
        f"  paper:         {record.paper}",
        f"  sheet:         {record.destination}",
        f"  PDF SHA-256:   {record.pdf_sha256}",
        f"  chain:         previous {record.prev_hash}",
        f"                 this     {record.record_hash}",
        f"  overrides:     {record.override_count}",
    ]
    if record.batch_id:
        lines.insert(-1, f"  batch run:     {record.batch_id}")
    if record.sheet_anchor:
        count, _, head = record.sheet_anchor.partition(":")
        lines.insert(-1, f"  sheet printed: register head after record {count}, {head}")
    lines += [f"    - {text}" for text in summarise_overrides(record.overrides_json)]
    if with_inputs:
        lines += ["  plan inputs (canonical JSON):", record.plan_inputs_json.rstrip("\n")]
    return "\n".join(lines) + "\n"


__all__ = ["local_time", "show_text", "summarise_overrides"]
