"""Builders for engine inputs used across the logic tests."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from desktop_app.logic.models import PlanInputs
from desktop_app.logic.protocol import LoadedProtocol, load_protocol_file

ROOT = Path(__file__).resolve().parents[2]
UK = ROOT / "resources" / "protocols" / "uk-default.json"
US = ROOT / "resources" / "protocols" / "us-labels.json"

NOW = datetime(2026, 11, 26, 12, 0, tzinfo=UTC)
FIRST = datetime(2026, 11, 26, 14, 0, tzinfo=UTC)
DRAWN = datetime(2026, 11, 26, 7, 0, tzinfo=UTC)

_CACHE: dict[Path, LoadedProtocol] = {}


def proto(path: Path = UK) -> LoadedProtocol:
    """Load (once) a shipped protocol."""
    if path not in _CACHE:
        _CACHE[path] = load_protocol_file(path)
    return _CACHE[path]


def lab(value: float, unit: str, at: datetime = DRAWN) -> dict[str, Any]:
    """A lab entry dict."""
    return {"value": value, "unit": unit, "sampled_at": at.isoformat()}


def base_case(**over: Any) -> dict[str, Any]:
    """A complete, unremarkable adult case as a dict (standard tier when regimen is oral)."""
    case: dict[str, Any] = {
        "schema_version": "1.0.0",
        "plan_id": "T-1",
        "patient": {
            "identifier": "T000001",
            "name": "Test Patient",
            "date_of_birth": "1960-05-01",
            "sex": "male",
            "weight_kg": 70,
            "ward": "Ward 1",
        },
        "labs": {
            "potassium": lab(4.2, "mmol/L"),
            "magnesium": lab(0.85, "mmol/L"),
            "phosphate": lab(1.0, "mmol/L"),
            "haemoglobin": lab(125, "g/L"),
            "mcv": lab(112, "fL"),
            "b12": lab(90, "pmol/L"),
            "egfr": lab(80, "mL/min/1.73 m2"),
        },
        "regimen": {"preset_id": "oral-high-dose", "first_dose_at": FIRST.isoformat()},
        "modifiers": {},
        "followups": [],
        "prescriber": "Dr Test",
    }
    for key, value in over.items():
        if key in ("patient", "labs", "regimen", "modifiers") and isinstance(value, dict):
            merged = dict(case[key])
            for k, v in value.items():
                if v is None:
                    merged.pop(k, None)
                else:
                    merged[k] = v
            case[key] = merged
        else:
            case[key] = value
    return case


def inputs(**over: Any) -> PlanInputs:
    """Validated PlanInputs from base_case(**over)."""
    return PlanInputs.model_validate(base_case(**over))


def hours(h: float) -> datetime:
    """FIRST + h hours."""
    return FIRST + timedelta(hours=h)
