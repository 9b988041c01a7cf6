"""What to do: the orders now, the band tables nursing follows, overrides, and the action now."""

from __future__ import annotations

from datetime import datetime, timedelta

from desktop_app.logic.context import EvalContext, static
from desktop_app.logic.orders import band_order, merge_reasons, reason_for
from desktop_app.logic.overrides import OverrideContext, apply_overrides
from desktop_app.logic.plan import (
    ActionNow,
    BandRow,
    Draw,
    Electrolyte,
    Gate,
    InputUsed,
    Order,
    OverrideNote,
)
from desktop_app.logic.protocol import (
    Analyte,
    Band,
    ElectrolyteSection,
    Num,
    Protocol,
    TextRule,
)
from desktop_app.logic.results import find_band, lab_text, used
from desktop_app.logic.textfmt import num, qty, result, when
from desktop_app.logic.units import CanonicalLab

#: The latest usable result of each electrolyte (None: no usable result).
Latest = dict[Electrolyte, CanonicalLab | None]


def _order_for_band(
    ctx: EvalContext,
    electrolyte: Electrolyte,
    band: Band,
    start: datetime | None,
    used_inputs: list[InputUsed],
    gated: list[Gate],
) -> Order:
    """Turn a band into an order. A gate turns any dose into 'prescriber decides' (CLN-01)."""
    if band.action in ("oral", "iv") and gated:
        return Order(
            electrolyte=electrolyte,
            kind="prescriber",
            text=(
                f"Do not give {electrolyte} automatically: prescriber to decide "
                f"({'; '.join(g.rule_id for g in gated)}). Result band: {band.label}."
            ),
            band_id=band.id,
            needs_prescriber=True,
            reason=merge_reasons(reason_for([band], used_inputs), *(g.reason for g in gated)),
        )
    order = band_order(ctx.p, electrolyte, band, start, used_inputs)
    if band.action == "oral" and ctx.inputs.modifiers.cannot_take_oral:
        return _not_by_mouth(ctx, electrolyte, band, order)
    return _restricted(ctx, electrolyte, band, order)


def _not_by_mouth(ctx: EvalContext, electrolyte: Electrolyte, band: Band, order: Order) -> Order:
    """An oral magnesium or phosphate order for a patient who cannot take oral medicines.

    Potassium has its own not-by-mouth band; magnesium and phosphate have none, so the oral
    order is never printed as one to give: the prescriber decides the route (seen on the sheet
    of issue 15 item 1, K 2.8 with cannot_take_oral: Magnaspartate "by mouth twice daily").
    """
    no_oral = [f for f in ctx.p.risk.factors if f.kind == "cannot_take_oral"]
    return Order(
        electrolyte=electrolyte,
        kind="prescriber",
        text=(
            f"Do not give {order.product} by mouth: the patient cannot take oral medicines. "
            f"Prescriber to decide the route. Result band: {band.label}."
        ),
        band_id=band.id,
        needs_prescriber=True,
        reason=merge_reasons(
            order.reason,
            reason_for(
                [band, *no_oral], [InputUsed(name="Cannot take oral medicines", value="yes")]
            ),
        ),
    )


def _restricted(ctx: EvalContext, electrolyte: Electrolyte, band: Band, order: Order) -> Order:
    """Stop an IV regimen the source restricts for this patient: the prescriber decides.

    NHS Highland's IV magnesium is "not for patients with heart block or existing myocardial
    damage" (issue 15 item 2): with cardiac disease the order is a prescriber decision that
    still prints the restriction and the regimen it would be.
    """
    v = band.iv
    mods = ctx.inputs.modifiers
    if v is None or v.restriction is None:
        return order
    hits = [m for m in v.prescriber_review_if if getattr(mods, m)]
    if not hits:
        return order
    return Order(
        electrolyte=electrolyte,
        kind="prescriber",
        text=(
            f"Do not give {electrolyte} automatically: prescriber to decide "
            f"({v.restriction.id}): the patient has cardiac disease or arrhythmia. "
            f"Regimen if the prescriber confirms it: {order.text}"
        ),
        band_id=band.id,
        needs_prescriber=True,
        reason=merge_reasons(
            order.reason,
            reason_for(
                [v.restriction], [InputUsed(name="Cardiac disease or arrhythmia", value="yes")]
            ),
        ),
    )


