"""A reason needs no units (issue 17 item 5).

An override's reason is prose, not an order: "patient vomited 3 times" is accepted although 3
has no unit. The sheet's other rules still apply to it, since it is printed beside the order it
changes: a trailing zero, a naked decimal point, a glued unit, a banned abbreviation, a
thousands number without its comma, potassium in grams are still refused at the field. Driven
by key clicks: the reason is typed, Enter presses OK.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from PySide6.QtCore import Qt

from desktop_app.demo import demo_inputs
from desktop_app.logic.override_check import OverrideRequest, check_override
from desktop_app.logic.protocol import LoadedProtocol
from desktop_app.widgets.override_dialog import OverrideDialog
from tests.widgets.conftest import NOW
from tests.widgets.helpers import retype

#: Prose with bare numbers: each would break "a unit on every number" in an order.
PROSE = (
    "patient vomited 3 times",
    "eGFR 25 today",
    "K 3.1 on the ward gas at 06:00",
    "patient refused 2 doses",
)
#: The forms the sheet refuses in any section, with the words of the rule that refuses them.
DANGEROUS = {
    "gave 20.0 mmol before": "trailing zero in '20.0'",
    "only .5 of a tablet kept down": "no leading zero before '.5'",
    "already had 20mmol today": "no space between number and unit",
    "flush with 10 cc": "'cc'",
    "rash after 1000 units": "'1000' needs a thousands comma",
    "patient wants QD dosing": "'QD'",
    "dose as per protocol": "'per protocol'",
    "had 2 g potassium chloride": "potassium in grams",
}

Open = Callable[[], OverrideDialog]


@pytest.fixture
def open_dialog(qtbot: Any, lp: LoadedProtocol) -> Open:
    """Open the potassium order's Change dialog on the demo plan, prefilled with its order."""
    from desktop_app.logic.engine import evaluate

    inputs = demo_inputs()
    plan = evaluate(lp, inputs, now=NOW)

    def make() -> OverrideDialog:
        d = OverrideDialog(
            OverrideRequest("potassium", "change"),
            plan,
            lp.protocol,
            "Dr R. Ng",
            lambda o: check_override(lp, inputs, o, now=NOW),
        )
        qtbot.addWidget(d)
        d.show()
        with qtbot.waitActive(d):
            d.activateWindow()
        return d

    return make


def _type_reason_and_press_enter(qtbot: Any, dialog: OverrideDialog, reason: str) -> None:
    edit = dialog.editor("reason")
    retype(qtbot, edit, reason)
    qtbot.keyClick(edit, Qt.Key.Key_Return)  # Enter presses OK


def test_a_reason_needs_no_units_but_the_sheets_other_rules_still_hold(
    qtbot: Any, open_dialog: Open
) -> None:
    for reason in PROSE:
        dialog = open_dialog()
        _type_reason_and_press_enter(qtbot, dialog, reason)
        assert "reason" not in dialog.messages(), (reason, dialog.messages())
        assert dialog.result_value is not None, reason
        override = dialog.result_value.override
        assert override is not None and override.reason == reason
    for reason, rule_words in DANGEROUS.items():
        dialog = open_dialog()
        _type_reason_and_press_enter(qtbot, dialog, reason)
        message = dialog.messages().get("reason", "")
        assert "order sheet could not print this reason" in message, reason
        assert rule_words in message, (reason, message)
        assert dialog.result_value is None and dialog.isVisible(), reason
        assert dialog.focusWidget() is dialog.editor("reason")


def test_the_prescribers_name_keeps_the_order_rules(qtbot: Any, open_dialog: Open) -> None:
    """Only the reason is prose: a bare number in the name printed beside the order is refused."""
    dialog = open_dialog()
    retype(qtbot, dialog.editor("prescriber"), "Dr 2")
    _type_reason_and_press_enter(qtbot, dialog, "patient vomited 3 times")
    assert "reason" not in dialog.messages()
    assert "'2' has no unit" in dialog.messages().get("prescriber", "")
    assert dialog.result_value is None
