"""The Qt user interface: one module per panel or dialog, built in code (no Designer files)."""

from desktop_app.qt_compat import guard_none_refcount

# Must run before any PySide6 call: see desktop_app/qt_compat.py (PySide6 6.12 on Python 3.11).
guard_none_refcount()
