"""The plan view's schedule shows progress (issue 17 item 7), built without Qt."""

from __future__ import annotations

import json
import re
from datetime import timedelta

from desktop_app.logic.engine import evaluate
from desktop_app.logic.progress import NOT_SET_TEXT
from desktop_app.logic.protocol import load_protocol_bytes
from desktop_app.widgets import ui_text
from desktop_app.widgets.plan_html import PlanHtml
from tests.logic.helpers import FIRST, UK, inputs, proto
from tests.logic.test_progress import fu, trio


def _schedule(now_hours: float, results: list[dict[str, object]]) -> tuple[str, list[str]]:
    plan = evaluate(proto(), inputs(followups=results), now=FIRST + timedelta(hours=now_hours))
    text = PlanHtml(plan, lambda _key: False).schedule()
    return text, re.findall(r"<tr>(.*?)</tr>", text)


def _cells(row: str) -> list[str]:
    return re.findall(r"<t[dh][^>]*>(.*?)</t[dh]>", row)


def test_the_schedule_has_a_progress_column_ticking_a_done_draw_with_its_values() -> None:
    text, rows = _schedule(13, trio(12.5))
    assert _cells(rows[0])[4] == ui_text.SCHEDULE_PROGRESS_COLUMN
    done = _cells(rows[1])[4]  # the 12-hour draw (the first row after the header)
    assert done.startswith("<b>\u2713 K 3.6 mmol/L, Mg 0.8") and "PO4 0.9" in done
    assert _cells(rows[2])[4] == "pending"
    assert "<b>Progress:</b> 1 of 5 draws done, 0 overdue." in text
    # The window and the grace are said to be local policy on screen, not only behind "why?".
    assert (
        "within 3 hours of its time" in text and "after its time is overdue (local policy" in text
    )
    assert 'href="why:schedule:progress"' in text


def test_an_overdue_draw_says_overdue_in_words_and_the_window_says_escalate() -> None:
    text, rows = _schedule(14.5, [])
    late = _cells(rows[1])[4]
    assert late.startswith("<b>OVERDUE</b>: no K, Mg, PO4 result")
    assert "escalate" in late
    assert "0 of 5 draws done, 1 overdue. For each <b>OVERDUE</b> draw" in text
    assert "call the doctor" not in text.lower()


def test_a_result_that_counts_for_no_draw_is_still_listed_under_the_schedule() -> None:
    text, rows = _schedule(19, [fu("potassium", 3.6, 18)])
    assert len(rows) == 1 + 8  # one row per draw (and the header): the result is not a row
    assert ui_text.UNMATCHED_HEADING in text
    assert "<li>K 3.6 mmol/L, sampled" in text and "<b>not matched to a scheduled draw</b>" in text
    assert "1 result not matched to a scheduled draw." in text


def test_an_open_progress_reason_names_its_rules_as_local_policy() -> None:
    plan = evaluate(proto(), inputs(), now=FIRST)
    text = PlanHtml(plan, lambda key: key == "schedule:progress").progress()
    assert "MON-RESULT-MATCH-HOURS, MON-OVERDUE-HOURS <b>(local policy)</b>" in text


def test_under_an_older_protocol_the_schedule_says_why_it_shows_no_progress() -> None:
    raw = json.loads(UK.read_text(encoding="utf-8"))
    for field in ("result_match_hours", "overdue_after_hours"):
        del raw["monitoring"][field]
    lp = load_protocol_bytes(json.dumps(raw).encode())
    plan = evaluate(lp, inputs(), now=FIRST + timedelta(hours=20))
    text = PlanHtml(plan, lambda _key: True).schedule()
    assert f"<b>Progress:</b> {NOT_SET_TEXT}" in text
    assert "OVERDUE:" not in text and "why:schedule:progress" not in text
