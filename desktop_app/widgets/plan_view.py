"""The live plan: risk banner, orders, schedule, band tables, warnings; each line with its why."""

from __future__ import annotations

import html
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

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

from desktop_app.logic.plan import BandRow, Draw, Order, OverrideNote, Plan, Reason, ReferenceEntry
from desktop_app.logic.protocol import LoadedProtocol, Tier
from desktop_app.logic.textfmt import clock, num, when
from desktop_app.override_check import OverrideRequest
from desktop_app.widgets import ui_text
from desktop_app.widgets.style import set_look, set_sheet
from desktop_app.widgets.trend_chart import TrendChart, TrendPoint

_TIER_ICON = {
    Tier.standard: QStyle.StandardPixmap.SP_MessageBoxInformation,
    Tier.raised: QStyle.StandardPixmap.SP_MessageBoxWarning,
    Tier.high: QStyle.StandardPixmap.SP_MessageBoxCritical,
}
#: Narrowest width a plan text block is laid out at (pixels; a layout choice).
_MIN_TEXT_WIDTH = 240
_LEVEL_WORD = {"danger": "DANGER", "warning": "WARNING", "info": "NOTE"}
_ELECTROLYTE = {"potassium": "Potassium", "magnesium": "Magnesium", "phosphate": "Phosphate"}
#: Orders that hold a medicine a prescriber may decline (the others say "no order" or "hold").
_DECLINABLE = ("oral", "iv", "prescriber")


@dataclass(frozen=True)
class Problem:
    """One reason there is no plan: the model path, the field's label and the message."""

    path: str
    label: str
    message: str


