"""Typing the demo patient into the real widgets."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QComboBox, QLineEdit, QWidget

from desktop_app.demo import demo_inputs
from desktop_app.logic.protocol import Analyte
from desktop_app.widgets.entry import format_datetime
from desktop_app.widgets.input_form import InputForm

#: Values typed for the demo patient (as a ward doctor would type them from the lab report).
DEMO_LABS = {
    Analyte.potassium: ("3.4", "mmol/L"),
    Analyte.magnesium: ("0.68", "mmol/L"),
    Analyte.phosphate: ("0.85", "mmol/L"),
    Analyte.haemoglobin: ("6.4", "g/dL"),
    Analyte.mcv: ("118", "fL"),
    Analyte.b12: ("96", "ng/L"),
    Analyte.folate: ("6.1", "ng/mL"),
    Analyte.creatinine: ("88", "micromol/L"),
    Analyte.egfr: ("58", "mL/min/1.73 m2"),
    Analyte.reticulocytes: ("0.4", "%"),
    Analyte.platelets: ("96", "x 10^9/L"),
}
SAMPLES_AT = "2026-11-26 07:10 +00:00"
B12_AT = "2026-11-25 14:00 +00:00"


def retype(qtbot: Any, edit: QLineEdit, text: str) -> None:
    """Select all in a line edit and type `text` key by key."""
    edit.setFocus()
    edit.selectAll()
    qtbot.keyClick(edit, Qt.Key.Key_Backspace)
    qtbot.keyClicks(edit, text)


def choose(combo: QComboBox, data: object) -> None:
    """Choose an item of a combo box by its data (as a mouse user would)."""
    index = combo.findData(data)
    assert index >= 0, f"{data!r} not offered by {combo.accessibleName()}"
    combo.setCurrentIndex(index)


def type_demo_case(qtbot: Any, form: InputForm) -> None:
    """Type the whole demo patient into the form with key clicks (units chosen per field)."""
    demo = demo_inputs()
    p = form.patient
    retype(qtbot, p.identifier, demo.patient.identifier)
    retype(qtbot, p.name, demo.patient.name)
    retype(qtbot, p.date_of_birth, "1948-03-14")
    choose(p.sex, "female")
    retype(qtbot, p.weight, "58")
    retype(qtbot, p.ward, demo.patient.ward)
    r = form.regimen
    choose(r.preset, demo.regimen.preset_id)
    assert demo.regimen.first_dose_at is not None
    retype(
        qtbot,
        r.first_dose,
        format_datetime(demo.regimen.first_dose_at) + " +00:00"
        if "+" not in format_datetime(demo.regimen.first_dose_at)
        else format_datetime(demo.regimen.first_dose_at),
    )
    retype(qtbot, r.prescriber, demo.prescriber)
    labs = form.labs
    retype(qtbot, labs.common_time, SAMPLES_AT)
    for analyte, (value, unit) in DEMO_LABS.items():
        choose(labs.unit_combo(analyte), unit)
        retype(qtbot, labs.value_edit(analyte), value)
    for analyte in (Analyte.b12, Analyte.folate):
        retype(qtbot, labs.rows[analyte].time, B12_AT)
    form.modifiers.lowering.boxes["loop_diuretic"].click()
    form.modifiers.drug_list.setCurrentIndex(form.modifiers.drug_list.findData("recorded"))
    retype(qtbot, form.modifiers.discharge, "2026-11-28 12:00 +00:00")


def tab_stops(qtbot: Any, window: Any) -> list[QWidget]:
    """Every widget Tab visits from the input tab bar (Baseline tab shown), once round."""
    window.form.setCurrentWidget(window.form.baseline_scroll)
    first = window.form.tabBar()
    first.setFocus()
    qtbot.waitUntil(lambda: QApplication.focusWidget() is first)
    stops: list[QWidget] = [first]
    for _ in range(300):
        focused = QApplication.focusWidget()
        qtbot.keyClick(focused, Qt.Key.Key_Tab)
        focused = QApplication.focusWidget()
        if focused is None or focused is first or focused in stops:
            break
        stops.append(focused)
    return stops
