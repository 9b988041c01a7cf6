"""Packaging: every resource exists in the checkout and inside an installed wheel."""

from __future__ import annotations

import json
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from desktop_app.cli.core_cmds import input_json_schema
from desktop_app.resources import ALL_RESOURCES, resource_path, resources_root

ROOT = Path(__file__).resolve().parents[1]


def test_every_resource_exists_in_the_checkout() -> None:
    assert resources_root() == ROOT / "resources"
    for rel in ALL_RESOURCES:
        assert resource_path(rel).is_file(), rel


def test_committed_input_schema_matches_model() -> None:
    committed = json.loads((ROOT / "resources" / "schema" / "plan-input.schema.json").read_text())
    assert committed == input_json_schema()


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("wheel")
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "--no-deps",
            "--no-build-isolation",
            "-q",
            "--disable-pip-version-check",
            "-w",
            str(out),
            str(ROOT),
        ],
        check=True,
        capture_output=True,
    )
    (whl,) = out.glob("b12k_planner-*.whl")
    return whl


def test_wheel_contains_every_resource(wheel: Path) -> None:
    names = set(zipfile.ZipFile(wheel).namelist())
    for rel in ALL_RESOURCES:
        assert f"desktop_app/_resources/{rel}" in names, rel


def test_installed_wheel_finds_every_resource(wheel: Path, tmp_path: Path) -> None:
    target = tmp_path / "site"
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "install",
            "--no-deps",
            "-q",
            "--disable-pip-version-check",
            "--target",
            str(target),
            str(wheel),
        ],
        check=True,
        capture_output=True,
    )
    code = (
        "import desktop_app.resources as r, sys\n"
        "root = r.resources_root()\n"
        "assert root.name == '_resources', root\n"
        "missing = [x for x in r.ALL_RESOURCES if not r.resource_path(x).is_file()]\n"
        "from desktop_app.storage.protocols import load_protocol\n"
        "print(len(missing), load_protocol().protocol.protocol_id)\n"
    )
    out = subprocess.run(
        [sys.executable, "-I", "-c", f"import sys; sys.path.insert(0, {str(target)!r})\n" + code],
        capture_output=True,
        text=True,
        check=True,
        cwd=tmp_path,
    )
    assert out.stdout.split() == ["0", "uk-default"]
