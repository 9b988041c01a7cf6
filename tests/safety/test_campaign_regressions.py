"""Defects the safety campaigns found, fixed by the lead: kept as regression tests.

Each test states the safe behaviour that was missing when the campaign found the defect; the
hazard log cites them as closed anomalies.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest

from desktop_app.logic.engine import evaluate
from desktop_app.logic.errors import InputError, PlanFileError, ProtocolError
from desktop_app.logic.protocol import load_protocol_bytes
from desktop_app.storage.plan_files import parse_plan_bytes
from tests.logic.helpers import FIRST, NOW, UK, US, base_case, inputs, lab, proto


def _file(mutate: Any) -> bytes:
    case = base_case()
    mutate(case)
    return json.dumps(case).encode()


WHO = {"reason": "Fewer blood tests", "prescriber": "Dr Rivera", "confirmed_outside_band": True}


@pytest.mark.parametrize(
    ("where", "mutate"),
    [
        ("labs.potassium.value", lambda c: c["labs"]["potassium"].update(value=True)),
        ("labs.potassium.value", lambda c: c["labs"]["potassium"].update(value="4.2")),
        (
            "labs.potassium.sampled_at",
            lambda c: c["labs"]["potassium"].update(sampled_at=1764140400),
        ),
        ("patient.date_of_birth", lambda c: c["patient"].update(date_of_birth=0)),
        ("modifiers.dialysis", lambda c: c["modifiers"].update(dialysis="no")),
    ],
    ids=[
        "bool-as-lab-value",
        "string-as-lab-value",
        "number-as-sample-time",
        "number-as-date-of-birth",
        "string-as-flag",
    ],
)
def test_plan_file_values_of_the_wrong_json_type_are_refused(where: str, mutate: Any) -> None:
    """DEFECT-1 (fixed): plan files were read in pydantic's lax mode, so JSON true became 1.0.

    A potassium of `true` read as 1.0 mmol/L and gave an IV potassium order; a number became a
    sample time (epoch seconds). Every value must have the JSON type the format says.
    """
    with pytest.raises((InputError, PlanFileError)) as info:
        parse_plan_bytes(_file(mutate))
    assert where in str(info.value)


def test_overrides_cannot_end_potassium_monitoring_before_the_label_window() -> None:
    """DEFECT-2 (fixed): two allowed overrides together ended K monitoring before 48 hours (CLN-06).

    Moving the 48-hour draw to 30 hours and removing the 120-hour draw were each allowed.
    """
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
    assert max(k_draws) >= FIRST + timedelta(hours=48), [
        d.hours_after_first_dose for d in plan.schedule
    ]


@pytest.mark.parametrize(
    "k_lab",
    [None, lab(4.0, "mmol/L", FIRST - timedelta(hours=30))],
    ids=["no-potassium", "stale-potassium"],
)
def test_no_potassium_containing_phosphate_without_a_usable_potassium(k_lab: Any) -> None:
    """DEFECT-3 (fixed): with no usable potassium the plan ordered Phosphate Sandoz automatically.

    Each tablet adds potassium; an override doing the same was already refused.
    """
    plan = evaluate(
        proto(), inputs(labs={"potassium": k_lab, "phosphate": lab(0.4, "mmol/L")}), now=NOW
    )
    po4 = next(o for o in plan.orders_now if o.electrolyte == "phosphate")
    assert po4.potassium_per_day == 0 or po4.kind not in ("oral", "iv"), po4.text


def _protocol(mutate: Any) -> bytes:
    doc = json.loads(UK.read_bytes())
    mutate(doc)
    return json.dumps(doc).encode()


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
    """DEFECT-4 (fixed): protocol files were read in lax mode ('5.0' as a number, 1 as true)."""
    with pytest.raises(ProtocolError):
        load_protocol_bytes(_protocol(mutate))


@pytest.mark.parametrize(
    "mutate",
    [
        lambda d: d["anaemia"]["moderate_below"].update(value=9),
        lambda d: d["b12"]["indeterminate_below"].update(value=50),
        lambda d: d["gates"]["renal"]["egfr_renal_team_below"].update(value=60),
    ],
    ids=[
        "anaemia-bands-out-of-order",
        "b12-thresholds-out-of-order",
        "renal-cut-offs-out-of-order",
    ],
)
def test_protocol_thresholds_out_of_order_are_refused(mutate: Any) -> None:
    """DEFECT-5 (fixed): thresholds out of order were accepted.

    Anaemia moderate_below 9 (a g/dL slip) below severe_below 80 made moderate anaemia 'mild' and
    lowered the tier; B12 indeterminate below deficient; renal-team cut-off above the review one.
    """
    with pytest.raises(ProtocolError):
        load_protocol_bytes(_protocol(mutate))


@pytest.mark.parametrize("weight", [1e308, 5e-324, 580.0], ids=["1e308-kg", "5e-324-kg", "580-kg"])
def test_implausible_weight_is_refused(weight: float) -> None:
    """DEFECT-6 (fixed): patient weight had no plausible range (1e308 kg was printed)."""
    with pytest.raises(InputError) as info:
        evaluate(proto(), inputs(patient={"weight_kg": weight}), now=NOW)
    assert "patient.weight_kg" in str(info.value)


def test_overflowing_number_is_refused_like_infinity() -> None:
    """DEFECT-7 (fixed): 1e999 became Infinity, accepted where a rule's alternative allows it."""
    doc = json.loads(UK.read_bytes())
    doc["potassium"]["oral_max_per_day"]["alternatives"][0]["value"] = 123456789
    data = json.dumps(doc).replace("123456789", "1e999").encode()
    with pytest.raises(ProtocolError):
        load_protocol_bytes(data)


