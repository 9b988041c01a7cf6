"""The input form driven by key clicks: valid cases, units, invalid entries, problems inline."""

from __future__ import annotations

from typing import Any

import pytest
from PySide6.QtCore import QLocale

from desktop_app.demo import demo_inputs
from desktop_app.logic.engine import evaluate
from desktop_app.logic.models import PlanInputs
from desktop_app.logic.protocol import Analyte, LoadedProtocol
from desktop_app.widgets.input_form import InputForm
from tests.widgets.conftest import NOW
from tests.widgets.helpers import retype, type_demo_case


def make_form(
    qtbot: Any, lp: LoadedProtocol, unit_system: str = "si", decimal_comma: bool = False
) -> InputForm:
    form = InputForm(lp, unit_system, decimal_comma)  # type: ignore[arg-type]
    qtbot.addWidget(form)
    form.show()
    return form


def test_typing_the_demo_case_gives_the_demo_inputs(qtbot: Any, lp: LoadedProtocol) -> None:
    form = make_form(qtbot, lp)
    type_demo_case(qtbot, form)
    expected = demo_inputs().model_copy(update={"plan_id": ""})
    assert form.entry_errors() == {}
    assert form.current_inputs() == PlanInputs.model_validate(expected.model_dump())


def test_inputs_changed_carries_a_validated_model(qtbot: Any, lp: LoadedProtocol) -> None:
    form = make_form(qtbot, lp)
    form.set_inputs(demo_inputs())

    def typed_in_full(model: object) -> bool:
        k = model.labs.potassium  # type: ignore[attr-defined]
        return k is not None and k.value == 3.1

    with qtbot.waitSignal(form.inputs_changed, check_params_cb=typed_in_full) as blocker:
        retype(qtbot, form.labs.value_edit(Analyte.potassium), "3.1")
    model = blocker.args[0]
    assert isinstance(model, PlanInputs)
    assert model.labs.potassium is not None and model.labs.potassium.value == 3.1


def test_set_inputs_shows_a_file_exactly(qtbot: Any, lp: LoadedProtocol) -> None:
    form = make_form(qtbot, lp)
    demo = demo_inputs()
    form.set_inputs(demo)
    assert form.current_inputs() == demo
    assert form.labs.common_time.text().startswith("2026-11-26 07:10")
    assert form.labs.rows[Analyte.potassium].time.text() == ""
    assert form.labs.rows[Analyte.b12].time.text().startswith("2026-11-25 14:00")


def test_changing_units_gives_the_same_plan(qtbot: Any, lp: LoadedProtocol) -> None:
    form = make_form(qtbot, lp)
    form.set_inputs(demo_inputs())
    before = evaluate(lp, form.current_inputs(), now=NOW)  # type: ignore[arg-type]
    form.labs.unit_combo(Analyte.haemoglobin).setCurrentIndex(
        form.labs.unit_combo(Analyte.haemoglobin).findData("g/L")
    )
    retype(qtbot, form.labs.value_edit(Analyte.haemoglobin), "64")
    form.labs.unit_combo(Analyte.magnesium).setCurrentIndex(
        form.labs.unit_combo(Analyte.magnesium).findData("mEq/L")
    )
    retype(qtbot, form.labs.value_edit(Analyte.magnesium), "1.36")
    after = evaluate(lp, form.current_inputs(), now=NOW)  # type: ignore[arg-type]
    assert after.risk.tier == before.risk.tier
    assert [f.rule_id for f in after.risk.factors] == [f.rule_id for f in before.risk.factors]
    assert after.anaemia.severity == before.anaemia.severity
    # The reasons name the inputs as entered (0.68 mmol/L vs 1.36 mEq/L shown as 0.680 mmol/L);
    # the orders themselves must not change.
    assert [o.model_dump(exclude={"reason"}) for o in after.orders_now] == [
        o.model_dump(exclude={"reason"}) for o in before.orders_now
    ]
    assert after.schedule == before.schedule


def test_unit_system_sets_the_default_units(qtbot: Any, lp: LoadedProtocol) -> None:
    si = make_form(qtbot, lp, "si")
    conv = make_form(qtbot, lp, "conventional")
    for analyte, spec in lp.protocol.analytes.items():
        assert si.labs.unit_combo(analyte).currentData() == spec.canonical_unit
        assert conv.labs.unit_combo(analyte).currentData() == spec.conventional_unit
        offered = [
            si.labs.unit_combo(analyte).itemData(i)
            for i in range(si.labs.unit_combo(analyte).count())
        ]
        assert tuple(offered) == spec.units


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("abc", "is not a number"),
        ("3,4", "use a decimal point (3.4)"),
        ("3..4", "is not a number"),
    ],
)
def test_unreadable_entries_give_an_inline_message_and_no_model(
    qtbot: Any, lp: LoadedProtocol, typed: str, message: str
) -> None:
    form = make_form(qtbot, lp)
    form.set_inputs(demo_inputs())
    with qtbot.waitSignal(
        form.input_errors_changed, check_params_cb=lambda e: typed.strip() in str(e)
    ) as blocker:
        retype(qtbot, form.labs.value_edit(Analyte.potassium), typed)
    assert "labs.potassium.value" in blocker.args[0]
    assert form.current_inputs() is None
    msg = form.labs._entries[[e.path for e in form.labs._entries].index("labs.potassium")].message
    assert msg.isVisible()
    assert message in msg.text()
    assert msg.text().startswith("Problem: ")
    assert form.labs.value_edit(Analyte.potassium).property("invalid") is True


