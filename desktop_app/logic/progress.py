"""The schedule's progress: each follow-up result counted for its draw; each draw done, overdue or
pending at the plan's `now` (issue 17 item 7).

A result counts for the scheduled draw nearest its sample time that includes its test, if it was
sampled at most MON-RESULT-MATCH-HOURS before or after that draw (exactly at the limit counts); of
two draws equally near, the earlier. A result near no draw is listed as not matched to a scheduled
draw, never dropped. A draw is done when each of its tests whose results are entered here
(potassium, magnesium, phosphate) has a result; it is overdue when it is not done and more than
MON-OVERDUE-HOURS have passed since its time. Both numbers are local policy. The time is always
the engine's `now`, never the clock.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from desktop_app.logic.orders import reason_for
from desktop_app.logic.plan import ELECTROLYTES, Draw, DrawResult, FollowUpRow, Progress
from desktop_app.logic.protocol import Num, Protocol
from desktop_app.logic.textfmt import clock, hours_text

#: The tests as the ward writes them (the follow-up entry accepts the same).
SHORT_NAMES = {"potassium": "K", "magnesium": "Mg", "phosphate": "PO4"}
#: What the progress says of a result that counts for no draw.
UNMATCHED_TEXT = "not matched to a scheduled draw"
#: The mark of an overdue draw: a word, never a colour only.
OVERDUE_WORD = "OVERDUE"
#: What the progress says under a protocol written before it had a window and a grace.
NOT_SET_TEXT = (
    "Progress is not shown: this protocol sets no MON-RESULT-MATCH-HOURS and MON-OVERDUE-HOURS "
    "(a copy older than them); rebuild the site protocol from the shipped file to add them."
)
#: What to do about an overdue draw (the window's word is "escalate"; the sheet's differs).
OVERDUE_ACTION = "take it now; escalate if it cannot be taken"


def _hours(later: datetime, earlier: datetime) -> float:
    return (later - earlier).total_seconds() / 3600


def _result(row: FollowUpRow, draw: Draw | None) -> DrawResult:
    return DrawResult(
        analyte=row.analyte,
        short_name=SHORT_NAMES[row.analyte],
        text=row.text,
        sampled_at=row.sampled_at,
        hours_from_draw=None if draw is None else _hours(row.sampled_at, draw.at),
    )


def _match(draws: tuple[Draw, ...], row: FollowUpRow, window: float) -> int | None:
    """The index of the draw a result counts for (nearest; the earlier of two as near), or None."""
    best: tuple[float, int] | None = None
    for i, draw in enumerate(draws):
        if draw.before_first_dose or row.analyte not in draw.tests:
            continue  # a result after the first dose never answers the draw before it
        distance = abs(_hours(row.sampled_at, draw.at))
        if distance <= window and (best is None or distance < best[0]):
            best = (distance, i)
    return None if best is None else best[1]


def _text(tracked: bool, results: list[DrawResult], missing: Sequence[str], overdue: bool) -> str:
    if not tracked:
        return "results not entered here"
    got = ", ".join(
        _shown(results, t) for t in ELECTROLYTES if any(r.analyte == t for r in results)
    )
    if not missing:
        return f"\u2713 {got}"
    short = ", ".join(SHORT_NAMES[t] for t in missing)
    if overdue:
        have = f" (have {got})" if got else ""
        return f"{OVERDUE_WORD}: no {short} result{have}; {OVERDUE_ACTION}"
    return f"\u2713 {got}; awaiting {short}" if got else "pending"


def _shown(results: list[DrawResult], test: str) -> str:
    """One test's results, in time order; with their clock times when there are two or more."""
    mine = [r for r in results if r.analyte == test]
    return ", ".join(
        f"{r.short_name} {r.text}" + (f" at {clock(r.sampled_at)}" if len(mine) > 1 else "")
        for r in mine
    )


def with_progress(
    p: Protocol, draws: tuple[Draw, ...], followups: tuple[FollowUpRow, ...], now: datetime
) -> tuple[tuple[Draw, ...], Progress]:
    """Return the draws with their results and marks, and the plan's progress note, at `now`."""
    mon = p.monitoring
    window, grace = mon.result_match_hours, mon.overdue_after_hours
    if window is None or grace is None:  # an older protocol: set together or not at all
        return draws, Progress(
            tracked=0,
            done=0,
            overdue=0,
            shown=False,
            note=NOT_SET_TEXT,
        )
    matched: list[list[DrawResult]] = [[] for _ in draws]
    unmatched: list[DrawResult] = []
    for row in sorted(followups, key=lambda r: r.sampled_at):
        i = _match(draws, row, window.value)
        if i is None:
            unmatched.append(_result(row, None))
        else:
            matched[i].append(_result(row, draws[i]))
    out: list[Draw] = []
    for draw, results in zip(draws, matched, strict=True):
        tests = [t for t in ELECTROLYTES if t in draw.tests]
        missing = [t for t in tests if t not in {r.analyte for r in results}]
        tracked = bool(tests)
        done = tracked and not missing
        overdue = tracked and not done and _hours(now, draw.at) > grace.value
        update = {
            "results": tuple(results),
            "tracked": tracked,
            "done": done,
            "overdue": overdue,
            "progress_text": _text(tracked, results, missing, overdue),
        }
        out.append(draw.model_copy(update=update))
    return tuple(out), _progress(out, unmatched, window, grace)


def _progress(draws: list[Draw], unmatched: list[DrawResult], window: Num, grace: Num) -> Progress:
    tracked = [d for d in draws if d.tracked]
    done = sum(1 for d in tracked if d.done)
    overdue = sum(1 for d in tracked if d.overdue)
    note = f"{done} of {len(tracked)} draws done, {overdue} overdue."
    if overdue:
        note += f" For each {OVERDUE_WORD} draw: {OVERDUE_ACTION}."
    if unmatched:
        n = len(unmatched)
        note += f" {n} result{'s' if n != 1 else ''} {UNMATCHED_TEXT}."
    policy = (
        f"A result counts for a draw if sampled within {hours_text(window.value)} of its time; a "
        f"draw with no result {hours_text(grace.value)} after its time is overdue (local policy: "
        f"{window.id}, {grace.id})."
    )
    return Progress(
        tracked=len(tracked),
        done=done,
        overdue=overdue,
        unmatched=tuple(unmatched),
        note=note,
        policy=policy,
        reason=reason_for(
            [window, grace], explanation="The schedule's progress at the plan's time."
        ),
    )