def band_rows(
    ctx: EvalContext, electrolyte: Electrolyte, bands: tuple[Band, ...]
) -> tuple[BandRow, ...]:
    """Return the band table of an electrolyte (built once per protocol when nothing is gated).

    The tables depend on the patient only through gates, 'cannot take oral' and cardiac
    disease (a restricted IV regimen).
    """
    if ctx.gates:
        return _band_rows(ctx, electrolyte, bands, ctx.gates)
    mods = ctx.inputs.modifiers
    key = f"bands:{electrolyte}:{mods.cannot_take_oral}:{mods.cardiac_disease}"
    return static(ctx.p, key, lambda: _band_rows(ctx, electrolyte, bands, []))


def ecg_sentence(p: Protocol) -> str:
    """Return the 12-lead ECG instruction of K-ECG-BELOW (issue 15 item 1)."""
    below = p.potassium.ecg_below
    shown = result(below.value, p.analytes[Analyte.potassium].decimals, below.unit)
    return f"12-lead ECG now (potassium below {shown})."


def _reaches_below_ecg(p: Protocol, electrolyte: Electrolyte, band: Band) -> bool:
    """Whether a band holds potassium values below the ECG threshold (K-ECG-BELOW)."""
    if electrolyte != "potassium":
        return False
    return band.lower is None or band.lower.value < p.potassium.ecg_below.value


def _band_rows(
    ctx: EvalContext, electrolyte: Electrolyte, bands: tuple[Band, ...], gated: list[Gate]
) -> tuple[BandRow, ...]:
    rows = []
    nbm = ctx.inputs.modifiers.cannot_take_oral and electrolyte == "potassium"
    for band in bands:
        # The ECG rule applies to every potassium below its threshold, whatever the band or
        # route: a band whose own words do not order it (not by mouth, gated) gets the sentence.
        ecg_rule = _reaches_below_ecg(ctx.p, electrolyte, band)
        use = ctx.p.potassium.not_by_mouth_band if (nbm and band.action == "oral") else band
        order = None
        if use.action in ("oral", "iv"):
            order = _order_for_band(ctx, electrolyte, use, None, [], gated)
        is_gated = bool(gated) and use.action in ("oral", "iv")
        instruction = use.instruction
        if is_gated:
            instruction = (
                "Contact the prescriber: automatic dosing is stopped ("
                + "; ".join(g.rule_id for g in gated)
                + "). "
                + ("Call the doctor now. " if use.call_doctor else "")
            ).strip()
        rule_list: list[Num | Band] = [use]
        if ecg_rule:
            rule_list.append(ctx.p.potassium.ecg_below)
            if is_gated:
                instruction = f"{instruction} {ecg_sentence(ctx.p)}"
            elif not use.ecg:
                instruction = f"{ecg_sentence(ctx.p)} {instruction}"
        if use.recheck_hours is not None:
            rule_list.append(use.recheck_hours)
        if band is not use:
            rule_list.append(band)
        rows.append(
            BandRow(
                electrolyte=electrolyte,
                lower=band.lower.value if band.lower is not None else None,
                lower_inclusive=band.lower_inclusive,
                band_id=use.id,
                label=band.label if band is use else f"{band.label} (cannot take oral)",
                instruction=instruction,
                order=order,
                recheck_hours=use.recheck_hours.value if use.recheck_hours else None,
                ecg=use.ecg or ecg_rule,
                call_doctor=use.call_doctor or is_gated,
                gated=is_gated,
                reason=reason_for(rule_list),
            )
        )
    return tuple(rows)


