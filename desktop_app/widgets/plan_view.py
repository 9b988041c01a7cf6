"""The live plan: risk banner, orders, schedule, band tables, warnings; each line with its why.

The sections' HTML is built without Qt by `plan_html`; this module shows it, re-rendering only
the sections whose content changed, and turns its links into signals.
"""

from __future__ import annotations

import html
import re
from collections.abc import Callable, Sequence

from PySide6.QtCore import QEvent, QSize, Qt, Signal, Slot
from PySide6.QtGui import (
    QPainter,
    QPaintEvent,
    QPalette,
    QResizeEvent,
    QTextDocument,
    QTextTable,
)
from PySide6.QtWidgets import (
    QCheckBox,
    QFrame,
    QHBoxLayout,
    QLabel,
    QScrollArea,
    QStyle,
    QVBoxLayout,
    QWidget,
)

from desktop_app.logic.labels import ELECTROLYTE_TITLES, override_targets
from desktop_app.logic.override_check import OverrideRequest
from desktop_app.logic.plan import Plan
from desktop_app.logic.protocol import LoadedProtocol, Tier
from desktop_app.logic.textfmt import when
from desktop_app.widgets import ui_text
from desktop_app.widgets.plan_html import PlanHtml, Problem, banner_html, problems_html
from desktop_app.widgets.style import set_look, set_sheet
from desktop_app.widgets.trend_chart import BandLine, TrendChart, TrendPoint

_TIER_ICON = {
    Tier.standard: QStyle.StandardPixmap.SP_MessageBoxInformation,
    Tier.raised: QStyle.StandardPixmap.SP_MessageBoxWarning,
    Tier.high: QStyle.StandardPixmap.SP_MessageBoxCritical,
}
#: Narrowest width a plan text block is laid out at (pixels; a layout choice).
_MIN_TEXT_WIDTH = 240

__all__ = ["PlanView", "Problem"]


class _WrapLabel(QLabel):
    """A word-wrapped label that hints its own width and remembers its height for each width.

    A layout asks every height-for-width item for its height at the width of the layout's size
    hint. QLabel hints 80 characters (640 px) for wrapped text, so each changed label was laid
    out again at a width nobody sees, and with a long unbreakable word (the protocol hash in the
    footer) the plan column was forced wider than its viewport, so each changed label was laid
    out at two real widths too. This label hints its current width (and tells the layout when
    that width changes), its minimum width is small, and heights are cached per width until the
    text, font or style changes.
    """

    def __init__(self, text: str = "") -> None:
        super().__init__(text)
        self._heights: dict[int, int] = {}
        self.setWordWrap(True)

    def setText(self, text: str) -> None:
        if text != self.text():
            self._heights.clear()
            super().setText(text)

    def heightForWidth(self, width: int) -> int:
        height = self._heights.get(width)
        if height is None:
            height = super().heightForWidth(width)
            self._heights[width] = height
        return height

    def sizeHint(self) -> QSize:
        # The label always fills its column, so its current width is the natural hint.
        width = max(self.width(), _MIN_TEXT_WIDTH)
        return QSize(width, self.heightForWidth(width))

    def minimumSizeHint(self) -> QSize:
        return QSize(_MIN_TEXT_WIDTH, 0)

    def resizeEvent(self, event: QResizeEvent) -> None:
        if event.size().width() != event.oldSize().width():
            self.updateGeometry()  # the size hint follows the width
        super().resizeEvent(event)

    def changeEvent(self, event: QEvent) -> None:
        if event.type() in (QEvent.Type.FontChange, QEvent.Type.StyleChange):
            self._heights.clear()
            self.updateGeometry()
        super().changeEvent(event)


