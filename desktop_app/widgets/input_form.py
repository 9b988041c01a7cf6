"""The input form: every panel in tab order; emits a validated PlanInputs or the problems."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from itertools import pairwise
from typing import Any

from pydantic import ValidationError
from PySide6.QtCore import QSignalBlocker, Qt, Signal, Slot
from PySide6.QtWidgets import (
    QApplication,
    QScrollArea,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from desktop_app.logic.errors import InputError
from desktop_app.logic.models import INPUT_SCHEMA_VERSION, Override, PlanInputs
from desktop_app.logic.protocol import LoadedProtocol
from desktop_app.logic.validation import validate
from desktop_app.widgets import ui_text
from desktop_app.widgets.anaemia_panel import AnaemiaPanel
from desktop_app.widgets.datetime_field import DateTimeEdit
from desktop_app.widgets.fields import Panel
from desktop_app.widgets.followup_panel import FollowupPanel
from desktop_app.widgets.labs_panel import LabsPanel, UnitSystem
from desktop_app.widgets.modifiers_panel import ModifiersPanel
from desktop_app.widgets.patient_panel import PatientPanel
from desktop_app.widgets.regimen_panel import RegimenPanel

#: PlanInputs fields the panels edit; every other field (e.g. prescriber overrides, made from the
#: plan view) is kept exactly as opened and saved back unchanged unless replaced through the API.
EDITED_FIELDS = frozenset(
    {
        "schema_version",
        "plan_id",
        "patient",
        "labs",
        "severity_override",
        "regimen",
        "modifiers",
        "followups",
        "prescriber",
    }
)


def _friendly(err: Any) -> str:
    """Turn one pydantic error into clinician-facing text (raw pydantic text is never shown)."""
    kind = err.get("type", "")
    ctx = err.get("ctx") or {}
    if kind == "literal_error":
        return "choose one of the options."
    if kind == "string_too_short":
        return f"too short: write at least {ctx.get('min_length')} characters."
    if kind == "string_too_long":
        return f"too long: at most {ctx.get('max_length')} characters."
    if kind == "greater_than":
        return f"must be more than {ctx.get('gt')}."
    if kind == "missing":
        return "required."
    msg = str(err.get("msg", "is not valid"))
    return msg.removeprefix("Value error, ")


def _related(path: str, other: str) -> bool:
    """True when one path is the other or lies under it ("labs.k" and "labs.k.value")."""
    return any(
        a == b or a.startswith((b + ".", b + "[")) for a, b in ((path, other), (other, path))
    )


def validation_messages(exc: ValidationError) -> dict[str, str]:
    """Return {dotted path: message} for a ValidationError of PlanInputs."""
    out: dict[str, str] = {}
    for err in exc.errors():
        parts: list[str] = []
        for loc in err["loc"]:
            if isinstance(loc, int):
                parts[-1] = f"{parts[-1]}[{loc}]" if parts else f"[{loc}]"
            else:
                parts.append(str(loc))
        out[".".join(parts) or "(form)"] = _friendly(err)
    return out


class InputForm(QTabWidget):
    """All input panels. Keeps the last valid PlanInputs; emits a new one after each edit.

    Signals:
        inputs_changed(PlanInputs): the inputs were edited and form a valid model.
        input_errors_changed(dict): the inputs were edited and some fields cannot be read
            ({path: message}); no model is emitted until they are fixed. The dict holds every
            problem at once: the unreadable fields, and the model's and the engine's checks of
            the fields that could be read (never a problem that only follows from another
            field being unreadable).
    """

    inputs_changed = Signal(object)
    input_errors_changed = Signal(dict)

    def __init__(
        self,
        lp: LoadedProtocol,
        unit_system: UnitSystem,
        decimal_comma: bool,
        parent: QWidget | None = None,
        now: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        super().__init__(parent)
        self._now = now
        self._lp = lp
        self._meta: dict[str, str] = {"schema_version": INPUT_SCHEMA_VERSION, "plan_id": ""}
        self._passthrough: dict[str, Any] = {}
        self._model: PlanInputs | None = None
        self._errors: dict[str, str] = {}
        self._build(unit_system, decimal_comma)
        self._layout()
        for edit in self.findChildren(DateTimeEdit):
            edit.set_clock(now)  # "now" in every date-time field is the window's clock
        self._connect()
        self._rebuild()

    def _build(self, unit_system: UnitSystem, decimal_comma: bool) -> None:
        proto = self._lp.protocol
        self.patient = PatientPanel(decimal_comma)
        self.regimen = RegimenPanel(proto)
        self.labs = LabsPanel(proto, unit_system, decimal_comma)
        self.anaemia = AnaemiaPanel()
        self.modifiers = ModifiersPanel(proto)
        self.followups = FollowupPanel(proto, unit_system, decimal_comma, now=self._now)
        self.baseline_panels: tuple[Panel, ...] = (
            self.patient,
            self.regimen,
            self.labs,
            self.anaemia,
            self.modifiers,
        )
        self.panels: tuple[Panel, ...] = (*self.baseline_panels, self.followups)

    def _layout(self) -> None:
        self.baseline_scroll = self._scroll(self.baseline_panels)
        self.followup_scroll = self._scroll((self.followups,))
        self.addTab(self.baseline_scroll, ui_text.BASELINE_TAB)
        self.addTab(self.followup_scroll, ui_text.FOLLOWUP_TAB)
        self.tabBar().setAccessibleName(ui_text.INPUT_TABS_NAME)
        self._chain([w for p in self.baseline_panels for w in p.focus_chain()])
        self._chain(self.followups.focus_chain())

    @staticmethod
    def _scroll(panels: tuple[Panel, ...]) -> QScrollArea:
        inner = QWidget()
        column = QVBoxLayout(inner)
        for panel in panels:
            column.addWidget(panel)
        column.addStretch(1)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setWidget(inner)
        # No tab stop of its own: the field with focus is scrolled into view.
        scroll.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        return scroll

    @staticmethod
    def _chain(widgets: list[QWidget]) -> None:
        for first, second in pairwise(widgets):
            QWidget.setTabOrder(first, second)

    def _connect(self) -> None:
        for panel in self.panels:
            panel.edited.connect(self._on_panel_edited)
        app = QApplication.instance()
        if isinstance(app, QApplication):
            app.focusChanged.connect(self._on_focus_changed)

    # ----- public API ----------------------------------------------------------------------

    def set_inputs(self, inputs: PlanInputs) -> None:
        """Show `inputs` in every panel without emitting; they become the current model."""
        self._meta = {"schema_version": inputs.schema_version, "plan_id": inputs.plan_id}
        self._passthrough = inputs.model_dump(
            mode="json", include=set(PlanInputs.model_fields) - EDITED_FIELDS
        )
        for panel in self.panels:
            blocker = QSignalBlocker(panel)
            panel.set_values(inputs)
            blocker.unblock()
        self._rebuild()

    def current_inputs(self) -> PlanInputs | None:
        """Return the inputs as a validated model, or None while a field cannot be read."""
        return self._model

    def plan_id(self) -> str:
        """Return the plan id the inputs carry ('' when none was assigned)."""
        return self._meta["plan_id"]

    def set_plan_id(self, plan_id: str) -> None:
        """Give the plan its id, then emit like an edit (the plan becomes modified)."""
        self._meta["plan_id"] = plan_id
        self._on_panel_edited()

    def overrides(self) -> tuple[Override, ...]:
        """Return the prescriber overrides the inputs carry (kept while a field is unreadable)."""
        raw = self._passthrough.get("overrides") or []
        return tuple(Override.model_validate(o) for o in raw)

    def set_overrides(self, overrides: tuple[Override, ...]) -> None:
        """Replace the prescriber overrides, then emit like an edit."""
        self._passthrough["overrides"] = [o.model_dump(mode="json") for o in overrides]
        self._on_panel_edited()

    def entry_errors(self) -> dict[str, str]:
        """Return the problems of fields that cannot be read ({path: message})."""
        return dict(self._errors)

    def show_problems(self, problems: dict[str, str]) -> None:
        """Show each problem at its field (engine problems, or the form's own)."""
        left = dict(problems)
        for panel in self.panels:
            mine = {p: m for p, m in left.items() if panel.owns(p)}
            panel.show_problems(mine)
            for p in mine:
                left.pop(p, None)

    def field_label(self, path: str) -> str:
        """Return the label of the field that shows `path` (longest matching field path)."""
        best, best_len = path, -1
        for panel in self.panels:
            for field_path, label in panel.field_labels().items():
                if (
                    path == field_path or path.startswith((field_path + ".", field_path + "["))
                ) and len(field_path) > best_len:
                    best, best_len = label, len(field_path)
        for prefix, template in (
            ("followups[", ui_text.FOLLOWUP_ROW),
            ("overrides[", ui_text.OVERRIDE_ROW),
        ):
            if path.startswith(prefix):
                index = int(path[len(prefix) :].split("]", 1)[0])
                best = template.format(n=index + 1)
        return best

    def focus_field(self, path: str) -> None:
        """Move the keyboard focus to the field that shows `path`."""
        for panel in self.panels:
            widget = panel.focus_widget_for(path)
            if widget is not None:
                self.setCurrentWidget(
                    self.followup_scroll if panel is self.followups else self.baseline_scroll
                )
                widget.setFocus()
                return

    def first_field(self) -> QWidget:
        """Return the first editor (focus goes here for a new plan)."""
        return self.patient.focus_chain()[0]

    def show_derived_severity(self, severity: str | None) -> None:
        """Show the severity the plan derived (None when there is no plan)."""
        self.anaemia.show_derived(severity)

    def raw_state(self) -> dict[str, Any]:
        """Return everything typed, readable or not (for the autosaved draft)."""
        return {
            "meta": dict(self._meta),
            "passthrough": dict(self._passthrough),
            **{type(p).__name__: p.raw_state() for p in self.panels},
        }

    def set_raw_state(self, state: dict[str, Any]) -> None:
        """Restore everything typed from a draft, then emit like an edit."""
        meta = state.get("meta", {})
        self._meta = {
            "schema_version": str(meta.get("schema_version", INPUT_SCHEMA_VERSION)),
            "plan_id": str(meta.get("plan_id", "")),
        }
        passthrough = state.get("passthrough", {})
        self._passthrough = (
            {
                k: v
                for k, v in passthrough.items()
                if k in PlanInputs.model_fields and k not in EDITED_FIELDS
            }
            if isinstance(passthrough, dict)
            else {}
        )
        for panel in self.panels:
            blocker = QSignalBlocker(panel)
            panel.set_raw_state(state.get(type(panel).__name__, {}))
            blocker.unblock()
        self._on_panel_edited()

    # ----- helpers -------------------------------------------------------------------------

    def _rebuild(self) -> None:
        unreadable: dict[str, str] = {}
        data: dict[str, Any] = {
            **self._passthrough,
            **self._meta,
            "patient": self.patient.collect(unreadable),
            "labs": self.labs.collect(unreadable),
            "severity_override": self.anaemia.collect(unreadable),
            **self.regimen.collect(unreadable),
            "modifiers": self.modifiers.collect(unreadable),
            "followups": self.followups.collect(unreadable),
        }
        model: PlanInputs | None = None
        errors: dict[str, str] = dict(unreadable)
        try:
            readable = PlanInputs.model_validate(data)
        except ValidationError as exc:
            readable = None
            errors.update(self._not_blamed(validation_messages(exc), unreadable))
        if readable is not None and unreadable:
            # The fields that could be read are still checked, each against itself.
            errors.update(self._not_blamed(self._checks_of(readable), unreadable))
        elif readable is not None:
            model = readable
        self._model = model
        self._errors = errors
        if errors:
            self.show_problems(errors)

    def _checks_of(self, inputs: PlanInputs) -> dict[str, str]:
        """Return the engine's input checks of a model made of the fields that could be read."""
        try:
            validate(self._lp.protocol, inputs, self._now())
        except InputError as exc:
            return {p.path: p.message for p in exc.problems}
        return {}

    def _not_blamed(self, problems: dict[str, str], unreadable: dict[str, str]) -> dict[str, str]:
        """Drop the problems that only follow from a field that cannot be read: that field's
        own (it was left out of the model, so it looks empty) and those of fields it feeds."""
        left_out = (*unreadable, *self.labs.waiting_for_common_time(unreadable))
        return {
            path: message
            for path, message in problems.items()
            if not any(_related(path, other) for other in left_out)
        }

    # ----- slots ---------------------------------------------------------------------------

    @Slot()
    def _on_panel_edited(self) -> None:
        self._rebuild()
        if self._model is not None:
            self.inputs_changed.emit(self._model)
        else:
            self.input_errors_changed.emit(dict(self._errors))

    @Slot(QWidget, QWidget)
    def _on_focus_changed(self, _old: QWidget | None, new: QWidget | None) -> None:
        if new is None:
            return
        for scroll in (self.baseline_scroll, self.followup_scroll):
            inner = scroll.widget()
            if inner is not None and inner.isAncestorOf(new):
                scroll.ensureWidgetVisible(new, 0, 24)
