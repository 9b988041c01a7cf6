"""Defects the safety campaigns found in code this helper does not own, pinned as strict xfails.

Each test states the safe behaviour. It fails today (so it is marked xfail, strict), and it will
pass once the defect is fixed; strict xfail then turns the pass into a failure, which tells the
fixer to remove the marker (and the matching entry in tests/safety/invariants.py KNOWN_DEFECTS,
so the campaigns enforce the invariant again). The hazard log cites each one as an open anomaly.
"""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

import pytest

from desktop_app.logic.engine import evaluate
from desktop_app.logic.errors import InputError, PlanFileError, ProtocolError
from desktop_app.logic.protocol import load_protocol_bytes
from desktop_app.storage.plan_files import parse_plan_bytes
from tests.logic.helpers import FIRST, NOW, UK, base_case, inputs, lab, proto

WHO = {"reason": "Fewer blood tests", "prescriber": "Dr Rivera", "confirmed_outside_band": True}


def _file(mutate: Any) -> bytes:
    case = base_case()
    mutate(case)
    return json.dumps(case).encode()


@pytest.mark.xfail(
    strict=True,
    raises=pytest.fail.Exception,
    reason="DEFECT-1 plan files: pydantic lax mode coerces JSON true to 1.0 (a potassium of 1.0 mmol/L "
    "gives an IV potassium order); fix: validate plan files strictly (model_validate_json(strict=True))",
)
@pytest.mark.parametrize(
    ("where", "mutate"),
    [
        ("labs.potassium.value", lambda c: c["labs"]["potassium"].update(value=True)),
        ("labs.potassium.value", lambda c: c["labs"]["potassium"].update(value="4.2")),
        ("labs.potassium.sampled_at", lambda c: c["labs"]["potassium"].update(sampled_at=1764140400)),
        ("patient.date_of_birth", lambda c: c["patient"].update(date_of_birth=0)),
        ("modifiers.dialysis", lambda c: c["modifiers"].update(dialysis="no")),
    ],
    ids=["bool-as-lab-value", "string-as-lab-value", "number-as-sample-time", "number-as-date-of-birth",
         "string-as-flag"],
)
def test_plan_file_values_of_the_wrong_json_type_are_refused(where: str, mutate: Any) -> None:
    with pytest.raises((InputError, PlanFileError)) as info:
        parse_plan_bytes(_file(mutate))
    assert where in str(info.value)


@pytest.mark.xfail(
    strict=True,
    raises=AssertionError,
    reason="DEFECT-2 overrides: moving the 48-hour potassium draw earlier and removing the later ones "
    "ends potassium monitoring before the label's 48 hours (CLN-06); each override alone is allowed",
)
def test_overrides_cannot_end_potassium_monitoring_before_the_label_window() -> None:
    ovs = [
        {"target": "draw", "action": "move", "draw_hours": 48, "new_hours": 30, **WHO},
        {"target": "draw", "action": "remove", "draw_hours": 120, **WHO},
    ]
    try:
        plan = evaluate(proto(), inputs(overrides=ovs), now=NOW)
    except InputError as exc:
        assert "48" in str(exc)
        return
    k_draws = [d.at for d in plan.schedule if "potassium" in d.tests]
    assert max(k_draws) >= FIRST + timedelta(hours=48), [d.hours_after_first_dose for d in plan.schedule]


@pytest.mark.xfail(
    strict=True,
    raises=AssertionError,
    reason="DEFECT-3 engine: with no usable potassium result the plan still orders Phosphate Sandoz "
    "(adds 9 mmol potassium a day) automatically; an override doing the same is refused "
    "('cannot be ordered before potassium is known')",
)
@pytest.mark.parametrize(
    "k_lab",
    [None, lab(4.0, "mmol/L", FIRST - timedelta(hours=30))],
    ids=["no-potassium", "stale-potassium"],
)
def test_no_potassium_containing_phosphate_without_a_usable_potassium(k_lab: Any) -> None:
    plan = evaluate(proto(), inputs(labs={"potassium": k_lab, "phosphate": lab(0.4, "mmol/L")}), now=NOW)
    po4 = next(o for o in plan.orders_now if o.electrolyte == "phosphate")
    assert po4.potassium_per_day == 0 or po4.kind not in ("oral", "iv"), po4.text


def _protocol(mutate: Any) -> bytes:
    doc = json.loads(UK.read_bytes())
    mutate(doc)
    return json.dumps(doc).encode()


