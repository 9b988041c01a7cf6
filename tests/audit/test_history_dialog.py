"""The history view: lists and searches records, opens a past plan read-only, reprints it and
says whether the reprint's hash matches the sheet issued."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import QDate, Qt

from desktop_app.audit.issue import export_and_record
from desktop_app.audit.register import Register
from desktop_app.logic.models import PlanInputs
from desktop_app.logic.plan import Plan
from desktop_app.logic.protocol import LoadedProtocol
from desktop_app.widgets import alerts
from desktop_app.widgets.history_dialog import HistoryDialog, RecordTableModel
from tests.audit.test_register import Admin
from tests.audit.writer_process import PROTOCOL, draft

Protocol = tuple[LoadedProtocol, bytes]
Demo = tuple[Plan, PlanInputs]


@pytest.fixture
def errors(monkeypatch: pytest.MonkeyPatch) -> list[tuple[str, str]]:
    shown: list[tuple[str, str]] = []
    monkeypatch.setattr(alerts, "error", lambda _parent, title, text: shown.append((title, text)))
    return shown


@pytest.fixture
def filled(any_register: Register, protocol: Protocol, demo: Demo, tmp_path: Path) -> Register:
    """Record 1: the demo sheet (RX0042137); records 2-4: other patients (w-0, w-1, w-2); on
    either backend (the `target` fixture)."""
    result = export_and_record(*demo, *protocol, tmp_path / "issued.pdf", register=any_register)
    assert result.recorded
    for i in range(3):
        any_register.append(draft("w", i), PROTOCOL)
    return any_register


def dialog_for(qtbot: Any, register: Register | Path, patient: str = "RX0042137") -> HistoryDialog:
    dialog = HistoryDialog(register, patient)
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitExposed(dialog)
    return dialog


def ids(dialog: HistoryDialog) -> list[int]:
    return [dialog.model.record_at(r).id for r in range(dialog.model.rowCount())]


def test_the_table_model_is_a_well_behaved_qt_model(qtmodeltester: Any, filled: Register) -> None:
    model = RecordTableModel()
    model.set_records(filled.search())
    qtmodeltester.check(model)
    assert model.rowCount() == 4 and model.columnCount() == 10
    assert model.headerData(0, Qt.Orientation.Horizontal) == "Record"
    first = model.index(3, 2)
    assert model.data(first) == "RX0042137" and model.data(first, Qt.ItemDataRole.UserRole) == 1
    assert model.data(model.index(0, 8)) == "A4"
    assert model.row_of(1) == 3 and model.row_of(99) is None


def test_lists_the_open_patient_then_searches_by_name_identifier_and_date(
    qtbot: Any, filled: Register
) -> None:
    dialog = dialog_for(qtbot, filled)
    assert ids(dialog) == [1] and dialog.patient_only.isChecked()
    assert dialog.patient_only.text() == "Only &patient RX0042137"
    qtbot.mouseClick(dialog.patient_only, Qt.MouseButton.LeftButton)
    assert ids(dialog) == [4, 3, 2, 1]
    qtbot.keyClicks(dialog.search, "ellison")
    assert ids(dialog) == [1]
    dialog.search.clear()
    qtbot.keyClicks(dialog.search, "w-1")
    assert ids(dialog) == [3]
    dialog.search.clear()
    recorded_day = filled.get(1).recorded_at_datetime.astimezone().date()
    dialog.date.setDate(QDate(recorded_day.year, recorded_day.month, recorded_day.day))
    qtbot.mouseClick(dialog.date_filter, Qt.MouseButton.LeftButton)
    assert dialog.date.isEnabled() and ids(dialog) == [4, 3, 2, 1]
    dialog.date.setDate(QDate(2001, 1, 1))
    assert ids(dialog) == []
    assert dialog.status.text() == "0 sheet(s) listed."


def test_opens_a_past_plan_read_only(qtbot: Any, filled: Register) -> None:
    dialog = dialog_for(qtbot, filled)
    assert not dialog.open_button.isEnabled()
    assert dialog.select_record(1)
    assert dialog.open_button.isEnabled() and dialog.reprint_button.isEnabled()
    qtbot.mouseClick(dialog.open_button, Qt.MouseButton.LeftButton)
    text = dialog.details.toPlainText()
    assert dialog.details.isReadOnly()
    assert text.startswith("Record 1 (issued)")
    assert "The rebuilt plan is identical to the plan recorded." in text
    assert "B12-K plan DEMO-0001 for Margaret Ellison (DEMO) (RX0042137)" in text
    assert "MONITORING SCHEDULE" in text


def test_a_record_that_cannot_be_rebuilt_says_why(qtbot: Any, filled: Register) -> None:
    dialog = dialog_for(qtbot, filled, patient="")
    dialog.select_record(2)  # a stand-in record whose "protocol" is not a protocol
    dialog.open_selected()
    assert dialog.status.text().startswith("Record 2 cannot be opened. Record 2 cannot be rebuilt")
    assert dialog.details.toPlainText() == ""


def test_reprints_byte_identically_to_a_chosen_file(
    qtbot: Any,
    filled: Register,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    errors: list[tuple[str, str]],
) -> None:
    target = tmp_path / "chosen.pdf"
    asked: list[str] = []
    monkeypatch.setattr(
        alerts, "choose_pdf_path", lambda _p, suggested: asked.append(suggested) or target
    )
    dialog = dialog_for(qtbot, filled)
    dialog.select_record(1)
    with qtbot.waitSignal(dialog.reprinted) as blocker:
        qtbot.mouseClick(dialog.reprint_button, Qt.MouseButton.LeftButton)
    result = blocker.args[0]
    assert asked == ["DEMO-0001-record-1-reprint.pdf"]
    assert result.identical and target.read_bytes() == (tmp_path / "issued.pdf").read_bytes()
    assert dialog.status.text().startswith(
        "Reprint of record 1 is byte-identical to the sheet issued"
    )
    assert errors == []
    assert ids(dialog) == [5, 1]  # the reprint is recorded for the patient too
    assert dialog.model.data(dialog.model.index(0, 5)) == "reprint of 1"


def test_a_reprint_that_differs_says_so(
    qtbot: Any, filled: Register, admin_sql: Admin, tmp_path: Path, errors: list[tuple[str, str]]
) -> None:
    admin_sql(("UPDATE records SET pdf_sha256 = ? WHERE id = 1", ("ab" * 32,)))
    dialog = dialog_for(qtbot, filled)
    dialog.select_record(1)
    result = dialog.reprint_selected(tmp_path / "r.pdf")
    assert result is not None and not result.identical
    assert "DIFFERS from the sheet issued" in dialog.status.text()
    assert [title for title, _ in errors] == ["Reprint differs from the sheet issued"]


def test_verify_reports_intact_and_broken(
    qtbot: Any, filled: Register, admin_sql: Admin, errors: list[tuple[str, str]]
) -> None:
    dialog = dialog_for(qtbot, filled)
    qtbot.mouseClick(dialog.verify_button, Qt.MouseButton.LeftButton)
    assert dialog.status.text().startswith("Audit register intact: 4 record(s)") and errors == []
    admin_sql("DELETE FROM records WHERE id = 2")
    qtbot.mouseClick(dialog.verify_button, Qt.MouseButton.LeftButton)
    assert dialog.status.text().startswith("AUDIT REGISTER BROKEN at record 3")
    assert [title for title, _ in errors] == ["Audit register broken"]


def test_a_missing_or_corrupt_register_is_explained(qtbot: Any, tmp_path: Path) -> None:
    dialog = dialog_for(qtbot, tmp_path / "none.sqlite3")
    assert dialog.model.rowCount() == 0
    assert dialog.status.text().startswith("No sheets have been recorded yet")
    assert not (tmp_path / "none.sqlite3").exists()
    bad = tmp_path / "bad.sqlite3"
    bad.write_bytes(b"garbage" * 300)
    dialog = dialog_for(qtbot, bad)
    assert dialog.status.text().startswith("The audit register cannot be read.")
    assert "damaged" in dialog.status.text() and not dialog.verify_button.isEnabled()


def test_default_register_and_no_open_patient(
    qtbot: Any, protocol: Protocol, demo: Demo, tmp_path: Path
) -> None:
    export_and_record(*demo, *protocol, tmp_path / "s.pdf")  # the default register ($B12K_DATA_DIR)
    dialog = dialog_for(qtbot, None, patient="")  # type: ignore[arg-type]
    assert not dialog.patient_only.isEnabled() and ids(dialog) == [1]
