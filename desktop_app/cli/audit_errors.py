"""The audit commands' own error, imported when one is raised (so `b12k --help` stays light)."""

from __future__ import annotations

from desktop_app.audit.errors import AuditError


class AuditCommandError(AuditError):
    """A command line that names no usable record."""