def _e(text: object) -> str:
    return html.escape(str(text), quote=False)


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

    def setText(self, text: str) -> None:  # noqa: N802 - Qt override
        if text != self.text():
            self._heights.clear()
            super().setText(text)

    def heightForWidth(self, width: int) -> int:  # noqa: N802 - Qt override
        height = self._heights.get(width)
        if height is None:
            height = super().heightForWidth(width)
            self._heights[width] = height
        return height

    def sizeHint(self) -> QSize:  # noqa: N802 - Qt override
        # The label always fills its column, so its current width is the natural hint.
        width = max(self.width(), _MIN_TEXT_WIDTH)
        return QSize(width, self.heightForWidth(width))

    def minimumSizeHint(self) -> QSize:  # noqa: N802 - Qt override
        return QSize(_MIN_TEXT_WIDTH, 0)

    def resizeEvent(self, event: QResizeEvent) -> None:  # noqa: N802 - Qt override
        if event.size().width() != event.oldSize().width():
            self.updateGeometry()  # the size hint follows the width
        super().resizeEvent(event)

    def changeEvent(self, event: QEvent) -> None:  # noqa: N802 - Qt override
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

    def paintEvent(self, event: QPaintEvent) -> None:  # noqa: N802 - Qt override
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
        ("escalation", "Call the doctor at once if"),
        ("labs", "Baseline results"),
        ("foods", "Potassium-rich food (advice)"),
        ("sources", "Sources"),
    )

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._plan: Plan | None = None
        self._lp: LoadedProtocol | None = None
        self._expanded: set[str] = set()
        self._refs: dict[str, ReferenceEntry] = {}
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
        self.charts: list[TrendChart] = [TrendChart() for _ in _ELECTROLYTE]
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
        self.not_for_clinical_use.setText(
            ui_text.NOT_FOR_CLINICAL_USE.format(
                protocol=p.protocol_id, version=p.version, status=p.approval.status
            )
        )
        self.not_for_clinical_use.setVisible(lp.not_for_clinical_use)
        self.footer.setText(
            f"Protocol {p.protocol_id} {p.version} ({p.title}), status {p.approval.status}, "
            f"SHA-256 {lp.sha256}. {p.intended_use}"
        )

    def show_plan(self, plan: Plan) -> None:
        """Show `plan` as the current plan (only changed sections are re-rendered)."""
        self._plan = plan
        self._refs = {r.key: r for r in plan.references}
        self.not_for_clinical_use.setVisible(plan.protocol.not_for_clinical_use)
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
        items = "".join(
            f"<li>{_problem_label(p)}: {_e(p.message)}" + _withdraw_problem_link(p.path) + "</li>"
            for p in problems
        )
        self.problems.setText(f"<ul>{items}</ul>")
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

    def _why_link(self, key: str) -> str:
        text = ui_text.WHY_HIDE if self._is_open(key) else ui_text.WHY_SHOW
        return f' <a href="why:{key}">{text}</a>'

    def _why_block(self, key: str, reason: Reason) -> str:
        if not self._is_open(key):
            return ""
        parts = [
            f"<b>Rules:</b> {_e(', '.join(reason.rule_ids))}"
            + (" <b>(local policy)</b>" if reason.local_policy else "")
        ]
        if reason.inputs:
            used = "; ".join(
                f"{_e(i.name)} {_e(i.value)}"
                + (f" (sampled {_e(when(i.sampled_at))})" if i.sampled_at else "")
                for i in reason.inputs
            )
            parts.append(f"<b>Inputs used:</b> {used}")
        sources = []
        for key_ in reason.sources:
            ref = self._refs.get(key_)
            if ref is None:
                sources.append(_e(key_))
                continue
            grade = f"grade {ref.grade}" if ref.grade else "local policy"
            sources.append(f"{_e(key_)}: {_e(ref.title)} ({grade})")
        parts.append("<b>Sources:</b> " + "; ".join(sources))
        if reason.explanation:
            parts.append(f"<b>Note:</b> {_e(reason.explanation)}")
        return '<div style="margin-left:18px; font-size:small">' + "<br>".join(parts) + "</div>"

    def _line(self, key: str, text: str, reason: Reason, prefix: str = "") -> str:
        return f"<p>{prefix}{_e(text)}{self._why_link(key)}</p>{self._why_block(key, reason)}"

    def _signature(self, name: str, data: object) -> tuple[object, ...]:
        opened = frozenset(k for k in self._expanded if k.startswith(name + ":"))
        return (data, opened, self.show_all.isChecked())

    def _render_banner(self, plan: Plan) -> None:
        tier = plan.risk.tier
        icon = self.style().standardIcon(_TIER_ICON[tier])
        size = self.fontMetrics().height() * 2
        self.banner_icon.setPixmap(icon.pixmap(size, size))
        self.banner_icon.setAccessibleName(f"{plan.risk.label} icon")
        factors = len(plan.risk.factors)
        self.banner_text.setText(
            f"<b>{_e(plan.risk.label)}</b><br>{_e(plan.anaemia.text)}. "
            f"{factors} risk factor{'s' if factors != 1 else ''}. "
            f"{_e(plan.patient.name)} ({_e(plan.patient.identifier)}), age {plan.age_years}. "
            f"First B12 dose {_e(when(plan.first_dose_at))}."
        )
        self.banner.setAccessibleName(f"Risk tier: {plan.risk.label}")
        if getattr(self.banner, "_b12k_tier", None) != tier.value:
            self.banner._b12k_tier = tier.value  # type: ignore[attr-defined]
            self.banner.setProperty("tier", tier.value)
            self.banner.style().unpolish(self.banner)
            self.banner.style().polish(self.banner)

    def _render_sections(self, plan: Plan) -> None:
        renderers: dict[str, tuple[object, Callable[[], str], bool]] = {
            "risk": ((plan.risk, plan.anaemia), lambda: self._html_risk(plan), True),
            "gates": (
                plan.gates,
                lambda: self._html_lines("gates", plan.gates, "<b>STOP:</b> "),
                bool(plan.gates),
            ),
            "action": (
                plan.action_now,
                lambda: self._line("action:0", plan.action_now.text, plan.action_now.reason),
                True,
            ),
            "orders": (
                (plan.orders_now, plan.potassium_per_day_text),
                lambda: self._html_orders(plan),
                True,
            ),
            "b12": (plan.b12_order, lambda: self._html_b12(plan), True),
            "schedule": (
                (plan.schedule, plan.first_dose_at, plan.overrides),
                lambda: self._html_schedule(plan),
                True,
            ),
            "warnings": (plan.warnings, lambda: self._html_warnings(plan), bool(plan.warnings)),
            "overrides": (
                # The list names each overridden line, which moves with the first dose.
                (plan.overrides, tuple(_override_targets(plan).items())),
                lambda: self._html_overrides(plan),
                bool(plan.overrides),
            ),
            "followups": (
                (plan.followups, plan.action_now),
                lambda: self._html_followups(plan),
                bool(plan.followups),
            ),
            "k_bands": (plan.k_bands, lambda: self._html_bands("k_bands", plan.k_bands), True),
            "mg_bands": (plan.mg_bands, lambda: self._html_bands("mg_bands", plan.mg_bands), True),
            "po4_bands": (
                plan.po4_bands,
                lambda: self._html_bands("po4_bands", plan.po4_bands),
                True,
            ),
            "hold": (plan.hold_rules, lambda: self._html_lines("hold", plan.hold_rules), True),
            "escalation": (
                plan.escalation,
                lambda: self._html_lines("escalation", plan.escalation),
                True,
            ),
            "labs": (plan.labs, lambda: self._html_labs(plan), bool(plan.labs)),
            "foods": ((plan.foods, plan.food_note), lambda: self._html_foods(plan), True),
            "sources": (plan.references, lambda: self._html_sources(plan), True),
        }
        for key, (data, make, visible) in renderers.items():
            section = self.sections[key]
            section.setVisible(visible)
            if visible:
                section.update_body(self._signature(key, data), make)
        self._render_charts(plan)

    def _html_risk(self, plan: Plan) -> str:
        out = [self._line("risk:tier", f"Risk tier: {plan.risk.label}", plan.risk.reason)]
        for i, factor in enumerate(plan.risk.factors):
            out.append(
                self._line(
                    f"risk:{i}",
                    f"{factor.label} ({factor.tier.value}-risk factor)",
                    factor.reason,
                    "&bull; ",
                )
            )
        out.append(self._line("risk:anaemia", plan.anaemia.text, plan.anaemia.reason))
        return "".join(out)

    def _html_lines(self, name: str, lines: Sequence[Any], prefix: str = "&bull; ") -> str:
        return "".join(
            self._line(f"{name}:{i}", line.text, line.reason, prefix)
            for i, line in enumerate(lines)
        )

    def _html_orders(self, plan: Plan) -> str:
        out = []
        for i, order in enumerate(plan.orders_now):
            label = _ELECTROLYTE[order.electrolyte]
            flag = " <b>[prescriber must confirm]</b>" if order.needs_prescriber else ""
            line = (
                f"<p><b>{label}:</b> {_e(order.text)}{flag}{self._why_link(f'orders:{i}')}"
                f"{self._order_links(order)}</p>"
            )
            if order.override is not None:
                line = _boxed(_override_mark(order.override) + line + _note_html(order.override))
            out.append(line + self._why_block(f"orders:{i}", order.reason))
        out.append(f"<p><b>Total potassium:</b> {_e(plan.potassium_per_day_text)}.</p>")
        return "".join(out)

    @staticmethod
    def _order_links(order: Order) -> str:
        if order.override is not None:
            return ""
        actions = ["change"] + (["decline"] if order.kind in _DECLINABLE else [])
        links = [
            _link(f"override:{order.electrolyte}:{a}", ui_text.OVERRIDE_LINK[a]) for a in actions
        ]
        return "<br>" + " &nbsp; ".join(links)

    def _html_overrides(self, plan: Plan) -> str:
        what = _override_targets(plan)
        out = []
        for n in plan.overrides:
            out.append(
                f"<p><b>{ui_text.OVERRIDE_ROW.format(n=n.index + 1)}</b>: "
                f"{_e(what[n.index])} {ui_text.OVERRIDE_ACTION_TEXT.get(n.action, n.action)} by "
                f"{_e(n.prescriber)}. Reason: {_e(n.reason)}. Protocol recommended: "
                f"{_e(n.recommended_text.rstrip('.'))}."
                + (
                    " <b>Differs from the protocol</b> (second confirmation given)."
                    if n.outside_band
                    else " Within the protocol's recommendation."
                )
                + f" {_link(f'withdraw:{n.index}', ui_text.OVERRIDE_LINK['withdraw'])}</p>"
            )
        return "".join(out)

    def _html_b12(self, plan: Plan) -> str:
        order = plan.b12_order
        doses = "; ".join(f"{d.number}) {when(d.at)}" for d in order.dose_times)
        return (
            self._line("b12:0", order.text, order.reason)
            + f"<p><b>Loading doses:</b> {_e(doses)}</p>"
        )

    def _html_schedule(self, plan: Plan) -> str:
        rows = [
            "<tr><th align=left>Date</th><th align=left>Clock time</th>"
            "<th align=left>After first dose</th><th align=left>Tests</th><th></th>"
            f"<th align=left>{ui_text.SCHEDULE_CHANGE_COLUMN}</th></tr>"
        ]
        for i, draw in enumerate(plan.schedule):
            key = f"schedule:{i}"
            rel = (
                "before the first dose"
                if draw.before_first_dose
                else (f"+{num(draw.hours_after_first_dose)} hours, day {draw.day}")
            )
            day_text = when(draw.at).rsplit(" ", 1)[0]
            tests = _e(draw.label)
            if draw.override is not None:
                tests = _override_mark(draw.override) + tests + _note_html(draw.override)
            rows.append(
                f"<tr><td>{_e(day_text)}</td><td><b>{clock(draw.at)}</b></td><td>{_e(rel)}</td>"
                f"<td>{tests}</td><td>{self._why_link(key)}</td>"
                f"<td>{self._draw_links(draw)}</td></tr>"
            )
            block = self._why_block(key, draw.reason)
            if block:
                rows.append(f"<tr><td colspan=6>{_e(draw.purpose)}{block}</td></tr>")
        ends = when(plan.monitoring_ends_at)
        removed = "".join(
            _boxed(
                _override_mark(n)
                + f"<p>Removed: {_e(n.recommended_text)}.</p>"
                + _note_html(n, recommended=False)
            )
            for n in plan.overrides
            if n.action == "remove"
        )
        return (
            f"<p>First B12 dose: <b>{_e(when(plan.first_dose_at))}</b>. Potassium, magnesium and "
            f"phosphate monitoring runs until {_e(ends)}.</p>"
            f'<table cellspacing=0 cellpadding=3 border=1 width="100%">{"".join(rows)}</table>'
            f"{removed}<p>{_link('override:draw:add', ui_text.OVERRIDE_LINK['add'])}</p>"
        )

    @staticmethod
    def _draw_links(draw: Draw) -> str:
        if draw.before_first_dose:
            return ""
        hours = repr(draw.hours_after_first_dose)
        move, remove, tests = (
            _link(f"override:draw:{action}:{hours}", ui_text.OVERRIDE_LINK[name])
            for action, name in (("move", "move"), ("remove", "remove"), ("change", "tests"))
        )
        return f"{move}&nbsp; {remove}<br>{tests}"

    def _html_warnings(self, plan: Plan) -> str:
        return "".join(
            self._line(f"warnings:{i}", w.text, w.reason, f"<b>{_LEVEL_WORD[w.level]}:</b> ")
            for i, w in enumerate(plan.warnings)
        )

    def _html_followups(self, plan: Plan) -> str:
        rows = [
            "<tr><th align=left>Sample time</th><th align=left>Test</th>"
            "<th align=left>Result</th><th align=left>After first dose</th>"
            "<th align=left>Band</th></tr>"
        ]
        for fu in plan.followups:
            rows.append(
                f"<tr><td>{_e(when(fu.sampled_at))}</td><td>{_ELECTROLYTE[fu.analyte]}</td>"
                f"<td>{_e(fu.text)}</td><td>+{num(fu.hours_after_first_dose, 1)} hours</td>"
                f"<td>{_e(fu.band_label)}</td></tr>"
            )
        return f'<table cellspacing=0 cellpadding=3 border=1 width="100%">{"".join(rows)}</table>'

    def _render_charts(self, plan: Plan) -> None:
        for chart, analyte in zip(self.charts, _ELECTROLYTE, strict=True):
            points = tuple(
                TrendPoint(fu.hours_after_first_dose, fu.value, fu.text)
                for fu in plan.followups
                if fu.analyte == analyte
            )
            chart.setVisible(bool(points))
            if points and self._lp is not None:
                section = getattr(self._lp.protocol, analyte)
                limits = tuple(b.lower.value for b in section.bands if b.lower is not None)
                unit = next((b.lower.unit for b in section.bands if b.lower is not None), "")
                chart.set_series(_ELECTROLYTE[analyte], unit, points, limits)

    def _html_bands(self, name: str, rows_: tuple[BandRow, ...]) -> str:
        rows = [
            "<tr><th align=left>Result</th><th align=left>What to do</th>"
            "<th align=left>Recheck and alerts</th><th></th></tr>"
        ]
        for i, row in enumerate(rows_):
            key = f"{name}:{i}"
            alerts_ = []
            if row.recheck_hours:
                alerts_.append(f"recheck within {num(row.recheck_hours)} hours")
            if row.call_doctor:
                alerts_.append("<b>call the doctor</b>")
            if row.ecg:
                alerts_.append("<b>12-lead ECG</b>")
            if row.gated:
                alerts_.append("<b>prescriber decides</b>")
            order = ""
            if row.order is not None and not row.gated:
                order = f"<br>{_e(row.order.text)}"
            rows.append(
                f"<tr><td>{_e(row.label)}</td><td>{_e(row.instruction)}{order}</td>"
                f"<td>{'; '.join(alerts_)}</td><td>{self._why_link(key)}</td></tr>"
            )
            block = self._why_block(key, row.reason)
            if block:
                rows.append(f"<tr><td colspan=4>{block}</td></tr>")
        return f'<table cellspacing=0 cellpadding=3 border=1 width="100%">{"".join(rows)}</table>'

    def _html_labs(self, plan: Plan) -> str:
        rows = [
            "<tr><th align=left>Test</th><th align=left>Result</th>"
            "<th align=left>As entered</th><th align=left>Sampled</th>"
            "<th align=left>Flags</th></tr>"
        ]
        for lab in plan.labs:
            rows.append(
                f"<tr><td>{_e(lab.label)}</td><td>{_e(lab.text)}</td><td>{_e(lab.entered_text)}</td>"
                f"<td>{_e(when(lab.sampled_at))}</td>"
                f"<td><b>{_e(', '.join(lab.flags))}</b></td></tr>"
            )
        return f'<table cellspacing=0 cellpadding=3 border=1 width="100%">{"".join(rows)}</table>'

    def _html_foods(self, plan: Plan) -> str:
        items = "".join(
            f"<li>{_e(f.name)}, {_e(f.portion)}: {_e(f.amount_text)}</li>" for f in plan.foods
        )
        return self._line("foods:note", plan.food_note.text, plan.food_note.reason) + (
            f"<ul>{items}</ul>"
        )

    def _html_sources(self, plan: Plan) -> str:
        items = []
        for ref in plan.references:
            grade = f"grade {ref.grade}" if ref.grade else "local policy"
            title = _e(ref.title)
            if ref.url:
                title = f'<a href="{html.escape(ref.url)}">{title}</a>'
            items.append(f"<li><b>{_e(ref.key)}</b> ({grade}): {title}</li>")
        return f"<ul>{''.join(items)}</ul>"

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


