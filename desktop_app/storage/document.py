"""The plan being edited: its file, whether it is saved, and its autosaved draft. Qt-free.

The window owns one `PlanDocument`. The window knows what is typed (the form's raw state, a
JSON-like dict of field texts) and the inputs read from it; the document knows where they were
last opened or saved, what the file held then, and when to write or remove the draft, so that
what is typed is never lost and never silently overwrites another program's version of the file.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Mapping
from datetime import datetime
from pathlib import Path
from typing import Any

from desktop_app.logic.errors import PlanFileError
from desktop_app.logic.models import PlanInputs
from desktop_app.logic.privacy import for_log
from desktop_app.storage.autosave import Autosave, Draft
from desktop_app.storage.plan_files import read_plan_file, write_plan_file

_log = logging.getLogger(__name__)

#: What the form's raw state is: field texts by panel, as saved in the draft.
RawState = Mapping[str, Any]


class FileChangedError(PlanFileError):
    """The plan file was replaced by another program after it was opened here: not saved."""

    def __init__(self, path: Path) -> None:
        super().__init__(f"{path} was changed by another program after it was opened here.")
        self.path = path


def disk_stamp(path: Path | None) -> str | None:
    """SHA-256 of a file's bytes as it is on disk now (None when absent or unreadable)."""
    if path is None:
        return None
    try:
        return hashlib.sha256(path.read_bytes()).hexdigest()
    except OSError:
        return None


class PlanDocument:
    """One plan: its path, the state it was last opened or saved with, and its draft."""

    def __init__(self, autosave: Autosave) -> None:
        self._autosave = autosave
        self._path: Path | None = None
        self._disk: str | None = None
        self._saved: RawState = {}
        self._autosaved: RawState | None = None

    @property
    def path(self) -> Path | None:
        """The plan file (None for a plan never saved)."""
        return self._path

    @property
    def draft_path(self) -> Path:
        """Where the draft is autosaved."""
        return self._autosave.path

    def display_name(self, untitled: str) -> str:
        """The file's name, or `untitled` for a plan never saved."""
        return self._path.name if self._path else untitled

    def is_dirty(self, raw: RawState) -> bool:
        """True when `raw` differs from what was last opened, saved or started."""
        return dict(raw) != dict(self._saved)

    def open(self, path: Path) -> PlanInputs:
        """Read a plan file (the document is unchanged until `loaded`).

        Raises:
            InputError: the file is a plan file with problems (one per field).
            B12KError: the file cannot be read or is not a plan file.
        """
        return read_plan_file(Path(path))

    def loaded(self, path: Path | None, raw: RawState, *, clear_draft: bool = True) -> None:
        """The form now shows `raw`, opened from `path` (None for a new plan)."""
        self._path = Path(path) if path is not None else None
        self._disk = disk_stamp(self._path)
        self._saved = dict(raw)
        if clear_draft:
            self._autosave.clear()
        self._autosaved = None

    def mark_saved_state(self, raw: RawState) -> None:
        """Take `raw` as the saved state (the same inputs, shown again by a rebuilt form)."""
        self._saved = dict(raw)

    def changed_on_disk(self, target: Path) -> bool:
        """True when `target` is this document's file and another program replaced it."""
        return (
            self._path is not None
            and Path(target).resolve() == self._path.resolve()
            and self._disk is not None
            and disk_stamp(Path(target)) not in (None, self._disk)
        )

    def save(self, target: Path, inputs: PlanInputs, raw: RawState) -> None:
        """Write `inputs` atomically to `target`; `raw` becomes the saved state, the draft goes.

        Raises:
            FileChangedError: `target` is this document's file and was replaced elsewhere.
            PlanFileError: the file cannot be written (the message says what to do).
        """
        target = Path(target)
        if self.changed_on_disk(target):
            _log.warning(
                "not saved: %s was changed by another program", for_log(target, inputs.patient)
            )
            raise FileChangedError(target)
        write_plan_file(target, inputs)
        self._disk = disk_stamp(target)
        self._path = target
        self._saved = dict(raw)
        self._autosave.clear()
        self._autosaved = None
        _log.info("saved %s", for_log(target, inputs.patient))

    def autosave(self, raw: RawState, now: datetime) -> None:
        """Write the draft if `raw` changed since the last one; remove it once all is saved.

        Raises:
            PlanFileError: the data folder is not writable.
        """
        if not self.is_dirty(raw):
            if self._autosaved is not None:
                self._autosave.clear()
                self._autosaved = None
            return
        if self._autosaved is not None and dict(raw) == dict(self._autosaved):
            return
        self._autosave.save(dict(raw), self._path, now)
        self._autosaved = dict(raw)

    def restored(self, draft: Draft) -> None:
        """A recovered draft is shown: it belongs to its file and stays unsaved until saved."""
        self._path = Path(draft.file_path) if draft.file_path else None
        self._disk = disk_stamp(self._path)
        self._saved = {}

    def keep_damaged_draft(self) -> Path:
        """Move a draft that could not be restored aside (for support); return where it is."""
        draft = self._autosave.path
        kept = draft.with_name(draft.stem + ".damaged.json")
        try:
            draft.replace(kept)
        except OSError:
            return draft
        return kept

    def closed(self) -> None:
        """A clean close: the draft is no longer needed."""
        self._autosave.clear()
        self._autosaved = None