@pytest.mark.parametrize("which", ["autosave-draft", "preferences"])
def test_deeply_nested_draft_or_preferences_do_not_stop_the_program(
    which: str, tmp_path: Any
) -> None:
    """DEFECT-8 (fixed in 6a5c580): a deeply nested draft or preferences file stopped start-up."""
    from desktop_app.storage.autosave import DRAFT_FILE, Autosave
    from desktop_app.storage.settings import load_preferences

    nested = "[" * 100_000 + "]" * 100_000
    if which == "autosave-draft":
        (tmp_path / DRAFT_FILE).write_text(nested)
        assert Autosave(tmp_path).load() is None
    else:
        (tmp_path / "preferences.json").write_text(nested)
        _, message = load_preferences(tmp_path / "preferences.json")
        assert message is not None


def test_sheet_with_a_stale_follow_up_result_passes_the_lint() -> None:
    """DEFECT-10 (fixed in 6a5c580): a stale result quoted in an order failed the sheet lint."""
    from desktop_app.report import lint_order_sheet, render_order_sheet

    followup = [
        {
            "analyte": "phosphate",
            "value": 1.0,
            "unit": "mmol/L",
            "sampled_at": (FIRST + timedelta(hours=20)).isoformat(),
        }
    ]
    plan = evaluate(proto(), inputs(followups=followup), now=FIRST + timedelta(hours=50))
    violations = lint_order_sheet(plan, render_order_sheet(plan))
    assert violations == [], "\n".join(map(str, violations))


def test_an_expired_protocol_is_refused_or_marked() -> None:
    """DEFECT-14 (fixed in 6a5c580): a protocol past its review date was used as current."""
    import json as _json

    from desktop_app.logic.errors import B12KError
    from tests.signing import approved, signed_bytes

    raw = _json.loads(UK.read_text(encoding="utf-8"))
    try:
        lp = approved(signed_bytes(raw, day="2024-01-01", review_due="2025-01-01"), "expired")
        assert lp.approval_state.approved
        plan = evaluate(lp, inputs(), now=NOW)
    except B12KError:
        return  # refused: acceptable
    flagged = [w for w in plan.warnings if w.level == "danger" and "review" in w.text.lower()]
    assert plan.protocol.not_for_clinical_use or flagged


