"""Hypothesis strategies shared by the property tests and the safety campaigns.

`cases()` is the valid-case generator the logic property tests have always used. The rest widens
it for the engine campaign (tests/safety/): every lab, every accepted unit, values on both sides
of every band edge, stale and late samples, follow-ups of every electrolyte, and overrides.
"""

from __future__ import annotations

import math
from datetime import timedelta
from typing import Any

from hypothesis import strategies as st

from desktop_app.logic.protocol import Analyte, AnalyteSpec, LoadedProtocol, Protocol
from tests.logic.helpers import FIRST, US, base_case, lab, proto

PROTOCOLS: dict[str, LoadedProtocol] = {"uk-default": proto(), "us-labels": proto(US)}
PROTOCOL_IDS = st.sampled_from(sorted(PROTOCOLS))


def k_values(lp: LoadedProtocol) -> st.SearchStrategy[float]:
    """Potassium values (canonical unit): on and next to every band edge, or anywhere plausible."""
    spec = lp.protocol.analytes[Analyte.potassium]
    edges = [b.lower.value for b in lp.protocol.potassium.bands if b.lower is not None]
    around = [round(e + d, 2) for e in edges for d in (-0.01, 0, 0.01)]
    return st.one_of(
        st.sampled_from(around),
        st.floats(spec.plausible_low.value, spec.plausible_high.value).map(lambda v: round(v, 2)),
    )


@st.composite
def cases(draw: st.DrawFn) -> tuple[str, dict[str, Any]]:
    """A random but valid case over the whole input space."""
    lp = PROTOCOLS[draw(PROTOCOL_IDS)]
    p = lp.protocol
    kunit = "mmol/L" if p.potassium_unit == "mmol" else "mEq/L"
    labs: dict[str, Any] = {}
    if draw(st.booleans()):
        age_h = draw(st.sampled_from([2, 6, 23, 30]))
        labs["potassium"] = lab(draw(k_values(lp)), kunit, FIRST - timedelta(hours=age_h))
    if draw(st.booleans()):
        labs["magnesium"] = lab(round(draw(st.floats(0.2, 1.5)), 2), "mmol/L")
    if draw(st.booleans()):
        labs["phosphate"] = lab(round(draw(st.floats(0.15, 2.0)), 2), "mmol/L")
    hb_unit = draw(st.sampled_from(["g/L", "g/dL"]))
    hb = draw(st.floats(40, 170))
    labs["haemoglobin"] = lab(round(hb if hb_unit == "g/L" else hb / 10, 1), hb_unit)
    if draw(st.booleans()):
        labs["egfr"] = lab(draw(st.integers(5, 120)), "mL/min/1.73 m2")
    if draw(st.booleans()):
        labs["creatinine"] = lab(draw(st.integers(40, 600)), "micromol/L")
    modifiers = {
        "k_lowering_drugs": draw(
            st.lists(st.sampled_from([d.id for d in p.k_lowering_drugs]), unique=True, max_size=2)
        ),
        "k_raising_drugs": draw(
            st.lists(st.sampled_from([d.id for d in p.k_raising_drugs]), unique=True, max_size=1)
        ),
        "digoxin": draw(st.booleans()),
        "cardiac_disease": draw(st.booleans()),
        "dialysis": draw(st.booleans()),
        "oliguria": draw(st.booleans()),
        "cannot_take_oral": draw(st.booleans()),
    }
    followups = []
    for i in range(draw(st.integers(0, 3))):
        followups.append(
            {
                "analyte": "potassium",
                "value": draw(k_values(lp)),
                "unit": kunit,
                "sampled_at": (FIRST + timedelta(hours=4 + 6 * i)).isoformat(),
            }
        )
    case = base_case(
        labs=labs,
        modifiers=modifiers,
        followups=followups,
        regimen={
            "preset_id": draw(st.sampled_from([r.id for r in p.regimens])),
            "first_dose_at": FIRST.isoformat(),
        },
    )
    case["labs"] = labs
    case["patient"]["sex"] = draw(st.sampled_from(["female", "male", "unknown"]))
    return lp.protocol.protocol_id, case


