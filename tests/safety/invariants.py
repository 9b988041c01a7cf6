"""The safety invariants every plan must satisfy, written as an oracle independent of the engine.

Each check returns a list of violations (strings starting with the requirement id) rather than
raising, so a campaign can count every violation and still say how many cases it tried. The
oracle reads the protocol file and the inputs directly; it does not call engine helpers, so a
fault in the engine's band lookup, unit conversion or gate logic cannot hide itself.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal

from desktop_app.logic.models import LabEntry, PlanInputs
from desktop_app.logic.plan import Order, Plan, Reason
from desktop_app.logic.protocol import Analyte, Band, LoadedProtocol, Protocol, Tier

_ELECTROLYTES = ("potassium", "magnesium", "phosphate")

#: Violations that a known, reported defect produces; each is pinned by a strict-xfail test in
#: tests/safety/test_known_defects.py. A campaign counts them apart and does not fail on them;
#: when the lead fixes the defect, the xfail test passes (strict: it then fails) and the entry
#: here is removed, so the campaign enforces the invariant again.
KNOWN_DEFECTS: dict[str, str] = {}


def without_known(problems: list[str], known: Callable[[str], None]) -> list[str]:
    """Return the problems that are not known defects; report each known one to `known`."""
    real = []
    for problem in problems:
        tag = problem.split(" ", 1)[0]
        if tag in KNOWN_DEFECTS:
            known(tag)
        else:
            real.append(problem)
    return real


def canonical(p: Protocol, analyte: Analyte, value: float, unit: str) -> float:
    """Return the canonical value as shown, from the protocol's one table of factors.

    A result is handled as it is shown, at the laboratory's precision (issue 15 items 8 and 10):
    the step of the typed value carried into the unit shown, never coarser than the protocol's
    decimals, rounded half up.
    """
    spec = p.analytes[analyte]

    def factor(u: str) -> float:
        if u == spec.canonical_unit:
            return 1.0
        return next(c.to_canonical.value for c in spec.conversions if c.unit == u)

    shown_unit = f"{p.potassium_unit}/L" if analyte is Analyte.potassium else spec.canonical_unit
    typed = len(f"{value:.3f}".rstrip("0").split(".")[1])
    step = 10.0**-typed * factor(unit) / factor(shown_unit)
    places = 0
    while round(step * 10**places, 9) < 1:
        places += 1
    decimals = min(max(spec.decimals, places), 3)
    shown = value * factor(unit) / factor(shown_unit)
    rounded = Decimal(repr(shown)).quantize(Decimal(1).scaleb(-decimals), rounding=ROUND_HALF_UP)
    return float(rounded) * factor(shown_unit)


def band_for(bands: tuple[Band, ...], value: float) -> Band:
    """Return the band a value falls in: the highest band whose lower bound it reaches."""
    chosen = bands[0]
    for band in bands[1:]:
        assert band.lower is not None
        lower = band.lower.value
        if value > lower or (band.lower_inclusive and value == lower):
            chosen = band
    return chosen


def age_on(dob: datetime | object, first: datetime) -> int:
    """Completed years on the date of the first dose (in the first dose's own offset)."""
    assert hasattr(dob, "year")
    years = first.year - dob.year  # type: ignore[attr-defined]
    if (first.month, first.day) < (dob.month, dob.day):  # type: ignore[attr-defined]
        years -= 1
    return years


@dataclass(frozen=True)
class Result:
    """A lab result in canonical units with its time."""

    analyte: Analyte
    value: float
    at: datetime


def _result(p: Protocol, analyte: Analyte, entry: LabEntry) -> Result:
    return Result(analyte, canonical(p, analyte, entry.value, entry.unit or ""), entry.sampled_at)


def usable_baseline(
    p: Protocol, inputs: PlanInputs, analyte: Analyte, past_window_now: datetime | None = None
) -> Result | None:
    """The baseline if it may be used: taken before the first dose and not stale.

    Long after the first dose (the plan says the first dose lies before the monitoring window,
    issue 15 item 11), a result is usable when it is fresh at `past_window_now` instead.
    """
    entry = inputs.labs.get(analyte)
    first = inputs.regimen.first_dose_at
    if entry is None or first is None:
        return None
    if past_window_now is not None:
        age = past_window_now - entry.sampled_at
        if age > timedelta(hours=p.monitoring.stale_after_hours.value):
            return None
        return _result(p, analyte, entry)
    if entry.sampled_at > first:
        return None
    if (first - entry.sampled_at) > timedelta(hours=p.monitoring.stale_after_hours.value):
        return None
    return _result(p, analyte, entry)


def past_window_at(p: Protocol, inputs: PlanInputs, now: datetime) -> datetime | None:
    """`now` when the first dose lies before the monitoring window (issue 15 item 11), else None.

    The window runs to the last potassium draw of any tier, and of the other draws that test
    potassium (those for parenteral loading only when the regimen loads): read from the protocol.
    """
    first = inputs.regimen.first_dose_at
    assert first is not None
    loading = p.regimen(inputs.regimen.preset_id).parenteral_loading
    hours = [max(rule.values) for rule in p.monitoring.electrolyte_draws.values()]
    hours += [
        max(t.hours.values)
        for t in p.monitoring.other_draws
        if "potassium" in t.tests and (loading or not t.parenteral_loading_only)
    ]
    return now if now - first > timedelta(hours=max(hours)) else None


def latest(
    p: Protocol, inputs: PlanInputs, analyte: Analyte, past_window_now: datetime | None = None
) -> Result | None:
    """The latest follow-up of the analyte, else its usable baseline (at `past_window_now`)."""
    later = sorted(
        (f for f in inputs.followups if f.analyte == analyte.value), key=lambda f: f.sampled_at
    )
    if later:
        fu = later[-1]
        return Result(analyte, canonical(p, analyte, fu.value, fu.unit), fu.sampled_at)
    return usable_baseline(p, inputs, analyte, past_window_now)


def base_k_missing(p: Protocol, inputs: PlanInputs) -> bool:
    """True when there is no usable baseline potassium."""
    return usable_baseline(p, inputs, Analyte.potassium) is None


def fresh_at(p: Protocol, result: Result | None, inputs: PlanInputs, now: datetime) -> bool:
    """True when the result may still be acted on at `now` (not stale once therapy started)."""
    if result is None:
        return False
    first = inputs.regimen.first_dose_at
    assert first is not None
    stale = timedelta(hours=p.monitoring.stale_after_hours.value)
    return not (now > first and now - result.at > stale)


def _ckd_epi_2021(p: Protocol, inputs: PlanInputs) -> float | None:
    """The eGFR computed from creatinine when none is recorded (issue 15 item 13), else None.

    Inker et al., N Engl J Med 2021: 142 x min(Scr/k, 1)^a x max(Scr/k, 1)^-1.200 x
    0.9938^age x 1.012 if female, Scr in mg/dL; rounded half up to the protocol's decimals.
    """
    eq = p.gates.renal.egfr_from_creatinine
    creat = inputs.labs.creatinine
    sex = inputs.patient.sex
    first = inputs.regimen.first_dose_at
    assert first is not None and inputs.patient.date_of_birth is not None
    age = age_on(inputs.patient.date_of_birth, first)
    if eq is None or creat is None or sex not in ("female", "male"):
        return None
    if age < p.gates.adult_age.value:
        return None
    per_mg_dl = next(
        c.to_canonical.value
        for c in p.analytes[Analyte.creatinine].conversions
        if c.unit == "mg/dL"
    )
    scr = canonical(p, Analyte.creatinine, creat.value, creat.unit or "") / per_mg_dl
    female = sex == "female"
    kappa = eq.kappa_female.value if female else eq.kappa_male.value
    alpha = eq.alpha_female.value if female else eq.alpha_male.value
    raw = (
        eq.constant.value
        * min(scr / kappa, 1) ** alpha
        * max(scr / kappa, 1) ** eq.exponent_above.value
        * eq.age_factor.value**age
        * (eq.female_factor.value if female else 1)
    )
    step = Decimal(1).scaleb(-p.analytes[Analyte.egfr].decimals)
    return float(Decimal(repr(raw)).quantize(step, rounding=ROUND_HALF_UP))


def expected_gates(
    p: Protocol, inputs: PlanInputs, past_window_now: datetime | None = None
) -> set[str]:
    """The gate rule ids the protocol requires for these inputs (CLN-01, CLN-03).

    Past the monitoring window (`past_window_now`), a potassium counts only when fresh then:
    a stale one is never used as current (VER-03), for a gate no more than for a dose.
    """
    g = p.gates
    t = g.texts
    mods = inputs.modifiers
    first = inputs.regimen.first_dose_at
    assert first is not None and inputs.patient.date_of_birth is not None
    out: set[str] = set()
    if age_on(inputs.patient.date_of_birth, first) < g.adult_age.value:
        out.add(t.age.id)
    egfr = inputs.labs.egfr
    value = (
        canonical(p, Analyte.egfr, egfr.value, egfr.unit or "")
        if egfr is not None
        else _ckd_epi_2021(p, inputs)
    )
    if value is not None:
        if value < g.renal.egfr_review_below.value:
            out.add(t.renal.id)
        if value < g.renal.egfr_renal_team_below.value:
            out.add(t.renal_team.id)
    elif not mods.dialysis:
        out.add(t.renal_unknown.id)
    creat = inputs.labs.creatinine
    rule = g.renal.creatinine_review_at_or_above
    creat_value = canonical(p, Analyte.creatinine, creat.value, creat.unit or "") if creat else None
    if rule is not None and creat_value is not None and creat_value >= rule.value:
        out.add(t.renal.id)
    if mods.dialysis:
        out.add(t.dialysis.id)
    if mods.oliguria:
        out.add(t.oliguria.id)
    if mods.k_raising_drugs:
        out.add(t.k_raising.id)
    k = latest(p, inputs, Analyte.potassium, past_window_now)
    if k is not None and k.value > p.potassium.normal_high.value:
        out.add(t.hyperkalaemia.id)
    return out


def expected_derived_severity(p: Protocol, inputs: PlanInputs) -> str:
    """WHO severity from haemoglobin and sex ('unknown' without a haemoglobin)."""
    hb = inputs.labs.haemoglobin
    if hb is None:
        return "unknown"
    a = p.anaemia
    value = canonical(p, Analyte.haemoglobin, hb.value, hb.unit or "")
    mild = a.mild_below_female.value if inputs.patient.sex == "female" else a.mild_below_male.value
    if value < a.severe_below.value:
        return "severe"
    if value < a.moderate_below.value:
        return "moderate"
    if value < mild:
        return "mild"
    return "none"


def _contains_k(p: Protocol, order: Order) -> bool:
    if order.kind not in ("oral", "iv"):
        return False
    if order.electrolyte == "potassium" or order.potassium_per_day > 0:
        return True
    if order.iv is not None:
        for prod in (*p.magnesium.iv_products, *p.phosphate.iv_products):
            if prod.name == order.iv.product and prod.potassium_per_bag is not None:
                return True
    return False


def _all_reasons(plan: Plan) -> list[tuple[str, Reason]]:
    out: list[tuple[str, Reason]] = [
        ("anaemia", plan.anaemia.reason),
        ("risk", plan.risk.reason),
        ("b12_order", plan.b12_order.reason),
        ("action_now", plan.action_now.reason),
        ("food_note", plan.food_note.reason),
    ]
    out += [(f"risk factor {f.rule_id}", f.reason) for f in plan.risk.factors]
    out += [(f"order {o.electrolyte}", o.reason) for o in plan.orders_now]
    out += [(f"draw +{d.hours_after_first_dose}", d.reason) for d in plan.schedule]
    out += [(f"gate {g.rule_id}", g.reason) for g in plan.gates]
    out += [(f"warning {w.rule_id}", w.reason) for w in plan.warnings]
    out += [("hold rule", line.reason) for line in plan.hold_rules]
    out += [("escalation", line.reason) for line in plan.escalation]
    out += [(f"food {f.name}", f.reason) for f in plan.foods]
    for row in (*plan.k_bands, *plan.mg_bands, *plan.po4_bands):
        out.append((f"band row {row.band_id}", row.reason))
        if row.order is not None:
            out.append((f"band row order {row.band_id}", row.order.reason))
    return out


# ----- formatting (FMT-01..07) on what the plan shows ------------------------------------------

_DATE = re.compile(r"\b(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun) \d{2}-[A-Z][a-z]{2}-\d{4} \d{2}:\d{2}\b")
#: A trailing zero on an amount, dose, rate or volume; a result ("3.0 mmol/L") may keep it.
_TRAILING_ZERO = re.compile(
    r"(?<![\d.])\d{1,3}(?:,\d{3})*\.0+ "
    r"(?:mmol|mEq|mg|micrograms|mL|g|tablets?|sachets?|hours?)\b(?!/L)"
)
_NAKED_DECIMAL = re.compile(r"(?<![\d\w])\.\d")
_NO_SPACE = re.compile(r"\d(?:mmol|mEq|mg|mL|mcg|micrograms|g\b|L\b)")
_UNGROUPED = re.compile(r"(?<![\d.,])\d{4,}(?![\d])")
#: ISMP error-prone tokens (FMT-06). Whole words; "mg." only as a unit followed by a full stop.
BANNED = {
    "U": re.compile(r"(?<![\w-])\d+(?:\.\d+)?\s*U(?![\w-])"),
    "IU": re.compile(r"\bIU\b"),
    "cc": re.compile(r"(?<![\w-])\d+(?:\.\d+)?\s*cc(?![\w-])"),
    "µg": re.compile("µg|\u03bcg"),
    "QD": re.compile(r"\bQD\b"),
    "QOD": re.compile(r"\bQOD\b"),
    "D/C": re.compile(r"\bD/C\b"),
    "per protocol": re.compile(r"per protocol", re.IGNORECASE),
    "bolus": re.compile(r"\bbolus\b", re.IGNORECASE),
    "mg.": re.compile(r"\bmg\.(?=\s|$)"),
}


def format_violations(where: str, text: str, *, amounts: bool) -> list[str]:
    """FMT violations in one shown text; `amounts` marks order text (no trailing zeros there)."""
    out = []
    body = _DATE.sub("<date>", text)
    if amounts and (m := _TRAILING_ZERO.search(body)):
        out.append(f"FMT-01 trailing zero {m.group()!r} in {where}: {text!r}")
    if m := _NAKED_DECIMAL.search(body):
        out.append(f"FMT-02 no leading zero {m.group()!r} in {where}: {text!r}")
    if m := _NO_SPACE.search(body):
        out.append(f"FMT-03 number touching its unit {m.group()!r} in {where}: {text!r}")
    for token, pattern in BANNED.items():
        if pattern.search(body):
            out.append(f"FMT-06 banned token {token!r} in {where}: {text!r}")
    if amounts and (m := _UNGROUPED.search(body)):
        out.append(
            f"FMT-07 number of 1,000 or more without a comma {m.group()!r} in {where}: {text!r}"
        )
    return out


def plan_format_violations(plan: Plan) -> list[str]:
    """FMT checks over every order and instruction the plan shows (lab results excluded)."""
    out: list[str] = []
    for o in plan.orders_now:
        out += format_violations(f"order {o.electrolyte}", o.text, amounts=True)
    for row in (*plan.k_bands, *plan.mg_bands, *plan.po4_bands):
        out += format_violations(f"band row {row.band_id}", row.instruction, amounts=True)
        if row.order is not None:
            out += format_violations(f"band row order {row.band_id}", row.order.text, amounts=True)
    out += format_violations("B12 order", plan.b12_order.text, amounts=True)
    out += format_violations("potassium total", plan.potassium_per_day_text, amounts=True)
    for line in (*plan.hold_rules, *plan.escalation):
        out += format_violations("hold/escalation", line.text, amounts=False)
    for w in plan.warnings:
        out += format_violations(f"warning {w.rule_id}", w.text, amounts=False)
    for g in plan.gates:
        out += format_violations(f"gate {g.rule_id}", g.text, amounts=False)
    for f in plan.foods:
        out += format_violations(f"food {f.name}", f.amount_text, amounts=True)
    return out


# ----- the plan invariants ----------------------------------------------------------------------


def plan_violations(lp: LoadedProtocol, inputs: PlanInputs, now: datetime, plan: Plan) -> list[str]:
    """Every safety invariant a plan must satisfy; returns the violations, requirement id first."""
    p = lp.protocol
    out: list[str] = []
    first = inputs.regimen.first_dose_at
    assert first is not None

    # VER-01: the protocol stamp.
    st = plan.protocol
    if (st.sha256, st.version, st.protocol_id) != (lp.sha256, p.version, p.protocol_id):
        out.append("VER-01 protocol stamp does not match the protocol used")
    if not lp.approval_state.approved and not st.not_for_clinical_use:
        out.append("VER-05 a plan of a protocol without a verified approval is not marked")
    if lp.approval_state.approved and st.approval_state != "approved":
        out.append("VER-05 NOT FOR CLINICAL USE flag does not follow the verified approval")
    if st.intended_use != p.intended_use:
        out.append("PRC-03 intended use missing from the plan")

    # CLN-02: magnesium and phosphate with every potassium draw, and one order line each.
    for d in plan.schedule:
        if "potassium" in d.tests and not {"magnesium", "phosphate"} <= set(d.tests):
            out.append(f"CLN-02 potassium drawn without Mg/PO4 at +{d.hours_after_first_dose} h")
    if sorted(o.electrolyte for o in plan.orders_now) != sorted(_ELECTROLYTES):
        out.append(
            "CLN-02 orders_now must have one line per electrolyte: "
            f"{[o.electrolyte for o in plan.orders_now]}"
        )
    for analyte in (Analyte.magnesium, Analyte.phosphate, Analyte.potassium):
        lat = latest(p, inputs, analyte, past_window_at(p, inputs, now))
        order = next((o for o in plan.orders_now if o.electrolyte == analyte.value), None)
        if lat is None and order is not None and order.override is None and order.kind != "sample":
            out.append(
                f"CLN-02 no usable {analyte.value} result but its order is {order.kind!r}, "
                "not a sample"
            )
    if any(
        usable_baseline(p, inputs, a) is None
        for a in (Analyte.potassium, Analyte.magnesium, Analyte.phosphate)
    ):
        pre = [d for d in plan.schedule if d.before_first_dose]
        if not pre or not {"potassium", "magnesium", "phosphate"} <= set(pre[0].tests):
            out.append(
                "CLN-02 a baseline K/Mg/PO4 is missing or unusable but no pre-dose draw is planned"
            )

    # CLN-06: clock times from the first dose, sorted, covering the label window.
    times = [d.at for d in plan.schedule]
    if times != sorted(times):
        out.append("CLN-06 schedule not in time order")
    for d in plan.schedule:
        if not d.before_first_dose and d.at != first + timedelta(hours=d.hours_after_first_dose):
            out.append(f"CLN-06 draw at {d.at} is not first dose + {d.hours_after_first_dose} h")
    k_draws = [d.at for d in plan.schedule if "potassium" in d.tests]
    window = first + timedelta(hours=p.monitoring.label_window_hours.value)
    if not k_draws or max(k_draws) < window:
        out.append(
            "CLN-06 potassium monitoring ends before the label window "
            f"({max(k_draws, default=None)} < {window})"
        )
    elif plan.monitoring_ends_at != max(k_draws):
        out.append("CLN-06 monitoring_ends_at is not the last potassium draw")

    # CLN-04: IV orders from the formulary, within rate and concentration, pump, ECG flag.
    k = p.potassium
    iv_names = {
        prod.name for prod in (*k.iv_products, *p.magnesium.iv_products, *p.phosphate.iv_products)
    }
    max_rate = {
        "potassium": max(b.iv.max_rate.value for b in (*k.bands, k.not_by_mouth_band) if b.iv),
        "magnesium": max(b.iv.max_rate.value for b in p.magnesium.bands if b.iv),
        "phosphate": max(b.iv.max_rate.value for b in p.phosphate.bands if b.iv),
    }
    rows = (*plan.k_bands, *plan.mg_bands, *plan.po4_bands)
    iv_orders = [o for o in plan.orders_now if o.iv] + [
        r.order for r in rows if r.order and r.order.iv
    ]
    for o in iv_orders:
        iv = o.iv
        assert iv is not None
        where = f"IV {o.electrolyte} order"
        if iv.product not in iv_names:
            out.append(f"CLN-04 {where}: product {iv.product!r} is not in the site formulary")
        if iv.max_rate > max_rate[o.electrolyte] + 1e-9:
            out.append(
                f"CLN-04 {where}: rate {iv.max_rate} above the protocol maximum "
                f"{max_rate[o.electrolyte]}"
            )
        if o.electrolyte == "potassium":
            if iv.concentration > k.iv_max_peripheral_concentration.value + 1e-9:
                out.append(
                    f"CLN-04 {where}: concentration {iv.concentration} above the peripheral maximum"
                )
            if iv.continuous_ecg != (iv.max_rate > k.iv_ecg_monitoring_above_rate.value):
                out.append(f"CLN-04 {where}: continuous-ECG flag wrong for rate {iv.max_rate}")
            if iv.central_line_required:
                out.append(f"CLN-04 {where}: central-line product on a ward sheet")
        if iv.pump != k.iv_pump or k.iv_pump not in o.text:
            out.append(f"CLN-04 {where}: pump not stated")
        if iv.max_rate_ml_per_hour * iv.min_duration_hours > iv.volume_ml + 1e-6:
            out.append(f"CLN-04 {where}: mL/hour x minimum duration exceeds the bag volume")
        if re.search(r"concentrate", o.text, re.IGNORECASE):
            out.append(f"CLN-04 {where}: mentions a concentrate")
        # FMT-08: product, concentration, rate, route and maximum rate stated in the line.
        for needed in (iv.product, "Maximum rate", "mL/hour", iv.route):
            if needed not in o.text:
                out.append(f"FMT-08 {where}: {needed!r} not stated")

    # Hold: no potassium at or above the hold threshold, and none without a usable result.
    k_latest = latest(p, inputs, Analyte.potassium, past_window_at(p, inputs, now))
    hold = k.hold_at_or_above.value
    k_orders = [o for o in plan.orders_now if _contains_k(p, o)]
    for o in k_orders:
        if k_latest is not None and k_latest.value >= hold:
            out.append(
                f"HOLD {o.electrolyte} order adds potassium while potassium is "
                f"{k_latest.value} (hold at {hold})"
            )
        elif not fresh_at(p, k_latest, inputs, now):
            out.append(
                f"HOLD {o.electrolyte} order adds potassium but there is no usable potassium result"
            )

    # CLN-01/CLN-03: the exact gates, and no automatic dose while one is open.
    gates = {g.rule_id for g in plan.gates}
    want = expected_gates(p, inputs, past_window_at(p, inputs, now))
    if gates != want:
        out.append(f"CLN-01 gates {sorted(gates)} but the protocol requires {sorted(want)}")
    if plan.gates:
        for o in plan.orders_now:
            if o.kind in ("oral", "iv") and o.override is None:
                out.append(
                    f"CLN-01 automatic {o.electrolyte} {o.kind} order while gated ({sorted(gates)})"
                )
        for r in rows:
            if r.order is not None and (not r.gated or r.order.kind in ("oral", "iv")):
                out.append(f"CLN-01 band row {r.band_id} doses automatically while gated")

    # Oral maxima: the recommendation never exceeds what a prescriber could order.
    for o in plan.orders_now:
        if o.kind != "oral" or o.dose_amount is None or o.daily_amount is None:
            continue
        section = k if o.electrolyte == "potassium" else getattr(p, o.electrolyte)
        if o.electrolyte == "potassium" and o.dose_amount > k.oral_max_single_dose.value + 1e-9:
            out.append(
                f"DOSE potassium single dose {o.dose_amount} above {k.oral_max_single_dose.value}"
            )
        if o.daily_amount > section.oral_max_per_day.value + 1e-9:
            out.append(
                f"DOSE {o.electrolyte} daily {o.daily_amount} "
                f"above {section.oral_max_per_day.value}"
            )
    total = sum(o.potassium_per_day for o in plan.orders_now)
    if abs(plan.potassium_per_day - total) > 1e-9:
        out.append(
            f"DOSE potassium total {plan.potassium_per_day} is not the sum of the orders ({total})"
        )
    if plan.potassium_per_day > k.oral_max_per_day.value + 1e-9:
        out.append(
            f"DOSE potassium from all orders {plan.potassium_per_day} "
            f"above {k.oral_max_per_day.value} per day"
        )

    # VER-02: every line has a rule and a source that resolve to the sheet's lists.
    rule_ids = {r.id for r in plan.rules}
    sources = {r.key for r in plan.references}
    for where, reason in _all_reasons(plan):
        if not reason.rule_ids or not reason.sources:
            out.append(f"VER-02 {where} has no rule or no source")
        if not set(reason.rule_ids) <= rule_ids or not set(reason.sources) <= sources:
            out.append(f"VER-02 {where} cites a rule or source missing from the plan's lists")

    # VER-03: stale or late baselines are flagged and warned, never used as current.
    stale_h = p.monitoring.stale_after_hours.value
    warned = {w.rule_id for w in plan.warnings}
    flags = {row.analyte: row.flags for row in plan.labs}
    # Long after the first dose (issue 15 item 11) a result counts when it is fresh now.
    past_window = p.warnings["past_window"].id in warned
    if past_window != (past_window_at(p, inputs, now) is not None):
        out.append(
            "VER-03 the plan's past-window warning does not follow the protocol's monitoring "
            f"window (warned: {past_window})"
        )
    for analyte in (Analyte.potassium, Analyte.magnesium, Analyte.phosphate):
        entry = inputs.labs.get(analyte)
        if entry is None:
            continue
        if past_window:
            if now - entry.sampled_at > timedelta(hours=stale_h) and (
                p.warnings["stale"].id not in warned
            ):
                out.append(f"VER-03 {analyte.value} stale now gives no stale warning")
            continue
        if entry.sampled_at > first:
            if "AFTER FIRST DOSE" not in flags.get(analyte.value, ()):
                out.append(f"VER-03 {analyte.value} sampled after the first dose is not flagged")
            if p.warnings["after_first_dose"].id not in warned:
                out.append(f"VER-03 {analyte.value} sampled after the first dose gives no warning")
        elif first - entry.sampled_at > timedelta(hours=stale_h):
            if "STALE" not in flags.get(analyte.value, ()):
                out.append(f"VER-03 stale {analyte.value} not flagged STALE")
            if p.warnings["stale"].id not in warned:
                out.append(f"VER-03 stale {analyte.value} gives no stale warning")
    if k_latest is not None and not fresh_at(p, k_latest, inputs, now):
        korder = next(o for o in plan.orders_now if o.electrolyte == "potassium")
        if korder.kind in ("oral", "iv") or (korder.kind != "sample" and korder.override is None):
            out.append(
                f"VER-03 potassium stale at {now} but the potassium order is {korder.kind!r}"
            )
    told = {p.warnings[key].id for key in ("no_baseline_k", "stale", "after_first_dose")}
    if past_window:
        k_entry = inputs.labs.get(Analyte.potassium)
        k_missing = k_entry is None or now - k_entry.sampled_at > timedelta(hours=stale_h)
    else:
        k_missing = base_k_missing(p, inputs)
    if k_missing and not told & warned:
        out.append("VER-03 no usable baseline potassium and no warning saying so")

    # Risk tier: the label's hazard is never under-rated.
    sev = plan.anaemia.severity
    if plan.anaemia.derived != expected_derived_severity(p, inputs):
        out.append(
            f"TIER derived anaemia {plan.anaemia.derived} but WHO bands give "
            f"{expected_derived_severity(p, inputs)}"
        )
    parenteral = p.regimen(inputs.regimen.preset_id).parenteral_loading
    # Past the monitoring window B12 alone gives no tier (issue 15 item 11): the initiation
    # hazard is not this plan's, and a baseline counts when it is fresh now.
    past = p.warnings["past_window"].id in warned
    base_k = usable_baseline(p, inputs, Analyte.potassium, now if past else None)
    base_mg = usable_baseline(p, inputs, Analyte.magnesium, now if past else None)
    mods = inputs.modifiers
    must_be_high = (sev == "severe" and parenteral and not past) or (
        base_k is not None and base_k.value < k.normal_low.value
    )
    if must_be_high and plan.risk.tier is not Tier.high:
        out.append(
            f"TIER {plan.risk.tier} but severe anaemia with parenteral loading "
            "or a low baseline K means high"
        )
    raised = (
        (sev == "moderate" and parenteral and not past)
        or base_k is None
        or (base_mg is not None and base_mg.value < p.magnesium.normal_low.value)
        or bool(mods.k_lowering_drugs)
        or mods.digoxin
        or mods.cardiac_disease
        or mods.cannot_take_oral
    )
    if raised and plan.risk.tier is Tier.standard:
        out.append("TIER standard despite a raised-risk factor")

    out += plan_format_violations(plan)
    return out


def decisions(plan: Plan) -> dict[str, object]:
    """What a plan decides (not how it words it): compared across unit choices (CLN-07)."""
    return {
        "tier": plan.risk.tier,
        "factors": [f.rule_id for f in plan.risk.factors],
        "anaemia": (plan.anaemia.severity, plan.anaemia.derived),
        "gates": [g.rule_id for g in plan.gates],
        "warnings": [(w.rule_id, w.level) for w in plan.warnings],
        "orders": [
            (o.electrolyte, o.kind, o.band_id, o.daily_amount, o.potassium_per_day)
            for o in plan.orders_now
        ],
        "schedule": [
            (d.hours_after_first_dose, d.tests, d.before_first_dose) for d in plan.schedule
        ],
        "action": (plan.action_now.band_id, plan.action_now.next_check_at),
        "followups": [(f.analyte, f.band_id) for f in plan.followups],
        "labs": [(row.analyte, row.flags) for row in plan.labs],
    }
