"""The override dialog: a prescriber changes or declines one line of the plan, with a reason.

The dialog asks only for what applies to the line, then hands the override to a check (the
engine, through `desktop_app.logic.override_check`). A refusal is shown in the engine's words
and the dialog stays open; a change that differs from the recommendation needs a second
confirmation.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from datetime import datetime
from itertools import pairwise
from typing import Any, get_args

from pydantic import BaseModel, ValidationError
from PySide6.QtCore import Qt, Slot
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QVBoxLayout,
    QWidget,
)

from desktop_app.logic.models import Override
from desktop_app.logic.override_check import OverrideCheck, OverrideRequest
from desktop_app.logic.plan import Draw, Order, Plan
from desktop_app.logic.protocol import IVProduct, Product, Protocol
from desktop_app.logic.textfmt import num, when
from desktop_app.widgets import alerts, ui_text
from desktop_app.widgets.datetime_field import DateTimeEdit
from desktop_app.widgets.entry import EntryError, format_datetime, format_number, parse_datetime
from desktop_app.widgets.entry import parse_number as parse_entry_number
from desktop_app.widgets.fields import InlineMessage, datetime_edit, line_edit, mark_invalid
from desktop_app.widgets.style import set_look

_log = logging.getLogger(__name__)

#: Editors of an order change, in tab order.
_ORDER_FIELDS = ("product_id", "units_per_dose", "times_per_day", "review_after_hours", "iv_rate")

Check = Callable[[Override], OverrideCheck]

#: A run of this many characters without a space gets places to break (see `_breakable`).
_LONG_WORD = 24
_ZWSP = "\u200b"


def _breakable(text: str) -> str:
    """Return `text` with zero-width spaces inside words of `_LONG_WORD` characters or more.

    A problem may quote a value back (a 150-digit number typed by mistake, the engine's
    '1,333,333,...' of it). A label wraps only between words, so one such word would set the
    dialog's width; with these breaks it wraps within the dialog like the rest of the text.
    """

    def split(word: str) -> str:
        # After each comma first (between the digit groups of a long number), then every 12.
        parts = word.replace(",", "," + _ZWSP).split(_ZWSP)
        return _ZWSP.join(c for part in parts for c in re.findall(r".{1,12}", part))

    return re.sub(rf"\S{{{_LONG_WORD},}}", lambda m: split(m.group(0)), text)


def draw_tests() -> tuple[str, ...]:
    """Return the tests a draw may hold (from the model's Literal type)."""
    inner = get_args(Override.model_fields["tests"].annotation)[0]
    return tuple(str(t) for t in get_args(inner))


def _max_length(model: type[BaseModel], name: str) -> int:
    for meta in model.model_fields[name].metadata:
        limit = getattr(meta, "max_length", None)
        if isinstance(limit, int):
            return limit
    return 0


def _sheet_problems(name: str, text: str) -> list[str]:
    """Return what the order sheet's lint would refuse in a free text printed beside an order.

    The reason is checked as the sheet prints it: prose, whose numbers need no unit (issue 17
    item 5), with every other rule of the sheet (trailing zeros, banned notation...).
    """
    try:
        from desktop_app.report.content import ORDER
        from desktop_app.report.lint import check_reason, check_segment
    except ImportError:  # the order sheet is optional: nothing to check against
        return []
    found = check_reason(text) if name == "reason" else check_segment(text, ORDER)
    return [v.message for v in found]


class OverrideDialog(QDialog):
    """Asks for one override's fields, a reason and the prescriber; OK tries it on the engine.

    `result_value` holds the accepted check (its `inputs` carry the new override).
    """

    def __init__(
        self,
        request: OverrideRequest,
        plan: Plan,
        protocol: Protocol,
        prescriber: str,
        check: Check,
        decimal_comma: bool = False,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self._request = request
        self._plan = plan
        self._protocol = protocol
        self._check = check
        self._decimal_comma = decimal_comma
        self._order: Order | None = None
        self._draw: Draw | None = None
        self._editors: dict[str, QWidget] = {}
        self._messages: dict[str, InlineMessage] = {}
        self._rows: dict[str, tuple[QLabel, QWidget]] = {}
        self.result_value: OverrideCheck | None = None
        if request.target == "draw":
            self._draw = next(
                (
                    d
                    for d in plan.schedule
                    if not d.before_first_dose and d.hours_after_first_dose == request.draw_hours
                ),
                None,
            )
        else:
            self._order = next(o for o in plan.orders_now if o.electrolyte == request.target)
        self._build(prescriber)
        self._connect()
        self._prefill()

    # ----- building ------------------------------------------------------------------------

    def _build(self, prescriber: str) -> None:
        request = self._request
        kind = "draw" if request.target == "draw" else "order"
        title = ui_text.OVERRIDE_TITLE[(kind, request.action)].format(electrolyte=request.target)
        self.setWindowTitle(title)
        self.heading = QLabel(f"<b>{title}</b>")
        self.heading.setObjectName("dialogHeading")
        intro = QLabel(ui_text.OVERRIDE_INTRO)
        intro.setWordWrap(True)
        set_look(intro, "hint")
        self.recommended = QLabel()
        self.recommended.setWordWrap(True)
        self.recommended.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.recommended.setAccessibleName(ui_text.OVERRIDE_RECOMMENDED)
        self.recommended.setText(self._recommended_text())
        self.recommended.setVisible(bool(self.recommended.text()))

        self.form = QFormLayout()
        self.form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.ExpandingFieldsGrow)
        if kind == "order" and request.action == "change":
            self.product = QComboBox()
            self.product.setAccessibleName("Product")
            for prod, route in self._products():
                self.product.addItem(f"{prod.name} ({ui_text.OVERRIDE_ROUTE[route]})", prod.id)
            self._add_row("product_id", self.product)
            self.units = line_edit("Units per dose", width_chars=8)
            self.units_suffix = QLabel()
            self._add_row("units_per_dose", self.units, self.units_suffix)
            self.times = line_edit("Times a day", width_chars=8)
            self._add_row("times_per_day", self.times, QLabel(ui_text.OVERRIDE_TIMES))
            self.review = line_edit("Review after, hours", width_chars=8)
            self._add_row("review_after_hours", self.review, QLabel(ui_text.OVERRIDE_HOURS))
            self.rate = line_edit("IV rate", width_chars=8)
            self.rate_suffix = QLabel()
            self._add_row("iv_rate", self.rate, self.rate_suffix)
            self.daily_total = QLabel(ui_text.OVERRIDE_TOTAL_WAITING)
            self.daily_total.setWordWrap(True)
            set_look(self.daily_total, "hint")
            self.daily_total.setAccessibleName(ui_text.OVERRIDE_TOTAL_LABEL)
            self.form.addRow("", self.daily_total)
        if request.action in ("move", "add"):
            self.new_time = datetime_edit("New time", ui_text.DATETIME_PLACEHOLDER, 18)
            self.new_time_hint = QLabel(ui_text.OVERRIDE_NEW_HOURS_EMPTY)
            set_look(self.new_time_hint, "hint")
            box = QWidget()
            column = QVBoxLayout(box)
            column.setContentsMargins(0, 0, 0, 0)
            column.addWidget(self.new_time)
            column.addWidget(self.new_time_hint)
            self._add_row("new_hours", self.new_time, body=box)
        if request.target == "draw" and request.action in ("add", "change"):
            self.test_boxes: dict[str, QCheckBox] = {}
            box = QWidget()
            grid = QGridLayout(box)
            grid.setContentsMargins(0, 0, 0, 0)
            for i, test in enumerate(draw_tests()):
                check = QCheckBox(ui_text.DRAW_TEST_TEXT[test])
                check.setAccessibleName(f"Test: {ui_text.DRAW_TEST_TEXT[test]}")
                self.test_boxes[test] = check
                grid.addWidget(check, i // 3, i % 3)
            self._add_row("tests", next(iter(self.test_boxes.values())), body=box)
        self.reason = line_edit("Reason", ui_text.OVERRIDE_REASON_HINT, 30)
        self.reason.setMaxLength(_max_length(Override, "reason"))
        self._add_row("reason", self.reason)
        self.prescriber = line_edit("Prescriber", width_chars=20)
        self.prescriber.setMaxLength(_max_length(Override, "prescriber"))
        self.prescriber.setText(prescriber)
        self._add_row("prescriber", self.prescriber)
        self.general = QLabel()
        set_look(self.general, "inlineMessage")
        self.general.setWordWrap(True)
        self.general.setTextFormat(Qt.TextFormat.PlainText)
        self.general.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.general.hide()
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        column = QVBoxLayout(self)
        column.addWidget(self.heading)
        column.addWidget(intro)
        title_label = QLabel(
            f"<b>{ui_text.OVERRIDE_RECOMMENDED}</b>"
            if request.action != "add"
            else f"<b>{ui_text.OVERRIDE_ADD_NOTE}</b>"
        )
        column.addWidget(title_label)
        column.addWidget(self.recommended)
        column.addLayout(self.form)
        column.addWidget(self.general)
        column.addWidget(self.buttons)
        self.resize(620, self.sizeHint().height())
        editors = list(self._editors.values())
        if hasattr(self, "test_boxes"):
            i = editors.index(next(iter(self.test_boxes.values())))
            editors[i : i + 1] = list(self.test_boxes.values())
        for first, second in pairwise(editors):
            QWidget.setTabOrder(first, second)
        if editors:
            QWidget.setTabOrder(editors[-1], self.buttons)

    def _add_row(
        self, name: str, editor: QWidget, *extra: QWidget, body: QWidget | None = None
    ) -> None:
        container = QWidget()
        column = QVBoxLayout(container)
        column.setContentsMargins(0, 0, 0, 0)
        column.setSpacing(2)
        if body is not None:
            column.addWidget(body)
        else:
            row = QHBoxLayout()
            row.setContentsMargins(0, 0, 0, 0)
            row.addWidget(editor, 1 if not extra else 0)
            for widget in extra:
                row.addWidget(widget)
            if extra:
                row.addStretch(1)
            column.addLayout(row)
        message = InlineMessage()
        column.addWidget(message)
        label = QLabel(ui_text.OVERRIDE_FIELD_LABELS[name])
        label.setBuddy(editor)
        self.form.addRow(label, container)
        self._editors[name] = editor
        self._messages[name] = message
        self._rows[name] = (label, container)

    def _connect(self) -> None:
        self.buttons.accepted.connect(self._on_ok)
        self.buttons.rejected.connect(self.reject)
        if hasattr(self, "product"):
            self.product.currentIndexChanged.connect(self._on_product_changed)
            self.product.currentIndexChanged.connect(self._on_dose_edited)
            for edit in (self.units, self.times, self.review, self.rate):
                edit.textChanged.connect(self._on_dose_edited)
        if hasattr(self, "new_time"):
            self.new_time.textChanged.connect(self._on_new_time_edited)

    def _products(self) -> list[tuple[Product | IVProduct, str]]:
        p = self._protocol
        section = (
            p.potassium if self._request.target == "potassium" else getattr(p, self._request.target)
        )
        return [(prod, "oral") for prod in section.products] + [
            (prod, "iv") for prod in section.iv_products
        ]

    def _recommended_text(self) -> str:
        if self._order is not None:
            return self._order.text
        if self._draw is not None:
            d = self._draw
            return ui_text.OVERRIDE_DRAW_NOW.format(
                tests=d.label, when=when(d.at), hours=num(d.hours_after_first_dose)
            )
        return ""

    def _prefill(self) -> None:
        order = self._order
        if hasattr(self, "product"):
            index = 0
            if order is not None and order.product:
                names = [prod.name for prod, _ in self._products()]
                if order.product in names:
                    index = names.index(order.product)
            self.product.setCurrentIndex(index)
            if order is not None and order.kind == "oral":
                for edit, value in (
                    (self.units, order.units_per_dose),
                    (self.times, order.times_per_day),
                ):
                    edit.setText(format_number(value) if value is not None else "")
                if order.start_at is not None and order.review_at is not None:
                    hours = (order.review_at - order.start_at).total_seconds() / 3600
                    self.review.setText(format_number(hours))
            if order is not None and order.iv is not None:
                self.rate.setText(format_number(order.iv.max_rate))
            self._on_product_changed(index)
            self._on_dose_edited()
        if hasattr(self, "new_time") and self._draw is not None:
            self.new_time.setText(format_datetime(self._draw.at))
        if hasattr(self, "test_boxes") and self._draw is not None:
            for test, box in self.test_boxes.items():
                box.setChecked(test in self._draw.tests)
        first = next(iter(self._editors.values()), self.reason)
        first.setFocus()

    # ----- public API ----------------------------------------------------------------------

    @classmethod
    def ask(
        cls,
        request: OverrideRequest,
        plan: Plan,
        protocol: Protocol,
        prescriber: str,
        check: Check,
        decimal_comma: bool = False,
        parent: QWidget | None = None,
        *,
        now: Callable[[], datetime] | None = None,
    ) -> tuple[OverrideCheck | None, bool]:
        """Show the dialog; return the accepted check and True, or (None, False).

        `now` is the clock of the date-time field's "now" shortcut (the window's clock).
        """
        dialog = cls(request, plan, protocol, prescriber, check, decimal_comma, parent)
        if now is not None:
            for edit in dialog.findChildren(DateTimeEdit):
                edit.set_clock(now)
        accepted = dialog.exec() == QDialog.DialogCode.Accepted
        return (dialog.result_value, True) if accepted else (None, False)

    def editor(self, name: str) -> QWidget:
        """Return the editor of an override field (tests and 'go to the field')."""
        return self._editors[name]

    def messages(self) -> dict[str, str]:
        """Return the problems shown, by field ('' for the general one)."""
        out = {n: m.text() for n, m in self._messages.items() if not m.isHidden()}
        if not self.general.isHidden():
            out[""] = self.general.text()
        return {n: text.replace(_ZWSP, "") for n, text in out.items()}

    # ----- collecting ----------------------------------------------------------------------

    def _number(self, name: str, edit: QLineEdit, errors: dict[str, str]) -> float | None:
        try:
            value = parse_entry_number(edit.text(), self._decimal_comma)
        except EntryError as exc:
            errors[name] = str(exc)
            return None
        if value is None:
            what = ui_text.OVERRIDE_FIELD_LABELS[name].replace("&", "").lower()
            errors[name] = ui_text.OVERRIDE_NEEDED.format(what=what)
        return value

    def _selected_product(self) -> tuple[Product | IVProduct, str]:
        return self._products()[self.product.currentIndex()]

    def collect(self, errors: dict[str, str]) -> dict[str, Any]:
        """Return the override as plain data; add what cannot be read to `errors`."""
        request = self._request
        data: dict[str, Any] = {"target": request.target, "action": request.action}
        if request.target == "draw" and request.action != "add":
            data["draw_hours"] = request.draw_hours
        if hasattr(self, "product"):
            prod, route = self._selected_product()
            data["product_id"] = prod.id
            if route == "oral":
                for name, edit in (
                    ("units_per_dose", self.units),
                    ("times_per_day", self.times),
                    ("review_after_hours", self.review),
                ):
                    data[name] = self._number(name, edit, errors)
            else:
                data["iv_rate"] = self._number("iv_rate", self.rate, errors)
        if hasattr(self, "new_time"):
            data["new_hours"] = self._new_hours(errors)
        if hasattr(self, "test_boxes"):
            data["tests"] = [t for t, box in self.test_boxes.items() if box.isChecked()]
            if not data["tests"]:
                errors["tests"] = ui_text.OVERRIDE_NO_TEST
        data["reason"] = self.reason.text().strip()
        data["prescriber"] = self.prescriber.text().strip()
        for name in ("reason", "prescriber"):
            if not data[name]:
                what = ui_text.OVERRIDE_FIELD_LABELS[name].replace("&", "").lower()
                errors[name] = ui_text.OVERRIDE_NEEDED.format(what=what)
            else:
                found = _sheet_problems(name, data[name])
                if found:
                    template = (
                        ui_text.OVERRIDE_REASON_CANNOT_PRINT
                        if name == "reason"
                        else ui_text.OVERRIDE_SHEET_CANNOT_PRINT
                    )
                    errors[name] = template.format(problems="; ".join(found))
        return data

    def _new_hours(self, errors: dict[str, str]) -> float | None:
        try:
            moment = parse_datetime(self.new_time.text())
        except EntryError as exc:
            errors["new_hours"] = str(exc)
            return None
        if moment is None:
            errors["new_hours"] = ui_text.OVERRIDE_NEEDED.format(what="the new date and time")
            return None
        hours = (moment - self._plan.first_dose_at).total_seconds() / 3600
        if hours <= 0:
            errors["new_hours"] = ui_text.OVERRIDE_BEFORE_FIRST.format(
                when=when(self._plan.first_dose_at)
            )
            return None
        return hours

    def _show(
        self, problems: dict[str, str], general: str = "", refused: dict[str, str] | None = None
    ) -> None:
        """Show entry problems under their fields, `general` above the buttons, and frame the
        editors the engine refused (its words are in `general`)."""
        refused = refused or {}
        for name, message in self._messages.items():
            text = problems.get(name, "")
            message.set_message(_breakable(text))
            message.setAccessibleName(message.accessibleName().replace(_ZWSP, ""))
            mark_invalid(self._editors[name], text or refused.get(name, ""))
        rest = [m for n, m in problems.items() if n not in self._messages and m]
        text = "\n".join([general, *rest] if general else rest)
        self.general.setText(_breakable(text))
        self.general.setAccessibleName(text or "No problem")
        self.general.setVisible(bool(text))
        self._fit_height()

    def _fit_height(self) -> None:
        """Grow the dialog to the height its rows need at its width (never shrink, never widen).

        The messages wrap (their height depends on the width) and Qt does not count that in a
        window's minimum height: without this the rows were squeezed to fit the old height,
        line edits drawn 15 px tall instead of 22 and the last line of a message cut off.
        """
        layout = self.layout()
        if layout is None:
            return
        layout.activate()
        need = layout.totalMinimumSize().height()
        if layout.hasHeightForWidth():
            need = max(need, layout.totalHeightForWidth(self.width()))
        if self.height() < need:
            self.resize(self.width(), need)

    # ----- slots ---------------------------------------------------------------------------

    @Slot(int)
    def _on_product_changed(self, index: int) -> None:
        if index < 0:
            return
        prod, route = self._selected_product()
        oral = route == "oral"
        for name in ("units_per_dose", "times_per_day", "review_after_hours"):
            self.form.setRowVisible(self._rows[name][0], oral)
        self.form.setRowVisible(self._rows["iv_rate"][0], not oral)
        if isinstance(prod, Product):
            self.units_suffix.setText(prod.form_plural)
        else:
            self.rate_suffix.setText(ui_text.OVERRIDE_PER_HOUR.format(unit=prod.amount.unit))

    def _daily_total_text(self) -> str:
        """What the engine makes of the dose typed so far (the new order, its daily total)."""
        errors: dict[str, str] = {}
        data = self.collect(errors)
        if any(name not in ("reason", "prescriber") for name in errors):
            return ui_text.OVERRIDE_TOTAL_WAITING
        # The reason and name are asked for at OK; the engine needs some words to try the dose.
        data["reason"] = data["reason"] or ui_text.OVERRIDE_PREVIEW_WORDS
        data["prescriber"] = data["prescriber"] or ui_text.OVERRIDE_PREVIEW_WORDS
        try:
            override = Override.model_validate(data)
        except ValidationError:
            return ui_text.OVERRIDE_TOTAL_WAITING
        result = self._check(override)
        if result.outcome == "confirm":  # outside the band: the total once confirmed
            result = self._check(result.override)
        if result.plan is None:
            problem = result.problems[0].message if result.problems else ""
            return ui_text.OVERRIDE_TOTAL_REFUSED.format(problem=problem)
        if self._request.target == "potassium":
            return ui_text.OVERRIDE_TOTAL_POTASSIUM.format(total=result.plan.potassium_per_day_text)
        order = next(o for o in result.plan.orders_now if o.electrolyte == self._request.target)
        return ui_text.OVERRIDE_TOTAL_ORDER.format(order=order.text)

    @Slot()
    def _on_dose_edited(self) -> None:
        text = self._daily_total_text()
        self.daily_total.setText(_breakable(text))  # a long number quoted back must wrap
        self.daily_total.setAccessibleDescription(text)

    def _focus_first(self, names: set[str]) -> None:
        """Put the keyboard focus in the first field (in tab order) that has a problem."""
        for name, editor in self._editors.items():
            if name in names:
                editor.setFocus(Qt.FocusReason.OtherFocusReason)
                return

    @Slot(str)
    def _on_new_time_edited(self, _text: str) -> None:
        errors: dict[str, str] = {}
        hours = self._new_hours(errors) if self.new_time.text().strip() else None
        if hours is None:
            self.new_time_hint.setText(
                errors.get("new_hours", ui_text.OVERRIDE_NEW_HOURS_EMPTY).capitalize()
                if self.new_time.text().strip()
                else ui_text.OVERRIDE_NEW_HOURS_EMPTY
            )
            return
        moment = parse_datetime(self.new_time.text())
        assert moment is not None
        self.new_time_hint.setText(
            ui_text.OVERRIDE_NEW_HOURS.format(
                hours=num(hours, 2), when=when(moment), day=int(hours // 24) + 1
            )
        )

    @Slot()
    def _on_ok(self) -> None:
        errors: dict[str, str] = {}
        data = self.collect(errors)
        if errors:
            self._show(errors)
            self._focus_first(set(errors))
            return
        try:
            override = Override.model_validate(data)
        except ValidationError as exc:
            from desktop_app.widgets.input_form import validation_messages

            problems = validation_messages(exc)
            self._show(problems)
            self._focus_first(set(problems))
            return
        result = self._check(override)
        if result.outcome == "refused":
            prefix = f"overrides[{result.index}]."
            lines = [ui_text.OVERRIDE_REFUSED]
            for p in result.problems:
                name = p.path.removeprefix(prefix) if p.path.startswith(prefix) else ""
                label = ui_text.OVERRIDE_FIELD_LABELS.get(name, "").replace("&", "")
                lines.append(f"- {label}: {p.message}" if label else f"- {p.message}")
            self._show({}, "\n".join(lines), refused=result.field_problems())
            self._focus_first(set(result.field_problems()))
            _log.info("override refused: %s", "; ".join(str(p) for p in result.problems))
            return
        if result.outcome == "confirm":
            question = ui_text.OVERRIDE_CONFIRM.format(
                recommended=result.recommended_text.rstrip(". "),
                question=ui_text.OVERRIDE_CONFIRM_QUESTION[self._request.action],
            )
            if not alerts.confirm_outside_band(self, question):
                self._show({}, ui_text.OVERRIDE_NOT_CONFIRMED)
                return
        self._show({})
        self.result_value = result
        self.accept()
