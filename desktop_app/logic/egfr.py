"""eGFR computed from creatinine, age and sex when none is recorded (issue 15 item 13)."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal
from typing import Literal

from desktop_app.logic.protocol import Analyte, EgfrEquation, Protocol
from desktop_app.logic.units import CanonicalLab


def ckd_epi_2021(eq: EgfrEquation, creatinine_mg_dl: float, age: int, female: bool) -> float:
    """Return the eGFR of the 2021 CKD-EPI creatinine equation (race-free), unrounded.

    eGFR = 142 x min(Scr/k, 1)^a x max(Scr/k, 1)^-1.200 x 0.9938^age x 1.012 [female], every
    constant read from the protocol (Inker et al., N Engl J Med 2021).
    """
    kappa = (eq.kappa_female if female else eq.kappa_male).value
    alpha = (eq.alpha_female if female else eq.alpha_male).value
    ratio = creatinine_mg_dl / kappa
    value = (
        eq.constant.value
        * min(ratio, 1.0) ** alpha
        * max(ratio, 1.0) ** eq.exponent_above.value
        * eq.age_factor.value**age
    )
    return float(value * eq.female_factor.value if female else value)


def with_computed_egfr(
    p: Protocol,
    labs: dict[Analyte, CanonicalLab],
    age: int,
    sex: Literal["female", "male", "unknown"] | None,
) -> tuple[dict[Analyte, CanonicalLab], bool]:
    """Return the labs with an eGFR computed from creatinine if none was recorded.

    Computed only where the equation applies: a creatinine, a known sex and an adult (the
    protocol's adult age; its age gate applies regardless). Returns whether it was computed.
    """
    eq = p.gates.renal.egfr_from_creatinine
    creat = labs.get(Analyte.creatinine)
    if (
        eq is None
        or Analyte.egfr in labs
        or creat is None
        or sex not in ("female", "male")
        or age < p.gates.adult_age.value
    ):
        return labs, False
    spec = p.analytes[Analyte.creatinine]
    mg_dl = creat.value / spec.factor("mg/dL")
    step = Decimal(1).scaleb(-p.analytes[Analyte.egfr].decimals)
    raw = Decimal(repr(ckd_epi_2021(eq, mg_dl, age, sex == "female")))
    value = float(raw.quantize(step, rounding=ROUND_HALF_UP))  # shown as computed, half up
    unit = p.analytes[Analyte.egfr].canonical_unit
    egfr = CanonicalLab(Analyte.egfr, value, unit, creat.sampled_at, value, unit)
    return {**labs, Analyte.egfr: egfr}, True
