"""Prescriber overrides made in the window: the dialog, the engine's refusals, the second
confirmation, withdrawal, the plan file and the order sheet."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialog, QDialogButtonBox, QLabel

from desktop_app.logic.models import Override
from desktop_app.logic.override_check import OverrideRequest, check_override
from desktop_app.logic.protocol import Analyte, LoadedProtocol
from desktop_app.logic.textfmt import when
from desktop_app.report.lint import extract_pages
from desktop_app.storage.plan_files import read_plan_file
from desktop_app.storage.settings import Preferences
from desktop_app.widgets import ui_text
from desktop_app.widgets.entry import format_datetime
from desktop_app.widgets.main_window import MainWindow
from desktop_app.widgets.override_dialog import OverrideDialog, draw_tests
from tests.widgets.conftest import NOW, Alerts
from tests.widgets.helpers import retype

MakeWindow = Callable[..., MainWindow]
Step = Callable[[OverrideDialog], None]
PRESCRIBER = "Dr R. Ng"


class Driver:
    """Stands in for the user at the override dialog: runs the steps, then closes it."""

    def __init__(self) -> None:
        self.steps: list[Step] = []
        self.dialogs: list[OverrideDialog] = []

    def __call__(self, dialog: OverrideDialog) -> int:
        self.dialogs.append(dialog)
        dialog.show()
        for step in self.steps:
            step(dialog)
        if dialog.isVisible():  # the user gives up: Cancel
            dialog.reject()
        return dialog.result()


@pytest.fixture
def driver(monkeypatch: pytest.MonkeyPatch) -> Iterator[Driver]:
    """Replace the modal loop of the override dialog by a scripted user."""
    drive = Driver()
    monkeypatch.setattr(OverrideDialog, "exec", lambda self: drive(self))
    yield drive


@pytest.fixture
def window(make_window: MakeWindow) -> MainWindow:
    """The demo patient, with the prescriber's name in the settings."""
    w = make_window(prefs=Preferences(prescriber_name=PRESCRIBER))
    assert w.load_demo()
    assert not w.isWindowModified()
    return w


def activate(window: MainWindow, section: str, href: str) -> None:
    """Follow a link of the plan view as a click would (the link must be shown)."""
    view = window.plan_view
    links = view.action_links(section)
    assert href in links, f"{href} not offered in {section}: {list(links)}"
    label = view.problems if section == "problems" else view.sections[section].body
    label.linkActivated.emit(href)


def ok(qtbot: Any) -> Step:
    def step(dialog: OverrideDialog) -> None:
        qtbot.mouseClick(
            dialog.buttons.button(QDialogButtonBox.StandardButton.Ok), Qt.MouseButton.LeftButton
        )

    return step


def typed(qtbot: Any, **fields: str) -> Step:
    def step(dialog: OverrideDialog) -> None:
        for name, text in fields.items():
            retype(qtbot, dialog.editor(name), text)

    return step


def engine_message(lp: LoadedProtocol, window: MainWindow, override: Override) -> str:
    inputs = window.form.current_inputs()
    assert inputs is not None
    result = check_override(lp, inputs, override, now=NOW)
    assert result.outcome == "refused"
    (problem,) = result.problems
    return problem.message


def k_order(window: MainWindow) -> Any:
    plan = window.current_plan()
    assert plan is not None
    return next(o for o in plan.orders_now if o.electrolyte == "potassium")


# ----- made through the dialog, kept in the file, printed on the sheet ---------------------------


