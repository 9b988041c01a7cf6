"""Modes campaign: under random umasks, patient data stays private and chosen files behave.

Each case picks a umask (from 000 to 077 and odd ones like 027 or 002) and one of the program's
writes: the data and config folders created, the autosaved draft, the preferences, the log and
its rotation (all private: folders 0700, files 0600, whatever the umask), or a sheet or plan
file saved where the user chose (a new file gets 0666 narrowed by the umask; a replaced one keeps
its own mode, drawn at random). A case fails if a mode differs; a "file lost" is a write that
leaves other content than was written, or a temporary file behind (issue 16 item 7).
"""

from __future__ import annotations

import logging
import logging.handlers
import os
import random
import stat
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import pytest

from desktop_app.app import configure_logging
from desktop_app.storage.atomic import atomic_write_bytes
from desktop_app.storage.autosave import Autosave
from desktop_app.storage.paths import config_dir, data_dir
from desktop_app.storage.plan_files import plan_bytes, write_plan_file
from desktop_app.storage.settings import Preferences, save_preferences
from tests.logic.helpers import inputs
from tests.safety.campaign import rng, scaled, tally

MODES = tally("modes")
UMASKS = (0o000, 0o002, 0o007, 0o022, 0o027, 0o037, 0o066, 0o077, 0o026)


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def _left_over(folder: Path) -> list[str]:
    return [p.name for p in folder.iterdir() if p.name.endswith(".tmp")]


def _folders(
    r: random.Random, work: Path, mp: pytest.MonkeyPatch
) -> list[tuple[Path, int, bytes | None]]:
    mp.setenv("B12K_DATA_DIR", str(work / "home" / "data"))
    mp.setenv("B12K_CONFIG_DIR", str(work / "home" / "config"))
    return [(data_dir(), 0o700, None), (config_dir(), 0o700, None)]


def _draft(
    r: random.Random, work: Path, mp: pytest.MonkeyPatch
) -> list[tuple[Path, int, bytes | None]]:
    autosave = Autosave(work / "autosave")
    autosave.save({"PatientPanel": {"ward": "Ward 7B"}}, None, datetime(2026, 11, 26, tzinfo=UTC))
    return [(work / "autosave", 0o700, None), (autosave.path, 0o600, None)]


def _preferences(
    r: random.Random, work: Path, mp: pytest.MonkeyPatch
) -> list[tuple[Path, int, bytes | None]]:
    path = work / "preferences.json"
    if r.random() < 0.5:
        path.write_text("{}", encoding="utf-8")
        path.chmod(r.choice((0o644, 0o666, 0o600, 0o640)))
    prefs = Preferences(default_ward="Ward 7B")
    save_preferences(prefs, path)
    return [(path, 0o600, (prefs.model_dump_json(indent=1) + "\n").encode())]


def _log(
    r: random.Random, work: Path, mp: pytest.MonkeyPatch
) -> list[tuple[Path, int, bytes | None]]:
    path = work / "b12k.log"
    root = logging.getLogger()
    before, level = list(root.handlers), root.level
    configure_logging(path)
    try:
        (handler,) = [h for h in root.handlers if h not in before]
        assert isinstance(handler, logging.handlers.RotatingFileHandler)
        for _ in range(r.randrange(0, 3)):
            handler.doRollover()
    finally:
        for h in root.handlers[:]:
            if h not in before:
                root.removeHandler(h)
                h.close()
        root.setLevel(level)
    return [(p, 0o600, None) for p in sorted(work.glob("b12k.log*"))]


def _chosen(
    r: random.Random, work: Path, mp: pytest.MonkeyPatch
) -> list[tuple[Path, int, bytes | None]]:
    path = work / r.choice(("sheet.pdf", "plan.json"))
    umask = os.umask(0)
    os.umask(umask)
    expected = 0o666 & ~umask
    if r.random() < 0.5:
        path.write_bytes(b"old")
        expected = r.choice((0o600, 0o640, 0o644, 0o660, 0o664, 0o400 | 0o200))
        path.chmod(expected)
    if path.suffix == ".json":
        write_plan_file(path, inputs())
        data = plan_bytes(inputs())
    else:
        data = b"%PDF-" + r.randbytes(r.randrange(0, 4096))
        atomic_write_bytes(path, data)
    return [(path, expected, data)]


WRITES: dict[
    str, Callable[[random.Random, Path, pytest.MonkeyPatch], list[tuple[Path, int, bytes | None]]]
] = {
    "data and config folders": _folders,
    "autosaved draft": _draft,
    "preferences": _preferences,
    "log and rotation": _log,
    "chosen sheet or plan file": _chosen,
}


def test_modes_under_random_umasks(tmp_path: Path) -> None:
    r = rng("modes")
    for i in range(scaled(60, 600)):
        name = r.choice(sorted(WRITES))
        umask = r.choice(UMASKS)
        work = tmp_path / f"case{i}"
        work.mkdir()
        MODES.tried()
        old = os.umask(umask)
        try:
            with pytest.MonkeyPatch.context() as mp:
                results = WRITES[name](r, work, mp)
        except Exception as exc:
            MODES.fail(f"{name} under umask {umask:03o}: {type(exc).__name__}: {exc}")
            continue
        finally:
            os.umask(old)
        bad = [f"{p.name} {_mode(p):o} (expected {m:o})" for p, m, _ in results if _mode(p) != m]
        if bad:
            MODES.fail(f"{name} under umask {umask:03o}: " + ", ".join(bad))
        else:
            MODES.count(name)
        for path, _, data in results:
            if (data is not None and path.read_bytes() != data) or _left_over(path.parent):
                MODES.lost(f"{name} under umask {umask:03o}: {path.name} not as written")
    MODES.check()