# ----- the wider space used by the engine campaign -----------------------------------------------


def edges(p: Protocol, analyte: Analyte) -> list[float]:
    """Every threshold the protocol applies to this analyte, in its canonical unit."""
    spec = p.analytes[analyte]
    out = [spec.plausible_low.value, spec.plausible_high.value]
    if analyte is Analyte.potassium:
        k = p.potassium
        out += [b.lower.value for b in (*k.bands, k.not_by_mouth_band) if b.lower is not None]
        out += [
            k.normal_low.value,
            k.normal_high.value,
            k.hold_at_or_above.value,
            k.reassess_at_or_above.value,
            k.escalate_below.value,
            k.ecg_below.value,
            k.cardiac_target_low.value,
        ]
    elif analyte in (Analyte.magnesium, Analyte.phosphate):
        section = p.magnesium if analyte is Analyte.magnesium else p.phosphate
        out += [b.lower.value for b in section.bands if b.lower is not None]
        out += [section.normal_low.value, section.normal_high.value]
    elif analyte is Analyte.haemoglobin:
        a = p.anaemia
        out += [
            a.severe_below.value,
            a.moderate_below.value,
            a.mild_below_female.value,
            a.mild_below_male.value,
        ]
    elif analyte is Analyte.mcv:
        out += [p.anaemia.mcv_normal_low.value, p.anaemia.mcv_normal_high.value]
    elif analyte is Analyte.b12:
        out += [p.b12.deficient_below.value, p.b12.indeterminate_below.value]
    elif analyte is Analyte.folate:
        out += [p.b12.folate_low_below.value]
    elif analyte is Analyte.egfr:
        out += [p.gates.renal.egfr_review_below.value, p.gates.renal.egfr_renal_team_below.value]
    elif analyte is Analyte.creatinine and p.gates.renal.creatinine_review_at_or_above is not None:
        out += [p.gates.renal.creatinine_review_at_or_above.value]
    return sorted(set(out))


def _step(spec: AnalyteSpec) -> float:
    """The smallest step a laboratory reports for this analyte (its reported precision)."""
    return 10.0**-spec.decimals


@st.composite
def canonical_value(draw: st.DrawFn, p: Protocol, analyte: Analyte) -> float:
    """A plausible canonical value: on an edge, one reported step either side, or anywhere."""
    spec = p.analytes[analyte]
    low, high = spec.plausible_low.value, spec.plausible_high.value
    kind = draw(st.sampled_from(["edge", "edge", "anywhere"]))
    if kind == "edge":
        edge = draw(st.sampled_from(edges(p, analyte)))
        delta = draw(st.sampled_from([0.0, -_step(spec), _step(spec), -1e-9, 1e-9]))
        value = edge + delta
    else:
        value = round(draw(st.floats(low, high)), spec.decimals)
    return min(max(value, low), high)


@st.composite
def entered(draw: st.DrawFn, p: Protocol, analyte: Analyte) -> tuple[float, str]:
    """A (value, unit) pair as a user would type it: any accepted unit, converted from canonical."""
    spec = p.analytes[analyte]
    canonical = draw(canonical_value(p, analyte))
    unit = draw(st.sampled_from(spec.units))
    value = canonical / spec.factor(unit)
    if draw(st.booleans()):
        # Typed at the laboratory's precision in that unit (it may move off the edge: realistic).
        value = round(value, spec.decimals + (0 if unit == spec.canonical_unit else 1))
    low, high = spec.plausible_low.value, spec.plausible_high.value
    if not low <= value * spec.factor(unit) <= high:
        value = canonical / spec.factor(unit)
    if not math.isfinite(value) or not low <= value * spec.factor(unit) <= high:
        unit, value = spec.canonical_unit, canonical
    return value, unit


__all__ = [
    "PROTOCOLS",
    "PROTOCOL_IDS",
    "canonical_value",
    "cases",
    "edges",
    "entered",
    "k_values",
]
