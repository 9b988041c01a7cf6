"""Refuse to print typed text the sheet cannot show faithfully (wrong-patient hazard).

A name in a script the embedded font lacks prints as boxes ('Li □□□' cannot be told from another
'Li ...'); right-to-left text prints reversed because the renderer has no bidirectional layout.
Either would put a patient's identity on the sheet in a form nobody can check against the
wristband, so the sheet is not printed and the user is told what to do.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable

from desktop_app.logic.errors import B12KError
from desktop_app.logic.plan import Plan

_RTL = {"R", "AL", "AN", "RLE", "RLO", "RLI"}


class SheetTextError(B12KError):
    """Typed text on the plan cannot be printed faithfully with the sheet's font."""


def typed_texts(plan: Plan) -> Iterable[tuple[str, str]]:
    """Every free text a person typed that the sheet prints, with the field it came from."""
    pat = plan.patient
    yield "patient name", pat.name
    yield "patient identifier", pat.identifier
    yield "ward", pat.ward
    yield "prescriber", plan.prescriber
    for note in plan.overrides:
        yield "override reason", note.reason
        yield "override prescriber", note.prescriber


def check_printable(plan: Plan, covered: frozenset[int]) -> None:
    """Raise SheetTextError if any typed text has a character the font lacks or is right-to-left."""
    problems = []
    for field, text in typed_texts(plan):
        missing = sorted({c for c in text if not c.isspace() and ord(c) not in covered})
        rtl = sorted({c for c in text if unicodedata.bidirectional(c) in _RTL})
        if missing:
            problems.append(
                f"the {field} '{text}' has characters the sheet's font cannot print "
                f"({' '.join(missing)}): they would print as boxes"
            )
        elif rtl:
            problems.append(
                f"the {field} '{text}' is written right to left, which the sheet would print "
                "reversed"
            )
    if problems:
        raise SheetTextError(
            "The order sheet was not printed: "
            + "; ".join(problems)
            + ". Enter it in Latin letters exactly as on the patient's wristband and hospital "
            "record, then print again."
        )
