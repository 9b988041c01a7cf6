"""The risk modifiers panel: drugs and conditions that change the potassium plan."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Slot
from PySide6.QtWidgets import QCheckBox, QComboBox, QGridLayout, QWidget

from desktop_app.logic.models import PlanInputs
from desktop_app.logic.protocol import DrugClass, Protocol
from desktop_app.widgets import ui_text
from desktop_app.widgets.entry import EntryError, format_datetime, parse_datetime
from desktop_app.widgets.fields import Panel, datetime_edit

_CONDITIONS = (
    "digoxin",
    "cardiac_disease",
    "dialysis",
    "oliguria",
    "cannot_take_oral",
    "folic_acid_planned",
)
_COLUMNS = 1


class _DrugGroup:
    """Check boxes for one list of drug classes, keeping the order they were ticked in."""

    def __init__(self, drugs: tuple[DrugClass, ...], what: str) -> None:
        self.body = QWidget()
        grid = QGridLayout(self.body)
        grid.setContentsMargins(0, 0, 0, 0)
        self.boxes: dict[str, QCheckBox] = {}
        self.order: list[str] = []
        for i, drug in enumerate(drugs):
            box = QCheckBox(drug.label)
            box.setAccessibleName(f"{what}: {drug.label}")
            if drug.examples:
                box.setToolTip(drug.examples)
                box.setAccessibleDescription(drug.examples)
            grid.addWidget(box, i // _COLUMNS, i % _COLUMNS)
            self.boxes[drug.id] = box

    def toggled(self, drug_id: str, checked: bool) -> None:
        if checked and drug_id not in self.order:
            self.order.append(drug_id)
        elif not checked and drug_id in self.order:
            self.order.remove(drug_id)

    def value(self) -> list[str]:
        return list(self.order)

    def set_value(self, ids: tuple[str, ...] | list[str]) -> None:
        # Ids this protocol does not know are kept in place (the engine reports them).
        self.order = list(ids)
        for drug_id, box in self.boxes.items():
            box.setChecked(drug_id in self.order)


class ModifiersPanel(Panel):
    """Potassium-lowering and -raising drugs, conditions and planned discharge.

    Signals:
        edited: a box was ticked or the discharge time typed.
    """

    def __init__(self, protocol: Protocol, parent: QWidget | None = None) -> None:
        super().__init__(ui_text.MODIFIERS_TITLE, parent)
        self._protocol = protocol
        self._build()
        self._connect()

    def _build(self) -> None:
        labels = ui_text.MODIFIER_LABELS
        self.lowering = _DrugGroup(self._protocol.k_lowering_drugs, "Potassium-lowering drug")
        self.raising = _DrugGroup(self._protocol.k_raising_drugs, "Potassium-raising drug")
        self.add_field(
            "modifiers.k_lowering_drugs",
            labels["modifiers.k_lowering_drugs"],
            dict(self._paths("modifiers.k_lowering_drugs", self.lowering)),
            body=self.lowering.body,
        )
        self.add_field(
            "modifiers.k_raising_drugs",
            labels["modifiers.k_raising_drugs"],
            dict(self._paths("modifiers.k_raising_drugs", self.raising)),
            body=self.raising.body,
        )
        # "None" and "not recorded" are different states (issue 15 item 16).
        self.drug_list = QComboBox()
        self.drug_list.setAccessibleName("Drug list recorded")
        for state, text in ui_text.DRUG_LIST_TEXT.items():
            self.drug_list.addItem(text, state)
        self.add_field(
            "modifiers.drug_list",
            labels["modifiers.drug_list"],
            {"modifiers.drug_list": self.drug_list},
        )
        body = QWidget()
        grid = QGridLayout(body)
        grid.setContentsMargins(0, 0, 0, 0)
        self.conditions: dict[str, QCheckBox] = {}
        for i, name in enumerate(_CONDITIONS):
            box = QCheckBox(ui_text.CONDITION_TEXT[name])
            box.setAccessibleName(ui_text.CONDITION_TEXT[name])
            grid.addWidget(box, i // _COLUMNS, i % _COLUMNS)
            self.conditions[name] = box
        self.add_field(
            "modifiers.conditions",
            labels["modifiers.conditions"],
            {f"modifiers.{n}": b for n, b in self.conditions.items()},
            body=body,
        )
        self.discharge = datetime_edit(
            "Planned discharge date and time", ui_text.DATETIME_PLACEHOLDER, 17
        )
        self.add_field(
            "modifiers.planned_discharge_at",
            labels["modifiers.planned_discharge_at"],
            {"modifiers.planned_discharge_at": self.discharge},
        )

    @staticmethod
    def _paths(prefix: str, group: _DrugGroup) -> list[tuple[str, QWidget]]:
        return [(f"{prefix}.{drug_id}", box) for drug_id, box in group.boxes.items()] or [
            (prefix, group.body)
        ]

    def _connect(self) -> None:
        for group in (self.lowering, self.raising):
            for drug_id, box in group.boxes.items():
                box.toggled.connect(
                    lambda checked, g=group, d=drug_id: self._on_drug_toggled(g, d, checked)
                )
        for box in self.conditions.values():
            box.toggled.connect(self._on_any_edited)
        self.drug_list.currentIndexChanged.connect(self._on_any_edited)
        self.discharge.textEdited.connect(self._on_any_edited)

    # ----- public API ----------------------------------------------------------------------

    def focus_chain(self) -> list[QWidget]:
        """Return the editors in tab order."""
        return [
            *self.lowering.boxes.values(),
            *self.raising.boxes.values(),
            self.drug_list,
            *self.conditions.values(),
            self.discharge,
        ]

    def collect(self, errors: dict[str, str]) -> dict[str, Any]:
        """Return the modifiers as a dict for the model; add entry problems to `errors`."""
        out: dict[str, Any] = {
            "k_lowering_drugs": self.lowering.value(),
            "k_raising_drugs": self.raising.value(),
            "drug_list": self.drug_list.currentData(),
            **{name: box.isChecked() for name, box in self.conditions.items()},
        }
        try:
            out["planned_discharge_at"] = parse_datetime(self.discharge.text())
        except EntryError as exc:
            errors["modifiers.planned_discharge_at"] = str(exc)
        return out

    def set_values(self, inputs: PlanInputs) -> None:
        """Show the modifiers of `inputs`."""
        mods = inputs.modifiers
        self.lowering.set_value(mods.k_lowering_drugs)
        self.raising.set_value(mods.k_raising_drugs)
        self.drug_list.setCurrentIndex(self.drug_list.findData(mods.drug_list_state()))
        for name, box in self.conditions.items():
            box.setChecked(bool(getattr(mods, name)))
        at = mods.planned_discharge_at
        self.discharge.setText(format_datetime(at) if at else "")

    def raw_state(self) -> dict[str, Any]:
        """Return the state as entered."""
        return {
            "k_lowering_drugs": self.lowering.value(),
            "k_raising_drugs": self.raising.value(),
            "drug_list": self.drug_list.currentData(),
            "conditions": {n: b.isChecked() for n, b in self.conditions.items()},
            "planned_discharge_at": self.discharge.text(),
        }

    def set_raw_state(self, state: dict[str, Any]) -> None:
        """Restore the state from a draft."""
        self.lowering.set_value(list(state.get("k_lowering_drugs", [])))
        self.raising.set_value(list(state.get("k_raising_drugs", [])))
        found = self.drug_list.findData(state.get("drug_list", "not_recorded"))
        self.drug_list.setCurrentIndex(max(found, 0))
        conditions = state.get("conditions", {})
        for name, box in self.conditions.items():
            box.setChecked(bool(conditions.get(name)))
        self.discharge.setText(str(state.get("planned_discharge_at", "")))

    # ----- slots ---------------------------------------------------------------------------

    def _on_drug_toggled(self, group: _DrugGroup, drug_id: str, checked: bool) -> None:
        group.toggled(drug_id, checked)
        self.edited.emit()

    @Slot()
    def _on_any_edited(self) -> None:
        self.edited.emit()
