"""The working state of one evaluation (it never escapes `evaluate()`), and the protocol memo."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import date, datetime
from typing import TypeVar

from desktop_app.logic.models import PlanInputs
from desktop_app.logic.orders import reason_for
from desktop_app.logic.plan import Gate, InputUsed, Warning, WarningLevel
from desktop_app.logic.protocol import Analyte, Band, LoadedProtocol, Num, Protocol, TextRule
from desktop_app.logic.results import k_band, used
from desktop_app.logic.textfmt import hours_text, num
from desktop_app.logic.timing import past_window
from desktop_app.logic.units import CanonicalLab

T = TypeVar("T")


def static(p: Protocol, key: str, build: Callable[[], T]) -> T:
    """Build once per protocol what depends on nothing but the protocol."""
    memo = p.memo
    if key not in memo:
        memo[key] = build()
    value: T = memo[key]
    return value


def age_years(dob: date, on: datetime) -> int:
    """Return the age in whole years on a date."""
    return on.year - dob.year - ((on.month, on.day) < (dob.month, dob.day))


class EvalContext:
    """Working state of one evaluation: validated inputs, and the gates and warnings so far."""

    def __init__(
        self,
        lp: LoadedProtocol,
        inputs: PlanInputs,
        now: datetime,
        labs: dict[Analyte, CanonicalLab],
        followups: list[CanonicalLab],
    ) -> None:
        self.lp = lp
        self.p = lp.protocol
        self.inputs = inputs
        self.now = now
        self.labs = labs
        self.followups = followups
        assert inputs.regimen.first_dose_at is not None
        self.first = inputs.regimen.first_dose_at
        self.regimen = self.p.regimen(inputs.regimen.preset_id)
        self.kunit = self.p.potassium_unit
        self.warnings: list[Warning] = []
        self.gates: list[Gate] = []
        #: The first dose lies before the monitoring window (issue 15 item 11): results taken
        #: now are current results, not baselines, and B12 alone gives no risk tier.
        self.past_window = past_window(self.p, self.regimen, self.first, now)
        #: The eGFR was computed from creatinine (issue 15 item 13), not recorded.
        self.egfr_computed = False

    def warn(
        self, key: str, level: WarningLevel, inputs: Iterable[InputUsed] = (), extra: str = ""
    ) -> None:
        """Add the protocol's warning `key`, with any inputs it used and extra text."""
        rule = self.p.warnings[key]
        text = rule.text + (f" {extra}" if extra else "")
        self.warnings.append(
            Warning(rule_id=rule.id, level=level, text=text, reason=reason_for([rule], inputs))
        )

    def gate(
        self,
        rule: TextRule,
        extra_rules: Iterable[Num] = (),
        inputs: Iterable[InputUsed] = (),
        extra: str = "",
    ) -> None:
        """Add a gate that stops automatic dosing (CLN-01)."""
        text = rule.text + (f" {extra}" if extra else "")
        self.gates.append(
            Gate(rule_id=rule.id, text=text, reason=reason_for([rule, *extra_rules], inputs))
        )

    def k_band(self, value: float) -> Band:
        """Return the potassium band of a value for this patient (who may not take oral)."""
        return k_band(self.p, value, self.inputs.modifiers.cannot_take_oral)

    def baseline(self, analyte: Analyte) -> CanonicalLab | None:
        """Return the baseline result if it is usable as a baseline, else warn and return None."""
        lab = self.labs.get(analyte)
        if lab is None:
            return None
        stale = self.p.monitoring.stale_after_hours
        if self.past_window:
            # Long after the first dose: a result is current if it is fresh now.
            age_h = (self.now - lab.sampled_at).total_seconds() / 3600
            if age_h > stale.value:
                self.warnings.append(
                    Warning(
                        rule_id=self.p.warnings["stale"].id,
                        level="warning",
                        text=(
                            f"{self.p.analytes[analyte].label} sample is {num(age_h, 0)} hours "
                            f"old (limit {hours_text(stale.value)}): "
                            + self.p.warnings["stale"].text
                        ),
                        reason=reason_for([self.p.warnings["stale"], stale], [used(self.p, lab)]),
                    )
                )
                return None
            return lab
        if lab.sampled_at > self.first:
            self.warn("after_first_dose", "warning", [used(self.p, lab)])
            return None
        age_h = (self.first - lab.sampled_at).total_seconds() / 3600
        if age_h > stale.value:
            self.warnings.append(
                Warning(
                    rule_id=self.p.warnings["stale"].id,
                    level="warning",
                    text=(
                        f"{self.p.analytes[analyte].label} sample is {num(age_h, 0)} hours older "
                        f"than the first dose (limit {hours_text(stale.value)}): "
                        + self.p.warnings["stale"].text
                    ),
                    reason=reason_for([self.p.warnings["stale"], stale], [used(self.p, lab)]),
                )
            )
            return None
        return lab

    def latest(self, analyte: Analyte, baseline: CanonicalLab | None) -> CanonicalLab | None:
        """Return the latest follow-up result of an analyte, else its usable baseline."""
        later = [f for f in self.followups if f.analyte is analyte]
        if later:
            return later[-1]
        return baseline
