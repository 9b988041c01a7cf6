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
from desktop_app.logic.protocol import Analyte
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


def test_ver05_a_tampered_protocol_prints_a_different_hash_and_its_approval_is_void() -> None:
    """VER-05: one changed number in an approved protocol changes the SHA-256 on every output,
    and voids the signed approval (issue 14): the plan is marked NOT FOR CLINICAL USE."""
    from tests.signing import approved, signed_bytes

    data = signed_bytes(json.loads(UK.read_text(encoding="utf-8")))
    lp = approved(data, "approved")
    assert lp.approval_state.approved
    tampered = data.replace(b'"value": 5.0', b'"value": 4.5', 1)  # inside the hard limits
    assert tampered != data
    lp_t = approved(tampered, "tampered")
    assert lp_t.sha256 == hashlib.sha256(tampered).hexdigest() != lp.sha256
    plan = evaluate(lp_t, inputs(), now=NOW)
    assert plan.protocol.sha256 == lp_t.sha256
    assert plan.protocol.not_for_clinical_use
    assert plan.protocol.approval_note.startswith("APPROVAL VOID: content changed after approval")


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
    from desktop_app.storage.autosave import Autosave
    from desktop_app.storage.protocols import load_protocol
    from desktop_app.storage.settings import Preferences
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


#: Text drawn for a contrast measurement: full blocks, so its ink is solid (no anti-aliasing).
_BLOCKS = "\u2588" * 8


def _grab(top: Any) -> Any:
    from PySide6.QtWidgets import QApplication

    QApplication.processEvents()
    return top.grab().toImage()


def _canvas(widget: Any) -> Any:
    """Return the outermost ancestor `grab()` draws whole: the window, or a scroll area's page."""
    while (parent := widget.parentWidget()) is not None:
        if parent.objectName() == "qt_scrollarea_viewport":
            break
        widget = parent
    return widget


def _picture(label: Any) -> Any:
    """Return the pixels of `label`'s area as drawn with what is behind it."""
    from PySide6.QtCore import QPoint, QRect
    from PySide6.QtWidgets import QApplication

    QApplication.processEvents()  # pending layout requests first
    top = _canvas(label)
    return top.grab(QRect(label.mapTo(top, QPoint(0, 0)), label.size())).toImage()


def _setter(label: Any) -> Any:
    """Return a `show` for `_drawn` that puts the text in `label`."""

    def show(text: str) -> Any:
        label.setText(text)
        return label

    return show


def _drawn(show: Any) -> tuple[str, str]:
    """Return the text colour and the background colour of a label as Qt draws it.

    `show(text)` puts a text in the label and returns the label. Its area is grabbed with full
    blocks in it, then with a space: the background is the commonest colour of the area
    without text, the text colour the commonest colour of the pixels the blocks changed.
    """
    from collections import Counter

    from PySide6.QtGui import QColor

    inked = _picture(show(_BLOCKS))
    label = show(" ")
    blank = _picture(label)
    paper: Counter[str] = Counter()
    ink: Counter[str] = Counter()
    for x in range(min(inked.width(), blank.width())):
        for y in range(min(inked.height(), blank.height())):
            before, after = blank.pixel(x, y), inked.pixel(x, y)
            paper[QColor(before).name()] += 1
            if after != before:
                ink[QColor(after).name()] += 1
    assert ink, f"{label.objectName() or label}: no text drawn"
    return ink.most_common(1)[0][0], paper.most_common(1)[0][0]


