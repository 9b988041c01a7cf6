"""Golden cases for the order sheet: plans built from the shipped protocols and demo patient."""

from __future__ import annotations

import copy
import json
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from functools import cache
from pathlib import Path
from typing import Any

from desktop_app.logic.engine import evaluate
from desktop_app.logic.models import PlanInputs
from desktop_app.logic.plan import Plan
from desktop_app.logic.protocol import LoadedProtocol, load_protocol_bytes

ROOT = Path(__file__).resolve().parents[2]
UK = ROOT / "resources" / "protocols" / "uk-default.json"
US = ROOT / "resources" / "protocols" / "us-labels.json"
DEMO = ROOT / "resources" / "examples" / "demo-patient.json"

#: The demo's fixed "now" (the demo's first dose is at 14:00 that day).
NOW = datetime(2026, 11, 26, 12, 0, tzinfo=UTC)
FIRST = datetime(2026, 11, 26, 14, 0, tzinfo=UTC)


@cache
def protocol(path: Path = UK) -> LoadedProtocol:
    """A shipped protocol, loaded once."""
    return load_protocol_bytes(path.read_bytes(), path.name)


def protocol_variant(path: Path, change: Callable[[dict[str, Any]], None]) -> LoadedProtocol:
    """A copy of a shipped protocol with `change` applied to its JSON."""
    raw = json.loads(path.read_text(encoding="utf-8"))
    change(raw)
    return load_protocol_bytes(json.dumps(raw).encode(), f"variant of {path.name}")


def demo_dict() -> dict[str, Any]:
    """The demo patient as a dict (fixed dates)."""
    data: dict[str, Any] = json.loads(DEMO.read_text(encoding="utf-8"))
    return data


def lab(
    value: float, unit: str, at: datetime = datetime(2026, 11, 26, 7, 10, tzinfo=UTC)
) -> dict[str, Any]:
    """A lab entry."""
    return {"value": value, "unit": unit, "sampled_at": at.isoformat()}


def case(**changes: Any) -> dict[str, Any]:
    """The demo patient with nested changes: case(labs={"potassium": lab(2.3, "mmol/L")})."""
    data = copy.deepcopy(demo_dict())
    for key, value in changes.items():
        if isinstance(value, dict) and isinstance(data.get(key), dict):
            data[key].update(value)
        else:
            data[key] = value
    return data


def plan_of(data: dict[str, Any], lp: LoadedProtocol | None = None, now: datetime = NOW) -> Plan:
    """Evaluate a case."""
    return evaluate(lp or protocol(), PlanInputs.model_validate(data), now=now)


def demo_plan() -> Plan:
    return plan_of(demo_dict())


def gated_plan() -> Plan:
    """eGFR 20 and a potassium-sparing diuretic: automatic dosing stopped (CLN-01)."""
    return plan_of(
        case(
            labs={"egfr": lab(20, "mL/min/1.73 m2")},
            modifiers={"k_raising_drugs": ["k_sparing_diuretic"]},
        )
    )


def severe_plan() -> Plan:
    """Baseline potassium 2.3 mmol/L: the IV band applies now."""
    return plan_of(case(labs={"potassium": lab(2.3, "mmol/L")}))


def nil_by_mouth_plan() -> Plan:
    """Cannot take oral medicines: the oral bands become the not-by-mouth band."""
    return plan_of(case(modifiers={"cannot_take_oral": True}))


def us_plan() -> Plan:
    """The US protocol (mEq, cyanocobalamin 1,000 micrograms)."""
    return plan_of(case(regimen={"preset_id": "us-common-1000"}), protocol(US))


