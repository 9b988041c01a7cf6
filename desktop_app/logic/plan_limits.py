"""The engine's second line of defence: every order and draw of a plan against the hard limits.

A protocol that crosses a hard limit is refused on loading (`limit_rules`); this checks the
finished plan once more, prescriber overrides included, so that a plan crossing a limit by any
road is never shown or printed. It raises PlanLimitError, an InputError, which the window, the
command line, the batch and the override dialog already show as a message.
"""

from __future__ import annotations

from desktop_app.logic.errors import FieldProblem, InputError
from desktop_app.logic.limit_rules import Checker
from desktop_app.logic.limits import HardLimits
from desktop_app.logic.orders import bags_per_day
from desktop_app.logic.plan import Order, Plan
from desktop_app.logic.protocol import IVProduct, Num, Protocol
from desktop_app.logic.textfmt import qty


class PlanLimitError(InputError):
    """The plan would cross a hard limit: it is not shown or printed."""

    heading = (
        "This plan would cross a hard limit of the program, so it is not shown or printed "
        "(tell the protocol's owner)"
    )


def _at(base: str, order: Order, field: str) -> str:
    """Where a problem shows: on the prescriber's override when the order is one."""
    if order.override is not None:
        return f"overrides[{order.override.index}].{field}"
    return base


def _iv_product(p: Protocol, name: str) -> IVProduct | None:
    products = (*p.potassium.iv_products, *p.magnesium.iv_products, *p.phosphate.iv_products)
    return next((prod for prod in products if prod.name == name), None)


def _carries_potassium(p: Protocol, order: Order) -> bool:
    """True when an oral or IV order gives potassium (itself, or inside its product)."""
    if order.electrolyte == "potassium" or order.potassium_per_day > 0:
        return True
    prod = _iv_product(p, order.product or "") if order.kind == "iv" else None
    return prod is not None and prod.potassium_per_bag is not None


def _oral(c: Checker, base: str, o: Order) -> None:
    assert o.dose_amount is not None and o.daily_amount is not None and o.dose_unit
    dose_at, day_at = _at(base, o, "units_per_dose"), _at(base, o, "times_per_day")
    dose_what = f"{o.product}: one dose of"
    day_what = f"{o.product}: a daily total of"
    if o.electrolyte == "potassium":
        k, lim = c.p.potassium, c.limits.potassium
        c.own(dose_at, dose_what, o.dose_amount, o.dose_unit, k.oral_max_single_dose)
        c.hard(dose_at, dose_what, o.dose_amount, o.dose_unit, lim.oral_max_single_dose, True)
        c.own(day_at, day_what, o.daily_amount, o.dose_unit, k.oral_max_per_day)
        c.hard(day_at, day_what, o.daily_amount, o.dose_unit, lim.oral_max_per_day, True)
        return
    own: Num = getattr(c.p, o.electrolyte).oral_max_per_day
    c.own(day_at, day_what, o.daily_amount, o.dose_unit, own)
    c.hard(
        day_at,
        day_what,
        o.daily_amount,
        o.dose_unit,
        getattr(c.limits, o.electrolyte).oral_max_per_day,
    )


def _iv(c: Checker, base: str, o: Order) -> None:
    iv = o.iv
    assert iv is not None
    at = _at(base, o, "iv_rate")
    name = f"{iv.product}:"
    bag_rate = iv.amount / iv.min_duration_hours
    per_day = iv.amount * bags_per_day(iv.doses, iv.interval_hours)
    if o.electrolyte == "potassium":
        lim = c.limits.potassium
        c.hard(
            at,
            f"{name} concentration",
            iv.concentration,
            iv.concentration_unit,
            lim.iv_max_concentration,
            True,
        )
        c.hard(at, f"{name} maximum rate", iv.max_rate, iv.max_rate_unit, lim.iv_max_rate, True)
        c.hard(at, f"{name} rate of one bag", bag_rate, iv.max_rate_unit, lim.iv_max_rate, True)
        c.hard(at, f"{name} bag volume", iv.volume_ml, "mL", lim.iv_max_bag_volume)
        c.hard(
            at, f"{name} potassium in 24 hours", per_day, iv.amount_unit, lim.iv_max_per_day, True
        )
        ecg = lim.iv_ecg_rate_at_most
        rate, _ = c.k(iv.max_rate, iv.max_rate_unit)
        if rate > ecg.value and not iv.continuous_ecg:
            c.problems.append(
                FieldProblem(
                    at,
                    f"{name} maximum rate {qty(iv.max_rate, iv.max_rate_unit)} is above "
                    f"{ecg.id} ({ecg.bound_text}) but the order does not ask for continuous ECG "
                    f"monitoring; source: {c.limits.source_text(ecg)}",
                )
            )
        return
    e = getattr(c.limits, o.electrolyte)
    c.hard(at, f"{name} amount per bag", iv.amount, iv.amount_unit, e.iv_max_dose)
    c.hard(at, f"{name} rate of one bag", bag_rate, iv.max_rate_unit, e.iv_max_rate)
    if o.electrolyte == "phosphate":
        c.hard(at, f"{name} phosphate in 24 hours", per_day, iv.amount_unit, e.iv_max_per_day)
    prod = _iv_product(c.p, iv.product)
    if prod is not None and prod.potassium_per_bag is not None:
        k_bag, lim = prod.potassium_per_bag, c.limits.potassium
        conc = k_bag.value / (iv.volume_ml / 1000.0)
        c.hard(
            at,
            f"{name} potassium concentration",
            conc,
            f"{k_bag.unit}/L",
            lim.iv_max_concentration,
            True,
        )
        rate = k_bag.value / iv.min_duration_hours
        c.hard(at, f"{name} potassium rate", rate, f"{k_bag.unit}/hour", lim.iv_max_rate, True)


