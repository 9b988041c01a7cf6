"""GUI monkey campaign: random edits, unit switches, opens, saves and exports in the real window.

A seeded monkey drives the real MainWindow offscreen: it types into the line edits (numbers,
slips, letters, dates, very long text), picks units and options, ticks boxes, adds and removes
follow-up results, opens good and damaged plan files, saves, exports the order sheet, switches
the unit system and the protocol, and recovers autosaved drafts. Modal boxes and file choosers are
replaced by recorders, so nothing blocks.

After every action:
- no unhandled exception (Qt slots are captured by pytest-qt, direct calls are caught here) and
  no crash dialog;
- no plan shown for invalid input: when the form cannot be read, or the engine refuses the
  inputs, no plan is shown; when it can, the plan shown is exactly the engine's plan for the
  inputs as they are now (never a stale one);
- a save that reports success wrote exactly what is typed; an export that reports success wrote
  a PDF.
"""

from __future__ import annotations

import json
import random
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import QSettings
from PySide6.QtWidgets import QApplication, QCheckBox, QComboBox, QLineEdit, QPushButton

from desktop_app.logic.engine import evaluate
from desktop_app.logic.errors import InputError
from desktop_app.storage.autosave import Autosave
from desktop_app.storage.plan_files import read_plan_file
from desktop_app.storage.protocols import load_protocol
from desktop_app.storage.settings import Preferences
from desktop_app.widgets import alerts
from desktop_app.widgets.main_window import MainWindow
from tests.logic.helpers import US
from tests.safety.campaign import Tally, rng, scaled, tally
from tests.safety.mutators import MUTATORS
from tests.safety.test_campaign_files import seed_plans

MONKEY = tally("GUI monkey")
NOW = datetime(2026, 11, 26, 12, 0, tzinfo=UTC)

#: What the monkey types, by kind of field: mostly sensible, often slips, sometimes junk.
NUMBERS = [
    "3.4",
    "2.4",
    "2.9",
    "3.0",
    "4.2",
    "5.0",
    "5.3",
    "0.7",
    "0.45",
    "1.7",
    "0.25",
    "6.4",
    "64",
    "95",
    "125",
    "58",
    "25",
    "14",
    "200",
    "88",
    "2.8",
    "1.2",
]
NUMBER_SLIPS = [
    "35",
    "0.35",
    "640",
    "3,4",
    "1,000",
    "1.000",
    "-1",
    "0",
    "1e3",
    "99999999999",
    "\u22123",
    "3.4.5",
    "abc",
    "NaN",
    "inf",
    "",
]
TIMES = [
    "2026-11-26 07:10",
    "26-Nov-2026 07:10",
    "2026-11-26 11:55",
    "2026-11-25 14:00",
    "2026-11-26T07:10+05:30",
    "2026-11-26 15:00",
    "2026-11-27 02:00",
    "2026-11-24 07:00",
]
TIME_SLIPS = [
    "2026-11-26",
    "2026-11-26 25:99",
    "03/04/2026 07:10",
    "tomorrow",
    "",
    "2030-01-01 07:00",
]
DATES = ["1948-03-14", "14-Mar-1948", "1960-05-01", "2010-06-01", "2008-11-27"]
DATE_SLIPS = ["03/04/1948", "1948-02-30", "2030-01-01", "", "1948"]
WORDS = [
    "RX0042137",
    "Margaret Ellison",
    "Zoë Ångström",
    "Dr A. Okafor",
    "Ward 7B",
    "x" * 250,
    "'; DROP TABLE plans; --",
    "\t",
    "",
    "Falling haemoglobin",
]


def text_for(name: str, r: random.Random, sensible: float = 0.8) -> str:
    """A text for the field with this accessible name: sensible with probability `sensible`."""
    lowered = name.lower()
    if "time" in lowered or "taken at" in lowered:
        good, slips = TIMES, TIME_SLIPS
    elif "date of birth" in lowered:
        good, slips = DATES, DATE_SLIPS
    elif "value" in lowered or "weight" in lowered:
        good, slips = NUMBERS, NUMBER_SLIPS
    else:
        good, slips = WORDS, WORDS
    return r.choice(good if r.random() < sensible else slips + WORDS[-4:])


