"""Issue 15 item 15: platelets and the intramuscular route (threshold is local policy, unset)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from desktop_app.logic.engine import evaluate
from desktop_app.logic.errors import ProtocolError
from desktop_app.logic.limit_rules import protocol_limit_problems
from desktop_app.logic.limits import shipped_limits
from desktop_app.logic.plan import Plan
from desktop_app.logic.protocol import LoadedProtocol, load_protocol_bytes
from tests.logic.helpers import FIRST, NOW, UK, US, inputs, lab, proto

UK_IM = {"preset_id": "bnf-no-neuro", "first_dose_at": FIRST.isoformat()}
US_IM = {"preset_id": "us-label-100", "first_dose_at": FIRST.isoformat()}
US_ORAL = {"preset_id": "us-oral-2mg", "first_dose_at": FIRST.isoformat()}


def _raw(path: Path) -> dict[str, Any]:
    return json.loads(path.read_text(encoding="utf-8"))


def _with_threshold(path: Path, value: float | None) -> LoadedProtocol:
    raw = _raw(path)
    raw["anaemia"]["platelets_im_below"]["value"] = value
    return load_protocol_bytes(json.dumps(raw).encode())


def _plan(lp: LoadedProtocol, regimen: dict[str, str], platelets: float | None) -> Plan:
    labs = {} if platelets is None else {"platelets": lab(platelets, "x 10^9/L")}
    return evaluate(lp, inputs(labs=labs, regimen=regimen), now=NOW)


def _ids(plan: Plan) -> dict[str, Any]:
    return {w.rule_id: w for w in plan.warnings}


def test_shipped_protocols_leave_the_threshold_unset_as_local_policy() -> None:
    for path in (UK, US):
        rule = proto(path).protocol.anaemia.platelets_im_below
        assert rule.value is None and rule.local_policy and rule.id == "PLT-IM-BELOW"


def test_us_below_threshold_warns_and_offers_deep_subcutaneous() -> None:
    w = _ids(_plan(_with_threshold(US, 50), US_IM, 30))["WARN-PLATELETS-IM"]
    assert w.level == "warning"
    assert "30" in w.text and "below 50 x 10^9/L" in w.text and "local policy" in w.text
    assert "deep subcutaneous injection instead" in w.text
    assert "fda-cyano-label" in w.reason.sources and w.reason.local_policy
    assert "ROUTE-US-CYANO-LABEL" in w.reason.rule_ids


def test_uk_below_threshold_names_no_other_route() -> None:
    w = _ids(_plan(_with_threshold(UK, 50), UK_IM, 30))["WARN-PLATELETS-IM"]
    assert "subcutaneous" not in w.text
    assert "names no other route" in w.text and "prescriber decides" in w.text


@pytest.mark.parametrize("value", [50, 80])
def test_at_or_above_threshold_no_flag(value: float) -> None:
    ids = _ids(_plan(_with_threshold(US, 50), US_IM, value))
    assert "WARN-PLATELETS-IM" not in ids and "WARN-PLATELETS-IM-UNSET" not in ids


def test_platelets_are_compared_on_the_value_as_shown() -> None:
    """The rounding edge: the count is compared as shown, at the laboratory's precision."""
    lp = _with_threshold(US, 50)
    edge = _plan(lp, US_IM, 49.9999999999)
    assert next(r.text for r in edge.labs if r.analyte == "platelets") == "50 x 10^9/L"
    assert "WARN-PLATELETS-IM" not in _ids(edge)
    below = _ids(_plan(lp, US_IM, 49.96))["WARN-PLATELETS-IM"]
    assert "Platelets 49.96 x 10^9/L" in below.text and "below 50 x 10^9/L" in below.text


def test_unset_threshold_gives_a_note() -> None:
    for path, regimen in ((UK, UK_IM), (US, US_IM)):
        ids = _ids(_plan(proto(path), regimen, 30))
        assert "WARN-PLATELETS-IM" not in ids
        note = ids["WARN-PLATELETS-IM-UNSET"]
        assert note.level == "info" and "not set by the site" in note.text


def test_platelets_not_entered_or_oral_regimen_add_nothing() -> None:
    for plan in (
        _plan(_with_threshold(US, 50), US_IM, None),
        _plan(proto(US), US_IM, None),
        _plan(_with_threshold(US, 50), US_ORAL, 30),
    ):
        assert not {i for i in _ids(plan) if i.startswith("WARN-PLATELETS")}


def test_threshold_outside_hard_limits_is_refused() -> None:
    raw = _raw(US)
    raw["anaemia"]["platelets_im_below"]["value"] = 5000
    with pytest.raises(ProtocolError, match="PLT-IM-BELOW"):
        load_protocol_bytes(json.dumps(raw).encode())
    assert protocol_limit_problems(_with_threshold(US, 50).protocol, shipped_limits()) == []


def test_threshold_must_be_marked_local_policy() -> None:
    raw = _raw(UK)
    raw["anaemia"]["platelets_im_below"]["local_policy"] = False
    with pytest.raises(ProtocolError):
        load_protocol_bytes(json.dumps(raw).encode())


def test_review_prints_the_threshold_set_or_unset() -> None:
    from desktop_app.logic.review import rule_value

    assert rule_value(proto(UK).protocol.anaemia.platelets_im_below).startswith("not set")
    assert rule_value(_with_threshold(UK, 50).protocol.anaemia.platelets_im_below) == "50 x 10^9/L"
