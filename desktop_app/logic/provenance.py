"""Where a plan comes from: every reason in it, the rules and sources it cites, and its id."""

from __future__ import annotations

import hashlib
import typing
from typing import Any

from pydantic import BaseModel

from desktop_app.logic.context import static
from desktop_app.logic.models import PlanInputs
from desktop_app.logic.plan import Plan, Reason, ReferenceEntry, RuleEntry
from desktop_app.logic.protocol import (
    Band,
    Num,
    NumList,
    Protocol,
    RiskFactorRule,
    SiteNum,
    TextRule,
)
from desktop_app.logic.textfmt import num, qty

#: The plan's fields in reading order: they are walked first, so that the plan cites its rules
#: and sources in the order a reader meets them. Every other field is walked after them.
_READING_ORDER = (
    "anaemia",
    "risk",
    "medicines",
    "b12_order",
    "schedule",
    "progress",
    "gates",
    "warnings",
    "hold_rules",
    "escalation",
    "foods",
    "action_now",
    "orders_now",
    "k_bands",
    "mg_bands",
    "po4_bands",
    "food_note",
)


#: Each model's fields that can hold a Reason, its own `reason` first (read once per class).
_REASON_FIELDS: dict[type[BaseModel], tuple[str, ...]] = {}


def _can_hold_reason(annotation: object, seen: set[type[BaseModel]]) -> bool:
    """Whether a value of this type can contain a Reason (through models, unions, containers)."""
    if annotation is Reason or annotation is Any or annotation is object:
        return True
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        if annotation in seen:
            return False
        seen.add(annotation)
        return any(_can_hold_reason(f.annotation, seen) for f in annotation.model_fields.values())
    return any(_can_hold_reason(arg, seen) for arg in typing.get_args(annotation))


def _reason_fields(model: type[BaseModel]) -> tuple[str, ...]:
    names = _REASON_FIELDS.get(model)
    if names is None:
        holding = [
            name
            for name, field in model.model_fields.items()
            if _can_hold_reason(field.annotation, set())
        ]
        names = tuple(sorted(holding, key=lambda name: name != "reason"))
        _REASON_FIELDS[model] = names
    return names


def _walk(value: object, out: list[Reason]) -> None:
    """Append every Reason in `value`: a model's own `reason` first, then its fields in order.

    Only the fields whose declared type can hold a Reason are visited (the others cannot).
    """
    if isinstance(value, Reason):
        out.append(value)
    elif isinstance(value, BaseModel):
        for name in _reason_fields(type(value)):
            _walk(getattr(value, name), out)
    elif isinstance(value, (tuple, list)):
        for item in value:
            _walk(item, out)
    elif isinstance(value, dict):
        for item in value.values():
            _walk(item, out)


def collect_reasons(plan: Plan) -> list[Reason]:
    """Return every Reason in the plan, in reading order (a walk of the whole model)."""
    out: list[Reason] = []
    for name in dict.fromkeys((*_READING_ORDER, *_reason_fields(type(plan)))):
        _walk(getattr(plan, name), out)
    return out


def _rule_text(rule: object) -> str:
    if isinstance(rule, Num):
        return qty(rule.value, rule.unit, 4)
    if isinstance(rule, NumList):
        return ", ".join(num(v, 4) for v in rule.values) + f" {rule.unit}"
    if isinstance(rule, TextRule):
        return rule.text
    if isinstance(rule, Band):
        return rule.label
    if isinstance(rule, SiteNum):
        assert rule.value is not None  # cited only once the site has set it
        return qty(rule.value, rule.unit, 4)
    assert isinstance(rule, RiskFactorRule)
    return f"{rule.label}: raises the tier to {rule.tier.value}"


def reference_entry(p: Protocol, key: str) -> ReferenceEntry:
    """Return the cited source `key` as the plan lists it."""

    def build() -> ReferenceEntry:
        ref = p.references[key]
        return ReferenceEntry(key=key, title=ref.title, url=ref.url, grade=ref.grade)

    return static(p, f"ref:{key}", build)


def rule_entry(p: Protocol, rule_id: str) -> RuleEntry:
    """Return the cited rule `rule_id` with its value, as the plan lists it."""

    def build() -> RuleEntry:
        rule = p.rule_index[rule_id]
        return RuleEntry(
            id=rule_id,
            text=_rule_text(rule),
            source=rule.source,
            grade=rule.grade,
            local_policy=rule.local_policy,
        )

    return static(p, f"rule:{rule_id}", build)


def citations(p: Protocol, plan: Plan) -> tuple[tuple[ReferenceEntry, ...], tuple[RuleEntry, ...]]:
    """Return the sources and the rules the plan's reasons cite, each once, in reading order."""
    reasons = collect_reasons(plan)
    rule_ids = dict.fromkeys(i for r in reasons for i in r.rule_ids)
    source_keys = dict.fromkeys(s for r in reasons for s in r.sources)
    refs = tuple(reference_entry(p, k) for k in source_keys)
    rules = tuple(rule_entry(p, i) for i in rule_ids)
    return refs, rules


def plan_id_for(inputs: PlanInputs, sha256: str) -> str:
    """Return the input's plan id, or a stable one derived from the inputs and protocol."""
    if inputs.plan_id:
        return inputs.plan_id
    digest = hashlib.sha256((inputs.model_dump_json() + sha256).encode()).hexdigest()
    return f"P-{digest[:12].upper()}"
