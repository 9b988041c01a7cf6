"""The committee's review of a protocol: every rule, its source, its hard limit, and each change.

Pure content (no PDF): `build_review` lists every rule of a protocol with its value and unit,
full citation and grade, local-policy mark and recorded alternatives, the hard limits it sits
under (from the very checks the loader runs) and its differences from a base protocol;
`protocol_differences` compares two protocols field by field. The approval block is left out of
both: it is not content a committee reviews (it records the committee's decision).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from desktop_app.logic.limit_rules import limits_applied
from desktop_app.logic.limits import HardLimits, Limit, RuleLimit
from desktop_app.logic.protocol import (
    Band,
    LoadedProtocol,
    Num,
    NumList,
    Protocol,
    RiskFactorRule,
    SiteNum,
    TextRule,
)
from desktop_app.logic.textfmt import num, qty

#: Top-level parts of a protocol that are not reviewed content.
NOT_CONTENT = frozenset({"approval"})

Rule = Num | NumList | TextRule | Band | RiskFactorRule | SiteNum


@dataclass(frozen=True)
class Difference:
    """One field that differs between the base protocol and the reviewed one."""

    path: str
    rule_id: str | None
    before: str
    after: str

    @property
    def kind(self) -> str:
        """'added', 'removed' or 'changed'."""
        if self.before == "(absent)":
            return "added"
        if self.after == "(absent)":
            return "removed"
        return "changed"

    def line(self) -> str:
        """The difference as one line of text."""
        sign = {"added": "+", "removed": "-", "changed": "~"}[self.kind]
        who = f"{self.rule_id} " if self.rule_id else ""
        return f"{sign} {who}{self.path}: {self.before} -> {self.after}"


@dataclass(frozen=True)
class ReviewRow:
    """One rule as the committee reads it."""

    rule_id: str
    value: str
    citation: str
    grade: str
    local_policy: bool
    note: str
    alternatives: tuple[str, ...]
    limits: tuple[str, ...]
    differences: tuple[Difference, ...]


@dataclass(frozen=True)
class Review:
    """Everything the review pack prints."""

    protocol_id: str
    title: str
    version: str
    sha256: str
    source_name: str
    base_id: str
    base_version: str
    base_sha256: str
    base_source_name: str
    limits_version: str
    hard_limits: tuple[tuple[str, str, str], ...]
    rows: tuple[ReviewRow, ...]
    differences: tuple[Difference, ...]

    @property
    def other_differences(self) -> tuple[Difference, ...]:
        """Differences not inside any rule of the reviewed protocol (metadata, removed rules)."""
        ids = {r.rule_id for r in self.rows}
        return tuple(d for d in self.differences if d.rule_id not in ids)


def _label(value: Any) -> str:
    if isinstance(value, float | int) and not isinstance(value, bool):
        return num(value, 4)
    if value is None:
        return "(none)"
    return str(value)


def _flatten(obj: Any, path: str, rule: str | None, out: dict[str, tuple[str | None, str]]) -> None:
    """Every leaf of a dumped protocol by path (list items with an id are keyed by it)."""
    if isinstance(obj, dict):
        rule = obj["id"] if isinstance(obj.get("id"), str) and "-" in obj["id"] else rule
        for key, value in obj.items():
            if path == "" and key in NOT_CONTENT:
                continue
            _flatten(value, f"{path}.{key}" if path else str(key), rule, out)
    elif isinstance(obj, list):
        if not obj:
            out[path] = (rule, "(empty)")
        for i, value in enumerate(obj):
            key = value.get("id") if isinstance(value, dict) else None
            _flatten(value, f"{path}[{key if isinstance(key, str) else i}]", rule, out)
    else:
        out[path] = (rule, _label(obj))


def protocol_differences(base: Protocol, other: Protocol) -> list[Difference]:
    """Every field of `other` that differs from `base` (the approval block left out)."""
    a: dict[str, tuple[str | None, str]] = {}
    b: dict[str, tuple[str | None, str]] = {}
    _flatten(base.model_dump(mode="json"), "", None, a)
    _flatten(other.model_dump(mode="json"), "", None, b)
    out = []
    for path in sorted(a.keys() | b.keys()):
        before, after = a.get(path), b.get(path)
        if before is not None and after is not None and before[1] == after[1]:
            continue
        rule = (after or before or (None, ""))[0]
        out.append(
            Difference(
                path,
                rule,
                before[1] if before is not None else "(absent)",
                after[1] if after is not None else "(absent)",
            )
        )
    return out


def rule_value(rule: Rule) -> str:
    """A rule's value with its unit (or its text), as the review prints it."""
    if isinstance(rule, Num):
        return qty(rule.value, rule.unit, 4)
    if isinstance(rule, NumList):
        return f"{', '.join(num(v, 4) for v in rule.values)} {rule.unit}"
    if isinstance(rule, TextRule):
        return rule.text
    if isinstance(rule, Band):
        lower = f" from {qty(rule.lower.value, rule.lower.unit, 4)}" if rule.lower else ""
        return f"{rule.label}{lower}: {rule.action}. {rule.instruction}"
    if isinstance(rule, SiteNum):
        if rule.value is None:
            return f"not set by the site ({rule.unit}; local policy)"
        return qty(rule.value, rule.unit, 4)
    return f"{rule.label}: raises to {rule.tier.value}"


