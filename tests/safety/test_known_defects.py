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
    raises=RecursionError,
    reason=(
        "DEFECT-8 autosave.py / settings.py: a deeply nested JSON draft or preferences file "
        "raises RecursionError out of Autosave.load() and load_preferences() (only "
        "OSError/ValueError/... are caught), so the program cannot start until the file is "
        "deleted by hand"
    ),
)
@pytest.mark.parametrize("which", ["autosave-draft", "preferences"])
def test_deeply_nested_draft_or_preferences_do_not_stop_the_program(
    which: str, tmp_path: Any
) -> None:
    from desktop_app.settings import load_preferences
    from desktop_app.storage.autosave import DRAFT_FILE, Autosave

    nested = "[" * 100_000 + "]" * 100_000
    if which == "autosave-draft":
        (tmp_path / DRAFT_FILE).write_text(nested)
        assert Autosave(tmp_path).load() is None
    else:
        (tmp_path / "preferences.json").write_text(nested)
        _, message = load_preferences(tmp_path / "preferences.json")
        assert message is not None


@pytest.mark.xfail(
    strict=True,
    raises=AssertionError,
    reason=(
        "DEFECT-10 order sheet: a stale result quoted in an order ('Latest phosphate (1.00 "
        "mmol/L) is 28 hours old: take a new sample') fails the sheet's own FMT-01 lint, so `b12k"
        " pdf`, batch and the window's Export refuse to print the sheet exactly when a new sample"
        " is due"
    ),
)
def test_sheet_with_a_stale_follow_up_result_passes_the_lint() -> None:
    from desktop_app.report import lint_order_sheet, render_order_sheet

    followup = [
        {
            "analyte": "phosphate",
            "value": 1.0,
            "unit": "mmol/L",
            "sampled_at": (FIRST + timedelta(hours=20)).isoformat(),
        }
    ]
    plan = evaluate(proto(), inputs(followups=followup), now=FIRST + timedelta(hours=50))
    violations = lint_order_sheet(plan, render_order_sheet(plan))
    assert violations == [], "\n".join(map(str, violations))


@pytest.mark.xfail(
    strict=True,
    raises=AssertionError,
    reason=(
        "DEFECT-11 wrong patient: the plan file accepts any Unicode in the patient's name, but "
        "the sheet's font (DejaVu Sans) has no CJK glyphs and control characters print as boxes, "
        "so 'Li \u674e\u5c0f\u9f8d' prints as 'Li \u25a1\u25a1\u25a1' and cannot be told from "
        "another 'Li ...'; fix: refuse such names at entry, or embed a font that covers them and "
        "refuse to print otherwise"
    ),
)
@pytest.mark.parametrize(
    "name",
    ["Li \u674e\u5c0f\u9f8d", "Tab\tSeparated", "Line\nBreak"],
    ids=["cjk", "tab", "newline"],
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
    raises=AssertionError,
    reason=(
        "DEFECT-14 VER-05: an approved protocol whose review_due date has passed is used as if "
        "current: nothing reads approval.review_due, so no output is marked NOT FOR CLINICAL USE "
        "and no warning is given"
    ),
)
def test_an_expired_protocol_is_refused_or_marked() -> None:
    import json as _json

    from desktop_app.logic.errors import B12KError
    from desktop_app.logic.protocol import load_protocol_bytes

    raw = _json.loads(UK.read_text(encoding="utf-8"))
    raw["approval"] = {
        "status": "approved",
        "approved_by": "Drugs and Therapeutics Committee (TEST)",
        "approval_date": "2024-01-01",
        "review_due": "2025-01-01",
    }
    try:
        lp = load_protocol_bytes(_json.dumps(raw).encode(), "expired")
        plan = evaluate(lp, inputs(), now=NOW)
    except B12KError:
        return  # refused: acceptable
    flagged = [w for w in plan.warnings if w.level == "danger" and "review" in w.text.lower()]
    assert plan.protocol.not_for_clinical_use or flagged
