"""Building order lines (oral and IV) and their reasons; shared by the engine and overrides."""

from __future__ import annotations

import math
from collections.abc import Iterable
from datetime import datetime, timedelta

from desktop_app.logic.plan import Electrolyte, InputUsed, IVDetails, Order, Reason
from desktop_app.logic.protocol import (
    Band,
    IVProduct,
    Num,
    NumList,
    Product,
    Protocol,
    RiskFactorRule,
    SiteNum,
    TextRule,
)
from desktop_app.logic.textfmt import hours_text, num, qty, when

Rule = Num | NumList | TextRule | Band | RiskFactorRule | SiteNum

_FREQUENCIES = {1: "once daily", 2: "twice daily", 3: "three times daily", 4: "four times daily"}
HOURS_PER_DAY = 24


def bags_per_day(doses: int, interval: float | None) -> int:
    """How many bags of a course start inside one 24-hour period."""
    if doses <= 1 or interval is None:
        return max(doses, 1)
    return min(doses, math.ceil(HOURS_PER_DAY / interval))


def reason_for(
    rules: Iterable[Rule], inputs: Iterable[InputUsed] = (), explanation: str = ""
) -> Reason:
    """Return the Reason citing these rules (their ids and sources) and inputs."""
    rules = list(rules)
    return Reason(
        rule_ids=tuple(dict.fromkeys(r.id for r in rules)),
        sources=tuple(dict.fromkeys(r.source for r in rules)),
        inputs=tuple(inputs),
        local_policy=any(r.local_policy for r in rules),
        explanation=explanation,
    )


def merge_reasons(*reasons: Reason, explanation: str = "") -> Reason:
    """Return one Reason citing everything the given reasons cite."""
    return Reason(
        rule_ids=tuple(dict.fromkeys(i for r in reasons for i in r.rule_ids)),
        sources=tuple(dict.fromkeys(s for r in reasons for s in r.sources)),
        inputs=tuple(dict.fromkeys(i for r in reasons for i in r.inputs)),
        local_policy=any(r.local_policy for r in reasons),
        explanation=explanation or " ".join(r.explanation for r in reasons if r.explanation),
    )


def frequency_text(times_per_day: float) -> str:
    """Return 'twice daily' and the like."""
    return (
        _FREQUENCIES.get(int(times_per_day), f"{num(times_per_day)} times daily")
        if (times_per_day == int(times_per_day))
        else f"{num(times_per_day)} times daily"
    )


def amount_text(p: Protocol, electrolyte: Electrolyte, amount: float, unit: str) -> str:
    """Return an amount; magnesium also in mEq (valence-correct, FMT-05)."""
    if electrolyte == "magnesium":
        meq = amount * p.magnesium_mEq_per_mmol.value
        return f"{qty(amount, unit)} ({qty(meq, 'mEq')})"
    return qty(amount, unit)


def per_unit(prod: Product, electrolyte: Electrolyte) -> Num | None:
    """Return how much of the electrolyte one unit of the product holds."""
    return {
        "potassium": prod.potassium_per_unit,
        "magnesium": prod.magnesium_per_unit,
        "phosphate": prod.phosphate_per_unit,
    }[electrolyte]


def oral_order(
    p: Protocol,
    electrolyte: Electrolyte,
    prod: Product,
    units: float,
    times: float,
    review_hours: float,
    frequency: str,
    start: datetime | None,
    rules: list[Rule],
    used: Iterable[InputUsed],
    band_id: str | None,
) -> Order:
    """Return an oral order line with its daily total, potassium content and review time."""
    per = per_unit(prod, electrolyte)
    assert per is not None
    dose = units * per.value
    daily = dose * times
    k_per_day = units * times * prod.potassium_per_unit.value if prod.potassium_per_unit else 0.0
    form = prod.form if units == 1 else prod.form_plural
    review_at = start + timedelta(hours=review_hours) if start else None
    review = (
        f"Review or stop at {when(review_at)} ({hours_text(review_hours)})."
        if review_at
        else f"Review or stop {hours_text(review_hours)} after the first dose of this course."
    )
    text = (
        f"{prod.name}: {num(units)} {form} ({amount_text(p, electrolyte, dose, per.unit)}) "
        "by mouth "
        f"{frequency} ({amount_text(p, electrolyte, daily, per.unit)} per day)"
        + (f", {prod.administration}" if prod.administration else "")
        + f". {review}"
    )
    all_rules = [*rules, per]
    if electrolyte != "potassium" and prod.potassium_per_unit is not None:
        text += f" Adds {qty(k_per_day, prod.potassium_per_unit.unit)} potassium per day."
        all_rules.append(prod.potassium_per_unit)
    return Order(
        electrolyte=electrolyte,
        kind="oral",
        text=text,
        product=prod.name,
        units_per_dose=units,
        form=form,
        dose_amount=dose,
        dose_unit=per.unit,
        times_per_day=times,
        daily_amount=daily,
        potassium_per_day=k_per_day,
        frequency=frequency,
        route="oral",
        start_at=start,
        review_at=review_at,
        band_id=band_id,
        reason=reason_for(all_rules, used),
    )


