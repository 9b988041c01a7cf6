"""How the window is styled: per widget, never by an application-wide style sheet.

An application style sheet made every widget go through QStyleSheetStyle (issue 7: it cost
about 95 ms of building the window and 25 ms of its first paint). These tests check the
cheaper mechanism really shows what the sheet showed: the red frame of an invalid field, the
inline message's colour and weight, the risk banner's tier colour.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtGui import QColor, QImage, QPalette
from PySide6.QtWidgets import QApplication, QLineEdit, QWidget

from desktop_app.demo import demo_inputs
from desktop_app.logic.protocol import Analyte
from desktop_app.widgets.main_window import MainWindow
from desktop_app.widgets.style import INVALID_FRAME, LOOKS, SHEETS
from tests.widgets.helpers import retype

MakeWindow = Callable[..., MainWindow]


def _left_edge(widget: QWidget) -> QColor:
    """The colour of the widget's leftmost pixel column, half-way down (its frame)."""
    image: QImage = widget.grab().toImage()
    return QColor(image.pixel(0, image.height() // 2))


def _colours(widget: QWidget) -> set[str]:
    image = widget.grab().toImage()
    return {
        QColor(image.pixel(x, y)).name()
        for x in range(0, image.width(), 2)
        for y in range(0, image.height(), 2)
    }


def test_an_invalid_field_has_its_own_red_frame_only_while_invalid(
    qtbot: Any, make_window: MakeWindow
) -> None:
    window = make_window()
    window._load_inputs(demo_inputs(), None)
    window.show()
    qtbot.waitExposed(window)
    edit: QLineEdit = window.form.labs.value_edit(Analyte.potassium)
    valid_height = edit.height()
    assert edit.styleSheet() == ""
    assert _left_edge(edit).name() != QColor(INVALID_FRAME).name()

    retype(qtbot, edit, "35")
    window.flush()
    assert edit.property("invalid") is True
    assert INVALID_FRAME in edit.styleSheet()
    qtbot.waitUntil(lambda: _left_edge(edit).name() == QColor(INVALID_FRAME).name())
    assert edit.sizeHint().height() == valid_height  # the row does not jump

    retype(qtbot, edit, "3.4")
    window.flush()
    assert edit.property("invalid") is False
    assert edit.styleSheet() == ""
    assert _left_edge(edit).name() != QColor(INVALID_FRAME).name()


def test_inline_messages_keep_their_words_weight_and_colour(
    qtbot: Any, make_window: MakeWindow
) -> None:
    window = make_window()  # a new plan: needed fields say so, without the problem colour
    window.show()
    qtbot.waitExposed(window)
    panel = window.form.patient
    needed = next(e.message for e in panel._entries if not e.message.isHidden())
    assert needed.objectName() == "neededMessage"
    assert needed.font().italic() and not needed.font().bold()
    problem_red = QColor(LOOKS["inlineMessage"].colour or "")
    assert needed.palette().color(QPalette.ColorRole.WindowText) != problem_red

    retype(qtbot, panel.weight, "5x8")
    window.flush()
    message = next(e.message for e in panel._entries if "5x8" in e.message.text())
    assert message.objectName() == "inlineMessage"
    assert message.text().startswith("Problem:")  # the words say it; colour only repeats it
    assert message.font().bold()
    assert message.palette().color(QPalette.ColorRole.WindowText) == problem_red
    assert problem_red.name() in _colours(message)


def test_the_risk_banner_background_repeats_the_tier(qtbot: Any, make_window: MakeWindow) -> None:
    window = make_window()
    window._load_inputs(demo_inputs(), None)
    window.show()
    qtbot.waitExposed(window)
    banner = window.plan_view.banner
    assert banner.property("tier") == "high"
    assert "HIGH RISK" in window.plan_view.banner_text.text()
    assert "#fbe3e1" in _colours(banner)  # the high tier's background in SHEETS
    assert 'tier="high"' in SHEETS["riskBanner"] and "#fbe3e1" in SHEETS["riskBanner"]


def test_no_application_style_sheet_and_few_widget_sheets(
    qtbot: Any, qapp: QApplication, make_window: MakeWindow
) -> None:
    window = make_window()
    window._load_inputs(demo_inputs(), None)
    window.show()
    qtbot.waitExposed(window)
    assert qapp.styleSheet() == ""
    sheeted = [w for w in window.findChildren(QWidget) if w.styleSheet()]
    assert {w.objectName() for w in sheeted} <= set(SHEETS)
    assert len(sheeted) <= 5
