"""A plan keeps one id from creation on: it no longer follows a hash of the inputs."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

from desktop_app.demo import demo_inputs
from desktop_app.logic.models import PlanInputs
from desktop_app.storage.plan_files import read_plan_file, write_plan_file
from desktop_app.widgets.main_window import MainWindow
from tests.widgets.conftest import Alerts
from tests.widgets.helpers import retype, type_demo_case

MakeWindow = Callable[..., MainWindow]
_ID = re.compile(r"^P-[0-9A-F]{12}$")


def test_a_new_plan_gets_an_id_that_typing_does_not_change(
    qtbot: Any, make_window: MakeWindow
) -> None:
    window = make_window()
    first = window.form.plan_id()
    assert _ID.match(first), first
    assert not window.isWindowModified()
    type_demo_case(qtbot, window.form)
    plan = window.current_plan()
    assert plan is not None and plan.plan_id == first
    retype(qtbot, window.form.patient.ward, "Ward 9")
    again = window.current_plan()
    assert again is not None and again.plan_id == first
    assert window.form.current_inputs() is not None
    assert window.form.current_inputs().plan_id == first  # type: ignore[union-attr]
    assert window.new_plan(ask=False)
    assert _ID.match(window.form.plan_id()) and window.form.plan_id() != first
    assert not window.isWindowModified()


def test_the_demo_keeps_its_id(make_window: MakeWindow) -> None:
    window = make_window()
    assert window.load_demo()
    plan = window.current_plan()
    assert plan is not None and plan.plan_id == demo_inputs().plan_id == "DEMO-0001"
    assert not window.isWindowModified()


def test_a_file_without_an_id_is_given_one_and_marked_modified(
    make_window: MakeWindow, tmp_path: Path, fake_alerts: Alerts
) -> None:
    path = tmp_path / "old.json"
    write_plan_file(path, PlanInputs.model_validate({**demo_inputs().model_dump(), "plan_id": ""}))
    window = make_window()
    assert window.open_path(path)
    assigned = window.form.plan_id()
    assert _ID.match(assigned)
    plan = window.current_plan()
    assert plan is not None and plan.plan_id == assigned
    assert window.isWindowModified()
    assert any(assigned in t for t in window.messages.texts())
    assert window.save()
    assert json.loads(path.read_text())["plan_id"] == assigned
    assert not window.isWindowModified()
    # Opened again, it keeps the id and nothing is modified.
    again = make_window()
    assert again.open_path(path)
    assert again.form.plan_id() == assigned and not again.isWindowModified()
    assert read_plan_file(path).plan_id == assigned
    assert not any(assigned in t for t in again.messages.texts())


def test_a_file_with_an_id_keeps_it(make_window: MakeWindow, tmp_path: Path) -> None:
    path = tmp_path / "plan.json"
    write_plan_file(
        path, PlanInputs.model_validate({**demo_inputs().model_dump(), "plan_id": "WARD-7"})
    )
    window = make_window()
    assert window.open_path(path)
    assert window.form.plan_id() == "WARD-7" and not window.isWindowModified()


def test_a_recovered_draft_without_an_id_is_given_one(
    make_window: MakeWindow, tmp_path: Path
) -> None:
    from desktop_app.storage.autosave import Autosave
    from tests.widgets.conftest import NOW

    window = make_window()
    window.load_demo()
    raw = window.form.raw_state()
    raw["meta"]["plan_id"] = ""
    draft_dir = tmp_path / "draft"
    draft_dir.mkdir()
    store = Autosave(draft_dir)
    store.save(raw, None, NOW)
    draft = store.load()
    assert draft is not None
    window.restore_draft(draft)
    assert _ID.match(window.form.plan_id())
    assert window.isWindowModified()
