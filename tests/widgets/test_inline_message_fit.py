"""Every inline message shows whole (issue 17: at 1366x768 under xcb the Sex message was cut).

A message under a field wraps to its width; the form must give it the height that width needs,
and the width its longest word needs. Checked on the window sized as on a 1366x768 ward screen,
with the Sex problem shown (the demo otherwise filled) and with every 'Needed' of a new plan.
Driven by the keyboard: Home in the Sex box goes back to 'Choose...'.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from PySide6.QtCore import QRect, QSize, Qt
from PySide6.QtWidgets import QApplication, QLabel

from desktop_app.widgets.main_window import MainWindow
from desktop_app.widgets.screen_fit import fitted_size

MakeWindow = Callable[..., MainWindow]
#: The window's size on a 1366x768 screen (92% of it, see screen_fit.py), and on a small one.
SIZES = {
    "1366x768": fitted_size(QSize(0, 0), QRect(0, 0, 1366, 768)),
    "1024x600": fitted_size(QSize(0, 0), QRect(0, 0, 1024, 600)),
}


def _settle(window: MainWindow) -> None:
    window.flush()
    for _ in range(3):
        QApplication.processEvents()


def _cut(label: QLabel) -> list[str]:
    """How a shown message label is cut: too short for its lines, too narrow for a word, or
    outside the widget that holds it."""
    text = label.text()
    room = label.contentsRect()
    metrics = label.fontMetrics()
    needed = metrics.boundingRect(
        QRect(0, 0, room.width(), 100_000), int(Qt.TextFlag.TextWordWrap), text
    )
    out = []
    if needed.height() > room.height():
        out.append(f"needs {needed.height()} px of height, has {room.height()}")
    if label.heightForWidth(label.width()) > label.height():
        out.append(f"height for its width {label.heightForWidth(label.width())} > {label.height()}")
    longest = max(metrics.horizontalAdvance(word) for word in text.split())
    if longest > room.width():
        out.append(f"a word needs {longest} px of width, has {room.width()}")
    holder = label.parentWidget()
    if holder is not None and not holder.rect().contains(label.geometry()):
        out.append(f"outside its field {holder.rect()} at {label.geometry()}")
    return out


def _shown_messages_cut(window: MainWindow) -> dict[str, list[str]]:
    out = {}
    for panel in window.form.panels:
        for path in panel.shown_messages():
            label = panel.message_label(path)
            assert label is not None and label.isVisible()
            problems = _cut(label)
            if problems:
                out[path] = [label.text(), *problems]
    return out


@pytest.mark.parametrize("size", sorted(SIZES))
def test_the_sex_message_shows_whole(qtbot: Any, make_window: MakeWindow, size: str) -> None:
    window = make_window()
    assert window.load_demo()
    window.resize(SIZES[size])
    window.show()
    qtbot.waitExposed(window)
    sex = window.form.patient.sex
    sex.setFocus()
    qtbot.waitUntil(lambda: QApplication.focusWidget() is sex)
    qtbot.keyClick(sex, Qt.Key.Key_Home)  # back to "Choose..."
    assert sex.currentData() is None
    _settle(window)
    assert "patient.sex" in window.form.patient.shown_messages()
    assert _shown_messages_cut(window) == {}


@pytest.mark.parametrize("size", sorted(SIZES))
def test_every_needed_message_of_a_new_plan_shows_whole(
    qtbot: Any, make_window: MakeWindow, size: str
) -> None:
    window = make_window()
    window.resize(SIZES[size])
    window.show()
    qtbot.waitExposed(window)
    first = window.form.first_field()
    first.setFocus()
    qtbot.keyClicks(first, "X")  # an edit: every needed field says so
    _settle(window)
    assert len(window.form.patient.shown_messages()) >= 3
    assert _shown_messages_cut(window) == {}