def _frame_indent(label: QLabel) -> None:
    """Indent a label's text by half an 'x', as Qt does for a label with a frame or padding.

    The status line and the footer had padding in the old application style sheet, which gave
    them this indent; kept so that the window looks the same.
    """
    label.setIndent(label.fontMetrics().horizontalAdvance("x") // 2)


class _FooterLabel(_WrapLabel):
    """The footer: small print under a thin rule.

    The rule is drawn here rather than by a style sheet's border: a style sheet puts a widget
    through QStyleSheetStyle, which made building and painting the window slow.
    """

    def __init__(self) -> None:
        super().__init__()
        self.setContentsMargins(0, 4, 0, 0)  # the rule, then 3 px

    def paintEvent(self, event: QPaintEvent) -> None:
        super().paintEvent(event)
        painter = QPainter(self)
        painter.setPen(self.palette().color(QPalette.ColorRole.Mid))
        painter.drawLine(0, 0, self.width() - 1, 0)
        painter.end()


class _RichLabel(_WrapLabel):
    """A word-wrapped rich-text label (a plan section's body).

    QLabel lays its whole document out again on every heightForWidth() call, and a layout pass
    asks every label; with the band tables that took most of a keystroke's time, hence the
    cache of `_WrapLabel`.
    """

    def __init__(self) -> None:
        super().__init__()
        self.setTextFormat(Qt.TextFormat.RichText)

    def set_rich_text(self, text: str) -> None:
        """Set the text (the cached heights are forgotten when it differs)."""
        self.setText(text)


class _Section(QWidget):
    """A titled block of rich text that is only re-rendered when its content changed."""

    def __init__(self, key: str, title: str, on_link: Callable[[str], None]) -> None:
        super().__init__()
        self.key = key
        self._signature: object = object()
        self._html = ""
        column = QVBoxLayout(self)
        column.setContentsMargins(0, 6, 0, 0)
        column.setSpacing(2)
        self.title = _WrapLabel(title)
        set_look(self.title, "sectionTitle")
        self.title.setAccessibleName(title)
        self.body = _RichLabel()
        self.body.setObjectName("sectionBody")
        self.body.setTextInteractionFlags(
            Qt.TextInteractionFlag.TextBrowserInteraction
            | Qt.TextInteractionFlag.LinksAccessibleByKeyboard
        )
        self.body.setOpenExternalLinks(False)
        self.body.setAccessibleName(title)
        self.body.linkActivated.connect(on_link)
        self.title.setBuddy(self.body)
        column.addWidget(self.title)
        column.addWidget(self.body)

    def update_body(self, signature: object, make_html: Callable[[], str]) -> bool:
        """Set the body from `make_html()` unless `signature` or the HTML is unchanged.

        Returns True when the label was given new text (the expensive part: Qt lays it out).
        """
        if signature == self._signature:
            return False
        self._signature = signature
        text = make_html()
        if text == self._html:
            return False
        self._html = text
        self.body.set_rich_text(text)
        return True

    def reset(self) -> None:
        """Forget the rendered content (the next render always happens)."""
        self._signature = object()
        self._html = ""


class PlanView(QScrollArea):
    """Shows a Plan, or the problems that stop one; never a stale plan as if current.

    Signals:
        problem_activated(str): the user followed a problem link; carries the field's path.
        override_requested(OverrideRequest): the user asked to change, decline, move, remove or
            add a line of the plan.
        withdraw_requested(int): the user asked to withdraw the prescriber override at this
            position of the inputs.
    """

    problem_activated = Signal(str)
    override_requested = Signal(object)
    withdraw_requested = Signal(int)

    SECTIONS = (
        ("risk", "Why this risk tier"),
        ("gates", "PRESCRIBER REVIEW REQUIRED: automatic dosing is stopped"),
        ("action", "Action now"),
        ("orders", "Orders now"),
        ("b12", "B12 order"),
        ("schedule", "Monitoring schedule (clock times)"),
        ("warnings", "Warnings"),
        ("overrides", "Prescriber overrides"),
        ("followups", "Results since the first dose"),
        ("k_bands", "Potassium: for each later result"),
        ("mg_bands", "Magnesium: for each later result"),
        ("po4_bands", "Phosphate: for each later result"),
        ("hold", "Hold rules"),
        ("escalation", "Escalate at once if"),
        ("labs", "Baseline results"),
        ("foods", "Potassium-rich food (advice)"),
        ("sources", "Sources"),
    )

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        # A tab stop of its own (the arrow keys scroll the plan): it says what it is.
        self.setAccessibleName(ui_text.PLAN_VIEW_NAME)
        self._plan: Plan | None = None
        self._lp: LoadedProtocol | None = None
        self._expanded: set[str] = set()
        self._build()
        self._layout()
        self._connect()

    def _build(self) -> None:
        self.not_for_clinical_use = _WrapLabel()
        set_sheet(self.not_for_clinical_use, "notForClinicalUse")
        self.not_for_clinical_use.hide()
        self.status = _WrapLabel()
        set_look(self.status, "planStatus")
        self.status.setContentsMargins(0, 2, 0, 2)
        _frame_indent(self.status)
        self.problems = QLabel()
        set_sheet(self.problems, "problems")
        self.problems.setWordWrap(True)
        self.problems.setTextFormat(Qt.TextFormat.RichText)
        self.problems.setTextInteractionFlags(
            Qt.TextInteractionFlag.TextBrowserInteraction
            | Qt.TextInteractionFlag.LinksAccessibleByKeyboard
        )
        self.problems.setAccessibleName("Inputs to fix before the plan can be made")
        self.banner = QFrame()
        self._banner_tier: str | None = None
        set_sheet(self.banner, "riskBanner")
        self.banner_icon = QLabel()
        self.banner_icon.setAccessibleName("Risk tier icon")
        self.banner_text = _WrapLabel()
        self.banner_text.setObjectName("riskBannerText")
        self.show_all = QCheckBox(ui_text.SHOW_ALL_REASONS)
        self.show_all.setAccessibleName(ui_text.SHOW_ALL_REASONS)
        self.sections: dict[str, _Section] = {
            key: _Section(key, title, self._on_link) for key, title in self.SECTIONS
        }
        self.charts: list[TrendChart] = [TrendChart() for _ in ELECTROLYTE_TITLES]
        self.footer = _FooterLabel()
        set_look(self.footer, "footer")
        _frame_indent(self.footer)
        self.footer.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)

    def _layout(self) -> None:
        inner = QWidget()
        inner.setObjectName("planInner")
        column = QVBoxLayout(inner)
        column.addWidget(self.not_for_clinical_use)
        column.addWidget(self.status)
        column.addWidget(self.problems)
        self.plan_box = QWidget()
        plan_column = QVBoxLayout(self.plan_box)
        plan_column.setContentsMargins(0, 0, 0, 0)
        banner_row = QHBoxLayout(self.banner)
        banner_row.addWidget(self.banner_icon, 0, Qt.AlignmentFlag.AlignTop)
        banner_row.addWidget(self.banner_text, 1)
        plan_column.addWidget(self.banner)
        plan_column.addWidget(self.show_all)
        for key, section in self.sections.items():
            plan_column.addWidget(section)
            if key == "followups":
                for chart in self.charts:
                    plan_column.addWidget(chart)
        column.addWidget(self.plan_box)
        column.addStretch(1)
        column.addWidget(self.footer)
        self.setWidget(inner)
        self.setWidgetResizable(True)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.plan_box.hide()
        self.problems.hide()

    def _connect(self) -> None:
        self.show_all.toggled.connect(self._on_show_all_toggled)
        self.problems.linkActivated.connect(self._on_problem_link)

    # ----- public API ----------------------------------------------------------------------

    def set_protocol(self, lp: LoadedProtocol) -> None:
        """Show the protocol stamp and, unless it is approved, NOT FOR CLINICAL USE."""
        self._lp = lp
        p = lp.protocol
        state = lp.approval_state
        if state.state == "draft":
            text = ui_text.NOT_FOR_CLINICAL_USE.format(
                protocol=p.protocol_id, version=p.version, status=state.state
            )
        else:
            text = ui_text.NOT_FOR_CLINICAL_USE_BECAUSE.format(reason=state.reason)
        self.not_for_clinical_use.setText(text)
        self.not_for_clinical_use.setVisible(lp.not_for_clinical_use)
        signed = (
            ui_text.PROTOCOL_SIGNED.format(reason=state.reason, key=state.key_fingerprint)
            if state.approved
            else ui_text.PROTOCOL_NOT_APPROVED.format(state=state.state)
        )
        self.footer.setText(
            f"Protocol {p.protocol_id} {p.version} ({p.title}), {signed}, "
            f"SHA-256 {lp.sha256}, content SHA-256 {state.content_sha256}. {p.intended_use}"
        )

    def show_plan(self, plan: Plan) -> None:
        """Show `plan` as the current plan (only changed sections are re-rendered)."""
        self._plan = plan
        stamp = plan.protocol
        if stamp.not_for_clinical_use and stamp.approval_state != "draft":
            self.not_for_clinical_use.setText(
                ui_text.NOT_FOR_CLINICAL_USE_BECAUSE.format(reason=stamp.not_approved_text)
            )
        self.not_for_clinical_use.setVisible(stamp.not_for_clinical_use)
        self.status.setText(ui_text.PLAN_CURRENT.format(when=when(plan.generated_at)))
        self.problems.hide()
        self._render_banner(plan)
        self._render_sections(plan)
        self.plan_box.show()

    def show_problems(self, problems: Sequence[Problem]) -> None:
        """Show why there is no plan; the last plan is hidden, never shown as current."""
        self._plan = None
        self.plan_box.hide()
        if not problems:
            self.status.setText(ui_text.NO_PLAN_EMPTY)
            self.problems.hide()
            return
        self.status.setText(ui_text.NO_PLAN)
        self.problems.setText(problems_html(problems))
        self.problems.show()

    def current_plan(self) -> Plan | None:
        """Return the plan shown, or None when problems are shown instead."""
        return self._plan

    def section_text(self, key: str) -> str:
        """Return the plain text a section shows ('' when hidden or without a plan)."""
        section = self.sections[key]
        if self._plan is None or section.isHidden():
            return ""
        return _plain(section.body.text())

    def table_rows(self, key: str) -> list[list[str]]:
        """Return the cell texts of the tables a section shows, row by row."""
        doc = QTextDocument()
        doc.setHtml(self.sections[key].body.text())
        rows: list[list[str]] = []
        frame_iter = doc.rootFrame().begin()
        while not frame_iter.atEnd():
            frame = frame_iter.currentFrame()
            table = frame if isinstance(frame, QTextTable) else None
            if table is not None:
                for r in range(table.rows()):
                    row = []
                    for c in range(table.columns()):
                        cell = table.cellAt(r, c)
                        cursor = cell.firstCursorPosition()
                        cursor.setPosition(
                            cell.lastCursorPosition().position(), cursor.MoveMode.KeepAnchor
                        )
                        row.append(cursor.selectedText().replace("\u2029", "\n").strip())
                    rows.append(row)
            frame_iter += 1
        return rows

    def action_links(self, key: str) -> dict[str, str]:
        """Return {href: link text} of the links a section (or 'problems') shows, in order."""
        label = self.problems if key == "problems" else self.sections[key].body
        found = re.findall(r'<a href="([^"]*)">(.*?)</a>', label.text())
        return {html.unescape(href): _plain(text) for href, text in found}

    def problems_text(self) -> str:
        """Return the problems shown as plain text ('' when a plan is shown)."""
        return "" if self.problems.isHidden() else _plain(self.problems.text())

    def set_expanded(self, key: str, expanded: bool) -> None:
        """Show or hide the reason of one line (key like 'orders:0')."""
        if expanded:
            self._expanded.add(key)
        else:
            self._expanded.discard(key)
        if self._plan is not None:
            self._render_sections(self._plan)

    # ----- rendering -----------------------------------------------------------------------

    def _is_open(self, key: str) -> bool:
        return self.show_all.isChecked() or key in self._expanded

    def _signature(self, name: str, data: object) -> tuple[object, ...]:
        opened = frozenset(k for k in self._expanded if k.startswith(name + ":"))
        return (data, opened, self.show_all.isChecked())

    def _render_banner(self, plan: Plan) -> None:
        tier = plan.risk.tier
        icon = self.style().standardIcon(_TIER_ICON[tier])
        size = self.fontMetrics().height() * 2
        self.banner_icon.setPixmap(icon.pixmap(size, size))
        self.banner_icon.setAccessibleName(f"{plan.risk.label} icon")
        self.banner_text.setText(banner_html(plan))
        self.banner.setAccessibleName(f"Risk tier: {plan.risk.label}")
        if self._banner_tier != tier.value:
            self._banner_tier = tier.value
            self.banner.setProperty("tier", tier.value)
            self.banner.style().unpolish(self.banner)
            self.banner.style().polish(self.banner)

    def _render_sections(self, plan: Plan) -> None:
        h = PlanHtml(plan, self._is_open)
        renderers: dict[str, tuple[object, Callable[[], str], bool]] = {
            "risk": ((plan.risk, plan.anaemia), h.risk, True),
            "gates": (
                plan.gates,
                lambda: h.lines("gates", plan.gates, "<b>STOP:</b> "),
                bool(plan.gates),
            ),
            "action": (
                plan.action_now,
                h.action,
                True,
            ),
            "orders": (
                (plan.orders_now, plan.potassium_per_day_text),
                h.orders,
                True,
            ),
            "b12": (plan.b12_order, h.b12, True),
            "schedule": (
                (plan.schedule, plan.first_dose_at, plan.overrides, plan.progress),
                h.schedule,
                True,
            ),
            "warnings": (plan.warnings, h.warnings, bool(plan.warnings)),
            "overrides": (
                # The list names each overridden line, which moves with the first dose.
                (plan.overrides, tuple(override_targets(plan).items())),
                h.overrides,
                bool(plan.overrides),
            ),
            "followups": (
                (plan.followups, plan.action_now),
                h.followups,
                bool(plan.followups),
            ),
            "k_bands": (plan.k_bands, lambda: h.bands("k_bands", plan.k_bands), True),
            "mg_bands": (plan.mg_bands, lambda: h.bands("mg_bands", plan.mg_bands), True),
            "po4_bands": (
                plan.po4_bands,
                lambda: h.bands("po4_bands", plan.po4_bands),
                True,
            ),
            "hold": (plan.hold_rules, lambda: h.lines("hold", plan.hold_rules), True),
            "escalation": (
                plan.escalation,
                lambda: h.lines("escalation", plan.escalation),
                True,
            ),
            "labs": (plan.labs, h.labs, bool(plan.labs)),
            "foods": ((plan.foods, plan.food_note), h.foods, True),
            "sources": (plan.references, h.sources, True),
        }
        for key, (data, make, visible) in renderers.items():
            section = self.sections[key]
            section.setVisible(visible)
            if visible:
                section.update_body(self._signature(key, data), make)
        self._render_charts(plan)

    def _render_charts(self, plan: Plan) -> None:
        for chart, analyte in zip(self.charts, ELECTROLYTE_TITLES, strict=True):
            points = tuple(
                TrendPoint(fu.hours_after_first_dose, fu.value, fu.text)
                for fu in plan.followups
                if fu.analyte == analyte
            )
            chart.setVisible(bool(points))
            if points and self._lp is not None:
                chart.set_series(
                    ELECTROLYTE_TITLES[analyte],
                    self._band_unit(analyte),
                    points,
                    self._band_lines(plan, analyte),
                    self._baseline(plan, analyte),
                    self._hold_at(analyte),
                )

    @staticmethod
    def _band_lines(plan: Plan, analyte: str) -> tuple[BandLine, ...]:
        """The lower bound and label of each of the plan's bands for `analyte`."""
        rows = {"potassium": plan.k_bands, "magnesium": plan.mg_bands, "phosphate": plan.po4_bands}
        return tuple(BandLine(b.lower, b.label) for b in rows[analyte] if b.lower is not None)

    @staticmethod
    def _baseline(plan: Plan, analyte: str) -> TrendPoint | None:
        """The plan's baseline result for `analyte`, placed in hours after the first dose."""
        for lab in plan.labs:
            if lab.analyte == analyte:
                hours = (lab.sampled_at - plan.first_dose_at).total_seconds() / 3600
                return TrendPoint(hours, lab.value, lab.text)
        return None

    def _band_unit(self, analyte: str) -> str:
        assert self._lp is not None
        section = getattr(self._lp.protocol, analyte)
        return next((b.lower.unit for b in section.bands if b.lower is not None), "")

    def _hold_at(self, analyte: str) -> float | None:
        """The protocol's hold threshold (potassium only): the plan states it only in words."""
        assert self._lp is not None
        hold = getattr(getattr(self._lp.protocol, analyte), "hold_at_or_above", None)
        return None if hold is None else float(hold.value)

    # ----- slots ---------------------------------------------------------------------------

    @Slot(str)
    def _on_link(self, href: str) -> None:
        if href.startswith("why:"):
            key = href[4:]
            self.set_expanded(key, key not in self._expanded)
        elif href.startswith("override:"):
            parts = href.split(":")
            hours = float(parts[3]) if len(parts) > 3 else None
            self.override_requested.emit(OverrideRequest(parts[1], parts[2], hours))  # type: ignore[arg-type]
        elif href.startswith("withdraw:"):
            self.withdraw_requested.emit(int(href[len("withdraw:") :]))
        elif href.startswith(("http://", "https://")):
            from PySide6.QtCore import QUrl
            from PySide6.QtGui import QDesktopServices

            QDesktopServices.openUrl(QUrl(href))

    @Slot(str)
    def _on_problem_link(self, href: str) -> None:
        if href.startswith("field:"):
            self.problem_activated.emit(html.unescape(href[len("field:") :]))
        elif href.startswith("withdraw:"):
            self.withdraw_requested.emit(int(href[len("withdraw:") :]))

    @Slot(bool)
    def _on_show_all_toggled(self, _checked: bool) -> None:
        if self._plan is not None:
            self._render_sections(self._plan)


def _plain(rich: str) -> str:
    doc = QTextDocument()
    doc.setHtml(rich)
    return doc.toPlainText()
