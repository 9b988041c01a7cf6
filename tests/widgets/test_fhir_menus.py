"""File > Import results... and File > Export FHIR... with bundles built here (never ../shared)."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialog

from desktop_app.fhir import ENABLE_HINT, REPORT_COLUMNS, import_fhir
from desktop_app.fhir import service as fhir_service
from desktop_app.logic.models import PlanInputs
from desktop_app.logic.protocol import Analyte
from desktop_app.storage.plan_files import read_plan_file, write_plan_file
from desktop_app.widgets import ui_text
from desktop_app.widgets.import_dialog import ImportResultsDialog
from desktop_app.widgets.main_window import MainWindow
from tests.fhir.builders import bundle, demo_without_labs, obs, patient, ward_results
from tests.widgets.conftest import Alerts
from tests.widgets.helpers import retype

MakeWindow = Callable[..., MainWindow]


class Reader:
    """Stands in for the user reading the import report: accepts or cancels it."""

    def __init__(self) -> None:
        self.accept = False
        self.dialogs: list[ImportResultsDialog] = []
        self.rows: list[list[str]] = []

    def __call__(self, dialog: ImportResultsDialog) -> int:
        self.dialogs.append(dialog)
        dialog.show()
        model = dialog.report_model
        self.rows = [
            [model.index(r, c).data() for c in range(model.columnCount())]
            for r in range(model.rowCount())
        ]
        if self.accept:
            dialog.accept_button.click()
        else:
            dialog.reject()
        return dialog.result()


@pytest.fixture
def reader(monkeypatch: pytest.MonkeyPatch) -> Iterator[Reader]:
    """Replace the modal loop of the import report by a scripted reader."""
    read = Reader()
    monkeypatch.setattr(ImportResultsDialog, "exec", lambda self: read(self))
    yield read


@pytest.fixture
def window(make_window: MakeWindow, tmp_path: Path) -> MainWindow:
    """The demo patient's plan without any lab result, opened from its file."""
    path = tmp_path / "no-labs.json"
    write_plan_file(path, demo_without_labs())
    w = make_window()
    assert w.open_path(path) and not w.isWindowModified()
    return w


def write(tmp_path: Path, name: str, data: object) -> Path:
    path = tmp_path / name
    path.write_text(json.dumps(data), encoding="utf-8")
    return path


def test_the_report_is_shown_and_only_accept_fills_the_form(
    qtbot: Any,
    qtmodeltester: Any,
    window: MainWindow,
    reader: Reader,
    fake_alerts: Alerts,
    tmp_path: Path,
) -> None:
    results = ward_results()
    fake_alerts.fhir_open_path = write(tmp_path, "labs.json", bundle(patient(), *results))
    before = window.form.current_inputs()

    assert not window.import_results()
    (dialog,) = reader.dialogs
    qtmodeltester.check(dialog.report_model)
    qtmodeltester.check(dialog.patient_model)
    headers = [
        dialog.report_model.headerData(c, Qt.Orientation.Horizontal)
        for c in range(len(REPORT_COLUMNS))
    ]
    assert headers == list(REPORT_COLUMNS)
    assert [row[1] for row in reader.rows] == [o["id"] for o in results]
    outcome = {row[1]: row[-1] for row in reader.rows}
    assert outcome["k-new"].startswith("used in labs.potassium")
    assert outcome["k-prelim"].startswith("REFUSED") and "preliminary" in outcome["k-prelim"]
    assert outcome["po4-cancelled"].startswith("REFUSED")
    assert outcome["creat-notime"].startswith("REFUSED")
    assert outcome["k-old"].startswith("not used")
    assert dialog.accept_button.isEnabled()
    assert "Potassium" in dialog.fills.text() and "labs." not in dialog.fills.text()
    # Cancel: nothing changed.
    assert window.form.current_inputs() == before and not window.isWindowModified()
    assert window.form.labs.value_edit(Analyte.potassium).text() == ""

    reader.accept = True
    assert window.import_results()
    inputs = window.form.current_inputs()
    assert inputs is not None and inputs.labs.potassium is not None
    assert (inputs.labs.potassium.value, inputs.labs.potassium.unit) == (3.4, "mEq/L")
    assert inputs.labs.potassium.source == "FHIR Observation k-new"
    assert inputs.plan_id == before.plan_id  # type: ignore[union-attr]
    assert window.form.labs.value_edit(Analyte.potassium).text() == "3.4"
    assert window.current_plan() is not None
    assert window.isWindowModified()  # undone by not saving
    assert any("labs.json" in t for t in window.messages.texts())
    # Where a result came from is saved with it, and kept until the result is retyped.
    saved = tmp_path / "plan.json"
    assert window.save_to(saved)
    assert read_plan_file(saved) == inputs
    retype(qtbot, window.form.labs.value_edit(Analyte.potassium), "3.5")
    retyped = window.form.current_inputs()
    assert retyped is not None and retyped.labs.potassium is not None
    assert retyped.labs.potassium.source == ""
    assert retyped.labs.magnesium is not None and retyped.labs.magnesium.source.startswith("FHIR")


