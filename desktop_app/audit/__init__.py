"""The audit register of issued order sheets (Qt-free): record, verify, search and reprint.

`desktop_app.audit.register` is the storage (stdlib sqlite3 only); `desktop_app.audit.issue`
renders, exports or records a printed sheet, and reprints one (it needs the report package).
"""

from desktop_app.audit.errors import (
    AuditCorruptError,
    AuditError,
    AuditLockedError,
    AuditMismatchError,
    AuditNotFoundError,
    AuditUnreachableError,
    AuditVersionError,
)
from desktop_app.audit.register import (
    AuditRecord,
    RecordDraft,
    RecordSummary,
    Register,
    VerifyResult,
    default_register_path,
)

__all__ = [
    "AuditCorruptError",
    "AuditError",
    "AuditLockedError",
    "AuditMismatchError",
    "AuditNotFoundError",
    "AuditRecord",
    "AuditUnreachableError",
    "AuditVersionError",
    "RecordDraft",
    "RecordSummary",
    "Register",
    "VerifyResult",
    "default_register_path",
]
