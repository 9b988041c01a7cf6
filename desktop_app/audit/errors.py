"""Errors of the audit register, each with text a clinician or a site's IT can act on."""

from __future__ import annotations

from desktop_app.logic.errors import B12KError


class AuditError(B12KError):
    """The audit register could not be read or written; the message says what to do."""


class AuditCorruptError(AuditError):
    """The register file is damaged or is not a B12-K audit register."""


class AuditLockedError(AuditError):
    """Another program held the register for longer than the wait allowed."""


class AuditVersionError(AuditError):
    """The register was written by a newer B12-K Planner (a newer register schema)."""


class AuditNotFoundError(AuditError):
    """The register, a record or a stored protocol asked for does not exist."""


class AuditUnreachableError(AuditError):
    """The shared register's server cannot be reached; a sheet is then refused, not issued."""


class AuditMismatchError(AuditError):
    """What was to be recorded does not belong together (plan, inputs and protocol differ)."""


__all__ = [
    "AuditCorruptError",
    "AuditError",
    "AuditLockedError",
    "AuditMismatchError",
    "AuditNotFoundError",
    "AuditUnreachableError",
    "AuditVersionError",
]
