"""Defects the safety campaigns found in code this helper does not own, pinned as strict xfails.

Each test states the safe behaviour. It fails today (so it is marked xfail, strict), and it will
pass once the defect is fixed; strict xfail then turns the pass into a failure, which tells the
fixer to remove the marker (and the matching entry in tests/safety/invariants.py KNOWN_DEFECTS,
so the campaigns enforce the invariant again). The hazard log cites each one as an open anomaly.
Defects already fixed are kept as regression tests in test_campaign_regressions.py.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from desktop_app.logic.engine import evaluate
from tests.logic.helpers import FIRST, NOW, UK, US, inputs, lab, proto


@pytest.mark.xfail(
    strict=True,
    raises=AssertionError,
    reason=(
        "DEFECT-11 wrong patient: the plan file accepts any printable Unicode in the patient's "
        "name, but the sheet cannot print every script: DejaVu Sans has no CJK glyphs ('Li "
        "\u674e\u5c0f\u9f8d' prints as 'Li' and three boxes) and reportlab neither orders nor "
        "joins right-to-left text (an Arabic name prints unjoined and reversed), so such a name "
        "cannot be told from another; fix: refuse such names at entry, or embed fonts and shaping "
        "that cover them and refuse to print otherwise (control characters, the other half of "
        "DEFECT-11, are refused since 6a5c580)"
    ),
)
@pytest.mark.parametrize(
    "name", ["Li \u674e\u5c0f\u9f8d", "\u0634\u0631\u064a\u0641 Sharif"], ids=["cjk", "arabic"]
)
def test_every_accepted_patient_name_prints_legibly(name: str) -> None:
    from desktop_app.report import render_order_sheet
    from desktop_app.report.lint import extract_pages

    plan = evaluate(proto(), inputs(patient={"name": name}), now=NOW)
    first_page = extract_pages(render_order_sheet(plan))[0]
    assert "\x00" not in first_page
    assert "".join(name.split()) in "".join(first_page.split())


@pytest.mark.xfail(
    strict=True,
    raises=AssertionError,
    reason=(
        "DEFECT-12 order sheet lint: 'pg/mL', an accepted unit of B12 (the usual US unit), is not"
        " in the lint's unit list, so a B12 entered in pg/mL fails FMT-04 ('number has no unit') "
        "and the sheet cannot be printed or exported"
    ),
)
@pytest.mark.parametrize("protocol_path", [UK, US], ids=["uk-default", "us-labels"])
def test_sheet_with_b12_entered_in_pg_per_ml_passes_the_lint(protocol_path: Any) -> None:
    from desktop_app.report import lint_order_sheet, render_order_sheet

    lp = proto(protocol_path)
    plan = evaluate(
        lp,
        inputs(labs={"b12": lab(250, "pg/mL")}, regimen={"preset_id": lp.protocol.default_regimen}),
        now=NOW,
    )
    violations = lint_order_sheet(plan, render_order_sheet(plan))
    assert violations == [], "\n".join(map(str, violations))


@pytest.fixture
def window(qtbot: Any, tmp_path: Any, monkeypatch: pytest.MonkeyPatch) -> Any:
    """The real main window, offscreen; modal boxes record instead of blocking."""
    from PySide6.QtCore import QSettings

    from desktop_app.settings import Preferences
    from desktop_app.storage.autosave import Autosave
    from desktop_app.storage.protocols import load_protocol
    from desktop_app.widgets import alerts
    from desktop_app.widgets.main_window import MainWindow

    told: list[str] = []
    for name in ("error", "info"):
        monkeypatch.setattr(alerts, name, lambda _p, title, text: told.append(f"{title}: {text}"))
    monkeypatch.setattr(
        alerts, "ask_save_changes", lambda *_a: told.append("asked to save") or "cancel"
    )
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
    win.told = told
    return win


@pytest.mark.xfail(
    strict=True,
    raises=AttributeError,
    reason=(
        "DEFECT-9 recovery: an autosaved draft that is valid JSON but has fields of the wrong "
        "shape (a list where the labs panel expects an object; written by another version, or "
        "damaged) makes restore_draft raise AttributeError in set_raw_state; at start-up this "
        "happens after the user chose 'Recover', so the program exits, and asks again at the next"
        " start"
    ),
)
@pytest.mark.parametrize(
    "fields",
    [{"LabsPanel": {"rows": []}}, {"LabsPanel": []}, {"meta": [], "PatientPanel": {}}],
    ids=["rows-as-list", "panel-as-list", "meta-as-list"],
)
def test_a_damaged_draft_is_refused_with_a_message_not_a_crash(
    window: Any, fields: dict[str, Any]
) -> None:
    from desktop_app.storage.autosave import Draft

    window.restore_draft(Draft(fields=fields, file_path=None, saved_at=NOW))
    assert window.current_plan() is None


@pytest.mark.xfail(
    strict=True,
    raises=AssertionError,
    reason=(
        "DEFECT-13 file replaced while open: when another program replaced the plan file after "
        "the window opened it, Save overwrites the other program's version without telling the "
        "user (the write itself is atomic: nothing is mixed, but one version is silently lost)"
    ),
)
def test_saving_over_a_file_replaced_on_disk_tells_the_user(window: Any, tmp_path: Any) -> None:
    from desktop_app.storage.plan_files import read_plan_file, write_plan_file

    path = tmp_path / "plan.json"
    write_plan_file(path, inputs(plan_id="MINE"))
    assert window.open_path(path)
    write_plan_file(path, inputs(plan_id="THEIRS", prescriber="Dr Elsewhere"))  # another program
    window.told.clear()
    saved = window.save()
    assert window.told, (
        f"saved={saved}; the file now holds plan {read_plan_file(path).plan_id}, nobody was told"
    )


@pytest.mark.xfail(
    strict=True,
    raises=pytest.fail.Exception,
    reason=(
        "DEFECT-15 protocol files (rest of DEFECT-7): an integer literal too large for a float "
        "(1 followed by 400 zeros) becomes Infinity in a rule's alternative value and the file "
        "is accepted; the fix of DEFECT-7 refuses overflowing float literals (1e999) only"
    ),
)
def test_an_integer_too_large_for_a_float_is_refused() -> None:
    import json as _json

    from desktop_app.logic.errors import ProtocolError
    from desktop_app.logic.protocol import load_protocol_bytes

    doc = _json.loads(UK.read_bytes())
    doc["potassium"]["oral_max_per_day"]["alternatives"][0]["value"] = 123456789
    data = _json.dumps(doc).replace("123456789", "1" + "0" * 400).encode()
    with pytest.raises(ProtocolError):
        load_protocol_bytes(data)


@pytest.mark.xfail(
    strict=True,
    raises=AssertionError,
    reason=(
        "DEFECT-16 order sheet lint (US protocol): in RESULTS SINCE THE FIRST DOSE a magnesium "
        "row's band ('Low: 0.5 to below 0.7 mmol/L') followed by a potassium row is read by "
        "FMT-05 as potassium in mmol, so the sheet cannot be printed"
    ),
)
def test_us_sheet_with_magnesium_then_potassium_results_passes_the_lint() -> None:
    from desktop_app.report import lint_order_sheet, render_order_sheet

    lp = proto(US)
    followups = [
        {
            "analyte": "magnesium",
            "value": 0.6,
            "unit": "mmol/L",
            "sampled_at": (FIRST + timedelta(hours=6)).isoformat(),
        },
        {
            "analyte": "potassium",
            "value": 2.4,
            "unit": "mEq/L",
            "sampled_at": (FIRST + timedelta(hours=12)).isoformat(),
        },
    ]
    regimen = {"preset_id": "us-oral-2mg", "first_dose_at": FIRST.isoformat()}
    plan = evaluate(
        lp, inputs(followups=followups, regimen=regimen), now=FIRST + timedelta(hours=13)
    )
    violations = lint_order_sheet(plan, render_order_sheet(plan))
    assert violations == [], "\n".join(map(str, violations))
