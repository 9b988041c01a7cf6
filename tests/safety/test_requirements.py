"""Safety requirements that no other test proves directly (ids from safety-requirements.md).

Most requirements are proved by the golden cases, the property tests and the campaigns; the
hazard log's traceability table names those tests. The ones here close the remaining gaps.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from pydantic import ValidationError

from desktop_app.logic.engine import evaluate
from desktop_app.logic.errors import InputError
from desktop_app.logic.models import Override
from desktop_app.logic.protocol import Analyte, load_protocol_bytes
from desktop_app.storage.plan_files import parse_plan_bytes
from tests.logic.helpers import NOW, UK, US, base_case, inputs, lab, proto


@pytest.mark.parametrize("path", [UK, US], ids=["uk-default", "us-labels"])
def test_fmt05_magnesium_meq_factor_is_two_and_agrees_with_the_unit_table(path: Path) -> None:
    """FMT-05: Mg is divalent (1 mmol = 2 mEq); the lab-unit table agrees (1 mEq/L = 0.5 mmol/L)."""
    p = proto(path).protocol
    assert p.magnesium_mEq_per_mmol.value == 2
    assert p.analytes[Analyte.magnesium].factor("mEq/L") * p.magnesium_mEq_per_mmol.value == 1
    assert p.analytes[Analyte.potassium].factor("mEq/L") == 1  # K is monovalent: mmol = mEq


@pytest.mark.parametrize("path", [UK, US], ids=["uk-default", "us-labels"])
def test_fmt05_magnesium_orders_state_both_units(path: Path) -> None:
    """FMT-05: every magnesium amount on a plan shows its valence-correct mEq beside the mmol."""
    lp = proto(path)
    plan = evaluate(
        lp,
        inputs(
            labs={"magnesium": lab(0.45, "mmol/L")},
            regimen={"preset_id": lp.protocol.default_regimen},
        ),
        now=NOW,
    )
    texts = [o.text for o in plan.orders_now if o.electrolyte == "magnesium"]
    texts += [r.order.text for r in plan.mg_bands if r.order is not None]
    assert texts
    for text in texts:
        for amount in re.findall(r"(\d[\d,.]*) mmol(?!/)", text):
            meq = float(amount.replace(",", "")) * 2
            assert f"{meq:g} mEq" in text.replace(",", ""), text


def test_ver04_a_prescriber_override_needs_a_reason_and_a_name() -> None:
    """VER-04: an override without a free-text reason (or without the prescriber) is refused."""
    with pytest.raises(ValidationError):
        Override(target="potassium", action="decline", reason="", prescriber="Dr Rivera")
    with pytest.raises(ValidationError):
        Override(target="potassium", action="decline", reason="Not needed", prescriber="")
    case = base_case(overrides=[{"target": "potassium", "action": "decline", "prescriber": "Dr R"}])
    with pytest.raises(InputError) as info:
        parse_plan_bytes(json.dumps(case).encode())
    assert "overrides.0.reason" in str(info.value)


def _approved(raw: dict[str, Any]) -> None:
    raw["approval"] = {
        "status": "approved",
        "approved_by": "Drugs and Therapeutics Committee (TEST)",
        "approval_date": "2026-10-01",
        "review_due": "2027-10-01",
    }


def test_ver05_a_tampered_protocol_prints_a_different_hash() -> None:
    """VER-05: one changed number in an approved protocol changes the SHA-256 on every output."""
    raw = json.loads(UK.read_text(encoding="utf-8"))
    _approved(raw)
    approved = json.dumps(raw, indent=1).encode()
    lp = load_protocol_bytes(approved, "approved")
    tampered = approved.replace(b'"value": 5.0', b'"value": 5.5', 1)
    assert tampered != approved
    lp_t = load_protocol_bytes(tampered, "tampered")
    assert lp_t.sha256 == hashlib.sha256(tampered).hexdigest() != lp.sha256
    plan = evaluate(lp_t, inputs(), now=NOW)
    assert plan.protocol.sha256 == lp_t.sha256
    assert not plan.protocol.not_for_clinical_use  # the status is a declaration: the hash shows it


def test_ver05_a_draft_protocol_marks_every_plan_not_for_clinical_use() -> None:
    """VER-05: the shipped drafts are never used as if approved."""
    for path in (UK, US):
        lp = proto(path)
        plan = evaluate(lp, inputs(regimen={"preset_id": lp.protocol.default_regimen}), now=NOW)
        assert lp.protocol.approval.status == "draft"
        assert plan.protocol.not_for_clinical_use


# ----- in the window ------------------------------------------------------------------------------


@pytest.fixture
def window(qtbot: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    """The real main window, offscreen, with the demo patient; info boxes are recorded."""
    from PySide6.QtCore import QSettings

    from desktop_app.demo import demo_inputs
    from desktop_app.settings import Preferences
    from desktop_app.storage.autosave import Autosave
    from desktop_app.storage.protocols import load_protocol
    from desktop_app.widgets import alerts
    from desktop_app.widgets.main_window import MainWindow

    shown: list[str] = []
    monkeypatch.setattr(alerts, "info", lambda _p, title, text: shown.append(f"{title}\n{text}"))
    (tmp_path / "data").mkdir()
    win = MainWindow(
        load_protocol(),
        Preferences(),
        now=lambda: NOW,
        autosave=Autosave(tmp_path / "data"),
        window_state=QSettings(str(tmp_path / "w.ini"), QSettings.Format.IniFormat),
        save_prefs=lambda _p: None,
    )
    qtbot.addWidget(win)
    win._load_inputs(demo_inputs(), None)
    win.shown = shown
    yield win
    monkeypatch.setattr(alerts, "ask_save_changes", lambda *_a: "discard")
    win.close()
    assert not win.isVisible()


def test_prc03_the_window_shows_the_intended_use(window: Any) -> None:
    """PRC-03: the intended use is on the plan view and in About."""
    intended = window.protocol.protocol.intended_use
    assert intended in window.plan_view.footer.text()
    window.about()
    assert intended in window.shown[-1]


def test_fmt09_every_input_has_an_accessible_name(window: Any) -> None:
    """FMT-09: a screen reader can name every field, box and button of the form."""
    from PySide6.QtWidgets import QCheckBox, QComboBox, QLineEdit, QPushButton

    unnamed = [
        type(w).__name__
        for kind in (QLineEdit, QComboBox, QCheckBox, QPushButton)
        for w in window.form.findChildren(kind)
        if not (w.accessibleName() or (isinstance(w, QCheckBox | QPushButton) and w.text()))
    ]
    assert unnamed == []


def _luminance(hex_colour: str) -> float:
    channels = [int(hex_colour[i : i + 2], 16) / 255 for i in (1, 3, 5)]
    linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def contrast(foreground: str, background: str) -> float:
    """WCAG 2 contrast ratio of two #rrggbb colours."""
    light, dark = sorted((_luminance(foreground), _luminance(background)), reverse=True)
    return (light + 0.05) / (dark + 0.05)


