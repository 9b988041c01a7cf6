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


def approved_plan() -> Plan:
    """A site-approved copy of the UK protocol: no NOT FOR CLINICAL USE."""

    def approve(raw: dict[str, Any]) -> None:
        raw["approval"] = {
            "status": "approved",
            "approved_by": "Drugs and Therapeutics Committee (TEST)",
            "approval_date": "2026-10-01",
            "review_due": "2027-10-01",
        }

    return plan_of(demo_dict(), protocol_variant(UK, approve))


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
    "long-schedule": long_plan,
    "prescriber-overrides": overrides_plan,
}


#: SHA-256 of every golden sheet (case, paper) as rendered at the cases' fixed "now", and of the
#: text pypdf extracts from it (pages joined by form feeds): (pdf digest, text digest). Recorded
#: from the renderer before its caches were added (cab6c1d): a speed change must leave every
#: byte as it was. Update these only for a deliberate change of what the sheet prints, and say
#: so in the commit.
SHEET_SHA256: dict[tuple[str, str], tuple[str, str]] = {
    ("approved-protocol", "a4"): (
        "7c232ac147be004675267b58197c42bc9512c1e9da235070d7ffaa4f21cfda98",
        "e6c1934761eeee7a16d0609a8c6af3dd938447784e2040eaa5da81127776b3f9",
    ),
    ("approved-protocol", "letter"): (
        "be131d05e556790f2882e9e1ce1e4605d76bc386f758f1cee6e2418bf64795e6",
        "a05f4d329368627f7014cfdc870ecf9a3994e2428191bf76e2effaef3817ac3d",
    ),
    ("cannot-take-oral", "a4"): (
        "82425f3ec0626594050be51b45fb3b0f9094b7a106e0eb8d7447efd908a0d36e",
        "a05e534d86c3110ff9d8766ad0ea11482ce1bb9edf9cfc800e49e548d25eaed7",
    ),
    ("cannot-take-oral", "letter"): (
        "243ad947d063a7be2bcebec058281fbbc5ef7d4f3d47a1a5eeda7aa39457963a",
        "422baa20b1b9fb1ecaa65fdd394b9fe84ab62c3ca2c02d663daf38e9b9684f46",
    ),
    ("demo", "a4"): (
        "a9c846295c6643833b3d86ca0e79f3bb236d158088e44aca5106270b346496bd",
        "8dd2b94e45b15fddc08a35b4358f02a1bf56553acab3317b7dbc1244e902716a",
    ),
    ("demo", "letter"): (
        "68b13f70c53169ffaa8fc06f26b2b7f84356b5602d9d9daf8c42370c277bcbd9",
        "0a1fe173114f43a030648e30af3375baf4b6ac57cec1bb067c5b17b2ac454508",
    ),
    ("followups", "a4"): (
        "b282cf20b3f90b64b98e6af107d5b2b3ba4a555c6c3a4a68ca8218839a3489a4",
        "412897338ef62bd8f19942eae885089341c7c07937bfb843688c34a30b4afed6",
    ),
    ("followups", "letter"): (
        "b2a73f14eef1e30068b171b14b93a885e53d5bd53ab6965ccb86735c0bce4eb9",
        "902ac01f44a1b92e8ea62ff20c9d90ae3c1726ba05375a71034854fba35e4d5e",
    ),
    ("gated-egfr20-k-sparing", "a4"): (
        "116b0f4c328c2375068966cd5383ef9f2e3395b3c109dcfdf5c3a4f1d99c63d1",
        "81ae7924efa5c600f309a9a4abe9f0cacb3a429b499f3b1f284c88c7f98fcbd8",
    ),
    ("gated-egfr20-k-sparing", "letter"): (
        "6a8a4469c1931f7b09531a51a2f63a9c4d8a408a44d048563f21a2187f84f012",
        "b6ad930cb4957835e9ee20d1617ba6b3db414e8c151b509245cd9a6c79cfc6dc",
    ),
    ("long-schedule", "a4"): (
        "6b6421abbd3055c11c93f6aef12b460b211c579d495364608f7dd27a23d3804f",
        "5cc31515aa787508e040f01551368111d3b6922bb6c4a4f86df060e50c987e33",
    ),
    ("long-schedule", "letter"): (
        "c1c70d7aa170876411afa613d72f945dc3bdc59a32d3701579eac438ffa8a590",
        "ef76b5f8011a5b09798e2cb0f652747bda572626d5a418ef1a9e47db3d31e1bd",
    ),
    ("prescriber-overrides", "a4"): (
        "4f750c1a74aa3f7a43187a731a5a900e223615b46aff593b13f0d80e38d4f640",
        "16932426f903da89c19ddb6395449831474f17da9f01bfb16080a95215606d35",
    ),
    ("prescriber-overrides", "letter"): (
        "526282e70416b6b6582f4217c4c89e5a3c0c2ea6f2ebb2c66acc80c1a061996c",
        "cd91bc0c66f9fe633324303398849e528191dc7c9554a62ef02d5e98cbf0ee53",
    ),
    ("severe-k-2.3-iv", "a4"): (
        "d675d2f4b258834ba2ece2587abf91be1600c68e017aef0060f5fb81f786ba3b",
        "1104f58fba043858042c364b6e28f329c43863fe1b5161567924c2125a74068d",
    ),
    ("severe-k-2.3-iv", "letter"): (
        "19215c12c3c3f8a2dc21b601fb0a42416e3ab11d44780c9abdb6540ba972ef3a",
        "b33b0b459ffaae0f7aa83744c7ebb558b1a9b9e70ce763529f522c299862fef7",
    ),
    ("us-meq", "a4"): (
        "15b78b1b10ecd86b3c62c66094a76f5ee2e2334dea618d89d83bcc7ffbf790e8",
        "7ebd1c9889672dfea01dda243a0c300e12f7f5501d4b24b76a30228ce2fd0bd3",
    ),
    ("us-meq", "letter"): (
        "00d7d9d408553c9eff55853016e0124c8e33bb01eff75eb396136f10a4d1522f",
        "2459b437defa5dd0cde5b87e891ce8963449df7bcb9dacd518e906ee734ac187",
    ),
}
