"""Where the program keeps user files: config and data folders, redirectable for tests."""

from __future__ import annotations

import os
from pathlib import Path

import platformdirs

from desktop_app.storage.private import private_dir

APP_NAME = "b12k-planner"

#: Environment variables that move the folders (tests, portable installs, shared workstations).
CONFIG_DIR_ENV = "B12K_CONFIG_DIR"
DATA_DIR_ENV = "B12K_DATA_DIR"


def config_dir() -> Path:
    """Return the folder for preferences and window state (created 0700: owner only)."""
    override = os.environ.get(CONFIG_DIR_ENV)
    return private_dir(
        Path(override) if override else Path(platformdirs.user_config_dir(APP_NAME, False))
    )


def data_dir() -> Path:
    """Return the folder for the autosaved draft, the log and the register (created 0700)."""
    override = os.environ.get(DATA_DIR_ENV)
    return private_dir(
        Path(override) if override else Path(platformdirs.user_data_dir(APP_NAME, False))
    )


def log_file() -> Path:
    """Return the path of the log file (every message shown to the user is also logged)."""
    return data_dir() / "b12k-planner.log"
