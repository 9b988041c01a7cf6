"""Choosing the newest result per field, and comparing it with what the open plan holds."""

from __future__ import annotations

import math
from collections import Counter, defaultdict
from datetime import datetime
from typing import Any

from desktop_app.fhir.fields import value_str
from desktop_app.fhir.observations import Candidate
from desktop_app.fhir.result import ImportRow, Outcome, replace_row
from desktop_app.logic.models import PlanInputs
from desktop_app.logic.protocol import Analyte, Protocol
from desktop_app.logic.units import check_value

#: Results after the first B12 dose of these analytes become follow-ups (FollowUp.analyte).
FOLLOWUP_ANALYTES = (Analyte.potassium, Analyte.magnesium, Analyte.phosphate)


def _same(a: float, b: float) -> bool:
    return math.isclose(a, b, rel_tol=1e-9, abs_tol=0.0)


def _canonical(proto: Protocol, analyte: Analyte, value: float, unit: str | None) -> float | None:
    canonical, _ = check_value(proto.analytes[analyte], value, unit, "plan")
    return canonical


def _group_by_time(cands: list[Candidate]) -> list[list[Candidate]]:
    groups: dict[datetime, list[Candidate]] = {}
    for cand in sorted(cands, key=lambda c: (-c.sampled_at.timestamp(), c.row)):
        groups.setdefault(cand.sampled_at, []).append(cand)
    return list(groups.values())


def _qty(cand: Candidate) -> str:
    return f"{value_str(cand.value)} {cand.unit}"


class Chooser:
    """Applies 'newest result per field' and the comparison with the open plan."""

    def __init__(self, proto: Protocol, rows: list[ImportRow], current: PlanInputs | None) -> None:
        self.proto = proto
        self.rows = rows
        self.current = current
        self.labs: dict[str, dict[str, Any]] = {}
        self.followups: list[dict[str, Any]] = []

    def mark(
        self, cand: Candidate, outcome: Outcome, code: str, reason: str, field_: str = ""
    ) -> None:
        i = cand.row - 1
        self.rows[i] = replace_row(
            self.rows[i],
            outcome=outcome,
            reason_code=code,
            reason=reason,
            field=field_ or self.rows[i].field,
        )

    def _obs(self, cand: Candidate) -> str:
        return self.rows[cand.row - 1].observation_id

    def conflict(self, group: list[Candidate]) -> bool:
        return any(not _same(c.canonical, group[0].canonical) for c in group[1:])

    def baseline(self, analyte: Analyte, cands: list[Candidate]) -> None:
        field_ = f"labs.{analyte.value}"
        groups = _group_by_time(cands)
        if not groups:
            return
        newest, older = groups[0], [c for g in groups[1:] for c in g]
        if self.conflict(newest):
            values = ", ".join(f"{_qty(c)} ({self._obs(c)})" for c in newest)
            for cand in newest:
                self.mark(
                    cand,
                    "refused",
                    "conflict",
                    f"different results at the same time {cand.sampled_at.isoformat()}: "
                    f"{values}; check the laboratory report and enter the right one by hand",
                )
            reason = (
                f"older than the conflicting results at {newest[0].sampled_at.isoformat()} "
                "(an older value does not stand in for a newer one)"
            )
            for cand in older:
                self.mark(cand, "not-used", "superseded", reason)
            return
        chosen = newest[0]
        duplicate = f"same result and time as {self._obs(chosen)}"
        for cand in newest[1:]:
            self.mark(cand, "not-used", "duplicate", duplicate)
        superseded = f"older than {self._obs(chosen)} ({chosen.sampled_at.isoformat()})"
        for cand in older:
            self.mark(cand, "not-used", "superseded", superseded)
        entry = self.current.labs.get(analyte) if self.current else None
        if entry is not None:
            plan_canon = _canonical(self.proto, analyte, entry.value, entry.unit)
            plan_text = f"{value_str(entry.value)} {entry.unit or ''}".strip()
            if entry.sampled_at > chosen.sampled_at:
                self.mark(
                    chosen,
                    "not-used",
                    "plan-newer",
                    f"the plan already holds a newer result ({plan_text} at "
                    f"{entry.sampled_at.isoformat()})",
                    field_,
                )
                return
            if entry.sampled_at == chosen.sampled_at:
                if plan_canon is not None and _same(plan_canon, chosen.canonical):
                    self.mark(
                        chosen,
                        "not-used",
                        "already-in-plan",
                        "the plan already holds this result",
                        field_,
                    )
                else:
                    self.mark(
                        chosen,
                        "refused",
                        "conflict-with-plan",
                        f"the plan holds {plan_text} for the same time; the plan's value "
                        "is kept: check the laboratory report",
                        field_,
                    )
                return
            note = f"replaces {plan_text} from {entry.sampled_at.isoformat()}"
        else:
            note = ""
        extra = self.rows[chosen.row - 1].reason
        self.mark(chosen, "used", "", "; ".join(x for x in (note, extra) if x), field_)
        self.labs[analyte.value] = {
            "value": chosen.value,
            "unit": chosen.unit,
            "sampled_at": chosen.sampled_at,
            "source": f"FHIR Observation {self.rows[chosen.row - 1].observation_id}",
        }

    def after_first_dose(self, analyte: Analyte, cands: list[Candidate], first: datetime) -> None:
        if analyte not in FOLLOWUP_ANALYTES:
            reason = (
                f"taken after the first B12 dose ({first.isoformat()}), so it is not "
                "a baseline result"
            )
            for cand in cands:
                self.mark(cand, "not-used", "after-first-dose", reason)
            return
        existing = [
            f
            for f in (self.current.followups if self.current else ())
            if f.analyte == analyte.value
        ]
        for group in _group_by_time(cands):
            if self.conflict(group):
                values = ", ".join(f"{_qty(c)} ({self._obs(c)})" for c in group)
                for cand in group:
                    self.mark(
                        cand,
                        "refused",
                        "conflict",
                        f"different results at the same time: {values}; enter the right "
                        "one by hand",
                    )
                continue
            chosen = group[0]
            for cand in group[1:]:
                self.mark(
                    cand, "not-used", "duplicate", f"same result and time as {self._obs(chosen)}"
                )
            same_time = [f for f in existing if f.sampled_at == chosen.sampled_at]
            if same_time:
                plan_canon = _canonical(self.proto, analyte, same_time[0].value, same_time[0].unit)
                if plan_canon is not None and _same(plan_canon, chosen.canonical):
                    self.mark(
                        chosen,
                        "not-used",
                        "already-in-plan",
                        "the plan already holds this follow-up result",
                        "followups",
                    )
                else:
                    self.mark(
                        chosen,
                        "refused",
                        "conflict-with-plan",
                        f"the plan holds {value_str(same_time[0].value)} {same_time[0].unit} "
                        "for the same time; the plan's value is kept",
                        "followups",
                    )
                continue
            extra = self.rows[chosen.row - 1].reason
            self.mark(
                chosen,
                "used",
                "",
                "; ".join(x for x in ("a result after the first B12 dose", extra) if x),
                "followups",
            )
            self.followups.append(
                {
                    "analyte": analyte.value,
                    "value": chosen.value,
                    "unit": chosen.unit,
                    "sampled_at": chosen.sampled_at,
                    "source": f"FHIR Observation {self.rows[chosen.row - 1].observation_id}",
                }
            )


