"""The import report as plain text (the CLI prints it; the GUI may show it).

Up to FULL_REPORT_MAX_LINES the report lists every Observation. Past that (a hospital's whole
history of a patient is hundreds of thousands of results) it lists the results used in full and
summarises the others per test: how many were not used or refused, for which reasons, with one
example of each refusal. `full=True` (`b12k import-fhir --full-report`) always lists every one.
"""

from __future__ import annotations

from collections import Counter

from desktop_app.fhir.result import ImportResult, ImportRow, Outcome

#: The longest report that still lists every Observation (two lines each).
FULL_REPORT_MAX_LINES = 300
#: In a summary, the used results listed one by one before the rest are only counted.
SUMMARY_MAX_USED = 50

_PATIENT_CHECK = {
    "new": "Patient: no patient in the open plan; details taken from the file where present.",
    "confirmed": "Patient: the file's patient matches the plan's.",
    "confirmed-by-user": "Patient: not identified by the file; confirmed by the user.",
}
_GROUPS = (("USED", "used"), ("NOT USED", "not-used"), ("REFUSED", "refused"))


def _row_lines(r: ImportRow) -> list[str]:
    return [
        f"  #{r.index} {r.observation_id} | {r.code} {r.display} | {r.value_text} | "
        f"{r.time_text} | {r.status}",
        f"      -> {r.outcome_text}",
    ]


def _head(result: ImportResult) -> list[str]:
    lines = [f"Read from: {result.source_kind}, {len(result.rows)} Observation(s)."]
    lines.append(_PATIENT_CHECK[result.patient_check])
    for p in result.patient_rows:
        lines.append(
            f"  {p.field}: {p.value} ({p.source}) - {p.action}" + (f"; {p.note}" if p.note else "")
        )
    return lines


def _tail(result: ImportResult) -> list[str]:
    lines = [f"Note: {n}" for n in result.notes]
    filled = sorted({r.field for r in result.used})
    lines.append("Filled: " + (", ".join(filled) if filled else "nothing"))
    return lines


def _full_length(result: ImportResult) -> int:
    return 1 + 1 + len(result.patient_rows) + 3 + 2 * len(result.rows) + len(result.notes) + 1


def _test_of(row: ImportRow) -> str:
    """The test a row is counted under: its analyte, else its code as the file gives it."""
    return row.analyte or row.code


def _counts(counter: Counter[str]) -> str:
    return ", ".join(f"{code or 'other'} {n:,}" for code, n in counter.most_common())


def _summary(result: ImportResult) -> list[str]:
    used = result.used
    lines = [f"USED ({len(used)})"]
    for r in used[:SUMMARY_MAX_USED]:
        lines.extend(_row_lines(r))
    if len(used) > SUMMARY_MAX_USED:
        lines.append(f"  ... and {len(used) - SUMMARY_MAX_USED:,} more used result(s)")
    tests: dict[str, list[ImportRow]] = {}
    for r in result.rows:
        tests.setdefault(_test_of(r), []).append(r)
    lines.append(
        f"NOT USED ({len(result.not_used):,}) and REFUSED ({len(result.refused):,}), "
        "by test (every Observation: --full-report)"
    )
    for test, rows in tests.items():
        codes = ", ".join(dict.fromkeys(r.code for r in rows))
        outcomes = Counter(r.outcome for r in rows)
        parts = [f"{outcomes['used']:,} used"]
        pairs: tuple[tuple[str, Outcome], ...] = (("not used", "not-used"), ("refused", "refused"))
        for label, outcome in pairs:
            reasons = Counter(r.reason_code for r in rows if r.outcome == outcome)
            if reasons:
                parts.append(f"{outcomes[outcome]:,} {label} ({_counts(reasons)})")
        name = test if test != codes else (rows[0].display or test)
        lines.append(f"  {name} [{codes}], {len(rows):,} result(s): " + "; ".join(parts))
        examples: dict[str, ImportRow] = {}
        for r in rows:
            if r.outcome == "refused":
                examples.setdefault(r.reason_code, r)
        for r in examples.values():
            lines.append(
                f"      e.g. #{r.index} {r.observation_id} | {r.value_text} | {r.time_text} "
                f"-> {r.outcome_text}"
            )
    return lines


def render_import_report(result: ImportResult, full: bool = False) -> str:
    """Return the import report as plain text: every Observation when it is short or `full`,
    else the used results and a summary per test of the others."""
    lines = _head(result)
    if full or _full_length(result) <= FULL_REPORT_MAX_LINES:
        for title, outcome in _GROUPS:
            group = [r for r in result.rows if r.outcome == outcome]
            lines.append(f"{title} ({len(group)})")
            for r in group:
                lines.extend(_row_lines(r))
    else:
        lines.extend(_summary(result))
    lines.extend(_tail(result))
    return "\n".join(lines) + "\n"
