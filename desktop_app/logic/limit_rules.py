"""Loading a protocol: every band, product and threshold against its own maxima and the hard limits.

A protocol that crosses either is refused. Each problem names the protocol's rule, its value,
the limit (the protocol's own maximum, or a hard limit with its id) and where the limit comes
from (`HardLimits.source_text`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from desktop_app.logic.errors import FieldProblem, ProtocolError
from desktop_app.logic.limits import HardLimits, Limit, RuleLimit
from desktop_app.logic.orders import bags_per_day, frequency_text
from desktop_app.logic.protocol import (
    Analyte,
    Band,
    ElectrolyteSection,
    IVProduct,
    Num,
    Product,
    Protocol,
)
from desktop_app.logic.textfmt import num, qty

_RULE_ID = re.compile(r"\b[A-Z][A-Z0-9]*(?:-[A-Z0-9]+)+\b")


class ProtocolLimitError(ProtocolError):
    """The protocol crosses a hard limit of the program or one of its own maxima."""

    heading = (
        "The protocol file cannot be used: it crosses a hard limit of the program or its own maxima"
    )


@dataclass
class Checker:
    """Collects the problems of one protocol against one set of hard limits."""

    p: Protocol
    limits: HardLimits
    problems: list[FieldProblem] = field(default_factory=list)
    #: Which hard limits each protocol rule was checked against (rule id -> limit id -> limit).
    applied: dict[str, dict[str, Limit | RuleLimit]] = field(default_factory=dict)

    def under(self, what: str, lim: Limit | RuleLimit) -> None:
        """Record that the rules named in `what` sit under the hard limit `lim`."""
        for rule_id in _RULE_ID.findall(what):
            self.applied.setdefault(rule_id, {})[lim.id] = lim

    # ----- the comparisons ---------------------------------------------------------------------

    def k(self, value: float, unit: str) -> tuple[float, str]:
        """A potassium value and unit in the limits' mmol (1 mmol per mEq, LIM-K-MMOL-PER-MEQ)."""
        if "mEq" in unit:
            return value * self.limits.potassium.mmol_per_meq.value, unit.replace("mEq", "mmol")
        return value, unit

    def hard(
        self,
        path: str,
        what: str,
        value: float,
        unit: str,
        lim: Limit,
        potassium: bool = False,
    ) -> None:
        """Refuse `value` if it crosses the hard limit `lim` (or is in another unit)."""
        self.under(what, lim)
        shown = qty(value, unit)
        if potassium:
            value, unit = self.k(value, unit)
            if qty(value, unit) != shown:
                shown += f" (= {qty(value, unit)})"
        if unit != lim.unit:
            self.problems.append(
                FieldProblem(
                    path,
                    f"{what} is in '{unit}', not in '{lim.unit}', the unit of the hard limit "
                    f"{lim.id}: it cannot be checked, so it is refused",
                )
            )
            return
        if lim.crossed_by(value):
            side = {"at_most": "above", "at_least": "below"}.get(lim.bound, "outside")
            self.problems.append(
                FieldProblem(
                    path,
                    f"{what} {shown} is {side} the hard limit {lim.id} ({lim.bound_text}); "
                    f"source: {self.limits.source_text(lim)}",
                )
            )

    def own(self, path: str, what: str, value: float, unit: str, own: Num) -> None:
        """Refuse `value` if it is above the protocol's own maximum `own`."""
        if unit != own.unit:
            self.problems.append(
                FieldProblem(path, f"{what} is in '{unit}', not in '{own.unit}' as {own.id}")
            )
        elif value > own.value:
            self.problems.append(
                FieldProblem(
                    path,
                    f"{what} {qty(value, unit)} is above the protocol's own maximum {own.id} "
                    f"({qty(own.value, own.unit)})",
                )
            )

    def rule(self, path: str, rule: Num, lim: Limit, potassium: bool = False) -> None:
        """Refuse a protocol rule whose value crosses a hard limit."""
        self.hard(path, rule.id, rule.value, rule.unit, lim, potassium)


def _section(p: Protocol, electrolyte: str) -> ElectrolyteSection | None:
    return None if electrolyte == "potassium" else getattr(p, electrolyte)


def _bands(p: Protocol, electrolyte: str) -> list[tuple[str, Band]]:
    if electrolyte == "potassium":
        bands = [(f"potassium.bands[{i}]", b) for i, b in enumerate(p.potassium.bands)]
        return [*bands, ("potassium.not_by_mouth_band", p.potassium.not_by_mouth_band)]
    section: ElectrolyteSection = getattr(p, electrolyte)
    return [(f"{electrolyte}.bands[{i}]", b) for i, b in enumerate(section.bands)]


