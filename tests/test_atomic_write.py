"""Atomic writes keep the replaced file's permissions and give new files the umask's."""

from __future__ import annotations

import os
import stat
from pathlib import Path

from desktop_app.storage.atomic import atomic_write_bytes


def test_new_file_follows_the_umask_and_mode_is_kept_on_replace(tmp_path: Path) -> None:
    target = tmp_path / "sheet.pdf"
    old = os.umask(0o022)
    try:
        atomic_write_bytes(target, b"one")
    finally:
        os.umask(old)
    assert stat.S_IMODE(target.stat().st_mode) == 0o644
    target.chmod(0o660)
    atomic_write_bytes(target, b"two")
    assert target.read_bytes() == b"two"
    assert stat.S_IMODE(target.stat().st_mode) == 0o660
    assert [p.name for p in tmp_path.iterdir()] == ["sheet.pdf"]
