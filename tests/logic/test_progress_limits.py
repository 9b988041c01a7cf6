"""The progress parameters (issue 17 item 7): local policy in both shipped protocols, each under a
hard limit of the program (more than 0 and at most 6 hours) that a protocol is refused for crossing.
"""

from __future__ import annotations

import copy
import json
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from desktop_app.logic.engine import evaluate
from desktop_app.logic.errors import ProtocolError
from desktop_app.logic.limit_rules import ProtocolLimitError, limits_applied
from desktop_app.logic.limits import LimitsFileError, Within, load_limits_bytes, shipped_limits
from desktop_app.logic.progress import NOT_SET_TEXT
from desktop_app.logic.protocol import load_protocol_bytes
from tests.logic.helpers import FIRST, ROOT, UK, US, inputs

LIMITS = ROOT / "resources" / "limits" / "hard-limits.json"
#: Each parameter: its field under `monitoring`, its rule id, its hard limit and shipped value.
PARAMS = [
    ("result_match_hours", "MON-RESULT-MATCH-HOURS", "LIM-MON-RESULT-MATCH", 3),
    ("overdue_after_hours", "MON-OVERDUE-HOURS", "LIM-MON-OVERDUE", 2),
]


def _raw(path: Path) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return copy.deepcopy(data)


def _with(path: Path, field: str, value: float) -> bytes:
    raw = _raw(path)
    raw["monitoring"][field]["value"] = value
    return json.dumps(raw).encode()


@pytest.mark.parametrize("path", [UK, US], ids=["uk", "us"])
@pytest.mark.parametrize(("field", "rule_id", "_limit", "shipped"), PARAMS)
def test_both_shipped_protocols_carry_the_parameter_as_local_policy(
    path: Path, field: str, rule_id: str, _limit: str, shipped: float
) -> None:
    rule = getattr(load_protocol_bytes(path.read_bytes()).protocol.monitoring, field)
    assert (rule.id, rule.value, rule.unit) == (rule_id, shipped, "hours")
    assert rule.local_policy and rule.grade is None and rule.source == "local"
    assert rule.note  # why this value, in words


@pytest.mark.parametrize("path", [UK, US], ids=["uk", "us"])
@pytest.mark.parametrize(("field", "rule_id", "limit_id", "_shipped"), PARAMS)
@pytest.mark.parametrize("value", [0, -1, 6.5, 24])
def test_a_value_outside_the_hard_limit_is_refused_naming_field_rule_and_limit(
    path: Path, field: str, rule_id: str, limit_id: str, _shipped: float, value: float
) -> None:
    with pytest.raises(ProtocolLimitError) as info:
        load_protocol_bytes(_with(path, field, value))
    text = str(info.value)
    assert f"monitoring.{field}" in text
    assert f"{rule_id} {value:g} hours is outside the hard limit {limit_id}" in text
    assert "(more than 0 hours and at most 6 hours)" in text
    assert "local policy of the program" in text


@pytest.mark.parametrize(("field", "_rule_id", "_limit_id", "_shipped"), PARAMS)
@pytest.mark.parametrize("value", [6, 0.5])
def test_a_value_inside_the_hard_limit_is_accepted_even_at_its_edge(
    field: str, _rule_id: str, _limit_id: str, _shipped: float, value: float
) -> None:
    lp = load_protocol_bytes(_with(UK, field, value))
    assert getattr(lp.protocol.monitoring, field).value == value


def test_an_older_protocol_without_either_parameter_loads_and_says_progress_is_not_shown() -> None:
    raw = _raw(UK)
    for field, *_ in PARAMS:
        del raw["monitoring"][field]
    lp = load_protocol_bytes(json.dumps(raw).encode())
    plan = evaluate(lp, inputs(), now=FIRST + timedelta(hours=20))  # the 12 h draw is late
    assert not plan.progress.shown and plan.progress.reason is None
    assert plan.progress.note == NOT_SET_TEXT
    assert all(not d.overdue and not d.done and d.progress_text == "" for d in plan.schedule)
    assert "MON-OVERDUE-HOURS" not in {r.id for r in plan.rules}


@pytest.mark.parametrize(("field", "_rule_id", "_limit_id", "_shipped"), PARAMS)
def test_a_protocol_with_only_one_of_the_two_is_refused_naming_both(
    field: str, _rule_id: str, _limit_id: str, _shipped: float
) -> None:
    raw = _raw(UK)
    del raw["monitoring"][field]
    with pytest.raises(ProtocolError) as info:
        load_protocol_bytes(json.dumps(raw).encode())
    text = str(info.value)
    assert "monitoring.result_match_hours and monitoring.overdue_after_hours go together" in text


def test_the_hard_limits_are_a_range_open_at_zero_and_closed_at_six_hours() -> None:
    limits = shipped_limits()
    for lim in (limits.monitoring.result_match_within, limits.monitoring.overdue_within):
        assert isinstance(lim, Within) and lim.local_policy and lim.note
        assert lim.bound_text == "more than 0 hours and at most 6 hours"
        assert lim.crossed_by(0) and lim.crossed_by(-0.5) and lim.crossed_by(6.01)
        assert not lim.crossed_by(0.01) and not lim.crossed_by(6)
        assert not lim.crossed_by(6 + 1e-12)  # equal up to rounding: not crossed
    applied = limits_applied(load_protocol_bytes(UK.read_bytes()).protocol, limits)
    assert [lim.id for lim in applied["MON-RESULT-MATCH-HOURS"]] == ["LIM-MON-RESULT-MATCH"]
    assert [lim.id for lim in applied["MON-OVERDUE-HOURS"]] == ["LIM-MON-OVERDUE"]


def test_a_range_limit_without_its_lower_bound_is_refused() -> None:
    raw = json.loads(LIMITS.read_text(encoding="utf-8"))
    del raw["monitoring"]["overdue_within"]["above"]
    with pytest.raises(LimitsFileError) as info:
        load_limits_bytes(json.dumps(raw).encode())
    assert "monitoring.overdue_within" in str(info.value)