def _orders(plan: Plan) -> list[tuple[str, Order]]:
    """Every order the plan prints: the orders now and each band table's orders."""
    out = [(f"plan.orders_now[{i}]", o) for i, o in enumerate(plan.orders_now)]
    for name, rows in (
        ("k_bands", plan.k_bands),
        ("mg_bands", plan.mg_bands),
        ("po4_bands", plan.po4_bands),
    ):
        out += [(f"plan.{name}.{r.band_id}", r.order) for r in rows if r.order is not None]
    return out


def _holds_and_gates(c: Checker, plan: Plan, latest_k: float | None, egfr: float | None) -> None:
    """No potassium at or above the hard hold; no automatic dose under the hard gates."""
    lim, gates = c.limits.potassium.hold_at_most, c.limits.gates
    held = latest_k is not None and latest_k >= lim.value
    age_gate, renal = gates.adult_age_at_least, gates.egfr_review_at_least
    why = []
    if age_gate.crossed_by(plan.age_years):
        why.append(f"age {plan.age_years} years is below {age_gate.id} ({age_gate.bound_text})")
    if egfr is not None and renal.crossed_by(egfr):
        why.append(f"eGFR {qty(egfr, renal.unit)} is below {renal.id} ({renal.bound_text})")
    for i, o in enumerate(plan.orders_now):
        if held and o.electrolyte == "potassium" and o.kind in ("none", "review"):
            c.problems.append(
                FieldProblem(
                    f"plan.orders_now[{i}]",
                    f"potassium is {qty(latest_k or 0, lim.unit)}, at or above the hard hold "
                    f"{lim.id} ({lim.value:g} {lim.unit}), but the plan does not hold potassium "
                    f"('{o.text}'); source: {c.limits.source_text(lim)}",
                )
            )
    for base, o in _orders(plan):
        if o.kind not in ("oral", "iv"):
            continue
        now = base.startswith("plan.orders_now")
        if held and now and _carries_potassium(c.p, o):
            c.problems.append(
                FieldProblem(
                    _at(base, o, "action"),
                    f"{o.product} carries potassium, but potassium is {qty(latest_k or 0, lim.unit)}, "
                    f"at or above the hard hold {lim.id} ({lim.value:g} {lim.unit}); source: "
                    f"{c.limits.source_text(lim)}",
                )
            )
        if why and o.override is None:
            c.problems.append(
                FieldProblem(
                    base,
                    f"{o.product} would be given automatically although "
                    f"{'; '.join(why)}: only the prescriber may decide",
                )
            )


def _draws(c: Checker, plan: Plan) -> None:
    lim = c.limits.monitoring
    rule, window = lim.potassium_with_mg_po4, lim.label_window_at_least
    k_hours = [
        d.hours_after_first_dose
        for d in plan.schedule
        if "potassium" in d.tests and not d.before_first_dose
    ]
    for i, d in enumerate(plan.schedule):
        if "potassium" in d.tests and not {"magnesium", "phosphate"} <= set(d.tests):
            where = f"overrides[{d.override.index}].tests" if d.override else f"plan.schedule[{i}]"
            c.problems.append(
                FieldProblem(
                    where,
                    f"a potassium draw without magnesium and phosphate is refused by {rule.id} ({rule.text})",
                )
            )
    c.hard(
        "plan.schedule",
        "the last potassium draw, hours after the first dose,",
        max(k_hours, default=0.0),
        "hours",
        window,
    )
    inside = sum(1 for h in k_hours if h <= window.value)
    c.hard(
        "plan.schedule",
        f"potassium draws inside the first {qty(window.value, window.unit)}:",
        inside,
        "draws",
        lim.draws_in_window_at_least,
    )


def plan_limit_problems(
    plan: Plan, p: Protocol, limits: HardLimits, *, latest_k: float | None, egfr: float | None
) -> list[FieldProblem]:
    """Every place where the plan crosses a hard limit or the protocol's own maxima.

    `latest_k` (mmol/L) is the potassium the orders answer; `egfr` the eGFR the gates used.
    """
    c = Checker(p, limits)
    for base, o in _orders(plan):
        if o.kind == "oral":
            _oral(c, base, o)
        elif o.kind == "iv":
            _iv(c, base, o)
    k_day = sum(o.potassium_per_day for o in plan.orders_now if o.kind == "oral")
    unit = p.potassium.oral_max_per_day.unit
    what = "the oral potassium of one day from all orders now together (phosphate and magnesium products counted)"
    last = [o for o in plan.orders_now if o.override is not None and o.potassium_per_day]
    at = (
        _at("plan.potassium_per_day", last[-1], "times_per_day")
        if last
        else "plan.potassium_per_day"
    )
    c.own(at, what, k_day, unit, p.potassium.oral_max_per_day)
    c.hard(at, what, k_day, unit, limits.potassium.oral_max_per_day, True)
    _holds_and_gates(c, plan, latest_k, egfr)
    _draws(c, plan)
    return c.problems


def check_plan_limits(
    plan: Plan, p: Protocol, limits: HardLimits, *, latest_k: float | None, egfr: float | None
) -> None:
    """Raise PlanLimitError naming every crossing; return quietly when there is none."""
    problems = plan_limit_problems(plan, p, limits, latest_k=latest_k, egfr=egfr)
    if problems:
        raise PlanLimitError(problems)
