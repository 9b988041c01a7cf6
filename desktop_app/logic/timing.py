"""Where now lies against the monitoring window of the first dose (issue 15 item 11)."""

from __future__ import annotations

from datetime import datetime

from desktop_app.logic.protocol import NumList, Protocol, RegimenPreset


def window_rules(p: Protocol, regimen: RegimenPreset) -> list[NumList]:
    """Return the schedules that draw potassium after the first dose of this regimen."""
    rules = [
        p.monitoring.electrolyte_draws[tier] for tier in sorted(p.monitoring.electrolyte_draws)
    ]
    rules += [
        t.hours
        for t in p.monitoring.other_draws
        if "potassium" in t.tests and (regimen.parenteral_loading or not t.parenteral_loading_only)
    ]
    return rules


def window_hours(p: Protocol, regimen: RegimenPreset) -> float:
    """Return how long after the first dose the protocol's monitoring window runs, in hours.

    It is the last potassium draw of any tier: a first dose further back than that lies before
    the window, whatever tier the patient is given.
    """
    return max(max(r.values) for r in window_rules(p, regimen))


def past_window(p: Protocol, regimen: RegimenPreset, first: datetime, now: datetime) -> bool:
    """Whether the first dose lies before the monitoring window that would end by now."""
    return (now - first).total_seconds() / 3600 > window_hours(p, regimen)
