"""The override dialog says what it needs and what the dose comes to (issue 17 item 5).

OK with a field missing puts the focus in that field; the daily total follows the dose as it
is typed, in the engine's words.
"""

from __future__ import annotations

from typing import Any

import pytest
from PySide6.QtCore import Qt

from desktop_app.demo import demo_inputs
from desktop_app.logic.models import Override
from desktop_app.logic.override_check import OverrideRequest, check_override
from desktop_app.logic.protocol import LoadedProtocol
from desktop_app.widgets import ui_text
from desktop_app.widgets.override_dialog import OverrideDialog
from tests.widgets.conftest import NOW
from tests.widgets.helpers import retype

PRESCRIBER = "Dr R. Ng"


@pytest.fixture
def dialog(qtbot: Any, lp: LoadedProtocol) -> OverrideDialog:
    from desktop_app.logic.engine import evaluate

    inputs = demo_inputs()
    plan = evaluate(lp, inputs, now=NOW)
    d = OverrideDialog(
        OverrideRequest("potassium", "change"),
        plan,
        lp.protocol,
        PRESCRIBER,
        lambda o: check_override(lp, inputs, o, now=NOW),
    )
    qtbot.addWidget(d)
    d.show()
    with qtbot.waitActive(d):
        d.activateWindow()
    return d


def _press_ok(qtbot: Any, dialog: OverrideDialog) -> None:
    """Enter in a field presses the dialog's default button, OK."""
    qtbot.keyClick(dialog.focusWidget(), Qt.Key.Key_Return)


def test_ok_puts_the_focus_in_the_missing_number(qtbot: Any, dialog: OverrideDialog) -> None:
    retype(qtbot, dialog.editor("units_per_dose"), "")
    retype(qtbot, dialog.editor("reason"), "Patient prefers fewer tablets")
    _press_ok(qtbot, dialog)
    assert dialog.isVisible()
    assert "units_per_dose" in dialog.messages()
    assert dialog.focusWidget() is dialog.editor("units_per_dose")


def test_ok_puts_the_focus_in_the_missing_reason(qtbot: Any, dialog: OverrideDialog) -> None:
    dialog.editor("units_per_dose").setFocus()  # the first field; the reason is left empty
    _press_ok(qtbot, dialog)
    assert set(dialog.messages()) == {"reason"}
    assert dialog.focusWidget() is dialog.editor("reason")


def test_the_daily_total_follows_the_dose_as_it_is_typed(
    qtbot: Any, dialog: OverrideDialog, lp: LoadedProtocol
) -> None:
    def expected(units: float) -> str:
        product = dialog.product.currentData()
        override = Override.model_validate(
            {
                "target": "potassium",
                "action": "change",
                "product_id": product,
                "units_per_dose": units,
                "times_per_day": float(dialog.editor("times_per_day").text()),
                "review_after_hours": float(dialog.editor("review_after_hours").text()),
                "reason": ui_text.OVERRIDE_PREVIEW_WORDS,
                "prescriber": PRESCRIBER,
            }
        )
        result = check_override(lp, demo_inputs(), override, now=NOW)
        if result.outcome == "confirm":
            result = check_override(lp, demo_inputs(), result.override, now=NOW)
        assert result.plan is not None
        return ui_text.OVERRIDE_TOTAL_POTASSIUM.format(total=result.plan.potassium_per_day_text)

    first = dialog.daily_total.accessibleDescription()
    assert first == expected(float(dialog.editor("units_per_dose").text()))
    retype(qtbot, dialog.editor("units_per_dose"), "1")
    assert dialog.daily_total.accessibleDescription() == expected(1)
    assert dialog.daily_total.accessibleDescription() != first
    retype(qtbot, dialog.editor("units_per_dose"), "")
    assert dialog.daily_total.accessibleDescription() == ui_text.OVERRIDE_TOTAL_WAITING
