"""The settings dialog's audit register field: shows the register in use without any password,
sets a service name or connection string or goes back to the local file, refuses a password,
and is saved atomically with the other preferences. Driven by keyboard."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication

from desktop_app.audit.backend import default_target, names_password, redacted
from desktop_app.audit.register import AUDIT_DB_ENV
from desktop_app.storage.settings import Preferences, load_preferences, save_preferences
from desktop_app.widgets.settings_dialog import SettingsDialog

SECRET = "s3cr3t-Pw"


def dialog_for(qtbot: Any, prefs: Preferences) -> SettingsDialog:
    dialog = SettingsDialog(prefs)
    qtbot.addWidget(dialog)
    dialog.show()
    with qtbot.waitActive(dialog):
        dialog.activateWindow()
    return dialog


def type_register(qtbot: Any, dialog: SettingsDialog, text: str) -> None:
    """Alt+T moves to the field (its label's mnemonic); select all, type, and press Enter (OK)."""
    qtbot.keyClick(
        QApplication.focusWidget() or dialog, Qt.Key.Key_T, Qt.KeyboardModifier.AltModifier
    )
    assert dialog.focusWidget() is dialog.audit_db
    qtbot.keyClick(dialog.audit_db, Qt.Key.Key_A, Qt.KeyboardModifier.ControlModifier)
    qtbot.keyClick(dialog.audit_db, Qt.Key.Key_Delete)
    if text:
        qtbot.keyClicks(dialog.audit_db, text)
    qtbot.keyClick(dialog.audit_db, Qt.Key.Key_Return)


@pytest.mark.parametrize(
    ("setting", "shown"),
    [
        (f"host=db1 dbname=b12k password={SECRET} user=ward", "password=*** user=ward"),
        (f"host=db1 password = '{SECRET} x' dbname=b12k", "password = *** dbname=b12k"),
        (f"postgresql://ward:{SECRET}@db1/b12k", "postgresql://ward:***@db1/b12k"),
        (f"postgresql://ward@db1/b12k?password={SECRET}&sslmode=require", "password=***&sslmode"),
    ],
)
def test_a_password_is_never_shown_and_is_recognised(setting: str, shown: str) -> None:
    assert names_password(setting)
    assert SECRET not in redacted(setting) and shown in redacted(setting)


def test_settings_without_a_password_are_shown_as_they_are() -> None:
    for setting in ("service=b12k", "host=db1 dbname=b12k user=ward", "postgresql://w@db1/b"):
        assert not names_password(setting) and redacted(setting) == setting
    assert not names_password("/srv/password=x/audit.sqlite3")  # a file, not a server


def test_shows_the_local_file_by_default_then_sets_a_service_saved_atomically(
    qtbot: Any, tmp_path: Path
) -> None:
    dialog = dialog_for(qtbot, Preferences())
    assert dialog.register_in_use.text() == f"In use: local file {default_target()}"
    assert dialog.audit_db.text() == ""
    type_register(qtbot, dialog, "service=b12k")
    assert dialog.result_value is not None
    prefs = dialog.result_value.preferences
    assert prefs.audit_db == "service=b12k"
    save_preferences(prefs)  # what the window does with an accepted result (storage/atomic.py)
    assert load_preferences()[0].audit_db == "service=b12k"
    assert default_target() == "service=b12k"
    again = dialog_for(qtbot, prefs)
    assert again.register_in_use.text() == "In use: shared PostgreSQL register service=b12k"
    assert again.audit_db.text() == "service=b12k"


def test_a_typed_password_is_refused_with_a_message(qtbot: Any) -> None:
    dialog = dialog_for(qtbot, Preferences())
    type_register(qtbot, dialog, f"host=db1 dbname=b12k password={SECRET}")
    assert dialog.result_value is None and dialog.isVisible()
    assert "holds a password" in dialog.audit_message.text()
    assert "pg_service.conf" in dialog.audit_message.text()
    type_register(qtbot, dialog, "host=db1 dbname=b12k")
    assert dialog.result_value is not None
    assert dialog.result_value.preferences.audit_db == "host=db1 dbname=b12k"
    assert dialog.audit_message.text() == ""


def test_a_stored_password_is_hidden_and_going_back_to_the_local_file_clears_it(
    qtbot: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    stored = f"host=db1 dbname=b12k password={SECRET}"
    monkeypatch.setenv(AUDIT_DB_ENV, stored)
    dialog = dialog_for(qtbot, Preferences(audit_db=stored))
    assert SECRET not in dialog.audit_db.text() and SECRET not in dialog.register_in_use.text()
    assert dialog.register_in_use.text().endswith(
        f"(set by ${AUDIT_DB_ENV}, which overrides this setting)"
    )
    qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_T, Qt.KeyboardModifier.AltModifier)
    assert dialog.focusWidget() is dialog.audit_db
    qtbot.keyClick(dialog.audit_db, Qt.Key.Key_Return)  # untouched: still the stored password
    assert dialog.result_value is None and "holds a password" in dialog.audit_message.text()
    qtbot.keyClick(dialog.audit_db, Qt.Key.Key_L, Qt.KeyboardModifier.AltModifier)  # local file
    qtbot.waitUntil(lambda: dialog.audit_db.text() == "")  # a mnemonic animates the click
    qtbot.keyClick(dialog.audit_db, Qt.Key.Key_Return)
    assert dialog.result_value is not None and dialog.result_value.preferences.audit_db == ""