def iv_order(
    p: Protocol,
    electrolyte: Electrolyte,
    prod: IVProduct,
    rate: Num,
    rate_value: float,
    min_duration: float | None,
    doses: int,
    interval: float | None,
    route: str,
    start: datetime | None,
    rules: list[Rule],
    used: Iterable[InputUsed],
    band_id: str | None,
    restriction: TextRule | None = None,
) -> Order:
    """Return an IV order stating product, concentration, maximum rate, pump, ECG and line.

    A restriction the source puts on the regimen (NHS Highland's IV magnesium: not for heart
    block or myocardial damage) is printed on the order and cited.
    """
    k = p.potassium
    amount = prod.amount.value
    volume = prod.volume.value
    conc = amount / (volume / 1000.0)
    k_per_day = 0.0
    duration = max(min_duration or 0.0, amount / rate_value)
    is_k = electrolyte == "potassium"
    iv = IVDetails(
        product=prod.name,
        amount=amount,
        amount_unit=prod.amount.unit,
        volume_ml=volume,
        concentration=conc,
        concentration_unit=f"{prod.amount.unit}/L",
        max_rate=rate_value,
        max_rate_unit=rate.unit,
        max_rate_ml_per_hour=volume / duration,
        min_duration_hours=duration,
        route=route,
        pump=k.iv_pump,
        doses=doses,
        interval_hours=interval,
        amount_meq=amount * p.magnesium_mEq_per_mmol.value if electrolyte == "magnesium" else None,
        continuous_ecg=is_k and rate_value > k.iv_ecg_monitoring_above_rate.value,
        central_line_required=is_k and conc > k.iv_max_peripheral_concentration.value,
    )
    ecg = (
        " Continuous ECG monitoring required (rate above "
        f"{qty(k.iv_ecg_monitoring_above_rate.value, k.iv_ecg_monitoring_above_rate.unit)})."
        if iv.continuous_ecg
        else ""
    )
    course = (
        f" Course: {iv.doses} infusions, {hours_text(interval)} apart."
        if iv.doses > 1 and interval
        else ""
    )
    label = iv.product
    if iv.amount_meq is not None:
        label = f"{iv.product} [{qty(iv.amount, iv.amount_unit)} ({qty(iv.amount_meq, 'mEq')})]"
    text = (
        f"{label} ({qty(iv.concentration, iv.concentration_unit)}) by {iv.route}, via {iv.pump}. "
        f"Maximum rate {qty(iv.max_rate, iv.max_rate_unit)} = "
        f"{qty(iv.max_rate_ml_per_hour, 'mL/hour', 1)}; each bag over at least "
        f"{hours_text(round(iv.min_duration_hours, 2))}.{course}{ecg}"
        " Prescriber must confirm before the infusion starts."
    )
    all_rules = [*rules, rate]
    if is_k:
        all_rules += [k.iv_max_peripheral_concentration, k.iv_ecg_monitoring_above_rate]
    elif prod.potassium_per_bag is not None:
        # IV potassium phosphates and the like: the potassium they carry is stated, cited and
        # counted in the plan's total potassium (issue 15 item 8), so the hold rules see it too.
        per_bag = prod.potassium_per_bag
        k_per_day = per_bag.value * bags_per_day(doses, interval)
        text += (
            f" Each bag also gives {qty(per_bag.value, per_bag.unit)} potassium"
            f" ({qty(k_per_day, per_bag.unit)} in 24 hours): count it with all other potassium."
        )
        all_rules.append(per_bag)
    if restriction is not None:
        text += f" Restriction: {restriction.text}"
        all_rules.append(restriction)
    return Order(
        electrolyte=electrolyte,
        kind="iv",
        text=text,
        product=iv.product,
        dose_amount=iv.amount,
        dose_unit=iv.amount_unit,
        route=iv.route,
        start_at=start,
        potassium_per_day=k_per_day,
        iv=iv,
        band_id=band_id,
        needs_prescriber=True,
        reason=reason_for(all_rules, used),
    )


def band_order(
    p: Protocol, electrolyte: Electrolyte, band: Band, start: datetime | None, used: list[InputUsed]
) -> Order:
    """Return the order a band recommends (before gates and overrides)."""
    if band.action == "oral":
        assert band.oral is not None
        o = band.oral
        return oral_order(
            p,
            electrolyte,
            p.product(o.product),
            o.units_per_dose.value,
            o.times_per_day.value,
            o.review_after_hours.value,
            o.frequency_text,
            start,
            [band, o.units_per_dose, o.times_per_day, o.review_after_hours],
            used,
            band.id,
        )
    if band.action == "iv":
        assert band.iv is not None
        v = band.iv
        rules: list[Rule] = [band]
        if v.min_duration_hours:
            rules.append(v.min_duration_hours)
        return iv_order(
            p,
            electrolyte,
            p.iv_product(v.product),
            v.max_rate,
            v.max_rate.value,
            v.min_duration_hours.value if v.min_duration_hours else None,
            int(v.doses.value) if v.doses else 1,
            v.interval_hours.value if v.interval_hours else None,
            v.route,
            start,
            rules,
            used,
            band.id,
            v.restriction,
        )
    return Order(
        electrolyte=electrolyte,
        kind=band.action,
        text=band.instruction,
        band_id=band.id,
        reason=reason_for([band], used),
    )