def test_unidentified_results_ask_for_the_patient_first(
    window: MainWindow, reader: Reader, fake_alerts: Alerts, tmp_path: Path
) -> None:
    lone = obs(
        "2823-3",
        3.6,
        "mmol/L",
        "2026-11-26T07:10:00+00:00",
        oid="k-lone",
        subject={"reference": "Patient/123"},
    )
    path = write(tmp_path, "lone.json", lone)
    fake_alerts.answers["patient"] = False
    assert not window.import_results_from(path)
    ((kind, question),) = fake_alerts.asked
    assert kind == "patient"
    assert question.startswith("Are these results for Margaret Ellison (DEMO), RX0042137?")
    assert reader.dialogs == []

    fake_alerts.answers["patient"] = True
    reader.accept = True
    assert window.import_results_from(path)
    (dialog,) = reader.dialogs
    assert ui_text.FHIR_PATIENT_CHECK["confirmed-by-user"] in dialog.summary.text()
    inputs = window.form.current_inputs()
    assert inputs is not None and inputs.labs.potassium is not None
    assert inputs.labs.potassium.value == 3.6


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (bundle(patient(mrn="RX9999999", family="Smith", given="John")), "not for the patient"),
        ({"hello": "world"}, "not FHIR"),
        ([1, 2], "not a FHIR resource"),
    ],
    ids=["another-patient", "not-fhir", "not-an-object"],
)
def test_a_refused_file_shows_why_and_changes_nothing(
    window: MainWindow,
    reader: Reader,
    fake_alerts: Alerts,
    tmp_path: Path,
    data: object,
    message: str,
) -> None:
    before = window.form.raw_state()
    assert not window.import_results_from(write(tmp_path, "f.json", data))
    (title, text), *_ = fake_alerts.errors
    assert title == "Cannot import results" and message in text
    assert reader.dialogs == [] and window.form.raw_state() == before


def test_a_file_that_fills_nothing_cannot_be_accepted(
    window: MainWindow, reader: Reader, tmp_path: Path
) -> None:
    sodium = obs("2951-2", 140, "mmol/L", "2026-11-26T07:10:00+00:00", oid="na")
    assert not window.import_results_from(write(tmp_path, "na.json", bundle(patient(), sodium)))
    (dialog,) = reader.dialogs
    assert not dialog.accept_button.isEnabled()
    assert dialog.fills.text() == ui_text.FHIR_NOTHING
    assert reader.rows[0][-1].startswith("REFUSED")


def test_unreadable_fields_are_fixed_before_an_import(
    qtbot: Any, window: MainWindow, fake_alerts: Alerts, tmp_path: Path
) -> None:
    retype(qtbot, window.form.patient.weight, "5x")
    assert not window.import_results()
    assert fake_alerts.errors[-1][0] == "Cannot import results yet"


def test_export_fhir_writes_a_bundle_of_the_plan(
    make_window: MakeWindow, fake_alerts: Alerts, tmp_path: Path
) -> None:
    window = make_window()
    assert window.load_demo()
    window.file_menu.aboutToShow.emit()
    assert window.act_export_fhir.isEnabled()
    target = tmp_path / "plan-fhir.json"
    fake_alerts.fhir_save_path = target
    assert window.export_fhir(), fake_alerts.errors
    data = json.loads(target.read_text())
    assert data["resourceType"] == "Bundle"
    kinds = {e["resource"]["resourceType"] for e in data["entry"]}
    assert {"CarePlan", "MedicationRequest", "ServiceRequest", "Provenance"} <= kinds
    plan = window.current_plan()
    assert plan is not None
    assert plan.plan_id in target.read_text()


def test_export_fhir_is_disabled_with_the_reason_without_the_extra(
    make_window: MakeWindow, fake_alerts: Alerts, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(fhir_service, "export_status", lambda: (False, ENABLE_HINT))
    window = make_window()
    window.file_menu.aboutToShow.emit()
    assert not window.act_export_fhir.isEnabled()
    assert window.act_export_fhir.toolTip() == ENABLE_HINT
    assert window.act_export_fhir.statusTip() == ENABLE_HINT
    assert window.act_import_fhir.isEnabled()  # import needs nothing extra
    assert not window.export_fhir()
    assert fake_alerts.errors[-1] == ("FHIR export not available", ENABLE_HINT)


def test_menu_entries(make_window: MakeWindow) -> None:
    window = make_window()
    texts = [a.text() for a in window.file_menu.actions()]
    assert ui_text.FHIR_IMPORT in texts and ui_text.FHIR_EXPORT in texts
    assert window.act_import_fhir.isEnabled()


def test_plan_inputs_round_trip_through_the_report(window: MainWindow) -> None:
    # The dialog shows exactly the service's result: no re-reading, nothing added.
    inputs = window.form.current_inputs()
    assert isinstance(inputs, PlanInputs)
    dialog = ImportResultsDialog(
        import_fhir(bundle(patient(), *ward_results()), window.protocol, inputs),
        "x.json",
        window,
    )
    assert dialog.report_model.rowCount() == len(ward_results())
    assert dialog.result() == QDialog.DialogCode.Rejected
    dialog.reject()
