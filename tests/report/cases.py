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
        "02fd0839bb343f7b1f7ee243dac8218209f9d92aa49df2b8438c6ed11837fb5f",
        "ad4ad12ad3214c9408b4b90b5cf294c125b4b9ce4c05318f99c2eb7d5e917bc8",
    ),
    ("approved-protocol", "letter"): (
        "4ba96ed0bc73cd82ac4b2087e1a658edab786b1daac89bf90d12211ad6965ec6",
        "2ab11fb99ee789f87c181bb92256f60e511be482aa7d04f7f802af0eacb33067",
    ),
    ("cannot-take-oral", "a4"): (
        "5d5b41f8074f72a3dc398cf57feca0a281670c8ef50b587f5ca537d536121b49",
        "3127514c178621abf755eba2e593d7b6b483910c0fa6c0508c1b5c47260ecd83",
    ),
    ("cannot-take-oral", "letter"): (
        "b1af5b9839dc86f7d31a71526e5e373b8fe9f3186ab3b18a0531456e9a0117b2",
        "01b3c0fb8412ef0d8f36af0c34a6899ad8f04476715337e8c04c8d06574a0749",
    ),
    ("demo", "a4"): (
        "495da795f7714a326e7ca231c4391539b15e77c47b2e51db31d6414766e932e1",
        "5c422470deb6d430021419e0bf8af9b2a605e7d689ae448fdd6f067d8ccf2df1",
    ),
    ("demo", "letter"): (
        "a49130f12adb68b37d39f05d92aa653c19ae2319ae27577138c72bf0df8e896d",
        "321ea6e7d8fd147adaa0c02768c298beb0b81e9e78181788b36b7531e9ef26b3",
    ),
    ("followups", "a4"): (
        "e787fc02a7dcf1240a8f67ec8c5b2944a59d2a67d599f9211626551250d8a733",
        "b6464b035819960f801c662346b40224d099e69ea837f564ddba8f5465bbffd0",
    ),
    ("followups", "letter"): (
        "d9eada7b2b2067e88bb6f9d5126086e229867c3ff56d5756d65ee2dc3aa11d25",
        "f7e22c503d047a5f737a381c956bdc81cd072bbcc8643a29331933256cde4fe7",
    ),
    ("gated-egfr20-k-sparing", "a4"): (
        "52d8bb46f6528a6043b3748ef003c2d5b519ce9f5a639267f03663dd0ae2f8a9",
        "a4cc939e009aec9e84854767a33d48e9ac43a61fea5608c48065a50062a6448d",
    ),
    ("gated-egfr20-k-sparing", "letter"): (
        "24c9198727f7f90231833a289bd7da43549985c98c311a606b6d6d1eaecbb46b",
        "3c73d325bfbefb623a32845eb3c6304ac700c68ca0e4453d8cbb9e068eb659b2",
    ),
    ("long-schedule", "a4"): (
        "9429b9512c750c61048553e302457b8a6206b4cd8777b152847e7e9276db33f3",
        "e26ee6653925c74856ac6252a989b441adb134d58321f01e403d2414c6413d7f",
    ),
    ("long-schedule", "letter"): (
        "84e36cd684d4d8fc7f08a3874563eadbd4e220b414c5264b0f7be0ef8c56246a",
        "3d2aefdda562d8f40699232ec6e71680cf26bf357cdf16d107ecdf76bc68cba6",
    ),
    ("prescriber-overrides", "a4"): (
        "0d5a6ac3f9c76fdc987a3adff5e46d45e1eb654c8c00f5e3307a09d3c5f2be15",
        "7609560c92d143a44ebd41ba8d15319467a3fd5053ca72693a18def47a66db04",
    ),
    ("prescriber-overrides", "letter"): (
        "87a98246538ebfda4177ad8caae1bced561d9273587a0d186108554cb2efcc52",
        "bf3c108593fbfbc65fd2377fa19fae5a5d0fac35e7655405af838286039fcedc",
    ),
    ("severe-k-2.3-iv", "a4"): (
        "b52a9c985968f625682e473b7976ab16c97cf8096ac42878c5687b2672f1b93e",
        "1559c775323b5faddcbfd277f85957e09579753a7ea37a19eed581a51485631e",
    ),
    ("severe-k-2.3-iv", "letter"): (
        "c4bc2d0a35c28edaf8042451d1f315f855f959185e8c81a2ca0805a451eb8f5c",
        "218fc168da395d6229b7ebb41b4e73e171a9a12f561627d427f347260e50482e",
    ),
    ("us-meq", "a4"): (
        "28a0635649d2f13f94c5397a4cf79f0b4dcb2b298c12824f976a56e517602aa9",
        "fc1dd7f6ecf30c9731ede7ae7c610e63681620c4f3e6648a134bdba880f5745f",
    ),
    ("us-meq", "letter"): (
        "832f029329df5dff72bda651d3ae4da20c598e9306a5d4642b93a4fb712288d8",
        "f9b6a496151e7c0e6dcfc9234b8ac3e8e0b3dc17f8ac64f00d02a3bf21ba7357",
    ),
}