@pytest.mark.parametrize(
    "name",
    ["Tab\tSeparated", "Line\nBreak", "Zero\u200bWidth"],
    ids=["tab", "newline", "zero-width"],
)
def test_names_with_control_or_invisible_characters_are_refused(name: str) -> None:
    """DEFECT-11, control-character half (fixed in 6a5c580): such names printed as boxes."""
    with pytest.raises(InputError) as info:
        parse_plan_bytes(_file(lambda c: c["patient"].update(name=name)))
    assert "patient.name" in str(info.value)


@pytest.mark.parametrize("protocol_path", [UK, US], ids=["uk-default", "us-labels"])
def test_sheet_with_b12_entered_in_pg_per_ml_passes_the_lint(protocol_path: Any) -> None:
    """DEFECT-12 (fixed in e8e827e): B12 in pg/mL failed the sheet lint (FMT-04)."""
    from desktop_app.report import lint_order_sheet, render_order_sheet

    lp = proto(protocol_path)
    plan = evaluate(
        lp,
        inputs(labs={"b12": lab(250, "pg/mL")}, regimen={"preset_id": lp.protocol.default_regimen}),
        now=NOW,
    )
    violations = lint_order_sheet(plan, render_order_sheet(plan))
    assert violations == [], "\n".join(map(str, violations))


def test_an_integer_too_large_for_a_float_is_refused() -> None:
    """DEFECT-15 (fixed in e8e827e): a 400-digit integer became Infinity in an alternative."""
    import json as _json

    from desktop_app.logic.errors import ProtocolError
    from desktop_app.logic.protocol import load_protocol_bytes

    doc = _json.loads(UK.read_bytes())
    doc["potassium"]["oral_max_per_day"]["alternatives"][0]["value"] = 123456789
    data = _json.dumps(doc).replace("123456789", "1" + "0" * 400).encode()
    with pytest.raises(ProtocolError):
        load_protocol_bytes(data)


def test_us_sheet_with_magnesium_then_potassium_results_passes_the_lint() -> None:
    """DEFECT-16 (fixed in e8e827e): a Mg band before a K result was linted as K in mmol."""
    from desktop_app.report import lint_order_sheet, render_order_sheet

    lp = proto(US)
    followups = [
        {
            "analyte": "magnesium",
            "value": 0.6,
            "unit": "mmol/L",
            "sampled_at": (FIRST + timedelta(hours=6)).isoformat(),
        },
        {
            "analyte": "potassium",
            "value": 2.4,
            "unit": "mEq/L",
            "sampled_at": (FIRST + timedelta(hours=12)).isoformat(),
        },
    ]
    regimen = {"preset_id": "us-oral-2mg", "first_dose_at": FIRST.isoformat()}
    plan = evaluate(
        lp, inputs(followups=followups, regimen=regimen), now=FIRST + timedelta(hours=13)
    )
    violations = lint_order_sheet(plan, render_order_sheet(plan))
    assert violations == [], "\n".join(map(str, violations))


@pytest.mark.parametrize(
    "name", ["Li \u674e\u5c0f\u9f8d", "\u0634\u0631\u064a\u0641 Sharif"], ids=["cjk", "arabic"]
)
def test_a_name_the_sheet_cannot_print_is_refused_with_a_message(name: str) -> None:
    """DEFECT-11 (fixed in e8e827e): CJK printed as boxes, right-to-left names reversed."""
    from desktop_app.report import SheetTextError, render_order_sheet

    plan = evaluate(proto(), inputs(patient={"name": name}), now=NOW)
    with pytest.raises(SheetTextError) as info:
        render_order_sheet(plan)
    assert "patient name" in str(info.value) and "wristband" in str(info.value)