def followup_plan() -> Plan:
    """Results after the first dose: K falls, then the plan is made the next morning."""
    later = FIRST + timedelta(hours=18)
    data = case(
        followups=[
            {
                "analyte": "potassium",
                "value": 3.1,
                "unit": "mmol/L",
                "sampled_at": (FIRST + timedelta(hours=6)).isoformat(),
            },
            {
                "analyte": "magnesium",
                "value": 0.6,
                "unit": "mmol/L",
                "sampled_at": (FIRST + timedelta(hours=6)).isoformat(),
            },
            {
                "analyte": "potassium",
                "value": 2.8,
                "unit": "mmol/L",
                "sampled_at": (FIRST + timedelta(hours=12)).isoformat(),
            },
            {
                "analyte": "phosphate",
                "value": 0.5,
                "unit": "mmol/L",
                "sampled_at": (FIRST + timedelta(hours=12)).isoformat(),
            },
        ]
    )
    return plan_of(data, now=later)


def approved_protocol() -> LoadedProtocol:
    """A copy of the UK protocol approved with the (fixed) test key, checked against it."""
    from tests.signing import approved, signed_bytes

    return approved(signed_bytes(json.loads(UK.read_text(encoding="utf-8"))), "approved.json")


def approved_plan() -> Plan:
    """A site-approved copy of the UK protocol: no NOT FOR CLINICAL USE."""
    return plan_of(demo_dict(), approved_protocol())


def void_plan() -> Plan:
    """The approved copy with one byte of its content changed afterwards: the approval is void."""
    from tests.signing import approved, signed_bytes

    data = signed_bytes(json.loads(UK.read_text(encoding="utf-8")))
    edited = data.replace(b'"value": 5.0,', b'"value": 4.9,', 1)
    assert edited != data
    return plan_of(demo_dict(), approved(edited, "edited.json"))


def long_plan() -> Plan:
    """A protocol copy with a four-week electrolyte schedule: a sheet well over three pages."""

    def lengthen(raw: dict[str, Any]) -> None:
        draws = raw["monitoring"]["electrolyte_draws"]["high"]
        draws["values"] = sorted(set(draws["values"]) | {h for h in range(192, 24 * 28 + 1, 24)})

    return plan_of(demo_dict(), protocol_variant(UK, lengthen))


#: Prescriber overrides of the demo plan: every kind of line, each with a reason and a name.
OVERRIDES: list[dict[str, Any]] = [
    {
        "target": "potassium",
        "action": "change",
        "product_id": "K-ORAL-SANDOK",
        "units_per_dose": 1,
        "times_per_day": 3,
        "review_after_hours": 48,
        "reason": "Nausea with two tablets",
        "prescriber": "Dr R. Ng",
        "confirmed_outside_band": True,
    },
    {
        "target": "magnesium",
        "action": "decline",
        "reason": "Diarrhoea with oral magnesium",
        "prescriber": "Dr R. Ng",
        "confirmed_outside_band": True,
    },
    {
        "target": "draw",
        "action": "move",
        "draw_hours": 36,
        "new_hours": 40,
        "reason": "Phlebotomy round at 06:00",
        "prescriber": "Dr R. Ng",
        "confirmed_outside_band": True,
    },
    {
        "target": "draw",
        "action": "remove",
        "draw_hours": 144,
        "reason": "Planned discharge on day five",
        "prescriber": "Dr R. Ng",
        "confirmed_outside_band": True,
    },
    {
        "target": "draw",
        "action": "add",
        "new_hours": 60,
        "tests": ["potassium", "magnesium", "phosphate"],
        "reason": "Extra check after the dose change",
        "prescriber": "Dr R. Ng",
    },
]


def overrides_plan() -> Plan:
    """The demo with a changed and a declined order, a draw moved, one removed, one added."""
    return plan_of(case(overrides=OVERRIDES))


#: Every golden case, by readable id.
CASES: dict[str, Callable[[], Plan]] = {
    "demo": demo_plan,
    "gated-egfr20-k-sparing": gated_plan,
    "severe-k-2.3-iv": severe_plan,
    "cannot-take-oral": nil_by_mouth_plan,
    "us-meq": us_plan,
    "followups": followup_plan,
    "approved-protocol": approved_plan,
    "approval-void": void_plan,
    "long-schedule": long_plan,
    "prescriber-overrides": overrides_plan,
}
