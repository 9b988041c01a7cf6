"""Defects the safety campaigns found in code this helper does not own, pinned as strict xfails.

Each test states the safe behaviour. It fails today (so it is marked xfail, strict), and it will
pass once the defect is fixed; strict xfail then turns the pass into a failure, which tells the
fixer to remove the marker (and the matching entry in tests/safety/invariants.py KNOWN_DEFECTS,
so the campaigns enforce the invariant again). The hazard log cites each one as an open anomaly.
Defects already fixed are kept as regression tests in test_campaign_regressions.py.
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from desktop_app.logic.engine import evaluate
from tests.logic.helpers import NOW, UK, inputs, lab


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


def _protocol(mutate: Any) -> bytes:
    raw = json.loads(UK.read_text(encoding="utf-8"))
    mutate(raw)
    return json.dumps(raw).encode()


def _drop_phosphate_amount(raw: dict[str, Any]) -> None:
    del raw["phosphate"]["products"][0]["phosphate_per_unit"]


def _huge_potassium_per_tablet(raw: dict[str, Any]) -> None:
    raw["phosphate"]["products"][0]["potassium_per_unit"]["value"] = 1e308


def _zero_conversion_factor(raw: dict[str, Any]) -> None:
    raw["analytes"]["magnesium"]["conversions"][0]["to_canonical"]["value"] = 0.0


@pytest.mark.xfail(
    strict=True,
    raises=(AssertionError, OverflowError, ZeroDivisionError),
    reason=(
        "DEFECT-17 protocol validation: a protocol the engine cannot use is accepted, and the "
        "engine then fails with an exception instead of a clear message: a phosphate product "
        "without its phosphate amount (AssertionError in orders.py), a potassium content of "
        "1e308 per tablet (OverflowError formatting the daily total), a unit conversion factor "
        "of 0 (ZeroDivisionError converting for display); fix: validate that products carry the "
        "amount of their own electrolyte, that amounts and factors are positive and plausible"
    ),
)
@pytest.mark.parametrize(
    ("mutate", "labs"),
    [
        (
            _drop_phosphate_amount,
            {"potassium": lab(3.2, "mmol/L"), "phosphate": lab(0.4, "mmol/L")},
        ),
        (
            _huge_potassium_per_tablet,
            {"potassium": lab(3.2, "mmol/L"), "phosphate": lab(0.4, "mmol/L")},
        ),
        (_zero_conversion_factor, {"magnesium": lab(1.2, "mg/dL")}),
    ],
    ids=["product-without-its-amount", "1e308-potassium-per-tablet", "zero-conversion-factor"],
)
def test_a_protocol_the_engine_cannot_use_is_refused_when_loaded(
    mutate: Any, labs: dict[str, Any]
) -> None:
    from desktop_app.logic.errors import InputError, ProtocolError
    from desktop_app.logic.protocol import load_protocol_bytes

    try:
        lp = load_protocol_bytes(_protocol(mutate), "damaged")
    except ProtocolError:
        return
    try:
        evaluate(lp, inputs(labs=labs), now=NOW)
    except InputError:
        return