def test_an_override_made_in_the_dialog_is_shown_saved_reopened_and_printed(
    qtbot: Any,
    window: MainWindow,
    driver: Driver,
    fake_alerts: Alerts,
    make_window: MakeWindow,
    tmp_path: Path,
) -> None:
    recommended = k_order(window)
    assert recommended.kind == "oral" and recommended.units_per_dose == 2
    fake_alerts.answers["outside_band"] = True
    driver.steps = [typed(qtbot, units_per_dose="1", reason="Nausea with two tablets"), ok(qtbot)]
    activate(window, "orders", "override:potassium:change")

    (dialog,) = driver.dialogs
    assert dialog.result() == QDialog.DialogCode.Accepted
    assert dialog.prescriber.text() == PRESCRIBER  # from the settings
    changed = k_order(window)
    assert changed.units_per_dose == 1 and changed.override is not None
    assert changed.override.recommended_text == recommended.text
    assert window.isWindowModified()
    shown = window.plan_view.section_text("orders")
    for words in (
        "PRESCRIBER OVERRIDE 1: differs from the protocol",
        changed.text,
        "Changed by Dr R. Ng. Reason: Nausea with two tablets.",
        f"Protocol recommended: {recommended.text}",
    ):
        assert words in shown, words
    assert "Nausea with two tablets" in window.plan_view.section_text("overrides")
    assert "withdraw:0" in window.plan_view.action_links("overrides")
    # Changed orders offer no second override (withdraw first); the others still do.
    links = window.plan_view.action_links("orders")
    assert "override:potassium:change" not in links and "override:magnesium:change" in links

    path = tmp_path / "plan.json"
    fake_alerts.save_path = path
    assert window.save() and not window.isWindowModified()
    assert read_plan_file(path).overrides[0].reason == "Nausea with two tablets"
    plan = window.current_plan()
    assert window.close()

    again = make_window()
    assert again.open_path(path)
    assert again.current_plan() == plan and not again.isWindowModified()
    assert "PRESCRIBER OVERRIDE 1" in again.plan_view.section_text("orders")

    pdf = tmp_path / "sheet.pdf"
    fake_alerts.pdf_path = pdf
    assert again.export_pdf(), fake_alerts.errors
    text = " ".join(" ".join(extract_pages(pdf.read_bytes())).split())
    body, sources = text.split("REASONS AND SOURCES", 1)
    assert "PRESCRIBER OVERRIDE 1: DIFFERS FROM THE PROTOCOL" in body
    assert "Changed by Dr R. Ng. Reason: Nausea with two tablets." in body
    assert " ".join(recommended.text.split()) in sources


def test_an_unchanged_order_needs_no_second_confirmation(
    qtbot: Any, window: MainWindow, driver: Driver, fake_alerts: Alerts
) -> None:
    driver.steps = [typed(qtbot, reason="Reviewed: keep as recommended"), ok(qtbot)]
    activate(window, "orders", "override:potassium:change")
    assert fake_alerts.asked == []
    order = k_order(window)
    assert order.override is not None and not order.override.outside_band
    assert "within the protocol's recommendation" in window.plan_view.section_text("orders")


# ----- the engine's limits --------------------------------------------------------------------


def test_an_iv_rate_above_the_maximum_is_refused_with_the_engines_words(
    qtbot: Any, window: MainWindow, driver: Driver, lp: LoadedProtocol, fake_alerts: Alerts
) -> None:
    iv = lp.protocol.potassium.iv_products[0]
    expected = engine_message(
        lp,
        window,
        Override(
            target="potassium",
            action="change",
            product_id=iv.id,
            iv_rate=20,
            reason="Cannot swallow",
            prescriber=PRESCRIBER,
        ),
    )
    assert "above the protocol maximum" in expected

    def choose_iv(dialog: OverrideDialog) -> None:
        dialog.product.setCurrentIndex(dialog.product.findData(iv.id))
        assert dialog.rate.isVisible() and not dialog.units.isVisible()

    seen: dict[str, str] = {}
    driver.steps = [
        choose_iv,
        typed(qtbot, iv_rate="20", reason="Cannot swallow"),
        ok(qtbot),
        lambda d: seen.update(d.messages()),
    ]
    before = window.current_plan()
    activate(window, "orders", "override:potassium:change")
    assert driver.dialogs[0].result() == QDialog.DialogCode.Rejected
    assert expected in seen[""] and seen[""].startswith(ui_text.OVERRIDE_REFUSED)
    assert driver.dialogs[0].rate.property("invalid") is True
    assert window.form.overrides() == ()
    assert window.current_plan() == before and not window.isWindowModified()
    assert fake_alerts.asked == []


def test_potassium_at_or_above_the_hold_threshold_is_refused(
    qtbot: Any, window: MainWindow, driver: Driver, lp: LoadedProtocol
) -> None:
    retype(qtbot, window.form.labs.value_edit(Analyte.potassium), "5.1")
    window.flush()
    oral = lp.protocol.potassium.products[0]
    expected = engine_message(
        lp,
        window,
        Override(
            target="potassium",
            action="change",
            product_id=oral.id,
            units_per_dose=1,
            times_per_day=1,
            review_after_hours=24,
            reason="Prescriber wants potassium",
            prescriber=PRESCRIBER,
        ),
    )
    assert "hold threshold" in expected
    seen: dict[str, str] = {}
    driver.steps = [
        typed(
            qtbot,
            units_per_dose="1",
            times_per_day="1",
            review_after_hours="24",
            reason="Prescriber wants potassium",
        ),
        ok(qtbot),
        lambda d: seen.update(d.messages()),
    ]
    activate(window, "orders", "override:potassium:change")
    assert expected in seen[""]
    assert window.form.overrides() == ()
    assert k_order(window).override is None