def test_fmt09_coloured_text_has_high_contrast() -> None:
    """FMT-09: every text colour the style sheet sets reads at 4.5:1 or better on its background.

    Text without its own colour is the palette's (black on these backgrounds is checked too);
    a coloured label without its own background sits on white.
    """
    from desktop_app.widgets.style import STYLE_SHEET

    rules = re.findall(r"([^{}]+)\{([^}]*)\}", STYLE_SHEET)
    backgrounds = []
    checked = 0
    for selector, body in rules:
        fg = re.search(r"(?<!-)color:\s*(#[0-9a-fA-F]{6})", body)
        bg = re.search(r"background:\s*(#[0-9a-fA-F]{6})", body)
        if bg:
            backgrounds.append(bg.group(1))
        if fg:
            ratio = contrast(fg.group(1), bg.group(1) if bg else "#ffffff")
            assert ratio >= 4.5, f"{selector.strip()}: {ratio:.2f}:1"
            checked += 1
    banner_text = re.search(r"riskBannerText \{[^}]*color:\s*(#[0-9a-fA-F]{6})", STYLE_SHEET)
    assert banner_text is not None
    for bg in backgrounds:
        assert contrast("#000000", bg) >= 4.5
        assert contrast(banner_text.group(1), bg) >= 4.5, bg
    assert checked >= 2 and backgrounds
    assert contrast("#000000", "#ffffff") == pytest.approx(21)