def _oral_band(c: Checker, electrolyte: str, path: str, band: Band) -> float:
    """Check one oral band's product, dose and frequency; return its potassium per day."""
    assert band.oral is not None
    o = band.oral
    p = c.p
    section = _section(p, electrolyte)
    products: tuple[Product, ...] = p.potassium.products if section is None else section.products
    prod = next((pr for pr in products if pr.id == o.product), None)
    if prod is None:
        c.problems.append(
            FieldProblem(
                f"{path}.oral.product",
                f"{band.id}: '{o.product}' is not a {electrolyte} product of this protocol",
            )
        )
        return 0.0
    units, times = o.units_per_dose, o.times_per_day
    if times.value != int(times.value) or o.frequency_text != frequency_text(times.value):
        c.problems.append(
            FieldProblem(
                f"{path}.oral.frequency_text",
                f"{band.id}: {times.id} {qty(times.value, times.unit)} is printed as "
                f"'{o.frequency_text}'; the frequency must be a whole number of times a day, "
                f"printed '{frequency_text(times.value)}'",
            )
        )
    per = {
        "potassium": prod.potassium_per_unit,
        "magnesium": prod.magnesium_per_unit,
        "phosphate": prod.phosphate_per_unit,
    }[electrolyte]
    if per is None:
        c.problems.append(
            FieldProblem(
                f"{path}.oral.product",
                f"{band.id}: '{prod.id}' states no {electrolyte} per {prod.form}, so the dose "
                "cannot be checked",
            )
        )
        return 0.0
    one = f"{units.id} {num(units.value)} {units.unit} x {qty(per.value, per.unit)} ({per.id})"
    dose_what = f"{one}: one dose of"
    day_what = f"{one} x {times.id} {num(times.value)} {times.unit}: a daily total of"
    dose, daily = units.value * per.value, units.value * per.value * times.value
    at_dose, at_day = f"{path}.oral.units_per_dose", f"{path}.oral.times_per_day"
    if section is None:
        k, lim = p.potassium, c.limits.potassium
        c.own(at_dose, dose_what, dose, per.unit, k.oral_max_single_dose)
        c.own(at_day, day_what, daily, per.unit, k.oral_max_per_day)
        c.hard(at_dose, dose_what, dose, per.unit, lim.oral_max_single_dose, True)
        c.hard(at_day, day_what, daily, per.unit, lim.oral_max_per_day, True)
        return daily
    c.own(at_day, day_what, daily, per.unit, section.oral_max_per_day)
    c.hard(at_day, day_what, daily, per.unit, getattr(c.limits, electrolyte).oral_max_per_day)
    k_per = prod.potassium_per_unit
    return units.value * k_per.value * times.value if k_per is not None else 0.0


def _iv_band(c: Checker, electrolyte: str, path: str, band: Band) -> None:
    """Check one IV band's product, bag, rate and course."""
    assert band.iv is not None
    v = band.iv
    p = c.p
    section = _section(p, electrolyte)
    products: tuple[IVProduct, ...] = (
        p.potassium.iv_products if section is None else section.iv_products
    )
    prod = next((pr for pr in products if pr.id == v.product), None)
    if prod is None:
        c.problems.append(
            FieldProblem(
                f"{path}.iv.product",
                f"{band.id}: '{v.product}' is not a {electrolyte} IV product of this protocol",
            )
        )
        return
    rate = v.max_rate
    hours = max(
        v.min_duration_hours.value if v.min_duration_hours else 0.0, prod.amount.value / rate.value
    )
    per_day = bags_per_day(
        int(v.doses.value) if v.doses else 1, v.interval_hours.value if v.interval_hours else None
    )
    course = f"{band.id} course ({per_day} x {prod.amount.id})"
    if electrolyte == "potassium":
        lim = c.limits.potassium
        c.rule(f"{path}.iv.max_rate", rate, lim.iv_max_rate, True)
        c.hard(
            f"{path}.iv.doses",
            course,
            per_day * prod.amount.value,
            prod.amount.unit,
            lim.iv_max_per_day,
            True,
        )
        return
    e = getattr(c.limits, electrolyte)
    c.rule(f"{path}.iv.max_rate", rate, e.iv_max_rate)
    c.hard(
        f"{path}.iv.max_rate",
        f"{band.id} bag rate ({prod.amount.id} over {hours:.2f} hours)",
        prod.amount.value / hours,
        rate.unit,
        e.iv_max_rate,
    )
    c.rule(f"{path}.iv.product", prod.amount, e.iv_max_dose)
    if electrolyte == "phosphate":
        c.hard(
            f"{path}.iv.doses",
            course,
            per_day * prod.amount.value,
            prod.amount.unit,
            e.iv_max_per_day,
        )
    if prod.potassium_per_bag is not None:
        k_bag = prod.potassium_per_bag
        lim = c.limits.potassium
        c.hard(
            f"{path}.iv.product",
            f"{k_bag.id} potassium rate over {hours:.2f} hours",
            k_bag.value / hours,
            f"{k_bag.unit}/hour",
            lim.iv_max_rate,
            True,
        )


