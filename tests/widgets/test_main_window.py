"""The main window with the real widgets: live plan, files, recovery, crash handler, keyboard."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QImage
from PySide6.QtWidgets import QApplication, QCheckBox, QLabel, QLineEdit

from desktop_app.demo import demo_inputs
from desktop_app.logic.engine import evaluate
from desktop_app.logic.protocol import Analyte, LoadedProtocol
from desktop_app.logic.textfmt import clock, when
from desktop_app.storage.autosave import Autosave
from desktop_app.storage.plan_files import plan_bytes, write_plan_file
from desktop_app.widgets import alerts
from desktop_app.widgets.main_window import MainWindow
from tests.widgets.conftest import NOW, Alerts
from tests.widgets.helpers import DEMO_LABS, SAMPLES_AT, retype, type_demo_case

CTRL_SHIFT = Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier

MakeWindow = Callable[..., MainWindow]


def test_typed_case_shows_the_engines_schedule_and_orders(
    qtbot: Any, make_window: MakeWindow, lp: LoadedProtocol
) -> None:
    window = make_window()
    type_demo_case(qtbot, window.form)
    window.flush()
    inputs = window.form.current_inputs()
    assert inputs is not None
    expected = evaluate(lp, inputs, now=NOW)
    view = window.plan_view
    assert view.current_plan() == expected
    rows = view.table_rows("schedule")
    assert rows[0][:4] == ["Date", "Clock time", "After first dose", "Tests"]
    shown = [(r[0], r[1], r[3]) for r in rows[1:]]
    assert shown == [
        (when(d.at).rsplit(" ", 1)[0], clock(d.at), d.label) for d in expected.schedule
    ]
    orders = view.section_text("orders")
    for order in expected.orders_now:
        assert order.text in orders
    assert expected.action_now.text in view.section_text("action")
    assert expected.risk.label in view.banner_text.text()
    assert "HIGH" in expected.risk.label  # the demo patient is high risk: banner says it in words


def test_plan_updates_as_the_user_types_and_never_shows_a_stale_plan(
    qtbot: Any, make_window: MakeWindow, lp: LoadedProtocol
) -> None:
    window = make_window()
    window._load_inputs(demo_inputs(), None)
    assert window.current_plan() is not None
    k = window.form.labs.value_edit(Analyte.potassium)
    retype(qtbot, k, "35")
    assert window.current_plan() is None
    view = window.plan_view
    assert not view.plan_box.isVisibleTo(window)
    text = view.problems_text()
    assert "Potassium" in text and "plausible range" in text
    assert "No plan yet" in view.status.text()
    retype(qtbot, k, "2.8")
    plan = window.current_plan()
    assert plan is not None and view.plan_box.isVisibleTo(window)
    assert plan == evaluate(lp, window.form.current_inputs(), now=NOW)  # type: ignore[arg-type]
    assert "Moderate" in view.section_text("action")
    retype(qtbot, k, "3,4")
    assert window.current_plan() is None
    assert "use a decimal point" in view.problems_text()


def test_empty_required_fields_are_listed_as_missing(make_window: MakeWindow) -> None:
    window = make_window()
    window.flush()
    assert window.current_plan() is None
    text = window.plan_view.problems_text()
    for label in (
        "Hospital number",
        "Name",
        "Date of birth",
        "Sex",
        "First dose at",
        "Haemoglobin",
    ):
        assert label in text, label
    entries = {e.path: e for e in window.form.patient._entries}
    # An empty needed field says so in words, without the red frame of a wrong value.
    assert entries["patient.name"].message.text() == "Needed: enter the patient's name"
    assert window.form.patient.name.property("invalid") is not True
    assert window.form.patient.name.accessibleDescription().startswith("required")


def test_problem_link_moves_focus_to_the_field(qtbot: Any, make_window: MakeWindow) -> None:
    window = make_window()
    window.show()
    qtbot.waitExposed(window)
    window.flush()
    window.plan_view.problems.linkActivated.emit("field:regimen.first_dose_at")
    assert window.focusWidget() is window.form.regimen.first_dose


def test_protocol_stamp_and_not_for_clinical_use(
    make_window: MakeWindow, lp: LoadedProtocol
) -> None:
    window = make_window()
    window._load_inputs(demo_inputs(), None)
    stamp = window.protocol_label.text()
    p = lp.protocol
    assert p.protocol_id in stamp and p.version in stamp and lp.sha256[:12] in stamp
    assert "NOT FOR CLINICAL USE" in stamp
    assert window.plan_view.not_for_clinical_use.isVisibleTo(window)
    assert "NOT FOR CLINICAL USE" in window.plan_view.not_for_clinical_use.text()
    assert lp.sha256 in window.plan_view.footer.text()


def test_no_comparison_symbols_or_colour_only_flags(make_window: MakeWindow) -> None:
    """FMT-09: words, not '<' or '>', and every flag in text."""
    window = make_window()
    window._load_inputs(demo_inputs(), None)
    view = window.plan_view
    view.show_all.setChecked(True)
    for key in view.sections:
        text = view.section_text(key)
        assert "<" not in text and ">" not in text, key
    assert "LOW" in view.section_text("labs")
    assert view.banner.accessibleName().startswith("Risk tier: ")


def test_reasons_expand_with_rule_ids_inputs_and_sources(
    qtbot: Any, make_window: MakeWindow
) -> None:
    window = make_window()
    window._load_inputs(demo_inputs(), None)
    plan = window.current_plan()
    assert plan is not None
    view = window.plan_view
    order = plan.orders_now[0]
    assert order.reason.rule_ids[0] not in view.section_text("orders")
    view.sections["orders"].body.linkActivated.emit("why:orders:0")
    text = view.section_text("orders")
    for rule_id in order.reason.rule_ids:
        assert rule_id in text
    for source in order.reason.sources:
        assert source in text
    assert order.reason.inputs[0].name in text and "Inputs used" in text
    view.sections["orders"].body.linkActivated.emit("why:orders:0")
    assert order.reason.rule_ids[0] not in view.section_text("orders")


def test_followup_results_show_action_now_and_trend(
    qtbot: Any, make_window: MakeWindow, lp: LoadedProtocol
) -> None:
    now = NOW.replace(hour=23)
    window = make_window(now=now)
    window._load_inputs(demo_inputs(), None)
    panel = window.form.followups
    qtbot.keyClicks(panel.test, "K")
    retype(qtbot, panel.value, "2.9")
    retype(qtbot, panel.time, "2026-11-26 20:05 +00:00")
    qtbot.keyClick(panel.time, Qt.Key.Key_Return)
    assert len(panel.results()) == 1
    plan = window.current_plan()
    assert plan is not None
    assert plan == evaluate(lp, window.form.current_inputs(), now=now)  # type: ignore[arg-type]
    assert plan.followups[0].band_label in window.plan_view.section_text("followups")
    assert "Latest potassium" in window.plan_view.section_text("action")
    chart = window.plan_view.charts[0]
    assert chart.isVisibleTo(window) and chart.accessibleName() == "Potassium trend"
    assert plan.followups[0].text in chart.accessibleDescription()
    chart.resize(400, chart.minimumHeight())
    picture = chart.grab().toImage()
    assert (
        len({picture.pixel(x, y) for x in range(0, 400, 5) for y in range(0, picture.height(), 5)})
        > 3
    )
    # A result before the first dose is refused by the engine and shown under the table.
    # (The list is kept in sample-time order, so the earlier result becomes result 1.)
    qtbot.keyClicks(panel.test, "K")
    retype(qtbot, panel.value, "3.0")
    retype(qtbot, panel.time, "2026-11-26 10:00 +00:00")
    panel.add_button.click()
    assert window.current_plan() is None
    assert "Result 1" in panel.rows_message.text()
    panel.table.selectRow(0)
    qtbot.keyClick(panel.table, Qt.Key.Key_Delete)
    assert len(panel.results()) == 1 and window.current_plan() is not None
    retype(qtbot, panel.value, "x")
    panel.add_button.click()
    assert len(panel.results()) == 1
    assert panel.value.property("invalid") is True


def test_save_close_open_round_trips_exactly(
    qtbot: Any, make_window: MakeWindow, tmp_path: Path, fake_alerts: Alerts
) -> None:
    window = make_window()
    type_demo_case(qtbot, window.form)
    assert window.isWindowModified() and window.windowTitle().startswith("Untitled plan[*]")
    path = tmp_path / "plan.json"
    fake_alerts.save_path = path
    assert window.save()
    assert not window.isWindowModified() and window.windowTitle().startswith("plan.json")
    saved = path.read_bytes()
    typed = window.form.current_inputs()
    plan_before = window.current_plan()
    assert window.close()
    assert fake_alerts.save_questions == []

    again = make_window()
    fake_alerts.open_path = path
    assert again.open_dialog()
    assert again.form.current_inputs() == typed
    assert again.current_plan() == plan_before
    assert not again.isWindowModified()
    assert again.save()
    assert path.read_bytes() == saved
    assert json.loads(saved)["schema_version"] == "1.0.0"


def test_opening_the_demo_file_and_saving_keeps_its_bytes(
    make_window: MakeWindow, tmp_path: Path
) -> None:
    demo = demo_inputs()
    path = tmp_path / "demo.json"
    write_plan_file(path, demo)
    window = make_window()
    assert window.open_path(path)
    assert window.form.current_inputs() == demo
    assert window.save()
    assert path.read_bytes() == plan_bytes(demo)


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b'{"schema_version": "1.0.0", "patient": {"name": ', "not valid JSON"),
        (b"", "empty"),
        (b'{"hello": "world"}', "not a B12-K plan file"),
        (b'{"schema_version": "9.0.0"}', "newer B12-K Planner"),
        (b'{"schema_version": "1.0.0", "labs": {"potassium": {"value": "x"}}}', "has problems"),
    ],
    ids=["truncated", "empty", "foreign", "newer", "bad-field"],
)
def test_bad_file_shows_the_message_and_keeps_the_current_plan(
    make_window: MakeWindow, tmp_path: Path, fake_alerts: Alerts, content: bytes, message: str
) -> None:
    window = make_window()
    window._load_inputs(demo_inputs(), None)
    before = window.current_plan()
    raw_before = window.form.raw_state()
    path = tmp_path / "bad.json"
    path.write_bytes(content)
    assert not window.open_path(path)
    assert fake_alerts.errors and message in fake_alerts.errors[-1][1]
    assert window.current_plan() == before
    assert window.form.raw_state() == raw_before
    assert window.path is None


def test_unsaved_changes_are_asked_about(
    qtbot: Any, make_window: MakeWindow, fake_alerts: Alerts
) -> None:
    window = make_window()
    window._load_inputs(demo_inputs(), None)
    retype(qtbot, window.form.patient.ward, "Ward 9")
    assert window.is_dirty() and window.isWindowModified()
    fake_alerts.save_answer = "cancel"
    assert not window.close()  # Cancel keeps the window and the work
    assert window.is_dirty()
    assert fake_alerts.save_questions == ["Untitled plan"]
    retype(qtbot, window.form.patient.ward, demo_inputs().patient.ward)
    assert not window.is_dirty()  # typing it back is not a change
    fake_alerts.save_answer = "discard"


def test_refuses_to_save_unreadable_fields(
    qtbot: Any, make_window: MakeWindow, tmp_path: Path, fake_alerts: Alerts
) -> None:
    window = make_window()
    window._load_inputs(demo_inputs(), None)
    retype(qtbot, window.form.labs.value_edit(Analyte.potassium), "3,4")
    assert not window.save_to(tmp_path / "x.json")
    assert not (tmp_path / "x.json").exists()
    assert "Potassium" in fake_alerts.errors[-1][1]


def test_autosave_recovers_the_draft_after_a_crash(
    qtbot: Any, make_window: MakeWindow, tmp_path: Path
) -> None:
    crashed = make_window()
    type_demo_case(qtbot, crashed.form)
    retype(qtbot, crashed.form.labs.value_edit(Analyte.potassium), "3,4")  # unreadable, kept
    crashed.autosave_now()
    raw = crashed.form.raw_state()
    # The process dies: no closeEvent, the draft stays on disk.
    draft = Autosave(tmp_path / "data").load()
    assert draft is not None and draft.saved_at == NOW

    restarted = make_window()
    restarted.restore_draft(draft)
    assert restarted.form.raw_state() == raw
    assert restarted.form.labs.value_edit(Analyte.potassium).text() == "3,4"
    assert restarted.is_dirty()
    retype(qtbot, restarted.form.labs.value_edit(Analyte.potassium), "3.4")
    assert restarted.current_plan() is not None
    assert any("Recovered" in t for t in restarted.messages.texts())


def test_clean_close_removes_the_draft(qtbot: Any, make_window: MakeWindow, tmp_path: Path) -> None:
    window = make_window()
    retype(qtbot, window.form.patient.name, "Test Person")
    window.autosave_now()
    store = Autosave(tmp_path / "data")
    assert store.load() is not None
    assert window.close()
    assert store.load() is None


def test_crash_handler_autosaves_and_shows_details(
    qtbot: Any, make_window: MakeWindow, tmp_path: Path, fake_alerts: Alerts
) -> None:
    window = make_window()
    retype(qtbot, window.form.patient.name, "Crash Case")
    old_hook = sys.excepthook
    try:
        alerts.install_excepthook(window.autosave_now, tmp_path / "app.log", lambda: window)
        try:
            raise RuntimeError("boom in a slot")
        except RuntimeError as exc:
            sys.excepthook(type(exc), exc, exc.__traceback__)
    finally:
        sys.excepthook = old_hook
    details, log_path = fake_alerts.crashes[-1]
    assert "RuntimeError: boom in a slot" in details and log_path == tmp_path / "app.log"
    draft = Autosave(tmp_path / "data").load()
    assert draft is not None
    assert draft.fields["PatientPanel"]["name"] == "Crash Case"


def test_crash_dialog_has_copyable_details(qtbot: Any, tmp_path: Path) -> None:
    from PySide6.QtGui import QGuiApplication
    from PySide6.QtWidgets import QPushButton

    dialog = alerts.CrashDialog("Traceback: boom", tmp_path / "x.log")
    qtbot.addWidget(dialog)
    assert dialog.details.toPlainText() == "Traceback: boom"
    assert dialog.details.isReadOnly()
    intro = " ".join(label.text() for label in dialog.findChildren(QLabel))
    assert str(tmp_path / "x.log") in intro and "autosaved" in intro
    copy = next(b for b in dialog.findChildren(QPushButton) if "Copy" in b.text())
    QGuiApplication.clipboard().clear()
    copy.click()
    assert QGuiApplication.clipboard().text() == "Traceback: boom"


def test_keyboard_only_fill_of_the_demo_case(qtbot: Any, make_window: MakeWindow) -> None:
    """Tab through the form from the first field; type or toggle; never touch the mouse."""
    window = make_window()
    window.show()
    qtbot.waitExposed(window)
    with qtbot.waitActive(window):  # the shortcuts of a field work in the active window
        window.activateWindow()
    window.form.first_field().setFocus()
    demo = demo_inputs()

    def focused() -> Any:
        # The window's focus widget (the offscreen platform may not report an active window).
        widget = QApplication.focusWidget() or window.focusWidget()
        assert widget is not None
        return widget

    def type_here(text: str) -> None:
        widget = focused()
        if isinstance(widget, QLineEdit):
            widget.selectAll()
        qtbot.keyClicks(widget, text)

    def tab(times: int = 1) -> None:
        for _ in range(times):
            qtbot.keyClick(focused(), Qt.Key.Key_Tab)

    steps: list[tuple[str, str]] = [
        ("Hospital number", demo.patient.identifier),
        ("Patient name", demo.patient.name),
        ("Date of birth", "14-Mar-1948"),
        ("Sex", "F"),
        ("Weight in kilograms", "58"),
        ("Ward", demo.patient.ward),
        ("B12 regimen", ""),  # the protocol's default is preselected and is the demo's
        ("First B12 dose date and time", "2026-11-26 14:00 +00:00"),
        ("Prescriber", demo.prescriber),
        ("Samples taken at", SAMPLES_AT),
    ]
    for name, text in steps:
        assert focused().accessibleName() == name
        if text:
            type_here(text)
        tab()
    for analyte in (a for a in Analyte):
        # One tab stop per result (issue 17 item 4): the unit is chosen from the value field
        # (Alt+Down opens its list), the own sample time reached with Ctrl+Shift+T.
        spec = window.protocol.protocol.analytes[analyte]
        value, unit = DEMO_LABS.get(analyte, ("", spec.canonical_unit))
        value_edit = focused()
        assert value_edit.accessibleName() == f"{spec.label} value"
        combo = window.form.labs.unit_combo(analyte)
        if combo.currentData() != unit:
            qtbot.keyClick(value_edit, Qt.Key.Key_Down, Qt.KeyboardModifier.AltModifier)
            assert combo.view().isVisible()
            qtbot.keyClicks(combo.view(), unit)  # type-ahead in the list
            qtbot.keyClick(combo.view(), Qt.Key.Key_Return)
            assert focused() is value_edit
        assert combo.currentData() == unit
        if value:
            type_here(value)
        if analyte in (Analyte.b12, Analyte.folate):
            qtbot.keyClick(value_edit, Qt.Key.Key_T, CTRL_SHIFT)
            assert focused().accessibleName() == f"{spec.label} sample time"
            type_here("2026-11-25 14:00 +00:00")
        tab()
    assert focused().accessibleName() == "Override the derived severity"
    tab()  # the override's fields are disabled, so Tab goes on to the drugs
    while focused().accessibleName() != "Potassium-lowering drug: Loop diuretic":
        assert isinstance(focused(), QCheckBox)
        tab()
    qtbot.keyClick(focused(), Qt.Key.Key_Space)
    while focused().accessibleName() != "Drug list recorded":
        tab()
    type_here("R")  # "Recorded: the drugs ticked above, or none" (issue 15 item 16)
    assert focused().currentData() == "recorded"
    while focused().accessibleName() != "Planned discharge date and time":
        tab()
    type_here("2026-11-28 12:00 +00:00")
    window.flush()
    expected = {**demo.model_dump(), "plan_id": window.form.plan_id()}
    assert window.form.current_inputs() == type(demo).model_validate(expected)
    assert window.current_plan() is not None


def test_window_renders_to_a_picture_that_is_not_blank(
    qtbot: Any, make_window: MakeWindow, tmp_path: Path
) -> None:
    window = make_window()
    window.resize(1400, 900)
    window._load_inputs(demo_inputs(), None)
    window.show()
    qtbot.waitExposed(window)
    path = tmp_path / "main-window.png"
    assert window.grab().save(str(path))
    image = QImage(str(path))
    assert image.width() >= 1000 and image.height() >= 600
    colours = {
        image.pixel(x, y) for x in range(0, image.width(), 7) for y in range(0, image.height(), 7)
    }
    assert len(colours) > 50


def test_settings_apply_units_and_protocol_keeping_what_was_typed(
    qtbot: Any, make_window: MakeWindow, lp: LoadedProtocol, prefs_saved: list[Any]
) -> None:
    from desktop_app.resources import US_PROTOCOL, resource_path
    from desktop_app.storage.protocols import load_protocol
    from desktop_app.storage.settings import Preferences

    window = make_window()
    window._load_inputs(demo_inputs(), None)
    us = load_protocol(resource_path(US_PROTOCOL))
    window.apply_settings(Preferences(unit_system="conventional", default_ward="8A"), us)
    assert window.protocol is us
    assert us.protocol.protocol_id in window.protocol_label.text()
    assert (
        window.form.labs.unit_combo(Analyte.mma).currentData()
        == us.protocol.analytes[Analyte.mma].conventional_unit
    )
    assert window.form.labs.value_edit(Analyte.potassium).text() == "3.4"
    assert prefs_saved[-1].unit_system == "conventional"
    window.new_plan(ask=False)
    assert window.form.patient.ward.text() == "8A"


def test_settings_dialog_refuses_an_invalid_protocol(qtbot: Any, tmp_path: Path) -> None:
    from desktop_app.storage.settings import Preferences
    from desktop_app.widgets.settings_dialog import SettingsDialog

    bad = tmp_path / "site.json"
    bad.write_text('{"schema_version": "1.0.0", "protocol_id": "x"}')
    dialog = SettingsDialog(Preferences())
    qtbot.addWidget(dialog)
    retype(qtbot, dialog.protocol, str(bad))
    assert dialog.validate() is None
    assert "cannot be used" in dialog.protocol_message.text()
    dialog.buttons.accepted.emit()
    assert dialog.result_value is None
    retype(qtbot, dialog.protocol, "")
    retype(qtbot, dialog.ward, "Ward 7B")
    dialog.units.setCurrentIndex(dialog.units.findData("conventional"))
    dialog.buttons.accepted.emit()
    assert dialog.result_value is not None
    assert dialog.result_value.preferences.default_ward == "Ward 7B"
    assert dialog.result_value.preferences.unit_system == "conventional"
    assert "NOT FOR CLINICAL USE" in dialog.protocol_status.text()


def test_recent_files_menu(make_window: MakeWindow, tmp_path: Path, prefs_saved: list[Any]) -> None:
    path = tmp_path / "r.json"
    write_plan_file(path, demo_inputs())
    window = make_window()
    assert not window.recent_menu.isEnabled()
    window.open_path(path)
    assert prefs_saved[-1].recent_files[0] == str(path.resolve())
    actions = window.recent_menu.actions()
    assert actions and "r.json" in actions[0].text()
    window.new_plan(ask=False)
    actions[0].trigger()
    assert window.path == path


def test_menu_shortcuts(make_window: MakeWindow) -> None:
    window = make_window()
    for action, key in (
        (window.act_new, "Ctrl+N"),
        (window.act_open, "Ctrl+O"),
        (window.act_save, "Ctrl+S"),
        (window.act_print, "Ctrl+P"),
        (window.act_quit, "Ctrl+Q"),
    ):
        assert action.shortcut().toString() == key
    assert window.act_save_as.shortcut().toString() == "Ctrl+Shift+S"


def test_load_demo_patient_from_the_menu(make_window: MakeWindow) -> None:
    window = make_window()
    window.act_demo.trigger()
    plan = window.current_plan()
    assert plan is not None and plan.first_dose_at > NOW
    assert not window.is_dirty()


def test_no_display_gives_a_message_not_a_qt_abort(tmp_path: Path) -> None:
    env = {
        k: v
        for k, v in __import__("os").environ.items()
        if k not in ("DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM")
    }
    out = subprocess.run(
        [sys.executable, "-m", "desktop_app"],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
        check=False,
    )
    assert out.returncode == 1
    assert "scripts/run.sh --headless" in out.stderr and "b12k pdf" in out.stderr
    assert "PySide6" not in out.stderr


def test_window_geometry_is_kept_in_qsettings(
    qtbot: Any, make_window: MakeWindow, tmp_path: Path
) -> None:
    from PySide6.QtCore import QSettings

    first = make_window()
    first.splitter.setSizes([300, 500])
    assert first.close()
    stored = QSettings(str(tmp_path / "window.ini"), QSettings.Format.IniFormat)
    assert stored.value("geometry") and stored.value("splitter")
    second = make_window()
    assert second.splitter.saveState() == stored.value("splitter")


def test_overrides_in_a_file_are_kept_and_shown(make_window: MakeWindow, tmp_path: Path) -> None:
    from desktop_app.logic.models import PlanInputs

    demo = demo_inputs()
    with_override = PlanInputs.model_validate(
        {
            **demo.model_dump(),
            "overrides": [
                {
                    "target": "potassium",
                    "action": "decline",
                    "confirmed_outside_band": True,
                    "reason": "Patient refuses tablets",
                    "prescriber": "Dr Ng",
                }
            ],
        }
    )
    path = tmp_path / "o.json"
    write_plan_file(path, with_override)
    window = make_window()
    assert window.open_path(path)
    assert window.form.current_inputs() == with_override
    plan = window.current_plan()
    assert plan is not None and plan.overrides
    assert "Patient refuses tablets" in window.plan_view.section_text("overrides")
    assert window.save()
    assert path.read_bytes() == plan_bytes(with_override)
    # An override the engine refuses is named as such in the list of inputs to fix.
    unconfirmed = PlanInputs.model_validate(
        {
            **with_override.model_dump(),
            "overrides": [
                {**with_override.overrides[0].model_dump(), "confirmed_outside_band": False}
            ],
        }
    )
    write_plan_file(path, unconfirmed)
    assert window.open_path(path)
    assert window.current_plan() is None
    assert "Prescriber override 1" in window.plan_view.problems_text()


def test_an_engine_fault_hides_the_plan_and_reaches_the_crash_handler(
    qtbot: Any, make_window: MakeWindow, monkeypatch: pytest.MonkeyPatch
) -> None:
    from desktop_app.widgets import main_window as main_window_module

    window = make_window()
    window._load_inputs(demo_inputs(), None)
    assert window.current_plan() is not None

    def broken(*_args: Any, **_kwargs: Any) -> Any:
        raise RuntimeError("engine bug")

    monkeypatch.setattr(main_window_module, "evaluate", broken)
    retype(qtbot, window.form.patient.ward, "Ward 9")
    with pytest.raises(RuntimeError, match="engine bug"):
        window.flush()
    assert window.plan_view.current_plan() is None
    assert not window.plan_view.plan_box.isVisibleTo(window)
    assert "internal error" in window.plan_view.problems_text()
