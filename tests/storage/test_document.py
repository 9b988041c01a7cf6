"""The plan document without a display: dirty state, save, the other program's file, the draft."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from desktop_app.logic.errors import PlanFileError
from desktop_app.storage.autosave import Autosave, Draft
from desktop_app.storage.document import FileChangedError, PlanDocument, disk_stamp
from desktop_app.storage.plan_files import read_plan_file
from tests.logic.helpers import NOW, inputs

TYPED = {"PatientPanel": {"name": "Ann Example", "identifier": "RX1"}}
EDITED = {"PatientPanel": {"name": "Ann Example", "identifier": "RX2"}}


@pytest.fixture
def doc(tmp_path: Path) -> PlanDocument:
    return PlanDocument(Autosave(tmp_path))


def test_a_new_document_is_clean_until_the_state_changes(doc: PlanDocument) -> None:
    doc.loaded(None, TYPED)
    assert doc.path is None and doc.display_name("Untitled") == "Untitled"
    assert not doc.is_dirty(dict(TYPED))
    assert doc.is_dirty(EDITED)


def test_saving_writes_the_file_and_makes_that_state_the_clean_one(
    doc: PlanDocument, tmp_path: Path
) -> None:
    doc.loaded(None, TYPED)
    target = tmp_path / "plan.json"
    plan_inputs = inputs()
    doc.save(target, plan_inputs, EDITED)
    assert read_plan_file(target) == plan_inputs
    assert doc.path == target and doc.display_name("Untitled") == "plan.json"
    assert not doc.is_dirty(EDITED) and doc.is_dirty(TYPED)


def test_a_file_replaced_by_another_program_is_never_overwritten(
    doc: PlanDocument, tmp_path: Path
) -> None:
    target = tmp_path / "plan.json"
    doc.save(target, inputs(), TYPED)
    target.write_bytes(b'{"theirs": true}')
    assert doc.changed_on_disk(target)
    with pytest.raises(FileChangedError, match="changed by another program"):
        doc.save(target, inputs(), EDITED)
    assert target.read_bytes() == b'{"theirs": true}'
    assert doc.is_dirty(EDITED)
    # Saving somewhere else is allowed, and the new file is then the document's.
    other = tmp_path / "copy.json"
    doc.save(other, inputs(), EDITED)
    assert doc.path == other and not doc.changed_on_disk(other)


def test_a_file_opened_then_removed_can_be_saved_again(doc: PlanDocument, tmp_path: Path) -> None:
    target = tmp_path / "plan.json"
    doc.save(target, inputs(), TYPED)
    target.unlink()
    assert not doc.changed_on_disk(target)
    doc.save(target, inputs(), TYPED)
    assert target.exists()


def test_the_draft_is_written_once_per_change_and_removed_when_saved(
    doc: PlanDocument, tmp_path: Path
) -> None:
    doc.loaded(None, TYPED)
    doc.autosave(TYPED, NOW)
    assert not doc.draft_path.exists()  # nothing unsaved
    doc.autosave(EDITED, NOW)
    first = doc.draft_path.read_bytes()
    doc.draft_path.unlink()
    doc.autosave(EDITED, NOW)
    assert not doc.draft_path.exists()  # unchanged since the last draft: not written again
    doc.autosave({**EDITED, "x": {}}, NOW)
    assert doc.draft_path.read_bytes() != first
    doc.autosave(TYPED, NOW)  # typed back to the saved state: the draft goes
    assert not doc.draft_path.exists()
    doc.autosave(EDITED, NOW)
    doc.save(tmp_path / "plan.json", inputs(), EDITED)
    assert not doc.draft_path.exists()


def test_a_draft_names_the_file_it_belongs_to(doc: PlanDocument, tmp_path: Path) -> None:
    target = tmp_path / "plan.json"
    doc.save(target, inputs(), TYPED)
    doc.autosave(EDITED, NOW)
    draft = Autosave(doc.draft_path.parent).load()
    assert draft is not None and draft.file_path == str(target) and draft.fields == EDITED


def test_a_restored_draft_is_unsaved_and_belongs_to_its_file(
    doc: PlanDocument, tmp_path: Path
) -> None:
    target = tmp_path / "plan.json"
    doc.save(target, inputs(), TYPED)
    fresh = PlanDocument(Autosave(tmp_path))
    fresh.restored(Draft(fields=EDITED, file_path=str(target), saved_at=NOW))
    assert fresh.path == target and fresh.is_dirty(EDITED) and fresh.is_dirty(TYPED)
    target.write_bytes(b"{}")
    assert fresh.changed_on_disk(target)


def test_loading_keeps_the_draft_only_when_asked(doc: PlanDocument) -> None:
    doc.loaded(None, TYPED)
    doc.autosave(EDITED, NOW)
    doc.loaded(None, TYPED, clear_draft=False)
    assert doc.draft_path.exists()
    doc.loaded(None, TYPED)
    assert not doc.draft_path.exists()


def test_a_damaged_draft_is_kept_aside(doc: PlanDocument) -> None:
    doc.loaded(None, TYPED)
    doc.autosave(EDITED, NOW)
    kept = doc.keep_damaged_draft()
    assert kept.name.endswith(".damaged.json") and kept.exists()
    assert not doc.draft_path.exists()
    assert doc.keep_damaged_draft() == doc.draft_path  # nothing left to move


def test_a_clean_close_removes_the_draft(doc: PlanDocument) -> None:
    doc.loaded(None, TYPED)
    doc.autosave(EDITED, NOW)
    doc.closed()
    assert not doc.draft_path.exists()


def test_the_save_error_from_storage_reaches_the_caller(doc: PlanDocument, tmp_path: Path) -> None:
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("x")
    with pytest.raises(PlanFileError):
        doc.save(blocker / "plan.json", inputs(), TYPED)
    assert doc.path is None and doc.is_dirty(TYPED)


def test_the_stamp_is_the_files_bytes(tmp_path: Path) -> None:
    target = tmp_path / "a.json"
    assert disk_stamp(None) is None and disk_stamp(target) is None
    target.write_bytes(b"one")
    first = disk_stamp(target)
    target.write_bytes(b"two")
    assert first is not None and disk_stamp(target) not in (None, first)


def test_the_document_needs_no_qt() -> None:
    code = (
        "import sys, desktop_app.storage.document\n"
        "print(sorted(m for m in sys.modules if m.startswith(('PySide6', 'shiboken6'))))\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60
    )
    assert out.stdout.strip() == "[]"
