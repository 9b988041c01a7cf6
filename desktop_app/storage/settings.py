"""User preferences: a versioned pydantic model saved as JSON in the platform config folder."""

import json
import logging
from collections.abc import Callable
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from desktop_app.logic.errors import PlanFileError
from desktop_app.storage.atomic import atomic_write_bytes
from desktop_app.storage.paths import config_dir

_log = logging.getLogger(__name__)

#: The preferences schema this program writes. Older files are migrated; newer majors are refused.
PREFERENCES_SCHEMA_VERSION = "1.0.0"
PREFERENCES_FILE = "preferences.json"
#: How many recently opened plan files the File menu lists (a UI choice, not a clinical number).
MAX_RECENT = 8


class Preferences(BaseModel):
    """What a user chooses once and keeps: units, site protocol, ward and prescriber."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    schema_version: str = Field(default=PREFERENCES_SCHEMA_VERSION, pattern=r"^\d+\.\d+\.\d+$")
    unit_system: Literal["si", "conventional"] = Field(
        default="si", description="Unit offered first for every lab: SI or conventional."
    )
    protocol_path: str = Field(
        default="", description="Site protocol file; empty means the shipped default."
    )
    default_ward: str = Field(default="", max_length=200, description="Ward for new plans.")
    prescriber_name: str = Field(
        default="", max_length=200, description="Prescriber for new plans."
    )
    recent_files: tuple[str, ...] = Field(default=(), description="Recently used plan files.")
    trusted_key_files: tuple[str, ...] = Field(
        default=(),
        description="Site key files (PEM public keys) whose keys may sign protocol approvals, "
        "besides the keys added with b12k protocol trust.",
    )
    audit_db: str = Field(
        default="",
        max_length=2000,
        description="Audit register: a PostgreSQL connection string or 'service=NAME' for a "
        "shared register, or a file; empty means audit.sqlite3 in the user data folder.",
    )

    def with_recent(self, path: Path) -> "Preferences":
        """Return a copy with `path` first in the recent-files list (validated, not model_copy)."""
        text = str(Path(path).resolve())
        recent = (text, *(p for p in self.recent_files if p != text))[:MAX_RECENT]
        return Preferences.model_validate({**self.model_dump(), "recent_files": recent})


#: Migrations from an older schema version: version -> function returning the next version's dict.
_MIGRATIONS: dict[str, Callable[[dict[str, Any]], dict[str, Any]]] = {}


def _major(version: str) -> int:
    return int(version.split(".", 1)[0])


def preferences_path() -> Path:
    """Return the preferences file path (in B12K_CONFIG_DIR when set)."""
    return config_dir() / PREFERENCES_FILE


def load_preferences(path: Path | None = None) -> tuple[Preferences, str | None]:
    """Read preferences; return defaults and a user-facing message when the file is unusable."""
    path = path or preferences_path()
    if not path.exists():
        return Preferences(), None
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
        if not isinstance(raw, dict):
            raise ValueError("not a JSON object")
        version = str(raw.get("schema_version", "1.0.0"))
        if _major(version) > _major(PREFERENCES_SCHEMA_VERSION):
            return Preferences(), (
                f"The preferences in {path} were written by a newer B12-K Planner "
                f"(schema {version}); defaults are used and the file is left unchanged."
            )
        while version in _MIGRATIONS:
            raw = _MIGRATIONS[version](raw)
            version = str(raw["schema_version"])
        return Preferences.model_validate(raw), None
    except (OSError, ValueError, ValidationError, RecursionError) as exc:
        _log.warning("preferences file %s unusable: %s", path, exc)
        return Preferences(), (
            f"The preferences file {path} could not be read, so defaults are used. "
            "Open Settings to choose them again."
        )


def save_preferences(prefs: Preferences, path: Path | None = None) -> None:
    """Write preferences atomically, readable by the user only (they name the prescriber).

    Raises:
        PlanFileError: the folder is not writable (the message says what to do).
    """
    path = path or preferences_path()
    data = (prefs.model_dump_json(indent=1) + "\n").encode("utf-8")
    atomic_write_bytes(path, data, private=True)


__all__ = [
    "PREFERENCES_SCHEMA_VERSION",
    "PlanFileError",
    "Preferences",
    "load_preferences",
    "preferences_path",
    "save_preferences",
]