def _close(window: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    """Close the window for good (answer 'discard' if it asks), so no window outlives its test."""
    from desktop_app.widgets import alerts

    monkeypatch.setattr(alerts, "ask_save_changes", lambda *_a: "discard")
    window.close()
    assert not window.isVisible()


@pytest.fixture
def window(qtbot: Any, tmp_path: Any, monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    """The real main window, offscreen; modal boxes record instead of blocking."""
    from PySide6.QtCore import QSettings

    from desktop_app.storage.autosave import Autosave
    from desktop_app.storage.protocols import load_protocol
    from desktop_app.storage.settings import Preferences
    from desktop_app.widgets import alerts
    from desktop_app.widgets.main_window import MainWindow

    told: list[str] = []
    for name in ("error", "info"):
        monkeypatch.setattr(alerts, name, lambda _p, title, text: told.append(f"{title}: {text}"))
    monkeypatch.setattr(
        alerts, "ask_save_changes", lambda *_a: told.append("asked to save") or "cancel"
    )
    (tmp_path / "data").mkdir()
    win = MainWindow(
        load_protocol(),
        Preferences(),
        now=lambda: NOW,
        autosave=Autosave(tmp_path / "data"),
        window_state=QSettings(str(tmp_path / "w.ini"), QSettings.Format.IniFormat),
        save_prefs=lambda _p: None,
    )
    qtbot.addWidget(win)
    win.told = told
    yield win
    _close(win, monkeypatch)


@pytest.mark.parametrize(
    "fields",
    [{"LabsPanel": {"rows": []}}, {"LabsPanel": []}, {"meta": [], "PatientPanel": {}}],
    ids=["rows-as-list", "panel-as-list", "meta-as-list"],
)
def test_a_damaged_draft_is_refused_with_a_message_not_a_crash(
    window: Any, fields: dict[str, Any]
) -> None:
    """DEFECT-9 (fixed in 66b2b7e): a draft with fields of the wrong shape crashed recovery."""
    from desktop_app.storage.autosave import Draft

    window.restore_draft(Draft(fields=fields, file_path=None, saved_at=NOW))
    assert window.current_plan() is None


def test_saving_over_a_file_replaced_on_disk_tells_the_user(window: Any, tmp_path: Any) -> None:
    """DEFECT-13 (fixed in 66b2b7e): Save silently overwrote a file replaced on disk."""
    from desktop_app.storage.plan_files import read_plan_file, write_plan_file

    path = tmp_path / "plan.json"
    write_plan_file(path, inputs(plan_id="MINE"))
    assert window.open_path(path)
    write_plan_file(path, inputs(plan_id="THEIRS", prescriber="Dr Elsewhere"))  # another program
    window.told.clear()
    saved = window.save()
    assert window.told, (
        f"saved={saved}; the file now holds plan {read_plan_file(path).plan_id}, nobody was told"
    )


def _protocol(mutate: Any) -> bytes:
    raw = json.loads(UK.read_text(encoding="utf-8"))
    mutate(raw)
    return json.dumps(raw).encode()


def _drop_phosphate_amount(raw: dict[str, Any]) -> None:
    del raw["phosphate"]["products"][0]["phosphate_per_unit"]


def _huge_potassium_per_tablet(raw: dict[str, Any]) -> None:
    raw["phosphate"]["products"][0]["potassium_per_unit"]["value"] = (
        1e9  # 1e308 is now refused when the file is read
    )


def _zero_conversion_factor(raw: dict[str, Any]) -> None:
    raw["analytes"]["magnesium"]["conversions"][0]["to_canonical"]["value"] = 0.0


@pytest.mark.parametrize(
    ("mutate", "labs", "said"),
    [
        (
            _drop_phosphate_amount,
            {"potassium": lab(3.2, "mmol/L"), "phosphate": lab(0.4, "mmol/L")},
            "product PO4-ORAL-SANDOZ has no magnesium or phosphate amount",
        ),
        (
            _huge_potassium_per_tablet,
            {"potassium": lab(3.2, "mmol/L"), "phosphate": lab(0.4, "mmol/L")},
            "potassium per tablet is above the largest single potassium dose",
        ),
        (
            _zero_conversion_factor,
            {"magnesium": lab(1.2, "mg/dL")},
            "conversion factor for mg/dL (UNIT-MG-MGDL) must be greater than zero",
        ),
    ],
    ids=["product-without-its-amount", "huge-potassium-per-tablet", "zero-conversion-factor"],
)
def test_a_protocol_the_engine_cannot_use_is_refused_when_loaded(
    mutate: Any, labs: dict[str, Any], said: str
) -> None:
    """DEFECT-17 (fixed in 66b2b7e): accepted protocols the engine could not use crashed it.

    Each damaged protocol must now be refused at load, with the field it is about, so the
    engine never meets it; the labs are those that made the engine crash on it before.
    """
    from desktop_app.logic.errors import ProtocolError
    from desktop_app.logic.protocol import load_protocol_bytes

    with pytest.raises(ProtocolError) as refused:
        lp = load_protocol_bytes(_protocol(mutate), "damaged")
        evaluate(lp, inputs(labs=labs), now=NOW)  # reached only if the load accepted it
    assert said in str(refused.value)


def test_a_result_at_the_plausible_maximum_is_printed_whole() -> None:
    """DEFECT-18: the sheet split "3,000.00 micromol/L" inside its unit ("micromol/" over "L").

    Found by the sheet campaign at release size: UK protocol, creatinine 33.936651583699096 mg/dL
    (3,000 micromol/L, the plausible maximum), dialysis, severity override mild. The plan, the
    screen and the sheet all hold "3,000.00 micromol/L" (0.001 mg/dL is 0.0884 micromol/L: two
    decimals); the Result column of the baseline results was too narrow to hold it on one line.
    """
    from desktop_app.logic.models import PlanInputs
    from tests.safety.test_campaign_sheets import sheet_violations

    case = base_case(
        labs={"creatinine": lab(33.936651583699096, "mg/dL")},
        modifiers={"dialysis": True},
        severity_override={"severity": "mild", "reason": "Clinical picture", "clinician": "Dr H"},
    )
    plan = evaluate(proto(UK), PlanInputs.model_validate(case), now=NOW)
    assert "3,000.00 micromol/L" in [row.text for row in plan.labs]
    assert sheet_violations(plan) == []


def test_the_oracle_takes_no_stale_potassium_as_a_gate_past_the_monitoring_window() -> None:
    """An oracle defect, not the product's: found by the engine campaign at release size.

    US protocol, K 6.0 mmol/L sampled 15 minutes before a first dose 200 hours ago (past the
    monitoring window, issue 15 item 11). The engine treats that potassium as stale now and
    never uses it as current (VER-03): no HYPERK gate, a potassium sample ordered. The oracle
    still read it as the baseline and required the gate. A fresh high potassium past the window
    must still give the gate, and a plan without it is still caught.
    """
    from desktop_app.logic.plan import Plan
    from tests.safety.invariants import plan_violations

    us = proto(US)
    late = FIRST + timedelta(hours=200)
    regimen = {"preset_id": "us-oral-2mg", "first_dose_at": FIRST.isoformat()}
    stale = inputs(
        labs={"potassium": lab(6.0, "mmol/L", FIRST - timedelta(minutes=15))}, regimen=regimen
    )
    plan = evaluate(us, stale, now=late)
    assert "GATE-TEXT-HYPERK" not in {g.rule_id for g in plan.gates}
    assert next(o for o in plan.orders_now if o.electrolyte == "potassium").kind == "sample"
    assert plan_violations(us, stale, late, plan) == []

    fresh = inputs(
        labs={"potassium": lab(6.0, "mmol/L", late - timedelta(hours=1))}, regimen=regimen
    )
    gated = evaluate(us, fresh, now=late)
    assert "GATE-TEXT-HYPERK" in {g.rule_id for g in gated.gates}
    assert plan_violations(us, fresh, late, gated) == []
    ungated = Plan.model_validate({**gated.model_dump(), "gates": []})
    assert any(v.startswith("CLN-01") for v in plan_violations(us, fresh, late, ungated))