def test_decimal_comma_is_accepted_where_the_locale_uses_one(
    qtbot: Any, lp: LoadedProtocol
) -> None:
    QLocale.setDefault(QLocale(QLocale.Language.German, QLocale.Country.Germany))
    form = make_form(qtbot, lp, decimal_comma=QLocale().decimalPoint() == ",")
    form.set_inputs(demo_inputs())
    retype(qtbot, form.labs.value_edit(Analyte.potassium), "3,1")
    model = form.current_inputs()
    assert model is not None and model.labs.potassium is not None
    assert model.labs.potassium.value == 3.1
    retype(qtbot, form.patient.weight, "1.000")
    assert form.current_inputs() is None
    assert "ambiguous" in form.entry_errors()["patient.weight_kg"]


def test_a_value_without_a_sample_time_is_refused(qtbot: Any, lp: LoadedProtocol) -> None:
    form = make_form(qtbot, lp)
    retype(qtbot, form.labs.value_edit(Analyte.potassium), "3.4")
    assert form.current_inputs() is None
    assert "sample time missing" in form.entry_errors()["labs.potassium.sampled_at"]
    retype(qtbot, form.labs.common_time, "2026-11-26 07:10 +00:00")
    model = form.current_inputs()
    assert model is not None and model.labs.potassium is not None


def test_engine_problems_are_shown_at_their_fields(qtbot: Any, lp: LoadedProtocol) -> None:
    form = make_form(qtbot, lp)
    form.set_inputs(demo_inputs())
    form.show_problems(
        {
            "labs.potassium.value": "Potassium 35 is outside the plausible range",
            "patient.name": "required: enter the patient's name",
            "followups[0].value": "implausible",
        }
    )
    labels = {e.path: e for e in form.labs._entries}
    assert "outside the plausible range" in labels["labs.potassium"].message.text()
    assert (
        form.labs.value_edit(Analyte.potassium).accessibleDescription().startswith("Potassium 35")
    )
    patient = {e.path: e for e in form.patient._entries}
    assert patient["patient.name"].message.text() == "Needed: enter the patient's name"
    assert "Result 1: implausible" in form.followups.rows_message.text()
    form.show_problems({})
    assert not labels["labs.potassium"].message.isVisibleTo(form)
    assert form.labs.value_edit(Analyte.potassium).property("invalid") is False
    assert form.field_label("labs.potassium.value") == "Potassium"
    assert form.field_label("followups[2].sampled_at") == "Result 3"
    assert form.field_label("overrides[0].reason").startswith("Prescriber override 1")


def test_override_needs_reason_and_clinician(qtbot: Any, lp: LoadedProtocol) -> None:
    form = make_form(qtbot, lp)
    form.set_inputs(demo_inputs())
    form.anaemia.override.click()
    errors = form.entry_errors()
    assert form.current_inputs() is None
    assert errors["severity_override.severity"] == "choose one of the options."
    assert "too short" in errors["severity_override.reason"]
    form.anaemia.severity.setCurrentIndex(form.anaemia.severity.findData("moderate"))
    retype(qtbot, form.anaemia.reason, "Haemoglobin from a haemolysed sample")
    retype(qtbot, form.anaemia.clinician, "Dr Ng")
    model = form.current_inputs()
    assert model is not None and model.severity_override is not None
    assert model.severity_override.severity == "moderate"


def test_unknown_ids_in_a_file_are_kept_not_dropped(qtbot: Any, lp: LoadedProtocol) -> None:
    demo = demo_inputs()
    odd = PlanInputs.model_validate(
        {
            **demo.model_dump(),
            "regimen": {
                "preset_id": "no-such-regimen",
                "first_dose_at": demo.regimen.first_dose_at,
            },
            "modifiers": {
                **demo.modifiers.model_dump(),
                "k_lowering_drugs": ["thiazide_diuretic", "mystery", "loop_diuretic"],
            },
            "labs": {
                **demo.labs.model_dump(),
                "potassium": {"value": 3.4, "unit": "mg/dL", "sampled_at": NOW},
            },
        }
    )
    form = make_form(qtbot, lp)
    form.set_inputs(odd)
    assert form.current_inputs() == odd


def test_drug_list_none_and_not_recorded_are_different_states(
    qtbot: Any, lp: LoadedProtocol
) -> None:
    """Issue 15 item 16: the window keeps 'none' (recorded, nothing ticked) and 'not recorded'."""
    form = make_form(qtbot, lp)
    demo = demo_inputs()
    none = PlanInputs.model_validate({**demo.model_dump(), "modifiers": {"drug_list": "recorded"}})
    form.set_inputs(none)
    model = form.current_inputs()
    assert model is not None and model.modifiers.drug_list == "recorded"
    assert model.modifiers.k_lowering_drugs == ()
    with qtbot.waitSignal(form.inputs_changed) as blocker:
        form.modifiers.drug_list.setCurrentIndex(form.modifiers.drug_list.findData("not_recorded"))
    assert blocker.args[0].modifiers.drug_list == "not_recorded"
    old_file = PlanInputs.model_validate({**demo.model_dump(), "modifiers": {}})
    form.set_inputs(old_file)
    assert form.modifiers.drug_list.currentData() == "not_recorded"
