"""Signed approval on screen (issue 14): the window and the settings dialog say why, in words."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

from desktop_app.demo import demo_inputs
from desktop_app.logic.protocol import LoadedProtocol
from desktop_app.storage.keys import fingerprint
from desktop_app.storage.settings import Preferences
from desktop_app.widgets.main_window import MainWindow
from desktop_app.widgets.settings_dialog import SettingsDialog
from tests.signing import approved, other_key, signed_bytes, signing_key

MakeWindow = Callable[..., MainWindow]
UK = Path(__file__).resolve().parents[2] / "resources" / "protocols" / "uk-default.json"
SIGNER = "Drugs and Therapeutics Committee (TEST) (Chair (TEST)) on 01-Oct-2026"


def _signed() -> bytes:
    return signed_bytes(json.loads(UK.read_text(encoding="utf-8")))


def _window(make_window: MakeWindow, lp: LoadedProtocol) -> MainWindow:
    window = make_window(protocol=lp)
    window._load_inputs(demo_inputs(), None)
    window.flush()
    return window


def test_an_approved_protocol_shows_no_banner_and_its_signer_and_fingerprint(
    make_window: MakeWindow,
) -> None:
    lp = approved(_signed())
    window = _window(make_window, lp)
    assert not window.plan_view.not_for_clinical_use.isVisibleTo(window)
    assert "approved 2026-10-01" in window.protocol_label.text()
    footer = window.plan_view.footer.text()
    assert f"approved by {SIGNER}" in footer
    assert fingerprint(signing_key().public_key()) in footer
    assert lp.approval_state.content_sha256 in footer


def test_one_byte_edited_after_approval_is_void_on_screen(make_window: MakeWindow) -> None:
    edited = _signed().replace(b'"value": 5.0,', b'"value": 4.9,', 1)
    window = _window(make_window, approved(edited))
    banner = window.plan_view.not_for_clinical_use
    assert banner.isVisibleTo(window)
    assert banner.text() == (
        f"NOT FOR CLINICAL USE - APPROVAL VOID: content changed after approval by {SIGNER}."
    )
    assert "APPROVAL VOID: NOT FOR CLINICAL USE" in window.protocol_label.text()


def test_an_untrusted_signature_is_not_approved_on_screen(make_window: MakeWindow) -> None:
    data = signed_bytes(json.loads(UK.read_text(encoding="utf-8")), key=other_key())
    window = _window(make_window, approved(data))
    banner = window.plan_view.not_for_clinical_use
    assert banner.isVisibleTo(window)
    assert "which this workstation does not trust" in banner.text()


def test_the_settings_dialog_shows_the_protocol_in_use_and_its_approval(qtbot: Any) -> None:
    lp = approved(_signed(), "site.json")
    dialog = SettingsDialog(Preferences(), None, lp)
    qtbot.addWidget(dialog)
    text = dialog.in_use.text()
    assert text.splitlines()[0] == "uk-default 0.1.0 (site.json)"
    assert "Approval: APPROVED (signature verified with a key this workstation trusts)" in text
    assert f"Signer: {SIGNER}" in text
    assert f"Key fingerprint: {fingerprint(signing_key().public_key())}" in text
    assert f"Content SHA-256: {lp.approval_state.content_sha256}" in text
    assert f"File SHA-256: {lp.sha256}" in text


def test_the_settings_dialog_says_why_a_chosen_protocol_is_void(qtbot: Any, tmp_path: Path) -> None:
    path = tmp_path / "site.json"
    path.write_bytes(_signed().replace(b'"value": 5.0,', b'"value": 4.9,', 1))
    dialog = SettingsDialog(Preferences(protocol_path=str(path)))
    qtbot.addWidget(dialog)
    result = dialog.validate()
    assert result is not None and result.protocol.not_for_clinical_use
    text = dialog.protocol_status.text()
    assert "Approval: NOT FOR CLINICAL USE - APPROVAL VOID: content changed after approval" in text
    assert "Key fingerprint: " in text
