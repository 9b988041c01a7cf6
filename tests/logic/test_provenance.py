"""The plan cites every rule and source behind every line: the walk of the finished plan."""

from __future__ import annotations

import typing
from collections import Counter
from typing import Any

from pydantic import BaseModel

from desktop_app.logic.engine import evaluate
from desktop_app.logic.plan import Line, Plan, Reason
from desktop_app.logic.provenance import collect_reasons
from tests.logic.helpers import hours, inputs, lab, proto

REASON_KEYS = set(Reason.model_fields)


def rich_plan() -> Plan:
    """A plan with something in every field that can carry a reason (gates, factors, overrides)."""
    return evaluate(
        proto(),
        inputs(
            labs={"potassium": lab(3.2, "mmol/L"), "egfr": lab(25, "mL/min/1.73 m2")},
            modifiers={"digoxin": True, "k_lowering_drugs": ["loop_diuretic"]},
            followups=[
                {
                    "analyte": "magnesium",
                    "value": 0.6,
                    "unit": "mmol/L",
                    "sampled_at": hours(4).isoformat(),
                }
            ],
            overrides=[
                {
                    "target": "draw",
                    "action": "add",
                    "new_hours": 30,
                    "tests": ["potassium", "magnesium", "phosphate"],
                    "reason": "Extra check before the weekend",
                    "prescriber": "Dr Rivera",
                }
            ],
        ),
        now=hours(8),
    )


def dumped_reasons(value: Any) -> list[tuple[tuple[str, ...], tuple[str, ...]]]:
    """Every reason in a model's JSON-like dump (independent of the engine's walk)."""
    found = []
    if isinstance(value, dict):
        if set(value) == REASON_KEYS:
            return [(tuple(value["rule_ids"]), tuple(value["sources"]))]
        for item in value.values():
            found.extend(dumped_reasons(item))
    elif isinstance(value, (list, tuple)):
        for item in value:
            found.extend(dumped_reasons(item))
    return found


def mentions_reason(annotation: Any, seen: set[type] | None = None) -> bool:
    """Whether a field's type can hold a Reason (through tuples, unions and nested models)."""
    seen = set() if seen is None else seen
    if annotation is Reason:
        return True
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        if annotation in seen:
            return False
        seen.add(annotation)
        return any(mentions_reason(f.annotation, seen) for f in annotation.model_fields.values())
    return any(mentions_reason(arg, seen) for arg in typing.get_args(annotation))


def test_the_walk_finds_every_reason_an_independent_walk_of_the_dump_finds() -> None:
    plan = rich_plan()
    walked = Counter((r.rule_ids, r.sources) for r in collect_reasons(plan))
    dumped = Counter(dumped_reasons(plan.model_dump()))
    assert walked == dumped
    assert {e.id for e in plan.rules} == {i for ids, _ in dumped for i in ids}
    assert {e.key for e in plan.references} == {s for _, srcs in dumped for s in srcs}


def test_the_rich_plan_fills_every_plan_field_that_can_carry_a_reason() -> None:
    plan = rich_plan()
    carrying = {n for n, f in Plan.model_fields.items() if mentions_reason(f.annotation)}
    filled = {n for n in Plan.model_fields if dumped_reasons(plan.model_dump()[n])}
    assert "orders_now" in carrying and "patient" not in carrying
    assert carrying == filled


class Section(BaseModel):
    """A nested section (a model that contains itself), as a future plan might hold."""

    children: tuple[Section, ...] = ()
    line: Line | None = None


def test_new_plan_fields_carrying_reasons_are_walked_without_being_listed() -> None:
    class LongerPlan(Plan):
        extra_lines: tuple[Line, ...]
        extra_by_name: dict[str, Line]
        extra_sections: Section

    plan = rich_plan()
    extra = Reason(rule_ids=("NEW-RULE-1",), sources=("new-source",))
    named = Reason(rule_ids=("NEW-RULE-2",), sources=("other-source",))
    nested = Reason(rule_ids=("NEW-RULE-3",), sources=("new-source",))
    sections = Section(children=(Section(line=Line(text="deep", reason=nested)),))
    longer = LongerPlan.model_validate(
        {
            **plan.model_dump(),
            "extra_lines": [Line(text="new", reason=extra).model_dump()],
            "extra_by_name": {"a": Line(text="named", reason=named).model_dump()},
            "extra_sections": sections.model_dump(),
        }
    )
    reasons = collect_reasons(longer)
    assert reasons[-3:] == [extra, named, nested]
    assert len(reasons) == len(collect_reasons(plan)) + 3


def test_reasons_come_in_reading_order_a_lines_own_reason_before_its_parts() -> None:
    plan = rich_plan()
    reasons = collect_reasons(plan)
    assert reasons[0] == plan.anaemia.reason
    assert reasons[1] == plan.risk.reason and reasons[2] == plan.risk.factors[0].reason
    row = next(r for r in plan.k_bands if r.order is not None)
    assert row.order is not None
    assert reasons.index(row.reason) + 1 == reasons.index(row.order.reason)
    assert reasons[-1] == plan.food_note.reason


def test_mentions_reason_sees_through_unions_and_optional_models() -> None:
    assert mentions_reason(tuple[Line, ...])
    assert mentions_reason(Line | None)
    assert not mentions_reason(dict[str, str])