@dataclass
class Recorder:
    """What the window asked the user, and the answers it gets."""

    r: random.Random
    tmp: Path
    pool: list[Path]
    errors: list[tuple[str, str]] = field(default_factory=list)
    infos: list[tuple[str, str]] = field(default_factory=list)
    crashes: list[str] = field(default_factory=list)
    n: int = 0

    def next_path(self, suffix: str) -> Path:
        self.n += 1
        return self.tmp / f"out-{self.n}{suffix}"


@pytest.fixture
def monkey(
    qtbot: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[tuple[MainWindow, Recorder]]:
    """The real main window, offscreen, with recorders instead of modal boxes; closed after."""
    files = tmp_path / "files"
    files.mkdir()
    pool: list[Path] = []
    r = rng("gui-files")
    seeds = seed_plans()
    for i, data in enumerate(seeds):
        pool.append(files / f"good-{i}.json")
        pool[-1].write_bytes(data)
    for i in range(25):
        base = r.choice(seeds)
        _, damaged = r.choice(MUTATORS)(r, base, json.loads(base))
        pool.append(files / f"damaged-{i}.json")
        pool[-1].write_bytes(damaged)
    pool += [files / "missing.json", files]
    rec = Recorder(rng("gui-answers"), tmp_path, pool)
    monkeypatch.setattr(alerts, "error", lambda _p, title, text: rec.errors.append((title, text)))
    monkeypatch.setattr(alerts, "info", lambda _p, title, text: rec.infos.append((title, text)))
    monkeypatch.setattr(
        alerts, "show_crash", lambda details, _log, _p=None: rec.crashes.append(details)
    )
    monkeypatch.setattr(
        alerts, "ask_save_changes", lambda *_a: rec.r.choice(["save", "discard", "cancel"])
    )
    monkeypatch.setattr(alerts, "ask_recover", lambda *_a: True)
    monkeypatch.setattr(alerts, "choose_open_path", lambda *_a: rec.r.choice([*rec.pool, None]))
    monkeypatch.setattr(
        alerts, "choose_save_path", lambda *_a: rec.r.choice([rec.next_path(".json"), None])
    )
    monkeypatch.setattr(alerts, "choose_pdf_path", lambda *_a: rec.next_path(".pdf"))
    (tmp_path / "data").mkdir()
    window = MainWindow(
        load_protocol(),
        Preferences(),
        now=lambda: NOW,
        autosave=Autosave(tmp_path / "data"),
        window_state=QSettings(str(tmp_path / "window.ini"), QSettings.Format.IniFormat),
        save_prefs=lambda _p: None,
    )
    qtbot.addWidget(window)
    window.show()
    yield window, rec
    monkeypatch.setattr(alerts, "ask_save_changes", lambda *_a: "discard")
    window.close()
    assert not window.isVisible(), "the monkey's window must not outlive its test"


# ----- the monkey's actions ------------------------------------------------------------------


def _widgets(window: MainWindow, kind: type) -> list[Any]:
    return [w for w in window.form.findChildren(kind) if w.isEnabled()]


def act_type(window: MainWindow, rec: Recorder, qtbot: Any) -> str:
    edit: QLineEdit = rec.r.choice(_widgets(window, QLineEdit))
    text = text_for(edit.accessibleName(), rec.r)
    # Key clicks for short printable ASCII (QTest cannot synthesise other keys); else paste-like.
    if len(text) <= 12 and text.isascii() and text.isprintable() and rec.r.random() < 0.5:
        edit.setFocus()
        edit.selectAll()
        if text:
            qtbot.keyClicks(edit, text)
        else:
            edit.del_()
            edit.textEdited.emit(edit.text())
    else:
        edit.setText(text)
        edit.textEdited.emit(text)
    return f"type {text[:20]!r} into {edit.accessibleName()!r}"


def _problems(window: MainWindow) -> list[str]:
    """Fields flagged now: entry problems, else what the engine refuses."""
    if window.form.current_inputs() is None:
        return sorted(window.form.entry_errors())
    try:
        evaluate(window.protocol, window.form.current_inputs(), now=NOW)  # type: ignore[arg-type]
    except InputError as exc:
        return sorted(p.path for p in exc.problems)
    return []


def act_fix(window: MainWindow, rec: Recorder, qtbot: Any) -> str:
    """What a user does next after a slip: go to a flagged field and retype or clear it."""
    problems = _problems(window)
    if not problems:
        return act_type(window, rec, qtbot)
    path = rec.r.choice(problems)
    window.form.focus_field(path)
    widget = QApplication.focusWidget()
    if isinstance(widget, QLineEdit):
        text = (
            "" if rec.r.random() < 0.3 else text_for(widget.accessibleName(), rec.r, sensible=1.0)
        )
        widget.setText(text)
        widget.textEdited.emit(text)
        return f"fix {path}: {text[:20]!r}"
    if isinstance(widget, QComboBox) and widget.count():
        widget.setCurrentIndex(rec.r.randrange(widget.count()))
        return f"fix {path}: choose {widget.currentText()!r}"
    return f"fix {path}: no editor"


def act_choose(window: MainWindow, rec: Recorder, qtbot: Any) -> str:
    combo: QComboBox = rec.r.choice(_widgets(window, QComboBox))
    if combo.count():
        combo.setCurrentIndex(rec.r.randrange(combo.count()))
    return f"choose {combo.currentText()!r} in {combo.accessibleName()!r}"


def act_tick(window: MainWindow, rec: Recorder, qtbot: Any) -> str:
    box: QCheckBox = rec.r.choice(_widgets(window, QCheckBox))
    box.click()
    return f"tick {box.text()!r}"


def act_button(window: MainWindow, rec: Recorder, qtbot: Any) -> str:
    button: QPushButton = rec.r.choice(_widgets(window, QPushButton))
    table = window.form.followups.table
    if table.rowCount():
        table.selectRow(rec.r.randrange(table.rowCount()))
    button.click()
    return f"click {button.text()!r}"


def act_open(window: MainWindow, rec: Recorder, qtbot: Any) -> str:
    opened = window.open_dialog()
    return f"open a file (opened: {opened})"


def act_save(window: MainWindow, rec: Recorder, qtbot: Any) -> str:
    path = rec.next_path(".json")
    saved = window.save_to(path)
    if saved:
        inputs = window.form.current_inputs()
        if read_plan_file(path) != inputs:
            MONKEY.lost(f"saved {path.name} does not hold what is typed")
    return f"save (saved: {saved})"


def act_export(window: MainWindow, rec: Recorder, qtbot: Any) -> str:
    before = rec.n
    exported = window.export_pdf()
    if exported:
        path = rec.tmp / f"out-{before + 1}.pdf"
        if not path.read_bytes().startswith(b"%PDF-"):
            MONKEY.lost(f"export said yes but {path.name} is not a PDF")
    return f"export (exported: {exported})"


def act_new_or_demo(window: MainWindow, rec: Recorder, qtbot: Any) -> str:
    if rec.r.random() < 0.5:
        return f"new plan ({window.new_plan()})"
    return f"demo patient ({window.load_demo()})"


def act_settings(window: MainWindow, rec: Recorder, qtbot: Any) -> str:
    units = rec.r.choice(["si", "conventional"])
    lp = load_protocol(US) if rec.r.random() < 0.3 else load_protocol()
    window.apply_settings(Preferences(unit_system=units), lp)
    return f"settings: {units}, {lp.protocol.protocol_id}"


def act_autosave_recover(window: MainWindow, rec: Recorder, qtbot: Any) -> str:
    window.autosave_now()
    draft = Autosave(rec.tmp / "data").load()
    if draft is None:
        return "autosave (nothing to save)"
    before = window.form.raw_state()
    window.restore_draft(draft)
    if window.form.raw_state() != before:
        MONKEY.lost("a recovered draft differs from what was typed when it was autosaved")
    return "autosave and recover"


ACTIONS: list[tuple[Callable[[MainWindow, Recorder, Any], str], int]] = [
    (act_type, 40),
    (act_choose, 12),
    (act_tick, 8),
    (act_button, 8),
    (act_open, 7),
    (act_save, 5),
    (act_export, 1),
    (act_new_or_demo, 6),
    (act_settings, 3),
    (act_autosave_recover, 4),
]


def _check(window: MainWindow, rec: Recorder, what: str, tally: Tally = MONKEY) -> None:
    """No plan for invalid input; otherwise exactly the engine's plan for what is typed now."""
    QApplication.processEvents()
    window.flush()
    inputs = window.form.current_inputs()
    shown = window.plan_view.current_plan()
    if inputs is None:
        if shown is not None or window.current_plan() is not None:
            tally.fail(f"after {what}: a plan is shown while fields cannot be read")
        return
    try:
        expected = evaluate(window.protocol, inputs, now=NOW)
    except InputError:
        if shown is not None:
            tally.fail(f"after {what}: a plan is shown for inputs the engine refuses")
        return
    if shown is None:
        tally.fail(f"after {what}: valid inputs but no plan shown")
    elif shown.model_dump_json() != expected.model_dump_json():
        tally.fail(f"after {what}: the plan shown is not the plan for the inputs as they are now")


def test_gui_monkey_campaign(monkey: tuple[MainWindow, Recorder], qtbot: Any) -> None:
    window, rec = monkey
    r = rec.r
    actions = [a for a, _ in ACTIONS]
    weights = [w for _, w in ACTIONS]
    plans_seen = 0
    window.load_demo()
    with qtbot.capture_exceptions() as qt_exceptions:
        for step in range(scaled(ci=500, release=5000)):
            action = r.choices(actions, weights)[0]
            if action is act_type and r.random() < 0.65:
                action = act_fix  # users fix what is flagged about as often as they type anew
            MONKEY.tried()
            MONKEY.count(f"action: {action.__name__}")
            try:
                what = action(window, rec, qtbot)
            except Exception as exc:
                MONKEY.fail(f"step {step} {action.__name__}: unhandled {type(exc).__name__}: {exc}")
                continue
            _check(window, rec, f"step {step} {what}")
            plans_seen += window.plan_view.current_plan() is not None
            for exc_info in qt_exceptions:
                MONKEY.fail(f"step {step} {what}: exception in a Qt slot: {exc_info[1]!r}")
            qt_exceptions.clear()
    if rec.crashes:
        MONKEY.fail(f"crash dialog shown {len(rec.crashes)} time(s): {rec.crashes[0][:300]}")
    MONKEY.count("steps with a plan shown", plans_seen)
    MONKEY.count("messages to the user (modal)", len(rec.errors) + len(rec.infos))
    MONKEY.check()
    assert plans_seen > 0, (
        "the monkey never produced a plan: the campaign is not exercising the view"
    )


def test_the_monkey_sees_a_plan_left_on_screen_for_invalid_input(
    monkey: tuple[MainWindow, Recorder], qtbot: Any
) -> None:
    """Control: a window that forgot to hide its plan is caught by the monkey's check."""
    window, rec = monkey
    window.load_demo()
    _check(window, rec, "demo", probe := Tally("probe"))
    assert probe.failures == 0 and window.plan_view.current_plan() is not None
    window.plan_view.show_problems = lambda _problems: None  # the fault: the old plan stays
    edit = window.form.labs.value_edit(next(iter(window.form.labs.rows)))
    edit.setText("3,4,5")
    edit.textEdited.emit("3,4,5")
    _check(window, rec, "typing an unreadable value", probe)
    assert probe.failures == 1 and "fields cannot be read" in probe.details[0]
