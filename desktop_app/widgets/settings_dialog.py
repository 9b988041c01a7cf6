"""The settings dialog: unit system, site protocol (validated before accepted), ward, prescriber."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from pydantic import ValidationError
from PySide6.QtCore import Qt, Slot
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from desktop_app.logic.errors import ProtocolError
from desktop_app.logic.protocol import LoadedProtocol
from desktop_app.storage.protocols import load_protocol
from desktop_app.storage.settings import Preferences
from desktop_app.widgets import alerts, ui_text
from desktop_app.widgets.fields import InlineMessage, line_edit, mark_invalid

_UNIT_SYSTEMS = (("si", "SI units (mmol/L, g/L, pmol/L)"), ("conventional", "Conventional units"))


@dataclass(frozen=True)
class SettingsResult:
    """What the dialog accepted: the preferences and the protocol they name, already loaded."""

    preferences: Preferences
    protocol: LoadedProtocol


def protocol_summary(lp: LoadedProtocol) -> str:
    """The protocol's approval in words: state, signer, key fingerprint and hashes."""
    p = lp.protocol
    state = lp.approval_state
    lines = [
        f"{p.protocol_id} {p.version} ({lp.source_name})",
        (
            ui_text.SETTINGS_APPROVED
            if state.approved
            else ui_text.SETTINGS_NOT_APPROVED.format(reason=state.reason)
        ),
    ]
    if state.state != "draft":
        lines.append(f"Signer: {state.signer_text}")
        lines.append(f"Key fingerprint: {state.key_fingerprint or '(none)'}")
    lines.append(f"Content SHA-256: {state.content_sha256}")
    lines.append(f"File SHA-256: {lp.sha256}")
    return "\n".join(lines)


class SettingsDialog(QDialog):
    """Edits the preferences; OK is refused while the protocol file is not valid."""

    def __init__(
        self,
        prefs: Preferences,
        parent: QWidget | None = None,
        in_use: LoadedProtocol | None = None,
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle("Settings")
        self._prefs = prefs
        self.result_value: SettingsResult | None = None
        self._build(prefs)
        if in_use is not None:
            self.in_use.setText(protocol_summary(in_use))

    def _build(self, prefs: Preferences) -> None:
        form = QFormLayout()
        self.units = QComboBox()
        self.units.setAccessibleName("Default unit system")
        for value, text in _UNIT_SYSTEMS:
            self.units.addItem(text, value)
        self.units.setCurrentIndex(max(0, self.units.findData(prefs.unit_system)))
        label = QLabel("Default &units")
        label.setBuddy(self.units)
        form.addRow(label, self.units)

        self.protocol = line_edit("Site protocol file", "shipped default protocol", 36)
        self.protocol.setText(prefs.protocol_path)
        browse = QPushButton("&Browse...")
        browse.setAccessibleName("Browse for a site protocol file")
        browse.clicked.connect(self._on_browse_clicked)
        row = QHBoxLayout()
        row.addWidget(self.protocol, 1)
        row.addWidget(browse)
        self.protocol_message = InlineMessage()
        self.protocol_status = QLabel()
        self.protocol_status.setWordWrap(True)
        self.protocol_status.hide()
        box = QVBoxLayout()
        box.addLayout(row)
        box.addWidget(self.protocol_status)
        box.addWidget(self.protocol_message)
        label = QLabel("Site &protocol")
        label.setBuddy(self.protocol)
        form.addRow(label, box)
        self.in_use = QLabel("(not known)")
        self.in_use.setWordWrap(True)
        self.in_use.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.in_use.setAccessibleName("Protocol in use and its approval")
        form.addRow(QLabel("Protocol in use"), self.in_use)

        self.ward = line_edit("Default ward", width_chars=24)
        self.ward.setText(prefs.default_ward)
        label = QLabel("Default &ward")
        label.setBuddy(self.ward)
        form.addRow(label, self.ward)
        self.prescriber = line_edit("Prescriber name", width_chars=24)
        self.prescriber.setText(prefs.prescriber_name)
        label = QLabel("P&rescriber name")
        label.setBuddy(self.prescriber)
        form.addRow(label, self.prescriber)

        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        self.buttons.accepted.connect(self._on_ok)
        self.buttons.rejected.connect(self.reject)
        column = QVBoxLayout(self)
        column.addLayout(form)
        column.addWidget(self.buttons)
        for first, second in (
            (self.units, self.protocol),
            (self.protocol, browse),
            (browse, self.ward),
            (self.ward, self.prescriber),
        ):
            QWidget.setTabOrder(first, second)

    @classmethod
    def ask(
        cls,
        prefs: Preferences,
        parent: QWidget | None = None,
        in_use: LoadedProtocol | None = None,
    ) -> tuple[SettingsResult | None, bool]:
        """Show the dialog; return the accepted result and True, or (None, False)."""
        dialog = cls(prefs, parent, in_use)
        accepted = dialog.exec() == QDialog.DialogCode.Accepted
        return (dialog.result_value, True) if accepted else (None, False)

    # ----- validation ----------------------------------------------------------------------

    def validate(self) -> SettingsResult | None:
        """Check the fields and load the protocol; show problems inline; None if not valid."""
        path_text = self.protocol.text().strip()
        try:
            lp = load_protocol(Path(path_text) if path_text else None)
        except ProtocolError as exc:
            message = (
                "this protocol file cannot be used: "
                + "; ".join(p.message if p.path == "(file)" else str(p) for p in exc.problems[:5])
                + (f" (and {len(exc.problems) - 5} more)" if len(exc.problems) > 5 else "")
            )
            self.protocol_message.set_message(message)
            mark_invalid(self.protocol, message)
            self.protocol_status.clear()
            self.protocol_status.hide()
            return None
        self.protocol_message.set_message("")
        mark_invalid(self.protocol, "")
        self.protocol_status.show()
        self.protocol_status.setText(protocol_summary(lp))
        try:
            prefs = Preferences.model_validate(
                {
                    **self._prefs.model_dump(),
                    "unit_system": self.units.currentData(),
                    "protocol_path": path_text,
                    "default_ward": self.ward.text().strip(),
                    "prescriber_name": self.prescriber.text().strip(),
                }
            )
        except ValidationError:
            alerts.error(self, "Settings", "The ward or prescriber name is too long.")
            return None
        return SettingsResult(prefs, lp)

    # ----- slots ---------------------------------------------------------------------------

    @Slot()
    def _on_browse_clicked(self) -> None:
        current = self.protocol.text().strip()
        path = alerts.choose_protocol_path(self, str(Path(current).parent) if current else "")
        if path is not None:
            self.protocol.setText(str(path))
            self.validate()

    @Slot()
    def _on_ok(self) -> None:
        result = self.validate()
        if result is not None:
            self.result_value = result
            self.accept()