def _link(href: str, text: str) -> str:
    return f'<a href="{html.escape(href)}">{_e(text)}</a>'


def _override_mark(note: OverrideNote) -> str:
    template = ui_text.OVERRIDE_MARK_OUTSIDE if note.outside_band else ui_text.OVERRIDE_MARK_INSIDE
    return f"<p><b>{_e(template.format(n=note.index + 1))}</b></p>"


def _note_html(note: OverrideNote, recommended: bool = True) -> str:
    text = (
        f"<p>{_e(ui_text.OVERRIDE_ACTION_TEXT.get(note.action, note.action)).capitalize()} by "
        f"<b>{_e(note.prescriber)}</b>. Reason: {_e(note.reason)}."
    )
    if recommended:
        text += f"<br>Protocol recommended: {_e(note.recommended_text.rstrip('.'))}."
    link = _link(f"withdraw:{note.index}", ui_text.OVERRIDE_LINK["withdraw"])
    return f"{text} {link}</p>"


def _boxed(inner: str) -> str:
    """A framed block, so that an overridden line stands apart (the words say why)."""
    return (
        '<table cellspacing=0 cellpadding=4 border=2 width="100%"><tr><td>'
        f"{inner}</td></tr></table>"
    )


def _override_targets(plan: Plan) -> dict[int, str]:
    """Return what each override changed, by its position in the inputs."""
    out: dict[int, str] = {}
    for order in plan.orders_now:
        if order.override is not None:
            out[order.override.index] = f"{_ELECTROLYTE[order.electrolyte]} order"
    for draw in plan.schedule:
        if draw.override is not None:
            out[draw.override.index] = f"Monitoring draw at {when(draw.at)}"
    for note in plan.overrides:
        out.setdefault(note.index, "Monitoring draw")
    return out


def _problem_label(problem: Problem) -> str:
    """The problem's field as a link to it; an override has no field (it offers withdraw)."""
    if problem.path.startswith("overrides["):
        return f"<b>{_e(problem.label)}</b>"
    return f'<a href="field:{_e(problem.path)}">{_e(problem.label)}</a>'


def _withdraw_problem_link(path: str) -> str:
    match = re.match(r"^overrides\[(\d+)\]", path)
    if match is None:
        return ""
    return f" ({_link(f'withdraw:{match[1]}', ui_text.WITHDRAW_PROBLEM)})"


def _plain(rich: str) -> str:
    doc = QTextDocument()
    doc.setHtml(rich)
    return doc.toPlainText()