def test_missing_reason_or_number_is_asked_for_at_the_field(
    qtbot: Any, window: MainWindow, driver: Driver
) -> None:
    seen: dict[str, str] = {}
    driver.steps = [
        typed(qtbot, units_per_dose="", prescriber=""),
        ok(qtbot),
        lambda d: seen.update(d.messages()),
    ]
    activate(window, "orders", "override:potassium:change")
    assert seen["units_per_dose"].startswith("Needed: units per dose")
    assert seen["reason"].startswith("Needed: reason")
    assert seen["prescriber"].startswith("Needed: prescriber")
    assert window.form.overrides() == ()


def test_a_reason_the_sheet_could_not_print_is_refused_at_the_field(
    qtbot: Any, window: MainWindow, driver: Driver
) -> None:
    seen: dict[str, str] = {}
    driver.steps = [
        typed(qtbot, reason="eGFR 25.0 today"),
        ok(qtbot),
        lambda d: seen.update(d.messages()),
    ]
    activate(window, "orders", "override:potassium:change")
    # A bare number is fine in a reason (issue 17 item 5); a trailing zero is not.
    assert "order sheet could not print" in seen["reason"]
    assert "trailing zero in '25.0'" in seen["reason"]
    assert window.form.overrides() == ()


# ----- the second confirmation ----------------------------------------------------------------


def test_a_change_outside_the_recommendation_is_applied_only_on_yes(
    qtbot: Any, window: MainWindow, driver: Driver, fake_alerts: Alerts
) -> None:
    recommended = k_order(window).text
    seen: list[dict[str, str]] = []

    def answer(yes: bool) -> Step:
        def step(_dialog: OverrideDialog) -> None:
            fake_alerts.answers["outside_band"] = yes

        return step

    driver.steps = [
        typed(qtbot, units_per_dose="1", reason="Nausea with two tablets"),
        answer(False),
        ok(qtbot),
        lambda d: seen.append(d.messages()),
    ]
    activate(window, "orders", "override:potassium:change")
    ((kind, question),) = fake_alerts.asked
    assert kind == "outside_band"
    assert question == (
        f"This differs from the protocol's recommendation: {recommended.rstrip('.')}. "
        "Give it anyway?"
    )
    assert seen[0][""] == ui_text.OVERRIDE_NOT_CONFIRMED
    assert window.form.overrides() == () and not window.isWindowModified()

    driver.dialogs.clear()
    driver.steps = [
        typed(qtbot, units_per_dose="1", reason="Nausea with two tablets"),
        answer(True),
        ok(qtbot),
    ]
    activate(window, "orders", "override:potassium:change")
    (saved,) = window.form.overrides()
    assert saved.confirmed_outside_band and saved.units_per_dose == 1
    assert k_order(window).override is not None


# ----- withdrawing ----------------------------------------------------------------------------


def _decline_magnesium(qtbot: Any, window: MainWindow, driver: Driver, fake: Alerts) -> None:
    fake.answers["outside_band"] = True
    driver.steps = [typed(qtbot, reason="Diarrhoea with oral magnesium"), ok(qtbot)]
    activate(window, "orders", "override:magnesium:decline")
    assert len(window.form.overrides()) == 1


def test_withdraw_removes_the_override_after_asking(
    qtbot: Any, window: MainWindow, driver: Driver, fake_alerts: Alerts
) -> None:
    plan_before = window.current_plan()
    _decline_magnesium(qtbot, window, driver, fake_alerts)
    assert "DECLINED" in window.plan_view.section_text("orders")
    fake_alerts.answers["withdraw"] = False
    activate(window, "overrides", "withdraw:0")
    assert len(window.form.overrides()) == 1
    fake_alerts.answers["withdraw"] = True
    activate(window, "orders", "withdraw:0")  # the link beside the line does the same
    assert fake_alerts.asked[-1][0] == "withdraw"
    assert "Diarrhoea with oral magnesium" in fake_alerts.asked[-1][1]
    assert window.form.overrides() == ()
    assert window.current_plan() == plan_before
    assert window.plan_view.sections["overrides"].isHidden()
    assert not window.isWindowModified()  # back to exactly what was loaded


