"""The bundled demo patient, optionally moved in time so that its first dose is upcoming."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from desktop_app.logic.models import PlanInputs
from desktop_app.resources import DEMO_PATIENT, resource_path
from desktop_app.storage.plan_files import parse_plan_bytes


def demo_inputs() -> PlanInputs:
    """Return the demo patient exactly as published (fixed dates, used by tests)."""
    return parse_plan_bytes(resource_path(DEMO_PATIENT).read_bytes(), "demo patient")


def _shift(obj: Any, delta: timedelta) -> Any:
    if isinstance(obj, datetime):
        return obj + delta
    if isinstance(obj, dict):
        return {k: _shift(v, delta) for k, v in obj.items()}
    if isinstance(obj, list | tuple):
        return [_shift(v, delta) for v in obj]
    return obj


def demo_inputs_for(now: datetime) -> PlanInputs:
    """Return the demo patient with every time moved so the first dose is two hours from `now`."""
    base = demo_inputs()
    assert base.regimen.first_dose_at is not None
    target = now.replace(minute=0, second=0, microsecond=0) + timedelta(hours=3)
    delta = target - base.regimen.first_dose_at
    return PlanInputs.model_validate(_shift(base.model_dump(), delta))