def test_fmt09_coloured_text_has_high_contrast(window: Any, qtbot: Any) -> None:
    """FMT-09: text reads at 4.5:1 or better on what it is drawn on, as the window draws it.

    Measured in pixels, not read from the style module's text: every look (`set_look`) on a
    label on a window's background and on the window's own labels that carry one; the widgets
    with their own sheet (`set_sheet`) in every state the sheets select (each risk tier, each
    message level); the red frame of an invalid field (not text: 3:1) against the form. Text
    with no colour of its own is the palette's, so that is measured on the coloured backgrounds
    too. A look, sheet or state this test does not draw fails it: measure the new one here.
    """
    from typing import get_args

    from PySide6.QtCore import QPoint
    from PySide6.QtGui import QColor
    from PySide6.QtWidgets import QLabel, QVBoxLayout, QWidget

    from desktop_app.logic.protocol import Tier
    from desktop_app.widgets import style
    from desktop_app.widgets.fields import mark_invalid
    from desktop_app.widgets.messages import Level

    window.show()
    qtbot.waitExposed(window)
    found: list[str] = []
    low: list[str] = []

    def measure(what: str, show: Any) -> None:
        ink, paper = _drawn(show)
        ratio = contrast(ink, paper)
        found.append(f"{what}: {ink} on {paper}, {ratio:.2f}:1")
        if ratio < 4.5:
            low.append(found[-1])

    # Every look, on a plain window's background (where inline messages and hints are).
    host = QWidget()
    qtbot.addWidget(host)
    column = QVBoxLayout(host)
    looked = {}
    for name in style.LOOKS:
        looked[name] = QLabel(" ")
        style.set_look(looked[name], name)
        column.addWidget(looked[name])
    host.show()
    qtbot.waitExposed(host)
    for name, label in looked.items():
        measure(f"look {name}", _setter(label))

    # The window's own labels with a look (the first shown of each), where they are.
    real: dict[str, QLabel] = {}
    for label in window.findChildren(QLabel):
        if label.objectName() in style.LOOKS and label.isVisible():
            real.setdefault(label.objectName(), label)
    assert {"planStatus", "sectionTitle", "footer"} <= set(real)
    for name, label in real.items():
        measure(f"window's {name}", _setter(label))

    # The widgets with their own sheets, in every state the sheets select.
    view = window.plan_view
    sheets: set[str] = set()
    states: set[tuple[str, str]] = set()
    nfcu = view.not_for_clinical_use
    measure("notForClinicalUse", _setter(nfcu))
    sheets.add(nfcu.objectName())

    def problems(text: str) -> QLabel:
        view.problems.show()
        return _setter(view.problems)(text)

    measure("problems", problems)
    sheets.add(view.problems.objectName())
    for tier in Tier:
        view.banner.setProperty("tier", tier.value)  # as PlanView.show_plan does
        view.banner.style().unpolish(view.banner)
        view.banner.style().polish(view.banner)
        measure(f"risk banner, {tier.value}", _setter(view.banner_text))
        states.add(("tier", tier.value))
    sheets.add(view.banner.objectName())
    for level in get_args(Level):

        def message(text: str, level: str = level) -> QLabel:
            window.messages.show_message(level, text, replace_key="fmt09")  # replaces the last
            (label,) = (
                w
                for w in window.messages.findChildren(QLabel)
                if w.isVisible() and w.text().endswith(f"</b> {text}")
            )
            sheets.add(label.parentWidget().objectName())
            return label

        measure(f"message, {level}", message)
        states.add(("level", level))

    assert sheets == set(style.SHEETS), "a sheet is not measured"
    for sheet in style.SHEETS.values():
        assert set(re.findall(r'\[(\w+)="(\w+)"\]', sheet)) <= states, sheet

    # The red frame of an invalid field: drawn, and 3:1 against the form beside it.
    edit = window.form.labs.value_edit(Analyte.potassium)
    left, middle = edit.mapTo(window, QPoint(0, 0)), edit.height() // 2
    valid = QColor(_grab(window).pixel(left.x(), left.y() + middle)).name()
    mark_invalid(edit, "'x' is not a number")
    image = _grab(window)
    frame = QColor(image.pixel(left.x(), left.y() + middle)).name()
    beside = QColor(image.pixel(left.x() - 2, left.y() + middle)).name()
    assert frame != valid, "the invalid frame is not drawn"
    found.append(f"invalid frame: {frame} beside {beside}, {contrast(frame, beside):.2f}:1")
    if contrast(frame, beside) < 3:
        low.append(found[-1])

    assert low == [], "\n".join(low)
    assert contrast("#000000", "#ffffff") == pytest.approx(21)
