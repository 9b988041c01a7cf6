"""The autosaved draft: what was typed, kept in the user data folder until a clean close."""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from desktop_app.logic.errors import PlanFileError
from desktop_app.storage.atomic import atomic_write_bytes
from desktop_app.storage.private import private_dir

_log = logging.getLogger(__name__)

DRAFT_VERSION = 1
DRAFT_FILE = "draft.autosave.json"


@dataclass(frozen=True)
class Draft:
    """A recovered draft: the form's raw field texts, the plan file it belonged to, and when."""

    fields: dict[str, Any]
    file_path: str | None
    saved_at: datetime


class Autosave:
    """Keeps one draft file in a folder; written atomically, removed on a clean close."""

    def __init__(self, folder: Path) -> None:
        self.path = Path(folder) / DRAFT_FILE

    def save(self, fields: dict[str, Any], file_path: Path | None, now: datetime) -> None:
        """Write the draft atomically, readable by the user only (its folder created 0700).

        Raises:
            PlanFileError: the data folder is not writable.
        """
        payload = {
            "draft_version": DRAFT_VERSION,
            "saved_at": now.isoformat(),
            "file_path": str(file_path) if file_path else None,
            "fields": fields,
        }
        try:
            private_dir(self.path.parent)
        except OSError as exc:
            raise PlanFileError(
                f"Cannot keep the autosaved draft: the folder {self.path.parent} cannot be "
                f"created ({exc.strerror or exc})."
            ) from exc
        data = json.dumps(payload, indent=1, sort_keys=True).encode("utf-8")
        atomic_write_bytes(self.path, data, private=True)

    def load(self) -> Draft | None:
        """Return the draft left by a session that did not close cleanly, or None."""
        if not self.path.exists():
            return None
        try:
            raw = json.loads(self.path.read_text(encoding="utf-8"))
            if raw.get("draft_version") != DRAFT_VERSION or not isinstance(raw.get("fields"), dict):
                raise ValueError("unknown draft format")
            return Draft(
                fields=raw["fields"],
                file_path=raw.get("file_path"),
                saved_at=datetime.fromisoformat(raw["saved_at"]),
            )
        except (OSError, ValueError, KeyError, TypeError, AttributeError, RecursionError) as exc:
            _log.warning("autosaved draft %s unusable, ignored: %s", self.path, exc)
            return None

    def clear(self) -> None:
        """Remove the draft (after a clean close or after the user declined recovery)."""
        try:
            self.path.unlink(missing_ok=True)
        except OSError as exc:
            _log.warning("could not remove autosaved draft %s: %s", self.path, exc)


__all__ = ["Autosave", "Draft", "PlanFileError"]