def test_an_override_the_engine_now_refuses_can_be_withdrawn_from_the_problem_list(
    qtbot: Any, window: MainWindow, driver: Driver, fake_alerts: Alerts
) -> None:
    fake_alerts.answers["outside_band"] = True
    driver.steps = [typed(qtbot, units_per_dose="1", reason="Nausea with two tablets"), ok(qtbot)]
    activate(window, "orders", "override:potassium:change")
    # A new result at the hold threshold: the potassium order can no longer stand.
    retype(qtbot, window.form.labs.value_edit(Analyte.potassium), "5.1")
    window.flush()
    assert window.current_plan() is None
    assert "Prescriber override 1" in window.plan_view.problems_text()
    fake_alerts.answers["withdraw"] = True
    activate(window, "problems", "withdraw:0")
    assert window.form.overrides() == ()
    assert window.current_plan() is not None


# ----- monitoring draws -----------------------------------------------------------------------


def _draw_hours(window: MainWindow) -> list[float]:
    plan = window.current_plan()
    assert plan is not None
    return [d.hours_after_first_dose for d in plan.schedule if not d.before_first_dose]


def test_draws_are_moved_removed_changed_and_added_through_the_dialog(
    qtbot: Any, window: MainWindow, driver: Driver, fake_alerts: Alerts, lp: LoadedProtocol
) -> None:
    fake_alerts.answers["outside_band"] = True
    plan = window.current_plan()
    assert plan is not None
    first = plan.first_dose_at
    hours = _draw_hours(window)
    window_h = lp.protocol.monitoring.label_window_hours.value
    inside = next(h for h in hours if h <= window_h)
    late = [h for h in hours if h > window_h]

    # Removing a potassium draw inside the label's window is refused, in the engine's words.
    seen: dict[str, str] = {}
    driver.steps = [
        typed(qtbot, reason="Not needed"),
        ok(qtbot),
        lambda d: seen.update(d.messages()),
    ]
    activate(window, "schedule", f"override:draw:remove:{inside!r}")
    assert "inside the label's" in seen[""] and window.form.overrides() == ()

    # Move the first late draw by a date-time typed as on the ward.
    moved_to = first + timedelta(hours=late[0] + 4)
    driver.dialogs.clear()
    driver.steps = [
        typed(qtbot, new_hours=format_datetime(moved_to), reason="Phlebotomy round"),
        ok(qtbot),
    ]
    activate(window, "schedule", f"override:draw:move:{late[0]!r}")
    assert late[0] + 4 in _draw_hours(window) and late[0] not in _draw_hours(window)

    # Remove a later one; it is listed as removed, with what the protocol recommended.
    driver.dialogs.clear()
    driver.steps = [typed(qtbot, reason="Planned discharge"), ok(qtbot)]
    activate(window, "schedule", f"override:draw:remove:{late[-2]!r}")
    assert late[-2] not in _draw_hours(window)
    assert f"+{late[-2]:g} hours" in window.plan_view.section_text("schedule")

    # Change the tests of the last draw.
    def tick(dialog: OverrideDialog) -> None:
        boxes = dialog.test_boxes
        assert set(boxes) == set(draw_tests())
        for test, box in boxes.items():
            box.setChecked(test == "fbc")

    driver.dialogs.clear()
    driver.steps = [tick, typed(qtbot, reason="Check the count only"), ok(qtbot)]
    activate(window, "schedule", f"override:draw:change:{late[-1]!r}")
    now_plan = window.current_plan()
    assert now_plan is not None
    assert next(d for d in now_plan.schedule if d.hours_after_first_dose == late[-1]).tests == (
        "fbc",
    )

    # Add a draw; its date-time becomes hours after the first dose.
    added_at = first + timedelta(hours=30)

    def tick_electrolytes(dialog: OverrideDialog) -> None:
        for test in ("potassium", "magnesium", "phosphate"):
            dialog.test_boxes[test].setChecked(True)
        assert "+30 hours" in dialog.new_time_hint.text()

    driver.dialogs.clear()
    driver.steps = [
        typed(qtbot, new_hours=format_datetime(added_at), reason="Extra check"),
        tick_electrolytes,
        ok(qtbot),
    ]
    activate(window, "schedule", "override:draw:add")
    assert 30 in _draw_hours(window)
    added = window.form.overrides()[-1]
    assert (added.action, added.new_hours, added.tests) == (
        "add",
        30,
        ("potassium", "magnesium", "phosphate"),
    )
    shown = window.plan_view.section_text("overrides")
    for reason in ("Phlebotomy round", "Planned discharge", "Check the count only", "Extra check"):
        assert reason in shown
    assert len(window.form.overrides()) == 4 and window.isWindowModified()


