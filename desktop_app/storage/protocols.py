"""Finding and loading protocol files (the shipped default, or a site's own copy)."""

from __future__ import annotations

from pathlib import Path

from desktop_app.logic.protocol import LoadedProtocol, load_protocol_file
from desktop_app.resources import DEFAULT_PROTOCOL, resource_path


def default_protocol_path() -> Path:
    """Return the path of the shipped default protocol."""
    return resource_path(DEFAULT_PROTOCOL)


def load_protocol(path: Path | None = None) -> LoadedProtocol:
    """Load a site protocol file, or the shipped default when `path` is None."""
    return load_protocol_file(Path(path) if path else default_protocol_path())
