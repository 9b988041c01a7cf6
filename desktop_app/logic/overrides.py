"""Prescriber overrides: change or decline an order, move/remove/add a draw, with a reason.

Safety gates stay on. An override that crosses a protocol limit is refused with the reason
(potassium at or above the hold threshold, an IV rate above the maximum, a dose above the oral
maximum, magnesium or phosphate dropped from a potassium draw, a draw inside the label window
removed). An override that is allowed but differs from the recommendation needs a second
confirmation (`confirmed_outside_band`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from desktop_app.logic.errors import FieldProblem, InputError
from desktop_app.logic.models import Override
from desktop_app.logic.orders import frequency_text, iv_order, oral_order, per_unit, reason_for
from desktop_app.logic.plan import ELECTROLYTES, Draw, Electrolyte, InputUsed, Order, OverrideNote
from desktop_app.logic.protocol import Band, ElectrolyteSection, Protocol
from desktop_app.logic.textfmt import num, ordered_tests, qty, tests_label


class _Refused(Exception):
    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field
        self.message = message


@dataclass
class OverrideContext:
    """What an override is judged against."""

    protocol: Protocol
    first: datetime
    start: datetime
    latest_k: float | None
    bands: dict[Electrolyte, Band | None]


def _bands_of(p: Protocol, electrolyte: Electrolyte) -> tuple[Band, ...]:
    if electrolyte == "potassium":
        return (*p.potassium.bands, p.potassium.not_by_mouth_band)
    section: ElectrolyteSection = getattr(p, electrolyte)
    return section.bands


def _note(i: int, ov: Override, recommended: str, outside: bool) -> OverrideNote:
    if outside and not ov.confirmed_outside_band:
        raise _Refused(
            "confirmed_outside_band",
            "this change differs from the protocol's recommendation: confirm it a second time "
            "(confirmed_outside_band) to go ahead",
        )
    return OverrideNote(
        index=i,
        action=ov.action,
        reason=ov.reason,
        prescriber=ov.prescriber,
        recommended_text=recommended,
        outside_band=outside,
    )


def _check_potassium_allowed(ctx: OverrideContext, electrolyte: Electrolyte, adds_k: bool) -> None:
    if not adds_k:
        return
    hold = ctx.protocol.potassium.hold_at_or_above
    if ctx.latest_k is None:
        raise _Refused(
            "action",
            f"no usable potassium result: {electrolyte} containing potassium cannot be ordered "
            "before potassium is known",
        )
    if ctx.latest_k >= hold.value:
        raise _Refused(
            "action",
            f"potassium is {num(ctx.latest_k)} {hold.unit}, at or above the hold threshold of "
            f"{qty(hold.value, hold.unit)} (rule {hold.id}): no potassium may be ordered",
        )


def _change_order(ctx: OverrideContext, i: int, ov: Override, rec: Order) -> Order:
    p = ctx.protocol
    electrolyte = rec.electrolyte  # the order the override targets
    band = ctx.bands.get(electrolyte)
    section = p.potassium if electrolyte == "potassium" else getattr(p, electrolyte)
    oral_products = {pr.id: pr for pr in section.products}
    iv_products = {pr.id: pr for pr in section.iv_products}
    product_id = ov.product_id
    if product_id is None:
        if band is not None and band.oral is not None:
            product_id = band.oral.product
        elif band is not None and band.iv is not None:
            product_id = band.iv.product
        else:
            raise _Refused("product_id", f"name the {electrolyte} product to order")
    used = [InputUsed(name="Override reason", value=ov.reason)]
    if product_id in oral_products:
        prod = oral_products[product_id]
        rec_oral = band.oral if band is not None and band.oral is not None else None
        units = ov.units_per_dose or (rec_oral.units_per_dose.value if rec_oral else None)
        times = ov.times_per_day or (rec_oral.times_per_day.value if rec_oral else None)
        review = ov.review_after_hours or (rec_oral.review_after_hours.value if rec_oral else None)
        if units is None:
            raise _Refused("units_per_dose", "give the number of units per dose")
        if times is None:
            raise _Refused("times_per_day", "give how many times a day")
        if review is None:
            raise _Refused("review_after_hours", "give when the order is reviewed or stopped")
        _check_potassium_allowed(ctx, electrolyte, prod.potassium_per_unit is not None)
        per = per_unit(prod, electrolyte)
        assert per is not None
        section_max = section.oral_max_per_day
        if (
            electrolyte == "potassium"
            and units * per.value > p.potassium.oral_max_single_dose.value
        ):
            lim = p.potassium.oral_max_single_dose
            raise _Refused(
                "units_per_dose",
                f"{qty(units * per.value, per.unit)} in one dose is above the protocol maximum of "
                f"{qty(lim.value, lim.unit)} (rule {lim.id})",
            )
        if units * per.value * times > section_max.value:
            raise _Refused(
                "times_per_day",
                f"{qty(units * per.value * times, per.unit)} per day is above the protocol maximum "
                f"of {qty(section_max.value, section_max.unit)} (rule {section_max.id})",
            )
        freq = frequency_text(times)
        rules = [r for r in (band,) if r is not None]
        order = oral_order(
            p,
            electrolyte,
            prod,
            units,
            times,
            review,
            freq,
            rec.start_at or ctx.start,
            [*rules, section_max],
            used,
            rec.band_id,
        )
        outside = not (
            rec.kind == "oral"
            and rec.product == prod.name
            and rec.daily_amount == order.daily_amount
            and rec.times_per_day == order.times_per_day
        )
    elif product_id in iv_products:
        prod_iv = iv_products[product_id]
        _check_potassium_allowed(
            ctx, electrolyte, electrolyte == "potassium" or prod_iv.potassium_per_bag is not None
        )
        iv_bands = [b for b in _bands_of(p, electrolyte) if b.iv is not None]
        limit = max((b.iv.max_rate for b in iv_bands if b.iv), key=lambda n: n.value)
        rate = ov.iv_rate or limit.value
        if rate > limit.value:
            raise _Refused(
                "iv_rate",
                f"{qty(rate, limit.unit)} is above the protocol maximum of "
                f"{qty(limit.value, limit.unit)} (rule {limit.id})",
            )
        iv_band = band if band is not None and band.iv is not None else iv_bands[0]
        assert iv_band.iv is not None
        v = iv_band.iv
        order = iv_order(
            p,
            electrolyte,
            prod_iv,
            limit,
            rate,
            v.min_duration_hours.value if v.min_duration_hours else None,
            int(v.doses.value) if v.doses else 1,
            v.interval_hours.value if v.interval_hours else None,
            v.route,
            rec.start_at or ctx.start,
            [iv_band],
            used,
            rec.band_id,
            v.restriction,
        )
        outside = not (rec.kind == "iv" and rec.product == prod_iv.name)
    else:
        raise _Refused(
            "product_id",
            f"'{product_id}' is not a {electrolyte} product of this protocol; choose one of "
            + ", ".join([*oral_products, *iv_products]),
        )
    note = _note(i, ov, rec.text, outside)
    # The order text is the prescriber's order; every renderer marks it from `override`.
    return Order.model_validate({**order.model_dump(), "override": note.model_dump()})


def _decline_order(i: int, ov: Override, rec: Order) -> Order:
    if rec.kind not in ("oral", "iv", "prescriber"):
        raise _Refused("action", f"there is no {ov.target} order to decline")
    note = _note(i, ov, rec.text, outside=True)
    return Order(
        electrolyte=rec.electrolyte,
        kind="declined",
        text=f"DECLINED by {ov.prescriber}: no {ov.target} order. Reason: {ov.reason}",
        band_id=rec.band_id,
        override=note,
        reason=rec.reason,
    )


def _draw_tests_ok(tests: tuple[str, ...]) -> None:
    if "potassium" in tests and not {"magnesium", "phosphate"} <= set(tests):
        raise _Refused(
            "tests",
            "magnesium and phosphate are always drawn with potassium (CLN-02): they cannot be "
            "left out",
        )


def _find_draw(draws: list[Draw], hours: float | None) -> int:
    for idx, draw in enumerate(draws):
        if not draw.before_first_dose and draw.hours_after_first_dose == hours:
            return idx
    raise _Refused(
        "draw_hours", f"there is no draw at {num(hours or 0)} hours after the first dose"
    )


def _change_draws(ctx: OverrideContext, i: int, ov: Override, draws: list[Draw]) -> OverrideNote:
    window = ctx.protocol.monitoring.label_window_hours
    if ov.action == "add":
        if ov.new_hours is None or not ov.tests:
            raise _Refused(
                "new_hours", "give the time (hours after the first dose) and the tests to add"
            )
        _draw_tests_ok(ov.tests)
        note = _note(i, ov, "(no draw recommended at this time)", outside=False)
        draws.append(_draw(ctx, ov.new_hours, ov.tests, "Added by the prescriber", note))
        return note
    idx = _find_draw(draws, ov.draw_hours)
    old = draws[idx]
    inside = "potassium" in old.tests and old.hours_after_first_dose <= window.value
    recommended = f"{old.label} at +{num(old.hours_after_first_dose)} hours"
    if ov.action == "remove":
        if inside:
            raise _Refused(
                "action",
                f"this potassium draw is inside the label's {num(window.value)}-hour window "
                f"(rule {window.id}): it cannot be removed",
            )
        note = _note(i, ov, recommended, outside=True)
        del draws[idx]
        return note
    if ov.action == "move":
        if ov.new_hours is None:
            raise _Refused("new_hours", "give the new time (hours after the first dose)")
        if inside and ov.new_hours > window.value:
            raise _Refused(
                "new_hours",
                f"this potassium draw must stay inside the label's {num(window.value)}-hour "
                f"window (rule {window.id})",
            )
        note = _note(i, ov, recommended, outside=ov.new_hours > old.hours_after_first_dose)
        draws[idx] = _draw(ctx, ov.new_hours, old.tests, old.purpose, note, old)
        return note
    if ov.action == "change":
        if not ov.tests:
            raise _Refused("tests", "give the tests for this draw")
        _draw_tests_ok(ov.tests)
        if inside and "potassium" not in ov.tests:
            raise _Refused(
                "tests",
                f"potassium cannot be dropped from a draw inside the label's "
                f"{num(window.value)}-hour window (rule {window.id})",
            )
        note = _note(i, ov, recommended, outside=True)
        draws[idx] = _draw(ctx, old.hours_after_first_dose, ov.tests, old.purpose, note, old)
        return note
    raise _Refused("action", f"'{ov.action}' is not an action for a monitoring draw")


def _draw(
    ctx: OverrideContext,
    hours: float,
    tests: tuple[str, ...],
    purpose: str,
    note: OverrideNote,
    old: Draw | None = None,
) -> Draw:
    ordered = ordered_tests(tests)
    reason = (
        old.reason if old is not None else reason_for([ctx.protocol.monitoring.label_window_hours])
    )
    return Draw(
        at=ctx.first + timedelta(hours=hours),
        hours_after_first_dose=hours,
        day=int(hours // 24) + 1,
        tests=ordered,
        label=tests_label(ordered),
        purpose=f"{purpose} (prescriber override: {note.reason}; {note.prescriber})",
        purposes=(
            *(old.purposes if old is not None else (purpose,)),
            f"Prescriber override: {note.reason} ({note.prescriber})",
        ),
        override=note,
        reason=reason,
    )


def apply_overrides(
    ctx: OverrideContext, overrides: tuple[Override, ...], orders: list[Order], draws: list[Draw]
) -> tuple[list[Order], list[Draw], list[OverrideNote]]:
    """Apply every override in order; refuse all of them at once if any crosses a limit."""
    orders = list(orders)
    draws = list(draws)
    notes: list[OverrideNote] = []
    problems: list[FieldProblem] = []
    for i, ov in enumerate(overrides):
        try:
            if ov.target in ELECTROLYTES:
                pos = next(n for n, o in enumerate(orders) if o.electrolyte == ov.target)
                if orders[pos].override is not None:
                    raise _Refused("target", f"the {ov.target} order is already overridden")
                if ov.action == "change":
                    orders[pos] = _change_order(ctx, i, ov, orders[pos])
                elif ov.action == "decline":
                    orders[pos] = _decline_order(i, ov, orders[pos])
                else:
                    raise _Refused("action", f"'{ov.action}' is not an action for an order")
                note = orders[pos].override
                assert note is not None
                notes.append(note)
            else:
                notes.append(_change_draws(ctx, i, ov, draws))
        except _Refused as refused:
            problems.append(FieldProblem(f"overrides[{i}].{refused.field}", refused.message))
    window = ctx.protocol.monitoring.label_window_hours
    last_k = max((d.hours_after_first_dose for d in draws if "potassium" in d.tests), default=0.0)
    touched = [i for i, ov in enumerate(overrides) if ov.target == "draw"]
    if not problems and touched and last_k < window.value:
        problems.append(
            FieldProblem(
                f"overrides[{touched[-1]}].action",
                f"together these overrides end potassium monitoring at {num(last_k)} hours, before "
                f"the label's {num(window.value)}-hour window (rule {window.id}, CLN-06)",
            )
        )
    if problems:
        raise InputError(problems, heading="These overrides are refused")
    draws.sort(key=lambda d: (d.at, not d.before_first_dose))
    return orders, draws, notes