def warn_refused_newer(rows: list[ImportRow]) -> None:
    """Flag a used result when results of the same test at the same or a later time were refused.

    One sweep per test from the newest time back (the refused results at or after a used one's
    time only grow), so that a file of many results is not compared row by row.
    """
    timed: dict[str, list[ImportRow]] = defaultdict(list)
    untimed: Counter[str] = Counter()
    used: dict[str, list[int]] = defaultdict(list)
    for i, row in enumerate(rows):
        if row.outcome == "refused":
            if row.sampled_at is None:
                untimed[row.analyte] += 1
            else:
                timed[row.analyte].append(row)
        elif row.outcome == "used" and row.sampled_at is not None:
            used[row.analyte].append(i)
    for analyte, positions in used.items():
        refused = sorted(timed.get(analyte, ()), key=_time_of, reverse=True)
        newer = 0
        first: list[ImportRow] = []  # the first three of them in the file's order
        for i in sorted(positions, key=lambda i: _time_of(rows[i]), reverse=True):
            row = rows[i]
            while newer < len(refused) and _time_of(refused[newer]) >= _time_of(row):
                first = sorted([*first, refused[newer]], key=lambda r: r.index)[:3]
                newer += 1
            parts = []
            if newer:
                shown = ", ".join(
                    f"#{r.index} {r.value_text} at {r.time_text} ({r.reason_code})" for r in first
                )
                more = f" and {newer - 3} more" if newer > 3 else ""
                parts.append(
                    f"{newer} result(s) of this test at the same or a later time were refused: "
                    f"{shown}{more}"
                )
            if untimed[analyte]:
                parts.append(
                    f"{untimed[analyte]} result(s) of this test without a usable time were refused"
                )
            if parts:
                rows[i] = replace_row(row, warning="; ".join(parts))


def _time_of(row: ImportRow) -> datetime:
    assert row.sampled_at is not None
    return row.sampled_at
