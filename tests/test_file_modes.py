"""Issue 16 item 7: patient data is readable by its owner only; chosen files follow the umask."""

from __future__ import annotations

import logging
import logging.handlers
import os
import stat
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from desktop_app.app import configure_logging
from desktop_app.logic.errors import PlanFileError
from desktop_app.storage.atomic import atomic_write_bytes
from desktop_app.storage.autosave import Autosave
from desktop_app.storage.paths import config_dir, data_dir, log_file
from desktop_app.storage.plan_files import write_plan_file
from desktop_app.storage.private import private_file
from desktop_app.storage.settings import Preferences, save_preferences
from tests.logic.helpers import inputs


def mode(path: Path) -> int:
    """The permission bits of `path`."""
    return stat.S_IMODE(path.stat().st_mode)


@pytest.fixture
def umask() -> Iterator[None]:
    """Run with the loosest umask (0): whatever is private is so by the program, not the umask."""
    old = os.umask(0)
    try:
        yield
    finally:
        os.umask(old)


def test_data_and_config_folders_are_created_for_the_owner_only(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, umask: None
) -> None:
    monkeypatch.setenv("B12K_DATA_DIR", str(tmp_path / "new" / "data"))
    monkeypatch.setenv("B12K_CONFIG_DIR", str(tmp_path / "new" / "config"))
    assert mode(data_dir()) == 0o700
    assert mode(config_dir()) == 0o700
    assert data_dir() == tmp_path / "new" / "data"  # a second call finds it


def test_a_folder_that_exists_keeps_its_mode(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    shared = tmp_path / "shared"
    shared.mkdir()
    shared.chmod(0o750)
    monkeypatch.setenv("B12K_DATA_DIR", str(shared))
    assert data_dir() == shared
    assert mode(shared) == 0o750


def test_the_autosave_folder_and_draft_are_private(tmp_path: Path, umask: None) -> None:
    autosave = Autosave(tmp_path / "drafts")
    autosave.save({"name": "x"}, None, datetime(2026, 11, 26, 12, tzinfo=UTC))
    assert mode(tmp_path / "drafts") == 0o700
    assert mode(autosave.path) == 0o600


def test_a_draft_whose_folder_cannot_be_made_is_explained(tmp_path: Path) -> None:
    (tmp_path / "blocker").write_text("a file where the folder should be", encoding="utf-8")
    autosave = Autosave(tmp_path / "blocker" / "drafts")
    with pytest.raises(
        PlanFileError, match=r"Cannot keep the autosaved draft: the folder .* cannot be created"
    ):
        autosave.save({}, None, datetime(2026, 11, 26, 12, tzinfo=UTC))


def test_preferences_are_private(tmp_path: Path, umask: None) -> None:
    path = tmp_path / "preferences.json"
    path.write_text("{}", encoding="utf-8")
    path.chmod(0o644)  # written by an earlier version
    save_preferences(Preferences(prescriber_name="Dr Test"), path)
    assert mode(path) == 0o600


def test_the_log_and_its_rotated_copies_are_private(tmp_path: Path, umask: None) -> None:
    path = tmp_path / "b12k.log"
    root = logging.getLogger()
    before = list(root.handlers)
    level = root.level
    configure_logging(path)
    try:
        (handler,) = [h for h in root.handlers if h not in before]
        assert isinstance(handler, logging.handlers.RotatingFileHandler)
        assert mode(path) == 0o600
        logging.getLogger("tests.modes").warning("first line")
        handler.doRollover()
        logging.getLogger("tests.modes").warning("after rollover")
        handler.flush()
        assert mode(path) == 0o600
        assert mode(tmp_path / "b12k.log.1") == 0o600
        assert "after rollover" in path.read_text(encoding="utf-8")
    finally:
        for h in root.handlers[:]:
            if h not in before:
                root.removeHandler(h)
                h.close()
        root.setLevel(level)


def test_an_existing_wider_log_is_narrowed(tmp_path: Path) -> None:
    path = tmp_path / "old.log"
    path.write_text("earlier\n", encoding="utf-8")
    path.chmod(0o644)
    private_file(path)
    assert mode(path) == 0o600
    assert path.read_text(encoding="utf-8") == "earlier\n"


def test_the_log_lives_in_the_private_data_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("B12K_DATA_DIR", str(tmp_path / "d"))
    assert log_file().parent == tmp_path / "d"
    assert mode(tmp_path / "d") == 0o700


@pytest.mark.parametrize(("mask", "expected"), [(0o022, 0o644), (0o077, 0o600), (0o002, 0o664)])
def test_a_new_chosen_file_follows_the_umask(tmp_path: Path, mask: int, expected: int) -> None:
    old = os.umask(mask)
    try:
        write_plan_file(tmp_path / "plan.json", inputs())
        atomic_write_bytes(tmp_path / "sheet.pdf", b"%PDF")
    finally:
        os.umask(old)
    assert mode(tmp_path / "plan.json") == expected
    assert mode(tmp_path / "sheet.pdf") == expected


def test_a_replaced_chosen_file_keeps_its_mode(tmp_path: Path, umask: None) -> None:
    target = tmp_path / "sheet.pdf"
    target.write_bytes(b"old")
    target.chmod(0o640)
    atomic_write_bytes(target, b"new")
    assert (target.read_bytes(), mode(target)) == (b"new", 0o640)
    assert [p.name for p in tmp_path.iterdir()] == ["sheet.pdf"]  # no temporary file left


def test_a_private_write_replacing_a_wider_file_narrows_it(tmp_path: Path, umask: None) -> None:
    target = tmp_path / "draft.json"
    target.write_bytes(b"old")
    target.chmod(0o644)
    atomic_write_bytes(target, b"new", private=True)
    assert (target.read_bytes(), mode(target)) == (b"new", 0o600)
