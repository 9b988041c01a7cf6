"""The settings dialog: unit system, site protocol (validated before accepted), ward, prescriber,
and where the audit register is (a local file, or a shared PostgreSQL register without password)."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from pydantic import ValidationError
from PySide6.QtCore import Qt, Slot
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from desktop_app.audit.backend import default_target, is_server_target, names_password, redacted
from desktop_app.audit.register import AUDIT_DB_ENV
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


def register_in_use() -> str:
    """Which audit register sheets are recorded in now, and what chose it (no password shown)."""
    where = default_target()
    kind = "shared PostgreSQL register" if is_server_target(where) else "local file"
    text = f"In use: {kind} {redacted(where)}"
    if os.environ.get(AUDIT_DB_ENV):
        text += f" (set by ${AUDIT_DB_ENV}, which overrides this setting)"
    return text


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

        register = self._build_register(prefs)

        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        self.buttons.accepted.connect(self._on_ok)
        self.buttons.rejected.connect(self.reject)
        column = QVBoxLayout(self)
        # Wrapped help and messages grow the dialog instead of overlapping the fields below.
        column.setSizeConstraint(QVBoxLayout.SizeConstraint.SetMinimumSize)
        column.addLayout(form)
        column.addWidget(register)
        column.addWidget(self.buttons)
        for first, second in (
            (self.units, self.protocol),
            (self.protocol, browse),
            (browse, self.ward),
            (self.ward, self.prescriber),
            (self.prescriber, self.audit_db),
            (self.audit_db, self.local_register),
        ):
            QWidget.setTabOrder(first, second)

    def _build_register(self, prefs: Preferences) -> QGroupBox:
        """The audit register: in use, the setting (never showing a password), and help."""
        self._audit_shown = redacted(prefs.audit_db)
        self.audit_db = line_edit(
            "Audit register setting", "service=NAME or host=... dbname=...", 36
        )
        self.audit_db.setText(self._audit_shown)
        self.local_register = QPushButton("Use the &local file")
        self.local_register.setAccessibleName("Use the local audit register file")
        self.local_register.clicked.connect(self.audit_db.clear)
        row = QHBoxLayout()
        row.addWidget(self.audit_db, 1)
        row.addWidget(self.local_register)
        self.register_in_use = QLabel(register_in_use())
        self.register_in_use.setWordWrap(True)
        self.register_in_use.setAccessibleName("Audit register in use")
        self.register_in_use.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        help_text = QLabel(ui_text.SETTINGS_REGISTER_HELP)  # its own line breaks: no wrapping
        self.audit_message = InlineMessage()
        group = QGroupBox("Audit register (where each sheet issued is recorded)")
        box = QVBoxLayout(group)
        box.addWidget(self.register_in_use)
        label = QLabel("Register se&tting (empty: the local file)")
        label.setBuddy(self.audit_db)
        box.addWidget(label)
        box.addLayout(row)
        box.addWidget(help_text)
        box.addWidget(self.audit_message)
        return group

    def _audit_setting(self) -> str | None:
        """The register setting typed (the stored one when the redacted text is untouched);
        None, with the reason shown, when it holds a password."""
        text = self.audit_db.text().strip()
        if text == self._audit_shown.strip() and text:
            text = self._prefs.audit_db.strip()
        if names_password(text):
            self.audit_message.set_message(ui_text.SETTINGS_REGISTER_PASSWORD)
            mark_invalid(self.audit_db, ui_text.SETTINGS_REGISTER_PASSWORD)
            self.adjustSize()  # the message's lines below the field: the dialog grows to show them
            return None
        self.audit_message.set_message("")
        mark_invalid(self.audit_db, "")
        return text

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
        audit_db = self._audit_setting()
        if audit_db is None:
            return None
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
                    "audit_db": audit_db,
                }
            )
        except ValidationError:
            alerts.error(
                self, "Settings", "The ward, prescriber name or register setting is too long."
            )
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