def _iv_products(c: Checker) -> None:
    p, lim = c.p, c.limits.potassium
    for i, prod in enumerate(p.potassium.iv_products):
        path = f"potassium.iv_products[{i}]"
        c.rule(f"{path}.volume", prod.volume, lim.iv_max_bag_volume)
        conc = prod.amount.value / (prod.volume.value / 1000.0)
        c.hard(
            f"{path}.amount",
            f"{prod.id} concentration ({prod.amount.id} in {prod.volume.id})",
            conc,
            f"{prod.amount.unit}/L",
            lim.iv_max_concentration,
            True,
        )
    for name in ("magnesium", "phosphate"):
        section: ElectrolyteSection = getattr(p, name)
        for i, prod in enumerate(section.iv_products):
            if prod.potassium_per_bag is not None:
                k_bag = prod.potassium_per_bag
                conc = k_bag.value / (prod.volume.value / 1000.0)
                c.hard(
                    f"{name}.iv_products[{i}].potassium_per_bag",
                    f"{k_bag.id} potassium concentration",
                    conc,
                    f"{k_bag.unit}/L",
                    lim.iv_max_concentration,
                    True,
                )


def _potassium(c: Checker) -> None:
    k, lim = c.p.potassium, c.limits.potassium
    c.rule(
        "potassium.iv_max_peripheral_concentration",
        k.iv_max_peripheral_concentration,
        lim.iv_max_concentration,
        True,
    )
    c.rule(
        "potassium.iv_ecg_monitoring_above_rate",
        k.iv_ecg_monitoring_above_rate,
        lim.iv_ecg_rate_at_most,
        True,
    )
    c.rule("potassium.oral_max_single_dose", k.oral_max_single_dose, lim.oral_max_single_dose, True)
    c.rule("potassium.oral_max_per_day", k.oral_max_per_day, lim.oral_max_per_day, True)
    c.rule("potassium.hold_at_or_above", k.hold_at_or_above, lim.hold_at_most, True)
    c.rule("potassium.normal_high", k.normal_high, lim.normal_high_at_most, True)
    c.rule("potassium.normal_low", k.normal_low, lim.normal_low_at_least, True)
    c.rule("potassium.ecg_below", k.ecg_below, lim.ecg_below_at_least, True)
    for i, prod in enumerate(k.products):
        per = prod.potassium_per_unit
        assert per is not None  # PotassiumSection requires it
        c.rule(f"potassium.products[{i}].potassium_per_unit", per, lim.oral_max_single_dose, True)
    bands = k.bands
    for i, (band, upper) in enumerate(zip(bands, [*bands[1:], None], strict=True)):
        if band.action in ("oral", "iv") and upper is not None and upper.lower is not None:
            c.hard(
                f"potassium.bands[{i + 1}].lower",
                f"{upper.lower.id} (the top of dosing band {band.id})",
                upper.lower.value,
                upper.lower.unit,
                lim.hold_at_most,
                True,
            )


def _doses(c: Checker) -> None:
    """Every band of every electrolyte; then the worst combination of oral potassium."""
    worst: dict[str, float] = {}
    for electrolyte in ("potassium", "magnesium", "phosphate"):
        for path, band in _bands(c.p, electrolyte):
            if band.action == "oral" and band.oral is not None:
                k_day = _oral_band(c, electrolyte, path, band)
                worst[electrolyte] = max(worst.get(electrolyte, 0.0), k_day)
            elif band.action == "iv" and band.iv is not None:
                _iv_band(c, electrolyte, path, band)
    if worst.get("magnesium") or worst.get("phosphate"):
        total = sum(worst.values())
        what = "the largest oral potassium of one day from all orders together (potassium, magnesium and phosphate bands)"
        k = c.p.potassium
        c.own(
            "potassium.oral_max_per_day", what, total, k.oral_max_per_day.unit, k.oral_max_per_day
        )
        c.hard(
            "potassium.oral_max_per_day",
            what,
            total,
            k.oral_max_per_day.unit,
            c.limits.potassium.oral_max_per_day,
            True,
        )


def _electrolytes(c: Checker) -> None:
    for name in ("magnesium", "phosphate"):
        section: ElectrolyteSection = getattr(c.p, name)
        c.rule(
            f"{name}.oral_max_per_day",
            section.oral_max_per_day,
            getattr(c.limits, name).oral_max_per_day,
        )