def _bound(lim: Limit | RuleLimit) -> str:
    return lim.bound_text if isinstance(lim, Limit) else lim.text


def build_review(lp: LoadedProtocol, base: LoadedProtocol, limits: HardLimits) -> Review:
    """The review of `lp` against `base` under the program's hard limits."""
    p = lp.protocol
    diffs = protocol_differences(base.protocol, p)
    by_rule: dict[str | None, list[Difference]] = {}
    for d in diffs:
        by_rule.setdefault(d.rule_id, []).append(d)
    applied = limits_applied(p, limits)
    rows = []
    for rule_id, rule in p.all_rules().items():
        ref = p.references[rule.source]
        grade = rule.grade.value if rule.grade else (ref.grade.value if ref.grade else "none")
        citation = ref.title + (f" <{ref.url}>" if ref.url else "")
        if ref.basis_section:
            citation += f" (clinical basis {ref.basis_section})"
        alternatives = tuple(
            (f"{num(a.value, 4)}: " if a.value is not None else "") + f"{a.text} [{a.source}]"
            for a in getattr(rule, "alternatives", ())
        )
        rows.append(
            ReviewRow(
                rule_id=rule_id,
                value=rule_value(rule),
                citation=citation,
                grade=grade,
                local_policy=rule.local_policy,
                note=getattr(rule, "note", ""),
                alternatives=alternatives,
                limits=tuple(f"{lim.id} {_bound(lim)}" for lim in applied.get(rule_id, [])),
                differences=tuple(by_rule.get(rule_id, [])),
            )
        )
    return Review(
        protocol_id=p.protocol_id,
        title=p.title,
        version=p.version,
        sha256=lp.sha256,
        source_name=lp.source_name,
        base_id=base.protocol.protocol_id,
        base_version=base.protocol.version,
        base_sha256=base.sha256,
        base_source_name=base.source_name,
        limits_version=limits.limits_version,
        hard_limits=tuple(
            (lim.id, _bound(lim), limits.source_text(lim)) for _, lim in limits.all_limits()
        ),
        rows=tuple(rows),
        differences=tuple(diffs),
    )


def differences_text(base: LoadedProtocol, other: LoadedProtocol) -> str:
    """The differences of `other` from `base` as text, one line each (what `protocol diff` prints)."""
    diffs = protocol_differences(base.protocol, other.protocol)
    head = (
        f"--- {base.source_name} ({base.protocol.protocol_id} {base.protocol.version}, "
        f"sha256 {base.sha256})\n"
        f"+++ {other.source_name} ({other.protocol.protocol_id} {other.protocol.version}, "
        f"sha256 {other.sha256})\n"
    )
    if not diffs:
        return head + "No differences in content (the approval block is not compared).\n"
    body = "".join(d.line() + "\n" for d in diffs)
    return head + body + f"{len(diffs)} difference(s); the approval block is not compared.\n"