@pytest.mark.xfail(
    strict=True,
    raises=pytest.fail.Exception,
    reason="DEFECT-4 protocol files: pydantic lax mode coerces wrong JSON types ('5.0' -> 5.0 for the "
    "potassium hold threshold, 1 -> true for an ECG flag); fix: validate protocol files strictly",
)
@pytest.mark.parametrize(
    "mutate",
    [
        lambda d: d["potassium"]["hold_at_or_above"].update(value="5.0"),
        lambda d: d["potassium"]["bands"][0].update(ecg=1),
        lambda d: d["potassium"]["bands"][1].update(call_doctor="yes"),
    ],
    ids=["string-as-hold-threshold", "number-as-ecg-flag", "string-as-call-doctor-flag"],
)
def test_protocol_values_of_the_wrong_json_type_are_refused(mutate: Any) -> None:
    with pytest.raises(ProtocolError):
        load_protocol_bytes(_protocol(mutate))


@pytest.mark.xfail(
    strict=True,
    raises=pytest.fail.Exception,
    reason="DEFECT-5 protocol validation: thresholds out of order are accepted (anaemia moderate_below 9 "
    "g/L - a g/dL slip - below severe_below 80 makes moderate anaemia 'mild' and lowers the tier; B12 "
    "indeterminate below deficient; renal-team eGFR cut-off above the review cut-off)",
)
@pytest.mark.parametrize(
    "mutate",
    [
        lambda d: d["anaemia"]["moderate_below"].update(value=9),
        lambda d: d["b12"]["indeterminate_below"].update(value=50),
        lambda d: d["gates"]["renal"]["egfr_renal_team_below"].update(value=60),
    ],
    ids=["anaemia-bands-out-of-order", "b12-thresholds-out-of-order", "renal-cut-offs-out-of-order"],
)
def test_protocol_thresholds_out_of_order_are_refused(mutate: Any) -> None:
    with pytest.raises(ProtocolError):
        load_protocol_bytes(_protocol(mutate))


@pytest.mark.xfail(
    strict=True,
    raises=pytest.fail.Exception,
    reason="DEFECT-6 plausibility (CLN-05): patient.weight_kg has no plausible range; 1e308 kg or "
    "5e-324 kg is accepted and printed on the order sheet",
)
@pytest.mark.parametrize("weight", [1e308, 5e-324, 580.0], ids=["1e308-kg", "5e-324-kg", "580-kg"])
def test_implausible_weight_is_refused(weight: float) -> None:
    with pytest.raises(InputError) as info:
        evaluate(proto(), inputs(patient={"weight_kg": weight}), now=NOW)
    assert "patient.weight_kg" in str(info.value)


@pytest.mark.xfail(
    strict=True,
    raises=pytest.fail.Exception,
    reason="DEFECT-7 protocol files: a number too large for a float (1e999) becomes Infinity and is "
    "accepted where the model allows it (a rule's alternative value); parse_json_strict refuses the "
    "'Infinity' token only; fix: a parse_float that refuses non-finite results",
)
def test_overflowing_number_is_refused_like_infinity() -> None:
    doc = json.loads(UK.read_bytes())
    doc["potassium"]["oral_max_per_day"]["alternatives"][0]["value"] = 123456789
    data = json.dumps(doc).replace("123456789", "1e999").encode()
    with pytest.raises(ProtocolError):
        load_protocol_bytes(data)


@pytest.mark.xfail(
    strict=True,
    raises=RecursionError,
    reason="DEFECT-8 autosave.py / settings.py: a deeply nested JSON draft or preferences file raises "
    "RecursionError out of Autosave.load() and load_preferences() (only OSError/ValueError/... are "
    "caught), so the program cannot start until the file is deleted by hand",
)
@pytest.mark.parametrize("which", ["autosave-draft", "preferences"])
def test_deeply_nested_draft_or_preferences_do_not_stop_the_program(which: str, tmp_path: Any) -> None:
    from desktop_app.settings import load_preferences
    from desktop_app.storage.autosave import DRAFT_FILE, Autosave

    nested = "[" * 100_000 + "]" * 100_000
    if which == "autosave-draft":
        (tmp_path / DRAFT_FILE).write_text(nested)
        assert Autosave(tmp_path).load() is None
    else:
        (tmp_path / "preferences.json").write_text(nested)
        prefs, message = load_preferences(tmp_path / "preferences.json")
        assert message is not None
