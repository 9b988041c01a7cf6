"""Generated cases for the engine and sheet campaigns: the whole input space, with faults on demand.

`scenarios()` draws a plan-file dict over both shipped protocols, every lab in every accepted unit
(values on and beside every threshold), stale and late samples, follow-ups, time zones other than
UTC and prescriber overrides; with `allow_invalid` it also injects faults (missing, implausible,
unknown or future values) and records the field the engine must name for each.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta, timezone
from typing import Any

from hypothesis import strategies as st

from desktop_app.logic.protocol import Analyte, Protocol
from tests.logic.helpers import FIRST
from tests.strategies import PROTOCOL_IDS, PROTOCOLS, entered

ZONES = [
    UTC,
    timezone(timedelta(hours=1)),
    timezone(timedelta(hours=-5)),
    timezone(timedelta(hours=5, minutes=30)),
    timezone(timedelta(hours=-9, minutes=30)),
]
ELECTRO = (Analyte.potassium, Analyte.magnesium, Analyte.phosphate)
#: True four times in five (hypothesis favours the first, simplest, element).
MOSTLY = st.sampled_from([True, True, True, True, False])


def rarely(n: int) -> st.SearchStrategy[bool]:
    """True about once in `n` draws (False is the first, simplest, element)."""
    return st.sampled_from([False] * (n - 1) + [True])


WHO = {"reason": "Campaign override", "prescriber": "Dr Campaign"}


@dataclass
class Scenario:
    """One generated case: the protocol, the plan-file dict, `now`, and the faults injected."""

    pid: str
    case: dict[str, Any]
    now: datetime
    first: datetime
    injected: set[str] = field(default_factory=set)

    def dump(self) -> str:
        """The case as JSON, for a failure message that can be replayed."""
        return json.dumps(
            {
                "protocol": self.pid,
                "now": self.now.isoformat(),
                "injected": sorted(self.injected),
                "case": self.case,
            },
            default=str,
        )


def _iso(moment: datetime, zone: timezone) -> str:
    return moment.astimezone(zone).isoformat()


def _years_before(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year - years)
    except ValueError:  # 29 February
        return day.replace(year=day.year - years, day=28)


@st.composite
def overrides(draw: st.DrawFn, p: Protocol) -> list[dict[str, Any]]:
    """Zero to three prescriber overrides, mostly well-formed (so many are accepted), some not."""
    sections = {"potassium": p.potassium, "magnesium": p.magnesium, "phosphate": p.phosphate}
    every_product = [pr.id for sec in sections.values() for pr in (*sec.products, *sec.iv_products)]
    hours = sorted(
        {h for tier in p.monitoring.electrolyte_draws.values() for h in tier.values}
        | {h for t in p.monitoring.other_draws for h in t.hours.values}
    )
    window = p.monitoring.label_window_hours.value
    tests = ["potassium", "magnesium", "phosphate", "fbc", "reticulocytes", "platelets"]
    out = []
    for _ in range(draw(st.sampled_from([1, 1, 1, 2, 2, 3]))):
        target = draw(st.sampled_from(["potassium", "magnesium", "phosphate", "draw", "draw"]))
        ov: dict[str, Any] = {**WHO, "target": target, "confirmed_outside_band": draw(MOSTLY)}
        if target == "draw":
            ov["action"] = draw(st.sampled_from(["remove", "move", "add", "change"]))
            anywhere = st.floats(0, 400).map(lambda h: round(h, 1))
            ov["draw_hours"] = draw(anywhere if draw(rarely(10)) else st.sampled_from(hours))
            ov["new_hours"] = draw(
                st.sampled_from([1.0, window - 1, window, window + 1, 200.0])
                | st.floats(0.5, 400).map(lambda h: round(h, 1))
            )
            if draw(MOSTLY):
                extra = draw(st.lists(st.sampled_from(tests[3:]), unique=True))
                ov["tests"] = ["potassium", "magnesium", "phosphate", *extra]
            else:
                ov["tests"] = draw(st.lists(st.sampled_from(tests), unique=True, max_size=6))
        else:
            ov["action"] = draw(st.sampled_from(["change"] * 6 + ["decline"] * 3 + ["remove"]))
            sec = sections[target]
            own = [pr.id for pr in (*sec.products, *sec.iv_products)]
            choice = draw(st.integers(0, 9))
            if choice < 6:
                ov["product_id"] = draw(st.sampled_from(own))
            elif choice < 8:
                ov["product_id"] = draw(st.sampled_from([*every_product, "NOT-A-PRODUCT"]))
            if draw(MOSTLY):
                ov["units_per_dose"] = draw(st.sampled_from([0.5, 1, 1, 2, 2, 3, 4, 10]))
            if draw(MOSTLY):
                ov["times_per_day"] = draw(st.sampled_from([1, 2, 2, 3, 3, 4, 6]))
            if draw(MOSTLY):
                ov["review_after_hours"] = draw(st.sampled_from([6, 24, 48, 96]))
            if draw(st.booleans()):
                ov["iv_rate"] = draw(st.sampled_from([1, 5, 6.67, 10, 10.01, 20, 40]))
        out.append(ov)
    return out


INJECTIONS = (
    "identifier_blank",
    "name_blank",
    "dob_missing",
    "dob_future",
    "sex_missing",
    "preset_missing",
    "preset_unknown",
    "first_dose_missing",
    "hb_missing",
    "lab_implausible",
    "lab_unit_missing",
    "lab_unit_unknown",
    "lab_future",
    "followup_before_first",
    "followup_implausible",
    "followup_unit_unknown",
    "drug_unknown",
)


@st.composite
def scenarios(draw: st.DrawFn, allow_invalid: bool = True, overrides_one_in: int = 3) -> Scenario:
    """A case anywhere in the input space (see the module docstring).

    `overrides_one_in`: overrides in one case out of this many (0: never, 1: always).
    """
    pid = draw(PROTOCOL_IDS)
    p = PROTOCOLS[pid].protocol
    zone = draw(st.sampled_from(ZONES))
    first = FIRST.astimezone(zone)
    after = draw(
        st.sampled_from([None, None, 0.0, 0.5, 6.0, 23.0, 30.0, 47.9, 48.0, 60.0, 100.0, 200.0])
    )
    now = (first - timedelta(hours=2)) if after is None else first + timedelta(hours=after)
    now = now.astimezone(draw(st.sampled_from(ZONES)))
    stale = p.monitoring.stale_after_hours.value

    dob_kind = draw(st.sampled_from(["adult", "adult", "old", "just18", "just17"]))
    if dob_kind == "adult":
        dob = _years_before(first.date(), draw(st.integers(19, 80)))
    elif dob_kind == "old":
        dob = _years_before(first.date(), draw(st.integers(81, 105)))
    else:
        years = int(p.gates.adult_age.value)
        dob = _years_before(first.date(), years)
        if dob_kind == "just17":
            dob += timedelta(days=1)
    patient = {
        "identifier": draw(st.from_regex(r"\A[A-Z]{1,3}[0-9]{4,9}\Z")),
        # Any printable text: the model refuses control and invisible characters (category C).
        "name": draw(
            st.text(st.characters(exclude_categories=["C"]), min_size=1, max_size=40).filter(
                lambda s: s.strip()
            )
        ),
        "date_of_birth": dob.isoformat(),
        "sex": draw(st.sampled_from(["female", "male", "unknown"])),
        "weight_kg": draw(st.none() | st.floats(30, 200).map(lambda w: round(w, 1))),
        "ward": "Ward 7B",
    }

    labs: dict[str, Any] = {}
    for analyte in Analyte:
        chance = 0.9 if analyte is Analyte.haemoglobin else 0.55
        if not draw(st.floats(0, 1)) < chance:
            continue
        value, unit = draw(entered(p, analyte))
        when = first - timedelta(hours=6)
        if analyte in ELECTRO:
            when_kind = draw(st.sampled_from(["fresh", "fresh", "edge", "stale", "late"]))
            if when_kind == "fresh":
                when = first - timedelta(hours=draw(st.sampled_from([0.25, 2.0, 6.0, 12.0])))
            elif when_kind == "edge":
                when = first - timedelta(hours=stale + draw(st.sampled_from([-0.01, 0.0, 0.01])))
            elif when_kind == "stale":
                when = first - timedelta(hours=stale + draw(st.sampled_from([1.0, 24.0, 72.0])))
            elif now > first:
                when = first + (now - first) * draw(st.sampled_from([0.1, 0.5, 1.0]))
        when = min(when, now)
        labs[analyte.value] = {
            "value": value,
            "unit": unit,
            "sampled_at": _iso(when, draw(st.sampled_from(ZONES))),
        }

    severity_override = None
    if draw(rarely(10)):
        severity_override = {
            "severity": draw(st.sampled_from(["none", "mild", "moderate", "severe"])),
            "reason": "Clinical picture",
            "clinician": "Dr Haem",
        }
    if "haemoglobin" not in labs and severity_override is None:
        value, unit = draw(entered(p, Analyte.haemoglobin))
        labs["haemoglobin"] = {
            "value": value,
            "unit": unit,
            "sampled_at": _iso(min(first - timedelta(hours=6), now), UTC),
        }

    followups = []
    if now > first:
        span = (now - first).total_seconds()
        count = draw(st.integers(0, 4))
        fractions = sorted(
            draw(st.lists(st.integers(1, 1000), min_size=count, max_size=count, unique=True))
        )
        for frac in fractions:
            analyte = draw(st.sampled_from(ELECTRO))
            value, unit = draw(entered(p, analyte))
            at = first + timedelta(seconds=span * frac / 1000)
            followups.append(
                {
                    "analyte": analyte.value,
                    "value": value,
                    "unit": unit,
                    "sampled_at": _iso(at, draw(st.sampled_from(ZONES))),
                }
            )

    modifiers: dict[str, Any] = {
        "k_lowering_drugs": draw(
            st.lists(st.sampled_from([d.id for d in p.k_lowering_drugs]), unique=True, max_size=3)
        ),
        "k_raising_drugs": draw(
            st.lists(st.sampled_from([d.id for d in p.k_raising_drugs]), unique=True, max_size=2)
        )
        if draw(rarely(4))
        else [],
        "digoxin": draw(st.booleans()),
        "cardiac_disease": draw(st.booleans()),
        "dialysis": draw(rarely(8)),
        "oliguria": draw(rarely(8)),
        "cannot_take_oral": draw(rarely(4)),
        "planned_discharge_at": _iso(
            first + timedelta(hours=draw(st.sampled_from([12, 47, 48, 100, 400]))), zone
        )
        if draw(rarely(4))
        else None,
    }
    case: dict[str, Any] = {
        "schema_version": "1.0.0",
        "plan_id": "",
        "patient": patient,
        "labs": labs,
        "severity_override": severity_override,
        "regimen": {
            "preset_id": draw(st.sampled_from([r.id for r in p.regimens])),
            "first_dose_at": first.isoformat(),
        },
        "modifiers": modifiers,
        "followups": followups,
        "overrides": draw(overrides(p))
        if overrides_one_in and draw(rarely(overrides_one_in))
        else [],
        "prescriber": "Dr Test",
    }
    scenario = Scenario(pid, case, now, first)
    if allow_invalid and draw(rarely(4)):
        for kind in draw(
            st.lists(st.sampled_from(INJECTIONS), min_size=1, max_size=2, unique=True)
        ):
            _inject(draw, p, scenario, kind)
        if "regimen.first_dose_at" in scenario.injected:
            # Without a first dose a result cannot be "before the first dose": that problem only
            # follows from the missing field, and is not shown until it is entered (issue 17
            # item 3). The first dose is still named, so the case is still refused.
            scenario.injected = {
                i
                for i in scenario.injected
                if not (i.startswith("followups[") and i.endswith("].sampled_at"))
            }
    return scenario


def _inject(draw: st.DrawFn, p: Protocol, s: Scenario, kind: str) -> None:
    """Put one fault into the case and record the field the engine must name."""
    c = s.case
    labs = c["labs"]
    first = s.first
    if kind == "identifier_blank":
        c["patient"]["identifier"] = draw(st.sampled_from(["", "   "]))
        s.injected.add("patient.identifier")
    elif kind == "name_blank":
        c["patient"]["name"] = draw(st.sampled_from(["", "  "]))
        s.injected.add("patient.name")
    elif kind == "dob_missing":
        c["patient"]["date_of_birth"] = None
        s.injected.add("patient.date_of_birth")
    elif kind == "dob_future":
        c["patient"]["date_of_birth"] = (
            s.now.date() + timedelta(days=draw(st.integers(1, 400)))
        ).isoformat()
        s.injected.add("patient.date_of_birth")
    elif kind == "sex_missing":
        c["patient"]["sex"] = None
        s.injected.add("patient.sex")
    elif kind == "preset_missing":
        c["regimen"]["preset_id"] = ""
        s.injected.add("regimen.preset_id")
    elif kind == "preset_unknown":
        c["regimen"]["preset_id"] = draw(
            st.sampled_from(["magic-b12", "BNF-NO-NEURO", "us-label-100 "])
        )
        s.injected.add("regimen.preset_id")
    elif kind == "first_dose_missing":
        c["regimen"]["first_dose_at"] = None
        s.injected.add("regimen.first_dose_at")
    elif kind == "hb_missing":
        labs.pop("haemoglobin", None)
        c["severity_override"] = None
        s.injected = {i for i in s.injected if not i.startswith("labs.haemoglobin.")}
        s.injected.add("labs.haemoglobin")
    elif kind.startswith("lab_"):
        analyte = draw(st.sampled_from(list(Analyte)))
        spec = p.analytes[analyte]
        if analyte.value not in labs:
            s.injected.discard(f"labs.{analyte.value}")  # present again: its fields are judged
            labs[analyte.value] = {
                "value": spec.plausible_low.value,
                "unit": spec.canonical_unit,
                "sampled_at": min(first - timedelta(hours=6), s.now).isoformat(),
            }
        entry = labs[analyte.value]
        path = f"labs.{analyte.value}"
        s.injected = {i for i in s.injected if not i.startswith(path + ".")}  # one fault per lab
        if kind == "lab_implausible":
            unit = draw(st.sampled_from(spec.units))
            canon = draw(
                st.sampled_from(
                    [
                        spec.plausible_high.value * 1.5,
                        spec.plausible_high.value * 100,
                        -abs(spec.plausible_low.value) - 1,
                        spec.plausible_low.value / 3 - 1e-6,
                    ]
                )
            )
            entry.update(value=canon / spec.factor(unit), unit=unit)
            s.injected.add(f"{path}.value")
        elif kind == "lab_unit_missing":
            entry["unit"] = draw(st.sampled_from([None, ""]))
            s.injected.add(f"{path}.unit")
        elif kind == "lab_unit_unknown":
            entry["unit"] = draw(
                st.sampled_from(["mmol", "mmol/l", "g/dl", "MMOL/L", "µmol/L", "units"])
            )
            s.injected.add(f"{path}.unit")
        else:
            entry["sampled_at"] = (
                s.now + timedelta(minutes=draw(st.sampled_from([1, 90, 60 * 30])))
            ).isoformat()
            s.injected.add(f"{path}.sampled_at")
    elif kind.startswith("followup_"):
        if c["regimen"]["first_dose_at"] is None:
            return
        fu = {
            "analyte": "potassium",
            "value": 4.0,
            "unit": "mmol/L",
            "sampled_at": min(first + timedelta(hours=1), s.now).isoformat(),
        }
        if kind == "followup_before_first":
            fu["sampled_at"] = (
                first - timedelta(minutes=draw(st.sampled_from([1, 120])))
            ).isoformat()
            field_name = "sampled_at"
        elif kind == "followup_implausible":
            fu["value"] = draw(st.sampled_from([0.0, 35.0, -4.0, 1e6]))
            field_name = "value"
        else:
            fu["unit"] = draw(st.sampled_from(["mmol", "mg/dL", "meq/l"]))
            field_name = "unit"
        c["followups"].append(fu)
        s.injected.add(f"followups[{len(c['followups']) - 1}].{field_name}")
    elif kind == "drug_unknown":
        c["modifiers"]["k_lowering_drugs"] = [*c["modifiers"]["k_lowering_drugs"], "liquorice"]
        s.injected.add(f"modifiers.k_lowering_drugs[{len(c['modifiers']['k_lowering_drugs']) - 1}]")
