"""Shared pieces of the input panels: inline messages, field registry, line edits."""

from __future__ import annotations

import weakref
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)

from desktop_app.widgets import ui_text
from desktop_app.widgets.datetime_field import DateTimeEdit
from desktop_app.widgets.style import set_invalid_frame, set_look

if TYPE_CHECKING:
    from desktop_app.logic.models import PlanInputs

_REQUIRED = "required"

#: Paths are the model's dotted paths ("labs.potassium.value"); a message for a path is shown at
#: the field whose path is that path or a prefix of it.


class InlineMessage(QLabel):
    """A message under a field, in words (never colour alone); hidden when empty."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        set_look(self, "inlineMessage")
        self.setWordWrap(True)
        self.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Minimum)
        self._message = ""
        self._needed: bool | None = None
        self.hide()

    def set_message(self, message: str) -> None:
        """Show `message` ("" hides the label)."""
        if message == self._message:
            return
        self._message = message
        if message:
            needed = is_needed(message)
            if self._needed != needed:
                self._needed = needed
                # By object name, not a dynamic property (see mark_invalid).
                set_look(self, "neededMessage" if needed else "inlineMessage")
            text = inline_text(message)
            self.setText(text)
            self.setAccessibleName(text)
            self.show()
        else:
            self.clear()
            self.hide()


def is_needed(message: str) -> bool:
    """True when every part of a message says 'required...' (empty fields, no wrong value)."""
    parts = [p for p in message.split("\n") if p]
    return bool(parts) and all(p.startswith(_REQUIRED) for p in parts)


def _one_inline(part: str) -> str:
    if not part.startswith(_REQUIRED):
        return ui_text.PROBLEM_PREFIX + part
    rest = part[len(_REQUIRED) :]
    if rest.startswith(":"):
        rest = rest[1:].strip()
        return ui_text.NEEDED_PREFIX + rest if rest.strip(" .") else ui_text.NEEDED_PREFIX.strip()
    return ui_text.NEEDED_PREFIX.rstrip(": ") + rest


def inline_text(message: str) -> str:
    """Return a message as shown under a field: each part as 'Needed: ...' or 'Problem: ...'."""
    return " ".join(_one_inline(p) for p in message.split("\n") if p)


#: The message and invalid state last shown on each editor, held weakly: a closed window's
#: editors drop out by themselves.
_MARKS: weakref.WeakKeyDictionary[QWidget, tuple[str, bool]] = weakref.WeakKeyDictionary()


def mark_invalid(widget: QWidget, message: str) -> None:
    """Mark an editor invalid (red frame, tooltip and accessible description) or valid.

    A field that is only empty-but-needed gets the words, not the red frame: a new plan starts
    with every needed field empty, and that is not an error.
    """
    old_message, old_invalid = _MARKS.get(widget, ("", False))
    if old_message == message:
        return
    invalid = bool(message) and not is_needed(message)
    _MARKS[widget] = (message, invalid)
    # The state is kept beside the widget (never written onto it), so an unchanged state
    # repaints nothing.
    if old_invalid != invalid:
        set_invalid_frame(widget, invalid)
    widget.setToolTip(message)
    widget.setAccessibleDescription(message)


_MAX_MIN_CHARS = 14


def line_edit(accessible_name: str, placeholder: str = "", width_chars: int = 0) -> QLineEdit:
    """Return a line edit with its accessible name and placeholder set."""
    edit = QLineEdit()
    edit.setAccessibleName(accessible_name)
    edit.setPlaceholderText(placeholder)
    edit.setClearButtonEnabled(False)
    if width_chars:
        # A floor, capped so that the form still fits a narrow window at 150% scale (longer
        # text scrolls inside the field).
        chars = min(width_chars, _MAX_MIN_CHARS)
        edit.setMinimumWidth(edit.fontMetrics().averageCharWidth() * chars + 16)
    return edit


def datetime_edit(accessible_name: str, placeholder: str, width_chars: int = 17) -> DateTimeEdit:
    """Return a date-time field (typed text, plus "now" and calendar shortcuts)."""
    edit = DateTimeEdit(accessible_name)
    edit.setPlaceholderText(placeholder)
    # Room for the text and the two buttons inside the field.
    chars = min(width_chars, _MAX_MIN_CHARS)
    edit.setMinimumWidth(edit.fontMetrics().averageCharWidth() * chars + 16 + 2 * 22)
    return edit


def _expands(widget: QWidget) -> bool:
    """True when a widget takes the width a row gives it (a line edit), not only its own."""
    return bool(widget.sizePolicy().expandingDirections() & Qt.Orientation.Horizontal)


@dataclass
class FieldEntry:
    """One field (or row of editors) with its message label and the editors by path."""

    path: str
    label: str
    message: InlineMessage
    editors: dict[str, QWidget] = field(default_factory=dict)


def _under(problem_path: str, prefix: str) -> bool:
    return problem_path == prefix or problem_path.startswith((prefix + ".", prefix + "["))


class Panel(QGroupBox):
    """Base of the input panels: registers fields and routes problems to their messages.

    Signals:
        edited: something in the panel was typed or chosen.
    """

    edited = Signal()

    def __init__(self, title: str, parent: QWidget | None = None) -> None:
        super().__init__(title, parent)
        self._entries: list[FieldEntry] = []
        self.form = QFormLayout()
        self.form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.ExpandingFieldsGrow)
        self.form.setRowWrapPolicy(QFormLayout.RowWrapPolicy.DontWrapRows)
        self.setLayout(self.form)

    # ----- building ------------------------------------------------------------------------

    def add_field(
        self,
        path: str,
        label_text: str,
        editors: dict[str, QWidget],
        *extra: QWidget,
        body: QWidget | None = None,
    ) -> FieldEntry:
        """Add a labelled row: the editors side by side (plus extra widgets), a message below.

        The first editor is the label's buddy; `editors` maps each editor's model path to it.
        `body`, when given, is placed instead of the row of editors (for groups of check boxes).
        """
        container = QWidget()
        # The whole field column, always: QFormLayout gives a field that does not expand its
        # own preferred width but reserves the height its messages need at the column's width,
        # so a message under a narrow editor (Sex) wrapped to more lines than it had room for
        # and was cut (1366x768, xcb). The editors keep their widths (stretch below).
        container.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Preferred)
        column = QVBoxLayout(container)
        column.setContentsMargins(0, 0, 0, 0)
        column.setSpacing(2)
        if body is not None:
            column.addWidget(body)
        else:
            row = QHBoxLayout()
            row.setContentsMargins(0, 0, 0, 0)
            widgets = (*editors.values(), *extra)
            for widget in widgets:
                row.addWidget(widget)
            if not any(_expands(w) for w in widgets):
                row.addStretch(1)
            column.addLayout(row)
        message = InlineMessage()
        column.addWidget(message)
        label = QLabel(label_text)
        label.setBuddy(next(iter(editors.values())))
        self.form.addRow(label, container)
        entry = FieldEntry(path, label_text.replace("&", ""), message, dict(editors))
        self._entries.append(entry)
        return entry

    # ----- the API every panel implements ---------------------------------------------------

    def focus_chain(self) -> list[QWidget]:
        """Return the editors in tab order."""
        raise NotImplementedError

    def collect(self, errors: dict[str, str]) -> Any:
        """Return this panel's part of the model as plain data; add entry problems to `errors`."""
        raise NotImplementedError

    def set_values(self, inputs: PlanInputs) -> None:
        """Show this panel's part of `inputs` (the form blocks the panel's signals)."""
        raise NotImplementedError

    def raw_state(self) -> dict[str, Any]:
        """Return what is typed, readable or not (for the autosaved draft)."""
        raise NotImplementedError

    def set_raw_state(self, state: dict[str, Any]) -> None:
        """Restore what was typed from a draft."""
        raise NotImplementedError

    # ----- public API ----------------------------------------------------------------------

    def field_labels(self) -> dict[str, str]:
        """Return the label of each registered field path."""
        return {e.path: e.label for e in self._entries}

    def show_problems(self, problems: dict[str, str]) -> dict[str, str]:
        """Show each problem at its field; return the problems that belong to no field here."""
        left = dict(problems)
        for entry in self._entries:
            mine = {p: m for p, m in problems.items() if _under(p, entry.path)}
            for p in mine:
                left.pop(p, None)
            entry.message.set_message("\n".join(dict.fromkeys(mine.values())))
            for path, editor in entry.editors.items():
                hit = [m for p, m in mine.items() if _under(p, path)]
                if not hit and path == entry.path:
                    hit = list(mine.values())
                mark_invalid(editor, "\n".join(hit))
        return left

    def shown_messages(self) -> dict[str, str]:
        """Return the message shown under each field that shows one ({field path: text})."""
        return {e.path: e.message.text() for e in self._entries if not e.message.isHidden()}

    def message_label(self, path: str) -> InlineMessage | None:
        """Return the label that shows the messages of the field registered at `path`."""
        return next((e.message for e in self._entries if e.path == path), None)

    def owns(self, path: str) -> bool:
        """True if a field of this panel shows problems for `path`."""
        return any(_under(path, e.path) for e in self._entries)

    def focus_widget_for(self, path: str) -> QWidget | None:
        """Return the editor that best matches a problem path (for 'go to the field')."""
        best: QWidget | None = None
        best_len = -1
        for entry in self._entries:
            for p, editor in entry.editors.items():
                if (_under(path, p) or _under(p, path)) and len(p) > best_len:
                    best, best_len = editor, len(p)
            if best is None and _under(path, entry.path):
                best = next(iter(entry.editors.values()))
        return best