def test_a_new_time_before_the_first_dose_is_asked_again(
    qtbot: Any, window: MainWindow, driver: Driver
) -> None:
    plan = window.current_plan()
    assert plan is not None
    seen: dict[str, str] = {}
    before = format_datetime(plan.first_dose_at - timedelta(hours=1))
    driver.steps = [
        typed(qtbot, new_hours=before, reason="Extra check"),
        ok(qtbot),
        lambda d: seen.update(d.messages()),
    ]
    activate(window, "schedule", "override:draw:add")
    assert seen["new_hours"].startswith("Problem: must be after the first B12 dose")
    assert seen["tests"].startswith("Needed:")


def test_no_plan_no_override(window: MainWindow, fake_alerts: Alerts, driver: Driver) -> None:
    window.new_plan(ask=False)
    assert not window.request_override(OverrideRequest("potassium", "change"))
    assert fake_alerts.errors and driver.dialogs == []


def test_the_dialog_is_labelled_for_keyboard_and_screen_reader(
    qtbot: Any, window: MainWindow, lp: LoadedProtocol
) -> None:
    plan = window.current_plan()
    inputs = window.form.current_inputs()
    assert plan is not None and inputs is not None
    dialog = OverrideDialog(
        OverrideRequest("potassium", "change"),
        plan,
        lp.protocol,
        PRESCRIBER,
        lambda o: check_override(lp, inputs, o, now=NOW),
        parent=window,
    )
    dialog.show()
    buddies = {label.buddy() for label in dialog.findChildren(QLabel) if label.buddy()}
    for name in ("product_id", "units_per_dose", "times_per_day", "review_after_hours", "reason"):
        editor = dialog.editor(name)
        assert editor.accessibleName(), name
        assert editor in buddies, name
    # Tab goes through the fields in order.
    dialog.editor("product_id").setFocus()
    order = []
    for _ in range(5):
        order.append(dialog.focusWidget())
        qtbot.keyClick(dialog.focusWidget(), Qt.Key.Key_Tab)
    assert order == [
        dialog.editor(n)
        for n in ("product_id", "units_per_dose", "times_per_day", "review_after_hours", "reason")
    ]
    dialog.reject()


def test_the_override_links_are_reached_with_the_keyboard(
    qtbot: Any, window: MainWindow, driver: Driver
) -> None:
    window.show()
    qtbot.waitExposed(window)
    body = window.plan_view.sections["orders"].body
    body.setFocus()
    focused = []
    for _ in range(2):  # the potassium order's "why?", then its "Change..."
        qtbot.keyClick(body, Qt.Key.Key_Tab)
        focused.append(body.selectedText())
    assert focused == ["why?", ui_text.OVERRIDE_LINK["change"]]
    qtbot.keyClick(body, Qt.Key.Key_Return)
    (dialog,) = driver.dialogs
    assert dialog.windowTitle() == "Change the potassium order"


def test_the_override_list_follows_a_new_first_dose_time(
    qtbot: Any, window: MainWindow, driver: Driver, fake_alerts: Alerts, lp: LoadedProtocol
) -> None:
    fake_alerts.answers["outside_band"] = True
    label_window = lp.protocol.monitoring.label_window_hours.value
    late = next(h for h in _draw_hours(window) if h > label_window)
    plan = window.current_plan()
    assert plan is not None
    moved_to = plan.first_dose_at + timedelta(hours=late + 4)
    driver.steps = [typed(qtbot, new_hours=format_datetime(moved_to), reason="Round"), ok(qtbot)]
    activate(window, "schedule", f"override:draw:move:{late!r}")
    assert when(moved_to) in window.plan_view.section_text("overrides")
    later = plan.first_dose_at + timedelta(hours=1)
    retype(qtbot, window.form.regimen.first_dose, format_datetime(later))
    window.flush()
    shown = window.plan_view.section_text("overrides")
    assert when(moved_to + timedelta(hours=1)) in shown and when(moved_to) not in shown
