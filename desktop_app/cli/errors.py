"""Errors of the command line itself (imported only when one is raised)."""

from __future__ import annotations

from desktop_app.logic.errors import B12KError


class NowError(B12KError):
    """--now was not a date-time with a timezone."""