def orders_now(ctx: EvalContext, latest: Latest, start: datetime) -> list[Order]:
    """Return one order per electrolyte from its latest result (or a new sample when unusable).

    Each order starts at `start` (the first dose) or at the sample time of the result it answers
    if that is later, so its review time is the same on every print of the same inputs.
    """
    p = ctx.p
    orders: list[Order] = []
    sections: dict[Electrolyte, ElectrolyteSection | None] = {
        "potassium": None,
        "magnesium": p.magnesium,
        "phosphate": p.phosphate,
    }
    stale = p.monitoring.stale_after_hours
    for electrolyte, section in sections.items():
        lab = latest[electrolyte]
        if lab is None:
            rule = p.monitoring.baseline_text
            orders.append(
                Order(
                    electrolyte=electrolyte,
                    kind="sample",
                    text=f"No usable {electrolyte} result: take potassium, magnesium and "
                    "phosphate together before acting.",
                    reason=reason_for([rule]),
                )
            )
            continue
        age_now = (ctx.now - lab.sampled_at).total_seconds() / 3600
        if age_now > stale.value and ctx.now > ctx.first:
            orders.append(
                Order(
                    electrolyte=electrolyte,
                    kind="sample",
                    text=(
                        f"The latest {electrolyte} result (sampled {when(lab.sampled_at)}) is "
                        f"{num(age_now, 0)} hours old: take a new sample before acting on it."
                    ),
                    reason=reason_for([stale, p.warnings["stale"]], [used(p, lab)]),
                )
            )
            continue
        band = ctx.k_band(lab.value) if section is None else find_band(section.bands, lab.value)
        at = max(start, lab.sampled_at)
        orders.append(_order_for_band(ctx, electrolyte, band, at, [used(p, lab)], ctx.gates))
    return _hold_phosphate_with_potassium(ctx, latest, orders)


def _hold_phosphate_with_potassium(
    ctx: EvalContext, latest: Latest, orders: list[Order]
) -> list[Order]:
    """Hold products that add potassium with potassium itself (HOLD-PO4-K).

    They are never given automatically while potassium is unknown (the potassium order is then
    a 'sample' order) or at or above the hold threshold.
    """
    p = ctx.p
    k_order = next(o for o in orders if o.electrolyte == "potassium")
    k_lab = latest["potassium"]
    hold_k = p.potassium.hold_at_or_above
    k_unknown = k_order.kind == "sample"
    if not (k_unknown or (k_lab is not None and k_lab.value >= hold_k.value)):
        return orders
    for i, order in enumerate(orders):
        if order.potassium_per_day and order.electrolyte != "potassium":
            if k_unknown:
                why = "there is no usable potassium result"
                reason = merge_reasons(order.reason, k_order.reason)
            else:
                assert k_lab is not None
                why = (
                    f"potassium is {lab_text(p, k_lab)} (hold at "
                    f"{qty(hold_k.value, hold_k.unit)} and above)"
                )
                reason = merge_reasons(order.reason, reason_for([hold_k], [used(p, k_lab)]))
            orders[i] = Order(
                electrolyte=order.electrolyte,
                kind="prescriber",
                text=(
                    f"Do not give {order.product} automatically: it contains potassium and "
                    f"{why}. Prescriber to decide."
                ),
                band_id=order.band_id,
                needs_prescriber=True,
                reason=reason,
            )
    return orders


