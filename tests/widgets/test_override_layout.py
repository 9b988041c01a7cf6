"""The override dialog keeps every field usable while it shows problems.

Showing problems used to squeeze the editors: the dialog kept its height, so the rows were
drawn shorter than an editor can be (a line edit 15 px tall for 22), and a message with a long
word (a number typed as 150 digits, quoted back) set the dialog's minimum width to the whole
line. No timing: the checks read the geometry Qt gives once the layout is settled.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from PySide6.QtWidgets import QApplication, QLabel, QLineEdit, QWidget

from desktop_app.storage.settings import Preferences
from desktop_app.widgets.main_window import MainWindow
from desktop_app.widgets.override_dialog import OverrideDialog

MakeWindow = Callable[..., MainWindow]
Step = Callable[[OverrideDialog], None]

#: A number no one types, but can: the messages quote it back as one unbreakable word.
LONG_NUMBER = "1" * 150


@pytest.fixture
def shown(
    qtbot: Any, make_window: MakeWindow, monkeypatch: pytest.MonkeyPatch
) -> Iterator[Callable[..., OverrideDialog]]:
    """Open the potassium order's Change dialog on the demo plan, run steps, then press OK.

    Returns the dialog still open (its modal loop is replaced; it is closed at teardown).
    """
    window = make_window(prefs=Preferences(prescriber_name="Dr R. Ng"))
    assert window.load_demo()
    opened: list[OverrideDialog] = []

    def run(**fields: str) -> OverrideDialog:
        def fake_exec(dialog: OverrideDialog) -> int:
            opened.append(dialog)
            dialog.show()
            qtbot.waitExposed(dialog)
            _settle(dialog)
            dialog.width_before = dialog.width()  # type: ignore[attr-defined]
            for name, text in fields.items():
                edit = dialog.editor(name)
                assert isinstance(edit, QLineEdit)
                edit.setText(text)
            dialog.buttons.accepted.emit()  # OK: problems are shown, the dialog stays open
            _settle(dialog)
            return 0

        monkeypatch.setattr(OverrideDialog, "exec", fake_exec)
        window.plan_view.sections["orders"].body.linkActivated.emit("override:potassium:change")
        (dialog,) = opened[-1:]
        assert dialog.messages(), "no problem was shown"
        return dialog

    yield run
    for dialog in opened:
        dialog.reject()


def _settle(dialog: QWidget) -> None:
    """Let Qt apply pending layout requests (no waiting on a clock)."""
    for _ in range(3):
        QApplication.processEvents()
        layout = dialog.layout()
        assert layout is not None
        layout.activate()


def _squeezed(dialog: OverrideDialog) -> list[str]:
    """Visible editors and messages drawn smaller than they need."""
    out = []
    for name in ("units_per_dose", "times_per_day", "review_after_hours", "reason", "prescriber"):
        edit = dialog.editor(name)
        if not edit.isVisible():
            continue
        need = edit.minimumSizeHint().expandedTo(edit.minimumSize())
        if edit.width() < need.width() or edit.height() < need.height():
            out.append(f"{name}: {edit.width()}x{edit.height()} < {need.width()}x{need.height()}")
    labels = [*dialog._messages.values(), dialog.general]
    for label in labels:
        if label.isVisible() and label.height() < label.heightForWidth(label.width()):
            out.append(
                f"{label.text()[:30]!r}: {label.height()} px tall,"
                f" its text needs {label.heightForWidth(label.width())}"
            )
    return out


def test_the_fields_keep_their_size_when_needed_fields_are_shown(shown: Any) -> None:
    dialog = shown(units_per_dose="", reason="", prescriber="")
    assert set(dialog.messages()) == {"units_per_dose", "reason", "prescriber"}
    assert _squeezed(dialog) == []


def test_the_fields_keep_their_size_when_a_wrapped_problem_is_shown(shown: Any) -> None:
    dialog = shown(units_per_dose="1,5", reason="Nausea with two tablets")
    assert "decimal point" in dialog.messages()["units_per_dose"]
    assert _squeezed(dialog) == []


def test_the_fields_keep_their_size_when_the_engine_refuses(shown: Any) -> None:
    dialog = shown(units_per_dose="1000", reason="Nausea with two tablets")
    assert "above the protocol maximum" in dialog.messages()[""]
    assert dialog.units.property("invalid") is True
    assert _squeezed(dialog) == []


@pytest.mark.parametrize("where", ["under the field", "above the buttons"])
def test_a_long_word_in_a_problem_wraps_within_the_dialog(shown: Any, where: str) -> None:
    """A message is as wide as the dialog, however long its words: it never sets the width."""
    if where == "under the field":
        dialog = shown(units_per_dose=LONG_NUMBER + "x", reason="Nausea with two tablets")
        label: QLabel = dialog._messages["units_per_dose"]
    else:
        dialog = shown(units_per_dose=LONG_NUMBER, reason="Nausea with two tablets")
        label = dialog.general
    assert ("1" * 40 if where == "under the field" else "333,333,333") in _plain(label.text())
    assert dialog.width() == dialog.width_before
    assert dialog.minimumSizeHint().width() <= dialog.width_before
    assert label.geometry().right() < dialog.width()
    longest = max(re.split(r"[\s\u200b]+", label.text()), key=label.fontMetrics().horizontalAdvance)
    assert label.fontMetrics().horizontalAdvance(longest) <= label.contentsRect().width(), longest
    units = dialog.units
    assert units.width() >= units.fontMetrics().averageCharWidth() * 8
    assert _squeezed(dialog) == []


def _plain(text: str) -> str:
    return text.replace("\u200b", "")
