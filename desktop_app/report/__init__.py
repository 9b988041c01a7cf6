"""The printed order sheet: render a Plan to PDF bytes, lint the text, export atomically.

Qt-free. reportlab and pypdf are imported only when a sheet is rendered or linted, so that
importing this package (as the GUI does at start-up) stays cheap.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from desktop_app.logic.errors import B12KError
from desktop_app.report.options import SheetOptions
from desktop_app.report.printable import SheetTextError

if TYPE_CHECKING:
    from desktop_app.logic.plan import Plan
    from desktop_app.report.lint import Expectations, Violation


class SheetLintError(B12KError):
    """The rendered sheet failed the text lint; nothing was written."""

    def __init__(self, violations: list[Violation], path: Path | None = None) -> None:
        self.violations = list(violations)
        self.path = path
        where = f" {path.name}" if path is not None else ""
        lines = [
            f"The order sheet{where} was not written: its printed text breaks "
            f"{len(self.violations)} safety formatting rule(s). Report this to the "
            "protocol owner; do not hand-edit the sheet."
        ]
        lines += [f"  - {v}" for v in self.violations[:12]]
        if len(self.violations) > 12:
            lines.append(f"  ... and {len(self.violations) - 12} more.")
        super().__init__("\n".join(lines))


def render_order_sheet(plan: Plan, options: SheetOptions | None = None) -> bytes:
    """Render the order sheet of `plan` as PDF bytes (same plan, same bytes)."""
    from desktop_app.report.render import render

    return render(plan, options or SheetOptions())


def sheet_page_count(pdf: bytes) -> int:
    """The number of pages of a sheet rendered here (reportlab writes one page object each)."""
    return pdf.count(b"/Type /Page\n")


def expectations_for(plan: Plan) -> Expectations:
    """What the lint checks on every page of this plan's sheet (VER-01) and the K unit (FMT-05),
    and the overrides' reasons, prose whose numbers need no unit (FMT-04)."""
    from desktop_app.report.content import build_content
    from desktop_app.report.lint import Expectations

    return Expectations(
        stamp=build_content(plan).footer.stamp,
        potassium_unit=plan.protocol.potassium_unit,
        prose=tuple(note.reason for note in plan.overrides),
    )


def lint_order_sheet(plan: Plan, pdf: bytes) -> list[Violation]:
    """Lint the rendered sheet of `plan`; an empty list means it passed."""
    from desktop_app.report.lint import lint_pdf

    return lint_pdf(pdf, expectations_for(plan))


def checked_order_sheet(plan: Plan, options: SheetOptions | None = None) -> bytes:
    """Render and lint; return the bytes only when the lint passes.

    Raises:
        SheetLintError: the sheet breaks a formatting rule; the message lists each finding.
    """
    pdf = render_order_sheet(plan, options)
    violations = lint_order_sheet(plan, pdf)
    if violations:
        raise SheetLintError(violations)
    return pdf


def export_order_sheet(plan: Plan, path: Path, options: SheetOptions | None = None) -> bytes:
    """Render, lint and, only when the lint passes, write the sheet atomically to `path`.

    Returns the bytes written (the GUI's print preview can show them without re-rendering).

    Raises:
        SheetLintError: the sheet failed the lint; nothing was written.
        PlanFileError: the file could not be written (read-only folder, full disk...).
    """
    from desktop_app.storage.atomic import atomic_write_bytes

    path = Path(path)
    try:
        pdf = checked_order_sheet(plan, options)
    except SheetLintError as exc:
        raise SheetLintError(exc.violations, path) from None
    atomic_write_bytes(path, pdf)
    return pdf


__all__ = [
    "SheetLintError",
    "SheetOptions",
    "SheetTextError",
    "checked_order_sheet",
    "expectations_for",
    "export_order_sheet",
    "lint_order_sheet",
    "render_order_sheet",
]