def _gates(c: Checker) -> None:
    g, lim = c.p.gates, c.limits.gates
    c.rule("gates.adult_age", g.adult_age, lim.adult_age_at_least)
    c.rule("gates.renal.egfr_review_below", g.renal.egfr_review_below, lim.egfr_review_at_least)
    c.rule(
        "gates.renal.egfr_renal_team_below",
        g.renal.egfr_renal_team_below,
        lim.egfr_renal_team_at_least,
    )
    if g.renal.creatinine_review_at_or_above is not None:
        c.rule(
            "gates.renal.creatinine_review_at_or_above",
            g.renal.creatinine_review_at_or_above,
            lim.creatinine_review_at_most,
        )


def _monitoring(c: Checker) -> None:
    m, lim = c.p.monitoring, c.limits.monitoring
    window = lim.label_window_at_least
    c.rule("monitoring.label_window_hours", m.label_window_hours, window)
    c.rule(
        "monitoring.min_draws_in_label_window",
        m.min_draws_in_label_window,
        lim.draws_in_window_at_least,
    )
    for tier, hours in m.electrolyte_draws.items():
        path = f"monitoring.electrolyte_draws.{tier.value}"
        c.hard(path, f"{hours.id} last draw", max(hours.values), "hours", window)
        inside = sum(1 for h in hours.values if h <= window.value)
        c.hard(
            path,
            f"{hours.id} draws inside the first {qty(window.value, window.unit)}",
            inside,
            "draws",
            lim.draws_in_window_at_least,
        )
    if m.result_match_hours is not None:
        c.rule("monitoring.result_match_hours", m.result_match_hours, lim.result_match_within)
    if m.overdue_after_hours is not None:
        c.rule("monitoring.overdue_after_hours", m.overdue_after_hours, lim.overdue_within)
    rule = lim.potassium_with_mg_po4
    c.under(" ".join(h.id for h in m.electrolyte_draws.values()), rule)
    for i, tmpl in enumerate(m.other_draws):
        if "potassium" in tmpl.tests:
            c.under(tmpl.hours.id, rule)
        if "potassium" in tmpl.tests and not {"magnesium", "phosphate"} <= set(tmpl.tests):
            c.problems.append(
                FieldProblem(
                    f"monitoring.other_draws[{i}].tests",
                    f"{tmpl.id} draws potassium without magnesium and phosphate: refused by the "
                    f"hard rule {rule.id} ({rule.text} Source: {c.limits.source_text(rule)})",
                )
            )


def _plausibility(c: Checker) -> None:
    for analyte, spec in c.p.analytes.items():
        lim = c.limits.plausibility[analyte]
        path = f"analytes.{analyte.value}"
        c.rule(f"{path}.plausible_low", spec.plausible_low, lim.low_at_least)
        c.rule(f"{path}.plausible_high", spec.plausible_high, lim.high_at_most)
    plt, lim_plt = c.p.anaemia.platelets_im_below, c.limits.plausibility[Analyte.platelets]
    if plt.value is not None:
        for bound in (lim_plt.low_at_least, lim_plt.high_at_most):
            c.hard("anaemia.platelets_im_below", plt.id, plt.value, plt.unit, bound)
    pat, lim_p = c.p.patient, c.limits.patient
    c.rule("patient.weight_plausible_low", pat.weight_plausible_low, lim_p.weight_low_at_least)
    c.rule("patient.weight_plausible_high", pat.weight_plausible_high, lim_p.weight_high_at_most)
    c.rule("patient.age_plausible_high", pat.age_plausible_high, lim_p.age_high_at_most)


_CHECKS = (_potassium, _iv_products, _doses, _electrolytes, _gates, _monitoring, _plausibility)


def protocol_limit_problems(p: Protocol, limits: HardLimits) -> list[FieldProblem]:
    """Every place where `p` crosses a hard limit or its own maxima (empty: the protocol is fine)."""
    c = Checker(p, limits)
    for check in _CHECKS:
        check(c)
    return c.problems


def limits_applied(p: Protocol, limits: HardLimits) -> dict[str, list[Limit | RuleLimit]]:
    """Every protocol rule id with the hard limits it sits under (for the review pack)."""
    c = Checker(p, limits)
    for check in _CHECKS:
        check(c)
    return {rule_id: list(found.values()) for rule_id, found in c.applied.items()}


def check_protocol_limits(p: Protocol, limits: HardLimits) -> None:
    """Raise ProtocolLimitError naming every crossing; return quietly when there is none."""
    problems = protocol_limit_problems(p, limits)
    if problems:
        raise ProtocolLimitError(problems)