def with_overrides(
    ctx: EvalContext,
    latest: Latest,
    start: datetime,
    orders: list[Order],
    schedule: tuple[Draw, ...],
) -> tuple[list[Order], tuple[Draw, ...], list[OverrideNote]]:
    """Apply the prescriber's overrides to the orders and draws (refused past any limit)."""
    p = ctx.p
    k_lab = latest["potassium"]
    mg_lab = latest["magnesium"]
    po4_lab = latest["phosphate"]
    stale = p.monitoring.stale_after_hours.value
    fresh_k = k_lab is not None and not (
        ctx.now > ctx.first and (ctx.now - k_lab.sampled_at).total_seconds() / 3600 > stale
    )
    bands: dict[Electrolyte, Band | None] = {
        "potassium": ctx.k_band(k_lab.value) if k_lab is not None else None,
        "magnesium": find_band(p.magnesium.bands, mg_lab.value) if mg_lab is not None else None,
        "phosphate": find_band(p.phosphate.bands, po4_lab.value) if po4_lab is not None else None,
    }
    octx = OverrideContext(
        protocol=p,
        first=ctx.first,
        start=start,
        latest_k=k_lab.value if k_lab is not None and fresh_k else None,
        bands=bands,
    )
    new_orders, draws, notes = apply_overrides(octx, ctx.inputs.overrides, orders, list(schedule))
    return new_orders, tuple(draws), notes


def action_now(
    ctx: EvalContext,
    latest_k: CanonicalLab | None,
    orders: list[Order],
    schedule: tuple[Draw, ...],
) -> ActionNow:
    """Return what is due now from the latest potassium, and when potassium is next checked."""
    p = ctx.p
    upcoming = [d for d in schedule if "potassium" in d.tests and d.at >= ctx.now]
    next_draw = upcoming[0].at if upcoming else None
    k_order = next(o for o in orders if o.electrolyte == "potassium")
    if latest_k is None:
        return ActionNow(
            text=(
                "Take baseline potassium, magnesium and phosphate before the first B12 dose"
                + (f" (due {when(ctx.first)})." if ctx.first >= ctx.now else ".")
            ),
            basis="No usable potassium result.",
            instruction=(
                "Take baseline potassium, magnesium and phosphate before the first B12 dose."
            ),
            band_id=None,
            next_check_at=ctx.first if ctx.first >= ctx.now else ctx.now,
            reason=reason_for([p.monitoring.baseline_text, p.warnings["no_baseline_k"]]),
        )
    band = ctx.k_band(latest_k.value)
    next_check = next_draw
    rules: list[Num | Band | TextRule] = [band]
    if band.recheck_hours is not None and k_order.kind != "sample":
        by_band = latest_k.sampled_at + timedelta(hours=band.recheck_hours.value)
        by_band = max(by_band, ctx.now)
        rules.append(band.recheck_hours)
        if next_check is None or by_band < next_check:
            next_check = by_band
    where = "Latest" if any(f is latest_k for f in ctx.followups) else "Baseline"
    basis = f"{where} potassium {lab_text(p, latest_k)} at {when(latest_k.sampled_at)}"
    # The order itself is printed once, under the orders now; the action names the band and
    # what to do. When no dose is given automatically, the order's own words say why.
    instruction = band.instruction if k_order.kind in ("oral", "iv") else k_order.text
    ecg_now = latest_k.value < p.potassium.ecg_below.value
    if ecg_now:
        rules.append(p.potassium.ecg_below)
        if not (band.ecg and instruction == band.instruction):
            instruction = f"{ecg_sentence(p)} {instruction}"
    if ctx.past_window:
        past = p.warnings["past_window"]
        rules.append(past)
        instruction = instruction.replace(" Continue the schedule.", "")
        instruction = (
            f"First B12 dose {when(ctx.first)}: before the monitoring window, not the initiation "
            f"hazard; look for another cause ({past.id}). {instruction}"
        )
    text = f"{basis}: {band.label}. {instruction}"
    if next_check is not None:
        text += f" Next potassium (with magnesium and phosphate) by {when(next_check)}."
    return ActionNow(
        text=text,
        basis=basis,
        band_label=band.label,
        instruction=instruction,
        band_id=band.id,
        next_check_at=next_check,
        ecg_now=ecg_now,
        reason=merge_reasons(k_order.reason, reason_for(rules, [used(p, latest_k)])),
    )
